/*
 * vectors.c -- `wmel vectors --preset NAME | --plan FILE.json | --hf-config DIR -o PACK`:
 * a conformance pack any implementation of the plan can be tested against without wmel.
 * Inputs (speech, silence, DC, tones on and between bins, a chirp, full-scale noise, a
 * clipped sine, impulses at frame edges, the lengths at the framing's edges, 30 s and 30 s
 * + 1 where the plan has a 30 s rule), each case's expected output (the float64 reference,
 * WMEL_BACKEND_REF of wmel_features, rounded once to float32) and every stage before it
 * (the float64 reference stage by stage: the tables and functions of `wmel inspect`,
 * support/stages.c over wmel_ref_plan_stages / wmel_ref_stages), the stream's frames where the
 * plan streams, and manifest.json with the plan, the cases and their tolerances.
 * `wmel vectors check PACK OUTPUTS` (vectors/vectors_check.c) grades a port's outputs.
 *
 * The pack is built in PACK.tmp-XXXXXX beside PACK and renamed into place at the end; an
 * existing PACK is replaced only with --force and only when it is a pack (manifest.json).
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include "args.h"
#include "frontend.h"
#include "input.h"
#include "msg.h"
#include "out.h"
#include "stages.h"
#include "vectors.h"
#include "wmel.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Tolerances (manifest "tolerance"; docs/porting.md says where each number comes from).
 * Log-domain arrays: |port - expected| <= TOL_LOG max(1, |expected|): 3.4 x the largest
 * error of float32 originals against the float64 oracle on speech (openai-whisper 2.97e-5,
 * NeMo 2.60e-5, docs/inspect.md). Linear arrays: |d| <= tol x the array's largest
 * |expected|: the samples and frames carry float32 rounding only (a few eps of 1.2e-7),
 * a float32 transform and mel sum some 1e-6 of the peak. */
#define TOL_LOG 1e-4
#define TOL_SAMPLES 1e-6
#define TOL_SPECTRUM 1e-5
#define TOL_LINEAR_OUT 1e-5

#define STREAM_MAX_CHUNKS 6

/* The speech case's clip is cut to its first minute (docs/cli.md): its stages are held in
 * float64 whole, some 1.5 MB a second of audio, and the pack grows with it. */
#define SPEECH_MAX_S 60
#define SPEECH_MAX_16K ((size_t)SPEECH_MAX_S * 16000)

typedef struct strbuf {
    char *s;
    size_t n, cap;
    int oom;
} strbuf;

static void sb_add(strbuf *b, const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 2, 3)));
static void sb_add(strbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) return;
        if (b->s && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)k;
        char *t = realloc(b->s, cap);
        if (!t) {
            b->oom = 1;
            return;
        }
        b->s = t, b->cap = cap;
    }
}

/* s as a JSON string. */
static void sb_str(strbuf *b, const char *s)
{
    sb_add(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') sb_add(b, "\\%c", *p);
        else if (*p < 0x20) sb_add(b, "\\u%04x", *p);
        else sb_add(b, "%c", *p);
    }
    sb_add(b, "\"");
}

/* A number JSON reads back as the same double. */
static void sb_num(strbuf *b, double v)
{
    if (!isfinite(v)) sb_add(b, "null");
    else sb_add(b, "%s", cli_num(v));
}

typedef struct vopts {
    const char *out, *speech;
    cli_fe fe;
    int force, quiet, threads, quick;
    int (*stop)(void); /* nonzero: stop now (a signal, Python's KeyboardInterrupt) */
} vopts;

typedef struct vjob {
    vopts o;
    wmel_frontend_plan plan;
    const cli_frontend *fe;
    cli_fe_built built;
    wmel_ctx *ref, *cpu;
    double *colvec;
    size_t n_colvec;
    char *dir;      /* the temporary pack folder */
    strbuf cases;   /* the manifest's case objects */
    int n_cases, n_refused, n_widened, window_written;
    int speech_cut; /* --speech was longer than SPEECH_MAX_S: its head taken */
    float *speech;  /* at the plan's rate */
    size_t n_speech;
    double cpu_worst; /* the CPU backend's worst error / tolerance over every case */
    char cpu_worst_case[64];
    int rate, fl, hop, nfft;
} vjob;

/* ---- the inputs */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* uniform in [-1, 1), 24 bits */
static float rng_unit(uint64_t *s) { return (float)((double)(rng_next(s) >> 40) / 8388608.0 - 1.0); }

/* x (n samples at `from` Hz) at `to` Hz: a Hann-windowed sinc (32 zero crossings of the
 * lower rate each side) evaluated in double. The speech case's samples only; the pack holds
 * the result, so its exactness does not matter to a port. */
static float *resample(const float *x, size_t n, int from, int to, size_t *n_out)
{
    const size_t m = (size_t)((double)n * to / from);
    float *y = malloc((m ? m : 1) * sizeof *y);
    if (!y) return NULL;
    const double fc = to < from ? (double)to / from : 1.0, half = 32.0 / fc;
    for (size_t i = 0; i < m; i++) {
        const double t = (double)i * from / to;
        long k0 = (long)ceil(t - half), k1 = (long)floor(t + half);
        double s = 0.0;
        for (long k = k0 < 0 ? 0 : k0; k <= k1 && k < (long)n; k++) {
            const double d = t - (double)k, a = M_PI * fc * d;
            const double sinc = fabs(d) < 1e-12 ? 1.0 : sin(a) / a;
            s += x[k] * fc * sinc * (0.5 + 0.5 * cos(M_PI * d / half));
        }
        y[i] = (float)s;
    }
    *n_out = m;
    return y;
}

/* ---- the pack's files */

static int write_raw_f32(const char *path, const float *x, size_t n, char *err, size_t err_len)
{
    cli_out o;
    int rc = cli_out_open(&o, path, 0, err, err_len);
    if (rc) return rc;
    if (n && fwrite(x, sizeof *x, n, o.f) != n) {
        cli_out_abort(&o);
        snprintf(err, err_len, "%.1000s: write failed: %s", path, strerror(errno));
        return WMEL_ERR_IO;
    }
    return cli_out_commit(&o, err, err_len);
}

