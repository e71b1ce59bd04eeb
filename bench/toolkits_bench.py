#!/usr/bin/env python3
"""toolkits_bench.py -- the toolkits' presets against their originals, side by side in one run:
medians of whole-utterance calls on one thread, 30 s of the bench signal.

  lhotse-fbank       wmel.lhotse.Fbank().extract vs lhotse.Fbank().extract (torch)
  lhotse-mfcc        wmel.features(plan="lhotse-mfcc") vs lhotse.Mfcc().extract (torch)
  sherpa-onnx        wmel.features(plan="sherpa-onnx") vs kaldi_native_fbank.OnlineFbank with
                     sherpa-onnx's options (C++; accept the whole clip, then read every frame)
  speechbrain-fbank  wmel.speechbrain.Fbank(n_mels=80) vs speechbrain's Fbank(n_mels=80) (torch)
  espnet-fbank       wmel.features(plan="espnet-fbank") vs espnet2's DefaultFrontend() (torch)

Inside each toolkit's pipeline (--cuts 100 cuts of 1-20 s of the bench signal, lengths from
default_rng(7); the original extractor, then wmel's; process CPU time and wall time of one run):

  lhotse compute_and_store_features            CutSet of WAV recordings, num_jobs=1, lhotse's
                                               default storage: Fbank() vs wmel.lhotse.Fbank()
  lhotse compute_and_store_features_batch      num_workers=0 (extract_batch on each batch)
  lhotse K2SpeechRecognitionDataset            OnTheFlyFeatures over SimpleCutSampler batches of
                                               at most 100 s
  ESPnet ESPnetASRModel.encode                 a small random model (DefaultFrontend, GlobalMVN,
                                               a 2-block transformer encoder of 144), batches of
                                               10 padded cuts: the model's frontend, then
                                               model.frontend = wmel.espnet.Frontend.replacing(...)
  SpeechBrain EncoderClassifier.encode_batch   a small random ECAPA-TDNN recipe, batches of 10:
                                               Fbank(n_mels=80), then mods.compute_features =
                                               wmel.speechbrain.Fbank(n_mels=80)

The report (CPU, /proc/loadavg before and after, versions, both tables) is printed and written to
bench/results/<date>-toolkits.md (--out). Every original is skipped, with the reason, where it is
not installed (`make test-toolkits`'s venv has them all). In the bare calls torch runs with
torch.set_num_threads(1), wmel.features with threads=1 (the drop-ins with their default: process
CPU time is the comparable figure); the bare calls' table has the medians of process CPU time
and wall time and the ratio original / wmel. In the pipelines torch and wmel run with their
defaults (all cores); the time inside the features module (ESPnet, SpeechBrain) is summed by
forward hooks.

    python bench/toolkits_bench.py [--seconds 30] [--budget 2] [--cuts 100] [--out FILE]
"""
import argparse
import importlib.util
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frontends_bench import cpu_model, signal  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
from originals import knf_sherpa  # noqa: E402  (kaldi-native-fbank as sherpa-onnx configures it)


def have(mod):
    return importlib.util.find_spec(mod) is not None


def timed(fn, budget):
    fn()  # warm-up
    walls, cpus = [], []
    t_end = time.perf_counter() + budget
    while len(walls) < 3 or (time.perf_counter() < t_end and len(walls) < 50):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(cpus), statistics.median(walls)


def _clock(fn):
    """(process CPU seconds, wall seconds) of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


class _Stage:
    """Process CPU and wall seconds spent inside a torch module's forward (its hooks), summed."""

    def __init__(self, module):
        self.cpu = self.wall = 0.0
        self._h = [module.register_forward_pre_hook(self._pre), module.register_forward_hook(self._post)]

    def _pre(self, *_):
        self._c, self._w = time.process_time(), time.perf_counter()

    def _post(self, *_):
        self.cpu += time.process_time() - self._c
        self.wall += time.perf_counter() - self._w

    def done(self):
        for h in self._h:
            h.remove()
        return self.cpu, self.wall


def _timed_stage(run, module):
    """((CPU, wall) of run(), (CPU, wall) inside module during it)."""
    st = _Stage(module)
    total = _clock(run)
    return total, st.done()


