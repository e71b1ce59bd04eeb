/*
 * test_cuda_scratch.c -- the device-memory calls with the caller's device scratch
 * (wmel_cuda_device_scratch, wmel_cuda_log_mel_device_scratch,
 * wmel_cuda_features_device_scratch, wmel_cuda_features_device_batch_scratch) on the CUDA
 * emulator. For Whisper's log-Mel (80 mels, one max for the batch, smoothed), Whisper's
 * features (128 mels), NeMo's plan (float64), Kaldi's fbank (float-float, int16 samples),
 * Fun-ASR-Nano's LFR (a post stage) and a batch of clips of their own lengths (NeMo's, and
 * Whisper's with the smoothing), with params.device_check 0 and 1 (the scan's flags in the
 * scratch too; a float-float batch's bound for the clips the scan may send to float64):
 *  - a scratch of exactly wmel_cuda_device_scratch()'s bytes (its own emulated allocation of
 *    that size, so ASan catches a byte past it) gives the allocating call's bytes, and the
 *    call allocates no device memory (the emulator's count of cudaMalloc and cudaMallocAsync)
 *    and, with the check off, waits for nothing;
 *  - one byte fewer is WMEL_ERR_BUFFER_TOO_SMALL with the bytes needed named in
 *    wmel_cuda_error_detail(), nothing allocated, launched or set;
 *  - on a device without memory pools inside a stream capture (the emulator's
 *    wmel_emu_set_capturing): the call without scratch is refused with WMEL_ERR_INVALID_ARG
 *    and a message saying to pass scratch, nothing enqueued; with the scratch it runs and
 *    gives the same bytes;
 *  - the arguments: a scratch not 256-byte aligned, NULL with bytes, sharing bytes with the
 *    output; the query on a CPU ctx, for no samples, for a clip the device refuses (its
 *    sentence), for an unknown call.
 * Exit 77 without a device.
 */
#include "cuda_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B 3
#define N 24000 /* 1.5 s */
#define NBATCH 5

static const size_t g_lens[NBATCH] = {16000, 3201, 24000, 8000, 12345};

typedef struct call {
    const char *what;
    int kind;        /* WMEL_CUDA_CALL_* */
    wmel_ctx *ctx;
    int s16;
    size_t n_out;    /* floats of every output */
} call;

static wmel_ctx *mk(const char *preset, int n_mels, const char *arith, int check, int smooth)
{
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    p.n_threads = 1;
    p.device_check = check;
    p.smooth = smooth ? WMEL_SMOOTH_3X3 : WMEL_SMOOTH_NONE;
    p.cuda_arith = !arith ? WMEL_CUDA_ARITH_AUTO
                   : !strcmp(arith, "ff") ? WMEL_CUDA_ARITH_FLOAT_FLOAT : WMEL_CUDA_ARITH_FLOAT64;
    int st = 0;
    wmel_ctx *c = NULL;
    if (!preset) {
        p.n_mels = n_mels;
        c = wmel_create(&p, &st);
    } else {
        wmel_frontend_plan plan;
        char msg[256];
        CHECK(wmel_preset_plan(preset, &plan, msg, sizeof msg) == WMEL_OK, "%s: %s", preset, msg);
        plan.dither = 0.0;
        c = wmel_create_plan(&p, &plan, &st);
    }
    CHECK(c != NULL, "%s: %d (%s)", preset ? preset : "whisper", st, wmel_cuda_error_detail());
    return c;
}

static void *g_x, *g_xs;      /* B clips of N samples, float32 and int16, on the device */
static float *g_out[NBATCH];  /* the outputs (a batch: one per clip; else g_out[0]) */
static size_t g_len[NBATCH];

/* The call's outputs' floats (a batch: each clip's into g_len). */
static size_t out_floats(const call *k)
{
    size_t r = 0, c = 0, total = 0;
    if (k->kind == WMEL_CUDA_CALL_LOG_MEL) return B * (size_t)80 * wmel_n_frames(N, 0);
    if (k->kind == WMEL_CUDA_CALL_FEATURES) {
        wmel_features_shape(k->ctx, N, &r, &c);
        return B * r * c;
    }
    for (int b = 0; b < NBATCH; b++) {
        wmel_features_shape(k->ctx, g_lens[b], &r, &c);
        g_len[b] = r * c;
        total += r * c;
    }
    return total;
}

