"""wmel.diagnose(port, preset) with a port as a callable: the designed probes (wmel.probes(),
`wmel probes`' set) run through the port in memory and one plan fitted on all of them. A port
made with wmel itself under another plan (zero padding, every frame kept) is found in full,
where one quiet-edged clip alone misses the padding; the answer holds on a held-out clip; the
probes are the same samples as the WAV files of `wmel probes`; the old signature still works."""
import os
import pathlib
import subprocess
import wave

import pytest

np = pytest.importorskip("numpy")
wmel = pytest.importorskip("wmel")

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEECH = ROOT / "data" / "speech_en.wav"
PORT = {"frontend": "whisper", "framing": "center_zero", "valid": "all"}


def port(x):
    return wmel.features(x, plan=PORT)


def plan_port(plan):
    return lambda x: wmel.features(x, plan=plan)  # noqa: E731


def test_probes_are_short_and_fixed():
    a, b = wmel.probes("whisper"), wmel.probes(preset="whisper")
    assert [p["stem"] for p in a] == [p["stem"] for p in b] and len(a) >= 13
    assert all(np.array_equal(p["samples"], q["samples"]) for p, q in zip(a, b))
    total = sum(p["samples"].size for p in a) / 16000
    assert 5 < total <= 60, total
    # 16-bit values: what a WAV holds exactly
    for p in a:
        assert np.array_equal(np.round(p["samples"] * 32768) / 32768, p["samples"]), p["stem"]
    stems = {p["stem"]: p["samples"].size % 160 for p in a}
    assert stems["edges"] == 0 and stems["len_plus1"] == 1 and stems["len_minus1"] == 159 and stems["long"] == 79


def test_port_callable_found_on_every_probe():
    r = wmel.diagnose(port, "whisper")
    assert not r["matches"] and r["explained"] and r["reproduces"], r
    fields = {d["field"]: d["found"] for d in r["differences"]}
    assert fields.get("framing") == "center_zero" and fields.get("valid") == "all", r["differences"]
    assert "n_frames" not in fields  # a rule, not one clip's count
    assert len(r["clips"]) == len(wmel.probes()) and all(c["status"] == "reproduced" for c in r["clips"]), r["clips"]
    assert r["clips"][0]["stem"] == "edges"
    # the answer holds on a clip it never saw
    x = wmel.load_audio(str(SPEECH))
    got = wmel.features(x, plan=r["plan"])
    want = port(x)
    assert got.shape == want.shape and float(np.max(np.abs(got - want))) <= 1e-4


def test_one_quiet_clip_misses_what_the_probes_find():
    x = wmel.load_audio(str(SPEECH))
    one = wmel.diagnose(x, port(x), "whisper")
    assert one["reproduces"] and "framing" not in {d["field"] for d in one["differences"]}, one["differences"]
    edges = wmel.probes("whisper")[0]["samples"]
    assert float(np.max(np.abs(wmel.features(edges, plan=one["plan"]) - port(edges)))) > 1e-2


def test_port_own_plan_matches_and_emits(tmp_path):
    r = wmel.diagnose(port, plan=PORT)
    assert r["matches"] and all(c["status"] == "matches" for c in r["clips"])
    out = tmp_path / "plan.json"
    r = wmel.diagnose(port, "whisper", emit_plan=out)
    assert out.exists() and r["reproduces"]


def test_a_port_that_fails_is_named():
    def broken(x):
        if x.size < 1000:
            raise RuntimeError("too short")
        return port(x)
    r = wmel.diagnose(broken, "whisper")  # the probe left out, named, and the plan computes it: not reproduced
    assert not r["reproduces"] and "'short'" in r["notes"] and "too short" in r["notes"], r["notes"]

    def dead(x):
        raise RuntimeError("no features at all")
    with pytest.raises(ValueError, match="every probe"):
        wmel.diagnose(dead, "whisper")
    with pytest.raises(ValueError, match="callable"):
        wmel.diagnose(port, np.zeros((80, 3), np.float32), "whisper")


def test_old_signature_still_works():
    x = wmel.load_audio(str(SPEECH))
    r = wmel.diagnose(x, wmel.features(x, plan={"frontend": "whisper"}), "whisper")
    assert r["matches"]


def test_same_samples_as_wmel_probes_files(tmp_path):
    cli = os.environ.get("WMEL_CLI") or str(ROOT / "build" / "wmel")
    if not os.path.exists(cli):
        pytest.skip("no wmel command built (set WMEL_CLI)")
    subprocess.run([cli, "probes", str(tmp_path / "p"), "-q"], check=True)
    for p in wmel.probes("whisper"):
        with wave.open(str(tmp_path / "p" / (p["stem"] + ".wav"))) as w:
            v = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
        assert np.array_equal(v, p["samples"]), p["stem"]


