/*
 * test_vulkan_finish.c -- a general plan's finish on the Vulkan device (finish.comp, the
 * per-feature normalisation; lavapipe in `make test-vulkan`): for NeMo's plan in each
 * layout, with WMEL_NORM_MEAN_VAR, with pad_to, with the appended finish's rules the device
 * applies (the variance over n, the mean alone, norm_eps 0, n_frames, pad_value, the affine,
 * the clip's max then each column's mean and denominator (WMEL_NORMF_THEN_MEAN_VAR), one
 * mean and denominator over every column (WMEL_NORMF_ALL); every preset's finish is
 * tests/conformance/test_backends.c's), on a silent clip (a zero
 * denominator) and one frame (no variance), wmel_features on the device gives the CPU backend's bytes and
 * statuses in float64, and is within 2e-5 x max(1, |CPU's value|) in float-float; NeMo's
 * clips take the device's finish (no host finish), a plan with stacking keeps the host's; WMEL_VULKAN_DEVICE_FINISH=0 keeps the host's finish and gives
 * the same; a NaN sample, samples past the kernels' range, values past float32's range and
 * an affine past it give the CPU's statuses (float-float: samples past its bound the CPU's bytes); batches
 * (wmel_features_batch) of NeMo's plan in both layouts with pad_to and of Kaldi's give the CPU
 * backend's bytes (the bar in float-float), each clip finished on the device where a round
 * holds it whole, none with the switch off, some with rounds cut to 8000 samples, a NaN in a
 * clip the CPU's status and index; each Vulkan call of a create and two calls failed in turn
 * gives a status with a message or the CPU's bytes, never other bytes. Exit 77 without a
 * device.
 */
#define _GNU_SOURCE /* setenv, RTLD_NODELETE */
#include "testutil.h"
#include "vk_test.h"
#include "wmel.h"

#include <math.h>
#include <stdio.h>
#if defined(__linux__)
#include <dlfcn.h>
#endif
#include <stdlib.h>
#include <string.h>

#define BAR 2e-5

void t_vk_fail_at(long n);     /* vk_loader.c's injection: the n-th Vulkan call from now fails */

/* the per-column affine mk() gives its ctxs (wmel_create_plan_cols; g_ncols 0: none) */
static const double *g_cscale, *g_cshift;
static size_t g_ncols;

static wmel_ctx *mk(const wmel_frontend_plan *plan, int backend, int arith, const char *fin_env)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.vulkan_arith = arith;
    p.n_threads = 2;
    if (fin_env) t_setenv("WMEL_VULKAN_DEVICE_FINISH", fin_env, 1); /* read when the ctx is made */
    int st = 0;
    wmel_ctx *c = g_ncols ? wmel_create_plan_cols(&p, plan, g_cscale, g_cshift, g_ncols, &st)
                          : wmel_create_plan(&p, plan, &st);
    if (fin_env) t_unsetenv("WMEL_VULKAN_DEVICE_FINISH");
    CHECK(c != NULL, "create on backend %d arith %d: %d %s", backend, arith, st,
          backend == WMEL_BACKEND_VULKAN ? wmel_vulkan_error_detail() : "");
    return c;
}

/* c's output for x[0 .. n) into *o (testutil's t_features_new) */
static int run(wmel_ctx *c, const float *x, size_t n, float **o, size_t *len) { return t_features_new(c, x, n, o, len); }

/* Device against CPU for one input: the same status; float64 the same bytes, float-float
   within the bar (vals 0: the statuses only; 2: the CPU's bytes in either arithmetic, a clip
   the CPU's kernels take); the device's finishes counted into *dev. */
static void one_vals(const char *what, wmel_ctx *cpu, wmel_ctx *vk, int arith, const float *x, size_t n,
                     long long *dev, int vals)
{
    float *oc, *ov;
    size_t lc, lv;
    const int rc = run(cpu, x, n, &oc, &lc);
    const long long f0 = t_count(WMEL__CNT_VK_FINISHES);
    const int rv = run(vk, x, n, &ov, &lv);
    *dev = t_count(WMEL__CNT_VK_FINISHES) - f0;
    CHECK(rc == rv, "%s n=%zu arith %d: status %d on the device, %d on the CPU", what, n, arith, rv, rc);
    if (vals && rc == WMEL_OK && rv == WMEL_OK && lc == lv) {
        if (arith == WMEL_VULKAN_ARITH_FLOAT64 || vals == 2)
            CHECK(!memcmp(oc, ov, lc * sizeof(float)), "%s n=%zu arith %d: other bytes than the CPU's (error %g)",
                  what, n, arith, t_rel_err_ff(ov, oc, lc));
        else
            CHECK(t_rel_err_ff(ov, oc, lc) <= BAR, "%s n=%zu float-float: error %g (bar %g)", what, n,
                  t_rel_err_ff(ov, oc, lc), BAR);
    }
    free(oc);
    free(ov);
}

static void one(const char *what, wmel_ctx *cpu, wmel_ctx *vk, int arith, const float *x, size_t n, long long *dev)
{
    one_vals(what, cpu, vk, arith, x, n, dev, 1);
}

/* Within the bar of the CPU's output (float32 values on both sides). */
static void bar_check(const char *what, wmel_ctx *cpu, wmel_ctx *vk, const float *x, size_t n)
{
    float *oc, *ov;
    size_t lc, lv;
    const int rc = run(cpu, x, n, &oc, &lc), rv = run(vk, x, n, &ov, &lv);
    if (rc == WMEL_OK && rv == WMEL_OK && lc == lv)
        CHECK(t_rel_err_ff(ov, oc, lc) <= BAR, "%s n=%zu: error %g from the CPU's (bar %g)", what, n,
              t_rel_err_ff(ov, oc, lc), BAR);
    free(oc);
    free(ov);
}

/* A plan on the device (the finish on it, want 1; on the host, want 0; either, -1) and with
   WMEL_VULKAN_DEVICE_FINISH=0 against the CPU; returns the device's finishes. A plan of
   Whisper's geometry that the CPU computes with Whisper's own kernels (float32 steps; the
   Vulkan backend's general ones differ from them by an ulp and take samples they refuse) is
   held to the host's finish of the device's values instead, and to the CPU within the bar. */
