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
#include "out.h"
#include "readall.h"
#ifndef _WIN32
#include "vectors.h" /* cli_json: the packs' manifests */
#endif
#include "wmel.h"
#include "../src/printf_fmt.h" /* WMEL_PRINTF_FMT */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Exit statuses: 0 matches, 1 differs, 2 usage errors, and this one: not diagnosed. */
#define DIAGNOSE_ERROR 3

const char DIAGNOSE_HELP[] =
    "wmel diagnose --preset NAME --audio IN --features THEIRS.npy [options]\n"
    "    what a port of a front-end got wrong: the plan's fields it differs in, ranked by\n"
    "    the error each explains, with the residual before and after\n"
    "      --preset NAME      the front-end the port claims (wmel presets lists them)\n"
    "      --plan FILE.json   or a plan's JSON file (docs/frontends.md)\n"
    "      --hf-config PATH   or a transformers feature extractor's configuration\n"
    "      --audio IN         the clip the port computed its features of: an audio file, a\n"
    "                         .npy of samples (float32/64, int16; 1-D or (1, n)), raw\n"
    "                         float32 (.f32, at the plan's rate), a pack's inputs/*;\n"
    "                         or a pack (wmel vectors) with --features OUTPUTS (its\n"
    "                         <case>.npy): the cases are the clips, the pack's plan the\n"
    "                         claimed one unless named\n"
    "      --features F       the port's features: .npy (float16/bfloat16/32/64, any\n"
    "                         layout, a batch axis of 1), or raw float32 with --shape\n"
    "                         (--audio and --features may be repeated, in pairs: the\n"
    "                         answer is fitted on the first and checked on the others)\n"
    "      --shape R,C        the raw file's shape (axes separated by commas)\n"
    "      --rate HZ          the raw or .npy clip's rate (must be the plan's)\n"
    "      --emit-plan FILE   write the plan that reproduces the port (wmel mel --plan\n"
    "                         FILE computes the port's features); a file wmel diagnose did\n"
    "                         not write is replaced only with --force\n"
    "      --force            replace FILE whoever wrote it\n"
    "      --json             one JSON object: matches, differences, residual_before, ...\n"
    "      -q, --quiet        no warnings on stderr\n"
    "    exit 0 the port matches, 1 it differs, 2 usage errors, 3 not diagnosed (an\n"
    "    unreadable file, features no layout reconciles with the plan)\n";

/* A .npy of float16, bfloat16, float32 or float64 (little-endian, C order, 1 to 3 axes, not
 * empty) as float32. */
static int read_npy(const char *path, float **x, size_t *count, size_t *shape, int *ndim, char *err, size_t err_len)
{
    cli_npy n;
    *x = NULL;
    if (cli_npy_read_more(path, &n, err, err_len)) return -1;
    if (n.kind == 1) {
        cli_npy_free(&n);
        snprintf(err, err_len, "%s: int16 values: features are floating point", path);
        return -1;
    }
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

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

/* The rate of a pack's input (PACK/inputs/NAME): the manifest's "sample_rate"; 0 when the
   file is not in a pack. */
static long pack_rate(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash - path < 6 || strncmp(slash - 6, "inputs", 6) || (slash - path > 6 && slash[-7] != '/')) return 0;
    char man[4096];
    int k = snprintf(man, sizeof man, "%.*smanifest.json", (int)(slash - 6 - path), path);
    if (k < 0 || (size_t)k >= sizeof man) return 0;
    FILE *f = cli_fopen(man, "rb");
    if (!f) return 0;
    char buf[65536];
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = 0;
    const char *p = strstr(buf, "\"sample_rate\"");
    if (!p || !(p = strchr(p, ':'))) return 0;
    return strtol(p + 1, NULL, 10);
}

/* The clip: an audio file (the decoder), samples in a .npy (float16/32/64 or int16 as
   x / 32768; 1-D, (1, n) or (n, 1)), raw float32 (.f32, .raw) at the plan's rate. rate: --rate
   (0 none); a pack's input takes the manifest's. */
