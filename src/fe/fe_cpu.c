/*
 * fe_cpu.c -- the general CPU path for any front-end plan: each frame in double (samples,
 * DC removal, energy, pre-emphasis, window, the real FFT, power, the sparse mel bank, the
 * log: the level's frame kernel, fe_lanes.inc, one source for every level, the C level's
 * in src/cpu/fe_c.c), written to the output as float32 in the plan's layout, on the ctx's
 * workers (chunks of WMEL_FE_STATS_CHUNK frames, taken one at a time; a frame's value
 * never depends on the team). The finish (valid frames, normalisation, stacking, padding)
 * runs on the same workers, in double on the float values: each chunk's column sums as
 * soon as its frames are written, the chunks' sums added in chunk order by every worker
 * alike, then the output normalised (by chunks of frames, or by groups of rows for a
 * [n_cols][frames] output: rows_finish()) -- an order that does not depend on the team
 * either, so the output is bit-identical for every thread count. The input's NaN / Inf
 * check is shared out the same way (each group's samples checked before its kernel reads
 * them).
 */
#include "fe.h"
#include "../pool.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
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

size_t wmel__fe_vals_len(const wmel_fe *fe, const wmel_fe_kernel *kern)
{
    const size_t L = (size_t)kern->lanes;
    return L * (size_t)fe->n_cols + (fe->p.n_ceps > 0 ? L * (size_t)fe->n_raw : 0);
}

void wmel__fe_run_frames(const wmel_fe *fe, const wmel_fe_kernel *kern, const float *x, size_t n, size_t t0,
                         int count, double *vals, void *scratch, size_t tbase, int by_col)
{
    if (fe->p.n_ceps <= 0) {
        kern->frames(fe, x, n, t0, count, vals, scratch, tbase, by_col);
        return;
    }
    /* the kernel's log energy and log mels, [lane][n_raw], past the cepstra's place */
    const int L = kern->lanes, nk = fe->n_cols;
    double *raw = vals + (size_t)L * (size_t)nk;
    kern->frames(fe, x, n, t0, count, raw, scratch, tbase, 0);
    if (!by_col) {
        for (int l = 0; l < count; l++) wmel__fe_ceps(fe, raw + (size_t)l * fe->n_raw, vals + (size_t)l * nk);
        return;
    }
    double c[WMEL_FE_MAX_MELS];
    for (int l = 0; l < L; l++) { /* every lane: those past count repeat the last frame */
        if (l < count) wmel__fe_ceps(fe, raw + (size_t)l * fe->n_raw, c);
        for (int k = 0; k < nk; k++) vals[(size_t)k * L + l] = c[k];
    }
}

void wmel__fe_norm(const wmel_fe *fe, float *v, size_t len, const double *mean, const double *den, size_t ms)
{
    (fe->kern ? fe->kern : wmel__fe_kernel_c())->norm(v, len, mean, den, ms);
}

/* ---- the statistics (fe.h: chunks of WMEL_FE_STATS_CHUNK frames) ---- */

double wmel__fe_denom(const wmel_frontend_plan *p, double ss, size_t nv)
{
    if (p->norm_flags & WMEL_NORMF_MEAN_ONLY) return 1.0;
    double var = nv > 1 ? ss / (double)(nv - 1) : 0.0; /* NaN (one frame) taken as 0 */
    if (p->norm_flags & WMEL_NORMF_POPULATION) var = nv ? ss / (double)nv : 0.0;
    if (p->norm == WMEL_NORM_PER_FEATURE) return sqrt(var) + p->norm_eps;
    return sqrt(var + p->norm_eps);
}

/* wmel__fe_chunk_sums() for 8 columns of a columns x frames output, r = column 0. */
static void sums8(const float *r, size_t ts, size_t cs, size_t t0, size_t t1, const double *mean,
                  double *acc)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0;
    const float *r0 = r, *r1 = r + cs, *r2 = r + 2 * cs, *r3 = r + 3 * cs, *r4 = r + 4 * cs,
                *r5 = r + 5 * cs, *r6 = r + 6 * cs, *r7 = r + 7 * cs;
    if (mean) {
        const double m0 = mean[0], m1 = mean[1], m2 = mean[2], m3 = mean[3], m4 = mean[4],
                     m5 = mean[5], m6 = mean[6], m7 = mean[7];
        for (size_t t = t0; t < t1; t++) {
            const size_t i = t * ts;
            const double d0 = r0[i] - m0, d1 = r1[i] - m1, d2 = r2[i] - m2, d3 = r3[i] - m3;
            const double d4 = r4[i] - m4, d5 = r5[i] - m5, d6 = r6[i] - m6, d7 = r7[i] - m7;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
            s4 += d4 * d4;
            s5 += d5 * d5;
            s6 += d6 * d6;
            s7 += d7 * d7;
        }
    } else {
        for (size_t t = t0; t < t1; t++) {
            const size_t i = t * ts;
            s0 += r0[i];
            s1 += r1[i];
            s2 += r2[i];
            s3 += r3[i];
            s4 += r4[i];
            s5 += r5[i];
            s6 += r6[i];
            s7 += r7[i];
        }
    }
    acc[0] = s0;
    acc[1] = s1;
    acc[2] = s2;
    acc[3] = s3;
    acc[4] = s4;
    acc[5] = s5;
    acc[6] = s6;
    acc[7] = s7;
}

/* The sums of wmel__fe_chunk_sums() for the w <= 8 columns from r (column j at r + j cs). */
static void sums_cols(const float *r, size_t ts, size_t cs, size_t t0, size_t t1,
                      const double *mean, double *acc, size_t w)
{
    if (w == 8) { /* a fixed width, so that the chains stay in registers */
        sums8(r, ts, cs, t0, t1, mean, acc);
        return;
    }
    double s[8] = {0};
    if (mean) {
        for (size_t t = t0; t < t1; t++)
            for (size_t j = 0; j < w; j++) {
                const double d = r[j * cs + t * ts] - mean[j];
                s[j] += d * d;
            }
    } else {
        for (size_t t = t0; t < t1; t++)
            for (size_t j = 0; j < w; j++) s[j] += r[j * cs + t * ts];
    }
    for (size_t j = 0; j < w; j++) acc[j] = s[j];
}

