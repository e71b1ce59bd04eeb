/*
 * vectors_check.c -- `wmel vectors check PACK OUTPUTS`: grades a port's outputs against a
 * conformance pack (vectors/vectors.c writes it). For each case of PACK/manifest.json the
 * port's OUTPUTS/<case>.npy (float32 or float64; or raw little-endian float32
 * OUTPUTS/<case>.f32 of the manifest's shape) is held to the expected output within the
 * case's tolerance, and each stage the port wrote (OUTPUTS/<case>.<stage>.npy or .f32) to
 * the reference's stage, so that the first stage that diverges is named. Also the JSON
 * document and .npy readers of vectors.h.
 *
 * A pack is input from anyone: its manifest is held to a strict form before anything is
 * graded (JSON numbers only, finite tolerances in a sane range, known rules, integer shapes
 * within limits, names that are plain names inside the pack), and every file is opened
 * under the pack's or the outputs' folder without following a symbolic link, and read only
 * when it is a regular file whose size was checked first (a FIFO or a device is refused
 * before a byte is read).
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "msg.h"
#include "out.h"
#include "readall.h"
#include "vectors.h"
#include "npyread.h"
#include "wmel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* ---- JSON */

typedef struct jp {
    const char *s, *e;
    int depth;
    size_t values; /* parsed so far: CLI_JSON_MAX_VALUES at most */
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
                unsigned u = 0;
                for (int i = 0; i < 4; i++) {
                    const char h = p->s[i];
                    const int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                    if (d < 0) goto bad;
                    u = u * 16 + (unsigned)d;
                }
                p->s += 4;
                c = u && u < 0x80 ? u : '?'; /* the manifest's text is ASCII; no NUL inside a string */
                break;
            }
            case '"': case '\\': case '/': c = (unsigned char)k; break;
            default: goto bad;
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
    if ((v->n & (v->n - 1)) == 0) { /* n a power of two (or 0): the members' room doubles */
        const size_t cap = v->n ? v->n * 2 : 1;
        cli_json *k = realloc(v->kids, cap * sizeof *k);
        if (!k) return free(key), jfail(p, "out of memory");
        v->kids = k;
        if (v->type == CLI_J_OBJ) {
            char **ks = realloc(v->keys, cap * sizeof *ks);
            if (!ks) return free(key), jfail(p, "out of memory");
            v->keys = ks;
        }
    }
    memset(&v->kids[v->n], 0, sizeof *v->kids);
    if (v->type == CLI_J_OBJ) v->keys[v->n] = key;
    v->n++;
    return jvalue(p, &v->kids[v->n - 1]);
}

static int isdig(const char *q, const char *e) { return q < e && *q >= '0' && *q <= '9'; }

/* A number as JSON writes one (no nan, inf, hex, leading '+' or '.'), finite as a double. */
static int jnumber(jp *p, double *out)
{
    const char *q = p->s, *e = p->e;
    if (q < e && *q == '-') q++;
    if (!isdig(q, e)) return jfail(p, "a value expected (a JSON number, string, object, array, true, false or null)");
    if (*q == '0') q++;
    else
        while (isdig(q, e)) q++;
    if (q < e && *q == '.') {
        if (!isdig(++q, e)) return jfail(p, "a digit expected after '.'");
        while (isdig(q, e)) q++;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < e && (*q == '+' || *q == '-')) q++;
        if (!isdig(q, e)) return jfail(p, "a digit expected in the exponent");
        while (isdig(q, e)) q++;
    }
    char b[128];
    const size_t n = (size_t)(q - p->s);
    if (n >= sizeof b) return jfail(p, "a number of more than 127 characters");
    memcpy(b, p->s, n);
    b[n] = 0;
    const double v = strtod(b, NULL);
    if (!isfinite(v)) return jfail(p, "a number out of the range of a double");
    *out = v;
    p->s = q;
    return 0;
}

static int jword(const jp *p, const char *w, size_t n) { return (size_t)(p->e - p->s) >= n && !memcmp(p->s, w, n); }

static int jvalue(jp *p, cli_json *v)
{
    memset(v, 0, sizeof *v);
    jws(p);
    if (p->s >= p->e) return jfail(p, "unexpected end");
    if (++p->depth > 64) return jfail(p, "nested too deeply");
    if (++p->values > CLI_JSON_MAX_VALUES) return jfail(p, "more values than a pack's manifest holds (" CLI_JSON_MAX_VALUES_TEXT ")");
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
    } else if (jword(p, "true", 4) || jword(p, "false", 5)) {
        v->type = CLI_J_BOOL;
        v->num = c == 't';
        p->s += c == 't' ? 4 : 5;
    } else if (jword(p, "null", 4)) {
        v->type = CLI_J_NULL;
        p->s += 4;
    } else {
        v->type = CLI_J_NUM;
        rc = jnumber(p, &v->num);
    }
    p->depth--;
    return rc;
}

