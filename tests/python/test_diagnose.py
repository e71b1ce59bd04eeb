"""wmel.diagnose() and `wmel diagnose` held to real mistakes of ports: each bug recreated in
numpy as the port computed it (or with kaldi-native-fbank's own options), on the golden
audio; diagnose must name each cause and nothing else, and the originals (openai-whisper's
float32 path, transformers' WhisperFeatureExtractor, kaldi-native-fbank, NeMo's algorithm)
must come out as matches. No torch."""
import json
import os
import pathlib
import stat
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import wmel
from conftest import GOLDEN, audio_of, ref

ROOT = pathlib.Path(__file__).resolve().parents[2]


# ---- the originals' algorithms in numpy, each with the switches a port gets wrong

def hz_to_mel(f, htk):
    f = np.asarray(f, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    lin = f / (200.0 / 3)
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0), lin)


def mel_to_hz(m, htk):
    m = np.asarray(m, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    return np.where(m >= 15.0, 1000.0 * np.exp(np.log(6.4) / 27.0 * (m - 15.0)), m * 200.0 / 3)


def mel_bank(n_mels, n_fft, sr=16000, fmin=0.0, fmax=8000.0, htk=False, norm=True):
    """librosa.filters.mel (Slaney or HTK scale, Slaney norm or none), float64."""
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    hz = mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels + 2), htk)
    fdiff = np.diff(hz)
    ramps = hz[:, None] - freqs[None, :]
    w = np.maximum(0, np.minimum(-ramps[:-2] / fdiff[:-1, None], ramps[2:] / fdiff[1:, None]))
    if norm:
        w *= (2.0 / (hz[2:] - hz[:-2]))[:, None]
    return w


def hann(n, periodic):
    i = np.arange(n)
    return 0.5 - 0.5 * np.cos(2 * np.pi * i / (n if periodic else n - 1))


