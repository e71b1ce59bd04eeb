/*
 * test_vulkan_range.c -- float-float's range on the Vulkan device (lavapipe in `make
 * test-vulkan`): a float-float ctx computes a clip's frames only where its samples keep
 * every value of a frame inside float's exponent range (wmel__ff_limit, from the plan's
 * tables: 7.75e9 for a scale of 32768, up to 1.44e15; Whisper's geometry the CPU kernels'
 * 1e15), and leaves any other clip to the CPU's kernels. Speech scaled by 1e-30, 1e-10, 1,
 * 1e10, 1e18, 1e20 and 3e38, and speech with a NaN or an Inf sample, on NeMo's, Kaldi's,
 * Whisper's and lhotse-mfcc's plans (dither 0):
 *  - each single call gives the CPU backend's status; a clip left to the CPU (counted by
 *    WMEL__CNT_VK_RANGE_CLIPS, wmel_op_backend() "cpu") the CPU backend's bytes, any other
 *    (wmel_op_backend() "vulkan", none counted) values within 2e-5 x max(1, |CPU's value|);
 *    a clip left to the CPU has wmel_op_reason()'s run-time hand-back of the range kind;
 *    speech at 1e-30 .. 1 stays on the device, at 1e18 and past it (and a NaN, an Inf)
 *    goes to the CPU;
 *  - the speech as int16 (never scanned: inside every bound) on the device, within the bar;
 *  - wmel_features_batch over the clips the CPU accepts, mixed: WMEL_OK, each clip the
 *    bytes of its single call (the device's for a clip within the bound: each clip decided
 *    on its own), the clips past the bound counted, none counted for a batch of speech
 *    alone; over every clip (NaN and Inf among them): the CPU backend's status and index;
 *  - NeMo's plan with the largest scale a plan takes (1e12): speech and full-scale int16 on
 *    the device within the bar, speech x 1e4 on the CPU (its bytes);
 *  - one sample of 1e18 (or a NaN) that the packing meets late: Kaldi's plan in rounds of
 *    2,000 samples, the sample in a later round, in the last frame, past every frame: the
 *    CPU's status and bytes, alone and in a batch;
 *  - Voxtral Realtime's plans (Whisper's geometry, which the CPU computes with Whisper's
 *    float32 kernels), in both arithmetics: the CPU backend's statuses, and its bytes past
 *    1e15 (twin_check).
 * Exit 77 without a device or without float-float's shaders.
 */
#define _GNU_SOURCE /* RTLD_NODELETE, setenv */
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
#define N 16000


enum { N_SCALES = 7, N_CLIPS = N_SCALES + 2 };
static const float g_scales[N_SCALES] = {1e-30f, 1e-10f, 1.0f, 1e10f, 1e18f, 1e20f, 3e38f};

/* clip k: speech x g_scales[k], then speech with a NaN (k = N_SCALES) and with an Inf */
static void make_clip(float *x, const float *speech, int k)
{
    const float s = k < N_SCALES ? g_scales[k] : 1.0f;
    for (size_t i = 0; i < N; i++) x[i] = speech[i] * s;
    if (k == N_SCALES) x[N / 3] = NAN;
    if (k == N_SCALES + 1) x[N / 2] = -INFINITY;
}

static void clip_name(char *buf, size_t len, int k)
{
    if (k < N_SCALES) snprintf(buf, len, "speech x %g", (double)g_scales[k]);
    else snprintf(buf, len, "speech with %s", k == N_SCALES ? "a NaN" : "an Inf");
}

static wmel_ctx *mk(const wmel_frontend_plan *plan, int backend)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.vulkan_arith = WMEL_VULKAN_ARITH_FLOAT_FLOAT;
    p.n_threads = 2;
    int st = 0;
    wmel_ctx *c = wmel_create_plan(&p, plan, &st);
    CHECK(c != NULL, "create on backend %d: %d %s", backend, st, wmel_vulkan_error_detail());
    return c;
}

