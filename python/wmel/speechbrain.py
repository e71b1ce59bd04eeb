"""wmel.speechbrain -- SpeechBrain's Fbank as a wmel plan, and a drop-in for it.

plan(hparams) reads the Fbank hyperparameters of a recipe (a dict of plain values, as in a
hyperparams.yaml's `!new:speechbrain.lobes.features.Fbank` block) into a plan in the JSON
schema (docs/frontends.md, "Presets"): wmel.features(x, plan=plan(h)). Fbank() is a drop-in
for speechbrain.lobes.features.Fbank: the same constructor arguments, forward(wav [batch,
time]) -> [batch, frames, n_mels] float32, computed by wmel (no gradient flows through it).

The semantics, from speechbrain 1.1.2 (lobes/features.py Fbank; processing/features.py STFT,
spectral_magnitude, Filterbank): win_length and hop_length in ms, int(round(sr / 1000 x ms))
samples; torch.hamming_window (periodic) centred in n_fft; torch.stft(center=True,
pad_mode="constant"); |X|^2; the HTK mel scale with points evenly spaced in mel from f_min to
f_max (None: sample_rate // 2), each filter a triangle about its centre symmetric with the left
half's width (wmel's symmetric_bank), peak 1; 10 log10(max(m, amin)) - 10 log10(max(amin,
ref_value)) clamped below at the clip's max - top_db (wmel's whole normalisation with
norm_range top_db / 10 and the affine x 40 - 40 - 10 log10(max(amin, ref_value))).

The normalisation a recipe applies next, speechbrain.processing.features.InputNormalization
(1.1.2), goes in the same plan with plan(h, normalize={...}) (its arguments as a dict, or an
InputNormalization object): norm_type "sentence" is each column's mean over the clip's frames
subtracted from the dB values and, with std_norm, the result divided by max(std, epsilon), std
over n (torch's unbiased=False): wmel's then_norm mean_var (or mean), norm_ddof 0, norm_eps
epsilon, after the clamp and the affine (wmel.h: WMEL_NORMF_THEN_MEAN_VAR). norm_type "global"
at inference is the model's stored statistics, a per-column affine: global_cols(glob_mean,
glob_std) gives the col_scale and col_shift of wmel.features. "batch" (statistics over the
other utterances of a batch) and the deprecated "speaker" are refused with NotImplementedError;
the relative lengths of a padded batch are not taken (each clip is computed from its own
samples).
What wmel cannot reproduce is refused with NotImplementedError naming the argument: deltas
(delta and delta-delta), context (ContextWindow's mel-major layout with zero edges),
requires_grad (learnable filters), param_rand_factor (random filter changes in training),
filter_shape other than "triangular".
"""
from __future__ import annotations

import math

import numpy as np

from ._features import features as _features

__all__ = ["plan", "global_cols", "Fbank"]

# Fbank's own arguments with their defaults (speechbrain 1.1.2), then the Filterbank
# arguments a recipe may set on the log-mel (log_mel, amin, ref_value, top_db).
_FBANK = dict(deltas=False, context=False, requires_grad=False, sample_rate=16000, f_min=0, f_max=None,
              n_fft=400, n_mels=40, filter_shape="triangular", param_change_factor=1.0, param_rand_factor=0.0,
              left_frames=5, right_frames=5, win_length=25, hop_length=10)
_FILTERBANK = dict(log_mel=True, amin=1e-10, ref_value=1.0, top_db=80.0)
# InputNormalization's arguments with their defaults (speechbrain 1.1.2).
_INPUTNORM = dict(mean_norm=True, std_norm=True, norm_type="global", avg_factor=None, length_dim=1,
                  update_until_epoch=2, avoid_padding_norm=False, epsilon=1e-10, device="cpu")


def _norm_args(normalize) -> dict:
    """InputNormalization's arguments from a dict or from an InputNormalization object."""
    if isinstance(normalize, dict):
        unknown = sorted(set(normalize) - set(_INPUTNORM))
        if unknown:
            raise ValueError(f"normalize: {unknown[0]} is not an argument of speechbrain's InputNormalization "
                             f"({', '.join(_INPUTNORM)})")
        return {**_INPUTNORM, **normalize}
    if all(hasattr(normalize, k) for k in ("norm_type", "std_norm", "epsilon")):
        return {**_INPUTNORM, "norm_type": normalize.norm_type, "std_norm": normalize.std_norm,
                "epsilon": normalize.epsilon}
    raise TypeError(f"normalize: a dict of InputNormalization's arguments or an InputNormalization, got "
                    f"{type(normalize).__name__}")


