"""The Python examples of README.md and docs/*.md (```python test blocks), run by
tests/docs/run_docs.py with this interpreter, each in a fresh folder holding data/
and golden/ (../shared/golden, where present) (docs/testing.md, "The docs test")."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


GOLDEN = os.path.join(ROOT, "..", "shared", "golden")


def test_docs_python_examples():
    golden = ["--golden", GOLDEN] if os.path.isdir(GOLDEN) else []
    r = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tests", "docs", "run_docs.py"), "--only", "python",
         "--python", sys.executable, "--source", ROOT] + golden,
        capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    # every block runs; one that needs the goldens only where ../shared/golden is absent, one
    # that needs a part of the build (FFmpeg's decoding, PNG, safetensors) only where this
    # package was built without it (`wmel.version()` lists the parts it has)
    import wmel
    parts = wmel.version().replace("(", " ").replace(")", " ").split()
    absent = {"golden"} if not golden else set()
    absent |= {p for p in ("ffmpeg", "png", "safetensors") if p not in parts}
    skipped = [l for l in r.stdout.splitlines() if ": skipped" in l]
    for line in skipped:
        m = re.search(r"needs ([\w,-]+)", line)
        needs = m.group(1).split(",") if m else ["(no need named)"]
        assert set(needs) <= absent, (line, sorted(absent))
    assert " 0 blocks ran" not in r.stdout, r.stdout
