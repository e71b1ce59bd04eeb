/*
 * f64check.comp -- the float64 self-test (src/vulkan/f64check.c runs it once per device and
 * driver in the process before a float64 ctx): for each case i, a = in[i].x and b = in[i].y
 * through the float64 operations the device's frames and finish take from arith_f64.glsl
 * (built exactly as frames.comp's and finish.comp's float64 variants), res[4 i + k]
 * operation k's result:
 *   0 r_div(a, b)   1 r_sqrt(a)   2 r_log(a)   3 r_mul(a, b)
 * The host compares the division, the square root and the product bit for bit with its
 * own (IEEE's correctly rounded results), the log with the exact value in long double.
 * BREAK (a specialisation constant, the testing switch WMEL_VULKAN_F64CHECK_BREAK) rounds
 * the division differently on purpose, a * (1 / b) (what a device whose division is a
 * reciprocal and a product gives), so that a test can see the verdict refuse it.
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

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= pc.n)
        return;
    dvec2 c = cases[i];
    res[4u * i + 0u] = BREAK == 1 ? div_broken(c.x, c.y) : r_div(c.x, c.y);
    res[4u * i + 1u] = r_sqrt(c.x);
    res[4u * i + 2u] = r_log(c.x);
    res[4u * i + 3u] = r_mul(c.x, c.y);
}
