/*
 * cmd_diagnose.c -- `wmel diagnose (--preset NAME | --plan FILE.json | --hf-config DIR)
 * --audio IN --features THEIRS.npy [--shape R,C] [--json] [-q]`: what a port of a front-end
 * got wrong. The command reads the clip and the port's features and hands them to the engine
 * (diagnose/diagnose.c, which wmel.diagnose() uses too); it prints the differences, ranked,
 * and the residual before and after. Exit: 0 when the port matches, 1 when it differs and
 * the answer's plan reproduces every clip, 2 on a usage error, 3 when it is not explained or
 * not expressible, or not diagnosed (a file not read, a clip the answer does not reproduce);
 * --emit-plan never changes it.
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
#ifndef _WIN32
#include <fcntl.h>
#include <unistd.h>
#endif

/* Exit statuses: 0 matches, 1 differs, 2 usage errors, and this one: not diagnosed. */
#define DIAGNOSE_ERROR 3

const char DIAGNOSE_HELP[] =
    "wmel diagnose --preset NAME (--audio IN --features F | --probes DIR --outputs OUTDIR) [options]\n"
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
    "      --probes DIR       the probes (wmel probes DIR) as clips too, with --outputs\n"
    "      --outputs OUTDIR   the port's features of each probe, OUTDIR/<stem>.npy: one plan\n"
    "                         is fitted on every clip at once (pairs and probes) and held\n"
    "                         against each; a probe without its output: exit 3, named;\n"
    "                         an empty output (no frames) is left out of the fit, and\n"
    "                         the plan must give no frames of that probe either\n"
    "      --shape R,C        the raw file's shape (axes separated by commas)\n"
    "      --rate HZ          the raw or .npy clip's rate (must be the plan's)\n"
    "      --emit-plan FILE   write the plan that reproduces the port (wmel mel --plan\n"
    "                         FILE computes the port's features), only when it reproduces\n"
    "                         every clip; a file wmel diagnose did not write is replaced\n"
    "                         only with --force; a FIFO or /dev/stdout is written in place\n"
    "      --force            replace FILE whoever wrote it\n"
    "      --max-candidates N the search's work bound: it computes no candidate plan past N\n"
    "                         (default 1500; 6000 for each search of --probes), so an\n"
    "                         answer is the same on any machine\n"
    "      --deterministic    the port gives the same features on every run (no dither\n"
    "                         drawn anew): no dither is proposed\n"
    "      --json             one JSON object: matches, differences, residual_before, ...\n"
    "      -q, --quiet        no warnings on stderr\n"
    "    exit 0 the port matches; 1 it differs and the answer's plan reproduces every\n"
    "    clip; 2 usage errors; 3 not explained or not expressible, or not diagnosed (an\n"
    "    unreadable file, features no layout reconciles with the plan, a clip the answer\n"
    "    does not reproduce), the reason on stderr and no plan written. --emit-plan never\n"
    "    changes the exit status\n";

/* A .npy of float16, bfloat16, float32 or float64 (little-endian, C order, 1 to 3 axes, or 4
 * whose first is 1 (PANNs' (1, 1, T, F)), not empty) as float32. */
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
    while (n.ndim > 3 && n.shape[0] == 1) { /* (1, 1, T, F): a batch and a channel axis, a layout */
        memmove(n.shape, n.shape + 1, (size_t)(n.ndim - 1) * sizeof n.shape[0]);
        n.ndim--;
    }
    if (n.fortran)
        snprintf(err, err_len, "%s: a Fortran-order array: save it with np.ascontiguousarray", path);
    else if (n.ndim > 3)
        snprintf(err, err_len, "%s: shape not understood (at most 3 axes, or more whose leading ones are 1)", path);
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
    if (a.kind == 2) /* bfloat16 (|V2): features take it, samples are not stored so */
        snprintf(err, err_len, "%s: bfloat16 values: samples are float32, float64 or int16 (save the clip "
                 "as float32)", path);
    else if (a.fortran && a.ndim > 1 && !one)
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

/* Whether --emit-plan's target may be written: 1 with force, for a name not taken, for a
   target written in place (a FIFO, a device, /dev/stdout: nothing is replaced, and nothing
   is read from it: reading a pipe would wait for a writer), and for a plan wmel diagnose
   wrote (a regular file whose "notes" start with NOTE_TAG: their first bytes read); 0 for
   another file; -1 (errno set) when the file cannot be read to tell. */
