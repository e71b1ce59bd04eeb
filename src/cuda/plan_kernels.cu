/*
 * plan_kernels.cu -- the CUDA kernel of every plan but Whisper's geometry (the general
 * algorithm): each frame's values before the finish, which the CPU does (fe_cpu.c), in
 * float64 throughout:
 *
 *   k_plan_frames  WMEL_CU_PLAN_WG threads a frame, fpb frames a block: the frame's samples
 *                  framed from the clip (the plan's padding rule, scale, signal or padded
 *                  pre-emphasis, NeMo's time mask: wmel__fe_sample's rules), DC removal, the
 *                  raw energy, frame pre-emphasis, the window, the windowed energy, the
 *                  spectrum of the zero-padded frame, power or magnitude with its guard, the
 *                  sparse mel bank and the plan's log; n_cols values a frame to global
 *                  memory. The stages and their order are the float64 reference's
 *                  (src/ref/fe_ref.c).
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
 */
#include "cuda_internal.h"

#include "launch.h"
#include <stdint.h>

namespace {

constexpr int WG = WMEL_CU_PLAN_WG;

/* i folded into [0, n) by the padding's rule, or -1 where it falls on the padding's zeros */
__device__ __forceinline__ long long fold(const wmel_cu_frames &p, long long i)
{
    const long long n = p.n;
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
__device__ __forceinline__ double clip_at(const wmel_cu_frames &p, long long k)
{
    return p.scale * (double)__ldg(p.x + k);
}

__device__ __forceinline__ double padded_at(const wmel_cu_frames &p, long long i)
{
    const long long k = fold(p, i);
    return k < 0 ? 0.0 : clip_at(p, k);
}

/* signal sample i as a frame reads it (wmel__fe_sample) */
__device__ double sample_at(const wmel_cu_frames &p, long long i)
{
    if (p.smode) { /* the padded signal pre-emphasised from its first sample on; NeMo's time mask */
        if (p.padcut && i >= p.n - p.pad_left) return 0.0;
        const double y = padded_at(p, i);
        if (!p.padpre || i <= -(long long)p.pad_left) return y;
        return y - p.preemph * padded_at(p, i - 1);
    }
    const long long k = fold(p, i); /* the signal pre-emphasised, then padded */
    if (k < 0) return 0.0;
    const double v = clip_at(p, k);
    if (p.sigpre && k > 0) return v - p.preemph * clip_at(p, k - 1);
    return v;
}

/* The sum of v over the frame's WG threads (a tree in red[0 .. WG); every thread of the
 * block calls it: it holds barriers). */
__device__ double wg_sum(double v, int lid, double *red)
{
    red[lid] = v;
    __syncthreads();
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] += red[lid + s];
        __syncthreads();
    }
    const double t = red[0];
    __syncthreads();
    return t;
}

__device__ __forceinline__ double log_energy(const wmel_cu_frames &p, double e)
{
    e = log(e > 1.1920928955078125e-07 ? e : 1.1920928955078125e-07); /* FLT_EPSILON */
    if (p.floor_on) e = e > p.ln_floor ? e : p.ln_floor;
    return e;
}

/* (re, im) times W^idx = cos - i sin */
__device__ __forceinline__ void twiddle(const double *co, const double *so, int idx, double &re, double &im)
{
    const double c = __ldg(co + idx), s = __ldg(so + idx);
    const double nr = re * c + im * s;
    im = im * c - re * s;
    re = nr;
}

/* One stage of radix r of the M-point FFT in sh (z[n] at 2n, 2n + 1): its sub-transforms
 * of L points joined into ones of L r; then a barrier (every thread of the block). */
