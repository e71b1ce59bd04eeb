/*
 * npyread.c -- the command's .npy reader (npyread.h). The header's claimed size is held to
 * the file's before anything is allocated for the data: a short file claiming a huge array
 * is "truncated", never a large allocation.
 */
#define _POSIX_C_SOURCE 200809L /* fileno */
#include "npyread.h"
#include "platform.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef _WIN32
#define fileno _fileno
#endif

void cli_npy_free(cli_npy *a)
{
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

static double half_to_double(uint16_t h)
{
    const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    const double s = (h & 0x8000) ? -1.0 : 1.0;
    if (e == 0) return s * ldexp(m, -24);
    if (e == 31) return m ? NAN : s * INFINITY;
    return s * ldexp(m + 1024, e - 25);
}

double cli_npy_at(const cli_npy *a, size_t i)
{
    const char *p = (const char *)a->data + i * (size_t)a->item;
    if (a->kind == 1) {
        int16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    if (a->kind == 2) { /* bfloat16: float32's upper half */
        uint16_t h;
        memcpy(&h, p, 2);
        uint32_t u = (uint32_t)h << 16;
        float v;
        memcpy(&v, &u, 4);
        return v;
    }
    if (a->item == 2) {
        uint16_t h;
        memcpy(&h, p, 2);
        return half_to_double(h);
    }
    if (a->item == 4) {
        float v;
        memcpy(&v, p, 4);
        return v;
    }
    double v;
    memcpy(&v, p, 8);
    return v;
}

/* The data's bytes: all of them when the size is known (checked before this), else in
 * growing steps, so that a header's claim is never allocated ahead of the bytes that back it. */
static int read_data(FILE *f, cli_npy *a, size_t bytes, int size_known)
{
    if (size_known) {
        if (!(a->data = malloc(bytes ? bytes : 1))) return -2;
        return fread(a->data, 1, bytes, f) == bytes ? 0 : -1;
    }
    size_t cap = 0, n = 0;
    char *b = NULL;
    while (n < bytes) {
        if (n == cap) {
            size_t nc = cap ? (cap <= bytes / 2 ? cap * 2 : bytes) : (bytes < ((size_t)1 << 20) ? bytes : (size_t)1 << 20);
            char *t = realloc(b, nc);
            if (!t) return free(b), -2;
            b = t, cap = nc;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        if (got == 0) return free(b), -1;
        n += got;
    }
    a->data = b ? b : malloc(1);
    return a->data ? 0 : -2;
}

static int read_stream(FILE *f, const char *path, long long size, cli_npy *a, int more, char *err, size_t err_len)
{
    memset(a, 0, sizeof *a);
    unsigned char pre[12];
    char *h = NULL;
    int rc = -1;
    size_t pre_len = 10;
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] < 1 || pre[6] > 3) {
        snprintf(err, err_len, "%s: not a .npy file", path);
        goto out;
    }
    size_t hl = (size_t)pre[8] | (size_t)pre[9] << 8;
    if (pre[6] >= 2) {
        if (fread(pre + 10, 1, 2, f) != 2) goto trunc;
        hl |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        pre_len = 12;
    }
    if (size >= 0 && (unsigned long long)size < pre_len + (unsigned long long)hl) goto trunc;
    if (hl > (1u << 20) || !(h = malloc(hl + 1)) || fread(h, 1, hl, f) != hl) goto trunc;
    h[hl] = 0;
    const char *d = strstr(h, "'descr'"), *fo = strstr(h, "'fortran_order'"), *sh = strstr(h, "'shape'");
    if (!d || !fo || !sh) {
        snprintf(err, err_len, "%s: .npy header without descr, fortran_order or shape", path);
        goto out;
    }
    const char *q = strchr(d + 7, '\'');
    a->item = !q ? 0 : !strncmp(q, "'<f2'", 5) ? 2 : !strncmp(q, "'<f4'", 5) ? 4 : !strncmp(q, "'<f8'", 5) ? 8 : 0;
    if (!a->item && more && q) { /* int16 PCM; bfloat16 as numpy saves ml_dtypes' (a 2-byte void) or by name */
        if (!strncmp(q, "'<i2'", 5)) a->item = 2, a->kind = 1;
        else if (!strncmp(q, "'|V2'", 5) || !strncmp(q, "'<V2'", 5) || !strncmp(q, "'bfloat16'", 10)) a->item = 2, a->kind = 2;
    }
    if (!a->item) {
        snprintf(err, err_len, "%s: dtype is not %s (little-endian)", path,
                 more ? "float16, bfloat16, float32, float64 or int16" : "float16, float32 or float64");
        goto out;
    }
    const char *fc = strchr(fo + 15, ':');
    a->fortran = fc && !strncmp(fc + 1 + strspn(fc + 1, " "), "True", 4);
    const char *p = strchr(sh, '(');
    unsigned long long axes[4], claim = (unsigned long long)a->item; /* bytes, saturated */
    int nd = 0;
    while (p && *++p && *p != ')') {
        if (*p == ' ' || *p == ',') continue;
        char *end;
        if (*p < '0' || *p > '9') p = NULL; /* strtoull would take a sign or spaces */
        const unsigned long long v = p ? strtoull(p, &end, 10) : 0;
        if (!p || end == p || nd >= 4) {
            snprintf(err, err_len, "%s: shape not understood (at most 4 axes)", path);
            goto out;
        }
        axes[nd++] = v;
        claim = v && claim > ULLONG_MAX / v ? ULLONG_MAX : claim * v;
        p = end - 1;
    }
    if (!p) {
        snprintf(err, err_len, "%s: shape not understood", path);
        goto out;
    }
    /* the header's claim against the file's size before any allocation */
    const unsigned long long left = size >= 0 ? (unsigned long long)size - pre_len - hl : 0;
    if (size >= 0 && claim > left) {
        if (claim == ULLONG_MAX)
            snprintf(err, err_len, "%s: truncated .npy file: its header claims more than 2^64 bytes of data, the file "
                     "holds %llu", path, left);
        else
            snprintf(err, err_len, "%s: truncated .npy file: its header claims %llu bytes of data, the file holds %llu",
                     path, claim, left);
        goto out;
    }
    int too_large = claim > SIZE_MAX / 8;
    for (int i = 0; i < nd; i++) too_large |= axes[i] > SIZE_MAX / 8;
    if (too_large) {
        snprintf(err, err_len, "%s: shape too large for this machine's memory", path);
        goto out;
    }
    size_t count = 1;
    for (int i = 0; i < nd; i++) a->shape[i] = (size_t)axes[i], count *= (size_t)axes[i];
    a->ndim = nd;
    a->count = count;
    const size_t bytes = count * (size_t)a->item;
    int r = read_data(f, a, bytes, size >= 0);
    if (r == -2) {
        snprintf(err, err_len, "%s: out of memory", path);
        goto out;
    }
    if (r) goto trunc;
    rc = 0;
    goto out;
trunc:
    snprintf(err, err_len, "%s: truncated .npy file", path);
out:
    if (rc) cli_npy_free(a);
    free(h);
    return rc;
}

int cli_npy_read_stream(FILE *f, const char *path, long long size, cli_npy *a, char *err, size_t err_len)
{
    return read_stream(f, path, size, a, 0, err, err_len);
}

static int read_path(const char *path, cli_npy *a, int *missing, int more, char *err, size_t err_len);
int cli_npy_read(const char *path, cli_npy *a, int *missing, char *err, size_t err_len)
{
    return read_path(path, a, missing, 0, err, err_len);
}
int cli_npy_read_more(const char *path, cli_npy *a, char *err, size_t err_len)
{
    return read_path(path, a, NULL, 1, err, err_len);
}
static int read_path(const char *path, cli_npy *a, int *missing, int more, char *err, size_t err_len)
{
    memset(a, 0, sizeof *a);
    if (missing) *missing = 0;
    FILE *f = cli_fopen(path, "rb");
    if (!f) {
        if (missing && errno == ENOENT) *missing = 1;
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    long long size = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) ? (long long)st.st_size : -1;
    int rc = read_stream(f, path, size, a, more, err, err_len);
    fclose(f);
    return rc;
}
