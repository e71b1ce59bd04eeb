/*
 * base.c -- the low-level helpers every layer of the library may use: aligned memory,
 * the frame count, the per-thread failure detail. Nothing here knows a ctx.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

void *wmel__aligned_alloc(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) return NULL;
    return p;
}

void wmel__aligned_free(void *p) { free(p); }

/* Large buffers that will be written whole: ask Linux for transparent huge pages over the
 * 2 MiB-aligned part of [p, p + bytes). Each first touch then maps (and zeroes) 2 MiB
 * instead of 4 KiB: on the Zen 3 KVM guest a fresh 100 MB memset took 12 ms instead of
 * 64 (10 MB: 0.75 against 5.5). Advice only: where THP is off or absent, or the range
 * is too small, nothing changes and nothing fails. */
void wmel__advise_huge(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)WMEL_HUGE_PAGE;
    if (!p || bytes < 2 * WMEL_HUGE_PAGE) return;
    uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t hi = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

void *wmel_alloc(size_t bytes)
{
    /* big blocks on a huge-page boundary, so that all but their tail can be huge pages
       (the alignment costs address space, not memory: the skipped head is never touched) */
    size_t align = bytes >= 2 * WMEL_HUGE_PAGE ? WMEL_HUGE_PAGE : 64;
    void *p = NULL;
    if (posix_memalign(&p, align, bytes ? bytes : 64) != 0) return NULL;
    wmel__advise_huge(p, bytes);
    return p;
}

void wmel_free(void *p) { free(p); }

size_t wmel_n_frames(size_t n_samples, size_t padding)
{
    if (padding > SIZE_MAX - n_samples) return SIZE_MAX / WMEL_HOP;
    return (n_samples + padding) / WMEL_HOP;
}

static _Thread_local char g_detail[256];

int wmel__detail(const char *msg)
{
    snprintf(g_detail, sizeof g_detail, "%s", msg);
    return WMEL_ERR_CUDA;
}

const char *wmel__detail_get(void) { return g_detail; }

/* Scratch files go to $TMPDIR (POSIX's variable for it), else /tmp; glibc's tmpfile()
 * knows only /tmp, so a user with a small /tmp could not move the spill elsewhere. */
const char *wmel__tmpdir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

FILE *wmel__tmpfile(void)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/wmel-XXXXXX", wmel__tmpdir()) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    unlink(path); /* anonymous from here on: nothing is left behind whatever happens */
    FILE *f = fdopen(fd, "w+b");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}