int cli_json_parse(const char *text, size_t len, cli_json *v, char *err, size_t err_len)
{
    char e[200] = "";
    jp p = {text, text + len, 0, 0, e, sizeof e};
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

/* ---- names and files */

int cli_pack_name_ok(const char *s)
{
    size_t n = 0;
    if (!s || s[0] == '.') return 0;
    for (; s[n]; n++) {
        const char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-' || c == '+'))
            return 0;
    }
    return n > 0 && n <= CLI_PACK_NAME_MAX;
}

int cli_pack_path_ok(const char *s)
{
    if (!s || strlen(s) > 4 * CLI_PACK_NAME_MAX) return 0;
    char c[CLI_PACK_NAME_MAX + 2];
    int parts = 0;
    for (const char *q = s;; parts++) {
        const char *sl = strchr(q, '/');
        const size_t n = sl ? (size_t)(sl - q) : strlen(q);
        if (n > CLI_PACK_NAME_MAX || parts >= 4) return 0;
        memcpy(c, q, n);
        c[n] = 0;
        if (!cli_pack_name_ok(c)) return 0;
        if (!sl) return 1;
        q = sl + 1;
    }
}

int cli_pack_open(int dirfd, const char *rel, const char *shown, long long *size, int *missing, char *err,
                  size_t err_len)
{
    if (missing) *missing = 0;
    if (!cli_pack_path_ok(rel)) {
        snprintf(err, err_len, "%s: not a plain relative name inside the folder: not opened", shown);
        return -1;
    }
    char c[CLI_PACK_NAME_MAX + 2];
    int cur = dirfd, fd = -1;
    const char *q = rel;
    for (const char *sl; (sl = strchr(q, '/')); q = sl + 1) {
        memcpy(c, q, (size_t)(sl - q));
        c[sl - q] = 0;
        const int nfd = openat(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        const int e = errno;
        if (cur != dirfd) close(cur);
        if (nfd < 0) {
            if (missing && e == ENOENT) *missing = 1;
            snprintf(err, err_len, "%s: cannot open: %s", shown,
                     e == ELOOP || e == ENOTDIR ? "a folder on the way is a symbolic link or not a folder: not followed"
                                                : strerror(e));
            return -1;
        }
        cur = nfd;
    }
    /* its type before the open (where O_NONBLOCK is not honoured, as on node's file system,
       opening a FIFO would wait for a writer), then no link followed and no wait, and the
       file opened the one looked at */
    struct stat pre, st;
    int e = fstatat(cur, q, &pre, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
    if (!e && S_ISLNK(pre.st_mode)) e = ELOOP;
    if (!e && !S_ISREG(pre.st_mode)) e = EINVAL;
    if (!e) {
        fd = openat(cur, q, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        e = fd < 0 ? errno : 0;
    }
    if (cur != dirfd) close(cur);
    if (!e && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_ino != pre.st_ino || st.st_dev != pre.st_dev))
        e = EINVAL;
    if (e) {
        if (fd >= 0) close(fd);
        if (missing && e == ENOENT) *missing = 1;
        if (e == EINVAL) snprintf(err, err_len, "%s: not a regular file (a FIFO, device or folder): not read", shown);
        else
            snprintf(err, err_len, "%s: cannot open: %s", shown,
                     e == ELOOP ? "a symbolic link: not followed (only the folder's own files are read)" : strerror(e));
        return -1;
    }
    *size = (long long)st.st_size;
    return fd;
}

/* The file as a stream (fd's ownership passes to it); NULL with err. */
static FILE *open_stream(int dirfd, const char *rel, const char *shown, long long *size, int *missing, char *err,
                         size_t err_len)
{
    const int fd = cli_pack_open(dirfd, rel, shown, size, missing, err, err_len);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot read: %s", shown, strerror(errno));
        close(fd);
    }
    return f;
}

/* ---- arrays */

void cli_arr_free(cli_arr *a)
{
    free(a->x);
    memset(a, 0, sizeof *a);
}

int cli_arr_read_npy(int dirfd, const char *rel, const char *shown, cli_arr *a, int *missing, char *err, size_t err_len)
{
    memset(a, 0, sizeof *a);
    long long size;
    FILE *f = open_stream(dirfd, rel, shown, &size, missing, err, err_len);
    if (!f) return -1;
    cli_npy n;
    const int r = cli_npy_read_stream(f, shown, size, &n, err, err_len);
    fclose(f);
    if (r) return -1;
    int rc = -1;
    if (n.item == 2) {
        snprintf(err, err_len, "%s: dtype is not float32 or float64 (little-endian)", shown);
    } else if (n.fortran) {
        snprintf(err, err_len, "%s: Fortran order: write the array in C order (numpy.ascontiguousarray)", shown);
    } else if (n.count > CLI_PACK_MAX_VALUES) {
        snprintf(err, err_len, "%s: %zu values, more than a pack's array holds", shown, n.count);
    } else if (!(a->x = malloc((n.count ? n.count : 1) * sizeof *a->x))) {
        snprintf(err, err_len, "%s: out of memory", shown);
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

int cli_arr_read_f32(int dirfd, const char *rel, const char *shown, size_t count, cli_arr *a, int *missing, char *err,
                     size_t err_len)
{
    memset(a, 0, sizeof *a);
    long long size;
    FILE *f = open_stream(dirfd, rel, shown, &size, missing, err, err_len);
    if (!f) return -1;
    /* the size first: nothing is read of a file that cannot be the array */
    if (count > CLI_PACK_MAX_VALUES || (unsigned long long)size != (unsigned long long)count * 4) {
        snprintf(err, err_len, "%s: %lld bytes, the manifest's shape needs %zu (float32)", shown, size, count * 4);
        fclose(f);
        return -1;
    }
    float *b = malloc((count ? count : 1) * sizeof *b);
    a->x = malloc((count ? count : 1) * sizeof *a->x);
    if (!b || !a->x) {
        snprintf(err, err_len, "%s: out of memory", shown);
    } else if (fread(b, 4, count, f) != count) {
        snprintf(err, err_len, "%s: cannot read: %s", shown, ferror(f) ? strerror(errno) : "the file shrank");
    } else {
        for (size_t i = 0; i < count; i++) {
            float v;
            memcpy(&v, (const char *)b + 4 * i, 4); /* the file's bytes are little-endian float32 */
            a->x[i] = v;
        }
        a->count = count;
        a->ndim = 1;
        a->shape[0] = count;
        free(b);
        fclose(f);
        return 0;
    }
    free(b);
    fclose(f);
    cli_arr_free(a);
    return -1;
}

/* ---- the manifest: its form, checked whole before anything is graded */

static int mfail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 3, 4)));
static int mfail(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

int cli_pack_tol_ok(double t) { return isfinite(t) && t >= CLI_PACK_TOL_MIN && t <= CLI_PACK_TOL_MAX; }

/* An array's entry (a case or a stage; what names it in messages): file under key, rule,
 * tol and shape. */
static int check_entry(const cli_json *e, const char *key, const char *what, char *err, size_t err_len)
{
    const char *f = cli_json_str(e, key), *rule = cli_json_str(e, "rule");
    if (!f || !cli_pack_path_ok(f))
        return mfail(err, err_len, "%s: \"%s\" is %s", what, key,
                     f ? "not a plain relative name inside the pack (names of letters, digits, '.', '_', '+', '-' "
                         "joined by '/'; no '..', no leading '/' or '.')"
                       : "missing or not a string");
    if (!rule || (strcmp(rule, "rel1") && strcmp(rule, "peak")))
        return mfail(err, err_len, "%s: \"rule\" is %s", what, rule ? "not one of \"rel1\", \"peak\"" : "missing or not a string");
    const cli_json *t = cli_json_get(e, "tol");
    if (!t || t->type != CLI_J_NUM || !cli_pack_tol_ok(t->num))
        return mfail(err, err_len, "%s: \"tol\" is %s", what,
                     t && t->type == CLI_J_NUM ? "out of range (a tolerance is a number from 1e-12 to 1000)"
                                               : "missing or not a number");
    size_t shape[4];
    if (cli_pack_shape(e, shape) < 0)
        return mfail(err, err_len, "%s: \"shape\" is not a list of at most 4 whole numbers whose product is at most "
                     "%zu", what, (size_t)CLI_PACK_MAX_VALUES);
    return 0;
}

int cli_pack_shape(const cli_json *e, size_t *shape)
{
    const cli_json *s = cli_json_get(e, "shape");
    if (!s || s->type != CLI_J_ARR || s->n > 4) return -1;
    size_t prod = 1;
    for (size_t i = 0; i < s->n; i++) {
        const double v = s->kids[i].num;
        if (s->kids[i].type != CLI_J_NUM || !(v >= 0) || v > (double)CLI_PACK_MAX_VALUES || v != floor(v)) return -1;
        shape[i] = (size_t)v;
        if (shape[i] && prod > CLI_PACK_MAX_VALUES / shape[i]) return -1;
        prod *= shape[i];
    }
    return (int)s->n;
}

int cli_pack_manifest_parse(const char *text, size_t len, cli_json *m, char *err, size_t err_len)
{
    char e[400];
    if (len > CLI_PACK_MANIFEST_MAX)
        return mfail(err, err_len, "%zu bytes: more than a pack's manifest (%s at most)", len, CLI_PACK_MANIFEST_MAX_TEXT);
    if (cli_json_parse(text, len, m, e, sizeof e)) return mfail(err, err_len, "%s", e);
    const char *fmt = cli_json_str(m, "format");
    const cli_json *cases = cli_json_get(m, "cases");
    int rc = 0;
    if (!fmt || strcmp(fmt, WMEL_PACK_FORMAT) || !cases || cases->type != CLI_J_ARR)
        rc = mfail(err, err_len, "not a pack of format \"%s\"", WMEL_PACK_FORMAT);
    else if (cases->n == 0)
        rc = mfail(err, err_len, "no cases: a pack holds at least one");
    for (size_t c = 0; rc == 0 && c < cases->n; c++) {
        const cli_json *k = &cases->kids[c];
        const char *name = cli_json_str(k, "name");
        const cli_json *refused = cli_json_get(k, "refused"), *st = cli_json_get(k, "stages");
        char what[CLI_PACK_NAME_MAX + 64];
        if (k->type != CLI_J_OBJ) {
            rc = mfail(err, err_len, "case %zu is not an object", c);
            break;
        }
        if (!cli_pack_name_ok(name)) {
            rc = mfail(err, err_len, "case %zu: \"name\" is %s", c,
                       name ? "not a plain file name (letters, digits, '.', '_', '+', '-'; not starting with '.')"
                            : "missing or not a string");
            break;
        }
        snprintf(what, sizeof what, "case %s", name);
        if (refused && refused->type != CLI_J_BOOL) {
            rc = mfail(err, err_len, "%s: \"refused\" is not true or false", what);
        } else if (refused && refused->num != 0) {
            /* an expected refusal: no array */
        } else if ((rc = check_entry(k, "expected", what, err, err_len)) == 0 && st) {
            if (st->type != CLI_J_ARR) rc = mfail(err, err_len, "%s: \"stages\" is not a list", what);
            for (size_t s = 0; rc == 0 && s < st->n; s++) {
                const char *sn = cli_json_str(&st->kids[s], "name");
                if (!cli_pack_name_ok(sn)) {
                    rc = mfail(err, err_len, "%s: stage %zu: \"name\" is %s", what, s,
                               sn ? "not a plain file name" : "missing or not a string");
                    break;
                }
                char sw[2 * CLI_PACK_NAME_MAX + 64];
                snprintf(sw, sizeof sw, "%s, stage %s", what, sn);
                rc = check_entry(&st->kids[s], "file", sw, err, err_len);
            }
        }
    }
    if (rc) cli_json_free(m);
    return rc;
}

/* The manifest under the folder dirfd, read and checked; 0, or -1 with err (*missing set when
 * there is none). */
static int manifest_load(int dirfd, const char *shown, cli_json *m, int *missing, char *err, size_t err_len)
{
    long long size;
    char e[600];
    FILE *f = open_stream(dirfd, "manifest.json", shown, &size, missing, err, err_len);
    if (!f) return -1;
    if ((unsigned long long)size > CLI_PACK_MANIFEST_MAX) {
        fclose(f);
        return mfail(err, err_len, "%s: %lld bytes: more than a pack's manifest (%s at most)", shown, size,
                     CLI_PACK_MANIFEST_MAX_TEXT);
    }
    size_t len = 0;
    char *text = cli_read_all(f, CLI_PACK_MANIFEST_MAX + 1, &len);
    const int e_read = errno;
    fclose(f);
    if (!text) return mfail(err, err_len, "%s: cannot read: %s", shown, strerror(e_read));
    const int rc = cli_pack_manifest_parse(text, len, m, e, sizeof e);
    free(text);
    if (rc) return mfail(err, err_len, "%s: %s", shown, e);
    return 0;
}

/* 1 when every entry of the folder fd (closed here) is a regular file named *.npy or *.f32. */
static int only_arrays(int fd, char *bad, size_t bad_len)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        snprintf(bad, bad_len, "an unreadable folder");
        return 0;
    }
    int ok = 1;
    for (struct dirent *en; ok && (en = readdir(d));) {
        const char *n = en->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
        struct stat st;
        const size_t l = strlen(n);
        ok = fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) && l > 4 &&
             (!strcmp(n + l - 4, ".npy") || !strcmp(n + l - 4, ".f32"));
        if (!ok) snprintf(bad, bad_len, "%s", n);
    }
    closedir(d);
    return ok;
}

