/*
 * test_vulkan.c -- the Vulkan backend on whatever device the loader lists (Mesa's lavapipe
 * in `make test-vulkan`), in each arithmetic this build has (float64; float-float when
 * its shaders were built, forced with params.vulkan_arith): Whisper's geometry (80 and 128
 * mels, both normalisations, smoothing, int16, batches with one max and per clip), on a few
 * frames of the goldens and on edge inputs (lengths 0, 1, one frame and one frame +- 1
 * sample, silence, full-scale noise, clipping, NaN, samples past the CPU's float32 range),
 * each output held to the float64 reference backend at 2e-5 x max(1, |ref|) and its status
 * equal to the CPU backend's (every preset: tests/conformance/test_backends.c, the harness
 * of every backend); wmel_op_backend() says where each ran; AUTO never takes a CPU device; a
 * missing loader is a status with a message; and each Vulkan call of a create and a call
 * failed in turn (the injection counter of vk_loader.c) gives a status, a message, no
 * leak (under ASan) and no crash. The staged buffers (device-local storage buffers copied
 * from and to host-visible staging buffers, forced with WMEL_VULKAN_STAGING=1 on a device
 * that would not stage) give the same bytes as the unstaged ones on Whisper's geometry,
 * nemo and kaldi, inputs of mixed lengths in turn, a batch, int16, both arithmetics; and
 * the injection runs once more on them. The spectrum's algorithm and the shared memory:
 * seven plans under a smaller limit (WMEL_VULKAN_SHARED_LIMIT) give the unlimited ctx's
 * bytes, the CPU backend's, or the DFT's values within the bar, and the direct DFT forced
 * (WMEL_VULKAN_FFT=0) holds the bar. The framing on the device: 16 plans of every framing
 * rule and pre-emphasis on clips from 1 sample up, held to the reference; rounds cut small
 * (WMEL_VULKAN_SIGNAL_LIMIT) and 1-3 frames a workgroup (WMEL_VULKAN_FRAMES_PER_GROUP) give
 * the default ctx's bytes. Float-float's self-test at create refuses a broken float-float
 * (WMEL_VULKAN_FF_BREAK: the CPU's frames and bytes); a round past WMEL_VULKAN_TIMEOUT_MS is
 * a status, and the ctx then refuses calls. Exit 77 (skipped) without a Vulkan device.
 */
#define _GNU_SOURCE /* RTLD_NODELETE */
#include "testutil.h"
#include "wmel.h"

#include <math.h>
#include <stdio.h>
#if defined(__linux__)
#include <dlfcn.h>
#endif
#include <stdlib.h>
#include <string.h>

#define BAR 2e-5
#define SR 16000

static double g_worst[3]; /* per arithmetic (1 float64, 2 float-float): the largest error / bar */
static int g_lvp;         /* the device is lavapipe (llvmpipe): VK_EXT_external_memory_host */
static double g_cpu_err;  /* the largest error of the CPU backend vs the reference in cmp_plan, since reset */

static wmel_params params(int backend, int arith)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_threads = 2;
    p.vulkan_arith = arith;
    return p;
}

/* A plan's three ctxs: Vulkan, the float64 reference, the CPU. */
typedef struct trio {
    wmel_ctx *c[3];
    const char *name;
    int dithered;
} trio;

static void trio_close(trio *t)
{
    for (int i = 0; i < 3; i++) wmel_destroy(t->c[i]);
}

/* x[0..n) on the three: Vulkan vs the reference and the CPU; returns the error (0 when
 * all three refused the input alike). */
static double cmp_plan(trio *t, const float *x, size_t n, int arith, const char *what)
{
    double err = 0.0;
    size_t rows = 0, cols = 0;
    int sh = wmel_features_shape(t->c[0], n, &rows, &cols);
    size_t total = sh == WMEL_OK ? rows * cols : 0;
    float *o[3];
    int rc[3];
    for (int i = 0; i < 3; i++) {
        o[i] = malloc((total ? total : 1) * sizeof(float));
        rc[i] = wmel_features(t->c[i], x, n, o[i], total);
    }
    CHECK(rc[0] == rc[2] && rc[0] == rc[1], "%s %s n=%zu: status vulkan %d ref %d cpu %d (%s)", t->name, what, n,
          rc[0], rc[1], rc[2], wmel_vulkan_error_detail());
    if (rc[0] == WMEL_OK && rc[1] == WMEL_OK && rc[2] == WMEL_OK) {
        err = t_rel_err_ff(o[0], o[1], total);
        const double e_cpu = t_rel_err_ff(o[0], o[2], total);
        g_cpu_err = fmax(g_cpu_err, t_rel_err_ff(o[2], o[1], total));
        CHECK(err <= BAR, "%s %s n=%zu arith %d: error vs float64 reference %g (bar %g; CPU vs reference %g)",
              t->name, what, n, arith, err, BAR, t_rel_err_ff(o[2], o[1], total));
        CHECK(e_cpu <= 2 * BAR, "%s %s n=%zu: error vs CPU %g", t->name, what, n, e_cpu);
        const char *ob = wmel_op_backend(t->c[0], WMEL_OP_LOG_MEL);
        CHECK(!strcmp(ob, t->dithered ? "cpu" : "vulkan"), "%s: ran on %s", t->name, ob);
    }
    for (int i = 0; i < 3; i++) free(o[i]);
    return err;
}

/* Whisper's front-end through wmel_create: one clip (float and int16) and a batch. */
static double cmp_whisper(int n_mels, int norm, int smooth, const float *x, size_t n, size_t padding, int arith)
{
    /* the pairs made once: a Vulkan ctx compiles its pipeline */
    static struct {
        int key[4];
        wmel_ctx *c[2];
    } cache[8];
    static int n_cache;
    wmel_ctx **c = NULL;
    if (n_mels < 0) { /* release them */
        for (int i = 0; i < n_cache; i++) wmel_destroy(cache[i].c[0]), wmel_destroy(cache[i].c[1]);
        n_cache = 0;
        return 0.0;
    }
    for (int i = 0; i < n_cache && !c; i++)
        if (cache[i].key[0] == n_mels && cache[i].key[1] == norm && cache[i].key[2] == smooth && cache[i].key[3] == arith)
            c = cache[i].c;
    if (!c) {
        if (n_cache == 8) {
            CHECK(0, "cache full");
            return 0.0;
        }
        const int be[2] = {WMEL_BACKEND_VULKAN, WMEL_BACKEND_REF};
        c = cache[n_cache].c;
        const int key[4] = {n_mels, norm, smooth, arith};
        memcpy(cache[n_cache++].key, key, sizeof key);
        for (int i = 0; i < 2; i++) {
            wmel_params p = params(be[i], arith);
            p.n_mels = n_mels;
            p.norm = norm;
            p.smooth = smooth;
            int st;
            c[i] = wmel_create(&p, &st);
            CHECK(c[i] != NULL, "whisper create %d: %d %s", be[i], st, wmel_vulkan_error_detail());
        }
    }
    double err = 0.0;
    if (c[0] && c[1]) {
        const size_t nf = wmel_n_frames(n, padding), per = nf * (size_t)n_mels;
        float *o = malloc((3 * per + 1) * sizeof(float)), *r = malloc((3 * per + 1) * sizeof(float));
        int a = wmel_log_mel(c[0], x, n, padding, o, per), b = wmel_log_mel(c[1], x, n, padding, r, per);
        CHECK(a == b, "whisper n=%zu pad=%zu: status %d vs ref %d (%s)", n, padding, a, b, wmel_vulkan_error_detail());
        if (a == WMEL_OK && b == WMEL_OK) {
            err = t_rel_err_ff(o, r, per);
            CHECK(err <= BAR, "whisper %d mels norm %d smooth %d n=%zu arith %d: error %g", n_mels, norm, smooth, n,
                  arith, err);
            CHECK(!strcmp(wmel_op_backend(c[0], WMEL_OP_LOG_MEL), "vulkan"), "ran on %s",
                  wmel_op_backend(c[0], WMEL_OP_LOG_MEL));
        }
        /* int16 */
        int16_t *s = malloc((n ? n : 1) * sizeof(int16_t));
        for (size_t i = 0; i < n; i++) {
            float v = x[i] * 32768.0f;
            s[i] = (int16_t)(isnan(v) ? 0 : v > 32767.0f ? 32767 : v < -32768.0f ? -32768 : v);
        }
        a = wmel_log_mel_s16(c[0], s, n, padding, o, per);
        b = wmel_log_mel_s16(c[1], s, n, padding, r, per);
        CHECK(a == b, "whisper s16 n=%zu: status %d vs %d", n, a, b);
        if (a == WMEL_OK && b == WMEL_OK) {
            double e = t_rel_err_ff(o, r, per);
            CHECK(e <= BAR, "whisper s16 n=%zu: error %g", n, e);
            CHECK(!strcmp(wmel_op_backend(c[0], WMEL_OP_LOG_MEL_S16), "vulkan"), "s16 ran elsewhere");
            err = e > err ? e : err;
            /* uploaded as int16, divided by 32768 on the device: the bytes of the same
               samples given as float32 */
            float *f = malloc((n ? n : 1) * sizeof(float)), *of = malloc(per * sizeof(float));
            for (size_t i = 0; i < n; i++) f[i] = (float)s[i] / 32768.0f;
            a = wmel_log_mel(c[0], f, n, padding, of, per);
            CHECK(a == WMEL_OK && !memcmp(o, of, per * sizeof(float)), "whisper s16 n=%zu: not the float32 "
                  "samples' bytes (%d)", n, a);
            free(f);
            free(of);
        }
        free(s);
        /* a batch of three clips, stride n + 37 (the clips differ), each normalisation */
        if (n > 0) {
            const size_t stride = n + 37;
            float *xb = malloc(3 * stride * sizeof(float));
            for (size_t k = 0; k < 3; k++)
                for (size_t i = 0; i < stride; i++) xb[k * stride + i] = x[(i + 53 * k) % n] * (float)(1.0 - 0.3 * k);
            for (int bn = 0; bn < 2; bn++) {
                a = wmel_log_mel_batch(c[0], xb, 3, n, stride, padding, bn, o, 3 * per);
                b = wmel_log_mel_batch(c[1], xb, 3, n, stride, padding, bn, r, 3 * per);
                CHECK(a == b, "batch n=%zu: status %d vs %d", n, a, b);
                if (a == WMEL_OK && b == WMEL_OK) {
                    double e = t_rel_err_ff(o, r, 3 * per);
                    CHECK(e <= BAR, "batch norm %d n=%zu: error %g", bn, n, e);
                    err = e > err ? e : err;
                }
            }
            free(xb);
        }
        free(o);
        free(r);
    }
    return err;
}

