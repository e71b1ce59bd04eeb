/*
 * fe_options.c -- the front-ends' options by name (wmel_plan_set): which option applies to
 * which front-end, the values each takes and the sentence for a refusal, in one place for
 * the command line, the Python package and C callers alike. The options are the lines of
 * plan_fields.h; each one's code here is its set_NAME. A preset's plan
 * (wmel_frontend_preset) plus its options, set in the table's order, is the plan those
 * doors compute.
 */
#define _POSIX_C_SOURCE 200809L
#include "fe/fe.h"
#include "fe/plan_fields.h"
#include "internal.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *family(int frontend)
{
    switch (frontend) {
    case WMEL_FRONTEND_WHISPER: return "whisper";
    case WMEL_FRONTEND_NEMO: return "nemo";
    case WMEL_FRONTEND_NEMO_LEGACY: return "nemo";
    case WMEL_FRONTEND_KALDI: return "kaldi";
    case WMEL_FRONTEND_SEAMLESS: return "seamless";
    default: return "unknown";
    }
}

/* The text of a value, shortened and with control characters shown as '?', for a message. */
static const char *shown(const char *v, char *buf, size_t len)
{
    size_t i = 0;
    for (; v[i] && i + 1 < len; i++) buf[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
    buf[i] = '\0';
    if (v[i] && len > 4) memcpy(buf + len - 4, "...", 4);
    return buf;
}

static int parse_num(const char *v, double *out)
{
    char *end = NULL;
    if (!*v) return -1;
    double d = strtod(v, &end);
    if (*end || !isfinite(d)) return -1;
    *out = d;
    return 0;
}

static int parse_int(const char *v, long lo, long hi, int *out)
{
    char *end = NULL;
    if (!(*v >= '0' && *v <= '9')) return -1;
    long x = strtol(v, &end, 10);
    if (*end || x < lo || x > hi) return -1;
    *out = (int)x;
    return 0;
}

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "1") || !strcmp(v, "true")) return *out = 1, 0;
    if (!strcmp(v, "0") || !strcmp(v, "false")) return *out = 0, 0;
    return -1;
}

const char *const wmel__fe_window_names[WMEL__FE_N_WINDOWS] = {
    [WMEL_WINDOW_HANN_PERIODIC] = "hann_periodic",       [WMEL_WINDOW_HANN] = "hann",
    [WMEL_WINDOW_HAMMING] = "hamming",                   [WMEL_WINDOW_POVEY] = "povey",
    [WMEL_WINDOW_RECT] = "rect",                         [WMEL_WINDOW_BLACKMAN] = "blackman",
    [WMEL_WINDOW_BARTLETT] = "bartlett",                 [WMEL_WINDOW_SINE] = "sine",
    [WMEL_WINDOW_HAMMING_PERIODIC] = "hamming_periodic", [WMEL_WINDOW_BLACKMAN_PERIODIC] = "blackman_periodic",
    [WMEL_WINDOW_BARTLETT_PERIODIC] = "bartlett_periodic"};

/* One option's setting: the plan, the value (v: as a message shows it), the name, the
 * plan's family and the refusal's buffer. */
typedef struct pf_in {
    wmel_frontend_plan *plan;
    const char *name, *value, *v, *fam;
    int k; /* the option's line in plan_fields.h */
    int whisper, nemo, kaldi;
    char *msg;
    size_t len;
} pf_in;

#define SET(f) static int set_##f(const pf_in *a)
#define BAD(...) wmel__fe_bad(a->msg, a->len, __VA_ARGS__)

static const wmel_plan_field FIELDS[WMEL__PF_COUNT];

/* A whole number in the option's range (plan_fields.h) into *dst, else the sentence "NAME V:
 * a whole number, VALUES[: what]" (what may be NULL). */
static int set_ranged(const pf_in *a, const char *what, int *dst)
{
    const wmel__pf_range *r = &wmel__pf_ranges[a->k];
    int i;
    if (parse_int(a->value, r->how == WMEL__PF_HOW_IN0_R ? 0 : (long)r->lo, (long)r->hi, &i) || !wmel__pf_in(a->k, i))
        return BAD("%s %s: a whole number, %s%s%s", a->name, a->v, FIELDS[a->k].values, what ? ": " : "",
                   what ? what : "");
    *dst = i;
    return WMEL_OK;
}

/* The sentence for a number the option does not take: "NAME V: VALUES: what" with a range,
 * "NAME V: what" without. */