# spafe's mel_spectrogram claimed as Kaldi (bench/ports_libs.py): eight fields differ; the
# probes' searches find them all within their default work bound
SPAFE_LIKE = {"frontend": "kaldi", "window": "hamming", "scale": 0.044194173824159216, "low_freq": 0,
              "mel_scale": "htk", "log_guard": 1e-06, "remove_dc": False, "preemph_mode": "signal", "log": "ln_add"}


def test_eight_differences_within_the_default_bound():
    r = wmel.diagnose(lambda x: wmel.features(x, plan=SPAFE_LIKE), "kaldi")
    assert r["max_candidates"] == 6000 and not r["work_bound"], (r["max_candidates"], r["notes"])
    assert r["explained"] and r["reproduces"], r["notes"]
    found = {d["field"] for d in r["differences"]}
    assert {"window", "scale", "low_freq", "mel_scale", "log_guard", "remove_dc", "preemph_mode", "log"} <= found, found
    x = wmel.load_audio(str(SPEECH))
    got, want = wmel.features(x, plan=r["plan"]), wmel.features(x, plan=SPAFE_LIKE)
    assert got.shape == want.shape and float(np.max(np.abs(got - want))) <= 1e-4


def test_scipy_stft_odd_window_framing_named():
    # scipy.signal.stft(boundary='zeros', padded=True) with an odd nperseg (401) in an FFT of
    # 512: the window's sample 200 at each hop (torch's centring in n_fft puts it one sample
    # earlier), zeros after the clip up to the last frame holding a sample of it: 1 + ceil((n
    # - 1) / 160) frames. Expressed as snip framing, pad_left 200, pad_right 200 + 159, every frame.
    signal = pytest.importorskip("scipy.signal")
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    pts = 700 * (10 ** (np.linspace(mel(0), mel(8000), 82) / 2595) - 1)
    f = np.linspace(0, 8000, 257)
    bank = np.maximum(0, np.minimum((f - pts[:-2, None]) / (pts[1:-1, None] - pts[:-2, None]),
                                    (pts[2:, None] - f) / (pts[2:, None] - pts[1:-1, None])))

    def port(x):
        _, _, z = signal.stft(x.astype(np.float64), 16000, "hann", 401, 241, 512)
        lg = np.log10(np.maximum(bank @ (np.abs(z) ** 2), 1e-10))
        return ((np.maximum(lg, lg.max() - 8) + 4) / 4).astype(np.float32)
    claimed = {"frontend": "whisper", "frame_length": 401, "n_fft": 512, "mel_scale": "htk", "mel_norm": "none"}
    r = wmel.diagnose(port, plan=claimed)
    assert r["explained"] and r["reproduces"], (r["not_expressible"], r["notes"])
    found = {d["field"]: str(d["found"]) for d in r["differences"]}
    assert found.get("framing") == "snip" and found.get("pad_left") == "200" and found.get("pad_right") == "359", found
    assert found.get("valid") == "all" and "scipy" in r["notes"], (found, r["notes"])
    for n in (16000, 16001, 16159):  # held out: lengths around a hop
        x = np.random.default_rng(n).standard_normal(n).astype(np.float32) * 0.1
        got, want = wmel.features(x, plan=r["plan"]), port(x)
        assert got.shape == want.shape and float(np.max(np.abs(got - want))) <= 1e-3, n


# ---- ports in numpy of four libraries' conventions (the external ports' runs)

def _slaney_bank(n_mels=80, n_fft=400, sr=16000):
    """librosa.filters.mel's defaults (Slaney's scale and norm), float64, [mels, bins]."""
    def to_mel(f):
        f = np.asarray(f, np.float64)
        return np.where(f >= 1000, 15 + np.log(np.maximum(f, 1e-10) / 1000) / (np.log(6.4) / 27), f * 3 / 200)

    def to_hz(m):
        return np.where(m >= 15, 1000 * np.exp(np.log(6.4) / 27 * (m - 15)), m * 200 / 3)
    hz = to_hz(np.linspace(to_mel(0), to_mel(sr / 2), n_mels + 2))
    ramps = hz[:, None] - np.linspace(0, sr / 2, n_fft // 2 + 1)[None, :]
    w = np.maximum(0, np.minimum(-ramps[:-2] / np.diff(hz)[:-1, None], ramps[2:] / np.diff(hz)[1:, None]))
    return w * (2 / (hz[2:] - hz[:-2]))[:, None]


def _frames(x, count, flen=400, hop=160):
    return x[np.arange(flen)[None, :] + hop * np.arange(count)[:, None]]


def _power(fr, window, n_fft=400):
    return np.abs(np.fft.rfft(fr * window, n_fft)) ** 2


def _whisper_finish(mel):
    lg = np.log10(np.maximum(mel, 1e-10))
    return ((np.maximum(lg, lg.max() - 8) + 4) / 4).astype(np.float32)


PERIODIC_HANN = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)


