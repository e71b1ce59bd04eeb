/*
 * frames.comp -- FPG frames per workgroup (FPG x 64 invocations, 64 a frame): each frame's
 * samples framed here from the clip's float32 samples (the segment table's windows of the
 * clips: the frame's sample indices from its frame index, the hop and the plan's framing,
 * with the reflection or zeros of the padding, the scale and the signal or padded
 * pre-emphasis: wmel__fe_sample's and wmel__signal_span's rules), DC removal, raw energy,
 * frame pre-emphasis, window, windowed energy, the spectrum of the zero-padded frame, power
 * or magnitude with its guard, the sparse mel bank and the plan's log; the frame's n_cols
 * values to out[f n_cols ..]. The stages and their order are those of the float64
 * reference (src/ref/fe_ref.c). All arithmetic goes through arith_*.glsl (float64, or
 * float-float with -DWMEL_ARITH_FF), constants and twiddles come from the host's float64
 * table.
 *
 * The spectrum (specialisation constant FFT, chosen by the host per plan):
 * - FFT = 1: n_fft even, n_fft / 2 = M a product of 2, 3, 4, 5 and 8. The real frame is read
 *   as M complex values z[n] = x[2n] + i x[2n+1] (one array of n_fft reals: the frame in
 *   place), transformed in place by a mixed-radix decimation-in-time FFT (the host's
 *   radices, the constants RAD0 .., and the digit-reversed position of each z[n], so that each butterfly writes
 *   where it read and a stage needs no second buffer), then split into the n_fft-point
 *   spectrum: X[k] = Fe[k] + W^k Fo[k], X[M - k] = conj(Fe[k] - W^k Fo[k]) with
 *   Fe, Fo the transforms of the even and odd samples (Z[k] +- conj Z[M - k]). Twiddles
 *   are entries of the exact cos / sin table, index j k mod n_fft.
 * - FFT = 0: a direct DFT of the frame, any n_fft (other prime factors, odd n_fft).
 * The frame's sums (mean, energies) are tree reductions over the frame's 64 invocations.
 *
 * With WMEL_NOISE (the module frames_noise_f64: float64, 64-bit integers), a dithered plan's
 * frames: sample j of the clip's frame t, framed and scaled, plus dither x nz_gauss(seed, t,
 * j) (src/kernels/noise.h, the text the CPU's wmel_dither_gauss compiles: the CPU's bits),
 * before DC removal, the frame pre-emphasis' previous sample too (wmel__fe_noise's order).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#ifdef WMEL_NOISE
/* the dither's noise: splitmix64's 64-bit counters (shaderInt64) */
#extension GL_ARB_gpu_shader_int64 : require
#endif

#ifdef WMEL_ARITH_FF
#include "arith_ff.glsl"
#else
#include "arith_f64.glsl"
#endif

#define WG 64
/* set when the pipeline is made: the largest frame and spectrum of the plan, the
   algorithm, a frame's words of the shared array (FFT: n_fft; DFT: frame + spectrum; then
   WG words for the reductions where the plan has DC removal or an energy), the frames a
   workgroup and its invocations (FPG x WG) */
layout(constant_id = 0) const int MAX_FL = 400;
layout(constant_id = 1) const int MAX_BINS = 201;
layout(constant_id = 2) const int FFT = 1;
layout(constant_id = 3) const int SH_WORDS = 400;
layout(constant_id = 4) const int FPG = 1;
layout(local_size_x_id = 5) in; /* FPG x WG, the host's value */
/* the plan's framing (vk_internal.h's VKW_I_SMODE ..; the defaults are Whisper's): the
   signal's mode (0: pre-emphasis before the padding, 1: after it), the padding's rule (0
   zeros, 1 numpy's reflect, 2 the symmetric one), the signal and the padded pre-emphasis,
   NeMo's time mask, a scale of 1 (no multiply) */
layout(constant_id = 6) const int SMODE = 0;
layout(constant_id = 7) const int REFLECT = 1;
layout(constant_id = 8) const int SIGPRE = 0;
layout(constant_id = 9) const int PADPRE = 0;
layout(constant_id = 10) const int PADCUT = 0;
layout(constant_id = 11) const int SCALE_ONE = 1;
/* the FFT's radices, stage by stage (8, 4, 2, 3 or 5; 0 past the last: vk_internal.h's
   VKW_MAX_STAGES of them); the defaults are Whisper's 200 = 8 x 5 x 5 */
