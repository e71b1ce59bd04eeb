/*
 * diagnose.c -- what a port of a speech front-end got wrong: the engine of `wmel diagnose`
 * and of wmel.diagnose().
 *
 * The port's features of a clip are held against the features of plans near the one it
 * claims (wmel_create_plan + wmel_features, one thread): first the layout (a batch axis,
 * time-major), the dtype (values that float16 or bfloat16 hold exactly), the frame count
 * (the 30 s chunk rule of Whisper's family, an extra or a dropped frame, another framing's count:
 * Kaldi's snip_edges=false), rows the port
 * left constant (a mel filter quantised to zero) and the units (a linear fit: ln for log10,
 * dB, a scale; where the input's scale moves every log value by one constant and no named unit
 * fits, the scale is instead fitted to every candidate plan, fit_gain); then a frame offset
 * of any number of samples (a coarse scan over one hop
 * each way, then halving steps); then a beam search over the plan's fields (window,
 * framing, DC removal, pre-emphasis, power, mel scale, bank norm, band, log kind and guard,
 * the normalisation's ddof, epsilon and scope, the max of Whisper's max - 8 over the clip or
 * per 30 s chunk, n_fft, the valid frames): the best BEAM_K (4) plans are kept; each step
 * computes every single-field change of each plan new to the beam (a plan reached by two
 * paths once), a child that lowers its parent's RMS residual by 3 % competes for the beam,
 * until no child enters it, the best is at the floor, BEAM_STEPS (8) steps or the work bound
 * (WMEL_DG_MAX_CANDIDATES candidates: none is computed past it, so the answer is the same on
 * any machine at any load; a wall-clock cap, WMEL_DG_SAFETY_S, stays as a safety and an answer
 * it cut says so). Each difference found is
 * then taken out again, alone: one that does not matter is dropped, the others are ranked
 * by the residual they leave when taken out.
 */
#include "diagnose.h"
#include "diagnose_internal.h"

#include "../src/noise_table.h"  /* wmel__ctx_noise_table */
#include "../src/printf_fmt.h" /* WMEL_PRINTF_FMT */

#include <float.h>
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* diagnose's own bit in a candidate's norm_flags, never handed to the library: the max of
   WMEL_NORM_WHOLE (max - norm_range, then (x + 4) / 4) taken per 30 s chunk of frames, as a
   port that cuts a long clip into Whisper's windows computes it, where the plan takes one max
   over the clip. wmel's plans have no such field; diagnose names it norm_max_scope. */
#define DG_NORMF_CHUNK_MAX (1 << 24)

typedef struct state {
    wmel_frontend_plan plan;
    long offset;   /* samples: > 0, the port's frames are this much later */
    size_t pad;    /* zeros appended to the clip */
    int dtype;     /* 0 float32, 1 float16, 2 bfloat16 */
} state;

typedef struct score {
    double max, rms;
    double nrms; /* the RMS of |port - candidate| / (1e-4 scalec): the noise model's measure */
    double rel; /* max |port - candidate| / max(1, |port|): the packs' rel1 measure */
    int ok;
    double fscale; /* the input's scale the features were computed with (the gain's fit: dg.fit_gain) */
} score;

typedef struct dg {
    const float *audio;
    size_t n;
    float *x;               /* the port's features in the plan's layout, R x C */
    size_t R, C;
    int mel_rows;           /* 1: the mel index is the row (mels_frames) */
    unsigned char *mask;    /* per mel index: 1 left out of the residual */
    size_t n_idx;
    float *a;               /* the clip as a candidate reads it */
    size_t a_cap;
    float *y;               /* a candidate's features */
    size_t y_cap;
    size_t evals;
    int backend;            /* WMEL_BACKEND_* of the candidates (AUTO) */
    float *scalec;          /* per cell: what the tolerance multiplies (NULL: max(1, |port|)) */
    int nomask;             /* 1: the masked mel indices count too */
    wmel_dg_cancel_fn cancel;
    void *cancel_arg;
    int cancelled;          /* cancel asked to stop: every later candidate fails */
    int fit_gain;           /* 1: each candidate's input scale fitted (fit_gain) */
    int no_dither;          /* 1: a deterministic port (wmel_dg_opts.deterministic): no dither proposed */
    double *noise;          /* the dither's noise of seed noise_seed, [noise_frames][noise_len]
                               (noise_for): computed once for the candidates of a seed */
    size_t noise_frames;
    int noise_len, noise_seed;
    float *ys, *yv;         /* the short clip's features and the whole clip's check (eval_tail) */
    size_t ys_cap, yv_cap;
    size_t tail_uses;       /* candidates computed short (every TAIL_CHECK-th checked in full) */
    int tail_off;           /* 1: a check found the short clip's frames not the same: none since */
} dg;

/* ---- values as the port's dtype holds them */
static float round_bits(float v, int bits, int min_exp)
{
    if (!isfinite(v) || v == 0.0f) return v;
    int e;
    double m = frexp((double)v, &e);
    if (e - 1 < min_exp) /* subnormal: a fixed quantum */
        return (float)(nearbyint(ldexp((double)v, bits - 1 - min_exp)) * ldexp(1.0, min_exp - bits + 1));
    return (float)ldexp(nearbyint(ldexp(m, bits)), e - bits);
}
static float round_dtype(float v, int dtype)
{
    if (dtype == 1) {
        float r = round_bits(v, 11, -14);
        return fabsf(r) > 65504.0f ? (r > 0 ? INFINITY : -INFINITY) : r;
    }
    if (dtype == 2) return round_bits(v, 8, -126);
    return v;
}

/* The noise model's constants (noise_scale). */
#define NOISE_A 64.0
#define NOISE_C 32.0
#define NOISE_NRMS 0.25
static int noise_scale(const wmel_frontend_plan *p, const float *x, const float *L, size_t Lw, size_t R, size_t C,
                       int fcols, size_t n, double tol_rel, float *sc);
static float *pre_logs(const wmel_frontend_plan *plan, const wmel_params *p1, const float *audio, size_t n, size_t R,
                       size_t C, int fcols, size_t *Lw);

/* a log of the mel energies (not WMEL_LOG_NONE), and one in log10 units */
#define LOG_KIND(lg)                                                                                       \
    ((lg) == WMEL_LOG10_CLAMP || (lg) == WMEL_LOG_CLAMP || (lg) == WMEL_LOG_ADD || (lg) == WMEL_LOG_ZERO ||       \
     (lg) == WMEL_LOG10_ZERO)
#define LOG10_KIND(lg) ((lg) == WMEL_LOG10_CLAMP || (lg) == WMEL_LOG10_ZERO)

/* ---- the input's amplitude as a continuous parameter. A plan whose log values a factor on
   the samples moves by one constant (a log of mel energies, unnormalised or under Whisper's
   max - 8 over the data, no affine, deltas, cepstra or energy column): scaling the samples by
   s scales every mel energy by s^power and moves every log value by power ln s / unit (a
   quarter of it after Whisper's (x + 4) / 4). */
static int gain_shifts(const wmel_frontend_plan *p)
{
    const int whole = p->norm == WMEL_NORM_WHOLE &&
                      !(p->norm_flags & (WMEL_NORMF_FIXED_MAX | WMEL_NORMF_THEN_MEAN_VAR));
    return (p->norm == WMEL_NORM_NONE || whole) && !p->affine && !p->delta_win && !p->use_energy && !p->n_ceps &&
           (LOG_KIND(p->log)) &&
           (p->power == 1 || p->power == 2) && !(p->dither > 0);
}
/* A plan of cepstra (n_ceps, c0 first) of such log values: the factor moves c0 alone (the
   orthonormal DCT's first row takes the mean shift times sqrt(n_mels); with use_energy c0 is
   the log energy, moved by 2 ln s), every other cepstrum stays. */
static int gain_c0(const wmel_frontend_plan *p)
{
    return p->n_ceps > 0 && !p->ceps_htk && p->norm == WMEL_NORM_NONE && !p->affine && !p->delta_win &&
           p->stack <= 1 && (LOG_KIND(p->log)) &&
           (!p->use_energy || !LOG10_KIND(p->log)) && (p->power == 1 || p->power == 2) && !(p->dither > 0);
}
/* The log values' shift per ln of the samples' scale (gain_shifts' plans; gain_c0's: c0's). */
static double gain_per_ln(const wmel_frontend_plan *p)
{
    const double unit = LOG10_KIND(p->log) ? log(10.0) : 1.0;
    if (p->n_ceps > 0) return p->use_energy ? 2.0 : (double)p->power / unit * sqrt((double)p->n_mels);
    return (double)p->power / unit * (p->norm == WMEL_NORM_WHOLE ? 0.25 : 1.0);
}
/* A plan whose scale the library's JSON has no field for (Whisper's front-end reads samples
   in [-1, 1] only) in the fields that compute the same: the guards divided by the energies'
   factor (max(s^2 p, g) = s^2 max(p, g / s^2)) and the log's shift as an affine after the
   normalisation. Other plans, and a plan whose values the factor does not just shift, as they
   are. */
static void gain_plan(wmel_frontend_plan *q)
{
    if (q->frontend != WMEL_FRONTEND_WHISPER || q->scale == 1.0 || !gain_shifts(q)) return;
    const double s = fabs(q->scale), e = q->power == 2 ? s * s : s; /* the energies' factor */
    const double shift = (LOG10_KIND(q->log) ? log10(e) : log(e)) * (q->norm == WMEL_NORM_WHOLE ? 0.25 : 1.0);
    q->log_guard /= e;
    if (q->mag_guard_mode) q->mag_guard /= s * s;
    q->affine = 1;
    q->post_scale = 1.0;
    q->post_shift = shift;
    q->scale = 1.0;
}

/* ---- a candidate's features against the port's */
static score eval_at(dg *d, const state *s);
static float kth_float(float *a, size_t n, size_t k);
static score eval(dg *d, const state *s)
{
    score sc = eval_at(d, s);
    sc.fscale = s->plan.scale;
    const int c0 = gain_c0(&s->plan);
    if (!d->fit_gain || !sc.ok || !(gain_shifts(&s->plan) || c0)) return sc;
    /* the gain's fit: the median of port - candidate over the cells compared, as a factor on
       the samples, one step (a second moves the scale of a scipy port by less than the
       rounding of its value, at 1.5 times the candidates' time); kept where it lowers the RMS */
    size_t m = 0, cnt = d->R * d->C;
    float *df = malloc(cnt * sizeof *df);
    if (!df) return sc;
    for (size_t i = 0; i < d->R; i++)
        for (size_t j = 0; j < d->C; j++) {
            size_t idx = d->mel_rows ? i : j, k = i * d->C + j;
            if ((idx < d->n_idx && d->mask[idx]) || (c0 && idx != 0)) continue; /* (cepstra: c0's cells) */
            float e = d->x[k] - round_dtype(d->y[k], s->dtype);
            if (isfinite(e)) df[m++] = e;
        }
    double med = 0;
    if (m) med = kth_float(df, m, m / 2);
    free(df);
    double f = exp(med / gain_per_ln(&s->plan));
    if (!(fabs(med) > 1e-6) || !isfinite(f) || !(f > 0)) return sc;
    state u = *s;
    u.plan.scale = s->plan.scale * f;
    if (!isfinite(u.plan.scale) || u.plan.scale == 0 || fabs(u.plan.scale) > 1e12) return sc;
    score su = eval_at(d, &u);
    if (!su.ok || !(su.rms < sc.rms)) {
        eval_at(d, s); /* (the features of the one returned last computed) */
        return sc;
    }
    su.fscale = u.plan.scale;
    return su;
}
/* eval, the scale the gain's fit found written to s */
static score evalw(dg *d, state *s)
{
    score sc = eval(d, s);
    if (sc.ok) s->plan.scale = sc.fscale;
    return sc;
}

/* The clip as candidate s reads it (d->a, n2 samples): s's offset and padding applied.
   0, or -1 (memory). */
static int clip_at(dg *d, const state *s, size_t n2)
{
    if (n2 > d->a_cap) {
        float *t = realloc(d->a, n2 * sizeof *t);
        if (!t) return -1;
        d->a = t;
        d->a_cap = n2;
    }
    memset(d->a, 0, n2 * sizeof *d->a);
    long k = s->offset;
    if (k >= 0) {
        if ((size_t)k < d->n) memcpy(d->a, d->audio + k, (d->n - (size_t)k) * sizeof *d->a);
    } else if ((size_t)-k < d->n) {
        memcpy(d->a + (size_t)-k, d->audio, (d->n - (size_t)-k) * sizeof *d->a);
    }
    return 0;
}

/* Whisper's normalisation of the raw log10 values in d->y (r x c), one max per 30 s chunk of
   frames of plan q's hop (float, as the plan's): max - range, then (x + 4) / 4 */
static void chunk_max_norm(dg *d, const wmel_frontend_plan *q, float range, size_t r, size_t c)
{
    size_t nt = d->mel_rows ? c : r, nm = d->mel_rows ? r : c, ts = d->mel_rows ? 1 : c, ms = d->mel_rows ? c : 1;
    size_t cf = q->hop > 0 ? (size_t)q->sample_rate * 30 / (size_t)q->hop : nt;
    if (cf == 0) cf = nt;
    for (size_t t0 = 0; t0 < nt; t0 += cf) {
        size_t t1 = nt - t0 < cf ? nt : t0 + cf;
        float mx = -HUGE_VALF;
        for (size_t t = t0; t < t1; t++)
            for (size_t m = 0; m < nm; m++) mx = d->y[t * ts + m * ms] > mx ? d->y[t * ts + m * ms] : mx;
        const float lo = mx - range;
        for (size_t t = t0; t < t1; t++)
            for (size_t m = 0; m < nm; m++) {
                float *v = d->y + t * ts + m * ms;
                *v = ((*v < lo ? lo : *v) + 4.0f) * 0.25f;
            }
    }
}

/* One cell's residuals: |candidate - port| (the candidate rounded to dtype) and that over the
   scale the tolerance multiplies (scl, else max(1, |port|)). */
static inline void cell_residual(float xf, float yf, const float *scl, int dt, double *e, double *er)
{
    const double xv = (double)xf;
    const float yv = dt ? round_dtype(yf, dt) : yf;
    double v = fabs((double)yv - xv);
    if (!(v == v)) v = INFINITY;
    const double den = scl ? (double)*scl : fabs(xv) > 1 ? fabs(xv) : 1;
    *e = v;
    *er = den == 1 ? v : v / den;
}

/* How many cells from k on (at most lim) hold the bits of cell k in x, y and scl (NULL: none)
   alike; 1 at least. Eight cells a step, their differences or'd (no branch inside a step). */
static size_t same_run(const float *x, const float *y, const float *scl, size_t k, size_t lim)
{
    uint32_t xv, yv, sv = 0;
    memcpy(&xv, x + k, 4), memcpy(&yv, y + k, 4);
    if (scl) memcpy(&sv, scl + k, 4);
    size_t run = 1;
    for (; run + 8 <= lim; run += 8) {
        uint32_t dx[8], dy[8], ds[8] = {0}, any = 0;
        memcpy(dx, x + k + run, sizeof dx), memcpy(dy, y + k + run, sizeof dy);
        if (scl) memcpy(ds, scl + k + run, sizeof ds);
        for (int t = 0; t < 8; t++) any |= (dx[t] ^ xv) | (dy[t] ^ yv) | (ds[t] ^ sv);
        if (any) break;
    }
    for (; run < lim; run++) {
        uint32_t a, b, c = sv;
        memcpy(&a, x + k + run, 4), memcpy(&b, y + k + run, 4);
        if (scl) memcpy(&c, scl + k + run, 4);
        if (a != xv || b != yv || c != sv) break;
    }
    return run;
}

/* The candidate's features (d->y, r x c, rounded to s's dtype) against the port's over the
   cells compared: the score (not ok where a residual is not finite). Each row's sums, then
   the rows' in order, so the score is the same on every machine. A run of frames that repeat
   the one before in port value, candidate value and scale (padding: Whisper's 30 s of a
   second's clip) counts that frame's residuals once per frame, computed once. */
static score score_cells(const dg *d, const state *s, size_t r, size_t c)
{
    score sc = {INFINITY, INFINITY, INFINITY, INFINITY, 0, 0};
    double mx = 0, ss = 0, rel = 0, nss = 0, rss = 0, rnss = 0;
    size_t cnt = 0, rcnt = 0;
    const int dt = s->dtype, rows = d->mel_rows;
    const unsigned char *mask = d->nomask ? NULL : d->mask;
    const size_t n_idx = mask ? d->n_idx : 0;
    const float *x = d->x, *y = d->y, *scl = d->scalec;
    for (size_t i = 0; i < r; i++) {
        if (rows && i < n_idx && mask[i]) continue;
        const size_t k0 = i * c;
        if (!rows && i > 0 && !memcmp(x + k0, x + k0 - c, c * sizeof *x) && !memcmp(y + k0, y + k0 - c, c * sizeof *y) &&
            (!scl || !memcmp(scl + k0, scl + k0 - c, c * sizeof *scl))) {
            ss += rss, nss += rnss, cnt += rcnt; /* (frames are rows: this one repeats the one before) */
            continue;
        }
        rss = rnss = 0, rcnt = 0;
        for (size_t j = 0; j < c;) {
            const size_t k = k0 + j;
            /* (frames are columns: the cells after that repeat this one) */
            const size_t run = rows ? same_run(x, y, scl, k, c - j) : 1;
            j += run;
            if ((!rows && j - 1 < n_idx && mask[j - 1]) || !isfinite(x[k]))
                continue; /* (the port's NaN and inf: named apart, field "values") */
            double e, er;
            cell_residual(x[k], y[k], scl ? scl + k : NULL, dt, &e, &er);
            if (e > mx) mx = e;
            if (er > rel) rel = er;
            rnss += run == 1 ? er * er : er * er * (double)run;
            rss += run == 1 ? e * e : e * e * (double)run;
            rcnt += run;
        }
        ss += rss, nss += rnss, cnt += rcnt;
    }
    sc.max = mx;
    sc.rel = rel;
    sc.rms = cnt ? sqrt(ss / (double)cnt) : 0;
    sc.nrms = cnt ? sqrt(nss / (double)cnt) / 1e-4 : 0;
    sc.ok = isfinite(sc.rms) != 0;
    if (!sc.ok) sc.rms = sc.max = sc.rel = INFINITY;
    return sc;
}

/* Plan q's dither noise on an n-sample clip as a table ctx reads (wmel__ctx_noise_table):
   wmel_dither_gauss's values, so the same bits, computed once for every candidate of the
   seed rather than once per candidate (three quarters of a dithered search's time). The
   frames past the table, if any, compute their own. */
#define DG_NOISE_MAX ((size_t)1 << 22) /* values (32 MB) */
static void noise_for(dg *d, wmel_ctx *ctx, const wmel_frontend_plan *q, size_t n)
{
    const size_t span = (n > (size_t)q->n_samples ? n : (size_t)q->n_samples) + (size_t)q->pad_left +
                        (size_t)q->pad_right + 2 * (size_t)q->n_fft;
    const size_t frames = span / (size_t)(q->hop > 0 ? q->hop : 1) + 2;
    const int len = q->frame_length;
    if (len <= 0) return;
    if (!d->noise || d->noise_seed != q->dither_seed || d->noise_len < len || d->noise_frames < frames) {
        const int l2 = d->noise && d->noise_seed == q->dither_seed && d->noise_len > len ? d->noise_len : len;
        const size_t f2 = d->noise && d->noise_seed == q->dither_seed && d->noise_frames > frames ? d->noise_frames
                                                                                                   : frames;
        if (f2 > DG_NOISE_MAX / (size_t)l2) return;
        double *t = realloc(d->noise, f2 * (size_t)l2 * sizeof *t);
        if (!t) return;
        d->noise = t;
        for (size_t f = 0; f < f2; f++)
            for (int j = 0; j < l2; j++) t[f * (size_t)l2 + (size_t)j] = wmel_dither_gauss(q->dither_seed, f, j);
        d->noise_frames = f2;
        d->noise_len = l2;
        d->noise_seed = q->dither_seed;
    }
    wmel__ctx_noise_table(ctx, d->noise, d->noise_frames, d->noise_len, q->dither_seed);
}

/* A buffer of at least n floats (*b, capacity *cap): 0, or -1 (memory). */
static int grow(float **b, size_t *cap, size_t n)
{
    if (n <= *cap) return 0;
    float *t = realloc(*b, n * sizeof *t);
    if (!t) return -1;
    *b = t;
    *cap = n;
    return 0;
}

/* The samples a candidate's frames need where the clip is followed by many zeros (s->pad:
   Whisper's 30 s around a clip of a second): the clip and a stretch of zeros longer than two
   frames' reach, whose later frames are all the same silent frame. 0: the whole clip (a plan
   whose frames depend on more than their own samples: dither's frame index, stacking, deltas,
   a normalisation of means, or a length of its own). */
#define TAIL_CHECK 64
static size_t tail_samples(const dg *d, const wmel_frontend_plan *q, size_t n2)
{
    if (d->tail_off || q->dither != 0.0 || q->stack > 1 || q->delta_win || q->pad_to > 1 || q->n_frames ||
        q->n_samples || q->pad_multiple > 1 ||
        !(q->norm == WMEL_NORM_NONE || (q->norm == WMEL_NORM_WHOLE && !(q->norm_flags & WMEL_NORMF_THEN_MEAN_VAR))))
        return 0;
    const size_t span = (size_t)(q->frame_span > q->frame_length ? q->frame_span : q->frame_length);
    const size_t m = 2 * ((size_t)q->n_fft + span + (size_t)q->hop) + (size_t)q->pad_left + (size_t)q->pad_right;
    return d->n + 2 * m < n2 ? d->n + m : 0;
}

/* The features of ctx on the clip's first ns samples, widened to the whole clip's r x c in d->y
   by repeating the last frame (the frame axis: the one that is shorter). Every TAIL_CHECK-th
   candidate is also computed whole and compared bit for bit; a difference turns this off for
   the rest of the search (that candidate's whole features kept). 0, 1 (not done: compute the
   whole clip), or -1 (a failure). */
static int eval_tail(dg *d, wmel_ctx *ctx, size_t ns, size_t n2, size_t r, size_t c)
{
    size_t rs, cs;
    if (wmel_features_shape(ctx, ns, &rs, &cs) || !((rs == r && cs < c && cs >= 2) || (cs == c && rs < r && rs >= 2)))
        return 1;
    if (grow(&d->ys, &d->ys_cap, rs * cs)) return 1;
    if (wmel_features(ctx, d->a, ns, d->ys, rs * cs)) return -1;
    if (rs < r) { /* frames are rows */
        memcpy(d->y, d->ys, rs * c * sizeof *d->y);
        for (size_t i = rs; i < r; i++) memcpy(d->y + i * c, d->ys + (rs - 1) * c, c * sizeof *d->y);
    } else {
        for (size_t i = 0; i < r; i++) {
            memcpy(d->y + i * c, d->ys + i * cs, cs * sizeof *d->y);
            const float v = d->ys[i * cs + cs - 1];
            for (size_t j = cs; j < c; j++) d->y[i * c + j] = v;
        }
    }
    if (d->tail_uses++ % TAIL_CHECK) return 0;
    if (grow(&d->yv, &d->yv_cap, r * c) || wmel_features(ctx, d->a, n2, d->yv, r * c)) return -1;
    if (memcmp(d->yv, d->y, r * c * sizeof *d->y)) {
        d->tail_off = 1;
        memcpy(d->y, d->yv, r * c * sizeof *d->y);
    }
    return 0;
}