static void note(int arith, double e)
{
    if (!(e <= g_worst[arith])) g_worst[arith] = isnan(e) ? INFINITY : e;
}

/* A Vulkan ctx of Whisper's geometry (plan NULL) or a plan's, staged or not (the
 * testing switch WMEL_VULKAN_STAGING); NULL after a failed CHECK. */
static wmel_ctx *vk_ctx(const char *preset, int arith, int staged)
{
    const long before = t_count(WMEL__CNT_VK_STAGED_OPENS);
    t_setenv("WMEL_VULKAN_STAGING", staged ? "1" : "0", 1);
    wmel_params p = params(WMEL_BACKEND_VULKAN, arith);
    int st = 0;
    wmel_ctx *c = NULL;
    if (preset) {
        wmel_frontend_plan plan;
        char msg[200];
        if (wmel_preset_plan(preset, &plan, msg, sizeof msg) == WMEL_OK) c = wmel_create_plan(&p, &plan, &st);
    } else {
        p.n_mels = 80;
        c = wmel_create(&p, &st);
    }
    t_unsetenv("WMEL_VULKAN_STAGING");
    CHECK(c != NULL, "%s staged %d: create %d %s", preset ? preset : "whisper", staged, st,
          wmel_vulkan_error_detail());
    CHECK(t_count(WMEL__CNT_VK_STAGED_OPENS) == before + (staged ? 1 : 0), "%s: staged %d, opened staged %lld",
          preset ? preset : "whisper", staged, t_count(WMEL__CNT_VK_STAGED_OPENS) - before);
    return c;
}

/* out[0] (unstaged) and out[1] (staged): the same status and the same bytes */
static int same(const char *what, size_t n, const int rc[2], float *const o[2], size_t len)
{
    CHECK(rc[0] == rc[1], "staged %s n=%zu: status %d vs unstaged %d", what, n, rc[1], rc[0]);
    const int eq = rc[0] != rc[1] || rc[0] != WMEL_OK || !memcmp(o[0], o[1], len * sizeof(float));
    CHECK(eq, "staged %s n=%zu: output differs from the unstaged (error %g)", what, n, t_rel_err_ff(o[1], o[0], len));
    return rc[0] == rc[1] && eq;
}

/* The staged buffers against the unstaged, one arithmetic: bit-identical outputs on
 * inputs of mixed lengths in turn through the same ctxs (a long round after a short one
 * and back: what a staging copy of the wrong size would show), int16 and a batch for
 * Whisper's geometry; nemo and kaldi through their plans. Returns the cases compared. */
static int staged_check(int arith, const float *speech, size_t ns)
{
    const size_t lens[] = {5600, 400, 1, 3000, 0, 561, 5600};
    const size_t max_n = 5600;
    float *x = malloc(3 * (max_n + 37) * sizeof(float));
    int16_t *s = malloc(max_n * sizeof(int16_t));
    float *o[2];
    const size_t cap = 3 * 40 * 128 * 16; /* whisper 80 x 36 x 3; a plan's rows x cols */
    o[0] = malloc(cap * sizeof(float));
    o[1] = malloc(cap * sizeof(float));
    int cases = 0;
    wmel_ctx *c[2] = {vk_ctx(NULL, arith, 0), vk_ctx(NULL, arith, 1)};
    for (size_t li = 0; c[0] && c[1] && li < sizeof lens / sizeof lens[0]; li++) {
        const size_t n = lens[li];
        t_edge_signal(x, n, li == 3 ? 1 : 3, speech + 8000 + 97 * li, ns - 8000 - 97 * li);
        const size_t per = wmel_n_frames(n, 0) * 80;
        int rc[2];
        const long long i0 = t_count(WMEL__CNT_VK_IMPORTS);
        for (int k = 0; k < 2; k++) rc[k] = wmel_log_mel(c[k], x, n, 0, o[k], per);
        cases += same("whisper", n, rc, o, per);
        CHECK(rc[1] != WMEL_OK || !strcmp(wmel_op_backend(c[1], WMEL_OP_LOG_MEL), "vulkan"), "staged ran on %s",
              wmel_op_backend(c[1], WMEL_OP_LOG_MEL));
        /* lavapipe: both ctxs take the caller's samples in place (staged: copied by the device) */
        CHECK(per == 0 || rc[0] != WMEL_OK || !g_lvp || t_count(WMEL__CNT_VK_IMPORTS) == i0 + 2,
              "staged n=%zu: %lld of 2 calls read the samples in place", n, t_count(WMEL__CNT_VK_IMPORTS) - i0);
        for (size_t i = 0; i < n; i++) s[i] = (int16_t)(x[i] * 32767.0f);
        for (int k = 0; k < 2; k++) rc[k] = wmel_log_mel_s16(c[k], s, n, 0, o[k], per);
        cases += same("whisper int16", n, rc, o, per);
        if (n >= 400) { /* three clips, stride n + 37, one max and per clip */
            const size_t stride = n + 37;
            for (size_t b = 0; b < 3; b++)
                for (size_t i = 0; i < stride; i++) x[b * stride + i] = speech[8000 + (i + 211 * b) % (ns - 8000)];
            for (int bn = 0; bn < 2; bn++) {
                for (int k = 0; k < 2; k++) rc[k] = wmel_log_mel_batch(c[k], x, 3, n, stride, 0, bn, o[k], 3 * per);
                cases += same("whisper batch", n, rc, o, 3 * per);
            }
        }
    }
    wmel_destroy(c[0]);
    wmel_destroy(c[1]);
    const char *presets[] = {"nemo", "kaldi"};
    for (int pi = 0; pi < 2; pi++) {
        wmel_ctx *d[2] = {vk_ctx(presets[pi], arith, 0), vk_ctx(presets[pi], arith, 1)};
        for (size_t li = 0; d[0] && d[1] && li < sizeof lens / sizeof lens[0]; li++) {
            const size_t n = lens[li];
            t_edge_signal(x, n, li == 3 ? 1 : 3, speech + 8000 + 97 * li, ns - 8000 - 97 * li);
            size_t rows = 0, cols = 0;
            int rc[2] = {wmel_features_shape(d[0], n, &rows, &cols), 0};
            const size_t len = rc[0] == WMEL_OK ? rows * cols : 0;
            CHECK(len <= cap, "%s: %zu values", presets[pi], len);
            if (len > cap) break;
            for (int k = 0; k < 2; k++) rc[k] = wmel_features(d[k], x, n, o[k], len);
            cases += same(presets[pi], n, rc, o, len);
            CHECK(rc[1] != WMEL_OK || !strcmp(wmel_op_backend(d[1], WMEL_OP_LOG_MEL), "vulkan"),
                  "%s staged ran on %s", presets[pi], wmel_op_backend(d[1], WMEL_OP_LOG_MEL));
        }
        wmel_destroy(d[0]);
        wmel_destroy(d[1]);
    }
    free(x);
    free(s);
    free(o[0]);
    free(o[1]);
    return cases;
}

