"""test_errors.py -- bad input becomes a Python exception carrying libwmel's message,
never a crash: dtype, rank, NaN/Inf, empty/too short, missing or damaged files, and
misuse of the low-level _wmel binding."""
import numpy as np
import pytest

import wmel
from wmel import _wmel


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.complex64, np.bool_, np.uint8])
def test_wrong_dtype(dtype):
    with pytest.raises(TypeError, match="float32"):
        wmel.log_mel_spectrogram(np.zeros(1000, dtype))


def test_strings_are_not_audio():
    with pytest.raises(TypeError):
        wmel.log_mel_spectrogram(np.array(["a", "b"]))


@pytest.mark.parametrize("shape", [(), (2, 3, 400)])
def test_wrong_rank(shape):
    with pytest.raises(ValueError, match="1-D"):
        wmel.log_mel_spectrogram(np.zeros(shape, np.float32))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_not_finite(bad):
    x = np.zeros(4000, np.float32)
    x[1234] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        wmel.log_mel_spectrogram(x)
    with pytest.raises(ValueError, match="NaN or infinite"):
        wmel.log_mel_spectrogram(np.stack([x, x]))


def test_empty_and_too_short():
    for n in (0, 1, 200):
        with pytest.raises(ValueError, match="too short"):
            wmel.log_mel_spectrogram(np.zeros(n, np.float32))
    with pytest.raises(ValueError, match="too short"):
        wmel.log_mel_spectrogram(np.zeros((2, 100), np.float32))


def test_bad_arguments():
    x = np.zeros(4000, np.float32)
    with pytest.raises(ValueError, match="80 or 128"):
        wmel.log_mel_spectrogram(x, n_mels=81)
    with pytest.raises(ValueError, match=">= 0"):
        wmel.log_mel_spectrogram(x, padding=-1)
    with pytest.raises(TypeError):
        wmel.log_mel_spectrogram(x, padding=1.5)
    with pytest.raises(ValueError):
        wmel.load_audio(b"RIFF", sr=8000)


def test_missing_file(tmp_path):
    p = tmp_path / "nope.wav"
    with pytest.raises(FileNotFoundError) as e:
        wmel.log_mel_spectrogram(str(p))
    assert "nope.wav" in str(e.value)
    with pytest.raises(FileNotFoundError):
        wmel.load_audio(p)


def test_damaged_or_foreign_data(tmp_path):
    p = tmp_path / "junk.wav"
    p.write_bytes(b"this is not audio at all" * 10)
    with pytest.raises(ValueError):
        wmel.load_audio(p)
    with pytest.raises(ValueError):
        wmel.log_mel_spectrogram(p.read_bytes())
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(ValueError):
        wmel.load_audio(empty)
    with pytest.raises((ValueError, OSError)):  # a directory is no audio file
        wmel.load_audio(tmp_path)


def test_empty_clips_in_a_batch_are_too_short():
    # a (3, 0) batch says "too short", not "0 samples cannot hold 3 clips of 0 at stride 0"
    with pytest.raises(ValueError, match="too short") as e:
        wmel.log_mel_spectrogram(np.zeros((3, 0), np.float32))
    assert "cannot hold" not in str(e.value)
    ctx = _wmel.Ctx(n_mels=80)
    with pytest.raises(ValueError, match="too short"):
        ctx.log_mel_batch(np.zeros(0, np.float32), 3, 0, 0, 0, _wmel.BATCH_GLOBAL,
                          np.empty(0, np.float32))
    # with padding, clips of 0 samples are all padding: digital silence, -1.5 everywhere
    out = wmel.log_mel_spectrogram(np.zeros((3, 0), np.float32), padding=480)
    assert out.shape == (3, 80, 3) and (out == -1.5).all()


def test_overlapping_input_and_output_are_refused():
    # the binding hands the library raw buffers: one buffer as both must not give numbers
    ctx = _wmel.Ctx(n_mels=80)
    buf = np.random.default_rng(1).standard_normal(8000 + 80 * 50).astype(np.float32) * 0.1
    with pytest.raises(ValueError, match="invalid argument"):
        ctx.log_mel(buf[:8000], 0, buf[7999:7999 + 80 * 50])


