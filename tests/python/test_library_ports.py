"""wmel diagnose on more libraries' ports (openai-whisper, transformers, torchaudio's
MelSpectrogram, SpeechBrain, ESPnet, nnAudio, kaldi-native-fbank's and torchaudio's defaults,
librosa), each written the way its library's docs write it, on the three clips of
test_toolkit_ports.py (speech, synthetic speech, a chirp with a -70 dB noise floor). The truth
(the fields that differ from the preset) is read from each library's source; the emitted plan
must reproduce the port on every clip, and a correct original must come out as a match on
every clip. Each library is pytest.importorskip'ed (make test-toolkits installs them)."""
import numpy as np
import pytest

from test_toolkit_ports import clips, fields, held  # noqa: F401  (the clips fixture)

SR = 16000




def whisper_units(L):
    """Whisper's finish on log10 mel energies: max - 8, then (x + 4) / 4."""
    L = np.maximum(L, L.max() - 8.0)
    return ((L + 4.0) / 4.0).astype(np.float32)


# ---- openai-whisper: the original (whisper.audio.log_mel_spectrogram, padding 0)

@pytest.mark.parametrize("n_mels,preset", [(80, "whisper"), (128, "whisper-128")])
def test_openai_whisper_original(clips, n_mels, preset):
    whisper = pytest.importorskip("whisper")
    torch = pytest.importorskip("torch")
    held(lambda a: whisper.log_mel_spectrogram(torch.from_numpy(a), n_mels=n_mels).numpy(), clips, preset, [])


# ---- transformers: the feature extractors (originals) and an audio_utils port

@pytest.mark.parametrize("feature_size,preset", [(80, "whisper"), (128, "whisper-128")])
def test_transformers_whisper_feature_extractor(clips, feature_size, preset):
    # numpy path: the clip padded with zeros to 30 s, then reflect-padded STFT (3000 frames)
    tf = pytest.importorskip("transformers")
    fe = tf.WhisperFeatureExtractor(feature_size=feature_size)
    held(lambda a: fe(a, sampling_rate=SR, return_tensors="np").input_features[0], clips, preset, [])


def test_transformers_audio_utils_whisper(clips):
    # a Whisper port from transformers.audio_utils as its docs call it: mel_filter_bank's
    # defaults are norm=None and mel_scale="htk" where Whisper's extractor passes "slaney" twice
    au = pytest.importorskip("transformers.audio_utils")

    def port(a):
        mel = au.mel_filter_bank(num_frequency_bins=201, num_mel_filters=80, min_frequency=0.0,
                                 max_frequency=8000.0, sampling_rate=SR)
        S = au.spectrogram(a, au.window_function(400, "hann"), frame_length=400, hop_length=160, power=2.0,
                           mel_filters=mel, log_mel="log10")
        return whisper_units(S[:, :-1])
    held(port, clips, "whisper", ["mel_scale", "mel_norm"], {"mel_scale": "htk", "mel_norm": "none"})


def test_transformers_ast_feature_extractor(clips):
    tf = pytest.importorskip("transformers")
    pytest.importorskip("torchaudio")  # (its fbank: the torchaudio path)
    fe = tf.ASTFeatureExtractor()
    held(lambda a: fe(a, sampling_rate=SR, return_tensors="np").input_values[0], clips, "ast", [])


def test_transformers_seamless_feature_extractor(clips):
    tf = pytest.importorskip("transformers")
    fe = tf.SeamlessM4TFeatureExtractor()
    held(lambda a: fe(a, sampling_rate=SR, return_tensors="np").input_features[0], clips, "seamless", [])


# ---- torchaudio: MelSpectrogram's defaults in a Whisper port; compliance.kaldi.fbank's

def test_torchaudio_melspectrogram_whisper(clips):
    # MelSpectrogram's defaults: norm=None, mel_scale="htk" (Whisper: Slaney's scale and norm)
    torch = pytest.importorskip("torch")
    ta = pytest.importorskip("torchaudio")
    mel = ta.transforms.MelSpectrogram(sample_rate=SR, n_fft=400, hop_length=160, n_mels=80)

    def port(a):
        L = torch.clamp(mel(torch.from_numpy(a))[:, :-1], min=1e-10).log10()
        return whisper_units(L.numpy())
    held(port, clips, "whisper", ["mel_scale", "mel_norm"], {"mel_scale": "htk", "mel_norm": "none"})


def test_torchaudio_kaldi_fbank_default_bins(clips):
    # fbank's num_mel_bins defaults to 23 (Kaldi's own default), the preset's 80
    torch = pytest.importorskip("torch")
    ta = pytest.importorskip("torchaudio")
    held(lambda a: ta.compliance.kaldi.fbank(torch.from_numpy(a)[None] * 32768, dither=0.0).numpy(), clips, "kaldi",
         ["n_mels"], {"n_mels": 23})


