/*
 * cmd_mel.c -- `wmel mel INPUT -o OUT.npy [--n-mels 80|128] [--padding N] [--pad-30s]
 * [--norm whole|none] [--backend auto|ref|cpu|cuda|vulkan] [--auto-plan M] [--threads N] [--png PICTURE.png]
 * [--smooth 3x3|none] [--raw-f32] [--quiet] [-v] [--fixed-point [--dtype D]]`: the
 * log-Mel spectrogram, float32 (n_mels, n_frames); --fixed-point: through the integer
 * front-end (cli/mel_fixed.c). With `--frontend nemo|kaldi|seamless` (and that
 * front-end's options, frontend.c) the features of that front-end in its original's
 * layout (mel_frontend).
 *
 * The backend is the CPU's unless --backend names another: AUTO times a device against the
 * CPU in each process and keeps the faster, so where the two are close (a GPU reached
 * through host memory, a loaded machine) its choice, and the device's bytes (within its
 * bound of the CPU's, not equal), would change from one run of the same command to the next.
 * The CPU backend's bytes are the same on every run, machine, output (a file, a FIFO,
 * standard output) and input length (inputs over 2 minutes stream on the CPU kernels
 * whatever the backend). -v names the backend that ran and why.
 *
 * Long inputs in bounded memory (mel_long), every front-end alike: the input is decoded
 * into memory up to MEL_LONG_SAMPLES (2 minutes); a shorter input goes back to the
 * whole-clip path. A longer one goes through the library's long-input path (wmel_long_*):
 * the ctx's raw frames kept in memory up to LONG_MEM, the rest in a scratch file ($TMPDIR,
 * else /tmp); once the input has ended, the front-end's finish (Whisper's global max,
 * NeMo's and Seamless's statistics) is applied while the .npy is written sequentially,
 * bit-identical to wmel_features() (Whisper's: wmel_log_mel with --padding) on the whole
 * clip. Memory: the decoder, the stream's block, LONG_MEM and three blocks of frames (a few
 * MB), whatever the length.
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "commands.h"
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
#define FE_CHUNK 262144 /* samples per push: about 1600 frames for the stream's workers */
#define LONG_MEM ((size_t)8 << 20) /* raw frames held in memory before a temporary file */

/* The sentence of WMEL_ERR_TOO_SHORT for this context's plan (wmel_ctx_too_short), or NULL. */
static const char *too_short(const wmel_ctx *ctx, size_t n, char *buf, size_t cap)
{
    return wmel_ctx_too_short(ctx, n, buf, cap) ? buf : NULL;
}

/* -v on a Vulkan ctx: the devices, their float64 and the arithmetic each would get. */
static void mel_vulkan_info(FILE *f, const wmel_ctx *ctx)
{
    if (strcmp(wmel_backend_name(ctx), "vulkan")) return;
    char buf[2048];
    wmel_vulkan_devices(buf, sizeof buf);
    for (char *line = buf, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl) break;
        fprintf(f, "  vulkan: %.*s\n", (int)(nl - line), line);
    }
}

/* where a stage (WMEL_OP_LOG_MEL: the frames, WMEL_OP_FINISH) of the call just made ran,
 * with the reason where a device ctx left it to the host */
static void mel_stage(FILE *f, const wmel_ctx *ctx, const char *what, int op)
{
    char why[400];
    fprintf(f, "%s on %s", what, wmel_op_backend(ctx, op));
    if (wmel_op_reason(ctx, op, why, sizeof why) == 1) fprintf(f, " (%s)", why);
}

/* -v's lines `stages:` (stages: where the frames and the finish of the call just made ran;
 * 0 for a streamed input, whose line above says where it ran) and `backend:`: why this
 * backend ran: the library's reason where --backend named one (AUTO's timings included),
 * else the command's default (the module comment). */
