/*
 * wav.c -- the built-in RIFF/WAVE reader (no FFmpeg needed): PCM 8/16/24/32-bit and IEEE
 * float 32/64-bit, WAVE_FORMAT_EXTENSIBLE included, RF64/BW64, any rate and channel count,
 * turned into 16 kHz mono by wavconv.c with the samples the FFmpeg build gives. The header
 * is read by the rules of FFmpeg 5.1's WAV demuxer on a seekable input: the first 'fmt '
 * chunk (14 bytes or more), the last 'data' chunk (or the first whose size is 0, read to the
 * end), ds64's size for RF64, the codec by whole bytes of the (valid) bits, the extensible
 * subformat by its whole GUID; the data in FFmpeg's packets (4096 bytes cut to whole
 * nBlockAlign blocks), each decoded by whole frames. One deliberate difference: extensible
 * PCM whose valid bits fit in fewer bytes than their containers (24 in 32, 20 in 32) is read
 * as the format defines it, the containers' top bits, where FFmpeg 5.1 decodes noise. Like the
 * ffmpeg CLI, a data chunk that claims more bytes than the file holds is read up to the end
 * of the file, with a warning. Files are read block by block; memory does not grow with them.
 */
#define _POSIX_C_SOURCE 200809L
#include "../internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

#define PKT 4096 /* FFmpeg's WAV demuxer packet */
#define NO_END UINT64_MAX

/* ---------------------------------------------------------------- the bytes */

typedef struct {
    FILE *f;                  /* a file, or */
    const unsigned char *mem; /* bytes in memory */
    unsigned char *own;       /* standard input, read whole */
    uint64_t size, fpos;
} wsrc;

/* n bytes at off into dst (fewer at the end); a file is read in place when off is where it is */
static size_t src_get(wsrc *s, uint64_t off, void *dst, size_t n)
{
    if (off >= s->size) return 0;
    if (n > s->size - off) n = (size_t)(s->size - off);
    if (s->mem) {
        memcpy(dst, s->mem + off, n);
        return n;
    }
    if (off != s->fpos && fseeko(s->f, (off_t)off, SEEK_SET) != 0) {
        s->fpos = NO_END;
        return 0;
    }
    size_t got = fread(dst, 1, n, s->f);
    s->fpos = off + got;
    return got;
}

/* ---------------------------------------------------------------- the header */

typedef struct {
    uint16_t tag, channels, align, bits, container, valid;
    uint32_t rate, mask, len, sub;
    int ext, guid_ok;
    unsigned char guid[16];
} wfmt;

typedef struct {
    wmel__pcm_info in;
    uint64_t data_off, data_end, data_bytes, frames;
    size_t frame, pkt;
} whdr;

/* the first 'fmt ' chunk's fields, as FFmpeg's ff_get_wav_header reads them (b: 40 bytes,
 * zeros past the chunk or the file) */
static void parse_fmt(const unsigned char *b, uint32_t len, wfmt *f)
{
    memset(f, 0, sizeof *f);
    f->len = len;
    f->tag = rd16(b);
    f->channels = rd16(b + 2);
    f->rate = rd32(b + 4);
    f->align = rd16(b + 12);
    f->bits = f->container = len == 14 ? 8 : rd16(b + 14); /* plain WAVEFORMAT: 8 bits */
    if (len < 18 || f->tag != 0xFFFE) return;
    uint32_t cb = rd16(b + 16);
    if (cb > len - 18) cb = len - 18;
    if (cb < 22) return;
    /* WAVE_FORMAT_EXTENSIBLE: valid bits (when given, FFmpeg decodes by them), the channel
       mask, the subformat: a tag in the base GUIDs FFmpeg knows, compared whole */
    static const unsigned char base[3][12] = {
        {0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71},  /* KSDATAFORMAT */
        {0x21, 0x07, 0xD3, 0x11, 0x86, 0x44, 0xC8, 0xC1, 0xCA, 0x00, 0x00, 0x00},  /* ambisonic */
        {0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}}; /* broken writers' */
    f->ext = 1;
    f->valid = rd16(b + 18);
    if (f->valid) f->bits = f->valid;
    f->mask = rd32(b + 20);
    memcpy(f->guid, b + 24, 16);
    for (int k = 0; k < 3; k++) f->guid_ok |= !memcmp(f->guid + 4, base[k], 12);
    f->sub = rd32(f->guid);
}

