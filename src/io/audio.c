/*
 * audio.c -- wmel_decoder and wmel_load_audio*: 16 kHz mono float samples from any
 * input. With FFmpeg the samples come from decode.c (openai-whisper's load_audio, bit
 * for bit: int16 / 32768); without it from the built-in WAV reader (wav.c, wavconv.c:
 * the same int16 samples for WAV of any rate and channel count), so the same API works
 * in both builds.
 */
#define _POSIX_C_SOURCE 200809L
#include "../internal.h"

#ifdef WMEL_HAVE_FFMPEG
#include "decode.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG 1024
#define WAV_PIECE 4096 /* samples the built-in reader converts a step */

struct wmel_decoder {
#ifdef WMEL_HAVE_FFMPEG
    wmel_ff *ff;
    int16_t *s16;
    size_t s16_cap;
#endif
    wmel__wavr *wr; /* without FFmpeg: the built-in WAV reader, block by block */
    int16_t *wbuf;
    uint64_t total; /* its output's length, known at open */
    size_t samples;
    int ended;
    wmel_interrupt_fn intr;
    void *intr_user;
    char name[512];
    char err[MSG];
    char warn[MSG];
    char format[160]; /* WAV fallback's wmel_decoder_format() */
};

int wmel_have_ffmpeg(void)
{
#ifdef WMEL_HAVE_FFMPEG
    return 1;
#else
    return 0;
#endif
}

static void copy_msg(char *dst, size_t len, const char *src)
{
    if (dst && len) snprintf(dst, len, "%s", src);
}

static wmel_decoder *open_any(const char *path, const void *data, size_t size,
                              wmel_interrupt_fn intr, void *user, int *status, char *err,
                              size_t err_len)
{
    int st = WMEL_OK;
    if (status) *status = WMEL_ERR_NULL_POINTER;
    if (!path && !data && size) return NULL;
    wmel_decoder *d = calloc(1, sizeof *d);
    if (!d) {
        if (status) *status = WMEL_ERR_NO_MEMORY;
        copy_msg(err, err_len, "out of memory");
        return NULL;
    }
    snprintf(d->name, sizeof d->name, "%s", path ? path : "(memory)");
    d->intr = intr;
    d->intr_user = user;
#ifdef WMEL_HAVE_FFMPEG
    d->ff = wmel__ff_open(path, data, size, d->name, intr, user, &st, d->err, sizeof d->err);
    if (st == WMEL_OK) {
        /* FFmpeg's wav demuxer trusts the file size, not a data chunk that claims more:
         * look at the header ourselves so a cut WAV is reported like any other. */
        if (data) {
            wmel__wav_claim_warning(data, size, size, d->name, d->warn, sizeof d->warn);
        } else if (strcmp(path, "-") != 0) {
            FILE *f = wmel__fopen(path, "rb");
            if (f) {
                unsigned char head[4096];
                size_t hl = fread(head, 1, sizeof head, f);
                off_t total = fseeko(f, 0, SEEK_END) == 0 ? ftello(f) : -1;
                if (total > 0)
                    wmel__wav_claim_warning(head, hl, (unsigned long long)total, d->name, d->warn,
                                            sizeof d->warn);
                fclose(f);
            }
        }
    }
#else
    st = wmel__wavr_open(path, path ? NULL : data, path ? 0 : size, d->name, &d->wr, &d->total, d->format,
                         sizeof d->format, d->err, sizeof d->err, d->warn, sizeof d->warn);
    if (st == WMEL_OK && !(d->wbuf = malloc(WAV_PIECE * sizeof *d->wbuf))) {
        st = WMEL_ERR_NO_MEMORY;
        snprintf(d->err, sizeof d->err, "%s: out of memory", d->name);
    }
    /* not WAV: other formats need FFmpeg, which this build has not */
    if (st == WMEL_ERR_FORMAT && strstr(d->err, "(no RIFF/WAVE header)")) {
        size_t l = strlen(d->err);
        snprintf(d->err + l, sizeof d->err - l, ": this build has no decoder for other formats "
                 "(built without FFmpeg: WAV and raw samples only)");
    }
#endif
    if (st != WMEL_OK) {
        copy_msg(err, err_len, d->err);
        wmel__wavr_close(d->wr);
        free(d->wbuf);
        free(d);
        if (status) *status = st;
        return NULL;
    }
    if (status) *status = WMEL_OK;
    return d;
}