static int num_bad(const pf_in *a, const char *what)
{
    if (wmel__pf_ranges[a->k].how == WMEL__PF_HOW_NONE_R) return BAD("%s %s: %s", a->name, a->v, what);
    return BAD("%s %s: %s: %s", a->name, a->v, FIELDS[a->k].values, what);
}

/* One of n words into *dst (its index), else the sentence "NAME V: allowed". */
static int set_word(const pf_in *a, const char *const *words, int n, const char *allowed, int *dst)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(a->value, words[i])) return *dst = i, WMEL_OK;
    return BAD("%s %s: %s", a->name, a->v, allowed);
}

/* A true/false bit of *flags. */
static int set_bit(const pf_in *a, int *flags, int bit)
{
    int i;
    if (parse_bool(a->value, &i)) return BAD("%s %s: 1 or 0 (true or false)", a->name, a->v);
    *flags = i ? *flags | bit : *flags & ~bit;
    return WMEL_OK;
}

/* A true/false field, with the refusal's sentence after "NAME V: ". */
static int set_bool(const pf_in *a, const char *what, int *dst)
{
    int i;
    if (parse_bool(a->value, &i)) return BAD("%s %s: %s", a->name, a->v, what);
    *dst = i;
    return WMEL_OK;
}

/* A number d in the option's range with ok(d) into the field, with the refusal's sentence
 * (num_bad) (in the functions: tools/amalgamate.py reads a file-scope NAME(x) as a macro
 * defining x). */
#define SET_NUM(f, okd, what)                                                                                          \
    double d;                                                                                                          \
    if (parse_num(a->value, &d) || !wmel__pf_in(a->k, d) || !(okd)) return num_bad(a, what);                         \
    a->plan->f = d;                                                                                                    \
    return WMEL_OK

/* ---- the options of some families ---- */

SET(n_mels)
{
    int i;
    if (a->whisper) {
        if (parse_int(a->value, 1, 1000000, &i) || (i != 80 && i != 128))
            return BAD("n_mels %s: the whisper front-end takes 80 or 128", a->v);
        a->plan->n_mels = i;
        return WMEL_OK;
    }
    return set_ranged(a, NULL, &a->plan->n_mels);
}

SET(normalize)
{
    /* nemo: per_feature, all_features; seamless and kaldi: mean_var; all three: mean, none */
    wmel_frontend_plan *plan = a->plan;
    const int nemo = a->nemo, keep = plan->norm_flags & ~(WMEL_NORMF_MEAN_ONLY | WMEL_NORMF_ALL);
    const char *value = a->value;
    if (!strcmp(value, "none")) {
        plan->norm = WMEL_NORM_NONE;
        plan->norm_flags = keep;
    } else if (!strcmp(value, "whole")) { /* Whisper's max - 8, (x + 4) / 4 (GraniteSpeech) */
        plan->norm = WMEL_NORM_WHOLE;
        plan->norm_flags = keep;
    } else if (!strcmp(value, "mean")) {
        plan->norm = nemo ? WMEL_NORM_PER_FEATURE : WMEL_NORM_MEAN_VAR;
        plan->norm_flags = keep | WMEL_NORMF_MEAN_ONLY;
    } else if (nemo && (!strcmp(value, "per_feature") || !strcmp(value, "all_features"))) {
        plan->norm = WMEL_NORM_PER_FEATURE;
        plan->norm_flags = keep | (value[0] == 'a' ? WMEL_NORMF_ALL : 0);
    } else if (!nemo && !strcmp(value, "mean_var")) {
        plan->norm = WMEL_NORM_MEAN_VAR;
        plan->norm_flags = keep;
    } else {
        return BAD("normalize %s: the %s front-end takes %s", a->v, a->fam,
                   nemo ? "per_feature, all_features, mean, whole or none" : "mean_var, mean, whole or none");
    }
    return WMEL_OK;
}

SET(window)
{
    if (!a->kaldi && !a->nemo)
        return BAD("window: not an option of the %s front-end (it applies to kaldi and nemo)", a->fam);
    for (int w = 0; w < WMEL__FE_N_WINDOWS; w++)
        if (!(a->nemo && w == WMEL_WINDOW_POVEY) && !strcmp(a->value, wmel__fe_window_names[w])) {
            a->plan->window = w;
            if (w != WMEL_WINDOW_BLACKMAN && w != WMEL_WINDOW_BLACKMAN_PERIODIC) a->plan->window_coeff = 0.0;
            return WMEL_OK;
        }
    return BAD("window %s: the %s front-end takes %s", a->v, a->fam,
               a->nemo ? "hann, hamming, blackman, bartlett, sine or rect (periodic: hann_periodic, hamming_periodic, "
                         "blackman_periodic, bartlett_periodic)"
                       : "povey, hamming, hann, blackman, bartlett, sine or rect (periodic: hann_periodic, "
                         "hamming_periodic, blackman_periodic, bartlett_periodic)");
}