layout(constant_id = 12) const int RAD0 = 8;
layout(constant_id = 13) const int RAD1 = 5;
layout(constant_id = 14) const int RAD2 = 5;
layout(constant_id = 15) const int RAD3 = 0;
layout(constant_id = 16) const int RAD4 = 0;
layout(constant_id = 17) const int RAD5 = 0;
layout(constant_id = 18) const int RAD6 = 0;
/* 1: the frame's cepstra (the DCT of its log mels, wmel__fe_ceps) are its values, not the
   log energy and log mels */
layout(constant_id = 21) const int CEPS = 0; /* after the radices (vk_internal.h: VKW_MAX_STAGES) */
/* the count of each radix, and the sub-transform length the first stage of a radix joins */
#define RADN(r) ((RAD0 == r ? 1 : 0) + (RAD1 == r ? 1 : 0) + (RAD2 == r ? 1 : 0) + (RAD3 == r ? 1 : 0) + \
                 (RAD4 == r ? 1 : 0) + (RAD5 == r ? 1 : 0) + (RAD6 == r ? 1 : 0))
const int N8 = RADN(8), N4 = RADN(4), N2 = RADN(2), N3 = RADN(3), N5 = RADN(5);
const int L4 = (N8 > 0 ? 8 : 1) * (N8 > 1 ? 8 : 1) * (N8 > 2 ? 8 : 1) * (N8 > 3 ? 8 : 1);
const int L2 = L4 * (N4 > 0 ? 4 : 1), L3 = L2 * (N2 > 0 ? 2 : 1), L5 = L3 * (N3 > 0 ? 3 : 1) * (N3 > 1 ? 3 : 1);

/* vk_internal.h's VKW_I_* and VKW_T_* */
layout(std430, binding = 0) readonly buffer Tab { RS tab[]; };
layout(std430, binding = 1) readonly buffer Ints { int ints[]; };
layout(std430, binding = 2) readonly buffer Sig { float sig[]; };
/* vk_internal.h's VKW_S_*: the count, then a segment of VKW_S_WORDS words each */
layout(std430, binding = 3) readonly buffer Segs { int segs[]; };
layout(std430, binding = 4) writeonly buffer Out { RS outv[]; };
/* the same buffer as float32 (pc.out_f32 1 or 2): each segment's block at its first frame's
   n_cols words, [n_cols][k] for its k frames (VKW_S_K), Whisper's output layout; pc.out_f32 3:
   frame after frame, [frames][n_cols], the general plans' (one copy on the host) */
layout(std430, binding = 4) writeonly buffer OutF { float outf[]; };
/* and as uint (pc.out_f32 2): after the round's n_frames x n_cols values, segment s's
   largest value at word n_frames n_cols + s, as the key fkey (zeroed by the host's fill) */
layout(std430, binding = 4) buffer OutK { uint outk[]; };
/* the signal as int16 pairs (pc.sig_s16): sample k in the low (k even) or high half of word
   k / 2, divided by 32768 as the host would (exact) */
layout(std430, binding = 2) readonly buffer Sig16 { uint sig16[]; };
/* the round's frames, the output's form, int16 samples; the range flag's word of the output
   (0: none), set where a float32 sample read is not within [-lim, lim] (wmel__vk_submit); the
   dispatch's first frame (a round's frames in dispatches of at most wmel__vk_frame_cap) */
layout(push_constant) uniform PC { uint n_frames; uint out_f32; uint sig_s16; uint flag_at; float lim; uint base; } pc;

/* A float32's order-preserving key (the output's segment maxima): its bits with the sign
   bit set when it is positive, every bit flipped when negative; above 0 for every value */
uint fkey(float v)
{
    const uint u = floatBitsToUint(v);
    return (u & 0x80000000u) != 0u ? ~u : u | 0x80000000u;
}

/* frame s of the workgroup at sh[s SH_WORDS ..]; FFT: the frame, then z in place, then the
   spectrum; DFT: frame | spectrum; then, for a plan with reductions, their WG partial sums
   (a plan without them has no such words: pop2piano's 4096-point frame is 32 KiB) */
