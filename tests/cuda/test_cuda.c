/*
 * test_cuda.c -- the CUDA backend against the float64 oracle and the goldens, batch vs
 * single, int16 vs float, device pointers vs host pointers, threads sharing one ctx,
 * errors, and per-op reporting. Without a usable device only the no-device contract is
 * checked (AUTO falls back to the CPU, CUDA by name is refused) and the test reports
 * "skipped: no CUDA device" with exit status 77 (CTest SKIP_RETURN_CODE).
 *
 * Thresholds (max abs, normalised units) and where they come from:
 *   cuda vs *_f64 oracle / ref backend   2e-5   the project's bar (as for the CPU backend)
 *   cuda vs cpu backend                  2e-5   both sit within ~2e-7 of the oracle
 *   batch vs single, device vs host      0      the same kernel on the same samples
 */
#include "internal.h"
#include "cuda_testutil.h"

#include <cuda_runtime_api.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static wmel_ctx *make(int backend, int n_mels, int norm, int *st)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_mels = n_mels;
    p.norm = norm;
    return wmel_create(&p, st);
}

/* Runs one clip through a ctx; returns a malloc'd [n_mels][nf] array or NULL. */
static float *mel_of(wmel_ctx *c, const float *x, size_t n, size_t pad, size_t *nf)
{
    *nf = wmel_n_frames(n, pad);
    size_t len = (size_t)wmel_ctx_n_mels(c) * *nf;
    float *o = malloc(len * sizeof(float) + 4);
    int rc = wmel_log_mel(c, x, n, pad, o, len);
    CHECK(rc == WMEL_OK, "log_mel n=%zu pad=%zu on %s: %s (%s)", n, pad, wmel_backend_name(c),
          wmel_strerror(rc), wmel_cuda_error_detail());
    if (rc) {
        free(o);
        return NULL;
    }
    return o;
}

static void no_device_contract(void)
{
    int st;
    wmel_ctx *c = make(WMEL_BACKEND_AUTO, 80, WMEL_NORM_WHOLE, &st);
    CHECK(c != NULL, "AUTO must always create: %s", wmel_strerror(st));
    if (!c) return;
    CHECK(!strcmp(wmel_backend_name(c), "cpu"), "AUTO without a device runs on the cpu, got %s",
          wmel_backend_name(c));
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "cpu"), "op backend %s",
          wmel_op_backend(c, WMEL_OP_LOG_MEL));
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_DEVICE), "none"), "device op on a cpu ctx");
    float dummy[1];
    st = wmel_cuda_log_mel_device(c, dummy, WMEL_SAMPLE_F32, 1, 1000, 1000, 0, WMEL_BATCH_PER_CLIP,
                                  dummy, 1, NULL);
    CHECK(st == WMEL_ERR_BACKEND_UNAVAILABLE, "device entry on a cpu ctx: %d", st);
    wmel_destroy(c);
    c = make(WMEL_BACKEND_CUDA, 80, WMEL_NORM_WHOLE, &st);
    CHECK(c == NULL && st == WMEL_ERR_BACKEND_UNAVAILABLE, "CUDA by name without a device: %d", st);
    wmel_destroy(c);
}

static void goldens(void)
{
    static const struct { const char *input, *golden; } G[] = {
        {"audio/speech_en.wav", "ref/speech_en_wav.mel80_30s_f64.npy"},
        {"audio/exact_30s.wav", "ref/exact_30s_wav.mel80_30s_f64.npy"},
        {"ref/jfk_flac.load_audio_s16.npy", "ref/jfk_flac.mel80_30s_f64.npy"},
    };
    int st;
    wmel_ctx *c = make(WMEL_BACKEND_CUDA, 80, WMEL_NORM_WHOLE, &st);
    float *pcm = malloc(WMEL_CHUNK_SAMPLES * sizeof(float));
    int16_t *s16 = malloc(WMEL_CHUNK_SAMPLES * sizeof(int16_t));
    size_t nf = WMEL_CHUNK_FRAMES, len = 80 * nf;
    float *o = malloc(len * sizeof(float));
    for (size_t i = 0; i < sizeof G / sizeof G[0]; i++) {
        size_t n = 0;
        int is_s16 = strstr(G[i].input, ".npy") != NULL;
        memset(pcm, 0, WMEL_CHUNK_SAMPLES * sizeof(float));
        memset(s16, 0, WMEL_CHUNK_SAMPLES * sizeof(int16_t));
        if (is_s16) {
            wmel_npy a;
            double *d = t_load_npy(G[i].input, &a);
            n = a.count < WMEL_CHUNK_SAMPLES ? a.count : WMEL_CHUNK_SAMPLES;
            for (size_t j = 0; j < n; j++) s16[j] = (int16_t)d[j];
            free(d);
            wmel__npy_free(&a);
        } else {
            float *w = t_load_wav(G[i].input, &n);
            wmel_pad_or_trim(w, n, pcm, WMEL_CHUNK_SAMPLES);
            wmel_free(w);
        }
        wmel_npy g;
        double *gold = t_load_npy(G[i].golden, &g);
        int rc = is_s16 ? wmel_log_mel_s16(c, s16, WMEL_CHUNK_SAMPLES, 0, o, len)
                        : wmel_log_mel(c, pcm, WMEL_CHUNK_SAMPLES, 0, o, len);
        CHECK(rc == WMEL_OK, "%s: %s (%s)", G[i].input, wmel_strerror(rc), wmel_cuda_error_detail());
        if (rc == WMEL_OK && g.count == len) {
            double e = t_max_abs_diff_fd(o, gold, len);
            printf("%-36s cuda vs f64 golden %.3g\n", G[i].golden, e);
            CHECK(e <= 2e-5, "%s: cuda vs float64 golden %.3g > 2e-5", G[i].golden, e);
        }
        free(gold);
        wmel__npy_free(&g);
    }
    t_ran_on_cuda(c, "goldens");
    free(o);
    free(pcm);
    free(s16);
    wmel_destroy(c);
}

