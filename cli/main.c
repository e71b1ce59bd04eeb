/*
 * main.c -- the `wmel` command: Whisper log-Mel features from audio files. Dispatches
 * to one file per subcommand (cli/cmd_*.c); `wmel --help` lists them.
 *
 * Every failure prints one line on stderr naming the file and the reason, exits
 * non-zero, and leaves no output file behind (support/out.c: outputs are written to a
 * temporary file and renamed into place).
 */
#include "commands.h"
#include "frontend.h"
#include "out.h"
#include "wmel.h"
#include "msg.h"
#include "platform.h"

#include <stdio.h>
#include <string.h>

/* Each subcommand's help (`wmel COMMAND --help`); `wmel --help` prints them all. The
 * option lists agree with docs/cli.md (tests/docs/test_cli_help.py compares them). */
static const char MEL_HELP[] =
    "wmel mel INPUT -o OUT.npy [options]\n"
    "    log-Mel spectrogram, float32 (n_mels, n_frames)\n"
    "      -o, --output OUT.npy  the output file\n"
    "      --n-mels N         mel bins: 80|128 for whisper (default 80); others 1..512\n"
    "      --padding N        append N zero samples first (openai's padding=)\n"
    "      --pad-30s          pad or trim the audio to 30 s (480000 samples) first\n"
    "      --norm whole|none  whole: openai's max-8 and (x+4)/4 (default); none: raw log10\n"
    "      --backend B        auto|ref|cpu|cuda|vulkan (default cpu: the same bytes on every\n"
    "                         run; auto: a device where a timing finds it faster)\n"
    "      --auto-plan M      AUTO's planner mode: measure (default: GPUs timed), estimate\n"
    "                         (never timed) or measure-any (CPU devices timed too)\n"
    "      --threads N        CPU worker threads (default: all cores)\n"
    "      --png FILE.png     also write a picture of the spectrogram\n"
    "      --smooth 3x3|none  3x3 average smoothing of the result (avg_pool2d, zeros\n"
    "                         outside); none (the default): no smoothing\n"
    "      --raw-f32          INPUT (a file, or - for standard input) holds raw float32\n"
    "                         little-endian mono samples at the plan's rate (16 kHz for\n"
    "                         whisper), read whole as they are: no decoder, no resampling;\n"
    "                         a size that is not a multiple of 4 bytes is an error\n"
    "      -q, --quiet        no warnings or progress on stderr\n"
    "      -v, --verbose      print a summary (shape, range, time, backend and why, kernel)\n"
    "                         on stdout\n"
    "      --fixed-point      compute with the integer front-end (wmel_fx.h, as on an MCU/NPU)\n"
    "      --dtype D          with --fixed-point: float32 (dequantised, default), int16 (Q13:\n"
    "                         x/8192) or int8 (scale 1/64, zero point -32); -v prints them\n"
    "      --preset NAME      a built-in front-end plan (wmel presets lists them)\n"
    "      --plan FILE.json   a front-end plan's JSON file (docs/frontends.md); the options\n"
    "                         below then change it\n"
    "      --hf-config PATH   the plan of a transformers feature extractor's configuration:\n"
    "                         preprocessor_config.json, processor_config.json or a model\n"
    "                         folder (a field wmel does not compute exactly is refused;\n"
    "                         CLVP's mel_norms, Gemma's per-bin mean/stddev are applied,\n"
    "                         also by stream and batch)\n"
    "      --frontend F       whisper (default) | nemo (n_mels, n//160+1) | kaldi (frames,\n"
    "                         n_mels; samples x 32768) | seamless (ceil(frames/2), 160);\n"
    "                         --n-mels 1..512 for those, and their options:\n"
    ;
/* after the plan's options (cli_fe_help) */
static const char MEL_HELP_TAIL[] =
    "      --cmvn FILE        the per-column affine of Kaldi CMVN statistics (cmvn.ark) or FunASR's am.mvn\n"
    ;
static const char DECODE_HELP[] =
    "wmel decode INPUT -o OUT.npy [options]\n"
    "    the decoded 16 kHz mono samples, float32 (n,): openai's load_audio(INPUT) bit for bit\n"
    "      -o, --output OUT.npy  the output file\n"
    "      -q, --quiet        no warnings or progress on stderr\n";
