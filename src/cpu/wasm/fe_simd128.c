/*
 * fe_simd128.c -- the front-end plans' frame kernel at the WebAssembly SIMD128 level: 2
 * frames per f64x2 vector (fe/fe_lanes.inc over GCC's vector extension), the square root
 * f64x2.sqrt (correctly rounded, as sqrt() is). Compiled into a build with -msimd128
 * (cmake/wasm.cmake); elsewhere the kernel is NULL.
 */
#include "fe/fe.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

typedef double VD __attribute__((vector_size(16)));
#define LANES 2
#define FE_VSQRT(v) ((VD)wasm_f64x2_sqrt((v128_t)(v)))
#define FE_FN fe_frames_simd128
#include "fe/fe_lanes.inc"

static const wmel_fe_kernel K = {"wasm-simd128-f64x2", LANES, FE_FN, fe_lanes_scratch, fe_lanes_norm,
                                  fe_cast_group, fe_finite};
const wmel_fe_kernel *wmel__fe_kernel_simd128(void) { return &K; }
#else
const wmel_fe_kernel *wmel__fe_kernel_simd128(void) { return NULL; }
#endif
