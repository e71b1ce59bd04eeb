/* fuzz_wav_stream.c -- the built-in WAV reader as wmel_load_audio_memory runs it in a build
 * without FFmpeg (the decoder over bytes in memory, block by block), on arbitrary bytes read
 * in fuzzer-chosen pieces: statuses and messages well formed, the count known at open kept,
 * and the samples equal to the whole input's. In a build without FFmpeg the whole input is
 * wmel_load_audio_memory's (the built-in reader end to end: `make fuzz` runs this harness
 * in such a build, docs/testing.md); with FFmpeg, whose decoder wmel_load_audio_memory uses
 * there, it is wmel_parse_wav's. A refusal at open must be the whole-input reader's too.
 * No over-read, leak or undefined behaviour (ASan, UBSan).
 * The work per input is bounded so a long run makes millions of executions: the open (the
 * header, the size and rate checks, the output count) runs on every input, the pieces are
 * read to MAX_SAMPLES samples (a few bytes at 1 Hz announce billions), and the whole input
 * is decoded for the comparison only when it gives at most MAX_SAMPLES. */
#include "fuzz_util.h"
#include "internal.h"
#include "wmel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef MAX_SAMPLES
#define MAX_SAMPLES ((size_t)1 << 12)
#endif

/* the whole input through the reader wmel_load_audio_memory uses without FFmpeg */
static int whole(const uint8_t *data, size_t size, float **o, size_t *n, char *err, size_t err_len)
{
    if (wmel_have_ffmpeg()) return wmel_parse_wav(data, size, "fuzz.wav", o, n, err, err_len, NULL, 0);
    return wmel_load_audio_memory(data, size, o, n, err, err_len, NULL, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t piece = 1 + (size_t)data[0] * 37; /* 1 .. 9436 samples per read */
    data++;
    size--;
    uint8_t *copy = malloc(size ? size : 1); /* exactly the bytes: ASan sees any over-read */
    if (size) memcpy(copy, data, size);
    char err[256], warn[256];
    memset(err, 'x', sizeof err);
    warn[0] = 0;
    wmel__wavr *w = NULL;
    uint64_t total = 0;
    int rc = wmel__wavr_open(NULL, copy, size, "fuzz.wav", &w, &total, NULL, 0, err, sizeof err, warn, sizeof warn);
    if (rc != WMEL_OK) {
        FZ_CHECK(rc < 0 && w == NULL, "open: status %d", rc);
        fz_check_message(err, sizeof err);
        FZ_CHECK(strstr(err, "fuzz.wav") != NULL, "message does not name the file: '%s'", err);
        float *o = (float *)1;
        size_t n = 1;
        char err2[256];
        int rc2 = whole(copy, size, &o, &n, err2, sizeof err2);
        FZ_CHECK(rc2 == rc && o == NULL && n == 0, "the whole-input reader says %d, the stream %d", rc2, rc);
        free(copy);
        return 0;
    }
    FZ_CHECK(total > 0 && total <= WMEL__WAV_MAX_OUT, "total %llu", (unsigned long long)total);
    fz_check_message(warn, sizeof warn);
    const size_t want = total < MAX_SAMPLES ? (size_t)total : MAX_SAMPLES;
    int16_t *got = malloc(want * sizeof *got);
    size_t have = 0;
    int16_t *buf = malloc(piece * sizeof *buf);
    while (have < want) {
        size_t k = 99, cap = want - have < piece ? want - have : piece;
        rc = wmel__wavr_read(w, buf, cap, &k, err, sizeof err);
        if (rc != WMEL_OK) {
            FZ_CHECK(0, "read failed (%d) on bytes in memory: %s", rc, err);
            break;
        }
        FZ_CHECK(k <= cap, "read %zu > cap %zu", k, cap);
        if (k == 0) break;
        memcpy(got + have, buf, k * sizeof *buf);
        have += k;
    }
    FZ_CHECK(have == want, "%zu samples of the %llu announced", have, (unsigned long long)total);
    if (total == want) {
        size_t k = 99;
        FZ_CHECK(wmel__wavr_read(w, buf, piece, &k, err, sizeof err) == WMEL_OK && k == 0, "past the end: %zu", k);
        float *o = NULL;
        size_t n = 0;
        rc = whole(copy, size, &o, &n, err, sizeof err);
        FZ_CHECK(rc == WMEL_OK && n == total, "whole-input reader: %d, %zu samples", rc, n);
        size_t bad = 0;
        for (size_t i = 0; rc == WMEL_OK && i < n && i < have; i++) bad += o[i] != (float)got[i] / 32768.0f;
        FZ_CHECK(bad == 0, "%zu samples differ between the pieces and the whole input", bad);
        wmel_free(o);
    }
    wmel__wavr_close(w);
    free(buf);
    free(got);
    free(copy);
    return 0;
}
