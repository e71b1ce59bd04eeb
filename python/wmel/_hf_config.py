"""wmel._hf_config -- transformers feature extractors from their own configuration files
(exported by wmel.hf: plan_from_config, from_pretrained, and patch()'s classes beyond Whisper,
Parakeet and SeamlessM4T).

The mapping from a configuration to a plan is the library's (wmel_plan_from_hf_config, the same
one `wmel mel --hf-config` uses): the class named by feature_extractor_type gives a built-in
preset, the fields change it, and a field wmel does not compute exactly raises ValueError naming
it.

For the classes without a drop-in of their own, wmel replaces only the method that computes the
spectrogram (each class's _extract_fbank_features, _torch_extract_fbank_features or
_extract_mel_features, GraniteSpeech's _extract_mel_spectrograms, GraniteSpeech5's
_extract_features) and keeps transformers' own __call__: padding, truncation, attention
masks, return_tensors, the batch rules and the normalisations computed there are the
original's code. Xcodec2 and NeuCodec compute their fbank inside __call__: theirs is the whole
__call__, with the original's own pad() for the padding and the masks. The replacement computes, per instance, the plan of the instance's own
configuration (to_dict()), narrowed to what the method computes (e.g. NeMo's log-Mel before
the normalisation __call__ applies), on the waveforms the method receives; a configuration the
mapping refuses, a changed filter bank, a device other than the CPU or a case the method
handles differently (center=False streaming chunks, Phi-4's batch masking of shorter clips,
Voxtral realtime's batch-wide maximum) runs the original method.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import os

import numpy as np

from . import _wmel
from ._common import check_finite_options
from ._hf_base import check_options
from ._features import _ctx

_NORM_NONE, _VALID_ALL, _FRAMES_SNIP = 1, 0, 0


def hf_classes() -> list:
    """The transformers classes the mapping knows: (class, preset, mapped) tuples; mapped
    False: the class's preset does not exist yet and its configurations are refused."""
    return list(_wmel.hf_classes())


def config_text(path) -> tuple:
    """(the configuration's bytes, the file they come from) of a file or a model folder, chosen
    as `wmel mel --hf-config` chooses them: a folder's processor_config.json when the library
    finds the extractor's configuration there (its nested "feature_extractor" or
    "audio_processor" object, as transformers reads it), else its preprocessor_config.json; a
    file as it is. With transformers installed, a hub model's name gives its extractor's dict
    (transformers' cache and download rules) as JSON, the name as the file."""
    p = os.fspath(path)
    if os.path.isdir(p):
        proc = os.path.join(p, "processor_config.json")
        if os.path.isfile(proc):
            text = _read(proc)
            try:
                _wmel.plan_from_hf_config_cols(text)
                return text, proc
            except ValueError as e:
                if 'no "feature_extractor_type"' not in str(e):
                    return text, proc
        p = os.path.join(p, "preprocessor_config.json")
    if not os.path.isfile(p):
        if not os.path.exists(os.fspath(path)):
            hub = _hub_dict(os.fspath(path))
            if hub is not None:
                return _text(hub).encode(), os.fspath(path)
        raise OSError(f"{p}: no such file (a transformers preprocessor_config.json, "
                      "processor_config.json or a model folder holding one; with transformers "
                      "installed, a hub model's name that it can fetch)")
    return _read(p), p


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def config_dict(path) -> dict:
    """The feature extractor's configuration dict of a file or a model folder (config_text's
    choice; with transformers installed, also of a hub model's name), as the library reads it:
    the nested "feature_extractor" (else "audio_processor") object when there is one, even an
    empty one, as transformers reads processor_config.json; else the top-level object. A
    leading UTF-8 byte-order mark is skipped, as by every JSON reader of the library."""
    text, p = config_text(path)
    try:
        d = json.loads(text.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"{p}: not a JSON configuration: {e}") from None
    if not isinstance(d, dict):
        raise ValueError(f"{p}: a configuration is one JSON object")
    for k in ("feature_extractor", "audio_processor"):
        if isinstance(d.get(k), dict):
            return d[k]
    return d


