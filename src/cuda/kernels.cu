/*
 * kernels.cu -- the CUDA kernels of the log-Mel front-end (openai-whisper's
 * log_mel_spectrogram), the same algorithm as src/cpu/kernel.inc:
 *
 *   k_logmel    one fused pass per tile of WMEL_CU_TILE frames of one clip:
 *               reflect/zero padding and int16 conversion while loading the samples
 *               into shared memory, Hann window, 400-point real FFT as a 200-point
 *               complex FFT (8 x 25, 25 = 5 x 5) plus the real post-processing, |X|^2,
 *               sparse Slaney mel product, clamp, log10, and the tile's max folded
 *               into the clip's max key with one atomicMax. No spectrum reaches
 *               global memory: the transform lives in shared memory.
 *   k_normalize max(x, max - 8), (x + 4) / 4 with the clip's (or the batch's) max.
 *   k_edges,    with params.smooth = WMEL_SMOOTH_3X3 instead of k_normalize: the
 *   k_smooth    normalisation and the 3x3 average (avg_pool2d) in one in-place pass over
 *               each clip (k_edges saves the tile-boundary columns it needs first).
 *   *_round     the same for a round of clips of their own lengths
 *               (wmel_cuda_features_device_batch): the clips' tables in the launch's
 *               parameters, a block's clip found by a binary search of their first tiles.
 *
 * Precision: the window, transform, power and mel product run in float64 (a float32
 * FFT misses the 2e-5 bar, see kernel.inc); log10 runs in float32 (error < 1e-7).
 * The max is kept as an order-preserving unsigned key so atomicMax works on floats.
 */
#include "cuda_internal.h"

#include "arith_ff.cuh"
#include "keys.cuh"
#include "launch.h"
#include <limits.h>
#include <stdint.h>
#include <string.h>

