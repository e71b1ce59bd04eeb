/*
 * noise.glsl -- the dither's noise in the shaders: src/kernels/noise.h (GLSL's copy, its
 * constants as float64 literals: cmake/glsl_noise.cmake) with its macros in GLSL, each
 * float64 operation an operator on a `precise` variable (rounded once, never contracted:
 * NoContraction in SPIR-V), splitmix64's counters 64-bit integers. The includer declares
 * GL_ARB_gpu_shader_int64 (the device's shaderInt64) and runs on shaderFloat64; frames.comp
 * (WMEL_NOISE) and the tests' noise_test.comp include it.
 */
#ifndef WMEL_NOISE_GLSL
#define WMEL_NOISE_GLSL

#define NZ_FN
#define NZ_U64 uint64_t
#define NZ_U32 uint
#define NZ_TO_U64(i) uint64_t(i)
#define NZ_U2D(u) double(u)
#define NZ_I2D(i) double(i)
#define DADD(a, b) ((a) + (b))
#define DSUB(a, b) ((a) - (b))
#define DMUL(a, b) ((a) * (b))
#define DDIV(a, b) ((a) / (b))
#define DSQRT(a) sqrt(a)
#define NZ_FREXP(x, e) frexp(x, e)
#include "noise_glsl.h"

#endif
