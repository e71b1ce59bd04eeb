"""wmel.kaldi -- Kaldi feature drop-ins computed by libwmel.

    fbank(waveform, **kwargs)   torchaudio.compliance.kaldi.fbank's signature and result
    kaldi-native-fbank 1.23's feature API (import wmel.kaldi as knf):
      FbankOptions, MfccOptions, FrameExtractionOptions, MelBanksOptions,
      WhisperFeatureOptions, RawAudioSamplesOptions, NemoFbankOptions
      OnlineFbank, OnlineMfcc, OnlineWhisperFbank, OnlineRawAudioSamples, OnlineNemoFbank
      MelBanks, FeatureWindowFunction, Rfft, Stft, IStft, StftConfig, StftResult
      compute_cmvn_stats, apply_cmvn, apply_cmvn_, CmvnOptions, CmvnAccumulator,
      compute_deltas, DeltaOptions, splice_frames, SpliceOptions, FeatureTransform,
      transform_features
    set_dither_seed(seed), get_dither_seed()   wmel-only: the dither's seed (default 0)

Samples are taken in the caller's scale, as the originals take them. Features are computed in
float64 from exact windows and filter banks and rounded once to float32 (the originals compute
in float32 throughout); docs/kaldi.md lists every class and option, what is exact and what is
refused and why. An option the computation cannot honour raises ValueError naming it, rather
than computing something else. Dither (the originals' default 3e-5 in FrameExtractionOptions)
is computed: Gaussian noise of that standard deviation added to each frame before DC removal,
from libwmel's documented counter-based generator (seed: set_dither_seed, default 0; a frame's
noise is a function of the seed and its absolute index), so it agrees with the originals in
distribution, never bit for bit: their random numbers cannot be reproduced.
"""
from __future__ import annotations

import numpy as np

from ._common import _as_samples, _check_bool, _check_float, _check_int, _is_torch
from ._kaldi_dsp import (CmvnAccumulator, CmvnOptions, DeltaOptions, FeatureTransform,
                         FeatureWindowFunction, IStft, MelBanks, Rfft, SpliceOptions, Stft,
                         StftConfig, StftResult, apply_cmvn, apply_cmvn_, compute_cmvn_stats,
                         compute_deltas, splice_frames, transform_features)
from ._kaldi_online import (OnlineFbank, OnlineMfcc, OnlineNemoFbank, OnlineRawAudioSamples,
                            OnlineWhisperFbank, _plan_ctx, frame_indices, num_frames,
                            plan_features)
from ._kaldi_opts import (FbankOptions, FrameExtractionOptions, MelBanksOptions, MfccOptions,
                          NemoFbankOptions, RawAudioSamplesOptions, WhisperFeatureOptions,
                          fbank_plan, get_dither_seed, set_dither_seed, unsupported)
from . import _wmel

__all__ = ["fbank", "set_dither_seed", "get_dither_seed", "FbankOptions", "MfccOptions", "FrameExtractionOptions", "MelBanksOptions",
           "WhisperFeatureOptions", "RawAudioSamplesOptions", "NemoFbankOptions", "OnlineFbank",
           "OnlineMfcc", "OnlineWhisperFbank", "OnlineRawAudioSamples", "OnlineNemoFbank",
           "MelBanks", "FeatureWindowFunction", "Rfft", "Stft", "IStft", "StftConfig",
           "StftResult", "CmvnOptions", "CmvnAccumulator", "compute_cmvn_stats", "apply_cmvn",
           "apply_cmvn_", "DeltaOptions", "compute_deltas", "SpliceOptions", "splice_frames",
           "FeatureTransform", "transform_features"]

_TA_WINDOWS = ("povey", "hamming", "hanning", "rectangular", "blackman")


# ---------------------------------------------------------------------------------------------
# torchaudio.compliance.kaldi.fbank
# ---------------------------------------------------------------------------------------------

