/*
 * vectors_check.c -- `wmel vectors check PACK OUTPUTS`: grades a port's outputs against a
 * conformance pack (cli/cmd_vectors.c writes it). For each case of PACK/manifest.json the
 * port's OUTPUTS/<case>.npy (float32 or float64; or raw little-endian float32
 * OUTPUTS/<case>.f32 of the manifest's shape) is held to the expected output within the
 * case's tolerance, and each stage the port wrote (OUTPUTS/<case>.<stage>.npy or .f32) to
 * the reference's stage, so that the first stage that diverges is named. Also the JSON
 * document and .npy readers of vectors.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "msg.h"
#include "out.h"
#include "readall.h"
#include "vectors.h"
#include "npyread.h"
#include "wmel.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON */

typedef struct jp {
    const char *s, *e;
    int depth;
    char *err;
    size_t err_len;
} jp;

static int jfail(jp *p, const char *what)
{
    if (p->err[0]) return -1;
    snprintf(p->err, p->err_len, "%s", what);
    return -1;
}

static void jws(jp *p)
{
    while (p->s < p->e && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')) p->s++;
}

static int jvalue(jp *p, cli_json *v);

static int jstring(jp *p, char **out)
{
    p->s++; /* the quote */
    size_t cap = 16, n = 0;
    char *b = malloc(cap);
    if (!b) return jfail(p, "out of memory");
    while (p->s < p->e && *p->s != '"') {
        unsigned c = (unsigned char)*p->s++;
        if (c == '\\') {
            if (p->s >= p->e) break;
            char k = *p->s++;
            switch (k) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                if (p->e - p->s < 4) goto bad;
                char h[5] = {p->s[0], p->s[1], p->s[2], p->s[3], 0};
                char *end;
                unsigned long u = strtoul(h, &end, 16);
                if (*end) goto bad;
                p->s += 4;
                c = u < 0x80 ? (unsigned)u : '?'; /* the manifest's text is ASCII */
                break;
            }
            default: c = (unsigned char)k;
            }
        }
        if (n + 2 > cap) {
            char *t = realloc(b, cap *= 2);
            if (!t) {
                free(b);
                return jfail(p, "out of memory");
            }
            b = t;
        }
        b[n++] = (char)c;
    }
    if (p->s >= p->e) goto bad;
    p->s++;
    b[n] = 0;
    *out = b;
    return 0;
bad:
    free(b);
    return jfail(p, "a string not closed or a bad escape");
}

static int jpush(jp *p, cli_json *v, char *key)
{
    cli_json *k = realloc(v->kids, (v->n + 1) * sizeof *k);
    if (!k) return free(key), jfail(p, "out of memory");
    v->kids = k;
    memset(&v->kids[v->n], 0, sizeof *k);
    if (v->type == CLI_J_OBJ) {
        char **ks = realloc(v->keys, (v->n + 1) * sizeof *ks);
        if (!ks) return free(key), jfail(p, "out of memory");
        v->keys = ks;
        v->keys[v->n] = key;
    }
    v->n++;
    return jvalue(p, &v->kids[v->n - 1]);
}

static int jvalue(jp *p, cli_json *v)
{
    memset(v, 0, sizeof *v);
    jws(p);
    if (p->s >= p->e) return jfail(p, "unexpected end");
    if (++p->depth > 64) return jfail(p, "nested too deeply");
    int rc = 0;
    const char c = *p->s;
    if (c == '{' || c == '[') {
        v->type = c == '{' ? CLI_J_OBJ : CLI_J_ARR;
        p->s++;
        jws(p);
        if (p->s < p->e && *p->s == (c == '{' ? '}' : ']')) {
            p->s++;
        } else {
            for (;;) {
                char *key = NULL;
                if (c == '{') {
                    jws(p);
                    if (p->s >= p->e || *p->s != '"') return jfail(p, "an object key expected");
                    if (jstring(p, &key)) return -1;
                    jws(p);
                    if (p->s >= p->e || *p->s != ':') return free(key), jfail(p, "':' expected");
                    p->s++;
                }
                if (jpush(p, v, key)) return -1;
                jws(p);
                if (p->s < p->e && *p->s == ',') {
                    p->s++;
                    continue;
                }
                if (p->s < p->e && *p->s == (c == '{' ? '}' : ']')) {
                    p->s++;
                    break;
                }
                return jfail(p, "',' or the closing bracket expected");
            }
        }
    } else if (c == '"') {
        v->type = CLI_J_STR;
        rc = jstring(p, &v->str);
    } else if (!strncmp(p->s, "true", 4) || !strncmp(p->s, "false", 5)) {
        v->type = CLI_J_BOOL;
        v->num = c == 't';
        p->s += c == 't' ? 4 : 5;
    } else if (!strncmp(p->s, "null", 4)) {
        v->type = CLI_J_NULL;
        p->s += 4;
    } else {
        char *end;
        v->type = CLI_J_NUM;
        v->num = strtod(p->s, &end);
        if (end == p->s || end > p->e) return jfail(p, "a value expected");
        p->s = end;
    }
    p->depth--;
    return rc;
}

