/*
 * frontend.c -- the front-end options shared by `wmel mel`, `wmel stream` and `wmel batch`:
 * a preset from --frontend, then each option's text handed to wmel_plan_set(), which owns
 * the rules (which option fits which front-end, the values) and their sentences.
 */
#define _POSIX_C_SOURCE 200809L
#include "frontend.h"
#include "platform.h"
#include "msg.h"
#include "readall.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_fe_init(cli_fe *f) { memset(f, 0, sizeof *f); }

const char *cli_fe_name(int frontend)
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

int cli_fe_parse(const char *s)
{
    static const int all[] = {WMEL_FRONTEND_WHISPER, WMEL_FRONTEND_NEMO, WMEL_FRONTEND_KALDI,
                              WMEL_FRONTEND_SEAMLESS, WMEL_FRONTEND_NEMO_LEGACY};
    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(s, cli_fe_name(all[i]))) return all[i];
    return -1;
}

/* The plan's options: the library's table (wmel_plan_field_info), in wmel_plan_set()'s order;
 * on the command line --NAME with '_' written '-'. */
static size_t n_opts(void)
{
    const size_t n = wmel_plan_field_count();
    return n < WMEL_CLI_FE_OPTS ? n : WMEL_CLI_FE_OPTS;
}

static const char *lib_name(size_t i) { return wmel_plan_field_info(i)->name; }

/* 1 when arg is option i's --name. */
static int is_opt(const char *arg, size_t i)
{
    const char *n = lib_name(i);
    if (arg[0] != '-' || arg[1] != '-') return 0;
    for (arg += 2; *n; arg++, n++)
        if (*arg != (*n == '_' ? '-' : *n)) return 0;
    return !*arg;
}

const char *cli_fe_opt_name(size_t i, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "--%s", lib_name(i));
    for (size_t k = 2; k < o && k < len; k++)
        if (buf[k] == '_') buf[k] = '-';
    return buf;
}

int cli_fe_index(const char *name)
{
    for (size_t i = 0; i < n_opts(); i++)
        if (!strcmp(name, lib_name(i))) return (int)i;
    return -1;
}

/* The families of a mask of 1 << WMEL_FRONTEND_* bits, for the help ("" for all). */
static const char *families(unsigned m)
{
    if ((m & 0x1fu) == 0x1fu) return "";
    if (m == (1u << WMEL_FRONTEND_KALDI)) return "kaldi: ";
    if ((m & ~(1u << WMEL_FRONTEND_NEMO_LEGACY)) == (1u << WMEL_FRONTEND_NEMO)) return "nemo: ";
    if (!(m & (1u << WMEL_FRONTEND_SEAMLESS))) return "kaldi, nemo: ";
    return "nemo, kaldi, seamless: ";
}

void cli_fe_help(FILE *f)
{
    static const char *const HEAD[] = {
        "", "    the plan's capabilities (any front-end; docs/frontends.md):\n",
        "    the plan's geometry (any front-end; docs/frontends.md, Presets):\n",
        "    the explicit framing (with --framing snip; docs/frontends.md, Explicit framing):\n",
        "    VTLN, the bank's variants, stacking, deltas, cepstra (any front-end; docs/plan-options.md):\n"};
    int group = -1;
    for (size_t i = 0; i < n_opts(); i++) {
        const wmel_plan_field *o = wmel_plan_field_info(i);
        if (o->flags & WMEL_PLAN_FIELD_OWN_HELP) continue;
        if (o->group != group && o->group >= 0 && o->group < (int)(sizeof HEAD / sizeof HEAD[0])) fputs(HEAD[o->group], f);
        group = o->group;
        char head[48], text[400], on[40];
        snprintf(head, sizeof head, "%s%s%s", cli_fe_opt_name(i, on, sizeof on),
                 o->flags & WMEL_PLAN_FIELD_SWITCH ? "" : " ", o->flags & WMEL_PLAN_FIELD_SWITCH ? "" : o->arg);
        snprintf(text, sizeof text, "%s%s (%s)", families(o->frontends), o->doc, o->values);
        /* the text wrapped at 96 columns, continued under its start */
        const char *t = text;
        fprintf(f, "      %-18s ", head);
        for (int first = 1; *t; first = 0) {
            const size_t room = 96 - 25;
            size_t n = strlen(t);
            if (n > room) {
                n = room;
                while (n > 0 && t[n] != ' ') n--;
                if (!n) n = room;
            }
            if (!first) fputs("                         ", f);
            fprintf(f, "%.*s\n", (int)n, t);
            t += n;
            while (*t == ' ') t++;
        }
    }
}

