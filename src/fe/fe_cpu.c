/*
 * fe_cpu.c -- the general CPU path for any front-end plan: each frame in double (samples,
 * DC removal, energy, pre-emphasis, window, the real FFT of fe_fft.c, power, the sparse
 * mel bank, the log), written to the output as float32 in the plan's layout, on the ctx's
 * workers (contiguous frame ranges; a frame's value never depends on the team). The finish
 * (valid frames, normalisation, stacking, padding) runs after the frames, in double on
 * the float values, in an order that does not depend on the team either, so the output
 * is bit-identical for every thread count.
 */
#include "fe.h"
#include "../pool.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEAM 256

/* Where frame t, column c of the (unstacked, unpadded) output goes. */
typedef struct fe_out {
    float *out;
    size_t ts, cs;
} fe_out;

static fe_out out_map(const wmel_fe *fe, float *out, size_t cols)
{
    fe_out o = {out, 1, cols};
    if (fe->p.layout == WMEL_LAYOUT_FRAMES_MELS) { /* stacking: frames stay consecutive */
        o.ts = (size_t)fe->n_cols;
        o.cs = 1;
    }
    return o;
}

/* One frame's columns into v[0 .. n_cols). buf: n_fft + n_bins + 2 n_fft doubles. */
static void frame_cols(const wmel_fe *fe, const float *x, size_t n, size_t t, double *buf, double *v)
{
    const wmel_frontend_plan *p = &fe->p;
    const int fl = p->frame_length;
    double *w = buf, *pw = buf + p->n_fft, *work = pw + fe->n_bins;
    const long long i0 = (long long)t * p->hop + fe->off;
    if (i0 >= 1 && i0 + fl <= (long long)n) { /* inside the signal: pre_at() inlined */
        const double s = p->scale, c = p->preemph;
        if (p->preemph_mode == WMEL_PREEMPH_SIGNAL && c != 0.0)
            for (int j = 0; j < fl; j++) w[j] = s * (double)x[i0 + j] - c * (s * (double)x[i0 + j - 1]);
        else
            for (int j = 0; j < fl; j++) w[j] = s * (double)x[i0 + j];
    } else {
        for (int j = 0; j < fl; j++) w[j] = wmel__fe_sample(fe, x, n, i0 + j);
    }
    if (p->remove_dc) {
        double s = 0.0;
        for (int j = 0; j < fl; j++) s += w[j];
        s /= fl;
        for (int j = 0; j < fl; j++) w[j] -= s;
    }
    int c = 0;
    if (p->use_energy) {
        double e = 0.0;
        for (int j = 0; j < fl; j++) e += w[j] * w[j];
        e = log(e < FLT_EPSILON ? FLT_EPSILON : e);
        if (p->energy_floor > 0.0 && e < log(p->energy_floor)) e = log(p->energy_floor);
        v[c++] = e;
    }
    if (p->preemph_mode == WMEL_PREEMPH_FRAME && p->preemph != 0.0) {
        for (int j = fl - 1; j > 0; j--) w[j] -= p->preemph * w[j - 1];
        w[0] -= p->preemph * w[0];
    }
    for (int j = 0; j < fl; j++) w[j] *= fe->window[j];
    memset(w + fl, 0, sizeof(double) * (size_t)(p->n_fft - fl));
    wmel__fft_power(&fe->fft, w, pw, work);
    if (p->power == 1)
        for (int k = 0; k < fe->n_bins; k++) pw[k] = sqrt(pw[k]);
    for (int m = 0; m < p->n_mels; m++) {
        const double *wt = fe->mel_w + fe->mel_off[m], *pk = pw + fe->mel_lo[m];
        double acc = 0.0;
        for (int k = 0; k < fe->mel_len[m]; k++) acc += wt[k] * pk[k];
        v[c++] = wmel__fe_log(p, acc);
    }
}

static void scalar_frames(const wmel_fe *fe, const float *x, size_t n, size_t t0, int count,
                          double *vals, void *scratch)
{
    for (int l = 0; l < count; l++) frame_cols(fe, x, n, t0 + (size_t)l, scratch, vals + (size_t)l * fe->n_cols);
}

static size_t scalar_scratch(const wmel_fe *fe)
{
    return sizeof(double) * ((size_t)fe->p.n_fft * 3 + (size_t)fe->n_bins);
}

static const wmel_fe_kernel KERNEL_C = {"c-f64", 1, scalar_frames, scalar_scratch};
const wmel_fe_kernel *wmel__fe_kernel_c(void) { return &KERNEL_C; }

