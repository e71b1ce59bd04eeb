/*
 * test_vulkan_long.c -- clips longer than a round on the Vulkan device (lavapipe in `make
 * test-vulkan`): a clip of more frames than a round packs (VKW_DISPATCH_FRAMES) is finished
 * on the device in a round of its own, in several dispatches, the rounds' buffers grown for
 * it during the call where it needs more room (and back after it). In float64: NeMo's plan
 * (the per-feature normalisation) on 330 s, its buffers grown, gives the bytes of the host's
 * finish (WMEL_VULKAN_DEVICE_FINISH=0) and of the CPU backend, and the same bytes with
 * dispatches of 700 frames (WMEL_VULKAN_DISPATCH_FRAMES) and with the samples copied
 * (WMEL_VULKAN_HOST_IMPORT=0); a NaN in it the CPU's status; Kaldi's (no normalisation) on
 * 200 s (20,000 frames, the buffers as they are) the host's finish's and the CPU's bytes;
 * FunASR's (the post stage) and Whisper's own geometry (the clip's max and the 3x3 average)
 * on 330 s the host's finish's bytes; a batch of a 620 s clip (its samples past the signal
 * buffer's room) between two short ones, each clip finished on the device, the host's
 * finish's bytes. In float-float, NeMo's and Whisper's within 2e-5 of the host's finish.
 * Rounds of 1 MiB buffers (WMEL_VULKAN_ROUND_BYTES): a 20 s clip and a batch of 1-25 s clips
 * the CPU's bytes, and each Vulkan call of two 20 s calls failed in turn a status or the
 * CPU's bytes. The dispatch cap's estimate of a frame's work (wmel__vk_dispatch_cap). Exit
 * 77 without a device.
 */
#define _GNU_SOURCE /* setenv, RTLD_NODELETE */
#include "testutil.h"
#include "vk_test.h"
#include "wmel.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAR 2e-5
#define SR 16000

void t_vk_fail_at(long n);     /* vk_loader.c's injection: the n-th Vulkan call from now fails */
uint32_t wmel__vk_dispatch_cap(int algo, int arith, int n_fft, int fl, int bins, int fpg); /* vk_loader.c */

/* a ctx for plan (NULL: Whisper's own geometry with the clip's max and the 3x3 average) with
   the environment's switches env[0] = env[1] while it is made */
static wmel_ctx *mk(const wmel_frontend_plan *plan, int backend, int arith, const char *const env[2])
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.vulkan_arith = arith;
    p.n_threads = 2;
    if (!plan) p.smooth = WMEL_SMOOTH_3X3;
    if (env) t_setenv(env[0], env[1], 1); /* read when the ctx is made */
    int st = 0;
    wmel_ctx *c = plan ? wmel_create_plan(&p, plan, &st) : wmel_create(&p, &st);
    if (env) t_unsetenv(env[0]);
    CHECK(c != NULL, "create on backend %d arith %d: %d %s", backend, arith, st,
          backend == WMEL_BACKEND_VULKAN ? wmel_vulkan_error_detail() : "");
    return c;
}

/* c's output for x[0 .. n) into *o (testutil's t_features_new) */
static int run(wmel_ctx *c, const float *x, size_t n, float **o, size_t *len) { return t_features_new(c, x, n, o, len); }

/* a against b: the same bytes (exact) or within the bar */
static void same(const char *what, const float *a, const float *b, size_t len, int exact)
{
    const double e = t_rel_err_ff(a, b, len);
    if (exact) CHECK(!memcmp(a, b, len * sizeof(float)), "%s: other bytes (error %g)", what, e);
    else {
        CHECK(e <= BAR, "%s: error %g (bar %g)", what, e, BAR);
        printf("%s: error %.3g x max(1, |value|) (bar %g)\n", what, e, BAR);
    }
}

/* One plan's long clips (n samples each of lens) on the device against the host's finish (and
   the CPU's bytes where cpu_exact), with the dispatch cap and the copy switches. */
