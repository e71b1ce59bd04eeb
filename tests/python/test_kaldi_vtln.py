"""Kaldi's VTLN warp (mel-computations.cc, VtlnWarpFreq / VtlnWarpMelFreq) in libwmel's plans
(vtln_warp, vtln_low, vtln_high) and in wmel.kaldi.MelBanks(opts, frame_opts, vtln_warp_factor):
against a float64 oracle written from Kaldi's description of the warp (tests/python/
kaldi_oracle.py), against kaldi-native-fbank 1.23 (its MelBanks: its online computers take no
warp) and torchaudio.compliance.kaldi.fbank(vtln_warp=...) where installed, at every CPU
instruction-set level, and Kaldi's refusals of the cutoffs."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import wmel
import wmel.kaldi as K
from wmel import _wmel
from wmel._kaldi_online import _plan_ctx, plan_features
from wmel._kaldi_plan import fbank_plan

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kaldi_oracle as O  # noqa: E402

try:
    import kaldi_native_fbank as knf
except ImportError:
    knf = None

WARPS = (0.8, 0.9, 1.1, 1.2)
# (mel options, frame options): Kaldi's defaults, other cutoffs, a high_freq below Nyquist
CASES = [({"num_bins": 23}, {}),
         ({"num_bins": 40, "vtln_low": 300.0, "vtln_high": 5000.0}, {}),
         ({"num_bins": 23, "low_freq": 60.0, "high_freq": -400.0, "vtln_high": -1000.0}, {}),
         ({"num_bins": 30, "high_freq": 3700.0, "vtln_low": 150.0, "vtln_high": 3000.0},
          {"samp_freq": 8000.0})]


def _f32(v):
    return float(np.float32(v))


def _oracle_bank(mel, fo, warp):
    fro = K.FrameExtractionOptions(**fo)
    sr, n_fft = fro.samp_freq, fro.padded_window_size()
    return O.kaldi_bank(mel.get("num_bins", 25), mel.get("low_freq", 20.0), mel.get("high_freq", 0.0),
                        n_fft, sr, _f32(warp), _f32(mel.get("vtln_low", 100.0)),
                        _f32(mel.get("vtln_high", -500.0)))


@pytest.mark.parametrize("warp", WARPS)
@pytest.mark.parametrize("mel,fo", CASES)
def test_mel_banks_warped(mel, fo, warp):
    a = K.MelBanks(K.MelBanksOptions(**mel), K.FrameExtractionOptions(**fo), warp)
    o = _oracle_bank(mel, fo, warp)
    # the oracle's bank rounded once to float32
    assert np.all(np.abs(a.get_matrix() - o) <= np.spacing(o.astype(np.float32)) + 1e-12)
    # the warp moves the bank: not the unwarped one
    assert np.abs(o - _oracle_bank(mel, fo, 1.0)).max() > 0.05
    if knf is not None:
        b = knf.MelBanks(knf.MelBanksOptions(**mel), knf.FrameExtractionOptions(**fo), warp)
        assert a.get_matrix().shape == b.get_matrix().shape
        # its float32 mel arithmetic (measured <= 1.1e-5)
        assert np.abs(a.get_matrix() - b.get_matrix()).max() <= 1e-4
        p = np.random.default_rng(1).random(o.shape[1]).astype(np.float32) * 100
        m, n = a.compute(p), np.asarray(b.compute(p))
        assert np.abs(m - n).max() <= 1e-4 * np.abs(n).max()


def _x(n=16000 * 2 + 77, seed=0):
    return (np.random.default_rng(seed).standard_normal(n) * 3000).astype(np.float32)


def _plan(warp, mel=None, fo=None, use_energy=False):
    opts = K.FbankOptions(use_energy=use_energy)
    opts.frame_opts = K.FrameExtractionOptions(dither=0.0, **(fo or {}))
    opts.mel_opts = K.MelBanksOptions(**(mel or {"num_bins": 23}))
    return fbank_plan(opts, vtln_warp=warp)[0]


def _oracle_feats(x, warp, mel=None, fo=None, use_energy=False):
    mel, fo = mel or {"num_bins": 23}, fo or {}
    return O.fbank(x.astype(np.float64), sr=fo.get("samp_freq", 16000.0), n_mels=mel["num_bins"],
                   lo=mel.get("low_freq", 20.0), hi=mel.get("high_freq", 0.0), use_energy=use_energy,
                   warp=_f32(warp), vtln_low=_f32(mel.get("vtln_low", 100.0)),
                   vtln_high=_f32(mel.get("vtln_high", -500.0)))


def _log_close(a, o):
    # one float32 rounding of the float64 value: 4 ulps of the value + 1e-6
    assert np.all(np.abs(a - o) <= 4 * np.spacing(np.abs(o).astype(np.float32)) + 1e-6), \
        np.abs(a - o).max()


@pytest.mark.parametrize("warp", WARPS)
@pytest.mark.parametrize("mel,fo", CASES)
def test_plan_features_warped_vs_oracle(mel, fo, warp):
    x = _x()
    p = _plan(warp, mel, fo, use_energy=True)
    assert p["vtln_warp"] == _f32(warp)
    a = plan_features(_plan_ctx(p), x)
    _log_close(a, _oracle_feats(x, warp, mel, fo, use_energy=True))


_ISA_SCRIPT = r"""
import json, sys
import numpy as np
import wmel.kaldi as K
from wmel._kaldi_plan import fbank_plan
plan, x = json.loads(sys.argv[1]), np.load(sys.argv[2])
from wmel._kaldi_online import _plan_ctx, plan_features
ctx = _plan_ctx(plan)
np.save(sys.argv[3], plan_features(ctx, x))
"""


@pytest.mark.parametrize("isa", ["c", "avx2", "avx512"])
def test_every_isa_level(isa, tmp_path):
    """WMEL_MAX_ISA lowers the kernels' level at context creation (a level the CPU lacks falls
    back): each level's warped features are the oracle's, one rounding."""
    x = _x(16000)
    np.save(tmp_path / "x.npy", x)
    for warp in WARPS:
        p = _plan(warp)
        env = dict(os.environ, WMEL_MAX_ISA=isa)
        r = subprocess.run([sys.executable, "-c", _ISA_SCRIPT, json.dumps(p), str(tmp_path / "x.npy"),
                            str(tmp_path / "o.npy")], env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        _log_close(np.load(tmp_path / "o.npy"), _oracle_feats(x, warp))


def test_features_options_and_json():
    """wmel.features' options (wmel_plan_set) and the plan's JSON carry the warp."""
    x = _x(16000) / 32768.0
    kw = dict(frontend="kaldi", n_mels=23, vtln_warp=0.9, vtln_low=200.0, vtln_high=-800.0)
    a = wmel.features(x, **kw)
    o = O.fbank(x.astype(np.float64) * 32768.0, n_mels=23, warp=0.9, vtln_low=200.0, vtln_high=-800.0)
    _log_close(a, o)
    p = wmel.features_plan(**kw) if hasattr(wmel, "features_plan") else None
    if p is not None:
        assert (p["vtln_warp"], p["vtln_low"], p["vtln_high"]) == (0.9, 200.0, -800.0)
    # 1.0: no warp, the same as without it
    b = wmel.features(x, frontend="kaldi", n_mels=23, vtln_warp=1.0)
    assert np.array_equal(b, wmel.features(x, frontend="kaldi", n_mels=23))


@pytest.mark.parametrize("kw,msg", [
    (dict(vtln_low=100.0), "needs vtln_warp"),
    (dict(vtln_warp=0.001), r"vtln_warp 0.001: .*0, 0\.01\.\.100"),
    (dict(vtln_warp=0.9, vtln_low=10.0), "low_freq \\(20\\) < vtln_low"),
    (dict(vtln_warp=0.9, n_mels=23, vtln_high=8000.0), "vtln_high < the bank's high edge"),
    (dict(vtln_warp=0.9, vtln_low=5000.0, vtln_high=4000.0), "vtln_low < vtln_high"),
    (dict(vtln_warp=0.9, mel_scale="slaney"), "mel_scale kaldi"),
])
def test_plan_refusals(kw, msg):
    with pytest.raises(ValueError, match=msg):
        wmel.features(_x(4000) / 32768.0, frontend="kaldi", **kw)


@pytest.mark.parametrize("mel", [{"vtln_low": 10.0}, {"vtln_low": 0.0}, {"vtln_high": 0.0},
                                 {"vtln_high": 8000.0}, {"vtln_low": 4000.0, "vtln_high": 3000.0},
                                 {"high_freq": -600.0}])
def test_kaldi_refusals(mel):
    """Kaldi's own refusals of the cutoffs, with its message; the original refuses them too."""
    with pytest.raises(ValueError, match="Bad values in options: vtln-low"):
        K.MelBanks(K.MelBanksOptions(**mel), K.FrameExtractionOptions(), 0.9)
    with pytest.raises(ValueError, match="Bad values in options: vtln-low"):
        _plan(0.9, dict(mel, num_bins=23))
    # no warp: the cutoffs are not looked at, as in the original
    K.MelBanks(K.MelBanksOptions(**mel), K.FrameExtractionOptions(), 1.0)
    if knf is not None:
        with pytest.raises(Exception):
            knf.MelBanks(knf.MelBanksOptions(**mel), knf.FrameExtractionOptions(), 0.9)


@pytest.mark.parametrize("warp", WARPS)
def test_vs_torchaudio(warp):
    torch = pytest.importorskip("torch")
    ta = pytest.importorskip("torchaudio.compliance.kaldi")
    x = _x(16000)
    t = ta.fbank(torch.from_numpy(x[None, :].copy()), dither=0.0, energy_floor=0.0, num_mel_bins=23,
                 vtln_warp=warp).numpy()
    a = plan_features(_plan_ctx(_plan(warp)), x)
    assert a.shape == t.shape
    assert np.abs(a - t).max() <= 1e-3           # its float32 arithmetic
