// Float-float arithmetic for the Vulkan shaders: a real number carried as the unevaluated sum
// hi + lo of two float32 (a vec2: x the high part, y the low), about 48 significant bits.
// The included shader picks this file with -DWMEL_ARITH_FF (arith_f64.glsl is the float64
// twin; both give the same names: R, RS, r_add, r_mul, ...).
//
// The arithmetic itself (two-sum, two-product, add, mul, div, sqrt, log; algorithms, accuracy
// and sources) is src/kernels/ff.h, the one text the CUDA kernels compile too
// (src/cuda/arith_ff.cuh); this file maps its macros to GLSL: every intermediate is a
// `precise` variable (SPIR-V NoContraction), so the compiler may neither fuse a multiply into
// an add nor reassociate.  No fma() unless FF_FMA: GLSL's fma() (like SPIR-V's Fma) may be
// computed unfused in float32, and Mesa's lavapipe does so; then fma(a, b, -a*b) is 0 and the
// product error is lost (relative error 2^-24 instead of 2^-48; tests/vulkan/test_arith_ff.c
// measures it), so the two-product is Veltkamp's split and Dekker's product by default.
//
// Only the r_* names and R, RS are the interface (arith_f64.glsl has no ff_* helpers).

#ifndef WMEL_ARITH_FF_GLSL
#define WMEL_ARITH_FF_GLSL

#define R vec2
#define RS vec2

// ff.h's vocabulary in GLSL
#define ff vec2
#define FF_FN
#define FADD(a, b) ((a) + (b))
#define FSUB(a, b) ((a) - (b))
#define FMUL(a, b) ((a) * (b))
#define FDIV(a, b) ((a) / (b))
#define FFMA(a, b, c) fma(a, b, c)
#define FSQRT(a) sqrt(a)
#define FABS(a) abs(a)
#define FF_BITS(i) intBitsToFloat(i)
#define FF_INF uintBitsToFloat(0x7f800000u)
#define FF_ISNAN(a) isnan(a)
#define FF_ISINF(a) isinf(a)
#define FF_FREXP(a, e) frexp(a, e)

// Float controls, declared where the device supports them: the host adds them to the module
// when it makes it (vk_loader.c, wmel__vk_spv_fc), so every variant is the one optimised
// module: SignedZeroInfNanPreserve for float32 (signed zeros, infinities and NaNs kept through
// every float operation: no fast-math folding such as x - x = 0 or x * 0 = 0), and with it
// DenormPreserve for float32 (no flush to zero: a lo part below 2^-126 stays; only where
// float32's denormal mode may differ from the other widths'). SPIR-V 1.3 needs
// SPV_KHR_float_controls for them; the device then enables VK_KHR_shader_float_controls (or
// is Vulkan 1.2). What the device does not declare, the self-test (ffcheck.comp) judges by
// its results. glslc's optimiser keeps every precise operation of ff.h as written
// (NoContraction), so the module is the same computation with the controls or without.

// FF_FMA (a specialisation constant, id 40): 1 computes the two-product's error as
// fma(a, b, -p), one instruction where the device's fma is fused (correctly rounded); the
// host sets it only where the self-test (ffcheck.comp, run with it) found every primitive
// exact that way, since SPIR-V's Fma may be computed unfused (lavapipe: the error is then 0).
layout(constant_id = 40) const int FF_FMA = 0;

#include "../../kernels/ff.h"

RS r_to_s(R a) { return a; }
R r_from_s(RS a) { return a; }
R r_from_f(float a) { return vec2(a, 0.0); }
float r_to_f(R a)
{
    precise float s = a.x + a.y;
    return s;
}

R r_neg(R a) { return vec2(-a.x, -a.y); }

#endif
