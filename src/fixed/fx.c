/* fx.c -- Whisper's log-Mel in integer arithmetic (wmel_fx.h): frames, a 400-point real
 * DFT in block floating point, power, Slaney mel sums and log10, all in integers.
 *
 * It follows the float64 reference (src/ref/ref.c, openai's log_mel_spectrogram) stage
 * by stage:
 *   1. frame f covers padded samples 160 f - 200 .. 160 f + 199, reflected at both ends
 *      (numpy's "reflect": x[-j] = x[j], x[N-1+j] = x[N-1-j]);
 *   2. u[n] = x[n] * w[n]: int16 Q15 times the unsigned Q31 Hann window, exact in Q46;
 *      block floating point: one shift sh per frame puts max |v| in (2^21, 2^22],
 *      v[n] = round(u[n] / 2^sh) (sh < 0 shifts left, exactly). Then sum |v| <=
 *      400 * 2^22 < 2^30.7, which bounds every partial DFT value of the transform below,
 *      so no stage can overflow int32 for any input (full-scale square waves included);
 *   3. z[m] = v[2m] + i v[2m+1], a 200-point complex FFT in place (radices 2,2,2,5,5,
 *      decimation in time, Q30 twiddles, each product rounded once), then the real-DFT
 *      post-pass giving 2 X[k], k = 0..200, in int64;
 *   4. P4[k] = |2 X[k]|^2 in uint64 (< 2^63.3);
 *   5. mel[m] = sum w[m][k] P4[k] with the Q32 weights, as a 32 x 64 -> 96-bit product
 *      kept to its integer part (uint64 < 2^59);
 *   6. log2 by the leading-bit position plus a table of log2 on [1, 2) (257 entries, Q24,
 *      interpolated: within 2.8e-6), minus the frame's scale, times log10(2) (Q30),
 *      rounded to Q11 and floored at -10 (the oracle's max(mel, 1e-10)).
 * Scale: X_int = X_float * 2^(46 - sh) with X_float the DFT of x / 32768, so
 * mel_int = mel_float * 2^(94 - 2 sh) (P4 carries the factor 4).
 */
#include "wmel_fx.h"

#include "fx_ops.h"
#include "fx_tables.h"

#include <string.h>

#define FX_N_FFT 400
#define FX_HOP 160
#define FX_PAD 200
#define FX_N_BINS 201
#define FX_HALF 200                 /* complex FFT length */
#define FX_LOG10_2_Q30 323228497    /* log10(2) = 0.30102999566 in Q30 */
#define FX_HEADROOM_BITS 22         /* max |v| <= 2^22 */

struct wmel_fx_state {
    const wmel_fx_melbank *bank;
    int n_mels, batch;
    size_t cap;          /* input buffer, samples: 160 * batch + 400 */
    size_t base;         /* clip index of buf[0] */
    size_t total;        /* samples of the clip so far */
    size_t next;         /* next frame to compute */
    int16_t max_q11;     /* largest raw value so far */
    int finished;        /* wmel_fx_finish() was called: no more samples until a reset */
    uint64_t *p4;        /* FX_N_BINS: |2X|^2 */
    int32_t *z;          /* 2 * FX_HALF: the complex FFT buffer, re/im interleaved */
    int16_t *out;        /* batch * n_mels: one batch of raw log-mel, Q11 */
    int16_t *frame;      /* FX_N_FFT: a frame with reflected samples */
    int16_t *buf;        /* cap samples */
};

static const wmel_fx_melbank *bank_for(int n_mels)
{
    if (n_mels == 80) return &wmel_fx_mel80;
    if (n_mels == 128) return &wmel_fx_mel128;
    return NULL;
}

static size_t align8(size_t n) { return (n + 7u) & ~(size_t)7u; }

