/*
 * fe_fft.c -- the general path's transform: a real FFT of any even n_fft whose half is
 * 2^a 3^b 5^c, in double. The half-length complex FFT is a Stockham autosort transform
 * (no bit reversal; radix 4 first, then 2, 3, 5), the real spectrum follows from the
 * usual split of even and odd samples (pocketfft and kissfft do the same). Twiddles are
 * computed once in double. Sizes other than 4^k up to 256 also get the tables of the
 * in-place mixed-radix transform (fe_mr.inc), which the C level runs here and the lane
 * kernels run per ISA: fewer passes over the data than the Stockham stages, the small DFTs
 * written out, and the late stages block by block in cache.
 */
#include "fe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double PI = 3.14159265358979323846264338327950288;

typedef double VD;
#define MR_BLOCK 1024 /* 16 KB of points */
#include "fe_mr.inc"

/* The mixed-radix tables of f (m set): radices, twiddles, digit reversal. */
static int mr_init(wmel_fft *f)
{
    const int m = f->m;
    int rest = m, n2 = 0;
    f->mr_n = 0;
    for (int r = 5; r >= 3; r -= 2)
        while (rest % r == 0) {
            if (f->mr_n == WMEL_FE_MAX_STAGES) return WMEL_ERR_INVALID_ARG;
            f->mr_radix[f->mr_n++] = r;
            rest /= r;
        }
    while (rest % 2 == 0) rest /= 2, n2++;
    if (rest != 1 || f->mr_n + 1 + n2 / 2 > WMEL_FE_MAX_STAGES) return WMEL_ERR_INVALID_ARG;
    if (n2 % 2) f->mr_radix[f->mr_n++] = 2;
    for (int i = 0; i < n2 / 2; i++) f->mr_radix[f->mr_n++] = 4;
    size_t tw = 0;
    for (int s = 0, L = m; s < f->mr_n; L /= f->mr_radix[s], s++) {
        f->mr_tw_off[s] = tw;
        const int q = L / f->mr_radix[s];
        if (q > 1) tw += (size_t)q * (size_t)(f->mr_radix[s] - 1) * 2;
    }
    f->mr_tw = malloc(sizeof(double) * (tw ? tw : 1));
    f->mr_rev = malloc(sizeof(int) * (size_t)m);
    if (!f->mr_tw || !f->mr_rev) return WMEL_ERR_NO_MEMORY;
    for (int s = 0, L = m; s < f->mr_n; L /= f->mr_radix[s], s++) {
        const int r = f->mr_radix[s], q = L / r;
        double *t = f->mr_tw + f->mr_tw_off[s];
        if (q > 1)
            for (int j = 0; j < q; j++)
                for (int u = 1; u < r; u++) {
                    const double a = -2.0 * PI * (double)(u * j) / L; /* as r4_tw's */
                    *t++ = cos(a);
                    *t++ = sin(a);
                }
    }
    /* position p = sum u_s q_s holds point k = u_0 + r_0 (u_1 + r_1 (u_2 + ..)) */
    for (int p = 0; p < m; p++) {
        int rem = p, k = 0, w = 1;
        for (int s = 0, L = m; s < f->mr_n; L /= f->mr_radix[s], s++) {
            const int q = L / f->mr_radix[s];
            k += rem / q * w;
            rem %= q;
            w *= f->mr_radix[s];
        }
        f->mr_rev[k] = p;
    }
    return WMEL_OK;
}

