// ff.h -- float-float arithmetic, written once for every device: a real number carried as the
// unevaluated sum x + y of two float32 (x the high part, y the low), with x = fl(x + y), about
// 48 significant bits.  The text is the common subset of GLSL 4.50 and CUDA C++: the Vulkan
// shaders include it through src/vulkan/shaders/arith_ff.glsl, the CUDA kernels (and HIP, and
// the CUDA emulator) through src/cuda/arith_ff.cuh.  The includer defines, before including:
//
//   ff                the type: GLSL vec2, CUDA a struct of two floats x, y constructed ff(x, y)
//   FF_FN             a function's qualifiers: nothing in GLSL, __device__ __forceinline__
//   FADD FSUB FMUL FDIV FFMA FSQRT   each float operation rounded once, never fused with
//                     another or reordered: GLSL's + - * / fma sqrt on `precise` variables
//                     (SPIR-V NoContraction), CUDA's __fadd_rn ... __fsqrt_rn (nvcc never
//                     contracts or reorders those)
//   precise           GLSL's qualifier; nothing in CUDA (the intrinsics carry the rounding)
//   FABS FF_BITS FF_INF FF_ISNAN FF_ISINF FF_FREXP   abs, int bits to float, +inf, the
//                     classifications, frexp (x = m 2^e, m in [0.5, 1), e an int lvalue)
//   FF_FMA            nonzero: the two-product's error as fma(a, b, -p), one instruction where
//                     fma is fused (CUDA: always; Vulkan: a specialisation constant the host
//                     sets where the self-test found it exact, since SPIR-V's Fma may be
//                     computed unfused: Mesa's lavapipe does so, and then fma(a, b, -a*b) is 0)
//
// Building blocks (Dekker 1971, "A floating-point technique for extending the available
// precision"; Knuth TAOCP vol. 2, 4.2.2; the double-double algorithms of Hida, Li and Bailey's
// QD library, with the accuracy analysis of Joldes, Muller and Popescu 2017):
//   ff_two_sum   a + b = s + e exactly, branch-free (Knuth), any order of magnitude;
//   ff_two_prod  a * b = p + e exactly: by fma (FF_FMA), or by Veltkamp's split of each factor
//                into 12 + 12 bits (splitter 2^12 + 1 = 4097) and Dekker's product.
// Every float operation is one of the macros above, so no compiler may fuse a multiply into
// an add or reassociate, either of which turns the error terms into zeros (measured on
// lavapipe: without `precise` every op falls to float32 accuracy).
// Constants are exact float32 values written as decimals (tools/ff_constants.py), so a
// compiler that parses them through float64 gets the same bits.
// Non-finite operands and division by zero give non-finite results (no trap, no check).
//
// Range and denormals.  A device may flush float32 denormals to zero (Vulkan allows it).  A
// low part is about 2^-24 |x|, so for |value| below about 2^-102 (1.97e-31) it may be a
// denormal and flush: the value then keeps only x's 24 bits (relative error up to 2^-24),
// never worse.  Above 2^100 the split scales its argument down first, so products stay exact
// up to float's top.  The front-end's powers and mel energies lie far inside [2^-100, 2^100].
//
// Float64 data from the host go in as x = (float)d, y = (float)(d - (double)x), which is
// exact to 2^-48 relative (and x = fl(x + y)).

#ifndef WMEL_KERNELS_FF_H
#define WMEL_KERNELS_FF_H

// s + e = a + b exactly (Knuth's TwoSum: no assumption on |a|, |b|).
FF_FN ff ff_two_sum(float a, float b)
{
    precise float s = FADD(a, b);
    precise float bb = FSUB(s, a);
    precise float e = FADD(FSUB(a, FSUB(s, bb)), FSUB(b, bb));
    return ff(s, e);
}

// s + e = a + b exactly, valid when |a| >= |b| or a == 0 (Dekker's FastTwoSum).
FF_FN ff ff_fast_two_sum(float a, float b)
{
    precise float s = FADD(a, b);
    precise float e = FSUB(b, FSUB(s, a));
    return ff(s, e);
}