/* Runs k into the outputs on stream s with the scratch (d, bytes; NULL 0: the library's own). */
static int run(const call *k, void *d, size_t bytes, cudaStream_t s)
{
    const int type = k->s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32;
    const void *x = k->s16 ? g_xs : g_x;
    const size_t el = k->s16 ? 2 : 4;
    if (k->kind == WMEL_CUDA_CALL_LOG_MEL)
        return wmel_cuda_log_mel_device_scratch(k->ctx, x, type, B, N, N, 0, WMEL_BATCH_GLOBAL, g_out[0], k->n_out, s,
                                                d, bytes);
    if (k->kind == WMEL_CUDA_CALL_FEATURES)
        return wmel_cuda_features_device_scratch(k->ctx, x, type, B, N, N, g_out[0], k->n_out, s, d, bytes);
    const void *pcm[NBATCH];
    for (int b = 0; b < NBATCH; b++) pcm[b] = (const char *)x + (size_t)b * 4000 * el;
    size_t failed = 99;
    return wmel_cuda_features_device_batch_scratch(k->ctx, pcm, type, g_lens, NBATCH, g_out, g_len, &failed, s, d,
                                                   bytes);
}

static size_t need_of(const call *k)
{
    size_t n[NBATCH], bytes = 0;
    for (int b = 0; b < NBATCH; b++) n[b] = k->kind == WMEL_CUDA_CALL_FEATURES_BATCH ? g_lens[b] : N;
    const int rc = wmel_cuda_device_scratch(k->ctx, k->kind, k->s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32,
                                            k->kind == WMEL_CUDA_CALL_FEATURES_BATCH ? NBATCH : B, n, 0,
                                            WMEL_BATCH_GLOBAL, &bytes);
    CHECK(rc == WMEL_OK, "%s: wmel_cuda_device_scratch: %d (%s)", k->what, rc, wmel_cuda_error_detail());
    return bytes;
}

/* The outputs read back (after the stream) into h. */
static void read_out(const call *k, float *h, cudaStream_t s)
{
    CHECK(cudaStreamSynchronize(s) == cudaSuccess, "sync");
    if (k->kind != WMEL_CUDA_CALL_FEATURES_BATCH) {
        cudaMemcpy(h, g_out[0], k->n_out * sizeof(float), cudaMemcpyDeviceToHost);
        return;
    }
    for (int b = 0; b < NBATCH; b++, h += g_len[b - 1]) cudaMemcpy(h, g_out[b], g_len[b] * sizeof(float), cudaMemcpyDeviceToHost);
}

static void poison(const call *k, cudaStream_t s)
{
    if (k->kind != WMEL_CUDA_CALL_FEATURES_BATCH) cudaMemsetAsync(g_out[0], 0x7f, k->n_out * sizeof(float), s);
    else
        for (int b = 0; b < NBATCH; b++) cudaMemsetAsync(g_out[b], 0x7f, g_len[b] * sizeof(float), s);
    cudaStreamSynchronize(s);
}

