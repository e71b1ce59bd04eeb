/*
 * util.c -- CLI helpers: atomic output (temp file + fsync + rename) and raw stdin PCM.
 */
#define _GNU_SOURCE
#include "util.h"
#include "progress.h"

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

int wmel_cli_usage(const char *msg)
{
    fprintf(stderr, "wmel: %s\n", msg);
    return 2;
}

int wmel_cli_common(int argc, char **argv, int *i, const char **out, int *quiet, wmel_params *p)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
        if (!v) return wmel_cli_usage("-o needs a file name");
        *out = v;
        ++*i;
        return 1;
    }
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
        *quiet = 1;
        return 1;
    }
    if (!p) return 0;
    int pr = wmel_cli_param(a, v, p);
    if (pr == 1) ++*i;
    return pr;
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

int wmel_cli_windows_npy(wmel_ctx *ctx, const char *in, int quiet, const char *out, size_t d1,
                         size_t d2, wmel_cli_window_fn fn, void *arg, size_t *count, char *err,
                         size_t err_len)
{
    char warn[1024] = "";
    int st;
    *count = 0;
    wmel_progress pg;
    wmel_progress_init(&pg, in, quiet);
    wmel_windows *w = wmel_windows_open(ctx, in, wmel_progress_cb, &pg, &st, err, err_len, warn,
                                        sizeof warn);
    wmel_progress_end(&pg);
    if (warn[0] && !quiet) fprintf(stderr, "wmel: warning: %s\n", warn);
    if (!w) return st ? st : WMEL_ERR_IO;
    const size_t per = (size_t)wmel_ctx_n_mels(ctx) * WMEL_CHUNK_FRAMES, per_out = d1 * d2;
    const size_t n = wmel_windows_count(w);
    float *mel = malloc(per * sizeof *mel), *y = fn ? malloc(per_out * sizeof *y) : mel;
    wmel_npy_out o;
    int rc = mel && y ? wmel_npy_out_open(&o, out, err, err_len) : WMEL_ERR_NO_MEMORY;
    if (!mel || !y) snprintf(err, err_len, "%s: out of memory", in);
    if (rc == WMEL_OK) {
        for (size_t k = 0; k < n && rc == WMEL_OK; k++) {
            size_t frames = 0;
            char msg[512] = "";
            rc = wmel_windows_next(w, mel, per, &frames);
            if (rc == WMEL_OK && frames == 0) rc = WMEL_ERR_IO; /* cannot happen */
            if (rc) {
                snprintf(err, err_len, "%s: window %zu: %s", in, k, wmel_strerror(rc));
            } else if (fn && (rc = fn(arg, mel, y, msg, sizeof msg)) != 0) {
                snprintf(err, err_len, "%s: window %zu: %s", in, k, msg);
            } else {
                rc = wmel_npy_out_write(&o, y, per_out, err, err_len);
            }
        }
        size_t shape[3] = {n, d1, d2};
        if (rc == WMEL_OK && n == 0) {
            rc = WMEL_ERR_TOO_SHORT;
            snprintf(err, err_len, "%s: shorter than one frame (160 samples): no window", in);
        }
        if (rc == WMEL_OK) rc = wmel_npy_out_commit(&o, shape, 3, err, err_len);
        else wmel_npy_out_abort(&o);
    }
    if (fn) free(y);
    free(mel);
    wmel_windows_close(w);
    *count = n;
    return rc;
}
