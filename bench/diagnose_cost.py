#!/usr/bin/env python3
"""diagnose_cost.py -- what wmel.diagnose(port, preset) costs on the ports that take it longest:
ports no plan expresses, whose search runs to its work bound before the refusal, and the CPU
seconds of one core each answer takes.

The ports (each a callable, float32 samples -> features; numpy recreations always, the same
conventions written with the libraries themselves where they are installed):

  standardise      each clip's samples to zero mean and unit variance, then Whisper's log-Mel
                   (transformers' WhisperFeatureExtractor(do_normalize=True)), claimed whisper
  ref_max          a power Mel spectrogram at 48 kHz (librosa's defaults: zero centring, Slaney's
                   bank and norm, 50..14000 Hz) in decibels of each clip's max, floored 80 dB
                   below it (librosa.power_to_db(ref=np.max)), claimed clap
  bark             |STFT|^2 at 48 kHz through 64 triangles on the Bark scale to 14 kHz,
                   10 log10, claimed clap
  hf_standardise   transformers.WhisperFeatureExtractor()(x, do_normalize=True), claimed whisper
  librosa_ref_max  librosa.feature.melspectrogram(sr=48000, n_fft=1024, hop_length=480,
                   n_mels=64, fmin=50, fmax=14000) then librosa.power_to_db(ref=np.max), claimed clap
  audioflux_bark   audioflux.BFT(num=64, radix2_exp=10, samplate=48000, slide_length=480,
                   scale_type=BARK), 10 log10 |X|^2, claimed clap
  audioflux_bark_db  the same bank, audioflux.utils.power_to_db(|X|^2) (decibels of the clip's
                   max), claimed clap

Each is diagnosed --repeat times (median and largest CPU seconds; the answers and candidate
counts must be the same every time: the search is bounded by work, not time). With --load K,
K busy processes run beside every diagnosis of a second pass, which must give the same answers.
With --against DIR the same ports are diagnosed, in turn with this tree's, by the wmel package
in DIR (another build: PYTHONPATH=DIR), and the record gives both.
BLAS runs on one thread (OPENBLAS_NUM_THREADS=1 and the like, set before numpy is imported),
so a port's own calls count on one core too. A library that is not installed is skipped with
the reason.

Writes the dated record (bench/results/<date>-diagnose-cost.md by default, -o to change it) and
prints it. Not part of CI: python bench/diagnose_cost.py [--repeat N] [--load K] [--against DIR]
[-o FILE]
"""
import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402

import numpy as np  # noqa: E402

import wmel  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frontends_bench import cpu_model, loadavg  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOUND_S = 10.0  # the CPU seconds of one core an answer may take


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# ---- the ports, recreated in numpy

def port_standardise():
    def port(x):
        x = np.asarray(x, np.float64)
        return wmel.features(((x - x.mean()) / np.sqrt(x.var() + 1e-7)).astype(np.float32), plan="whisper")
    return port, "whisper"


MEL48 = {"frontend": "nemo", "normalize": "none", "log": "none", "sample_rate": 48000, "n_mels": 64,
         "window": "hann_periodic", "frame_length": 1024, "n_fft": 1024, "hop": 480, "framing": "center_zero",
         "mel_scale": "slaney", "mel_norm": "slaney", "low_freq": 50, "high_freq": 14000, "power": 2,
         "remove_dc": False, "preemph": 0, "valid": "all", "layout": "frames_mels"}


def port_ref_max():
    def port(x):
        s = wmel.features(x, plan=MEL48).astype(np.float64)
        db = 10 * np.log10(np.maximum(s, 1e-10)) - 10 * np.log10(max(s.max(), 1e-10))
        return np.maximum(db, db.max() - 80).astype(np.float32)
    return port, "clap"


def bark_bank(n_fft=1024, sr=48000, n=64, fmax=14000.0):
    f = np.arange(n_fft // 2 + 1) * sr / n_fft
    bark = lambda hz: 6 * np.arcsinh(hz / 600)  # noqa: E731
    edges, fb = np.linspace(bark(0.0), bark(fmax), n + 2), bark(f)
    w = np.zeros((n, f.size))
    for i in range(n):
        lo, c, hi = edges[i:i + 3]
        w[i] = np.maximum(0, np.minimum((fb - lo) / (c - lo), (hi - fb) / (hi - c)))
    return w


def port_bark():
    w = bark_bank()
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(1024) / 1024)

    def port(x):
        xp = np.pad(np.asarray(x, np.float64), 512, mode="reflect")
        n = 1 + (xp.size - 1024) // 480
        frames = np.lib.stride_tricks.as_strided(xp, (n, 1024), (480 * 8, 8)) * win
        p = np.abs(np.fft.rfft(frames, axis=1)) ** 2
        return (10 * np.log10(np.maximum(p @ w.T, 1e-10))).astype(np.float32)
    return port, "clap"


