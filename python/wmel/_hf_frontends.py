"""wmel._hf_frontends -- transformers' ParakeetFeatureExtractor and SeamlessM4TFeatureExtractor
computed by libwmel (wmel.features "nemo" and "seamless"); exported by wmel.hf.

With transformers installed (and torch, which transformers' Parakeet needs) each is a subclass of
transformers' class that replaces only __call__'s computation: from_pretrained, save_pretrained,
to_dict, pad, BatchFeature and return_tensors are transformers' own. Configurations libwmel does
not compute (another sampling rate, hop, window, n_fft or preemphasis, a changed filter bank, a
device other than the CPU or Vulkan, left padding, truncation of Parakeet's raw audio, a Seamless
stride other than 2) go to transformers' own __call__. Parakeet's device="vulkan" (or "vulkan:N")
computes on wmel's Vulkan backend (a configuration libwmel does not compute raises ValueError
there); transformers' Seamless has no device argument. Without them, standalone classes with the same
constructor, __call__ and configuration methods (wmel.hf.StandaloneSequenceFeatureExtractor).

Deliberate differences: where the originals return NaN (Parakeet below 320 samples, Seamless for
a clip of one frame) these return 0, NeMo's own rule; Seamless clips of fewer than 240 samples,
which the original refuses, give no frames; NaN or Inf in the audio raises ValueError.
"""
from __future__ import annotations

import functools
import importlib.util

import numpy as np

from ._common import _is_torch
from ._features import _ctx, frontend_plan
from ._feref import kaldi_mel_filters
from ._hf_base import (StandaloneBatchFeature, StandaloneSequenceFeatureExtractor, _is_cpu, check_option_values,
                       check_options, vulkan_device)

_SR = 16000
_PARAKEET = {"sampling_rate": 16000, "hop_length": 160, "n_fft": 512, "win_length": 400}


def _have(mod: str) -> bool:
    try:
        return importlib.util.find_spec(mod) is not None
    except (ImportError, ValueError):
        return False


def _as_float32_clip(s):
    if _is_torch(s):
        s = s.detach().cpu().numpy()
    return np.asarray(s, np.float32)


def _check_rate(fe, sampling_rate):
    if sampling_rate is not None and sampling_rate != fe.sampling_rate:
        raise ValueError(
            f"The model corresponding to this feature extractor: {type(fe).__name__} was trained "
            f"using a sampling rate of {fe.sampling_rate}. Please make sure that the provided "
            f"`raw_speech` input was sampled with {fe.sampling_rate} and not {sampling_rate}.")