/* features of x through a ctx of `plan` on `backend` (Vulkan ctxs under the environment
 * as it is); the status, the output in *o (malloc'd), the kernel name in name */
static int plan_run(const wmel_frontend_plan *plan, int backend, int arith, const float *x, size_t n, float **o,
                    size_t *len, char *name, size_t name_len)
{
    wmel_params p = params(backend, arith);
    int st = 0;
    *o = NULL;
    *len = 0;
    wmel_ctx *c = wmel_create_plan(&p, plan, &st);
    if (!c) return st;
    snprintf(name, name_len, "%s", wmel_kernel_name(c));
    size_t rows = 0, cols = 0;
    st = wmel_features_shape(c, n, &rows, &cols);
    if (st == WMEL_OK) {
        *len = rows * cols;
        *o = malloc((*len ? *len : 1) * sizeof(float));
        st = wmel_features(c, x, n, *o, *len);
    }
    wmel_destroy(c);
    return st;
}

/* The shared-memory limit (WMEL_VULKAN_SHARED_LIMIT: a smaller device's choice here) and
 * the spectrum's algorithm: under 32 KiB, 48 KiB and 4,608 bytes (n_fft 512's FFT exactly)
 * each plan takes the FFT where its n_fft words and the reductions' fit, else the direct
 * DFT where the frame and its spectrum do, else the CPU's frames; a plan that keeps its
 * kernel gives the same bytes, one on the CPU the CPU backend's bytes, one on the DFT the
 * reference's values within the bar. Then the DFT forced (WMEL_VULKAN_FFT=0: the plans'
 * n_fft all factor into 2, 3 and 5, so no plan takes it by itself). Returns the cases
 * compared. */
static int limits_check(int arith, const float *speech)
{
    const char *presets[] = {"whisper", "nemo", "kaldi", "gemma3n", "clap", "inkling", "pop2piano"};
    const char *limits[] = {"32768", "49152", "4608"};
    const size_t n = 5600;
    int cases = 0;
    for (size_t pi = 0; pi < sizeof presets / sizeof presets[0]; pi++) {
        wmel_frontend_plan plan;
        char msg[200], k_full[64] = "", k_cap[64] = "", k_cpu[64] = "", k_ref[64] = "";
        if (wmel_preset_plan(presets[pi], &plan, msg, sizeof msg) != WMEL_OK) {
            CHECK(0, "preset %s: %s", presets[pi], msg);
            continue;
        }
        float *full = NULL, *cpu = NULL, *ref = NULL;
        size_t lf = 0, lc = 0, lr = 0;
        const int rf = plan_run(&plan, WMEL_BACKEND_VULKAN, arith, speech, n, &full, &lf, k_full, sizeof k_full);
        const int rc = plan_run(&plan, WMEL_BACKEND_CPU, arith, speech, n, &cpu, &lc, k_cpu, sizeof k_cpu);
        const int rr = plan_run(&plan, WMEL_BACKEND_REF, arith, speech, n, &ref, &lr, k_ref, sizeof k_ref);
        CHECK(rf == WMEL_OK && rc == WMEL_OK && rr == WMEL_OK && lf == lc && lf == lr, "%s: %d %d %d",
              presets[pi], rf, rc, rr);
        const int fft_fits_4608 = plan.n_fft <= 512; /* (n_fft (+ 64 words: reductions)) x 8 bytes */
        for (size_t li = 0; rf == WMEL_OK && rc == WMEL_OK && li < sizeof limits / sizeof limits[0]; li++) {
            float *o = NULL;
            size_t lo = 0;
            t_setenv("WMEL_VULKAN_SHARED_LIMIT", limits[li], 1);
            const int r = plan_run(&plan, WMEL_BACKEND_VULKAN, arith, speech, n, &o, &lo, k_cap, sizeof k_cap);
            t_unsetenv("WMEL_VULKAN_SHARED_LIMIT");
            CHECK(r == WMEL_OK && lo == lf, "%s limit %s: status %d (%s)", presets[pi], limits[li], r,
                  wmel_vulkan_error_detail());
            if (r == WMEL_OK && lo == lf) {
                if (!strcmp(k_cap, k_full)) {
                    CHECK(!memcmp(o, full, lf * sizeof(float)), "%s limit %s: %s differs from the unlimited's",
                          presets[pi], limits[li], k_cap);
                } else if (!strncmp(k_cap, "cpu-", 4)) {
                    CHECK(!memcmp(o, cpu, lf * sizeof(float)), "%s limit %s: CPU frames differ from the CPU's",
                          presets[pi], limits[li]);
                } else {
                    CHECK(strstr(k_cap, "-dft") != NULL, "%s limit %s: kernel %s", presets[pi], limits[li], k_cap);
                    CHECK(t_rel_err_ff(o, ref, lf) <= BAR, "%s limit %s (%s): error %g", presets[pi], limits[li], k_cap,
                          t_rel_err_ff(o, ref, lf));
                }
                if (!strcmp(limits[li], "4608"))
                    CHECK(fft_fits_4608 ? strstr(k_cap, "-fft") != NULL : !strncmp(k_cap, "cpu-", 4),
                          "%s limit 4608: kernel %s", presets[pi], k_cap);
                if (!strcmp(limits[li], "32768") && plan.n_fft == 4096) /* 4096 words, no reductions: 32 KiB */
                    CHECK(strstr(k_cap, "-fft4096") != NULL && !strcmp(k_cap, k_full), "%s limit 32768: kernel %s",
                          presets[pi], k_cap);
                if (!strcmp(limits[li], "49152") && plan.n_fft == 4096 && strstr(k_full, "-fft"))
                    CHECK(!strcmp(k_cap, k_full), "%s limit 49152: kernel %s", presets[pi], k_cap);
                cases++;
            }
            free(o);
        }
        /* the direct DFT forced: the reference's values within the bar; where the frame
           and its spectrum exceed the device's shared memory (n_fft 4096's 49,160 bytes on
           lavapipe's 32 KiB), the CPU's frames and bytes */
        if (rf == WMEL_OK && rr == WMEL_OK && rc == WMEL_OK && strncmp(k_full, "cpu-", 4)) {
            float *o = NULL;
            size_t lo = 0;
            t_setenv("WMEL_VULKAN_FFT", "0", 1);
            const int r = plan_run(&plan, WMEL_BACKEND_VULKAN, arith, speech, n, &o, &lo, k_cap, sizeof k_cap);
            t_unsetenv("WMEL_VULKAN_FFT");
            const int on_cpu = !strncmp(k_cap, "cpu-", 4) && plan.n_fft >= 4096;
            CHECK(r == WMEL_OK && lo == lr && (strstr(k_cap, "-dft") || on_cpu), "%s DFT forced: %d %s", presets[pi],
                  r, k_cap);
            if (r == WMEL_OK && lo == lr && on_cpu) {
                CHECK(!memcmp(o, cpu, lr * sizeof(float)), "%s DFT forced: CPU frames differ from the CPU's",
                      presets[pi]);
                cases++;
            } else if (r == WMEL_OK && lo == lr) {
                const double e = t_rel_err_ff(o, ref, lr);
                CHECK(e <= BAR, "%s DFT forced: error %g", presets[pi], e);
                note(arith, e);
                cases++;
            }
            free(o);
        }
        free(full);
        free(cpu);
        free(ref);
    }
    /* a limit that is not a number of bytes: a status and a message */
    t_setenv("WMEL_VULKAN_SHARED_LIMIT", "32k", 1);
    wmel_params p = params(WMEL_BACKEND_VULKAN, arith);
    int st = 0;
    wmel_ctx *c = wmel_create(&p, &st);
    t_unsetenv("WMEL_VULKAN_SHARED_LIMIT");
    CHECK(!c && st == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_vulkan_error_detail(), "WMEL_VULKAN_SHARED_LIMIT"),
          "WMEL_VULKAN_SHARED_LIMIT=32k: %d '%s'", st, wmel_vulkan_error_detail());
    wmel_destroy(c);
    return cases;
}

