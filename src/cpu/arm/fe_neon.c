/*
 * fe_neon.c -- the front-end plans' frame kernel at the AArch64 Advanced SIMD (NEON)
 * level: 2 frames per vector of doubles (float64x2 through GCC's vector extension,
 * fe/fe_lanes.inc). Advanced SIMD is part of the AArch64 base architecture; compiled
 * only for AArch64 (elsewhere the kernel is NULL).
 */
#include "fe/fe.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

typedef double VD __attribute__((vector_size(16)));
#define LANES 2
#define FE_VSQRT(v) ((VD)vsqrtq_f64((float64x2_t)(v)))
#define FE_FN fe_frames_neon
#include "fe/fe_lanes.inc"

static const wmel_fe_kernel K = {"neon-f64x2", LANES, FE_FN, fe_lanes_scratch, fe_lanes_norm,
                                  fe_cast_group, fe_finite};
const wmel_fe_kernel *wmel__fe_kernel_neon(void) { return &K; }
#else
const wmel_fe_kernel *wmel__fe_kernel_neon(void) { return NULL; }
#endif