def test_kaldi_native_fbank_default_bins(clips):
    # FbankOptions().mel_opts.num_bins: 23
    knf = pytest.importorskip("kaldi_native_fbank")

    def port(a):
        o = knf.FbankOptions()
        o.frame_opts.dither = 0
        fb = knf.OnlineFbank(o)
        fb.accept_waveform(SR, (a * 32768).tolist())
        fb.input_finished()
        return np.stack([fb.get_frame(i) for i in range(fb.num_frames_ready)])
    held(port, clips, "kaldi", ["n_mels"], {"n_mels": 23})


# ---- SpeechBrain: speechbrain.lobes.features.Fbank

def sb_fbank(**kw):
    torch = pytest.importorskip("torch")
    feats = pytest.importorskip("speechbrain.lobes.features")
    fb = feats.Fbank(**kw)
    return lambda a: fb(torch.from_numpy(a)[None]).numpy()[0]


def test_speechbrain_fbank_original(clips):
    held(sb_fbank(n_mels=80), clips, "speechbrain-fbank", [])


def test_speechbrain_fbank_default_mels(clips):
    # Fbank()'s n_mels defaults to 40; the preset is the recipes' Fbank(n_mels=80)
    held(sb_fbank(), clips, "speechbrain-fbank", ["n_mels"], {"n_mels": 40})


# ---- ESPnet: espnet2's DefaultFrontend

def espnet_frontend(**kw):
    torch = pytest.importorskip("torch")
    default = pytest.importorskip("espnet2.asr.frontend.default")
    fe = default.DefaultFrontend(**kw).eval()

    def port(a):
        with torch.no_grad():
            x, _ = fe(torch.from_numpy(a)[None], torch.tensor([a.size]))
        return x[0].numpy()
    return port


def test_espnet_default_frontend_original(clips):
    held(espnet_frontend(), clips, "espnet-fbank", [])


def test_espnet_frontend_conf_400_160(clips):
    # the LibriSpeech recipes' frontend_conf: n_fft 512, win_length 400, hop_length 160 (the
    # default's window is n_fft long, its hop 128)
    held(espnet_frontend(n_fft=512, win_length=400, hop_length=160), clips, "espnet-fbank",
         ["hop", "frame_length"], {"hop": 160, "frame_length": 400})


# ---- nnAudio: nnAudio.features.MelSpectrogram in a Whisper port

def test_nnaudio_whisper(clips):
    # its defaults: periodic Hann (scipy's get_window), centre reflect, librosa's Slaney bank
    # with norm 1: Whisper's conventions (the STFT a float32 convolution)
    torch = pytest.importorskip("torch")
    nn = pytest.importorskip("nnAudio.features")
    mel = nn.MelSpectrogram(sr=SR, n_fft=400, hop_length=160, n_mels=80, verbose=False)

    def port(a):
        L = torch.clamp(mel(torch.from_numpy(a))[0, :, :-1], min=1e-10).log10()
        return whisper_units(L.numpy())
    held(port, clips, "whisper", [])


# ---- librosa: a whisper-128 port with htk=True

def test_librosa_whisper128_htk(clips):
    librosa = pytest.importorskip("librosa")

    def port(a):
        S = librosa.feature.melspectrogram(y=a, sr=SR, n_fft=400, hop_length=160, n_mels=128, htk=True,
                                           pad_mode="reflect")
        return whisper_units(np.log10(np.maximum(S, 1e-10))[:, :-1])
    held(port, clips, "whisper-128", ["mel_scale"], {"mel_scale": "htk"})


# ---- the bank's size and the hop left at a library's default

def test_openai_whisper_80_for_large_v3(clips):
    # a large-v3 (whisper-128) port calling log_mel_spectrogram without n_mels=128 (its default 80)
    whisper = pytest.importorskip("whisper")
    torch = pytest.importorskip("torch")
    held(lambda a: whisper.log_mel_spectrogram(torch.from_numpy(a)).numpy(), clips, "whisper-128", ["n_mels"],
         {"n_mels": 80})


def test_librosa_whisper_default_mels(clips):
    # librosa's melspectrogram: n_mels defaults to 128 (Whisper's 80), pad_mode "constant"
    librosa = pytest.importorskip("librosa")

    def port(a):
        S = librosa.feature.melspectrogram(y=a, sr=SR, n_fft=400, hop_length=160)
        return whisper_units(np.log10(np.maximum(S, 1e-10))[:, :-1])
    held(port, clips, "whisper", ["n_mels", "framing"], {"n_mels": 128, "framing": "center_zero"})


def test_torchaudio_melspectrogram_defaults_whisper(clips):
    # MelSpectrogram(sample_rate=16000) alone: n_fft 400, hop win_length // 2 = 200, 128 mels,
    # HTK's scale without norm
    torch = pytest.importorskip("torch")
    ta = pytest.importorskip("torchaudio")
    mel = ta.transforms.MelSpectrogram(sample_rate=SR)

    def port(a):
        L = torch.clamp(mel(torch.from_numpy(a))[:, :-1], min=1e-10).log10()
        return whisper_units(L.numpy())
    held(port, clips, "whisper", ["n_mels", "hop", "mel_scale", "mel_norm"],
         {"n_mels": 128, "hop": 200, "mel_scale": "htk", "mel_norm": "none"})
