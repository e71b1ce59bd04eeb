/*
 * fe_json.c -- a front-end plan as JSON, and the built-in presets (the .json files of presets/,
 * compiled in by cmake/embed_presets.cmake).
 *
 * The schema is one flat object: "frontend" (the preset the plan starts from: whisper, nemo,
 * nemo-legacy, kaldi, seamless), then wmel_plan_set() options by name, each a string, a
 * number or true/false (given to wmel_plan_set as text: a number's own digits, true as
 * "true"), set in wmel_plan_set's order whatever the file's order; and the metadata keys
 * (name, models, original, matched, notes: a string or an array of strings), which the plan
 * ignores. The parser is strict: no nesting, no duplicate key, valid UTF-8 only, nothing
 * after the object. It never recurses.
 */
#define _POSIX_C_SOURCE 200809L
#include "fe/fe.h"
#include "fe/fe_hfjson.h"
#include "fe/fe_presets.h"
#include "fe/plan_fields.h"
#include "internal.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* wmel_plan_set's options (plan_fields.h), in the order a plan's JSON sets them. */
enum { N_OPTS = WMEL__PF_COUNT };
static const char *const META[] = {"name", "models", "original", "matched", "notes"};
enum { N_META = sizeof META / sizeof META[0], MAX_KEYS = N_OPTS + N_META + 1, VAL_MAX = 128 };

typedef struct jentry {
    char key[32];
    char val[VAL_MAX]; /* an option's text (metadata: not kept) */
    int line, kind;    /* kind: 's' string, 'n' number, 'b' true/false, 'a' array */
} jentry;

typedef struct jcur {
    const unsigned char *s;
    size_t n, i;
    int line;
    char *msg;
    size_t msg_len;
} jcur;

static int jbad(jcur *c, const char *what)
{
    if (c->msg && c->msg_len) snprintf(c->msg, c->msg_len, "line %d: %s", c->line, what);
    return WMEL_ERR_INVALID_ARG;
}

static void skip_ws(jcur *c)
{
    while (c->i < c->n) {
        const unsigned char ch = c->s[c->i];
        if (ch == '\n') c->line++;
        else if (ch != ' ' && ch != '\t' && ch != '\r') return;
        c->i++;
    }
}

/* One UTF-8 character's code point at c->i (advanced), -1 when not valid UTF-8. */
static long utf8(jcur *c)
{
    const unsigned char *s = c->s + c->i;
    const size_t left = c->n - c->i;
    const unsigned char b = s[0];
    int len;
    long cp;
    if (b < 0x80) len = 1, cp = b;
    else if (b >= 0xc2 && b <= 0xdf) len = 2, cp = b & 0x1f;
    else if (b >= 0xe0 && b <= 0xef) len = 3, cp = b & 0x0f;
    else if (b >= 0xf0 && b <= 0xf4) len = 4, cp = b & 0x07;
    else return -1;
    if ((size_t)len > left) return -1;
    for (int k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80) return -1;
        cp = cp << 6 | (s[k] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    c->i += (size_t)len;
    return cp;
}

static int put_utf8(char *out, size_t cap, size_t *o, long cp)
{
    char b[4];
    int len;
    if (cp < 0x80) b[0] = (char)cp, len = 1;
    else if (cp < 0x800) b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), len = 2;
    else if (cp < 0x10000)
        b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | (cp >> 6 & 0x3f)), b[2] = (char)(0x80 | (cp & 0x3f)),
        len = 3;
    else
        b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | (cp >> 12 & 0x3f)), b[2] = (char)(0x80 | (cp >> 6 & 0x3f)),
        b[3] = (char)(0x80 | (cp & 0x3f)), len = 4;
    if (out && *o + (size_t)len < cap) memcpy(out + *o, b, (size_t)len);
    *o += (size_t)len;
    return 0;
}

