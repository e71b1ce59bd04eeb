"""wmel.kaldi -- Kaldi feature drop-ins computed by libwmel.

    fbank, mfcc, spectrogram(waveform, **kwargs)   torchaudio.compliance.kaldi's
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

from ._common import _as_samples, _is_torch
from . import _ta_kaldi
from ._kaldi_dsp import (CmvnAccumulator, CmvnOptions, DeltaOptions, FeatureTransform,
                         FeatureWindowFunction, IStft, MelBanks, Rfft, SpliceOptions, Stft,
                         StftConfig, StftResult, apply_cmvn, apply_cmvn_, compute_cmvn_stats,
                         compute_deltas, splice_frames, transform_features)
from ._kaldi_online import (OnlineFbank, OnlineMfcc, OnlineNemoFbank, OnlineRawAudioSamples,
                            OnlineWhisperFbank)
from ._kaldi_opts import (FbankOptions, FrameExtractionOptions, MelBanksOptions, MfccOptions,
                          NemoFbankOptions, RawAudioSamplesOptions, WhisperFeatureOptions,
                          get_dither_seed, set_dither_seed)

__all__ = ["fbank", "mfcc", "spectrogram", "set_dither_seed", "get_dither_seed", "FbankOptions", "MfccOptions", "FrameExtractionOptions", "MelBanksOptions",
           "WhisperFeatureOptions", "RawAudioSamplesOptions", "NemoFbankOptions", "OnlineFbank",
           "OnlineMfcc", "OnlineWhisperFbank", "OnlineRawAudioSamples", "OnlineNemoFbank",
           "MelBanks", "FeatureWindowFunction", "Rfft", "Stft", "IStft", "StftConfig",
           "StftResult", "CmvnOptions", "CmvnAccumulator", "compute_cmvn_stats", "apply_cmvn",
           "apply_cmvn_", "DeltaOptions", "compute_deltas", "SpliceOptions", "splice_frames",
           "FeatureTransform", "transform_features"]


# ---------------------------------------------------------------------------------------------
# torchaudio.compliance.kaldi: fbank, mfcc, spectrogram
# ---------------------------------------------------------------------------------------------

def _ta(kind, waveform, kw):
    if _is_torch(waveform):
        from . import _torch_op
        return _torch_op.ta_kaldi(kind, waveform, kw)
    w = _as_samples(waveform, name="waveform", ndims=(2,), kind="real")
    o = _ta_kaldi.options(kind, kw, w.shape[0], w.shape[1])
    return _ta_kaldi.compute(w[o["ch"]], o)


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
    caller's scale (a torch tensor gives a torch tensor on its device and in its dtype, through
    the op torch.ops.wmel.ta_kaldi, which torch.vmap batches; a numpy array numpy float32;
    integer, bool and complex samples raise TypeError, a shape other than 2-D ValueError;
    channel -1 is channel 0, as in torchaudio) -> (frames, num_mel_bins + use_energy). The
    defaults are torchaudio's (23 bins, energy_floor 1.0). torchaudio's assertions raise
    wmel._ta_kaldi.TorchaudioAssertion (an AssertionError and a ValueError) with its messages;
    min_duration returns an empty result for shorter clips. A waveform that requires grad gets
    torchaudio's gradient (the op's backward: the chain rule in numpy float64). dither: libwmel's documented generator (seed:
    set_dither_seed), torchaudio's values in distribution only. vtln_warp other than 1.0:
    ValueError (wmel._ta_kaldi.check_vtln)."""
    return _ta("fbank", waveform, dict(
        blackman_coeff=blackman_coeff, channel=channel, dither=dither, energy_floor=energy_floor,
        frame_length=frame_length, frame_shift=frame_shift, high_freq=high_freq,
        htk_compat=htk_compat, low_freq=low_freq, min_duration=min_duration,
        num_mel_bins=num_mel_bins, preemphasis_coefficient=preemphasis_coefficient,
        raw_energy=raw_energy, remove_dc_offset=remove_dc_offset,
        round_to_power_of_two=round_to_power_of_two, sample_frequency=sample_frequency,
        snip_edges=snip_edges, subtract_mean=subtract_mean, use_energy=use_energy,
        use_log_fbank=use_log_fbank, use_power=use_power, vtln_high=vtln_high, vtln_low=vtln_low,
        vtln_warp=vtln_warp, window_type=window_type))