namespace {

constexpr int TILE = WMEL_CU_TILE;
constexpr int NT = WMEL_CU_THREADS;
constexpr int FS = 201;                                 /* per-frame stride in doubles: odd, so
                                                           16 frames hit 16 distinct bank pairs */
constexpr int SPAN = (TILE - 1) * 160 + 400;            /* samples a tile reads */
constexpr size_t SMEM = sizeof(double) * 2 * TILE * FS + sizeof(float) * SPAN;
/* 3 blocks per SM: 3 x 62 KB of shared memory and 168 registers a thread (no spills) fit an H100 SM */

/* The number type R of the transform, the power and the mel product: double, or the
 * float-float pair wmel_cu::ff (arith_ff.cuh: src/kernels/ff.h's operations, with the
 * operators the text below uses, so that both read the same). */
using wmel_cu::ff;

/* A constant in R: d for double, its float-float pair (hi, lo) for ff (hi = (float)d,
 * lo = (float)(d - hi), exact float32 values written as decimals). */
template <typename R> __device__ __forceinline__ R kc(double d, float hi, float lo);
template <> __device__ __forceinline__ double kc<double>(double d, float, float) { return d; }
template <> __device__ __forceinline__ ff kc<ff>(double, float hi, float lo) { return ff(hi, lo); }

/* A table entry: a double, or the (hi, lo) pair in its 8 bytes. */
__device__ __forceinline__ double ldt(const double *p) { return __ldg(p); }
__device__ __forceinline__ ff ldt(const ff *p)
{
    const float *q = (const float *)p;
    return ff(__ldg(q), __ldg(q + 1));
}

/* w x for a sample x (the window's product), and x / 2 (exact in both) */
__device__ __forceinline__ double mulf(double w, float x) { return (double)x * w; }
__device__ __forceinline__ ff mulf(ff w, float x) { return wmel_cu::r_mul_f(w, x); }
__device__ __forceinline__ double half(double x) { return 0.5 * x; }
__device__ __forceinline__ ff half(ff x) { return ff(__fmul_rn(0.5f, x.x), __fmul_rn(0.5f, x.y)); }

/* A mel energy clamped at 1e-10 and its log10 in float32 (error < 1e-7): float64 rounds it
 * once to float (power past FLT_MAX, for absurd input levels, takes the double log);
 * float-float rounds it once (its range is float's, and samples past WMEL_CU_F32_SAFE, whose
 * powers could approach it, are flagged and computed elsewhere). */
__device__ __forceinline__ float clamp_log10(double acc)
{
    acc = acc > 1e-10 ? acc : 1e-10; /* NaN stays NaN */
    return acc < 3.0e38 ? log10f((float)acc) : (float)log10(acc);
}
__device__ __forceinline__ float clamp_log10(ff acc)
{
    float a = wmel_cu::to_f(acc);
    a = a > 1e-10f ? a : 1e-10f;
    return log10f(a);
}

template <typename R> struct cplx {
    R re, im;
};

template <typename R> __device__ __forceinline__ cplx<R> mk(R r, R i) { return cplx<R>{r, i}; }
template <typename R> __device__ __forceinline__ cplx<R> add(cplx<R> a, cplx<R> b) { return mk(a.re + b.re, a.im + b.im); }
template <typename R> __device__ __forceinline__ cplx<R> sub(cplx<R> a, cplx<R> b) { return mk(a.re - b.re, a.im - b.im); }
template <typename R> __device__ __forceinline__ cplx<R> mul(cplx<R> a, R wr, R wi)
{
    return mk(a.re * wr - a.im * wi, a.re * wi + a.im * wr);
}
template <typename R> __device__ __forceinline__ cplx<R> mul_mi(cplx<R> a) { return mk(a.im, -a.re); } /* a * (-i) */

template <typename R> __device__ __forceinline__ void dft4(cplx<R> a0, cplx<R> a1, cplx<R> a2, cplx<R> a3, cplx<R> *y)
{
    cplx<R> t0 = add(a0, a2), t1 = sub(a0, a2), t2 = add(a1, a3), t3 = mul_mi(sub(a1, a3));
    y[0] = add(t0, t2);
    y[2] = sub(t0, t2);
    y[1] = add(t1, t3);
    y[3] = sub(t1, t3);
}

template <typename R> __device__ __forceinline__ void dft8(const cplx<R> *x, cplx<R> *y)
{
    const R r = kc<R>(0.70710678118654752440, 0.7071067690849304f, 1.2101617485882343e-08f);
    cplx<R> e[4], o[4];
    dft4(x[0], x[2], x[4], x[6], e);
    dft4(x[1], x[3], x[5], x[7], o);
    cplx<R> o1 = mk((o[1].re + o[1].im) * r, (o[1].im - o[1].re) * r);
    cplx<R> o2 = mul_mi(o[2]);
    cplx<R> o3 = mk((o[3].im - o[3].re) * r, -(o[3].re + o[3].im) * r);
    y[0] = add(e[0], o[0]);
    y[4] = sub(e[0], o[0]);
    y[1] = add(e[1], o1);
    y[5] = sub(e[1], o1);
    y[2] = add(e[2], o2);
    y[6] = sub(e[2], o2);
    y[3] = add(e[3], o3);
    y[7] = sub(e[3], o3);
}

template <typename R>
__device__ __forceinline__ void dft5(cplx<R> x0, cplx<R> x1, cplx<R> x2, cplx<R> x3, cplx<R> x4, cplx<R> *y)
{
    const R c1 = kc<R>(0.30901699437494742410, 0.30901700258255005f, -8.207602597565256e-09f);
    const R c2 = kc<R>(-0.80901699437494742410, -0.80901700258255f, 8.207602597565256e-09f);
    const R s1 = kc<R>(0.95105651629515357212, 0.9510565400123596f, -2.3717205976936384e-08f);
    const R s2 = kc<R>(0.58778525229247312917, 0.5877852439880371f, 8.304436249773062e-09f);
    cplx<R> t1 = add(x1, x4), t2 = add(x2, x3), t3 = sub(x1, x4), t4 = sub(x2, x3);
    y[0] = add(x0, add(t1, t2));
    cplx<R> a1 = mk(x0.re + c1 * t1.re + c2 * t2.re, x0.im + c1 * t1.im + c2 * t2.im);
    cplx<R> a2 = mk(x0.re + c2 * t1.re + c1 * t2.re, x0.im + c2 * t1.im + c1 * t2.im);
    cplx<R> b1 = mk(s1 * t3.re + s2 * t4.re, s1 * t3.im + s2 * t4.im);
    cplx<R> b2 = mk(s2 * t3.re - s1 * t4.re, s2 * t3.im - s1 * t4.im);
    y[1] = mk(a1.re + b1.im, a1.im - b1.re);
    y[4] = mk(a1.re - b1.im, a1.im + b1.re);
    y[2] = mk(a2.re + b2.im, a2.im - b2.re);
    y[3] = mk(a2.re - b2.im, a2.im + b2.re);
}

using wmel_cu::f2key; /* keys.cuh: the order-preserving key */
using wmel_cu::key2f;

/* A sample as float: int16 PCM scaled by 1/32768. */
__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(int16_t v) { return (float)v * (1.0f / 32768.0f); }

/* Sample at padded position p of clip `x`: reflect at both ends of the n_total-long
 * padded signal, zeros past the n real samples. */
template <typename T>
__device__ __forceinline__ float sample(const T *x, long long p, long long n, long long n_total)
{
    long long i = p - 200;
    if (i < 0) i = -i;
    if (i >= n_total) i = 2 * (n_total - 1) - i;
    return i < n ? to_float(__ldg(x + i)) : 0.0f;
}

/* Position of Z[k] after the in-place 200-point transform. */
__device__ __forceinline__ int zpos(int k) { return 25 * (k & 7) + (k >> 3); }

/* Blocks per SM the register budget is sized for: 3, except on sm_80..89, whose ptxas
   needs a few more registers for this kernel than 65536 / (3 NT) and would spill 8 bytes
   (the build refuses spills: -Xptxas -warn-spills under -Werror, cmake/cuda.cmake). */
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800 && __CUDA_ARCH__ < 900
#define LOGMEL_MIN_BLOCKS 2
#else
#define LOGMEL_MIN_BLOCKS 3
#endif

/* One block's tile: frames [f0, f0 + TILE) (at most up to f_end) of the clip x (n real
 * samples, n_total padded), its rows nf long at out, the tile's max into *key. smem: the
 * dynamic shared memory, wmax: NT / 32 floats of shared memory. */
template <typename T, typename R>
__device__ __forceinline__ void logmel_tile(const wmel_cu_launch &l, const T *x, long long n, long long n_total,
                                            long long nf, long long f0, long long f_end, float *out,
                                            unsigned *key, double *smem, float *wmax)
{
    R *re = (R *)smem;                 /* [TILE][FS] (an R takes a double's 8 bytes) */
    R *im = (R *)smem + TILE * FS;     /* [TILE][FS] */
    float *span = (float *)(smem + 2 * TILE * FS);

    const int nft = (int)(f_end - f0 < TILE ? f_end - f0 : TILE);
    const R *pd = (const R *)l.plan_d;
    const int tid = threadIdx.x;

    /* 1. samples of the tile (padding applied) into shared memory */
    const int count = (nft - 1) * 160 + 400;
    int bad = 0;
    for (int j = tid; j < SPAN; j += NT) {
        float v = j < count ? sample<T>(x, f0 * 160 + j, n, n_total) : 0.0f;
        bad |= !isfinite(v) ? 1 : fabsf(v) > WMEL_CU_F32_SAFE ? 2 : 0;
        span[j] = v;
    }
    /* the block's flags: any thread's 1, then any thread's 2 */
    const int b1 = __syncthreads_or(bad & 1), b2 = __syncthreads_or(bad & 2);
    if ((b1 || b2) && l.bad && tid == 0) atomicOr(l.bad, (b1 ? 1 : 0) | (b2 ? 2 : 0));

    /* 2. window, pack z[m] = x[2m] + i x[2m+1], radix-8 stage with twiddles */
    for (int task = tid; task < TILE * 25; task += NT) {
        const int f = task / 25, n2 = task - f * 25;
        const float *xs = span + f * 160;
        cplx<R> a[8], y[8];
#pragma unroll
        for (int n1 = 0; n1 < 8; n1++) {
            const int m = 25 * n1 + n2;
            a[n1] = mk(mulf(ldt(pd + WMEL_CU_WIN + 2 * m), xs[2 * m]),
                       mulf(ldt(pd + WMEL_CU_WIN + 2 * m + 1), xs[2 * m + 1]));
        }
        dft8(a, y);
        R *r = re + f * FS, *i = im + f * FS;
        r[n2] = y[0].re;
        i[n2] = y[0].im;
#pragma unroll
        for (int k1 = 1; k1 < 8; k1++) {
            cplx<R> t = mul(y[k1], ldt(pd + WMEL_CU_TW200R + k1 * 25 + n2), ldt(pd + WMEL_CU_TW200I + k1 * 25 + n2));
            r[25 * k1 + n2] = t.re;
            i[25 * k1 + n2] = t.im;
        }
    }
    __syncthreads();

    /* 3. the eight 25-point transforms (5 x 5) of each frame, in registers */
    for (int task = tid; task < TILE * 8; task += NT) {
        const int f = task >> 3, k1 = task & 7;
        R *r = re + f * FS + 25 * k1, *i = im + f * FS + 25 * k1;
        cplx<R> c[25], y[5];
#pragma unroll
        for (int b = 0; b < 5; b++) {
            dft5(mk(r[b], i[b]), mk(r[5 + b], i[5 + b]), mk(r[10 + b], i[10 + b]),
                 mk(r[15 + b], i[15 + b]), mk(r[20 + b], i[20 + b]), y);
            c[b] = y[0];
#pragma unroll
            for (int cc = 1; cc < 5; cc++)
                c[cc * 5 + b] = b ? mul(y[cc], ldt(pd + WMEL_CU_TW25R + b * 5 + cc), ldt(pd + WMEL_CU_TW25I + b * 5 + cc))
                                  : y[cc];
        }
#pragma unroll
        for (int cc = 0; cc < 5; cc++) {
            dft5(c[cc * 5], c[cc * 5 + 1], c[cc * 5 + 2], c[cc * 5 + 3], c[cc * 5 + 4], y);
#pragma unroll
            for (int d = 0; d < 5; d++) {
                r[cc + 5 * d] = y[d].re;
                i[cc + 5 * d] = y[d].im;
            }
        }
    }
    __syncthreads();

    /* 4. real post-processing and power, in place: the task for k reads Z[k] and
     * Z[200-k] and leaves |X[k]|^2 at re[zpos(k)], |X[200-k]|^2 at re[zpos(200-k)]
     * (|X[200]|^2 at im[0]). No other task touches those slots. */
    for (int task = tid; task < TILE * 101; task += NT) {
        const int f = task / 101, k = task - f * 101;
        R *r = re + f * FS, *i = im + f * FS;
        const int pa = zpos(k), pb = zpos(k ? 200 - k : 0);
        const R ar = r[pa], ai = i[pa], br = r[pb], bi = i[pb];
        /* X[k] from Z[k] and conj(Z[200-k]) */
        R sr = ar + br, si = ai - bi, dr = ar - br, di = ai + bi;
        R wr = ldt(pd + WMEL_CU_POSTR + k), wi = ldt(pd + WMEL_CU_POSTI + k);
        R xr = half(sr) + (wr * dr - wi * di), xi = half(si) + (wr * di + wi * dr);
        const R pk = xr * xr + xi * xi;
        /* X[200-k] from Z[200-k] and conj(Z[k]); for k = 0 that is X[200] from Z[0] */
        const int kk = 200 - k;
        sr = br + ar;
        si = bi - ai;
        dr = br - ar;
        di = bi + ai;
        wr = ldt(pd + WMEL_CU_POSTR + kk);
        wi = ldt(pd + WMEL_CU_POSTI + kk);
        xr = half(sr) + (wr * dr - wi * di);
        xi = half(si) + (wr * di + wi * dr);
        const R pkk = xr * xr + xi * xi;
        r[pa] = pk;
        if (k == 0)
            i[0] = pkk;
        else if (k != 100)
            r[pb] = pkk;
    }
    __syncthreads();

    /* 5. sparse mel product, clamp, log10, store; the tile's max */
    float vmax = -1e30f;
    const int *mel_lo = l.plan_i, *mel_len = l.plan_i + l.n_mels, *mel_off = l.plan_i + 2 * l.n_mels;
    for (int task = tid; task < l.n_mels * TILE; task += NT) {
        const int m = task / TILE, f = task - m * TILE;
        if (f >= nft) continue;
        const R *r = re + f * FS;
        const int lo = __ldg(mel_lo + m), len = __ldg(mel_len + m);
        const R *w = pd + WMEL_CU_MELW + __ldg(mel_off + m);
        R acc = kc<R>(0.0, 0.0f, 0.0f);
        for (int j = 0; j < len; j++) {
            const int k = lo + j;
            acc += ldt(w + j) * (k < 200 ? r[zpos(k)] : im[f * FS]);
        }
        const float v = clamp_log10(acc);
        vmax = fmaxf(vmax, v);
        out[(long long)m * nf + f0 + f] = v;
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) vmax = fmaxf(vmax, __shfl_xor_sync(0xffffffffu, vmax, o));
    if ((tid & 31) == 0) wmax[tid >> 5] = vmax;
    __syncthreads();
    if (tid == 0) {
        float mx = wmax[0];
        for (int w = 1; w < NT / 32; w++) mx = fmaxf(mx, wmax[w]);
        atomicMax(key, f2key(mx));
    }
}

template <typename T, typename R>
__global__ void __launch_bounds__(NT, LOGMEL_MIN_BLOCKS) k_logmel(wmel_cu_launch l)
{
    WMEL_CU_DYNAMIC_SHARED(double, smem);
    __shared__ float wmax[NT / 32];
    const size_t clip = blockIdx.y + (size_t)gridDim.y * blockIdx.z;
    if (clip >= l.n_clips) return;
    const long long f0 = l.f_begin + (long long)blockIdx.x * TILE;
    if (f0 >= l.f_end) return;
    logmel_tile<T, R>(l, (const T *)l.pcm + clip * l.pcm_stride, l.n, l.n_total, l.nf, f0, l.f_end,
                   l.out + clip * l.out_stride, l.keys + (l.global_key ? 0 : clip), smem, wmax);
}

/* The round's clip of block (or tile) b: the last clip k whose first one, first[k], is at
 * most b (first increasing; a binary search). */
__device__ __forceinline__ int round_clip(const unsigned *first, int n_clips, unsigned long long b)
{
    int lo = 0, hi = n_clips - 1;
    while (lo < hi) {
        const int mid = (lo + hi + 1) >> 1;
        if (first[mid] <= b) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

/* A round's log-mel (wmel_cu_logmel_round): block blockIdx.x is tile blockIdx.x - b0[k] of
 * clip k, no padding; the clip's max into l.keys[k]. */
template <typename T, typename R>
__global__ void __launch_bounds__(NT, LOGMEL_MIN_BLOCKS) k_logmel_round(wmel_cu_launch l, wmel_cu_logmel_round r)
{
    WMEL_CU_DYNAMIC_SHARED(double, smem);
    __shared__ float wmax[NT / 32];
    const int k = round_clip(r.b0, r.n_clips, blockIdx.x);
    const long long nf = r.nf[k], f0 = (long long)(blockIdx.x - r.b0[k]) * TILE;
    logmel_tile<T, R>(l, (const T *)r.x[k], r.n[k], r.n[k], nf, f0, nf, r.out[k], l.keys + k, smem, wmax);
}

__global__ void k_normalize(float *out, size_t out_stride, size_t per_clip, size_t n_clips,
                            const unsigned *keys, int global_key)
{
    const size_t clip = blockIdx.y + (size_t)gridDim.y * blockIdx.z;
    if (clip >= n_clips) return;
    const float lo = key2f(keys[global_key ? 0 : clip]) - 8.0f;
    float *o = out + clip * out_stride;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < per_clip;
         i += (size_t)gridDim.x * blockDim.x) {
        const float v = o[i];
        o[i] = ((v < lo ? lo : v) + 4.0f) * 0.25f;
    }
}

/* ---- the samples' scan (params.device_check) ----
 *
 * Clip c's float32 samples (base + c * stride, n of them; or, with tab, the clip at
 * tab[2c] with tab[2c + 1] samples): flags[c] |= 1 where one is NaN or Inf, 2 where one's
 * magnitude bits pass range_lim, 4 where they pass ff_lim (the bits of a non-negative
 * float order as its values; 0x7f7fffff: no finite sample passes). */
__global__ void k_scan(const float *base, size_t stride, const unsigned long long *tab, long long n,
                       size_t n_clips, unsigned range_lim, unsigned ff_lim, unsigned *flags)
{
    const size_t clip = blockIdx.y + (size_t)gridDim.y * blockIdx.z;
    if (clip >= n_clips) return;
    const float *x = tab ? (const float *)(uintptr_t)tab[2 * clip] : base + clip * stride;
    const size_t len = tab ? (size_t)tab[2 * clip + 1] : (size_t)n;
    unsigned f = 0;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < len; i += (size_t)gridDim.x * blockDim.x) {
        const unsigned a = __float_as_uint(x[i]) & 0x7fffffffu;
        if (a >= 0x7f800000u) f |= 1u;
        else f |= (a > range_lim ? 2u : 0u) | (a > ff_lim ? 4u : 0u);
    }
    if (f) atomicOr(flags + clip, f);
}

/* ---- the 3x3 smoothing, fused into the normalisation ----
 *
 * out holds each clip's raw log10 mel [n_mels][nf]; it is finished in place: normalised
 * with the clip's (or the batch's) max when keys is set, then averaged over 3x3 with
 * zeros outside the clip (avg_pool2d, count_include_pad, / 9). A block owns SM_TW columns
 * of one clip and all its rows: it reads its tile, normalised, into shared memory, and
 * after one barrier writes the smoothed tile over it. The only values it reads that
 * another block writes are the columns just left and right of its tile; k_edges saves
 * every tile's first and last raw column beforehand, so blocks never race.
 *
 * The sums are wmel_smooth3x3's (and the CPU path's finish_cols): per row
 * h = ((double)left + (double)mid) + (double)right, then (float)(((h_above + h) +
 * h_below) / 9.0), zeros (0.0) past every edge. Only IEEE double additions and one
 * correctly rounded division, nothing nvcc may contract into an FMA: the result is the
 * CPU's bit for bit. */
constexpr int SM_TW = 32;            /* columns per block */
constexpr int SM_NT = 256;           /* threads per block: 32 columns x 8 row groups */
constexpr int SM_ROWS = 128;         /* most mel rows (80 or 128) */

/* The normalisation of k_normalize / wmel_normalize, one value. */
__device__ __forceinline__ float norm1(float x, float lo)
{
    const float v = x < lo ? lo : x;
    return (v + 4.0f) * 0.25f;
}

__device__ __forceinline__ float key_lo(const unsigned *keys, int global_key, size_t clip)
{
    return key2f(keys[global_key ? 0 : clip]) - 8.0f;
}

/* Tile t's first (side 0) or last (side 1) raw column's value at row r of the clip o
 * (rows nf long). */
__device__ __forceinline__ float edge_value(const float *o, long long nf, long long t, int side, int r)
{
    long long col = t * SM_TW;
    if (side) {
        col += SM_TW - 1;
        if (col >= nf) col = nf - 1;
    }
    return o[(size_t)r * (size_t)nf + (size_t)col];
}

/* edges[(clip * tiles + t) * 2 + side][row]: tile t's first (side 0) and last (side 1)
 * raw column. */
__global__ void k_edges(const float *out, size_t out_stride, int n_mels, long long nf,
                        long long tiles, size_t n_clips, float *edges)
{
    const size_t clip = blockIdx.y + (size_t)gridDim.y * blockIdx.z;
    if (clip >= n_clips) return;
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= tiles * 2 * n_mels) return;
    const long long t = i / (2 * n_mels);
    const int side = (int)((i / n_mels) & 1), r = (int)(i % n_mels);
    edges[((long long)clip * tiles + t) * 2 * n_mels + (long long)side * n_mels + r] =
        edge_value(out + clip * out_stride, nf, t, side, r);
}