int cli_json_parse(const char *text, size_t len, cli_json *v, char *err, size_t err_len)
{
    char e[200] = "";
    jp p = {text, text + len, 0, e, sizeof e};
    int rc = jvalue(&p, v);
    if (rc == 0) {
        jws(&p);
        if (p.s != p.e) rc = jfail(&p, "text after the document");
    }
    if (rc) {
        size_t line = 1;
        for (const char *q = text; q < p.s && q < text + len; q++) line += *q == '\n';
        snprintf(err, err_len, "line %zu: %s", line, e);
        cli_json_free(v);
    }
    return rc;
}

void cli_json_free(cli_json *v)
{
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) {
        cli_json_free(&v->kids[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->kids);
    free(v->keys);
    free(v->str);
    memset(v, 0, sizeof *v);
}

const cli_json *cli_json_get(const cli_json *o, const char *key)
{
    if (!o || o->type != CLI_J_OBJ) return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->keys[i], key)) return &o->kids[i];
    return NULL;
}

const char *cli_json_str(const cli_json *o, const char *key)
{
    const cli_json *v = cli_json_get(o, key);
    return v && v->type == CLI_J_STR ? v->str : NULL;
}

double cli_json_num(const cli_json *o, const char *key, double def)
{
    const cli_json *v = cli_json_get(o, key);
    return v && (v->type == CLI_J_NUM || v->type == CLI_J_BOOL) ? v->num : def;
}

/* ---- arrays */

void cli_arr_free(cli_arr *a)
{
    free(a->x);
    memset(a, 0, sizeof *a);
}

int cli_arr_read_npy(const char *path, cli_arr *a, int *missing, char *err, size_t err_len)
{
    memset(a, 0, sizeof *a);
    cli_npy n;
    if (cli_npy_read(path, &n, missing, err, err_len)) return -1;
    int rc = -1;
    if (n.item == 2) {
        snprintf(err, err_len, "%s: dtype is not float32 or float64 (little-endian)", path);
    } else if (n.fortran) {
        snprintf(err, err_len, "%s: Fortran order: write the array in C order (numpy.ascontiguousarray)", path);
    } else if (!(a->x = malloc((n.count ? n.count : 1) * sizeof *a->x))) {
        snprintf(err, err_len, "%s: out of memory", path);
    } else {
        a->ndim = n.ndim;
        memcpy(a->shape, n.shape, sizeof a->shape);
        a->count = n.count;
        for (size_t i = 0; i < n.count; i++) a->x[i] = cli_npy_at(&n, i);
        rc = 0;
    }
    cli_npy_free(&n);
    return rc;
}

int cli_arr_read_f32(const char *path, size_t count, cli_arr *a, int *missing, char *err, size_t err_len)
{
    memset(a, 0, sizeof *a);
    if (missing) *missing = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (missing && errno == ENOENT) *missing = 1;
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    size_t len = 0;
    char *b = cli_read_all(f, (size_t)-1 / 2, &len);
    fclose(f);
    if (!b) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    if (len != count * 4) {
        snprintf(err, err_len, "%s: %zu bytes, the manifest's shape needs %zu (float32)", path, len, count * 4);
        free(b);
        return -1;
    }
    a->x = malloc((count ? count : 1) * sizeof *a->x);
    if (!a->x) {
        free(b);
        snprintf(err, err_len, "%s: out of memory", path);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        float v;
        memcpy(&v, b + 4 * i, 4);
        a->x[i] = v;
    }
    free(b);
    a->count = count;
    a->ndim = 1;
    a->shape[0] = count;
    return 0;
}

