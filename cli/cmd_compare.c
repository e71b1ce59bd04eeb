/*
 * cmd_compare.c -- `wmel compare A B [-o REPORT.html] [--tol T] [--frontend F]
 * [--n-mels N] [--backend B] [--axes F] [--label-a TEXT] [--label-b TEXT] [--note TEXT]... [-q]`:
 * where two front-ends' features differ, and by how much.
 *
 * A and B: FILE.npy (float32/float64, C or Fortran order), or, for the whisper front-end,
 * IMPL:AUDIO with IMPL wmel (libwmel, --backend, default auto) or oracle (the float64
 * reference, wmel_ref_stages). The command reads these and hands the arrays to the engine
 * (compare/compare.c: the alignment, statistics, summary and page, which the Python module
 * wmel.compare uses too). Every other source (FILE.npz[:KEY], FILE.pt, IMPL openai, hf,
 * faster-whisper, librosa, kaldi-native-fbank, torchaudio, nemo, and IMPL:AUDIO of another
 * front-end) is refused with the command that reads it: python3 -m wmel.compare with the
 * same arguments. Exit: 0 within --tol, 1 above, 2 on a usage error or sources that
 * cannot be compared (a shape that cannot be reconciled).
 *
 * Flow: parse (the options) -> plan (each source: a file, a computed IMPL, or refused) ->
 * compute (read the files, compute the IMPLs) -> the engine -> write (the summary on
 * stdout, the page).
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "commands.h"
#include "npyread.h"
#include "compare.h"
#include "frontend.h"
#include "out.h"
#include "stages.h"
#include "wmel.h"
#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ERRLEN 1024

static const char *const IMPLS[] = {"wmel", "oracle", "openai", "hf", "faster-whisper", "librosa",
                                    "kaldi-native-fbank", "torchaudio", "nemo", NULL};

static int fail2(const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 1, 2)));
static int fail2(const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cli_msg("wmel: compare: %s", text);
    return 2;
}

/* ---- .npy: float32/float64 little-endian, C or Fortran order (support/npyread.c) */
static int read_npy(const char *path, cli_cmp_src *s, char *err, size_t err_len)
{
    cli_npy n;
    if (cli_npy_read(path, &n, NULL, err, err_len)) return -1;
    int rc = -1;
    if (n.item == 2) {
        snprintf(err, err_len, "%s: dtype is not float32 or float64 (little-endian): "
                 "python3 -m wmel.compare converts others", path);
        goto out;
    }
    if (n.count == 0) {
        snprintf(err, err_len, "%s: empty array", path);
        goto out;
    }
    s->ndim = n.ndim;
    memcpy(s->shape, n.shape, sizeof s->shape);
    /* held in the file's own type (little-endian, as the host: the formats wmel runs on) */
    if (n.item == 4) s->xf = n.data;
    else s->x = n.data;
    n.data = NULL;
    if (n.fortran && s->ndim >= 2) { /* to C order: only 2-D after squeezing matters */
        if (s->ndim > 2) {
            snprintf(err, err_len, "%s: a Fortran-order array of %d axes: python3 -m wmel.compare reads it", path, s->ndim);
            goto out;
        }
        if (cli_cmp_transpose(s, n.count / s->shape[0], s->shape[0])) {
            snprintf(err, err_len, "%s: out of memory", path);
            goto out;
        }
    }
    rc = 0;
out:
    cli_npy_free(&n);
    return rc;
}

/* ---- IMPL:AUDIO the command computes: a plan's (wmel: the CPU path or --backend, oracle:
 * the float64 reference backend), in the plan's layout */