/* A round's edges (wmel_cu_logmel_round): edges[(e0[k] + t) * 2 + side][row] for clip k's
 * tile t; tiles: the round's tiles, e0's end. */
__global__ void k_edges_round(wmel_cu_logmel_round rd, int n_mels, long long tiles, float *edges)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= tiles * 2 * n_mels) return;
    const long long T = i / (2 * n_mels);
    const int side = (int)((i / n_mels) & 1), r = (int)(i % n_mels);
    const int k = round_clip(rd.e0, rd.n_clips, (unsigned long long)T);
    edges[i] = edge_value(rd.out[k], (long long)rd.nf[k], T - rd.e0[k], side, r);
}

/* Tile t (of `tiles`) of the clip o (n_mels rows nf long) smoothed in place, normalised
 * first with lo where norm; e: the clip's saved edges; s: the block's shared tile. */
__device__ __forceinline__ void smooth_tile(float *o, int n_mels, long long nf, long long tiles, long long t,
                                            int norm, float lo, const float *e, float *s)
{
    constexpr int W = SM_TW + 2; /* s[r][0]: column c0 - 1, s[r][j + 1]: c0 + j */
    const long long c0 = t * SM_TW;
    const int tid = threadIdx.x;

    /* 1. the tile, finished, with the columns beside it (0 beyond the clip) */
    for (int i = tid; i < n_mels * SM_TW; i += SM_NT) {
        const int r = i / SM_TW, j = i - r * SM_TW;
        const long long c = c0 + j;
        float v = 0.0f;
        if (c < nf) {
            v = o[(size_t)r * (size_t)nf + (size_t)c];
            if (norm) v = norm1(v, lo);
        }
        s[r * W + j + 1] = v;
    }
    for (int i = tid; i < 2 * n_mels; i += SM_NT) {
        const int side = i >= n_mels, r = side ? i - n_mels : i;
        /* the last column of the tile on the left, the first of the one on the right */
        const long long nb = side ? t + 1 : t - 1;
        float v = 0.0f;
        if (nb >= 0 && nb < tiles) {
            v = e[nb * 2 * n_mels + (side ? 0 : n_mels) + r];
            if (norm) v = norm1(v, lo);
        }
        s[r * W + (side ? SM_TW + 1 : 0)] = v;
    }
    __syncthreads();

    /* 2. thread (j, g) walks rows [r0, r1) of column c0 + j with the horizontal sums of
     * the rows above, at and below in registers */
    const int j = tid & (SM_TW - 1), g = tid / SM_TW, ng = SM_NT / SM_TW;
    const long long c = c0 + j;
    if (c >= nf) return;
    const int r0 = g * n_mels / ng, r1 = (g + 1) * n_mels / ng;
    if (r0 >= r1) return;
    auto hsum = [&](int r) -> double {
        if (r < 0 || r >= n_mels) return 0.0;
        const float *q = s + r * W + j;
        return (double)q[0] + (double)q[1] + (double)q[2];
    };
    double hp = hsum(r0 - 1), hc = hsum(r0);
    for (int r = r0; r < r1; r++) {
        const double hn = hsum(r + 1);
        o[(size_t)r * (size_t)nf + (size_t)c] = (float)((hp + hc + hn) / 9.0);
        hp = hc;
        hc = hn;
    }
}