/* ---- grading */

typedef struct grade {
    int ok;            /* within the tolerance */
    double worst;      /* the worst |d| / allowed */
    double d, port, exp; /* at the worst cell */
    size_t at;         /* its flat index */
    char why[600];     /* a shape or read failure */
} grade;

static void index_text(char *buf, size_t len, const size_t *shape, int ndim, size_t at)
{
    size_t idx[4] = {0};
    for (int i = ndim - 1; i >= 0; i--) {
        idx[i] = shape[i] ? at % shape[i] : 0;
        at = shape[i] ? at / shape[i] : 0;
    }
    int k = snprintf(buf, len, "[");
    for (int i = 0; i < ndim && k > 0 && (size_t)k < len; i++)
        k += snprintf(buf + k, len - (size_t)k, "%s%zu", i ? ", " : "", idx[i]);
    if (k > 0 && (size_t)k < len) snprintf(buf + k, len - (size_t)k, "]");
}

static void shape_text(char *buf, size_t len, const size_t *shape, int ndim)
{
    int k = snprintf(buf, len, "(");
    for (int i = 0; i < ndim && k > 0 && (size_t)k < len; i++)
        k += snprintf(buf + k, len - (size_t)k, "%s%zu", i ? ", " : "", shape[i]);
    if (k > 0 && (size_t)k < len) snprintf(buf + k, len - (size_t)k, "%s)", ndim == 1 ? "," : "");
}

/* The manifest's shape of an entry. */
static int entry_shape(const cli_json *e, size_t *shape)
{
    const cli_json *s = cli_json_get(e, "shape");
    if (!s || s->type != CLI_J_ARR || s->n > 4) return -1;
    for (size_t i = 0; i < s->n; i++) {
        if (s->kids[i].type != CLI_J_NUM || s->kids[i].num < 0) return -1;
        shape[i] = (size_t)s->kids[i].num;
    }
    return (int)s->n;
}

/* The port's array for base (OUTPUTS/base.npy, else base.f32 of the expected shape):
 * 0, 1 missing, -1 unreadable (why). */
static int port_array(const char *outputs, const char *base, const size_t *shape, int ndim, cli_arr *a, char *why,
                      size_t why_len)
{
    char path[4096];
    int missing;
    snprintf(path, sizeof path, "%s/%s.npy", outputs, base);
    if (cli_arr_read_npy(path, a, &missing, why, why_len) == 0) return 0;
    if (!missing) return -1;
    size_t count = 1;
    for (int i = 0; i < ndim; i++) count *= shape[i];
    snprintf(path, sizeof path, "%s/%s.f32", outputs, base);
    if (cli_arr_read_f32(path, count, a, &missing, why, why_len) == 0) {
        a->ndim = ndim;
        memcpy(a->shape, shape, (size_t)ndim * sizeof *shape);
        return 0;
    }
    return missing ? 1 : -1;
}

static void grade_arrays(const cli_arr *port, const cli_arr *exp, const char *rule, double tol, grade *g)
{
    memset(g, 0, sizeof *g);
    int same = port->ndim == exp->ndim && port->count == exp->count;
    for (int i = 0; same && i < exp->ndim; i++) same = port->shape[i] == exp->shape[i];
    if (!same) {
        char a[80], b[80];
        shape_text(a, sizeof a, port->shape, port->ndim);
        shape_text(b, sizeof b, exp->shape, exp->ndim);
        snprintf(g->why, sizeof g->why, "shape %s, expected %s", a, b);
        g->worst = INFINITY;
        return;
    }
    const int peak = !strcmp(rule, "peak");
    double pk = 0.0;
    for (size_t i = 0; peak && i < exp->count; i++) pk = fabs(exp->x[i]) > pk ? fabs(exp->x[i]) : pk;
    g->worst = 0.0;
    for (size_t i = 0; i < exp->count; i++) {
        const double d = fabs(port->x[i] - exp->x[i]);
        const double allowed = tol * (peak ? (pk > 0 ? pk : 1.0) : fmax(1.0, fabs(exp->x[i])));
        const double r = d / allowed;
        if (!(r <= g->worst) && !(g->worst != g->worst)) { /* a NaN stays the worst */
            g->worst = r, g->at = i, g->d = d, g->port = port->x[i], g->exp = exp->x[i];
        }
    }
    g->ok = g->worst <= 1.0;
}

