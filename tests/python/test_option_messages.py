"""Refusals name the option, its value and the allowed range: a Kaldi frame shift past the
plan's hop limit (wmel.kaldi.fbank's frame_shift, FrameExtractionOptions.frame_shift_ms), a
per-column vector that is not numbers, a plan's int field past C's int, a CMVN path that is a
folder, a clip shorter than the plan's own reflect reach (not Whisper's). The command: $WMEL_CLI,
else build/wmel; its checks skip without it."""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import wmel
import wmel.kaldi as K

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLAN = {"frontend": "nemo", "n_fft": 48000, "frame_length": 48000, "hop": 750, "framing": "center_reflect"}


def _cli():
    cli = pathlib.Path(os.environ.get("WMEL_CLI", ROOT / "build" / "wmel"))
    if not cli.exists():
        pytest.skip("the wmel command ($WMEL_CLI or build/wmel) is not built")
    return str(cli)


def test_kaldi_frame_shift_past_the_hop_limit():
    with pytest.raises(ValueError, match=r"frame_shift=1000000000.0 ms: .* 16000000000 samples .*1 \.\. 16777216"):
        K.fbank(np.zeros((1, 16000), np.float32), frame_shift=1e9)
    fo = K.FbankOptions()
    fo.frame_opts.frame_shift_ms = 1e9
    with pytest.raises(ValueError, match=r"frame_opts.frame_shift_ms 1000000000.0: at 16000.0 Hz .*1 \.\. 16777216"):
        K.OnlineFbank(fo)


def test_col_scale_not_numbers():
    with pytest.raises(ValueError, match=r"col_scale 'abc': 80 numbers expected"):
        wmel.features(np.zeros(16000, np.float32), "kaldi", col_scale="abc")
    with pytest.raises(ValueError, match=r"col_shift: value 3 is nan"):
        wmel.features(np.zeros(16000, np.float32), "kaldi", col_shift=[0.0] * 3 + [np.nan] + [0.0] * 76)


def test_plan_int_field_past_c_int():
    from wmel import _hf_config as C
    plan = dict(wmel.frontend_plan("kaldi", 80))
    plan["hop"] = 1 << 40
    with pytest.raises(ValueError, match=r"plan: 'hop' 1099511627776: outside a C int's range"):
        C._clip_features(plan, np.zeros(16000, np.float32))


def test_too_short_names_the_plans_reach(tmp_path):
    p = tmp_path / "plan.json"
    p.write_text(json.dumps(PLAN))
    with pytest.raises(ValueError, match=r"8000 samples: too short for this plan's centred reflect framing: "
                                         r"more than n_fft / 2 = 24000 samples needed \(n_fft 48000\)"):
        wmel.features(np.zeros(8000, np.float32), plan=str(p))
    import wave
    wav = tmp_path / "short.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * 8000)
    r = subprocess.run([_cli(), "mel", str(wav), "--plan", str(p), "-o", str(tmp_path / "o.npy")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "more than n_fft / 2 = 24000 samples needed" in r.stderr, r.stderr


def test_cmvn_folder(tmp_path):
    r = subprocess.run([_cli(), "mel", str(ROOT / "data" / "speech_en.wav"), "--frontend", "kaldi", "--cmvn",
                        str(tmp_path), "-o", str(tmp_path / "o.npy")], capture_output=True, text=True)
    assert r.returncode != 0 and "cannot be read: a folder (a CMVN file is expected" in r.stderr, r.stderr