__global__ void __launch_bounds__(SM_NT) k_smooth(float *out, size_t out_stride, int n_mels,
                                                  long long nf, long long tiles, size_t n_clips,
                                                  const unsigned *keys, int global_key,
                                                  const float *edges)
{
    __shared__ float s[SM_ROWS * (SM_TW + 2)];
    const size_t clip = blockIdx.y + (size_t)gridDim.y * blockIdx.z;
    if (clip >= n_clips) return;
    const int norm = keys != nullptr;
    const float lo = norm ? key_lo(keys, global_key, clip) : 0.0f;
    smooth_tile(out + clip * out_stride, n_mels, nf, tiles, (long long)blockIdx.x, norm, lo,
                edges + (long long)clip * tiles * 2 * n_mels, s);
}

/* A round's smoothing: block blockIdx.x is tile blockIdx.x - e0[k] of clip k, normalised
 * with keys[k] where keys is set. */
__global__ void __launch_bounds__(SM_NT) k_smooth_round(wmel_cu_logmel_round rd, int n_mels,
                                                        const unsigned *keys, const float *edges)
{
    __shared__ float s[SM_ROWS * (SM_TW + 2)];
    const int k = round_clip(rd.e0, rd.n_clips, blockIdx.x);
    const int norm = keys != nullptr;
    const float lo = norm ? key_lo(keys, 0, (size_t)k) : 0.0f;
    const long long nf = rd.nf[k], tiles = (nf + SM_TW - 1) / SM_TW;
    smooth_tile(rd.out[k], n_mels, nf, tiles, (long long)(blockIdx.x - rd.e0[k]), norm, lo,
                edges + (long long)rd.e0[k] * 2 * n_mels, s);
}

