/*
 * stub.c -- the CUDA entry points of wmel.h in a build without the CUDA backend
 * (WMEL_CUDA=OFF, or AUTO without nvcc): every op runs on the ctx's CPU/ref backend and
 * the device-pointer paths (log-Mel and encoder stem) report WMEL_ERR_NOT_BUILT.
 */
#include "../internal.h"
#include "../stem/stem_internal.h"

int wmel_cuda_log_mel_device(wmel_ctx *ctx, const void *d_pcm, int sample_type, size_t batch,
                             size_t n_samples, size_t pcm_stride, size_t padding, int batch_norm,
                             float *d_out, size_t out_len, void *stream)
{
    (void)d_pcm;
    (void)sample_type;
    (void)batch;
    (void)n_samples;
    (void)pcm_stride;
    (void)padding;
    (void)batch_norm;
    (void)d_out;
    (void)out_len;
    (void)stream;
    return ctx ? WMEL_ERR_NOT_BUILT : WMEL_ERR_NULL_POINTER;
}

const char *wmel_op_backend(const wmel_ctx *ctx, int op)
{
    if (!ctx || op < WMEL_OP_LOG_MEL || op > WMEL_OP_STREAM || op == WMEL_OP_DEVICE) return "none";
    return wmel_backend_name(ctx);
}

const char *wmel_cuda_error_detail(void) { return ""; }

int wmel_cuda_stem_device(const wmel_stem *s, wmel_ctx *ctx, const float *d_mel, size_t n_windows,
                          float *d_out, size_t out_len, void *stream)
{
    (void)d_mel;
    (void)n_windows;
    (void)d_out;
    (void)out_len;
    (void)stream;
    return s && ctx ? WMEL_ERR_NOT_BUILT : WMEL_ERR_NULL_POINTER;
}

void wmel__stem_cuda_free(void *cache) { (void)cache; }
