/*
 * fe_options.c -- the front-ends' options by name (wmel_plan_set): which option applies to
 * which front-end, the values each takes and the sentence for a refusal, in one place for
 * the command line, the Python package and C callers alike. A preset's plan
 * (wmel_frontend_preset) plus its options, set in the order the doors document
 * (WMEL_PLAN_OPTIONS), is the plan those doors compute.
 */
#define _POSIX_C_SOURCE 200809L
#include "fe/fe.h"
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

enum { NOT_COMMON = 1 };

/* The options of the appended capabilities, which every front-end takes (the whole plan's
 * check, wmel_plan_check, then says where a combination does not fit). NOT_COMMON when
 * `name` is none of them. */
static int set_common(wmel_frontend_plan *plan, const char *name, const char *value, const char *v, char *msg,
                      size_t msg_len)
{
    double d;
    int i;
    if (!strcmp(name, "mel_scale")) {
        static const char *const names[] = {"slaney", "kaldi", "htk", "tf"};
        for (i = 0; i < 4; i++)
            if (!strcmp(value, names[i])) return plan->mel_scale = i, WMEL_OK; /* WMEL_MEL_* in this order */
        return wmel__fe_bad(msg, msg_len, "mel_scale %s: slaney, kaldi, htk (2595 log10(1 + f / 700), triangles in Hz) "
                                          "or tf (triangles in mel, the Nyquist bin kept)", v);
    }
    if (!strcmp(name, "mel_norm")) {
        if (!strcmp(value, "none")) return plan->mel_norm = WMEL_MELNORM_NONE, WMEL_OK;
        if (!strcmp(value, "slaney")) return plan->mel_norm = WMEL_MELNORM_SLANEY, WMEL_OK;
        return wmel__fe_bad(msg, msg_len, "mel_norm %s: none or slaney", v);
    }
    if (!strcmp(name, "empty_filters") || !strcmp(name, "bf16")) {
        const int bit = name[0] == 'e' ? WMEL_BANK_ALLOW_EMPTY : WMEL_BANK_BF16;
        if (parse_bool(value, &i)) return wmel__fe_bad(msg, msg_len, "%s %s: 1 or 0 (true or false)", name, v);
        plan->bank_flags = i ? plan->bank_flags | bit : plan->bank_flags & ~bit;
        return WMEL_OK;
    }
    if (!strcmp(name, "window_coeff")) {
        if (parse_num(value, &d) || !(d > 0.0 && d < 1.0))
            return wmel__fe_bad(msg, msg_len, "window_coeff %s: the Blackman coefficient, 0 < a < 1 (Kaldi's 0.42)", v);
        if (plan->window != WMEL_WINDOW_BLACKMAN && plan->window != WMEL_WINDOW_BLACKMAN_PERIODIC)
            return wmel__fe_bad(msg, msg_len, "window_coeff %s: the coefficient of the blackman window, which the plan "
                                              "does not use (set window blackman or blackman_periodic first)", v);
        plan->window_coeff = d;
        return WMEL_OK;
    }
    if (!strcmp(name, "power")) {
        if (strcmp(value, "1") && strcmp(value, "2"))
            return wmel__fe_bad(msg, msg_len, "power %s: 1 (magnitude) or 2 (power)", v);
        plan->power = value[0] - '0';
        return WMEL_OK;
    }
    if (!strcmp(name, "mag_guard")) {
        if (!strcmp(value, "none")) {
            plan->mag_guard_mode = WMEL_MAG_GUARD_NONE;
            plan->mag_guard = 0.0;
            return WMEL_OK;
        }
        const int mx = !strncmp(value, "max:", 4), add = !strncmp(value, "add:", 4);
        if ((!mx && !add) || parse_num(value + 4, &d) || !(d > 0.0))
            return wmel__fe_bad(msg, msg_len, "mag_guard %s: none, max:G (sqrt(max(p, G))) or add:G (sqrt(p + G)), "
                                              "G > 0, p the power of a bin", v);
        plan->mag_guard_mode = mx ? WMEL_MAG_GUARD_MAX : WMEL_MAG_GUARD_ADD;
        plan->mag_guard = d;
        return WMEL_OK;
    }
    if (!strcmp(name, "log_guard")) {
        if (parse_num(value, &d) || !(d > 0.0))
            return wmel__fe_bad(msg, msg_len, "log_guard %s: a number > 0 (the log's clamp or offset)", v);
        plan->log_guard = d;
        return WMEL_OK;
    }
    if (!strcmp(name, "norm_eps")) {
        if (parse_num(value, &d) || !(d >= 0.0))
            return wmel__fe_bad(msg, msg_len, "norm_eps %s: a number >= 0", v);
        plan->norm_eps = d;
        return WMEL_OK;
    }
    if (!strcmp(name, "norm_ddof")) {
        if (strcmp(value, "0") && strcmp(value, "1"))
            return wmel__fe_bad(msg, msg_len, "norm_ddof %s: 1 (Bessel's n - 1) or 0 (np.std's n)", v);
        plan->norm_flags = value[0] == '0' ? plan->norm_flags | WMEL_NORMF_POPULATION
                                           : plan->norm_flags & ~WMEL_NORMF_POPULATION;
        return WMEL_OK;
    }
    if (!strcmp(name, "norm_max")) {
        if (parse_num(value, &d) || fabs(d) > 1e30)
            return wmel__fe_bad(msg, msg_len, "norm_max %s: a number (the fixed max of the whole normalisation, "
                                              "Voxtral realtime's 1.5)", v);
        plan->norm_flags |= WMEL_NORMF_FIXED_MAX;
        plan->norm_max = d;
        return WMEL_OK;
    }
    if (!strcmp(name, "norm_range")) {
        if (parse_num(value, &d) || !(d > 0.0 && d <= 1e30))
            return wmel__fe_bad(msg, msg_len, "norm_range %s: a number > 0 (values below max - range are raised to "
                                              "it; Whisper's 8)", v);
        plan->norm_range = d;
        return WMEL_OK;
    }
    if (!strcmp(name, "n_frames")) {
        if (parse_int(value, 0, 1 << 24, &i))
            return wmel__fe_bad(msg, msg_len, "n_frames %s: a frame count from 0 (as computed) to %d (AST: 1024)", v,
                                1 << 24);
        plan->n_frames = i;
        return WMEL_OK;
    }
    if (!strcmp(name, "pad_value") || !strcmp(name, "post_scale") || !strcmp(name, "post_shift")) {
        if (parse_num(value, &d) || fabs(d) > 1e30)
            return wmel__fe_bad(msg, msg_len, "%s %s: a number, at most 1e30 in magnitude", name, v);
        if (name[1] == 'a') {
            plan->pad_value = d;
            return WMEL_OK;
        }
        if (!plan->affine) { /* the other half of the affine starts as the identity's */
            plan->affine = 1;
            plan->post_scale = 1.0;
            plan->post_shift = 0.0;
        }
        if (name[6] == 'c') plan->post_scale = d;
        else plan->post_shift = d;
        return WMEL_OK;
    }
    if (!strcmp(name, "remove_dc")) {
        if (parse_bool(value, &i)) return wmel__fe_bad(msg, msg_len, "remove_dc %s: 1 or 0 (true or false)", v);
        plan->remove_dc = i;
        return WMEL_OK;
    }
    if (!strcmp(name, "preemph")) {
        if (parse_num(value, &d) || !(d >= 0.0 && d <= 1.0))
            return wmel__fe_bad(msg, msg_len, "preemph %s: the pre-emphasis coefficient, 0 (none) to 1 (Kaldi's and "
                                              "NeMo's 0.97)", v);
        plan->preemph = d;
        return WMEL_OK;
    }
    /* the geometry and the pipeline's kinds, by name (the plan's own field names) */
    static const struct {
        const char *name;
        long lo, hi;
        size_t off;
    } ints[] = {{"sample_rate", 1000, 384000, offsetof(wmel_frontend_plan, sample_rate)},
                {"frame_length", 2, 65536, offsetof(wmel_frontend_plan, frame_length)},
                {"hop", 1, 1L << 20, offsetof(wmel_frontend_plan, hop)},
                {"n_fft", 4, 65536, offsetof(wmel_frontend_plan, n_fft)},
                {"stack", 1, 8, offsetof(wmel_frontend_plan, stack)},
                {"pad_left", 0, 1L << 20, offsetof(wmel_frontend_plan, pad_left)},
                {"pad_right", 0, 1L << 20, offsetof(wmel_frontend_plan, pad_right)},
                {"pad_multiple", 0, 1L << 20, offsetof(wmel_frontend_plan, pad_multiple)},
                {"frame_span", 0, 1L << 20, offsetof(wmel_frontend_plan, frame_span)},
                {"window_offset", 0, 1L << 20, offsetof(wmel_frontend_plan, window_offset)}};
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
        if (!strcmp(name, ints[k].name)) {
            if (parse_int(value, ints[k].lo, ints[k].hi, &i))
                return wmel__fe_bad(msg, msg_len, "%s %s: a whole number from %ld to %ld", name, v, ints[k].lo,
                                    ints[k].hi);
            memcpy((char *)plan + ints[k].off, &i, sizeof i);
            return WMEL_OK;
        }
    static const struct {
        const char *name, *values[6], *allowed;
        size_t off;
    } kinds[] = {
        {"framing", {"snip", "center_reflect", "center_zero", "kaldi_center"},
         "snip, center_reflect, center_zero or kaldi_center (Kaldi snip_edges=false)",
         offsetof(wmel_frontend_plan, framing)}, /* WMEL_FRAMES_* in this order */
        {"preemph_mode", {"frame", "signal", "padded", "padded_cut"},
         "frame (Kaldi's), signal (NeMo's), padded (the padded signal's: NeMo legacy exact_pad's, Gemma3n's "
         "non-HTK) or padded_cut (then zeros from the padded index n on: NeMo exact_pad's)",
         offsetof(wmel_frontend_plan, preemph_mode)},
        {"log", {"log10_clamp", "ln_add", "ln_clamp", "none"}, "log10_clamp, ln_add, ln_clamp or none",
         offsetof(wmel_frontend_plan, log)},
        {"valid", {"all", "hop", "trim", "end", "ceil", "but_last"},
         "all, hop (n / hop frames, the rest 0), trim (the rest dropped), end (frames whose span ends on a "
         "sample of the signal), ceil (ceil(n / hop) frames) or but_last (every frame but the last)",
         offsetof(wmel_frontend_plan, valid)},
        {"pad_mode", {"zero", "reflect"}, "zero or reflect (what pad_left and pad_right add)",
         offsetof(wmel_frontend_plan, pad_mode)},
        {"layout", {"mels_frames", "frames_mels"}, "mels_frames or frames_mels", offsetof(wmel_frontend_plan, layout)}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (!strcmp(name, kinds[k].name)) {
            for (i = 0; i < 6 && kinds[k].values[i]; i++)
                if (!strcmp(value, kinds[k].values[i])) {
                    memcpy((char *)plan + kinds[k].off, &i, sizeof i);
                    return WMEL_OK;
                }
            return wmel__fe_bad(msg, msg_len, "%s %s: %s", name, v, kinds[k].allowed);
        }
    if (!strcmp(name, "dither")) {
        if (parse_num(value, &d) || !(d >= 0.0 && d <= 1e30))
            return wmel__fe_bad(msg, msg_len, "dither %s: the noise's standard deviation, a number from 0 (none) to "
                                              "1e30 in the scaled samples' units (Kaldi's 1 at scale 32768)", v);
        plan->dither = d;
        return WMEL_OK;
    }
    if (!strcmp(name, "dither_seed")) {
        char *end = NULL;
        const unsigned long long x = *value >= '0' && *value <= '9' ? strtoull(value, &end, 10) : 0;
        if (!end || *end || x > 0xFFFFFFFFull)
            return wmel__fe_bad(msg, msg_len, "dither_seed %s: a whole number from 0 to 4294967295", v);
        plan->dither_seed = (int)(unsigned)x; /* taken back as the unsigned 32-bit seed */
        return WMEL_OK;
    }
    /* the stacking variants, deltas, the per-column affine's place */
    if (!strcmp(name, "lfr")) {
        int m = 0, nn = 0, used = 0;
        if (sscanf(value, "%d/%d%n", &m, &nn, &used) != 2 || value[used] || m < 1 || m > 8 || nn < 1 || nn > 8 ||
            !(value[0] >= '0' && value[0] <= '9'))
            return wmel__fe_bad(msg, msg_len, "lfr %s: M/N, FunASR's low frame rate (lfr_m/lfr_n, e.g. 7/6), M and N "
                                              "from 1 to 8", v);
        plan->stack = m;
        plan->stack_stride = nn;
        plan->stack_left = (m - 1) / 2;
        plan->stack_tail = WMEL_STACK_TAIL_LAST;
        plan->stack_fill = 0.0;
        return WMEL_OK;
    }
    if (!strcmp(name, "stack_stride") || !strcmp(name, "stack_left") || !strcmp(name, "delta_win")) {
        const int left = name[6] == 'l', delta = name[0] == 'd';
        if (parse_int(value, 0, delta ? 63 : left ? 7 : 8, &i) || (delta && i && i < 3))
            return wmel__fe_bad(msg, msg_len, "%s %s: %s", name, v,
                                delta  ? "0 (no deltas) or the deltas' window, 3..63 frames (torchaudio compute_deltas' "
                                         "win_length)"
                                : left ? "the copies of frame 0 before it, 0..7 (below stack; LFR's (m - 1) / 2)"
                                       : "the frames from one output row to the next, 0 (the stack) to 8 (LFR's n)");
        if (delta) plan->delta_win = i;
        else if (left) plan->stack_left = i;
        else plan->stack_stride = i;
        return WMEL_OK;
    }
    if (!strcmp(name, "stack_tail")) {
        static const char *const tails[] = {"zero", "drop", "trim", "last"};
        for (i = 0; i < 4; i++)
            if (!strcmp(value, tails[i])) {
                plan->stack_tail = i;
                plan->stack_fill = 0.0;
                return WMEL_OK;
            }
        if (!strncmp(value, "fill:", 5) && !parse_num(value + 5, &d) && fabs(d) <= 1e30) {
            plan->stack_tail = WMEL_STACK_TAIL_FILL;
            plan->stack_fill = d;
            return WMEL_OK;
        }
        return wmel__fe_bad(msg, msg_len, "stack_tail %s: zero, drop (an incomplete last row dropped after the "
                                          "normalisation), trim (its frames left out before it), last (copies of the "
                                          "last frame) or fill:V (|V| <= 1e30)", v);
    }
    if (!strcmp(name, "linear_bins")) {
        if (parse_bool(value, &i))
            return wmel__fe_bad(msg, msg_len, "linear_bins %s: 1 or 0 (true: the FFT bins themselves, no mel bank; "
                                              "false: the mel bank)", v);
        plan->linear_bins = i;
        if (!i) plan->first_bin = 0;
        return WMEL_OK;
    }
    if (!strcmp(name, "first_bin")) {
        if (parse_int(value, 0, 32768, &i))
            return wmel__fe_bad(msg, msg_len, "first_bin %s: linear_bins' first FFT bin, a whole number from 0 to "
                                              "32768 (n_fft / 2)", v);
        plan->first_bin = i;
        return WMEL_OK;
    }
    if (!strcmp(name, "n_ceps")) {
        if (parse_int(value, 0, WMEL_FE_MAX_MELS, &i))
            return wmel__fe_bad(msg, msg_len, "n_ceps %s: the cepstra a frame has (Kaldi's MFCC: the DCT of the log "
                                              "mel energies), a whole number from 0 (none) to n_mels", v);
        plan->n_ceps = i;
        if (!i) plan->cepstral_lifter = 0.0, plan->ceps_htk = 0; /* the cepstra's options go with them */
        return WMEL_OK;
    }
    if (!strcmp(name, "cepstral_lifter")) {
        if (parse_num(value, &d) || !(d >= 0.0 && d <= 1e6))
            return wmel__fe_bad(msg, msg_len, "cepstral_lifter %s: the cepstra's lifter Q, 0 (none) or a positive "
                                              "number up to 1e6 (Kaldi's 22)", v);
        plan->cepstral_lifter = d;
        return WMEL_OK;
    }
    if (!strcmp(name, "ceps_htk")) {
        if (parse_bool(value, &i))
            return wmel__fe_bad(msg, msg_len, "ceps_htk %s: 1 or 0 (true: Kaldi's htk_compat order, c0 or the "
                                              "energy last; false: first)", v);
        plan->ceps_htk = i;
        return WMEL_OK;
    }
    if (!strcmp(name, "cols_stacked")) {
        if (parse_bool(value, &i)) return wmel__fe_bad(msg, msg_len, "cols_stacked %s: 1 or 0 (true or false)", v);
        plan->cols_stacked = i;
        return WMEL_OK;
    }
    if (!strcmp(name, "raw_energy")) {
        if (parse_bool(value, &i)) return wmel__fe_bad(msg, msg_len, "raw_energy %s: 1 or 0 (true or false)", v);
        if (!i && !plan->use_energy)
            return wmel__fe_bad(msg, msg_len, "raw_energy %s: where the log-energy column is taken, which needs "
                                              "use_energy", v);
        plan->energy_windowed = !i;
        return WMEL_OK;
    }
    if (!strcmp(name, "htk_bank")) {
        if (parse_bool(value, &i)) return wmel__fe_bad(msg, msg_len, "htk_bank %s: 1 or 0 (true or false)", v);
        plan->bank_flags = i ? plan->bank_flags | WMEL_BANK_HTK : plan->bank_flags & ~WMEL_BANK_HTK;
        return WMEL_OK;
    }
    if (!strcmp(name, "then_norm")) { /* WMEL_NORMF_THEN_MEAN_VAR (after normalize: whole) */
        const int whole_mean = plan->norm == WMEL_NORM_WHOLE ? WMEL_NORMF_MEAN_ONLY : 0;
        if (!strcmp(value, "none"))
            plan->norm_flags &= ~(WMEL_NORMF_THEN_MEAN_VAR | whole_mean);
        else if (!strcmp(value, "mean"))
            plan->norm_flags |= WMEL_NORMF_THEN_MEAN_VAR | WMEL_NORMF_MEAN_ONLY;
        else if (!strcmp(value, "mean_var"))
            plan->norm_flags = (plan->norm_flags | WMEL_NORMF_THEN_MEAN_VAR) & ~WMEL_NORMF_MEAN_ONLY;
        else
            return wmel__fe_bad(msg, msg_len, "then_norm %s: none, mean or mean_var (each column's mean, and std, "
                                              "over the valid frames after the whole normalisation and the affine: "
                                              "SpeechBrain's sentence InputNormalization)", v);
        return WMEL_OK;
    }
    if (!strcmp(name, "snap_bins")) {
        if (parse_bool(value, &i)) return wmel__fe_bad(msg, msg_len, "snap_bins %s: 1 or 0 (true or false)", v);
        plan->bank_flags = i ? plan->bank_flags | WMEL_BANK_SNAP_BINS : plan->bank_flags & ~WMEL_BANK_SNAP_BINS;
        return WMEL_OK;
    }
    if (!strcmp(name, "symmetric_bank")) {
        if (parse_bool(value, &i)) return wmel__fe_bad(msg, msg_len, "symmetric_bank %s: 1 or 0 (true or false)", v);
        plan->bank_flags = i ? plan->bank_flags | WMEL_BANK_SYMMETRIC : plan->bank_flags & ~WMEL_BANK_SYMMETRIC;
        return WMEL_OK;
    }
    if (!strcmp(name, "vtln_warp")) {
        if (parse_num(value, &d) || !(d == 0.0 || (d >= 0.01 && d <= 100.0)))
            return wmel__fe_bad(msg, msg_len, "vtln_warp %s: the VTLN warp factor, 0.01 .. 100 (Kaldi's are about "
                                              "0.8 .. 1.2; 0 or 1: no warp)", v);
        plan->vtln_warp = d;
        if (d == 0.0) plan->vtln_low = plan->vtln_high = 0.0;
        return WMEL_OK;
    }
    if (!strcmp(name, "vtln_low") || !strcmp(name, "vtln_high")) {
        const int low = name[5] == 'l';
        if (parse_num(value, &d) || fabs(d) > 1e7 || (low && d < 0.0))
            return wmel__fe_bad(msg, msg_len, "%s %s: %s", name, v,
                                low ? "the VTLN lower cutoff in Hz, > low_freq (0: Kaldi's default 100)"
                                    : "the VTLN upper cutoff in Hz (< 0: Nyquist plus it; 0: Kaldi's default -500)");
        if (plan->vtln_warp == 0.0 && d != 0.0)
            return wmel__fe_bad(msg, msg_len, "%s %s: a cutoff of the VTLN warp, which needs vtln_warp (set it first)",
                                name, v);
        if (low) plan->vtln_low = d;
        else plan->vtln_high = d;
        return WMEL_OK;
    }
    return NOT_COMMON;
}

const char *const wmel__fe_window_names[WMEL__FE_N_WINDOWS] = {
    [WMEL_WINDOW_HANN_PERIODIC] = "hann_periodic",       [WMEL_WINDOW_HANN] = "hann",
    [WMEL_WINDOW_HAMMING] = "hamming",                   [WMEL_WINDOW_POVEY] = "povey",
    [WMEL_WINDOW_RECT] = "rect",                         [WMEL_WINDOW_BLACKMAN] = "blackman",
    [WMEL_WINDOW_BARTLETT] = "bartlett",                 [WMEL_WINDOW_SINE] = "sine",
    [WMEL_WINDOW_HAMMING_PERIODIC] = "hamming_periodic", [WMEL_WINDOW_BLACKMAN_PERIODIC] = "blackman_periodic",
    [WMEL_WINDOW_BARTLETT_PERIODIC] = "bartlett_periodic"};

int wmel_plan_set(wmel_frontend_plan *plan, const char *name, const char *value, char *msg,
                  size_t msg_len)
{
    if (msg && msg_len) msg[0] = '\0';
    if (!plan || !name || !value) {
        wmel__fe_bad(msg, msg_len, "%s is NULL", !plan ? "the plan" : !name ? "the option's name" : "the option's value");
        return WMEL_ERR_NULL_POINTER;
    }
    char vb[48];
    const char *v = shown(value, vb, sizeof vb);
    const int fr = plan->frontend;
    const char *fam = family(fr);
    const int whisper = fr == WMEL_FRONTEND_WHISPER;
    const int nemo = fr == WMEL_FRONTEND_NEMO || fr == WMEL_FRONTEND_NEMO_LEGACY;
    const int kaldi = fr == WMEL_FRONTEND_KALDI, seam = fr == WMEL_FRONTEND_SEAMLESS;
    if (!whisper && !nemo && !kaldi && !seam)
        return wmel__fe_bad(msg, msg_len, "frontend %d: not a WMEL_FRONTEND_* value (0..4)", fr);
    double d;
    int i;

    if (!strcmp(name, "n_mels")) {
        if (whisper) {
            if (parse_int(value, 1, 1000000, &i) || (i != 80 && i != 128))
                return wmel__fe_bad(msg, msg_len, "n_mels %s: the whisper front-end takes 80 or 128", v);
        } else if (parse_int(value, 1, WMEL_FE_MAX_MELS, &i)) {
            return wmel__fe_bad(msg, msg_len, "n_mels %s: the %s front-end takes a whole number from 1 to %d", v, fam,
                       WMEL_FE_MAX_MELS);
        }
        plan->n_mels = i;
        return WMEL_OK;
    }
    /* the capabilities every front-end's plan takes (wmel.h's appended fields) */
    int rc = set_common(plan, name, value, v, msg, msg_len);
    if (rc != NOT_COMMON) return rc;
    /* every other option belongs to the other front-ends */
    static const char *const known[] = {"normalize", "window", "scale", "low_freq", "high_freq",
                                        "use_energy", "energy_floor", "legacy", "pad_to", "exact_pad", NULL};
    int k = 0;
    while (known[k] && strcmp(known[k], name)) k++;
    if (!known[k])
        return wmel__fe_bad(msg, msg_len, "%.40s: not an option of a front-end plan (n_mels, normalize, window, scale, "
                                 "low_freq, high_freq, use_energy, energy_floor, legacy, pad_to, mel_scale, mel_norm, "
                                 "empty_filters, bf16, window_coeff, power, mag_guard, log_guard, norm_eps, "
                                 "norm_ddof, norm_max, norm_range, n_frames, pad_value, post_scale, post_shift, remove_dc, "
                                 "preemph, sample_rate, frame_length, hop, n_fft, stack, framing, preemph_mode, log, "
                                 "valid, layout, dither, dither_seed, raw_energy, exact_pad, pad_left, pad_right, "
                                 "pad_multiple, pad_mode, frame_span, window_offset, vtln_warp, vtln_low, vtln_high, htk_bank, lfr, stack_stride, stack_left, "
                                 "stack_tail, delta_win, cols_stacked, linear_bins, first_bin, symmetric_bank, then_norm, n_ceps, cepstral_lifter, ceps_htk, snap_bins)", name);
    if (whisper)
        return wmel__fe_bad(msg, msg_len, "%s: not an option of the whisper front-end (it applies to nemo, kaldi or "
                                 "seamless)", name);

    if (!strcmp(name, "normalize")) {
        /* nemo: per_feature, all_features; seamless and kaldi: mean_var; all three: mean, none */
        const int keep = plan->norm_flags & ~(WMEL_NORMF_MEAN_ONLY | WMEL_NORMF_ALL);
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
            return wmel__fe_bad(msg, msg_len, "normalize %s: the %s front-end takes %s", v, fam,
                                nemo ? "per_feature, all_features, mean, whole or none" : "mean_var, mean, whole or none");
        }
        return WMEL_OK;
    }
    if (!strcmp(name, "window")) {
        if (!kaldi && !nemo) return wmel__fe_bad(msg, msg_len, "window: not an option of the %s front-end (it applies "
                                                      "to kaldi and nemo)", fam);
        for (int w = 0; w < WMEL__FE_N_WINDOWS; w++)
            if (!(nemo && w == WMEL_WINDOW_POVEY) && !strcmp(value, wmel__fe_window_names[w])) {
                plan->window = w;
                if (w != WMEL_WINDOW_BLACKMAN && w != WMEL_WINDOW_BLACKMAN_PERIODIC) plan->window_coeff = 0.0;
                return WMEL_OK;
            }
        return wmel__fe_bad(msg, msg_len, "window %s: the %s front-end takes %s", v, fam,
                   nemo ? "hann, hamming, blackman, bartlett, sine or rect (periodic: hann_periodic, hamming_periodic, "
                          "blackman_periodic, bartlett_periodic)"
                        : "povey, hamming, hann, blackman, bartlett, sine or rect (periodic: hann_periodic, "
                          "hamming_periodic, blackman_periodic, bartlett_periodic)");
    }
    if (!strcmp(name, "scale")) {
        if (parse_num(value, &d) || d == 0.0 || fabs(d) > 1e12)
            return wmel__fe_bad(msg, msg_len, "scale %s: a non-zero number at most 1e12 in magnitude (samples are "
                                     "multiplied by it)", v);
        plan->scale = d;
        return WMEL_OK;
    }
    if (!strcmp(name, "low_freq") || !strcmp(name, "high_freq")) {
        const int low = name[0] == 'l';
        if (parse_num(value, &d) || (low && d < 0.0))
            return wmel__fe_bad(msg, msg_len, "%s %s: %s", name, v,
                       low ? "a frequency in Hz >= 0" : "a frequency in Hz (<= 0: Nyquist plus it)");
        if (low) plan->low_freq = d;
        else plan->high_freq = d;
        return WMEL_OK;
    }
    if (!strcmp(name, "use_energy") || !strcmp(name, "energy_floor")) {
        if (!kaldi)
            return wmel__fe_bad(msg, msg_len, "%s: not an option of the %s front-end (it applies to kaldi)", name, fam);
        if (name[0] == 'u') {
            if (parse_bool(value, &i)) return wmel__fe_bad(msg, msg_len, "use_energy %s: 1 or 0 (true or false)", v);
            plan->use_energy = i;
            return WMEL_OK;
        }
        if (parse_num(value, &d) || d < 0.0)
            return wmel__fe_bad(msg, msg_len, "energy_floor %s: a number >= 0 (the log energy is at least its log; "
                                     "0: no floor)", v);
        if (!plan->use_energy)
            return wmel__fe_bad(msg, msg_len, "energy_floor %s: floors the log-energy column, which needs use_energy", v);
        plan->energy_floor = d;
        return WMEL_OK;
    }
    if (!strcmp(name, "legacy")) {
        if (!nemo) return wmel__fe_bad(msg, msg_len, "legacy: not an option of the %s front-end (it applies to nemo)", fam);
        if (parse_bool(value, &i)) return wmel__fe_bad(msg, msg_len, "legacy %s: 1 or 0 (true or false)", v);
        plan->frontend = i ? WMEL_FRONTEND_NEMO_LEGACY : WMEL_FRONTEND_NEMO;
        plan->framing = i ? WMEL_FRAMES_CENTER_REFLECT : WMEL_FRAMES_CENTER_ZERO;
        plan->valid = i ? WMEL_VALID_ALL : WMEL_VALID_HOP;
        return WMEL_OK;
    }
    if (!strcmp(name, "exact_pad")) {
        /* NeMo exact_pad: (n_fft - hop) / 2 on both sides, then the pre-emphasis of the padded signal,
           torch.stft(center=False) (the window centred in n_fft), seq_len floor((n + 2 pad - n_fft) / hop):
           every frame but the last. NeMo since mid-2025 pads zeros and masks the pre-emphasised values from
           padded index n on; before, it reflected, did not mask and counted every frame (legacy) */
        if (!nemo) return wmel__fe_bad(msg, msg_len, "exact_pad: not an option of the %s front-end (it applies to nemo)", fam);
        if (parse_bool(value, &i)) return wmel__fe_bad(msg, msg_len, "exact_pad %s: 1 or 0 (true or false)", v);
        if (i && (plan->n_fft < plan->hop || (plan->n_fft - plan->hop) % 2))
            return wmel__fe_bad(msg, msg_len, "exact_pad %s: pads (n_fft - hop) / 2 samples on each side, which needs "
                                              "n_fft - hop even and >= 0 (n_fft %d, hop %d)", v, plan->n_fft, plan->hop);
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
    /* pad_to */
    if (!nemo) return wmel__fe_bad(msg, msg_len, "pad_to: not an option of the %s front-end (it applies to nemo)", fam);
    if (parse_int(value, 0, 65536, &i))
        return wmel__fe_bad(msg, msg_len, "pad_to %s: a frame multiple from 0 to 65536 (NeMo: 0 or 16)", v);
    plan->pad_to = i;
    return WMEL_OK;
}
