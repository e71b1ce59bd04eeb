/*
 * test_cuda_finish.c -- a general plan's finish on the CUDA device (k_plan_finish after
 * k_plan_frames, in float64 and in float-float; every preset's is tests/conformance/
 * test_backends.c's): for NeMo's plan with each rule the device applies (the other layout, WMEL_NORM_MEAN_VAR, pad_to, the
 * variance over n, the mean alone, eps 0, n_frames, pad_value, the affine, no
 * normalisation, the clip's max clamp with the data's max or a fixed one, the clamp then
 * each column's mean and std (WMEL_NORMF_THEN_MEAN_VAR: over n with an affine, the mean
 * alone, eps 0 with pad_to and pad_value; silence and one frame), one mean and one
 * denominator over every column (WMEL_NORMF_ALL: with the variance over n, the mean alone,
 * WMEL_NORM_MEAN_VAR, eps 0 with n_frames, pad_value and the affine), three frames a
 * row), on clips of 1 to 16000 samples, silence and one frame, wmel_features gives the bytes
 * and status of the host's finish of the same device values (WMEL_CUDA_DEVICE_FINISH=0) in
 * float64 and is within 2e-5 x max(1, |value|) of them in float-float, and within that bar
 * of the CPU backend in either; the calls the device finished are counted
 * (WMEL__CNT_CU_FINISHES). A NaN sample, samples x 1e18, values
 * past float32's range and an affine past it give the CPU's statuses with no device finish
 * (the flag, then the host's way). Batches of mixed lengths (wmel_features_batch) give each
 * clip's single-call bytes and the host finish's, every clip with frames finished on the
 * device, a NaN in a clip the CPU's status and index. The post stage (k_plan_post: LFR's
 * stride, left copies and last-frame tail; deltas with two frames a row and the tail
 * trimmed; a batch of each), the per-column scales of the frames and of LFR's rows
 * (wmel_create_plan_cols, cols_stacked) and the cepstra (lhotse's MFCC with the log energy,
 * htk_compat with and without it) the same way. Exit 77 without a device.
 */
#define _GNU_SOURCE /* setenv */
#include "testutil.h"
#include "wmel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAR 2e-5


static const char *const ARITH[2] = {"float64", "float-float"};
static int g_arith;

/* the per-column affine mk() gives its ctxs (wmel_create_plan_cols; g_ncols 0: none) */
static const double *g_cscale, *g_cshift;
static size_t g_ncols;

/* A ctx of the plan on `backend` (CUDA in the arithmetic under test; fin_env: the
   WMEL_CUDA_DEVICE_FINISH switch, NULL unset; the per-column affine g_*); NULL where it is
   refused. */
static wmel_ctx *mk(const wmel_frontend_plan *plan, int backend, const char *fin_env)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_threads = 2;
    t_setenv("WMEL_CUDA_ARITHMETIC", ARITH[g_arith], 1); /* read when the ctx is made */
    if (fin_env) t_setenv("WMEL_CUDA_DEVICE_FINISH", fin_env, 1);
    int st = 0;
    wmel_ctx *c = g_ncols ? wmel_create_plan_cols(&p, plan, g_cscale, g_cshift, g_ncols, &st)
                          : wmel_create_plan(&p, plan, &st);
    t_unsetenv("WMEL_CUDA_DEVICE_FINISH");
    t_unsetenv("WMEL_CUDA_ARITHMETIC");
    CHECK(c != NULL, "create on backend %d: %d (%s)", backend, st, wmel_cuda_error_detail());
    return c;
}

/* c's output for x[0 .. n) into *o (testutil's t_features_new) */
static int run(wmel_ctx *c, const float *x, size_t n, float **o, size_t *len) { return t_features_new(c, x, n, o, len); }

/* One input on the device (dev), the host's finish of the device's values (off) and the CPU:
   dev's status off's (and the CPU's where cpu_status); float64 off's bytes, float-float
   within the bar of them; within the bar of the CPU. The device's finishes of the call
   returned. */