shared R sh[SH_WORDS * FPG];
int sb;                 /* this invocation's frame's first word in sh */
#define SH(i) sh[sb + (i)]

R tval(int i) { return r_from_s(tab[i]); }

/* The sum of v over the frame's invocations (a tree over the frame's last WG words, rb;
   uniform control flow). */
R wg_sum(R v, int lid, int rb)
{
    sh[rb + lid] = v;
    barrier();
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) sh[rb + lid] = r_add(sh[rb + lid], sh[rb + lid + s]);
        barrier();
    }
    R t = sh[rb];
    barrier();
    return t;
}

/* ---- the framing: sample i of the signal a frame reads (i from the clip's sample 0) ---- */
int g_base, g_lo, g_hi, g_n, g_nr; /* the segment: window [lo, hi) of the clip at sig[base]; n, reflection length */
int g_padl;
R g_scale, g_pe, g_zero;

/* the signal's sample k as float32: the float32 buffer's, or an int16 / 32768 */
/* the range flag's bits for the float32 samples this invocation read: 1 a finite sample past
   pc.lim, 2 one not finite (NaN or Inf: the CPU's WMEL_ERR_NOT_FINITE) */
uint g_bad = 0u;
float sig_at(int k)
{
    if (pc.sig_s16 != 0u) return float(bitfieldExtract(int(sig16[k >> 1]), (k & 1) * 16, 16)) * (1.0 / 32768.0);
    const float v = sig[k];
    /* not finite: the exponent's bits all set (bits, not isnan: a float-float module may be
       built without the controls that keep NaN's tests) */
    if (pc.flag_at != 0u && !(abs(v) <= pc.lim))
        g_bad |= (floatBitsToUint(v) & 0x7f800000u) == 0x7f800000u ? 2u : 1u;
    return v;
}

/* the scaled clip sample i, 0 <= i < n (outside the window, which the host makes cover
   every sample a frame reads: 0) */
R clip_at(int i)
{
    if (i < g_lo || i >= g_hi) return g_zero;
    const R x = r_from_f(sig_at(g_base + i - g_lo));
    return SCALE_ONE != 0 ? x : r_mul(g_scale, x);
}

/* sample i of a frame whose samples and the one before them are the clip's own, inside
   the window and before NeMo's mask (i - 1 >= 0): either mode's rule without the padding */
R raw_at(int i)
{
    const R x = r_from_f(sig_at(g_base + i - g_lo));
    return SCALE_ONE != 0 ? x : r_mul(g_scale, x);
}

R inner_at(int i)
{
    const R v = raw_at(i);
    if (SIGPRE != 0 || PADPRE != 0) return r_sub(v, r_mul(g_pe, raw_at(i - 1)));
    return v;
}

/* i folded into [0, nr) by the padding's rule (REFLECT: 0 zeros; 1 numpy's reflect
   x[-i] = x[i], each end once; 2 Kaldi's snip_edges=false rule, x[-1 - i] = x[i] about each
   end, again until inside: period 2 nr), then -1 where it falls outside [0, n): the
   padding's zeros. A framing with another rule adds its case here and its value on the host
   (backend.c, framing()). */
int fold(int i)
{
    if (i < 0 || i >= g_nr) {
        if (REFLECT == 0 || g_nr <= 0) return -1;
        if (REFLECT == 2) {
            const int p2 = 2 * g_nr, m = i >= 0 ? i % p2 : p2 - 1 - (-1 - i) % p2;
            i = m < g_nr ? m : p2 - 1 - m;
        } else {
            if (i < 0) i = -i;
            if (i >= g_nr) i = 2 * (g_nr - 1) - i;
            if (i < 0 || i >= g_nr) return -1;
        }
    }
    return i < g_n ? i : -1;
}

R padded_at(int i)
{
    const int k = fold(i);
    return k < 0 ? g_zero : clip_at(k);
}

R sample_at(int i)
{
    if (SMODE != 0) { /* the padded signal pre-emphasised, its first sample kept; NeMo's time mask */
        if (PADCUT != 0 && i >= g_n - g_padl) return g_zero;
        const R y = padded_at(i);
        if (PADPRE == 0 || i <= -g_padl) return y;
        return r_sub(y, r_mul(g_pe, padded_at(i - 1)));
    }
    const int k = fold(i); /* the signal pre-emphasised, then padded */
    if (k < 0) return g_zero;
    const R v = clip_at(k);
    if (SIGPRE != 0 && k > 0) return r_sub(v, r_mul(g_pe, clip_at(k - 1)));
    return v;
}