__device__ void fft_stage(double *sh, int r, int L, int N, int lid, const double *co, const double *so)
{
    const int M = N >> 1, Lt = L * r, nb = M / r, step = N / Lt;
    for (int b = lid; b < nb; b += WG) {
        const int g = b / L, q = b - g * L, i0 = 2 * (g * Lt + q), d = 2 * L;
        double a0r = sh[i0], a0i = sh[i0 + 1], a1r = sh[i0 + d], a1i = sh[i0 + d + 1];
        if (q != 0) twiddle(co, so, q * step, a1r, a1i);
        if (r == 8) {
            double a2r = sh[i0 + 2 * d], a2i = sh[i0 + 2 * d + 1], a3r = sh[i0 + 3 * d], a3i = sh[i0 + 3 * d + 1];
            double a4r = sh[i0 + 4 * d], a4i = sh[i0 + 4 * d + 1], a5r = sh[i0 + 5 * d], a5i = sh[i0 + 5 * d + 1];
            double a6r = sh[i0 + 6 * d], a6i = sh[i0 + 6 * d + 1], a7r = sh[i0 + 7 * d], a7i = sh[i0 + 7 * d + 1];
            if (q != 0) {
                twiddle(co, so, 2 * q * step, a2r, a2i);
                twiddle(co, so, 3 * q * step, a3r, a3i);
                twiddle(co, so, 4 * q * step, a4r, a4i);
                twiddle(co, so, 5 * q * step, a5r, a5i);
                twiddle(co, so, 6 * q * step, a6r, a6i);
                twiddle(co, so, 7 * q * step, a7r, a7i);
            }
            /* E: the 4-point transform of a0, a2, a4, a6; O: of a1, a3, a5, a7;
               X[k] = E[k] + W8^k O[k], X[k + 4] = E[k] - W8^k O[k], W8 = (1 - i) h with
               h = cos(pi / 4), the table's cos at N / 8 */
            const double h = __ldg(co + N / 8);
            double t0r = a0r + a4r, t0i = a0i + a4i, t1r = a0r - a4r, t1i = a0i - a4i;
            double t2r = a2r + a6r, t2i = a2i + a6i, t3r = a2r - a6r, t3i = a2i - a6i;
            const double e0r = t0r + t2r, e0i = t0i + t2i, e2r = t0r - t2r, e2i = t0i - t2i;
            const double e1r = t1r + t3i, e1i = t1i - t3r, e3r = t1r - t3i, e3i = t1i + t3r;
            t0r = a1r + a5r, t0i = a1i + a5i, t1r = a1r - a5r, t1i = a1i - a5i;
            t2r = a3r + a7r, t2i = a3i + a7i, t3r = a3r - a7r, t3i = a3i - a7i;
            const double o0r = t0r + t2r, o0i = t0i + t2i, o2r = t0r - t2r, o2i = t0i - t2i;
            const double o1r = t1r + t3i, o1i = t1i - t3r, o3r = t1r - t3i, o3i = t1i + t3r;
            const double u1r = h * (o1r + o1i), u1i = h * (o1i - o1r); /* W8 O1 */
            const double u3r = h * (o3i - o3r), u3i = h * (o3r + o3i); /* W8^3 O3 = u3r - i u3i */
            sh[i0] = e0r + o0r, sh[i0 + 1] = e0i + o0i;
            sh[i0 + 4 * d] = e0r - o0r, sh[i0 + 4 * d + 1] = e0i - o0i;
            sh[i0 + d] = e1r + u1r, sh[i0 + d + 1] = e1i + u1i;
            sh[i0 + 5 * d] = e1r - u1r, sh[i0 + 5 * d + 1] = e1i - u1i;
            sh[i0 + 2 * d] = e2r + o2i, sh[i0 + 2 * d + 1] = e2i - o2r; /* W8^2 O2 = -i O2 */
            sh[i0 + 6 * d] = e2r - o2i, sh[i0 + 6 * d + 1] = e2i + o2r;
            sh[i0 + 3 * d] = e3r + u3r, sh[i0 + 3 * d + 1] = e3i - u3i;
            sh[i0 + 7 * d] = e3r - u3r, sh[i0 + 7 * d + 1] = e3i + u3i;
        } else if (r == 2) {
            sh[i0] = a0r + a1r, sh[i0 + 1] = a0i + a1i;
            sh[i0 + d] = a0r - a1r, sh[i0 + d + 1] = a0i - a1i;
        } else if (r == 4) {
            double a2r = sh[i0 + 2 * d], a2i = sh[i0 + 2 * d + 1], a3r = sh[i0 + 3 * d], a3i = sh[i0 + 3 * d + 1];
            if (q != 0) {
                twiddle(co, so, 2 * q * step, a2r, a2i);
                twiddle(co, so, 3 * q * step, a3r, a3i);
            }
            const double t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
            const double t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
            sh[i0] = t0r + t2r, sh[i0 + 1] = t0i + t2i;
            sh[i0 + d] = t1r + t3i, sh[i0 + d + 1] = t1i - t3r; /* t1 - i t3 */
            sh[i0 + 2 * d] = t0r - t2r, sh[i0 + 2 * d + 1] = t0i - t2i;
            sh[i0 + 3 * d] = t1r - t3i, sh[i0 + 3 * d + 1] = t1i + t3r; /* t1 + i t3 */
        } else if (r == 3) {
            double a2r = sh[i0 + 2 * d], a2i = sh[i0 + 2 * d + 1];
            if (q != 0) twiddle(co, so, 2 * q * step, a2r, a2i);
            const double c = __ldg(co + N / 3), s = __ldg(so + N / 3);
            const double t1r = a1r + a2r, t1i = a1i + a2i, t2r = a1r - a2r, t2i = a1i - a2i;
            const double br = a0r + c * t1r, bi = a0i + c * t1i;
            const double er = s * t2r, ei = s * t2i;
            sh[i0] = a0r + t1r, sh[i0 + 1] = a0i + t1i;
            sh[i0 + d] = br + ei, sh[i0 + d + 1] = bi - er;         /* b - i e */
            sh[i0 + 2 * d] = br - ei, sh[i0 + 2 * d + 1] = bi + er; /* b + i e */
        } else { /* 5 */
            double a2r = sh[i0 + 2 * d], a2i = sh[i0 + 2 * d + 1], a3r = sh[i0 + 3 * d], a3i = sh[i0 + 3 * d + 1];
            double a4r = sh[i0 + 4 * d], a4i = sh[i0 + 4 * d + 1];
            if (q != 0) {
                twiddle(co, so, 2 * q * step, a2r, a2i);
                twiddle(co, so, 3 * q * step, a3r, a3i);
                twiddle(co, so, 4 * q * step, a4r, a4i);
            }
            const int f5 = N / 5;
            const double c1 = __ldg(co + f5), s1 = __ldg(so + f5), c2 = __ldg(co + 2 * f5), s2 = __ldg(so + 2 * f5);
            const double t1r = a1r + a4r, t1i = a1i + a4i, t2r = a2r + a3r, t2i = a2i + a3i;
            const double t3r = a1r - a4r, t3i = a1i - a4i, t4r = a2r - a3r, t4i = a2i - a3i;
            const double b1r = a0r + (c1 * t1r + c2 * t2r), b1i = a0i + (c1 * t1i + c2 * t2i);
            const double b2r = a0r + (c2 * t1r + c1 * t2r), b2i = a0i + (c2 * t1i + c1 * t2i);
            const double e1r = s1 * t3r + s2 * t4r, e1i = s1 * t3i + s2 * t4i;
            const double e2r = s2 * t3r - s1 * t4r, e2i = s2 * t3i - s1 * t4i;
            sh[i0] = a0r + (t1r + t2r), sh[i0 + 1] = a0i + (t1i + t2i);
            sh[i0 + d] = b1r + e1i, sh[i0 + d + 1] = b1i - e1r;         /* b1 - i e1 */
            sh[i0 + 2 * d] = b2r + e2i, sh[i0 + 2 * d + 1] = b2i - e2r; /* b2 - i e2 */
            sh[i0 + 3 * d] = b2r - e2i, sh[i0 + 3 * d + 1] = b2i + e2r; /* b2 + i e2 */
            sh[i0 + 4 * d] = b1r - e1i, sh[i0 + 4 * d + 1] = b1i + e1r; /* b1 + i e1 */
        }
    }
    __syncthreads();
}

