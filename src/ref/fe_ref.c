/*
 * fe_ref.c -- the float64 reference for every front-end plan: the oracle the general CPU
 * path (and any kernel for these plans) is held to. Written stage by stage, as librosa
 * composes its features: the padded signal, frames, DC removal and energy, pre-emphasis,
 * window, a direct DFT (exact table, index j k mod n_fft), power, the dense mel bank, log;
 * then over the whole clip the valid frames, the normalisation, stacking and the layout.
 * Everything is double until the one rounding to float32 at the end. Slow by design: the
 * clip's features are held in double, blocks of frames go through each stage in turn.
 */
#include "../fe/fe.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REF_BLOCK 32

/* Kaldi's snip_edges=false reflection (feature-window.cc ExtractWindow), step by step as
 * Kaldi takes it: before the start -i - 1, past the end 2 n - 1 - i, again until inside. */
static long long ref_kaldi_index(long long i, size_t n)
{
    while (i < 0 || i >= (long long)n) i = i < 0 ? -i - 1 : 2 * (long long)n - 1 - i;
    return i;
}

/* The scaled padded signal: x * scale inside [0, n), the reflection or zeros beyond. */
static double ref_padded(const wmel_frontend_plan *p, const float *x, size_t n, long long i)
{
    if (i < 0 || i >= (long long)n) {
        if (!wmel__fe_reflect_reach(p)) return 0.0;
        i = i < 0 ? -i : 2 * ((long long)n - 1) - i;
    }
    return (double)x[i] * p->scale;
}

/* Stage 1: the signal as the framing sees it: scaled, pre-emphasised (signal mode), and
 * padded (reflect or zeros) beyond [0, n); padded mode: padded, then pre-emphasised from
 * the padded signal's first sample (index -pad_left) on. */
static double ref_signal(const wmel_frontend_plan *p, const float *x, size_t n, long long i)
{
    if (p->preemph_mode == WMEL_PREEMPH_PADDED_CUT && i + p->pad_left >= (long long)n) return 0.0; /* NeMo's mask */
    if (p->preemph_mode >= WMEL_PREEMPH_PADDED)
        return ref_padded(p, x, n, i) - (i > -(long long)p->pad_left ? p->preemph * ref_padded(p, x, n, i - 1) : 0.0);

    if (p->framing == WMEL_FRAMES_KALDI_CENTER) i = ref_kaldi_index(i, n);
    if (i < 0 || i >= (long long)n) {
        if (!wmel__fe_reflect_reach(p)) return 0.0;
        i = i < 0 ? -i : 2 * ((long long)n - 1) - i; /* numpy/torch "reflect" */
    }
    double y = (double)x[i] * p->scale;
    if (p->preemph_mode == WMEL_PREEMPH_SIGNAL && i > 0) y -= p->preemph * ((double)x[i - 1] * p->scale);
    return y;
}

/* Stage 2: frames [t0, t0 + nb) of frame_length samples. */
static void ref_frames(const wmel_fe *fe, const float *x, size_t n, size_t t0, size_t nb, double *fr)
{
    const wmel_frontend_plan *p = &fe->p;
    for (size_t b = 0; b < nb; b++) {
        /* Kaldi's FirstSampleOfFrame with snip_edges=false: t hop + hop / 2 - frame_length / 2 */
        const long long start = p->framing == WMEL_FRAMES_KALDI_CENTER
                                    ? (long long)((t0 + b) * (size_t)p->hop) + p->hop / 2 - p->frame_length / 2
                                    : (long long)((t0 + b) * (size_t)p->hop) + fe->off;
        for (int j = 0; j < p->frame_length; j++)
            fr[b * (size_t)p->frame_length + (size_t)j] = ref_signal(p, x, n, start + j);
        if (p->dither != 0.0) /* the dither, per frame, before DC removal (Kaldi) */
            for (int j = 0; j < p->frame_length; j++)
                fr[b * (size_t)p->frame_length + (size_t)j] += wmel__fe_noise(p, t0 + b, j);
    }
}

/* Stage 3: DC removal, raw log energy, pre-emphasis (frame mode), each its own step so that
 * wmel_ref_plan_stages can keep what each gives. */
