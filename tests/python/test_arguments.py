"""test_arguments.py -- the int, bool and float options of every public entry point are
taken strictly (docs/python.md, "Arguments"): an int option takes an int or numpy integer
(not a bool, not a float), a bool option a bool, numpy bool or 0/1 (not a string), a number
option an int or float (not a bool, not a string); a wrong kind raises TypeError and an
out-of-range value ValueError, each naming the option and the value."""
import os
import numpy as np
import pytest

import wmel
import wmel.fixed
import wmel.kaldi as K

X = (np.random.default_rng(3).standard_normal(4000) * 0.1).astype(np.float32)
PCM = np.round(X * 3000).astype(np.int16)
W = X[None] * 32768


def _online(**opts):
    o = K.FbankOptions()
    o.frame_opts.dither = 0.0
    for path, v in opts.items():
        *parts, last = path.split("__")
        t = o
        for p in parts:
            t = getattr(t, p)
        setattr(t, last, v)
    f = K.OnlineFbank(o)
    f.accept_waveform(16000, W[0])
    return f


def _stream(**kw):
    s = wmel.Stream(**kw)
    s.push(X)
    return s


def _sliding(**kw):
    b = wmel.SlidingBuffer(**kw)
    b.push(X)
    return b.features()


# (entry point, call taking the option as keyword arguments, option, bad value, exception,
#  what the message says)
BAD = [
    # ints
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "n_mels", True, TypeError, "n_mels must be an int, got bool"),
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "n_mels", 80.0, TypeError, "n_mels must be an int, got float"),
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "n_mels", "80", TypeError, "n_mels must be an int"),
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "n_mels", 0, ValueError, "n_mels must be >= 1, got 0"),
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "threads", -1, ValueError, r"threads must be >= 0 \(0 = all cores\), got -1"),
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "threads", 2.0, TypeError, "threads must be an int"),
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "threads", True, TypeError, "threads must be an int"),
    ("features", lambda **k: wmel.features(X, "nemo", **k), "pad_to", 16.0, TypeError, "pad_to must be an int"),
    ("features", lambda **k: wmel.features(X, "nemo", **k), "pad_to", -1, ValueError, "pad_to must be >= 0"),
    ("frontend_plan", lambda **k: wmel.frontend_plan("kaldi", **k), "n_mels", np.float32(80), TypeError, "n_mels must be an int"),
    ("log_mel_spectrogram", lambda **k: wmel.log_mel_spectrogram(X, **k), "n_mels", 80.0, TypeError, "n_mels must be an int"),
    ("log_mel_spectrogram", lambda **k: wmel.log_mel_spectrogram(X, **k), "n_mels", True, TypeError, "n_mels must be an int"),
    ("log_mel_spectrogram", lambda **k: wmel.log_mel_spectrogram(X, **k), "padding", -160, ValueError, "padding must be >= 0"),
    ("log_mel_spectrogram", lambda **k: wmel.log_mel_spectrogram(X, **k), "padding", 160.0, TypeError, "padding must be an int"),
    ("Stream", wmel.Stream, "n_mels", 80.0, TypeError, "n_mels must be an int"),
    ("Stream", wmel.Stream, "padding", 1.5, TypeError, "padding must be an int"),
    ("Stream", lambda **k: wmel.Stream("kaldi", **k), "n_mels", True, TypeError, "n_mels must be an int"),
    ("SlidingBuffer", wmel.SlidingBuffer, "n_mels", 128.0, TypeError, "n_mels must be an int"),
    ("SlidingBuffer", lambda **k: wmel.SlidingBuffer("nemo", **k), "n_mels", True, TypeError, "n_mels must be an int"),
    ("kaldi.fbank", lambda **k: K.fbank(W, **k), "num_mel_bins", 80.0, TypeError, "num_mel_bins must be an int"),
    ("kaldi.fbank", lambda **k: K.fbank(W, **k), "num_mel_bins", True, TypeError, "num_mel_bins must be an int"),
    ("kaldi.fbank", lambda **k: K.fbank(W, **k), "channel", 0.0, TypeError, "channel must be an int"),
    ("OnlineFbank", _online, "mel_opts__num_bins", 80.0, TypeError, "opts.mel_opts.num_bins must be an int"),
    ("fixed.log_mel_spectrogram", lambda **k: wmel.fixed.log_mel_spectrogram(PCM, **k), "n_mels", 80.0, TypeError, "n_mels must be an int"),
    ("fixed.raw_log_mel", lambda **k: wmel.fixed.raw_log_mel(PCM, **k), "n_mels", True, TypeError, "n_mels must be an int"),
    # bools
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "use_energy", "no", TypeError, "use_energy must be a bool"),
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "use_energy", 2, TypeError, "use_energy must be a bool"),
    ("features", lambda **k: wmel.features(X, "nemo", **k), "legacy", "yes", TypeError, "legacy must be a bool"),
    ("Stream", lambda **k: wmel.Stream("kaldi", **k), "use_energy", "no", TypeError, "use_energy must be a bool"),
    ("SlidingBuffer", lambda **k: wmel.SlidingBuffer("kaldi", **k), "use_energy", "no", TypeError, "use_energy must be a bool"),
    ("kaldi.fbank", lambda **k: K.fbank(W, **k), "use_energy", "no", TypeError, "use_energy must be a bool"),
    ("kaldi.fbank", lambda **k: K.fbank(W, **k), "snip_edges", "False", TypeError, "snip_edges must be a bool"),
    ("kaldi.fbank", lambda **k: K.fbank(W, **k), "subtract_mean", 0.0, TypeError, "subtract_mean must be a bool"),
    ("kaldi.fbank", lambda **k: K.fbank(W, **k), "htk_compat", None, TypeError, "htk_compat must be a bool"),
    ("OnlineFbank", _online, "use_energy", "no", TypeError, "opts.use_energy must be a bool"),
    ("OnlineFbank", _online, "frame_opts__snip_edges", "false", TypeError, "opts.frame_opts.snip_edges must be a bool"),
    # numbers
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "scale", "32768", TypeError, "scale must be a number"),
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "scale", True, TypeError, "scale must be a number"),
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "low_freq", float("nan"), ValueError, "low_freq must be finite"),
    ("features", lambda **k: wmel.features(X, "kaldi", **k), "energy_floor", "1", TypeError, "energy_floor must be a number"),
    ("Stream", lambda **k: wmel.Stream("kaldi", **k), "high_freq", "8000", TypeError, "high_freq must be a number"),
    ("kaldi.fbank", lambda **k: K.fbank(W, **k), "low_freq", "20", TypeError, "low_freq must be a number"),
    ("kaldi.fbank", lambda **k: K.fbank(W, **k), "dither", False, TypeError, "dither must be a number"),
    ("OnlineFbank", _online, "mel_opts__low_freq", "20", TypeError, "opts.mel_opts.low_freq must be a number"),
    ("OnlineFbank", _online, "energy_floor", None, TypeError, "opts.energy_floor must be a number"),
]


