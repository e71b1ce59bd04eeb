"""The Python examples of README.md and docs/*.md (```python test blocks), run by
tests/docs/run_docs.py with this interpreter, each in a fresh folder holding data/
(docs/testing.md, "The docs test")."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_docs_python_examples():
    r = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tests", "docs", "run_docs.py"), "--only", "python",
         "--python", sys.executable, "--source", ROOT],
        capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert ": skipped" not in r.stdout, r.stdout
    assert " 0 blocks ran" not in r.stdout, r.stdout
