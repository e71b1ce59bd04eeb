"""test_inspect.py -- `wmel inspect` and `wmel compare` / `python -m wmel.compare`.

Stage dumps (--stages) consistent with each other and with numpy; compare finds an
injected single-cell error where it is and as large as it is; conventions aligned and
said; the originals' known differences (openai float32, HF's 30 s) reported as such; the
report renders in headless Chromium from disk with no network, with the expected numbers
of pictures, axes and colour bars, and a screenshot that is not blank.

The wmel command: $WMEL_CLI, else build/wmel (make build); tests that need it skip when
it is absent.
"""
import os
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest

import wmel
from wmel import compare as wc

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEECH = ROOT / "data" / "speech_en.wav"
CLI = pathlib.Path(os.environ.get("WMEL_CLI", ROOT / "build" / "wmel"))

# Thresholds, each with where it comes from.
POWER_REL = 1e-9        # direct double DFT vs numpy's pocketfft in double: ~1e-13 seen
MEL_REL = 1e-10         # float64 filters (C's plan vs numpy's formula) @ the same power
EXACT_ULPS = 4          # the same double operations in numpy and C, where numpy's SIMD
                        # exp/cos may differ from glibc's by a few ulps (AVX-512: 1-2 seen)
LN_ABS = 5e-13          # wmel's own ln (src/fe/fe_ln.h, every path the float64 reference
                        # included): its series' truncation is below 5e-13 (1.95e-13 seen in
                        # log10), on top of a few ulps of rounding


