/*
 * cmd_stream.c -- `wmel stream [--frontend F] [plan options] [--n-mels N] [--padding N]
 * [-o OUT.npy]`: live audio. Reads raw signed 16-bit little-endian 16 kHz mono PCM on
 * standard input (what `ffmpeg -f s16le -ac 1 -ar 16000 -` and `arecord -f S16_LE -r 16000
 * -c 1` write) and computes the front-end's frames before normalisation (wmel mel
 * --norm none, or --frontend F --normalize none) through wmel_stream_*, each frame as soon
 * as its samples are in, with the per-column affine of --cmvn or --hf-config's values.
 * Without -o the frames go to standard output as they complete, raw float32 little-endian,
 * frame after frame (n_mels values each, the energy first with --use-energy); with -o they go to OUT.npy, float32 (n_frames, n_mels), committed
 * atomically at the end of the input (an error or a signal leaves nothing under the name).
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "commands.h"
#include "frontend.h"
#include "out.h"
#include "wmel.h"
#include "msg.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_BYTES 65536

typedef struct {
    int n_mels;
    FILE *raw;          /* standard output, or NULL */
    cli_npy_out *npy;  /* -o, or NULL */
    float *t;           /* [frames][n_mels] scratch */
    size_t t_cap;       /* frames */
    size_t frames;
    char *err;
    size_t err_len;
} sink;

/* The stream's [n_mels][nf] block, transposed to frames of n_mels values. */
static int on_frames(void *user, const float *raw, size_t f0, size_t nf)
{
    sink *k = user;
    (void)f0;
    const size_t rows = (size_t)k->n_mels;
    if (nf > k->t_cap) {
        float *nt = realloc(k->t, nf * rows * sizeof(float));
        if (!nt) {
            snprintf(k->err, k->err_len, "out of memory");
            return WMEL_ERR_NO_MEMORY;
        }
        k->t = nt;
        k->t_cap = nf;
    }
    for (size_t m = 0; m < rows; m++)
        for (size_t t = 0; t < nf; t++) k->t[t * rows + m] = raw[m * nf + t];
    k->frames += nf;
    if (k->npy) return cli_npy_out_write(k->npy, k->t, nf * rows, k->err, k->err_len);
    errno = 0;
    if (fwrite(k->t, sizeof(float), nf * rows, k->raw) != nf * rows || fflush(k->raw) != 0) {
        snprintf(k->err, k->err_len, "standard output: %s",
                 errno ? strerror(errno) : "write failed");
        return WMEL_ERR_IO;
    }
    return WMEL_OK;
}

