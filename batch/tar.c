/*
 * tar.c -- the byte formats of `wmel batch` shards, chosen so that equal features give
 * equal files whoever writes them (the CLI, wmel.batch(), the Ray workers):
 *  - ustar headers (POSIX.1-1988) with every variable field fixed: mode 0644, uid/gid 0,
 *    empty user/group names, mtime 0; numbers in zero-padded octal with a NUL, the
 *    checksum as six octal digits, NUL, space (what GNU tar and Python's tarfile write);
 *  - .npy members through support/out.c's header writer, as every wmel output;
 *  - JSON strings escaped as Python's json.dumps does by default (ensure_ascii).
 */
#include "batch.h"

#include <stdio.h>
#include <string.h>

static void octal(unsigned char *f, size_t width, unsigned long long v)
{
    /* width - 1 digits and a NUL */
    f[width - 1] = 0;
    for (size_t i = width - 1; i-- > 0;) {
        f[i] = (unsigned char)('0' + (v & 7));
        v >>= 3;
    }
}

void wmel_tar_header(unsigned char h[512], const char *name, unsigned long long size)
{
    memset(h, 0, 512);
    size_t n = strlen(name);
    memcpy(h, name, n > 100 ? 100 : n);
    octal(h + 100, 8, 0644);     /* mode */
    octal(h + 108, 8, 0);        /* uid */
    octal(h + 116, 8, 0);        /* gid */
    octal(h + 124, 12, size);    /* size: 11 octal digits, up to 8 GiB */
    octal(h + 136, 12, 0);       /* mtime */
    memset(h + 148, ' ', 8);     /* checksum, counted as spaces */
    h[156] = '0';                /* regular file */
    memcpy(h + 257, "ustar\0" "00", 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++) sum += h[i];
    char ck[8];
    snprintf(ck, sizeof ck, "%06o", sum & 0777777u);
    memcpy(h + 148, ck, 6);
    h[154] = 0;
    h[155] = ' ';
}

int wmel_json_string(char *out, size_t cap, size_t *used, const char *s)
{
    size_t k = *used;
#define PUT(c) do { if (k + 1 >= cap) goto full; out[k++] = (char)(c); } while (0)
    PUT('"');
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        size_t len = 1;
        unsigned char c = *p;
        if (c < 0x80) {
            cp = c;
        } else if ((c & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80 && c >= 0xC2) {
            cp = ((unsigned)(c & 0x1F) << 6) | (p[1] & 0x3F);
            len = 2;
        } else if ((c & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
            cp = ((unsigned)(c & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            len = 3;
            if (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000)) cp = 0xDC00 + c, len = 1;
        } else if ((c & 0xF8) == 0xF0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
                   (p[3] & 0xC0) == 0x80) {
            cp = ((unsigned)(c & 0x07) << 18) | ((unsigned)(p[1] & 0x3F) << 12) |
                 ((unsigned)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
            len = 4;
            if (cp < 0x10000 || cp > 0x10FFFF) cp = 0xDC00 + c, len = 1;
        } else {
            cp = 0xDC00 + c; /* surrogateescape */
        }
        p += len;
        const char *esc = cp == '"' ? "\\\"" : cp == '\\' ? "\\\\" : cp == '\n' ? "\\n"
                        : cp == '\r' ? "\\r" : cp == '\t' ? "\\t" : cp == '\b' ? "\\b"
                        : cp == '\f' ? "\\f" : NULL;
        if (esc) {
            PUT(esc[0]);
            PUT(esc[1]);
        } else if (cp >= 0x20 && cp < 0x7F) {
            PUT(cp);
        } else {
            unsigned units[2] = {cp, 0};
            int nu = 1;
            if (cp >= 0x10000) {
                units[0] = 0xD800 + ((cp - 0x10000) >> 10);
                units[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
                nu = 2;
            }
            for (int u = 0; u < nu; u++) {
                if (k + 7 >= cap) goto full;
                k += (size_t)snprintf(out + k, cap - k, "\\u%04x", units[u]);
            }
        }
    }
    PUT('"');
#undef PUT
    out[k] = 0;
    *used = k;
    return 0;
full:
    if (cap) out[k < cap ? k : cap - 1] = 0;
    *used = k;
    return -1;
}