void wmel__fe_chunk_sums(const wmel_fe *fe, const float *x, size_t ts, size_t cs, size_t t0,
                         size_t t1, const double *mean, double *acc)
{
    const size_t nc = (size_t)fe->n_cols;
    if (cs == 1) { /* frames x columns: row by row, every column's chain side by side */
        for (size_t c = 0; c < nc; c++) acc[c] = 0.0;
        if (mean)
            for (size_t t = t0; t < t1; t++)
                for (size_t c = 0; c < nc; c++) {
                    const double d = x[t * ts + c] - mean[c];
                    acc[c] += d * d;
                }
        else
            for (size_t t = t0; t < t1; t++)
                for (size_t c = 0; c < nc; c++) acc[c] += x[t * ts + c];
        return;
    }
    for (size_t c0 = 0; c0 < nc; c0 += 8) /* columns x frames: 8 columns' chains side by side */
        sums_cols(x + c0 * cs, ts, cs, t0, t1, mean ? mean + c0 : NULL, acc + c0,
                  nc - c0 < 8 ? nc - c0 : 8);
}

void wmel__fe_stats_f(const wmel_fe *fe, const float *x, size_t ts, size_t cs, size_t nv,
                      double *mean, double *denom)
{
    const size_t nc = (size_t)fe->n_cols, C = WMEL_FE_STATS_CHUNK;
    double part[WMEL_FE_MAX_MELS + 1];
    for (size_t c = 0; c < nc; c++) mean[c] = denom[c] = 0.0;
    for (size_t t = 0; t < nv; t += C) {
        wmel__fe_chunk_sums(fe, x, ts, cs, t, nv - t < C ? nv : t + C, NULL, part);
        for (size_t c = 0; c < nc; c++) mean[c] += part[c];
    }
    for (size_t c = 0; c < nc; c++) mean[c] = nv ? mean[c] / (double)nv : 0.0;
    for (size_t t = 0; t < nv; t += C) {
        wmel__fe_chunk_sums(fe, x, ts, cs, t, nv - t < C ? nv : t + C, mean, part);
        for (size_t c = 0; c < nc; c++) denom[c] += part[c];
    }
    for (size_t c = 0; c < nc; c++) denom[c] = wmel__fe_denom(&fe->p, denom[c], nv);
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
        denom[c] = wmel__fe_denom(&fe->p, ss, nv);
    }
}

/* ---- the appended variants' finish (fe.h: wmel__fe_finish_ext) ---- */

/* (v - mean[c]) / den[c] (0 where den[c] is not positive) for frames [0, nv) of the output
 * (frame t, column c at out[t ts + c cs], cs or ts 1), walked in memory order, the tests
 * out of the loops so that they vectorise; a denominator of 1 divides exactly, so where all
 * are 1 (mean subtraction) the division is left out with the same result. */
static void norm_span(const wmel_fe *fe, float *out, size_t ts, size_t cs, size_t nv, size_t nc,
                      const double *mean, const double *den)
{
    int all_pos = 1, all_one = 1;
    for (size_t c = 0; c < nc; c++) {
        all_pos &= den[c] > 0.0;
        all_one &= den[c] == 1.0;
    }
    if (cs == 1) { /* frames x columns: row by row */
        for (size_t t = 0; t < nv; t++) {
            float *row = out + t * ts;
            if (all_one)
                for (size_t c = 0; c < nc; c++) row[c] = (float)(row[c] - mean[c]);
            else if (all_pos)
                wmel__fe_norm(fe, row, nc, mean, den, 1);
            else
                for (size_t c = 0; c < nc; c++) row[c] = den[c] > 0.0 ? (float)((row[c] - mean[c]) / den[c]) : 0.0f;
        }
        return;
    }
    for (size_t c = 0; c < nc; c++) { /* columns x frames (ts 1): column by column */
        float *col = out + c * cs;
        const double m = mean[c], d = den[c];
        if (!(d > 0.0))
            for (size_t t = 0; t < nv; t++) col[t * ts] = 0.0f;
        else if (d == 1.0)
            for (size_t t = 0; t < nv; t++) col[t * ts] = (float)(col[t * ts] - m);
        else if (ts == 1)
            wmel__fe_norm(fe, col, nv, &m, &d, 0);
        else
            for (size_t t = 0; t < nv; t++) col[t * ts] = (float)((col[t * ts] - m) / d);
    }
}

/* The per-column normalisation's statistics: the columns' sums in mean[0 .. nc) to their means
 * over nv frames (one mean of every value with WMEL_NORMF_ALL). */
static void stats_means(const wmel_frontend_plan *p, double *mean, size_t nc, size_t nv)
{
    if (p->norm_flags & WMEL_NORMF_ALL) {
        double tot = 0.0;
        for (size_t c = 0; c < nc; c++) tot += mean[c];
        const double mu = nv ? tot / ((double)nv * (double)nc) : 0.0;
        for (size_t c = 0; c < nc; c++) mean[c] = mu;
    } else {
        for (size_t c = 0; c < nc; c++) mean[c] = nv ? mean[c] / (double)nv : 0.0;
    }
}

/* The columns' sums of squared deviations in den[0 .. nc) to the denominators (one of every
 * value with WMEL_NORMF_ALL), floored as the plan says. */
static void stats_dens(const wmel_frontend_plan *p, double *den, const double *mean, size_t nc, size_t nv)
{
    if (p->norm_flags & WMEL_NORMF_ALL) {
        double ss = 0.0;
        for (size_t c = 0; c < nc; c++) ss += den[c];
        const double d = wmel__fe_denom(p, ss, nv * nc);
        for (size_t c = 0; c < nc; c++) den[c] = d;
    } else {
        for (size_t c = 0; c < nc; c++) den[c] = wmel__fe_denom(p, den[c], nv);
    }
    for (size_t c = 0; c < nc; c++) den[c] = wmel__fe_den_floor(p, den[c], mean[c]);
}

/* WMEL_NORMF_THEN_MEAN_VAR on frames [0, nv) of the output (after the clamp, the padding and
 * the affine): the columns' statistics, chunk by chunk in chunk order, and the values
 * normalised (wmel.h: its order). */
static void then_mean_var(const wmel_fe *fe, float *out, size_t ts, size_t cs, size_t nv)
{
    const wmel_frontend_plan *p = &fe->p;
    const size_t nc = (size_t)fe->n_cols, C = WMEL_FE_STATS_CHUNK;
    double mean[WMEL_FE_MAX_MELS + 1], den[WMEL_FE_MAX_MELS + 1], part[WMEL_FE_MAX_MELS + 1];
    for (size_t c = 0; c < nc; c++) mean[c] = den[c] = 0.0;
    for (size_t t = 0; t < nv; t += C) {
        wmel__fe_chunk_sums(fe, out, ts, cs, t, nv - t < C ? nv : t + C, NULL, part);
        for (size_t c = 0; c < nc; c++) mean[c] += part[c];
    }
    for (size_t c = 0; c < nc; c++) mean[c] = nv ? mean[c] / (double)nv : 0.0;
    for (size_t t = 0; !(p->norm_flags & WMEL_NORMF_MEAN_ONLY) && t < nv; t += C) {
        wmel__fe_chunk_sums(fe, out, ts, cs, t, nv - t < C ? nv : t + C, mean, part);
        for (size_t c = 0; c < nc; c++) den[c] += part[c];
    }
    for (size_t c = 0; c < nc; c++) den[c] = wmel__fe_then_denom(p, den[c], nv, mean[c]);
    norm_span(fe, out, ts, cs, nv, nc, mean, den);
}