def _pipeline_cuts(n, tmp):
    """n clips of 1-20 s of the bench signal (lengths and offsets from default_rng(7)), and a lhotse
    CutSet of float32 WAV recordings of them (one supervision each) where lhotse is installed."""
    rng = np.random.default_rng(7)
    sig = signal(40 * 16000)
    clips = []
    for _ in range(n):
        k = int(rng.uniform(1.0, 20.0) * 16000)
        o = int(rng.integers(0, sig.size - k))
        clips.append(sig[o:o + k].copy())
    cuts = None
    if have("lhotse") and have("soundfile"):
        import lhotse
        import soundfile as sf
        recs, sups = [], []
        for i, c in enumerate(clips):
            path = os.path.join(tmp, f"c{i:03d}.wav")
            sf.write(path, c, 16000, subtype="FLOAT")
            recs.append(lhotse.Recording.from_file(path, recording_id=f"c{i:03d}"))
            sups.append(lhotse.SupervisionSegment(id=f"c{i:03d}", recording_id=f"c{i:03d}", start=0.0,
                                                  duration=recs[-1].duration, text="a b"))
        cuts = lhotse.CutSet.from_manifests(recordings=lhotse.RecordingSet.from_recordings(recs),
                                            supervisions=lhotse.SupervisionSet.from_segments(sups))
    return clips, cuts


def _lhotse_pipelines(cuts, tmp):
    import lhotse
    import wmel.lhotse
    from lhotse.dataset import K2SpeechRecognitionDataset, OnTheFlyFeatures, SimpleCutSampler
    rows = []
    for label, run in (
            ("lhotse compute_and_store_features", lambda e, d: cuts.compute_and_store_features(
                e, storage_path=d, num_jobs=1)),
            ("lhotse compute_and_store_features_batch", lambda e, d: cuts.compute_and_store_features_batch(
                e, storage_path=d, num_workers=0)),
            ("lhotse K2SpeechRecognitionDataset + OnTheFlyFeatures", lambda e, d: [
                K2SpeechRecognitionDataset(input_strategy=OnTheFlyFeatures(e))[b]
                for b in SimpleCutSampler(cuts, max_duration=100.0)])):
        t = []
        for tag, ext in (("orig", lhotse.Fbank()), ("wmel", wmel.lhotse.Fbank())):
            warm = cuts.subset(first=2)  # the first call's one-off costs (imports, tables), not timed
            warm.compute_and_store_features(ext, storage_path=os.path.join(tmp, f"warm-{tag}"), num_jobs=1)
            t.append(_clock(lambda: run(ext, os.path.join(tmp, f"{tag}-{len(rows)}"))))
        rows.append((label, "Fbank()", "wmel.lhotse.Fbank()", t[0], t[1], None, None))
    return rows


def _batches(clips, size):
    import torch
    for i in range(0, len(clips), size):
        xs = [torch.from_numpy(c) for c in clips[i:i + size]]
        yield torch.nn.utils.rnn.pad_sequence(xs, batch_first=True), torch.tensor([x.numel() for x in xs])


def _espnet_pipeline(clips, tmp):
    import torch
    import wmel.espnet
    from espnet2.asr.ctc import CTC
    from espnet2.asr.encoder.transformer_encoder import TransformerEncoder
    from espnet2.asr.espnet_model import ESPnetASRModel
    from espnet2.asr.frontend.default import DefaultFrontend
    from espnet2.layers.global_mvn import GlobalMVN
    rng = np.random.default_rng(3)
    f = rng.normal(-6, 3, (400, 80))
    stats = os.path.join(tmp, "feats_stats.npz")
    np.savez(stats, count=np.array(f.shape[0]), sum=f.sum(0), sum_square=(f * f).sum(0))
    torch.manual_seed(0)
    tokens = ["<blank>", "<unk>", "a", "b", "<sos/eos>"]
    model = ESPnetASRModel(vocab_size=len(tokens), token_list=tokens, frontend=DefaultFrontend(), specaug=None,
                           normalize=GlobalMVN(stats), preencoder=None,
                           encoder=TransformerEncoder(80, output_size=144, attention_heads=4, linear_units=576,
                                                      num_blocks=2),
                           postencoder=None, decoder=None, ctc=CTC(len(tokens), 144), joint_network=None,
                           ctc_weight=1.0).eval()

    def run():
        with torch.no_grad():
            for x, n in _batches(clips, 10):
                model.encode(x, n)
    warm = [clips[0][:16000], clips[1][:8000]]
    with torch.no_grad():
        model.encode(*next(_batches(warm, 2)))
    orig, orig_fe = _timed_stage(run, model.frontend)
    model.frontend = wmel.espnet.Frontend.replacing(model.frontend)
    with torch.no_grad():
        model.encode(*next(_batches(warm, 2)))
    ours, ours_fe = _timed_stage(run, model.frontend)
    return [("ESPnet ESPnetASRModel.encode (2-block transformer 144, GlobalMVN), batches of 10",
             "DefaultFrontend()", "wmel.espnet.Frontend.replacing(...)", orig, ours, orig_fe, ours_fe)]


