"""test_log_mel.py -- wmel.log_mel_spectrogram / pad_or_trim / load_audio / mel_filters
against the goldens (openai-whisper float32 and a float64 oracle).

Thresholds (max abs, normalised units), as in tests/conformance:
  vs openai float32 goldens (mel80, mel128, mel80_30s, mel80_padded)  1e-4
     (openai's own float32 path is up to 7.2e-5 off the float64 oracle)
  vs float64 oracle goldens (*_f64)                                    2e-5
"""
import numpy as np
import pytest

import wmel
from conftest import GOLDEN, audio_of, ref

CASES = [  # stem, variant, n_mels, mode
    ("speech_en_wav", "mel80", 80, "plain"),
    ("speech_en_wav", "mel128", 128, "plain"),
    ("speech_en_wav", "mel80_30s", 80, "pad30"),
    ("speech_en_wav", "mel128_30s", 128, "pad30"),
    ("exact_30s_wav", "mel80_30s", 80, "pad30"),
    ("clipped_wav", "mel80", 80, "plain"),
    ("clipped_wav", "mel80_30s", 80, "pad30"),
    ("pink_noise_wav", "mel80", 80, "plain"),
    ("short_0p1s_wav", "mel80", 80, "plain"),
    ("short_0p1s_wav", "mel80_30s", 80, "pad30"),
    ("silence_wav", "mel80", 80, "plain"),
    ("sweep_wav", "mel80", 80, "plain"),
    ("speech_long_wav", "mel80_padded", 80, "padded"),
    ("jfk_flac", "mel80", 80, "plain"),
    ("jfk_flac", "mel128", 128, "plain"),
    ("jfk_flac", "mel80_30s", 80, "pad30"),
    ("jfk_flac", "mel80_padded", 80, "padded"),
    ("speech_en_44k_stereo_mp3", "mel80", 80, "plain"),
    ("speech_en_44k_stereo_ogg", "mel80", 80, "plain"),
    ("speech_en_48k_f32_wav", "mel80", 80, "plain"),
    ("speech_en_wav", "mel80_30s_f64", 80, "pad30"),
    ("exact_30s_wav", "mel80_30s_f64", 80, "pad30"),
    ("jfk_flac", "mel80_30s_f64", 80, "pad30"),
]


def compute(stem, n_mels, mode):
    a = audio_of(stem)
    if mode == "pad30":
        return wmel.log_mel_spectrogram(wmel.pad_or_trim(a), n_mels)
    return wmel.log_mel_spectrogram(a, n_mels, padding=480000 if mode == "padded" else 0)


