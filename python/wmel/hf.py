"""wmel.hf -- transformers' WhisperFeatureExtractor (and ParakeetFeatureExtractor,
SeamlessM4TFeatureExtractor: see wmel._hf_frontends) computed by libwmel.

With transformers installed, wmel.WhisperFeatureExtractor *is* a subclass of
transformers.WhisperFeatureExtractor that replaces only the spectrogram
(_np_extract_fbank_features / _torch_extract_fbank_features): from_pretrained,
save_pretrained, to_dict/to_json_*, pad, BatchFeature, attention masks, return_tensors and
push_to_hub are transformers' own. Geometries libwmel does not compute (feature_size other
than 80/128, another n_fft, hop_length or sampling_rate, dither, a changed mel_filters,
clips of 200 samples or fewer, a device other than the CPU) go to transformers' own code.

    patch() / unpatch()   put libwmel under transformers' own class (and so under
                          WhisperProcessor, AutoFeatureExtractor and the ASR pipeline)

Without transformers, a standalone class with the same __call__ (padding, truncation,
normalisation, masks, as transformers 5.x computes them), pad, to_dict, to_json_string,
save_pretrained and from_pretrained(folder) reading preprocessor_config.json.
Deliberate difference: NaN or Inf in the audio raises ValueError (transformers returns NaN).
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
import json
import os

import numpy as np

from . import _npref

_WHISPER = {"sampling_rate": 16000, "n_fft": 400, "hop_length": 160}
_bank_cache: dict = {}


def _whisper_bank(kind: str, n_mels: int) -> np.ndarray:
    """The filter bank the original class builds for Whisper's geometry, (201, n_mels)."""
    key = (kind, n_mels)
    bank = _bank_cache.get(key)
    if bank is None:
        if kind == "hf":
            from transformers.audio_utils import mel_filter_bank
            bank = mel_filter_bank(num_frequency_bins=201, num_mel_filters=n_mels, min_frequency=0.0,
                                   max_frequency=8000.0, sampling_rate=16000, norm="slaney",
                                   mel_scale="slaney")
        else:
            bank = _npref.slaney_mel_filters(16000, 400, n_mels).T
        _bank_cache[key] = bank
    return bank


def _is_cpu(device) -> bool:
    return device is None or str(device) == "cpu"


def wmel_computes(fe, kind: str = "hf") -> bool:
    """True when libwmel computes this extractor's features (Whisper's geometry, no dither,
    the standard filter bank); otherwise the original's computation runs."""
    if any(getattr(fe, k, None) != v for k, v in _WHISPER.items()):
        return False
    n = getattr(fe, "feature_size", None)
    if n not in (80, 128) or getattr(fe, "dither", 0.0):
        return False
    bank = getattr(fe, "mel_filters", None)
    if bank is None:
        return True
    bank = np.asarray(bank)
    return bank.shape == (201, n) and np.array_equal(bank, _whisper_bank(kind, n))


def _wmel_fbank(fe, batch, device, kind="hf"):
    """libwmel's features (B, n_mels, N // 160) float32 for a (B, N) batch, one max per
    clip; None when libwmel does not compute this case."""
    if not _is_cpu(device) or not isinstance(batch, np.ndarray) or batch.ndim != 2 \
            or batch.dtype.kind != "f" or batch.shape[1] <= 200 or batch.shape[0] == 0:
        return None
    if not wmel_computes(fe, kind):
        return None
    from . import _log_mel_np
    return _log_mel_np(np.ascontiguousarray(batch, np.float32), fe.feature_size, 0, per_clip=True)


try:
    from transformers import BatchFeature as _HFBatchFeature
    from transformers.models.whisper import feature_extraction_whisper as _hf_mod
    _HF = _hf_mod.WhisperFeatureExtractor
except ImportError:
    _HF = None

_METHODS = ("_np_extract_fbank_features", "_torch_extract_fbank_features")
# transformers' own methods, kept before anything patches them: the fallbacks
_ORIG = {m: _HF.__dict__[m] for m in _METHODS if _HF is not None and m in _HF.__dict__}


def _np_fbank(self, waveform_batch, device="cpu"):
    out = _wmel_fbank(self, waveform_batch, device)
    return out if out is not None else _ORIG["_np_extract_fbank_features"](self, waveform_batch, device)


