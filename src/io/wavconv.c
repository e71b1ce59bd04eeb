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
 *    FFmpeg's scalar av_clip_int16(lrint(x * 32768)) (an int of lrint's low 32 bits).
 * The whole file's arithmetic is done block by block (see "the stream" below): memory is
 * the filter and a window a channel, whatever the length.
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
    void *bank;                  /* (pc + 1) rows of alloc coefficients, made on first use */
    unsigned char *made;         /* made[row]: the row is in the bank */
    double *tab;                 /* one row's taps in double */
    double factor, norm;         /* the cutoff, the sum of row 0's taps */
    float inv_f;                 /* 1 / src_incr, as the float kernel computes it */
    double inv_d;
} rs_t;

static void rs_free(rs_t *r)
{
    free(r->bank);
    free(r->made);
    free(r->tab);
    r->bank = NULL;
    r->made = NULL;
    r->tab = NULL;
}

/* Phase ph's row (ph < ph_nb), and for an even phase count its mirror pc - ph: the
 * reference's loop body for that phase, the same arithmetic and the same stores (the
 * middle row mirrors itself in place). Row 0 comes first: it gives norm. */
static void rs_make(rs_t *r, int ph)
{
    const int L = r->L, pc = r->pc, a = r->alloc, kind = r->kind, center = (L - 1) / 2;
    const double factor = r->factor;
    double *tab = r->tab;
    double s = factor == 1.0 ? sin(M_PI * ph / pc) * (center & 1 ? 1 : -1) : 0;
    int16_t *b16 = r->bank;
    float *bf = r->bank;
    double *bd = r->bank;
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
        if (!ph) r->norm += y;
    }
    const double norm = r->norm;
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
    r->made[ph] = 1;
    if (pc % 2 || ph == 0) return; /* row pc is row 0 shifted (rs_row), not its mirror */
    for (int i = 0; i < L; i++) {
        if (kind == K_S16) b16[(pc - ph) * a + L - 1 - i] = b16[ph * a + i];
        else if (kind == K_FLT) bf[(pc - ph) * a + L - 1 - i] = bf[ph * a + i];
        else bd[(pc - ph) * a + L - 1 - i] = bd[ph * a + i];
    }
    r->made[pc - ph] = 1;
}

/* Filter row `row` (0 .. pc), made on first use: what the reference's whole bank holds there. */
static const void *rs_row(rs_t *r, int row)
{
    const size_t esz = r->kind == K_S16 ? 2 : r->kind == K_FLT ? 4 : 8;
    unsigned char *at = (unsigned char *)r->bank + (size_t)row * (size_t)r->alloc * esz;
    if (r->made[row]) return at;
    if (!r->made[0]) rs_make(r, 0);
    const int pc = r->pc, a = r->alloc, kind = r->kind;
    if (row == pc) { /* row 0 shifted by one, for interpolating past the last phase */
        int16_t *b16 = r->bank;
        float *bf = r->bank;
        double *bd = r->bank;
        for (int i = a - 1; i >= 0; i--) {
            int src = i == 0 ? a - 1 : i - 1;
            if (kind == K_S16) b16[pc * a + i] = b16[src];
            else if (kind == K_FLT) bf[pc * a + i] = bf[src];
            else bd[pc * a + i] = bd[src];
        }
        r->made[pc] = 1;
    } else if (!r->made[row]) {
        rs_make(r, pc % 2 || row <= pc / 2 ? row : pc - row);
    }
    return at;
}

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
    r->factor = factor;
    r->inv_f = 1.0f / (float)r->src_incr;
    r->inv_d = 1.0 / (double)r->src_incr;
    size_t esz = kind == K_S16 ? 2 : kind == K_FLT ? 4 : 8;
    r->bank = calloc((size_t)r->alloc * (size_t)(pc + 1), esz);
    r->made = calloc((size_t)pc + 1, 1);
    r->tab = malloc((size_t)L * sizeof *r->tab);
    if (!r->bank || !r->made || !r->tab) {
        rs_free(r);
        return -2;
    }
    return 0;
}

