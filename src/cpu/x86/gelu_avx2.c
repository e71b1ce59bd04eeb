/*
 * gelu_avx2.c -- the exact-erf GELU (gelu_body.h) on 256-bit vectors, compiled with
 * the avx2 flags (cmake/stem.cmake; FMA contraction on); called only after the CPU check.
 */
#include "stem/stem_internal.h"

#if (defined(__AVX2__) && defined(__FMA__)) || defined(WMEL_TARGET_AVX2)
#define GELU_W 8
#define GELU_FN gelu_avx2
#include "stem/gelu_body.h"

static const wmel_gelu_kernel K = {"gelu-avx2", gelu_avx2};
const wmel_gelu_kernel *wmel__gelu_kernel_avx2(void) { return &K; }
#else
const wmel_gelu_kernel *wmel__gelu_kernel_avx2(void) { return 0; }
#endif
