/*
 * test_cuda_emu.c -- what only the CUDA emulator (-DWMEL_CUDA=EMU, tests/cuda/emu) can
 * check, because it needs a device that fails on demand:
 *
 *  - fault sweeps: for every CUDA runtime call the library makes in a host-pointer
 *    call, a smoothed batch, a device-pointer call, the encoder stem and ctx creation,
 *    that one call fails (out of memory, then a launch failure). The library must return
 *    WMEL_OK with correct output (the error was harmless, or it fell back to the CPU and
 *    says so), or WMEL_ERR_CUDA with a message; never crash (a plan's ctx too: nemo's
 *    creation, wmel_features_batch and wmel_features, frames and finish on the device).
 *    After the ctx is destroyed no device memory, pinned memory, stream or event may be
 *    left, and a ctx that saw a failure must compute correctly on its next call;
 *  - a device too small for the call: the host path runs on the CPU and reports it;
 *  - with the argument `many` (its own CTest entry, test_cuda_emu_many: it is the slow
 *    one), only this: more clips than a grid's y axis holds (65535), so that clips spill
 *    into grid z in every kernel (log-Mel and normalisation through host pointers;
 *    log-Mel, edges and smoothing through device pointers);
 *  - no device and no kernel image: AUTO gives a CPU ctx, CUDA by name a clear error;
 *  - a device without stream-ordered memory pools (cudaMallocAsync NotSupported): every
 *    call runs on the device with plain cudaMalloc, right, and the fault sweeps hold there too;
 *  - inside a stream capture: with pools only stream-ordered work, without them a refusal
 *    that names the pools and the capture;
 *  - wmel_cuda_features_device's and wmel_cuda_features_device_batch's fault sweep (three
 *    plans, float32 and int16 samples), its bytes wmel_features';
 *  - the plan's fault sweep in both arithmetics (WMEL_CUDA_ARITHMETIC=float64, float-float),
 *    and the arithmetic taken when the switch is unset, by the compute capability the
 *    emulated device reports (wmel_emu_set_cc).
 *
 * Correct output: within 2e-5 of the CPU backend (mel) and 1e-4 of the CPU stem.
 */
#define _GNU_SOURCE /* setenv */
#include "internal.h"
#include "cuda_testutil.h"

#include <cuda_runtime_api.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_SAMPLES 48000 /* 3 s: 301 frames, several tiles */
#define MEL_TOL 2e-5
#define STEM_TOL 1e-4

static float g_x[3 * N_SAMPLES];
static float *g_ref;          /* cpu, per-clip norm, 3 clips */
static float *g_ref_smooth;   /* cpu, global norm + smoothing, 3 clips */
static size_t g_nf;

typedef struct leaks {
    size_t dev, pinned, streams, events;
} leaks;

static leaks now(void)
{
    return (leaks){wmel_emu_device_allocations(), wmel_emu_pinned_allocations(), wmel_emu_live_streams(),
                   wmel_emu_live_events()};
}

static void no_leaks(const leaks *before, const char *what)
{
    leaks l = now();
    CHECK(l.dev == before->dev && l.pinned == before->pinned && l.streams == before->streams &&
              l.events == before->events,
          "%s: left behind %lld device allocations, %lld pinned, %lld streams, %lld events", what,
          (long long)l.dev - (long long)before->dev, (long long)l.pinned - (long long)before->pinned,
          (long long)l.streams - (long long)before->streams, (long long)l.events - (long long)before->events);
}

static wmel_ctx *mk(int backend, int smooth)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.smooth = smooth;
    int st;
    return wmel_create(&p, &st);
}

/* ---- the scenarios ----
 * prepare: before the fault is armed (clears outputs); run: the library call(s) under the
 * fault, returning the status; check: the output is right (after the stream is done);
 * reset: after each round, before the leak check (the stem drops its device weights). */

typedef struct scenario {
    const char *name;
    void (*prepare)(void);
    int (*run)(wmel_ctx *c);
    int (*check)(void);
    void (*reset)(void);
    int smooth;
} scenario;

static float *g_out; /* host output of the host-pointer scenarios */

static void prep_host(void) { memset(g_out, 0, 3 * 80 * g_nf * sizeof(float)); }

static int run_single(wmel_ctx *c) { return wmel_log_mel(c, g_x, N_SAMPLES, 0, g_out, 80 * g_nf); }
static int check_single(void) { return t_max_abs_diff_ff(g_out, g_ref, 80 * g_nf) <= MEL_TOL; }

static int run_batch(wmel_ctx *c)
{
    return wmel_log_mel_batch(c, g_x, 3, N_SAMPLES, N_SAMPLES, 0, WMEL_BATCH_GLOBAL, g_out, 3 * 80 * g_nf);
}
static int check_batch(void) { return t_max_abs_diff_ff(g_out, g_ref_smooth, 3 * 80 * g_nf) <= MEL_TOL; }

/* device buffers of the test's own, made before any fault is armed */
static t_dev g_dev;

