"""wmel.lhotse's Fbank and Mfcc as lhotse FeatureExtractors (imported by wmel.lhotse where lhotse
imports; docs/toolkits.md).

Registered with lhotse under their own names ("wmel-fbank", "wmel-mfcc"): a feature manifest
stored with them names its type, and lhotse's FeatureExtractor.from_dict / from_yaml build them
back once wmel.lhotse is imported. The config is lhotse's own FbankConfig / MfccConfig (the
object, its to_dict(), wmel.lhotse's dataclasses or None), checked by wmel.lhotse.plan's rules.
extract_batch gives each clip what extract gives it; the clips of at least one frame's length
go through the library's batch entry (wmel_features_batch) in one call.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import torch
from lhotse.features.base import FeatureExtractor, register_extractor
from lhotse.features.kaldi.extractors import Fbank as _LhotseFbank
from lhotse.features.kaldi.extractors import FbankConfig as _LhotseFbankConfig
from lhotse.features.kaldi.extractors import MfccConfig as _LhotseMfccConfig

from . import _lhotse_core as _wl
from ._features import features_batch

# the standalone classes (wmel.lhotse rebinds its names to the ones below)
_Standalone = {False: _wl.Fbank, True: _wl.Mfcc}


def _lhotse_config(cls, config):
    """config as lhotse's config dataclass cls (the fields lhotse has; the keys wmel.lhotse also
    reads, vtln_warp and min_duration, are checked by the plan and are at their defaults)."""
    if isinstance(config, cls):
        return config
    d = config if isinstance(config, dict) else config.to_dict()
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in d.items() if k in names})


class _Extractor:
    """What Fbank and Mfcc share: lhotse's FeatureExtractor surface over wmel.lhotse's classes."""

    def __init__(self, config=None):
        _Standalone[self._mfcc].__init__(self, config)  # the plan and its checks (ValueError naming the key)
        self.config = _lhotse_config(self.config_type, self.config)

    @property
    def device(self):
        return "cpu"

    def to(self, device):
        """lhotse's extractors move to a device; libwmel computes on the CPU here: only "cpu"."""
        if str(device) != "cpu":
            raise ValueError(f"device {device!r}: wmel.lhotse computes on the CPU (the features come back "
                             "as CPU arrays); use lhotse's own extractor for a device")
        return self

    def extract_batch(self, samples, sampling_rate: int, lengths=None):
        """lhotse's extract_batch: a list of clips (numpy or torch, (n,) or (1, n)), a 2-D batch of
        equal-length rows or one clip. Each clip gets extract()'s features (lhotse's own Fbank
        frames a zero-padded batch, so there a shorter clip's last frames see the padding).
        lengths: the valid samples of each row of a padded batch (each row's first lengths[i]
        samples are its clip). Returns lhotse's shapes and kinds: a list, or one stacked array /
        tensor where every clip has the same number of frames; numpy with lengths."""
        if sampling_rate != self._sr:
            raise ValueError(f"{type(self).__name__} was instantiated for sampling_rate {self._sr}, but "
                             f"sampling_rate={sampling_rate} was passed to extract_batch() (resample the "
                             "audio first)")
        input_is_list = lengths is None and isinstance(samples, (list, tuple))
        if input_is_list or samples.ndim > 1:
            clips = list(samples)
        else:
            clips = [samples.reshape(1, -1)]
        # lhotse's rule: numpy results for a padded batch with lengths, else the input's kind
        input_is_torch = lengths is None and any(isinstance(c, torch.Tensor) for c in clips)
        arrs = []
        for i, c in enumerate(clips):
            a = c.detach().cpu().numpy() if isinstance(c, torch.Tensor) else np.asarray(c)
            a = a.reshape(-1) if a.ndim == 2 and a.shape[0] == 1 else a
            if a.ndim != 1:
                raise ValueError(f"clip {i}: one channel (n,) or (1, n) is needed, got shape {a.shape}")
            if lengths is not None:
                a = a[:int(lengths[i])]
            arrs.append(np.ascontiguousarray(a, np.float32))
        out = [None] * len(arrs)
        # one library call for the clips the plan frames as extract() does (at least a frame long);
        # the others (and lhotse's own padding geometry) through extract()
        whole = [i for i, a in enumerate(arrs) if self._pad is None and a.size >= self._plan["frame_length"]]
        if whole:
            for i, f in zip(whole, features_batch([arrs[i] for i in whole], plan=self._plan)):
                out[i] = f
        for i, a in enumerate(arrs):
            if out[i] is None:
                out[i] = self.extract(a, sampling_rate)
        result = [torch.from_numpy(o) for o in out] if input_is_torch else out
        if len(result) == 1:
            return result if input_is_list else result[0]
        if all(r.shape == result[0].shape for r in result[1:]):
            return torch.stack(result) if input_is_torch else np.stack(result)
        return result


@register_extractor
class Fbank(_Extractor, _Standalone[False], FeatureExtractor):
    """lhotse's Fbank computed by libwmel, as a lhotse FeatureExtractor (name "wmel-fbank")."""
    name = "wmel-fbank"
    config_type = _LhotseFbankConfig
    _mfcc = False

    # lhotse's log-mel energy and feature-domain mixing, as its Fbank defines them
    compute_energy = staticmethod(_LhotseFbank.compute_energy)
    mix = staticmethod(_LhotseFbank.mix)


@register_extractor
class Mfcc(_Extractor, _Standalone[True], FeatureExtractor):
    """lhotse's Mfcc computed by libwmel, as a lhotse FeatureExtractor (name "wmel-mfcc")."""
    name = "wmel-mfcc"
    config_type = _LhotseMfccConfig
    _mfcc = True
