/*
 * fe_plan.c -- the front-end plans: the presets (data only), the checks, and the compiled
 * plan (window, mel bank, transform), each computed in double once at create time. The
 * checks also say, in a sentence, which field failed and what it may be (wmel_plan_check).
 *
 * Mel banks: WMEL_MEL_SLANEY follows librosa.filters.mel (Slaney's scale, triangles in Hz
 * between mel-spaced points, norm="slaney" area normalisation), which NeMo builds its
 * filter bank with; WMEL_MEL_KALDI follows Kaldi's MelBanks (1127 ln(1 + f / 700),
 * triangles in mel between equally spaced points, FFT bins 0 .. n_fft/2 - 1), which
 * kaldi-native-fbank, torchaudio.compliance.kaldi and transformers' mel_filter_bank(
 * mel_scale="kaldi", triangularize_in_mel_space=True) compute as well (they in float32,
 * wmel in double). WMEL_MEL_HTK is the Slaney construction on HTK's scale (2595 log10(1 +
 * f / 700): torchaudio melscale_fbanks, transformers mel_filter_bank(mel_scale="htk"));
 * WMEL_MEL_TF is Kaldi's construction over bins 1 .. n_fft/2, the Nyquist bin included
 * (TensorFlow's linear_to_mel_weight_matrix). WMEL_BANK_ALLOW_EMPTY keeps the empty filters
 * those refuse; WMEL_BANK_BF16 rounds the window and the weights as torch's .to(bfloat16).
 */
#include "fe.h"
#include "plan_fields.h"
#include "fe_noise.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double PI = 3.14159265358979323846264338327950288;

int wmel_frontend_preset(int frontend, int n_mels, wmel_frontend_plan *plan)
{
    if (!plan) return WMEL_ERR_NULL_POINTER;
    if (frontend < WMEL_FRONTEND_WHISPER || frontend > WMEL_FRONTEND_NEMO_LEGACY)
        return WMEL_ERR_INVALID_ARG;
    if (n_mels == 0) n_mels = 80;
    if (frontend == WMEL_FRONTEND_WHISPER ? (n_mels != 80 && n_mels != 128)
                                          : (n_mels < 1 || n_mels > WMEL_FE_MAX_MELS))
        return WMEL_ERR_INVALID_ARG;
    wmel_frontend_plan p;
    memset(&p, 0, sizeof p);
    p.frontend = frontend;
    p.sample_rate = 16000;
    p.frame_length = 400;
    p.hop = 160;
    p.n_mels = n_mels;
    p.power = 2;
    p.stack = 1;
    p.scale = 1.0;
    switch (frontend) {
    case WMEL_FRONTEND_WHISPER:
        p.n_fft = 400;
        p.window = WMEL_WINDOW_HANN_PERIODIC;
        p.framing = WMEL_FRAMES_CENTER_REFLECT;
        p.mel_scale = WMEL_MEL_SLANEY;
        p.mel_norm = WMEL_MELNORM_SLANEY;
        p.log = WMEL_LOG10_CLAMP;
        p.log_guard = 1e-10;
        p.norm = WMEL_NORM_WHOLE;
        p.valid = WMEL_VALID_TRIM;
        p.layout = WMEL_LAYOUT_MELS_FRAMES;
        break;
    case WMEL_FRONTEND_NEMO:
    case WMEL_FRONTEND_NEMO_LEGACY:
        p.n_fft = 512;
        p.window = WMEL_WINDOW_HANN;
        p.framing = frontend == WMEL_FRONTEND_NEMO ? WMEL_FRAMES_CENTER_ZERO
                                                   : WMEL_FRAMES_CENTER_REFLECT;
        p.preemph_mode = WMEL_PREEMPH_SIGNAL;
        p.preemph = 0.97;
        p.mel_scale = WMEL_MEL_SLANEY;
        p.mel_norm = WMEL_MELNORM_SLANEY;
        p.log = WMEL_LOG_ADD;
        p.log_guard = 5.9604644775390625e-08; /* 2^-24 */
        p.norm = WMEL_NORM_PER_FEATURE;
        p.norm_eps = 1e-5;
        p.valid = frontend == WMEL_FRONTEND_NEMO ? WMEL_VALID_HOP : WMEL_VALID_ALL;
        p.layout = WMEL_LAYOUT_MELS_FRAMES;
        break;
    case WMEL_FRONTEND_KALDI:
    case WMEL_FRONTEND_SEAMLESS:
        p.n_fft = 512;
        p.window = WMEL_WINDOW_POVEY;
        p.framing = WMEL_FRAMES_SNIP;
        p.remove_dc = 1;
        p.preemph_mode = WMEL_PREEMPH_FRAME;
        p.preemph = 0.97;
        p.mel_scale = WMEL_MEL_KALDI;
        p.mel_norm = WMEL_MELNORM_NONE;
        p.low_freq = 20.0;
        p.log = WMEL_LOG_CLAMP;
        p.log_guard = FLT_EPSILON; /* Kaldi: std::numeric_limits<float>::epsilon() */
        p.norm = WMEL_NORM_NONE;
        p.valid = WMEL_VALID_ALL;
        p.layout = WMEL_LAYOUT_FRAMES_MELS;
        p.scale = 32768.0;
        if (frontend == WMEL_FRONTEND_SEAMLESS) {
            p.log_guard = 1.192092955078125e-07; /* transformers' mel_floor, as written there */
            p.norm = WMEL_NORM_MEAN_VAR;
            p.norm_eps = 1e-7;
            p.stack = 2;
        }
        break;
    }
    *plan = p;
    return WMEL_OK;
}

static double high_hz(const wmel_frontend_plan *p)
{
    return p->high_freq > 0.0 ? p->high_freq : p->sample_rate / 2.0 + p->high_freq;
}

/* n / 2 made of 2, 3 and 5 only. */
static int smooth_size(int n)
{
    int m = n / 2;
    while (m % 2 == 0) m /= 2;
    while (m % 3 == 0) m /= 3;
    while (m % 5 == 0) m /= 5;
    return m == 1;
}


/* The mel scales, one definition each (the banks, the centres): Slaney's is plan.c's (Whisper's
 * bank uses it too), Kaldi's is here, HTK's (2595 log10) only here. */
double wmel__kaldi_mel(double f) { return 1127.0 * log(1.0 + f / 700.0); }
double wmel__kaldi_hz(double m) { return 700.0 * (exp(m / 1127.0) - 1.0); }
static double htk_mel(double f) { return 2595.0 * log10(1.0 + f / 700.0); }
static double htk_hz(double m) { return 700.0 * (pow(10.0, m / 2595.0) - 1.0); }

/* ---- VTLN (Kaldi's mel-computations.cc, VtlnWarpFreq) ---- */

static int vtln_on(const wmel_frontend_plan *p) { return p->vtln_warp != 0.0 && p->vtln_warp != 1.0; }
static double vtln_lo_hz(const wmel_frontend_plan *p) { return p->vtln_low != 0.0 ? p->vtln_low : 100.0; }
static double vtln_hi_hz(const wmel_frontend_plan *p)
{
    const double v = p->vtln_high != 0.0 ? p->vtln_high : -500.0;
    return v < 0.0 ? p->sample_rate / 2.0 + v : v;
}

/* The warp of frequency f (Hz) over the bank's range [lo, hi]: F(lo) = lo, F(hi) = hi, F(f) =
 * f / w between l = vtln_low max(1, w) and h = vtln_high min(1, w), straight lines outside;
 * frequencies outside the range are left as they are. */
static double vtln_hz(const wmel_frontend_plan *p, double f)
{
    const double lo = p->low_freq, hi = high_hz(p), w = p->vtln_warp;
    if (f < lo || f > hi) return f;
    const double l = vtln_lo_hz(p) * (w > 1.0 ? w : 1.0), h = vtln_hi_hz(p) * (w < 1.0 ? w : 1.0);
    const double s = 1.0 / w;
    if (f < l) return lo + (s * l - lo) / (l - lo) * (f - lo);
    if (f < h) return s * f;
    return hi + (hi - s * h) / (hi - h) * (f - hi);
}

/* Kaldi filter m of an n-filter bank: its left edge, centre and right edge in mel, warped
 * when the plan has a VTLN factor (VtlnWarpMelFreq). */
static void kaldi_edges(const wmel_frontend_plan *p, int n, int m, double e[3])
{
    const double ml = wmel__kaldi_mel(p->low_freq), mh = wmel__kaldi_mel(high_hz(p)), delta = (mh - ml) / (n + 1);
    for (int i = 0; i < 3; i++) {
        e[i] = ml + (m + i) * delta;
        if (vtln_on(p)) e[i] = wmel__kaldi_mel(vtln_hz(p, wmel__kaldi_hz(e[i])));
    }
}

/* Banks whose triangles lie in mel (Kaldi's and TensorFlow's); their bins k < top. */
static int in_mel(int scale) { return scale == WMEL_MEL_KALDI || scale == WMEL_MEL_TF; }
static int mel_top(const wmel_frontend_plan *p)
{
    return p->mel_scale == WMEL_MEL_TF ? p->n_fft / 2 + 1 : p->n_fft / 2;
}

/* 1 when every filter of an n-bin Kaldi (or TF) bank of the plan's range has an FFT bin
 * strictly inside it (bins 0 .. n_fft/2 - 1, TF's 1 .. n_fft/2, as mel_bank below); the
 * first empty one into *empty. */
static int kaldi_bank_full(const wmel_frontend_plan *p, int n, int *empty)
{
    const int top = mel_top(p); /* bins k < top */
    const int k0 = p->mel_scale == WMEL_MEL_TF; /* TF's bin 0 has weight 0 */
    int k = k0;
    for (int m = 0; m < n; m++) {
        double e[3];
        kaldi_edges(p, n, m, e);
        const double left = e[0], right = e[2];
        if (vtln_on(p)) k = k0; /* warped edges need not increase */
        while (k < top && !(wmel__kaldi_mel(k * (double)p->sample_rate / p->n_fft) > left)) k++;
        if (k >= top || !(wmel__kaldi_mel(k * (double)p->sample_rate / p->n_fft) < right)) {
            if (empty) *empty = m;
            return 0;
        }
    }
    return 1;
}