static int load_clip(const char *path, int plan_rate, long rate, int quiet, float **pcm, size_t *n, char *err,
                     size_t err_len)
{
    int npy = ends_with(path, ".npy"), raw = ends_with(path, ".f32") || ends_with(path, ".raw");
    long pr = npy || raw ? pack_rate(path) : 0;
    if ((npy || raw) && ((rate && rate != plan_rate) || (pr && pr != plan_rate))) {
        snprintf(err, err_len, "%s: samples at %ld Hz, the plan's rate is %d Hz: resample the clip (or give an audio "
                 "file, which the decoder resamples)", path, rate ? rate : pr, plan_rate);
        return -1;
    }
    if (!npy) return cli_load_input(path, pcm, n, quiet, raw, err, err_len) ? -1 : 0;
    cli_npy a;
    if (cli_npy_read_more(path, &a, err, err_len)) return -1;
    int rc = -1;
    size_t len = a.count;
    int one = a.ndim == 1 || (a.ndim == 2 && (a.shape[0] == 1 || a.shape[1] == 1));
    if (a.fortran && a.ndim > 1 && !one)
        snprintf(err, err_len, "%s: a Fortran-order array: save it with np.ascontiguousarray", path);
    else if (!one)
        snprintf(err, err_len, "%s: samples of %d axes: one clip's samples are needed (1-D or (1, n))", path, a.ndim);
    else if (len == 0)
        snprintf(err, err_len, "%s: no samples", path);
    else if (!(*pcm = malloc(len * sizeof **pcm)))
        snprintf(err, err_len, "%s: out of memory", path);
    else {
        double k = a.kind == 1 ? 1.0 / 32768 : 1.0;
        for (size_t i = 0; i < len; i++) (*pcm)[i] = (float)(cli_npy_at(&a, i) * k);
        *n = len;
        rc = 0;
    }
    cli_npy_free(&a);
    return rc;
}

/* Whether the file at path may be replaced: absent, or a plan wmel diagnose wrote (its
   "notes" start with NOTE_TAG), or force. */
#define NOTE_TAG "wmel diagnose"
static int may_replace(const char *path, int force)
{
    FILE *f = cli_fopen(path, "rb");
    if (!f) return 1;
    char buf[WMEL_PLAN_JSON_MAX + 1024], note[512];
    size_t got = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (force) return 1;
    return got < sizeof buf && wmel_plan_json_meta(buf, got, "notes", note, sizeof note) == 0 &&
           !strncmp(note, NOTE_TAG, strlen(NOTE_TAG));
}

