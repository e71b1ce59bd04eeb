/*
 * plan_kernels.cu -- the CUDA kernels of every plan but Whisper's geometry (the general
 * algorithm): each frame's values before the finish, and the finish where the device
 * makes the plan's (else the CPU does it, fe_cpu.c):
 *
 *   k_plan_frames  WMEL_CU_PLAN_WG threads a frame, fpb frames a block: the frame's samples
 *                  (float32, or int16 / 32768) framed from the clip (the plan's padding rule, scale, signal or padded
 *                  pre-emphasis, NeMo's time mask: wmel__fe_sample's rules), the dither's noise
 *                  (src/kernels/noise.h, in float64: the CPU's bits), DC removal, the
 *                  raw energy, frame pre-emphasis, the window, the windowed energy, the
 *                  spectrum of the zero-padded frame, power or magnitude with its guard, the
 *                  sparse mel bank and the plan's log, with cepstra their DCT
 *                  (wmel__fe_ceps'); n_cols values a frame to global memory. The stages
 *                  and their order are the float64 reference's (src/ref/fe_ref.c).
 *   k_plan_finish  one block a column of a clip: fe_cpu.c's finish of the float32 values
 *                  (the per-feature statistics in its order of sums, the clamp, the
 *                  appended finish's rules, WMEL_NORMF_THEN_MEAN_VAR's statistics of
 *                  the clamped values, the per-column scales), in the output's
 *                  layout; k_plan_max before it takes the clip's max where the clamp
 *                  needs it.
 *   k_plan_post    one thread a value: fe_post.c's post stage (deltas, stacking with a
 *                  stride, left copies and the tail's rule, the rows' per-column scales)
 *                  of the finished frames, after k_plan_finish.
 *
 * The spectrum: for n_fft even with n_fft / 2 = M a product of 2, 3, 4, 5 and 8, the real
 * frame read as M complex values z[n] = x[2n] + i x[2n+1], each at its digit-reversed
 * place (the host's table), transformed in place in shared memory by a mixed-radix
 * decimation-in-time FFT (radix after radix, the host's order: eights first, then a four,
 * a two, threes and fives; each butterfly writes where it read), then split into the
 * n_fft-point spectrum: X[k] = Fe[k] + W^k Fo[k], X[M - k] = conj(Fe[k] - W^k Fo[k]) with
 * Fe, Fo the transforms of the even and odd samples. Every twiddle is an entry of the
 * host's exact float64 cos / sin table (index j k mod n_fft). Any other n_fft: a direct
 * DFT of the frame over the same table. The frame's sums (mean, energies) are tree sums
 * over its threads.
 *
 * Two arithmetics, one kernel: k_plan_frames<R> with R double (float64) or wmel_cu::ff
 * (float-float, arith_ff.cuh: pairs of float32, about 2^-44 relative through the frame,
 * for GPUs whose float64 is slow). The float-float tables are the float64 ones as
 * (hi, lo) float pairs made on the host, in the same 8 bytes an entry; the plan's scalars
 * likewise (wmel_cu_frames' f_*). The float32 values are each rounded once from R.
 * k_plan_finish<R> and k_plan_post<R> likewise, and the DCT; their float64 operations are
 * intrinsics with their rounding named, so that nvcc contracts none and the output is the
 * host's finish's bytes.
 */
#include "cuda_internal.h"

#include "launch.h"
#include "arith_ff.cuh"
#include "keys.cuh"
#include <stdint.h>