size_t wmel_fx_state_size(int n_mels, int batch)
{
    if (!bank_for(n_mels) || batch < 1 || batch > WMEL_FX_MAX_BATCH) return 0;
    size_t n = 7; /* aligning the caller's memory */
    n += align8(sizeof(struct wmel_fx_state));
    n += align8(sizeof(uint64_t) * FX_N_BINS);
    n += align8(sizeof(int32_t) * 2 * FX_HALF);
    n += align8(sizeof(int16_t) * (size_t)batch * (size_t)n_mels);
    n += align8(sizeof(int16_t) * FX_N_FFT);
    n += align8(sizeof(int16_t) * ((size_t)FX_HOP * (size_t)batch + 400));
    return n;
}

void wmel_fx_reset(wmel_fx_state *st)
{
    if (!st) return;
    st->base = st->total = st->next = 0;
    st->max_q11 = WMEL_FX_FLOOR_Q11;
    st->finished = 0;
}

int wmel_fx_init(void *mem, size_t mem_size, int n_mels, int batch, wmel_fx_state **out)
{
    if (!mem || !out) return WMEL_FX_ERR_NULL_POINTER;
    *out = NULL;
    size_t need = wmel_fx_state_size(n_mels, batch);
    if (need == 0) return WMEL_FX_ERR_INVALID_ARG;
    if (mem_size < need) return WMEL_FX_ERR_BUFFER_TOO_SMALL;
    unsigned char *p = (unsigned char *)mem;
    p += (8u - ((uintptr_t)p & 7u)) & 7u;
    wmel_fx_state *st = (wmel_fx_state *)(void *)p;
    p += align8(sizeof(*st));
    memset(st, 0, sizeof(*st));
    st->bank = bank_for(n_mels);
    st->n_mels = n_mels;
    st->batch = batch;
    st->cap = (size_t)FX_HOP * (size_t)batch + 400;
    st->p4 = (uint64_t *)(void *)p;
    p += align8(sizeof(uint64_t) * FX_N_BINS);
    st->z = (int32_t *)(void *)p;
    p += align8(sizeof(int32_t) * 2 * FX_HALF);
    st->out = (int16_t *)(void *)p;
    p += align8(sizeof(int16_t) * (size_t)batch * (size_t)n_mels);
    st->frame = (int16_t *)(void *)p;
    p += align8(sizeof(int16_t) * FX_N_FFT);
    st->buf = (int16_t *)(void *)p;
    wmel_fx_reset(st);
    *out = st;
    return WMEL_FX_OK;
}

/* ---- the 200-point complex FFT ------------------------------------------------------ */

/* W_400^t = cos(2 pi t/400) - i sin(2 pi t/400), Q30; t in 0..399 */
static int32_t tw_cos(int t) { return wmel_fx_cos_q30[t]; }
static int32_t tw_sin(int t) { return wmel_fx_cos_q30[t < 100 ? t + 300 : t - 100]; }

/* c1 = cos(2pi/5), c2 = cos(4pi/5), s1 = sin(2pi/5), s2 = sin(4pi/5): cos table at 80,
 * 160, 380 (= 80 - 100) and 60 (= 160 - 100) */
#define R5_C1 (wmel_fx_cos_q30[80])
#define R5_C2 (wmel_fx_cos_q30[160])
#define R5_S1 (wmel_fx_cos_q30[380])
#define R5_S2 (wmel_fx_cos_q30[60])

/* e times W_400^t, in place: (a + ib)(c - is) = (ac + bs) + i(bc - as), each part
 * rounded once (the magnitude cannot grow) */
static void twiddle(int32_t *e, int t)
{
    const int32_t c = tw_cos(t), s = tw_sin(t), a = e[0], b = e[1];
    e[0] = (int32_t)MAC2_Q30(a, c, b, s);
    e[1] = (int32_t)MAC2_Q30(b, c, -a, s);
}

/* The decimation-in-time stages, in place: for each block of L*p and each j < L, the p
 * values z[blk + j + q L] times W_{Lp}^{jq} go through a p-point DFT. Every value stays
 * a partial DFT of the input, so it is bounded by sum |v| < 2^30.7 (see the file's note). */