int cli_pack_recognise(const char *dir, char *why, size_t why_len)
{
    const int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_len, "cannot open it: %s", errno == ELOOP ? "a symbolic link" : strerror(errno));
        return 0;
    }
    cli_json m;
    char e[800], shown[64] = "manifest.json";
    int missing = 0, ok = manifest_load(fd, shown, &m, &missing, e, sizeof e) == 0;
    if (ok) cli_json_free(&m);
    else snprintf(why, why_len, missing ? "no manifest.json" : "its %s", e);
    const int fd2 = ok ? dup(fd) : -1;
    DIR *d = fd2 >= 0 ? fdopendir(fd2) : NULL;
    if (ok && !d) {
        if (fd2 >= 0) close(fd2);
        snprintf(why, why_len, "cannot list it: %s", strerror(errno));
        ok = 0;
    }
    for (struct dirent *en; ok && (en = readdir(d));) {
        const char *n = en->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, "manifest.json")) continue;
        char bad[300] = "";
        if (strcmp(n, "inputs") && strcmp(n, "expected")) {
            ok = 0;
            snprintf(why, why_len, "it holds '%.200s', which no pack holds", n);
            break;
        }
        const int sub = openat(fd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0 || !only_arrays(sub, bad, sizeof bad)) {
            ok = 0;
            if (bad[0]) snprintf(why, why_len, "its %s/ holds '%.200s': a pack's holds .npy and .f32 files only", n, bad);
            else snprintf(why, why_len, "its %s is not a folder of .npy and .f32 files", n);
        }
    }
    if (d) closedir(d);
    close(fd);
    return ok;
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