static score eval_at(dg *d, const state *s)
{
    score sc = {INFINITY, INFINITY, INFINITY, INFINITY, 0, 0};
    d->evals++;
    if (d->cancelled || (d->cancel && d->cancel(d->cancel_arg))) {
        d->cancelled = 1;
        return sc;
    }
    size_t n2 = d->n + s->pad;
    wmel_params p = wmel_default_params();
    p.n_threads = 1;
    p.backend = d->backend;
    int st;
    wmel_frontend_plan q = s->plan;
    int chunk_max = (q.norm_flags & DG_NORMF_CHUNK_MAX) != 0;
    float range = (float)(q.norm_range > 0.0 ? q.norm_range : 8.0);
    if (chunk_max) { /* the raw log10 values, normalised below */
        q.norm = WMEL_NORM_NONE;
        q.norm_flags = 0;
        q.norm_range = 0.0;
    }
    gain_plan(&q);
    /* (a short clip: the samples the check of eval_tail reads, else the clip and its reach) */
    const size_t ns = tail_samples(d, &q, n2);
    if (clip_at(d, s, ns && d->tail_uses % TAIL_CHECK ? ns : n2)) return sc;
    wmel_ctx *ctx = wmel_create_plan(&p, &q, &st);
    if (!ctx) return sc;
    if (q.dither != 0.0) noise_for(d, ctx, &q, n2);
    size_t r, c;
    if (wmel_features_shape(ctx, n2, &r, &c) || r != d->R || c != d->C || grow(&d->y, &d->y_cap, r * c)) {
        wmel_destroy(ctx);
        return sc;
    }
    st = ns ? eval_tail(d, ctx, ns, n2, r, c) : 1;
    if (st == 1 && ns && d->tail_uses % TAIL_CHECK && clip_at(d, s, n2)) st = -1;
    if (st == 1) st = wmel_features(ctx, d->a, n2, d->y, r * c);
    wmel_destroy(ctx);
    if (st) return sc;
    if (chunk_max) chunk_max_norm(d, &q, range, r, c);
    return score_cells(d, s, r, c);
}

/* How far apart two candidates' features are (a on backend ba, b on bb), relative to
   max(1, |a|) as the packs' rel1 rule, over the cells eval compares: the plan's own float32
   error against the float64 reference, or two dither seeds' spread. */
static score spread(dg *d, const state *a, int ba, const state *b, int bb)
{
    score r = {INFINITY, INFINITY, INFINITY, INFINITY, 0, 0};
    int keep = d->backend;
    d->backend = ba;
    score sa = eval(d, a);
    float *t = sa.ok || isfinite(sa.max) ? malloc(d->R * d->C * sizeof *t) : NULL;
    if (t) {
        memcpy(t, d->y, d->R * d->C * sizeof *t);
        d->backend = bb;
        score sb = eval(d, b);
        if (sa.ok && sb.ok) {
            double mx = 0, ss = 0, rel = 0;
            size_t cnt = 0;
            for (size_t i = 0; i < d->R; i++)
                for (size_t j = 0; j < d->C; j++) {
                    size_t idx = d->mel_rows ? i : j;
                    if (idx < d->n_idx && d->mask[idx]) continue;
                    double ref = t[i * d->C + j], e = fabs((double)d->y[i * d->C + j] - ref);
                    if (!(e <= DBL_MAX)) continue;
                    if (e > mx) mx = e;
                    double er = e / (fabs(ref) > 1 ? fabs(ref) : 1);
                    if (er > rel) rel = er;
                    ss += e * e;
                    cnt++;
                }
            r.max = mx;
            r.rel = rel;
            r.rms = cnt ? sqrt(ss / (double)cnt) : 0;
            r.ok = 1;
        }
    }
    free(t);
    d->backend = keep;
    return r;
}

/* The mel row of an output column (-1: the log energy), through stacking and deltas; a
   cepstra plan's (n_ceps) the cepstrum's index. */
static int col_mel(const wmel_frontend_plan *p, size_t col)
{
    const int ceps = p->n_ceps > 0;
    size_t w0 = ceps ? (size_t)p->n_ceps : (size_t)p->n_mels + (p->use_energy ? 1 : 0), per = w0 * (p->delta_win ? 2 : 1);
    size_t c = col % per;
    if (c >= w0) c -= w0;
    if (p->use_energy && !ceps) return c == 0 ? -1 : (int)c - 1;
    return (int)c;
}

/* The largest residual of one mel index (a row of mels_frames, a column of frames_mels) of
   the features eval last computed, relative as eval's. */
static double idx_max(const dg *d, const state *s, size_t idx)
{
    double mx = 0;
    size_t nt = d->mel_rows ? d->C : d->R;
    for (size_t t = 0; t < nt; t++) {
        size_t i = d->mel_rows ? idx * d->C + t : t * d->C + idx;
        double xv = d->x[i], e = fabs((double)round_dtype(d->y[i], s->dtype) - xv);
        if (!isfinite(xv)) continue;
        e /= d->scalec ? (double)d->scalec[i] : fabs(xv) > 1 ? fabs(xv) : 1;
        if (!(e <= mx)) mx = e;
    }
    return mx;
}

/* Single-sample steps of the offset while either side lowers the RMS: at most
   OFFSET_WALK (a field found beside an offset moves it by a few samples, never by a hop). */
enum { OFFSET_WALK = 16 };
static score refine_offset(dg *d, state *cur, score s0)
{
    for (int moved = 1, walk = 0; moved && walk < OFFSET_WALK; walk++) {
        moved = 0;
        for (int dir = -1; dir <= 1; dir += 2) {
            state s = *cur;
            s.offset += dir;
            score sc = evalw(d, &s);
            if (sc.ok && sc.rms < s0.rms) {
                s0 = sc;
                *cur = s;
                moved = 1;
            }
        }
    }
    return s0;
}

/* The pre-emphasis coefficient between the grid's values: a golden-section search of the RMS
   over v +- 0.03 (the grid's widest step), then the shortest decimal (2 to 4 places) whose RMS
   is within 1 % of the best: a port's coefficient is a round number. */
static score refine_preemph(dg *d, state *cur, score s0)
{
    double v = cur->plan.preemph;
    if (!(v > 0)) return s0;
    double lo = v - 0.03 > 0.0 ? v - 0.03 : 0.0, hi = v + 0.03 < 1.0 ? v + 0.03 : 1.0;
    const double g = 0.6180339887498949;
    state s = *cur;
    double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
    s.plan.preemph = a;
    score fa = eval(d, &s);
    s.plan.preemph = b;
    score fb = eval(d, &s);
    for (int it = 0; it < 24 && hi - lo > 1e-6; it++) {
        if (fa.rms <= fb.rms) {
            hi = b;
            b = a;
            fb = fa;
            a = hi - g * (hi - lo);
            s.plan.preemph = a;
            fa = eval(d, &s);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + g * (hi - lo);
            s.plan.preemph = b;
            fb = eval(d, &s);
        }
    }
    double best_v = fa.rms <= fb.rms ? a : b;
    score best = fa.rms <= fb.rms ? fa : fb;
    if (!best.ok || best.rms >= s0.rms) return s0;
    for (int places = 2; places <= 4; places++) {
        double sc10 = pow(10, places), q = nearbyint(best_v * sc10) / sc10;
        if (q <= 0 || q > 1) continue;
        s.plan.preemph = q;
        score sq = eval(d, &s);
        if (sq.ok && sq.rms <= 1.01 * best.rms) {
            best_v = q;
            best = sq.rms < best.rms ? sq : best;
            break;
        }
    }
    cur->plan.preemph = best_v;
    return evalw(d, cur);
}

/* A double field (its offset in the plan) over the values users name (v, nv): the one of least
   RMS kept where it lowers it */
static score refine_list(dg *d, state *cur, score s0, size_t off, const double *v, size_t nv)
{
    state s = *cur, best_s = *cur;
    score best = s0;
    double *at = (double *)((char *)&s.plan + off);
    const double now = *at;
    for (size_t i = 0; i < nv; i++) {
        if (v[i] == now) continue;
        *at = v[i];
        if (wmel_plan_check(&s.plan, NULL, 0)) continue;
        score sc = eval(d, &s);
        if (sc.ok && sc.rms < best.rms) best = sc, best_s = s;
    }
    *cur = best_s;
    return best.rms < s0.rms ? evalw(d, cur) : s0;
}

/* A band edge between the grid's values (the field's offset in the plan: low_freq or
   high_freq): each of the edges users name below the Nyquist frequency */
static score refine_edge(dg *d, state *cur, score s0, size_t off)
{
    static const double LOWS[] = {0, 20, 25, 30, 40, 50, 60, 64, 80, 100, 125, 133.33333333333334, 150, 200, 250, 300};
    static const double HIGHS[] = {0, -100, -200, -300, -400, -500, -600, -800, -1000, 7000, 7200, 7500, 7600, 7690,
                                   7800, 7900, 8000, 11025, 12000, 14000, 20000};
    const int low = off == offsetof(wmel_frontend_plan, low_freq);
    const double *v = low ? LOWS : HIGHS;
    size_t nv = low ? sizeof LOWS / sizeof LOWS[0] : sizeof HIGHS / sizeof HIGHS[0];
    while (nv && v[nv - 1] >= cur->plan.sample_rate / 2.0) nv--;
    return refine_list(d, cur, s0, off, v, nv);
}

/* The log's guard between the grid's values: the other powers of ten users write (log10(m +
   1e-9), clamps at 1e-4, 1e-12, 1e-20), kept where they lower the RMS by 10 % (the guard shows
   only in cells whose energy is near it: a silence, a floor) */
static score refine_guard(dg *d, state *cur, score s0)
{
    static const double GUARDS[] = {1e-4, 1e-9, 1e-11, 1e-12, 1e-14, 1e-20};
    const state was = *cur;
    score sc = refine_list(d, cur, s0, offsetof(wmel_frontend_plan, log_guard), GUARDS,
                           sizeof GUARDS / sizeof GUARDS[0]);
    if (sc.rms < 0.9 * s0.rms) return sc;
    *cur = was;
    return s0;
}

/* Both band edges between the grid's values, one after the other, the one changed first (off)
   and again after the other (an edge found beside the other's wrong value moves with it:
   torchaudio's low_freq 40 with high_freq -200); kept where they lower the RMS by 10 % */
static score refine_band(dg *d, state *cur, score s0, size_t off)
{
    const size_t other = off == offsetof(wmel_frontend_plan, low_freq) ? offsetof(wmel_frontend_plan, high_freq)
                                                                      : offsetof(wmel_frontend_plan, low_freq);
    const state was = *cur;
    score sc = refine_edge(d, cur, s0, off);
    const score s1 = sc;
    sc = refine_edge(d, cur, sc, other);
    if (sc.rms < s1.rms) sc = refine_edge(d, cur, sc, off);
    if (sc.rms < 0.9 * s0.rms) return sc;
    *cur = was; /* (edges between the grid's values that fit better by little: the grid's kept) */
    return s0;
}

/* A dither's size between the grid's values: the RMS over a factor of 3 each way (a
   golden-section search of its log), then two significant digits; kept only where it lowers
   the RMS. No generator's noise is the port's, so the RMS it leaves is the spread's. */
static score refine_dither(dg *d, state *cur, score s0)
{
    double v = cur->plan.dither;
    double lo = log(v / 3), hi = log(v * 3);
    const double g = 0.6180339887498949;
    state s = *cur;
    double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
    s.plan.dither = exp(a);
    score fa = eval(d, &s);
    s.plan.dither = exp(b);
    score fb = eval(d, &s);
    for (int it = 0; it < 12; it++) {
        if (fa.rms <= fb.rms) {
            hi = b;
            b = a;
            fb = fa;
            a = hi - g * (hi - lo);
            s.plan.dither = exp(a);
            fa = eval(d, &s);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + g * (hi - lo);
            s.plan.dither = exp(b);
            fb = eval(d, &s);
        }
    }
    double best_v = exp(fa.rms <= fb.rms ? a : b);
    score best = fa.rms <= fb.rms ? fa : fb;
    if (!best.ok || best.rms >= 0.98 * s0.rms) return s0; /* the grid's value is as good */
    char t[32];
    snprintf(t, sizeof t, "%.2g", best_v);
    cur->plan.dither = strtod(t, NULL);
    return eval(d, cur);
}

static const char *const TAILS[] = {"zero", "drop", "trim", "last", "fill"};

/* ---- stacking: the plans of another stacking (LFR m/n, the left copies, the tail rule, or
   none) whose output has F rows of W values for n samples */
enum { MAX_STACK_CAND = WMEL__DG_MAX_STACK, WMEL_DG_MAX_ROWS = 64 };
static int stackings(const wmel_frontend_plan *base, size_t n, size_t F, size_t W, wmel_frontend_plan *out, int cap)
{
    /* ties (a clip whose rows reach no slot past the end) go to the first: LFR's copies of the
       last frame where rows overlap (FunASR), zeros where they do not (Seamless) */
    static const int tails[2][4] = {{WMEL_STACK_TAIL_ZERO, WMEL_STACK_TAIL_LAST, WMEL_STACK_TAIL_TRIM, WMEL_STACK_TAIL_DROP},
                                    {WMEL_STACK_TAIL_LAST, WMEL_STACK_TAIL_ZERO, WMEL_STACK_TAIL_TRIM, WMEL_STACK_TAIL_DROP}};
    int k = 0;
    for (int m = 1; m <= 8; m++)
        for (int st = 1; st <= m; st++)
            for (int l = 0; l < 2; l++)
                for (int t = 0; t < 4; t++) {
                    int left = l ? (m - 1) / 2 : 0;
                    if ((l && left == 0) || (m == 1 && (st > 1 || t > 0))) continue;
                    wmel_frontend_plan p = *base;
                    p.layout = WMEL_LAYOUT_FRAMES_MELS;
                    p.stack = m;
                    p.stack_stride = st == m ? 0 : st;
                    p.stack_left = left;
                    p.stack_tail = m == 1 ? WMEL_STACK_TAIL_ZERO : tails[st < m][t];
                    if (m == 1) p.cols_stacked = 0;
                    wmel_plan_counts pc;
                    if (wmel_plan_check(&p, NULL, 0) || wmel_plan_frames(&p, n, &pc)) continue;
                    if (pc.rows != F || pc.cols != W) continue;
                    if (k < cap) out[k++] = p;
                }
    return k;
}

/* A stacking as text: "m/n" (LFR: m frames a row, a row every n frames), the left copies
   and the tail rule; "none" unstacked. */
static void stack_text(const wmel_frontend_plan *p, char *buf, size_t cap)
{
    if (p->stack <= 1) {
        snprintf(buf, cap, "none");
        return;
    }
    int t = p->stack_tail >= 0 && p->stack_tail <= 4 ? p->stack_tail : 0;
    snprintf(buf, cap, "%d/%d, stack_left %d, stack_tail %s", p->stack, p->stack_stride ? p->stack_stride : p->stack,
             p->stack_left, TAILS[t]);
}

/* The k-th smallest of a[0 .. n) (k < n, no NaN), a's order changed: what a sort would put at
   a[k], in linear time (Hoare's partition around the middle of three, then the side holding k). */
static float kth_float(float *a, size_t n, size_t k)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1;
    const ptrdiff_t kk = (ptrdiff_t)k;
    while (lo < hi) {
        const float x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi];
        const float pv = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pv) i++;
            while (a[j] > pv) j--;
            if (i <= j) {
                const float t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        /* a[lo .. j] <= pv <= a[i .. hi], and a[j + 1 .. i - 1] == pv */
        if (kk <= j) hi = j;
        else if (kk >= i) lo = i;
        else return a[kk];
    }
    return a[kk];
}

/* ---- the plan's fields the search walks */
static const char *const WINDOWS[] = {"hann_periodic", "hann", "hamming", "povey", "rect", "blackman",
                                      "bartlett", "sine", "hamming_periodic", "blackman_periodic",
                                      "bartlett_periodic"};
static const char *const FRAMINGS[] = {"snip", "center_reflect", "center_zero", "kaldi_center"};
static const char *const PREEMPHS[] = {"frame", "signal", "padded", "padded_cut"};
static const char *const SCALES[] = {"slaney", "kaldi", "htk", "tf"};
static const char *const MELNORMS[] = {"none", "slaney"};
static const char *const LOGS[] = {"log10_clamp", "ln_add", "ln_clamp", "none", "ln_zero", "log10_zero"};
static const char *const VALIDS[] = {"all", "hop", "trim", "end", "ceil", "but_last"};
static const char *const NORMALIZES[] = {"per_feature", "all_features"};
static const char *const MAX_SCOPES[] = {"clip", "chunk"};
static const char *const NORM_VARS[] = {"mean_var", "mean"};
static const char *const NORM_KINDS[] = {"none", "mean_var", "mean", "per_feature", "whole"};

enum { F_INT, F_DOUBLE, F_NUM, F_DDOF, F_ALL, F_SCOPE, F_DITHER, F_SNAP, F_MEANONLY, F_NORMKIND };
typedef struct fam {
    const char *name;
    int type;
    size_t off;
    const char *const *names;
    int n_names;
    int n_alt;
    double alt[12];
} fam;

#define NAMES(a) a, (int)(sizeof a / sizeof a[0])
static const fam FAMS[] = {
    {"window", F_INT, offsetof(wmel_frontend_plan, window), NAMES(WINDOWS), 7, {0, 1, 2, 3, 4, 5, 8}},
    {"framing", F_INT, offsetof(wmel_frontend_plan, framing), NAMES(FRAMINGS), 4, {0, 1, 2, 3}},
    {"remove_dc", F_NUM, offsetof(wmel_frontend_plan, remove_dc), NULL, 0, 2, {0, 1}},
    /* the input's amplitude: [-1, 1] or int16 units (powers of two and a free factor: the
       scale stage before the search) */
    {"scale", F_DOUBLE, offsetof(wmel_frontend_plan, scale), NULL, 0, 3, {1, 32768, 3.0517578125e-05}},
    /* pre-emphasis: a grid, the value found refined (refine_preemph) */
    {"preemph", F_DOUBLE, offsetof(wmel_frontend_plan, preemph), NULL, 0, 8, {0, 0.97, 0.95, 0.9, 0.99, 0.93, 0.98, 0.85}},
    {"preemph_mode", F_INT, offsetof(wmel_frontend_plan, preemph_mode), NAMES(PREEMPHS), 2, {0, 1}},
    {"power", F_NUM, offsetof(wmel_frontend_plan, power), NULL, 0, 2, {1, 2}},
    {"mel_scale", F_INT, offsetof(wmel_frontend_plan, mel_scale), NAMES(SCALES), 3, {0, 1, 2}},
    {"mel_norm", F_INT, offsetof(wmel_frontend_plan, mel_norm), NAMES(MELNORMS), 2, {0, 1}},
    /* the classic MFCC bank: the Hz points snapped to FFT bins (WMEL_BANK_SNAP_BINS; set on a
       plan in Kaldi's or TF's mel space, with HTK's points and peak 1, as python_speech_features) */
    {"snap_bins", F_SNAP, 0, NULL, 0, 2, {0, 1}},
    {"low_freq", F_DOUBLE, offsetof(wmel_frontend_plan, low_freq), NULL, 0, 5, {0, 20, 60, 125, 300}},
    {"high_freq", F_DOUBLE, offsetof(wmel_frontend_plan, high_freq), NULL, 0, 4, {0, 8000, -400, 7600}},
    {"log", F_INT, offsetof(wmel_frontend_plan, log), NAMES(LOGS), 3, {0, 1, 2}},
    /* (numpy's float64 eps: python_speech_features' floor of an energy of 0; then 1e-30, below
       every energy a float64 port logs: spafe's guard that replaces exact zeros only, on clips
       with no energy of 0; 1: log1p; 1e-15: lhotse's spectrogram) */
    {"log_guard", F_DOUBLE, offsetof(wmel_frontend_plan, log_guard), NULL, 0, 12,
     {1e-10, 5.9604644775390625e-08, 1e-5, 1e-6, 1.1920928955078125e-07, 1e-8, 1e-7, 2.220446049250313e-16, 1e-30,
      1, 1e-3, 1e-15}},
    {"norm_ddof", F_DDOF, 0, NULL, 0, 2, {1, 0}},
    {"normalize", F_ALL, 0, NAMES(NORMALIZES), 2, {0, 1}},
    /* Whisper's max - 8: the max over the clip (the plan's) or per 30 s chunk (a port that cuts
       a long clip into Whisper's windows) */
    {"norm_max_scope", F_SCOPE, 0, NAMES(MAX_SCOPES), 2, {0, 1}},
    {"norm_eps", F_DOUBLE, offsetof(wmel_frontend_plan, norm_eps), NULL, 0, 5, {1e-5, 0, 1e-6, 1e-7, 1e-10}},
    {"n_fft", F_NUM, offsetof(wmel_frontend_plan, n_fft), NULL, 0, 2, {400, 512}},
    {"valid", F_INT, offsetof(wmel_frontend_plan, valid), NAMES(VALIDS), 3, {0, 1, 2}},
    /* Kaldi's dither, in int16 units whatever the plan's scale (F_DITHER: the plan's dither x
       32768 / scale); random, so found by the RMS it takes away in quiet frames, its size
       refined (refine_dither) and held to the spread of two dither seeds */
    {"dither", F_DITHER, offsetof(wmel_frontend_plan, dither), NULL, 0, 6, {0, 1, 0.1, 0.3, 3, 0.03}},
    /* a stacked plan's (LFR's) own fields: the rows keep their shape */
    {"stack_left", F_INT, offsetof(wmel_frontend_plan, stack_left), NULL, 0, 4, {0, 1, 2, 3}},
    {"stack_tail", F_INT, offsetof(wmel_frontend_plan, stack_tail), NAMES(TAILS), 2, {0, 3}},
    /* the cepstra's lifter (n_ceps): none or Kaldi's and HTK's 22 */
    {"cepstral_lifter", F_DOUBLE, offsetof(wmel_frontend_plan, cepstral_lifter), NULL, 0, 2, {22, 0}},
    /* the bank's size and the hop: not searched, read from the port's shape (the values of a
       frame, the frame count) before the search */
    {"n_mels", F_INT, offsetof(wmel_frontend_plan, n_mels), NULL, 0, 0, {0}},
    {"hop", F_INT, offsetof(wmel_frontend_plan, hop), NULL, 0, 0, {0}},
    /* the window's length inside the transform (torch.stft's win_length < n_fft: ESPnet's
       win_length 400 in 512; 1024 and 2048 with n_fft the same, expand's pair: librosa's and
       nnAudio's default n_fft) */
    {"frame_length", F_INT, offsetof(wmel_frontend_plan, frame_length), NULL, 0, 4, {400, 512, 1024, 2048}},
    /* a per-feature normalisation's division by the spread: kept, or x - mean only
       (WMEL_NORMF_MEAN_ONLY, the plan JSON's normalize "mean": Speech2Text's normalize_vars) */
    {"normalize", F_MEANONLY, 0, NAMES(NORM_VARS), 2, {0, 1}},
    /* the normalisation itself: none, mean and variance, the mean only, NeMo's per-feature or
       Whisper's whole; not walked by the beam: tried against the claimed one before the
       input's scale (fit_normalize), whose fit a subtracted mean leaves free */
    {"normalize", F_NORMKIND, 0, NAMES(NORM_KINDS), 0, {0}},
};
enum { N_FAMS = (int)(sizeof FAMS / sizeof FAMS[0]) };

