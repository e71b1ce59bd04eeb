/*
 * fe_avx2.c -- the front-end plans' frame kernel at the AVX2 + FMA level: 4 frames per
 * vector of doubles (fe/fe_lanes.inc). Compiled with -mavx2 -mfma; only called after the
 * CPU reported both.
 */
#include "../fe/fe.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
typedef double VD __attribute__((vector_size(32)));
#define LANES 4
#define FE_FN fe_frames_avx2
#include "../fe/fe_lanes.inc"

static const wmel_fe_kernel K = {"avx2-f64x4", LANES, FE_FN, fe_lanes_scratch};
const wmel_fe_kernel *wmel__fe_kernel_avx2(void) { return &K; }
#else
const wmel_fe_kernel *wmel__fe_kernel_avx2(void) { return NULL; }
#endif