/* One output from the window at src with filter row `index` and fraction `frac`. */
static void rs_one(rs_t *r, const void *src_v, int index, int frac, void *dst_v, size_t at)
{
    const int L = r->L, linear = r->mod != 0;
    /* The kernels read whole vectors (8 int16, 8 float, 4 double); past L a row holds
       zeros, but the last row (row 0 shifted, the second filter at the last phase) holds
       row 0's last tap at L: it is added like the others. */
    const int L2 = (L + (r->kind == K_DBL ? 3 : 7)) & (r->kind == K_DBL ? ~3 : ~7);
    if (r->kind == K_S16) {
        const int16_t *src = src_v, *f = rs_row(r, index);
        uint32_t v1 = 0x4000, v2 = 0x4000;
        for (int i = 0; i < L; i++) v1 += (uint32_t)((int32_t)src[i] * f[i]);
        if (linear) {
            const int16_t *f2 = rs_row(r, index + 1);
            for (int i = 0; i < L2; i++) v2 += (uint32_t)((int32_t)src[i] * f2[i]);
            long long d = wrap32(v2 - v1);
            v1 += (uint32_t)(uint64_t)(d * frac / r->src_incr);
        }
        ((int16_t *)dst_v)[at] = sat16(shr_floor(wrap32(v1), 15));
    } else if (r->kind == K_FLT) {
        const float *src = src_v, *f = rs_row(r, index);
        float l1[8] = {0}, l2[8] = {0}, a[4];
        for (int i = 0; i < L; i++) l1[i & 7] = fmaf_exact(src[i], f[i], l1[i & 7]);
        for (int k = 0; k < 4; k++) a[k] = l1[k] + l1[k + 4];
        if (linear) {
            const float *f2 = rs_row(r, index + 1);
            for (int i = 0; i < L2; i++) l2[i & 7] = fmaf_exact(src[i], f2[i], l2[i & 7]);
            float fr = (float)frac * r->inv_f;
            for (int k = 0; k < 4; k++) a[k] = fmaf_exact((l2[k] + l2[k + 4]) - a[k], fr, a[k]);
        }
        ((float *)dst_v)[at] = (a[0] + a[2]) + (a[1] + a[3]);
    } else {
        const double *src = src_v, *f = rs_row(r, index);
        double l1[4] = {0}, l2[4] = {0}, a[2];
        for (int i = 0; i < L; i++) l1[i & 3] = fma(src[i], f[i], l1[i & 3]);
        for (int k = 0; k < 2; k++) a[k] = l1[k] + l1[k + 2];
        if (linear) {
            const double *f2 = rs_row(r, index + 1);
            for (int i = 0; i < L2; i++) l2[i & 3] = fma(src[i], f2[i], l2[i & 3]);
            double fr = (double)frac * r->inv_d;
            for (int k = 0; k < 2; k++) a[k] = fma((l2[k] + l2[k + 2]) - a[k], fr, a[k]);
        }
        ((double *)dst_v)[at] = a[0] + a[1];
    }
}

/* At most max outputs from window starts *s (an index into v) while the window fits in
 * v[0, limit); the position advances as the reference's integer index/frac stepping does. */
