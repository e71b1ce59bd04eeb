/*
 * fe_avx512.c -- the front-end plans' frame kernel at the AVX-512 level: 8 frames per
 * vector of doubles (fe/fe_lanes.inc). Compiled with -mavx512f -mavx512vl -mavx512dq
 * -mfma; only called after the CPU reported them.
 */
#include "fe/fe.h"

#if defined(__x86_64__) && (defined(__AVX512F__) || defined(WMEL_TARGET_AVX512))
#include <immintrin.h>

typedef double VD __attribute__((vector_size(64)));
#define LANES 8
#define FE_VSQRT(v) ((VD)_mm512_sqrt_pd((__m512d)(v)))
#define FE_FN fe_frames_avx512
#include "fe/fe_lanes.inc"

static const wmel_fe_kernel K = {"avx512-f64x8", LANES, FE_FN, fe_lanes_scratch, fe_lanes_norm,
                                  fe_cast_group, fe_finite};
const wmel_fe_kernel *wmel__fe_kernel_avx512(void) { return &K; }
#else
const wmel_fe_kernel *wmel__fe_kernel_avx512(void) { return NULL; }
#endif
