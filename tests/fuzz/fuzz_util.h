/* fuzz_util.h -- what the libFuzzer harnesses share: a check that stops the run (a
 * broken invariant is a finding, like a crash), a message check, and a byte reader. */
#ifndef WMEL_FUZZ_UTIL_H
#define WMEL_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_CHECK(cond, ...)                                                               \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz invariant broken at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                 \
            fputc('\n', stderr);                                                          \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* An error message must be one NUL-terminated line within its buffer. */
static inline void fz_check_message(const char *m, size_t cap)
{
    FZ_CHECK(memchr(m, 0, cap) != NULL, "message not terminated");
    FZ_CHECK(strchr(m, '\n') == NULL, "message has a newline: '%s'", m);
}

/* Consumes bytes from the front of the input. */
typedef struct {
    const uint8_t *p;
    size_t n;
} fz_bytes;

static inline unsigned fz_u8(fz_bytes *b)
{
    if (!b->n) return 0;
    b->n--;
    return *b->p++;
}

static inline unsigned fz_u16(fz_bytes *b)
{
    unsigned lo = fz_u8(b);
    return lo | fz_u8(b) << 8;
}

#endif