def _torch_fbank(self, waveform, device="cpu"):
    out = _wmel_fbank(self, waveform, device)
    return out if out is not None else _ORIG["_torch_extract_fbank_features"](self, waveform, device)


_OURS = {"_np_extract_fbank_features": _np_fbank, "_torch_extract_fbank_features": _torch_fbank}


def patch():
    """Makes transformers' own WhisperFeatureExtractor compute through libwmel (instances
    made before the call too, and so WhisperProcessor, AutoFeatureExtractor and
    pipeline("automatic-speech-recognition")), and its SeamlessM4TFeatureExtractor and
    ParakeetFeatureExtractor (the latter where torch is installed) too. Idempotent; unpatch()
    restores them. Returns the patched Whisper class."""
    if _HF is None:
        raise ImportError("wmel.hf.patch() needs transformers (pip install transformers)")
    if set(_ORIG) != set(_METHODS):
        raise RuntimeError("this transformers version's WhisperFeatureExtractor has no "
                           f"{'/'.join(_METHODS)}: wmel cannot patch it")
    for name, fn in _OURS.items():
        setattr(_HF, name, fn)
    _frontends.patch()
    return _HF


def unpatch():
    """Restores transformers' own computation (a no-op when not patched)."""
    if _HF is None:
        return None
    for name, fn in _ORIG.items():
        setattr(_HF, name, fn)
    _frontends.unpatch()
    return _HF


def is_patched() -> bool:
    return _HF is not None and all(_HF.__dict__.get(n) is fn for n, fn in _OURS.items()) \
        and _frontends.is_patched()


class StandaloneBatchFeature(dict):
    """transformers.BatchFeature's behaviour: a dict with attribute access,
    convert_to_tensors('np' | 'pt') and to(device / dtype), which casts floating-point
    tensors only (integer masks stay integer)."""

    def __init__(self, data=None, tensor_type=None):
        super().__init__(data or {})
        self.convert_to_tensors(tensor_type)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getstate__(self):
        return {"data": dict(self)}

    def __setstate__(self, state):
        self.update(state["data"])

    def convert_to_tensors(self, tensor_type=None):
        if tensor_type is None:
            return self
        t = str(getattr(tensor_type, "value", tensor_type))
        if t not in ("np", "pt"):
            raise ValueError(f"return_tensors={tensor_type!r}: use 'np' or 'pt'")
        for k, v in list(self.items()):
            if t == "np":
                if not isinstance(v, np.ndarray):
                    v = np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v)
                self[k] = v
            else:
                import torch
                if isinstance(v, torch.Tensor):
                    continue
                if isinstance(v, (list, tuple)) and v and isinstance(v[0], np.ndarray):
                    v = np.stack(v)
                self[k] = torch.from_numpy(np.ascontiguousarray(v)) if isinstance(v, np.ndarray) \
                    else torch.tensor(v)
        return self

    def to(self, *args, **kwargs):
        """Moves torch tensors to a device; a dtype applies to floating-point ones only."""
        import torch
        dtype = kwargs.get("dtype")
        device = kwargs.get("device")
        for a in args:
            if isinstance(a, torch.dtype):
                dtype = a
            else:
                device = a
        for k, v in list(self.items()):
            if not isinstance(v, torch.Tensor):
                continue
            if dtype is not None and torch.is_floating_point(v):
                v = v.to(device=device, dtype=dtype)
            elif device is not None:
                v = v.to(device=device)
            self[k] = v
        return self