static void ref_remove_dc(const wmel_fe *fe, size_t nb, double *fr)
{
    const int fl = fe->p.frame_length;
    if (!fe->p.remove_dc) return;
    for (size_t b = 0; b < nb; b++) {
        double *f = fr + b * (size_t)fl, s = 0.0;
        for (int j = 0; j < fl; j++) s += f[j];
        for (int j = 0; j < fl; j++) f[j] -= s / fl;
    }
}

static void ref_energy(const wmel_fe *fe, size_t nb, const double *fr, double *energy, int windowed)
{
    const wmel_frontend_plan *p = &fe->p;
    if (windowed != p->energy_windowed) return; /* before / after the window (raw_energy) */
    const int fl = p->frame_length;
    for (size_t b = 0; b < nb; b++) {
        const double *f = fr + b * (size_t)fl;
        double e = 0.0;
        for (int j = 0; j < fl; j++) e += f[j] * f[j];
        e = wmel__ln(fmax(e, FLT_EPSILON));
        if (p->energy_floor > 0.0) e = fmax(e, wmel__ln(p->energy_floor));
        energy[b] = e;
    }
}

static void ref_preemph_frame(const wmel_fe *fe, size_t nb, double *fr)
{
    const wmel_frontend_plan *p = &fe->p;
    const int fl = p->frame_length;
    if (p->preemph_mode != WMEL_PREEMPH_FRAME || p->preemph == 0.0) return;
    for (size_t b = 0; b < nb; b++) {
        double *f = fr + b * (size_t)fl;
        for (int j = fl - 1; j > 0; j--) f[j] -= p->preemph * f[j - 1];
        f[0] -= p->preemph * f[0];
    }
}

static void ref_frame_prep(const wmel_fe *fe, size_t nb, double *fr, double *energy)
{
    ref_remove_dc(fe, nb, fr);
    ref_energy(fe, nb, fr, energy, 0);
    ref_preemph_frame(fe, nb, fr);
}

/* Stage 4: the window. */
static void ref_window(const wmel_fe *fe, size_t nb, double *fr)
{
    const int fl = fe->p.frame_length;
    for (size_t b = 0; b < nb; b++)
        for (int j = 0; j < fl; j++) fr[b * (size_t)fl + (size_t)j] *= fe->window[j];
}

/* Stage 5: the power (or magnitude) spectrum by a direct DFT of the zero-padded frame. */
static void ref_spectrum(const wmel_fe *fe, const double *dft_cos, const double *dft_sin, size_t nb, const double *fr,
                         double *spec)
{
    const wmel_frontend_plan *p = &fe->p;
    const int fl = p->frame_length, N = p->n_fft, nbins = fe->n_bins;
    for (size_t b = 0; b < nb; b++) {
        const double *f = fr + b * (size_t)fl;
        for (int k = 0; k < nbins; k++) {
            double re = 0.0, im = 0.0;
            int idx = 0; /* j k mod N */
            for (int j = 0; j < fl; j++) {
                re += f[j] * dft_cos[idx];
                im -= f[j] * dft_sin[idx];
                idx += k;
                if (idx >= N) idx -= N;
            }
            double pw = re * re + im * im;
            if (p->mag_guard_mode == WMEL_MAG_GUARD_MAX) pw = fmax(pw, p->mag_guard);
            else if (p->mag_guard_mode == WMEL_MAG_GUARD_ADD) pw += p->mag_guard;
            spec[b * (size_t)nbins + (size_t)k] = p->power == 2 ? pw : sqrt(pw);
        }
    }
}

/* Stage 6b (n_ceps): the cepstra of the N log mels l (wmel.h, "Cepstra"), the DCT-II sum
 * written out: c[k] = s_k sum_j l[j] cos(pi k (2 j + 1) / (2 N)), s_0 = 1 / sqrt(N),
 * s_k = sqrt(2 / N); the lifter, the log energy e in c[0] (use_energy), HTK's order. */
