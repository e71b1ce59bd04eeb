/*
 * stem_cuda.h -- what the CUDA encoder stem's C glue (stem_cuda.c) and its kernels
 * (stem_kernels.cu) share. Plain C, no CUDA headers, so both compilers read it.
 */
#ifndef WMEL_STEM_CUDA_H
#define WMEL_STEM_CUDA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WMEL_CU_STEM_T 3000   /* mel frames per window (conv1 output rows) */
#define WMEL_CU_STEM_TO 1500  /* encoder positions per window (conv2 output rows) */

/* Each launcher enqueues on `stream` (a cudaStream_t) and returns a cudaError_t as int.
 * Windows go to grid z (k_im2col1) or are folded into grid x: n_win <= 65535. */

/* conv1's im2col with the transpose: mel [n_win][nm][3000] ->
 * a[(w * 3000 + t)][j * nm + c] = mel[w][c][t + j - 1] (0 outside [0, 3000)). */
int wmel__cu_stem_im2col1(const float *mel, size_t n_win, int nm, float *a, void *stream);

/* conv1's bias + GELU fused into conv2's im2col: h [n_win * 3000][d] (conv1 without bias)
 * -> a[(w * 1500 + t)][j * d + c] = gelu(h[w * 3000 + 2t + j - 1][c] + b1[c]) (0 outside). */
int wmel__cu_stem_gelu_im2col2(const float *h, const float *b1, size_t n_win, int d, float *a,
                               void *stream);

/* conv2's epilogue in place: out [n_win * 1500][d] = gelu(out + b2) + pos[t]. */
int wmel__cu_stem_epilogue(float *out, const float *b2, const float *pos, size_t n_win, int d,
                           void *stream);

/* Stores msg as the calling thread's wmel_cuda_error_detail() (backend.c) and returns
 * WMEL_ERR_CUDA. */
int wmel__cuda_detail(const char *msg);

#ifdef __cplusplus
}
#endif

#endif /* WMEL_STEM_CUDA_H */