typedef struct vc_opts {
    const char *pack, *outputs, *report;
    int allow_missing, json, quiet;
} vc_opts;

static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

static void jnum(FILE *f, double v)
{
    if (isfinite(v)) fputs(cli_num(v), f);
    else fputs("null", f);
}

int cli_vectors_check(int argc, char **argv)
{
    vc_opts o = {0};
    const char *ops[2] = {NULL, NULL};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int pr = cli_operands(argc, argv, &i, ops, 2);
        if (pr == 2) return 2;
        if (pr) break;
        if (!strcmp(a, "--allow-missing")) o.allow_missing = 1;
        else if (!strcmp(a, "--json")) o.json = 1;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o.quiet = 1;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) return cli_usage("vectors check: -o needs a file (the JSON report)");
            o.report = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            char m[300];
            snprintf(m, sizeof m, "vectors check: unknown option '%s' (wmel vectors --help)", a);
            return cli_usage(m);
        } else if (!ops[0]) ops[0] = a;
        else if (!ops[1]) ops[1] = a;
        else return cli_usage("vectors check: takes PACK and OUTPUTS only");
    }
    if (!ops[0] || !ops[1]) return cli_usage("vectors check: wmel vectors check PACK OUTPUTS");
    o.pack = ops[0], o.outputs = ops[1];

    char path[4096], err[1200];
    snprintf(path, sizeof path, "%s/manifest.json", o.pack);
    FILE *mf = fopen(path, "rb");
    if (!mf) {
        cli_msg("wmel: vectors check: %s: cannot open: %s (not a pack?)", path, strerror(errno));
        return 2;
    }
    size_t len = 0;
    char *text = cli_read_all(mf, (size_t)1 << 28, &len);
    fclose(mf);
    cli_json m;
    if (!text || cli_json_parse(text, len, &m, err, sizeof err)) {
        cli_msg("wmel: vectors check: %s: %s", path, text ? err : "cannot read");
        free(text);
        return 2;
    }
    free(text);
    const char *fmt = cli_json_str(&m, "format");
    const cli_json *cases = cli_json_get(&m, "cases");
    if (!fmt || strcmp(fmt, WMEL_PACK_FORMAT) || !cases || cases->type != CLI_J_ARR) {
        cli_msg("wmel: vectors check: %s: not a pack of format \"%s\"", path, WMEL_PACK_FORMAT);
        cli_json_free(&m);
        return 2;
    }
    FILE *js = NULL;
    cli_out rep;
    int rep_open = 0;
    if (o.report) {
        if (cli_out_open(&rep, o.report, 0, err, sizeof err)) {
            cli_msg("wmel: vectors check: %s", err);
            cli_json_free(&m);
            return 2;
        }
        rep_open = 1;
        js = rep.f;
    } else if (o.json) {
        js = stdout;
    }
    FILE *txt = o.json && !o.report ? NULL : (o.quiet ? NULL : stdout);
    int n_pass = 0, n_fail = 0, n_missing = 0, n_refused = 0;
    if (js) {
        fputs("{\"pack\": ", js);
        jstr(js, o.pack);
        fputs(", \"outputs\": ", js);
        jstr(js, o.outputs);
        fputs(", \"cases\": [", js);
    }
    int rc_io = 0;
    for (size_t c = 0; c < cases->n; c++) {
        const cli_json *e = &cases->kids[c];
        const char *name = cli_json_str(e, "name"), *exf = cli_json_str(e, "expected");
        const char *rule = cli_json_str(e, "rule");
        const double tol = cli_json_num(e, "tol", NAN);
        const char *status = "pass";
        char detail[1400] = "", at[80] = "", first_stage[128] = "";
        grade g;
        memset(&g, 0, sizeof g);
        if (!name || strchr(name, '/')) {
            cli_msg("wmel: vectors check: %s: case %zu has no usable name", path, c);
            rc_io = 1;
            break;
        }
        size_t shape[4];
        int ndim = entry_shape(e, shape);
        cli_arr port = {0}, exp = {0};
        if (cli_json_num(e, "refused", 0) != 0) {
            char why[600];
            int pr = port_array(o.outputs, name, shape, 0, &port, why, sizeof why);
            if (pr == 1) {
                status = "refused";
                n_refused++;
                snprintf(detail, sizeof detail, "an expected refusal: %s", cli_json_str(e, "message") ? cli_json_str(e, "message") : "");
            } else {
                status = "fail";
                n_fail++;
                snprintf(detail, sizeof detail, "an output was written for an input the plan refuses (%s)",
                         cli_json_str(e, "message") ? cli_json_str(e, "message") : "");
            }
        } else if (!exf || !rule || !(tol > 0) || ndim < 0) {
            cli_msg("wmel: vectors check: %s: case %s lacks expected, shape, rule or tol", path, name);
            rc_io = 1;
            break;
        } else {
            char epath[4096], why[600];
            snprintf(epath, sizeof epath, "%s/%s", o.pack, exf);
            if (cli_arr_read_npy(epath, &exp, NULL, err, sizeof err)) {
                cli_msg("wmel: vectors check: %s", err);
                rc_io = 1;
                break;
            }
            int pr = port_array(o.outputs, name, shape, ndim, &port, why, sizeof why);
            if (pr == 1) {
                status = "missing";
                n_missing++;
                snprintf(detail, sizeof detail, "no %s/%s.npy or .f32", o.outputs, name);
            } else if (pr < 0) {
                status = "fail";
                n_fail++;
                snprintf(detail, sizeof detail, "%s", why);
            } else {
                grade_arrays(&port, &exp, rule, tol, &g);
                if (g.why[0]) snprintf(detail, sizeof detail, "%s", g.why);
                else index_text(at, sizeof at, exp.shape, exp.ndim, g.at);
                status = g.ok ? "pass" : "fail";
                if (g.ok) n_pass++;
                else n_fail++;
            }
            /* the stages the port wrote, in order: the first that fails */
            const cli_json *st = cli_json_get(e, "stages");
            int written = 0;
            char last_ok[128] = "";
            for (size_t s = 0; st && st->type == CLI_J_ARR && s < st->n && !first_stage[0]; s++) {
                const cli_json *se = &st->kids[s];
                const char *sn = cli_json_str(se, "name"), *sf = cli_json_str(se, "file"), *sr = cli_json_str(se, "rule");
                size_t sshape[4];
                int sd = entry_shape(se, sshape);
                if (!sn || !sf || !sr || sd < 0) continue;
                char base[300];
                snprintf(base, sizeof base, "%s.%s", name, sn);
                cli_arr ps = {0}, es = {0};
                char w2[600];
                int r2 = port_array(o.outputs, base, sshape, sd, &ps, w2, sizeof w2);
                if (r2 == 1) continue;
                written++;
                snprintf(epath, sizeof epath, "%s/%s", o.pack, sf);
                grade sg;
                if (r2 < 0) {
                    snprintf(first_stage, sizeof first_stage, "%s", sn);
                } else if (cli_arr_read_npy(epath, &es, NULL, err, sizeof err) == 0) {
                    grade_arrays(&ps, &es, sr, cli_json_num(se, "tol", 1e-4), &sg);
                    if (!sg.ok) {
                        char a2[80] = "";
                        if (!sg.why[0]) index_text(a2, sizeof a2, es.shape, es.ndim, sg.at);
                        snprintf(first_stage, sizeof first_stage, "%s", sn);
                        size_t l = strlen(detail);
                        if (sg.why[0])
                            snprintf(detail + l, sizeof detail - l, "%sstage %s: %s", l ? "; " : "", sn, sg.why);
                        else
                            snprintf(detail + l, sizeof detail - l, "%sstage %s: %.3g x its tolerance at %s (%.9g, expected %.9g)",
                                     l ? "; " : "", sn, sg.worst, a2, sg.port, sg.exp);
                    } else {
                        snprintf(last_ok, sizeof last_ok, "%s", sn);
                    }
                } else {
                    cli_msg("wmel: vectors check: %s", err);
                    rc_io = 1;
                }
                cli_arr_free(&ps);
                cli_arr_free(&es);
                if (r2 < 0) {
                    size_t l = strlen(detail);
                    snprintf(detail + l, sizeof detail - l, "%sstage %s: %s", l ? "; " : "", sn, w2);
                }
            }
            if (!strcmp(status, "fail") && written && !first_stage[0]) {
                size_t l = strlen(detail);
                snprintf(detail + l, sizeof detail - l, "%sthe %d stages written agree (the last: %s): the divergence "
                         "comes after them", l ? "; " : "", written, last_ok);
            }
            if (first_stage[0] && !strcmp(status, "pass")) { /* the output passes but a stage does not */
                status = "fail";
                n_pass--, n_fail++;
            }
        }
        if (txt) {
            char pl[80] = "", dl[1500] = "";
            if (!strcmp(status, "pass") || (!strcmp(status, "fail") && at[0]))
                snprintf(pl, sizeof pl, "%.3g x tolerance", g.worst);
            if (at[0] && g.worst > 0)
                snprintf(dl, sizeof dl, "%s%sworst at %s: %.9g, expected %.9g (|d| %.3g, %s tol %s)", pl, pl[0] ? "; " : "",
                         at, g.port, g.exp, g.d, rule, cli_num(tol));
            else snprintf(dl, sizeof dl, "%s", pl);
            fprintf(txt, "%-8s %s", !strcmp(status, "pass") ? "PASS" : !strcmp(status, "fail") ? "FAIL"
                                      : !strcmp(status, "missing") ? "MISSING" : "REFUSED", cli_esc(name));
            if (dl[0]) fprintf(txt, ": %s", cli_esc(dl));
            if (detail[0]) fprintf(txt, "%s%s", dl[0] ? "; " : ": ", cli_esc(detail));
            if (first_stage[0]) fprintf(txt, "; first diverging stage: %s", cli_esc(first_stage));
            fputc('\n', txt);
        }
        if (js) {
            fprintf(js, "%s\n  {\"case\": ", c ? "," : "");
            jstr(js, name);
            fprintf(js, ", \"status\": \"%s\", \"worst_ratio\": ", status);
            jnum(js, g.worst);
            fputs(", \"worst_index\": ", js);
            if (at[0]) fprintf(js, "%s", at);
            else fputs("null", js);
            fputs(", \"port\": ", js);
            jnum(js, at[0] ? g.port : NAN);
            fputs(", \"expected\": ", js);
            jnum(js, at[0] ? g.exp : NAN);
            fputs(", \"first_diverging_stage\": ", js);
            if (first_stage[0]) jstr(js, first_stage);
            else fputs("null", js);
            fputs(", \"detail\": ", js);
            jstr(js, detail);
            fputs("}", js);
        }
        cli_arr_free(&port);
        cli_arr_free(&exp);
        if (rc_io) break;
    }
    const int ok = !rc_io && n_fail == 0 && (o.allow_missing || n_missing == 0);
    if (js) {
        fprintf(js, "\n], \"passed\": %d, \"failed\": %d, \"missing\": %d, \"refused\": %d, \"ok\": %s}\n", n_pass,
                n_fail, n_missing, n_refused, ok ? "true" : "false");
    }
    if (rep_open) {
        if (rc_io) cli_out_abort(&rep);
        else if (cli_out_commit(&rep, err, sizeof err)) {
            cli_msg("wmel: vectors check: %s", err);
            rc_io = 1;
        }
    }
    if (txt || (o.json && !o.quiet && o.report))
        fprintf(txt ? txt : stderr, "vectors check: %d passed, %d failed, %d missing%s, %d expected refusals, of %zu cases: %s\n",
                n_pass, n_fail, n_missing, o.allow_missing && n_missing ? " (allowed)" : "", n_refused, cases->n,
                ok ? "ok" : "FAILED");
    cli_json_free(&m);
    return rc_io ? 2 : ok ? 0 : 1;
}