#ifdef WMEL_NOISE
#ifdef WMEL_ARITH_FF
#error "the dither's noise is drawn in float64 only"
#endif
#include "noise.glsl"

/* v, sample j of the clip's frame t, with the plan's dither added (VKW_T_DITHER,
   VKW_I_DITHER_SEED) */
R dithered(R v, int t, int j)
{
    return r_add(v, r_mul(tval(17), nz_gauss(uint(ints[49]), uint64_t(t), uint(j))));
}
#define DITHER(v, t, j) dithered(v, t, j)
#else
#define DITHER(v, t, j) (v)
#endif

R log_energy(R e)
{
    e = r_log(r_max(e, tval(3)));
    if (ints[12] != 0) e = r_max(e, tval(4));
    return e;
}

/* sample j's word in sh: FFT, z[j / 2] at its digit-reversed place; DFT, j */
int fpos(int j, int po) { return FFT != 0 ? 2 * ints[po + (j >> 1)] + (j & 1) : j; }

/* the guard, then power or magnitude */
R finish_bin(R p, int guard, int pw)
{
    if (guard == 1) p = r_max(p, tval(1));
    else if (guard == 2) p = r_add(p, tval(1));
    return pw == 2 ? p : r_sqrt(p);
}

/* the FFT's twiddle and one stage's butterflies: src/kernels/fft.h, the text the CUDA kernels
   compile too, over this shader's shared array (SH) and table (tval) */
#define FFT_FN
#define FFT_INOUT(T) inout T
#define FFT_SH_PARAM
#define FFT_TAB int
#define TCOS(i) tval(co + (i))
#define TSIN(i) tval(so + (i))
#include "../../kernels/fft.h"

/* One stage of radix r of the M-point FFT, its sub-transforms of L points joined into ones
   of L r, then a barrier. Called with a constant r (RAD0 ..): each stage holds its radix's
   butterfly only. */
void fft_stage(const int r, const int L, int N, int lid, int co, int so)
{
    fft_butterflies(r, L, N, lid, co, so);
    barrier();
}

/* The M-point complex FFT of sh (z[n] at 2 n, 2 n + 1, digit-reversed in, natural out): the
   host's radices in their order (eights, a four, a two, threes, fives: backend.c,
   fft_radices), one call a stage with its radix and its sub-transform length L as
   constants once the pipeline's constants are set, so each stage holds its own butterfly
   only; a slot past its radix's count is dead code the driver drops. The slots are fixed
   per radix (eights 4, a four, a two, threes 2, fives 3), so the shader holds 11 stage
   bodies, not one per radix and stage: the driver's work to make the pipeline is a
   third. */
void fft(int N, int lid, int co, int so)
{
    if (N8 > 0) fft_stage(8, 1, N, lid, co, so);
    if (N8 > 1) fft_stage(8, 8, N, lid, co, so);
    if (N8 > 2) fft_stage(8, 64, N, lid, co, so);
    if (N8 > 3) fft_stage(8, 512, N, lid, co, so);
    if (N4 > 0) fft_stage(4, L4, N, lid, co, so);
    if (N2 > 0) fft_stage(2, L2, N, lid, co, so);
    if (N3 > 0) fft_stage(3, L3, N, lid, co, so);
    if (N3 > 1) fft_stage(3, L3 * 3, N, lid, co, so);
    if (N5 > 0) fft_stage(5, L5, N, lid, co, so);
    if (N5 > 1) fft_stage(5, L5 * 5, N, lid, co, so);
    if (N5 > 2) fft_stage(5, L5 * 25, N, lid, co, so);
}

/* mel m's weighted sum of its bins lo .. lo + len - 1 (weights from tab[w]), in the bins'
   order: FFT, bin k at Z[k]'s real word and bin M, the last a mel can hold, over Z[0]'s
   imaginary one (taken after the loop: the loop's index is 2 k); DFT, after the frame */
