/*
 * devplan.c -- a compiled plan lowered once for every device backend (devplan.h): the
 * CUDA and Vulkan backends take their device plan from here and keep only how they
 * allocate, upload, dispatch and wait.
 */
#include "internal.h"
#include "fe/fe.h"
#include "devplan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The FFT's radices for n_fft (a complex FFT of n_fft / 2 points, eights first, then at
 * most one four and one two, threes and fives: 200 is 8 x 5 x 5, 256 8 x 8 x 4); their
 * count, or 0 where the direct DFT is taken: n_fft odd, a frame longer than n_fft, another
 * prime factor, more stages (or more of a radix) than the kernels have slots for
 * (wmel_plan_check admits none of these today), or the testing switch lim->dft_only. */
static int radices(int n_fft, int fl, const wmel_dp_limits *lim, int radix[WMEL_DP_STAGES])
{
    if (lim->dft_only || n_fft < 4 || n_fft % 2 || fl > n_fft) return 0;
    static const int order[] = {8, 4, 2, 3, 5};
    const int most = lim->max_stages < WMEL_DP_STAGES ? lim->max_stages : WMEL_DP_STAGES;
    int m = n_fft / 2, n = 0;
    for (int i = 0; i < 5; i++)
        for (int k = 0; m % order[i] == 0; k++) {
            if (n == most || (lim->slots[i] && k == lim->slots[i])) return 0;
            radix[n++] = order[i];
            m /= order[i];
        }
    return m == 1 ? n : 0;
}

/* The FFT (or the DFT) and the frame's shared words, once the frame's geometry is set. */
static void spectrum(const wmel_dp_limits *lim, wmel_devplan *dp)
{
    dp->n_stages = radices(dp->n_fft, dp->fl, lim, dp->radix);
    dp->fft = dp->n_stages > 0;
    const long long red = dp->reduce ? lim->wg : 0;
    dp->dft_words = (long long)dp->fl + dp->nbins + red;
    dp->sh_words = dp->fft ? (long long)dp->n_fft + red : dp->dft_words;
}

/* The plan's framing rules (wmel__fe_sample's); 0 for a framing the kernels do not know. */
static int framing(const wmel_frontend_plan *p, wmel_devplan *dp)
{
    if (p->framing != WMEL_FRAMES_SNIP && p->framing != WMEL_FRAMES_CENTER_REFLECT &&
        p->framing != WMEL_FRAMES_CENTER_ZERO && p->framing != WMEL_FRAMES_KALDI_CENTER)
        return 0;
    const int padded = p->preemph_mode >= WMEL_PREEMPH_PADDED; /* the SNIP framing only (wmel_plan_check) */
    dp->smode = padded;
    if (padded) /* the padding of the explicit framing: pad_mode */
        dp->pad_rule = p->pad_mode == WMEL_PAD_REFLECT ? WMEL_DP_PAD_REFLECT : WMEL_DP_PAD_ZERO;
    else if (p->framing == WMEL_FRAMES_KALDI_CENTER)
        dp->pad_rule = WMEL_DP_PAD_KALDI;
    else
        dp->pad_rule = p->framing == WMEL_FRAMES_CENTER_REFLECT ||
                               (p->framing == WMEL_FRAMES_SNIP && p->pad_mode == WMEL_PAD_REFLECT)
                           ? WMEL_DP_PAD_REFLECT
                           : WMEL_DP_PAD_ZERO;
    dp->sigpre = p->preemph_mode == WMEL_PREEMPH_SIGNAL && p->preemph != 0.0;
    dp->padpre = padded && p->preemph != 0.0;
    dp->padcut = p->preemph_mode == WMEL_PREEMPH_PADDED_CUT;
    dp->scale_one = p->scale == 1.0;
    return 1;
}