static int hex4(jcur *c, long *v)
{
    if (c->n - c->i < 4) return -1;
    *v = 0;
    for (int k = 0; k < 4; k++) {
        const unsigned char h = c->s[c->i++];
        const int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
        if (d < 0) return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

/* A string at c->i (the opening quote) into out (cap bytes with the NUL; out may be NULL):
 * *len its decoded length (it fits when *len < cap). */
static int jstring(jcur *c, char *out, size_t cap, size_t *len)
{
    size_t o = 0;
    c->i++;
    for (;;) {
        if (c->i >= c->n) return jbad(c, "the text ends inside a string (a missing '\"')");
        const unsigned char ch = c->s[c->i];
        if (ch == '"') {
            c->i++;
            break;
        }
        if (ch < 0x20) return jbad(c, "a control character inside a string (write it as an escape, \\n)");
        if (ch != '\\') {
            const long cp = utf8(c);
            if (cp < 0) return jbad(c, "a string that is not valid UTF-8");
            put_utf8(out, cap, &o, cp);
            continue;
        }
        if (++c->i >= c->n) return jbad(c, "the text ends inside a string's escape");
        const unsigned char e = c->s[c->i++];
        long cp;
        switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = 8; break;
        case 'f': cp = 12; break;
        case 'n': cp = 10; break;
        case 'r': cp = 13; break;
        case 't': cp = 9; break;
        case 'u':
            if (hex4(c, &cp)) return jbad(c, "\\u in a string needs four hex digits");
            if (cp >= 0xdc00 && cp <= 0xdfff) return jbad(c, "a \\u escape with a lone low surrogate");
            if (cp >= 0xd800 && cp <= 0xdbff) {
                long lo;
                if (c->n - c->i < 2 || c->s[c->i] != '\\' || c->s[c->i + 1] != 'u') return jbad(c, "a \\u escape with a lone high surrogate");
                c->i += 2;
                if (hex4(c, &lo) || lo < 0xdc00 || lo > 0xdfff) return jbad(c, "a \\u escape with a lone high surrogate");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (cp == 0) return jbad(c, "\\u0000 inside a string");
            break;
        default: return jbad(c, "an unknown escape in a string (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
        }
        put_utf8(out, cap, &o, cp);
    }
    if (out && cap) out[o < cap ? o : cap - 1] = '\0';
    *len = o;
    return WMEL_OK;
}

/* A JSON number's text at c->i (strict grammar) into out. */
static int jnumber(jcur *c, char *out, size_t cap)
{
    const size_t b = c->i;
    const unsigned char *s = c->s;
#define DIGIT(k) ((k) < c->n && s[k] >= '0' && s[k] <= '9')
    size_t i = b;
    if (i < c->n && s[i] == '-') i++;
    if (!DIGIT(i)) return jbad(c, "a number needs a digit");
    if (s[i] == '0') i++;
    else
        while (DIGIT(i)) i++;
    if (i < c->n && s[i] == '.') {
        if (!DIGIT(i + 1)) return jbad(c, "a number needs a digit after its '.'");
        i++;
        while (DIGIT(i)) i++;
    }
    if (i < c->n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < c->n && (s[i] == '+' || s[i] == '-')) i++;
        if (!DIGIT(i)) return jbad(c, "a number needs a digit in its exponent");
        while (DIGIT(i)) i++;
    }
#undef DIGIT
    if (i - b >= cap) return jbad(c, "a number of more than 64 characters");
    memcpy(out, s + b, i - b);
    out[i - b] = '\0';
    c->i = i;
    return WMEL_OK;
}

static int is_of(const char *k, const char *const *list, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(k, list[i])) return i;
    return -1;
}

/* The object's entries (at most MAX_KEYS). */
static int jparse(const char *text, size_t len, jentry *e, int *n_e, char *msg, size_t msg_len)
{
    jcur c = {(const unsigned char *)text, len, 0, 1, msg, msg_len};
    *n_e = 0;
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) c.i = 3; /* a UTF-8 byte-order mark */
    skip_ws(&c);
    if (c.i >= c.n) return jbad(&c, "no JSON object (the text is empty)");
    if (c.s[c.i] != '{') return jbad(&c, "a plan is one JSON object ({\"frontend\": \"kaldi\", ...})");
    c.i++;
    skip_ws(&c);
    if (c.i < c.n && c.s[c.i] == '}') {
        c.i++;
    } else {
        for (;;) {
            skip_ws(&c);
            if (c.i >= c.n) return jbad(&c, "the text ends inside the object (a missing '}')");
            if (c.s[c.i] != '"') return jbad(&c, "a key (a string in double quotes) expected");
            jentry *x = &e[*n_e];
            size_t kl;
            const int kline = c.line;
            int rc = jstring(&c, x->key, sizeof x->key, &kl);
            if (rc) return rc;
            c.line = kline;
            for (char *q = x->key; *q; q++) /* shown in messages: one line */
                if ((unsigned char)*q < 0x20 || *q == 0x7f) *q = '?';
            char shown[40];
            if (kl >= sizeof x->key) {
                snprintf(shown, sizeof shown, "%.24s...", x->key);
                char m[96];
                snprintf(m, sizeof m, "key \"%s\": not an option of a front-end plan", shown);
                return jbad(&c, m);
            }
            const int opt = wmel__pf_find(x->key), meta = is_of(x->key, META, N_META);
            const int fe = !strcmp(x->key, "frontend");
            if (opt < 0 && meta < 0 && !fe) {
                char list[WMEL__PF_COUNT * 24], m[sizeof list + 256];
                wmel__pf_list(list, sizeof list);
                snprintf(m, sizeof m, "key \"%s\": not an option of a front-end plan (frontend, the options of "
                                      "wmel_plan_set: %s; metadata: name, models, original, matched, notes)", x->key,
                         list);
                return jbad(&c, m);
            }
            for (int k = 0; k < *n_e; k++)
                if (!strcmp(e[k].key, x->key)) {
                    char m[96];
                    snprintf(m, sizeof m, "key \"%s\" appears twice (first on line %d)", x->key, e[k].line);
                    return jbad(&c, m);
                }
            x->line = c.line;
            skip_ws(&c);
            if (c.i >= c.n || c.s[c.i] != ':') return jbad(&c, "a ':' expected after the key");
            c.i++;
            skip_ws(&c);
            if (c.i >= c.n) return jbad(&c, "the text ends before the key's value");
            const unsigned char ch = c.s[c.i];
            char m[160];
            if (ch == '"') {
                size_t vl;
                rc = jstring(&c, meta >= 0 ? NULL : x->val, meta >= 0 ? 0 : sizeof x->val, &vl);
                if (rc) return rc;
                if (meta < 0 && vl >= sizeof x->val) {
                    snprintf(m, sizeof m, "key \"%s\": a value of more than %d bytes", x->key, VAL_MAX - 1);
                    return jbad(&c, m);
                }
                x->kind = 's';
            } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
                if ((rc = jnumber(&c, x->val, 65))) return rc;
                x->kind = 'n';
            } else if (c.n - c.i >= 4 && !memcmp(c.s + c.i, "true", 4)) {
                c.i += 4;
                strcpy(x->val, "true");
                x->kind = 'b';
            } else if (c.n - c.i >= 5 && !memcmp(c.s + c.i, "false", 5)) {
                c.i += 5;
                strcpy(x->val, "false");
                x->kind = 'b';
            } else if (ch == '[' && meta >= 0) {
                c.i++;
                skip_ws(&c);
                if (c.i < c.n && c.s[c.i] == ']') {
                    c.i++;
                } else {
                    for (;;) {
                        skip_ws(&c);
                        if (c.i >= c.n || c.s[c.i] != '"') {
                            snprintf(m, sizeof m, "key \"%s\": an array of strings only", x->key);
                            return jbad(&c, m);
                        }
                        size_t vl;
                        if ((rc = jstring(&c, NULL, 0, &vl))) return rc;
                        skip_ws(&c);
                        if (c.i < c.n && c.s[c.i] == ',') {
                            c.i++;
                            continue;
                        }
                        if (c.i < c.n && c.s[c.i] == ']') {
                            c.i++;
                            break;
                        }
                        return jbad(&c, c.i >= c.n ? "the text ends inside an array (a missing ']')"
                                                    : "a ',' or ']' expected in the array");
                    }
                }
                x->kind = 'a';
            } else if (ch == '{' || ch == '[') {
                snprintf(m, sizeof m, "key \"%s\": a plan is flat (no nested object or array%s)", x->key,
                         meta >= 0 ? " but a metadata key's array of strings" : "");
                return jbad(&c, m);
            } else if (c.n - c.i >= 4 && !memcmp(c.s + c.i, "null", 4)) {
                snprintf(m, sizeof m, "key \"%s\": null is not a value (leave the key out for the preset's own)", x->key);
                return jbad(&c, m);
            } else {
                snprintf(m, sizeof m, "key \"%s\": a value expected (a string, a number, true or false)", x->key);
                return jbad(&c, m);
            }
            if ((meta >= 0) != 0 && x->kind != 's' && x->kind != 'a') {
                snprintf(m, sizeof m, "key \"%s\": metadata is a string or an array of strings", x->key);
                return jbad(&c, m);
            }
            if (fe && x->kind != 's') return jbad(&c, "key \"frontend\": a string (whisper, nemo, nemo-legacy, kaldi or seamless)");
            (*n_e)++;
            skip_ws(&c);
            if (c.i < c.n && c.s[c.i] == ',') {
                c.i++;
                if (*n_e >= MAX_KEYS) return jbad(&c, "more keys than a plan has");
                continue;
            }
            if (c.i < c.n && c.s[c.i] == '}') {
                c.i++;
                break;
            }
            return jbad(&c, c.i >= c.n ? "the text ends inside the object (a missing '}')" : "a ',' or '}' expected after a value");
        }
    }
    skip_ws(&c);
    if (c.i < c.n) return jbad(&c, "text after the plan's object (one object per file)");
    return WMEL_OK;
}