static double fam_get(const wmel_frontend_plan *p, const fam *f)
{
    const char *b = (const char *)p + f->off;
    switch (f->type) {
    case F_DOUBLE: return *(const double *)(const void *)b;
    case F_DDOF: return (p->norm_flags & WMEL_NORMF_POPULATION) ? 0 : 1;
    case F_ALL: return (p->norm_flags & WMEL_NORMF_ALL) ? 1 : 0;
    case F_SCOPE: return (p->norm_flags & DG_NORMF_CHUNK_MAX) ? 1 : 0;
    case F_SNAP: return (p->bank_flags & WMEL_BANK_SNAP_BINS) ? 1 : 0;
    case F_MEANONLY: return (p->norm_flags & WMEL_NORMF_MEAN_ONLY) ? 1 : 0;
    case F_NORMKIND:
        if (p->norm == WMEL_NORM_NONE) return 0;
        if (p->norm == WMEL_NORM_WHOLE) return 4;
        if (p->norm_flags & WMEL_NORMF_MEAN_ONLY) return 2;
        return p->norm == WMEL_NORM_PER_FEATURE ? 3 : 1;
    case F_DITHER: return p->scale > 0 ? p->dither * 32768.0 / p->scale : p->dither;
    default: return *(const int *)(const void *)b;
    }
}
static void fam_set(wmel_frontend_plan *p, const fam *f, double v)
{
    char *b = (char *)p + f->off;
    switch (f->type) {
    case F_DOUBLE: *(double *)(void *)b = v; break;
    case F_DDOF: p->norm_flags = v == 0 ? p->norm_flags | WMEL_NORMF_POPULATION : p->norm_flags & ~WMEL_NORMF_POPULATION; break;
    case F_ALL: p->norm_flags = v != 0 ? p->norm_flags | WMEL_NORMF_ALL : p->norm_flags & ~WMEL_NORMF_ALL; break;
    case F_SCOPE: p->norm_flags = v != 0 ? p->norm_flags | DG_NORMF_CHUNK_MAX : p->norm_flags & ~DG_NORMF_CHUNK_MAX; break;
    case F_SNAP:
        p->bank_flags = v != 0 ? p->bank_flags | WMEL_BANK_SNAP_BINS : p->bank_flags & ~WMEL_BANK_SNAP_BINS;
        if (v != 0 && p->mel_scale != WMEL_MEL_HTK && p->mel_scale != WMEL_MEL_SLANEY) { /* the classic recipe's */
            p->mel_scale = WMEL_MEL_HTK;
            p->mel_norm = WMEL_MELNORM_NONE;
        }
        break;
    case F_DITHER: p->dither = p->scale > 0 ? v * p->scale / 32768.0 : v; break;
    case F_MEANONLY: p->norm_flags = v != 0 ? p->norm_flags | WMEL_NORMF_MEAN_ONLY : p->norm_flags & ~WMEL_NORMF_MEAN_ONLY; break;
    case F_NORMKIND: { /* as wmel_plan_set's normalize; the variants' flags the kind takes kept (the ddof) */
        const int nemo = p->frontend == WMEL_FRONTEND_NEMO || p->frontend == WMEL_FRONTEND_NEMO_LEGACY;
        p->norm = v == 0 ? WMEL_NORM_NONE : v == 4 ? WMEL_NORM_WHOLE : v == 3 || (v == 2 && nemo) ? WMEL_NORM_PER_FEATURE
                                                                                              : WMEL_NORM_MEAN_VAR;
        if (p->norm == WMEL_NORM_NONE) p->norm_flags = 0;
        else if (p->norm == WMEL_NORM_WHOLE) p->norm_flags &= WMEL_NORMF_FIXED_MAX | WMEL_NORMF_THEN_MEAN_VAR;
        else p->norm_flags = (p->norm_flags & WMEL_NORMF_POPULATION) | (v == 2 ? WMEL_NORMF_MEAN_ONLY : 0);
        if (!(p->norm_flags & WMEL_NORMF_FIXED_MAX)) p->norm_max = 0;
        if (p->norm != WMEL_NORM_WHOLE) p->norm_range = 0;
        break;
    }
    default: *(int *)(void *)b = (int)v; break;
    }
}
/* A candidate's plan as the library takes it (diagnose's own bit cleared). */
static int plan_check(const wmel_frontend_plan *p)
{
    wmel_frontend_plan q = *p;
    q.norm_flags &= ~DG_NORMF_CHUNK_MAX;
    return wmel_plan_check(&q, NULL, 0);
}
/* Whether the field means anything in plan p, on a clip of n samples (its padding included). */
static int fam_applies(const wmel_frontend_plan *p, const fam *f, size_t n)
{
    if (f->type == F_SCOPE) /* Whisper's max - 8 from the data, over more than one 30 s chunk */
        return p->norm == WMEL_NORM_WHOLE && !(p->norm_flags & WMEL_NORMF_FIXED_MAX) && !p->affine &&
               p->stack <= 1 && !p->delta_win && !p->use_energy && p->n_frames == 0 &&
               n > (size_t)p->sample_rate * 30;
    int normed = p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR;
    if (f->type == F_DDOF || f->type == F_ALL || f->type == F_MEANONLY || f->off == offsetof(wmel_frontend_plan, norm_eps))
        return normed;
    if (f->off == offsetof(wmel_frontend_plan, preemph_mode)) return p->preemph > 0;
    if (f->type == F_SNAP) return !p->linear_bins; /* (from Kaldi's or TF's mel space: HTK's points) */
    if (f->off == offsetof(wmel_frontend_plan, framing)) return p->pad_left == 0 && p->pad_right == 0;
    if (f->off == offsetof(wmel_frontend_plan, n_fft)) return p->frame_length <= 400;
    if (f->off == offsetof(wmel_frontend_plan, cepstral_lifter)) return p->n_ceps > 0;
    if (f->off == offsetof(wmel_frontend_plan, stack_left) || f->off == offsetof(wmel_frontend_plan, stack_tail))
        return p->stack > 1;
    return 1;
}
static void fam_text(const fam *f, double v, char *buf, size_t cap, int *numeric)
{
    *numeric = 0;
    if (f->names && v >= 0 && v < f->n_names) {
        snprintf(buf, cap, "%s", f->names[(int)v]);
        return;
    }
    *numeric = 1;
    if (v == floor(v) && fabs(v) < 1e15) { /* a whole number as one (n_mels 80, not 8e+01) */
        snprintf(buf, cap, "%.0f", v);
        return;
    }
    snprintf(buf, cap, "%.17g", v);
    /* the shortest text that reads back */
    for (int prec = 1; prec <= 17; prec++) {
        char t[40];
        snprintf(t, sizeof t, "%.*g", prec, v);
        if (strtod(t, NULL) == v) {
            snprintf(buf, cap, "%s", t);
            break;
        }
    }
}

/* ---- the beam over the fields: the best BEAM_K candidate plans of each step, each expanded
   by every single-field change */
enum { BEAM_K = 4, BEAM_STEPS = 8 };
static double now_s(void);
static double wall_s(void);
#define BEAM_GAIN 0.97 /* a child enters the beam when it lowers its parent's RMS by 3 % */
typedef struct cand {
    state s;
    score sc;
    int field;    /* the field the child changed (-1: a pair, or none) */
    int expanded; /* 1: its children computed */
} cand;
typedef struct pool {
    cand *c;
    size_t n, cap;
    double *keys; /* the plans computed: every field's value and the offset, KEY_LEN each */
    score *scores; /* their scores */
    size_t nk, kcap;
    size_t max_evals; /* the work bound: dg.evals past which no candidate is computed */
    double deadline;  /* the safety: wall_s() past which no candidate is computed */
    int work_out;     /* 1: the work bound was reached */
    int timed_out;    /* 1: the safety's cap was reached */
} pool;
enum { KEY_LEN = N_FAMS + 1 };
static void state_key(const state *s, double *k)
{
    for (int f = 0; f < N_FAMS; f++) k[f] = fam_get(&s->plan, &FAMS[f]);
    k[N_FAMS] = (double)s->offset;
}
static int same_state(const state *a, const state *b)
{
    double ka[KEY_LEN], kb[KEY_LEN];
    state_key(a, ka);
    state_key(b, kb);
    return !memcmp(ka, kb, sizeof ka);
}
/* The score of s when it was computed before (-1: never) */
static long seen(const pool *p, const state *s)
{
    double k[KEY_LEN];
    state_key(s, k);
    for (size_t i = 0; i < p->nk; i++)
        if (!memcmp(p->keys + i * KEY_LEN, k, sizeof k)) return (long)i;
    return -1;
}
/* s noted as computed, with its score (memory short: not noted, computed again) */
static void note(pool *p, const state *s, score sc)
{
    if (p->nk == p->kcap) {
        size_t cap = p->kcap ? 2 * p->kcap : 256;
        double *t = realloc(p->keys, cap * KEY_LEN * sizeof *t);
        if (!t) return;
        p->keys = t;
        score *u = realloc(p->scores, cap * sizeof *u);
        if (!u) return;
        p->scores = u;
        p->kcap = cap;
    }
    state_key(s, p->keys + p->nk * KEY_LEN);
    p->scores[p->nk++] = sc;
}
/* A child kept in the pool when the library takes it, computed once (a plan reached by two
   paths is the same candidate: its score noted); its score (not ok: not computed). */
static score child(dg *d, pool *p, const state *s, int field)
{
    score sc = {INFINITY, INFINITY, INFINITY, INFINITY, 0, 0};
    if (p->timed_out || p->work_out || plan_check(&s->plan)) return sc;
    long at = seen(p, s);
    if (at >= 0) {
        sc = p->scores[at];
    } else {
        if (d->evals >= p->max_evals) {
            p->work_out = 1;
            return sc;
        }
        if (wall_s() >= p->deadline) {
            p->timed_out = 1;
            return sc;
        }
        sc = eval(d, s);
        note(p, s, sc);
    }
    if (!sc.ok) return sc;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 128;
        cand *t = realloc(p->c, cap * sizeof *t);
        if (!t) return sc;
        p->c = t;
        p->cap = cap;
    }
    cand *c = &p->c[p->n++];
    c->s = *s;
    c->s.plan.scale = sc.fscale; /* (the gain's fit) */
    c->sc = sc;
    c->field = field;
    c->expanded = 0;
    return sc;
}
/* Every single-field change of m (and, with a frame offset, the changes that came closest with
   the offset a sample each way: an offset found beside a wrong field moves with it; every
   change so when none of those lowers the RMS by 15 %), and the pairs of fields that hide each
   other (a bank without Slaney's norm moves every mel energy by a row's factor, which a
   per-feature normalisation takes out but for the log's guard, so neither alone lowers the
   residual: mlx-audio's Parakeet, no norm and guard 1e-5 together). */
static void expand(dg *d, pool *p, const cand *m, size_t n_audio)
{
    const state cur = m->s;
    enum { TOP = 4 };
    int top_f[TOP], n_top = 0;
    double top_v[TOP], top_rms[TOP], best = INFINITY;
    for (int f = 0; f < N_FAMS; f++) {
        if (!fam_applies(&cur.plan, &FAMS[f], n_audio)) continue;
        double now = fam_get(&cur.plan, &FAMS[f]);
        for (int a = 0; a < FAMS[f].n_alt; a++) {
            if (FAMS[f].alt[a] == now || (d->no_dither && FAMS[f].type == F_DITHER && FAMS[f].alt[a] != 0)) continue;
            state s = cur;
            fam_set(&s.plan, &FAMS[f], FAMS[f].alt[a]);
            score sc = child(d, p, &s, f);
            if (!sc.ok) continue;
            if (sc.rms < best) best = sc.rms;
            if (cur.offset && (n_top < TOP || sc.rms < top_rms[TOP - 1])) { /* kept in order */
                int k = n_top < TOP ? n_top++ : TOP - 1;
                for (; k > 0 && top_rms[k - 1] > sc.rms; k--) {
                    top_f[k] = top_f[k - 1];
                    top_v[k] = top_v[k - 1];
                    top_rms[k] = top_rms[k - 1];
                }
                top_f[k] = f;
                top_v[k] = FAMS[f].alt[a];
                top_rms[k] = sc.rms;
            }
        }
    }
    for (int pass = 0; pass < 2 && cur.offset; pass++) {
        if (pass == 1 && best <= 0.85 * m->sc.rms) break;
        for (int f = 0; f < N_FAMS; f++) {
            if (!fam_applies(&cur.plan, &FAMS[f], n_audio)) continue;
            double now = fam_get(&cur.plan, &FAMS[f]);
            for (int a = 0; a < FAMS[f].n_alt; a++) {
                if (FAMS[f].alt[a] == now || (d->no_dither && FAMS[f].type == F_DITHER && FAMS[f].alt[a] != 0)) continue;
                int in_top = 0;
                for (int k = 0; k < n_top; k++) in_top |= top_f[k] == f && top_v[k] == FAMS[f].alt[a];
                if (in_top == pass) continue; /* pass 0: the closest; pass 1: the others */
                for (int dir = -1; dir <= 1; dir += 2) {
                    state s = cur;
                    fam_set(&s.plan, &FAMS[f], FAMS[f].alt[a]);
                    s.offset += dir;
                    score sc = child(d, p, &s, f);
                    if (sc.ok && sc.rms < best) best = sc.rms;
                }
            }
        }
    }
    /* (and n_fft with the window's length, the same value: librosa's and nnAudio's 2048) */
    static const size_t pairs[][2] = {{offsetof(wmel_frontend_plan, mel_norm), offsetof(wmel_frontend_plan, log_guard)},
                                      {offsetof(wmel_frontend_plan, n_fft), offsetof(wmel_frontend_plan, frame_length)}};
    for (size_t q = 0; q < sizeof pairs / sizeof pairs[0]; q++) {
        int fa = -1, fb = -1;
        const int same = q == 1;
        for (int f = 0; f < N_FAMS; f++) {
            if (FAMS[f].type != F_INT && FAMS[f].type != F_DOUBLE && FAMS[f].type != F_NUM) continue;
            if (FAMS[f].off == pairs[q][0]) fa = f;
            if (FAMS[f].off == pairs[q][1]) fb = f;
        }
        if (fa < 0 || fb < 0 || !fam_applies(&cur.plan, &FAMS[fa], n_audio) || !fam_applies(&cur.plan, &FAMS[fb], n_audio))
            continue;
        if (same && cur.plan.frame_length != cur.plan.n_fft) continue; /* (a window that fills the transform) */
        for (int a = 0; a < (same ? 1 : FAMS[fa].n_alt); a++)
            for (int b = 0; b < FAMS[fb].n_alt; b++) {
                const double va = same ? FAMS[fb].alt[b] : FAMS[fa].alt[a]; /* (the same value: fb's) */
                if (va == fam_get(&cur.plan, &FAMS[fa]) || FAMS[fb].alt[b] == fam_get(&cur.plan, &FAMS[fb])) continue;
                state s = cur;
                fam_set(&s.plan, &FAMS[fa], va);
                fam_set(&s.plan, &FAMS[fb], FAMS[fb].alt[b]);
                child(d, p, &s, -1);
            }
    }
}
static int cmp_cand(const void *a, const void *b)
{
    double x = ((const cand *)a)->sc.rms, y = ((const cand *)b)->sc.rms;
    return (x > y) - (x < y);
}

/* ---- the result */
static void add_note(wmel_dg_result *r, const char *text)
{
    size_t l = strlen(r->notes);
    snprintf(r->notes + l, sizeof r->notes - l, "%s%s", l ? "; " : "", text);
}
/* a row of the differences' table; past its WMEL_DG_MAX_DIFF rows the difference is written to
   a scratch row, counted and said in the notes, so that a caller never holds a null row */
static wmel_dg_diff *add_diff(wmel_dg_result *r, const char *field)
{
    wmel_dg_diff *df = &r->spill;
    if (r->n_diff < WMEL_DG_MAX_DIFF) df = &r->diff[r->n_diff++];
    else if (r->diff_left_out++ == 0) add_note(r, "more differences than the table's rows: the rest left out");
    memset(df, 0, sizeof *df);
    snprintf(df->field, sizeof df->field, "%s", field);
    df->without = -1;
    return df;
}

/* The frames axis of a plan's output: 1 when the frames are the columns. */
static int frames_are_cols(const wmel_frontend_plan *p) { return p->layout == WMEL_LAYOUT_MELS_FRAMES; }
/* the hops a port's frame count is tried against (the plan's framing) */
static const int hops[] = {160, 128, 100, 80, 200, 256, 320, 240, 120, 441, 480, 512, 400, 64, 220, 882, 1024};
enum { N_HOPS = (int)(sizeof hops / sizeof hops[0]) };

static size_t frames_of(const wmel_frontend_plan *p, size_t n)
{
    wmel_plan_counts pc;
    if (wmel_plan_frames(p, n, &pc)) return 0;
    return frames_are_cols(p) ? pc.cols : pc.rows;
}

static double fit_units(const float *y, const float *x, size_t cnt, double *a, double *b)
{
    double sy = 0, sx = 0, syy = 0, sxy = 0, nn = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        nn++;
        sy += y[i];
        sx += x[i];
        syy += (double)y[i] * y[i];
        sxy += (double)y[i] * x[i];
    }
    if (nn < 2) {
        *a = 1;
        *b = 0;
        return INFINITY;
    }
    double var = syy / nn - (sy / nn) * (sy / nn);
    if (!(var > 0)) {
        *a = 1;
        *b = 0;
        return INFINITY;
    }
    *a = (sxy / nn - sy / nn * sx / nn) / var;
    *b = sx / nn - *a * sy / nn;
    double ss = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        double e = x[i] - (*a * y[i] + *b);
        ss += e * e;
    }
    return sqrt(ss / nn);
}

/* The padding of silence after the clip (at least pad0) that gives plan Tp frames (rows),
   the least: a bisection, since the count grows with the samples; 0 when none does (a plan
   of a fixed count, or no padding near the Tp - T0 frames asked for). */
static int silence_pad(const wmel_frontend_plan *p, size_t n, size_t pad0, size_t Tp, size_t T0, size_t *pad)
{
    size_t step = (size_t)(p->hop > 0 ? p->hop : 1) * (size_t)(p->stack > 1 ? (p->stack_stride ? p->stack_stride : p->stack) : 1);
    size_t extra = Tp - T0 + 2, slack = (size_t)p->n_fft + (size_t)p->frame_length;
    if (extra > (SIZE_MAX - slack - n - pad0) / step / 2) return 0;
    size_t lo = pad0, hi = pad0 + extra * step + slack;
    if (frames_of(p, n + hi) < Tp) return 0;
    while (lo < hi) { /* the least pad in [lo, hi] whose count reaches Tp */
        size_t mid = lo + (hi - lo) / 2;
        if (frames_of(p, n + mid) >= Tp) hi = mid;
        else lo = mid + 1;
    }
    if (frames_of(p, n + lo) != Tp) return 0;
    *pad = lo;
    return 1;
}

/* The n_frames (frames before stacking) that gives p Tp rows (frames when unstacked) on n
   samples, the nearest to the plan's own count; 0 when none does. */
static int frames_for_rows(const wmel_frontend_plan *p, size_t n, size_t Tp)
{
    const size_t most = (size_t)1 << 20; /* wmel_plan_check's bound on n_frames */
    if (Tp == 0 || Tp > most) return 0;
    if (p->stack <= 1) return (int)Tp;
    wmel_frontend_plan q = *p;
    q.n_frames = 0;
    wmel_plan_counts pc;
    size_t own = wmel_plan_frames(&q, n, &pc) ? 0 : pc.frames;
    size_t m = (size_t)p->stack, st = p->stack_stride ? (size_t)p->stack_stride : m;
    size_t lo = (Tp - 1) * st > m ? (Tp - 1) * st - m : 1, hi = Tp * st + m, best = 0, bd = SIZE_MAX;
    for (size_t f = lo; f <= hi && f <= most; f++) {
        q.n_frames = (int)f;
        if (wmel_plan_frames(&q, n, &pc) || (frames_are_cols(&q) ? pc.cols : pc.rows) != Tp) continue;
        size_t dist = f > own ? f - own : own - f;
        if (dist < bd) {
            bd = dist;
            best = f;
        }
    }
    return (int)best;
}

/* How the port's frame (row) count differs: "one extra frame (700 vs 699)". */
static void count_text(size_t got, size_t want, int rows, char *buf, size_t cap)
{
    const char *unit = rows ? "row" : "frame";
    size_t k = got > want ? got - want : want - got;
    if (k == 1)
        snprintf(buf, cap, "the port gives one %s%s%s (%zu vs %zu)", got > want ? "extra " : "", unit,
                 got > want ? "" : " fewer", got, want);
    else
        snprintf(buf, cap, "the port gives %zu %s%ss%s (%zu vs %zu)", k, got > want ? "extra " : "", unit,
                 got > want ? "" : " fewer", got, want);
}

/* A shape as "(a, b, c)". */
static const char *shape_text(const size_t *shape, int ndim, char *buf, size_t cap)
{
    size_t l = 0;
    buf[0] = 0;
    for (int i = 0; i < ndim && l < cap; i++) {
        int k = snprintf(buf + l, cap - l, "%s%zu%s", i ? ", " : "(", shape[i], i + 1 == ndim ? ")" : "");
        if (k < 0) break;
        l += (size_t)k;
    }
    return buf;
}

static const struct { double v; const char *s; } UNITS[] = {
    {2.302585092994046, "ln where log10 (x ln 10)"}, {0.4342944819032518, "log10 where ln (/ ln 10)"},
    {10, "dB (10 log10)"}, {20, "dB (20 log10)"}, {4.342944819032518, "dB (10 log10) where ln"},
    {8.685889638065036, "dB (20 log10) where ln"}, {0.5, "half (magnitude where power)"},
    {2, "double (power where magnitude)"}};
static const char *units_name(double a)
{
    for (size_t i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++)
        if (fabs(a / UNITS[i].v - 1) < 2e-3) return UNITS[i].s;
    return NULL;
}
/* A fitted factor as the named unit's exact one (a when none is near). */
static double units_exact(double a)
{
    for (size_t i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++)
        if (fabs(a / UNITS[i].v - 1) < 2e-3) return UNITS[i].v;
    return a;
}

/* The time the answer reports: the process's CPU time (clock(), in every C library; the
   search runs on one thread, so it is the time the search has taken on its core). It bounds
   nothing: the work bound does. */
static double now_s(void)
{
    const clock_t c = clock();
    return c == (clock_t)-1 ? 0.0 : (double)c / (double)CLOCKS_PER_SEC;
}
/* The safety's clock: wall-clock seconds (C11's timespec_get; Windows' C library has none, and
   there clock() is the wall-clock time since the process started, in milliseconds). */
static double wall_s(void)
{
#if defined(_WIN32)
    const clock_t c = clock();
    return c == (clock_t)-1 ? 0.0 : (double)c / (double)CLOCKS_PER_SEC;
#else
    struct timespec t;
    if (timespec_get(&t, TIME_UTC) != TIME_UTC) return 0.0;
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
#endif
}

/* ---- wmel_dg_run's stages. Each reads what the stages before it left in the job and adds
   its differences and notes to the result, in the order run_stages calls them: read and
   align (the shape), load the port's values, the stacking, hop and frame count, the start's
   score and the rows the port holds constant, the amplitude scale, the normalisation's
   division, the units, the tolerance, the frame offset, the search over the fields, the
   fitted scale's number, the guard of the rows held out, the bank's constant rows, the
   dither's floor, each difference taken out alone and ranked, where the residual left is,
   the verdict, and the answer as a plan, proved on the clip. */
static const score NO_SCORE = {INFINITY, INFINITY, INFINITY, INFINITY, 0, 0};

