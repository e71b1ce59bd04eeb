/*
 * kernel_simd128.c -- the WebAssembly SIMD128 level of the 400-point kernel: 2 frames per
 * f64x2 vector (kernel.inc over simd128_ops.h, the 2-lane model of the NEON level).
 * WebAssembly has no run-time feature test: the level exists in a build compiled with
 * -msimd128 (cmake/wasm.cmake), and elsewhere the table is NULL.
 */
#include "internal.h"

#if defined(__wasm_simd128__)
#include "cpu/wasm/simd128_ops.h"

#define KFN wmel__block_simd128
#define KFN_RFFT wmel__rfft_simd128
#define KFN_NORM wmel__norm_simd128

float KFN(const wmel_plan *pl, const float *x, size_t nf, float *out, size_t stride,
          void *scratch, int *bad);
void KFN_NORM(float *x, size_t n, float max_val);
void KFN_RFFT(const wmel_plan *pl, const float *x, size_t nf, size_t hop, double *ore,
              double *oim, void *scratch);
#include "cpu/kernel.inc"

static const wmel_kernel k_simd128 = {"cpu-wasm-simd128-f64x2", WMEL_ISA_WASM_SIMD128, 2,
                                      wmel__block_simd128, wmel__rfft_simd128, wmel__norm_simd128};
const wmel_kernel *wmel__kernel_simd128(void) { return &k_simd128; }
#else
const wmel_kernel *wmel__kernel_simd128(void) { return NULL; }
#endif