static int write_both(const vjob *j, const char *sub, const char *name, const size_t *shape, int ndim,
                      const float *x, char *err, size_t err_len)
{
    char path[4096];
    size_t count = 1;
    for (int i = 0; i < ndim; i++) count *= shape[i];
    snprintf(path, sizeof path, "%s/%s/%s.npy", j->dir, sub, name);
    int rc = cli_write_npy_atomic(path, shape, ndim, x, err, err_len);
    if (rc) return rc;
    snprintf(path, sizeof path, "%s/%s/%s.f32", j->dir, sub, name);
    return write_raw_f32(path, x, count, err, err_len);
}

static void sb_shape(strbuf *b, const size_t *shape, int ndim)
{
    sb_add(b, "[");
    for (int i = 0; i < ndim; i++) sb_add(b, "%s%zu", i ? ", " : "", shape[i]);
    sb_add(b, "]");
}

/* The tolerance of an array of stage kind k (WMEL_ST_*): rule "rel1" (|d| <= tol
 * max(1, |expected|)) or "peak" (|d| <= tol max |expected|). */
static void tol_of(const wmel_frontend_plan *p, int kind, const char **rule, double *tol)
{
    switch (kind) {
    case WMEL_ST_PADDED: case WMEL_ST_DC: case WMEL_ST_PREEMPH: case WMEL_ST_WINDOWED:
        *rule = "peak", *tol = TOL_SAMPLES;
        return;
    case WMEL_ST_POWER: case WMEL_ST_MEL:
        *rule = "peak", *tol = TOL_SPECTRUM;
        return;
    default:
        if (p->log == WMEL_LOG_NONE) *rule = "peak", *tol = TOL_LINEAR_OUT;
        else *rule = "rel1", *tol = TOL_LOG;
    }
}

/* The largest |a - e| / allowed over count values (0 when count is 0). */
static double worst_ratio(const float *a, const float *e, size_t count, const char *rule, double tol)
{
    double peak = 0.0, w = 0.0;
    if (!strcmp(rule, "peak"))
        for (size_t i = 0; i < count; i++) peak = fabs(e[i]) > peak ? fabs(e[i]) : peak;
    for (size_t i = 0; i < count; i++) {
        double d = fabs((double)a[i] - (double)e[i]);
        double allowed = tol * (!strcmp(rule, "peak") ? (peak > 0 ? peak : 1.0) : fmax(1.0, fabs(e[i])));
        double r = d / allowed;
        if (!(r <= w)) w = r; /* NaN wins */
    }
    return w;
}

/* One case's stages from the float64 reference: expected/<case>.<stage>.npy; the manifest's
 * "stages" list into b. A status (err says why); a clip the stage tables cannot frame (no
 * frame) gives no stage and a note. */
static int case_stages(vjob *j, const char *name, const float *x, size_t n, double widen, strbuf *b, double *last_vs_expected,
                       const float *expected, size_t exp_count, char *err, size_t err_len)
{
    const cli_frontend *fe = j->fe;
    cli_clip clip;
    memset(&clip, 0, sizeof clip);
    clip.pcm = x, clip.n = n, clip.n_mels = j->plan.n_mels;
    char why[600] = "";
    int rc = cli_clip_init(fe, &clip, why, sizeof why);
    if (rc) {
        sb_add(b, ", \"stages\": [], \"stages_note\": ");
        sb_str(b, why);
        return WMEL_OK;
    }
    clip.col_scale = j->colvec;
    clip.col_shift = j->colvec ? j->colvec + j->n_colvec : NULL;
    rc = fe->plan ? cli_clip_stats(fe, &clip, why, sizeof why) : cli_clip_max(&clip, why, sizeof why);
    if (rc) {
        snprintf(err, err_len, "case %s: %s", name, why);
        return rc;
    }
    const int ns = fe->n_stages;
    double *st[WMEL_STAGES_MAX] = {0};
    double *window = calloc((size_t)j->fl, sizeof *window);
    const size_t nf = clip.n_frames;
    rc = window ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    for (int s = 0; s < ns && rc == WMEL_OK; s++) {
        const cli_stage_desc *d = &fe->stages[s];
        size_t rows = cli_stage_rows(fe, d, clip.n_mels), cols = d->kind == WMEL_ST_STACKED ? clip.n_rows : nf;
        if (!(st[s] = malloc((rows && cols ? rows * cols : 1) * sizeof(double)))) rc = WMEL_ERR_NO_MEMORY;
    }
    double *frm[WMEL_STAGES_MAX] = {0};
    int stacked = -1;
    for (int s = 0; s < ns; s++) {
        if (fe->stages[s].kind == WMEL_ST_STACKED) stacked = s;
        else frm[s] = st[s];
    }
    if (rc == WMEL_OK) rc = cli_stages_compute(fe, &clip, 0, nf, 1, frm, window);
    if (rc == WMEL_OK && stacked >= 0 && clip.n_rows) rc = cli_stacked_compute(fe, &clip, 0, clip.n_rows, 1, st[stacked]);
    if (rc) snprintf(err, err_len, "case %s: the reference's stages: %s", name, wmel_strerror(rc));
    char path[4096];
    if (rc == WMEL_OK && !j->window_written) {
        size_t shape[1] = {(size_t)j->fl};
        snprintf(path, sizeof path, "%s/expected/window.npy", j->dir);
        rc = cli_write_npy_f64(path, shape, 1, window, 0, err, err_len);
        j->window_written = rc == WMEL_OK;
    }
    sb_add(b, ", \"stages\": [");
    int first = 1, last = -1;
    for (int s = 0; s < ns && rc == WMEL_OK; s++) {
        const cli_stage_desc *d = &fe->stages[s];
        if (!st[s]) continue;
        size_t rows = cli_stage_rows(fe, d, clip.n_mels), cols = d->kind == WMEL_ST_STACKED ? clip.n_rows : nf;
        size_t shape[2] = {d->frame_major ? cols : rows, d->frame_major ? rows : cols};
        snprintf(path, sizeof path, "%s/expected/%s.%s.npy", j->dir, name, d->name);
        rc = cli_write_npy_f64(path, shape, 2, st[s], d->frame_major, err, err_len);
        const char *rule;
        double tol;
        tol_of(&j->plan, d->kind, &rule, &tol);
        if (!strcmp(rule, "rel1")) tol *= widen; /* the case's float32 floor reaches the log and after */
        sb_add(b, "%s{\"name\": ", first ? "" : ", ");
        sb_str(b, d->name);
        sb_add(b, ", \"file\": \"expected/%s.%s.npy\", \"shape\": ", name, d->name);
        sb_shape(b, shape, 2);
        sb_add(b, ", \"dtype\": \"float64\", \"rule\": \"%s\", \"tol\": ", rule);
        sb_num(b, tol);
        sb_add(b, ", \"what\": ");
        sb_str(b, d->title);
        sb_add(b, "}");
        first = 0, last = s;
    }
    sb_add(b, "]");
    /* the last stage rounded once is the expected output where both hold the same frames */
    *last_vs_expected = -1.0;
    if (rc == WMEL_OK && last >= 0) {
        const cli_stage_desc *d = &fe->stages[last];
        size_t rows = cli_stage_rows(fe, d, clip.n_mels), cols = d->kind == WMEL_ST_STACKED ? clip.n_rows : nf;
        if (rows * cols == exp_count) {
            double m = 0.0;
            for (size_t r = 0; r < rows; r++)
                for (size_t c = 0; c < cols; c++) {
                    double e = expected[d->frame_major ? c * rows + r : r * cols + c];
                    double dd = fabs((double)(float)st[last][r * cols + c] - e);
                    if (!(dd <= m)) m = dd;
                }
            *last_vs_expected = m;
        }
    }
    for (int s = 0; s < ns; s++) free(st[s]);
    free(window);
    return rc;
}

