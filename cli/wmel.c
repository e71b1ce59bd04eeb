/*
 * wmel.c -- the `wmel` command: Whisper log-Mel features from audio files.
 *
 *   wmel mel INPUT -o OUT.npy [--n-mels 80|128] [--padding N] [--pad-30s]
 *                  [--norm whole|none] [--backend auto|ref|cpu|cuda] [--threads N]
 *                  [--png PICTURE.png] [--smooth 3x3|none] [--quiet]
 *
 * Every failure prints one line on stderr naming the file and the reason, exits
 * non-zero, and leaves no output file behind (outputs are written to a temporary file
 * and renamed into place).
 */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"
#include "util.h"
#include "progress.h"
#include "wmel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ERRLEN 1024

static const char *USAGE =
    "usage: wmel COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  mel INPUT -o OUT.npy   log-Mel spectrogram, float32 (n_mels, n_frames)\n"
    "      --n-mels 80|128    mel bins (default 80)\n"
    "      --padding N        append N zero samples first (openai's padding=)\n"
    "      --pad-30s          pad or trim the audio to 30 s (480000 samples) first\n"
    "      --norm whole|none  whole: openai's max-8 and (x+4)/4 (default); none: raw log10\n"
    "      --backend B        auto|ref|cpu|cuda (default auto)\n"
    "      --threads N        CPU worker threads (default: all cores)\n"
    "      --png FILE.png     also write a picture of the spectrogram\n"
    "      --smooth 3x3       3x3 average smoothing of the result (avg_pool2d, zeros outside);\n"
    "                         --smooth none: none (the default)\n"
    "      --quiet            no warnings on stderr\n"
    "      -v, --verbose      print a summary (shape, range, time, kernel) on stdout\n"
    "\n"
    "  decode INPUT -o OUT.npy  the decoded 16 kHz mono samples, float32 (n,): openai's\n"
    "                         load_audio(INPUT) bit for bit   [--quiet]\n"
    "  windows INPUT -o OUT.npy  transcribe()'s 30 s windows, float32 (n_windows, n_mels, 3000)\n"
    "      --n-mels 80|128  --backend B  --threads N  --quiet\n"
    "  stem INPUT --weights FILE.safetensors -o OUT.npy  the Whisper encoder stem (conv1,\n"
    "                         conv2, GELU, + positions) on each window, float32\n"
    "                         (n_windows, 1500, d)   [--n-mels 80|128  --threads N  -v  --quiet]\n"
    "\n"
    "INPUT: with FFmpeg (see --version) any audio or video file FFmpeg reads, or - for any\n"
    "format on standard input (mel: --raw-f32 reads raw float32 little-endian samples\n"
    "instead); without FFmpeg a 16 kHz mono WAV file (PCM 16-bit or float32), or - for raw\n"
    "float32 samples. Long inputs stream in bounded memory; progress goes to stderr when it\n"
    "is a terminal (--quiet silences it).\n"
    "  bench                  time the CPU backend against FFTW and Python peers\n"
    "                         (wmel bench --help)\n"
    "  wmel --help | --version\n";

static int die(const char *msg)
{
    fprintf(stderr, "wmel: %s\n", msg);
    return 1;
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    if (!s || *s == '-' || !*s) return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = (size_t)v;
    return 0;
}

/* Loads INPUT as 16 kHz mono float samples: FFmpeg (any format, "-" = stdin) when
 * built with it, else the WAV reader; raw float32 on stdin with --raw-f32 (and for "-"
 * without FFmpeg). */
static int load_input(const char *path, float **pcm, size_t *n, int quiet, int raw, char *err)
{
    char warn[ERRLEN] = "";
    int rc;
    if (!strcmp(path, "-") && (raw || !wmel_have_ffmpeg()))
        rc = wmel_read_raw_f32_stdin(pcm, n, err, ERRLEN);
    else
        rc = wmel_load_audio(path, pcm, n, err, ERRLEN, warn, sizeof warn);
    if (rc == WMEL_OK && warn[0] && !quiet) fprintf(stderr, "wmel: warning: %s\n", warn);
    return rc;
}

