/*
 * kernel_avx512.c -- AVX-512 level of the kernel: 8 frames per vector of doubles.
 * Compiled with -mavx512f -mavx512vl -mavx512dq -mfma; only called after the CPU
 * reported AVX-512 F, VL and DQ.
 */
#include "internal.h"

#if defined(__x86_64__) && ((defined(__AVX512F__) && defined(__AVX512VL__) && defined(__AVX512DQ__)) || defined(WMEL_TARGET_AVX512))
#include <immintrin.h>
#include <stdint.h>

typedef double VD __attribute__((vector_size(64)));
typedef float VF __attribute__((vector_size(32)));
typedef int32_t VI __attribute__((vector_size(32)));
#define W 8
#define KFN wmel__block_avx512
#define KFN_RFFT wmel__rfft_avx512
#define KFN_NORM wmel__norm_avx512

#define V_SET1(s) ((VF)_mm256_set1_ps(s))
#define V_SET1I(s) ((VI)_mm256_set1_epi32(s))
#define V_SET1D(s) ((VD)_mm512_set1_pd(s))
#define V_MAX(a, b) ((VF)_mm256_max_ps((__m256)(a), (__m256)(b)))
#define V_MAXD(a, b) ((VD)_mm512_max_pd((__m512d)(a), (__m512d)(b)))
#define V_F2I(x) ((VI)(x))
#define V_I2F(i) ((VF)(i))
#define V_CVT(i) __builtin_convertvector(i, VF)
#define V_F2D(x) ((VD)_mm512_cvtps_pd((__m256)(x)))
#define V_D2F(x) ((VF)_mm512_cvtpd_ps((__m512d)(x)))
/* 16 floats: two groups of frames per mel sum, log10 and store */
typedef float VF2 __attribute__((vector_size(64)));
typedef int32_t VI2 __attribute__((vector_size(64)));
#define V2_JOIN(a, b) ((VF2)_mm512_insertf32x8(_mm512_castps256_ps512((__m256)(a)), (__m256)(b), 1))
#define V2_LO(v) ((VF)_mm512_castps512_ps256((__m512)(v)))
#define V2_HI(v) ((VF)_mm512_extractf32x8_ps((__m512)(v), 1))
#define V2_MAX(a, b) ((VF2)_mm512_max_ps((__m512)(a), (__m512)(b)))
#define V2_F2I(x) ((VI2)(x))
#define V2_I2F(i) ((VF2)(i))
#define V2_CVT(i) ((VF2)_mm512_cvtepi32_ps((__m512i)(i)))
#define V_STREAM_LINE(o, s) _mm512_stream_ps((o), _mm512_loadu_ps(s))
#define V_GATHER_SETUP(nv, hop)                                                         \
    __m256i gidx_;                                                                      \
    do {                                                                                \
        int32_t o_[W];                                                                  \
        for (int j_ = 0; j_ < W; j_++)                                                  \
            o_[j_] = (int32_t)(((size_t)j_ < (nv) ? (size_t)j_ : (nv) - 1) * (hop));    \
        gidx_ = _mm256_loadu_si256((const __m256i *)o_);                                \
    } while (0)
#define V_GATHER(base, k) ((VF)_mm256_i32gather_ps((base) + (k), gidx_, 4))

float KFN(const wmel_plan *pl, const float *x, size_t nf, float *out, size_t stride,
          void *scratch, int *bad);
void KFN_NORM(float *x, size_t n, float max_val);
void KFN_RFFT(const wmel_plan *pl, const float *x, size_t nf, size_t hop, double *ore,
              double *oim, void *scratch);
#include "cpu/kernel.inc"

static const wmel_kernel k_avx512 = {"cpu-avx512-f64x8", WMEL_ISA_AVX512, 8,
                                     wmel__block_avx512, wmel__rfft_avx512, wmel__norm_avx512};
const wmel_kernel *wmel__kernel_avx512(void) { return &k_avx512; }
#else
const wmel_kernel *wmel__kernel_avx512(void) { return NULL; }
#endif