/* The stream's frames of x in chunks: [frames][n_cols] into a malloc'ed *out. */
typedef struct ssink {
    float *t;
    size_t n, cap, cols;
} ssink;
static int on_frames(void *user, const float *raw, size_t first, size_t nf)
{
    ssink *k = user;
    (void)first;
    if ((k->n + nf) * k->cols > k->cap) {
        size_t cap = ((k->n + nf) * k->cols) * 2 + 1024;
        float *t = realloc(k->t, cap * sizeof *t);
        if (!t) return WMEL_ERR_NO_MEMORY;
        k->t = t, k->cap = cap;
    }
    for (size_t i = 0; i < nf; i++)
        for (size_t c = 0; c < k->cols; c++) k->t[(k->n + i) * k->cols + c] = raw[c * nf + i];
    k->n += nf;
    return 0;
}

/* One case: its input, the reference's output and stages, the CPU backend's error; the
 * manifest's object into j->cases. A status with err (a refusal of the plan is no error:
 * the case is listed as an expected refusal). */
static int make_case(vjob *j, const char *name, const char *kind, const char *what, const float *x, size_t n,
                     char *err, size_t err_len)
{
    strbuf *b = &j->cases;
    if (j->o.stop && j->o.stop()) return snprintf(err, err_len, "interrupted"), CLI_VECTORS_STOPPED;
    size_t shape1[1] = {n};
    int rc = write_both(j, "inputs", name, shape1, 1, x, err, err_len);
    if (rc) return rc;
    sb_add(b, "%s\n    {\"name\": ", j->n_cases ? "," : "");
    j->n_cases++;
    sb_str(b, name);
    sb_add(b, ", \"kind\": ");
    sb_str(b, kind);
    sb_add(b, ", \"what\": ");
    sb_str(b, what);
    sb_add(b, ", \"length\": %zu, \"sample_rate\": %d, \"seconds\": ", n, j->rate);
    sb_num(b, (double)n / j->rate);
    sb_add(b, ", \"input\": \"inputs/%s.npy\", \"input_raw\": \"inputs/%s.f32\", \"input_dtype\": \"float32\"", name,
           name);
    size_t rows = 0, cols = 0;
    float *y = NULL, *c = NULL;
    rc = wmel_features_shape(j->ref, n, &rows, &cols);
    if (rc == WMEL_OK) {
        y = malloc((rows && cols ? rows * cols : 1) * sizeof *y);
        rc = y ? wmel_features(j->ref, x, n, y, rows * cols) : WMEL_ERR_NO_MEMORY;
        if (rc == WMEL_ERR_NO_MEMORY) {
            free(y);
            snprintf(err, err_len, "case %s: out of memory", name);
            return rc;
        }
    }
    if (rc != WMEL_OK) { /* the plan refuses the input: an expected refusal */
        free(y);
        j->n_refused++;
        sb_add(b, ", \"refused\": true, \"status\": %d, \"message\": ", rc);
        sb_str(b, wmel_strerror(rc));
        sb_add(b, "}");
        return WMEL_OK;
    }
    size_t shape[2] = {rows, cols};
    rc = write_both(j, "expected", name, shape, 2, y, err, err_len);
    const char *rule;
    double tol;
    tol_of(&j->plan, WMEL_ST_OUTPUT, &rule, &tol);
    /* a float32 implementation on the case: wmel's CPU backend */
    double w = NAN, widen = 1.0;
    if (rc == WMEL_OK) {
        c = malloc((rows && cols ? rows * cols : 1) * sizeof *c);
        int rc2 = c ? wmel_features(j->cpu, x, n, c, rows * cols) : WMEL_ERR_NO_MEMORY;
        if (rc2 == WMEL_OK) w = worst_ratio(c, y, rows * cols, rule, tol);
        free(c);
        if (w > 0.5) widen = 2.0 * w; /* the float32 floor: twice what wmel's float32 path gives */
    }
    sb_add(b, ", \"expected\": \"expected/%s.npy\", \"expected_raw\": \"expected/%s.f32\", \"shape\": ", name, name);
    sb_shape(b, shape, 2);
    sb_add(b, ", \"dtype\": \"float32\", \"rule\": \"%s\", \"tol\": ", rule);
    sb_num(b, tol * widen);
    if (widen > 1.0) {
        sb_add(b, ", \"tol_widened\": ");
        sb_num(b, widen);
        j->n_widened++;
    }
    sb_add(b, ", \"wmel_cpu_error\": ");
    sb_num(b, w);
    if (!(w <= j->cpu_worst)) {
        j->cpu_worst = w;
        snprintf(j->cpu_worst_case, sizeof j->cpu_worst_case, "%s", name);
    }
    double lve = -1.0;
    if (rc == WMEL_OK) rc = case_stages(j, name, x, n, widen, b, &lve, y, rows * cols, err, err_len);
    if (rc == WMEL_OK && lve >= 0) {
        sb_add(b, ", \"last_stage_vs_expected\": ");
        sb_num(b, lve);
    }
    sb_add(b, "}");
    free(y);
    return rc;
}

