/*
 * cmd_mel.c -- `wmel mel INPUT -o OUT.npy [--n-mels 80|128] [--padding N] [--pad-30s]
 * [--norm whole|none] [--backend auto|ref|cpu|cuda] [--threads N] [--png PICTURE.png]
 * [--smooth 3x3|none] [--raw-f32] [--quiet] [-v] [--fixed-point [--dtype D]]`: the
 * log-Mel spectrogram, float32 (n_mels, n_frames); --fixed-point: through the integer
 * front-end (cli/mel_fixed.c). With `--frontend nemo|kaldi|seamless` (and that
 * front-end's options, frontend.c) the features of that front-end in its original's
 * layout (mel_frontend); over 2 minutes in bounded memory too (mel_fe_long: the plan's
 * stream into fe_spool.c, which applies the front-end's normalisation and layout while
 * writing, bit-identical to wmel_features on the whole clip).
 *
 * Long inputs in bounded memory (mel_long): the input is decoded into memory up to
 * MEL_LONG_SAMPLES (2 minutes); a shorter input goes back to the whole-clip path. A
 * longer one streams: wmel_stream computes raw log10 frames in blocks, which go to a
 * scratch file ($TMPDIR, else /tmp) as [n_mels][block] runs; once the global max and
 * the frame count are known, a second pass over that file normalises each run and writes its rows into place in
 * the (n_mels, n_frames) .npy. Memory: the decoder, one block of frames, one run (a few
 * MB), whatever the length.
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "commands.h"
#include "fe_spool.h"
#include "frontend.h"
#include "input.h"
#include "out.h"
#include "progress.h"
#include "wmel.h"
#include "msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#define ERRLEN 1024

#define MEL_LONG_SAMPLES ((size_t)WMEL_SAMPLE_RATE * 120)
#define CHUNK 65536
#define FE_CHUNK (4 * CHUNK) /* a plan's stream: about 1600 frames per push for its workers */
#define FE_SPOOL_MEM ((size_t)8 << 20) /* raw runs held in memory before a temporary file */

typedef struct spill {
    FILE *f;
    int n_mels;
    size_t runs;
    int failed;
    int err; /* errno of the failed write: later calls overwrite errno */
} spill;

