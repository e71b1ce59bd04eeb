"""wmel.espnet.Frontend: ESPnet's DefaultFrontend computed by libwmel, as an ESPnet AbsFrontend
(a torch.nn.Module where espnet2 is not installed). Imported on first use of wmel.espnet.Frontend
(docs/toolkits.md).

ESPnet runs DefaultFrontend on the padded batch: torch.stft over each row of T samples (the
zeros after a clip's length included, centre reflection at the row's ends), feats_lens =
length // hop + 1 (centre; else (length - n_fft) // hop + 1), and the frames from feats_lens on
set to 0. Frontend gives the same: row i's first min(T, length_i + n_fft // 2) samples (all that
its first feats_lens frames read) through one wmel_features_batch call, its first feats_lens
frames kept, zeros after. GlobalMVN is the model's `normalize` module, applied after the
frontend: Frontend leaves it there unless it is asked to fold it in (normalize=True /
normalize=model.normalize), as the per-column affine of the same pass; then set
model.normalize = None.
"""
from __future__ import annotations

import os

import numpy as np
import torch

from ._features import features_batch, plan_from

try:
    from espnet2.asr.frontend.abs_frontend import AbsFrontend as _Base
except ImportError:  # espnet2 absent: a plain torch module with the same forward
    _Base = torch.nn.Module

def _conf_of(frontend) -> dict:
    """DefaultFrontend's arguments read back from a built DefaultFrontend (espnet 202511's
    attributes: stft, logmel.mel_options, frontend)."""
    name = type(frontend).__name__
    if name != "DefaultFrontend" or not hasattr(frontend, "logmel"):
        raise ValueError(f"frontend {name}: wmel.espnet.Frontend replaces ESPnet's DefaultFrontend only")
    stft = getattr(frontend, "stft", None)
    if stft is None:
        raise ValueError("DefaultFrontend apply_stft False: the input is an STFT already; wmel starts from samples")
    enh = getattr(frontend, "frontend", None)
    if enh is not None and (getattr(enh, "use_wpe", False) or getattr(enh, "use_beamformer", False)):
        raise ValueError("DefaultFrontend with WPE / beamformer enhancement (a neural network): wmel computes "
                         "the pass-through only")
    if getattr(frontend.logmel, "log_base", None) is not None:
        raise ValueError(f"LogMel log_base {frontend.logmel.log_base}: wmel computes the natural log (None) only")
    mo = dict(frontend.logmel.mel_options)
    return dict(fs=int(mo["sr"]), n_fft=int(stft.n_fft), win_length=int(stft.win_length),
                hop_length=int(stft.hop_length), window=stft.window, center=bool(stft.center),
                normalized=bool(stft.normalized), onesided=bool(stft.onesided), n_mels=int(mo["n_mels"]),
                fmin=mo.get("fmin"), fmax=mo.get("fmax"), htk=bool(mo.get("htk", False)))


def _mvn_cols(normalize):
    """GlobalMVN's (col_scale, col_shift): from its statistics file in double where it is there
    (the module's buffers turn float32 on its first forward), else from the buffers."""
    if type(normalize).__name__ != "GlobalMVN":
        raise ValueError(f"normalize {type(normalize).__name__}: wmel folds ESPnet's GlobalMVN only (leave other "
                         "normalize modules in the model)")
    path = getattr(normalize, "stats_file", None)
    if path is not None and os.path.exists(os.fspath(path)):
        from ._espnet_plan import _stats
        count, s, ss = _stats(path, None)
        mean = s / count
        std = np.sqrt(np.maximum(ss / count - mean * mean, float(normalize.eps)))
    else:
        mean = normalize.mean.detach().cpu().numpy().astype(np.float64)
        std = normalize.std.detach().cpu().numpy().astype(np.float64)
    scale = 1.0 / std if normalize.norm_vars else np.ones_like(mean)
    shift = -mean * scale if normalize.norm_means else np.zeros_like(mean)
    return scale, shift