/* the guard, then power or magnitude */
__device__ __forceinline__ double finish_bin(const wmel_cu_frames &p, double v)
{
    if (p.guard == 1) v = v > p.mag_guard ? v : p.mag_guard;
    else if (p.guard == 2) v = v + p.mag_guard;
    return p.power == 2 ? v : sqrt(v);
}

__global__ void __launch_bounds__(WMEL_CU_PLAN_WG *WMEL_CU_PLAN_FPB) k_plan_frames(wmel_cu_frames p)
{
    WMEL_CU_DYNAMIC_SHARED(double, smem);
    const int tid = threadIdx.x, sub = tid / WG, lid = tid - sub * WG;
    /* this thread's frame; past the last frame, the last one computed again and not written
       (every thread meets every barrier) */
    const long long fr = (long long)blockIdx.x * p.fpb + sub;
    const bool live = fr < p.nf;
    const long long f = live ? fr : p.nf - 1;
    double *sh = smem + (size_t)sub * (size_t)p.sh_words;
    double *red = sh + p.sh_words - WG; /* the sums' words (a plan with DC removal or an energy) */
    const int N = p.n_fft, fl = p.fl, M = N >> 1;
    const double *win = p.tab + p.win, *co = p.tab + p.co, *so = p.tab + p.so;
    const int *perm = p.ints + p.perm;
    const long long i0 = (p.t0 + f) * p.hop + p.off;

    /* the samples, to their places (FFT: z[j / 2] at its digit-reversed place; DFT: j); the
       frame's sum */
    double part = 0.0;
    for (int j = lid; j < fl; j += WG) {
        const double v = sample_at(p, i0 + j);
        sh[p.fft ? 2 * __ldg(perm + (j >> 1)) + (j & 1) : j] = v;
        part += v;
    }
    if (p.fft)
        for (int j = fl + lid; j < N; j += WG) sh[2 * __ldg(perm + (j >> 1)) + (j & 1)] = 0.0;
    double mean = 0.0, energy = 0.0;
    if (p.remove_dc) mean = wg_sum(part, lid, red) / (double)fl;
    if (p.energy_mode == 1) { /* the raw energy, after DC removal (the thread's own samples) */
        part = 0.0;
        for (int j = lid; j < fl; j += WG) {
            double v = sh[p.fft ? 2 * __ldg(perm + (j >> 1)) + (j & 1) : j];
            if (p.remove_dc) v -= mean;
            part += v * v;
        }
        energy = log_energy(p, wg_sum(part, lid, red));
    }
    /* DC removal, frame pre-emphasis (the previous sample framed again, so that no thread
       waits for another's), the window */
    part = 0.0;
    for (int j = lid; j < fl; j += WG) {
        const int at = p.fft ? 2 * __ldg(perm + (j >> 1)) + (j & 1) : j;
        double v = sh[at];
        if (p.remove_dc) v -= mean;
        if (p.preemph_frame) {
            double prev = v;
            if (j > 0) {
                prev = sample_at(p, i0 + j - 1);
                if (p.remove_dc) prev -= mean;
            }
            v = v - p.preemph * prev;
        }
        v *= __ldg(win + j);
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
                const double zr = sh[0], zi = sh[1];
                const double x0 = zr + zi, xm = zr - zi;
                sh[0] = finish_bin(p, x0 * x0);
                sh[1] = finish_bin(p, xm * xm);
            } else {
                const int kk = M - k;
                const double ar = sh[2 * k], ai = sh[2 * k + 1], br = sh[2 * kk], bi = sh[2 * kk + 1];
                const double er = ar + br, ei = ai - bi; /* 2 Fe */
                double orr = ai + bi, oi = br - ar;      /* 2 Fo, then 2 W^k Fo */
                twiddle(co, so, k, orr, oi);
                const double xr = er + orr, xi = ei + oi, yr = er - orr, yi = ei - oi;
                const double px = (xr * xr + xi * xi) * 0.25, py = (yr * yr + yi * yi) * 0.25;
                sh[2 * k] = finish_bin(p, px);
                sh[2 * kk] = finish_bin(p, py);
            }
        }
    } else { /* the direct DFT: bin k after the frame, at fl + k */
        for (int k = lid; k < p.nbins; k += WG) {
            double re = 0.0, im = 0.0;
            int idx = 0; /* j k mod N */
            for (int j = 0; j < fl; j++) {
                re += sh[j] * __ldg(co + idx);
                im -= sh[j] * __ldg(so + idx);
                idx += k;
                if (idx >= N) idx -= N;
            }
            sh[fl + k] = finish_bin(p, re * re + im * im);
        }
    }
    __syncthreads();
    if (!live) return; /* no barrier from here on */

    /* the mel bank and the log; bin k's word: FFT, Z[k]'s real one (bin M: Z[0]'s
       imaginary one); DFT, fl + k */
    double *o = p.outf ? NULL : p.out + f * (long long)p.n_cols;
    const int *mlo = p.ints + p.lo, *mlen = p.ints + p.len, *moff = p.ints + p.moff;
    const double *mw = p.tab + p.mo;
    for (int m = lid; m < p.n_mels; m += WG) {
        const int lo = __ldg(mlo + m), len = __ldg(mlen + m);
        const double *w = mw + __ldg(moff + m);
        double acc = 0.0;
        for (int i = 0; i < len; i++) {
            const int k = lo + i;
            acc += __ldg(w + i) * sh[p.fft ? (k == M ? 1 : 2 * k) : fl + k];
        }
        if (p.log_mode == 1) acc = log10(acc < p.log_guard ? p.log_guard : acc);
        else if (p.log_mode == 2) acc = log(acc + p.log_guard);
        else if (p.log_mode == 3) acc = log(acc < p.log_guard ? p.log_guard : acc);
        if (p.outf) p.outf[f * (long long)p.n_cols + p.use_energy + m] = (float)acc;
        else o[p.use_energy + m] = acc;
    }
    if (lid == 0 && p.use_energy) {
        if (p.outf) p.outf[f * (long long)p.n_cols] = (float)energy;
        else o[0] = energy;
    }
}

} // namespace

extern "C" int wmel__cu_plan_prepare(void)
{
    cudaFuncAttributes a;
    return (int)cudaFuncGetAttributes(&a, k_plan_frames);
}

extern "C" int wmel__cu_plan_frames(const wmel_cu_frames *f, void *stream)
{
    if (f->nf <= 0) return 0;
    const long long blocks = (f->nf + f->fpb - 1) / f->fpb;
    const size_t smem = sizeof(double) * (size_t)f->sh_words * (size_t)f->fpb;
    if (blocks > 0x7fffffffLL || f->fpb < 1 || f->fpb > WMEL_CU_PLAN_FPB || smem > WMEL_CU_PLAN_SMEM)
        return (int)cudaErrorInvalidValue;
    WMEL_CU_LAUNCH(k_plan_frames, dim3((unsigned)blocks), dim3((unsigned)(f->fpb * WG)), smem,
                   (cudaStream_t)stream)(*f);
    return (int)cudaGetLastError();
}