int cmd_stream(int argc, char **argv)
{
    const char *out = NULL;
    int quiet = 0, pr; /* -q: accepted; stream prints nothing but errors */
    size_t padding = 0;
    int have_padding = 0;
    wmel_params p = wmel_default_params();
    p.norm = WMEL_NORM_NONE;
    p.n_threads = 1; /* live audio: a few frames at a time */
    cli_fe fe;
    cli_fe_init(&fe);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_fe_finish_opt(a)) {
            cli_msg("wmel: stream: %s does not apply: the stream's frames are those "
                         "before normalisation and padding", a);
            return 2;
        }
        if (!strcmp(a, "--frontend") && !v) return cli_usage("stream: --frontend needs a value");
        if ((pr = cli_fe_opt(a, v, &fe)) != 0) {
            if (pr == 2) return 2;
            if (pr == 1) i++;
        } else if ((pr = cli_common(argc, argv, &i, &out, &quiet, &p)) != 0) {
            if (pr == 2) return 2;
        } else if (!strcmp(a, "--padding")) {
            if (!v || cli_size(v, &padding) != 0)
                return cli_usage("stream: --padding needs a count of samples (>= 0)");
            have_padding = 1;
            i++;
        } else {
            cli_msg("wmel: stream: unknown argument '%s' (it reads standard input; "
                         "see wmel --help)", a);
            return 2;
        }
    }
    wmel_frontend_plan plan;
    fe.takes_cols = 1; /* --cmvn, --hf-config's per-column values: on each frame (wmel_stream_create) */
    if (cli_fe_plan(&fe, &plan)) return 2;
    if ((fe.cmvn || fe.hf_cols) && plan.cols_stacked) {
        cli_msg("wmel: stream: %s: a per-column affine of the stacked rows (cols_stacked) does not apply: the "
                "stream's frames are unstacked",
                cli_fe_label(&fe));
        return 2;
    }
    if (!cli_fe_whisper(&fe) && have_padding) {
        cli_msg("wmel: stream: --padding applies to the whisper preset only (--frontend whisper, at most --n-mels)");
        return 2;
    }
    /* the library's live rule: normalisation off, a finish that needs the whole clip refused */
    char why[512];
    if (wmel_plan_for_stream(&plan, &plan, why, sizeof why)) {
        cli_msg("wmel: stream: %s: %s", cli_fe_label(&fe), why);
        return 2;
    }
    if (!out && isatty(STDOUT_FILENO))
        return cli_usage("stream: standard output is a terminal: redirect it (raw "
                              "float32 frames) or use -o OUT.npy");
    if (out) {
        const char *outs[1] = {out}, *ins[1] = {"-"};
        if (cli_check_files(outs, 1, ins, 1)) return 1;
    }

    /* Streams compute with the CPU kernels (wmel_stream_* on any ctx): its frames equal
     * `wmel mel --backend cpu --norm none`; AUTO would pick a CUDA device for nothing. */
    if (p.backend == WMEL_BACKEND_AUTO) p.backend = WMEL_BACKEND_CPU;
    char err[1024] = "";
    int st;
    wmel_ctx *ctx = cli_fe_ctx(&p, &plan, &fe, &st, err, sizeof err);
    if (!ctx) {
        cli_msg("wmel: stream: %s", err);
        return 1;
    }
    const int n_cols = plan.n_ceps > 0 ? plan.n_ceps : plan.n_mels + plan.use_energy;
    cli_npy_out npy;
    sink k = {n_cols, out ? NULL : stdout, out ? &npy : NULL, NULL, 0, 0, err, sizeof err};
    int rc = out ? cli_npy_out_open(&npy, out, err, sizeof err) : WMEL_OK;
    int opened = out && rc == WMEL_OK;
    wmel_stream *s = rc == WMEL_OK ? wmel_stream_create(ctx, padding, on_frames, &k, &st) : NULL;
    if (rc == WMEL_OK && !s) {
        rc = st;
        snprintf(err, sizeof err, "%s", wmel_strerror(st));
    }
    unsigned char *bytes = malloc(READ_BYTES + 1);
    float *pcm = malloc(READ_BYTES / 2 * sizeof(float));
    if (rc == WMEL_OK && (!bytes || !pcm)) {
        rc = WMEL_ERR_NO_MEMORY;
        snprintf(err, sizeof err, "out of memory");
    }
    size_t have = 0;    /* bytes in `bytes` not yet turned into samples (0 or 1) */
    size_t total = 0;   /* bytes read */
    while (rc == WMEL_OK) {
        ssize_t r = read(STDIN_FILENO, bytes + have, READ_BYTES - have);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = WMEL_ERR_IO;
            snprintf(err, sizeof err, "standard input: %s", strerror(errno));
            break;
        }
        if (r == 0) break;
        total += (size_t)r;
        have += (size_t)r;
        size_t n = have / 2;
        for (size_t i = 0; i < n; i++) {
            int16_t v = (int16_t)(uint16_t)(bytes[2 * i] | (unsigned)bytes[2 * i + 1] << 8);
            pcm[i] = (float)v * (1.0f / 32768.0f); /* openai's load_audio: exact */
        }
        if (have % 2) bytes[0] = bytes[have - 1];
        have %= 2;
        rc = wmel_stream_push(s, pcm, n);
        if (rc && !err[0]) snprintf(err, sizeof err, "standard input: %s", wmel_strerror(rc));
    }
    if (rc == WMEL_OK && have) {
        rc = WMEL_ERR_FORMAT;
        snprintf(err, sizeof err, "standard input: %zu bytes is not a whole number of 16-bit "
                                  "samples (raw s16le PCM expected)", total);
    }
    if (rc == WMEL_OK) {
        rc = wmel_stream_finish(s);
        if (rc == WMEL_ERR_TOO_SHORT)
            snprintf(err, sizeof err, "standard input: %zu samples%s are too few for a frame "
                                      "(more than %d are needed)", total / 2,
                     padding ? " with the padding" : "", plan.n_fft / 2);
        else if (rc == WMEL_ERR_NO_SAMPLES)
            snprintf(err, sizeof err, "standard input: no samples");
        else if (rc && !err[0])
            snprintf(err, sizeof err, "standard input: %s", wmel_strerror(rc));
    }
    if (opened) {
        size_t shape[2] = {k.frames, (size_t)n_cols};
        if (rc == WMEL_OK) rc = cli_npy_out_commit(&npy, shape, 2, err, sizeof err);
        else cli_npy_out_abort(&npy);
    }
    wmel_stream_destroy(s);
    wmel_destroy(ctx);
    free(bytes);
    free(pcm);
    free(k.t);
    if (rc) {
        cli_msg("wmel: stream: %s", err);
        return 1;
    }
    return 0;
}