static int emit_plan(const char *path, const wmel_frontend_plan *plan, const char *features, char *err, size_t err_len)
{
    char pj[WMEL_PLAN_JSON_MAX], note[1024], text[WMEL_PLAN_JSON_MAX + 1200];
    if (wmel_plan_to_json(plan, pj, sizeof pj, err, err_len)) return -1;
    char *end = strrchr(pj, '}');
    if (!end) {
        snprintf(err, err_len, "the plan's JSON");
        return -1;
    }
    *end = 0;
    size_t l = strlen(pj);
    while (l && (pj[l - 1] == '\n' || pj[l - 1] == ' ')) pj[--l] = 0;
    /* the features' name as a JSON string's characters */
    size_t k = 0;
    for (const char *c = features; *c && k + 8 < 600; c++) {
        if (*c == '"' || *c == '\\') note[k++] = '\\';
        note[k++] = (unsigned char)*c < 0x20 ? '?' : *c;
    }
    note[k] = 0;
    snprintf(text, sizeof text, "%s,\n  \"notes\": \"%s: the plan that reproduces %s\"\n}\n", pj, NOTE_TAG, note);
    cli_out o;
    if (cli_out_open(&o, path, 0, err, err_len)) return -1;
    if (fputs(text, o.f) < 0) {
        cli_out_abort(&o);
        snprintf(err, err_len, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return cli_out_commit(&o, err, err_len) ? -1 : 0;
}

enum { MAX_CLIPS = 64 };

/* Appends to the report (cap bytes): the length never passes cap - 1, whatever is cut. */
static void tput(char *buf, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void tput(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len >= cap - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (k > 0) *len = *len + (size_t)k < cap - 1 ? *len + (size_t)k : cap - 1;
}
/* A path as a JSON string's characters. */
static void tput_str(char *buf, size_t cap, size_t *len, const char *s)
{
    tput(buf, cap, len, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') tput(buf, cap, len, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) tput(buf, cap, len, "\\u%04x", (unsigned char)*s);
        else tput(buf, cap, len, "%c", *s);
    }
    tput(buf, cap, len, "\"");
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

#ifndef _WIN32
/* 1 when the pack's expected output (PACK/expected) holds no value and the port's output
   (path) none either: a case with no frames (an input shorter than a frame) answered alike,
   with nothing to diagnose. */
static int npy_empty_pair(const char *pack, const char *expected, const char *path)
{
    if (!expected || strstr(expected, "..") || expected[0] == '/') return 0;
    char ep[4096];
    if (snprintf(ep, sizeof ep, "%s/%s", pack, expected) >= (int)sizeof ep) return 0;
    cli_npy a;
    char err[256];
    if (cli_npy_read(ep, &a, NULL, err, sizeof err)) return 0;
    const size_t ec = a.count;
    cli_npy_free(&a);
    if (ec) return 0;
    if (cli_npy_read_more(path, &a, err, sizeof err)) return 0;
    const size_t pc = a.count;
    cli_npy_free(&a);
    return pc == 0;
}
#endif

/* A pack (`wmel vectors`) as the clips: each case of PACK/manifest.json with an expected
   output and not a stream's, whose OUTPUTS/<case>.npy the port wrote, the speech case first
   (a case whose expected output and the port's are both empty left out: no frames);
   the claimed plan, when none was named, the manifest's. Paths into au/ft (*n of them,
   PACK_PATH bytes each); plan_text (cap bytes) gets the manifest's plan as JSON. 0, or -1 with
   err. */
enum { PACK_PATH = 1024 };
static int pack_clips(const char *pack, const char *outs, char (*au)[PACK_PATH], char (*ft)[PACK_PATH], int *n,
                      char *plan_text, size_t cap, char *err, size_t err_len)
{
#ifdef _WIN32 /* the Windows build has no wmel vectors (cli/cmd_windows_only.c): no packs either */
    (void)outs, (void)au, (void)ft, (void)n, (void)plan_text, (void)cap;
    snprintf(err, err_len, "%s: packs (wmel vectors) are not part of the Windows build; give the pack's "
             "inputs and outputs as --audio and --features", pack);
    return -1;
#else
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", pack);
    FILE *f = cli_fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: not a pack of wmel vectors (no manifest.json)", pack);
        return -1;
    }
    size_t len = 0;
    char *text = cli_read_all(f, CLI_PACK_MANIFEST_MAX, &len);
    fclose(f);
    cli_json m;
    if (!text || cli_json_parse(text, len, &m, err, err_len)) {
        if (!text) snprintf(err, err_len, "%s: cannot read", path);
        free(text);
        return -1;
    }
    free(text);
    int rc = -1;
    const cli_json *cases = cli_json_get(&m, "cases"), *plan = cli_json_get(&m, "plan");
    plan_text[0] = 0;
    if (plan && plan->type == CLI_J_OBJ) { /* a flat object: its scalars as JSON */
        size_t l = 0;
        l += (size_t)snprintf(plan_text + l, cap - l, "{");
        for (size_t i = 0; i < plan->n && l < cap; i++) {
            const cli_json *v = &plan->kids[i];
            if (v->type != CLI_J_STR && v->type != CLI_J_NUM && v->type != CLI_J_BOOL) continue;
            l += (size_t)snprintf(plan_text + l, cap - l, "%s\"%s\": ", l > 1 ? ", " : "", plan->keys[i]);
            if (l >= cap) break;
            if (v->type == CLI_J_STR) l += (size_t)snprintf(plan_text + l, cap - l, "\"%s\"", v->str);
            else if (v->type == CLI_J_BOOL) l += (size_t)snprintf(plan_text + l, cap - l, "%s", v->num ? "true" : "false");
            else l += (size_t)snprintf(plan_text + l, cap - l, "%.17g", v->num);
        }
        if (l < cap) snprintf(plan_text + l, cap - l, "}");
        if (l >= cap) plan_text[0] = 0;
    }
    if (!cases || cases->type != CLI_J_ARR) {
        snprintf(err, err_len, "%s: no cases", path);
        goto out;
    }
    *n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cases->n; i++) {
            const cli_json *c = &cases->kids[i];
            const char *name = cli_json_str(c, "name"), *in = cli_json_str(c, "input"), *kind = cli_json_str(c, "kind");
            if (!name || !in || !cli_json_get(c, "expected") || (kind && !strcmp(kind, "stream"))) continue;
            if (strchr(name, '/') || name[0] == '.' || strstr(in, "..") || in[0] == '/') continue; /* plain names only */
            if ((pass == 0) != !strcmp(name, "speech")) continue;
            snprintf(path, sizeof path, "%s/%s.npy", outs, name);
            struct stat st;
            if (stat(path, &st) != 0 || *n >= MAX_CLIPS) continue;
            if (npy_empty_pair(pack, cli_json_str(c, "expected"), path)) continue; /* no frames, as the pack has it */
            if (strlen(path) >= PACK_PATH || strlen(pack) + strlen(in) + 2 > PACK_PATH) {
                snprintf(err, err_len, "%s: a path longer than %d bytes", pack, PACK_PATH - 1);
                goto out;
            }
            size_t lp = strlen(pack), li = strlen(in);
            memcpy(au[*n], pack, lp);
            au[*n][lp] = '/';
            memcpy(au[*n] + lp + 1, in, li + 1);
            memcpy(ft[*n], path, strlen(path) + 1);
            (*n)++;
        }
    if (*n == 0) snprintf(err, err_len, "%s: no case's output (OUTPUTS/<case>.npy) in %s", pack, outs);
    else rc = 0;
out:
    cli_json_free(&m);
    return rc;
#endif
}

int cmd_diagnose(int argc, char **argv)
{
    const char *audio_paths[MAX_CLIPS], *feat_paths[MAX_CLIPS], *shape_text = NULL, *emit_path = NULL;
    int n_audio = 0, n_feats = 0, force = 0;
    long rate = 0;
    int json = 0, quiet = 0, pr;
    cli_fe fe;
    cli_fe_init(&fe);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((pr = cli_fe_opt(a, v, &fe)) != 0) {
            if (pr == 2) return 2;
            if (pr == 1) i++;
        } else if (!strcmp(a, "--audio") || !strcmp(a, "--features") || !strcmp(a, "--shape") ||
                   !strcmp(a, "--emit-plan") || !strcmp(a, "--rate")) {
            if (!v) {
                cli_msg("wmel: diagnose: %s needs a value", a);
                return 2;
            }
            i++;
            if (a[2] == 'a' || a[2] == 'f') {
                int *cnt = a[2] == 'a' ? &n_audio : &n_feats;
                if (*cnt >= MAX_CLIPS) {
                    cli_msg("wmel: diagnose: at most %d clips (%s)", MAX_CLIPS, a);
                    return 2;
                }
                (a[2] == 'a' ? audio_paths : feat_paths)[(*cnt)++] = v;
            } else if (a[2] == 'e') {
                emit_path = v;
            } else if (a[2] == 'r') {
                char *end;
                errno = 0;
                rate = strtol(v, &end, 10);
                if (end == v || *end || errno || rate < 1000 || rate > 384000)
                    return cli_usage("diagnose: --rate takes a rate in Hz, 1000 to 384000");
            } else {
                shape_text = v;
            }
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else {
            cli_msg("wmel: diagnose: unknown argument '%s' (see wmel diagnose --help)", a);
            return 2;
        }
    }
    if (!n_audio || !n_feats)
        return cli_usage("diagnose: --audio IN and --features THEIRS.npy are needed (see wmel diagnose --help)");
    static char pack_au[MAX_CLIPS][PACK_PATH], pack_ft[MAX_CLIPS][PACK_PATH], pack_plan[8192];
    int n_pack = 0, pack_plan_given = 0;
    wmel_frontend_plan pack_plan_value;
    if (n_audio == 1 && n_feats == 1 && is_dir(audio_paths[0])) { /* a pack and the port's outputs */
        char perr[1024];
        if (!is_dir(feat_paths[0])) return cli_usage("diagnose: --audio PACK takes --features OUTPUTS (a folder of <case>.npy)");
        if (pack_clips(audio_paths[0], feat_paths[0], pack_au, pack_ft, &n_pack, pack_plan, sizeof pack_plan, perr,
                       sizeof perr)) {
            cli_msg("wmel: diagnose: %s", perr);
            return DIAGNOSE_ERROR;
        }
        for (int k = 0; k < n_pack; k++) audio_paths[k] = pack_au[k], feat_paths[k] = pack_ft[k];
        n_audio = n_feats = n_pack;
        if (!fe.preset && !fe.plan_file && !fe.hf_config && !fe.frontend_given && pack_plan[0]) {
            wmel_frontend_plan pp;
            char m2[512];
            if (wmel_plan_from_json(pack_plan, strlen(pack_plan), &pp, m2, sizeof m2)) {
                cli_msg("wmel: diagnose: the pack's plan: %s", m2);
                return DIAGNOSE_ERROR;
            }
            pack_plan_given = 1;
            pack_plan_value = pp;
        }
    }
    if (n_audio != n_feats)
        return cli_usage("diagnose: --audio and --features come in pairs: one port's features of each clip");
    if (emit_path) {
        const char *outs[1] = {emit_path};
        const char *ins[2 * MAX_CLIPS];
        for (int k = 0; k < n_audio; k++) ins[2 * k] = audio_paths[k], ins[2 * k + 1] = feat_paths[k];
        if (cli_check_files(outs, 1, ins, 2 * n_audio)) return 2;
        if (!may_replace(emit_path, force)) {
            cli_msg("wmel: diagnose: %s exists and is not a plan wmel diagnose wrote: --force replaces it, or choose "
                    "another name", emit_path);
            return 2;
        }
    }
    if (!fe.preset && !fe.plan_file && !fe.hf_config && !fe.frontend_given && !pack_plan_given)
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
    if (pack_plan_given) plan = pack_plan_value;
    else if (cli_fe_plan(&fe, &plan)) return 2;
    if (fe.hf_cols && !quiet)
        cli_msg("wmel: diagnose: %s: its per-column values are left out: the port's features are held against the plan alone",
                cli_fe_label(&fe));
    char err[1024];
    float *pcm = NULL, *x = NULL;
    size_t n = 0, n_x = 0;
    int rc = DIAGNOSE_ERROR;
    char *text = NULL;
    const size_t text_cap = 65536;
    if (load_clip(audio_paths[0], plan.sample_rate, rate, quiet, &pcm, &n, err, sizeof err)) {
        cli_msg("wmel: diagnose: %s", err);
        return DIAGNOSE_ERROR;
    }
    size_t shape0[3];
    int ndim0 = ndim;
    memcpy(shape0, shape, sizeof shape);
    if (shape_text ? read_raw(feat_paths[0], shape, ndim, &x, &n_x, err, sizeof err)
                   : read_npy(feat_paths[0], &x, &n_x, shape, &ndim, err, sizeof err)) {
        cli_msg("wmel: diagnose: %s", err);
        goto done;
    }
    wmel_dg_result r;
    if (wmel_dg_run(&plan, pcm, n, x, n_x, shape, ndim, NULL, NULL, &r, err, sizeof err)) {
        cli_msg("wmel: diagnose: %s", err);
        goto done;
    }
    text = malloc(text_cap);
    if (!text || (json ? wmel_dg_json(&r, text, text_cap) : wmel_dg_text(&r, text, text_cap)) < 0) {
        cli_msg("wmel: diagnose: the report does not fit");
        goto done;
    }
    /* the other clips: the answer's plan (the claimed one when the port matches) on each */
    int all_ok = 1;
    const wmel_frontend_plan *answer = r.matches ? &plan : r.has_plan && r.explained ? &r.plan : NULL;
    size_t tl = strlen(text);
    if (json && tl && text[tl - 1] == '}') text[--tl] = 0;
    if (json) tput(text, text_cap, &tl, ", \"clips\": [");
    for (int k = 0; k < n_audio; k++) {
        wmel_dg_check_result ck;
        memset(&ck, 0, sizeof ck);
        const char *st_txt;
        char why[1400] = "";
        if (k == 0) {
            ck.ok = r.matches || r.reproduces;
            ck.max = r.matches ? r.residual_after : r.plan_max;
            ck.excess = r.plan_excess;
        } else {
            float *pk = NULL, *xk = NULL;
            size_t nk = 0, n_xk = 0, shk[3];
            int ndk = ndim0;
            memcpy(shk, shape0, sizeof shk);
            ck.max = ck.excess = NAN;
            /* a match no plan writes (Whisper's clip padded to 30 s before its reflect padding):
               each clip diagnosed on its own, a match with no difference */
            int own = r.matches && !r.has_plan;
            if (!answer) snprintf(why, sizeof why, "no plan to check");
            else if (load_clip(audio_paths[k], plan.sample_rate, rate, quiet, &pk, &nk, why, sizeof why)) {
            } else if (shape_text ? read_raw(feat_paths[k], shk, ndk, &xk, &n_xk, why, sizeof why)
                                  : read_npy(feat_paths[k], &xk, &n_xk, shk, &ndk, why, sizeof why)) {
            } else if (own) {
                wmel_dg_result *rk = malloc(sizeof *rk);
                if (!rk) snprintf(why, sizeof why, "out of memory");
                else if (!wmel_dg_run(&plan, pk, nk, xk, n_xk, shk, ndk, NULL, NULL, rk, why, sizeof why)) {
                    ck.ok = rk->matches && rk->n_diff == 0;
                    ck.max = rk->residual_after;
                    if (!ck.ok) snprintf(why, sizeof why, "diagnosed on its own: %s", rk->n_diff ? rk->diff[0].field : "no match");
                }
                free(rk);
            } else if (wmel_dg_check(answer, pk, nk, xk, n_xk, shk, ndk, r.dtype, &ck, why, sizeof why)) {
            } else if (!ck.ok) {
                snprintf(why, sizeof why, "%s", ck.why);
            }
            free(pk);
            free(xk);
        }
        all_ok &= ck.ok;
        st_txt = ck.ok ? (r.matches ? "matches" : "reproduced") : "differs";
        if (json) {
            tput(text, text_cap, &tl, "%s{\"audio\": ", k ? ", " : "");
            tput_str(text, text_cap, &tl, audio_paths[k]);
            tput(text, text_cap, &tl, ", \"features\": ");
            tput_str(text, text_cap, &tl, feat_paths[k]);
            tput(text, text_cap, &tl, ", \"status\": \"%s\", \"max\": ", st_txt);
            if (isfinite(ck.max)) tput(text, text_cap, &tl, "%.6g", ck.max);
            else tput(text, text_cap, &tl, "null");
            tput(text, text_cap, &tl, ", \"why\": ");
            tput_str(text, text_cap, &tl, ck.ok ? "" : why);
            tput(text, text_cap, &tl, "}");
        } else if (n_audio > 1) {
            tput(text, text_cap, &tl, "clip %d (%s): %s", k + 1, audio_paths[k], st_txt);
            if (isfinite(ck.max)) tput(text, text_cap, &tl, ", max %.3g", ck.max);
            if (!ck.ok && why[0]) tput(text, text_cap, &tl, ": %.600s", why);
            tput(text, text_cap, &tl, "\n");
        }
        if (tl >= text_cap - 16) {
            cli_msg("wmel: diagnose: the report does not fit");
            goto done;
        }
    }
    if (json) tput(text, text_cap, &tl, "]}\n");
    fputs(text, stdout);
    fflush(stdout);
    rc = r.matches && all_ok ? 0 : 1;
    if (emit_path) {
        if (!r.explained || !r.has_plan || !r.reproduces) {
            cli_msg("wmel: diagnose: no plan written to %s: %s", emit_path,
                    r.not_expressible[0] ? r.not_expressible : !r.explained ? "the port is not explained"
                                                                              : "the plan found does not reproduce the port");
            rc = rc ? rc : 1;
        } else if (emit_plan(emit_path, &r.plan, feat_paths[0], err, sizeof err)) {
            cli_msg("wmel: diagnose: %s", err);
            rc = DIAGNOSE_ERROR;
        }
    }
done:
    free(text);
    free(pcm);
    free(x);
    return rc;
}
