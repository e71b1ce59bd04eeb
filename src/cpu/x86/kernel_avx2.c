/*
 * kernel_avx2.c -- AVX2 + FMA level of the kernel: 4 frames per vector of doubles.
 * Compiled with -mavx2 -mfma; only called after the CPU reported both.
 */
#include "internal.h"

#if defined(__x86_64__) && ((defined(__AVX2__) && defined(__FMA__)) || defined(WMEL_TARGET_AVX2))
#include <immintrin.h>
#include <stdint.h>

typedef double VD __attribute__((vector_size(32)));
typedef float VF __attribute__((vector_size(16)));
typedef int32_t VI __attribute__((vector_size(16)));
#define W 4
#define KFN wmel__block_avx2
#define KFN_RFFT wmel__rfft_avx2
#define KFN_NORM wmel__norm_avx2

#define V_SET1(s) ((VF)_mm_set1_ps(s))
#define V_SET1I(s) ((VI)_mm_set1_epi32(s))
#define V_SET1D(s) ((VD)_mm256_set1_pd(s))
#define V_MAX(a, b) ((VF)_mm_max_ps((__m128)(a), (__m128)(b)))
#define V_MAXD(a, b) ((VD)_mm256_max_pd((__m256d)(a), (__m256d)(b)))
#define V_F2I(x) ((VI)(x))
#define V_I2F(i) ((VF)(i))
#define V_CVT(i) __builtin_convertvector(i, VF)
#define V_F2D(x) ((VD)_mm256_cvtps_pd((__m128)(x)))
#define V_D2F(x) ((VF)_mm256_cvtpd_ps((__m256d)(x)))
/* 8 floats: two groups of frames per mel sum, log10 and store */
typedef float VF2 __attribute__((vector_size(32)));
typedef int32_t VI2 __attribute__((vector_size(32)));
#define V2_JOIN(a, b) ((VF2)_mm256_insertf128_ps(_mm256_castps128_ps256((__m128)(a)), (__m128)(b), 1))
#define V2_LO(v) ((VF)_mm256_castps256_ps128((__m256)(v)))
#define V2_HI(v) ((VF)_mm256_extractf128_ps((__m256)(v), 1))
#define V2_MAX(a, b) ((VF2)_mm256_max_ps((__m256)(a), (__m256)(b)))
#define V2_F2I(x) ((VI2)(x))
#define V2_I2F(i) ((VF2)(i))
#define V2_CVT(i) ((VF2)_mm256_cvtepi32_ps((__m256i)(i)))
#define V_STREAM_LINE(o, s)                                                             \
    do {                                                                                \
        _mm256_stream_ps((o), _mm256_loadu_ps(s));                                      \
        _mm256_stream_ps((o) + 8, _mm256_loadu_ps((s) + 8));                            \
    } while (0)
#define V_GATHER_SETUP(nv, hop)                                                         \
    __m128i gidx_;                                                                      \
    do {                                                                                \
        int32_t o_[W];                                                                  \
        for (int j_ = 0; j_ < W; j_++)                                                  \
            o_[j_] = (int32_t)(((size_t)j_ < (nv) ? (size_t)j_ : (nv) - 1) * (hop));    \
        gidx_ = _mm_loadu_si128((const __m128i *)o_);                                   \
    } while (0)
#define V_GATHER(base, k) ((VF)_mm_i32gather_ps((base) + (k), gidx_, 4))
/* 16 registers: pin each sum-and-difference pair once loaded (kernel.inc, K_PIN2). GCC
 * only, as the clang build has always had it (a pin only places values in registers; with
 * contraction off, as every kernel is built, it cannot change a rounding). */
#if !defined(__clang__)
#define K_PIN2(a, b) __asm__("" : "+x"(a), "+x"(b))
#endif

float KFN(const wmel_plan *pl, const float *x, size_t nf, float *out, size_t stride,
          void *scratch, int *bad);
void KFN_NORM(float *x, size_t n, float max_val);
void KFN_RFFT(const wmel_plan *pl, const float *x, size_t nf, size_t hop, double *ore,
              double *oim, void *scratch);
#include "cpu/kernel.inc"

static const wmel_kernel k_avx2 = {"cpu-avx2-f64x4", WMEL_ISA_AVX2, 4, wmel__block_avx2,
                                   wmel__rfft_avx2, wmel__norm_avx2};
const wmel_kernel *wmel__kernel_avx2(void) { return &k_avx2; }
#else
const wmel_kernel *wmel__kernel_avx2(void) { return NULL; }
#endif
