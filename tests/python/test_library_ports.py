"""wmel diagnose on more libraries' ports (openai-whisper, transformers, torchaudio's
MelSpectrogram, SpeechBrain, ESPnet, nnAudio, kaldi-native-fbank's and torchaudio's defaults,
librosa), each written the way its library's docs write it, on the three clips of
test_toolkit_ports.py (speech, synthetic speech, a chirp with a -70 dB noise floor). The truth
(the fields that differ from the preset) is read from each library's source; the emitted plan
must reproduce the port on every clip, and a correct original must come out as a match on
every clip. Each library is pytest.importorskip'ed (make test-toolkits installs them)."""
import json

import numpy as np
import pytest

import wmel
from conftest import audio_of
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


# ---- transformers: Speech2TextFeatureExtractor (Kaldi's fbank in float32, utterance CMVN)

def s2t_port(ddof=0, normalize_vars=True):
    """Speech2Text's features as its extractor computes them (torchaudio's float32 fbank of the
    samples x 32768, then each mel bin's mean and np.std over the utterance), with ddof or the
    variance's division changed."""
    torch = pytest.importorskip("torch")
    ta = pytest.importorskip("torchaudio")

    def port(a):
        x = ta.compliance.kaldi.fbank(torch.from_numpy(a)[None] * 32768, num_mel_bins=80, dither=0.0).numpy()
        x = x - x.mean(axis=0)
        if normalize_vars:
            x = x / x.std(axis=0, ddof=ddof)
        return x.astype(np.float32)
    return port


def s2t_extractor(**kw):
    """transformers' Speech2TextFeatureExtractor(**kw) as a port (its fbank: torchaudio's)."""
    tf = pytest.importorskip("transformers")
    pytest.importorskip("torchaudio")
    fe = tf.Speech2TextFeatureExtractor(**kw)
    return lambda a: fe(a, sampling_rate=SR, return_tensors="np").input_features[0]


def test_transformers_speech2text_feature_extractor(clips):
    # the original: the float32 fbank's noise in quiet cells moves each bin's mean and spread,
    # which the noise model carries through the normalisation
    held(s2t_extractor(), clips, "speech2text", [])


def test_transformers_speech2text_no_variance(clips):
    # Speech2TextFeatureExtractor(normalize_vars=False): x - mean only, the preset's mean_var
    held(s2t_extractor(normalize_vars=False), clips, "speech2text", ["normalize"], {"normalize": "mean"})


def test_speech2text_cmvn_ddof1(clips):
    # the CMVN with the sample standard deviation (ddof 1) where np.std's default is 0: every
    # value x sqrt(n / (n - 1)), 1.4e-3 at most on the clips, inside no float32 noise bound
    held(s2t_port(ddof=1), clips, "speech2text", ["norm_ddof"], {"norm_ddof": 1})


# ---- scipy: a Whisper port with scipy.signal.stft and a numpy HTK bank

