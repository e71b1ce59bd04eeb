/*
 * finish.comp -- a general plan's finish on the device for the clips of a round whose frames
 * the round holds whole (after frames.comp, in the same submission): the per-feature
 * normalisation (WMEL_NORM_PER_FEATURE and WMEL_NORM_MEAN_VAR) of the frames' float32 values,
 * or none (WMEL_NORM_NONE: the values as computed), written in the plan's output layout.
 * One workgroup a column (x) and a clip (y). The sums are fe_cpu.c's (wmel__fe_chunk_sums,
 * wmel__fe_stats_f): chunks of CHUNK (WMEL_FE_STATS_CHUNK) valid frames, within a chunk the
 * column's values in frame order from 0, the chunks' sums added in chunk order from 0; first
 * the values, then the squared deviations from the mean. The denominator is wmel__fe_denom's
 * (Bessel's variance, 0 for one frame; sqrt(var) + eps, or sqrt(var + eps)), each value
 * (v - mean) / den rounded once to float32 (0 where den is not positive), as wmel__fe_norm
 * rounds it. The appended finish's rules where the plan has them (fe_cpu.c's finish_ext):
 * the variance over n (WMEL_NORMF_POPULATION), the mean alone (WMEL_NORMF_MEAN_ONLY: the
 * denominator 1), a constant column's denominator 0 where norm_eps is 0 (wmel__fe_den_floor),
 * frames [nv, nfo) the plan's pad_value, and the affine float32(v post_scale + post_shift) on
 * frames [0, nfo); past nfo stack_fill where the plan stacks frames with a fill value
 * (WMEL_STACK_TAIL_FILL, rows of consecutive frames), else zeros. WMEL_NORM_WHOLE (Whisper's clamp on a general plan): each value of the
 * valid frames max(v, mx - range) + 4, then x 0.25, in float32 (fe_cpu.c's), mx norm_max
 * (WMEL_NORMF_FIXED_MAX) or the clip's largest valid value, which a pass before (M_MAXPASS:
 * one workgroup a column and a clip) takes into the clip's key word by atomicMax on an
 * order-preserving key; with WMEL_NORMF_THEN_MEAN_VAR (M_THEN) the workgroup then takes its
 * column's mean and max(std, eps) of those values over the valid frames (fe_cpu.c's
 * then_mean_var, in its chunk order) and writes (y - mean) / den. In float64 every operation is IEEE's (arith_f64.glsl: `precise`, nothing
 * contracted), so the output is the CPU's bytes; in float-float (arith_ff.glsl) within its
 * error.
 *
 * A clip (the segment table's words from VKW_F_HEAD, VKW_F_WORDS a clip): its values at
 * outf[in + t n_cols + c] for its nc computed frames (frames.comp's frame after frame), the
 * plan's eps in the table (VKW_T_NORM_EPS). Out: from word out, rows x cols in the plan's
 * layout (frames x cols: frame t, column c at t cols + c; cols x frames: at c cols + t):
 * frames [0, nv) normalised, [nv, nc) as computed (the appended finish: [nv, nfo) pad_value),
 * zeros after. A computed value that is not finite, or an output value after the affine,
 * sets the clip's flag word (the host then takes its own way, which says which status
 * applies).
 */
#version 450
#extension GL_GOOGLE_include_directive : require

#ifdef WMEL_ARITH_FF
#include "arith_ff.glsl"
R fin_div(R a, R b) { return r_div(a, b); }
R fin_sqrt(R a) { return r_sqrt(a); }
#else
#include "arith_f64.glsl"
/* float64's divisions and square roots: the device's, or with F64_FIX (the device's own
   round differently from IEEE's, its corrected ones do not: f64check.c) through the
   correction step (arith_f64.glsl's r_div_fix, r_sqrt_fix). F64_FIN_BREAK (the testing
   switch WMEL_VULKAN_F64CHECK_BREAK=fin) makes each division 2^-30 of the quotient off on
   purpose, so that a test can see the fixed clip's self-test refuse the finish, and the
   correction step correct it. */