SET(scale) { SET_NUM(scale, d != 0.0, "samples are multiplied by it"); }
SET(low_freq) { SET_NUM(low_freq, 1, "the lowest mel edge in Hz"); }
SET(high_freq) { SET_NUM(high_freq, 1, "a frequency in Hz (<= 0: Nyquist plus it)"); }

/* kaldi's options */
static int kaldi_only(const pf_in *a)
{
    return a->kaldi ? WMEL_OK : BAD("%s: not an option of the %s front-end (it applies to kaldi)", a->name, a->fam);
}

SET(use_energy)
{
    int rc = kaldi_only(a);
    return rc ? rc : set_bool(a, "1 or 0 (true or false)", &a->plan->use_energy);
}

SET(energy_floor)
{
    double d;
    int rc = kaldi_only(a);
    if (rc) return rc;
    if (parse_num(a->value, &d) || !wmel__pf_in(a->k, d))
        return num_bad(a, "the log energy is at least its log (0: no floor)");
    if (!a->plan->use_energy) return BAD("energy_floor %s: floors the log-energy column, which needs use_energy", a->v);
    a->plan->energy_floor = d;
    return WMEL_OK;
}

/* nemo's options */
static int nemo_only(const pf_in *a)
{
    return a->nemo ? WMEL_OK : BAD("%s: not an option of the %s front-end (it applies to nemo)", a->name, a->fam);
}

SET(legacy)
{
    int i, rc = nemo_only(a);
    if (rc) return rc;
    if (parse_bool(a->value, &i)) return BAD("legacy %s: 1 or 0 (true or false)", a->v);
    a->plan->frontend = i ? WMEL_FRONTEND_NEMO_LEGACY : WMEL_FRONTEND_NEMO;
    a->plan->framing = i ? WMEL_FRAMES_CENTER_REFLECT : WMEL_FRAMES_CENTER_ZERO;
    a->plan->valid = i ? WMEL_VALID_ALL : WMEL_VALID_HOP;
    return WMEL_OK;
}

SET(pad_to)
{
    int rc = nemo_only(a);
    return rc ? rc : set_ranged(a, "a frame multiple (NeMo: 0 or 16)", &a->plan->pad_to);
}

SET(exact_pad)
{
    /* NeMo exact_pad: (n_fft - hop) / 2 on both sides, then the pre-emphasis of the padded signal,
       torch.stft(center=False) (the window centred in n_fft), seq_len floor((n + 2 pad - n_fft) / hop):
       every frame but the last. NeMo since mid-2025 pads zeros and masks the pre-emphasised values from
       padded index n on; before, it reflected, did not mask and counted every frame (legacy) */
    wmel_frontend_plan *plan = a->plan;
    int i, rc = nemo_only(a);
    if (rc) return rc;
    if (parse_bool(a->value, &i)) return BAD("exact_pad %s: 1 or 0 (true or false)", a->v);
    if (i && (plan->n_fft < plan->hop || (plan->n_fft - plan->hop) % 2))
        return BAD("exact_pad %s: pads (n_fft - hop) / 2 samples on each side, which needs n_fft - hop even and >= 0 "
                   "(n_fft %d, hop %d)", a->v, plan->n_fft, plan->hop);
    const int legacy = plan->frontend == WMEL_FRONTEND_NEMO_LEGACY;
    plan->framing = i ? WMEL_FRAMES_SNIP : legacy ? WMEL_FRAMES_CENTER_REFLECT : WMEL_FRAMES_CENTER_ZERO;
    plan->valid = legacy ? WMEL_VALID_ALL : i ? WMEL_VALID_BUT_LAST : WMEL_VALID_HOP; /* legacy: seq_len + 1 */
    plan->pad_left = plan->pad_right = i ? (plan->n_fft - plan->hop) / 2 : 0;
    plan->pad_mode = i && legacy ? WMEL_PAD_REFLECT : WMEL_PAD_ZERO;
    plan->preemph_mode = !i ? WMEL_PREEMPH_SIGNAL : legacy ? WMEL_PREEMPH_PADDED : WMEL_PREEMPH_PADDED_CUT;
    plan->frame_span = i ? plan->n_fft : 0;
    plan->window_offset = i ? (plan->n_fft - plan->frame_length) / 2 : 0;
    plan->pad_multiple = 0;
    return WMEL_OK;
}

