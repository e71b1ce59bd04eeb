/*
 * decode.h -- the FFmpeg decoding backend behind wmel_decoder (src/io/audio.c), internal.
 * Present only in builds with WMEL_HAVE_FFMPEG.
 */
#ifndef WMEL_DECODE_H
#define WMEL_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "wmel.h"

typedef struct wmel_ff wmel_ff;

/* Opens a path ("-" = stdin) or, when path is NULL, size bytes at data. name is used in
 * messages. Returns NULL with a status and a message in err. */
wmel_ff *wmel__ff_open(const char *path, const void *data, size_t size, const char *name,
                       wmel_interrupt_fn intr, void *user, int *status, char *err,
                       size_t err_len);
/* Up to cap int16 samples at 16 kHz mono; *got == 0 at the end. Returns 0 or a status
 * with a message in err. Warnings accumulate in warn (kept by the caller). */
int wmel__ff_read(wmel_ff *f, int16_t *out, size_t cap, size_t *got, char *err,
                  size_t err_len, char *warn, size_t warn_len);
double wmel__ff_duration(const wmel_ff *f);
/* "container: codec, rate Hz, channels (layout), sample format" of the input. */
const char *wmel__ff_format(const wmel_ff *f);
void wmel__ff_close(wmel_ff *f);

#endif
