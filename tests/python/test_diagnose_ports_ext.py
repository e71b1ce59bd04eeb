"""wmel.diagnose(port, preset) on ports whose difference the search finds only when it tries
the normalisation against the claimed one (before the input's scale) and the transforms of
1024 and 2048 points, on a port that raises on a probe too short for it, and on float32
originals whose rounding the noise model must hold: a magnitude spectrum (power 1), a
stacked per-feature normalisation (SeamlessM4T), NeMo's padding frame (Parakeet), cepstra
from float32 coefficients (lhotse's Mfcc). The ports of libraries are skipped where the
library is not installed; the others are wmel's own float64 plans or numpy in float32."""
import os
import sys

import numpy as np
import pytest

import wmel

SR = 16000
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diagnose_ports import fields, held_out, held_out_error  # noqa: E402,F401


def reproduces(r, port, tol=1e-3):
    return held_out_error(r, port) <= tol


# ---- the normalisation tried against the claimed one

def test_kaldi_mean_normalised_found_before_a_scale():
    # torchaudio's kaldi.fbank(window_type='hamming', subtract_mean=True) claimed as Kaldi's
    plan = {"frontend": "kaldi", "window": "hamming", "normalize": "mean"}
    port = lambda x: wmel.features(x, plan=plan)  # noqa: E731
    r = wmel.diagnose(port, "kaldi")
    assert r["explained"] and r["reproduces"], r["notes"]
    f = fields(r)
    assert f.get("normalize") == "mean" and f.get("window") == "hamming" and "scale" not in f, r["differences"]
    assert reproduces(r, port)


def test_speech2text_without_its_normalisation():
    # Speech2TextFeatureExtractor(do_ceptral_normalize=False): the fbank alone
    plan = {"frontend": "kaldi", "log_guard": 1.192092955078125e-07}
    port = lambda x: wmel.features(x, plan=plan)  # noqa: E731
    r = wmel.diagnose(port, "speech2text")
    assert r["explained"] and r["reproduces"], r["notes"]
    assert fields(r) == {"normalize": "none"}, r["differences"]
    assert reproduces(r, port)


# ---- n_fft 2048, and a probe the port refuses

def test_nfft_2048_and_a_probe_too_short_for_the_port():
    # nnAudio's MelSpectrogram(sr=16000, n_mels=80, hop_length=160): n_fft 2048 by default,
    # its reflect padding refuses clips of n_fft / 2 samples or fewer
    plan = {"frontend": "whisper", "n_fft": 2048, "frame_length": 2048}

    def port(x):
        if x.size <= 1024:
            raise RuntimeError("Signal length shorter than reflect padding length (n_fft // 2).")
        return wmel.features(x, plan=plan)
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"], r["notes"]
    assert fields(r) == {"n_fft": "2048", "frame_length": "2048"}, r["differences"]
    out = r["left_out"]
    assert [c["stem"] for c in out] == ["short"] and "reflect" in out[0]["port"] and out[0]["plan"], out
    assert "'short'" in r["notes"] and "refuses it too" in r["notes"]
    assert reproduces(r, port)


def test_a_probe_the_plan_computes_but_the_port_refuses():
    def port(x):
        if x.size < 1000:
            raise RuntimeError("too short")
        return wmel.features(x, plan={"frontend": "whisper"})
    r = wmel.diagnose(port, "whisper")
    assert not r["reproduces"] and not r["matches"]
    assert r["left_out"] and r["left_out"][0]["plan"] == ""
    assert any(c["status"] == "differs" and "raised" in c["why"] for c in r["clips"]), r["clips"]


# ---- float32 originals held to the noise model

def whisper_f32(power):
    """Whisper's front-end in numpy float32 (its FFT too), |X|^power"""
    win = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)).astype(np.float32)
    fb = wmel.mel_filters(80).astype(np.float32)

    def port(x):
        x = np.asarray(x, np.float32)
        p = np.pad(x, 200, mode="reflect")
        n = 1 + (p.size - 400) // 160
        fr = np.lib.stride_tricks.as_strided(p, (n, 400), (4 * 160, 4)) * win
        X = np.abs(np.fft.rfft(fr, axis=1)).astype(np.float32)
        S = X if power == 1 else X * X
        lg = np.log10(np.maximum(fb @ S.T, np.float32(1e-10)))[:, :-1]
        lg = np.maximum(lg, lg.max() - np.float32(8))
        return ((lg + np.float32(4)) / np.float32(4)).astype(np.float32)
    return port


