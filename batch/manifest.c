/*
 * manifest.c -- `wmel batch` manifests: one audio path per line, or JSON Lines with
 * "path" and an optional "key" (other fields, e.g. transcripts, are ignored). Keys are
 * checked before any work starts: a malformed line, a bad key or a duplicate key stops
 * the job with the line number.
 *
 * The JSON reader understands one object per line: strings with every escape of
 * RFC 8259 (\uXXXX with surrogate pairs, to UTF-8), and skips numbers, literals,
 * arrays and nested objects.
 */
#define _XOPEN_SOURCE 700
#include "batch.h"
#include "frontend.h"
#include "readall.h"
#include "platform.h"

#include <errno.h>
#include <stdint.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

const char *wmel_batch_mode_name(int mode)
{
    return mode == WMEL_BATCH_FULL ? "full" : mode == WMEL_BATCH_WINDOWS ? "windows" : "pad30";
}

const char *wmel_batch_frontend_name(int frontend) { return cli_fe_name(frontend); }

int wmel_batch_mode_parse(const char *s)
{
    if (!s) return -1;
    if (!strcmp(s, "full")) return WMEL_BATCH_FULL;
    if (!strcmp(s, "pad30")) return WMEL_BATCH_PAD30;
    if (!strcmp(s, "windows")) return WMEL_BATCH_WINDOWS;
    return -1;
}

/* ------------------------------------------------------------------ keys */

static int key_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

char *wmel_batch_default_key(const char *path, const char *base_abs)
{
    const char *rel = path;
    size_t bl = base_abs ? strlen(base_abs) : 0;
    if (path[0] == '/' && bl > 1 && !strncmp(path, base_abs, bl) && path[bl] == '/')
        rel = path + bl + 1;
    size_t n = strlen(rel);
    /* the extension: from the last dot of the basename, unless the basename starts there */
    const char *slash = strrchr(rel, '/');
    const char *bn = slash ? slash + 1 : rel;
    const char *dot = strrchr(bn, '.');
    if (dot && dot > bn) n = (size_t)(dot - rel);
    char *key = malloc(n + 2);
    if (!key) return NULL;
    size_t k = 0, i = 0;
    while (i < n) {
        while (i < n && rel[i] == '/') i++;
        size_t j = i;
        while (j < n && rel[j] != '/') j++;
        if (j == i) break;
        if (!(j - i == 1 && rel[i] == '.')) {
            if (k) key[k++] = '/';
            for (size_t c = i; c < j; c++) key[k++] = key_char((unsigned char)rel[c]) ? rel[c] : '_';
        }
        i = j;
    }
    if (k == 0) key[k++] = '_';
    key[k] = 0;
    return key;
}

int wmel_batch_key_check(const char *key, const char **why)
{
    size_t n = strlen(key);
    if (n == 0) {
        *why = "is empty";
        return -1;
    }
    if (n > WMEL_BATCH_MAX_KEY) {
        *why = "is longer than 95 bytes (give a shorter \"key\" in a .jsonl manifest)";
        return -1;
    }
    if (key[0] == '/' || key[n - 1] == '/' || strstr(key, "//")) {
        *why = "has an empty folder component";
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (key[i] != '/' && !key_char((unsigned char)key[i])) {
            *why = "may hold only letters, digits, '_', '-' and '/' (a dot would split the "
                   "WebDataset key)";
            return -1;
        }
    return 0;
}

/* ------------------------------------------------------------------ JSON lines */

typedef struct jp {
    const char *s, *e;
    const char *why;
} jp;

static void ws(jp *p)
{
    while (p->s < p->e && (*p->s == ' ' || *p->s == '\t' || *p->s == '\r' || *p->s == '\n')) p->s++;
}

static int hex4(const char *s, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 99u;
        if (d > 15) return -1;
        *v = *v * 16 + d;
    }
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string at p->s (the opening quote); *out malloc'ed UTF-8 when out is not NULL. */
static int jstring(jp *p, char **out)
{
    if (p->s >= p->e || *p->s != '"') {
        p->why = "expected a string";
        return -1;
    }
    p->s++;
    char *o = out ? malloc((size_t)(p->e - p->s) + 1) : NULL;
    if (out && !o) {
        p->why = "out of memory";
        return -1;
    }
    size_t k = 0;
    while (p->s < p->e && *p->s != '"') {
        unsigned char c = (unsigned char)*p->s++;
        if (c < 0x20) {
            p->why = "control character in a string";
            goto bad;
        }
        if (c != '\\') {
            if (o) o[k++] = (char)c;
            continue;
        }
        if (p->s >= p->e) break;
        char esc = *p->s++;
        unsigned cp;
        switch (esc) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (p->e - p->s < 4 || hex4(p->s, &cp)) {
                p->why = "bad \\u escape";
                goto bad;
            }
            p->s += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p->e - p->s >= 6 && p->s[0] == '\\' &&
                p->s[1] == 'u') {
                unsigned lo;
                if (!hex4(p->s + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p->s += 6;
                }
            }
            break;
        default:
            p->why = "bad escape in a string";
            goto bad;
        }
        if (cp == 0) {
            p->why = "NUL character in a string";
            goto bad;
        }
        if (o) k += put_utf8(o + k, cp);
    }
    if (p->s >= p->e) {
        p->why = "unterminated string";
        goto bad;
    }
    p->s++;
    if (o) {
        o[k] = 0;
        *out = o;
    }
    return 0;
bad:
    free(o);
    return -1;
}

