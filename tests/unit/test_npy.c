/* test_npy.c -- the tests' .npy reader (tests/npy.c: goldens are read with it) on headers
 * that lie: a shape far larger than the file or overflowing size_t must be refused
 * before anything of that size is allocated (a 100-byte file must not ask malloc for
 * 133 GB; tests/fuzz/fuzz_npy feeds such headers), and a round trip through the writer must hold. */
#define _GNU_SOURCE
#include "npy.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *write_tmp(const char *dict, const void *data, size_t n)
{
    static char path[64];
    strcpy(path, "/tmp/wmel_npy_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    char hdr[128];
    size_t dl = strlen(dict), total = (10 + dl + 1 + 63) / 64 * 64;
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    hdr[8] = (char)(total - 10);
    hdr[9] = 0;
    memcpy(hdr + 10, dict, dl);
    memset(hdr + 10 + dl, ' ', total - 10 - dl - 1);
    hdr[total - 1] = '\n';
    if (write(fd, hdr, total) != (ssize_t)total || (n && write(fd, data, n) != (ssize_t)n)) path[0] = 0;
    close(fd);
    return path;
}

int main(void)
{
    float v[6] = {1, 2, 3, 4, 5, 6};
    wmel_npy a;
    char err[256];
    struct {
        const char *dict;
        const char *what;
    } lies[] = {
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }", "2^40 floats in 24 bytes"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", "size_t overflow"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }", "9 floats in 24 bytes"},
    };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        const char *p = write_tmp(lies[i].dict, v, sizeof v);
        CHECK(p && *p, "temp file");
        if (!p || !*p) continue;
        int rc = wmel__npy_read(p, &a, err, sizeof err);
        CHECK(rc == WMEL_ERR_FORMAT, "%s: status %d (%s)", lies[i].what, rc, err);
        if (rc == WMEL_OK) wmel__npy_free(&a);
        unlink(p);
    }
    const char *p = write_tmp("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", v, sizeof v);
    int rc = wmel__npy_read(p, &a, err, sizeof err);
    CHECK(rc == WMEL_OK && a.ndim == 2 && a.count == 6 && !memcmp(a.data, v, sizeof v), "2x3 round trip: %d %s", rc, err);
    if (rc == WMEL_OK) wmel__npy_free(&a);
    unlink(p);
    return t_done("test_npy");
}
