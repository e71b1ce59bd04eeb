// Float-float arithmetic for the Vulkan shaders: a real number carried as the unevaluated sum
// hi + lo of two float32, with hi = fl(hi + lo), about 48 significant bits.  The included
// shader picks this file with -DWMEL_ARITH_FF (arith_f64.glsl is the float64 twin; both give
// the same names: R, RS, r_add, r_mul, ...).
//
// Building blocks (Dekker 1971, "A floating-point technique for extending the available
// precision"; Knuth TAOCP vol. 2, 4.2.2; the double-double algorithms of Hida, Li and Bailey's
// QD library, with the accuracy analysis of Joldes, Muller and Popescu 2017):
//   two_sum   a + b = s + e exactly, branch-free (Knuth), any order of magnitude;
//   two_prod  a * b = p + e exactly, by Veltkamp's split of each factor into 12 + 12 bits
//             (splitter 2^12 + 1 = 4097) and Dekker's product.  No fma(): GLSL's fma() (like
//             SPIR-V's Fma) may be computed unfused in float32, and Mesa's lavapipe does so;
//             then fma(a, b, -a*b) is 0 and the product error is lost (relative error 2^-24
//             instead of 2^-48; tests/vulkan/test_arith_ff.c measures it).
// Every intermediate is `precise` (SPIR-V NoContraction): the compiler may neither fuse a
// multiply into an add nor reassociate, either of which turns the error terms into zeros
// (measured on lavapipe: without `precise` every op falls to float32 accuracy).
// Constants are exact float32 values written as decimals (tools/ff_constants.py), so a
// compiler that parses them through float64 gets the same bits.
//
// Only the r_* names and R, RS are the interface (arith_f64.glsl has no ff_* helpers).
// Non-finite operands and division by zero give non-finite results (no trap, no check).
//
// Range and denormals.  Vulkan lets float32 flush denormals to zero.  A lo part is about
// 2^-24 |hi|, so for |value| below about 2^-102 (1.97e-31) lo may be a denormal and flush:
// the value then keeps only hi's 24 bits (relative error up to 2^-24), never worse.  Above
// 2^100 the split scales its argument down first, so products stay exact up to float's top.
// The front-end's powers and mel energies lie far inside [2^-100, 2^100].
//
// Float64 data from the host go in as hi = (float)d, lo = (float)(d - (double)hi), which is
// exact to 2^-48 relative (and hi = fl(hi + lo)).

#ifndef WMEL_ARITH_FF_GLSL
#define WMEL_ARITH_FF_GLSL

#define R vec2
#define RS vec2

// Float controls, declared where the device supports them: the host adds them to the module
// when it makes it (vk_loader.c, wmel__vk_spv_fc), so every variant is the one optimised
// module: SignedZeroInfNanPreserve for float32 (signed zeros, infinities and NaNs kept through
// every float operation: no fast-math folding such as x - x = 0 or x * 0 = 0), and with it
// DenormPreserve for float32 (no flush to zero: a lo part below 2^-126 stays; only where
// float32's denormal mode may differ from the other widths'). SPIR-V 1.3 needs
// SPV_KHR_float_controls for them; the device then enables VK_KHR_shader_float_controls (or
// is Vulkan 1.2). What the device does not declare, the self-test (ffcheck.comp) judges by
// its results. glslc's optimiser keeps every precise operation below as written
// (NoContraction), so the module is the same computation with the controls or without.

// s + e = a + b exactly (Knuth's TwoSum: no assumption on |a|, |b|).
vec2 ff_two_sum(float a, float b)
{
    precise float s = a + b;
    precise float bb = s - a;
    precise float e = (a - (s - bb)) + (b - bb);
    return vec2(s, e);
}

// s + e = a + b exactly, valid when |a| >= |b| or a == 0 (Dekker's FastTwoSum).
vec2 ff_fast_two_sum(float a, float b)
{
    precise float s = a + b;
    precise float e = b - (s - a);
    return vec2(s, e);
}

// Veltkamp's split: a = hi + lo with hi and lo of at most 12 significant bits each.
// Above 2^100, 4097 * a could overflow: split a * 2^-28 and scale back (exact).
vec2 ff_split(float a)
{
    bool big = abs(a) > 1.2676506002282294e30;                        // 2^100
    float down = big ? 3.725290298461914e-09 : 1.0;                   // 2^-28
    float up = big ? 268435456.0 : 1.0;                               // 2^28
    precise float as = a * down;
    precise float t = 4097.0 * as;
    precise float hi = t - (t - as);
    precise float lo = as - hi;
    precise float rh = hi * up;
    precise float rl = lo * up;
    return vec2(rh, rl);
}

// FF_FMA (a specialisation constant, id 40): 1 computes the two-product's error as
// fma(a, b, -p), one instruction where the device's fma is fused (correctly rounded); the
// host sets it only where the self-test (ffcheck.comp, run with it) found every primitive
// exact that way, since SPIR-V's Fma may be computed unfused (lavapipe: the error is then 0).
layout(constant_id = 40) const int FF_FMA = 0;

// p + e = a * b exactly (Dekker's TwoProduct, or fma where FF_FMA), barring overflow and
// underflow.
vec2 ff_two_prod(float a, float b)
{
    precise float p = a * b;
    if (FF_FMA != 0) {
        precise float e = fma(a, b, -p);
        return vec2(p, e);
    }
    vec2 as = ff_split(a);
    vec2 bs = ff_split(b);
    precise float e = ((as.x * bs.x - p) + as.x * bs.y + as.y * bs.x) + as.y * bs.y;
    return vec2(p, e);
}

