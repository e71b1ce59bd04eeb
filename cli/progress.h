/* progress.h -- CLI helpers for long inputs: progress on stderr and .npy files written
 * progressively (shape known only at the end). */
#ifndef WMEL_CLI_PROGRESS_H
#define WMEL_CLI_PROGRESS_H

#include "util.h"

#include <stddef.h>

/* Progress: printed on stderr only when it is a terminal, not quiet, and the work has
 * lasted over a second: percent (when the total is known), audio seconds, x-realtime. */
typedef struct wmel_progress {
    int on;
    int printed;
    double t0, last;
    const char *name;
} wmel_progress;

void wmel_progress_init(wmel_progress *p, const char *name, int quiet);
void wmel_progress_cb(void *user, double seconds_done, double seconds_total); /* wmel_progress_fn */
void wmel_progress_end(wmel_progress *p);

/* A float32 .npy written progressively: a fixed 128-byte header is filled in on commit. */
typedef struct wmel_npy_out {
    wmel_out o;
    size_t count; /* floats written */
} wmel_npy_out;

int wmel_npy_out_open(wmel_npy_out *w, const char *path, char *err, size_t err_len);
int wmel_npy_out_write(wmel_npy_out *w, const float *x, size_t n, char *err, size_t err_len);
/* Writes the header for `shape` (its product must equal the count written, unless the
 * caller wrote the data with fseek itself) and renames the file into place; on failure
 * the temporary file is removed. */
int wmel_npy_out_commit(wmel_npy_out *w, const size_t *shape, int ndim, char *err,
                        size_t err_len);
void wmel_npy_out_abort(wmel_npy_out *w);

#define WMEL_NPY_FIXED_HEADER 128

struct wmel_params;
/* `wmel mel` for long inputs (cli/mel_long.c): decodes the head of INPUT; when it is
 * shorter than 2 minutes returns -1 with the samples in *pcm, *n (malloced) for the
 * whole-clip path; otherwise streams the features to `out` in bounded memory and
 * returns the exit status (messages printed). */
int wmel_cli_mel_long(const char *in, const struct wmel_params *p, size_t padding,
                      const char *out, int quiet, int verbose, float **pcm, size_t *n);

#endif