typedef struct job {
    wmel_frontend_plan base; /* the claimed plan: the preset's values */
    const float *audio;
    size_t n;
    const float *feat;
    size_t n_feat;
    const size_t *shape;
    int ndim;
    wmel_dg_result *out;
    char *err;
    size_t err_len;
    double t_start;          /* now_s() at the call */
    double wall_start;       /* wall_s() at the call */
    size_t max_evals;        /* the work bound (candidates) */
    double max_seconds;      /* the safety's cap (wall-clock seconds) */
    wmel__dg_port pt;        /* read */
    wmel__dg_shape al;       /* align: al.start, the plan the search starts from */
    size_t T;                /* start's frames on the clip (the port's once its hop is found) */
    int dtype;               /* the port's values' (wmel__dg_port_dtype) */
    dg d;
    state cur;               /* the plan found so far, on the frames the port gives */
    score s0;                /* its score */
    state preset_state;      /* the claimed plan on the frames the port gives */
    int hop_changed, valid_changed, framing_changed, scale_changed, meanonly_changed, normkind_changed;
    double units_a, units_b; /* port = a plan + b (units) */
    double units_scale;      /* or the scale found by the units (0: none) */
    double given_a, given_b; /* the units known before the search (wmel_dg_opts; given_a 0: none) */
    size_t bank_rows;        /* mel rows the port holds constant */
    double tol_rel, tol_rms, tol_max, big;
    int changed[N_FAMS];     /* the fields found to differ */
    char dither_note[160];   /* the dither's floor, noted once the port is explained */
} job;

/* ---- read: the arguments and the port's shape and values */
static void scan_values(const float *feat, size_t total, wmel__dg_port *pt)
{
    pt->vmin = INFINITY;
    pt->vmax = -INFINITY;
    for (size_t i = 0; i < total; i++) {
        float v = feat[i];
        if (isfinite(v)) {
            if (v < pt->vmin) pt->vmin = v;
            if (v > pt->vmax) pt->vmax = v;
            continue;
        }
        if (!pt->n_bad) {
            pt->bad_at = i;
            pt->first_bad = v;
        }
        pt->n_bad++;
        pt->n_nan += isnan(v) != 0;
    }
    pt->port_const = pt->vmin == pt->vmax;
}

int wmel__dg_read(const wmel_frontend_plan *plan, const float *audio, size_t n, const float *feat, size_t n_feat,
                  const size_t *shape, int ndim, wmel__dg_port *pt, char *err, size_t err_len)
{
    memset(pt, 0, sizeof *pt);
    if (!plan || !audio || !feat || !shape || n == 0 || n_feat == 0) {
        snprintf(err, err_len, "no audio or no features");
        return WMEL_DG_ERROR;
    }
    if (ndim < 1 || ndim > 3) {
        snprintf(err, err_len, "features of %d axes: 1 to 3 are needed", ndim);
        return WMEL_DG_ERROR;
    }
    char msg[512];
    if (wmel_plan_check(plan, msg, sizeof msg)) {
        snprintf(err, err_len, "the plan: %s", msg);
        return WMEL_DG_ERROR;
    }
    /* the shape: every axis at least 1, the product (never wrapping) the values given */
    size_t total = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == 0 || total > SIZE_MAX / sizeof(float) / shape[i]) {
            snprintf(err, err_len, "features of shape %s: %s", shape_text(shape, ndim, msg, sizeof msg),
                     shape[i] == 0 ? "an axis of length 0" : "more values than memory can hold");
            return WMEL_DG_ERROR;
        }
        total *= shape[i];
    }
    if (total != n_feat) {
        snprintf(err, err_len, "features of shape %s hold %zu values, not the %zu given",
                 shape_text(shape, ndim, msg, sizeof msg), total, n_feat);
        return WMEL_DG_ERROR;
    }
    /* the axes of length 1 (a batch axis) dropped */
    size_t sh[4];
    int nd = 0;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] != 1) {
            if (nd == 2) {
                snprintf(err, err_len, "features of %d axes longer than 1: one clip's 2-D features are needed", nd + 1);
                return WMEL_DG_ERROR;
            }
            sh[nd++] = shape[i];
        }
    }
    while (nd < 2) sh[nd++] = 1;
    pt->sh[0] = sh[0];
    pt->sh[1] = sh[1];
    pt->total = total;
    pt->batch_dropped = ndim > 2 || (ndim == 2 && (sh[0] != shape[0] || sh[1] != shape[1]));
    pt->batch_lead = ndim == 3 && shape[0] == 1 && shape[1] != 1 && shape[2] != 1;
    scan_values(feat, total, pt);
    return 0;
}

/* The read's notes and differences: a batch axis dropped, the port's NaN and infinite cells
   (row and column of its 2-D features: left out of every residual, named as a difference of
   their own), features of one value everywhere (no row of theirs is a filter quantised to
   zero and no linear map of the plan's values gives them). 1 when no cell is finite: out is
   the answer. */
static int note_port(wmel_dg_result *out, const wmel__dg_port *pt)
{
    if (pt->batch_lead) { /* a convention the plan states (batch_axis) */
        wmel_dg_diff *df = add_diff(out, "batch_axis");
        snprintf(df->preset, sizeof df->preset, "false");
        snprintf(df->found, sizeof df->found, "true");
    } else if (pt->batch_dropped) {
        add_note(out, "a batch axis of 1 dropped");
    }
    out->nonfinite = pt->n_bad;
    if (pt->n_bad) {
        const size_t cols = pt->sh[1];
        wmel_dg_diff *df = add_diff(out, "values");
        snprintf(df->preset, sizeof df->preset, "finite");
        const char *kind = isnan(pt->first_bad) ? "NaN" : pt->first_bad > 0 ? "+inf" : "-inf";
        if (pt->n_bad == 1)
            snprintf(df->found, sizeof df->found, "%s at (row %zu, column %zu)", kind, pt->bad_at / cols,
                     pt->bad_at % cols);
        else
            snprintf(df->found, sizeof df->found, "%zu cells NaN or infinite (%zu NaN), the first %s at (row %zu, column %zu)",
                     pt->n_bad, pt->n_nan, kind, pt->bad_at / cols, pt->bad_at % cols);
        if (pt->n_bad == pt->total) { /* nothing to compare */
            add_note(out, "no finite value in the port's features");
            out->residual_before = out->residual_after = out->rms_after = NAN;
            out->tol = 1e-4;
            snprintf(out->floor, sizeof out->floor, "float32 rounding");
            return 1;
        }
    }
    if (pt->port_const) {
        char t[96];
        snprintf(t, sizeof t, "the port's features are %.6g in every %scell", (double)pt->vmin, pt->n_bad ? "finite " : "");
        add_note(out, t);
    }
    return 0;
}

/* ---- align: which axis holds the frames, and a frame's values */
/* another bank size (n_mels): the axis whose other axis is the plan's frame count (the
   plan's layout first), else one within 10 % of it (a framing or padding the frame count's
   stage finds) or another hop's count */
static void align_nmels(const wmel_frontend_plan *base, size_t n, const size_t sh[2], wmel__dg_shape *al)
{
    const int fcols = al->fcols;
    int got = -1;
    size_t nm_at[2] = {0, 0};
    int empty_at[2] = {0, 0};
    for (int pass = 0; pass < 2 && got < 0; pass++)
        for (int o = 0; o < 2 && got < 0; o++) {
            size_t w = fcols ? (o ? sh[1] : sh[0]) : (o ? sh[0] : sh[1]);
            size_t tp = fcols ? (o ? sh[0] : sh[1]) : (o ? sh[1] : sh[0]);
            if (w <= (size_t)base->use_energy || w - (size_t)base->use_energy > 512) continue;
            wmel_frontend_plan q = *base;
            q.n_mels = (int)(w - (size_t)base->use_energy);
            if (plan_check(&q)) { /* (more filters than the transform's bins resolve: torchaudio's
                                     kaldi.fbank and librosa keep the empty ones) */
                q.bank_flags |= WMEL_BANK_ALLOW_EMPTY;
                if (plan_check(&q)) continue;
            }
            nm_at[o] = (size_t)q.n_mels;
            empty_at[o] = q.bank_flags & WMEL_BANK_ALLOW_EMPTY;
            size_t tq = frames_of(&q, n);
            if (tq == tp || (pass == 1 && (tp > tq ? tp - tq : tq - tp) * 10 <= tq + 20)) got = o;
            for (int k = 0; k < N_HOPS && pass == 1 && got < 0; k++) { /* and another hop's count */
                wmel_frontend_plan qh = q;
                qh.hop = hops[k];
                if (!plan_check(&qh) && frames_of(&qh, n) == tp) got = o;
            }
        }
    if (got >= 0) {
        al->start.n_mels = (int)nm_at[got];
        al->start.bank_flags |= empty_at[got];
        al->transposed = got;
        al->Tp = fcols ? (got ? sh[0] : sh[1]) : (got ? sh[1] : sh[0]);
        al->width = fcols ? (got ? sh[1] : sh[0]) : (got ? sh[0] : sh[1]);
        al->nmels_changed = 1;
    }
}

int wmel__dg_align(const wmel_frontend_plan *base, size_t n, const size_t sh[2], wmel__dg_shape *al, char *err,
                   size_t err_len)
{
    memset(al, 0, sizeof *al);
    al->start = *base;
    al->fcols = frames_are_cols(base);
    const int fcols = al->fcols;
    wmel_params p1 = wmel_default_params();
    p1.n_threads = 1;
    int st;
    wmel_ctx *c0 = wmel_create_plan(&p1, base, &st);
    size_t r0 = 0, cc0 = 0;
    if (!c0 || wmel_features_shape(c0, n, &r0, &cc0)) {
        wmel_destroy(c0);
        snprintf(err, err_len, "the plan cannot compute this clip: %s", wmel_strerror(c0 ? WMEL_ERR_INVALID_ARG : st));
        return WMEL_DG_ERROR;
    }
    wmel_destroy(c0);
    al->width = fcols ? r0 : cc0; /* the values of a frame */
    if ((fcols ? sh[0] : sh[1]) == al->width) {
        al->Tp = fcols ? sh[1] : sh[0];
        return 0;
    }
    if ((fcols ? sh[1] : sh[0]) == al->width) {
        al->transposed = 1;
        al->Tp = fcols ? sh[0] : sh[1];
        return 0;
    }
    /* frames stacked (LFR) otherwise than the plan: the stackings whose output has the
       port's shape, rows the frames (a stacked plan's layout), either axis */
    for (int o = 0; o < 2 && al->n_stk == 0; o++) {
        al->n_stk = stackings(base, n, o ? sh[1] : sh[0], o ? sh[0] : sh[1], al->stk, MAX_STACK_CAND);
        al->transposed = o;
    }
    if (al->n_stk == 0 && base->stack <= 1 && !base->n_ceps && !base->linear_bins && !base->delta_win)
        align_nmels(base, n, sh, al);
    if (al->n_stk == 0 && !al->nmels_changed) {
        snprintf(err, err_len, "features of shape (%zu, %zu): neither axis has the plan's %zu values per frame, "
                 "nor a stacking of its frames", sh[0], sh[1], al->width);
        return WMEL_DG_ERROR;
    }
    if (al->n_stk) {
        al->start = al->stk[0];
        al->fcols = 0;
        al->Tp = al->transposed ? sh[1] : sh[0];
        al->width = al->transposed ? sh[0] : sh[1];
    }
    return 0;
}

/* ---- the port's values in the start's layout */
int wmel__dg_port_dtype(const float *x, size_t cnt, int port_const)
{
    int bf = 1, hf = 1, any = 0;
    for (size_t i = 0; i < cnt && (bf || hf); i++) {
        float v = x[i];
        if (!isfinite(v)) continue;
        if (v != 0) any = 1;
        if (bf && round_dtype(v, 2) != v) bf = 0;
        if (hf && round_dtype(v, 1) != v) hf = 0;
    }
    return any && !port_const ? (bf ? 2 : hf ? 1 : 0) : 0;
}

/* The port's features as the start's layout reads them (d.x, R x C; a transposition named
   "layout"), their dtype, and the search's first plan (cur: start). 0, or WMEL_DG_ERROR. */
static int load_port(job *j)
{
    dg *d = &j->d;
    const wmel__dg_shape *al = &j->al;
    const int fcols = al->fcols;
    d->mel_rows = fcols;
    d->R = fcols ? al->width : al->Tp;
    d->C = fcols ? al->Tp : al->width;
    d->n_idx = al->width;
    d->x = malloc(d->R * d->C * sizeof *d->x);
    d->mask = calloc(al->width, 1);
    if (!d->x || !d->mask) {
        snprintf(j->err, j->err_len, "out of memory");
        return WMEL_DG_ERROR;
    }
    for (size_t i = 0; i < d->R; i++)
        for (size_t k = 0; k < d->C; k++)
            d->x[i * d->C + k] = al->transposed ? j->feat[k * d->R + i] : j->feat[i * d->C + k];
    if (al->transposed) {
        wmel_dg_diff *df = add_diff(j->out, "layout");
        snprintf(df->preset, sizeof df->preset, "%s", fcols ? "mels_frames" : "frames_mels");
        snprintf(df->found, sizeof df->found, "%s", fcols ? "frames_mels" : "mels_frames");
    }
    /* dtype: values float16 or bfloat16 hold exactly */
    j->dtype = wmel__dg_port_dtype(d->x, d->R * d->C, j->pt.port_const);
    memset(&j->cur, 0, sizeof j->cur);
    j->cur.dtype = j->dtype;
    j->out->dtype = j->dtype;
    j->cur.plan = al->start;
    return 0;
}

/* ---- the stacking, the hop and the frame count */
/* Of several stackings of the port's shape, the one that fits best (start and cur). */
static void pick_stacking(job *j)
{
    if (j->al.n_stk <= 1) return;
    double best = INFINITY;
    for (int k = 0; k < j->al.n_stk; k++) {
        state s = j->cur;
        s.plan = j->al.stk[k];
        score sc = eval(&j->d, &s);
        if (sc.ok && sc.rms < best) {
            best = sc.rms;
            j->al.start = j->al.stk[k];
        }
    }
    j->cur.plan = j->al.start;
}

/* another hop: a frame count far from the plan's (10 %) that a common hop gives exactly
   under the plan's framing (ESPnet's hop_length 160 where its default is 128); not where
   Whisper's chunk padding gives the count, nor silence after the clip as well */
static void find_hop(job *j)
{
    const size_t Tp = j->al.Tp, T = j->T, n = j->n;
    wmel_frontend_plan *start = &j->al.start;
    if (!(Tp != T && start->stack <= 1 && !start->n_frames && !start->pad_to && (Tp > T ? Tp - T : T - Tp) * 10 > T))
        return;
    size_t chunk = (size_t)j->base.sample_rate * 30;
    size_t Tc = frames_of(start, ((n + chunk - 1) / chunk) * chunk);
    if (start->frontend == WMEL_FRONTEND_WHISPER && Tc == Tp) return;
    for (size_t k = 0; k < N_HOPS; k++) {
        state h = j->cur;
        if (hops[k] == h.plan.hop) continue;
        h.plan.hop = hops[k];
        if (plan_check(&h.plan) || frames_of(&h.plan, n) != Tp) continue;
        /* (taken unless silence after the clip explains the count at least as well: a port
           that pads the clip) */
        score shp = eval(&j->d, &h), ss = NO_SCORE;
        state sp = j->cur;
        if (Tp > T && silence_pad(&sp.plan, n, 0, Tp, T, &sp.pad)) ss = eval(&j->d, &sp);
        if (shp.ok && !(ss.ok && ss.rms < 2 * shp.rms)) {
            j->cur.plan.hop = start->hop = hops[k];
            j->T = Tp;
            j->hop_changed = 1;
        }
        break;
    }
}

/* The frame count's stage: what its steps share. */
typedef struct counting {
    size_t T_expected;      /* the claimed plan's count (Whisper's: with the chunk's padding) */
    int whisper;            /* Whisper's front-end: the clip padded to 30 s chunks */
    size_t pad_c;           /* the samples that padding adds */
    size_t Tc;              /* the count with it */
    state padf;             /* the plan of the port's count with features padded by its last frame */
    score sp0;              /* its score (not ok: the port's last frame is no constant) */
    float last_v;           /* the port's last frame's value */
    const char *count_note; /* the notes the stage adds last */
    char cnt_note[96];
} counting;

/* the port's last frame when it is one value in every cell: features padded with a constant
   (the spectrogram padded, not the audio) */
static void padded_features(job *j, counting *c)
{
    const dg *d = &j->d;
    const size_t Tp = j->al.Tp;
    const int fcols = j->al.fcols;
    int last_const = 1;
    float last_v = d->x[fcols ? Tp - 1 : (Tp - 1) * d->C];
    for (size_t m = 0; m < j->al.width && last_const; m++)
        last_const = d->x[fcols ? m * d->C + Tp - 1 : (Tp - 1) * d->C + m] == last_v;
    last_const &= isfinite(last_v) != 0 && Tp > j->T;
    c->last_v = last_v;
    c->padf = j->cur;
    c->sp0 = NO_SCORE;
    if (last_const) {
        c->padf.plan.n_frames = frames_for_rows(&c->padf.plan, j->n, Tp);
        c->padf.plan.pad_value = last_v;
        if (c->padf.plan.n_frames > 0 && !plan_check(&c->padf.plan)) c->sp0 = eval(&j->d, &c->padf);
    }
}

/* Whisper's count with the clip padded to 30 s chunks: that padding, or the features padded
   with the port's last frame when that is clearly nearer */
static void count_chunk(job *j, counting *c)
{
    state au = j->cur;
    au.pad = c->pad_c;
    score sa = eval(&j->d, &au);
    /* (each also under the other centred framing, the nearer taken: the frames at the
       clip's end tell the two paddings apart only where the framing is the port's) */
    for (int fr = WMEL_FRAMES_CENTER_REFLECT; fr <= WMEL_FRAMES_CENTER_ZERO; fr++) {
        if (fr == j->cur.plan.framing) continue;
        state a2 = au, p2 = c->padf;
        a2.plan.framing = p2.plan.framing = fr;
        score s2 = plan_check(&a2.plan) ? sa : eval(&j->d, &a2);
        if (s2.ok && s2.rms < sa.rms) sa = s2;
        if (c->sp0.ok && !plan_check(&p2.plan)) {
            s2 = eval(&j->d, &p2);
            if (s2.ok && s2.rms < c->sp0.rms) c->sp0 = s2;
        }
    }
    if (c->sp0.ok && c->sp0.rms < 0.25 * sa.rms) { /* the spectrogram padded to the chunk's frames: clearly */
        j->cur = c->padf;
        wmel_dg_diff *df = add_diff(j->out, "n_frames");
        df->numeric = 1;
        snprintf(df->preset, sizeof df->preset, "%zu", j->T);
        snprintf(df->found, sizeof df->found, "%zu", j->al.Tp);
        snprintf(c->cnt_note, sizeof c->cnt_note, "the features padded to %zu frames with %.6g, not the audio to 30 s",
                 j->al.Tp, (double)c->last_v);
    } else {
        j->cur.pad = c->pad_c;
        c->count_note = "the clip padded with silence to a multiple of 30 s (Whisper's chunk)";
    }
}

/* another framing whose count is the port's: Kaldi's snip_edges=false gives (n + hop / 2) /
   hop frames where snip gives 1 + (n - frame_length) / hop; and numpy's framing
   (python_speech_features): zeros after the signal up to the last frame that starts in it,
   1 + ceil((n - frame_length) / hop) frames: explicit framing's pad_right hop - 1 (fr past
   the framings). The nearest in alt (its score; not ok: none). */
static score count_framing(job *j, state *alt)
{
    score s4 = NO_SCORE;
    const wmel_frontend_plan *b = &j->base;
    if (!(b->pad_left == 0 && b->pad_right == 0 && b->n_frames == 0 && j->al.start.stack <= 1)) return s4;
    for (int fr = WMEL_FRAMES_SNIP; fr <= WMEL_FRAMES_KALDI_CENTER + 1; fr++) {
        state s = j->cur;
        if (fr == s.plan.framing) continue;
        if (fr > WMEL_FRAMES_KALDI_CENTER) {
            s.plan.framing = WMEL_FRAMES_SNIP;
            s.plan.pad_right = s.plan.hop - 1;
            s.plan.pad_mode = WMEL_PAD_ZERO;
        } else {
            s.plan.framing = fr;
        }
        if (plan_check(&s.plan) || frames_of(&s.plan, j->n + s.pad) != j->al.Tp) continue;
        score sc = eval(&j->d, &s);
        if (sc.ok && sc.rms < s4.rms) {
            s4 = sc;
            *alt = s;
        }
    }
    return s4;
}

/* the framing found taken (numpy's: its pad_right named) */
static void take_framing(job *j, const state *alt)
{
    j->cur = *alt;
    j->framing_changed = alt->plan.framing != j->base.framing;
    if (alt->plan.pad_right) {
        wmel_dg_diff *df = add_diff(j->out, "pad_right");
        df->numeric = 1;
        snprintf(df->preset, sizeof df->preset, "%d", j->base.pad_right);
        snprintf(df->found, sizeof df->found, "%d", alt->plan.pad_right);
        df->without = INFINITY; /* another frame count */
        add_note(j->out, "zeros after the clip up to the last frame that starts in it (numpy's framing: "
                         "pad_right hop - 1)");
    }
}

/* the count named a difference: silence after the clip (pad, score s2) or the frames the
   port gives (frames, score s3), the nearer taken */
static void count_named(job *j, counting *c, const state *pad, score s2, const state *frames, score s3)
{
    const size_t Tp = j->al.Tp, Te = c->T_expected;
    wmel_dg_diff *df = add_diff(j->out, "n_frames");
    df->numeric = 1;
    snprintf(df->preset, sizeof df->preset, "%zu", Te);
    snprintf(df->found, sizeof df->found, "%zu", Tp);
    count_text(Tp, Te, j->al.start.stack > 1, c->cnt_note, sizeof c->cnt_note);
    if (s2.ok && s2.rms <= s3.rms) {
        j->cur = *pad;
        char t[160];
        if (Tp - Te == 1)
            snprintf(t, sizeof t, "the port's extra frame is silence (the clip padded to %.2f s)",
                     (double)(j->n + pad->pad) / j->base.sample_rate);
        else
            snprintf(t, sizeof t, "the port's extra %zu frames are silence (the clip padded to %.2f s)", Tp - Te,
                     (double)(j->n + pad->pad) / j->base.sample_rate);
        add_note(j->out, t);
    } else {
        j->cur = *frames;
    }
}

/* A count other than Whisper's chunk's: the valid frames (one more), silence after the clip,
   the frames the port gives (n_frames, or features padded with its constant), or another
   framing whose own count is the port's */
static void count_other(job *j, counting *c)
{
    const size_t Tp = j->al.Tp, n = j->n;
    if (c->whisper && Tp > c->Tc) { /* more than the chunk's padding */
        c->T_expected = c->Tc;
        j->cur.pad = c->pad_c;
    }
    state alt1 = j->cur, alt2 = j->cur, alt3 = j->cur;
    score s1 = NO_SCORE, s2 = s1, s3 = s1;
    if (Tp == c->T_expected + 1 && j->base.valid != WMEL_VALID_ALL) {
        alt1.plan.valid = WMEL_VALID_ALL;
        s1 = eval(&j->d, &alt1);
    }
    if (Tp > c->T_expected && silence_pad(&alt2.plan, n, j->cur.pad, Tp, c->T_expected, &alt2.pad))
        s2 = eval(&j->d, &alt2);
    alt3.plan.n_frames = frames_for_rows(&alt3.plan, n + alt3.pad, Tp);
    if (alt3.plan.n_frames > 0) s3 = eval(&j->d, &alt3);
    if (c->sp0.ok && c->sp0.rms < s3.rms && !alt3.pad) { /* padded with the port's constant */
        alt3 = c->padf;
        s3 = c->sp0;
    }
    state alt4 = j->cur;
    score s4 = count_framing(j, &alt4);
    /* (taken unless another is clearly closer: a framing whose own count is the port's pads
       or drops nothing, and an amplitude or units difference not yet taken out hides how
       close each is) */
    if (s4.ok && s4.rms <= 1.1 * s1.rms && s4.rms <= 1.1 * s2.rms && s4.rms <= 1.1 * s3.rms) {
        take_framing(j, &alt4);
    } else if (s1.ok && s1.rms <= s2.rms && s1.rms <= s3.rms) {
        j->cur = alt1;
        j->valid_changed = 1;
    } else {
        count_named(j, c, &alt2, s2, &alt3, s3);
    }
}