static void one_preset(const char *name, const float *speech)
{
    wmel_frontend_plan plan;
    char msg[256];
    CHECK(wmel_preset_plan(name, &plan, msg, sizeof msg) == WMEL_OK, "%s: %s", name, msg);
    plan.dither = 0.0;
    wmel_ctx *vk = mk(&plan, WMEL_BACKEND_VULKAN), *cpu = mk(&plan, WMEL_BACKEND_CPU);
    size_t rows = 0, cols = 0;
    if (!vk || !cpu || wmel_features_shape(cpu, N, &rows, &cols) != WMEL_OK) {
        CHECK(0, "%s: setup", name);
        wmel_destroy(vk);
        wmel_destroy(cpu);
        return;
    }
    CHECK(!strncmp(wmel_kernel_name(vk), "vulkan-ff", 9), "%s: kernel %s", name, wmel_kernel_name(vk));
    const size_t len = rows * cols;
    float *x[N_CLIPS], *ov[N_CLIPS], *oc[N_CLIPS], *ob[N_CLIPS];
    size_t ns[N_CLIPS], lens[N_CLIPS];
    int rv[N_CLIPS], rcpu[N_CLIPS], left[N_CLIPS];
    int ok = 1;
    for (int k = 0; k < N_CLIPS; k++) {
        x[k] = malloc(N * sizeof(float));
        ov[k] = malloc(len * sizeof(float));
        oc[k] = malloc(len * sizeof(float));
        ob[k] = malloc(len * sizeof(float));
        ok = ok && x[k] && ov[k] && oc[k] && ob[k];
        ns[k] = N;
        lens[k] = len;
    }
    CHECK(ok, "%s: memory", name);
    double worst = 0.0;
    int on_dev = 0, on_cpu = 0;
    /* single calls */
    for (int k = 0; ok && k < N_CLIPS; k++) {
        char what[64];
        clip_name(what, sizeof what, k);
        make_clip(x[k], speech, k);
        for (size_t i = 0; i < len; i++) ov[k][i] = oc[k][i] = 12345.0f;
        rcpu[k] = wmel_features(cpu, x[k], N, oc[k], len);
        const long long r0 = t_count(WMEL__CNT_VK_RANGE_CLIPS);
        rv[k] = wmel_features(vk, x[k], N, ov[k], len);
        const long long dr = t_count(WMEL__CNT_VK_RANGE_CLIPS) - r0;
        const char *ob_name = wmel_op_backend(vk, WMEL_OP_LOG_MEL);
        left[k] = dr > 0;
        CHECK(rv[k] == rcpu[k], "%s, %s: status %d on Vulkan, %d on the CPU", name, what, rv[k], rcpu[k]);
        CHECK(dr == 0 || dr == 1, "%s, %s: %lld clips left to the CPU", name, what, dr);
        CHECK(!strcmp(ob_name, left[k] ? "cpu" : "vulkan"), "%s, %s: %s left to the CPU, ran on %s", name, what,
              left[k] ? "" : "not", ob_name);
        /* where the bound lies: below 1e15 for every preset, at least 7.75e9 (speech's peak
           is below 1, at least 1e-2) */
        if (k <= 2) CHECK(!left[k], "%s, %s: left to the CPU", name, what);
        if (k >= 4) CHECK(left[k], "%s, %s: not left to the CPU", name, what);
        if (rv[k] != WMEL_OK || rcpu[k] != WMEL_OK) continue;
        /* the scheduler's record of the run-time hand-back, with its kind: a sample past the
           arithmetic's range (wmel_op_reason), none for a clip the device kept */
        char why[320];
        const int rr = wmel_op_reason(vk, WMEL_OP_LOG_MEL, why, sizeof why);
        CHECK(rr == left[k] && (!left[k] || strstr(why, "at run time: a sample past its arithmetic's range")),
              "%s, %s: reason %d '%s'", name, what, rr, why);
        if (left[k]) {
            on_cpu++;
            CHECK(!memcmp(ov[k], oc[k], len * sizeof(float)), "%s, %s: not the CPU's bytes (error %g)", name, what,
                  t_rel_err_ff(ov[k], oc[k], len));
        } else {
            on_dev++;
            const double e = t_rel_err_ff(ov[k], oc[k], len);
            worst = e > worst || e != e ? e : worst;
            CHECK(e <= BAR, "%s, %s: error %g against the CPU (bar %g)", name, what, e, BAR);
        }
    }
    /* int16: the device, within the bar, nothing scanned or left */
    if (ok) {
        int16_t *s16 = malloc(N * sizeof(int16_t));
        float *a = malloc(len * sizeof(float)), *b = malloc(len * sizeof(float));
        if (s16 && a && b) {
            for (size_t i = 0; i < N; i++) {
                const float v = speech[i] * 32768.0f;
                s16[i] = (int16_t)(v >= 32767.0f ? 32767 : v <= -32768.0f ? -32768 : (int)lrintf(v));
            }
            s16[100] = 32767; /* full scale */
            s16[101] = -32768;
            const long long r0 = t_count(WMEL__CNT_VK_RANGE_CLIPS);
            const int ra = wmel_log_mel_s16(vk, s16, N, 0, a, len), rb = wmel_log_mel_s16(cpu, s16, N, 0, b, len);
            CHECK(ra == WMEL_OK && rb == WMEL_OK, "%s, int16: %d on Vulkan, %d on the CPU", name, ra, rb);
            CHECK(t_count(WMEL__CNT_VK_RANGE_CLIPS) == r0, "%s, int16: left to the CPU", name);
            CHECK(!strcmp(wmel_op_backend(vk, WMEL_OP_LOG_MEL_S16), "vulkan"), "%s, int16: ran on %s", name,
                  wmel_op_backend(vk, WMEL_OP_LOG_MEL_S16));
            if (ra == WMEL_OK && rb == WMEL_OK)
                CHECK(t_rel_err_ff(a, b, len) <= BAR, "%s, int16: error %g", name, t_rel_err_ff(a, b, len));
        } else {
            CHECK(0, "%s: int16 memory", name);
        }
        free(s16);
        free(a);
        free(b);
    }
    /* a batch of the clips the CPU accepts, mixed: each clip its single call's bytes */
    if (ok) {
        const float *bx[N_CLIPS];
        float *bo[N_CLIPS];
        size_t bn[N_CLIPS], bl[N_CLIPS], nb = 0, failed = 0;
        int idx[N_CLIPS], lefts = 0;
        for (int k = 0; k < N_CLIPS; k++)
            if (rcpu[k] == WMEL_OK) {
                idx[nb] = k, bx[nb] = x[k], bo[nb] = ob[k], bn[nb] = ns[k], bl[nb] = lens[k];
                lefts += left[k];
                for (size_t i = 0; i < len; i++) ob[k][i] = 12345.0f;
                nb++;
            }
        const long long r0 = t_count(WMEL__CNT_VK_RANGE_CLIPS);
        const int rc = wmel_features_batch(vk, bx, bn, nb, bo, bl, &failed);
        const long long dr = t_count(WMEL__CNT_VK_RANGE_CLIPS) - r0;
        CHECK(rc == WMEL_OK && failed == nb, "%s, batch of %zu: %d at %zu", name, nb, rc, failed);
        CHECK(dr >= lefts && (lefts > 0) == (dr > 0), "%s, batch: %lld clips left to the CPU, %d in single calls",
              name, dr, lefts);
        for (size_t i = 0; rc == WMEL_OK && i < nb; i++) {
            char what[64];
            clip_name(what, sizeof what, idx[i]);
            CHECK(!memcmp(ob[idx[i]], ov[idx[i]], len * sizeof(float)), "%s, batch, %s: not its single call's bytes",
                  name, what);
        }
        /* speech alone (three in-range clips): none left */
        const float *sx[3] = {x[0], x[1], x[2]};
        float *so[3] = {ob[0], ob[1], ob[2]};
        const long long s0 = t_count(WMEL__CNT_VK_RANGE_CLIPS);
        const int rs = wmel_features_batch(vk, sx, bn, 3, so, bl, &failed);
        CHECK(rs == WMEL_OK && t_count(WMEL__CNT_VK_RANGE_CLIPS) == s0, "%s, batch of speech: %d, %lld left", name, rs,
              t_count(WMEL__CNT_VK_RANGE_CLIPS) - s0);
        for (int k = 0; rs == WMEL_OK && k < 3; k++)
            CHECK(!memcmp(ob[k], ov[k], len * sizeof(float)), "%s, batch of speech: clip %d not its single call's", name,
                  k);
    }
    /* every clip: the CPU backend's status and index */
    if (ok) {
        size_t fv = 0, fc = 0;
        const int rv_all = wmel_features_batch(vk, (const float *const *)x, ns, N_CLIPS, ob, lens, &fv);
        const int rc_all = wmel_features_batch(cpu, (const float *const *)x, ns, N_CLIPS, oc, lens, &fc);
        CHECK(rv_all == rc_all && fv == fc && rc_all != WMEL_OK, "%s, batch of all: %d at %zu on Vulkan, %d at %zu on the CPU",
              name, rv_all, fv, rc_all, fc);
    }
    printf("%-12s float-float: %d clips on the device (worst error %.3g, bar %g), %d on the CPU (its bytes)\n", name,
           on_dev, worst, BAR, on_cpu);
    for (int k = 0; k < N_CLIPS; k++) {
        free(x[k]);
        free(ov[k]);
        free(oc[k]);
        free(ob[k]);
    }
    wmel_destroy(vk);
    wmel_destroy(cpu);
}

