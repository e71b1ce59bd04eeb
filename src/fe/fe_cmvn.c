/*
 * fe_cmvn.c -- CMVN vectors from a file into the per-column affine x scale + shift
 * (wmel_create_plan_cols): Kaldi CMVN statistics (compute-cmvn-stats' 2 x (D + 1) matrix,
 * text or binary) and FunASR's am.mvn (<AddShift> and <Rescale>). The parsers read the
 * bytes given with explicit bounds (no NUL needed), never recurse, and say where a file
 * is malformed.
 */
#include "fe.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMVN_MAX_DIM 65536

typedef struct cur {
    const unsigned char *s;
    size_t n, i;
    size_t line, tline; /* the line at i, the last token's (from 1) */
} cur;


static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* The next whitespace-separated token at c (at most cap - 1 bytes kept); 0 at the end. */
static size_t token(cur *c, char *tok, size_t cap, size_t *at)
{
    while (c->i < c->n && is_space(c->s[c->i])) c->line += c->s[c->i++] == '\n';
    *at = c->i;
    c->tline = c->line;
    size_t k = 0, kept = 0;
    while (c->i < c->n && !is_space(c->s[c->i])) {
        if (kept + 1 < cap) tok[kept++] = (char)c->s[c->i];
        k++;
        c->i++;
    }
    if (cap) tok[kept] = '\0';
    return k;
}

/* A number token (the whole token, finite). */
static int number(const char *tok, size_t k, double *v)
{
    if (!k || k >= 64) return 0;
    char *end = NULL;
    errno = 0;
    *v = strtod(tok, &end);
    return end && *end == '\0' && end != tok && isfinite(*v);
}

/* The line (from 1) of the last token. */
static size_t line_of(const cur *c, size_t at)
{
    (void)at;
    return c->tline;
}

/* Numbers from "[" (already read) to "]" into v (at most cap; *k counts them all); the line
 * numbers of the first and last value into *l0 / *l1 when given. */
static int bracket(cur *c, double *v, size_t cap, size_t *k, const char *what, char *msg, size_t len)
{
    char tok[80];
    size_t at, n = 0;
    for (;;) {
        const size_t tl = token(c, tok, sizeof tok, &at);
        if (!tl) return wmel__fe_bad(msg, len, "%s: the file ends before the closing ]", what);
        if (!strcmp(tok, "]")) break;
        double x;
        if (!number(tok, tl, &x))
            return wmel__fe_bad(msg, len, "%s, line %zu: \"%.24s\" is not a finite number", what, line_of(c, at), tok);
        if (n < cap) v[n] = x;
        if (++n > 2 * (size_t)CMVN_MAX_DIM + 2) return wmel__fe_bad(msg, len, "%s: more than %d values", what, 2 * CMVN_MAX_DIM + 2);
    }
    *k = n;
    return WMEL_OK;
}