static const char WINDOWS_HELP[] =
    "wmel windows INPUT -o OUT.npy [options]\n"
    "    transcribe()'s 30 s windows, float32 (n_windows, n_mels, 3000)\n"
    "      -o, --output OUT.npy  the output file\n"
    "      --n-mels 80|128    mel bins (default 80)\n"
    "      --backend B        auto|ref|cpu|cuda|vulkan (default auto)\n"
    "      --threads N        CPU worker threads (default: all cores)\n"
    "      -q, --quiet        no warnings or progress on stderr\n";
static const char STEM_HELP[] =
    "wmel stem INPUT -w FILE.safetensors -o OUT.npy [options]\n"
    "    the Whisper encoder stem (conv1, conv2, GELU, + positions) on each 30 s window,\n"
    "    float32 (n_windows, 1500, d)\n"
    "      -w, --weights FILE.safetensors  the model's weights (HF names)\n"
    "      -o, --output OUT.npy  the output file\n"
    "      --n-mels 80|128    mel bins (default: the weights')\n"
    "      --backend B        the mel's backend: auto|ref|cpu|cuda|vulkan (default auto)\n"
    "      --threads N        worker threads (default: all cores)\n"
    "      -q, --quiet        no warnings or progress on stderr\n"
    "      -v, --verbose      print a summary on stdout\n";
static const char BATCH_HELP[] =
    "wmel batch MANIFEST -o OUTDIR [options]\n"
    "    a whole corpus to WebDataset shards (OUTDIR/shard-NNNNNN.tar, <key>.npy +\n"
    "    <key>.json per input), index.jsonl, errors.jsonl; rerun the same command to\n"
    "    resume. MANIFEST: one path per line, or .jsonl with \"path\" (and \"key\"); - = stdin\n"
    "      -o, --output OUTDIR  the output folder\n"
    "      --mode pad30|full|windows  30 s padded (default) | whole input | transcribe windows\n"
    "      --n-mels 80|128    mel bins (default 80)\n"
    "      --preset NAME      as for mel\n"
    "      --plan FILE.json   as for mel\n"
    "      --hf-config PATH   as for mel\n"
    "      --frontend F       whisper (default) | nemo | kaldi | seamless: that front-end's\n"
    "                         whole-input features, recorded in job.json\n"
    ;
/* after the plan's options (cli_fe_help_brief) */
static const char BATCH_HELP_TAIL[] =
    "      --cmvn FILE        as for mel (recorded in job.json)\n"
    "      -j, --jobs N       files at once (default: all cores)\n"
    "      --shard-size N     items per shard (default 1000)\n"
    "      --item-timeout S   an input that takes longer than S seconds is listed in\n"
    "                         errors.jsonl as timed out and the job goes on (0: no limit;\n"
    "                         default 60 s + 10 s per MiB of the file's data)\n"
    "      --backend B        auto|ref|cpu|cuda|vulkan (default cpu)\n"
    "      -q, --quiet        no progress or summary on stderr\n"
    "    exit 0: all done; 3: some inputs failed (errors.jsonl); 1: job failed\n";
static const char INSPECT_HELP[] =
    "wmel inspect INPUT -o REPORT.html [options]\n"
    "    every stage of any front-end plan (float64 reference) as pictures with axes,\n"
    "    colour bars and tables, in one self-contained page; the plan as for mel\n"
    "      -o, --output REPORT.html  the page\n"
    "      --preset NAME      a built-in front-end plan (wmel presets lists them)\n"
    "      --plan FILE.json   a front-end plan's JSON file (docs/frontends.md)\n"
    "      --frontend F       whisper|nemo|nemo-legacy|kaldi|seamless (default whisper)\n"
    "      --n-mels N         mel bins: 80|128 for whisper, 1..512 otherwise (default 80)\n"
    ;
static const char INSPECT_HELP_TAIL[] =
    "      --stages DIR       also write each stage as .npy into DIR (at most 300 s)\n"
    "      --start S          the span from S seconds at full resolution\n"
    "      --duration D       the span's length in seconds\n"
    "      --backend B        auto|ref|cpu|cuda|vulkan: that backend's output beside the reference\n"
    "      --threads N        CPU worker threads for --backend (default: all cores)\n"
    "      -q, --quiet        no warnings on stderr\n";
