"""test_inputs.py -- one rule for the samples every entry point takes (docs/python.md,
"Input samples"): what each function's original accepts, converted as it does, in either
byte order; other dtypes raise TypeError and other shapes ValueError, both naming the
argument, what it got and what is accepted."""
import numpy as np
import pytest

import wmel
import wmel.fixed
import wmel.kaldi as K

rng = np.random.default_rng(7)
X = (rng.standard_normal(4000) * 0.1).astype(np.float32)   # in [-1, 1]
PCM = np.round(X * 3000).astype(np.int16)                   # small integers


def _online(w):
    o = K.FbankOptions()
    o.frame_opts.dither = 0.0
    f = K.OnlineFbank(o)
    f.accept_waveform(16000, w)
    f.input_finished()
    return f.get_frames()


def _stream(x):
    s = wmel.Stream("kaldi")
    return np.concatenate([s.push(x), s.finish()])


def _sliding(x):
    b = wmel.SlidingBuffer()
    b.push(x)
    return b.features()


# entry point -> (call, its argument's name, the shapes it takes, input kind)
#   kind "float": float32, float16/64 converted, int16 / 32768 (wmel's own functions)
#   kind "value": floats and integers by value (kaldi-native-fbank's OnlineFbank)
#   kind "real":  floats only (torchaudio's fbank)
#   kind "int16": int16 only (the integer front-end)
ENTRIES = {
    "features": (lambda a: wmel.features(a, "kaldi"), "audio", "float"),
    "log_mel_spectrogram": (wmel.log_mel_spectrogram, "audio", "float"),
    "Stream.push": (_stream, "samples", "float"),
    "SlidingBuffer.push": (_sliding, "samples", "float"),
    "kaldi.fbank": (lambda a: K.fbank(a[None] if a.ndim == 1 else a), "waveform", "real"),
    "OnlineFbank.accept_waveform": (_online, "waveform", "value"),
    "fixed.log_mel_spectrogram": (wmel.fixed.log_mel_spectrogram, "audio", "int16"),
    "fixed.raw_log_mel": (wmel.fixed.raw_log_mel, "audio", "int16"),
}

# dtype -> the kinds that take it
TAKEN = {
    "float32": ("float", "value", "real"), "float64": ("float", "value", "real"),
    "float16": ("float", "value", "real"), "int16": ("float", "value", "int16"),
    "int32": ("value",), "int64": ("value",), "uint8": ("value",), "int8": ("value",),
    "bool": (), "complex64": (), "complex128": (), "object": (), "<U3": (),
}


def _as(dtype):
    """The test clip in dtype: float samples as X, integer ones as PCM's values."""
    if dtype in ("bool",):
        return X > 0
    if dtype == "<U3":
        return np.array(["abc"] * 500)
    if dtype == "object":
        return X.astype(object)
    if dtype.startswith("complex"):
        return X.astype(dtype) + 1j
    if dtype in ("uint8",):
        return (PCM % 200).astype(np.uint8)
    if dtype in ("int8",):
        return (PCM % 100).astype(np.int8)
    if dtype.startswith("int"):
        return PCM.astype(dtype)
    return X.astype(dtype)


def _reference(kind, a):
    """What the entry point computes on: its conversion of a, as float32 (or int16)."""
    if kind == "int16":
        return a.astype(np.int16)
    if kind == "float" and a.dtype.kind == "i":
        return a.astype(np.float32) / np.float32(32768.0)
    return a.astype(np.float32)


@pytest.mark.parametrize("entry", list(ENTRIES))
@pytest.mark.parametrize("dtype", list(TAKEN))
def test_dtype_rule(entry, dtype):
    call, name, kind = ENTRIES[entry]
    a = _as(dtype)
    if kind in TAKEN[dtype]:
        got = call(a)
        want = call(_reference(kind, a))
        assert np.array_equal(got, want)
    else:
        with pytest.raises(TypeError, match=rf"^{name} must hold .*got dtype"):
            call(a)