/* Each run: first frame, frame count, then [n_mels][nf] raw values. */
static int to_spill(void *user, const float *raw, size_t f0, size_t nf)
{
    spill *s = user;
    size_t hdr[2] = {f0, nf}, cnt = (size_t)s->n_mels * nf;
    errno = 0;
    if (fwrite(hdr, sizeof hdr, 1, s->f) != 1 || fwrite(raw, sizeof(float), cnt, s->f) != cnt) {
        s->failed = 1;
        s->err = errno;
        return WMEL_ERR_IO;
    }
    s->runs++;
    return WMEL_OK;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Resizes *buf to hold `want` floats (*buf unchanged on failure). */
static int grow(float **buf, size_t *cap, size_t want)
{
    float *nb = realloc(*buf, want * sizeof *nb);
    if (!nb) return WMEL_ERR_NO_MEMORY;
    *buf = nb;
    *cap = want;
    return WMEL_OK;
}

/* Decodes up to MEL_LONG_SAMPLES samples into *head (malloc'ed, *cap floats, *len held;
 * fewer at the end of the input); a wmel status. */
static int read_head(wmel_decoder *d, float **head, size_t *cap, size_t *len)
{
    size_t got = 0;
    *cap = 1 << 20;
    *len = 0;
    *head = malloc(*cap * sizeof **head);
    int rc = *head ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    while (rc == WMEL_OK && *len < MEL_LONG_SAMPLES) {
        if (*len == *cap &&
            (rc = grow(head, cap, 2 * *cap < MEL_LONG_SAMPLES ? 2 * *cap : MEL_LONG_SAMPLES)) != WMEL_OK)
            break;
        rc = wmel_decoder_read(d, *head + *len, *cap - *len, &got);
        *len += got;
        if (got == 0) break;
    }
    return rc;
}

/* Second pass: normalise the spilled runs and write (n_mels, nf) rows into the output. */
static int write_out(spill *s, const wmel_params *p, float mx, size_t nf, const char *in,
                     const char *out, char *err, size_t err_len)
{
    wmel_npy_out o;
    int rc = wmel_npy_out_open(&o, out, err, err_len);
    if (rc) return rc;
    float *buf = NULL;
    size_t cap = 0;
    int werr = 0;
    errno = 0;
    if (fflush(s->f) != 0 || fseeko(s->f, 0, SEEK_SET) != 0) { /* a full /tmp often shows here */
        snprintf(err, err_len, "%s: cannot write the temporary file (in %s, $TMPDIR): %s", in,
                 wmel_cli_tmpdir(), errno ? strerror(errno) : "unknown error");
        wmel_npy_out_abort(&o);
        return WMEL_ERR_IO;
    }
    for (size_t r = 0; r < s->runs && rc == WMEL_OK; r++) {
        size_t hdr[2];
        if (fread(hdr, sizeof hdr, 1, s->f) != 1 || hdr[0] + hdr[1] > nf) {
            rc = WMEL_ERR_IO;
            break;
        }
        size_t cnt = (size_t)p->n_mels * hdr[1];
        if (cnt > cap && (rc = grow(&buf, &cap, cnt)) != WMEL_OK) break;
        if (fread(buf, sizeof(float), cnt, s->f) != cnt) {
            rc = WMEL_ERR_IO;
            break;
        }
        if (p->norm == WMEL_NORM_WHOLE) wmel_normalize(buf, cnt, mx);
        for (int m = 0; m < p->n_mels && rc == WMEL_OK; m++) {
            long long at = WMEL_NPY_FIXED_HEADER + (long long)(((size_t)m * nf + hdr[0]) * sizeof(float));
            errno = 0;
            if (wmel_out_seek(&o.o, at) != 0 ||
                fwrite(buf + (size_t)m * hdr[1], sizeof(float), hdr[1], o.o.f) != hdr[1]) {
                rc = WMEL_ERR_IO;
                werr = errno;
            }
        }
    }
    free(buf);
    if (rc) {
        if (rc == WMEL_ERR_NO_MEMORY) snprintf(err, err_len, "%s: out of memory", out);
        else snprintf(err, err_len, "%s: write failed: %s", out, werr ? strerror(werr) : "unknown error");
        wmel_npy_out_abort(&o);
        return rc;
    }
    size_t shape[2] = {(size_t)p->n_mels, nf};
    return wmel_npy_out_commit(&o, shape, 2, err, err_len);
}

/* Decodes the head of INPUT; when it is shorter than MEL_LONG_SAMPLES returns -1 with the
 * samples in *pcm, *n (malloced) for the whole-clip path; otherwise streams the features
 * to `out` in bounded memory and returns the exit status (messages printed). */
static int mel_long(const char *in, const wmel_params *p, size_t padding, const char *out,
                    int quiet, int verbose, float **pcm, size_t *n)
{
    char err[1024] = "";
    int st;
    *pcm = NULL;
    *n = 0;
    double t0 = now();
    wmel_decoder *d = wmel_decoder_open(in, &st, err, sizeof err);
    if (!d) {
        wmel_cli_msg("wmel: %s", err);
        return 1;
    }
    /* the head of the input, in memory */
    size_t cap, len, got = 0;
    float *head;
    int rc = read_head(d, &head, &cap, &len);
    if (rc == WMEL_OK && len < MEL_LONG_SAMPLES) { /* short: cmd_mel's whole-clip path */
        if (!quiet && wmel_decoder_warning(d)[0])
            wmel_cli_msg("wmel: warning: %s", wmel_decoder_warning(d));
        wmel_decoder_close(d);
        *pcm = head;
        *n = len;
        return -1;
    }
    wmel_ctx *ctx = NULL;
    wmel_stream *ws = NULL;
    spill sp = {NULL, p->n_mels, 0, 0, 0};
    if (rc == WMEL_OK) {
        ctx = wmel_create(p, &st);
        if (!ctx) rc = st;
    }
    if (rc == WMEL_OK) {
        sp.f = wmel_cli_tmpfile();
        if (!sp.f) {
            rc = WMEL_ERR_IO;
            snprintf(err, sizeof err, "%s: cannot create a temporary file in %s ($TMPDIR): %s", in,
                     wmel_cli_tmpdir(), strerror(errno));
        }
    }
    if (rc == WMEL_OK) {
        ws = wmel_stream_create(ctx, padding, to_spill, &sp, &st);
        if (!ws) rc = st;
    }
    if (rc == WMEL_OK) rc = wmel_stream_push(ws, head, len);
    free(head);
    head = NULL;
    wmel_progress pg;
    wmel_progress_init(&pg, in, quiet);
    double total = wmel_decoder_duration(d);
    float buf_small[1];
    float *buf = rc == WMEL_OK ? malloc(CHUNK * sizeof *buf) : buf_small;
    if (!buf) rc = WMEL_ERR_NO_MEMORY;
    while (rc == WMEL_OK) {
        rc = wmel_decoder_read(d, buf, CHUNK, &got);
        if (rc || got == 0) break;
        rc = wmel_stream_push(ws, buf, got);
        wmel_progress_cb(&pg, (double)wmel_decoder_samples(d) / WMEL_SAMPLE_RATE, total);
    }
    if (buf != buf_small) free(buf);
    if (rc == WMEL_OK) rc = wmel_stream_finish(ws);
    wmel_progress_end(&pg);
    if (!quiet && wmel_decoder_warning(d)[0])
        wmel_cli_msg("wmel: warning: %s", wmel_decoder_warning(d));
    size_t samples = wmel_stream_samples(ws), nf = wmel_n_frames(samples, padding);
    if (!err[0] && rc) {
        if (wmel_decoder_error(d)[0]) snprintf(err, sizeof err, "%s", wmel_decoder_error(d));
        else if (sp.failed)
            snprintf(err, sizeof err, "%s: cannot write the temporary file (in %s, $TMPDIR): %s", in,
                     wmel_cli_tmpdir(), sp.err ? strerror(sp.err) : "unknown error");
        else snprintf(err, sizeof err, "%s: %s", in, wmel_strerror(rc));
    }
    if (rc == WMEL_OK) rc = write_out(&sp, p, wmel_stream_max(ws), nf, in, out, err, sizeof err);
    if (rc == WMEL_OK && verbose) {
        double s = now() - t0;
        fprintf(wmel_cli_info(out, NULL), "%s: %zu samples (%.2f s at 16 kHz) + %zu padding -> (%d, %zu) float32, streamed, front-end whisper\n",
               wmel_cli_esc(in), samples, samples / 16000.0, padding, p->n_mels, nf);
        fprintf(wmel_cli_info(out, NULL), "  %.3f s on backend %s, kernel %s, %d thread(s)  (%.0fx realtime)\n", s,
               wmel_backend_name(ctx), wmel_kernel_name(ctx), wmel_ctx_n_threads(ctx),
               s > 0 ? samples / 16000.0 / s : 0.0);
    }
    if (sp.f) fclose(sp.f);
    wmel_stream_destroy(ws);
    wmel_destroy(ctx);
    wmel_decoder_close(d);
    free(head);
    if (rc) {
        wmel_cli_msg("wmel: %s", err);
        return 1;
    }
    return 0;
}

static int die(const char *msg)
{
    wmel_cli_msg("wmel: %s", msg);
    return 1;
}

/* Another front-end than Whisper's, an input over MEL_LONG_SAMPLES: the plan's frames
 * through a wmel_stream into a spool, then the front-end's finish written sequentially in
 * the original's layout (fe_spool.c), bit-identical to wmel_features() on the whole clip.
 * Decodes the head of INPUT; when it is shorter returns -1 with the samples in *pcm, *n
 * (malloced) for the whole-clip path; otherwise returns the exit status (messages
 * printed). */
static int mel_fe_long(const char *in, const char *out, const wmel_params *p,
                       const wmel_frontend_plan *plan, int quiet, int verbose, float **pcm, size_t *n)
{
    char err[ERRLEN] = "";
    int st;
    *pcm = NULL;
    *n = 0;
    double t0 = now();
    wmel_decoder *d = wmel_decoder_open(in, &st, err, sizeof err);
    if (!d) {
        wmel_cli_msg("wmel: %s", err);
        return 1;
    }
    size_t cap, len, got = 0;
    float *head;
    int rc = read_head(d, &head, &cap, &len);
    if (rc == WMEL_OK && len < MEL_LONG_SAMPLES) { /* short: the whole-clip path */
        if (!quiet && wmel_decoder_warning(d)[0])
            wmel_cli_msg("wmel: warning: %s", wmel_decoder_warning(d));
        wmel_decoder_close(d);
        *pcm = head;
        *n = len;
        return -1;
    }
    wmel_ctx *ctx = NULL;
    wmel_fe_spool *sp = NULL;
    int plan_failed = 0;
    if (rc == WMEL_OK) {
        ctx = wmel_create_plan(p, plan, &st); /* each block of the stream on its threads */
        if (!ctx) {
            rc = st;
            plan_failed = 1;
            snprintf(err, sizeof err, "--frontend %s: %s", wmel_cli_fe_name(plan->frontend), wmel_strerror(st));
        }
    }
    if (rc == WMEL_OK) {
        sp = wmel_fe_spool_new(ctx, FE_SPOOL_MEM, &st);
        if (!sp) rc = st;
    }
    if (rc == WMEL_OK) rc = wmel_fe_spool_push(sp, head, len);
    free(head);
    head = NULL;
    wmel_progress pg;
    wmel_progress_init(&pg, in, quiet || plan_failed);
    double total = wmel_decoder_duration(d);
    float *buf = rc == WMEL_OK ? malloc(FE_CHUNK * sizeof *buf) : NULL;
    if (rc == WMEL_OK && !buf) rc = WMEL_ERR_NO_MEMORY;
    while (rc == WMEL_OK) {
        rc = wmel_decoder_read(d, buf, FE_CHUNK, &got);
        if (rc || got == 0) break;
        rc = wmel_fe_spool_push(sp, buf, got);
        wmel_progress_cb(&pg, (double)wmel_decoder_samples(d) / WMEL_SAMPLE_RATE, total);
    }
    free(buf);
    if (rc == WMEL_OK) rc = wmel_fe_spool_finish(sp);
    wmel_progress_end(&pg);
    if (!quiet && !plan_failed && wmel_decoder_warning(d)[0])
        wmel_cli_msg("wmel: warning: %s", wmel_decoder_warning(d));
    if (!err[0] && rc) {
        if (wmel_decoder_error(d)[0]) snprintf(err, sizeof err, "%s", wmel_decoder_error(d));
        else if (sp && wmel_fe_spool_errno(sp))
            snprintf(err, sizeof err, "%s: cannot write the temporary file (in %s, $TMPDIR): %s", in,
                     wmel_cli_tmpdir(), strerror(wmel_fe_spool_errno(sp)));
        else snprintf(err, sizeof err, "%s: %s", in, wmel_strerror(rc));
    }
    size_t rows = 0, cols = 0;
    if (rc == WMEL_OK) {
        wmel_fe_spool_shape(sp, &rows, &cols);
        size_t shape[2] = {rows, cols};
        char h[256];
        size_t hl = wmel_npy_header(h, sizeof h, shape, 2, 0);
        wmel_out on;
        rc = wmel_out_open(&on, out, 0, err, sizeof err);
        if (rc == WMEL_OK) {
            errno = 0;
            if (fwrite(h, 1, hl, on.f) != hl) {
                snprintf(err, sizeof err, "%s: write failed: %s", out, errno ? strerror(errno) : "unknown error");
                rc = WMEL_ERR_IO;
            }
            if (rc == WMEL_OK) rc = wmel_fe_spool_write(sp, on.f, out, err, sizeof err);
            if (rc == WMEL_OK) rc = wmel_out_commit(&on, err, sizeof err);
            else wmel_out_abort(&on);
        }
    }
    if (rc == WMEL_OK && verbose) {
        double s = now() - t0;
        size_t samples = wmel_fe_spool_samples(sp);
        fprintf(wmel_cli_info(out, NULL), "%s: %zu samples (%.2f s at %d Hz) -> (%zu, %zu) float32, streamed, front-end %s\n",
                wmel_cli_esc(in), samples, samples / (double)plan->sample_rate, plan->sample_rate, rows, cols,
                wmel_cli_fe_name(plan->frontend));
        fprintf(wmel_cli_info(out, NULL), "  %.3f s on backend %s, kernel %s, %d thread(s)  (%.0fx realtime)\n", s,
                wmel_backend_name(ctx), wmel_kernel_name(ctx), 1,
                s > 0 ? samples / (double)plan->sample_rate / s : 0.0);
    }
    wmel_fe_spool_free(sp);
    wmel_destroy(ctx);
    wmel_decoder_close(d);
    free(head);
    if (rc) {
        wmel_cli_msg("wmel: %s", err);
        return 1;
    }
    return 0;
}

/* Another front-end than Whisper's: inputs over MEL_LONG_SAMPLES in bounded memory
 * (mel_fe_long); shorter ones, raw samples on standard input and the float64 reference
 * backend (whose values the stream does not compute) whole in memory, wmel_features(),
 * the original's layout. */
static int mel_frontend(const char *in, const char *out, const wmel_params *p,
                        const wmel_frontend_plan *plan, int quiet, int verbose, int raw)
{
    char err[ERRLEN];
    float *pcm = NULL;
    size_t n = 0;
    int rc = WMEL_OK;
    if (p->backend != WMEL_BACKEND_REF && !(raw && !strcmp(in, "-")) && (wmel_have_ffmpeg() || strcmp(in, "-"))) {
        int ex = mel_fe_long(in, out, p, plan, quiet, verbose, &pcm, &n);
        if (ex >= 0) return ex;
    } else {
        rc = wmel_cli_load_input(in, &pcm, &n, quiet, raw, err, sizeof err);
    }
    if (rc) {
        wmel_cli_msg("wmel: %s", err);
        return 1;
    }
    int st;
    wmel_ctx *ctx = wmel_create_plan(p, plan, &st);
    if (!ctx) {
        free(pcm);
        wmel_cli_msg("wmel: --frontend %s: %s", wmel_cli_fe_name(plan->frontend), wmel_strerror(st));
        return 1;
    }
    size_t rows = 0, cols = 0;
    float *feat = NULL;
    rc = wmel_features_shape(ctx, n, &rows, &cols);
    if (rc == WMEL_OK && rows && cols && !(feat = malloc(rows * cols * sizeof(float))))
        rc = WMEL_ERR_NO_MEMORY;
    double t0 = now();
    if (rc == WMEL_OK) rc = wmel_features(ctx, pcm, n, feat, rows * cols);
    double s = now() - t0;
    free(pcm);
    if (rc == WMEL_OK && verbose) {
        fprintf(wmel_cli_info(out, NULL), "%s: %zu samples (%.2f s at %d Hz) -> (%zu, %zu) float32, front-end %s\n", wmel_cli_esc(in), n,
               n / (double)plan->sample_rate, plan->sample_rate, rows, cols,
               wmel_cli_fe_name(plan->frontend));
        fprintf(wmel_cli_info(out, NULL), "  %.3f ms on backend %s, kernel %s, %d thread(s)  (%.0fx realtime)\n", s * 1e3,
               wmel_backend_name(ctx), wmel_kernel_name(ctx), wmel_ctx_n_threads(ctx),
               s > 0 ? n / (double)plan->sample_rate / s : 0.0);
    }
    wmel_destroy(ctx);
    if (rc) {
        free(feat);
        wmel_cli_msg("wmel: %s: %s", in, wmel_strerror(rc));
        return 1;
    }
    size_t shape[2] = {rows, cols};
    wmel_out on;
    float none[1] = {0};
    rc = wmel_out_open(&on, out, 0, err, sizeof err);
    if (rc == WMEL_OK) rc = wmel_write_npy(&on, shape, 2, feat ? feat : none, err, sizeof err);
    if (rc == WMEL_OK) rc = wmel_out_commit(&on, err, sizeof err);
    else if (on.target) wmel_out_abort(&on);
    free(feat);
    if (rc) {
        wmel_cli_msg("wmel: %s", err);
        return 1;
    }
    return 0;
}

typedef struct mel_opts {
    const char *in, *out, *png;
    wmel_params p;
    size_t padding;
    int smooth, pad30, quiet, verbose, raw, fixed, dtype;
    const char *whisper_only; /* the first option of Whisper's alone */
    wmel_cli_fe fe;
    wmel_frontend_plan plan;
} mel_opts;

/* The options and their plan: 0, or the exit status of a usage error (reported). */
static int mel_parse(int argc, char **argv, mel_opts *o)
{
    memset(o, 0, sizeof *o);
    o->p = wmel_default_params();
    o->dtype = -1;
    wmel_cli_fe_init(&o->fe);
    wmel_params *p = &o->p;
    int pr;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((pr = wmel_cli_operands(argc, argv, &i, &o->in, 1)) != 0) {
            if (pr == 2) return 2;
            break;
        }
        if (!o->whisper_only && (!strcmp(a, "--padding") || !strcmp(a, "--pad-30s") || !strcmp(a, "--norm") ||
                                 !strcmp(a, "--smooth") || !strcmp(a, "--png")))
            o->whisper_only = a;
        if ((pr = wmel_cli_fe_opt(a, v, &o->fe)) != 0) {
            if (pr == 2) return 2;
            if (pr == 1) i++;
        } else if ((pr = wmel_cli_common(argc, argv, &i, &o->out, &o->quiet, p)) != 0) {
            if (pr == 2) return 2;
        } else if (!strcmp(a, "--padding")) {
            if (wmel_cli_size(v, &o->padding)) return wmel_cli_usage("--padding takes a number of samples >= 0");
            i++;
        } else if (!strcmp(a, "--pad-30s")) {
            o->pad30 = 1;
        } else if (!strcmp(a, "--norm")) {
            if (!v) return wmel_cli_usage("--norm takes whole or none");
            if (!strcmp(v, "whole")) p->norm = WMEL_NORM_WHOLE;
            else if (!strcmp(v, "none")) p->norm = WMEL_NORM_NONE;
            else return wmel_cli_usage("--norm takes whole or none");
            i++;
        } else if (!strcmp(a, "--smooth")) {
            if (!v || (strcmp(v, "3x3") && strcmp(v, "none"))) return wmel_cli_usage("--smooth takes 3x3 or none");
            o->smooth = !strcmp(v, "3x3");
            p->smooth = o->smooth ? WMEL_SMOOTH_3X3 : WMEL_SMOOTH_NONE; /* fused into the normalisation pass */
            i++;
        } else if (!strcmp(a, "--png")) {
            if (!v) return wmel_cli_usage("--png needs a file name");
            o->png = v;
            i++;
        } else if (!strcmp(a, "--fixed-point")) {
            o->fixed = 1;
        } else if (!strcmp(a, "--dtype")) {
            if (!v || (strcmp(v, "float32") && strcmp(v, "int16") && strcmp(v, "int8")))
                return wmel_cli_usage("--dtype takes float32, int16 or int8");
            o->dtype = !strcmp(v, "float32") ? 0 : !strcmp(v, "int16") ? 1 : 2;
            i++;
        } else if (!strcmp(a, "--raw-f32")) {
            o->raw = 1;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            o->verbose = 1;
        } else if (wmel_cli_positional(a, &o->in) != 0) {
            return 2;
        }
    }
    if (!o->in) return wmel_cli_usage("mel: no INPUT given (see wmel --help)");
    if (!o->out) return wmel_cli_usage("mel: no output given: use -o OUT.npy");
    if (wmel_cli_fe_plan(&o->fe, &o->plan)) return 2;
    if (o->fe.frontend != WMEL_FRONTEND_WHISPER && (o->whisper_only || o->fixed)) {
        wmel_cli_msg("wmel: %s applies to --frontend whisper only", o->whisper_only ? o->whisper_only : "--fixed-point");
        return 2;
    }
    p->n_mels = o->plan.n_mels; /* whisper: 80 unless --n-mels said 128 */
    if (o->dtype >= 0 && !o->fixed) return wmel_cli_usage("--dtype needs --fixed-point (the float path writes float32)");
    if (o->fixed && (o->png || o->smooth))
        return wmel_cli_usage("--fixed-point computes the integer features only: no --png or --smooth");
    if (o->fixed && (p->backend != WMEL_BACKEND_AUTO || p->n_threads != 0))
        return wmel_cli_usage("--fixed-point runs the integer front-end on one thread: no --backend or --threads");
    if (o->fixed && o->dtype == 2 && p->norm == WMEL_NORM_NONE)
        return wmel_cli_usage("--dtype int8 needs the normalisation (--norm whole)");
    return 0;
}