static const char COMPARE_HELP[] =
    "wmel compare A B [options]\n"
    "    where two front-ends' features differ, and by how much; A, B: FILE.npy or\n"
    "    IMPL:AUDIO (IMPL wmel or oracle here; others through python3 -m wmel.compare)\n"
    "      -o, --output REPORT.html  also write a page with both and their difference\n"
    "      --tol T            the largest |A - B| that exits 0 (default 1e-4)\n"
    "      --frontend F       whisper (default), nemo, nemo-legacy, kaldi or seamless: that\n"
    "                         front-end's rules align the two (their IMPL:AUDIO: python3 -m\n"
    "                         wmel.compare)\n"
    "      --preset NAME      any plan's layout and axes align the two; its wmel: and oracle:\n"
    "                         are computed here\n"
    "      --plan FILE.json   the same, from a plan's JSON file\n"
    "      --hf-config PATH   the same, from a transformers configuration (as for mel; its\n"
    "                         per-column values on wmel: and oracle:)\n"
    "      --cmvn FILE        the plan's per-column affine on wmel: and oracle: (as for mel)\n"
    "      --n-mels N         mel bins (80|128 for whisper; with a plan, as for mel)\n"
    ;
static const char COMPARE_HELP_TAIL[] =
    "      --backend B        auto|ref|cpu|cuda|vulkan: the backend of wmel: sources\n"
    "      --threads N        CPU worker threads of wmel: sources (default: all cores)\n"
    "      --axes F           time and frequency axes of front-end F for file sources\n"
    "                         (default whisper; kaldi: Kaldi's mel scale, frames 12.5 ms in)\n"
    "      --label-a TEXT     A's name in the report\n"
    "      --label-b TEXT     B's name in the report\n"
    "      --note TEXT        a note shown in the report (may be repeated)\n"
    "      -q, --quiet        no notes on stderr\n"
    "    exit 0 within --tol, 1 above it, 2 usage errors\n";
static const char STREAM_HELP[] =
    "wmel stream [options] < PCM\n"
    "    live audio: raw s16le 16 kHz mono PCM on standard input (what ffmpeg's -f s16le\n"
    "    and arecord's -f S16_LE write) to the front-end's frames before normalisation\n"
    "    (mel --norm none, or --frontend F --normalize none) as soon as each is complete:\n"
    "    float32, frame after frame (n_mels values each), on standard output, or OUT.npy\n"
    "    (n_frames, n_mels) written at the end\n"
    "      -o, --output OUT.npy  the output file (default: standard output, not a terminal)\n"
    "      --preset NAME      a built-in front-end plan (wmel presets lists them)\n"
    "      --plan FILE.json   a front-end plan's JSON file (docs/frontends.md)\n"
    "      --hf-config PATH   a transformers configuration's plan (as for mel)\n"
    "      --frontend F       whisper (default), nemo, nemo-legacy, kaldi or seamless\n"
    "      --n-mels N         mel bins (whisper 80|128, default 80; others 1..512)\n"
    "      --padding N        whisper: N zero samples after the input (openai's padding=)\n"
    ;
static const char STREAM_HELP_TAIL[] =
    "      --cmvn FILE        as for mel, on each frame (not a vector of the stacked rows)\n"
    "      -q, --quiet        accepted; only errors are printed\n";
static const char VECTORS_HELP[] =
    "wmel vectors --preset NAME | --plan FILE.json | --hf-config DIR -o PACK [options]\n"
    "    a conformance pack of the plan: inputs, the float64 reference's expected output and\n"
    "    every stage before it, stream cases, manifest.json with tolerances (docs/porting.md)\n"
    "      -o, --output PACK  the pack's folder (built beside it, then renamed into place)\n"
    "      --preset NAME      a built-in front-end plan (wmel presets lists them)\n"
    "      --plan FILE.json   a front-end plan's JSON file\n"
    "      --hf-config PATH   a transformers configuration's plan (as for mel)\n"
    "      --cmvn FILE        the plan's per-column affine (as for mel)\n"
    "      --frontend F       a family's plan, with mel's plan options after it\n"
    "      --speech FILE      the speech case's clip (default: the repository's\n"
    "                         data/speech_en.wav, the one installed with wmel, or\n"
    "                         the source tree's the command was built from)\n"
    "      --quick            the speech case's first second only, no 30 s cases (for tests)\n"
    "      --force            replace PACK when it holds a previous pack (manifest.json)\n"
    "      --threads N        CPU worker threads for the CPU backend's figures (default: all cores)\n"
    "      -q, --quiet        no summary on stderr\n"
    "wmel vectors check PACK OUTPUTS [--allow-missing] [--json] [-o REPORT.json] [-q]\n"
    "    grades a port's OUTPUTS/<case>.npy (or .f32; stages as <case>.<stage>.npy) case by\n"
    "    case: pass, fail, missing; the worst cell and the first diverging stage\n"
    "      --allow-missing    cases without an output do not fail the check\n"
    "      --json             the report as JSON on stdout\n"
    "      -o, --output REPORT.json  also write the JSON report to a file\n"
    "      -q, --quiet        no per-case lines\n"
    "    exit 0 when every present case passes, 1 on a failure, 2 usage errors\n";
