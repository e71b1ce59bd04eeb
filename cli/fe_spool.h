/* fe_spool.h -- another front-end's features (NeMo, Kaldi, Seamless, any plan that is not
 * Whisper's) in bounded memory, for `wmel mel --frontend F` on long inputs and every
 * `wmel batch --frontend F` item. The samples go through a wmel_stream on the plan's ctx;
 * its raw frames are kept as runs of [n_cols][nf] floats (in memory up to a limit, then in
 * an anonymous temporary file), each column summed in double as they come. Once the
 * input has ended, the front-end's finish is applied on the way out, the output written
 * sequentially in the original's layout: the normalisation's statistics over the valid
 * frames (per column: the mean, then the sum of squared deviations, each added in double
 * over the float values in wmel_features' order: chunks of 64 frames), every value normalised
 * as it does, the zero frames where it computes none (NeMo's last column, pad_to) and
 * Seamless's stacking (frames consecutive, a zero frame after an odd count). The bytes
 * are those of wmel_features() on the whole clip with the CPU backend (the float64
 * reference backend computes other values: not for it).
 * Memory: the stream's block (about 2 MB at hop 160), the runs held in memory, one run
 * while writing; whatever the length. */
#ifndef WMEL_CLI_FE_SPOOL_H
#define WMEL_CLI_FE_SPOOL_H

#include <stddef.h>
#include <stdio.h>

#include "wmel.h"

typedef struct wmel_fe_spool wmel_fe_spool;

/* A spool on a plan's ctx (which must outlive it); mem: bytes of runs held in memory
 * before the rest goes to a temporary file ($TMPDIR, else /tmp). NULL with *status set. */
wmel_fe_spool *wmel_fe_spool_new(wmel_ctx *ctx, size_t mem, int *status);
void wmel_fe_spool_free(wmel_fe_spool *s);
/* wmel_stream_push / wmel_stream_finish (finish also sizes the output: the status of
 * wmel_features_shape for the samples pushed). WMEL_ERR_IO: the temporary file could not
 * be written (wmel_fe_spool_errno says why). */
int wmel_fe_spool_push(wmel_fe_spool *s, const float *pcm, size_t n);
int wmel_fe_spool_finish(wmel_fe_spool *s);
size_t wmel_fe_spool_samples(const wmel_fe_spool *s);
/* After finish: wmel_features_shape's rows and cols. */
void wmel_fe_spool_shape(const wmel_fe_spool *s, size_t *rows, size_t *cols);
/* errno of a failed write or read of the temporary file; 0 when none failed. */
int wmel_fe_spool_errno(const wmel_fe_spool *s);
/* After finish: the rows * cols float32 values, C order, written to f (the .npy header
 * is the caller's). name: the output, for messages. WMEL_ERR_IO on a failed write (err
 * names `name`) or read of the temporary file; WMEL_ERR_NO_MEMORY. */
int wmel_fe_spool_write(wmel_fe_spool *s, FILE *f, const char *name, char *err, size_t err_len);

#endif
