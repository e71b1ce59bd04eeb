"""conftest.py -- shared fixtures for the wmel Python tests: the golden data in
../shared/golden (or $WMEL_GOLDEN) and its inputs as openai's load_audio gives them, and
transformers' feature extractors as the installed release has them (hf_original)."""
import importlib
import os
import warnings
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = pathlib.Path(os.environ.get("WMEL_GOLDEN", ROOT.parent / "shared" / "golden"))


HAVE_GOLDEN = (GOLDEN / "ref").is_dir() and (GOLDEN / "audio").is_dir()
NO_GOLDEN = (f"needs the conformance data ({GOLDEN}), absent: clone shared/ beside the "
             "repository or set WMEL_GOLDEN")


def pytest_collection_modifyitems(config, items):
    """A clone on its own (no shared/ beside it): the tests of the modules that read the
    conformance data are skipped with the reason; the rest run."""
    if HAVE_GOLDEN:
        return
    reads = {}
    for item in items:
        path = pathlib.Path(str(item.fspath))
        if path not in reads:
            text = path.read_text(errors="replace")
            reads[path] = "GOLDEN" in text or "golden" in text or "shared" in text
        if reads[path] or "golden" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=NO_GOLDEN))


@pytest.fixture(scope="session")
def golden():
    if not HAVE_GOLDEN:
        pytest.skip(NO_GOLDEN)
    return GOLDEN


def ref(name):
    return np.load(GOLDEN / "ref" / f"{name}.npy")


def audio_of(stem):
    """The samples openai's load_audio gives for a golden stem: the 16 kHz WAVs read
    directly, the other files from their recorded *.load_audio_s16.npy."""
    s16 = GOLDEN / "ref" / f"{stem}.load_audio_s16.npy"
    if s16.exists():
        return np.load(s16).astype(np.int16).astype(np.float32) / np.float32(32768.0)
    import wmel
    return wmel.load_audio(GOLDEN / "audio" / (stem.rsplit("_", 1)[0] + ".wav"))


def vulkan_skip_reason():
    """Why the Vulkan rows skip (the build has no Vulkan backend, or the loader lists no
    device: lavapipe, Debian's mesa-vulkan-drivers, is one), or None where they run."""
    import wmel
    if not wmel.build_info()["vulkan"]:
        return "this wmel was built without the Vulkan backend"
    try:
        wmel.features(np.zeros(4000, np.float32), "whisper", backend="vulkan")
    except RuntimeError as e:
        return f"no Vulkan device: {e}"
    return None


def hf_original(module, name, needs_torch=False):
    """transformers' feature extractor `name` (transformers/models/<module>/
    feature_extraction_<module>.py), made once with its defaults, or a skip that says why not:
    transformers (or torch, for the torch-based classes) not installed, a release without the
    model, or the class's own requirement absent (transformers makes some of its extractors
    placeholders, or fails in their __init__, where librosa is not installed)."""
    tf = pytest.importorskip("transformers")
    if needs_torch:
        pytest.importorskip("torch")
    try:
        mod = importlib.import_module(f"transformers.models.{module}.feature_extraction_{module}")
    except ModuleNotFoundError as e:
        if (e.name or "").startswith("transformers"):
            pytest.skip(f"transformers {tf.__version__} has no {module} (a later release has it)")
        pytest.skip(f"transformers' {name} needs {e.name}, not installed")
    cls = getattr(mod, name, None)
    if cls is None:
        pytest.skip(f"transformers {tf.__version__} has no {name}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cls()
    except (ImportError, NameError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        pytest.skip(f"transformers {tf.__version__}'s {name} does not run here: {first}")
    return cls
