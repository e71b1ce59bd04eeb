/*
 * png.c -- a picture of the spectrogram: time left to right, low frequencies at the
 * bottom, a perceptual colour ramp (dark blue -> teal -> green -> yellow, monotonic in
 * lightness), with the axes of picture.c (the reports' ticks and ramp): time in s below,
 * mel index left, centre frequency in Hz right, and a colour bar with its scale. Long
 * inputs are max-pooled to at most 4096 columns.
 */
#include "out.h"
#include "picture.h"

#include "wmel.h"

#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef WMEL_HAVE_PNG
#include <png.h>

/* A 5 x 7 bitmap font for the labels: the characters the axes use (bit 4 is the left
 * column). */
static const struct glyph {
    char c;
    unsigned char rows[7];
} FONT[] = {
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}}, {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}}, {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}}, {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}}, {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}}, {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'.', {0, 0, 0, 0, 0, 0x0C, 0x0C}},               {'-', {0, 0, 0, 0x1F, 0, 0, 0}},
    {'+', {0, 0x04, 0x04, 0x1F, 0x04, 0x04, 0}},       {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}},
    {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}}, {',', {0, 0, 0, 0, 0x0C, 0x04, 0x08}},
    {'a', {0, 0, 0x0E, 0x01, 0x0F, 0x11, 0x0F}},       {'b', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E}},
    {'c', {0, 0, 0x0E, 0x10, 0x10, 0x11, 0x0E}},       {'d', {0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F}},
    {'e', {0, 0, 0x0E, 0x11, 0x1F, 0x10, 0x0E}},       {'f', {0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08}},
    {'g', {0, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x0E}},    {'h', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11}},
    {'i', {0x04, 0, 0x0C, 0x04, 0x04, 0x04, 0x0E}},    {'j', {0x02, 0, 0x06, 0x02, 0x02, 0x12, 0x0C}},
    {'k', {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12}}, {'l', {0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'m', {0, 0, 0x1A, 0x15, 0x15, 0x11, 0x11}},       {'n', {0, 0, 0x16, 0x19, 0x11, 0x11, 0x11}},
    {'o', {0, 0, 0x0E, 0x11, 0x11, 0x11, 0x0E}},       {'p', {0, 0, 0x1E, 0x11, 0x1E, 0x10, 0x10}},
    {'q', {0, 0, 0x0D, 0x13, 0x0F, 0x01, 0x01}},       {'r', {0, 0, 0x16, 0x19, 0x10, 0x10, 0x10}},
    {'s', {0, 0, 0x0E, 0x10, 0x0E, 0x01, 0x1E}},       {'t', {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06}},
    {'u', {0, 0, 0x11, 0x11, 0x11, 0x13, 0x0D}},       {'v', {0, 0, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'w', {0, 0, 0x11, 0x11, 0x15, 0x15, 0x0A}},       {'x', {0, 0, 0x11, 0x0A, 0x04, 0x0A, 0x11}},
    {'y', {0, 0, 0x11, 0x11, 0x0F, 0x01, 0x0E}},       {'z', {0, 0, 0x1F, 0x02, 0x04, 0x08, 0x1F}},
    {'H', {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}}, {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}},
};
#define GLYPH_S 2                    /* each font pixel as 2 x 2 */
#define GLYPH_W (6 * GLYPH_S)        /* advance */
#define GLYPH_H (7 * GLYPH_S)

typedef struct canvas {
    unsigned char *px; /* RGB */
    size_t w, h;
} canvas;

static void put(canvas *c, long x, long y, const unsigned char *rgb)
{
    if (x < 0 || y < 0 || (size_t)x >= c->w || (size_t)y >= c->h) return;
    memcpy(c->px + ((size_t)y * c->w + (size_t)x) * 3, rgb, 3);
}

static const unsigned char INK[3] = {34, 34, 34};

static long text_width(const char *s) { return (long)strlen(s) * GLYPH_W; }