static void fft_stage2(int32_t *z, int L)
{
    const int tstep = FX_N_FFT / (2 * L);
    for (int blk = 0; blk < FX_HALF; blk += 2 * L)
        for (int j = 0; j < L; j++) {
            int32_t *o0 = z + 2 * (blk + j), *o1 = o0 + 2 * L;
            if (j) twiddle(o1, j * tstep);
            const int32_t ar = o0[0], ai = o0[1], br = o1[0], bi = o1[1];
            o0[0] = ar + br;
            o0[1] = ai + bi;
            o1[0] = ar - br;
            o1[1] = ai - bi;
        }
}

static void fft_stage5(int32_t *z, int L)
{
    const int tstep = FX_N_FFT / (5 * L);
    for (int blk = 0; blk < FX_HALF; blk += 5 * L)
        for (int j = 0; j < L; j++) {
            int32_t *o0 = z + 2 * (blk + j), *o1 = o0 + 2 * L, *o2 = o1 + 2 * L, *o3 = o2 + 2 * L,
                    *o4 = o3 + 2 * L;
            if (j) {
                twiddle(o1, j * tstep);
                twiddle(o2, 2 * j * tstep);
                twiddle(o3, 3 * j * tstep);
                twiddle(o4, 4 * j * tstep);
            }
            /* X1 = a0 + A - iB, X4 = a0 + A + iB, X2 = a0 + C - iD, X3 = a0 + C + iD
             * with t1 = a1 + a4, t2 = a2 + a3, t3 = a1 - a4, t4 = a2 - a3,
             * A = c1 t1 + c2 t2, B = s1 t3 + s2 t4, C = c2 t1 + c1 t2, D = s2 t3 - s1 t4.
             * t1..t4 combine partial DFTs of disjoint input sets: each stays below
             * sum |v| < 2^30.7, so int32 holds them and the products are 32 x 32 */
            const int32_t a0r = o0[0], a0i = o0[1];
            const int32_t t1r = o1[0] + o4[0], t1i = o1[1] + o4[1];
            const int32_t t2r = o2[0] + o3[0], t2i = o2[1] + o3[1];
            const int32_t t3r = o1[0] - o4[0], t3i = o1[1] - o4[1];
            const int32_t t4r = o2[0] - o3[0], t4i = o2[1] - o3[1];
            const int32_t Ar = (int32_t)MAC2_Q30(t1r, R5_C1, t2r, R5_C2), Ai = (int32_t)MAC2_Q30(t1i, R5_C1, t2i, R5_C2);
            const int32_t Br = (int32_t)MAC2_Q30(t3r, R5_S1, t4r, R5_S2), Bi = (int32_t)MAC2_Q30(t3i, R5_S1, t4i, R5_S2);
            const int32_t Cr = (int32_t)MAC2_Q30(t1r, R5_C2, t2r, R5_C1), Ci = (int32_t)MAC2_Q30(t1i, R5_C2, t2i, R5_C1);
            const int32_t Dr = (int32_t)MAC2_Q30(t3r, R5_S2, -t4r, R5_S1), Di = (int32_t)MAC2_Q30(t3i, R5_S2, -t4i, R5_S1);
            o0[0] = a0r + t1r + t2r;
            o0[1] = a0i + t1i + t2i;
            o1[0] = a0r + Ar + Bi;
            o1[1] = a0i + Ai - Br;
            o4[0] = a0r + Ar - Bi;
            o4[1] = a0i + Ai + Br;
            o2[0] = a0r + Cr + Di;
            o2[1] = a0i + Ci - Dr;
            o3[0] = a0r + Cr - Di;
            o3[1] = a0i + Ci + Dr;
        }
}