@pytest.mark.parametrize("power", [1, 2])
def test_float32_numpy_whisper(power):
    port = whisper_f32(power)
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"], (r["notes"], [c for c in r["clips"] if c["status"] == "differs"])
    assert fields(r) == ({"power": "1"} if power == 1 else {}), r["differences"]


def test_torchaudio_magnitude_whisper_power1():
    # torchaudio's MelSpectrogram(power=1) in a Whisper port: the transform's error in a
    # magnitude grows as exp(g) below the frame's largest, not exp(g / 2)
    torch = pytest.importorskip("torch")
    ta = pytest.importorskip("torchaudio")
    mel = ta.transforms.MelSpectrogram(sample_rate=SR, n_fft=400, hop_length=160, n_mels=80, power=1.0,
                                       norm="slaney", mel_scale="slaney")

    def port(x):
        lg = torch.clamp(mel(torch.from_numpy(np.asarray(x, np.float32)))[:, :-1], min=1e-10).log10()
        return ((torch.maximum(lg, lg.max() - 8.0) + 4.0) / 4.0).numpy()
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"], (r["notes"], [c for c in r["clips"] if c["status"] == "differs"])
    assert fields(r) == {"power": "1"}, r["differences"]


def test_seamless_original_matches():
    tf = pytest.importorskip("transformers")
    fe = tf.SeamlessM4TFeatureExtractor()
    r = wmel.diagnose(lambda x: fe(x, sampling_rate=SR, return_tensors="np").input_features[0], "seamless")
    assert r["matches"], (r["notes"], [c for c in r["clips"] if c["status"] == "differs"])


def test_parakeet_original_answers_layout_only():
    tf = pytest.importorskip("transformers")
    pytest.importorskip("torch")
    fe = tf.ParakeetFeatureExtractor()
    r = wmel.diagnose(lambda x: fe(x, sampling_rate=SR, return_tensors="np").input_features[0], "nemo")
    assert r["explained"] and r["reproduces"], (r["notes"], [c for c in r["clips"] if c["status"] == "differs"])
    assert set(fields(r)) <= {"layout", "batch_axis"}, r["differences"]


def test_lhotse_mfcc_original_matches():
    lhotse = pytest.importorskip("lhotse")
    ex = lhotse.features.kaldi.extractors.Mfcc()
    r = wmel.diagnose(lambda x: ex.extract(np.asarray(x, np.float32), SR), "lhotse-mfcc")
    assert r["matches"], (r["notes"], [c for c in r["clips"] if c["status"] == "differs"])


# ---- refusals with their reason

def test_clip_repeated_to_a_fixed_duration_refused_with_the_reason():
    # CLAP's "repeatpad" (the clip repeated up to 10 s; here 1 s): no plan's padding, and
    # zeros to the duration (n_samples) tried first
    port = lambda x: wmel.features(np.resize(x, SR), plan="whisper")  # noqa: E731
    r = wmel.diagnose(port, "whisper")
    assert not r["reproduces"] and not r["explained"]
    why = r["not_expressible"]
    assert "fixed frame count" in why and "zeros to 1 s" in why and "not silence" in why, why


def test_deltas_and_delta_deltas_refused_with_the_reason():
    # SpeechBrain's Fbank(deltas=True): the mel values, their deltas and delta-deltas
    def deltas(L):
        p = np.pad(L, ((2, 2), (0, 0)), mode="edge")
        return sum(k * (p[2 + k:len(p) - 2 + k] - p[2 - k:len(p) - 2 - k]) for k in (1, 2)) / 10

    def port(x):
        L = wmel.features(x, plan="kaldi")
        d = deltas(L)
        return np.concatenate([L, d, deltas(d)], axis=1).astype(np.float32)
    r = wmel.diagnose(port, "kaldi")
    assert not r["reproduces"]
    why = r["not_expressible"]
    assert "240 values a frame" in why and "delta-deltas" in why, why