RS r_to_s(R a) { return a; }
R r_from_s(RS a) { return a; }
R r_from_f(float a) { return vec2(a, 0.0); }
float r_to_f(R a)
{
    precise float s = a.x + a.y;
    return s;
}

R r_neg(R a) { return vec2(-a.x, -a.y); }

// Accurate sum (QD's ieee_add; relative error below 3 * 2^-48 even under cancellation).
R r_add(R a, R b)
{
    vec2 s = ff_two_sum(a.x, b.x);
    vec2 t = ff_two_sum(a.y, b.y);
    precise float s1 = s.y + t.x;
    vec2 u = ff_fast_two_sum(s.x, s1);
    precise float u1 = u.y + t.y;
    return ff_fast_two_sum(u.x, u1);
}

R r_sub(R a, R b) { return r_add(a, vec2(-b.x, -b.y)); }

// a + f for a float f.
R r_add_f(R a, float f)
{
    vec2 s = ff_two_sum(a.x, f);
    precise float e = s.y + a.y;
    return ff_fast_two_sum(s.x, e);
}

// Product: relative error below about 5 * 2^-48 (the lo * lo term is dropped).
R r_mul(R a, R b)
{
    vec2 p = ff_two_prod(a.x, b.x);
    precise float e = p.y + (a.x * b.y + a.y * b.x);
    return ff_fast_two_sum(p.x, e);
}

// a * f for a float f (one cross term fewer).
R r_mul_f(R a, float f)
{
    vec2 p = ff_two_prod(a.x, f);
    precise float e = p.y + a.y * f;
    return ff_fast_two_sum(p.x, e);
}

// Quotient by long division: q1 from the float quotient, then two correction steps from the
// exact remainder, so an inexact float division (Vulkan allows 2.5 ulp) costs nothing.
R r_div(R a, R b)
{
    precise float q1 = a.x / b.x;
    R r = r_sub(a, r_mul_f(b, q1));
    precise float q2 = r.x / b.x;
    r = r_sub(r, r_mul_f(b, q2));
    precise float q3 = r.x / b.x;
    R q = ff_fast_two_sum(q1, q2);
    return r_add_f(q, q3);
}

// Square root: the float root q, then one Newton step from the exact residual a - q^2.
// 0 gives 0; a negative argument gives NaN (as sqrt does).
R r_sqrt(R a)
{
    if (a.x <= 0.0)
        return vec2(sqrt(a.x), 0.0);
    precise float q = sqrt(a.x);
    R r = r_sub(a, ff_two_prod(q, q));
    precise float c = r.x / (2.0 * q);
    return ff_fast_two_sum(q, c);
}

bool r_lt(R a, R b) { return a.x < b.x || (a.x == b.x && a.y < b.y); }
R r_max(R a, R b) { return r_lt(a, b) ? b : a; }

// 2^k for k in [-126, 127], exactly.
float ff_pow2(int k) { return intBitsToFloat((k + 127) << 23); }

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
R r_log(R x)
{
    if (!(x.x > 0.0)) {
        if (isnan(x.x))
            return x;
        return vec2(-uintBitsToFloat(0x7f800000u), 0.0);
    }
    if (isinf(x.x))
        return vec2(x.x, 0.0);
    int k = 0;
    R m = x;
    if (m.x < 1.1754943508222875e-38) {                               // 2^-126: denormal
        m = r_mul_f(m, 16777216.0);                                   // 2^24
        k = -24;
    }
    int e;
    precise float fm = frexp(m.x, e);                                 // m.x = fm * 2^e, fm in [0.5, 1)
    if (fm < 0.70710678)
        e -= 1;
    k += e;
    int e1 = -e / 2;
    int e2 = -e - e1;
    precise float s1 = ff_pow2(e1);
    precise float s2 = ff_pow2(e2);
    precise float mh = (m.x * s1) * s2;
    precise float ml = (m.y * s1) * s2;
    m = vec2(mh, ml);

    R num = r_add_f(m, -1.0);
    R den = r_add_f(m, 1.0);
    R s = r_div(num, den);
    R z = r_mul(s, s);

    // Q(z) = 1/3 + z/5 + z^2/7 + z^3 (1/9 + z T(z)), T(z) = 1/11 + z/13 + ... + z^5/21 in
    // float: z T(z) is below 2^-8.5 and is multiplied by z^3 <= 2^-15.2 and then by 2 s z
    // <= 2^-6.6, so float's rounding of it (2^-32) stays below 2^-53 of the log; the rest of
    // Q in float-float
    precise float zf = z.x;
    precise float tf = (((((0.0476190485060215 * zf + 0.05263157933950424) * zf + 0.05882352963089943) * zf +
                          0.06666667014360428) * zf + 0.07692307978868484) * zf + 0.09090909361839294) * zf;
    R q = r_add_f(vec2(0.1111111119389534, -8.278422947149977e-10), tf);       // 1/9 + z T
    q = r_add(r_mul(q, z), vec2(0.1428571492433548, -6.38621200366174e-09));    // 1/7
    q = r_add(r_mul(q, z), vec2(0.20000000298023224, -2.9802322831784522e-09)); // 1/5
    q = r_add(r_mul(q, z), vec2(0.3333333432674408, -9.934107758624577e-09));   // 1/3

    // log m = 2 s + 2 s z Q(z)
    R lm = r_add(s, r_mul(r_mul(s, z), q));
    precise float lh = 2.0 * lm.x;                                    // exact
    precise float ll = 2.0 * lm.y;
    lm = vec2(lh, ll);

    const R ln2 = vec2(0.6931471824645996, -1.9046542121259336e-09);
    R kl = r_mul_f(ln2, float(k));                                    // |k| <= 150: exact float
    return r_add(kl, lm);
}

#endif
