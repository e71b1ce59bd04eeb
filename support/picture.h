/* picture.h -- what the wmel command's pictures share, whether drawn into a PNG (png.c) or
 * by the HTML reports' script (report.c): the colour ramps, axes in real units with
 * their ticks, and the colour scale. The C side decides every tick and label; the PNG
 * writer and the page's script only draw them. */
#ifndef WMEL_CLI_PICTURE_H
#define WMEL_CLI_PICTURE_H

#include <stddef.h>

/* Colour ramps: stops interpolated linearly. SEQ: dark blue -> teal -> green -> yellow,
 * lightness rising monotonically (values); DIV: blue -> white -> red (signed differences,
 * white at 0). */
enum { WMEL_PIC_SEQ = 0, WMEL_PIC_DIV = 1 };
#define WMEL_PIC_STOPS 9
extern const unsigned char cli_pic_stops[2][WMEL_PIC_STOPS][3];
/* t in [0, 1] (clamped; NaN as 0) to RGB on ramp `map`. */
void cli_pic_colour(int map, double t, unsigned char rgb[3]);

#define WMEL_PIC_MAX_TICKS 16
#define WMEL_PIC_MAX_MELS 128
/* A tick: a position in cell units along the axis (cell i spans [i, i + 1), so the centre
 * of cell i is i + 0.5) and its label. */
typedef struct cli_pic_tick {
    double pos;
    char label[24];
} cli_pic_tick;

typedef struct cli_pic_axis {
    char title[64];               /* e.g. "time (s)", "mel index", "frequency (Hz)" */
    int n_ticks;
    cli_pic_tick ticks[WMEL_PIC_MAX_TICKS];
} cli_pic_axis;

/* Round numbers (1, 2, 5 x 10^k) in [lo, hi], at most max_n of them; returns the count. */
int cli_pic_nice(double lo, double hi, int max_n, double *out);

/* An axis over n cells whose cell i has the value v0 + i * dv (its centre): ticks at round
 * values (at most max_n). */
void cli_pic_axis_linear(cli_pic_axis *a, const char *title, size_t n, double v0, double dv,
                          int max_n);
/* An axis over n cells with increasing values vals[i] (e.g. mel centre frequencies in Hz):
 * ticks at round values, placed by linear interpolation between cells. */
void cli_pic_axis_values(cli_pic_axis *a, const char *title, size_t n, const double *vals,
                          int max_n);
/* Colour-bar ticks: round values in [lo, hi], pos = the value itself. */
void cli_pic_axis_scale(cli_pic_axis *a, const char *title, double lo, double hi, int max_n);

/* Centre frequencies (Hz) of the Slaney mel filters of wmel_mel_filters(n_mels), the
 * points librosa.mel_frequencies(n_mels + 2, fmax=8000) puts at each filter's peak. */
void cli_pic_mel_centres(int n_mels, double *hz);

#endif