/* Lengths around the edges of the padding logic, against the float64 backend. */
static void vs_ref(int n_mels, int norm)
{
    static const size_t LEN[][2] = {{201, 0},   {202, 0},    {359, 0},     {360, 0},  {400, 0},
                                    {401, 0},   {1000, 0},   {100, 480000}, {0, 401},  {4000, 137},
                                    {16037, 0}, {160000, 0}, {480000, 0},  {3000, 480000}};
    int st;
    wmel_ctx *cu = make(WMEL_BACKEND_CUDA, n_mels, norm, &st);
    wmel_ctx *ref = make(WMEL_BACKEND_REF, n_mels, norm, &st);
    float *x = malloc(480000 * sizeof(float));
    for (size_t i = 0; i < sizeof LEN / sizeof LEN[0]; i++) {
        size_t n = LEN[i][0], pad = LEN[i][1], nf1, nf2;
        t_chirp(x, n, (unsigned)i);
        float *a = mel_of(cu, x, n, pad, &nf1), *b = mel_of(ref, x, n, pad, &nf2);
        if (a && b) {
            double e = t_max_abs_diff_ff(a, b, (size_t)n_mels * nf1);
            CHECK(e <= 2e-5, "n=%zu pad=%zu mels=%d norm=%d: cuda vs ref %.3g", n, pad, n_mels, norm, e);
        }
        free(a);
        free(b);
    }
    free(x);
    wmel_destroy(cu);
    wmel_destroy(ref);
}

/* A long stream: several staging chunks, frames launched as their samples arrive. */
static void long_stream(void)
{
    const size_t n = (size_t)600 * 16000 + 77;
    int st;
    wmel_ctx *cu = make(WMEL_BACKEND_CUDA, 80, WMEL_NORM_WHOLE, &st);
    wmel_ctx *cpu = make(WMEL_BACKEND_CPU, 80, WMEL_NORM_WHOLE, &st);
    float *x = malloc(n * sizeof(float));
    t_chirp(x, n, 3);
    size_t nf1, nf2;
    float *a = mel_of(cu, x, n, 480000, &nf1), *b = mel_of(cpu, x, n, 480000, &nf2);
    if (a && b) {
        double e = t_max_abs_diff_ff(a, b, 80 * nf1);
        printf("600 s stream: cuda vs cpu %.3g\n", e);
        CHECK(e <= 2e-5, "600 s stream: cuda vs cpu %.3g", e);
    }
    /* int16 through the same path */
    int16_t *s = malloc(n * sizeof(int16_t));
    for (size_t i = 0; i < n; i++) s[i] = (int16_t)lrintf(x[i] * 32767.0f);
    CHECK(wmel_log_mel_s16(cu, s, n, 0, a, 80 * nf1) == WMEL_OK, "s16 stream on cuda");
    CHECK(wmel_log_mel_s16(cpu, s, n, 0, b, 80 * nf1) == WMEL_OK, "s16 stream on cpu");
    double e = t_max_abs_diff_ff(a, b, 80 * wmel_n_frames(n, 0));
    CHECK(e <= 2e-5, "600 s s16 stream: cuda vs cpu %.3g", e);
    free(s);
    free(a);
    free(b);
    free(x);
    wmel_destroy(cu);
    wmel_destroy(cpu);
}

