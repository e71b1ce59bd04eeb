/*
 * arith_ff.cuh -- float-float arithmetic for the CUDA kernels: a real number carried as the
 * unevaluated sum x + y of two float32 (x the high part, y the low), with x = fl(x + y), about
 * 48 significant bits.  The arithmetic itself (two-sum, two-product, add, mul, div, sqrt, log;
 * algorithms, accuracy and sources) is src/kernels/ff.h, the one text the Vulkan shaders
 * compile too (src/vulkan/shaders/arith_ff.glsl); this file maps its macros to CUDA C++:
 *
 *   every float operation is an intrinsic with its rounding named (__fadd_rn, __fmul_rn,
 *   __fmaf_rn, __fdiv_rn, __fsqrt_rn): nvcc never contracts or reorders those, so the error
 *   terms are not folded away (a plain a * b + c may become one fma and lose them);
 *   the two-product's error is fma(a, b, -p) (FF_FMA 1): CUDA's fma is always fused and
 *   correctly rounded (no Veltkamp split needed).
 *
 * Operators + - * / < > on `ff`, so that a kernel templated on its number type R (double or
 * ff) reads the same for both; r_sqrt, r_log, r_log10 (with log10 e), to_f (the value
 * rounded once to float32) and to_d overloaded for both.
 */
#ifndef WMEL_CUDA_ARITH_FF_CUH
#define WMEL_CUDA_ARITH_FF_CUH

#include <cuda_runtime.h>
#include <math.h>

namespace wmel_cu {

struct ff {
    float x, y;
    ff() = default;
    __host__ __device__ constexpr ff(float hi, float lo) : x(hi), y(lo) {}
};

/* ff.h's vocabulary in CUDA C++ */
#define FF_FN __device__ __forceinline__
#define FADD(a, b) __fadd_rn(a, b)
#define FSUB(a, b) __fsub_rn(a, b)
#define FMUL(a, b) __fmul_rn(a, b)
#define FDIV(a, b) __fdiv_rn(a, b)
#define FFMA(a, b, c) __fmaf_rn(a, b, c)
#define FSQRT(a) __fsqrt_rn(a)
#define FABS(a) fabsf(a)
#define FF_BITS(i) __int_as_float(i)
#define FF_INF __int_as_float(0x7f800000)
#define FF_ISNAN(a) ((a) != (a))
#define FF_ISINF(a) (fabsf(a) == FF_INF)
#define FF_FREXP(a, e) frexpf(a, &(e))
#define FF_FMA 1
#define precise
#include "../kernels/ff.h"
#undef precise
#undef FF_FMA
#undef FF_FREXP
#undef FF_ISINF
#undef FF_ISNAN
#undef FF_INF
#undef FF_BITS
#undef FABS
#undef FSQRT
#undef FFMA
#undef FDIV
#undef FMUL
#undef FSUB
#undef FADD
#undef FF_FN

__device__ __forceinline__ ff operator+(ff a, ff b) { return r_add(a, b); }
__device__ __forceinline__ ff operator-(ff a) { return ff{-a.x, -a.y}; }
__device__ __forceinline__ ff operator-(ff a, ff b) { return r_sub(a, b); }
__device__ __forceinline__ ff operator*(ff a, ff b) { return r_mul(a, b); }
__device__ __forceinline__ ff operator/(ff a, ff b) { return r_div(a, b); }
__device__ __forceinline__ ff &operator+=(ff &a, ff b) { return a = a + b; }
__device__ __forceinline__ ff &operator-=(ff &a, ff b) { return a = a - b; }
__device__ __forceinline__ ff &operator*=(ff &a, ff b) { return a = a * b; }
__device__ __forceinline__ bool operator<(ff a, ff b) { return r_lt(a, b); }
__device__ __forceinline__ bool operator>(ff a, ff b) { return r_lt(b, a); }

/* log10 x = ln x log10(e), log10(e) the host's float-float constant */
__device__ __forceinline__ ff r_log10(ff x, ff log10e) { return r_log(x) * log10e; }

/* the value rounded once to float32: x (x = fl(x + y)) */
__device__ __forceinline__ float to_f(ff a) { return __fadd_rn(a.x, a.y); }
__device__ __forceinline__ double to_d(ff a) { return (double)a.x + (double)a.y; }

/* the float64 twins (r_add, r_sub, r_mul: the operators, for the text shared with the
   shaders, src/kernels/fft.h) */
__device__ __forceinline__ double r_add(double a, double b) { return a + b; }
__device__ __forceinline__ double r_sub(double a, double b) { return a - b; }
__device__ __forceinline__ double r_mul(double a, double b) { return a * b; }
__device__ __forceinline__ double r_sqrt(double a) { return sqrt(a); }
__device__ __forceinline__ double r_log(double a) { return log(a); }
__device__ __forceinline__ double r_log10(double a, double) { return log10(a); }
__device__ __forceinline__ float to_f(double a) { return (float)a; }
__device__ __forceinline__ double to_d(double a) { return a; }

} // namespace wmel_cu

#endif /* WMEL_CUDA_ARITH_FF_CUH */
