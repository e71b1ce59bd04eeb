/*
 * kernel_neon.c -- AArch64 Advanced SIMD (NEON) level of the 400-point kernel: 2 frames
 * per float64x2 vector (kernel.inc over neon_ops.h). Advanced SIMD is part of the
 * AArch64 base architecture, so this level needs no detection there; compiled only
 * for AArch64 (elsewhere the table is NULL).
 */
#include "internal.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include "cpu/arm/neon_ops.h"

#define KFN wmel__block_neon
#define KFN_RFFT wmel__rfft_neon
#define KFN_NORM wmel__norm_neon

float KFN(const wmel_plan *pl, const float *x, size_t nf, float *out, size_t stride,
          void *scratch, int *bad);
void KFN_NORM(float *x, size_t n, float max_val);
void KFN_RFFT(const wmel_plan *pl, const float *x, size_t nf, size_t hop, double *ore,
              double *oim, void *scratch);
#include "cpu/kernel.inc"

static const wmel_kernel k_neon = {"cpu-neon-f64x2", WMEL_ISA_NEON, 2, wmel__block_neon,
                                   wmel__rfft_neon, wmel__norm_neon};
const wmel_kernel *wmel__kernel_neon(void) { return &k_neon; }
#else
const wmel_kernel *wmel__kernel_neon(void) { return NULL; }
#endif