/* 200 = 2 * 2 * 2 * 5 * 5 */
static void fft200(int32_t *z)
{
    fft_stage2(z, 1);
    fft_stage2(z, 2);
    fft_stage2(z, 4);
    fft_stage5(z, 8);
    fft_stage5(z, 40);
}

/* ---- one frame ------------------------------------------------------------------------ */

static uint64_t abs64(int64_t v) { return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v; }

static int bitlen64(uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
    return v ? 64 - __builtin_clzll(v) : 0;
#else
    int n = 0;
    while (v) {
        v >>= 1;
        n++;
    }
    return n;
#endif
}

/* log2(m) in Q24 for m > 0: the leading bit's position, plus log2 of the mantissa in
 * [1, 2) from the 257-entry table, interpolated linearly on the next 16 bits (within
 * 2.8e-6: log2 is concave, so it errs low, never by more). */
static int32_t log2_q24(uint64_t m)
{
    int k = bitlen64(m) - 1;
    uint32_t y = (uint32_t)(k >= 30 ? m >> (k - 30) : m << (30 - k)); /* Q30, in [2^30, 2^31) */
    uint32_t i = (y >> 22) & 255u, frac = (y >> 6) & 0xFFFFu;
    int32_t lo = wmel_fx_log2_q24[i], d = wmel_fx_log2_q24[i + 1] - lo; /* 0 < d < 2^17 */
    return (int32_t)((uint32_t)k << 24) + lo + (int32_t)(UMULL32(d, frac) >> 16);
}

/* Sample of the padded clip at p (reflect at the start always; at the end once the
 * clip's length n_end is known, n_end = 0 while it is not). */
static int16_t sample_at(const wmel_fx_state *st, long p, size_t n_end)
{
    size_t r;
    if (p < 0) r = (size_t)(-p);
    else if (n_end && (size_t)p >= n_end) r = 2 * (n_end - 1) - (size_t)p;
    else r = (size_t)p;
    return st->buf[r - st->base];
}

