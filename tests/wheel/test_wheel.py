"""test_wheel.py -- the installed wheel (make test-wheel), run in a fresh venv: wmel comes
from that venv's site-packages, and the libraries auditwheel bundled (wmel.libs/) are the
ones loaded -- not the machine's -dev packages' copies -- when it decodes and computes.
WMEL_WHEEL_KIND: 'full' (built with FFmpeg) or 'lean' (WMEL_FFMPEG=OFF: PyAV decodes)."""
import os
import pathlib
import sys

import numpy as np
import pytest

import wmel

KIND = os.environ.get("WMEL_WHEEL_KIND", "full")
ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = pathlib.Path(os.environ.get("WMEL_GOLDEN", ROOT.parent / "shared" / "golden"))


def _maps():
    return [line.split()[-1] for line in open("/proc/self/maps") if "/" in line.split()[-1]]


def test_installed_from_the_wheel():
    pkg = pathlib.Path(wmel.__file__).resolve().parent
    assert pkg.parent == pathlib.Path(sys.prefix).resolve() / "lib" / \
        f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    assert not (pkg / "_wmel.c").exists()
    so = [p for p in pkg.glob("_wmel*.so")]
    assert len(so) == 1 and so[0].name == "_wmel.abi3.so"


def test_bundled_libraries_are_the_ones_loaded():
    samples = wmel.load_audio(GOLDEN / "audio" / "speech_en_44k_stereo.mp3")
    assert samples.shape == (111862,)
    mel = wmel.log_mel_spectrogram(samples)
    assert mel.shape == (80, 699)
    libs_dir = str(pathlib.Path(wmel.__file__).resolve().parent.parent / "wmel.libs")
    mapped = _maps()
    av = [m for m in mapped if os.path.basename(m).startswith(("libavcodec", "libavformat", "libswresample"))]
    if KIND == "full":
        info = wmel.build_info()
        assert info["ffmpeg"] and info["decoder"] == "ffmpeg"
        assert av and all(m.startswith(libs_dir) for m in av), av
    else:
        assert not wmel.build_info()["ffmpeg"] and wmel.decoder() == "pyav"
        assert not any(m.startswith(libs_dir) for m in av)  # FFmpeg is PyAV's here
    system = [m for m in mapped if m.startswith(("/usr/lib", "/lib")) and
              os.path.basename(m).startswith(("libav", "libsw", "libopenblas", "libcjson"))]
    assert not system, system


def test_goldens_through_the_wheel():
    for stem, n in (("speech_en_wav", 80), ("jfk_flac", 80), ("speech_en_wav", 128)):
        base, ext = stem.rsplit("_", 1)
        ref = np.load(GOLDEN / "ref" / f"{stem}.mel{n}.npy")
        got = wmel.log_mel_spectrogram(str(GOLDEN / "audio" / f"{base}.{ext}"), n_mels=n)
        assert got.shape == ref.shape and float(np.abs(got - ref).max()) <= 1e-4


def test_no_decoder_message(monkeypatch):
    if KIND == "full":
        pytest.skip("the full wheel decodes with its own FFmpeg")
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(ValueError, match="pip install av"):
        wmel.load_audio(GOLDEN / "audio" / "jfk.flac")


def test_runs_with_the_system_libraries_hidden():
    """make test-wheel runs this file under tests/wheel/isolated.sh: the machine's FFmpeg,
    OpenBLAS and cJSON libraries are empty files there, so everything above ran on the
    wheel's own copies."""
    if os.environ.get("WMEL_WHEEL_ISOLATED") != "1":
        pytest.skip("not under isolated.sh with a private mount namespace")
    import glob
    real = [f for f in glob.glob("/usr/lib/*-linux-gnu/libavcodec.so.*") + glob.glob("/usr/lib/*-linux-gnu/libopenblas*.so*")
            if not os.path.islink(f)]
    assert real and all(os.path.getsize(f) == 0 for f in real), real
    assert not os.listdir("/usr/include")