/* The frame's steps and their constants. */
static void steps(const wmel_frontend_plan *p, wmel_devplan *dp)
{
    dp->remove_dc = p->remove_dc != 0;
    dp->use_energy = p->use_energy != 0;
    dp->energy_mode = p->use_energy ? (p->energy_windowed ? 2 : 1) : 0;
    dp->preemph_frame = p->preemph_mode == WMEL_PREEMPH_FRAME && p->preemph != 0.0;
    dp->power = p->power == 2 ? 2 : 1;
    dp->guard = p->mag_guard_mode == WMEL_MAG_GUARD_MAX ? 1 : p->mag_guard_mode == WMEL_MAG_GUARD_ADD ? 2 : 0;
    dp->log_mode = p->log == WMEL_LOG10_CLAMP ? 1
                 : p->log == WMEL_LOG_ADD     ? 2
                 : p->log == WMEL_LOG_CLAMP   ? 3
                 : p->log == WMEL_LOG_ZERO    ? 4
                 : p->log == WMEL_LOG10_ZERO  ? 5
                                              : 0;
    dp->floor_on = p->energy_floor > 0.0;
    dp->reduce = dp->remove_dc || dp->energy_mode != 0;
    dp->scale = p->scale;
    dp->preemph = p->preemph;
    dp->mag_guard = p->mag_guard;
    dp->log_guard = p->log_guard;
    dp->ln_floor = p->energy_floor > 0.0 ? log(p->energy_floor) : 0.0;
    dp->dither_on = p->dither != 0.0;
    dp->dither_seed = (uint32_t)p->dither_seed;
    dp->dither = p->dither;
}

/* The finish's rules (fe_cpu.c's, fe_post.c's post stage). */
static void finish_rules(const wmel_fe *fe, wmel_dp_finish *f)
{
    const wmel_frontend_plan *p = &fe->p;
    const int stats = p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR, ext = wmel__fe_ext_fe(fe);
    memset(f, 0, sizeof *f);
    f->fmaj = p->layout == WMEL_LAYOUT_FRAMES_MELS;
    f->norm = p->norm == WMEL_NORM_NONE ? 2 : p->norm == WMEL_NORM_MEAN_VAR ? 1 : p->norm == WMEL_NORM_WHOLE ? 3 : 0;
    f->fixed_max = p->norm == WMEL_NORM_WHOLE && (p->norm_flags & WMEL_NORMF_FIXED_MAX);
    f->ext = ext;
    f->affine = ext && p->affine;
    f->then = p->norm == WMEL_NORM_WHOLE && (p->norm_flags & WMEL_NORMF_THEN_MEAN_VAR);
    /* THEN_MEAN_VAR is a norm flag, so the finish is the appended one (wmel__fe_ext) */
    f->pop = ext && (stats || f->then) && (p->norm_flags & WMEL_NORMF_POPULATION);
    f->mean_only = ext && (stats || f->then) && (p->norm_flags & WMEL_NORMF_MEAN_ONLY);
    f->floor = ext && (stats || f->then) && p->norm_eps == 0.0;
    f->all = stats && (p->norm_flags & WMEL_NORMF_ALL);
    f->fill = wmel__fe_fill_rows(p);
    f->cols = fe->col_scale ? (p->cols_stacked ? 2 : 1) : 0;
    f->pad = (float)p->pad_value;
    f->fill_value = (float)p->stack_fill;
    f->norm_max = (float)p->norm_max;
    f->norm_range = (float)(p->norm_range > 0.0 ? p->norm_range : 8.0);
    f->eps = p->norm_eps;
    f->post_scale = f->affine ? p->post_scale : 1.0;
    f->post_shift = f->affine ? p->post_shift : 0.0;
    f->den_floor = 1e-12; /* wmel__fe_den_floor's factor */
    f->M = p->stack > 1 ? p->stack : 1;
    f->S = p->stack_stride ? p->stack_stride : f->M;
    f->L = p->stack_left;
    f->tail = p->stack_tail == WMEL_STACK_TAIL_LAST ? 1 : p->stack_tail == WMEL_STACK_TAIL_FILL ? 2 : 0;
    f->dw = p->delta_win ? (p->delta_win - 1) / 2 : 0;
    const double N = (double)f->dw;
    f->denom = N * (N + 1.0) * (2.0 * N + 1.0) / 3.0; /* fe_post.c's */
}

/* Whether the frames run on the device (dp->frames_ok), the reason in dp->why. */
static int frames_ok(const wmel_frontend_plan *p, const wmel_dp_limits *lim, wmel_devplan *dp)
{
    const size_t len = sizeof dp->why;
    if (p->dither != 0.0 && !lim->noise)
        return wmel__answer(0, dp->why, len, "the plan is dithered and %s's frame kernels do not draw the noise: its "
                                             "frames run on the CPU", lim->name);
    if (p->energy_windowed)
        return wmel__answer(0, dp->why, len, "the plan's log energy is the windowed frame's (energy_windowed): its frames "
                                             "run on the CPU");
    if (!dp->framing_ok)
        return wmel__answer(0, dp->why, len, "framing %d has no device framing; the frames run on the CPU", p->framing);
    if (lim->smem && dp->sh_words * 8 > lim->smem)
        return wmel__answer(0, dp->why, len, "a frame needs %lld bytes of shared memory, past the kernel's %lld: the "
                                             "frames run on the CPU", dp->sh_words * 8, lim->smem);
    if (p->n_mels <= 0) return wmel__answer(0, dp->why, len, "the plan has no mel bank");
    if (p->dither != 0.0 && lim->noise_needs)
        return wmel__answer(1, dp->why, len, "the dither's noise needs %s: %s computes the plan's "
                                             "frames on the general algorithm (%s, n_fft %d)", lim->noise_needs,
                            lim->name, dp->fft ? "FFT" : "DFT", p->n_fft);
    return wmel__answer(1, dp->why, len, "%s computes the plan's frames on the general algorithm (%s, n_fft %d)", lim->name,
                        dp->fft ? "FFT" : "DFT", p->n_fft);
}