// Veltkamp's split: a = hi + lo with hi and lo of at most 12 significant bits each.
// Above 2^100, 4097 * a could overflow: split a * 2^-28 and scale back (exact).
FF_FN ff ff_split(float a)
{
    bool big = FABS(a) > 1.2676506002282294e30f;                      // 2^100
    float down = big ? 3.725290298461914e-09f : 1.0f;                 // 2^-28
    float up = big ? 268435456.0f : 1.0f;                             // 2^28
    precise float as = FMUL(a, down);
    precise float t = FMUL(4097.0f, as);
    precise float hi = FSUB(t, FSUB(t, as));
    precise float lo = FSUB(as, hi);
    precise float rh = FMUL(hi, up);
    precise float rl = FMUL(lo, up);
    return ff(rh, rl);
}

// p + e = a * b exactly (fma where FF_FMA, else Dekker's TwoProduct), barring overflow and
// underflow.
FF_FN ff ff_two_prod(float a, float b)
{
    precise float p = FMUL(a, b);
    if (FF_FMA != 0) {
        precise float e = FFMA(a, b, -p);
        return ff(p, e);
    }
    ff as = ff_split(a);
    ff bs = ff_split(b);
    precise float e = FADD(FADD(FADD(FSUB(FMUL(as.x, bs.x), p), FMUL(as.x, bs.y)), FMUL(as.y, bs.x)),
                           FMUL(as.y, bs.y));
    return ff(p, e);
}

// Accurate sum (QD's ieee_add; relative error below 3 * 2^-48 even under cancellation).
FF_FN ff r_add(ff a, ff b)
{
    ff s = ff_two_sum(a.x, b.x);
    ff t = ff_two_sum(a.y, b.y);
    precise float s1 = FADD(s.y, t.x);
    ff u = ff_fast_two_sum(s.x, s1);
    precise float u1 = FADD(u.y, t.y);
    return ff_fast_two_sum(u.x, u1);
}

FF_FN ff r_sub(ff a, ff b) { return r_add(a, ff(-b.x, -b.y)); }

// a + f for a float f.
FF_FN ff r_add_f(ff a, float f)
{
    ff s = ff_two_sum(a.x, f);
    precise float e = FADD(s.y, a.y);
    return ff_fast_two_sum(s.x, e);
}

// Product: relative error below about 5 * 2^-48 (the lo * lo term is dropped).
FF_FN ff r_mul(ff a, ff b)
{
    ff p = ff_two_prod(a.x, b.x);
    precise float e = FADD(p.y, FADD(FMUL(a.x, b.y), FMUL(a.y, b.x)));
    return ff_fast_two_sum(p.x, e);
}

// a * f for a float f (one cross term fewer).
FF_FN ff r_mul_f(ff a, float f)
{
    ff p = ff_two_prod(a.x, f);
    precise float e = FADD(p.y, FMUL(a.y, f));
    return ff_fast_two_sum(p.x, e);
}

// Quotient by long division: q1 from the float quotient, then two correction steps from the
// exact remainder, so an inexact float division (Vulkan allows 2.5 ulp) costs nothing.
FF_FN ff r_div(ff a, ff b)
{
    precise float q1 = FDIV(a.x, b.x);
    ff r = r_sub(a, r_mul_f(b, q1));
    precise float q2 = FDIV(r.x, b.x);
    r = r_sub(r, r_mul_f(b, q2));
    precise float q3 = FDIV(r.x, b.x);
    ff q = ff_fast_two_sum(q1, q2);
    return r_add_f(q, q3);
}

// Square root: the float root q, then one Newton step from the exact residual a - q^2.
// 0 gives 0; a negative argument gives NaN (as sqrt does).
FF_FN ff r_sqrt(ff a)
{
    if (a.x <= 0.0f)
        return ff(FSQRT(a.x), 0.0f);
    precise float q = FSQRT(a.x);
    ff r = r_sub(a, ff_two_prod(q, q));
    precise float c = FDIV(r.x, FMUL(2.0f, q));
    return ff_fast_two_sum(q, c);
}

FF_FN bool r_lt(ff a, ff b) { return a.x < b.x || (a.x == b.x && a.y < b.y); }
FF_FN ff r_max(ff a, ff b) { return r_lt(a, b) ? b : a; }

// 2^k for k in [-126, 127], exactly.
FF_FN float ff_pow2(int k) { return FF_BITS((k + 127) << 23); }