static size_t rs_run(rs_t *r, const unsigned char *v, size_t esz, size_t *s, int *index,
                     int *frac, size_t limit, void *dst, size_t max)
{
    size_t n = 0;
    while (n < max && *s + (size_t)r->L <= limit) {
        rs_one(r, v + *s * esz, *index, *frac, dst, n);
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


/* ---------------------------------------------------------------- the output conversion */

static int16_t flt_to_s16(float x)
{
    float r = rintf(x * 32768.0f);
    if (!(r >= -2147483648.0f && r < 2147483648.0f)) return -32768;
    return sat16((long long)r);
}

/* av_clip_int16(lrint(x * 32768)), FFmpeg's scalar conversion: lrint past the 64-bit range
 * (NaN, infinities, 1e30) gives INT64_MIN as x86-64's cvtsd2si does, and av_clip_int16 takes
 * an int, the low 32 bits: 0 there, and 65536.0 (2^31) gives -32768. */
static int16_t dbl_to_s16(double x)
{
    double r = rint(x * 32768.0);
    unsigned long long v = r >= -9223372036854775808.0 && r < 9223372036854775808.0
                         ? (unsigned long long)(long long)r : 0x8000000000000000ull;
    return sat16(wrap32((uint32_t)v));
}

/* ---------------------------------------------------------------- the stream */

/* The whole-file arithmetic above, block by block: each channel's samples live in a window
 * of the virtual array v (v[L + j] = sample j, v[0, L) its mirror, v[L + N, ...) the end's
 * reflection) that holds the filter's span and a block of input; the position (s, index,
 * frac) is the same for every channel. What a channel's kernel reads past its window at
 * the end of the first pass is what the whole-file loop left there: zeros for the first
 * channel mixed, the previous one's reflection for the others. */
#define CONV_OUT 4096 /* outputs a step */
#define CONV_IN 8192  /* input frames a window takes beyond the filter's span */

struct wmel__conv {
    int fmt, nch, bps, kind, resample, direct, nproc, nomix, stage, index, frac;
    int proc[64], native[64], m32[64], nz, first, maxsum;
    double coef[64];
    uint32_t keep;
    size_t esz, L, cap, tail;
    uint64_t N, fed, vbase, vend, s, refl, M, out;
    rs_t r;
    unsigned char *buf, *res, *acc;
    int16_t *dir;
};

/* outputs of the stepping whose window fits in v[0, limit), from its start s0 = L - (L-1)/2:
 * s_k = s0 + floor(k * rate / 16000) (the steps' sum is exact) */
static uint64_t rs_count(uint64_t L, int rate, uint64_t limit)
{
    const uint64_t s0 = L - (L - 1) / 2;
    if (limit < L + s0) return 0;
    const uint64_t A = limit - L - s0 + 1;
    return (A * WMEL_SAMPLE_RATE + (uint64_t)rate - 1) / (uint64_t)rate;
}

static unsigned char *chan(const wmel__conv *c, int p) { return c->buf + (size_t)p * c->cap * c->esz; }

/* The output count and the end's reflection length, as the whole-file passes give them. */
static void conv_plan(wmel__conv *c, int rate)
{
    const uint64_t L = c->L, N = c->N;
    if (!c->resample) {
        c->M = N;
        return;
    }
    uint64_t left = N;
    if (N >= L + 1) {
        const uint64_t n1 = rs_count(L, rate, L + N);
        left = L + N - (L - (L - 1) / 2 + n1 * (uint64_t)rate / WMEL_SAMPLE_RATE);
    }
    c->refl = ((left < L ? left : L) + 1) / 2;
    c->M = N < L + 1 && N + c->refl < L + 1 ? 0 : rs_count(L, rate, L + N + c->refl);
}

/* the mix's integers and which channels are read (nonzero coefficients; mono always) */
static void conv_mixer(wmel__conv *c)
{
    const int nch = c->nch;
    c->first = -1;
    double rem = 0;
    for (int ch = 0; ch < nch; ch++) {
        if (c->coef[ch] != 0) {
            c->nz++;
            if (c->first < 0) c->first = ch;
        }
        if (c->coef[ch] != 0 || nch == 1) c->proc[c->nproc++] = ch;
        double target = c->coef[ch] * 32768 + rem;
        c->native[ch] = (int)lrintf((float)target);
        rem += target - c->native[ch];
        c->maxsum += abs(c->native[ch]);
        c->m32[ch] = (int)lrintf((float)(c->coef[ch] * 32768));
    }
    if (!c->nproc) { /* nothing mixed: the steps still count the outputs (zeros) */
        c->proc[c->nproc++] = 0;
        c->nomix = 1;
    }
}

void wmel__conv_close(wmel__conv *c)
{
    if (!c) return;
    rs_free(&c->r);
    free(c->buf);
    free(c->res);
    free(c->acc);
    free(c->dir);
    free(c);
}

int wmel__conv_open(const wmel__pcm_info *in, uint64_t frames, wmel__conv **out, uint64_t *n_out,
                    const char *name, char *err, size_t err_len)
{
    *out = NULL;
    *n_out = 0;
    const int fmt = in->fmt, nch = in->channels, rate = in->rate;
    if (nch < 1 || nch > 63)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "%d channels: the built-in reader takes 1 to 63", nch);
    if (rate < 1 || rate > 1000000)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "a sample rate of %d Hz: wmel resamples 1 to 1000000 Hz", rate);
    if (frames > WMEL__WAV_MAX_FRAMES)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "%llu frames: past the built-in reader's limit",
                         (unsigned long long)frames);
    uint64_t mask = in->mask;
    int bits = 0;
    for (uint64_t m = mask; m; m &= m - 1) bits++;
    if (bits != nch) mask = 0; /* FFmpeg ignores a mask that does not match the count */
    if (mask == 0x60000000u) mask = CH_FL | CH_FR; /* stereo downmix (Lt/Rt): libswresample mixes it as stereo */
    if (!mask) mask = wmel__wav_default_layout(nch);
    if (!mask)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "%d channels without a channel mask: no "
                         "default layout to downmix from", nch);
    wmel__conv *c = calloc(1, sizeof *c);
    if (!c) return wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory");
    if (build_row(mask, c->coef, nch) != 0) {
        free(c);
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "channel layout 0x%llx cannot be "
                         "downmixed to mono by the built-in reader", (unsigned long long)mask);
    }
    c->fmt = fmt;
    c->nch = nch;
    c->bps = in->container ? in->container : fmt == WMEL_PCM_U8 ? 1 : fmt == WMEL_PCM_S16 ? 2
           : fmt == WMEL_PCM_S24 ? 3 : fmt == WMEL_PCM_F64 ? 8 : 4;
    c->keep = in->keep ? in->keep : 0xFFFFFFFFu;
    const int wbytes = fmt == WMEL_PCM_U8 ? 1 : fmt == WMEL_PCM_S16 ? 2 : fmt == WMEL_PCM_F64 ? 8 : 4;
    c->kind = wbytes <= 2 ? K_S16 : wbytes <= 4 ? K_FLT : K_DBL;
    c->esz = c->kind == K_S16 ? 2 : c->kind == K_FLT ? 4 : 8;
    c->resample = rate != WMEL_SAMPLE_RATE;
    c->N = frames;
    conv_mixer(c);
    /* no resampling and nothing to mix (mono whose layout is the centre): the reference
       converts in one step, and s32 to s16 then keeps the top bits instead of rounding */
    c->direct = !c->resample && nch == 1 && mask == CH_FC && (fmt == WMEL_PCM_S24 || fmt == WMEL_PCM_S32);
    if (c->resample) {
        int rc = rs_build(&c->r, c->kind, rate, WMEL_SAMPLE_RATE);
        if (rc) {
            wmel__conv_close(c);
            if (rc == -2) return wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory for the resampling filter");
            return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "cannot resample %d Hz to 16000 Hz", rate);
        }
        c->L = (size_t)c->r.L;
    }
    conv_plan(c, rate);
    c->tail = c->L / 2 + 2 + 8;
    c->cap = 2 * c->L + c->tail + 8 + CONV_IN;
    c->vend = c->L;
    c->s = c->resample ? c->L - (c->L - 1) / 2 : 0;
    c->stage = c->M ? 0 : 3;
    if (c->M) {
        c->buf = calloc((size_t)c->nproc * c->cap, c->esz);
        c->res = malloc(CONV_OUT * c->esz);
        c->acc = malloc(CONV_OUT * (c->esz > 4 ? c->esz : 4));
        c->dir = c->direct ? calloc(c->cap, sizeof *c->dir) : NULL;
        if (!c->buf || !c->res || !c->acc || (c->direct && !c->dir)) {
            wmel__conv_close(c);
            return wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory for the converter");
        }
    }
    *out = c;
    *n_out = c->M;
    return WMEL_OK;
}