/* The port's array for base (OUTPUTS/base.npy, else base.f32 of the expected shape):
 * 0, 1 missing, -1 unreadable (why). */
static int port_array(int outfd, const char *outputs, const char *base, const size_t *shape, int ndim, cli_arr *a,
                      char *why, size_t why_len)
{
    char rel[2 * CLI_PACK_NAME_MAX + 16], shown[4096];
    int missing;
    snprintf(rel, sizeof rel, "%s.npy", base);
    snprintf(shown, sizeof shown, "%s/%s", outputs, rel);
    if (cli_arr_read_npy(outfd, rel, shown, a, &missing, why, why_len) == 0) return 0;
    if (!missing) return -1;
    size_t count = 1;
    for (int i = 0; i < ndim; i++) count *= shape[i]; /* checked by cli_pack_shape */
    snprintf(rel, sizeof rel, "%s.f32", base);
    snprintf(shown, sizeof shown, "%s/%s", outputs, rel);
    if (cli_arr_read_f32(outfd, rel, shown, count, a, &missing, why, why_len) == 0) {
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
        /* a NaN or infinity of the port's fails whatever the tolerance (inf - inf is no pass) */
        const double r = isfinite(port->x[i]) ? d / allowed : NAN;
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

/* Reads the command line into o: -1 to go on, else the exit status (a usage error printed). */
static int vc_parse(int argc, char **argv, vc_opts *o)
{
    const char *ops[2] = {NULL, NULL};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int pr = cli_operands(argc, argv, &i, ops, 2);
        if (pr == 2) return 2;
        if (pr) break;
        if (!strcmp(a, "--allow-missing")) o->allow_missing = 1;
        else if (!strcmp(a, "--json")) o->json = 1;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o->quiet = 1;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) return cli_usage("vectors check: -o needs a file (the JSON report)");
            o->report = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            char m[300];
            snprintf(m, sizeof m, "vectors check: unknown option '%s' (wmel vectors --help)", a);
            return cli_usage(m);
        } else if (!ops[0]) ops[0] = a;
        else if (!ops[1]) ops[1] = a;
        else return cli_usage("vectors check: takes PACK and OUTPUTS only");
    }
    if (!ops[0] || !ops[1]) return cli_usage("vectors check: wmel vectors check PACK OUTPUTS");
    o->pack = ops[0], o->outputs = ops[1];
    return -1;
}

