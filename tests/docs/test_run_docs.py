#!/usr/bin/env python3
"""test_run_docs.py -- the docs runner's own checks (tests/docs/run_docs.py), against a stand-in
wmel whose --version lists no optional feature (a build without cJSON, FFmpeg or libpng) and no
conformance data: a block that declares needs=safetensors or needs=golden skips with the
reason; a block that reads a .safetensors file or golden/ without declaring it is a problem
(whatever the build has), so that it cannot fail only where the feature is absent."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

PAGE = """# page

```sh test needs=golden,safetensors
wmel stem data/speech_en.wav --weights golden/ref/stem_tiny_f32.safetensors -o stem.npy
```

```c test needs=golden
int main(void) { return wmel_stem_load("golden/ref/stem_tiny_f32.safetensors", 0, 0, 0, 0) != 0; }
```

```sh test
ls golden/audio/speech_en.wav
```

```sh test
wmel --version
```
"""


def main():
    fails, want = 0, []
    with tempfile.TemporaryDirectory() as d:
        wmel = os.path.join(d, "wmel")
        with open(wmel, "w") as f:
            f.write("#!/bin/sh\necho 'wmel 0.0.0 (x86_64)'\n")
        os.chmod(wmel, 0o755)
        page = os.path.join(d, "page.md")
        with open(page, "w") as f:
            f.write(PAGE)
        os.makedirs(os.path.join(d, "data"))
        p = subprocess.run([sys.executable, os.path.join(HERE, "run_docs.py"), "--wmel", wmel, "--source", d,
                            "--golden", os.path.join(d, "no-golden"), page], capture_output=True, text=True)
        out = p.stdout + p.stderr
        want = [
            ("page.md:3: skipped (needs golden,safetensors)", "a declared need skips with the reason"),
            ("page.md:7: the block reads a .safetensors file but does not say needs=safetensors",
             "an undeclared safetensors need is a problem"),
            ("page.md:11: the block reads golden/ (../shared/golden) but does not say needs=golden",
             "an undeclared golden need is a problem"),
            ("page.md:15: ok", "a block without needs runs"),
            ("docs: 1 blocks ran, 2 skipped, 3 problem(s)", "the tally (page.md:11 also fails to run)"),
        ]
        for text, what in want:
            if text not in out:
                print(f"FAIL: {what}: '{text}' not in the runner's output")
                fails += 1
        if "page.md:3: block failed" in out or "page.md:7: block failed" in out:
            print("FAIL: a block whose need is absent ran")
            fails += 1
        if p.returncode != 1:
            print(f"FAIL: exit status {p.returncode}, not 1 (problems found)")
            fails += 1
        if fails:
            print(out)
    print(f"test_run_docs: {len(want) + 2 - fails} passed, {fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
