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
    /* every other option belongs to the other front-ends */
    static const char *const known[] = {"normalize", "window", "scale", "low_freq", "high_freq",
                                        "use_energy", "energy_floor", "legacy", "pad_to", NULL};
    int k = 0;
    while (known[k] && strcmp(known[k], name)) k++;
    if (!known[k])
        return wmel__fe_bad(msg, msg_len, "%.40s: not an option of a front-end plan (n_mels, normalize, window, scale, "
                                 "low_freq, high_freq, use_energy, energy_floor, legacy, pad_to)", name);
    if (whisper)
        return wmel__fe_bad(msg, msg_len, "%s: not an option of the whisper front-end (it applies to nemo, kaldi or "
                                 "seamless)", name);

    if (!strcmp(name, "normalize")) {
        const char *own = nemo ? "per_feature" : seam ? "mean_var" : NULL;
        if (!strcmp(value, "none")) plan->norm = WMEL_NORM_NONE;
        else if (own && !strcmp(value, own)) plan->norm = nemo ? WMEL_NORM_PER_FEATURE : WMEL_NORM_MEAN_VAR;
        else if (own)
            return wmel__fe_bad(msg, msg_len, "normalize %s: the %s front-end takes %s or none", v, fam, own);
        else
            return wmel__fe_bad(msg, msg_len, "normalize %s: the kaldi front-end takes none (it does not normalise)", v);
        return WMEL_OK;
    }
    if (!strcmp(name, "window")) {
        static const char *const names[] = {"povey", "hamming", "hann", "rect"};
        static const int kinds[] = {WMEL_WINDOW_POVEY, WMEL_WINDOW_HAMMING, WMEL_WINDOW_HANN, WMEL_WINDOW_RECT};
        if (!kaldi && !nemo) return wmel__fe_bad(msg, msg_len, "window: not an option of the %s front-end (it applies "
                                                      "to kaldi and nemo)", fam);
        for (int w = nemo ? 1 : 0; w < 4; w++)
            if (!strcmp(value, names[w])) {
                plan->window = kinds[w];
                return WMEL_OK;
            }
        return wmel__fe_bad(msg, msg_len, "window %s: the %s front-end takes %s", v, fam,
                   nemo ? "hann, hamming or rect" : "povey, hamming, hann or rect");
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
    /* pad_to */
    if (!nemo) return wmel__fe_bad(msg, msg_len, "pad_to: not an option of the %s front-end (it applies to nemo)", fam);
    if (parse_int(value, 0, 65536, &i))
        return wmel__fe_bad(msg, msg_len, "pad_to %s: a frame multiple from 0 to 65536 (NeMo: 0 or 16)", v);
    plan->pad_to = i;
    return WMEL_OK;
}
