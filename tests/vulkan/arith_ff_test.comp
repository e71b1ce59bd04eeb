#version 450
#extension GL_GOOGLE_include_directive : require
// Test shader for src/vulkan/shaders/arith_ff.glsl: out[i] = op(a[i], b[i]) for the op in the
// push constants.  Driven by tests/vulkan/test_arith_ff.c.
#define WMEL_ARITH_FF
#include "arith_ff.glsl"

layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer A { RS a[]; };
layout(std430, binding = 1) readonly buffer B { RS b[]; };
layout(std430, binding = 2) writeonly buffer O { RS o[]; };
layout(push_constant) uniform P { uint op; uint n; } pc;

// The float-float product with TwoProd by fma(): right only where fma() is fused.
R mul_by_fma(R x, R y)
{
    precise float p = x.x * y.x;
    precise float e = fma(x.x, y.x, -p);
    precise float e2 = e + (x.x * y.y + x.y * y.x);
    return ff_fast_two_sum(p, e2);
}

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= pc.n)
        return;
    R x = r_from_s(a[i]);
    R y = r_from_s(b[i]);
    R r;
    switch (pc.op) {
    case 0u: r = r_add(x, y); break;
    case 1u: r = r_sub(x, y); break;
    case 2u: r = r_mul(x, y); break;
    case 3u: r = r_div(x, y); break;
    case 4u: r = r_sqrt(x); break;
    case 5u: r = r_log(x); break;
    case 6u: r = r_mul_f(x, y.x); break;
    case 7u: r = r_add_f(x, y.x); break;
    case 8u: r = r_neg(x); break;
    case 9u: r = r_max(x, y); break;
    case 10u: r = vec2(r_lt(x, y) ? 1.0 : 0.0, 0.0); break;
    case 11u: r = vec2(r_to_f(x), 0.0); break;
    case 12u: r = r_from_f(x.x); break;
    case 13u: r = mul_by_fma(x, y); break;
    default: r = vec2(0.0); break;
    }
    o[i] = r_to_s(r);
}