/* One check's open pack and outputs, and its tally. */
typedef struct vc_run {
    const vc_opts *o;
    int packfd, outfd;
    int n_pass, n_fail, n_missing, n_refused;
} vc_run;

/* One case's verdict: status "pass", "fail", "missing" or "refused"; the output's grade g
 * and its worst index at ("" when not graded); the first stage that fails ("" when none). */
typedef struct vc_case {
    const char *name, *rule, *status;
    double tol;
    grade g;
    char detail[1400], at[80], first_stage[CLI_PACK_NAME_MAX + 1];
} vc_case;

/* Appends to c->detail, after "; " when it holds something already. */
static void vc_detail_add(vc_case *c, const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 2, 3)));
static void vc_detail_add(vc_case *c, const char *fmt, ...)
{
    size_t l = strlen(c->detail);
    if (l) snprintf(c->detail + l, sizeof c->detail - l, "; ");
    l = strlen(c->detail);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->detail + l, sizeof c->detail - l, fmt, ap);
    va_end(ap);
}

/* Grades the stages case e's port wrote, in manifest order, until the first that fails
 * (named in c->first_stage, its failure added to c->detail); every stage written is graded,
 * whether the output was written or not. Returns how many were written; last_ok: the last
 * that passed; *rc_io set where the pack's array cannot be read (printed). */