def _then_norm(normalize) -> dict:
    """The plan's options for InputNormalization(**normalize) after Fbank's clamp."""
    a = _norm_args(normalize)
    if a["norm_type"] in ("batch", "speaker"):
        raise NotImplementedError(f"norm_type {a['norm_type']!r}: its statistics come from the other utterances "
                                  "of a batch (or a speaker's); wmel computes each clip on its own (norm_type "
                                  "'sentence', or 'global' with the stored statistics: global_cols)")
    if a["norm_type"] == "global":
        raise ValueError("norm_type 'global': the statistics stored with the model (glob_mean, glob_std) are a "
                         "per-column affine, not part of a plan: wmel.features(x, plan=plan(h), "
                         "col_scale=s, col_shift=b) with s, b = wmel.speechbrain.global_cols(glob_mean, glob_std)")
    if a["norm_type"] != "sentence":
        raise ValueError(f"norm_type {a['norm_type']!r}: InputNormalization takes global, batch or sentence")
    if not _bool("mean_norm", a["mean_norm"]):
        raise ValueError("mean_norm=False: InputNormalization refuses it too (deprecated)")
    if a["avg_factor"] is not None:
        raise ValueError("avg_factor: InputNormalization refuses it too (deprecated)")
    eps = _num("epsilon", a["epsilon"])
    if not eps >= 0.0:
        raise ValueError(f"epsilon {eps}: the floor of the std, >= 0")
    if _bool("std_norm", a["std_norm"]):
        return {"then_norm": "mean_var", "norm_ddof": 0, "norm_eps": eps}
    return {"then_norm": "mean"}


def global_cols(glob_mean, glob_std, std_norm: bool = True, epsilon: float = 1e-10):
    """InputNormalization(norm_type="global") at inference, (x - glob_mean) / max(glob_std,
    epsilon) (x - glob_mean with std_norm False), as the per-column affine of wmel.features:
    (col_scale, col_shift) float64 arrays, col_scale = 1 / max(glob_std, epsilon), col_shift =
    -glob_mean col_scale. glob_mean, glob_std: the stored statistics (arrays or tensors, one
    value per mel column)."""
    m = np.asarray(glob_mean.cpu() if hasattr(glob_mean, "cpu") else glob_mean, np.float64).reshape(-1)
    s = np.asarray(glob_std.cpu() if hasattr(glob_std, "cpu") else glob_std, np.float64).reshape(-1)
    if m.shape != s.shape or not m.size:
        raise ValueError(f"glob_mean {m.shape}, glob_std {s.shape}: one value per column each")
    if not (np.all(np.isfinite(m)) and np.all(np.isfinite(s))):
        raise ValueError("glob_mean, glob_std: every value must be finite")
    scale = 1.0 / np.maximum(s, float(epsilon)) if std_norm else np.ones_like(m)
    return scale, -m * scale


def _num(name, v, integer=False):
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} {v!r}: a number, got {type(v).__name__}")
    if not math.isfinite(float(v)):
        raise ValueError(f"{name} {v!r}: must be finite")
    if integer and float(v) != int(v):
        raise ValueError(f"{name} {v!r}: an integer")
    return int(v) if integer else float(v)


def _bool(name, v):
    if not isinstance(v, (bool, np.bool_)):
        raise ValueError(f"{name} {v!r}: True or False")
    return bool(v)