int wmel__devplan_lower(const wmel_fe *fe, const wmel_dp_limits *lim, wmel_devplan *dp)
{
    const wmel_frontend_plan *p = &fe->p;
    memset(dp, 0, sizeof *dp);
    dp->fl = p->frame_length;
    dp->n_fft = p->n_fft;
    dp->nbins = fe->n_bins;
    dp->n_mels = p->n_mels;
    dp->nnz = p->n_mels > 0 ? fe->mel_off[p->n_mels - 1] + fe->mel_len[p->n_mels - 1] : 0;
    dp->pad_left = p->pad_left;
    dp->hop = p->hop;
    dp->off = fe->off;
    dp->framing_ok = framing(p, dp);
    steps(p, dp);
    dp->log10e = 0.43429448190325182765;
    dp->sqrt2 = sqrt(2.0);
    spectrum(lim, dp);
    dp->frames_ok = frames_ok(p, lim, dp);
    /* the cepstra on the device: the log mels (at most 4 wg) in the frame's shared words */
    dp->ceps = p->n_ceps > 0 && fe->dct && p->n_mels <= 4 * lim->wg && (!lim->ceps_in_frame || p->n_mels <= dp->sh_words) &&
               !lim->vals_f64;
    dp->n_ceps = dp->ceps ? p->n_ceps : 0;
    dp->ceps_htk = dp->ceps && p->ceps_htk;
    dp->n_cols = dp->ceps ? fe->n_cols : fe->n_raw; /* the cepstra, or the log energy and log mels */
    /* the values read back as float32, rounded on the device as the finish's cast would */
    dp->vals_f32 = (p->n_ceps == 0 || dp->ceps) && !lim->vals_f64;
    /* the per-column scales (the frames' columns, or with cols_stacked the rows') */
    dp->n_colvec = fe->col_scale && fe->n_colvec == wmel__fe_n_colvec(p) ? fe->n_colvec : 0;
    dp->finish = dp->vals_f32 && wmel__fe_dev_finish(fe, WMEL__DEV_POST | WMEL__DEV_THEN | WMEL__DEV_ALL) &&
                 (!fe->col_scale || dp->n_colvec);
    dp->post = wmel__fe_post_on(p) && !wmel__fe_fill_rows(p);
    finish_rules(fe, &dp->fin);
    dp->window = fe->window, dp->melw = fe->mel_w;
    dp->col_scale = fe->col_scale, dp->col_shift = fe->col_shift, dp->dct = fe->dct;
    dp->mel_lo = fe->mel_lo, dp->mel_len = fe->mel_len, dp->mel_off = fe->mel_off;
    return dp->frames_ok;
}

int wmel__devplan_finish_why(const wmel_fe *fe, const wmel_devplan *dp, const wmel_dp_limits *lim, const char *kernel,
                             char *why, size_t len)
{
    const wmel_frontend_plan *p = &fe->p;
    if (p->n_ceps > 0 && !dp->ceps)
        return wmel__answer(0, why, len, "cepstra of %d mels (past %d) are taken on the host", p->n_mels, 4 * lim->wg);
    if (!wmel__fe_dev_finish(fe, WMEL__DEV_POST | WMEL__DEV_THEN | WMEL__DEV_ALL))
        return wmel__answer(0, why, len, "the plan's finish is not one %s makes (a post stage in the mels x frames layout, "
                                         "or a normalisation it lacks): the host makes it, in float64", kernel);
    return wmel__answer(1, why, len, "%s makes the plan's finish%s on the device", lim->name,
                        wmel__fe_post_on(p) ? " and post stage" : "");
}

