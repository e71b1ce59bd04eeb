/*
 * gemm_avx2.c -- 6 x 16 single-precision GEMM register tile for AVX2 + FMA: 12 ymm
 * accumulators (the BLIS Haswell micro-kernel shape). Compiled with -mavx2 -mfma only;
 * called only after the CPU check.
 */
#include "stem/gemm.h"

#if (defined(__AVX2__) && defined(__FMA__)) || defined(WMEL_TARGET_AVX2)
#include <immintrin.h>

#define MR 6

static void tile_6x16(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
                      int accumulate)
{
    __m256 r0[MR], r1[MR];
    for (int i = 0; i < MR; i++) {
        r0[i] = _mm256_setzero_ps();
        r1[i] = _mm256_setzero_ps();
    }
    for (size_t p = 0; p < k; p++) {
        __m256 b0 = _mm256_load_ps(bp);
        __m256 b1 = _mm256_load_ps(bp + 8);
        for (int i = 0; i < MR; i++) {
            __m256 a = _mm256_broadcast_ss(ap + i);
            r0[i] = _mm256_fmadd_ps(a, b0, r0[i]);
            r1[i] = _mm256_fmadd_ps(a, b1, r1[i]);
        }
        ap += MR;
        bp += 16;
    }
    for (int i = 0; i < MR; i++) {
        float *ci = c + (size_t)i * ldc;
        if (accumulate) {
            r0[i] = _mm256_add_ps(r0[i], _mm256_loadu_ps(ci));
            r1[i] = _mm256_add_ps(r1[i], _mm256_loadu_ps(ci + 8));
        }
        _mm256_storeu_ps(ci, r0[i]);
        _mm256_storeu_ps(ci + 8, r1[i]);
    }
}

static const wmel_gemm_kernel K = {"own-avx2-6x16", MR, 16, tile_6x16};
const wmel_gemm_kernel *wmel__gemm_kernel_avx2(void) { return &K; }
#else
const wmel_gemm_kernel *wmel__gemm_kernel_avx2(void) { return 0; }
#endif