/* -v's summary of Whisper's features. */
static void mel_summary(const mel_opts *o, wmel_ctx *ctx, const float *mel, size_t count, size_t n, size_t nf, double ms)
{
    float lo = mel[0], hi = mel[0];
    double sum = 0;
    for (size_t i = 0; i < count; i++) {
        lo = mel[i] < lo ? mel[i] : lo;
        hi = mel[i] > hi ? mel[i] : hi;
        sum += mel[i];
    }
    FILE *f = wmel_cli_info(o->out, o->png);
    fprintf(f, "%s: %zu samples (%.2f s at 16 kHz) + %zu padding -> (%d, %zu) float32, front-end whisper\n",
            wmel_cli_esc(o->in), n, n / 16000.0, o->padding, o->p.n_mels, nf);
    fprintf(f, "  min %.4f  max %.4f  mean %.4f\n", lo, hi, sum / (double)count);
    fprintf(f, "  %.3f ms on backend %s, kernel %s, %d thread(s)  (%.0fx realtime)\n", ms, wmel_backend_name(ctx),
            wmel_kernel_name(ctx), wmel_ctx_n_threads(ctx), ms > 0 ? n / 16.0 / ms : 0.0);
}

/* The .npy and the picture, all or nothing: both files are written before either is
 * renamed into place. A status; err says why. */