static void compute_frame(wmel_fx_state *st, size_t f, size_t n_end, int16_t *row)
{
    const long p0 = (long)(f * FX_HOP) - FX_PAD;
    const int16_t *x;
    if (p0 >= 0 && (!n_end || (size_t)p0 + FX_N_FFT <= n_end)) {
        x = st->buf + ((size_t)p0 - st->base);
    } else { /* the reflected frames at the ends, gathered once */
        for (int n = 0; n < FX_N_FFT; n++) st->frame[n] = sample_at(st, p0 + n, n_end);
        x = st->frame;
    }
    const uint32_t *win = wmel_fx_window_q31;

    /* pass 1: the windowed frame's peak, |x| w (Q46, w >= 0) */
    uint64_t umax = 0;
    for (int n = 0; n < FX_N_FFT; n++) {
        uint64_t u = UMULL32(x[n] < 0 ? -x[n] : x[n], win[n <= 200 ? n : FX_N_FFT - n]);
        if (u > umax) umax = u;
    }
    if (umax == 0) {
        for (int m = 0; m < st->n_mels; m++) row[m] = WMEL_FX_FLOOR_Q11;
        return;
    }
    const int sh = bitlen64(umax) - FX_HEADROOM_BITS; /* in -5 .. 24 */

    /* pass 2: v = round(x w / 2^sh) (half away from zero), packed as z[m] = v[2m] + i v[2m+1]
     * at the FFT's input positions */
    int32_t *z = st->z;
    const uint64_t half = sh > 0 ? (uint64_t)1 << (sh - 1) : 0;
    const int rsh = sh > 0 ? sh : 0, lsh = sh > 0 ? 0 : -sh;
    for (int n = 0; n < FX_N_FFT; n++) {
        uint64_t a = UMULL32(x[n] < 0 ? -x[n] : x[n], win[n <= 200 ? n : FX_N_FFT - n]);
        int32_t q = (int32_t)(((a + half) >> rsh) << lsh);
        z[2 * wmel_fx_perm[n >> 1] + (n & 1)] = x[n] < 0 ? -q : q;
    }
    fft200(z);

    /* real-DFT post-pass: with S = Z[k] + conj Z[200-k], T = W_400^k (-i)(Z[k] - conj Z[200-k]),
     * 2 X[k] = S + T. Z[k] = (a, b), Z[200-k] = (c, d): S = (a + c, b - d), -i(Z[k] -
     * conj Z[200-k]) = (b + d, c - a) = (u, v), T = (u cos + v sin, v cos - u sin). */
    uint64_t *p4 = st->p4;
    for (int k = 0; k <= FX_HALF; k++) {
        int ka = k == FX_HALF ? 0 : k, kb = k == 0 ? 0 : FX_HALF - k;
        const int32_t a = z[2 * ka], b = z[2 * ka + 1], c = z[2 * kb], d = z[2 * kb + 1];
        const int32_t cs = tw_cos(k), sn = tw_sin(k);
        /* u cos + v sin and v cos - u sin, expanded into 32 x 32 products (u, v may
         * exceed int32; the four-product sums stay below 2^62.7) */
        int64_t xr = (int64_t)a + c + (((int64_t)b * cs + (int64_t)d * cs + (int64_t)c * sn -
                                        (int64_t)a * sn + ((int64_t)1 << 29)) >> 30);
        int64_t xi = (int64_t)b - d + (((int64_t)c * cs - (int64_t)a * cs - (int64_t)b * sn -
                                        (int64_t)d * sn + ((int64_t)1 << 29)) >> 30);
        uint64_t r = abs64(xr), i = abs64(xi); /* each < 2^31.7 */
        p4[k] = UMULL32(r, r) + UMULL32(i, i);
    }

    /* mel sums: w (Q32) times P4 as 32 x 64 bits, keeping the integer part */
    const wmel_fx_melbank *bk = st->bank;
    const int32_t scale_q24 = (int32_t)((94 - 2 * sh) * (1 << 24)); /* < 2^30.7 */
    for (int m = 0; m < st->n_mels; m++) {
        const uint32_t *w = bk->w + bk->off[m];
        const uint64_t *pk = p4 + bk->lo[m];
        uint64_t hi = 0, lo = 0;
        for (int j = 0; j < bk->len[m]; j++) {
            hi += UMULL32(w[j], (uint32_t)(pk[j] >> 32));
            lo += UMULL32(w[j], (uint32_t)pk[j]) >> 32;
        }
        uint64_t mel = hi + lo;
        int16_t out = WMEL_FX_FLOOR_Q11;
        if (mel) {
            int64_t net = (int64_t)log2_q24(mel) - scale_q24; /* log2(mel_float), Q24 */
            int64_t l10 = (net * FX_LOG10_2_Q30 + ((int64_t)1 << 42)) >> 43; /* Q54 -> Q11 */
            if (l10 > WMEL_FX_FLOOR_Q11) out = (int16_t)(l10 > 32767 ? 32767 : l10);
        }
        row[m] = out;
        if (out > st->max_q11) st->max_q11 = out;
    }
}

/* ---- streaming ------------------------------------------------------------------------ */

int16_t *wmel_fx_input(wmel_fx_state *st, size_t *n_free)
{
    if (!st) {
        if (n_free) *n_free = 0;
        return NULL;
    }
    size_t kept = st->total - st->base;
    if (n_free) *n_free = st->cap - kept;
    return st->buf + kept;
}

/* drops the samples no later frame needs (keeps x[1..200] until frame 1 is done) */
static void compact(wmel_fx_state *st)
{
    size_t keep_from = st->next * FX_HOP > FX_PAD ? st->next * FX_HOP - FX_PAD : 0;
    if (keep_from > st->total) keep_from = st->total;
    if (keep_from <= st->base) return;
    size_t drop = keep_from - st->base, kept = st->total - keep_from;
    memmove(st->buf, st->buf + drop, kept * sizeof(int16_t));
    st->base = keep_from;
}

