"""wmel.torchaudio.transforms -- torchaudio.transforms' Spectrogram, MelScale, MelSpectrogram,
AmplitudeToDB and MFCC: their signatures, defaults, buffers (state_dict keys) and outputs.

MelSpectrogram (and MFCC's) is computed by a libwmel plan where the plans hold the options:
torch.stft's framing (centred with reflection or zeros, or not centred), the window identified
among the plan's (Hann, Hamming, Blackman, Bartlett, periodic or symmetric, and rectangular), a
float64 transform, power 1 or 2, the HTK or Slaney mel bank with norm None or "slaney", rounded
once to float32. Every other option torchaudio computes (other windows, powers, sample rates,
transform sizes, more than 256 mels) goes through numpy float64 (mel_spectrogram_np), rounded
once as well. Spectrogram is a plan without a mel bank (linear_bins: the bins themselves) for
float32 samples, power 1 or 2, onesided, a plan's window and at most 256 bins; numpy float64
otherwise (any window, any power, complex with power=None, onesided False, float64 samples).
AmplitudeToDB, MFCC's dB and DCT: float64 on the float32 mel values. n_fft or win_length
above functional.MAX_N_FFT (2^20), and a mel bank or DCT matrix of more than functional.
MAX_MATRIX (2^25) entries raise ValueError at construction (naming the option and the bound).

With torch installed the classes are torch.nn.Module subclasses (forward, to(), state_dict,
buffers); a torch tensor in gives a tensor on its device and in its dtype (computed on the
host, through the op torch.ops.wmel.ta_transform, which torch.vmap batches). Without torch they take and give numpy arrays (float32), with the same methods.
A waveform that requires grad raises RuntimeError: no gradients flow through libwmel.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _features, _wmel
from .._common import _check_bool, _check_float, _check_int, _is_torch, _out_array
from . import functional as F

try:
    import torch
except ImportError:   # numpy only
    torch = None

_FRAMES_SNIP, _FRAMES_CENTER_REFLECT, _FRAMES_CENTER_ZERO = 0, 1, 2   # wmel.h WMEL_FRAMES_*

__all__ = ["Spectrogram", "MelScale", "MelSpectrogram", "AmplitudeToDB", "MFCC"]


class _NumpyModule:
    """The parts of torch.nn.Module these classes use, for numpy without torch."""

    def __init__(self):
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, k, v):
        if isinstance(v, _NumpyModule):
            self._modules[k] = v
        elif k in self._buffers:
            self._buffers[k] = v
        object.__setattr__(self, k, v)

    def register_buffer(self, name, value, persistent=True):
        self._buffers[name] = value
        object.__setattr__(self, name, value)

    def __call__(self, *args, **kw):
        return self.forward(*args, **kw)

    def to(self, *args, **kw):
        for a in list(args) + list(kw.values()):
            if isinstance(a, str) and a != "cpu":
                raise ValueError(f"to({a!r}): without torch the transforms compute numpy arrays on "
                                 "the host only")
        return self

    def cpu(self):
        return self

    def eval(self):
        return self.train(False)

    def train(self, mode=True):
        object.__setattr__(self, "training", bool(mode))
        for m in self._modules.values():
            m.train(mode)
        return self

    def parameters(self, recurse=True):
        return iter(())

    def named_buffers(self, prefix=""):
        for k, v in self._buffers.items():
            yield prefix + k, v
        for name, m in self._modules.items():
            yield from m.named_buffers(prefix + name + ".")

    def buffers(self):
        return (v for _, v in self.named_buffers())

    def state_dict(self):
        return {k: np.array(v) for k, v in self.named_buffers()}

    def load_state_dict(self, state, strict=True):
        mine = dict(self.named_buffers())
        if strict and set(state) != set(mine):
            raise RuntimeError(f"state_dict keys {sorted(state)} are not {sorted(mine)}")
        for k, v in state.items():
            if k not in mine:
                continue
            *path, leaf = k.split(".")
            m = self
            for p in path:
                m = m._modules[p]
            m.register_buffer(leaf, np.array(v, np.float32))


_Base = torch.nn.Module if torch is not None else _NumpyModule
_NO_GRAD = ("does not compute gradients (libwmel computes outside autograd): pass "
            "waveform.detach() -- features fed to a model need none -- or use torchaudio for a "
            "differentiable front-end")


class TorchaudioRuntimeError(RuntimeError, ValueError):
    """Where torch raises RuntimeError (stft's argument checks), with its sense."""


def _default_window_fn():
    return torch.hann_window if torch is not None else F.hann_window


def _np(v) -> np.ndarray:
    """A buffer or window's values as float64 numpy."""
    if _is_torch(v):
        return v.detach().to("cpu", torch.float64).numpy()
    return np.asarray(v, np.float64)


def _as_buffer(a):
    a = np.ascontiguousarray(a, np.float32)
    return torch.from_numpy(a) if torch is not None else a


def _version(t):
    return (id(t), getattr(t, "_version", None) if _is_torch(t) else hash(np.asarray(t).tobytes()))


def _input(waveform, who):
    """(numpy samples (rows, n) float32 or float64, leading shape, None) of a host array."""
    a = np.asarray(waveform)
    if a.dtype.kind not in "fiu" or a.dtype == np.bool_:
        raise TypeError(f"{who}: waveform must hold real samples, got {a.dtype}")
    if a.ndim < 1:
        raise ValueError(f"{who}: waveform must be (..., time), got a 0-d value")
    if a.dtype not in (np.float32, np.float64):
        a = a.astype(np.float32)
    return a.reshape(-1, a.shape[-1]), a.shape[:-1], None


def _n_frames(n, pad, n_fft, hop, center) -> int:
    m = n + 2 * max(int(pad), 0)
    return 1 + (m // hop if center else (m - n_fft) // hop)


def _run(mod, who, waveform):
    """forward(): numpy computed here; a torch tensor through the op wmel::ta_transform (so
    that torch.vmap batches it and fake tensors get shapes), refused when it requires grad."""
    if _is_torch(waveform):
        if torch.is_grad_enabled() and waveform.requires_grad:
            raise RuntimeError(f"wmel.torchaudio.transforms.{who} {_NO_GRAD}")
        if waveform.is_complex() or not waveform.is_floating_point():
            raise TypeError(f"{who}: waveform must hold floating-point samples, got "
                            f"{waveform.dtype}")
        if waveform.dim() < 1:
            raise ValueError(f"{who}: waveform must be (..., time), got a 0-d value")
        from .. import _torch_op
        return _torch_op.ta_transform(waveform, _torch_op.transform_key(mod))
    x, lead, _ = _input(waveform, who)
    return mod._np_forward(x, lead)


def _threads() -> int:
    return torch.get_num_threads() if torch is not None else 0


def _norms(normalized):
    """torchaudio's _get_spec_norms: (frame_length_norm, window_norm)."""
    if isinstance(normalized, str):
        if normalized not in ("frame_length", "window"):
            raise ValueError(f"Invalid normalized parameter: {normalized}")
        return normalized == "frame_length", normalized == "window"
    if isinstance(normalized, (bool, np.bool_)):
        return False, bool(normalized)
    raise TypeError("Input type not supported")


def _stft_checks(n, n_fft, hop, win_length, center, pad_mode):
    if not 0 < win_length <= n_fft:
        raise TorchaudioRuntimeError(f"stft: expected 0 < win_length <= n_fft, but got "
                                     f"win_length={win_length}")
    if hop <= 0:
        raise TorchaudioRuntimeError(f"stft: expected hop_length > 0, but got hop_length={hop}")
    if pad_mode not in ("reflect", "constant", "replicate", "circular"):
        raise NotImplementedError(f"pad_mode {pad_mode!r}: torch pads with 'reflect', "
                                  "'constant', 'replicate' or 'circular'")
    p = n_fft // 2
    if center and pad_mode == "reflect" and p >= n:
        raise TorchaudioRuntimeError(f"Padding size should be less than the corresponding input "
                                     f"dimension, but got: padding ({p}, {p}) of an input of "
                                     f"{n} samples (center=True, pad_mode='reflect')")
    if center and pad_mode == "circular" and p > n:
        raise TorchaudioRuntimeError(f"Padding value causes wrapping around more than once: "
                                     f"padding {p} of {n} samples (pad_mode='circular')")
    if center and pad_mode == "replicate" and n == 0:
        raise TorchaudioRuntimeError("replicate padding of an empty signal")
    m = n + 2 * p if center else n
    if m < n_fft:
        raise TorchaudioRuntimeError(f"stft: input of {n} samples is shorter than n_fft {n_fft} "
                                     "(center=False)")


_NP_PAD = {"reflect": "reflect", "constant": "constant", "replicate": "edge", "circular": "wrap"}


def _pad(x, pad):
    """The samples after torchaudio's `pad` (zeros on both sides; a negative pad is none)."""
    if pad > 0:
        x = np.pad(x, ((0, 0), (pad, pad)))
    return x


class Spectrogram(_Base):
    """torchaudio.transforms.Spectrogram: (..., time) -> (..., n_fft // 2 + 1, frames)
    (n_fft bins with onesided=False; complex with power=None): a libwmel plan without a mel
    bank where spec_plan holds the options and the samples are float32, else numpy float64;
    rounded to float32 (complex64)."""

    def __init__(self, n_fft: int = 400, win_length=None, hop_length=None, pad: int = 0,
                 window_fn=None, power=2.0, normalized=False, wkwargs=None,
                 center: bool = True, pad_mode: str = "reflect", onesided: bool = True,
                 return_complex=None):
        super().__init__()
        if return_complex is not None:
            import warnings
            warnings.warn("`return_complex` argument is now deprecated and is not effective."
                          "`torchaudio.transforms.Spectrogram(power=None)` always returns a "
                          "tensor with complex dtype. Please remove the argument in the function "
                          "call.")
        window_fn = _default_window_fn() if window_fn is None else window_fn
        F._bound(n_fft, "n_fft", F.MAX_N_FFT)
        F._bound(win_length, "win_length", F.MAX_N_FFT)
        self.n_fft = n_fft
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        window = window_fn(self.win_length) if wkwargs is None else window_fn(self.win_length, **wkwargs)
        if torch is not None and not _is_torch(window):
            window = torch.as_tensor(np.asarray(window, np.float32))
        self.register_buffer("window", window)
        self.pad = pad
        self.power = power
        self.normalized = normalized
        self.center = center
        self.pad_mode = pad_mode
        self.onesided = onesided
        object.__setattr__(self, "_wmel_state", None)

    def forward(self, waveform):
        return _run(self, "Spectrogram", waveform)

    def _plan(self):
        """(plan, how) of the options, or None where numpy computes (see spec_plan)."""
        key = (_version(self.window), self.n_fft, self.win_length, self.hop_length, self.power,
               str(self.normalized), self.center, self.pad_mode, self.onesided)
        st = self._wmel_state
        if st is not None and st[0] == key:
            return st[1]
        got = spec_plan(self.n_fft, self.win_length, self.hop_length, _np(self.window),
                        self.power, self.normalized, self.center, self.pad_mode, self.onesided)
        object.__setattr__(self, "_wmel_state", (key, got))
        return got

    def _np_forward(self, x, lead):
        got = self._plan() if x.dtype == np.float32 else None
        if got is not None:
            out = mel_np(x, got[0], got[1], self.pad, self.n_fft, self.hop_length,
                         self.win_length, self.center, self.pad_mode)
        else:
            out = spectrogram_np(x, self.pad, _np(self.window), self.n_fft, self.hop_length,
                                 self.win_length, self.power, self.normalized, self.center,
                                 self.pad_mode, self.onesided)
        return out.reshape(tuple(lead) + out.shape[1:])

    def _out_shape(self, lead, n):
        bins = self.n_fft // 2 + 1 if self.onesided else self.n_fft
        return tuple(lead) + (bins, _n_frames(n, self.pad, self.n_fft, self.hop_length,
                                              self.center)), self.power is None


def _stft_np(x, pad, window, n_fft, hop, win_length, normalized, center, pad_mode, onesided):
    """torch.stft's checks on (rows, n) samples, then (frames, bins, blocks): blocks() yields
    (first frame, (rows, frames', bins) complex128) in runs of up to 2048 frames (fewer where
    the frames are long: 2^22 float64 samples a run at most) -- torchaudio.
    functional.spectrogram's complex spectrum (with its normalisation) in numpy float64."""
    n_fft, hop, win_length = (_check_int(v, k, None) for k, v in (
        ("n_fft", n_fft), ("hop_length", hop), ("win_length", win_length)))
    pad = _check_int(pad, "pad", None)
    center = _check_bool(center, "center")
    onesided = _check_bool(onesided, "onesided")
    fl_norm, w_norm = _norms(normalized)
    if window.shape != (win_length,):
        raise TorchaudioRuntimeError(f"stft: expected a 1D window tensor of size equal to "
                                     f"win_length={win_length}, but got window with size "
                                     f"{list(window.shape)}")
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    x = _pad(x, pad)  # float32 samples stay float32 here: each block's product is float64
    n = x.shape[1]
    _stft_checks(n, n_fft, hop, win_length, center, pad_mode)
    if center:
        p = n_fft // 2
        x = np.pad(x, ((0, 0), (p, p)), mode=_NP_PAD[pad_mode])
    T = 1 + (x.shape[1] - n_fft) // hop
    wpad = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    wpad[left:left + win_length] = window
    scale = 1.0
    if fl_norm:
        scale *= n_fft ** -0.5
    if w_norm:
        scale /= math.sqrt(float((window * window).sum()))
    nb = n_fft // 2 + 1 if onesided else n_fft
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft, axis=1)[:, ::hop]

    run = max(1, min(2048, (1 << 22) // (n_fft * max(1, x.shape[0]))))   # <= 32 MiB a block

    def blocks():
        for t0 in range(0, T, run):
            f = frames[:, t0:t0 + run] * wpad
            s = np.fft.rfft(f, axis=2) if onesided else np.fft.fft(f, axis=2)
            if scale != 1.0:
                s *= scale
            yield t0, s
    return T, nb, blocks


def _power_np(s, power):
    """|s| ** power in float64 (any real power, as torch computes it: 0 ** 0 = 1, 0 ** -p = inf)."""
    mag = np.abs(s)
    if power == 1.0:
        return mag
    with np.errstate(divide="ignore", over="ignore"):
        return mag ** power


def _power_arg(power):
    """torchaudio's power: None (the complex spectrum) or a real number."""
    return None if power is None else _check_float(power, "power")


def spectrogram_np(x, pad, window, n_fft, hop, win_length, power, normalized, center, pad_mode,
                   onesided):
    """torchaudio.functional.spectrogram in numpy float64 on (rows, n) samples, rounded once to
    float32 (complex64 with power None)."""
    power = _power_arg(power)
    T, nb, blocks = _stft_np(x, pad, window, n_fft, hop, win_length, normalized, center,
                             pad_mode, onesided)
    rows = np.asarray(x).shape[0]
    out = (np.empty((rows, nb, T), np.complex64) if power is None
           else _out_array((rows, nb, T)))
    for t0, s in blocks():
        v = s if power is None else _power_np(s, power)
        out[:, :, t0:t0 + s.shape[1]] = v.transpose(0, 2, 1)
    return out


def mel_spectrogram_np(x, pad, window, n_fft, hop, win_length, power, normalized, center,
                       pad_mode, fb):
    """MelSpectrogram in numpy float64: spectrogram_np's power spectrum times the (bins, mels)
    float64 bank fb, frame block by block, rounded once to float32."""
    power = _power_arg(power)
    if power is None:
        raise TorchaudioRuntimeError("expected scalar type Float but found ComplexFloat "
                                     "(MelSpectrogram with power=None: the complex spectrum "
                                     "cannot go through the mel bank)")
    T, nb, blocks = _stft_np(x, pad, window, n_fft, hop, win_length, normalized, center,
                             pad_mode, True)
    rows = np.asarray(x).shape[0]
    out = _out_array((rows, fb.shape[1], T))
    for t0, s in blocks():
        out[:, :, t0:t0 + s.shape[1]] = np.matmul(_power_np(s, power), fb).transpose(0, 2, 1)
    return out


class MelScale(_Base):
    """torchaudio.transforms.MelScale: (..., n_stft, time) -> (..., n_mels, time) with the
    buffer fb = melscale_fbanks(n_stft, f_min, f_max, n_mels, sample_rate, norm, mel_scale)."""

    def __init__(self, n_mels: int = 128, sample_rate: int = 16000, f_min: float = 0.0,
                 f_max=None, n_stft: int = 201, norm=None, mel_scale: str = "htk"):
        super().__init__()
        self.n_mels = n_mels
        self.sample_rate = sample_rate
        self.f_max = f_max if f_max is not None else float(sample_rate // 2)
        self.f_min = f_min
        self.n_stft = n_stft
        self.norm = norm
        self.mel_scale = mel_scale
        if f_min > self.f_max:
            raise ValueError("Require f_min: {} <= f_max: {}".format(f_min, self.f_max))
        self.register_buffer("fb", F.melscale_fbanks(n_stft, f_min, self.f_max, n_mels,
                                                     sample_rate, norm, mel_scale))

    def forward(self, specgram):
        if _is_torch(specgram):
            return torch.matmul(specgram.transpose(-1, -2), self.fb).transpose(-1, -2)
        s = np.asarray(specgram)
        fb = _np(self.fb)
        out = np.matmul(np.swapaxes(s, -1, -2).astype(np.float64), fb)
        return np.swapaxes(out, -1, -2).astype(np.float32)


# ---- the plan -----------------------------------------------------------------------------

_PLAN_WINDOWS = (
    ("torch.hann_window (periodic)", _wmel.WINDOW_HANN_PERIODIC,
     lambda i, N: 0.5 - 0.5 * np.cos(2 * math.pi * i / N)),
    ("torch.hann_window(periodic=False)", _wmel.WINDOW_HANN,
     lambda i, N: 0.5 - 0.5 * np.cos(2 * math.pi * i / (N - 1))),
    ("torch.hamming_window(periodic=False)", _wmel.WINDOW_HAMMING,
     lambda i, N: 0.54 - 0.46 * np.cos(2 * math.pi * i / (N - 1))),
    ("torch.blackman_window(periodic=False)", _wmel.WINDOW_BLACKMAN,
     lambda i, N: 0.42 - 0.5 * np.cos(2 * math.pi * i / (N - 1)) + 0.08 * np.cos(4 * math.pi * i / (N - 1))),
    ("torch.bartlett_window(periodic=False)", _wmel.WINDOW_BARTLETT,
     lambda i, N: 1.0 - np.abs(2.0 * i / (N - 1) - 1.0)),
    ("torch.ones (rectangular)", _wmel.WINDOW_RECT, lambda i, N: np.ones(N)),
    ("torch.hamming_window (periodic)", _wmel.WINDOW_HAMMING_PERIODIC,
     lambda i, N: 0.54 - 0.46 * np.cos(2 * math.pi * i / N)),
    ("torch.blackman_window (periodic)", _wmel.WINDOW_BLACKMAN_PERIODIC,
     lambda i, N: 0.42 - 0.5 * np.cos(2 * math.pi * i / N) + 0.08 * np.cos(4 * math.pi * i / N)),
    ("torch.bartlett_window (periodic)", _wmel.WINDOW_BARTLETT_PERIODIC,
     lambda i, N: 1.0 - np.abs(2.0 * i / N - 1.0)),
)


class _Unplanned(ValueError):
    """Options torchaudio takes that libwmel's plans do not hold: numpy float64 computes them."""


def plan_window(w: np.ndarray):
    """(plan window, exact float64 values) of a window's values, within 1e-6 of one of the
    plan's windows (torch computes them in float32); ValueError naming what is held otherwise."""
    N = w.shape[0]
    if N >= 2:
        i = np.arange(N, dtype=np.float64)
        for _, code, f in _PLAN_WINDOWS:
            c = f(i, N)
            if np.max(np.abs(w - c)) <= 1e-6:
                return code, c
    raise _Unplanned("window_fn / wkwargs give a window libwmel's plans do not hold (of "
                     f"{N} samples); the plans take "
                     + ", ".join(n for n, _, _ in _PLAN_WINDOWS))


def mel_plan(sample_rate, n_fft, win_length, hop_length, f_min, f_max, n_mels, window,
             power, normalized, center, pad_mode, norm, mel_scale, linear=False):
    """(plan, framing) of MelSpectrogram's options: framing 'plan' (the plan's own centre
    padding or none) or 'pad' (the centre padding done in numpy, snip framing). _Unplanned
    (a ValueError naming the option) where the plans do not hold the options; torchaudio's
    own errors as torchaudio raises them."""
    sr = _check_int(sample_rate, "sample_rate", None)
    n_fft = _check_int(n_fft, "n_fft", None)
    win_length = _check_int(win_length, "win_length", None)
    hop = _check_int(hop_length, "hop_length", None)
    n_mels = _check_int(n_mels, "n_mels", None)
    center = _check_bool(center, "center")
    fl_norm, w_norm = _norms(normalized)
    if not 1000 <= sr <= 384000 or sr % 2:
        raise _Unplanned(f"sample_rate={sr} is not held by libwmel's plans (they "
                         "take even whole rates 1000..384000 Hz: torchaudio's bank spans "
                         "0..sample_rate // 2, the transform's bins sample_rate / 2)")
    if n_fft % 2 or n_fft < 4:
        raise _Unplanned(f"n_fft={n_fft} is not held by libwmel's plans (their transform "
                         "takes even sizes 4..65536 whose half is a product of 2, 3 and 5)")
    if not 1 <= n_mels <= 256:
        raise _Unplanned(f"n_mels={n_mels} is not held by libwmel's plans (they hold 1..256 mel "
                         "bins)")
    if power is None or _check_float(power, "power") not in (1.0, 2.0):
        raise _Unplanned(f"power={power!r} is not held by libwmel's plans (they compute the "
                         "magnitude, power=1.0, or the power spectrum, power=2.0)")
    if norm not in (None, "slaney"):
        raise ValueError('norm must be one of None or "slaney"')
    if mel_scale not in ("htk", "slaney"):
        raise ValueError('mel_scale should be one of "htk" or "slaney".')
    _stft_checks(10 ** 9, n_fft, hop, win_length, center, pad_mode)
    code, exact = plan_window(window)
    scale = 1.0
    if fl_norm:
        scale /= math.sqrt(n_fft)
    if w_norm:
        scale /= math.sqrt(float((exact * exact).sum()))
    if center and pad_mode in ("reflect", "constant"):
        framing, how = (_FRAMES_CENTER_REFLECT if pad_mode == "reflect"
                        else _FRAMES_CENTER_ZERO), "plan"
    else:
        framing, how = _FRAMES_SNIP, ("pad" if center else "plan")
    plan = _wmel.frontend_preset(_wmel.FRONTEND_KALDI, 0)
    plan.update(sample_rate=sr, frame_length=win_length, hop=hop, n_fft=n_fft, window=code,
                framing=framing, remove_dc=0, preemph=0.0, scale=scale,
                mel_scale=2 if mel_scale == "htk" else 0, mel_norm=1 if norm == "slaney" else 0,
                n_mels=n_mels, power=int(power), log=3, use_energy=0, norm=_wmel.NORM_NONE,
                layout=_wmel.LAYOUT_MELS_FRAMES, low_freq=float(f_min), high_freq=float(f_max),
                bank_flags=1)
    if linear:
        plan.update(linear_bins=1, first_bin=0, bank_flags=0, mel_norm=0)
    if code in (_wmel.WINDOW_BLACKMAN, _wmel.WINDOW_BLACKMAN_PERIODIC):
        plan["window_coeff"] = 0.42
    if not float(f_max) > float(f_min):
        raise _Unplanned(f"f_min={f_min}, f_max={f_max}: libwmel's plans need f_min < f_max")
    why = _wmel.plan_check(plan)
    if why:
        raise _Unplanned(f"options libwmel's plans do not hold: {why}")
    return plan, how


def spec_plan(n_fft, win_length, hop_length, window, power, normalized, center, pad_mode,
              onesided):
    """(plan, framing) of Spectrogram's options through a libwmel plan without a mel bank
    (linear_bins: the n_fft // 2 + 1 bins themselves), or None where the plans do not hold
    them and numpy float64 computes: power None (complex) or other than 1 and 2, onesided
    False, a window not among the plan's, more than 256 bins (n_fft > 510), or a transform
    size the plans do not take. Option errors raise as torchaudio's (the numpy path's)."""
    try:
        n_fft = _check_int(n_fft, "n_fft", None)
        onesided = _check_bool(onesided, "onesided")
        if (power is None or _check_float(power, "power") not in (1.0, 2.0) or not onesided
                or n_fft % 2 or not 4 <= n_fft <= 510 or window.shape != (win_length,)):
            return None
        plan, how = mel_plan(16000, n_fft, win_length, hop_length, 0.0, 8000.0, n_fft // 2 + 1,
                             window, power, normalized, center, pad_mode, None, "htk", linear=True)
    except (ValueError, TypeError):
        return None   # the numpy path raises torchaudio's error, or computes
    return plan, how


def mel_np(x, plan, how, pad, n_fft, hop, win_length, center, pad_mode):
    """The plan's (rows, n_mels, frames) float32 mel spectrogram of (rows, n) samples."""
    x = _pad(x, _check_int(pad, "pad", None))
    n = x.shape[1]
    _stft_checks(n, n_fft, hop, win_length, center, pad_mode)
    x = np.asarray(x, np.float32)
    if how == "pad":
        p = n_fft // 2
        x = np.pad(x, ((0, 0), (p, p)), mode=_NP_PAD[pad_mode])
        n = x.shape[1]
    if plan["framing"] == _FRAMES_SNIP:
        T = 1 + (n - n_fft) // hop
        off = (n_fft - win_length) // 2
        x = x[:, off:off + (T - 1) * hop + win_length]
    ctx = _features._ctx(plan, "cpu", _threads())
    rows, cols = ctx.features_shape(x.shape[1])
    out = _out_array((x.shape[0], rows, cols))
    for b in range(x.shape[0]):
        ctx.features(np.ascontiguousarray(x[b]), out[b])
    return out


class MelSpectrogram(_Base):
    """torchaudio.transforms.MelSpectrogram: (..., time) -> (..., n_mels, frames), computed by
    a libwmel plan or numpy float64 (module docstring). Submodules spectrogram (Spectrogram,
    buffer window) and mel_scale (MelScale, buffer fb), as torchaudio's: a state_dict loads
    either way. A window or bank buffer changed after construction is checked against the
    options' at the next call (the options' own bank is computed)."""

    def __init__(self, sample_rate: int = 16000, n_fft: int = 400, win_length=None,
                 hop_length=None, f_min: float = 0.0, f_max=None, pad: int = 0,
                 n_mels: int = 128, window_fn=None, power: float = 2.0, normalized=False,
                 wkwargs=None, center: bool = True, pad_mode: str = "reflect", onesided=None,
                 norm=None, mel_scale: str = "htk"):
        super().__init__()
        if onesided is not None:
            import warnings
            warnings.warn("Argument 'onesided' has been deprecated and has no influence on the "
                          "behavior of this module.")
        self.sample_rate = sample_rate
        self.n_fft = n_fft
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        self.pad = pad
        self.power = power
        self.normalized = normalized
        self.n_mels = n_mels
        self.f_max = f_max
        self.f_min = f_min
        self.spectrogram = Spectrogram(n_fft=self.n_fft, win_length=self.win_length,
                                       hop_length=self.hop_length, pad=self.pad,
                                       window_fn=window_fn, power=self.power,
                                       normalized=self.normalized, wkwargs=wkwargs, center=center,
                                       pad_mode=pad_mode, onesided=True)
        self.mel_scale = MelScale(self.n_mels, self.sample_rate, self.f_min, self.f_max,
                                  self.n_fft // 2 + 1, norm, mel_scale)
        object.__setattr__(self, "_wmel_state", None)

    def _plan(self):
        """(plan, how, bank): the libwmel plan and its framing, or None where numpy float64
        computes (mel_spectrogram_np); bank is the options' float64 filter bank."""
        s, m = self.spectrogram, self.mel_scale
        key = (_version(s.window), _version(m.fb), s.center, s.pad_mode, self.power,
               str(self.normalized))
        st = self._wmel_state
        if st is not None and st[0] == key:
            return st[1]
        fb = _np(m.fb)
        want = F.melscale_fbanks_np(m.n_stft, m.f_min, m.f_max, m.n_mels, m.sample_rate,
                                    m.norm, m.mel_scale)
        top = np.max(np.abs(want), initial=0.0, where=np.isfinite(want))
        if fb.shape != want.shape or not np.allclose(fb, want, rtol=0.0, equal_nan=True,
                                                     atol=1e-4 * max(1e-30, top)):
            raise ValueError("MelSpectrogram.mel_scale.fb holds another filter bank than its options "
                             "give; libwmel computes the options' bank: set the options, not the "
                             "buffer")
        try:
            plan, how = mel_plan(self.sample_rate, self.n_fft, self.win_length, self.hop_length,
                                 m.f_min, m.f_max, self.n_mels, _np(s.window), self.power,
                                 self.normalized, s.center, s.pad_mode, m.norm, m.mel_scale)
        except _Unplanned:
            plan = how = None
        got = (plan, how, want)
        object.__setattr__(self, "_wmel_state", (key, got))
        return got

    def forward(self, waveform):
        return _run(self, "MelSpectrogram", waveform)

    def _mel(self, x):
        """(rows, n_mels, frames) float32 of (rows, n) samples."""
        plan, how, bank = self._plan()
        s = self.spectrogram
        if plan is not None:
            return mel_np(x, plan, how, self.pad, self.n_fft, self.hop_length, self.win_length,
                          s.center, s.pad_mode)
        return mel_spectrogram_np(x, self.pad, _np(s.window), self.n_fft, self.hop_length,
                                  self.win_length, self.power, self.normalized, s.center,
                                  s.pad_mode, bank)

    def _np_forward(self, x, lead):
        out = self._mel(x)
        return out.reshape(tuple(lead) + out.shape[1:])

    def _out_shape(self, lead, n):
        return tuple(lead) + (self.n_mels, _n_frames(n, self.pad, self.n_fft, self.hop_length,
                                                     self.spectrogram.center)), False


class AmplitudeToDB(_Base):
    """torchaudio.transforms.AmplitudeToDB(stype="power"|"magnitude", top_db=None): 10 or 20
    log10(max(x, 1e-10)), values below the max - top_db raised to it (functional.
    amplitude_to_DB's blocks). Tensors through torch's operations, numpy in float64."""

    def __init__(self, stype: str = "power", top_db=None):
        super().__init__()
        self.stype = stype
        if top_db is not None and top_db < 0:
            raise ValueError("top_db must be positive value")
        self.top_db = top_db
        self.multiplier = 10.0 if stype == "power" else 20.0
        self.amin = 1e-10
        self.ref_value = 1.0
        self.db_multiplier = math.log10(max(self.amin, self.ref_value))

    def forward(self, x):
        return F.amplitude_to_DB(x, self.multiplier, self.amin, self.db_multiplier, self.top_db)


class MFCC(_Base):
    """torchaudio.transforms.MFCC(sample_rate, n_mfcc=40, dct_type=2, norm="ortho",
    log_mels=False, melkwargs=None): MelSpectrogram's plan, then in float64 the dB (top_db 80)
    or ln(m + 1e-6) (log_mels), and the DCT (buffer dct_mat); rounded to float32."""

    def __init__(self, sample_rate: int = 16000, n_mfcc: int = 40, dct_type: int = 2,
                 norm: str = "ortho", log_mels: bool = False, melkwargs=None):
        super().__init__()
        if dct_type not in [2]:
            raise ValueError("DCT type not supported: {}".format(dct_type))
        self.sample_rate = sample_rate
        self.n_mfcc = n_mfcc
        self.dct_type = dct_type
        self.norm = norm
        self.top_db = 80.0
        self.amplitude_to_DB = AmplitudeToDB("power", self.top_db)
        melkwargs = melkwargs or {}
        self.MelSpectrogram = MelSpectrogram(sample_rate=self.sample_rate, **melkwargs)
        if self.n_mfcc > self.MelSpectrogram.n_mels:
            raise ValueError("Cannot select more MFCC coefficients than # mel bins")
        self.register_buffer("dct_mat", F.create_dct(self.n_mfcc, self.MelSpectrogram.n_mels,
                                                     self.norm))
        self.log_mels = log_mels

    def forward(self, waveform):
        return _run(self, "MFCC", waveform)

    def _out_shape(self, lead, n):
        shape, _ = self.MelSpectrogram._out_shape(lead, n)
        return shape[:-2] + (self.n_mfcc, shape[-1]), False

    def _np_forward(self, x, lead):
        mel = self.MelSpectrogram._mel(x).astype(np.float64)
        mel = mel.reshape(tuple(lead) + mel.shape[1:])
        if self.log_mels:
            mel = np.log(mel + 1e-6)
        else:
            a = self.amplitude_to_DB
            mel = F.db_np(mel, a.multiplier, a.amin, a.db_multiplier, a.top_db)
        dct = _np(self.dct_mat)
        out = np.swapaxes(np.matmul(np.swapaxes(mel, -1, -2), dct), -1, -2)
        return out.astype(np.float32)