/* Text with its top-left corner at (x, y). */
static void text(canvas *c, long x, long y, const char *s)
{
    for (; *s; s++, x += GLYPH_W) {
        const unsigned char *g = NULL;
        for (size_t i = 0; i < sizeof FONT / sizeof FONT[0]; i++)
            if (FONT[i].c == *s) g = FONT[i].rows;
        if (!g) continue;
        for (int r = 0; r < 7; r++)
            for (int b = 0; b < 5; b++)
                if (g[r] >> (4 - b) & 1)
                    for (int dy = 0; dy < GLYPH_S; dy++)
                        for (int dx = 0; dx < GLYPH_S; dx++) put(c, x + b * GLYPH_S + dx, y + r * GLYPH_S + dy, INK);
    }
}

static void hline(canvas *c, long x0, long x1, long y)
{
    for (long x = x0; x <= x1; x++) put(c, x, y, INK);
}

static void vline(canvas *c, long x, long y0, long y1)
{
    for (long y = y0; y <= y1; y++) put(c, x, y, INK);
}

/* libpng's errors and warnings come here instead of stderr: the one line the CLI prints
 * is its own. An error longjmps back to cli_write_png. */
typedef struct png_msg {
    char text[256];
    int err; /* errno when the error was raised (a failed write) */
} png_msg;

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_msg *m = png_get_error_ptr(png);
    if (m) {
        m->err = errno;
        snprintf(m->text, sizeof m->text, "%s", msg ? msg : "error");
    }
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* img (w x h RGB) written as a PNG to f; setjmp's own function, so that none of the
 * drawing's variables lives across it */