/* A round's normalisation: clip blockIdx.y's n_mels x nf values with keys[clip]. */
__global__ void k_normalize_round(wmel_cu_logmel_round rd, int n_mels, const unsigned *keys)
{
    const int k = (int)blockIdx.y;
    const float lo = key_lo(keys, 0, (size_t)k);
    float *o = rd.out[k];
    const size_t per = (size_t)n_mels * rd.nf[k];
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < per; i += (size_t)gridDim.x * blockDim.x)
        o[i] = norm1(o[i], lo);
}

/* The float-float self-test (wmel__cu_ffcheck): case i's operands a = (in[4i], in[4i + 1]),
 * b = (in[4i + 2], in[4i + 3]); primitive k's result (hi, lo) to out[2 (WMEL_CU_FF_NPRIM i + k)]:
 * two-sum and two-product of the high parts, a + b, a - b, a b, a / b, sqrt a, log a, each
 * ff.h's, as the log-mel kernels compute them. brk (a testing switch): 1 the products' error
 * terms dropped, 2 the sums' (what a compiler that fuses or reassociates would leave). */
__global__ void k_ffcheck(const float *in, float *out, int n, int brk)
{
    const int i = (int)(blockIdx.x * blockDim.x + threadIdx.x);
    if (i >= n) return;
    const ff a(in[4 * i], in[4 * i + 1]), b(in[4 * i + 2], in[4 * i + 3]);
    ff r[WMEL_CU_FF_NPRIM] = {wmel_cu::ff_two_sum(a.x, b.x), wmel_cu::ff_two_prod(a.x, b.x), a + b, a - b, a * b,
                              a / b, wmel_cu::r_sqrt(a), wmel_cu::r_log(a)};
    if (brk == 1) {
        r[1] = ff(__fmul_rn(a.x, b.x), 0.0f);
        r[4] = ff(__fmul_rn(a.x, b.x), 0.0f);
    } else if (brk == 2) {
        r[0] = ff(__fadd_rn(a.x, b.x), 0.0f);
        r[2] = ff(__fadd_rn(a.x, b.x), 0.0f);
    }
    for (int k = 0; k < WMEL_CU_FF_NPRIM; k++) {
        out[2 * (WMEL_CU_FF_NPRIM * i + k)] = r[k].x;
        out[2 * (WMEL_CU_FF_NPRIM * i + k) + 1] = r[k].y;
    }
}