namespace {

using wmel_cu::ff;
using wmel_cu::r_add;
using wmel_cu::r_log;
using wmel_cu::r_log10;
using wmel_cu::r_mul;
using wmel_cu::r_sqrt;
using wmel_cu::r_sub;
using wmel_cu::to_d;
using wmel_cu::to_f;

constexpr int WG = WMEL_CU_PLAN_WG;

/* R from an exact float; table entry i of R; a plan scalar in R */
template <typename R> __device__ __forceinline__ R rf(float x);
template <> __device__ __forceinline__ double rf<double>(float x) { return (double)x; }
template <> __device__ __forceinline__ ff rf<ff>(float x) { return ff{x, 0.0f}; }

template <typename R> __device__ __forceinline__ R ld(const double *t, int i);
template <> __device__ __forceinline__ double ld<double>(const double *t, int i) { return __ldg(t + i); }
template <> __device__ __forceinline__ ff ld<ff>(const double *t, int i)
{
    const float *f = reinterpret_cast<const float *>(t) + 2 * (size_t)i;
    return ff{__ldg(f), __ldg(f + 1)};
}

template <typename R> __device__ __forceinline__ R par(double d, const wmel_cu_f2 &f);
template <> __device__ __forceinline__ double par<double>(double d, const wmel_cu_f2 &) { return d; }
template <> __device__ __forceinline__ ff par<ff>(double, const wmel_cu_f2 &f) { return ff{f.hi, f.lo}; }

/* One operation, rounded once: float64 by the intrinsics with their rounding named (nvcc
   never contracts those into an fma, so the result is the CPU's), float-float its own. */
__device__ __forceinline__ double o_add(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ double o_sub(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ double o_mul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ double o_div(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ double o_sqrt(double a) { return __dsqrt_rn(a); }
__device__ __forceinline__ ff o_add(ff a, ff b) { return a + b; }
__device__ __forceinline__ ff o_sub(ff a, ff b) { return a - b; }
__device__ __forceinline__ ff o_mul(ff a, ff b) { return a * b; }
__device__ __forceinline__ ff o_div(ff a, ff b) { return a / b; }
__device__ __forceinline__ ff o_sqrt(ff a) { return r_sqrt(a); }

/* the dither's noise: src/kernels/noise.h (the text the CPU's wmel_dither_gauss compiles), each
   float64 operation an intrinsic with its rounding named, so the deviate has the CPU's bits */
#define NZ_FN __device__ __forceinline__
#define NZ_U64 unsigned long long
#define NZ_U32 unsigned
#define NZ_TO_U64(i) ((unsigned long long)(i))
#define NZ_U2D(u) ((double)(u))
#define NZ_I2D(i) ((double)(i))
#define NZ_D(c) (c)
#define DADD(a, b) __dadd_rn(a, b)
#define DSUB(a, b) __dsub_rn(a, b)
#define DMUL(a, b) __dmul_rn(a, b)
#define DDIV(a, b) __ddiv_rn(a, b)
#define DSQRT(a) __dsqrt_rn(a)
#define NZ_FREXP(x, e) frexp(x, &(e))
#define precise
#include "../kernels/noise.h"
#undef precise
#undef NZ_FREXP
#undef DSQRT
#undef DDIV
#undef DMUL
#undef DSUB
#undef DADD
#undef NZ_D
#undef NZ_I2D
#undef NZ_U2D
#undef NZ_TO_U64
#undef NZ_U32
#undef NZ_U64
#undef NZ_FN

/* sample j of absolute frame t with the plan's dither added (wmel__fe_noise's order: the
   sample as framed and scaled, plus dither times the deviate) */
template <typename R> __device__ __forceinline__ R dithered(const wmel_cu_frames &p, R v, long long t, int j);
template <> __device__ __forceinline__ double dithered<double>(const wmel_cu_frames &p, double v, long long t, int j)
{
    if (!p.dither_on) return v;
    return __dadd_rn(v, __dmul_rn(p.dither, nz_gauss(p.dither_seed, (unsigned long long)t, (unsigned)j)));
}
template <> __device__ __forceinline__ ff dithered<ff>(const wmel_cu_frames &p, ff v, long long t, int j)
{
    if (!p.dither_on) return v;
    const double d = __dmul_rn(p.dither, nz_gauss(p.dither_seed, (unsigned long long)t, (unsigned)j));
    const float hi = (float)d;
    return v + ff{hi, (float)(d - (double)hi)};
}

/* a count of frames in R (exact below 2^48) */
template <typename R> __device__ __forceinline__ R rcount(long long n);
template <> __device__ __forceinline__ double rcount<double>(long long n) { return (double)n; }
template <> __device__ __forceinline__ ff rcount<ff>(long long n)
{
    const float hi = (float)n;
    return ff{hi, (float)(n - (long long)hi)};
}

/* The clip a frame reads and where its values go: wmel_cu_frames' own (k_plan_frames), or a
 * round's clip (k_plan_frames_round). */
struct clip_src {
    const float *x;
    const int16_t *xs;
    long long n, t0, nf;
    double *out;
    float *outf;
};

/* i folded into [0, n) by the padding's rule, or -1 where it falls on the padding's zeros */
__device__ __forceinline__ long long fold(const wmel_cu_frames &p, const clip_src &v, long long i)
{
    const long long n = v.n;
    if (i >= 0 && i < n) return i;
    if (p.pad_rule == WMEL_CU_PAD_ZERO || n <= 0) return -1;
    if (p.pad_rule == WMEL_CU_PAD_KALDI) {
        const long long p2 = 2 * n;
        long long m = i % p2;
        if (m < 0) m += p2;
        return m < n ? m : p2 - 1 - m;
    }
    if (i < 0) i = -i;
    if (i >= n) i = 2 * (n - 1) - i;
    return i >= 0 && i < n ? i : -1;
}

/* the scaled clip sample k, 0 <= k < n */
template <typename R> __device__ __forceinline__ R clip_at(const wmel_cu_frames &p, const clip_src &c, long long k)
{
    const float v = c.xs ? (float)__ldg(c.xs + k) * (1.0f / 32768.0f) : __ldg(c.x + k);
    return par<R>(p.scale, p.f_scale) * rf<R>(v);
}

template <typename R> __device__ __forceinline__ R padded_at(const wmel_cu_frames &p, const clip_src &c, long long i)
{
    const long long k = fold(p, c, i);
    return k < 0 ? rf<R>(0.0f) : clip_at<R>(p, c, k);
}

/* signal sample i as a frame reads it (wmel__fe_sample) */
template <typename R> __device__ R sample_at(const wmel_cu_frames &p, const clip_src &c, long long i)
{
    const R pe = par<R>(p.preemph, p.f_preemph);
    if (p.smode) { /* the padded signal pre-emphasised from its first sample on; NeMo's time mask */
        if (p.padcut && i >= c.n - p.pad_left) return rf<R>(0.0f);
        const R y = padded_at<R>(p, c, i);
        if (!p.padpre || i <= -(long long)p.pad_left) return y;
        return y - pe * padded_at<R>(p, c, i - 1);
    }
    const long long k = fold(p, c, i); /* the signal pre-emphasised, then padded */
    if (k < 0) return rf<R>(0.0f);
    const R v = clip_at<R>(p, c, k);
    if (p.sigpre && k > 0) return v - pe * clip_at<R>(p, c, k - 1);
    return v;
}

/* The sum of v over the frame's WG threads (a tree in red[0 .. WG); every thread of the
 * block calls it: it holds barriers). */
template <typename R> __device__ R wg_sum(R v, int lid, R *red)
{
    red[lid] = v;
    __syncthreads();
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] = red[lid] + red[lid + s];
        __syncthreads();
    }
    const R t = red[0];
    __syncthreads();
    return t;
}

template <typename R> __device__ __forceinline__ R log_energy(const wmel_cu_frames &p, R e)
{
    const R eps = rf<R>(1.1920928955078125e-07f); /* FLT_EPSILON */
    e = r_log(e > eps ? e : eps);
    if (p.floor_on) {
        const R lf = par<R>(p.ln_floor, p.f_ln_floor);
        e = e > lf ? e : lf;
    }
    return e;
}

/* the FFT's twiddle and one stage's butterflies: src/kernels/fft.h, the text the Vulkan
   shaders compile too, over the block's shared array and the host's cos / sin tables */
#define FFT_FN template <typename R> __device__ __forceinline__
#define FFT_INOUT(T) T &
#define FFT_SH_PARAM R *sh,
#define SH(i) sh[i]
#define FFT_TAB const double *
#define TCOS(i) ld<R>(co, i)
#define TSIN(i) ld<R>(so, i)
#include "../kernels/fft.h"
#undef TSIN
#undef TCOS
#undef FFT_TAB
#undef SH
#undef FFT_SH_PARAM
#undef FFT_INOUT
#undef FFT_FN

/* One stage of radix r of the M-point FFT in sh (z[n] at 2n, 2n + 1): its sub-transforms
 * of L points joined into ones of L r; then a barrier (every thread of the block). */
template <typename R> __device__ void fft_stage(R *sh, int r, int L, int N, int lid, const double *co, const double *so)
{
    fft_butterflies(sh, r, L, N, lid, co, so);
    __syncthreads();
}

/* the guard, then power or magnitude */
template <typename R> __device__ __forceinline__ R finish_bin(const wmel_cu_frames &p, R v)
{
    const R g = par<R>(p.mag_guard, p.f_mag_guard);
    if (p.guard == 1) v = v > g ? v : g;
    else if (p.guard == 2) v = v + g;
    return p.power == 2 ? v : r_sqrt(v);
}

/* Mel m of the frame's spectrum in sh (bin k's word: FFT, Z[k]'s real one, bin M Z[0]'s
   imaginary one; DFT, fl + k), then the plan's log */
template <typename R> __device__ R mel_log(const wmel_cu_frames &p, int m, const R *sh, int M, int fl)
{
    const int lo = __ldg(p.ints + p.lo + m), len = __ldg(p.ints + p.len + m);
    const double *w = p.tab + p.mo + __ldg(p.ints + p.moff + m);
    R acc = rf<R>(0.0f);
    for (int i = 0; i < len; i++) {
        const int k = lo + i;
        acc += ld<R>(w, i) * sh[p.fft ? (k == M ? 1 : 2 * k) : fl + k];
    }
    const R lg = par<R>(p.log_guard, p.f_log_guard);
    if (p.log_mode == 1) acc = r_log10(acc < lg ? lg : acc, par<R>(0.0, p.f_log10e));
    else if (p.log_mode == 2) acc = r_log(acc + lg);
    else if (p.log_mode == 3) acc = r_log(acc < lg ? lg : acc);
    else if (p.log_mode >= 4) { /* 4 ln, 5 log10 of acc as it is, the guard's where acc is 0 (below the
                                   arithmetic's smallest normal) */
        acc = acc < par<R>(2.2250738585072014e-308, wmel_cu_f2{1.17549435e-38f, 0.0f}) ? lg : acc;
        acc = p.log_mode == 5 ? r_log10(acc, par<R>(0.0, p.f_log10e)) : r_log(acc);
    }
    return acc;
}

/* Block blk of clip c's frames (k_plan_frames' body): fpb frames, WG threads each. */
template <typename R>
__device__ __forceinline__ void frames_block(const wmel_cu_frames &p, const clip_src &c, long long blk)
{
    static_assert(sizeof(R) == sizeof(double), "a shared word and a table entry: 8 bytes");
    WMEL_CU_DYNAMIC_SHARED(double, smem_d);
    R *smem = reinterpret_cast<R *>(smem_d);
    const int tid = threadIdx.x, sub = tid / WG, lid = tid - sub * WG;
    /* this thread's frame; past the last frame, the last one computed again and not written
       (every thread meets every barrier) */
    const long long fr = blk * p.fpb + sub;
    const bool live = fr < c.nf;
    const long long f = live ? fr : c.nf - 1;
    R *sh = smem + (size_t)sub * (size_t)p.sh_words;
    R *red = sh + p.sh_words - WG; /* the sums' words (a plan with DC removal or an energy) */
    const int N = p.n_fft, fl = p.fl, M = N >> 1;
    const double *win = p.tab + p.win, *co = p.tab + p.co, *so = p.tab + p.so;
    const int *perm = p.ints + p.perm;
    const long long i0 = (c.t0 + f) * p.hop + p.off;

    /* the samples, to their places (FFT: z[j / 2] at its digit-reversed place; DFT: j); the
       frame's sum */
    R part = rf<R>(0.0f);
    for (int j = lid; j < fl; j += WG) {
        const R v = dithered<R>(p, sample_at<R>(p, c, i0 + j), c.t0 + f, j);
        sh[p.fft ? 2 * __ldg(perm + (j >> 1)) + (j & 1) : j] = v;
        part += v;
    }
    if (p.fft)
        for (int j = fl + lid; j < N; j += WG) sh[2 * __ldg(perm + (j >> 1)) + (j & 1)] = rf<R>(0.0f);
    R mean = rf<R>(0.0f), energy = rf<R>(0.0f);
    if (p.remove_dc) mean = wg_sum(part, lid, red) / rf<R>((float)fl);
    if (p.energy_mode == 1) { /* the raw energy, after DC removal (the thread's own samples) */
        part = rf<R>(0.0f);
        for (int j = lid; j < fl; j += WG) {
            R v = sh[p.fft ? 2 * __ldg(perm + (j >> 1)) + (j & 1) : j];
            if (p.remove_dc) v -= mean;
            part += v * v;
        }
        energy = log_energy(p, wg_sum(part, lid, red));
    }
    /* DC removal, frame pre-emphasis (the previous sample framed again, so that no thread
       waits for another's), the window */
    part = rf<R>(0.0f);
    const R pe = par<R>(p.preemph, p.f_preemph);
    for (int j = lid; j < fl; j += WG) {
        const int at = p.fft ? 2 * __ldg(perm + (j >> 1)) + (j & 1) : j;
        R v = sh[at];
        if (p.remove_dc) v -= mean;
        if (p.preemph_frame) {
            R prev = v;
            if (j > 0) {
                prev = dithered<R>(p, sample_at<R>(p, c, i0 + j - 1), c.t0 + f, j - 1);
                if (p.remove_dc) prev -= mean;
            }
            v = v - pe * prev;
        }
        v *= ld<R>(win, j);
        sh[at] = v;
        part += v * v;
    }
    if (p.energy_mode == 2) energy = log_energy(p, wg_sum(part, lid, red));
    __syncthreads();

    if (p.fft) {
        for (int s = 0, L = 1; s < p.n_stages; L *= p.radix[s], s++) fft_stage(sh, p.radix[s], L, N, lid, co, so);
        /* the n_fft-point spectrum from Z: bins k and M - k by one thread, written over Z[k]'s
           and Z[M - k]'s real words (bin M over Z[0]'s imaginary one); 2 X is formed, then
           the power times 1/4 (exact) */
        for (int k = lid; k <= M / 2; k += WG) {
            if (k == 0) {
                const R zr = sh[0], zi = sh[1];
                const R x0 = zr + zi, xm = zr - zi;
                sh[0] = finish_bin(p, x0 * x0);
                sh[1] = finish_bin(p, xm * xm);
            } else {
                const int kk = M - k;
                const R ar = sh[2 * k], ai = sh[2 * k + 1], br = sh[2 * kk], bi = sh[2 * kk + 1];
                const R er = ar + br, ei = ai - bi; /* 2 Fe */
                R orr = ai + bi, oi = br - ar;      /* 2 Fo, then 2 W^k Fo */
                twiddle(orr, oi, k, co, so);
                const R xr = er + orr, xi = ei + oi, yr = er - orr, yi = ei - oi;
                const R px = (xr * xr + xi * xi) * rf<R>(0.25f), py = (yr * yr + yi * yi) * rf<R>(0.25f);
                sh[2 * k] = finish_bin(p, px);
                sh[2 * kk] = finish_bin(p, py);
            }
        }
    } else { /* the direct DFT: bin k after the frame, at fl + k */
        for (int k = lid; k < p.nbins; k += WG) {
            R re = rf<R>(0.0f), im = rf<R>(0.0f);
            int idx = 0; /* j k mod N */
            for (int j = 0; j < fl; j++) {
                re += sh[j] * ld<R>(co, idx);
                im -= sh[j] * ld<R>(so, idx);
                idx += k;
                if (idx >= N) idx -= N;
            }
            sh[fl + k] = finish_bin(p, re * re + im * im);
        }
    }
    __syncthreads();
    if (p.n_ceps) { /* the cepstra (fe_plan.c's wmel__fe_ceps) from the frame's log mels */
        /* the log mels (at most 4 WG: the host's condition) into the frame's first words
           once every thread has read the spectrum */
        R lm[4];
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int m = lid + i * WG;
            lm[i] = m < p.n_mels ? mel_log(p, m, sh, M, fl) : rf<R>(0.0f);
        }
        __syncthreads();
#pragma unroll
        for (int i = 0; i < 4; i++)
            if (lid + i * WG < p.n_mels) sh[lid + i * WG] = lm[i];
        __syncthreads();
        if (!live) return; /* no barrier from here on */
        /* c[k] = the sum of dct[k][j] l[j], j in order from 0, each operation rounded once
           (the lifter in the rows); the log energy in c0's place; htk_compat: c0 last,
           times sqrt(2) without the energy */
        const double *dct = p.tab + p.dct;
        for (int k = lid; k < p.n_ceps; k += WG) {
            R cv = rf<R>(0.0f);
            for (int j = 0; j < p.n_mels; j++) cv = o_add(cv, o_mul(ld<R>(dct, k * p.n_mels + j), sh[j]));
            if (k == 0 && p.use_energy) cv = energy;
            int at = k;
            if (p.ceps_htk) {
                at = k == 0 ? p.n_ceps - 1 : k - 1;
                if (k == 0 && !p.use_energy) cv = o_mul(cv, par<R>(p.sqrt2, p.f_sqrt2));
            }
            if (c.outf) c.outf[f * (long long)p.n_cols + at] = to_f(cv);
            else c.out[f * (long long)p.n_cols + at] = to_d(cv);
        }
        return;
    }
    if (!live) return; /* no barrier from here on */

    /* the mel bank and the log */
    for (int m = lid; m < p.n_mels; m += WG) {
        const R v = mel_log(p, m, sh, M, fl);
        if (c.outf) c.outf[f * (long long)p.n_cols + p.use_energy + m] = to_f(v);
        else c.out[f * (long long)p.n_cols + p.use_energy + m] = to_d(v);
    }
    if (lid == 0 && p.use_energy) {
        if (c.outf) c.outf[f * (long long)p.n_cols] = to_f(energy);
        else c.out[f * (long long)p.n_cols] = to_d(energy);
    }
}

template <typename R>
__global__ void __launch_bounds__(WMEL_CU_PLAN_WG *WMEL_CU_PLAN_FPB) k_plan_frames(wmel_cu_frames p)
{
    const clip_src c = {p.x, p.xs, p.n, p.t0, p.nf, p.out, p.outf};
    frames_block<R>(p, c, (long long)blockIdx.x);
}

/* A round's frames (wmel_cu_frames_round): block blockIdx.x is block blockIdx.x - b0[k] of
 * clip k, the last clip whose first block is at most blockIdx.x (a binary search of the
 * table); the clip's values at p.outf + f0[k] n_cols. */
template <typename R>
__global__ void __launch_bounds__(WMEL_CU_PLAN_WG *WMEL_CU_PLAN_FPB) k_plan_frames_round(wmel_cu_frames p,
                                                                                       wmel_cu_frames_round r)
{
    const unsigned b = blockIdx.x;
    int lo = 0, hi = r.n_clips - 1;
    while (lo < hi) {
        const int mid = (lo + hi + 1) >> 1;
        if (r.b0[mid] <= b) lo = mid;
        else hi = mid - 1;
    }
    const clip_src c = {r.s16 ? NULL : (const float *)r.x[lo], r.s16 ? (const int16_t *)r.x[lo] : NULL, r.n[lo], 0,
                        (long long)r.nf[lo], NULL, p.outf + (long long)r.f0[lo] * p.n_cols};
    frames_block<R>(p, c, (long long)(b - r.b0[lo]));
}

/* ---- the finish (fe_cpu.c's; src/vulkan/shaders/finish.comp the same on Vulkan) ---- */

constexpr int CHUNK = 64; /* fe.h's WMEL_FE_STATS_CHUNK */

__device__ __forceinline__ bool not_finite(float v) { return (__float_as_uint(v) & 0x7f800000u) == 0x7f800000u; }

/* The column's sum over the valid frames, of the values (dev false) or of their squared
 * deviations from mu, chunk by chunk (fe_cpu.c's wmel__fe_chunk_sums: a chunk's values in
 * frame order from 0, one thread a chunk; the chunks' sums added in chunk order from 0);
 * frame t's value at x[t ts]; the total in every thread (every thread of the block calls
 * it: it holds barriers). */
template <typename R>
__device__ R col_sum(long long nv, const float *x, long long ts, int lid, bool dev, R mu, R *part)
{
    const R zero = rf<R>(0.0f);
    const long long nvc = (nv + CHUNK - 1) / CHUNK;
    R tot = zero;
    for (long long base = 0; base < nvc; base += WG) {
        const long long k = base + lid;
        R s = zero;
        if (k < nvc) {
            const long long t1 = k * CHUNK + CHUNK < nv ? k * CHUNK + CHUNK : nv;
            for (long long t = k * CHUNK; t < t1; t++) {
                const R v = rf<R>(x[t * ts]);
                if (dev) {
                    const R d = o_sub(v, mu);
                    s = o_add(s, o_mul(d, d));
                } else {
                    s = o_add(s, v);
                }
            }
        }
        part[lid] = s;
        __syncthreads();
        if (lid == 0) {
            const long long m = nvc - base < WG ? nvc - base : WG;
            for (long long i = 0; i < m; i++) tot = o_add(tot, part[i]);
        }
        __syncthreads();
    }
    if (lid == 0) part[0] = tot;
    __syncthreads();
    tot = part[0];
    __syncthreads();
    return tot;
}

/* A statistic kept between two launches in two doubles: float64's value and 0, or
 * float-float's hi and lo (each exact as a double). */
template <typename R> __device__ __forceinline__ void put2(double *d, R v);
template <> __device__ __forceinline__ void put2<double>(double *d, double v) { d[0] = v, d[1] = 0.0; }
template <> __device__ __forceinline__ void put2<ff>(double *d, ff v) { d[0] = (double)v.x, d[1] = (double)v.y; }
template <typename R> __device__ __forceinline__ R get2(const double *d);
template <> __device__ __forceinline__ double get2<double>(const double *d) { return d[0]; }
template <> __device__ __forceinline__ ff get2<ff>(const double *d) { return ff{(float)d[0], (float)d[1]}; }

/* WMEL_NORMF_ALL: the clip's one mean and one denominator over every column (fe_cpu.c's
 * stats_means and stats_dens): each column's sum over the valid frames (col_sum's chunk
 * order), the columns' sums added in column order from 0, over nv x n_cols values; the
 * squared deviations from that mean likewise; wmel__fe_denom's rules over nv x n_cols (1 for
 * the mean alone). The mean into f.stats[0, 2), the denominator into f.stats[2, 4) (put2);
 * k_plan_finish floors it. One block. */
template <typename R> __device__ __forceinline__ void all_stats(const wmel_cu_finish &f)
{
    WMEL_CU_DYNAMIC_SHARED(double, smem_d);
    R *part = reinterpret_cast<R *>(smem_d);
    const int lid = threadIdx.x;
    const R zero = rf<R>(0.0f);
    const long long n = f.nv * (long long)f.n_cols;
    R tot = zero;
    for (int c = 0; c < f.n_cols; c++) tot = o_add(tot, col_sum<R>(f.nv, f.in + c, f.n_cols, lid, false, zero, part));
    const R mu = n ? o_div(tot, rcount<R>(n)) : zero;
    R den = rf<R>(1.0f);
    if (!f.mean_only) {
        R ss = zero;
        for (int c = 0; c < f.n_cols; c++) ss = o_add(ss, col_sum<R>(f.nv, f.in + c, f.n_cols, lid, true, mu, part));
        R var = zero;
        if (f.pop) {
            if (n) var = o_div(ss, rcount<R>(n));
        } else if (n > 1) {
            var = o_div(ss, rcount<R>(n - 1));
        }
        const R eps = par<R>(f.eps, f.f_eps);
        den = f.norm == 1 ? o_sqrt(o_add(var, eps)) : o_add(o_sqrt(var), eps);
    }
    if (lid == 0) {
        put2<R>(f.stats, mu);
        put2<R>(f.stats + 2, den);
    }
}

/* WMEL_NORM_WHOLE with the data's max: column c's largest valid value into the clip's key
 * (flag[1]). */
__device__ __forceinline__ void col_max(const wmel_cu_finish &f, int c)
{
    unsigned m = 0;
    for (long long t = threadIdx.x; t < f.nv; t += WG) {
        const unsigned k = wmel_cu::f2key(f.in[t * f.n_cols + c]);
        m = k > m ? k : m;
    }
    if (m != 0) atomicMax(f.flag + 1, m);
}

/* Column c of the clip finished into the output: frames [0, nv) normalised
 * ((v - mean) / den rounded once to float32, 0 where den is not positive; the clamp
 * max(v, mx - range) + 4, x 0.25 in float32; or as computed), then [nv, nc) as computed or
 * (the appended finish) [nv, nfo) pad, the affine on [0, nfo), fill or zeros after. The
 * statistics are fe_cpu.c's: the mean, then the squared deviations (col_sum), Bessel's
 * variance (0 for one frame) or over n, sqrt(var) + eps or sqrt(var + eps), 1 for the mean
 * alone, 0 where eps is 0 and den <= 1e-12 |mean| (wmel__fe_den_floor). With
 * WMEL_NORMF_THEN_MEAN_VAR (f.then, after the clamp) the block then takes its column's
 * statistics of the values it wrote over the valid frames (fe_cpu.c's then_mean_var, in
 * its chunk order: the mean, the squared deviations, wmel__fe_then_denom's max(std, eps)
 * with the same variance and floor rules), writes (y - mean) / den rounded once (0 where
 * den is not positive) and then the per-column scales on [0, nfo). A computed value not
 * finite, or one the affine (or the scales) takes past float32's range, sets the clip's
 * flag. */
template <typename R> __device__ __forceinline__ void finish_col(const wmel_cu_finish &f, int c)
{
    WMEL_CU_DYNAMIC_SHARED(double, smem_d);
    R *part = reinterpret_cast<R *>(smem_d);
    const int lid = threadIdx.x;
    const R zero = rf<R>(0.0f);
    bool bad = false;
    for (long long t = lid; t < f.nc; t += WG) bad = bad || not_finite(f.in[t * f.n_cols + c]);
    R mu = zero, den = zero;
    bool pos = false;
    float lo = 0.0f;
    if (f.norm == 3) {
        const float mx = f.fixed_max ? f.norm_max : wmel_cu::key2f(f.flag[1]);
        lo = __fsub_rn(mx, f.norm_range);
    } else if (f.norm != 2 && f.all) { /* k_plan_all's, for every column */
        mu = get2<R>(f.stats);
        den = get2<R>(f.stats + 2);
        if (f.floor) {
            const R amu = mu < zero ? -mu : mu;
            if (!(o_mul(par<R>(1e-12, f.f_den_floor), amu) < den)) den = zero;
        }
        pos = zero < den;
    } else if (f.norm != 2) {
        mu = col_sum<R>(f.nv, f.in + c, f.n_cols, lid, false, zero, part);
        if (f.nv) mu = o_div(mu, rcount<R>(f.nv));
        if (f.mean_only) {
            den = rf<R>(1.0f);
        } else {
            const R ss = col_sum<R>(f.nv, f.in + c, f.n_cols, lid, true, mu, part);
            R var = zero;
            if (f.pop) {
                if (f.nv) var = o_div(ss, rcount<R>(f.nv));
            } else if (f.nv > 1) {
                var = o_div(ss, rcount<R>(f.nv - 1));
            }
            const R eps = par<R>(f.eps, f.f_eps);
            den = f.norm == 1 ? o_sqrt(o_add(var, eps)) : o_add(o_sqrt(var), eps);
        }
        if (f.floor) {
            const R amu = mu < zero ? -mu : mu;
            if (!(o_mul(par<R>(1e-12, f.f_den_floor), amu) < den)) den = zero;
        }
        pos = zero < den;
    }
    const R scale = par<R>(f.post_scale, f.f_post_scale), shift = par<R>(f.post_shift, f.f_post_shift);
    const long long stride = f.fmaj ? f.n_cols : f.T;
    for (long long t = lid; t < f.T; t += WG) {
        float o = 0.0f;
        if (t < f.nv) {
            const float v = f.in[t * f.n_cols + c];
            if (f.norm == 3)
                o = __fmul_rn(__fadd_rn(v < lo ? lo : v, 4.0f), 0.25f);
            else
                o = f.norm == 2 ? v : pos ? to_f(o_div(o_sub(rf<R>(v), mu), den)) : 0.0f;
        } else if (f.ext) {
            o = t < f.nfo ? f.pad : f.fill ? f.fill_value : 0.0f;
        } else if (t < f.nc) {
            o = f.in[t * f.n_cols + c];
        }
        if (f.affine && t < f.nfo) {
            o = to_f(o_add(o_mul(rf<R>(o), scale), shift));
            bad = bad || not_finite(o);
        }
        if (f.cols == 1 && t < f.nfo && !f.then) { /* the per-column scales (wmel__fe_cols) */
            o = to_f(o_add(o_mul(rf<R>(o), ld<R>(f.tab, f.cs + c)), ld<R>(f.tab, f.cs + f.n_cols + c)));
            bad = bad || not_finite(o);
        }
        f.out[f.fmaj ? t * stride + c : c * stride + t] = o;
    }
    if (f.then) {
        /* the column's values just written (the block's own writes: visible after the
           barrier), frame t at y[t ys] */
        __syncthreads();
        float *y = f.out + (f.fmaj ? c : c * stride);
        const long long ys = f.fmaj ? stride : 1;
        R m = col_sum<R>(f.nv, y, ys, lid, false, zero, part);
        if (f.nv) m = o_div(m, rcount<R>(f.nv));
        R d = rf<R>(1.0f);
        if (!f.mean_only) {
            const R ss = col_sum<R>(f.nv, y, ys, lid, true, m, part);
            R var = zero;
            if (f.pop) {
                if (f.nv) var = o_div(ss, rcount<R>(f.nv));
            } else if (f.nv > 1) {
                var = o_div(ss, rcount<R>(f.nv - 1));
            }
            const R sd = o_sqrt(var), eps = par<R>(f.eps, f.f_eps);
            d = eps < sd ? sd : eps;
            if (f.floor) { /* eps 0: a constant column's 0 (wmel__fe_den_floor) */
                const R am = m < zero ? -m : m;
                if (!(o_mul(par<R>(1e-12, f.f_den_floor), am) < d)) d = zero;
            }
        }
        const bool dpos = zero < d;
        for (long long t = lid; t < f.nfo && t < f.T; t += WG) {
            float o = y[t * ys];
            if (t < f.nv) o = dpos ? to_f(o_div(o_sub(rf<R>(o), m), d)) : 0.0f;
            if (f.cols == 1) /* the per-column scales (wmel__fe_cols) */
                o = to_f(o_add(o_mul(rf<R>(o), ld<R>(f.tab, f.cs + c)), ld<R>(f.tab, f.cs + f.n_cols + c)));
            bad = bad || not_finite(o);
            y[t * ys] = o;
        }
    }
    if (bad) f.flag[0] = 1u;
}

constexpr int POST_WG = 256; /* k_plan_post's threads a block */

/* The post stage (fe_post.c's emit_row and frame_vals) of the clip's finished frames f.out
 * ([..][n_cols], frames [0, pT) read) into f.pout (prows x pcols), one thread a value. Row
 * r's k-th slot is frame r S + k - L (frame 0 before the first; past the last the tail's
 * rule: the last frame, the fill value or zeros), each slot the frame's values then, with
 * deltas, theirs: the sum over e = 1 .. N of e (x[t + e] - x[t - e]) (the frames clamped to
 * [0, pT)) from 0, over the denominator, each operation rounded once; with the rows'
 * per-column scales float32(v scale[j] + shift[j]). A value not finite sets the clip's flag. */
template <typename R> __device__ __forceinline__ void post_block(const wmel_cu_finish &f, long long blk, long long nblk)
{
    const long long total = f.prows * f.pcols, T = f.pT, w = f.n_cols, wd = f.dw ? 2 * w : w;
    const R denom = par<R>(f.denom, f.f_denom);
    bool bad = false;
    for (long long i = blk * POST_WG + threadIdx.x; i < total; i += nblk * POST_WG) {
        const long long r = i / f.pcols, j = i - r * f.pcols, k = j / wd, q = j - k * wd, s = r * f.S + k;
        long long u = 0;
        bool have = true;
        if (s < f.L) u = 0;
        else if (s - f.L < T) u = s - f.L;
        else if (f.tail == 1) u = T - 1;
        else have = false;
        float o;
        if (!have) {
            o = f.tail == 2 ? f.fill_value : 0.0f;
        } else if (q < w) {
            o = f.out[u * w + q];
        } else {
            const long long cq = q - w;
            R acc = rf<R>(0.0f);
            for (long long e = 1; e <= f.dw; e++) {
                const long long a = u + e < T ? u + e : T - 1, b = u >= e ? u - e : 0;
                acc = o_add(acc, o_mul(rf<R>((float)e), o_sub(rf<R>(f.out[a * w + cq]), rf<R>(f.out[b * w + cq]))));
            }
            o = to_f(o_div(acc, denom));
        }
        if (f.cols == 2) o = to_f(o_add(o_mul(rf<R>(o), ld<R>(f.tab, f.cs + j)), ld<R>(f.tab, f.cs + f.pcols + j)));
        bad = bad || not_finite(o);
        f.pout[i] = o;
    }
    if (bad) f.flag[0] = 1u;
}

/* One clip's finish: the column (the clip) of the block. */
template <typename R> __global__ void __launch_bounds__(WMEL_CU_PLAN_WG) k_plan_all(wmel_cu_finish f) { all_stats<R>(f); }
__global__ void __launch_bounds__(WMEL_CU_PLAN_WG) k_plan_max(wmel_cu_finish f) { col_max(f, blockIdx.x); }
template <typename R> __global__ void __launch_bounds__(WMEL_CU_PLAN_WG) k_plan_finish(wmel_cu_finish f)
{
    finish_col<R>(f, blockIdx.x);
}
template <typename R> __global__ void __launch_bounds__(POST_WG) k_plan_post(wmel_cu_finish f)
{
    post_block<R>(f, blockIdx.x, gridDim.x);
}

/* A round's clip k (wmel_cu_finish_round) as one clip's finish: f's plan part, the clip's
 * frames, output, flag and statistics. */
__device__ __forceinline__ wmel_cu_finish round_clip(const wmel_cu_finish &f, const wmel_cu_finish_round &r, int k)
{
    wmel_cu_finish g = f;
    g.in = f.in + (long long)r.f0[k] * f.n_cols;
    g.flag = f.flag + 2 * (long long)k;
    g.stats = f.stats + 4 * (long long)k;
    g.nv = r.nv[k];
    g.nc = r.nc[k];
    g.nfo = r.nfo[k];
    g.T = r.T[k];
    if (f.post) { /* the finished frames in the scratch, the rows to the clip's output */
        g.out = f.out + (long long)r.p0[k] * f.n_cols;
        g.pout = r.out[k];
        g.pT = g.nfo;
        g.prows = r.prows[k];
    } else {
        g.out = r.out[k];
    }
    return g;
}

/* The round's clips: clip blockIdx.y, the column (or block) blockIdx.x of the kernels above. */
template <typename R> __global__ void __launch_bounds__(WMEL_CU_PLAN_WG) k_plan_all_round(wmel_cu_finish f,
                                                                                         wmel_cu_finish_round r)
{
    all_stats<R>(round_clip(f, r, blockIdx.y));
}
__global__ void __launch_bounds__(WMEL_CU_PLAN_WG) k_plan_max_round(wmel_cu_finish f, wmel_cu_finish_round r)
{
    col_max(round_clip(f, r, blockIdx.y), blockIdx.x);
}
template <typename R> __global__ void __launch_bounds__(WMEL_CU_PLAN_WG) k_plan_finish_round(wmel_cu_finish f,
                                                                                            wmel_cu_finish_round r)
{
    finish_col<R>(round_clip(f, r, blockIdx.y), blockIdx.x);
}
template <typename R> __global__ void __launch_bounds__(POST_WG) k_plan_post_round(wmel_cu_finish f,
                                                                                  wmel_cu_finish_round r)
{
    post_block<R>(round_clip(f, r, blockIdx.y), blockIdx.x, gridDim.x);
}

static_assert(sizeof(wmel_cu_frames) + sizeof(wmel_cu_frames_round) <= 4096 &&
                  sizeof(wmel_cu_finish) + sizeof(wmel_cu_finish_round) <= 4096,
              "a round's kernel parameters: at most 4 KB (every architecture and toolkit)");

} // namespace

