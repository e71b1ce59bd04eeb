"""wmel.lhotse -- lhotse's Kaldi-compatible Fbank and Mfcc through libwmel.

  plan(config)      a lhotse FbankConfig or MfccConfig (its to_dict() form, a dict -- an MfccConfig's
                    has num_ceps -- or the object) as a
                    libwmel plan in the JSON schema ({"frontend": "kaldi", ...}: wmel.plan_from,
                    wmel.features(plan=...)); unknown keys and values libwmel cannot honour
                    raise ValueError naming the key, its value and why
  Fbank(config)     a drop-in for lhotse.features.kaldi.extractors.Fbank (lhotse 1.33):
                    extract(samples, sampling_rate) -> float32 (frames, num_filters),
                    frame_shift, feature_dim(sr), config, name; switch by import:
                        from wmel.lhotse import Fbank
  Mfcc(config)      the same for lhotse.features.kaldi.extractors.Mfcc (Wav2MFCC): (frames,
                    num_ceps), Kaldi's DCT, lifter and (use_energy) the log energy in c0
  FbankConfig, MfccConfig  lhotse's config fields and defaults, for use without lhotse

Neither torch nor lhotse is needed. Where lhotse imports, Fbank and Mfcc are lhotse
FeatureExtractors registered as "wmel-fbank" and "wmel-mfcc" (wmel._lhotse_fe: lhotse's config
classes, to_dict / from_dict / to_yaml, extract_batch through wmel_features_batch, and lhotse's
pipelines: CutSet.compute_and_store_features, OnTheFlyFeatures; docs/toolkits.md); without it,
the classes below, with the same extract. lhotse's Fbank (Wav2LogFilterBank) on its defaults is the
lhotse-fbank preset: samples in [-1, 1] (no x 32768), snip_edges False (Kaldi's framing:
WMEL_FRAMES_KALDI_CENTER), DC removal, pre-emphasis 0.97 per frame, Povey window, 512-point
power spectrum, 80 Kaldi mel filters 20 .. 7600 Hz, ln(max(m, float32 eps)). lhotse's Mfcc on
its defaults is the lhotse-mfcc preset: the same with 23 filters, then 13 cepstra (Kaldi's
DCT-II) and the lifter 22.

Framing: lhotse pads (frame_length - frame_shift) // 2 samples, flipped, before the clip, and
flips the clip's last samples after it. That is Kaldi's reflection when (L - H) // 2 equals
L // 2 - H // 2 (400 / 160: 120) and the clip holds at least as many samples as each pad:
then the plan is kaldi_center and the frames are Kaldi's. For a clip shorter than a pad
lhotse's strided view has too few samples and torch raises; Fbank here gives Kaldi's
frames (the reflection repeated). For the geometries where the two pads differ (an odd
frame_shift with an even frame_length, ...) plan() refuses and Fbank.extract pads the clip
lhotse's way in numpy and frames it with snip framing; a clip too short for that padding
(each flipped end at most the clip) is a ValueError there, as lhotse raises.
"""
from __future__ import annotations

from ._lhotse_core import (  # noqa: F401
    FLT_EPS,
    Fbank,
    FbankConfig,
    Mfcc,
    MfccConfig,
    _DEFAULTS,
    _KNOWN,
    _MFCC_DEFAULTS,
    _WINDOWS,
    _config_dict,
    _flag,
    _geometry,
    _is_mfcc,
    _num,
    _plan_and_pads,
    plan,
)

__all__ = ["Fbank", "FbankConfig", "Mfcc", "MfccConfig", "plan"]

# Where lhotse imports, Fbank and Mfcc are lhotse FeatureExtractors ("wmel-fbank", "wmel-mfcc"):
# the same computation, with extract_batch and lhotse's pipelines (wmel._lhotse_fe).
import importlib.util as _ilu  # noqa: E402

if _ilu.find_spec("lhotse") is not None:
    try:
        from ._lhotse_fe import Fbank, Mfcc  # noqa: F811,E402
    except ImportError:  # a lhotse (or torch) that does not import: the standalone classes stay
        pass