static long long plan_check(const char *name, const wmel_frontend_plan *plan, int arith, const float *speech,
                            size_t ns, int want)
{
    wmel_ctx *cpu = mk(plan, WMEL_BACKEND_CPU, 0, NULL);
    wmel_ctx *vk = mk(plan, WMEL_BACKEND_VULKAN, arith, NULL);
    wmel_ctx *off = mk(plan, WMEL_BACKEND_VULKAN, arith, "0");
    const char *kn = cpu ? wmel_kernel_name(cpu) : "";
    const int general = strstr(kn, "-fft") || strstr(kn, "-dft");
    wmel_ctx *ref = general ? cpu : off; /* the bytes and statuses the device's finish gives */
    long long total = 0;
    const size_t lens[] = {1, 400, 561, 5600, 16000, 48000};
    CHECK(ns >= 3000 + 101 * 6 + 48000, "speech: %zu samples", ns);
    float *x = malloc(48000 * sizeof(float));
    for (size_t li = 0; cpu && vk && off && x && li < sizeof lens / sizeof lens[0]; li++) {
        const size_t n = lens[li];
        memcpy(x, speech + 3000 + 101 * li, n * sizeof(float));
        long long dev = 0, dev_off = 0;
        char what[160];
        snprintf(what, sizeof what, "%s (device finish)", name);
        one(what, ref, vk, arith, x, n, &dev);
        if (!general) bar_check(what, cpu, vk, x, n);
        snprintf(what, sizeof what, "%s (WMEL_VULKAN_DEVICE_FINISH=0)", name);
        one(what, ref, off, arith, x, n, &dev_off);
        CHECK(dev_off == 0, "%s n=%zu: the switch off, %lld finishes on the device", name, n, dev_off);
        size_t rows = 0, cols = 0;
        const int ok = wmel_features_shape(cpu, n, &rows, &cols) == WMEL_OK;
        if (want == 1 && ok && n >= 5600) CHECK(dev == 1, "%s n=%zu: %lld finishes on the device", name, n, dev);
        if (want == 0) CHECK(dev == 0, "%s n=%zu: %lld finishes on the device", name, n, dev);
        total += dev;
    }
    /* a NaN sample, samples past the CPU kernels' range: the CPU's statuses, no device finish;
       in float-float (samples past its bound: the CPU's kernels) the CPU's bytes */
    for (int k = 0; cpu && vk && x && k < 2; k++) {
        const size_t n = 16000;
        memcpy(x, speech + 3000, n * sizeof(float));
        if (k == 0) x[n / 3] = NAN;
        else
            for (size_t i = 0; i < n; i++) x[i] *= 1e18f;
        long long dev = 0;
        char what[160];
        snprintf(what, sizeof what, "%s (%s)", name, k ? "samples x 1e18" : "a NaN sample");
        one_vals(what, ref, vk, arith, x, n, &dev, arith == WMEL_VULKAN_ARITH_FLOAT64 || !general ? 1 : 2);
        CHECK(dev == 0, "%s: %lld finishes on the device", what, dev);
        if (general) { /* the CPU backend's status, the device's finish on or off (a plan of Whisper's
                          geometry aside: docs/vulkan.md, "Not yet done") */
            float *oc, *ov, *oo;
            size_t lc, lv, lo;
            const int rc = run(cpu, x, n, &oc, &lc), rv = run(vk, x, n, &ov, &lv), ro = run(off, x, n, &oo, &lo);
            CHECK(rc == rv && rc == ro, "%s: status %d on the device (%d with the host's finish), %d on the CPU", what,
                  rv, ro, rc);
            free(oc);
            free(ov);
            free(oo);
        }
    }
    free(x);
    wmel_destroy(cpu);
    wmel_destroy(vk);
    wmel_destroy(off);
    return total;
}

/* wmel_features_batch of B clips (lengths 400 to 24,400, speech from different offsets; with
   a NaN at clip `nan_at` where it is below B) on the device against the CPU: the same status
   and failed index, float64 the same bytes, float-float within the bar; the clips the device
   finished returned (the batch's rounds: each clip a round holds whole). */
static long long batch_one(const char *what, wmel_ctx *cpu, wmel_ctx *vk, int arith, const float *speech, size_t B,
                           size_t nan_at)
{
    float **pcm = calloc(B, sizeof *pcm), **oc = calloc(B, sizeof *oc), **ov = calloc(B, sizeof *ov);
    size_t *n = calloc(B, sizeof *n), *len = calloc(B, sizeof *len);
    int ok = pcm && oc && ov && n && len;
    for (size_t b = 0; ok && b < B; b++) {
        size_t rows = 0, cols = 0;
        n[b] = 400 + (b * 7919) % 24000;
        ok = wmel_features_shape(cpu, n[b], &rows, &cols) == WMEL_OK;
        len[b] = rows * cols;
        pcm[b] = malloc(n[b] * sizeof(float));
        oc[b] = malloc((len[b] ? len[b] : 1) * sizeof(float));
        ov[b] = malloc((len[b] ? len[b] : 1) * sizeof(float));
        ok = ok && pcm[b] && oc[b] && ov[b];
        if (!ok) break;
        memcpy(pcm[b], speech + 997 * b % 30000, n[b] * sizeof(float));
        if (b == nan_at) pcm[b][n[b] / 2] = NAN;
        for (size_t i = 0; i < len[b]; i++) oc[b][i] = ov[b][i] = 12345.0f;
    }
    long long dev = -1;
    if (ok) {
        size_t fc = B + 1, fv = B + 1;
        const int rc = wmel_features_batch(cpu, (const float *const *)pcm, n, B, oc, len, &fc);
        const long long f0 = t_count(WMEL__CNT_VK_FINISHES);
        const int rv = wmel_features_batch(vk, (const float *const *)pcm, n, B, ov, len, &fv);
        dev = t_count(WMEL__CNT_VK_FINISHES) - f0;
        CHECK(rc == rv && fc == fv, "%s arith %d: batch status %d at clip %zu on the device, %d at %zu on the CPU",
              what, arith, rv, fv, rc, fc);
        for (size_t b = 0; rc == WMEL_OK && rv == WMEL_OK && b < B; b++) {
            if (arith == WMEL_VULKAN_ARITH_FLOAT64)
                CHECK(!memcmp(oc[b], ov[b], len[b] * sizeof(float)),
                      "%s clip %zu (%zu samples): other bytes than the CPU's (error %g)", what, b, n[b],
                      t_rel_err_ff(ov[b], oc[b], len[b]));
            else
                CHECK(t_rel_err_ff(ov[b], oc[b], len[b]) <= BAR, "%s clip %zu float-float: error %g (bar %g)", what,
                      b, t_rel_err_ff(ov[b], oc[b], len[b]), BAR);
        }
    } else {
        CHECK(0, "%s: the batch's buffers", what);
    }
    for (size_t b = 0; b < B; b++) {
        if (pcm) free(pcm[b]);
        if (oc) free(oc[b]);
        if (ov) free(ov[b]);
    }
    free(pcm);
    free(oc);
    free(ov);
    free(n);
    free(len);
    return dev;
}