const wmel_fe_kernel *wmel__fe_kernel_for(int level)
{
    const wmel_fe_kernel *k = NULL;
    if (level >= WMEL_ISA_AVX512) k = wmel__fe_kernel_avx512();
    if (!k && level >= WMEL_ISA_AVX2) k = wmel__fe_kernel_avx2();
    if (!k && level == WMEL_ISA_NEON) k = wmel__fe_kernel_neon();
    return k ? k : &KERNEL_C;
}

typedef struct fe_task {
    const wmel_fe *fe;
    const float *x;
    size_t n, nc; /* samples, frames to compute */
    fe_out o;
    int status[MAX_TEAM];
} fe_task;

/* Worker t's groups of `lanes` frames: the same groups whatever the team, so a frame's
 * lanes (and bits) never depend on the thread count. */
static void fe_worker(void *arg, wmel_pool *pl, int t, int nt)
{
    (void)pl;
    fe_task *k = arg;
    const wmel_fe *fe = k->fe;
    const wmel_fe_kernel *kern = fe->kern;
    const size_t L = (size_t)kern->lanes, groups = (k->nc + L - 1) / L;
    const size_t ga = groups * (size_t)t / (size_t)nt, gb = groups * (size_t)(t + 1) / (size_t)nt;
    k->status[t] = WMEL_OK;
    if (ga == gb) return;
    const size_t sb = (kern->scratch(fe) + 63) & ~(size_t)63;
    const size_t nv = L * (size_t)fe->n_cols;
    void *buf = wmel__aligned_alloc(sb + nv * sizeof(double));
    if (!buf) {
        k->status[t] = WMEL_ERR_NO_MEMORY;
        return;
    }
    double *vals = (double *)(void *)((char *)buf + sb);
    for (size_t g = ga; g < gb; g++) {
        const size_t f0 = g * L, cnt = k->nc - f0 < L ? k->nc - f0 : L;
        kern->frames(fe, k->x, k->n, f0, (int)cnt, vals, buf);
        if (k->o.cs == 1) /* frames x columns */
            for (size_t l = 0; l < cnt; l++) {
                float *o = k->o.out + (f0 + l) * k->o.ts;
                const double *v = vals + l * (size_t)fe->n_cols;
                for (int c = 0; c < fe->n_cols; c++) o[c] = (float)v[c];
            }
        else /* columns x frames: the group's frames side by side in each row */
            for (int c = 0; c < fe->n_cols; c++) {
                float *o = k->o.out + (size_t)c * k->o.cs + f0;
                for (size_t l = 0; l < cnt; l++) o[l] = (float)vals[l * (size_t)fe->n_cols + (size_t)c];
            }
    }
    wmel__aligned_free(buf);
}

/* The normalisation's denominator from the sum of squared deviations over nv frames. */
static double denom_of(const wmel_frontend_plan *p, double ss, size_t nv)
{
    double var = nv > 1 ? ss / (double)(nv - 1) : 0.0; /* NaN (one frame) taken as 0 */
    if (p->norm == WMEL_NORM_PER_FEATURE) return sqrt(var) + p->norm_eps;
    return sqrt(var + p->norm_eps);
}

/* Statistics of each column over frames [0, nv): two passes in double, frames in order
 * (the same sums whatever the team). */
void wmel__fe_stats_f(const wmel_fe *fe, const float *x, size_t ts, size_t cs, size_t nv,
                      double *mean, double *denom)
{
    if (cs == 1 && ts >= (size_t)fe->n_cols) { /* frames x columns: row by row, the same sums */
        const int nc = fe->n_cols;
        double *ss = denom;
        for (int c = 0; c < nc; c++) mean[c] = ss[c] = 0.0;
        for (size_t t = 0; t < nv; t++)
            for (int c = 0; c < nc; c++) mean[c] += x[t * ts + (size_t)c];
        for (int c = 0; c < nc; c++) mean[c] = nv ? mean[c] / (double)nv : 0.0;
        for (size_t t = 0; t < nv; t++)
            for (int c = 0; c < nc; c++) {
                const double d = x[t * ts + (size_t)c] - mean[c];
                ss[c] += d * d;
            }
        for (int c = 0; c < nc; c++) denom[c] = denom_of(&fe->p, ss[c], nv);
        return;
    }
    for (int c0 = 0; c0 < fe->n_cols; c0 += 8) { /* 8 columns side by side: 8 add chains */
        const int w = fe->n_cols - c0 < 8 ? fe->n_cols - c0 : 8;
        double s[8] = {0}, ss[8] = {0};
        for (size_t t = 0; t < nv; t++)
            for (int c = 0; c < w; c++) s[c] += x[(size_t)(c0 + c) * cs + t * ts];
        for (int c = 0; c < w; c++) mean[c0 + c] = nv ? s[c] / (double)nv : 0.0;
        for (size_t t = 0; t < nv; t++)
            for (int c = 0; c < w; c++) {
                const double d = x[(size_t)(c0 + c) * cs + t * ts] - mean[c0 + c];
                ss[c] += d * d;
            }
        for (int c = 0; c < w; c++) denom[c0 + c] = denom_of(&fe->p, ss[c], nv);
    }
}

