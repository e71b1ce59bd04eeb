/* report.h -- the self-contained HTML page of `wmel inspect` and `wmel compare`: inline
 * CSS and script, every array embedded (float32 / float64, base64) and drawn on canvases
 * when the page opens, so it works from disk with no network. Each picture has axes in
 * real units (picture.h decides the ticks), a colour bar, a table, and a hover read-out
 * of the exact value. After drawing, the page sets data-pictures, data-axes and
 * data-colourbars on <body> (and the title) to the counts it drew, data-render-ms to the
 * milliseconds from navigation to the end of drawing, and data-rendered="1". */
#ifndef WMEL_CLI_REPORT_H
#define WMEL_CLI_REPORT_H

#include "picture.h"

#include <stddef.h>
#include <stdio.h>

typedef struct cli_rpt_image {
    const char *id;            /* unique in the page: letters, digits, '_' */
    const char *title;
    const float *data;         /* [rows][cols], row 0 drawn at the bottom */
    size_t rows, cols;
    const char *derive_from;   /* instead of data: the image `derive_from`'s values times */
    const double *row_scale;   /* row_scale[r] (rows doubles), in double */
    int map;                   /* WMEL_PIC_SEQ / WMEL_PIC_DIV */
    int db;                    /* colours from 10 log10(max(v, 1e-30)); lo/hi in dB */
    double lo, hi;             /* colour range */
    cli_pic_axis x, yl, yr;   /* yr without ticks: no right-hand axis */
    cli_pic_axis scale;       /* colour-bar title and ticks */
    size_t f0, fstep;          /* hover: column c is frame f0 + c * fstep */
    double x0, dx;             /* ... at time x0 + c * dx seconds */
    const char *row_name;      /* hover: "mel", "bin", "sample" */
    const double *row_val;     /* hover: a value per row (NULL: none) in row_unit */
    const char *row_unit;
    const char *const *table;  /* key, value, key, value, ..., NULL (may be NULL) */
} cli_rpt_img;

/* The page's budget: the values (float32, base64) one page embeds in all, ~4.5 MB. */
#define CLI_RPT_PAGE_FLOATS 850000

/* The columns a page shows of span columns (frames) whose pictures hold per_col values
 * per column together: every *step-th (first, first + step, ...), step the smallest that
 * keeps them within CLI_RPT_PAGE_FLOATS. Returns the count shown (0 for span 0).
 * `wmel inspect` and `wmel compare` thin their pages with it. */
size_t cli_rpt_thin(size_t span, size_t per_col, size_t *step);

void cli_rpt_begin(FILE *f, const char *title, const char *subtitle);
void cli_rpt_h2(FILE *f, const char *text);
void cli_rpt_p(FILE *f, const char *text);       /* a paragraph, escaped */
void cli_rpt_pre(FILE *f, const char *text);     /* preformatted, escaped */
void cli_rpt_table(FILE *f, const char *const *kv); /* key, value, ..., NULL */
/* The waveform: n buckets, bucket i covering time x0 + i * dx, its minimum and maximum. */
void cli_rpt_wave(FILE *f, const char *id, const char *title, const float *lo, const float *hi,
                   size_t n, double x0, double dx, const cli_pic_axis *x, const cli_pic_axis *y,
                   const char *const *table);
void cli_rpt_image(FILE *f, const cli_rpt_img *im);
void cli_rpt_end(FILE *f);

/* min, max, mean (in double) of n floats, NaN ignored; *finite = count of finite ones. */
void cli_rpt_stats(const float *x, size_t n, double *mn, double *mx, double *mean);

#endif