/* The explicit framing's fields (wmel.h's framing block). */
static int check_framing(const wmel_frontend_plan *p, char *msg, size_t len)
{
    static const char *const names[] = {"pad_left", "pad_right", "pad_multiple", "frame_span", "window_offset"};
    const int v[] = {p->pad_left, p->pad_right, p->pad_multiple, p->frame_span, p->window_offset};
    for (int i = 0; i < 5; i++) {
        /* each against framing (their ranges: check_ranges) */
        if (v[i] && p->framing != WMEL_FRAMES_SNIP)
            return wmel__fe_bad(msg, len, "%s %d: explicit framing needs framing snip (the centred framings and "
                                "kaldi_center pad themselves); set framing snip and pad_left / pad_right",
                                names[i], v[i]);
    }
    if (p->pad_mode != WMEL_PAD_ZERO && p->pad_mode != WMEL_PAD_REFLECT)
        return wmel__fe_bad(msg, len, "pad_mode %d: not a WMEL_PAD_* value (0 zero, 1 reflect)", p->pad_mode);
    if (p->pad_mode == WMEL_PAD_REFLECT && p->framing != WMEL_FRAMES_SNIP)
        return wmel__fe_bad(msg, len, "pad_mode reflect: explicit framing needs framing snip (center_reflect "
                            "reflects n_fft / 2 itself, kaldi_center Kaldi's way)");
    if (p->pad_mode == WMEL_PAD_REFLECT && p->pad_multiple > 1)
        return wmel__fe_bad(msg, len, "pad_multiple %d with pad_mode reflect: the multiple's zeros and a "
                            "reflection do not go together; pad with zeros or drop pad_multiple", p->pad_multiple);
    if (p->frame_span && p->frame_span < p->frame_length)
        return wmel__fe_bad(msg, len, "frame_span %d: below frame_length %d (0: frame_length)", p->frame_span,
                            p->frame_length);
    const int span = p->frame_span ? p->frame_span : p->frame_length;
    if (p->window_offset > span - p->frame_length)
        return wmel__fe_bad(msg, len, "window_offset %d: the window of frame_length %d must lie inside the frame's "
                            "span %d: at most %d (torch.stft center=False: (n_fft - win_length) / 2 with "
                            "frame_span n_fft)", p->window_offset, p->frame_length, span, span - p->frame_length);
    return WMEL_OK;
}

/* VTLN's fields: Kaldi's refusals (MelBanks: "Bad values in options: vtln-low ... and
 * vtln-high ..., versus low-freq ... and high-freq ...") and the forgotten switch. */
static int check_vtln(const wmel_frontend_plan *p, char *msg, size_t len)
{
    const double w = p->vtln_warp; /* vtln_warp's, vtln_low's and vtln_high's ranges: check_ranges */
    for (int i = 0; i < 2; i++) { /* vtln_low, vtln_high against vtln_warp */
        const double v = i ? p->vtln_high : p->vtln_low;
        if (w == 0.0 && v != 0.0)
            return wmel__fe_bad(msg, len, "%s %s: a VTLN cutoff, which needs vtln_warp (0 without it)",
                                i ? "vtln_high" : "vtln_low", wmel__num(v).s);
    }
    if (!vtln_on(p)) return WMEL_OK;
    if (p->mel_scale != WMEL_MEL_KALDI)
        return wmel__fe_bad(msg, len, "vtln_warp %s: VTLN warps Kaldi's mel bank (mel_scale kaldi) only",
                            wmel__num(w).s);
    const double lo = p->low_freq, hi = high_hz(p), vl = vtln_lo_hz(p), vh = vtln_hi_hz(p);
    if (!(vl > lo && vl < hi && vh > 0.0 && vh < hi && vh > vl)) {
        char a[40], b[40];
        snprintf(a, sizeof a, "%s", wmel__num(vl).s);
        snprintf(b, sizeof b, "%s", wmel__num(vh).s);
        return wmel__fe_bad(msg, len, "vtln_low %s Hz, vtln_high %s Hz: Kaldi's VTLN needs low_freq (%s) < vtln_low < "
                            "vtln_high < the bank's high edge (%s Hz); vtln_high < 0 is Nyquist plus it, 0 the "
                            "defaults 100 and -500", a, b, wmel__num(lo).s, wmel__num(hi).s);
    }
    return WMEL_OK;
}

/* The appended fields' checks (wmel.h: bank_flags onwards). A value that only means
 * something with a mode or a flag (mag_guard, norm_max, post_*, window_coeff) must be 0
 * without it, so that a forgotten switch is a refusal rather than a silent no-op. */
/* The stacking variants, deltas and the per-column affine's place (wmel.h). */
static int check_post(const wmel_frontend_plan *p, char *msg, size_t len)
{
    /* stack_stride's, stack_left's, delta_win's and cols_stacked's ranges: check_ranges */
    if (p->stack_left >= p->stack) /* stack_left against stack */
        return wmel__fe_bad(msg, len, "stack_left %d: outside 0..stack - 1 (%d): the copies of frame 0 before it "
                            "(LFR's (m - 1) / 2)", p->stack_left, p->stack - 1);
    if (p->stack_tail < WMEL_STACK_TAIL_ZERO || p->stack_tail > WMEL_STACK_TAIL_FILL)
        return wmel__fe_bad(msg, len, "stack_tail %d: not a WMEL_STACK_TAIL_* value (0..4: zero, drop, trim, last, fill)",
                            p->stack_tail);
    if (p->stack_tail == WMEL_STACK_TAIL_FILL ? !isfinite(p->stack_fill) || fabs(p->stack_fill) > 1e30
                                              : p->stack_fill != 0.0)
        return wmel__fe_bad(msg, len, "stack_fill %s: %s", wmel__num(p->stack_fill).s,
                            p->stack_tail == WMEL_STACK_TAIL_FILL ? "must be finite, at most 1e30 in magnitude"
                                                                  : "must be 0 without the stack tail fill");
    const int stride = p->stack_stride ? p->stack_stride : p->stack;
    if ((p->stack_tail == WMEL_STACK_TAIL_DROP || p->stack_tail == WMEL_STACK_TAIL_TRIM) &&
        (stride != p->stack || p->stack_left))
        return wmel__fe_bad(msg, len, "stack_tail %s: dropping the frames of an incomplete row needs rows that share "
                            "no frame (stack_stride 0 or the stack, %d; stack_left 0), not stride %d, left %d",
                            p->stack_tail == WMEL_STACK_TAIL_DROP ? "drop" : "trim", p->stack, stride, p->stack_left);
    if (p->reserved_i3) return wmel__fe_bad(msg, len, "reserved_i3: must be 0");
    if (wmel__fe_post_on(p) && p->layout != WMEL_LAYOUT_FRAMES_MELS)
        return wmel__fe_bad(msg, len, "%s: stacking variants, deltas and a per-column affine on the stacked rows "
                            "need the WMEL_LAYOUT_FRAMES_MELS layout",
                            p->delta_win ? "delta_win" : p->cols_stacked ? "cols_stacked" : "stack_tail, stack_stride, stack_left");
    return WMEL_OK;
}

/* Cepstra (wmel.h: n_ceps, ceps_htk, cepstral_lifter): the DCT of the log mel energies. */
static int check_ceps(const wmel_frontend_plan *p, char *msg, size_t len)
{
    if (!p->n_ceps) {
        if (p->ceps_htk || p->cepstral_lifter != 0.0)
            return wmel__fe_bad(msg, len, "%s: an option of the cepstra, which need n_ceps 1..n_mels (0: none)",
                                p->ceps_htk ? "ceps_htk" : "cepstral_lifter");
        return WMEL_OK;
    }
    if (p->n_ceps > p->n_mels) /* n_ceps against n_mels (its range: check_ranges) */
        return wmel__fe_bad(msg, len, "n_ceps %d: outside 0..n_mels (%d): the cepstra are the first n_ceps rows of "
                            "the DCT of the n_mels log mel energies (0: no DCT)", p->n_ceps, p->n_mels);
    if (p->linear_bins)
        return wmel__fe_bad(msg, len, "n_ceps %d with linear_bins: the cepstra are the DCT of log mel energies, and "
                            "linear_bins has no mel bank", p->n_ceps);
    if (p->log == WMEL_LOG_NONE)
        return wmel__fe_bad(msg, len, "n_ceps %d with log none: the cepstra are the DCT of the log mel energies; "
                            "set log (Kaldi's: ln(max(m, FLT_EPSILON)), log clamp with log_guard 1.1920929e-07)",
                            p->n_ceps);
    return WMEL_OK; /* ceps_htk's and cepstral_lifter's ranges: check_ranges */
}

/* The linear spectrum (wmel.h: linear_bins, first_bin): no mel bank, the bins themselves. */
static int check_linear(const wmel_frontend_plan *p, char *msg, size_t len)
{
    if (!p->linear_bins) /* first_bin against linear_bins, n_fft and n_mels (the ranges: check_ranges) */
        return p->first_bin ? wmel__fe_bad(msg, len, "first_bin %d: must be 0 without linear_bins", p->first_bin)
                            : WMEL_OK;
    const int nb = p->n_fft / 2 + 1;
    if (p->first_bin < 0 || p->first_bin >= nb || p->n_mels > nb - p->first_bin)
        return wmel__fe_bad(msg, len, "first_bin %d, n_mels %d: linear_bins takes the FFT bins first_bin .. first_bin "
                            "+ n_mels - 1 of the %d of n_fft %d", p->first_bin, p->n_mels, nb, p->n_fft);
    if (p->mel_norm != WMEL_MELNORM_NONE || (p->bank_flags & WMEL_BANK_HTK) || (p->vtln_warp != 0.0 && p->vtln_warp != 1.0))
        return wmel__fe_bad(msg, len, "%s: a mel bank's option, and linear_bins has no mel bank",
                            p->mel_norm != WMEL_MELNORM_NONE ? "mel_norm slaney"
                            : (p->bank_flags & WMEL_BANK_HTK) ? "htk_bank" : "vtln_warp");
    return WMEL_OK;
}

