/*
 * ref.c -- the float64 reference backend: the oracle every other backend is held to.
 *
 * Plain and obviously right: the windowed frame in double, a direct 400-point DFT with
 * an exact cos/sin table (index n*k mod 400), power, dense mel product, log10 -- all in
 * double, rounded to float once at the end. Slow by design. It is the reference of
 * Whisper's geometry (the pfa400 algorithm, algo.c): its raw values equal fe_ref.c's for
 * that plan bit for bit, and it runs under the frame driver, which normalises the
 * float32 values as openai-whisper does (fe_ref.c normalises in double). The stages, one
 * at a time, are wmel_ref_plan_stages()'s; wmel_ref_stages() wraps it.
 */
#include "../internal.h"
#include "../fe/fe_ln.h"

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

/* wmel's log (fe/fe_ln.h), the same bits on every platform; NaN stays NaN */
static double ref_log(double mel) { return mel != mel ? mel : wmel__log10(mel < 1e-10 ? 1e-10 : mel); }

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
 * wmel_ref_stages: a wrapper of wmel_ref_plan_stages() (ref/fe_ref.c, the one stage-by-
 * stage reference) on Whisper's preset with the clip's padding zeros appended: its
 * stages of Whisper's geometry equal this file's arithmetic bit for bit (the same window,
 * DFT table and dense Slaney bank, in the same order), so (float)logmel is still the ref
 * backend's raw output. The checks are this function's own, as documented: a NaN or Inf
 * counts only where a chosen frame reads it (the copy holds 0 elsewhere).
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
    const wmel_signal sig = {pcm, NULL, n_samples, padding};
    float xt[WMEL_N_FFT];
    for (size_t i = 0; i < nf; i++) { /* the samples the chosen frames read */
        wmel__signal_span(&sig, (span->first + i * step) * WMEL_HOP, WMEL_N_FFT, xt);
        for (int k = 0; k < WMEL_N_FFT; k++)
            if (!isfinite(xt[k])) return WMEL_ERR_NOT_FINITE;
    }
    const size_t n = n_samples + padding;
    if (n > SIZE_MAX / sizeof(float)) return WMEL_ERR_OVERFLOW;
    float *x = malloc(n * sizeof(float));
    if (!x) return WMEL_ERR_NO_MEMORY;
    for (size_t i = 0; i < n_samples; i++) x[i] = isfinite(pcm[i]) ? pcm[i] : 0.0f;
    memset(x + n_samples, 0, padding * sizeof(float));
    wmel_frontend_plan plan;
    wmel_frontend_preset(WMEL_FRONTEND_WHISPER, n_mels, &plan);
    wmel_plan_stage_out po;
    memset(&po, 0, sizeof po);
    po.signal = out->padded;
    po.windowed = out->frames;
    po.power = out->power;
    po.mel = out->mel;
    po.logmel = out->logmel;
    int rc = wmel_ref_plan_stages(&plan, x, n, span, &po);
    free(x);
    return rc;
}

/* The backend: the frame driver with the block above in place of the CPU kernel's. */
static int ref_init(wmel_ctx *ctx)
{
    ctx->block = wmel__ref_block;
    snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "ref-f64-dft");
    return WMEL_OK;
}

const wmel_backend_vt wmel__backend_ref = {
    .id = WMEL_BACKEND_REF,
    .name = "ref",
    .init = ref_init,
    .clips = wmel__cpu_clips, /* the frame driver on the reference's kernel */
    .accepts = wmel__ref_accepts,
    .clips_stages = wmel__cpu_clips_stages,
};
