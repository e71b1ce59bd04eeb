/*
 * wavconv.c -- the built-in converter from decoded WAV PCM (any rate, any channel count)
 * to 16 kHz mono int16, sample for sample what the FFmpeg build gives: libswresample
 * 5.1 made with default options (swr_alloc_set_opts2 to mono, s16, 16000 Hz), as
 * openai-whisper's `ffmpeg -ac 1 -ar 16000 -f s16le` does. Written from the documented
 * behaviour of that version, reproduced here in its arithmetic:
 *
 *  - the working format: int16 planar when the input has at most 2 bytes a sample
 *    (u8, s16), float planar up to 4 bytes (s24 and s32 arrive as s32, f32), double
 *    planar for f64; the input conversions are its exact formulas ((u8 - 128) << 8,
 *    s32 * 2^-31 in float);
 *  - resampling before the downmix (its resample_first test, integer division
 *    included, holds for every input of two or more channels down to one);
 *  - the resampler: Kaiser-windowed sinc (beta 9), filter_size 32, cutoff 0.97,
 *    phase_shift 10 with exact_rational (phase count out/gcd when it is at most 1024),
 *    linear interpolation between phases only when the step is not a whole number of
 *    phases; the filter bank is built in double and stored as int16 (lrintf of the
 *    float-rounded value), float or double; the sum over taps is done the way the
 *    x86-64 kernels of that version do it: int16 in wrapping 32-bit lanes starting at
 *    0x4000, float in 8 lanes of fused multiply-adds (AVX2/FMA3) and double in 4,
 *    each folded in the kernels' fixed order;
 *  - its edges: the input is mirrored about its first sample before the first output
 *    (x[-n] = x[n]), and at the end (min(left, filter length) + 1) / 2 samples are
 *    mirrored after the last one, where `left` is what the resampler still holds;
 *    an input shorter than that never fills the filter and gives no samples;
 *  - the downmix matrix of swr_build_matrix2 for a mono target (centre and surround
 *    levels -3 dB as floats, LFE dropped, normalised to a sum of 1 because the output
 *    is integer), applied as its int16 (rounded, error-carried coefficients for two
 *    inputs; lrintf(c * 32768) for more), float or double mixers;
 *  - the output conversion: int16 as is, float by round-to-nearest of x * 32768 with
 *    saturation (SSE2's cvtps2dq/packssdw: out of int32 range gives -32768), double by
 *    lrint with saturation.
 * Float inputs that are not finite give samples that FFmpeg's own may not match.
 */
#include "../internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define SQRT1_2 0.70710678118654752440 /* M_SQRT1_2 */

enum { K_S16, K_FLT, K_DBL }; /* the working sample format */

#define FILTER_SIZE 32
#define PHASE_SHIFT 10
#define CUTOFF 0.97
#define KAISER_BETA 9.0

/* ---------------------------------------------------------------- helpers */

