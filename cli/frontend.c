/*
 * frontend.c -- the front-end options shared by `wmel mel` and `wmel batch`: a preset
 * from --frontend, then the options that change its plan, each checked against the
 * front-ends it applies to (a usage error names the option and the front-end).
 */
#define _POSIX_C_SOURCE 200809L
#include "frontend.h"
#include "msg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wmel_cli_fe_init(wmel_cli_fe *f)
{
    memset(f, 0, sizeof *f);
    f->pad_to = -1;
}

const char *wmel_cli_fe_name(int frontend)
{
    switch (frontend) {
    case WMEL_FRONTEND_WHISPER: return "whisper";
    case WMEL_FRONTEND_NEMO: return "nemo";
    case WMEL_FRONTEND_NEMO_LEGACY: return "nemo-legacy";
    case WMEL_FRONTEND_KALDI: return "kaldi";
    case WMEL_FRONTEND_SEAMLESS: return "seamless";
    default: return "unknown";
    }
}

int wmel_cli_fe_parse(const char *s)
{
    static const int all[] = {WMEL_FRONTEND_WHISPER, WMEL_FRONTEND_NEMO, WMEL_FRONTEND_KALDI,
                              WMEL_FRONTEND_SEAMLESS, WMEL_FRONTEND_NEMO_LEGACY};
    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(s, wmel_cli_fe_name(all[i]))) return all[i];
    return -1;
}

static int num(const char *v, double *out)
{
    char *end = NULL;
    if (!v || !*v) return -1;
    double d = strtod(v, &end);
    if (*end || !isfinite(d)) return -1;
    *out = d;
    return 0;
}

static void note(wmel_cli_fe *f, const char *arg)
{
    size_t l = strlen(f->given);
    if (strstr(f->given, arg)) return;
    snprintf(f->given + l, sizeof f->given - l, "%s%s", l ? ", " : "", arg);
}

static int bad(const char *arg, const char *what)
{
    wmel_cli_msg("wmel: %s takes %s", arg, what);
    return 2;
}

int wmel_cli_fe_opt(const char *arg, const char *val, wmel_cli_fe *f)
{
    if (!strcmp(arg, "--frontend")) {
        int k = wmel_cli_fe_parse(val);
        if (k < 0) return bad(arg, "whisper, nemo, kaldi or seamless");
        if (k == WMEL_FRONTEND_NEMO_LEGACY) { /* the same as nemo --legacy */
            k = WMEL_FRONTEND_NEMO;
            f->legacy = 1;
        }
        f->frontend = k;
        return 1;
    }
    if (!strcmp(arg, "--n-mels")) {
        char *end = NULL;
        long m = val && *val >= '0' && *val <= '9' ? strtol(val, &end, 10) : -1;
        if (m < 1 || m > 256 || *end) return bad(arg, "a number of mel bins (80 or 128 for whisper, 1..256 otherwise)");
        f->n_mels = (int)m;
        return 1;
    }
    if (!strcmp(arg, "--legacy")) {
        f->legacy = 1;
        note(f, arg);
        return 3;
    }
    if (!strcmp(arg, "--use-energy")) {
        f->use_energy = 1;
        note(f, arg);
        return 3;
    }
    if (!strcmp(arg, "--normalize")) {
        if (!val || (strcmp(val, "per_feature") && strcmp(val, "mean_var") && strcmp(val, "none")))
            return bad(arg, "per_feature (nemo), mean_var (seamless) or none");
        f->normalize = val;
    } else if (!strcmp(arg, "--window")) {
        if (!val || (strcmp(val, "povey") && strcmp(val, "hamming") && strcmp(val, "hann") && strcmp(val, "rect")))
            return bad(arg, "povey, hamming, hann or rect");
        f->window = val;
    } else if (!strcmp(arg, "--scale")) {
        if (num(val, &f->scale) || f->scale == 0.0) return bad(arg, "a non-zero number (samples are multiplied by it)");
        f->have_scale = 1;
    } else if (!strcmp(arg, "--low-freq")) {
        if (num(val, &f->low) || f->low < 0) return bad(arg, "a frequency in Hz >= 0");
        f->have_low = 1;
    } else if (!strcmp(arg, "--high-freq")) {
        if (num(val, &f->high)) return bad(arg, "a frequency in Hz (<= 0: Nyquist minus it)");
        f->have_high = 1;
    } else if (!strcmp(arg, "--energy-floor")) {
        if (num(val, &f->energy_floor) || f->energy_floor < 0) return bad(arg, "a number >= 0");
        f->have_floor = 1;
    } else if (!strcmp(arg, "--pad-to")) {
        char *end = NULL;
        long v = val && *val >= '0' && *val <= '9' ? strtol(val, &end, 10) : -1;
        if (v < 0 || v > 65536 || *end) return bad(arg, "a frame multiple from 0 to 65536 (NeMo: 0 or 16)");
        f->pad_to = v;
    } else {
        return 0;
    }
    note(f, arg);
    return 1;
}