static void batches_and_device(void)
{
    const size_t B = 5, n = 48000 + 123, stride = n + 1000, pad = 1600;
    const size_t nf = wmel_n_frames(n, pad), per = 80 * nf;
    int st;
    wmel_ctx *cu = make(WMEL_BACKEND_CUDA, 80, WMEL_NORM_WHOLE, &st);
    wmel_ctx *cpu = make(WMEL_BACKEND_CPU, 80, WMEL_NORM_WHOLE, &st);
    float *x = malloc(B * stride * sizeof(float));
    int16_t *xs = malloc(B * stride * sizeof(int16_t));
    t_batch_clips(x, xs, B, n, stride);
    float *bat = malloc(B * per * sizeof(float)), *one = malloc(per * sizeof(float));
    float *ref = malloc(B * per * sizeof(float)), *dev = malloc(B * per * sizeof(float));

    for (int mode = WMEL_BATCH_PER_CLIP; mode <= WMEL_BATCH_GLOBAL; mode++) {
        int rc = wmel_log_mel_batch(cu, x, B, n, stride, pad, mode, bat, B * per);
        CHECK(rc == WMEL_OK, "cuda batch: %s (%s)", wmel_strerror(rc), wmel_cuda_error_detail());
        CHECK(wmel_log_mel_batch(cpu, x, B, n, stride, pad, mode, ref, B * per) == WMEL_OK, "cpu batch");
        double e = t_max_abs_diff_ff(bat, ref, B * per);
        CHECK(e <= 2e-5, "batch mode %d: cuda vs cpu %.3g", mode, e);
        if (mode == WMEL_BATCH_PER_CLIP)
            for (size_t b = 0; b < B; b++) {
                CHECK(wmel_log_mel(cu, x + b * stride, n, pad, one, per) == WMEL_OK, "single");
                CHECK(memcmp(one, bat + b * per, per * sizeof(float)) == 0, "batch clip %zu != single", b);
            }

        /* the same through device pointers on a caller's stream, float32 and int16 */
        t_dev dv;
        t_dev_upload(&dv, x, xs, B * stride, B * per);
        void *d_x = dv.x, *d_xs = dv.xs;
        float *d_o = dv.o;
        cudaStream_t s = dv.s;
        rc = wmel_cuda_log_mel_device(cu, d_x, WMEL_SAMPLE_F32, B, n, stride, pad, mode, d_o, B * per, s);
        CHECK(rc == WMEL_OK, "device f32: %s (%s)", wmel_strerror(rc), wmel_cuda_error_detail());
        cudaMemcpyAsync(dev, d_o, B * per * sizeof(float), cudaMemcpyDeviceToHost, s);
        CHECK(cudaStreamSynchronize(s) == cudaSuccess, "sync");
        CHECK(memcmp(dev, bat, B * per * sizeof(float)) == 0, "device f32 != host batch (mode %d)", mode);

        float *h16 = malloc(B * per * sizeof(float));
        rc = wmel_cuda_log_mel_device(cu, d_xs, WMEL_SAMPLE_S16, B, n, stride, pad, mode, d_o, B * per, s);
        CHECK(rc == WMEL_OK, "device s16: %s", wmel_strerror(rc));
        cudaMemcpyAsync(dev, d_o, B * per * sizeof(float), cudaMemcpyDeviceToHost, s);
        CHECK(cudaStreamSynchronize(s) == cudaSuccess, "sync");
        if (mode == WMEL_BATCH_PER_CLIP)
            for (size_t b = 0; b < B; b++) {
                CHECK(wmel_log_mel_s16(cpu, xs + b * stride, n, pad, h16 + b * per, per) == WMEL_OK, "cpu s16");
                double e16 = t_max_abs_diff_ff(dev + b * per, h16 + b * per, per);
                CHECK(e16 <= 2e-5, "device s16 clip %zu vs cpu s16 %.3g", b, e16);
            }
        free(h16);
        CHECK(!strcmp(wmel_op_backend(cu, WMEL_OP_DEVICE), "cuda"), "device op on %s",
              wmel_op_backend(cu, WMEL_OP_DEVICE));

        /* argument errors come back as status codes, nothing enqueued */
        CHECK(wmel_cuda_log_mel_device(cu, d_x, 7, B, n, stride, pad, mode, d_o, B * per, s) ==
                  WMEL_ERR_INVALID_ARG, "bad sample type");
        CHECK(wmel_cuda_log_mel_device(cu, d_x, WMEL_SAMPLE_F32, B, n, n - 1, pad, mode, d_o, B * per, s) ==
                  WMEL_ERR_INVALID_ARG, "stride < n");
        CHECK(wmel_cuda_log_mel_device(cu, d_x, WMEL_SAMPLE_F32, B, n, stride, pad, mode, d_o, B * per - 1, s) ==
                  WMEL_ERR_BUFFER_TOO_SMALL, "small out");
        CHECK(wmel_cuda_log_mel_device(cu, d_x, WMEL_SAMPLE_F32, 1, 100, 100, 0, mode, d_o, B * per, s) ==
                  WMEL_ERR_TOO_SHORT, "too short");
        CHECK(wmel_cuda_log_mel_device(cu, NULL, WMEL_SAMPLE_F32, 1, n, n, 0, mode, d_o, B * per, s) ==
                  WMEL_ERR_NULL_POINTER, "NULL pcm");
        CHECK(wmel_cuda_log_mel_device(cu, d_x, WMEL_SAMPLE_F32, 0, n, n, 0, mode, NULL, 0, s) == WMEL_OK,
              "batch 0");
        CHECK(wmel_cuda_log_mel_device(NULL, d_x, WMEL_SAMPLE_F32, 1, n, n, 0, mode, d_o, B * per, s) ==
                  WMEL_ERR_NULL_POINTER, "NULL ctx");
        t_dev_free(&dv);
    }
    free(bat);
    free(one);
    free(ref);
    free(dev);
    free(x);
    free(xs);
    wmel_destroy(cu);
    wmel_destroy(cpu);
}

