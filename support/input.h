/* input.h -- reading the wmel command's INPUT: an audio file (FFmpeg or the WAV
 * reader) or standard input. */
#ifndef WMEL_CLI_INPUT_H
#define WMEL_CLI_INPUT_H

#include <stddef.h>

/* Reads raw float32 little-endian samples from stdin: all of them, or the first max. */
int cli_read_raw_f32_stdin(float **out, size_t *n, size_t max, char *err, size_t err_len);

/* The same from the file path ("-": standard input). A size that is not a multiple of 4
 * bytes is WMEL_ERR_FORMAT, an empty input WMEL_ERR_NO_SAMPLES; err names path. */
int cli_read_raw_f32(const char *path, float **out, size_t *n, size_t max, char *err, size_t err_len);

/* Loads INPUT as 16 kHz mono float samples (malloc'ed): FFmpeg (any format, "-" = stdin)
 * when built with it, else the WAV reader; with raw, raw float32 (the file's or stdin's, as
 * the samples of the plan's rate: no decoder, no resampling; also for "-"
 * without FFmpeg). The decoder's warning goes to stderr unless quiet. Returns 0 or a
 * status with a message naming the input in err. */
int cli_load_input(const char *path, float **pcm, size_t *n, int quiet, int raw, char *err,
                        size_t err_len);

/* The same for at most the first max samples: the rest of the input is not read (a long
 * file is not decoded to its end, an endless stream ends). */
int cli_load_head(const char *path, size_t max, float **pcm, size_t *n, int quiet, int raw,
                       char *err, size_t err_len);

#endif
