"""wmel.diagnose(port, preset) on ports in numpy (float64, returned as float32) whose conventions
the field search does not walk: FFT bins in the bank's place with an energy column (torchaudio's
kaldi.spectrogram), a floor on each bin's power (espnet2's TTS LogMelFbank), the Hz triangles
of torchaudio's and librosa's banks against SpeechBrain's symmetric ones (with a 512-point
transform, and with torch.stft's periodic Hann and reflect centring), the nemo family's cepstra
claimed as Kaldi's MFCC (torchaudio's MFCC(log_mels=True), librosa's mfcc of a log mel), and
features with two leading axes of 1 (torchlibrosa's (1, 1, T, F))."""
import os
import sys

import numpy as np
import pytest

import wmel

SR = 16000
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diagnose_ports import fields, held_out, held_out_error  # noqa: E402,F401

reproduces = held_out_error  # the error itself: each test states its bound


# ---- numpy pieces (written from the libraries' documented definitions)

def power_spec(x, n_fft, hop, win, center, pad_mode="reflect"):
    """|rfft|^2 of frames of x (float64) under win (its length <= n_fft, centred in n_fft)"""
    x = np.asarray(x, np.float64)
    if center:
        x = np.pad(x, n_fft // 2, mode=pad_mode)
    w = np.zeros(n_fft)
    lo = (n_fft - win.size) // 2
    w[lo:lo + win.size] = win
    n = 1 + (x.size - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n)[:, None]
    return np.abs(np.fft.rfft(x[idx] * w, axis=1)) ** 2  # [frames, bins]


def hann_periodic(n):
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def hamming_periodic(n):
    return 0.54 - 0.46 * np.cos(2 * np.pi * np.arange(n) / n)


def htk_bank(n_mels, n_fft, fmin=0.0, fmax=8000.0):
    """Hz triangles between HTK-mel-spaced points, peak 1 (torchaudio's melscale_fbanks,
    librosa's mel(htk=True, norm=None)); [bins, mels]"""
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    hz = lambda m: 700 * (10 ** (m / 2595) - 1)  # noqa: E731
    pts = hz(np.linspace(mel(fmin), mel(fmax), n_mels + 2))
    f = np.linspace(0, SR / 2, n_fft // 2 + 1)[:, None]
    down = (f - pts[None, :-2]) / (pts[1:-1] - pts[:-2])
    up = (pts[None, 2:] - f) / (pts[2:] - pts[1:-1])
    return np.maximum(0, np.minimum(down, up))


def slaney_bank(n_mels, n_fft, fmin=0.0, fmax=8000.0):
    """librosa.filters.mel (Slaney's scale, norm 'slaney'); [bins, mels]"""
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp

    def mel(f):
        f = np.asarray(f, np.float64)
        return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, f / f_sp)

    def hz(m):
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)
    pts = hz(np.linspace(mel(fmin), mel(fmax), n_mels + 2))
    f = np.linspace(0, SR / 2, n_fft // 2 + 1)[:, None]
    down = (f - pts[None, :-2]) / (pts[1:-1] - pts[:-2])
    up = (pts[None, 2:] - f) / (pts[2:] - pts[1:-1])
    return np.maximum(0, np.minimum(down, up)) * (2.0 / (pts[2:] - pts[:-2]))[None, :]


def dct_ortho(n_ceps, n_mels):
    """the DCT-II, orthonormal (torchaudio's create_dct(norm='ortho'), scipy's dct(norm='ortho')); [mels, ceps]"""
    k = np.arange(n_ceps)[None, :]
    m = np.arange(n_mels)[:, None]
    d = np.cos(np.pi / n_mels * (m + 0.5) * k) * np.sqrt(2.0 / n_mels)
    d[:, 0] /= np.sqrt(2.0)
    return d


def power_to_db(s, top_db=80.0):
    db = 10 * np.log10(np.maximum(s, 1e-10))
    return np.maximum(db, db.max() - top_db)


# ---- FFT bins in the bank's place

def kaldi_spectrogram(x):
    """torchaudio.compliance.kaldi.spectrogram's defaults: 25 ms frames every 10 ms from the
    first sample, int16 units, DC removed, the raw log energy (floor 1: ln 1 = 0) in bin 0's
    place, pre-emphasis 0.97, Povey's window in 512 points, ln(max(|X|^2, eps)) of bins 1..256"""
    x = np.asarray(x, np.float64) * 32768
    n = 1 + (x.size - 400) // 160 if x.size >= 400 else 0
    fr = x[np.arange(400)[None, :] + 160 * np.arange(n)[:, None]]
    fr = fr - fr.mean(axis=1, keepdims=True)
    energy = np.maximum(np.log(np.maximum((fr ** 2).sum(axis=1), np.finfo(np.float32).eps)), 0.0)
    fr = fr - 0.97 * np.concatenate([fr[:, :1], fr[:, :-1]], axis=1)
    win = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 399)) ** 0.85
    p = np.abs(np.fft.rfft(fr * win, n=512, axis=1)) ** 2
    out = np.log(np.maximum(p, np.finfo(np.float32).eps))
    out[:, 0] = energy
    return out.astype(np.float32)


def test_fft_bins_with_an_energy_column_claimed_as_kaldi():
    # 257 values a frame against Kaldi's 80 mels: the raw log energy and bins 1 .. 256
    r = wmel.diagnose(kaldi_spectrogram, "kaldi")
    assert r["explained"] and r["reproduces"], (r["notes"], r["not_expressible"])
    f = fields(r)
    assert f.get("linear_bins") == "1" and f.get("first_bin") == "1" and f.get("n_mels") == "256", f
    assert f.get("use_energy") == "1" and f.get("energy_floor") == "1", f
    assert reproduces(r, kaldi_spectrogram) <= 1e-3