/* The largest scale a plan takes (1e12, wmel_plan_check) on NeMo's plan: its bound about
 * 730, so speech (float32, and int16 at full scale, which no plan's bound reaches) stays on
 * the device within the bar, speech x 1e4 takes the CPU's kernels (its bytes). */
static void scale_check(const float *speech)
{
    wmel_frontend_plan plan;
    char msg[256];
    CHECK(wmel_preset_plan("nemo", &plan, msg, sizeof msg) == WMEL_OK, "nemo: %s", msg);
    plan.dither = 0.0;
    plan.scale = 1e12;
    wmel_ctx *vk = mk(&plan, WMEL_BACKEND_VULKAN), *cpu = mk(&plan, WMEL_BACKEND_CPU);
    size_t rows = 0, cols = 0;
    float *a = NULL, *b = NULL, *x = malloc(N * sizeof(float));
    int16_t *s16 = malloc(N * sizeof(int16_t));
    if (vk && cpu && x && s16 && wmel_features_shape(cpu, N, &rows, &cols) == WMEL_OK) {
        const size_t len = rows * cols;
        a = malloc(len * sizeof(float));
        b = malloc(len * sizeof(float));
        for (size_t i = 0; i < N; i++) s16[i] = (int16_t)(i % 2 ? 32767 : -32768);
        static const char *const what[3] = {"speech", "speech x 1e4", "int16 at full scale"};
        for (int k = 0; a && b && k < 3; k++) {
            for (size_t i = 0; i < N; i++) x[i] = speech[i] * (k == 1 ? 1e4f : 1.0f);
            const long long r0 = t_count(WMEL__CNT_VK_RANGE_CLIPS);
            const int ra = k == 2 ? wmel_log_mel_s16(vk, s16, N, 0, a, len) : wmel_features(vk, x, N, a, len);
            const long long dr = t_count(WMEL__CNT_VK_RANGE_CLIPS) - r0;
            const int rb = k == 2 ? wmel_log_mel_s16(cpu, s16, N, 0, b, len) : wmel_features(cpu, x, N, b, len);
            CHECK(ra == WMEL_OK && rb == WMEL_OK, "scale 1e12, %s: %d on Vulkan, %d on the CPU", what[k], ra, rb);
            CHECK(dr == (k == 1), "scale 1e12, %s: %lld clips left to the CPU", what[k], dr);
            if (ra != WMEL_OK || rb != WMEL_OK) continue;
            if (k == 1)
                CHECK(!memcmp(a, b, len * sizeof(float)), "scale 1e12, %s: not the CPU's bytes (error %g)", what[k],
                      t_rel_err_ff(a, b, len));
            else
                CHECK(t_rel_err_ff(a, b, len) <= BAR, "scale 1e12, %s: error %g", what[k], t_rel_err_ff(a, b, len));
        }
        printf("nemo, scale 1e12, float-float: speech and full-scale int16 on the device, speech x 1e4 on the CPU\n");
    } else {
        CHECK(0, "scale 1e12: setup");
    }
    free(a);
    free(b);
    free(x);
    free(s16);
    wmel_destroy(vk);
    wmel_destroy(cpu);
}

