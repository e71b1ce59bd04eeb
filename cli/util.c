/*
 * util.c -- CLI helpers: atomic output (temp file + fsync + rename) and raw stdin PCM.
 */
#define _GNU_SOURCE
#include "util.h"

#include "io/npy.h"
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

int wmel_cli_positional(const char *arg, const char **input)
{
    if (arg[0] == '-' && arg[1]) {
        fprintf(stderr, "wmel: unknown option '%s' (see wmel --help)\n", arg);
        return 2;
    }
    if (*input) {
        fprintf(stderr, "wmel: unexpected argument '%s' (one INPUT only)\n", arg);
        return 2;
    }
    *input = arg;
    return 0;
}

int wmel_cli_param(const char *arg, const char *val, wmel_params *p)
{
    const char *why = NULL;
    if (!strcmp(arg, "--n-mels")) {
        if (val && (!strcmp(val, "80") || !strcmp(val, "128"))) p->n_mels = atoi(val);
        else why = "--n-mels takes 80 or 128";
    } else if (!strcmp(arg, "--backend")) {
        if (val && !strcmp(val, "auto")) p->backend = WMEL_BACKEND_AUTO;
        else if (val && !strcmp(val, "ref")) p->backend = WMEL_BACKEND_REF;
        else if (val && !strcmp(val, "cpu")) p->backend = WMEL_BACKEND_CPU;
        else if (val && !strcmp(val, "cuda")) p->backend = WMEL_BACKEND_CUDA;
        else why = "--backend takes auto, ref, cpu or cuda";
    } else if (!strcmp(arg, "--threads")) {
        char *end = NULL;
        long t = val && *val >= '0' && *val <= '9' ? strtol(val, &end, 10) : -1;
        if (t < 0 || t > 256 || *end) why = "--threads takes a number from 0 to 256";
        else p->n_threads = (int)t;
    } else {
        return 0;
    }
    if (why) {
        fprintf(stderr, "wmel: %s\n", why);
        return 2;
    }
    return 1;
}

int wmel_write_npy_atomic(const char *path, const size_t *shape, int ndim, const float *data,
                          char *err, size_t err_len)
{
    wmel_out o;
    int rc = wmel_out_open(&o, path, err, err_len);
    if (rc) return rc;
    if (wmel__npy_write_f32(o.f, shape, ndim, data) != WMEL_OK) {
        snprintf(err, err_len, "%s: write failed: %s", path, strerror(errno));
        wmel_out_abort(&o);
        return WMEL_ERR_IO;
    }
    return wmel_out_commit(&o, err, err_len);
}

int wmel_read_raw_f32_stdin(float **out, size_t *n, char *err, size_t err_len)
{
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        if (len == cap) {
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, stdin);
        if (got == 0) break;
        len += got;
    }
    if (!buf) {
        snprintf(err, err_len, "-: out of memory reading standard input");
        return WMEL_ERR_NO_MEMORY;
    }
    if (ferror(stdin)) {
        free(buf);
        snprintf(err, err_len, "-: read error on standard input");
        return WMEL_ERR_IO;
    }
    if (len % 4) {
        free(buf);
        snprintf(err, err_len, "-: %zu bytes is not a whole number of float32 samples", len);
        return WMEL_ERR_FORMAT;
    }
    if (len == 0) {
        free(buf);
        snprintf(err, err_len, "-: standard input is empty: no samples");
        return WMEL_ERR_NO_SAMPLES;
    }
    *out = (float *)buf; /* x86/ARM little-endian hosts: the bytes are the floats */
    *n = len / 4;
    return WMEL_OK;
}