static long long one_st(const char *what, wmel_ctx *cpu, wmel_ctx *dev, wmel_ctx *off, const float *x, size_t n,
                        int cpu_status)
{
    float *oc, *od, *oo;
    size_t lc, ld, lo;
    const int rc = run(cpu, x, n, &oc, &lc), ro = run(off, x, n, &oo, &lo);
    const long long f0 = t_count(WMEL__CNT_CU_FINISHES);
    const int rd = run(dev, x, n, &od, &ld);
    const long long f = t_count(WMEL__CNT_CU_FINISHES) - f0;
    CHECK(rd == ro && (rd == rc || !cpu_status),
          "%s n=%zu %s: status %d on the device, %d with the host's finish, %d on the CPU", what, n, ARITH[g_arith], rd,
          ro, rc);
    if (rd == WMEL_OK && ro == WMEL_OK && rc == WMEL_OK && ld == lo && ld == lc) {
        if (!g_arith)
            CHECK(!memcmp(od, oo, ld * sizeof(float)), "%s n=%zu float64: other bytes than the host's finish (error %g)",
                  what, n, t_rel_err_ff(od, oo, ld));
        else
            CHECK(t_rel_err_ff(od, oo, ld) <= BAR, "%s n=%zu float-float: error %g from the host's finish (bar %g)",
                  what, n, t_rel_err_ff(od, oo, ld), BAR);
        CHECK(t_rel_err_ff(od, oc, ld) <= BAR, "%s n=%zu %s: error %g from the CPU (bar %g)", what, n, ARITH[g_arith],
              t_rel_err_ff(od, oc, ld), BAR);
    }
    free(oc);
    free(od);
    free(oo);
    return f;
}

static long long one(const char *what, wmel_ctx *cpu, wmel_ctx *dev, wmel_ctx *off, const float *x, size_t n)
{
    return one_st(what, cpu, dev, off, x, n, 1);
}

/* A plan's three ctxs. */
typedef struct trio {
    wmel_ctx *cpu, *dev, *off;
} trio;

static int trio_open(trio *t, const wmel_frontend_plan *plan)
{
    t->cpu = mk(plan, WMEL_BACKEND_CPU, NULL);
    t->dev = mk(plan, WMEL_BACKEND_CUDA, NULL);
    t->off = mk(plan, WMEL_BACKEND_CUDA, "0");
    return t->cpu && t->dev && t->off;
}

static void trio_close(trio *t)
{
    wmel_destroy(t->cpu);
    wmel_destroy(t->dev);
    wmel_destroy(t->off);
}

/* A plan on clips of several lengths (want 1: each clip with frames finished on the device;
   0: none; -1: either), a NaN sample and samples x 1e18 (no device finish); the device's
   finishes. */