/* FunASR's am.mvn: the vector after <AddShift>'s and <Rescale>'s "[". */
static int parse_am_mvn(cur *c, double *scale, double *shift, size_t cap, size_t *n, char *msg, size_t len)
{
    double *vec[2] = {NULL, NULL};
    size_t cnt[2] = {0, 0};
    int seen[2] = {0, 0};
    char tok[80];
    size_t at;
    int rc = WMEL_OK;
    while (rc == WMEL_OK && token(c, tok, sizeof tok, &at)) {
        const int which = !strcmp(tok, "<AddShift>") ? 0 : !strcmp(tok, "<Rescale>") ? 1 : -1;
        if (which < 0) continue;
        const char *what = which ? "am.mvn <Rescale>" : "am.mvn <AddShift>";
        if (seen[which]) {
            rc = wmel__fe_bad(msg, len, "%s, line %zu: a second one (one <AddShift> and one <Rescale> expected)", what, line_of(c, at));
            break;
        }
        seen[which] = 1;
        size_t tl;
        while ((tl = token(c, tok, sizeof tok, &at)) && strcmp(tok, "[")) /* dims, <LearnRateCoef> 0 */
            if (tok[0] == '<' && strcmp(tok, "<LearnRateCoef>")) break;
        if (!tl || strcmp(tok, "[")) {
            rc = wmel__fe_bad(msg, len, "%s: no [ vector ] follows it", what);
            break;
        }
        vec[which] = malloc(((size_t)CMVN_MAX_DIM + 1) * sizeof(double));
        if (!vec[which]) {
            rc = WMEL_ERR_NO_MEMORY;
            break;
        }
        rc = bracket(c, vec[which], (size_t)CMVN_MAX_DIM + 1, &cnt[which], what, msg, len);
    }
    if (rc == WMEL_OK && (!seen[0] || !seen[1]))
        rc = wmel__fe_bad(msg, len, "am.mvn: no %s component (FunASR's am.mvn has <AddShift> and <Rescale>)",
                 !seen[0] ? "<AddShift>" : "<Rescale>");
    if (rc == WMEL_OK && cnt[0] != cnt[1])
        rc = wmel__fe_bad(msg, len, "am.mvn: <AddShift> has %zu values, <Rescale> %zu; they must match", cnt[0], cnt[1]);
    if (rc == WMEL_OK && (cnt[0] < 1 || cnt[0] > CMVN_MAX_DIM))
        rc = wmel__fe_bad(msg, len, "am.mvn: %zu values; 1..%d expected", cnt[0], CMVN_MAX_DIM);
    if (rc == WMEL_OK) {
        *n = cnt[0];
        if (cap < cnt[0]) {
            rc = WMEL_ERR_BUFFER_TOO_SMALL;
            wmel__fe_bad(msg, len, "am.mvn: %zu values; the buffers hold %zu", cnt[0], cap);
        } else {
            for (size_t d = 0; d < cnt[0]; d++) { /* (x + addshift) rescale */
                scale[d] = vec[1][d];
                shift[d] = vec[0][d] * vec[1][d];
                if (!isfinite(shift[d])) rc = wmel__fe_bad(msg, len, "am.mvn: value %zu: addshift x rescale is not finite", d);
            }
        }
    }
    free(vec[0]);
    free(vec[1]);
    return rc;
}

/* Kaldi statistics (2 x (D + 1), row 0: sums and the count, row 1: sums of squares). */
static int from_stats(const double *st, size_t D, double *scale, double *shift, size_t cap, size_t *n, char *msg,
                      size_t len)
{
    if (D < 1 || D > CMVN_MAX_DIM) return wmel__fe_bad(msg, len, "Kaldi CMVN statistics: %zu columns; 2..%d expected", D + 1, CMVN_MAX_DIM + 1);
    *n = D;
    const double count = st[D];
    if (!(count >= 1.0))
        return wmel__fe_bad(msg, len, "Kaldi CMVN statistics: the count (row 0's last value) is %g; at least 1 expected", count);
    if (cap < D) {
        wmel__fe_bad(msg, len, "Kaldi CMVN statistics: %zu dimensions; the buffers hold %zu", D, cap);
        return WMEL_ERR_BUFFER_TOO_SMALL;
    }
    for (size_t d = 0; d < D; d++) {
        const double mean = st[d] / count;
        double var = st[D + 1 + d] / count - mean * mean;
        if (var < 1e-20) var = 1e-20;
        const double istd = 1.0 / sqrt(var);
        scale[d] = istd;
        shift[d] = -mean * istd;
        if (!isfinite(shift[d]) || !isfinite(scale[d]))
            return wmel__fe_bad(msg, len, "Kaldi CMVN statistics: dimension %zu gives a value that is not finite", d);
    }
    return WMEL_OK;
}

/* A little-endian int32 written by Kaldi's WriteBasicType: a size byte 4, then 4 bytes. */
static int kaldi_int(cur *c, int32_t *v)
{
    if (c->n - c->i < 5 || c->s[c->i] != 4) return 0;
    const unsigned char *b = c->s + c->i + 1;
    *v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
    c->i += 5;
    return 1;
}