/* Whisper's count of a clip over 30 s that the port cut to whole 30 s chunks first
   (openai-whisper's pad_or_trim: 480000 samples): the plan's n_samples, taken where it is at
   least as near as the features cut to the port's count (n_frames). 1 when taken. */
static int count_trim(job *j, counting *c)
{
    const size_t Tp = j->al.Tp, n = j->n, chunk = (size_t)j->base.sample_rate * 30;
    state t = j->cur;
    t.plan.n_samples = 0;
    for (size_t k = 1; k * chunk < n && k * chunk <= ((size_t)1 << 26); k++) {
        t.plan.n_samples = (int)(k * chunk);
        if (!plan_check(&t.plan) && frames_of(&t.plan, n) == Tp) break;
        t.plan.n_samples = 0;
    }
    if (!t.plan.n_samples) return 0;
    state f = j->cur;
    f.plan.n_frames = frames_for_rows(&f.plan, n, Tp);
    score st = eval(&j->d, &t), sf = f.plan.n_frames > 0 ? eval(&j->d, &f) : NO_SCORE;
    if (!st.ok || (sf.ok && sf.rms < st.rms)) return 0;
    j->cur = t;
    wmel_dg_diff *df = add_diff(j->out, "n_samples");
    df->numeric = 1;
    snprintf(df->preset, sizeof df->preset, "0");
    snprintf(df->found, sizeof df->found, "%d", t.plan.n_samples);
    df->without = sf.ok ? sf.max : INFINITY;
    snprintf(c->cnt_note, sizeof c->cnt_note, "the clip cut to %d samples first (openai-whisper's pad_or_trim)",
             t.plan.n_samples);
    return 1;
}

/* The frame count: where the port's (Tp) is not start's (T), what gives it (Whisper's 30 s
   chunks, an extra valid frame, silence after the clip, features padded with a constant,
   another framing, or the frames named a difference). */
static void fit_frame_count(job *j)
{
    counting c;
    memset(&c, 0, sizeof c);
    c.T_expected = j->T;
    if (j->al.Tp != j->T) {
        const size_t n = j->n, chunk = (size_t)j->base.sample_rate * 30;
        c.whisper = j->base.frontend == WMEL_FRONTEND_WHISPER;
        if (c.whisper) {
            size_t nc = (n + chunk - 1) / chunk;
            if (nc == 0) nc = 1;
            c.pad_c = nc * chunk - n;
        }
        c.Tc = c.whisper ? frames_of(&j->base, n + c.pad_c) : j->T;
        padded_features(j, &c);
        if (c.whisper && j->al.Tp == c.Tc) count_chunk(j, &c);
        else if (!(c.whisper && j->al.Tp < c.Tc && count_trim(j, &c))) count_other(j, &c);
    }
    if (c.count_note) add_note(j->out, c.count_note);
    if (c.cnt_note[0]) add_note(j->out, c.cnt_note);
}

/* ---- the start's score */
/* The claimed plan on the frames the port gives (preset_state: the port's bank size and hop),
   and the plan found so far scored (s0). 0, or WMEL_DG_CANCELLED, or WMEL_DG_ERROR where it
   computes nothing of the port's shape. */
static int score_start(job *j)
{
    j->preset_state = j->cur;
    j->preset_state.plan = j->base;
    j->preset_state.plan.n_mels = j->al.start.n_mels;
    j->preset_state.plan.hop = j->al.start.hop;
    j->preset_state.plan.n_frames = j->base.n_frames ? j->base.n_frames : 0;
    if (j->cur.plan.n_frames) j->preset_state.plan.n_frames = j->cur.plan.n_frames;
    j->preset_state.dtype = 0;
    j->s0 = eval(&j->d, &j->cur);
    if (j->s0.ok) return 0;
    if (j->d.cancelled) {
        snprintf(j->err, j->err_len, "cancelled");
        return WMEL_DG_CANCELLED;
    }
    snprintf(j->err, j->err_len, "the plan's features of this clip do not have the port's shape");
    return WMEL_DG_ERROR;
}

/* rows the port left constant where the plan's vary: a filter quantised to zero, held out of
   the residual (d.mask); a few rows: a port whose rows are all or mostly constant is not a
   bank with a few zero filters, and is held against the plan in every row */
static void mask_constant_rows(job *j)
{
    if (j->pt.port_const) return;
    dg *d = &j->d;
    const size_t width = j->al.width;
    const int fcols = j->al.fcols;
    size_t nz = 0;
    for (size_t m = 0; m < width; m++) {
        double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
        size_t nt = fcols ? d->C : d->R;
        for (size_t t = 0; t < nt; t++) {
            size_t i = fcols ? m * d->C + t : t * d->C + m;
            if (!isfinite(d->x[i])) continue;
            if (d->x[i] < xmin) xmin = d->x[i];
            if (d->x[i] > xmax) xmax = d->x[i];
            if (d->y[i] < ymin) ymin = d->y[i];
            if (d->y[i] > ymax) ymax = d->y[i];
        }
        if (nt > 1 && xmax == xmin && ymax - ymin > 1e-3) {
            d->mask[m] = 1;
            nz++;
        }
    }
    if (nz > width / 4) {
        char t[128];
        snprintf(t, sizeof t, "the port holds %zu of the %zu values of a frame constant where the plan's vary", nz, width);
        add_note(j->out, t);
        memset(d->mask, 0, width);
    } else if (nz) {
        j->s0 = eval(d, &j->cur);
    }
}

/* the residual before: the claimed plan against every cell the port gives (where its frames
   are not the port's, the port's extra ones held against 0) */
static void residual_before(job *j)
{
    j->d.nomask = 1;
    score sb = eval(&j->d, &j->preset_state);
    if (!sb.ok) {
        j->preset_state.plan.n_frames =
            frames_for_rows(&j->preset_state.plan, j->n + j->preset_state.pad, j->al.Tp);
        sb = eval(&j->d, &j->preset_state);
    }
    j->d.nomask = 0;
    j->out->residual_before = sb.max;
}

/* ---- the input's amplitude scale */
/* The factors on the claimed plan's scale tried: int16 units where the plan reads [-1, 1]
   (or the reverse), numpy's power over n_fft, powers of two, and a free factor from the
   median shift of the log values (ln power: 2 ln s) of the features eval last computed. */
static int scale_candidates(const job *j, double *cands)
{
    const dg *d = &j->d;
    const wmel_frontend_plan *cp = &j->cur.plan;
    int nc = 0;
    cands[nc++] = 32768.0;
    cands[nc++] = 1 / 32768.0;
    cands[nc++] = 1 / sqrt((double)cp->n_fft); /* numpy's powspec: |X|^2 / n_fft */
    if (j->base.scale > 0 && j->base.scale != 1) /* the same on samples in [-1, 1] (spafe's) */
        cands[nc++] = 1 / (j->base.scale * sqrt((double)cp->n_fft));
    for (int k = -16; k <= 16; k++)
        if (k) cands[nc++] = ldexp(1.0, k);
    /* the free factor: the median of port - plan over the cells, as ln power */
    size_t cnt = d->R * d->C, m = 0;
    float *df = malloc(cnt * sizeof *df);
    if (!df) return nc;
    for (size_t i = 0; i < cnt; i++)
        if (isfinite(d->x[i]) && isfinite(d->y[i])) df[m++] = d->x[i] - d->y[i];
    if (m) {
        const double med = kth_float(df, m, m / 2);
        int lg = cp->log;
        double unit = LOG10_KIND(lg) ? log(10.0) : 1.0;
        double per = (cp->power == 1 ? 1.0 : 2.0) / unit; /* log units per ln of the scale */
        if (cp->norm == WMEL_NORM_NONE && lg != WMEL_LOG_NONE && !cp->affine) {
            double f = exp(med / per);
            if (isfinite(f) && f > 0 && fabs(log(f)) > 1e-3) cands[nc++] = f;
        }
    }
    free(df);
    return nc;
}

/* The input's amplitude: a factor taken where alone it explains the port, int16 units (or
   their reverse, the usual mistake) where they do better than a linear map of the values,
   the power over n_fft where the scale moves the log values alone */
static void fit_scale(job *j)
{
    if (j->pt.port_const || !(j->s0.rms > 0)) return;
    dg *d = &j->d;
    j->s0 = eval(d, &j->cur);
    const score s0 = j->s0;
    double ua, ub, lin = fit_units(d->y, d->x, d->R * d->C, &ua, &ub); /* what a linear map of the values leaves */
    double best_s = 0;
    score bsc = s0;
    double cands[41];
    int nc = scale_candidates(j, cands);
    score s16 = s0; /* int16 units or their reverse: held to the linear map only */
    double best16 = 0;
    score snf = s0; /* the power over n_fft: held to half the linear map's residual (an offset of the log
                       values a linear map also takes out) */
    int take_nf = 0;
    for (int k = 0; k < nc; k++) {
        state sc_ = j->cur;
        sc_.plan.scale = j->base.scale * cands[k];
        if (plan_check(&sc_.plan)) continue;
        score sc = eval(d, &sc_);
        if (sc.ok && sc.rms < 0.999 * bsc.rms) {
            bsc = sc;
            best_s = cands[k];
        }
        if (k < 2 && sc.ok && sc.rms < s16.rms) {
            s16 = sc;
            best16 = cands[k];
        }
        if (k == 2 && sc.ok) snf = sc;
    }
    int take = best_s > 0 && bsc.rms < 1e-3 * s0.rms; /* alone it explains the port */
    if (!take && best16 > 0 && s16.rms < 0.3 * s0.rms && !(lin <= s16.rms)) {
        best_s = best16;
        take = 1;
    }
    /* (only where the scale moves the log values alone: no normalisation or affine after them) */
    const wmel_frontend_plan *cp = &j->cur.plan;
    int offset_only = cp->norm == WMEL_NORM_NONE && cp->log != WMEL_LOG_NONE && !cp->affine;
    if (!take && offset_only && snf.rms < 0.6 * s0.rms && !(lin < snf.rms)) {
        best_s = cands[2];
        take = take_nf = 1;
    }
    if (take) {
        j->cur.plan.scale = j->base.scale * best_s;
        j->scale_changed = 1;
        if (take_nf) {
            char t[120];
            snprintf(t, sizeof t, "the power spectrum divided by n_fft (numpy's |X|^2 / %d: scale x %.6g)",
                     j->cur.plan.n_fft, best_s);
            add_note(j->out, t);
        }
    }
    j->s0 = eval(d, &j->cur); /* the features the units' fit reads */
}

/* The normalisation against the claimed one (none, mean and variance, the mean only,
   NeMo's per-feature): tried before the input's scale, which a subtracted mean leaves free
   (a port's x - mean of Kaldi's fbank: any scale then fits the guard alone), and before the
   units, whose one linear map would pass for part of it; the best taken where it leaves
   under 30 % of the RMS and a linear map of the values does no better. Not for Whisper's
   max - 8 (norm whole, its own fields). */
static void fit_normalize(job *j)
{
    const wmel_frontend_plan *cp = &j->cur.plan;
    if (j->pt.port_const || !(j->s0.rms > 0) || cp->norm == WMEL_NORM_WHOLE || cp->stack > 1 || cp->delta_win)
        return;
    dg *d = &j->d;
    int fk = -1;
    for (int f = 0; f < N_FAMS; f++)
        if (FAMS[f].type == F_NORMKIND) fk = f;
    j->s0 = eval(d, &j->cur);
    double ua, ub, lin = fit_units(d->y, d->x, d->R * d->C, &ua, &ub);
    const double now = fam_get(cp, &FAMS[fk]);
    state best = j->cur;
    score bsc = j->s0;
    for (int k = 0; k < 4; k++) {
        if (k == now) continue;
        state s = j->cur;
        fam_set(&s.plan, &FAMS[fk], k);
        if (plan_check(&s.plan)) continue;
        score sc = eval(d, &s);
        if (sc.ok && sc.rms < bsc.rms) {
            bsc = sc;
            best = s;
        }
    }
    if (bsc.rms < 0.3 * j->s0.rms && !(lin <= bsc.rms)) {
        j->cur = best;
        j->normkind_changed = 1;
    }
    j->s0 = eval(d, &j->cur);
}

/* a per-feature normalisation with or without its division by each index's spread (x - mean
   only: Speech2Text's normalize_vars false): tried before the units, whose one linear map
   would otherwise pass for a division by the indices' own spreads */
static void fit_meanonly(job *j)
{
    const wmel_frontend_plan *cp = &j->cur.plan;
    if (j->pt.port_const || !(j->s0.rms > 0) || !(cp->norm == WMEL_NORM_PER_FEATURE || cp->norm == WMEL_NORM_MEAN_VAR) ||
        j->normkind_changed) /* (fit_normalize tried the mean only) */
        return;
    dg *d = &j->d;
    j->s0 = eval(d, &j->cur);
    double ua, ub, lin = fit_units(d->y, d->x, d->R * d->C, &ua, &ub);
    state s = j->cur;
    s.plan.norm_flags ^= WMEL_NORMF_MEAN_ONLY;
    score sc = plan_check(&s.plan) ? j->s0 : eval(d, &s);
    if (sc.ok && sc.rms < 0.3 * j->s0.rms && !(lin <= sc.rms)) {
        j->cur = s;
        j->meanonly_changed = 1;
    }
    j->s0 = eval(d, &j->cur);
}

/* ---- units: a linear map of the log values */
/* a map that is no unit's and leaves more than 1 % of the residual, where the input's scale
   moves the values by one constant: the scale mixed with differences per mel row (a bank's
   norm, its mel scale) that the map's slope takes up; the scale is fitted to each candidate
   of the search instead (scipy.signal.stft's 1 / sum(window)) when that alone takes 30 % of
   the residual away. 1 when taken. */
static int take_fit_gain(job *j)
{
    dg *d = &j->d;
    int taken = 0;
    state g = j->cur;
    d->fit_gain = 1;
    score sg = evalw(d, &g);
    if (sg.ok && sg.rms < 0.7 * j->s0.rms) {
        taken = 1;
        j->cur = g;
        add_note(j->out, "the input's scale fitted to each candidate plan (the log values moved by one constant)");
    } else {
        d->fit_gain = 0;
    }
    j->s0 = eval(d, &j->cur);
    return taken;
}

/* a map u (4 plan - 4) of Whisper's finish (max - 8, (x + 4) / 4 of log10 values) named:
   the log's units u before that finish's affine; NULL for another map or plan */
static const char *finish_name(const wmel_frontend_plan *p, double a, double b)
{
    static const struct { double u; const char *s; } F[] = {
        {1, "log10 without Whisper's (x + 4) / 4"}, {2.302585092994046, "ln before Whisper's (x + 4) / 4"},
        {10, "dB (10 log10, top_db 80) before Whisper's (x + 4) / 4"},
        {20, "dB (20 log10, top_db 160) before Whisper's (x + 4) / 4"}};
    if (p->norm != WMEL_NORM_WHOLE || p->log != WMEL_LOG10_CLAMP || b != -a) return NULL;
    for (size_t i = 0; i < sizeof F / sizeof F[0]; i++)
        if (a == 4 * F[i].u) return F[i].s;
    return NULL;
}

/* the map port = a plan + b named (a scale of int16 units where the log is ln, else the
   units) and taken out of the port's values */
static void take_units(job *j, double a, double b)
{
    dg *d = &j->d;
    const wmel_frontend_plan *base = &j->base;
    const char *nm = units_name(a);
    double sc32 = 2 * log(32768.0);
    wmel_dg_diff *df;
    j->units_a = a;
    j->units_b = b;
    if (fabs(a - 1) < 1e-3 && fabs(fabs(b) - sc32) < 0.05 && base->log != WMEL_LOG10_CLAMP) {
        j->units_scale = b < 0 ? base->scale / 32768.0 : base->scale * 32768.0;
        df = add_diff(j->out, "scale");
        df->numeric = 1;
        snprintf(df->preset, sizeof df->preset, "%.17g", base->scale);
        snprintf(df->found, sizeof df->found, "%.17g", b < 0 ? base->scale / 32768.0 : base->scale * 32768.0);
    } else {
        df = add_diff(j->out, "units");
        snprintf(df->preset, sizeof df->preset, "%s",
                 base->log == WMEL_LOG10_CLAMP ? "log10" : base->log == WMEL_LOG_NONE ? "linear" : "ln");
        const char *fin = finish_name(base, a, b);
        if (fin) snprintf(df->found, sizeof df->found, "%s: x %.6g %+.6g", fin, a, b);
        else if (nm && fabs(b) < 1e-3) snprintf(df->found, sizeof df->found, "%s", nm);
        else snprintf(df->found, sizeof df->found, "x %.6g %+.6g%s%s", a, b, nm ? ": " : "", nm ? nm : "");
    }
    const size_t cnt = d->R * d->C;
    for (size_t i = 0; i < cnt; i++) d->x[i] = (float)((d->x[i] - b) / a);
    j->s0 = eval(d, &j->cur);
}

/* The units: the map given (wmel_dg_opts' units_a, units_b: known before the search) on a plan
   without an affine, else a linear map of the plan's values that leaves under 30 % of the
   residual (ln for log10, dB, a scale), or the input's scale fitted to every candidate instead */
static void fit_units_stage(job *j)
{
    const dg *d = &j->d;
    if (j->given_a != 0 && isfinite(j->given_a) && isfinite(j->given_b) && !j->cur.plan.affine &&
        !j->pt.port_const) {
        take_units(j, j->given_a, j->given_b);
        return;
    }
    double a, b, rms_fit = fit_units(d->y, d->x, d->R * d->C, &a, &b);
    int take = !j->pt.port_const && isfinite(rms_fit) && rms_fit < 0.3 * j->s0.rms && fabs(a) >= 1e-3 &&
               fabs(a) <= 1e3 && (fabs(a - 1) > 1e-3 || fabs(b) > 1e-3);
    const int c0 = gain_c0(&j->cur.plan);
    if (take && !units_name(a) && rms_fit >= 0.01 * j->s0.rms && (gain_shifts(&j->cur.plan) || c0) && take_fit_gain(j))
        take = 0;
    /* cepstra in no named unit: the DCT mixes the log values, so a map of them all stands for
       no convention (the scale moves c0 alone; the fields are searched instead) */
    if (take && j->cur.plan.n_ceps > 0 && !units_name(a)) take = 0;
    if (take) take_units(j, a, b);
}

/* ---- the tolerance */
/* float32's noise model (noise_scale) as each cell's scale (d.scalec), where it applies: the
   log values before a per-feature normalisation computed for it */
static void noise_model(job *j)
{
    dg *d = &j->d;
    d->scalec = malloc(d->R * d->C * sizeof *d->scalec);
    float *L = NULL;
    size_t Lw = 0, n2 = j->n + j->cur.pad;
    if (d->scalec && (j->cur.plan.norm == WMEL_NORM_PER_FEATURE || j->cur.plan.norm == WMEL_NORM_MEAN_VAR)) {
        state sn = j->cur; /* the log values before the normalisation */
        sn.plan.norm = WMEL_NORM_NONE;
        sn.plan.norm_flags = 0;
        sn.plan.norm_eps = 0;
        if (eval(d, &sn).ok && (L = malloc(d->R * d->C * sizeof *L)) != NULL) memcpy(L, d->y, d->R * d->C * sizeof *L);
    } else if (d->scalec && j->cur.plan.n_ceps > 0 && !clip_at(d, &j->cur, n2)) { /* the log mels of cepstra */
        wmel_params p1 = wmel_default_params();
        p1.n_threads = 1;
        p1.backend = d->backend;
        wmel_frontend_plan q = j->cur.plan;
        gain_plan(&q);
        L = pre_logs(&q, &p1, d->a, n2, d->R, d->C, j->al.fcols, &Lw);
    }
    int model = d->scalec && noise_scale(&j->cur.plan, d->x, L, Lw, d->R, d->C, j->al.fcols, n2, j->tol_rel, d->scalec);
    free(L);
    if (model) j->s0 = eval(d, &j->cur);
    else {
        free(d->scalec);
        d->scalec = NULL;
    }
}

/* The tolerance: float32 rounding of values of this size, or the port's dtype's.
   float32 rounding (the packs' rule): |port - plan| <= tol_rel max(1, |value|) in every
   cell, tol_rel 1e-4 (3.4 times openai-whisper's and NeMo's float32 error against the
   float64 oracle). A log of mel energies with no normalisation over them and a guard far
   below them (Kaldi's: ln of energies in int16 units, guard FLT_EPSILON) also holds mel
   energies far below their frame's largest, whose float32 transform is noise: a
   transform's rounding is about eps32 of the frame's amplitude, so the log of a cell g
   (ln) below the frame's largest moves by up to about c eps32 exp(g / 2).
   kaldi-native-fbank 1.23 against the float64 oracle: c = 0.30 to 0.37 on the goldens
   (jfk.flac 2.2e-3 at g = 21.5, exact_30s.wav 3.0e-3 at g = 22.2, speech_long.wav
   1.1e-2 at g = 25.2, where the RMS stays at 2.3e-5 to 4.0e-5); the bound takes c = 2
   (a margin of 5) in those cells. The RMS: 1e-5 of the values' RMS. */
static void set_tolerance(job *j)
{
    const dg *d = &j->d;
    double amax = 0, ss = 0;
    for (size_t i = 0; i < d->R * d->C; i++)
        if (isfinite(d->x[i])) {
            if (fabs(d->x[i]) > amax) amax = fabs(d->x[i]);
            ss += (double)d->x[i] * d->x[i];
        }
    double xrms = sqrt(ss / (double)(d->R * d->C));
    j->big = amax > 1 ? amax : 1;
    j->tol_rel = 1e-4;
    j->tol_rms = 1e-5 * (xrms > 1 ? xrms : 1);
    if (!j->dtype) noise_model(j); /* per cell, what a float32 implementation leaves */
    wmel_dg_result *out = j->out;
    snprintf(out->floor, sizeof out->floor, "float32 rounding");
    if (j->dtype) {
        double eps = j->dtype == 1 ? ldexp(1, -11) : ldexp(1, -8);
        j->tol_rel = 128 * eps * j->big; /* the logs of tiny values in float16 move most */
        j->tol_rms = 2 * eps * (xrms > 1 ? xrms : 1);
        snprintf(out->floor, sizeof out->floor, "%s rounding", j->dtype == 1 ? "float16" : "bfloat16");
        wmel_dg_diff *df = add_diff(out, "dtype");
        snprintf(df->preset, sizeof df->preset, "float32");
        snprintf(df->found, sizeof df->found, "%s", j->dtype == 1 ? "float16" : "bfloat16");
    }
    j->tol_max = j->tol_rel * j->big; /* the same bound on the largest values, for absolute maxima */
    out->tol = j->tol_rel;
}

/* within the floor: every cell within its bound, and the RMS: under the noise model a
   quarter of the bound's (a float32 implementation's errors lie mostly well inside it; a
   convention's difference moves many cells together), else 1e-5 of the values' RMS */
static int within(const job *j, score sc)
{
    return sc.rel <= j->tol_rel &&
           (j->d.scalec ? sc.nrms <= NOISE_NRMS * j->tol_rel / 1e-4 : sc.rms <= j->tol_rms);
}

/* ---- a frame offset */
/* from the coarse scan's best (best_k, its score best): halving steps, then single samples
   until neither side is better, at most a grid step each way: past that the coarse scan's
   neighbour was nearer (a slope that never turns, as on a long periodic clip, would otherwise
   walk a sample a candidate without end) */
