/*
 * gelu_body.h -- the exact-erf GELU, gelu(x) = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)),
 * over arrays in GCC/Clang vector extensions. Included once per instruction set by
 * cpu/gelu_c.c (16-byte vectors), cpu/x86/gelu_avx2.c (32) and gelu_avx512.c (64), each compiled with
 * its own flags, after defining GELU_W (floats per vector) and GELU_FN (the function).
 *
 * Not 1 + erf: for x < 0 that cancels (gelu(-5) = -1.4e-6 would keep ~1 correct digit).
 * Instead the lower tail q(a) = Phi(-a) = 0.5 erfc(a / sqrt 2), a = |x|, is computed to
 * ~3e-7 relative everywhere, and gelu = x < 0 ? x q : x (1 - q) (q <= 0.5, so 1 - q is
 * exact enough). q follows the classic erfc shape
 *     q(a) = exp(-a^2 / 2) * t * P(t),   t = 4 / (4 + a)  (in (0.2, 1] for a <= 16),
 * where F(t) = q * exp(a^2 / 2) / t is smooth and bounded (0.5 at a = 0, -> 0.0997 as
 * a -> inf), so one degree-9 polynomial fits it on all of [0, 16]: coefficients fitted for
 * this file (Lawson-weighted least squares for minimum relative error, mpmath erfc as the
 * target; fit error 1.0e-8 before rounding to float). exp(-a^2 / 2) keeps a^2 exact as
 * hi + lo (a split into 12 high bits and the rest, Dekker-style, so no FMA is needed on
 * the portable path); reduction r = -a^2/2 - k ln2 with ln2 in two parts; exp(r) by a
 * degree-6 minimax polynomial (1.9e-9 on |r| <= ln2/2); 2^k applied as two factors so
 * that results below FLT_MIN underflow gradually instead of wrapping the exponent.
 *
 * Special values, all without branches: a is clamped to 16 (NaN -> 16 too, so no lane
 * ever converts a NaN to an integer); beyond it q underflows to 0, so gelu(x) = x for
 * x >= 16 (+inf -> +inf); x < -16 is replaced by -16 before the final product, giving
 * -0 for x <= -16 and -inf (not -inf * 0 = NaN); NaN stays NaN through that product.
 * Denormal x give 0.5 x. Lengths need not be multiples of the vector: the tail goes
 * through a zero-padded vector.
 */
#include <stdint.h>
#include <string.h>

typedef float gv __attribute__((vector_size(GELU_W * 4)));
typedef int32_t gi __attribute__((vector_size(GELU_W * 4)));

static inline gv gsel(gi m, gv a, gv b) /* m ? a : b, lane by lane (m: 0 or -1) */
{
    return (gv)((m & (gi)a) | (~m & (gi)b));
}

static inline gv gelu_v(gv x)
{
    const gv zero = {0};
    gv ax = (gv)((gi)x & 0x7fffffff);
    gv a = gsel(ax < 16.0f, ax, zero + 16.0f); /* NaN compares false: 16 */

    /* a^2 / 2 = hi + lo exactly: ah has 12 significant bits, so ah * ah is exact */
    gv ah = (gv)((gi)a & -4096);
    gv al = a - ah;
    gv hi = 0.5f * ah * ah;
    gv lo = 0.5f * al * (a + ah);

    /* exp(-(hi + lo)) = 2^k exp(r); k by the round-to-nearest shifter (1.5 * 2^23) */
    gv kf = (-(hi + lo) * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    gv r = (-hi - kf * 0.693145751953125f) - lo; /* ln2 high part: 15 bits, k * it exact */
    r = r - kf * 1.42860682030941723e-6f;        /* ln2 - high part */
    gv e = zero + 1.383684226e-3f;
    e = e * r + 8.374815807e-3f;
    e = e * r + 4.166822508e-2f;
    e = e * r + 1.666641980e-1f;
    e = e * r + 4.999999106e-1f;
    e = e * r + 1.0f;
    e = e * r + 1.0f;

    gv t = 4.0f / (4.0f + a);
    gv p = zero + 1.767398231e-2f;
    p = p * t - 6.886252761e-2f;
    p = p * t + 6.626136601e-2f;
    p = p * t + 8.452716284e-3f;
    p = p * t + 2.980038896e-2f;
    p = p * t + 7.720115036e-2f;
    p = p * t + 7.537857443e-2f;
    p = p * t + 9.476498514e-2f;
    p = p * t + 9.958650172e-2f;
    p = p * t + 9.974286705e-2f;

    gi k = __builtin_convertvector(kf, gi); /* in [-185, 0] */
    gi k1 = k >> 1, k2 = k - k1;            /* each >= -93: 2^k1, 2^k2 are normal */
    gv s1 = (gv)((k1 + 127) << 23), s2 = (gv)((k2 + 127) << 23);
    gv m = e * (t * p); /* q = m 2^k */

    /* x < 0: gelu = x q, with x multiplied in before the scaling, so that a result near
     * or below FLT_MIN is rounded once (q itself is subnormal from x = -13.1 on) */
    gv xc = gsel(x < -16.0f, zero - 16.0f, x);
    gv neg = ((xc * m) * s1) * s2;
    gv pos = xc * (1.0f - (m * s1) * s2);
    return gsel(x < 0.0f, neg, pos);
}

static void GELU_FN(const float *x, float *y, size_t n)
{
    size_t i = 0;
    for (; i + GELU_W <= n; i += GELU_W) {
        gv v;
        memcpy(&v, x + i, sizeof v);
        v = gelu_v(v);
        memcpy(y + i, &v, sizeof v);
    }
    if (i < n) {
        gv v = {0};
        memcpy(&v, x + i, (n - i) * sizeof(float));
        v = gelu_v(v);
        memcpy(y + i, &v, (n - i) * sizeof(float));
    }
}