int wmel__fft_init(wmel_fft *f, int n_fft)
{
    memset(f, 0, sizeof *f);
    const int m = n_fft / 2;
    f->m = m;
    int rest = m, ns = 1;
    size_t tw = 0;
    while (rest > 1) {
        int r = rest % 4 == 0 ? 4 : rest % 2 == 0 ? 2 : rest % 3 == 0 ? 3 : rest % 5 == 0 ? 5 : 0;
        if (!r || f->n_stages == WMEL_FE_MAX_STAGES) return WMEL_ERR_INVALID_ARG;
        f->radix[f->n_stages] = r;
        f->ns[f->n_stages] = ns;
        f->tw_off[f->n_stages] = tw;
        tw += (size_t)(r - 1) * (size_t)ns * 2;
        ns *= r;
        rest /= r;
        f->n_stages++;
    }
    f->tw = malloc(sizeof(double) * (tw ? tw : 1));
    f->post = malloc(sizeof(double) * 2 * (size_t)(m + 1));
    if (!f->tw || !f->post) {
        wmel__fft_free(f);
        return WMEL_ERR_NO_MEMORY;
    }
    for (int s = 0; s < f->n_stages; s++) {
        const int r = f->radix[s], q = f->ns[s];
        double *t = f->tw + f->tw_off[s];
        for (int k = 0; k < q; k++)
            for (int j = 1; j < r; j++) {
                const double a = -2.0 * PI * (double)j * k / ((double)q * r);
                t[2 * (k * (r - 1) + j - 1)] = cos(a);
                t[2 * (k * (r - 1) + j - 1) + 1] = sin(a);
            }
    }
    for (int k = 0; k <= m; k++) {
        const double a = -PI * k / m; /* -2 pi k / n_fft */
        f->post[2 * k] = cos(a);
        f->post[2 * k + 1] = sin(a);
    }
    int digits = 0; /* m = 4^digits? */
    while (digits < 15 && (1 << 2 * digits) < m) digits++;
    if (m >= 4 && (1 << 2 * digits) == m) {
        size_t ntw = 0;
        for (int L = m; L >= 16; L /= 4) ntw += (size_t)L / 4 * 6;
        f->r4_tw = malloc(sizeof(double) * (ntw ? ntw : 1));
        f->r4_rev = malloc(sizeof(int) * (size_t)m);
        if (!f->r4_tw || !f->r4_rev) {
            wmel__fft_free(f);
            return WMEL_ERR_NO_MEMORY;
        }
        double *t = f->r4_tw;
        for (int L = m; L >= 16; L /= 4)
            for (int j = 0; j < L / 4; j++)
                for (int q = 1; q <= 3; q++) {
                    const double a = -2.0 * PI * (double)(q * j) / L;
                    *t++ = cos(a);
                    *t++ = sin(a);
                }
        for (int k = 0; k < m; k++) {
            int r = 0, v = k;
            for (int d = 0; d < digits; d++, v >>= 2) r = r << 2 | (v & 3);
            f->r4_rev[k] = r;
        }
    }
    if (!f->r4_rev || m > 256) {
        const int st = mr_init(f);
        if (st) {
            wmel__fft_free(f);
            return st;
        }
    }
    if (n_fft == 400) { /* the prime-factor tables, Whisper's (plan.c) */
        wmel_pfa400_tab *t = malloc(sizeof *t);
        if (!t) {
            wmel__fft_free(f);
            return WMEL_ERR_NO_MEMORY;
        }
        wmel__pfa400_tables(t->tw_re, t->tw_im, t->zq, t->pwi);
        f->pfa = t;
    }
    return WMEL_OK;
}

void wmel__fft_free(wmel_fft *f)
{
    free(f->tw);
    free(f->post);
    free(f->r4_tw);
    free(f->r4_rev);
    free(f->mr_tw);
    free(f->mr_rev);
    free(f->pfa);
    f->pfa = NULL;
    f->tw = f->post = f->r4_tw = f->mr_tw = NULL;
    f->r4_rev = f->mr_rev = NULL;
}

/* One Stockham stage: radix r, ns points per finished transform, src -> dst (m complex,
 * re/im interleaved). Input j = g ns + k goes with its partners to outputs g ns r + k + q ns;
 * the loops run over (k, g), so no index needs a division. */
