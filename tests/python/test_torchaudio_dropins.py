"""test_torchaudio_dropins.py -- wmel.torchaudio (transforms, functional) and wmel.kaldi's
torchaudio.compliance.kaldi functions (fbank, mfcc, spectrogram): held to the float64 oracle
(torchaudio_oracle.py, no torch needed) and, where torchaudio is installed, to torchaudio 2.11
itself (shapes, frame counts, exceptions, values within stated bounds), torch.vmap and the
gradients (against finite differences of the oracle and torchaudio's autograd).

Bounds: against the oracle a value is within a few float32 roundings of it (the plans compute in
float64 and round once); against torchaudio (float32 throughout) within 1e-4 of the clip's
largest value (mel spectra), 1e-3 log units (Kaldi fbank), 2e-3 x max(1, |v|) (MFCCs).
"""
from __future__ import annotations

import math
import os
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import torchaudio_oracle as O  # noqa: E402

import wmel.kaldi as K  # noqa: E402
from wmel.torchaudio import functional as WF  # noqa: E402
from wmel.torchaudio import transforms as WT  # noqa: E402

EPS32 = 2.0 ** -24

try:
    import torch
    import torchaudio.compliance.kaldi as TA
except ImportError:
    torch = TA = None


def _x(n, rows=1, seed=0, scale=0.3):
    r = np.random.default_rng(seed)
    t = np.arange(n) / 16000.0
    x = scale * np.sin(2 * math.pi * 440 * t) + 0.05 * r.standard_normal((rows, n))
    return x.astype(np.float32)


def _np(a):
    return a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)