static long long plan_check(const char *name, const wmel_frontend_plan *plan, const float *speech, int want)
{
    trio t = {NULL, NULL, NULL};
    long long total = 0;
    float *x = malloc(16000 * sizeof(float));
    if (x && trio_open(&t, plan)) {
        const size_t lens[] = {1, 561, 5600, 16000};
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            const size_t n = lens[li];
            memcpy(x, speech + 3000 + 101 * li, n * sizeof(float));
            const long long f = one(name, t.cpu, t.dev, t.off, x, n);
            size_t rows = 0, cols = 0;
            if (want == 1 && n >= 5600 && wmel_features_shape(t.cpu, n, &rows, &cols) == WMEL_OK)
                CHECK(f == 1, "%s n=%zu %s: %lld finishes on the device", name, n, ARITH[g_arith], f);
            if (want == 0) CHECK(f == 0, "%s n=%zu: %lld finishes on the device", name, n, f);
            total += f;
        }
        for (int k = 0; k < 2; k++) {
            const size_t n = 16000;
            memcpy(x, speech + 3000, n * sizeof(float));
            if (k == 0) x[n / 3] = NAN;
            else
                for (size_t i = 0; i < n; i++) x[i] *= 1e18f;
            char what[192];
            snprintf(what, sizeof what, "%s (%s)", name, k ? "samples x 1e18" : "a NaN sample");
            /* samples x 1e18: the CPU's status too (a plan of Whisper's geometry, which the
               CPU refuses there, runs on the ctx's CPU twin) */
            const long long f = one_st(what, t.cpu, t.dev, t.off, x, n, 1);
            if (k == 0) CHECK(f == 0, "%s: %lld finishes on the device", what, f);
        }
        /* the switch off: never on the device */
        const long long f0 = t_count(WMEL__CNT_CU_FINISHES);
        float *o;
        size_t len;
        (void)run(t.off, speech, 16000, &o, &len);
        free(o);
        CHECK(t_count(WMEL__CNT_CU_FINISHES) == f0, "%s: WMEL_CUDA_DEVICE_FINISH=0 finished on the device", name);
    }
    trio_close(&t);
    free(x);
    return total;
}

/* wmel_features_batch of B clips of mixed lengths (400 to 24,400 samples; a NaN in clip
   nan_at where it is below B) on the device: the CPU's status and failed index; each clip the
   single call's bytes and, in float64, the host finish's (the bar in float-float); every clip
   finished on the device (no NaN). */
static void batch_check(const char *name, const wmel_frontend_plan *plan, const float *speech, size_t nan_at)
{
    enum { B = 9 };
    trio t = {NULL, NULL, NULL};
    if (!trio_open(&t, plan)) {
        trio_close(&t);
        return;
    }
    const float *pcm[B];
    float *own[B], *ob[B], *oo[B], *o1[B], *oc[B];
    size_t n[B], len[B];
    int ok = 1;
    for (size_t b = 0; b < B; b++) {
        n[b] = 400 + (b * 7919) % 24000;
        own[b] = malloc(n[b] * sizeof(float));
        if (own[b]) memcpy(own[b], speech + 997 * b % 30000, n[b] * sizeof(float));
        if (own[b] && b == nan_at) own[b][n[b] / 2] = NAN;
        pcm[b] = own[b];
        size_t rows = 0, cols = 0;
        const int sh = wmel_features_shape(t.dev, n[b], &rows, &cols);
        len[b] = sh == WMEL_OK ? rows * cols : 0;
        ob[b] = malloc((len[b] ? len[b] : 1) * sizeof(float));
        oo[b] = malloc((len[b] ? len[b] : 1) * sizeof(float));
        o1[b] = malloc((len[b] ? len[b] : 1) * sizeof(float));
        oc[b] = malloc((len[b] ? len[b] : 1) * sizeof(float));
        ok = ok && own[b] && ob[b] && oo[b] && o1[b] && oc[b];
    }
    if (ok) {
        size_t fc = B + 1, fd = B + 1, fo = B + 1;
        const int rc = wmel_features_batch(t.cpu, pcm, n, B, oc, len, &fc);
        const int ro = wmel_features_batch(t.off, pcm, n, B, oo, len, &fo);
        const long long f0 = t_count(WMEL__CNT_CU_FINISHES);
        const int rd = wmel_features_batch(t.dev, pcm, n, B, ob, len, &fd);
        const long long f = t_count(WMEL__CNT_CU_FINISHES) - f0;
        CHECK(rd == rc && fd == fc && ro == rc && fo == fc,
              "%s batch %s: status %d at %zu on the device, %d at %zu with the host's finish, %d at %zu on the CPU",
              name, ARITH[g_arith], rd, fd, ro, fo, rc, fc);
        if (nan_at >= B)
            CHECK(f == B, "%s batch %s: %lld of %d clips finished on the device", name, ARITH[g_arith], f, (int)B);
        for (size_t b = 0; rd == WMEL_OK && ro == WMEL_OK && b < B; b++) {
            const int r1 = wmel_features(t.dev, pcm[b], n[b], o1[b], len[b]);
            CHECK(r1 == WMEL_OK && !memcmp(ob[b], o1[b], len[b] * sizeof(float)),
                  "%s batch %s clip %zu (%zu samples): not the single call's bytes (%d)", name, ARITH[g_arith], b,
                  n[b], r1);
            if (!g_arith)
                CHECK(!memcmp(ob[b], oo[b], len[b] * sizeof(float)),
                      "%s batch clip %zu: other bytes than the host's finish (error %g)", name, b,
                      t_rel_err_ff(ob[b], oo[b], len[b]));
            else
                CHECK(t_rel_err_ff(ob[b], oo[b], len[b]) <= BAR, "%s batch clip %zu float-float: error %g (bar %g)",
                      name, b, t_rel_err_ff(ob[b], oo[b], len[b]), BAR);
        }
        printf("%s %s: a batch of %d clips, %lld finished on the device%s\n", name, ARITH[g_arith], (int)B, f,
               nan_at < B ? " (a NaN in one)" : "");
    } else {
        CHECK(0, "%s: the batch's buffers", name);
    }
    for (size_t b = 0; b < B; b++) {
        free(own[b]);
        free(ob[b]);
        free(oo[b]);
        free(o1[b]);
        free(oc[b]);
    }
    trio_close(&t);
}