wmel_decoder *wmel_decoder_open(const char *path, int *status, char *err, size_t err_len)
{
    if (!path) {
        if (status) *status = WMEL_ERR_NULL_POINTER;
        copy_msg(err, err_len, "no input path given");
        return NULL;
    }
    return open_any(path, NULL, 0, NULL, NULL, status, err, err_len);
}

wmel_decoder *wmel_decoder_open_memory(const void *data, size_t size, int *status, char *err,
                                       size_t err_len)
{
    if (!data && size) {
        if (status) *status = WMEL_ERR_NULL_POINTER;
        copy_msg(err, err_len, "(memory): data is NULL");
        return NULL;
    }
    static const unsigned char none[1] = {0};
    return open_any(NULL, data ? data : none, size, NULL, NULL, status, err, err_len);
}

wmel_decoder *wmel_decoder_open_interruptible(const char *path, const void *data, size_t size,
                                              wmel_interrupt_fn interrupt, void *user,
                                              int *status, char *err, size_t err_len)
{
    static const unsigned char none[1] = {0};
    if (!path && !data && size) {
        if (status) *status = WMEL_ERR_NULL_POINTER;
        copy_msg(err, err_len, "(memory): data is NULL");
        return NULL;
    }
    return open_any(path, path ? NULL : data ? data : none, path ? 0 : size, interrupt, user,
                    status, err, err_len);
}

/* At the end: the CLI decodes a file cut short without complaint; say so. */
static void check_short(wmel_decoder *d)
{
    double dur = wmel_decoder_duration(d), got = (double)d->samples / WMEL_SAMPLE_RATE;
    if (dur > 0 && got + 0.5 < dur && got < 0.95 * dur) {
        size_t used = strlen(d->warn);
        if (used)
            snprintf(d->warn + used, sizeof d->warn - used, "; ");
        else
            snprintf(d->warn, sizeof d->warn, "%s: ", d->name);
        used = strlen(d->warn);
        snprintf(d->warn + used, sizeof d->warn - used,
                 "the file ends early (truncated?): its header announces %.2f s, %.2f s decoded",
                 dur, got);
    }
}

int wmel_decoder_read(wmel_decoder *d, float *out, size_t cap, size_t *got)
{
    if (got) *got = 0;
    if (!d || !got || (!out && cap)) return WMEL_ERR_NULL_POINTER;
    d->err[0] = 0;
    size_t n = 0;
    if (d->ended || cap == 0) return WMEL_OK;
#ifdef WMEL_HAVE_FFMPEG
    if (d->ff) {
        size_t want = cap < 65536 ? cap : 65536;
        if (d->s16_cap < want) {
            int16_t *p = realloc(d->s16, want * sizeof *p);
            if (!p) {
                snprintf(d->err, sizeof d->err, "%s: out of memory", d->name);
                return WMEL_ERR_NO_MEMORY;
            }
            d->s16 = p;
            d->s16_cap = want;
        }
        while (n < cap) {
            size_t k = cap - n < d->s16_cap ? cap - n : d->s16_cap, g = 0;
            int rc = wmel__ff_read(d->ff, d->s16, k, &g, d->err, sizeof d->err, d->warn,
                                   sizeof d->warn);
            for (size_t i = 0; i < g; i++) out[n + i] = (float)d->s16[i] / 32768.0f;
            n += g;
            d->samples += g;
            if (rc) {
                *got = n;
                return rc;
            }
            if (g == 0) {
                d->ended = 1;
                break;
            }
            if (g < k) break; /* hand out what we have; the next call goes on */
        }
    }
#endif
    while (d->wr && n < cap) {
        if (d->intr && d->intr(d->intr_user)) {
            snprintf(d->err, sizeof d->err, "%s: interrupted", d->name);
            *got = n;
            return WMEL_ERR_INTERRUPTED;
        }
        size_t k = 0, want = cap - n < WAV_PIECE ? cap - n : WAV_PIECE;
        int rc = wmel__wavr_read(d->wr, d->wbuf, want, &k, d->err, sizeof d->err);
        for (size_t i = 0; i < k; i++) out[n + i] = (float)d->wbuf[i] / 32768.0f;
        n += k;
        d->samples += k;
        if (rc) {
            *got = n;
            return rc;
        }
        if (k == 0) {
            d->ended = 1;
            break;
        }
    }
    *got = n;
    if (d->ended) {
        check_short(d);
        if (d->samples == 0) {
            snprintf(d->err, sizeof d->err, "%s: the input decodes to zero audio samples", d->name);
            return WMEL_ERR_NO_SAMPLES;
        }
    }
    return WMEL_OK;
}