static void long_check(const char *name, const wmel_frontend_plan *plan, int ar, const float *x, size_t secs,
                       int cpu_exact, int grows, int variants)
{
    static const char *const off_env[2] = {"WMEL_VULKAN_DEVICE_FINISH", "0"};
    static const char *const disp_env[2] = {"WMEL_VULKAN_DISPATCH_FRAMES", "700"};
    static const char *const copy_env[2] = {"WMEL_VULKAN_HOST_IMPORT", "0"};
    const int f64 = ar == WMEL_VULKAN_ARITH_FLOAT64;
    wmel_ctx *vk = mk(plan, WMEL_BACKEND_VULKAN, ar, NULL), *off = mk(plan, WMEL_BACKEND_VULKAN, ar, off_env);
    wmel_ctx *disp = variants ? mk(plan, WMEL_BACKEND_VULKAN, ar, disp_env) : NULL;
    wmel_ctx *cp = variants ? mk(plan, WMEL_BACKEND_VULKAN, ar, copy_env) : NULL;
    wmel_ctx *cpu = cpu_exact ? mk(plan, WMEL_BACKEND_CPU, 0, NULL) : NULL;
    if (vk && off && (disp || !variants) && (cp || !variants) && (cpu || !cpu_exact)) {
        const size_t n = secs * SR;
        char what[160];
        float *o[5] = {NULL, NULL, NULL, NULL, NULL};
        size_t len[5] = {0, 0, 0, 0, 0};
        const long long f0 = t_count(WMEL__CNT_VK_FINISHES), g0 = t_count(WMEL__CNT_VK_GROWN);
        const int r0 = run(vk, x, n, &o[0], &len[0]);
        const long long dev = t_count(WMEL__CNT_VK_FINISHES) - f0, grew = t_count(WMEL__CNT_VK_GROWN) - g0;
        const int r1 = run(off, x, n, &o[1], &len[1]);
        const long long dev_off = t_count(WMEL__CNT_VK_FINISHES) - f0 - dev;
        const int r2 = disp ? run(disp, x, n, &o[2], &len[2]) : WMEL_OK;
        const int r3 = cp ? run(cp, x, n, &o[3], &len[3]) : WMEL_OK;
        if (!variants) len[2] = len[3] = len[0];
        const long long dev_all = t_count(WMEL__CNT_VK_FINISHES) - f0;
        const int r4 = cpu ? run(cpu, x, n, &o[4], &len[4]) : WMEL_OK;
        snprintf(what, sizeof what, "%s arith %d, %zu s", name, ar, secs);
        CHECK(r0 == WMEL_OK && r1 == WMEL_OK && r2 == WMEL_OK && r3 == WMEL_OK && r4 == WMEL_OK,
              "%s: statuses %d, %d (host's finish), %d (700-frame dispatches), %d (copied), %d (CPU)", what, r0, r1,
              r2, r3, r4);
        CHECK(dev == 1 && dev_off == 0 && dev_all == (variants ? 3 : 1),
              "%s: %lld, %lld and %lld finishes on the device (want 1, 0, %d)", what, dev, dev_off,
              dev_all - dev - dev_off, variants ? 2 : 0);
        CHECK(grew == grows, "%s: the buffers grew in %lld calls (want %d)", what, grew, grows);
        if (r0 == WMEL_OK && r1 == WMEL_OK && r2 == WMEL_OK && r3 == WMEL_OK && r4 == WMEL_OK &&
            len[0] == len[1] && len[0] == len[2] && len[0] == len[3] && (!cpu || len[4] == len[0])) {
            char w2[200];
            snprintf(w2, sizeof w2, "%s, against the host's finish", what);
            same(w2, o[0], o[1], len[0], f64);
            if (variants) {
                snprintf(w2, sizeof w2, "%s, 700-frame dispatches", what);
                same(w2, o[2], o[0], len[0], 1); /* the same shader on the same frames */
                snprintf(w2, sizeof w2, "%s, samples copied", what);
                same(w2, o[3], o[0], len[0], 1);
            }
            if (cpu) {
                snprintf(w2, sizeof w2, "%s, against the CPU", what);
                same(w2, o[0], o[4], len[0], f64);
            }
        } else {
            CHECK(0, "%s: lengths %zu %zu %zu %zu %zu", what, len[0], len[1], len[2], len[3], len[4]);
        }
        printf("%s: %zu values, %s%s\n", what, len[0], dev == 1 ? "finished on the device" : "finished on the host",
               grew ? ", the buffers grown" : "");
        for (int k = 0; k < 5; k++) free(o[k]);
    }
    /* a NaN in a long clip: the CPU's status (the host's way) */
    if (vk && cpu && variants) {
        float *y = malloc(200 * SR * sizeof(float));
        if (y) {
            memcpy(y, x, 200 * SR * sizeof(float));
            y[150 * SR + 7] = NAN;
            float *a, *b;
            size_t la, lb;
            const int ra = run(vk, y, 200 * SR, &a, &la), rb = run(cpu, y, 200 * SR, &b, &lb);
            CHECK(ra == rb && ra != WMEL_OK, "%s arith %d, a NaN at 150 s: status %d on the device, %d on the CPU",
                  name, ar, ra, rb);
            free(a);
            free(b);
        }
        free(y);
    }
    wmel_destroy(vk);
    wmel_destroy(off);
    wmel_destroy(disp);
    wmel_destroy(cp);
    wmel_destroy(cpu);
}