/* BODY on every cell (frame t in [t0, t1), column c in [0, nc)) of an output whose frame and
 * column strides are ts and cs, in the order of memory (each cell on its own: any order
 * gives the same values) */
#define FOR_CELLS(t, t0, t1, c, nc, ts, cs, BODY)                                                  \
    do {                                                                                         \
        if ((cs) >= (ts)) {                                                                      \
            for (size_t c = 0; c < (nc); c++)                                                    \
                for (size_t t = (t0); t < (t1); t++) BODY;                                       \
        } else {                                                                                 \
            for (size_t t = (t0); t < (t1); t++)                                                 \
                for (size_t c = 0; c < (nc); c++) BODY;                                          \
        }                                                                                        \
    } while (0)

/* wmel__fe_finish_ext(), the chunks' column sums in sums ([chunk][n_cols], the valid
 * frames' chunks, as wmel__fe_chunk_sums() gives them) where not NULL. */
static int finish_ext(const wmel_fe *fe, float *out, size_t ts, size_t cs, size_t nv, size_t nfo,
                      const double *sums)
{
    const wmel_frontend_plan *p = &fe->p;
    const size_t nc = (size_t)fe->n_cols, C = WMEL_FE_STATS_CHUNK;
    if (p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR) {
        double mean[WMEL_FE_MAX_MELS + 1], den[WMEL_FE_MAX_MELS + 1], part[WMEL_FE_MAX_MELS + 1];
        for (size_t c = 0; c < nc; c++) mean[c] = den[c] = 0.0;
        for (size_t t = 0; t < nv; t += C) {
            const double *ps = sums ? sums + t / C * nc : part;
            if (!sums) wmel__fe_chunk_sums(fe, out, ts, cs, t, nv - t < C ? nv : t + C, NULL, part);
            for (size_t c = 0; c < nc; c++) mean[c] += ps[c];
        }
        stats_means(p, mean, nc, nv);
        const int mean_only = (p->norm_flags & WMEL_NORMF_MEAN_ONLY) != 0; /* denominators 1 */
        for (size_t t = 0; !mean_only && t < nv; t += C) {
            wmel__fe_chunk_sums(fe, out, ts, cs, t, nv - t < C ? nv : t + C, mean, part);
            for (size_t c = 0; c < nc; c++) den[c] += part[c];
        }
        stats_dens(p, den, mean, nc, nv);
        norm_span(fe, out, ts, cs, nv, nc, mean, den);
    } else if (p->norm == WMEL_NORM_WHOLE && nv) {
        float mx = -HUGE_VALF;
        if (p->norm_flags & WMEL_NORMF_FIXED_MAX)
            mx = (float)p->norm_max;
        else
            FOR_CELLS(t, 0, nv, c, nc, ts, cs, mx = out[t * ts + c * cs] > mx ? out[t * ts + c * cs] : mx);
        const float lo = mx - (float)(p->norm_range > 0.0 ? p->norm_range : 8.0);
        FOR_CELLS(t, 0, nv, c, nc, ts, cs, {
            float *v = out + t * ts + c * cs;
            *v = ((*v < lo ? lo : *v) + 4.0f) * 0.25f;
        });
    }
    const float pad = (float)p->pad_value;
    FOR_CELLS(t, nv, nfo, c, nc, ts, cs, out[t * ts + c * cs] = pad);
    if (p->affine)
        FOR_CELLS(t, 0, nfo, c, nc, ts, cs, {
            float *v = out + t * ts + c * cs;
            *v = (float)((double)*v * p->post_scale + p->post_shift);
        });
    if (p->norm_flags & WMEL_NORMF_THEN_MEAN_VAR) then_mean_var(fe, out, ts, cs, nv);
    if (fe->col_scale && !p->cols_stacked) wmel__fe_cols(fe, out, ts, cs, 0, nfo);
    return WMEL_OK;
}

/* finish_ext() on the ctx's workers, the same values: the statistics combined in chunk
 * order by every worker alike (the chunks' sums of squared deviations taken one chunk at a
 * time), the maximum of a whole-clip normalisation per worker (any order: exact), then the
 * frames' values normalised, padded and scaled by chunks of WMEL_FE_STATS_CHUNK frames, each
 * value's operations in finish_ext()'s order. */
typedef struct fin_task {
    const wmel_fe *fe;
    float *out;
    size_t ts, cs, nv, nfo;
    double *part; /* [valid chunks][n_cols] the chunks' sums, then of squared deviations */
    size_t next[4];
    float max[MAX_TEAM];
} fin_task;

static size_t fin_take(fin_task *k, int phase, size_t count)
{
    const size_t c = __atomic_fetch_add(&k->next[phase], 1, __ATOMIC_RELAXED);
    return c < count ? c : count;
}