void cli_fe_help_brief(FILE *f, unsigned skip)
{
    fputs("    the plan's options, as for mel (docs/plan-options.md):\n", f);
    int group = -1;
    size_t col = 0; /* the current line's length; 0: no line open */
    for (size_t i = 0; i < n_opts(); i++) {
        const wmel_plan_field *o = wmel_plan_field_info(i);
        if (o->flags & (WMEL_PLAN_FIELD_OWN_HELP | skip)) continue;
        char item[64], on[40];
        snprintf(item, sizeof item, "%s%s%s", cli_fe_opt_name(i, on, sizeof on),
                 o->flags & WMEL_PLAN_FIELD_SWITCH ? "" : " ", o->flags & WMEL_PLAN_FIELD_SWITCH ? "" : o->arg);
        /* each group on lines of its own, wrapped at 92 columns */
        if (col && (o->group != group || col + 2 + strlen(item) > 92)) {
            fputs(o->group != group ? "\n" : ",\n", f);
            col = 0;
        }
        group = o->group;
        col += (size_t)fprintf(f, "%s%s", col ? ", " : "      ", item);
    }
    if (col) fputs("\n", f);
}

int cli_fe_finish_opt(const char *arg)
{
    for (size_t i = 0; i < n_opts(); i++)
        if ((wmel_plan_field_info(i)->flags & WMEL_PLAN_FIELD_FINISH) && is_opt(arg, i)) return 1;
    return 0;
}

int cli_fe_opt(const char *arg, const char *val, cli_fe *f)
{
    if (!strcmp(arg, "--hf-config")) {
        if (!val) {
            cli_msg("wmel: --hf-config needs a value (a transformers preprocessor_config.json, processor_config.json "
                    "or a model folder holding one)");
            return 2;
        }
        f->hf_config = val;
        return 1;
    }
    if (!strcmp(arg, "--cmvn")) {
        if (!val) {
            cli_msg("wmel: --cmvn needs a file: Kaldi CMVN statistics (cmvn.ark) or FunASR's am.mvn");
            return 2;
        }
        f->cmvn = val;
        return 1;
    }
    if (!strcmp(arg, "--plan") || !strcmp(arg, "--preset")) {
        if (!val) {
            cli_msg("wmel: %s needs a value (%s)", arg, arg[3] == 'l' ? "a plan's JSON file" : "a preset's name: wmel presets lists them");
            return 2;
        }
        if (arg[3] == 'l') f->plan_file = val;
        else f->preset = val;
        return 1;
    }
    if (!strcmp(arg, "--frontend")) {
        f->frontend_given = 1;
        int k = cli_fe_parse(val);
        if (k < 0) {
            cli_msg("wmel: --frontend takes whisper, nemo, nemo-legacy, kaldi or seamless");
            return 2;
        }
        if (k == WMEL_FRONTEND_NEMO_LEGACY) { /* the same as nemo --legacy */
            k = WMEL_FRONTEND_NEMO;
            f->val[cli_fe_index("legacy")] = "1";
        }
        f->frontend = k;
        return 1;
    }
    for (size_t i = 0; i < n_opts(); i++) {
        if (!is_opt(arg, i)) continue;
        if (wmel_plan_field_info(i)->flags & WMEL_PLAN_FIELD_SWITCH) { /* --use-energy, --legacy, ... */
            f->val[i] = "1";
            return 3;
        }
        if (!val) {
            cli_msg("wmel: %s needs a value", arg);
            return 2;
        }
        f->val[i] = val;
        return 1;
    }
    return 0;
}

/* A file's text (at most 1 MiB; NULL: reported as `what PATH: reason`). */
static char *read_small(const char *path, const char *what, const char *noun, size_t *len)
{
    FILE *fp = cli_fopen(path, "rb");
    if (!fp) {
        cli_msg("wmel: %s %s: %s", what, cli_esc(path), strerror(errno));
        return NULL;
    }
    char *text = cli_read_all(fp, (size_t)1 << 20, len);
    const int err = errno;
    const int more = text && fgetc(fp) != EOF;
    fclose(fp);
    if (!text) {
        cli_msg("wmel: %s %s: %s", what, cli_esc(path), strerror(err));
        return NULL;
    }
    if (more) {
        cli_msg("wmel: %s: more than 1 MiB: not %s", cli_esc(path), noun);
        free(text);
        return NULL;
    }
    return text;
}

