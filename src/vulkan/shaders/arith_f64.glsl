/*
 * arith_f64.glsl -- the shaders' arithmetic in float64 (devices with shaderFloat64): R
 * and its storage type RS are double. GLSL has no float64 log, so r_log is wmel's own:
 * x = 2^e m with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s), s = (m - 1) / (m + 1),
 * |s| <= 0.1716, by its odd series to s^27 (the next term is below 2^-60 of the sum),
 * and e ln 2 added in two parts (ln 2 = LN2_HI + LN2_LO, LN2_HI with 32 significant
 * bits so that e LN2_HI is exact).
 */
#ifndef WMEL_ARITH_GLSL
#define WMEL_ARITH_GLSL

#define R double
#define RS double

R r_from_s(RS v) { return v; }
RS r_to_s(R v) { return v; }
R r_from_f(float v) { return double(v); }
float r_to_f(R v) { return float(v); }
R r_add(R a, R b) { precise R r = a + b; return r; }
R r_sub(R a, R b) { precise R r = a - b; return r; }
R r_mul(R a, R b) { precise R r = a * b; return r; }
R r_div(R a, R b) { precise R r = a / b; return r; }
R r_sqrt(R a) { return sqrt(a); }
R r_neg(R a) { return -a; }
R r_max(R a, R b) { return a < b ? b : a; }
bool r_lt(R a, R b) { return a < b; }

/* The correction step for a device whose division or square root rounds differently from
 * IEEE's (f64check.c finds it so, and finds the corrected ones exact): the device's quotient
 * q0 of a / b (or root s0 of a) refined once, q1 = q0 + (a - b q0) / b, then moved to its
 * neighbour where the exact residual of q1 says a / b (sqrt a) lies past the midpoint
 * between them: IEEE's correctly rounded result where the device's result is within about
 * 2^-26 of the exact one. The residuals are Dekker's exact product (Veltkamp's split, every
 * operation `precise`), not fma, which Vulkan does not promise fused. Outside 1e-270 ..
 * 1e270 (the operands, the result) the device's own result is kept. */
double r_away(double x) /* the next double from finite x != 0, away from zero */
{
    uvec2 u = unpackDouble2x32(x);
    u.x += 1u;
    if (u.x == 0u) u.y += 1u;
    return packDouble2x32(u);
}
double r_toward(double x) /* the next double toward zero */
{
    uvec2 u = unpackDouble2x32(x);
    if (u.x == 0u) u.y -= 1u;
    u.x -= 1u;
    return packDouble2x32(u);
}
bool r_fix_range(double x) { return x >= 1e-270LF && x <= 1e270LF; }

/* c - x y, exact where it is a double (x y within a factor 2 of c) */
double r_resid(double x, double y, double c)
{
    precise double p = x * y;
    precise double t = 134217729.0LF * x; /* 2^27 + 1 */
    precise double xh = t - (t - x);
    precise double xl = x - xh;
    t = 134217729.0LF * y;
    precise double yh = t - (t - y);
    precise double yl = y - yh;
    precise double e = ((xh * yh - p) + xh * yl + xl * yh) + xl * yl; /* x y = p + e exactly */
    precise double r = (c - p) - e;
    return r;
}

R r_div_fix(R q0, R a, R b)
{
    precise double A = abs(a), B = abs(b), Q = abs(q0);
    if (!r_fix_range(A) || !r_fix_range(B) || !r_fix_range(Q)) return q0;
    precise double d0 = r_resid(Q, B, A) / B;
    precise double q = Q + d0;
    if (!r_fix_range(q)) return q0;
    precise double r = r_resid(q, B, A); /* exact: a / b = q + r / b */
    precise double up = r_away(q), dn = r_toward(q);
    precise double hu = B * (up - q) * 0.5LF, hd = B * (q - dn) * 0.5LF; /* exact: powers of two times B */
    if (r > hu) q = up;
    else if (-r > hd) q = dn;
    return q0 < 0.0LF ? -q : q;
}

R r_sqrt_fix(R s0, R a)
{
    if (!r_fix_range(a) || !r_fix_range(s0)) return s0;
    precise double d0 = r_resid(s0, s0, a) / (s0 + s0);
    precise double s = s0 + d0;
    precise double r = r_resid(s, s, a); /* exact: a = s^2 + r */
    precise double up = r_away(s), dn = r_toward(s);
    /* past the midpoints: a > (s + u/2)^2 iff a - s^2 - s u > 0 (a multiple of u^2, s u
       exact), and a < (s - d/2)^2 iff a - s^2 + s d <= 0: the signs survive the rounding */
    precise double tu = r - s * (up - s), td = r + s * (s - dn);
    if (tu > 0.0LF) s = up;
    else if (td <= 0.0LF) s = dn;
    return s;
}

R r_log(R x)
{
    if (!(x > 0.0LF)) return x == 0.0LF ? -1.0LF / 0.0LF : (x - x) / (x - x); /* -inf; NaN */
    if (isinf(x)) return x;
    int e;
    precise double m = frexp(x, e); /* x = m 2^e, m in [1/2, 1) */
    if (m < 0.70710678118654752440LF) {
        m = m * 2.0LF;
        e = e - 1;
    }
    precise double s = (m - 1.0LF) / (m + 1.0LF);
    precise double s2 = s * s;
    /* 2 (s + s^3/3 + ... + s^27/27), Horner from the top */
    precise double p = 1.0LF / 27.0LF;
    p = p * s2 + 1.0LF / 25.0LF;
    p = p * s2 + 1.0LF / 23.0LF;
    p = p * s2 + 1.0LF / 21.0LF;
    p = p * s2 + 1.0LF / 19.0LF;
    p = p * s2 + 1.0LF / 17.0LF;
    p = p * s2 + 1.0LF / 15.0LF;
    p = p * s2 + 1.0LF / 13.0LF;
    p = p * s2 + 1.0LF / 11.0LF;
    p = p * s2 + 1.0LF / 9.0LF;
    p = p * s2 + 1.0LF / 7.0LF;
    p = p * s2 + 1.0LF / 5.0LF;
    p = p * s2 + 1.0LF / 3.0LF;
    precise double lm = 2.0LF * s + 2.0LF * s * s2 * p;
    const double LN2_HI = 0.69314718036912381649017333984375LF; /* 2^-32 floor(2^32 ln 2) */
    const double LN2_LO = 1.9082149292705877e-10LF;   /* ln 2 - LN2_HI */
    precise double de = double(e);
    return de * LN2_HI + (lm + de * LN2_LO);
}

#endif
