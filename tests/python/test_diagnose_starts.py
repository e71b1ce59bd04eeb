"""wmel.diagnose(port, preset) on ports a dozen fields from the preset they claim, each written
in numpy as its library's users write it, whose answer comes from a start the search takes
before the claimed family's: the FFT bins of a transform the width names (2 (w - 1) points),
the conventions of numpy filter banks as the common tutorial writes them and of
scipy.signal.spectrogram, and a Slaney bank from 50 Hz on 16 kHz audio (the AudioSet taggers')
claimed as CLAP's 48 kHz preset. Each answer must reproduce the port on a clip the fit never
saw and name the fields that make the port what it is."""
import os
import sys

import numpy as np

import wmel

SR = 16000
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diagnose_ports import answered, fields  # noqa: E402
from kaldi_oracle import slaney_bank  # noqa: E402  (librosa's bank: Slaney's scale and norm)


def frames_of(y, n, hop):
    """the frames of y that fit, n samples every hop"""
    k = 1 + (len(y) - n) // hop
    return np.stack([y[i * hop:i * hop + n] for i in range(k)])


def deepspeech_spectrogram(x):
    # deepspeech.pytorch's SpectrogramParser: a 20 ms stft (320 points, hop 160, scipy's
    # symmetric Hamming), the clip centred in zeros, the magnitude's log1p, then the whole
    # array's mean and (Bessel) std: 161 rows of FFT bins
    y = np.pad(x.astype(np.float64), 160)
    S = np.abs(np.fft.rfft(frames_of(y, 320, 160) * np.hamming(320), 320)).T
    S = np.log1p(S)
    return ((S - S.mean()) / S.std(ddof=1)).astype(np.float32)


def tutorial_filter_banks(x):
    # numpy filter banks as the common tutorial computes them: the signal's pre-emphasis 0.97,
    # 25 ms frames every 10 ms over zeros after the clip (ceil(|n - 400| / 160) of them), a
    # symmetric Hamming, |rfft 512|^2 / 512, 40 HTK triangles on the bins floor(513 f / sr),
    # exact zeros as numpy's eps, 20 log10, each filter's mean over the frames subtracted
    s = x.astype(np.float64)
    s = np.append(s[0], s[1:] - 0.97 * s[:-1])
    k = int(np.ceil(abs(len(s) - 400) / 160))
    s = np.append(s, np.zeros(k * 160 + 400 - len(s)))
    P = np.abs(np.fft.rfft(frames_of(s, 400, 160)[:k] * np.hamming(400), 512)) ** 2 / 512
    top = 2595 * np.log10(1 + (SR / 2) / 700)
    b = np.floor(513 * (700 * (10 ** (np.linspace(0, top, 42) / 2595) - 1)) / SR)
    fb = np.zeros((40, 257))
    for m in range(1, 41):
        for j in range(int(b[m - 1]), int(b[m])):
            fb[m - 1, j] = (j - b[m - 1]) / (b[m] - b[m - 1])
        for j in range(int(b[m]), int(b[m + 1])):
            fb[m - 1, j] = (b[m + 1] - j) / (b[m + 1] - b[m])
    E = P @ fb.T
    E = 20 * np.log10(np.where(E == 0, np.finfo(float).eps, E))
    return (E - E.mean(axis=0)).astype(np.float32)


BANK_512 = slaney_bank(80, 0, SR / 2, 512, SR)


def scipy_spectrogram_logmel(x):
    # scipy.signal.spectrogram(fs=16000, nperseg=400, noverlap=240, nfft=512): the segments
    # that fit, get_window('hann') (periodic), detrend 'constant', scaling 'density'
    # (|X|^2 2 / (fs sum w^2)), then librosa's 80-mel bank and ln(m + 1e-6); [mels][frames]
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)
    fr = frames_of(x.astype(np.float64), 400, 160)
    fr = fr - fr.mean(axis=1, keepdims=True)
    S = np.abs(np.fft.rfft(fr * w, 512)) ** 2 / (SR * np.sum(w * w))
    S[:, 1:-1] *= 2
    return np.log(BANK_512 @ S.T + 1e-6).astype(np.float32)


BANK_1024_50 = slaney_bank(64, 50, 8000, 1024, SR)


def tagger_logmel_db(x):
    # librosa.feature.melspectrogram(sr=16000, n_fft=1024, hop_length=320, n_mels=64, fmin=50,
    # fmax=8000) and power_to_db's defaults (10 log10(max(m, 1e-10)) floored at the max less
    # 80 dB): the clip centred in zeros, a periodic Hann; [mels][frames]
    y = np.pad(x.astype(np.float64), 512)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(1024) / 1024)
    S = np.abs(np.fft.rfft(frames_of(y, 1024, 320) * w, 1024)) ** 2
    D = 10 * np.log10(np.maximum(BANK_1024_50 @ S.T, 1e-10))
    return np.maximum(D, D.max() - 80).astype(np.float32)


def test_fft_bins_of_the_transform_the_width_names():
    r = wmel.diagnose(deepspeech_spectrogram, "nemo")
    answered(r, deepspeech_spectrogram)
    f = fields(r)
    assert f.get("linear_bins") == "1" and f.get("n_fft") == "320" and f.get("n_mels") == "161", f
    assert f.get("normalize") == "all_features" and f.get("window") == "hamming" and f.get("power") == "1", f
    assert "log" not in f and "mel_norm" not in f, f  # (the claim's ln_add; FFT bins have no bank)


def test_numpy_tutorial_filter_banks_claimed_as_kaldi():
    r = wmel.diagnose(tutorial_filter_banks, "kaldi")
    answered(r, tutorial_filter_banks)
    f = fields(r)
    assert f.get("n_mels") == "40" and f.get("normalize") == "mean" and f.get("mel_scale") == "htk", f
    assert f.get("snap_bins") == "1" and f.get("preemph_mode") == "signal", f
    assert f.get("units", "").startswith("x 8.68589"), f  # (20 log10 as 8.69 ln)


def test_scipy_spectrogram_claimed_as_nemo():
    r = wmel.diagnose(scipy_spectrogram_logmel, "nemo")
    answered(r, scipy_spectrogram_logmel)
    f = fields(r)
    assert f.get("remove_dc") == "1" and f.get("framing") == "snip", f
    assert abs(float(f["scale"]) - (2 / (SR * 150)) ** 0.5) < 1e-9, f


def test_16k_tagger_claimed_as_clap():
    # CLAP's preset is 48 kHz; the port reads the probes as 16 kHz audio: its bank is 16 kHz's
    r = wmel.diagnose(tagger_logmel_db, "clap")
    answered(r, tagger_logmel_db)
    f = fields(r)
    assert f.get("sample_rate") == "16000" and float(f.get("low_freq", "nan")) == 50, f
    assert f.get("hop") == "320" and f.get("mel_scale") == "slaney", f