layout(constant_id = 41) const int F64_FIX = 0;
layout(constant_id = 42) const int F64_FIN_BREAK = 0;
R fin_div(R a, R b)
{
    precise R q = r_div(a, b);
    if (F64_FIN_BREAK != 0) q = q * (1.0LF + 1.0LF / 1073741824.0LF);
    return F64_FIX != 0 ? r_div_fix(q, a, b) : q;
}
R fin_sqrt(R a) { return F64_FIX != 0 ? r_sqrt_fix(r_sqrt(a), a) : r_sqrt(a); }
#endif

#define WG 64
#define CHUNK 64 /* fe.h's WMEL_FE_STATS_CHUNK */
#define T_NORM_EPS 11 /* vk_internal.h's VKW_T_NORM_EPS, _POST_SCALE, _POST_SHIFT, _DEN_FLOOR */
#define T_POST_SCALE 12
#define T_POST_SHIFT 13
#define T_DEN_FLOOR 14
#define T_POST_DENOM 15 /* VKW_T_POST_DENOM */
#define F_HEAD 520     /* VKW_F_HEAD: VKW_S_HEAD + VKW_MAX_SEGS VKW_S_WORDS */
#define F_WORDS 12     /* VKW_F_WORDS */
layout(local_size_x = WG) in;

layout(std430, binding = 0) readonly buffer Tab { RS tab[]; };
layout(std430, binding = 1) readonly buffer Ints { int ints[]; };
layout(std430, binding = 3) readonly buffer Segs { int segs[]; };
layout(std430, binding = 4) buffer OutF { float outf[]; };
layout(std430, binding = 4) buffer OutU { uint outu[]; };
/* vk_internal.h's vkw_finish (its first five words) */
layout(push_constant) uniform PC {
    uint n_cols, fmaj, mode, n_clips;
    float pad; /* the plan's pad_value as float32 (the appended finish) */
} pc;
/* mode: vk_internal.h's VKW_FM_* -- the normalisation (0: sqrt(var) + eps, 1: sqrt(var + eps),
   2: none), the appended finish (frames [nv, nfo) pad, zeros after), its affine, the variance
   over n (WMEL_NORMF_POPULATION), the mean alone (WMEL_NORMF_MEAN_ONLY), a constant column's
   denominator 0 (norm_eps 0) */
#define M_MV 3u
#define M_EXT 4u
#define M_AFFINE 8u
#define M_POP 16u
#define M_MEAN_ONLY 32u
#define M_FLOOR 64u
#define M_FIXED_MAX 128u
#define M_MAXPASS 256u
#define I_NORM_MAX 35   /* vk_internal.h's VKW_I_NORM_MAX, VKW_I_NORM_RANGE */
#define I_NORM_RANGE 36
#define I_STACK_FILL 37 /* VKW_I_STACK_FILL */
#define M_FILL 512u
#define M_POST 1024u
#define M_POSTPASS 2048u
#define M_COLS 4096u
#define M_CMAJ 8192u
#define M_SMOOTH 16384u
#define M_THEN 32768u
#define M_ALL 65536u
#define M_ALLPASS 131072u
#define I_POST_M 38 /* vk_internal.h's VKW_I_POST_M .. VKW_I_COLS_AT */
#define I_POST_S 39
#define I_POST_L 40
#define I_POST_TAIL 41
#define I_POST_DW 42
#define I_POST_W 43
#define I_COLS_AT 44
#define I_POST_COLS 45

/* a float's order-preserving key (every key above 0, NaN's aside), and back */
uint fkey(float v)
{
    const uint u = floatBitsToUint(v);
    return (u & 0x80000000u) != 0u ? ~u : u | 0x80000000u;
}
float kfloat(uint k) { return uintBitsToFloat((k & 0x80000000u) != 0u ? k & 0x7fffffffu : ~k); }
/* the workgroup's clip (segs' VKW_F_* words) */
uint nv, nc, in_at, rows, cols, out_at, flag_at;

/* frame t's column c of the clip's values: frame after frame, or column after column
   (M_CMAJ: Whisper's [n_cols][nc] block); with g_out, of the clip's output (M_THEN's
   statistics of the clamped values) */
bool g_out = false;
float val(uint t, uint c)
{
    if (g_out) return outf[out_at + (pc.fmaj != 0u ? t * cols + c : c * cols + t)];
    return outf[(pc.mode & M_CMAJ) != 0u ? in_at + c * nc + t : in_at + t * pc.n_cols + c];
}