/* the device output read back (after the stream) against `want` */
static int device_result(const float *d, const float *want, size_t len, double tol)
{
    float *o = malloc(len * sizeof(float));
    int good = cudaStreamSynchronize(g_dev.s) == cudaSuccess &&
               cudaMemcpy(o, d, len * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess &&
               t_max_abs_diff_ff(o, want, len) <= tol;
    free(o);
    return good;
}

static void prep_device(void) { cudaMemset(g_dev.o, 0, 3 * 80 * g_nf * sizeof(float)); }
static int run_device(wmel_ctx *c)
{
    return wmel_cuda_log_mel_device(c, g_dev.x, WMEL_SAMPLE_F32, 3, N_SAMPLES, N_SAMPLES, 0, WMEL_BATCH_PER_CLIP,
                                    g_dev.o, 3 * 80 * g_nf, g_dev.s);
}
static int check_device(void) { return device_result(g_dev.o, g_ref, 3 * 80 * g_nf, MEL_TOL); }

/* the encoder stem, one window of the tiny golden stem, loaded afresh each round so that
 * uploading its weights is swept too */
static struct {
    wmel_stem *s;
    float *d_mel, *d_out, *want;
    size_t per;
} g_stem;

static void prep_stem(void)
{
    if (!g_stem.s) {
        char err[512];
        int st;
        g_stem.s = wmel_stem_load(t_golden("ref/stem_tiny_f32.safetensors"), 0, &st, err, sizeof err);
        CHECK(g_stem.s != NULL, "load the tiny stem: %s", err);
    }
    cudaMemset(g_stem.d_out, 0, g_stem.per * sizeof(float));
}
static int run_stem(wmel_ctx *c)
{
    return g_stem.s ? wmel_cuda_stem_device(g_stem.s, c, g_stem.d_mel, 1, g_stem.d_out, g_stem.per, g_dev.s)
                    : WMEL_ERR_NULL_POINTER;
}
static int check_stem(void) { return device_result(g_stem.d_out, g_stem.want, g_stem.per, STEM_TOL); }
static void reset_stem(void)
{
    wmel_stem_free(g_stem.s);
    g_stem.s = NULL;
}

/* ---- the sweep ---- */

static int attempt(const scenario *sc, wmel_ctx *c, unsigned long n, cudaError_t err, unsigned long *calls, int *ok)
{
    sc->prepare();
    wmel_emu_fail_at(n, err);
    int rc = sc->run(c);
    *calls = wmel_emu_fail_at(0, cudaSuccess);
    *ok = rc == WMEL_OK && sc->check();
    return rc;
}

/* Runs the scenario with the n-th CUDA call failing with `err`, for n = 1, 2, ... until a
 * run makes fewer calls than n (the fault no longer fires). Returns the call sites swept. */
static unsigned long sweep(const scenario *sc, cudaError_t err)
{
    unsigned long n = 1, fired = 0;
    for (;; n++) {
        leaks before = now();
        wmel_ctx *c = mk(WMEL_BACKEND_CUDA, sc->smooth);
        CHECK(c != NULL, "%s: create", sc->name);
        if (!c) return 0;
        unsigned long calls, dummy;
        int ok;
        int rc = attempt(sc, c, n, err, &calls, &ok);
        char what[160];
        snprintf(what, sizeof what, "%s, call %lu of %lu fails with %s", sc->name, n, calls, cudaGetErrorName(err));
        if (rc == WMEL_OK) {
            CHECK(ok, "%s: WMEL_OK with wrong output", what);
        } else {
            CHECK(rc == WMEL_ERR_CUDA, "%s: status %d (%s), want WMEL_ERR_CUDA", what, rc, wmel_strerror(rc));
            CHECK(wmel_cuda_error_detail()[0] != 0, "%s: WMEL_ERR_CUDA without a message", what);
        }
        cudaGetLastError();
        /* the same ctx, no faults: it must still work */
        rc = attempt(sc, c, 0, cudaSuccess, &dummy, &ok);
        CHECK(rc == WMEL_OK && ok, "%s: the next call on the ctx: %d (%s) ok=%d %s", what, rc, wmel_strerror(rc), ok,
              wmel_cuda_error_detail());
        wmel_destroy(c);
        if (sc->reset) sc->reset();
        no_leaks(&before, what);
        if (calls < n) break; /* this run made no n-th call: every site has been failed */
        fired++;
        if (t_failures > 20) break;
    }
    printf("%-28s %-26s %2lu call sites failed one by one: ok\n", sc->name, cudaGetErrorName(err), fired);
    return fired;
}


/* A plan's ctx (nemo: the general algorithm's frames on k_plan_frames, its finish on
 * k_plan_finish) under faults: each CUDA call of its creation, a wmel_features_batch of two
 * clips and a wmel_features fails in turn. The creation is refused (WMEL_ERR_BACKEND_UNAVAILABLE), or each call returns
 * the CPU backend's values within the bar (the fault was harmless, or the frames fell back
 * to the CPU) or WMEL_ERR_CUDA with a message; the ctx then computes right, nothing leaks. */
static void plan_fault_sweep(cudaError_t err, const char *arith)
{
    t_setenv("WMEL_CUDA_ARITHMETIC", arith, 1); /* read when a ctx is made */
    wmel_frontend_plan plan;
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &plan);
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CPU;
    p.n_threads = 1;
    int st;
    wmel_ctx *cpu = wmel_create_plan(&p, &plan, &st);
    size_t rows = 0, cols = 0;
    wmel_features_shape(cpu, N_SAMPLES, &rows, &cols);
    const size_t per = rows * cols;
    float *want = malloc(2 * per * sizeof(float)), *got = malloc(2 * per * sizeof(float));
    const float *pcm[2] = {g_x, g_x + N_SAMPLES};
    const size_t n[2] = {N_SAMPLES, N_SAMPLES}, lens[2] = {per, per};
    for (int b = 0; b < 2; b++) CHECK(wmel_features(cpu, pcm[b], N_SAMPLES, want + b * per, per) == WMEL_OK, "cpu nemo");
    p.backend = WMEL_BACKEND_CUDA;
    unsigned long n_at = 1;
    for (;; n_at++) {
        leaks before = now();
        wmel_emu_fail_at(n_at, err);
        wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
        int rc[2] = {WMEL_OK, WMEL_OK};
        if (c) {
            float *out[2] = {got, got + per};
            rc[0] = wmel_features_batch(c, pcm, n, 2, out, lens, NULL);
            if (rc[0] == WMEL_OK)
                CHECK(t_rel_err_ff(got, want, 2 * per) <= MEL_TOL, "nemo batch, call %lu fails: wrong output", n_at);
            rc[1] = wmel_features(c, pcm[1], N_SAMPLES, got + per, per);
            if (rc[1] == WMEL_OK)
                CHECK(t_rel_err_ff(got + per, want + per, per) <= MEL_TOL, "nemo, call %lu fails: wrong output", n_at);
        }
        const unsigned long calls = wmel_emu_fail_at(0, cudaSuccess);
        if (!c) CHECK(st == WMEL_ERR_BACKEND_UNAVAILABLE, "nemo create, call %lu fails: %d", n_at, st);
        for (int i = 0; i < 2; i++)
            if (rc[i] != WMEL_OK)
                CHECK(rc[i] == WMEL_ERR_CUDA && wmel_cuda_error_detail()[0], "nemo call %d, call %lu fails: %d (%s)", i,
                      n_at, rc[i], wmel_cuda_error_detail());
        cudaGetLastError();
        if (c) { /* no faults: the ctx computes right, on the device (the finish too), in its arithmetic */
            CHECK(!strncmp(wmel_kernel_name(c), arith[5] == '-' ? "cuda-ff-" : "cuda-f64-", arith[5] == '-' ? 8 : 9),
                  "nemo %s: kernel %s", arith, wmel_kernel_name(c));
            const long long f0 = t_count(WMEL__CNT_CU_FINISHES);
            const int r = wmel_features(c, pcm[0], N_SAMPLES, got, per);
            CHECK(r == WMEL_OK && t_rel_err_ff(got, want, per) <= MEL_TOL &&
                      !strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "cuda") && t_count(WMEL__CNT_CU_FINISHES) == f0 + 1,
                  "nemo after call %lu failed: %d on %s, %lld finishes on the device", n_at, r,
                  wmel_op_backend(c, WMEL_OP_LOG_MEL), t_count(WMEL__CNT_CU_FINISHES) - f0);
        }
        wmel_destroy(c);
        char what[96];
        snprintf(what, sizeof what, "nemo, call %lu fails with %s", n_at, cudaGetErrorName(err));
        no_leaks(&before, what);
        if (calls < n_at || t_failures > 20) break;
    }
    printf("%-28s %-26s %2lu call sites failed one by one: ok (%s)\n", "nemo (wmel_create_plan)",
           cudaGetErrorName(err), n_at - 1, arith);
    CHECK(n_at > 5, "nemo: only %lu call sites", n_at - 1);
    t_unsetenv("WMEL_CUDA_ARITHMETIC");
    wmel_destroy(cpu);
    free(want);
    free(got);
}