static void one(call *k, cudaStream_t s)
{
    k->n_out = out_floats(k);
    if (k->kind != WMEL_CUDA_CALL_FEATURES_BATCH) CHECK(cudaMalloc((void **)&g_out[0], k->n_out * sizeof(float)) == cudaSuccess, "out");
    else
        for (int b = 0; b < NBATCH; b++) CHECK(cudaMalloc((void **)&g_out[b], g_len[b] * sizeof(float)) == cudaSuccess, "out");
    float *want = malloc(k->n_out * sizeof(float)), *got = malloc(k->n_out * sizeof(float));
    /* the allocating call */
    poison(k, s);
    int rc = run(k, NULL, 0, s);
    CHECK(rc == WMEL_OK, "%s: the allocating call: %d (%s)", k->what, rc, wmel_cuda_error_detail());
    read_out(k, want, s);
    /* the caller's scratch of exactly the bytes said */
    const size_t need = need_of(k);
    CHECK(need > 0, "%s: no scratch needed", k->what);
    void *d = NULL;
    CHECK(cudaMalloc(&d, need) == cudaSuccess, "%s: the scratch", k->what);
    poison(k, s);
    unsigned long a0, w0, a1, w1, k0, m0, k1, m1;
    wmel_emu_allocs_waits(&a0, &w0);
    rc = run(k, d, need, s);
    wmel_emu_allocs_waits(&a1, &w1);
    CHECK(rc == WMEL_OK, "%s: with %zu bytes of scratch: %d (%s)", k->what, need, rc, wmel_cuda_error_detail());
    CHECK(a1 == a0, "%s: the call with scratch allocated %lu times", k->what, a1 - a0);
    const int check = strstr(k->what, ", check") != NULL; /* the scan waits for its flags */
    CHECK(check ? w1 > w0 : w1 == w0, "%s: the call with scratch waited %lu times", k->what, w1 - w0);
    read_out(k, got, s);
    CHECK(!memcmp(want, got, k->n_out * sizeof(float)), "%s: the scratch's output differs from the allocating call's",
          k->what);
    /* one byte fewer: refused, the bytes named, nothing allocated or enqueued */
    wmel_emu_allocs_waits(&a0, NULL);
    wmel_emu_enqueued(&k0, &m0);
    rc = run(k, d, need - 1, s);
    wmel_emu_allocs_waits(&a1, NULL);
    wmel_emu_enqueued(&k1, &m1);
    char num[32];
    snprintf(num, sizeof num, "needs %zu", need);
    CHECK(rc == WMEL_ERR_BUFFER_TOO_SMALL && strstr(wmel_cuda_error_detail(), num), "%s: %zu bytes: %d (%s)", k->what,
          need - 1, rc, wmel_cuda_error_detail());
    CHECK(a1 == a0 && k1 == k0 && m1 == m0, "%s: the refused call allocated %lu, launched %lu, set %lu", k->what,
          a1 - a0, k1 - k0, m1 - m0);
    /* no memory pools, inside a capture: without scratch refused, with it the same bytes */
    if (!check) {
        wmel_emu_set_pools(0);
        wmel_emu_set_capturing(s, 1);
        wmel_emu_enqueued(&k0, &m0);
        rc = run(k, NULL, 0, s);
        wmel_emu_enqueued(&k1, &m1);
        CHECK(rc == WMEL_ERR_INVALID_ARG && strstr(wmel_cuda_error_detail(), "scratch of your own") &&
                  strstr(wmel_cuda_error_detail(), "capture") && k1 == k0 && m1 == m0,
              "%s: captured without pools nor scratch: %d (%s), %lu launches", k->what, rc, wmel_cuda_error_detail(),
              k1 - k0);
        wmel_emu_set_capturing(s, 0);
        poison(k, s);
        wmel_emu_set_capturing(s, 1);
        rc = run(k, d, need, s);
        wmel_emu_set_capturing(s, 0);
        wmel_emu_set_pools(1);
        CHECK(rc == WMEL_OK, "%s: captured without pools, with scratch: %d (%s)", k->what, rc, wmel_cuda_error_detail());
        read_out(k, got, s);
        CHECK(!memcmp(want, got, k->n_out * sizeof(float)), "%s: the captured call's output differs", k->what);
    }
    printf("  %-44s %8zu bytes of scratch: the allocating call's bytes, no allocation; %zu refused\n", k->what, need,
           need - 1);
    cudaFree(d);
    if (k->kind != WMEL_CUDA_CALL_FEATURES_BATCH) cudaFree(g_out[0]);
    else
        for (int b = 0; b < NBATCH; b++) cudaFree(g_out[b]);
    free(want), free(got);
}

static void arguments(cudaStream_t s)
{
    wmel_ctx *c = mk("nemo", 80, "f64", 0, 0);
    size_t r = 0, k = 0, bytes = 0, n = N;
    wmel_features_shape(c, N, &r, &k);
    float *o = NULL;
    void *d = NULL;
    cudaMalloc((void **)&o, B * r * k * sizeof(float));
    const size_t need = need_of(&(call){"nemo", WMEL_CUDA_CALL_FEATURES, c, 0, 0});
    cudaMalloc(&d, need + 512);
    int rc = wmel_cuda_features_device_scratch(c, g_x, WMEL_SAMPLE_F32, B, N, N, o, B * r * k, s, (char *)d + 16, need);
    CHECK(rc == WMEL_ERR_INVALID_ARG && strstr(wmel_cuda_error_detail(), "aligned"), "misaligned: %d (%s)", rc,
          wmel_cuda_error_detail());
    rc = wmel_cuda_features_device_scratch(c, g_x, WMEL_SAMPLE_F32, B, N, N, o, B * r * k, s, NULL, need);
    CHECK(rc == WMEL_ERR_NULL_POINTER, "NULL with bytes: %d", rc);
    rc = wmel_cuda_features_device_scratch(c, g_x, WMEL_SAMPLE_F32, B, N, N, o, B * r * k, s, o, need);
    CHECK(rc == WMEL_ERR_INVALID_ARG && strstr(wmel_cuda_error_detail(), "shares"), "scratch on the output: %d (%s)", rc,
          wmel_cuda_error_detail());
    rc = wmel_cuda_device_scratch(c, 7, WMEL_SAMPLE_F32, 1, &n, 0, 0, &bytes);
    CHECK(rc == WMEL_ERR_INVALID_ARG, "an unknown call: %d", rc);
    n = 0;
    rc = wmel_cuda_device_scratch(c, WMEL_CUDA_CALL_FEATURES, WMEL_SAMPLE_F32, 1, &n, 0, 0, &bytes);
    CHECK(rc == WMEL_ERR_NO_SAMPLES, "no samples: %d", rc);
    n = 10; /* below NeMo's hop: the call's refusal, with its sentence */
    rc = wmel_cuda_device_scratch(c, WMEL_CUDA_CALL_FEATURES, WMEL_SAMPLE_F32, 1, &n, 0, 0, &bytes);
    CHECK(rc == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_cuda_error_detail(), "10 samples"), "10 samples: %d (%s)",
          rc, wmel_cuda_error_detail());
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CPU;
    int st = 0;
    wmel_ctx *cpu = wmel_create(&p, &st);
    n = N;
    rc = wmel_cuda_device_scratch(cpu, WMEL_CUDA_CALL_FEATURES, WMEL_SAMPLE_F32, 1, &n, 0, 0, &bytes);
    CHECK(rc == WMEL_ERR_BACKEND_UNAVAILABLE && bytes == 0, "a CPU ctx: %d", rc);
    rc = wmel_cuda_device_scratch(c, WMEL_CUDA_CALL_FEATURES, WMEL_SAMPLE_F32, 0, NULL, 0, 0, &bytes);
    CHECK(rc == WMEL_OK && bytes == 0, "batch 0: %d, %zu bytes", rc, bytes);
    wmel_destroy(cpu);
    cudaFree(o);
    cudaFree(d);
    wmel_destroy(c);
    printf("  the arguments: misaligned, NULL, on the output, an unknown call, no samples, below a hop, a CPU ctx: refused\n");
}

