"""wmel.WhisperFeatureExtractor -- a drop-in for transformers' WhisperFeatureExtractor.

Same constructor and __call__ signature, same padding/truncation/normalisation rules and
outputs (input_features (B, n_mels, frames), per-example max, attention_mask at frame
level when asked); the log-Mel itself is libwmel's (within 1e-4 of HF's numpy path,
which is float64: measured ~1e-7 against the oracle). transformers is not needed.
"""
from __future__ import annotations

import numpy as np

from . import _wmel


class BatchFeature(dict):
    """A dict with attribute access, like transformers.BatchFeature."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def convert_to_tensors(self, tensor_type=None):
        if tensor_type is None:
            return self
        t = str(getattr(tensor_type, "value", tensor_type))
        for k, v in list(self.items()):
            if t == "np":
                self[k] = np.asarray(v)
            elif t == "pt":
                import torch
                self[k] = torch.from_numpy(np.ascontiguousarray(v)) if isinstance(v, np.ndarray) \
                    else torch.tensor(np.asarray(v))
            else:
                raise ValueError(f"return_tensors={tensor_type!r}: wmel supports 'np' and 'pt'")
        return self

    def to(self, *args, **kwargs):
        """Moves torch tensors (as transformers' BatchFeature.to does)."""
        for k, v in list(self.items()):
            if hasattr(v, "to") and not isinstance(v, np.ndarray):
                self[k] = v.to(*args, **kwargs)
        return self


class WhisperFeatureExtractor:
    """transformers.WhisperFeatureExtractor, computed by libwmel.

    Only Whisper's geometry is supported (sampling_rate 16000, n_fft 400, hop_length 160,
    feature_size 80 or 128); other values raise ValueError. dither must be 0.0.
    """

    model_input_names = ["input_features"]

    def __init__(self, feature_size=80, sampling_rate=16000, hop_length=160, chunk_length=30,
                 n_fft=400, padding_value=0.0, dither=0.0, return_attention_mask=False,
                 **kwargs):
        if (sampling_rate, n_fft, hop_length) != (16000, 400, 160):
            raise ValueError("wmel computes Whisper's front-end only: sampling_rate=16000, "
                             f"n_fft=400, hop_length=160 (got {sampling_rate}, {n_fft}, {hop_length})")
        if feature_size not in (80, 128):
            raise ValueError(f"feature_size must be 80 or 128, got {feature_size}")
        if dither:
            raise ValueError("dither != 0 is not supported by wmel (it is random by design)")
        self.feature_size = feature_size
        self.sampling_rate = sampling_rate
        self.hop_length = hop_length
        self.chunk_length = chunk_length
        self.n_fft = n_fft
        self.padding_value = padding_value
        self.dither = dither
        self.return_attention_mask = return_attention_mask
        self.padding_side = kwargs.pop("padding_side", "right")
        self.n_samples = chunk_length * sampling_rate
        self.nb_max_frames = self.n_samples // hop_length
        self.feature_extractor_type = "WhisperFeatureExtractor"
        self._extra = kwargs

    @property
    def mel_filters(self) -> np.ndarray:
        """(201, feature_size), HF's orientation (openai's transposed)."""
        from . import mel_filters
        return mel_filters(self.feature_size).T.astype(np.float64)

    def to_dict(self):
        d = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        d.update(self._extra)
        return d

    @classmethod
    def from_pretrained(cls, name_or_path, **kwargs):
        """Reads preprocessor_config.json from a local folder (or through transformers
        when it is installed and the name is a hub id)."""
        import json
        import os
        cfg = os.path.join(os.fspath(name_or_path), "preprocessor_config.json")
        if os.path.isfile(cfg):
            with open(cfg) as f:
                d = json.load(f)
        else:
            from transformers import WhisperFeatureExtractor as HF
            d = HF.from_pretrained(name_or_path).to_dict()
        d.update(kwargs)
        d.pop("mel_filters", None)
        return cls(**d)

    @staticmethod
    def zero_mean_unit_var_norm(input_values, attention_mask, padding_value=0.0):
        """HF's per-example normalisation, over the unpadded part."""
        if attention_mask is None:
            return [(x - x.mean()) / np.sqrt(x.var() + 1e-7) for x in input_values]
        attention_mask = np.array(attention_mask, np.int32)
        out = []
        for vector, length in zip(input_values, attention_mask.sum(-1)):
            normed = (vector - vector[:length].mean()) / np.sqrt(vector[:length].var() + 1e-7)
            if length < normed.shape[0]:
                normed[length:] = padding_value
            out.append(normed)
        return out

    def __call__(self, raw_speech, truncation=True, pad_to_multiple_of=None, return_tensors=None,
                 return_attention_mask=None, padding="max_length", max_length=None,
                 sampling_rate=None, do_normalize=None, device="cpu",
                 return_token_timestamps=None, **kwargs):
        if sampling_rate is not None and sampling_rate != self.sampling_rate:
            raise ValueError(
                f"The model corresponding to this feature extractor: {self.__class__.__name__} was "
                f"trained using a sampling rate of {self.sampling_rate}. Please make sure that the "
                f"provided `raw_speech` input was sampled with {self.sampling_rate} and not {sampling_rate}.")
        speech = self._to_list(raw_speech)
        if return_token_timestamps:
            num_frames = [len(s) // self.hop_length for s in speech]

        max_length = max_length if max_length else self.n_samples
        if pad_to_multiple_of is not None and max_length % pad_to_multiple_of:
            max_length = (max_length // pad_to_multiple_of + 1) * pad_to_multiple_of
        if truncation:
            speech = [s[:max_length] for s in speech]
        if padding is True or padding == "longest":
            target = max(len(s) for s in speech)
            if pad_to_multiple_of is not None and target % pad_to_multiple_of:
                target = (target // pad_to_multiple_of + 1) * pad_to_multiple_of
        elif padding == "max_length":
            target = max_length
        elif padding is False or padding in ("do_not_pad", None):
            target = None
        else:
            raise ValueError(f"padding={padding!r}: use 'max_length', 'longest' or False")

        want_mask = return_attention_mask if return_attention_mask is not None else self.return_attention_mask
        lengths = [len(s) for s in speech]
        if target is not None:
            padded = np.full((len(speech), target), self.padding_value, np.float32)
            for i, s in enumerate(speech):
                padded[i, :len(s)] = s
            speech = list(padded)
            sample_mask = (np.arange(target)[None, :] < np.array(lengths)[:, None]).astype(np.int32)
        else:
            sample_mask = None
        if do_normalize:
            speech = self.zero_mean_unit_var_norm(speech, sample_mask, self.padding_value)

        features = self._extract(speech)
        out = BatchFeature({"input_features": features})
        if want_mask and sample_mask is not None:
            rescaled = sample_mask[:, ::self.hop_length]
            if sample_mask.shape[1] % self.hop_length != 0:
                rescaled = rescaled[:, :-1]
            out["attention_mask"] = rescaled
        if return_token_timestamps:
            out["num_frames"] = num_frames
        if return_tensors is not None:
            out = out.convert_to_tensors(return_tensors)
        return out

    def _to_list(self, raw_speech):
        """HF's input rules: one clip (1-D array or list of floats) or a batch (2-D array
        or a list of clips); anything with more than 2 dims is rejected."""
        from . import _as_samples, _is_torch
        if _is_torch(raw_speech):
            raw_speech = raw_speech.detach().cpu().numpy()
        if isinstance(raw_speech, np.ndarray):
            if raw_speech.ndim > 2:
                raise ValueError(f"Only mono-channel audio is supported for input to {self}")
            batch = list(raw_speech) if raw_speech.ndim == 2 else [raw_speech]
        elif isinstance(raw_speech, (list, tuple)) and raw_speech and \
                isinstance(raw_speech[0], (np.ndarray, tuple, list)) or \
                (isinstance(raw_speech, (list, tuple)) and raw_speech and _is_torch(raw_speech[0])):
            batch = [x.detach().cpu().numpy() if _is_torch(x) else x for x in raw_speech]
        else:
            batch = [raw_speech]
        out = []
        for s in batch:
            a = np.asarray(s)
            if a.ndim != 1:
                raise ValueError(f"Only mono-channel audio is supported for input to {self}")
            if a.dtype == np.int16:
                a = a.astype(np.float32)  # HF casts, it does not scale
            out.append(_as_samples(a.astype(np.float32) if a.dtype == np.float64 else a,
                                   allow_s16=False))
        return out

    def _extract(self, speech):
        from . import _log_mel_np
        lengths = {len(s) for s in speech}
        if len(lengths) == 1:
            a = np.stack(speech) if len(speech) > 1 else speech[0][None, :]
            # frames: HF computes n // hop + 1 and drops the last: n // hop, as libwmel
            return _log_mel_np(np.ascontiguousarray(a, np.float32), self.feature_size, 0, per_clip=True)
        return [_log_mel_np(np.ascontiguousarray(s, np.float32), self.feature_size, 0) for s in speech]

    def __repr__(self):
        return f"wmel.WhisperFeatureExtractor(feature_size={self.feature_size}, chunk_length={self.chunk_length})"
