/*
 * test_wav.c -- the built-in WAV reader on good and broken files built in memory:
 * empty, text, header only, no data chunk, lying sizes (decoded with a warning, like
 * the ffmpeg CLI), odd byte counts, other rates, channel counts and widths, what it does
 * not take (ADPCM, absurd rates, layouts FFmpeg cannot downmix), float32.
 */
#include "testutil.h"
#include "wmel.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t put32(unsigned char *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; return 4; }
static size_t put16(unsigned char *p, uint16_t v) { p[0] = v; p[1] = v >> 8; return 2; }

/* builds a WAV; data_claim overrides the data size field when not 0 */
static size_t mk(unsigned char *b, uint16_t tag, uint16_t ch, uint32_t rate, uint16_t bits,
                 const void *data, uint32_t bytes, uint32_t data_claim)
{
    size_t p = 0;
    memcpy(b + p, "RIFF", 4); p += 4;
    p += put32(b + p, 36 + bytes);
    memcpy(b + p, "WAVEfmt ", 8); p += 8;
    p += put32(b + p, 16);
    p += put16(b + p, tag);
    p += put16(b + p, ch);
    p += put32(b + p, rate);
    p += put32(b + p, rate * ch * bits / 8);
    p += put16(b + p, (uint16_t)(ch * bits / 8));
    p += put16(b + p, bits);
    memcpy(b + p, "data", 4); p += 4;
    p += put32(b + p, data_claim ? data_claim : bytes);
    memcpy(b + p, data, bytes);
    return p + bytes;
}

int main(void)
{
    unsigned char b[4096];
    int16_t s[100];
    float f[100];
    for (int i = 0; i < 100; i++) {
        s[i] = (int16_t)(i * 300 - 15000);
        f[i] = (float)i / 100.0f;
    }
    float *o;
    size_t n;
    char err[512], warn[512];
    size_t len = mk(b, 1, 1, 16000, 16, s, sizeof s, 0);
    CHECK(wmel_parse_wav(b, len, "a.wav", &o, &n, err, sizeof err, warn, sizeof warn) == WMEL_OK, "%s", err);
    CHECK(n == 100 && o[0] == -15000 / 32768.0f && o[99] == (99 * 300 - 15000) / 32768.0f && !warn[0], "pcm16");
    wmel_free(o);
    len = mk(b, 3, 1, 16000, 32, f, sizeof f, 0);
    CHECK(wmel_parse_wav(b, len, "f.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_OK, "%s", err);
    CHECK(n == 100 && o[50] == 0.5f, "float32");
    wmel_free(o);
    /* lying size: claims 1000 bytes, holds 200 -> 100 samples and a warning */
    len = mk(b, 1, 1, 16000, 16, s, sizeof s, 1000);
    CHECK(wmel_parse_wav(b, len, "lie.wav", &o, &n, err, sizeof err, warn, sizeof warn) == WMEL_OK, "%s", err);
    CHECK(n == 100 && strstr(warn, "lie.wav") && strstr(warn, "claims"), "warning: %s", warn);
    wmel_free(o);
    /* truncated mid-sample: whole samples only */
    len = mk(b, 1, 1, 16000, 16, s, sizeof s, 0);
    CHECK(wmel_parse_wav(b, len - 1, "odd.wav", &o, &n, err, sizeof err, warn, sizeof warn) == WMEL_OK, "%s", err);
    CHECK(n == 99 && warn[0], "99 whole samples, warned");
    wmel_free(o);
    /* errors */
    o = (float *)1;
    CHECK(wmel_parse_wav(b, 0, "empty.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_ERR_NO_SAMPLES && o == NULL, "empty");
    CHECK(strstr(err, "empty.wav") && strstr(err, "empty"), "message: %s", err);
    const char *txt = "hello, this is not a wav file at all\n";
    CHECK(wmel_parse_wav(txt, strlen(txt), "t.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_ERR_FORMAT, "text");
    CHECK(strstr(err, "not a WAV"), "message: %s", err);
    CHECK(wmel_parse_wav(b, 12, "h.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_ERR_CORRUPT, "RIFF header only");
    CHECK(wmel_parse_wav(b, 30, "h2.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_ERR_CORRUPT, "cut in fmt");
    CHECK(wmel_parse_wav(b, 36, "h3.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_ERR_NO_SAMPLES, "no data chunk");
    CHECK(wmel_parse_wav(b, 44, "h4.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_ERR_NO_SAMPLES, "header, no samples");
    /* any rate, channel count and PCM/float width decodes (test_wav_exact and
       test_wav_digest hold the samples to the FFmpeg build's) */
    len = mk(b, 1, 2, 16000, 16, s, sizeof s, 0);
    CHECK(wmel_parse_wav(b, len, "st.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_OK, "stereo: %s", err);
    CHECK(n == 50 && o[0] == (float)((-15000 * 16384 + (300 - 15000) * 16384 + 16384) >> 15) / 32768.0f,
          "stereo: the mean of the channels (%zu samples)", n);
    wmel_free(o);
    len = mk(b, 1, 1, 44100, 16, s, sizeof s, 0);
    CHECK(wmel_parse_wav(b, len, "r.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_OK, "44.1k: %s", err);
    CHECK(n > 30 && n < 40, "44.1k: %zu samples at 16 kHz", n);
    wmel_free(o);
    len = mk(b, 1, 1, 16000, 24, s, 99, 0);
    CHECK(wmel_parse_wav(b, len, "24.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_OK && n == 33, "24-bit: %s", err);
    wmel_free(o);
    /* what it does not take: a message that says what and why */
    len = mk(b, 1, 1, 44100, 16, s, 10, 0);
    CHECK(wmel_parse_wav(b, len, "few.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_ERR_NO_SAMPLES, "5 samples at 44.1k");
    CHECK(strstr(err, "few.wav") && strstr(err, "too few"), "message: %s", err);
    len = mk(b, 2, 1, 16000, 4, s, sizeof s, 0);
    CHECK(wmel_parse_wav(b, len, "adpcm.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_ERR_UNSUPPORTED, "ADPCM");
    CHECK(strstr(err, "FFmpeg"), "says what reads it: %s", err);
    len = mk(b, 1, 1, 2000000, 16, s, sizeof s, 0);
    CHECK(wmel_parse_wav(b, len, "fast.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_ERR_UNSUPPORTED, "2 MHz");
    CHECK(strstr(err, "2000000"), "names the rate: %s", err);
    len = mk(b, 1, 10, 16000, 16, s, 200, 0);
    CHECK(wmel_parse_wav(b, len, "ten.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_ERR_UNSUPPORTED, "10 channels, no mask");
    CHECK(strstr(err, "10 channels"), "message: %s", err);
    CHECK(wmel_parse_wav(NULL, 10, "x", &o, &n, err, sizeof err, NULL, 0) == WMEL_ERR_NULL_POINTER, "NULL data");
    CHECK(wmel_read_wav("/nonexistent/x.wav", &o, &n, err, sizeof err, NULL, 0) == WMEL_ERR_IO, "missing");
    CHECK(strstr(err, "/nonexistent/x.wav"), "names the file: %s", err);
    /* a golden file */
    float *g = t_load_wav("audio/speech_en.wav", &n);
    CHECK(n == 111862, "speech_en.wav has %zu samples", n);
    wmel_free(g);
    return t_done("test_wav");
}