extern "C" int wmel__cu_plan_prepare(void)
{
    cudaFuncAttributes a;
    cudaError_t e = cudaFuncGetAttributes(&a, k_plan_frames<double>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_frames<ff>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_finish<double>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_finish<ff>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_post<double>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_post<ff>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_all<double>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_all<ff>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_max);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_frames_round<double>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_frames_round<ff>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_finish_round<double>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_finish_round<ff>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_post_round<double>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_post_round<ff>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_all_round<double>);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&a, k_plan_all_round<ff>);
    return (int)(e != cudaSuccess ? e : cudaFuncGetAttributes(&a, k_plan_max_round));
}

extern "C" int wmel__cu_plan_finish(const wmel_cu_finish *f, void *stream)
{
    if (f->n_cols <= 0 || f->T < 0) return (int)cudaErrorInvalidValue;
    const cudaStream_t s = (cudaStream_t)stream;
    if (f->all && (f->norm == 0 || f->norm == 1)) { /* the clip's one mean and denominator first */
        if (f->ff)
            WMEL_CU_LAUNCH(k_plan_all<ff>, dim3(1), dim3(WG), WG * sizeof(ff), s)(*f);
        else
            WMEL_CU_LAUNCH(k_plan_all<double>, dim3(1), dim3(WG), WG * sizeof(double), s)(*f);
        const cudaError_t e = cudaGetLastError();
        if (e != cudaSuccess) return (int)e;
    }
    if (f->norm == 3 && !f->fixed_max && f->nv > 0) {
        WMEL_CU_LAUNCH(k_plan_max, dim3((unsigned)f->n_cols), dim3(WG), 0, s)(*f);
        const cudaError_t e = cudaGetLastError();
        if (e != cudaSuccess) return (int)e;
    }
    if (f->ff)
        WMEL_CU_LAUNCH(k_plan_finish<ff>, dim3((unsigned)f->n_cols), dim3(WG), WG * sizeof(ff), s)(*f);
    else
        WMEL_CU_LAUNCH(k_plan_finish<double>, dim3((unsigned)f->n_cols), dim3(WG), WG * sizeof(double), s)(*f);
    if (!f->post) return (int)cudaGetLastError();
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return (int)e;
    const long long total = f->prows * f->pcols, want = (total + POST_WG - 1) / POST_WG;
    const unsigned blocks = (unsigned)(want < 4096 ? (want > 0 ? want : 1) : 4096);
    if (f->ff)
        WMEL_CU_LAUNCH(k_plan_post<ff>, dim3(blocks), dim3(POST_WG), 0, s)(*f);
    else
        WMEL_CU_LAUNCH(k_plan_post<double>, dim3(blocks), dim3(POST_WG), 0, s)(*f);
    return (int)cudaGetLastError();
}