static void ref_ceps(const wmel_frontend_plan *p, const double *l, double e, double *c)
{
    const int N = p->n_mels, K = p->n_ceps;
    for (int k = 0; k < K; k++) {
        double acc = 0.0;
        for (int j = 0; j < N; j++) acc += l[j] * cos(3.14159265358979323846 * k * (2 * j + 1) / (2.0 * N));
        c[k] = acc * (k ? sqrt(2.0 / N) : 1.0 / sqrt((double)N));
        if (p->cepstral_lifter > 0.0)
            c[k] *= 1.0 + p->cepstral_lifter / 2.0 * sin(3.14159265358979323846 * k / p->cepstral_lifter);
    }
    if (p->use_energy) c[0] = e;
    if (p->ceps_htk) {
        const double first = p->use_energy ? c[0] : c[0] * 1.4142135623730950488;
        memmove(c, c + 1, sizeof(double) * (size_t)(K - 1));
        c[K - 1] = first;
    }
}

/* Stage 6: mel bank and log, with the energy column first when asked for; mel (may be
 * NULL) receives the mel energies before the log, [nb][n_mels]. */
static void ref_mel_log(const wmel_fe *fe, size_t nb, const double *spec, const double *energy,
                        double *feat, double *mel)
{
    const wmel_frontend_plan *p = &fe->p;
    const size_t nbins = (size_t)fe->n_bins, nc = (size_t)fe->n_cols;
    double lm[WMEL_FE_MAX_MELS]; /* n_ceps: the frame's log mels before the DCT */
    for (size_t b = 0; b < nb; b++) {
        double *o = p->n_ceps > 0 ? lm : feat + b * nc;
        if (p->use_energy && p->n_ceps <= 0) *o++ = energy[b];
        for (int m = 0; m < p->n_mels; m++) {
            double acc = 0.0;
            for (size_t k = 0; k < nbins; k++) acc += fe->dense[(size_t)m * nbins + k] * spec[b * nbins + k];
            if (mel) mel[b * (size_t)p->n_mels + (size_t)m] = acc;
            switch (p->log) {
            case WMEL_LOG10_CLAMP: acc = wmel__log10(fmax(acc, p->log_guard)); break;
            case WMEL_LOG_ADD: acc = wmel__ln(acc + p->log_guard); break;
            case WMEL_LOG_CLAMP: acc = wmel__ln(fmax(acc, p->log_guard)); break;
            case WMEL_LOG_ZERO: acc = wmel__ln(acc < DBL_MIN ? p->log_guard : acc); break;
            case WMEL_LOG10_ZERO: acc = wmel__log10(acc < DBL_MIN ? p->log_guard : acc); break;
            default: break;
            }
            o[m] = acc;
        }
        if (p->n_ceps > 0) ref_ceps(p, lm, p->use_energy ? energy[b] : 0.0, feat + b * nc);
    }
}

/* Stage 7: over the clip: frames past the valid ones are 0 (and out of the statistics),
 * then the normalisation. feat: [nf][n_cols]. */
static int ref_normalise(const wmel_fe *fe, double *feat, size_t nf, size_t nv)
{
    const wmel_frontend_plan *p = &fe->p;
    const size_t nc = (size_t)fe->n_cols;
    /* the CPU backend holds each frame's values in float32 before the normalisation */
    if (p->log == WMEL_LOG_NONE && !wmel__fe_f32_ok(feat, nv * nc)) return WMEL_ERR_SAMPLE_RANGE;
    for (size_t t = nv; t < nf; t++)
        for (size_t c = 0; c < nc; c++) feat[t * nc + c] = 0.0;
    if (p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR) {
        double *st = malloc(sizeof(double) * 2 * nc);
        if (!st) return WMEL_ERR_NO_MEMORY;
        wmel__fe_stats_d(fe, feat, nv, st, st + nc);
        if (p->norm_flags & WMEL_NORMF_ALL) { /* one mean and one denominator for every column */
            double s = 0.0, ss = 0.0;
            for (size_t i = 0; i < nv * nc; i++) s += feat[i];
            const double mu = nv ? s / (double)(nv * nc) : 0.0;
            for (size_t i = 0; i < nv * nc; i++) ss += (feat[i] - mu) * (feat[i] - mu);
            const double d = wmel__fe_denom(p, ss, nv * nc);
            for (size_t c = 0; c < nc; c++) st[c] = mu, st[nc + c] = d;
        }
        for (size_t c = 0; c < nc; c++) st[nc + c] = wmel__fe_den_floor(p, st[nc + c], st[c]);
        for (size_t t = 0; t < nv; t++)
            for (size_t c = 0; c < nc; c++) {
                const double d = st[nc + c];
                feat[t * nc + c] = d > 0.0 ? (feat[t * nc + c] - st[c]) / d : 0.0;
            }
        free(st);
    } else if (p->norm == WMEL_NORM_WHOLE && nv) {
        double mx = -HUGE_VAL;
        for (size_t i = 0; i < nv * nc; i++) mx = fmax(mx, feat[i]);
        if (p->norm_flags & WMEL_NORMF_FIXED_MAX) mx = p->norm_max;
        const double range = p->norm_range > 0.0 ? p->norm_range : 8.0;
        for (size_t i = 0; i < nv * nc; i++) feat[i] = (fmax(feat[i], mx - range) + 4.0) / 4.0;
    }
    return WMEL_OK;
}

