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