def plan(hparams: dict | None = None, *, normalize=None, **kw) -> dict:
    """The plan (JSON-schema dict) computing speechbrain Fbank(**hparams) (1.1.2): its
    arguments (deltas, context, requires_grad, sample_rate, f_min, f_max, n_fft, n_mels,
    filter_shape, param_change_factor, param_rand_factor, left_frames, right_frames,
    win_length, hop_length) and the Filterbank's log_mel, amin, ref_value, top_db, each a
    plain value. An unknown key raises ValueError; an argument wmel does not reproduce
    raises NotImplementedError naming it; a value wmel's plan check refuses raises
    ValueError with its sentence. normalize: InputNormalization's arguments (a dict, or an
    InputNormalization) applied after the clamp, norm_type "sentence" (see the module's text);
    it needs log_mel."""
    h = dict(hparams or {})
    h.update(kw)
    unknown = sorted(set(h) - set(_FBANK) - set(_FILTERBANK))
    if unknown:
        raise ValueError(f"{unknown[0]}: not an argument of speechbrain's Fbank (nor of its Filterbank's log-mel: "
                         f"{', '.join(list(_FBANK) + list(_FILTERBANK))})")
    a = {**_FBANK, **_FILTERBANK, **h}
    for k in ("deltas", "context", "requires_grad", "log_mel"):
        a[k] = _bool(k, a[k])
    if a["deltas"]:
        raise NotImplementedError("deltas=True: SpeechBrain appends the delta and the delta-delta (Deltas of the "
                                  "Deltas); wmel's plan appends one set of deltas only")
    if a["context"]:
        raise NotImplementedError("context=True: ContextWindow's columns (each mel's left_frames + right_frames + 1 "
                                  "neighbours, zeros past the edges) are not a layout wmel's stacking gives")
    if a["requires_grad"]:
        raise NotImplementedError("requires_grad=True: learnable filter centres and bands; wmel's bank is fixed")
    if _num("param_rand_factor", a["param_rand_factor"]) != 0.0:
        raise NotImplementedError("param_rand_factor: random changes of the filters in training mode; wmel's bank "
                                  "is fixed (0 only)")
    if a["filter_shape"] != "triangular":
        raise NotImplementedError(f"filter_shape {a['filter_shape']!r}: wmel computes SpeechBrain's triangular "
                                  "filters only")
    _num("param_change_factor", a["param_change_factor"])  # unused with frozen filters
    _num("left_frames", a["left_frames"], True), _num("right_frames", a["right_frames"], True)  # context only
    sr = _num("sample_rate", a["sample_rate"], True)
    if sr <= 0 or sr % 2:
        raise ValueError(f"sample_rate {sr}: an even rate (SpeechBrain's bins are linspace(0, sample_rate // 2), "
                         "which is k sample_rate / n_fft only for an even rate)")
    n_fft = _num("n_fft", a["n_fft"], True)
    if n_fft < 4 or n_fft % 2:
        raise ValueError(f"n_fft {n_fft}: an even transform size, 4 or more (wmel's transforms are even)")
    win = int(round((sr / 1000.0) * _num("win_length", a["win_length"])))
    hop = int(round((sr / 1000.0) * _num("hop_length", a["hop_length"])))
    if win < 2 or win > n_fft:
        raise ValueError(f"win_length {a['win_length']} ms: {win} samples, must be 2 .. n_fft ({n_fft})")
    if hop < 1:
        raise ValueError(f"hop_length {a['hop_length']} ms: {hop} samples, must be 1 or more")
    f_min = _num("f_min", a["f_min"])
    f_max = sr // 2 if a["f_max"] is None else _num("f_max", a["f_max"])
    if not 0.0 <= f_min < f_max:
        raise ValueError(f"f_min {f_min}, f_max {f_max}: 0 <= f_min < f_max")
    p = {"frontend": "nemo", "normalize": "none", "n_mels": _num("n_mels", a["n_mels"], True),
         "window": "hamming_periodic", "low_freq": f_min, "high_freq": f_max, "mel_scale": "htk",
         "mel_norm": "none", "power": 2, "remove_dc": False, "preemph": 0, "sample_rate": sr,
         "frame_length": win, "hop": hop, "n_fft": n_fft, "framing": "center_zero", "valid": "all",
         "layout": "frames_mels", "symmetric_bank": True}
    if a["log_mel"]:
        amin, ref, top_db = _num("amin", a["amin"]), _num("ref_value", a["ref_value"]), _num("top_db", a["top_db"])
        if not amin > 0.0:
            raise ValueError(f"amin {amin}: must be positive (the floor of the mel energies)")
        if not top_db > 0.0:
            raise ValueError(f"top_db {top_db}: must be positive (the clamp below the clip's max, in dB)")
        p.update(normalize="whole", log="log10_clamp", log_guard=amin, norm_range=top_db / 10.0,
                 post_scale=40.0, post_shift=-40.0 - 10.0 * math.log10(max(amin, ref)))
    else:
        p.update(log="none")
    if normalize is not None:
        if not a["log_mel"]:
            raise NotImplementedError("normalize with log_mel=False: wmel's normalisation after the clamp follows "
                                      "the dB values' clamp (log_mel=True)")
        p.update(_then_norm(normalize))
    from ._features import plan_from
    plan_from(p)  # wmel_plan_check's sentence for what does not fit (ValueError)
    return p


def _wav2d(wav):
    a = np.asarray(wav, np.float32)
    if a.ndim == 1:
        a = a[None]
    if a.ndim != 2:
        raise NotImplementedError(f"wav of shape {a.shape}: [batch, time] or [time] (multi-channel input is not "
                                  "supported)")
    return np.ascontiguousarray(a)


class _Base:
    def _setup(self, kw):
        normalize = kw.pop("normalize", None)
        bad = sorted(set(kw) - set(_FBANK))
        if bad:
            raise TypeError(f"Fbank() got an unexpected keyword argument {bad[0]!r}")
        self._plan = plan(kw, normalize=normalize)
        self.n_mels = self._plan["n_mels"]

    def _compute(self, a):
        return _features(a, plan=self._plan)


try:
    import torch as _torch
except ImportError:  # numpy only: a plain callable with the same arguments
    _torch = None

if _torch is not None:
    class Fbank(_torch.nn.Module, _Base):
        """speechbrain.lobes.features.Fbank computed by wmel: the same constructor arguments
        (plan() says which it refuses) and normalize (wmel's own: InputNormalization's
        arguments, Fbank followed by it), forward(wav: Tensor [batch, time] or [time]) ->
        Tensor [batch, frames, n_mels] float32 on wav's device, frames = time // hop + 1.
        No gradient flows through it (the result does not require grad)."""

        def __init__(self, **kwargs):
            _torch.nn.Module.__init__(self)
            self._setup(kwargs)

        def forward(self, wav):
            with _torch.no_grad():
                a = _wav2d(wav.detach().to("cpu", _torch.float32).numpy())
                out = _torch.from_numpy(self._compute(a))
            return out.to(wav.device)
else:
    class Fbank(_Base):
        """Fbank without torch: the same arguments; fbank(wav: array [batch, time] or [time])
        -> ndarray [batch, frames, n_mels] float32."""

        def __init__(self, **kwargs):
            self._setup(kwargs)

        def forward(self, wav):
            return self._compute(_wav2d(wav))

        __call__ = forward
