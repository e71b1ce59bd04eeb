/*
 * cuda_internal.h -- what the CUDA backend's C glue (backend.c, stem_cuda.c) and its
 * kernels (kernels.cu) share: the device plan layout and the launchers. Plain C, no CUDA
 * headers, so both compilers read it.
 */
#ifndef WMEL_CUDA_INTERNAL_H
#define WMEL_CUDA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "wmel.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wmel_ctx;

/* ---- the host glue: backend.c (the wmel__backend_cuda table) and stem_cuda.c ---- */

/* wmel_cuda_stem_device() after stem.c's checks (stem_cuda.c): the stem_device entry. */
int wmel__cuda_stem_device(const wmel_stem *s, struct wmel_ctx *ctx, const float *d_mel,
                           size_t n_windows, float *d_out, void *stream);

/* ---- the kernels (kernels.cu), called from backend.c and stem_cuda.c ---- */

/* Frees device memory in stream order on `stream` (a cudaStream_t); when the runtime
 * refuses that, waits for the stream and frees it synchronously, so that no error path
 * leaks device memory. Returns cudaFreeAsync's cudaError_t as int (the caller reports it). */
int wmel__cu_free(void *p, void *stream);
/* Allocates device memory for use in stream order on `stream`: cudaMallocAsync where the
 * device has memory pools, cudaMalloc where it has none (or refuses the pool with
 * cudaErrorNotSupported), so such devices run rather than fail. *p is NULL on failure.
 * Returns the cudaError_t as int; wmel__cu_free releases either kind. */
int wmel__cu_alloc(void **p, size_t bytes, void *stream);

/* Frames per thread block and threads per block of the fused kernel. */
#define WMEL_CU_TILE 16
#define WMEL_CU_THREADS 128

/* The device plan: one allocation of doubles at these offsets, then the ints. */
#define WMEL_CU_WIN 0          /* periodic Hann window, 400 */
#define WMEL_CU_TW200R 400     /* W200^(n2 k1) at [k1 * 25 + n2], 200 */
#define WMEL_CU_TW200I 600
#define WMEL_CU_TW25R 800      /* W25^(b c) at [b * 5 + c], 25 */
#define WMEL_CU_TW25I 825
#define WMEL_CU_POSTR 850      /* 0.5 (-i) W400^k, 201 */
#define WMEL_CU_POSTI 1051
#define WMEL_CU_MELW 1252      /* packed nonzero Slaney weights, mel_nnz */

/* Sample types of the device-pointer entry point (mirror WMEL_SAMPLE_*). */
#define WMEL_CU_F32 0
#define WMEL_CU_S16 1

/* One launch of the fused kernel over clips [0, n_clips) and frames [f_begin, f_end). */
typedef struct wmel_cu_launch {
    const void *pcm;          /* device: clip c starts at pcm + c * pcm_stride samples */
    int sample_type;          /* WMEL_CU_F32 / WMEL_CU_S16 */
    size_t pcm_stride;
    long long n;              /* real samples per clip */
    long long n_total;        /* n + padding */
    long long nf;             /* frames per clip (output row length) */
    long long f_begin, f_end;
    size_t n_clips;
    const double *plan_d;     /* device plan (doubles) */
    const int *plan_i;        /* device plan (ints): mel_lo[n_mels], mel_len, mel_off */
    int n_mels;
    float *out;               /* device: clip c at out + c * out_stride */
    size_t out_stride;
    unsigned *keys;           /* device: order-preserving max keys */
    int global_key;           /* 1: one key (keys[0]) for all clips; 0: keys[c] */
    int *bad;                 /* device flag set when a float sample is not finite; may be NULL */
} wmel_cu_launch;

/* Enqueue on `stream` (a cudaStream_t). Return a cudaError_t as int (0 = success). */
int wmel__cu_logmel(const wmel_cu_launch *l, void *stream);
int wmel__cu_normalize(float *out, size_t out_stride, size_t per_clip, size_t n_clips,
                       const unsigned *keys, int global_key, void *stream);
/* The normalisation (when keys is set; NULL: WMEL_NORM_NONE) and the 3x3 average
 * (params.smooth = WMEL_SMOOTH_3X3) of n_clips clips out[c * out_stride] of
 * [n_mels][nf] raw log10 mel, in place, in one pass after a small edge-saving kernel;
 * equal bit for bit to wmel_normalize() then wmel_smooth3x3() on each clip. edges:
 * device scratch of wmel__cu_smooth_scratch() bytes (SIZE_MAX: too big). */
size_t wmel__cu_smooth_scratch(int n_mels, size_t nf, size_t n_clips);
int wmel__cu_smooth(float *out, size_t out_stride, int n_mels, size_t nf, size_t n_clips,
                    const unsigned *keys, int global_key, float *edges, void *stream);
/* Prepares the kernels for the current device (shared memory opt-in); returns a
 * cudaError_t as int: cudaErrorNoKernelImageForDevice when this build cannot run there. */
int wmel__cu_prepare(void);
/* Decodes a max key back into the float it came from (host side). */
float wmel__cu_key_to_float(unsigned key);

#ifdef __cplusplus
}
#endif

#endif /* WMEL_CUDA_INTERNAL_H */