# ---- a floor on each bin's power

def espnet_tts_logmel(x):
    """espnet2's TTS LogMelFbank(fs=16000): periodic Hann 1024, hop 256, reflect centring,
    sqrt(max(p, 1e-10)), Slaney's bank 80..7600 Hz (80 mels), log10(max(m, 1e-10)); [frames, 80]"""
    a = np.sqrt(np.maximum(power_spec(x, 1024, 256, hann_periodic(1024), True), 1e-10))
    return np.log10(np.maximum(a @ slaney_bank(80, 1024, 80.0, 7600.0), 1e-10)).astype(np.float32)


def test_a_floor_on_each_bins_power_found():
    r = wmel.diagnose(espnet_tts_logmel, "speecht5")
    assert r["explained"] and r["reproduces"], (r["notes"], r["not_expressible"])
    assert fields(r) == {"mag_guard": "max:1e-10"}, r["differences"]
    assert reproduces(r, espnet_tts_logmel) <= 1e-3


# ---- the bank's triangles: HTK's Hz triangles, not SpeechBrain's symmetric ones

def librosa_hamming_htk_db(x):
    """librosa.power_to_db(melspectrogram(n_fft=512, hop_length=160, win_length=400,
    window='hamming', n_mels=80, htk=True, norm=None), top_db=80).T (zeros around the clip)"""
    p = power_spec(x, 512, 160, hamming_periodic(400), True, "constant")
    return power_to_db(p @ htk_bank(80, 512)).astype(np.float32)


def test_htk_triangles_in_512_points_claimed_as_speechbrain():
    r = wmel.diagnose(librosa_hamming_htk_db, "speechbrain-fbank")
    assert r["explained"] and r["reproduces"], (r["notes"], r["not_expressible"])
    assert fields(r) == {"symmetric_bank": "false", "n_fft": "512"}, r["differences"]
    assert reproduces(r, librosa_hamming_htk_db) <= 1e-3


def torchaudio_melspec_db(x):
    """torchaudio's AmplitudeToDB('power', 80)(MelSpectrogram(16000, n_fft=400, hop_length=160,
    n_mels=80)(x)).T: periodic Hann, reflect centring, HTK triangles without norm"""
    p = power_spec(x, 400, 160, hann_periodic(400), True)
    return power_to_db(p @ htk_bank(80, 400)).astype(np.float32)


def test_torch_stft_and_htk_triangles_claimed_as_speechbrain():
    r = wmel.diagnose(torchaudio_melspec_db, "speechbrain-fbank")
    assert r["explained"] and r["reproduces"], (r["notes"], r["not_expressible"])
    f = fields(r)
    assert f.get("symmetric_bank") == "false" and f.get("window") == "hann_periodic", f
    assert f.get("framing") == "center_reflect", f
    assert reproduces(r, torchaudio_melspec_db) <= 1e-3


# ---- the nemo family's cepstra claimed as Kaldi's MFCC

def torchaudio_mfcc_logmels(x):
    """torchaudio.transforms.MFCC(16000, n_mfcc=13, log_mels=True, melkwargs={n_fft 400, hop 160,
    n_mels 23}): the DCT (ortho) of ln(mel + 1e-6), periodic Hann, reflect centring, HTK
    triangles; [13, frames]"""
    p = power_spec(x, 400, 160, hann_periodic(400), True)
    return (np.log(p @ htk_bank(23, 400) + 1e-6) @ dct_ortho(13, 23)).T.astype(np.float32)


def librosa_mfcc_of_logmel(x):
    """librosa.feature.mfcc(S=np.log(melspectrogram(n_fft=400, hop_length=160, n_mels=40) +
    1e-6), n_mfcc=13): zeros around the clip, Slaney's bank with its norm; [13, frames]"""
    p = power_spec(x, 400, 160, hann_periodic(400), True, "constant")
    return (np.log(p @ slaney_bank(40, 400) + 1e-6) @ dct_ortho(13, 40)).T.astype(np.float32)


@pytest.mark.parametrize("port, want", [
    (torchaudio_mfcc_logmels, {"framing": "center_reflect", "mel_scale": "htk"}),
    (librosa_mfcc_of_logmel, {"framing": "center_zero", "mel_scale": "slaney", "n_mels": "40"}),
])
def test_nemo_cepstra_claimed_as_kaldi_mfcc(port, want):
    r = wmel.diagnose(port, "lhotse-mfcc")
    assert r["explained"] and r["reproduces"], (r["notes"], r["not_expressible"])
    f = fields(r)
    assert f.get("frontend") == "nemo" and f.get("cepstral_lifter") == "0", f
    assert all(f.get(k) == v for k, v in want.items()), f
    assert "units" not in f and "scale" not in f, f  # the structure, not a free affine
    assert reproduces(r, port) <= 1e-3


# ---- two leading axes of 1

def test_two_leading_axes_of_one_are_a_layout():
    # torchlibrosa's (batch, channel, frames, mels): the values a plan's, the shape (1, 1, T, F)
    port = lambda x: wmel.features(x, "whisper")[None, None]  # noqa: E731
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"], (r["notes"], r["not_expressible"])
    lay = [d for d in r["differences"] if d["field"] == "layout"]
    assert lay and "2 leading axes of 1" in lay[0]["found"], r["differences"]
    assert "leading axes of 1" in r["notes"]
    x = held_out()
    assert np.array_equal(wmel.features(x, plan=r["plan"]).reshape(port(x).shape), port(x))
