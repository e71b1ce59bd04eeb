"""wmel.hf -- transformers' WhisperFeatureExtractor (and ParakeetFeatureExtractor,
SeamlessM4TFeatureExtractor: see wmel._hf_frontends) computed by libwmel.

With transformers installed, wmel.WhisperFeatureExtractor *is* a subclass of
transformers.WhisperFeatureExtractor that replaces only the spectrogram
(_np_extract_fbank_features / _torch_extract_fbank_features): from_pretrained,
save_pretrained, to_dict/to_json_*, pad, BatchFeature, attention masks, return_tensors and
push_to_hub are transformers' own. Geometries libwmel does not compute (feature_size other
than 80/128, another n_fft, hop_length or sampling_rate, dither, a changed mel_filters,
clips of 200 samples or fewer, a device other than the CPU or Vulkan) go to transformers' own
code. device="vulkan" (or "vulkan:N", device N as wmel_vulkan_devices() lists them) computes
on wmel's Vulkan backend (docs/vulkan.md), and returns numpy arrays as the CPU path does; a
configuration libwmel does not compute raises ValueError there (transformers has no Vulkan
path to hand it to).

    patch() / unpatch()   put libwmel under transformers' own class (and so under
                          WhisperProcessor, AutoFeatureExtractor and the ASR pipeline),
                          and under every other class wmel_plan_from_hf_config maps
                          (wmel._hf_config); patched() lists them
    from_pretrained(path) the drop-in of a model's own preprocessor_config.json
    plan_from_config(cfg) the plan of a configuration (dict or path), as
                          `wmel mel --hf-config` computes it

Without transformers, a standalone class with the same __call__ (padding, truncation,
normalisation, masks, as transformers 5.x computes them), pad, to_dict, to_json_string,
save_pretrained and from_pretrained(folder) reading preprocessor_config.json.
Deliberate difference: NaN or Inf in the audio raises ValueError (transformers returns NaN).
"""
from __future__ import annotations

import numpy as np

from . import _hf_config as _config
from . import _hf_frontends as _frontends
from . import _npref
from ._common import _is_torch, _log_mel_np
from ._hf_base import (StandaloneBatchFeature, StandaloneSequenceFeatureExtractor, _is_cpu, check_options,
                       vulkan_device)
# transformers' Parakeet (NeMo) and SeamlessM4T extractors, computed by libwmel
from ._hf_frontends import (  # noqa: F401
    ParakeetFeatureExtractor, SeamlessM4TFeatureExtractor, StandaloneParakeetFeatureExtractor,
    StandaloneSeamlessM4TFeatureExtractor)

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
    clip; None when libwmel does not compute this case (ValueError for such a case on
    device "vulkan", which only libwmel computes)."""
    vk = vulkan_device(device)
    if vk is None and not _is_cpu(device):
        return None
    if not isinstance(batch, np.ndarray) or batch.ndim != 2 or batch.dtype.kind != "f" \
            or batch.shape[1] <= 200 or batch.shape[0] == 0 or not wmel_computes(fe, kind):
        if vk is not None:
            raise ValueError(f"device={device!r}: wmel computes Whisper's standard features only "
                             "(16 kHz, n_fft 400, hop 160, 80 or 128 mels, no dither, the standard "
                             "filter bank, clips over 200 samples); use device='cpu' for this "
                             "configuration")
        return None
    return _log_mel_np(np.ascontiguousarray(batch, np.float32), fe.feature_size, 0, per_clip=True,
                       vulkan_device=vk)


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
    _config.patch()
    return _HF


def unpatch():
    """Restores transformers' own computation (a no-op when not patched)."""
    if _HF is None:
        return None
    for name, fn in _ORIG.items():
        setattr(_HF, name, fn)
    _frontends.unpatch()
    _config.unpatch()
    return _HF


def patched() -> list:
    """(class name, method) of every transformers class whose computation is libwmel's now
    (empty when not patched). Each patched method computes through libwmel per instance:
    an instance whose configuration wmel does not compute exactly runs the original."""
    out = []
    if _HF is not None and all(_HF.__dict__.get(n) is fn for n, fn in _OURS.items()):
        out += [("WhisperFeatureExtractor", n) for n in _OURS]
    out += [(cls.__name__, name) for cls, name, fn, _ in _frontends._OURS if cls.__dict__.get(name) is fn]
    return out + _config.patched()


plan_from_config = _config.plan_from_config
hf_classes = _config.hf_classes


def from_pretrained(pretrained_model_name_or_path, **kwargs):
    """The drop-in feature extractor of a model's own configuration: a folder holding
    preprocessor_config.json (or processor_config.json with the extractor's dict), or the JSON
    file. Whisper, Parakeet and SeamlessM4T configurations give wmel.hf's drop-ins of those
    names; the other classes wmel maps (hf_classes()) give a subclass of transformers' class
    whose spectrogram is libwmel's (the rest -- padding, masks, return_tensors -- is
    transformers' own __call__), which needs transformers. kwargs override the configuration's
    fields, as in transformers. A configuration wmel does not compute exactly raises
    ValueError naming the field (transformers' own class computes it)."""
    cfg = dict(_config.config_dict(pretrained_model_name_or_path))
    cfg.update({k: v for k, v in kwargs.items() if k != "return_unused_kwargs"})
    # refuses what wmel does not compute exactly (the fields the drop-in computes itself aside:
    # Gemma's dither and per-bin statistics, Cohere's dither; _hf_config.dropin_config)
    _config.preset_and_plan(_config.dropin_config(cfg.get("feature_extractor_type"), cfg)[0])
    name = cfg["feature_extractor_type"]
    cls = {"WhisperFeatureExtractor": WhisperFeatureExtractor,
           "ParakeetFeatureExtractor": ParakeetFeatureExtractor,
           "SeamlessM4TFeatureExtractor": SeamlessM4TFeatureExtractor}.get(name)
    if cls is None:
        cls = _config.dropin_class(name)
        if cls is None:
            raise ImportError(f"{name}: wmel's drop-in is a subclass of transformers' own class, which "
                              "needs transformers (and torch for the torch-based extractors): "
                              "pip install transformers torch")
    cfg.pop("feature_extractor_type", None)
    cfg.pop("processor_class", None)
    return cls(**cfg)


def is_patched() -> bool:
    return _HF is not None and all(_HF.__dict__.get(n) is fn for n, fn in _OURS.items()) \
        and _frontends.is_patched() and len(_config.patched()) == len(
            [n for n in _config._METHODS if _config._hf_class(n) is not None])


def __getattr__(name):
    """wmel.hf.<Class> for the classes of wmel._hf_config (subclasses of transformers')."""
    if name in _config._METHODS:
        cls = _config.dropin_class(name)
        if cls is not None:
            return cls
        raise ImportError(f"wmel.hf.{name} is a subclass of transformers' class: pip install transformers "
                          "(and torch for the torch-based extractors)")
    raise AttributeError(f"module 'wmel.hf' has no attribute {name!r}")


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
        check_options(self)
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

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            check_options(self, "WhisperFeatureExtractor")


if _HF is None:
    BatchFeature = StandaloneBatchFeature
    WhisperFeatureExtractor = StandaloneWhisperFeatureExtractor
    WhisperFeatureExtractor.__name__ = WhisperFeatureExtractor.__qualname__ = "WhisperFeatureExtractor"
    BatchFeature.__name__ = BatchFeature.__qualname__ = "BatchFeature"