static int parse_kaldi_binary(cur *c, double *scale, double *shift, size_t cap, size_t *n, char *msg, size_t len)
{
    c->i += 2; /* "\0B" */
    if (c->n - c->i < 3)
        return wmel__fe_bad(msg, len, "Kaldi binary matrix: the file ends after its header");
    const int dbl = !memcmp(c->s + c->i, "DM ", 3), flt = !memcmp(c->s + c->i, "FM ", 3);
    if (!dbl && !flt)
        return wmel__fe_bad(msg, len, "Kaldi binary matrix: the type token is \"%c%c\"; FM (float) or DM (double) expected "
                             "(compressed matrices are not read: write them with copy-matrix)",
                   c->s[c->i] >= 32 && c->s[c->i] < 127 ? c->s[c->i] : '?',
                   c->s[c->i + 1] >= 32 && c->s[c->i + 1] < 127 ? c->s[c->i + 1] : '?');
    c->i += 3;
    int32_t rows, cols;
    if (!kaldi_int(c, &rows) || !kaldi_int(c, &cols))
        return wmel__fe_bad(msg, len, "Kaldi binary matrix: the row and column counts are missing or malformed");
    if (rows != 2 || cols < 2 || cols > CMVN_MAX_DIM + 1)
        return wmel__fe_bad(msg, len, "Kaldi binary matrix: %d x %d; CMVN statistics are 2 x (D + 1), D 1..%d", (int)rows, (int)cols,
                   CMVN_MAX_DIM);
    const size_t es = dbl ? 8 : 4, cnt = 2 * (size_t)cols;
    if ((c->n - c->i) / es < cnt)
        return wmel__fe_bad(msg, len, "Kaldi binary matrix: the file ends inside the values (%zu of %zu bytes)", c->n - c->i, cnt * es);
    double *st = malloc(cnt * sizeof(double));
    if (!st) return WMEL_ERR_NO_MEMORY;
    int rc = WMEL_OK;
    for (size_t k = 0; k < cnt; k++) {
        const unsigned char *b = c->s + c->i + k * es;
        if (dbl) {
            uint64_t u = 0;
            for (int j = 7; j >= 0; j--) u = u << 8 | b[j];
            memcpy(&st[k], &u, 8);
        } else {
            uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
            float f;
            memcpy(&f, &u, 4);
            st[k] = f;
        }
        if (!isfinite(st[k])) {
            rc = wmel__fe_bad(msg, len, "Kaldi binary matrix: value %zu is not finite", k);
            break;
        }
    }
    if (rc == WMEL_OK) rc = from_stats(st, (size_t)cols - 1, scale, shift, cap, n, msg, len);
    free(st);
    return rc;
}

static int parse_kaldi_text(cur *c, double *scale, double *shift, size_t cap, size_t *n, char *msg, size_t len)
{
    /* "[", then two lines of D + 1 numbers, "]" */
    char tok[80];
    size_t at;
    double *st = malloc((2 * (size_t)CMVN_MAX_DIM + 2) * sizeof(double));
    if (!st) return WMEL_ERR_NO_MEMORY;
    size_t k = 0, first_line_n = 0, line0 = 0, rows = 0;
    int rc = WMEL_OK;
    for (;;) {
        const size_t tl = token(c, tok, sizeof tok, &at);
        if (!tl) {
            rc = wmel__fe_bad(msg, len, "Kaldi text matrix: the file ends before the closing ]");
            break;
        }
        if (!strcmp(tok, "]")) break;
        double x;
        if (!number(tok, tl, &x)) {
            rc = wmel__fe_bad(msg, len, "Kaldi text matrix, line %zu: \"%.24s\" is not a finite number", line_of(c, at), tok);
            break;
        }
        const size_t l = line_of(c, at);
        if (!k || l != line0) {
            if (rows == 1) first_line_n = k;
            if (++rows > 2) {
                rc = wmel__fe_bad(msg, len, "Kaldi text matrix, line %zu: a third row; CMVN statistics have 2", l);
                break;
            }
            line0 = l;
        }
        if (k >= 2 * (size_t)CMVN_MAX_DIM + 2) {
            rc = wmel__fe_bad(msg, len, "Kaldi text matrix: more than %d values", 2 * CMVN_MAX_DIM + 2);
            break;
        }
        st[k++] = x;
    }
    if (rc == WMEL_OK && rows != 2)
        rc = wmel__fe_bad(msg, len, "Kaldi text matrix: %zu row%s; CMVN statistics have 2 (sums and count; sums of squares)", rows,
                 rows == 1 ? "" : "s");
    if (rc == WMEL_OK && first_line_n * 2 != k)
        rc = wmel__fe_bad(msg, len, "Kaldi text matrix: rows of %zu and %zu values; they must match", first_line_n, k - first_line_n);
    if (rc == WMEL_OK) rc = from_stats(st, first_line_n - 1, scale, shift, cap, n, msg, len);
    free(st);
    return rc;
}

