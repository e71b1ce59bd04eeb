/*
 * f64check.comp -- the float64 self-test (src/vulkan/f64check.c runs it once per device and
 * driver in the process before a float64 ctx): for each case i, a = in[i].x and b = in[i].y
 * through the float64 operations the device's frames and finish take from arith_f64.glsl
 * (built exactly as frames.comp's and finish.comp's float64 variants), res[6 i + k]
 * operation k's result:
 *   0 r_div(a, b)   1 r_sqrt(a)   2 r_log(a)   3 r_mul(a, b)
 *   4 r_div_fix(r_div(a, b), a, b)   5 r_sqrt_fix(r_sqrt(a), a)   (the finish's correction step)
 * The host compares the division, the square root, the product and the corrected ones bit
 * for bit with its own (IEEE's correctly rounded results), the log with the exact value in
 * long double.
 * BREAK (a specialisation constant, the testing switch WMEL_VULKAN_F64CHECK_BREAK) rounds
 * the division differently on purpose, a * (1 / b) (what a device whose division is a
 * reciprocal and a product gives), so that a test can see the verdict refuse it, and the
 * correction step correct it: op 4 then corrects that division, op 5 a square root 2^-30
 * off (op 1 stays the device's).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "arith_f64.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const int BREAK = 0;
layout(std430, binding = 0) readonly buffer In { dvec2 cases[]; };
layout(std430, binding = 1) writeonly buffer Out { double res[]; };
layout(push_constant) uniform P { uint n; } pc;

R div_broken(R a, R b)
{
    precise R q = 1.0LF / b;
    precise R r = a * q;
    return r;
}

R sqrt_broken(R s)
{
    precise R r = s * (1.0LF + 1.0LF / 1073741824.0LF); /* 2^-30 off */
    return r;
}

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= pc.n)
        return;
    dvec2 c = cases[i];
    const R q = BREAK == 1 ? div_broken(c.x, c.y) : r_div(c.x, c.y), s = r_sqrt(c.x);
    res[6u * i + 0u] = q;
    res[6u * i + 1u] = s;
    res[6u * i + 2u] = r_log(c.x);
    res[6u * i + 3u] = r_mul(c.x, c.y);
#ifndef WMEL_F64CHECK_PLAIN
    res[6u * i + 4u] = r_div_fix(q, c.x, c.y);
    res[6u * i + 5u] = r_sqrt_fix(BREAK == 1 ? sqrt_broken(s) : s, c.x);
#else /* (bench/radv_f64check.sh: the division's code alone, without the correction step) */
    res[6u * i + 4u] = q;
    res[6u * i + 5u] = s;
#endif
}
