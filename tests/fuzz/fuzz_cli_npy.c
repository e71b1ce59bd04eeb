/* fuzz_cli_npy.c -- the command's .npy reader (support/npyread.c, cli_npy_read_stream), which
 * `wmel compare`, `wmel diagnose` and `wmel vectors check` read a port's arrays with. The
 * input is read twice through fmemopen: with its size known (a regular file: the header's
 * claim is held to it before any allocation) and unknown (a pipe: read in growing steps). */
#define _GNU_SOURCE
#include "fuzz_util.h"
#include "npyread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int known = 0; known < 2; known++) {
        static char none[1];
        FILE *f = size ? fmemopen((void *)data, size, "rb") : fmemopen(none, 1, "rb");
        if (!f) abort();
        if (!size) fseek(f, 1, SEEK_SET); /* fmemopen wants a byte: an empty input reads none */
        cli_npy a;
        char err[256];
        memset(err, 'x', sizeof err);
        const int rc = cli_npy_read_stream(f, "fuzz.npy", known ? (long long)size : -1, &a, err, sizeof err);
        fclose(f);
        if (rc) {
            FZ_CHECK(rc == -1 && a.data == NULL, "status %d", rc);
            fz_check_message(err, sizeof err);
            continue;
        }
        size_t count = 1;
        for (int i = 0; i < a.ndim; i++) count *= a.shape[i];
        FZ_CHECK(a.ndim >= 0 && a.ndim <= 4 && count == a.count, "shape");
        FZ_CHECK(a.item == 2 || a.item == 4 || a.item == 8, "item %d", a.item);
        FZ_CHECK(10 + a.count * (size_t)a.item <= size, "%zu values of %d bytes from %zu bytes", a.count, a.item, size);
        volatile double sink = 0;
        for (size_t i = 0; i < a.count; i++) sink += cli_npy_at(&a, i);
        (void)sink;
        cli_npy_free(&a);
    }
    return 0;
}
