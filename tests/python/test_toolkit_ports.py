"""wmel diagnose on real libraries' ports, written the way their docs do, with the truth from
each library's source: the plan diagnose emits must reproduce the port on three clips (speech,
synthetic speech, a chirp with a -70 dB noise floor), and the correct originals must come out
as matches on every clip. Each library is pytest.importorskip'ed (make test-toolkits)."""
import json
import os
import time

import numpy as np
import pytest

import wmel
from conftest import audio_of

SR = 16000


def synthetic_speech(seconds=3.0, seed=2):
    """Voiced segments (harmonics of a gliding f0 through two formant-like resonances) with
    noise bursts and pauses, at a speech-like level."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f0 = 120 + 40 * np.sin(2 * np.pi * 0.7 * t)
    ph = 2 * np.pi * np.cumsum(f0) / SR
    x = np.zeros_like(t)
    for k in range(1, 30):
        fk = k * f0
        amp = np.exp(-((fk - 700) / 300) ** 2) + 0.5 * np.exp(-((fk - 1800) / 400) ** 2) + 0.02
        x += amp * np.sin(k * ph) * (fk < SR / 2)
    env = (np.sin(2 * np.pi * 1.3 * t) > -0.3).astype(float)
    x = x * env + 0.05 * rng.standard_normal(t.size) * (1 - env)
    return (0.1 * x / np.abs(x).max()).astype(np.float32)


def chirp(seconds=5.0, seed=0):
    t = np.arange(int(seconds * SR)) / SR
    rng = np.random.default_rng(seed)
    x = 0.5 * np.sin(2 * np.pi * (50 * t + (7900 - 50) / (2 * seconds) * t * t))
    return (x + 10 ** (-70 / 20) * 0.5 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def clips(golden):
    # (golden: skipped without the conformance data, which jfk.flac comes from)
    return [audio_of("jfk_flac"), synthetic_speech(), chirp()]


def fields(r):
    return sorted(d["field"] for d in r["differences"])


def held(port, clips, preset, expect, found=None):
    """Diagnoses port on the clips (fitted on the first, checked on the others) and holds the
    answer: the fields expected, every clip reproduced by the emitted plan (or matched); a
    match that no plan writes (the clip padded to Whisper's 30 s before torch.stft's reflect
    padding) is held by each clip's own status."""
    feats = [port(a) for a in clips]
    t0 = time.perf_counter()
    r = wmel.diagnose(clips, feats, preset=preset)
    seconds = time.perf_counter() - t0
    info = json.dumps({k: r[k] for k in ("differences", "notes", "plan", "clips", "residual_after",
                                         "not_expressible")}, indent=1)
    assert fields(r) == sorted(expect), info
    for d in r["differences"]:
        if found and d["field"] in found:
            assert d["found"] == found[d["field"]], info
    want = "matches" if not expect else "reproduced"
    rels = []
    for a, x, c in zip(clips, feats, r["clips"]):
        if r["plan"] is None:  # (a match: every clip diagnosed as one)
            assert r["matches"] and c["status"] == "matches", info
            continue
        y = wmel.features(a, plan=r["plan"])
        x = np.asarray(x, dtype=np.float32).reshape(y.shape)
        rels.append(float(np.max(np.abs(y - x) / np.maximum(1, np.abs(x)))))
        assert c["status"] == want or rels[-1] <= 1e-3, info
    assert r["clips"][0]["status"] == want, info
    if os.environ.get("WMEL_PORTS_TABLE"):
        with open(os.environ["WMEL_PORTS_TABLE"], "a") as fh:
            fh.write(json.dumps([preset, [(d["field"], d["found"]) for d in r["differences"]], r["plan"],
                                 [c["status"] for c in r["clips"]], rels, round(seconds, 2)]) + "\n")
    return r


# ---- librosa: a Whisper port (melspectrogram + power_to_db, as its docs show)

def librosa_whisper(a, pad_mode=None):
    librosa = pytest.importorskip("librosa")
    kw = {} if pad_mode is None else {"pad_mode": pad_mode}
    S = librosa.feature.melspectrogram(y=a, sr=SR, n_fft=400, hop_length=160, n_mels=80, **kw)
    db = librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0)
    return ((db / 10 + 4) / 4)[:, :-1].astype(np.float32)


