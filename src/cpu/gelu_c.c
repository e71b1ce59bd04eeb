/*
 * gelu_c.c -- the stem's exact-erf GELU (stem/gelu_body.h) at the portable C level:
 * 16-byte vectors (SSE2 on x86-64, NEON on arm64, plain code elsewhere); cpu/x86/gelu_avx2.c
 * and gelu_avx512.c are the vector levels, and cpu.c chooses among them. A compiler without
 * GCC vector extensions gets libm's erff per element.
 */
#include "stem/stem_internal.h"

#include <math.h>

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