void wmel__fe_stats_d(const wmel_fe *fe, const double *x, size_t nv, double *mean, double *denom)
{
    const size_t nc = (size_t)fe->n_cols;
    for (size_t c = 0; c < nc; c++) {
        double s = 0.0;
        for (size_t t = 0; t < nv; t++) s += x[t * nc + c];
        mean[c] = nv ? s / (double)nv : 0.0;
        double ss = 0.0;
        for (size_t t = 0; t < nv; t++) {
            const double d = x[t * nc + c] - mean[c];
            ss += d * d;
        }
        denom[c] = denom_of(&fe->p, ss, nv);
    }
}

int wmel__fe_cpu(const wmel_ctx *ctx, const float *x, size_t n, float *out)
{
    const wmel_fe *fe = ctx->fe;
    const wmel_frontend_plan *p = &fe->p;
    size_t rows, cols;
    int rc = wmel__fe_shape(p, n, &rows, &cols);
    if (rc) return rc;
    const size_t total = rows * cols;
    const size_t nv = wmel__fe_valid(p, n);
    const size_t nc = p->valid == WMEL_VALID_ALL ? wmel__fe_frames(p, n) : nv;
    fe_task *k = calloc(1, sizeof *k);
    if (!k) return WMEL_ERR_NO_MEMORY;
    k->fe = fe;
    k->x = x;
    k->n = n;
    k->nc = nc;
    k->o = out_map(fe, out, cols);
    /* zeros wherever no frame is computed: frames past the valid ones, pad_to, stacking */
    if (p->layout == WMEL_LAYOUT_FRAMES_MELS) {
        if (total > nc * (size_t)fe->n_cols)
            memset(out + nc * (size_t)fe->n_cols, 0, sizeof(float) * (total - nc * (size_t)fe->n_cols));
    } else if (cols > nc) {
        for (size_t r = 0; r < rows; r++) memset(out + r * cols + nc, 0, sizeof(float) * (cols - nc));
    }
    int want = ctx->n_threads;
    if ((size_t)want > nc / 16 + 1) want = (int)(nc / 16 + 1);
    if (want > MAX_TEAM) want = MAX_TEAM;
    int nt = nc ? wmel__team_run(ctx->pool, fe_worker, k, want) : 0;
    for (int t = 0; t < nt; t++)
        if (k->status[t] && !rc) rc = k->status[t];
    free(k);
    if (rc) return rc;
    const fe_out o = out_map(fe, out, cols);
    if (p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR) {
        double *st = malloc(sizeof(double) * 2 * (size_t)fe->n_cols);
        if (!st) return WMEL_ERR_NO_MEMORY;
        double *mean = st, *den = st + fe->n_cols;
        wmel__fe_stats_f(fe, out, o.ts, o.cs, nv, mean, den);
        if (o.cs == 1) /* frames x columns: row by row */
            for (size_t t = 0; t < nv; t++) {
                float *row = out + t * o.ts;
                for (int c = 0; c < fe->n_cols; c++)
                    row[c] = den[c] > 0.0 ? (float)((row[c] - mean[c]) / den[c]) : 0.0f;
            }
        else /* columns x frames (ts 1) */
            for (int c = 0; c < fe->n_cols; c++) {
                float *col = out + (size_t)c * o.cs;
                if (den[c] > 0.0)
                    for (size_t t = 0; t < nv; t++) col[t] = (float)((col[t] - mean[c]) / den[c]);
                else
                    memset(col, 0, sizeof(float) * nv);
            }
        free(st);
    } else if (p->norm == WMEL_NORM_WHOLE && nv) {
        float mx = -HUGE_VALF;
        for (int c = 0; c < fe->n_cols; c++)
            for (size_t t = 0; t < nv; t++) {
                const float v = out[(size_t)c * o.cs + t * o.ts];
                if (v > mx) mx = v;
            }
        for (int c = 0; c < fe->n_cols; c++)
            for (size_t t = 0; t < nv; t++) {
                float *v = &out[(size_t)c * o.cs + t * o.ts];
                const float lo = mx - 8.0f;
                *v = ((*v < lo ? lo : *v) + 4.0f) * 0.25f;
            }
    }
    return WMEL_OK;
}