static int is_dir(const char *path)
{
    FILE *fp = cli_fopen(path, "rb");
    if (!fp) return 0;
    /* a folder opens for reading on Linux and fails to read with EISDIR */
    const int c = fgetc(fp);
    const int dir = c == EOF && ferror(fp) && errno == EISDIR;
    fclose(fp);
    return dir;
}

/* 0, or 2 (reported) when the configuration has per-column values and the command does not
 * apply them. */
static int hf_cols_taken(const cli_fe *f, const char *file)
{
    if (!f->hf_cols || f->takes_cols) return 0;
    cli_msg("wmel: --hf-config %s: the configuration's per-column values (CLVP's mel_norms, Gemma's per_bin_mean / "
            "per_bin_stddev) are applied by `wmel mel`, `wmel stream`, `wmel batch`, `wmel inspect` and "
            "`wmel compare`; this command would compute the features without them",
            cli_esc(file));
    return 2;
}

/* --hf-config: the file, or in a folder processor_config.json when it holds the extractor's
 * dict (as transformers reads it), else preprocessor_config.json (2: reported). */
static int plan_from_hf(cli_fe *f, wmel_frontend_plan *plan)
{
    char why[4096], path[4096];
    const char *file = f->hf_config;
    if (is_dir(f->hf_config)) {
        snprintf(path, sizeof path, "%s/processor_config.json", f->hf_config);
        FILE *fp = cli_fopen(path, "rb");
        if (fp) {
            fclose(fp);
            size_t len;
            char *text = read_small(path, "--hf-config", "a configuration", &len);
            if (!text) return 2;
            int rc = wmel_plan_from_hf_config_cols(text, len, plan, NULL, 0, f->hf_scale, f->hf_shift, WMEL_CLI_HF_COLS,
                                                   &f->hf_cols, why, sizeof why);
            free(text);
            if (!rc) return hf_cols_taken(f, path);
            if (!strstr(why, "no \"feature_extractor_type\"")) {
                cli_msg("wmel: --hf-config %s: %s", cli_esc(path), why);
                return 2;
            }
        }
        snprintf(path, sizeof path, "%s/preprocessor_config.json", f->hf_config);
        file = path;
    }
    size_t len;
    char *text = read_small(file, "--hf-config", "a configuration", &len);
    if (!text) return 2;
    int rc = wmel_plan_from_hf_config_cols(text, len, plan, NULL, 0, f->hf_scale, f->hf_shift, WMEL_CLI_HF_COLS,
                                           &f->hf_cols, why, sizeof why);
    free(text);
    if (rc) {
        cli_msg("wmel: --hf-config %s: %s", cli_esc(file), why);
        return 2;
    }
    return hf_cols_taken(f, file);
}

/* --plan's file, --preset's or --hf-config's plan into *plan (2: reported). */
static int plan_from_json(cli_fe *f, wmel_frontend_plan *plan)
{
    char why[640];
    if (!!f->plan_file + !!f->preset + !!f->hf_config > 1) {
        cli_msg("wmel: --plan, --preset and --hf-config each name a plan: give one");
        return 2;
    }
    if (f->frontend_given) {
        cli_msg("wmel: --frontend and --%s both name a plan: the plan's \"frontend\" key is its front-end",
                f->plan_file ? "plan" : f->preset ? "preset" : "hf-config");
        return 2;
    }
    if (f->hf_config) return plan_from_hf(f, plan);
    if (f->preset) {
        if (wmel_preset_plan(f->preset, plan, why, sizeof why)) {
            cli_msg("wmel: --preset: %s", why);
            return 2;
        }
        return 0;
    }
    size_t len = 0;
    char *text = read_small(f->plan_file, "--plan", "a plan's JSON", &len);
    if (!text) return 2;
    int rc = wmel_plan_from_json(text, len, plan, why, sizeof why);
    free(text);
    if (rc) {
        cli_msg("wmel: %s: %s", cli_esc(f->plan_file), why);
        return 2;
    }
    return 0;
}