static void stage(const wmel_fft *f, int s, const double *src, double *dst)
{
    const int r = f->radix[s], ns = f->ns[s], m = f->m, stride = m / r, groups = stride / ns;
    const double *tw = f->tw + f->tw_off[s];
    if (r == 4) {
        for (int k = 0; k < ns; k++) {
            const double *t = tw + 6 * k;
            for (int g = 0; g < groups; g++) {
                const int j = g * ns + k, b = g * ns * 4 + k;
                const double *x0 = src + 2 * j, *x1 = src + 2 * (j + stride);
                const double *x2 = src + 2 * (j + 2 * stride), *x3 = src + 2 * (j + 3 * stride);
                const double x1r = x1[0] * t[0] - x1[1] * t[1], x1i = x1[0] * t[1] + x1[1] * t[0];
                const double x2r = x2[0] * t[2] - x2[1] * t[3], x2i = x2[0] * t[3] + x2[1] * t[2];
                const double x3r = x3[0] * t[4] - x3[1] * t[5], x3i = x3[0] * t[5] + x3[1] * t[4];
                const double a0r = x0[0] + x2r, a0i = x0[1] + x2i, a1r = x0[0] - x2r, a1i = x0[1] - x2i;
                const double a2r = x1r + x3r, a2i = x1i + x3i, a3r = x1i - x3i, a3i = x3r - x1r; /* -i (x1 - x3) */
                double *y = dst + 2 * b;
                y[0] = a0r + a2r; y[1] = a0i + a2i;
                y[2 * ns] = a1r + a3r; y[2 * ns + 1] = a1i + a3i;
                y[4 * ns] = a0r - a2r; y[4 * ns + 1] = a0i - a2i;
                y[6 * ns] = a1r - a3r; y[6 * ns + 1] = a1i - a3i;
            }
        }
        return;
    }
    double cr[25], ci[25]; /* the r-point DFT's roots (r = 2, 3, 5) */
    for (int q = 0; q < r * r; q++) {
        const double a = -2.0 * PI * (double)((q / r) * (q % r) % r) / r;
        cr[q] = cos(a);
        ci[q] = sin(a);
    }
    for (int k = 0; k < ns; k++)
        for (int g = 0; g < groups; g++) {
            const int j = g * ns + k, b = g * ns * r + k;
            double vr[5], vi[5];
            vr[0] = src[2 * j];
            vi[0] = src[2 * j + 1];
            for (int q = 1; q < r; q++) {
                const double a = src[2 * (j + q * stride)], bb = src[2 * (j + q * stride) + 1];
                const double c = tw[2 * (k * (r - 1) + q - 1)], d = tw[2 * (k * (r - 1) + q - 1) + 1];
                vr[q] = a * c - bb * d;
                vi[q] = a * d + bb * c;
            }
            for (int u = 0; u < r; u++) {
                double accr = vr[0], acci = vi[0];
                for (int q = 1; q < r; q++) {
                    accr += vr[q] * cr[u * r + q] - vi[q] * ci[u * r + q];
                    acci += vr[q] * ci[u * r + q] + vi[q] * cr[u * r + q];
                }
                dst[2 * (b + u * ns)] = accr;
                dst[2 * (b + u * ns) + 1] = acci;
            }
        }
}

void wmel__fft_power(const wmel_fft *f, const double *x, double *power, double *work)
{
    const int m = f->m;
    double *a = work, *b = work + 2 * (size_t)m;
    memcpy(a, x, sizeof(double) * 2 * (size_t)m); /* z[j] = x[2j] + i x[2j + 1] */
    if (f->mr_rev) {
        fe_mr_fft(a, f);
        const int *rev = f->mr_rev;
        for (int k = 0; k <= m; k++) {
            const int i = rev[k == m ? 0 : k], j = rev[k == 0 ? 0 : m - k];
            const double zr = a[2 * i], zi = a[2 * i + 1];
            const double cr = a[2 * j], ci = -a[2 * j + 1];
            const double er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci);
            const double dr = 0.5 * (zr - cr), di = 0.5 * (zi - ci);
            const double wr = f->post[2 * k], wi = f->post[2 * k + 1];
            const double xr = er + (di * wr + dr * wi), xi = ei + (di * wi - dr * wr);
            power[k] = xr * xr + xi * xi;
        }
        return;
    }
    for (int s = 0; s < f->n_stages; s++) {
        stage(f, s, a, b);
        double *t = a;
        a = b;
        b = t;
    }
    for (int k = 0; k <= m; k++) {
        const int i = k == m ? 0 : k, j = k == 0 ? 0 : m - k;
        const double zr = a[2 * i], zi = a[2 * i + 1];
        const double cr = a[2 * j], ci = -a[2 * j + 1];      /* conj Z[m - k] */
        const double er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci);
        const double dr = 0.5 * (zr - cr), di = 0.5 * (zi - ci);
        const double or_ = di, oi = -dr;                       /* -i d */
        const double wr = f->post[2 * k], wi = f->post[2 * k + 1];
        const double xr = er + (or_ * wr - oi * wi), xi = ei + (or_ * wi + oi * wr);
        power[k] = xr * xr + xi * xi;
    }
}
