/*
 * out.c -- every output file of the wmel command (out.h): a temporary file beside the
 * target, fsynced and renamed into place on commit, removed on abort; float32 .npy
 * files (numpy/lib/format.py's format 1.0) written whole, or progressively with the
 * header's room reserved and filled in once the shape is known -- both through one
 * header writer.
 */
#define _GNU_SOURCE
#include "out.h"

#include "wmel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int wmel_out_open(wmel_out *o, const char *target, char *err, size_t err_len)
{
    memset(o, 0, sizeof *o);
    size_t n = strlen(target);
    o->target = strdup(target);
    o->tmp = malloc(n + 32);
    if (!o->target || !o->tmp) {
        wmel_out_abort(o);
        snprintf(err, err_len, "%s: out of memory", target);
        return WMEL_ERR_NO_MEMORY;
    }
    snprintf(o->tmp, n + 32, "%s.tmp.XXXXXX", target);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        snprintf(err, err_len, "%s: cannot create output: %s", target, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        wmel_out_abort(o);
        return WMEL_ERR_IO;
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        close(fd);
        snprintf(err, err_len, "%s: cannot open output: %s", target, strerror(errno));
        wmel_out_abort(o);
        return WMEL_ERR_IO;
    }
    return WMEL_OK;
}

int wmel_out_commit(wmel_out *o, char *err, size_t err_len)
{
    int ok = fflush(o->f) == 0 && !ferror(o->f);
    ok = ok && fsync(fileno(o->f)) == 0;
    int saved = errno;
    ok = (fclose(o->f) == 0) && ok;
    o->f = NULL;
    if (ok) {
        /* mkstemp creates 0600; give the file the usual permissions */
        mode_t um = umask(0);
        umask(um);
        if (chmod(o->tmp, 0666 & ~um) != 0) { /* not fatal */ }
    }
    if (!ok || rename(o->tmp, o->target) != 0) {
        snprintf(err, err_len, "%s: cannot write output: %s", o->target,
                 strerror(ok ? errno : saved));
        wmel_out_abort(o);
        return WMEL_ERR_IO;
    }
    free(o->tmp);
    free(o->target);
    o->tmp = o->target = NULL;
    return WMEL_OK;
}

void wmel_out_abort(wmel_out *o)
{
    if (o->f) fclose(o->f);
    if (o->tmp) unlink(o->tmp);
    free(o->tmp);
    free(o->target);
    memset(o, 0, sizeof *o);
}

size_t wmel_npy_header(char *buf, size_t cap, const size_t *shape, int ndim, size_t min_len)
{
    char dict[512];
    int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < ndim && n > 0 && (size_t)n < sizeof dict; i++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%zu%s", shape[i],
                      (ndim == 1 || i + 1 < ndim) ? ", " : "");
    if (n <= 0 || (size_t)n >= sizeof dict - 8) return 0;
    if (ndim == 1) n -= 1; /* "(5, )" -> "(5,)" */
    n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
    size_t total = 10 + (size_t)n + 1;
    total = (total + 63) / 64 * 64;
    if (total < min_len) total = min_len;
    if (total > cap || total - 10 > 65535) return 0;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)((total - 10) & 0xff);
    buf[9] = (char)((total - 10) >> 8);
    memcpy(buf + 10, dict, (size_t)n);
    memset(buf + 10 + n, ' ', total - 10 - (size_t)n - 1);
    buf[total - 1] = '\n';
    return total;
}

int wmel_write_npy_atomic(const char *path, const size_t *shape, int ndim, const float *data,
                          char *err, size_t err_len)
{
    wmel_out o;
    int rc = wmel_out_open(&o, path, err, err_len);
    if (rc) return rc;
    char h[1024];
    size_t hl = wmel_npy_header(h, sizeof h, shape, ndim, 0), count = 1;
    for (int i = 0; i < ndim; i++) count *= shape[i];
    if (!hl) {
        snprintf(err, err_len, "%s: shape too long for the header", path);
        wmel_out_abort(&o);
        return WMEL_ERR_OVERFLOW;
    }
    if (fwrite(h, 1, hl, o.f) != hl || (count && fwrite(data, sizeof(float), count, o.f) != count)) {
        snprintf(err, err_len, "%s: write failed: %s", path, strerror(errno));
        wmel_out_abort(&o);
        return WMEL_ERR_IO;
    }
    return wmel_out_commit(&o, err, err_len);
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
    char h[WMEL_NPY_FIXED_HEADER];
    if (wmel_npy_header(h, sizeof h, shape, ndim, sizeof h) != sizeof h) {
        snprintf(err, err_len, "%s: shape too long for the header", w->o.target);
        wmel_out_abort(&w->o);
        return WMEL_ERR_OVERFLOW;
    }
    if (fseeko(w->o.f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof h, w->o.f) != sizeof h) {
        snprintf(err, err_len, "%s: write failed: %s", w->o.target, strerror(errno));
        wmel_out_abort(&w->o);
        return WMEL_ERR_IO;
    }
    return wmel_out_commit(&w->o, err, err_len);
}

void wmel_npy_out_abort(wmel_npy_out *w) { wmel_out_abort(&w->o); }
