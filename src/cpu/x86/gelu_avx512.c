/*
 * gelu_avx512.c -- the exact-erf GELU (gelu_body.h) on 512-bit vectors, compiled with
 * the avx512 flags (cmake/stem.cmake; FMA contraction on); called only after the CPU check.
 */
#include "stem/stem_internal.h"

#if (defined(__AVX512F__) && defined(__FMA__)) || defined(WMEL_TARGET_AVX512)
#define GELU_W 16
#define GELU_FN gelu_avx512
#include "stem/gelu_body.h"

static const wmel_gelu_kernel K = {"gelu-avx512", gelu_avx512};
const wmel_gelu_kernel *wmel__gelu_kernel_avx512(void) { return &K; }
#else
const wmel_gelu_kernel *wmel__gelu_kernel_avx512(void) { return 0; }
#endif