static void fin_worker(void *arg, wmel_pool *pl, int t, int nt)
{
    fin_task *k = arg;
    const wmel_fe *fe = k->fe;
    const wmel_frontend_plan *p = &fe->p;
    const size_t nc = (size_t)fe->n_cols, C = WMEL_FE_STATS_CHUNK, nv = k->nv, ts = k->ts, cs = k->cs;
    const size_t nvc = (nv + C - 1) / C, nfc = (k->nfo + C - 1) / C;
    const int stats = p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR;
    const int whole = p->norm == WMEL_NORM_WHOLE && nv;
    const int then = whole && (p->norm_flags & WMEL_NORMF_THEN_MEAN_VAR);
    double mean[WMEL_FE_MAX_MELS + 1], den[WMEL_FE_MAX_MELS + 1];
    float lo = 0.0f;
    if (stats) {
        for (size_t c = 0; c < nc; c++) mean[c] = den[c] = 0.0;
        for (size_t u = 0; u < nvc; u++)
            for (size_t c = 0; c < nc; c++) mean[c] += k->part[u * nc + c];
        stats_means(p, mean, nc, nv);
        if (!(p->norm_flags & WMEL_NORMF_MEAN_ONLY)) { /* denominators 1 otherwise */
            wmel__team_barrier(pl, nt); /* every worker has read the sums */
            for (size_t u; (u = fin_take(k, 0, nvc)) < nvc;)
                wmel__fe_chunk_sums(fe, k->out, ts, cs, u * C, nv - u * C < C ? nv : u * C + C, mean,
                                    k->part + u * nc);
            wmel__team_barrier(pl, nt);
            for (size_t u = 0; u < nvc; u++)
                for (size_t c = 0; c < nc; c++) den[c] += k->part[u * nc + c];
        }
        stats_dens(p, den, mean, nc, nv);
    } else if (whole) {
        float mx = -HUGE_VALF;
        if (p->norm_flags & WMEL_NORMF_FIXED_MAX) {
            mx = (float)p->norm_max;
        } else {
            k->max[t] = -HUGE_VALF;
            for (size_t u; (u = fin_take(k, 0, nvc)) < nvc;) {
                const size_t v1 = nv - u * C < C ? nv : u * C + C;
                for (size_t f = u * C; f < v1; f++)
                    for (size_t c = 0; c < nc; c++) {
                        const float v = k->out[f * ts + c * cs];
                        k->max[t] = v > k->max[t] ? v : k->max[t];
                    }
            }
            wmel__team_barrier(pl, nt);
            for (int u = 0; u < nt; u++) mx = k->max[u] > mx ? k->max[u] : mx;
        }
        lo = mx - (float)(p->norm_range > 0.0 ? p->norm_range : 8.0);
    }
    const float pad = (float)p->pad_value;
    for (size_t u; (u = fin_take(k, 1, nfc)) < nfc;) {
        const size_t f0 = u * C, f1 = k->nfo - f0 < C ? k->nfo : f0 + C, v1 = f1 < nv ? f1 : nv;
        if (stats && f0 < v1) norm_span(fe, k->out + f0 * ts, ts, cs, v1 - f0, nc, mean, den);
        if (whole)
            for (size_t f = f0; f < v1; f++)
                for (size_t c = 0; c < nc; c++) {
                    float *v = k->out + f * ts + c * cs;
                    *v = ((*v < lo ? lo : *v) + 4.0f) * 0.25f;
                }
        for (size_t f = v1 > f0 ? v1 : f0; f < f1; f++)
            for (size_t c = 0; c < nc; c++) k->out[f * ts + c * cs] = pad;
        if (p->affine)
            for (size_t f = f0; f < f1; f++)
                for (size_t c = 0; c < nc; c++) {
                    float *v = k->out + f * ts + c * cs;
                    *v = (float)((double)*v * p->post_scale + p->post_shift);
                }
        if (then) { /* the chunk's sums of the values after the affine */
            if (f0 < v1) wmel__fe_chunk_sums(fe, k->out, ts, cs, f0, v1, NULL, k->part + u * nc);
        } else if (fe->col_scale && !p->cols_stacked) {
            wmel__fe_cols(fe, k->out, ts, cs, f0, f1);
        }
    }
    if (!then) return;
    /* WMEL_NORMF_THEN_MEAN_VAR: then_mean_var()'s sums, combined in chunk order by every worker */
    wmel__team_barrier(pl, nt);
    for (size_t c = 0; c < nc; c++) mean[c] = den[c] = 0.0;
    for (size_t u = 0; u < nvc; u++)
        for (size_t c = 0; c < nc; c++) mean[c] += k->part[u * nc + c];
    for (size_t c = 0; c < nc; c++) mean[c] = nv ? mean[c] / (double)nv : 0.0;
    if (!(p->norm_flags & WMEL_NORMF_MEAN_ONLY)) {
        wmel__team_barrier(pl, nt); /* every worker has read the sums */
        for (size_t u; (u = fin_take(k, 2, nvc)) < nvc;)
            wmel__fe_chunk_sums(fe, k->out, ts, cs, u * C, nv - u * C < C ? nv : u * C + C, mean, k->part + u * nc);
        wmel__team_barrier(pl, nt);
        for (size_t u = 0; u < nvc; u++)
            for (size_t c = 0; c < nc; c++) den[c] += k->part[u * nc + c];
    }
    for (size_t c = 0; c < nc; c++) den[c] = wmel__fe_then_denom(p, den[c], nv, mean[c]);
    for (size_t u; (u = fin_take(k, 3, nfc)) < nfc;) {
        const size_t f0 = u * C, f1 = k->nfo - f0 < C ? k->nfo : f0 + C, v1 = f1 < nv ? f1 : nv;
        if (f0 < v1) norm_span(fe, k->out + f0 * ts, ts, cs, v1 - f0, nc, mean, den);
        if (fe->col_scale && !p->cols_stacked) wmel__fe_cols(fe, k->out, ts, cs, f0, f1);
    }
}

/* finish_ext() with the chunks' sums of the valid frames in part, on up to `want` workers. */
static int finish_ext_team(const wmel_ctx *ctx, float *out, size_t ts, size_t cs, size_t nv, size_t nfo,
                           double *part)
{
    const wmel_fe *fe = ctx->fe;
    const wmel_frontend_plan *p = &fe->p;
    const size_t C = WMEL_FE_STATS_CHUNK, nfc = (nfo + C - 1) / C;
    const int stats = p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR;
    int want = ctx->n_threads;
    if ((size_t)want > nfc) want = (int)nfc;
    if (want > MAX_TEAM) want = MAX_TEAM;
    /* a small output (AST's 1024 frames): the workers' wake-up would cost more than it saves */
    if (want <= 1 || (stats && !part) || nfo * (size_t)fe->n_cols < ((size_t)1 << 18))
        return finish_ext(fe, out, ts, cs, nv, nfo, part);
    double *own = NULL; /* WMEL_NORMF_THEN_MEAN_VAR's chunks' sums */
    if (p->norm == WMEL_NORM_WHOLE && (p->norm_flags & WMEL_NORMF_THEN_MEAN_VAR) && nv) {
        own = malloc((nv + C - 1) / C * (size_t)fe->n_cols * sizeof(double));
        if (!own) return WMEL_ERR_NO_MEMORY;
        part = own;
    }
    fin_task *k = calloc(1, sizeof *k);
    if (!k) {
        free(own);
        return WMEL_ERR_NO_MEMORY;
    }
    k->fe = fe;
    k->out = out;
    k->ts = ts;
    k->cs = cs;
    k->nv = nv;
    k->nfo = nfo;
    k->part = part;
    wmel__team_run(ctx->pool, fin_worker, k, want);
    free(k);
    free(own);
    return WMEL_OK;
}

void wmel__fe_cols(const wmel_fe *fe, float *out, size_t ts, size_t cs, size_t f0, size_t f1)
{
    const size_t nc = (size_t)fe->n_cols;
    for (size_t t = f0; t < f1; t++)
        for (size_t c = 0; c < nc; c++) {
            float *v = out + t * ts + c * cs;
            *v = (float)((double)*v * fe->col_scale[c] + fe->col_shift[c]);
        }
}

int wmel__fe_finish_ext(const wmel_fe *fe, float *out, size_t ts, size_t cs, size_t nv, size_t nfo)
{
    return finish_ext(fe, out, ts, cs, nv, nfo, NULL);
}