/* Two clips of N_SAMPLES at x into out (per floats each): wmel_cuda_features_device, or
 * (batch) wmel_cuda_features_device_batch with host arrays of their pointers. */
static int features_device_call(wmel_ctx *c, const void *x, int s16, float *out, size_t per, int batch)
{
    const int type = s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32;
    if (!batch) return wmel_cuda_features_device(c, x, type, 2, N_SAMPLES, N_SAMPLES, out, 2 * per, g_dev.s);
    const size_t el = s16 ? sizeof(int16_t) : sizeof(float), n[2] = {N_SAMPLES, N_SAMPLES}, len[2] = {per, per};
    const void *pcm[2] = {x, (const char *)x + N_SAMPLES * el};
    float *const o[2] = {out, out + per};
    return wmel_cuda_features_device_batch(c, pcm, type, n, 2, o, len, NULL, g_dev.s);
}

/* wmel_cuda_features_device (batch: wmel_cuda_features_device_batch) under faults, for
 * NeMo's plan (the finish's statistics), SpeechBrain's fbank (the clip's max: k_plan_max),
 * FunASR's LFR (the post stage: k_plan_post) and Whisper's geometry smoothed (its own
 * kernels: the max keys, the log-mel, the smoothing), float32 and int16 samples: each CUDA call
 * of the call fails in turn. It returns WMEL_OK with wmel_features' bytes, or WMEL_ERR_CUDA
 * with a message; the ctx then computes right, and nothing is left behind. */