/* One sample past the bound where the packing finds it late: Kaldi's plan in rounds of
 * 2,000 samples (WMEL_VULKAN_SIGNAL_LIMIT), the sample in a later round, in the last frame's
 * window, or past it (samples no frame reads: snip framing drops the tail), and a NaN there:
 * each clip the CPU backend's status and bytes, counted; a batch of the three finite ones
 * with speech between them gives each its single call's bytes. */
static void late_check(const float *speech)
{
    wmel_frontend_plan plan;
    char msg[256];
    CHECK(wmel_preset_plan("kaldi", &plan, msg, sizeof msg) == WMEL_OK, "kaldi: %s", msg);
    plan.dither = 0.0;
    t_setenv("WMEL_VULKAN_SIGNAL_LIMIT", "2000", 1); /* read when the ctx is made */
    wmel_ctx *vk = mk(&plan, WMEL_BACKEND_VULKAN);
    t_unsetenv("WMEL_VULKAN_SIGNAL_LIMIT");
    wmel_ctx *cpu = mk(&plan, WMEL_BACKEND_CPU);
    size_t rows = 0, cols = 0;
    enum { K = 4 };
    float *x[2 * K] = {0}, *ov[2 * K] = {0}, *oc = NULL;
    int ok = vk && cpu && wmel_features_shape(cpu, N, &rows, &cols) == WMEL_OK;
    const size_t len = rows * cols, at[K] = {N * 3 / 4, N - 100, N - 1, N - 1};
    for (int k = 0; ok && k < 2 * K; k++) {
        x[k] = malloc(N * sizeof(float));
        ov[k] = malloc(len * sizeof(float));
        ok = x[k] && ov[k];
    }
    oc = ok ? malloc(len * sizeof(float)) : NULL;
    ok = ok && oc;
    CHECK(ok, "late: setup");
    for (int k = 0; ok && k < K; k++) {
        memcpy(x[2 * k], speech, N * sizeof(float)); /* speech between them in the batch */
        memcpy(x[2 * k + 1], speech, N * sizeof(float));
        x[2 * k + 1][at[k]] = k == K - 1 ? NAN : 1e18f;
        for (int h = 0; h < 2; h++) {
            const long long r0 = t_count(WMEL__CNT_VK_RANGE_CLIPS);
            const int rv = wmel_features(vk, x[2 * k + h], N, ov[2 * k + h], len);
            const long long dr = t_count(WMEL__CNT_VK_RANGE_CLIPS) - r0;
            const int rc = wmel_features(cpu, x[2 * k + h], N, oc, len);
            CHECK(rv == rc && rc == (h && k == K - 1 ? WMEL_ERR_NOT_FINITE : WMEL_OK),
                  "late, sample %zu%s: %d on Vulkan, %d on the CPU", at[k], h ? " past the bound" : " (speech)", rv, rc);
            CHECK(dr == h, "late, sample %zu%s: %lld clips left to the CPU", at[k], h ? " past the bound" : " (speech)",
                  dr);
            if (rv == WMEL_OK && rc == WMEL_OK && h)
                CHECK(!memcmp(ov[2 * k + h], oc, len * sizeof(float)), "late, sample %zu: not the CPU's bytes", at[k]);
            if (rv == WMEL_OK && rc == WMEL_OK && !h)
                CHECK(t_rel_err_ff(ov[2 * k], oc, len) <= BAR, "late, speech: error %g", t_rel_err_ff(ov[2 * k], oc, len));
        }
    }
    if (ok) {
        const float *bx[2 * K - 2];
        float *bo[2 * K - 2];
        size_t bn[2 * K - 2], bl[2 * K - 2], failed = 0;
        for (int i = 0; i < 2 * K - 2; i++) {
            bx[i] = x[i], bn[i] = N, bl[i] = len;
            bo[i] = malloc(len * sizeof(float));
            ok = ok && bo[i];
        }
        const long long r0 = t_count(WMEL__CNT_VK_RANGE_CLIPS);
        const int rc = ok ? wmel_features_batch(vk, bx, bn, 2 * K - 2, bo, bl, &failed) : WMEL_ERR_NO_MEMORY;
        CHECK(rc == WMEL_OK && failed == 2 * K - 2, "late, batch: %d at %zu", rc, failed);
        CHECK(t_count(WMEL__CNT_VK_RANGE_CLIPS) - r0 >= K - 1, "late, batch: %lld clips left to the CPU",
              t_count(WMEL__CNT_VK_RANGE_CLIPS) - r0);
        for (int i = 0; rc == WMEL_OK && i < 2 * K - 2; i++)
            CHECK(!memcmp(bo[i], ov[i], len * sizeof(float)), "late, batch: clip %d not its single call's bytes", i);
        for (int i = 0; i < 2 * K - 2; i++) free(bo[i]);
        printf("kaldi, rounds of 2000 samples, float-float: a sample past the bound found late, the CPU's bytes\n");
    }
    for (int k = 0; k < 2 * K; k++) {
        free(x[k]);
        free(ov[k]);
    }
    free(oc);
    wmel_destroy(vk);
    wmel_destroy(cpu);
}

