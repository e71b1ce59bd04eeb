/*
 * input.c -- the wmel command's INPUT (input.h): audio files through libwmel's decoder,
 * raw float32 samples (--raw-f32: a file or standard input).
 */
#include "input.h"
#include "readall.h"

#include "wmel.h"
#include "msg.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Raw float32 little-endian samples: all of f's, or the first max; name is the input as the
 * user gave it ("-" for standard input). */
static int read_raw_f32(FILE *f, const char *name, float **out, size_t *n, size_t max, char *err, size_t err_len)
{
    size_t len = 0;
    const size_t max_bytes = max > (SIZE_MAX - 1) / 4 ? SIZE_MAX - 1 : max * 4;
    const int is_stdin = f == stdin;
    char *buf = cli_read_all(f, max_bytes, &len);
    if (!buf && errno == ENOMEM) {
        snprintf(err, err_len, "%s: out of memory reading %s", name, is_stdin ? "standard input" : "the file");
        return WMEL_ERR_NO_MEMORY;
    }
    if (!buf) {
        snprintf(err, err_len, "%s: read error%s: %s", name, is_stdin ? " on standard input" : "", strerror(errno));
        return WMEL_ERR_IO;
    }
    if (len % 4) {
        free(buf);
        snprintf(err, err_len, "%s: %zu bytes is not a whole number of float32 samples (4 bytes each)",
                 name, len);
        return WMEL_ERR_FORMAT;
    }
    if (len == 0) {
        free(buf);
        snprintf(err, err_len, "%s: %s is empty: no samples", name, is_stdin ? "standard input" : "the file");
        return WMEL_ERR_NO_SAMPLES;
    }
    *out = (float *)buf; /* x86/ARM little-endian hosts: the bytes are the floats */
    *n = len / 4;
    return WMEL_OK;
}

/* Standard input without FFmpeg: a WAV (its bytes begin with a RIFF/WAVE header) through the
 * built-in reader, else raw float32 samples; the first max samples (0: all). */
static int read_stdin_no_ffmpeg(float **out, size_t *n, size_t max, char *err, size_t err_len, char *warn,
                                size_t warn_len)
{
    size_t len = 0;
    char *buf = cli_read_all(stdin, SIZE_MAX - 1, &len);
    if (!buf) {
        const int e = errno;
        snprintf(err, err_len, "-: %s reading standard input: %s", e == ENOMEM ? "out of memory" : "read error",
                 strerror(e));
        return e == ENOMEM ? WMEL_ERR_NO_MEMORY : WMEL_ERR_IO;
    }
    int rc;
    if (len >= 12 && !memcmp(buf, "RIFF", 4) && !memcmp(buf + 8, "WAVE", 4)) {
        rc = wmel_parse_wav(buf, len, "-", out, n, err, err_len, warn, warn_len);
        free(buf);
    } else if (len % 4) {
        free(buf);
        snprintf(err, err_len, "-: %zu bytes is neither a WAV (no RIFF/WAVE header; this build has no FFmpeg for "
                 "other formats) nor a whole number of float32 samples (4 bytes each)", len);
        return WMEL_ERR_FORMAT;
    } else if (len == 0) {
        free(buf);
        snprintf(err, err_len, "-: standard input is empty: no samples");
        return WMEL_ERR_NO_SAMPLES;
    } else {
        *out = (float *)buf; /* x86/ARM little-endian hosts: the bytes are the floats */
        *n = len / 4;
        rc = WMEL_OK;
    }
    if (rc == WMEL_OK && max && *n > max) *n = max;
    return rc;
}

int cli_read_raw_f32_stdin(float **out, size_t *n, size_t max, char *err, size_t err_len)
{
    return read_raw_f32(stdin, "-", out, n, max, err, err_len);
}

int cli_read_raw_f32(const char *path, float **out, size_t *n, size_t max, char *err, size_t err_len)
{
    if (!strcmp(path, "-")) return cli_read_raw_f32_stdin(out, n, max, err, err_len);
    FILE *f = fopen(path, "rb");
    if (!f) {
        const int e = errno;
        snprintf(err, err_len, "%s: %s", path, strerror(e));
        return WMEL_ERR_IO;
    }
    int rc = read_raw_f32(f, path, out, n, max, err, err_len);
    fclose(f);
    return rc;
}

int cli_load_input(const char *path, float **pcm, size_t *n, int quiet, int raw, char *err,
                        size_t err_len)
{
    char warn[1024] = "";
    int rc;
    if (raw)
        rc = cli_read_raw_f32(path, pcm, n, SIZE_MAX, err, err_len);
    else if (!strcmp(path, "-") && !wmel_have_ffmpeg())
        rc = read_stdin_no_ffmpeg(pcm, n, 0, err, err_len, warn, sizeof warn);
    else
        rc = wmel_load_audio(path, pcm, n, err, err_len, warn, sizeof warn);
    if (rc == WMEL_OK && warn[0] && !quiet) cli_msg("wmel: warning: %s", warn);
    return rc;
}

int cli_load_head(const char *path, size_t max, float **pcm, size_t *n, int quiet, int raw,
                       char *err, size_t err_len)
{
    if (raw) return cli_read_raw_f32(path, pcm, n, max, err, err_len);
    if (!strcmp(path, "-") && !wmel_have_ffmpeg()) {
        char warn[1024] = "";
        const int rc = read_stdin_no_ffmpeg(pcm, n, max, err, err_len, warn, sizeof warn);
        if (rc == WMEL_OK && warn[0] && !quiet) cli_msg("wmel: warning: %s", warn);
        return rc;
    }
    int st;
    wmel_decoder *d = wmel_decoder_open(path, &st, err, err_len);
    if (!d) return st;
    float *buf = malloc((max ? max : 1) * sizeof *buf);
    size_t len = 0, got = 0;
    int rc = buf ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    while (rc == WMEL_OK && len < max) {
        rc = wmel_decoder_read(d, buf + len, max - len, &got);
        if (rc || got == 0) break;
        len += got;
    }
    if (rc == WMEL_ERR_NO_MEMORY) snprintf(err, err_len, "%s: out of memory", path);
    else if (rc) snprintf(err, err_len, "%s", wmel_decoder_error(d));
    if (rc == WMEL_OK && !quiet && wmel_decoder_warning(d)[0])
        cli_msg("wmel: warning: %s", wmel_decoder_warning(d));
    wmel_decoder_close(d);
    if (rc) {
        free(buf);
        return rc;
    }
    *pcm = buf;
    *n = len;
    return WMEL_OK;
}
