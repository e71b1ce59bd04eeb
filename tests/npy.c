/*
 * npy.c -- reading NumPy .npy files, format 1.0 (numpy/lib/format.py's documented
 * layout: magic "\x93NUMPY", version 1.0, a little-endian u16 header length, then a
 * Python dict literal padded with spaces and a newline to a multiple of 64 bytes): the
 * goldens and the command's outputs, for the tests. The writer is the command's
 * (support/out.c); libwmel reads and writes no .npy.
 */
#include "npy.h"

#include "wmel.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int npy_fail(char *err, size_t err_len, const char *path, const char *why, int rc)
{
    if (err && err_len) snprintf(err, err_len, "%s: %s", path, why);
    return rc;
}

int wmel__npy_read(const char *path, wmel_npy *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return npy_fail(err, err_len, path, "cannot open", WMEL_ERR_IO);
    unsigned char pre[10];
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] != 1) {
        fclose(f);
        return npy_fail(err, err_len, path, "not a version 1 .npy file", WMEL_ERR_FORMAT);
    }
    size_t hl = (size_t)pre[8] | ((size_t)pre[9] << 8);
    char *h = malloc(hl + 1);
    if (!h || fread(h, 1, hl, f) != hl) {
        free(h);
        fclose(f);
        return npy_fail(err, err_len, path, "truncated header", WMEL_ERR_FORMAT);
    }
    h[hl] = 0;
    const char *d = strstr(h, "'descr':"), *fo = strstr(h, "'fortran_order':"),
               *sh = strstr(h, "'shape':");
    int rc = WMEL_OK;
    if (!d || !fo || !sh || strstr(fo, "True") == fo + 17) rc = WMEL_ERR_FORMAT;
    if (rc == WMEL_OK) {
        d = strchr(d + 8, '\'');
        if (!d || sscanf(d + 1, "%7[^']", out->dtype) != 1) rc = WMEL_ERR_FORMAT;
    }
    if (rc == WMEL_OK) {
        if (!strcmp(out->dtype, "<f4") || !strcmp(out->dtype, "<i4")) out->itemsize = 4;
        else if (!strcmp(out->dtype, "<f8")) out->itemsize = 8;
        else if (!strcmp(out->dtype, "<i2")) out->itemsize = 2;
        else rc = WMEL_ERR_UNSUPPORTED;
    }
    if (rc == WMEL_OK) {
        const char *p = strchr(sh, '(');
        out->count = 1;
        if (!p) rc = WMEL_ERR_FORMAT;
        while (rc == WMEL_OK && p && *++p && *p != ')') {
            if (*p == ' ' || *p == ',') continue;
            char *end;
            unsigned long long v = strtoull(p, &end, 10);
            if (end == p || out->ndim >= WMEL_NPY_MAX_DIMS) {
                rc = WMEL_ERR_FORMAT;
                break;
            }
            if (v > SIZE_MAX || (v && out->count > SIZE_MAX / 8 / (size_t)v)) {
                rc = WMEL_ERR_FORMAT; /* no array that large fits in memory */
                break;
            }
            out->shape[out->ndim++] = (size_t)v;
            out->count *= (size_t)v;
            p = end - 1;
        }
    }
    free(h);
    if (rc != WMEL_OK) {
        fclose(f);
        return npy_fail(err, err_len, path, "unsupported .npy header", rc);
    }
    /* the header's shape is not trusted: the data must be in the file before any
       allocation of its size */
    long here = ftell(f);
    if (here < 0 || fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return npy_fail(err, err_len, path, "cannot seek", WMEL_ERR_IO);
    }
    long end_pos = ftell(f);
    if (end_pos < here || fseek(f, here, SEEK_SET) != 0 ||
        (uint64_t)(end_pos - here) < (uint64_t)out->count * out->itemsize) {
        fclose(f);
        return npy_fail(err, err_len, path, "truncated data", WMEL_ERR_FORMAT);
    }
    out->data = malloc(out->count * out->itemsize + 1);
    if (!out->data || fread(out->data, out->itemsize, out->count, f) != out->count) {
        fclose(f);
        wmel__npy_free(out);
        return npy_fail(err, err_len, path, "truncated data", WMEL_ERR_FORMAT);
    }
    fclose(f);
    return WMEL_OK;
}

void wmel__npy_free(wmel_npy *a)
{
    free(a->data);
    a->data = NULL;
}

double *wmel__npy_as_f64(const wmel_npy *a)
{
    double *d = malloc((a->count ? a->count : 1) * sizeof *d);
    if (!d) return NULL;
    for (size_t i = 0; i < a->count; i++) {
        const unsigned char *p = (const unsigned char *)a->data + i * a->itemsize;
        if (!strcmp(a->dtype, "<f4")) {
            float v;
            memcpy(&v, p, 4);
            d[i] = v;
        } else if (!strcmp(a->dtype, "<f8")) {
            memcpy(&d[i], p, 8);
        } else if (!strcmp(a->dtype, "<i2")) {
            int16_t v;
            memcpy(&v, p, 2);
            d[i] = v;
        } else {
            int32_t v;
            memcpy(&v, p, 4);
            d[i] = v;
        }
    }
    return d;
}