static int compute_plan_impl(cli_cmp_src *s, const char *audio, const wmel_params *p, const wmel_frontend_plan *plan,
                             const cli_fe *fe, char *err, size_t err_len)
{
    char fmt[256];
    int rc = cli_decode_all(audio, &s->pcm, &s->n, fmt, sizeof fmt, 1, err, err_len);
    if (rc) return rc;
    wmel_params q = wmel_default_params();
    q.backend = strcmp(s->impl, "wmel") ? WMEL_BACKEND_REF : p->backend;
    q.n_threads = p->n_threads;
    int st;
    char why[1024] = "";
    wmel_ctx *ctx = cli_fe_ctx(&q, plan, fe, &st, why, sizeof why); /* with --cmvn's or --hf-config's affine */
    if (!ctx) {
        snprintf(err, err_len, "%s", why);
        return st;
    }
    size_t rows = 0, cols = 0;
    rc = wmel_features_shape(ctx, s->n, &rows, &cols);
    if (rc == WMEL_OK && !(s->xf = malloc((rows * cols > 0 ? rows * cols : 1) * sizeof *s->xf))) rc = WMEL_ERR_NO_MEMORY;
    if (rc == WMEL_OK) rc = wmel_features(ctx, s->pcm, s->n, s->xf, rows * cols);
    if (rc == WMEL_OK) {
        s->ndim = 2, s->shape[0] = rows, s->shape[1] = cols;
        snprintf(s->version, sizeof s->version, "wmel %s, backend %s, kernel %s", wmel_version(), wmel_backend_name(ctx),
                 wmel_kernel_name(ctx));
    } else {
        snprintf(err, err_len, "%s: %s", audio, wmel_strerror(rc));
    }
    wmel_destroy(ctx);
    return rc;
}

static int compute_impl(cli_cmp_src *s, const char *audio, const wmel_params *p, char *err, size_t err_len)
{
    char fmt[256];
    int rc = cli_decode_all(audio, &s->pcm, &s->n, fmt, sizeof fmt, 1, err, err_len);
    if (rc) return rc;
    if (s->n <= WMEL_N_FFT / 2) {
        snprintf(err, err_len, "%s: %zu samples: too short for a frame", audio, s->n);
        return WMEL_ERR_TOO_SHORT;
    }
    size_t nf = wmel_n_frames(s->n, 0), cnt = (size_t)p->n_mels * nf;
    s->rows = (size_t)p->n_mels;
    s->cols = nf;
    s->ndim = 2;
    s->shape[0] = s->rows;
    s->shape[1] = nf;
    if (!strcmp(s->impl, "wmel")) {
        int st;
        wmel_params q = *p;
        q.norm = WMEL_NORM_WHOLE;
        wmel_ctx *ctx = wmel_create(&q, &st);
        s->xf = malloc(cnt * sizeof *s->xf);
        rc = !ctx ? st : !s->xf ? WMEL_ERR_NO_MEMORY : wmel_log_mel(ctx, s->pcm, s->n, 0, s->xf, cnt);
        if (rc == WMEL_OK)
            snprintf(s->version, sizeof s->version, "wmel %s, backend %s, kernel %s", wmel_version(),
                     wmel_backend_name(ctx), wmel_kernel_name(ctx));
        else
            snprintf(err, err_len, "%s: %s", audio, wmel_strerror(rc));
        wmel_destroy(ctx);
        return rc;
    }
    s->x = malloc(cnt * sizeof *s->x);
    if (!s->x) return WMEL_ERR_NO_MEMORY;
    const cli_frontend *fe = cli_frontend_find("whisper");
    cli_clip clip;
    memset(&clip, 0, sizeof clip);
    clip.pcm = s->pcm, clip.n = s->n, clip.n_frames = clip.n_valid = nf, clip.n_mels = p->n_mels;
    if ((rc = cli_clip_max(&clip, err, err_len)) != WMEL_OK) return rc;
    double *out[8] = {0};
    out[5] = s->x;
    rc = cli_stages_compute(fe, &clip, 0, nf, 1, out, NULL);
    if (rc) snprintf(err, err_len, "%s: %s", audio, wmel_strerror(rc));
    snprintf(s->version, sizeof s->version, "float64 reference (wmel_ref_stages)");
    return rc;
}

static void usage_impl_list(char *buf, size_t len)
{
    size_t k = 0;
    for (int i = 0; IMPLS[i] && k < len; i++) k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "", IMPLS[i]);
}