/* The framing on the device (frames.comp's sample_at): plans from kaldi's and nemo's with
 * each framing rule -- explicit framing (pad_left / pad_right of zeros or the reflection,
 * pad_multiple, frame_span with window_offset), centred framing (reflect, zeros) -- and each
 * pre-emphasis (frame, signal, padded, padded_cut), on clips shorter than a frame (the
 * reflections' edge cases: n = 1, 2, 3 and lengths at the pads' reach) up to 3,000 samples:
 * the statuses of the reference and the CPU, the values within the bar of the reference.
 * Returns the plans compared. */
typedef struct fr_case {
    const char *base;
    int framing, pad_left, pad_right, pad_mode, pad_multiple, frame_span, window_offset, preemph_mode;
    double preemph; /* -1: the preset's */
} fr_case;

/* The three ctxs of a plan (Vulkan, the float64 reference, the CPU) into *t, named name;
 * 1 when all three are made (a failure checked, with label). */
static int trio_plan(trio *t, const char *name, const wmel_frontend_plan *plan, int arith, const char *label)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    const int be[3] = {WMEL_BACKEND_VULKAN, WMEL_BACKEND_REF, WMEL_BACKEND_CPU};
    int opened = 1;
    for (int i = 0; i < 3; i++) {
        wmel_params p = params(be[i], arith);
        int st;
        t->c[i] = wmel_create_plan(&p, plan, &st);
        CHECK(t->c[i] != NULL, "%s: create on %d: %d %s", label, be[i], st, wmel_vulkan_error_detail());
        opened = opened && t->c[i];
    }
    return opened;
}

static int framing_check(int arith, const float *speech)
{
    enum { SNIP = WMEL_FRAMES_SNIP, CR = WMEL_FRAMES_CENTER_REFLECT, CZ = WMEL_FRAMES_CENTER_ZERO,
           KC = WMEL_FRAMES_KALDI_CENTER };
    enum { Z = WMEL_PAD_ZERO, RF = WMEL_PAD_REFLECT };
    enum { PF = WMEL_PREEMPH_FRAME, PS = WMEL_PREEMPH_SIGNAL, PP = WMEL_PREEMPH_PADDED, PC = WMEL_PREEMPH_PADDED_CUT };
    static const fr_case cases[] = {
        {"kaldi", SNIP, 200, 200, Z, 0, 0, 0, PF, -1},     {"kaldi", SNIP, 200, 57, RF, 0, 0, 0, PF, -1},
        {"kaldi", SNIP, 0, 0, Z, 160, 0, 0, PS, -1},       {"kaldi", SNIP, 256, 256, RF, 0, 512, 56, PP, -1},
        {"kaldi", SNIP, 256, 0, Z, 0, 0, 0, PC, -1},       {"kaldi", SNIP, 256, 256, RF, 0, 0, 0, PC, -1},
        {"kaldi", CR, 0, 0, Z, 0, 0, 0, PF, -1},           {"kaldi", CZ, 0, 0, Z, 0, 0, 0, PS, -1},
        {"kaldi", SNIP, 3, 1, RF, 0, 0, 0, PP, 0.0},       {"kaldi", SNIP, 7, 0, RF, 0, 410, 3, PS, -1},
        {"nemo", CR, 0, 0, Z, 0, 0, 0, PS, -1},            {"nemo", CZ, 0, 0, Z, 0, 0, 0, PF, -1},
        {"nemo", SNIP, 256, 256, RF, 0, 0, 0, PP, -1},     {"nemo", SNIP, 256, 256, Z, 0, 0, 0, PC, -1},
        {"nemo", SNIP, 100, 300, Z, 320, 512, 112, PS, -1}, {"nemo", SNIP, 511, 511, RF, 0, 0, 0, PP, -1},
        {"kaldi", KC, 0, 0, Z, 0, 0, 0, PF, -1},           {"kaldi", KC, 0, 0, Z, 0, 0, 0, PS, -1},
        {"nemo", KC, 0, 0, Z, 0, 0, 0, PS, -1},
    };
    static const size_t lens[] = {1, 2, 3, 4, 57, 100, 255, 256, 257, 399, 400, 401, 512, 513, 560, 3000};
    int plans = 0;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const fr_case *k = &cases[ci];
        wmel_frontend_plan plan;
        char msg[256];
        if (wmel_preset_plan(k->base, &plan, msg, sizeof msg) != WMEL_OK) {
            CHECK(0, "preset %s: %s", k->base, msg);
            continue;
        }
        plan.framing = k->framing, plan.pad_left = k->pad_left, plan.pad_right = k->pad_right;
        plan.pad_mode = k->pad_mode, plan.pad_multiple = k->pad_multiple, plan.frame_span = k->frame_span;
        plan.window_offset = k->window_offset, plan.preemph_mode = k->preemph_mode;
        if (k->preemph >= 0.0) plan.preemph = k->preemph;
        if (plan.preemph == 0.0 && k->preemph < 0.0) plan.preemph = 0.97;
        plan.dither = 0.0;
        const int ok = wmel_plan_check(&plan, msg, sizeof msg);
        CHECK(ok == WMEL_OK, "framing case %zu (%s): %s", ci, k->base, msg);
        if (ok != WMEL_OK) continue;
        trio tr;
        char label[48];
        snprintf(label, sizeof label, "framing case %zu", ci);
        const int opened = trio_plan(&tr, k->base, &plan, arith, label);
        if (opened) {
            double e = 0.0;
            char what[64];
            snprintf(what, sizeof what, "framing case %zu", ci);
            /* each framing here is the shader's own (a framing it does not know: the CPU's) */
            CHECK(!strncmp(wmel_kernel_name(tr.c[0]), "vulkan-", 7), "framing case %zu: kernel %s (%s)", ci,
                  wmel_kernel_name(tr.c[0]), wmel_vulkan_error_detail());
            g_cpu_err = 0.0;
            for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
                const size_t n = lens[li];
                float *x = malloc(n * sizeof(float));
                for (size_t i = 0; i < n; i++) x[i] = speech[i] + (i == 0 ? 0.25f : i == n - 1 ? -0.125f : 0.0f);
                e = fmax(e, cmp_plan(&tr, x, n, arith, what));
                free(x);
            }
            note(arith, e);
            plans++;
            if (getenv("WMEL_TEST_VERBOSE"))
                printf("  framing case %2zu (%s framing %d pads %d/%d mode %d multiple %d span %d offset %d preemph "
                       "%d): error %.3g (the CPU backend's %.3g)\n", ci, k->base, k->framing, k->pad_left, k->pad_right,
                       k->pad_mode, k->pad_multiple, k->frame_span, k->window_offset, k->preemph_mode, e, g_cpu_err);
        }
        trio_close(&tr);
    }
    return plans;
}

/* The FFT's stages for n_fft / 2 of every shape the shader's stage slots take (a radix alone;
 * two 3s; three 5s; no 8; 8, 2 and 3; four 8s only where the shared memory holds them) and
 * past them (3^3, 5^4: the direct DFT), each against the float64 reference and the CPU, its
 * kernel the FFT or the DFT as the host's rule says. Returns the sizes compared. */
static int fft_sizes_check(int arith, const float *speech)
{
    static const struct {
        int n_fft, fft; /* fft: 1 the FFT, 0 the direct DFT */
    } sizes[] = {{4, 1}, {8, 1}, {18, 1}, {24, 1}, {96, 1}, {144, 1}, {250, 1}, {432, 0}, {2000, 1}, {1250, 0}};
    int done = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        const int nf = sizes[si].n_fft;
        wmel_frontend_plan plan;
        char msg[256];
        if (wmel_preset_plan("kaldi", &plan, msg, sizeof msg) != WMEL_OK) {
            CHECK(0, "preset kaldi: %s", msg);
            continue;
        }
        plan.n_fft = nf;
        plan.frame_length = nf;
        plan.hop = nf / 4 > 0 ? nf / 4 : 1;
        plan.n_mels = nf < 100 ? 4 : 23;
        plan.bank_flags |= WMEL_BANK_ALLOW_EMPTY; /* the small n_fft's filters below a bin */
        plan.dither = 0.0;
        if (wmel_plan_check(&plan, msg, sizeof msg) != WMEL_OK) {
            CHECK(0, "n_fft %d: %s", nf, msg);
            continue;
        }
        trio tr;
        char label[48];
        snprintf(label, sizeof label, "n_fft %d", nf);
        const int opened = trio_plan(&tr, "kaldi", &plan, arith, label);
        if (opened) {
            char want[32], what[32];
            snprintf(want, sizeof want, "-%s%d", sizes[si].fft ? "fft" : "dft", nf);
            const char *k = wmel_kernel_name(tr.c[0]);
            CHECK(!strncmp(k, "vulkan-", 7) && strstr(k, want), "n_fft %d: kernel %s, %s expected", nf, k, want);
            snprintf(what, sizeof what, "n_fft %d", nf);
            double e = 0.0;
            const size_t lens[] = {(size_t)nf, (size_t)nf * 7 + 3, 4000};
            for (size_t li = 0; li < 3; li++) e = fmax(e, cmp_plan(&tr, speech, lens[li], arith, what));
            note(arith, e);
            done++;
        }
        trio_close(&tr);
    }
    return done;
}