/* Stage 7b: the output's frames [nv, nfo) are pad_value, then the affine over [0, nfo). */
static void ref_pad_affine(const wmel_fe *fe, double *feat, size_t nv, size_t nfo)
{
    const wmel_frontend_plan *p = &fe->p;
    const size_t nc = (size_t)fe->n_cols;
    for (size_t i = nv * nc; i < nfo * nc; i++) feat[i] = p->pad_value;
    if (p->affine)
        for (size_t i = 0; i < nfo * nc; i++) feat[i] = feat[i] * p->post_scale + p->post_shift;
    if (p->norm == WMEL_NORM_WHOLE && (p->norm_flags & WMEL_NORMF_THEN_MEAN_VAR))
        for (size_t c = 0; c < nc; c++) { /* each column over the valid frames, two passes */
            double s = 0.0, ss = 0.0;
            for (size_t t = 0; t < nv; t++) s += feat[t * nc + c];
            const double mu = nv ? s / (double)nv : 0.0;
            for (size_t t = 0; t < nv; t++) ss += (feat[t * nc + c] - mu) * (feat[t * nc + c] - mu);
            double d = 1.0;
            if (!(p->norm_flags & WMEL_NORMF_MEAN_ONLY)) {
                const size_t dof = p->norm_flags & WMEL_NORMF_POPULATION ? nv : nv - (nv > 0);
                d = fmax(dof ? sqrt(ss / (double)dof) : 0.0, p->norm_eps);
                if (p->norm_eps == 0.0 && d <= 1e-12 * fabs(mu)) d = 0.0; /* a constant column */
            }
            for (size_t t = 0; t < nv; t++) feat[t * nc + c] = d > 0.0 ? (feat[t * nc + c] - mu) / d : 0.0;
        }
    if (fe->col_scale && !fe->p.cols_stacked)
        for (size_t i = 0; i < nfo * nc; i++) feat[i] = feat[i] * fe->col_scale[i % nc] + fe->col_shift[i % nc];
}

/* Stage 9 (a post stage's plan, wmel.h "Stacking, deltas"), written from the definition:
 * the T frames rounded to float32, each output value in double from them, rounded once. */
static void ref_post(const wmel_fe *fe, const double *feat, size_t T, float *out, size_t rows, size_t cols)
{
    const wmel_frontend_plan *p = &fe->p;
    const size_t w = (size_t)fe->n_cols, m = (size_t)p->stack, wd = cols / (m ? m : 1);
    const long long S = p->stack_stride ? p->stack_stride : p->stack, L = p->stack_left;
    const long long N = p->delta_win ? (p->delta_win - 1) / 2 : 0, TT = (long long)T;
    const double den = (double)N * (double)(N + 1) * (double)(2 * N + 1) / 3.0;
#define X(t, c) ((double)(float)feat[(size_t)(t) * w + (c)])
    for (size_t r = 0; r < rows; r++)
        for (size_t k = 0; k < m; k++) {
            float *o = out + r * cols + k * wd;
            long long s = (long long)r * S + (long long)k - L;
            if (s < 0) s = 0;
            if (s >= TT) {
                if (p->stack_tail == WMEL_STACK_TAIL_LAST) {
                    s = TT - 1;
                } else {
                    for (size_t j = 0; j < wd; j++)
                        o[j] = p->stack_tail == WMEL_STACK_TAIL_FILL ? (float)p->stack_fill : 0.0f;
                    continue;
                }
            }
            for (size_t c = 0; c < w; c++) {
                o[c] = (float)feat[(size_t)s * w + c];
                if (!N) continue;
                double d = 0.0;
                for (long long j = 1; j <= N; j++)
                    d += (double)j * (X(s + j < TT ? s + j : TT - 1, c) - X(s - j >= 0 ? s - j : 0, c));
                o[w + c] = (float)(d / den);
            }
        }
#undef X
    if (p->cols_stacked && fe->col_scale)
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < cols; j++)
                out[r * cols + j] = (float)((double)out[r * cols + j] * fe->col_scale[j] + fe->col_shift[j]);
}

