"""wmel.espnet -- an ESPnet2 model's front-end (config.yaml) as a wmel plan.

plan(config, stats=None) reads `frontend: default` with its `frontend_conf` and, where the
model has one, `normalize: global_mvn` with its `normalize_conf` (the statistics file) into a
plan in the JSON schema and GlobalMVN's per-column affine:

    p, col_scale, col_shift = wmel.espnet.plan("exp/asr_train/config.yaml")
    feats = wmel.features(x, plan=p, col_scale=col_scale, col_shift=col_shift)

Frontend (needs torch; an espnet2 AbsFrontend where espnet2 imports) takes a model's frontend:

    model.frontend = wmel.espnet.Frontend.replacing(model.frontend)
    model.frontend = wmel.espnet.Frontend.from_config("exp/asr_train/config.yaml")

The semantics, from espnet 202511 (espnet2/asr/frontend/default.py DefaultFrontend,
espnet2/layers/stft.py Stft, log_mel.py LogMel, global_mvn.py GlobalMVN): torch.stft with
torch.<window>_window(win_length) (periodic; win_length None: n_fft) centred in n_fft,
center=True pads n_fft // 2 by reflection (torch.stft's default pad_mode), |X|^2, librosa's
mel bank (Slaney's scale and norm; htk=True: HTK's scale, Slaney's norm) from fmin (None: 0) to
fmax (None: fs / 2), ln(max(m, 1e-10)); GlobalMVN: mean = sum / count, var = sum_square /
count - mean^2, std = sqrt(max(var, eps)), (x - mean) / std (norm_means, norm_vars), as
col_shift = -mean / std, col_scale = 1 / std computed in double (ESPnet: float32).
Keys wmel does not compute exactly are refused with ValueError naming them; the model's other
top-level keys (encoder, decoder, specaug, ...) are not the front-end's and are ignored.
"""
from __future__ import annotations

from ._espnet_plan import (  # noqa: F401
    _FRONTEND,
    _MVN,
    _WINDOWS,
    _float,
    _frontend_conf,
    _fs,
    _int,
    _load_config,
    _stats,
    plan,
)

__all__ = ["plan", "Frontend"]


def __getattr__(name):
    # Frontend needs torch (and subclasses espnet2's AbsFrontend where it imports): built on first use
    if name == "Frontend":
        try:
            from ._espnet_frontend import Frontend
        except ImportError as e:
            raise ImportError(f"wmel.espnet.Frontend is a torch module: it needs torch (pip install torch), "
                              f"and espnet2 to be an ESPnet AbsFrontend ({e})") from None
        return Frontend
    raise AttributeError(f"module 'wmel.espnet' has no attribute {name!r}")