/* The stream cases: the speech in chunks of several sizes through wmel_stream_* (CPU
 * backend), expected: the offline frames before normalisation of the reference. */
static int make_streams(vjob *j, strbuf *note, char *err, size_t err_len)
{
    wmel_frontend_plan sp;
    char why[512];
    if (j->colvec) {
        sb_str(note, "not made: the plan has a per-column affine (--cmvn, the configuration's values), which the "
                     "pack's stream frames would need applied as well");
        return WMEL_OK;
    }
    if (wmel_plan_for_stream(&j->plan, &sp, why, sizeof why)) {
        char t[700];
        snprintf(t, sizeof t, "not made: the plan does not stream: %s", why);
        sb_str(note, t);
        return WMEL_OK;
    }
    /* the offline frames of the stream's plan: unstacked, [frames][n_cols], on the reference */
    wmel_frontend_plan q = sp;
    q.stack = 1;
    q.stack_stride = q.stack_left = q.stack_tail = q.delta_win = q.cols_stacked = 0;
    q.stack_fill = 0.0;
    q.layout = WMEL_LAYOUT_FRAMES_MELS;
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_REF;
    int rc;
    wmel_ctx *ref = wmel_create_plan(&p, &q, &rc);
    p.backend = WMEL_BACKEND_CPU;
    p.n_threads = j->o.threads;
    wmel_ctx *cpu = ref ? wmel_create_plan(&p, &sp, &rc) : NULL;
    size_t rows = 0, cols = 0;
    float *y = NULL;
    if (cpu) rc = wmel_features_shape(ref, j->n_speech, &rows, &cols);
    if (cpu && rc == WMEL_OK) {
        y = malloc((rows && cols ? rows * cols : 1) * sizeof *y);
        rc = y ? wmel_features(ref, j->speech, j->n_speech, y, rows * cols) : WMEL_ERR_NO_MEMORY;
    }
    if (rc) {
        snprintf(err, err_len, "stream cases: %s", wmel_strerror(rc));
        goto out;
    }
    const size_t chunks[STREAM_MAX_CHUNKS] = {1, (size_t)j->hop - 1 ? (size_t)j->hop - 1 : 2, (size_t)j->hop,
                                              (size_t)j->fl + 1, 4096, j->n_speech};
    const char *rule;
    double tol;
    tol_of(&j->plan, WMEL_ST_LOG, &rule, &tol);
    size_t done[STREAM_MAX_CHUNKS];
    int nd = 0;
    sb_add(note, "\"made\"");
    for (int k = 0; k < STREAM_MAX_CHUNKS && rc == WMEL_OK; k++) {
        const size_t ch = chunks[k];
        if (j->o.stop && j->o.stop()) {
            snprintf(err, err_len, "interrupted");
            rc = CLI_VECTORS_STOPPED;
            break;
        }
        int dup = 0;
        for (int i = 0; i < nd; i++) dup |= done[i] == ch;
        if (dup || ch == 0) continue;
        done[nd++] = ch;
        ssink sk = {NULL, 0, 0, cols};
        int st;
        wmel_stream *s = wmel_stream_create(cpu, 0, on_frames, &sk, &st);
        rc = s ? WMEL_OK : st;
        for (size_t i = 0; i < j->n_speech && rc == WMEL_OK; i += ch)
            rc = wmel_stream_push(s, j->speech + i, j->n_speech - i < ch ? j->n_speech - i : ch);
        if (rc == WMEL_OK) rc = wmel_stream_finish(s);
        wmel_stream_destroy(s);
        if (rc) {
            snprintf(err, err_len, "stream in chunks of %zu: %s", ch, wmel_strerror(rc));
            free(sk.t);
            break;
        }
        char name[64];
        snprintf(name, sizeof name, "stream-speech-c%zu", ch);
        const size_t nf = sk.n <= rows ? sk.n : rows;
        size_t shape[2] = {nf, cols};
        rc = write_both(j, "expected", name, shape, 2, y, err, err_len);
        strbuf *b = &j->cases;
        sb_add(b, ",\n    {\"name\": ");
        sb_str(b, name);
        j->n_cases++;
        sb_add(b, ", \"kind\": \"stream\", \"what\": \"the speech case's input pushed in chunks of %zu samples "
                  "(the last one shorter) into the stream, then finished: the frames as they come, before "
                  "normalisation, [frames][n_cols]\", \"length\": %zu, \"sample_rate\": %d, \"chunk\": %zu, "
                  "\"input\": \"inputs/speech.npy\", \"input_raw\": \"inputs/speech.f32\", \"input_dtype\": "
                  "\"float32\", \"expected\": \"expected/%s.npy\", \"expected_raw\": \"expected/%s.f32\", "
                  "\"shape\": ",
               ch, j->n_speech, j->rate, ch, name, name);
        sb_shape(b, shape, 2);
        double w = sk.n == nf ? worst_ratio(sk.t, y, nf * cols, rule, tol) : NAN;
        sb_add(b, ", \"dtype\": \"float32\", \"rule\": \"%s\", \"tol\": ", rule);
        sb_num(b, w > 0.5 ? 2.0 * w * tol : tol);
        if (w > 0.5) {
            sb_add(b, ", \"tol_widened\": ");
            sb_num(b, 2.0 * w);
            j->n_widened++;
        }
        sb_add(b, ", \"wmel_cpu_error\": ");
        sb_num(b, w);
        if (sk.n != nf) sb_add(b, ", \"wmel_cpu_frames\": %zu", sk.n);
        sb_add(b, ", \"stages\": []}");
        if (!(w <= j->cpu_worst)) {
            j->cpu_worst = w;
            snprintf(j->cpu_worst_case, sizeof j->cpu_worst_case, "%s", name);
        }
        free(sk.t);
    }
out:
    free(y);
    wmel_destroy(ref);
    wmel_destroy(cpu);
    return rc;
}