const char *wmel_decoder_warning(const wmel_decoder *d) { return d ? d->warn : ""; }
const char *wmel_decoder_error(const wmel_decoder *d) { return d ? d->err : ""; }
size_t wmel_decoder_samples(const wmel_decoder *d) { return d ? d->samples : 0; }

const char *wmel_decoder_format(const wmel_decoder *d)
{
    if (!d) return "";
#ifdef WMEL_HAVE_FFMPEG
    if (d->ff) return wmel__ff_format(d->ff);
#endif
    return d->format;
}

double wmel_decoder_duration(const wmel_decoder *d)
{
    if (!d) return -1.0;
#ifdef WMEL_HAVE_FFMPEG
    if (d->ff) return wmel__ff_duration(d->ff);
#endif
    return (double)d->total / WMEL_SAMPLE_RATE;
}

void wmel_decoder_close(wmel_decoder *d)
{
    if (!d) return;
#ifdef WMEL_HAVE_FFMPEG
    wmel__ff_close(d->ff);
    free(d->s16);
#endif
    wmel__wavr_close(d->wr);
    free(d->wbuf);
    free(d);
}

/* ---------------------------------------------------------------- whole files */

int wmel_decoder_read_all(wmel_decoder *d, float **out, size_t *n)
{
    if (!out || !n) return WMEL_ERR_NULL_POINTER;
    *out = NULL;
    *n = 0;
    if (!d) return WMEL_ERR_NULL_POINTER;
    size_t cap = 1 << 16, len = 0;
    /* the built-in reader knows its length: one block of it, asked for before any work */
    if (d->wr && d->total < SIZE_MAX / sizeof(float) - 1) cap = (size_t)d->total + 1;
    else if (d->wr) return WMEL_ERR_NO_MEMORY;
    float *buf = malloc(cap * sizeof *buf);
    int rc = buf ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    while (rc == WMEL_OK) {
        if (len == cap) {
            float *nb = cap > SIZE_MAX / 2 / sizeof *buf ? NULL : realloc(buf, 2 * cap * sizeof *buf);
            if (!nb) {
                rc = WMEL_ERR_NO_MEMORY;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = 0;
        rc = wmel_decoder_read(d, buf + len, cap - len, &got);
        len += got;
        if (rc == WMEL_OK && got == 0) break;
    }
    if (rc != WMEL_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *n = len;
    return WMEL_OK;
}

static int load_all(wmel_decoder *d, float **out, size_t *n, char *err, size_t err_len,
                    char *warn, size_t warn_len)
{
    int rc = wmel_decoder_read_all(d, out, n);
    if (rc == WMEL_ERR_NO_MEMORY && !d->err[0])
        snprintf(d->err, sizeof d->err, "%s: out of memory for the decoded audio", d->name);
    copy_msg(warn, warn_len, d->warn);
    if (rc != WMEL_OK) copy_msg(err, err_len, d->err);
    return rc;
}

int wmel_load_audio(const char *path, float **out, size_t *n, char *err, size_t err_len,
                    char *warn, size_t warn_len)
{
    if (warn && warn_len) warn[0] = 0;
    if (!out || !n) return WMEL_ERR_NULL_POINTER;
    *out = NULL;
    *n = 0;
    int st;
    wmel_decoder *d = wmel_decoder_open(path, &st, err, err_len);
    if (!d) return st;
    st = load_all(d, out, n, err, err_len, warn, warn_len);
    wmel_decoder_close(d);
    return st;
}

int wmel_load_audio_memory(const void *data, size_t size, float **out, size_t *n, char *err,
                           size_t err_len, char *warn, size_t warn_len)
{
    if (warn && warn_len) warn[0] = 0;
    if (!out || !n) return WMEL_ERR_NULL_POINTER;
    *out = NULL;
    *n = 0;
    int st;
    wmel_decoder *d = wmel_decoder_open_memory(data, size, &st, err, err_len);
    if (!d) return st;
    st = load_all(d, out, n, err, err_len, warn, warn_len);
    wmel_decoder_close(d);
    return st;
}
