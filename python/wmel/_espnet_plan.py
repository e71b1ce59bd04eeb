"""wmel._espnet_plan -- an ESPnet2 model's front-end (config.yaml) as a wmel plan: the readers
and plan() behind wmel.espnet (whose docstring says the semantics), below both wmel.espnet and
its torch Frontend (wmel._espnet_frontend), which take them from here.
"""
from __future__ import annotations

import math
import os

import numpy as np

from ._features import plan_from

# DefaultFrontend's arguments and defaults (espnet 202511)
_FRONTEND = dict(fs=16000, n_fft=512, win_length=None, hop_length=128, window="hann", center=True,
                 normalized=False, onesided=True, n_mels=80, fmin=None, fmax=None, htk=False,
                 frontend_conf=None, apply_stft=True)
_WINDOWS = {"hann": "hann_periodic", "hamming": "hamming_periodic", "blackman": "blackman_periodic",
            "bartlett": "bartlett_periodic", None: "rect"}
_MVN = dict(stats_file=None, norm_means=True, norm_vars=True, eps=1.0e-20)


def _load_config(config):
    if isinstance(config, dict):
        return config, None
    if not isinstance(config, (str, os.PathLike)):
        raise TypeError(f"config must be a dict or a config.yaml path, got {type(config).__name__}")
    path = os.fspath(config)
    try:
        import yaml
    except ImportError:
        raise ValueError(f"{path}: reading a config.yaml needs PyYAML (pip install pyyaml); or pass the "
                         "configuration as a dict") from None
    with open(path, encoding="utf-8") as f:
        d = yaml.safe_load(f)
    if not isinstance(d, dict):
        raise ValueError(f"{path}: not a mapping at the top level")
    return d, path


