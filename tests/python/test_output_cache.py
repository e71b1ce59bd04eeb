"""The output cache (wmel.set_output_cache): an output of 4 MiB or more is libwmel's memory,
reused for the next output once its array is gone; a live array is never written to."""
import gc

import numpy as np
import pytest

import wmel
from wmel import _common

N = 16000 * 60  # 60 s: a 201 x 4801 spectrogram (3.9 MB) and nemo's 80 x 6001 (1.9 MB) stay under
LONG = 16000 * 300  # 300 s: whisper's 80 x 30000 (9.6 MB)


def _addr(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


@pytest.fixture(autouse=True)
def _restore():
    old = wmel.set_output_cache(256 << 20)
    yield
    wmel.set_output_cache(old)


def _x(n, seed=0):
    return (np.random.default_rng(seed).standard_normal(n) * 0.1).astype(np.float32)


def test_small_outputs_come_from_numpy():
    a = _common._out_array((10, 20))
    assert a.dtype == np.float32 and a.shape == (10, 20) and a.flags.writeable
    assert a.base is None  # numpy's own memory


def test_big_output_is_writable_aligned_and_reused_after_it_dies():
    a = _common._out_array((4, 1 << 20))
    assert a.shape == (4, 1 << 20) and a.dtype == np.float32 and a.flags.writeable
    assert a.flags.c_contiguous and _addr(a) % (2 << 20) == 0  # wmel_alloc's huge-page boundary
    a[...] = 1.5
    assert float(a[3, -1]) == 1.5
    p = _addr(a)
    del a
    gc.collect()
    b = _common._out_array((3, 1 << 20))  # 3/4 of the block: reused
    assert _addr(b) == p
    c = _common._out_array((3, 1 << 20))  # the block is b's now: another
    assert _addr(c) != p


def test_block_not_reused_for_less_than_half():
    a = _common._out_array((8, 1 << 20))
    p = _addr(a)
    del a
    b = _common._out_array((2, 1 << 20))  # a quarter of the block
    assert _addr(b) != p


def test_live_result_never_overwritten():
    x, y = _x(LONG, 1), _x(LONG, 2)
    r1 = wmel.features(x, plan="whisper", threads=1)
    keep = r1.copy()
    r2 = wmel.features(y, plan="whisper", threads=1)
    assert _addr(r2) != _addr(r1)
    np.testing.assert_array_equal(r1, keep)
    assert not np.array_equal(r1, r2)


def test_views_keep_the_block():
    x = _x(LONG)
    r = wmel.features(x, plan="whisper", threads=1)
    v = r[5:7]
    keep = v.copy()
    p = _addr(r)
    del r
    r2 = wmel.features(_x(LONG, 3), plan="whisper", threads=1)
    assert _addr(r2) != p  # the view still holds it
    np.testing.assert_array_equal(v, keep)


@pytest.mark.parametrize("plan", ["whisper", "kaldi"])
def test_same_values_with_and_without_cache(plan):
    x = _x(LONG)
    wmel.set_output_cache(0)
    ref = wmel.features(x, plan=plan, threads=2)
    wmel.set_output_cache(256 << 20)
    for _ in range(3):  # fresh, then reused memory
        got = wmel.features(x, plan=plan, threads=2)
        np.testing.assert_array_equal(got, ref)
        del got


def test_limit_and_errors():
    assert wmel.set_output_cache(16 << 20) == 256 << 20
    a = _common._out_array((2, 1 << 20))  # 8 MiB, under the 16 MiB limit: kept
    p = _addr(a)
    del a
    b = _common._out_array((2, 1 << 20))
    assert _addr(b) == p
    del b
    assert wmel.set_output_cache(0) == 16 << 20  # and the block held is freed
    with pytest.raises(ValueError):
        wmel.set_output_cache(-1)
    with pytest.raises(TypeError):
        wmel.set_output_cache(1.5)


def test_torchaudio_spectrogram_reuses_its_output():
    from wmel.torchaudio import transforms as T
    x = _x(N * 4)[None]  # 240 s: 201 x 19201 (15 MB)
    s = T.Spectrogram(n_fft=400)
    a = np.asarray(s(x))
    ref = a.copy()
    p = _addr(a)
    del a
    b = np.asarray(s(x))
    np.testing.assert_array_equal(b, ref)
    assert _addr(b) == p