/* 1: a whisper plan that is not the whisper preset (80 or 128 mels) bit for bit. */
static int beyond_whisper(const cli_fe *f, const wmel_frontend_plan *plan)
{
    wmel_frontend_plan w;
    return f->frontend == WMEL_FRONTEND_WHISPER &&
           (wmel_frontend_preset(WMEL_FRONTEND_WHISPER, plan->n_mels, &w) || memcmp(&w, plan, sizeof w));
}

static int fe_plan(cli_fe *f, wmel_frontend_plan *plan);

int cli_fe_plan(cli_fe *f, wmel_frontend_plan *plan)
{
    if (f->cmvn && !f->takes_cols) {
        cli_msg("wmel: --cmvn applies to `wmel mel`, `wmel stream`, `wmel batch`, `wmel inspect` and `wmel compare`");
        return 2;
    }
    int rc = fe_plan(f, plan);
    if (rc) return rc;
    if (f->cmvn && f->hf_cols) {
        cli_msg("wmel: --cmvn and --hf-config's per-column values (CLVP's mel_norms, Gemma's per_bin_mean / "
                "per_bin_stddev) both give the per-column affine: give one");
        return 2;
    }
    if (f->cmvn && cli_fe_whisper(f)) {
        cli_msg("wmel: --cmvn applies to a front-end plan (--frontend kaldi|nemo|seamless, --plan, --preset), not to "
                "the whisper preset");
        return 2;
    }
    return 0;
}

static int fe_plan(cli_fe *f, wmel_frontend_plan *plan)
{
    char why[320];
    if (f->plan_file || f->preset || f->hf_config) {
        char src[600];
        snprintf(src, sizeof src, "%s", f->plan_file ? cli_esc(f->plan_file) : f->preset ? f->preset : cli_esc(f->hf_config));
        if (plan_from_json(f, plan)) return 2;
        /* the family's commands: nemo-legacy runs as nemo with its own plan */
        f->frontend = plan->frontend == WMEL_FRONTEND_NEMO_LEGACY ? WMEL_FRONTEND_NEMO : plan->frontend;
        for (size_t i = 0; i < n_opts(); i++)
            if (f->val[i] && wmel_plan_set(plan, lib_name(i), f->val[i], why, sizeof why)) {
                char on[40];
                cli_msg("wmel: %s: %s (%s)", src, why, cli_fe_opt_name(i, on, sizeof on));
                return 2;
            }
        if (wmel_plan_check(plan, why, sizeof why)) {
            cli_msg("wmel: %s: %s", src, why);
            return 2;
        }
        const size_t cols = cli_fe_cols(plan);
        if (f->hf_cols && f->hf_cols != cols) {
            cli_msg("wmel: %s: the configuration's per-column values are %zu, one per mel; the options change the "
                    "plan's columns to %zu",
                    src, f->hf_cols, cols);
            return 2;
        }
        f->general = beyond_whisper(f, plan) || f->hf_cols;
        return 0;
    }
    const int k = f->frontend;
    int rc = wmel_frontend_preset(k, 0, plan);
    if (rc) {
        cli_msg("wmel: --frontend %s: %s", cli_fe_name(k), wmel_strerror(rc));
        return 2;
    }
    for (size_t i = 0; i < n_opts(); i++)
        if (f->val[i] && wmel_plan_set(plan, lib_name(i), f->val[i], why, sizeof why)) {
            char on[40];
            cli_msg("wmel: --frontend %s: %s (%s)", cli_fe_name(k), why, cli_fe_opt_name(i, on, sizeof on));
            return 2;
        }
    if (wmel_plan_check(plan, why, sizeof why)) { /* the options' plan, refused with the reason */
        cli_msg("wmel: --frontend %s: %s", cli_fe_name(k), why);
        return 2;
    }
    f->general = beyond_whisper(f, plan);
    return 0;
}

const char *cli_fe_label(const cli_fe *f)
{
    static _Thread_local char buf[320];
    if (f->plan_file) snprintf(buf, sizeof buf, "%s", cli_esc(f->plan_file));
    else if (f->hf_config) snprintf(buf, sizeof buf, "--hf-config %s", cli_esc(f->hf_config));
    else if (f->preset) snprintf(buf, sizeof buf, "--preset %s", f->preset);
    else snprintf(buf, sizeof buf, "--frontend %s", cli_fe_name(f->frontend));
    return buf;
}