/* a batch: a 620 s clip (its window past the signal buffer's 32 MiB: it grows) between two
   short ones, each finished on the device, the host's finish's bytes (the bar) */
static void batch_check(const char *name, const wmel_frontend_plan *plan, int ar, const float *x)
{
    static const char *const off_env[2] = {"WMEL_VULKAN_DEVICE_FINISH", "0"};
    wmel_ctx *vk = mk(plan, WMEL_BACKEND_VULKAN, ar, NULL), *off = mk(plan, WMEL_BACKEND_VULKAN, ar, off_env);
    const size_t nb[3] = {3 * SR + 17, 620 * SR, 5 * SR};
    const float *pcm[3] = {x + 1000, x, x + 7};
    float *o1[3] = {NULL, NULL, NULL}, *o2[3] = {NULL, NULL, NULL};
    size_t lb[3];
    int ok = vk && off;
    for (int b = 0; ok && b < 3; b++) {
        size_t rows = 0, cols = 0;
        ok = wmel_features_shape(vk, nb[b], &rows, &cols) == WMEL_OK;
        lb[b] = rows * cols;
        o1[b] = malloc(lb[b] * sizeof(float));
        o2[b] = malloc(lb[b] * sizeof(float));
        ok = ok && o1[b] && o2[b];
    }
    if (ok) {
        size_t f1 = 3, f2 = 3;
        const long long f0 = t_count(WMEL__CNT_VK_FINISHES), g0 = t_count(WMEL__CNT_VK_GROWN);
        const int r1 = wmel_features_batch(vk, pcm, nb, 3, o1, lb, &f1);
        const long long dev = t_count(WMEL__CNT_VK_FINISHES) - f0, grew = t_count(WMEL__CNT_VK_GROWN) - g0;
        const int r2 = wmel_features_batch(off, pcm, nb, 3, o2, lb, &f2);
        CHECK(r1 == WMEL_OK && r2 == WMEL_OK && dev == 3 && grew == 1,
              "%s arith %d batch with a 620 s clip: status %d, %d; %lld of 3 clips finished on the device, %lld "
              "growths", name, ar, r1, r2, dev, grew);
        for (int b = 0; r1 == WMEL_OK && r2 == WMEL_OK && b < 3; b++) {
            char what[160];
            snprintf(what, sizeof what, "%s arith %d batch clip %d", name, ar, b);
            same(what, o1[b], o2[b], lb[b], ar == WMEL_VULKAN_ARITH_FLOAT64);
        }
        printf("%s arith %d: a batch with a 620 s clip, 3 of 3 clips finished on the device\n", name, ar);
    }
    for (int b = 0; b < 3; b++) {
        free(o1[b]);
        free(o2[b]);
    }
    wmel_destroy(vk);
    wmel_destroy(off);
}

/* Rounds of 1 MiB buffers (WMEL_VULKAN_ROUND_BYTES): a 20 s NeMo clip (2,000 frames, past a
   round's 1,638) takes a round of its own, its buffers grown, the CPU's bytes; a batch of
   clips of 1 to 25 s the same; each Vulkan call of the 20 s clip's two calls failed in turn
   (alternately out of device memory and a lost device): a status with a message, or the
   CPU's bytes (a failed growth: the clip across rounds, finished on the host). */
