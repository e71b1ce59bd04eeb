"""py_overhead.py -- the Python binding's overhead on a 30 s clip: wmel.log_mel_spectrogram
(numpy in, a new numpy array out) against the bare C call wmel_log_mel() on the same
library and the same settings, called through ctypes into the extension module (which
exports libwmel's wmel_* symbols) with a preallocated output. Target: <= 5 %.

    build-py/venv/bin/python bench/py_overhead.py [--runs N]
    build-py/venv/bin/python bench/py_overhead.py --features kaldi,nemo,whisper [--runs N]

--features: per preset, wmel.features(x, plan=NAME, threads=1) against the context's bare
computation (Ctx.features into a preallocated array, the same context), interleaved, on 30 s
and on 1 s of noise (the fixed cost shows there); the process's CPU time, medians. Then
wmel.hf's Parakeet and SeamlessM4T extractors' __call__ on the 30 s clip against
wmel.features of their front-end (default threads, both).
"""
import argparse
import ctypes
import platform
import statistics
import time

import numpy as np

import wmel
from wmel import _wmel


class Params(ctypes.Structure):  # wmel.h: struct wmel_params
    _fields_ = [("n_mels", ctypes.c_int), ("backend", ctypes.c_int), ("n_threads", ctypes.c_int),
                ("norm", ctypes.c_int), ("max_isa", ctypes.c_int), ("cuda_device", ctypes.c_int),
                ("reserved", ctypes.c_int * 6)]


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _median_pair(a, b, runs):
    ta, tb = [], []
    for _ in range(3):
        a()
        b()
    for _ in range(runs):  # interleaved, so drift hits both equally
        t0 = time.process_time()
        a()
        t1 = time.process_time()
        b()
        t2 = time.process_time()
        ta.append(t1 - t0)
        tb.append(t2 - t1)
    return statistics.median(ta) * 1e6, statistics.median(tb) * 1e6


def features_overhead(names, runs):
    from wmel import _features
    rng = np.random.default_rng(0)
    x30 = (rng.standard_normal(480000) * 0.1).astype(np.float32)
    x1 = x30[:16000].copy()
    print(f"cpu: {cpu_model()}; loadavg: {open('/proc/loadavg').read().split()[:3]}")
    for name in names:
        ctx = _features._ctx(_features.plan_from(name), "auto", 1)
        for x, label in ((x30, "30 s"), (x1, "1 s")):
            out = np.empty(ctx.features_shape(x.shape[0]), np.float32)
            assert np.array_equal(wmel.features(x, plan=name, threads=1), (ctx.features(x, out), out)[1])
            tp, tc = _median_pair(lambda: wmel.features(x, plan=name, threads=1),
                                  lambda: ctx.features(x, out), runs)
            print(f"{name:10s} {label:5s} wmel.features {tp:8.0f} us, Ctx.features {tc:8.0f} us: "
                  f"+{tp - tc:.0f} us")
    import wmel.hf as H
    for cls, fe in (("ParakeetFeatureExtractor", "nemo"), ("SeamlessM4TFeatureExtractor", "seamless")):
        e = getattr(H, cls)()
        th, tf = _median_pair(lambda: e(x30, sampling_rate=16000), lambda: wmel.features(x30, fe), runs)
        print(f"wmel.hf.{cls} 30 s: __call__ {th:.0f} us, wmel.features({fe!r}) {tf:.0f} us: "
              f"+{th - tf:.0f} us")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--features", default=None, help="presets, comma-separated: wmel.features' overhead")
    args = ap.parse_args()
    if args.features:
        features_overhead(args.features.split(","), args.runs)
        return

    lib = ctypes.CDLL(_wmel.__file__)
    lib.wmel_default_params.restype = Params
    lib.wmel_create.restype = ctypes.c_void_p
    lib.wmel_create.argtypes = [ctypes.POINTER(Params), ctypes.POINTER(ctypes.c_int)]
    lib.wmel_log_mel.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t,
                                 ctypes.c_void_p, ctypes.c_size_t]
    lib.wmel_destroy.argtypes = [ctypes.c_void_p]
    lib.wmel_kernel_name.restype = ctypes.c_char_p
    lib.wmel_kernel_name.argtypes = [ctypes.c_void_p]

    p = lib.wmel_default_params()
    p.backend = _wmel.BACKEND_CPU  # what the Python layer uses
    st = ctypes.c_int(0)
    ctx = lib.wmel_create(ctypes.byref(p), ctypes.byref(st))
    assert ctx, _wmel.strerror(st.value)

    rng = np.random.default_rng(0)
    x = (rng.standard_normal(480000) * 0.1).astype(np.float32)
    out = np.empty((80, 3000), np.float32)

    def c_call():
        rc = lib.wmel_log_mel(ctx, x.ctypes.data, x.size, 0, out.ctypes.data, out.size)
        assert rc == 0

    def py_call():
        wmel.log_mel_spectrogram(x)

    for _ in range(5):  # warm up: threads, caches, the Python ctx
        c_call()
        py_call()
    tc, tp = [], []
    for _ in range(args.runs):  # interleaved, so drift hits both equally
        t0 = time.perf_counter()
        c_call()
        t1 = time.perf_counter()
        py_call()
        t2 = time.perf_counter()
        tc.append(t1 - t0)
        tp.append(t2 - t1)
    np.testing.assert_array_equal(out, wmel.log_mel_spectrogram(x))
    mc, mp = statistics.median(tc), statistics.median(tp)
    print(f"cpu: {cpu_model()}")
    print(f"kernel: {lib.wmel_kernel_name(ctx).decode()}, threads: {wmel._ctx(80).n_threads}")
    print(f"30 s clip, median of {args.runs}: C wmel_log_mel {mc * 1e3:.3f} ms, "
          f"wmel.log_mel_spectrogram {mp * 1e3:.3f} ms")
    print(f"binding overhead: {(mp / mc - 1) * 100:+.2f} % (ratio {mp / mc:.4f}; target <= 5 %)")
    lib.wmel_destroy(ctx)


if __name__ == "__main__":
    main()
