/*
 * fe_ln.h -- wmel's natural log of doubles, written once and instantiated for a scalar
 * double (every scalar path: the C level's columns, the log energies, the float64
 * reference) and for each level's vector of doubles (fe_lanes.inc), so that every level,
 * processor and platform computes each log with the same operations in the same order,
 * and so the same bits (libm's log differs between libm versions and platforms). Built
 * with multiply-add contraction off (CMakeLists.txt), as is every file that uses it.
 *
 * For positive normal doubles (callers clamp at a positive normal guard; plans refuse
 * guards and floors below DBL_MIN): x = 2^e m with m in [sqrt(1/2), sqrt(2)),
 * ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716, by its series to s^13: the
 * terms left out sum to less than 2 s^15 / 15 / (1 - s^2) < 5e-13, an absolute error 4e7
 * times below the 2e-5 bar and 900 times below half a float32 ulp of any |ln x| >= 2^-7
 * (the outputs are float32); the rest is rounding, a few ulp of double. e and m come from
 * the bits with integer adds, one logical shift and masks: u = bits + (pattern of 1 -
 * pattern of sqrt(1/2)) has the exponent field e + 1023 (x is positive, so u is too), and
 * m's pattern is bits with e taken out of its exponent field.
 *
 *   WMEL_FE_LN_DEF(NAME, VD, VL, VU)  defines static inline VD NAME(VD x) for the double
 *                                     type VD (a double or a GCC vector of doubles) and
 *                                     the signed / unsigned 64-bit integer types VL / VU
 *                                     of its shape
 */
#ifndef WMEL_FE_LN_H
#define WMEL_FE_LN_H

#include <string.h>

#define WMEL_FE_LN_DEF(NAME, VD, VL, VU)                                                         \
    static inline VD NAME(VD x)                                                                  \
    {                                                                                            \
        VL bits;                                                                                 \
        memcpy(&bits, &x, sizeof bits);                                                          \
        const VL u = bits + (0x3ff0000000000000LL - 0x3fe6a09e667f3bcdLL);                       \
        const VL mb = bits - (u & -0x10000000000000LL) + 0x3ff0000000000000LL; /* 0xfff0... */   \
        /* e + 1023 (0 .. 2047) in the low bits of 2^52's pattern is the double 2^52 + e +       \
           1023 */                                                                               \
        const VL eb = (VL)((VU)u >> 52) | 0x4330000000000000LL;                                  \
        VD m, ed;                                                                                \
        memcpy(&m, &mb, sizeof m);                                                               \
        memcpy(&ed, &eb, sizeof ed);                                                             \
        ed -= 4503599627370496.0 + 1023.0;                                                       \
        const VD sv = (m - 1.0) / (m + 1.0), s2 = sv * sv, s4 = s2 * s2;                         \
        /* 2 atanh(s) / s = sum 2 s2^k / (2 k + 1), k <= 6, in pairs (a shorter chain) */       \
        const VD t01 = 2.0 + s2 * (2.0 / 3.0), t23 = 2.0 / 5.0 + s2 * (2.0 / 7.0);               \
        const VD t45 = 2.0 / 9.0 + s2 * (2.0 / 11.0);                                            \
        const VD t = t01 + s4 * (t23 + s4 * (t45 + s4 * (2.0 / 13.0)));                          \
        return ed * 0.6931471805599453094 + sv * t;                                              \
    }

/* ln x and log10 x of one positive normal double */
WMEL_FE_LN_DEF(wmel__ln, double, long long, unsigned long long)
#define WMEL_LOG10_E 0.43429448190325182765
static inline double wmel__log10(double x) { return wmel__ln(x) * WMEL_LOG10_E; }

#endif