def _round_up(m, multiple):
    if multiple and m % multiple:
        m = (m // multiple + 1) * multiple
    return m


# ---------------------------------------------------------------------------------------------
# Parakeet (NeMo)
# ---------------------------------------------------------------------------------------------

_parakeet_banks: dict = {}


def _parakeet_bank(n_mels: int):
    """The float32 filter bank transformers' Parakeet builds, (n_mels, 257), for comparison,
    as the installed release builds it: mel_filter_bank(dtype=float32), or, in the releases
    whose mel_filter_bank takes no dtype, librosa.filters.mel (float32); None where neither
    is there (the extractor is then not taken as libwmel's)."""
    if n_mels in _parakeet_banks:
        return _parakeet_banks[n_mels]
    import inspect
    from transformers.audio_utils import mel_filter_bank
    if "dtype" in inspect.signature(mel_filter_bank).parameters:
        b = mel_filter_bank(num_frequency_bins=257, num_mel_filters=n_mels, min_frequency=0.0,
                            max_frequency=_SR / 2, sampling_rate=_SR, norm="slaney", mel_scale="slaney",
                            dtype=np.float32).T
    else:
        try:
            import librosa
        except ImportError:
            b = None
        else:
            b = librosa.filters.mel(sr=_SR, n_fft=512, n_mels=n_mels, fmin=0.0, fmax=_SR / 2, norm="slaney")
    b = None if b is None else np.ascontiguousarray(b, dtype=np.float32)
    _parakeet_banks[n_mels] = b
    return b


def parakeet_wmel_computes(fe, check_bank=True) -> bool:
    """True when libwmel computes this Parakeet extractor's features."""
    if any(getattr(fe, k, None) != v for k, v in _PARAKEET.items()):
        return False
    if getattr(fe, "preemphasis", None) is None or not abs(fe.preemphasis - 0.97) <= 1e-9:
        return False
    n = getattr(fe, "feature_size", None)
    if not isinstance(n, (int, np.integer)) or not 1 <= n <= 256:
        return False
    if getattr(fe, "padding_side", "right") != "right":
        return False
    if check_bank and getattr(fe, "mel_filters", None) is not None:
        bank = fe.mel_filters
        bank = bank.detach().cpu().numpy() if hasattr(bank, "detach") else np.asarray(bank)
        ref = _parakeet_bank(int(n))
        if ref is None or bank.shape != (n, 257) or not np.array_equal(bank, ref):
            return False
    return True


def _clips(raw_speech, fe_name):
    """transformers' Parakeet input rules: an array or tensor (2-D: a batch; 3-D: channels
    averaged), or a list of clips (2-D clips: channels averaged on the last axis)."""
    if _is_torch(raw_speech) or isinstance(raw_speech, np.ndarray):
        a = _as_float32_clip(raw_speech)
        if a.ndim == 3:
            a = a.mean(-1)
        clips = list(a) if a.ndim == 2 else [a]
    elif isinstance(raw_speech, (list, tuple)) and raw_speech and (
            isinstance(raw_speech[0], (np.ndarray, list, tuple)) or _is_torch(raw_speech[0])):
        clips = [_as_float32_clip(s) for s in raw_speech]
        clips = [c.mean(-1) if c.ndim > 1 else c for c in clips]
    else:
        clips = [np.asarray(raw_speech, np.float32)]
    for c in clips:
        if c.ndim != 1:
            raise ValueError(f"Only mono-channel audio is supported for input to {fe_name}")
    return clips


@functools.lru_cache(maxsize=32)
def _options_plan(frontend: str, n_mels: int, normalize=None, layout=None) -> tuple:
    """frontend_plan(frontend, n_mels, normalize=, layout=) and its sorted items (the
    context's key), computed once (the callers do not change the dict)."""
    plan = frontend_plan(frontend, n_mels, normalize=normalize, layout=layout)
    return plan, tuple(sorted(plan.items()))


def parakeet_features(fe, clips, padding="longest", max_length=None, pad_to_multiple_of=None,
                      vulkan=None):
    """(input_features (B, T, n_mels) float32, attention_mask (B, T) bool) as transformers'
    Parakeet computes them for clips padded to the batch's length: each clip's frames are NeMo's
    for the clip alone (zero STFT padding makes them independent of the padding), its frames from
    len // 160 on are 0. vulkan: on the Vulkan backend (wmel_params.vulkan_device) unless None."""
    lengths = [c.shape[0] for c in clips]
    if padding in (True, "longest") or str(getattr(padding, "value", "")) == "longest":
        target = max(lengths)
    elif padding == "max_length" or str(getattr(padding, "value", "")) == "max_length":
        if max_length is None:
            raise ValueError("padding='max_length' needs max_length")
        target = max(max(lengths), int(max_length))
    elif padding in (False, None, "do_not_pad") or str(getattr(padding, "value", "")) == "do_not_pad":
        if len(set(lengths)) > 1:
            raise ValueError("clips of different lengths need padding (padding='longest')")
        target = lengths[0]
    else:
        raise ValueError(f"padding={padding!r}: use 'longest', 'max_length' or False")
    target = _round_up(target, pad_to_multiple_of)
    n_mels = int(fe.feature_size)
    frames = target // 160 + 1
    out = np.zeros((len(clips), frames, n_mels), np.float32)
    plan, items = _options_plan("nemo", n_mels, layout="frames_mels")   # frames as rows
    ctx = _ctx(plan, "auto", 0, None, items) if vulkan is None else \
        _ctx(plan, "vulkan", 0, None, items, vulkan_device=vulkan)
    for i, c in enumerate(clips):
        # NeMo's (len // 160 + 1, n_mels) frames (the last 0) written in place
        c = np.ascontiguousarray(c, np.float32)
        ctx.features(c, out[i, : ctx.features_shape(c.shape[0])[0]])
    mask = np.arange(frames)[None, :] < (np.asarray(lengths) // 160)[:, None]
    return out, mask


# ---------------------------------------------------------------------------------------------
# SeamlessM4T
# ---------------------------------------------------------------------------------------------

_seamless_banks: dict = {}


def _seamless_bank(n_mels: int):
    b = _seamless_banks.get(n_mels)
    if b is None:
        from transformers.audio_utils import mel_filter_bank
        b = mel_filter_bank(num_frequency_bins=257, num_mel_filters=n_mels, min_frequency=20,
                            max_frequency=_SR // 2, sampling_rate=_SR, norm=None, mel_scale="kaldi",
                            triangularize_in_mel_space=True)
        _seamless_banks[n_mels] = b
    return b


_resolvable: dict = {}


def _seamless_resolvable(n: int) -> bool:
    """Every one of the n triangles (20 Hz .. 8 kHz) holds an FFT bin: libwmel refuses an empty
    one, as kaldi-native-fbank does (transformers computes it, with a warning)."""
    ok = _resolvable.get(n)
    if ok is None:
        ok = _resolvable[n] = bool((kaldi_mel_filters(n, 20.0, 8000.0).max(axis=1) > 0).all())
    return ok


def seamless_wmel_computes(fe, check_bank=True) -> bool:
    if getattr(fe, "sampling_rate", None) != _SR or getattr(fe, "stride", None) != 2:
        return False
    n = getattr(fe, "num_mel_bins", None)
    if not isinstance(n, (int, np.integer)) or not 1 <= n <= 256 or not _seamless_resolvable(int(n)):
        return False
    if getattr(fe, "padding_side", "right") != "right":
        return False
    if check_bank and getattr(fe, "mel_filters", None) is not None:
        bank = np.asarray(fe.mel_filters)
        if bank.shape != (257, n) or not np.array_equal(bank, _seamless_bank(int(n))):
            return False
    return True


def seamless_clips(raw_speech, fe_name):
    """transformers' Seamless input rules: a 1-D array or list is one clip, a 2-D array or a
    list of arrays/lists a batch; a 2-D clip is (channels, samples) and its first channel is used."""
    if _is_torch(raw_speech):
        raw_speech = raw_speech.detach().cpu().numpy()
    batched_np = isinstance(raw_speech, np.ndarray) and raw_speech.ndim > 1
    if batched_np and raw_speech.ndim > 3:
        raise ValueError(f"Only mono-channel or stereo-channel audio is supported for input to {fe_name}")
    batched = batched_np or (isinstance(raw_speech, (list, tuple)) and len(raw_speech) > 0 and (
        isinstance(raw_speech[0], (np.ndarray, tuple, list)) or _is_torch(raw_speech[0])))
    clips = [_as_float32_clip(s) for s in raw_speech] if batched else [np.asarray(raw_speech, np.float32)]
    out = []
    for c in clips:
        if c.ndim == 2:
            c = c[0]
        c = np.squeeze(c)
        if c.ndim != 1:
            raise ValueError(f"Input waveform must have only one dimension, shape is {c.shape}")
        out.append(c)
    return out


def seamless_frames(fe, clip, normalize=True):
    """The clip's (n_frames, num_mel_bins) float32 frames, normalised per mel bin (or not)."""
    n = int(fe.num_mel_bins)
    plan, items = _options_plan("seamless", n, "mean_var" if normalize else "none")
    ctx = _ctx(plan, "auto", 0, None, items)
    clip = np.ascontiguousarray(clip, np.float32)
    st = np.empty(ctx.features_shape(clip.shape[0]), np.float32)
    ctx.features(clip, st)
    nf = 0 if clip.shape[0] < 400 else 1 + (clip.shape[0] - 400) // 160
    return st.reshape(-1, n)[:nf]


def seamless_stack(input_features, attention_mask, stride):
    """transformers' Seamless after padding: drop a frame that does not fill a row, stack
    `stride` frames per row; a row is attended iff its last frame is."""
    b, nf, ch = input_features.shape
    rem = nf % stride
    if rem:
        input_features = input_features[:, : nf - rem]
        attention_mask = attention_mask[:, : nf - rem]
    input_features = np.reshape(input_features, (b, nf // stride, ch * stride))
    attention_mask = attention_mask[:, np.arange(nf - rem) % stride == stride - 1]
    return input_features, attention_mask


# ---------------------------------------------------------------------------------------------
# the classes
# ---------------------------------------------------------------------------------------------

class StandaloneParakeetFeatureExtractor(StandaloneSequenceFeatureExtractor):
    """transformers.ParakeetFeatureExtractor's behaviour (5.x) without transformers or
    torch: the same constructor, __call__ (NeMo's features, padding, attention mask) and
    configuration methods; arrays are numpy unless return_tensors='pt'."""

    model_input_names = ["input_features", "attention_mask"]
    _extractor_type = "ParakeetFeatureExtractor"

    def __init__(self, feature_size=80, sampling_rate=16000, hop_length=160, n_fft=512,
                 win_length=400, preemphasis=0.97, padding_value=0.0, **kwargs):
        self.feature_size = feature_size
        self.sampling_rate = sampling_rate
        self.padding_value = padding_value
        self.padding_side = kwargs.pop("padding_side", "right")
        self.return_attention_mask = kwargs.pop("return_attention_mask", True)
        kwargs.pop("processor_class", None)
        kwargs.pop("feature_extractor_type", None)
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.hop_length = hop_length
        self.n_fft = n_fft
        self.win_length = win_length
        self.preemphasis = preemphasis
        check_options(self)
        if not parakeet_wmel_computes(self, check_bank=False):
            raise ValueError("without transformers, wmel computes Parakeet's standard "
                             "features only (16 kHz, hop 160, n_fft 512, window 400, "
                             "preemphasis 0.97, 1..256 mels, right padding)")

    def __call__(self, raw_speech, truncation=False, pad_to_multiple_of=None,
                 return_tensors=None, return_attention_mask=None, padding="longest",
                 max_length=None, sampling_rate=None, do_normalize=None, device="cpu",
                 return_token_timestamps=None, **kwargs):
        _check_rate(self, sampling_rate)
        vk = vulkan_device(device)
        if not _is_cpu(device) and vk is None:
            raise ValueError(f"device={device!r}: without transformers, features are "
                             "computed on the CPU or on Vulkan ('vulkan', 'vulkan:N') only")
        if truncation:
            raise ValueError("truncation of the raw audio is not supported by the standalone "
                             "Parakeet extractor (cut the clips first)")
        feats, mask = parakeet_features(self, _clips(raw_speech, type(self).__name__),
                                        padding, max_length, pad_to_multiple_of, vulkan=vk)
        return StandaloneBatchFeature({"input_features": feats, "attention_mask": mask},
                                      tensor_type=return_tensors)


class StandaloneSeamlessM4TFeatureExtractor(StandaloneSequenceFeatureExtractor):
    """transformers.SeamlessM4TFeatureExtractor's behaviour (5.x) without transformers:
    the same constructor, __call__ (features, per-bin normalisation, padding, stride-2
    stacking, attention mask) and configuration methods."""

    model_input_names = ["input_features", "attention_mask"]
    _extractor_type = "SeamlessM4TFeatureExtractor"

    def __init__(self, feature_size=80, sampling_rate=16000, num_mel_bins=80, padding_value=0.0,
                 stride=2, **kwargs):
        self.num_mel_bins = num_mel_bins
        self.return_attention_mask = True
        self.stride = stride
        self.feature_size = feature_size
        self.sampling_rate = sampling_rate
        self.padding_value = padding_value
        self.padding_side = kwargs.pop("padding_side", "right")
        kwargs.pop("return_attention_mask", None)
        kwargs.pop("processor_class", None)
        kwargs.pop("feature_extractor_type", None)
        for k, v in kwargs.items():
            setattr(self, k, v)
        check_options(self)
        if not seamless_wmel_computes(self, check_bank=False):
            raise ValueError("without transformers, wmel computes SeamlessM4T's standard "
                             "features only (16 kHz, stride 2, right padding, 1..256 mel bins "
                             "that 512 points resolve: up to 126)")

    def __call__(self, raw_speech, padding=True, pad_to_multiple_of=2, max_length=None,
                 truncation=False, return_tensors=None, sampling_rate=None,
                 return_attention_mask=None, do_normalize_per_mel_bins=True, **kwargs):
        _check_rate(self, sampling_rate)
        want_mask = self.return_attention_mask if return_attention_mask is None else return_attention_mask
        frames = [seamless_frames(self, c, do_normalize_per_mel_bins)
                  for c in seamless_clips(raw_speech, type(self).__name__)]
        padded = self.pad(StandaloneBatchFeature({"input_features": frames}), padding=padding,
                          max_length=max_length, truncation=truncation,
                          pad_to_multiple_of=pad_to_multiple_of, return_attention_mask=True,
                          return_tensors="np")
        feats, mask = seamless_stack(padded["input_features"], padded.pop("attention_mask"),
                                     self.stride)
        padded["input_features"] = feats
        if want_mask:
            padded["attention_mask"] = mask
        return padded.convert_to_tensors(return_tensors) if return_tensors is not None else padded


# transformers' classes (Parakeet only with torch: transformers' own needs it)
_HF_PARAKEET = _HF_SEAMLESS = None
if _have("transformers"):
    try:
        from transformers.models.seamless_m4t import feature_extraction_seamless_m4t as _sm
        _HF_SEAMLESS = _sm.SeamlessM4TFeatureExtractor
    except ImportError:
        pass
    if _have("torch"):
        try:
            from transformers.models.parakeet import feature_extraction_parakeet as _pk
            _HF_PARAKEET = _pk.ParakeetFeatureExtractor
        except ImportError:
            pass

_ORIG_CALL = {}
if _HF_PARAKEET is not None:
    _ORIG_CALL["parakeet"] = _HF_PARAKEET.__dict__["__call__"]
if _HF_SEAMLESS is not None:
    _ORIG_CALL["seamless"] = _HF_SEAMLESS.__dict__["__call__"]


def _parakeet_call(self, raw_speech, truncation=False, pad_to_multiple_of=None, return_tensors=None,
                   return_attention_mask=None, padding="longest", max_length=None, sampling_rate=None,
                   do_normalize=None, device="cpu", return_token_timestamps=None, **kwargs):
    """transformers' ParakeetFeatureExtractor.__call__, computed by libwmel."""
    vk = vulkan_device(device)
    if vk is not None and (truncation or not parakeet_wmel_computes(self)):
        raise ValueError(f"device={device!r}: wmel computes Parakeet's standard features only "
                         "(16 kHz, hop 160, n_fft 512, window 400, preemphasis 0.97, the standard "
                         "filter bank, right padding, no truncation); use device='cpu' for this "
                         "configuration")
    if truncation or (not _is_cpu(device) and vk is None) or not parakeet_wmel_computes(self):
        return _ORIG_CALL["parakeet"](self, raw_speech, truncation=truncation,
                                      pad_to_multiple_of=pad_to_multiple_of, return_tensors=return_tensors,
                                      return_attention_mask=return_attention_mask, padding=padding,
                                      max_length=max_length, sampling_rate=sampling_rate,
                                      do_normalize=do_normalize, device=device,
                                      return_token_timestamps=return_token_timestamps, **kwargs)
    import torch
    from transformers import BatchFeature
    if sampling_rate is None:
        from transformers.utils import logging
        logging.get_logger("transformers.models.parakeet.feature_extraction_parakeet").warning(
            f"It is strongly recommended to pass the `sampling_rate` argument to `{type(self).__name__}()`. "
            "Failing to do so can result in silent errors that might be hard to debug.")
    _check_rate(self, sampling_rate)
    feats, mask = parakeet_features(self, _clips(raw_speech, type(self).__name__), padding,
                                    max_length, pad_to_multiple_of, vulkan=vk)
    return BatchFeature(data={"input_features": torch.from_numpy(feats),
                              "attention_mask": torch.from_numpy(mask)}, tensor_type=return_tensors)


def _seamless_call(self, raw_speech, padding=True, pad_to_multiple_of=2, max_length=None,
                   truncation=False, return_tensors=None, sampling_rate=None,
                   return_attention_mask=None, do_normalize_per_mel_bins=True, **kwargs):
    """transformers' SeamlessM4TFeatureExtractor.__call__, computed by libwmel."""
    if not seamless_wmel_computes(self):
        return _ORIG_CALL["seamless"](self, raw_speech, padding=padding,
                                      pad_to_multiple_of=pad_to_multiple_of, max_length=max_length,
                                      truncation=truncation, return_tensors=return_tensors,
                                      sampling_rate=sampling_rate,
                                      return_attention_mask=return_attention_mask,
                                      do_normalize_per_mel_bins=do_normalize_per_mel_bins, **kwargs)
    from transformers import BatchFeature
    if sampling_rate is None:
        from transformers.utils import logging
        logging.get_logger("transformers.models.seamless_m4t.feature_extraction_seamless_m4t").warning(
            f"It is strongly recommended to pass the `sampling_rate` argument to `{type(self).__name__}()`. "
            "Failing to do so can result in silent errors that might be hard to debug.")
    _check_rate(self, sampling_rate)
    want_mask = self.return_attention_mask if return_attention_mask is None else return_attention_mask
    frames = [seamless_frames(self, c, do_normalize_per_mel_bins)
              for c in seamless_clips(raw_speech, type(self).__name__)]
    padded = self.pad(BatchFeature({"input_features": frames}), padding=padding, max_length=max_length,
                      truncation=truncation, pad_to_multiple_of=pad_to_multiple_of,
                      return_attention_mask=True, return_tensors="np")
    feats, mask = seamless_stack(padded.get("input_features"), padded.pop("attention_mask"), self.stride)
    padded["input_features"] = feats
    if want_mask:
        padded["attention_mask"] = mask
    if return_tensors is not None:
        padded = padded.convert_to_tensors(return_tensors)
    return padded


if _HF_PARAKEET is not None:
    class ParakeetFeatureExtractor(_HF_PARAKEET):
        """transformers.ParakeetFeatureExtractor with NeMo's features computed by libwmel
        (see wmel.hf). Saved configs load into transformers' own class as well."""

        __call__ = _parakeet_call

        def __init__(self, *args, **kwargs):
            check_option_values("ParakeetFeatureExtractor", kwargs)
            super().__init__(*args, **kwargs)
            check_options(self, "ParakeetFeatureExtractor")
else:
    ParakeetFeatureExtractor = StandaloneParakeetFeatureExtractor

if _HF_SEAMLESS is not None:
    class SeamlessM4TFeatureExtractor(_HF_SEAMLESS):
        """transformers.SeamlessM4TFeatureExtractor with the features computed by libwmel
        (see wmel.hf). Saved configs load into transformers' own class as well."""

        __call__ = _seamless_call

        def __init__(self, *args, **kwargs):
            check_option_values("SeamlessM4TFeatureExtractor", kwargs)
            super().__init__(*args, **kwargs)
            check_options(self, "SeamlessM4TFeatureExtractor")
else:
    SeamlessM4TFeatureExtractor = StandaloneSeamlessM4TFeatureExtractor

for _c in (ParakeetFeatureExtractor, SeamlessM4TFeatureExtractor):
    if _c.__name__.startswith("Standalone"):
        _c.__name__ = _c.__qualname__ = _c.__name__[len("Standalone"):]

_OURS = [(c, "__call__", f, _ORIG_CALL[k]) for c, f, k in
         ((_HF_PARAKEET, _parakeet_call, "parakeet"), (_HF_SEAMLESS, _seamless_call, "seamless"))
         if c is not None]


def patch():
    for cls, name, fn, _ in _OURS:
        setattr(cls, name, fn)


def unpatch():
    for cls, name, _, orig in _OURS:
        setattr(cls, name, orig)


def is_patched() -> bool:
    return all(cls.__dict__.get(name) is fn for cls, name, fn, _ in _OURS)
