"""wmel.torchaudio.compliance: kaldi (torchaudio.compliance.kaldi's fbank, mfcc, spectrogram)."""
from . import kaldi  # noqa: F401