# ---- the same conventions through the libraries

def port_hf_standardise():
    from transformers import WhisperFeatureExtractor
    fe = WhisperFeatureExtractor()

    def port(x):
        return fe(np.asarray(x, np.float32), sampling_rate=16000, do_normalize=True,
                  return_tensors="np")["input_features"][0]
    return port, "whisper"


def port_librosa_ref_max():
    import librosa

    def port(x):
        s = librosa.feature.melspectrogram(y=np.asarray(x, np.float32), sr=48000, n_fft=1024, hop_length=480,
                                           n_mels=64, fmin=50, fmax=14000)
        return librosa.power_to_db(s, ref=np.max).T
    return port, "clap"


def bark_bft():
    """audioflux's Bark transform at 48 kHz (64 bands to 14 kHz, 1024 points, hop 480): x -> |X|^2"""
    import audioflux as af
    from audioflux.type import SpectralFilterBankScaleType
    bft = af.BFT(num=64, radix2_exp=10, samplate=48000, low_fre=0, high_fre=14000, slide_length=480,
                 scale_type=SpectralFilterBankScaleType.BARK)
    return lambda x: np.abs(bft.bft(np.asarray(x, np.float32))) ** 2


def port_audioflux_bark():
    power = bark_bft()
    return (lambda x: (10 * np.log10(np.maximum(power(x), 1e-10))).T), "clap"


def port_audioflux_bark_db():
    import audioflux as af
    power = bark_bft()
    return (lambda x: af.utils.power_to_db(power(x)).T), "clap"


PORTS = [port_standardise, port_ref_max, port_bark, port_hf_standardise, port_librosa_ref_max, port_audioflux_bark,
         port_audioflux_bark_db]


# ---- the load

def busy(stop):
    x = 0
    while not stop.is_set():
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF


class Load:
    def __init__(self, k):
        self.k, self.stop, self.procs = k, multiprocessing.Event(), []

    def __enter__(self):
        self.procs = [multiprocessing.Process(target=busy, args=(self.stop,), daemon=True) for _ in range(self.k)]
        for p in self.procs:
            p.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for p in self.procs:
            p.join(5)
            if p.is_alive():
                p.terminate()


def answer_of(r):
    """what must not change from run to run: the verdict, its reason, the plan, the candidates"""
    return (r["reproduces"], r["explained"], r.get("not_expressible", ""), repr(r.get("plan")), r["candidates"])


def diagnose_once(port, claim):
    c0 = cpu_seconds()
    r = wmel.diagnose(port, claim)
    return cpu_seconds() - c0, r


def run_one(make, repeat, load):
    port, claim = make()
    port(np.zeros(16000, np.float32))  # (a library's first call: imports and tables)
    secs, answers, r = [], set(), None
    for _ in range(repeat):
        s, r = diagnose_once(port, claim)
        secs.append(s)
        answers.add(answer_of(r))
    loaded, load_answers = [], set()
    if load:
        with Load(load):
            for _ in range(repeat):
                s, r2 = diagnose_once(port, claim)
                loaded.append(s)
                load_answers.add(answer_of(r2))
    verdict = ("reproduces" if r["reproduces"] else
               "refused: " + r["not_expressible"][:90] if r.get("not_expressible") else "not explained")
    return {"name": make.__name__[5:], "claim": claim, "candidates": r["candidates"], "bound": r["max_candidates"],
            "cut": bool(r["work_bound"] or r["time_bound"]),
            "median": statistics.median(secs), "max": max(secs), "loaded": max(loaded) if loaded else None,
            "same": len(answers) == 1 and (not load or load_answers == answers), "verdict": verdict}


def measure(args) -> tuple:
    """(rows, skipped) of the ports with the wmel this process imports"""
    rows, skipped = [], []
    for make in PORTS:
        if args.ports and make.__name__[5:] not in args.ports:
            continue
        try:
            rows.append(run_one(make, max(1, args.repeat), args.load))
        except ImportError as e:
            skipped.append(f"{make.__name__[5:]}: not installed ({e})")
        except Exception:
            skipped.append(f"{make.__name__[5:]}: failed: {traceback.format_exc(limit=2).strip()}")
    return rows, skipped