/* Clips go to grid y (and z past 65535). */
dim3 clip_grid(unsigned gx, size_t n_clips)
{
    const size_t ymax = 65535;
    if (n_clips <= ymax) return dim3(gx, (unsigned)n_clips, 1);
    return dim3(gx, (unsigned)ymax, (unsigned)((n_clips + ymax - 1) / ymax));
}

} // namespace

/* The log-mel kernels' shared memory opt-in, in arithmetic R. */
template <typename R> static cudaError_t prepare_logmel(void)
{
#define SMEM_ATTR cudaFuncAttributeMaxDynamicSharedMemorySize
    void (*const k0)(wmel_cu_launch) = k_logmel<float, R>;
    void (*const k1)(wmel_cu_launch) = k_logmel<int16_t, R>;
    void (*const k2)(wmel_cu_launch, wmel_cu_logmel_round) = k_logmel_round<float, R>;
    void (*const k3)(wmel_cu_launch, wmel_cu_logmel_round) = k_logmel_round<int16_t, R>;
    cudaError_t e = cudaFuncSetAttribute(k0, SMEM_ATTR, (int)SMEM);
    if (e == cudaSuccess) e = cudaFuncSetAttribute(k1, SMEM_ATTR, (int)SMEM);
    if (e == cudaSuccess) e = cudaFuncSetAttribute(k2, SMEM_ATTR, (int)SMEM);
    if (e == cudaSuccess) e = cudaFuncSetAttribute(k3, SMEM_ATTR, (int)SMEM);
#undef SMEM_ATTR
    return e;
}

extern "C" int wmel__cu_prepare(void)
{
    cudaError_t e = prepare_logmel<double>();
    if (e == cudaSuccess) e = prepare_logmel<ff>();
    if (e == cudaSuccess) {
        cudaFuncAttributes a;
        e = cudaFuncGetAttributes(&a, k_normalize);
    }
    return (int)e;
}

