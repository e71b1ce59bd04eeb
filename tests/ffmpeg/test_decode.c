/*
 * test_decode.c -- decoding is bit-exact with openai-whisper's load_audio (the ffmpeg
 * CLI's s16le output / 32768) for every encoded golden file, by path, from memory and
 * in small streamed pieces; features of the decoded mp3/flac/ogg match openai's within
 * 1e-4; damaged and non-audio inputs fail with a message naming the input.
 */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static const char *GOLD[][2] = {
    {"audio/jfk.flac", "ref/jfk_flac.load_audio_s16.npy"},
    {"audio/speech_en_44k_stereo.flac", "ref/speech_en_44k_stereo_flac.load_audio_s16.npy"},
    {"audio/speech_en_44k_stereo.mp3", "ref/speech_en_44k_stereo_mp3.load_audio_s16.npy"},
    {"audio/speech_en_44k_stereo.ogg", "ref/speech_en_44k_stereo_ogg.load_audio_s16.npy"},
    {"audio/speech_en_48k_f32.wav", "ref/speech_en_48k_f32_wav.load_audio_s16.npy"},
};

/* Number of samples that differ from the int16 golden (length mismatch counts all). */
static size_t mismatches(const float *x, size_t n, const double *g, size_t gn)
{
    if (n != gn) return n > gn ? n : gn;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) bad += (double)x[i] * 32768.0 != g[i];
    return bad;
}

static void test_golden(int i)
{
    char err[1024] = "", warn[1024] = "";
    wmel_npy a;
    double *g = t_load_npy(GOLD[i][1], &a);
    const char *path = t_golden(GOLD[i][0]);
    char pathbuf[1024];
    snprintf(pathbuf, sizeof pathbuf, "%s", path);

    float *x = NULL;
    size_t n = 0;
    int rc = wmel_load_audio(pathbuf, &x, &n, err, sizeof err, warn, sizeof warn);
    CHECK(rc == WMEL_OK, "%s: %s", pathbuf, err);
    size_t bad = rc ? a.count : mismatches(x, n, g, a.count);
    CHECK(bad == 0, "%s: %zu of %zu samples differ from load_audio (got %zu samples)", pathbuf,
          bad, a.count, n);
    CHECK(warn[0] == 0, "%s: unexpected warning: %s", pathbuf, warn);
    printf("%-34s %8zu samples, %zu differ from openai's load_audio\n", GOLD[i][0], n, bad);

    /* from memory */
    size_t size = 0;
    unsigned char *bytes = t_read_file(pathbuf, &size);
    CHECK(bytes != NULL, "read %s", pathbuf);
    float *y = NULL;
    size_t m = 0;
    rc = wmel_load_audio_memory(bytes, size, &y, &m, err, sizeof err, NULL, 0);
    CHECK(rc == WMEL_OK, "memory %s: %s", pathbuf, err);
    CHECK(rc || mismatches(y, m, g, a.count) == 0, "memory %s differs", pathbuf);
    wmel_free(y);

    /* the rest of an open decoder in one call, after a first read */
    int st0;
    wmel_decoder *d0 = wmel_decoder_open(pathbuf, &st0, err, sizeof err);
    CHECK(d0 != NULL, "open %s: %s", pathbuf, err);
    if (d0) {
        wmel_decoder *d = d0;
        float head[1000];
        size_t got = 0, rest_n = 0;
        float *rest = NULL;
        rc = wmel_decoder_read(d, head, 1000, &got);
        CHECK(rc == WMEL_OK, "read %s: %d", pathbuf, rc);
        rc = wmel_decoder_read_all(d, &rest, &rest_n);
        CHECK(rc == WMEL_OK && got + rest_n == a.count, "read_all %s: %d, %zu + %zu of %zu samples", pathbuf,
              rc, got, rest_n, a.count);
        if (rc == WMEL_OK && got + rest_n == a.count)
            CHECK(!memcmp(head, x, got * sizeof *x) && !memcmp(rest, x + got, rest_n * sizeof *x),
                  "read + read_all %s differ from wmel_load_audio", pathbuf);
        wmel_free(rest);
        rc = wmel_decoder_read_all(d, &rest, &rest_n); /* at the end: nothing more */
        CHECK(rc == WMEL_OK && rest_n == 0, "read_all at the end %s: %d, %zu", pathbuf, rc, rest_n);
        wmel_free(rest);
        wmel_decoder_close(d);
    }

    /* streamed in odd-sized pieces */
    int st;
    wmel_decoder *d = wmel_decoder_open_memory(bytes, size, &st, err, sizeof err);
    CHECK(d != NULL, "decoder_open_memory %s: %s", pathbuf, err);
    if (d) {
        float *z = malloc((a.count + 1000) * sizeof *z);
        size_t k = 0, got;
        while (k < a.count + 1000) {
            size_t cap = 997 < a.count + 1000 - k ? 997 : a.count + 1000 - k;
            rc = wmel_decoder_read(d, z + k, cap, &got);
            CHECK(rc == WMEL_OK, "read: %s", wmel_decoder_error(d));
            if (rc || got == 0) break;
            k += got;
        }
        CHECK(mismatches(z, k, g, a.count) == 0, "streamed %s differs (%zu samples)", pathbuf, k);
        CHECK(wmel_decoder_samples(d) == k, "samples count");
        rc = wmel_decoder_read(d, z, 10, &got);
        CHECK(rc == WMEL_OK && got == 0, "read after the end: rc %d got %zu", rc, got);
        free(z);
        wmel_decoder_close(d);
    }
    free(bytes);

    /* features of the compressed goldens against openai's */
    const char *mel_ref = i == 1 ? "ref/speech_en_44k_stereo_flac.mel80.npy"
                        : i == 2 ? "ref/speech_en_44k_stereo_mp3.mel80.npy"
                        : i == 3 ? "ref/speech_en_44k_stereo_ogg.mel80.npy"
                        : i == 0 ? "ref/jfk_flac.mel80.npy" : NULL;
    if (mel_ref && x) {
        wmel_npy r;
        double *mr = t_load_npy(mel_ref, &r);
        wmel_ctx *ctx = wmel_create(NULL, &st);
        size_t nf = wmel_n_frames(n, 0);
        float *mel = malloc(80 * nf * sizeof *mel);
        rc = wmel_log_mel(ctx, x, n, 0, mel, 80 * nf);
        CHECK(rc == WMEL_OK && r.count == 80 * nf, "mel of %s", pathbuf);
        if (rc == WMEL_OK && r.count == 80 * nf) {
            double e = t_max_abs_diff_fd(mel, mr, r.count);
            CHECK(e <= 1e-4, "%s: features differ from openai's by %.3g", pathbuf, e);
            printf("  features vs openai %-40s max abs %.3g\n", mel_ref, e);
        }
        free(mel);
        free(mr);
        wmel__npy_free(&r);
        wmel_destroy(ctx);
    }
    wmel_free(x);
    free(g);
    wmel__npy_free(&a);
}

