"""torchaudio.compliance.kaldi's fbank, mfcc and spectrogram: wmel.kaldi's (docs/kaldi.md)."""
from ...kaldi import fbank, mfcc, spectrogram  # noqa: F401

__all__ = ["fbank", "mfcc", "spectrogram"]