static void mel_why(FILE *f, const wmel_ctx *ctx, int named, int stages)
{
    if (stages) {
        fprintf(f, "  stages: ");
        mel_stage(f, ctx, "frames", WMEL_OP_LOG_MEL);
        fprintf(f, ", ");
        mel_stage(f, ctx, "finish", WMEL_OP_FINISH);
        fprintf(f, "\n");
    }
    if (named) fprintf(f, "  backend: %s\n", wmel_backend_reason(ctx));
    else fprintf(f, "  backend: the command's default, the CPU's bytes on every run (--backend auto: the library's "
                    "timed choice of a device or the CPU)\n");
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

static int die(const char *msg)
{
    cli_msg("wmel: %s", msg);
    return 1;
}

/* The output's values as wmel_long_write() gives them, appended to the .npy. */
typedef struct npy_sink {
    FILE *f;
    int err; /* errno of the failed write */
} npy_sink;

static int to_npy(void *user, const float *values, size_t n)
{
    npy_sink *k = user;
    errno = 0;
    if (fwrite(values, sizeof(float), n, k->f) == n) return 0;
    k->err = errno ? errno : EIO;
    return WMEL_ERR_IO;
}

/* The .npy of a finished wmel_long: the header (a leading axis of 1 where the plan states
   batch_axis), then the values in one sequential pass. */
static int long_write(wmel_long *lg, int batch_axis, const char *out, char *err, size_t err_len)
{
    size_t shape[3] = {1, 0, 0};
    int rc = wmel_long_shape(lg, &shape[1], &shape[2]);
    char h[256];
    size_t hl = cli_npy_header(h, sizeof h, shape + !batch_axis, 2 + !!batch_axis, 0);
    cli_out on;
    if (rc == WMEL_OK) rc = cli_out_open(&on, out, 0, err, err_len);
    else snprintf(err, err_len, "%s: %s", out, wmel_strerror(rc));
    if (rc) return rc;
    npy_sink k = {on.f, 0};
    errno = 0;
    if (fwrite(h, 1, hl, on.f) != hl) {
        k.err = errno ? errno : EIO;
        rc = WMEL_ERR_IO;
    }
    if (rc == WMEL_OK) rc = wmel_long_write(lg, to_npy, &k);
    if (rc && k.err) snprintf(err, err_len, "%s: write failed: %s", out, strerror(k.err));
    else if (rc && wmel_long_error(lg)[0]) snprintf(err, err_len, "%s: %s", out, wmel_long_error(lg));
    else if (rc) snprintf(err, err_len, "%s: %s", out, wmel_strerror(rc));
    if (rc == WMEL_OK) return cli_out_commit(&on, err, err_len);
    cli_out_abort(&on);
    return rc;
}

/* The backend that computed a long input, the stream's (WMEL_OP_STREAM), and its kernel
 * into kernel: on a device ctx (CUDA, Vulkan) the stream runs on the CPU, whose kernel a CPU
 * ctx of the same params and plan names (the stream's is chosen as that ctx's is). */
static const char *long_ran_on(const wmel_ctx *ctx, const wmel_params *p, const wmel_frontend_plan *plan,
                               char *kernel, size_t cap)
{
    const char *ran = wmel_op_backend(ctx, WMEL_OP_STREAM);
    snprintf(kernel, cap, "%s", wmel_kernel_name(ctx));
    if (!strcmp(ran, wmel_backend_name(ctx)) || strcmp(ran, "cpu")) return ran;
    wmel_params cp = *p;
    cp.backend = WMEL_BACKEND_CPU;
    cp.n_threads = 1; /* the name only: no workers */
    int st;
    wmel_ctx *cpu = plan ? wmel_create_plan(&cp, plan, &st) : wmel_create(&cp, &st);
    snprintf(kernel, cap, "%s", cpu ? wmel_kernel_name(cpu) : "cpu");
    wmel_destroy(cpu);
    return ran;
}

/* An input over MEL_LONG_SAMPLES in bounded memory: the ctx's frames through the library's
 * long-input path (wmel_long_*: raw frames in memory up to LONG_MEM, then in a temporary
 * file), then the front-end's finish written sequentially in its layout, bit-identical to
 * wmel_features() on the whole clip (Whisper's: wmel_log_mel with `padding`, pushed as
 * zeros). plan NULL: Whisper's (p). Decodes the head of INPUT; when it is shorter returns
 * -1 with the samples in *pcm, *n (malloced) for the whole-clip path; otherwise returns the
 * exit status (messages printed). */
static int mel_long(const char *in, const char *out, const wmel_params *p, const wmel_frontend_plan *plan,
                    const cli_fe *fe, size_t padding, int quiet, int verbose, int named, float **pcm, size_t *n)
{
    char err[ERRLEN] = "";
    int st;
    *pcm = NULL;
    *n = 0;
    double t0 = now();
    wmel_decoder *d = wmel_decoder_open(in, &st, err, sizeof err);
    if (!d) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    size_t cap, len, got = 0;
    float *head;
    int rc = read_head(d, &head, &cap, &len);
    if (rc == WMEL_OK && len < MEL_LONG_SAMPLES) { /* short: the whole-clip path */
        if (!quiet && wmel_decoder_warning(d)[0])
            cli_msg("wmel: warning: %s", wmel_decoder_warning(d));
        wmel_decoder_close(d);
        *pcm = head;
        *n = len;
        return -1;
    }
    wmel_ctx *ctx = NULL;
    wmel_long *lg = NULL;
    int plan_failed = 0;
    if (rc == WMEL_OK) {
        ctx = plan ? cli_fe_ctx(p, plan, fe, &st, err, sizeof err) : wmel_create(p, &st); /* the stream on its threads */
        if (!ctx) {
            rc = st;
            plan_failed = plan != NULL;
            if (!plan && p->backend == WMEL_BACKEND_AUTO && *wmel_vulkan_error_detail())
                snprintf(err, sizeof err, "%s (%s)", wmel_strerror(st), wmel_vulkan_error_detail());
            else if (!plan)
                snprintf(err, sizeof err, "%s", wmel_strerror(st));
        }
    }
    if (rc == WMEL_OK) {
        lg = wmel_long_create(ctx, LONG_MEM, &st);
        if (!lg) rc = st;
    }
    if (rc == WMEL_OK) rc = wmel_long_push(lg, head, len);
    free(head);
    head = NULL;
    cli_progress pg;
    cli_progress_init(&pg, in, quiet || plan_failed);
    double total = wmel_decoder_duration(d);
    float *buf = rc == WMEL_OK ? malloc(FE_CHUNK * sizeof *buf) : NULL;
    if (rc == WMEL_OK && !buf) rc = WMEL_ERR_NO_MEMORY;
    while (rc == WMEL_OK) {
        rc = wmel_decoder_read(d, buf, FE_CHUNK, &got);
        if (rc || got == 0) break;
        rc = wmel_long_push(lg, buf, got);
        cli_progress_cb(&pg, (double)wmel_decoder_samples(d) / WMEL_SAMPLE_RATE, total);
    }
    if (rc == WMEL_OK && padding) memset(buf, 0, FE_CHUNK * sizeof *buf); /* Whisper's padding */
    for (size_t z = padding; rc == WMEL_OK && z; z -= got) {
        got = z < FE_CHUNK ? z : FE_CHUNK;
        rc = wmel_long_push(lg, buf, got);
    }
    free(buf);
    if (rc == WMEL_OK) rc = wmel_long_finish(lg);
    cli_progress_end(&pg);
    if (!quiet && !plan_failed && wmel_decoder_warning(d)[0])
        cli_msg("wmel: warning: %s", wmel_decoder_warning(d));
    if (!err[0] && rc) {
        if (wmel_decoder_error(d)[0]) snprintf(err, sizeof err, "%s", wmel_decoder_error(d));
        else if (lg && wmel_long_error(lg)[0]) snprintf(err, sizeof err, "%s: %s", in, wmel_long_error(lg));
        else snprintf(err, sizeof err, "%s: %s", in, wmel_strerror(rc));
    }
    if (rc == WMEL_OK) rc = long_write(lg, plan && plan->batch_axis, out, err, sizeof err);
    if (rc == WMEL_OK && verbose) {
        double s = now() - t0;
        size_t samples = wmel_long_samples(lg) - padding, rows = 0, cols = 0;
        wmel_long_shape(lg, &rows, &cols);
        FILE *info = cli_info(out, NULL);
        if (plan)
            fprintf(info, "%s: %zu samples (%.2f s at %d Hz) -> (%zu, %zu) float32, streamed, front-end %s\n",
                    cli_esc(in), samples, samples / (double)plan->sample_rate, plan->sample_rate, rows, cols,
                    cli_fe_name(plan->frontend));
        else
            fprintf(info, "%s: %zu samples (%.2f s at 16 kHz) + %zu padding -> (%zu, %zu) float32, streamed, front-end whisper\n",
                    cli_esc(in), samples, samples / 16000.0, padding, rows, cols);
        char kernel[128], why[160] = "";
        const char *ran = long_ran_on(ctx, p, plan, kernel, sizeof kernel);
        if (strcmp(ran, wmel_backend_name(ctx)))
            snprintf(why, sizeof why, " (the input is over %zu s: wmel mel runs the %s backend on inputs up to %zu s and streams longer ones on the %s)",
                     MEL_LONG_SAMPLES / WMEL_SAMPLE_RATE, wmel_backend_name(ctx), MEL_LONG_SAMPLES / WMEL_SAMPLE_RATE, ran);
        fprintf(info, "  %.3f s on backend %s%s, kernel %s, %d thread(s)  (%.0fx realtime)\n", s, ran, why, kernel,
                plan ? 1 : wmel_ctx_n_threads(ctx),
                s > 0 ? samples / (double)(plan ? plan->sample_rate : WMEL_SAMPLE_RATE) / s : 0.0);
        mel_why(info, ctx, named, 0);
    }
    wmel_long_destroy(lg);
    wmel_destroy(ctx);
    wmel_decoder_close(d);
    free(head);
    if (rc) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    return 0;
}

/* Another front-end than Whisper's: inputs over MEL_LONG_SAMPLES in bounded memory
 * (mel_fe_long); shorter ones, raw samples (--raw-f32, a file or stdin) and the float64 reference
 * backend (whose values the stream does not compute) whole in memory, wmel_features(),
 * the original's layout. */
static int mel_frontend(const char *in, const char *out, const wmel_params *p,
                        const wmel_frontend_plan *plan, const cli_fe *fe, int quiet, int verbose,
                        int raw, int named)
{
    char err[ERRLEN];
    float *pcm = NULL;
    size_t n = 0;
    int rc = WMEL_OK;
    if (p->backend != WMEL_BACKEND_REF && !raw && (wmel_have_ffmpeg() || strcmp(in, "-"))) {
        int ex = mel_long(in, out, p, plan, fe, 0, quiet, verbose, named, &pcm, &n);
        if (ex >= 0) return ex;
    } else {
        rc = cli_load_input(in, &pcm, &n, quiet, raw, err, sizeof err);
    }
    if (rc) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    int st;
    wmel_ctx *ctx = cli_fe_ctx(p, plan, fe, &st, err, sizeof err);
    if (!ctx) {
        free(pcm);
        cli_msg("wmel: %s", err);
        return 1;
    }
    size_t rows = 0, cols = 0;
    float *feat = NULL;
    rc = wmel_features_shape(ctx, n, &rows, &cols);
    char short_why[300];
    if (rc == WMEL_ERR_TOO_SHORT && too_short(ctx, n, short_why, sizeof short_why)) {
        free(pcm);
        cli_msg("wmel: %s: %s", cli_esc(in), short_why);
        wmel_destroy(ctx);
        return 1;
    }
    if (rc == WMEL_OK && rows && cols && !(feat = malloc(rows * cols * sizeof(float))))
        rc = WMEL_ERR_NO_MEMORY;
    double t0 = now();
    if (rc == WMEL_OK) rc = wmel_features(ctx, pcm, n, feat, rows * cols);
    double s = now() - t0;
    free(pcm);
    if (rc == WMEL_OK && verbose) {
        fprintf(cli_info(out, NULL), "%s: %zu samples (%.2f s at %d Hz) -> (%zu, %zu) float32, front-end %s\n", cli_esc(in), n,
               n / (double)plan->sample_rate, plan->sample_rate, rows, cols,
               cli_fe_name(plan->frontend));
        mel_vulkan_info(cli_info(out, NULL), ctx);
        fprintf(cli_info(out, NULL), "  %.3f ms on backend %s, kernel %s, %d thread(s)  (%.0fx realtime)\n", s * 1e3,
               wmel_backend_name(ctx), wmel_kernel_name(ctx), wmel_ctx_n_threads(ctx),
               s > 0 ? n / (double)plan->sample_rate / s : 0.0);
        mel_why(cli_info(out, NULL), ctx, named, 1);
    }
    wmel_destroy(ctx);
    if (rc) {
        free(feat);
        cli_msg("wmel: %s: %s", in, wmel_strerror(rc));
        return 1;
    }
    size_t shape[3] = {1, rows, cols}; /* (a leading axis of 1: the plan's batch_axis) */
    const int ba = plan->batch_axis != 0;
    cli_out on;
    float none[1] = {0};
    rc = cli_out_open(&on, out, 0, err, sizeof err);
    if (rc == WMEL_OK) rc = cli_write_npy(&on, shape + !ba, 2 + ba, feat ? feat : none, err, sizeof err);
    if (rc == WMEL_OK) rc = cli_out_commit(&on, err, sizeof err);
    else if (on.target) cli_out_abort(&on);
    free(feat);
    if (rc) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    return 0;
}

typedef struct mel_opts {
    const char *in, *out, *png;
    wmel_params p;
    size_t padding;
    int smooth, pad30, quiet, verbose, raw, fixed, dtype;
    int backend_named; /* --backend given; else the CPU's (the module comment) */
    const char *whisper_only; /* the first option of Whisper's alone */
    cli_fe fe;
    wmel_frontend_plan plan;
} mel_opts;

/* The options and their plan: 0, or the exit status of a usage error (reported). */
static int mel_parse(int argc, char **argv, mel_opts *o)
{
    memset(o, 0, sizeof *o);
    o->p = wmel_default_params();
    o->p.backend = -1; /* no --backend yet */
    o->dtype = -1;
    cli_fe_init(&o->fe);
    wmel_params *p = &o->p;
    int pr;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((pr = cli_operands(argc, argv, &i, &o->in, 1)) != 0) {
            if (pr == 2) return 2;
            break;
        }
        if (!o->whisper_only && (!strcmp(a, "--padding") || !strcmp(a, "--pad-30s") || !strcmp(a, "--norm") ||
                                 !strcmp(a, "--smooth") || !strcmp(a, "--png")))
            o->whisper_only = a;
        if ((pr = cli_fe_opt(a, v, &o->fe)) != 0) {
            if (pr == 2) return 2;
            if (pr == 1) i++;
        } else if ((pr = cli_common(argc, argv, &i, &o->out, &o->quiet, p)) != 0) {
            if (pr == 2) return 2;
        } else if (!strcmp(a, "--padding")) {
            if (cli_size(v, &o->padding)) return cli_usage("--padding takes a number of samples >= 0");
            i++;
        } else if (!strcmp(a, "--pad-30s")) {
            o->pad30 = 1;
        } else if (!strcmp(a, "--norm")) {
            if (!v) return cli_usage("--norm takes whole or none");
            if (!strcmp(v, "whole")) p->norm = WMEL_NORM_WHOLE;
            else if (!strcmp(v, "none")) p->norm = WMEL_NORM_NONE;
            else return cli_usage("--norm takes whole or none");
            i++;
        } else if (!strcmp(a, "--smooth")) {
            if (!v || (strcmp(v, "3x3") && strcmp(v, "none"))) return cli_usage("--smooth takes 3x3 or none");
            o->smooth = !strcmp(v, "3x3");
            p->smooth = o->smooth ? WMEL_SMOOTH_3X3 : WMEL_SMOOTH_NONE; /* fused into the normalisation pass */
            i++;
        } else if (!strcmp(a, "--auto-plan")) {
            if (v && !strcmp(v, "measure")) p->auto_plan = WMEL_AUTO_MEASURE;
            else if (v && !strcmp(v, "estimate")) p->auto_plan = WMEL_AUTO_ESTIMATE;
            else if (v && !strcmp(v, "measure-any")) p->auto_plan = WMEL_AUTO_MEASURE_ANY;
            else return cli_usage("--auto-plan takes measure, estimate or measure-any");
            i++;
        } else if (!strcmp(a, "--png")) {
            if (!v) return cli_usage("--png needs a file name");
            o->png = v;
            i++;
        } else if (!strcmp(a, "--fixed-point")) {
            o->fixed = 1;
        } else if (!strcmp(a, "--dtype")) {
            if (!v || (strcmp(v, "float32") && strcmp(v, "int16") && strcmp(v, "int8")))
                return cli_usage("--dtype takes float32, int16 or int8");
            o->dtype = !strcmp(v, "float32") ? 0 : !strcmp(v, "int16") ? 1 : 2;
            i++;
        } else if (!strcmp(a, "--raw-f32")) {
            o->raw = 1;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            o->verbose = 1;
        } else if (cli_positional(a, &o->in) != 0) {
            return 2;
        }
    }
    o->backend_named = p->backend != -1;
    if (!o->backend_named) p->backend = WMEL_BACKEND_CPU;
    if (!o->in) return cli_usage("mel: no INPUT given (see wmel --help)");
    if (!o->out) return cli_usage("mel: no output given: use -o OUT.npy");
    o->fe.takes_cols = 1; /* --cmvn, --hf-config's per-column values: cli_fe_ctx() */
    if (cli_fe_plan(&o->fe, &o->plan)) return 2;
    if (!cli_fe_whisper(&o->fe) && (o->whisper_only || o->fixed)) {
        cli_msg("wmel: %s applies to the whisper preset only (--frontend whisper, at most --n-mels)",
                o->whisper_only ? o->whisper_only : "--fixed-point");
        return 2;
    }
    p->n_mels = o->plan.n_mels; /* whisper: 80 unless --n-mels said 128 */
    if (o->dtype >= 0 && !o->fixed) return cli_usage("--dtype needs --fixed-point (the float path writes float32)");
    if (o->fixed && (o->png || o->smooth))
        return cli_usage("--fixed-point computes the integer features only: no --png or --smooth");
    if (o->fixed && ((o->backend_named && p->backend != WMEL_BACKEND_AUTO) || p->n_threads != 0))
        return cli_usage("--fixed-point runs the integer front-end on one thread: no --backend or --threads");
    if (o->fixed && o->dtype == 2 && p->norm == WMEL_NORM_NONE)
        return cli_usage("--dtype int8 needs the normalisation (--norm whole)");
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
    FILE *f = cli_info(o->out, o->png);
    fprintf(f, "%s: %zu samples (%.2f s at 16 kHz) + %zu padding -> (%d, %zu) float32, front-end whisper\n",
            cli_esc(o->in), n, n / 16000.0, o->padding, o->p.n_mels, nf);
    fprintf(f, "  min %.4f  max %.4f  mean %.4f\n", lo, hi, sum / (double)count);
    mel_vulkan_info(f, ctx);
    fprintf(f, "  %.3f ms on backend %s, kernel %s, %d thread(s)  (%.0fx realtime)\n", ms, wmel_backend_name(ctx),
            wmel_kernel_name(ctx), wmel_ctx_n_threads(ctx), ms > 0 ? n / 16.0 / ms : 0.0);
    mel_why(f, ctx, o->backend_named, 1);
}