@pytest.mark.parametrize("entry", list(ENTRIES))
@pytest.mark.parametrize("order", [">", "<"])
def test_byte_order(entry, order):
    # samples in either byte order give the native-order input's result, bit for bit
    call, name, kind = ENTRIES[entry]
    for dtype in ("f4", "f8", "i2"):
        base = _as({"f4": "float32", "f8": "float64", "i2": "int16"}[dtype])
        if kind not in TAKEN[base.dtype.name]:
            continue
        other = base.astype(order + dtype)
        assert np.array_equal(call(other), call(base)), (entry, order + dtype)


def test_fixed_big_endian_int16():
    be = PCM.astype(">i2")
    for dtype in ("int16", "int8"):
        assert np.array_equal(wmel.fixed.log_mel_spectrogram(be, dtype=dtype),
                              wmel.fixed.log_mel_spectrogram(PCM, dtype=dtype))
    assert np.array_equal(wmel.fixed.raw_log_mel(be), wmel.fixed.raw_log_mel(PCM))


@pytest.mark.parametrize("entry,bad", [
    ("OnlineFbank.accept_waveform", np.stack([X, X])),      # channels end to end before
    ("OnlineFbank.accept_waveform", X[None]),
    ("OnlineFbank.accept_waveform", np.float32(0.5)),
    ("Stream.push", np.stack([X, X])),
    ("SlidingBuffer.push", np.stack([X, X])),
    ("kaldi.fbank", np.zeros((2, 2, 800), np.float32)),
    ("fixed.log_mel_spectrogram", np.stack([PCM, PCM])),
    ("features", np.zeros((2, 2, 800), np.float32)),
    ("log_mel_spectrogram", np.float32(0.5)),
])
def test_shape_refused(entry, bad):
    call, name, _ = ENTRIES[entry]
    with pytest.raises(ValueError, match=rf"^{name} must be .*got shape"):
        call(bad)


def test_online_fbank_refuses_channels():
    # a (2, n) array is two channels, not one signal of 2n samples
    with pytest.raises(ValueError, match=r"waveform must be 1-D \(samples\), got shape \(2, 4000\)"):
        _online(np.stack([X, X]) * 32768)


def test_online_fbank_lists_and_ints_by_value():
    # kaldi-native-fbank takes any sequence of numbers, converted to float by value
    want = _online(PCM.astype(np.float32))
    assert np.array_equal(_online(PCM.tolist()), want)
    assert np.array_equal(_online(PCM.astype(np.int64)), want)
    assert np.array_equal(_online(PCM.astype(np.float64).tolist()), want)


def test_kaldi_fbank_channel():
    # torchaudio: channel -1 is channel 0; a channel past the last raises
    w = np.stack([X, X[::-1].copy()]) * 32768
    assert np.array_equal(K.fbank(w), K.fbank(w[:1]))
    assert np.array_equal(K.fbank(w, channel=1), K.fbank(w[1:]))
    with pytest.raises(ValueError, match="Invalid channel 2"):
        K.fbank(w, channel=2)


def test_knf_takes_what_online_fbank_takes():
    knf = pytest.importorskip("kaldi_native_fbank")
    o = knf.FbankOptions()
    o.frame_opts.dither = 0.0

    def run(w):
        f = knf.OnlineFbank(o)
        f.accept_waveform(16000, w)
        f.input_finished()
        return np.array([f.get_frame(i) for i in range(f.num_frames_ready)])

    want = run(PCM.astype(np.float32))
    for w in (PCM, PCM.astype(np.int64), PCM.astype(">i2"), PCM.tolist()):
        assert np.array_equal(run(w), want)
    with pytest.raises(TypeError):  # the original refuses 2-D input too (a TypeError there)
        run(np.stack([PCM, PCM]).astype(np.float32))
