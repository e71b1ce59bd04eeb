"""test_knf_suite.py -- kaldi-native-fbank 1.23's own Python tests (its sdist's
kaldi-native-fbank/python/tests, PEER_KNF_TESTS), unmodified, as pytest items: with
WMEL_PEER_IMPL=wmel, `import kaldi_native_fbank` gives wmel.kaldi.

Those files are scripts that exit 77 at import when a dependency (torch, librosa) is missing;
here such a file is one skipped item naming it. Their pytest-style test_* functions and
unittest.TestCase methods are items of their own (a file with neither: its main()). Tests that
read the data files of kaldi-native-fbank's git tree (tests/data, not in the sdist) are skipped,
saying so. WMEL_GAPS: what wmel.kaldi does not provide, skipped in the wmel run, saying why.
"""
import importlib.util
import inspect
import os
import sys
import unittest

import pytest

HERE = os.environ.get("PEER_KNF_TESTS", "")
IMPL = os.environ.get("WMEL_PEER_IMPL", "original")

if IMPL == "wmel":
    import wmel.kaldi
    sys.modules["kaldi_native_fbank"] = wmel.kaldi

# what wmel.kaldi does not provide (docs/kaldi.md), skipped in the wmel run with the reason;
# the reason starts with "wmel gap:", which tests/peers/run_peers.py lists as a documented gap
# (each named in its summary) instead of a regression
WMEL_GAPS = {
    "test_pitch.py::TestPitch.test_options_defaults": "wmel gap: Kaldi pitch (PitchExtractionOptions, "
                                                      "OnlinePitch) is not provided by wmel.kaldi",
}


def _load(path):
    name = "knf_suite_" + os.path.basename(path)[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except SystemExit as e:
        return None, f"the file exits {e.code} at import (a dependency it needs is not installed)"
    except ImportError as e:
        return None, f"import failed: {e}"
    return mod, None


def _items():
    if not HERE or not os.path.isdir(HERE):
        return [pytest.param(None, None, id="no-suite", marks=pytest.mark.skip(
            reason="PEER_KNF_TESTS is not set to kaldi-native-fbank's python/tests"))]
    out = []
    for f in sorted(os.listdir(HERE)):
        if not (f.startswith("test_") and f.endswith(".py")):
            continue
        mod, why = _load(os.path.join(HERE, f))
        if mod is None:
            out.append(pytest.param(f, None, id=f"{f}::<module>", marks=pytest.mark.skip(reason=why)))
            continue
        n0 = len(out)
        for k, v in vars(mod).items():
            if k.startswith("test_") and inspect.isfunction(v) and v.__module__ == mod.__name__:
                out.append(pytest.param(f, v, id=f"{f}::{k}"))
            elif inspect.isclass(v) and issubclass(v, unittest.TestCase) and v.__module__ == mod.__name__:
                for m in unittest.TestLoader().getTestCaseNames(v):
                    out.append(pytest.param(f, (v, m), id=f"{f}::{k}.{m}"))
        if len(out) == n0 and inspect.isfunction(getattr(mod, "main", None)):
            out.append(pytest.param(f, mod.main, id=f"{f}::main"))   # a script: its main()
    if IMPL == "wmel":
        out = [pytest.param(*p.values, id=p.id, marks=pytest.mark.skip(reason=WMEL_GAPS[p.id]))
               if p.id in WMEL_GAPS else p for p in out]
    return out


def _golden_missing(text):
    return (("FileNotFoundError" in text or "cannot open" in text)
            and os.sep + os.path.join("tests", "data") in text)


@pytest.mark.parametrize("fname,test", _items())
def test_knf(fname, test):
    if isinstance(test, tuple):
        cls, m = test
        result = unittest.TestResult()
        unittest.TestSuite([cls(m)]).run(result)
        problems = result.errors + result.failures
        if result.skipped:
            pytest.skip(result.skipped[0][1])
        if problems:
            text = problems[0][1]
            if _golden_missing(text):
                pytest.skip("reads the data files of kaldi-native-fbank's tree (tests/data, not in the sdist)")
            pytest.fail(text, pytrace=False)
        return
    if inspect.signature(test).parameters:
        pytest.skip("takes pytest fixtures of the original's tree")
    try:
        test()
    except (FileNotFoundError, RuntimeError) as e:
        if _golden_missing(f"{type(e).__name__} {e}"):
            pytest.skip("reads the data files of kaldi-native-fbank's tree (tests/data, not in the sdist)")
        raise