def test_library_errors_carry_their_status():
    # an exception raised for a libwmel status says which as `status`, one of the ERR_* constants
    names = [n for n in dir(_wmel) if n.startswith("ERR_")]
    codes = [getattr(_wmel, n) for n in names]
    assert len(names) >= 21 and len(set(codes)) == len(codes) and all(c < 0 for c in codes)
    assert _wmel.OK == 0
    ctx = _wmel.Ctx(n_mels=80)
    x = np.zeros(1600, np.float32)
    x[5] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite") as e:
        ctx.log_mel(x, 0, np.empty(800, np.float32))
    assert e.value.status == _wmel.ERR_NOT_FINITE
    with pytest.raises(ValueError) as e:
        ctx.log_mel(np.zeros(100, np.float32), 0, np.empty(80, np.float32))
    assert e.value.status == _wmel.ERR_TOO_SHORT
    buf = np.zeros(8000 + 80 * 50, np.float32)
    with pytest.raises(ValueError, match="invalid argument") as e:
        ctx.log_mel(buf[:8000], 0, buf[7999:7999 + 80 * 50])
    assert e.value.status == _wmel.ERR_INVALID_ARG
    # an error the binding raises itself (not a library status) has none
    with pytest.raises(TypeError) as e:
        ctx.log_mel(x.astype(np.float64), 0, np.empty(800, np.float32))
    assert not hasattr(e.value, "status")


def test_low_level_binding_checks_buffers():
    ctx = _wmel.Ctx(n_mels=80)
    pcm = np.zeros(1600, np.float32)
    with pytest.raises(ValueError, match="needs 800"):
        ctx.log_mel(pcm, 0, np.empty(799, np.float32))
    with pytest.raises(TypeError, match="writable"):
        ctx.log_mel(pcm, 0, bytes(3200))
    with pytest.raises(TypeError, match="float32"):
        ctx.log_mel(pcm, 0, np.empty(800, np.float64))
    with pytest.raises(TypeError, match="float32"):
        ctx.log_mel(pcm.astype(np.float64), 0, np.empty(800, np.float32))
    with pytest.raises(TypeError):
        ctx.log_mel(pcm[::2], 0, np.empty(800, np.float32))  # not contiguous
    with pytest.raises(TypeError):
        ctx.log_mel(object(), 0, np.empty(800, np.float32))
    with pytest.raises(ValueError, match="cannot hold"):
        ctx.log_mel_batch(pcm, 3, 1000, 1000, 0, _wmel.BATCH_GLOBAL, np.empty(3 * 80 * 6, np.float32))
    with pytest.raises(ValueError):
        ctx.log_mel_batch(pcm, 1, 800, 400, 0, _wmel.BATCH_GLOBAL, np.empty(80 * 5, np.float32))
    with pytest.raises(ValueError):
        ctx.log_mel_batch(pcm, 1, 800, 800, 0, 7, np.empty(80 * 5, np.float32))
    with pytest.raises(ValueError, match=">= 0"):
        ctx.log_mel(pcm, -5, np.empty(800, np.float32))
    with pytest.raises(ValueError):
        _wmel.Ctx(n_mels=64)
    with pytest.raises(ValueError):
        _wmel.mel_filters(3, np.empty(1000, np.float32))
    out = np.empty((80, 10), np.float32)
    ctx.log_mel(pcm, 0, out)  # still usable after all that
    assert np.isfinite(out).all()


def test_pad_or_trim_scalar_and_axis():
    with pytest.raises(ValueError, match="0-d"):
        wmel.pad_or_trim(np.float32(1))
    with pytest.raises(ValueError, match="0-d"):
        wmel.pad_or_trim(np.array(1.0, np.float32))
    with pytest.raises(ValueError, match="axis 1 is out of range"):
        wmel.pad_or_trim(np.zeros(5, np.float32), 10, axis=1)
    assert wmel.pad_or_trim(np.ones(3, np.float32), 5).tolist() == [1, 1, 1, 0, 0]


def test_big_endian_samples_are_converted():
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(16000) * 0.1).astype(np.float32)
    ref = wmel.log_mel_spectrogram(x)
    for dt in (">f4", ">f8"):
        got = wmel.log_mel_spectrogram(x.astype(dt))
        assert got.dtype == np.float32 and np.array_equal(got, ref), dt  # the same values
    s16 = (x * 32767).astype(np.int16)
    assert np.array_equal(wmel.log_mel_spectrogram(s16.astype(">i2")), wmel.log_mel_spectrogram(s16))


def test_batch_integer_arguments(tmp_path):
    for kw in ({"jobs": 1.5}, {"shard_size": 2.0}, {"n_mels": 80.0}, {"jobs": True}):
        with pytest.raises(TypeError, match="must be an int"):
            wmel.batch(["a.wav"], tmp_path / "o", **kw)
    assert not (tmp_path / "o").exists()
    with pytest.raises(ValueError, match='"-" \\(standard input\\) cannot be an input'):
        wmel.batch(["-"], tmp_path / "o")