int cmd_mel(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *png = NULL;
    wmel_params p = wmel_default_params();
    size_t padding = 0;
    int smooth = 0;
    int pad30 = 0, quiet = 0, verbose = 0, raw = 0, pr;
    char err[ERRLEN];
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((pr = wmel_cli_common(argc, argv, &i, &out, &quiet, &p)) != 0) {
            if (pr == 2) return 2;
        } else if (!strcmp(a, "--padding")) {
            if (parse_size(v, &padding)) return die("--padding takes a number of samples >= 0");
            i++;
        } else if (!strcmp(a, "--pad-30s")) {
            pad30 = 1;
        } else if (!strcmp(a, "--norm")) {
            if (!v) return die("--norm takes whole or none");
            if (!strcmp(v, "whole")) p.norm = WMEL_NORM_WHOLE;
            else if (!strcmp(v, "none")) p.norm = WMEL_NORM_NONE;
            else return die("--norm takes whole or none");
            i++;
        } else if (!strcmp(a, "--smooth")) {
            if (!v || (strcmp(v, "3x3") && strcmp(v, "none"))) return die("--smooth takes 3x3 or none");
            smooth = !strcmp(v, "3x3");
            p.smooth = smooth ? WMEL_SMOOTH_3X3 : WMEL_SMOOTH_NONE; /* fused into the normalisation pass */
            i++;
        } else if (!strcmp(a, "--png")) {
            if (!v) return die("--png needs a file name");
            png = v;
            i++;
        } else if (!strcmp(a, "--raw-f32")) {
            raw = 1;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            verbose = 1;
        } else if (wmel_cli_positional(a, &in) != 0) {
            return 2;
        }
    }
    if (!in) return die("mel: no INPUT given (see wmel --help)");
    if (!out) return die("mel: no output given: use -o OUT.npy");

    float *pcm = NULL;
    size_t n = 0;
    int rc = WMEL_OK;
    if (!png && !pad30 && !smooth && !(raw && !strcmp(in, "-")) && (wmel_have_ffmpeg() || strcmp(in, "-"))) {
        /* inputs over 2 minutes stream in bounded memory (cli/mel_long.c); smoothing needs
           the whole clip (streams refuse it), so --smooth takes the path below */
        int ex = wmel_cli_mel_long(in, &p, padding, out, quiet, verbose, &pcm, &n);
        if (ex >= 0) return ex;
    } else {
        rc = load_input(in, &pcm, &n, quiet, raw, err);
    }
    if (rc) {
        fprintf(stderr, "wmel: %s\n", err);
        return 1;
    }
    if (pad30) {
        float *t = malloc(WMEL_CHUNK_SAMPLES * sizeof(float));
        if (!t) {
            free(pcm);
            return die("out of memory");
        }
        wmel_pad_or_trim(pcm, n, t, WMEL_CHUNK_SAMPLES);
        free(pcm);
        pcm = t;
        n = WMEL_CHUNK_SAMPLES;
    }
    int st;
    wmel_ctx *ctx = wmel_create(&p, &st);
    if (!ctx) {
        free(pcm);
        fprintf(stderr, "wmel: %s\n", wmel_strerror(st));
        return 1;
    }
    size_t nf = wmel_n_frames(n, padding);
    size_t count = (size_t)p.n_mels * nf;
    float *mel = count ? malloc(count * sizeof(float)) : NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (count && !mel) rc = WMEL_ERR_NO_MEMORY;
    else rc = wmel_log_mel(ctx, pcm, n, padding, mel, count);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(pcm);
    if (rc == WMEL_OK && verbose) {
        double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) * 1e-6;
        float lo = mel[0], hi = mel[0];
        double sum = 0;
        for (size_t i = 0; i < count; i++) {
            lo = mel[i] < lo ? mel[i] : lo;
            hi = mel[i] > hi ? mel[i] : hi;
            sum += mel[i];
        }
        printf("%s: %zu samples (%.2f s at 16 kHz) + %zu padding -> (%d, %zu) float32\n", in, n,
               n / 16000.0, padding, p.n_mels, nf);
        printf("  min %.4f  max %.4f  mean %.4f\n", lo, hi, sum / (double)count);
        printf("  %.3f ms on backend %s, kernel %s, %d thread(s)  (%.0fx realtime)\n", ms,
               wmel_backend_name(ctx), wmel_kernel_name(ctx), wmel_ctx_n_threads(ctx),
               ms > 0 ? n / 16.0 / ms : 0.0);
    }
    wmel_destroy(ctx);
    if (rc) {
        free(mel);
        fprintf(stderr, "wmel: %s: %s\n", in, wmel_strerror(rc));
        return 1;
    }
    size_t shape[2] = {(size_t)p.n_mels, nf};
    rc = wmel_write_npy_atomic(out, shape, 2, mel, err, sizeof err);
    if (rc == WMEL_OK && png) {
        rc = wmel_write_png(png, mel, p.n_mels, nf, err, sizeof err);
        if (rc) remove(out); /* all or nothing */
    }
    free(mel);
    if (rc) {
        fprintf(stderr, "wmel: %s\n", err);
        return 1;
    }
    return 0;
}

/* Subcommands: one file each (cli/cmd_*.c), declared in commands.h. */
static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} COMMANDS[] = {
    {"mel", cmd_mel},
    {"bench", cmd_bench},
    {"decode", cmd_decode},
    {"windows", cmd_windows},
    {"stem", cmd_stem},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("wmel %s\n", wmel_version());
        return 0;
    }
    for (size_t c = 0; c < sizeof COMMANDS / sizeof COMMANDS[0]; c++) {
        if (strcmp(cmd, COMMANDS[c].name)) continue;
        for (int i = 2; i < argc; i++)
            if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                fputs(USAGE, stdout);
                return 0;
            }
        return COMMANDS[c].fn(argc - 2, argv + 2);
    }
    fprintf(stderr, "wmel: unknown command '%s' (see wmel --help)\n", cmd);
    return 2;
}
