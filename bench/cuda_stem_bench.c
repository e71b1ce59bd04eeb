/*
 * cuda_stem_bench.c -- log-Mel + encoder stem on the GPU through the device-pointer entry
 * points (wmel_cuda_log_mel_device -> wmel_cuda_stem_device) on one stream, timed with
 * CUDA events. bench/cuda_stem_bench.py runs it beside torch in the same run (same
 * weights, same audio) and prints the ratios; run alone it prints:
 *   device NAME
 *   wmel_cuda_stem PART MEDIAN_MS MIN_MS        PART: mel, stem, total
 * Usage: wmel_cuda_stem_bench --weights FILE.safetensors [--audio FILE.f32] [--batch B]
 *        [--reps N] [--dump FILE.f32]
 * --audio: B * 480000 raw float32 samples (default: a generated test signal);
 * --dump: writes the stem output of the first and the last window ([2][1500][d] float32).
 * Exit status 77 when there is no usable CUDA device.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include <wmel.h>

#include <cuda_runtime_api.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(const char *part, float *ms, int reps)
{
    qsort(ms, (size_t)reps, sizeof(float), bench_cmp_float);
    printf("wmel_cuda_stem %s %.4f %.4f\n", part, ms[reps / 2], ms[0]);
}

int main(int argc, char **argv)
{
    const char *weights = NULL, *audio = NULL, *dump = NULL;
    int reps = 20;
    size_t batch = 64;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--weights") && i + 1 < argc) weights = argv[++i];
        else if (!strcmp(argv[i], "--audio") && i + 1 < argc) audio = argv[++i];
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc) dump = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch = (size_t)atol(argv[++i]);
        else {
            fprintf(stderr, "usage: %s --weights FILE [--audio FILE] [--batch B] [--reps N] [--dump FILE]\n", argv[0]);
            return 2;
        }
    }
    if (!weights || batch == 0) {
        fprintf(stderr, "--weights is required, --batch must be > 0\n");
        return 2;
    }
    if (reps < 1) reps = 1;
    char err[512];
    int st;
    wmel_stem *stem = wmel_stem_load(weights, 0, &st, err, sizeof err);
    if (!stem) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    p.n_mels = wmel_stem_n_mels(stem);
    wmel_ctx *ctx = wmel_create(&p, &st);
    if (!ctx) {
        printf("skipped: no CUDA device (%s)\n", wmel_strerror(st));
        wmel_stem_free(stem);
        return 77;
    }
    struct cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, p.cuda_device) == cudaSuccess) printf("device %s\n", prop.name);

    const size_t n = WMEL_CHUNK_SAMPLES, nm = (size_t)p.n_mels, d = (size_t)wmel_stem_d_model(stem);
    const size_t mel_len = batch * nm * WMEL_CHUNK_FRAMES, out_len = batch * WMEL_STEM_FRAMES * d;
    float *h = malloc(batch * n * sizeof(float));
    if (!h) return 1;
    if (audio) {
        FILE *f = fopen(audio, "rb");
        if (!f || fread(h, sizeof(float), batch * n, f) != batch * n) {
            fprintf(stderr, "%s: cannot read %zu samples\n", audio, batch * n);
            return 1;
        }
        fclose(f);
    } else {
        for (size_t b = 0; b < batch; b++) bench_clip(h + b * n, n, (unsigned)b);
    }
    float *d_pcm = NULL, *d_mel = NULL, *d_out = NULL;
    if (cudaMalloc((void **)&d_pcm, batch * n * sizeof(float)) != cudaSuccess ||
        cudaMalloc((void **)&d_mel, mel_len * sizeof(float)) != cudaSuccess ||
        cudaMalloc((void **)&d_out, out_len * sizeof(float)) != cudaSuccess) {
        fprintf(stderr, "out of device memory\n");
        return 1;
    }
    cudaMemcpy(d_pcm, h, batch * n * sizeof(float), cudaMemcpyHostToDevice);
    free(h);
    cudaStream_t s;
    cudaEvent_t e0, e1, e2;
    cudaStreamCreate(&s);
    cudaEventCreate(&e0);
    cudaEventCreate(&e1);
    cudaEventCreate(&e2);
    float *t_mel = malloc(sizeof(float) * (size_t)reps), *t_stem = malloc(sizeof(float) * (size_t)reps);
    float *t_all = malloc(sizeof(float) * (size_t)reps);
    for (int r = -3; r < reps; r++) { /* three warm-up runs (the first uploads the weights) */
        cudaEventRecord(e0, s);
        st = wmel_cuda_log_mel_device(ctx, d_pcm, WMEL_SAMPLE_F32, batch, n, n, 0, WMEL_BATCH_PER_CLIP, d_mel,
                                      mel_len, s);
        cudaEventRecord(e1, s);
        if (!st) st = wmel_cuda_stem_device(stem, ctx, d_mel, batch, d_out, out_len, s);
        cudaEventRecord(e2, s);
        if (st) {
            fprintf(stderr, "%s (%s)\n", wmel_strerror(st), wmel_cuda_error_detail());
            return 1;
        }
        if (cudaEventSynchronize(e2) != cudaSuccess) {
            fprintf(stderr, "device error: %s\n", cudaGetErrorString(cudaGetLastError()));
            return 1;
        }
        if (r >= 0) {
            cudaEventElapsedTime(&t_mel[r], e0, e1);
            cudaEventElapsedTime(&t_stem[r], e1, e2);
            cudaEventElapsedTime(&t_all[r], e0, e2);
        }
    }
    report("mel", t_mel, reps);
    report("stem", t_stem, reps);
    report("total", t_all, reps);
    if (dump) {
        const size_t per = WMEL_STEM_FRAMES * d;
        float *o = malloc(2 * per * sizeof(float));
        cudaMemcpy(o, d_out, per * sizeof(float), cudaMemcpyDeviceToHost);
        cudaMemcpy(o + per, d_out + (batch - 1) * per, per * sizeof(float), cudaMemcpyDeviceToHost);
        FILE *f = fopen(dump, "wb");
        if (!f || fwrite(o, sizeof(float), 2 * per, f) != 2 * per) fprintf(stderr, "%s: cannot write\n", dump);
        if (f) fclose(f);
        free(o);
    }
    free(t_mel);
    free(t_stem);
    free(t_all);
    cudaFree(d_pcm);
    cudaFree(d_mel);
    cudaFree(d_out);
    cudaStreamDestroy(s);
    wmel_destroy(ctx);
    wmel_stem_free(stem);
    return 0;
}