@pytest.mark.parametrize("entry,call,opt,bad,exc,msg", BAD,
                         ids=[f"{b[0]}-{b[2]}={b[3]!r}" for b in BAD])
def test_bad_argument(entry, call, opt, bad, exc, msg):
    with pytest.raises(exc, match=msg):
        call(**{opt: bad})


# what each kind of option takes besides its plain type: numpy scalars, and 0/1 for bools
GOOD = [
    (lambda **k: wmel.features(X, "kaldi", **k), dict(n_mels=np.int64(40), use_energy=np.bool_(True),
                                                      scale=np.float32(32768), threads=np.int32(1))),
    (lambda **k: wmel.features(X, "kaldi", **k), dict(use_energy=1, low_freq=20, high_freq=-400)),
    (lambda **k: wmel.Stream("kaldi", **k), dict(use_energy=0, low_freq=np.float32(20))),
    (lambda **k: K.fbank(W, **k), dict(num_mel_bins=np.int16(40), use_energy=1, snip_edges=np.bool_(False),
                                       low_freq=np.float64(20), energy_floor=0)),
    (lambda **k: wmel.log_mel_spectrogram(X, **k), dict(n_mels=np.int64(128), padding=np.uint16(160))),
    (lambda **k: wmel.fixed.log_mel_spectrogram(PCM, **k), dict(n_mels=np.int32(80))),
]


