/*
 * fe_hf.c -- transformers' feature-extractor configurations (preprocessor_config.json, or
 * processor_config.json with the extractor's dict under "feature_extractor") to the plan that
 * computes the same features: the class (feature_extractor_type) names a built-in preset, and
 * the configuration's fields change it. Written from transformers 5.23's
 * models/<model>/feature_extraction_<model>.py (each class's __init__ defaults and what its
 * computation reads).
 *
 * Every field a class's computation reads is in its table: mapped to a wmel_plan_set option,
 * required to hold the one value wmel computes (else a refusal naming the field, its value and
 * why), or marked as the call's (padding, truncation, chunking: what the drop-ins and the caller
 * do around the plan's features). A field the table does not name is not read by the class.
 * A class whose preset does not exist yet is listed with it: its configuration is refused
 * with "needs preset NAME" until that preset's file is in presets/.
 */
#define _POSIX_C_SOURCE 200809L
#include "fe/fe.h"
#include "fe/fe_hfjson.h"
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    HF_OPT = 1, /* the value handed to wmel_plan_set(opt, value) (absent: the class default) */
    HF_EQ,      /* only the class default is computed (why says what differs) */
    HF_CALL,    /* the call's: padding, truncation, masks, chunking; not the plan's */
    HF_COLS,    /* per-column values (an array): wmel_plan_from_hf_config_cols gives them as the
                   per-column affine; wmel_plan_from_hf_config computes dflt only, as HF_EQ */
};

typedef struct hf_rule {
    const char *key; /* the configuration's field */
    int how;
    const char *dflt; /* the class's default, as JSON text ("null" for None) */
    const char *opt;  /* HF_OPT: wmel_plan_set's option; HF_EQ, HF_COLS: why only dflt */
} hf_rule;

typedef struct hf_cfg {
    const wmel__jmember *m;
    int n;
    int nested; /* the extractor's members are the nested ones */
} hf_cfg;

/* The member named key (the last, as Python's json keeps it), or NULL. */
static const wmel__jmember *get(const hf_cfg *c, const char *key)
{
    for (int i = c->n - 1; i >= 0; i--)
        if (c->m[i].nested == c->nested && !strcmp(c->m[i].key, key)) return &c->m[i];
    return NULL;
}

/* A member's value as JSON text (a string quoted) for messages. */
static void shown(const wmel__jmember *x, const char *dflt, char *out, size_t cap)
{
    if (!x) snprintf(out, cap, "%s", dflt);
    else if (x->kind == 's' || x->kind == 'L') snprintf(out, cap, "\"%.60s%s\"", x->val, x->kind == 'L' ? "..." : "");
    else if (x->kind == 'o') snprintf(out, cap, "{...}");
    else if (x->kind == 'a') snprintf(out, cap, "[...]");
    else snprintf(out, cap, "%.64s", x->val);
}

/* 1 when the member's value equals the JSON text dflt (numbers by value, 400 = 400.0). */
static int same(const wmel__jmember *x, const char *dflt)
{
    if (!x) return 1;
    if (x->kind == 'n') {
        char *end;
        const double a = strtod(x->val, NULL), b = strtod(dflt, &end);
        return end != dflt && *end == '\0' && a == b;
    }
    if (x->kind == 's') return dflt[0] == '"' && strlen(dflt) == strlen(x->val) + 2 && !strncmp(dflt + 1, x->val, strlen(x->val));
    if (x->kind == 'b' || x->kind == 'z') return !strcmp(x->val, dflt);
    return 0;
}

/* A number field's value (absent: dflt), or NAN when not a number. */
static double num(const hf_cfg *c, const char *key, double dflt)
{
    const wmel__jmember *x = get(c, key);
    if (!x) return dflt;
    return x->kind == 'n' ? strtod(x->val, NULL) : NAN;
}

/* A bool field (absent: dflt); -1 when not a bool. */
static int boolean(const hf_cfg *c, const char *key, int dflt)
{
    const wmel__jmember *x = get(c, key);
    if (!x) return dflt;
    return x->kind == 'b' ? x->val[0] == 't' : -1;
}

static int refuse(char *msg, size_t len, const char *cls, const hf_cfg *c, const char *key, const char *dflt,
                  const char *why)
{
    char v[80];
    shown(get(c, key), dflt, v, sizeof v);
    return wmel__fe_bad(msg, len, "%s: %s %s: %s", cls, key, v, why);
}

static int set(wmel_frontend_plan *p, const char *cls, const char *key, const char *opt, const char *val, char *msg,
               size_t len)
{
    char why[400];
    if (wmel_plan_set(p, opt, val, why, sizeof why)) return wmel__fe_bad(msg, len, "%s: %s %s: %s", cls, key, val, why);
    return WMEL_OK;
}

/* ---- the classes' own rules (the fields a table cannot say) ------------------------- */

/* win_function through transformers' window_function(N, name, periodic=True): the first N samples
 * of numpy's window of N + 1 -- hann / hann_window a periodic Hann, hamming / hamming_window a
 * periodic Hamming, boxcar ones; povey (a periodic Povey) is no plan window; any other name makes
 * the original raise. */
static int hf_win_function(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const wmel__jmember *wf = get(c, "win_function");
    if (!wf || same(wf, "\"hann_window\"") || same(wf, "\"hann\""))
        return set(p, cls, "win_function", "window", "hann_periodic", msg, len);
    if (same(wf, "\"hamming_window\"") || same(wf, "\"hamming\""))
        return set(p, cls, "win_function", "window", "hamming_periodic", msg, len);
    if (same(wf, "\"boxcar\"")) return set(p, cls, "win_function", "window", "rect", msg, len);
    if (same(wf, "\"povey\""))
        return refuse(msg, len, cls, c, "win_function", "\"hann_window\"",
                      "the periodic Povey window (numpy's Hann of N + 1 to the power 0.85, the last sample dropped) "
                      "is not a plan window; hann_window, hamming_window and boxcar are");
    return refuse(msg, len, cls, c, "win_function", "\"hann_window\"",
                  "transformers' window_function takes boxcar, hamming, hamming_window, hann, hann_window or povey "
                  "(the original raises for any other)");
}

typedef int (*hf_fn)(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len);

/* Speech2Text: utterance CMVN (np.std: ddof 0, no epsilon) per its three switches. */
static int s2t_norm(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const int on = boolean(c, "do_ceptral_normalize", 1), means = boolean(c, "normalize_means", 1),
              vars = boolean(c, "normalize_vars", 1);
    if (on < 0) return refuse(msg, len, cls, c, "do_ceptral_normalize", "true", "true or false");
    if (means < 0) return refuse(msg, len, cls, c, "normalize_means", "true", "true or false");
    if (vars < 0) return refuse(msg, len, cls, c, "normalize_vars", "true", "true or false");
    if (!on || (!means && !vars)) {
        p->norm_flags = 0; /* ddof means nothing without the statistics */
        return set(p, cls, !on ? "do_ceptral_normalize" : "normalize_means", "normalize", "none", msg, len);
    }
    if (!means)
        return refuse(msg, len, cls, c, "normalize_means", "true",
                      "with normalize_vars true the original divides by the std without removing the mean, "
                      "which no plan computes");
    if (!vars) return set(p, cls, "normalize_vars", "normalize", "mean", msg, len);
    return WMEL_OK; /* the preset's mean_var, ddof 0, eps 0 */
}

/* AST: (x - mean) / (2 std) on every frame (the padded ones too), or nothing. */
static int ast_norm(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const int on = boolean(c, "do_normalize", 1);
    if (on < 0) return refuse(msg, len, cls, c, "do_normalize", "true", "true or false");
    const double mean = num(c, "mean", -4.2677393), std = num(c, "std", 4.5689974);
    if (!on) {
        p->affine = 0, p->post_scale = 0, p->post_shift = 0;
        return WMEL_OK;
    }
    if (!isfinite(mean) || fabs(mean) > 1e30) return refuse(msg, len, cls, c, "mean", "-4.2677393", "a finite number");
    if (!isfinite(std) || std == 0 || fabs(std) > 1e30 || fabs(std) < 1e-30)
        return refuse(msg, len, cls, c, "std", "4.5689974", "a finite non-zero number");
    char a[40], b[40];
    snprintf(a, sizeof a, "%s", wmel__num(1.0 / (2.0 * std)).s);
    snprintf(b, sizeof b, "%s", wmel__num(-mean / (2.0 * std)).s);
    int rc = set(p, cls, "std", "post_scale", a, msg, len);
    return rc ? rc : set(p, cls, "mean", "post_shift", b, msg, len);
}