/* Every case of the plan. A status with err. */
static int make_cases(vjob *j, char *err, size_t err_len)
{
    const int sr = j->rate, fl = j->fl, hop = j->hop, nfft = j->nfft;
    const size_t sec = (size_t)sr;
    float *x = malloc((sec * 30 + 1) * sizeof *x);
    if (!x) return snprintf(err, err_len, "out of memory"), WMEL_ERR_NO_MEMORY;
    int rc = make_case(j, "speech", "speech", "the bundled speech clip at the plan's rate", j->speech, j->n_speech, err,
                       err_len);
    /* signals of 1 s */
    const double bin = (double)sr / nfft;
    const double kb = floor(1000.0 / bin) > 1 ? floor(1000.0 / bin) : 1;
    uint64_t seed = 0x5eed;
    char what[256];
    for (int kind = 0; kind < 8 && rc == WMEL_OK; kind++) {
        const char *name = "", *w = what;
        for (size_t i = 0; i < sec; i++) {
            const double t = (double)i / sr;
            switch (kind) {
            case 0: x[i] = 0.0f; break;
            case 1: x[i] = 0.5f; break;
            case 2: x[i] = (float)(0.5 * sin(2 * M_PI * kb * bin * t)); break;
            case 3: x[i] = (float)(0.5 * sin(2 * M_PI * (kb + 0.5) * bin * t)); break;
            case 4: { /* 20 Hz to 0.95 Nyquist, linear */
                const double f0 = 20.0, f1 = 0.95 * sr / 2;
                x[i] = (float)(0.5 * sin(2 * M_PI * (f0 * t + (f1 - f0) * t * t / 2.0)));
                break;
            }
            case 5: x[i] = rng_unit(&seed); break;
            case 6: {
                double v = 2.0 * sin(2 * M_PI * 440.0 * t);
                x[i] = (float)(v > 1.0 ? 1.0 : v < -1.0 ? -1.0 : v);
                break;
            }
            case 7: x[i] = 0.0f; break;
            }
        }
        switch (kind) {
        case 0: name = "silence", w = "zeros"; break;
        case 1: name = "dc", w = "0.5 everywhere"; break;
        case 2:
            name = "tone-on-bin";
            snprintf(what, sizeof what, "0.5 sin at %s Hz, the centre of DFT bin %.0f", cli_num(kb * bin), kb);
            break;
        case 3:
            name = "tone-between-bins";
            snprintf(what, sizeof what, "0.5 sin at %s Hz, half-way between DFT bins %.0f and %.0f", cli_num((kb + 0.5) * bin),
                     kb, kb + 1);
            break;
        case 4: name = "chirp", w = "0.5 sin of a linear chirp from 20 Hz to 0.95 x Nyquist"; break;
        case 5: name = "noise-full-scale", w = "uniform noise in [-1, 1) (splitmix64, seed 0x5eed, 24 bits)"; break;
        case 6: name = "clipped", w = "2 sin at 440 Hz clipped to [-1, 1]"; break;
        case 7: {
            name = "impulses-frame-edges";
            /* 1 at each frame's first and last sample (snip framing: hop t and hop t + fl - 1;
               centred: hop t - fl / 2 and hop t + fl / 2 - 1), and at the clip's first and last */
            const long off = j->plan.framing == WMEL_FRAMES_SNIP            ? 0
                             : j->plan.framing == WMEL_FRAMES_KALDI_CENTER ? (long)hop / 2 - (long)fl / 2
                                                                           : -(long)fl / 2;
            for (long t = 0; t < 12; t++) {
                long a = (long)hop * t * 3 + off, e = a + fl - 1;
                if (a >= 0 && (size_t)a < sec) x[a] = 1.0f;
                if (e >= 0 && (size_t)e < sec) x[e] = -1.0f;
            }
            x[0] = 1.0f, x[sec - 1] = 1.0f;
            w = "unit impulses at the first and last sample of every third frame's window, and at the clip's ends";
            break;
        }
        }
        rc = make_case(j, name, "signal", w, x, sec, err, err_len);
    }
    /* the lengths at the framing's edges: low-level noise and a tone */
    size_t lens[16];
    const char *lwhy[16];
    int nl = 0;
    const size_t k = (size_t)fl / (size_t)hop + 2;
    lens[nl] = 0, lwhy[nl++] = "no samples";
    lens[nl] = 1, lwhy[nl++] = "one sample";
    lens[nl] = (size_t)fl - 1, lwhy[nl++] = "frame_length - 1";
    lens[nl] = (size_t)fl, lwhy[nl++] = "frame_length";
    lens[nl] = (size_t)fl + 1, lwhy[nl++] = "frame_length + 1";
    if (nfft / 2 != fl) {
        lens[nl] = (size_t)nfft / 2, lwhy[nl++] = "n_fft / 2 (the reflection's reach)";
        lens[nl] = (size_t)nfft / 2 + 1, lwhy[nl++] = "n_fft / 2 + 1";
    }
    lens[nl] = (size_t)fl / 2, lwhy[nl++] = "frame_length / 2";
    lens[nl] = (size_t)fl / 2 + 1, lwhy[nl++] = "frame_length / 2 + 1";
    lens[nl] = k * hop - 1, lwhy[nl++] = "a multiple of hop - 1";
    lens[nl] = k * hop, lwhy[nl++] = "a multiple of hop";
    lens[nl] = k * hop + 1, lwhy[nl++] = "a multiple of hop + 1";
    lens[nl] = 3 * k * hop - 1, lwhy[nl++] = "a larger multiple of hop - 1";
    lens[nl] = 3 * k * hop + 1, lwhy[nl++] = "a larger multiple of hop + 1";
    for (int i = 0; i < nl && rc == WMEL_OK; i++) {
        int dup = 0;
        for (int q = 0; q < i; q++) dup |= lens[q] == lens[i];
        if (dup) continue;
        uint64_t s2 = 0x1e9 + lens[i];
        for (size_t t = 0; t < lens[i]; t++)
            x[t] = 0.1f * rng_unit(&s2) + (float)(0.3 * sin(2 * M_PI * 440.0 * (double)t / sr));
        char name[64], w2[200];
        snprintf(name, sizeof name, "len-%zu", lens[i]);
        snprintf(w2, sizeof w2, "%s: 0.1 x uniform noise + 0.3 sin at 440 Hz", lwhy[i]);
        rc = make_case(j, name, "length", w2, x, lens[i], err, err_len);
    }
    /* the 30 s rule (Whisper's family, a plan that pads or cuts to n_frames) */
    if (rc == WMEL_OK && !j->o.quick && (j->plan.frontend == WMEL_FRONTEND_WHISPER || j->plan.n_frames > 0)) {
        for (size_t t = 0; t < sec * 30 + 1; t++) x[t] = j->speech[t % j->n_speech];
        rc = make_case(j, "speech-30s", "30s", "the speech repeated to exactly 30 s", x, sec * 30, err, err_len);
        if (rc == WMEL_OK)
            rc = make_case(j, "speech-30s-plus-1", "30s", "the speech repeated to 30 s + 1 sample", x, sec * 30 + 1,
                           err, err_len);
    }
    free(x);
    return rc;
}