/* ---- the whole clip on the ctx's workers ---- */

/* 1 when x[a .. b) holds no NaN or Inf (the kernel's check, vectorised at its level). */
static int finite_span(const wmel_fe *fe, const float *x, size_t a, size_t b)
{
    return b <= a || (fe->kern ? fe->kern : wmel__fe_kernel_c())->finite(x + a, b - a);
}

enum { FIN_NONE, FIN_STATS, FIN_MAX };

typedef struct fe_task {
    const wmel_fe *fe;
    const float *x;
    size_t n, nc, nv; /* samples, frames to compute, valid frames */
    size_t chunks;    /* chunks of WMEL_FE_STATS_CHUNK frames over [0, nc) */
    size_t tail0, tails; /* a long input past the last frame (n_frames): its check in `tails`
                            slices of TAIL_SLICE samples from tail0, phase 0's last tasks */
    fe_out o;
    const void *pre; /* the frames' values computed by a device backend ([nc][n_cols]), or NULL:
                        doubles, or float32 where pre_f32 (the device's casts, the finish's own) */
    int pre_f32;
    size_t out_bytes; /* the whole output */
    int fin;          /* FIN_*: the normalisation */
    double *part;     /* FIN_STATS, or an appended finish's statistics: [valid chunks][n_cols]
                         the chunks' sums */
    size_t next[3];   /* the next chunk to take in each phase (atomic) */
    int stop;         /* a worker failed: take no more chunks (atomic) */
    int status[MAX_TEAM];
    float max[MAX_TEAM];
} fe_task;

/* The input past the last frame's window is checked in slices of this many samples
 * (when there are more than two of them), so that the workers share it. */
#define TAIL_SLICE ((size_t)1 << 18)

/* The first sample of frame t's window (negative before the signal). */
static long long frame_i0(const wmel_fe *fe, size_t t) { return (long long)t * fe->p.hop + fe->off; }

/* Chunk c's share of the input's check: [from(c), from(c + 1)), from(0) = 0 and
 * from(chunks) = n, from(c) the sample before the chunk's first window otherwise; the
 * shares tile the input. */
static size_t share_from(const fe_task *k, size_t c)
{
    if (c == 0) return 0;
    if (c >= k->chunks) return k->tails ? k->tail0 : k->n;
    const long long a = frame_i0(k->fe, c * WMEL_FE_STATS_CHUNK) - 1;
    return a <= 0 ? 0 : (size_t)a < k->n ? (size_t)a : k->n;
}

/* Chunk c's input check: every sample its frames read, and its share of the input --
 * [i0(f0) - 1, i0(f1 - 1) + frame_length) with its share, all of [0, n_fft / 2 + 2) with
 * the start's reflection, and the end's reflected part (a little before its window).
 * The start's and the end's reflected parts are checked here (0 when one is not finite);
 * the rest, [*from, *to), is left to the caller, which checks it as the frames come
 * (check_to()), so that the samples are read from memory at the pace of the frames. */
static int chunk_check_begin(const fe_task *k, size_t c, size_t f0, size_t f1, size_t *from,
                             size_t *to)
{
    const wmel_fe *fe = k->fe;
    const size_t n = k->n;
    const long long a = frame_i0(fe, f0), b = frame_i0(fe, f1 - 1) + fe->p.frame_length;
    size_t lo = share_from(k, c), hi = share_from(k, c + 1);
    if (b > (long long)hi) hi = b >= (long long)n ? n : (size_t)b;
    if (a < 1) {
        const size_t rr = wmel__fe_reflect_reach(&fe->p);
        const size_t e = ((size_t)fe->p.n_fft / 2 > rr ? (size_t)fe->p.n_fft / 2 : rr) + 2;
        if (hi < e) hi = e < n ? e : n;
        const size_t e1 = e < hi ? e : hi; /* the start's reflection: before any frame */
        if (lo < e1) {
            if (!finite_span(k->fe, k->x, lo, e1)) return 0;
            lo = e1;
        }
    }
    if (b > (long long)n) {
        const long long r = 2 * (long long)n - b - 2;
        const size_t rl = r <= 0 ? 0 : (size_t)r;
        if (rl < lo && !finite_span(k->fe, k->x, rl, lo)) return 0;
    }
    *from = lo;
    *to = hi > lo ? hi : lo;
    return 1;
}

/* Checks the chunk's samples up to `need` (clamped to [*at, to)); 1 when they are finite. */
static int check_to(const fe_task *k, long long need, size_t *at, size_t to)
{
    const size_t e = need <= (long long)*at ? *at : need >= (long long)to ? to : (size_t)need;
    if (e <= *at) return 1;
    if (!finite_span(k->fe, k->x, *at, e)) return 0;
    *at = e;
    return 1;
}

/* The next chunk of a phase's `count`, or count when none is left. */
static size_t take(fe_task *k, int phase, size_t count)
{
    if (__atomic_load_n(&k->stop, __ATOMIC_RELAXED)) return count;
    const size_t c = __atomic_fetch_add(&k->next[phase], 1, __ATOMIC_RELAXED);
    return c < count ? c : count;
}

/* Rows [m0, m0 + ROW_GROUP) of a columns x frames output (ts 1), once every chunk's column
 * sums are in k->part: each row's mean, its sum of squared deviations (chunk by chunk, in
 * frame order from 0 within a chunk, the chunks in chunk order: sums_cols(), as
 * wmel__fe_chunk_sums() sums them), its denominator, and the row normalised. The
 * statistics of a column depend on its row alone, so a worker takes whole rows: it reads
 * them as a few long streams, and normalises them while they are still in cache, in place
 * of a pass over the whole output for the sums and another for the normalisation. */
#define ROW_GROUP 8
static void rows_finish(fe_task *k, size_t m0, size_t nvc)
{
    const wmel_fe *fe = k->fe;
    const size_t C = WMEL_FE_STATS_CHUNK, ncol = (size_t)fe->n_cols, cs = k->o.cs, nv = k->nv;
    const size_t w = ncol - m0 < ROW_GROUP ? ncol - m0 : ROW_GROUP;
    const float *r = k->o.out + m0 * cs;
    double mu[ROW_GROUP] = {0}, den[ROW_GROUP] = {0};
    for (size_t c = 0; c < nvc; c++)
        for (size_t j = 0; j < w; j++) mu[j] += k->part[c * ncol + m0 + j];
    for (size_t j = 0; j < w; j++) mu[j] = nv ? mu[j] / (double)nv : 0.0;
    for (size_t c = 0; c < nvc; c++) {
        const size_t t1 = c * C + C < nv ? c * C + C : nv;
        double s[ROW_GROUP];
        sums_cols(r, 1, cs, c * C, t1, mu, s, w);
        for (size_t j = 0; j < w; j++) den[j] += s[j];
    }
    for (size_t j = 0; j < w; j++) {
        const double dj = wmel__fe_denom(&fe->p, den[j], nv), mj = mu[j];
        float *col = k->o.out + (m0 + j) * cs;
        if (dj > 0.0)
            wmel__fe_norm(fe, col, nv, &mj, &dj, 0);
        else
            memset(col, 0, sizeof(float) * nv);
    }
}