/* The rounds and the workgroups do not change a value: a signal buffer too small for a whole
 * clip (WMEL_VULKAN_SIGNAL_LIMIT: each round a window of the clip, the reflections' samples
 * with it) and one to three frames a workgroup (WMEL_VULKAN_FRAMES_PER_GROUP) give the
 * bytes of the default ctx; a round that cannot hold one frame's samples gives the CPU's
 * frames; a value that is not a number is refused at create with the reason. Returns the
 * cases compared. */
/* x[0..n) on ctx c: its features in *o (*len values; NULL and 0 where the shape fails). */
static int run_on(wmel_ctx *c, const float *x, size_t n, float **o, size_t *len)
{
    size_t rows = 0, cols = 0;
    *o = NULL;
    *len = 0;
    int st = wmel_features_shape(c, n, &rows, &cols);
    if (st == WMEL_OK) {
        *len = rows * cols;
        *o = malloc((*len ? *len : 1) * sizeof(float));
        st = wmel_features(c, x, n, *o, *len);
    }
    return st;
}

static int rounds_check(int arith, const float *speech)
{
    const char *presets[] = {"whisper", "kaldi", "nemo", "nemo-legacy", "clap"};
    const char *envs[][2] = {{"WMEL_VULKAN_SIGNAL_LIMIT", "700"},  {"WMEL_VULKAN_SIGNAL_LIMIT", "1500"},
                             {"WMEL_VULKAN_FRAMES_PER_GROUP", "1"}, {"WMEL_VULKAN_FRAMES_PER_GROUP", "3"},
                             {"WMEL_VULKAN_SIGNAL_LIMIT", "100"}};
    enum { NL = 3, NE = sizeof envs / sizeof envs[0] };
    const size_t lens[NL] = {5600, 401, 3};
    int cases = 0;
    for (size_t pi = 0; pi < sizeof presets / sizeof presets[0]; pi++) {
        wmel_frontend_plan plan;
        char msg[200];
        if (wmel_preset_plan(presets[pi], &plan, msg, sizeof msg) != WMEL_OK) {
            CHECK(0, "preset %s: %s", presets[pi], msg);
            continue;
        }
        /* the default ctx's and the CPU's outputs of each length, then a ctx a switch (each
           made once: a pipeline is compiled a ctx) over the same lengths */
        float *full[NL] = {NULL}, *cpu[NL] = {NULL};
        size_t lf[NL] = {0}, lc[NL] = {0};
        int rf[NL], rc[NL];
        char k0[64] = "";
        for (int b = 0; b < 2; b++) {
            wmel_params p = params(b ? WMEL_BACKEND_CPU : WMEL_BACKEND_VULKAN, arith);
            int st = 0;
            wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
            CHECK(c != NULL, "%s: create on %s: %d", presets[pi], b ? "cpu" : "vulkan", st);
            if (c && !b) snprintf(k0, sizeof k0, "%s", wmel_kernel_name(c));
            for (int li = 0; li < NL; li++) {
                if (b) rc[li] = c ? run_on(c, speech, lens[li], &cpu[li], &lc[li]) : st;
                else rf[li] = c ? run_on(c, speech, lens[li], &full[li], &lf[li]) : st;
            }
            wmel_destroy(c);
        }
        for (int li = 0; li < NL; li++)
            CHECK(rf[li] == rc[li], "%s n=%zu: vulkan %d cpu %d", presets[pi], lens[li], rf[li], rc[li]);
        for (int ei = 0; ei < NE; ei++) {
            t_setenv(envs[ei][0], envs[ei][1], 1);
            wmel_params p = params(WMEL_BACKEND_VULKAN, arith);
            int st = 0;
            wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
            t_unsetenv(envs[ei][0]);
            CHECK(c && !strcmp(k0, wmel_kernel_name(c)), "%s %s=%s: create %d, kernel %s", presets[pi], envs[ei][0],
                  envs[ei][1], st, c ? wmel_kernel_name(c) : "-");
            for (int li = 0; c && li < NL; li++) {
                if (rf[li] != WMEL_OK || rc[li] != WMEL_OK) continue;
                float *o = NULL;
                size_t lo = 0;
                const int r = run_on(c, speech, lens[li], &o, &lo);
                const int tiny = !strcmp(envs[ei][1], "100") && lens[li] > 100;
                CHECK(r == WMEL_OK && lo == lf[li], "%s n=%zu %s=%s: %d", presets[pi], lens[li], envs[ei][0],
                      envs[ei][1], r);
                if (r == WMEL_OK && lo == lf[li])
                    CHECK(!memcmp(o, tiny ? cpu[li] : full[li], lf[li] * sizeof(float)), "%s n=%zu %s=%s: not the %s bytes",
                          presets[pi], lens[li], envs[ei][0], envs[ei][1], tiny ? "CPU's" : "default ctx's");
                free(o);
                cases++;
            }
            wmel_destroy(c);
        }
        for (int li = 0; li < NL; li++) {
            free(full[li]);
            free(cpu[li]);
        }
    }
    const char *bad[][2] = {{"WMEL_VULKAN_SIGNAL_LIMIT", "lots"}, {"WMEL_VULKAN_FRAMES_PER_GROUP", "0"},
                            {"WMEL_VULKAN_FRAMES_PER_GROUP", "5"}};
    for (size_t bi = 0; bi < sizeof bad / sizeof bad[0]; bi++) {
        wmel_frontend_plan plan;
        char msg[200];
        wmel_preset_plan("kaldi", &plan, msg, sizeof msg);
        t_setenv(bad[bi][0], bad[bi][1], 1);
        wmel_params p = params(WMEL_BACKEND_VULKAN, arith);
        int st = 0;
        wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
        t_unsetenv(bad[bi][0]);
        CHECK(!c && st == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_vulkan_error_detail(), bad[bi][0]),
              "%s=%s: %d '%s'", bad[bi][0], bad[bi][1], st, wmel_vulkan_error_detail());
        wmel_destroy(c);
    }
    return cases;
}

/* Each Vulkan call of a create and two calls failed in turn: the k-th call from the start
 * fails (out of device memory and a lost device alternately) until k passes them all. */
static void inject(void)
{
    static const float none[1] = {0.0f};
    float x[4000];
    t_edge_signal(x, 4000, 1, none, 1);
    float out[80 * 25], want[80 * 25]; /* 4000 samples: 25 frames */
    const size_t len = sizeof out / sizeof out[0];
    CHECK(wmel_n_frames(4000, 0) == 25, "frames");
    {
        wmel_params p = params(WMEL_BACKEND_CPU, 0);
        p.n_mels = 80;
        int st;
        wmel_ctx *c = wmel_create(&p, &st);
        CHECK(c && wmel_log_mel(c, x, 4000, 0, want, len) == WMEL_OK, "cpu");
        wmel_destroy(c);
    }
    long k;
    int statuses = 0, fallbacks = 0;
    for (k = 1; k < 400; k++) {
        const long base = t_count(WMEL__CNT_VK_CALLS);
        t_vk_fail_at(k);
        wmel_params p = params(WMEL_BACKEND_VULKAN, 0);
        p.n_mels = 80;
        int st = 0;
        wmel_ctx *c = wmel_create(&p, &st);
        int rc = st;
        for (int call = 0; c && call < 2 && rc == WMEL_OK; call++) rc = wmel_log_mel(c, x, 4000, 0, out, len);
        const int fired = t_count(WMEL__CNT_VK_CALLS) >= base + k;
        t_vk_fail_at(0);
        if (!fired) {
            CHECK(rc == WMEL_OK, "no failure injected, status %d", rc);
            wmel_destroy(c);
            break;
        }
        if (rc == WMEL_OK) { /* out of device memory in a call: the CPU took it */
            fallbacks++;
            CHECK(t_rel_err_ff(out, want, len) <= BAR, "call %ld: the fallback's output: error %g (%s)", k,
                  t_rel_err_ff(out, want, len), wmel_op_backend(c, WMEL_OP_LOG_MEL));
        } else {
            statuses++;
            t_vk_fault_status(rc, k);
        }
        wmel_destroy(c);
    }
    CHECK(k > 20 && k < 400, "injection: %ld call sites", k - 1);
    printf("injection%s: %ld Vulkan calls failed in turn: %d statuses, %d calls taken by the CPU\n",
           getenv("WMEL_VULKAN_STAGING") ? " (staged)" : "", k - 1, statuses, fallbacks);
}