/* The chunk walk of FFmpeg's wav_read_header on a seekable input. */
static int walk(wsrc *s, const char *name, wfmt *f, whdr *h, char *err, size_t err_len)
{
    unsigned char hd[40];
    if (s->size == 0) return wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, name, "empty file");
    const size_t head = src_get(s, 0, hd, 12);
    if (head < 12 && s->f && ferror(s->f)) return wmel__say(err, err_len, WMEL_ERR_IO, name, "read error: %s", strerror(errno));
    if (head < 12 || memcmp(hd + 8, "WAVE", 4) != 0 ||
        (memcmp(hd, "RIFF", 4) && memcmp(hd, "RF64", 4) && memcmp(hd, "BW64", 4))) {
        if (s->size >= 12 && !memcmp(hd, "RIFX", 4) && !memcmp(hd + 8, "WAVE", 4))
            return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "a big-endian RIFX file: the built-in reader "
                             "reads little-endian RIFF/RF64 (FFmpeg reads it)");
        return wmel__say(err, err_len, WMEL_ERR_FORMAT, name, "not a WAV file (no RIFF/WAVE header)");
    }
    const int rf64 = memcmp(hd, "RIFF", 4) != 0;
    uint64_t pos = 12, ds64_data = 0;
    if (rf64) { /* ds64 first: the 64-bit sizes */
        if (src_get(s, 12, hd, 32) < 32 || memcmp(hd, "ds64", 4) || rd32(hd + 4) < 24 || rd64(hd + 16) >> 63)
            return wmel__say(err, err_len, WMEL_ERR_CORRUPT, name, "an RF64 file without a valid 'ds64' chunk");
        ds64_data = rd64(hd + 16);
        pos = 20 + (uint64_t)rd32(hd + 4);
    }
    int got_fmt = 0;
    h->data_off = NO_END;
    while (pos < s->size && s->size - pos >= 8 && src_get(s, pos, hd, 8) == 8) {
        const uint32_t len = rd32(hd + 4);
        const uint64_t body = pos + 8;
        uint64_t next = body + len;
        if (!memcmp(hd, "fmt ", 4) && !got_fmt) { /* the first one; FFmpeg warns of others */
            if (len < 14)
                return wmel__say(err, err_len, WMEL_ERR_CORRUPT, name, "a 'fmt ' chunk of %u bytes (14 at least)", (unsigned)len);
            unsigned char b[40];
            memset(b, 0, sizeof b);
            size_t want = len < 40 ? len : 40;
            if (src_get(s, body, b, want) < (want < 16 ? want : 16))
                return wmel__say(err, err_len, WMEL_ERR_CORRUPT, name, "truncated 'fmt ' chunk");
            if (len < 40) memset(b + len, 0, 40 - len);
            parse_fmt(b, len, f);
            got_fmt = 1;
        } else if (!memcmp(hd, "data", 4)) { /* the last one, or one of size 0: to the end */
            h->data_off = body;
            if (rf64) h->data_end = next = body + ds64_data;
            else if (len != 0xFFFFFFFFu) h->data_end = len ? next : NO_END;
            else h->data_end = next = NO_END; /* written while streaming: size unknown */
            if (!rf64 && len == 0) break;
        }
        if (next >= s->size) break;
        pos = next + (next & 1);
    }
    if (!got_fmt) return wmel__say(err, err_len, WMEL_ERR_CORRUPT, name, "no 'fmt ' chunk (header only or damaged)");
    if (h->data_off == NO_END) return wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, name, "no 'data' chunk: the file holds no audio");
    const uint64_t end = h->data_end < s->size ? h->data_end : s->size;
    h->data_bytes = h->data_off < end ? end - h->data_off : 0;
    return WMEL_OK;
}