static void features_device_sweep(cudaError_t err, const char *arith, int batch)
{
    const char *fn = batch ? "wmel_cuda_features_device_batch" : "wmel_cuda_features_device";
    static const char *const names[4] = {"nemo", "speechbrain-fbank", "funasr", "whisper smoothed"};
    t_setenv("WMEL_CUDA_ARITHMETIC", arith, 1); /* read when a ctx is made */
    unsigned long sites = 0;
    for (int k = 0; k < 4; k++) {
        wmel_frontend_plan plan;
        char msg[256];
        memset(&plan, 0, sizeof plan);
        if (k < 3) CHECK(wmel_preset_plan(names[k], &plan, msg, sizeof msg) == WMEL_OK, "%s: %s", names[k], msg);
        plan.dither = 0.0;
        wmel_params p = wmel_default_params();
        p.backend = WMEL_BACKEND_CUDA;
        p.n_threads = 1;
        if (k == 3) p.smooth = WMEL_SMOOTH_3X3; /* Whisper's geometry: wmel_create */
        int st;
        size_t rows = 0, cols = 0;
        for (int s16 = 0; s16 < 2; s16++) {
            const void *x = s16 ? g_dev.xs : g_dev.x;
            float *want = NULL, *got = NULL;
            size_t per = 0;
            for (unsigned long n_at = 0;; n_at++) { /* n_at 0: no fault, the bytes wanted */
                leaks before = now();
                wmel_ctx *c = k < 3 ? wmel_create_plan(&p, &plan, &st) : wmel_create(&p, &st);
                CHECK(c != NULL, "%s: create: %d", names[k], st);
                if (!c) break;
                if (!want) {
                    wmel_features_shape(c, N_SAMPLES, &rows, &cols);
                    per = rows * cols;
                    want = malloc(2 * per * sizeof(float));
                    got = malloc(2 * per * sizeof(float));
                    float *xf = malloc(N_SAMPLES * sizeof(float));
                    int16_t *xs = malloc(N_SAMPLES * sizeof(int16_t));
                    for (int b = 0; b < 2; b++) {
                        cudaMemcpy(xs, (const int16_t *)g_dev.xs + b * N_SAMPLES, N_SAMPLES * sizeof(int16_t),
                                   cudaMemcpyDeviceToHost);
                        for (size_t i = 0; i < N_SAMPLES; i++)
                            xf[i] = s16 ? (float)xs[i] / 32768.0f : g_x[b * N_SAMPLES + i];
                        CHECK(wmel_features(c, xf, N_SAMPLES, want + b * per, per) == WMEL_OK, "%s: host", names[k]);
                    }
                    free(xf);
                    free(xs);
                }
                cudaMemset(g_dev.o, 0, 2 * per * sizeof(float));
                wmel_emu_fail_at(n_at, err);
                int rc = features_device_call(c, x, s16, g_dev.o, per, batch);
                const unsigned long calls = wmel_emu_fail_at(0, cudaSuccess);
                char what[128];
                snprintf(what, sizeof what, "%s %s %s %s, call %lu of %lu fails with %s", fn, names[k], s16 ? "int16" : "float32", arith, n_at, calls, cudaGetErrorName(err));
                cudaStreamSynchronize(g_dev.s);
                cudaGetLastError();
                if (rc == WMEL_OK) {
                    cudaMemcpy(got, g_dev.o, 2 * per * sizeof(float), cudaMemcpyDeviceToHost);
                    CHECK(!memcmp(got, want, 2 * per * sizeof(float)), "%s: WMEL_OK with other bytes", what);
                } else {
                    CHECK(rc == WMEL_ERR_CUDA && wmel_cuda_error_detail()[0], "%s: status %d (%s)", what, rc,
                          wmel_cuda_error_detail());
                }
                /* the same ctx, no faults: it must still work */
                cudaMemset(g_dev.o, 0, 2 * per * sizeof(float));
                rc = features_device_call(c, x, s16, g_dev.o, per, batch);
                cudaStreamSynchronize(g_dev.s);
                cudaMemcpy(got, g_dev.o, 2 * per * sizeof(float), cudaMemcpyDeviceToHost);
                CHECK(rc == WMEL_OK && !memcmp(got, want, 2 * per * sizeof(float)), "%s: the next call: %d (%s)", what,
                      rc, wmel_cuda_error_detail());
                wmel_destroy(c);
                no_leaks(&before, what);
                if (n_at && calls < n_at) break; /* no n_at-th call: every site failed */
                if (n_at) sites++;
                if (t_failures > 20) break;
            }
            free(want);
            free(got);
        }
    }
    t_unsetenv("WMEL_CUDA_ARITHMETIC");
    printf("%-28s %-26s %2lu call sites failed one by one: ok (%s)\n", fn, cudaGetErrorName(err), sites, arith);
    CHECK(sites >= 18, "%s: only %lu call sites", fn, sites);
}

/* ctx creation under faults: CUDA by name fails cleanly, AUTO falls back to the CPU */
static void create_sweep(cudaError_t err)
{
    unsigned long n = 1;
    for (;; n++) {
        leaks before = now();
        int st;
        wmel_params p = wmel_default_params();
        p.backend = WMEL_BACKEND_CUDA;
        wmel_emu_fail_at(n, err);
        wmel_ctx *c = wmel_create(&p, &st);
        unsigned long calls = wmel_emu_fail_at(0, cudaSuccess);
        CHECK(c != NULL || st == WMEL_ERR_BACKEND_UNAVAILABLE, "create by name, call %lu fails: %d", n, st);
        wmel_destroy(c);
        p.backend = WMEL_BACKEND_AUTO;
        wmel_emu_fail_at(n, err);
        c = wmel_create(&p, &st);
        wmel_emu_fail_at(0, cudaSuccess);
        CHECK(c != NULL, "AUTO create, call %lu fails: %d", n, st);
        if (c) {
            prep_host();
            CHECK(run_single(c) == WMEL_OK && check_single(), "AUTO ctx (%s) after call %lu failed",
                  wmel_backend_name(c), n);
        }
        wmel_destroy(c);
        cudaGetLastError();
        no_leaks(&before, "create");
        if (calls < n) break;
    }
    printf("%-28s %-26s %2lu call sites failed one by one: ok\n", "wmel_create", cudaGetErrorName(err), n - 1);
}