/* Frames the converter takes now (0: it has what it needs, or every frame); it moves
 * its windows down to the current position first. */
size_t wmel__conv_room(wmel__conv *c)
{
    if (c->stage == 3 || c->fed == c->N) return 0;
    if (c->stage == 1 && c->s > c->vbase) {
        const size_t drop = (size_t)(c->s - c->vbase), keep = (size_t)(c->vend - c->s);
        for (int p = 0; p < c->nproc; p++) memmove(chan(c, p), chan(c, p) + drop * c->esz, keep * c->esz);
        if (c->dir) memmove(c->dir, c->dir + drop, keep * sizeof *c->dir);
        c->vbase = c->s;
    }
    const size_t used = (size_t)(c->vend - c->vbase), room = c->cap - c->tail - used;
    return c->N - c->fed < room ? (size_t)(c->N - c->fed) : room;
}

static void store(const wmel__conv *c, const unsigned char *p, unsigned char *dst, size_t at)
{
    const int fmt = c->fmt;
    if (c->kind == K_S16) {
        int16_t v = fmt == WMEL_PCM_U8 ? (int16_t)((p[0] - 128) * 256) /* (u8 - 0x80) << 8 */
                                       : wrap16((int32_t)((uint32_t)(p[0] | p[1] << 8) & c->keep));
        memcpy(dst + at * 2, &v, 2);
    } else if (c->kind == K_FLT) {
        uint32_t u = fmt == WMEL_PCM_S24 ? ((uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 24)
                                         : ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        float f;
        if (fmt == WMEL_PCM_F32) memcpy(&f, &u, 4);
        else f = (float)wrap32(u & c->keep) * (1.0f / 2147483648.0f);
        memcpy(dst + at * 4, &f, 4);
    } else {
        uint64_t u = 0;
        for (int k = 7; k >= 0; k--) u = u << 8 | p[k];
        memcpy(dst + at * 8, &u, 8);
    }
}

/* The end is in: past it each window holds zeros, or (first pass, channels after the first
 * one mixed) the previous channel's reflection, as the whole-file loop left them. */
static void conv_last(wmel__conv *c)
{
    const size_t end = (size_t)(c->vend - c->vbase), esz = c->esz;
    for (int p = 0; p < c->nproc; p++) memset(chan(c, p) + end * esz, 0, (c->cap - end) * esz);
    if (!c->resample || c->N < c->L + 1) return;
    for (int p = 1; p < c->nproc; p++)
        for (size_t j = 0; j < c->refl; j++)
            memcpy(chan(c, p) + (end + j) * esz, chan(c, p - 1) + (end - 1 - j) * esz, esz);
}

/* frames interleaved little-endian frames of channels x container bytes each */
void wmel__conv_feed(wmel__conv *c, const unsigned char *raw, size_t frames)
{
    const size_t at = (size_t)(c->vend - c->vbase), fb = (size_t)c->nch * (size_t)c->bps;
    for (int p = 0; p < c->nproc; p++) {
        unsigned char *dst = chan(c, p);
        const unsigned char *src = raw + (size_t)c->proc[p] * (size_t)c->bps;
        for (size_t i = 0; i < frames; i++) store(c, src + i * fb, dst, at + i);
    }
    if (c->dir) /* s24/s32 straight to s16: the top 16 bits */
        for (size_t i = 0; i < frames; i++) {
            const unsigned char *p = raw + i * fb;
            uint32_t u = c->fmt == WMEL_PCM_S24 ? ((uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 24)
                                                : ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
            c->dir[at + i] = (int16_t)shr_floor(wrap32(u & c->keep), 16);
        }
    c->vend += frames;
    c->fed += frames;
    if (c->fed == c->N) conv_last(c);
}

/* mix channel index p's n outputs in res into the accumulator, as the reference's mixer for
 * this count of nonzero coefficients adds them */
static void conv_mix(wmel__conv *c, int ch, size_t n)
{
    const double k = c->coef[ch];
    const int nz = c->nz;
    if (c->kind == K_S16) {
        const int16_t *x = (const int16_t *)c->res;
        int32_t *a = (int32_t *)c->acc;
        if (nz == 1 && k == 1.0)
            for (size_t i = 0; i < n; i++) a[i] = x[i];
        else
            for (size_t i = 0; i < n; i++)
                a[i] = wrap32((uint32_t)a[i] + (uint32_t)((nz <= 2 ? c->native[ch] : c->m32[ch]) * x[i]));
    } else if (c->kind == K_FLT) {
        const float *x = (const float *)c->res;
        float *a = (float *)c->acc;
        for (size_t i = 0; i < n; i++) {
            if (nz == 1 && k == 1.0) a[i] = x[i];
            else if (nz <= 2 && ch == c->first) a[i] = (float)k * x[i];
            else a[i] = a[i] + x[i] * (float)k;
        }
    } else {
        const double *x = (const double *)c->res;
        double *a = (double *)c->acc;
        for (size_t i = 0; i < n; i++) {
            if (nz == 1 && k == 1.0) a[i] = x[i];
            else if (nz <= 2 && ch == c->first) a[i] = k * x[i];
            else a[i] = a[i] + x[i] * k;
        }
    }
}

/* the output conversion of the mix (FFmpeg's: as is, saturating float, lrint of double) */
static void conv_finish(const wmel__conv *c, int16_t *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c->first < 0) {
            o[i] = 0;
        } else if (c->kind == K_S16) {
            int32_t a = ((const int32_t *)c->acc)[i];
            if (c->nz == 1 && c->coef[c->first] == 1.0) o[i] = (int16_t)a;
            else if (c->nz <= 2 && c->maxsum > 32768) o[i] = sat16(shr_floor(wrap32((uint32_t)a + 16384u), 15));
            else o[i] = wrap16(shr_floor(wrap32((uint32_t)a + 16384u), 15));
        } else if (c->kind == K_FLT) {
            o[i] = flt_to_s16(((const float *)c->acc)[i]);
        } else {
            o[i] = dbl_to_s16(((const double *)c->acc)[i]);
        }
    }
}