static void small_rounds(const wmel_frontend_plan *plan, const float *x)
{
    static const char *const env[2] = {"WMEL_VULKAN_ROUND_BYTES", "1048576"};
    const size_t n = 20 * SR;
    wmel_ctx *cpu = mk(plan, WMEL_BACKEND_CPU, 0, NULL), *vk = mk(plan, WMEL_BACKEND_VULKAN, 1, env);
    float *want = NULL, *o = NULL;
    size_t len = 0, lo = 0;
    CHECK(cpu && run(cpu, x, n, &want, &len) == WMEL_OK, "small rounds: the CPU's output");
    if (vk && want) {
        const long long f0 = t_count(WMEL__CNT_VK_FINISHES), g0 = t_count(WMEL__CNT_VK_GROWN);
        size_t lv = 0;
        const int rc = run(vk, x, n, &o, &lv);
        CHECK(rc == WMEL_OK && lv == len && t_count(WMEL__CNT_VK_FINISHES) - f0 == 1 && t_count(WMEL__CNT_VK_GROWN) - g0 == 1,
              "small rounds, 20 s: status %d, %lld finishes on the device, %lld growths", rc,
              t_count(WMEL__CNT_VK_FINISHES) - f0, t_count(WMEL__CNT_VK_GROWN) - g0);
        if (rc == WMEL_OK && lv == len) same("small rounds, 20 s, against the CPU", o, want, len, 1);
        free(o);
        o = NULL;
        /* a batch: the long clips in rounds of their own, the short ones packed */
        enum { B = 5 };
        const size_t nb[B] = {2 * SR + 5, 20 * SR, 3 * SR, 25 * SR + 160, SR};
        const float *pcm[B];
        float *ob[B] = {NULL}, *oc[B] = {NULL};
        size_t lb[B];
        int ok = 1;
        for (int b = 0; b < B; b++) {
            pcm[b] = x + 4000 * (size_t)b;
            size_t rows = 0, cols = 0;
            ok = ok && wmel_features_shape(vk, nb[b], &rows, &cols) == WMEL_OK;
            lb[b] = rows * cols;
            ob[b] = malloc(lb[b] * sizeof(float));
            ok = ok && ob[b] && wmel_features_batch(cpu, &pcm[b], &nb[b], 1, (float *const *)&ob[b], &lb[b], NULL) ==
                                    WMEL_OK;
            oc[b] = ob[b];
            ob[b] = malloc(lb[b] * sizeof(float));
            ok = ok && ob[b];
        }
        if (ok) {
            const long long f1 = t_count(WMEL__CNT_VK_FINISHES);
            size_t fi = B;
            const int rb = wmel_features_batch(vk, pcm, nb, B, ob, lb, &fi);
            CHECK(rb == WMEL_OK && t_count(WMEL__CNT_VK_FINISHES) - f1 == B, "small rounds, a batch: status %d, %lld of %d "
                  "clips finished on the device", rb, t_count(WMEL__CNT_VK_FINISHES) - f1, (int)B);
            for (int b = 0; rb == WMEL_OK && b < B; b++) {
                char what[96];
                snprintf(what, sizeof what, "small rounds, batch clip %d (%zu samples)", b, nb[b]);
                same(what, ob[b], oc[b], lb[b], 1);
            }
        }
        for (int b = 0; b < B; b++) {
            free(ob[b]);
            free(oc[b]);
        }
    }
    wmel_destroy(vk);
    o = want ? malloc(len * sizeof(float)) : NULL;
    long k;
    int statuses = 0, fallbacks = 0;
    for (k = 1; o && k < 200; k++) {
        wmel_ctx *c = mk(plan, WMEL_BACKEND_VULKAN, 1, env);
        if (!c) break;
        const long base = t_count(WMEL__CNT_VK_CALLS);
        t_vk_fail_at(k);
        int rc = WMEL_OK;
        for (int call = 0; call < 2 && rc == WMEL_OK; call++) {
            for (size_t i = 0; i < len; i++) o[i] = 12345.0f;
            rc = wmel_features(c, x, n, o, len);
        }
        const int fired = t_count(WMEL__CNT_VK_CALLS) >= base + k;
        t_vk_fail_at(0);
        wmel_destroy(c);
        if (!fired) {
            CHECK(rc == WMEL_OK, "no failure injected: status %d", rc);
            break;
        }
        if (rc == WMEL_OK) {
            fallbacks++;
            CHECK(!memcmp(o, want, len * sizeof(float)), "small rounds, call %ld failed: other bytes than the CPU's "
                  "(error %g)", k, t_rel_err_ff(o, want, len));
        } else {
            statuses++;
            t_vk_fault_status(rc, k);
        }
        lo = (size_t)k;
    }
    CHECK(k > 20 && k < 200, "small rounds, injection: %ld call sites", k - 1);
    printf("small rounds: %zu Vulkan calls of two 20 s calls failed in turn: %d statuses, %d calls with the CPU's "
           "bytes\n", lo, statuses, fallbacks);
    free(o);
    free(want);
    wmel_destroy(cpu);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* the dispatch cap: Whisper's geometry in float64 the most frames, float-float and larger
       transforms fewer, never below a workgroup's frames */
    CHECK(wmel__vk_dispatch_cap(1, 1, 400, 400, 201, 4) == 16384, "cap: Whisper float64 %u",
          wmel__vk_dispatch_cap(1, 1, 400, 400, 201, 4));
    CHECK(wmel__vk_dispatch_cap(1, 2, 400, 400, 201, 4) == 16384 / 5, "cap: Whisper float-float %u",
          wmel__vk_dispatch_cap(1, 2, 400, 400, 201, 4));
    const uint32_t c4096 = wmel__vk_dispatch_cap(1, 1, 4096, 4096, 2049, 4);
    CHECK(c4096 >= 1100 && c4096 <= 1200, "cap: n_fft 4096 float64 %u (about 1152)", c4096);
    CHECK(wmel__vk_dispatch_cap(0, 2, 4000, 4000, 2001, 3) == 3, "cap: a large DFT in float-float %u (a workgroup's)",
          wmel__vk_dispatch_cap(0, 2, 4000, 4000, 2001, 3));
    char devs[4096];
    const int skip = t_vk_devices(devs, sizeof devs);
    if (skip) return skip;
    size_t ns = 0;
    float *speech = t_load_wav("audio/speech_en.wav", &ns);
    CHECK(speech && ns >= 60000, "speech: %zu samples", ns);
    const size_t nmax = 620 * SR;
    float *x = speech ? malloc(nmax * sizeof(float)) : NULL;
    for (size_t i = 0; x && i < nmax; i++) x[i] = speech[(i * 7) % ns] * (float)(0.5 + 0.5 * sin((double)i * 1e-5));
    int ariths[2] = {WMEL_VULKAN_ARITH_FLOAT64, 0}, n_ar = 1;
#ifdef WMEL_HAVE_VULKAN_FF
    ariths[n_ar++] = WMEL_VULKAN_ARITH_FLOAT_FLOAT;
#endif
    for (int ai = 0; x && ai < n_ar; ai++) {
        const int ar = ariths[ai];
        const int f64 = ar == WMEL_VULKAN_ARITH_FLOAT64;
        /* NeMo's 330 s (its buffers grown) with the switches; Kaldi's 200 s (20,000 frames in
           a round of their own, the buffers as they are); FunASR's post stage; Whisper's own
           geometry; float-float: NeMo's and Whisper's */
        const char *names[] = {"nemo", "kaldi", "funasr"};
        for (size_t i = 0; i < 3; i++) {
            wmel_frontend_plan plan;
            char msg[256];
            CHECK(wmel_preset_plan(names[i], &plan, msg, sizeof msg) == WMEL_OK, "%s: %s", names[i], msg);
            plan.dither = 0.0;
            if (!f64 && i) continue;
            long_check(names[i], &plan, ar, x, i == 1 ? 200 : 330, f64 && i < 2, i != 1, f64 && i == 0);
            if (i == 0 && f64) {
                batch_check(names[i], &plan, ar, x);
                small_rounds(&plan, x);
            }
        }
        long_check("whisper (clamp, 3x3)", NULL, ar, x, 330, 0, 1, 0);
    }
    free(x);
    free(speech);
    return t_done("test_vulkan_long");
}
