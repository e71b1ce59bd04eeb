/*
 * cmd_diagnose.c -- `wmel diagnose (--preset NAME | --plan FILE.json | --hf-config DIR)
 * --audio IN --features THEIRS.npy [--shape R,C] [--json] [-q]`: what a port of a front-end
 * got wrong. The command reads the clip and the port's features and hands them to the engine
 * (diagnose/diagnose.c, which wmel.diagnose() uses too); it prints the differences, ranked,
 * and the residual before and after. Exit: 0 when the port matches, 1 when it differs (or
 * on an error), 2 on a usage error.
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "platform.h"
#include "commands.h"
#include "npyread.h"
#include "diagnose.h"
#include "frontend.h"
#include "input.h"
#include "msg.h"
#include "wmel.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit statuses: 0 matches, 1 differs, 2 usage errors, and this one: not diagnosed. */
#define DIAGNOSE_ERROR 3

const char DIAGNOSE_HELP[] =
    "wmel diagnose --preset NAME --audio IN --features THEIRS.npy [options]\n"
    "    what a port of a front-end got wrong: the plan's fields it differs in, ranked by\n"
    "    the error each explains, with the residual before and after\n"
    "      --preset NAME      the front-end the port claims (wmel presets lists them)\n"
    "      --plan FILE.json   or a plan's JSON file (docs/frontends.md)\n"
    "      --hf-config PATH   or a transformers feature extractor's configuration\n"
    "      --audio IN         the clip the port computed its features of\n"
    "      --features F       the port's features: .npy (float16/32/64), or raw float32\n"
    "                         little-endian with --shape\n"
    "      --shape R,C        the raw file's shape (axes separated by commas)\n"
    "      --json             one JSON object: matches, differences, residual_before, ...\n"
    "      -q, --quiet        no warnings on stderr\n"
    "    exit 0 the port matches, 1 it differs, 2 usage errors, 3 not diagnosed (an\n"
    "    unreadable file, features no layout reconciles with the plan)\n";

/* A .npy of float16, float32 or float64 (little-endian, C order, 1 to 3 axes, not empty) as
 * float32. */
static int read_npy(const char *path, float **x, size_t *count, size_t *shape, int *ndim, char *err, size_t err_len)
{
    cli_npy n;
    *x = NULL;
    if (cli_npy_read(path, &n, NULL, err, err_len)) return -1;
    int rc = -1;
    if (n.fortran)
        snprintf(err, err_len, "%s: a Fortran-order array: save it with np.ascontiguousarray", path);
    else if (n.ndim > 3)
        snprintf(err, err_len, "%s: shape not understood (at most 3 axes)", path);
    else if (n.count == 0)
        snprintf(err, err_len, "%s: empty array", path);
    else if (!(*x = malloc(n.count * sizeof **x)))
        snprintf(err, err_len, "%s: out of memory", path);
    else {
        for (size_t i = 0; i < n.count; i++) (*x)[i] = (float)cli_npy_at(&n, i);
        *ndim = n.ndim;
        *count = n.count;
        memcpy(shape, n.shape, (size_t)n.ndim * sizeof *shape);
        rc = 0;
    }
    cli_npy_free(&n);
    return rc;
}

static int read_raw(const char *path, const size_t *shape, int ndim, float **x, size_t *n_x, char *err, size_t err_len)
{
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        if (count > SIZE_MAX / sizeof(float) / shape[i]) { /* shape[i] >= 1: --shape's parser */
            snprintf(err, err_len, "--shape %zu", shape[0]);
            for (int j = 1; j < ndim; j++) {
                size_t l = strlen(err);
                snprintf(err + l, err_len - l, ",%zu", shape[j]);
            }
            size_t l = strlen(err);
            snprintf(err + l, err_len - l, ": more values than any file holds (the product of the axes overflows)");
            return -1;
        }
        count *= shape[i];
    }
    *n_x = count;
    FILE *f = cli_fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    /* the file's size first: a shape far larger than the file allocates nothing */
    long long fsize = -1;
    if (fseek(f, 0, SEEK_END) == 0) {
        fsize = (long long)ftell(f);
        rewind(f);
    }
    if (fsize >= 0 && (unsigned long long)fsize != (unsigned long long)count * sizeof **x) {
        fclose(f);
        snprintf(err, err_len, "%s: holds %lld bytes, not the %zu float32 values (%zu bytes) of --shape", path, fsize, count,
                 count * sizeof **x);
        return -1;
    }
    *x = malloc(count * sizeof **x);
    if (!*x) {
        fclose(f);
        snprintf(err, err_len, "%s: out of memory for %zu float32 values", path, count);
        return -1;
    }
    size_t got = fread(*x, sizeof **x, count, f);
    int extra = fgetc(f) != EOF;
    fclose(f);
    if (got != count || extra) {
        snprintf(err, err_len, "%s: holds %s float32 values than --shape's %zu", path, got != count ? "fewer" : "more",
                 count);
        free(*x);
        *x = NULL;
        return -1;
    }
    return 0;
}