static const char *const FE_NAMES[] = {"whisper", "nemo", "kaldi", "seamless", "nemo-legacy"}; /* WMEL_FRONTEND_* */

int wmel_plan_from_json(const char *text, size_t len, wmel_frontend_plan *plan, char *msg, size_t msg_len)
{
    if (msg && msg_len) msg[0] = '\0';
    if (!text || !plan) {
        wmel__fe_bad(msg, msg_len, "%s is NULL", !text ? "the JSON text" : "the plan");
        return WMEL_ERR_NULL_POINTER;
    }
    jentry *e = calloc(MAX_KEYS, sizeof *e);
    if (!e) {
        wmel__fe_bad(msg, msg_len, "out of memory");
        return WMEL_ERR_NO_MEMORY;
    }
    int n_e = 0, rc = jparse(text, len, e, &n_e, msg, msg_len);
    int fe = -1, fe_line = 1;
    for (int k = 0; !rc && k < n_e; k++)
        if (!strcmp(e[k].key, "frontend")) {
            fe_line = e[k].line;
            for (int f = 0; f < 5; f++)
                if (!strcmp(e[k].val, FE_NAMES[f])) fe = f;
            if (fe < 0) {
                char vb[48];
                snprintf(vb, sizeof vb, "%.40s", e[k].val);
                for (char *p = vb; *p; p++)
                    if ((unsigned char)*p < 0x20) *p = '?';
                rc = wmel__fe_bad(msg, msg_len, "line %d: frontend \"%s\": whisper, nemo, nemo-legacy, kaldi or seamless",
                                  fe_line, vb);
            }
        }
    if (!rc && fe < 0)
        rc = wmel__fe_bad(msg, msg_len, "line 1: no \"frontend\" key (the preset the plan starts from: whisper, nemo, "
                                        "nemo-legacy, kaldi or seamless)");
    wmel_frontend_plan p;
    if (!rc) rc = wmel_frontend_preset(fe, 0, &p);
    char why[400];
    for (int o = 0; !rc && o < N_OPTS; o++)
        for (int k = 0; k < n_e; k++)
            if (!strcmp(e[k].key, wmel_plan_field_info((size_t)o)->name)) {
                if (wmel_plan_set(&p, e[k].key, e[k].val, why, sizeof why))
                    rc = wmel__fe_bad(msg, msg_len, "line %d: %s", e[k].line, why);
                break;
            }
    if (!rc && wmel_plan_check(&p, why, sizeof why)) rc = wmel__fe_bad(msg, msg_len, "the plan: %s", why);
    free(e);
    if (!rc) *plan = p;
    return rc;
}