def _held_out(r, port):
    x = wmel.load_audio(str(SPEECH))
    for clip in (x, x[:16001], np.random.default_rng(3).standard_normal(16159).astype(np.float32) * 0.1):
        got, want = wmel.features(clip, plan=r["plan"]), port(clip)
        assert got.shape == want.shape, (got.shape, want.shape)
        assert float(np.max(np.abs(got - want) / np.maximum(1, np.abs(want)))) <= 1e-3


def test_tf_stft_pad_end_claimed_whisper():
    # tf.signal.stft(pad_end=True): frames from the clip's first sample, zeros after it so
    # that ceil(n / 160) frames are taken, every one kept; a centred claim's offset of 200
    # samples is that framing, not a refusal
    bank = _slaney_bank()

    def port(x):
        x = np.asarray(x, np.float64)
        fr = _frames(np.concatenate([x, np.zeros(399)]), -(-x.size // 160))
        return _whisper_finish(bank @ _power(fr, PERIODIC_HANN).T)
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"], (r["not_expressible"], r["notes"])
    found = {d["field"]: str(d["found"]) for d in r["differences"]}
    assert found.get("framing") == "snip" and found.get("pad_right") == "399" and found.get("valid") == "all", found
    assert "pad_end" in r["notes"]
    _held_out(r, port)


def test_symmetric_hann_whisper_written_in_another_front_end():
    # np.hanning(400) (jnp.hanning: symmetric) in a Whisper port: the whisper front-end's
    # options take no window, so the plan is the nemo front-end's with Whisper's values
    bank = _slaney_bank()

    def port(x):
        x = np.asarray(x, np.float64)
        fr = _frames(np.pad(x, 200, mode="reflect"), 1 + x.size // 160)
        return _whisper_finish(bank @ _power(fr, np.hanning(400))[:-1].T)
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"], (r["not_expressible"], r["notes"])
    assert [(d["field"], d["found"]) for d in r["differences"]] == [("window", "hann")], r["differences"]
    assert r["plan"]["frontend"] in ("nemo", "kaldi") and "Whisper's values" in r["notes"], r["plan"]
    _held_out(r, port)


def test_keras_melspectrogram_claimed_whisper():
    # keras.layers.MelSpectrogram(fft_length=400, sequence_stride=160, num_mel_bins=80):
    # TensorFlow's bank from 20 Hz (triangles in HTK mel, no norm), every frame kept, dB with
    # top_db 80 (40 x Whisper's value - 40): the units read from the probes' floor before the
    # search, which then finds the bank and the frames
    mel = lambda f: 1127 * np.log1p(np.asarray(f, np.float64) / 700)  # noqa: E731
    edges = np.linspace(mel(20), mel(8000), 82)
    bins = mel(np.linspace(0, 8000, 201))[1:, None]
    tri = np.maximum(0, np.minimum((bins - edges[:-2]) / (edges[1:-1] - edges[:-2]),
                                   (edges[2:] - bins) / (edges[2:] - edges[1:-1])))
    bank = np.pad(tri, ((1, 0), (0, 0)))

    def port(x):
        x = np.asarray(x, np.float64)
        fr = _frames(np.pad(x, 200, mode="reflect"), 1 + x.size // 160)
        db = 10 * np.log10(np.maximum(_power(fr, PERIODIC_HANN) @ bank, 1e-10))
        return np.maximum(db, db.max() - 80).T.astype(np.float32)
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"] and not r["work_bound"], (r["not_expressible"], r["notes"])
    found = {d["field"]: str(d["found"]) for d in r["differences"]}
    assert found.get("mel_scale") == "tf" and found.get("mel_norm") == "none" and found.get("low_freq") == "20", found
    assert found.get("valid") == "all" and "dB" in found.get("units", ""), found
    assert r["plan"]["post_scale"] == 40 and r["plan"]["post_shift"] == -40, r["plan"]
    _held_out(r, port)


def test_lsb_silence_frames_sum_to_zero():
    p = {q["stem"]: q["samples"] for q in wmel.probes("whisper")}["lsb_silence"]
    lsb = np.round(p * 32768)
    assert set(np.unique(lsb)) <= {-1.0, 0.0, 1.0} and np.count_nonzero(lsb) > p.size // 20
    stretch = p.size // 8
    for s in range(8):  # every 400-sample window inside a stretch sums to exactly zero
        seg = lsb[s * stretch:(s + 1) * stretch]
        sums = np.convolve(seg, np.ones(400), mode="valid")
        assert np.all(sums == 0), s


def test_guard_replacing_exact_zeros_only_is_refused():
    # python_speech_features.logfbank: np.where(feat == 0, eps, feat) then ln: a mel energy
    # under eps but not zero (a near-silent frame's DC bin, float rounding) is logged as it is
    # (-90 where a clamp gives ln(eps) = -36). The lsb_silence probe holds such frames, their DC
    # bin an exact null that numpy's FFT gives as 0 or as float rounding frame by frame, and
    # wmel's otherwise: the plan that reproduces every other probe, its log ln_zero too, is
    # refused with the reason
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    b = np.floor(513 * 700 * (10 ** (np.linspace(0, mel(8000), 82) / 2595) - 1) / 16000).astype(int)
    fb = np.zeros((80, 257))
    for j in range(80):
        fb[j, b[j]:b[j + 1]] = (np.arange(b[j], b[j + 1]) - b[j]) / max(b[j + 1] - b[j], 1)
        fb[j, b[j + 1]:b[j + 2]] = (b[j + 2] - np.arange(b[j + 1], b[j + 2])) / max(b[j + 2] - b[j + 1], 1)

    def port(x):
        x = np.asarray(x, np.float64)
        sig = np.append(x[0], x[1:] - 0.97 * x[:-1])
        nf = 1 if sig.size <= 400 else 1 + int(np.ceil((sig.size - 400) / 160))
        sig = np.concatenate([sig, np.zeros((nf - 1) * 160 + 400 - sig.size)])
        feat = _power(_frames(sig, nf), 1.0, 512) / 512 @ fb.T
        return np.log(np.where(feat == 0, np.finfo(float).eps, feat)).astype(np.float32)
    r = wmel.diagnose(port, "kaldi")
    assert not r["explained"] and not r["reproduces"], r["notes"]
    assert "exact zeros" in r["not_expressible"], r["not_expressible"]
    bad = [c for c in r["clips"] if c["status"] == "differs"]
    assert [c["stem"] for c in bad] == ["lsb_silence"] and "exact zeros" in bad[0]["why"], bad


def test_original_in_natural_log_matches_without_a_library_start():
    # ESPnet's DefaultFrontend as its preset computes it: ln(max(mel, 1e-10)), values spanning
    # far more than Whisper's finish leaves. A library's start that computes the same up to
    # units (log10 times ln 10) is no answer where the claimed plan reproduces the first probe.
    port = plan_port("espnet-fbank")
    r = wmel.diagnose(port, "espnet-fbank")
    assert r["matches"] and not r["differences"], (r["differences"], r["notes"])
    assert all(c["status"] == "matches" for c in r["clips"]), r["clips"]


def test_panns_front_end_claimed_whisper():
    # PANNs' Cnn14_16k through torchlibrosa: a 512-sample periodic Hann in a 512-point transform
    # at hop 160 (the claim's hop, centred reflect frames: the count does not name the window),
    # 64 Slaney mels 50..8000 Hz, 10 log10(max(m, 1e-10)) without top_db, every frame, frames x mels
    truth = {"frontend": "nemo", "normalize": "none", "n_mels": 64, "window": "hann_periodic", "low_freq": 50,
             "high_freq": 8000, "mel_scale": "slaney", "mel_norm": "slaney", "log_guard": 1e-10, "preemph": 0,
             "frame_length": 512, "hop": 160, "n_fft": 512, "framing": "center_reflect", "log": "log10_clamp",
             "valid": "all", "post_scale": 10, "layout": "frames_mels"}
    port = plan_port(truth)
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"], (r["not_expressible"], r["notes"])
    assert r["plan"]["frame_length"] == 512 and r["plan"].get("n_fft", 512) == 512, r["plan"]
    _held_out(r, port)


def test_scipy_log_spectrogram_claimed_nemo():
    # scipy.signal.stft(nperseg=400, noverlap=240, padded=False): zeros centring, a periodic Hann,
    # 201 FFT bins scaled by 1 / sum(window), np.log(|Z|^2 + 1e-10), claimed as NeMo's: the
    # claim's per-feature normalisation dropped with the bank (the port's values have none)
    signal = pytest.importorskip("scipy.signal")

    def port(x):
        _, _, z = signal.stft(np.asarray(x, np.float64), 16000, "hann", 400, 240, 400, padded=False)
        return np.log(np.abs(z) ** 2 + 1e-10).astype(np.float32)
    r = wmel.diagnose(port, "nemo")
    assert r["explained"] and r["reproduces"], (r["not_expressible"], r["notes"])
    found = {d["field"]: str(d["found"]) for d in r["differences"]}
    assert found.get("linear_bins") == "1" and found.get("n_mels") == "201" and found.get("scale") == "0.005", found
    assert r["plan"].get("normalize") == "none", r["plan"]
    _held_out(r, port)