static int mel_write(const mel_opts *o, const float *mel, size_t nf, char *err, size_t err_len)
{
    size_t shape[2] = {(size_t)o->p.n_mels, nf};
    wmel_out on, op;
    int rc = wmel_out_open(&on, o->out, 0, err, err_len);
    if (rc == WMEL_OK) rc = wmel_write_npy(&on, shape, 2, mel, err, err_len);
    int have_png = 0;
    if (rc == WMEL_OK && o->png) {
        rc = wmel_out_open(&op, o->png, 0, err, err_len);
        have_png = rc == WMEL_OK;
        if (rc == WMEL_OK) rc = wmel_write_png(&op, mel, o->p.n_mels, nf, err, err_len);
    }
    if (rc == WMEL_OK) rc = wmel_out_commit(&on, err, err_len);
    else if (on.target) wmel_out_abort(&on);
    if (have_png) {
        if (rc == WMEL_OK) rc = wmel_out_commit(&op, err, err_len);
        else wmel_out_abort(&op);
    }
    return rc;
}

/* Whisper's features of the whole clip (or its first 30 s), computed in one call. */
static int mel_whole(const mel_opts *o, float *pcm, size_t n)
{
    char err[ERRLEN];
    if (o->pad30) {
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
    int st, rc;
    wmel_ctx *ctx = wmel_create(&o->p, &st);
    if (!ctx) {
        free(pcm);
        wmel_cli_msg("wmel: %s", wmel_strerror(st));
        return 1;
    }
    size_t nf = wmel_n_frames(n, o->padding);
    size_t count = (size_t)o->p.n_mels * nf;
    float *mel = count ? malloc(count * sizeof(float)) : NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (count && !mel) rc = WMEL_ERR_NO_MEMORY;
    else rc = wmel_log_mel(ctx, pcm, n, o->padding, mel, count);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(pcm);
    if (rc == WMEL_OK && o->verbose)
        mel_summary(o, ctx, mel, count, n, nf, (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) * 1e-6);
    wmel_destroy(ctx);
    if (rc) {
        free(mel);
        wmel_cli_msg("wmel: %s: %s", o->in, wmel_strerror(rc));
        return 1;
    }
    rc = mel_write(o, mel, nf, err, sizeof err);
    free(mel);
    if (rc) {
        wmel_cli_msg("wmel: %s", err);
        return 1;
    }
    return 0;
}

int cmd_mel(int argc, char **argv)
{
    mel_opts o;
    int ex = mel_parse(argc, argv, &o);
    if (ex) return ex;
    const char *outs[2] = {o.out, o.png}, *ins[1] = {o.in};
    if (wmel_cli_check_files(outs, 2, ins, 1)) return 1;
    if (o.fe.frontend != WMEL_FRONTEND_WHISPER) return mel_frontend(o.in, o.out, &o.p, &o.plan, o.quiet, o.verbose, o.raw);
    if (o.fixed)
        return wmel_cli_mel_fixed(o.in, o.out, o.p.n_mels, o.p.norm, o.dtype < 0 ? 0 : o.dtype, o.padding, o.pad30,
                                  o.quiet, o.verbose, o.raw);
    float *pcm = NULL;
    size_t n = 0;
    int rc = WMEL_OK;
    char err[ERRLEN];
    if (!o.png && !o.pad30 && !o.smooth && !(o.raw && !strcmp(o.in, "-")) && (wmel_have_ffmpeg() || strcmp(o.in, "-"))) {
        /* inputs over 2 minutes stream in bounded memory (mel_long above); smoothing needs
           the whole clip (streams refuse it), so --smooth takes the path below */
        ex = mel_long(o.in, &o.p, o.padding, o.out, o.quiet, o.verbose, &pcm, &n);
        if (ex >= 0) return ex;
    } else if (o.pad30) { /* only the first 30 s matter: the rest is not decoded */
        rc = wmel_cli_load_head(o.in, WMEL_CHUNK_SAMPLES, &pcm, &n, o.quiet, o.raw, err, sizeof err);
    } else {
        rc = wmel_cli_load_input(o.in, &pcm, &n, o.quiet, o.raw, err, sizeof err);
    }
    if (rc) {
        wmel_cli_msg("wmel: %s", err);
        return 1;
    }
    return mel_whole(&o, pcm, n);
}
