/*
 * test_cuda_stem.c -- the encoder stem on the GPU (wmel_cuda_stem_device) against the CPU
 * stem (wmel_stem_forward) and the stem goldens. The argument checks, which need no
 * device, run everywhere; without a usable device the rest reports
 * "skipped: no CUDA device" (exit 77, CTest SKIP_RETURN_CODE).
 *
 * Thresholds (max abs) and where they come from:
 *   tiny F32 weights vs stem_out_f32 golden     1e-4  the stem's bar (as tests/stem/test_stem.c)
 *   tiny F16 weights vs stem_out_f16w golden    1e-3  the same
 *   gpu vs cpu stem, tiny, same mel             1e-4  both are float32 GEMMs of the same weights
 *   gpu vs cpu stem, large-v3 geometry          1e-3  n_mels 128, d 1280 (K = 3840), random BF16
 *                                                     weights: longer sums, larger rounding
 *   gpu mel -> gpu stem vs cpu stem of that mel 1e-4  the device pipeline with no host copy
 *   chunked (tiny scratch) vs cpu               1e-4  chunk edges must not show
 *   two threads on one stem vs one thread       1e-6  the same work on other streams
 */
#define _GNU_SOURCE /* setenv */
#include "testutil.h"

#include <cuda_runtime_api.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define T_IN WMEL_CHUNK_FRAMES
#define T_OUT WMEL_STEM_FRAMES

static wmel_ctx *make(int backend, int n_mels, int *st)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_mels = n_mels;
    return wmel_create(&p, st);
}

static wmel_stem *load(const char *rel)
{
    char err[512];
    int st;
    wmel_stem *s = wmel_stem_load(t_golden(rel), 0, &st, err, sizeof err);
    CHECK(s != NULL, "load %s: %s", rel, err);
    return s;
}

/* Checks that need no device: they hold in every CUDA build (a cpu ctx is enough). */
static void arguments(void)
{
    int st;
    wmel_stem *s = load("ref/stem_tiny_f32.safetensors");
    wmel_ctx *cpu = make(WMEL_BACKEND_CPU, 80, &st);
    wmel_ctx *c128 = make(WMEL_BACKEND_CPU, 128, &st);
    CHECK(cpu && c128, "cpu ctx: %s", wmel_strerror(st));
    if (!s || !cpu || !c128) goto out;
    float fake[4]; /* never dereferenced: every call below fails before the device */
    const size_t per = (size_t)T_OUT * 384;
    CHECK(wmel_cuda_stem_device(NULL, cpu, fake, 1, fake, per, NULL) == WMEL_ERR_NULL_POINTER, "NULL stem");
    CHECK(wmel_cuda_stem_device(s, NULL, fake, 1, fake, per, NULL) == WMEL_ERR_NULL_POINTER, "NULL ctx");
    CHECK(wmel_cuda_stem_device(s, c128, fake, 1, fake, per, NULL) == WMEL_ERR_INVALID_ARG, "n_mels 128 ctx, 80 stem");
    CHECK(wmel_cuda_stem_device(s, cpu, NULL, 1, fake, per, NULL) == WMEL_ERR_NULL_POINTER, "NULL mel");
    CHECK(wmel_cuda_stem_device(s, cpu, fake, 1, NULL, per, NULL) == WMEL_ERR_NULL_POINTER, "NULL out");
    CHECK(wmel_cuda_stem_device(s, cpu, fake, SIZE_MAX / 1000, fake, SIZE_MAX, NULL) == WMEL_ERR_OVERFLOW,
          "overflowing window count");
    CHECK(wmel_cuda_stem_device(s, cpu, fake, 2, fake, 2 * per - 1, NULL) == WMEL_ERR_BUFFER_TOO_SMALL,
          "out_len one short");
    st = wmel_cuda_stem_device(s, cpu, fake, 1, fake, per, NULL);
    CHECK(st == WMEL_ERR_BACKEND_UNAVAILABLE, "cpu ctx: %d", st);
    st = wmel_cuda_stem_device(s, cpu, NULL, 0, NULL, 0, NULL);
    CHECK(st == WMEL_ERR_BACKEND_UNAVAILABLE, "cpu ctx, 0 windows: %d", st);
out:
    wmel_destroy(cpu);
    wmel_destroy(c128);
    wmel_stem_free(s);
}