def _rel_to_max(a, b):
    """max |a - b| over the largest |b| of each clip (last two axes)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    m = np.abs(b).max(axis=(-2, -1), keepdims=True, initial=0.0)
    return float((np.abs(a - b) / np.maximum(m, 1e-30)).max(initial=0.0))


# ---- the oracle (numpy; no torch) ------------------------------------------------------------

MEL_CASES = [
    {},
    dict(n_fft=512, win_length=400, hop_length=160, n_mels=80),
    dict(center=False, n_fft=512, win_length=300, n_mels=40),
    dict(pad_mode="constant", power=1.0, norm="slaney", mel_scale="slaney", n_mels=64),
    dict(pad_mode="replicate", normalized=True, n_mels=40),
    dict(pad_mode="circular", normalized="frame_length", pad=100, n_mels=40),
    dict(sample_rate=8000, n_fft=256, hop_length=80, f_min=50.0, f_max=3800.0, n_mels=40),
    dict(sample_rate=44100, n_fft=2048, hop_length=512, n_mels=128, norm="slaney"),
]


def _mel_oracle(x, kw):
    kw = dict(kw)
    return O.mel_spectrogram(x.astype(np.float64), **kw)


@pytest.mark.parametrize("kw", MEL_CASES)
def test_mel_spectrogram_vs_oracle(kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # torchaudio's all-zero filter warning
        m = WT.MelSpectrogram(**kw)
    for n in (4000, 16000 * 2 + 77):
        x = _x(n, rows=2, seed=n)
        a = _np(m(x))
        o = _mel_oracle(x, kw)
        assert a.shape == o.shape
        # one float32 rounding of a float64 value (4 ulps allowed) + 1e-12 of the clip's max
        tol = 4 * EPS32 * np.abs(o) + 1e-12 * np.abs(o).max()
        assert np.all(np.abs(a - o) <= tol), float(np.max(np.abs(a - o) / (np.abs(o) + 1e-30)))


def test_mel_spectrogram_batch_shapes():
    m = WT.MelSpectrogram(n_mels=40)
    x = _x(3000, rows=6).reshape(2, 3, 3000)
    a = _np(m(x))
    assert a.shape == (2, 3, 40, 1 + 3000 // 200)
    assert np.array_equal(a[1, 2], _np(m(x[1, 2])))
    assert _np(m(x[0, 0])).shape == (40, 16)


@pytest.mark.parametrize("kw", [{}, dict(power=None), dict(onesided=False, power=1.0),
                                dict(center=False, normalized=True, n_fft=256, hop_length=100),
                                dict(power=0.5, pad_mode="constant")])
def test_spectrogram_vs_oracle(kw):
    x = _x(5000, rows=2)
    mod = WT.Spectrogram(**kw)
    a = _np(mod(x))
    planned = mod._plan() is not None
    # through a plan (power 1 or 2, onesided, a plan's window): the exact window, as
    # MelSpectrogram's; in numpy: the window buffer's values (torch's float32 window), as
    # torchaudio
    o = O.spectrogram(x.astype(np.float64), window_values=None if planned else _np(mod.window),
                      **kw)
    assert planned == (kw.get("power", 2.0) in (1.0, 2.0) and kw.get("onesided", True))
    assert a.shape == o.shape
    assert np.all(np.abs(a - o) <= 4 * EPS32 * np.abs(o) + 1e-12 * np.abs(o).max())
    if planned:   # float64 samples: numpy float64 as they are (the plans read float32)
        assert WT.Spectrogram(**kw)._np_forward(x.astype(np.float64), (2,)).dtype == np.float32


def test_spectrogram_plan_scope():
    """Which Spectrogram options a plan computes (linear_bins) and which numpy does."""
    assert WT.Spectrogram()._plan() is not None
    assert WT.Spectrogram(n_fft=480)._plan() is not None      # 241 bins
    assert WT.Spectrogram(n_fft=512)._plan() is None            # 257 bins: over 256
    assert WT.Spectrogram(power=3.0)._plan() is None
    assert WT.Spectrogram(power=None)._plan() is None
    assert WT.Spectrogram(onesided=False)._plan() is None
    w = lambda n: np.linspace(0.0, 1.0, n).astype(np.float32)   # not a plan window
    assert WT.Spectrogram(window_fn=w)._plan() is None
    assert WT.Spectrogram(n_fft=398)._plan() is None             # 199: not 2^a 3^b 5^c
    x = _x(4000, rows=1)
    for kw in (dict(n_fft=512), dict(n_fft=398), dict(window_fn=w)):
        mod = WT.Spectrogram(**kw)
        o = O.spectrogram(x.astype(np.float64), window_values=_np(mod.window),
                          **{k: v for k, v in kw.items() if k != "window_fn"})
        a = _np(mod(x))
        assert np.all(np.abs(a - o) <= 4 * EPS32 * np.abs(o) + 1e-12 * np.abs(o).max())


def test_kaldi_spectrogram_plan():
    """wmel.kaldi.spectrogram through a plan (n_fft <= 512: the energy column and bins
    1 .. n_fft / 2) against its numpy float64 form (the oracle's steps), and its scope."""
    from wmel import _ta_kaldi
    x = _x(16000, rows=1) * 32768
    base = dict(channel=-1, blackman_coeff=0.42, dither=0.0, energy_floor=0.0, frame_length=25.0,
                frame_shift=10.0, min_duration=0.0, preemphasis_coefficient=0.97,
                raw_energy=True, remove_dc_offset=True, round_to_power_of_two=True,
                sample_frequency=16000.0, snip_edges=True, subtract_mean=False,
                window_type="povey")
    for kw in ({}, dict(raw_energy=False, window_type="hamming", energy_floor=1.0),
               dict(snip_edges=False, preemphasis_coefficient=0.0, remove_dc_offset=False),
               dict(dither=1.0), dict(frame_length=20.0, round_to_power_of_two=False)):
        o = _ta_kaldi.options("spectrogram", dict(base, **kw), 1, x.shape[1])
        assert o["plan"] is not None and o["plan"]["linear_bins"] == 1, kw
        a = _ta_kaldi.compute(x[0], o)
        b = _ta_kaldi._spectrogram(x[0].astype(np.float64), o)
        assert a.shape == b.shape
        # log values: a float32 rounding of each, plus the float64 transforms' difference
        # relative to the frame's largest power (the log of a bin 1e-12 below it)
        assert np.all(np.abs(a - b) <= 4 * EPS32 * np.maximum(np.abs(b), 1.0) + 1e-6), kw
    o = _ta_kaldi.options("spectrogram", dict(base, frame_length=50.0), 1, x.shape[1])
    assert o["plan"] is None          # n_fft 1024: 512 bins, over the plans' 256


@pytest.mark.parametrize("kw", [{}, dict(n_mfcc=13, log_mels=True, melkwargs=dict(n_mels=40)),
                                dict(norm=None, melkwargs=dict(n_fft=512, hop_length=160,
                                                               n_mels=64))])
def test_mfcc_vs_oracle(kw):
    x = _x(8000, rows=2)
    a = _np(WT.MFCC(**kw)(x))
    mk = dict(kw.get("melkwargs") or {})
    mel = O.mel_spectrogram(x.astype(np.float64), **mk)
    if kw.get("log_mels"):
        lm = np.log(mel + 1e-6)
    else:
        lm = O.amplitude_to_db(mel, top_db=80.0)
    d = O.dct(kw.get("n_mfcc", 40), mk.get("n_mels", 128), kw.get("norm", "ortho"))
    o = np.einsum("rmt,mk->rkt", lm, d)
    assert a.shape == o.shape
    # the float32 mel values (relative 2^-24 each) through the dB / log and the DCT
    assert np.abs(a - o).max() <= 2e-4 * max(1.0, np.abs(o).max()), np.abs(a - o).max()


def test_amplitude_to_db_vs_oracle():
    x = np.abs(_x(3000, rows=6)).reshape(2, 3, 10, 300) ** 2
    for top_db in (None, 40.0):
        for shape in ((10, 300), (3, 10, 300), (2, 3, 10, 300)):
            v = x.reshape(-1)[:int(np.prod(shape))].reshape(shape).astype(np.float64)
            a = WT.AmplitudeToDB(top_db=top_db)(v)
            assert np.allclose(a, O.amplitude_to_db(v, top_db=top_db), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="top_db must be positive"):
        WT.AmplitudeToDB(top_db=-1)


def test_melscale_fbanks_vs_oracle():
    for args in ((201, 0.0, 8000.0, 128, 16000, None, "htk"),
                 (257, 20.0, 7600.0, 80, 16000, "slaney", "slaney"),
                 (1025, 0.0, 22050.0, 128, 44100, "slaney", "htk")):
        a = _np(WF.melscale_fbanks(*args))
        o = O.melscale_fbanks(*args)
        assert a.dtype == np.float32 and a.shape == o.shape
        assert np.abs(a - o).max() <= 4 * EPS32 * np.abs(o).max()
    assert np.allclose(_np(WF.create_dct(13, 40, "ortho")), O.dct(13, 40, "ortho"), atol=1e-7)


KALDI_CASES = [
    {},
    dict(snip_edges=False, use_energy=True),
    dict(htk_compat=True, use_energy=True, window_type="blackman", blackman_coeff=0.35),
    dict(window_type="hamming", raw_energy=False, use_energy=True, energy_floor=0.0),
    dict(window_type="hanning", preemphasis_coefficient=0.0, remove_dc_offset=False,
         use_log_fbank=False),
    dict(window_type="rectangular", use_power=False, subtract_mean=True, num_mel_bins=40),
    dict(sample_frequency=8000.0, frame_length=20.0, frame_shift=12.5, round_to_power_of_two=False,
         low_freq=60.0, high_freq=-200.0),
    dict(sample_frequency=44100.0, num_mel_bins=80),
]


@pytest.mark.parametrize("kw", KALDI_CASES)
def test_kaldi_fbank_mfcc_spectrogram_vs_oracle(kw):
    x = _x(16000 + 123) * 3000
    a = K.fbank(x, **kw)
    o = O.kaldi_fbank(x[0], **kw)
    assert a.shape == o.shape
    # subtract_mean: the roundings are those of the values before the mean is taken out
    scale = np.maximum(np.abs(O.kaldi_fbank(x[0], **dict(kw, subtract_mean=False))), 1.0)
    assert np.all(np.abs(a - o) <= 4 * EPS32 * scale + 1e-9)
    mk = {k: v for k, v in kw.items() if k not in ("use_log_fbank", "use_power")}
    a = K.mfcc(x, **mk)
    o = O.kaldi_mfcc(x[0], **mk)
    assert a.shape == o.shape
    if mk.get("subtract_mean"):  # the mean of the float32 cepstra, in numpy float64
        assert np.abs(a - o).max() <= 2e-5 * max(1.0, np.abs(o).max())
    else:  # the plan's cepstra: float64, one rounding
        assert np.all(np.abs(a - o) <= 4 * EPS32 * np.maximum(1.0, np.abs(o)))
    sk = {k: v for k, v in mk.items() if k not in ("use_energy", "htk_compat", "num_mel_bins",
                                                  "low_freq", "high_freq")}
    a = K.spectrogram(x, **sk)
    o = O.kaldi_spectrogram(x[0], **sk)
    assert a.shape == o.shape
    scale = np.maximum(np.abs(O.kaldi_spectrogram(x[0], **dict(sk, subtract_mean=False))), 1.0)
    assert np.all(np.abs(a - o) <= 4 * EPS32 * scale + 1e-9)


@pytest.mark.parametrize("warp", [0.8, 0.9, 1.1, 1.2])
def test_kaldi_fbank_vtln(warp):
    """vtln_warp / vtln_low / vtln_high: Kaldi's warped bank (the plan's VTLN fields), against
    the float64 oracle (kaldi_oracle.py, Kaldi's VtlnWarpMelFreq) and torchaudio where
    installed (its float32: within 1e-4 x max(1, |value|))."""
    import kaldi_oracle as KO
    x = _x(16000 + 321) * 3000
    for kw in (dict(), dict(num_mel_bins=40, vtln_low=300.0, vtln_high=5000.0),
               dict(low_freq=60.0, high_freq=-400.0, vtln_high=-1000.0, use_energy=True)):
        a = K.fbank(x, vtln_warp=warp, **kw)
        o = KO.fbank(x[0].astype(np.float64), n_mels=kw.get("num_mel_bins", 23), lo=kw.get("low_freq", 20.0),
                     hi=kw.get("high_freq", 0.0), use_energy=kw.get("use_energy", False), energy_floor=1.0,
                     warp=warp, vtln_low=kw.get("vtln_low", 100.0), vtln_high=kw.get("vtln_high", -500.0))
        assert a.shape == o.shape
        assert np.all(np.abs(a - o) <= 4 * EPS32 * np.maximum(np.abs(o), 1.0) + 1e-9), (warp, kw)
        assert not np.allclose(a, K.fbank(x, **kw), atol=1e-3)      # the warp shows
        m = K.mfcc(x, vtln_warp=warp, **kw)
        assert m.shape[0] == a.shape[0] and np.all(np.isfinite(m))
        if TA is not None:
            t = TA.fbank(torch.from_numpy(x), vtln_warp=warp, **kw).numpy()
            assert np.abs(a - t).max() <= 1e-4 * max(1.0, np.abs(t).max()), (warp, kw)


def test_kaldi_frame_counts_and_edges():
    L, H = 400, 160
    for n in (L, L + 1, L + H - 1, L + H, 1000, 16001):
        x = _x(n)
        for snip in (True, False):
            want = 1 + (n - L) // H if snip else (n + H // 2) // H
            assert K.fbank(x, snip_edges=snip).shape[0] == want
            assert K.mfcc(x, snip_edges=snip).shape[0] == want
            assert K.spectrogram(x, snip_edges=snip).shape == (want, 257)
    with pytest.raises(AssertionError, match=r"choose a window size 400 that is \[2, 399\]"):
        K.fbank(_x(399))
    with pytest.raises(ValueError):                    # the same exception is a ValueError too
        K.spectrogram(_x(399))
    assert K.fbank(_x(1000), min_duration=1.0).shape == (0,)
    with pytest.raises(RuntimeError, match="min_duration"):
        K.mfcc(_x(1000), min_duration=1.0)


@pytest.mark.parametrize("kind", ["fbank", "mfcc"])
def test_kaldi_errors(kind):
    f = getattr(K, kind)
    x = _x(4000)
    with pytest.raises(AssertionError, match="Must have at least 3 mel bins"):
        f(x, num_mel_bins=3, num_ceps=3) if kind == "mfcc" else f(x, num_mel_bins=3)
    with pytest.raises(AssertionError, match="Invalid channel 1 for size 1"):
        f(x, channel=1)
    with pytest.raises(AssertionError, match="preemphasis_coefficient"):
        f(x, preemphasis_coefficient=1.5)
    with pytest.raises(AssertionError, match="Bad values in options"):
        f(x, low_freq=9000.0)
    with pytest.raises(ValueError, match="Invalid window type"):
        f(x, window_type="sine")
    with pytest.raises(ValueError, match="math domain"):
        f(x, energy_floor=-1.0)
    with pytest.raises(ValueError, match="vtln_warp=0.0 is not supported"):
        f(x, vtln_warp=0.0)
    with pytest.raises(AssertionError, match="vtln-low"):
        f(x, vtln_warp=1.1, vtln_low=10.0)              # torchaudio's range check comes first
    if kind == "mfcc":
        with pytest.raises(AssertionError, match="num_ceps cannot be larger"):
            f(x, num_ceps=30)


def test_dither_generator_matches_the_plans():
    """spectrogram's dither (numpy) is the plans' generator: the energy of dithered silence."""
    from wmel import _ta_kaldi
    z = np.zeros((1, 4000), np.float32)
    kw = dict(dither=1.0, remove_dc_offset=False, energy_floor=0.0)
    e_plan = K.fbank(z, use_energy=True, **kw)[:, 0]
    e_np = K.spectrogram(z, **kw)[:, 0]
    assert np.allclose(e_plan, e_np, rtol=0, atol=1e-5)
    g = _ta_kaldi.dither_gauss(0, np.arange(200), 400)
    assert abs(g.mean()) < 0.01 and abs(g.std() - 1.0) < 0.01


def test_numpy_module_api():
    m = WT.MelSpectrogram(n_mels=40)
    keys = sorted(k for k, _ in m.named_buffers())
    assert keys == ["mel_scale.fb", "spectrogram.window"]
    assert m.to("cpu") is m
    m.eval()
    c = WT.MFCC(n_mfcc=13, melkwargs=dict(n_mels=40))
    assert sorted(c.state_dict()) == ["MelSpectrogram.mel_scale.fb",
                                      "MelSpectrogram.spectrogram.window", "dct_mat"]


# Options libwmel's plans do not hold, which MelSpectrogram computes in numpy float64 (the
# window buffer's float32 values, as torchaudio), and the periodic windows the plans hold.
MEL_WIDE_CASES = [
    (dict(window_fn="hamming"), "plan"),                 # torch.hamming_window: periodic
    (dict(window_fn="blackman", n_mels=40), "plan"),
    (dict(window_fn="bartlett", win_length=300, hop_length=100, n_mels=40), "plan"),
    (dict(window_fn="hamming", wkwargs=dict(periodic=True, alpha=0.6, beta=0.4), n_mels=40),
     "numpy"),
    (dict(window_fn="linear", n_mels=40), "numpy"),       # not a plan window
    (dict(power=3.0, n_mels=40), "numpy"),
    (dict(power=0.5, norm="slaney", mel_scale="slaney", n_mels=40), "numpy"),
    (dict(sample_rate=11025, n_fft=256, n_mels=40), "numpy"),
    (dict(n_fft=398, n_mels=40), "numpy"),                # 199 bins: not 2^a 3^b 5^c
    (dict(n_fft=401, hop_length=160, n_mels=40), "numpy"),
    (dict(n_fft=1024, n_mels=300), "numpy"),             # over the plans' 256 bins
    (dict(f_min=500.0, f_max=500.0, n_mels=10), "numpy"),  # torchaudio's all-zero bank
    (dict(n_mels=0), "numpy"),
]


def _wide(kw):
    kw = dict(kw)
    w = kw.pop("window_fn", None)
    if w == "linear":
        kw["window_fn"] = lambda n: np.linspace(0.1, 1.0, n).astype(np.float32)
    elif w is not None:
        kw["window_fn"] = getattr(WF, w + "_window")
    return kw


@pytest.mark.parametrize("kw,path", MEL_WIDE_CASES)
def test_mel_spectrogram_wide_options_vs_oracle(kw, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # torchaudio's all-zero filter warning
        m = WT.MelSpectrogram(**_wide(kw))
    assert (m._plan()[0] is not None) == (path == "plan"), kw
    x = _x(16000 + 333, rows=2, seed=3)
    a = _np(m(x))
    okw = {k: v for k, v in kw.items() if k not in ("window_fn", "wkwargs")}
    if path == "plan":     # the exact periodic window
        wv = O.window(kw["window_fn"], kw.get("win_length", 400), periodic=True)
    else:                  # the window buffer's values, as torchaudio
        wv = _np(m.spectrogram.window)
    o = O.mel_spectrogram(x.astype(np.float64), window_values=wv, **okw)
    assert a.shape == o.shape and a.dtype == np.float32
    tol = 4 * EPS32 * np.abs(o) + 1e-12 * np.abs(o).max(initial=0.0)
    assert np.all(np.abs(a - o) <= tol), float(np.max(np.abs(a - o) / (np.abs(o) + 1e-30)))
    if path == "numpy":    # MFCC on the same options takes the same path
        if kw.get("n_mels", 128) >= 13 and kw.get("f_min") is None:
            mk = _wide(kw)
            c = WT.MFCC(mk.pop("sample_rate", 16000), n_mfcc=13, melkwargs=mk)(x)
            assert c.shape == (2, 13, o.shape[-1]) and np.all(np.isfinite(c))


def test_mel_spectrogram_errors():
    x = _x(4000)
    with pytest.raises(RuntimeError, match="ComplexFloat"):       # torch's matmul error
        WT.MelSpectrogram(power=None)(x)
    with pytest.raises(ValueError, match="Invalid normalized parameter"):
        WT.MelSpectrogram(normalized="both")(x)
    with pytest.raises(RuntimeError, match="Padding size"):
        WT.MelSpectrogram()(x[:, :200])
    with pytest.raises(RuntimeError, match="Padding size"):      # the numpy path too
        WT.MelSpectrogram(n_fft=401)(x[:, :200])
    with pytest.raises(ValueError, match="Require f_min"):
        WT.MelSpectrogram(f_min=9000.0)
    with pytest.raises(ValueError, match="norm must be one of"):
        WT.MelSpectrogram(norm="htk")


_BOUND_CHILD = r"""
import resource, sys
from wmel.torchaudio import functional as F, transforms as T
with open("/proc/self/status") as f:
    vm = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize:"))
lim = vm + (256 << 20)          # 256 MiB of address space beyond what is mapped now
resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
cases = [("n_fft", lambda: T.Spectrogram(n_fft=10 ** 9)),
         ("win_length", lambda: T.Spectrogram(n_fft=400, win_length=10 ** 9)),
         ("n_fft", lambda: T.MelSpectrogram(n_fft=10 ** 9)),
         ("n_mels", lambda: T.MelSpectrogram(n_mels=10 ** 6)),
         ("n_mels", lambda: T.MelScale(n_mels=10 ** 5, n_stft=10 ** 5)),
         ("n_mels", lambda: F.melscale_fbanks(10 ** 6, 0.0, 8000.0, 10 ** 4, 16000)),
         ("n_mfcc", lambda: F.create_dct(10 ** 5, 10 ** 5, "ortho")),
         ("n_mfcc", lambda: T.MFCC(n_mfcc=6000, melkwargs=dict(n_mels=6000)))]
for name, make in cases:
    try:
        make()
    except ValueError as e:
        m = str(e)
        assert name + "=" in m and "bound" in m and ("1048576" in m or "33554432" in m), m
    else:
        raise AssertionError(name + ": built")
print("refused")
"""


def test_sizes_past_the_bound_refused_without_allocating():
    """n_fft / win_length above 2^20 and banks or DCT matrices above 2^25 entries raise
    ValueError naming the option and the bound, before anything of their size is allocated
    (in a child whose address space is 256 MiB above what it has mapped)."""
    import subprocess
    r = subprocess.run([sys.executable, "-c", _BOUND_CHILD], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "OMP_NUM_THREADS": "1",
                                         "OPENBLAS_NUM_THREADS": "1"})
    assert r.returncode == 0 and "refused" in r.stdout, r.stderr[-2000:]


def test_sizes_at_real_use_accepted():
    """The bounds are far above real use: n_fft 2^16 with 512 mels, MFCC's DCT of 128 x 512,
    windows past 2^16 samples (computed in blocks) equal the formula."""
    m = WT.MelSpectrogram(n_fft=2 ** 16, n_mels=512, sample_rate=48000)
    assert tuple(np.asarray(m.mel_scale.fb).shape) == (2 ** 15 + 1, 512)
    assert tuple(np.asarray(WF.create_dct(128, 512, "ortho")).shape) == (512, 128)
    n = 3 * 2 ** 16 + 5
    i = np.arange(n)
    assert np.array_equal(np.asarray(WF.hann_window(n)),
                          (0.5 - 0.5 * np.cos(2 * math.pi * i / n)).astype(np.float32))
    assert np.array_equal(np.asarray(WF.bartlett_window(n, periodic=False)),
                          (1.0 - np.abs(2.0 * i / (n - 1) - 1.0)).astype(np.float32))
    with pytest.raises(ValueError, match="n_fft=1048577 is above"):
        WT.Spectrogram(n_fft=2 ** 20 + 1)


# ---- torchaudio itself -----------------------------------------------------------------------

def _ta():
    pytest.importorskip("torch")
    return pytest.importorskip("torchaudio")


@pytest.mark.parametrize("kw", MEL_CASES + [
    dict(window_fn="hamming_sym", n_mels=40), dict(window_fn="blackman_sym", n_mels=40),
    dict(window_fn="bartlett_sym", n_mels=40, win_length=300, hop_length=100)]
    + [kw for kw, _ in MEL_WIDE_CASES if kw.get("window_fn") != "linear"])
def test_mel_spectrogram_vs_torchaudio(kw):
    ta = _ta()
    import torch
    kw = dict(kw)
    if isinstance(kw.get("window_fn"), str):
        sym = kw["window_fn"].endswith("_sym")
        kw["window_fn"] = getattr(torch, kw["window_fn"].replace("_sym", "") + "_window")
        if sym:
            kw["wkwargs"] = {"periodic": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = WT.MelSpectrogram(**kw), ta.transforms.MelSpectrogram(**kw)
    r = np.random.default_rng(1)
    nf = kw.get("n_fft", 400)
    edges = [nf // 2, nf // 2 + 1, nf - 1, nf, nf + 1, 1025, 2048, 2049]
    for n in [int(v) for v in r.integers(1100, 40000, 3)] + edges:
        x = torch.from_numpy(_x(n, rows=2, seed=n)).reshape(2, 1, n)
        try:
            b = theirs(x)
        except RuntimeError as e:                      # too short for the padding or a frame
            with pytest.raises(type(e)):
                ours(x)
            continue
        a = ours(x)
        assert a.shape == b.shape and a.dtype == b.dtype
        assert _rel_to_max(_np(a), _np(b)) <= 1e-4


@pytest.mark.parametrize("kw", [{}, dict(power=None), dict(onesided=False, power=1.0),
                                dict(center=False, normalized=True), dict(pad=37, power=0.7),
                                dict(power=0.0)])
def test_spectrogram_vs_torchaudio(kw):
    ta = _ta()
    import torch
    x = torch.from_numpy(_x(7001, rows=3))
    a, b = WT.Spectrogram(**kw)(x), ta.transforms.Spectrogram(**kw)(x)
    assert a.shape == b.shape and a.dtype == b.dtype
    d, m = np.abs(_np(a) - _np(b)), np.abs(_np(b)).max(axis=(-2, -1), keepdims=True)
    assert (d / m).max() <= 1e-5


@pytest.mark.parametrize("kw", [{}, dict(n_mfcc=13, log_mels=True, melkwargs=dict(n_mels=40)),
                                dict(norm=None, melkwargs=dict(n_fft=512, hop_length=160,
                                                               n_mels=64))])
def test_mfcc_and_db_vs_torchaudio(kw):
    ta = _ta()
    import torch
    x = torch.from_numpy(_x(16000, rows=2)).reshape(2, 1, 16000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = WT.MFCC(**kw)(x), ta.transforms.MFCC(**kw)(x)
    assert a.shape == b.shape
    assert np.abs(_np(a - b)).max() <= 2e-3 * max(1.0, float(b.abs().max()))
    s = ta.transforms.MelSpectrogram(n_mels=40)(x)
    for top_db in (None, 60.0):
        assert torch.equal(WT.AmplitudeToDB("magnitude", top_db)(s),
                           ta.transforms.AmplitudeToDB("magnitude", top_db)(s))


def test_module_state_and_errors_vs_torchaudio():
    ta = _ta()
    import torch
    m, t = WT.MelSpectrogram(n_mels=40), ta.transforms.MelSpectrogram(n_mels=40)
    assert sorted(m.state_dict()) == sorted(t.state_dict())
    assert isinstance(m, torch.nn.Module)
    m.load_state_dict(t.state_dict())                  # torchaudio's float32 buffers: accepted
    x = torch.from_numpy(_x(3000))
    assert m(x).shape == t(x).shape
    m.mel_scale.fb.mul_(2.0)                           # another bank: refused, not ignored
    with pytest.raises(ValueError, match="another filter bank"):
        m(x)
    for bad in (dict(n_fft=400, win_length=500), dict(hop_length=0)):
        with pytest.raises(RuntimeError):
            t = ta.transforms.MelSpectrogram(n_mels=40, **bad)(x)
        with pytest.raises(RuntimeError):
            WT.MelSpectrogram(n_mels=40, **bad)(x)
    for mod in (WT.MelSpectrogram(n_mels=40), ta.transforms.MelSpectrogram(n_mels=40)):
        with pytest.raises(RuntimeError):
            mod(x[..., :100])                             # reflect padding longer than the input
        with pytest.raises(RuntimeError):
            type(mod)(n_mels=40, center=False)(x[..., :300])
    y = x.clone().requires_grad_()
    with pytest.raises(RuntimeError, match="does not compute gradients"):
        WT.MelSpectrogram(n_mels=40)(y)
    with torch.no_grad():
        assert WT.MelSpectrogram(n_mels=40)(y).shape == (1, 40, 16)


@pytest.mark.parametrize("kw", KALDI_CASES + [dict(dither=0.0, num_mel_bins=80,
                                                   window_type="hamming")])
def test_kaldi_vs_torchaudio(kw):
    ta = _ta()
    import torch
    from torchaudio.compliance import kaldi as tk
    r = np.random.default_rng(2)
    for n in [int(v) for v in r.integers(1500, 40000, 2)] + [1103]:
        t = torch.from_numpy(_x(n, seed=n) * 3000)
        a, b = K.fbank(t, **kw), tk.fbank(t, **kw)
        assert a.shape == b.shape and a.dtype == b.dtype
        if kw.get("use_log_fbank", True):
            assert float((a - b).abs().max()) <= 1e-3
        else:
            assert _rel_to_max(_np(a), _np(b)) <= 1e-4
        mk = {k: v for k, v in kw.items() if k not in ("use_log_fbank", "use_power")}
        a, b = K.mfcc(t, **mk), tk.mfcc(t, **mk)
        assert a.shape == b.shape
        assert float((a - b).abs().max()) <= 2e-3 * max(1.0, float(b.abs().max()))
        sk = {k: v for k, v in mk.items() if k not in ("use_energy", "htk_compat",
                                                      "num_mel_bins", "low_freq", "high_freq")}
        a, b = K.spectrogram(t, **sk), tk.spectrogram(t, **sk)
        assert a.shape == b.shape
        assert float((a[:, 0] - b[:, 0]).abs().max()) <= 1e-3   # the log energy
        pa, pb = a[:, 1:].double().exp(), b[:, 1:].double().exp()   # the power, per frame
        assert float(((pa - pb).abs() / pb.amax(dim=1, keepdim=True)).max()) <= 1e-5


def test_kaldi_errors_match_torchaudio():
    _ta()
    import torch
    from torchaudio.compliance import kaldi as tk
    x = torch.from_numpy(_x(4000))
    for kind, bad in [("fbank", dict(num_mel_bins=3)), ("fbank", dict(channel=2)),
                      ("fbank", dict(frame_length=500.0)), ("fbank", dict(frame_shift=0.01)),
                      ("fbank", dict(round_to_power_of_two=False, frame_length=25.0625)),
                      ("fbank", dict(preemphasis_coefficient=-0.1)),
                      ("fbank", dict(high_freq=9000.0)), ("fbank", dict(window_type="kaiser")),
                      ("fbank", dict(energy_floor=-2.0)), ("mfcc", dict(num_ceps=24)),
                      ("spectrogram", dict(frame_length=300.0)),
                      ("mfcc", dict(min_duration=1.0))]:
        with pytest.raises(Exception) as theirs:
            getattr(tk, kind)(x, **bad)
        with pytest.raises(Exception) as ours:
            getattr(K, kind)(x, **bad)
        assert isinstance(ours.value, type(theirs.value)), (kind, bad, ours.value, theirs.value)
    assert K.fbank(x, min_duration=1.0).shape == tk.fbank(x, min_duration=1.0).shape == (0,)


def test_kaldi_vmap_and_grad():
    ta = _ta()
    import torch
    from functools import partial
    from torchaudio.compliance import kaldi as tk
    w = torch.from_numpy(_x(16000 + 37, rows=4, seed=5)).reshape(4, 1, -1) * 32768
    for name in ("fbank", "mfcc", "spectrogram"):
        ours = torch.vmap(partial(getattr(K, name), snip_edges=False))(w)
        one = torch.stack([getattr(K, name)(v, snip_edges=False) for v in w])
        assert torch.equal(ours, one)
        ref = torch.stack([getattr(tk, name)(v, snip_edges=False) for v in w])
        assert ours.shape == ref.shape
    w2 = torch.stack([w, w.flip(0)], 1)                     # nested: (2, 4... ) batch dims
    out = torch.vmap(torch.vmap(K.fbank))(w2.transpose(0, 1))
    assert out.shape == (2, 4, 98, 23)
    # gradients through vmap: each clip's, as torchaudio's (float64 autograd) gives them
    x = (w[:3] / 32768 * 1000).double().requires_grad_()
    out = torch.vmap(K.fbank)(x)
    g = torch.randn_like(out)
    (gx,) = torch.autograd.grad((out * g).sum(), x)
    x2 = x.detach().clone().requires_grad_()
    (gt,) = torch.autograd.grad((torch.stack([tk.fbank(v) for v in x2]) * g).sum(), x2)
    assert float((gx - gt).abs().max() / gt.abs().max()) <= 1e-5
    assert ta is not None


def test_kaldi_vmap_dither_per_clip():
    """Under torch.vmap each clip gets its own dither noise: clip k's is that of a call alone
    with the seed clip_seed(seed, (k,)); nested vmaps key on both indices; dither 0 is exact."""
    _ta()
    import torch
    from wmel import _ta_kaldi
    z = torch.zeros(4, 1, 8000)
    kw = dict(dither=1.0, remove_dc_offset=False, energy_floor=0.0, use_energy=True,
              num_mel_bins=23)
    old = K.get_dither_seed()
    try:
        K.set_dither_seed(7)
        out = torch.vmap(lambda v: K.fbank(v, **kw))(z)
        for k in range(4):
            for j in range(k):
                assert not torch.equal(out[k], out[j]), (k, j)
            K.set_dither_seed(_ta_kaldi.clip_seed(7, (k,)))
            alone = K.fbank(z[k], **kw)
            assert torch.equal(out[k], alone), k
        K.set_dither_seed(7)
        # statistics: the log energy of L = 400 samples of unit Gaussian noise, ln(400) on
        # average (chi-square 400: E ln = ln 400 - 1/400 + O(1/L^2), sd sqrt(2/400)); the
        # frames of the 4 clips (196) give a mean within 4 sd / sqrt(196) of it
        e = out[..., 0].double()
        assert abs(float(e.mean()) - (math.log(400.0) - 1 / 400)) < 4 * math.sqrt(2 / 400) / 14
        # the clips' noises are uncorrelated: their log energies' correlation is small
        c = np.corrcoef(e.numpy())
        assert np.abs(c[np.triu_indices(4, 1)]).max() < 0.5
        # nested: (2, 4) clips, all distinct, clip (i, j) keyed on j (inner) then i
        z2 = torch.zeros(2, 4, 1, 4000)
        o2 = torch.vmap(torch.vmap(lambda v: K.fbank(v, **kw)))(z2).reshape(8, -1)
        assert len({o2[i].numpy().tobytes() for i in range(8)}) == 8
        # dither 0: every clip exactly its call alone
        w = torch.from_numpy(_x(8000, rows=3, seed=2)).reshape(3, 1, -1) * 32768
        o0 = torch.vmap(lambda v: K.fbank(v, dither=0.0))(w)
        assert torch.equal(o0, torch.stack([K.fbank(v, dither=0.0) for v in w]))
    finally:
        K.set_dither_seed(old)


def test_cuda_tensors_host_computed():
    """A CUDA tensor is computed on the host (copied there and back): the result is on the
    input's device, in its dtype, and bit for bit the CPU tensor's result."""
    _ta()
    import torch
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA device")
    x = torch.from_numpy(_x(16000, rows=2, seed=3))
    dev = torch.device("cuda")
    for mod in (WT.MelSpectrogram(n_mels=40), WT.MFCC(n_mfcc=13), WT.Spectrogram(),
                WT.Spectrogram(power=None)):
        want = mod(x)
        got = mod.to(dev)(x.to(dev))
        assert got.device == x.to(dev).device and got.dtype == want.dtype
        assert torch.equal(got.cpu(), want)
        assert torch.equal(torch.vmap(mod)(x.to(dev)).cpu(), torch.vmap(mod.cpu())(x))
    w = x[:1] * 32768
    for f in (K.fbank, K.mfcc, K.spectrogram):
        got = f(w.to(dev))
        assert got.device.type == "cuda" and torch.equal(got.cpu(), f(w))


def test_clip_seed():
    from wmel import _ta_kaldi
    assert _ta_kaldi.clip_seed(5) == 5
    assert _ta_kaldi.clip_seed(5, (0,)) == (5 * 0x9E3779B1 + 1) % 2 ** 32
    s = {_ta_kaldi.clip_seed(0, (i, j)) for i in range(64) for j in range(64)}
    assert len(s) == 64 * 64


GRAD_CASES = [
    ("fbank", {}), ("fbank", dict(snip_edges=False, use_energy=True)),
    ("fbank", dict(use_energy=True, raw_energy=False, htk_compat=True, window_type="hamming")),
    ("fbank", dict(use_power=False, use_log_fbank=False, subtract_mean=True,
                   remove_dc_offset=False, preemphasis_coefficient=0.0)),
    ("mfcc", {}), ("mfcc", dict(use_energy=True, htk_compat=True, snip_edges=False,
                                window_type="blackman")),
    ("mfcc", dict(htk_compat=True, cepstral_lifter=0.0, subtract_mean=True)),
    ("spectrogram", {}), ("spectrogram", dict(raw_energy=False, snip_edges=False,
                                              energy_floor=0.0)),
]


@pytest.mark.parametrize("kind,kw", GRAD_CASES)
def test_kaldi_gradient_vs_finite_differences(kind, kw):
    """wmel._ta_kaldi.backward (the op's backward) against central differences of the float64
    oracle, on a tiny input (a gradcheck without torch: the op's own forward is rounded to
    float32, too coarse for finite differences)."""
    from wmel import _ta_kaldi
    oracle = {"fbank": O.kaldi_fbank, "mfcc": O.kaldi_mfcc, "spectrogram": O.kaldi_spectrogram}[kind]
    kw = dict(kw, sample_frequency=1000.0, frame_length=25.0, frame_shift=10.0)
    if kind != "spectrogram":
        kw.update(num_mel_bins=8, low_freq=20.0)
    if kind == "mfcc":
        kw["num_ceps"] = 6
    x = np.random.default_rng(7).standard_normal(67) * 100
    full = dict(channel=-1, blackman_coeff=0.42, dither=0.0, energy_floor=1.0, high_freq=0.0,
                htk_compat=False, low_freq=20.0, min_duration=0.0, num_mel_bins=23,
                preemphasis_coefficient=0.97, raw_energy=True, remove_dc_offset=True,
                round_to_power_of_two=True, snip_edges=True, subtract_mean=False,
                use_energy=False, use_log_fbank=True, use_power=True, vtln_high=-500.0,
                vtln_low=100.0, vtln_warp=1.0, window_type="povey", num_ceps=13,
                cepstral_lifter=22.0)
    o = _ta_kaldi.options(kind, dict(full, **kw), 1, x.shape[0])
    y0 = oracle(x, **kw)
    g = np.random.default_rng(8).standard_normal(y0.shape)
    ga = _ta_kaldi.backward(x, o, g)
    h = 1e-4
    gn = np.empty_like(x)
    for i in range(x.shape[0]):
        d = np.zeros_like(x)
        d[i] = h
        gn[i] = ((oracle(x + d, **kw) - oracle(x - d, **kw)) * g).sum() / (2 * h)
    # central differences: error O(h^2) in the third derivative; bound 1e-6 of the largest
    assert np.abs(ga - gn).max() <= 1e-6 * np.abs(gn).max(), np.abs(ga - gn).max() / np.abs(gn).max()


@pytest.mark.parametrize("kind,kw", GRAD_CASES)
def test_kaldi_gradient_vs_torchaudio(kind, kw):
    _ta()
    import torch
    from torchaudio.compliance import kaldi as tk
    x = (torch.from_numpy(_x(3001, rows=2, seed=4)).double() * 1000).requires_grad_()
    out = getattr(K, kind)(x, channel=1, **kw)
    g = torch.randn_like(out)
    (ga,) = torch.autograd.grad((out * g).sum(), x)
    x2 = x.detach().clone().requires_grad_()
    (gt,) = torch.autograd.grad((getattr(tk, kind)(x2, channel=1, **kw) * g).sum(), x2)
    assert ga.dtype == torch.float64 and float(ga[0].abs().max()) == 0.0
    # torchaudio builds its mel bank in float32: 1e-5 of the largest component
    assert float((ga - gt).abs().max()) <= 1e-5 * float(gt.abs().max())


def test_kaldi_op_opcheck_and_dither_distribution():
    _ta()
    import json
    import torch
    from torchaudio.compliance import kaldi as tk
    kw = dict(kind="fbank", channel=-1, blackman_coeff=0.42, dither=0.0, energy_floor=1.0,
              frame_length=25.0, frame_shift=10.0, high_freq=0.0, htk_compat=False,
              low_freq=20.0, min_duration=0.0, num_mel_bins=23, preemphasis_coefficient=0.97,
              raw_energy=True, remove_dc_offset=True, round_to_power_of_two=True,
              sample_frequency=16000.0, snip_edges=False, subtract_mean=False, use_energy=True,
              use_log_fbank=True, use_power=True, vtln_high=-500.0, vtln_low=100.0,
              vtln_warp=1.0, window_type="povey")
    x = torch.from_numpy(_x(3000)[0] * 3000)
    torch.library.opcheck(torch.ops.wmel.ta_kaldi.default, (x, json.dumps(kw)),
                          test_utils=("test_schema", "test_faketensor"))
    torch.library.opcheck(torch.ops.wmel.ta_kaldi.default,
                          (x.double().requires_grad_(), json.dumps(kw)),
                          test_utils=("test_schema", "test_autograd_registration"))
    # dither on silence: the features of the noise alone, wmel's generator against torch's randn
    z = torch.zeros(1, 16000 * 4)
    torch.manual_seed(0)
    a = K.fbank(z, dither=1.0, num_mel_bins=40, energy_floor=0.0)
    b = tk.fbank(z, dither=1.0, num_mel_bins=40, energy_floor=0.0)
    assert abs(float(a.mean() - b.mean())) <= 0.05
    assert abs(float(a.std() / b.std()) - 1.0) <= 0.1


def test_transforms_vmap_and_meta():
    ta = _ta()
    import torch
    from wmel import _torch_op
    x = torch.from_numpy(_x(8000, rows=6, seed=9)).reshape(3, 2, 8000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, kw in (("MelSpectrogram", dict(n_mels=40)),
                         ("MFCC", dict(melkwargs=dict(n_mels=40))),
                         ("Spectrogram", dict(power=None))):
            ours, theirs = getattr(WT, name)(**kw), getattr(ta.transforms, name)(**kw)
            for v in (x, x[:, 0]):                   # (3, 2, n) and (3, n) under vmap
                a, b = torch.vmap(ours)(v), torch.vmap(theirs)(v)
                assert a.shape == b.shape and a.dtype == b.dtype
                assert torch.equal(a, torch.stack([ours(e) for e in v]))
                scale = max(1.0, float(b.abs().max())) if name == "MFCC" else float(b.abs().max())
                assert float((a - b).abs().max()) <= 2e-3 * scale
            meta = ours(torch.empty(3, 2, 8000, device="meta"))
            assert meta.shape == ours(x).shape and meta.dtype == ours(x).dtype
            torch.library.opcheck(torch.ops.wmel.ta_transform.default,
                                  (x, _torch_op.transform_key(ours)),
                                  test_utils=("test_schema", "test_faketensor"))
