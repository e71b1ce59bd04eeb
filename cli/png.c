/*
 * png.c -- a picture of the spectrogram: time left to right, low frequencies at the
 * bottom, a perceptual colour ramp (dark blue -> teal -> green -> yellow, monotonic in
 * lightness). Long inputs are max-pooled to at most 4096 columns.
 */
#include "out.h"

#include "wmel.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef WMEL_HAVE_PNG
#include <png.h>

/* colour stops (lightness rises monotonically), interpolated linearly */
static const unsigned char STOPS[9][3] = {
    {48, 4, 84},   {70, 40, 120},  {60, 82, 138},  {44, 113, 142}, {33, 144, 140},
    {40, 174, 128}, {94, 201, 98}, {170, 220, 50}, {250, 230, 35}};

static void colour(float v, unsigned char *rgb)
{
    if (!(v >= 0.0f)) v = 0.0f;
    if (v > 1.0f) v = 1.0f;
    float pos = v * 8.0f;
    int i = (int)pos;
    if (i >= 8) i = 7;
    float t = pos - (float)i;
    for (int c = 0; c < 3; c++)
        rgb[c] = (unsigned char)lrintf(STOPS[i][c] + t * (STOPS[i + 1][c] - STOPS[i][c]));
}

/* libpng's errors and warnings come here instead of stderr: the one line the CLI prints
 * is its own. An error longjmps back to wmel_write_png. */
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

int wmel_write_png(wmel_out *o, const float *mel, int n_mels, size_t n_frames, char *err,
                   size_t err_len)
{
    const char *path = o->target;
    if (n_frames == 0 || n_mels <= 0) {
        snprintf(err, err_len, "%s: nothing to draw", path);
        return WMEL_ERR_INVALID_ARG;
    }
    size_t width = n_frames > 4096 ? 4096 : n_frames;
    int scale = n_mels <= 80 ? 3 : 2;
    size_t height = (size_t)n_mels * (size_t)scale;
    float lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < (size_t)n_mels * n_frames; i++) {
        if (mel[i] < lo) lo = mel[i];
        if (mel[i] > hi) hi = mel[i];
    }
    if (!(hi > lo)) hi = lo + 1.0f;
    unsigned char *img = malloc(width * height * 3);
    if (!img) {
        snprintf(err, err_len, "%s: out of memory", path);
        return WMEL_ERR_NO_MEMORY;
    }
    for (size_t x = 0; x < width; x++) {
        size_t f0 = x * n_frames / width, f1 = (x + 1) * n_frames / width;
        if (f1 <= f0) f1 = f0 + 1;
        for (int m = 0; m < n_mels; m++) {
            float v = -INFINITY;
            for (size_t f = f0; f < f1; f++) v = fmaxf(v, mel[(size_t)m * n_frames + f]);
            unsigned char rgb[3];
            colour((v - lo) / (hi - lo), rgb);
            for (int s = 0; s < scale; s++) {
                size_t y = height - 1 - ((size_t)m * (size_t)scale + (size_t)s);
                memcpy(img + (y * width + x) * 3, rgb, 3);
            }
        }
    }
    static png_msg pm; /* static: written through a pointer before a longjmp */
    memset(&pm, 0, sizeof pm);
    errno = 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &pm, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep *rows = malloc(height * sizeof *rows);
    if (!png || !info || !rows || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        free(img);
        if (pm.err) snprintf(err, err_len, "%s: cannot write the PNG: %s", path, strerror(pm.err));
        else snprintf(err, err_len, "%s: PNG encoding failed: %s", path, pm.text[0] ? pm.text : "out of memory");
        return WMEL_ERR_IO;
    }
    png_init_io(png, o->f);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    for (size_t y = 0; y < height; y++) rows[y] = img + y * width * 3;
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    free(img);
    return WMEL_OK;
}
#else
int wmel_write_png(wmel_out *o, const float *mel, int n_mels, size_t n_frames, char *err,
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