R mel_sum(int lo, int len, int w, int M, int fl)
{
    R acc = tval(6); /* VKW_T_ZERO */
    const int n = FFT != 0 && len > 0 && lo + len - 1 == M ? len - 1 : len; /* an empty filter: len 0 */
    const int at = FFT != 0 ? 2 * lo : fl + lo, st = FFT != 0 ? 2 : 1;
    for (int i = 0; i < n; i++) acc = r_add(acc, r_mul(tval(w + i), SH(at + st * i)));
    if (n < len) acc = r_add(acc, r_mul(tval(w + n), SH(1)));
    return acc;
}

/* the plan's log of a mel sum (VKW_I_LOG: 1 log10 with the clamp, 2 ln(x + guard), 3 ln
   with the clamp, 4 ln and 5 log10 with the guard in place of a 0, below VKW_T_TINY; 0 none):
   one r_log for the five */
R mel_log(R acc, int lmode)
{
    if (lmode < 1 || lmode > 5) return acc;
    const R x = lmode == 2 ? r_add(acc, tval(2)) : lmode >= 4 ? (r_lt(acc, tval(18)) ? tval(2) : acc) : r_max(acc, tval(2));
    const R l = r_log(x);
    return lmode == 1 || lmode == 5 ? r_mul(l, tval(5)) : l;
}

