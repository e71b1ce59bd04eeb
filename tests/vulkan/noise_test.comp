/*
 * noise_test.comp -- the dither's noise on the device alone (test_vulkan_dither): case i,
 * (seed, t's low and high words, j) = cases[i], gives res[i] = nz_gauss(seed, t, j) through
 * src/vulkan/shaders/noise.glsl, the text frames.comp's WMEL_NOISE includes, which the host
 * compares bit for bit with wmel_dither_gauss. Built with `precise` defined away too, so
 * that the NoContraction check (check_no_contraction.cmake) is seen to fail without it.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_ARB_gpu_shader_int64 : require
#include "noise.glsl"

layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer In { uvec4 cases[]; };
layout(std430, binding = 1) writeonly buffer Out { double res[]; };
layout(push_constant) uniform P { uint n; } pc;

void main()
{
    const uint i = gl_GlobalInvocationID.x;
    if (i >= pc.n) return;
    const uvec4 c = cases[i];
    res[i] = nz_gauss(c.x, packUint2x32(c.yz), c.w);
}