static int check_tail(const wmel_frontend_plan *p, char *msg, size_t len)
{
    if (p->bank_flags & ~(WMEL_BANK_ALLOW_EMPTY | WMEL_BANK_BF16 | WMEL_BANK_HTK | WMEL_BANK_SYMMETRIC |
                          WMEL_BANK_SNAP_BINS))
        return wmel__fe_bad(msg, len, "bank_flags %d: only WMEL_BANK_ALLOW_EMPTY (1), WMEL_BANK_BF16 (2), "
                            "WMEL_BANK_HTK (4), WMEL_BANK_SYMMETRIC (8) and WMEL_BANK_SNAP_BINS (16)", p->bank_flags);
    if ((p->bank_flags & WMEL_BANK_SNAP_BINS) && (in_mel(p->mel_scale) || p->linear_bins))
        return wmel__fe_bad(msg, len, "snap_bins: the triangles snapped to FFT bins are those of the Hz points "
                            "(mel_scale htk or slaney), not %s", p->linear_bins ? "linear_bins' FFT bins"
                            : p->mel_scale == WMEL_MEL_KALDI ? "mel_scale kaldi" : "mel_scale tf");
    if ((p->bank_flags & WMEL_BANK_SNAP_BINS) && p->mel_norm != WMEL_MELNORM_NONE)
        return wmel__fe_bad(msg, len, "snap_bins: the triangles snapped to FFT bins have peak 1; mel_norm slaney's "
                            "area normalisation does not apply to them (mel_norm none)");
    if ((p->bank_flags & WMEL_BANK_SNAP_BINS) && (p->bank_flags & WMEL_BANK_SYMMETRIC))
        return wmel__fe_bad(msg, len, "snap_bins with symmetric_bank: one triangle shape a bank (snapped to FFT bins, "
                            "or symmetric in Hz), not both");
    if ((p->bank_flags & WMEL_BANK_SYMMETRIC) && (in_mel(p->mel_scale) || p->linear_bins))
        return wmel__fe_bad(msg, len, "symmetric_bank: SpeechBrain's symmetric triangles are triangles in Hz "
                            "(mel_scale htk or slaney), not %s", p->linear_bins ? "linear_bins' FFT bins"
                            : p->mel_scale == WMEL_MEL_KALDI ? "mel_scale kaldi" : "mel_scale tf");
    if ((p->bank_flags & WMEL_BANK_SYMMETRIC) && p->mel_norm != WMEL_MELNORM_NONE)
        return wmel__fe_bad(msg, len, "symmetric_bank: SpeechBrain's symmetric triangles have peak 1; mel_norm "
                            "slaney's area normalisation does not apply to them (mel_norm none)");
    if ((p->bank_flags & WMEL_BANK_HTK) && p->mel_scale != WMEL_MEL_KALDI)
        return wmel__fe_bad(msg, len, "htk_bank: Kaldi's htk_mode bank is Kaldi's (mel_scale kaldi); with the "
                            "librosa-style bank htk_mode is only the floor of the mel energies at 1 (log_guard 1)");
    if (p->mag_guard_mode < WMEL_MAG_GUARD_NONE || p->mag_guard_mode > WMEL_MAG_GUARD_ADD)
        return wmel__fe_bad(msg, len, "mag_guard_mode %d: not a WMEL_MAG_GUARD_* value (0..2)", p->mag_guard_mode);
    if (p->mag_guard_mode ? !(p->mag_guard > 0.0 && isfinite(p->mag_guard)) : p->mag_guard != 0.0)
        return wmel__fe_bad(msg, len, "mag_guard %s: %s", wmel__num(p->mag_guard).s,
                            p->mag_guard_mode ? "must be positive and finite" : "must be 0 without a mag_guard_mode");
    const int stats = p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR;
    const int nf = p->norm_flags;
    if (nf & ~(WMEL_NORMF_POPULATION | WMEL_NORMF_MEAN_ONLY | WMEL_NORMF_ALL | WMEL_NORMF_FIXED_MAX |
               WMEL_NORMF_THEN_MEAN_VAR))
        return wmel__fe_bad(msg, len, "norm_flags %d: only WMEL_NORMF_* bits (1, 2, 4, 8, 16)", nf);
    if ((nf & WMEL_NORMF_THEN_MEAN_VAR) && p->norm != WMEL_NORM_WHOLE)
        return wmel__fe_bad(msg, len, "norm_flags %d: the mean and variance after the clamp "
                            "(WMEL_NORMF_THEN_MEAN_VAR) needs the norm WMEL_NORM_WHOLE", nf);
    if ((nf & WMEL_NORMF_ALL) && !stats)
        return wmel__fe_bad(msg, len, "norm_flags %d: the all-features variant needs the norm "
                            "WMEL_NORM_PER_FEATURE or MEAN_VAR", nf);
    if ((nf & (WMEL_NORMF_POPULATION | WMEL_NORMF_MEAN_ONLY)) && !stats && !(nf & WMEL_NORMF_THEN_MEAN_VAR))
        return wmel__fe_bad(msg, len, "norm_flags %d: the population and mean-only variants need the norm "
                            "WMEL_NORM_PER_FEATURE or MEAN_VAR, or WMEL_NORM_WHOLE with "
                            "WMEL_NORMF_THEN_MEAN_VAR", nf);
    if ((nf & WMEL_NORMF_FIXED_MAX) && p->norm != WMEL_NORM_WHOLE)
        return wmel__fe_bad(msg, len, "norm_flags %d: a fixed max (WMEL_NORMF_FIXED_MAX) needs the norm WMEL_NORM_WHOLE", nf);
    if (!(nf & WMEL_NORMF_FIXED_MAX) && p->norm_max != 0.0) /* norm_max against the flag (its range: check_ranges) */
        return wmel__fe_bad(msg, len, "norm_max %s: must be 0 without WMEL_NORMF_FIXED_MAX", wmel__num(p->norm_max).s);
    if (!(p->norm_range >= 0.0 && p->norm_range <= 1e30) || (p->norm_range != 0.0 && p->norm != WMEL_NORM_WHOLE))
        return wmel__fe_bad(msg, len, "norm_range %s: %s", wmel__num(p->norm_range).s,
                            p->norm_range >= 0.0 && p->norm_range <= 1e30 ? "needs the norm WMEL_NORM_WHOLE (0 otherwise)"
                                                                          : "must be 0 .. 1e30 (0: 8)");
    if (p->n_frames && p->pad_to > 1) /* n_frames against pad_to */
        return wmel__fe_bad(msg, len, "n_frames %d with pad_to %d: a fixed frame count and a multiple do not go "
                            "together; set one", p->n_frames, p->pad_to);
    if ((p->affine | 1) != 1) return wmel__fe_bad(msg, len, "affine %d: must be 0 or 1", p->affine);
    for (int i = 0; i < 2; i++) { /* post_scale, post_shift against affine (their ranges: check_ranges) */
        const double v = i ? p->post_shift : p->post_scale;
        if (!p->affine && v != 0.0)
            return wmel__fe_bad(msg, len, "%s %s: must be 0 without affine 1", i ? "post_shift" : "post_scale",
                                wmel__num(v).s);
    }
    const int blackman = p->window == WMEL_WINDOW_BLACKMAN || p->window == WMEL_WINDOW_BLACKMAN_PERIODIC;
    if (blackman ? !(p->window_coeff >= 0.0 && p->window_coeff < 1.0) : p->window_coeff != 0.0)
        return wmel__fe_bad(msg, len, "window_coeff %s: %s", wmel__num(p->window_coeff).s,
                            blackman ? "the Blackman coefficient: 0 <= a < 1 (0: 0.42)"
                                     : "must be 0 without a Blackman window");
    for (int i = 0; i < 3; i++)
        if (p->reserved_i2[i]) return wmel__fe_bad(msg, len, "reserved_i2[%d]: must be 0", i);
    if ((p->energy_windowed | 1) != 1 || (p->energy_windowed && !p->use_energy))
        return wmel__fe_bad(msg, len, "energy_windowed %d: %s", p->energy_windowed,
                            (p->energy_windowed | 1) != 1 ? "must be 0 or 1"
                                                         : "the log energy after the window needs use_energy 1");
    for (int i = 0; i < 3; i++)
        if (p->reserved_d2[i] != 0.0) return wmel__fe_bad(msg, len, "reserved_d2[%d]: must be 0", i);
    int rc = check_framing(p, msg, len);
    if (!rc) rc = check_vtln(p, msg, len);
    return rc ? rc : check_post(p, msg, len);
}

double wmel__fe_pre_affine_bound(const wmel_frontend_plan *p)
{
    /* the log of a positive finite double lies within [-744.5, 709.8] (ln), [-323.4, 308.3] (log10) */
    double b = p->log == WMEL_LOG_NONE                                  ? INFINITY
             : p->log == WMEL_LOG10_CLAMP || p->log == WMEL_LOG10_ZERO ? 324.0
                                                                        : 745.0;
    if (p->n_ceps > 0) /* |c_k| <= lifter sqrt(2 / N) N max|l| (the log energy is within b) */
        b *= (1.0 + 0.5 * p->cepstral_lifter) * sqrt(2.0 * p->n_mels);
    if (p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR)
        b = p->norm_flags & WMEL_NORMF_MEAN_ONLY ? 2.0 * b : INFINITY; /* z-scores: no bound */
    else if (p->norm == WMEL_NORM_WHOLE) /* clamped at max - range, then (v + 4) / 4 */
        b = ((p->norm_flags & WMEL_NORMF_FIXED_MAX) ? fmax(b, fabs(p->norm_max) + p->norm_range + 8.0) : b) / 4.0 + 1.0;
    return fmax(b, fabs(p->pad_value));
}

int wmel__fe_out_check(const wmel_fe *fe, const float *v, size_t n)
{
    const int zs = (fe->p.norm_flags & (WMEL_NORMF_THEN_MEAN_VAR | WMEL_NORMF_MEAN_ONLY)) == WMEL_NORMF_THEN_MEAN_VAR;
    if (!((fe->p.affine || fe->col_scale) && !isfinite(wmel__fe_pre_affine_bound(&fe->p))) && !(zs && fe->col_scale))
        return WMEL_OK;
    int ok = 1;
    for (size_t i = 0; i < n; i++) ok &= isfinite(v[i]) != 0;
    return ok ? WMEL_OK : WMEL_ERR_SAMPLE_RANGE;
}

/* Caps on what one call may ask for (fe.h: WMEL_FE_MAX_*), and the finish's affine kept
 * inside float32 wherever the values before it are bounded. */