shared R part[WG];
shared R total; /* a column's sum, for every invocation */

/* The column's sum over the valid frames, of the values (dev 0) or of their squared
   deviations from mu (dev 1), chunk by chunk; the total in every invocation. */
R col_sum(uint c, uint lid, bool dev, R mu)
{
    const R zero = r_from_f(0.0);
    const uint nvc = (nv + CHUNK - 1u) / CHUNK;
    R tot = zero;
    for (uint base = 0u; base < nvc; base += WG) { /* uniform: every invocation loops alike */
        const uint k = base + lid;
        R s = zero;
        if (k < nvc) {
            const uint t1 = min(k * CHUNK + CHUNK, nv);
            for (uint t = k * CHUNK; t < t1; t++) {
                const R v = r_from_f(val(t, c));
                if (dev) {
                    const R d = r_sub(v, mu);
                    s = r_add(s, r_mul(d, d));
                } else {
                    s = r_add(s, v);
                }
            }
        }
        part[lid] = s;
        barrier();
        if (lid == 0u) {
            const uint m = min(uint(WG), nvc - base);
            for (uint i = 0u; i < m; i++) tot = r_add(tot, part[i]);
        }
        barrier();
    }
    if (lid == 0u) total = tot;
    barrier();
    tot = total;
    barrier();
    return tot;
}

/* an R in two 32-bit words of the output buffer (WMEL_NORMF_ALL's statistics), and back */
#ifdef WMEL_ARITH_FF
uvec2 r_bits(R a) { return floatBitsToUint(a); }
R r_unbits(uvec2 u) { return uintBitsToFloat(u); }
#else
uvec2 r_bits(R a) { return unpackDouble2x32(a); }
R r_unbits(uvec2 u) { return packDouble2x32(u); }
#endif

/* n as an R, exactly (two float32 halves) */
R r_from_u(uint n) { return r_add(r_from_f(float(n >> 16u) * 65536.0), r_from_f(float(n & 0xffffu))); }

/* the denominator's floor where norm_eps is 0 (wmel__fe_den_floor): den <= 1e-12 |mean|, 0 */
R den_floor(R den, R mu)
{
    if ((pc.mode & M_FLOOR) == 0u) return den;
    const R zero = r_from_f(0.0), amu = r_lt(mu, zero) ? r_neg(mu) : mu;
    return r_lt(r_mul(r_from_s(tab[T_DEN_FLOOR]), amu), den) ? den : zero;
}

/* WMEL_NORMF_ALL (fe_cpu.c's stats_means and stats_dens): one mean of every column's valid
   values (the columns' sums, each chunk by chunk, added in column order, over nv n_cols) and
   one denominator (the columns' sums of squared deviations from it, likewise; wmel__fe_denom
   over nv n_cols values, then the floor), into the clip's statistics words at st: four words,
   the mean's two then the denominator's. */
void all_stats(uint lid, uint mv, uint st)
{
    const R zero = r_from_f(0.0);
    R tot = zero;
    for (uint c = 0u; c < pc.n_cols; c++) tot = r_add(tot, col_sum(c, lid, false, zero));
    const uint n = nv * pc.n_cols;
    const R rn = r_from_u(n);
    R mu = zero;
    if (nv != 0u) mu = fin_div(tot, rn);
    R den = r_from_f(1.0);
    if ((pc.mode & M_MEAN_ONLY) == 0u) {
        R ss = zero;
        for (uint c = 0u; c < pc.n_cols; c++) ss = r_add(ss, col_sum(c, lid, true, mu));
        R var = zero;
        if ((pc.mode & M_POP) != 0u) {
            if (n != 0u) var = fin_div(ss, rn);
        } else if (n > 1u) {
            var = fin_div(ss, r_sub(rn, r_from_f(1.0)));
        }
        const R eps = r_from_s(tab[T_NORM_EPS]);
        den = mv == 1u ? fin_sqrt(r_add(var, eps)) : r_add(fin_sqrt(var), eps);
    }
    den = den_floor(den, mu);
    if (lid == 0u) {
        const uvec2 a = r_bits(mu), b = r_bits(den);
        outu[st] = a.x;
        outu[st + 1u] = a.y;
        outu[st + 2u] = b.x;
        outu[st + 3u] = b.y;
    }
}