/* ---- the capabilities every family takes ---- */

SET(mel_scale)
{
    static const char *const names[] = {"slaney", "kaldi", "htk", "tf"}; /* WMEL_MEL_* in this order */
    return set_word(a, names, 4, "slaney, kaldi, htk (2595 log10(1 + f / 700), triangles in Hz) or tf (triangles "
                                 "in mel, the Nyquist bin kept)", &a->plan->mel_scale);
}

SET(mel_norm)
{
    static const char *const names[] = {"none", "slaney"}; /* WMEL_MELNORM_* in this order */
    return set_word(a, names, 2, "none or slaney", &a->plan->mel_norm);
}

SET(empty_filters) { return set_bit(a, &a->plan->bank_flags, WMEL_BANK_ALLOW_EMPTY); }
SET(bf16) { return set_bit(a, &a->plan->bank_flags, WMEL_BANK_BF16); }
SET(htk_bank) { return set_bit(a, &a->plan->bank_flags, WMEL_BANK_HTK); }
SET(snap_bins) { return set_bit(a, &a->plan->bank_flags, WMEL_BANK_SNAP_BINS); }
SET(symmetric_bank) { return set_bit(a, &a->plan->bank_flags, WMEL_BANK_SYMMETRIC); }

SET(window_coeff)
{
    double d;
    if (parse_num(a->value, &d) || !(d > 0.0 && d < 1.0))
        return BAD("window_coeff %s: the Blackman coefficient, 0 < a < 1 (Kaldi's 0.42)", a->v);
    if (a->plan->window != WMEL_WINDOW_BLACKMAN && a->plan->window != WMEL_WINDOW_BLACKMAN_PERIODIC)
        return BAD("window_coeff %s: the coefficient of the blackman window, which the plan does not use (set "
                   "window blackman or blackman_periodic first)", a->v);
    a->plan->window_coeff = d;
    return WMEL_OK;
}

SET(power)
{
    return set_ranged(a, "1 (magnitude) or 2 (power)", &a->plan->power);
}

SET(mag_guard)
{
    double d;
    const char *value = a->value;
    if (!strcmp(value, "none")) {
        a->plan->mag_guard_mode = WMEL_MAG_GUARD_NONE;
        a->plan->mag_guard = 0.0;
        return WMEL_OK;
    }
    const int mx = !strncmp(value, "max:", 4), add = !strncmp(value, "add:", 4);
    if ((!mx && !add) || parse_num(value + 4, &d) || !(d > 0.0))
        return BAD("mag_guard %s: none, max:G (sqrt(max(p, G))) or add:G (sqrt(p + G)), G > 0, p the power of a bin",
                   a->v);
    a->plan->mag_guard_mode = mx ? WMEL_MAG_GUARD_MAX : WMEL_MAG_GUARD_ADD;
    a->plan->mag_guard = d;
    return WMEL_OK;
}

SET(log_guard) { SET_NUM(log_guard, d > 0.0, "a number > 0 (the log's clamp or offset)"); }
SET(norm_eps) { SET_NUM(norm_eps, 1, "the normalisation's epsilon"); }

SET(norm_ddof)
{
    if (strcmp(a->value, "0") && strcmp(a->value, "1"))
        return BAD("norm_ddof %s: 1 (Bessel's n - 1) or 0 (np.std's n)", a->v);
    int *f = &a->plan->norm_flags;
    *f = a->value[0] == '0' ? *f | WMEL_NORMF_POPULATION : *f & ~WMEL_NORMF_POPULATION;
    return WMEL_OK;
}

SET(norm_max)
{
    double d;
    if (parse_num(a->value, &d) || !wmel__pf_in(a->k, d))
        return num_bad(a, "the fixed max of the whole normalisation (Voxtral realtime's 1.5)");
    a->plan->norm_flags |= WMEL_NORMF_FIXED_MAX;
    a->plan->norm_max = d;
    return WMEL_OK;
}

SET(norm_range) { SET_NUM(norm_range, d > 0.0 && d <= 1e30, "a number > 0 (values below max - range are raised to it; Whisper's 8)"); }

SET(n_frames)
{
    return set_ranged(a, "a frame count (0: as computed; AST: 1024)", &a->plan->n_frames);
}

SET(pad_value) { SET_NUM(pad_value, 1, "the value of the frames past the valid ones"); }