/* SpeechT5: win_function (hf_win_function); window and hop in milliseconds; n_fft the next power of two of
 * the window. */
static int t5_geometry(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const double sr = num(c, "sampling_rate", 16000), wl = num(c, "win_length", 64), hl = num(c, "hop_length", 16);
    if (!(sr >= 1000 && sr <= 384000 && sr == floor(sr))) return refuse(msg, len, cls, c, "sampling_rate", "16000", "a whole number of Hz, 1000..384000");
    if (!(wl >= 1 && wl <= 4096 && wl == floor(wl))) return refuse(msg, len, cls, c, "win_length", "64", "whole milliseconds, 1..4096");
    if (!(hl >= 1 && hl <= 4096 && hl == floor(hl))) return refuse(msg, len, cls, c, "hop_length", "16", "whole milliseconds, 1..4096");
    const long fl = (long)wl * (long)sr / 1000, hop = (long)hl * (long)sr / 1000;
    long nfft = 1;
    while (nfft < fl) nfft <<= 1;
    char v[3][24];
    snprintf(v[0], sizeof v[0], "%ld", fl);
    snprintf(v[1], sizeof v[1], "%ld", hop);
    snprintf(v[2], sizeof v[2], "%ld", nfft);
    int rc = hf_win_function(c, p, cls, msg, len);
    if (!rc) rc = set(p, cls, "win_length", "frame_length", v[0], msg, len);
    if (!rc) rc = set(p, cls, "hop_length", "hop", v[1], msg, len);
    if (!rc) rc = set(p, cls, "win_length", "n_fft", v[2], msg, len);
    return rc;
}

/* Nemotron: the window and bank rounded to mel_filters_dtype. */
static int nemotron_dtype(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const wmel__jmember *x = get(c, "mel_filters_dtype");
    if (!x || same(x, "\"float32\"")) return WMEL_OK;
    if (same(x, "\"bfloat16\"")) return set(p, cls, "mel_filters_dtype", "bf16", "1", msg, len);
    return refuse(msg, len, cls, c, "mel_filters_dtype", "\"float32\"",
                  "wmel rounds the window and bank to float32 or bfloat16 only");
}

/* Cohere: dither is on by default (1e-05). */
static int cohere_dither(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    (void)p;
    const double d = num(c, "dither", 1e-5);
    if (d <= 0) return WMEL_OK; /* the original skips dither <= 0 */
    return refuse(msg, len, cls, c, "dither", "1e-05",
                  "the original adds noise from a torch.Generator seeded by each clip's length, which the library "
                  "does not reproduce (wmel.hf's drop-in computes it, with torch): set \"dither\": 0 in the "
                  "configuration for the features without it");
}

/* Voxtral realtime: a fixed maximum, or (null) the clip's own. */
static int voxtral_max(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const wmel__jmember *x = get(c, "global_log_mel_max");
    if (!x) return set(p, cls, "global_log_mel_max", "norm_max", "1.5", msg, len);
    if (x->kind == 'z') {
        p->norm_flags &= ~WMEL_NORMF_FIXED_MAX;
        p->norm_max = 0;
        return WMEL_OK;
    }
    if (x->kind != 'n') return refuse(msg, len, cls, c, "global_log_mel_max", "1.5", "a number or null expected");
    return set(p, cls, "global_log_mel_max", "norm_max", x->val, msg, len);
}

/* Sets opt to an integer value. */
static int seti(wmel_frontend_plan *p, const char *cls, const char *key, const char *opt, long v, char *msg, size_t len)
{
    char t[32];
    snprintf(t, sizeof t, "%ld", v);
    return set(p, cls, key, opt, t, msg, len);
}

/* Sets opt to a double (its shortest round-trip digits). */
static int setd(wmel_frontend_plan *p, const char *cls, const char *key, const char *opt, double v, char *msg,
                size_t len)
{
    char t[40];
    snprintf(t, sizeof t, "%s", wmel__num(v).s);
    return set(p, cls, key, opt, t, msg, len);
}

/* Gemma3n / Gemma4: frame and hop in milliseconds, rounded as Python's round (half to even);
 * the transform the next power of two of the frame (doubled with fft_overdrive); an unfold of
 * frame_length + 1 samples; pre-emphasis on each frame (HTK's flavour, which is Kaldi's) when
 * above 0, or with preemphasis_htk_flavor false the unfold's frames[1:] - c frames[:-1]: the
 * padded signal's pre-emphasis with the window one sample into the span; Gemma4 also pads frame_length / 2 zeros on the left (its semicausal padding). */
static int gemma(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len, double frame_ms,
                 int overdrive_dflt, double preemph_dflt, int semicausal)
{
    char d_fl[24], d_pe[24];
    snprintf(d_fl, sizeof d_fl, "%g", frame_ms);
    snprintf(d_pe, sizeof d_pe, "%g", preemph_dflt);
    const double sr = num(c, "sampling_rate", 16000), fms = num(c, "frame_length_ms", frame_ms),
                 hms = num(c, "hop_length_ms", 10), pe = num(c, "preemphasis", preemph_dflt);
    const int over = boolean(c, "fft_overdrive", overdrive_dflt), htk = boolean(c, "preemphasis_htk_flavor", 1);
    if (!(sr >= 1000 && sr <= 384000)) return refuse(msg, len, cls, c, "sampling_rate", "16000", "1000..384000 Hz");
    if (!(fms > 0 && fms <= 10000)) return refuse(msg, len, cls, c, "frame_length_ms", d_fl, "milliseconds above 0, at most 10000");
    if (!(hms > 0 && hms <= 10000)) return refuse(msg, len, cls, c, "hop_length_ms", "10.0", "milliseconds above 0, at most 10000");
    if (over < 0) return refuse(msg, len, cls, c, "fft_overdrive", overdrive_dflt ? "true" : "false", "true or false");
    if (htk < 0) return refuse(msg, len, cls, c, "preemphasis_htk_flavor", "true", "true or false");
    if (isnan(pe)) return refuse(msg, len, cls, c, "preemphasis", d_pe, "a number expected");
    const long fl = (long)nearbyint(sr * fms / 1000.0), hop = (long)nearbyint(sr * hms / 1000.0);
    const double hi = num(c, "max_frequency", semicausal ? 8000 : 7600);
    if (!(hi > 0)) return refuse(msg, len, cls, c, "max_frequency", semicausal ? "8000.0" : "7600.0", "a frequency above 0 Hz");
    if (fl < 2 || fl > 65535) return refuse(msg, len, cls, c, "frame_length_ms", d_fl, "a frame of 2..65535 samples");
    if (hop < 1) return refuse(msg, len, cls, c, "hop_length_ms", "10.0", "a hop of at least one sample");
    long nfft = 1;
    while (nfft < fl) nfft <<= 1;
    if (over) nfft <<= 1;
    int rc = seti(p, cls, "frame_length_ms", "frame_length", fl, msg, len);
    if (!rc) rc = seti(p, cls, "frame_length_ms", "frame_span", fl + 1, msg, len);
    if (!rc) rc = seti(p, cls, "hop_length_ms", "hop", hop, msg, len);
    if (!rc) rc = seti(p, cls, "fft_overdrive", "n_fft", nfft, msg, len);
    if (!rc) rc = setd(p, cls, "preemphasis", "preemph", pe > 0 ? pe : 0, msg, len); /* <= 0: none, as the original */
    /* not HTK's: frames[1:] - c frames[:-1] of the unfold: the padded signal's pre-emphasis, the window one later */
    if (!rc && pe > 0 && !htk) rc = set(p, cls, "preemphasis_htk_flavor", "preemph_mode", "padded", msg, len);
    if (!rc && pe > 0 && !htk) rc = seti(p, cls, "preemphasis_htk_flavor", "window_offset", 1, msg, len);
    if (!rc && semicausal) rc = seti(p, cls, "frame_length_ms", "pad_left", fl / 2, msg, len);
    return rc;
}
static int gemma3n(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    return gemma(c, p, cls, msg, len, 32, 1, 0.97, 0);
}
static int gemma4(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    return gemma(c, p, cls, msg, len, 20, 0, 0, 1);
}

