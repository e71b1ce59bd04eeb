/*
 * gemm_avx512.c -- 12 x 32 single-precision GEMM register tile for AVX-512F: 24 zmm
 * accumulators, two B vectors and a broadcast A element per step (the BLIS/GotoBLAS
 * micro-kernel shape). Compiled with -mavx512f -mfma only; called only after the CPU
 * check.
 */
#include "stem/gemm.h"

#if (defined(__AVX512F__) && defined(__FMA__)) || defined(WMEL_TARGET_AVX512)
#include <immintrin.h>

#define MR 12

static void tile_12x32(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
                       int accumulate)
{
    __m512 r0[MR], r1[MR];
    for (int i = 0; i < MR; i++) {
        r0[i] = _mm512_setzero_ps();
        r1[i] = _mm512_setzero_ps();
    }
    for (size_t p = 0; p < k; p++) {
        __m512 b0 = _mm512_load_ps(bp);
        __m512 b1 = _mm512_load_ps(bp + 16);
        for (int i = 0; i < MR; i++) {
            __m512 a = _mm512_set1_ps(ap[i]);
            r0[i] = _mm512_fmadd_ps(a, b0, r0[i]);
            r1[i] = _mm512_fmadd_ps(a, b1, r1[i]);
        }
        ap += MR;
        bp += 32;
    }
    for (int i = 0; i < MR; i++) {
        float *ci = c + (size_t)i * ldc;
        if (accumulate) {
            r0[i] = _mm512_add_ps(r0[i], _mm512_loadu_ps(ci));
            r1[i] = _mm512_add_ps(r1[i], _mm512_loadu_ps(ci + 16));
        }
        _mm512_storeu_ps(ci, r0[i]);
        _mm512_storeu_ps(ci + 16, r1[i]);
    }
}

static const wmel_gemm_kernel K = {"own-avx512-12x32", MR, 32, tile_12x32};
const wmel_gemm_kernel *wmel__gemm_kernel_avx512(void) { return &K; }
#else
const wmel_gemm_kernel *wmel__gemm_kernel_avx512(void) { return 0; }
#endif
