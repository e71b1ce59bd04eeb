"""wmel.diagnose(port, preset) on ports whose difference is a convention the field search does
not walk, found as a rule tried beside it: energies with no log, a sibling preset, the cepstra's
count read from the column count, scipy's ceil(n / hop) frame count, the periodic twin of the
window found, the bank at another sample rate, TF's mel scale with the symmetric bank off, a
search's free choice set back once a convention makes it needless, no dither proposed for a
port that gives the same features twice, Kaldi's centring in another family, the magnitude for
the power, a normalisation read from normalised values, an energy column, a stacked plan's last
row and the spread's ddof, deltas read from the values, c0 as the log energy, and SpeechBrain's
spectral magnitude. Each port states its truth as a plan (or is the
library itself, skipped where it is not installed); the answer must name the convention and its
plan must reproduce the port on a clip the fit never saw."""
import os
import sys

import numpy as np
import pytest

import wmel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diagnose_ports import answered, fields, plan_port  # noqa: E402


# (the claim, the port's plan as the claim with these fields, the one difference the answer names)
EXACT = [
    # kaldi-native-fbank's FbankOptions(use_log_fbank=False) claimed as Kaldi's fbank
    ("kaldi", {"log": "none"}, {"log": "none"}),
    # lhotse's FbankConfig(num_filters=40, window_type='blackman'): 2 pi / N, the periodic Blackman
    ("lhotse-fbank", {"n_mels": 40, "window": "blackman_periodic"}, {"n_mels": "40", "window": "blackman_periodic"}),
    # lhotse's Fbank on |X| (a user's fft magnitude for the power spectrum): no map of units
    ("lhotse-fbank", {"power": 1}, {"power": "1"}),
    # kaldi-native-fbank's OnlineMfcc(use_energy=True) claimed as lhotse's Mfcc: c0 the log energy
    ("lhotse-mfcc", {"use_energy": 1}, {"use_energy": "1"}),
]


@pytest.mark.parametrize("claim,plan,want", EXACT, ids=["log_none", "periodic_twin", "magnitude", "c0_energy"])
def test_one_convention_named_alone(claim, plan, want):
    port = plan_port(claim, **plan)
    r = wmel.diagnose(port, claim)
    answered(r, port)
    assert fields(r) == want, r["differences"]


def test_kaldi_native_fbank_linear_in_float32():
    # the library itself: float32 energies of 1e3 .. 1e12, its transform's rounding relative to
    # each frame's largest energy (the noise model of energies with no log)
    knf = pytest.importorskip("kaldi_native_fbank")

    def port(x):
        o = knf.FbankOptions()
        o.frame_opts.dither = 0
        o.mel_opts.num_bins = 80
        o.use_log_fbank = False
        fb = knf.OnlineFbank(o)
        fb.accept_waveform(16000, (np.asarray(x, np.float32) * 32768).tolist())
        fb.input_finished()
        return np.array([fb.get_frame(i) for i in range(fb.num_frames_ready)], np.float32).reshape(-1, 80)
    r = wmel.diagnose(port, "kaldi")
    assert r["explained"] and r["reproduces"], r["notes"]
    assert fields(r) == {"log": "none"}, r["differences"]


def test_sibling_preset_states_the_port():
    # transformers' VoxtralRealtimeFeatureExtractor(center=False) claimed as voxtral-realtime:
    # the preset voxtral-realtime-chunk is the port, held as it is (no dither, no free floor)
    port = plan_port("voxtral-realtime-chunk")
    r = wmel.diagnose(port, "voxtral-realtime")
    answered(r, port, 2e-4)
    f = fields(r)
    assert f.get("framing") == "snip" and f.get("frame_span") == "560", f
    assert "dither" not in f and "norm_range" not in f, f
    assert "voxtral-realtime-chunk" in r["notes"], r["notes"]


def test_cepstra_count_from_the_column_count():
    # lhotse's MfccConfig(num_filters=40, num_ceps=40) (Kaldi's mfcc_hires) claimed as lhotse-mfcc
    port = plan_port("lhotse-mfcc", n_mels=40, n_ceps=40)
    r = wmel.diagnose(port, "lhotse-mfcc")
    answered(r, port)
    f = fields(r)
    assert f.get("n_ceps") == "40" and f.get("n_mels") == "40", f