/* One step: up to max outputs from the windows as they are (0: input needed, or the end). */
static size_t conv_step(wmel__conv *c, int16_t *o, size_t max)
{
    const size_t esz = c->esz, L = c->L;
    uint64_t limit;
    if (!c->resample) limit = c->vend;
    else if (c->stage == 2) limit = L + c->N + c->refl;
    else if (c->fed == c->N) limit = L + c->N;
    else limit = c->vend >= 8 ? c->vend - 8 : 0; /* the kernels read up to 7 past a window */
    if (c->resample ? limit < c->s + L : limit <= c->s) return 0;
    size_t n = 0, s_rel = 0;
    int index = 0, frac = 0;
    if (!c->resample) {
        n = (size_t)(limit - c->s) < max ? (size_t)(limit - c->s) : max;
        if (n == 0) return 0;
    }
    if (c->direct) {
        memcpy(o, c->dir + (c->s - c->vbase), n * sizeof *o);
        c->s += n;
        return n;
    }
    memset(c->acc, 0, max * (esz > 4 ? esz : 4));
    for (int p = 0; p < c->nproc; p++) {
        const unsigned char *v = chan(c, p);
        if (c->resample) {
            s_rel = (size_t)(c->s - c->vbase);
            index = c->index;
            frac = c->frac;
            n = rs_run(&c->r, v, esz, &s_rel, &index, &frac, (size_t)(limit - c->vbase), c->res, max);
            if (n == 0) return 0;
        } else {
            memcpy(c->res, v + (size_t)(c->s - c->vbase) * esz, n * esz);
        }
        if (!c->nomix) conv_mix(c, c->proc[p], n);
    }
    if (c->resample) {
        c->s = c->vbase + s_rel;
        c->index = index;
        c->frac = frac;
    } else {
        c->s += n;
    }
    conv_finish(c, o, n);
    return n;
}