def _int(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise ValueError(f"frontend_conf {name} {v!r}: an integer")
    return int(v)


def _float(name, v):
    """A finite number (YAML 1.1 reads 1e-20 without a dot as a string: taken as float() takes it)."""
    try:
        f = float(v) if isinstance(v, str) or not isinstance(v, bool) else None
    except (TypeError, ValueError):
        f = None
    if f is None or not math.isfinite(f):
        raise ValueError(f"{name} {v!r}: a finite number")
    return f


def _fs(v):
    if isinstance(v, str):  # humanfriendly.parse_size's forms: "16k", "16000"
        s = v.strip().lower()
        mult = 1000 if s.endswith("k") else 1
        try:
            num = float(s[:-1] if mult > 1 else s)
        except ValueError:
            raise ValueError(f"frontend_conf fs {v!r}: a sample rate (16000 or \"16k\")") from None
        if not math.isfinite(num * mult) or num * mult != int(num * mult):
            raise ValueError(f"frontend_conf fs {v!r}: a whole number of Hz")
        return int(num * mult)
    return _int("fs", v)


def _frontend_conf(fc):
    unknown = sorted(set(fc) - set(_FRONTEND))
    if unknown:
        raise ValueError(f"frontend_conf {unknown[0]}: not an argument of DefaultFrontend ({', '.join(_FRONTEND)})")
    a = {**_FRONTEND, **fc}
    if a["apply_stft"] is not True:
        raise ValueError("frontend_conf apply_stft False: the input is an STFT already; wmel starts from samples")
    if a["normalized"] is not False:
        raise ValueError(f"frontend_conf normalized {a['normalized']!r}: wmel computes torch.stft(normalized=False) "
                         "only")
    if a["onesided"] is not True:
        raise ValueError(f"frontend_conf onesided {a['onesided']!r}: the log-mel of a two-sided STFT is not "
                         "DefaultFrontend's usual path; wmel computes onesided True only")
    nested = a["frontend_conf"]
    if nested:  # the WPE / beamformer front-end: a pass-through for one channel without them
        if not isinstance(nested, dict) or nested.get("use_wpe") or nested.get("use_beamformer"):
            raise ValueError("frontend_conf frontend_conf: the WPE / beamformer enhancement (use_wpe, "
                             "use_beamformer) is a neural network; wmel computes the pass-through only")
    if a["window"] not in _WINDOWS:
        raise ValueError(f"frontend_conf window {a['window']!r}: wmel computes hann, hamming, blackman, bartlett "
                         "(torch's periodic windows) or None")
    for k in ("center", "htk"):
        if not isinstance(a[k], bool):
            raise ValueError(f"frontend_conf {k} {a[k]!r}: true or false")
    fs = _fs(a["fs"])
    n_fft, hop = _int("n_fft", a["n_fft"]), _int("hop_length", a["hop_length"])
    win = n_fft if a["win_length"] is None else _int("win_length", a["win_length"])
    if win > n_fft:
        raise ValueError(f"frontend_conf win_length {win}: at most n_fft ({n_fft}), as torch.stft requires")
    fmin = 0.0 if a["fmin"] is None else _float("frontend_conf fmin", a["fmin"])
    fmax = fs / 2.0 if a["fmax"] is None else _float("frontend_conf fmax", a["fmax"])
    p = {"frontend": "nemo", "normalize": "none", "n_mels": _int("n_mels", a["n_mels"]),
         "window": _WINDOWS[a["window"]], "low_freq": fmin, "high_freq": fmax,
         "mel_scale": "htk" if a["htk"] else "slaney", "mel_norm": "slaney", "power": 2, "log_guard": 1e-10,
         "remove_dc": False, "preemph": 0, "sample_rate": fs, "frame_length": win, "hop": hop, "n_fft": n_fft,
         "log": "ln_clamp", "valid": "all", "layout": "frames_mels"}
    if a["center"]:
        p["framing"] = "center_reflect"
    else:  # torch.stft(center=False): frames of n_fft, the window centred in them
        p["framing"] = "snip"
        if win < n_fft:
            p.update(frame_span=n_fft, window_offset=(n_fft - win) // 2)
    return p


def _stats(stats, cfg_path):
    """count, sum, sum_square of a GlobalMVN statistics file (npz; or a Kaldi-like 2 x (D + 1)
    .npy array) or of a mapping with those keys."""
    if isinstance(stats, dict):
        d = stats
    elif not isinstance(stats, (str, os.PathLike)):
        raise ValueError(f"normalize_conf stats_file {stats!r}: the path of a feats_stats.npz (or pass stats= with "
                         "its path or a dict of count, sum, sum_square)")
    else:
        path = os.fspath(stats)
        if not os.path.isabs(path) and not os.path.exists(path) and cfg_path:
            # a zoo model's stats_file is relative to the recipe's root, config.yaml sits below it
            base = os.path.dirname(os.path.abspath(cfg_path))
            for _ in range(4):
                if os.path.exists(os.path.join(base, path)):
                    path = os.path.join(base, path)
                    break
                base = os.path.dirname(base)
        if not os.path.exists(path):
            raise ValueError(f"normalize_conf stats_file {os.fspath(stats)!r}: not found (pass stats= with its path)")
        if os.path.isdir(path):
            raise ValueError(f"normalize_conf stats_file {path!r}: a folder, not a statistics file")
        try:
            d = np.load(path)  # allow_pickle stays off: a pickle is refused, never run
        except (ValueError, OSError, EOFError) as e:
            # numpy takes a file that is neither .npy nor .npz for a pickle (never loaded here)
            why = ("neither a .npy nor a .npz of numbers (numpy would unpickle it, which is never done)"
                   if isinstance(e, ValueError) else str(e))
            raise ValueError(f"normalize_conf stats_file {path!r}: not GlobalMVN statistics (an ESPnet "
                             f"feats_stats.npz of count, sum, sum_square, or a Kaldi-like 2 x (D + 1) .npy): "
                             f"{why}") from None
        if isinstance(d, np.ndarray):  # Kaldi-like statistics
            if d.ndim != 2 or d.shape[0] < 2 or d.shape[1] < 2:
                raise ValueError(f"{path}: Kaldi-like statistics are a 2 x (D + 1) array, got {d.shape}")
            count = d[0].flatten()[-1]
            return float(count), np.asarray(d[0, :-1], np.float64), np.asarray(d[1, :-1], np.float64)
    for k in ("count", "sum", "sum_square"):
        if k not in d:
            raise ValueError(f"GlobalMVN statistics: no {k!r} (an ESPnet feats_stats.npz has count, sum, sum_square)")
    count = np.asarray(d["count"], np.float64)
    return count, np.asarray(d["sum"], np.float64), np.asarray(d["sum_square"], np.float64)


def plan(config, stats=None):
    """(plan, col_scale, col_shift): the JSON-schema plan of an ESPnet2 config.yaml's
    `frontend: default` + `frontend_conf` (a dict, or a path read with PyYAML), and
    GlobalMVN's per-column affine (float64 arrays of n_mels; None, None without
    `normalize: global_mvn`). stats: the statistics (a feats_stats.npz path or a dict with
    count, sum, sum_square) in place of normalize_conf's stats_file (whose relative path is
    looked for beside config.yaml and up to three folders above it)."""
    cfg, cfg_path = _load_config(config)
    fe = cfg.get("frontend", "default")
    if fe != "default":
        raise ValueError(f"frontend {fe!r}: wmel computes ESPnet's DefaultFrontend (frontend: default) only")
    fc = cfg.get("frontend_conf") or {}
    if not isinstance(fc, dict):
        raise ValueError("frontend_conf: a mapping of DefaultFrontend's arguments")
    p = _frontend_conf(fc)
    plan_from(p)  # the library's sentence for what does not fit (ValueError)
    norm = cfg.get("normalize")
    if norm is None:
        if stats is not None:
            raise ValueError("stats given, but the configuration has no normalize: global_mvn")
        return p, None, None
    if norm != "global_mvn":
        raise ValueError(f"normalize {norm!r}: wmel.espnet reads global_mvn only (its statistics as a per-column "
                         "affine)")
    nc = dict(cfg.get("normalize_conf") or {})
    unknown = sorted(set(nc) - set(_MVN))
    if unknown:
        raise ValueError(f"normalize_conf {unknown[0]}: not an argument of GlobalMVN ({', '.join(_MVN)})")
    a = {**_MVN, **nc}
    src = stats if stats is not None else a["stats_file"]
    if src is None:
        raise ValueError("normalize: global_mvn without normalize_conf stats_file: pass stats=")
    eps = _float("normalize_conf eps", a["eps"])
    if not eps >= 0.0:
        raise ValueError(f"normalize_conf eps {a['eps']!r}: a finite value >= 0")
    count, s, ss = _stats(src, cfg_path)
    where = "(the stats= mapping)" if isinstance(src, dict) else repr(os.fspath(src))
    if np.any(np.asarray(count) <= 0):
        raise ValueError(f"GlobalMVN statistics {where}: count {count}: must be positive")
    with np.errstate(all="ignore"):  # NaN or zero variance: named below
        mean = s / count
        std = np.sqrt(np.maximum(ss / count - mean * mean, eps))
        scale = 1.0 / std if a["norm_vars"] else np.ones_like(mean)
        shift = -mean * scale if a["norm_means"] else np.zeros_like(mean)
    if mean.ndim != 1:
        raise ValueError(f"GlobalMVN statistics {where}: sum of shape {np.shape(s)}: one value per mel "
                         f"(n_mels {p['n_mels']}) in a 1-D array")
    if mean.size != p["n_mels"]:
        raise ValueError(f"GlobalMVN statistics {where}: {mean.size} values, the front-end has n_mels {p['n_mels']}")
    bad = np.flatnonzero(~(np.isfinite(scale) & np.isfinite(shift)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"GlobalMVN statistics {where}: column {i}: mean {mean[i]}, std {std[i]} give a scale "
                         f"{scale[i]} and shift {shift[i]} that are not finite (NaN statistics, or zero variance "
                         f"with eps {eps}): {bad.size} of the {mean.size} columns")
    return p, np.ascontiguousarray(scale, np.float64), np.ascontiguousarray(shift, np.float64)