/* The post stage (fe_post.c's emit_row and frame_vals) for the clip described at segs[d]:
   its rows x cols from frames [0, T) of the finish's output (frame t, column c at out + t
   n_cols + c), values i0, i0 + n_cols WG, ... of them. Row r's k-th slot is frame
   r stride + k - left (frame 0 before the first, past the last the tail's rule: the last
   frame, stack_fill or zeros), each slot the frame's values then, with deltas, theirs:
   sum over j = 1 .. N of j (x[t + j] - x[t - j]) (the indices clamped to [0, T)), over the
   denominator; with per-column scales of the rows, float32(v scale[col] + shift[col]). */
/* The 3x3 average (wmel_smooth3x3) of the finish's rows x cols at src into pout, values i0,
   i0 + n_cols WG, ...: per row (left + centre) + right, then (above + row) + below, zeros
   outside the output, over 9, each value's sums in the arithmetic (float64: the host's
   double operations in their order, so its bytes). */
void smooth_rows(uint i0, uint d)
{
    const uint src = uint(segs[d + 5]), pout = uint(segs[d + 8]);
    const uint prows = uint(segs[d + 9]), pcols = uint(segs[d + 10]);
    const R zero = r_from_f(0.0);
    for (uint i = i0; i < prows * pcols; i += pc.n_cols * WG) {
        const uint r = i / pcols, c = i - r * pcols;
        R s[3];
        for (uint k = 0u; k < 3u; k++) {
            s[k] = zero;
            if ((k == 0u && r == 0u) || (k == 2u && r + 1u >= prows)) continue;
            const uint row = src + (r + k - 1u) * pcols;
            const R lc = r_add(c > 0u ? r_from_f(outf[row + c - 1u]) : zero, r_from_f(outf[row + c]));
            s[k] = r_add(lc, c + 1u < pcols ? r_from_f(outf[row + c + 1u]) : zero);
        }
        outf[pout + i] = r_to_f(fin_div(r_add(r_add(s[0], s[1]), s[2]), r_from_f(9.0)));
    }
}

void post_rows(uint i0, uint d)
{
    const uint src = uint(segs[d + 5]), flag = uint(segs[d + 6]), pout = uint(segs[d + 8]);
    const uint prows = uint(segs[d + 9]), pcols = uint(segs[d + 10]), T = uint(segs[d + 11]);
    const uint m = uint(ints[I_POST_M]), S = uint(ints[I_POST_S]), L = uint(ints[I_POST_L]);
    const uint tail = uint(ints[I_POST_TAIL]), dw = uint(ints[I_POST_DW]), w = uint(ints[I_POST_W]);
    const uint wd = dw != 0u ? 2u * w : w, cat = ints[I_POST_COLS] != 0 ? uint(ints[I_COLS_AT]) : 0u;
    bool bad = false;
    for (uint i = i0; i < prows * pcols; i += pc.n_cols * WG) {
        const uint r = i / pcols, j = i - r * pcols, k = j / wd, q = j - k * wd, s = r * S + k;
        uint u = 0u;
        bool have = true;
        if (s < L) u = 0u;
        else if (s - L < T) u = s - L;
        else if (tail == 1u) u = T - 1u;
        else have = false;
        float o;
        if (!have) {
            o = tail == 2u ? intBitsToFloat(ints[I_STACK_FILL]) : 0.0;
        } else if (q < w) {
            o = outf[src + u * w + q];
        } else {
            const uint cq = q - w;
            R acc = r_from_f(0.0);
            for (uint e = 1u; e <= dw; e++) {
                const uint a = u + e < T ? u + e : T - 1u, b = u >= e ? u - e : 0u;
                acc = r_add(acc, r_mul(r_from_f(float(e)), r_sub(r_from_f(outf[src + a * w + cq]),
                                                                 r_from_f(outf[src + b * w + cq]))));
            }
            o = r_to_f(fin_div(acc, r_from_s(tab[T_POST_DENOM])));
        }
        if (cat != 0u) o = r_to_f(r_add(r_mul(r_from_f(o), r_from_s(tab[cat + j])), r_from_s(tab[cat + pcols + j])));
        bad = bad || (floatBitsToUint(o) & 0x7f800000u) == 0x7f800000u;
        outf[pout + i] = o;
    }
    if (bad) outu[flag] = 1u;
}