static long narrow_offset(job *j, long step, long best_k, score *best)
{
    for (long sstep = step / 2; sstep >= 1; sstep /= 2) {
        for (int dir = -1; dir <= 1; dir += 2) {
            state s = j->cur;
            s.offset = best_k + dir * sstep;
            score sc = eval(&j->d, &s);
            if (sc.rms < best->rms) {
                *best = sc;
                best_k = s.offset;
                break;
            }
        }
    }
    for (long moved = 1, walk = 0; moved && walk < step + 1; walk++) {
        moved = 0;
        for (int dir = -1; dir <= 1; dir += 2) {
            state s = j->cur;
            s.offset = best_k + dir;
            score sc = eval(&j->d, &s);
            if (sc.rms < best->rms) {
                *best = sc;
                best_k = s.offset;
                moved = 1;
            }
        }
    }
    return best_k;
}

/* A frame offset of any number of samples: a scan over one hop each way, then halving steps,
   taken where it halves the RMS (none for features of one value: no offset or field of the
   plan's makes its varying values constant) */
static void walk_offset(job *j)
{
    if (j->pt.port_const || within(j, j->s0)) return;
    long hop = j->base.hop, step = hop / 8 > 0 ? hop / 8 : 1, best_k = 0;
    score best = j->s0;
    for (long k = -hop; k <= hop; k += step) {
        if (k == 0) continue;
        state s = j->cur;
        s.offset = k;
        score sc = eval(&j->d, &s);
        if (sc.rms < best.rms) {
            best = sc;
            best_k = k;
        }
    }
    if (best_k) best_k = narrow_offset(j, step, best_k, &best);
    if (best_k && best.rms < 0.5 * j->s0.rms) {
        j->cur.offset = best_k;
        j->s0 = evalw(&j->d, &j->cur);
    }
}

/* ---- the beam search over the fields */
/* the fields the stages before the search changed */
static void mark_shape_changes(job *j)
{
    memset(j->changed, 0, sizeof j->changed);
    for (int f = 0; f < N_FAMS; f++) {
        const fam *fm = &FAMS[f];
        if (j->valid_changed && fm->off == offsetof(wmel_frontend_plan, valid) && fm->type == F_INT) j->changed[f] = 1;
        if (j->scale_changed && fm->off == offsetof(wmel_frontend_plan, scale) && fm->type == F_DOUBLE) j->changed[f] = 1;
        if (j->framing_changed && fm->off == offsetof(wmel_frontend_plan, framing)) j->changed[f] = 1;
        if (j->al.nmels_changed && fm->off == offsetof(wmel_frontend_plan, n_mels)) j->changed[f] = 1;
        if (j->hop_changed && fm->off == offsetof(wmel_frontend_plan, hop)) j->changed[f] = 1;
        if (j->meanonly_changed && fm->type == F_MEANONLY) j->changed[f] = 1;
        if (j->normkind_changed && fm->type == F_NORMKIND) j->changed[f] = 1;
    }
}

/* the next beam's candidates (next, nn: the beam's then the children, each plan once) in
   order; the refinements of a value between the grid's for each child that enters the beam.
   The children that entered. */
static int refine_entrants(dg *d, pool *pl, cand *next, int nn)
{
    qsort(next, (size_t)nn, sizeof *next, cmp_cand);
    int entered = 0;
    for (int i = 0; i < nn && i < BEAM_K; i++) {
        cand *c = &next[i];
        if (c->expanded) continue;
        entered++;
        if (c->field >= 0 && FAMS[c->field].off == offsetof(wmel_frontend_plan, preemph) &&
            FAMS[c->field].type == F_DOUBLE)
            c->sc = refine_preemph(d, &c->s, c->sc);
        if (c->field >= 0 && FAMS[c->field].type == F_DITHER && c->s.plan.dither > 0)
            c->sc = refine_dither(d, &c->s, c->sc);
        if (c->field >= 0 && FAMS[c->field].type == F_DOUBLE &&
            (FAMS[c->field].off == offsetof(wmel_frontend_plan, low_freq) ||
             FAMS[c->field].off == offsetof(wmel_frontend_plan, high_freq)))
            c->sc = refine_band(d, &c->s, c->sc, FAMS[c->field].off);
        if (c->field >= 0 && FAMS[c->field].type == F_DOUBLE &&
            FAMS[c->field].off == offsetof(wmel_frontend_plan, log_guard))
            c->sc = refine_guard(d, &c->s, c->sc);
        if (c->s.offset) c->sc = refine_offset(d, &c->s, c->sc);
        if (seen(pl, &c->s) < 0) note(pl, &c->s, c->sc);
    }
    return entered;
}

/* One step of the beam (beam, *nb plans): the children of each plan new to it, those that
   lower their parent's RMS by BEAM_GAIN's 3 % competing with the beam's for its BEAM_K
   places. 1 while a child entered and time is left. */
static int beam_step(job *j, pool *pl, cand *beam, int *nb)
{
    dg *d = &j->d;
    pl->n = 0;
    size_t from[BEAM_K + 1]; /* the children of beam[i]: pool entries from[i] to from[i + 1] */
    for (int i = 0; i < *nb; i++) {
        from[i] = pl->n;
        if (!beam[i].expanded) expand(d, pl, &beam[i], d->n + beam[i].s.pad);
        beam[i].expanded = 1;
    }
    from[*nb] = pl->n;
    size_t kept = 0;
    for (int i = 0; i < *nb; i++)
        for (size_t k = from[i]; k < from[i + 1]; k++)
            if (pl->c[k].sc.rms < BEAM_GAIN * beam[i].sc.rms) pl->c[kept++] = pl->c[k];
    pl->n = kept;
    if (pl->work_out && !j->out->work_bound) {
        char t[200];
        snprintf(t, sizeof t, "the search stopped at its work bound of %zu candidates (--max-candidates, "
                 "max_candidates= extends it)", pl->max_evals);
        j->out->work_bound = 1;
        add_note(j->out, t);
    }
    if (pl->timed_out && !j->out->time_bound) {
        j->out->time_bound = 1;
        add_note(j->out, "the search stopped at its safety cap of wall-clock time, before its work bound: this "
                 "answer may differ on another machine or under another load");
    }
    if (!kept) return 0;
    qsort(pl->c, pl->n, sizeof *pl->c, cmp_cand);
    cand next[2 * BEAM_K];
    int nn = 0;
    for (int i = 0; i < *nb; i++) next[nn++] = beam[i];
    for (size_t k = 0; k < pl->n && nn < *nb + BEAM_K; k++) { /* each plan once */
        int dup = 0;
        for (int i = 0; i < nn && !dup; i++) dup = same_state(&next[i].s, &pl->c[k].s);
        if (!dup) next[nn++] = pl->c[k];
    }
    int entered = refine_entrants(d, pl, next, nn);
    *nb = nn < BEAM_K ? nn : BEAM_K;
    qsort(next, (size_t)*nb, sizeof *next, cmp_cand);
    memcpy(beam, next, (size_t)*nb * sizeof *beam);
    return entered && !pl->timed_out && !pl->work_out;
}

/* The search over the plan's fields from cur: the beam's best taken where it lowers the RMS,
   the fields it changed marked */
static void search_fields(job *j)
{
    if (j->pt.port_const || within(j, j->s0)) return;
    pool pl;
    memset(&pl, 0, sizeof pl);
    pl.max_evals = j->max_evals;
    pl.deadline = j->wall_start + j->max_seconds;
    cand beam[BEAM_K];
    int nb = 1;
    beam[0].s = j->cur;
    beam[0].sc = j->s0;
    beam[0].field = -1;
    beam[0].expanded = 0;
    note(&pl, &j->cur, j->s0);
    for (int step = 0; step < BEAM_STEPS && !within(j, beam[0].sc); step++)
        if (!beam_step(j, &pl, beam, &nb)) break;
    if (beam[0].sc.rms < j->s0.rms) {
        state prev = j->cur;
        j->cur = beam[0].s;
        j->s0 = beam[0].sc;
        for (int f = 0; f < N_FAMS; f++)
            if (fam_get(&j->cur.plan, &FAMS[f]) != fam_get(&prev.plan, &FAMS[f])) j->changed[f] = 1;
    }
    free(pl.c);
    free(pl.keys);
    free(pl.scores);
}

/* ---- after the search */
/* A frame count fixed before the search (n_frames, with the padding frames' value) dropped
   where the framing and valid frames found give the port's count by themselves: a rule of the
   clip's length, not a number of this clip's. The framing found first, then the others, each
   with the valid frames found, every frame, or the trimmed; the nearest of those no further
   from the port than the fixed count taken (within the bound both: the rule). */
static void count_by_rule(job *j)
{
    if (!j->cur.plan.n_frames || j->base.n_frames || j->cur.plan.stack > 1) return;
    static const int valids[] = {-1, WMEL_VALID_ALL, WMEL_VALID_TRIM};
    state best = j->cur;
    score bs = NO_SCORE;
    for (int fi = -1; fi <= WMEL_FRAMES_KALDI_CENTER; fi++) {
        if (fi == j->cur.plan.framing || (fi >= 0 && (j->cur.plan.pad_left || j->cur.plan.pad_right))) continue;
        for (int v = 0; v < 3; v++) {
            state s = j->cur;
            s.plan.n_frames = 0;
            s.plan.pad_value = j->base.pad_value;
            if (fi >= 0) s.plan.framing = fi;
            if (valids[v] >= 0) {
                if (valids[v] == j->cur.plan.valid) continue;
                s.plan.valid = valids[v];
            }
            if (plan_check(&s.plan) || frames_of(&s.plan, j->n + s.pad) != j->al.Tp) continue;
            score sc = eval(&j->d, &s);
            if (sc.ok && sc.rms < bs.rms) {
                bs = sc;
                best = s;
            }
        }
    }
    if (!bs.ok || !(bs.rms <= 1.001 * j->s0.rms || (within(j, j->s0) && within(j, bs)))) return;
    best.plan.scale = bs.fscale;
    j->cur = best;
    j->s0 = bs;
    wmel_dg_result *r = j->out;
    for (int i = 0; i < r->n_diff; i++)
        if (!strcmp(r->diff[i].field, "n_frames")) {
            memmove(&r->diff[i], &r->diff[i + 1], (size_t)(r->n_diff - i - 1) * sizeof r->diff[0]);
            r->n_diff--;
            break;
        }
    for (int f = 0; f < N_FAMS; f++)
        if (FAMS[f].type == F_INT && (FAMS[f].off == offsetof(wmel_frontend_plan, framing) ||
                                      FAMS[f].off == offsetof(wmel_frontend_plan, valid)))
            j->changed[f] = fam_get(&best.plan, &FAMS[f]) != fam_get(&j->base, &FAMS[f]);
    add_note(r, "the frame count is the framing's own rule (no fixed n_frames)");
}

/* A bank found in Kaldi's mel space tried as TensorFlow's (tf.signal's linear_to_mel_weight_matrix,
   Keras' MelSpectrogram: the same scale, the Nyquist bin included, bin 0 left out): named tf
   where it lowers the RMS residual by 3 %, or, for a port whose claimed plan has no mel-space
   bank (the ports with one outside Kaldi's family are TensorFlow's and Keras'), where it
   leaves no more than Kaldi's: the two banks compute the same unless a filter reaches the
   Nyquist bin, so a note says so. The beam itself does not walk tf. */
static void name_tf_bank(job *j)
{
    if (j->pt.port_const || j->cur.plan.mel_scale != WMEL_MEL_KALDI || j->cur.plan.bank_flags) return;
    state s = j->cur;
    s.plan.mel_scale = WMEL_MEL_TF;
    if (plan_check(&s.plan)) return;
    score sc = eval(&j->d, &s);
    const int better = sc.ok && sc.rms < BEAM_GAIN * j->s0.rms;
    if (!better && !(sc.ok && j->base.mel_scale != WMEL_MEL_KALDI && sc.rms <= j->s0.rms)) return;
    if (!better)
        add_note(j->out, "mel_scale tf: TensorFlow's bank (tf.signal, Keras), named for a port outside Kaldi's "
                 "family; Kaldi's computes the same on this plan");
    s.plan.scale = sc.fscale;
    j->cur = s;
    j->s0 = sc;
    for (int f = 0; f < N_FAMS; f++)
        if (FAMS[f].off == offsetof(wmel_frontend_plan, mel_scale) && FAMS[f].type == F_INT)
            j->changed[f] = j->base.mel_scale != WMEL_MEL_TF;
}

/* the fitted scale as the shortest number as good: 1 / N (scipy's 1 / sum(window)), 1 / sqrt(N)
   (a power divided by N: spafe's 1 / n_fft), or 1 to 6 significant digits */
static void snap_gain(job *j)
{
    dg *d = &j->d;
    if (!d->fit_gain) return;
    d->fit_gain = 0;
    j->s0 = eval(d, &j->cur);
    const double v = j->cur.plan.scale;
    double cands[9];
    int nc = 0;
    if (v != 0 && fabs(1 / v) < 1e9) cands[nc++] = 1 / nearbyint(1 / v);
    if (v > 0 && 1 / v < 3e4) cands[nc++] = 1 / sqrt(nearbyint(1 / (v * v)));
    for (int dig = 1; dig <= 6; dig++) {
        char t[40];
        snprintf(t, sizeof t, "%.*g", dig, v);
        cands[nc++] = strtod(t, NULL);
    }
    for (int k = 0; k < nc; k++) {
        state s = j->cur;
        s.plan.scale = cands[k];
        if (!isfinite(cands[k]) || cands[k] == 0 || plan_check(&s.plan)) continue;
        score sc = eval(d, &s);
        if (sc.ok && (within(j, sc) || sc.rms <= 1.01 * j->s0.rms)) {
            j->cur = s;
            j->s0 = sc;
            break;
        }
    }
    j->s0 = eval(d, &j->cur);
    for (int f = 0; f < N_FAMS; f++)
        if (FAMS[f].type == F_DOUBLE && FAMS[f].off == offsetof(wmel_frontend_plan, scale))
            j->changed[f] = j->cur.plan.scale != j->base.scale;
}

/* rows left out that the plan found computes as one value too (a filter of zero weights, or
   energies of 0 where the port's are): their value is the log's guard, so a guard that makes
   them the port's is tried over every cell (python_speech_features' numpy eps where the
   search held them out) */
static void fit_masked_guard(job *j)
{
    dg *d = &j->d;
    if (j->pt.port_const || !memchr(d->mask, 1, j->al.width)) return;
    int fg = -1;
    for (int f = 0; f < N_FAMS; f++)
        if (FAMS[f].type == F_DOUBLE && FAMS[f].off == offsetof(wmel_frontend_plan, log_guard)) fg = f;
    d->nomask = 1;
    score all = eval(d, &j->cur), best = all;
    double bv = 0;
    for (int a = 0; fg >= 0 && a < FAMS[fg].n_alt; a++) {
        state s = j->cur;
        if (FAMS[fg].alt[a] == j->cur.plan.log_guard) continue;
        fam_set(&s.plan, &FAMS[fg], FAMS[fg].alt[a]);
        if (plan_check(&s.plan)) continue;
        score sc = eval(d, &s);
        if (sc.ok && sc.rms < best.rms) {
            best = sc;
            bv = FAMS[fg].alt[a];
        }
    }
    d->nomask = 0;
    if (bv > 0 && best.rms < 0.85 * all.rms) {
        fam_set(&j->cur.plan, &FAMS[fg], bv);
        j->changed[fg] = 1;
    }
}

/* rows left out that the plan found now computes as the port does (each row's own residual
   within the tolerance) unmasked; the others are the bank's mel rows the port holds constant
   (every column of a mel row: its stacked slots and its deltas), named "bank" */
static void name_bank_rows(job *j)
{
    dg *d = &j->d;
    eval(d, &j->cur);
    size_t nz = 0;
    int rows[WMEL_DG_MAX_ROWS];
    for (size_t m = 0; m < j->al.width; m++) {
        if (!d->mask[m]) continue;
        if (idx_max(d, &j->cur, m) <= j->tol_rel) {
            d->mask[m] = 0;
            continue;
        }
        int mr = col_mel(&j->cur.plan, m);
        int seen = 0;
        for (size_t k = 0; k < nz && k < WMEL_DG_MAX_ROWS; k++) seen |= rows[k] == mr;
        if (!seen) {
            if (nz < WMEL_DG_MAX_ROWS) rows[nz] = mr;
            nz++;
        }
    }
    j->bank_rows = nz;
    if (nz) {
        char txt[128] = "";
        for (size_t k = 0; k < nz && k < 8; k++) {
            size_t l = strlen(txt);
            if (rows[k] < 0) snprintf(txt + l, sizeof txt - l, "%senergy", k ? ", " : "");
            else snprintf(txt + l, sizeof txt - l, "%s%d", k ? ", " : "", rows[k]);
        }
        wmel_dg_diff *df = add_diff(j->out, "bank");
        snprintf(df->preset, sizeof df->preset, "%d filters", j->cur.plan.n_mels);
        snprintf(df->found, sizeof df->found, "mel %s %.60s%s constant (a filter of zero weights)",
                 nz > 1 ? "rows" : "row", txt, nz > 8 ? ", ..." : "");
        d->nomask = 1; /* without it: those rows held against the plan's */
        df->without = eval(d, &j->cur).max;
        d->nomask = 0;
    }
    j->s0 = eval(d, &j->cur);
}

/* a dither the plan does not have (or the reverse): the tolerance held to the spread of two
   dither seeds, since no two generators' noise agrees but in distribution */
static void dither_floor(job *j)
{
    const state *cur = &j->cur;
    if (cur->plan.dither == j->base.dither) return;
    state sa = *cur, sb = *cur;
    if (!(sa.plan.dither > 0)) sa.plan.dither = sb.plan.dither = j->base.dither;
    sb.plan.dither_seed = sa.plan.dither_seed + 1;
    score sp = spread(&j->d, &sa, WMEL_BACKEND_CPU, &sb, WMEL_BACKEND_CPU);
    if (!sp.ok) return;
    if (1.5 * sp.rel > j->tol_rel) j->tol_rel = 1.5 * sp.rel;
    if (1.5 * sp.rms > j->tol_rms) j->tol_rms = 1.5 * sp.rms;
    j->tol_max = j->tol_rel * j->big;
    j->out->tol = j->tol_rel;
    snprintf(j->out->floor, sizeof j->out->floor, "dither noise");
    if (cur->plan.dither > 0)
        snprintf(j->dither_note, sizeof j->dither_note, "dither ~%.2g (int16 units; %.2g of the plan's samples): a noise "
                 "floor, held to the spread of two dither seeds",
                 cur->plan.dither * 32768.0 / (cur->plan.scale > 0 ? cur->plan.scale : 1), cur->plan.dither);
}

/* A port that differs only in conventions of the output's shape (the layout, a leading batch
   axis of 1): said so first in the notes, the plan stating them. */
static void layout_only(wmel_dg_result *out)
{
    char t[160] = "differs only in layout:";
    int k = 0;
    for (int i = 0; i < out->n_diff; i++) {
        const wmel_dg_diff *df = &out->diff[i];
        const int lay = !strcmp(df->field, "layout"), bat = !strcmp(df->field, "batch_axis");
        if (!lay && !bat) return;
        size_t l = strlen(t);
        snprintf(t + l, sizeof t - l, "%s %s", k++ ? "," : "",
                 lay ? (!strcmp(df->found, "frames_mels") ? "frames_mels (time-major: a row per frame)"
                                                          : "mels_frames (a row per mel bin)")
                     : "a leading batch axis of 1");
    }
    if (!k) return;
    size_t l = strlen(t), nl = strlen(out->notes);
    if (l + 2 + nl >= sizeof out->notes) return;
    if (nl) {
        memmove(out->notes + l + 2, out->notes, nl + 1);
        memcpy(out->notes, t, l);
        memcpy(out->notes + l, "; ", 2);
    } else {
        memcpy(out->notes, t, l + 1);
    }
}

/* A port the plan found does not reproduce: the differences listed are those verified, each
   of which, taken out alone, leaves at least twice the residual (or the bound); a search
   field that does less, and a dither (noise is verified only on a port it explains), is the
   nearest candidate's guess: dropped from the list, named in a note. A port explained: the
   dither's floor noted. */
static void keep_verified(job *j)
{
    wmel_dg_result *out = j->out;
    if (out->explained) {
        if (j->dither_note[0]) add_note(out, j->dither_note);
        layout_only(out);
        return;
    }
    const double bar = 2 * (j->s0.max > j->tol_max ? j->s0.max : j->tol_max);
    char guessed[160] = "";
    int k = 0;
    for (int i = 0; i < out->n_diff; i++) {
        const wmel_dg_diff *df = &out->diff[i];
        int fi = -1;
        for (int f = 0; f < N_FAMS && fi < 0; f++)
            if (j->changed[f] && !strcmp(FAMS[f].name, df->field)) fi = f;
        if (fi >= 0 && (FAMS[fi].type == F_DITHER || !(df->without >= bar))) {
            size_t l = strlen(guessed);
            snprintf(guessed + l, sizeof guessed - l, "%s%s %s", l ? ", " : "", df->field, df->found);
            continue;
        }
        out->diff[k++] = *df;
    }
    out->n_diff = k;
    if (guessed[0]) {
        char t[224];
        snprintf(t, sizeof t, "not verified (the nearest candidate's, not listed): %s", guessed);
        add_note(out, t);
    }
}

/* ---- the differences */
/* each difference taken out alone: dropped (and taken back to the claimed value) when it does
   not matter, else named with the residual it leaves */
static void take_out(job *j)
{
    const wmel_frontend_plan *base = &j->base;
    const int stack_found = j->al.n_stk > 0;
    for (int f = 0; f < N_FAMS; f++) {
        if (!j->changed[f]) continue;
        int stack_fam = FAMS[f].off == offsetof(wmel_frontend_plan, stack_left) ||
                        FAMS[f].off == offsetof(wmel_frontend_plan, stack_tail);
        if (stack_fam && stack_found) continue; /* in the stacking's own line */
        if (j->normkind_changed && FAMS[f].type == F_MEANONLY) continue; /* (the kind's line names it) */
        double pv = fam_get(base, &FAMS[f]);
        if (fam_get(&j->cur.plan, &FAMS[f]) == pv) {
            j->changed[f] = 0;
            continue;
        }
        state s = j->cur;
        fam_set(&s.plan, &FAMS[f], pv);
        score sc = eval(&j->d, &s);
        if (sc.ok && sc.rms < 1.15 * j->s0.rms && sc.max <= (j->s0.max > j->tol_max ? j->s0.max : j->tol_max) * 1.15) {
            j->cur = s;
            j->s0 = sc;
            j->changed[f] = 0;
            continue;
        }
        wmel_dg_diff *df = add_diff(j->out, FAMS[f].name);
        int num;
        fam_text(&FAMS[f], pv, df->preset, sizeof df->preset, &num);
        if (FAMS[f].type == F_MEANONLY && pv == 0 && base->norm == WMEL_NORM_PER_FEATURE) /* (NeMo's name) */
            snprintf(df->preset, sizeof df->preset, "%s", (base->norm_flags & WMEL_NORMF_ALL) ? "all_features" : "per_feature");
        fam_text(&FAMS[f], fam_get(&j->cur.plan, &FAMS[f]), df->found, sizeof df->found, &df->numeric);
        df->without = sc.max;
    }
}

/* the stacking found ("lfr") and the frame offset ("pad_left", with its note) */
static void name_stack_offset(job *j)
{
    const state *cur = &j->cur;
    if (j->al.n_stk > 0) {
        wmel_dg_diff *df = add_diff(j->out, "lfr");
        stack_text(&j->base, df->preset, sizeof df->preset);
        stack_text(&cur->plan, df->found, sizeof df->found);
        df->without = INFINITY; /* the preset's stacking has another shape */
    }
    if (!cur->offset) return;
    wmel_dg_diff *df = add_diff(j->out, "pad_left");
    long left = j->base.framing != WMEL_FRAMES_SNIP ? j->base.n_fft / 2 : j->base.pad_left;
    df->numeric = 1;
    snprintf(df->preset, sizeof df->preset, "%ld", left);
    snprintf(df->found, sizeof df->found, "%ld", left - cur->offset);
    state s = *cur;
    s.offset = 0;
    df->without = eval(&j->d, &s).max;
    char t[96];
    snprintf(t, sizeof t, "the port's frames are %ld samples %s", labs(cur->offset), cur->offset > 0 ? "late" : "early");
    add_note(j->out, t);
}