size_t cli_fe_cols(const wmel_frontend_plan *plan)
{
    const int w = plan->n_ceps > 0 ? plan->n_ceps : plan->n_mels + plan->use_energy; /* a frame's columns */
    return (size_t)w * (plan->cols_stacked ? (size_t)plan->stack : 1u) *
           (plan->cols_stacked && plan->delta_win ? 2u : 1u);
}

int cli_fe_whisper(const cli_fe *f) { return f->frontend == WMEL_FRONTEND_WHISPER && !f->general; }

int cli_fe_colvec(const cli_fe *f, const wmel_frontend_plan *plan, double **v, size_t *n, char *err, size_t err_len)
{
    *v = NULL;
    *n = 0;
    if (!f->cmvn && !f->hf_cols) return WMEL_OK;
    const size_t want = f->cmvn ? cli_fe_cols(plan) : f->hf_cols;
    double *w = malloc(2 * (want + 1) * sizeof *w);
    if (!w) {
        snprintf(err, err_len, "%s: %s", f->cmvn ? "--cmvn" : "--hf-config", wmel_strerror(WMEL_ERR_NO_MEMORY));
        return WMEL_ERR_NO_MEMORY;
    }
    if (!f->cmvn) { /* --hf-config's per-column values */
        memcpy(w, f->hf_scale, want * sizeof *w);
        memcpy(w + want, f->hf_shift, want * sizeof *w);
        *v = w;
        *n = want;
        return WMEL_OK;
    }
    size_t got = 0;
    char why[400];
    int st = wmel_cmvn_load(f->cmvn, w, w + want + 1, want + 1, &got, why, sizeof why);
    if (st == WMEL_ERR_BUFFER_TOO_SMALL || (st == WMEL_OK && got != want)) {
        char count[40];
        if (st) snprintf(count, sizeof count, "more than %zu", want);
        else snprintf(count, sizeof count, "%zu", got);
        st = WMEL_ERR_INVALID_ARG;
        snprintf(err, err_len, "--cmvn %s: %s values per vector; the plan's per-column affine takes %zu (%s)",
                 cli_esc(f->cmvn), count, want,
                 plan->cols_stacked ? "the stacked row's width: stack x the frame's columns (n_mels + use_energy, or "
                                      "n_ceps), x 2 with deltas"
                                    : "the frame's columns, n_mels + use_energy or n_ceps, before stacking; a vector for the stacked rows (FunASR's "
                                      "am.mvn) needs cols_stacked");
    } else if (st) {
        snprintf(err, err_len, "--cmvn: %s", why);
    }
    if (st) {
        free(w);
        return st;
    }
    memmove(w + want, w + want + 1, want * sizeof *w); /* the shifts right after the scales */
    *v = w;
    *n = want;
    return WMEL_OK;
}

wmel_ctx *cli_fe_ctx(const wmel_params *p, const wmel_frontend_plan *plan, const cli_fe *f, int *st, char *err,
                     size_t err_len)
{
    double *v;
    size_t n;
    *st = cli_fe_colvec(f, plan, &v, &n, err, err_len);
    if (*st) return NULL;
    if (v) { /* which column, its scale and the plan's bound */
        char why[480];
        *st = wmel_plan_cols_check(plan, v, v + n, n, why, sizeof why);
        if (*st) {
            if (f->cmvn) snprintf(err, err_len, "--cmvn %s with %s: %s", cli_esc(f->cmvn), cli_fe_label(f), why);
            else snprintf(err, err_len, "%s's per-column values: %s", cli_fe_label(f), why);
            free(v);
            return NULL;
        }
    }
    wmel_ctx *c = v ? wmel_create_plan_cols(p, plan, v, v + n, n, st) : wmel_create_plan(p, plan, st);
    /* AUTO's create refused by its switch (WMEL_AUTO_PROBE) names it */
    const char *detail = p->backend == WMEL_BACKEND_AUTO ? wmel_vulkan_error_detail() : "";
    if (!c)
        snprintf(err, err_len, "%s%s: %s%s%s%s", cli_fe_label(f), f->cmvn ? " with --cmvn" : "", wmel_strerror(*st),
                 *detail ? " (" : "", detail, *detail ? ")" : "");
    free(v);
    return c;
}