/* post_scale, post_shift: either sets the affine, the other half starting as the identity's */
static int set_affine(const pf_in *a, int shift)
{
    double d;
    wmel_frontend_plan *plan = a->plan;
    if (parse_num(a->value, &d) || !wmel__pf_in(a->k, d)) return num_bad(a, "a number");
    if (!plan->affine) {
        plan->affine = 1;
        plan->post_scale = 1.0;
        plan->post_shift = 0.0;
    }
    if (shift) plan->post_shift = d;
    else plan->post_scale = d;
    return WMEL_OK;
}
SET(post_scale) { return set_affine(a, 0); }
SET(post_shift) { return set_affine(a, 1); }

SET(remove_dc) { return set_bool(a, "1 or 0 (true or false)", &a->plan->remove_dc); }
SET(preemph)
{
    SET_NUM(preemph, 1, "the pre-emphasis coefficient (0: none; Kaldi's and NeMo's 0.97)");
}

/* ---- the geometry and the pipeline's kinds, by the plan's own field names ---- */

SET(sample_rate) { return set_ranged(a, NULL, &a->plan->sample_rate); }
SET(frame_length) { return set_ranged(a, NULL, &a->plan->frame_length); }
SET(hop) { return set_ranged(a, NULL, &a->plan->hop); }
SET(n_fft) { return set_ranged(a, NULL, &a->plan->n_fft); }
SET(stack) { return set_ranged(a, NULL, &a->plan->stack); }
SET(pad_left) { return set_ranged(a, NULL, &a->plan->pad_left); }
SET(pad_right) { return set_ranged(a, NULL, &a->plan->pad_right); }
SET(pad_multiple) { return set_ranged(a, NULL, &a->plan->pad_multiple); }
SET(batch_axis) { return set_bool(a, "1 or 0 (true or false)", &a->plan->batch_axis); }
SET(n_samples) { return set_ranged(a, NULL, &a->plan->n_samples); }
SET(frame_span) { return set_ranged(a, NULL, &a->plan->frame_span); }
SET(window_offset) { return set_ranged(a, NULL, &a->plan->window_offset); }

SET(framing)
{
    static const char *const w[] = {"snip", "center_reflect", "center_zero", "kaldi_center"}; /* WMEL_FRAMES_* */
    return set_word(a, w, 4, "snip, center_reflect, center_zero or kaldi_center (Kaldi snip_edges=false)",
                    &a->plan->framing);
}

SET(preemph_mode)
{
    static const char *const w[] = {"frame", "signal", "padded", "padded_cut"};
    return set_word(a, w, 4, "frame (Kaldi's), signal (NeMo's), padded (the padded signal's: NeMo legacy exact_pad's, "
                             "Gemma3n's non-HTK) or padded_cut (then zeros from the padded index n on: NeMo exact_pad's)",
                    &a->plan->preemph_mode);
}

SET(log)
{
    static const char *const w[] = {"log10_clamp", "ln_add", "ln_clamp", "none", "ln_zero", "log10_zero"};
    return set_word(a, w, 6,
                    "log10_clamp, ln_add, ln_clamp, none, ln_zero or log10_zero (ln_zero, log10_zero: the log of "
                    "every mel energy as it is, log_guard's in place of an exact 0 only)",
                    &a->plan->log);
}

SET(valid)
{
    static const char *const w[] = {"all", "hop", "trim", "end", "ceil", "but_last"};
    return set_word(a, w, 6, "all, hop (n / hop frames, the rest 0), trim (the rest dropped), end (frames whose span "
                             "ends on a sample of the signal), ceil (ceil(n / hop) frames) or but_last (every frame but "
                             "the last)", &a->plan->valid);
}

SET(pad_mode)
{
    static const char *const w[] = {"zero", "reflect"};
    return set_word(a, w, 2, "zero or reflect (what pad_left and pad_right add)", &a->plan->pad_mode);
}

SET(layout)
{
    static const char *const w[] = {"mels_frames", "frames_mels"};
    return set_word(a, w, 2, "mels_frames or frames_mels", &a->plan->layout);
}

SET(dither)
{
    SET_NUM(dither, 1, "the noise's standard deviation in the scaled samples' units (0: none; Kaldi's 1 at scale "
                       "32768)");
}

SET(dither_seed)
{
    char *end = NULL;
    const char *value = a->value;
    const unsigned long long x = *value >= '0' && *value <= '9' ? strtoull(value, &end, 10) : 0;
    if (!end || *end || !wmel__pf_in(a->k, (double)x))
        return BAD("dither_seed %s: a whole number, %s", a->v, FIELDS[a->k].values);
    a->plan->dither_seed = (int)(unsigned)x; /* taken back as the unsigned 32-bit seed */
    return WMEL_OK;
}