static int vc_grade_stages(const vc_run *r, const cli_json *e, vc_case *c, char *last_ok, size_t last_ok_len,
                           int *rc_io)
{
    const cli_json *st = cli_json_get(e, "stages");
    int written = 0;
    for (size_t s = 0; st && st->type == CLI_J_ARR && s < st->n && !c->first_stage[0]; s++) {
        const cli_json *se = &st->kids[s];
        const char *sn = cli_json_str(se, "name"), *sf = cli_json_str(se, "file"), *sr = cli_json_str(se, "rule");
        size_t sshape[4];
        int sd = cli_pack_shape(se, sshape);
        char base[2 * CLI_PACK_NAME_MAX + 8];
        snprintf(base, sizeof base, "%s.%s", c->name, sn);
        cli_arr ps = {0}, es = {0};
        char w2[600], epath[4096], err[1200];
        int r2 = port_array(r->outfd, r->o->outputs, base, sshape, sd, &ps, w2, sizeof w2);
        if (r2 == 1) continue;
        written++;
        snprintf(epath, sizeof epath, "%s/%s", r->o->pack, sf);
        grade sg;
        if (r2 < 0) {
            snprintf(c->first_stage, sizeof c->first_stage, "%s", sn);
        } else if (cli_arr_read_npy(r->packfd, sf, epath, &es, NULL, err, sizeof err) == 0) {
            grade_arrays(&ps, &es, sr, cli_json_num(se, "tol", NAN), &sg);
            if (!sg.ok) {
                char a2[80] = "";
                if (!sg.why[0]) index_text(a2, sizeof a2, es.shape, es.ndim, sg.at);
                snprintf(c->first_stage, sizeof c->first_stage, "%s", sn);
                if (sg.why[0]) vc_detail_add(c, "stage %s: %s", sn, sg.why);
                else
                    vc_detail_add(c, "stage %s: %.3g x its tolerance at %s (%.9g, expected %.9g)", sn, sg.worst, a2,
                                  sg.port, sg.exp);
            } else {
                snprintf(last_ok, last_ok_len, "%s", sn);
            }
        } else {
            cli_msg("wmel: vectors check: %s", err);
            *rc_io = 1;
        }
        cli_arr_free(&ps);
        cli_arr_free(&es);
        if (r2 < 0) vc_detail_add(c, "stage %s: %s", sn, w2);
    }
    return written;
}

/* A case the plan refuses: passes as "refused" where the port wrote no output. */
static void vc_refused(vc_run *r, const cli_json *e, vc_case *c)
{
    size_t shape[4];
    cli_pack_shape(e, shape);
    cli_arr port = {0};
    char why[600];
    const char *msg = cli_json_str(e, "message") ? cli_json_str(e, "message") : "";
    int pr = port_array(r->outfd, r->o->outputs, c->name, shape, 0, &port, why, sizeof why);
    if (pr == 1) {
        c->status = "refused";
        r->n_refused++;
        snprintf(c->detail, sizeof c->detail, "an expected refusal: %s", msg);
    } else {
        c->status = "fail";
        r->n_fail++;
        snprintf(c->detail, sizeof c->detail, "an output was written for an input the plan refuses (%s)", msg);
    }
    cli_arr_free(&port);
}