/* A message "NAME: ..." for a status: the built-in reader's and this converter's. */
int wmel__say(char *buf, size_t len, int rc, const char *name, const char *fmt, ...)
{
    if (buf && len) {
        int n = snprintf(buf, len, "%s: ", name ? name : "(memory)");
        if (n >= 0 && (size_t)n < len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(buf + n, len - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return rc;
}

static int32_t wrap32(uint32_t u) { return u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1; }
static int32_t shr_floor(int32_t v, int s) { return v >= 0 ? v >> s : ~(~v >> s); }
static int16_t sat16(long long v) { return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v); }
static int16_t wrap16(int32_t v) { uint16_t u = (uint16_t)((uint32_t)v & 0xFFFFu); return u < 0x8000u ? (int16_t)u : (int16_t)((int32_t)u - 65536); }
static long long gcdll(long long a, long long b)
{
    while (b) {
        long long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* x * y + z rounded once to float, on any C library: the product is exact in double;
 * the double sum is right unless it lies exactly halfway between two floats and is
 * inexact, where it is moved one double ulp towards the exact value first. */
static float fmaf_exact(float x, float y, float z)
{
    double xy = (double)x * y, r = xy + z;
    uint64_t u;
    memcpy(&u, &r, 8);
    if ((u & 0x1FFFFFFFu) != 0x10000000u || ((u >> 52) & 0x7FF) == 0x7FF || (r - xy == z && r - z == xy))
        return (float)r;
    int neg = (int)(u >> 63);
    double err = neg == (z > xy) ? xy - r + z : z - r + xy;
    if (neg == (err < 0)) u++;
    else u--;
    memcpy(&r, &u, 8);
    return (float)r;
}

/* 0th-order modified Bessel function, the series summed until it stops changing */
static double bessel0(double x)
{
    double v = 1, lastv = 0, t = 1;
    x = x * x / 4;
    for (int i = 0; v != lastv && i < 100; i++) {
        lastv = v;
        double inv = i < 99 ? 1.0 / ((double)(i + 1) * (double)(i + 1)) : 1.0 / 10000;
        t *= x * inv;
        v += t;
    }
    return v;
}

/* ---------------------------------------------------------------- the resampler */

typedef struct {
    int kind;
    int L, alloc, pc;            /* filter length, row stride, phase count */
    int src_incr, dst_incr, div, mod;
    void *bank;                  /* (pc + 1) rows of alloc coefficients */
    float inv_f;                 /* 1 / src_incr, as the float kernel computes it */
    double inv_d;
} rs_t;

static int rs_build(rs_t *r, int kind, int in_rate, int out_rate)
{
    memset(r, 0, sizeof *r);
    r->kind = kind;
    double factor = out_rate * CUTOFF / in_rate;
    if (factor > 1.0) factor = 1.0;
    int pc = 1 << PHASE_SHIFT;
    int L = (int)ceil(FILTER_SIZE / factor);
    if (L < 1) L = 1;
    if (L > 1) L = (L + 1) & ~1;
    long long g = gcdll(out_rate, in_rate);
    if (out_rate / g <= pc) pc = (int)(out_rate / g);
    long long num = out_rate, den = (long long)in_rate * pc, g2 = gcdll(num, den);
    num /= g2;
    den /= g2;
    if (num > INT32_MAX / 2 || den > INT32_MAX / 2) return -1;
    r->src_incr = (int)num;
    r->dst_incr = (int)den;
    while (r->dst_incr < (1 << 20) && r->src_incr < (1 << 20)) {
        r->dst_incr *= 2;
        r->src_incr *= 2;
    }
    r->div = r->dst_incr / r->src_incr;
    r->mod = r->dst_incr % r->src_incr;
    r->L = L;
    r->alloc = (L + 7) & ~7;
    r->pc = pc;
    r->inv_f = 1.0f / (float)r->src_incr;
    r->inv_d = 1.0 / (double)r->src_incr;
    size_t esz = kind == K_S16 ? 2 : kind == K_FLT ? 4 : 8;
    r->bank = calloc((size_t)r->alloc * (size_t)(pc + 1), esz);
    double *tab = malloc((size_t)L * sizeof *tab);
    int ph_nb = pc % 2 ? pc : pc / 2 + 1;
    double *sin_lut = calloc((size_t)ph_nb, sizeof *sin_lut);
    if (!r->bank || !tab || !sin_lut) {
        free(r->bank);
        free(tab);
        free(sin_lut);
        r->bank = NULL;
        return -2;
    }
    const int center = (L - 1) / 2;
    double norm = 0;
    if (factor == 1.0)
        for (int ph = 0; ph < ph_nb; ph++) sin_lut[ph] = sin(M_PI * ph / pc) * (center & 1 ? 1 : -1);
    int16_t *b16 = r->bank;
    float *bf = r->bank;
    double *bd = r->bank;
    const int a = r->alloc;
    for (int ph = 0; ph < ph_nb; ph++) {
        double s = sin_lut[ph];
        for (int i = 0; i < L; i++) {
            double x = M_PI * ((double)(i - center) - (double)ph / pc) * factor, y;
            if (x == 0) y = 1.0;
            else if (factor == 1.0) y = s / x;
            else y = sin(x) / x;
            double w = 2.0 * x / (factor * L * M_PI);
            double arg = 1 - w * w;
            y *= bessel0(KAISER_BETA * sqrt(arg > 0 ? arg : 0));
            tab[i] = y;
            s = -s;
            if (!ph) norm += y;
        }
        /* the rows past the middle are the earlier ones reversed, written in place
           in the same order as the reference (the middle row mirrors itself) */
        for (int i = 0; i < L; i++) {
            if (kind == K_S16) {
                long v = lrintf((float)(tab[i] * 32768 / norm));
                b16[ph * a + i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
            } else if (kind == K_FLT) {
                bf[ph * a + i] = (float)(tab[i] * 1 / norm);
            } else {
                bd[ph * a + i] = tab[i] * 1 / norm;
            }
        }
        if (pc % 2) continue;
        for (int i = 0; i < L; i++) {
            if (kind == K_S16) b16[(pc - ph) * a + L - 1 - i] = b16[ph * a + i];
            else if (kind == K_FLT) bf[(pc - ph) * a + L - 1 - i] = bf[ph * a + i];
            else bd[(pc - ph) * a + L - 1 - i] = bd[ph * a + i];
        }
    }
    /* row pc: row 0 shifted by one, for interpolating past the last phase */
    for (int i = a - 1; i >= 0; i--) {
        int src = i == 0 ? a - 1 : i - 1;
        if (kind == K_S16) b16[pc * a + i] = b16[src];
        else if (kind == K_FLT) bf[pc * a + i] = bf[src];
        else bd[pc * a + i] = bd[src];
    }
    free(tab);
    free(sin_lut);
    return 0;
}

/* One output from the window at src with filter row `index` and fraction `frac`. */
static void rs_one(const rs_t *r, const void *src_v, int index, int frac, void *dst_v, size_t at)
{
    const int L = r->L, linear = r->mod != 0;
    /* The kernels read whole vectors (8 int16, 8 float, 4 double); past L a row holds
       zeros, but the last row (row 0 shifted, the second filter at the last phase) holds
       row 0's last tap at L: it is added like the others. */
    const int L2 = (L + (r->kind == K_DBL ? 3 : 7)) & (r->kind == K_DBL ? ~3 : ~7);
    if (r->kind == K_S16) {
        const int16_t *src = src_v, *f = (const int16_t *)r->bank + (size_t)index * r->alloc;
        uint32_t v1 = 0x4000, v2 = 0x4000;
        for (int i = 0; i < L; i++) v1 += (uint32_t)((int32_t)src[i] * f[i]);
        if (linear) {
            const int16_t *f2 = f + r->alloc;
            for (int i = 0; i < L2; i++) v2 += (uint32_t)((int32_t)src[i] * f2[i]);
            long long d = wrap32(v2 - v1);
            v1 += (uint32_t)(uint64_t)(d * frac / r->src_incr);
        }
        ((int16_t *)dst_v)[at] = sat16(shr_floor(wrap32(v1), 15));
    } else if (r->kind == K_FLT) {
        const float *src = src_v, *f = (const float *)r->bank + (size_t)index * r->alloc;
        float l1[8] = {0}, l2[8] = {0}, a[4];
        for (int i = 0; i < L; i++) l1[i & 7] = fmaf_exact(src[i], f[i], l1[i & 7]);
        for (int k = 0; k < 4; k++) a[k] = l1[k] + l1[k + 4];
        if (linear) {
            const float *f2 = f + r->alloc;
            for (int i = 0; i < L2; i++) l2[i & 7] = fmaf_exact(src[i], f2[i], l2[i & 7]);
            float fr = (float)frac * r->inv_f;
            for (int k = 0; k < 4; k++) a[k] = fmaf_exact((l2[k] + l2[k + 4]) - a[k], fr, a[k]);
        }
        ((float *)dst_v)[at] = (a[0] + a[2]) + (a[1] + a[3]);
    } else {
        const double *src = src_v, *f = (const double *)r->bank + (size_t)index * r->alloc;
        double l1[4] = {0}, l2[4] = {0}, a[2];
        for (int i = 0; i < L; i++) l1[i & 3] = fma(src[i], f[i], l1[i & 3]);
        for (int k = 0; k < 2; k++) a[k] = l1[k] + l1[k + 2];
        if (linear) {
            const double *f2 = f + r->alloc;
            for (int i = 0; i < L2; i++) l2[i & 3] = fma(src[i], f2[i], l2[i & 3]);
            double fr = (double)frac * r->inv_d;
            for (int k = 0; k < 2; k++) a[k] = fma((l2[k] + l2[k + 2]) - a[k], fr, a[k]);
        }
        ((double *)dst_v)[at] = a[0] + a[1];
    }
}

/* Outputs from window starts *s (an index into v) while the window fits in v[0, limit);
 * the position advances as the reference's integer index/frac stepping does. */
static size_t rs_run(const rs_t *r, const unsigned char *v, size_t esz, size_t *s, int *index,
                     int *frac, size_t limit, void *dst, size_t at)
{
    size_t n = 0;
    while (*s + (size_t)r->L <= limit) {
        if (dst) rs_one(r, v + *s * esz, *index, *frac, dst, at + n);
        n++;
        *frac += r->mod;
        *index += r->div;
        if (*frac >= r->src_incr) {
            *frac -= r->src_incr;
            (*index)++;
        }
        while (*index >= r->pc) {
            (*s)++;
            *index -= r->pc;
        }
    }
    return n;
}

/* Resamples one channel held at v[L, L + N), with room for L + N + L/2 + 1 elements:
 * mirrors, runs to the end, reflects the tail, runs again. With dst NULL only counts. */
static size_t rs_channel(const rs_t *r, unsigned char *v, size_t N, void *dst)
{
    const size_t L = (size_t)r->L, esz = r->kind == K_S16 ? 2 : r->kind == K_FLT ? 4 : 8;
    int index = -r->pc * ((r->L - 1) / 2), frac = 0;
    size_t s = L;
    while (index < 0) {
        s--;
        index += r->pc;
    }
    size_t n = 0, left;
    if (N >= L + 1) {
        for (size_t k = 1; k <= L; k++) memcpy(v + (L - k) * esz, v + (L + k) * esz, esz);
        n += rs_run(r, v, esz, &s, &index, &frac, L + N, dst, 0);
        left = L + N - s;
    } else {
        left = N;
    }
    size_t refl = ((left < L ? left : L) + 1) / 2;
    for (size_t j = 0; j < refl; j++) memcpy(v + (L + N + j) * esz, v + (L + N - 1 - j) * esz, esz);
    if (N < L + 1) {
        if (N + refl < L + 1) return 0; /* the filter never fills: no output */
        for (size_t k = 1; k <= L; k++) memcpy(v + (L - k) * esz, v + (L + k) * esz, esz);
    }
    n += rs_run(r, v, esz, &s, &index, &frac, L + N + refl, dst, n);
    return n;
}

/* ---------------------------------------------------------------- the downmix */

#define CH_FL 0x1u
#define CH_FR 0x2u
#define CH_FC 0x4u
#define CH_LFE 0x8u
#define CH_BL 0x10u
#define CH_BR 0x20u
#define CH_FLC 0x40u
#define CH_FRC 0x80u
#define CH_BC 0x100u
#define CH_SL 0x200u
#define CH_SR 0x400u

/* FFmpeg's default layout for a channel count (av_channel_layout_default); 0 if none */
uint64_t wmel__wav_default_layout(int channels)
{
    static const uint64_t def[9] = {0, 0x4, 0x3, 0xB, 0x107, 0x37, 0x3F, 0x70F, 0x63F};
    return channels >= 1 && channels <= 8 ? def[channels] : 0;
}

static int pair_ok(uint64_t m, uint64_t a, uint64_t b) { return !(m & a) == !(m & b); }

/* The mono row of swr_build_matrix2 for layout `mask` (bit order = channel order). */
static int build_row(uint64_t mask, double *coef, int nch)
{
    const double clev = (double)(float)SQRT1_2, slev = (double)(float)SQRT1_2;
    if (nch == 1) {
        coef[0] = 1.0;
        return 0;
    }
    if (!(mask & (CH_FL | CH_FR | CH_FC)) || !pair_ok(mask, CH_FL, CH_FR) || !pair_ok(mask, CH_SL, CH_SR) ||
        !pair_ok(mask, CH_BL, CH_BR) || !pair_ok(mask, CH_FLC, CH_FRC) || (mask >> 18))
        return -1;
    int j = 0;
    double sum = 0;
    for (int bit = 0; bit < 18; bit++) {
        uint64_t c = (uint64_t)1 << bit;
        if (!(mask & c)) continue;
        double k = 0;
        if (c == CH_FC) k = (mask & (CH_FL | CH_FR)) ? clev * sqrt(2) : 1.0;
        else if (c & (CH_FL | CH_FR | CH_FLC | CH_FRC)) k = SQRT1_2;
        else if (c & (CH_BC | CH_BL | CH_BR | CH_SL | CH_SR)) k = slev * SQRT1_2;
        else if (c == CH_LFE) k = 0.0;
        coef[j++] = k;
        sum += fabs(k);
    }
    if (sum > 1.0)
        for (int i = 0; i < j; i++) coef[i] /= sum;
    return 0;
}

/* ---------------------------------------------------------------- the whole file */

static int16_t rd_s16(const unsigned char *p, int fmt)
{
    if (fmt == WMEL_PCM_U8) return (int16_t)((p[0] - 128) * 256); /* (u8 - 0x80) << 8 */
    return wrap16((int32_t)(p[0] | p[1] << 8));
}

static int32_t rd_s32(const unsigned char *p, int fmt)
{
    uint32_t u = fmt == WMEL_PCM_S24 ? ((uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 24)
                                     : ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
    return wrap32(u);
}

static int16_t flt_to_s16(float x)
{
    float r = rintf(x * 32768.0f);
    if (!(r >= -2147483648.0f && r < 2147483648.0f)) return -32768;
    return sat16((long long)r);
}

static int16_t dbl_to_s16(double x)
{
    double r = rint(x * 32768.0);
    if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) return -32768;
    return (int16_t)(r > 32767 ? 32767 : r < -32768 ? -32768 : r);
}

int wmel__pcm_to_s16(const wmel__pcm_info *in, const void *data, size_t frames, int16_t **out,
                     size_t *n_out, const char *name, char *err, size_t err_len)
{
    *out = NULL;
    *n_out = 0;
    const int fmt = in->fmt, nch = in->channels, rate = in->rate;
    const int bps = fmt == WMEL_PCM_U8 ? 1 : fmt == WMEL_PCM_S16 ? 2 : fmt == WMEL_PCM_S24 ? 3
                  : fmt == WMEL_PCM_F64 ? 8 : 4;
    if (nch < 1 || nch > 63)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "%d channels: the built-in reader takes 1 to 63", nch);
    if (rate < 1 || rate > 1000000)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "a sample rate of %d Hz: wmel resamples 1 to 1000000 Hz", rate);
    uint64_t mask = in->mask;
    int bits = 0;
    for (uint64_t m = mask; m; m &= m - 1) bits++;
    if (bits != nch) mask = 0; /* FFmpeg ignores a mask that does not match the count */
    if (!mask) mask = wmel__wav_default_layout(nch);
    if (!mask)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "%d channels without a channel mask: no "
                         "default layout to downmix from", nch);
    double coef[64];
    if (build_row(mask, coef, nch) != 0)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "channel layout 0x%llx cannot be "
                         "downmixed to mono (FFmpeg refuses it too)", (unsigned long long)mask);
    const int kind = bps <= 2 ? K_S16 : bps <= 4 ? K_FLT : K_DBL;
    const size_t esz = kind == K_S16 ? 2 : kind == K_FLT ? 4 : 8;
    const int resample = rate != WMEL_SAMPLE_RATE;
    rs_t r;
    memset(&r, 0, sizeof r);
    if (resample) {
        int rc = rs_build(&r, kind, rate, WMEL_SAMPLE_RATE);
        if (rc == -2) return wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory for the resampling filter");
        if (rc) return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "cannot resample %d Hz to 16000 Hz", rate);
    }
    const size_t L = resample ? (size_t)r.L : 0;
    int rc = WMEL_OK;
    unsigned char *v = NULL, *res = NULL, *acc = NULL;
    int16_t *o = NULL;
    if (frames > (SIZE_MAX / 8 - 2 * L - 16) / 2) {
        rc = wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "the file is too long for this build");
        goto done;
    }
    size_t vlen = L + frames + L / 2 + 2 + 8; /* + what the kernels read past a window */
    v = calloc(vlen, esz);
    if (!v) {
        rc = wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory for %zu samples", frames);
        goto done;
    }
    /* count the output once (it does not depend on the samples) */
    size_t M = frames;
    if (resample) {
        M = rs_channel(&r, v, frames, NULL);
    }
    if (M == 0) goto done;
    res = malloc(M * esz);
    acc = calloc(M, kind == K_S16 ? sizeof(int32_t) : esz);
    o = malloc(M * sizeof *o);
    if (!res || !acc || !o) {
        rc = wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory for %zu samples", M);
        goto done;
    }
    /* the nonzero coefficients, in channel order, and the int16 mixers' integers */
    int nz = 0, first = -1, second = -1;
    for (int c = 0; c < nch; c++)
        if (coef[c] != 0) {
            nz++;
            if (first < 0) first = c;
            else if (second < 0) second = c;
        }
    int native[64], m32[64], maxsum = 0;
    {
        double rem = 0;
        for (int c = 0; c < nch; c++) {
            double target = coef[c] * 32768 + rem;
            native[c] = (int)lrintf((float)target);
            rem += target - native[c];
            maxsum += abs(native[c]);
            m32[c] = (int)lrintf((float)(coef[c] * 32768));
        }
    }
    const size_t fb = (size_t)nch * (size_t)bps;
    /* no resampling and nothing to mix (mono whose layout is the centre): the reference
       converts in one step, and s32 to s16 then keeps the top bits instead of rounding */
    const int direct = !resample && nch == 1 && mask == CH_FC && (fmt == WMEL_PCM_S24 || fmt == WMEL_PCM_S32);
    const unsigned char *pcm = data;
    for (int c = 0; c < nch; c++) {
        if (coef[c] == 0 && nch > 1) continue;
        /* decode and convert channel c into v[L, L + frames) */
        const size_t cb = (size_t)c * (size_t)bps;
        for (size_t i = 0; i < frames; i++) {
            const unsigned char *p = pcm + i * fb + cb;
            size_t at = L + i;
            if (kind == K_S16) {
                ((int16_t *)v)[at] = rd_s16(p, fmt);
            } else if (kind == K_FLT) {
                float f;
                if (fmt == WMEL_PCM_F32) {
                    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
                    memcpy(&f, &u, 4);
                } else {
                    f = (float)rd_s32(p, fmt) * (1.0f / 2147483648.0f);
                }
                ((float *)v)[at] = f;
            } else {
                uint64_t u = 0;
                for (int k = 7; k >= 0; k--) u = u << 8 | p[k];
                double d;
                memcpy(&d, &u, 8);
                ((double *)v)[at] = d;
            }
        }
        if (resample) rs_channel(&r, v, frames, res);
        else memcpy(res, v + L * esz, M * esz);
        if (direct) { /* s24/s32 straight to s16: the top 16 bits */
            for (size_t i = 0; i < M; i++) o[i] = (int16_t)shr_floor(rd_s32(pcm + i * fb, fmt), 16);
            break;
        }
        /* mix channel c into the accumulator, the way the reference's mixer for this
           count of nonzero coefficients adds it */
        for (size_t i = 0; i < M; i++) {
            if (kind == K_S16) {
                int32_t x = ((int16_t *)res)[i], *a = (int32_t *)acc;
                if (nz <= 2) a[i] = wrap32((uint32_t)a[i] + (uint32_t)(native[c] * x));
                else a[i] = wrap32((uint32_t)a[i] + (uint32_t)(m32[c] * x));
            } else if (kind == K_FLT) {
                float x = ((float *)res)[i], *a = (float *)acc;
                if (nz == 1 && coef[c] == 1.0) a[i] = x;
                else if (nz <= 2 && c == first) a[i] = (float)coef[c] * x;
                else a[i] = a[i] + x * (float)coef[c];
            } else {
                double x = ((double *)res)[i], *a = (double *)acc;
                if (nz == 1 && coef[c] == 1.0) a[i] = x;
                else if (nz <= 2 && c == first) a[i] = coef[c] * x;
                else a[i] = a[i] + x * coef[c];
            }
        }
        if (kind == K_S16 && nz == 1 && coef[c] == 1.0)
            for (size_t i = 0; i < M; i++) ((int32_t *)acc)[i] = ((int16_t *)res)[i];
    }
    (void)second;
    for (size_t i = 0; i < M && !direct; i++) {
        if (first < 0) {
            o[i] = 0;
        } else if (kind == K_S16) {
            int32_t a = ((int32_t *)acc)[i];
            if (nz == 1 && coef[first] == 1.0) o[i] = (int16_t)a;
            else if (nz <= 2 && maxsum > 32768) o[i] = sat16(shr_floor(wrap32((uint32_t)a + 16384u), 15));
            else o[i] = wrap16(shr_floor(wrap32((uint32_t)a + 16384u), 15));
        } else if (kind == K_FLT) {
            o[i] = flt_to_s16(((float *)acc)[i]);
        } else {
            o[i] = dbl_to_s16(((double *)acc)[i]);
        }
    }
    *out = o;
    *n_out = M;
    o = NULL;
done:
    free(r.bank);
    free(v);
    free(res);
    free(acc);
    free(o);
    return rc;
}