static int png_encode(FILE *f, const unsigned char *img, size_t w, size_t h, const char *path, char *err,
                      size_t err_len)
{
    static png_msg pm; /* static: written through a pointer before a longjmp */
    memset(&pm, 0, sizeof pm);
    errno = 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &pm, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep *rows = malloc(h * sizeof *rows);
    if (!png || !info || !rows || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        if (pm.err) snprintf(err, err_len, "%s: cannot write the PNG: %s", path, strerror(pm.err));
        else snprintf(err, err_len, "%s: PNG encoding failed: %s", path, pm.text[0] ? pm.text : "out of memory");
        return WMEL_ERR_IO;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    for (size_t y = 0; y < h; y++) rows[y] = (png_bytep)(uintptr_t)(img + y * w * 3);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    return WMEL_OK;
}

int cli_write_png(cli_out *o, const float *mel, int n_mels, size_t n_frames, char *err,
                   size_t err_len)
{
    const char *path = o->target;
    if (n_frames == 0 || n_mels <= 0) {
        snprintf(err, err_len, "%s: nothing to draw", path);
        return WMEL_ERR_INVALID_ARG;
    }
    /* the plot: one column per frame up to 4096 (max-pooled beyond), 3 or 2 rows per mel;
       around it the axes of picture.c: time (s) below, mel index left, centre frequency
       (Hz) right, and the colour bar with its scale */
    const size_t width = n_frames > 4096 ? 4096 : n_frames;
    int scale = n_mels <= 80 ? 3 : 2;
    const size_t height = (size_t)n_mels * (size_t)scale;
    const long L = 70, T = 30, B = 62, BAR = 16;
    const long R = 8 + 5 * GLYPH_W + 18 + BAR + 8 + 6 * GLYPH_W + 8;
    canvas cv = {NULL, (size_t)L + width + (size_t)R, (size_t)T + height + (size_t)B};
    float lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < (size_t)n_mels * n_frames; i++) {
        if (mel[i] < lo) lo = mel[i];
        if (mel[i] > hi) hi = mel[i];
    }
    if (!(hi > lo)) hi = lo + 1.0f;
    unsigned char *img = malloc(cv.w * cv.h * 3);
    if (!img) {
        snprintf(err, err_len, "%s: out of memory", path);
        return WMEL_ERR_NO_MEMORY;
    }
    memset(img, 255, cv.w * cv.h * 3);
    cv.px = img;
    for (size_t x = 0; x < width; x++) {
        size_t f0 = x * n_frames / width, f1 = (x + 1) * n_frames / width;
        if (f1 <= f0) f1 = f0 + 1;
        for (int m = 0; m < n_mels; m++) {
            float v = -INFINITY;
            for (size_t f = f0; f < f1; f++) v = fmaxf(v, mel[(size_t)m * n_frames + f]);
            unsigned char rgb[3];
            cli_pic_colour(WMEL_PIC_SEQ, (double)(v - lo) / (double)(hi - lo), rgb);
            for (int s = 0; s < scale; s++)
                put(&cv, L + (long)x, T + (long)height - 1 - (long)((size_t)m * (size_t)scale + (size_t)s), rgb);
        }
    }
    const long x1 = L + (long)width, y1 = T + (long)height; /* one past the plot */
    hline(&cv, L - 1, x1, T - 1);
    hline(&cv, L - 1, x1, y1);
    vline(&cv, L - 1, T - 1, y1);
    vline(&cv, x1, T - 1, y1);
    cli_pic_axis ax;
    char title[64];
    cli_pic_axis_linear(&ax, "time (s)", n_frames, 0, (double)WMEL_HOP / WMEL_SAMPLE_RATE, 10);
    for (int i = 0; i < ax.n_ticks; i++) {
        long x = L + (long)(ax.ticks[i].pos / (double)n_frames * (double)width);
        vline(&cv, x, y1, y1 + 5);
        text(&cv, x - text_width(ax.ticks[i].label) / 2, y1 + 8, ax.ticks[i].label);
    }
    text(&cv, L + (long)width / 2 - text_width(ax.title) / 2, y1 + 12 + GLYPH_H, ax.title);
    cli_pic_axis_linear(&ax, "mel", (size_t)n_mels, 0, 1, 6);
    for (int i = 0; i < ax.n_ticks; i++) {
        long y = y1 - (long)(ax.ticks[i].pos * scale);
        hline(&cv, L - 6, L - 2, y);
        text(&cv, L - 8 - text_width(ax.ticks[i].label), y - GLYPH_H / 2, ax.ticks[i].label);
    }
    text(&cv, 4, 8, ax.title);
    double hz[WMEL_PIC_MAX_MELS];
    cli_pic_mel_centres(n_mels, hz);
    cli_pic_axis_values(&ax, "Hz", (size_t)n_mels, hz, 6);
    for (int i = 0; i < ax.n_ticks; i++) {
        long y = y1 - (long)(ax.ticks[i].pos * scale);
        hline(&cv, x1 + 1, x1 + 5, y);
        text(&cv, x1 + 8, y - GLYPH_H / 2, ax.ticks[i].label);
    }
    text(&cv, x1 + 8, 8, ax.title);
    const long bx = x1 + 8 + 5 * GLYPH_W + 18;
    for (long y = T; y < y1; y++) {
        unsigned char rgb[3];
        cli_pic_colour(WMEL_PIC_SEQ, (double)(y1 - 1 - y) / (double)(height > 1 ? height - 1 : 1), rgb);
        for (long x = bx; x < bx + BAR; x++) put(&cv, x, y, rgb);
    }
    hline(&cv, bx - 1, bx + BAR, T - 1);
    hline(&cv, bx - 1, bx + BAR, y1);
    vline(&cv, bx - 1, T - 1, y1);
    vline(&cv, bx + BAR, T - 1, y1);
    cli_pic_axis_scale(&ax, "value", lo, hi, 6);
    for (int i = 0; i < ax.n_ticks; i++) {
        long y = y1 - 1 - (long)((ax.ticks[i].pos - lo) / (double)(hi - lo) * (double)(height - 1));
        hline(&cv, bx + BAR + 1, bx + BAR + 4, y);
        text(&cv, bx + BAR + 7, y - GLYPH_H / 2, ax.ticks[i].label);
    }
    snprintf(title, sizeof title, "value");
    text(&cv, bx, 8, title);
    const int rc = png_encode(o->f, img, cv.w, cv.h, path, err, err_len);
    free(img);
    return rc;
}
#else
int cli_write_png(cli_out *o, const float *mel, int n_mels, size_t n_frames, char *err,
                   size_t err_len)
{
    const char *path = o->target;
    (void)mel;
    (void)n_mels;
    (void)n_frames;
    snprintf(err, err_len, "%s: this wmel was built without libpng (apt-get install libpng-dev)", path);
    return WMEL_ERR_NOT_BUILT;
}
#endif