/* A source only the Python package reads: refused (exit 2), naming the command that reads
 * it, the same arguments quoted for a POSIX shell. */
static int refuse(int argc, char **argv, const char *what)
{
    char cmd[8192];
    size_t k = (size_t)snprintf(cmd, sizeof cmd, "python3 -m wmel.compare");
    for (int i = 0; i < argc && k < sizeof cmd; i++) {
        const char *a = argv[i];
        int plain = *a != 0;
        for (const char *c = a; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+,@%", *c)) plain = 0;
        if (plain) {
            k += (size_t)snprintf(cmd + k, sizeof cmd - k, " %s", a);
            continue;
        }
        k += (size_t)snprintf(cmd + k, sizeof cmd - k, " '");
        for (const char *c = a; *c && k < sizeof cmd; c++)
            k += (size_t)snprintf(cmd + k, sizeof cmd - k, *c == '\'' ? "'\\''" : "%c", *c);
        if (k < sizeof cmd) k += (size_t)snprintf(cmd + k, sizeof cmd - k, "'");
    }
    return fail2("%s: a source only the Python package reads (pip install .): run %s", what, cmd);
}

typedef struct cmp_args {
    const char *specs[2], *out, *label[2], *frontend, *axes;
    wmel_params p;
    double tol;
    int quiet, axes_given;
    const char *n_mels_text;   /* --n-mels as given */
    cli_cmp_notes extra;
    cli_fe fe;                 /* --preset, --plan and the plan options, as for mel */
    wmel_frontend_plan plan;   /* with use_plan: the plan whose layout and axes align */
    int use_plan;
    char name[160];            /* the plan's name in the summary */
} cmp_args;

/* ---- parse: -1 when parsed, else the exit status (a usage error reported) */
static int parse(int argc, char **argv, cmp_args *c)
{
    memset(c, 0, sizeof *c);
    cli_fe_init(&c->fe);
    c->frontend = "whisper";
    c->p = wmel_default_params();
    c->p.n_mels = 0;
    c->tol = 1e-4;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int pr;
        if ((pr = cli_operands(argc, argv, &i, c->specs, 2)) != 0) {
            if (pr == 2) return 2;
            break;
        }
        if (strcmp(a, "--frontend") && strcmp(a, "--n-mels") && (pr = cli_fe_opt(a, v, &c->fe)) != 0) {
            if (pr == 2) return 2; /* --preset, --plan, the plan options */
            if (pr == 1) i++;
        } else if (!strcmp(a, "--n-mels")) { /* checked below: a plan's own rules, else 80 or 128 */
            if (!v) return cli_usage("--n-mels needs a value");
            c->n_mels_text = v;
            i++;
        } else if ((pr = cli_common(argc, argv, &i, &c->out, &c->quiet, &c->p)) != 0) {
            if (pr == 2) return 2;
        } else if (!strcmp(a, "--tol")) {
            char *end = NULL;
            c->tol = v ? strtod(v, &end) : NAN;
            if (!v || end == v || *end || !(c->tol >= 0)) return cli_usage("--tol takes a number >= 0");
            i++;
        } else if (!strcmp(a, "--frontend")) {
            if (!v) return cli_usage("--frontend needs a name (whisper)");
            c->frontend = v;
            c->fe.frontend_given = 1;
            i++;
        } else if (!strcmp(a, "--axes")) {
            if (!v || cli_fe_parse(v) < 0)
                return cli_usage("--axes needs a front-end's name (whisper, nemo, nemo-legacy, kaldi, seamless)");
            c->axes = v;
            c->axes_given = 1;
            i++;
        } else if (!strcmp(a, "--label-a") || !strcmp(a, "--label-b")) {
            if (!v) return cli_usage("--label-a/--label-b need a text");
            c->label[a[8] == 'b'] = v;
            i++;
        } else if (!strcmp(a, "--note")) {
            if (!v) return cli_usage("--note needs a text");
            cli_cmp_note(&c->extra, "%s", cli_esc(v));
            i++;
        } else if (a[0] == '-' && a[1]) {
            cli_msg("wmel: unknown option '%s' (see wmel --help)", a);
            return 2;
        } else if (!c->specs[0]) {
            c->specs[0] = a;
        } else if (!c->specs[1]) {
            c->specs[1] = a;
        } else {
            return cli_usage("compare: two sources only (A B)");
        }
    }
    if (!c->specs[1]) return cli_usage("compare: two sources needed: wmel compare A B [-o REPORT.html] [--tol T]");
    if (cli_fe_parse(c->frontend) < 0) {
        cli_msg("wmel: compare: front-end '%s' is not one compare covers (it covers: %s)", c->frontend,
                     "whisper, nemo, nemo-legacy, kaldi, seamless");
        return 2;
    }
    int opts = c->fe.preset || c->fe.plan_file || c->fe.hf_config || c->fe.cmvn;
    for (int k = 0; k < WMEL_CLI_FE_OPTS; k++) opts |= k != cli_fe_index("n_mels") && c->fe.val[k] != NULL;
    if (opts) { /* a plan: as `wmel mel` makes it; a family's own preset keeps that family's rules */
        c->fe.frontend = cli_fe_parse(c->frontend) == WMEL_FRONTEND_NEMO_LEGACY ? WMEL_FRONTEND_NEMO : cli_fe_parse(c->frontend);
        if (!strcmp(c->frontend, "nemo-legacy")) c->fe.val[cli_fe_index("legacy")] = "1";
        c->fe.val[cli_fe_index("n_mels")] = c->n_mels_text;
        c->fe.takes_cols = 1; /* --cmvn, --hf-config's per-column values: both sides' ctx (cli_fe_ctx) */
        if (cli_fe_plan(&c->fe, &c->plan)) return 2; /* reported */
        wmel_frontend_plan fam;
        const int k = c->plan.frontend;
        if (!wmel_frontend_preset(k, c->plan.n_mels, &fam) && !memcmp(&fam, &c->plan, sizeof fam) && !c->fe.hf_cols &&
            !c->fe.cmvn) {
            c->frontend = cli_fe_name(k);
            c->p.n_mels = c->plan.n_mels;
        } else {
            c->use_plan = 1;
            c->p.n_mels = c->plan.n_mels;
            if (c->fe.preset) snprintf(c->name, sizeof c->name, "preset %s", c->fe.preset);
            else if (c->fe.plan_file) snprintf(c->name, sizeof c->name, "plan %s", cli_esc(c->fe.plan_file));
            else if (c->fe.hf_config) snprintf(c->name, sizeof c->name, "hf-config %s", cli_esc(c->fe.hf_config));
            else snprintf(c->name, sizeof c->name, "%s with options", cli_fe_name(k));
            c->frontend = c->name;
        }
    }
    else if (c->n_mels_text && cli_param("--n-mels", c->n_mels_text, &c->p) == 2)
        return 2; /* reported */
    if (!c->axes && !c->use_plan) c->axes = c->frontend;
    return -1;
}