/* A case with an expected array: grades the output and the stages written, sets c's status
 * and counts it. Returns 0; -1 where the case's expected array cannot be read (printed;
 * nothing graded or counted); 1 where a stage's cannot (printed; the case graded). */
static int vc_graded(vc_run *r, const cli_json *e, vc_case *c)
{
    const char *exf = cli_json_str(e, "expected");
    size_t shape[4];
    int ndim = cli_pack_shape(e, shape); /* every entry's form was checked on loading */
    cli_arr port = {0}, exp = {0};
    char epath[4096], why[600], err[1200];
    int rc_io = 0;
    snprintf(epath, sizeof epath, "%s/%s", r->o->pack, exf);
    if (cli_arr_read_npy(r->packfd, exf, epath, &exp, NULL, err, sizeof err)) {
        cli_msg("wmel: vectors check: %s", err);
        return -1;
    }
    int pr = port_array(r->outfd, r->o->outputs, c->name, shape, ndim, &port, why, sizeof why);
    int out_failed = 0;
    if (pr == 1) {
        c->status = "missing";
        snprintf(c->detail, sizeof c->detail, "no %s/%s.npy or .f32", r->o->outputs, c->name);
    } else if (pr < 0) {
        out_failed = 1;
        snprintf(c->detail, sizeof c->detail, "%s", why);
    } else {
        grade_arrays(&port, &exp, c->rule, c->tol, &c->g);
        if (c->g.why[0]) snprintf(c->detail, sizeof c->detail, "%s", c->g.why);
        else index_text(c->at, sizeof c->at, exp.shape, exp.ndim, c->g.at);
        out_failed = !c->g.ok;
    }
    char last_ok[CLI_PACK_NAME_MAX + 1] = "";
    const int written = vc_grade_stages(r, e, c, last_ok, sizeof last_ok, &rc_io);
    if (out_failed && written && !c->first_stage[0])
        vc_detail_add(c, "the %d stages written agree (the last: %s): the divergence comes after them", written,
                      last_ok);
    if (pr == 1 && written && !c->first_stage[0]) {
        size_t l = strlen(c->detail);
        snprintf(c->detail + l, sizeof c->detail - l, "; the %d stages written pass (the last: %s)", written, last_ok);
    }
    /* a failing array fails the case, output or stage; missing only when the output is
       and nothing written fails */
    if (out_failed || c->first_stage[0]) c->status = "fail", r->n_fail++;
    else if (pr == 1) r->n_missing++;
    else r->n_pass++;
    cli_arr_free(&port);
    cli_arr_free(&exp);
    return rc_io;
}

/* The case's line of the text report. */
static void vc_print_text(FILE *txt, const vc_case *c)
{
    const char *status = c->status;
    char pl[80] = "", dl[1500] = "";
    if (!strcmp(status, "pass") || (!strcmp(status, "fail") && c->at[0]))
        snprintf(pl, sizeof pl, "%.3g x tolerance", c->g.worst);
    if (c->at[0] && c->g.worst > 0)
        snprintf(dl, sizeof dl, "%s%sworst at %s: %.9g, expected %.9g (|d| %.3g, %s tol %s)", pl, pl[0] ? "; " : "",
                 c->at, c->g.port, c->g.exp, c->g.d, c->rule, cli_num(c->tol));
    else snprintf(dl, sizeof dl, "%s", pl);
    fprintf(txt, "%-8s %s", !strcmp(status, "pass") ? "PASS" : !strcmp(status, "fail") ? "FAIL"
                              : !strcmp(status, "missing") ? "MISSING" : "REFUSED", cli_esc(c->name));
    if (dl[0]) fprintf(txt, ": %s", cli_esc(dl));
    if (c->detail[0]) fprintf(txt, "%s%s", dl[0] ? "; " : ": ", cli_esc(c->detail));
    if (c->first_stage[0]) fprintf(txt, "; first diverging stage: %s", cli_esc(c->first_stage));
    fputc('\n', txt);
}

