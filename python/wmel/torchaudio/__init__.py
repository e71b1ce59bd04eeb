"""wmel.torchaudio -- torchaudio drop-ins computed by libwmel.

    from wmel.torchaudio import transforms as T      # instead of: torchaudio.transforms
    T.MelSpectrogram, T.Spectrogram, T.MelScale, T.AmplitudeToDB, T.MFCC
    wmel.torchaudio.functional: melscale_fbanks, create_dct, amplitude_to_DB, numpy windows
    wmel.torchaudio.compliance.kaldi: fbank, mfcc, spectrogram (= wmel.kaldi's)

docs/torchaudio.md lists every class and option with its status and measured differences.
"""
from . import compliance, functional, transforms  # noqa: F401

__all__ = ["compliance", "functional", "transforms"]
