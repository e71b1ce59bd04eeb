"""One reader of transformers configurations for the command and Python: the same files given
to `wmel mel --hf-config DIR` and to wmel.hf (plan_from_config, from_pretrained) end the same
way, with the library's sentence (wmel_plan_from_hf_config[_cols]) -- an empty nested
"feature_extractor" object (transformers reads it, not the top-level keys), per-column values
nested unevenly (numpy's array refuses them), a UTF-8 byte-order mark (skipped, as by every
JSON reader of the library), a fractional feature_size, a class name longer than any -- and
every wmel.hf class refuses NaN and infinite options by name.

The command: $WMEL_CLI, else build/wmel; the comparisons skip without it.
"""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import wmel
import wmel.hf as H

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _cli():
    cli = pathlib.Path(os.environ.get("WMEL_CLI", ROOT / "build" / "wmel"))
    if not cli.exists():
        pytest.skip("the wmel command ($WMEL_CLI or build/wmel) is not built")
    return str(cli)


def _clvp_class():
    try:
        return H.ClvpFeatureExtractor
    except ImportError:
        return None


def _files():
    """(name, bytes of preprocessor_config.json, the sentence both must give, or None: both
    compute)."""
    whisper = {"feature_extractor_type": "WhisperFeatureExtractor", "feature_size": 128}
    return [
        ("empty_nested", json.dumps({**whisper, "feature_extractor": {}}).encode(),
         'the nested "feature_extractor" object names no class'),
        ("empty_audio_processor", json.dumps({**whisper, "audio_processor": {}}).encode(),
         'the nested "audio_processor" object names no class'),
        ("bom", b"\xef\xbb\xbf" + json.dumps(whisper).encode(), None),
        ("fractional_feature_size", json.dumps({**whisper, "feature_size": 80.5}).encode(),
         "WhisperFeatureExtractor: feature_size 80.5:"),
        ("long_class", json.dumps({"feature_extractor_type": "A" * 200}).encode(),
         "longer than any class name): not a class wmel maps to a plan (WhisperFeatureExtractor,"),
        ("ragged_mel_norms", json.dumps({"feature_extractor_type": "ClvpFeatureExtractor",
                                         "mel_norms": [[1.0] * 40, [1.0] * 39, [2.0]]}).encode(),
         "ClvpFeatureExtractor: mel_norms [...]: nested arrays of unequal lengths"),
        ("ragged_per_bin", json.dumps({"feature_extractor_type": "Gemma4AudioFeatureExtractor",
                                       "per_bin_mean": [[0.0] * 64, [0.0] * 63, [1.0]]}).encode(),
         "Gemma4AudioFeatureExtractor: per_bin_mean [...]: nested arrays of unequal lengths"),
    ]


@pytest.mark.parametrize("name,text,want", _files(), ids=[f[0] for f in _files()])
def test_command_and_python_read_alike(tmp_path, name, text, want):
    d = tmp_path / name
    d.mkdir()
    (d / "preprocessor_config.json").write_bytes(text)
    wav = str(ROOT / "data" / "speech_en.wav")
    out = tmp_path / "o.npy"
    cls = json.loads(text.decode("utf-8-sig"))["feature_extractor_type"]
    cols = cls in ("ClvpFeatureExtractor", "Gemma4AudioFeatureExtractor")
    if cols and _clvp_class() is None:
        pytest.skip("the per-column classes' drop-ins need transformers")
    # Python: the per-column values through from_pretrained (plan_from_config gives plans,
    # which hold none); the others through plan_from_config
    py_err = None
    try:
        if cols:
            H.from_pretrained(d)
        else:
            plan = H.plan_from_config(d)
    except ValueError as e:
        py_err = str(e)
    if want is None:
        assert py_err is None, py_err
        assert plan["n_mels"] == 128
    else:
        assert py_err is not None and want in py_err, py_err
    r = subprocess.run([_cli(), "mel", wav, "-o", str(out), "--hf-config", str(d), "-q"],
                       capture_output=True, text=True)
    if want is None:
        assert r.returncode == 0, r.stderr
        assert np.array_equal(np.load(out), H._config._clip_features(plan, wmel.load_audio(wav)))
    else:
        # "wmel: --hf-config FILE: SENTENCE": Python's message is the same sentence
        assert r.returncode == 2 and want in r.stderr, r.stderr
        assert py_err.endswith(r.stderr.strip().split(": ", 2)[2]), (r.stderr, py_err)


def test_config_dict_reads_as_the_library(tmp_path):
    """config_dict: an empty nested object is the configuration; a byte-order mark skipped."""
    (tmp_path / "a.json").write_text(json.dumps({"feature_extractor_type": "WhisperFeatureExtractor",
                                                 "feature_extractor": {}}))
    assert H._config.config_dict(tmp_path / "a.json") == {}
    (tmp_path / "b.json").write_bytes(b"\xef\xbb\xbf" + json.dumps({"feature_size": 80}).encode())
    assert H._config.config_dict(tmp_path / "b.json") == {"feature_size": 80}


def _classes():
    out = [(H.WhisperFeatureExtractor, "feature_size"), (H.ParakeetFeatureExtractor, "preemphasis"),
           (H.SeamlessM4TFeatureExtractor, "padding_value")]
    for name, field in (("ClvpFeatureExtractor", "padding_value"), ("ASTFeatureExtractor", "mean"),
                        ("Speech2TextFeatureExtractor", "padding_value")):
        try:
            out.append((getattr(H, name), field))
        except ImportError:
            pass
    return out


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_nonfinite_options_refused_by_name(bad):
    for cls, field in _classes():
        with pytest.raises((ValueError, TypeError)) as e:
            cls(**{field: bad})
        if cls.__name__ == "WhisperFeatureExtractor" and field == "feature_size":
            continue       # transformers' own constructor refuses a float size first
        assert field in str(e.value) and repr(bad) in str(e.value), (cls, str(e.value))


def test_parakeet_nan_preemphasis_is_not_0_97():
    with pytest.raises(ValueError, match=r"preemphasis=nan: not a finite number"):
        H.ParakeetFeatureExtractor(preemphasis=float("nan"))
    with pytest.raises(ValueError, match=r"WhisperFeatureExtractor: preemphasis=inf"):
        H.WhisperFeatureExtractor(preemphasis=float("inf"))


def test_fractional_sizes_refused():
    with pytest.raises((ValueError, TypeError)):
        H.WhisperFeatureExtractor(feature_size=80.5)
    with pytest.raises(ValueError, match=r"feature_size=80.5: a whole number expected"):
        H.ParakeetFeatureExtractor(feature_size=80.5)
    with pytest.raises(ValueError, match=r"the configuration|feature_size"):
        H.plan_from_config({"feature_extractor_type": "WhisperFeatureExtractor", "feature_size": float("nan")})


def test_standalone_whisper_fractional_size():
    from wmel.hf import StandaloneWhisperFeatureExtractor as S
    with pytest.raises(ValueError, match=r"WhisperFeatureExtractor: feature_size=80.5: a whole number expected"):
        S(feature_size=80.5)