static int jskip(jp *p, int depth)
{
    ws(p);
    if (p->s >= p->e) {
        p->why = "expected a value";
        return -1;
    }
    if (depth > 64) {
        p->why = "nested too deep";
        return -1;
    }
    char c = *p->s;
    if (c == '"') return jstring(p, NULL);
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        p->s++;
        ws(p);
        if (p->s < p->e && *p->s == close) {
            p->s++;
            return 0;
        }
        for (;;) {
            if (c == '{') {
                ws(p);
                if (jstring(p, NULL)) return -1;
                ws(p);
                if (p->s >= p->e || *p->s != ':') {
                    p->why = "expected ':'";
                    return -1;
                }
                p->s++;
            }
            if (jskip(p, depth + 1)) return -1;
            ws(p);
            if (p->s < p->e && *p->s == ',') {
                p->s++;
                continue;
            }
            if (p->s < p->e && *p->s == close) {
                p->s++;
                return 0;
            }
            p->why = "expected ',' or a closing bracket";
            return -1;
        }
    }
    const char *t = p->s;
    while (p->s < p->e && (strchr("+-.eE", *p->s) || (*p->s >= '0' && *p->s <= '9') ||
                           (*p->s >= 'a' && *p->s <= 'z')))
        p->s++;
    if (p->s == t) {
        p->why = "unexpected character";
        return -1;
    }
    return 0;
}

/* One manifest line {"path": ..., "key": ...}. */
static int parse_object(const char *s, size_t n, char **path, char **key, const char **why)
{
    jp p = {s, s + n, NULL};
    *path = *key = NULL;
    ws(&p);
    if (p.s >= p.e || *p.s != '{') {
        *why = "not a JSON object";
        return -1;
    }
    p.s++;
    ws(&p);
    if (p.s < p.e && *p.s == '}') {
        p.s++;
    } else {
        for (;;) {
            char *name = NULL;
            ws(&p);
            if (jstring(&p, &name)) goto bad;
            ws(&p);
            if (p.s >= p.e || *p.s != ':') {
                free(name);
                p.why = "expected ':'";
                goto bad;
            }
            p.s++;
            ws(&p);
            char **slot = !strcmp(name, "path") ? path : !strcmp(name, "key") ? key : NULL;
            free(name);
            if (slot) {
                if (*slot) {
                    p.why = "a field given twice";
                    goto bad;
                }
                if (p.s >= p.e || *p.s != '"') {
                    p.why = slot == path ? "\"path\" must be a string" : "\"key\" must be a string";
                    goto bad;
                }
                if (jstring(&p, slot)) goto bad;
            } else if (jskip(&p, 0)) {
                goto bad;
            }
            ws(&p);
            if (p.s < p.e && *p.s == ',') {
                p.s++;
                continue;
            }
            if (p.s < p.e && *p.s == '}') {
                p.s++;
                break;
            }
            p.why = "expected ',' or '}'";
            goto bad;
        }
    }
    ws(&p);
    if (p.s != p.e) {
        p.why = "text after the object";
        goto bad;
    }
    if (!*path) {
        p.why = "no \"path\" field";
        goto bad;
    }
    if (!**path) {
        p.why = "\"path\" is empty";
        goto bad;
    }
    return 0;
bad:
    *why = p.why ? p.why : "malformed JSON";
    free(*path);
    free(*key);
    *path = *key = NULL;
    return -1;
}

