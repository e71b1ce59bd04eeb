/* out.h -- every file the wmel command writes: atomic outputs (temporary file beside the
 * target, fsync, rename), float32 .npy files written whole or progressively over one
 * header writer, and the PNG picture (png.c). A failed or aborted output leaves nothing
 * under the target name. */
#ifndef WMEL_CLI_OUT_H
#define WMEL_CLI_OUT_H

#include <stddef.h>
#include <stdio.h>

/* An output written to a temporary file beside the target and renamed into place on
 * commit; abort (or a crash before commit) leaves nothing under the target name. */
typedef struct wmel_out {
    char *target;
    char *tmp;
    FILE *f;
} wmel_out;

int wmel_out_open(wmel_out *o, const char *target, char *err, size_t err_len);
int wmel_out_commit(wmel_out *o, char *err, size_t err_len); /* closes, fsyncs, renames */
void wmel_out_abort(wmel_out *o);                              /* closes and unlinks */

/* The .npy header (format 1.0: magic, version, little-endian header length, a Python
 * dict padded with spaces and a newline) of a little-endian float32 C-order array of
 * `shape`, padded to a multiple of 64 bytes and to at least `min_len`. Returns its
 * length, or 0 when it does not fit in cap. */
size_t wmel_npy_header(char *buf, size_t cap, const size_t *shape, int ndim, size_t min_len);

/* Writes a whole float32 .npy atomically. */
int wmel_write_npy_atomic(const char *path, const size_t *shape, int ndim, const float *data,
                          char *err, size_t err_len);

/* A float32 .npy written progressively (shape known only at the end): the header's room
 * (WMEL_NPY_FIXED_HEADER bytes) is reserved on open and filled in on commit. */
#define WMEL_NPY_FIXED_HEADER 128
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

/* Writes a PNG picture of a [n_mels][n_frames] spectrogram atomically (png.c). */
int wmel_write_png(const char *path, const float *mel, int n_mels, size_t n_frames,
                   char *err, size_t err_len);

#endif