/* Values past float32's range: made by the frames (no log, scaled samples) or by the affine
   (no normalisation): the CPU's status (WMEL_ERR_SAMPLE_RANGE) on the device too, by the
   host's way (no device finish), single and in a batch. */
static void range_check(const wmel_frontend_plan *nemo, const float *speech)
{
    for (int k = 0; k < 2; k++) {
        wmel_frontend_plan v = *nemo;
        v.log = WMEL_LOG_NONE;
        v.scale = 1e8;
        if (k) { /* power values past 1e9: x 1e30 past float32 */
            v.norm = WMEL_NORM_NONE;
            v.affine = 1;
            v.post_scale = 1e30;
            v.post_shift = 0.0;
        }
        const char *what = k ? "nemo no log, an affine past float32" : "nemo no log, values past float32";
        trio t = {NULL, NULL, NULL};
        float *y = malloc(16000 * sizeof(float));
        if (y && trio_open(&t, &v)) {
            for (size_t i = 0; i < 16000; i++) y[i] = speech[3000 + i] * (k ? 1.0f : 1e14f);
            float *o;
            size_t len;
            const int rcpu = run(t.cpu, y, 16000, &o, &len);
            free(o);
            CHECK(rcpu == WMEL_ERR_SAMPLE_RANGE, "%s: the CPU's status %d", what, rcpu);
            const long long f = one(what, t.cpu, t.dev, t.off, y, 16000);
            CHECK(f == 0, "%s: %lld finishes on the device", what, f);
            /* in a batch, second of two clips: the CPU's status and index */
            const float *pcm[2] = {speech + 5000, y};
            const size_t n[2] = {8000, 16000};
            size_t len2[2], fd = 9, fc = 9;
            float *out[2];
            for (int b = 0; b < 2; b++) {
                size_t rows = 0, cols = 0;
                wmel_features_shape(t.dev, n[b], &rows, &cols);
                len2[b] = rows * cols;
                out[b] = malloc((len2[b] ? len2[b] : 1) * sizeof(float));
            }
            if (out[0] && out[1]) {
                const int rc = wmel_features_batch(t.cpu, pcm, n, 2, out, len2, &fc);
                const long long f0 = t_count(WMEL__CNT_CU_FINISHES);
                const int rd = wmel_features_batch(t.dev, pcm, n, 2, out, len2, &fd);
                CHECK(rd == rc && fd == fc && rc == WMEL_ERR_SAMPLE_RANGE && t_count(WMEL__CNT_CU_FINISHES) - f0 <= 1,
                      "%s in a batch: %d at %zu on the device, %d at %zu on the CPU, %lld device finishes", what, rd,
                      fd, rc, fc, t_count(WMEL__CNT_CU_FINISHES) - f0);
            }
            free(out[0]);
            free(out[1]);
        }
        trio_close(&t);
        free(y);
    }
}

