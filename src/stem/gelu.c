/*
 * gelu.c -- the exact-erf GELU kernels (math in gelu_body.h) and the choice among them:
 * this file is the portable level (16-byte vectors: SSE2 on x86-64, NEON on arm64,
 * plain code elsewhere); cpu/x86/gelu_avx2.c and gelu_avx512.c are compiled with their
 * level's flags, and cpu/cpu.c chooses among them. A compiler without GCC vector extensions gets libm's erff per element.
 */
#include "internal.h"
#include "stem/stem_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define GELU_W 4
#define GELU_FN gelu_c
#include "stem/gelu_body.h"
#else
static void gelu_c(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        y[i] = v < -16.0f ? -0.0f : 0.5f * v * (1.0f + erff(v * 0.70710678118654752440f));
    }
}
#endif

static const wmel_gelu_kernel KERNEL_C = {"gelu-c", gelu_c};
const wmel_gelu_kernel *wmel__gelu_kernel_c(void) { return &KERNEL_C; }

const wmel_gelu_kernel *wmel__gelu_pick(void) { return wmel__gelu_for(wmel__isa_level(WMEL_ISA_AUTO)); }