/* The plan's fields, for the sentence naming one the options cannot reach. */
#define FI(f, t) {#f, offsetof(wmel_frontend_plan, f), sizeof(((wmel_frontend_plan *)0)->f)},
#define FIR(f, t, n) FI(f, t)
static const struct {
    const char *name;
    size_t off, size;
} FIELDS[] = {WMEL_FRONTEND_PLAN_MEMBERS(FI, FIR)};
#undef FI
#undef FIR

typedef struct jout {
    char *buf;
    size_t cap, len;
    int n;
} jout;

static void emit(jout *o, const char *key, const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 3, 4)));
static void emit(jout *o, const char *key, const char *fmt, ...)
{
    char v[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    char line[160];
    const int l = snprintf(line, sizeof line, "%s\n  \"%s\": %s", o->n ? "," : "", key, v);
    if (o->len + (size_t)l < o->cap) memcpy(o->buf + o->len, line, (size_t)l + 1);
    o->len += (size_t)l;
    o->n++;
}

static int same_d(double a, double b) { return !memcmp(&a, &b, sizeof a); }

/* ---- each option's value in a plan's JSON (plan_fields.h): put_NAME writes the text of
 * plan p's value into v and returns 1 where p differs from b, the preset it starts from;
 * else 0. An option that only sets others (legacy, exact_pad, lfr) writes nothing. ---- */

#define PUT(f) static int put_##f(const wmel_frontend_plan *p, const wmel_frontend_plan *b, char *v, size_t len)
/* the bodies of the plain kinds (in the functions: tools/amalgamate.py reads a file-scope
 * NAME(x) as a macro defining x) */
#define PUT_INT(f) return p->f != b->f && snprintf(v, len, "%d", p->f) > 0
#define PUT_NUM(f) return !same_d(p->f, b->f) && snprintf(v, len, "%s", wmel__num(p->f).s) > 0
#define PUT_BOOL(f) return p->f != b->f && snprintf(v, len, "%s", p->f ? "true" : "false") > 0
#define PUT_WORD(f, words, n) return p->f != b->f && p->f >= 0 && p->f < (n) && snprintf(v, len, "\"%s\"", words[p->f]) > 0
#define PUT_NONE() return (void)p, (void)b, (void)v, (void)len, 0

static int put_bit(int pf, int bf, int bit, char *v, size_t len)
{
    return ((pf ^ bf) & bit) && snprintf(v, len, "%s", pf & bit ? "true" : "false") > 0;
}

PUT(n_mels) { PUT_INT(n_mels); }
PUT(normalize)
{
    const int nemo = p->frontend == WMEL_FRONTEND_NEMO || p->frontend == WMEL_FRONTEND_NEMO_LEGACY;
    const int nf = WMEL_NORMF_MEAN_ONLY | WMEL_NORMF_ALL;
    if (p->frontend == WMEL_FRONTEND_WHISPER || (p->norm == b->norm && (p->norm_flags & nf) == (b->norm_flags & nf)))
        return 0;
    snprintf(v, len, "\"%s\"",
             p->norm == WMEL_NORM_NONE                ? "none"
             : p->norm == WMEL_NORM_WHOLE             ? "whole"
             : (p->norm_flags & WMEL_NORMF_MEAN_ONLY) ? "mean"
             : nemo                                   ? (p->norm_flags & WMEL_NORMF_ALL ? "all_features" : "per_feature")
                                                      : "mean_var");
    return 1;
}
PUT(window) { PUT_WORD(window, wmel__fe_window_names, WMEL__FE_N_WINDOWS); }
PUT(scale) { PUT_NUM(scale); }
PUT(low_freq) { PUT_NUM(low_freq); }
PUT(high_freq) { PUT_NUM(high_freq); }
PUT(use_energy) { PUT_BOOL(use_energy); }
PUT(energy_floor) { PUT_NUM(energy_floor); }
PUT(legacy) { PUT_NONE(); } /* the front-end's name, nemo-legacy */
PUT(pad_to) { PUT_INT(pad_to); }
static const char *const MEL_SCALES[] = {"slaney", "kaldi", "htk", "tf"};
PUT(mel_scale) { PUT_WORD(mel_scale, MEL_SCALES, 4); }
PUT(mel_norm) { return p->mel_norm != b->mel_norm && snprintf(v, len, "\"%s\"", p->mel_norm ? "slaney" : "none") > 0; }
PUT(empty_filters) { return put_bit(p->bank_flags, b->bank_flags, WMEL_BANK_ALLOW_EMPTY, v, len); }
PUT(bf16) { return put_bit(p->bank_flags, b->bank_flags, WMEL_BANK_BF16, v, len); }
PUT(window_coeff) { PUT_NUM(window_coeff); }
PUT(power) { PUT_INT(power); }
PUT(mag_guard)
{
    if (p->mag_guard_mode == b->mag_guard_mode && same_d(p->mag_guard, b->mag_guard)) return 0;
    if (p->mag_guard_mode == WMEL_MAG_GUARD_NONE) snprintf(v, len, "\"none\"");
    else snprintf(v, len, "\"%s:%s\"", p->mag_guard_mode == WMEL_MAG_GUARD_MAX ? "max" : "add", wmel__num(p->mag_guard).s);
    return 1;
}
PUT(log_guard) { PUT_NUM(log_guard); }
PUT(norm_eps) { PUT_NUM(norm_eps); }
PUT(norm_ddof)
{
    return ((p->norm_flags ^ b->norm_flags) & WMEL_NORMF_POPULATION) &&
           snprintf(v, len, "%d", p->norm_flags & WMEL_NORMF_POPULATION ? 0 : 1) > 0;
}
PUT(norm_max)
{
    (void)b;
    return (p->norm_flags & WMEL_NORMF_FIXED_MAX) && snprintf(v, len, "%s", wmel__num(p->norm_max).s) > 0;
}
PUT(norm_range) { PUT_NUM(norm_range); }
PUT(n_frames) { PUT_INT(n_frames); }
PUT(pad_value) { PUT_NUM(pad_value); }
/* the affine: both halves when either differs */
static int affine_differs(const wmel_frontend_plan *p, const wmel_frontend_plan *b)
{
    return p->affine != b->affine || !same_d(p->post_scale, b->post_scale) || !same_d(p->post_shift, b->post_shift);
}
PUT(post_scale) { return affine_differs(p, b) && snprintf(v, len, "%s", wmel__num(p->post_scale).s) > 0; }
PUT(post_shift) { return affine_differs(p, b) && snprintf(v, len, "%s", wmel__num(p->post_shift).s) > 0; }
PUT(remove_dc) { PUT_BOOL(remove_dc); }
PUT(preemph) { PUT_NUM(preemph); }
PUT(sample_rate) { PUT_INT(sample_rate); }
PUT(frame_length) { PUT_INT(frame_length); }
PUT(hop) { PUT_INT(hop); }
PUT(n_fft) { PUT_INT(n_fft); }
PUT(stack) { PUT_INT(stack); }
static const char *const FRAMINGS[] = {"snip", "center_reflect", "center_zero", "kaldi_center"},
                         *const PREEMPHS[] = {"frame", "signal", "padded", "padded_cut"},
                         *const LOGS[] = {"log10_clamp", "ln_add", "ln_clamp", "none", "ln_zero", "log10_zero"},
                         *const VALIDS[] = {"all", "hop", "trim", "end", "ceil", "but_last"},
                         *const LAYOUTS[] = {"mels_frames", "frames_mels"}, *const PAD_MODES[] = {"zero", "reflect"},
                         *const TAILS[] = {"zero", "drop", "trim", "last"};
PUT(framing) { PUT_WORD(framing, FRAMINGS, 4); }
PUT(preemph_mode) { PUT_WORD(preemph_mode, PREEMPHS, 4); }
PUT(log) { PUT_WORD(log, LOGS, 6); }
PUT(valid) { PUT_WORD(valid, VALIDS, 6); }
PUT(layout) { PUT_WORD(layout, LAYOUTS, 2); }
PUT(dither) { PUT_NUM(dither); }
PUT(dither_seed) { return p->dither_seed != b->dither_seed && snprintf(v, len, "%u", (unsigned)p->dither_seed) > 0; }
PUT(raw_energy)
{
    return p->energy_windowed != b->energy_windowed && snprintf(v, len, "%s", p->energy_windowed ? "false" : "true") > 0;
}
PUT(exact_pad) { PUT_NONE(); } /* the fields it sets */
PUT(pad_left) { PUT_INT(pad_left); }
PUT(pad_right) { PUT_INT(pad_right); }
PUT(pad_multiple) { PUT_INT(pad_multiple); }
PUT(n_samples) { PUT_INT(n_samples); }
PUT(batch_axis) { PUT_BOOL(batch_axis); }
PUT(pad_mode) { PUT_WORD(pad_mode, PAD_MODES, 2); }
PUT(frame_span) { PUT_INT(frame_span); }
PUT(window_offset) { PUT_INT(window_offset); }
PUT(vtln_warp) { PUT_NUM(vtln_warp); }
PUT(vtln_low) { PUT_NUM(vtln_low); }
PUT(vtln_high) { PUT_NUM(vtln_high); }
PUT(htk_bank) { return put_bit(p->bank_flags, b->bank_flags, WMEL_BANK_HTK, v, len); }
PUT(lfr) { PUT_NONE(); } /* the stacking fields it sets */
PUT(stack_stride) { PUT_INT(stack_stride); }
PUT(stack_left) { PUT_INT(stack_left); }
PUT(stack_tail)
{
    if (p->stack_tail == b->stack_tail && same_d(p->stack_fill, b->stack_fill)) return 0;
    if (p->stack_tail == WMEL_STACK_TAIL_FILL) return snprintf(v, len, "\"fill:%s\"", wmel__num(p->stack_fill).s) > 0;
    return p->stack_tail >= 0 && p->stack_tail <= 3 && snprintf(v, len, "\"%s\"", TAILS[p->stack_tail]) > 0;
}
PUT(delta_win) { PUT_INT(delta_win); }
PUT(cols_stacked) { PUT_BOOL(cols_stacked); }
PUT(linear_bins) { PUT_BOOL(linear_bins); }
PUT(first_bin) { PUT_INT(first_bin); }
PUT(symmetric_bank) { return put_bit(p->bank_flags, b->bank_flags, WMEL_BANK_SYMMETRIC, v, len); }
PUT(then_norm)
{
    const int f = p->norm_flags;
    return ((f ^ b->norm_flags) & WMEL_NORMF_THEN_MEAN_VAR) &&
           snprintf(v, len, "\"%s\"", !(f & WMEL_NORMF_THEN_MEAN_VAR) ? "none"
                                      : f & WMEL_NORMF_MEAN_ONLY      ? "mean"
                                                                      : "mean_var") > 0;
}
PUT(n_ceps) { PUT_INT(n_ceps); }
PUT(cepstral_lifter) { PUT_NUM(cepstral_lifter); }
PUT(ceps_htk) { PUT_BOOL(ceps_htk); }
PUT(snap_bins) { return put_bit(p->bank_flags, b->bank_flags, WMEL_BANK_SNAP_BINS, v, len); }

#define PF_PUT(name, ...) put_##name,
static int (*const PUTS[])(const wmel_frontend_plan *, const wmel_frontend_plan *, char *, size_t) = {
    WMEL__PLAN_FIELDS(PF_PUT)};
#undef PF_PUT
#undef PUT_NONE
#undef PUT_WORD
#undef PUT_BOOL
#undef PUT_NUM
#undef PUT_INT
#undef PUT

int wmel_plan_to_json(const wmel_frontend_plan *plan, char *buf, size_t buf_len, char *msg, size_t msg_len)
{
    if (msg && msg_len) msg[0] = '\0';
    if (!plan || !buf) {
        wmel__fe_bad(msg, msg_len, "%s is NULL", !plan ? "the plan" : "the buffer");
        return WMEL_ERR_NULL_POINTER;
    }
    char why[400];
    if (wmel_plan_check(plan, why, sizeof why)) return wmel__fe_bad(msg, msg_len, "the plan: %s", why);
    const wmel_frontend_plan *p = plan;
    wmel_frontend_plan b;
    if (wmel_frontend_preset(p->frontend, 0, &b)) return wmel__fe_bad(msg, msg_len, "frontend %d: unknown", p->frontend);
    char tmp[WMEL_PLAN_JSON_MAX];
    jout o = {tmp, sizeof tmp, 0, 0};
    tmp[0] = '\0';
    emit(&o, "frontend", "\"%s\"", FE_NAMES[p->frontend]);
    for (size_t f = 0; f < N_OPTS; f++) {
        char v[96];
        if (PUTS[f](p, &b, v, sizeof v)) emit(&o, wmel_plan_field_info(f)->name, "%s", v);
    }
    const int l = snprintf(tmp + (o.len < sizeof tmp ? o.len : sizeof tmp - 1), o.len < sizeof tmp ? sizeof tmp - o.len : 1, "\n}\n");
    o.len += (size_t)l;
    if (o.len + 2 >= sizeof tmp) return wmel__fe_bad(msg, msg_len, "the plan's JSON is longer than WMEL_PLAN_JSON_MAX");
    memmove(tmp + 1, tmp, o.len + 1); /* the opening brace */
    tmp[0] = '{';
    o.len++;
    /* what the options reach must be the plan itself, field for field */
    wmel_frontend_plan back;
    int rc = wmel_plan_from_json(tmp, o.len, &back, why, sizeof why);
    if (rc == WMEL_ERR_NO_MEMORY) return wmel__fe_bad(msg, msg_len, "out of memory"), WMEL_ERR_NO_MEMORY;
    if (rc) return wmel__fe_bad(msg, msg_len, "the plan is not reachable through wmel_plan_set's options: %s", why);
    for (size_t f = 0; f < sizeof FIELDS / sizeof FIELDS[0]; f++)
        if (memcmp((const char *)p + FIELDS[f].off, (const char *)&back + FIELDS[f].off, FIELDS[f].size))
            return wmel__fe_bad(msg, msg_len, "field %s: this value is not reachable from the %s preset through "
                                              "wmel_plan_set's options, which a plan's JSON holds",
                                FIELDS[f].name, FE_NAMES[p->frontend]);
    if (o.len + 1 > buf_len) {
        wmel__fe_bad(msg, msg_len, "the buffer holds %zu bytes; the plan's JSON needs %zu", buf_len, o.len + 1);
        return WMEL_ERR_BUFFER_TOO_SMALL;
    }
    memcpy(buf, tmp, o.len + 1);
    return WMEL_OK;
}

/* ------------------------------------------------------------------------------------ */
/* The built-in presets (presets_gen.c, generated from presets/ (its .json files)).                  */

size_t wmel_preset_count(void) { return wmel__n_presets; }

const char *wmel_preset_name(size_t i) { return i < wmel__n_presets ? wmel__presets[i].name : NULL; }

const char *wmel_preset_json(const char *name)
{
    for (size_t i = 0; name && i < wmel__n_presets; i++)
        if (!strcmp(name, wmel__presets[i].name)) return wmel__presets[i].json;
    return NULL;
}

int wmel_preset_plan(const char *name, wmel_frontend_plan *plan, char *msg, size_t msg_len)
{
    if (msg && msg_len) msg[0] = '\0';
    if (!name || !plan) {
        wmel__fe_bad(msg, msg_len, "%s is NULL", !name ? "the preset's name" : "the plan");
        return WMEL_ERR_NULL_POINTER;
    }
    const char *j = wmel_preset_json(name);
    if (!j) {
        char names[1024];
        size_t o = 0;
        names[0] = '\0';
        for (size_t i = 0; i < wmel__n_presets && o < sizeof names; i++)
            o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", i ? ", " : "", wmel__presets[i].name);
        return wmel__fe_bad(msg, msg_len, "preset \"%.40s\": not a built-in preset (%s)", name, names);
    }
    char why[400];
    const int rc = wmel_plan_from_json(j, strlen(j), plan, why, sizeof why);
    if (rc) wmel__fe_bad(msg, msg_len, "preset %s: %s", name, why);
    return rc;
}

int wmel_plan_json_meta(const char *text, size_t len, const char *key, char *out, size_t out_len)
{
    if (out && out_len) out[0] = '\0';
    if (!text || !key || !out) return WMEL_ERR_NULL_POINTER;
    if (is_of(key, META, N_META) < 0) return WMEL_ERR_INVALID_ARG;
    jentry *e = calloc(MAX_KEYS, sizeof *e);
    if (!e) return WMEL_ERR_NO_MEMORY;
    int n_e, rc = jparse(text, len, e, &n_e, NULL, 0);
    free(e);
    if (rc) return rc;
    /* the key's value, found again by a walk of the (valid) text */
    jcur c = {(const unsigned char *)text, len, 0, 1, NULL, 0};
    size_t o = 0;
    while (c.i < c.n && c.s[c.i] != '{') c.i++;
    c.i++;
    for (;;) {
        skip_ws(&c);
        if (c.i >= c.n || c.s[c.i] != '"') break;
        char k[32];
        size_t kl;
        jstring(&c, k, sizeof k, &kl);
        skip_ws(&c);
        c.i++; /* ':' */
        skip_ws(&c);
        const int hit = kl < sizeof k && !strcmp(k, key);
        size_t vl;
        if (c.s[c.i] == '"') {
            size_t before = o;
            jstring(&c, hit ? out + o : NULL, hit && out_len > o ? out_len - o : 0, &vl);
            if (hit) o = before + vl;
        } else if (c.s[c.i] == '[') {
            c.i++;
            for (int first = 1;;) {
                skip_ws(&c);
                if (c.s[c.i] == ']') {
                    c.i++;
                    break;
                }
                if (c.s[c.i] == ',') {
                    c.i++;
                    continue;
                }
                if (hit && !first && o + 2 < out_len) memcpy(out + o, ", ", 3);
                if (hit && !first) o += 2;
                jstring(&c, hit && out_len > o ? out + o : NULL, hit && out_len > o ? out_len - o : 0, &vl);
                if (hit) o += vl;
                first = 0;
            }
        } else {
            while (c.i < c.n && c.s[c.i] != ',' && c.s[c.i] != '}' && c.s[c.i] != ' ' && c.s[c.i] != '\n') c.i++;
        }
        skip_ws(&c);
        if (c.i < c.n && c.s[c.i] == ',') c.i++;
        if (hit) break;
    }
    if (o >= out_len && out_len) {
        out[out_len - 1] = '\0';
        return WMEL_ERR_BUFFER_TOO_SMALL;
    }
    return WMEL_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Any JSON document's top-level members (transformers' configurations: fe_hf.c).        */

int wmel__json_members(const char *text, size_t len, const char *sub, wmel__jmember *m, int *n, char *msg,
                       size_t msg_len)
{
    jcur c = {(const unsigned char *)text, len, 0, 1, msg, msg_len};
    char stack[64]; /* '{' or '[' per open level */
    int depth = 0, sub_level = 0;
    *n = 0;
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) c.i = 3;
    skip_ws(&c);
    if (c.i >= c.n || c.s[c.i] != '{') return jbad(&c, "a configuration is one JSON object ({\"feature_extractor_type\": ...})");
    stack[depth++] = '{';
    c.i++;
    char key[WMEL_JM_KEY];
    int key_ok = 0;
    for (;;) {
        skip_ws(&c);
        if (c.i >= c.n) return jbad(&c, "the text ends inside an object or array");
        unsigned char ch = c.s[c.i];
        const char top = stack[depth - 1];
        if ((top == '{' && ch == '}') || (top == '[' && ch == ']')) {
            c.i++;
            if (depth == 2 && sub_level) sub_level = 0;
            if (--depth == 0) break;
            goto after_value;
        }
        if (top == '{') {
            if (ch != '"') return jbad(&c, "a key (a string in double quotes) expected");
            size_t kl;
            int rc = jstring(&c, key, sizeof key, &kl);
            if (rc) return rc;
            key_ok = kl < sizeof key;
            skip_ws(&c);
            if (c.i >= c.n || c.s[c.i] != ':') return jbad(&c, "a ':' expected after a key");
            c.i++;
            skip_ws(&c);
            if (c.i >= c.n) return jbad(&c, "the text ends before a key's value");
            ch = c.s[c.i];
        }
        {
            /* the value: kept when it is a member of the top level or of `sub` */
            const int keep = top == '{' && key_ok && (depth == 1 || (depth == 2 && sub_level));
            wmel__jmember *x = NULL;
            if (keep) {
                if (*n >= WMEL_JM_MAX) return jbad(&c, "more than 512 keys in the configuration");
                x = &m[(*n)++];
                memset(x, 0, sizeof *x);
                memcpy(x->key, key, sizeof key);
                x->nested = depth == 2;
                x->line = c.line;
                x->at = c.i;
            }
            if (ch == '{' || ch == '[') {
                if (depth >= (int)sizeof stack) return jbad(&c, "objects and arrays nested more than 64 deep");
                if (x) x->kind = ch == '{' ? 'o' : 'a';
                if (depth == 1 && ch == '{' && top == '{' && key_ok && sub && !strcmp(key, sub)) sub_level = 1;
                stack[depth++] = (char)ch;
                c.i++;
                continue;
            }
            if (ch == '"') {
                size_t vl;
                int rc = jstring(&c, x ? x->val : NULL, x ? sizeof x->val : 0, &vl);
                if (rc) return rc;
                if (x) x->kind = vl < sizeof x->val ? 's' : 'L';
            } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
                char num[65];
                int rc = jnumber(&c, num, sizeof num);
                if (rc) return rc;
                if (x) {
                    memcpy(x->val, num, strlen(num) + 1);
                    x->kind = 'n';
                }
            } else {
                static const char *const LIT[] = {"true", "false", "null"};
                int k = 0;
                while (k < 3 && !(c.n - c.i >= strlen(LIT[k]) && !memcmp(c.s + c.i, LIT[k], strlen(LIT[k])))) k++;
                if (k == 3) return jbad(&c, "a value expected (a string, a number, an object, an array, true, false or null)");
                c.i += strlen(LIT[k]);
                if (x) {
                    strcpy(x->val, LIT[k]);
                    x->kind = k == 2 ? 'z' : 'b';
                }
            }
        }
    after_value:
        skip_ws(&c);
        if (c.i >= c.n) return jbad(&c, "the text ends inside an object or array");
        if (c.s[c.i] == ',') {
            c.i++;
            /* a ',' must be followed by a member, not by the closing bracket */
            skip_ws(&c);
            if (c.i < c.n && (c.s[c.i] == '}' || c.s[c.i] == ']')) return jbad(&c, "a ',' before a closing bracket");
            continue;
        }
        if (c.s[c.i] != (stack[depth - 1] == '{' ? '}' : ']'))
            return jbad(&c, stack[depth - 1] == '{' ? "a ',' or '}' expected after a value" : "a ',' or ']' expected after a value");
    }
    skip_ws(&c);
    if (c.i != c.n) return jbad(&c, "text after the configuration's object");
    return WMEL_OK;
}