static void small_device(void)
{
    wmel_ctx *c = mk(WMEL_BACKEND_CUDA, WMEL_SMOOTH_NONE);
    if (!c) return;
    wmel_emu_set_device_memory(wmel_emu_device_bytes() + 4096); /* the plan fits, a clip does not */
    prep_host();
    int rc = run_single(c), ok = rc == WMEL_OK && check_single();
    CHECK(rc == WMEL_OK && ok, "small device: %d ok=%d", rc, ok);
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "cpu"), "small device: ran on %s",
          wmel_op_backend(c, WMEL_OP_LOG_MEL));
    /* the scheduler's record of the run-time hand-back, with its kind: the device's memory */
    char why[320];
    int rr = wmel_op_reason(c, WMEL_OP_LOG_MEL, why, sizeof why);
    CHECK(rr == 1 && strstr(why, "at run time: its memory was short"), "small device: reason %d '%s'", rr, why);
    rr = wmel_op_reason(c, WMEL_OP_FINISH, why, sizeof why);
    CHECK(rr == 1 && strstr(why, "its memory was short"), "small device: finish's reason %d '%s'", rr, why);
    wmel_emu_set_device_memory(0);
    prep_host();
    rc = run_single(c);
    ok = rc == WMEL_OK && check_single();
    CHECK(rc == WMEL_OK && ok && !strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "cuda"),
          "room again: %d ok=%d on %s", rc, ok, wmel_op_backend(c, WMEL_OP_LOG_MEL));
    rr = wmel_op_reason(c, WMEL_OP_LOG_MEL, why, sizeof why);
    CHECK(rr == 0 && !*why, "room again: reason %d '%s'", rr, why);
    wmel_destroy(c);
    printf("device too small for the clip: ran on the cpu and said why: ok\n");
}

/* 65537 short clips (401 samples: 3 frames, one tile each) in one batch: grid z = 2. */
static void many_clips(void)
{
    enum { B = 65537, N = 401 };
    const size_t nf = wmel_n_frames(N, 0), per = 80 * nf;
    float *x = malloc((size_t)B * N * sizeof(float)), *want = malloc(B * per * sizeof(float)),
          *got = malloc(B * per * sizeof(float));
    for (size_t c = 0; c < B; c++)
        for (size_t i = 0; i < N; i++) /* a different tone and level per clip */
            x[c * N + i] = (float)((0.01 + 0.5 * (double)(c % 97) / 97.0) * sin(0.001 * (double)(c % 4093 + 1) * (double)i));
    for (int smooth = 0; smooth < 2; smooth++) { /* host pointers plain, device pointers smoothed */
        wmel_ctx *cpu = mk(WMEL_BACKEND_CPU, smooth), *gpu = mk(WMEL_BACKEND_CUDA, smooth);
        CHECK(cpu && gpu, "ctx");
        if (!cpu || !gpu) break;
        CHECK(wmel_log_mel_batch(cpu, x, B, N, N, 0, WMEL_BATCH_PER_CLIP, want, B * per) == WMEL_OK, "cpu batch");
        int rc;
        memset(got, 0, B * per * sizeof(float));
        if (!smooth) {
            rc = wmel_log_mel_batch(gpu, x, B, N, N, 0, WMEL_BATCH_PER_CLIP, got, B * per);
            CHECK(!strcmp(wmel_op_backend(gpu, WMEL_OP_LOG_MEL_BATCH), "cuda"), "ran on %s",
                  wmel_op_backend(gpu, WMEL_OP_LOG_MEL_BATCH));
        } else {
            void *dx = NULL, *dout = NULL;
            CHECK(cudaMalloc(&dx, (size_t)B * N * sizeof(float)) == cudaSuccess &&
                      cudaMalloc(&dout, B * per * sizeof(float)) == cudaSuccess,
                  "cudaMalloc");
            cudaMemcpy(dx, x, (size_t)B * N * sizeof(float), cudaMemcpyHostToDevice);
            rc = wmel_cuda_log_mel_device(gpu, dx, WMEL_SAMPLE_F32, B, N, N, 0, WMEL_BATCH_PER_CLIP, dout, B * per,
                                          NULL);
            cudaMemcpy(got, dout, B * per * sizeof(float), cudaMemcpyDeviceToHost);
            cudaFree(dx);
            cudaFree(dout);
        }
        const double e = rc == WMEL_OK ? t_max_abs_diff_ff(got, want, B * per) : 1.0;
        CHECK(rc == WMEL_OK && e <= MEL_TOL, "%d clips (%s): %d, %.3g vs cpu", B,
              smooth ? "device pointers, smoothed" : "host pointers", rc, e);
        printf("%d clips in one batch (grid z = 2), %s: %.2g from the cpu: ok\n", B,
               smooth ? "device pointers, smoothed" : "host pointers", e);
        wmel_destroy(cpu);
        wmel_destroy(gpu);
    }
    free(x);
    free(want);
    free(got);
}

