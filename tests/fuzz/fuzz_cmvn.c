/* fuzz_cmvn.c -- CMVN files (wmel_cmvn_parse: Kaldi statistics, text or binary, and FunASR's
 * am.mvn): any bytes are vectors or a status with a sentence; never a read past the bytes. */
#include "fuzz_util.h"
#include "wmel.h"

#include <math.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static double scale[4096], shift[4096];
    char msg[400];
    size_t n = 0;
    const size_t cap = size & 2 ? 4096 : 8;
    /* a copy of exactly size bytes: ASan sees any read past them */
    unsigned char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    int rc = wmel_cmvn_parse(copy, size, scale, shift, cap, &n, msg, size & 1 ? sizeof msg : 24);
    free(copy);
    FZ_CHECK(rc == WMEL_OK || rc == WMEL_ERR_INVALID_ARG || rc == WMEL_ERR_BUFFER_TOO_SMALL || rc == WMEL_ERR_NO_MEMORY,
             "status %d", rc);
    FZ_CHECK(rc == WMEL_OK ? msg[0] == '\0' : msg[0] != '\0' || rc == WMEL_ERR_NO_MEMORY, "message on status %d", rc);
    if (rc == WMEL_OK) {
        FZ_CHECK(n >= 1 && n <= cap, "n %zu", n);
        for (size_t i = 0; i < n; i++) FZ_CHECK(isfinite(scale[i]) && isfinite(shift[i]), "value %zu not finite", i);
    }
    return 0;
}