/* rank: the largest residual left when a difference is taken out first */
static void rank_diffs(wmel_dg_result *out)
{
    for (int i = 0; i < out->n_diff; i++)
        for (int k = i + 1; k < out->n_diff; k++)
            if (out->diff[k].without > out->diff[i].without) {
                wmel_dg_diff t = out->diff[i];
                out->diff[i] = out->diff[k];
                out->diff[k] = t;
            }
}

/* unexplained: where the residual left is (a few mel rows: their filters differ) */
static void locate_residual(job *j)
{
    dg *d = &j->d;
    const size_t width = j->al.width;
    if (within(j, j->s0) || !j->s0.ok) return;
    eval(d, &j->cur);
    double *rm = calloc(width, sizeof *rm), top = 0;
    if (!rm) return;
    for (size_t m = 0; m < width; m++) {
        if (d->mask[m]) continue;
        rm[m] = idx_max(d, &j->cur, m);
        if (rm[m] > top) top = rm[m];
    }
    int rows[8], nr = 0;
    size_t many = 0;
    for (size_t m = 0; m < width; m++) {
        if (!(rm[m] > 0.5 * top)) continue;
        many++;
        int mr = col_mel(&j->cur.plan, m), seen = 0;
        for (int k = 0; k < nr; k++) seen |= rows[k] == mr;
        if (!seen && nr < 8) rows[nr++] = mr;
    }
    if (nr > 0 && many <= width / 4) {
        char t[160] = "the residual left is largest in mel ";
        for (int k = 0; k < nr; k++) {
            size_t l = strlen(t);
            if (rows[k] < 0) snprintf(t + l, sizeof t - l, "%senergy", k ? ", " : "rows ");
            else snprintf(t + l, sizeof t - l, "%s%d", k ? ", " : nr > 1 ? "rows " : "row ", rows[k]);
        }
        add_note(j->out, t);
    }
    free(rm);
}

/* the verdict: explained (within the floor, every cell finite), matches (and no difference),
   and a match past the fixed 1e-4 but within the noise: rounding only */
static void verdict(job *j)
{
    wmel_dg_result *out = j->out;
    dg *d = &j->d;
    out->explained = within(j, j->s0) && j->pt.n_bad == 0;
    out->matches = out->explained && out->n_diff == 0;
    if (!(out->matches && d->scalec && j->s0.ok)) return;
    double fixed = 0;
    eval(d, &j->cur);
    for (size_t i = 0; i < d->R * d->C; i++)
        if (isfinite(d->x[i])) {
            double e = fabs((double)d->y[i] - d->x[i]) / (fabs(d->x[i]) > 1 ? fabs(d->x[i]) : 1);
            if (e > fixed) fixed = e;
        }
    out->rounding_only = fixed > 1e-4;
}

/* ---- the answer as a plan */
/* the offset and the silence after the clip as explicit padding in q (zeros before, silence
   after), or why (not) */
static void explicit_padding(const job *j, wmel_frontend_plan *q, char *why, size_t wl)
{
    const state *cur = &j->cur;
    int center = q->framing != WMEL_FRAMES_SNIP;
    if (center && q->framing == WMEL_FRAMES_CENTER_REFLECT) {
        if (cur->offset == 0 && cur->pad && !q->n_samples && j->n + cur->pad <= ((size_t)1 << 26)) {
            q->n_samples = (int)(j->n + cur->pad); /* silence after the clip: its length (pad_or_trim) */
            return;
        }
        snprintf(why, wl, "%s%s the clip before torch.stft's reflect padding", cur->offset < 0 ? "zeros before" : "",
                 cur->pad ? (cur->offset < 0 ? " and silence after" : "silence after") : "");
        return;
    }
    long left = (center ? q->n_fft / 2 : q->pad_left) - cur->offset;
    if (center) {
        q->framing = WMEL_FRAMES_SNIP;
        q->pad_right = q->n_fft / 2;
        q->pad_mode = WMEL_PAD_ZERO;
    } else if (q->pad_mode != WMEL_PAD_ZERO && (left != q->pad_left || cur->pad)) {
        snprintf(why, wl, "zeros around the clip before its reflect padding");
    }
    q->pad_left = (int)left;
    /* silence after the clip: up to a whole hop where it is less than one (scipy.signal.stft's
       padded=True: zeros until (padded length - window) is a multiple of the hop), else up to
       this clip's length */
    if (cur->pad && cur->pad < (size_t)q->hop && (j->n + cur->pad) % (size_t)q->hop == 0) {
        q->pad_multiple = q->hop;
        for (int i = 0; i < j->out->n_diff; i++) /* the count's difference is that rule's */
            if (!strcmp(j->out->diff[i].field, "n_frames")) {
                wmel_dg_diff *df = &j->out->diff[i];
                snprintf(df->field, sizeof df->field, "pad_multiple");
                snprintf(df->preset, sizeof df->preset, "0");
                snprintf(df->found, sizeof df->found, "%d", q->hop);
            }
        add_note(j->out, "zeros after the clip up to a whole hop (scipy.signal.stft's padded=True)");
    } else if (cur->pad) q->pad_multiple = (int)(j->n + cur->pad < (size_t)1 << 20 ? j->n + cur->pad : 0);
}

/* A whisper plan with a field the whisper front-end's options do not take (a window: numpy's
   and JAX's symmetric hanning) as the same plan of the nemo or kaldi front-end, which take it
   (the features are the plan's fields', whatever its front-end): 1 when one writes it (q
   rewritten, a note added) */
static int other_family(wmel_dg_result *out, wmel_frontend_plan *q)
{
    static const int FAMILIES[] = {WMEL_FRONTEND_NEMO, WMEL_FRONTEND_KALDI};
    static const char *const NAMES_[] = {"nemo", "kaldi"};
    char js[WMEL_PLAN_JSON_MAX], m[8];
    if (q->frontend != WMEL_FRONTEND_WHISPER) return 0;
    for (int i = 0; i < 2; i++) {
        wmel_frontend_plan p = *q;
        p.frontend = FAMILIES[i];
        if (wmel_plan_check(&p, NULL, 0) || wmel_plan_to_json(&p, js, sizeof js, m, sizeof m)) continue;
        *q = p;
        char t[200];
        snprintf(t, sizeof t, "written as a %s front-end's plan with Whisper's values (the whisper front-end's "
                 "options do not reach the differences found)", NAMES_[i]);
        add_note(out, t);
        return 1;
    }
    return 0;
}

/* The plan found with the differences the stages took out of the port's values (layout,
   units or scale, padding) put back: out->plan (has_plan), or what no plan expresses
   (out->not_expressible) */
static void answer_plan(job *j)
{
    wmel_dg_result *out = j->out;
    const state *cur = &j->cur;
    wmel_frontend_plan q = cur->plan;
    gain_plan(&q); /* (a scale Whisper's plan JSON has no field for) */
    char *why = out->not_expressible;
    size_t wl = sizeof out->not_expressible;
    if (q.norm_flags & DG_NORMF_CHUNK_MAX)
        snprintf(why, wl, "Whisper's max - 8 taken per 30 s chunk of frames (norm_max_scope chunk)");
    else if (j->bank_rows)
        snprintf(why, wl, "%zu mel %s held constant where the plan's filters vary", j->bank_rows,
                 j->bank_rows > 1 ? "rows" : "row");
    else if (cur->offset > 0)
        snprintf(why, wl, "the port's frames start %ld samples into the clip (no padding removes samples)", cur->offset);
    if (!why[0] && j->al.transposed)
        q.layout = q.layout == WMEL_LAYOUT_MELS_FRAMES ? WMEL_LAYOUT_FRAMES_MELS : WMEL_LAYOUT_MELS_FRAMES;
    if (j->pt.batch_lead) q.batch_axis = 1;
    if (!why[0] && j->units_scale > 0) {
        q.scale = j->units_scale;
    } else if (!why[0] && (j->units_a != 1 || j->units_b != 0)) { /* port = a plan + b: an affine after the plan's */
        double ps = q.affine ? q.post_scale : 1, shift = q.affine ? q.post_shift : 0;
        double ua = units_exact(j->units_a), ub = j->units_a != ua && fabs(j->units_b) < 1e-3 ? 0.0 : j->units_b;
        q.affine = 1;
        q.post_scale = ua * ps;
        q.post_shift = ua * shift + ub;
        /* the units undo the plan's own affine (AST's normalisation left out): an affine within
           the fit's rounding of the identity is none, so that no rounding of it is replayed */
        if (fabs(q.post_scale - 1) <= 1e-6 && fabs(q.post_shift) <= 1e-6 * fmax(1.0, fabs(ub)))
            q.affine = 0, q.post_scale = 0, q.post_shift = 0;
    }
    if (!why[0] && (cur->offset < 0 || cur->pad)) explicit_padding(j, &q, why, wl);
    if (!why[0]) {
        char m[256];
        wmel_frontend_plan qc = q;
        qc.norm_flags &= ~DG_NORMF_CHUNK_MAX;
        char js[WMEL_PLAN_JSON_MAX];
        if (wmel_plan_check(&qc, m, sizeof m) ||
            (out->explained && wmel_plan_to_json(&qc, js, sizeof js, m, sizeof m) && !other_family(out, &qc)))
            snprintf(why, wl, "a plan with the differences found: %.150s", m); /* (or no JSON writes it) */
        else {
            out->plan = qc;
            out->has_plan = 1;
        }
    }
}

/* the plan found held against the port's features as given (wmel_dg_check) */
static void prove_plan(job *j)
{
    wmel_dg_result *out = j->out;
    out->plan_max = out->plan_excess = NAN;
    if (!out->has_plan || j->d.cancelled) return;
    wmel_dg_check_result ck;
    char e2[256];
    if (wmel_dg_check(&out->plan, j->audio, j->n, j->feat, j->n_feat, j->shape, j->ndim, j->dtype, &ck, e2, sizeof e2))
        return;
    out->plan_max = ck.max;
    out->plan_excess = ck.excess;
    out->reproduces = ck.ok;
    if (!ck.ok && out->explained) {
        char t[260];
        snprintf(t, sizeof t, "the plan found does not reproduce the port on its own: %s", ck.why);
        add_note(out, t);
    }
}

/* The stages after read and align, in order; wmel_dg_run's status. */
static int run_stages(job *j)
{
    int rc;
    j->T = frames_of(&j->al.start, j->n);
    if ((rc = load_port(j)) != 0) return rc;
    pick_stacking(j);
    find_hop(j);
    fit_frame_count(j);
    if ((rc = score_start(j)) != 0) return rc;
    mask_constant_rows(j);
    residual_before(j);
    fit_normalize(j);
    fit_scale(j);
    fit_meanonly(j);
    fit_units_stage(j);
    set_tolerance(j);
    walk_offset(j);
    mark_shape_changes(j);
    search_fields(j);
    name_tf_bank(j);
    count_by_rule(j);
    snap_gain(j);
    fit_masked_guard(j);
    name_bank_rows(j);
    dither_floor(j);
    take_out(j);
    name_stack_offset(j);
    rank_diffs(j->out);
    locate_residual(j);
    j->out->residual_after = j->s0.max;
    j->out->rms_after = j->s0.rms;
    if (j->d.cancelled) {
        snprintf(j->err, j->err_len, "cancelled");
        return WMEL_DG_CANCELLED;
    }
    verdict(j);
    keep_verified(j);
    answer_plan(j);
    prove_plan(j);
    j->out->evals = j->d.evals;
    j->out->seconds = now_s() - j->t_start;
    return 0;
}

int wmel_dg_run(const wmel_frontend_plan *plan, const float *audio, size_t n, const float *feat, size_t n_feat,
                const size_t *shape, int ndim, wmel_dg_cancel_fn cancel, void *cancel_arg, wmel_dg_result *out,
                char *err, size_t err_len)
{
    return wmel_dg_run_opts(plan, audio, n, feat, n_feat, shape, ndim, NULL, cancel, cancel_arg, out, err, err_len);
}

int wmel_dg_run_opts(const wmel_frontend_plan *plan, const float *audio, size_t n, const float *feat, size_t n_feat,
                     const size_t *shape, int ndim, const wmel_dg_opts *opts, wmel_dg_cancel_fn cancel,
                     void *cancel_arg, wmel_dg_result *out, char *err, size_t err_len)
{
    const double t_start = now_s(), wall_start = wall_s();
    if (!out) {
        snprintf(err, err_len, "no result to fill");
        return WMEL_DG_ERROR;
    }
    memset(out, 0, sizeof *out);
    out->max_candidates = opts && opts->max_candidates ? opts->max_candidates : WMEL_DG_MAX_CANDIDATES;
    job j;
    memset(&j, 0, sizeof j);
    int rc = wmel__dg_read(plan, audio, n, feat, n_feat, shape, ndim, &j.pt, err, err_len);
    if (rc) return rc;
    if (note_port(out, &j.pt)) return 0;
    if (wmel__dg_align(plan, n, j.pt.sh, &j.al, err, err_len)) return WMEL_DG_ERROR;
    j.base = *plan;
    j.audio = audio;
    j.n = n;
    j.feat = feat;
    j.n_feat = n_feat;
    j.shape = shape;
    j.ndim = ndim;
    j.out = out;
    j.err = err;
    j.err_len = err_len;
    j.t_start = t_start;
    j.wall_start = wall_start;
    j.max_evals = out->max_candidates;
    j.max_seconds = opts && opts->max_seconds > 0 ? opts->max_seconds : WMEL_DG_SAFETY_S;
    j.units_a = 1; /* (port = 1 plan + 0 until the units say otherwise) */
    if (opts) j.given_a = opts->units_a, j.given_b = opts->units_b, j.d.no_dither = opts->deterministic;
    j.d.audio = audio;
    j.d.n = n;
    j.d.cancel = cancel;
    j.d.cancel_arg = cancel_arg;
    rc = run_stages(&j);
    free(j.d.x);
    free(j.d.scalec);
    free(j.d.mask);
    free(j.d.a);
    free(j.d.y);
    free(j.d.ys);
    free(j.d.yv);
    free(j.d.noise);
    return rc;
}

/* ---- the proof: a plan's features of a clip against the port's, cell by cell */

/* The noise model: per cell, the residual a float32 implementation of the same conventions
   leaves, as what tol_rel (1e-4) multiplies (eval's scalec: the bound is tol_rel sc).
   For the log of mel energies, unnormalised or Whisper's max - 8 and (x + 4) / 4 (and an
   affine after either), two terms in eps32 units:
     NOISE_A max(1, |v|)                       the log's and the sums' own rounding, and
     NOISE_C sqrt(n_fft) exp(g / 2) gain / unit  the float32 transform's error, about eps32 of
                                               the frame's amplitude per bin, in a cell g (ln)
                                               below its frame's largest: relative to the
                                               cell's energy exp(g / 2) larger; unit: ln per
                                               unit of the log, gain: the normalisation's and
                                               the affine's factor. For a magnitude (power 1)
                                               g is the magnitudes' own ratio and the term
                                               exp(g): torchaudio's MelSpectrogram(power=1)
                                               on a -70 dB floor errs 1.5 times exp(g / 2)'s
                                               bound, within exp(g)'s.
   Measured against the float64 reference (diagnose.c's tests; docs/porting.md, "The noise
   model"): openai-whisper's float32 path needs A >= 11 at g < 1 (exact_30s.wav), and
   kaldi-native-fbank 1.23 and torchaudio 2.9 compliance.kaldi.fbank (int16 units, n_fft
   512) need C sqrt(n_fft) up to 270 (a chirp with a -70 dB noise floor, 2.7e-4 at g = 4);
   the bound takes A = 64 and C = 32 (724 at n_fft 512: a margin of 2.7).
   Under a per-feature (per-utterance) normalisation, (L - mean) / sd over a mel index's n
   frames, each log cell's bound b (the two terms above, in the log's units) also moves the
   index's mean and spread, which every cell of the index is normalised by: the mean by
   sqrt(sum b^2) / n, the spread by sqrt(sum ((L - mean) b)^2) / (n sd) (the cells' errors
   taken as independent: the worst case, sum b / n, bounds a float32 transform's mean shift
   by a factor of 100 or more on a -70 dB floor and would hide a ddof); the normalised cell's
   bound is (b + mean's + |y| spread's) / sd, y = (L - mean) / sd, and its own rounding
   (NOISE_A max(1, |y|)); without the division (x - mean only) sd is 1 and the spread's term
   none. Measured: Speech2Text's original (torchaudio 2.9's float32 fbank, numpy's CMVN)
   moves a mean by up to 0.16 and a spread by up to 0.07 of these terms (jfk.flac, a
   synthetic speech clip, a chirp with a -70 dB floor). Elsewhere (one statistic over every
   feature, linear values) the rule before it: 1e-4 max(1, |v|). The statistics run over the
   plan's valid frames (wmel_plan_frames: NeMo's padding frame stays out), a stacking's frames
   (SeamlessM4T's two a row) taken one by one (the search's bounds are the claimed plan's: a
   frame it pads is bounded as the others, the port may compute it). Cepstra (noise_ceps) take the log mels' bounds through the DCT, and the
   coefficients' float32 storage (the DCT's and the lifter's: eps32 sum |log mel| times the
   lifter; lhotse's Mfcc errs 1.7 times the log values' bound alone, in c9 of a quiet frame).
   Returns 1 where the model applies. */
/* The cells of a plan's output as (frame t, mel index m) for the noise model: the frames
   along the plan's layout, or a stacking's frames (stack frames of nm values a row, one
   after the other: SeamlessM4T's stride 2); nv frames feed the normalisation's statistics,
   nc are computed (the others are the plan's pad_value). */
typedef struct ngeo {
    size_t R, C;
    size_t nt, nm; /* frames (before stacking) and values of a frame */
    size_t nv, nc; /* valid and computed frames (wmel_plan_frames) */
    int fcols, stack;
} ngeo;
static size_t ng_at(const ngeo *g, size_t t, size_t m)
{
    if (g->stack > 1) return t / (size_t)g->stack * g->C + t % (size_t)g->stack * g->nm + m;
    return g->fcols ? m * g->C + t : t * g->C + m;
}
/* g for plan p's R x C output of a clip of n samples, its frames' values nm wide (0: the
   output's own); 0, or -1 where the cells are not frames of values (an overlapping or
   shifted stacking: g then takes each row as a frame) */
static int ngeo_of(const wmel_frontend_plan *p, size_t n, size_t R, size_t C, int fcols, ngeo *g)
{
    memset(g, 0, sizeof *g);
    g->R = R;
    g->C = C;
    g->fcols = fcols;
    g->stack = p->stack > 1 ? p->stack : 1;
    if (g->stack > 1) {
        if (fcols || p->stack_left || (p->stack_stride && p->stack_stride != p->stack) || C % (size_t)g->stack) {
            g->stack = 1; /* (each row as a frame) */
            g->nt = g->nv = g->nc = R;
            g->nm = C;
            return -1;
        }
        g->nt = R * (size_t)g->stack;
        g->nm = C / (size_t)g->stack;
    } else {
        g->nt = fcols ? C : R;
        g->nm = fcols ? R : C;
    }
    g->nv = g->nc = g->nt;
    wmel_plan_counts pc;
    wmel_frontend_plan q = *p;
    q.norm_flags &= ~DG_NORMF_CHUNK_MAX;
    if (n && !wmel_plan_frames(&q, n, &pc) && pc.frames == g->nt) {
        g->nv = pc.valid < g->nt ? pc.valid : g->nt;
        g->nc = pc.computed < g->nt ? pc.computed : g->nt;
        if (g->nv == 0) g->nv = g->nc;
    }
    return 0;
}

/* A log cell's float32 noise (noise_scale), in the log's units: its own rounding and the
   transform's, g (ln of the energies) below its frame's largest; half: 1/2 for a power
   spectrum (the transform's error relative to a bin's magnitude, exp(g / 2) of a power's
   g), 1 for a magnitude (power 1: g is the magnitudes' own) */
static double log_noise(double lv, double g, double fft, double unit, double half)
{
    const double al = fabs(lv) > 1 ? fabs(lv) : 1, x = g * half;
    double b = FLT_EPSILON * NOISE_A * al + FLT_EPSILON * fft * exp(x < 700 ? x : 700) / unit;
    return b < 1e300 ? b : 1e300;
}

/* Each frame's largest log value (top[t]) of v (cells g) */
static void frame_tops(const ngeo *g, const float *v, double *top)
{
    for (size_t t = 0; t < g->nt; t++) {
        double tp = -INFINITY;
        for (size_t m = 0; m < g->nm; m++) {
            float u = v[ng_at(g, t, m)];
            if (u > tp) tp = u;
        }
        top[t] = tp;
    }
}

/* Cepstra (n_ceps, no normalisation over them): cell (t, column j) of the k-th cepstrum
   (Kaldi's order, or htk's c0 last) moves by its own rounding, by the lifter times float32
   coefficients (the DCT's and the lifter's, stored in float32 by ports as lhotse's: eps
   sum_m |l_m|) and by the log mels' noise through the orthonormal DCT (sqrt(2 / M) of their
   root sum of squares). L: the log mels (gl's cells, the energy's column first with
   use_energy). 1 where it applies. */
static int noise_ceps(const wmel_frontend_plan *p, const float *x, const ngeo *g, const float *L, const ngeo *gl,
                      double tol_rel, float *sc)
{
    const int ue = p->use_energy != 0;
    const size_t M = gl->nm - (size_t)ue;
    if (gl->nt != g->nt || M < 1 || g->nm != (size_t)p->n_ceps) return 0;
    const double unit = LOG10_KIND(p->log) ? log(10.0) : 1.0, half = p->power == 1 ? 1.0 : 0.5;
    const double fft = NOISE_C * sqrt((double)p->n_fft), gain = p->affine ? fabs(p->post_scale) : 1.0;
    /* a log mel below the transform's noise floor (floor_g nats under its frame's largest) moves
       at most up to that floor or down to the log's guard, whatever the exponential model says:
       without the cap one such cell (an empty filter's exact zero at the guard) would give every
       cepstrum of its frame a bound no error exceeds */
    const double floor_g = -log(FLT_EPSILON * fft) / half, lguard = p->log_guard > 0 ? log(p->log_guard) : -INFINITY;
    double *top = malloc(gl->nt * sizeof *top);
    if (!top) return 0;
    frame_tops(gl, L, top);
    for (size_t t = 0; t < g->nt; t++) {
        double sl = 0, se2 = 0;
        for (size_t m = 0; m < M; m++) {
            const double lv = L[ng_at(gl, t, m + (size_t)ue)];
            const double gg = isfinite(top[t]) && isfinite(lv) ? (top[t] - lv) * unit : 0;
            double b = log_noise(lv, gg, fft, unit, half);
            const double cap = (fmax(gg - floor_g, lv * unit - lguard) + 1) / unit;
            if (isfinite(lv) && b > cap) b = cap;
            sl += fabs(lv);
            se2 += b * b;
        }
        for (size_t j = 0; j < g->nm; j++) {
            const size_t i = ng_at(g, t, j), k = p->ceps_htk ? (j + 1) % g->nm : j;
            const double v = x[i], a = fabs(v) > 1 ? fabs(v) : 1;
            const double Q = p->cepstral_lifter, lift = Q > 0 ? 1 + Q / 2 * fabs(sin(3.14159265358979323846 * (double)k / Q)) : 1;
            double s = FLT_EPSILON * NOISE_A * a + gain * lift * (p->ceps_htk && k == 0 ? sqrt(2.0) : 1.0) *
                                                       (FLT_EPSILON * sl + sqrt(2.0 / (double)M) * sqrt(se2));
            s /= tol_rel;
            sc[i] = (float)(s < FLT_MAX ? s : FLT_MAX);
        }
    }
    free(top);
    return 1;
}