SET(raw_energy)
{
    int i;
    if (parse_bool(a->value, &i)) return BAD("raw_energy %s: 1 or 0 (true or false)", a->v);
    if (!i && !a->plan->use_energy)
        return BAD("raw_energy %s: where the log-energy column is taken, which needs use_energy", a->v);
    a->plan->energy_windowed = !i;
    return WMEL_OK;
}

/* ---- VTLN, the stacking variants, deltas, the bank's variants, the cepstra ---- */

SET(vtln_warp)
{
    double d;
    if (parse_num(a->value, &d) || !wmel__pf_in(a->k, d))
        return num_bad(a, "the VTLN warp factor (Kaldi's are about 0.8 .. 1.2; 0 or 1: no warp)");
    a->plan->vtln_warp = d;
    if (d == 0.0) a->plan->vtln_low = a->plan->vtln_high = 0.0;
    return WMEL_OK;
}

static int set_vtln_cut(const pf_in *a, int low, double *dst)
{
    double d;
    if (parse_num(a->value, &d) || !wmel__pf_in(a->k, d))
        return num_bad(a, low ? "the VTLN lower cutoff in Hz, > low_freq (0: Kaldi's default 100)"
                              : "the VTLN upper cutoff in Hz (< 0: Nyquist plus it; 0: Kaldi's default -500)");
    if (a->plan->vtln_warp == 0.0 && d != 0.0)
        return BAD("%s %s: a cutoff of the VTLN warp, which needs vtln_warp (set it first)", a->name, a->v);
    *dst = d;
    return WMEL_OK;
}
SET(vtln_low) { return set_vtln_cut(a, 1, &a->plan->vtln_low); }
SET(vtln_high) { return set_vtln_cut(a, 0, &a->plan->vtln_high); }

SET(lfr)
{
    int m = 0, nn = 0, used = 0;
    const char *value = a->value;
    if (sscanf(value, "%d/%d%n", &m, &nn, &used) != 2 || value[used] || m < 1 || m > 8 || nn < 1 || nn > 8 ||
        !(value[0] >= '0' && value[0] <= '9'))
        return BAD("lfr %s: M/N, FunASR's low frame rate (lfr_m/lfr_n, e.g. 7/6), M and N from 1 to 8", a->v);
    wmel_frontend_plan *plan = a->plan;
    plan->stack = m;
    plan->stack_stride = nn;
    plan->stack_left = (m - 1) / 2;
    plan->stack_tail = WMEL_STACK_TAIL_LAST;
    plan->stack_fill = 0.0;
    return WMEL_OK;
}

SET(stack_stride)
{
    return set_ranged(a, "the frames from one output row to the next (0: the stack; LFR's n)", &a->plan->stack_stride);
}
SET(stack_left)
{
    return set_ranged(a, "the copies of frame 0 before it (LFR's (m - 1) / 2)", &a->plan->stack_left);
}
SET(delta_win)
{
    return set_ranged(a, "0 (no deltas) or the deltas' window in frames (torchaudio compute_deltas' win_length)",
                      &a->plan->delta_win);
}

SET(stack_tail)
{
    static const char *const tails[] = {"zero", "drop", "trim", "last"};
    double d;
    for (int i = 0; i < 4; i++)
        if (!strcmp(a->value, tails[i])) {
            a->plan->stack_tail = i;
            a->plan->stack_fill = 0.0;
            return WMEL_OK;
        }
    if (!strncmp(a->value, "fill:", 5) && !parse_num(a->value + 5, &d) && fabs(d) <= 1e30) {
        a->plan->stack_tail = WMEL_STACK_TAIL_FILL;
        a->plan->stack_fill = d;
        return WMEL_OK;
    }
    return BAD("stack_tail %s: zero, drop (an incomplete last row dropped after the normalisation), trim (its frames "
               "left out before it), last (copies of the last frame) or fill:V (|V| <= 1e30)", a->v);
}

SET(cols_stacked) { return set_bool(a, "1 or 0 (true or false)", &a->plan->cols_stacked); }

SET(linear_bins)
{
    int rc = set_bool(a, "1 or 0 (true: the FFT bins themselves, no mel bank; false: the mel bank)",
                      &a->plan->linear_bins);
    if (!rc && !a->plan->linear_bins) a->plan->first_bin = 0;
    return rc;
}