/* A device's float32 values of frames [g0, g0 + cnt) copied to their places in k->o.out;
 * nonzero when one is an infinity (seen as the cast would: the same bits). */
static uint32_t copy_pre_f32(const fe_task *k, size_t g0, size_t cnt)
{
    const size_t ncol = (size_t)k->fe->n_cols;
    uint32_t inf = 0;
    for (size_t l = 0; l < cnt; l++) {
        const float *src = (const float *)k->pre + (g0 + l) * ncol;
        float *dst = k->o.out + (g0 + l) * k->o.ts;
        for (size_t m = 0; m < ncol; m++) {
            uint32_t u;
            memcpy(&u, src + m, sizeof u);
            inf |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
            dst[m * k->o.cs] = src[m];
        }
    }
    return inf;
}

/* Chunk c (< k->chunks) for worker t, with its kernel scratch buf and values vals: its
 * samples checked for NaN and Inf before a kernel reads them, its frames computed (or a
 * device's copied) into k->o.out, then its share of the statistics (k->part, k->max[t]).
 * WMEL_OK, WMEL_ERR_NOT_FINITE or WMEL_ERR_SAMPLE_RANGE (a LOG_NONE value past float32's
 * range). */
static int chunk_run(fe_task *k, int t, size_t c, void *buf, double *vals, int by_col)
{
    const wmel_fe *fe = k->fe;
    const wmel_frontend_plan *p = &fe->p;
    const wmel_fe_kernel *kern = fe->kern;
    const size_t C = WMEL_FE_STATS_CHUNK, L = (size_t)kern->lanes, ncol = (size_t)fe->n_cols;
    const size_t f0 = c * C, f1 = f0 + C < k->nc ? f0 + C : k->nc;
    size_t at, to;
    int ok = chunk_check_begin(k, c, f0, f1, &at, &to);
    size_t pf = at; /* samples asked from memory up to here */
    int range = 0;  /* a LOG_NONE value past float32's range */
    for (size_t g0 = f0; ok && g0 < f1; g0 += L) {
        const size_t cnt = f1 - g0 < L ? f1 - g0 : L;
        /* the group's samples checked just before its kernel reads them, and those
           of the groups two ahead asked for now, so that memory keeps pace */
        ok = check_to(k, frame_i0(fe, g0 + cnt - 1) + p->frame_length, &at, to);
        if (!ok) break;
        const long long ahead = frame_i0(fe, g0 + 3 * L - 1) + p->frame_length;
        const size_t pe = ahead >= (long long)to ? to : ahead <= (long long)pf ? pf : (size_t)ahead;
        for (; pf < pe; pf += 16) __builtin_prefetch(k->x + pf);
        if (k->pre && k->pre_f32) { /* a device's float32 values */
            if (copy_pre_f32(k, g0, cnt) && p->log == WMEL_LOG_NONE) {
                range = 1;
                break;
            }
            continue;
        }
        if (k->pre) { /* a device's values, in the layout frames() gives */
            for (size_t l = 0; l < (by_col ? L : cnt); l++) {
                const double *src = (const double *)k->pre + (g0 + (l < cnt ? l : cnt - 1)) * ncol;
                for (size_t m = 0; m < ncol; m++) vals[by_col ? m * L + l : l * ncol + m] = src[m];
            }
        } else {
            wmel__fe_run_frames(fe, kern, k->x, k->n, g0, (int)cnt, vals, buf, 0, by_col);
        }
        /* float32's range checked on the casts: a value rounds to an infinity exactly
           when wmel__fe_f32_ok() refuses it (out is unspecified on error) */
        const uint32_t inf = kern->cast(k->o.out + g0 * k->o.ts, k->o.ts, k->o.cs, vals, ncol, cnt, by_col);
        if (inf && p->log == WMEL_LOG_NONE) {
            range = 1;
            break;
        }
    }
    if (!ok || !check_to(k, (long long)to, &at, to)) return WMEL_ERR_NOT_FINITE; /* and the rest of its share */
    if (range) return WMEL_ERR_SAMPLE_RANGE;
    const size_t v1 = f1 < k->nv ? f1 : k->nv; /* the chunk's valid frames: [f0, v1) */
    if (k->part && f0 < v1)
        wmel__fe_chunk_sums(fe, k->o.out, k->o.ts, k->o.cs, f0, v1, NULL, k->part + c * ncol);
    else if (k->fin == FIN_MAX)
        for (size_t m = 0; m < ncol; m++)
            for (size_t f = f0; f < v1; f++) {
                const float v = k->o.out[m * k->o.cs + f * k->o.ts];
                if (v > k->max[t]) k->max[t] = v;
            }
    return WMEL_OK;
}

/* Whisper's finish over the nvc chunks with valid frames, once every worker's maximum is in
 * k->max: each value clamped to 8 below the clip's largest, then (v + 4) / 4. */
static void finish_max(fe_task *k, int nt, size_t nvc)
{
    const size_t C = WMEL_FE_STATS_CHUNK, ncol = (size_t)k->fe->n_cols;
    float mx = -HUGE_VALF;
    for (int u = 0; u < nt; u++) mx = k->max[u] > mx ? k->max[u] : mx; /* any order: exact */
    const float lo = mx - 8.0f;
    for (size_t c; (c = take(k, 1, nvc)) < nvc;) {
        const size_t f0 = c * C, v1 = f0 + C < k->nv ? f0 + C : k->nv;
        for (size_t m = 0; m < ncol; m++)
            for (size_t f = f0; f < v1; f++) {
                float *v = &k->o.out[m * k->o.cs + f * k->o.ts];
                *v = ((*v < lo ? lo : *v) + 4.0f) * 0.25f;
            }
    }
}

/* The per-column normalisation of a frames x columns output (cs 1), once every chunk's
 * column sums are in k->part: the means (every worker alike, in chunk order), the chunks'
 * sums of squared deviations, the denominators, then the chunks normalised. Every worker of
 * the team calls it (it holds two team barriers). */
