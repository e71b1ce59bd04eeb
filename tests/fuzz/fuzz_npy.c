/* fuzz_npy.c -- the .npy reader (tests/npy.c, wmel__npy_read and wmel__npy_as_f64).
 * No public API reads .npy -- the tests read goldens with it -- but it parses a Python
 * dict literal from a file, so it is fuzzed like the public parsers. The input goes
 * through a memfd: the reader takes a path. */
#define _GNU_SOURCE
#include "fuzz_util.h"
#include "npy.h"
#include "wmel.h"

#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz.npy", 0);
        if (fd < 0) abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size) abort();
    wmel_npy a;
    char err[256];
    memset(err, 'x', sizeof err);
    int rc = wmel__npy_read(path, &a, err, sizeof err);
    if (rc == WMEL_OK) {
        size_t count = 1;
        for (int i = 0; i < a.ndim; i++) count *= a.shape[i];
        FZ_CHECK(a.ndim >= 0 && a.ndim <= WMEL_NPY_MAX_DIMS && count == a.count, "shape");
        FZ_CHECK(a.itemsize == 2 || a.itemsize == 4 || a.itemsize == 8, "itemsize %zu", a.itemsize);
        FZ_CHECK(12 + a.count * a.itemsize <= size, "%zu items of %zu bytes from %zu bytes", a.count,
                 a.itemsize, size);
        double *d = wmel__npy_as_f64(&a);
        FZ_CHECK(d != NULL || a.count == 0, "as_f64");
        volatile double sink = 0;
        for (size_t i = 0; d && i < a.count; i++) sink += d[i];
        (void)sink;
        free(d);
        wmel__npy_free(&a);
    } else {
        FZ_CHECK(rc < 0, "status %d", rc);
        fz_check_message(err, sizeof err);
    }
    return 0;
}