#define NOTE_TAG "wmel diagnose"
static int may_replace(const char *path, int force)
{
    cli_stat_t st;
    if (force || cli_out_in_place(path) || cli_stat(path, &st) != 0) return 1;
    if (!S_ISREG(st.st_mode)) return 0;
    char buf[WMEL_PLAN_JSON_MAX + 1024], note[64];
    size_t got = 0;
#ifdef _WIN32
    FILE *f = cli_fopen(path, "rb");
    if (!f) return -1;
    got = fread(buf, 1, sizeof buf, f);
    fclose(f);
#else
    /* opened without waiting and checked once open: a FIFO put there meanwhile is not read */
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat fs;
    if (fstat(fd, &fs) != 0 || !S_ISREG(fs.st_mode)) {
        close(fd);
        return 1;
    }
    for (ssize_t k; got < sizeof buf && (k = read(fd, buf + got, sizeof buf - got)) != 0;) {
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            const int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        got += (size_t)k;
    }
    close(fd);
#endif
    if (got >= sizeof buf) return 0; /* longer than any plan diagnose writes */
    const int m = wmel_plan_json_meta(buf, got, "notes", note, sizeof note);
    return (m == WMEL_OK || m == WMEL_ERR_BUFFER_TOO_SMALL) && !strncmp(note, NOTE_TAG, strlen(NOTE_TAG));
}

/* The features' name as a JSON string's characters (dst: NOTE_NAME + 1 bytes), valid UTF-8
   whatever the name's bytes: a byte that is not UTF-8 and a control as \xNN (as messages
   show them, cli_escape); a name longer than NOTE_NAME bytes keeps its end after "…", cut
   between characters. */
enum { NOTE_NAME = 400 };
static void note_name(char *dst, const char *name)
{
    const size_t len = strlen(name);
    char *e = malloc(4 * len + 1);
    if (!e) {
        snprintf(dst, NOTE_NAME + 1, "the port's features");
        return;
    }
    cli_escape(e, 4 * len + 1, name);
    const size_t el = strlen(e);
    size_t cost = 0, start = 0, k = 0;
    for (size_t i = 0; i < el; i++) cost += e[i] == '"' || e[i] == '\\' ? 2 : 1;
    if (cost > NOTE_NAME) { /* the end that fits after the 3 bytes of "…" */
        cost = 3;
        for (start = el; start > 0; start--) {
            const size_t c = e[start - 1] == '"' || e[start - 1] == '\\' ? 2 : 1;
            if (cost + c > NOTE_NAME) break;
            cost += c;
        }
        while (start < el && ((unsigned char)e[start] & 0xc0) == 0x80) start++;
        memcpy(dst, "\xe2\x80\xa6", 3);
        k = 3;
    }
    for (size_t i = start; i < el; i++) {
        if (e[i] == '"' || e[i] == '\\') dst[k++] = '\\';
        dst[k++] = e[i];
    }
    dst[k] = 0;
    free(e);
}