_SB_HPARAMS = """\
compute_features: !new:speechbrain.lobes.features.Fbank
    n_mels: 80
mean_var_norm: !new:speechbrain.processing.features.InputNormalization
    norm_type: sentence
    std_norm: False
embedding_model: !new:speechbrain.lobes.models.ECAPA_TDNN.ECAPA_TDNN
    input_size: 80
    channels: [64, 64, 64, 64, 192]
    attention_channels: 32
    se_channels: 32
    lin_neurons: 64
modules:
    compute_features: !ref <compute_features>
    mean_var_norm: !ref <mean_var_norm>
    embedding_model: !ref <embedding_model>
pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer
    loadables: {}
"""


def _speechbrain_pipeline(clips, tmp):
    import torch
    import wmel.speechbrain
    from speechbrain.inference.classifiers import EncoderClassifier
    with open(os.path.join(tmp, "hyperparams.yaml"), "w") as f:
        f.write(_SB_HPARAMS)
    torch.manual_seed(0)
    c = EncoderClassifier.from_hparams(source=tmp, savedir=os.path.join(tmp, "sb")).eval()

    def run():
        with torch.no_grad():
            for x, n in _batches(clips, 10):
                c.encode_batch(x, n.float() / x.shape[1])
    warm = torch.from_numpy(np.stack([clips[0][:16000], clips[1][:16000]]))
    with torch.no_grad():
        c.encode_batch(warm)
    orig, orig_fe = _timed_stage(run, c.mods.compute_features)
    c.mods.compute_features = wmel.speechbrain.Fbank(n_mels=80)
    with torch.no_grad():
        c.encode_batch(warm)
    ours, ours_fe = _timed_stage(run, c.mods.compute_features)
    return [("SpeechBrain EncoderClassifier.encode_batch (ECAPA-TDNN 64/192), batches of 10", "Fbank(n_mels=80)",
             "wmel.speechbrain.Fbank(n_mels=80)", orig, ours, orig_fe, ours_fe)]