static const char BENCH_LINE[] =
    "wmel bench [options]\n"
    "    time the CPU backend against FFTW and Python peers (options: wmel bench --help)\n";
static const char PRESETS_HELP[] =
    "wmel presets [--json NAME]\n"
    "    the built-in front-end presets: name, models, original (docs/frontends.md)\n"
    "      --json NAME        print the preset's JSON (what --plan FILE reads)\n";
static const char DEVICES_HELP[] =
    "wmel devices [--json] [--preset NAME]...\n"
    "    each device (the CPU with its ISA level, each CUDA and Vulkan device): its arithmetic,\n"
    "    its self-tests' results, and for each preset whether its frames and finish run there\n"
    "    or why not (wmel_backend_accepts: the plan's rules, before any ctx is made)\n"
    "      --json             the same as JSON on stdout\n"
    "      --preset NAME      only this preset (repeatable)\n";
static const char INPUT_HELP[] =
    "INPUT: with FFmpeg (see --version) any audio or video file FFmpeg reads, or - for any\n"
    "format on standard input (mel: --raw-f32 reads raw float32 little-endian samples,\n"
    "a file's or standard input's, instead); without FFmpeg a 16 kHz mono WAV file (PCM 16-bit or float32), or - for raw\n"
    "float32 samples. Long inputs stream in bounded memory; progress goes to stderr when it\n"
    "is a terminal (--quiet silences it). Errors: one line on stderr, exit 1 (2: usage).\n"
    "OUT: a file (written to a temporary file beside it, then renamed), or - for standard\n"
    "output (mel, decode, windows, stem; -v then reports on stderr).\n"
    "--: every argument after it is an operand (INPUT, A B, MANIFEST), for a file name that\n"
    "starts with - (wmel mel -o OUT.npy -- -take1.wav).\n";

/* A command's help: its text, then the plan's options where it takes them (from the
 * library's table: cli_fe_help, or cli_fe_help_brief without the options of skip), then the
 * rest of its text. */
enum { PLAN_NONE, PLAN_FULL, PLAN_BRIEF };
typedef struct {
    const char *head;
    int plan;      /* PLAN_* */
    unsigned skip; /* PLAN_BRIEF: the WMEL_PLAN_FIELD_* flags of the options left out */
    const char *tail;
} help_text;

static const help_text H_MEL = {MEL_HELP, PLAN_FULL, 0, MEL_HELP_TAIL};
static const help_text H_DECODE = {DECODE_HELP, PLAN_NONE, 0, NULL};
static const help_text H_WINDOWS = {WINDOWS_HELP, PLAN_NONE, 0, NULL};
static const help_text H_STEM = {STEM_HELP, PLAN_NONE, 0, NULL};
static const help_text H_BATCH = {BATCH_HELP, PLAN_BRIEF, 0, BATCH_HELP_TAIL};
static const help_text H_INSPECT = {INSPECT_HELP, PLAN_BRIEF, 0, INSPECT_HELP_TAIL};
static const help_text H_COMPARE = {COMPARE_HELP, PLAN_BRIEF, 0, COMPARE_HELP_TAIL};
/* the stream's frames come before the finish: its options are refused (cli_fe_finish_opt) */
static const help_text H_STREAM = {STREAM_HELP, PLAN_BRIEF, WMEL_PLAN_FIELD_FINISH, STREAM_HELP_TAIL};
static const help_text H_PRESETS = {PRESETS_HELP, PLAN_NONE, 0, NULL};
static const help_text H_DEVICES = {DEVICES_HELP, PLAN_NONE, 0, NULL};
static const help_text H_DIAGNOSE = {DIAGNOSE_HELP, PLAN_NONE, 0, NULL};
static const help_text H_PROBES = {PROBES_HELP, PLAN_NONE, 0, NULL};
static const help_text H_VECTORS = {VECTORS_HELP, PLAN_NONE, 0, NULL};
static const help_text H_BENCH = {BENCH_LINE, PLAN_NONE, 0, NULL};