def assert_ulps(a, b, ulps=EXACT_ULPS, scale=None, absolute=0.0):
    """|a - b| within `ulps` units in the last place of b's magnitude (or of `scale`, for a
    value computed from others of that size, such as a difference of logs), plus `absolute`."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    mag = np.abs(b) if scale is None else np.maximum(np.abs(b), scale)
    tol = ulps * np.spacing(np.maximum(mag, np.finfo(np.float64).tiny)) + absolute
    err = np.abs(a - b)
    worst = int(np.argmax(err - tol))
    assert (err <= tol).all(), (f"{(err > tol).sum()} values past {ulps} ulps; worst at {worst}: "
                                f"{a.flat[worst]!r} vs {b.flat[worst]!r}")
FEATURES_VS_MEL = 5e-7  # wmel mel (float32 CPU) vs the float64 features: 1.45e-7 measured
LOG_CPU_VS_REF = 4e-6   # the CPU backend's raw log10 vs float64: 1.0e-6 measured
OPENAI_VS_ORACLE = 7.2e-5  # openai-whisper's float32 log-Mel vs float64 (README's figure)


def need_cli():
    if not CLI.exists():
        pytest.skip(f"no wmel command at {CLI} (make build, or set WMEL_CLI)")
    return str(CLI)


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def stages(tmp_path_factory):
    cli = need_cli()
    d = tmp_path_factory.mktemp("stages")
    r = run(cli, "inspect", SPEECH, "-o", d / "r.html", "--stages", d / "st", "--backend", "cpu", "-q")
    assert r.returncode == 0, r.stderr
    return d


def test_stage_dumps_consistent_with_numpy(stages):
    st = stages / "st"
    x = np.load(st / "samples.npy")
    np.testing.assert_array_equal(x, wmel.load_audio(str(SPEECH)))
    frames, power, mel = np.load(st / "frames.npy"), np.load(st / "power.npy"), np.load(st / "mel.npy")
    log, feats = np.load(st / "log.npy"), np.load(st / "features.npy")
    n_frames = x.shape[0] // 160
    assert frames.shape == (n_frames, 400) and frames.dtype == np.float64
    assert power.shape == (201, n_frames) and mel.shape == log.shape == feats.shape == (80, n_frames)
    # frames = reflect-padded samples x periodic Hann
    xp = np.pad(x.astype(np.float64), 200, mode="reflect")
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)
    want = xp[np.arange(n_frames)[:, None] * 160 + np.arange(400)] * win
    assert_ulps(frames, want)
    # power = |rfft(frames)|^2
    p = np.abs(np.fft.rfft(frames, axis=1)).T ** 2
    assert (np.abs(power - p) / np.maximum(p, 1e-30)).max() < POWER_REL
    # mel = filters @ power
    from wmel._npref import slaney_mel_filters
    m = slaney_mel_filters(16000, 400, 80) @ power
    assert (np.abs(mel - m) / np.maximum(m, 1e-30)).max() < MEL_REL
    # log = log10(max(mel, 1e-10)); features = normalised log
    assert_ulps(log, np.log10(np.maximum(mel, 1e-10)), absolute=LN_ABS * np.log10(np.e))
    f = (np.maximum(log, log.max() - 8.0) + 4.0) / 4.0
    assert_ulps(feats, f, scale=np.abs(log).max())
    # and the features equal `wmel mel` within the float32 backend's error
    r = run(CLI, "mel", SPEECH, "-o", stages / "m.npy", "--backend", "cpu")
    assert r.returncode == 0, r.stderr
    assert np.abs(np.load(stages / "m.npy") - feats).max() < FEATURES_VS_MEL
    # the backend's own dumps: its raw log and its features
    cl, cf = np.load(st / "cpu" / "log.npy"), np.load(st / "cpu" / "features.npy")
    assert np.abs(cl - log).max() < LOG_CPU_VS_REF
    np.testing.assert_array_equal(cf, np.load(stages / "m.npy"))


def test_stage_span_and_oracle_in_python(tmp_path):
    """--start/--duration writes the span's frames, which equal the whole clip's; the
    Python oracle (numpy) equals the C one."""
    cli = need_cli()
    r = run(cli, "inspect", SPEECH, "-o", tmp_path / "z.html", "--stages", tmp_path / "z",
            "--start", "2", "--duration", "1.5", "-q")
    assert r.returncode == 0, r.stderr
    log = np.load(tmp_path / "z" / "log.npy")
    assert log.shape == (80, 150)
    st = wc.oracle_stages(wmel.load_audio(str(SPEECH)), 80)
    assert np.abs(log - st["log"][:, 200:350]).max() < 1e-12
    assert np.abs(np.load(tmp_path / "z" / "features.npy") - st["features"][:, 200:350]).max() < 1e-12


# ---------------------------------------------------------------------------- other front-ends

FRONTENDS = ("nemo", "nemo-legacy", "kaldi", "seamless")
FE_VS_MEL = 2e-5        # wmel mel (float32 output of the float64 general path) vs the float64 stage
FE_VS_ORACLE = 1e-10    # the C reference vs the numpy oracle (_feref), both float64: ~5e-12 seen
KALDI_POWER_REL = 1e-8  # direct DFT vs pocketfft on int16-range frames, relative to the frame's peak bin


@pytest.fixture(scope="module")
def fe_stages(tmp_path_factory):
    cli = need_cli()
    d = tmp_path_factory.mktemp("fe_stages")
    for fe in FRONTENDS:
        r = run(cli, "inspect", SPEECH, "-o", d / f"{fe}.html", "--frontend", fe, "--stages", d / fe,
                "--backend", "cpu", "-q")
        assert r.returncode == 0, (fe, r.stderr)
        r = run(cli, "mel", SPEECH, "--frontend", fe, "-o", d / f"{fe}.mel.npy", "-q")
        assert r.returncode == 0, (fe, r.stderr)
    return d


@pytest.mark.parametrize("fe", FRONTENDS)
def test_frontend_stages_consistent_with_numpy(fe_stages, fe):
    """Each stage from the one before by its documented rule, in numpy; the last stage equal to
    `wmel mel --frontend F` and to the float64 oracle; the backend's files are its output."""
    from wmel import _feref as F
    st = fe_stages / fe
    L = lambda n: np.load(st / f"{n}.npy")  # noqa: E731
    x = L("samples").astype(np.float64)
    np.testing.assert_array_equal(L("samples"), wmel.load_audio(str(SPEECH)))
    n = x.shape[0]
    nemo = fe.startswith("nemo")
    if nemo:
        y = L("preemph")
        want = x.copy()
        want[1:] -= 0.97 * x[:-1]
        assert_ulps(y, want, scale=np.abs(x).max())
        nf = n // 160 + 1
        yp = np.pad(y, 256, mode="reflect" if fe == "nemo-legacy" else "constant")
        padded = L("padded")
        assert padded.shape == (nf, 400)
        assert_ulps(padded, yp[np.arange(nf)[:, None] * 160 + 56 + np.arange(400)])
        win = F.nemo_window()
        assert_ulps(L("windowed"), padded * win)
        bank = F.nemo_mel_filters(80)
    else:
        nf = 1 + (n - 400) // 160
        frames = L("frames")
        assert frames.shape == (nf, 400)
        assert_ulps(frames, 32768.0 * x[np.arange(nf)[:, None] * 160 + np.arange(400)])
        dc = L("dc")
        assert np.abs(dc - (frames - frames.mean(axis=1, keepdims=True))).max() < 1e-9
        pre = L("preemph")
        want = dc.copy()
        want[:, 1:] -= 0.97 * dc[:, :-1]
        want[:, 0] -= 0.97 * dc[:, 0]
        assert np.abs(pre - want).max() < 1e-9
        assert np.abs(L("windowed") - pre * F.kaldi_window("povey")).max() < 1e-9
        bank = F.kaldi_mel_filters(80)
    power, mel, log = L("power"), L("mel"), L("log")
    assert power.shape == (257, nf) and mel.shape == log.shape == (80, nf)
    p = (np.abs(np.fft.rfft(L("windowed"), n=512, axis=1)) ** 2).T
    assert (np.abs(power - p) / p.max(axis=0)).max() < (KALDI_POWER_REL if not nemo else POWER_REL)
    m = bank @ power
    assert (np.abs(mel - m) / np.maximum(m, 1e-30)).max() < MEL_REL
    if nemo:
        assert_ulps(log, np.log(mel + 2.0 ** -24), absolute=LN_ABS)
    else:
        guard = 2.0 ** -23 if fe == "kaldi" else 1.192092955078125e-07
        assert_ulps(log, np.log(np.maximum(mel, guard)), absolute=LN_ABS)
    feats, ref_mel = L("features"), np.load(fe_stages / f"{fe}.mel.npy")
    oracle = F.features(x.astype(np.float32), "nemo" if nemo else fe, 80, legacy=fe == "nemo-legacy")
    assert feats.shape == ref_mel.shape == oracle.shape
    if nemo:  # per_feature over the valid frames, from the log stage
        valid = nf if fe == "nemo-legacy" else n // 160
        v = log[:, :valid]
        mu = v.mean(axis=1, keepdims=True)
        sd = np.sqrt(((v - mu) ** 2).sum(axis=1, keepdims=True) / (valid - 1))
        want = (log - mu) / (sd + 1e-5)
        want[:, valid:] = 0
        assert np.abs(feats - want).max() < 1e-12
    elif fe == "kaldi":
        assert_ulps(feats, log.T)
    else:
        nrm = L("normalised")
        mu = log.mean(axis=1, keepdims=True)
        var = ((log - mu) ** 2).sum(axis=1, keepdims=True) / (nf - 1)
        assert np.abs(nrm - ((log - mu) / np.sqrt(var + 1e-7)).T).max() < 1e-12
        z = np.vstack([nrm, np.zeros((nf % 2, 80))])
        assert_ulps(feats, z.reshape(-1, 160))
    assert np.abs(feats - ref_mel).max() < FE_VS_MEL
    assert np.abs(feats - oracle).max() < FE_VS_ORACLE
    np.testing.assert_array_equal(np.load(st / "cpu" / "features.npy"), ref_mel)