/* UnivNet: the transform filter_length long (null: the window's next power of two), the window
 * as long as it (else the original's spectrogram() raises), reflect padding of
 * int((n_fft - hop) / 2) on each side, fmax null the Nyquist frequency, sqrt(p + mel_floor),
 * ln(max(m, compression_clip_val) compression_factor) and do_normalize's Tacotron 2 scaling as
 * the affine. */
static int univnet(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const double sr = num(c, "sampling_rate", 24000), wl = num(c, "win_length", 1024), hop = num(c, "hop_length", 256);
    if (!(sr >= 1000 && sr <= 384000)) return refuse(msg, len, cls, c, "sampling_rate", "24000", "1000..384000 Hz");
    if (!(wl >= 2 && wl <= 65536 && wl == floor(wl))) return refuse(msg, len, cls, c, "win_length", "1024", "a whole number of samples, 2..65536");
    const wmel__jmember *fx = get(c, "filter_length");
    double nfft = wl;
    if (!fx || fx->kind != 'z') {
        nfft = num(c, "filter_length", 1024);
        if (!(nfft >= 4 && nfft <= 65536 && nfft == floor(nfft)))
            return refuse(msg, len, cls, c, "filter_length", "1024", "a whole number of samples, 4..65536, or null");
    } else {
        double f = 1;
        while (f < wl) f *= 2;
        nfft = f;
    }
    if (wl != nfft) {
        char why[160];
        snprintf(why, sizeof why, "the window (win_length %.0f) must be n_fft (%.0f) long: the original's spectrogram() "
                                  "raises otherwise", wl, nfft);
        return refuse(msg, len, cls, c, "win_length", "1024", why);
    }
    if (!(hop >= 1 && hop <= nfft && hop == floor(hop)))
        return refuse(msg, len, cls, c, "hop_length", "256", "a whole number of samples, 1..n_fft");
    const wmel__jmember *fm = get(c, "fmax");
    const double fmax = !fm || fm->kind == 'z' ? sr / 2 : num(c, "fmax", 0);
    if (!(fmax > 0)) return refuse(msg, len, cls, c, "fmax", "null", "a frequency above 0 Hz, or null (Nyquist)");
    const double floor_ = num(c, "mel_floor", 1e-9), clip = num(c, "compression_clip_val", 1e-5),
                 factor = num(c, "compression_factor", 1.0);
    if (!(floor_ >= 0 && floor_ < 1e30)) return refuse(msg, len, cls, c, "mel_floor", "1e-09", "a number >= 0");
    if (!(clip > 0 && clip < 1e30)) return refuse(msg, len, cls, c, "compression_clip_val", "1e-05", "a number above 0");
    if (!(factor > 0 && factor < 1e30)) return refuse(msg, len, cls, c, "compression_factor", "1.0", "a number above 0");
    const int norm = boolean(c, "do_normalize", 0);
    if (norm < 0) return refuse(msg, len, cls, c, "do_normalize", "false", "true or false");
    const double lo = num(c, "normalize_min", -11.512925148010254), hi = num(c, "normalize_max", 2.3143386840820312);
    double a = 1, b = log(factor);
    if (norm) {
        if (!isfinite(lo) || fabs(lo) > 1e30) return refuse(msg, len, cls, c, "normalize_min", "-11.512925148010254", "a finite number");
        if (!isfinite(hi) || fabs(hi) > 1e30 || hi == lo)
            return refuse(msg, len, cls, c, "normalize_max", "2.3143386840820312", "a finite number other than normalize_min");
        a = 2 / (hi - lo);
        b = a * (log(factor) - lo) - 1;
    }
    char mg[48];
    snprintf(mg, sizeof mg, floor_ > 0 ? "add:%s" : "none", wmel__num(floor_).s);
    const long pad = ((long)nfft - (long)hop) / 2;
    int rc = hf_win_function(c, p, cls, msg, len);
    if (!rc) rc = setd(p, cls, "sampling_rate", "sample_rate", sr, msg, len);
    if (!rc) rc = seti(p, cls, "win_length", "frame_length", (long)wl, msg, len);
    if (!rc) rc = seti(p, cls, "filter_length", "n_fft", (long)nfft, msg, len);
    if (!rc) rc = seti(p, cls, "hop_length", "hop", (long)hop, msg, len);
    if (!rc) rc = seti(p, cls, "hop_length", "pad_left", pad, msg, len);
    if (!rc) rc = seti(p, cls, "hop_length", "pad_right", pad, msg, len);
    if (!rc) rc = setd(p, cls, "fmax", "high_freq", fmax, msg, len);
    if (!rc) rc = set(p, cls, "mel_floor", "mag_guard", mg, msg, len);
    if (!rc) rc = setd(p, cls, "compression_clip_val", "log_guard", clip, msg, len);
    if (!rc && (a != 1 || b != 0)) {
        rc = setd(p, cls, norm ? "do_normalize" : "compression_factor", "post_scale", a, msg, len);
        if (!rc) rc = setd(p, cls, norm ? "do_normalize" : "compression_factor", "post_shift", b, msg, len);
    }
    return rc;
}

/* Inkling: hop audio_token_duration_s seconds, the window window_size_multiplier hops (each a
 * whole number of samples, as the original requires), n_fft null the window's length; causal
 * framing: n_fft - hop zeros on the left, the right up to a multiple of the hop, the window
 * centred in n_fft (torch.stft); the Slaney bank 0..sampling_rate / 2. */
static int inkling(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const double sr = num(c, "sampling_rate", 16000), dur = num(c, "audio_token_duration_s", 0.05),
                 mult = num(c, "window_size_multiplier", 2.0);
    if (!(sr >= 1000 && sr <= 384000)) return refuse(msg, len, cls, c, "sampling_rate", "16000", "1000..384000 Hz");
    const double h = dur * sr, w = dur * mult * sr;
    if (!(h >= 0.5 && h < 1048576.5) || fabs(h - nearbyint(h)) > 1e-6)
        return refuse(msg, len, cls, c, "audio_token_duration_s", "0.05",
                      "audio_token_duration_s * sampling_rate must be a whole number of samples (the original raises)");
    if (!(w >= 1.5 && w < 65536.5) || fabs(w - nearbyint(w)) > 1e-6)
        return refuse(msg, len, cls, c, "window_size_multiplier", "2.0",
                      "audio_token_duration_s * window_size_multiplier * sampling_rate must be a whole number of "
                      "samples, 2..65536 (the original raises otherwise)");
    const long hop = (long)nearbyint(h), win = (long)nearbyint(w);
    const wmel__jmember *nx = get(c, "n_fft");
    long nfft = win;
    if (nx && nx->kind != 'z') {
        const double n = num(c, "n_fft", 0);
        if (!(n >= 0 && n <= 65536 && n == floor(n)))
            return refuse(msg, len, cls, c, "n_fft", "null", "a whole number of samples up to 65536, or null");
        if (n > 0) nfft = (long)n; /* 0: the window's, as Python's `or` */
    }
    if (nfft < win) {
        char why[120];
        snprintf(why, sizeof why, "below the window's %ld samples (torch.stft raises)", win);
        return refuse(msg, len, cls, c, "n_fft", "null", why);
    }
    int rc = setd(p, cls, "sampling_rate", "sample_rate", sr, msg, len);
    if (!rc) rc = set(p, cls, "sampling_rate", "high_freq", "0", msg, len); /* the Nyquist frequency */
    if (!rc) rc = seti(p, cls, "audio_token_duration_s", "hop", hop, msg, len);
    if (!rc) rc = seti(p, cls, "window_size_multiplier", "frame_length", win, msg, len);
    if (!rc) rc = seti(p, cls, "n_fft", "n_fft", nfft, msg, len);
    if (!rc) rc = seti(p, cls, "n_fft", "frame_span", nfft > win ? nfft : 0, msg, len);
    if (!rc) rc = seti(p, cls, "n_fft", "window_offset", (nfft - win) / 2, msg, len);
    if (!rc) rc = seti(p, cls, "n_fft", "pad_left", nfft - hop > 0 ? nfft - hop : 0, msg, len);
    if (!rc) rc = seti(p, cls, "audio_token_duration_s", "pad_multiple", hop, msg, len);
    return rc;
}