/* The decoder FFmpeg picks (PCM by whole bytes, float by 32 or 64 bits), the frame and the
 * packet; extensible PCM in wider containers by its containers. */
static int pick(const wfmt *f, whdr *h, const char *name, char *err, size_t err_len)
{
    const uint32_t t = f->ext ? (f->guid_ok ? f->sub : 0xFFFFFFFFu) : f->tag;
    const int bytes = f->bits >= 1 && f->bits <= 64 ? (f->bits + 7) >> 3 : 0;
    int fmt = 0, cbytes = bytes;
    if (t == 1) fmt = bytes == 1 ? WMEL_PCM_U8 : bytes == 2 ? WMEL_PCM_S16 : bytes == 3 ? WMEL_PCM_S24
                    : bytes == 4 ? WMEL_PCM_S32 : 0;
    else if (t == 3) fmt = f->bits == 32 ? WMEL_PCM_F32 : f->bits == 64 ? WMEL_PCM_F64 : 0;
    if (f->ext && !f->guid_ok)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "WAVE_FORMAT_EXTENSIBLE subformat %08x-%02x%02x-... is "
                         "neither PCM nor IEEE float (FFmpeg knows no decoder for it either)", (unsigned)f->sub,
                         f->guid[4], f->guid[5]);
    if (!fmt)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name,
                         "WAV sample format (tag 0x%x%s, %u bits) is not PCM 8/16/24/32-bit or float "
                         "32/64-bit; this build needs FFmpeg to read it", (unsigned)t,
                         f->tag == 0xFFFE && !f->ext ? ", extensible header without its extension" : "", (unsigned)f->bits);
    if (f->ext && f->valid && t == 1) {
        const int cont = (f->container + 7) >> 3;
        if (cont < bytes)
            return wmel__say(err, err_len, WMEL_ERR_CORRUPT, name, "WAVE_FORMAT_EXTENSIBLE says %u valid bits in "
                             "%u-bit containers", (unsigned)f->valid, (unsigned)f->container);
        if (cont > bytes && cont <= 4) { /* the containers' top bits (FFmpeg 5.1 reads noise here) */
            cbytes = cont;
            fmt = cont == 2 ? WMEL_PCM_S16 : cont == 3 ? WMEL_PCM_S24 : WMEL_PCM_S32;
            h->in.container = cont;
            h->in.keep = cont == 2 ? (0xFFFFu << (16 - f->valid)) & 0xFFFFu : 0xFFFFFFFFu << (32 - f->valid);
        } else if (cont > bytes) {
            return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name, "%u valid bits in %u-bit containers: the "
                             "built-in reader takes containers of 2 to 4 bytes", (unsigned)f->valid, (unsigned)f->container);
        }
    }
    if (f->channels == 0) return wmel__say(err, err_len, WMEL_ERR_CORRUPT, name, "the 'fmt ' chunk says 0 channels");
    if (f->rate == 0 || f->rate > 1000000u)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name,
                         "a sample rate of %u Hz: wmel resamples 1 to 1000000 Hz", (unsigned)f->rate);
    h->in.fmt = fmt;
    h->in.channels = f->channels;
    h->in.rate = (int)f->rate;
    h->in.mask = f->ext ? f->mask : 0;
    h->frame = (size_t)f->channels * (size_t)cbytes;
    size_t pkt = PKT; /* wav_read_packet: 4096 bytes, whole blocks of nBlockAlign */
    if (f->align > 1) {
        if (pkt < f->align) pkt = f->align;
        pkt = pkt / f->align * f->align;
    }
    h->pkt = pkt;
    /* each packet decoded by whole frames, its tail dropped (FFmpeg's PCM decoder) */
    h->frames = h->data_bytes / pkt * (pkt / h->frame) + h->data_bytes % pkt / h->frame;
    return WMEL_OK;
}

/* ---------------------------------------------------------------- the reader */

struct wmel__wavr {
    wsrc src;
    whdr h;
    wmel__conv *conv;
    uint64_t pos, data_left, pkt_frames, pkt_skip;
    unsigned char *raw;
    size_t raw_cap;
    char name[256];
};