/* A rule of the device's finish on NeMo's plan: its normalisation and flags, eps (-1:
   NeMo's), pad_to, n_frames, pad_value, the affine (scale 0: none), a fixed max and the
   clamp's range, frames a row; batch 1 (mels x frames) or 2 (frames x mels): in a batch too. */
typedef struct rule {
    const char *what;
    int norm, flags;
    double eps;
    int pad_to, n_frames;
    double pad, scale, shift, max, range;
    int stack, batch;
} rule;

static const rule RULES[] = {
    {"", WMEL_NORM_PER_FEATURE, 0, -1.0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0},
    {", mean_var, pad_to 64", WMEL_NORM_MEAN_VAR, 0, 1e-5, 64, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0},
    {", variance over n, eps 0", WMEL_NORM_PER_FEATURE, WMEL_NORMF_POPULATION, 0.0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0},
    {", mean only, eps 0", WMEL_NORM_PER_FEATURE, WMEL_NORMF_MEAN_ONLY, 0.0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0},
    {", 120 frames, pad -1.5, affine", WMEL_NORM_PER_FEATURE, 0, -1.0, 0, 120, -1.5, 0.37, -2.25, 0.0, 0.0, 0, 2},
    {", no normalisation, pad -1.5, affine", WMEL_NORM_NONE, 0, -1.0, 0, 0, -1.5, 0.37, -2.25, 0.0, 0.0, 0, 0},
    {", the clip's max", WMEL_NORM_WHOLE, 0, 0.0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0},
    {", a fixed max", WMEL_NORM_WHOLE, WMEL_NORMF_FIXED_MAX, 0.0, 0, 0, 0.0, 0.0, 0.0, 1.5, 0.0, 0, 0},
    {", the clip's max, range 6, 90 frames, pad, affine", WMEL_NORM_WHOLE, 0, 0.0, 0, 90, -0.75, 2.5, 0.125, 0.0, 6.0,
     0, 1},
    {", three frames a row", WMEL_NORM_PER_FEATURE, 0, -1.0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 3, 0},
    {", the clip's max then mean and std over n, affine", WMEL_NORM_WHOLE,
     WMEL_NORMF_THEN_MEAN_VAR | WMEL_NORMF_POPULATION, 1e-10, 0, 0, 0.0, 40.0, -40.0, 0.0, 0.0, 0, 1},
    {", the clip's max then the mean alone, affine", WMEL_NORM_WHOLE, WMEL_NORMF_THEN_MEAN_VAR | WMEL_NORMF_MEAN_ONLY,
     1e-10, 0, 0, 0.0, 40.0, -40.0, 0.0, 0.0, 0, 2},
    {", the clip's max then mean and std, eps 0, pad_to 48, pad -0.5", WMEL_NORM_WHOLE, WMEL_NORMF_THEN_MEAN_VAR, 0.0,
     48, 0, -0.5, 0.0, 0.0, 0.0, 0.0, 0, 0},
    {", one statistic over every column", WMEL_NORM_PER_FEATURE, WMEL_NORMF_ALL, -1.0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0,
     0, 2},
    {", one statistic over every column, over n", WMEL_NORM_PER_FEATURE, WMEL_NORMF_ALL | WMEL_NORMF_POPULATION, -1.0,
     0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0},
    {", one mean over every column", WMEL_NORM_PER_FEATURE, WMEL_NORMF_ALL | WMEL_NORMF_MEAN_ONLY, -1.0, 0, 0, 0.0,
     0.0, 0.0, 0.0, 0.0, 0, 0},
    {", mean_var, one statistic over every column", WMEL_NORM_MEAN_VAR, WMEL_NORMF_ALL, 1e-5, 0, 0, 0.0, 0.0, 0.0, 0.0,
     0.0, 0, 1},
    {", one statistic over every column, eps 0, 120 frames, pad -1.5, affine", WMEL_NORM_PER_FEATURE, WMEL_NORMF_ALL,
     0.0, 0, 120, -1.5, 0.37, -2.25, 0.0, 0.0, 0, 0},
};

