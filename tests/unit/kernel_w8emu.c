/*
 * kernel_w8emu.c -- test only: kernel.inc's 8-lane (AVX-512) logic built for AVX2
 * hardware. The vectors are GCC's generic 512-bit types, which the compiler splits into
 * 256-bit halves; the 8 x 8 load transpose is the AVX-512 level's own (AVX intrinsics).
 * Every per-lane operation is the AVX2 level's (the same reciprocal estimate, the same
 * contractions), so test_kernel_w8 can hold the two levels' outputs bit for bit on a
 * machine without AVX-512: the lane count, the two-group vectors, the tails and the
 * staged rows at W = 8 are exercised wherever the suite runs.
 */
#include "internal.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#include <stdint.h>

typedef double VD __attribute__((vector_size(64)));
typedef float VF __attribute__((vector_size(32)));
typedef int32_t VI __attribute__((vector_size(32)));
#define W 8
#define KFN wmel__block_w8emu
#define KFN_RFFT wmel__rfft_w8emu
#define KFN_NORM wmel__norm_w8emu
#define V_SET1(s) ((VF)_mm256_set1_ps(s))
#define V_SET1I(s) ((VI)_mm256_set1_epi32(s))
#define V_SET1D(s) ((VD){(s), (s), (s), (s), (s), (s), (s), (s)})
#define V_MAX(a, b) ((VF)_mm256_max_ps((__m256)(a), (__m256)(b)))
#define V_F2I(x) ((VI)(x))
#define V_I2F(i) ((VF)(i))
#define V_CVT(i) __builtin_convertvector(i, VF)
#define V_F2D(x) __builtin_convertvector(x, VD)
#define V_RCP(x) ((VF)_mm256_rcp_ps((__m256)(x)))
#define V_D2F(x) __builtin_convertvector(x, VF)
typedef float VF2 __attribute__((vector_size(64)));
typedef int32_t VI2 __attribute__((vector_size(64)));
#define V2_JOIN(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#define V2_LO(v) __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7)
#define V2_HI(v) __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15)
#define V2_MAX(a, b) V2_JOIN(V_MAX(V2_LO(a), V2_LO(b)), V_MAX(V2_HI(a), V2_HI(b)))
#define V2_F2I(x) ((VI2)(x))
#define V2_I2F(i) ((VF2)(i))
#define V2_RCP(x) V2_JOIN(V_RCP(V2_LO(x)), V_RCP(V2_HI(x)))
#define V2_CVT(i) __builtin_convertvector(i, VF2)

float KFN(const wmel_plan *pl, const float *x, size_t nf, float *out, size_t stride,
          void *scratch, int *bad);
void KFN_NORM(float *x, size_t n, float max_val);
void KFN_RFFT(const wmel_plan *pl, const float *x, size_t nf, size_t hop, double *ore,
              double *oim, void *scratch);
#include "cpu/kernel.inc"
const int wmel__w8emu_built = 1;
#else
const int wmel__w8emu_built = 0;
#endif
