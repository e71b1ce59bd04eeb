/*
 * picture.c -- colour ramps, axes and ticks shared by `wmel mel --png` (png.c) and the
 * HTML reports of `wmel inspect` and `wmel compare` (report.c).
 */
#include "picture.h"
#include "wmel.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const unsigned char cli_pic_stops[2][WMEL_PIC_STOPS][3] = {
    {{48, 4, 84}, {70, 40, 120}, {60, 82, 138}, {44, 113, 142}, {33, 144, 140},
     {40, 174, 128}, {94, 201, 98}, {170, 220, 50}, {250, 230, 35}},
    {{33, 64, 154}, {67, 120, 196}, {128, 174, 222}, {196, 218, 238}, {247, 247, 247},
     {244, 200, 180}, {226, 130, 110}, {196, 66, 60}, {150, 20, 40}}};

void cli_pic_colour(int map, double t, unsigned char rgb[3])
{
    if (!(t >= 0.0)) t = 0.0;
    if (t > 1.0) t = 1.0;
    double pos = t * (WMEL_PIC_STOPS - 1);
    int i = (int)pos;
    if (i >= WMEL_PIC_STOPS - 1) i = WMEL_PIC_STOPS - 2;
    double f = pos - i;
    const unsigned char(*s)[3] = cli_pic_stops[map == WMEL_PIC_DIV];
    for (int c = 0; c < 3; c++) rgb[c] = (unsigned char)lrint(s[i][c] + f * (s[i + 1][c] - s[i][c]));
}

static double nice_step(double span, int max_n)
{
    if (!(span > 0) || max_n < 1) return 0;
    double raw = span / max_n, p = pow(10.0, floor(log10(raw)));
    static const double m[] = {1, 2, 5, 10};
    for (int i = 0; i < 4; i++)
        if (m[i] * p >= raw) return m[i] * p;
    return 10 * p;
}

int cli_pic_nice(double lo, double hi, int max_n, double *out)
{
    if (max_n > WMEL_PIC_MAX_TICKS) max_n = WMEL_PIC_MAX_TICKS;
    if (!(hi >= lo) || !isfinite(lo) || !isfinite(hi)) return 0;
    if (hi == lo) {
        out[0] = lo;
        return 1;
    }
    double st = nice_step(hi - lo, max_n > 1 ? max_n - 1 : 1);
    int n = 0;
    for (double v = ceil(lo / st - 1e-9) * st; v <= hi + st * 1e-9 && n < max_n; v += st)
        out[n++] = fabs(v) < st * 1e-9 ? 0.0 : v;
    return n;
}

/* A label with as many decimals as the tick spacing needs. */
static void label(char *buf, size_t len, double v, double step)
{
    if (step > 0 && (step < 1e-4 || step >= 1e6)) { /* tiny or huge scales: exponent form */
        snprintf(buf, len, "%.3g", v);
        return;
    }
    int dec = step > 0 ? (int)ceil(-log10(step) - 1e-9) : 3;
    if (dec < 0) dec = 0;
    if (dec > 6) dec = 6;
    snprintf(buf, len, "%.*f", dec, v);
}

static double spacing(const double *v, int n) { return n > 1 ? v[1] - v[0] : 0; }

void cli_pic_axis_linear(cli_pic_axis *a, const char *title, size_t n, double v0, double dv,
                          int max_n)
{
    memset(a, 0, sizeof *a);
    snprintf(a->title, sizeof a->title, "%s", title);
    if (n == 0 || !(dv > 0)) return;
    double v[WMEL_PIC_MAX_TICKS];
    int k = cli_pic_nice(v0, v0 + dv * (double)(n - 1), max_n, v);
    for (int i = 0; i < k; i++) {
        a->ticks[i].pos = (v[i] - v0) / dv + 0.5;
        label(a->ticks[i].label, sizeof a->ticks[i].label, v[i], spacing(v, k));
    }
    a->n_ticks = k;
}

void cli_pic_axis_values(cli_pic_axis *a, const char *title, size_t n, const double *vals,
                          int max_n)
{
    memset(a, 0, sizeof *a);
    snprintf(a->title, sizeof a->title, "%s", title);
    if (n < 2) return;
    double v[WMEL_PIC_MAX_TICKS];
    int k = cli_pic_nice(vals[0], vals[n - 1], max_n, v), out = 0;
    size_t j = 0;
    for (int i = 0; i < k; i++) {
        while (j + 2 < n && vals[j + 1] < v[i]) j++;
        double d = vals[j + 1] - vals[j];
        if (!(d > 0)) continue;
        a->ticks[out].pos = (double)j + (v[i] - vals[j]) / d + 0.5;
        label(a->ticks[out].label, sizeof a->ticks[out].label, v[i], spacing(v, k));
        out++;
    }
    a->n_ticks = out;
}

void cli_pic_axis_scale(cli_pic_axis *a, const char *title, double lo, double hi, int max_n)
{
    memset(a, 0, sizeof *a);
    snprintf(a->title, sizeof a->title, "%s", title);
    double v[WMEL_PIC_MAX_TICKS];
    int k = cli_pic_nice(lo, hi, max_n, v);
    for (int i = 0; i < k; i++) {
        a->ticks[i].pos = v[i];
        label(a->ticks[i].label, sizeof a->ticks[i].label, v[i], spacing(v, k));
    }
    a->n_ticks = k;
}

void cli_pic_mel_centres(int n_mels, double *hz)
{
    wmel_frontend_plan p; /* Whisper's bank: the library's centres */
    if (wmel_frontend_preset(WMEL_FRONTEND_WHISPER, n_mels, &p) || wmel_mel_centres(&p, hz, (size_t)n_mels))
        for (int i = 0; i < n_mels; i++) hz[i] = 8000.0 * (i + 1) / (n_mels + 1); /* not reached */
}
