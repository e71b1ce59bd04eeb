/*
 * ref.c -- the float64 reference backend: the oracle every other backend is held to.
 *
 * Plain and obviously right: the windowed frame in double, a direct 400-point DFT with
 * an exact cos/sin table (index n*k mod 400), power, dense mel product, log10 -- all in
 * double, rounded to float once at the end. Slow by design.
 */
#include "../internal.h"

#include <math.h>
#include <stdio.h>

float wmel__ref_block(const wmel_plan *pl, const float *x, size_t nf, float *out,
                      size_t stride, void *scratch, int *bad)
{
    double *frame = scratch;               /* 400 */
    double *power = frame + WMEL_N_FFT;    /* 201 */
    double vmax = -HUGE_VAL;
    for (size_t t = 0; t < nf; t++) {
        const float *xt = x + t * WMEL_HOP;
        for (int n = 0; n < WMEL_N_FFT; n++) frame[n] = (double)xt[n] * pl->window_d[n];
        for (int k = 0; k < WMEL_N_BINS; k++) {
            double re = 0.0, im = 0.0;
            int idx = 0; /* n * k mod 400 */
            for (int n = 0; n < WMEL_N_FFT; n++) {
                re += frame[n] * pl->dft_cos[idx];
                im -= frame[n] * pl->dft_sin[idx];
                idx += k;
                if (idx >= WMEL_N_FFT) idx -= WMEL_N_FFT;
            }
            power[k] = re * re + im * im;
        }
        for (int m = 0; m < pl->n_mels; m++) {
            const double *row = pl->filters_d + (size_t)m * WMEL_N_BINS;
            double acc = 0.0;
            for (int k = 0; k < WMEL_N_BINS; k++) acc += row[k] * power[k];
            double v = log10(acc < 1e-10 ? 1e-10 : acc); /* NaN stays NaN */
            if (!isfinite(v)) *bad = 1;
            if (v > vmax) vmax = v;
            out[(size_t)m * stride + t] = (float)v;
        }
    }
    return (float)vmax;
}

/* The backend: the frame driver with the block above in place of the CPU kernel's. */
static int ref_init(wmel_ctx *ctx)
{
    ctx->block = wmel__ref_block;
    snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "ref-f64-dft");
    return WMEL_OK;
}

const wmel_backend_vt wmel__backend_ref = {WMEL_BACKEND_REF, "ref", NULL, ref_init, NULL,
                                           NULL, NULL, NULL, NULL};
