"""wmel.diagnose(port, preset) on ports in another geometry than the claim's (the hop read from
the probes' frame counts, the window from the libraries' own rules), with deltas appended to
cepstra, with both band edges off the search's grid, with log1p's guard, a float32 port whose
decibels' floor few cells of the first probe reach, and a port whose values are relative to each
clip's max (refused with that reason). Each port states its truth as a plan; the answer must
name the convention and its plan must reproduce the port on a clip the fit never saw."""
import os
import sys

import numpy as np
import pytest

import wmel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diagnose_ports import answered, fields, held_out, plan_port  # noqa: E402


# keras.layers.MelSpectrogram() with its defaults: 2048-point frames every 512 samples, centred
# (reflect), periodic Hann, |X|^2, TF's bank 20 Hz .. sr / 2 (128 mels), decibels floored at the
# array's max less 80 dB, (mels, frames) with a batch axis
KERAS = {"frontend": "kaldi", "n_mels": 128, "window": "hann_periodic", "scale": 1, "remove_dc": False,
         "preemph": 0, "mel_scale": "tf", "mel_norm": "none", "low_freq": 20, "high_freq": 0, "power": 2,
         "frame_length": 2048, "hop": 512, "n_fft": 2048, "framing": "center_reflect", "valid": "all",
         "log": "log10_clamp", "log_guard": 1e-10, "normalize": "whole", "norm_range": 8, "post_scale": 40,
         "post_shift": -40, "layout": "mels_frames"}


def test_keras_defaults_claimed_as_whisper():
    port = plan_port(KERAS)
    r = wmel.diagnose(port, "whisper")
    answered(r, port, tol=1e-4)
    f = fields(r)
    assert f.get("hop") == "512" and f.get("n_fft") == "2048" and f.get("n_mels") == "128", f
    assert "keras" in r["notes"], r["notes"]


def test_keras_itself_where_installed():
    # Keras computes in float32: its start with the floor and the one without are as near on the
    # first probe (a few cells reach the floor), within float32's noise; the other probes tell
    # them apart
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    keras = pytest.importorskip("keras")
    layer = keras.layers.MelSpectrogram(sampling_rate=16000)

    def port(x):
        return np.asarray(layer(x[None, :]))
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"], (r["notes"], r["differences"])
    x = held_out()
    got, want = np.squeeze(wmel.features(x, plan=r["plan"])), np.squeeze(port(x))
    assert got.shape == want.shape and np.max(np.abs(got - want) / np.maximum(1, np.abs(want))) <= 1e-3
    assert r["plan"].get("normalize") == "whole", r["plan"]


def test_decibels_in_float32_keras_geometry():
    # the same conventions as a plan with a float32-sized wobble before the floor
    plan = dict(KERAS, normalize="none", post_scale=10, post_shift=0)
    del plan["norm_range"]

    def port(x):
        db = wmel.features(x, plan=plan)
        db = db + (2e-6 * np.abs(db) + 1e-6) * np.cos(np.arange(db.size, dtype=np.float32)).reshape(db.shape)
        return np.maximum(db, db.max() - 80).astype(np.float32)
    r = wmel.diagnose(port, "whisper")
    answered(r, port, tol=1e-3)
    assert r["plan"].get("normalize") == "whole", r["plan"]


def test_torchaudio_defaults_at_hop_200_claimed_as_whisper():
    # torchaudio.transforms.MelSpectrogram(16000): n_fft 400, hop n_fft // 2, 128 HTK mels
    # without norm, centred (reflect); then ln(m + 1e-6)
    plan = {"frontend": "nemo", "normalize": "none", "n_mels": 128, "window": "hann_periodic", "low_freq": 0,
            "high_freq": 0, "mel_scale": "htk", "mel_norm": "none", "power": 2, "preemph": 0, "remove_dc": False,
            "frame_length": 400, "hop": 200, "n_fft": 400, "framing": "center_reflect", "valid": "all",
            "log": "ln_add", "log_guard": 1e-6, "layout": "mels_frames"}
    port = plan_port(plan)
    r = wmel.diagnose(port, "whisper")
    answered(r, port, tol=1e-4)
    assert fields(r).get("hop") == "200", r["differences"]


def test_cepstra_with_deltas_from_a_library_start():
    # python_speech_features: mfcc(x, 16000, appendEnergy=False), then np.hstack([m, delta(m, 2)])
    plan = {"frontend": "kaldi", "n_mels": 26, "window": "rect", "scale": 1 / np.sqrt(512), "low_freq": 0,
            "high_freq": 0, "mel_scale": "htk", "mel_norm": "none", "snap_bins": True, "remove_dc": False,
            "preemph": 0.97, "preemph_mode": "signal", "framing": "snip", "valid": "all", "pad_right": 159,
            "log": "ln_zero", "log_guard": 2.220446049250313e-16, "n_ceps": 13, "cepstral_lifter": 22,
            "delta_win": 5}
    port = plan_port(plan)
    r = wmel.diagnose(port, "lhotse-mfcc")
    answered(r, port, tol=1e-4)
    assert fields(r).get("delta_win") == "5", r["differences"]


def test_both_band_edges_off_the_grid():
    # torchaudio.compliance.kaldi.fbank(window_type='blackman', low_freq=40, high_freq=-200,
    # snip_edges=False) on samples in [-1, 1], claimed as lhotse's Fbank
    port = plan_port("lhotse-fbank", window="blackman", low_freq=40, high_freq=-200)
    r = wmel.diagnose(port, "lhotse-fbank")
    answered(r, port, tol=1e-4)
    f = fields(r)
    assert f.get("low_freq") == "40" and f.get("high_freq") == "-200" and f.get("window") == "blackman", f


def test_log1p():
    # torch.log1p(torchaudio's MelSpectrogram(n_fft=400, hop_length=160, n_mels=80)): ln(m + 1)
    plan = {"frontend": "nemo", "normalize": "none", "window": "hann_periodic", "low_freq": 0, "high_freq": 0,
            "mel_scale": "htk", "mel_norm": "none", "power": 2, "preemph": 0, "framing": "center_reflect",
            "valid": "all", "log": "ln_add", "log_guard": 1, "layout": "mels_frames"}
    port = plan_port(plan)
    r = wmel.diagnose(port, "whisper")
    answered(r, port, tol=1e-4)
    assert fields(r).get("log_guard") == "1", r["differences"]


def test_values_relative_to_the_max_refused_with_the_reason():
    # librosa.power_to_db(melspectrogram(...), ref=np.max): 10 log10(m / max m), floored at -80
    plan = {"frontend": "nemo", "normalize": "whole", "window": "hann_periodic", "low_freq": 0, "high_freq": 8000,
            "mel_scale": "slaney", "mel_norm": "slaney", "power": 2, "preemph": 0, "n_fft": 512,
            "framing": "center_zero", "valid": "all", "log": "log10_clamp", "log_guard": 1e-10, "norm_range": 8,
            "post_scale": 40, "post_shift": -40, "layout": "frames_mels"}

    def port(x):
        y = wmel.features(x, plan=plan)  # 10 max(v, M - 8), v = log10(max(m, 1e-10))
        return y - y.max()
    r = wmel.diagnose(port, "espnet-fbank")
    assert not r["reproduces"] and not r["explained"], r["differences"]
    assert "ref=np.max" in r["not_expressible"], r["not_expressible"]
    # (seen on every probe before the search: no further clip searched)
    assert "the other clips not searched" in r["notes"], r["notes"]
    assert "units" not in {d["field"] for d in r["differences"]}, r["differences"]  # (a map of no convention)