static void not_finite(void)
{
    int st;
    wmel_ctx *cu = make(WMEL_BACKEND_CUDA, 80, WMEL_NORM_WHOLE, &st);
    float *x = calloc(32000, sizeof(float));
    size_t nf = wmel_n_frames(32000, 0);
    float *o = malloc(80 * nf * sizeof(float));
    x[12345] = NAN;
    CHECK(wmel_log_mel(cu, x, 32000, 0, o, 80 * nf) == WMEL_ERR_NOT_FINITE, "NaN refused");
    x[12345] = INFINITY;
    CHECK(wmel_log_mel(cu, x, 32000, 0, o, 80 * nf) == WMEL_ERR_NOT_FINITE, "Inf refused");
    x[12345] = 0.0f; /* and the ctx still works after a refused input; silence is the floor */
    CHECK(wmel_log_mel(cu, x, 32000, 0, o, 80 * nf) == WMEL_OK, "silence");
    CHECK(fabsf(o[0] - (-1.5f)) < 1e-6f, "silence gives (-10 + 4) / 4, got %g", o[0]);
    free(x);
    free(o);
    wmel_destroy(cu);
}

typedef struct th_arg {
    wmel_ctx *ctx;
    const float *x;
    size_t n;
    float *out;
    int rc;
} th_arg;

static void *th_run(void *p)
{
    th_arg *a = p;
    a->rc = wmel_log_mel(a->ctx, a->x, a->n, 0, a->out, 80 * wmel_n_frames(a->n, 0));
    return NULL;
}

static void threads(void)
{
    enum { T = 4 };
    const size_t n = 16000 * 20;
    int st;
    wmel_ctx *cu = make(WMEL_BACKEND_CUDA, 80, WMEL_NORM_WHOLE, &st);
    float *x = malloc(n * sizeof(float));
    t_chirp(x, n, 42);
    size_t nf;
    float *want = mel_of(cu, x, n, 0, &nf);
    th_arg a[T];
    pthread_t tid[T];
    for (int t = 0; t < T; t++) {
        a[t].ctx = cu;
        a[t].x = x;
        a[t].n = n;
        a[t].out = malloc(80 * nf * sizeof(float));
        pthread_create(&tid[t], NULL, th_run, &a[t]);
    }
    for (int t = 0; t < T; t++) {
        pthread_join(tid[t], NULL);
        CHECK(a[t].rc == WMEL_OK, "thread %d: %s", t, wmel_strerror(a[t].rc));
        CHECK(want && memcmp(a[t].out, want, 80 * nf * sizeof(float)) == 0, "thread %d differs", t);
        free(a[t].out);
    }
    free(want);
    free(x);
    wmel_destroy(cu);
}

int main(void)
{
    int st;
    wmel_ctx *probe = make(WMEL_BACKEND_CUDA, 80, WMEL_NORM_WHOLE, &st);
    if (!probe) {
        CHECK(st == WMEL_ERR_BACKEND_UNAVAILABLE, "CUDA create failed with %s", wmel_strerror(st));
        no_device_contract();
        if (t_failures) return t_done("test_cuda");
        printf("skipped: no CUDA device\n");
        return 77;
    }
    printf("device backend %s, kernel %s\n", wmel_backend_name(probe), wmel_kernel_name(probe));
    wmel_destroy(probe);
    goldens();
    vs_ref(80, WMEL_NORM_WHOLE);
    vs_ref(128, WMEL_NORM_WHOLE);
    vs_ref(80, WMEL_NORM_NONE);
    long_stream();
    batches_and_device();
    not_finite();
    threads();
    return t_done("test_cuda");
}