// Natural logarithm, absolute error about 2e-15 * max(1, |log x|) (measured on lavapipe:
// docs/vulkan-float-float.md).
//   x = 2^k * m with m in [sqrt(1/2), sqrt(2)): k from frexp(hi), and both parts scaled by
//   2^-k exactly (two steps, so no power of two leaves float's range);
//   log m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (m - 1) / (m + 1), |s| < 0.1716:
//   the terms up to s^21/21 (the next is below 2^-52 of s), Horner in float-float on z = s^2
//   down from z^3 (1/9 + z T(z)), T(z) = 1/11 + ... + z^5/21 in float (see below);
//   log x = k * ln2 + log m, ln2 as a float-float constant.
// Constants: tools/ff_constants.py rounds each exact value c to hi = f32(c), lo = f32(c - hi).
// Special values, as a log-mel front-end wants them: x <= 0 gives (-inf, 0) (log(0) = -inf;
// a power spectrum has no negative values, so a negative x can only be a rounding of 0),
// +inf gives (+inf, 0), NaN gives NaN.  A denormal hi is scaled up by 2^24 first (on a
// device that flushes denormals it has already become 0, hence -inf).  Vulkan devices need
// not preserve infinities (shaderSignedZeroInfNanPreserveFloat32), so a front-end applies its
// log guard (max(x, guard)) before r_log and never depends on the -inf.
FF_FN ff r_log(ff x)
{
    if (!(x.x > 0.0f)) {
        if (FF_ISNAN(x.x))
            return x;
        return ff(-FF_INF, 0.0f);
    }
    if (FF_ISINF(x.x))
        return ff(x.x, 0.0f);
    int k = 0;
    ff m = x;
    if (m.x < 1.1754943508222875e-38f) {                              // 2^-126: denormal
        m = r_mul_f(m, 16777216.0f);                                  // 2^24
        k = -24;
    }
    int e = 0;
    precise float fm = FF_FREXP(m.x, e);                              // m.x = fm * 2^e, fm in [0.5, 1)
    if (fm < 0.70710678f)
        e -= 1;
    k += e;
    int e1 = -e / 2;
    int e2 = -e - e1;
    precise float s1 = ff_pow2(e1);
    precise float s2 = ff_pow2(e2);
    precise float mh = FMUL(FMUL(m.x, s1), s2);
    precise float ml = FMUL(FMUL(m.y, s1), s2);
    m = ff(mh, ml);

    ff num = r_add_f(m, -1.0f);
    ff den = r_add_f(m, 1.0f);
    ff s = r_div(num, den);
    ff z = r_mul(s, s);

    // Q(z) = 1/3 + z/5 + z^2/7 + z^3 (1/9 + z T(z)), T(z) = 1/11 + z/13 + ... + z^5/21 in
    // float: z T(z) is below 2^-8.5 and is multiplied by z^3 <= 2^-15.2 and then by 2 s z
    // <= 2^-6.6, so float's rounding of it (2^-32) stays below 2^-53 of the log; the rest of
    // Q in float-float
    precise float zf = z.x;
    precise float tf = FMUL(0.0476190485060215f, zf);
    tf = FMUL(FADD(tf, 0.05263157933950424f), zf);
    tf = FMUL(FADD(tf, 0.05882352963089943f), zf);
    tf = FMUL(FADD(tf, 0.06666667014360428f), zf);
    tf = FMUL(FADD(tf, 0.07692307978868484f), zf);
    tf = FMUL(FADD(tf, 0.09090909361839294f), zf);
    ff q = r_add_f(ff(0.1111111119389534f, -8.278422947149977e-10f), tf);        // 1/9 + z T
    q = r_add(r_mul(q, z), ff(0.1428571492433548f, -6.38621200366174e-09f));    // 1/7
    q = r_add(r_mul(q, z), ff(0.20000000298023224f, -2.9802322831784522e-09f)); // 1/5
    q = r_add(r_mul(q, z), ff(0.3333333432674408f, -9.934107758624577e-09f));   // 1/3

    // log m = 2 s + 2 s z Q(z)
    ff lm = r_add(s, r_mul(r_mul(s, z), q));
    precise float lh = FMUL(2.0f, lm.x);                              // exact
    precise float ll = FMUL(2.0f, lm.y);
    lm = ff(lh, ll);

    const ff ln2 = ff(0.6931471824645996f, -1.9046542121259336e-09f);
    ff kl = r_mul_f(ln2, float(k));                                   // |k| <= 150: exact float
    return r_add(kl, lm);
}

#endif