def test_librosa_whisper_default(clips):
    # librosa >= 0.10: center=True with pad_mode="constant" (zeros), openai's torch.stft reflects
    held(lambda a: librosa_whisper(a), clips, "whisper", ["framing"], {"framing": "center_zero"})


def test_librosa_whisper_reflect(clips):
    held(lambda a: librosa_whisper(a, "reflect"), clips, "whisper", [])


# ---- Kaldi: kaldi-native-fbank and torchaudio's compliance.kaldi.fbank

def knf_fbank(a, **opts):
    knf = pytest.importorskip("kaldi_native_fbank")
    o = knf.FbankOptions()
    o.frame_opts.dither = 0
    o.mel_opts.num_bins = 80
    for k, v in opts.items():
        setattr(o.frame_opts, k, v)
    fb = knf.OnlineFbank(o)
    fb.accept_waveform(SR, (a * 32768).tolist())
    fb.input_finished()
    return np.stack([fb.get_frame(i) for i in range(fb.num_frames_ready)])


def ta_fbank(a, scale=32768.0, **kw):
    torch = pytest.importorskip("torch")
    ta = pytest.importorskip("torchaudio")
    return ta.compliance.kaldi.fbank(torch.from_numpy(a)[None] * scale, num_mel_bins=80, dither=0.0, **kw).numpy()


def test_kaldi_native_fbank(clips):
    held(knf_fbank, clips, "kaldi", [])


def test_torchaudio_kaldi_fbank(clips):
    held(ta_fbank, clips, "kaldi", [])


def test_torchaudio_kaldi_fbank_unscaled(clips):
    # the samples in [-1, 1] where Kaldi reads int16 units: ln energies 2 ln 32768 lower
    held(lambda a: ta_fbank(a, 1.0), clips, "kaldi", ["scale"], {"scale": 1})


def test_torchaudio_kaldi_fbank_hamming(clips):
    held(lambda a: ta_fbank(a, window_type="hamming"), clips, "kaldi", ["window"], {"window": "hamming"})


# ---- torchaudio: NeMo's features from MelSpectrogram (the way a port writes them)

def ta_nemo(a):
    torch = pytest.importorskip("torch")
    ta = pytest.importorskip("torchaudio")
    x = torch.from_numpy(a.astype(np.float64))
    x = torch.cat([x[:1], x[1:] - 0.97 * x[:-1]])
    mel = ta.transforms.MelSpectrogram(sample_rate=SR, n_fft=512, win_length=400, hop_length=160, n_mels=80,
                                       window_fn=torch.hann_window, power=2.0, norm="slaney", mel_scale="slaney",
                                       center=True, pad_mode="constant").double()
    m = torch.log(mel(x) + 2.0 ** -24)
    n = a.size // 160
    m = m[:, :n + 1]
    mean = m[:, :n].mean(dim=1, keepdim=True)
    std = m[:, :n].std(dim=1, keepdim=True)
    y = (m - mean) / (std + 1e-5)
    y[:, n:] = 0
    return y.float().numpy()


def test_torchaudio_nemo_periodic_hann(clips):
    # torch.hann_window is periodic by default; NeMo builds hann_window(periodic=False)
    held(ta_nemo, clips, "nemo", ["window"], {"window": "hann_periodic"})


def test_torchaudio_kaldi_fbank_unscaled_hamming(clips):
    held(lambda a: ta_fbank(a, 1.0, window_type="hamming"), clips, "kaldi", ["scale", "window"],
         {"scale": 1, "window": "hamming"})


@pytest.mark.parametrize("dither", [0.5, 2.0])
def test_kaldi_native_fbank_dither_size(dither):
    """A dither off the grid (0.1, 0.3, 1, 3): its size found as a noise floor, "dither ~X"."""
    a = audio_of("jfk_flac")
    r = wmel.diagnose(a, knf_fbank(a, dither=dither), preset="kaldi")
    found = {d["field"]: d["found"] for d in r["differences"]}
    assert set(found) == {"dither"} and abs(found["dither"] / dither - 1) < 0.15, json.dumps(r, indent=1)
    assert r["explained"] and r["floor"] == "dither noise" and "dither ~" in r["notes"], json.dumps(r, indent=1)


# ---- lhotse: its own Kaldi (lhotse.features.kaldi), samples in [-1, 1], high_freq -400

def lhotse_fbank(a, **kw):
    ex = pytest.importorskip("lhotse.features.kaldi.extractors")
    return ex.Fbank(ex.FbankConfig(**kw)).extract(a, SR)