class StandaloneSequenceFeatureExtractor:
    """What transformers' SequenceFeatureExtractor gives its subclasses (5.x), without
    transformers: configuration (to_dict/to_json_*, save_pretrained, from_pretrained of a folder
    or a preprocessor_config.json), pad, zero_mean_unit_var_norm and the repr. Subclasses set
    model_input_names, _extractor_type (the name saved configs carry) and _not_saved."""

    model_input_names = ["input_features"]
    _extractor_type = "SequenceFeatureExtractor"
    _not_saved = ("mel_filters", "window")

    # -- configuration, as transformers' FeatureExtractionMixin ---------------------
    def to_dict(self):
        d = copy.deepcopy({k: v for k, v in self.__dict__.items() if not k.startswith("_")})
        d["feature_extractor_type"] = self._extractor_type
        for k in self._not_saved:
            d.pop(k, None)
        return d

    def to_json_string(self):
        d = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.to_dict().items()}
        return json.dumps(d, indent=2, sort_keys=True) + "\n"

    def to_json_file(self, json_file_path):
        with open(json_file_path, "w", encoding="utf-8") as f:
            f.write(self.to_json_string())

    def save_pretrained(self, save_directory, **kwargs):
        if os.path.isfile(save_directory):
            raise AssertionError(f"Provided path ({save_directory}) should be a directory, not a file")
        os.makedirs(save_directory, exist_ok=True)
        path = os.path.join(save_directory, "preprocessor_config.json")
        self.to_json_file(path)
        return [path]

    @classmethod
    def from_dict(cls, d, **kwargs):
        d = dict(d)
        d.update(kwargs)
        return cls(**d)

    @classmethod
    def from_json_file(cls, json_file):
        with open(json_file, encoding="utf-8") as f:
            return cls(**json.load(f))

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        """A folder holding preprocessor_config.json, or the JSON file itself (hub
        names need transformers)."""
        p = os.fspath(pretrained_model_name_or_path)
        cfg = os.path.join(p, "preprocessor_config.json") if os.path.isdir(p) else p
        if not os.path.isfile(cfg):
            raise OSError(f"{p}: no preprocessor_config.json there (loading from the hub "
                          "needs transformers: pip install transformers)")
        with open(cfg, encoding="utf-8") as f:
            d = json.load(f)
        for k in [k for k in kwargs if k in d or k in cls.__init__.__code__.co_varnames]:
            d[k] = kwargs.pop(k)
        return cls(**d)

    @staticmethod
    def zero_mean_unit_var_norm(input_values, attention_mask, padding_value=0.0):
        """Every clip to zero mean and unit variance over its unpadded part."""
        if attention_mask is None:
            return [(x - x.mean()) / np.sqrt(x.var() + 1e-7) for x in input_values]
        out = []
        for x, n in zip(input_values, np.array(attention_mask, np.int32).sum(-1)):
            y = (x - x[:n].mean()) / np.sqrt(x[:n].var() + 1e-7)
            if n < y.shape[0]:
                y[n:] = padding_value
            out.append(y)
        return out

    # -- padding, as transformers' SequenceFeatureExtractor.pad ---------------------
    def pad(self, processed_features, padding=True, max_length=None, truncation=False,
            pad_to_multiple_of=None, return_attention_mask=None, return_tensors=None):
        """Pads (and truncates) a batch: a BatchFeature/dict of lists, or a list of
        dicts (a data collator's input). padding: True/'longest', 'max_length',
        False/'do_not_pad'. float64 becomes float32; the mask is int32."""
        from . import _is_torch
        feats = processed_features
        if isinstance(feats, (list, tuple)) and feats and isinstance(feats[0], dict):
            feats = {k: [ex[k] for ex in feats] for k in feats[0].keys()}
        key = self.model_input_names[0]
        if key not in feats:
            raise ValueError(f"pad() needs a BatchFeature or dict (or a list of them) holding "
                             f"{key}, got keys {list(feats.keys())}")
        want_mask = self.return_attention_mask if return_attention_mask is None else return_attention_mask
        items = feats[key]
        if len(items) == 0:
            if want_mask:
                feats["attention_mask"] = []
            return feats
        first = items[0]
        if isinstance(first, (list, tuple)) and first:
            first = first[0]
        if return_tensors is None:
            return_tensors = "pt" if _is_torch(first) else "np"

        def to_np(v):
            if _is_torch(v):
                return v.detach().cpu().numpy()
            return np.asarray(v)
        data = {k: (to_np(v) if v and isinstance(v[0], (int, float)) else [to_np(x) for x in v])
                for k, v in feats.items()}
        if padding is True or padding == "longest" or str(getattr(padding, "value", "")) == "longest":
            strategy = "longest"
        elif padding is False or padding in ("do_not_pad", None) or \
                str(getattr(padding, "value", "")) == "do_not_pad":
            strategy = "do_not_pad"
        elif padding == "max_length" or str(getattr(padding, "value", "")) == "max_length":
            strategy = "max_length"
            if max_length is None:
                raise ValueError("padding='max_length' needs max_length")
        else:
            raise ValueError(f"padding={padding!r}: use True/'longest', 'max_length' or False")
        if strategy != "do_not_pad" and self.padding_value is None:
            raise ValueError("padding needs a padding_value (set feature_extractor.padding_value)")
        n = len(data[key])
        if any(len(v) != n for v in data.values()):
            raise ValueError("Some items in the output dictionary have a different batch size than others.")

        def round_up(m):
            if m is not None and pad_to_multiple_of is not None and m % pad_to_multiple_of:
                m = (m // pad_to_multiple_of + 1) * pad_to_multiple_of
            return m
        rows = []
        for i in range(n):
            row = {k: v[i] for k, v in data.items()}
            if truncation:
                if max_length is None:
                    raise ValueError("truncation=True needs max_length")
                m = round_up(max_length)
                if len(row[key]) > m:
                    row[key] = row[key][:m]
                    if "attention_mask" in row:
                        row["attention_mask"] = row["attention_mask"][:m]
            rows.append(row)
        target = max_length
        if strategy == "longest":
            target, strategy = max(len(r[key]) for r in rows), "max_length"
        out: dict = {}
        for row in rows:
            x = row[key]
            m = round_up(target)
            if want_mask and "attention_mask" not in row:
                row["attention_mask"] = np.ones(len(x), np.int32)
            if strategy != "do_not_pad" and len(x) < m:
                d = m - len(x)
                side = (0, d) if self.padding_side == "right" else (d, 0)
                if self.padding_side not in ("left", "right"):
                    raise ValueError("Invalid padding strategy:" + str(self.padding_side))
                if want_mask:
                    row["attention_mask"] = np.pad(row["attention_mask"], side)
                shape = (side, (0, 0)) if self.feature_size > 1 else side  # as transformers
                row[key] = np.pad(x, shape, "constant", constant_values=self.padding_value)
            for k, v in row.items():
                v = np.asarray(v)
                out.setdefault(k, []).append(v.astype(np.float32) if v.dtype == np.float64 else v)
        if return_tensors == "np":
            for k, v in out.items():
                if len({a.shape for a in v}) == 1:
                    out[k] = np.stack(v)
                else:
                    raise ValueError(f"{k}: clips of different lengths cannot form one array "
                                     "(pad them: padding=True or 'max_length')")
        return StandaloneBatchFeature(out, tensor_type=return_tensors)

    def __repr__(self):
        return f"{self._extractor_type} {self.to_json_string()}"


class StandaloneWhisperFeatureExtractor(StandaloneSequenceFeatureExtractor):
    """transformers.WhisperFeatureExtractor's behaviour (5.x) without transformers:
    the same constructor, __call__, pad, to_dict/to_json_string, save_pretrained and
    from_pretrained (a folder or a preprocessor_config.json). Features by libwmel for
    Whisper's geometry, by numpy (wmel._npref) for the others."""

    model_input_names = ["input_features"]
    _extractor_type = "WhisperFeatureExtractor"

    def __init__(self, feature_size=80, sampling_rate=16000, hop_length=160, chunk_length=30,
                 n_fft=400, padding_value=0.0, dither=0.0, return_attention_mask=False,
                 **kwargs):
        self.feature_size = feature_size
        self.sampling_rate = sampling_rate
        self.padding_value = padding_value
        self.padding_side = kwargs.pop("padding_side", "right")
        self.return_attention_mask = return_attention_mask
        kwargs.pop("processor_class", None)
        kwargs.pop("feature_extractor_type", None)
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.chunk_length = chunk_length
        self.n_samples = chunk_length * sampling_rate
        self.nb_max_frames = self.n_samples // hop_length
        self.dither = dither
        if (sampling_rate, n_fft) == (16000, 400):
            self.mel_filters = _whisper_bank("np", feature_size)
        else:
            self.mel_filters = _npref.slaney_mel_filters(sampling_rate, n_fft, feature_size).T

    # -- features ---------------------------------------------------------------------
    def _extract_fbank_features(self, batch, device="cpu"):
        out = _wmel_fbank(self, batch, device, kind="np")
        if out is not None:
            return out
        if not _is_cpu(device):
            raise ValueError(f"device={device!r}: without transformers, features are "
                             "computed on the CPU only")
        if self.dither:
            batch = batch + self.dither * np.random.standard_normal(batch.shape)
        return _npref.log_mel(batch, self.n_fft, self.hop_length, np.asarray(self.mel_filters).T)

    def __call__(self, raw_speech, truncation=True, pad_to_multiple_of=None, return_tensors=None,
                 return_attention_mask=None, padding="max_length", max_length=None,
                 sampling_rate=None, do_normalize=None, device="cpu", **kwargs):
        if sampling_rate is not None and sampling_rate != self.sampling_rate:
            raise ValueError(
                f"The model corresponding to this feature extractor: WhisperFeatureExtractor was "
                f"trained using a sampling rate of {self.sampling_rate}. Please make sure that the "
                f"provided `raw_speech` input was sampled with {self.sampling_rate} and not "
                f"{sampling_rate}.")
        from . import _is_torch
        if _is_torch(raw_speech):
            raw_speech = raw_speech.detach().cpu().numpy()
        batched_np = isinstance(raw_speech, np.ndarray) and raw_speech.ndim > 1
        if batched_np and raw_speech.ndim > 2:
            raise ValueError(f"Only mono-channel audio is supported for input to {self}")
        batched = batched_np or (isinstance(raw_speech, (list, tuple)) and len(raw_speech) > 0
                                 and (isinstance(raw_speech[0], (np.ndarray, tuple, list))
                                      or _is_torch(raw_speech[0])))
        if batched:
            clips = [np.asarray(s.detach().cpu().numpy() if _is_torch(s) else s, np.float32)
                     for s in raw_speech]
        else:
            a = np.asarray(raw_speech)
            clips = [a.astype(np.float32) if a.dtype != np.float32 else a]
        for c in clips:
            if c.ndim != 1:
                raise ValueError(f"Only mono-channel audio is supported for input to {self}")
        # (n, 1) columns, as transformers pads them (feature_size > 1 pads 2-D rows)
        padded = self.pad(StandaloneBatchFeature({"input_features": [c[:, None] for c in clips]}),
                          padding=padding, max_length=max_length if max_length else self.n_samples,
                          truncation=truncation, pad_to_multiple_of=pad_to_multiple_of,
                          return_attention_mask=return_attention_mask or do_normalize)
        x = padded["input_features"]
        if do_normalize:
            x = np.stack(self.zero_mean_unit_var_norm(x, padded["attention_mask"], self.padding_value))
        x = np.asarray(x)
        if x.ndim != 3:
            raise ValueError("clips of different lengths cannot be featurised together "
                             "without padding (padding=True or 'max_length')")
        padded["input_features"] = self._extract_fbank_features(x[:, :, 0], device)
        if return_attention_mask:
            m = padded["attention_mask"]
            rescaled = m[:, ::self.hop_length]
            if m.shape[1] % self.hop_length != 0:
                rescaled = rescaled[:, :-1]
            padded["attention_mask"] = rescaled
        if return_tensors is not None:
            padded = padded.convert_to_tensors(return_tensors)
        return padded


if _HF is not None:
    BatchFeature = _HFBatchFeature

    class WhisperFeatureExtractor(_HF):
        """transformers.WhisperFeatureExtractor with the log-Mel computed by libwmel
        (see wmel.hf). Saved configs name "WhisperFeatureExtractor": they load into
        transformers' own class as well."""

        _np_extract_fbank_features = _np_fbank
        _torch_extract_fbank_features = _torch_fbank


if _HF is None:
    BatchFeature = StandaloneBatchFeature
    WhisperFeatureExtractor = StandaloneWhisperFeatureExtractor
    WhisperFeatureExtractor.__name__ = WhisperFeatureExtractor.__qualname__ = "WhisperFeatureExtractor"
    BatchFeature.__name__ = BatchFeature.__qualname__ = "BatchFeature"

# transformers' Parakeet (NeMo) and SeamlessM4T extractors, computed by libwmel
from . import _hf_frontends as _frontends  # noqa: E402
from ._hf_frontends import (  # noqa: E402,F401
    ParakeetFeatureExtractor, SeamlessM4TFeatureExtractor, StandaloneParakeetFeatureExtractor,
    StandaloneSeamlessM4TFeatureExtractor)