/* A plan's batches on the device: each clip finished there where a round holds it whole
   (every clip with the default rounds; some with rounds of 8000 samples, the others cut across
   rounds and finished on the host); WMEL_VULKAN_DEVICE_FINISH=0 none; a NaN in a clip: the
   CPU's status and index. */
static void batch_check(const char *name, const wmel_frontend_plan *plan, int arith, const float *speech)
{
    enum { B = 40 };
    wmel_ctx *cpu = mk(plan, WMEL_BACKEND_CPU, 0, NULL);
    wmel_ctx *vk = mk(plan, WMEL_BACKEND_VULKAN, arith, NULL);
    wmel_ctx *off = mk(plan, WMEL_BACKEND_VULKAN, arith, "0");
    t_setenv("WMEL_VULKAN_SIGNAL_LIMIT", "8000", 1);
    wmel_ctx *cut = mk(plan, WMEL_BACKEND_VULKAN, arith, NULL);
    t_unsetenv("WMEL_VULKAN_SIGNAL_LIMIT");
    if (cpu && vk && off && cut) {
        char what[160];
        snprintf(what, sizeof what, "%s batch", name);
        const long long all = batch_one(what, cpu, vk, arith, speech, B, B);
        CHECK(all == B, "%s arith %d: %lld of %d clips finished on the device", what, arith, all, (int)B);
        snprintf(what, sizeof what, "%s batch, WMEL_VULKAN_DEVICE_FINISH=0", name);
        const long long none = batch_one(what, cpu, off, arith, speech, B, B);
        CHECK(none == 0, "%s arith %d: %lld clips finished on the device", what, arith, none);
        snprintf(what, sizeof what, "%s batch, rounds of 8000 samples", name);
        const long long some = batch_one(what, cpu, cut, arith, speech, B, B);
        CHECK(some > 0 && some < B, "%s arith %d: %lld of %d clips finished on the device", what, arith, some, (int)B);
        snprintf(what, sizeof what, "%s batch, a NaN in clip 17", name);
        (void)batch_one(what, cpu, vk, arith, speech, B, 17);
        printf("arith %d: %s: %d clips a batch, %lld finished on the device (%lld with rounds of 8000 samples)\n",
               arith, name, (int)B, all, some);
    }
    wmel_destroy(cpu);
    wmel_destroy(vk);
    wmel_destroy(off);
    wmel_destroy(cut);
}

/* Each Vulkan call of a create and two calls of NeMo's plan failed in turn: a status with a
   message, or (device memory short: the frames' way) the CPU's bytes. */
static void inject(const wmel_frontend_plan *plan, const float *speech)
{
    enum { N = 8000 };
    wmel_ctx *cpu = mk(plan, WMEL_BACKEND_CPU, 0, NULL);
    float *want = NULL, *out = NULL;
    size_t len = 0, lo = 0;
    CHECK(cpu && run(cpu, speech, N, &want, &len) == WMEL_OK, "inject: the CPU's output");
    wmel_destroy(cpu);
    out = malloc(len * sizeof(float));
    long k;
    int statuses = 0, fallbacks = 0;
    for (k = 1; want && out && k < 400; k++) {
        const long base = t_count(WMEL__CNT_VK_CALLS);
        t_vk_fail_at(k);
        wmel_params p = wmel_default_params();
        p.backend = WMEL_BACKEND_VULKAN;
        p.vulkan_arith = WMEL_VULKAN_ARITH_FLOAT64;
        int st = 0;
        wmel_ctx *c = wmel_create_plan(&p, plan, &st);
        int rc = st;
        const long long f0 = t_count(WMEL__CNT_VK_FINISHES);
        for (int call = 0; c && call < 2 && rc == WMEL_OK; call++) {
            for (size_t i = 0; i < len; i++) out[i] = 12345.0f;
            rc = wmel_features(c, speech, N, out, len);
        }
        const long long dev = t_count(WMEL__CNT_VK_FINISHES) - f0;
        const int fired = t_count(WMEL__CNT_VK_CALLS) >= base + k;
        t_vk_fail_at(0);
        if (!fired) {
            CHECK(rc == WMEL_OK && dev == 2, "no failure injected: status %d, %lld device finishes", rc, dev);
            wmel_destroy(c);
            break;
        }
        if (rc == WMEL_OK) {
            fallbacks++;
            CHECK(!memcmp(out, want, len * sizeof(float)), "call %ld: other bytes than the CPU's (error %g)", k,
                  t_rel_err_ff(out, want, len));
        } else {
            statuses++;
            t_vk_fault_status(rc, k);
        }
        wmel_destroy(c);
        lo = (size_t)k;
    }
    CHECK(k > 20 && k < 400, "injection: %ld call sites", k - 1);
    printf("injection: %zu Vulkan calls failed in turn: %d statuses, %d calls with the CPU's bytes\n", lo, statuses,
           fallbacks);
    free(want);
    free(out);
}

/* The post stage on the device (finish.comp's post pass) on NeMo's plan in rows: LFR 7/6
   with three copies of frame 0 and the last frame's tail, a fill value with a stride, zeros,
   the incomplete row dropped, deltas (N 2) with the tail trimmed; each at every length and
   in batches, the CPU's bytes in float64. */