/* Stage 8: padding, stacking and layout, rounded once to float32. */
static void ref_layout(const wmel_fe *fe, const double *feat, size_t nf, float *out, size_t rows,
                       size_t cols)
{
    const size_t nc = (size_t)fe->n_cols;
    memset(out, 0, sizeof(float) * rows * cols);
    for (size_t t = 0; t < nf; t++)
        for (size_t c = 0; c < nc; c++) {
            const float v = (float)feat[t * nc + c];
            if (fe->p.layout == WMEL_LAYOUT_MELS_FRAMES) out[c * cols + t] = v;
            else out[t * nc + c] = v; /* frames stacked k at a time are consecutive */
        }
}

int wmel__fe_ref(const wmel_ctx *ctx, const float *x, size_t n, float *out)
{
    const wmel_fe *fe = ctx->fe;
    const wmel_frontend_plan *p = &fe->p;
    size_t rows, cols;
    int rc = wmel__fe_shape(p, n, &rows, &cols);
    if (rc) return rc;
    const size_t nv = wmel__fe_valid(p, n), nfo = wmel__fe_out_frames(p, n);
    size_t nf = p->valid == WMEL_VALID_TRIM ? nv : wmel__fe_frames(p, n);
    if (nf > nfo) nf = nfo; /* n_frames: later frames are not part of the output */
    const size_t nc = (size_t)fe->n_cols, fl = (size_t)p->frame_length;
    double *feat = malloc(sizeof(double) * (nfo ? nfo : 1) * nc);
    double *fr = malloc(sizeof(double) * REF_BLOCK * fl);
    double *spec = malloc(sizeof(double) * REF_BLOCK * (size_t)fe->n_bins);
    double *dft = malloc(sizeof(double) * 2 * (size_t)p->n_fft);
    double energy[REF_BLOCK];
    rc = WMEL_ERR_NO_MEMORY;
    if (feat && fr && spec && dft) {
        wmel__fe_dft(p->n_fft, dft, dft + p->n_fft);
        for (size_t t0 = 0; t0 < nf; t0 += REF_BLOCK) {
            const size_t nb = nf - t0 < REF_BLOCK ? nf - t0 : REF_BLOCK;
            ref_frames(fe, x, n, t0, nb, fr);
            ref_frame_prep(fe, nb, fr, energy);
            ref_window(fe, nb, fr);
            ref_energy(fe, nb, fr, energy, 1);
            ref_spectrum(fe, dft, dft + p->n_fft, nb, fr, spec);
            ref_mel_log(fe, nb, spec, energy, feat + t0 * nc, NULL);
        }
        rc = ref_normalise(fe, feat, nf, nv);
        if (rc == WMEL_OK) {
            ref_pad_affine(fe, feat, nv, nfo);
            if (wmel__fe_post_on(p)) ref_post(fe, feat, nfo, out, rows, cols);
            else ref_layout(fe, feat, nfo, out, rows, cols);
        }
    }
    free(feat);
    free(fr);
    free(spec);
    free(dft);
    return rc;
}

/* ---- wmel_ref_plan_stages: the same steps, one frame block at a time, kept in double ---- */

/* [nb][w] block rows into [w][n_frames] columns i0 .. i0 + nb - 1. */
static void ref_put_cols(const double *blk, size_t nb, size_t w, double *dst, size_t n_frames, size_t i0)
{
    for (size_t b = 0; b < nb; b++)
        for (size_t k = 0; k < w; k++) dst[k * n_frames + i0 + b] = blk[b * w + k];
}