static_assert(sizeof(wmel_cu_launch) + sizeof(wmel_cu_logmel_round) <= 4096,
              "a round's launch parameters fit CUDA's 4 KB");

extern "C" int wmel__cu_whisper_round(const wmel_cu_launch *l, const wmel_cu_logmel_round *r, int normalize,
                                      int smooth, float *edges, void *stream)
{
    if (r->n_clips <= 0) return 0;
    if (r->n_clips > WMEL_CU_ROUND_CLIPS || l->n_mels < 1 || (smooth && l->n_mels > SM_ROWS))
        return (int)cudaErrorInvalidValue;
    wmel_cu_logmel_round q = *r;
    unsigned long long tiles = 0, stiles = 0, nfmax = 0; /* the round's log-mel and smoothing tiles */
    for (int k = 0; k < q.n_clips; k++) {
        if (q.nf[k] == 0) return (int)cudaErrorInvalidValue;
        q.b0[k] = (unsigned)tiles, q.e0[k] = (unsigned)stiles;
        tiles += (q.nf[k] + TILE - 1) / TILE, stiles += (q.nf[k] + SM_TW - 1) / SM_TW;
        nfmax = q.nf[k] > nfmax ? q.nf[k] : nfmax;
    }
    const unsigned long long eblocks = (stiles * 2 * (unsigned long long)l->n_mels + 255) / 256;
    if (tiles > 0x7fffffffULL || eblocks > 0x7fffffffULL) return (int)cudaErrorInvalidValue;
    cudaStream_t s = (cudaStream_t)stream;
    void (*const k)(wmel_cu_launch, wmel_cu_logmel_round) =
        l->sample_type == WMEL_CU_S16 ? (l->ff ? k_logmel_round<int16_t, ff> : k_logmel_round<int16_t, double>)
                                      : (l->ff ? k_logmel_round<float, ff> : k_logmel_round<float, double>);
    WMEL_CU_LAUNCH(k, dim3((unsigned)tiles), NT, SMEM, s)(*l, q);
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return (int)e;
    const unsigned *keys = normalize ? l->keys : NULL;
    if (smooth) {
        WMEL_CU_LAUNCH(k_edges_round, dim3((unsigned)eblocks), 256, 0, s)(q, l->n_mels, (long long)stiles, edges);
        if ((e = cudaGetLastError()) != cudaSuccess) return (int)e;
        WMEL_CU_LAUNCH(k_smooth_round, dim3((unsigned)stiles), SM_NT, 0, s)(q, l->n_mels, keys, edges);
    } else if (normalize) {
        /* as wmel__cu_normalize: at most one block per 1024 values of the largest clip */
        const unsigned long long want = (nfmax * (unsigned long long)l->n_mels + 1023) / 1024;
        const unsigned long long cap = q.n_clips >= 64 ? 4 : 1024;
        const unsigned gx = (unsigned)(want < cap ? want : cap);
        WMEL_CU_LAUNCH(k_normalize_round, dim3(gx ? gx : 1, (unsigned)q.n_clips), 256, 0, s)(q, l->n_mels, keys);
    }
    return (int)cudaGetLastError();
}

extern "C" int wmel__cu_logmel(const wmel_cu_launch *l, void *stream)
{
    if (l->f_end <= l->f_begin || l->n_clips == 0) return 0;
    const long long tiles = (l->f_end - l->f_begin + TILE - 1) / TILE;
    if (tiles > 0x7fffffffLL || l->n_clips > (size_t)65535 * 65535) return (int)cudaErrorInvalidValue;
    const dim3 grid = clip_grid((unsigned)tiles, l->n_clips);
    cudaStream_t s = (cudaStream_t)stream;
    void (*const k)(wmel_cu_launch) = l->sample_type == WMEL_CU_S16
                                          ? (l->ff ? k_logmel<int16_t, ff> : k_logmel<int16_t, double>)
                                          : (l->ff ? k_logmel<float, ff> : k_logmel<float, double>);
    WMEL_CU_LAUNCH(k, grid, NT, SMEM, s)(*l);
    return (int)cudaGetLastError();
}

extern "C" int wmel__cu_normalize(float *out, size_t out_stride, size_t per_clip, size_t n_clips,
                                  const unsigned *keys, int global_key, void *stream)
{
    if (per_clip == 0 || n_clips == 0) return 0;
    /* enough blocks to fill the device once per clip batch, at most one per 1024 values */
    size_t want = (per_clip + 1023) / 1024;
    size_t cap = n_clips >= 64 ? 4 : 1024;
    unsigned gx = (unsigned)(want < cap ? want : cap);
    if (gx == 0) gx = 1;
    if (n_clips > (size_t)65535 * 65535) return (int)cudaErrorInvalidValue;
    WMEL_CU_LAUNCH(k_normalize, clip_grid(gx, n_clips), 256, 0, (cudaStream_t)stream)(
        out, out_stride, per_clip, n_clips, keys, global_key);
    return (int)cudaGetLastError();
}

extern "C" int wmel__cu_scan(const float *base, size_t stride, const unsigned long long *tab, size_t n,
                             size_t max_n, size_t n_clips, unsigned range_lim, unsigned ff_lim, unsigned *flags,
                             void *stream)
{
    if (n_clips == 0 || max_n == 0) return 0;
    if (n_clips > (size_t)65535 * 65535 || n > (size_t)(LLONG_MAX / 2)) return (int)cudaErrorInvalidValue;
    /* a block reads 2048 samples or more; a clip has at most 64 blocks (4 with many clips) */
    const size_t want = (max_n + 2047) / 2048, cap = n_clips >= 64 ? 4 : 64;
    const unsigned gx = (unsigned)(want < cap ? want : cap);
    WMEL_CU_LAUNCH(k_scan, clip_grid(gx ? gx : 1, n_clips), 256, 0, (cudaStream_t)stream)(
        base, stride, tab, (long long)n, n_clips, range_lim, ff_lim, flags);
    return (int)cudaGetLastError();
}