static int check_caps(const wmel_frontend_plan *p, char *msg, size_t len)
{
    if (p->n_fft > WMEL_FE_FREE_NFFT && p->n_fft > (long long)WMEL_FE_MAX_OVERLAP * p->hop)
        return wmel__fe_bad(msg, len, "hop %d with n_fft %d: a transform of n_fft samples every hop samples; n_fft "
                            "may be at most %d x hop (here hop at least %d) unless n_fft <= %d", p->hop, p->n_fft,
                            WMEL_FE_MAX_OVERLAP, (p->n_fft + WMEL_FE_MAX_OVERLAP - 1) / WMEL_FE_MAX_OVERLAP,
                            WMEL_FE_FREE_NFFT);
    const int span = p->frame_span > p->n_fft ? p->frame_span : p->n_fft;
    for (int i = 0; i < 2; i++) {
        const int v = i ? p->pad_right : p->pad_left;
        if (v > span)
            return wmel__fe_bad(msg, len, "%s %d: outside 0..%d, max(n_fft %d, frame_span %d)", i ? "pad_right" : "pad_left",
                                v, span, p->n_fft, p->frame_span);
    }
    if (p->n_frames) {
        const size_t S = (size_t)(p->stack_stride ? p->stack_stride : p->stack);
        const size_t cols = wmel__fe_width(p) * (p->delta_win ? 2u : 1u);
        const size_t per = (cols * (size_t)p->stack + S - 1) / S; /* values per frame, overlapping rows included */
        if ((size_t)p->n_frames * per > WMEL_FE_MAX_FIXED_VALUES)
            return wmel__fe_bad(msg, len, "n_frames %d: %zu values a frame (n_mels + use_energy or n_ceps, x 2 with deltas, "
                                "x stack / stride) make %zu values; at most %zu (n_frames up to %zu here)",
                                p->n_frames, per, (size_t)p->n_frames * per, WMEL_FE_MAX_FIXED_VALUES,
                                WMEL_FE_MAX_FIXED_VALUES / per);
    }
    const double a = p->affine ? fabs(p->post_scale) : 1.0, c = p->affine ? fabs(p->post_shift) : 0.0;
    if (fabs(p->pad_value) * a + c > FLT_MAX)
        return wmel__fe_bad(msg, len, "pad_value %s, post_scale %s, post_shift %s: the padding's value pad_value x "
                            "post_scale + post_shift passes float32's range (|v| <= 3.4e38)", wmel__num(p->pad_value).s,
                            wmel__num(p->post_scale).s, wmel__num(p->post_shift).s);
    const double b = wmel__fe_pre_affine_bound(p);
    if (p->affine && isfinite(b) && b * a + c > FLT_MAX) {
        char sc[40];
        snprintf(sc, sizeof sc, "%s", wmel__num(p->post_scale).s);
        return wmel__fe_bad(msg, len, "post_scale %s, post_shift %s: the values before the affine reach %s in magnitude "
                            "(the log of any energy, after the normalisation), and x post_scale + post_shift pass "
                            "float32's range (|v| <= 3.4e38); |post_scale| at most %s here", sc,
                            wmel__num(p->post_shift).s, wmel__num(b).s, wmel__num((FLT_MAX - c) / b).s);
    }
    return WMEL_OK;
}

/* The whole-number options' highest values (plan_fields.h), where the caps (fe.h) size
 * arrays and counts: the table's n_mels, n_ceps, n_fft and n_frames are those caps. */
#define PF_HI(name, kind, group, fes, flags, arg, range, values, doc) PF_HI1(name, kind, WMEL__PF_##range)
#define PF_HI1(name, kind, ...) PF_HI2(name, kind, __VA_ARGS__)
#define PF_HI2(name, kind, how, lo, hi, text) PF_HI_##kind(name, hi)
#define PF_HI_INT(name, hi) PF_HI_##name = (int)((hi) > 2147483647 ? 0 : (hi)),
#define PF_HI_NUM(name, hi)
#define PF_HI_BOOL(name, hi)
#define PF_HI_STR(name, hi)
#define PF_HI_GUARD(name, hi)
enum { WMEL__PLAN_FIELDS(PF_HI) PF_HI_END };
_Static_assert(PF_HI_n_mels == WMEL_FE_MAX_MELS && PF_HI_n_ceps == WMEL_FE_MAX_MELS, "n_mels, n_ceps: WMEL_FE_MAX_MELS");
_Static_assert(PF_HI_n_fft == WMEL_FE_MAX_NFFT && PF_HI_frame_length == WMEL_FE_MAX_NFFT, "n_fft: WMEL_FE_MAX_NFFT");
_Static_assert(PF_HI_n_frames == WMEL_FE_MAX_FIXED_FRAMES, "n_frames: WMEL_FE_MAX_FIXED_FRAMES");
#undef PF_HI_GUARD
#undef PF_HI_STR
#undef PF_HI_BOOL
#undef PF_HI_NUM
#undef PF_HI_INT
#undef PF_HI2
#undef PF_HI1
#undef PF_HI

/* Each plan option's member in its range (plan_fields.h's range column), in the table's
 * order. The rules between fields and the single fields' rules that are not one range
 * (n_fft's sizes, scale's zero) are the hand-written checks around it. */
static int check_ranges(const wmel_frontend_plan *p, char *msg, size_t len)
{
    for (int k = 0; k < WMEL__PF_COUNT; k++) {
        const wmel__pf_range *r = &wmel__pf_ranges[k];
        if (r->how == WMEL__PF_HOW_NONE_R) continue;
        const double v = wmel__pf_value(p, k);
        if (wmel__pf_in(k, v)) continue;
        const wmel_plan_field *f = wmel_plan_field_info((size_t)k);
        char num[48];
        if (f->kind == WMEL_PLAN_FIELD_NUM) snprintf(num, sizeof num, "%s", wmel__num(v).s);
        else snprintf(num, sizeof num, "%.0f", v);
        const int one = r->how == WMEL__PF_HOW_ONE_R;
        return wmel__fe_bad(msg, len, "%s %s: %s%s (%s)", f->name, num,
                            one ? "must be 0 or 1" : r->how == WMEL__PF_HOW_GE_R ? "must be finite, " : "outside ",
                            one ? "" : r->text, f->doc);
    }
    return WMEL_OK;
}

/* The checks of wmel_create_plan, with the sentence for the first that fails. */
static int check(const wmel_frontend_plan *p, char *msg, size_t len)
{
    if (msg && len) msg[0] = '\0';
    if (p->frontend < WMEL_FRONTEND_WHISPER || p->frontend > WMEL_FRONTEND_NEMO_LEGACY)
        return wmel__fe_bad(msg, len, "frontend %d: not a WMEL_FRONTEND_* value (0..4)", p->frontend);
    int rc = check_ranges(p, msg, len);
    if (rc) return rc;
    if (p->n_fft % 2 || !smooth_size(p->n_fft)) /* n_fft's sizes (its range: the table's) */
        return wmel__fe_bad(msg, len, "n_fft %d: must be even, 4..%d, with n_fft / 2 a product of 2, 3 and 5 "
                             "(400 and 512 are)", p->n_fft, WMEL_FE_MAX_NFFT);
    if (p->frame_length > p->n_fft) /* frame_length against n_fft */
        return wmel__fe_bad(msg, len, "frame_length %d: outside 2..n_fft (%d)", p->frame_length, p->n_fft);
    if (p->window < WMEL_WINDOW_HANN_PERIODIC || p->window > WMEL_WINDOW_BARTLETT_PERIODIC)
        return wmel__fe_bad(msg, len, "window %d: not a WMEL_WINDOW_* value (0..10)", p->window);
    if (p->framing < WMEL_FRAMES_SNIP || p->framing > WMEL_FRAMES_KALDI_CENTER)
        return wmel__fe_bad(msg, len, "framing %d: not a WMEL_FRAMES_* value (0..3)", p->framing);
    if (p->preemph_mode < WMEL_PREEMPH_FRAME || p->preemph_mode > WMEL_PREEMPH_PADDED_CUT)
        return wmel__fe_bad(msg, len, "preemph_mode %d: not a WMEL_PREEMPH_* value (0..3)", p->preemph_mode);
    if (p->preemph_mode >= WMEL_PREEMPH_PADDED && p->framing != WMEL_FRAMES_SNIP)
        return wmel__fe_bad(msg, len, "preemph_mode %s: the padded signal is explicit framing's, which needs "
                                      "framing snip (centred and kaldi_center framing pad after the "
                                      "pre-emphasis: signal)",
                            p->preemph_mode == WMEL_PREEMPH_PADDED ? "padded" : "padded_cut");
    if (p->mel_scale < WMEL_MEL_SLANEY || p->mel_scale > WMEL_MEL_TF)
        return wmel__fe_bad(msg, len, "mel_scale %d: not a WMEL_MEL_* value (0..3)", p->mel_scale);
    if (p->mel_norm != WMEL_MELNORM_NONE && p->mel_norm != WMEL_MELNORM_SLANEY)
        return wmel__fe_bad(msg, len, "mel_norm %d: not a WMEL_MELNORM_* value (0..1)", p->mel_norm);
    if (p->log < WMEL_LOG10_CLAMP || p->log > WMEL_LOG10_ZERO)
        return wmel__fe_bad(msg, len, "log %d: not a WMEL_LOG_* value (0..5)", p->log);
    if (p->norm < WMEL_NORM_WHOLE || p->norm > WMEL_NORM_MEAN_VAR)
        return wmel__fe_bad(msg, len, "norm %d: not a normalisation for a plan (WMEL_NORM_WHOLE, NONE, "
                             "PER_FEATURE or MEAN_VAR)", p->norm);
    if (p->valid < WMEL_VALID_ALL || p->valid > WMEL_VALID_BUT_LAST)
        return wmel__fe_bad(msg, len, "valid %d: not a WMEL_VALID_* value (0..5)", p->valid);
    if (p->layout != WMEL_LAYOUT_MELS_FRAMES && p->layout != WMEL_LAYOUT_FRAMES_MELS)
        return wmel__fe_bad(msg, len, "layout %d: not a WMEL_LAYOUT_* value (0..1)", p->layout);
    if (p->stack > 1 && p->layout != WMEL_LAYOUT_FRAMES_MELS)
        return wmel__fe_bad(msg, len, "stack %d: stacking frames needs the WMEL_LAYOUT_FRAMES_MELS layout", p->stack);
    for (int i = 0; i < 6; i++)
        if (p->reserved_i[i]) return wmel__fe_bad(msg, len, "reserved_i[%d]: must be 0", i);
    for (int i = 0; i < 5; i++)
        if (p->reserved_d[i] != 0.0) return wmel__fe_bad(msg, len, "reserved_d[%d]: must be 0", i);
    if (p->scale == 0.0) /* scale's zero (its range: the table's) */
        return wmel__fe_bad(msg, len, "scale 0: must be non-zero, at most 1e12 in magnitude (samples are multiplied "
                            "by it)");
    const double hi = high_hz(p);
    if (!isfinite(p->high_freq) || !(hi > p->low_freq) || hi > p->sample_rate / 2.0) /* the mel edges, sample_rate */
        return wmel__fe_bad(msg, len, "low_freq %s, high_freq %s: need 0 <= low_freq < high edge <= %s Hz "
                             "(high_freq > 0: the edge; <= 0: Nyquist plus high_freq)",
                   wmel__num(p->low_freq).s, wmel__num(p->high_freq).s, wmel__num(p->sample_rate / 2.0).s);
    if (p->log != WMEL_LOG_NONE && !(p->log_guard >= DBL_MIN && isfinite(p->log_guard)))
        return wmel__fe_bad(msg, len, "log_guard %s: must be finite and at least 2.2250738585072014e-308 (the "
                            "smallest normal double)", wmel__num(p->log_guard).s);
    if (p->energy_floor > 0.0 && p->energy_floor < DBL_MIN) /* energy_floor's subnormals (its range: the table's) */
        return wmel__fe_bad(msg, len, "energy_floor %s: must be 0 (none) or finite and at least "
                            "2.2250738585072014e-308 (the smallest normal double)", wmel__num(p->energy_floor).s);
    rc = check_ceps(p, msg, len);
    if (!rc) rc = check_tail(p, msg, len);
    if (!rc) rc = check_linear(p, msg, len);
    return rc ? rc : check_caps(p, msg, len);
}