def htk_bank(n_mels=80, n_fft=400, sr=SR):
    """HTK-scale triangles of peak 1 on the FFT bins, as a user writes them in numpy (no norm)."""
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    hz = lambda m: 700 * (10 ** (m / 2595) - 1)  # noqa: E731
    pts = hz(np.linspace(mel(0), mel(sr / 2), n_mels + 2))
    f = np.linspace(0, sr / 2, n_fft // 2 + 1)
    lo, c, hi = pts[:-2, None], pts[1:-1, None], pts[2:, None]
    return np.maximum(0, np.minimum((f - lo) / (c - lo), (hi - f) / (hi - c)))


def test_scipy_stft_whisper(clips):
    # scipy.signal.stft's default scaling "spectrum" divides each frame's transform by
    # sum(window) (200 for a periodic Hann of 400): the power by 40000, every log10 value by
    # 4.6 before Whisper's finish (1.15 after it), and the guard 1e-10 at another place; found
    # as the input's scale 1 / 200, fitted as a continuous parameter, with the bank's fields
    signal = pytest.importorskip("scipy.signal")

    def port(a):
        _, _, Z = signal.stft(a, SR, "hann", 400, 240, boundary="even")
        L = np.log10(np.maximum(htk_bank() @ (np.abs(Z[:, :-1]) ** 2), 1e-10))
        return whisper_units(L)
    r = held(port, clips, "whisper", ["mel_scale", "mel_norm", "scale"],
             {"mel_scale": "htk", "mel_norm": "none", "scale": 0.005})
    assert r["reproduces"] and all(c["status"] == "reproduced" for c in r["clips"]), r["clips"]


# ---- funasr-onnx: its WavFrontend (kaldi-native-fbank, apply_lfr; the model's am.mvn left out:
# it comes with a model)

def funasr_frontend(**kw):
    frontend = pytest.importorskip("funasr_onnx.utils.frontend")

    def port(a):
        fe = frontend.WavFrontend(cmvn_file=None, **kw)
        feat, _ = fe.fbank(a)
        feat, _ = fe.lfr_cmvn(feat)
        return feat
    return port


def test_funasr_onnx_wav_frontend(clips):
    # Paraformer's frontend_conf (hamming, 80 mels, 25 / 10 ms, LFR 7/6) with dither 0: the
    # funasr preset's rows before apply_cmvn
    held(funasr_frontend(lfr_m=7, lfr_n=6, dither=0.0), clips, "funasr", [])


def test_funasr_onnx_fbank_as_kaldi(clips):
    # its fbank alone (LFR 1/1) claimed as Kaldi's: WavFrontend's window defaults to hamming
    held(funasr_frontend(dither=0.0), clips, "kaldi", ["window"], {"window": "hamming"})


def test_funasr_onnx_default_dither():
    """WavFrontend's dither defaults to 1.0 (a model's frontend_conf that names none keeps it):
    found as a noise floor on the speech clip, its size within 15 %."""
    a = audio_of("jfk_flac")
    r = wmel.diagnose(a, funasr_frontend(lfr_m=7, lfr_n=6)(a), preset="funasr")
    found = {d["field"]: d["found"] for d in r["differences"]}
    assert set(found) == {"dither"} and abs(found["dither"] - 1) < 0.15, json.dumps(r, indent=1)
    assert r["explained"] and r["reproduces"] and r["floor"] == "dither noise", json.dumps(r, indent=1)


# ---- onnxruntime-extensions: its STFT op (StftNorm, the one its Whisper pre-processing graph
# holds) and its Slaney mel bank, with that graph's finish

def ortx_stft_session():
    """A one-node graph of onnxruntime-extensions' StftNorm (|STFT|^2 of a periodic Hann of 400,
    hop 160), run by onnxruntime with the extensions' custom-op library."""
    ort = pytest.importorskip("onnxruntime")
    ox = pytest.importorskip("onnxruntime_extensions")
    onnx = pytest.importorskip("onnx")
    h, nh = onnx.helper, onnx.numpy_helper
    win = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)).astype(np.float32)
    const = lambda name, v: h.make_node("Constant", [], [name], value=nh.from_array(v))  # noqa: E731
    nodes = [const("n_fft", np.array(400, np.int64)), const("hop", np.array(160, np.int64)), const("win", win),
             const("frame", np.array(400, np.int64)),
             h.make_node("StftNorm", ["audio", "n_fft", "hop", "win", "frame"], ["power"], domain="ai.onnx.contrib")]
    g = h.make_graph(nodes, "stft", [h.make_tensor_value_info("audio", onnx.TensorProto.FLOAT, [1, None])],
                     [h.make_tensor_value_info("power", onnx.TensorProto.FLOAT, None)])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17), h.make_opsetid("ai.onnx.contrib", 1)], ir_version=8)
    so = ort.SessionOptions()
    so.register_custom_ops_library(ox.get_library_path())
    return ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])


def ortx_whisper(pad_to_30s=False):
    util = pytest.importorskip("onnxruntime_extensions.util")
    s = ortx_stft_session()
    fb = util.mel_filterbank(n_fft=400, n_mels=80)

    def port(a):
        P = s.run(None, {"audio": a[None]})[0][0]
        L = np.log10(np.maximum(fb @ P[:, :-1], 1e-10))
        lo = L.max() - 8.0
        L = np.maximum(L, lo)
        if pad_to_30s:  # WhisperPrePipeline: the spectrogram padded to 3000 frames with max - 8
            L = np.hstack([L, np.full((L.shape[0], 3000 - L.shape[1]), lo, np.float32)])
        return ((L + 4) / 4).astype(np.float32)
    return port


def test_onnxruntime_extensions_stft_whisper(clips):
    # the StftNorm kernel pads the clip with zeros (its PyTorch stand-in in the converter says
    # reflect, as openai-whisper's torch.stft): framing center_zero, nothing else
    held(ortx_whisper(), clips, "whisper", ["framing"], {"framing": "center_zero"})


def test_onnxruntime_extensions_whisper_padded(clips):
    """The pre-processing graph's padding: the spectrogram, not the clip, padded to 3000 frames
    with the clip's own max - 8 (openai-whisper pads the clip with silence, whose frame at the
    clip's end differs): n_frames 3000 with that clip's value, a plan per clip (no plan pads
    with the clip's own floor)."""
    port = ortx_whisper(pad_to_30s=True)
    for a in clips:
        x = port(a)
        r = wmel.diagnose(a, x, preset="whisper")
        assert fields(r) == ["framing", "n_frames"] and r["reproduces"], json.dumps(r, indent=1)
        assert r["plan"]["pad_value"] == pytest.approx(float(x[0, -1]), abs=1e-6), r["plan"]