def _hub_dict(name: str):
    """A hub model's extractor dict through transformers (its cache and download rules), or
    None without transformers or when it finds none."""
    try:
        from transformers.feature_extraction_utils import FeatureExtractionMixin
    except ImportError:
        return None
    try:
        d, _ = FeatureExtractionMixin.get_feature_extractor_dict(name)
    except (OSError, ValueError):
        return None
    return d if isinstance(d, dict) else None


def _text(cfg: dict) -> str:
    check_finite_options(str(cfg.get("feature_extractor_type", "the configuration")), cfg)
    try:
        return json.dumps(cfg, allow_nan=False, default=_jsonable)
    except ValueError as e:
        raise ValueError(f"the configuration is not JSON: {e}") from None


def _jsonable(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return repr(v)


def preset_and_plan(cfg) -> tuple:
    """(preset name, plan dict) of a configuration dict or a path (config_dict)."""
    if not isinstance(cfg, dict):
        if not isinstance(cfg, (str, os.PathLike)):
            raise TypeError(f"a configuration dict or a path, got {type(cfg).__name__}")
        text, p = config_text(cfg)
        try:
            return tuple(_wmel.plan_from_hf_config(text))
        except ValueError as e:      # the file named, as `wmel mel --hf-config FILE` names it
            raise ValueError(f"{p}: {e}") from None
    return tuple(_wmel.plan_from_hf_config(_text(cfg)))


def plan_from_config(cfg) -> dict:
    """The plan (a dict of wmel_frontend_plan's fields, as wmel.frontend_plan gives) that
    computes what the transformers feature extractor of this configuration computes: cfg is
    the extractor's configuration dict (to_dict(), preprocessor_config.json's object) or the
    path of such a file, of a processor_config.json or of a model folder. Fields of the call
    (padding, chunking, masks) are not the plan's. A field wmel does not compute exactly
    raises ValueError naming the field, its value and why; so do an unknown class and a
    class whose preset does not exist yet ("needs preset NAME")."""
    return preset_and_plan(cfg)[1]


# ---------------------------------------------------------------------------------------------
# the per-class spectrogram methods
# ---------------------------------------------------------------------------------------------

def _clip_features(plan: dict, clip: np.ndarray) -> np.ndarray:
    """(rows, cols) float32 of one clip; raises ValueError / RuntimeError from the library, and
    ValueError for a clip shorter than one snipped frame, which every snipping original
    refuses (torchaudio's assertion, torch's unfold): the original then says so itself."""
    if plan["framing"] == _FRAMES_SNIP and clip.shape[0] < plan["frame_length"]:
        raise ValueError("shorter than one frame")
    ctx = _ctx(plan, "auto", 0)
    rows, cols = ctx.features_shape(clip.shape[0])
    out = np.empty((rows, cols), np.float32)
    ctx.features(np.ascontiguousarray(clip, np.float32), out)
    return out


def _rows(plan: dict, batch: np.ndarray) -> np.ndarray:
    return np.stack([_clip_features(plan, c) for c in batch])


def _np(x):
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _cpu(device) -> bool:
    return device is None or str(device) == "cpu"


def _no_finish(plan: dict) -> dict:
    """The plan's log-Mel before the normalisation, every frame kept (NeMo's __call__
    normalises and masks)."""
    p = dict(plan)
    p.update(norm=_NORM_NONE, norm_flags=0, norm_eps=0.0, valid=_VALID_ALL, preemph=0.0)
    return p


def _whisper_like(self, plan, waveform, device="cpu", center=True):
    """Qwen3-ASR, Dots 3 Note and MOSS-Transcribe-Diarize (numpy (B, mels, T) of the padded
    chunks, max per clip) and Voxtral realtime (torch; a fixed maximum, or the batch's when
    global_log_mel_max is None)."""
    if not _cpu(device) or not center:
        return None
    torch_in = hasattr(waveform, "detach")
    x = _np(waveform).astype(np.float32, copy=False)
    if x.ndim == 2 and x.shape[0] > 1 and not plan["norm_flags"] and torch_in:
        return None  # Voxtral realtime without a fixed max: one max over the whole batch
    out = _rows(plan, x[None] if x.ndim == 1 else x)
    out = out[0] if x.ndim == 1 else out
    if torch_in:
        import torch
        return torch.from_numpy(out)
    return out


def _nemo_logmel(self, plan, waveform, device="cpu", center=True):
    """Cohere, Nemotron: the log-Mel (B, T, mels) torch of the (pre-emphasised, padded) batch."""
    if not _cpu(device) or not center:
        return None
    import torch
    p = _no_finish(plan)
    x = _np(waveform).astype(np.float32, copy=False)
    out = _rows(p, x)                       # (B, mels, T)
    return torch.from_numpy(np.ascontiguousarray(out.transpose(0, 2, 1)))


def _lasr(self, plan, waveform, device="cpu"):
    """LASR: (B, T, mels) torch, float64 as the original's (its pipeline is float64)."""
    if not _cpu(device):
        return None
    import torch
    x = _np(waveform)
    return torch.from_numpy(_rows(plan, x.astype(np.float32, copy=False)).astype(np.float64))


def _phi4(self, plan, waveform, audio_lengths, device="cpu"):
    """Phi-4: (B, T, mels) torch; a batch of unequal lengths (its frame masking) is the
    original's."""
    if not _cpu(device):
        return None
    lengths = _np(audio_lengths)
    if len(lengths) > 1 and (lengths != lengths.max()).any():
        return None
    import torch
    return torch.from_numpy(_rows(plan, _np(waveform).astype(np.float32, copy=False)))


def _s2t(self, plan, waveform):
    """Speech2Text: one clip's fbank (frames, mels), before the utterance CMVN of __call__."""
    p = dict(plan)
    p.update(norm=_NORM_NONE, norm_flags=0, norm_eps=0.0)
    return _clip_features(p, np.asarray(waveform, np.float32).reshape(-1))


def _ast(self, plan, waveform, max_length):
    """AST: one clip's fbank padded or cut to max_length frames (numpy), before normalize()."""
    p = dict(plan)
    p.update(affine=0, post_scale=0.0, post_shift=0.0, n_frames=int(max_length))
    return _clip_features(p, np.asarray(waveform, np.float32).reshape(-1))


def _t5(self, plan, one_waveform):
    """SpeechT5: one clip's log-Mel (frames, mels) float32."""
    return _clip_features(plan, np.asarray(one_waveform, np.float32).reshape(-1))


def _direct(plan, clip):
    """(rows, cols) float32 of one clip (with the instance's per-column affine, plan.cols, when
    it has one), for the explicit framings, whose padding the plan computes: a clip without a
    frame gives none, as the originals do."""
    ctx = _ctx(dict(plan), "auto", 0, getattr(plan, "cols", None))
    rows, n = ctx.features_shape(clip.shape[0])
    out = np.empty((rows, n), np.float32)
    ctx.features(np.ascontiguousarray(clip, np.float32), out)
    return out


def _gemma(self, plan, waveform, attention_mask):
    """Gemma3n / Gemma4: one padded clip's log-Mel (frames, mels) and its frame mask, as the
    original's _extract_spectrogram returns them (__call__ pads, casts and, Gemma4, masks).
    Dither draws the original's noise from numpy's global generator (the same draws, in the
    same order); per_bin_mean / per_bin_stddev are the per-column affine."""
    x = np.asarray(waveform)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2 or x.shape[0] != 1 or x.shape[1] + plan["pad_left"] < plan["frame_span"]:
        return None                                 # no frame: the original's own empty result
    if self.dither > 0.0:
        x = x + self.dither * np.random.randn(*x.shape).astype(x.dtype)
    p = _Plan(plan, getattr(plan, "cols", None))
    p.update(pad_multiple=0, valid=_VALID_ALL)      # __call__ pads; Gemma4's __call__ masks
    spec = _direct(p, x[0])
    mask = np.asarray(attention_mask)
    span = plan["frame_span"]
    if plan["pad_left"]:                            # Gemma4: a frame is valid when its last sample is
        mask = np.pad(mask, (plan["pad_left"], 0))
        mask = mask[np.arange(spec.shape[0]) * plan["hop"] + span - 1].astype(bool)
    else:                                           # Gemma3n: every hop-th sample's
        mask = mask[:: plan["hop"]].astype(bool)[: spec.shape[0]]
    return spec, mask


def _univnet(self, plan, waveform):
    """UnivNet: one padded clip's log-Mel (frames, mels), before do_normalize (__call__'s)."""
    return _direct(plan, np.asarray(waveform, np.float32).reshape(-1))


def _inkling(self, plan, waveform, device="cpu"):
    """Inkling: (B, T, mels) torch of the padded batch, every frame (__call__ masks)."""
    if not _cpu(device):
        return None
    import torch
    p = dict(plan)
    p.update(valid=_VALID_ALL)
    x = _np(waveform).astype(np.float32, copy=False)
    return torch.from_numpy(np.stack([_direct(p, c) for c in (x[None] if x.ndim == 1 else x)]))


def _granite(self, plan, audio, device="cpu"):
    """GraniteSpeech: (B, T // 2, 2 mels) torch of the zero-padded batch (__call__ pads it and
    computes audio_embed_sizes and input_features_mask); the maximum is each row's own."""
    if not _cpu(device):
        return None
    import torch
    x = _np(audio).astype(np.float32, copy=False)
    x = x[None] if x.ndim == 1 else x
    if x.ndim != 2 or x.shape[1] <= plan["n_fft"] // 2:
        return None                      # torch's reflection needs more samples: the original's rule
    return torch.from_numpy(_rows(plan, x))


def _granite5(self, plan, audio, device="cpu"):
    """GraniteSpeech5: (B, rows, 4 mels) torch of the padded batch; the zeros the original
    appends so that the last pair of frames is whole are appended here too."""
    if not _cpu(device):
        return None
    import torch
    x = _np(audio).astype(np.float32, copy=False)
    x = x[None] if x.ndim == 1 else x
    if x.ndim != 2 or x.shape[1] < plan["hop"] or x.shape[1] <= plan["n_fft"] // 2:
        return None                      # no frame, or too short for torch's reflection: the original
    hop = plan["hop"]
    need = (2 * -(-(x.shape[1] // hop) // 2) - 1) * hop + 1
    if x.shape[1] < need:
        x = np.pad(x, ((0, 0), (0, need - x.shape[1])))
    return torch.from_numpy(_rows(plan, x))


def _fun_asr(self, plan, raw_speech, sampling_rate=None, return_tensors="pt", padding=True, max_length=None,
             truncation=False, pad_to_multiple_of=None, return_attention_mask=None, **kwargs):
    """FunAsrNano: the whole __call__. Each clip's Kaldi fbank and its LFR rows (the plan's:
    num_frames_lfr frames side by side every stride_lfr, the first frame repeated before the
    first row, the last past the end, as _apply_lfr stacks them) by libwmel; the batch's
    padding and its mask by the original's own self.pad. A sampling rate other than the
    configuration's, a clip that is not one channel or is shorter than one frame: the
    original (which raises, or computes). Other keywords are ignored, as the original's."""
    if sampling_rate is not None and sampling_rate != self.sampling_rate:
        return None
    import torch
    from transformers.audio_utils import make_list_of_audio
    from transformers.feature_extraction_utils import BatchFeature
    rows = []
    for waveform in make_list_of_audio(raw_speech):
        x = _np(torch.as_tensor(waveform, dtype=torch.float32))   # the original's conversion
        if x.ndim != 1 or x.shape[0] < plan["frame_length"]:
            return None
        rows.append(torch.from_numpy(_clip_features(plan, x)))
    padded = self.pad(BatchFeature({"input_features": rows}), padding=padding, max_length=max_length,
                      truncation=truncation, pad_to_multiple_of=pad_to_multiple_of,
                      return_attention_mask=return_attention_mask, return_tensors=return_tensors)
    if "attention_mask" in padded:
        padded["input_features_mask"] = padded.pop("attention_mask")
    return padded


def _codec(self, plan, neu, audio, padding=True, max_length=None, truncation=False, return_tensors=None,
           sampling_rate=None, device="cpu", **kwargs):
    """Xcodec2 / NeuCodec: the whole __call__, the semantic features (fbank, the per-clip CMVN,
    the pairs) by libwmel on the waveform the original gives its fbank; the acoustic padding and
    the mel padding and masks are the original's own code. max_length, truncation, a device
    other than the CPU, a multi-channel clip or a clip of fewer than two frames: the original."""
    if not _cpu(device) or max_length is not None or truncation or sampling_rate is None \
            or sampling_rate != self.sampling_rate or kwargs:
        return None
    import torch
    import torch.nn.functional as F
    from transformers.audio_utils import make_list_of_audio
    from transformers.feature_extraction_utils import BatchFeature
    audio = make_list_of_audio(audio)
    if any(np.ndim(a) != 1 or np.shape(a)[0] < 2 * 160 + 400 for a in audio):
        return None
    batch = len(audio)
    clips = [F.pad(torch.as_tensor(a), (0, 1), value=0.0) for a in audio]
    padded = self.acoustic_encoder_padder.pad(
        BatchFeature({"audio": clips}), max_length=max_length, truncation=truncation, padding=padding,
        return_attention_mask=padding, pad_to_multiple_of=self.hop_length, return_tensors="pt")
    padding_mask = padded.pop("attention_mask")
    padded_audio = padded["audio"][:, None, :]
    frames = []
    for i in range(batch):
        if neu:
            one = self.acoustic_encoder_padder.pad(BatchFeature({"audio": [clips[i]]}),
                                                   pad_to_multiple_of=self.hop_length, return_tensors="pt")
            w = _np(one["audio"]).reshape(-1)
        else:
            n = int(padding_mask[i].sum().item()) if padding_mask is not None else padded_audio.shape[-1]
            valid = min(-(-n // self.hop_length) * self.hop_length, padded_audio.shape[-1])
            w = np.pad(_np(padded_audio[i, 0, :valid]), self.hop_length // 2)
        w = np.ascontiguousarray(w, np.float32)
        t = 1 + (w.shape[0] - 400) // 160
        if t < 2:
            return None
        rows = _clip_features(plan, w)                    # (ceil(t / 2), 160)
        frames.append(torch.from_numpy(rows.reshape(-1, 80)[:t].copy()))
    padded_mel = self.pad(BatchFeature({"input_features": frames}), padding=padding, max_length=max_length,
                          truncation=truncation, pad_to_multiple_of=self.stride, return_attention_mask=padding,
                          return_tensors="pt")
    spec = padded_mel["input_features"]
    smask = padded_mel.get("attention_mask")
    trimmed = spec.shape[1] - (spec.shape[1] % self.stride)
    spec = spec[:, :trimmed, :].reshape(batch, trimmed // self.stride, self.num_mel_bins * self.stride)
    if smask is not None:
        smask = smask[:, :trimmed].reshape(batch, trimmed // self.stride, self.stride).min(dim=-1).values
    return BatchFeature({"input_values": padded_audio, "padding_mask": padding_mask, "input_features": spec,
                         "input_features_mask": smask}, tensor_type=return_tensors)


def _xcodec2(self, plan, *args, **kwargs):
    """Xcodec2: the semantic encoder's waveform is the valid part, 160 zeros on each side."""
    return _codec(self, plan, False, *args, **kwargs)


def _neucodec(self, plan, *args, **kwargs):
    """NeuCodec: the clip alone padded to a multiple of hop_length, no more."""
    return _codec(self, plan, True, *args, **kwargs)
def _clvp(self, plan, waveform):
    """CLVP: one padded clip's log-Mel (mels, frames) divided by mel_norms (the per-column
    affine of the drop-in's configuration)."""
    return _direct(plan, np.asarray(waveform, np.float32).reshape(-1))


_MEL_SLANEY, _MEL_HTK = 0, 2


def _clap(self, plan, waveform, mel_filters=None):
    """CLAP: one prepared clip's log-Mel in dB (frames, mels) with the bank the call passes:
    mel_filters (HTK, truncation "fusion") or mel_filters_slaney ("rand_trunc"). The original's
    float64 waveform is rounded to float32."""
    p = dict(plan)
    if mel_filters is getattr(self, "mel_filters", None):
        p.update(mel_scale=_MEL_HTK, mel_norm=0)
    elif mel_filters is getattr(self, "mel_filters_slaney", None):
        p.update(mel_scale=_MEL_SLANEY, mel_norm=1)
    else:
        return None
    return _direct(p, np.asarray(waveform, np.float32).reshape(-1))


def _pop2piano(self, plan, sequence):
    """Pop2Piano: the mel energies (segments, mels, frames) of the padded segments, floored at
    1e-10 as the original's (its __call__ takes the log)."""
    p = dict(plan)
    p.update(log=3, layout=0)                       # WMEL_LOG_NONE, WMEL_LAYOUT_MELS_FRAMES
    x = np.asarray(sequence, np.float32)
    if x.ndim != 2:
        return None
    return np.stack([np.maximum(_direct(p, c), np.float32(1e-10)) for c in x]).astype(np.float64)


# MOSS-Transcribe-Diarize's __call__ takes _torch_extract_fbank_features where torch is there,
# _np_extract_fbank_features otherwise (the same log-Mel): the one its __call__ runs here
_MOSS_METHOD = ("_torch_extract_fbank_features" if importlib.util.find_spec("torch") is not None
                else "_np_extract_fbank_features")

# class: (transformers module, the method replaced, its computation)
_METHODS = {
    "Qwen3ASRFeatureExtractor": ("qwen3_asr", "_torch_extract_fbank_features", _whisper_like),
    "Dots3NoteFeatureExtractor": ("dots3_note", "_torch_extract_fbank_features", _whisper_like),
    "MossTranscribeDiarizeFeatureExtractor": ("moss_transcribe_diarize", _MOSS_METHOD, _whisper_like),
    "VoxtralRealtimeFeatureExtractor": ("voxtral_realtime", "_torch_extract_fbank_features", _whisper_like),
    "CohereAsrFeatureExtractor": ("cohere_asr", "_torch_extract_fbank_features", _nemo_logmel),
    "NemotronAsrStreamingFeatureExtractor": ("nemotron_asr_streaming", "_torch_extract_fbank_features",
                                             _nemo_logmel),
    "Speech2TextFeatureExtractor": ("speech_to_text", "_extract_fbank_features", _s2t),
    "ASTFeatureExtractor": ("audio_spectrogram_transformer", "_extract_fbank_features", _ast),
    "LasrFeatureExtractor": ("lasr", "_torch_extract_fbank_features", _lasr),
    "Phi4MultimodalFeatureExtractor": ("phi4_multimodal", "_torch_extract_fbank_features", _phi4),
    "SpeechT5FeatureExtractor": ("speecht5", "_extract_mel_features", _t5),
    "Gemma3nAudioFeatureExtractor": ("gemma3n", "_extract_spectrogram", _gemma),
    "Gemma4AudioFeatureExtractor": ("gemma4", "_extract_spectrogram", _gemma),
    "UnivNetFeatureExtractor": ("univnet", "mel_spectrogram", _univnet),
    "InklingFeatureExtractor": ("inkling", "_torch_extract_fbank_features", _inkling),
    "GraniteSpeechFeatureExtractor": ("granite_speech", "_extract_mel_spectrograms", _granite),
    "GraniteSpeech5FeatureExtractor": ("granite_speech5", "_extract_features", _granite5),
    "FunAsrNanoFeatureExtractor": ("fun_asr_nano", "__call__", _fun_asr),
    "Xcodec2FeatureExtractor": ("xcodec2", "__call__", _xcodec2),
    "NeuCodecFeatureExtractor": ("neucodec", "__call__", _neucodec),
    "ClvpFeatureExtractor": ("clvp", "_np_extract_fbank_features", _clvp),
    "ClapFeatureExtractor": ("clap", "_np_extract_fbank_features", _clap),
    "Pop2PianoFeatureExtractor": ("pop2piano", "mel_spectrogram", _pop2piano),
}


class _Plan(dict):
    """A plan dict with the drop-in's per-column affine (cols: a pair of float64 bytes, or
    None), which a plan's fields cannot hold."""

    def __init__(self, plan, cols=None):
        super().__init__(plan)
        self.cols = cols


def dropin_config(name: str, cfg: dict) -> tuple:
    """(the configuration the library maps, the per-column affine or None) for the drop-in of
    class `name`: the fields its drop-in computes beyond the plan are taken out --
    Gemma's dither (the drop-in draws the original's numpy noise itself) and per_bin_mean /
    per_bin_stddev (the per-column affine); Cohere's dither (transformers' own __call__ adds
    its torch noise before the replaced method); UnivNet's do_normalize (its __call__'s)."""
    d = dict(cfg)
    cols = None
    if name in ("Gemma3nAudioFeatureExtractor", "Gemma4AudioFeatureExtractor"):
        d.pop("dither", None)
    elif name == "CohereAsrFeatureExtractor":
        d["dither"] = 0.0
    elif name == "UnivNetFeatureExtractor":
        d["do_normalize"] = False
    if name in ("Gemma3nAudioFeatureExtractor", "Gemma4AudioFeatureExtractor", "ClvpFeatureExtractor"):
        # the per-column values as the library reads them (wmel_plan_from_hf_config_cols, the
        # reader of `wmel mel --hf-config`): its refusals are the same sentences
        cols = _wmel.plan_from_hf_config_cols(_text(d))[2]
        for k in ("per_bin_mean", "per_bin_stddev", "mel_norms"):
            d.pop(k, None)
    return d, cols

# constructor arguments a class uses but does not keep (so neither to_dict nor save_pretrained
# has them): the drop-in keeps them, so that its configuration is its computation
_UNKEPT = {"Phi4MultimodalFeatureExtractor": {"mel_min_frequency": 0, "mel_max_frequency": 7690},
           # Gemma keeps the samples its milliseconds give, not the milliseconds
           "Gemma3nAudioFeatureExtractor": {"frame_length_ms": 32.0, "hop_length_ms": 10.0},
           "Gemma4AudioFeatureExtractor": {"frame_length_ms": 20.0, "hop_length_ms": 10.0}}

# the instance's own geometry attributes and the plan's fields they must equal (else the
# original runs: an instance built with settings its configuration does not keep)
_ATTRS = {"Gemma3nAudioFeatureExtractor": (("frame_length", "frame_length"), ("hop_length", "hop"),
                                           ("fft_length", "n_fft")),
          "Gemma4AudioFeatureExtractor": (("frame_length", "frame_length"), ("hop_length", "hop"),
                                          ("fft_length", "n_fft")),
          "UnivNetFeatureExtractor": (("hop_length", "hop"), ("n_fft", "n_fft"), ("win_length", "frame_length")),
          "InklingFeatureExtractor": (("hop_length", "hop"), ("n_fft", "n_fft"), ("window_size", "frame_length"))}

_classes: dict = {}   # class name -> transformers' class (None: not importable here)
_ORIG: dict = {}      # class name -> transformers' own method


def _hf_class(name: str):
    if name not in _classes:
        cls = None
        mod, meth, _ = _METHODS[name]
        try:
            m = importlib.import_module(f"transformers.models.{mod}.feature_extraction_{mod}")
            cls = getattr(m, name)
            _ORIG.setdefault(name, cls.__dict__[meth])
        except Exception:  # noqa: BLE001 -- a module that does not import here (transformers'
            cls = None     # torch-only extractors without torch raise NameError): not patched
        _classes[name] = cls
    return _classes[name]


_plans: dict = {}     # the instance's configuration text -> (plan or None, bank arrays)
_BANKS = ("mel_filters", "window", "mel_filters_slaney")


def _own_fields(self, name: str, d: dict):
    """Fields the instance computes with that to_dict() does not give: GraniteSpeech keeps its
    geometry in melspec_kwargs only (its __init__ reads the top-level names); to_dict() leaves
    FunAsrNano's window out."""
    if name == "GraniteSpeechFeatureExtractor":
        mk = getattr(self, "melspec_kwargs", None) or {}
        for k, v in (("sampling_rate", "sample_rate"), ("n_fft", "n_fft"), ("win_length", "win_length"),
                     ("hop_length", "hop_length"), ("n_mels", "n_mels")):
            if v in mk:
                d[k] = mk[v]
        d.pop("melspec_kwargs", None)
    elif name == "FunAsrNanoFeatureExtractor":
        d["window"] = getattr(self, "window", "hamming")


def _bank(v):
    """A bank attribute as one array (a torch module's: its state's tensors, end to end)."""
    if hasattr(v, "state_dict"):
        parts = [t.detach().cpu().numpy().ravel() for t in v.state_dict().values()]
        return np.concatenate(parts) if parts else np.zeros(0)
    return _np(v)


def _instance_plan(self, name: str):
    """The plan of this instance's configuration, or None (the mapping refuses it, or the
    instance's filter bank or window is not the one its configuration builds)."""
    try:
        d = self.to_dict()
        d["feature_extractor_type"] = name
        _own_fields(self, name, d)
        key = _text(d)
    except (TypeError, ValueError):
        return None
    hit = _plans.get(key)
    if hit is None:
        try:
            mapped, cols = dropin_config(name, d)
            plan = _Plan(_wmel.plan_from_hf_config(_text(mapped))[1], cols)
            fresh = _hf_class(name)(**{k: v for k, v in d.items() if k != "feature_extractor_type"})
            banks = {k: _bank(getattr(fresh, k)) for k in _BANKS if getattr(fresh, k, None) is not None}
        except Exception:  # noqa: BLE001 -- any refusal or construction failure: the original's
            plan, banks = None, {}
        if len(_plans) > 64:
            _plans.clear()
        hit = _plans[key] = (plan, banks)
    plan, banks = hit
    if plan is None:
        return None
    for attr, field in _ATTRS.get(name, ()):
        if getattr(self, attr, None) != plan[field]:
            return None
    for k, b in banks.items():
        mine = getattr(self, k, None)
        if mine is None or not np.array_equal(_bank(mine), b):
            return None
    return plan


def _make(name: str):
    """The replacement of class `name`'s spectrogram method."""
    compute = _METHODS[name][2]

    def method(self, *args, **kwargs):
        plan = _instance_plan(self, name)
        out = None
        if plan is not None:
            try:
                out = compute(self, plan, *args, **kwargs)
            except (ValueError, RuntimeError):
                out = None   # a clip the library refuses (too short): the original's rules
        if out is None:
            return _ORIG[name](self, *args, **kwargs)
        return out
    method.__name__ = _METHODS[name][1]
    method.__qualname__ = f"{name}.{method.__name__}"
    method.__doc__ = f"transformers' {name}.{method.__name__}, computed by libwmel (wmel.hf)"
    method._wmel = True
    return method


_OURS = {name: _make(name) for name in _METHODS}
_subclasses: dict = {}


def dropin_class(name: str):
    """wmel's drop-in for transformers class `name` (one of _METHODS): a subclass whose
    spectrogram method is libwmel's; None when transformers (or the class) is not there."""
    cls = _hf_class(name)
    if cls is None:
        return None
    sub = _subclasses.get(name)
    if sub is None:
        meth = _METHODS[name][1]
        body = {meth: _OURS[name], "__module__": "wmel.hf",
                "__doc__": f"transformers.{name} with its spectrogram computed by libwmel (wmel.hf); "
                           "saved configurations load into transformers' own class as well."}
        unkept = _UNKEPT.get(name) or {}

        def __init__(self, *args, **kwargs):
            cls.__init__(self, *args, **kwargs)
            for k, v in unkept.items():
                setattr(self, k, kwargs.get(k, v))
            check_options(self, name)   # NaN / inf and fractional sizes refused by name
        body["__init__"] = __init__
        sub = type(name, (cls,), body)
        _subclasses[name] = sub
    return sub


def patch() -> list:
    """Puts libwmel under each of these transformers classes (per instance: a configuration
    the mapping refuses runs the original method). Returns the names patched."""
    done = []
    for name, (_, meth, _) in _METHODS.items():
        cls = _hf_class(name)
        if cls is not None:
            setattr(cls, meth, _OURS[name])
            done.append(name)
    return done


def unpatch():
    for name, (_, meth, _) in _METHODS.items():
        cls = _classes.get(name)
        if cls is not None and name in _ORIG:
            setattr(cls, meth, _ORIG[name])


def patched() -> list:
    """(class name, method) of each class whose method is libwmel's now."""
    out = []
    for name, (_, meth, _) in _METHODS.items():
        cls = _classes.get(name)
        if cls is not None and cls.__dict__.get(meth) is _OURS[name]:
            out.append((name, meth))
    return out