/* GraniteSpeech / GraniteSpeech5: torchaudio's MelSpectrogram(sample_rate, n_fft, win_length,
 * hop_length, n_mels), its band 0..float(sample_rate // 2); GraniteSpeech5's logmel_floor_db the
 * whole normalisation's range and delta_win_length the deltas' window. */
static int granite(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const double sr = num(c, "sampling_rate", 16000);
    if (!(sr >= 1000 && sr <= 384000 && sr == floor(sr)))
        return refuse(msg, len, cls, c, "sampling_rate", "16000", "a whole number of Hz, 1000..384000");
    if (p->frame_length > p->n_fft) {
        char why[120];
        snprintf(why, sizeof why, "the window must fit n_fft (%d): torch.stft raises otherwise", p->n_fft);
        return refuse(msg, len, cls, c, "win_length", "400", why);
    }
    int rc = setd(p, cls, "sampling_rate", "sample_rate", sr, msg, len);
    const double nyq = floor(sr / 2), edge = p->high_freq > 0 ? p->high_freq : p->sample_rate / 2.0 + p->high_freq;
    if (!rc && edge != nyq) rc = setd(p, cls, "sampling_rate", "high_freq", nyq, msg, len); /* f_max None */
    return rc;
}
static int granite5(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    int rc = granite(c, p, cls, msg, len);
    const double db = num(c, "logmel_floor_db", 8.0), dw = num(c, "delta_win_length", 3);
    if (!rc && !(db > 0 && db < 1e30)) return refuse(msg, len, cls, c, "logmel_floor_db", "8.0", "a number above 0");
    if (!rc && !(dw >= 3 && dw <= 63 && dw == floor(dw)))
        return refuse(msg, len, cls, c, "delta_win_length", "3",
                      "a whole number of frames, 3..63 (torchaudio compute_deltas' win_length)");
    if (!rc && db != 8.0) rc = setd(p, cls, "logmel_floor_db", "norm_range", db, msg, len);
    if (!rc) rc = seti(p, cls, "delta_win_length", "delta_win", (long)dw, msg, len);
    return rc;
}

/* FunAsrNano: torchaudio.compliance.kaldi.fbank's frame of int(sampling_rate * frame_length
 * * 0.001) samples every int(sampling_rate * frame_shift * 0.001), the transform the next power
 * of two, its window_type, then LFR num_frames_lfr / stride_lfr. */
static int fun_asr(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const double sr = num(c, "sampling_rate", 16000), fl = num(c, "frame_length", 25), fs = num(c, "frame_shift", 10),
                 m = num(c, "num_frames_lfr", 7), n = num(c, "stride_lfr", 6);
    if (!(sr >= 1000 && sr <= 384000)) return refuse(msg, len, cls, c, "sampling_rate", "16000", "1000..384000 Hz");
    if (!(fl > 0 && fl <= 10000)) return refuse(msg, len, cls, c, "frame_length", "25", "milliseconds above 0, at most 10000");
    if (!(fs > 0 && fs <= 10000)) return refuse(msg, len, cls, c, "frame_shift", "10", "milliseconds above 0, at most 10000");
    const long win = (long)(sr * fl * 0.001), hop = (long)(sr * fs * 0.001); /* Python's int(): truncated */
    if (win < 2 || win > 65536) return refuse(msg, len, cls, c, "frame_length", "25", "a frame of 2..65536 samples");
    if (hop < 1) return refuse(msg, len, cls, c, "frame_shift", "10", "a shift of at least one sample");
    if (!(m >= 1 && m <= 8 && m == floor(m))) return refuse(msg, len, cls, c, "num_frames_lfr", "7", "a whole number, 1..8");
    if (!(n >= 1 && n <= 8 && n == floor(n))) return refuse(msg, len, cls, c, "stride_lfr", "6", "a whole number, 1..8");
    const wmel__jmember *w = get(c, "window");
    static const char *const hf_w[] = {"hamming", "hanning", "povey", "rectangular", "blackman"};
    static const char *const wm_w[] = {"hamming", "hann", "povey", "rect", "blackman"};
    int wi = w ? -1 : 0;
    for (int i = 0; w && w->kind == 's' && i < 5; i++)
        if (!strcmp(w->val, hf_w[i])) wi = i;
    if (wi < 0)
        return refuse(msg, len, cls, c, "window", "\"hamming\"",
                      "torchaudio's kaldi window_type: hamming, hanning, povey, rectangular or blackman");
    long nfft = 1;
    while (nfft < win) nfft <<= 1;
    char lfr[16];
    snprintf(lfr, sizeof lfr, "%ld/%ld", (long)m, (long)n);
    int rc = setd(p, cls, "sampling_rate", "sample_rate", sr, msg, len);
    if (!rc) rc = seti(p, cls, "frame_length", "frame_length", win, msg, len);
    if (!rc) rc = seti(p, cls, "frame_length", "n_fft", nfft, msg, len);
    if (!rc) rc = seti(p, cls, "frame_shift", "hop", hop, msg, len);
    if (!rc) rc = set(p, cls, "window", "window", wm_w[wi], msg, len);
    if (!rc && wi == 4) rc = set(p, cls, "window", "window_coeff", "0.42", msg, len); /* blackman_coeff */
    if (!rc) rc = set(p, cls, "num_frames_lfr", "lfr", lfr, msg, len);
    return rc;
}

/* Xcodec2 / NeuCodec: the stacking pads the missing frame with padding_value (the mel pad's). */
static int codec_fill(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const double v = num(c, "padding_value", 1.0);
    if (!(fabs(v) <= 1e30)) return refuse(msg, len, cls, c, "padding_value", "1.0", "a number, at most 1e30 in magnitude");
    char t[48];
    snprintf(t, sizeof t, "fill:%s", wmel__num(v).s);
    return set(p, cls, "padding_value", "stack_tail", t, msg, len);
}

/* CLVP, CLAP, Pop2Piano: one field gives both the window and the transform (transformers'
 * spectrogram() with frame_length = fft_length). */
static int square(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, const char *key, double dflt, char *msg,
                  size_t len)
{
    const double n = num(c, key, dflt);
    char d[32];
    snprintf(d, sizeof d, "%.0f", dflt);
    if (!(n >= 4 && n <= 65536 && n == floor(n)))
        return refuse(msg, len, cls, c, key, d, "a whole number of samples, 4..65536");
    /* the larger first, so that the window never exceeds the transform in between */
    int rc = n >= p->n_fft ? seti(p, cls, key, "n_fft", (long)n, msg, len) : seti(p, cls, key, "frame_length", (long)n, msg, len);
    if (!rc) rc = n >= p->n_fft ? seti(p, cls, key, "frame_length", (long)n, msg, len) : seti(p, cls, key, "n_fft", (long)n, msg, len);
    return rc;
}

static int clvp(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    return square(c, p, cls, "n_fft", 1024, msg, len);
}

/* CLAP: truncation "fusion" computes with the HTK bank, "rand_trunc" with Slaney's. */
static int clap(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const wmel__jmember *t = get(c, "truncation");
    int rc = WMEL_OK;
    if (t && same(t, "\"rand_trunc\"")) {
        rc = set(p, cls, "truncation", "mel_scale", "slaney", msg, len);
        if (!rc) rc = set(p, cls, "truncation", "mel_norm", "slaney", msg, len);
    } else if (t && !same(t, "\"fusion\""))
        rc = refuse(msg, len, cls, c, "truncation", "\"fusion\"",
                    "\"fusion\" (the HTK bank) or \"rand_trunc\" (Slaney's bank) expected");
    return rc ? rc : square(c, p, cls, "fft_window_size", 1024, msg, len);
}

/* Pop2Piano: the bank ends at sampling_rate // 2. */
static int pop2piano(const hf_cfg *c, wmel_frontend_plan *p, const char *cls, char *msg, size_t len)
{
    const double sr = num(c, "sampling_rate", 22050);
    if (!(sr >= 1000 && sr <= 384000 && sr == floor(sr)))
        return refuse(msg, len, cls, c, "sampling_rate", "22050", "a whole number of Hz, 1000..384000");
    int rc = seti(p, cls, "sampling_rate", "high_freq", (long)sr / 2, msg, len);
    return rc ? rc : square(c, p, cls, "window_size", 4096, msg, len);
}

/* ---- the table ----------------------------------------------------------------------- */