@pytest.mark.parametrize("stem,variant,n_mels,mode", CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_golden(golden, stem, variant, n_mels, mode):
    g = ref(f"{stem}.{variant}")
    m = compute(stem, n_mels, mode)
    assert m.dtype == np.float32 and m.flags.c_contiguous
    assert m.shape == g.shape
    bar = 2e-5 if variant.endswith("_f64") else 1e-4
    err = float(np.abs(m.astype(np.float64) - g).max())
    assert err <= bar, f"{stem}.{variant}: max abs {err:.3g} > {bar}"


def test_path_and_bytes_inputs(golden):
    path = golden / "audio" / "speech_en.wav"
    g = ref("speech_en_wav.mel80")
    for src in (str(path), path, path.read_bytes(), bytearray(path.read_bytes())):
        m = wmel.log_mel_spectrogram(src)
        assert np.abs(m - g).max() <= 1e-4


def test_int16_and_float64_inputs(golden):
    s16 = np.load(golden / "ref" / "jfk_flac.load_audio_s16.npy").astype(np.int16)
    f32 = s16.astype(np.float32) / np.float32(32768.0)
    a = wmel.log_mel_spectrogram(f32)
    np.testing.assert_array_equal(wmel.log_mel_spectrogram(s16), a)
    np.testing.assert_array_equal(wmel.log_mel_spectrogram(f32.astype(np.float64)), a)
    np.testing.assert_array_equal(wmel.log_mel_spectrogram(list(f32[:4000])),
                                  wmel.log_mel_spectrogram(f32[:4000]))


def test_batch_is_one_global_max(golden):
    a = wmel.pad_or_trim(audio_of("speech_en_wav"), 48000)
    b = 0.01 * a  # much quieter: its own max would differ from the batch max
    batch = wmel.log_mel_spectrogram(np.stack([a, b]))
    assert batch.shape == (2, 80, 300)
    # openai on a 2-D tensor: one max for the whole batch
    joint = wmel.log_mel_spectrogram(np.concatenate([a, b]))
    assert np.abs(batch[0] - wmel.log_mel_spectrogram(a)).max() <= 1e-6
    assert batch.max() == pytest.approx(wmel.log_mel_spectrogram(a).max(), abs=1e-6)
    assert batch[1].min() >= batch.max() - 2.0 - 1e-6  # floor at (max - 8) / 4 of the batch
    assert not np.allclose(batch[1], wmel.log_mel_spectrogram(b), atol=1e-3)
    assert joint.shape == (80, 600)


def test_shapes_and_padding():
    x = np.random.default_rng(1).standard_normal(16000).astype(np.float32) * 0.1
    assert wmel.log_mel_spectrogram(x).shape == (80, 100)
    assert wmel.log_mel_spectrogram(x, 128, padding=160).shape == (128, 101)
    assert wmel.log_mel_spectrogram(x[:201]).shape == (80, 1)
    assert wmel.log_mel_spectrogram(x[:0], padding=480000).shape == (80, 3000)
    # a non-contiguous view computes the same as its copy
    v = np.repeat(x, 2)[::2]
    np.testing.assert_array_equal(wmel.log_mel_spectrogram(v), wmel.log_mel_spectrogram(x))


def test_pad_or_trim():
    x = np.arange(10, dtype=np.float32)
    np.testing.assert_array_equal(wmel.pad_or_trim(x, 4), x[:4])
    y = wmel.pad_or_trim(x, 12)
    assert y.shape == (12,) and (y[10:] == 0).all() and (y[:10] == x).all()
    m = np.ones((80, 5), np.float32)
    assert wmel.pad_or_trim(m, 3000).shape == (80, 3000)
    assert wmel.pad_or_trim(m, 2, axis=0).shape == (2, 5)
    assert wmel.pad_or_trim(x).shape == (480000,)


def test_mel_filters_match_golden(golden):
    z = np.load(golden / "mel_filters.npz")
    for n in (80, 128):
        f = wmel.mel_filters(n)
        assert f.shape == (n, 201) and f.dtype == np.float32
        assert np.abs(f - z[f"mel_{n}"]).max() <= 1e-7


def test_load_audio_bit_exact(golden):
    if not wmel.have_ffmpeg():
        pytest.skip("this build has no FFmpeg decoder")
    for stem, name in [("jfk_flac", "jfk.flac"), ("speech_en_44k_stereo_mp3", "speech_en_44k_stereo.mp3"),
                       ("speech_en_48k_f32_wav", "speech_en_48k_f32.wav")]:
        want = np.load(golden / "ref" / f"{stem}.load_audio_s16.npy").astype(np.float32) / np.float32(32768.0)
        got = wmel.load_audio(golden / "audio" / name)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(wmel.load_audio((golden / "audio" / name).read_bytes()), want)


def test_concurrent_threads_share_context():
    from concurrent.futures import ThreadPoolExecutor
    rng = np.random.default_rng(7)
    clips = [rng.standard_normal(32000).astype(np.float32) * 0.1 for _ in range(8)]
    want = [wmel.log_mel_spectrogram(c) for c in clips]
    with ThreadPoolExecutor(4) as ex:
        got = list(ex.map(wmel.log_mel_spectrogram, clips))
    for w, g in zip(want, got):
        np.testing.assert_array_equal(w, g)


def test_version():
    assert wmel.version().startswith("0.")


def _avg3x3(x):
    """torch's avg_pool2d(x[None], 3, 1, 1) in numpy, in float64: zeros outside, / 9."""
    p = np.pad(x.astype(np.float64), ((1, 1), (1, 1)))
    h, w = x.shape
    return sum(p[i:i + h, j:j + w] for i in range(3) for j in range(3)) / 9.0


def test_smooth_3x3(golden):
    a = audio_of("speech_en_wav")
    x30 = wmel.pad_or_trim(a)
    sm = wmel.log_mel_spectrogram(x30, smooth="3x3")
    assert sm.shape == (80, 3000) and sm.dtype == np.float32
    # against openai's float32 log-mel smoothed by torch (the golden), bar 1e-4
    assert np.abs(sm - ref("speech_en_wav.mel80_30s_smooth3x3")).max() < 1e-4
    # the same as smoothing wmel's own unsmoothed output (float32 rounding apart)
    assert np.abs(sm - _avg3x3(wmel.log_mel_spectrogram(x30))).max() < 1e-6
    # a batch is smoothed per clip, never across clips
    batch = np.stack([x30, x30[::-1].copy()])
    b, plain = wmel.log_mel_spectrogram(batch, smooth="3x3"), wmel.log_mel_spectrogram(batch)
    for i in range(2):
        assert np.abs(b[i] - _avg3x3(plain[i])).max() < 1e-6
    for bad in ("5x5", 3, "3X3"):
        with pytest.raises(ValueError, match="smooth"):
            wmel.log_mel_spectrogram(x30, smooth=bad)


def test_smooth_3x3_torch(golden):
    torch = pytest.importorskip("torch")
    x30 = wmel.pad_or_trim(audio_of("speech_en_wav"))
    t = wmel.log_mel_spectrogram(torch.from_numpy(x30), smooth="3x3")
    assert isinstance(t, torch.Tensor) and tuple(t.shape) == (80, 3000)
    assert np.abs(t.numpy() - wmel.log_mel_spectrogram(x30, smooth="3x3")).max() < 1e-6
