// noise.h -- the dither's noise (wmel.h: wmel_dither_gauss), written once for every device:
// the CPU (src/fe/fe_plan.c, through src/fe/fe_noise.h), the CUDA plan kernel
// (src/cuda/plan_kernels.cu) and the Vulkan frame shader include it, so that each computes
// each value with the same float64 operations in the same order, and so the same bits.
// The text is the common subset of C11, CUDA C++ and GLSL 4.50 (with 64-bit integers:
// GL_ARB_gpu_shader_int64); the includer defines, before including:
//
//   NZ_FN             a function's qualifiers: C `static inline`, CUDA `__device__
//                     __forceinline__`, nothing in GLSL
//   NZ_U64 NZ_U32     the unsigned 64- and 32-bit integer types
//   NZ_TO_U64(i)      an unsigned 32-bit integer widened to NZ_U64
//   NZ_U2D(u) NZ_I2D(i)   an unsigned 64-bit integer below 2^53, an int, to double (exact)
//   NZ_D(c)           a double constant written as a decimal (GLSL's preprocessor pastes no
//                     number, so the build writes GLSL's copy with each as cLF:
//                     cmake/glsl_noise.cmake)
//   DADD DSUB DMUL DDIV DSQRT   each float64 operation rounded once (IEEE's correctly rounded
//                     result), never fused with another or reordered: C's operators with
//                     multiply-add contraction off (-ffp-contract=off, CMakeLists.txt), CUDA's
//                     __dadd_rn ... __dsqrt_rn, GLSL's operators on `precise` variables
//   NZ_FREXP(x, e)    frexp: x = m 2^e, m in [1/2, 1), e an int lvalue (exact everywhere)
//   precise           GLSL's qualifier; nothing in C and CUDA. GLSL's `precise` covers the
//                     operations that feed a precise variable, so each result is held in
//                     one, a returned result too.
//
// The value: with splitmix64's step (the increment, then its finaliser),
// k = sm(sm(seed) ^ t), a = sm(k ^ 2 j), b = sm(k ^ (2 j + 1)); u1 = ((a >> 11) + 1) 2^-53 in
// (0, 1], u2 = (b >> 11) 2^-53 in [0, 1); the value is sqrt(-2 ln u1) cos(2 pi u2)
// (Box-Muller), with:
//
//   ln u1 (nz_ln): u1 = 2^e f, f in [sqrt(1/2), sqrt(2)) (frexp, exact), x = f - 1 (exact),
//     s = x / (2 + x), ln f = 2 atanh(s) = x - (x^2/2 - s (x^2/2 + R)), R = sum 2 s^2k / (2k + 1)
//     for k = 1 .. 11 (|s| <= 0.1716: the next term is below 2^-60 of ln f), and e ln 2 added
//     in two parts (NZ_LN2_HI has 42 significant bits, so e NZ_LN2_HI is exact);
//   cos 2 pi u2 (nz_cos2pi): the quarter turn n = round(4 u2) and r = u2 - n/4 in [-1/8, 1/8]
//     from the integer (exact); theta = 2 pi |r| as a pair th + tl (2 pi = NZ_P1 + NZ_P2,
//     NZ_P1 of 26 bits, |r| split into 26 + 25 bits: both products exact), then
//     cos theta = w + ((1 - w) - z/2) + (z^2 C(z) - th tl), w = 1 - z/2, z = th^2, C's Taylor
//     coefficients 1/4! .. 1/20! (alternating), or sin theta = th + (tl + th z S(z)),
//     S's 1/3! .. 1/19!, by the quarter: cos, -sin, -cos, sin (sin with r's sign).
//
// Accuracy (tests/frontends/test_noise.c, against long double): ln within 1 ulp and cos within
// 1 ulp over every argument class Box-Muller gives, the value within 2 ulp of the exact one.

#ifndef WMEL_KERNELS_NOISE_H
#define WMEL_KERNELS_NOISE_H

// splitmix64's step
NZ_FN NZ_U64 nz_sm64(NZ_U64 z)
{
    z = z + 0x9E3779B97F4A7C15UL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}

// ln(m 2^-53) for an integer 1 <= m <= 2^53
NZ_FN double nz_ln(NZ_U64 m)
{
    int e;
    precise double f = NZ_FREXP(DMUL(NZ_U2D(m), NZ_D(1.1102230246251565e-16)), e); // 2^-53
    if (f < NZ_D(0.70710678118654752)) {
        f = DADD(f, f);
        e = e - 1;
    }
    precise double x = DSUB(f, NZ_D(1.0));
    precise double s = DDIV(x, DADD(NZ_D(2.0), x));
    precise double z = DMUL(s, s);
    precise double p = NZ_D(0.08695652173913043); // 2 / 23, then Horner down to 2 / 3
    p = DADD(DMUL(p, z), NZ_D(0.09523809523809523));
    p = DADD(DMUL(p, z), NZ_D(0.10526315789473684));
    p = DADD(DMUL(p, z), NZ_D(0.11764705882352941));
    p = DADD(DMUL(p, z), NZ_D(0.13333333333333333));
    p = DADD(DMUL(p, z), NZ_D(0.15384615384615385));
    p = DADD(DMUL(p, z), NZ_D(0.18181818181818182));
    p = DADD(DMUL(p, z), NZ_D(0.2222222222222222));
    p = DADD(DMUL(p, z), NZ_D(0.2857142857142857));
    p = DADD(DMUL(p, z), NZ_D(0.4));
    p = DADD(DMUL(p, z), NZ_D(0.6666666666666666));
    precise double ser = DMUL(z, p); // R above (R is the shaders' real type)
    precise double hfsq = DMUL(NZ_D(0.5), DMUL(x, x));
    precise double de = NZ_I2D(e);
    precise double corr = DADD(DMUL(s, DADD(hfsq, ser)), DMUL(de, NZ_D(5.497923018708371e-14))); // e NZ_LN2_LO
    precise double y = DADD(DMUL(de, NZ_D(0.6931471805598903)), DSUB(x, DSUB(hfsq, corr)));  // e NZ_LN2_HI
    return y;
}