def test_frontend_stage_span(tmp_path):
    """A zoomed span of the stacked front-end: its rows equal the whole clip's."""
    cli = need_cli()
    whole, part = tmp_path / "w", tmp_path / "p"
    for d, extra in ((whole, []), (part, ["--start", "2", "--duration", "1"])):
        r = run(cli, "inspect", SPEECH, "-o", tmp_path / "s.html", "--frontend", "seamless", "--stages", d, "-q", *extra)
        assert r.returncode == 0, r.stderr
    # frames whose centres (t * 10 ms + 12.5 ms) lie in [2, 3) s: 199 .. 298; the output rows
    # they meet: 99 .. 149
    assert np.load(part / "log.npy").shape == (80, 100)
    np.testing.assert_array_equal(np.load(part / "log.npy"), np.load(whole / "log.npy")[:, 199:299])
    np.testing.assert_array_equal(np.load(part / "features.npy"), np.load(whole / "features.npy")[99:150])


@pytest.mark.parametrize("fe,cell", [("nemo", (37, 412)), ("kaldi", (412, 37)), ("seamless", (206, 117))])
def test_compare_frontend_finds_an_injected_cell(tmp_path, fe, cell):
    """wmel's features of one front-end with one cell + 0.25: found at its frame and mel by the
    module and by the command, with the same summary (one engine, compare/compare.c)."""
    a = wmel.features(wmel.load_audio(str(SPEECH)), fe)
    b = a.copy()
    b[cell] += 0.25
    pa, pb = _save_features(tmp_path / "a.npy", a), _save_features(tmp_path / "b.npy", b)
    # seamless row 206, column 117 = frame 413, mel 37
    frame, t = (412, "4.120") if fe == "nemo" else (412, "4.133") if fe == "kaldi" else (413, "4.143")
    cmds = [[sys.executable, "-m", "wmel.compare"]]
    if CLI.exists():
        cmds.append([str(CLI), "compare"])
    texts = []
    for cmd in cmds:
        r = run(*cmd, pa, pb, "--tol", "1e-3", "--frontend", fe)
        assert r.returncode == 1, (cmd, r.stdout, r.stderr)
        texts.append(r.stdout)
        assert re.search(rf"worst cell\s+frame {frame} \({t} s\), mel 37 ", r.stdout), r.stdout
        assert abs(float(re.search(r"max \|A-B\|\s+(\S+)", r.stdout).group(1)) - 0.25) < 1e-6
        assert re.search(r"above tol\s+0\.00\d+ % of \d+ cells", r.stdout)
        r = run(*cmd, pa, pb, "--tol", "0.3", "--frontend", fe)
        assert r.returncode == 0, r.stdout + r.stderr
    assert all(t == texts[0] for t in texts), texts
    # the page: drawn in this process by the same engine, with the front-end's own filter
    # centres; no wmel command needed (none named, none on PATH)
    page = tmp_path / "c.html"
    env = {**os.environ, "PATH": "/nonexistent"}
    env.pop("WMEL_CLI", None)
    r = run(sys.executable, "-m", "wmel.compare", pa, pb, "--tol", "1e-3", "--frontend", fe, "-o", page, env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    html = page.read_text()
    assert 'W.push({id:"d"' in html
    hz = None
    m = re.search(r'id:"d".*?rv:\[([^\]]*)\]', html, re.S)
    if m:
        hz = [float(v) for v in m.group(1).split(",")]
    # mel 37 of 80: Kaldi's scale from 20 Hz (1617.5 Hz), NeMo's Slaney from 0 Hz (1583.9 Hz)
    want = 1617.528 if fe in ("kaldi", "seamless") else None
    if want is not None:
        assert hz is not None and abs(hz[37] - want) < 0.01, (hz[:40] if hz else html[:2000])


@pytest.mark.parametrize("fe", FRONTENDS)
def test_compare_frontend_wmel_vs_oracle(fe):
    r = run(sys.executable, "-m", "wmel.compare", f"wmel:{SPEECH}", f"oracle:{SPEECH}", "--frontend", fe,
            "--tol", str(FE_VS_MEL))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "float32 rounding of the output" in r.stdout


def test_compare_frontend_aligns_conventions(tmp_path):
    """Kaldi: log10 of [-1, 1) input against ln of int16-range input; NeMo: a raw log with a
    trailing zero padding frame; each aligned and said."""
    from wmel import _feref as F
    x = wmel.load_audio(str(SPEECH))
    k = F.kaldi(x, 80)
    k_odd = (k - 2 * np.log(32768.0)) / np.log(10.0)  # log10 of the fbank of [-1, 1) samples (no floor hit)
    np.save(tmp_path / "k.npy", k)
    np.save(tmp_path / "k_odd.npy", k_odd.T)
    r = run(sys.executable, "-m", "wmel.compare", tmp_path / "k.npy", tmp_path / "k_odd.npy", "--frontend", "kaldi",
            "--tol", "1e-9")
    assert r.returncode == 0, r.stdout + r.stderr
    for said in ("log10 -> natural log", "instead of Kaldi's int16 range", "transposed"):
        assert said in r.stdout, (said, r.stdout)
    n = F.nemo(x, 80)
    raw = F.nemo(x, 80, normalize="none")
    np.save(tmp_path / "n.npy", n)
    np.save(tmp_path / "raw.npy", np.pad(raw, ((0, 0), (0, 16 - raw.shape[1] % 16))))
    r = run(sys.executable, "-m", "wmel.compare", tmp_path / "n.npy", tmp_path / "raw.npy", "--frontend", "nemo",
            "--tol", "1e-9")
    assert r.returncode == 0, r.stdout + r.stderr
    for said in ("all zeros", "per_feature normalisation applied here"):
        assert said in r.stdout, (said, r.stdout)


@pytest.mark.parametrize("fe", ["kaldi", "seamless", "nemo"])
def test_kaldi_native_fbank_vs_oracle_reported(fe):
    pytest.importorskip("kaldi_native_fbank")
    r = run(sys.executable, "-m", "wmel.compare", f"kaldi-native-fbank:{SPEECH}", f"oracle:{SPEECH}",
            "--frontend", fe, "--tol", "1e-2")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "kaldi-native-fbank's" in r.stdout and "worst cell" in r.stdout


def test_compare_frontend_absent_implementations():
    """Each installed or not: a clear message (exit 2) where an implementation is absent or has
    no such front-end."""
    for impl, fe, said in (("torchaudio", "nemo", "no NeMo front-end in torchaudio"),
                           ("hf", "kaldi", "no Kaldi fbank extractor"),
                           ("nemo", "kaldi", "the nemo front-end, not kaldi's")):
        r = run(sys.executable, "-m", "wmel.compare", f"{impl}:{SPEECH}", f"oracle:{SPEECH}", "--frontend", fe)
        assert r.returncode == 2 and said in r.stderr, r.stderr
    for impl, fe, mod in (("torchaudio", "kaldi", "torchaudio"), ("nemo", "nemo", "nemo"), ("hf", "nemo", "torch")):
        r = run(sys.executable, "-m", "wmel.compare", f"{impl}:{SPEECH}", f"oracle:{SPEECH}", "--frontend", fe,
                "--tol", "1e-2")
        try:
            import importlib.util
            have = importlib.util.find_spec(mod) is not None and importlib.util.find_spec("torch") is not None
        except (ImportError, ValueError):
            have = False
        if not have:
            assert r.returncode == 2 and "not installed here (pip install" in r.stderr, r.stderr


def _save_features(path, a):
    np.save(path, a.astype(np.float32))
    return path


def test_compare_finds_an_injected_cell(tmp_path):
    a = wmel.log_mel_spectrogram(wmel.load_audio(str(SPEECH)))
    b = a.copy()
    b[37, 412] += 0.25
    pa, pb = _save_features(tmp_path / "a.npy", a), _save_features(tmp_path / "b.npy", b)
    outs = [("python", [sys.executable, "-m", "wmel.compare"])]
    if CLI.exists():
        outs.append(("cli", [str(CLI), "compare"]))
    for name, cmd in outs:
        r = run(*cmd, pa, pb, "--tol", "1e-3")
        assert r.returncode == 1, (name, r.stdout, r.stderr)
        assert re.search(r"worst cell\s+frame 412 \(4\.120 s\), mel 37 \(\d+ Hz\)", r.stdout), (name, r.stdout)
        mx = float(re.search(r"max \|A-B\|\s+(\S+)", r.stdout).group(1))
        assert abs(mx - 0.25) < 1e-6, (name, mx)
        assert re.search(r"above tol\s+0\.0018 % of 55920 cells", r.stdout), (name, r.stdout)  # 1 cell
        assert "per-frame max  frame 412 (4.12 s) 0.25" in r.stdout
        r = run(*cmd, pa, pb, "--tol", "0.3")
        assert r.returncode == 0, (name, r.stdout, r.stderr)


def test_compare_aligns_conventions(tmp_path):
    """Transposed layout, an extra last frame, natural-log raw values, int16-range input:
    each aligned and said, and then equal to the oracle within float32 rounding."""
    x = wmel.load_audio(str(SPEECH))
    st = wc.oracle_stages(x, 80)
    feats = st["features"]
    # (n_frames, n_mels) with an extra frame, raw natural log of an int16-range signal
    xs = x.astype(np.float64) * 32768.0
    s16 = wc.oracle_stages(xs, 80)
    raw_ln = np.log(np.maximum(s16["mel"], 1e-10))
    extra = np.concatenate([raw_ln, raw_ln[:, -1:]], axis=1).T
    pa, pb = tmp_path / "feats.npy", tmp_path / "odd.npy"
    np.save(pa, feats)
    np.save(pb, extra)
    r = run(sys.executable, "-m", "wmel.compare", pa, pb, "--tol", "1e-6")
    assert r.returncode == 0, r.stdout + r.stderr
    for said in ("transposed (n_frames, n_mels)", "one frame more", "natural log -> log10",
                 "int16-range input", "raw log10 -> normalised"):
        assert said in r.stdout, (said, r.stdout)
    if CLI.exists():
        r2 = run(CLI, "compare", pa, pb, "--tol", "1e-6")
        assert r2.returncode == 0, r2.stdout + r2.stderr
        for said in ("transposed (n_frames, n_mels)", "one frame more", "natural log -> log10",
                     "int16-range input", "raw log10 -> normalised"):
            assert said in r2.stdout, (said, r2.stdout)


def test_compare_refuses_irreconcilable_shapes(tmp_path):
    a = np.zeros((80, 699), np.float32)
    b = np.zeros((80, 500), np.float32)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    cmds = [[sys.executable, "-m", "wmel.compare"]] + ([[str(CLI), "compare"]] if CLI.exists() else [])
    for cmd in cmds:
        r = run(*cmd, tmp_path / "a.npy", tmp_path / "b.npy")
        assert r.returncode == 2
        assert "(80, 699)" in r.stderr and "(80, 500)" in r.stderr, r.stderr


def test_compare_wmel_vs_oracle_names_the_stage():
    r = run(sys.executable, "-m", "wmel.compare", f"wmel:{SPEECH}", f"oracle:{SPEECH}", "--tol", "1e-6")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "comes from the spectral stages up to log" in r.stdout
    assert "float32 rounding only" in r.stdout


def test_compare_unknown_and_absent_implementations():
    r = run(sys.executable, "-m", "wmel.compare", "nosuch:x.wav", f"oracle:{SPEECH}")
    assert r.returncode == 2 and "no such file" in r.stderr
    r = run(sys.executable, "-m", "wmel.compare", f"nemo:{SPEECH}", f"oracle:{SPEECH}")
    assert r.returncode == 2 and ("not installed" in r.stderr or "front-end of its own" in r.stderr)
    r = run(sys.executable, "-m", "wmel.compare", f"wmel:{SPEECH}", f"oracle:{SPEECH}", "--frontend", "bogus")
    assert r.returncode == 2 and "covers whisper, nemo" in r.stderr
    r = run(sys.executable, "-m", "wmel.compare", f"openai:{SPEECH}", f"oracle:{SPEECH}", "--frontend", "kaldi")
    assert r.returncode == 2 and "a Whisper implementation" in r.stderr


def test_openai_float32_reported_within_its_bound():
    pytest.importorskip("torch")
    pytest.importorskip("whisper")
    r = run(sys.executable, "-m", "wmel.compare", f"openai:{SPEECH}", f"oracle:{SPEECH}",
            "--tol", str(OPENAI_VS_ORACLE))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "none needed" in r.stdout


def test_hf_30s_convention_reported():
    pytest.importorskip("transformers")
    # float32 STFT with torch installed (openai's figure), float64 numpy without
    r = run(sys.executable, "-m", "wmel.compare", f"hf:{SPEECH}", f"oracle:{SPEECH}",
            "--tol", str(OPENAI_VS_ORACLE))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "A has 3000 frames: the audio padded to 30 s before the STFT (HF's" in r.stdout


# ---------------------------------------------------------------------------- the browser

def _png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit PNG, decoded with zlib only."""
    data = pathlib.Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def _chromium():
    for c in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(c):
            return c
    return None


# No network: every host resolves to nothing and the proxy is a closed port.
NO_NET = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
          "--proxy-bypass-list=<-loopback>"]


def _browser(page, extra):
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-extensions", "--disable-background-networking", *NO_NET, *extra,
           page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90)


def test_report_renders_in_chromium(tmp_path):
    cli = need_cli()
    if not _chromium():
        pytest.skip("no chromium (apt-get install chromium)")
    page = tmp_path / "inspect.html"
    r = run(cli, "inspect", SPEECH, "-o", page, "--backend", "cpu", "-q")
    assert r.returncode == 0, r.stderr
    kpage = tmp_path / "kaldi.html"  # another front-end: the transposed output, no log of its own
    r = run(cli, "inspect", SPEECH, "-o", kpage, "--frontend", "kaldi", "--backend", "cpu", "--start", "1",
            "--duration", "2", "-q")
    assert r.returncode == 0, r.stderr
    cpage = tmp_path / "compare.html"
    r = run(cli, "compare", f"wmel:{SPEECH}", f"oracle:{SPEECH}", "-o", cpage, "-q")
    assert r.returncode == 0, r.stderr
    html = page.read_text()
    # self-contained: nothing names another resource
    assert not re.search(r"(?i)(https?:|\b(src|href|action)\s*=|@import|url\()", html)
    # inspect: the waveform and six stages (3 axes and a colour bar each), and the
    # backend's log, features and difference (the same); compare: A, B and A - B
    # kaldi: the waveform, eight stages and the backend's features and difference
    for p, want in ((page, (10, 2 + 9 * 3, 9)), (kpage, (11, 2 + 10 * 3, 10)), (cpage, (3, 9, 3))):
        dom = _browser(p, ["--virtual-time-budget=20000", "--dump-dom"]).stdout
        body = re.search(r"<body([^>]*)>", dom)
        assert body, dom[:500]
        attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body.group(1)))
        assert attrs.get("rendered") == "1", attrs
        got = (int(attrs["pictures"]), int(attrs["axes"]), int(attrs["colourbars"]))
        assert got == want, (p.name, got, want)
        assert "http" not in " ".join(re.findall(r'(?:src|href)="([^"]*)"', dom))
    shot = tmp_path / "shot.png"
    r = _browser(page, ["--window-size=1150,1000", f"--screenshot={shot}"])
    assert shot.exists(), r.stderr[-2000:]
    w, h, bpp, rows = _png_pixels(shot)
    assert (w, h) == (1150, 1000)
    colours, inked = set(), 0
    for y in range(0, h, 4):
        row = rows[y]
        for x in range(0, w, 4):
            px = row[x * bpp:x * bpp + 3]
            colours.add(px)
            inked += px != b"\xff\xff\xff"
    total = ((h + 3) // 4) * ((w + 3) // 4)
    assert len(colours) > 200, len(colours)        # spectrograms, not a flat page
    assert 0.15 < inked / total < 0.95, inked / total


def test_npz_and_pt_sources(tmp_path):
    a = wmel.log_mel_spectrogram(wmel.load_audio(str(SPEECH)))
    np.save(tmp_path / "a.npy", a)
    np.savez(tmp_path / "z.npz", feats=a, other=a[:10])
    r = run(sys.executable, "-m", "wmel.compare", f"{tmp_path / 'z.npz'}:feats", tmp_path / "a.npy", "--tol", "0")
    assert r.returncode == 0, r.stdout + r.stderr
    r = run(sys.executable, "-m", "wmel.compare", tmp_path / "z.npz", tmp_path / "a.npy")
    assert r.returncode == 2 and "name one as" in r.stderr
    if CLI.exists():  # the command refuses .npz, naming the command that reads it
        r = run(CLI, "compare", f"{tmp_path / 'z.npz'}:feats", tmp_path / "a.npy", "--tol", "0")
        assert r.returncode == 2 and r.stdout == "", r.stdout + r.stderr
        assert f"run python3 -m wmel.compare {tmp_path / 'z.npz'}:feats {tmp_path / 'a.npy'} --tol 0" in r.stderr, \
            r.stderr
    try:
        import torch
    except ImportError:
        return
    torch.save(torch.from_numpy(a).T.contiguous(), tmp_path / "t.pt")
    r = run(sys.executable, "-m", "wmel.compare", tmp_path / "t.pt", tmp_path / "a.npy", "--tol", "0")
    assert r.returncode == 0 and "transposed" in r.stdout, r.stdout + r.stderr


def test_compare_never_runs_modules_from_the_working_folder(tmp_path):
    """The command starts no other program: a source only Python reads is refused (exit 2)
    with the command to run; a wmel/compare.py, numpy.py or runpy.py planted in the folder it
    is started in never runs (they would print PLANTED and exit 0, as if the inputs agreed),
    whatever WMEL_PYTHON, PYTHONPATH or PYTHONSAFEPATH say."""
    cli = need_cli()
    a = wmel.log_mel_spectrogram(wmel.load_audio(str(SPEECH)))
    np.save(tmp_path / "a.npy", a)
    b = a.copy()
    b[3, 40] += 1.0
    np.savez(tmp_path / "z.npz", feats=b)
    work = tmp_path / "work"
    (work / "wmel").mkdir(parents=True)
    planted = "import sys\nprint('PLANTED')\nsys.exit(0)\n"
    (work / "wmel" / "__init__.py").write_text(planted)
    (work / "wmel" / "compare.py").write_text(planted)
    (work / "numpy.py").write_text(planted)
    (work / "runpy.py").write_text(planted)
    env = {**os.environ, "WMEL_PYTHON": sys.executable, "PYTHONPATH": "." + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("PYTHONSAFEPATH", None)
    for extra in ([], ["--frontend", "nemo"]):
        r = run(cli, "compare", f"{tmp_path / 'z.npz'}:feats", tmp_path / "a.npy", "--tol", "1e-3", *extra,
                cwd=work, env=env)
        out = r.stdout + r.stderr
        assert "PLANTED" not in out and r.returncode == 2, out
        assert "a source only the Python package reads" in r.stderr and "run python3 -m wmel.compare" in r.stderr, out
    # the .npy files alone: compared by the command itself, the difference found
    np.save(tmp_path / "b.npy", b)
    r = run(cli, "compare", tmp_path / "a.npy", tmp_path / "b.npy", "--tol", "1e-3", cwd=work, env=env)
    assert "PLANTED" not in r.stdout + r.stderr and r.returncode == 1, r.stdout + r.stderr