SET(first_bin)
{
    return set_ranged(a, "linear_bins' first FFT bin (at most n_fft / 2)", &a->plan->first_bin);
}

SET(then_norm)
{
    /* WMEL_NORMF_THEN_MEAN_VAR (after normalize: whole) */
    int *f = &a->plan->norm_flags;
    const int whole_mean = a->plan->norm == WMEL_NORM_WHOLE ? WMEL_NORMF_MEAN_ONLY : 0;
    if (!strcmp(a->value, "none")) *f &= ~(WMEL_NORMF_THEN_MEAN_VAR | whole_mean);
    else if (!strcmp(a->value, "mean")) *f |= WMEL_NORMF_THEN_MEAN_VAR | WMEL_NORMF_MEAN_ONLY;
    else if (!strcmp(a->value, "mean_var")) *f = (*f | WMEL_NORMF_THEN_MEAN_VAR) & ~WMEL_NORMF_MEAN_ONLY;
    else
        return BAD("then_norm %s: none, mean or mean_var (each column's mean, and std, over the valid frames after the "
                   "whole normalisation and the affine: SpeechBrain's sentence InputNormalization)", a->v);
    return WMEL_OK;
}

SET(n_ceps)
{
    int rc = set_ranged(a, "the cepstra a frame has (Kaldi's MFCC: the DCT of the log mel energies; 0: none)",
                        &a->plan->n_ceps);
    if (!rc && !a->plan->n_ceps) a->plan->cepstral_lifter = 0.0, a->plan->ceps_htk = 0; /* the cepstra's go with them */
    return rc;
}

SET(cepstral_lifter)
{
    SET_NUM(cepstral_lifter, 1, "the cepstra's lifter Q (0: none; Kaldi's 22)");
}

SET(ceps_htk)
{
    return set_bool(a, "1 or 0 (true: Kaldi's htk_compat order, c0 or the energy last; false: first)",
                    &a->plan->ceps_htk);
}

#undef SET_NUM
#undef BAD
#undef SET

/* ---- the table ---- */

#define PF_INFO(name, kind, group, fes, flags, arg, range, values, doc)                                                \
    {#name, arg, WMEL__PF_TEXT(range, values), doc, WMEL_PLAN_FIELD_##kind, WMEL_PLAN_GROUP_##group, WMEL__PF_##fes,   \
     (flags)},
#define SW WMEL__PF_SW
#define FIN WMEL__PF_FIN
#define SO WMEL__PF_SO
#define ST WMEL__PF_ST
static const wmel_plan_field FIELDS[WMEL__PF_COUNT] = {WMEL__PLAN_FIELDS(PF_INFO)};
#undef ST
#undef SO
#undef FIN
#undef SW
#undef PF_INFO
/* The ranges: the member of the option's name where the range column has one. */
#define PF_RANGE(name, kind, group, fes, flags, arg, range, values, doc) PF_RANGE1(name, WMEL__PF_##range)
#define PF_RANGE1(name, ...) PF_RANGE2(name, __VA_ARGS__)
#define PF_RANGE2(name, how, lo, hi, text) {WMEL__PF_HOW_##how, PF_OFF_##how(name), lo, hi, text},
#define PF_OFF_NONE_R(name) 0
#define PF_OFF_IN_R(name) offsetof(wmel_frontend_plan, name)
#define PF_OFF_IN0_R PF_OFF_IN_R
#define PF_OFF_INU_R PF_OFF_IN_R
#define PF_OFF_GE_R PF_OFF_IN_R
#define PF_OFF_ONE_R PF_OFF_IN_R
const wmel__pf_range wmel__pf_ranges[WMEL__PF_COUNT] = {WMEL__PLAN_FIELDS(PF_RANGE)};
#undef PF_OFF_ONE_R
#undef PF_OFF_GE_R
#undef PF_OFF_INU_R
#undef PF_OFF_IN0_R
#undef PF_OFF_IN_R
#undef PF_OFF_NONE_R
#undef PF_RANGE2
#undef PF_RANGE1
#undef PF_RANGE