/* ---- the folder */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}
static void rm_tree(const char *dir)
{
    if (dir) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* 0: PACK may be written (absent, an empty folder, or a previous pack with --force; *old
 * set then); else the exit status, reported. --force replaces only a folder that is
 * recognisably a wmel pack (cli_pack_recognise): never another folder, whatever it holds. */
static int pack_target(const vopts *o, int *old)
{
    struct stat sb;
    *old = 0;
    if (lstat(o->out, &sb) != 0) {
        if (errno == ENOENT) return 0;
        cli_msg("wmel: vectors: %s: %s", o->out, strerror(errno));
        return 1;
    }
    if (S_ISLNK(sb.st_mode)) {
        cli_msg("wmel: vectors: %s is a symbolic link: not replaced (name the folder itself)", o->out);
        return 1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        cli_msg("wmel: vectors: %s exists and is not a folder: not replaced", o->out);
        return 1;
    }
    DIR *d = opendir(o->out);
    if (!d) {
        cli_msg("wmel: vectors: %s: %s", o->out, strerror(errno));
        return 1;
    }
    int empty = 1;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
    closedir(d);
    if (empty) return 0;
    char why[1200];
    const int is_pack = cli_pack_recognise(o->out, why, sizeof why);
    if (!o->force) {
        cli_msg("wmel: vectors: %s exists and is not empty: %s", o->out,
                is_pack ? "--force replaces this previous pack" : "not a pack of wmel vectors; choose another folder");
        return 1;
    }
    if (!is_pack) {
        cli_msg("wmel: vectors: %s is not a pack of wmel vectors (%s): not replaced, even with --force; choose another folder",
                o->out, why);
        return 1;
    }
    *old = 1;
    return 0;
}

/* PACK's parent and a temporary name beside it ("PACK.tmp-XXXXXX", "PACK.old-XXXXXX"). */
static char *beside(const char *target, const char *tag)
{
    size_t l = strlen(target);
    while (l > 1 && target[l - 1] == '/') l--;
    char *s = malloc(l + 32);
    if (!s) return NULL;
    snprintf(s, l + 32, "%.*s.%s-XXXXXX", (int)l, target, tag);
    if (!mkdtemp(s)) {
        free(s);
        return NULL;
    }
    return s;
}

/* The speech clip when --speech names none: the working folder's data/speech_en.wav (the
 * repository's, where the command runs in it), else the one installed with the command
 * (PREFIX/share/wmel/speech_en.wav, found from the executable's folder), else the source
 * tree's the command was built from (WMEL_SOURCE_SPEECH); the first that exists. */
static char g_speech[4096];
static const char *default_speech(void)
{
    const char *rel = "data/speech_en.wav";
    struct stat st;
    if (stat(rel, &st) == 0) return rel;
#if defined(__linux__)
    char exe[4096];
    const ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            const int w = snprintf(g_speech, sizeof g_speech, "%s/../share/wmel/speech_en.wav", exe);
            if (w > 0 && (size_t)w < sizeof g_speech && stat(g_speech, &st) == 0) return g_speech;
        }
    }
#endif
#ifdef WMEL_SOURCE_SPEECH
    if (stat(WMEL_SOURCE_SPEECH, &st) == 0) return WMEL_SOURCE_SPEECH;
#endif
    return rel; /* none: the message names it and --speech */
}

static int vectors_parse(int argc, char **argv, vopts *o)
{
    memset(o, 0, sizeof *o);
    cli_fe_init(&o->fe);
    o->fe.takes_cols = 1;
    o->speech = default_speech();
    int pr;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((pr = cli_fe_opt(a, v, &o->fe)) != 0) {
            if (pr == 2) return 2;
            if (pr == 1) i++;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!v) return cli_usage("vectors: -o needs a folder (the pack)");
            o->out = v, i++;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (!strcmp(a, "--force")) {
            o->force = 1;
        } else if (!strcmp(a, "--quick")) {
            o->quick = 1;
        } else if (!strcmp(a, "--speech")) {
            if (!v) return cli_usage("vectors: --speech needs an audio file");
            o->speech = v, i++;
        } else if (!strcmp(a, "--threads")) {
            size_t t;
            if (!v || cli_size(v, &t) || t > 1024) return cli_usage("vectors: --threads takes a count 0..1024");
            o->threads = (int)t, i++;
        } else {
            char m[300];
            snprintf(m, sizeof m, "vectors: unknown option or extra argument '%s' (wmel vectors --help)", a);
            return cli_usage(m);
        }
    }
    if (!o->out) return cli_usage("vectors: no pack folder given: wmel vectors --preset NAME -o PACK");
    if (!o->fe.preset && !o->fe.plan_file && !o->fe.hf_config && !o->fe.frontend_given)
        return cli_usage("vectors: no plan given: --preset NAME, --plan FILE.json or --hf-config DIR");
    return 0;
}