/* Runs the GPU stem on host mel (copied up and back); returns malloc'd [n][1500][d] or NULL. */
static float *gpu_stem(const wmel_stem *s, wmel_ctx *c, const float *mel, size_t n, cudaStream_t stream)
{
    const size_t nm = (size_t)wmel_stem_n_mels(s), per = (size_t)T_OUT * wmel_stem_d_model(s);
    float *d_mel = NULL, *d_out = NULL, *out = malloc(n * per * sizeof(float));
    int ok = cudaMalloc((void **)&d_mel, n * nm * T_IN * sizeof(float)) == cudaSuccess &&
             cudaMalloc((void **)&d_out, n * per * sizeof(float)) == cudaSuccess &&
             cudaMemcpy(d_mel, mel, n * nm * T_IN * sizeof(float), cudaMemcpyHostToDevice) == cudaSuccess;
    CHECK(ok, "device buffers");
    if (ok) {
        int rc = wmel_cuda_stem_device(s, c, d_mel, n, d_out, n * per, stream);
        CHECK(rc == WMEL_OK, "stem on the device: %s (%s)", wmel_strerror(rc), wmel_cuda_error_detail());
        ok = rc == WMEL_OK && cudaStreamSynchronize(stream) == cudaSuccess &&
             cudaMemcpy(out, d_out, n * per * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess;
        CHECK(ok, "device run: %s", cudaGetErrorString(cudaGetLastError()));
    }
    cudaFree(d_mel);
    cudaFree(d_out);
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

static float *cpu_stem(const wmel_stem *s, const float *mel, size_t n)
{
    const size_t per = (size_t)T_OUT * wmel_stem_d_model(s);
    float *out = malloc(n * per * sizeof(float));
    int rc = wmel_stem_forward(s, mel, n, out, n * per);
    CHECK(rc == WMEL_OK, "cpu stem: %s", wmel_strerror(rc));
    return out;
}

/* The tiny stems on the golden mel (window 0) and two altered copies (windows 1, 2). */
static void goldens(wmel_ctx *c)
{
    wmel_npy a;
    double *mel_d = t_load_npy("ref/speech_en_wav.mel80_30s.npy", &a);
    CHECK(a.count == 80 * T_IN, "golden mel shape");
    const size_t per_in = 80 * T_IN, per = (size_t)T_OUT * 384;
    float *mel = malloc(3 * per_in * sizeof(float));
    for (size_t i = 0; i < per_in; i++) {
        mel[i] = (float)mel_d[i];
        mel[per_in + i] = (float)mel_d[per_in - 1 - i];      /* time and mel reversed */
        mel[2 * per_in + i] = (float)(mel_d[i] * 0.5 - 0.25); /* quieter */
    }
    const char *files[2] = {"ref/stem_tiny_f32.safetensors", "ref/stem_tiny_f16.safetensors"};
    const char *gold[2] = {"ref/speech_en_wav.stem_out_f32.npy", "ref/speech_en_wav.stem_out_f16w.npy"};
    const double tol[2] = {1e-4, 1e-3};
    for (int f = 0; f < 2; f++) {
        wmel_stem *s = load(files[f]);
        double *g = t_load_stem_golden(gold[f]);
        float *want = s ? cpu_stem(s, mel, 3) : NULL;
        float *got = s ? gpu_stem(s, c, mel, 3, NULL) : NULL;
        if (want && got) {
            double eg = t_max_abs_diff_fd(got, g, per);
            double ec = t_max_abs_diff_ff(got, want, 3 * per);
            printf("%s: gpu vs golden %.3g (limit %.0e), gpu vs cpu (3 windows) %.3g (limit 1e-4)\n", files[f],
                   eg, tol[f], ec);
            CHECK(eg <= tol[f], "%s: gpu vs golden %g", files[f], eg);
            CHECK(ec <= 1e-4, "%s: gpu vs cpu %g", files[f], ec);
            /* again, now cached on the device; then in chunks of one window */
            float *again = gpu_stem(s, c, mel, 3, NULL);
            CHECK(again && t_max_abs_diff_ff(again, got, 3 * per) <= 1e-6, "second call differs");
            free(again);
            t_setenv("WMEL_CUDA_STEM_SCRATCH_MB", "1", 1);
            float *chunked = gpu_stem(s, c, mel, 3, NULL);
            t_unsetenv("WMEL_CUDA_STEM_SCRATCH_MB");
            double ek = chunked ? t_max_abs_diff_ff(chunked, want, 3 * per) : 1e30;
            printf("%s: chunked one window at a time vs cpu %.3g\n", files[f], ek);
            CHECK(ek <= 1e-4, "chunked vs cpu %g", ek);
            free(chunked);
        }
        free(want);
        free(got);
        free(g);
        wmel_stem_free(s);
    }
    free(mel);
    free(mel_d);
    wmel__npy_free(&a);
}

/* speech_en.wav -> wmel_cuda_log_mel_device -> wmel_cuda_stem_device on one stream, no
 * host copy in between; against the CPU stem of the mel read back. */
static void pipeline(wmel_ctx *c)
{
    wmel_stem *s = load("ref/stem_tiny_f32.safetensors");
    size_t n = 0;
    float *w = t_load_wav("audio/speech_en.wav", &n);
    float *pcm = malloc(WMEL_CHUNK_SAMPLES * sizeof(float));
    wmel_pad_or_trim(w, n, pcm, WMEL_CHUNK_SAMPLES);
    wmel_free(w);
    const size_t per_in = 80 * T_IN, per = (size_t)T_OUT * 384;
    float *d_pcm = NULL, *d_mel = NULL, *d_out = NULL;
    float *mel = malloc(per_in * sizeof(float)), *got = malloc(per * sizeof(float));
    cudaStream_t st = NULL;
    int ok = s && cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking) == cudaSuccess &&
             cudaMalloc((void **)&d_pcm, WMEL_CHUNK_SAMPLES * sizeof(float)) == cudaSuccess &&
             cudaMalloc((void **)&d_mel, per_in * sizeof(float)) == cudaSuccess &&
             cudaMalloc((void **)&d_out, per * sizeof(float)) == cudaSuccess &&
             cudaMemcpy(d_pcm, pcm, WMEL_CHUNK_SAMPLES * sizeof(float), cudaMemcpyHostToDevice) == cudaSuccess;
    CHECK(ok, "pipeline setup");
    if (ok) {
        int rc = wmel_cuda_log_mel_device(c, d_pcm, WMEL_SAMPLE_F32, 1, WMEL_CHUNK_SAMPLES, WMEL_CHUNK_SAMPLES, 0,
                                          WMEL_BATCH_PER_CLIP, d_mel, per_in, st);
        if (rc == WMEL_OK) rc = wmel_cuda_stem_device(s, c, d_mel, 1, d_out, per, st);
        CHECK(rc == WMEL_OK, "pipeline: %s (%s)", wmel_strerror(rc), wmel_cuda_error_detail());
        ok = rc == WMEL_OK && cudaStreamSynchronize(st) == cudaSuccess &&
             cudaMemcpy(mel, d_mel, per_in * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess &&
             cudaMemcpy(got, d_out, per * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess;
        CHECK(ok, "pipeline run");
    }
    if (ok) {
        float *want = cpu_stem(s, mel, 1);
        double *g = t_load_stem_golden("ref/speech_en_wav.stem_out_f32.npy");
        double e = t_max_abs_diff_ff(got, want, per), eg = t_max_abs_diff_fd(got, g, per);
        printf("pipeline wav -> gpu mel -> gpu stem: vs cpu stem of that mel %.3g (limit 1e-4), "
               "vs golden %.3g (limit 1e-3)\n", e, eg);
        CHECK(e <= 1e-4, "pipeline vs cpu %g", e);
        CHECK(eg <= 1e-3, "pipeline vs golden %g", eg);
        free(want);
        free(g);
    }
    cudaFree(d_pcm);
    cudaFree(d_mel);
    cudaFree(d_out);
    if (st) cudaStreamDestroy(st);
    free(pcm);
    free(mel);
    free(got);
    wmel_stem_free(s);
}

/* A safetensors image of a stem with BF16 weights uniform in +-1/sqrt(fan_in) (no
 * positions: sinusoids), from a seeded LCG. */
static unsigned char *random_stem(size_t nm, size_t d, unsigned seed, size_t *n)
{
    const size_t n1 = d * nm * 3, n2 = d * d * 3;
    const size_t o1 = n1 * 2, o2 = o1 + d * 2, o3 = o2 + n2 * 2, o4 = o3 + d * 2;
    char json[1024];
    snprintf(json, sizeof json,
             "{\"model.encoder.conv1.weight\": {\"dtype\": \"BF16\", \"shape\": [%zu, %zu, 3], \"data_offsets\": [0, %zu]},"
             "\"model.encoder.conv1.bias\": {\"dtype\": \"BF16\", \"shape\": [%zu], \"data_offsets\": [%zu, %zu]},"
             "\"model.encoder.conv2.weight\": {\"dtype\": \"BF16\", \"shape\": [%zu, %zu, 3], \"data_offsets\": [%zu, %zu]},"
             "\"model.encoder.conv2.bias\": {\"dtype\": \"BF16\", \"shape\": [%zu], \"data_offsets\": [%zu, %zu]}}",
             d, nm, o1, d, o1, o2, d, d, o2, o3, d, o3, o4);
    const size_t hl = strlen(json);
    *n = 8 + hl + o4;
    unsigned char *b = malloc(*n);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(b + 8, json, hl);
    uint32_t s = 0x2545f491u ^ seed;
    unsigned char *p = b + 8 + hl;
    for (size_t i = 0; i < o4 / 2; i++) {
        const double scale = i < n1 + d ? 1.0 / sqrt(3.0 * (double)nm) : 1.0 / sqrt(3.0 * (double)d);
        s = s * 1664525u + 1013904223u;
        float v = (float)(((double)(s >> 8) / 16777216.0 * 2.0 - 1.0) * scale);
        uint32_t bits;
        memcpy(&bits, &v, 4);
        p[2 * i] = (unsigned char)(bits >> 16);
        p[2 * i + 1] = (unsigned char)(bits >> 24);
    }
    return b;
}

static void large_v3(void)
{
    enum { NM = 128, D = 1280, W = 3 };
    int st;
    wmel_ctx *c = make(WMEL_BACKEND_CUDA, NM, &st);
    CHECK(c != NULL, "n_mels 128 CUDA ctx: %s", wmel_strerror(st));
    size_t n;
    unsigned char *img = random_stem(NM, D, 7, &n);
    char err[512];
    wmel_stem *s = wmel_stem_load_memory(img, n, "large-v3-like", 0, &st, err, sizeof err);
    CHECK(s != NULL, "random stem: %s", err);
    free(img);
    if (!c || !s) {
        wmel_destroy(c);
        wmel_stem_free(s);
        return;
    }
    float *mel = malloc((size_t)W * NM * T_IN * sizeof(float));
    uint32_t r = 99;
    for (size_t i = 0; i < (size_t)W * NM * T_IN; i++) { /* the normalised range [-0.5, 1.5] */
        r = r * 1664525u + 1013904223u;
        mel[i] = (float)((double)(r >> 8) / 16777216.0 * 2.0 - 0.5);
    }
    float *want = cpu_stem(s, mel, W), *got = gpu_stem(s, c, mel, W, NULL);
    if (want && got) {
        double e = t_max_abs_diff_ff(got, want, (size_t)W * T_OUT * D);
        printf("large-v3 geometry (128 mels, d 1280, %d windows, BF16 weights): gpu vs cpu %.3g (limit 1e-3)\n",
               W, e);
        CHECK(e <= 1e-3, "large-v3 gpu vs cpu %g", e);
    }
    /* a 128-mel stem refuses an 80-mel CUDA ctx */
    wmel_ctx *c80 = make(WMEL_BACKEND_CUDA, 80, &st);
    float *dummy = NULL;
    if (c80 && cudaMalloc((void **)&dummy, 4) == cudaSuccess)
        CHECK(wmel_cuda_stem_device(s, c80, dummy, 1, dummy, (size_t)T_OUT * D, NULL) == WMEL_ERR_INVALID_ARG,
              "n_mels mismatch on a CUDA ctx");
    cudaFree(dummy);
    wmel_destroy(c80);
    free(want);
    free(got);
    free(mel);
    wmel_stem_free(s);
    wmel_destroy(c);
}

typedef struct job {
    const wmel_stem *s;
    wmel_ctx *c;
    const float *mel;
    float *out;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    cudaStream_t st;
    if (cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking) != cudaSuccess) return NULL;
    for (int i = 0; i < 4; i++) {
        free(j->out);
        j->out = gpu_stem(j->s, j->c, j->mel, 2, st);
    }
    cudaStreamDestroy(st);
    return NULL;
}

/* Two threads, one stem, one ctx, first use racing (the upload happens under the lock). */
static void threads(wmel_ctx *c)
{
    wmel_stem *s = load("ref/stem_tiny_f16.safetensors");
    if (!s) return;
    const size_t per_in = 80 * T_IN, per = (size_t)T_OUT * 384;
    float *mel = malloc(2 * per_in * sizeof(float));
    for (size_t i = 0; i < 2 * per_in; i++) mel[i] = (float)sin(0.001 * (double)i);
    job jobs[2] = {{s, c, mel, NULL}, {s, c, mel, NULL}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, worker, &jobs[i]);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    float *want = cpu_stem(s, mel, 2);
    for (int i = 0; i < 2; i++) {
        CHECK(jobs[i].out != NULL, "thread %d", i);
        if (jobs[i].out && want) {
            double e = t_max_abs_diff_ff(jobs[i].out, want, 2 * per);
            CHECK(e <= 1e-4, "thread %d vs cpu %g", i, e);
        }
    }
    if (jobs[0].out && jobs[1].out)
        CHECK(t_max_abs_diff_ff(jobs[0].out, jobs[1].out, 2 * per) <= 1e-6, "threads disagree");
    free(jobs[0].out);
    free(jobs[1].out);
    free(want);
    free(mel);
    wmel_stem_free(s);
}

int main(void)
{
    if (!t_have_stem()) return 77;
    arguments();
    int st;
    wmel_ctx *c = make(WMEL_BACKEND_CUDA, 80, &st);
    if (!c) {
        CHECK(st == WMEL_ERR_BACKEND_UNAVAILABLE, "CUDA ctx without a device: %d", st);
        t_done("test_cuda_stem");
        printf("skipped: no CUDA device\n");
        return t_failures ? 1 : 77;
    }
    goldens(c);
    pipeline(c);
    threads(c);
    wmel_destroy(c);
    large_v3();
    return t_done("test_cuda_stem");
}