/* Each ranged member's type is its kind's (wmel__pf_value reads an int, or a double for NUM). */
#define PF_SIZE(name, kind, group, fes, flags, arg, range, values, doc) PF_SIZE1(name, kind, WMEL__PF_##range)
#define PF_SIZE1(name, kind, ...) PF_SIZE2(name, kind, __VA_ARGS__)
#define PF_SIZE2(name, kind, how, lo, hi, text) PF_SZ_##how(name, kind)
#define PF_SZ_NONE_R(name, kind)
#define PF_SZ_IN_R(name, kind) _Static_assert(sizeof(((wmel_frontend_plan *)0)->name) == PF_KSIZE_##kind, #name);
#define PF_SZ_IN0_R PF_SZ_IN_R
#define PF_SZ_INU_R PF_SZ_IN_R
#define PF_SZ_GE_R PF_SZ_IN_R
#define PF_SZ_ONE_R PF_SZ_IN_R
#define PF_KSIZE_INT sizeof(int)
#define PF_KSIZE_BOOL sizeof(int)
#define PF_KSIZE_NUM sizeof(double)
WMEL__PLAN_FIELDS(PF_SIZE)
#undef PF_KSIZE_NUM
#undef PF_KSIZE_BOOL
#undef PF_KSIZE_INT
#undef PF_SZ_ONE_R
#undef PF_SZ_GE_R
#undef PF_SZ_INU_R
#undef PF_SZ_IN0_R
#undef PF_SZ_IN_R
#undef PF_SZ_NONE_R
#undef PF_SIZE2
#undef PF_SIZE1
#undef PF_SIZE

int wmel__pf_in(int k, double v)
{
    const wmel__pf_range *r = &wmel__pf_ranges[k];
    switch (r->how) {
    case WMEL__PF_HOW_NONE_R: return 1;
    case WMEL__PF_HOW_IN0_R: return v == 0.0 || (v >= r->lo && v <= r->hi);
    case WMEL__PF_HOW_ONE_R: return v == 0.0 || v == 1.0;
    default: return v >= r->lo && v <= r->hi;
    }
}

double wmel__pf_value(const wmel_frontend_plan *p, int k)
{
    const wmel__pf_range *r = &wmel__pf_ranges[k];
    const char *at = (const char *)p + r->off;
    if (FIELDS[k].kind == WMEL_PLAN_FIELD_NUM) return *(const double *)(const void *)at;
    if (r->how == WMEL__PF_HOW_INU_R) return (double)*(const unsigned *)(const void *)at;
    return (double)*(const int *)(const void *)at;
}

#define PF_SET(name, ...) set_##name,
static int (*const SETTERS[])(const pf_in *) = {WMEL__PLAN_FIELDS(PF_SET)};
#undef PF_SET

size_t wmel_plan_field_count(void) { return WMEL__PF_COUNT; }

const wmel_plan_field *wmel_plan_field_info(size_t i) { return i < WMEL__PF_COUNT ? &FIELDS[i] : NULL; }

int wmel__pf_find(const char *name)
{
    for (int i = 0; i < WMEL__PF_COUNT; i++)
        if (!strcmp(name, FIELDS[i].name)) return i;
    return -1;
}

void wmel__pf_list(char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < WMEL__PF_COUNT && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", FIELDS[i].name);
}

int wmel_plan_set(wmel_frontend_plan *plan, const char *name, const char *value, char *msg, size_t msg_len)
{
    if (msg && msg_len) msg[0] = '\0';
    if (!plan || !name || !value) {
        wmel__fe_bad(msg, msg_len, "%s is NULL", !plan ? "the plan" : !name ? "the option's name" : "the option's value");
        return WMEL_ERR_NULL_POINTER;
    }
    char vb[48];
    const int fr = plan->frontend;
    const int k = wmel__pf_find(name);
    const pf_in a = {plan, name, value, shown(value, vb, sizeof vb), family(fr), k, fr == WMEL_FRONTEND_WHISPER,
                     fr == WMEL_FRONTEND_NEMO || fr == WMEL_FRONTEND_NEMO_LEGACY, fr == WMEL_FRONTEND_KALDI, msg,
                     msg_len};
    if (!a.whisper && !a.nemo && !a.kaldi && fr != WMEL_FRONTEND_SEAMLESS)
        return wmel__fe_bad(msg, msg_len, "frontend %d: not a WMEL_FRONTEND_* value (0..4)", fr);
    if (k < 0) {
        char list[WMEL__PF_COUNT * 24];
        wmel__pf_list(list, sizeof list);
        return wmel__fe_bad(msg, msg_len, "%.40s: not an option of a front-end plan (%s)", name, list);
    }
    if (a.whisper && !(FIELDS[k].frontends & (1u << WMEL_FRONTEND_WHISPER)))
        return wmel__fe_bad(msg, msg_len, "%s: not an option of the whisper front-end (it applies to nemo, kaldi or "
                                          "seamless)", name);
    return SETTERS[k](&a);
}
