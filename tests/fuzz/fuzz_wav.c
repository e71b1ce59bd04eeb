/* fuzz_wav.c -- the built-in WAV reader (wmel_parse_wav) on arbitrary bytes: it must
 * return a status with a one-line message, or samples (as many as it says, readable),
 * never read past the buffer (ASan) or hit undefined behaviour (UBSan). */
#include "fuzz_util.h"
#include "wmel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    float *out = (float *)1;
    size_t n = 12345;
    char err[256], warn[256];
    memset(err, 'x', sizeof err);
    warn[0] = 0;
    int rc = wmel_parse_wav(data, size, "fuzz.wav", &out, &n, err, sizeof err, warn, sizeof warn);
    if (rc == WMEL_OK) {
        FZ_CHECK(n > 0 && out != NULL, "OK with %zu samples", n);
        volatile float sink = 0.0f;
        for (size_t i = 0; i < n; i++) sink += out[i]; /* every sample is readable */
        (void)sink;
        fz_check_message(warn, sizeof warn);
        wmel_free(out);
    } else {
        FZ_CHECK(rc < 0, "status %d", rc);
        fz_check_message(err, sizeof err);
        FZ_CHECK(strstr(err, "fuzz.wav") != NULL, "message does not name the file: '%s'", err);
    }
    return 0;
}