extern "C" int wmel__cu_plan_frames(const wmel_cu_frames *f, void *stream)
{
    if (f->nf <= 0) return 0;
    const long long blocks = (f->nf + f->fpb - 1) / f->fpb;
    const size_t smem = sizeof(double) * (size_t)f->sh_words * (size_t)f->fpb;
    if (blocks > 0x7fffffffLL || f->fpb < 1 || f->fpb > WMEL_CU_PLAN_FPB || smem > WMEL_CU_PLAN_SMEM)
        return (int)cudaErrorInvalidValue;
    if (f->ff)
        WMEL_CU_LAUNCH(k_plan_frames<ff>, dim3((unsigned)blocks), dim3((unsigned)(f->fpb * WG)), smem,
                       (cudaStream_t)stream)(*f);
    else
        WMEL_CU_LAUNCH(k_plan_frames<double>, dim3((unsigned)blocks), dim3((unsigned)(f->fpb * WG)), smem,
                       (cudaStream_t)stream)(*f);
    return (int)cudaGetLastError();
}

extern "C" int wmel__cu_plan_frames_round(const wmel_cu_frames *f, const wmel_cu_frames_round *r, long long blocks,
                                          void *stream)
{
    if (blocks <= 0 || r->n_clips <= 0) return 0;
    const size_t smem = sizeof(double) * (size_t)f->sh_words * (size_t)f->fpb;
    if (blocks > 0x7fffffffLL || r->n_clips > WMEL_CU_ROUND_CLIPS || f->fpb < 1 || f->fpb > WMEL_CU_PLAN_FPB ||
        smem > WMEL_CU_PLAN_SMEM)
        return (int)cudaErrorInvalidValue;
    const dim3 grid((unsigned)blocks), block((unsigned)(f->fpb * WG));
    if (f->ff)
        WMEL_CU_LAUNCH(k_plan_frames_round<ff>, grid, block, smem, (cudaStream_t)stream)(*f, *r);
    else
        WMEL_CU_LAUNCH(k_plan_frames_round<double>, grid, block, smem, (cudaStream_t)stream)(*f, *r);
    return (int)cudaGetLastError();
}

