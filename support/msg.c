/*
 * msg.c -- the wmel command's messages, escaped (msg.h).
 */
#include "msg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The length of the UTF-8 character at s (1..4) when it is valid and printable, else 0:
 * an ASCII control, DEL, a C1 control, a stray or overlong byte, a surrogate. */
static size_t printable(const unsigned char *s)
{
    unsigned c = s[0];
    if (c >= 0x20 && c < 0x7f) return 1;
    if (c < 0xc2 || c > 0xf4) return 0; /* controls, DEL, continuation bytes, overlong C0/C1 leads */
    size_t n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    unsigned lo = 0x80, hi = 0xbf;
    if (c == 0xc2) lo = 0xa0;               /* U+0080..U+009F: the C1 controls */
    else if (c == 0xe0) lo = 0xa0;          /* overlong */
    else if (c == 0xed) hi = 0x9f;          /* surrogates */
    else if (c == 0xf0) lo = 0x90;          /* overlong */
    else if (c == 0xf4) hi = 0x8f;          /* above U+10FFFF */
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf) return 0;
    return n;
}

char *cli_escape(char *dst, size_t len, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (!len) return dst;
    size_t k = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "(null)");
    while (*p) {
        size_t n = printable(p);
        if (n) {
            if (k + n >= len) break;
            memcpy(dst + k, p, n);
            k += n;
            p += n;
        } else {
            if (k + 4 >= len) break;
            dst[k++] = '\\';
            dst[k++] = 'x';
            dst[k++] = hex[*p >> 4];
            dst[k++] = hex[*p & 15];
            p++;
        }
    }
    dst[k] = '\0';
    return dst;
}

const char *cli_esc(const char *s)
{
    static _Thread_local char buf[4][4 * 4096 + 1];
    static _Thread_local unsigned turn;
    char *b = buf[turn++ % 4];
    return cli_escape(b, sizeof buf[0], s);
}

const char *cli_num(double v)
{
    static _Thread_local char buf[4][32];
    static _Thread_local unsigned turn;
    char *b = buf[turn++ % 4];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(b, sizeof buf[0], "%.*g", prec, v);
        if (!isfinite(v) || strtod(b, NULL) == v) break;
    }
    return b;
}

static _Thread_local char *capture_buf;
static _Thread_local size_t capture_len;

void cli_msg_capture(char *buf, size_t len)
{
    capture_buf = len ? buf : NULL;
    capture_len = len;
    if (capture_buf) capture_buf[0] = 0;
}

void cli_vmsg(const char *fmt, va_list ap)
{
    char text[8192], esc[4 * sizeof text];
    vsnprintf(text, sizeof text, fmt, ap);
    if (capture_buf) { /* the caller reports it: unescaped, lines joined by '\n' */
        size_t used = strlen(capture_buf);
        if (used + 1 < capture_len) snprintf(capture_buf + used, capture_len - used, "%s%s", used ? "\n" : "", text);
        return;
    }
    cli_escape(esc, sizeof esc, text);
    fprintf(stderr, "%s\n", esc);
}

void cli_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vmsg(fmt, ap);
    va_end(ap);
}