/* The post stage on the device (k_plan_post) on NeMo's plan in rows: LFR 7/6 with three
   copies of frame 0 and the last frame's tail, deltas (N 2) two frames a row with the tail
   trimmed; each at every length and in a batch of mixed lengths (the single calls' bytes). */
static void post_checks(const wmel_frontend_plan *nemo, const float *speech)
{
    wmel_frontend_plan v = *nemo;
    v.layout = WMEL_LAYOUT_FRAMES_MELS;
    t_lfr76(&v);
    plan_check("nemo, LFR 7/6, left 3, the last frame", &v, speech, 1);
    batch_check("nemo, LFR 7/6, left 3, the last frame", &v, speech, 99);
    v = *nemo;
    v.layout = WMEL_LAYOUT_FRAMES_MELS;
    v.delta_win = 5;
    v.stack = 2;
    v.stack_tail = WMEL_STACK_TAIL_TRIM;
    plan_check("nemo, deltas (win 5), 2 frames a row, trimmed", &v, speech, 1);
    batch_check("nemo, deltas (win 5), 2 frames a row, trimmed", &v, speech, 99);
}

/* The per-column affine (wmel_create_plan_cols): of the frames (NeMo's plan, frames x mels),
   and of LFR's rows (cols_stacked: FunASR's am.mvn), at every length. */
static void cols_check(const wmel_frontend_plan *nemo, const float *speech)
{
    enum { W = 7 * 128 };
    static double sc[W], sh[W];
    t_cols_vectors(sc, sh, W);
    wmel_frontend_plan v = *nemo;
    v.layout = WMEL_LAYOUT_FRAMES_MELS;
    g_cscale = sc, g_cshift = sh, g_ncols = (size_t)v.n_mels;
    plan_check("nemo, frames x mels, per-column affine", &v, speech, 1);
    t_lfr76(&v);
    v.cols_stacked = 1;
    g_ncols = 7 * (size_t)v.n_mels;
    plan_check("nemo, LFR 7/6, the rows' per-column affine", &v, speech, 1);
    g_ncols = 0;
}

/* The cepstra on the device (k_plan_frames' DCT) on lhotse's MFCC plan: the log energy in
   c0's place, Kaldi's htk_compat with and without it. */
