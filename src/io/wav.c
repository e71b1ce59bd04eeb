/*
 * wav.c -- the built-in RIFF/WAVE reader (no FFmpeg needed): 16 kHz mono PCM 16-bit or
 * IEEE float32, WAVE_FORMAT_EXTENSIBLE included. Follows the RIFF chunk layout of the
 * Microsoft multimedia spec. Like the ffmpeg CLI, a data chunk that claims more bytes
 * than the file holds is read up to the end of the file, with a warning.
 */
#include "../internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wmel__say(char *buf, size_t len, int rc, const char *name, const char *fmt, ...)
{
    if (buf && len) {
        int n = snprintf(buf, len, "%s: ", name ? name : "(memory)");
        if (n >= 0 && (size_t)n < len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(buf + n, len - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return rc;
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

int wmel_parse_wav(const void *data, size_t size, const char *name, float **out,
                   size_t *n_out, char *err, size_t err_len, char *warn, size_t warn_len)
{
    if (warn && warn_len) warn[0] = 0;
    if (!out || !n_out || (!data && size)) return WMEL_ERR_NULL_POINTER;
    *out = NULL;
    *n_out = 0;
    const unsigned char *b = data;
    if (size == 0) return wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, name, "empty file");
    if (size < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0)
        return wmel__say(err, err_len, WMEL_ERR_FORMAT, name, "not a WAV file (no RIFF/WAVE header)");
    int have_fmt = 0;
    uint16_t tag = 0, channels = 0, bits = 0, align = 0;
    uint32_t rate = 0;
    size_t pos = 12;
    const unsigned char *pcm = NULL;
    size_t pcm_bytes = 0;
    int lied = 0;
    while (pos + 8 <= size) {
        uint32_t len = rd32(b + pos + 4);
        const unsigned char *id = b + pos;
        size_t body = pos + 8, avail = size - body;
        if (!memcmp(id, "fmt ", 4)) {
            if (len < 16 || avail < 16)
                return wmel__say(err, err_len, WMEL_ERR_CORRUPT, name, "truncated 'fmt ' chunk");
            tag = rd16(b + body);
            channels = rd16(b + body + 2);
            rate = rd32(b + body + 4);
            align = rd16(b + body + 12);
            bits = rd16(b + body + 14);
            if (tag == 0xFFFE && len >= 40 && avail >= 40) tag = rd16(b + body + 24); /* subformat */
            have_fmt = 1;
        } else if (!memcmp(id, "data", 4)) {
            if (!have_fmt)
                return wmel__say(err, err_len, WMEL_ERR_CORRUPT, name, "'data' chunk before 'fmt ' chunk");
            pcm = b + body;
            pcm_bytes = len;
            if (len > avail) {
                lied = len != 0xFFFFFFFFu; /* 0xFFFFFFFF: written while streaming, size unknown */
                pcm_bytes = avail;
            }
            break;
        }
        if (len > avail) break;
        pos = body + len + (len & 1);
    }
    if (!have_fmt) return wmel__say(err, err_len, WMEL_ERR_CORRUPT, name, "no 'fmt ' chunk (header only or damaged)");
    if (!pcm) return wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, name, "no 'data' chunk: the file holds no audio");
    int is_s16 = tag == 1 && bits == 16, is_f32 = tag == 3 && bits == 32;
    if (!is_s16 && !is_f32)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name,
                   "WAV sample format (tag %u, %u bits) is not PCM16/float32; this build needs "
                   "FFmpeg to read it", (unsigned)tag, (unsigned)bits);
    if (channels != 1 || rate != WMEL_SAMPLE_RATE)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name,
                   "%u Hz, %u channel(s): the built-in reader takes 16000 Hz mono only; "
                   "build with FFmpeg to resample and downmix", (unsigned)rate, (unsigned)channels);
    size_t bps = is_s16 ? 2 : 4;
    if (align != bps) align = (uint16_t)bps; /* a wrong block align is harmless for mono */
    size_t n = pcm_bytes / bps;
    if (lied)
        wmel__say(warn, warn_len, 0, name, "data chunk claims %u bytes but the file ends after %zu: "
            "decoding what is there", rd32(pcm - 4), pcm_bytes);
    if (n == 0) return wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, name, "the data chunk holds no samples");
    float *o = malloc(n * sizeof *o);
    if (!o) return wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory for %zu samples", n);
    for (size_t i = 0; i < n; i++) {
        if (is_s16) {
            int16_t v = (int16_t)rd16(pcm + 2 * i);
            o[i] = (float)v / 32768.0f;
        } else {
            uint32_t u = rd32(pcm + 4 * i);
            memcpy(&o[i], &u, 4);
        }
    }
    *out = o;
    *n_out = n;
    return WMEL_OK;
}

int wmel_read_wav(const char *path, float **out, size_t *n_out, char *err, size_t err_len,
                  char *warn, size_t warn_len)
{
    if (!path || !out || !n_out) return WMEL_ERR_NULL_POINTER;
    int is_stdin = !strcmp(path, "-");
    FILE *f = is_stdin ? stdin : wmel__fopen(path, "rb");
    if (!f) return wmel__say(err, err_len, WMEL_ERR_IO, path, "cannot open: %s", strerror(errno));
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    int rc = WMEL_OK;
    while (buf) {
        if (len == cap) {
            unsigned char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    if (!buf || len == cap) rc = wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, path, "out of memory reading the file");
    else if (ferror(f)) rc = wmel__say(err, err_len, WMEL_ERR_IO, path, "read error: %s", strerror(errno));
    if (!is_stdin) fclose(f);
    if (rc == WMEL_OK) rc = wmel_parse_wav(buf, len, path, out, n_out, err, err_len, warn, warn_len);
    free(buf);
    return rc;
}

int wmel__wav_claim_warning(const void *head, size_t head_len, unsigned long long total,
                            const char *name, char *warn, size_t warn_len)
{
    const unsigned char *b = head;
    if (head_len < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0) return 0;
    size_t pos = 12;
    while (pos + 8 <= head_len) {
        uint32_t len = rd32(b + pos + 4);
        if (!memcmp(b + pos, "data", 4)) {
            unsigned long long avail = total > pos + 8 ? total - (pos + 8) : 0;
            if (len != 0xFFFFFFFFu && len > avail) {
                wmel__say(warn, warn_len, 0, name, "data chunk claims %u bytes but the file ends after "
                    "%llu: decoding what is there", len, avail);
                return 1;
            }
            return 0;
        }
        pos += 8 + (size_t)len + (len & 1);
    }
    return 0;
}