static void post_checks(const wmel_frontend_plan *nemo, int ar, const float *speech, size_t ns)
{
    wmel_frontend_plan v = *nemo;
    v.layout = WMEL_LAYOUT_FRAMES_MELS;
    t_lfr76(&v);
    plan_check("nemo, LFR 7/6, left 3, the last frame", &v, ar, speech, ns, 1);
    batch_check("nemo, LFR 7/6, left 3, the last frame", &v, ar, speech);
    v.stack = 4;
    v.stack_stride = 3;
    v.stack_left = 1;
    v.stack_tail = WMEL_STACK_TAIL_FILL;
    v.stack_fill = -2.5;
    plan_check("nemo, 4 frames a row, stride 3, left 1, fill -2.5", &v, ar, speech, ns, 1);
    v.stack_tail = WMEL_STACK_TAIL_ZERO;
    v.stack_fill = 0.0;
    v.stack_left = 0;
    plan_check("nemo, 4 frames a row, stride 3, zeros", &v, ar, speech, ns, 1);
    v = *nemo;
    v.layout = WMEL_LAYOUT_FRAMES_MELS;
    v.norm = WMEL_NORM_WHOLE;
    v.norm_eps = 0.0;
    v.stack = 3;
    v.stack_tail = WMEL_STACK_TAIL_DROP;
    plan_check("nemo, the clip's max, 3 frames a row, the last dropped", &v, ar, speech, ns, 1);
    v = *nemo;
    v.layout = WMEL_LAYOUT_FRAMES_MELS;
    v.delta_win = 5;
    v.stack = 2;
    v.stack_tail = WMEL_STACK_TAIL_TRIM;
    plan_check("nemo, deltas (win 5), 2 frames a row, trimmed", &v, ar, speech, ns, 1);
    batch_check("nemo, deltas (win 5), 2 frames a row, trimmed", &v, ar, speech);
    v.stack = 1;
    v.stack_tail = WMEL_STACK_TAIL_ZERO;
    v.delta_win = 3;
    plan_check("nemo, deltas (win 3)", &v, ar, speech, ns, 1);
}

/* The per-column affine (wmel_create_plan_cols): of the frames (in NeMo's plan, layout lay),
   and, with lay 1, of LFR's rows (cols_stacked: FunASR's am.mvn), at every length, in
   batches for the rows. */
static void cols_check(const wmel_frontend_plan *nemo, int lay, int ar, const float *speech, size_t ns)
{
    enum { W = 7 * 128 };
    static double sc[W], sh[W];
    t_cols_vectors(sc, sh, W);
    wmel_frontend_plan v = *nemo;
    v.layout = lay ? WMEL_LAYOUT_FRAMES_MELS : WMEL_LAYOUT_MELS_FRAMES;
    g_cscale = sc, g_cshift = sh, g_ncols = (size_t)v.n_mels;
    plan_check(lay ? "nemo, frames x mels, per-column affine" : "nemo, mels x frames, per-column affine", &v, ar,
               speech, ns, 1);
    if (lay) {
        t_lfr76(&v);
        v.cols_stacked = 1;
        g_ncols = 7 * (size_t)v.n_mels;
        plan_check("nemo, LFR 7/6, the rows' per-column affine", &v, ar, speech, ns, 1);
        batch_check("nemo, LFR 7/6, the rows' per-column affine", &v, ar, speech);
    }
    g_ncols = 0;
}

/* The cepstra on the device (frames.comp's DCT) on lhotse's MFCC plan: with the log energy
   in c0's place, Kaldi's htk_compat with and without it, 23 of 40 mels without the lifter,
   and normalised per feature with deltas (the finish and the post stage on them); each
   against the CPU (its bytes in float64) at every length. */
static void ceps_checks(int ar, const float *speech, size_t ns)
{
    wmel_frontend_plan m;
    char msg[256];
    CHECK(wmel_preset_plan("lhotse-mfcc", &m, msg, sizeof msg) == WMEL_OK, "lhotse-mfcc: %s", msg);
    m.dither = 0.0;
    wmel_frontend_plan v = m;
    v.use_energy = 1;
    plan_check("lhotse-mfcc, the energy", &v, ar, speech, ns, 1);
    v.ceps_htk = 1;
    plan_check("lhotse-mfcc, the energy, htk_compat", &v, ar, speech, ns, 1);
    v.use_energy = 0;
    plan_check("lhotse-mfcc, htk_compat", &v, ar, speech, ns, 1);
    v = m;
    v.n_mels = 40;
    v.n_ceps = 23;
    v.cepstral_lifter = 0.0;
    plan_check("lhotse-mfcc, 23 of 40 mels, no lifter", &v, ar, speech, ns, 1);
    v = m;
    v.norm = WMEL_NORM_PER_FEATURE;
    v.norm_eps = 1e-5;
    v.layout = WMEL_LAYOUT_FRAMES_MELS;
    v.delta_win = 5;
    plan_check("lhotse-mfcc, normalised, deltas", &v, ar, speech, ns, 1);
}

/* Whisper's geometry (wmel_create: the pfa400 blocks) with its clamp and 3x3 average on the
   device, the clamp alone, the average alone, 80 and 128 mels: wmel_log_mel of 201 to 480,000
   samples and wmel_features_batch of mixed clips against the same ctx's values finished on
   the host (WMEL_VULKAN_DEVICE_FINISH=0): float64 the same bytes, float-float within the
   bar; every clip finished on the device with the switch on, none with it off. */
