/*
 * test_wav_rules.c -- the built-in WAV reader's header rules (FFmpeg's WAV demuxer: the
 * first 'fmt ', the last 'data', size 0 = to the end, RF64, a 14-byte 'fmt ', the whole
 * extensible GUID, nBlockAlign through FFmpeg's packets, the stereo-downmix mask), its one
 * deliberate difference (extensible PCM in wider containers: the containers' top bits),
 * float64's conversion of non-finite and huge samples, memory that does not grow with the
 * output (a few KB at 1 Hz), the output's bound, and the FFmpeg build's claim check.
 */
#include "testutil.h"

#include "internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if !defined(_WIN32)
#include <sys/resource.h>
#endif

typedef struct {
    unsigned char *b;
    size_t n, cap;
} buf;

static void put(buf *w, const void *p, size_t n)
{
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2;
        w->b = realloc(w->b, w->cap);
        if (!w->b) abort();
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void put32(buf *w, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    put(w, p, 4);
}
static void put16(buf *w, uint16_t v)
{
    unsigned char p[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(w, p, 2);
}
static void chunk(buf *w, const char *id, uint32_t len) { put(w, id, 4); put32(w, len); }
static void begin(buf *w) { w->n = 0; put(w, "RIFF", 4); put32(w, 0); put(w, "WAVE", 4); }
static void end(buf *w)
{
    uint32_t v = (uint32_t)(w->n - 8);
    unsigned char p[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    memcpy(w->b + 4, p, 4);
}
/* a 16-byte 'fmt ' (or 40 with the extension when valid or mask or sub given) */
static void fmt(buf *w, uint16_t tag, uint16_t ch, uint32_t rate, uint16_t bits, uint16_t align)
{
    chunk(w, "fmt ", 16);
    put16(w, tag);
    put16(w, ch);
    put32(w, rate);
    put32(w, rate * align);
    put16(w, align);
    put16(w, bits);
}
static const unsigned char ksdata[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
static void fmt_ext(buf *w, uint16_t ch, uint32_t rate, uint16_t bits, uint16_t valid, uint32_t mask, uint16_t sub,
                    const unsigned char *tail14)
{
    chunk(w, "fmt ", 40);
    put16(w, 0xFFFE);
    put16(w, ch);
    put32(w, rate);
    put32(w, rate * ch * (bits / 8u));
    put16(w, (uint16_t)(ch * (bits / 8u)));
    put16(w, bits);
    put16(w, 22);
    put16(w, valid);
    put32(w, mask);
    put16(w, sub);
    put(w, tail14 ? tail14 : ksdata, 14);
}
static void data16(buf *w, const int16_t *s, size_t n, uint32_t claim)
{
    chunk(w, "data", claim);
    for (size_t i = 0; i < n; i++) put16(w, (uint16_t)s[i]);
}

static int16_t sig[40000];

/* the reader's int16 samples (NULL and the status in *rc on failure) */
static int16_t *decode(const buf *w, size_t *n, int *rc, char *err, size_t err_len)
{
    int16_t *s = NULL;
    *n = 0;
    *rc = wmel__wav_decode_s16(w->b, w->n, "t.wav", &s, n, NULL, err, err_len, NULL, 0);
    return s;
}

static void test_chunks(void)
{
    buf w = {0};
    char err[512];
    size_t n;
    int rc;
    /* two 'fmt ' chunks: the first (16 kHz) counts: 32000 samples, not 10667 */
    begin(&w);
    fmt(&w, 1, 1, 16000, 16, 2);
    fmt(&w, 1, 1, 48000, 16, 2);
    data16(&w, sig, 32000, 64000);
    end(&w);
    int16_t *s = decode(&w, &n, &rc, err, sizeof err);
    CHECK(rc == WMEL_OK && n == 32000 && s && s[100] == sig[100] && s[31999] == sig[31999], "two fmt: %zu samples, %s", n, err);
    free(s);
    /* two 'data' chunks: the last (3000 samples) */
    begin(&w);
    fmt(&w, 1, 1, 16000, 16, 2);
    data16(&w, sig, 1000, 2000);
    data16(&w, sig + 5000, 3000, 6000);
    end(&w);
    s = decode(&w, &n, &rc, err, sizeof err);
    CHECK(rc == WMEL_OK && n == 3000 && s && s[0] == sig[5000] && s[2999] == sig[7999], "two data: %zu, %s", n, err);
    free(s);
    /* a data size of 0 followed by samples: to the end (a streaming writer) */
    begin(&w);
    fmt(&w, 1, 1, 16000, 16, 2);
    data16(&w, sig, 32000, 0);
    end(&w);
    s = decode(&w, &n, &rc, err, sizeof err);
    CHECK(rc == WMEL_OK && n == 32000 && s && s[31999] == sig[31999], "data size 0: %zu, %s", n, err);
    free(s);
    /* 'data' before 'fmt ' (a seekable input: FFmpeg finds the fmt after it) */
    begin(&w);
    data16(&w, sig, 500, 1000);
    fmt(&w, 1, 1, 16000, 16, 2);
    end(&w);
    s = decode(&w, &n, &rc, err, sizeof err);
    CHECK(rc == WMEL_OK && n == 500 && s && s[499] == sig[499], "data before fmt: %zu, %s", n, err);
    free(s);
    /* RF64: ds64's 64-bit data size, the data chunk's 0xFFFFFFFF ignored; LIST after it */
    w.n = 0;
    put(&w, "RF64", 4);
    put32(&w, 0xFFFFFFFFu);
    put(&w, "WAVE", 4);
    chunk(&w, "ds64", 28);
    put32(&w, 0xFFFFFFFFu), put32(&w, 0);
    put32(&w, 4000), put32(&w, 0); /* data: 2000 samples */
    put32(&w, 2000), put32(&w, 0);
    put32(&w, 0);
    fmt(&w, 1, 1, 16000, 16, 2);
    data16(&w, sig, 2000, 0xFFFFFFFFu);
    chunk(&w, "LIST", 4);
    put(&w, "INFO", 4);
    s = decode(&w, &n, &rc, err, sizeof err);
    CHECK(rc == WMEL_OK && n == 2000 && s && s[1999] == sig[1999], "RF64: %zu, %s", n, err);
    free(s);
    /* a 14-byte 'fmt ' (plain WAVEFORMAT): 8-bit PCM */
    begin(&w);
    chunk(&w, "fmt ", 14);
    put16(&w, 1), put16(&w, 1), put32(&w, 16000), put32(&w, 16000), put16(&w, 1);
    chunk(&w, "data", 1000);
    for (int i = 0; i < 1000; i++) put(&w, &(unsigned char){(unsigned char)(128 + i % 50)}, 1);
    end(&w);
    s = decode(&w, &n, &rc, err, sizeof err);
    CHECK(rc == WMEL_OK && n == 1000 && s && s[49] == 49 * 256, "14-byte fmt: %zu, %s", n, err);
    free(s);
    /* nBlockAlign 3 on 16-bit mono: FFmpeg's 4095-byte packets, each decoded by whole
       samples (its odd byte dropped): 20000 bytes give 9998 samples, the second packet's
       from an odd offset */
    begin(&w);
    fmt(&w, 1, 1, 16000, 16, 3);
    data16(&w, sig, 10000, 20000);
    end(&w);
    s = decode(&w, &n, &rc, err, sizeof err);
    const unsigned char *pk = w.b + 44 + 4095; /* the second packet's first sample */
    CHECK(rc == WMEL_OK && n == 9998 && s && s[2046] == sig[2046] &&
          s[2047] == (int16_t)(uint16_t)(pk[0] | pk[1] << 8), "nBlockAlign 3: %zu, %s", n, err);
    free(s);
    free(w.b);
}

static void test_extensible(void)
{
    buf w = {0}, t = {0};
    char err[512];
    size_t n, nt;
    int rc, rct;
    /* 24 valid bits in 32-bit containers (WASAPI's): the containers' top bits, the
       samples of the same containers read as 32-bit; 3000 frames, not 4000 */
    begin(&w);
    fmt_ext(&w, 2, 16000, 32, 24, 0x3, 1, NULL);
    begin(&t);
    fmt_ext(&t, 2, 16000, 32, 32, 0x3, 1, NULL);
    chunk(&w, "data", 6000 * 4);
    chunk(&t, "data", 6000 * 4);
    for (int i = 0; i < 6000; i++) {
        uint32_t v = (uint32_t)((int32_t)sig[i] * 256) << 8; /* 24-bit value, left-justified */
        put32(&w, v | 0x5A); /* the padding bits are not samples */
        put32(&t, v);
    }
    end(&w);
    end(&t);
    int16_t *s = decode(&w, &n, &rc, err, sizeof err), *r = decode(&t, &nt, &rct, err, sizeof err);
    CHECK(rc == WMEL_OK && rct == WMEL_OK && n == 3000 && nt == 3000 && !memcmp(s, r, n * 2),
          "24 in 32: %zu samples (%d), the 32-bit twin %zu", n, rc, nt);
    free(s);
    free(r);
    /* 20 valid bits in 32, mono at 44.1 kHz: the same rule */
    begin(&w);
    fmt_ext(&w, 1, 44100, 32, 20, 0x4, 1, NULL);
    begin(&t);
    fmt_ext(&t, 1, 44100, 32, 32, 0x4, 1, NULL);
    chunk(&w, "data", 5000 * 4);
    chunk(&t, "data", 5000 * 4);
    for (int i = 0; i < 5000; i++) {
        uint32_t v = (uint32_t)((int32_t)sig[i] * 16) << 12;
        put32(&w, v | 0x0FF);
        put32(&t, v);
    }
    s = decode(&w, &n, &rc, err, sizeof err);
    r = decode(&t, &nt, &rct, err, sizeof err);
    CHECK(rc == WMEL_OK && n == nt && n > 1800 && !memcmp(s, r, n * 2), "20 in 32: %zu samples, twin %zu", n, nt);
    free(s);
    free(r);
    /* a subformat GUID that is not PCM's or float's is refused: a foreign tail, a 32-bit tag */
    static const unsigned char foreign[14] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    begin(&w);
    fmt_ext(&w, 2, 16000, 16, 16, 0x3, 1, foreign);
    data16(&w, sig, 2000, 4000);
    s = decode(&w, &n, &rc, err, sizeof err);
    CHECK(rc == WMEL_ERR_UNSUPPORTED && !s && strstr(err, "neither PCM nor IEEE float"), "foreign GUID: %d %s", rc, err);
    unsigned char tag32[14];
    memcpy(tag32, ksdata, 14);
    tag32[0] = 1; /* the first four bytes 0x00010001 */
    begin(&w);
    fmt_ext(&w, 2, 16000, 16, 16, 0x3, 1, tag32);
    data16(&w, sig, 2000, 4000);
    s = decode(&w, &n, &rc, err, sizeof err);
    CHECK(rc == WMEL_ERR_UNSUPPORTED && !s, "GUID tag 0x00010001: %d %s", rc, err);
    /* channel mask 0x60000000 (stereo downmix, Lt/Rt): mixed as stereo, as libswresample does */
    begin(&w);
    fmt_ext(&w, 2, 22050, 16, 16, 0x60000000u, 1, NULL);
    data16(&w, sig, 6000, 12000);
    begin(&t);
    fmt_ext(&t, 2, 22050, 16, 16, 0x3, 1, NULL);
    data16(&t, sig, 6000, 12000);
    s = decode(&w, &n, &rc, err, sizeof err);
    r = decode(&t, &nt, &rct, err, sizeof err);
    CHECK(rc == WMEL_OK && rct == WMEL_OK && n == nt && !memcmp(s, r, n * 2), "mask 0x60000000: %d %s", rc, err);
    free(s);
    free(r);
    free(w.b);
    free(t.b);
}

/* float64: NaN, infinities and 1e30 give 0, 65536.0 gives -32768 (FFmpeg's scalar
 * av_clip_int16(lrint(x * 32768)), the low 32 bits of lrint's 64) */
static void test_f64(void)
{
    const double v[] = {NAN, INFINITY, -INFINITY, 1e30, 65536.0, 131072.0, 0.5, -1.5, 2.0};
    const int16_t want[] = {0, 0, 0, 0, -32768, 0, 16384, -32768, 32767};
    const int k = (int)(sizeof v / sizeof v[0]);
    buf w = {0};
    begin(&w);
    fmt(&w, 3, 1, 16000, 64, 8);
    chunk(&w, "data", (uint32_t)k * 8);
    for (int i = 0; i < k; i++) {
        uint64_t u;
        memcpy(&u, &v[i], 8);
        put32(&w, (uint32_t)u);
        put32(&w, (uint32_t)(u >> 32));
    }
    end(&w);
    char err[512];
    size_t n;
    int rc;
    int16_t *s = decode(&w, &n, &rc, err, sizeof err);
    CHECK(rc == WMEL_OK && (int)n == k, "f64: %s", err);
    for (int i = 0; rc == WMEL_OK && i < k; i++) CHECK(s[i] == want[i], "f64 %g: %d, FFmpeg %d", v[i], s[i], want[i]);
    free(s);
    free(w.b);
}

static size_t peak_rss_kb(void)
{
#if !defined(_WIN32)
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u) == 0) return (size_t)u.ru_maxrss;
#endif
    return 0;
}

/* 16 KB at 1 Hz are 128 M samples at 16 kHz: the decoder knows the count at open, reads a
 * piece without converting the rest, and memory stays small; past 2^32 - 1 samples the
 * file is refused at open */
static void test_memory(void)
{
    buf w = {0};
    begin(&w);
    fmt(&w, 1, 1, 1, 16, 2);
    data16(&w, sig, 8000, 16000);
    end(&w);
    int st;
    char err[512];
    const size_t before = peak_rss_kb();
    wmel_decoder *d = wmel_decoder_open_memory(w.b, w.n, &st, err, sizeof err);
    CHECK(d != NULL, "1 Hz: %s", err);
    if (d) {
        if (!wmel_have_ffmpeg())
            CHECK(fabs(wmel_decoder_duration(d) - 8000.0) < 1.0, "1 Hz: duration %g s", wmel_decoder_duration(d));
        static float piece[1 << 16];
        size_t got = 0, total = 0;
        for (int i = 0; i < 16; i++) {
            CHECK(wmel_decoder_read(d, piece, 1 << 16, &got) == WMEL_OK && got > 0, "1 Hz read: %s", wmel_decoder_error(d));
            total += got;
        }
        CHECK(total == 16u << 16, "1 Hz: %zu samples read", total);
        wmel_decoder_close(d);
    }
    const size_t after = peak_rss_kb();
    if (before && !wmel_have_ffmpeg() && !T_SANITIZED)
        CHECK(after < before + 64 * 1024, "1 Hz, 128 M samples: peak memory grew by %zu KB", after - before);
    /* 300000 frames at 1 Hz: 4.8 G samples, refused at open with the bound named */
    begin(&w);
    fmt(&w, 1, 1, 1, 16, 2);
    chunk(&w, "data", 600000);
    for (int i = 0; i < 300000; i++) put16(&w, 0);
    end(&w);
    float *f = NULL;
    size_t n = 0;
    int rc = wmel_parse_wav(w.b, w.n, "big.wav", &f, &n, err, sizeof err, NULL, 0);
    CHECK(rc == WMEL_ERR_UNSUPPORTED && !f && strstr(err, "2^32 - 1"), "4.8 G samples: %d %s", rc, err);
    free(w.b);
}

/* block by block = whole: a decoder read in odd pieces gives wmel_parse_wav's samples
 * (6 channels at 44.1 kHz, past several blocks) */
static void test_pieces(void)
{
    buf w = {0};
    begin(&w);
    fmt(&w, 1, 6, 44100, 16, 12);
    data16(&w, sig, 36000, 72000);
    end(&w);
    char err[512];
    float *all = NULL;
    size_t n = 0;
    CHECK(wmel_parse_wav(w.b, w.n, "p.wav", &all, &n, err, sizeof err, NULL, 0) == WMEL_OK && n > 2000, "%s", err);
    if (wmel_have_ffmpeg() || !all) {
        wmel_free(all);
        free(w.b);
        return;
    }
    int st;
    wmel_decoder *d = wmel_decoder_open_memory(w.b, w.n, &st, err, sizeof err);
    CHECK(d != NULL, "%s", err);
    float piece[777];
    size_t got = 0, at = 0, bad = 0;
    while (d && wmel_decoder_read(d, piece, 1 + at % 777, &got) == WMEL_OK && got) {
        for (size_t i = 0; i < got && at + i < n; i++) bad += piece[i] != all[at + i];
        at += got;
    }
    CHECK(at == n && bad == 0, "pieces: %zu of %zu samples, %zu differ", at, n, bad);
    wmel_decoder_close(d);
    wmel_free(all);
    free(w.b);
}

/* The FFmpeg build's claim check: a chunk claiming ~4 GB ends the walk on every size_t
 * (it looped on 32-bit builds), and the data chunk FFmpeg reads (the last) is the one judged */
static void test_claim(void)
{
    unsigned char b[64] = "RIFF\x38\0\0\0WAVEJUNK\xf8\xff\xff\xff";
    char warn[256] = "";
    CHECK(wmel__wav_claim_warning(b, 20, 20, "x.wav", warn, sizeof warn) == 0, "JUNK of 4 GB");
    CHECK(wmel__wav_claim_warning(b, sizeof b, sizeof b, "x.wav", warn, sizeof warn) == 0, "JUNK of 4 GB, 64 bytes");
    buf w = {0};
    begin(&w);
    fmt(&w, 1, 1, 16000, 16, 2);
    data16(&w, sig, 100, 200);
    data16(&w, sig, 100, 5000); /* the last claims more than the file holds */
    end(&w);
    CHECK(wmel__wav_claim_warning(w.b, w.n, w.n, "y.wav", warn, sizeof warn) == 1 && strstr(warn, "claims 5000"),
          "the last data chunk's claim: '%s'", warn);
    free(w.b);
}

int main(void)
{
    for (int i = 0; i < 40000; i++) sig[i] = (int16_t)(12000 * sin(i * 0.031) + (i * 7919 % 2001) - 1000);
    test_chunks();
    test_extensible();
    test_f64();
    test_memory();
    test_pieces();
    test_claim();
    return t_done("test_wav_rules");
}