static int not_for(const char *opt, const wmel_cli_fe *f)
{
    wmel_cli_msg("wmel: %s does not apply to --frontend %s", opt, wmel_cli_fe_name(f->frontend));
    return 2;
}

int wmel_cli_fe_plan(const wmel_cli_fe *f, wmel_frontend_plan *plan)
{
    const int k = f->frontend;
    if (k == WMEL_FRONTEND_WHISPER) {
        if (f->given[0]) {
            wmel_cli_msg("wmel: %s: not options of --frontend whisper (they apply to nemo, kaldi or seamless)", f->given);
            return 2;
        }
        if (f->n_mels && f->n_mels != 80 && f->n_mels != 128) {
            wmel_cli_msg("wmel: --n-mels takes 80 or 128 for --frontend whisper");
            return 2;
        }
    }
    const int nemo = k == WMEL_FRONTEND_NEMO, kaldi = k == WMEL_FRONTEND_KALDI, seam = k == WMEL_FRONTEND_SEAMLESS;
    if (f->legacy && !nemo) return not_for("--legacy", f);
    if (f->pad_to >= 0 && !nemo) return not_for("--pad-to", f);
    if ((f->use_energy || f->have_floor) && !kaldi) return not_for(f->use_energy ? "--use-energy" : "--energy-floor", f);
    if (f->have_floor && !f->use_energy) {
        wmel_cli_msg("wmel: --energy-floor needs --use-energy");
        return 2;
    }
    if (f->window && !kaldi && !(nemo && strcmp(f->window, "povey"))) {
        if (nemo) wmel_cli_msg("wmel: --window povey does not apply to --frontend nemo (hann, hamming or rect)");
        else return not_for("--window", f);
        return 2;
    }
    if (f->normalize) {
        if (kaldi && strcmp(f->normalize, "none")) return not_for("--normalize per_feature/mean_var", f);
        if (nemo && !strcmp(f->normalize, "mean_var")) return not_for("--normalize mean_var", f);
        if (seam && !strcmp(f->normalize, "per_feature")) return not_for("--normalize per_feature", f);
    }
    int rc = wmel_frontend_preset(nemo && f->legacy ? WMEL_FRONTEND_NEMO_LEGACY : k, f->n_mels, plan);
    if (rc) {
        wmel_cli_msg("wmel: --frontend %s: %s", wmel_cli_fe_name(k), wmel_strerror(rc));
        return 2;
    }
    if (f->normalize && !strcmp(f->normalize, "none")) plan->norm = WMEL_NORM_NONE;
    if (f->window) {
        plan->window = !strcmp(f->window, "povey")     ? WMEL_WINDOW_POVEY
                       : !strcmp(f->window, "hamming") ? WMEL_WINDOW_HAMMING
                       : !strcmp(f->window, "hann")    ? WMEL_WINDOW_HANN
                                                       : WMEL_WINDOW_RECT;
    }
    if (f->have_scale) plan->scale = f->scale;
    if (f->have_low) plan->low_freq = f->low;
    if (f->have_high) plan->high_freq = f->high;
    if (f->use_energy) plan->use_energy = 1;
    if (f->have_floor) plan->energy_floor = f->energy_floor;
    if (f->pad_to >= 0) plan->pad_to = (int)f->pad_to;
    char why[320];
    if (wmel_plan_check(plan, why, sizeof why)) { /* the options' plan, refused with the reason */
        wmel_cli_msg("wmel: --frontend %s: %s", wmel_cli_fe_name(k), why);
        return 2;
    }
    return 0;
}
