/* fuzz_safetensors.c -- the safetensors loader (wmel_stem_load_memory) on arbitrary
 * bytes: a status and a message naming the file, or a stem whose geometry is sane;
 * never an over-read, a leak or undefined behaviour. A loaded stem small enough is also
 * run on one window, so the loaded weights are read end to end. */
#include "fuzz_util.h"
#include "wmel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    memset(err, 'x', sizeof err);
    int st = 1;
    /* a copy of exactly `size` bytes, so ASan sees any read past the end */
    uint8_t *copy = malloc(size ? size : 1);
    if (size) memcpy(copy, data, size);
    wmel_stem *s = wmel_stem_load_memory(copy, size, "fuzz.safetensors", 1, &st, err, sizeof err);
    if (!s) {
        FZ_CHECK(st < 0, "NULL stem with status %d", st);
        fz_check_message(err, sizeof err);
        FZ_CHECK(st == WMEL_ERR_NO_MEMORY || strstr(err, "fuzz.safetensors") != NULL,
                 "message does not name the file: '%s'", err);
    } else {
        FZ_CHECK(st == WMEL_OK, "stem with status %d", st);
        int nm = wmel_stem_n_mels(s), d = wmel_stem_d_model(s);
        FZ_CHECK((nm == 80 || nm == 128) && d > 0, "geometry %d mels, d %d", nm, d);
        if (d <= 16) {
            size_t nin = (size_t)nm * WMEL_CHUNK_FRAMES, nout = (size_t)1500 * (size_t)d;
            float *mel = calloc(nin, sizeof(float)), *out = malloc(nout * sizeof(float));
            for (size_t i = 0; i < nin; i++) mel[i] = (float)(i % 7) * 0.25f - 1.0f;
            int rc = wmel_stem_forward(s, mel, 1, out, nout);
            FZ_CHECK(rc == WMEL_OK, "forward: %s", wmel_strerror(rc));
            free(mel);
            free(out);
        }
        wmel_stem_free(s);
    }
    free(copy);
    return 0;
}