int wmel_ref_plan_stages(const wmel_frontend_plan *plan, const float *pcm, size_t n_samples,
                         const wmel_stage_span *span, wmel_plan_stage_out *out)
{
    if (!plan || !span || !out || (!pcm && n_samples)) return WMEL_ERR_NULL_POINTER;
    int rc = wmel__fe_check(plan);
    if (rc) return rc;
    if (span->step < 1 || plan->n_samples) return WMEL_ERR_INVALID_ARG; /* n_samples: wmel_features' */
    size_t rows, cols;
    if ((rc = wmel__fe_shape(plan, n_samples, &rows, &cols)) != WMEL_OK) return rc;
    const size_t total = wmel__fe_frames(plan, n_samples), nf = span->n_frames;
    if (nf == 0) return WMEL_OK;
    if (span->first >= total || (nf - 1) > (total - 1 - span->first) / span->step) return WMEL_ERR_INVALID_ARG;
    for (size_t i = 0; i < n_samples; i++)
        if (!isfinite(pcm[i])) return WMEL_ERR_NOT_FINITE;
    wmel_fe *fe = NULL;
    wmel_frontend_plan q = *plan; /* the stages end at the log: the cepstra (n_ceps) come after it */
    q.n_ceps = 0, q.ceps_htk = 0, q.cepstral_lifter = 0.0;
    if ((rc = wmel__fe_compile(&q, &fe)) != WMEL_OK) return rc;
    if (out->window) memcpy(out->window, fe->window, sizeof(double) * (size_t)plan->frame_length);
    const size_t fl = (size_t)plan->frame_length, nbins = (size_t)fe->n_bins, nc = (size_t)fe->n_cols;
    const size_t nm = (size_t)plan->n_mels;
    double *fr = malloc(sizeof(double) * REF_BLOCK * fl);
    double *spec = malloc(sizeof(double) * REF_BLOCK * nbins);
    double *feat = malloc(sizeof(double) * REF_BLOCK * nc);
    double *mel = malloc(sizeof(double) * REF_BLOCK * nm);
    double *dft = malloc(sizeof(double) * 2 * (size_t)q.n_fft);
    double energy[REF_BLOCK];
    rc = fr && spec && feat && mel && dft ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    if (rc == WMEL_OK) wmel__fe_dft(q.n_fft, dft, dft + q.n_fft);
    for (size_t i0 = 0; rc == WMEL_OK && i0 < nf; i0 += REF_BLOCK) {
        const size_t nb = nf - i0 < REF_BLOCK ? nf - i0 : REF_BLOCK;
        for (size_t b = 0; b < nb; b++) /* frames of the span, one at a time into the block */
            ref_frames(fe, pcm, n_samples, span->first + (i0 + b) * span->step, 1, fr + b * fl);
        if (out->signal) memcpy(out->signal + i0 * fl, fr, sizeof(double) * nb * fl);
        ref_remove_dc(fe, nb, fr);
        if (out->dc) memcpy(out->dc + i0 * fl, fr, sizeof(double) * nb * fl);
        ref_energy(fe, nb, fr, energy, 0);
        ref_preemph_frame(fe, nb, fr);
        if (out->preemph) memcpy(out->preemph + i0 * fl, fr, sizeof(double) * nb * fl);
        ref_window(fe, nb, fr);
        ref_energy(fe, nb, fr, energy, 1);
        if (out->windowed) memcpy(out->windowed + i0 * fl, fr, sizeof(double) * nb * fl);
        if (!out->power && !out->mel && !out->logmel) continue;
        ref_spectrum(fe, dft, dft + q.n_fft, nb, fr, spec);
        if (out->power) ref_put_cols(spec, nb, nbins, out->power, nf, i0);
        if (!out->mel && !out->logmel) continue;
        ref_mel_log(fe, nb, spec, energy, feat, mel);
        if (out->mel) ref_put_cols(mel, nb, nm, out->mel, nf, i0);
        if (out->logmel) ref_put_cols(feat, nb, nc, out->logmel, nf, i0);
    }
    free(fr);
    free(spec);
    free(feat);
    free(mel);
    free(dft);
    wmel__fe_free(fe);
    return rc;
}