def test_scipy_stft_frame_count_ceil_n_over_hop():
    # scipy.signal.stft(x, nperseg=400, noverlap=240) (boundary zeros, padded): 200 zeros before,
    # frames to ceil(n / 160); the 'spectrum' scaling (1 / 200) as Whisper's guard and shift
    truth = dict(log_guard=4e-6, post_scale=1, post_shift=-np.log10(40000) / 4, framing="snip", pad_left=200,
                 pad_right=199, valid="all")
    port = plan_port("whisper", **truth)
    r = wmel.diagnose(port, "whisper")
    answered(r, port, 1e-5)
    f = fields(r)
    assert f.get("pad_left") == "200" and f.get("pad_right") == "199" and f.get("framing") == "snip", f
    for n in (16000, 16001, 16159, 16160):
        assert wmel.features(np.zeros(n, np.float32), plan=r["plan"]).shape[-1] == -(-n // 160)


def test_bank_at_another_sample_rate():
    # HiFi-GAN's mel_spectrogram at 16 kHz (1024 / 256, 80 mels, 0 .. 8000 Hz) claimed as univnet's
    # 24 kHz bank: every frequency of the bank scaled with the rate
    port = plan_port("univnet", sample_rate=16000, n_mels=80, high_freq=8000, layout="mels_frames")
    r = wmel.diagnose(port, "univnet")
    answered(r, port)
    f = fields(r)
    assert f.get("sample_rate") == "16000" and float(f.get("high_freq", 0)) == 8000 and "window" not in f, f


def test_tf_mel_scale_with_the_symmetric_bank_off():
    # keras.layers.MelSpectrogram(fft_length=512, sequence_length=400, window='hamming') claimed as
    # SpeechBrain's Fbank: TF's triangles in mel, SpeechBrain's symmetric triangles off
    port = plan_port("speechbrain-fbank", n_fft=512, framing="center_reflect", mel_scale="tf",
                     symmetric_bank=False, layout="mels_frames")
    r = wmel.diagnose(port, "speechbrain-fbank")
    answered(r, port)
    f = fields(r)
    assert f.get("mel_scale") == "tf" and f.get("symmetric_bank") == "false", f


def test_deterministic_port_gets_no_dither():
    # a port whose quiet passages hold a fixed noise of its own (the same on every call): a
    # dither's noise would only stand in for it, so none is proposed
    noise = np.random.default_rng(5).standard_normal(16000 * 8).astype(np.float32)
    base = plan_port("kaldi")

    def port(x):
        return base(x + 2e-5 * noise[:x.size])
    r = wmel.diagnose(port, "kaldi")
    assert "dither" not in fields(r), r["differences"]
    assert not any("dither" in d for d in (r["plan"] or {})), r["plan"]


def test_kaldi_centring_in_the_whisper_family():
    # kaldi-native-fbank's OnlineWhisperFbank (snip_edges false: Kaldi's mirrored edges) with
    # Whisper's finish, claimed as Whisper: no zeros where Kaldi mirrors
    port = plan_port("whisper", framing="kaldi_center", valid="all")
    r = wmel.diagnose(port, "whisper")
    answered(r, port, 1e-5)
    f = fields(r)
    assert f.get("framing") == "kaldi_center" and "pad_left" not in f and "pad_right" not in f, f


def test_sentence_normalisation_after_the_whole_finish():
    # SpeechBrain's Fbank then InputNormalization(norm_type="sentence"): each column's mean and
    # population spread taken out after the dB finish
    port = plan_port("speechbrain-fbank", then_norm="mean_var", norm_ddof=0)
    r = wmel.diagnose(port, "speechbrain-fbank")
    answered(r, port)
    f = fields(r)
    assert f.get("then_norm") == "mean_var" and f.get("norm_ddof") == "0" and "post_scale" not in f, f


def test_energy_column_first():
    # torchaudio's kaldi.fbank(use_energy=True, raw_energy=False): 81 columns, the energy of the
    # windowed frame first, floored at torchaudio's 1
    port = plan_port("kaldi", use_energy=1, raw_energy=False, energy_floor=1)
    r = wmel.diagnose(port, "kaldi")
    answered(r, port)
    f = fields(r)
    assert f.get("use_energy") == "1" and f.get("raw_energy") == "false" and "n_mels" not in f, f


def test_stacked_rows_last_row_dropped_and_population_spread():
    # a SeamlessM4T port that drops an incomplete last row of two frames and divides by numpy's
    # (ddof 0) spread: the count as the stack's rule, the spread's ddof, no map of units
    port = plan_port("seamless", stack_tail="drop", norm_ddof=0)
    r = wmel.diagnose(port, "seamless")
    answered(r, port, 5e-3)
    f = fields(r)
    assert f.get("stack_tail") == "drop" and f.get("norm_ddof") == "0" and "units" not in f, f


def test_deltas_appended_read_from_the_values():
    # a Kaldi fbank of 40 mels with torchaudio's compute_deltas(win_length=5) appended: 80 columns
    # the claim's 80 mels would fit, read as 40 values and their deltas
    port = plan_port("kaldi", n_mels=40, delta_win=5, window="hamming")
    r = wmel.diagnose(port, "kaldi")
    answered(r, port)
    f = fields(r)
    assert f.get("n_mels") == "40" and f.get("delta_win") == "5" and f.get("window") == "hamming", f


def test_speechbrain_spectral_magnitude():
    # SpeechBrain's Fbank on spectral_magnitude(power=0.5): sqrt(|X|^2 + 1e-14), not the power
    port = plan_port("speechbrain-fbank", power=1, mag_guard="add:1e-14")
    r = wmel.diagnose(port, "speechbrain-fbank")
    answered(r, port)
    f = fields(r)
    assert f.get("power") == "1" and f.get("mag_guard") == "add:1e-14" and "units" not in f, f


def test_energy_column_of_samples_in_plus_minus_one():
    # torchaudio's kaldi.fbank(waveform, use_energy=True, window_type='hamming') on a float
    # waveform (no x 32768): the energy column's floor 1 holds quiet frames at 0, so no free unit
    # stands in for the input's scale
    port = plan_port("kaldi", use_energy=1, energy_floor=1, window="hamming", scale=1)
    r = wmel.diagnose(port, "kaldi")
    answered(r, port)
    f = fields(r)
    assert f.get("scale") == "1" and f.get("use_energy") == "1" and f.get("window") == "hamming", f


def test_c0_energy_with_other_framing_and_band():
    # kaldi-native-fbank's OnlineMfcc (snip_edges, high_freq 0, c0 the log energy) claimed as
    # lhotse's Mfcc: the claim's c0 the other way searched from the answer's framing
    port = plan_port("lhotse-mfcc", use_energy=1, framing="snip", high_freq=0)
    r = wmel.diagnose(port, "lhotse-mfcc")
    answered(r, port)
    f = fields(r)
    assert f.get("use_energy") == "1" and f.get("framing") == "snip", f


def test_units_that_undo_the_plans_own_affine():
    # transformers' AST with do_normalize=False: its preset's (x - mean) / (2 std) undone by the
    # units, the affine left out of the plan (no rounding of it replayed)
    port = plan_port("ast", post_scale=1, post_shift=0)
    r = wmel.diagnose(port, "ast")
    answered(r, port, tol=1e-4)
    assert "post_scale" not in r["plan"] and "post_shift" not in r["plan"], r["plan"]


def test_tf_signal_pad_end_start():
    # tf.signal.stft(pad_end=True) with periodic Hann in 512 points, |X|, the TF bank,
    # ln(m + 1e-6), the edges the claim's (20 Hz) and 7600 Hz: nine fields from Kaldi's fbank, found from
    # tf.signal's start
    plan = {"frontend": "kaldi", "window": "hann_periodic", "remove_dc": False, "preemph": 0, "scale": 1,
            "mel_scale": "tf", "power": 1, "low_freq": 20, "high_freq": 7600, "log": "ln_add", "log_guard": 1e-6,
            "pad_right": 399}
    port = plan_port(plan)
    r = wmel.diagnose(port, "kaldi")
    answered(r, port, tol=1e-4)
    assert "tf.signal (pad_end)" in r["notes"], r["notes"]


def test_decibels_with_top_db_from_a_library_start():
    # librosa's melspectrogram (64 mels, centred on zeros, periodic Hann, Slaney) then
    # power_to_db(S) with its defaults (amin 1e-10, top_db 80: floored at the clip's largest less
    # 80 dB), claimed as Kaldi's fbank: found from librosa's start with the decibels' finish
    plan = {"frontend": "kaldi", "n_mels": 64, "window": "hann_periodic", "low_freq": 0, "high_freq": 0,
            "mel_scale": "slaney", "mel_norm": "slaney", "preemph": 0, "remove_dc": False, "scale": 1,
            "framing": "center_zero", "valid": "all", "log": "log10_clamp", "log_guard": 1e-10,
            "normalize": "whole", "norm_range": 8, "post_scale": 40, "post_shift": -40}
    port = plan_port(plan)
    r = wmel.diagnose(port, "kaldi")
    answered(r, port, tol=1e-4)
    assert "librosa" in r["notes"], r["notes"]


def test_thirty_seconds_with_another_mel_count():
    # transformers' WhisperFeatureExtractor(feature_size=128) (large-v3's) claimed as Whisper's 80
    # mels: every clip padded to 30 s, 128 x 3000 whatever its length -- n_samples and n_mels
    port = plan_port("whisper", n_mels=128, n_samples=480000)
    r = wmel.diagnose(port, "whisper")
    answered(r, port, tol=1e-4)
    f = fields(r)
    assert f.get("n_mels") == "128" and f.get("n_samples") == "480000", f