/* ------------------------------------------------------------------ plans */

void wmel_batch_plan_free(wmel_batch_plan *plan)
{
    if (!plan) return;
    for (size_t i = 0; i < plan->n; i++) {
        free(plan->items[i].path);
        free(plan->items[i].open);
        free(plan->items[i].key);
    }
    free(plan->items);
    memset(plan, 0, sizeof *plan);
}

static int by_key(const void *a, const void *b)
{
    const wmel_batch_entry *x = *(wmel_batch_entry *const *)a, *y = *(wmel_batch_entry *const *)b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static void fnv(unsigned long long *h, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    do {
        *h ^= *p;
        *h *= 1099511628211ULL;
    } while (*p++);
}

/* the absolute form of a folder's name, malloc'ed (realpath; Windows: _fullpath) */
static char *abs_path(const char *p)
{
#if defined(_WIN32)
    return _fullpath(NULL, p, 0);
#else
    return realpath(p, NULL);
#endif
}

/* the first n bytes of s (at most), malloc'ed (POSIX's strndup) */
static char *dup_n(const char *s, size_t n)
{
    size_t l = strnlen(s, n);
    char *d = malloc(l + 1);
    if (d) {
        memcpy(d, s, l);
        d[l] = 0;
    }
    return d;
}

int wmel_batch_plan_parse(const char *text, size_t len, int jsonl, const char *base,
                          wmel_batch_plan *plan, char *err, size_t err_len)
{
    memset(plan, 0, sizeof *plan);
    char *base_abs = NULL;
    if (base && *base) {
        base_abs = abs_path(base);
    } else {
        base = NULL;
        base_abs = abs_path(".");
    }
    size_t cap = 0, line = 0;
    const char *p = text, *end = text + len;
    int rc = WMEL_OK;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3; /* a UTF-8 byte order mark */
    while (p < end && rc == WMEL_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        size_t n = (size_t)(le - p);
        if (n && p[n - 1] == '\r') n--;
        const char *s = p;
        p = nl ? nl + 1 : end;
        size_t blank = 0;
        while (blank < n && (s[blank] == ' ' || s[blank] == '\t')) blank++;
        if (blank == n) continue;
        if (jsonl < 0) jsonl = s[blank] == '{';
        char *path = NULL, *key = NULL;
        const char *why = NULL;
        if (jsonl) {
            if (parse_object(s, n, &path, &key, &why)) {
                snprintf(err, err_len, "manifest line %zu: %s", line, why);
                rc = WMEL_ERR_FORMAT;
                break;
            }
        } else {
            if (memchr(s, 0, n)) {
                snprintf(err, err_len, "manifest line %zu: a NUL byte in a path", line);
                rc = WMEL_ERR_FORMAT;
                break;
            }
            path = dup_n(s, n);
        }
        if (path && !strcmp(path, "-")) {
            snprintf(err, err_len,
                     "manifest line %zu: \"-\" (standard input) cannot be an input of a batch: "
                     "name a file (./- for a file called -)", line);
            free(path);
            free(key);
            rc = WMEL_ERR_FORMAT;
            break;
        }
        if (plan->n == cap) {
            size_t nc = cap ? 2 * cap : 256;
            wmel_batch_entry *ni = realloc(plan->items, nc * sizeof *ni);
            if (!ni) {
                free(path);
                free(key);
                rc = WMEL_ERR_NO_MEMORY;
                break;
            }
            plan->items = ni;
            cap = nc;
        }
        wmel_batch_entry *e = &plan->items[plan->n++];
        memset(e, 0, sizeof *e);
        e->path = path;
        e->line = line;
        if (!path) {
            rc = WMEL_ERR_NO_MEMORY;
            free(key);
            break;
        }
        if (path[0] == '/' || !base) {
            e->open = strdup(path);
        } else {
            size_t bl = strlen(base);
            e->open = malloc(bl + strlen(path) + 2);
            if (e->open) sprintf(e->open, "%s%s%s", base, base[bl - 1] == '/' ? "" : "/", path);
        }
        e->key = key ? key : wmel_batch_default_key(path, base_abs);
        if (!e->open || !e->key) {
            rc = WMEL_ERR_NO_MEMORY;
            break;
        }
        if (wmel_batch_key_check(e->key, &why)) {
            snprintf(err, err_len, "manifest line %zu: the key \"%.120s\" %s", line, e->key, why);
            rc = WMEL_ERR_FORMAT;
        }
    }
    free(base_abs);
    if (rc == WMEL_ERR_NO_MEMORY) snprintf(err, err_len, "out of memory reading the manifest");
    if (rc == WMEL_OK && plan->n == 0) {
        snprintf(err, err_len, "the manifest lists no input");
        rc = WMEL_ERR_NO_SAMPLES;
    }
    if (rc == WMEL_OK) { /* duplicate keys */
        wmel_batch_entry **v = malloc(plan->n * sizeof *v);
        if (!v) {
            snprintf(err, err_len, "out of memory reading the manifest");
            rc = WMEL_ERR_NO_MEMORY;
        } else {
            for (size_t i = 0; i < plan->n; i++) v[i] = &plan->items[i];
            qsort(v, plan->n, sizeof *v, by_key);
            for (size_t i = 1; i < plan->n && rc == WMEL_OK; i++)
                if (!strcmp(v[i - 1]->key, v[i]->key)) {
                    snprintf(err, err_len,
                             "manifest lines %zu and %zu have the same key \"%.120s\" (give "
                             "distinct \"key\" fields in a .jsonl manifest)",
                             v[i - 1]->line, v[i]->line, v[i]->key);
                    rc = WMEL_ERR_FORMAT;
                }
            free(v);
        }
    }
    if (rc != WMEL_OK) {
        wmel_batch_plan_free(plan);
        return rc;
    }
    unsigned long long h = 14695981039346656037ULL;
    for (size_t i = 0; i < plan->n; i++) {
        fnv(&h, plan->items[i].key);
        fnv(&h, plan->items[i].path);
    }
    plan->fingerprint = h;
    return WMEL_OK;
}

int wmel_batch_plan_load(const char *manifest, wmel_batch_plan *plan, char *err, size_t err_len)
{
    memset(plan, 0, sizeof *plan);
    int is_stdin = !strcmp(manifest, "-");
    FILE *f = is_stdin ? stdin : cli_fopen(manifest, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot open the manifest: %s", manifest, strerror(errno));
        return WMEL_ERR_IO;
    }
    size_t len = 0;
    char *buf = cli_read_all(f, SIZE_MAX - 1, &len);
    int saved = errno;
    if (!is_stdin) fclose(f);
    if (!buf && saved == ENOMEM) {
        snprintf(err, err_len, "%s: out of memory reading the manifest", manifest);
        return WMEL_ERR_NO_MEMORY;
    }
    if (!buf) {
        snprintf(err, err_len, "%s: cannot read the manifest: %s", manifest, strerror(saved));
        return WMEL_ERR_IO;
    }
    char *base = NULL;
    int jsonl = -1;
    if (!is_stdin) {
        size_t n = strlen(manifest);
        /* .jsonl by its name; any other file, like stdin, by its first line ("{") */
        jsonl = n > 6 && !strcmp(manifest + n - 6, ".jsonl") ? 1 : -1;
        const char *sl = strrchr(manifest, '/');
        base = sl ? dup_n(manifest, sl == manifest ? 1 : (size_t)(sl - manifest)) : NULL;
    }
    char msg[768];
    int rc = wmel_batch_plan_parse(buf, len, jsonl, base, plan, msg, sizeof msg);
    if (rc) snprintf(err, err_len, "%s: %s", manifest, msg);
    free(base);
    free(buf);
    return rc;
}
