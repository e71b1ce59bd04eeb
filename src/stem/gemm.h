/*
 * gemm.h -- wmel's own single-precision GEMM micro-kernels (BLIS-style register tiles),
 * one file per instruction set, chosen at run time.
 */
#ifndef WMEL_STEM_GEMM_H
#define WMEL_STEM_GEMM_H

#include <stddef.h>

/* C[mr][nr] (row stride ldc) = or += Ap[k][mr] * Bp[k][nr]. Bp is 64-byte aligned. */
typedef void (*wmel_gemm_tile_fn)(size_t k, const float *ap, const float *bp, float *c,
                                  size_t ldc, int accumulate);

typedef struct wmel_gemm_kernel {
    const char *name;
    int mr, nr;
    wmel_gemm_tile_fn tile;
} wmel_gemm_kernel;

const wmel_gemm_kernel *wmel__gemm_kernel_c(void);
const wmel_gemm_kernel *wmel__gemm_kernel_avx2(void);   /* NULL when not compiled in */
const wmel_gemm_kernel *wmel__gemm_kernel_avx512(void); /* NULL when not compiled in */

#endif
