/*
 * cuda_testutil.h -- what the CUDA tests share: a batch of clips copied to the device
 * (float32 and int16), an output buffer and a stream of the caller's, as an application
 * driving wmel_cuda_log_mel_device() would have them.
 */
#ifndef WMEL_CUDA_TESTUTIL_H
#define WMEL_CUDA_TESTUTIL_H

#include "testutil.h"

#include "wmel.h"

#include <cuda_runtime_api.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct t_dev {
    void *x, *xs;   /* n_in float32 / int16 samples on the device */
    float *o;       /* n_out floats on the device */
    cudaStream_t s; /* a stream of the test's own */
} t_dev;

/* B clips of n samples `stride` apart: chirps at levels 0.3, 0.6, ... (so each clip has
 * its own max), and the same as int16 in xs. */
static inline void t_batch_clips(float *x, int16_t *xs, size_t B, size_t n, size_t stride)
{
    for (size_t b = 0; b < B; b++) t_chirp(x + b * stride, stride, (unsigned)(10 + b));
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < n; i++) x[b * stride + i] *= (float)(b + 1) * 0.3f;
    for (size_t i = 0; i < B * stride; i++) xs[i] = (int16_t)lrintf(x[i] * 20000.0f);
}

static inline void t_dev_upload(t_dev *d, const float *x, const int16_t *xs, size_t n_in,
                                size_t n_out)
{
    d->x = d->xs = NULL;
    d->o = NULL;
    d->s = NULL;
    CHECK(cudaMalloc(&d->x, n_in * sizeof(float)) == cudaSuccess, "cudaMalloc");
    CHECK(cudaMalloc(&d->xs, n_in * sizeof(int16_t)) == cudaSuccess, "cudaMalloc");
    CHECK(cudaMalloc((void **)&d->o, n_out * sizeof(float)) == cudaSuccess, "cudaMalloc");
    CHECK(cudaStreamCreate(&d->s) == cudaSuccess, "stream");
    cudaMemcpy(d->x, x, n_in * sizeof(float), cudaMemcpyHostToDevice);
    cudaMemcpy(d->xs, xs, n_in * sizeof(int16_t), cudaMemcpyHostToDevice);
}

static inline void t_dev_free(t_dev *d)
{
    cudaStreamDestroy(d->s);
    cudaFree(d->x);
    cudaFree(d->xs);
    cudaFree(d->o);
}

/* The host entry points of ctx c last ran on the GPU, not the CPU fallback. */
static inline void t_ran_on_cuda(const wmel_ctx *c, const char *what)
{
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "cuda"), "%s: log_mel ran on %s", what,
          wmel_op_backend(c, WMEL_OP_LOG_MEL));
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL_S16), "cuda"), "%s: log_mel_s16 ran on %s",
          what, wmel_op_backend(c, WMEL_OP_LOG_MEL_S16));
}

#endif