/* A per-feature normalisation's statistics' bounds (noise_scale): per mel index over the
   valid frames, the mean and divisor, and how far the cells' bounds move the mean and the
   spread */
typedef struct nstats {
    double *mu, *sd, *bmu, *bsd;
} nstats;
static int norm_stats(const wmel_frontend_plan *p, const ngeo *g, const float *L, const double *top, double fft,
                      double unit, double half, nstats *s)
{
    const size_t nm = g->nm, nv = g->nv;
    const int divides = !(p->norm_flags & WMEL_NORMF_MEAN_ONLY);
    s->mu = calloc(nm, sizeof *s->mu);
    s->sd = calloc(nm, sizeof *s->sd);
    s->bmu = calloc(nm, sizeof *s->bmu);
    s->bsd = calloc(nm, sizeof *s->bsd);
    if (!s->mu || !s->sd || !s->bmu || !s->bsd || nv == 0) return -1;
    for (size_t m = 0; m < nm; m++) {
        double s1 = 0, s2 = 0;
        for (size_t t = 0; t < nv; t++) {
            double v = L[ng_at(g, t, m)];
            s1 += v;
            s2 += v * v;
        }
        double mean = s1 / (double)nv, var = s2 / (double)nv - mean * mean;
        s->mu[m] = mean;
        s->sd[m] = divides ? sqrt(var > 0 ? var : 0) + (p->norm_eps > 0 ? p->norm_eps : 1e-5) : 1.0;
        double q1 = 0, q2 = 0;
        for (size_t t = 0; t < nv; t++) {
            double lv = L[ng_at(g, t, m)];
            double gg = isfinite(top[t]) && isfinite(lv) ? (top[t] - lv) * unit : 0;
            double b = log_noise(lv, gg, fft, unit, half);
            q1 += b * b;
            q2 += (lv - mean) * (lv - mean) * b * b;
        }
        s->bmu[m] = sqrt(q1) / (double)nv;
        s->bsd[m] = divides ? sqrt(q2) / (double)nv / s->sd[m] : 0.0;
    }
    return 0;
}

/* Energies with no log (log none, no normalisation): a float32 transform's error in a bin is
   eps C sqrt(n_fft) of the frame's largest magnitude, so a cell of energy v in a frame whose
   largest is top moves by that times 2 sqrt(v top) (power 2; the square's own term added) or
   by it times top (power 1), through the affine's factor; and by its own rounding. 1. */
static int noise_linear(const wmel_frontend_plan *p, const float *x, const ngeo *g, double tol_rel, float *sc)
{
    const double fft = FLT_EPSILON * NOISE_C * sqrt((double)p->n_fft), gain = p->affine ? fabs(p->post_scale) : 1.0;
    for (size_t t = 0; t < g->nt; t++) {
        double top = 0;
        for (size_t m = 0; m < g->nm; m++) {
            const double u = fabs(x[ng_at(g, t, m)]) / (gain > 0 ? gain : 1);
            if (isfinite(u) && u > top) top = u;
        }
        for (size_t m = 0; m < g->nm; m++) {
            const size_t i = ng_at(g, t, m);
            const double v = fabs(x[i]) / (gain > 0 ? gain : 1), a = fabs(x[i]) > 1 ? fabs(x[i]) : 1;
            const double e = p->power == 1 ? fft * top : 2 * fft * sqrt(v * top) + fft * fft * top;
            const double b = (FLT_EPSILON * NOISE_A * a + e * gain) / tol_rel;
            sc[i] = (float)(b < FLT_MAX ? b : FLT_MAX);
        }
    }
    return 1;
}

static int noise_scale(const wmel_frontend_plan *p, const float *x, const float *L, size_t Lw, size_t R, size_t C,
                       int fcols, size_t n, double tol_rel, float *sc)
{
    int lg = p->log;
    int whole = p->norm == WMEL_NORM_WHOLE;
    ngeo g;
    const int frames = ngeo_of(p, n, R, C, fcols, &g) == 0;
    if (p->n_ceps > 0 && p->norm == WMEL_NORM_NONE && !p->delta_win && L && Lw && frames && g.stack == 1) {
        ngeo gl;
        wmel_frontend_plan q = *p;
        q.n_ceps = 0;
        if (ngeo_of(&q, n, fcols ? Lw : R, fcols ? C : Lw, fcols, &gl) == 0)
            return noise_ceps(p, x, &g, L, &gl, tol_rel, sc);
    }
    if (Lw) L = NULL; /* (the log mels of cepstra: no other model reads them) */
    if (lg == WMEL_LOG_NONE && p->norm == WMEL_NORM_NONE && !p->delta_win && !p->n_ceps && !p->use_energy &&
        frames && g.stack == 1)
        return noise_linear(p, x, &g, tol_rel, sc);
    int normed = (p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR) && L &&
                 !(p->norm_flags & WMEL_NORMF_ALL) && frames && !p->use_energy;
    int logs = (p->norm == WMEL_NORM_NONE || whole || normed) && p->delta_win == 0 &&
               LOG_KIND(lg);
    double unit = LOG10_KIND(lg) ? log(10.0) : 1.0; /* ln per unit of the log */
    double half = p->power == 1 ? 1.0 : 0.5;                  /* a magnitude's g is its own */
    double gain = (p->affine ? fabs(p->post_scale) : 1.0) * (whole ? 0.25 : 1.0);
    if (!(gain > 0)) logs = 0;
    if (!logs) return 0;
    const float *v0 = normed ? L : x; /* the log values the frames' tops come from */
    double fft = NOISE_C * sqrt((double)p->n_fft);
    nstats st = {NULL, NULL, NULL, NULL};
    double *top = malloc(g.nt * sizeof *top);
    if (!top) return 0;
    frame_tops(&g, v0, top);
    if (normed && norm_stats(p, &g, L, top, fft, unit, half, &st)) logs = 0;
    for (size_t t = 0; logs && t < g.nt; t++) {
        for (size_t m = 0; m < g.nm; m++) {
            size_t i = ng_at(&g, t, m);
            double v = x[i], a = fabs(v) > 1 ? fabs(v) : 1;
            if (normed) { /* the cell's, the mean's and the spread's, through the divisor; the output's own rounding */
                double lv = v0[i];
                double gg = isfinite(top[t]) && isfinite(lv) ? (top[t] - lv) * unit : 0;
                double y = (lv - st.mu[m]) / st.sd[m], ay = fabs(y) > 1 ? fabs(y) : 1;
                a = FLT_EPSILON * NOISE_A * (a > ay ? a : ay) +
                    (log_noise(lv, gg, fft, unit, half) + st.bmu[m] + fabs(y) * st.bsd[m]) / st.sd[m];
            } else {
                double lv = v0[i];
                double gg = isfinite(top[t]) && isfinite(lv) ? (top[t] - lv) / gain * unit : 0;
                double e = FLT_EPSILON * fft * exp(gg * half < 700 ? gg * half : 700) / unit;
                a = FLT_EPSILON * NOISE_A * a + e * gain;
            }
            a /= tol_rel;
            sc[i] = (float)(a < FLT_MAX ? a : FLT_MAX);
        }
    }
    free(top);
    free(st.mu);
    free(st.sd);
    free(st.bmu);
    free(st.bsd);
    return logs;
}

/* Per cell, what the check's bound multiplies: the noise model's (noise_scale) for float32
   values, max(1, |v|) for float16 and bfloat16 (whose own rounding sets the bound). */
static void cell_scale(const wmel_frontend_plan *p, const float *x, const float *L, size_t Lw, size_t R, size_t C,
                       int fcols, size_t n, double tol_rel, int dtype, float *sc)
{
    if (!dtype && noise_scale(p, x, L, Lw, R, C, fcols, n, tol_rel, sc)) return;
    for (size_t i = 0; i < R * C; i++) sc[i] = fabsf(x[i]) > 1 ? fabsf(x[i]) : 1;
}


/* The check's tolerance: 1e-4, float16's or bfloat16's rounding of the port's largest value
   (dtype 1, 2), or 1.5 times the spread of another dither seed's features where the plan
   dithers (no two generators' noise agrees); y: the plan's cnt values. */
static double check_tol(const wmel_frontend_plan *plan, const wmel_params *p1, const float *audio, size_t n,
                        const float *feat, const float *y, size_t cnt, int dtype)
{
    double tol_rel = 1e-4;
    if (dtype == 1 || dtype == 2) {
        double eps = dtype == 1 ? ldexp(1, -11) : ldexp(1, -8), amax = 0;
        for (size_t i = 0; i < cnt; i++)
            if (isfinite(feat[i]) && fabs(feat[i]) > amax) amax = fabs(feat[i]);
        tol_rel = 128 * eps * (amax > 1 ? amax : 1);
    }
    if (plan->dither > 0) { /* another seed's spread */
        wmel_frontend_plan q = *plan;
        q.dither_seed++;
        int st;
        wmel_ctx *c2 = wmel_create_plan(p1, &q, &st);
        float *y2 = malloc(cnt * sizeof *y2);
        if (c2 && y2 && wmel_features(c2, audio, n, y2, cnt) == 0) {
            double sp = 0;
            for (size_t i = 0; i < cnt; i++) {
                double e = fabs((double)y2[i] - y[i]) / (fabs(y[i]) > 1 ? fabs(y[i]) : 1);
                if (e > sp && isfinite(e)) sp = e;
            }
            if (1.5 * sp > tol_rel) tol_rel = 1.5 * sp;
        }
        wmel_destroy(c2);
        free(y2);
    }
    return tol_rel;
}

/* The log values before the plan's finish (the noise model's L): for a per-feature
   normalisation the plan's output without it (R x C, *Lw 0); for cepstra the log mels (the
   plan without the DCT: the frames' axis the output's, *Lw values a frame); NULL for another
   plan or where they are not computed. */
static float *pre_logs(const wmel_frontend_plan *plan, const wmel_params *p1, const float *audio, size_t n, size_t R,
                       size_t C, int fcols, size_t *Lw)
{
    *Lw = 0;
    wmel_frontend_plan q = *plan;
    q.norm_flags &= ~DG_NORMF_CHUNK_MAX;
    const int ceps = plan->n_ceps > 0 && plan->norm == WMEL_NORM_NONE && !plan->delta_win && plan->stack <= 1;
    if (ceps) {
        q.n_ceps = 0;
        q.ceps_htk = 0;
        q.cepstral_lifter = 0;
        q.affine = 0;
        q.post_scale = 0;
        q.post_shift = 0;
    } else if (plan->norm == WMEL_NORM_PER_FEATURE || plan->norm == WMEL_NORM_MEAN_VAR) {
        q.norm = WMEL_NORM_NONE;
        q.norm_flags = 0;
        q.norm_eps = 0;
    } else {
        return NULL;
    }
    int st;
    wmel_ctx *cl = wmel_create_plan(p1, &q, &st);
    size_t r2, c2;
    const size_t w = (size_t)plan->n_mels + (plan->use_energy ? 1 : 0);
    int same = cl && !wmel_features_shape(cl, n, &r2, &c2) &&
               (ceps ? (fcols ? r2 == w && c2 == C : r2 == R && c2 == w) : r2 == R && c2 == C);
    float *L = same ? malloc(r2 * c2 * sizeof *L) : NULL;
    if (L && wmel_features(cl, audio, n, L, r2 * c2)) {
        free(L);
        L = NULL;
    }
    wmel_destroy(cl);
    if (L && ceps) *Lw = w;
    return L;
}

/* The cells held to their bounds (tol_rel sc): out's max, excess, bound_at, nonfinite, ok
   (every finite cell within, the RMS of the excess within NOISE_NRMS, none NaN) and why. */
static void check_cells(const float *y, const float *feat, const float *sc, size_t R, size_t C, double tol_rel,
                        int dtype, wmel_dg_check_result *out)
{
    double mx = 0, ex = 0, at = 0, nss = 0;
    size_t worst = 0, cnt = 0;
    for (size_t i = 0; i < R * C; i++) {
        double xv = feat[i];
        if (!isfinite(xv)) {
            out->nonfinite++;
            continue;
        }
        double e = fabs((double)round_dtype(y[i], dtype) - xv);
        if (!(e == e)) e = INFINITY;
        double bound = tol_rel * sc[i];
        if (e > mx) mx = e;
        nss += (e / bound) * (e / bound);
        cnt++;
        if (!(e / bound <= ex)) {
            ex = e / bound;
            at = bound;
            worst = i;
        }
    }
    out->max = mx;
    out->excess = ex;
    out->bound_at = at;
    double nrms = cnt ? sqrt(nss / (double)cnt) : 0;
    out->ok = ex <= 1 && nrms <= NOISE_NRMS && out->nonfinite == 0;
    if (!out->ok && ex <= 1 && !out->nonfinite)
        snprintf(out->why, sizeof out->why, "every cell within its bound, but the RMS is %.2g of the bound's (at most %.2g: "
                 "a difference that moves many cells together)", nrms, NOISE_NRMS);
    else if (!out->ok)
        snprintf(out->why, sizeof out->why, "%s%.3g at (row %zu, column %zu), %.3g times its bound %.3g",
                 out->nonfinite ? "NaN or infinite cells; " : "", fabs((double)round_dtype(y[worst], dtype) - feat[worst]),
                 worst / C, worst % C, ex, at);
}

/* Whether the plan's output shape (R x C) is the port's, axes of length 1 dropped. */
static int check_same_shape(size_t R, size_t C, const size_t *shape, int ndim, size_t n_feat)
{
    size_t a[3], b[2];
    int na = 0, nb = 0;
    for (int i = 0; i < ndim; i++)
        if (shape[i] != 1) a[na++] = shape[i];
    if (R != 1) b[nb++] = R;
    if (C != 1) b[nb++] = C;
    int same = na == nb && R * C == n_feat;
    for (int i = 0; same && i < na; i++) same = a[i] == b[i];
    return same;
}

int wmel_dg_check(const wmel_frontend_plan *plan, const float *audio, size_t n, const float *feat, size_t n_feat,
                  const size_t *shape, int ndim, int dtype, wmel_dg_check_result *out, char *err, size_t err_len)
{
    if (!out) {
        snprintf(err, err_len, "no result to fill");
        return WMEL_DG_ERROR;
    }
    memset(out, 0, sizeof *out);
    out->max = out->excess = NAN;
    if (!plan || !audio || !feat || !shape || n == 0 || n_feat == 0 || ndim < 1 || ndim > 3) {
        snprintf(err, err_len, "no audio, no features or features of %d axes", ndim);
        return WMEL_DG_ERROR;
    }
    char msg[512];
    if (plan_check(plan)) {
        wmel_frontend_plan q = *plan;
        q.norm_flags &= ~DG_NORMF_CHUNK_MAX;
        wmel_plan_check(&q, msg, sizeof msg);
        snprintf(err, err_len, "the plan: %s", msg);
        return WMEL_DG_ERROR;
    }
    wmel_params p1 = wmel_default_params();
    p1.n_threads = 1;
    int st;
    wmel_ctx *ctx = wmel_create_plan(&p1, plan, &st);
    size_t R = 0, C = 0;
    if (!ctx || wmel_features_shape(ctx, n, &R, &C)) {
        wmel_destroy(ctx);
        snprintf(err, err_len, "the plan cannot compute this clip: %s", wmel_strerror(ctx ? WMEL_ERR_INVALID_ARG : st));
        return WMEL_DG_ERROR;
    }
    if (!check_same_shape(R, C, shape, ndim, n_feat)) {
        wmel_destroy(ctx);
        snprintf(out->why, sizeof out->why, "the plan gives (%zu, %zu), the port %s", R, C,
                 shape_text(shape, ndim, msg, sizeof msg));
        return 0;
    }
    float *y = malloc(R * C * sizeof *y), *sc = malloc(R * C * sizeof *sc);
    int rc = WMEL_DG_ERROR;
    if (!y || !sc) {
        snprintf(err, err_len, "out of memory");
        goto done;
    }
    if ((st = wmel_features(ctx, audio, n, y, R * C)) != 0) {
        snprintf(err, err_len, "the plan's features of this clip: %s", wmel_strerror(st));
        goto done;
    }
    double tol_rel = check_tol(plan, &p1, audio, n, feat, y, R * C, dtype);
    size_t Lw;
    float *L = pre_logs(plan, &p1, audio, n, R, C, frames_are_cols(plan), &Lw);
    cell_scale(plan, feat, L, Lw, R, C, frames_are_cols(plan), n, 1e-4, dtype, sc); /* the bound: tol_rel sc */
    free(L);
    check_cells(y, feat, sc, R, C, tol_rel, dtype, out);
    rc = 0;
done:
    wmel_destroy(ctx);
    free(y);
    free(sc);
    return rc;
}

/* ---- output */
static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 4, 5)));
static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(*len < cap ? buf + *len : NULL, *len < cap ? cap - *len : 0, fmt, ap);
    va_end(ap);
    if (k > 0) *len += (size_t)k;
}
static void put_str(char *buf, size_t cap, size_t *len, const char *s)
{
    put(buf, cap, len, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') put(buf, cap, len, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) put(buf, cap, len, "\\u%04x", (unsigned char)*s);
        else put(buf, cap, len, "%c", *s);
    }
    put(buf, cap, len, "\"");
}

static void put_num(char *buf, size_t cap, size_t *len, double v)
{
    if (isfinite(v)) put(buf, cap, len, "%.6g", v);
    else put(buf, cap, len, "null");
}

int wmel_dg_json(const wmel_dg_result *r, char *buf, size_t cap)
{
    size_t len = 0;
    put(buf, cap, &len, "{\"matches\": %s, \"explained\": %s, \"differences\": [", r->matches ? "true" : "false",
        r->explained ? "true" : "false");
    for (int i = 0; i < r->n_diff; i++) {
        const wmel_dg_diff *df = &r->diff[i];
        put(buf, cap, &len, "%s{\"field\": ", i ? ", " : "");
        put_str(buf, cap, &len, df->field);
        put(buf, cap, &len, ", \"preset\": ");
        if (df->numeric) put(buf, cap, &len, "%s", df->preset);
        else put_str(buf, cap, &len, df->preset);
        put(buf, cap, &len, ", \"found\": ");
        if (df->numeric) put(buf, cap, &len, "%s", df->found);
        else put_str(buf, cap, &len, df->found);
        if (df->without >= 0) {
            put(buf, cap, &len, ", \"residual_without\": ");
            put_num(buf, cap, &len, df->without);
        }
        put(buf, cap, &len, "}");
    }
    put(buf, cap, &len, "], \"residual_before\": ");
    put_num(buf, cap, &len, r->residual_before);
    put(buf, cap, &len, ", \"residual_after\": ");
    put_num(buf, cap, &len, r->residual_after);
    put(buf, cap, &len, ", \"tolerance\": %.6g, \"floor\": ", r->tol);
    put_str(buf, cap, &len, r->floor);
    put(buf, cap, &len, ", \"notes\": ");
    put_str(buf, cap, &len, r->notes);
    put(buf, cap, &len, ", \"candidates\": %zu, \"nonfinite\": %zu, \"plan\": ", r->evals, r->nonfinite);
    char pj[WMEL_PLAN_JSON_MAX];
    if (r->has_plan && wmel_plan_to_json(&r->plan, pj, sizeof pj, NULL, 0) == 0) put(buf, cap, &len, "%s", pj);
    else put(buf, cap, &len, "null");
    put(buf, cap, &len, ", \"reproduces\": %s, \"plan_max\": ", r->reproduces ? "true" : "false");
    put_num(buf, cap, &len, r->plan_max);
    put(buf, cap, &len, ", \"seconds\": %.3g, \"max_candidates\": %zu, \"work_bound\": %s, \"time_bound\": %s",
        r->seconds, r->max_candidates, r->work_bound ? "true" : "false", r->time_bound ? "true" : "false");
    put(buf, cap, &len, ", \"rounding_only\": %s, \"not_expressible\": ", r->rounding_only ? "true" : "false");
    put_str(buf, cap, &len, r->not_expressible);
    put(buf, cap, &len, "}");
    if (len >= cap) return -1;
    return (int)len;
}

int wmel_dg_text(const wmel_dg_result *r, char *buf, size_t cap)
{
    size_t len = 0;
    if (r->matches && r->rounding_only) {
        put(buf, cap, &len, "matches: the conventions match; float32 rounding of size %.3g remains (within the noise "
            "bound of a float32 implementation, past the fixed %.3g x max(1, |value|))\n", r->residual_after, r->tol);
    } else if (r->matches) {
        put(buf, cap, &len, "matches within %s: max %.3g (tolerance %.3g x max(1, |value|))\n", r->floor, r->residual_after, r->tol);
    } else {
        if (isnan(r->residual_after))
            put(buf, cap, &len, "nothing to compare: no value of the port's features is finite:\n");
        else if (r->nonfinite)
            put(buf, cap, &len, "%zu %s of the port's features NaN or infinite (left out of the residuals); the rest: "
                "remaining max %.3g, tolerance %.3g x max(1, |value|):\n", r->nonfinite, r->nonfinite > 1 ? "cells" : "cell",
                r->residual_after, r->tol);
        else if (!r->explained)
            put(buf, cap, &len, "no plan near this preset explains it (remaining max %.3g, tolerance "
                "%.3g x max(1, |value|)); the nearest candidate tried, not an answer, differs in:\n", r->residual_after, r->tol);
        for (int i = 0; i < r->n_diff; i++) {
            const wmel_dg_diff *df = &r->diff[i];
            put(buf, cap, &len, "%s: %s, preset %s", df->field, df->found, df->preset);
            if (df->without >= 0 && isfinite(df->without)) put(buf, cap, &len, " -- max %.3g without it", df->without);
            else if (df->without >= 0) put(buf, cap, &len, " -- another shape without it");
            put(buf, cap, &len, "\n");
        }
        if (!isnan(r->residual_after))
            put(buf, cap, &len, "residual: max %.3g before, %.3g after%s%s\n", r->residual_before, r->residual_after,
                r->explained ? ", " : "", r->explained ? r->floor : "");
        else
            put(buf, cap, &len, "residual: none (no finite cell of the port's to compare)\n");
    }
    if (r->explained) {
        char pj[WMEL_PLAN_JSON_MAX];
        if (r->has_plan && r->reproduces && wmel_plan_to_json(&r->plan, pj, sizeof pj, NULL, 0) == 0) {
            for (char *c = pj; *c; c++)
                if (*c == '\n') *c = ' ';
            put(buf, cap, &len, "plan: %s\n", pj);
            put(buf, cap, &len, "  (reproduces the port on this clip: max %.3g, %.2g of the bound; --emit-plan FILE writes it, "
                "wmel mel --plan FILE computes it)\n", r->plan_max, r->plan_excess);
        } else if (r->not_expressible[0]) {
            put(buf, cap, &len, "plan: not expressible: %s\n", r->not_expressible);
        } else if (r->has_plan) {
            put(buf, cap, &len, "plan: the plan found does not reproduce the port on its own (max %.3g, %.2g times the bound)\n",
                r->plan_max, r->plan_excess);
        }
    }
    if (r->notes[0]) put(buf, cap, &len, "notes: %s\n", r->notes);
    put(buf, cap, &len, "search: %zu candidate plans (work bound %zu), %.2f s%s\n", r->evals, r->max_candidates,
        r->seconds, r->time_bound ? " (cut by the safety's wall-clock cap: this answer may differ on another machine)"
                    : r->work_bound ? " (stopped at its work bound: --max-candidates extends it)" : "");
    if (len >= cap) return -1;
    return (int)len;
}
