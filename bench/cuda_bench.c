/*
 * cuda_bench.c -- wmel's CUDA backend timed on the device with CUDA events, through the
 * zero-copy device-pointer entry point (wmel_cuda_log_mel_device) on one stream.
 * bench/cuda_bench.py runs this beside torch's stft pipeline in the same run and prints
 * the ratios; run alone it prints one line per case:
 *   wmel_cuda CASE MEDIAN_MS MIN_MS KERNEL
 * Cases: batch (1024 x 30 s, float32), batch_s16 (the same, int16), single (1 x 30 s),
 * stream (one 6240 s clip). Usage: wmel_cuda_bench [--reps N] [--batch B] [CASE...]
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

static int run_case(wmel_ctx *ctx, const char *name, size_t batch, size_t n, int s16, int reps)
{
    const int n_mels = wmel_ctx_n_mels(ctx);
    const size_t nf = wmel_n_frames(n, 0), per = (size_t)n_mels * nf;
    const size_t elt = s16 ? sizeof(int16_t) : sizeof(float);
    void *d_in = NULL;
    float *d_out = NULL;
    cudaStream_t st;
    cudaEvent_t e0, e1;
    if (cudaMalloc(&d_in, batch * n * elt) != cudaSuccess ||
        cudaMalloc((void **)&d_out, batch * per * sizeof(float)) != cudaSuccess) {
        fprintf(stderr, "%s: out of device memory\n", name);
        cudaFree(d_in);
        return 1;
    }
    /* one clip made on the host, copied to every slot (with a different gain) */
    float *h = malloc(n * sizeof(float));
    int16_t *h16 = s16 ? malloc(n * sizeof(int16_t)) : NULL;
    bench_clip(h, n, 1);
    if (s16)
        for (size_t i = 0; i < n; i++) h16[i] = (int16_t)lrintf(h[i] * 32767.0f);
    for (size_t b = 0; b < batch; b++)
        cudaMemcpy((char *)d_in + b * n * elt, s16 ? (void *)h16 : (void *)h, n * elt, cudaMemcpyHostToDevice);
    free(h);
    free(h16);
    cudaStreamCreate(&st);
    cudaEventCreate(&e0);
    cudaEventCreate(&e1);
    float *ms = malloc(sizeof(float) * (size_t)reps);
    int rc = 0;
    for (int r = -3; r < reps; r++) { /* three warm-up runs */
        cudaEventRecord(e0, st);
        rc = wmel_cuda_log_mel_device(ctx, d_in, s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32, batch, n, n, 0,
                                      WMEL_BATCH_PER_CLIP, d_out, batch * per, st);
        cudaEventRecord(e1, st);
        if (rc) {
            fprintf(stderr, "%s: %s (%s)\n", name, wmel_strerror(rc), wmel_cuda_error_detail());
            break;
        }
        cudaEventSynchronize(e1);
        if (r >= 0) cudaEventElapsedTime(&ms[r], e0, e1);
    }
    if (!rc) {
        qsort(ms, (size_t)reps, sizeof(float), bench_cmp_float);
        printf("wmel_cuda %s %.4f %.4f %s\n", name, ms[reps / 2], ms[0], wmel_kernel_name(ctx));
        fflush(stdout);
    }
    free(ms);
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    cudaStreamDestroy(st);
    cudaFree(d_in);
    cudaFree(d_out);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    int reps = 20;
    size_t batch = 1024;
    const char *cases[8];
    int nc = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch = (size_t)atol(argv[++i]);
        else if (nc < 8) cases[nc++] = argv[i];
    }
    if (reps < 1) reps = 1;
    if (nc == 0) {
        cases[nc++] = "single";
        cases[nc++] = "stream";
        cases[nc++] = "batch";
        cases[nc++] = "batch_s16";
    }
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    int st;
    wmel_ctx *ctx = wmel_create(&p, &st);
    if (!ctx) {
        printf("skipped: no CUDA device (%s)\n", wmel_strerror(st));
        return 77;
    }
    struct cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) printf("device %s\n", prop.name);
    int fails = 0;
    for (int c = 0; c < nc; c++) {
        if (!strcmp(cases[c], "single")) fails += run_case(ctx, "single", 1, WMEL_CHUNK_SAMPLES, 0, reps);
        else if (!strcmp(cases[c], "stream")) fails += run_case(ctx, "stream", 1, (size_t)6240 * 16000, 0, reps);
        else if (!strcmp(cases[c], "batch")) fails += run_case(ctx, "batch", batch, WMEL_CHUNK_SAMPLES, 0, reps);
        else if (!strcmp(cases[c], "batch_s16")) fails += run_case(ctx, "batch_s16", batch, WMEL_CHUNK_SAMPLES, 1, reps);
        else {
            fprintf(stderr, "unknown case %s\n", cases[c]);
            fails++;
        }
    }
    wmel_destroy(ctx);
    return fails ? 1 : 0;
}
