/*
 * simd128_ops.h -- the vector vocabulary of the WebAssembly SIMD128 kernels: W = 2 frames
 * per f64x2 (one frame per lane, the transform exact in float64, as at NEON), 2 floats per
 * group for |X|^2 and f32x4 for two groups side by side (mel sums, log10, stores), in the
 * macros a kernel body (kernel.inc) is written over. Generic vector operations
 * (clang lowers them to SIMD128 instructions) but for the maximum: f32x4.max and f64x2.max
 * give NaN when either operand is NaN, as NEON's FMAX does, so a NaN passes the 1e-10 clamp
 * and reaches the kernel's NaN check. SIMD128 has no fused multiply-add: every product and
 * sum is rounded as at the other levels.
 */
#ifndef WMEL_SIMD128_OPS_H
#define WMEL_SIMD128_OPS_H

#include <stdint.h>
#include <wasm_simd128.h>

typedef double VD __attribute__((vector_size(16)));  /* f64x2 */
typedef float VF __attribute__((vector_size(8)));    /* the low half of an f32x4 */
typedef int32_t VI __attribute__((vector_size(8)));
#define W 2

/* 4 floats: two groups of frames per mel sum, log10 and store */
typedef float VF2 __attribute__((vector_size(16)));   /* f32x4 */
typedef int32_t VI2 __attribute__((vector_size(16))); /* i32x4 */

static inline VF simd128_max2(VF a, VF b)
{
    const VF2 r = (VF2)wasm_f32x4_max((v128_t)__builtin_shufflevector(a, a, 0, 1, 0, 1),
                                      (v128_t)__builtin_shufflevector(b, b, 0, 1, 0, 1));
    return __builtin_shufflevector(r, r, 0, 1);
}

#define V_SET1(s) ((VF){(s), (s)})
#define V_SET1I(s) ((VI){(s), (s)})
#define V_SET1D(s) ((VD){(s), (s)})
#define V_MAX(a, b) simd128_max2((a), (b))
#define V_MAXD(a, b) ((VD)wasm_f64x2_max((v128_t)(a), (v128_t)(b)))
#define V_F2I(x) ((VI)(x))
#define V_I2F(i) ((VF)(i))
#define V_CVT(i) __builtin_convertvector((i), VF)
#define V_F2D(x) __builtin_convertvector((x), VD)
#define V_D2F(x) __builtin_convertvector((x), VF)

#define V2_JOIN(a, b) __builtin_shufflevector((a), (b), 0, 1, 2, 3)
#define V2_LO(v) __builtin_shufflevector((v), (v), 0, 1)
#define V2_HI(v) __builtin_shufflevector((v), (v), 2, 3)
#define V2_MAX(a, b) ((VF2)wasm_f32x4_max((v128_t)(a), (v128_t)(b)))
#define V2_F2I(x) ((VI2)(x))
#define V2_I2F(i) ((VF2)(i))
#define V2_CVT(i) __builtin_convertvector((i), VF2)

/* the generic (gather) load is not used at W = 2: kernel.inc has a load for two lanes */
#define V_GATHER_SETUP(nv, hop) ((void)(nv), (void)(hop))
#define V_GATHER(base, k) (base)[k]

#endif