def mfcc(waveform, blackman_coeff: float = 0.42, cepstral_lifter: float = 22.0, channel: int = -1,
         dither: float = 0.0, energy_floor: float = 1.0, frame_length: float = 25.0,
         frame_shift: float = 10.0, high_freq: float = 0.0, htk_compat: bool = False,
         low_freq: float = 20.0, num_ceps: int = 13, min_duration: float = 0.0,
         num_mel_bins: int = 23, preemphasis_coefficient: float = 0.97, raw_energy: bool = True,
         remove_dc_offset: bool = True, round_to_power_of_two: bool = True,
         sample_frequency: float = 16000.0, snip_edges: bool = True, subtract_mean: bool = False,
         use_energy: bool = False, vtln_high: float = -500.0, vtln_low: float = 100.0,
         vtln_warp: float = 1.0, window_type: str = "povey"):
    """torchaudio.compliance.kaldi.mfcc -> (frames, num_ceps): fbank's log mel energies (the
    plan's, float64 rounded once to float32), then in float64 Kaldi's DCT-II (row 0 sqrt(1/N)),
    the lifter 1 + Q/2 sin(pi i / Q) (cepstral_lifter Q, 0: none), C0 replaced by the log
    energy (use_energy), htk_compat's order (C0 last, x sqrt(2) without use_energy),
    subtract_mean. Inputs, outputs and errors as fbank's."""
    return _ta("mfcc", waveform, dict(
        blackman_coeff=blackman_coeff, cepstral_lifter=cepstral_lifter, channel=channel,
        dither=dither, energy_floor=energy_floor, frame_length=frame_length,
        frame_shift=frame_shift, high_freq=high_freq, htk_compat=htk_compat, low_freq=low_freq,
        num_ceps=num_ceps, min_duration=min_duration, num_mel_bins=num_mel_bins,
        preemphasis_coefficient=preemphasis_coefficient, raw_energy=raw_energy,
        remove_dc_offset=remove_dc_offset, round_to_power_of_two=round_to_power_of_two,
        sample_frequency=sample_frequency, snip_edges=snip_edges, subtract_mean=subtract_mean,
        use_energy=use_energy, use_log_fbank=True, use_power=True, vtln_high=vtln_high,
        vtln_low=vtln_low, vtln_warp=vtln_warp, window_type=window_type))


def spectrogram(waveform, blackman_coeff: float = 0.42, channel: int = -1, dither: float = 0.0,
                energy_floor: float = 1.0, frame_length: float = 25.0, frame_shift: float = 10.0,
                min_duration: float = 0.0, preemphasis_coefficient: float = 0.97,
                raw_energy: bool = True, remove_dc_offset: bool = True,
                round_to_power_of_two: bool = True, sample_frequency: float = 16000.0,
                snip_edges: bool = True, subtract_mean: bool = False, window_type: str = "povey"):
    """torchaudio.compliance.kaldi.spectrogram -> (frames, n_fft // 2 + 1): ln(max(|X|^2,
    FLT_EPSILON)) with column 0 the log energy. Computed by a libwmel plan without a mel bank
    (the FFT bins themselves) where n_fft <= 512 and the samples are float32; in numpy float64
    otherwise (the dither there is libwmel's generator evaluated in numpy), rounded once to
    float32. Inputs, outputs and errors as fbank's."""
    return _ta("spectrogram", waveform, dict(
        blackman_coeff=blackman_coeff, channel=channel, dither=dither, energy_floor=energy_floor,
        frame_length=frame_length, frame_shift=frame_shift, min_duration=min_duration,
        preemphasis_coefficient=preemphasis_coefficient, raw_energy=raw_energy,
        remove_dc_offset=remove_dc_offset, round_to_power_of_two=round_to_power_of_two,
        sample_frequency=sample_frequency, snip_edges=snip_edges, subtract_mean=subtract_mean,
        window_type=window_type))
