/*
 * fe_avx2.c -- the front-end plans' frame kernel at the AVX2 + FMA level: 4 frames per
 * vector of doubles (fe/fe_lanes.inc). Compiled with -mavx2 -mfma; only called after the
 * CPU reported both.
 */
#include "fe/fe.h"

#if defined(__x86_64__) && ((defined(__AVX2__) && defined(__FMA__)) || defined(WMEL_TARGET_AVX2))
#include <immintrin.h>

typedef double VD __attribute__((vector_size(32)));
#define LANES 4

/* Samples j .. j + 3 of the 4 frames at xl[0..3] into out[0..3] (lane l: frame l): four
 * 4-float loads widened to double, then a 4 x 4 transpose in registers. */
static inline void fe_gather4(const float *const *xl, int j, VD *out)
{
    const __m256d a = _mm256_cvtps_pd(_mm_loadu_ps(xl[0] + j)), b = _mm256_cvtps_pd(_mm_loadu_ps(xl[1] + j));
    const __m256d c = _mm256_cvtps_pd(_mm_loadu_ps(xl[2] + j)), d = _mm256_cvtps_pd(_mm_loadu_ps(xl[3] + j));
    const __m256d t0 = _mm256_unpacklo_pd(a, b), t1 = _mm256_unpackhi_pd(a, b); /* a0 b0 a2 b2, a1 b1 a3 b3 */
    const __m256d t2 = _mm256_unpacklo_pd(c, d), t3 = _mm256_unpackhi_pd(c, d);
    out[0] = (VD)_mm256_permute2f128_pd(t0, t2, 0x20);
    out[1] = (VD)_mm256_permute2f128_pd(t1, t3, 0x20);
    out[2] = (VD)_mm256_permute2f128_pd(t0, t2, 0x31);
    out[3] = (VD)_mm256_permute2f128_pd(t1, t3, 0x31);
}
#define FE_GATHER4 fe_gather4
/* 16 registers: the prime-factor transform's pairs pinned once loaded, as in kernel_avx2.c
 * (cpu/pfa400.inc, K_PIN2; GCC only, for the reason given there) */
#if !defined(__clang__)
#define K_PIN2(a, b) __asm__("" : "+x"(a), "+x"(b))
#endif
#define FE_VSQRT(v) ((VD)_mm256_sqrt_pd((__m256d)(v)))
#define FE_FN fe_frames_avx2
#include "fe/fe_lanes.inc"

static const wmel_fe_kernel K = {"avx2-f64x4", LANES, FE_FN, fe_lanes_scratch, fe_lanes_norm,
                                  fe_cast_group, fe_finite};
const wmel_fe_kernel *wmel__fe_kernel_avx2(void) { return &K; }
#else
const wmel_fe_kernel *wmel__fe_kernel_avx2(void) { return NULL; }
#endif