void main()
{
    /* this invocation's frame: sub of the workgroup's FPG; past the last frame, the last
       one computed again and not written (every invocation meets every barrier) */
    const int lid_all = int(gl_LocalInvocationID.x), sub = lid_all / WG, lid = lid_all - sub * WG;
    const uint fr = pc.base + gl_WorkGroupID.x * uint(FPG) + uint(sub);
    const bool live = fr < pc.n_frames;
    const int f = int(live ? fr : pc.n_frames - 1u);
    sb = sub * SH_WORDS;
    const int rb = sb + SH_WORDS - WG; /* the reductions' words (a plan with reductions) */
    const int N = ints[0], fl = ints[1], nbins = ints[2], n_mels = ints[3], n_cols = ints[4];
    const int use_energy = ints[5], energy_mode = ints[7], po = ints[22]; /* VKW_I_PERM */
    const bool dc = ints[6] != 0, pre = ints[8] != 0;
    const R zero = tval(6);

    /* the frame's segment (the last whose first frame is at or before f), its clip's frame
       index t, and the signal index of the frame's first sample */
    int a = 0, b = segs[0] - 1;
    while (a < b) {
        const int m = (a + b + 1) >> 1;
        if (segs[8 + 8 * m] <= f) a = m; /* VKW_S_HEAD, VKW_S_WORDS */
        else b = m - 1;
    }
    const int sg = 8 + 8 * a;
    const int t = segs[sg + 1] + f - segs[sg];
    g_base = segs[sg + 2], g_lo = segs[sg + 3], g_hi = segs[sg + 4], g_n = segs[sg + 5], g_nr = segs[sg + 6];
    g_padl = ints[34]; /* VKW_I_PADL */
    g_scale = tval(10), g_pe = tval(0), g_zero = zero; /* VKW_T_SCALE, VKW_T_PREEMPH */
    const int i0 = t * ints[32] + ints[33];               /* VKW_I_HOP, VKW_I_FOFF */
    /* a frame inside the clip (its samples and the one before them, in the window, before
       NeMo's mask): no padding rule (the same values; one branch a frame) */
    const bool inner = i0 - 1 >= g_lo && i0 + fl <= g_hi && i0 + fl <= g_n && i0 >= 1 &&
                       (PADCUT == 0 || i0 + fl <= g_n - g_padl);

    /* the samples, to their places; the frame's sum */
    R part = zero;
#define LOAD(GET)                                                                                                  \
    for (int j = lid; j < fl; j += WG) {                                                                           \
        const R v = DITHER(GET(i0 + j), t, j);                                                                     \
        SH(fpos(j, po)) = v;                                                                                       \
        part = r_add(part, v);                                                                                     \
    }
    if (inner) { /* one loop or the other: each without the other's code */
        LOAD(inner_at)
    } else {
        LOAD(sample_at)
    }
    if (FFT != 0)
        for (int j = fl + lid; j < N; j += WG) SH(fpos(j, po)) = zero;
    R mean = zero, energy = zero;
    if (dc) mean = r_div(wg_sum(part, lid, rb), tval(8));
    if (energy_mode == 1) { /* the raw energy, after DC removal */
        part = zero;
        for (int j = lid; j < fl; j += WG) {
            R v = SH(fpos(j, po));
            if (dc) v = r_sub(v, mean);
            part = r_add(part, r_mul(v, v));
        }
        energy = log_energy(wg_sum(part, lid, rb));
    }
    /* DC removal, pre-emphasis (the previous sample read again from the signal, so that no
       invocation waits for another's), the window */
    const R pe = tval(0);
    const int wo = ints[13];
    part = zero;
#define WINDOW(GET, PRE, DC, EN)                                                                                   \
    for (int j = lid; j < fl; j += WG) {                                                                           \
        const int at = fpos(j, po);                                                                                \
        R v = SH(at);                                                                                              \
        if (DC) v = r_sub(v, mean);                                                                                \
        if (PRE) {                                                                                                 \
            R prev = v;                                                                                            \
            if (j > 0) {                                                                                           \
                prev = DITHER(GET(i0 + j - 1), t, j - 1);                                                          \
                if (DC) prev = r_sub(prev, mean);                                                                  \
            }                                                                                                      \
            v = r_sub(v, r_mul(pe, prev));                                                                         \
        }                                                                                                          \
        v = r_mul(v, tval(wo + j));                                                                                \
        SH(at) = v;                                                                                                \
        if (EN) part = r_add(part, r_mul(v, v));                                                                   \
    }
    /* PRE, DC, EN: the frame's pre-emphasis, the DC removal and the windowed energy, each
       loop with only the steps its plans take (constants where they are known: a loop
       holds no code of a step it skips) */
    const bool en = energy_mode == 2;
    if (!pre && !dc && !en) { /* the window's product alone (Whisper's and most plans') */
        WINDOW(inner_at, false, false, false)
    } else if (!pre) { /* no sample read again */
        WINDOW(inner_at, false, dc, en)
    } else if (inner) {
        WINDOW(inner_at, true, dc, en)
    } else {
        WINDOW(sample_at, true, dc, en)
    }
    if (energy_mode == 2) energy = log_energy(wg_sum(part, lid, rb));
    barrier();

    const int co = ints[14], so = ints[15], guard = ints[10], pw = ints[9];
    const int M = N >> 1;
    if (FFT != 0) {
        fft(N, lid, co, so);
        /* the n_fft-point spectrum from Z: bins k and M - k by one invocation, written over
           Z[k] and Z[M - k]'s real words (bin M over Z[0]'s imaginary one); 2 X is formed,
           then the power times 1/4 (exact) */
        const R quarter = tval(9); /* VKW_T_QUARTER */
        for (int k = lid; k <= M / 2; k += WG) {
            /* k = 0 takes the same formula with Z[M] = Z[0] and W^0 = 1 (the table's exact 1
               and 0): 2 X[0] = 2 (zr + zi), 2 X[M] = 2 (zr - zi), each exactly twice the
               sum, so the power is the same value as (zr +- zi)^2; bin M over Z[0]'s
               imaginary word */
            const int kb = k == 0 ? 0 : 2 * (M - k);
            const R ar = SH(2 * k), ai = SH(2 * k + 1), br = SH(kb), bi = SH(kb + 1);
            const R er = r_add(ar, br), ei = r_sub(ai, bi); /* 2 Fe */
            R orr = r_add(ai, bi), oi = r_sub(br, ar);      /* 2 Fo, then 2 W^k Fo */
            twiddle(orr, oi, k, co, so);
            const R xr = r_add(er, orr), xi = r_add(ei, oi), yr = r_sub(er, orr), yi = r_sub(ei, oi);
            const R px = r_mul(r_add(r_mul(xr, xr), r_mul(xi, xi)), quarter);
            const R py = r_mul(r_add(r_mul(yr, yr), r_mul(yi, yi)), quarter);
            SH(2 * k) = finish_bin(px, guard, pw);
            SH(k == 0 ? 1 : kb) = finish_bin(py, guard, pw);
        }
    } else {
        for (int k = lid; k < nbins; k += WG) {
            R re = zero, im = zero;
            int idx = 0; /* j k mod N */
            for (int j = 0; j < fl; j++) {
                re = r_add(re, r_mul(SH(j), tval(co + idx)));
                im = r_sub(im, r_mul(SH(j), tval(so + idx)));
                idx += k;
                if (idx >= N) idx -= N;
            }
            SH(fl + k) = finish_bin(r_add(r_mul(re, re), r_mul(im, im)), guard, pw);
        }
    }
    barrier();

    /* bin k's word: FFT, Z[k]'s real one (bin M: Z[0]'s imaginary one); DFT, after the frame */
    const int mo = ints[16], lo_at = ints[17], len_at = ints[18], off_at = ints[19], lmode = ints[11];
    if (g_bad != 0u) atomicOr(outk[pc.flag_at], g_bad); /* every sample read (the FFT's barriers are behind) */
    if (CEPS != 0) { /* the cepstra (fe_plan.c's wmel__fe_ceps), frame after frame (pc.out_f32 3 or 0) */
        /* the log mels (at most 4 WG: the host's condition) into the frame's first shared
           words once every invocation has read the spectrum */
        R lm[4];
        for (int i = 0; i < 4; i++) {
            const int m = lid + i * WG;
            lm[i] = zero;
            if (m < n_mels)
                lm[i] = mel_log(mel_sum(ints[lo_at + m], ints[len_at + m], mo + ints[off_at + m], M, fl), lmode);
        }
        barrier();
        for (int i = 0; i < 4; i++)
            if (lid + i * WG < n_mels) SH(lid + i * WG) = lm[i];
        barrier();
        if (!live) return;
        /* c[k] = sum of dct[k][j] l[j], j in order from 0 (the lifter in the rows); the log
           energy in c0's place; htk_compat: c0 last, times sqrt(2) without the energy */
        const int nk = ints[46], dct = ints[47], htk = ints[48]; /* VKW_I_NCEPS, VKW_I_DCT, VKW_I_CEPS_HTK */
        for (int k = lid; k < nk; k += WG) {
            R c = zero;
            for (int j = 0; j < n_mels; j++) c = r_add(c, r_mul(tval(dct + k * n_mels + j), SH(j)));
            if (k == 0 && use_energy != 0) c = energy;
            int at = k;
            if (htk != 0) {
                at = k == 0 ? nk - 1 : k - 1;
                if (k == 0 && use_energy == 0) c = r_mul(c, tval(16)); /* VKW_T_SQRT2 */
            }
            if (pc.out_f32 != 0u) outf[uint(f) * uint(n_cols) + uint(at)] = r_to_f(c);
            else outv[uint(f) * uint(n_cols) + uint(at)] = r_to_s(c);
        }
        return;
    }
    if (!live) return; /* no barrier from here on */
    const uint ob = uint(f) * uint(n_cols);
    const bool fmaj = pc.out_f32 == 3u; /* float32 frame after frame, else the segment's block */
    const uint kk = fmaj ? 1u : uint(segs[sg + 7]); /* VKW_S_K: a column's stride in the block */
    const uint fb = fmaj ? ob : uint(segs[sg]) * uint(n_cols) + uint(f - segs[sg]);
    uint kmax = 0u; /* pc.out_f32 2: this invocation's largest value's key */
    for (int m = lid; m < n_mels; m += WG) {
        const int lo = ints[lo_at + m], len = ints[len_at + m], off = ints[off_at + m];
        const R acc = mel_log(mel_sum(lo, len, mo + off, M, fl), lmode);
        if (pc.out_f32 != 0u) outf[fb + uint(use_energy + m) * kk] = r_to_f(acc);
        else outv[ob + uint(use_energy + m)] = r_to_s(acc);
        if (pc.out_f32 == 2u) kmax = max(kmax, fkey(r_to_f(acc)));
    }
    if (lid == 0 && use_energy != 0) {
        if (pc.out_f32 != 0u) outf[fb] = r_to_f(energy);
        else outv[ob] = r_to_s(energy);
        if (pc.out_f32 == 2u) kmax = max(kmax, fkey(r_to_f(energy)));
    }
    if (pc.out_f32 == 2u && kmax != 0u) atomicMax(outk[pc.n_frames * uint(n_cols) + uint(a)], kmax);
}