static void no_device(void)
{
    for (int k = 0; k < 2; k++) {
        wmel_emu_configure(k == 0 ? 0 : 1, k == 1); /* no device; then a device without an image */
        int st;
        wmel_ctx *c = mk(WMEL_BACKEND_AUTO, WMEL_SMOOTH_NONE);
        CHECK(c && !strcmp(wmel_backend_name(c), "cpu"), "%s: AUTO gives %s", k ? "no image" : "no device",
              c ? wmel_backend_name(c) : "nothing");
        wmel_destroy(c);
        wmel_params p = wmel_default_params();
        p.backend = WMEL_BACKEND_CUDA;
        c = wmel_create(&p, &st);
        CHECK(c == NULL && st == WMEL_ERR_BACKEND_UNAVAILABLE, "%s: CUDA by name: %d",
              k ? "no image" : "no device", st);
        wmel_destroy(c);
        cudaGetLastError();
    }
    wmel_emu_configure(1, 0);
    printf("no device / no kernel image: AUTO on the cpu, CUDA by name refused: ok\n");
}

/* A device without memory pools: cudaMallocAsync and cudaFreeAsync are NotSupported. The
   CUDA ctx must still compute on the device (cudaMalloc), give the CPU's values, leave
   nothing behind, and survive the same fault sweeps. */
static unsigned long no_pools(const scenario *mel, size_t n_mel)
{
    wmel_emu_set_pools(0);
    const size_t async0 = wmel_emu_async_allocations();
    const leaks before = now();
    wmel_ctx *c = mk(WMEL_BACKEND_CUDA, WMEL_SMOOTH_NONE);
    CHECK(c != NULL, "no pools: a CUDA ctx");
    unsigned long sites = 0;
    if (c) {
        for (size_t i = 0; i < n_mel; i++) {
            if (mel[i].smooth != WMEL_SMOOTH_NONE) continue;
            mel[i].prepare();
            const int rc = mel[i].run(c);
            CHECK(rc == WMEL_OK && mel[i].check(), "no pools: %s: %d (%s)", mel[i].name, rc,
                  wmel_cuda_error_detail());
            const int op = mel[i].run == run_device ? WMEL_OP_DEVICE : WMEL_OP_LOG_MEL;
            CHECK(!strcmp(wmel_op_backend(c, op), "cuda"), "no pools: %s ran on %s, not the device", mel[i].name,
                  wmel_op_backend(c, op));
        }
        wmel_destroy(c);
    }
    for (size_t i = 0; i < n_mel; i++) sites += sweep(&mel[i], cudaErrorMemoryAllocation);
    CHECK(wmel_emu_async_allocations() == async0, "no pools: cudaMallocAsync allocated %zu times",
          wmel_emu_async_allocations() - async0);
    no_leaks(&before, "no pools");
    wmel_emu_set_pools(1);
    printf("a device without memory pools: cudaMalloc, on the device, %lu call sites swept: ok\n", sites);
    return sites;
}

/* A plan's features of the three clips from device memory on c (nemo) into d_o; 1 when they
 * are wmel_features' bytes (read after the stream). */
static int nemo_device(wmel_ctx *c, float *d_o, size_t per, int *rc)
{
    *rc = wmel_cuda_features_device(c, g_dev.x, WMEL_SAMPLE_F32, 3, N_SAMPLES, N_SAMPLES, d_o, 3 * per, g_dev.s);
    return *rc == WMEL_OK;
}

static int nemo_same(wmel_ctx *c, const float *d_o, size_t per)
{
    float *want = malloc(3 * per * sizeof(float)), *got = malloc(3 * per * sizeof(float));
    int good = want && got && cudaStreamSynchronize(g_dev.s) == cudaSuccess &&
               cudaMemcpy(got, d_o, 3 * per * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess;
    for (int b = 0; good && b < 3; b++)
        good = wmel_features(c, g_x + b * N_SAMPLES, N_SAMPLES, want + b * per, per) == WMEL_OK;
    good = good && !memcmp(want, got, 3 * per * sizeof(float));
    free(want);
    free(got);
    return good;
}

/* Inside a stream capture (wmel_emu_set_capturing: cudaMalloc, cudaFree and the stream's wait
 * refused, as a capture in global mode refuses them): with memory pools the device-pointer
 * calls (Whisper's log-Mel, a plan's features) enqueue only stream-ordered work and give the
 * same output; without pools they are refused up front with WMEL_ERR_INVALID_ARG and a message
 * naming the pools and the caller's scratch (test_cuda_scratch: the calls with it), leaving
 * nothing behind, and the same call after the capture runs. */
static void capture(void)
{
    wmel_ctx *c = mk(WMEL_BACKEND_CUDA, WMEL_SMOOTH_NONE);
    wmel_frontend_plan plan;
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &plan);
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    p.n_threads = 1;
    int st = 0;
    wmel_ctx *n = wmel_create_plan(&p, &plan, &st);
    size_t rows = 0, cols = 0;
    float *d_o = NULL;
    CHECK(c && n && wmel_features_shape(n, N_SAMPLES, &rows, &cols) == WMEL_OK &&
              cudaMalloc((void **)&d_o, 3 * rows * cols * sizeof(float)) == cudaSuccess,
          "capture: the ctxs and the output");
    for (int pools = 1; c && n && d_o && pools >= 0; pools--) {
        wmel_emu_set_pools(pools);
        const leaks before = now();
        prep_device();
        int rc_n = 0;
        wmel_emu_set_capturing(g_dev.s, 1);
        const int rc = run_device(c);
        nemo_device(n, d_o, rows * cols, &rc_n);
        wmel_emu_set_capturing(g_dev.s, 0);
        if (pools) {
            CHECK(rc == WMEL_OK && check_device(), "capture with pools: log-Mel %d (%s)", rc, wmel_cuda_error_detail());
            CHECK(rc_n == WMEL_OK && nemo_same(n, d_o, rows * cols), "capture with pools: nemo %d (%s)", rc_n,
                  wmel_cuda_error_detail());
            continue;
        }
        const char *d = wmel_cuda_error_detail();
        CHECK(rc == WMEL_ERR_INVALID_ARG && rc_n == WMEL_ERR_INVALID_ARG && strstr(d, "memory pools") &&
                  strstr(d, "scratch of your own"),
              "capture without pools: %d %d (%s)", rc, rc_n, d);
        no_leaks(&before, "capture without pools");
        int again = 0;
        CHECK(run_device(c) == WMEL_OK && check_device() && nemo_device(n, d_o, rows * cols, &again) &&
                  nemo_same(n, d_o, rows * cols),
              "after the capture, without pools: %d (%s)", again, wmel_cuda_error_detail());
    }
    wmel_emu_set_pools(1);
    cudaFree(d_o);
    wmel_destroy(n);
    wmel_destroy(c);
    printf("a stream capture: with pools stream-ordered only, without them refused with the reason: ok\n");
}