def bf16(a):
    """float32 values rounded to bfloat16 (8 significant bits, to nearest even), as float32:
    what torch's .to(torch.bfloat16) keeps."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    u = (u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))) & np.uint32(0xFFFF0000)
    return u.view(np.float32)


def whisper_np(audio, n_mels=80, periodic=True, htk=False, pad_to=None, keep_last=False, late=0,
               dtype=np.float32, zero_row=None, chunk_max=False):
    """openai-whisper's log_mel_spectrogram in numpy float32 (or dtype: float16, or "bfloat16":
    every stage's values rounded to bfloat16, as a model run in torch.bfloat16), with a port's
    mistakes. chunk_max: the max of max - 8 taken per 30 s chunk (3000 frames), as a port that
    cuts a long clip into Whisper's windows after one STFT of the whole clip."""
    if isinstance(dtype, str):  # bfloat16: each stage computed in float32, stored in bfloat16
        x = np.asarray(audio, dtype=np.float32)
        if late:
            x = np.concatenate([x[late:], np.zeros(late, np.float32)])
        if pad_to:
            x = np.pad(x, (0, pad_to - len(x)))
        frames = np.lib.stride_tricks.sliding_window_view(np.pad(x, 200, mode="reflect"), 400)[::160]
        w = hann(400, periodic).astype(np.float32)  # the STFT in float32 (torch.stft has no bfloat16)
        mag = bf16((np.abs(np.fft.rfft(frames * w, axis=-1)) ** 2).astype(np.float32))[:-1]
        filt = mel_bank(n_mels, 400, htk=True) if htk else np.load(GOLDEN / "mel_filters.npz")[f"mel_{n_mels}"]
        mel = bf16((bf16(filt.astype(np.float32)) @ mag.T).astype(np.float32))
        lg = bf16(np.log10(np.maximum(mel, np.float32(1e-10))))
        lg = bf16(np.maximum(lg, lg.max() - np.float32(8)))
        return bf16((lg + np.float32(4)) / np.float32(4))
    x = np.asarray(audio, dtype=np.float32)
    if late:
        x = np.concatenate([x[late:], np.zeros(late, np.float32)])
    if pad_to:
        x = np.pad(x, (0, pad_to - len(x)))
    xp = np.pad(x, 200, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(xp, 400)[::160]
    w = hann(400, periodic).astype(np.float32)
    if dtype == np.float16:
        spec = np.fft.rfft((frames.astype(np.float16) * w.astype(np.float16)).astype(np.float32), axis=-1)
        re, im = spec.real.astype(np.float16), spec.imag.astype(np.float16)
        mag = re * re + im * im
    else:
        mag = (np.abs(np.fft.rfft(frames * w, axis=-1)) ** 2).astype(np.float32)
    if not keep_last:
        mag = mag[:-1]
    if htk:
        filt = mel_bank(n_mels, 400, htk=True).astype(np.float32)
    else:
        filt = np.load(GOLDEN / "mel_filters.npz")[f"mel_{n_mels}"].astype(np.float32)
    if zero_row is not None:
        filt = filt.copy()
        filt[zero_row] = 0  # the port's quantised bank: this filter's weights all rounded to 0
    # float16 values at every stage, the products summed in float32 (a GPU's half matmul)
    mel = (filt.astype(dtype).astype(np.float32) @ mag.T.astype(np.float32)).astype(dtype)
    lg = np.log10(np.maximum(mel, dtype(1e-10) if dtype != np.float16 else np.float16(6e-8)))
    if chunk_max:
        lg = np.concatenate([np.maximum(c, c.max() - dtype(8)) for c in np.split(lg, range(3000, lg.shape[1], 3000), 1)], 1)
    else:
        lg = np.maximum(lg, lg.max() - dtype(8))
    return ((lg + dtype(4)) / dtype(4)).astype(np.float32)


def nemo_np(audio, reflect=False, slaney_norm=True, ddof=1, guard=2.0 ** -24, preemph=0.97):
    """NeMo's FilterbankFeatures (since mid-2025) in numpy float64, with a port's mistakes."""
    x = np.asarray(audio, dtype=np.float64)
    n = len(x)
    x = np.concatenate([x[:1], x[1:] - preemph * x[:-1]])
    xp = np.pad(x, 256, mode="reflect" if reflect else "constant")
    frames = np.lib.stride_tricks.sliding_window_view(xp, 512)[::160]
    w = np.zeros(512)
    w[56:456] = hann(400, periodic=False)
    p = np.abs(np.fft.rfft(frames * w, axis=-1)) ** 2
    mel = mel_bank(80, 512, norm=slaney_norm) @ p.T
    lg = np.log(mel + guard)
    valid = n // 160
    v = lg[:, :valid]
    mean = v.mean(axis=1, keepdims=True)
    std = v.std(axis=1, ddof=ddof, keepdims=True)
    out = (lg - mean) / (std + 1e-5)
    out[:, valid:] = 0
    return out.astype(np.float32)


def knf_fbank(audio, signal_preemph=0.0, **opts):
    """kaldi-native-fbank's fbank with the options given; signal_preemph: the port
    pre-emphasises the whole signal first (and Kaldi's per-frame pre-emphasis is off)."""
    knf = pytest.importorskip("kaldi_native_fbank")
    o = knf.FbankOptions()
    o.frame_opts.dither = 0.0
    o.mel_opts.num_bins = 80
    for k, v in opts.items():
        setattr(o.frame_opts, k, v)
    x = np.asarray(audio, np.float64) * 32768.0
    if signal_preemph:
        o.frame_opts.preemph_coeff = 0.0
        x = np.concatenate([x[:1], x[1:] - signal_preemph * x[:-1]])
    f = knf.OnlineFbank(o)
    f.accept_waveform(16000, x.tolist())
    f.input_finished()
    return np.stack([np.asarray(f.get_frame(i)) for i in range(f.num_frames_ready)]).astype(np.float32)


def lfr(feats, m=7, n=6, tail="last"):
    """FunASR's apply_lfr (funasr_onnx WavFrontend): (m - 1) // 2 copies of the first frame
    before, a row of m frames every n frames, the rows past the end filled with copies of the
    last frame (tail "zero": a port's zeros instead)."""
    T = len(feats)
    left = (m - 1) // 2
    x = np.concatenate([np.repeat(feats[:1], left, axis=0), feats])
    rows = []
    for i in range(-(-T // n)):
        r = x[i * n:i * n + m]
        if len(r) < m:
            fill = np.repeat(x[-1:], m - len(r), axis=0) if tail == "last" else np.zeros((m - len(r), x.shape[1]), x.dtype)
            r = np.concatenate([r, fill])
        rows.append(r.reshape(-1))
    return np.stack(rows).astype(np.float32)


def granite5_np(audio, snap_bins=False):
    """transformers' GraniteSpeech5FeatureExtractor for one clip (torchaudio MelSpectrogram:
    n_fft 512, a periodic Hann of 400 centred in it, reflect padding, HTK bank without norm;
    log10 clamped at 1e-10 on an even number of frames, max - 8, / 4 + 1, deltas of width 3,
    2 frames a row) in numpy float64. snap_bins: the port's bank, each triangle's edges and
    centre snapped to an FFT bin (floor((n_fft + 1) f / sr)), as audio.cpp's granite5asr
    build_htk_mel_filterbank() did: low filters narrower than a bin vanish or move."""
    x = np.asarray(audio, dtype=np.float64)
    xp = np.pad(x, 256, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(xp, 512)[::160]
    w = np.zeros(512)
    w[56:456] = hann(400, periodic=True)
    p = np.abs(np.fft.rfft(frames * w, axis=-1)) ** 2
    if snap_bins:
        hz = mel_to_hz(np.linspace(hz_to_mel(0.0, True), hz_to_mel(8000.0, True), 82), True)
        b = np.floor(513 * hz / 16000).astype(int)
        fb = np.zeros((80, 257))
        for i in range(80):
            lo, c, hi = b[i], b[i + 1], b[i + 2]
            for k in range(lo, c):
                fb[i, k] = (k - lo) / (c - lo)
            for k in range(c, hi):
                fb[i, k] = (hi - k) / (hi - c)
    else:
        fb = mel_bank(80, 512, htk=True, norm=False)
    lg = np.log10(np.maximum(fb @ p.T, 1e-10)).T  # [frames][80]
    lg = lg[:len(lg) // 2 * 2]
    lg = np.maximum(lg, lg.max() - 8) / 4 + 1
    d = (np.concatenate([lg[1:], lg[-1:]]) - np.concatenate([lg[:1], lg[:-1]])) / 2
    return np.concatenate([lg, d], axis=1).reshape(len(lg) // 2, 320).astype(np.float32)


# ---- the cases

@pytest.fixture(scope="module")
def jfk():
    return audio_of("jfk_flac")


@pytest.fixture(scope="module")
def exact30():
    return audio_of("exact_30s_wav")


def fields(r):
    return sorted(d["field"] for d in r["differences"])


def check(r, expect, found=None):
    assert fields(r) == sorted(expect), json.dumps(r, indent=1)
    assert r["explained"], json.dumps(r, indent=1)
    assert r["matches"] == (not expect)
    for d in r["differences"]:
        if found and d["field"] in found:
            assert d["found"] == found[d["field"]], json.dumps(r, indent=1)


TABLE = []  # (case, differences, before, after, seconds): docs/porting.md's table


def run(name, audio, feats, preset, expect, found=None):
    t = time.perf_counter()
    r = wmel.diagnose(audio, feats, preset=preset)
    dt = time.perf_counter() - t
    TABLE.append((name, [(d["field"], d["preset"], d["found"]) for d in r["differences"]],
                  r["residual_before"], r["residual_after"], dt))
    if os.environ.get("WMEL_DIAGNOSE_TABLE"):
        with open(os.environ["WMEL_DIAGNOSE_TABLE"], "a") as fh:
            fh.write(json.dumps([name, TABLE[-1][1], r["residual_before"], r["residual_after"], dt, r["notes"]]) + "\n")
    check(r, expect, found)
    # the answer is a plan that reproduces the port, or says what no plan expresses
    assert r["reproduces"] or r["not_expressible"], json.dumps(r, indent=1)
    if r["reproduces"]:
        assert r["plan"] is not None and r["not_expressible"] == ""
    return r


def test_originals_match(jfk, exact30):
    run("openai-whisper float32 (golden)", jfk, ref("jfk_flac.mel80_30s"), "whisper", [])
    run("openai-whisper float32, 128 mels (golden)", audio_of("speech_en_wav"), ref("speech_en_wav.mel128"), "whisper-128", [])
    run("whisper in numpy (this file)", jfk, whisper_np(jfk, pad_to=480000), "whisper", [])
    run("exact 30 s, transformers (golden)", exact30, ref("exact_30s_wav.hf80_np"), "whisper", [])
    run("NeMo in numpy", jfk, nemo_np(jfk), "nemo", [])
    run("kaldi-native-fbank", jfk, knf_fbank(jfk), "kaldi", [])


def test_transformers_whisper_matches(jfk):
    tr = pytest.importorskip("transformers")
    fe = tr.WhisperFeatureExtractor(feature_size=80)
    x = fe(jfk, sampling_rate=16000, return_tensors="np").input_features  # (1, 80, 3000)
    # the original, with a leading batch axis: the plan states only that convention
    r = run("transformers WhisperFeatureExtractor", jfk, x, "whisper", ["batch_axis"])
    assert r["reproduces"] and r["plan"]["batch_axis"] in (1, True), r["plan"]
    r = run("transformers WhisperFeatureExtractor, one clip's features", jfk, x[0], "whisper", [])
    assert r["matches"], r


def test_torchaudio_kaldi_matches(jfk):
    """torchaudio's Kaldi-compatible fbank (float32, its defaults but dither 0) where installed."""
    torch = pytest.importorskip("torch")
    ta_kaldi = pytest.importorskip("torchaudio.compliance.kaldi")
    w = torch.from_numpy(np.asarray(jfk, np.float32) * 32768.0)[None]
    x = ta_kaldi.fbank(w, num_mel_bins=80, dither=0.0, sample_frequency=16000.0).numpy()
    run("torchaudio compliance.kaldi.fbank", jfk, x, "kaldi", [])


def test_whisper_symmetric_hann(jfk):
    run("whisper: symmetric Hann", jfk, whisper_np(jfk, periodic=False, pad_to=480000), "whisper", ["window"],
        {"window": "hann"})


def test_whisper_late(jfk):
    r = run("whisper: frames 80 samples late", jfk, whisper_np(jfk, late=80, pad_to=480000), "whisper", ["pad_left"])
    assert r["differences"][0]["found"] == 120


def test_whisper_frame_counts(jfk, exact30):
    run("exact 30 s: an extra silent chunk", exact30, whisper_np(exact30, pad_to=960000), "whisper", ["n_frames"],
        {"n_frames": 6000})
    run("exact 30 s: the last STFT frame kept", exact30, whisper_np(exact30, keep_last=True), "whisper", ["valid"],
        {"valid": "all"})
    run("short clip padded to 61 s", jfk, whisper_np(jfk, pad_to=976000), "whisper", ["n_frames"], {"n_frames": 6100})


def test_whisper_zero_row(jfk):
    r = run("whisper: a mel filter quantised to zero", jfk, whisper_np(jfk, pad_to=480000, zero_row=5), "whisper",
            ["bank"])
    assert "5" in r["differences"][0]["found"]


def test_whisper_float16(jfk):
    run("whisper computed in float16", jfk, whisper_np(jfk, pad_to=480000, dtype=np.float16), "whisper", ["dtype"],
        {"dtype": "float16"})


def test_qwen3_asr(jfk):
    run("Qwen3-ASR (whisper-128): HTK mel scale", jfk, whisper_np(jfk, 128, htk=True, pad_to=480000), "whisper-128",
        ["mel_scale"], {"mel_scale": "htk"})
    run("Qwen3-ASR: symmetric Hann", jfk, whisper_np(jfk, 128, periodic=False, pad_to=480000), "whisper-128",
        ["window"], {"window": "hann"})
    run("Qwen3-ASR: HTK and symmetric Hann", jfk, whisper_np(jfk, 128, htk=True, periodic=False, pad_to=480000),
        "whisper-128", ["mel_scale", "window"])


def test_nemo(jfk):
    run("NeMo: reflect padding", jfk, nemo_np(jfk, reflect=True), "nemo", ["framing"], {"framing": "center_reflect"})
    # mlx-audio's Parakeet port passed its normalize option ("per_feature") as the bank's norm:
    # its mel_filters() scales by Slaney's 2 / (f[i + 2] - f[i]) only for norm == "slaney", so
    # the bank was left unnormalised where NeMo's FilterbankFeatures builds librosa's bank with
    # norm="slaney" (its mel_scale=None fell back to Slaney's scale: right by accident)
    r = run("NeMo: no Slaney bank norm (mlx-audio's Parakeet)", jfk, nemo_np(jfk, slaney_norm=False), "nemo",
            ["mel_norm"], {"mel_norm": "none"})
    assert [(d["field"], d["preset"], d["found"]) for d in r["differences"]] == [("mel_norm", "slaney", "none")]
    run("NeMo: std with ddof 0", jfk, nemo_np(jfk, ddof=0), "nemo", ["norm_ddof"], {"norm_ddof": 0})
    run("NeMo: log guard 1e-5", jfk, nemo_np(jfk, guard=1e-5), "nemo", ["log_guard"], {"log_guard": 1e-5})
    run("NeMo: reflect, ddof 0, guard 1e-5", jfk, nemo_np(jfk, reflect=True, ddof=0, guard=1e-5), "nemo",
        ["framing", "log_guard", "norm_ddof"])
    # all four of mlx-audio's Parakeet front-end at once: without the norm and with guard 1e-5
    # neither lowers the residual alone (the per-feature normalisation takes the norm's factor
    # out but for the guard): the search tries them as a pair
    run("NeMo: mlx-audio's Parakeet (reflect, no Slaney norm, ddof 0, guard 1e-5)", jfk,
        nemo_np(jfk, reflect=True, slaney_norm=False, ddof=0, guard=1e-5), "nemo",
        ["framing", "log_guard", "mel_norm", "norm_ddof"], {"mel_norm": "none", "log_guard": 1e-5})


def test_kaldi(jfk):
    run("Kaldi: hann for povey", jfk, knf_fbank(jfk, window_type="hanning"), "kaldi", ["window"], {"window": "hann"})
    run("Kaldi: no DC removal", jfk, knf_fbank(jfk, remove_dc_offset=False), "kaldi", ["remove_dc"], {"remove_dc": 0})
    run("Kaldi: pre-emphasis off", jfk, knf_fbank(jfk, preemph_coeff=0.0), "kaldi", ["preemph"], {"preemph": 0})
    run("Kaldi: hann, no DC removal, no pre-emphasis", jfk,
        knf_fbank(jfk, window_type="hanning", remove_dc_offset=False, preemph_coeff=0.0), "kaldi",
        ["preemph", "remove_dc", "window"])


def test_whisper_combined(jfk):
    run("whisper: symmetric Hann, 80 samples late", jfk, whisper_np(jfk, periodic=False, late=80, pad_to=480000),
        "whisper", ["pad_left", "window"])


def test_layout_and_units(jfk):
    x = whisper_np(jfk, pad_to=480000)
    run("whisper: time-major", jfk, x.T.copy(), "whisper", ["layout"], {"layout": "frames_mels"})
    k = knf_fbank(jfk)
    run("Kaldi: log10 instead of ln", jfk, k / np.log(10), "kaldi", ["units"])


def test_cli_json(jfk, tmp_path):
    exe = ROOT / "build" / "wmel"
    if not exe.exists():
        pytest.skip("build/wmel not built")
    np.save(tmp_path / "f.npy", whisper_np(jfk, periodic=False, pad_to=480000))
    p = subprocess.run([str(exe), "diagnose", "--preset", "whisper", "--audio", str(GOLDEN / "audio" / "jfk.flac"),
                        "--features", str(tmp_path / "f.npy"), "--json"], capture_output=True, text=True)
    # (differs; the clip padded to 30 s is a plan's n_samples, and the whisper front-end's
    # options take no other window: the plan is written as the nemo front-end's with
    # Whisper's values, which reproduces the port -- exit 1)
    assert p.returncode == 1, p.stderr
    r = json.loads(p.stdout)
    assert [d["field"] for d in r["differences"]] == ["window"]
    assert r["residual_before"] > 100 * r["residual_after"]
    assert r["plan"]["frontend"] == "nemo" and r["plan"]["n_samples"] == 480000, r["plan"]
    assert "nemo front-end's plan" in r["notes"], r["notes"]
    got = wmel.features(jfk, plan=r["plan"])
    want = np.load(tmp_path / "f.npy")
    assert got.shape == want.shape and float(np.max(np.abs(got - want))) < 1e-4
    ref_feats = ref("jfk_flac.mel80_30s")
    ref_feats.astype("<f4").tofile(tmp_path / "f.raw")
    p = subprocess.run([str(exe), "diagnose", "--preset", "whisper", "--audio", str(GOLDEN / "audio" / "jfk.flac"),
                        "--features", str(tmp_path / "f.raw"), "--shape", "80,3000"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("matches within float32 rounding"), p.stdout + p.stderr


def test_cli_exit_status(jfk, tmp_path):
    """0 matches, 1 differs and the plan reproduces it (test_cli_json), 2 usage errors, 3 not
    explained or not diagnosed: a script tells a wrong port from a check that did not run."""
    exe = ROOT / "build" / "wmel"
    if not exe.exists():
        pytest.skip("build/wmel not built")
    audio = str(GOLDEN / "audio" / "jfk.flac")

    def rc(*args):
        p = subprocess.run([str(exe), "diagnose", *args], capture_output=True, text=True)
        return p.returncode, p.stderr

    assert rc("--preset", "whisper", "--audio", audio)[0] == 2  # no --features
    assert rc("--preset", "whisper", "--audio", audio, "--features", "x.npy", "--bogus")[0] == 2
    code, err = rc("--preset", "whisper", "--audio", audio, "--features", str(tmp_path / "none.npy"))
    assert code == 3 and "none.npy" in err, err
    code, err = rc("--preset", "whisper", "--audio", str(tmp_path / "none.wav"), "--features", str(tmp_path / "f.npy"))
    assert code == 3, err
    np.save(tmp_path / "odd.npy", np.zeros((7, 13), np.float32))  # no layout of the plan's
    code, err = rc("--preset", "whisper", "--audio", audio, "--features", str(tmp_path / "odd.npy"))
    assert code == 3 and err.strip(), err
    (tmp_path / "bad.npy").write_bytes(b"not an array")
    assert rc("--preset", "whisper", "--audio", audio, "--features", str(tmp_path / "bad.npy"))[0] == 3


# ---- pre-emphasis values, dtypes, stacking, banks: what the search estimates or detects

def test_preemph_values(jfk):
    run("Kaldi: pre-emphasis 0.95", jfk, knf_fbank(jfk, preemph_coeff=0.95), "kaldi", ["preemph"], {"preemph": 0.95})
    run("Kaldi: pre-emphasis 0.9", jfk, knf_fbank(jfk, preemph_coeff=0.9), "kaldi", ["preemph"], {"preemph": 0.9})
    run("Kaldi: pre-emphasis on the whole signal", jfk, knf_fbank(jfk, signal_preemph=0.97), "kaldi",
        ["preemph_mode"], {"preemph_mode": "signal"})
    run("NeMo: pre-emphasis 0.95", jfk, nemo_np(jfk, preemph=0.95), "nemo", ["preemph"], {"preemph": 0.95})


def test_whisper_bfloat16(jfk):
    x = whisper_np(jfk, pad_to=480000, dtype="bfloat16")
    assert np.array_equal(bf16(x), x)
    run("whisper computed in bfloat16", jfk, x, "whisper", ["dtype"], {"dtype": "bfloat16"})
    run("whisper-128 in bfloat16 with the HTK scale", jfk, whisper_np(jfk, 128, htk=True, pad_to=480000,
        dtype="bfloat16"), "whisper-128", ["dtype", "mel_scale"], {"dtype": "bfloat16", "mel_scale": "htk"})


def test_lfr(jfk):
    k = knf_fbank(jfk, window_type="hamming")
    run("FunASR: LFR 7/6 (numpy) on kaldi-native-fbank", jfk, lfr(k), "funasr", [])
    run("FunASR: LFR left out", jfk, k, "funasr", ["lfr"], {"lfr": "none"})
    cut = jfk[:400 + 160 * 1092]  # 1093 frames: the last LFR row reaches 3 frames past the end
    run("FunASR: LFR's missing frames as zeros", cut, lfr(knf_fbank(cut, window_type="hamming"), tail="zero"), "funasr",
        ["stack_tail"], {"stack_tail": "zero"})
    run("Kaldi claimed, FunASR's LFR 7/6 applied", jfk, lfr(knf_fbank(jfk)), "kaldi", ["lfr"],
        {"lfr": "7/6, stack_left 3, stack_tail last"})
    run("FunASR: LFR left out, Hann, pre-emphasis 0.95", jfk,
        knf_fbank(jfk, window_type="hanning", preemph_coeff=0.95), "funasr", ["lfr", "preemph", "window"])


def test_unrelated_features(jfk, tmp_path):
    """Features of another front-end: nothing near the preset explains them."""
    rng = np.random.default_rng(5)
    r = wmel.diagnose(jfk, rng.standard_normal((80, 3000)).astype(np.float32), preset="whisper")
    assert not r["matches"] and not r["explained"], r
    assert r["residual_after"] > 100 * r["tolerance"], r
    k = knf_fbank(jfk)
    n = k.shape[1]
    dct = np.cos(np.pi / n * (np.arange(n)[:, None] + 0.5) * np.arange(n)[None, :])  # an MFCC of every order
    r = wmel.diagnose(jfk, (k @ dct).astype(np.float32), preset="kaldi")
    assert not r["matches"] and not r["explained"], r
    exe = ROOT / "build" / "wmel"
    if exe.exists():
        np.save(tmp_path / "mfcc.npy", (k @ dct).astype(np.float32))
        p = subprocess.run([str(exe), "diagnose", "--preset", "kaldi", "--audio", str(GOLDEN / "audio" / "jfk.flac"),
                            "--features", str(tmp_path / "mfcc.npy")], capture_output=True, text=True)
        assert p.returncode == 3 and p.stdout.startswith("no plan near this preset explains it"), p.stdout + p.stderr
        assert "not explained: no plan near" in p.stderr, p.stderr


def test_granite5_bin_snapped_bank(jfk):
    """audio.cpp's granite5asr bank (triangles snapped to FFT bins): mel row 2 all zero, rows 0
    and 3 on other bins: the plan's snap_bins (WMEL_BANK_SNAP_BINS), the zero row its own."""
    run("GraniteSpeech 5 (numpy)", jfk, granite5_np(jfk), "granite-speech5", [])
    x = granite5_np(jfk, snap_bins=True)
    t = time.perf_counter()
    r = wmel.diagnose(jfk, x, preset="granite-speech5")
    TABLE.append(("GraniteSpeech 5: bank snapped to FFT bins", [(d["field"], d["preset"], d["found"])
                  for d in r["differences"]], r["residual_before"], r["residual_after"], time.perf_counter() - t))
    if os.environ.get("WMEL_DIAGNOSE_TABLE"):
        with open(os.environ["WMEL_DIAGNOSE_TABLE"], "a") as fh:
            fh.write(json.dumps([TABLE[-1][0], TABLE[-1][1], r["residual_before"], r["residual_after"], TABLE[-1][4],
                                 r["notes"]]) + "\n")
    assert [(d["field"], d["found"]) for d in r["differences"]] == [("snap_bins", 1)], r
    assert r["explained"] and r["reproduces"], r


def test_kaldi_dither(jfk):
    """kaldi-native-fbank's own default dither (1.0, int16 units) where the preset has none:
    random, so held to the spread of two dither seeds of the plan with it ("dither noise")."""
    r = run("Kaldi: dither 1 (kaldi-native-fbank's default)", jfk, knf_fbank(jfk, dither=1.0), "kaldi", ["dither"],
            {"dither": 1})
    assert r["floor"] == "dither noise" and r["residual_before"] > 3 * r["residual_after"], r
    run("Kaldi: dither 0.1", jfk, knf_fbank(jfk, dither=0.1), "kaldi", ["dither"], {"dither": 0.1})


def test_combined_new(jfk):
    run("Kaldi: pre-emphasis 0.95, Hann, no DC removal", jfk,
        knf_fbank(jfk, preemph_coeff=0.95, window_type="hanning", remove_dc_offset=False), "kaldi",
        ["preemph", "remove_dc", "window"], {"preemph": 0.95})
    run("NeMo: pre-emphasis 0.9, reflect, ddof 0", jfk, nemo_np(jfk, preemph=0.9, reflect=True, ddof=0), "nemo",
        ["framing", "norm_ddof", "preemph"], {"preemph": 0.9})
    run("whisper: bfloat16, symmetric Hann, 80 samples late", jfk,
        whisper_np(jfk, periodic=False, late=80, pad_to=480000, dtype="bfloat16"), "whisper",
        ["dtype", "pad_left"])


def test_tolerance_is_float32_rounding(jfk):
    """The match's bound is the packs' rel1 rule (1e-4 x max(1, |value|)): openai-whisper's
    float32 path (4.4e-5) matches, the same features with a real error of 1e-3 in a few cells
    (under the 2e-3 of a bound that took in kaldi-native-fbank's near-silent cells
    everywhere) do not; kaldi-native-fbank's 2.2e-3 sits in cells 21 (ln) below their frame's
    loudest, where float32 transforms are noise, and still matches (test_originals_match)."""
    x = ref("jfk_flac.mel80_30s").copy()
    r = wmel.diagnose(jfk, x, preset="whisper")
    assert r["matches"] and r["tolerance"] == 1e-4, r
    x[10, 100:110] += 1e-3
    r = wmel.diagnose(jfk, x, preset="whisper")
    assert not r["matches"] and not r["explained"], r


@pytest.fixture(scope="module")
def clip48():
    """48 s of speech (jfk, speech_en, exact_30s): Whisper pads it to two 30 s chunks."""
    return np.concatenate([audio_of("jfk_flac"), audio_of("speech_en_wav"), audio_of("exact_30s_wav")])


def test_whisper_chunk_max(clip48):
    """A port that takes Whisper's max (of max - 8) per 30 s chunk where the original takes it
    over the whole input: the scope named, alone or beside another mistake, within float32
    rounding, inside the search's work bound."""
    x = whisper_np(clip48, pad_to=960000)
    run("whisper 48 s in numpy (one max)", clip48, x, "whisper", [])
    y = whisper_np(clip48, pad_to=960000, chunk_max=True)
    assert np.abs(y - x).max() > 0.1  # the chunks' maxima differ: the mistake shows
    r = run("whisper 48 s: max per 30 s chunk", clip48, y, "whisper", ["norm_max_scope"],
            {"norm_max_scope": "chunk"})
    assert not r["work_bound"] and not r["time_bound"]  # (within the search's work; its time: bench/)
    assert r["differences"][0]["preset"] == "clip"
    assert r["residual_before"] > 0.1 and r["residual_after"] <= 1e-4 * np.abs(y).max()
    run("whisper 48 s: max per chunk, HTK mel scale", clip48,
        whisper_np(clip48, htk=True, pad_to=960000, chunk_max=True), "whisper", ["mel_scale", "norm_max_scope"],
        {"mel_scale": "htk", "norm_max_scope": "chunk"})


def test_whisper_chunk_max_short(jfk):
    """One chunk: the max's scope is not searched (both give the same values)."""
    x = whisper_np(jfk, pad_to=480000, chunk_max=True)
    assert np.array_equal(x, whisper_np(jfk, pad_to=480000))
    run("whisper 11 s: max per chunk (one chunk)", jfk, x, "whisper", [])


# ---- bad input: shapes, frame counts the plan never reaches, NaN cells, constant features

def test_shape_product_checked(tmp_path):
    """A shape whose product wraps (80 x 288230376151714744 is 240000 modulo 2^64) or that
    does not hold the buffer's values is refused with a sentence, never read past (a child
    process: a crash is a failure, not the end of the run)."""
    code = (
        "import numpy as np\n"
        "from wmel import _diagnose\n"
        "a = np.zeros(16000, np.float32).tobytes()\n"
        "f = np.zeros(240000, np.float32).tobytes()\n"
        "for shape in [(80, 288230376151714744), (80, 3001), (240000, 0), (80, 3000, 1, 1)]:\n"
        "    try:\n"
        "        _diagnose.run(a, f, shape, 0, 'whisper')\n"
        "        print('accepted', shape)\n"
        "    except (ValueError, OverflowError) as e:\n"
        "        print('refused', shape, e)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "accepted" not in p.stdout and p.stdout.count("refused") == 4, p.stdout
    assert "not the shape's 23058430092137179520" not in p.stdout  # the product never wraps
    with pytest.raises(ValueError, match="axis of length 0"):
        wmel.diagnose(np.zeros(16000, np.float32), np.zeros((80, 0), np.float32), preset="whisper")


def test_frame_count_fixed_plan_terminates():
    """A port one frame longer than a plan of a fixed frame count (AST's 1024, Kaldi with
    n_frames 100) is told the difference, promptly (the padding that would give it is
    searched within bounds); Whisper's count is the clip's (699 here), not the 30 s chunk's,
    unless the port pads to the chunk; a stacked plan's rows are counted as rows."""
    code = (
        "import json, numpy as np, wmel\n"
        "from conftest import audio_of\n"
        "a = audio_of('speech_en_wav')\n"
        "x = wmel.features(a, plan='ast')\n"
        "r = wmel.diagnose(a, np.vstack([x, x[-1:]]), preset='ast')\n"
        "print(json.dumps(r))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=pathlib.Path(__file__).parent)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert [(d["field"], d["preset"], d["found"]) for d in r["differences"]] == [("n_frames", 1024, 1025)], r
    assert "one extra frame (1025 vs 1024)" in r["notes"], r
    sp = audio_of("speech_en_wav")
    w = wmel.features(sp, plan="whisper")
    assert w.shape == (80, 699)
    r = wmel.diagnose(sp, np.hstack([w, w[:, -1:]]), preset="whisper")
    assert [(d["field"], d["preset"], d["found"]) for d in r["differences"]] == [("n_frames", 699, 700)], r
    assert "one extra frame (700 vs 699)" in r["notes"], r
    r = wmel.diagnose(sp, w[:, :-1], preset="whisper")
    assert [(d["field"], d["preset"], d["found"]) for d in r["differences"]] == [("n_frames", 699, 698)], r
    assert "one frame fewer (698 vs 699)" in r["notes"], r
    for preset in ["funasr", "fun-asr-nano", "granite-speech", "granite-speech5", "seamless", "neucodec", "xcodec2"]:
        x = wmel.features(sp, plan=preset)
        r = wmel.diagnose(sp, x[:-1], preset=preset)
        assert [d["field"] for d in r["differences"]][:1] == ["n_frames"], (preset, r)
        assert f"one row fewer ({len(x) - 1} vs {len(x)})" in r["notes"], (preset, r)


def test_nan_cell_named(jfk):
    """One NaN in features that match otherwise: the cell named (row, column), the rest
    diagnosed as matching, no claim that nothing explains the shape."""
    x = ref("jfk_flac.mel80_30s").copy()
    x[3, 100] = np.nan
    r = wmel.diagnose(jfk, x, preset="whisper")
    assert [(d["field"], d["found"]) for d in r["differences"]] == [("values", "NaN at (row 3, column 100)")], r
    assert not r["matches"] and not r["explained"] and r["nonfinite"] == 1, r
    assert r["residual_after"] <= 1e-4 * np.nanmax(np.abs(x)), r
    x[:] = np.inf
    r = wmel.diagnose(jfk, x, preset="whisper")
    assert not r["explained"] and r["residual_after"] is None and r["nonfinite"] == x.size, r


@pytest.mark.parametrize("value", [0.0, 0.5, 3e38])
def test_constant_features_not_explained(jfk, value):
    """Features of one value everywhere are no bank of zero filters: never explained, every
    row counted in the residuals (an (80, 1) array of zeros too: no units of x 0, no
    infinite residual)."""
    x = np.full((80, 3000), value, np.float32)
    r = wmel.diagnose(jfk, x, preset="whisper")
    assert not r["explained"] and not r["matches"], r
    assert "bank" not in fields(r) and "dtype" not in fields(r), r
    assert r["residual_before"] > 0.1 and r["residual_after"] > 0.1, r
    r = wmel.diagnose(jfk, np.zeros((80, 1), np.float32), preset="whisper")
    assert not r["explained"] and "units" not in fields(r), r
    assert r["residual_after"] is not None and 0.1 < r["residual_after"] < 10, r


def test_zero_row_counted_before(jfk):
    """A mel row the port holds constant is left out of the residual only once named (bank);
    before, and without it, that row counts."""
    x = whisper_np(jfk, pad_to=480000, zero_row=5)
    r = wmel.diagnose(jfk, x, preset="whisper")
    assert fields(r) == ["bank"] and r["explained"], r
    good = whisper_np(jfk, pad_to=480000)
    assert r["residual_before"] >= 0.99 * float(np.abs(x - good).max()), r
    assert r["differences"][0]["residual_without"] >= r["residual_before"] * 0.99, r


def test_interruptible():
    """A long diagnosis from Python stops on a signal (its handler's exception) within about
    a candidate's time: the search releases the GIL and checks for signals between
    candidates."""
    import signal
    if not hasattr(signal, "setitimer"):
        pytest.skip("no setitimer")
    a = np.tile(audio_of("speech_en_wav"), 8)  # 56 s: a search of seconds
    x = np.random.default_rng(1).standard_normal((80, len(a) // 160)).astype(np.float32)
    t = time.perf_counter()
    wmel.diagnose(a, x, preset="whisper")
    full = time.perf_counter() - t

    class Stop(Exception):
        pass

    def handler(*_):
        raise Stop

    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        t = time.perf_counter()
        with pytest.raises(Stop):
            wmel.diagnose(a, x, preset="whisper")
        took = time.perf_counter() - t
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert took < 0.2 + 0.5 * (full - 0.2), (took, full)


# ---- the answer as a plan: emit_plan, several clips, the clip as .npy

def test_emit_plan_reproduces(jfk, tmp_path):
    sp = audio_of("speech_en_wav")
    plan = {"frontend": "kaldi", "window": "hamming", "preemph": 0}
    x1, x2 = wmel.features(jfk, plan=plan), wmel.features(sp, plan=plan)
    out = tmp_path / "port.json"
    r = wmel.diagnose([jfk, sp], [x1, x2], preset="kaldi", emit_plan=out)
    assert r["explained"] and not r["matches"] and r["reproduces"], json.dumps(r, indent=1)
    assert [c["status"] for c in r["clips"]] == ["reproduced", "reproduced"], r["clips"]
    emitted = json.loads(out.read_text())
    assert emitted["notes"].startswith("wmel diagnose") and emitted["window"] == "hamming"
    np.testing.assert_array_equal(wmel.features(sp, plan=str(out)), x2)
    # a file diagnose did not write is kept unless force
    other = tmp_path / "other.json"
    other.write_text('{"frontend": "whisper"}')
    with pytest.raises(FileExistsError):
        wmel.diagnose(jfk, x1, preset="kaldi", emit_plan=other)
    assert other.read_text() == '{"frontend": "whisper"}'
    wmel.diagnose(jfk, x1, preset="kaldi", emit_plan=other, force=True)
    assert json.loads(other.read_text())["window"] == "hamming"
    # a second clip the plan does not reproduce is reported as such
    r = wmel.diagnose([jfk, sp], [x1, wmel.features(sp, plan="kaldi")], preset="kaldi")
    assert [c["status"] for c in r["clips"]] == ["reproduced", "differs"], r["clips"]
    # ... and no plan is written for it: one plan must reproduce every pair
    before = out.read_text()
    with pytest.raises(ValueError, match="clip 2 is not reproduced"):
        wmel.diagnose([jfk, sp], [x1, wmel.features(sp, plan="kaldi")], preset="kaldi", emit_plan=out)
    assert out.read_text() == before
    # a FIFO (a reader waiting) is written in place, never read first (the call in a thread of
    # its own: one that opened the FIFO to read would wait there for ever)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        t = threading.Thread(target=wmel.diagnose, args=(jfk, x1), kwargs=dict(preset="kaldi", emit_plan=fifo),
                             daemon=True)
        t.start()
        data, deadline = b"", time.monotonic() + 60
        while time.monotonic() < deadline and not (data and not t.is_alive()):
            try:
                data += os.read(fd, 65536)
            except BlockingIOError:
                pass
            time.sleep(0.01)
        try:
            data += os.read(fd, 65536)
        except BlockingIOError:
            pass
        os.close(fd)
        assert data and json.loads(data)["window"] == "hamming" and stat.S_ISFIFO(os.stat(fifo).st_mode), data


def test_clip_inputs(tmp_path):
    t = np.arange(24000) / 16000
    x = (0.5 * np.sin(2 * np.pi * (100 * t + 3000 * t * t))).astype(np.float32)
    x = np.round(x * 32767).astype(np.int16)
    a = x.astype(np.float32) / 32768
    feats = wmel.features(a, plan="whisper")
    np.save(tmp_path / "c16.npy", x[None])
    np.save(tmp_path / "c64.npy", a.astype(np.float64))
    a.tofile(tmp_path / "c.f32")
    for name in ("c16.npy", "c64.npy", "c.f32"):
        r = wmel.diagnose(tmp_path / name, feats, preset="whisper")
        assert r["matches"], (name, json.dumps(r, indent=1))
    # time-major, batch of one, float64 features: conventions the plan states
    r = wmel.diagnose(a, feats.T[None].astype(np.float64), preset="whisper")
    assert r["explained"] and [d["field"] for d in r["differences"]] == ["batch_axis", "layout"] and r["reproduces"]
    assert r["plan"]["layout"] == "frames_mels" and r["plan"]["batch_axis"] is True


def test_not_explained_has_no_plan(jfk, tmp_path):
    noise = np.random.default_rng(1).standard_normal(wmel.features(jfk, plan="whisper").shape).astype(np.float32)
    r = wmel.diagnose(jfk, noise, preset="whisper")
    assert not r["explained"] and not r["reproduces"]
    with pytest.raises(ValueError, match="no plan to write"):
        wmel.diagnose(jfk, noise, preset="whisper", emit_plan=tmp_path / "p.json")
    assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize("plan, expect", [
    # a hand port of Kaldi: Hamming, no pre-emphasis, no DC removal, HTK's mel scale (all four,
    # where a search that stopped on one field's gain named only preemph)
    ({"frontend": "kaldi", "window": "hamming", "preemph": 0, "remove_dc": 0, "mel_scale": "htk"},
     {"window": "hamming", "preemph": 0, "remove_dc": 0, "mel_scale": "htk"}),
    # the samples in [-1, 1] where Kaldi reads int16 units, with another window
    ({"frontend": "kaldi", "window": "hamming", "scale": 1}, {"window": "hamming", "scale": 1}),
    ({"frontend": "kaldi", "low_freq": 300}, {"low_freq": 300}),
    ({"frontend": "kaldi", "high_freq": -400}, {"high_freq": -400}),
    ({"frontend": "kaldi", "window": "rect"}, {"window": "rect"}),
    ({"frontend": "nemo", "window": "hann_periodic", "preemph": 0}, {"window": "hann_periodic", "preemph": 0}),
    # Kaldi's snip_edges=false: (n + hop / 2) / hop frames, found by the frame count stage; with
    # lhotse's defaults (samples in [-1, 1], high_freq -400) too
    # three fields none of which alone lowers the residual by 15 %: the beam keeps the four
    # best plans of each step and finds all three (a greedy search named none)
    ({"frontend": "kaldi", "window": "hann", "mel_scale": "slaney", "low_freq": 125},
     {"window": "hann", "mel_scale": "slaney", "low_freq": 125}),
    ({"frontend": "kaldi", "framing": "kaldi_center"}, {"framing": "kaldi_center"}),
    ({"frontend": "kaldi", "framing": "kaldi_center", "scale": 1, "high_freq": -400},
     {"framing": "kaldi_center", "scale": 1, "high_freq": -400}),
])
def test_search_fields(jfk, plan, expect):
    x = wmel.features(jfk, plan=plan)
    r = wmel.diagnose(jfk, x, preset=plan["frontend"])
    assert not r["work_bound"] and not r["time_bound"]  # (within the search's work; its time: bench/)
    assert {d["field"]: d["found"] for d in r["differences"]} == expect, json.dumps(r, indent=1)
    assert r["explained"] and r["reproduces"], json.dumps(r, indent=1)
    np.testing.assert_array_equal(wmel.features(jfk, plan=r["plan"]), x)


def test_frame_count_variants(jfk):
    """The spectrogram padded to Whisper's 3000 frames with its floor (not the audio to 30 s),
    one frame dropped twice: each a count, with the plan that reproduces it."""
    w = wmel.features(jfk, plan="whisper")
    T = w.shape[1]
    padded = np.concatenate([w, np.full((80, 3000 - T), w.min(), np.float32)], axis=1)
    r = wmel.diagnose(jfk, padded, preset="whisper")
    assert [(d["field"], d["found"]) for d in r["differences"]] == [("n_frames", 3000)], json.dumps(r, indent=1)
    assert "not the audio" in r["notes"] and r["reproduces"] and r["plan"]["n_frames"] == 3000
    r = wmel.diagnose(jfk, w[:, :-2], preset="whisper")
    assert [(d["field"], d["found"]) for d in r["differences"]] == [("n_frames", T - 2)], json.dumps(r, indent=1)
    assert r["reproduces"]


def test_float32_rounding_only():
    """A float32 Kaldi (the features rounded through float32 arithmetic far below a chirp's
    loud bins) past the fixed 1e-4 but inside the noise bound: its own answer."""
    t = np.arange(5 * 16000) / 16000
    a = (0.5 * np.sin(2 * np.pi * (50 * t + 790 * t * t))
         + 10 ** (-70 / 20) * 0.5 * np.random.default_rng(0).standard_normal(t.size)).astype(np.float32)
    ref = wmel.features(a, plan="kaldi", backend="ref")
    # float32 transform noise: a few eps32 of the frame's amplitude in each bin, so a mel energy
    # e moves by about eps32 sqrt(e emax) (relative: eps32 exp(g / 2))
    e = np.exp(ref.astype(np.float64))
    rel = 8 * np.finfo(np.float32).eps * np.sqrt(e.max(axis=1, keepdims=True) / e)
    x = (ref + np.log1p(rel * np.abs(np.random.default_rng(1).standard_normal(e.shape)))).astype(np.float32)
    assert np.max(np.abs(x - ref) / np.maximum(1, np.abs(ref))) > 1e-4  # past the fixed tolerance
    r = wmel.diagnose(a, x, preset="kaldi")
    assert r["matches"] and r["rounding_only"], json.dumps(r, indent=1)


def test_noise_through_utterance_cmvn(jfk):
    """The noise model under a per-utterance normalisation (Speech2Text's CMVN, np.std): each
    log cell moved at random by up to 0.3 of its own bound (the float32 transform's noise, far
    larger in a frame's quiet cells) moves each mel row's mean and spread too, and the port
    still matches; a ddof of 1 and the variance's division left out are still found (on the
    port without that noise: a noise this large in every cell hides a ddof from the search's
    RMS, which the bound does not)."""
    a = jfk
    base = {"frontend": "kaldi", "log_guard": 1.192092955078125e-07}
    L = wmel.features(a, plan=base).astype(np.float64)  # frames x mels, ln of int16-unit energies
    eps = np.finfo(np.float32).eps
    top = L.max(axis=1, keepdims=True)
    bound = eps * (64 * np.maximum(1, np.abs(L)) + 32 * np.sqrt(512) * np.exp((top - L) / 2))
    noisy = L + 0.3 * bound * np.random.default_rng(5).uniform(-1, 1, L.shape)

    def cmvn(x, ddof=0, divide=True):
        x = x - x.mean(axis=0)
        return (x / x.std(axis=0, ddof=ddof) if divide else x).astype(np.float32)
    ideal = cmvn(L)
    assert np.max(np.abs(cmvn(noisy) - ideal)) > 0.01  # the rows' statistics moved by the noise
    r = wmel.diagnose(a, cmvn(noisy), preset="speech2text")
    assert r["matches"], json.dumps(r, indent=1)
    r = wmel.diagnose(a, cmvn(L, ddof=1), preset="speech2text")
    assert [(d["field"], d["found"]) for d in r["differences"]] == [("norm_ddof", 1)] and r["reproduces"], \
        json.dumps(r, indent=1)
    r = wmel.diagnose(a, cmvn(L, divide=False), preset="speech2text")
    assert [(d["field"], d["found"]) for d in r["differences"]] == [("normalize", "mean")] and r["reproduces"], \
        json.dumps(r, indent=1)


def test_work_bound_same_answer():
    """The search is bounded by work: under max_candidates the same inputs give the same
    answer and candidate count on every run (whatever the machine's load), the answer says it
    was cut and by which bound; the default bound (1500) is stated when not reached."""
    sp = audio_of("speech_en_wav")[:16000 * 3]
    port = wmel.features(sp, plan={"frontend": "kaldi", "window": "hann", "preemph": 0.95})
    runs = [wmel.diagnose(sp, port, preset="kaldi", max_candidates=40) for _ in range(2)]
    for r in runs:
        r.pop("seconds")
    assert runs[0] == runs[1]
    assert runs[0]["work_bound"] and not runs[0]["time_bound"] and runs[0]["max_candidates"] == 40, runs[0]
    assert "work bound of 40 candidates" in runs[0]["notes"], runs[0]
    r = wmel.diagnose(sp, port, preset="kaldi")
    assert r["max_candidates"] == 1500 and not r["work_bound"] and not r["time_bound"], r
    assert {d["field"] for d in r["differences"]} == {"window", "preemph"}, r["differences"]
    for bad in (0, -1, 2.5, True, "10"):
        with pytest.raises(ValueError, match="max_candidates"):
            wmel.diagnose(sp, port, preset="kaldi", max_candidates=bad)