#define R_END {NULL, 0, NULL, NULL}
static const char WHY_DITHER[] = "the original adds random noise from torch's or numpy's generator, which wmel does "
                                 "not reproduce: set it to 0 for the features without noise";
static const char WHY_DITHER_NP[] = "the original adds noise from numpy's global generator, which the library does "
                                   "not reproduce (wmel.hf's drop-in draws the same noise): set it to 0 for the "
                                   "features without noise";
static const char WHY_WHISPER[] = "Whisper's geometry (16 kHz, n_fft 400, hop 160) only";

static const hf_rule WHISPER[] = {
    {"feature_size", HF_OPT, "80", "n_mels"},
    {"sampling_rate", HF_EQ, "16000", WHY_WHISPER},
    {"n_fft", HF_EQ, "400", WHY_WHISPER},
    {"hop_length", HF_EQ, "160", WHY_WHISPER},
    {"dither", HF_EQ, "0", WHY_DITHER},
    {"chunk_length", HF_CALL, "30", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    {"return_attention_mask", HF_CALL, "false", NULL},
    R_END};
static const hf_rule QWEN3_ASR[] = {
    {"feature_size", HF_OPT, "128", "n_mels"},
    {"sampling_rate", HF_EQ, "16000", WHY_WHISPER},
    {"n_fft", HF_EQ, "400", WHY_WHISPER},
    {"hop_length", HF_EQ, "160", WHY_WHISPER},
    {"dither", HF_EQ, "0", WHY_DITHER},
    {"chunk_length", HF_CALL, "30", NULL},
    {"n_window", HF_CALL, "50", NULL},
    {"min_length", HF_CALL, "8000", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    {"return_attention_mask", HF_CALL, "true", NULL},
    R_END};
/* Dots 3 Note: Whisper's log-Mel (128 mels by default, the max per clip) of each 60 s chunk */
static const hf_rule DOTS3[] = {
    {"feature_size", HF_OPT, "128", "n_mels"},
    {"sampling_rate", HF_EQ, "16000", WHY_WHISPER},
    {"n_fft", HF_EQ, "400", WHY_WHISPER},
    {"hop_length", HF_EQ, "160", WHY_WHISPER},
    {"dither", HF_EQ, "0", WHY_DITHER},
    {"chunk_length", HF_CALL, "60", NULL},
    {"chunk_seconds", HF_CALL, "null", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    {"return_attention_mask", HF_CALL, "false", NULL},
    R_END};
static const hf_rule VOXTRAL_RT[] = {
    {"feature_size", HF_OPT, "128", "n_mels"},
    {"sampling_rate", HF_EQ, "16000", WHY_WHISPER},
    {"n_fft", HF_EQ, "400", WHY_WHISPER},
    {"win_length", HF_EQ, "400", WHY_WHISPER},
    {"hop_length", HF_EQ, "160", WHY_WHISPER},
    {"global_log_mel_max", HF_CALL, "1.5", NULL}, /* voxtral_max */
    {"padding_value", HF_CALL, "0", NULL},
    R_END};
#define NEMO_GEOMETRY(mels)                                                                                            \
    {"feature_size", HF_OPT, mels, "n_mels"}, {"sampling_rate", HF_OPT, "16000", "sample_rate"},                       \
        {"hop_length", HF_OPT, "160", "hop"}, {"n_fft", HF_OPT, "512", "n_fft"},                                       \
        {"win_length", HF_OPT, "400", "frame_length"}, {"preemphasis", HF_OPT, "0.97", "preemph"},                      \
        {"padding_value", HF_CALL, "0", NULL}
static const hf_rule PARAKEET[] = {NEMO_GEOMETRY("80"), R_END};
static const hf_rule NEMOTRON[] = {NEMO_GEOMETRY("80"), {"mel_filters_dtype", HF_CALL, "\"float32\"", NULL}, R_END};
static const hf_rule COHERE[] = {NEMO_GEOMETRY("128"),
                                 {"dither", HF_CALL, "1e-05", NULL}, /* cohere_dither */
                                 {"max_audio_clip_s", HF_CALL, "35", NULL},
                                 {"overlap_chunk_second", HF_CALL, "5", NULL},
                                 {"min_energy_window_samples", HF_CALL, "1600", NULL},
                                 R_END};
static const char WHY_16K[] = "its frames are 400 samples every 160 (25/10 ms at 16 kHz only)";
static const hf_rule SEAMLESS[] = {
    {"num_mel_bins", HF_OPT, "80", "n_mels"},
    {"sampling_rate", HF_EQ, "16000", WHY_16K},
    {"stride", HF_EQ, "2", "wmel stacks the seamless frames in pairs (stride 2) only"},
    {"feature_size", HF_CALL, "80", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    R_END};
static const hf_rule S2T[] = {
    {"num_mel_bins", HF_OPT, "80", "n_mels"},
    {"sampling_rate", HF_EQ, "16000", WHY_16K},
    {"dither", HF_EQ, "0", WHY_DITHER},
    {"do_ceptral_normalize", HF_CALL, "true", NULL}, /* s2t_norm */
    {"normalize_means", HF_CALL, "true", NULL},
    {"normalize_vars", HF_CALL, "true", NULL},
    {"feature_size", HF_CALL, "80", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    R_END};
static const hf_rule AST[] = {
    {"num_mel_bins", HF_OPT, "128", "n_mels"},
    {"max_length", HF_OPT, "1024", "n_frames"},
    {"sampling_rate", HF_EQ, "16000", WHY_16K},
    {"do_normalize", HF_CALL, "true", NULL}, /* ast_norm */
    {"mean", HF_CALL, "-4.2677393", NULL},
    {"std", HF_CALL, "4.5689974", NULL},
    {"feature_size", HF_CALL, "1", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    {"return_attention_mask", HF_CALL, "false", NULL},
    R_END};
static const hf_rule LASR[] = {
    {"feature_size", HF_OPT, "128", "n_mels"},
    {"sampling_rate", HF_OPT, "16000", "sample_rate"},
    {"hop_length", HF_OPT, "160", "hop"},
    {"n_fft", HF_OPT, "512", "n_fft"},
    {"win_length", HF_OPT, "400", "frame_length"},
    {"padding_value", HF_CALL, "0", NULL},
    R_END};
static const hf_rule PHI4[] = {
    {"feature_size", HF_OPT, "80", "n_mels"},
    {"sampling_rate", HF_OPT, "16000", "sample_rate"},
    {"hop_length", HF_OPT, "160", "hop"},
    {"n_fft", HF_OPT, "512", "n_fft"},
    {"win_length", HF_OPT, "400", "frame_length"},
    {"preemphasis", HF_OPT, "0.97", "preemph"},
    {"mel_min_frequency", HF_OPT, "0", "low_freq"},
    {"mel_max_frequency", HF_OPT, "7690", "high_freq"},
    {"audio_compression_rate", HF_CALL, "8", NULL},
    {"audio_downsample_rate", HF_CALL, "1", NULL},
    {"audio_feat_stride", HF_CALL, "1", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    R_END};
static const hf_rule SPEECHT5[] = {
    {"num_mel_bins", HF_OPT, "80", "n_mels"},
    {"sampling_rate", HF_OPT, "16000", "sample_rate"},
    {"win_function", HF_CALL, "\"hann_window\"", NULL}, /* hf_win_function */
    {"fmin", HF_OPT, "80", "low_freq"},
    {"fmax", HF_OPT, "7600", "high_freq"},
    {"mel_floor", HF_OPT, "1e-10", "log_guard"},
    {"hop_length", HF_CALL, "16", NULL}, /* t5_geometry */
    {"win_length", HF_CALL, "64", NULL},
    {"do_normalize", HF_CALL, "false", NULL},
    {"feature_size", HF_CALL, "1", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    {"return_attention_mask", HF_CALL, "true", NULL},
    R_END};

static const char WHY_BINS[] = "a plan holds no per-column values: wmel_plan_from_hf_config_cols gives them as the "
                               "per-column affine x / std - mean / std (wmel_create_plan_cols), as `wmel mel "
                               "--hf-config` and wmel.hf's drop-in apply them";
#define GEMMA_RULES(floor_)                                                                                            \
    {"feature_size", HF_OPT, "128", "n_mels"}, {"sampling_rate", HF_OPT, "16000", "sample_rate"},                      \
        {"min_frequency", HF_OPT, GEMMA_LO, "low_freq"}, {"max_frequency", HF_OPT, GEMMA_HI, "high_freq"},             \
        {"mel_floor", HF_OPT, floor_, "log_guard"}, {"input_scale_factor", HF_OPT, "1.0", "scale"},                    \
        {"dither", HF_EQ, "0", WHY_DITHER_NP}, {"per_bin_mean", HF_COLS, "null", WHY_BINS},                                 \
        {"per_bin_stddev", HF_COLS, "null", WHY_BINS}, {"frame_length_ms", HF_CALL, GEMMA_FL, NULL}, /* gemma() */       \
        {"hop_length_ms", HF_CALL, "10.0", NULL}, {"fft_overdrive", HF_CALL, GEMMA_OD, NULL},                          \
        {"preemphasis", HF_CALL, GEMMA_PE, NULL}, {"preemphasis_htk_flavor", HF_CALL, "true", NULL},                   \
        {"padding_value", HF_CALL, "0", NULL}, {"return_attention_mask", HF_CALL, "true", NULL}
#define GEMMA_LO "125.0"
#define GEMMA_HI "7600.0"
#define GEMMA_FL "32.0"
#define GEMMA_OD "true"
#define GEMMA_PE "0.97"
static const hf_rule GEMMA3N[] = {GEMMA_RULES("1e-05"), R_END};
#undef GEMMA_LO
#undef GEMMA_HI
#undef GEMMA_FL
#undef GEMMA_OD
#undef GEMMA_PE
#define GEMMA_LO "0.0"
#define GEMMA_HI "8000.0"
#define GEMMA_FL "20.0"
#define GEMMA_OD "false"
#define GEMMA_PE "0.0"
static const hf_rule GEMMA4[] = {GEMMA_RULES("0.001"), R_END};
static const hf_rule UNIVNET[] = {
    {"num_mel_bins", HF_OPT, "100", "n_mels"},
    {"fmin", HF_OPT, "0.0", "low_freq"},
    {"center", HF_EQ, "false", "wmel frames UnivNet's reflect-padded clip without centring (center false) only"},
    {"sampling_rate", HF_CALL, "24000", NULL}, /* univnet() */
    {"hop_length", HF_CALL, "256", NULL},
    {"win_length", HF_CALL, "1024", NULL},
    {"filter_length", HF_CALL, "1024", NULL},
    {"win_function", HF_CALL, "\"hann_window\"", NULL},
    {"fmax", HF_CALL, "null", NULL},
    {"mel_floor", HF_CALL, "1e-09", NULL},
    {"compression_factor", HF_CALL, "1.0", NULL},
    {"compression_clip_val", HF_CALL, "1e-05", NULL},
    {"do_normalize", HF_CALL, "false", NULL},
    {"normalize_min", HF_CALL, "-11.512925148010254", NULL},
    {"normalize_max", HF_CALL, "2.3143386840820312", NULL},
    {"feature_size", HF_CALL, "1", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    {"max_length_s", HF_CALL, "10", NULL},
    {"model_in_channels", HF_CALL, "64", NULL},
    {"pad_end_length", HF_CALL, "10", NULL},
    {"return_attention_mask", HF_CALL, "true", NULL},
    R_END};
static const hf_rule INKLING[] = {
    {"feature_size", HF_OPT, "80", "n_mels"},
    {"sampling_rate", HF_CALL, "16000", NULL}, /* inkling() */
    {"audio_token_duration_s", HF_CALL, "0.05", NULL},
    {"window_size_multiplier", HF_CALL, "2.0", NULL},
    {"n_fft", HF_CALL, "null", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    {"return_attention_mask", HF_CALL, "true", NULL},
    R_END};

static const hf_rule GRANITE[] = {
    {"n_mels", HF_OPT, "80", "n_mels"},
    {"n_fft", HF_OPT, "512", "n_fft"},
    {"win_length", HF_OPT, "400", "frame_length"},
    {"hop_length", HF_OPT, "160", "hop"},
    {"sampling_rate", HF_CALL, "16000", NULL}, /* granite() */
    {"feature_size", HF_CALL, "null", NULL},   /* the extractor's size, not the bank's */
    {"projector_window_size", HF_CALL, "15", NULL},
    {"projector_downsample_rate", HF_CALL, "5", NULL},
    {"padding_value", HF_CALL, "0.0", NULL},
    R_END};
static const hf_rule GRANITE5[] = {
    {"num_mel_bins", HF_OPT, "80", "n_mels"},
    {"n_fft", HF_OPT, "512", "n_fft"},
    {"win_length", HF_OPT, "400", "frame_length"},
    {"hop_length", HF_OPT, "160", "hop"},
    {"sampling_rate", HF_CALL, "16000", NULL}, /* granite5() */
    {"logmel_floor_db", HF_CALL, "8.0", NULL},
    {"delta_win_length", HF_CALL, "3", NULL},
    {"padding_value", HF_CALL, "0.0", NULL},
    {"return_attention_mask", HF_CALL, "true", NULL},
    R_END};
static const hf_rule FUN_ASR[] = {
    {"feature_size", HF_OPT, "80", "n_mels"},
    {"sampling_rate", HF_CALL, "16000", NULL}, /* fun_asr() */
    {"frame_length", HF_CALL, "25", NULL},
    {"frame_shift", HF_CALL, "10", NULL},
    {"num_frames_lfr", HF_CALL, "7", NULL},
    {"stride_lfr", HF_CALL, "6", NULL},
    {"window", HF_CALL, "\"hamming\"", NULL},
    {"padding_value", HF_CALL, "0.0", NULL},
    {"return_attention_mask", HF_CALL, "true", NULL},
    R_END};
/* num_mel_bins, stride, frame_length and frame_shift are set by the class's __init__ whatever the
 * configuration says (80, 2, 400 and 160 samples): not read */
static const char WHY_CODEC[] = "its fbank is 400 samples every 160 with the band 20..8000 Hz (16 kHz only)";
static const hf_rule CODEC[] = {
    {"sampling_rate", HF_EQ, "16000", WHY_CODEC},
    {"padding_value", HF_CALL, "1.0", NULL}, /* codec_fill() */
    {"hop_length", HF_CALL, "320", NULL},
    {"feature_size", HF_CALL, "80", NULL},
    R_END};
static const char WHY_NORMS[] = "a plan holds no per-column values: wmel_plan_from_hf_config_cols gives them as the "
                                "per-column affine x / mel_norms (wmel_create_plan_cols), as `wmel mel --hf-config` "
                                "and wmel.hf's drop-in apply them";
static const hf_rule CLVP[] = {
    {"feature_size", HF_OPT, "80", "n_mels"},
    {"sampling_rate", HF_OPT, "22050", "sample_rate"},
    {"hop_length", HF_OPT, "256", "hop"},
    {"n_fft", HF_CALL, "1024", NULL}, /* clvp() */
    {"mel_norms", HF_COLS, "null", WHY_NORMS},
    {"default_audio_length", HF_CALL, "6", NULL},
    {"chunk_length", HF_CALL, "30", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    {"return_attention_mask", HF_CALL, "false", NULL},
    R_END};
static const hf_rule CLAP[] = {
    {"feature_size", HF_OPT, "64", "n_mels"},
    {"sampling_rate", HF_OPT, "48000", "sample_rate"},
    {"hop_length", HF_OPT, "480", "hop"},
    {"frequency_min", HF_OPT, "0", "low_freq"},
    {"frequency_max", HF_OPT, "14000", "high_freq"},
    {"fft_window_size", HF_CALL, "1024", NULL}, /* clap() */
    {"truncation", HF_CALL, "\"fusion\"", NULL},
    {"padding", HF_CALL, "\"repeatpad\"", NULL},
    {"max_length_s", HF_CALL, "10", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    {"return_attention_mask", HF_CALL, "false", NULL},
    R_END};
static const hf_rule POP2PIANO[] = {
    {"feature_size", HF_OPT, "512", "n_mels"},
    {"sampling_rate", HF_OPT, "22050", "sample_rate"},
    {"hop_length", HF_OPT, "1024", "hop"},
    {"min_frequency", HF_OPT, "10.0", "low_freq"},
    {"window_size", HF_CALL, "4096", NULL}, /* pop2piano() */
    {"num_bars", HF_CALL, "2", NULL},
    {"padding_value", HF_CALL, "0", NULL},
    R_END};

static const struct hf_class {
    const char *cls;    /* feature_extractor_type */
    const char *preset; /* presets/NAME.json; the plan starts from it */
    const hf_rule *rules;
    hf_fn fn;
} CLASSES[] = {
    {"WhisperFeatureExtractor", "whisper", WHISPER, NULL},
    {"Qwen3ASRFeatureExtractor", "whisper-128", QWEN3_ASR, NULL},
    {"Dots3NoteFeatureExtractor", "whisper-128", DOTS3, NULL},
    /* MOSS-Transcribe-Diarize: Whisper's extractor over consecutive 30 s chunks (the call's) */
    {"MossTranscribeDiarizeFeatureExtractor", "whisper", WHISPER, NULL},
    {"VoxtralRealtimeFeatureExtractor", "voxtral-realtime", VOXTRAL_RT, voxtral_max},
    {"ParakeetFeatureExtractor", "nemo", PARAKEET, NULL},
    {"CohereAsrFeatureExtractor", "cohere-asr", COHERE, cohere_dither},
    {"NemotronAsrStreamingFeatureExtractor", "nemotron-streaming", NEMOTRON, nemotron_dtype},
    {"SeamlessM4TFeatureExtractor", "seamless", SEAMLESS, NULL},
    {"Speech2TextFeatureExtractor", "speech2text", S2T, s2t_norm},
    {"ASTFeatureExtractor", "ast", AST, ast_norm},
    {"LasrFeatureExtractor", "lasr", LASR, NULL},
    {"Phi4MultimodalFeatureExtractor", "phi4-mm", PHI4, NULL},
    {"SpeechT5FeatureExtractor", "speecht5", SPEECHT5, t5_geometry},
    {"Gemma3nAudioFeatureExtractor", "gemma3n", GEMMA3N, gemma3n},
    {"Gemma4AudioFeatureExtractor", "gemma4", GEMMA4, gemma4},
    {"UnivNetFeatureExtractor", "univnet", UNIVNET, univnet},
    {"InklingFeatureExtractor", "inkling", INKLING, inkling},
    {"GraniteSpeechFeatureExtractor", "granite-speech", GRANITE, granite},
    {"GraniteSpeech5FeatureExtractor", "granite-speech5", GRANITE5, granite5},
    {"FunAsrNanoFeatureExtractor", "fun-asr-nano", FUN_ASR, fun_asr},
    {"Xcodec2FeatureExtractor", "xcodec2", CODEC, codec_fill},
    {"NeuCodecFeatureExtractor", "neucodec", CODEC, codec_fill},
    {"ClvpFeatureExtractor", "clvp", CLVP, clvp},
    {"ClapFeatureExtractor", "clap", CLAP, clap},
    {"Pop2PianoFeatureExtractor", "pop2piano", POP2PIANO, pop2piano},
};
enum { N_CLASSES = sizeof CLASSES / sizeof CLASSES[0] };

/* Extractors of transformers 5.23 that compute no spectrogram (the waveform, padded). */
static const char *const RAW[] = {"Wav2Vec2FeatureExtractor", "EncodecFeatureExtractor", "DacFeatureExtractor",
                                  "KyutaiSpeechToTextFeatureExtractor", "DiaFeatureExtractor",
                                  "PeAudioFeatureExtractor", "PocketTTSFeatureExtractor",
                                  "VibeVoiceAcousticTokenizerFeatureExtractor", "MuseSparkFeatureExtractor",
                                  "Gemma4UnifiedAudioFeatureExtractor"};

size_t wmel_hf_class_count(void) { return N_CLASSES; }

const char *wmel_hf_class_name(size_t i, const char **preset, int *mapped)
{
    if (i >= N_CLASSES) return NULL;
    if (preset) *preset = CLASSES[i].preset;
    if (mapped) *mapped = CLASSES[i].rules != NULL;
    return CLASSES[i].cls;
}

/* A per-column field's numbers (an array of want numbers, nested arrays flattened) into v;
 * *given 0 when the field is absent or null. */
static int hf_vector(const char *text, size_t len, const hf_cfg *c, const char *cls, const char *key, size_t want,
                     double *v, int *given, char *msg, size_t msg_len)
{
    const wmel__jmember *x = get(c, key);
    *given = 0;
    if (!x || x->kind == 'z') return WMEL_OK;
    size_t n = 0;
    const int r = x->kind == 'a' ? wmel__json_numbers(text, len, x->at, v, want, &n) : 1;
    if (r == 1)
        return refuse(msg, msg_len, cls, c, key, "null", "an array of numbers (one per mel) or null expected");
    if (r == 3)
        return refuse(msg, msg_len, cls, c, key, "null",
                      "nested arrays of unequal lengths (numpy's array refuses them): one array of numbers, one per "
                      "mel, expected");
    if (r == 2 || n != want)
        return wmel__fe_bad(msg, msg_len, "%s: %s: %s%zu numbers where the plan has %zu mels (feature_size): one per mel "
                                          "expected",
                            cls, key, r == 2 ? "more than " : "", n, want);
    for (size_t j = 0; j < n; j++)
        if (!isfinite(v[j]))
            return wmel__fe_bad(msg, msg_len, "%s: %s: value %zu is not finite", cls, key, j);
    *given = 1;
    return WMEL_OK;
}

/* The class's per-column values (its HF_COLS fields) as the per-column affine, wmel.hf's
 * arithmetic (double): CLVP's mel_norms x / norms (scale 1 / norms, shift 0), Gemma's
 * per_bin_mean and per_bin_stddev x / std - mean / std (a missing one: mean 0, std 1). */
static int hf_cols(const char *text, size_t len, const hf_cfg *c, const char *cls, const hf_rule *rules, size_t nm,
                   double *scale, double *shift, size_t cap, size_t *n_cols, char *msg, size_t msg_len)
{
    const char *norms = NULL, *mean = NULL, *sd = NULL;
    for (const hf_rule *r = rules; r->key; r++)
        if (r->how == HF_COLS) {
            if (!strcmp(r->key, "mel_norms")) norms = r->key;
            else if (!strcmp(r->key, "per_bin_mean")) mean = r->key;
            else if (!strcmp(r->key, "per_bin_stddev")) sd = r->key;
        }
    *n_cols = 0;
    if (!norms && !mean && !sd) return WMEL_OK;
    double *a = malloc(2 * nm * sizeof *a);
    if (!a) {
        wmel__fe_bad(msg, msg_len, "out of memory");
        return WMEL_ERR_NO_MEMORY;
    }
    double *b = a + nm;
    int g1 = 0, g2 = 0, rc = WMEL_OK;
    if (norms) {
        rc = hf_vector(text, len, c, cls, norms, nm, a, &g1, msg, msg_len);
        for (size_t j = 0; !rc && g1 && j < nm; j++) {
            if (fabs(a[j]) < 1e-30)
                rc = wmel__fe_bad(msg, msg_len, "%s: mel_norms: value %zu is %g: the division needs norms of magnitude "
                                                "1e-30 or more",
                                  cls, j, a[j]);
            b[j] = 0.0;
            a[j] = 1.0 / a[j];
        }
    } else {
        rc = hf_vector(text, len, c, cls, mean, nm, b, &g1, msg, msg_len);
        if (!rc) rc = hf_vector(text, len, c, cls, sd, nm, a, &g2, msg, msg_len);
        for (size_t j = 0; !rc && (g1 || g2) && j < nm; j++) {
            const double m = g1 ? b[j] : 0.0, s = g2 ? a[j] : 1.0;
            if (s == 0.0) {
                rc = wmel__fe_bad(msg, msg_len, "%s: per_bin_stddev: value %zu is 0: the division needs a non-zero "
                                                "stddev",
                                  cls, j);
                break;
            }
            a[j] = 1.0 / s;
            b[j] = -m / s;
            if (fabs(a[j]) > 1e30 || fabs(b[j]) > 1e30)
                rc = wmel__fe_bad(msg, msg_len, "%s: per_bin_mean / per_bin_stddev: value %zu: mean / stddev or 1 / "
                                                "stddev above 1e30 in magnitude",
                                  cls, j);
        }
        g1 = g1 || g2;
    }
    if (!rc && g1) {
        if (cap < nm) {
            wmel__fe_bad(msg, msg_len, "%s: the per-column affine has %zu values per vector; the vectors hold %zu", cls,
                         nm, cap);
            rc = WMEL_ERR_BUFFER_TOO_SMALL;
        } else {
            memcpy(scale, a, nm * sizeof *a);
            memcpy(shift, b, nm * sizeof *b);
            *n_cols = nm;
        }
    }
    free(a);
    return rc;
}

static int from_hf(const char *text, size_t len, wmel_frontend_plan *plan, char *preset, size_t preset_len,
                   double *col_scale, double *col_shift, size_t cap, size_t *n_cols, char *msg, size_t msg_len);

int wmel_plan_from_hf_config(const char *text, size_t len, wmel_frontend_plan *plan, char *preset, size_t preset_len,
                             char *msg, size_t msg_len)
{
    return from_hf(text, len, plan, preset, preset_len, NULL, NULL, 0, NULL, msg, msg_len);
}

int wmel_plan_from_hf_config_cols(const char *text, size_t len, wmel_frontend_plan *plan, char *preset,
                                  size_t preset_len, double *col_scale, double *col_shift, size_t cap, size_t *n_cols,
                                  char *msg, size_t msg_len)
{
    if (n_cols) *n_cols = 0;
    if (!col_scale || !col_shift || !n_cols) {
        if (msg && msg_len) msg[0] = '\0';
        if (preset && preset_len) preset[0] = '\0';
        wmel__fe_bad(msg, msg_len, "%s is NULL", !n_cols ? "n_cols" : "a per-column vector");
        return WMEL_ERR_NULL_POINTER;
    }
    return from_hf(text, len, plan, preset, preset_len, col_scale, col_shift, cap, n_cols, msg, msg_len);
}

static int from_hf(const char *text, size_t len, wmel_frontend_plan *plan, char *preset, size_t preset_len,
                   double *col_scale, double *col_shift, size_t cap, size_t *n_cols, char *msg, size_t msg_len)
{
    if (msg && msg_len) msg[0] = '\0';
    if (preset && preset_len) preset[0] = '\0';
    if (!text || !plan) {
        wmel__fe_bad(msg, msg_len, "%s is NULL", !text ? "the configuration's text" : "the plan");
        return WMEL_ERR_NULL_POINTER;
    }
    wmel__jmember *m = calloc(WMEL_JM_MAX, sizeof *m);
    if (!m) {
        wmel__fe_bad(msg, msg_len, "out of memory");
        return WMEL_ERR_NO_MEMORY;
    }
    /* processor_config.json: the extractor's dict under "feature_extractor" (else
     * "audio_processor", as transformers reads it), even an empty one: the top-level keys are
     * then not the extractor's */
    int n = 0, rc = wmel__json_members(text, len, "feature_extractor", m, &n, msg, msg_len);
    hf_cfg c = {m, n, 0};
    const char *sub = NULL;
    for (int i = 0; !rc && i < n; i++)
        if (!m[i].nested && m[i].kind == 'o' && !strcmp(m[i].key, "feature_extractor")) sub = "feature_extractor";
    if (!rc && !sub) {
        rc = wmel__json_members(text, len, "audio_processor", m, &n, msg, msg_len);
        c.n = n;
        for (int i = 0; !rc && i < n; i++)
            if (!m[i].nested && m[i].kind == 'o' && !strcmp(m[i].key, "audio_processor")) sub = "audio_processor";
    }
    c.nested = sub != NULL;
    const wmel__jmember *type = rc ? NULL : get(&c, "feature_extractor_type");
    const struct hf_class *k = NULL;
    if (!rc && !type && sub)
        rc = wmel__fe_bad(msg, msg_len, "the nested \"%s\" object names no class (its \"feature_extractor_type\" is "
                                        "missing): transformers reads that object, not the top-level keys, so it must "
                                        "hold the extractor's whole configuration",
                          sub);
    else if (!rc && (!type || (type->kind != 's' && type->kind != 'L'))) {
        char v[80];
        shown(type, "", v, sizeof v);
        rc = wmel__fe_bad(msg, msg_len, "%s%s: a feature extractor's configuration names its class in "
                                        "\"feature_extractor_type\", a string (preprocessor_config.json, or "
                                        "processor_config.json's \"feature_extractor\")",
                          type ? "feature_extractor_type is not a string: " : "no \"feature_extractor_type\"",
                          type ? v : "");
    }
    for (size_t i = 0; !rc && type->kind == 's' && i < N_CLASSES && !k; i++)
        if (!strcmp(type->val, CLASSES[i].cls)) k = &CLASSES[i];
    for (size_t i = 0; !rc && !k && i < sizeof RAW / sizeof RAW[0]; i++)
        if (type->kind == 's' && !strcmp(type->val, RAW[i]))
            rc = wmel__fe_bad(msg, msg_len, "feature_extractor_type %s: computes no spectrogram (its features are the "
                                            "waveform itself), so there is no front-end plan",
                              RAW[i]);
    if (!rc && !k) {
        char names[1400];
        size_t o = 0;
        names[0] = '\0';
        for (size_t i = 0; i < N_CLASSES && o < sizeof names; i++)
            if (CLASSES[i].rules) o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", o ? ", " : "", CLASSES[i].cls);
        rc = wmel__fe_bad(msg, msg_len, "feature_extractor_type %.60s%s%s: not a class wmel maps to a plan (%s)",
                          type->val, type->kind == 'L' ? "..." : "",
                          type->kind == 'L' ? " (a string of 128 bytes or more, longer than any class name)" : "",
                          names);
    }
    wmel_frontend_plan p;
    char why[512];
    if (!rc && preset && preset_len) snprintf(preset, preset_len, "%s", k->preset);
    if (!rc && !k->rules)
        rc = wmel_preset_json(k->preset)
                 ? wmel__fe_bad(msg, msg_len, "feature_extractor_type %s: its fields are not mapped yet (the preset %s "
                                              "computes the class's defaults: --preset %s)",
                                k->cls, k->preset, k->preset)
                 : wmel__fe_bad(msg, msg_len, "feature_extractor_type %s: needs preset %s, which this wmel does not have yet",
                                k->cls, k->preset);
    if (!rc && wmel_preset_plan(k->preset, &p, why, sizeof why))
        rc = wmel__fe_bad(msg, msg_len, "feature_extractor_type %s: needs preset %s: %s", k->cls, k->preset, why);
    for (const hf_rule *r = rc ? NULL : k->rules; r && r->key && !rc; r++) {
        const wmel__jmember *x = get(&c, r->key);
        if ((r->how == HF_EQ || (r->how == HF_COLS && !col_scale)) && !same(x, r->dflt)) {
            char v[80];
            shown(x, r->dflt, v, sizeof v);
            rc = wmel__fe_bad(msg, msg_len, "%s: %s %s: wmel computes %s %s only: %s", k->cls, r->key, v, r->key, r->dflt,
                              r->opt);
        } else if (r->how == HF_OPT) {
            if (x && x->kind != 'n' && x->kind != 'z' && x->kind != 'b') {
                rc = refuse(msg, msg_len, k->cls, &c, r->key, r->dflt, "a number expected");
                break;
            }
            const char *v = !x ? r->dflt : x->kind == 'z' ? "0" : x->val;
            char whole[40];
            if (x && x->kind == 'n') { /* Python writes 16000.0 for a float: a whole number is one */
                const double d = strtod(x->val, NULL);
                if (d == floor(d) && fabs(d) < 1e15) {
                    snprintf(whole, sizeof whole, "%.0f", d);
                    v = whole;
                }
            }
            if (x && x->kind == 'z' && strcmp(r->key, "preemphasis")) {
                rc = refuse(msg, msg_len, k->cls, &c, r->key, r->dflt, "a number expected (null is not one)");
                break;
            }
            rc = set(&p, k->cls, r->key, r->opt, v, msg, msg_len);
        }
    }
    if (!rc && k->fn) rc = k->fn(&c, &p, k->cls, msg, msg_len);
    if (!rc && wmel_plan_check(&p, why, sizeof why))
        rc = wmel__fe_bad(msg, msg_len, "%s: the configuration's plan is refused: %s", k->cls, why);
    size_t nc = 0;
    if (!rc && col_scale)
        rc = hf_cols(text, len, &c, k->cls, k->rules, (size_t)p.n_mels, col_scale, col_shift, cap, &nc, msg, msg_len);
    free(m);
    if (!rc) {
        *plan = p;
        if (n_cols) *n_cols = nc;
    }
    return rc;
}