class Frontend(_Base):
    """ESPnet's DefaultFrontend (and, folded in on request, GlobalMVN) through libwmel:
    forward(input (B, T) float, input_lengths (B,)) -> (feats (B, frames, n_mels) float32,
    feats_lengths), output_size() n_mels. No gradient flows through it."""

    def __init__(self, plan: dict, col_scale=None, col_shift=None):
        super().__init__()
        self._plan = dict(plan)
        plan_from(self._plan)
        self._cols = {} if col_scale is None else {"col_scale": np.asarray(col_scale, np.float64),
                                                   "col_shift": np.asarray(col_shift, np.float64)}
        self._center = self._plan.get("framing") == "center_reflect"
        self.n_mels, self.hop_length = int(self._plan["n_mels"]), int(self._plan["hop"])
        self.n_fft = int(self._plan["n_fft"])
        self.normalizes = bool(self._cols)

    @classmethod
    def from_config(cls, config, stats=None, *, normalize: bool = False):
        """From a model's config.yaml (a path or a dict) as wmel.espnet.plan reads it. normalize:
        fold the config's GlobalMVN (its stats_file, or stats=) into the features; then set the
        model's normalize to None (by default the model's own GlobalMVN stays and applies it)."""
        from ._espnet_plan import plan as _plan
        p, sc, sh = _plan(config, stats)
        if normalize and sc is None:
            raise ValueError("normalize=True, but the configuration has no normalize: global_mvn")
        return cls(p, sc, sh) if normalize else cls(p)

    @classmethod
    def replacing(cls, frontend, normalize=None):
        """In place of a built DefaultFrontend (model.frontend), its settings read from it:
        model.frontend = Frontend.replacing(model.frontend). normalize: the model's GlobalMVN
        (model.normalize) to fold in; then set model.normalize = None."""
        from ._espnet_plan import _frontend_conf
        p = _frontend_conf(_conf_of(frontend))
        if normalize is None:
            return cls(p)
        sc, sh = _mvn_cols(normalize)
        if sc.size != p["n_mels"]:
            raise ValueError(f"normalize: {sc.size} statistics, the frontend has n_mels {p['n_mels']}")
        return cls(p, sc, sh)

    def output_size(self) -> int:
        return self.n_mels

    def _lengths(self, ilens):
        if self._center:
            return ilens // self.hop_length + 1
        return (ilens - self.n_fft) // self.hop_length + 1

    def forward(self, input, input_lengths=None):
        if input.dim() != 2:
            raise ValueError(f"input of shape {tuple(input.shape)}: wmel.espnet.Frontend takes one channel, "
                             "(batch, samples)")
        B, T = input.shape
        x = input.detach().to("cpu", torch.float32).contiguous().numpy()
        lens = (np.full(B, T, np.int64) if input_lengths is None
                else input_lengths.detach().cpu().numpy().astype(np.int64))
        frames = int(self._lengths(np.int64(T)))
        olens = np.maximum(self._lengths(lens), 0)
        # the samples each row's valid frames read (centre: half a window past the length)
        ends = np.minimum(T, lens + (self.n_fft // 2 if self._center else 0))
        rows = [i for i in range(B) if olens[i] > 0]
        out = np.zeros((B, frames, self.n_mels), np.float32)
        if rows:
            feats = features_batch([x[i, :ends[i]] for i in rows], plan=self._plan, **self._cols)
            for i, f in zip(rows, feats):
                n = min(int(olens[i]), f.shape[0])
                out[i, :n] = f[:n]
        feats = torch.from_numpy(out).to(input.device)
        if input_lengths is None:  # (DefaultFrontend needs them) every row whole
            return feats, torch.as_tensor(olens, dtype=torch.long, device=input.device)
        return feats, torch.as_tensor(olens, dtype=input_lengths.dtype, device=input_lengths.device)