# ---- structural fields read from the port's values per frame, before the input's scale

def plan_port(plan, **fields):
    return lambda x: wmel.features(x, plan=plan, **fields)  # noqa: E731


def test_kaldi_mfcc_with_energy_claimed_as_the_fbank():
    # kaldi-native-fbank's OnlineMfcc(MfccOptions()) claimed as Kaldi's fbank: 13 columns of 23 mels
    plan = {"frontend": "kaldi", "n_mels": 23, "n_ceps": 13, "cepstral_lifter": 22, "use_energy": 1}
    port = plan_port(plan)
    r = wmel.diagnose(port, "kaldi")
    assert r["explained"] and r["reproduces"], r["notes"]
    f = fields(r)
    assert f.get("n_ceps") == "13" and f.get("n_mels") == "23" and "units" not in f and "scale" not in f, f
    assert reproduces(r, port)


def test_mfcc_of_24_mels_without_lifter():
    # spafe's mfcc(num_ceps=13, nfilts=24, lifter=0) shape: 13 cepstra of 24 mels, no lifter
    plan = {"frontend": "kaldi", "n_mels": 24, "n_ceps": 13, "cepstral_lifter": 0}
    port = plan_port(plan)
    r = wmel.diagnose(port, "kaldi")
    assert r["explained"] and r["reproduces"], r["notes"]
    f = fields(r)
    assert f.get("n_ceps") == "13" and f.get("n_mels") == "24" and f.get("cepstral_lifter", "0") == "0", f
    assert reproduces(r, port)


def test_fft_bins_claimed_as_an_fbank():
    # lhotse's Spectrogram() claimed as lhotse's Fbank: 257 FFT bins, no mel bank
    port = plan_port("lhotse-fbank", linear_bins=1, n_mels=257)
    r = wmel.diagnose(port, "lhotse-fbank")
    assert r["explained"] and r["reproduces"], r["notes"]
    f = fields(r)
    assert f.get("linear_bins") == "1" and f.get("n_mels") == "257", f
    assert reproduces(r, port)


def test_nfft_512_around_a_400_window_before_units():
    # speechbrain's Fbank(n_mels=40, n_fft=512): the 400 window in 512 points
    def port(x):  # (1, frames, 40): a batch of one
        return wmel.features(x, plan="speechbrain-fbank", n_mels=40, n_fft=512)[None]
    r = wmel.diagnose(port, "speechbrain-fbank")
    assert r["explained"] and r["reproduces"], r["notes"]
    f = fields(r)
    assert f.get("n_fft") == "512" and f.get("n_mels") == "40" and "units" not in f and "scale" not in f, f
    assert r["plan"].get("batch_axis") in (1, True), r["plan"]
    assert reproduces(dict(r, plan={k: v for k, v in r["plan"].items() if k != "batch_axis"}), port)


# ---- whisper claims: no max - 8 floor, and a log of the mel energies finished by the port


def test_whisper_without_its_floor():
    # Whisper's log-Mel without jnp.maximum(lg, lg.max() - 8): (log10 + 4) / 4 of every value
    port = plan_port("whisper", norm_range=1e30)
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"], r["notes"]
    assert fields(r).get("norm_range") == "1e+30", r["differences"]
    assert reproduces(r, port)



def test_melspectrogram_ln_claimed_as_whisper():
    # librosa.feature.melspectrogram(n_fft=400, hop_length=160, n_mels=80) then np.log(S + 1e-6):
    # zero centring, every frame, Slaney bank with norm, no max - 8 nor (x + 4) / 4
    fb = wmel.mel_filters(80).astype(np.float64)
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)

    def port(x):
        x = np.pad(np.asarray(x, np.float64), 200)
        n = 1 + (x.size - 400) // 160
        idx = np.arange(400)[None, :] + 160 * np.arange(n)[:, None]
        s = np.abs(np.fft.rfft(x[idx] * win, axis=-1)) ** 2 @ fb.T
        return np.log(s + 1e-6).T.astype(np.float32)
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"], (r["notes"], r["differences"])
    f = fields(r)
    assert f.get("normalize") == "none" and f.get("log") == "ln_add", r["differences"]
    assert reproduces(r, port)


