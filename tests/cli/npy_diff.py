"""npy_diff.py A.npy B.npy [abs|rel] -- the largest |a - b| (abs) or |a - b| / max(1, |b|)
(rel) of two float32 .npy files of the same length; 1e9 when the lengths differ. The CLI
tests' comparison, Python's standard library only."""
import array
import sys


def load(path):
    b = open(path, "rb").read()
    n = int.from_bytes(b[8:10], "little") + 10
    a = array.array("f")
    a.frombytes(b[n:])
    return a


a, b = load(sys.argv[1]), load(sys.argv[2])
rel = len(sys.argv) > 3 and sys.argv[3] == "rel"
if len(a) != len(b):
    print(1e9)
else:
    print(max((abs(x - y) / max(1.0, abs(y)) if rel else abs(x - y) for x, y in zip(a, b)), default=0.0))