static void finish_norm(fe_task *k, wmel_pool *pl, int nt, size_t nvc)
{
    const wmel_fe *fe = k->fe;
    const size_t C = WMEL_FE_STATS_CHUNK, ncol = (size_t)fe->n_cols;
    double mean[WMEL_FE_MAX_MELS + 1], den[WMEL_FE_MAX_MELS + 1];
    for (size_t m = 0; m < ncol; m++) mean[m] = den[m] = 0.0;
    for (size_t c = 0; c < nvc; c++)
        for (size_t m = 0; m < ncol; m++) mean[m] += k->part[c * ncol + m];
    for (size_t m = 0; m < ncol; m++) mean[m] = k->nv ? mean[m] / (double)k->nv : 0.0;
    wmel__team_barrier(pl, nt); /* every worker has read the sums */
    for (size_t c; (c = take(k, 1, nvc)) < nvc;) {
        const size_t v1 = c * C + C < k->nv ? c * C + C : k->nv;
        wmel__fe_chunk_sums(fe, k->o.out, k->o.ts, k->o.cs, c * C, v1, mean, k->part + c * ncol);
    }
    wmel__team_barrier(pl, nt);
    for (size_t c = 0; c < nvc; c++)
        for (size_t m = 0; m < ncol; m++) den[m] += k->part[c * ncol + m];
    for (size_t m = 0; m < ncol; m++) den[m] = wmel__fe_denom(&fe->p, den[m], k->nv);
    int all_pos = 1; /* the test out of the loop, so that it vectorises */
    for (size_t m = 0; m < ncol; m++) all_pos &= den[m] > 0.0;
    for (size_t c; (c = take(k, 2, nvc)) < nvc;) {
        const size_t f0 = c * C, v1 = f0 + C < k->nv ? f0 + C : k->nv;
        if (k->o.cs == 1) /* frames x columns: row by row */
            for (size_t f = f0; f < v1; f++) {
                float *row = k->o.out + f * k->o.ts;
                if (all_pos)
                    wmel__fe_norm(fe, row, ncol, mean, den, 1);
                else
                    for (size_t m = 0; m < ncol; m++)
                        row[m] = den[m] > 0.0 ? (float)((row[m] - mean[m]) / den[m]) : 0.0f;
            }
        else /* columns x frames (ts 1) */
            for (size_t m = 0; m < ncol; m++) {
                float *col = k->o.out + m * k->o.cs;
                if (den[m] > 0.0)
                    wmel__fe_norm(fe, col + f0, v1 - f0, mean + m, den + m, 0);
                else
                    memset(col + f0, 0, sizeof(float) * (v1 - f0));
            }
    }
}

/* Worker t of nt. The chunks are taken one at a time (a worker whose core is shared takes
 * fewer); a chunk's frames are the same groups of `lanes` whoever computes them, so a
 * frame's value never depends on the team. For each chunk: its samples checked for NaN
 * and Inf before a kernel reads them, its frames, its share of the statistics
 * (chunk_run()). Then the clip-wide statistics, combined in chunk order by every worker
 * alike, and the chunks' frames normalised. */
static void fe_worker(void *arg, wmel_pool *pl, int t, int nt)
{
    fe_task *k = arg;
    const wmel_fe *fe = k->fe;
    const wmel_fe_kernel *kern = fe->kern;
    const size_t C = WMEL_FE_STATS_CHUNK, ncol = (size_t)fe->n_cols;
    k->status[t] = WMEL_OK;
    k->max[t] = -HUGE_VALF;
    wmel__populate_share(k->o.out, k->out_bytes, t, nt);
    const size_t sb = (kern->scratch(fe) + 63) & ~(size_t)63;
    const int by_col = k->o.cs != 1; /* columns x frames: each column's lanes side by side */
    void *buf = wmel__aligned_alloc(sb + wmel__fe_vals_len(fe, kern) * sizeof(double));
    if (!buf) k->status[t] = WMEL_ERR_NO_MEMORY;
    double *vals = buf ? (double *)(void *)((char *)buf + sb) : NULL;
    for (size_t c; buf && (c = take(k, 0, k->chunks + k->tails)) < k->chunks + k->tails;) {
        if (c >= k->chunks) { /* a slice of the input past the frames: checked only */
            const size_t a = k->tail0 + (c - k->chunks) * TAIL_SLICE;
            if (!finite_span(fe, k->x, a, k->n - a < TAIL_SLICE ? k->n : a + TAIL_SLICE)) {
                k->status[t] = WMEL_ERR_NOT_FINITE;
                break;
            }
            continue;
        }
        const int st = chunk_run(k, t, c, buf, vals, by_col);
        if (st != WMEL_OK) {
            k->status[t] = st;
            break;
        }
    }
    if (k->status[t] != WMEL_OK) __atomic_store_n(&k->stop, 1, __ATOMIC_RELAXED);
    wmel__aligned_free(buf);
    if (k->fin == FIN_NONE) return;

    wmel__team_barrier(pl, nt);
    for (int u = 0; u < nt; u++)
        if (k->status[u] != WMEL_OK) return;
    const size_t nvc = (k->nv + C - 1) / C; /* chunks with valid frames */
    if (k->fin == FIN_MAX) {
        finish_max(k, nt, nvc);
        return;
    }
    if (k->o.cs != 1) { /* columns x frames: by rows, see rows_finish() */
        const size_t ng = (ncol + ROW_GROUP - 1) / ROW_GROUP;
        for (size_t g; (g = take(k, 1, ng)) < ng;) rows_finish(k, g * ROW_GROUP, nvc);
        return;
    }
    finish_norm(k, pl, nt, nvc);
}

/* The frames and the finish into out, rows x cols in the plan's layout (a post stage's
 * plan: its [frames][n_cols] before the post stage); the frames' values from `given` where
 * a device made them (the scheduler, sched.c), else the CPU's. */