/* The case's entry of the JSON report ("," before all but the first). */
static void vc_print_json(FILE *js, const vc_case *c, int first)
{
    fprintf(js, "%s\n  {\"case\": ", first ? "" : ",");
    jstr(js, c->name);
    fprintf(js, ", \"status\": \"%s\", \"worst_ratio\": ", c->status);
    jnum(js, c->g.worst);
    fputs(", \"worst_index\": ", js);
    if (c->at[0]) fprintf(js, "%s", c->at);
    else fputs("null", js);
    fputs(", \"port\": ", js);
    jnum(js, c->at[0] ? c->g.port : NAN);
    fputs(", \"expected\": ", js);
    jnum(js, c->at[0] ? c->g.exp : NAN);
    fputs(", \"first_diverging_stage\": ", js);
    if (c->first_stage[0]) jstr(js, c->first_stage);
    else fputs("null", js);
    fputs(", \"detail\": ", js);
    jstr(js, c->detail);
    fputs("}", js);
}

/* Grades every case of the manifest's, reporting each to txt and js (either may be NULL).
 * Returns 0, or 1 where a pack's array cannot be read (the cases after it not graded). */
static int vc_cases(vc_run *r, const cli_json *cases, FILE *txt, FILE *js)
{
    int rc_io = 0;
    for (size_t i = 0; i < cases->n; i++) {
        const cli_json *e = &cases->kids[i];
        vc_case c;
        memset(&c, 0, sizeof c);
        c.name = cli_json_str(e, "name");
        c.rule = cli_json_str(e, "rule");
        c.tol = cli_json_num(e, "tol", NAN);
        if (!c.rule) c.rule = "rel1"; /* an expected refusal: no array, no rule */
        c.status = "pass";
        if (cli_json_num(e, "refused", 0) != 0) {
            vc_refused(r, e, &c);
        } else {
            const int g = vc_graded(r, e, &c);
            if (g < 0) return 1;
            rc_io = g;
        }
        if (txt) vc_print_text(txt, &c);
        if (js) vc_print_json(js, &c, i == 0);
        if (rc_io) break;
    }
    return rc_io;
}

int cli_vectors_check(int argc, char **argv)
{
    vc_opts o = {0};
    const int prc = vc_parse(argc, argv, &o);
    if (prc >= 0) return prc;

    char path[4096], err[1200];
    snprintf(path, sizeof path, "%s/manifest.json", o.pack);
    vc_run r = {.o = &o, .packfd = open(o.pack, O_RDONLY | O_DIRECTORY | O_CLOEXEC), .outfd = -1};
    if (r.packfd < 0) {
        cli_msg("wmel: vectors check: %s: cannot open: %s (not a pack?)", o.pack, strerror(errno));
        return 2;
    }
    cli_json m;
    int no_manifest = 0;
    if (manifest_load(r.packfd, path, &m, &no_manifest, err, sizeof err)) {
        cli_msg("wmel: vectors check: %s%s", err, no_manifest ? " (not a pack?)" : "");
        close(r.packfd);
        return 2;
    }
    r.outfd = open(o.outputs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r.outfd < 0) {
        cli_msg("wmel: vectors check: %s: cannot open the outputs' folder: %s", o.outputs, strerror(errno));
        cli_json_free(&m);
        close(r.packfd);
        return 2;
    }
    const cli_json *cases = cli_json_get(&m, "cases");
    FILE *js = NULL;
    cli_out rep;
    int rep_open = 0;
    if (o.report) {
        if (cli_out_open(&rep, o.report, 0, err, sizeof err)) {
            cli_msg("wmel: vectors check: %s", err);
            cli_json_free(&m);
            close(r.packfd);
            close(r.outfd);
            return 2;
        }
        rep_open = 1;
        js = rep.f;
    } else if (o.json) {
        js = stdout;
    }
    FILE *txt = o.json && !o.report ? NULL : (o.quiet ? NULL : stdout);
    if (js) {
        fputs("{\"pack\": ", js);
        jstr(js, o.pack);
        fputs(", \"outputs\": ", js);
        jstr(js, o.outputs);
        fputs(", \"cases\": [", js);
    }
    int rc_io = vc_cases(&r, cases, txt, js);
    const int ok = !rc_io && r.n_fail == 0 && (o.allow_missing || r.n_missing == 0);
    if (js) {
        fprintf(js, "\n], \"passed\": %d, \"failed\": %d, \"missing\": %d, \"refused\": %d, \"ok\": %s}\n", r.n_pass,
                r.n_fail, r.n_missing, r.n_refused, ok ? "true" : "false");
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
                r.n_pass, r.n_fail, r.n_missing, o.allow_missing && r.n_missing ? " (allowed)" : "", r.n_refused,
                cases->n, ok ? "ok" : "FAILED");
    cli_json_free(&m);
    close(r.packfd);
    close(r.outfd);
    return rc_io ? 2 : ok ? 0 : 1;
}