/* wmel_long's status and values of x[0 .. n) pushed in pieces of 3,001 samples */
static int long_run(wmel_ctx *ctx, const float *x, size_t n, float *out, size_t len)
{
    int st = 0;
    wmel_long *l = wmel_long_create(ctx, (size_t)1 << 24, &st);
    if (!l) return st;
    for (size_t i = 0; st == WMEL_OK && i < n; i += 3001) st = wmel_long_push(l, x + i, n - i < 3001 ? n - i : 3001);
    if (st == WMEL_OK) st = wmel_long_finish(l);
    t_sink k = {out, 0, len};
    if (st == WMEL_OK) st = wmel_long_write(l, t_sink_take, &k);
    if (st == WMEL_OK && k.n != len) st = -999;
    wmel_long_destroy(l);
    return st;
}

/* A plan of Whisper's geometry that the CPU computes with Whisper's float32 kernels and the
 * device with the general algorithm (Voxtral Realtime: a fixed max; its chunked form framed
 * from sample 0), in both arithmetics: the device ctx accepts and refuses what the CPU
 * backend does. Speech x 1, 1e14 (on the device, within the bar), and x 1e16, 1e18, 1e19,
 * 1e25, 3e38 and with a NaN (the CPU's kernels, on the ctx's CPU twin: the CPU backend's
 * status and bytes, wmel_op_backend() "cpu"), in single calls, with padding, in a batch
 * (each clip its single call's bytes; over every clip the CPU's status and index), and
 * through wmel_long (the CPU backend's status and bytes whatever the samples). */
