"""wmel.diagnose(port, preset) on ports whose log guard only a silence shows (read from the
port's least value), whose frame count is a rule the probes' lengths tell apart (round(n / hop)
with reflected edges, scipy's padded count of a window centred in a larger transform), a
vocoder's mel function (HiFi-GAN's), and a bank of more filters than the transform resolves.
Each port states its truth as a plan; the answer must name the convention and its plan must
reproduce the port on a clip the fit never saw, and count its frames at other lengths."""
import math
import os
import sys

import numpy as np

import wmel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diagnose_ports import answered, fields, held_out, plan_port  # noqa: E402


def same_frames(r, port, lengths):
    """the answer's plan gives the port's shape on clips of each length"""
    rng = np.random.default_rng(5)
    for n in lengths:
        x = (0.3 * rng.standard_normal(n)).astype(np.float32)
        got, want = wmel.features(x, plan=r["plan"]), np.squeeze(np.asarray(port(x)))
        assert got.shape == want.shape, (n, got.shape, want.shape)


def test_log10_guard_read_from_the_silence():
    # librosa: log10(melspectrogram(power=1, window='hamming', htk=True, norm=None) + 1e-9) --
    # the guard 1e-9 is on no grid; the silence probe's cells are log10(1e-9) exactly
    port = plan_port({"frontend": "kaldi", "n_mels": 40, "window": "hamming_periodic", "scale": 1, "low_freq": 0,
                      "high_freq": 0, "remove_dc": False, "preemph": 0, "mel_scale": "htk", "power": 1,
                      "log": "ln_add", "log_guard": 1e-9, "post_scale": 1 / math.log(10), "framing": "center_zero",
                      "layout": "frames_mels"})
    r = wmel.diagnose(port, "kaldi")
    answered(r, port)
    assert float(fields(r)["log_guard"]) == 1e-9, r["differences"]
    assert "least value" in r["notes"], r["notes"]


def test_rounded_frame_count_with_reflected_edges():
    # lhotse's Whisper fbank: Whisper's frames, zero frames appended up to (n + 80) // 160
    truth = {"frontend": "whisper", "framing": "snip", "pad_left": 200, "pad_right": 120, "pad_mode": "reflect",
             "valid": "hop", "layout": "frames_mels"}
    port = plan_port(truth)
    r = wmel.diagnose(port, "whisper")
    answered(r, port)
    f = fields(r)
    assert f.get("pad_right") == "120" and f.get("pad_mode") == "reflect" and f.get("valid") == "hop", f
    assert "differs only in layout" not in r["notes"], r["notes"]
    same_frames(r, port, [16000 + k for k in (0, 1, 40, 79, 80, 81, 120, 159)])


def test_scipy_padded_count_of_a_window_in_a_larger_transform():
    # jax.scipy.signal.stft(nperseg=400, nfft=512) (boundary zeros, padded) then a Slaney bank and
    # NeMo's guard: 1 + ceil(n / 160) frames, the window centred on each hop
    truth = {"frontend": "nemo", "normalize": "none", "window": "hann_periodic", "scale": 0.005, "preemph": 0,
             "log": "ln_add", "log_guard": 5.960464477539063e-08, "framing": "snip", "pad_left": 200,
             "pad_right": 359, "valid": "all"}
    port = plan_port(truth)
    r = wmel.diagnose(port, "nemo")
    answered(r, port)
    assert r["plan"].get("pad_left") == 200 and r["plan"].get("pad_right") == 359, r["plan"]
    same_frames(r, port, [16000 + k for k in (0, 1, 37, 80, 159)])


def test_hifigan_mel_claimed_as_speecht5():
    # HiFi-GAN's meldataset.mel_spectrogram: 384 samples reflected each side, center=False,
    # sqrt(|X|^2 + 1e-9), Slaney 0..8000, ln(clamp(x, 1e-5)), (80, T)
    truth = {"frontend": "nemo", "normalize": "none", "window": "hann_periodic", "low_freq": 0, "high_freq": 8000,
             "power": 1, "mag_guard": "add:1e-09", "log_guard": 1e-05, "remove_dc": False, "preemph": 0,
             "frame_length": 1024, "hop": 256, "n_fft": 1024, "framing": "snip", "log": "ln_clamp", "valid": "all",
             "layout": "mels_frames", "pad_left": 384, "pad_right": 384, "pad_mode": "reflect"}
    port = plan_port(truth)
    r = wmel.diagnose(port, "speecht5")
    answered(r, port)
    f = fields(r)
    assert f.get("mag_guard") == "add:1e-09" and f.get("pad_left") == "384", f
    assert "HiFi-GAN" in r["notes"], r["notes"]


def test_more_filters_than_the_transform_resolves():
    # torchaudio.compliance.kaldi.fbank(num_mel_bins=128, window_type='hanning') on samples in
    # [-1, 1]: filters with no bin under them kept (their energy 0, floored)
    port = plan_port({"frontend": "kaldi", "scale": 1, "window": "hann", "n_mels": 128, "empty_filters": True})
    r = wmel.diagnose(port, "kaldi")
    answered(r, port)
    f = fields(r)
    assert f.get("n_mels") == "128" and f.get("window") == "hann", f
    assert r["plan"].get("empty_filters") is True, r["plan"]
    assert held_out().size  # (answered held the plan to the held-out clip)


def test_clamped_guard_where_the_start_adds_one():
    # Vocos' MelSpectrogramFeatures: torchaudio's MelSpectrogram(n_fft=1024, hop_length=256,
    # n_mels=100, power=1), then ln(clip(m, 1e-7)) -- torchaudio's start adds its guard; the
    # silence shows 1e-7, the quiet probes that it clamps
    truth = {"frontend": "nemo", "normalize": "none", "n_mels": 100, "window": "hann_periodic", "low_freq": 0,
             "high_freq": 8000, "mel_scale": "htk", "mel_norm": "none", "power": 1, "log_guard": 1e-7,
             "log": "ln_clamp", "remove_dc": False, "preemph": 0, "frame_length": 1024, "hop": 256, "n_fft": 1024,
             "framing": "center_reflect", "valid": "all", "layout": "mels_frames"}
    port = plan_port(truth)
    r = wmel.diagnose(port, "speecht5")
    answered(r, port)
    assert r["plan"].get("log", "ln_clamp") == "ln_clamp" and r["plan"]["log_guard"] == 1e-7, r["plan"]


def test_every_cepstrum_of_the_bank():
    # torchaudio.compliance.kaldi.mfcc(num_mel_bins=30, num_ceps=30, high_freq=-400) claimed as
    # Kaldi's fbank: 30 values a frame, the DCT of all 30 filters
    port = plan_port({"frontend": "kaldi", "n_mels": 30, "high_freq": -400, "n_ceps": 30, "cepstral_lifter": 22})
    r = wmel.diagnose(port, "kaldi")
    answered(r, port)
    f = fields(r)
    assert f.get("n_ceps") == "30" and f.get("n_mels") == "30" and f.get("high_freq") == "-400", f