# ---- cepstra: the lifter and the input's scale (c0 alone) before a map of the values

def psf_bank(nfilt=26, nfft=512, sr=SR):
    """python_speech_features' get_filterbanks: HTK mel points snapped to floor((nfft + 1) f / sr)"""
    mel = lambda f: 2595 * np.log10(1 + f / 700.0)  # noqa: E731
    b = np.floor((nfft + 1) * 700 * (10 ** (np.linspace(mel(0), mel(sr / 2), nfilt + 2) / 2595) - 1) / sr).astype(int)
    fb = np.zeros((nfilt, nfft // 2 + 1))
    for j in range(nfilt):
        fb[j, b[j]:b[j + 1]] = (np.arange(b[j], b[j + 1]) - b[j]) / (b[j + 1] - b[j])
        fb[j, b[j + 1]:b[j + 2]] = (b[j + 2] - np.arange(b[j + 1], b[j + 2])) / (b[j + 2] - b[j + 1])
    return fb


def dct_ortho(n, k):
    d = np.cos(np.pi / n * (np.arange(n)[None, :] + 0.5) * np.arange(k)[:, None]) * np.sqrt(2.0 / n)
    d[0] /= np.sqrt(2)
    return d


def psf_power(x):
    """python_speech_features' preemphasis, framesig (400 / 160, zeros to the last frame that
    starts in the clip) and powspec |rfft 512|^2 / 512"""
    x = np.asarray(x, np.float64)
    x = np.append(x[0], x[1:] - 0.97 * x[:-1])
    n = 1 if x.size <= 400 else 1 + int(np.ceil((x.size - 400) / 160))
    x = np.concatenate([x, np.zeros((n - 1) * 160 + 400 - x.size)])
    return np.abs(np.fft.rfft(x[np.arange(400)[None, :] + 160 * np.arange(n)[:, None]], 512)) ** 2 / 512


def psf_mfcc(x, energy=False):
    """python_speech_features' mfcc(x, 16000, appendEnergy=energy) in numpy"""
    p = psf_power(x)
    f = p @ psf_bank().T
    c = np.log(np.where(f == 0, np.finfo(float).eps, f)) @ dct_ortho(26, 13).T
    c *= 1 + 11 * np.sin(np.pi * np.arange(13) / 22)
    if energy:
        e = p.sum(1)
        c[:, 0] = np.log(np.where(e == 0, np.finfo(float).eps, e))
    return c


def test_psf_mfcc_without_energy_fields_before_units():
    # python_speech_features' mfcc(appendEnergy=False) claimed as Kaldi's MFCC of 26 mels: its
    # lifter 22 (the claim has none), its bank, window, pre-emphasis and scale (c0 alone moves)
    r = wmel.diagnose(psf_mfcc, plan={"frontend": "kaldi", "n_mels": 26, "n_ceps": 13})
    assert r["explained"] and r["reproduces"], (r["notes"], r["differences"])
    f = fields(r)
    assert "units" not in f and f.get("cepstral_lifter") == "22" and f.get("snap_bins") == "1", f
    assert f.get("window") == "rect" and abs(float(f["scale"]) - 512 ** -0.5) < 1e-9, f
    assert reproduces(r, psf_mfcc)


def test_cepstra_scale_moves_c0_alone():
    # Kaldi's MFCC of samples in [-1, 1] with the lifter, claimed without it: the scale fitted on c0,
    # the lifter found, no map of the values
    port = plan_port({"frontend": "kaldi", "n_mels": 26, "n_ceps": 13, "cepstral_lifter": 22, "scale": 1.0})
    r = wmel.diagnose(port, plan={"frontend": "kaldi", "n_mels": 26, "n_ceps": 13})
    assert r["explained"] and r["reproduces"], (r["notes"], r["differences"])
    f = fields(r)
    assert f.get("cepstral_lifter") == "22" and float(f.get("scale", "nan")) == 1.0 and "units" not in f, f
    assert reproduces(r, port)


# ---- refusals that name the convention no plan expresses (wmel._refusals)

def mel_power(x, n_mels=40):
    """Kaldi-framed mel energies of samples in [-1, 1] (no log): the ports below log them themselves"""
    return wmel.features(x, plan={"frontend": "kaldi", "n_mels": n_mels, "log": "none", "scale": 1.0}).astype(np.float64)


def refused_for(port, claimed, words):
    r = wmel.diagnose(port, claimed) if isinstance(claimed, str) else wmel.diagnose(port, plan=claimed)
    assert not r["reproduces"] and not r["explained"], r["differences"]
    why = r["not_expressible"]
    assert all(w in why for w in words), why
    assert all(d["field"] != "units" for d in r["differences"]), r["differences"]
    return r


def test_top_db_floor_before_the_dct_refused_with_the_reason():
    # torchaudio's MFCC(): 10 log10 of the mel power floored at max - 80 dB, then the DCT
    def port(x):
        db = 10 * np.log10(np.maximum(mel_power(x), 1e-10))
        return np.maximum(db, db.max() - 80) @ dct_ortho(40, 13).T
    refused_for(port, {"frontend": "kaldi", "n_mels": 40, "n_ceps": 13}, ["top_db", "before the DCT"])


def test_spectral_sum_energy_in_c0_refused_with_the_reason():
    # python_speech_features' mfcc() (appendEnergy=True): c0 the log of the power spectrum's sum
    port = lambda x: psf_mfcc(x, energy=True)  # noqa: E731
    refused_for(port, {"frontend": "kaldi", "n_mels": 26, "n_ceps": 13, "use_energy": 1},
                ["c0 is the log of the power spectrum's sum"])


def psf_logfbank_hamming(x):
    """python_speech_features' np.log(fbank(x, 16000, nfilt=40, winfunc=np.hamming)[0]) in numpy:
    energies of 0 replaced by numpy's eps, every other energy logged as it is"""
    x = np.asarray(x, np.float64)
    x = np.append(x[0], x[1:] - 0.97 * x[:-1])
    n = 1 if x.size <= 400 else 1 + int(np.ceil((x.size - 400) / 160))
    x = np.concatenate([x, np.zeros((n - 1) * 160 + 400 - x.size)])
    fr = x[np.arange(400)[None, :] + 160 * np.arange(n)[:, None]] * np.hamming(400)
    f = (np.abs(np.fft.rfft(fr, 512)) ** 2 / 512) @ psf_bank(40).T
    return np.log(np.where(f == 0, np.finfo(float).eps, f))


def test_psf_logfbank_guard_of_exact_zeros_only():
    # the silence probe's energies of 0 take numpy's eps, the lsb_silence probe's energies under
    # it are logged as they are: log ln_zero with the guard eps reproduces both
    r = wmel.diagnose(psf_logfbank_hamming, plan={"frontend": "kaldi", "n_mels": 40})
    assert r["explained"] and r["reproduces"], (r["notes"], r["differences"], r["not_expressible"])
    f = fields(r)
    assert f.get("log") == "ln_zero" and float(f["log_guard"]) == np.finfo(float).eps, f
    assert f.get("window") == "hamming" and f.get("snap_bins") == "1", f
    assert reproduces(r, psf_logfbank_hamming)
    quiet = np.zeros(16000, np.float32)
    quiet[8000:] = np.float32(2.0 ** -15) * np.sign(np.sin(np.arange(8000) * 0.3)).astype(np.float32)
    got = wmel.features(quiet, plan=r["plan"]).astype(np.float64)
    want = psf_logfbank_hamming(quiet)
    assert got.shape == want.shape and np.max(np.abs(got - want) / np.maximum(1, np.abs(want))) <= 1e-5


def test_guard_of_exact_zeros_only_in_cepstra():
    # spafe's mfcc(): np.where(x == 0, eps, x) then ln, then the DCT: the silence probe's energies
    # of 0 take eps, the lsb_silence probe's energies under eps are logged as they are
    spafe = {"frontend": "kaldi", "n_mels": 24, "window": "hamming", "scale": 512 ** -0.5, "low_freq": 0,
             "mel_scale": "htk", "remove_dc": False, "preemph_mode": "signal", "log": "none"}

    def port(x):
        e = wmel.features(x, plan=spafe).astype(np.float64)
        return np.log(np.where(e == 0, np.finfo(float).eps, e)) @ dct_ortho(24, 13).T
    r = wmel.diagnose(port, plan={"frontend": "kaldi", "n_mels": 24, "n_ceps": 13})
    assert r["reproduces"] and fields(r).get("log") == "ln_zero", (r["notes"], r["differences"], r["not_expressible"])


def test_random_dither_refused_with_the_reason():
    # funasr's WavFrontend (dither 1.0): noise drawn anew on each call
    rng = np.random.default_rng()
    port = lambda x: wmel.features(x + rng.standard_normal(x.size).astype(np.float32) / 32768, plan="kaldi")  # noqa: E731
    r = refused_for(port, {"frontend": "kaldi"}, ["differ between two calls", "dither 0"])
    # whatever a fit on random values found is left out: the answer is the same on every run
    assert r["differences"] == [] and r["plan"] is None and "left out" in r["notes"], r


def test_context_window_and_deltas_refused_with_the_reason():
    # SpeechBrain's MFCC(): 20 cepstra of 23 mels, deltas, delta-deltas, 11 frames of context
    def d5(c):
        p = np.pad(c, ((2, 2), (0, 0)), mode="edge")
        return (p[3:-1] - p[1:-3] + 2 * (p[4:] - p[:-4])) / 10

    def port(x):
        c = wmel.features(x, plan={"frontend": "kaldi", "n_mels": 23, "n_ceps": 20})
        f = np.concatenate([c, d5(c), d5(d5(c))], axis=1)
        p = np.pad(f, ((5, 5), (0, 0)))
        return np.concatenate([p[k:k + len(f)] for k in range(11)], axis=1)[None]
    refused_for(port, "speechbrain-fbank",
                ["660 values a frame", "11 frames of context", "delta-deltas"])


def test_refusal_recognisers_leave_an_expressible_port_alone():
    # a Kaldi MFCC (lifter 22, float64 plan): none of the recognisers names a convention
    from wmel import _refusals
    plan = {"frontend": "kaldi", "n_mels": 26, "n_ceps": 13, "cepstral_lifter": 22}
    port = plan_port(plan)
    clips = [p["samples"] for p in wmel.probes(plan=plan)]
    feats = [port(x) for x in clips]
    assert _refusals.random_port(port, clips[0], feats[0]) == ""
    assert _refusals.context_deltas(feats[0]) == ""
    assert _refusals.top_db_floor(port, clips[0].size) == ""
    assert _refusals.energy_c0(wmel.features, plan, clips, feats) == ""
    r = wmel.diagnose(port, plan=plan)
    assert r["matches"] and not r["not_expressible"], r["notes"]


# ---- starts from the libraries' own conventions: a port many fields from the preset it claims

def spafe_melspec_40(x):
    # spafe's mel_spectrogram(nfilts=40, window=SlidingWindow(0.025, 0.01, "hamming")), ln(m + 1e-6):
    # the signal's pre-emphasis, the frames that fit, |X|^2 / 512, HTK triangles at the bins
    plan = {"frontend": "kaldi", "n_mels": 40, "window": "hamming", "scale": 512 ** -0.5, "low_freq": 0,
            "mel_scale": "htk", "remove_dc": False, "preemph_mode": "signal", "log": "ln_add", "log_guard": 1e-6}
    return wmel.features(x, plan=plan).astype(np.float64)


@pytest.mark.parametrize("port,start", [(psf_logfbank_hamming, True), (spafe_melspec_40, False)],
                         ids=["psf-hamming-40", "spafe-40"])
def test_library_start_for_a_port_far_from_its_claim(port, start):
    # claimed as Kaldi's preset (80 mels, povey, DC removal, its scale, ...): nine to eleven fields
    # away, found from the library's start; the answer holds on clips the fit never saw, and is
    # no cepstra plan (whose float32 bound an empty filter's guard once made boundless)
    r = wmel.diagnose(port, "kaldi")
    assert r["explained"] and r["reproduces"], (r["notes"], r["differences"], r["not_expressible"])
    f = fields(r)
    assert "n_ceps" not in f and f.get("n_mels") == "40", f
    # (the library's conventions named, whichever search found them first)
    assert not start or (f.get("snap_bins") == "1" and f.get("preemph_mode") == "signal"), (f, r["notes"])
    assert held_out_error(r, port) <= 1e-4