void wmel__wavr_close(wmel__wavr *w)
{
    if (!w) return;
    if (w->src.f && w->src.f != stdin) fclose(w->src.f);
    free(w->src.own);
    free(w->raw);
    wmel__conv_close(w->conv);
    free(w);
}

static const char *const pcm_name[] = {"", "pcm_u8", "pcm_s16le", "pcm_s24le", "pcm_s32le",
                                        "pcm_f32le", "pcm_f64le"};

/* standard input, a pipe or a file that tells no size (/proc), whole (FFmpeg reads a pipe as
 * it comes; the built-in reader holds it) */
static int read_whole(wsrc *s, FILE *in, const char *name, char *err, size_t err_len)
{
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        if (len == cap) {
            unsigned char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, in);
        len += got;
        if (got == 0) break;
    }
    s->own = buf;
    s->mem = buf;
    s->size = len;
    if (!buf || len == cap) return wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory reading the input");
    if (ferror(in)) return wmel__say(err, err_len, WMEL_ERR_IO, name, "read error: %s", strerror(errno));
    return WMEL_OK;
}

static int open_src(wmel__wavr *w, const char *path, const void *data, size_t size, char *err, size_t err_len)
{
    wsrc *s = &w->src;
    if (!path) {
        s->mem = data;
        s->size = size;
        return WMEL_OK;
    }
    if (!strcmp(path, "-")) return read_whole(s, stdin, w->name, err, err_len);
    s->f = wmel__fopen(path, "rb");
    if (!s->f) return wmel__say(err, err_len, WMEL_ERR_IO, w->name, "cannot open: %s", strerror(errno));
    off_t total = fseeko(s->f, 0, SEEK_END) == 0 ? ftello(s->f) : -1;
    if (total <= 0) { /* no size to seek by (a pipe, /proc): read it whole */
        clearerr(s->f);
        if (total == 0) rewind(s->f);
        int rc = read_whole(s, s->f, w->name, err, err_len);
        fclose(s->f);
        s->f = NULL;
        return rc;
    }
    s->size = (uint64_t)total;
    s->fpos = NO_END;
    return WMEL_OK;
}

int wmel__wavr_open(const char *path, const void *data, size_t size, const char *name, wmel__wavr **out,
                    uint64_t *total, char *desc, size_t desc_len, char *err, size_t err_len, char *warn,
                    size_t warn_len)
{
    if (warn && warn_len) warn[0] = 0;
    *out = NULL;
    *total = 0;
    wmel__wavr *w = calloc(1, sizeof *w);
    if (!w) return wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory");
    snprintf(w->name, sizeof w->name, "%s", name ? name : path ? path : "(memory)");
    wfmt f;
    int rc = open_src(w, path, data, size, err, err_len);
    if (rc == WMEL_OK) rc = walk(&w->src, w->name, &f, &w->h, err, err_len);
    if (rc == WMEL_OK) rc = pick(&f, &w->h, w->name, err, err_len);
    if (rc == WMEL_OK && w->h.frames == 0)
        rc = wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, w->name, "the data chunk holds no samples");
    uint64_t m = 0;
    if (rc == WMEL_OK) rc = wmel__conv_open(&w->h.in, w->h.frames, &w->conv, &m, w->name, err, err_len);
    if (rc == WMEL_OK && m == 0)
        rc = wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, w->name, "%llu sample(s) at %d Hz are too few to "
                       "resample: no samples at 16000 Hz", (unsigned long long)w->h.frames, w->h.in.rate);
    if (rc == WMEL_OK && m > WMEL__WAV_MAX_OUT)
        rc = wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, w->name, "%llu frames at %d Hz make %llu samples at 16 kHz "
                       "(%.1f h): past the built-in reader's bound of 2^32 - 1 (74.6 h)",
                       (unsigned long long)w->h.frames, w->h.in.rate, (unsigned long long)m, (double)m / 57600000.0);
    if (rc == WMEL_OK) w->raw_cap = (65536 / w->h.frame + 1) * w->h.frame;
    if (rc == WMEL_OK && w->src.f && !(w->raw = malloc(w->raw_cap)))
        rc = wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, w->name, "out of memory");
    if (rc != WMEL_OK) {
        wmel__wavr_close(w);
        return rc;
    }
    if (w->h.data_end != NO_END && w->h.data_end > w->src.size)
        wmel__say(warn, warn_len, 0, w->name, "data chunk claims %llu bytes but the file ends after %llu: "
                  "decoding what is there", (unsigned long long)(w->h.data_end - w->h.data_off),
                  (unsigned long long)w->h.data_bytes);
    if (desc && desc_len)
        snprintf(desc, desc_len, "wav: built-in reader, %s, %d Hz, %d channel%s%s -> 16000 Hz mono",
                 pcm_name[w->h.in.fmt], w->h.in.rate, w->h.in.channels, w->h.in.channels == 1 ? "" : "s",
                 w->h.in.mask ? " (channel mask)" : "");
    w->pos = w->h.data_off;
    w->data_left = w->h.data_bytes;
    *out = w;
    *total = m;
    return WMEL_OK;
}