void wmel__devplan_whisper(const wmel_fe *fe, const wmel_dp_limits *lim, wmel_devplan *dp)
{
    const wmel_plan *pl = fe->pfa400;
    memset(dp, 0, sizeof *dp);
    dp->whisper = 1;
    dp->fl = WMEL_N_FFT, dp->n_fft = WMEL_N_FFT, dp->nbins = WMEL_N_BINS;
    dp->n_mels = pl->n_mels, dp->n_cols = pl->n_mels, dp->nnz = pl->mel_nnz;
    dp->hop = WMEL_HOP;
    dp->off = -(long long)WMEL_PAD; /* wmel__signal_span: frame t at 160 t - 200 of the clip */
    dp->framing_ok = 1;
    dp->pad_rule = WMEL_DP_PAD_REFLECT;
    dp->scale_one = 1;
    dp->power = 2;
    dp->log_mode = 1;
    dp->scale = 1.0;
    dp->log_guard = 1e-10;
    dp->log10e = 0.43429448190325182765;
    dp->sqrt2 = sqrt(2.0);
    spectrum(lim, dp);
    dp->frames_ok = wmel__answer(1, dp->why, sizeof dp->why, "%s computes Whisper's geometry on its 400-point tables",
                                 lim->name);
    dp->post = wmel__fe_post_on(&fe->p) && !wmel__fe_fill_rows(&fe->p);
    finish_rules(fe, &dp->fin); /* the plan's own rules, beside the ctx's params */
    dp->window = pl->window_d, dp->melw = pl->mel_wd;
    dp->mel_lo = pl->mel_lo, dp->mel_len = pl->mel_len, dp->mel_off = pl->mel_off;
}

void wmel__devplan_layout(const wmel_devplan *dp, size_t head, size_t int_head, wmel_dp_layout *L)
{
    L->win = head;
    L->co = L->win + (size_t)dp->fl;
    L->so = L->co + (size_t)dp->n_fft;
    L->mo = L->so + (size_t)dp->n_fft;
    L->cs = L->mo + (size_t)dp->nnz; /* the per-column scales, then shifts; then the DCT's rows */
    L->dct = L->cs + 2 * dp->n_colvec;
    L->words = L->dct + (dp->ceps ? (size_t)dp->n_ceps * (size_t)dp->n_mels : 0);
    L->lo = int_head;
    L->len = L->lo + (size_t)dp->n_mels;
    L->moff = L->len + (size_t)dp->n_mels;
    L->perm = L->moff + (size_t)dp->n_mels;
    L->int_words = L->perm + (dp->fft ? (size_t)dp->n_fft / 2 : 0);
}

void wmel__devplan_tables(const wmel_devplan *dp, const wmel_dp_layout *L, double *tab)
{
    memcpy(tab + L->win, dp->window, (size_t)dp->fl * sizeof(double));
    wmel__fe_dft(dp->n_fft, tab + L->co, tab + L->so); /* (for Whisper the values of plan.c's tables) */
    memcpy(tab + L->mo, dp->melw, (size_t)dp->nnz * sizeof(double));
    if (dp->n_colvec) {
        memcpy(tab + L->cs, dp->col_scale, dp->n_colvec * sizeof(double));
        memcpy(tab + L->cs + dp->n_colvec, dp->col_shift, dp->n_colvec * sizeof(double));
    }
    if (L->words > L->dct) memcpy(tab + L->dct, dp->dct, (L->words - L->dct) * sizeof(double));
}

void wmel__devplan_ints(const wmel_devplan *dp, const wmel_dp_layout *L, int perm, int *ints)
{
    memcpy(ints + L->lo, dp->mel_lo, (size_t)dp->n_mels * sizeof(int));
    memcpy(ints + L->len, dp->mel_len, (size_t)dp->n_mels * sizeof(int));
    memcpy(ints + L->moff, dp->mel_off, (size_t)dp->n_mels * sizeof(int));
    if (!perm || !dp->fft) return;
    int span[WMEL_DP_STAGES]; /* the stages' sub-transform lengths: radix[0] .. radix[t - 1] */
    for (int t = 0, l = 1; t < dp->n_stages; l *= dp->radix[t], t++) span[t] = l;
    for (int z = 0; z < dp->n_fft / 2; z++) {
        int d = z, at = 0;
        for (int t = dp->n_stages - 1; t >= 0; t--) {
            at += (d % dp->radix[t]) * span[t];
            d /= dp->radix[t];
        }
        ints[L->perm + (size_t)z] = at;
    }
}

uint32_t wmel__devplan_ff_limit(const wmel_devplan *dp)
{
    return wmel__ff_limit_bits(dp->window, dp->fl, dp->melw, dp->mel_off, dp->mel_len, dp->n_mels, dp->preemph,
                               dp->scale);
}