// sin(th + tl), |th| <= pi/4, |tl| tiny
NZ_FN double nz_sin_k(double th, double tl)
{
    precise double z = DMUL(th, th);
    precise double p = NZ_D(-8.22063524662433e-18); // -1/19!, then Horner down to -1/3!
    p = DADD(DMUL(p, z), NZ_D(2.8114572543455206e-15));
    p = DADD(DMUL(p, z), NZ_D(-7.647163731819816e-13));
    p = DADD(DMUL(p, z), NZ_D(1.6059043836821613e-10));
    p = DADD(DMUL(p, z), NZ_D(-2.505210838544172e-08));
    p = DADD(DMUL(p, z), NZ_D(2.7557319223985893e-06));
    p = DADD(DMUL(p, z), NZ_D(-0.0001984126984126984));
    p = DADD(DMUL(p, z), NZ_D(0.008333333333333333));
    p = DADD(DMUL(p, z), NZ_D(-0.16666666666666666));
    precise double y = DADD(th, DADD(tl, DMUL(DMUL(th, z), p)));
    return y;
}

// cos(th + tl), |th| <= pi/4, |tl| tiny
NZ_FN double nz_cos_k(double th, double tl)
{
    precise double z = DMUL(th, th);
    precise double p = NZ_D(4.110317623312165e-19); // 1/20!, then Horner down to 1/4!
    p = DADD(DMUL(p, z), NZ_D(-1.5619206968586225e-16));
    p = DADD(DMUL(p, z), NZ_D(4.779477332387385e-14));
    p = DADD(DMUL(p, z), NZ_D(-1.1470745597729725e-11));
    p = DADD(DMUL(p, z), NZ_D(2.08767569878681e-09));
    p = DADD(DMUL(p, z), NZ_D(-2.755731922398589e-07));
    p = DADD(DMUL(p, z), NZ_D(2.48015873015873e-05));
    p = DADD(DMUL(p, z), NZ_D(-0.001388888888888889));
    p = DADD(DMUL(p, z), NZ_D(0.041666666666666664));
    precise double hz = DMUL(NZ_D(0.5), z);
    precise double w = DSUB(NZ_D(1.0), hz);
    precise double tail = DSUB(DMUL(DMUL(z, z), p), DMUL(th, tl));
    precise double y = DADD(w, DADD(DSUB(DSUB(NZ_D(1.0), w), hz), tail));
    return y;
}

// cos(2 pi b 2^-53) for an integer 0 <= b < 2^53
NZ_FN double nz_cos2pi(NZ_U64 b)
{
    const NZ_U64 n = (b + 0x4000000000000UL) >> 51; // round(b / 2^51): the quarter, 0 .. 4
    const NZ_U64 q = n << 51;
    const int neg = b < q ? 1 : 0;
    const NZ_U64 ra = b < q ? q - b : b - q; // |r| 2^53 <= 2^50
    const NZ_U64 rh = ra & 0xFFFFFFFFFE000000UL, rl = ra & 0x1FFFFFFUL;
    const double two53 = NZ_D(1.1102230246251565e-16); // 2^-53
    precise double a = DMUL(DMUL(NZ_U2D(rh), two53), NZ_D(6.283185243606567));  // exact
    precise double c = DMUL(DMUL(NZ_U2D(rl), two53), NZ_D(6.283185243606567));  // exact
    precise double d = DMUL(DMUL(NZ_U2D(ra), two53), NZ_D(6.357301909411278e-08)); // |r| NZ_P2
    precise double bc = DADD(c, d);
    precise double th = DADD(a, bc);
    precise double tl = DSUB(bc, DSUB(th, a));
    const NZ_U64 quarter = n & 3UL;
    if (quarter == 0UL) return nz_cos_k(th, tl);
    if (quarter == 2UL) return -nz_cos_k(th, tl);
    precise double sn = nz_sin_k(th, tl);
    return (quarter == 1UL ? 1 : 0) != neg ? -sn : sn; // -sin(theta) at 1, sin(theta) at 3; r's sign
}

// the standard normal deviate of (seed, t, j)
NZ_FN double nz_gauss(NZ_U32 seed, NZ_U64 t, NZ_U32 j)
{
    const NZ_U64 k = nz_sm64(nz_sm64(NZ_TO_U64(seed)) ^ t);
    const NZ_U64 j2 = NZ_TO_U64(j) << 1;
    const NZ_U64 a = nz_sm64(k ^ j2), b = nz_sm64(k ^ (j2 + 1UL));
    precise double l = nz_ln((a >> 11) + 1UL);
    precise double r = DSQRT(DMUL(NZ_D(-2.0), l));
    precise double y = DMUL(r, nz_cos2pi(b >> 11));
    return y;
}

#endif