extern "C" int wmel__cu_plan_finish_round(const wmel_cu_finish *f, const wmel_cu_finish_round *r, void *stream)
{
    if (r->n_clips <= 0) return 0;
    if (f->n_cols <= 0 || r->n_clips > WMEL_CU_ROUND_CLIPS) return (int)cudaErrorInvalidValue;
    const cudaStream_t s = (cudaStream_t)stream;
    const unsigned nk = (unsigned)r->n_clips, nc = (unsigned)f->n_cols;
    cudaError_t e = cudaSuccess;
    if (f->all && (f->norm == 0 || f->norm == 1)) { /* each clip's one mean and denominator first */
        if (f->ff)
            WMEL_CU_LAUNCH(k_plan_all_round<ff>, dim3(1, nk), dim3(WG), WG * sizeof(ff), s)(*f, *r);
        else
            WMEL_CU_LAUNCH(k_plan_all_round<double>, dim3(1, nk), dim3(WG), WG * sizeof(double), s)(*f, *r);
        if ((e = cudaGetLastError()) != cudaSuccess) return (int)e;
    }
    if (f->norm == 3 && !f->fixed_max) { /* a clip with no valid frame leaves its key 0 */
        WMEL_CU_LAUNCH(k_plan_max_round, dim3(nc, nk), dim3(WG), 0, s)(*f, *r);
        if ((e = cudaGetLastError()) != cudaSuccess) return (int)e;
    }
    if (f->ff)
        WMEL_CU_LAUNCH(k_plan_finish_round<ff>, dim3(nc, nk), dim3(WG), WG * sizeof(ff), s)(*f, *r);
    else
        WMEL_CU_LAUNCH(k_plan_finish_round<double>, dim3(nc, nk), dim3(WG), WG * sizeof(double), s)(*f, *r);
    if (!f->post || (e = cudaGetLastError()) != cudaSuccess) return (int)(f->post ? e : cudaGetLastError());
    long long most = 0; /* the blocks of the round's largest output */
    for (int k = 0; k < r->n_clips; k++) {
        const long long total = (long long)r->prows[k] * f->pcols, want = (total + POST_WG - 1) / POST_WG;
        most = want > most ? want : most;
    }
    const unsigned blocks = (unsigned)(most < 4096 ? (most > 0 ? most : 1) : 4096);
    if (f->ff)
        WMEL_CU_LAUNCH(k_plan_post_round<ff>, dim3(blocks, nk), dim3(POST_WG), 0, s)(*f, *r);
    else
        WMEL_CU_LAUNCH(k_plan_post_round<double>, dim3(blocks, nk), dim3(POST_WG), 0, s)(*f, *r);
    return (int)cudaGetLastError();
}