int wmel__fe_check(const wmel_frontend_plan *p) { return check(p, NULL, 0); }

int wmel_plan_check(const wmel_frontend_plan *plan, char *msg, size_t msg_len)
{
    if (msg && msg_len) msg[0] = '\0';
    if (!plan) {
        wmel__fe_bad(msg, msg_len, "the plan is NULL");
        return WMEL_ERR_NULL_POINTER;
    }
    int rc = check(plan, msg, msg_len);
    if (rc || wmel__fe_is_whisper(plan) || !in_mel(plan->mel_scale) || (plan->bank_flags & WMEL_BANK_ALLOW_EMPTY) ||
        plan->linear_bins)
        return rc;
    int empty = 0;
    if (kaldi_bank_full(plan, plan->n_mels, &empty)) return WMEL_OK;
    int most = plan->n_mels - 1;
    while (most > 0 && !kaldi_bank_full(plan, most, NULL)) most--;
    if (!most)
        return wmel__fe_bad(msg, msg_len, "low_freq %s, high edge %s Hz: not one FFT bin of n_fft %d lies inside "
                                 "a Kaldi mel filter of this range; widen it or raise n_fft",
                   wmel__num(plan->low_freq).s, wmel__num(high_hz(plan)).s, plan->n_fft);
    return wmel__fe_bad(msg, msg_len, "n_mels %d: Kaldi mel filter %d (from 0) has no FFT bin under it (n_fft %d, %s .. %s "
                             "Hz), which Kaldi refuses too; at most %d bins here: lower n_mels or "
                             "low_freq, or raise n_fft (or allow empty filters, whose log is the guard's)",
               plan->n_mels, empty, plan->n_fft, wmel__num(plan->low_freq).s,
               wmel__num(high_hz(plan)).s, most);
}

int wmel_plan_cols_check(const wmel_frontend_plan *plan, const double *col_scale, const double *col_shift,
                         size_t n_cols, char *msg, size_t msg_len)
{
    if (msg && msg_len) msg[0] = '\0';
    if (!plan || !col_scale || !col_shift) {
        wmel__fe_bad(msg, msg_len, "the %s is NULL", !plan ? "plan" : !col_scale ? "col_scale vector" : "col_shift vector");
        return WMEL_ERR_NULL_POINTER;
    }
    int rc = wmel_plan_check(plan, msg, msg_len);
    if (rc) return rc;
    const size_t want = wmel__fe_n_colvec(plan);
    if (n_cols != want)
        return wmel__fe_bad(msg, msg_len, "n_cols %zu: the plan's per-column affine takes %zu values (%s)", n_cols, want,
                            plan->cols_stacked ? "the stacked row's width: stack x the frame's columns (n_mels + use_energy, or n_ceps), x 2 with deltas"
                                               : "the frame's columns (n_mels + use_energy, or n_ceps), before stacking");
    for (size_t c = 0; c < n_cols; c++)
        for (int k = 0; k < 2; k++) {
            const double v = k ? col_shift[c] : col_scale[c];
            if (!isfinite(v) || fabs(v) > 1e30)
                return wmel__fe_bad(msg, msg_len, "%s[%zu] %s: each of the %zu values must be finite, at most 1e30 in "
                                    "magnitude", k ? "col_shift" : "col_scale", c, wmel__num(v).s, n_cols);
        }
    /* the values before the per-column affine, where bounded: kept inside float32 after it */
    double b = wmel__fe_pre_affine_bound(plan);
    if (plan->affine) b = b * fabs(plan->post_scale) + fabs(plan->post_shift);
    if (plan->norm_flags & WMEL_NORMF_THEN_MEAN_VAR) /* x - mean, or a z-score (no static bound) */
        b = plan->norm_flags & WMEL_NORMF_MEAN_ONLY ? 2.0 * b : INFINITY;
    if (plan->cols_stacked) b = fmax(b, fabs(plan->stack_fill));
    for (size_t c = 0; isfinite(b) && c < n_cols; c++)
        if (fabs(col_scale[c]) * b + fabs(col_shift[c]) > FLT_MAX) {
            char sc[40];
            snprintf(sc, sizeof sc, "%s", wmel__num(col_scale[c]).s);
            const double room = FLT_MAX - fabs(col_shift[c]);
            return wmel__fe_bad(msg, msg_len, "col_scale[%zu] %s, col_shift[%zu] %s: the values before the per-column "
                                "affine reach %s in magnitude (the log of any energy, after the normalisation and the "
                                "plan's affine), and x col_scale + col_shift pass float32's range (|v| <= 3.4e38); "
                                "|col_scale[%zu]| at most %s here", c, sc, c, wmel__num(col_shift[c]).s,
                                wmel__num(b).s, c, wmel__num(room > 0 ? room / b : 0.0).s);
        }
    return WMEL_OK;
}

/* The live rule, one owner for every door (wmel stream, wmel.Stream): a stream's frames come
 * before the clip's finish, so the normalisation goes (its variants' fields with it) and a
 * finish that pads, cuts or maps the clip's frames is refused by name. */
int wmel_plan_for_stream(const wmel_frontend_plan *in, wmel_frontend_plan *out, char *msg, size_t msg_len)
{
    if (msg && msg_len) msg[0] = '\0';
    if (!in || !out) {
        wmel__fe_bad(msg, msg_len, "the %s plan is NULL", in ? "output" : "input");
        return WMEL_ERR_NULL_POINTER;
    }
    wmel_frontend_plan p = *in; /* out may be in */
    int rc = wmel_plan_check(&p, msg, msg_len);
    if (rc) return rc;
    static const char why[] = "the finish (n_frames, pad_value, post_scale, post_shift) does not apply to a "
                              "stream: its frames are those before normalisation and padding";
    if (p.n_frames) return wmel__fe_bad(msg, msg_len, "n_frames %d: %s", p.n_frames, why);
    if (p.n_samples)
        return wmel__fe_bad(msg, msg_len, "n_samples %d: a stream's clip has no length until its end; cut or pad "
                            "the clip before the stream, or drop n_samples", p.n_samples);
    if (p.affine)
        return wmel__fe_bad(msg, msg_len, "post_scale %s, post_shift %s: %s", wmel__num(p.post_scale).s,
                            wmel__num(p.post_shift).s, why);
    if (p.pad_value != 0.0) return wmel__fe_bad(msg, msg_len, "pad_value %s: %s", wmel__num(p.pad_value).s, why);
    p.norm = WMEL_NORM_NONE;
    p.norm_flags = 0;
    p.norm_max = p.norm_range = 0.0;
    *out = p;
    return WMEL_OK;
}

int wmel_mel_centres(const wmel_frontend_plan *plan, double *hz, size_t hz_len)
{
    if (!plan || !hz) return WMEL_ERR_NULL_POINTER;
    if (check(plan, NULL, 0)) return WMEL_ERR_INVALID_ARG;
    const int nm = plan->n_mels;
    if (hz_len < (size_t)nm) return WMEL_ERR_BUFFER_TOO_SMALL;
    const double lo = plan->low_freq, hi = high_hz(plan);
    if (plan->linear_bins) { /* the bins' own frequencies */
        for (int m = 0; m < nm; m++) hz[m] = (double)(plan->first_bin + m) * plan->sample_rate / plan->n_fft;
    } else if (plan->mel_scale == WMEL_MEL_SLANEY) { /* the bank's points f[1 .. n_mels] */
        const double m0 = wmel__slaney_mel(lo), m1 = wmel__slaney_mel(hi);
        for (int i = 1; i <= nm; i++) hz[i - 1] = wmel__slaney_hz(m0 + (m1 - m0) * i / (double)(nm + 1));
    } else if (plan->mel_scale == WMEL_MEL_HTK) {
        const double m0 = htk_mel(lo), m1 = htk_mel(hi);
        for (int i = 1; i <= nm; i++) hz[i - 1] = htk_hz(m0 + (m1 - m0) * i / (double)(nm + 1));
    } else { /* Kaldi's centre = ml + (m + 1) delta, warped with VTLN */
        for (int m = 0; m < nm; m++) {
            double e[3];
            kaldi_edges(plan, nm, m, e);
            hz[m] = wmel__kaldi_hz(e[1]);
        }
    }
    return WMEL_OK;
}

/* wmel.h: wmel_dither_gauss; src/kernels/noise.h, the text the device kernels compile too */
double wmel_dither_gauss(int seed, unsigned long long t, int j)
{
    return nz_gauss((uint32_t)seed, (uint64_t)t, (uint32_t)j);
}

double wmel__fe_noise(const wmel_frontend_plan *p, size_t t, int j)
{
    return p->dither * wmel_dither_gauss(p->dither_seed, t, j);
}

int wmel__fe_is_whisper(const wmel_frontend_plan *p)
{
    return p->sample_rate == WMEL_SAMPLE_RATE && p->frame_length == WMEL_N_FFT &&
           p->hop == WMEL_HOP && p->n_fft == WMEL_N_FFT && p->window == WMEL_WINDOW_HANN_PERIODIC &&
           p->framing == WMEL_FRAMES_CENTER_REFLECT && !p->remove_dc && p->preemph == 0.0 &&
           p->scale == 1.0 && p->mel_scale == WMEL_MEL_SLANEY && p->mel_norm == WMEL_MELNORM_SLANEY &&
           p->low_freq == 0.0 && high_hz(p) == WMEL_SAMPLE_RATE / 2.0 &&
           (p->n_mels == 80 || p->n_mels == 128) && p->power == 2 && p->log == WMEL_LOG10_CLAMP &&
           p->log_guard == 1e-10 && !p->use_energy &&
           (p->norm == WMEL_NORM_WHOLE || p->norm == WMEL_NORM_NONE) &&
           p->valid == WMEL_VALID_TRIM && p->stack == 1 && p->pad_to <= 1 &&
           p->layout == WMEL_LAYOUT_MELS_FRAMES && !p->bank_flags && !p->mag_guard_mode &&
           (!p->norm_flags || (p->norm_flags == WMEL_NORMF_FIXED_MAX && p->norm == WMEL_NORM_WHOLE)) &&
           !p->n_frames && !p->affine && p->norm_range == 0.0 && p->pad_value == 0.0 &&
           p->dither == 0.0 && !p->linear_bins && !p->n_ceps && !wmel__fe_post_on(p);
}

/* Whisper's geometry framed without the centre: frame t reads x[160 t, 160 t + 400), as many
 * frames as the snip rule with its span counts, every one kept. */
