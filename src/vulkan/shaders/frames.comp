/*
 * frames.comp -- one workgroup per frame: the frame's samples (the host's padded, scaled
 * signal at starts[f]), DC removal, raw energy, frame pre-emphasis, window, windowed
 * energy, a direct DFT of the zero-padded frame (exact table, index j k mod n_fft: any
 * n_fft), power or magnitude with its guard, the sparse mel bank and the plan's log; the
 * frame's n_cols values to out[f n_cols ..]. The stages and their order are those of the
 * float64 reference (src/ref/fe_ref.c). All arithmetic goes through arith_*.glsl
 * (float64, or float-float with -DWMEL_ARITH_FF), constants come from the host's table.
 */
#version 450
#extension GL_GOOGLE_include_directive : require

#ifdef WMEL_ARITH_FF
#include "arith_ff.glsl"
#else
#include "arith_f64.glsl"
#endif

#define WG 64
layout(local_size_x = WG) in;
/* the largest frame and spectrum of the plan (set when the pipeline is made) */
layout(constant_id = 0) const int MAX_FL = 400;
layout(constant_id = 1) const int MAX_BINS = 201;

/* vk_host.h's VKW_I_* and VKW_T_* */
layout(std430, binding = 0) readonly buffer Tab { RS tab[]; };
layout(std430, binding = 1) readonly buffer Ints { int ints[]; };
layout(std430, binding = 2) readonly buffer Sig { RS sig[]; };
layout(std430, binding = 3) readonly buffer Starts { uint starts[]; };
layout(std430, binding = 4) writeonly buffer Out { RS outv[]; };
layout(push_constant) uniform PC { uint n_frames; } pc;

shared R fr[MAX_FL];
shared R spec[MAX_BINS];
shared R energy;

R tval(int i) { return r_from_s(tab[i]); }

R energy_of(int fl)
{
    R e = tval(6);
    for (int j = 0; j < fl; j++) e = r_add(e, r_mul(fr[j], fr[j]));
    e = r_log(r_max(e, tval(3)));
    if (ints[12] != 0) e = r_max(e, tval(4));
    return e;
}

void main()
{
    const uint f = gl_WorkGroupID.x;
    if (f >= pc.n_frames) return;
    const int lid = int(gl_LocalInvocationID.x);
    const int N = ints[0], fl = ints[1], nbins = ints[2], n_mels = ints[3], n_cols = ints[4];
    const int use_energy = ints[5], energy_mode = ints[7];
    const uint start = starts[f];

    for (int j = lid; j < fl; j += WG) fr[j] = r_from_s(sig[start + uint(j)]);
    barrier();
    if (lid == 0) {
        if (ints[6] != 0) { /* DC removal */
            R s = tval(6);
            for (int j = 0; j < fl; j++) s = r_add(s, fr[j]);
            R mean = r_div(s, tval(8));
            for (int j = 0; j < fl; j++) fr[j] = r_sub(fr[j], mean);
        }
        if (energy_mode == 1) energy = energy_of(fl);
        if (ints[8] != 0) { /* pre-emphasis within the frame */
            R pe = tval(0);
            for (int j = fl - 1; j > 0; j--) fr[j] = r_sub(fr[j], r_mul(pe, fr[j - 1]));
            fr[0] = r_sub(fr[0], r_mul(pe, fr[0]));
        }
    }
    barrier();
    const int wo = ints[13];
    for (int j = lid; j < fl; j += WG) fr[j] = r_mul(fr[j], tval(wo + j));
    barrier();
    if (lid == 0 && energy_mode == 2) energy = energy_of(fl);

    const int co = ints[14], so = ints[15], guard = ints[10], pw = ints[9];
    for (int k = lid; k < nbins; k += WG) {
        R re = tval(6), im = tval(6);
        int idx = 0; /* j k mod N */
        for (int j = 0; j < fl; j++) {
            re = r_add(re, r_mul(fr[j], tval(co + idx)));
            im = r_sub(im, r_mul(fr[j], tval(so + idx)));
            idx += k;
            if (idx >= N) idx -= N;
        }
        R p = r_add(r_mul(re, re), r_mul(im, im));
        if (guard == 1) p = r_max(p, tval(1));
        else if (guard == 2) p = r_add(p, tval(1));
        spec[k] = pw == 2 ? p : r_sqrt(p);
    }
    barrier();

    const int mo = ints[16], lo_at = ints[17], len_at = ints[18], off_at = ints[19], lmode = ints[11];
    const uint ob = f * uint(n_cols);
    for (int m = lid; m < n_mels; m += WG) {
        const int lo = ints[lo_at + m], len = ints[len_at + m], off = ints[off_at + m];
        R acc = tval(6);
        for (int i = 0; i < len; i++) acc = r_add(acc, r_mul(tval(mo + off + i), spec[lo + i]));
        if (lmode == 1) acc = r_mul(r_log(r_max(acc, tval(2))), tval(5));
        else if (lmode == 2) acc = r_log(r_add(acc, tval(2)));
        else if (lmode == 3) acc = r_log(r_max(acc, tval(2)));
        outv[ob + uint(use_energy + m)] = r_to_s(acc);
    }
    if (lid == 0 && use_energy != 0) outv[ob] = r_to_s(energy);
}
