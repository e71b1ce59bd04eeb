"""wmel.Stream and wmel.SlidingBuffer against the offline functions on the same samples,
bit for bit (array_equal: the same kernels on the same frames), under seeded random push
sizes (1 sample to several seconds) and random trims, on the goldens and on noise."""
import os
import threading

import numpy as np
import pytest

import wmel
from wmel import _wmel

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "golden", "audio")
CLIPS = ["speech_en.wav", "pink_noise.wav", "silence.wav", "clipped.wav", "sweep.wav"]


def _clip(name):
    path = os.path.join(GOLDEN, name)
    if not os.path.exists(path):
        pytest.skip(f"golden {path} not found")
    return wmel.load_audio(path)


def _noise(n, seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * 0.1).astype(np.float32)
    x[n // 5:n // 5 + 30000] = 0.0  # digital silence inside
    x[n - n // 7:] = 0.0            # and at the end
    return x


def _push_size(rng):
    return int(rng.choice([rng.integers(1, 11), rng.integers(1, 401), rng.integers(1, 4001),
                           16000, rng.integers(1, 64001)]))


_raw = {}


def _offline_raw(x, n_mels, padding=0):
    ctx = _raw.setdefault(n_mels, _wmel.Ctx(n_mels=n_mels, norm=_wmel.NORM_NONE))
    out = np.empty((n_mels, _wmel.n_frames(len(x), padding)), np.float32)
    ctx.log_mel(np.ascontiguousarray(x, np.float32), padding, out)
    return out


def _session(x, n_mels, seed, max_buf=15 * 16000):
    rng = np.random.default_rng(seed)
    buf = wmel.SlidingBuffer(n_mels=n_mels)
    start = pos = 0
    checked = 0
    while pos < len(x):
        k = min(_push_size(rng), len(x) - pos)
        buf.push(x[pos:pos + k])
        pos += k
        n = pos - start
        if n > max_buf or rng.integers(8) == 0:
            t = n - max_buf // 2 if n > max_buf else int(rng.integers(n + 1))
            if rng.integers(5):
                t -= t % 160
            buf.trim(t)
            start += t
        assert len(buf) == pos - start
        if rng.integers(3) == 0:
            continue
        padding = int(rng.choice([0, 0, 0, rng.integers(1000), wmel.N_SAMPLES]))
        held = x[start:pos]
        if len(held) + padding <= 200:
            with pytest.raises(ValueError):
                buf.features(padding)
            continue
        got = buf.features(padding)
        ref = wmel.log_mel_spectrogram(held, n_mels, padding)
        assert got.shape == ref.shape and np.array_equal(got, ref), (seed, len(held), padding)
        checked += 1
    assert checked > 0
    return buf


@pytest.mark.parametrize("name", CLIPS)
def test_sliding_goldens(name):
    x = _clip(name)
    for seed in range(3):
        _session(x, 80, seed)
    _session(x, 128, 7)


def test_sliding_noise_and_windows():
    x = _noise(60 * 16000, 1)
    for seed in range(2):
        _session(x, 80, 10 + seed)
    buf = _session(x, 80, 20, max_buf=60 * 16000)
    held = buf.audio
    assert np.array_equal(held, x[len(x) - len(held):])
    got = buf.windows()
    ref = list(wmel.windows(held))
    assert len(got) == len(ref) == -(-(len(held) // 160) // 3000)
    for (gw, gn), (rw, rn) in zip(got, ref):
        assert gn == rn and np.array_equal(gw, rw)


def test_sliding_work_follows_new_audio():
    x = _noise(40 * 16000, 2)
    buf = wmel.SlidingBuffer()
    buf.push(x[:15 * 16000])
    buf.features()
    s0 = buf.stats["frames_computed"]
    for i in range(15, 40):
        buf.push(x[i * 16000:(i + 1) * 16000])
        if len(buf) > 15 * 16000:
            buf.trim(len(buf) - 10 * 16000)  # whole seconds: multiples of 160
        buf.features()
        s1 = buf.stats["frames_computed"]
        assert s1 - s0 <= 100 + 1 + 8, f"{s1 - s0} frames computed for 1 s of new audio"
        s0 = s1
    assert buf.stats["regrids"] == 0
    buf.trim(1)  # off the grid: the next call recomputes
    buf.features()
    assert buf.stats["regrids"] == 1
    assert buf.stats["frames_computed"] - s0 >= len(buf) // 160 - 8
    assert 0 < buf.stats["bytes"] < 4 * len(buf) * 3 + 80 * 4 * 3 * len(buf) // 160 + 200_000


def test_sliding_errors():
    buf = wmel.SlidingBuffer()
    with pytest.raises(ValueError, match="holds only 0 samples"):
        buf.trim(1)
    with pytest.raises(ValueError):
        buf.features()
    buf.push(np.zeros(100, np.float32))
    with pytest.raises(ValueError, match="trim\\(101\\): the buffer holds only 100 samples"):
        buf.trim(101)
    assert len(buf) == 100
    with pytest.raises(ValueError):
        buf.trim(-1)
    bad = np.ones(10, np.float32)
    bad[3] = np.nan
    with pytest.raises(ValueError):
        buf.push(bad)
    assert len(buf) == 100
    with pytest.raises(ValueError):
        buf.features()  # 100 samples: too short
    assert buf.features(101).shape == (80, 1)
    with pytest.raises(ValueError, match="frontend"):
        wmel.SlidingBuffer(frontend="nope")
    with pytest.raises(ValueError, match="n_mels"):
        wmel.SlidingBuffer(n_mels=81)
    with pytest.raises(ValueError, match="1-D"):
        buf.push(np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="empty"):
        wmel.SlidingBuffer().windows()


def test_sliding_features_out():
    x = _noise(5 * 16000, 6)
    buf = wmel.SlidingBuffer()
    buf.push(x)
    out = np.full((80, len(x) // 160), np.nan, np.float32)
    assert buf.features(out=out) is out
    assert np.array_equal(out, wmel.log_mel_spectrogram(x))
    for bad in (np.empty((80, 10), np.float32), np.empty((80, len(x) // 160)),
                np.empty((len(x) // 160, 80), np.float32).T):
        with pytest.raises(ValueError, match="out must be"):
            buf.features(out=bad)


def test_sliding_int16_and_float64():
    x = _clip("speech_en.wav")
    s16 = np.clip(np.round(x * 32768), -32768, 32767).astype(np.int16)
    a, b = wmel.SlidingBuffer(), wmel.SlidingBuffer()
    a.push(s16)
    b.push(s16.astype(np.float32) / np.float32(32768))
    assert np.array_equal(a.features(), b.features())
    c = wmel.SlidingBuffer()
    c.push(x.astype(np.float64))
    assert np.array_equal(c.features(), wmel.log_mel_spectrogram(x))


def _bursts(n, seed):
    """Noise with loud bursts that enter and leave a sliding buffer: its max moves."""
    x = _noise(n, seed) * np.float32(0.05)
    rng = np.random.default_rng(seed)
    at = 40000
    while at < n:
        x[at:at + int(rng.integers(1000, 9000))] *= np.float32(rng.integers(5, 25))
        at += int(rng.integers(60000, 260000))
    return x


@pytest.mark.parametrize("n_mels", [80, 128])
def test_sliding_view(n_mels):
    """features(copy=False) against log_mel_spectrogram of the held samples, under random
    pushes and trims (on and off the frame grid), paddings 0 and 480000; the arrays are
    read-only views of the buffer's memory; renorms moves when the max changes."""
    x = np.concatenate([np.tile(_clip("speech_en.wav"), 2), _bursts(30 * 16000, 3)])
    rng = np.random.default_rng(n_mels)
    buf = wmel.SlidingBuffer(n_mels=n_mels)
    start = pos = checked = 0
    while pos < len(x):
        k = min(_push_size(rng), len(x) - pos)
        buf.push(x[pos:pos + k])
        pos += k
        n = pos - start
        if n > 10 * 16000 or rng.integers(6) == 0:
            t = n - 6 * 16000 if n > 10 * 16000 else int(rng.integers(n + 1))
            if rng.integers(4):
                t -= t % 160
            buf.trim(t)
            start += t
        if rng.integers(3) == 0:
            continue
        padding = int(rng.choice([0, 0, wmel.N_SAMPLES]))
        held = x[start:pos]
        if len(held) + padding <= 200:
            with pytest.raises(ValueError):
                buf.features(padding, copy=False)
            continue
        got = buf.features(padding, copy=False)
        ref = wmel.log_mel_spectrogram(held, n_mels, padding)
        assert got.shape == ref.shape and got.dtype == np.float32
        assert not got.flags.writeable and not got.flags.owndata
        assert np.array_equal(got, ref), (len(held), padding)
        if rng.integers(4) == 0:  # the copy path leaves the view alone
            assert np.array_equal(buf.features(padding), ref)
            assert np.array_equal(got, ref)
        with pytest.raises(ValueError):
            got[0, 0] = 1.0
        del got
        checked += 1
    assert checked > 20
    assert buf.stats["renorms"] > 0
    assert buf.stats["bytes"] > 4 * n_mels * 3000


def test_sliding_view_lifetime():
    x = _noise(6 * 16000, 9)
    buf = wmel.SlidingBuffer()
    buf.push(x[:3 * 16000])
    v = buf.features(copy=False)
    keep = v.copy()
    assert v.strides[1] == 4 and v.strides[0] >= 4 * v.shape[1]
    row = v[5]  # a view of the view keeps the memory too
    del v
    # push, trim and the copy path leave the view's memory alone
    buf.push(x[3 * 16000:])
    buf.trim(16000)
    assert np.array_equal(buf.features(), wmel.log_mel_spectrogram(x[16000:]))
    assert np.array_equal(row, keep[5])
    with pytest.raises(BufferError, match="still referenced"):
        buf.features(copy=False)
    del row
    v = buf.features(copy=False)
    assert np.array_equal(v, wmel.log_mel_spectrogram(x[16000:]))
    del buf  # the view keeps the buffer alive
    assert np.array_equal(v, wmel.log_mel_spectrogram(x[16000:]))
    m = memoryview(v)  # numpy re-exports the strided buffer
    assert m.readonly and m.shape == v.shape


def test_sliding_view_errors():
    buf = wmel.SlidingBuffer()
    with pytest.raises(ValueError):
        buf.features(copy=False)  # empty
    buf.push(np.zeros(1000, np.float32))
    with pytest.raises(ValueError, match="exclude"):
        buf.features(out=np.empty((80, 6), np.float32), copy=False)
    with pytest.raises(TypeError, match="copy must be a bool"):
        buf.features(copy=0)
    with pytest.raises(ValueError):
        buf.features(-1, copy=False)
    assert buf.features(copy=False).shape == (80, 6)
    # the other front-ends: the view is the features, written whole into the buffer's memory
    x = (np.random.default_rng(5).standard_normal(48000) * 0.1).astype(np.float32)
    for fe in ("kaldi", "nemo", "seamless"):
        k = wmel.SlidingBuffer(frontend=fe)
        k.push(x)
        v = k.features(copy=False)
        assert not v.flags.writeable and np.array_equal(v, k.features()), fe
        del v
        k.trim(8000)
        k.push(x[:3000])
        assert np.array_equal(k.features(copy=False), k.features()), fe
        with pytest.raises(ValueError):
            k.features(160, copy=False)


@pytest.mark.parametrize("n_mels", [80, 128])
def test_stream_frames(n_mels):
    for src, seed in [(_clip("speech_en.wav"), 1), (_noise(40 * 16000, 3), 2),
                      (_clip("short_0p1s.wav"), 3)]:
        for padding in (0, wmel.N_SAMPLES):
            rng = np.random.default_rng(seed)
            s = wmel.Stream(n_mels=n_mels, padding=padding)
            parts, pos = [], 0
            while pos < len(src):
                k = min(_push_size(rng), len(src) - pos)
                f = s.push(src[pos:pos + k])
                pos += k
                assert f.shape[0] == n_mels and f.dtype == np.float32
                # frame t is out as soon as its samples are in: 160 t + 200 <= pos (and pos > 200)
                done = (pos - 200) // 160 + 1 if pos > 200 else 0
                assert s.frames == sum(p.shape[1] for p in parts) + f.shape[1] == done
                parts.append(f)
            parts.append(s.finish())
            got = np.concatenate(parts, axis=1)
            ref = _offline_raw(src, n_mels, padding)
            assert got.shape == ref.shape and np.array_equal(got, ref)
            assert s.max == float(ref.max())
            norm = (np.maximum(got, np.float32(s.max) - np.float32(8)) + np.float32(4)) / np.float32(4)
            assert np.array_equal(norm, wmel.log_mel_spectrogram(src, n_mels, padding))


def test_stream_errors():
    s = wmel.Stream()
    with pytest.raises(ValueError, match="too few"):
        s.finish()
    s = wmel.Stream()
    assert s.push(np.zeros(200, np.float32)).shape == (80, 0)
    with pytest.raises(ValueError, match="too few"):
        s.finish()
    s = wmel.Stream(padding=1)
    s.push(np.zeros(200, np.float32))
    assert s.finish().shape == (80, 1)
    with pytest.raises(ValueError):
        s.push(np.zeros(10, np.float32))  # after finish
    with pytest.raises(ValueError, match="frontend"):
        wmel.Stream(frontend="kaldi-ish")


def test_many_buffers_in_threads():
    x = _noise(30 * 16000, 4)
    results = [None] * 8

    def run(i):
        rng = np.random.default_rng(100 + i)
        buf = wmel.SlidingBuffer()
        start, pos, ok = 0, 0, True
        while pos < len(x):
            k = int(rng.integers(1600, 16000))
            buf.push(x[pos:pos + k])
            pos = min(len(x), pos + k)
            if len(buf) > 10 * 16000:
                t = (len(buf) - 5 * 16000) // 160 * 160
                buf.trim(t)
                start += t
            ok &= bool(np.array_equal(buf.features(), wmel.log_mel_spectrogram(x[start:pos])))
        results[i] = ok

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 8


# ---- the other front-ends: NeMo, NeMo legacy, Kaldi, Seamless

FE_CASES = [
    ("nemo", 80, {}),
    ("nemo", 128, {"legacy": True}),
    ("nemo", 64, {"normalize": "none", "window": "hamming"}),
    ("nemo", 80, {"pad_to": 16}),
    ("kaldi", 80, {}),
    ("kaldi", 40, {"use_energy": True, "low_freq": 60.0}),
    ("seamless", 80, {}),
]


def _fe_session(x, frontend, n_mels, options, seed, max_buf):
    rng = np.random.default_rng(seed)
    buf = wmel.SlidingBuffer(frontend=frontend, n_mels=n_mels, **options)
    start = pos = checked = 0
    while pos < len(x):
        k = min(_push_size(rng), len(x) - pos)
        buf.push(x[pos:pos + k])
        pos += k
        n = pos - start
        if n > max_buf or rng.integers(8) == 0:
            t = n - max_buf // 2 if n > max_buf else int(rng.integers(n + 1))
            if rng.integers(5):
                t -= t % 160
            buf.trim(t)
            start += t
        if rng.integers(3) == 0:
            continue
        held = x[start:pos]
        if len(held) == 0 or (options.get("legacy") and len(held) <= 256):
            with pytest.raises(ValueError):
                buf.features()
            continue
        got = buf.features()
        ref = wmel.features(held, frontend, n_mels, **options)
        assert got.shape == ref.shape and np.array_equal(got, ref), (frontend, seed, len(held))
        checked += 1
    assert checked > 0
    return buf


@pytest.mark.parametrize("frontend,n_mels,options", FE_CASES)
def test_sliding_frontends(frontend, n_mels, options):
    _fe_session(_clip("speech_en.wav"), frontend, n_mels, options, 1, 4 * 16000)
    _fe_session(_noise(20 * 16000, 5), frontend, n_mels, options, 2, 8 * 16000)


def _stream_parts(x, frontend, n_mels, options, seed):
    rng = np.random.default_rng(seed)
    s = wmel.Stream(frontend=frontend, n_mels=n_mels, **options)
    parts, pos = [], 0
    while pos < len(x):
        k = min(_push_size(rng), len(x) - pos)
        parts.append(s.push(x[pos:pos + k]))
        pos += k
    parts.append(s.finish())
    return s, parts


@pytest.mark.parametrize("frontend,n_mels,options", FE_CASES)
def test_stream_frontends(frontend, n_mels, options):
    opts = {k: v for k, v in options.items() if k != "normalize"}
    raw = dict(opts, normalize="none") if frontend != "kaldi" else opts
    for x, seed in [(_clip("speech_en.wav"), 3), (_noise(20 * 16000, 7), 4)]:
        s, parts = _stream_parts(x, frontend, n_mels, opts, seed)
        ref = wmel.features(x, frontend, n_mels, **raw)
        cols = n_mels + (1 if opts.get("use_energy") else 0)
        if frontend == "nemo":
            got = np.concatenate(parts, axis=1)
            frames = len(x) // 160 + (1 if opts.get("legacy") else 0)
            assert got.shape == (cols, frames) and s.frames == frames
            assert np.array_equal(got, ref[:, :frames])
            assert not ref[:, frames:].any()
        else:
            got = np.concatenate(parts, axis=0)
            frames = 1 + (len(x) - 400) // 160
            assert got.shape == (frames, cols) and s.frames == frames
            flat = ref.reshape(-1, cols)
            assert np.array_equal(got, flat[:frames]) and not flat[frames:].any()
        assert s.max == float(got.max())


def test_frontend_frames_as_they_complete():
    x = _noise(3 * 16000, 8)
    for frontend, first, need in [("nemo", 200, 160), ("kaldi", 400, 160)]:
        s = wmel.Stream(frontend=frontend)
        axis = 1 if frontend == "nemo" else 0
        total = 0
        for pos in range(0, len(x), 37):
            total += s.push(x[pos:pos + 37]).shape[axis]
            n = min(pos + 37, len(x))
            assert total == (0 if n < first else (n - first) // need + 1)


def test_frontend_errors():
    with pytest.raises(ValueError, match="too few"):
        wmel.Stream(frontend="nemo").finish()
    s = wmel.Stream(frontend="nemo", legacy=True)
    s.push(np.zeros(256, np.float32))
    with pytest.raises(ValueError, match="more than 256"):
        s.finish()
    k = wmel.Stream(frontend="kaldi")
    assert k.push(np.zeros(399, np.float32)).shape == (0, 80)
    assert k.finish().shape == (0, 80)
    with pytest.raises(ValueError, match="padding"):
        wmel.Stream(frontend="nemo", padding=160)
    with pytest.raises(ValueError, match="normalize"):
        wmel.Stream(frontend="nemo", normalize="none")
    with pytest.raises(ValueError, match="not an option of the nemo front-end"):
        wmel.Stream(frontend="nemo", use_energy=True)
    with pytest.raises(ValueError, match="not an option of the whisper front-end"):
        wmel.SlidingBuffer(frontend="whisper", window="hann")
    buf = wmel.SlidingBuffer(frontend="seamless")
    with pytest.raises(ValueError):
        buf.features()  # empty
    with pytest.raises(ValueError, match="holds only 0"):
        buf.trim(1)
    buf.push(np.ones(1000, np.float32) * 0.1)
    with pytest.raises(ValueError, match="padding"):
        buf.features(160)
    with pytest.raises(ValueError, match="trim\\(1001\\)"):
        buf.trim(1001)
    assert buf.features().shape == (2, 160)
    with pytest.raises(ValueError, match="whisper"):
        buf.windows()


def test_frontend_buffers_in_threads():
    x = _noise(16 * 16000, 9)
    cases = [("nemo", {}), ("kaldi", {}), ("seamless", {}), ("nemo", {"legacy": True})]
    results = [None] * 4

    def run(i):
        fe, opts = cases[i]
        rng = np.random.default_rng(200 + i)
        buf = wmel.SlidingBuffer(frontend=fe, **opts)
        start, pos, ok = 0, 0, True
        while pos < len(x):
            k = int(rng.integers(1600, 16000))
            buf.push(x[pos:pos + k])
            pos = min(len(x), pos + k)
            if len(buf) > 6 * 16000:
                t = (len(buf) - 3 * 16000) // 160 * 160
                buf.trim(t)
                start += t
            ok &= bool(np.array_equal(buf.features(), wmel.features(x[start:pos], fe, **opts)))
        results[i] = ok

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 4