int wmel__fe_is_whisper_snip(const wmel_frontend_plan *p)
{
    if (p->framing != WMEL_FRAMES_SNIP || p->valid != WMEL_VALID_ALL || p->pad_left || p->pad_right ||
        p->pad_multiple > 1 || p->window_offset)
        return 0;
    wmel_frontend_plan q = *p;
    q.framing = WMEL_FRAMES_CENTER_REFLECT;
    q.valid = WMEL_VALID_TRIM;
    return wmel__fe_is_whisper(&q);
}

/* ---- geometry ---- */

/* The explicit framing's padded length: pad_left, n up to pad_multiple, pad_right. */
static size_t padded_len(const wmel_frontend_plan *p, size_t n)
{
    size_t m = n;
    if (p->pad_multiple > 1) m = (n + (size_t)p->pad_multiple - 1) / (size_t)p->pad_multiple * (size_t)p->pad_multiple;
    return (size_t)p->pad_left + m + (size_t)p->pad_right;
}

size_t wmel__fe_frames(const wmel_frontend_plan *p, size_t n)
{
    if (p->framing == WMEL_FRAMES_KALDI_CENTER) return (n + (size_t)p->hop / 2) / (size_t)p->hop;
    if (p->framing == WMEL_FRAMES_SNIP) {
        const size_t span = (size_t)(p->frame_span ? p->frame_span : p->frame_length), np = padded_len(p, n);
        return np < span ? 0 : 1 + (np - span) / (size_t)p->hop;
    }
    return 1 + n / (size_t)p->hop;
}

/* The valid frames and the frames before stacking, without the TRIM tail rule. */
static size_t valid0(const wmel_frontend_plan *p, size_t n)
{
    const size_t nf = wmel__fe_frames(p, n), hop = (size_t)p->hop;
    size_t h;
    switch (p->valid) {
    case WMEL_VALID_ALL: h = nf; break;
    case WMEL_VALID_END: { /* t hop - lead + span - 1 < n, lead and span the framing's */
        if (p->framing == WMEL_FRAMES_KALDI_CENTER) { /* t hop + off + frame_length <= n */
            const long long room = (long long)n - wmel__fe_kaldi_off(p) - p->frame_length;
            h = room < 0 ? 0 : (size_t)(room / (long long)hop) + 1;
            break;
        }
        const int snip = p->framing == WMEL_FRAMES_SNIP;
        const size_t lead = snip ? (size_t)p->pad_left : (size_t)p->n_fft / 2;
        const size_t span = snip ? (size_t)(p->frame_span ? p->frame_span : p->frame_length) : (size_t)p->n_fft;
        const size_t k = n + lead + 1; /* t hop + span < k */
        h = k <= span ? 0 : (k - span - 1) / hop + 1;
        break;
    }
    case WMEL_VALID_CEIL: h = n / hop + (n % hop != 0); break;
    case WMEL_VALID_BUT_LAST: h = nf ? nf - 1 : 0; break;
    default: h = n / hop; break; /* HOP, TRIM */
    }
    const size_t v = h < nf ? h : nf;
    return p->n_frames && v > (size_t)p->n_frames ? (size_t)p->n_frames : v; /* n_frames truncates */
}

size_t wmel__fe_reflect_reach(const wmel_frontend_plan *p)
{
    if (p->framing == WMEL_FRAMES_CENTER_REFLECT) return (size_t)p->n_fft / 2;
    if (p->framing == WMEL_FRAMES_SNIP && p->pad_mode == WMEL_PAD_REFLECT)
        return (size_t)(p->pad_left > p->pad_right ? p->pad_left : p->pad_right);
    return 0;
}

static size_t out_frames0(const wmel_frontend_plan *p, size_t n)
{
    if (p->n_frames) return (size_t)p->n_frames;
    size_t f = p->valid == WMEL_VALID_TRIM ? valid0(p, n) : wmel__fe_frames(p, n);
    if (p->pad_to > 1) f = (f + (size_t)p->pad_to - 1) / (size_t)p->pad_to * (size_t)p->pad_to;
    return f;
}

/* WMEL_STACK_TAIL_TRIM: the frames of the whole rows. */
static size_t trimmed(const wmel_frontend_plan *p, size_t n)
{
    return out_frames0(p, n) / (size_t)p->stack * (size_t)p->stack;
}

size_t wmel__fe_valid(const wmel_frontend_plan *p, size_t n)
{
    size_t v = valid0(p, n);
    if (p->stack_tail == WMEL_STACK_TAIL_TRIM) {
        const size_t g = trimmed(p, n);
        if (v > g) v = g;
    }
    return v;
}

int wmel__fe_post_on(const wmel_frontend_plan *p)
{
    return (p->stack_stride && p->stack_stride != p->stack) || p->stack_left || p->stack_tail || p->delta_win ||
           p->cols_stacked;
}

void wmel__fe_post_shape(const wmel_frontend_plan *p, size_t T, size_t *rows, size_t *cols)
{
    const size_t S = (size_t)(p->stack_stride ? p->stack_stride : p->stack);
    const int drop = p->stack_tail == WMEL_STACK_TAIL_DROP || p->stack_tail == WMEL_STACK_TAIL_TRIM;
    *rows = drop ? T / (size_t)p->stack : (T + S - 1) / S;
    *cols = wmel__fe_width(p) * (p->delta_win ? 2u : 1u) * (size_t)p->stack;
}

size_t wmel__fe_computed(const wmel_frontend_plan *p, size_t n)
{
    const size_t c = p->valid == WMEL_VALID_ALL ? wmel__fe_frames(p, n) : valid0(p, n); /* TRIM's tail aside */
    return p->n_frames && c > (size_t)p->n_frames ? (size_t)p->n_frames : c;
}

size_t wmel__fe_out_frames(const wmel_frontend_plan *p, size_t n)
{
    return p->stack_tail == WMEL_STACK_TAIL_TRIM ? trimmed(p, n) : out_frames0(p, n);
}

int wmel__fe_ext(const wmel_frontend_plan *p)
{
    const int stats = p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR;
    return p->norm_flags || p->norm_range != 0.0 || p->n_frames || p->affine || p->pad_value != 0.0 ||
           (stats && p->norm_eps == 0.0) || wmel__fe_post_on(p);
}

int wmel__fe_ext_fe(const wmel_fe *fe) { return wmel__fe_ext(&fe->p) || fe->col_scale; }

int wmel__fe_fill_rows(const wmel_frontend_plan *p)
{
    return p->stack_tail == WMEL_STACK_TAIL_FILL && (!p->stack_stride || p->stack_stride == p->stack) &&
           !p->stack_left && !p->delta_win && !p->cols_stacked;
}

int wmel__fe_dev_finish(const wmel_fe *fe, int caps)
{
    const wmel_frontend_plan *p = &fe->p;
    const int rest = (caps & WMEL__DEV_POST) ? !wmel__fe_post_on(p) || p->layout == WMEL_LAYOUT_FRAMES_MELS
                                            : !fe->col_scale && (!wmel__fe_post_on(p) || wmel__fe_fill_rows(p));
    const int flags = WMEL_NORMF_POPULATION | WMEL_NORMF_MEAN_ONLY | WMEL_NORMF_FIXED_MAX |
                      ((caps & WMEL__DEV_THEN) ? WMEL_NORMF_THEN_MEAN_VAR : 0) |
                      ((caps & WMEL__DEV_ALL) ? WMEL_NORMF_ALL : 0);
    return (p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR || p->norm == WMEL_NORM_NONE ||
            p->norm == WMEL_NORM_WHOLE) &&
           !(p->norm_flags & ~flags) && rest && !p->energy_windowed;
}

int wmel__fe_dev_shape(const wmel_fe *fe, size_t n, size_t nc, size_t *rows, size_t *cols)
{
    const wmel_frontend_plan *p = &fe->p;
    const size_t nv = wmel__fe_valid(p, n), ncol = (size_t)fe->n_cols, nfo = wmel__fe_out_frames(p, n);
    const int fmaj = p->layout == WMEL_LAYOUT_FRAMES_MELS;
    if (!nc || !*cols || nc != wmel__fe_computed(p, n) || nv > nc) return 0;
    /* frames x columns: stacking (`stack` frames a row, no post stage: fe_cpu.c's out_map)
       keeps the frames consecutive, so the output is rows x cols / ncol frames of ncol */
    if (fmaj) {
        if (*cols % ncol || (size_t)(p->stack > 1 ? p->stack : 1) != *cols / ncol) return 0;
        *rows *= *cols / ncol;
        *cols = ncol;
    }
    const size_t T = fmaj ? *rows : *cols;
    return !((fmaj ? *rows < nc : *rows != ncol || *cols < nc) || (wmel__fe_ext_fe(fe) && (nfo < nc || nfo > T)));
}

int wmel__fe_dev_post(const wmel_fe *fe, size_t n, size_t nc, size_t rows, size_t cols, size_t *F)
{
    const wmel_frontend_plan *p = &fe->p;
    const size_t nfo = wmel__fe_out_frames(p, n);
    size_t pr = 0, pc = 0;
    wmel__fe_post_shape(p, nfo, &pr, &pc);
    *F = nc > nfo ? nc : nfo; /* fe_cpu.c's: every computed frame, at least the output's */
    return nc && nc == wmel__fe_computed(p, n) && wmel__fe_valid(p, n) <= nc && nfo && pc && rows == pr && cols == pc &&
           *F <= SIZE_MAX / 8 / (size_t)fe->n_cols;
}

int wmel__fe_shape(const wmel_frontend_plan *p, size_t n, size_t *rows, size_t *cols)
{
    if (n == 0) return WMEL_ERR_NO_SAMPLES;
    if (n > SIZE_MAX / 8) return WMEL_ERR_OVERFLOW;
    if (p->framing == WMEL_FRAMES_CENTER_REFLECT && n <= (size_t)p->n_fft / 2)
        return WMEL_ERR_TOO_SHORT;
    if (p->framing == WMEL_FRAMES_SNIP && p->pad_mode == WMEL_PAD_REFLECT && n <= wmel__fe_reflect_reach(p))
        return WMEL_ERR_TOO_SHORT;
    const size_t f = wmel__fe_out_frames(p, n);
    const size_t nc = wmel__fe_width(p);
    if (wmel__fe_post_on(p)) {
        wmel__fe_post_shape(p, f, rows, cols);
    } else if (p->layout == WMEL_LAYOUT_MELS_FRAMES) {
        *rows = nc;
        *cols = f;
    } else {
        *rows = (f + (size_t)p->stack - 1) / (size_t)p->stack;
        *cols = nc * (size_t)p->stack;
    }
    if (*rows && *cols > SIZE_MAX / 8 / *rows) return WMEL_ERR_OVERFLOW;
    return WMEL_OK;
}

