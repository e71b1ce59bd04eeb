/*
 * neon_ops.h -- the vector vocabulary of the AArch64 Advanced SIMD (NEON) kernels:
 * W = 2 frames per float64x2 (one frame per lane, the transform exact in float64),
 * float32x2 per group for |X|^2 and float32x4 for two groups side by side (mel sums,
 * log10, stores), in the macros a kernel body (kernel.inc) is written over. Included by
 * each NEON kernel file (kernel_neon.c: the 400-point kernel); a kernel for another
 * transform size includes it beside its own body.
 */
#ifndef WMEL_NEON_OPS_H
#define WMEL_NEON_OPS_H

#include <arm_neon.h>
#include <stdint.h>

typedef double VD __attribute__((vector_size(16)));  /* float64x2_t */
typedef float VF __attribute__((vector_size(8)));    /* float32x2_t */
typedef int32_t VI __attribute__((vector_size(8)));  /* int32x2_t */
#define W 2

#define V_SET1(s) ((VF){(s), (s)})
#define V_SET1I(s) ((VI){(s), (s)})
#define V_SET1D(s) ((VD){(s), (s)})
/* FMAX: a NaN in either operand gives NaN (so NaN passes through the 1e-10 clamp and
   reaches the kernel's NaN check, as with x86's max) */
#define V_MAX(a, b) ((VF)vmax_f32((float32x2_t)(a), (float32x2_t)(b)))
#define V_MAXD(a, b) ((VD)vmaxq_f64((float64x2_t)(a), (float64x2_t)(b)))
#define V_F2I(x) ((VI)(x))
#define V_I2F(i) ((VF)(i))
#define V_CVT(i) ((VF)vcvt_f32_s32((int32x2_t)(i)))
#define V_F2D(x) ((VD)vcvt_f64_f32((float32x2_t)(x)))
#define V_D2F(x) ((VF)vcvt_f32_f64((float64x2_t)(x)))

/* 4 floats: two groups of frames per mel sum, log10 and store */
typedef float VF2 __attribute__((vector_size(16)));   /* float32x4_t */
typedef int32_t VI2 __attribute__((vector_size(16))); /* int32x4_t */
#define V2_JOIN(a, b) ((VF2)vcombine_f32((float32x2_t)(a), (float32x2_t)(b)))
#define V2_LO(v) ((VF)vget_low_f32((float32x4_t)(v)))
#define V2_HI(v) ((VF)vget_high_f32((float32x4_t)(v)))
#define V2_MAX(a, b) ((VF2)vmaxq_f32((float32x4_t)(a), (float32x4_t)(b)))
#define V2_F2I(x) ((VI2)(x))
#define V2_I2F(i) ((VF2)(i))
#define V2_CVT(i) ((VF2)vcvtq_f32_s32((int32x4_t)(i)))

/* A 64-byte line of the staged block out with non-temporal pair stores (STNP). */
#define V_STREAM_LINE(o, s)                                                             \
    do {                                                                                \
        float32x4_t l0_ = vld1q_f32(s), l1_ = vld1q_f32((s) + 4);                       \
        float32x4_t l2_ = vld1q_f32((s) + 8), l3_ = vld1q_f32((s) + 12);                \
        __asm__ volatile("stnp %q1, %q2, [%0]\n\tstnp %q3, %q4, [%0, #32]"              \
                         : : "r"(o), "w"(l0_), "w"(l1_), "w"(l2_), "w"(l3_) : "memory"); \
    } while (0)

/* the generic (gather) load is not used at W = 2: kernel.inc has a load for two lanes */
#define V_GATHER_SETUP(nv, hop) ((void)(nv), (void)(hop))
#define V_GATHER(base, k) (base)[k]

#endif