int wmel_fx_push(wmel_fx_state *st, const int16_t *pcm, size_t n, const int16_t **out,
                 size_t *n_frames)
{
    if (n_frames) *n_frames = 0;
    if (!st || !out || !n_frames || (!pcm && n)) return WMEL_FX_ERR_NULL_POINTER;
    *out = st->out;
    size_t n_free;
    int16_t *dst = wmel_fx_input(st, &n_free);
    if (n > n_free || n > (size_t)FX_HOP * (size_t)st->batch || (st->finished && n))
        return WMEL_FX_ERR_INVALID_ARG;
    if (n && pcm != dst) memmove(dst, pcm, n * sizeof(int16_t));
    st->total += n;
    /* frame f is computed once total >= 160 f + 201: all its samples (and x[200] for the
     * start's reflection) are in, and the thresholds are evenly spaced, so n <= 160 batch
     * samples complete at most batch frames */
    size_t done = 0;
    while (done < (size_t)st->batch && st->total >= st->next * FX_HOP + FX_PAD + 1) {
        compute_frame(st, st->next, 0, st->out + done * (size_t)st->n_mels);
        st->next++;
        done++;
    }
    compact(st);
    *n_frames = done;
    return WMEL_FX_OK;
}

int wmel_fx_finish(wmel_fx_state *st, const int16_t **out, size_t *n_frames)
{
    if (n_frames) *n_frames = 0;
    if (!st || !out || !n_frames) return WMEL_FX_ERR_NULL_POINTER;
    *out = st->out;
    if (st->total <= FX_PAD) return WMEL_FX_ERR_TOO_SHORT;
    st->finished = 1;
    const size_t n_total = st->total / FX_HOP; /* the STFT's last frame dropped */
    size_t done = 0;
    while (done < (size_t)st->batch && st->next < n_total) {
        compute_frame(st, st->next, st->total, st->out + done * (size_t)st->n_mels);
        st->next++;
        done++;
    }
    *n_frames = done;
    return WMEL_FX_OK;
}

int16_t wmel_fx_max(const wmel_fx_state *st)
{
    return st ? st->max_q11 : WMEL_FX_FLOOR_Q11;
}

/* ---- normalisation -------------------------------------------------------------------- */

int16_t wmel_fx_max_of(const int16_t *raw_q11, size_t n)
{
    int16_t m = WMEL_FX_FLOOR_Q11;
    if (!raw_q11) return m;
    for (size_t i = 0; i < n; i++)
        if (raw_q11[i] > m) m = raw_q11[i];
    return m;
}

/* (max(x, max - 8) + 4) / 4: Q11 log10 to Q13 normalised is + 4 * 2^11 */
static int32_t norm_q13(int16_t x, int32_t lo)
{
    int32_t v = x < lo ? lo : x;
    v += 4 << WMEL_FX_RAW_Q;
    return v > 32767 ? 32767 : v;
}

void wmel_fx_normalize_i16(const int16_t *raw_q11, size_t n, int16_t max_q11, int16_t *out)
{
    if (!raw_q11 || !out) return;
    const int32_t lo = (int32_t)max_q11 - (8 << WMEL_FX_RAW_Q);
    for (size_t i = 0; i < n; i++) out[i] = (int16_t)norm_q13(raw_q11[i], lo);
}

void wmel_fx_normalize_i8(const int16_t *raw_q11, size_t n, int16_t max_q11, int8_t *out)
{
    if (!raw_q11 || !out) return;
    const int32_t lo = (int32_t)max_q11 - (8 << WMEL_FX_RAW_Q);
    for (size_t i = 0; i < n; i++) {
        int32_t y = norm_q13(raw_q11[i], lo);           /* Q13, >= -32768 */
        int32_t q = ((y + 64 + 32768) >> 7) - 256;     /* round(y * 64), half up */
        q += WMEL_FX_I8_ZERO;
        out[i] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
    }
}