/* Frames into the converter, as many as it takes, from FFmpeg's packets. */
static int wavr_fill(wmel__wavr *w, size_t room, char *err, size_t err_len)
{
    const size_t fb = w->h.frame;
    while (room) {
        if (w->pkt_frames == 0) {
            w->pos += w->pkt_skip;
            w->pkt_skip = 0;
            if (w->data_left == 0) return wmel__say(err, err_len, WMEL_ERR_IO, w->name, "the file ended early (changed while read?)");
            const uint64_t p = w->data_left < w->h.pkt ? w->data_left : w->h.pkt;
            w->data_left -= p;
            w->pkt_frames = p / fb;
            w->pkt_skip = p % fb;
            continue;
        }
        size_t k = w->pkt_frames < room ? (size_t)w->pkt_frames : room;
        const unsigned char *raw;
        if (w->src.mem) {
            raw = w->src.mem + w->pos;
        } else {
            if (k > w->raw_cap / fb) k = w->raw_cap / fb;
            if (src_get(&w->src, w->pos, w->raw, k * fb) != k * fb)
                return wmel__say(err, err_len, WMEL_ERR_IO, w->name, "read error%s%s", ferror(w->src.f) ? ": " : " (the file "
                                 "changed while read?)", ferror(w->src.f) ? strerror(errno) : "");
            raw = w->raw;
        }
        wmel__conv_feed(w->conv, raw, k);
        w->pos += (uint64_t)k * fb;
        w->pkt_frames -= k;
        room -= k;
    }
    return WMEL_OK;
}

int wmel__wavr_read(wmel__wavr *w, int16_t *out, size_t cap, size_t *got, char *err, size_t err_len)
{
    *got = 0;
    while (*got < cap) {
        size_t n = wmel__conv_out(w->conv, out + *got, cap - *got);
        if (n) {
            *got += n;
            continue;
        }
        size_t room = wmel__conv_room(w->conv);
        if (!room) break;
        int rc = wavr_fill(w, room, err, err_len);
        if (rc) return rc;
    }
    return WMEL_OK;
}

/* ---------------------------------------------------------------- whole files */

/* The reader's samples, whole, as int16 (s16) or int16 / 32768 (f32); the output's size
 * is known and checked before any work. */
