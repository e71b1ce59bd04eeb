/*
 * arith_ff.cuh -- float-float arithmetic for the CUDA kernels: a real number carried as the
 * unevaluated sum hi + lo of two float32, with hi = fl(hi + lo), about 48 significant bits.
 * The same algorithms as the Vulkan backend's (src/vulkan/shaders/arith_ff.glsl; accuracy
 * and sources in docs/vulkan-float-float.md):
 *
 *   two_sum       a + b = s + e exactly (Knuth), any order of magnitude;
 *   fast_two_sum  the same where |a| >= |b| or a == 0 (Dekker);
 *   two_prod      a * b = p + e exactly, e = fma(a, b, -p): CUDA's fma is always fused and
 *                 correctly rounded (no Veltkamp split needed);
 *   add           QD's accurate sum (relative error below 3 * 2^-48 under cancellation);
 *   mul           below about 5 * 2^-48 (the lo * lo term dropped);
 *   div           long division, two correction steps from the exact remainder;
 *   sqrt          the float root and one Newton step from the exact residual;
 *   log           2 atanh((m - 1) / (m + 1)) on the mantissa m in [sqrt(1/2), sqrt(2)),
 *                 plus k ln 2 (arith_ff.glsl's r_log, the same series and constants).
 *
 * Every float operation is an intrinsic with its rounding named (__fadd_rn, __fmul_rn,
 * __fmaf_rn, __fdiv_rn, __fsqrt_rn): nvcc never contracts or reorders those, so the error
 * terms are not folded away (a plain a * b + c may become one fma and lose them).
 *
 * Operators + - * / < > on `ff`, so that a kernel templated on its number type R (double or
 * ff) reads the same for both; r_sqrt, r_log, r_log10 (with log10 e), to_f (the value
 * rounded once to float32: hi, since hi = fl(hi + lo)) and to_d overloaded for both.
 * Non-finite operands give non-finite results (no trap, no check).
 */
#ifndef WMEL_CUDA_ARITH_FF_CUH
#define WMEL_CUDA_ARITH_FF_CUH

#include <cuda_runtime.h>
#include <math.h>

namespace wmel_cu {

struct ff {
    float hi, lo;
};

__device__ __forceinline__ ff ff_two_sum(float a, float b)
{
    const float s = __fadd_rn(a, b);
    const float bb = __fsub_rn(s, a);
    const float e = __fadd_rn(__fsub_rn(a, __fsub_rn(s, bb)), __fsub_rn(b, bb));
    return ff{s, e};
}

__device__ __forceinline__ ff ff_fast_two_sum(float a, float b)
{
    const float s = __fadd_rn(a, b);
    return ff{s, __fsub_rn(b, __fsub_rn(s, a))};
}

__device__ __forceinline__ ff ff_two_prod(float a, float b)
{
    const float p = __fmul_rn(a, b);
    return ff{p, __fmaf_rn(a, b, -p)};
}

__device__ __forceinline__ ff operator+(ff a, ff b)
{
    const ff s = ff_two_sum(a.hi, b.hi), t = ff_two_sum(a.lo, b.lo);
    const ff u = ff_fast_two_sum(s.hi, __fadd_rn(s.lo, t.hi));
    return ff_fast_two_sum(u.hi, __fadd_rn(u.lo, t.lo));
}

__device__ __forceinline__ ff operator-(ff a) { return ff{-a.hi, -a.lo}; }
__device__ __forceinline__ ff operator-(ff a, ff b) { return a + ff{-b.hi, -b.lo}; }

/* a + f for a float f */
__device__ __forceinline__ ff ff_add_f(ff a, float f)
{
    const ff s = ff_two_sum(a.hi, f);
    return ff_fast_two_sum(s.hi, __fadd_rn(s.lo, a.lo));
}

__device__ __forceinline__ ff operator*(ff a, ff b)
{
    const ff p = ff_two_prod(a.hi, b.hi);
    const float c = __fadd_rn(__fmul_rn(a.hi, b.lo), __fmul_rn(a.lo, b.hi));
    return ff_fast_two_sum(p.hi, __fadd_rn(p.lo, c));
}

/* a * f for a float f */
__device__ __forceinline__ ff ff_mul_f(ff a, float f)
{
    const ff p = ff_two_prod(a.hi, f);
    return ff_fast_two_sum(p.hi, __fadd_rn(p.lo, __fmul_rn(a.lo, f)));
}

__device__ __forceinline__ ff operator/(ff a, ff b)
{
    const float q1 = __fdiv_rn(a.hi, b.hi);
    ff r = a - ff_mul_f(b, q1);
    const float q2 = __fdiv_rn(r.hi, b.hi);
    r = r - ff_mul_f(b, q2);
    const float q3 = __fdiv_rn(r.hi, b.hi);
    return ff_add_f(ff_fast_two_sum(q1, q2), q3);
}

__device__ __forceinline__ ff &operator+=(ff &a, ff b) { return a = a + b; }
__device__ __forceinline__ ff &operator-=(ff &a, ff b) { return a = a - b; }
__device__ __forceinline__ ff &operator*=(ff &a, ff b) { return a = a * b; }

__device__ __forceinline__ bool operator<(ff a, ff b) { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo); }
__device__ __forceinline__ bool operator>(ff a, ff b) { return b < a; }