/* The arithmetic a plan's ctx takes with WMEL_CUDA_ARITHMETIC unset, by the device's compute
 * capability: float64 on 6.0, 7.0, 8.0 and 9.0 (fast float64), float-float on the others;
 * the switch overrides it either way; NeMo's dithered plan keeps its frames on the device in
 * either (the kernels draw the noise in float64 in both arithmetics, so AUTO's float-float
 * needs no float64 for a dither). Whisper's geometry: the switch's, float64 where unset
 * (AUTO times it on a GPU only; test_cuda_arith). */
static void arith_auto(void)
{
    static const struct {
        int major, minor, ff;
    } cc[] = {{6, 0, 0}, {7, 0, 0}, {8, 0, 0}, {9, 0, 0}, {6, 1, 1}, {7, 5, 1},
              {8, 6, 1}, {8, 9, 1}, {10, 0, 1}, {12, 0, 1}, {5, 2, 1}};
    wmel_frontend_plan plan;
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &plan);
    plan.dither = 1e-5, plan.dither_seed = 3; /* NeMo's training dither */
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    p.n_threads = 1;
    t_unsetenv("WMEL_CUDA_ARITHMETIC");
    for (size_t i = 0; i < sizeof cc / sizeof cc[0]; i++) {
        wmel_emu_set_cc(cc[i].major, cc[i].minor);
        for (int sw = 0; sw < 3; sw++) { /* unset, then float64 and float-float asked */
            if (sw) t_setenv("WMEL_CUDA_ARITHMETIC", sw == 1 ? "float64" : "float-float", 1);
            const int want_ff = sw ? sw == 2 : cc[i].ff;
            int st = 0;
            wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
            CHECK(c && !strncmp(wmel_kernel_name(c), want_ff ? "cuda-ff-" : "cuda-f64-", want_ff ? 8 : 9),
                  "compute capability %d.%d, switch %d: %s", cc[i].major, cc[i].minor, sw,
                  c ? wmel_kernel_name(c) : wmel_strerror(st));
            if (c && !sw) { /* dithered: float-float draws the noise too, the frames stay on the device */
                size_t r = 0, k = 0;
                wmel_features_shape(c, N_SAMPLES, &r, &k);
                float *o = malloc(r * k * sizeof(float));
                const int rc = o ? wmel_features(c, g_x, N_SAMPLES, o, r * k) : WMEL_ERR_NO_MEMORY;
                CHECK(plan.dither != 0.0 && rc == WMEL_OK && !strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "cuda"),
                      "dithered at %d.%d (AUTO, %s): %d, frames on %s", cc[i].major, cc[i].minor, wmel_kernel_name(c),
                      rc, wmel_op_backend(c, WMEL_OP_LOG_MEL));
                free(o);
            }
            wmel_destroy(c);
            /* Whisper's geometry: the switch where set, else float64 untimed (the emulator is no GPU) */
            wmel_ctx *w = mk(WMEL_BACKEND_CUDA, WMEL_SMOOTH_NONE);
            const char *wk = sw == 2 ? "cuda-fffft" : "cuda-f64fft";
            CHECK(w && !strncmp(wmel_kernel_name(w), wk, strlen(wk)), "whisper at %d.%d, switch %d: %s",
                  cc[i].major, cc[i].minor, sw, w ? wmel_kernel_name(w) : "-");
            wmel_destroy(w);
        }
        t_unsetenv("WMEL_CUDA_ARITHMETIC");
    }
    wmel_emu_set_cc(9, 0);
    printf("%-28s float64 on 6.0 7.0 8.0 9.0, float-float on %zu others: ok\n", "the arithmetic (unset)",
           sizeof cc / sizeof cc[0] - 4);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "many")) {
        many_clips();
        return t_done("test_cuda_emu many");
    }
    /* `test_cuda_emu half`: each sweep fails its calls with one of the two errors (every sweep
       and call site still swept, the errors shared out between the sweeps): half the time */
    const int half = argc > 1 && !strcmp(argv[1], "half");
    for (int c = 0; c < 3; c++) t_chirp(g_x + c * N_SAMPLES, N_SAMPLES, 7u + (unsigned)c);
    g_nf = wmel_n_frames(N_SAMPLES, 0);
    const size_t per = 80 * g_nf;
    g_ref = malloc(3 * per * sizeof(float));
    g_ref_smooth = malloc(3 * per * sizeof(float));
    g_out = malloc(3 * per * sizeof(float));
    wmel_ctx *cpu = mk(WMEL_BACKEND_CPU, WMEL_SMOOTH_NONE), *cpus = mk(WMEL_BACKEND_CPU, WMEL_SMOOTH_3X3);
    CHECK(cpu && cpus, "cpu ctx");
    if (!cpu || !cpus) return t_done("test_cuda_emu");
    CHECK(wmel_log_mel_batch(cpu, g_x, 3, N_SAMPLES, N_SAMPLES, 0, WMEL_BATCH_PER_CLIP, g_ref, 3 * per) == WMEL_OK,
          "cpu reference");
    CHECK(wmel_log_mel_batch(cpus, g_x, 3, N_SAMPLES, N_SAMPLES, 0, WMEL_BATCH_GLOBAL, g_ref_smooth, 3 * per) ==
              WMEL_OK,
          "cpu smoothed reference");
    const leaks base = now();

    no_device();
    small_device();
    const cudaError_t errs[2] = {cudaErrorMemoryAllocation, cudaErrorLaunchFailure};
    for (int e = half; e < 2; e++) create_sweep(errs[e]);
    for (int e = 0; e < 2 - half; e++) plan_fault_sweep(errs[e], "float64");
    for (int e = half; e < 2; e++) plan_fault_sweep(errs[e], "float-float");
    arith_auto();

    static int16_t g_xs[3 * N_SAMPLES];
    for (size_t i = 0; i < 3 * N_SAMPLES; i++) g_xs[i] = (int16_t)lrintf(g_x[i] * 20000.0f);
    t_dev_upload(&g_dev, g_x, g_xs, 3 * N_SAMPLES, 3 * per);
    for (int e = 0; e < 2; e++) /* float-float: the same calls */
        for (int batch = 0; batch < 2; batch++)
            if (!half || e == batch) features_device_sweep(errs[e], "float64", batch);
    static const scenario mel[] = {
        {"wmel_log_mel (host)", prep_host, run_single, check_single, NULL, WMEL_SMOOTH_NONE},
        {"wmel_log_mel_batch smoothed", prep_host, run_batch, check_batch, NULL, WMEL_SMOOTH_3X3},
        {"wmel_cuda_log_mel_device", prep_device, run_device, check_device, NULL, WMEL_SMOOTH_NONE},
    };
    unsigned long sites = 0;
    for (int e = 0; e < 2; e++)
        for (size_t i = 0; i < sizeof mel / sizeof mel[0]; i++)
            if (!half || (int)(i % 2) == e) sites += sweep(&mel[i], errs[e]);
    CHECK(sites >= (half ? 10u : 20u), "only %lu call sites found: the sweep is not reaching the library", sites);
    no_pools(mel, sizeof mel / sizeof mel[0]);
    capture();

    /* the encoder stem on the device: one window of the tiny golden stem */
    if (t_have_stem()) {
        g_stem.per = (size_t)1500 * 384;
        float *mel80 = malloc(80 * 3000 * sizeof(float)), *x30 = malloc(480000 * sizeof(float));
        g_stem.want = malloc(g_stem.per * sizeof(float));
        t_chirp(x30, 480000, 99);
        CHECK(wmel_log_mel(cpu, x30, 480000, 0, mel80, 80 * 3000) == WMEL_OK, "30 s mel");
        CHECK(cudaMalloc((void **)&g_stem.d_mel, 80 * 3000 * sizeof(float)) == cudaSuccess, "cudaMalloc");
        CHECK(cudaMalloc((void **)&g_stem.d_out, g_stem.per * sizeof(float)) == cudaSuccess, "cudaMalloc");
        cudaMemcpy(g_stem.d_mel, mel80, 80 * 3000 * sizeof(float), cudaMemcpyHostToDevice);
        prep_stem();
        CHECK(g_stem.s && wmel_stem_d_model(g_stem.s) == 384, "the tiny stem has d = 384");
        if (g_stem.s && wmel_stem_d_model(g_stem.s) == 384) {
            CHECK(wmel_stem_forward(g_stem.s, mel80, 1, g_stem.want, g_stem.per) == WMEL_OK, "cpu stem");
            const scenario st = {"wmel_cuda_stem_device", prep_stem, run_stem, check_stem, reset_stem,
                                 WMEL_SMOOTH_NONE};
            reset_stem();
            sweep(&st, cudaErrorLaunchFailure);
        }
        reset_stem();
        cudaFree(g_stem.d_mel);
        cudaFree(g_stem.d_out);
        free(g_stem.want);
        free(mel80);
        free(x30);
    }
    t_dev_free(&g_dev);
    no_leaks(&base, "the whole test");

    wmel_destroy(cpu);
    wmel_destroy(cpus);
    free(g_ref);
    free(g_ref_smooth);
    free(g_out);
    return t_done("test_cuda_emu");
}