static int write_manifest(vjob *j, const char *plan_json, const char *stream_note, char *err, size_t err_len)
{
    strbuf b = {0};
    sb_add(&b, "{\n  \"format\": \"%s\",\n  \"wmel_version\": ", WMEL_PACK_FORMAT);
    sb_str(&b, wmel_version());
    sb_add(&b, ",\n  \"plan_source\": ");
    sb_str(&b, cli_fe_label(&j->o.fe));
    sb_add(&b, ",\n  \"quick\": %s", j->o.quick ? "true" : "false");
    if (j->o.quick)
        sb_add(&b, ",\n  \"quick_note\": \"made with --quick: the speech case is the clip's first second and the 30 s "
                   "cases are left out\"");
    if (j->speech_cut)
        sb_add(&b, ",\n  \"speech_note\": \"the speech clip was longer than %d s: the speech case is its first %d s\"",
               SPEECH_MAX_S, SPEECH_MAX_S);
    sb_add(&b, ",\n  \"plan\": %s", plan_json[0] == '{' ? plan_json : "null");
    if (plan_json[0] != '{') {
        sb_add(&b, ",\n  \"plan_note\": ");
        sb_str(&b, plan_json);
    }
    const wmel_frontend_plan *p = &j->plan;
    sb_add(&b, ",\n  \"sample_rate\": %d, \"frame_length\": %d, \"hop\": %d, \"n_fft\": %d, \"n_mels\": %d, "
               "\"layout\": \"%s\",\n  \"per_column_affine\": %zu,\n  \"chain\": ",
           p->sample_rate, p->frame_length, p->hop, p->n_fft, p->n_mels,
           p->layout == WMEL_LAYOUT_MELS_FRAMES ? "[columns][frames]" : "[frames][columns]", j->n_colvec);
    sb_str(&b, j->fe->summary);
    sb_add(&b, ",\n  \"expected_from\": \"the float64 reference (wmel_features on WMEL_BACKEND_REF: every step in "
               "double) rounded once to float32, in the original's layout\",\n"
               "  \"stages_from\": \"the float64 reference stage by stage (%s, the stages of wmel inspect), float64, "
               "not rounded; each stage's frames are the STFT frames the output holds (padding frames past them are "
               "the plan's pad value); expected/window.npy is the plan's window\",\n",
           j->fe->plan ? "wmel_ref_plan_stages" : "wmel_ref_stages");
    sb_add(&b, "  \"inputs_from\": \"float32 mono samples at the plan's rate, as .npy and raw little-endian float32 "
               "(.f32); the speech is data/speech_en.wav (16 kHz)%s\",\n",
           j->rate != 16000 ? " resampled to the plan's rate with a Hann-windowed sinc (32 zero crossings)" : "");
    sb_add(&b, "  \"tolerance\": {\"rel1\": \"|port - expected| <= tol * max(1, |expected|) in every cell\", "
               "\"peak\": \"|port - expected| <= tol * max |expected| over the array, in every cell\", "
               "\"log_domain\": ");
    sb_num(&b, TOL_LOG);
    sb_add(&b, ", \"samples\": ");
    sb_num(&b, TOL_SAMPLES);
    sb_add(&b, ", \"spectrum\": ");
    sb_num(&b, TOL_SPECTRUM);
    sb_add(&b, ", \"linear_output\": ");
    sb_num(&b, TOL_LINEAR_OUT);
    sb_add(&b, ",\n    \"chosen\": \"log-domain arrays (the log and every stage after it, the output): rel1 1e-4, "
               "3.4 x the largest error of float32 originals against the float64 oracle on speech (openai-whisper "
               "2.97e-5, NeMo 2.60e-5; docs/inspect.md); frames, windowed and the other sample stages: peak 1e-6 "
               "(float32 rounding, a few eps of 1.2e-7); power and mel: peak 1e-5 (a float32 transform and mel sum); "
               "a plan without a log: peak 1e-5 on its output. wmel_cpu_error: the worst |d| / allowed (at the "
               "rule's base tol) of wmel's float32 CPU backend on the case. Where it exceeds 0.5 the case holds values "
               "a float32 implementation cannot reproduce (mel energies below the float32 noise floor of their "
               "frame, whose log is rounding noise, or a normalisation that divides by a near-zero spread): the "
               "case's tol and its log-domain stages' are widened to twice that error (tol_widened: the factor)\",\n    \"wmel_cpu_worst\": ");
    sb_num(&b, j->cpu_worst);
    sb_add(&b, ", \"wmel_cpu_worst_case\": ");
    sb_str(&b, j->cpu_worst_case);
    sb_add(&b, ", \"cases_widened\": %d},\n", j->n_widened);
    sb_add(&b, "  \"refusals\": \"a case with refused true is an input the plan refuses (status and the library's "
               "message); a port should refuse it too: check fails an output written for it\",\n"
               "  \"streaming\": %s,\n"
               "  \"streaming_rule\": \"a stream case's expected frames are the offline frames before normalisation: "
               "wmel_features of the stream's plan (wmel_plan_for_stream: normalisation off; unstacked) on the float64 "
               "reference, rounded once, [frames][n_cols], the frames the stream emits (those that read no sample past "
               "the clip's valid frames)\",\n  \"cases\": [",
           stream_note);
    sb_add(&b, "%s\n  ]\n}\n", j->cases.s ? j->cases.s : "");
    if (b.oom) {
        free(b.s);
        snprintf(err, err_len, "out of memory");
        return WMEL_ERR_NO_MEMORY;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", j->dir);
    cli_out o;
    int rc = cli_out_open(&o, path, 0, err, err_len);
    if (rc == WMEL_OK) {
        if (fwrite(b.s, 1, b.n, o.f) != b.n) {
            cli_out_abort(&o);
            snprintf(err, err_len, "%.900s: write failed", path);
            rc = WMEL_ERR_IO;
        } else {
            rc = cli_out_commit(&o, err, err_len);
        }
    }
    free(b.s);
    return rc;
}

int cli_vectors_make(int argc, char **argv, int (*stop)(void))
{
    vjob j;
    memset(&j, 0, sizeof j);
    int rc = vectors_parse(argc, argv, &j.o);
    if (rc) return rc;
    j.o.stop = stop;
    if (cli_fe_plan(&j.o.fe, &j.plan)) return 2; /* reported */
    char err[1200] = "";
    if (cli_fe_colvec(&j.o.fe, &j.plan, &j.colvec, &j.n_colvec, err, sizeof err)) {
        cli_msg("wmel: vectors: %s", err);
        return 1;
    }
    j.fe = cli_frontend_of_plan(&j.plan, cli_fe_label(&j.o.fe), &j.built);
    j.rate = j.plan.sample_rate, j.fl = j.plan.frame_length, j.hop = j.plan.hop, j.nfft = j.plan.n_fft;
    char plan_json[WMEL_PLAN_JSON_MAX], why[512] = "";
    if (wmel_plan_to_json(&j.plan, plan_json, sizeof plan_json, why, sizeof why))
        snprintf(plan_json, sizeof plan_json, "the plan has no JSON form: %.500s", why);
    for (size_t l = strlen(plan_json); l && (plan_json[l - 1] == '\n' || plan_json[l - 1] == ' ');) plan_json[--l] = 0;
    int old = 0;
    if ((rc = pack_target(&j.o, &old))) goto done_nodir;
    /* the speech clip, at the plan's rate */
    float *pcm = NULL;
    size_t n = 0;
    /* at most its first SPEECH_MAX_S seconds are decoded: a long file costs no more */
    rc = cli_load_head(j.o.speech, SPEECH_MAX_16K + 1, &pcm, &n, j.o.quiet, 0, err, sizeof err);
    if (rc) {
        cli_msg("wmel: vectors: the speech case: %s (--speech FILE names the clip; without it, the "
                "working folder's data/speech_en.wav, the installed share/wmel/speech_en.wav or the source "
                "tree's)", err);
        rc = 1;
        goto done_nodir;
    }
    if (n > SPEECH_MAX_16K) {
        n = SPEECH_MAX_16K;
        j.speech_cut = 1;
        if (!j.o.quiet)
            cli_msg("wmel: vectors: %s is longer than %d s: the speech case is its first %d s", j.o.speech, SPEECH_MAX_S,
                    SPEECH_MAX_S);
    }
    if (j.rate != 16000) {
        j.speech = resample(pcm, n, 16000, j.rate, &j.n_speech);
        free(pcm);
    } else {
        j.speech = pcm, j.n_speech = n;
    }
    if (j.o.quick && j.n_speech > (size_t)j.rate) j.n_speech = (size_t)j.rate; /* its first second */
    if (!j.speech || j.n_speech == 0) {
        cli_msg("wmel: vectors: %s: no samples", j.o.speech);
        rc = 1;
        goto done_nodir;
    }
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_REF;
    int st;
    j.ref = cli_fe_ctx(&p, &j.plan, &j.o.fe, &st, err, sizeof err);
    p.backend = WMEL_BACKEND_CPU;
    p.n_threads = j.o.threads;
    j.cpu = j.ref ? cli_fe_ctx(&p, &j.plan, &j.o.fe, &st, err, sizeof err) : NULL;
    if (!j.cpu) {
        cli_msg("wmel: vectors: %s", err);
        rc = 1;
        goto done_nodir;
    }
    if (!(j.dir = beside(j.o.out, "tmp"))) {
        cli_msg("wmel: vectors: %s: cannot create a folder beside it: %s", j.o.out, strerror(errno));
        rc = 1;
        goto done_nodir;
    }
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/inputs", j.dir);
    rc = mkdir(sub, 0777);
    snprintf(sub, sizeof sub, "%s/expected", j.dir);
    if (rc == 0) rc = mkdir(sub, 0777);
    if (rc) {
        snprintf(err, sizeof err, "%.900s: %s", sub, strerror(errno));
        rc = WMEL_ERR_IO;
    }
    if (rc == WMEL_OK) rc = make_cases(&j, err, sizeof err);
    strbuf note = {0};
    if (rc == WMEL_OK) rc = make_streams(&j, &note, err, sizeof err);
    if (rc == WMEL_OK && j.cases.oom) rc = WMEL_ERR_NO_MEMORY, snprintf(err, sizeof err, "out of memory");
    if (rc == WMEL_OK) rc = write_manifest(&j, plan_json, note.s ? note.s : "null", err, sizeof err);
    free(note.s);
    /* From here to the end the stop signals wait (blocked, then delivered once the folders
       are as they should be): a signal during the renames or the removal cannot leave a
       PACK.tmp-XXXXXX, a PACK.old-XXXXXX or no PACK at all behind. A stop asked before
       the block is honoured: nothing is renamed. */
    sigset_t held, prev;
    sigemptyset(&held);
    sigaddset(&held, SIGINT);
    sigaddset(&held, SIGTERM);
    sigaddset(&held, SIGHUP);
    const int blocked = pthread_sigmask(SIG_BLOCK, &held, &prev) == 0;
    if (rc == WMEL_OK && j.o.stop && j.o.stop()) rc = CLI_VECTORS_STOPPED, snprintf(err, sizeof err, "interrupted");
    if (rc == WMEL_OK) { /* into place: a previous pack moved aside first, removed after */
        char *aside = old ? beside(j.o.out, "old") : NULL;
        if (old && (!aside || rename(j.o.out, aside) != 0)) {
            snprintf(err, sizeof err, "%s: cannot move the previous pack aside: %s", j.o.out, strerror(errno));
            rc = WMEL_ERR_IO;
        } else if (rename(j.dir, j.o.out) != 0) {
            snprintf(err, sizeof err, "%s: cannot rename the new pack into place: %s", j.o.out, strerror(errno));
            rc = WMEL_ERR_IO;
            if (aside) rename(aside, j.o.out);
        } else {
            free(j.dir);
            j.dir = NULL;
        }
        if (aside && rc == WMEL_OK) rm_tree(aside);
        else if (aside) rmdir(aside);
        free(aside);
    }
    if (rc == CLI_VECTORS_STOPPED) {
        /* the caller reports the stop; the folder goes below */
    } else if (rc) {
        cli_msg("wmel: vectors: %s", err);
        rc = 1;
    } else if (!j.o.quiet) {
        fprintf(stderr, "wmel: vectors: %s: %d cases (%d expected refusals) of %s; wmel's CPU backend within %.2g of "
                        "the tolerance at worst (%s); %d cases' tolerance widened to the float32 floor\n",
                cli_esc(j.o.out), j.n_cases, j.n_refused, cli_fe_label(&j.o.fe), j.cpu_worst, j.cpu_worst_case, j.n_widened);
    }
    rm_tree(j.dir);
    if (blocked) pthread_sigmask(SIG_SETMASK, &prev, NULL);
done_nodir:
    free(j.dir);
    free(j.cases.s);
    free(j.speech);
    free(j.colvec);
    wmel_destroy(j.ref);
    wmel_destroy(j.cpu);
    return rc;
}