int wmel_plan_frames(const wmel_frontend_plan *plan, size_t n, wmel_plan_counts *out)
{
    if (!plan || !out) return WMEL_ERR_NULL_POINTER;
    if (wmel_plan_check(plan, NULL, 0) != WMEL_OK) return WMEL_ERR_INVALID_ARG;
    wmel_plan_counts c;
    if (plan->n_samples > 0) n = (size_t)plan->n_samples; /* the clip cut or padded first */
    const int rc = wmel__fe_shape(plan, n, &c.rows, &c.cols);
    if (rc) return rc;
    c.stft = wmel__fe_frames(plan, n);
    c.valid = wmel__fe_valid(plan, n);
    c.frames = wmel__fe_out_frames(plan, n);
    c.computed = wmel__fe_computed(plan, n);
    if (c.computed > c.frames) c.computed = c.frames; /* TRIM: the whole rows' frames */
    *out = c;
    return WMEL_OK;
}

/* ---- window and mel bank ---- */

static double window_at(int kind, int i, int n, double coeff)
{
    const int periodic = kind == WMEL_WINDOW_HANN_PERIODIC || kind == WMEL_WINDOW_HAMMING_PERIODIC ||
                         kind == WMEL_WINDOW_BLACKMAN_PERIODIC || kind == WMEL_WINDOW_BARTLETT_PERIODIC;
    const double d = periodic ? (double)n : (double)(n - 1);
    const double a = 2.0 * PI * i / d;
    switch (kind) {
    case WMEL_WINDOW_BLACKMAN:
    case WMEL_WINDOW_BLACKMAN_PERIODIC: {
        const double c = coeff > 0.0 ? coeff : 0.42;
        return c - 0.5 * cos(a) + (0.5 - c) * cos(2.0 * a);
    }
    case WMEL_WINDOW_BARTLETT:
    case WMEL_WINDOW_BARTLETT_PERIODIC: return 1.0 - fabs(2.0 * i / d - 1.0);
    case WMEL_WINDOW_SINE: return sin(0.5 * a);
    case WMEL_WINDOW_HANN_PERIODIC:
    case WMEL_WINDOW_HANN: return 0.5 - 0.5 * cos(a);
    case WMEL_WINDOW_HAMMING:
    case WMEL_WINDOW_HAMMING_PERIODIC: return 0.54 - 0.46 * cos(a);
    case WMEL_WINDOW_POVEY: return pow(0.5 - 0.5 * cos(a), 0.85);
    default: return 1.0;
    }
}

/* v rounded to float32, then to bfloat16 (nearest, ties to even) with WMEL_BANK_BF16: torch's
 * .to(torch.bfloat16) of the float32 constant. */
static double bf16_if(const wmel_frontend_plan *p, double v)
{
    if (!(p->bank_flags & WMEL_BANK_BF16)) return v;
    const float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u; /* finite values only: the bank and window */
    float r;
    memcpy(&r, &u, sizeof r);
    return r;
}

/* The bins [*k0, *k1) of a triangle from Hz fl to fr (fl < fr, both finite) that can hold a
   weight: every bin before *k0 is at or below fl, every bin from *k1 on at or above fr (bin k
   at k sr / n_fft, as the bank computes it). */
static void hz_span(double fl, double fr, double sr, int n_fft, int n_bins, int *k0, int *k1)
{
    const double per = sr / n_fft;
    double a = floor(fl / per), b = ceil(fr / per);
    int i = a < 0.0 ? 0 : a > n_bins ? n_bins : (int)a;
    int j = b < 0.0 ? 0 : b > n_bins ? n_bins : (int)b;
    while (i > 0 && (i - 1) * sr / n_fft > fl) i--;
    while (i < n_bins && i * sr / n_fft <= fl) i++;
    if (j < i) j = i;
    while (j > i && (j - 1) * sr / n_fft >= fr) j--;
    while (j < n_bins && j * sr / n_fft < fr) j++;
    *k0 = i > 0 ? i - 1 : 0; /* (the bin at fl itself: its weight is 0 as well) */
    *k1 = j;
}

/* Dense [n_mels][n_bins] bank (a Kaldi bank's filters each hold a bin: kaldi_bank_full()).
   span[2 m], span[2 m + 1]: bins of row m outside them hold 0. */
static int mel_bank(const wmel_frontend_plan *p, int n_bins, double *w, int *span)
{
    const int nm = p->n_mels;
    const double lo = p->low_freq, hi = high_hz(p), sr = p->sample_rate;
    for (int m = 0; m < nm; m++) span[2 * m] = 0, span[2 * m + 1] = n_bins;
    if (p->linear_bins) { /* no bank: column m is bin first_bin + m, weight 1 */
        memset(w, 0, sizeof(double) * (size_t)nm * (size_t)n_bins);
        for (int m = 0; m < nm; m++) w[(size_t)m * n_bins + (size_t)(p->first_bin + m)] = 1.0;
        return WMEL_OK;
    }
    if (!in_mel(p->mel_scale)) { /* triangles in Hz: Slaney's or HTK's scale */
        double *f = malloc(sizeof(double) * (size_t)(nm + 2));
        if (!f) return WMEL_ERR_NO_MEMORY;
        const int htk = p->mel_scale == WMEL_MEL_HTK;
        const double m0 = htk ? htk_mel(lo) : wmel__slaney_mel(lo), m1 = htk ? htk_mel(hi) : wmel__slaney_mel(hi);
        for (int i = 0; i < nm + 2; i++) {
            const double mi = i == nm + 1 ? m1 : m0 + (m1 - m0) * i / (double)(nm + 1);
            f[i] = htk ? htk_hz(mi) : wmel__slaney_hz(mi);
        }
        if (p->bank_flags & WMEL_BANK_SNAP_BINS) { /* the points as FFT bins, triangles between them */
            memset(w, 0, sizeof(double) * (size_t)nm * (size_t)n_bins);
            for (int i = 0; i < nm + 2; i++) f[i] = floor((p->n_fft + 1) * f[i] / sr);
            for (int m = 0; m < nm; m++) {
                const double b0 = f[m], b1 = f[m + 1], b2 = f[m + 2];
                for (int k = b0 > 0.0 ? (int)b0 : 0; k < n_bins && k < b2; k++)
                    w[(size_t)m * n_bins + k] = k < b1 ? (k - b0) / (b1 - b0) : (b2 - k) / (b2 - b1);
            }
            free(f);
            return WMEL_OK;
        }
        const int sym = (p->bank_flags & WMEL_BANK_SYMMETRIC) != 0; /* SpeechBrain: both halves d0 wide */
        for (int m = 0; m < nm; m++) {
            const double d0 = f[m + 1] - f[m], d1 = sym ? d0 : f[m + 2] - f[m + 1];
            const double en = p->mel_norm == WMEL_MELNORM_SLANEY ? 2.0 / (f[m + 2] - f[m]) : 1.0;
            const double right = sym ? f[m + 1] + d0 : f[m + 2];
            int k0 = 0, k1 = n_bins;
            if (d0 > 0.0 && d1 > 0.0 && en > 0.0 && isfinite(f[m]) && isfinite(right) && isfinite(en)) {
                /* outside (f[m], right) one of the two slopes is <= 0: the weight is +0 */
                hz_span(f[m], right, sr, p->n_fft, n_bins, &k0, &k1);
                memset(w + (size_t)m * n_bins, 0, sizeof(double) * (size_t)n_bins);
                span[2 * m] = k0, span[2 * m + 1] = k1;
            }
            for (int k = k0; k < k1; k++) {
                const double fk = k * sr / p->n_fft;
                const double a = (fk - f[m]) / d0, b = ((sym ? f[m + 1] + d0 : f[m + 2]) - fk) / d1;
                const double v = a < b ? a : b;
                w[(size_t)m * n_bins + k] = (v > 0.0 ? v : 0.0) * en;
            }
        }
        free(f);
        return WMEL_OK;
    }
    /* each bin's mel, once for every filter */
    double *mel = malloc(sizeof(double) * (size_t)n_bins);
    if (!mel) return WMEL_ERR_NO_MEMORY;
    const int top = mel_top(p); /* the Nyquist bin is not in Kaldi's bank (TF's has it) */
    for (int k = 0; k < n_bins && k < top; k++) mel[k] = wmel__kaldi_mel(k * sr / p->n_fft);
    for (int m = 0; m < nm; m++) {
        double e[3];
        kaldi_edges(p, nm, m, e);
        const double left = e[0], centre = e[1], right = e[2];
        /* area normalisation by the band's width in Hz, as librosa's */
        const double area = p->mel_norm == WMEL_MELNORM_SLANEY ? 2.0 / (wmel__kaldi_hz(right) - wmel__kaldi_hz(left)) : 1.0;
        /* the bins inside the filter: a run, the bins' mels increasing (binary search for its start) */
        double *row = w + (size_t)m * n_bins;
        memset(row, 0, sizeof(double) * (size_t)n_bins);
        int a = 0, b = n_bins < top ? n_bins : top;
        while (a < b) {
            const int c = a + (b - a) / 2;
            if (mel[c] > left) b = c;
            else a = c + 1;
        }
        int k = a;
        for (; k < n_bins && k < top && mel[k] < right; k++) {
            const double mk = mel[k];
            double v = mk <= centre ? (mk - left) / (centre - left) : (right - mk) / (right - centre);
            if (v > 0.0 && p->mel_norm == WMEL_MELNORM_SLANEY) v *= area;
            row[k] = v;
        }
        span[2 * m] = a, span[2 * m + 1] = k;
    }
    free(mel);
    if ((p->bank_flags & WMEL_BANK_HTK) && lo != 0.0) /* Kaldi's htk_mode: HTK's first weight */
        for (int k = 0; k < n_bins; k++)
            if (w[k] != 0.0) {
                w[k] = 0.0;
                break;
            }
    return WMEL_OK;
}

/* sin(pi x) and cos(pi x) for x in [0, 1/4] by their Taylor series, Horner in y^2, in IEEE
   double arithmetic only (no libm): the same bits on every platform and C library (libm's
   cos may differ by an ulp between glibc, musl and the CRT, and the DCT's float64 matrix would
   carry that into the cepstra's bits). Truncation below 1e-17 (|y| <= pi / 4). */
/* the series c[0 .. 9] (highest power first) in z = (pi x)^2, by Horner; *y = pi x */
static double series_pi(const double c[10], double x, double *y)
{
    *y = PI * x;
    const double z = *y * *y;
    double r = c[0];
    for (size_t i = 1; i < 10; i++) r = r * z + c[i];
    return r;
}