def measure_against(args, where: str) -> tuple:
    """(rows, skipped, version) of the same ports with the wmel package in where (a child process)"""
    cmd = [sys.executable, __file__, "--json", "--repeat", str(args.repeat), "--load", str(args.load)]
    if args.ports:
        cmd += ["--ports", *args.ports]
    env = dict(os.environ, PYTHONPATH=os.path.abspath(where))
    got = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if got.returncode != 0:
        raise SystemExit(f"diagnose_cost: the run against {where} failed:\n{got.stderr[-2000:]}")
    d = json.loads(got.stdout.strip().splitlines()[-1])
    return d["rows"], d["skipped"], d["version"]


def table(rows, load) -> list:
    lines = ["| port | claimed | candidates | bound per search | CPU s median | CPU s max |" +
             (f" CPU s max, load {load} |" if load else "") + " same | answer |",
             "|---|---|---|---|---|---|" + ("---|" if load else "") + "---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['claim']} | {r['candidates']}{' (cut)' if r['cut'] else ''} | {r['bound']} | "
                     f"{r['median']:.2f} | {r['max']:.2f} |" + (f" {r['loaded']:.2f} |" if load else "") +
                     f" {'yes' if r['same'] else 'NO'} | {r['verdict']} |")
    if rows:
        worst = max(rows, key=lambda r: r["max"])
        lines += ["", f"Largest: {worst['name']} at {worst['max']:.2f} s, "
                  f"{'within' if worst['max'] <= BOUND_S else 'PAST'} the bound of {BOUND_S:g} s."]
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--out", default=None, help="the record (default bench/results/<date>-diagnose-cost.md)")
    ap.add_argument("--repeat", type=int, default=3, help="diagnoses of each port (default 3)")
    ap.add_argument("--load", type=int, default=0, metavar="K",
                    help="a second pass with K busy processes beside it (default none)")
    ap.add_argument("--ports", nargs="+", default=None, metavar="NAME", help="only these ports")
    ap.add_argument("--against", default=None, metavar="DIR",
                    help="also the wmel package in DIR (PYTHONPATH=DIR), the same ports, measured first")
    ap.add_argument("--against-name", default=None, metavar="TEXT",
                    help="what the record calls the package in DIR (default: DIR)")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # (the child of --against)
    args = ap.parse_args()
    if args.json:
        rows, skipped = measure(args)
        print(json.dumps({"rows": rows, "skipped": skipped, "version": wmel.version().split()[0]}))
        return
    date = datetime.date.today().isoformat()
    out = pathlib.Path(args.out) if args.out else ROOT / "bench" / "results" / f"{date}-diagnose-cost.md"
    before = loadavg()
    other = measure_against(args, args.against) if args.against else None
    rows, skipped = measure(args)
    after = loadavg()
    lines = [f"# What wmel.diagnose costs on the slowest ports ({date})", "",
             f"bench/diagnose_cost.py --repeat {args.repeat}" + (f" --load {args.load}" if args.load else "") +
             (f" --against {args.against_name or args.against}" if args.against else "") +
             f": wmel.diagnose(port, claimed) on the probes, each port {args.repeat} times; CPU seconds of this "
             f"process (one core: BLAS on one thread; the port's own calls included). {cpu_model()}, "
             f"{os.cpu_count()} CPUs, load average {before} before, {after} after; "
             f"Python {platform.python_version()}, numpy {np.__version__}.", "",
             f"The bound: {BOUND_S:g} s of one core per answer. Same: every run gave the same answer and "
             f"candidate count" + (f", also with {args.load} busy processes beside it" if args.load else "") +
             "; (cut): the search stopped at its work bound.", ""]
    if other:
        lines += [f"## Against: {args.against_name or 'the wmel package in ' + args.against} (wmel {other[2]}), "
                  "measured first", ""]
        lines += table(other[0], args.load) + [""]
        lines += [f"## This tree (wmel {wmel.version().split()[0]})", ""]
    lines += table(rows, args.load)
    if other and rows:
        mine = {r["name"]: r for r in rows}
        pairs = [(r, mine[r["name"]]) for r in other[0] if r["name"] in mine]
        if pairs:
            lines += ["", "Ratio of CPU s medians (against / this tree): " +
                      ", ".join(f"{a['name']} {a['median'] / max(b['median'], 1e-9):.2f}" for a, b in pairs) + "."]
    skipped = sorted(set(skipped + (other[1] if other else [])))
    if skipped:
        lines += ["", "Skipped:"] + [f"- {s}" for s in skipped]
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text, end="")
    print(f"(written to {out})")


if __name__ == "__main__":
    main()
