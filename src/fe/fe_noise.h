/*
 * fe_noise.h -- the dither's noise on the CPU: src/kernels/noise.h (the text the CUDA and
 * Vulkan kernels compile too) with its macros in C11. Every float64 operation is one C
 * operator, rounded once; multiply-add contraction is off for every C file (CMakeLists.txt),
 * and 32-bit x86 computes in SSE2, never x87, so each operation is IEEE's correctly rounded
 * one on every processor and platform: wmel_nz_gauss gives the same bits everywhere.
 */
#ifndef WMEL_FE_NOISE_H
#define WMEL_FE_NOISE_H

#include <math.h>
#include <stdint.h>

#define NZ_FN static inline
#define NZ_U64 uint64_t
#define NZ_U32 uint32_t
#define NZ_TO_U64(i) ((uint64_t)(i))
#define NZ_U2D(u) ((double)(u))
#define NZ_I2D(i) ((double)(i))
#define NZ_D(c) (c)
#define DADD(a, b) ((a) + (b))
#define DSUB(a, b) ((a) - (b))
#define DMUL(a, b) ((a) * (b))
#define DDIV(a, b) ((a) / (b))
#define DSQRT(a) sqrt(a)
#define NZ_FREXP(x, e) frexp(x, &(e))
#define precise
#include "../kernels/noise.h"
#undef precise
#undef NZ_FREXP
#undef DSQRT
#undef DDIV
#undef DMUL
#undef DSUB
#undef DADD
#undef NZ_D
#undef NZ_I2D
#undef NZ_U2D
#undef NZ_TO_U64
#undef NZ_U32
#undef NZ_U64
#undef NZ_FN

#endif