int wmel_cmvn_parse(const void *data, size_t size, double *scale, double *shift, size_t cap, size_t *n, char *msg,
                    size_t msg_len)
{
    if (msg && msg_len) msg[0] = '\0';
    if ((!data && size) || !scale || !shift || !n) {
        wmel__fe_bad(msg, msg_len, "a NULL argument");
        return WMEL_ERR_NULL_POINTER;
    }
    *n = 0;
    cur c = {data, size, 0, 1, 1};
    if (!size) return wmel__fe_bad(msg, msg_len, "the CMVN file is empty");
    /* am.mvn: "<Nnet>" or a component token anywhere */
    const unsigned char *s = data;
    for (size_t i = 0; i + 10 <= size; i++)
        if (s[i] == '<' && (!memcmp(s + i, "<AddShift>", 10) || (i + 9 <= size && !memcmp(s + i, "<Rescale>", 9))))
            return parse_am_mvn(&c, scale, shift, cap, n, msg, msg_len);
    /* a Kaldi matrix: an optional key, then "\0B" (binary) or "[" (text) */
    while (c.i < c.n && is_space(c.s[c.i])) c.line += c.s[c.i++] == '\n';
    for (int pass = 0; pass < 2; pass++) {
        if (c.n - c.i >= 2 && c.s[c.i] == 0 && c.s[c.i + 1] == 'B')
            return parse_kaldi_binary(&c, scale, shift, cap, n, msg, msg_len);
        if (c.i < c.n && c.s[c.i] == '[') {
            c.i++;
            return parse_kaldi_text(&c, scale, shift, cap, n, msg, msg_len);
        }
        if (pass) break;
        while (c.i < c.n && !is_space(c.s[c.i]) && c.s[c.i] != 0) c.i++; /* the key */
        while (c.i < c.n && is_space(c.s[c.i])) c.line += c.s[c.i++] == '\n';
    }
    return wmel__fe_bad(msg, msg_len, "not a CMVN file: neither Kaldi CMVN statistics (a matrix, text \"[ ... ]\" or binary "
                             "\"\\0B\") nor FunASR's am.mvn (<AddShift> and <Rescale>)");
}

int wmel_cmvn_load(const char *path, double *scale, double *shift, size_t cap, size_t *n, char *msg, size_t msg_len)
{
    if (msg && msg_len) msg[0] = '\0';
    if (!path || !scale || !shift || !n) {
        wmel__fe_bad(msg, msg_len, "a NULL argument");
        return WMEL_ERR_NULL_POINTER;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        wmel__fe_bad(msg, msg_len, "%s: %s", path, strerror(errno));
        return WMEL_ERR_IO;
    }
    size_t cap_b = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap_b);
    int rc = buf ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    while (rc == WMEL_OK) {
        if (len == cap_b) {
            if (cap_b >= (size_t)64 << 20) {
                rc = wmel__fe_bad(msg, msg_len, "%s: larger than 64 MiB; not a CMVN file", path);
                break;
            }
            unsigned char *nb = realloc(buf, cap_b * 2);
            if (!nb) {
                rc = WMEL_ERR_NO_MEMORY;
                break;
            }
            buf = nb;
            cap_b *= 2;
        }
        const size_t got = fread(buf + len, 1, cap_b - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                wmel__fe_bad(msg, msg_len, "%s: cannot be read: %s (a CMVN file is expected: Kaldi cmvn.ark or "
                                           "FunASR am.mvn)",
                             path, errno == EISDIR ? "a folder" : strerror(errno));
                rc = WMEL_ERR_IO;
            }
            break;
        }
    }
    fclose(f);
    if (rc == WMEL_OK) {
        char why[300];
        rc = wmel_cmvn_parse(buf, len, scale, shift, cap, n, why, sizeof why);
        if (rc) wmel__fe_bad(msg, msg_len, "%s: %s", path, why);
    }
    free(buf);
    return rc;
}
