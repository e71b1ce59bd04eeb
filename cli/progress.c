/*
 * progress.c -- progress lines for long inputs, and .npy outputs written as the data
 * comes (NumPy format 1.0: magic, version, little-endian header length, a Python dict
 * padded with spaces to a multiple of 64 bytes; here always 128 bytes so the header can
 * be filled in once the shape is known).
 */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include "wmel.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void wmel_progress_init(wmel_progress *p, const char *name, int quiet)
{
    memset(p, 0, sizeof *p);
    p->on = !quiet && isatty(2);
    p->t0 = p->last = now();
    p->name = name;
}

void wmel_progress_cb(void *user, double done, double total)
{
    wmel_progress *p = user;
    if (!p || !p->on) return;
    double t = now();
    if (t - p->t0 < 1.0 || t - p->last < 0.25) return;
    p->last = t;
    double xrt = done / (t - p->t0);
    if (total > 0) {
        double pct = 100.0 * done / total;
        fprintf(stderr, "\r%s: %5.1f%%  %.0f s of audio  %.0fx realtime   ", p->name,
                pct > 100 ? 100.0 : pct, done, xrt);
    } else {
        fprintf(stderr, "\r%s: %.0f s of audio  %.0fx realtime   ", p->name, done, xrt);
    }
    p->printed = 1;
}

void wmel_progress_end(wmel_progress *p)
{
    if (p->printed) fputc('\n', stderr);
    p->printed = 0;
}

int wmel_npy_out_open(wmel_npy_out *w, const char *path, char *err, size_t err_len)
{
    memset(w, 0, sizeof *w);
    int rc = wmel_out_open(&w->o, path, err, err_len);
    if (rc) return rc;
    char zero[WMEL_NPY_FIXED_HEADER] = {0};
    if (fwrite(zero, 1, sizeof zero, w->o.f) != sizeof zero) {
        snprintf(err, err_len, "%s: write failed: %s", path, strerror(errno));
        wmel_out_abort(&w->o);
        return WMEL_ERR_IO;
    }
    return WMEL_OK;
}

int wmel_npy_out_write(wmel_npy_out *w, const float *x, size_t n, char *err, size_t err_len)
{
    if (fwrite(x, sizeof(float), n, w->o.f) != n) {
        snprintf(err, err_len, "%s: write failed: %s", w->o.target, strerror(errno));
        return WMEL_ERR_IO;
    }
    w->count += n;
    return WMEL_OK;
}

int wmel_npy_out_commit(wmel_npy_out *w, const size_t *shape, int ndim, char *err,
                        size_t err_len)
{
    char h[WMEL_NPY_FIXED_HEADER + 1];
    char dims[256] = "";
    size_t used = 0;
    for (int i = 0; i < ndim; i++)
        used += (size_t)snprintf(dims + used, sizeof dims - used, "%zu%s", shape[i],
                                 ndim == 1 ? "," : i + 1 < ndim ? ", " : "");
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    h[8] = (char)(WMEL_NPY_FIXED_HEADER - 10);
    h[9] = 0;
    int n = snprintf(h + 10, sizeof h - 10,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", dims);
    if (n < 0 || n > WMEL_NPY_FIXED_HEADER - 11) {
        snprintf(err, err_len, "%s: shape too long for the header", w->o.target);
        wmel_out_abort(&w->o);
        return WMEL_ERR_OVERFLOW;
    }
    memset(h + 10 + n, ' ', (size_t)(WMEL_NPY_FIXED_HEADER - 11 - n));
    h[WMEL_NPY_FIXED_HEADER - 1] = '\n';
    if (fseeko(w->o.f, 0, SEEK_SET) != 0 || fwrite(h, 1, WMEL_NPY_FIXED_HEADER, w->o.f) != WMEL_NPY_FIXED_HEADER) {
        snprintf(err, err_len, "%s: write failed: %s", w->o.target, strerror(errno));
        wmel_out_abort(&w->o);
        return WMEL_ERR_IO;
    }
    return wmel_out_commit(&w->o, err, err_len);
}

void wmel_npy_out_abort(wmel_npy_out *w) { wmel_out_abort(&w->o); }