static void ceps_checks(const float *speech)
{
    wmel_frontend_plan m;
    char msg[256];
    CHECK(wmel_preset_plan("lhotse-mfcc", &m, msg, sizeof msg) == WMEL_OK, "lhotse-mfcc: %s", msg);
    m.dither = 0.0;
    m.use_energy = 1;
    plan_check("lhotse-mfcc, the energy", &m, speech, 1);
    m.ceps_htk = 1;
    plan_check("lhotse-mfcc, the energy, htk_compat", &m, speech, 1);
    m.use_energy = 0;
    plan_check("lhotse-mfcc, htk_compat", &m, speech, 1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    wmel_frontend_plan nemo;
    char msg[256];
    CHECK(wmel_preset_plan("nemo", &nemo, msg, sizeof msg) == WMEL_OK, "nemo: %s", msg);
    nemo.dither = 0.0;
    {
        const int skip = t_cuda_or_skip(&nemo, "test_cuda_finish");
        if (skip) return skip;
    }
    size_t ns = 0;
    float *speech = t_load_wav("audio/speech_en.wav", &ns);
    CHECK(speech && ns >= 60000, "speech: %zu samples", ns);
    if (!speech || ns < 60000) return t_done("test_cuda_finish");
    for (g_arith = 0; g_arith < 2; g_arith++) {
        /* every preset's finish on the device, against the host's finish and the reference, and
           where it ran: tests/conformance/test_backends.c */
        /* NeMo's plan with each rule, in each layout (three frames a row: frames x mels) */
        for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++)
            for (int lay = 0; lay < 2; lay++) {
                const rule *r = &RULES[i];
                if (r->stack && !lay) continue;
                wmel_frontend_plan v = nemo;
                v.layout = lay ? WMEL_LAYOUT_FRAMES_MELS : WMEL_LAYOUT_MELS_FRAMES;
                v.norm = r->norm;
                v.norm_flags = r->flags;
                if (r->eps >= 0.0) v.norm_eps = r->eps;
                v.pad_to = r->pad_to;
                v.n_frames = r->n_frames;
                v.pad_value = r->pad;
                v.affine = r->scale != 0.0;
                v.post_scale = r->scale;
                v.post_shift = r->shift;
                v.norm_max = r->max;
                v.norm_range = r->range;
                if (r->stack) v.stack = r->stack;
                char what[160];
                snprintf(what, sizeof what, "nemo, %s%s", lay ? "frames x mels" : "mels x frames", r->what);
                plan_check(what, &v, speech, 1);
                if (r->batch == 1 + lay) batch_check(what, &v, speech, 99);
            }
        /* silence (no variance: eps the denominator; eps 0: the floor's zero) and one frame;
           the same after the clip's max clamp (WMEL_NORMF_THEN_MEAN_VAR, eps 0) */
        for (int e0 = 0; e0 < 3; e0++) {
            static const char *const SIL[3] = {"nemo, silence", "nemo eps 0, silence",
                                               "nemo, max then mean, eps 0, silence"};
            static const char *const ONE[3] = {"nemo, one frame", "nemo eps 0, one frame",
                                               "nemo, max then mean, eps 0, one frame"};
            wmel_frontend_plan v = nemo;
            if (e0) v.norm_eps = 0.0;
            if (e0 == 2) {
                v.norm = WMEL_NORM_WHOLE;
                v.norm_flags = WMEL_NORMF_THEN_MEAN_VAR;
            }
            trio t = {NULL, NULL, NULL};
            float *z = calloc(16000, sizeof(float));
            if (z && trio_open(&t, &v)) {
                const long long f = one(SIL[e0], t.cpu, t.dev, t.off, z, 16000);
                const long long f1 = one(ONE[e0], t.cpu, t.dev, t.off, speech + 5000, (size_t)v.hop);
                CHECK(f == 1 && f1 == 1, "nemo eps %g: %lld and %lld finishes on the device", v.norm_eps, f, f1);
            }
            trio_close(&t);
            free(z);
        }
        /* batches: NeMo's, Kaldi's (no normalisation), Seamless's (two frames a row), Xcodec2's
           (the fill), a NaN in one clip */
        batch_check("nemo", &nemo, speech, 99);
        batch_check("nemo, a NaN in clip 4", &nemo, speech, 4);
        {
            const char *bp[] = {"kaldi", "seamless", "xcodec2", "speechbrain-fbank"};
            for (size_t i = 0; i < sizeof bp / sizeof bp[0]; i++) {
                wmel_frontend_plan pl;
                CHECK(wmel_preset_plan(bp[i], &pl, msg, sizeof msg) == WMEL_OK, "%s: %s", bp[i], msg);
                pl.dither = 0.0;
                batch_check(bp[i], &pl, speech, 99);
            }
        }
        range_check(&nemo, speech);
        post_checks(&nemo, speech);
        cols_check(&nemo, speech);
        ceps_checks(speech);
    }
    free(speech);
    return t_done("test_cuda_finish");
}
