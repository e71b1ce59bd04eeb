/*
 * ffcheck.comp -- the float-float self-test (src/vulkan/ffcheck.c runs it once per device
 * and process before a float-float ctx): for each case i, the operands a = in[i].xy and
 * b = in[i].zw (float-float pairs, hi, lo) through each primitive of arith_ff.glsl that
 * frames.comp uses, built exactly as frames.comp is (the same file, the same `precise`,
 * the same compiler flags and float controls), out[8 i + k] primitive k's result:
 *   0 ff_two_sum(a.hi, b.hi)   1 ff_two_prod(a.hi, b.hi)   2 r_add(a, b)   3 r_sub(a, b)
 *   4 r_mul(a, b)              5 r_div(a, b)               6 r_sqrt(a)     7 r_log(a)
 * The host compares each with the exact value. BREAK (a specialisation constant, the
 * testing switch WMEL_VULKAN_FFCHECK_BREAK) breaks one primitive on purpose, so that a test
 * can see the verdict refuse it: 1 r_mul without the two-product's error term (what a
 * device that contracts a * b - p into fma(a, b, -p) computed unfused, or drops `precise`,
 * gives), 2 r_add without the two-sum's error term (what reassociation gives).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#define WMEL_ARITH_FF 1
#include "arith_ff.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const int BREAK = 0;
layout(std430, binding = 0) readonly buffer In { vec4 cases[]; };
layout(std430, binding = 1) writeonly buffer Out { vec2 res[]; };
layout(push_constant) uniform P { uint n; } pc;

R mul_broken(R a, R b)
{
    precise float p = a.x * b.x;
    precise float e = a.x * b.y + a.y * b.x;
    return ff_fast_two_sum(p, e);
}

R add_broken(R a, R b)
{
    precise float s = a.x + b.x;
    precise float e = a.y + b.y;
    return ff_fast_two_sum(s, e);
}

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= pc.n)
        return;
    vec4 c = cases[i];
    R a = vec2(c.x, c.y);
    R b = vec2(c.z, c.w);
    res[8u * i + 0u] = ff_two_sum(a.x, b.x);
    res[8u * i + 1u] = ff_two_prod(a.x, b.x);
    res[8u * i + 2u] = BREAK == 2 ? add_broken(a, b) : r_add(a, b);
    res[8u * i + 3u] = r_sub(a, b);
    res[8u * i + 4u] = BREAK == 1 ? mul_broken(a, b) : r_mul(a, b);
    res[8u * i + 5u] = r_div(a, b);
    res[8u * i + 6u] = r_sqrt(a);
    res[8u * i + 7u] = r_log(a);
}