/* Inputs that must fail, with a message naming the input. */
static void test_broken(void)
{
    char err[1024], warn[1024];
    float *x = NULL;
    size_t n = 0;
    const char *text = "this is not audio at all, just some text\n";
    err[0] = 0;
    int rc = wmel_load_audio_memory(text, strlen(text), &x, &n, err, sizeof err, warn, sizeof warn);
    CHECK(rc == WMEL_ERR_FORMAT, "text: rc %d: %s", rc, err);
    CHECK(strstr(err, "(memory)") != NULL, "text: message names the input: %s", err);
    rc = wmel_load_audio_memory(text, 0, &x, &n, err, sizeof err, warn, sizeof warn);
    CHECK(rc == WMEL_ERR_NO_SAMPLES, "empty: rc %d: %s", rc, err);
    rc = wmel_load_audio("/nonexistent/file.mp3", &x, &n, err, sizeof err, warn, sizeof warn);
    CHECK(rc == WMEL_ERR_IO && strstr(err, "/nonexistent/file.mp3"), "missing: rc %d: %s", rc, err);
    rc = wmel_load_audio(NULL, &x, &n, err, sizeof err, warn, sizeof warn);
    CHECK(rc == WMEL_ERR_NULL_POINTER, "NULL path: rc %d", rc);
    CHECK(x == NULL && n == 0, "nothing returned on failure");
    wmel_decoder_close(NULL);
    rc = wmel_decoder_read_all(NULL, &x, &n);
    CHECK(rc == WMEL_ERR_NULL_POINTER && x == NULL && n == 0, "read_all of NULL: rc %d", rc);
    CHECK(wmel_decoder_read_all(NULL, NULL, &n) == WMEL_ERR_NULL_POINTER, "read_all, NULL out");
    CHECK(wmel_decoder_warning(NULL)[0] == 0 && wmel_decoder_error(NULL)[0] == 0, "NULL decoder");

    /* a FLAC cut in half: FFmpeg decodes what is there; so do we, with a warning */
    size_t size = 0;
    char p[1024];
    snprintf(p, sizeof p, "%s", t_golden("audio/speech_en_44k_stereo.flac"));
    unsigned char *b = t_read_file(p, &size);
    wmel_npy a;
    double *g = t_load_npy("ref/speech_en_44k_stereo_flac.load_audio_s16.npy", &a);
    rc = wmel_load_audio_memory(b, size / 2, &x, &n, err, sizeof err, warn, sizeof warn);
    CHECK(rc == WMEL_OK, "half flac: %s", err);
    CHECK(warn[0] != 0, "half flac: no warning");
    CHECK(n > a.count / 4 && n < a.count, "half flac: %zu of %zu samples", n, a.count);
    printf("half flac: %zu samples, warning: %s\n", n, warn);
    wmel_free(x);
    x = NULL;
    /* only the header: no samples come out */
    rc = wmel_load_audio_memory(b, 200, &x, &n, err, sizeof err, warn, sizeof warn);
    CHECK(rc != WMEL_OK, "flac header only decoded to %zu samples", n);
    CHECK(x == NULL, "nothing returned on failure");
    printf("flac header only: %s\n", err);
    free(b);
    free(g);
    wmel__npy_free(&a);
}

int main(void)
{
    if (!wmel_have_ffmpeg()) {
        printf("skipped: built without FFmpeg\n");
        return 77;
    }
    for (size_t i = 0; i < sizeof GOLD / sizeof GOLD[0]; i++) test_golden((int)i);
    test_broken();
    return t_done("test_decode");
}