static void whisper_checks(int ar, const float *speech, size_t ns)
{
    static const size_t lens[] = {201, 16000, 480000};
    float *x = malloc(480000 * sizeof(float));
    for (size_t i = 0; x && i < 480000; i++) x[i] = speech[i % ns];
    for (int cfg = 0; x && cfg < 4; cfg++) {
        wmel_params p = wmel_default_params();
        p.backend = WMEL_BACKEND_VULKAN;
        p.vulkan_arith = ar;
        p.n_threads = 2;
        p.n_mels = cfg == 3 ? 128 : 80;
        p.norm = cfg == 2 ? WMEL_NORM_NONE : WMEL_NORM_WHOLE;
        p.smooth = cfg == 1 ? WMEL_SMOOTH_NONE : WMEL_SMOOTH_3X3;
        int st = 0;
        wmel_ctx *vk = wmel_create(&p, &st);
        t_setenv("WMEL_VULKAN_DEVICE_FINISH", "0", 1);
        wmel_ctx *off = wmel_create(&p, &st);
        t_unsetenv("WMEL_VULKAN_DEVICE_FINISH");
        CHECK(vk && off, "whisper cfg %d: create %d", cfg, st);
        float *o1 = malloc(128 * 3001 * sizeof(float)), *o2 = malloc(128 * 3001 * sizeof(float));
        for (size_t li = 0; vk && off && o1 && o2 && li < sizeof lens / sizeof lens[0]; li++) {
            const size_t n = lens[li], len = (size_t)p.n_mels * wmel_n_frames(n, 0);
            const long long f0 = t_count(WMEL__CNT_VK_FINISHES);
            const int r1 = wmel_log_mel(vk, x, n, 0, o1, len);
            const long long dev = t_count(WMEL__CNT_VK_FINISHES) - f0;
            const int r2 = wmel_log_mel(off, x, n, 0, o2, len);
            const long long dev_off = t_count(WMEL__CNT_VK_FINISHES) - f0 - dev;
            CHECK(r1 == WMEL_OK && r2 == WMEL_OK, "whisper cfg %d n=%zu: status %d, %d with the host's finish", cfg,
                  n, r1, r2);
            CHECK(dev == 1 && dev_off == 0, "whisper cfg %d n=%zu: %lld and %lld finishes on the device", cfg, n, dev,
                  dev_off);
            if (r1 == WMEL_OK && r2 == WMEL_OK) {
                if (ar == WMEL_VULKAN_ARITH_FLOAT64)
                    CHECK(!memcmp(o1, o2, len * sizeof(float)), "whisper cfg %d n=%zu: other bytes (error %g)", cfg, n,
                          t_rel_err_ff(o1, o2, len));
                else
                    CHECK(t_rel_err_ff(o1, o2, len) <= BAR, "whisper cfg %d n=%zu float-float: error %g", cfg, n,
                          t_rel_err_ff(o1, o2, len));
            }
        }
        /* a batch of mixed clips: each finished on the device, the host's bytes */
        enum { B = 8 };
        float *pcm[B], *ob[B], *oo[B];
        size_t nb[B], lb[B];
        int ok = vk && off;
        for (size_t b = 0; b < B; b++) {
            nb[b] = 201 + (b * 37123) % 100000;
            lb[b] = (size_t)p.n_mels * wmel_n_frames(nb[b], 0);
            pcm[b] = x + (b * 997) % 200000;
            ob[b] = malloc(lb[b] * sizeof(float));
            oo[b] = malloc(lb[b] * sizeof(float));
            ok = ok && ob[b] && oo[b];
        }
        if (ok) {
            size_t f1 = B, f2 = B;
            const long long f0 = t_count(WMEL__CNT_VK_FINISHES);
            const int r1 = wmel_features_batch(vk, (const float *const *)pcm, nb, B, ob, lb, &f1);
            const long long dev = t_count(WMEL__CNT_VK_FINISHES) - f0;
            const int r2 = wmel_features_batch(off, (const float *const *)pcm, nb, B, oo, lb, &f2);
            CHECK(r1 == WMEL_OK && r2 == WMEL_OK && dev == B, "whisper cfg %d batch: status %d, %d; %lld of %d clips "
                  "finished on the device", cfg, r1, r2, dev, (int)B);
            for (size_t b = 0; r1 == WMEL_OK && r2 == WMEL_OK && b < B; b++)
                CHECK(ar == WMEL_VULKAN_ARITH_FLOAT64 ? !memcmp(ob[b], oo[b], lb[b] * sizeof(float))
                                                      : t_rel_err_ff(ob[b], oo[b], lb[b]) <= BAR,
                      "whisper cfg %d batch clip %zu: error %g", cfg, b, t_rel_err_ff(ob[b], oo[b], lb[b]));
        }
        for (size_t b = 0; b < B; b++) {
            free(ob[b]);
            free(oo[b]);
        }
        free(o1);
        free(o2);
        wmel_destroy(vk);
        wmel_destroy(off);
    }
    free(x);
}

/* A plan whose output passes float32's range (an affine, per-column scales) on 1 s of speech:
   the CPU backend's WMEL_ERR_SAMPLE_RANGE on the device too, from the host's way after the
   finish's flag (no finish on the device). */