def pipelines(n, out):
    """The pipeline table's lines (each toolkit where it is installed)."""
    import tempfile
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        clips, cuts = _pipeline_cuts(n, tmp)
        secs = sum(c.size for c in clips) / 16000.0
        out.append(f"\n{n} cuts, {secs:.0f} s of audio in all (1-20 s each); one run each, the original first; "
                   "process CPU time (wall), s\n")
        if cuts is not None and have("torch"):
            rows += _lhotse_pipelines(cuts, tmp)
        else:
            out.append("lhotse (or soundfile, torch): not installed: skipped")
        if have("espnet2"):
            rows += _espnet_pipeline(clips, tmp)
        else:
            out.append("espnet2: not installed: skipped")
        if have("speechbrain"):
            rows += _speechbrain_pipeline(clips, tmp)
        else:
            out.append("speechbrain: not installed: skipped")
    out.append("| pipeline | original | wmel's | original: CPU (wall) | wmel: CPU (wall) | original / wmel (CPU) "
               "| the features inside it, original / wmel: CPU (wall) |")
    out.append("|---|---|---|---|---|---|---|")
    for label, o, w, (oc, ow), (wc, ww), ofe, wfe in rows:
        fe = "(the run: audio reads, features, storage or collation)" if ofe is None else \
            f"{ofe[0]:.2f} ({ofe[1]:.2f}) / {wfe[0]:.2f} ({wfe[1]:.2f})"
        out.append(f"| {label} | `{o}` | `{w}` | {oc:.2f} ({ow:.2f}) | {wc:.2f} ({ww:.2f}) | {oc / max(wc, 1e-9):.2f}x "
                   f"| {fe} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--budget", type=float, default=2.0)
    ap.add_argument("--cuts", type=int, default=100, help="cuts in the pipelines (0: bare calls only)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                                  time.strftime("%Y-%m-%d") + "-toolkits.md"))
    a = ap.parse_args()
    out = []
    import wmel
    import wmel.espnet  # noqa: F401
    import wmel.lhotse  # noqa: F401
    import wmel.speechbrain  # noqa: F401
    x = signal(int(a.seconds * 16000))
    rows = []
    out.append(f"# The toolkits' front-ends: bare calls and inside their pipelines ({time.strftime('%Y-%m-%d')})\n")
    out.append(f"bench/toolkits_bench.py --seconds {a.seconds:g} --budget {a.budget:g} --cuts {a.cuts}\n")
    out.append(f"cpu: {cpu_model()}, {os.cpu_count()} logical CPUs; loadavg before: "
               f"{open('/proc/loadavg').read().strip()}; wmel {wmel.version()}")
    torch = None
    if have("torch"):
        import torch
        out.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads in the pipelines, 1 in the bare "
                   "calls)")
        threads0 = torch.get_num_threads()
        torch.set_num_threads(1)
    def wm(plan):
        return lambda: wmel.features(x, plan=plan, threads=1)

    pairs = []
    if have("lhotse") and torch is not None:
        import lhotse
        lf, lm = lhotse.Fbank(), lhotse.Mfcc()
        out.append(f"lhotse {lhotse.__version__}")
        wf = wmel.lhotse.Fbank()
        pairs.append(("lhotse-fbank", lambda: wf.extract(x, 16000), lambda: lf.extract(x, 16000)))
        if "lhotse-mfcc" in [p["name"] for p in wmel.presets()]:
            pairs.append(("lhotse-mfcc", wm("lhotse-mfcc"), lambda: lm.extract(x, 16000)))
    else:
        out.append("lhotse: not installed (or no torch): skipped")
    if have("kaldi_native_fbank"):
        pairs.append(("sherpa-onnx", wm("sherpa-onnx"), lambda: knf_sherpa(x)))
    else:
        out.append("kaldi_native_fbank: not installed: skipped")
    if have("speechbrain") and torch is not None:
        from speechbrain.lobes.features import Fbank
        sb = Fbank(n_mels=80)
        wsb = wmel.speechbrain.Fbank(n_mels=80)
        xt = torch.from_numpy(x)[None]
        pairs.append(("speechbrain-fbank", lambda: wsb(xt), lambda: sb(xt)))
    else:
        out.append("speechbrain: not installed (or no torch): skipped")
    if have("espnet2") and torch is not None:
        from espnet2.asr.frontend.default import DefaultFrontend
        fe = DefaultFrontend().eval()
        xt = torch.from_numpy(x)[None]
        lens = torch.tensor([len(x)])

        def esp():
            with torch.no_grad():
                return fe(xt, lens)
        pairs.append(("espnet-fbank", wm("espnet-fbank"), esp))
    else:
        out.append("espnet2: not installed (or no torch): skipped")
    for name, w, o in pairs:
        wc, ww = timed(w, a.budget)
        oc, ow = timed(o, a.budget)
        rows.append((name, wc, ww, oc, ow))
    out.append(f"\n{a.seconds:g} s of audio, one thread, medians (ms): CPU time (wall)\n")
    out.append("| preset | wmel | original | original / wmel (CPU) |")
    out.append("|---|---|---|---|")
    for name, wc, ww, oc, ow in rows:
        out.append(f"| {name} | {wc * 1e3:.2f} ({ww * 1e3:.2f}) | {oc * 1e3:.2f} ({ow * 1e3:.2f}) | {oc / wc:.1f}x |")
    if a.cuts > 0:
        if torch is not None:
            torch.set_num_threads(threads0)
        pipelines(a.cuts, out)
    out.append(f"\nloadavg after: {open('/proc/loadavg').read().strip()}")
    text = "\n".join(out) + "\n"
    print(text, end="")
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            f.write(text)
        print(f"written: {a.out}")

if __name__ == "__main__":
    main()