static double sinpi_q(double x)
{
    static const double c[10] = {-1.0 / 121645100408832000.0, 1.0 / 355687428096000.0, -1.0 / 1307674368000.0,
                                 1.0 / 6227020800.0, -1.0 / 39916800.0, 1.0 / 362880.0, -1.0 / 5040.0,
                                 1.0 / 120.0, -1.0 / 6.0, 1.0};
    double y;
    const double r = series_pi(c, x, &y);
    return r * y;
}

static double cospi_q(double x)
{
    static const double c[10] = {-1.0 / 6402373705728000.0, 1.0 / 20922789888000.0, -1.0 / 87178291200.0,
                                 1.0 / 479001600.0, -1.0 / 3628800.0, 1.0 / 40320.0, -1.0 / 720.0,
                                 1.0 / 24.0, -1.0 / 2.0, 1.0};
    double y;
    return series_pi(c, x, &y);
}

/* cos(pi num / den), den > 0: the angle reduced exactly in integers, then the series. */
static double cospi_frac(unsigned long long num, unsigned long long den)
{
    unsigned long long r = num % (2 * den); /* cos(pi r / den), r in [0, 2 den) */
    if (r > den) r = 2 * den - r;            /* cos(2 pi - a) = cos(a): r in [0, den] */
    double sign = 1.0;
    if (2 * r > den) r = den - r, sign = -1.0; /* cos(pi - a) = -cos(a): r in [0, den / 2] */
    if (4 * r <= den) return sign * cospi_q((double)r / (double)den);
    return sign * sinpi_q((double)(den - 2 * r) / (double)(2 * den)); /* cos(a) = sin(pi / 2 - a) */
}

/* sin(pi t) for finite t: the reduction exact (fmod, Sterbenz), then the series. */
static double sinpi_d(double t)
{
    t = fmod(t, 2.0);
    if (t < 0.0) t += 2.0;
    double sign = 1.0;
    if (t >= 1.0) t -= 1.0, sign = -1.0; /* sin(pi (t + 1)) = -sin(pi t) */
    if (t > 0.5) t = 1.0 - t;             /* sin(pi (1 - t)) = sin(pi t) */
    return sign * (t <= 0.25 ? sinpi_q(t) : cospi_q(0.5 - t));
}

void wmel__fe_dft(int n_fft, double *cos_tab, double *sin_tab)
{
    for (int j = 0; j < n_fft; j++) {
        cos_tab[j] = cos(2.0 * PI * j / n_fft);
        sin_tab[j] = sin(2.0 * PI * j / n_fft);
    }
}

int wmel__fe_compile(const wmel_frontend_plan *p, wmel_fe **out)
{
    *out = NULL;
    /* an empty Kaldi filter: Kaldi refuses such a bank (too many mel bins for the FFT size) */
    if (in_mel(p->mel_scale) && !p->linear_bins && !(p->bank_flags & WMEL_BANK_ALLOW_EMPTY) &&
        !kaldi_bank_full(p, p->n_mels, NULL))
        return WMEL_ERR_INVALID_ARG;
    wmel_fe *fe = calloc(1, sizeof *fe);
    if (!fe) return WMEL_ERR_NO_MEMORY;
    fe->p = *p;
    fe->n_bins = p->n_fft / 2 + 1;
    fe->n_cols = (int)wmel__fe_width(p);
    fe->n_raw = p->n_mels + p->use_energy;
    fe->off = p->framing == WMEL_FRAMES_SNIP           ? (long long)p->window_offset - p->pad_left
              : p->framing == WMEL_FRAMES_KALDI_CENTER ? wmel__fe_kaldi_off(p)
                                                       : (long long)((p->n_fft - p->frame_length) / 2) - p->n_fft / 2;
    const size_t nb = (size_t)fe->n_bins, nm = (size_t)p->n_mels;
    fe->window = malloc(sizeof(double) * (size_t)p->frame_length);
    fe->dense = malloc(sizeof(double) * nm * nb);
    fe->mel_lo = malloc(sizeof(int) * nm);
    fe->mel_len = malloc(sizeof(int) * nm);
    fe->mel_off = malloc(sizeof(int) * nm);
    int *span = malloc(sizeof(int) * 2 * nm);
    int rc = WMEL_ERR_NO_MEMORY;
    if (!fe->window || !fe->dense || !fe->mel_lo || !fe->mel_len || !fe->mel_off || !span) goto fail;
    for (int i = 0; i < p->frame_length; i++) fe->window[i] = bf16_if(p, window_at(p->window, i, p->frame_length, p->window_coeff));
    if ((rc = mel_bank(p, fe->n_bins, fe->dense, span)) != WMEL_OK) goto fail;
    if (p->bank_flags & WMEL_BANK_BF16)
        for (size_t i = 0; i < nm * nb; i++) fe->dense[i] = bf16_if(p, fe->dense[i]);
    size_t nnz = 0;
    for (size_t m = 0; m < nm; m++) { /* (each row's zeros outside its span: mel_bank) */
        const double *row = fe->dense + m * nb;
        int lo = span[2 * m], hi = span[2 * m + 1];
        while (lo < hi && row[lo] == 0.0) lo++;
        while (hi > lo && row[hi - 1] == 0.0) hi--;
        fe->mel_lo[m] = lo;
        fe->mel_len[m] = hi - lo;
        fe->mel_off[m] = (int)nnz;
        nnz += (size_t)(hi - lo);
    }
    free(span);
    span = NULL;
    rc = WMEL_ERR_NO_MEMORY;
    fe->mel_w = malloc(sizeof(double) * (nnz ? nnz : 1));
    if (!fe->mel_w) goto fail;
    for (size_t m = 0; m < nm; m++)
        memcpy(fe->mel_w + fe->mel_off[m], fe->dense + m * nb + fe->mel_lo[m],
               sizeof(double) * (size_t)fe->mel_len[m]);
    if ((rc = wmel__fft_init(&fe->fft, p->n_fft)) != WMEL_OK) goto fail;
    if (p->n_ceps > 0) { /* Kaldi's ComputeDctMatrix, its rows times the lifter's coefficients */
        rc = WMEL_ERR_NO_MEMORY;
        fe->dct = malloc(sizeof(double) * (size_t)p->n_ceps * nm);
        if (!fe->dct) goto fail;
        const double q = p->cepstral_lifter;
        for (int k = 0; k < p->n_ceps; k++) {
            /* sin and cos by the series above (sinpi_d, cospi_frac): the same bits everywhere */
            const double lift = q > 0.0 ? 1.0 + 0.5 * q * sinpi_d((double)k / q) : 1.0;
            for (size_t j = 0; j < nm; j++) /* cos(pi / nm (j + 0.5) k) = cos(pi (2 j + 1) k / (2 nm)) */
                fe->dct[(size_t)k * nm + j] =
                    lift * (k == 0 ? sqrt(1.0 / (double)nm)
                                   : sqrt(2.0 / (double)nm) *
                                         cospi_frac((2ull * j + 1ull) * (unsigned long long)k, 2ull * nm));
        }
    }
    *out = fe;
    return WMEL_OK;
fail:
    free(span);
    wmel__fe_free(fe);
    return rc;
}

void wmel__fe_free(wmel_fe *fe)
{
    if (!fe) return;
    free(fe->window);
    free(fe->dense);
    free(fe->mel_lo);
    free(fe->mel_len);
    free(fe->mel_off);
    free(fe->mel_w);
    free(fe->dct);
    free(fe->col_scale);
    free(fe->col_shift);
    wmel__fft_free(&fe->fft);
    free(fe);
}

/* ---- cepstra ---- */

void wmel__fe_ceps(const wmel_fe *fe, const double *raw, double *c)
{
    const wmel_frontend_plan *p = &fe->p;
    const int nm = p->n_mels, nk = p->n_ceps, e = p->use_energy;
    const double *l = raw + e;
    for (int k = 0; k < nk; k++) {
        const double *d = fe->dct + (size_t)k * (size_t)nm;
        double a = 0.0;
        for (int j = 0; j < nm; j++) a += d[j] * l[j];
        c[k] = a;
    }
    if (e) c[0] = raw[0]; /* Kaldi: the log energy in c0's place, after the lifter */
    if (p->ceps_htk) { /* Kaldi's htk_compat: c0 last; without the energy, times sqrt(2) */
        const double c0 = e ? c[0] : c[0] * sqrt(2.0);
        for (int k = 0; k + 1 < nk; k++) c[k] = c[k + 1];
        c[nk - 1] = c0;
    }
}

/* ---- samples ---- */

/* Sample i of the scaled, pre-emphasised (signal mode) signal, 0 <= i < n. */
static double pre_at(const wmel_fe *fe, const float *x, size_t i)
{
    const double s = fe->p.scale;
    if (fe->p.preemph_mode == WMEL_PREEMPH_SIGNAL && fe->p.preemph != 0.0 && i > 0)
        return s * (double)x[i] - fe->p.preemph * (s * (double)x[i - 1]);
    return s * (double)x[i];
}

/* Sample i of the scaled padded signal (zeros or the reflection beyond [0, n)). */
static double padded_at(const wmel_fe *fe, const float *x, size_t n, long long i)
{
    if (i < 0 || i >= (long long)n) {
        if (fe->p.pad_mode != WMEL_PAD_REFLECT) return 0.0;
        if (i < 0) i = -i;
        if (i >= (long long)n) i = 2 * ((long long)n - 1) - i;
        if (i < 0 || i >= (long long)n) return 0.0; /* not reached: n > pad_left, pad_right */
    }
    return fe->p.scale * (double)x[i];
}

double wmel__fe_sample(const wmel_fe *fe, const float *x, size_t n, long long i)
{
    if (fe->p.preemph_mode >= WMEL_PREEMPH_PADDED) { /* the padding pre-emphasised too; its first sample kept */
        if (fe->p.preemph_mode == WMEL_PREEMPH_PADDED_CUT && i >= wmel__fe_live_end(&fe->p, n))
            return 0.0; /* NeMo's time mask */
        const double y = padded_at(fe, x, n, i);
        if (fe->p.preemph == 0.0 || i <= -(long long)fe->p.pad_left) return y;
        return y - fe->p.preemph * padded_at(fe, x, n, i - 1);
    }
    if ((i < 0 || i >= (long long)n) && fe->p.framing == WMEL_FRAMES_KALDI_CENTER)
        i = wmel__fe_kaldi_reflect(i, n);
    if (i < 0 || i >= (long long)n) {
        if (fe->p.framing != WMEL_FRAMES_CENTER_REFLECT &&
            !(fe->p.framing == WMEL_FRAMES_SNIP && fe->p.pad_mode == WMEL_PAD_REFLECT))
            return 0.0;
        if (i < 0) i = -i;
        if (i >= (long long)n) i = 2 * ((long long)n - 1) - i;
        if (i < 0 || i >= (long long)n) return 0.0; /* not reached: n > n_fft / 2 */
    }
    return pre_at(fe, x, (size_t)i);
}
