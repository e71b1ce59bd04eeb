/*
 * ref.c -- the float64 reference backend: the oracle every other backend is held to.
 *
 * Plain and obviously right: the windowed frame in double, a direct 400-point DFT with
 * an exact cos/sin table (index n*k mod 400), power, dense mel product, log10 -- all in
 * double, rounded to float once at the end. Slow by design. wmel_ref_stages() gives the
 * same arithmetic stage by stage (padded and windowed frames, power, mel, log10) in double,
 * for `wmel inspect` and for checking another implementation one stage at a time.
 */
#include "../internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One frame: the windowed frame (400) and its power spectrum (201), in double. */
static void ref_power(const wmel_plan *pl, const float *xt, double *frame, double *power)
{
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
}

/* Filter m of the dense bank on a power spectrum. */
static double ref_mel(const wmel_plan *pl, const double *power, int m)
{
    const double *row = pl->filters_d + (size_t)m * WMEL_N_BINS;
    double acc = 0.0;
    for (int k = 0; k < WMEL_N_BINS; k++) acc += row[k] * power[k];
    return acc;
}

static double ref_log(double mel) { return log10(mel < 1e-10 ? 1e-10 : mel); /* NaN stays NaN */ }

float wmel__ref_block(const wmel_plan *pl, const float *x, size_t nf, float *out,
                      size_t stride, void *scratch, int *bad)
{
    double *frame = scratch;               /* 400 */
    double *power = frame + WMEL_N_FFT;    /* 201 */
    double vmax = -HUGE_VAL;
    for (size_t t = 0; t < nf; t++) {
        ref_power(pl, x + t * WMEL_HOP, frame, power);
        for (int m = 0; m < pl->n_mels; m++) {
            double v = ref_log(ref_mel(pl, power, m));
            if (!isfinite(v)) *bad = 1;
            if (v > vmax) vmax = v;
            out[(size_t)m * stride + t] = (float)v;
        }
    }
    return (float)vmax;
}

/*
 * wmel_ref_stages: the same computation, one stage at a time, kept in double. Frame
 * f = f0 + i * step reads padded-signal samples [160 f, 160 f + 400) (wmel__signal_span:
 * reflect padding of 200 on each side of the clip with its appended zeros), so each
 * stage equals what wmel__ref_block computes for that frame, and (float)logmel equals the
 * ref backend's raw output bit for bit.
 */
int wmel_ref_stages(int n_mels, const float *pcm, size_t n_samples, size_t padding,
                    const wmel_stage_span *span, wmel_ref_stage_out *out)
{
    if (!span || !out || (!pcm && n_samples)) return WMEL_ERR_NULL_POINTER;
    if (n_mels != 80 && n_mels != 128) return WMEL_ERR_INVALID_ARG;
    if (padding > SIZE_MAX - n_samples) return WMEL_ERR_OVERFLOW;
    if (n_samples + padding <= WMEL_PAD) return WMEL_ERR_TOO_SHORT;
    const size_t nf = span->n_frames, step = span->step, total = wmel_n_frames(n_samples, padding);
    if (nf == 0) return WMEL_OK;
    if (step == 0 || span->first >= total || (nf - 1) > (total - 1 - span->first) / step)
        return WMEL_ERR_INVALID_ARG;
    if (nf > SIZE_MAX / ((size_t)WMEL_N_FFT * sizeof(double))) return WMEL_ERR_OVERFLOW;
    wmel_plan *pl = malloc(sizeof *pl);
    if (!pl) return WMEL_ERR_NO_MEMORY;
    int rc = wmel__plan_init(pl, n_mels);
    if (rc != WMEL_OK) {
        free(pl);
        return rc;
    }
    float xt[WMEL_N_FFT];
    double frame[WMEL_N_FFT], power[WMEL_N_BINS];
    const wmel_signal sig = {pcm, NULL, n_samples, padding};
    for (size_t i = 0; i < nf; i++) {
        size_t f = span->first + i * step;
        wmel__signal_span(&sig, f * WMEL_HOP, WMEL_N_FFT, xt);
        for (int k = 0; k < WMEL_N_FFT; k++) /* the samples this frame reads */
            if (!isfinite(xt[k])) rc = WMEL_ERR_NOT_FINITE;
        if (rc) break;
        ref_power(pl, xt, frame, power);
        if (out->padded)
            for (int n = 0; n < WMEL_N_FFT; n++) out->padded[i * WMEL_N_FFT + (size_t)n] = xt[n];
        if (out->frames) memcpy(out->frames + i * WMEL_N_FFT, frame, sizeof frame);
        if (out->power)
            for (int k = 0; k < WMEL_N_BINS; k++) out->power[(size_t)k * nf + i] = power[k];
        for (int m = 0; m < n_mels && (out->mel || out->logmel); m++) {
            double v = ref_mel(pl, power, m);
            if (out->mel) out->mel[(size_t)m * nf + i] = v;
            if (out->logmel) out->logmel[(size_t)m * nf + i] = ref_log(v);
        }
    }
    wmel__plan_free(pl);
    free(pl);
    return rc;
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
