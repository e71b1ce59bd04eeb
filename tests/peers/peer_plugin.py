"""peer_plugin.py -- the pytest plugin (-p peer_plugin) under which make test-peers runs
the originals' own test modules, unmodified, twice: WMEL_PEER_IMPL=original, then =wmel.

For wmel it swaps wmel in before any test module is imported: wmel.whisper.patch()
(openai-whisper), wmel.hf.patch() (transformers' own class computes through libwmel),
wmel.faster_whisper.patch(). A module that cannot be imported because torch (optional,
multi-GB) is not installed is reported as skipped with that reason; tests that download
model weights from a hub are skipped with that reason (no network here), in both runs.
"""
import importlib.util
import os

import pytest

IMPL = os.environ.get("WMEL_PEER_IMPL", "original")

# node-id suffixes of tests that cannot run offline, with the reason
HUB = {
    "test_transcribe.py::test_transcribe": "downloads Whisper model weights (no network in CI)",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "peer: wmel peer-suite test")
    # openai-whisper's tests mark GPU tests so; its conftest.py (not in the sdist) skips them
    config.addinivalue_line("markers", "requires_cuda: needs a CUDA device")
    if IMPL != "wmel":
        return
    if importlib.util.find_spec("transformers") is not None:
        import wmel.hf
        wmel.hf.patch()
    if importlib.util.find_spec("faster_whisper") is not None:
        import wmel.faster_whisper
        wmel.faster_whisper.patch()
    if importlib.util.find_spec("whisper") is not None and importlib.util.find_spec("torch") is not None:
        import wmel.whisper
        try:
            wmel.whisper.patch()
        except ImportError as e:
            # openai-whisper itself does not import (one of its own dependencies is
            # missing): its test modules fail to import in both runs alike
            print(f"peer_plugin: openai-whisper not patched: {e}")


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    rep = outcome.get_result()
    # openai-whisper imports torch at module level (its test_timing needs scipy first)
    if rep.failed and "ModuleNotFoundError" in str(rep.longrepr) and \
            importlib.util.find_spec("torch") is None:
        rep.outcome = "skipped"
        rep.longrepr = (str(collector.path), 0, "Skipped: needs torch (optional, not installed)")


def _cuda_device():
    try:
        import torch
        return torch.cuda.is_available()
    except ImportError:
        return False


def pytest_collection_modifyitems(config, items):
    cuda = None
    for item in items:
        if item.get_closest_marker("requires_cuda") is not None:
            cuda = _cuda_device() if cuda is None else cuda
            if not cuda:
                item.add_marker(pytest.mark.skip(reason="needs a CUDA device (none here)"))
        for suffix, why in HUB.items():
            if item.nodeid.split("[")[0].endswith(suffix):
                item.add_marker(pytest.mark.skip(reason=why))


def pytest_report_header(config):
    import wmel
    return [f"peer implementation: {IMPL}; wmel {wmel.version()}"]
