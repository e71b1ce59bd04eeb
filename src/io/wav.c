/*
 * wav.c -- the built-in RIFF/WAVE reader (no FFmpeg needed): PCM 8/16/24/32-bit and IEEE
 * float 32/64-bit, WAVE_FORMAT_EXTENSIBLE included, any rate and channel count, turned
 * into 16 kHz mono by wavconv.c with the samples the FFmpeg build gives. Follows the
 * RIFF chunk layout of the Microsoft multimedia spec and the choices FFmpeg's WAV
 * demuxer makes (codec by whole bytes, valid bits over container bits). Like the ffmpeg CLI, a data chunk that claims more bytes
 * than the file holds is read up to the end of the file, with a warning.
 */
#include "../internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

int wmel__wav_decode_s16(const void *data, size_t size, const char *name, int16_t **out,
                         size_t *n_out, wmel__pcm_info *info, char *err, size_t err_len,
                         char *warn, size_t warn_len)
{
    if (warn && warn_len) warn[0] = 0;
    if (!out || !n_out || (!data && size)) return WMEL_ERR_NULL_POINTER;
    *out = NULL;
    *n_out = 0;
    const unsigned char *b = data;
    if (size == 0) return wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, name, "empty file");
    if (size < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0)
        return wmel__say(err, err_len, WMEL_ERR_FORMAT, name, "not a WAV file (no RIFF/WAVE header)");
    int have_fmt = 0, extensible = 0;
    uint16_t tag = 0, channels = 0, bits = 0;
    uint32_t rate = 0, mask = 0;
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
            bits = rd16(b + body + 14);
            extensible = tag == 0xFFFE;
            /* WAVE_FORMAT_EXTENSIBLE: valid bits (when given, FFmpeg decodes by them),
               the channel mask and the subformat's tag */
            if (extensible && len >= 40 && avail >= 40 && rd16(b + body + 16) >= 22) {
                if (rd16(b + body + 18)) bits = rd16(b + body + 18);
                mask = rd32(b + body + 20);
                tag = rd16(b + body + 24);
                extensible = 0;
            }
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
    /* the codec FFmpeg's WAV demuxer picks: PCM by whole bytes, float by 4 or 8 */
    int bytes = (bits + 7) >> 3, fmt = 0;
    if (tag == 1) fmt = bytes == 1 ? WMEL_PCM_U8 : bytes == 2 ? WMEL_PCM_S16 : bytes == 3 ? WMEL_PCM_S24
                      : bytes == 4 ? WMEL_PCM_S32 : 0;
    else if (tag == 3) fmt = bytes == 4 ? WMEL_PCM_F32 : bytes == 8 ? WMEL_PCM_F64 : 0;
    if (!fmt)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name,
                   "WAV sample format (tag 0x%x%s, %u bits) is not PCM 8/16/24/32-bit or float "
                   "32/64-bit; this build needs FFmpeg to read it", (unsigned)tag,
                   extensible ? ", extensible header without its extension" : "", (unsigned)bits);
    if (channels == 0) return wmel__say(err, err_len, WMEL_ERR_CORRUPT, name, "the 'fmt ' chunk says 0 channels");
    if (rate == 0 || rate > 1000000u)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name,
                   "a sample rate of %u Hz: wmel resamples 1 to 1000000 Hz", (unsigned)rate);
    wmel__pcm_info in = {fmt, channels, (int)rate, mask};
    if (info) *info = in;
    size_t frame = (size_t)channels * (size_t)bytes; /* the decoder's frame, whatever the block align says */
    size_t n = pcm_bytes / frame;
    if (lied)
        wmel__say(warn, warn_len, 0, name, "data chunk claims %u bytes but the file ends after %zu: "
            "decoding what is there", rd32(pcm - 4), pcm_bytes);
    if (n == 0) return wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, name, "the data chunk holds no samples");
    int rc = wmel__pcm_to_s16(&in, pcm, n, out, n_out, name, err, err_len);
    if (rc == WMEL_OK && *n_out == 0)
        rc = wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, name, "%zu sample(s) at %u Hz are too few to "
                       "resample: no samples at 16000 Hz", n, (unsigned)rate);
    return rc;
}

static const char *const pcm_name[] = {"", "pcm_u8", "pcm_s16le", "pcm_s24le", "pcm_s32le",
                                        "pcm_f32le", "pcm_f64le"};

/* Memory to float samples (int16 / 32768, as the FFmpeg path); desc, when given,
 * receives one line on the input for wmel_decoder_format(). */
static int load_mem(const void *data, size_t size, const char *name, float **out, size_t *n_out,
                    char *desc, size_t desc_len, char *err, size_t err_len, char *warn, size_t warn_len)
{
    int16_t *s = NULL;
    size_t n = 0;
    wmel__pcm_info in;
    int rc = wmel__wav_decode_s16(data, size, name, &s, &n, &in, err, err_len, warn, warn_len);
    if (rc != WMEL_OK) return rc;
    float *o = malloc(n * sizeof *o);
    if (!o) {
        free(s);
        return wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory for %zu samples", n);
    }
    for (size_t i = 0; i < n; i++) o[i] = (float)s[i] / 32768.0f;
    free(s);
    if (desc && desc_len)
        snprintf(desc, desc_len, "wav: built-in reader, %s, %d Hz, %d channel%s%s -> 16000 Hz mono",
                 pcm_name[in.fmt], in.rate, in.channels, in.channels == 1 ? "" : "s",
                 in.mask ? " (channel mask)" : "");
    *out = o;
    *n_out = n;
    return WMEL_OK;
}

int wmel_parse_wav(const void *data, size_t size, const char *name, float **out,
                   size_t *n_out, char *err, size_t err_len, char *warn, size_t warn_len)
{
    if (warn && warn_len) warn[0] = 0;
    if (!out || !n_out || (!data && size)) return WMEL_ERR_NULL_POINTER;
    *out = NULL;
    *n_out = 0;
    return load_mem(data, size, name, out, n_out, NULL, 0, err, err_len, warn, warn_len);
}

int wmel__wav_load(const char *path, float **out, size_t *n_out, char *desc, size_t desc_len,
                   char *err, size_t err_len, char *warn, size_t warn_len)
{
    if (warn && warn_len) warn[0] = 0;
    if (!path || !out || !n_out) return WMEL_ERR_NULL_POINTER;
    *out = NULL;
    *n_out = 0;
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
    if (rc == WMEL_OK) rc = load_mem(buf, len, path, out, n_out, desc, desc_len, err, err_len, warn, warn_len);
    free(buf);
    return rc;
}

int wmel_read_wav(const char *path, float **out, size_t *n_out, char *err, size_t err_len,
                  char *warn, size_t warn_len)
{
    return wmel__wav_load(path, out, n_out, NULL, 0, err, err_len, warn, warn_len);
}

int wmel__wav_load_memory(const void *data, size_t size, const char *name, float **out,
                          size_t *n_out, char *desc, size_t desc_len, char *err, size_t err_len,
                          char *warn, size_t warn_len)
{
    if (warn && warn_len) warn[0] = 0;
    if (!out || !n_out || (!data && size)) return WMEL_ERR_NULL_POINTER;
    *out = NULL;
    *n_out = 0;
    return load_mem(data, size, name, out, n_out, desc, desc_len, err, err_len, warn, warn_len);
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