def test_lhotse_fbank_snip_edges(clips):
    # lhotse's FbankConfig: no x 32768, high_freq=-400 (Kaldi's 0), dither 0
    held(lambda a: lhotse_fbank(a, snip_edges=True), clips, "kaldi", ["scale", "high_freq"],
         {"scale": 1, "high_freq": -400})


def test_lhotse_fbank_default(clips):
    # its default snip_edges=False: frames centred on k hop + hop / 2, edges reflected Kaldi's
    # way, (n + hop / 2) / hop frames (framing kaldi_center)
    held(lambda a: lhotse_fbank(a), clips, "kaldi", ["scale", "high_freq", "framing"],
         {"scale": 1, "high_freq": -400, "framing": "kaldi_center"})


# ---- python_speech_features: logfbank (its bank's triangles snapped to FFT bins)

def psf_plan(nfilt=26, nfft=512, lowfreq=0, scale=1.0):
    """logfbank's conventions as a plan: 400-sample frames of no window every 160, zeros after
    the signal up to the last frame that starts in it (pad_right hop - 1), pre-emphasis 0.97 on
    the whole signal, |X|^2 / NFFT (scale NFFT^-1/2), HTK points snapped to FFT bins, ln with
    numpy's eps where an energy is 0."""
    return {"frontend": "kaldi", "n_mels": nfilt, "window": "rect", "remove_dc": 0, "preemph": 0.97,
            "preemph_mode": "signal", "mel_scale": "htk", "mel_norm": "none", "snap_bins": True, "n_fft": nfft,
            "low_freq": lowfreq, "high_freq": 0, "log": "ln_clamp", "log_guard": float(np.finfo(float).eps),
            "scale": scale * nfft ** -0.5, "dither": 0, "pad_right": 159, "pad_mode": "zero"}


@pytest.mark.parametrize("kw", [{}, {"nfilt": 80, "lowfreq": 20}, {"nfilt": 40, "nfft": 1024}])
def test_python_speech_features_original(clips, kw):
    """The original against its plan (snap_bins): within 2e-5 max(1, |x|) on the three clips."""
    psf = pytest.importorskip("python_speech_features")
    errs = []
    for a in clips:
        x = psf.logfbank(a, SR, **kw)
        y = wmel.features(a, plan=psf_plan(**kw))
        assert y.shape == x.shape
        errs.append(float(np.max(np.abs(y - x) / np.maximum(1, np.abs(x)))))
    if os.environ.get("WMEL_PORTS_TABLE"):
        with open(os.environ["WMEL_PORTS_TABLE"], "a") as fh:
            fh.write(json.dumps(["psf original", kw, errs]) + "\n")
    assert max(errs) <= 2e-5, errs


def test_python_speech_features_logfbank(clips):
    # sigproc: pre-emphasis on the whole signal, no window, |X|^2 / NFFT, HTK mel points snapped
    # to bins floor((nfft + 1) f / sr), numpy's end padding, eps where 0: held as a kaldi port
    # (x 32768, 80 filters from 20 Hz as Kaldi's), every field named and the plan reproducing it
    psf = pytest.importorskip("python_speech_features")
    r = held(lambda a: psf.logfbank(a * 32768, SR, nfilt=80, nfft=512, lowfreq=20), clips, "kaldi",
             ["pad_right", "mel_scale", "snap_bins", "log_guard", "window", "preemph_mode", "scale", "remove_dc"],
             {"pad_right": 159, "mel_scale": "htk", "snap_bins": 1, "window": "rect", "preemph_mode": "signal",
              "remove_dc": 0})
    assert "numpy's |X|^2 / 512" in r["notes"], r["notes"]


def cli_text(a, x):
    """wmel diagnose's text report (build/wmel) for a clip and features; None without a build."""
    import pathlib
    import subprocess
    import tempfile
    exe = pathlib.Path(__file__).resolve().parents[2] / "build" / "wmel"
    if not exe.exists():
        return None
    with tempfile.TemporaryDirectory() as d:
        np.save(os.path.join(d, "a.npy"), a.astype(np.float32))
        np.save(os.path.join(d, "x.npy"), np.asarray(x, dtype=np.float32))
        p = subprocess.run([str(exe), "diagnose", "--preset", "kaldi", "--audio", os.path.join(d, "a.npy"), "--features",
                            os.path.join(d, "x.npy")], capture_output=True, text=True)
    return p.stdout
