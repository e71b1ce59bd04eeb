"""The Python examples of README.md and docs/*.md (```python test blocks), run by
tests/docs/run_docs.py with this interpreter, each in a fresh folder holding data/
and golden/ (../shared/golden, where present) (docs/testing.md, "The docs test")."""
import os
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
    # every block runs; one that needs the goldens only where ../shared/golden is absent
    skipped = [l for l in r.stdout.splitlines() if ": skipped" in l]
    assert all(not golden and "needs golden" in l for l in skipped), r.stdout
    assert " 0 blocks ran" not in r.stdout, r.stdout