int wmel__json_numbers(const char *text, size_t len, size_t at, double *out, size_t cap, size_t *n)
{
    jcur c = {(const unsigned char *)text, len, at, 1, NULL, 0};
    enum { DEEP = 64 };
    size_t count[DEEP], want[DEEP]; /* per level: the open array's elements, the level's length */
    int depth = 0, leaf = 0, ragged = 0; /* leaf: the level the numbers sit at (0: none yet) */
    for (int d = 0; d < DEEP; d++) want[d] = (size_t)-1;
    *n = 0;
    do {
        skip_ws(&c);
        if (c.i >= c.n) return 1;
        const unsigned char ch = c.s[c.i];
        if (ch == '[') {
            if (depth >= DEEP) return 1;
            if (depth > 0) {
                count[depth - 1]++;
                if (leaf && depth >= leaf) ragged = 1; /* an array beside numbers */
            }
            count[depth++] = 0;
            c.i++;
        } else if (ch == ']') {
            depth--;
            if (want[depth] == (size_t)-1) want[depth] = count[depth];
            else if (want[depth] != count[depth]) ragged = 1; /* one level's arrays, unequal lengths */
            c.i++;
        } else if (ch == ',') {
            c.i++;
        } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
            char num[65];
            if (jnumber(&c, num, sizeof num)) return 1;
            if (!leaf) leaf = depth;
            else if (leaf != depth) ragged = 1; /* numbers at two levels */
            count[depth - 1]++;
            if (*n >= cap) return 2;
            out[(*n)++] = strtod(num, NULL);
        } else {
            return 1;
        }
    } while (depth > 0);
    return ragged ? 3 : 0;
}
