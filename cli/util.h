/* util.h -- CLI helpers: atomic output files, messages. */
#ifndef WMEL_CLI_UTIL_H
#define WMEL_CLI_UTIL_H

#include <stddef.h>
#include <stdio.h>

#include "wmel.h"

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

/* An argument no option of the command matched: the INPUT (the first one) or a usage
 * error, reported on stderr. Returns 0, or 2 (the usage-error exit status). */
int wmel_cli_positional(const char *arg, const char **input);

/* A usage error: "wmel: msg" on stderr; returns 2 (the usage-error exit status). */
int wmel_cli_usage(const char *msg);

/* The options of every command at argv[*i]: -o/--output FILE, -q/--quiet and, when p is
 * set, wmel_cli_param's. Returns 0 when argv[*i] is none of them, 1 when it was taken
 * (*i moved past its value), 2 on a usage error (reported on stderr). */
int wmel_cli_common(int argc, char **argv, int *i, const char **out, int *quiet, wmel_params *p);

/* The options every feature command shares: --n-mels 80|128, --backend
 * auto|ref|cpu|cuda, --threads N (arg and its value val, which may be NULL). Returns 0
 * when arg is none of them, 1 when it was applied to p (val consumed), 2 on a bad value
 * (reported on stderr; 2 is the usage-error exit status). */
int wmel_cli_param(const char *arg, const char *val, wmel_params *p);

/* Turns each of `fn`'s outputs for the transcribe windows of `in` (wmel_windows_open
 * on ctx: bounded memory, progress on stderr unless quiet, the decoder's warning too)
 * into one float32 OUT.npy of shape (n_windows, d1, d2), written atomically. fn (NULL:
 * the window itself, d1 x d2 = n_mels x 3000) maps one window [n_mels][3000] to d1 x d2
 * floats, returning 0 or a status with a message in msg. Returns 0, or a status with a
 * message naming the input in err; *count gets the number of windows. */
typedef int (*wmel_cli_window_fn)(void *arg, const float *mel, float *out, char *msg,
                                  size_t msg_len);
int wmel_cli_windows_npy(wmel_ctx *ctx, const char *in, int quiet, const char *out, size_t d1,
                         size_t d2, wmel_cli_window_fn fn, void *arg, size_t *count, char *err,
                         size_t err_len);

/* Writes a float32 .npy atomically. */
int wmel_write_npy_atomic(const char *path, const size_t *shape, int ndim, const float *data,
                          char *err, size_t err_len);

/* Reads raw float32 little-endian samples from stdin. */
int wmel_read_raw_f32_stdin(float **out, size_t *n, char *err, size_t err_len);

/* Writes a PNG picture of a [n_mels][n_frames] spectrogram atomically. */
int wmel_write_png(const char *path, const float *mel, int n_mels, size_t n_frames,
                   char *err, size_t err_len);

#endif