void main()
{
    const uint c = gl_WorkGroupID.x, lid = gl_LocalInvocationID.x, k = gl_WorkGroupID.y;
    if (c >= pc.n_cols || k >= pc.n_clips) return; /* uniform in the workgroup */
    const uint d = F_HEAD + k * F_WORDS;
    nv = uint(segs[d]), nc = uint(segs[d + 1]), in_at = uint(segs[d + 2]), rows = uint(segs[d + 3]);
    cols = uint(segs[d + 4]), out_at = uint(segs[d + 5]), flag_at = uint(segs[d + 6]);
    const uint nfo = uint(segs[d + 7]);
    const uint mv = pc.mode & M_MV;
    if ((pc.mode & M_POSTPASS) != 0u) { /* the post stage, or the 3x3 average, from the finished frames */
        if ((pc.mode & M_SMOOTH) != 0u) smooth_rows(c * WG + lid, d);
        else post_rows(c * WG + lid, d);
        return;
    }
    const uint st_at = flag_at + 2u * pc.n_clips + 3u * k; /* the clip's statistics (VKW_FIN_CLIP_WORDS) */
    if ((pc.mode & M_ALLPASS) != 0u) { /* WMEL_NORMF_ALL: the clip's one mean and denominator */
        all_stats(lid, mv, st_at);
        return;
    }
    if ((pc.mode & M_MAXPASS) != 0u) { /* WMEL_NORM_WHOLE: the clip's largest valid value into its key */
        uint m = 0u;
        for (uint t = lid; t < nv; t += WG) m = max(m, fkey(val(t, c)));
        if (m != 0u) atomicMax(outu[flag_at + pc.n_clips], m);
        return;
    }
    const bool ext = (pc.mode & M_EXT) != 0u, affine = (pc.mode & M_AFFINE) != 0u;
    const R zero = r_from_f(0.0);
    /* every computed value finite (fe_cpu.c's test of the float32 bits) */
    bool bad = false;
    for (uint t = lid; t < nc; t += WG) {
        const uint u = floatBitsToUint(val(t, c));
        bad = bad || (u & 0x7f800000u) == 0x7f800000u;
    }
    const uint T = pc.fmaj != 0u ? rows : cols;
    /* the column's statistics (fe_cpu.c's; with the appended finish's rules, finish_ext's:
       stats_means, stats_dens, wmel__fe_den_floor) */
    R mu = zero, den = zero;
    bool pos = false;
    /* WMEL_NORM_WHOLE: max(v, max - range), then (v + 4) / 4, in float32 (fe_cpu.c's) */
    float lo = 0.0;
    if (mv == 3u) {
        const float mx = (pc.mode & M_FIXED_MAX) != 0u ? intBitsToFloat(ints[I_NORM_MAX]) : kfloat(outu[flag_at + pc.n_clips]);
        precise float l = mx - intBitsToFloat(ints[I_NORM_RANGE]);
        lo = l;
    } else if (mv != 2u && (pc.mode & M_ALL) != 0u) { /* the pass before's one mean and denominator */
        mu = r_unbits(uvec2(outu[st_at], outu[st_at + 1u]));
        den = r_unbits(uvec2(outu[st_at + 2u], outu[st_at + 3u]));
        pos = r_lt(zero, den);
    } else if (mv != 2u) {
        mu = col_sum(c, lid, false, zero);
        if (nv != 0u) mu = fin_div(mu, r_from_f(float(nv)));
        if ((pc.mode & M_MEAN_ONLY) != 0u) {
            den = r_from_f(1.0);
        } else {
            const R ss = col_sum(c, lid, true, mu);
            R var = zero;
            if ((pc.mode & M_POP) != 0u) {
                if (nv != 0u) var = fin_div(ss, r_from_f(float(nv)));
            } else if (nv > 1u) {
                var = fin_div(ss, r_from_f(float(nv - 1u)));
            }
            const R eps = r_from_s(tab[T_NORM_EPS]);
            den = mv == 1u ? fin_sqrt(r_add(var, eps)) : r_add(fin_sqrt(var), eps);
        }
        den = den_floor(den, mu); /* eps 0: den <= 1e-12 |mean| is a constant column's, 0 */
        pos = r_lt(zero, den);
    }
    const R scale = r_from_s(tab[T_POST_SCALE]), shift = r_from_s(tab[T_POST_SHIFT]);
    for (uint t = lid; t < T; t += WG) {
        float o = 0.0;
        if (t < nv) {
            const float v = val(t, c);
            if (mv == 3u) {
                precise float w = ((v < lo ? lo : v) + 4.0) * 0.25;
                o = w;
            } else {
                o = mv == 2u ? v : pos ? r_to_f(fin_div(r_sub(r_from_f(v), mu), den)) : 0.0;
            }
        } else if (ext) { /* the appended finish: pad_value up to the output's frames */
            o = t < nfo ? pc.pad : (pc.mode & M_FILL) != 0u ? intBitsToFloat(ints[I_STACK_FILL]) : 0.0;
        } else if (t < nc) {
            o = val(t, c);
        }
        if (affine && t < nfo) { /* float32(v x post_scale + post_shift), each operation rounded */
            o = r_to_f(r_add(r_mul(r_from_f(o), scale), shift));
            bad = bad || (floatBitsToUint(o) & 0x7f800000u) == 0x7f800000u;
        }
        if ((pc.mode & M_COLS) != 0u && t < nfo && (pc.mode & M_THEN) == 0u) { /* the per-column scales
                                                                                   (wmel__fe_cols) */
            const uint at = uint(ints[I_COLS_AT]);
            o = r_to_f(r_add(r_mul(r_from_f(o), r_from_s(tab[at + c])), r_from_s(tab[at + pc.n_cols + c])));
            bad = bad || (floatBitsToUint(o) & 0x7f800000u) == 0x7f800000u;
        }
        outf[out_at + (pc.fmaj != 0u ? t * cols + c : c * cols + t)] = o;
    }
    if ((pc.mode & M_THEN) != 0u) {
        /* WMEL_NORMF_THEN_MEAN_VAR (fe_cpu.c's then_mean_var): the column's statistics of the
           values just written over the valid frames, chunk by chunk, wmel__fe_then_denom's
           denominator, (y - mean) / den rounded once (0 where den is not positive), then the
           per-column scales on frames [0, nfo) */
        memoryBarrierBuffer();
        barrier();
        g_out = true;
        R m = col_sum(c, lid, false, zero);
        if (nv != 0u) m = fin_div(m, r_from_f(float(nv)));
        R d = r_from_f(1.0);
        if ((pc.mode & M_MEAN_ONLY) == 0u) {
            const R ss = col_sum(c, lid, true, m);
            R var = zero;
            if ((pc.mode & M_POP) != 0u) {
                if (nv != 0u) var = fin_div(ss, r_from_f(float(nv)));
            } else if (nv > 1u) {
                var = fin_div(ss, r_from_f(float(nv - 1u)));
            }
            const R sd = fin_sqrt(var), eps = r_from_s(tab[T_NORM_EPS]);
            d = den_floor(r_lt(eps, sd) ? sd : eps, m); /* eps 0: a constant column's 0 */
        }
        const bool dpos = r_lt(zero, d);
        for (uint t = lid; t < nfo && t < T; t += WG) {
            const uint at_o = out_at + (pc.fmaj != 0u ? t * cols + c : c * cols + t);
            float o = outf[at_o];
            if (t < nv) o = dpos ? r_to_f(fin_div(r_sub(r_from_f(o), m), d)) : 0.0;
            if ((pc.mode & M_COLS) != 0u) {
                const uint at = uint(ints[I_COLS_AT]);
                o = r_to_f(r_add(r_mul(r_from_f(o), r_from_s(tab[at + c])), r_from_s(tab[at + pc.n_cols + c])));
            }
            bad = bad || (floatBitsToUint(o) & 0x7f800000u) == 0x7f800000u;
            outf[at_o] = o;
        }
    }
    if (bad) outu[flag_at] = 1u;
}
