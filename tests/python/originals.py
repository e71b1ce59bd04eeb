"""originals.py -- what the tests that hold wmel to the originals (the toolkits' own front-ends)
share: the bound, the error measure, the table of the largest errors, the clips, and
kaldi-native-fbank's OnlineFbank as sherpa-onnx configures it. Needs numpy only (the originals'
packages are imported where they are used)."""
import os

import numpy as np

TOL = 2e-5
JFK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "golden", "audio",
                   "jfk.flac")


def err(a, b):
    """max |a - b| / max(1, |b|) over two arrays of one shape; 0 for empty ones."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))) if a.size else 0.0


def hold(errs, key, got, orig, ref):
    """wmel's output got within TOL of the float64 reference ref, and within the original's own
    error against ref plus TOL of the original orig; the three errors kept, the largest per
    (key, what), in the dict errs."""
    e_orig, e_wmel, e_vs = err(orig, ref), err(got, ref), err(got, orig)
    for k, v in (("original vs float64", e_orig), ("wmel vs float64", e_wmel), ("wmel vs original", e_vs)):
        errs[(key, k)] = max(errs.get((key, k), 0.0), v)
    assert e_wmel <= TOL, (key, e_wmel)
    assert e_vs <= e_orig + TOL, (key, e_vs, e_orig)


def print_errs(errs, width):
    """The table hold() kept, one line a (key, what), the key padded to width."""
    for k, v in sorted(errs.items(), key=str):
        print(f"{str(k[0]):{width}s} {k[1]:22s} {v:.3g}")


def clips(seed, load_audio):
    """Speech (jfk.flac through load_audio, where the file is there), 1.5 s of full-scale uniform
    noise from default_rng(seed) and 2 s of a half-scale chirp, as (name, float32 samples)."""
    out = []
    if os.path.exists(JFK):
        out.append(("jfk", load_audio(JFK)))
    rng = np.random.default_rng(seed)
    out.append(("noise", rng.uniform(-1, 1, 24000).astype(np.float32)))
    t = np.arange(32000) / 16000.0
    out.append(("chirp", (0.5 * np.sin(2 * np.pi * (60 + 3500 * t) * t)).astype(np.float32)))
    return out


def knf_sherpa(x, n_mels=80):
    """kaldi-native-fbank's OnlineFbank with sherpa-onnx's options (dither 0, snip_edges false,
    16 kHz, low_freq 20, high_freq -400) on the float32 samples x: [frames][n_mels]."""
    import kaldi_native_fbank as knf

    opts = knf.FbankOptions()
    opts.frame_opts.dither = 0.0
    opts.frame_opts.snip_edges = False
    opts.frame_opts.samp_freq = 16000
    opts.mel_opts.num_bins = n_mels
    opts.mel_opts.low_freq = 20.0
    opts.mel_opts.high_freq = -400.0
    fb = knf.OnlineFbank(opts)
    fb.accept_waveform(16000, x.tolist())
    fb.input_finished()
    n = fb.num_frames_ready
    return np.stack([fb.get_frame(i) for i in range(n)]) if n else np.zeros((0, n_mels))