/* Samples past the CPU's float32 kernels' range (their power overflows from about 1e17):
 * Whisper's geometry on Vulkan accepts and refuses what the CPU backend does, alone and in
 * a batch, a sample of 1e30 refused with WMEL_ERR_SAMPLE_RANGE; a clip with a sample over
 * 1e15 runs on the CPU's kernels (the same bytes, wmel_op_backend() "cpu"), one within it
 * on the device. */
/* The samples read in place (VK_EXT_external_memory_host, where the device has it): Whisper's
 * float32 and int16 clips at every offset of a page's first elements, a Kaldi clip, the bytes
 * of a ctx made with WMEL_VULKAN_HOST_IMPORT=0 (the samples copied); a NaN, an infinity or a
 * sample past the CPU's bound inside the frames' window (the shader's flag) or in the gap
 * before it, the CPU's status; a device without the extension imports nothing. */
static void import_check(int arith, const float *speech)
{
    enum { N = 9000 };
    const size_t nf = wmel_n_frames(N, 0), per = 80 * nf;
    float *x = malloc((N + 8) * sizeof(float)), *o[2] = {malloc(per * sizeof(float)), malloc(per * sizeof(float))};
    int16_t *xs = malloc((N + 8) * sizeof(int16_t));
    wmel_params pv = params(WMEL_BACKEND_VULKAN, arith), pc = params(WMEL_BACKEND_CPU, 0);
    int st;
    wmel_ctx *c[3] = {wmel_create(&pv, &st), NULL, wmel_create(&pc, &st)};
    t_setenv("WMEL_VULKAN_HOST_IMPORT", "0", 1);
    c[1] = wmel_create(&pv, &st);
    t_unsetenv("WMEL_VULKAN_HOST_IMPORT");
    CHECK(x && xs && o[0] && o[1] && c[0] && c[1] && c[2], "import: setup");
    if (!x || !xs || !o[0] || !o[1] || !c[0] || !c[1] || !c[2]) goto done;
    const int has = strstr(wmel_kernel_name(c[0]), "vulkan-") != NULL;
    int imported = 0;
    for (size_t off = 0; off < 8; off++) {
        memcpy(x + off, speech, N * sizeof(float));
        for (size_t i = 0; i < N; i++) xs[off + i] = (int16_t)lrintf(speech[i] * 16384.0f);
        for (int s16 = 0; s16 < 2; s16++) {
            int rc[2];
            for (int k = 0; k < 2; k++) {
                const long long before = t_count(WMEL__CNT_VK_IMPORTS);
                rc[k] = s16 ? wmel_log_mel_s16(c[k], xs + off, N, 0, o[k], per) : wmel_log_mel(c[k], x + off, N, 0, o[k], per);
                if (k == 1) CHECK(t_count(WMEL__CNT_VK_IMPORTS) == before, "import: the switch off imported");
                else imported += t_count(WMEL__CNT_VK_IMPORTS) > before;
            }
            CHECK(rc[0] == WMEL_OK && rc[1] == WMEL_OK && !memcmp(o[0], o[1], per * sizeof(float)),
                  "import: offset %zu %s: statuses %d %d, or not the copied samples' bytes", off, s16 ? "int16" : "float32",
                  rc[0], rc[1]);
        }
    }
    /* lavapipe (llvmpipe: Mesa 21.1 on) has the extension and reads them in place */
    char devs[4096];
    const int lvp = wmel_vulkan_devices(devs, sizeof devs) == WMEL_OK && strstr(devs, "llvmpipe");
    CHECK(!has || !lvp || imported == 16, "import: %d of 16 calls read in place on lavapipe", imported);
    printf("samples read in place, arithmetic %s: %d of 16 calls\n",
           arith == WMEL_VULKAN_ARITH_FLOAT64 ? "float64" : "float-float", imported);
    /* a bad sample inside the window (read by the shader) and before it: the CPU's status */
    const float bad[] = {NAN, INFINITY, -INFINITY, 1e16f, -3e38f};
    const size_t at[] = {0, 1, 4500, N - 1};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++)
        for (size_t a = 0; a < sizeof at / sizeof at[0]; a++) {
            memcpy(x, speech, N * sizeof(float));
            x[at[a]] = bad[b];
            const int rv = wmel_log_mel(c[0], x, N, 0, o[0], per), rcpu = wmel_log_mel(c[2], x, N, 0, o[1], per);
            CHECK(rv == rcpu && (isfinite(bad[b]) || rv != WMEL_OK), "import: %g at %zu: vulkan %d, cpu %d",
                  (double)bad[b], at[a], rv, rcpu);
            /* past the CPU's float32 bound: its own way (float64 sums), its bytes */
            CHECK(rv != WMEL_OK || !memcmp(o[0], o[1], per * sizeof(float)), "import: %g at %zu: not the CPU's bytes",
                  (double)bad[b], at[a]);
            CHECK(!strcmp(wmel_op_backend(c[0], WMEL_OP_LOG_MEL), "cpu"), "import: %g at %zu: ran on %s",
                  (double)bad[b], at[a], wmel_op_backend(c[0], WMEL_OP_LOG_MEL));
        }
    memcpy(x, speech, N * sizeof(float));
    x[4500] = 9e14f; /* within the bound: the device, the CPU's status */
    {
        const int rv = wmel_log_mel(c[0], x, N, 0, o[0], per), rcpu = wmel_log_mel(c[2], x, N, 0, o[1], per);
        CHECK(rv == WMEL_OK && rcpu == WMEL_OK, "import: 9e14: vulkan %d, cpu %d", rv, rcpu);
        CHECK(!strcmp(wmel_op_backend(c[0], WMEL_OP_LOG_MEL), "vulkan"), "import: 9e14 ran on %s",
              wmel_op_backend(c[0], WMEL_OP_LOG_MEL));
    }
done:
    for (int k = 0; k < 3; k++) wmel_destroy(c[k]);
    free(x);
    free(xs);
    free(o[0]);
    free(o[1]);
}

static void range_check(int arith, const float *speech)
{
    enum { N = 4000 };
    const size_t nf = wmel_n_frames(N, 0), per = 80 * nf;
    float *x = malloc(2 * N * sizeof(float)), *o[2] = {malloc(2 * per * sizeof(float)), malloc(2 * per * sizeof(float))};
    wmel_params pv = params(WMEL_BACKEND_VULKAN, arith), pc = params(WMEL_BACKEND_CPU, 0);
    int st;
    wmel_ctx *c[2] = {wmel_create(&pv, &st), wmel_create(&pc, &st)};
    CHECK(x && o[0] && o[1] && c[0] && c[1], "range: setup");
    if (!x || !o[0] || !o[1] || !c[0] || !c[1]) goto done;
    const float big[] = {1e30f, -1e30f, 3e38f, 1e20f, 1e17f, 5e16f, 2e15f};
    for (size_t k = 0; k < sizeof big / sizeof big[0]; k++) {
        for (int batch = 0; batch < 2; batch++) {
            memcpy(x, speech, N * sizeof(float));
            memcpy(x + N, speech + N, N * sizeof(float));
            for (size_t i = 0; i < 400; i++) x[(size_t)batch * N + 1000 + i] = i % 2 ? big[k] : -big[k];
            int rc[2];
            for (int b = 0; b < 2; b++)
                rc[b] = batch ? wmel_log_mel_batch(c[b], x, 2, N, N, 0, WMEL_BATCH_PER_CLIP, o[b], 2 * per)
                              : wmel_log_mel(c[b], x, N, 0, o[b], per);
            const size_t len = batch ? 2 * per : per;
            CHECK(rc[0] == rc[1], "range %g%s: vulkan %d, cpu %d", (double)big[k], batch ? " (batch)" : "", rc[0], rc[1]);
            CHECK(rc[0] != WMEL_OK || !memcmp(o[0], o[1], len * sizeof(float)),
                  "range %g%s: not the CPU's bytes", (double)big[k], batch ? " (batch)" : "");
            const int op = batch ? WMEL_OP_LOG_MEL_BATCH : WMEL_OP_LOG_MEL;
            CHECK(!strcmp(wmel_op_backend(c[0], op), "cpu"), "range %g: ran on %s", (double)big[k],
                  wmel_op_backend(c[0], op));
            if (big[k] == 1e30f) CHECK(rc[0] == WMEL_ERR_SAMPLE_RANGE, "range 1e30: status %d", rc[0]);
        }
    }
    /* within the bound: the device */
    memcpy(x, speech, N * sizeof(float));
    x[1000] = 1e15f;
    CHECK(wmel_log_mel(c[0], x, N, 0, o[0], per) == WMEL_OK, "range 1e15: refused");
    CHECK(!strcmp(wmel_op_backend(c[0], WMEL_OP_LOG_MEL), "vulkan"), "range 1e15: ran on %s",
          wmel_op_backend(c[0], WMEL_OP_LOG_MEL));
done:
    wmel_destroy(c[0]);
    wmel_destroy(c[1]);
    free(x);
    free(o[0]);
    free(o[1]);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* a run cut short by a time bound keeps its lines, in order */
#if defined(__linux__)
    /* The loader unloads the driver at vkDestroyInstance; what Mesa keeps for the
       process's life would then look leaked from an unknown module that no suppression
       can name. Keeping lavapipe mapped leaves those allocations to lsan_mesa.supp. */
    (void)dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NODELETE);