/* ---- plan: each source a file or an IMPL the command computes (its audio in audio[w]);
 * -1 when both are, else the exit status (a source only Python reads refused) */
static int plan(int argc, char **argv, const cmp_args *c, cli_cmp_src s[2], const char *audio[2])
{
    int whisper = !strcmp(c->frontend, "whisper") || c->use_plan; /* a plan's wmel: and oracle: are computed here */
    for (int w = 0; w < 2; w++) {
        const char *spec = c->specs[w], *colon = strchr(spec, ':');
        cli_cmp_src_init(&s[w], spec);
        s[w].label = c->label[w];
        audio[w] = NULL;
        for (int i = 0; colon && IMPLS[i]; i++)
            if ((size_t)(colon - spec) == strlen(IMPLS[i]) && !strncmp(spec, IMPLS[i], strlen(IMPLS[i])))
                s[w].impl = IMPLS[i];
        if (s[w].impl) {
            if (strcmp(s[w].impl, "wmel") && strcmp(s[w].impl, "oracle")) {
                char what[300];
                snprintf(what, sizeof what, "%s:AUDIO", s[w].impl);
                return refuse(argc, argv, what);
            }
            if (!whisper) {
                char what[300];
                snprintf(what, sizeof what, "%s:AUDIO with --frontend %s", s[w].impl, c->frontend);
                return refuse(argc, argv, what);
            }
            audio[w] = colon + 1;
            continue;
        }
        size_t L = strlen(spec);
        if (strstr(spec, ".npz") || (L > 3 && !strcmp(spec + L - 3, ".pt"))) return refuse(argc, argv, spec);
        if (colon && access(spec, F_OK) != 0) {
            char list[256];
            usage_impl_list(list, sizeof list);
            return fail2("%s: no such file, and '%.*s' is not an implementation (one of: %s)", spec,
                         (int)(colon - spec), spec, list);
        }
    }
    const char *outs[1] = {c->out}, *ins[2] = {audio[0] ? audio[0] : c->specs[0], audio[1] ? audio[1] : c->specs[1]};
    if (c->out && cli_check_files(outs, 1, ins, 2)) return 2;
    return -1;
}