@pytest.mark.parametrize("i", range(len(GOOD)))
def test_good_arguments(i):
    call, kw = GOOD[i]
    call(**kw)


def test_bool_options_mean_what_they_say():
    # use_energy=0 and False are off, 1 and True on (a string was taken as on before)
    off = wmel.features(X, "kaldi")
    assert np.array_equal(wmel.features(X, "kaldi", use_energy=0), off)
    assert wmel.features(X, "kaldi", use_energy=1).shape[1] == off.shape[1] + 1
    assert np.array_equal(K.fbank(W, use_energy=np.bool_(False)), K.fbank(W))


def test_push_after_finish():
    for s in (wmel.Stream(), wmel.Stream("kaldi")):
        s.push(X)
        s.finish()
        with pytest.raises(ValueError, match=r"push\(\) after finish\(\): the stream has ended; "
                                             "make a new Stream"):
            s.push(X)
        assert s.finish().shape[0 if s.frontend == "kaldi" else 1] == 0  # finish again: nothing more


def test_ctx_threads_message():
    with pytest.raises(ValueError, match=r"n_threads must be >= 0 \(0 = all cores\), got -1"):
        wmel._wmel.Ctx(n_mels=80, n_threads=-1)


def test_online_fbank_indices():
    f = _online()
    f.input_finished()
    with pytest.raises(TypeError, match="frame must be an int"):
        f.get_frame(1.0)
    with pytest.raises(TypeError, match="n must be an int"):
        f.pop(True)


def test_option_rules_are_the_librarys():
    """One rule and one sentence per mistake, from the library (wmel_plan_set): Python's
    ValueError carries the sentence `wmel mel` prints."""
    cases = [
        (dict(frontend="kaldi", energy_floor=1.0), "energy_floor 1.0: floors the log-energy column, which needs use_energy"),
        (dict(frontend="nemo", window="povey"), "window povey: the nemo front-end takes hann, hamming, blackman, bartlett, sine or rect"),
        (dict(frontend="seamless", window="hann"), "window: not an option of the seamless front-end"),
        (dict(frontend="whisper", scale=2.0), "scale: not an option of the whisper front-end"),
        (dict(frontend="kaldi", normalize="per_feature"), "normalize per_feature: the kaldi front-end takes mean_var, mean, whole or none"),
        (dict(frontend="whisper", n_mels=100), "n_mels 100: the whisper front-end takes 80 or 128"),
        (dict(frontend="nemo", use_energy=True), "use_energy: not an option of the nemo front-end"),
    ]
    for kw, sentence in cases:
        with pytest.raises(ValueError) as e:
            wmel.features(X, **kw)
        assert sentence in str(e.value), (kw, str(e.value))
    for make in (lambda: wmel.Stream("kaldi", energy_floor=1.0), lambda: wmel.SlidingBuffer("kaldi", energy_floor=1.0)):
        with pytest.raises(ValueError, match="needs use_energy"):
            make()
    with pytest.raises(ValueError, match="not an option of the whisper front-end"):
        wmel.SlidingBuffer("whisper", window="hann")
    cli = os.environ.get("WMEL_CLI")
    if cli and os.path.exists(cli):  # the command prints the same sentence
        import subprocess
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            wav = os.path.join(d, "x.wav")
            import wave
            with wave.open(wav, "wb") as w:
                w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
                w.writeframes(np.zeros(1600, np.int16).tobytes())
            r = subprocess.run([cli, "mel", wav, "-o", os.path.join(d, "o.npy"), "--frontend", "nemo",
                                "--window", "povey"], capture_output=True, text=True)
            assert r.returncode == 2 and "window povey: the nemo front-end takes hann, hamming, blackman, bartlett, sine or rect" in r.stderr


def test_features_module_without_torch():
    """wmel.Features is a torch op's module: without torch it says so (with torch: test_torch.py)."""
    import importlib.util
    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed: tests/python/test_torch.py holds wmel.Features")
    with pytest.raises(ModuleNotFoundError, match="needs torch"):
        wmel.Features(plan="nemo")