static int emit_plan(const char *path, const wmel_frontend_plan *plan, const char *features, char *err, size_t err_len)
{
    char pj[WMEL_PLAN_JSON_MAX], note[NOTE_NAME + 1], text[WMEL_PLAN_JSON_MAX + 1200];
    if (wmel_plan_to_json(plan, pj, sizeof pj, err, err_len)) return -1;
    char *end = strrchr(pj, '}');
    if (!end) {
        snprintf(err, err_len, "the plan's JSON");
        return -1;
    }
    *end = 0;
    size_t l = strlen(pj);
    while (l && (pj[l - 1] == '\n' || pj[l - 1] == ' ')) pj[--l] = 0;
    note_name(note, features);
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

/* The command line. */
typedef struct dg_args {
    const char *audio[MAX_CLIPS], *feats[MAX_CLIPS], *shape_text, *emit, *probes, *outputs;
    int n_audio, n_feats, force, json, quiet, ndim;
    int n_pairs; /* the --audio/--features pairs; the probes' clips follow them */
    const char *none_audio[MAX_CLIPS]; /* the probes the port gave no frames for (an empty .npy), */
    const char *none_stem[MAX_CLIPS];  /* left out of the fit and asked of the answer's plan after it */
    int n_none;
    long rate;
    size_t shape[3]; /* --shape's axes (ndim of them) */
    wmel_dg_opts opts; /* --max-candidates, --deterministic */
    cli_fe fe;
} dg_args;

/* The options into a: -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, dg_args *a)
{
    memset(a, 0, sizeof *a);
    cli_fe_init(&a->fe);
    int pr;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((pr = cli_fe_opt(o, v, &a->fe)) != 0) {
            if (pr == 2) return 2;
            if (pr == 1) i++;
        } else if (!strcmp(o, "--audio") || !strcmp(o, "--features") || !strcmp(o, "--shape") ||
                   !strcmp(o, "--emit-plan") || !strcmp(o, "--rate") || !strcmp(o, "--max-candidates") ||
                   !strcmp(o, "--probes") || !strcmp(o, "--outputs")) {
            if (!v) {
                cli_msg("wmel: diagnose: %s needs a value", o);
                return 2;
            }
            i++;
            if (!strcmp(o, "--probes") || !strcmp(o, "--outputs")) {
                *(o[2] == 'p' ? &a->probes : &a->outputs) = v;
            } else if (o[2] == 'a' || o[2] == 'f') {
                int *cnt = o[2] == 'a' ? &a->n_audio : &a->n_feats;
                if (*cnt >= MAX_CLIPS) {
                    cli_msg("wmel: diagnose: at most %d clips (%s)", MAX_CLIPS, o);
                    return 2;
                }
                (o[2] == 'a' ? a->audio : a->feats)[(*cnt)++] = v;
            } else if (o[2] == 'e') {
                a->emit = v;
            } else if (o[2] == 'm') {
                char *end;
                errno = 0;
                unsigned long long m = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : (end = (char *)v, 0);
                if (end == v || *end || errno || m < 1 || m > 1000000)
                    return cli_usage("diagnose: --max-candidates takes a count of candidate plans, 1 to 1000000");
                a->opts.max_candidates = (size_t)m;
            } else if (o[2] == 'r') {
                char *end;
                errno = 0;
                a->rate = strtol(v, &end, 10);
                if (end == v || *end || errno || a->rate < 1000 || a->rate > 384000)
                    return cli_usage("diagnose: --rate takes a rate in Hz, 1000 to 384000");
            } else {
                a->shape_text = v;
            }
        } else if (!strcmp(o, "--force")) {
            a->force = 1;
        } else if (!strcmp(o, "--deterministic")) {
            a->opts.deterministic = 1;
        } else if (!strcmp(o, "--json")) {
            a->json = 1;
        } else if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) {
            a->quiet = 1;
        } else {
            cli_msg("wmel: diagnose: unknown argument '%s' (see wmel diagnose --help)", o);
            return 2;
        }
    }
    if (!a->probes != !a->outputs)
        return cli_usage("diagnose: --probes DIR and --outputs OUTDIR come together: the probes (wmel probes DIR) and "
                         "the port's features of each (OUTDIR/<stem>.npy)");
    if ((!a->n_audio || !a->n_feats) && !a->probes)
        return cli_usage("diagnose: --audio IN and --features THEIRS.npy (or --probes DIR --outputs OUTDIR) are needed "
                         "(see wmel diagnose --help)");
    return -1;
}

/* --shape R,C into a->shape: -1 to go on, else the exit status. */
static int parse_shape(dg_args *a)
{
    const char *p = a->shape_text;
    if (!p) return -1;
    while (*p) {
        char *end;
        errno = 0;
        unsigned long long v = *p >= '0' && *p <= '9' ? strtoull(p, &end, 10) : (end = (char *)p, 0);
        if (end == p || v == 0 || errno == ERANGE || a->ndim >= 3 || (*end && *end != ','))
            return cli_usage("diagnose: --shape takes R,C (positive counts, at most 3 axes)");
        if (v > SIZE_MAX) { /* a count this build's sizes cannot hold (32-bit): as a product that wraps */
            cli_msg("wmel: diagnose: --shape %s: more values than any file holds (the product of the axes "
                    "overflows)", a->shape_text);
            return DIAGNOSE_ERROR;
        }
        a->shape[a->ndim++] = (size_t)v;
        p = *end ? end + 1 : end;
    }
    return a->ndim ? -1 : cli_usage("diagnose: --shape takes R,C");
}

/* --audio PACK --features OUTPUTS: the pack's cases as the clips, its plan into *pp (*given
   set) when none was named. -1 to go on, else the exit status. */
static int take_pack(dg_args *a, wmel_frontend_plan *pp, int *given)
{
    static char pack_au[MAX_CLIPS][PACK_PATH], pack_ft[MAX_CLIPS][PACK_PATH], pack_plan[8192];
    int n_pack = 0;
    *given = 0;
    if (a->n_audio != 1 || a->n_feats != 1 || !is_dir(a->audio[0])) return -1;
    char perr[1024];
    if (!is_dir(a->feats[0])) return cli_usage("diagnose: --audio PACK takes --features OUTPUTS (a folder of <case>.npy)");
    if (pack_clips(a->audio[0], a->feats[0], pack_au, pack_ft, &n_pack, pack_plan, sizeof pack_plan, perr,
                   sizeof perr)) {
        cli_msg("wmel: diagnose: %s", perr);
        return DIAGNOSE_ERROR;
    }
    for (int k = 0; k < n_pack; k++) a->audio[k] = pack_au[k], a->feats[k] = pack_ft[k];
    a->n_audio = a->n_feats = n_pack;
    if (!a->fe.preset && !a->fe.plan_file && !a->fe.hf_config && !a->fe.frontend_given && pack_plan[0]) {
        char m2[512];
        if (wmel_plan_from_json(pack_plan, strlen(pack_plan), pp, m2, sizeof m2)) {
            cli_msg("wmel: diagnose: the pack's plan: %s", m2);
            return DIAGNOSE_ERROR;
        }
        *given = 1;
    }
    return -1;
}

/* Clip k's features (--shape's raw float32, or a .npy) into *x; shape and *ndim as read. */
static int read_features(const dg_args *a, int k, float **x, size_t *n_x, size_t *shape, int *ndim, char *err,
                         size_t err_len)
{
    memcpy(shape, a->shape, sizeof a->shape);
    *ndim = a->ndim;
    return a->shape_text ? read_raw(a->feats[k], shape, *ndim, x, n_x, err, err_len)
                         : read_npy(a->feats[k], x, n_x, shape, ndim, err, err_len);
}

/* Clip k (k >= 1) against the answer (the claimed plan when the port matches; NULL when no
   plan explains clip 1: the clip is read, not checked). 0 with ck set (why: what differs),
   -1 when one of its files could not be read (why says which). */
static int check_clip(const dg_args *a, int k, const wmel_frontend_plan *plan, const wmel_dg_result *r,
                      const wmel_frontend_plan *answer, wmel_dg_check_result *ck, char *why, size_t why_len)
{
    float *pk = NULL, *xk = NULL;
    size_t nk = 0, n_xk = 0, shk[3];
    int ndk = 0, rc = 0;
    memset(ck, 0, sizeof *ck);
    ck->max = ck->excess = NAN;
    if (load_clip(a->audio[k], plan->sample_rate, a->rate, a->quiet, &pk, &nk, why, why_len) ||
        read_features(a, k, &xk, &n_xk, shk, &ndk, why, why_len)) {
        rc = -1;
    } else if (!answer) {
        snprintf(why, why_len, "no plan to check");
    } else if (r->matches && !r->has_plan) {
        /* a match no plan writes (Whisper's clip padded to 30 s before its reflect padding):
           each clip diagnosed on its own, a match with no difference */
        wmel_dg_result *rk = malloc(sizeof *rk);
        if (!rk) snprintf(why, why_len, "out of memory");
        else if (!wmel_dg_run_opts(plan, pk, nk, xk, n_xk, shk, ndk, &a->opts, NULL, NULL, rk, why, why_len)) {
            ck->ok = rk->matches && rk->n_diff == 0;
            ck->max = rk->residual_after;
            if (!ck->ok) snprintf(why, why_len, "diagnosed on its own: %s", rk->n_diff ? rk->diff[0].field : "no match");
        }
        free(rk);
    } else if (wmel_dg_check(answer, pk, nk, xk, n_xk, shk, ndk, r->dtype, ck, why, why_len)) {
    } else if (!ck->ok) {
        snprintf(why, why_len, "%s", ck->why);
    }
    free(pk);
    free(xk);
    return rc;
}

/* Clip k's line of the report (text, cap bytes, *tl used). */
static void report_clip(const dg_args *a, int k, const char *status, const wmel_dg_check_result *ck, const char *why,
                        char *text, size_t cap, size_t *tl)
{
    const int ok = !strcmp(status, "matches") || !strcmp(status, "reproduced");
    if (a->json) {
        tput(text, cap, tl, "%s{\"audio\": ", k ? ", " : "");
        tput_str(text, cap, tl, a->audio[k]);
        tput(text, cap, tl, ", \"features\": ");
        tput_str(text, cap, tl, a->feats[k]);
        tput(text, cap, tl, ", \"status\": \"%s\", \"max\": ", status);
        if (isfinite(ck->max)) tput(text, cap, tl, "%.6g", ck->max);
        else tput(text, cap, tl, "null");
        tput(text, cap, tl, ", \"why\": ");
        tput_str(text, cap, tl, ok ? "" : why);
        tput(text, cap, tl, "}");
    } else if (a->n_audio > 1) {
        tput(text, cap, tl, "clip %d (%s): %s", k + 1, a->audio[k], status);
        if (isfinite(ck->max)) tput(text, cap, tl, ", max %.3g", ck->max);
        if (!ok && why[0]) tput(text, cap, tl, ": %.600s", why);
        tput(text, cap, tl, "\n");
    }
}

/* The clips after the first, checked against the answer, their lines appended to the report.
   The exit status: 0 every clip matches; 1 the port differs, and the answer's plan reproduces
   every clip or no plan explains the first; DIAGNOSE_ERROR (reason set) when a file could not
   be read, or the answer does not reproduce a clip (the first included): no single answer. */
static int check_clips(const dg_args *a, const wmel_frontend_plan *plan, const wmel_dg_result *r, char *text,
                       size_t cap, size_t *tl, char *reason, size_t reason_len)
{
    const wmel_frontend_plan *answer = r->matches ? plan : r->has_plan && r->explained ? &r->plan : NULL;
    int all_ok = 1, bad = -1;
    reason[0] = 0;
    if (a->json) tput(text, cap, tl, ", \"clips\": [");
    for (int k = 0; k < a->n_audio; k++) {
        wmel_dg_check_result ck;
        char why[1400] = "";
        int rd = 0;
        if (k == 0) {
            memset(&ck, 0, sizeof ck);
            ck.ok = r->matches || r->reproduces;
            ck.max = r->matches ? r->residual_after : r->plan_max;
            ck.excess = r->plan_excess;
            if (!ck.ok && answer) snprintf(why, sizeof why, "the plan found does not reproduce it");
        } else {
            rd = check_clip(a, k, plan, r, answer, &ck, why, sizeof why);
        }
        all_ok &= ck.ok;
        report_clip(a, k, rd ? "not read" : ck.ok ? (r->matches ? "matches" : "reproduced") : "differs", &ck, why, text,
                    cap, tl);
        if (bad < 0 && (rd || (answer && !ck.ok))) {
            bad = k;
            if (rd) snprintf(reason, reason_len, "clip %d (%s) could not be read: %.1100s", k + 1, a->audio[k], why);
            else if (k == 0) snprintf(reason, reason_len, "the plan found does not reproduce the port");
            else
                snprintf(reason, reason_len, "clip %d (%s) is not %s by the answer found on clip 1 (%.900s): the clips "
                         "disagree; diagnose it on its own", k + 1, a->audio[k], r->matches ? "matched" : "reproduced", why);
        }
    }
    if (a->json) tput(text, cap, tl, "]}\n");
    if (bad >= 0) return DIAGNOSE_ERROR;
    if (r->matches && all_ok) return 0;
    if (r->explained && r->has_plan && r->reproduces && all_ok) return 1;
    snprintf(reason, reason_len, "%s", r->not_expressible[0] ? r->not_expressible
                                       : !r->explained ? "no plan near the claimed one explains the port"
                                                       : "the plan found does not reproduce the port");
    return DIAGNOSE_ERROR;
}

/* Clip 1 diagnosed, the other clips checked, the report printed, the plan emitted. */
static int diagnose_clips(const dg_args *a, const wmel_frontend_plan *plan)
{
    char err[1024], reason[1600];
    float *pcm = NULL, *x = NULL;
    size_t n = 0, n_x = 0, shape[3];
    int ndim = 0, rc = DIAGNOSE_ERROR;
    char *text = NULL;
    const size_t text_cap = 65536;
    wmel_dg_result r;
    if (load_clip(a->audio[0], plan->sample_rate, a->rate, a->quiet, &pcm, &n, err, sizeof err) ||
        read_features(a, 0, &x, &n_x, shape, &ndim, err, sizeof err) ||
        wmel_dg_run_opts(plan, pcm, n, x, n_x, shape, ndim, &a->opts, NULL, NULL, &r, err, sizeof err)) {
        cli_msg("wmel: diagnose: %s", err);
        goto done;
    }
    text = malloc(text_cap);
    if (!text || (a->json ? wmel_dg_json(&r, text, text_cap) : wmel_dg_text(&r, text, text_cap)) < 0) {
        cli_msg("wmel: diagnose: the report does not fit");
        goto done;
    }
    size_t tl = strlen(text);
    if (a->json && tl && text[tl - 1] == '}') text[--tl] = 0;
    const int st = check_clips(a, plan, &r, text, text_cap, &tl, reason, sizeof reason);
    if (tl >= text_cap - 16) {
        cli_msg("wmel: diagnose: the report does not fit");
        goto done;
    }
    fputs(text, stdout);
    fflush(stdout);
    rc = st;
    if (rc == DIAGNOSE_ERROR) {
        if (a->emit) cli_msg("wmel: diagnose: no plan written to %s: %s", a->emit, reason);
        else cli_msg("wmel: diagnose: %s: %s", r.not_expressible[0] ? "not expressible"
                                               : r.explained || r.matches ? "not diagnosed" : "not explained", reason);
    } else if (a->emit && (!r.explained || !r.has_plan || !r.reproduces)) {
        /* (a match no plan writes: Whisper's clip padded to 30 s; the exit status stays 0) */
        cli_msg("wmel: diagnose: no plan written to %s: %s", a->emit,
                r.not_expressible[0] ? r.not_expressible : "the port matches the claimed plan");
    } else if (a->emit && emit_plan(a->emit, &r.plan, a->feats[0], err, sizeof err)) {
        cli_msg("wmel: diagnose: %s", err);
        rc = DIAGNOSE_ERROR;
    }
done:
    free(text);
    free(pcm);
    free(x);
    return rc;
}

/* 1 when path is a .npy holding no value (a port's answer of no frames to a clip shorter
   than its frame), else 0 (a file that cannot be read is read again, and named, with the rest). */
static int npy_empty(const char *path)
{
    cli_npy n;
    char err[64];
    if (cli_npy_read_more(path, &n, err, sizeof err)) return 0;
    const int empty = n.count == 0;
    cli_npy_free(&n);
    return empty;
}

/* The probes the port gave no frames for, asked of the answer's plan (the claimed plan when
   the port matches it): 0 when the plan gives none either (or refuses the clip), else -1 with
   why naming the first probe the plan computes frames of. The report's notes say which were
   left out. */
static int check_none(const dg_args *a, const wmel_frontend_plan *answer, char *notes, size_t notes_len, char *why,
                      size_t why_len)
{
    notes[0] = 0;
    for (int k = 0; k < a->n_none; k++) {
        float *pcm = NULL;
        size_t n = 0;
        wmel_plan_counts c;
        char err[600];
        if (load_clip(a->none_audio[k], answer->sample_rate, a->rate, 1, &pcm, &n, err, sizeof err)) {
            snprintf(why, why_len, "the probe %s could not be read: %.500s", a->none_stem[k], err);
            return -1;
        }
        free(pcm);
        if (wmel_plan_frames(answer, n, &c) == WMEL_OK && c.rows > 0) {
            snprintf(why, why_len, "the port gave no frames for the probe %s (%zu samples) where the plan computes %zu",
                     a->none_stem[k], n, c.rows);
            return -1;
        }
        size_t l = strlen(notes);
        snprintf(notes + l, notes_len - l, "%sthe probe %s (%zu samples) left out: the port and the plan give no frames",
                 l ? "; " : "", a->none_stem[k], n);
    }
    return 0;
}

/* --probes DIR --outputs OUTDIR: each probe (DIR/<stem>.wav) and the port's features of it
   (OUTDIR/<stem>.npy) appended after the pairs. -1 to go on, else the exit status: 2 when
   DIR holds no probes' manifest, 3 naming the probes whose outputs are missing. */
static int take_probes(dg_args *a, const wmel_frontend_plan *plan)
{
    static char pa[MAX_CLIPS][PACK_PATH], pf[MAX_CLIPS][PACK_PATH], pn[MAX_CLIPS][PACK_PATH];
    a->n_pairs = a->n_audio;
    if (!a->probes) return -1;
    char man[PACK_PATH + 16];
    snprintf(man, sizeof man, "%.1000s/probes.json", a->probes);
    FILE *f = cli_fopen(man, "rb");
    size_t len = 0;
    char *text = f ? cli_read_all(f, 1 << 20, &len) : NULL;
    if (f) fclose(f);
    if (!text || !strstr(text, "\"generator\": \"wmel probes\"")) {
        free(text);
        cli_msg("wmel: diagnose: %s: not a folder of probes (no probes.json of wmel probes): make them with wmel probes "
                "%s --preset NAME", a->probes, a->probes);
        return 2;
    }
    const char *sr = strstr(text, "\"sample_rate\":");
    const long rate = sr ? strtol(sr + 14, NULL, 10) : 0;
    free(text);
    if (rate && rate != plan->sample_rate && !a->quiet)
        cli_msg("wmel: diagnose: %s: probes made at %ld Hz, the plan's rate is %d Hz: they are resampled (wmel probes "
                "--preset with the claimed front-end makes them at its rate)", a->probes, rate, plan->sample_rate);
    char missing[1200] = "";
    int n_missing = 0;
    const int np = wmel_dg_probe_count();
    for (int k = 0; k < np; k++) {
        wmel_dg_probe p;
        wmel_dg_probe_get(plan, k, &p, NULL);
        if (a->n_audio >= MAX_CLIPS) return cli_usage("diagnose: too many clips with the probes (64 at most)");
        if (snprintf(pa[a->n_audio], PACK_PATH, "%s/%s.wav", a->probes, p.stem) >= PACK_PATH ||
            snprintf(pf[a->n_audio], PACK_PATH, "%s/%s.npy", a->outputs, p.stem) >= PACK_PATH)
            return cli_usage("diagnose: --probes or --outputs: a path too long");
        struct stat st;
        if (stat(pf[a->n_audio], &st) != 0) {
            size_t l = strlen(missing);
            if (l < sizeof missing - 40) snprintf(missing + l, sizeof missing - l, "%s%s.npy", n_missing ? ", " : "", p.stem);
            n_missing++;
            continue;
        }
        if (npy_empty(pf[a->n_audio])) { /* no frames: left out of the fit, asked of its plan after it */
            memcpy(pn[a->n_none], pa[a->n_audio], PACK_PATH);
            a->none_audio[a->n_none] = pn[a->n_none];
            a->none_stem[a->n_none++] = p.stem;
            continue;
        }
        a->audio[a->n_audio] = pa[a->n_audio];
        a->feats[a->n_audio] = pf[a->n_audio];
        a->n_audio++, a->n_feats++;
    }
    if (n_missing) {
        cli_msg("wmel: diagnose: %s lacks the port's features of %d of the %d probes: %s (each probe DIR/<stem>.wav "
                "needs OUTDIR/<stem>.npy)", a->outputs, n_missing, np, missing);
        return DIAGNOSE_ERROR;
    }
    return -1;
}

/* Every clip read (pcm[k], x[k], shapes), for the joint fit. 0, or -1 with the reason in err. */
static int read_all_clips(const dg_args *a, const wmel_frontend_plan *plan, float **pcm, float **x, size_t (*shape)[3],
                          wmel_dg_clip *clips, char *err, size_t err_len)
{
    for (int k = 0; k < a->n_audio; k++) {
        size_t n = 0, n_x = 0;
        int ndim = 0;
        char why[1200];
        if (load_clip(a->audio[k], plan->sample_rate, a->rate, a->quiet, &pcm[k], &n, why, sizeof why) ||
            read_features(a, k, &x[k], &n_x, shape[k], &ndim, why, sizeof why)) {
            snprintf(err, err_len, "clip %d (%.400s) could not be read: %.500s", k + 1, a->audio[k], why);
            return -1;
        }
        clips[k] = (wmel_dg_clip){pcm[k], n, x[k], n_x, shape[k], ndim};
    }
    return 0;
}

/* --probes: one plan fitted on every clip at once (wmel_dg_run_joint), the report printed
   with a line per clip, the plan emitted when it reproduces every clip. */
static int diagnose_joint(const dg_args *a, const wmel_frontend_plan *plan)
{
    const int nc = a->n_audio;
    float **pcm = calloc((size_t)nc, sizeof *pcm), **x = calloc((size_t)nc, sizeof *x);
    size_t (*shape)[3] = calloc((size_t)nc, sizeof *shape);
    wmel_dg_clip *clips = calloc((size_t)nc, sizeof *clips);
    wmel_dg_check_result *ck = calloc((size_t)nc, sizeof *ck);
    wmel_dg_result *r = malloc(sizeof *r);
    char *text = malloc(65536), err[1200];
    int rc = DIAGNOSE_ERROR;
    wmel_dg_joint jt;
    if (!pcm || !x || !shape || !clips || !ck || !r || !text) {
        cli_msg("wmel: diagnose: out of memory");
        goto done;
    }
    if (read_all_clips(a, plan, pcm, x, shape, clips, err, sizeof err) ||
        wmel_dg_run_joint(plan, clips, nc, &a->opts, NULL, NULL, r, ck, &jt, err, sizeof err)) {
        cli_msg("wmel: diagnose: %s", err);
        goto done;
    }
    char none_notes[1600], none_why[800] = "";
    const int none_ok = !check_none(a, r->matches || !r->has_plan ? plan : &r->plan, none_notes, sizeof none_notes,
                                    none_why, sizeof none_why);
    if (!none_ok) r->matches = 0, r->explained = 0;
    const size_t cap = 65536;
    if ((a->json ? wmel_dg_json(r, text, cap) : wmel_dg_text(r, text, cap)) < 0) {
        cli_msg("wmel: diagnose: the report does not fit");
        goto done;
    }
    size_t tl = strlen(text);
    if (a->json && tl && text[tl - 1] == '}') text[--tl] = 0;
    if (a->json) tput(text, cap, &tl, ", \"clips\": [");
    for (int k = 0; k < nc; k++)
        report_clip(a, k, ck[k].ok ? (r->matches ? "matches" : "reproduced") : "differs", &ck[k], ck[k].why, text, cap,
                    &tl);
    if (a->json) {
        tput(text, cap, &tl, "], \"left_out\": ");
        tput_str(text, cap, &tl, none_ok ? none_notes : none_why);
        tput(text, cap, &tl, "}\n");
    } else if (a->n_none) {
        tput(text, cap, &tl, "%s\n", none_ok ? none_notes : none_why);
    }
    if (tl >= cap - 16) {
        cli_msg("wmel: diagnose: the report does not fit");
        goto done;
    }
    fputs(text, stdout);
    fflush(stdout);
    if (jt.failed >= 0) {
        char why[1400];
        snprintf(why, sizeof why, "no one plan found reproduces every clip: clip %d (%.400s) is not reproduced (%.600s)",
                 jt.failed + 1, a->audio[jt.failed], ck[jt.failed].why);
        if (a->emit) cli_msg("wmel: diagnose: no plan written to %s: %s", a->emit, why);
        else cli_msg("wmel: diagnose: not explained: %s", why);
        goto done;
    }
    if (!none_ok) {
        if (a->emit) cli_msg("wmel: diagnose: no plan written to %s: %s", a->emit, none_why);
        else cli_msg("wmel: diagnose: not explained: %s", none_why);
        goto done;
    }
    rc = r->matches ? 0 : 1;
    if (a->emit && !r->has_plan) {
        cli_msg("wmel: diagnose: no plan written to %s: %s", a->emit,
                r->not_expressible[0] ? r->not_expressible : "the port matches the claimed plan");
    } else if (a->emit && emit_plan(a->emit, &r->plan, a->feats[0], err, sizeof err)) {
        cli_msg("wmel: diagnose: %s", err);
        rc = DIAGNOSE_ERROR;
    }
done:
    for (int k = 0; k < nc && pcm && x; k++) free(pcm[k]), free(x[k]);
    free(pcm), free(x), free(shape), free(clips), free(ck), free(r), free(text);
    return rc;
}

int cmd_diagnose(int argc, char **argv)
{
    dg_args a;
    int rc = parse_args(argc, argv, &a), pack_plan_given = 0;
    if (rc >= 0) return rc;
    wmel_frontend_plan plan;
    if ((rc = take_pack(&a, &plan, &pack_plan_given)) >= 0) return rc;
    if (a.n_audio != a.n_feats)
        return cli_usage("diagnose: --audio and --features come in pairs: one port's features of each clip");
    if (a.emit) {
        const char *outs[1] = {a.emit};
        const char *ins[2 * MAX_CLIPS];
        for (int k = 0; k < a.n_audio; k++) ins[2 * k] = a.audio[k], ins[2 * k + 1] = a.feats[k];
        if (cli_check_files(outs, 1, ins, 2 * a.n_audio)) return 2;
        const int m = may_replace(a.emit, a.force);
        if (m <= 0) {
            if (m < 0)
                cli_msg("wmel: diagnose: %s exists and cannot be read to tell whether wmel diagnose wrote it (%s): "
                        "--force replaces it, or choose another name", a.emit, strerror(errno));
            else
                cli_msg("wmel: diagnose: %s exists and is not a plan wmel diagnose wrote: --force replaces it, or "
                        "choose another name", a.emit);
            return 2;
        }
    }
    if (!a.fe.preset && !a.fe.plan_file && !a.fe.hf_config && !a.fe.frontend_given && !pack_plan_given)
        return cli_usage("diagnose: name the front-end the port claims: --preset NAME, --plan FILE.json or --hf-config PATH");
    if ((rc = parse_shape(&a)) >= 0) return rc;
    if (!pack_plan_given && cli_fe_plan(&a.fe, &plan)) return 2;
    if ((rc = take_probes(&a, &plan)) >= 0) return rc;
    if (a.fe.hf_cols && !a.quiet)
        cli_msg("wmel: diagnose: %s: its per-column values are left out: the port's features are held against the plan alone",
                cli_fe_label(&a.fe));
    return a.probes ? diagnose_joint(&a, &plan) : diagnose_clips(&a, &plan);
}