#endif
    char devs[4096];
    int rc = wmel_vulkan_devices(devs, sizeof devs);
    if (rc == WMEL_ERR_NOT_BUILT) {
        printf("skipped: the Vulkan backend is not built\n");
        return 77;
    }
    if (rc != WMEL_OK || !strncmp(devs, "no Vulkan device", 16)) {
        printf("skipped: no Vulkan device (%s)\n", devs);
        return 77;
    }
    printf("%s", devs);
    g_lvp = strstr(devs, "llvmpipe") != NULL;

    /* AUTO never takes a CPU Vulkan device; a GPU only (CUDA, where built and a device is
     * there, comes before Vulkan) */
    {
        wmel_params p = wmel_default_params();
        int st;
        wmel_ctx *c = wmel_create(&p, &st);
        CHECK(c != NULL, "AUTO create: %d", st);
        if (c && !strstr(devs, "chosen by AUTO"))
            CHECK(strcmp(wmel_backend_name(c), "vulkan") != 0, "AUTO took %s", wmel_backend_name(c));
        wmel_destroy(c);
    }

    size_t ns = 0;
    float *speech = t_load_wav("audio/speech_en.wav", &ns);
    /* a few frames each: lavapipe runs the shaders on this CPU */
    const size_t clip = 5600; /* 0.35 s */
    float *x = malloc(sizeof(float) * 40000);
    int ariths[2] = {WMEL_VULKAN_ARITH_FLOAT64, 0};
    int n_ar = 1;
#ifdef WMEL_HAVE_VULKAN_FF
    ariths[n_ar++] = WMEL_VULKAN_ARITH_FLOAT_FLOAT;
#endif
    /* `test_vulkan float64`: float64's share and the checks of no arithmetic's; `test_vulkan
       float-float`: float-float's (ctest runs the two side by side); no argument: all */
    const char *part = argc > 1 ? argv[1] : "";
    if (!strcmp(part, "float64")) {
        n_ar = 1;
    } else if (!strcmp(part, "float-float")) {
        if (n_ar < 2) {
            printf("skipped: float-float is not built (glslc)\n");
            free(x);
            wmel_free(speech);
            return 77;
        }
        ariths[0] = ariths[1];
        n_ar = 1;
    } else if (*part) {
        printf("usage: test_vulkan [float64 | float-float]\n");
        free(x);
        wmel_free(speech);
        return 2;
    }
    const int rest = strcmp(part, "float-float") != 0; /* the checks of no arithmetic's */
    for (int ai = 0; ai < n_ar; ai++) {
        const int ar = ariths[ai];
        const char *an = ar == WMEL_VULKAN_ARITH_FLOAT64 ? "float64" : "float-float";
        /* Whisper: speech at an offset, 80 / 128 mels, each norm, smoothing */
        memcpy(x, speech + 8000, clip * sizeof(float));
        double e = 0.0, t;
        t = cmp_whisper(80, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE, x, clip, 0, ar), e = fmax(e, t);
        t = cmp_whisper(128, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE, x, clip, 0, ar), e = fmax(e, t);
        t = cmp_whisper(80, WMEL_NORM_NONE, WMEL_SMOOTH_NONE, x, clip, 0, ar), e = fmax(e, t);
        t = cmp_whisper(80, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3, x, clip, 0, ar), e = fmax(e, t);
        t = cmp_whisper(80, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE, x, 1000, 3000, ar), e = fmax(e, t); /* padding */
        /* edge lengths and signals */
        const size_t lens[] = {0, 1, 200, 201, 399, 400, 401, 559, 560, 561, 2000};
        for (int kind = 0; kind < 4; kind++)
            for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
                t_edge_signal(x, lens[li], kind, speech + 8000, ns - 8000);
                t = cmp_whisper(80, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE, x, lens[li], 0, ar), e = fmax(e, t);
            }
        cmp_whisper(-1, 0, 0, NULL, 0, 0, ar);
        range_check(ar, speech + 8000);
        import_check(ar, speech + 8000);
        note(ar, e);
        printf("whisper (wmel_create) arithmetic %s: max error vs float64 reference %.3g\n", an, e);
        /* every preset: tests/conformance/test_backends.c */
    }

    /* no loader: a status and a message */
    if (rest) {
        t_setenv("WMEL_VULKAN_LOADER", "/nonexistent/libvulkan.so.1", 1);
        wmel_params p = params(WMEL_BACKEND_VULKAN, 0);
        int st;
        wmel_ctx *c = wmel_create(&p, &st);
        CHECK(!c && st == WMEL_ERR_BACKEND_UNAVAILABLE, "no loader: %d", st);
        CHECK(strstr(wmel_vulkan_error_detail(), "loader") != NULL, "no loader: detail '%s'", wmel_vulkan_error_detail());
        t_unsetenv("WMEL_VULKAN_LOADER");
        /* a device index past the list */
        p.vulkan_device = 99;
        c = wmel_create(&p, &st);
        CHECK(!c && st == WMEL_ERR_BACKEND_UNAVAILABLE, "device 99: %d", st);
    }
    /* the staged buffers: the same bytes as the unstaged, in each arithmetic */
    for (int ai = 0; ai < n_ar; ai++) {
        const int cases = staged_check(ariths[ai], speech, ns);
        printf("staged buffers, arithmetic %s: %d cases bit-identical to the unstaged\n",
               ariths[ai] == WMEL_VULKAN_ARITH_FLOAT64 ? "float64" : "float-float", cases);
    }
    /* the shared-memory limit and the algorithm's choice */
    for (int ai = 0; ai < n_ar; ai++) {
        const int cases = limits_check(ariths[ai], speech + 8000);
        printf("shared-memory limits, arithmetic %s: %d cases\n",
               ariths[ai] == WMEL_VULKAN_ARITH_FLOAT64 ? "float64" : "float-float", cases);
    }
    /* the framing on the device; the rounds and the workgroups */
    for (int ai = 0; ai < n_ar; ai++) {
        const char *an = ariths[ai] == WMEL_VULKAN_ARITH_FLOAT64 ? "float64" : "float-float";
        const int plans = framing_check(ariths[ai], speech + 8000);
        printf("framing on the device, arithmetic %s: %d plans, worst error / bar so far %.3g\n", an, plans,
               g_worst[ariths[ai] == WMEL_VULKAN_ARITH_FLOAT64 ? 1 : 2] / BAR);
        const int cases = rounds_check(ariths[ai], speech + 8000);
        printf("rounds and frames a workgroup, arithmetic %s: %d cases bit-identical\n", an, cases);
        const int sizes = fft_sizes_check(ariths[ai], speech + 8000);
        printf("the FFT's stages, arithmetic %s: %d sizes, worst error / bar so far %.3g\n", an, sizes,
               g_worst[ariths[ai] == WMEL_VULKAN_ARITH_FLOAT64 ? 1 : 2] / BAR);
    }