/* The .npy and the picture, all or nothing: both files are written before either is
 * renamed into place. A status; err says why. */
static int mel_write(const mel_opts *o, const float *mel, size_t nf, char *err, size_t err_len)
{
    size_t shape[2] = {(size_t)o->p.n_mels, nf};
    cli_out on, op;
    int rc = cli_out_open(&on, o->out, 0, err, err_len);
    if (rc == WMEL_OK) rc = cli_write_npy(&on, shape, 2, mel, err, err_len);
    int have_png = 0;
    if (rc == WMEL_OK && o->png) {
        rc = cli_out_open(&op, o->png, 0, err, err_len);
        have_png = rc == WMEL_OK;
        if (rc == WMEL_OK) rc = cli_write_png(&op, mel, o->p.n_mels, nf, err, err_len);
    }
    if (rc == WMEL_OK) rc = cli_out_commit(&on, err, err_len);
    else if (on.target) cli_out_abort(&on);
    if (have_png) {
        if (rc == WMEL_OK) rc = cli_out_commit(&op, err, err_len);
        else cli_out_abort(&op);
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
        if ((o->p.backend == WMEL_BACKEND_VULKAN || o->p.backend == WMEL_BACKEND_AUTO) && *wmel_vulkan_error_detail())
            cli_msg("wmel: %s (%s)", wmel_strerror(st), wmel_vulkan_error_detail());
        else
            cli_msg("wmel: %s", wmel_strerror(st));
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
        cli_msg("wmel: %s: %s", o->in, wmel_strerror(rc));
        return 1;
    }
    rc = mel_write(o, mel, nf, err, sizeof err);
    free(mel);
    if (rc) {
        cli_msg("wmel: %s", err);
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
    if (cli_check_files(outs, 2, ins, 1)) return 1;
    if (!cli_fe_whisper(&o.fe))
        return mel_frontend(o.in, o.out, &o.p, &o.plan, &o.fe, o.quiet, o.verbose, o.raw, o.backend_named);
    if (o.fixed)
        return cli_mel_fixed(o.in, o.out, o.p.n_mels, o.p.norm, o.dtype < 0 ? 0 : o.dtype, o.padding, o.pad30,
                                  o.quiet, o.verbose, o.raw);
    float *pcm = NULL;
    size_t n = 0;
    int rc = WMEL_OK;
    char err[ERRLEN];
    if (!o.png && !o.pad30 && !o.smooth && !o.raw && (wmel_have_ffmpeg() || strcmp(o.in, "-"))) {
        /* inputs over 2 minutes stream in bounded memory (mel_long above); smoothing needs
           the whole clip (streams refuse it), so --smooth takes the path below */
        ex = mel_long(o.in, o.out, &o.p, NULL, NULL, o.padding, o.quiet, o.verbose, o.backend_named, &pcm, &n);
        if (ex >= 0) return ex;
    } else if (o.pad30) { /* only the first 30 s matter: the rest is not decoded */
        rc = cli_load_head(o.in, WMEL_CHUNK_SAMPLES, &pcm, &n, o.quiet, o.raw, err, sizeof err);
    } else {
        rc = cli_load_input(o.in, &pcm, &n, o.quiet, o.raw, err, sizeof err);
    }
    if (rc) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    return mel_whole(&o, pcm, n);
}
