/*
 * readall.c -- a whole stream into memory (readall.h): one growing buffer, doubled as it
 * fills, so reading n bytes costs O(n) whatever the stream (a pipe gives no size first).
 */
#include "readall.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

char *cli_read_all(FILE *f, size_t max, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    while (b && n < max) {
        if (n + 1 >= cap) {
            char *nb = cap <= SIZE_MAX / 2 ? realloc(b, cap * 2) : NULL;
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
        size_t want = cap - n - 1 < max - n ? cap - n - 1 : max - n;
        size_t got = fread(b + n, 1, want, f);
        if (got == 0) break;
        n += got;
    }
    if (!b) {
        errno = ENOMEM;
        return NULL;
    }
    if (ferror(f)) {
        int e = errno ? errno : EIO;
        free(b);
        errno = e;
        return NULL;
    }
    b[n] = 0;
    *len = n;
    return b;
}