/* ---- compute: the files read, the IMPLs computed; 0 or 2 (reported) */
static int compute(cmp_args *c, cli_cmp_src s[2], const char *const audio[2])
{
    char err[ERRLEN] = "";
    for (int w = 0; w < 2; w++)
        if (!audio[w] && read_npy(c->specs[w], &s[w], err, sizeof err)) return fail2("%s", err);
    if (c->p.n_mels == 0) { /* from the files: an axis of 128 means 128 mels */
        c->p.n_mels = 80;
        for (int w = 0; w < 2 && !strcmp(c->frontend, "whisper"); w++)
            for (int d = 0; d < s[w].ndim && !audio[w]; d++)
                if (s[w].shape[d] == 128) c->p.n_mels = 128;
    }
    for (int w = 0; w < 2; w++)
        if (audio[w] && (c->use_plan ? compute_plan_impl(&s[w], audio[w], &c->p, &c->plan, &c->fe, err, sizeof err)
                                     : compute_impl(&s[w], audio[w], &c->p, err, sizeof err)))
            return fail2("%s", err);
    return 0;
}

int cmd_compare(int argc, char **argv)
{
    cmp_args c;
    cli_cmp_src s[2];
    const char *audio[2];
    int rc = parse(argc, argv, &c);
    if (rc >= 0) return rc;
    memset(s, 0, sizeof s);
    if ((rc = plan(argc, argv, &c, s, audio)) < 0 && (rc = compute(&c, s, audio)) == 0) {
        cli_cmp_opts o;
        cli_cmp_result *r = malloc(sizeof *r);
        char err[ERRLEN] = "";
        cli_cmp_opts_init(&o);
        o.frontend = c.frontend;
        o.axes = c.axes;
        o.plan = c.use_plan ? &c.plan : NULL;
        o.n_mels = c.p.n_mels;
        o.tol = c.tol;
        o.params = c.p;
        o.out = c.out;
        o.extra = c.extra;
        rc = !r ? fail2("out of memory") : cli_cmp_run(s, &o, r, err, sizeof err);
        if (r && r->text[0] && (!c.quiet || !c.out)) fputs(r->text, stdout);
        if (r && rc == 0) {
            rc = r->above;
            if (c.out && !c.quiet)
                cli_msg("wmel: wrote %s (%zu frames shown of %zu%s)", c.out, r->shown, r->frames,
                             r->shown < r->frames ? ", decimated" : "");
        } else if (r) {
            cli_msg(r->text[0] ? "wmel: %s" : "wmel: compare: %s", err);
        }
        free(r);
    }
    for (int w = 0; w < 2; w++) cli_cmp_free(&s[w]);
    return rc;
}