static int cpu_run(const wmel_ctx *ctx, const float *x, size_t n, float *out, size_t rows, size_t cols,
                   const void *given)
{
    const wmel_fe *fe = ctx->fe;
    const wmel_frontend_plan *p = &fe->p;
    int rc = WMEL_OK;
    const size_t total = rows * cols;
    const size_t nv = wmel__fe_valid(p, n);
    const size_t nc = wmel__fe_computed(p, n);
    const int ext = wmel__fe_ext_fe(fe);
    /* zeros wherever no frame is computed: frames past the valid ones, pad_to, stacking */
    if (p->layout == WMEL_LAYOUT_FRAMES_MELS) {
        if (total > nc * (size_t)fe->n_cols)
            memset(out + nc * (size_t)fe->n_cols, 0, sizeof(float) * (total - nc * (size_t)fe->n_cols));
    } else if (cols > nc) {
        for (size_t r = 0; r < rows; r++) memset(out + r * cols + nc, 0, sizeof(float) * (cols - nc));
    }
    const fe_out om = out_map(fe, out, cols);
    if (!nc) { /* no frame */
        if (!finite_span(fe, x, 0, n)) return WMEL_ERR_NOT_FINITE;
        return ext ? wmel__fe_finish_ext(fe, out, om.ts, om.cs, 0, wmel__fe_out_frames(p, n)) : WMEL_OK;
    }
    fe_task *k = calloc(1, sizeof *k);
    if (!k) return WMEL_ERR_NO_MEMORY;
    k->pre = given;
    k->pre_f32 = k->pre && ctx->vals_f32;
    k->fe = fe;
    k->x = x;
    k->n = n;
    k->nc = nc;
    k->nv = nv;
    k->chunks = (nc + WMEL_FE_STATS_CHUNK - 1) / WMEL_FE_STATS_CHUNK;
    {
        const long long e = frame_i0(fe, nc - 1) + p->frame_length; /* the last frame's end */
        const size_t e0 = e <= 0 ? 0 : (size_t)e < n ? (size_t)e : n;
        if (n - e0 > 2 * TAIL_SLICE) {
            k->tail0 = e0;
            k->tails = (n - e0 + TAIL_SLICE - 1) / TAIL_SLICE;
        }
    }
    k->o = om;
    k->out_bytes = total * sizeof(float);
    const int stats = p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR;
    if (ext)
        k->fin = FIN_NONE; /* finish_ext() after the frames (the chunks' sums as they come) */
    else if (stats)
        k->fin = FIN_STATS;
    else if (p->norm == WMEL_NORM_WHOLE && nv)
        k->fin = FIN_MAX;
    if (stats) {
        const size_t nvc = (nv + WMEL_FE_STATS_CHUNK - 1) / WMEL_FE_STATS_CHUNK;
        k->part = malloc((nvc ? nvc : 1) * (size_t)fe->n_cols * sizeof(double));
        if (!k->part) {
            free(k);
            return WMEL_ERR_NO_MEMORY;
        }
    }
    int want = ctx->n_threads;
    if ((size_t)want > k->chunks + k->tails) want = (int)(k->chunks + k->tails);
    if (want > MAX_TEAM) want = MAX_TEAM;
    const int nt = wmel__team_run(ctx->pool, fe_worker, k, want);
    for (int t = 0; t < nt; t++)
        if (k->status[t] && !rc) rc = k->status[t];
    /* a NaN or Inf sample anywhere decides the status, as in Whisper's geometry */
    if (rc == WMEL_ERR_SAMPLE_RANGE && !finite_span(fe, x, 0, n)) rc = WMEL_ERR_NOT_FINITE;
    if (rc == WMEL_OK && ext) rc = finish_ext_team(ctx, out, om.ts, om.cs, nv, wmel__fe_out_frames(p, n), k->part);
    free(k->part);
    free(k);
    return rc;
}

/* The post stage on the ctx's workers: groups of POST_ROWS output rows taken one at a time,
 * each row computed from the frames alone (wmel__fe_post_rows), so a row's values never
 * depend on the team. */
#define POST_ROWS 64

typedef struct post_task {
    const wmel_fe *fe;
    const float *frames;
    size_t T, groups;
    float *out;
    size_t next;  /* the next group (atomic) */
    int stop;     /* a worker failed (atomic) */
    int status[MAX_TEAM];
} post_task;

static void post_worker(void *arg, wmel_pool *pl, int t, int nt)
{
    (void)pl;
    (void)nt;
    post_task *k = arg;
    k->status[t] = WMEL_OK;
    while (!__atomic_load_n(&k->stop, __ATOMIC_RELAXED)) {
        const size_t g = __atomic_fetch_add(&k->next, 1, __ATOMIC_RELAXED);
        if (g >= k->groups) break;
        const int rc = wmel__fe_post_rows(k->fe, k->frames, k->T, k->out, g * POST_ROWS, g * POST_ROWS + POST_ROWS);
        if (rc) {
            k->status[t] = rc;
            __atomic_store_n(&k->stop, 1, __ATOMIC_RELAXED);
        }
    }
}

static int post_run(const wmel_ctx *ctx, const float *frames, size_t T, float *out)
{
    size_t rows, cols;
    wmel__fe_post_shape(&ctx->fe->p, T, &rows, &cols);
    const size_t groups = (rows + POST_ROWS - 1) / POST_ROWS;
    if (ctx->n_threads <= 1 || groups <= 1) return wmel__fe_post_run(ctx->fe, frames, T, out);
    post_task *k = calloc(1, sizeof *k);
    if (!k) return WMEL_ERR_NO_MEMORY;
    k->fe = ctx->fe;
    k->frames = frames;
    k->T = T;
    k->groups = groups;
    k->out = out;
    int want = ctx->n_threads;
    if ((size_t)want > groups) want = (int)groups;
    if (want > MAX_TEAM) want = MAX_TEAM;
    const int nt = wmel__team_run(ctx->pool, post_worker, k, want);
    int rc = WMEL_OK;
    for (int t = 0; t < nt; t++)
        if (k->status[t] && !rc) rc = k->status[t];
    free(k);
    return rc;
}

int wmel__fe_cpu(const wmel_ctx *ctx, const float *x, size_t n, float *out)
{
    return wmel__fe_cpu_given(ctx, x, n, out, NULL);
}

int wmel__fe_cpu_given(const wmel_ctx *ctx, const float *x, size_t n, float *out, const void *given)
{
    const wmel_frontend_plan *p = &ctx->fe->p;
    size_t rows, cols;
    int rc = wmel__fe_shape(p, n, &rows, &cols);
    if (rc) return rc;
    if (!wmel__fe_post_on(p)) return cpu_run(ctx, x, n, out, rows, cols, given);
    const size_t nc = (size_t)ctx->fe->n_cols, T = wmel__fe_out_frames(p, n);
    if (wmel__fe_fill_rows(p)) {
        /* consecutive frames in rows with a fill value past the last one: [T][n_cols] is
           the output's own memory, the post stage only the tail's slots */
        rc = cpu_run(ctx, x, n, out, rows, cols, given);
        if (rc == WMEL_OK)
            for (size_t i = T * nc, e = rows * cols; i < e; i++) out[i] = (float)p->stack_fill;
        return rc;
    }
    /* the post stage: the frames before it into a buffer (every frame computed, at least
       the output's), then the deltas and the stacking into out */
    size_t F = wmel__fe_computed(p, n);
    if (F < T) F = T;
    float *tmp = malloc((F ? F : 1) * nc * sizeof(float));
    if (!tmp) return WMEL_ERR_NO_MEMORY;
    rc = cpu_run(ctx, x, n, tmp, F, nc, given);
    if (rc == WMEL_OK) rc = post_run(ctx, tmp, T, out);
    free(tmp);
    return rc;
}