static int load_whole(const char *path, const void *data, size_t size, const char *name, float **f32,
                      int16_t **s16, size_t *n_out, char *err, size_t err_len, char *warn, size_t warn_len)
{
    wmel__wavr *w;
    uint64_t m;
    int rc = wmel__wavr_open(path, data, size, name, &w, &m, NULL, 0, err, err_len, warn, warn_len);
    if (rc != WMEL_OK) return rc;
    const char *nm = w->name;
    int16_t *s = m <= SIZE_MAX / sizeof(float) ? malloc((size_t)m * sizeof *s) : NULL;
    float *o = s && f32 ? malloc((size_t)m * sizeof *o) : NULL;
    if (!s || (f32 && !o)) {
        rc = wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, nm, "out of memory for %llu samples (%.1f MB as float32)",
                       (unsigned long long)m, (double)m * 4 / 1e6);
    } else {
        size_t got = 0, k = 0;
        while (rc == WMEL_OK && got < m) {
            size_t cap = f32 ? (m - got < 65536 ? (size_t)(m - got) : 65536) : (size_t)(m - got);
            rc = wmel__wavr_read(w, s + (f32 ? 0 : got), cap, &k, err, err_len);
            if (rc == WMEL_OK && k == 0) rc = wmel__say(err, err_len, WMEL_ERR_IO, nm, "ended after %zu of %llu samples", got,
                                                        (unsigned long long)m);
            for (size_t i = 0; f32 && i < k; i++) o[got + i] = (float)s[i] / 32768.0f;
            got += k;
        }
    }
    wmel__wavr_close(w);
    if (rc != WMEL_OK || f32) free(s);
    if (rc != WMEL_OK) {
        free(o);
        return rc;
    }
    if (f32) *f32 = o;
    else *s16 = s;
    *n_out = (size_t)m;
    return WMEL_OK;
}

int wmel__wav_decode_s16(const void *data, size_t size, const char *name, int16_t **out,
                         size_t *n_out, wmel__pcm_info *info, char *err, size_t err_len,
                         char *warn, size_t warn_len)
{
    if (warn && warn_len) warn[0] = 0;
    if (!out || !n_out || (!data && size)) return WMEL_ERR_NULL_POINTER;
    *out = NULL;
    *n_out = 0;
    static const unsigned char none[1] = {0};
    if (info) {
        wmel__wavr *w;
        uint64_t m;
        if (wmel__wavr_open(NULL, data ? data : none, size, name, &w, &m, NULL, 0, NULL, 0, NULL, 0) == WMEL_OK) {
            *info = w->h.in;
            wmel__wavr_close(w);
        }
    }
    return load_whole(NULL, data ? data : none, size, name, NULL, out, n_out, err, err_len, warn, warn_len);
}

int wmel_parse_wav(const void *data, size_t size, const char *name, float **out,
                   size_t *n_out, char *err, size_t err_len, char *warn, size_t warn_len)
{
    if (warn && warn_len) warn[0] = 0;
    if (!out || !n_out || (!data && size)) return WMEL_ERR_NULL_POINTER;
    *out = NULL;
    *n_out = 0;
    static const unsigned char none[1] = {0};
    return load_whole(NULL, data ? data : none, size, name, out, NULL, n_out, err, err_len, warn, warn_len);
}

int wmel_read_wav(const char *path, float **out, size_t *n_out, char *err, size_t err_len,
                  char *warn, size_t warn_len)
{
    if (warn && warn_len) warn[0] = 0;
    if (!path || !out || !n_out) return WMEL_ERR_NULL_POINTER;
    *out = NULL;
    *n_out = 0;
    return load_whole(path, NULL, 0, path, out, NULL, n_out, err, err_len, warn, warn_len);
}

/* ---------------------------------------------------------------- the FFmpeg build's check */

int wmel__wav_claim_warning(const void *head, size_t head_len, unsigned long long total,
                            const char *name, char *warn, size_t warn_len)
{
    const unsigned char *b = head;
    if (head_len < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0) return 0;
    /* FFmpeg's data chunk: the last in the walk, or the first of size 0 (to the end) */
    unsigned long long pos = 12, claim_end = 0, avail = 0;
    uint32_t claim = 0;
    int found = 0;
    while (pos + 8 <= head_len) { /* pos grows by 8 at least: the walk ends */
        const uint32_t len = rd32(b + pos + 4);
        const unsigned long long next = pos + 8 + len;
        if (!memcmp(b + pos, "data", 4)) {
            found = len != 0 && len != 0xFFFFFFFFu;
            claim = len;
            claim_end = next;
            avail = total > pos + 8 ? total - (pos + 8) : 0;
            if (len == 0) break;
        }
        if (next >= total) break;
        pos = next + (next & 1);
    }
    if (!found || claim_end <= total) return 0;
    wmel__say(warn, warn_len, 0, name, "data chunk claims %u bytes but the file ends after %llu: decoding what is "
              "there", claim, avail);
    return 1;
}