static void past_f32(const char *what, const wmel_frontend_plan *v, int ar, const float *speech)
{
    wmel_ctx *cpu = mk(v, WMEL_BACKEND_CPU, 0, NULL), *vk = mk(v, WMEL_BACKEND_VULKAN, ar, NULL);
    long long dev = 0;
    if (cpu && vk) {
        float *o;
        size_t len;
        const int rcpu = run(cpu, speech + 3000, 16000, &o, &len);
        free(o);
        one(what, cpu, vk, ar, speech + 3000, 16000, &dev);
        CHECK(rcpu == WMEL_ERR_SAMPLE_RANGE, "%s: the CPU's status %d", what, rcpu);
        CHECK(dev == 0, "%s: %lld finishes on the device", what, dev);
    }
    wmel_destroy(cpu);
    wmel_destroy(vk);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    char devs[4096];
    const int skip = t_vk_devices(devs, sizeof devs);
    if (skip) return skip;
    size_t ns = 0;
    float *speech = t_load_wav("audio/speech_en.wav", &ns);
    CHECK(speech && ns >= 60000, "speech: %zu samples", ns);
    if (!speech || ns < 60000) return t_done("test_vulkan_finish");
    int ariths[2] = {WMEL_VULKAN_ARITH_FLOAT64, 0}, n_ar = 1;
#ifdef WMEL_HAVE_VULKAN_FF
    ariths[n_ar++] = WMEL_VULKAN_ARITH_FLOAT_FLOAT;
#endif
    wmel_frontend_plan nemo;
    char msg[256];
    CHECK(wmel_preset_plan("nemo", &nemo, msg, sizeof msg) == WMEL_OK, "nemo: %s", msg);
    nemo.dither = 0.0;
    for (int ai = 0; ai < n_ar; ai++) {
        const int ar = ariths[ai];
        /* every preset's finish on the device, its bytes and where it ran: tests/conformance/test_backends.c */
        /* NeMo's plan in the other layout, with the mean-variance rule, padded */
        wmel_frontend_plan v = nemo;
        v.layout = v.layout == WMEL_LAYOUT_FRAMES_MELS ? WMEL_LAYOUT_MELS_FRAMES : WMEL_LAYOUT_FRAMES_MELS;
        plan_check("nemo, other layout", &v, ar, speech, ns, 1);
        v = nemo;
        v.norm = WMEL_NORM_MEAN_VAR;
        v.norm_eps = 1e-5;
        plan_check("nemo, mean_var", &v, ar, speech, ns, 1);
        v.layout = WMEL_LAYOUT_FRAMES_MELS;
        v.pad_to = 64;
        plan_check("nemo, mean_var, frames x mels, pad_to 64", &v, ar, speech, ns, 1);
        v = nemo;
        v.pad_to = 100;
        plan_check("nemo, pad_to 100", &v, ar, speech, ns, 1);
        /* batches: NeMo's layout (mels x frames), frames x mels with pad_to, Kaldi's (no
           normalisation) */
        batch_check("nemo, pad_to 100", &v, ar, speech);
        v = nemo;
        v.norm = WMEL_NORM_MEAN_VAR;
        v.norm_eps = 1e-5;
        v.layout = WMEL_LAYOUT_FRAMES_MELS;
        v.pad_to = 64;
        batch_check("nemo, mean_var, frames x mels, pad_to 64", &v, ar, speech);
        ceps_checks(ar, speech, ns);
        whisper_checks(ar, speech, ns);
        {
            const char *bp[] = {"kaldi", "seamless", "xcodec2", "lhotse-mfcc"};
            for (size_t i = 0; i < 4; i++) {
                wmel_frontend_plan pl;
                CHECK(wmel_preset_plan(bp[i], &pl, msg, sizeof msg) == WMEL_OK, "%s: %s", bp[i], msg);
                pl.dither = 0.0;
                batch_check(bp[i], &pl, ar, speech);
            }
        }
        /* the appended finish's rules on NeMo's plan, each layout: the variance over n, the
           mean alone, pad_value, a fixed frame count (shorter and longer than the clips), the
           affine, all at once */
        for (int lay = 0; lay < 2; lay++) {
            char what[160];
            const char *ln = lay ? "frames x mels" : "mels x frames";
            v = nemo;
            v.layout = lay ? WMEL_LAYOUT_FRAMES_MELS : WMEL_LAYOUT_MELS_FRAMES;
            v.norm_flags = WMEL_NORMF_POPULATION;
            snprintf(what, sizeof what, "nemo, %s, variance over n", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            v.norm_flags = WMEL_NORMF_MEAN_ONLY;
            snprintf(what, sizeof what, "nemo, %s, mean only", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            /* one mean and one denominator over every column (NeMo's all_features), over n, the
               mean alone; the mean-variance rule with it, eps 1e-5 and eps 0 (the floor) */
            v.norm_flags = WMEL_NORMF_ALL;
            snprintf(what, sizeof what, "nemo, %s, one statistic over every column", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            if (lay) batch_check("nemo, frames x mels, one statistic over every column", &v, ar, speech);
            v.norm_flags = WMEL_NORMF_ALL | WMEL_NORMF_POPULATION;
            snprintf(what, sizeof what, "nemo, %s, one statistic over every column, over n", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            v.norm_flags = WMEL_NORMF_ALL | WMEL_NORMF_MEAN_ONLY;
            snprintf(what, sizeof what, "nemo, %s, one mean over every column", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            v.norm = WMEL_NORM_MEAN_VAR;
            v.norm_flags = WMEL_NORMF_ALL;
            v.norm_eps = 1e-5;
            snprintf(what, sizeof what, "nemo, %s, mean_var, one statistic over every column", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            v.norm = WMEL_NORM_PER_FEATURE;
            v.norm_eps = 0.0;
            snprintf(what, sizeof what, "nemo, %s, one statistic over every column, eps 0", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            v = nemo;
            v.layout = lay ? WMEL_LAYOUT_FRAMES_MELS : WMEL_LAYOUT_MELS_FRAMES;
            v.norm_flags = 0;
            v.pad_value = -1.5;
            v.n_frames = 120;
            v.affine = 1;
            v.post_scale = 0.37;
            v.post_shift = -2.25;
            snprintf(what, sizeof what, "nemo, %s, 120 frames, pad -1.5, affine", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            v.norm = WMEL_NORM_NONE;
            v.n_frames = 0;
            v.norm_eps = 0.0;
            snprintf(what, sizeof what, "nemo, %s, no normalisation, pad -1.5, affine", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            /* the clip's max clamp: the data's max, a fixed one, with range 6, pad and affine */
            v = nemo;
            v.layout = lay ? WMEL_LAYOUT_FRAMES_MELS : WMEL_LAYOUT_MELS_FRAMES;
            v.norm = WMEL_NORM_WHOLE;
            v.norm_eps = 0.0;
            snprintf(what, sizeof what, "nemo, %s, the clip's max", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            if (lay) batch_check("nemo, frames x mels, the clip's max", &v, ar, speech);
            v.norm_flags = WMEL_NORMF_FIXED_MAX;
            v.norm_max = 1.5;
            snprintf(what, sizeof what, "nemo, %s, a fixed max", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            v.norm_flags = 0;
            v.norm_max = 0.0;
            v.norm_range = 6.0;
            v.pad_value = -0.75;
            v.n_frames = 90;
            v.affine = 1;
            v.post_scale = 2.5;
            v.post_shift = 0.125;
            snprintf(what, sizeof what, "nemo, %s, the clip's max, range 6, 90 frames, pad, affine", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            if (!lay) batch_check("nemo, mels x frames, the clip's max, range 6, 90 frames, pad, affine", &v, ar, speech);
            /* then each column's mean and denominator of the clamped values (SpeechBrain's
               sentence normalisation on its dB values): over n with eps 1e-10 after the
               affine x 40 - 40; the mean alone; eps 0 (a constant column's 0) with pad_to */
            v = nemo;
            v.layout = lay ? WMEL_LAYOUT_FRAMES_MELS : WMEL_LAYOUT_MELS_FRAMES;
            v.norm = WMEL_NORM_WHOLE;
            v.norm_flags = WMEL_NORMF_THEN_MEAN_VAR | WMEL_NORMF_POPULATION;
            v.norm_eps = 1e-10;
            v.affine = 1;
            v.post_scale = 40.0;
            v.post_shift = -40.0;
            snprintf(what, sizeof what, "nemo, %s, the clip's max, affine, then mean and std", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            if (lay) batch_check("nemo, frames x mels, the clip's max, affine, then mean and std", &v, ar, speech);
            v.norm_flags = WMEL_NORMF_THEN_MEAN_VAR | WMEL_NORMF_MEAN_ONLY;
            snprintf(what, sizeof what, "nemo, %s, the clip's max, affine, then the mean", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            v.norm_flags = WMEL_NORMF_THEN_MEAN_VAR;
            v.norm_eps = 0.0;
            v.affine = 0;
            v.post_scale = v.post_shift = 0.0;
            v.pad_to = 48;
            v.pad_value = -0.5;
            snprintf(what, sizeof what, "nemo, %s, the clip's max, then mean and std, eps 0, pad_to 48", ln);
            plan_check(what, &v, ar, speech, ns, 1);
            if (lay) { /* three frames a row (the last row's rest zeros), then the rules at once */
                v = nemo;
                v.layout = WMEL_LAYOUT_FRAMES_MELS;
                v.stack = 3;
                plan_check("nemo, frames x mels, three frames a row", &v, ar, speech, ns, 1);
                v = nemo;
                v.layout = WMEL_LAYOUT_FRAMES_MELS;
                v.norm = WMEL_NORM_MEAN_VAR;
                v.norm_eps = 0.0;
                v.norm_flags = WMEL_NORMF_POPULATION;
                v.n_frames = 1024;
                v.pad_value = 0.5;
                batch_check("nemo, frames x mels, variance over n, eps 0, 1024 frames, pad 0.5", &v, ar, speech);
                post_checks(&nemo, ar, speech, ns);
            }
            /* the per-column affine of the frames (a CMVN), in this layout */
            cols_check(&nemo, lay, ar, speech, ns);
        }
        /* a silent clip (no variance: eps the denominator), one frame (no variance either);
           with eps 0 (a zero denominator: the appended finish's floor) too */
        for (int e0 = 0; e0 < 2; e0++) {
            v = nemo;
            if (e0) v.norm_eps = 0.0;
            wmel_ctx *cpu = mk(&v, WMEL_BACKEND_CPU, 0, NULL), *vk = mk(&v, WMEL_BACKEND_VULKAN, ar, NULL);
            float *z = calloc(16000, sizeof(float));
            long long dev = 0, dev1 = 0;
            if (cpu && vk && z) {
                one(e0 ? "nemo eps 0, silence" : "nemo, silence", cpu, vk, ar, z, 16000, &dev);
                one(e0 ? "nemo eps 0, one frame" : "nemo, one frame", cpu, vk, ar, speech + 5000, (size_t)v.hop, &dev1);
                CHECK(dev == 1 && dev1 == 1, "nemo eps %g: %lld and %lld finishes on the device", v.norm_eps, dev,
                      dev1);
            }
            free(z);
            wmel_destroy(cpu);
            wmel_destroy(vk);
        }
        /* the samples read in place (lavapipe has VK_EXT_external_memory_host): the bytes of
           the samples copied (WMEL_VULKAN_HOST_IMPORT=0); a NaN, an infinity or a sample past
           the CPU's bound where the frames read it (the shader's flag), the CPU's status and bytes */
        {
            wmel_ctx *cpu = mk(&nemo, WMEL_BACKEND_CPU, 0, NULL), *vk = mk(&nemo, WMEL_BACKEND_VULKAN, ar, NULL);
            t_setenv("WMEL_VULKAN_HOST_IMPORT", "0", 1);
            wmel_ctx *cp = mk(&nemo, WMEL_BACKEND_VULKAN, ar, NULL);
            t_unsetenv("WMEL_VULKAN_HOST_IMPORT");
            float *y = malloc(16003 * sizeof(float));
            const int lvp = strstr(devs, "llvmpipe") != NULL;
            if (cpu && vk && cp && y) {
                for (size_t off = 0; off < 3; off++) {
                    memcpy(y + off, speech + 3000, 16000 * sizeof(float));
                    float *a, *b;
                    size_t la, lb;
                    const long long i0 = t_count(WMEL__CNT_VK_IMPORTS);
                    const int ra = run(vk, y + off, 16000, &a, &la);
                    const long long i1 = t_count(WMEL__CNT_VK_IMPORTS);
                    const int rb = run(cp, y + off, 16000, &b, &lb);
                    CHECK(ra == WMEL_OK && rb == WMEL_OK && la == lb && !memcmp(a, b, la * sizeof(float)),
                          "nemo offset %zu: samples in place %d, copied %d, or other bytes", off, ra, rb);
                    CHECK(!lvp || i1 == i0 + 1, "nemo offset %zu: %lld imports on lavapipe", off, i1 - i0);
                    CHECK(t_count(WMEL__CNT_VK_IMPORTS) == i1, "nemo: the switch off imported");
                    free(a);
                    free(b);
                }
                const float bad[] = {NAN, INFINITY, 1e16f, -3e38f};
                for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
                    memcpy(y, speech + 3000, 16000 * sizeof(float));
                    y[8000] = bad[k];
                    long long dev = 0;
                    char bw[64];
                    snprintf(bw, sizeof bw, "nemo, %g read in place", (double)bad[k]);
                    one(bw, cpu, vk, ar, y, 16000, &dev);
                    CHECK(dev == 0, "nemo, %g: %lld finishes on the device", (double)bad[k], dev);
                }
            }
            free(y);
            wmel_destroy(cpu);
            wmel_destroy(vk);
            wmel_destroy(cp);
        }
        /* the output written in place (lavapipe has VK_EXT_external_memory_host): the device
           copies the finished clip's output into the caller's memory; at four offsets into a
           page (and across pages), the bytes of the copied output (WMEL_VULKAN_HOST_IMPORT=0)
           and not one byte written before or after it; a NaN sample: the CPU's status, nothing
           counted; FunASR's LFR (the post stage's rows) the same */
        for (int pi = 0; pi < 2; pi++) {
            wmel_frontend_plan q = nemo;
            char qm[160];
            if (pi == 1 && wmel_preset_plan("funasr", &q, qm, sizeof qm) != WMEL_OK) continue;
            if (pi == 1) q.dither = 0.0;
            wmel_ctx *vk = mk(&q, WMEL_BACKEND_VULKAN, ar, NULL), *cpu = mk(&q, WMEL_BACKEND_CPU, 0, NULL);
            t_setenv("WMEL_VULKAN_HOST_IMPORT", "0", 1);
            wmel_ctx *cp = mk(&q, WMEL_BACKEND_VULKAN, ar, NULL);
            t_unsetenv("WMEL_VULKAN_HOST_IMPORT");
            const int lvp = strstr(devs, "llvmpipe") != NULL;
            const char *qn = pi ? "funasr" : "nemo";
            size_t rows = 0, cols = 0;
            if (vk && cpu && cp && wmel_features_shape(vk, 16000, &rows, &cols) == WMEL_OK) {
                const size_t len = rows * cols, pad = 2048;
                float *buf = malloc((len + 2 * pad) * sizeof(float)), *want = malloc(len * sizeof(float));
                float *x = malloc(16000 * sizeof(float));
                const size_t offs[] = {0, 1, 3, 1021};
                for (size_t oi = 0; buf && want && x && oi < sizeof offs / sizeof offs[0]; oi++) {
                    memcpy(x, speech + 3000, 16000 * sizeof(float));
                    const int rw = wmel_features(cp, x, 16000, want, len);
                    for (size_t i = 0; i < len + 2 * pad; i++) buf[i] = 7777.0f;
                    float *o = buf + pad + offs[oi];
                    const long long i0 = t_count(WMEL__CNT_VK_OUT_IMPORTS);
                    const int ro = wmel_features(vk, x, 16000, o, len);
                    const long long i1 = t_count(WMEL__CNT_VK_OUT_IMPORTS);
                    int guard = 1;
                    for (size_t i = 0; i < pad + offs[oi]; i++) guard &= buf[i] == 7777.0f;
                    for (size_t i = pad + offs[oi] + len; i < len + 2 * pad; i++) guard &= buf[i] == 7777.0f;
                    CHECK(rw == WMEL_OK && ro == WMEL_OK && !memcmp(o, want, len * sizeof(float)),
                          "%s, output in place at +%zu: %d, copied %d, or other bytes", qn, offs[oi], ro, rw);
                    CHECK(guard, "%s, output in place at +%zu: a byte written outside the output", qn, offs[oi]);
                    CHECK(!lvp || i1 == i0 + 1, "%s, output at +%zu: %lld written in place on lavapipe", qn, offs[oi],
                          i1 - i0);
                    /* the switch off: the same bytes, nothing in place */
                    const long long j0 = t_count(WMEL__CNT_VK_OUT_IMPORTS);
                    CHECK(wmel_features(cp, x, 16000, o, len) == WMEL_OK && !memcmp(o, want, len * sizeof(float)) &&
                              t_count(WMEL__CNT_VK_OUT_IMPORTS) == j0,
                          "%s: the switch off wrote the output in place, or other bytes", qn);
                    /* a NaN: the CPU's status, no output counted in place */
                    x[9000] = NAN;
                    float *oc;
                    size_t lc;
                    const int rcpu = run(cpu, x, 16000, &oc, &lc);
                    free(oc);
                    const long long k0 = t_count(WMEL__CNT_VK_OUT_IMPORTS);
                    const int rn = wmel_features(vk, x, 16000, o, len);
                    CHECK(rn == rcpu && rn != WMEL_OK && t_count(WMEL__CNT_VK_OUT_IMPORTS) == k0,
                          "%s, a NaN with the output in place: %d, the CPU's %d", qn, rn, rcpu);
                }
                free(buf);
                free(want);
                free(x);
            } else {
                CHECK(0, "%s: output in place: setup", qn);
            }
            wmel_destroy(vk);
            wmel_destroy(cpu);
            wmel_destroy(cp);
        }
        /* values past float32's range (no log, scaled samples within the kernels' range): the
           CPU's status (WMEL_ERR_SAMPLE_RANGE), the host's finish deciding it in float64, the
           CPU's kernels in float-float (the plan's scale puts the samples past its bound) */
        {
            v = nemo;
            v.log = WMEL_LOG_NONE;
            v.scale = 1e8;
            wmel_ctx *cpu = mk(&v, WMEL_BACKEND_CPU, 0, NULL), *vk = mk(&v, WMEL_BACKEND_VULKAN, ar, NULL);
            float *y = malloc(16000 * sizeof(float));
            long long dev = 0;
            if (cpu && vk && y) {
                for (size_t i = 0; i < 16000; i++) y[i] = speech[3000 + i] * 1e14f;
                float *o;
                size_t len;
                const int rcpu = run(cpu, y, 16000, &o, &len);
                free(o);
                one("nemo no log, values past float32", cpu, vk, ar, y, 16000, &dev);
                CHECK(rcpu == WMEL_ERR_SAMPLE_RANGE, "values past float32: the CPU's status %d", rcpu);
                CHECK(dev == 0, "values past float32: %lld finishes on the device", dev);
            }
            free(y);
            wmel_destroy(cpu);
            wmel_destroy(vk);
        }
        /* values past float32's range made by the affine (no log, no normalisation: the values
           before it unbounded): the device's flag, then the CPU's status from the host's way */
        {
            v = nemo;
            v.log = WMEL_LOG_NONE;
            v.norm = WMEL_NORM_NONE;
            v.affine = 1;
            v.scale = 1e8; /* power values past 1e9: x 1e30 past float32 */
            v.post_scale = 1e30;
            v.post_shift = 0.0;
            past_f32("nemo no log, affine past float32", &v, ar, speech);
        }
        /* the same made by the per-column affine, of the frames and of LFR's rows (the post pass's
           flag) */
        for (int rowsc = 0; rowsc < 2; rowsc++) {
            static double big[7 * 128], zero[7 * 128];
            for (size_t i = 0; i < 7 * 128; i++) big[i] = 1e30, zero[i] = 0.0;
            v = nemo;
            v.log = WMEL_LOG_NONE;
            v.norm = WMEL_NORM_NONE;
            v.scale = 1e8;
            v.layout = WMEL_LAYOUT_FRAMES_MELS;
            if (rowsc) {
                t_lfr76(&v);
                v.cols_stacked = 1;
            }
            g_cscale = big, g_cshift = zero, g_ncols = (size_t)v.n_mels * (rowsc ? 7 : 1);
            past_f32(rowsc ? "LFR rows' per-column affine past float32" : "per-column affine past float32", &v, ar,
                     speech);
            g_ncols = 0;
        }
    }
    inject(&nemo, speech);
    free(speech);
    return t_done("test_vulkan_finish");
}