int main(void)
{
    wmel_frontend_plan k;
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &k);
    const int skip = t_cuda_or_skip(&k, "test_cuda_scratch");
    if (skip) return skip;
#ifndef WMEL_CUDA_EMU
    printf("test_cuda_scratch: the emulator's counters are needed: skipped\n");
    return 77;
#else
    float *x = malloc(B * N * sizeof(float));
    int16_t *xs = malloc(B * N * sizeof(int16_t));
    t_batch_clips(x, xs, B, N, N);
    CHECK(cudaMalloc(&g_x, B * N * sizeof(float)) == cudaSuccess && cudaMalloc(&g_xs, B * N * 2) == cudaSuccess, "x");
    cudaMemcpy(g_x, x, B * N * sizeof(float), cudaMemcpyHostToDevice);
    cudaMemcpy(g_xs, xs, B * N * 2, cudaMemcpyHostToDevice);
    cudaStream_t s = NULL;
    CHECK(cudaStreamCreate(&s) == cudaSuccess, "stream");
    call calls[] = {
        {"whisper log-mel, one max, smoothed", WMEL_CUDA_CALL_LOG_MEL, mk(NULL, 80, NULL, 0, 1), 0, 0},
        {"whisper log-mel, check", WMEL_CUDA_CALL_LOG_MEL, mk(NULL, 80, NULL, 1, 0), 0, 0},
        {"whisper-128 features", WMEL_CUDA_CALL_FEATURES, mk("whisper-128", 128, NULL, 0, 0), 0, 0},
        {"nemo features, float64", WMEL_CUDA_CALL_FEATURES, mk("nemo", 80, "f64", 0, 0), 0, 0},
        {"nemo features, float64, check", WMEL_CUDA_CALL_FEATURES, mk("nemo", 80, "f64", 1, 0), 0, 0},
        {"kaldi features, float-float, int16", WMEL_CUDA_CALL_FEATURES, mk("kaldi", 80, "ff", 0, 0), 1, 0},
        {"fun-asr-nano features (LFR)", WMEL_CUDA_CALL_FEATURES, mk("fun-asr-nano", 80, "f64", 0, 0), 0, 0},
        {"nemo batch, float64", WMEL_CUDA_CALL_FEATURES_BATCH, mk("nemo", 80, "f64", 0, 0), 0, 0},
        {"kaldi batch, float-float, check", WMEL_CUDA_CALL_FEATURES_BATCH, mk("kaldi", 80, "ff", 1, 0), 0, 0},
        {"whisper batch, smoothed", WMEL_CUDA_CALL_FEATURES_BATCH, mk(NULL, 80, NULL, 0, 1), 0, 0},
        {"whisper batch, int16 (the check scans none)", WMEL_CUDA_CALL_FEATURES_BATCH, mk(NULL, 80, NULL, 1, 0), 1, 0},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        if (calls[i].ctx) one(&calls[i], s);
        wmel_destroy(calls[i].ctx);
    }
    arguments(s);
    cudaStreamDestroy(s);
    cudaFree(g_x), cudaFree(g_xs);
    free(x), free(xs);
    CHECK(wmel_emu_device_allocations() == 0, "%zu device allocations left", wmel_emu_device_allocations());
    return t_done("test_cuda_scratch");
#endif
}