/* 0 gives 0; a negative argument NaN (as sqrtf) */
__device__ __forceinline__ ff r_sqrt(ff a)
{
    if (!(a.hi > 0.0f)) return ff{__fsqrt_rn(a.hi), 0.0f};
    const float q = __fsqrt_rn(a.hi);
    const ff r = a - ff_two_prod(q, q);
    return ff_fast_two_sum(q, __fdiv_rn(r.hi, __fmul_rn(2.0f, q)));
}

/* 2^k for k in [-126, 127], exactly */
__device__ __forceinline__ float ff_pow2(int k) { return __int_as_float((k + 127) << 23); }

/* The natural logarithm (arith_ff.glsl's r_log): absolute error about 2e-15 max(1, |log x|).
 * x <= 0 gives (-inf, 0), +inf +inf, NaN NaN. */
__device__ __forceinline__ ff r_log(ff x)
{
    const float inf = __int_as_float(0x7f800000);
    if (!(x.hi > 0.0f)) {
        if (x.hi != x.hi) return x;
        return ff{-inf, 0.0f};
    }
    if (x.hi == inf) return ff{inf, 0.0f};
    int k = 0;
    ff m = x;
    if (m.hi < 1.1754943508222875e-38f) { /* 2^-126: a denormal, scaled by 2^24 */
        m = ff_mul_f(m, 16777216.0f);
        k = -24;
    }
    int e = 0;
    const float fm = frexpf(m.hi, &e); /* m.hi = fm 2^e, fm in [0.5, 1) */
    if (fm < 0.70710678f) e -= 1;
    k += e;
    const int e1 = -e / 2, e2 = -e - e1;
    const float s1 = ff_pow2(e1), s2 = ff_pow2(e2);
    m = ff{__fmul_rn(__fmul_rn(m.hi, s1), s2), __fmul_rn(__fmul_rn(m.lo, s1), s2)};

    const ff s = ff_add_f(m, -1.0f) / ff_add_f(m, 1.0f);
    const ff z = s * s;
    /* Q(z) = 1/3 + z/5 + z^2/7 + z^3 (1/9 + z T(z)), T(z) = 1/11 + z/13 + ... + z^5/21 in
       float (its rounding stays below 2^-53 of the log: arith_ff.glsl) */
    const float zf = z.hi;
    float tf = __fmul_rn(0.0476190485060215f, zf);
    tf = __fmul_rn(__fadd_rn(tf, 0.05263157933950424f), zf);
    tf = __fmul_rn(__fadd_rn(tf, 0.05882352963089943f), zf);
    tf = __fmul_rn(__fadd_rn(tf, 0.06666667014360428f), zf);
    tf = __fmul_rn(__fadd_rn(tf, 0.07692307978868484f), zf);
    tf = __fmul_rn(__fadd_rn(tf, 0.09090909361839294f), zf);
    ff q = ff_add_f(ff{0.1111111119389534f, -8.278422947149977e-10f}, tf); /* 1/9 + z T */
    q = q * z + ff{0.1428571492433548f, -6.38621200366174e-09f};          /* 1/7 */
    q = q * z + ff{0.20000000298023224f, -2.9802322831784522e-09f};       /* 1/5 */
    q = q * z + ff{0.3333333432674408f, -9.934107758624577e-09f};         /* 1/3 */
    /* log m = 2 s + 2 s z Q(z) */
    ff lm = s + (s * z) * q;
    lm = ff{__fmul_rn(2.0f, lm.hi), __fmul_rn(2.0f, lm.lo)}; /* exact */
    const ff ln2 = ff{0.6931471824645996f, -1.9046542121259336e-09f};
    return ff_mul_f(ln2, (float)k) + lm; /* |k| <= 150: an exact float */
}

/* log10 x = ln x log10(e), log10(e) the host's float-float constant */
__device__ __forceinline__ ff r_log10(ff x, ff log10e) { return r_log(x) * log10e; }

/* the value rounded once to float32: hi (hi = fl(hi + lo)) */
__device__ __forceinline__ float to_f(ff a) { return __fadd_rn(a.hi, a.lo); }
__device__ __forceinline__ double to_d(ff a) { return (double)a.hi + (double)a.lo; }

/* the float64 twins */
__device__ __forceinline__ double r_sqrt(double a) { return sqrt(a); }
__device__ __forceinline__ double r_log(double a) { return log(a); }
__device__ __forceinline__ double r_log10(double a, double) { return log10(a); }
__device__ __forceinline__ float to_f(double a) { return (float)a; }
__device__ __forceinline__ double to_d(double a) { return a; }

} // namespace wmel_cu

#endif /* WMEL_CUDA_ARITH_FF_CUH */