/* Up to max 16 kHz mono samples into o; 0 when input is needed (wmel__conv_room says how
 * much) or every sample is out. */
size_t wmel__conv_out(wmel__conv *c, int16_t *o, size_t max)
{
    const size_t L = c->L, esz = c->esz;
    if (max > CONV_OUT) max = CONV_OUT;
    while (c->stage != 3 && max) {
        if (c->stage == 0) { /* the start's mirror, once its samples are in */
            if (!c->resample) {
                c->stage = 1;
                continue;
            }
            if (c->fed < (c->N < L + 1 ? c->N : L + 1)) return 0;
            if (c->N < L + 1) { /* too short for a first pass: reflect the end, then mirror */
                for (int p = 0; p < c->nproc; p++)
                    for (size_t j = 0; j < c->refl; j++)
                        memcpy(chan(c, p) + (L + c->N + j) * esz, chan(c, p) + (L + c->N - 1 - j) * esz, esz);
                c->stage = 2;
            } else {
                c->stage = 1;
            }
            for (int p = 0; p < c->nproc; p++)
                for (size_t k = 1; k <= L; k++) memcpy(chan(c, p) + (L - k) * esz, chan(c, p) + (L + k) * esz, esz);
            continue;
        }
        size_t n = conv_step(c, o, max);
        if (n) {
            c->out += n;
            return n;
        }
        if (c->fed < c->N) return 0;
        if (c->stage == 1 && c->resample) { /* the first pass is over: reflect the end */
            const size_t end = (size_t)(c->vend - c->vbase);
            for (int p = 0; p < c->nproc; p++)
                for (size_t j = 0; j < c->refl; j++)
                    memcpy(chan(c, p) + (end + j) * esz, chan(c, p) + (end - 1 - j) * esz, esz);
            c->stage = 2;
        } else {
            c->stage = 3;
        }
    }
    return 0;
}