static void put_help(const help_text *h, FILE *f)
{
    fputs(h->head, f);
    if (h->plan == PLAN_FULL) cli_fe_help(f);
    else if (h->plan == PLAN_BRIEF) cli_fe_help_brief(f, h->skip);
    if (h->tail) fputs(h->tail, f);
}

static void usage(FILE *f)
{
    fputs("usage: wmel COMMAND [options]\n\ncommands:\n", f);
    const help_text *all[] = {&H_MEL,   &H_DECODE,  &H_WINDOWS, &H_STEM,
                              &H_BATCH, &H_INSPECT, &H_COMPARE, &H_STREAM,
                              &H_PRESETS, &H_DEVICES, &H_DIAGNOSE, &H_PROBES, &H_VECTORS, &H_BENCH};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        fputs("  ", f);
        put_help(all[i], f);
        fputs("\n", f);
    }
    fputs(INPUT_HELP, f);
    fputs("\n  wmel -h, --help | --version\n", f);
}

/* Subcommands: one file each (cli/cmd_*.c), declared in commands.h. */
static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const help_text *help; /* NULL: the command prints its own (wmel bench --help) */
    int input;             /* 1: its help ends with the INPUT note */
} COMMANDS[] = {
    {"mel", cmd_mel, &H_MEL, 1},
    {"bench", cmd_bench, NULL, 0},
    {"decode", cmd_decode, &H_DECODE, 1},
    {"windows", cmd_windows, &H_WINDOWS, 1},
    {"stem", cmd_stem, &H_STEM, 1},
    {"batch", cmd_batch, &H_BATCH, 0},
    {"inspect", cmd_inspect, &H_INSPECT, 1},
    {"compare", cmd_compare, &H_COMPARE, 0},
    {"stream", cmd_stream, &H_STREAM, 0},
    {"presets", cmd_presets, &H_PRESETS, 0},
    {"devices", cmd_devices, &H_DEVICES, 0},
    {"diagnose", cmd_diagnose, &H_DIAGNOSE, 0},
    {"probes", cmd_probes, &H_PROBES, 0},
    {"vectors", cmd_vectors, &H_VECTORS, 0},
};

int main(int argc, char **argv)
{
#if defined(_WIN32)
    /* the arguments as UTF-8 (from the UTF-16 command line), whatever the code page */
    if (cli_utf8_args(&argc, &argv) != 0) {
        fputs("wmel: out of memory\n", stderr);
        return 1;
    }
#endif
    cli_out_handle_signals(); /* temporaries removed on SIGINT/SIGTERM/SIGHUP (Windows: Ctrl+C, Ctrl+Break, close) */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        /* the library's features, then the command's own (pictures) inside the brackets */
        const char *v = wmel_version();
        const size_t n = strlen(v);
#ifdef WMEL_HAVE_PNG
        const char *own = " png";
#else
        const char *own = "";
#endif
        if (n && v[n - 1] == ')') printf("wmel %.*s%s)\n", (int)(n - 1), v, own);
        else printf("wmel %s\n", v);
        return 0;
    }
    for (size_t c = 0; c < sizeof COMMANDS / sizeof COMMANDS[0]; c++) {
        if (strcmp(cmd, COMMANDS[c].name)) continue;
        for (int i = 2; i < argc && COMMANDS[c].help; i++)
            if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                fputs("usage: ", stdout);
                put_help(COMMANDS[c].help, stdout);
                if (COMMANDS[c].input) {
                    fputs("\n", stdout);
                    fputs(INPUT_HELP, stdout);
                }
                return 0;
            }
        return COMMANDS[c].fn(argc - 2, argv + 2);
    }
    cli_msg("wmel: unknown command '%s' (see wmel --help)", cmd);
    return 2;
}