int cmd_diagnose(int argc, char **argv)
{
    const char *audio_path = NULL, *feat_path = NULL, *shape_text = NULL;
    int json = 0, quiet = 0, pr;
    cli_fe fe;
    cli_fe_init(&fe);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((pr = cli_fe_opt(a, v, &fe)) != 0) {
            if (pr == 2) return 2;
            if (pr == 1) i++;
        } else if (!strcmp(a, "--audio") || !strcmp(a, "--features") || !strcmp(a, "--shape")) {
            if (!v) {
                cli_msg("wmel: diagnose: %s needs a value", a);
                return 2;
            }
            *(a[2] == 'a' ? &audio_path : a[2] == 'f' ? &feat_path : &shape_text) = v;
            i++;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else {
            cli_msg("wmel: diagnose: unknown argument '%s' (see wmel diagnose --help)", a);
            return 2;
        }
    }
    if (!audio_path || !feat_path)
        return cli_usage("diagnose: --audio IN and --features THEIRS.npy are needed (see wmel diagnose --help)");
    if (!fe.preset && !fe.plan_file && !fe.hf_config && !fe.frontend_given)
        return cli_usage("diagnose: name the front-end the port claims: --preset NAME, --plan FILE.json or --hf-config PATH");
    size_t shape[3];
    int ndim = 0;
    if (shape_text) {
        const char *p = shape_text;
        while (*p) {
            char *end;
            errno = 0;
            unsigned long long v = *p >= '0' && *p <= '9' ? strtoull(p, &end, 10) : (end = (char *)p, 0);
            if (end == p || v == 0 || errno == ERANGE || ndim >= 3 || (*end && *end != ','))
                return cli_usage("diagnose: --shape takes R,C (positive counts, at most 3 axes)");
            if (v > SIZE_MAX) { /* a count this build's sizes cannot hold (32-bit): as a product that wraps */
                cli_msg("wmel: diagnose: --shape %s: more values than any file holds (the product of the axes "
                        "overflows)", shape_text);
                return DIAGNOSE_ERROR;
            }
            shape[ndim++] = (size_t)v;
            p = *end ? end + 1 : end;
        }
        if (!ndim) return cli_usage("diagnose: --shape takes R,C");
    }
    wmel_frontend_plan plan;
    if (cli_fe_plan(&fe, &plan)) return 2;
    if (fe.hf_cols && !quiet)
        cli_msg("wmel: diagnose: %s: its per-column values are left out: the port's features are held against the plan alone",
                cli_fe_label(&fe));
    char err[1024];
    float *pcm = NULL, *x = NULL;
    size_t n = 0, n_x = 0;
    int rc = DIAGNOSE_ERROR;
    if (cli_load_input(audio_path, &pcm, &n, quiet, 0, err, sizeof err)) {
        cli_msg("wmel: diagnose: %s", err);
        return DIAGNOSE_ERROR;
    }
    if (shape_text ? read_raw(feat_path, shape, ndim, &x, &n_x, err, sizeof err)
                   : read_npy(feat_path, &x, &n_x, shape, &ndim, err, sizeof err)) {
        cli_msg("wmel: diagnose: %s", err);
        goto done;
    }
    wmel_dg_result r;
    if (wmel_dg_run(&plan, pcm, n, x, n_x, shape, ndim, NULL, NULL, &r, err, sizeof err)) {
        cli_msg("wmel: diagnose: %s", err);
        goto done;
    }
    char text[8192];
    if ((json ? wmel_dg_json(&r, text, sizeof text) : wmel_dg_text(&r, text, sizeof text)) < 0) {
        cli_msg("wmel: diagnose: the report does not fit");
        goto done;
    }
    fputs(text, stdout);
    if (json) fputs("\n", stdout);
    rc = r.matches ? 0 : 1;
done:
    free(pcm);
    free(x);
    return rc;
}