#ifdef WMEL_HAVE_VULKAN_FF
    if (strcmp(part, "float64") != 0) { /* float-float's share */
    /* float-float's self-test at create: with the tables' low halves dropped
       (WMEL_VULKAN_FF_BREAK, a float-float as a device that loses its error terms computes
       it, about 3e-7 off) the ctx takes the CPU's frames, says so in its kernel name, the
       detail and wmel_op_backend, and gives the CPU backend's bytes; float64 is unaffected */
    {
        wmel_frontend_plan plan;
        char msg[200], k[64] = "", kc[64] = "";
        wmel_preset_plan("kaldi", &plan, msg, sizeof msg);
        plan.dither = 0.0;
        float *o = NULL, *oc = NULL;
        size_t lo = 0, lc = 0;
        t_setenv("WMEL_VULKAN_FF_BREAK", "1", 1);
        int r = plan_run(&plan, WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT_FLOAT, speech, 5600, &o, &lo, k, sizeof k);
        const int self = strstr(wmel_vulkan_error_detail(), "self-test") != NULL;
        t_unsetenv("WMEL_VULKAN_FF_BREAK");
        const int r_cpu = plan_run(&plan, WMEL_BACKEND_CPU, 0, speech, 5600, &oc, &lc, kc, sizeof kc);
        CHECK(r == WMEL_OK && r_cpu == WMEL_OK && lo == lc && !strncmp(k, "cpu-", 4) && self, "ff broken: %d %s '%s'",
              r, k, wmel_vulkan_error_detail());
        if (r == WMEL_OK && r_cpu == WMEL_OK && lo == lc)
            CHECK(!memcmp(o, oc, lo * sizeof(float)), "ff broken: not the CPU backend's bytes");
        free(o);
        free(oc);
        t_setenv("WMEL_VULKAN_FF_BREAK", "1", 1);
        r = plan_run(&plan, WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT64, speech, 5600, &o, &lo, k, sizeof k);
        CHECK(r == WMEL_OK && !strncmp(k, "vulkan-f64", 10), "float64 with WMEL_VULKAN_FF_BREAK: %d %s", r, k);
        free(o);
        /* the diagnostic switch WMEL_VULKAN_FF_FRAMECHECK=0: the broken float-float's frames
           stay on the device (to measure what it loses there) */
        t_setenv("WMEL_VULKAN_FF_FRAMECHECK", "0", 1);
        r = plan_run(&plan, WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT_FLOAT, speech, 5600, &o, &lo, k, sizeof k);
        t_unsetenv("WMEL_VULKAN_FF_FRAMECHECK");
        t_unsetenv("WMEL_VULKAN_FF_BREAK");
        CHECK(r == WMEL_OK && !strncmp(k, "vulkan-ff", 9), "WMEL_VULKAN_FF_FRAMECHECK=0: %d %s", r, k);
        free(o);
        /* Whisper's geometry through wmel_create: the CPU backend's kernel and bytes */
        wmel_params p = params(WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT_FLOAT), pc = params(WMEL_BACKEND_CPU, 0);
        int st = 0;
        t_setenv("WMEL_VULKAN_FF_BREAK", "1", 1);
        wmel_ctx *c = wmel_create(&p, &st);
        t_unsetenv("WMEL_VULKAN_FF_BREAK");
        wmel_ctx *cc = wmel_create(&pc, &st);
        CHECK(c && cc && !strcmp(wmel_kernel_name(c), wmel_kernel_name(cc)), "whisper ff broken: %s",
              c ? wmel_kernel_name(c) : "-");
        if (c && cc) {
            const size_t nf = wmel_n_frames(5600, 0), per = 80 * nf;
            float *a = malloc(per * sizeof(float)), *b = malloc(per * sizeof(float));
            const int ra = wmel_log_mel(c, speech, 5600, 0, a, per), rb = wmel_log_mel(cc, speech, 5600, 0, b, per);
            CHECK(ra == WMEL_OK && rb == WMEL_OK && !memcmp(a, b, per * sizeof(float)), "whisper ff broken: %d %d", ra, rb);
            CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "cpu"), "whisper ff broken ran on %s",
                  wmel_op_backend(c, WMEL_OP_LOG_MEL));
            free(a);
            free(b);
        }
        wmel_destroy(c);
        wmel_destroy(cc);
        printf("float-float self-test: a broken float-float takes the CPU's frames\n");
    }
    }
#endif
    /* a round that passes the fence's timeout (WMEL_VULKAN_TIMEOUT_MS=1 on 6 s: lavapipe
       takes tens of ms): WMEL_ERR_VULKAN naming the switch, then every call on the ctx
       refused with the same status (the round may still run), the destroy waits for it. A
       GPU that runs the round within the millisecond (an H200 does) gives the features: the
       path is held where the device is slower. */
    if (rest && ns > 96000) {
        wmel_frontend_plan plan;
        char msg[200];
        wmel_preset_plan("kaldi", &plan, msg, sizeof msg);
        plan.dither = 0.0;
        t_setenv("WMEL_VULKAN_TIMEOUT_MS", "1", 1);
        wmel_params p = params(WMEL_BACKEND_VULKAN, 0);
        int st = 0;
        wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
        t_unsetenv("WMEL_VULKAN_TIMEOUT_MS");
        CHECK(c != NULL, "timeout ctx: %d", st);
        size_t rows = 0, cols = 0;
        if (c && wmel_features_shape(c, 96000, &rows, &cols) == WMEL_OK) {
            float *o = malloc(rows * cols * sizeof(float));
            int r = wmel_features(c, speech, 96000, o, rows * cols);
            if (r == WMEL_OK && strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "vulkan") == 0) {
                printf("timeout: %s ran 6 s within 1 ms: the timeout's path not reached there\n",
                       wmel_kernel_name(c));
            } else {
                CHECK(r == WMEL_ERR_VULKAN && strstr(wmel_vulkan_error_detail(), "WMEL_VULKAN_TIMEOUT_MS"),
                      "timeout: %d '%s'", r, wmel_vulkan_error_detail());
                r = wmel_features(c, speech, 96000, o, rows * cols);
                CHECK(r == WMEL_ERR_VULKAN && strstr(wmel_vulkan_error_detail(), "create a new context"),
                      "after the timeout: %d '%s'", r, wmel_vulkan_error_detail());
            }
            free(o);
        }
        wmel_destroy(c);
        t_setenv("WMEL_VULKAN_TIMEOUT_MS", "0", 1);
        c = wmel_create_plan(&p, &plan, &st);
        t_unsetenv("WMEL_VULKAN_TIMEOUT_MS");
        CHECK(!c && st == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_vulkan_error_detail(), "WMEL_VULKAN_TIMEOUT_MS"),
              "WMEL_VULKAN_TIMEOUT_MS=0: %d '%s'", st, wmel_vulkan_error_detail());
        wmel_destroy(c);
        printf("fence timeout: a status, then the ctx refuses calls\n");
    }
    /* a bad value of the switch: a status and a message */
    if (rest) {
        t_setenv("WMEL_VULKAN_STAGING", "yes", 1);
        wmel_params p = params(WMEL_BACKEND_VULKAN, 0);
        int st;
        wmel_ctx *c = wmel_create(&p, &st);
        CHECK(!c && st == WMEL_ERR_BACKEND_UNAVAILABLE, "WMEL_VULKAN_STAGING=yes: %d", st);
        CHECK(strstr(wmel_vulkan_error_detail(), "WMEL_VULKAN_STAGING") != NULL, "detail '%s'",
              wmel_vulkan_error_detail());
        wmel_destroy(c);
        t_unsetenv("WMEL_VULKAN_STAGING");
    }
    /* ctxs made and destroyed one after another share the loader's one instance: a driver
     * that cannot be unloaded and loaded again (NVIDIA's) keeps working */
    if (rest) {
        const long made = t_count(WMEL__CNT_VK_INSTANCES_MADE);
        int ok = 0;
        for (int i = 0; i < 40; i++) {
            wmel_params p = params(WMEL_BACKEND_VULKAN, i & 1 ? 0 : WMEL_VULKAN_ARITH_FLOAT64);
            int st;
            wmel_ctx *c = wmel_create(&p, &st);
            ok += c != NULL;
            wmel_destroy(c);
        }
        char list[4096];
        CHECK(wmel_vulkan_devices(list, sizeof list) == WMEL_OK, "the list after 40 ctxs: %s", list);
        CHECK(ok == 40, "40 ctxs made and destroyed in turn: %d made", ok);
        CHECK(t_count(WMEL__CNT_VK_INSTANCES_MADE) == made, "40 ctxs and a list made %lld instances (the kept one: 0)",
              t_count(WMEL__CNT_VK_INSTANCES_MADE) - made);
    }
    if (rest) {
        inject();
        t_setenv("WMEL_VULKAN_STAGING", "1", 1); /* the staged buffers' calls too */
        inject();
        t_unsetenv("WMEL_VULKAN_STAGING");
    }
    printf("worst error / bar:");
    for (int ai = 0; ai < n_ar; ai++)
        printf("%s %s %.3g", ai ? "," : "", ariths[ai] == WMEL_VULKAN_ARITH_FLOAT64 ? "float64" : "float-float",
               g_worst[ariths[ai] == WMEL_VULKAN_ARITH_FLOAT64 ? 1 : 2] / BAR);
    printf("\n");
    free(x);
    wmel_free(speech);
    return t_done(rest ? "test_vulkan" : "test_vulkan_ff");
}