extern "C" int wmel__cu_ffcheck(const float *h_in, float *h_out, int n, int brk)
{
    if (n <= 0) return 0;
    float *d = NULL;
    const size_t in_b = sizeof(float) * 4 * (size_t)n, out_b = sizeof(float) * 2 * WMEL_CU_FF_NPRIM * (size_t)n;
    cudaError_t e = cudaMalloc((void **)&d, in_b + out_b);
    if (e != cudaSuccess) return (int)e;
    e = cudaMemcpy(d, h_in, in_b, cudaMemcpyHostToDevice);
    if (e == cudaSuccess) {
        WMEL_CU_LAUNCH(k_ffcheck, dim3((unsigned)(n + 63) / 64), 64, 0, (cudaStream_t)0)(d, d + 4 * (size_t)n, n, brk);
        e = cudaGetLastError();
    }
    if (e == cudaSuccess) e = cudaMemcpy(h_out, d + 4 * (size_t)n, out_b, cudaMemcpyDeviceToHost);
    const cudaError_t f = cudaFree(d);
    if (e == cudaSuccess) e = f;
    return (int)e;
}

extern "C" size_t wmel__cu_smooth_scratch(int n_mels, size_t nf, size_t n_clips)
{
    const size_t tiles = (nf + SM_TW - 1) / SM_TW, per = 2 * (size_t)n_mels * sizeof(float);
    if (n_clips && tiles > SIZE_MAX / per / n_clips) return SIZE_MAX;
    return tiles * per * n_clips;
}

extern "C" int wmel__cu_smooth(float *out, size_t out_stride, int n_mels, size_t nf,
                               size_t n_clips, const unsigned *keys, int global_key,
                               float *edges, void *stream)
{
    if (nf == 0 || n_clips == 0) return 0;
    if (n_mels < 1 || n_mels > SM_ROWS) return (int)cudaErrorInvalidValue;
    const long long tiles = (long long)((nf + SM_TW - 1) / SM_TW);
    const long long eblocks = (tiles * 2 * n_mels + 255) / 256;
    if (tiles > 0x7fffffffLL || eblocks > 0x7fffffffLL || n_clips > (size_t)65535 * 65535)
        return (int)cudaErrorInvalidValue;
    cudaStream_t s = (cudaStream_t)stream;
    WMEL_CU_LAUNCH(k_edges, clip_grid((unsigned)eblocks, n_clips), 256, 0, s)(
        out, out_stride, n_mels, (long long)nf, tiles, n_clips, edges);
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return (int)e;
    WMEL_CU_LAUNCH(k_smooth, clip_grid((unsigned)tiles, n_clips), SM_NT, 0, s)(
        out, out_stride, n_mels, (long long)nf, tiles, n_clips, keys, global_key, edges);
    return (int)cudaGetLastError();
}

extern "C" float wmel__cu_key_to_float(unsigned key)
{
    const unsigned b = (key & 0x80000000u) ? (key & 0x7fffffffu) : ~key;
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* 1 when the current device has stream-ordered memory pools (cudaMallocAsync): not every
   device, driver or virtualised GPU has them. Asked at each allocation (a cheap query):
   a process may use several devices. */
static int pools_supported(void)
{
    int dev = 0, v = 0;
    if (cudaGetDevice(&dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&v, cudaDevAttrMemoryPoolsSupported, dev) != cudaSuccess) {
        (void)cudaGetLastError();
        return 0;
    }
    return v != 0;
}

extern "C" int wmel__cu_pools(void) { return pools_supported(); }

extern "C" int wmel__cu_alloc(void **p, size_t bytes, void *stream)
{
    *p = NULL;
    if (pools_supported()) {
        cudaError_t e = cudaMallocAsync(p, bytes, (cudaStream_t)stream);
        if (e != cudaErrorNotSupported) return (int)e;
        (void)cudaGetLastError();
    }
    /* no pools: cudaMalloc, usable at once, freed by wmel__cu_free after the stream -- which
       a stream capture forbids (the allocation and the free's wait): refused there, said by
       the caller (cu_fail) */
    enum cudaStreamCaptureStatus cs = cudaStreamCaptureStatusNone;
    if (cudaStreamIsCapturing((cudaStream_t)stream, &cs) != cudaSuccess) (void)cudaGetLastError();
    else if (cs != cudaStreamCaptureStatusNone) return (int)cudaErrorStreamCaptureUnsupported;
    return (int)cudaMalloc(p, bytes);
}

extern "C" int wmel__cu_free(void *p, void *stream)
{
    if (!p) return cudaSuccess;
    cudaError_t e = cudaErrorNotSupported;
    if (pools_supported()) e = cudaFreeAsync(p, (cudaStream_t)stream);
    if (e == cudaErrorNotSupported) {
        /* no pools (or a cudaMalloc block a pool cannot take): after the stream's work */
        (void)cudaGetLastError();
        e = cudaStreamSynchronize((cudaStream_t)stream);
        cudaError_t f = cudaFree(p);
        if (e == cudaSuccess) e = f;
        if (e != cudaSuccess) (void)cudaGetLastError();
        return (int)e;
    }
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        (void)cudaStreamSynchronize((cudaStream_t)stream);
        (void)cudaFree(p);
        (void)cudaGetLastError();
    }
    return (int)e;
}
