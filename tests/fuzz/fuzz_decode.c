/* fuzz_decode.c -- the FFmpeg decoder from memory (wmel_decoder_open_memory, _read,
 * _warning, _duration, _close) on arbitrary bytes, read in fuzzer-chosen pieces; and
 * wmel_load_audio_memory, which must give the same samples. Statuses and messages must
 * be well formed; no over-read, leak or undefined behaviour in wmel's code (FFmpeg itself
 * is Debian's build, not instrumented). Decoding stops after 2^20 samples to keep runs
 * short. Without FFmpeg the same API reads WAV, and that is what is fuzzed. */
#include "fuzz_util.h"
#include "wmel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SAMPLES ((size_t)1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t piece = 1 + (size_t)data[0] * 37; /* 1 .. 9436 samples per read */
    data++;
    size--;
    char err[256];
    memset(err, 'x', sizeof err);
    int st = 1;
    uint8_t *copy = malloc(size ? size : 1);
    if (size) memcpy(copy, data, size);
    wmel_decoder *d = wmel_decoder_open_memory(copy, size, &st, err, sizeof err);
    float *got_all = NULL;
    size_t total = 0;
    int rc = st;
    if (!d) {
        FZ_CHECK(st < 0, "NULL decoder with status %d", st);
        fz_check_message(err, sizeof err);
    } else {
        float *buf = malloc(piece * sizeof(float));
        got_all = malloc(MAX_SAMPLES * sizeof(float));
        (void)wmel_decoder_duration(d);
        for (;;) {
            size_t got = 99;
            rc = wmel_decoder_read(d, buf, piece, &got);
            if (rc != WMEL_OK) {
                FZ_CHECK(rc < 0, "read status %d", rc);
                const char *e = wmel_decoder_error(d);
                FZ_CHECK(e && *e, "read failed (%d) without a message", rc);
                break;
            }
            FZ_CHECK(got <= piece, "got %zu > cap %zu", got, piece);
            if (got == 0) break;
            for (size_t i = 0; i < got && total < MAX_SAMPLES; i++) got_all[total++] = buf[i];
            if (total >= MAX_SAMPLES) break;
        }
        FZ_CHECK(wmel_decoder_samples(d) >= total, "samples %zu < read %zu", wmel_decoder_samples(d), total);
        const char *w = wmel_decoder_warning(d);
        if (w) FZ_CHECK(strchr(w, '\n') == NULL, "warning has a newline");
        free(buf);
        wmel_decoder_close(d);
    }
    /* the one-call loader must agree with the decoder when both finish */
    if (total < MAX_SAMPLES) {
        float *all = NULL;
        size_t n = 0;
        char e2[256], w2[256];
        int rc2 = wmel_load_audio_memory(copy, size, &all, &n, e2, sizeof e2, w2, sizeof w2);
        const int dec_ok = d != NULL && rc == WMEL_OK;
        FZ_CHECK((rc2 == WMEL_OK) == dec_ok, "decoder %s (%d), loader %d (%s)",
                 dec_ok ? "OK" : "failed", rc, rc2, rc2 ? e2 : "");
        if (dec_ok) {
            FZ_CHECK(n == total, "loader %zu samples, decoder %zu", n, total);
            FZ_CHECK(!memcmp(all, got_all, n * sizeof(float)), "loader and decoder samples differ");
        }
        if (rc2 != WMEL_OK) fz_check_message(e2, sizeof e2);
        wmel_free(all);
    }
    free(got_all);
    free(copy);
    return 0;
}