def fbank(waveform, blackman_coeff: float = 0.42, channel: int = -1, dither: float = 0.0,
          energy_floor: float = 1.0, frame_length: float = 25.0, frame_shift: float = 10.0,
          high_freq: float = 0.0, htk_compat: bool = False, low_freq: float = 20.0,
          min_duration: float = 0.0, num_mel_bins: int = 23, preemphasis_coefficient: float = 0.97,
          raw_energy: bool = True, remove_dc_offset: bool = True, round_to_power_of_two: bool = True,
          sample_frequency: float = 16000.0, snip_edges: bool = True, subtract_mean: bool = False,
          use_energy: bool = False, use_log_fbank: bool = True, use_power: bool = True,
          vtln_high: float = -500.0, vtln_low: float = 100.0, vtln_warp: float = 1.0,
          window_type: str = "povey"):
    """torchaudio.compliance.kaldi.fbank: waveform (channels, n) of floating-point samples in the
    caller's scale (a torch tensor gives a torch tensor on its device and in its dtype, a numpy
    array numpy float32; integer, bool and complex samples raise TypeError, a shape other than
    2-D ValueError; channel -1 is channel 0, as in torchaudio) ->
    (frames, num_mel_bins + use_energy). The defaults are torchaudio's (23 bins, energy_floor 1.0).
    Like torchaudio, fewer samples than one frame raise (ValueError here, an assertion
    there), and min_duration returns an empty result for shorter clips."""
    (blackman_coeff, dither, energy_floor, frame_length, frame_shift, high_freq, low_freq,
     min_duration, preemphasis_coefficient, sample_frequency, vtln_high, vtln_low, vtln_warp) = (
        _check_float(v, k) for k, v in (
            ("blackman_coeff", blackman_coeff), ("dither", dither),
            ("energy_floor", energy_floor), ("frame_length", frame_length),
            ("frame_shift", frame_shift), ("high_freq", high_freq), ("low_freq", low_freq),
            ("min_duration", min_duration), ("preemphasis_coefficient", preemphasis_coefficient),
            ("sample_frequency", sample_frequency), ("vtln_high", vtln_high),
            ("vtln_low", vtln_low), ("vtln_warp", vtln_warp)))
    (htk_compat, raw_energy, remove_dc_offset, round_to_power_of_two, snip_edges, subtract_mean,
     use_energy, use_log_fbank, use_power) = (
        _check_bool(v, k) for k, v in (
            ("htk_compat", htk_compat), ("raw_energy", raw_energy),
            ("remove_dc_offset", remove_dc_offset),
            ("round_to_power_of_two", round_to_power_of_two), ("snip_edges", snip_edges),
            ("subtract_mean", subtract_mean), ("use_energy", use_energy),
            ("use_log_fbank", use_log_fbank), ("use_power", use_power)))
    channel = _check_int(channel, "channel", None)
    num_mel_bins = _check_int(num_mel_bins, "num_mel_bins", 1)
    if not isinstance(window_type, str) or window_type not in _TA_WINDOWS:
        raise ValueError(f"window_type {window_type!r}: torchaudio knows {', '.join(_TA_WINDOWS)}")
    if vtln_warp != 1.0:
        raise unsupported("vtln_warp", vtln_warp, "VTLN warping is not in libwmel's plans yet")
    opts = FbankOptions(
        frame_opts=FrameExtractionOptions(
            samp_freq=sample_frequency, frame_shift_ms=frame_shift, frame_length_ms=frame_length,
            dither=dither, preemph_coeff=preemphasis_coefficient, remove_dc_offset=remove_dc_offset,
            window_type=window_type, round_to_power_of_two=round_to_power_of_two,
            blackman_coeff=blackman_coeff, snip_edges=snip_edges),
        mel_opts=MelBanksOptions(num_bins=num_mel_bins, low_freq=low_freq, high_freq=high_freq,
                                 vtln_low=vtln_low, vtln_high=vtln_high),
        use_energy=use_energy, energy_floor=energy_floor, raw_energy=raw_energy,
        htk_compat=htk_compat, use_log_fbank=use_log_fbank, use_power=use_power)
    plan, _ = fbank_plan(opts)
    # torchaudio's frame sizes: float64 products, truncated
    L = int(sample_frequency * frame_length * 0.001)
    H = int(sample_frequency * frame_shift * 0.001)
    if L < 2 or H < 1:
        raise ValueError(f"frame_length {frame_length} ms / frame_shift {frame_shift} ms at "
                         f"{sample_frequency} Hz give {L} / {H} samples")
    plan.update(frame_length=L, hop=H,
                n_fft=1 << (L - 1).bit_length() if round_to_power_of_two else L)
    why = _wmel.plan_check(plan)
    if why:
        raise ValueError(f"these options: {why}")
    torch_in = waveform if _is_torch(waveform) else None
    if torch_in is not None:
        if not waveform.is_floating_point():  # torchaudio's computation needs one too
            raise TypeError(f"waveform must hold floating-point samples (float16, float32 or "
                            f"float64), got {waveform.dtype}")
        import torch
        t = waveform.detach().to("cpu")
        w = (t.float() if t.dtype == torch.bfloat16 else t).numpy()  # numpy has no bfloat16
    else:
        w = waveform
    w = _as_samples(w, name="waveform", ndims=(2,), kind="real")
    ch = max(channel, 0)
    if ch >= w.shape[0]:
        raise ValueError(f"Invalid channel {channel} for size {w.shape[0]}")
    x = w[ch]
    if x.shape[0] < L:
        raise ValueError(f"choose a window size {L} that is [2, {x.shape[0]}]: fewer samples "
                         "than one frame")
    if x.shape[0] < min_duration * sample_frequency:
        out = np.zeros(0, np.float32)
    else:
        nf = num_frames(x.shape[0], L, H, snip_edges, True)
        out = plan_features(_plan_ctx(plan), x[frame_indices(0, nf, L, H, snip_edges, x.shape[0])])
        if use_energy and htk_compat:
            out = np.concatenate([out[:, 1:], out[:, :1]], axis=1)
        if subtract_mean:
            out = out - out.mean(axis=0, keepdims=True)
    if torch_in is not None:
        import torch
        return torch.from_numpy(np.ascontiguousarray(out)).to(device=torch_in.device, dtype=torch_in.dtype)
    return out