static void twin_check(const char *name, int arith, const float *speech)
{
    static const float sc[] = {1.0f, 1e14f, 1e16f, 1e18f, 1e19f, 1e25f, 3e38f, NAN};
    enum { K = sizeof sc / sizeof sc[0] };
    wmel_frontend_plan plan;
    char msg[256];
    CHECK(wmel_preset_plan(name, &plan, msg, sizeof msg) == WMEL_OK, "%s: %s", name, msg);
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_arith = arith;
    p.n_threads = 2;
    int st = 0;
    wmel_ctx *vk = wmel_create_plan(&p, &plan, &st);
    p.backend = WMEL_BACKEND_CPU;
    wmel_ctx *cpu = wmel_create_plan(&p, &plan, &st);
    size_t rows = 0, cols = 0;
    if (!vk || !cpu || wmel_features_shape(cpu, N, &rows, &cols) != WMEL_OK) {
        CHECK(0, "%s: setup (%d)", name, st);
        wmel_destroy(vk);
        wmel_destroy(cpu);
        return;
    }
    const char *an = arith == WMEL_VULKAN_ARITH_FLOAT64 ? "float64" : "float-float";
    const size_t len = rows * cols;
    float *x[K], *ov[K], *oc[K];
    int rv[K], rc[K], ok = 1, twins = 0, refused = 0;
    size_t ns[K], lens[K];
    for (int k = 0; k < K; k++) {
        x[k] = malloc(N * sizeof(float)), ov[k] = malloc(len * sizeof(float)), oc[k] = malloc(len * sizeof(float));
        ok = ok && x[k] && ov[k] && oc[k];
        ns[k] = N, lens[k] = len;
    }
    CHECK(ok, "%s: memory", name);
    double worst = 0.0;
    for (int k = 0; ok && k < K; k++) {
        for (size_t i = 0; i < N; i++) x[k][i] = k == K - 1 ? speech[i] : speech[i] * sc[k];
        if (k == K - 1) x[k][N / 3] = NAN;
        rc[k] = wmel_features(cpu, x[k], N, oc[k], len);
        rv[k] = wmel_features(vk, x[k], N, ov[k], len);
        const int twin = k >= 2; /* past WMEL_F32_KERNEL_SAFE (1e15), or not finite */
        const char *ran = wmel_op_backend(vk, WMEL_OP_LOG_MEL);
        CHECK(rv[k] == rc[k], "%s %s, x %g: status %d on Vulkan, %d on the CPU", name, an, (double)sc[k], rv[k], rc[k]);
        CHECK(!strcmp(ran, twin ? "cpu" : "vulkan"), "%s %s, x %g: ran on %s", name, an, (double)sc[k], ran);
        twins += twin;
        refused += rc[k] != WMEL_OK;
        if (rv[k] != WMEL_OK || rc[k] != WMEL_OK) continue;
        if (twin) {
            CHECK(!memcmp(ov[k], oc[k], len * sizeof(float)), "%s %s, x %g: not the CPU's bytes", name, an, (double)sc[k]);
        } else {
            const double e = t_rel_err_ff(ov[k], oc[k], len);
            worst = e > worst ? e : worst;
            CHECK(e <= BAR, "%s %s, x %g: error %g (bar %g)", name, an, (double)sc[k], e, BAR);
        }
    }
    CHECK(refused >= 3, "%s %s: the CPU refused %d of the clips", name, an, refused);
    /* padding (wmel_log_mel): the CPU's status, its bytes past the bound */
    for (int k = 3; ok && k < 5; k++) {
        const size_t pad = 1600;
        size_t r2 = 0, c2 = 0;
        if (wmel_features_shape(cpu, N + pad, &r2, &c2) != WMEL_OK) continue;
        float *a = malloc(r2 * c2 * sizeof(float)), *b = malloc(r2 * c2 * sizeof(float));
        if (a && b) {
            const int ra = wmel_log_mel(vk, x[k], N, pad, a, r2 * c2), rb = wmel_log_mel(cpu, x[k], N, pad, b, r2 * c2);
            CHECK(ra == rb && (ra != WMEL_OK || !memcmp(a, b, r2 * c2 * sizeof(float))),
                  "%s %s, x %g with padding: %d on Vulkan, %d on the CPU, or other bytes", name, an, (double)sc[k], ra, rb);
        }
        free(a);
        free(b);
    }
    /* a batch of the accepted clips: each its single call's bytes; over every clip the CPU's status and index */
    if (ok) {
        const float *bx[K];
        float *bo[K];
        size_t bn[K], bl[K], nb = 0, failed = 0;
        int idx[K];
        for (int k = 0; k < K; k++)
            if (rc[k] == WMEL_OK) {
                idx[nb] = k, bx[nb] = x[k], bn[nb] = N, bl[nb] = len;
                bo[nb] = malloc(len * sizeof(float));
                nb++;
            }
        const int rb = wmel_features_batch(vk, bx, bn, nb, bo, bl, &failed);
        CHECK(rb == WMEL_OK && failed == nb, "%s %s, batch of %zu: %d at %zu", name, an, nb, rb, failed);
        for (size_t i = 0; rb == WMEL_OK && i < nb; i++)
            CHECK(bo[i] && !memcmp(bo[i], ov[idx[i]], len * sizeof(float)), "%s %s, batch, x %g: not its single call's bytes",
                  name, an, (double)sc[idx[i]]);
        for (size_t i = 0; i < nb; i++) free(bo[i]);
        size_t fv = 0, fc = 0;
        float *tv[K], *tc[K];
        for (int k = 0; k < K; k++) tv[k] = ov[k], tc[k] = oc[k];
        const int av = wmel_features_batch(vk, (const float *const *)x, ns, K, tv, lens, &fv);
        const int ac = wmel_features_batch(cpu, (const float *const *)x, ns, K, tc, lens, &fc);
        CHECK(av == ac && fv == fc && ac != WMEL_OK, "%s %s, batch of all: %d at %zu on Vulkan, %d at %zu on the CPU", name,
              an, av, fv, ac, fc);
        /* a NULL clip with samples (first, second, after an empty clip): the CPU's status and
           index, no clip read past the first refusal */
        static const int nulls[3][2] = {{0, 1}, {1, 0}, {1, 0}};
        static const int want[3][2] = {{WMEL_ERR_NULL_POINTER, 0}, {WMEL_ERR_NULL_POINTER, 1}, {WMEL_ERR_NO_SAMPLES, 0}};
        for (int c = 0; c < 3; c++) {
            const float *nx[2] = {nulls[c][0] ? x[0] : NULL, nulls[c][1] ? x[0] : NULL};
            size_t nn[2] = {c == 2 ? 0 : N, N};
            const int nv = wmel_features_batch(vk, nx, nn, 2, tv, lens, &fv);
            const int nc = wmel_features_batch(cpu, nx, nn, 2, tc, lens, &fc);
            CHECK(nv == want[c][0] && fv == (size_t)want[c][1] && nc == nv && fc == fv,
                  "%s %s, NULL clip case %d: %d at %zu on Vulkan, %d at %zu on the CPU", name, an, c, nv, fv, nc, fc);
        }
    }
    /* wmel_long (the stream's frames): the CPU backend's status and bytes, whatever the samples */
    for (int k = 0; ok && k < K; k++) {
        const int lv = long_run(vk, x[k], N, ov[k], len), lc = long_run(cpu, x[k], N, oc[k], len);
        CHECK(lv == lc && (lv != WMEL_OK || !memcmp(ov[k], oc[k], len * sizeof(float))),
              "%s %s, wmel_long, x %g: %d on Vulkan, %d on the CPU, or other bytes", name, an, (double)sc[k], lv, lc);
    }
    printf("%-22s %-11s: %d clips on the CPU's kernels (%d refused, as the CPU), %d on the device (worst error %.3g)\n",
           name, an, twins, refused, K - twins, worst);
    for (int k = 0; k < K; k++) {
        free(x[k]);
        free(ov[k]);
        free(oc[k]);
    }
    wmel_destroy(vk);
    wmel_destroy(cpu);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    char devs[4096];
    const int skip = t_vk_devices(devs, sizeof devs);
    if (skip) return skip;
#ifndef WMEL_HAVE_VULKAN_FF
    printf("skipped: float-float is not built (glslc)\n");
    return 77;
#else
    size_t ns = 0;
    float *speech = t_load_wav("audio/speech_en.wav", &ns);
    CHECK(speech && ns >= 3000 + N, "speech: %zu samples", ns);
    if (!speech || ns < 3000 + N) return t_done("test_vulkan_range");
    float peak = 0.0f;
    for (size_t i = 3000; i < 3000 + N; i++) peak = fmaxf(peak, fabsf(speech[i]));
    CHECK(peak > 1e-2f && peak < 1.0f, "speech's peak %g", (double)peak);
    static const char *const presets[] = {"nemo", "kaldi", "whisper", "lhotse-mfcc"};
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) one_preset(presets[i], speech + 3000);
    scale_check(speech + 3000);
    late_check(speech + 3000);
    for (int a = WMEL_VULKAN_ARITH_FLOAT64; a <= WMEL_VULKAN_ARITH_FLOAT_FLOAT; a++) {
        twin_check("voxtral-realtime", a, speech + 3000);
        twin_check("voxtral-realtime-chunk", a, speech + 3000);
    }
    wmel_free(speech);
    return t_done("test_vulkan_range");
#endif
}
