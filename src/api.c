/*
 * api.c -- the public entry points: argument checks at the boundary, backend and
 * kernel choice, messages. The work happens below: the frame driver (frames.c) on the
 * worker pool (pool.c), or another backend.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "fe/fe.h"
#include "pool.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>



/* ---------------------------------------------------------------- create / destroy */

wmel_params wmel_default_params(void)
{
    wmel_params p;
    memset(&p, 0, sizeof p);
    p.n_mels = 80;
    p.backend = WMEL_BACKEND_AUTO;
    p.n_threads = 0;
    p.norm = WMEL_NORM_WHOLE;
    p.max_isa = WMEL_ISA_AUTO;
    p.cuda_device = 0;
    return p;
}

static wmel_ctx *fail(int *status, int code)
{
    if (status) *status = code;
    return NULL;
}

wmel_ctx *wmel_create(const wmel_params *p_in, int *status)
{
    wmel_params p = p_in ? *p_in : wmel_default_params();
    if (p.frontend != WMEL_FRONTEND_WHISPER) {
        wmel_frontend_plan plan;
        int rc = wmel_frontend_preset(p.frontend, p.n_mels, &plan);
        if (rc) return fail(status, rc);
        return wmel_create_plan(&p, &plan, status);
    }
    if (p.n_mels != 80 && p.n_mels != 128) return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.backend < WMEL_BACKEND_AUTO || p.backend > WMEL_BACKEND_CUDA)
        return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.norm != WMEL_NORM_WHOLE && p.norm != WMEL_NORM_NONE)
        return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.max_isa < WMEL_ISA_AUTO || p.max_isa > WMEL_ISA_NEON)
        return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.n_threads < 0 || p.cuda_device < 0) return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.smooth != WMEL_SMOOTH_NONE && p.smooth != WMEL_SMOOTH_3X3)
        return fail(status, WMEL_ERR_INVALID_ARG);

    const wmel_backend_vt *vt = p.backend == WMEL_BACKEND_AUTO ? wmel__backend_auto(&p)
                                                               : wmel__backend(p.backend);
    if (!vt || (vt->available && !vt->available(&p)))
        return fail(status, WMEL_ERR_BACKEND_UNAVAILABLE);

    wmel_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return fail(status, WMEL_ERR_NO_MEMORY);
    ctx->params = p;
    int rc = wmel__plan_init(&ctx->plan, p.n_mels);
    if (rc != WMEL_OK) {
        free(ctx);
        return fail(status, rc);
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    ctx->n_threads = p.n_threads ? p.n_threads : (ncpu > 0 ? (int)ncpu : 1);
    if (ctx->n_threads > 256) ctx->n_threads = 256;
    /* the CPU kernel: the frame driver's, under every backend (a backend's fallback) */
    ctx->isa = wmel__isa_level(p.max_isa);
    ctx->kernel = wmel__kernel_for(ctx->isa);
    ctx->block = ctx->kernel->block;
    snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "%s", ctx->kernel->name);
    if (vt->init && (rc = vt->init(ctx)) != WMEL_OK) {
        if (p.backend != WMEL_BACKEND_AUTO) { /* asked for by name: a clear error */
            wmel__plan_free(&ctx->plan);
            free(ctx);
            return fail(status, rc);
        }
        vt = &wmel__backend_cpu; /* AUTO: the CPU, silently */
    }
    ctx->vt = vt;
    ctx->backend = vt->id;
    /* threads start on first use; without a pool each call makes its own */
    if (ctx->n_threads > 1) ctx->pool = wmel__pool_new(ctx->n_threads - 1);
    ctx->scratch = wmel__scratch_new(); /* NULL: each call allocates, as it can */
    wmel_frontend_preset(WMEL_FRONTEND_WHISPER, p.n_mels, &ctx->fplan);
    ctx->fplan.norm = p.norm;
    if (status) *status = WMEL_OK;
    return ctx;
}

/* A ctx for a plan that is not Whisper's geometry: the general CPU path or the float64
 * reference (fe/, ref/fe_ref.c); the frame driver's plan and kernels are not built. */
static wmel_ctx *create_fe(const wmel_params *p, const wmel_frontend_plan *plan, const double *const *cols,
                           int *status)
{
    if (p->backend < WMEL_BACKEND_AUTO || p->backend > WMEL_BACKEND_CUDA ||
        p->max_isa < WMEL_ISA_AUTO || p->max_isa > WMEL_ISA_NEON || p->n_threads < 0 ||
        p->cuda_device < 0)
        return fail(status, WMEL_ERR_INVALID_ARG);
    if (p->backend == WMEL_BACKEND_CUDA) return fail(status, WMEL_ERR_BACKEND_UNAVAILABLE);
    wmel_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return fail(status, WMEL_ERR_NO_MEMORY);
    int rc = cols ? wmel__fe_compile(plan, &ctx->fe) : wmel__fe_new(plan, &ctx->fe);
    if (rc == WMEL_OK && cols) {
        const size_t nc = (size_t)ctx->fe->n_cols;
        ctx->fe->col_scale = malloc(nc * sizeof(double));
        ctx->fe->col_shift = malloc(nc * sizeof(double));
        if (!ctx->fe->col_scale || !ctx->fe->col_shift) rc = WMEL_ERR_NO_MEMORY;
        else {
            memcpy(ctx->fe->col_scale, cols[0], nc * sizeof(double));
            memcpy(ctx->fe->col_shift, cols[1], nc * sizeof(double));
        }
        if (rc) wmel__fe_free(ctx->fe);
    }
    if (rc != WMEL_OK) {
        free(ctx);
        return fail(status, rc);
    }
    ctx->params = *p;
    ctx->params.n_mels = plan->n_mels;
    ctx->params.frontend = plan->frontend;
    ctx->params.smooth = WMEL_SMOOTH_NONE;
    ctx->fplan = *plan;
    ctx->vt = p->backend == WMEL_BACKEND_REF ? &wmel__backend_ref : &wmel__backend_cpu;
    ctx->backend = ctx->vt->id;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    ctx->n_threads = p->n_threads ? p->n_threads : (ncpu > 0 ? (int)ncpu : 1);
    if (ctx->n_threads > 256) ctx->n_threads = 256;
    ctx->isa = wmel__isa_level(p->max_isa);
    ctx->kernel = wmel__kernel_for(ctx->isa);
    ctx->fe->kern = wmel__fe_kernel_for(wmel__fe_isa_level(p->max_isa));
    if (ctx->backend == WMEL_BACKEND_REF)
        snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "ref-f64-dft%d", plan->n_fft);
    else
        snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "cpu-%s-fft%d", ctx->fe->kern->name,
                 plan->n_fft);
    if (ctx->n_threads > 1 && ctx->backend == WMEL_BACKEND_CPU)
        ctx->pool = wmel__pool_new(ctx->n_threads - 1);
    if (status) *status = WMEL_OK;
    return ctx;
}

wmel_ctx *wmel_create_plan(const wmel_params *p_in, const wmel_frontend_plan *plan, int *status)
{
    if (!plan) return fail(status, WMEL_ERR_NULL_POINTER);
    wmel_params p = p_in ? *p_in : wmel_default_params();
    int rc = wmel__fe_check(plan);
    if (rc) return fail(status, rc);
    if (!wmel__fe_is_whisper(plan)) return create_fe(&p, plan, NULL, status);
    /* Whisper's geometry: the frame driver and its kernels, bit for bit */
    p.frontend = WMEL_FRONTEND_WHISPER;
    p.n_mels = plan->n_mels;
    p.norm = plan->norm;
    p.smooth = WMEL_SMOOTH_NONE;
    wmel_ctx *ctx = wmel_create(&p, status);
    if (ctx) ctx->fplan = *plan;
    return ctx;
}

wmel_ctx *wmel_create_plan_cols(const wmel_params *p_in, const wmel_frontend_plan *plan, const double *col_scale,
                                const double *col_shift, size_t n_cols, int *status)
{
    if (!plan || !col_scale || !col_shift) return fail(status, WMEL_ERR_NULL_POINTER);
    wmel_params p = p_in ? *p_in : wmel_default_params();
    int rc = wmel__fe_check(plan);
    if (rc) return fail(status, rc);
    if (n_cols != (size_t)plan->n_mels + (size_t)plan->use_energy) return fail(status, WMEL_ERR_INVALID_ARG);
    for (size_t c = 0; c < n_cols; c++)
        if (!isfinite(col_scale[c]) || !isfinite(col_shift[c]) || fabs(col_scale[c]) > 1e30 || fabs(col_shift[c]) > 1e30)
            return fail(status, WMEL_ERR_INVALID_ARG);
    const double *cols[2] = {col_scale, col_shift};
    return create_fe(&p, plan, cols, status); /* any geometry: the general path applies them */
}

int wmel_ctx_cols(const wmel_ctx *ctx, double *col_scale, double *col_shift, size_t n_cols)
{
    if (!ctx || !col_scale || !col_shift) return WMEL_ERR_NULL_POINTER;
    if (!ctx->fe || !ctx->fe->col_scale) return WMEL_ERR_INVALID_ARG;
    if (n_cols < (size_t)ctx->fe->n_cols) return WMEL_ERR_BUFFER_TOO_SMALL;
    memcpy(col_scale, ctx->fe->col_scale, (size_t)ctx->fe->n_cols * sizeof(double));
    memcpy(col_shift, ctx->fe->col_shift, (size_t)ctx->fe->n_cols * sizeof(double));
    return WMEL_OK;
}

int wmel_ctx_plan(const wmel_ctx *ctx, wmel_frontend_plan *plan)
{
    if (!ctx || !plan) return WMEL_ERR_NULL_POINTER;
    *plan = ctx->fplan;
    return WMEL_OK;
}

int wmel_features_shape(const wmel_ctx *ctx, size_t n_samples, size_t *rows, size_t *cols)
{
    if (!ctx || !rows || !cols) return WMEL_ERR_NULL_POINTER;
    *rows = *cols = 0;
    if (!ctx->fe) {
        if (n_samples == 0) return WMEL_ERR_NO_SAMPLES;
        if (n_samples <= WMEL_PAD) return WMEL_ERR_TOO_SHORT;
        *rows = (size_t)ctx->params.n_mels;
        *cols = wmel_n_frames(n_samples, 0);
        return WMEL_OK;
    }
    int rc = wmel__fe_shape(&ctx->fe->p, n_samples, rows, cols);
    if (rc) *rows = *cols = 0;
    return rc;
}

int wmel_features(wmel_ctx *ctx, const float *pcm, size_t n_samples, float *out, size_t out_len)
{
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (!pcm && n_samples) return WMEL_ERR_NULL_POINTER;
    size_t rows, cols;
    int rc = wmel_features_shape(ctx, n_samples, &rows, &cols);
    if (rc) return rc;
    if (!ctx->fe) return wmel_log_mel(ctx, pcm, n_samples, 0, out, out_len);
    const size_t total = rows * cols;
    if (!out && total) return WMEL_ERR_NULL_POINTER;
    if (out_len < total) return WMEL_ERR_BUFFER_TOO_SMALL;
    if (wmel__overlap(pcm, wmel__bytes(n_samples, sizeof(float)), out, wmel__bytes(total, sizeof(float))))
        return WMEL_ERR_INVALID_ARG;
    if (ctx->backend != WMEL_BACKEND_REF) /* checked by the workers, each its own samples */
        return wmel__fe_cpu(ctx, pcm, n_samples, out);
    for (size_t i0 = 0; i0 < n_samples; i0 += 1024) { /* exponent bits all ones: NaN or Inf */
        const size_t e = n_samples - i0 < 1024 ? n_samples - i0 : 1024;
        uint32_t bad = 0;
        for (size_t i = 0; i < e; i++) { /* integer operations the compiler vectorises */
            uint32_t u;
            memcpy(&u, pcm + i0 + i, sizeof u);
            bad |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
        }
        if (bad) return WMEL_ERR_NOT_FINITE;
    }
    return wmel__fe_ref(ctx, pcm, n_samples, out);
}

void wmel_destroy(wmel_ctx *ctx)
{
    if (!ctx) return;
    if (ctx->vt->free) ctx->vt->free(ctx);
    wmel__pool_free(ctx->pool);
    wmel__scratch_free(ctx->scratch);
    wmel__plan_free(&ctx->plan);
    wmel__fe_free(ctx->fe);
    free(ctx);
}

const char *wmel_backend_name(const wmel_ctx *ctx) { return ctx ? ctx->vt->name : "none"; }

const char *wmel_op_backend(const wmel_ctx *ctx, int op)
{
    if (!ctx || op < WMEL_OP_LOG_MEL || op > WMEL_OP_STREAM) return "none";
    if (ctx->fe && op == WMEL_OP_STREAM) return "cpu"; /* a plan's live audio: fe_live.c */
    if (ctx->vt->op_backend) return ctx->vt->op_backend(ctx, op);
    return op == WMEL_OP_DEVICE ? "none" : ctx->vt->name;
}

const char *wmel_kernel_name(const wmel_ctx *ctx) { return ctx ? ctx->kernel_name : "none"; }
int wmel_ctx_n_mels(const wmel_ctx *ctx) { return ctx ? ctx->params.n_mels : 0; }
int wmel_ctx_n_threads(const wmel_ctx *ctx) { return ctx ? ctx->n_threads : 0; }

void wmel_normalize(float *x, size_t n, float max_val)
{
    const float lo = max_val - 8.0f;
    for (size_t i = 0; i < n; i++) {
        float v = x[i] < lo ? lo : x[i];
        x[i] = (v + 4.0f) * 0.25f;
    }
}

/* ---------------------------------------------------------------- compute */

static int check_ctx(const wmel_ctx *ctx, size_t n, size_t padding, const void *pcm)
{
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (ctx->fe) return WMEL_ERR_INVALID_ARG; /* another front-end: wmel_features() */
    if (!pcm && n) return WMEL_ERR_NULL_POINTER;
    if (padding > SIZE_MAX / 4 - n) return WMEL_ERR_OVERFLOW;
    if (n + padding <= WMEL_PAD) return WMEL_ERR_TOO_SHORT;
    return WMEL_OK;
}

static int need_out(const wmel_ctx *ctx, size_t clips, size_t nf, const float *out,
                    size_t out_len, const void *pcm, size_t pcm_bytes)
{
    size_t per = (size_t)ctx->params.n_mels * nf;
    if (nf && per / nf != (size_t)ctx->params.n_mels) return WMEL_ERR_OVERFLOW;
    if (clips && per > SIZE_MAX / clips) return WMEL_ERR_OVERFLOW;
    if (!out && per && clips) return WMEL_ERR_NULL_POINTER;
    if (out_len < per * clips) return WMEL_ERR_BUFFER_TOO_SMALL;
    if (wmel__overlap(pcm, pcm_bytes, out, wmel__bytes(per * clips, sizeof(float))))
        return WMEL_ERR_INVALID_ARG; /* the output would overwrite samples not yet read */
    return WMEL_OK;
}

/* Bytes from the first clip's start to the last clip's end. */
static size_t clips_extent(size_t batch, size_t n, size_t stride, size_t elt)
{
    size_t extent = (batch - 1) * stride;
    extent = extent > SIZE_MAX - n ? SIZE_MAX : extent + n;
    return wmel__bytes(extent, elt);
}

/* Whole clips on the ctx's backend; the frame driver when the backend has no such op or
 * hands it back (CUDA: device memory too small), which wmel_op_backend() reports. */
static int run_clips(wmel_ctx *ctx, const wmel_clips *c, int op)
{
    if (ctx->vt->clips) {
        int rc = ctx->vt->clips(ctx, c, op);
        if (rc == WMEL_ERR_NOT_FINITE)
            rc = wmel__bad_status(c->f32, c->batch, c->n, c->pcm_stride, 0,
                                  wmel_n_frames(c->n, c->padding));
        if (rc != WMEL__FALLBACK) return rc;
    }
    return wmel__frames_clips(ctx, c);
}

static int log_mel_signal(wmel_ctx *ctx, const wmel_signal *s, float *out, size_t out_len)
{
    size_t nf = wmel_n_frames(s->n, s->padding);
    int rc = need_out(ctx, 1, nf, out, out_len, s->f32 ? (const void *)s->f32 : (const void *)s->s16,
                      wmel__bytes(s->n, s->f32 ? sizeof(float) : sizeof(int16_t)));
    if (rc) return rc;
    wmel_clips c = {s->f32, s->s16, 1, s->n, s->n, s->padding, WMEL_BATCH_PER_CLIP, out, out_len};
    return run_clips(ctx, &c, s->f32 ? WMEL_OP_LOG_MEL : WMEL_OP_LOG_MEL_S16);
}

/* A plan's ctx (not Whisper's geometry): wmel_features() of the samples (float32, or int16
 * divided by 32768) followed by `padding` zeros, for the log-Mel entry points. */
static int plan_log_mel(wmel_ctx *ctx, const float *f32, const int16_t *s16, size_t n, size_t padding,
                        float *out, size_t out_len)
{
    if (!f32 && !s16 && n) return WMEL_ERR_NULL_POINTER;
    if (padding > SIZE_MAX / sizeof(float) / 2 - n) return WMEL_ERR_OVERFLOW;
    if (f32 && !padding) return wmel_features(ctx, f32, n, out, out_len);
    const size_t total = n + padding;
    float *x = malloc((total ? total : 1) * sizeof(float));
    if (!x) return WMEL_ERR_NO_MEMORY;
    if (f32) memcpy(x, f32, n * sizeof(float));
    else
        for (size_t i = 0; i < n; i++) x[i] = (float)s16[i] / 32768.0f;
    memset(x + n, 0, padding * sizeof(float));
    size_t rows, cols;
    int rc = wmel_features_shape(ctx, total, &rows, &cols);
    if (rc == WMEL_OK && out && rows && cols &&
        wmel__overlap(f32 ? (const void *)f32 : (const void *)s16, wmel__bytes(n, f32 ? sizeof(float) : sizeof(int16_t)),
                      out, wmel__bytes(rows * cols, sizeof(float))))
        rc = WMEL_ERR_INVALID_ARG;
    if (rc == WMEL_OK) rc = wmel_features(ctx, x, total, out, out_len);
    free(x);
    return rc;
}

int wmel_log_mel(wmel_ctx *ctx, const float *pcm, size_t n_samples, size_t padding,
                 float *out, size_t out_len)
{
    if (ctx && ctx->fe) return plan_log_mel(ctx, pcm, NULL, n_samples, padding, out, out_len);
    int rc = check_ctx(ctx, n_samples, padding, pcm);
    if (rc) return rc;
    wmel_signal s = {pcm, NULL, n_samples, padding};
    return log_mel_signal(ctx, &s, out, out_len);
}

int wmel_log_mel_s16(wmel_ctx *ctx, const int16_t *pcm, size_t n_samples, size_t padding,
                     float *out, size_t out_len)
{
    if (ctx && ctx->fe) return plan_log_mel(ctx, NULL, pcm, n_samples, padding, out, out_len);
    int rc = check_ctx(ctx, n_samples, padding, pcm);
    if (rc) return rc;
    wmel_signal s = {NULL, pcm, n_samples, padding};
    return log_mel_signal(ctx, &s, out, out_len);
}

int wmel_log_mel_batch(wmel_ctx *ctx, const float *pcm, size_t batch, size_t n_samples,
                       size_t pcm_stride, size_t padding, int batch_norm, float *out,
                       size_t out_len)
{
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (batch_norm != WMEL_BATCH_PER_CLIP && batch_norm != WMEL_BATCH_GLOBAL)
        return WMEL_ERR_INVALID_ARG;
    if (batch == 0) return WMEL_OK;
    if (pcm_stride < n_samples) return WMEL_ERR_INVALID_ARG;
    if (ctx->fe) { /* a plan: each clip on its own (its normalisation is the plan's, per clip) */
        if (batch_norm != WMEL_BATCH_PER_CLIP) return WMEL_ERR_INVALID_ARG;
        if (batch > 1 && pcm_stride > SIZE_MAX / (batch - 1)) return WMEL_ERR_OVERFLOW;
        size_t rows, cols;
        int rc = wmel_features_shape(ctx, n_samples + padding, &rows, &cols);
        if (rc) return rc;
        const size_t per = rows * cols;
        if (per && batch > SIZE_MAX / per) return WMEL_ERR_OVERFLOW;
        if (!out && per) return WMEL_ERR_NULL_POINTER;
        if (out_len < per * batch) return WMEL_ERR_BUFFER_TOO_SMALL;
        if (!pcm && n_samples) return WMEL_ERR_NULL_POINTER;
        if (per && wmel__overlap(pcm, clips_extent(batch, n_samples, pcm_stride, sizeof(float)), out,
                                 wmel__bytes(per * batch, sizeof(float))))
            return WMEL_ERR_INVALID_ARG;
        for (size_t b = 0; b < batch && rc == WMEL_OK; b++)
            rc = plan_log_mel(ctx, pcm ? pcm + b * pcm_stride : NULL, NULL, n_samples, padding,
                              out ? out + b * per : NULL, per);
        return rc;
    }
    if (batch > 1 && pcm_stride > SIZE_MAX / (batch - 1)) return WMEL_ERR_OVERFLOW;
    int rc = check_ctx(ctx, n_samples, padding, pcm);
    if (rc) return rc;
    size_t nf = wmel_n_frames(n_samples, padding);
    rc = need_out(ctx, batch, nf, out, out_len, pcm,
                  clips_extent(batch, n_samples, pcm_stride, sizeof(float)));
    if (rc) return rc;
    wmel_clips c = {pcm, NULL, batch, n_samples, pcm_stride, padding, batch_norm, out, out_len};
    return run_clips(ctx, &c, WMEL_OP_LOG_MEL_BATCH);
}

int wmel_cuda_log_mel_device(wmel_ctx *ctx, const void *d_pcm, int sample_type, size_t batch,
                             size_t n_samples, size_t pcm_stride, size_t padding, int batch_norm,
                             float *d_out, size_t out_len, void *stream)
{
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (!wmel__backend(WMEL_BACKEND_CUDA)) return WMEL_ERR_NOT_BUILT;
    if (sample_type != WMEL_SAMPLE_F32 && sample_type != WMEL_SAMPLE_S16) return WMEL_ERR_INVALID_ARG;
    if (batch_norm != WMEL_BATCH_PER_CLIP && batch_norm != WMEL_BATCH_GLOBAL) return WMEL_ERR_INVALID_ARG;
    if (!ctx->vt->clips_device) return WMEL_ERR_BACKEND_UNAVAILABLE;
    if (batch == 0) return WMEL_OK;
    if (pcm_stride < n_samples) return WMEL_ERR_INVALID_ARG;
    if (!d_pcm && n_samples) return WMEL_ERR_NULL_POINTER;
    if (padding > SIZE_MAX / 4 - n_samples) return WMEL_ERR_OVERFLOW;
    if (n_samples + padding <= WMEL_PAD) return WMEL_ERR_TOO_SHORT;
    if (batch > 1 && pcm_stride > SIZE_MAX / 4 / (batch - 1)) return WMEL_ERR_OVERFLOW;
    const size_t nf = wmel_n_frames(n_samples, padding);
    const size_t per = (size_t)ctx->params.n_mels * nf;
    if (per / (size_t)ctx->params.n_mels != nf || per > SIZE_MAX / 4 / batch) return WMEL_ERR_OVERFLOW;
    if (!d_out) return WMEL_ERR_NULL_POINTER;
    if (out_len < per * batch) return WMEL_ERR_BUFFER_TOO_SMALL;
    const int s16 = sample_type == WMEL_SAMPLE_S16;
    if (wmel__overlap(d_pcm, clips_extent(batch, n_samples, pcm_stride, s16 ? 2 : 4), d_out,
                      wmel__bytes(per * batch, sizeof(float))))
        return WMEL_ERR_INVALID_ARG;
    wmel_clips c = {s16 ? NULL : (const float *)d_pcm, s16 ? (const int16_t *)d_pcm : NULL, batch,
                    n_samples, pcm_stride, padding, batch_norm, d_out, out_len};
    return ctx->vt->clips_device(ctx, &c, stream);
}

const char *wmel_cuda_error_detail(void) { return wmel__detail_get(); }

int wmel_pad_or_trim(const float *in, size_t n, float *out, size_t length)
{
    if (!out && length) return WMEL_ERR_NULL_POINTER;
    if (!in && n && length) return WMEL_ERR_NULL_POINTER;
    size_t c = n < length ? n : length;
    if (c && in != out) memmove(out, in, c * sizeof(float));
    for (size_t i = c; i < length; i++) out[i] = 0.0f;
    return WMEL_OK;
}

int wmel_mel_filters(int n_mels, float *out, size_t out_len)
{
    if (n_mels != 80 && n_mels != 128) return WMEL_ERR_INVALID_ARG;
    if (!out) return WMEL_ERR_NULL_POINTER;
    size_t n = (size_t)n_mels * WMEL_N_BINS;
    if (out_len < n) return WMEL_ERR_BUFFER_TOO_SMALL;
    double *d = malloc(n * sizeof *d);
    if (!d) return WMEL_ERR_NO_MEMORY;
    wmel__mel_filters_f64(n_mels, d);
    for (size_t i = 0; i < n; i++) out[i] = (float)d[i];
    free(d);
    return WMEL_OK;
}

/* ---------------------------------------------------------------- messages */

const char *wmel_strerror(int status)
{
    switch (status) {
    case WMEL_OK: return "success";
    case WMEL_ERR_INVALID_ARG: return "invalid argument: a parameter is outside its allowed range (see wmel.h)";
    case WMEL_ERR_NULL_POINTER: return "a required pointer argument is NULL";
    case WMEL_ERR_NO_MEMORY: return "out of memory";
    case WMEL_ERR_BUFFER_TOO_SMALL: return "output buffer too small: size it with wmel_n_frames() * n_mels";
    case WMEL_ERR_TOO_SHORT: return "input too short for reflect padding: samples + padding must exceed n_fft/2 (200 for Whisper, 256 for NeMo legacy)";
    case WMEL_ERR_BACKEND_UNAVAILABLE: return "the requested backend is not available (not built in, or no usable CUDA device)";
    case WMEL_ERR_NOT_FINITE: return "the input contains NaN or infinite samples";
    case WMEL_ERR_IO: return "input/output error: the file could not be opened, read or written";
    case WMEL_ERR_FORMAT: return "unrecognised data: not an audio format wmel can read";
    case WMEL_ERR_UNSUPPORTED: return "unsupported audio: this build reads 16 kHz mono PCM16/float32 WAV only (build with FFmpeg for other formats)";
    case WMEL_ERR_CORRUPT: return "the file is damaged and cannot be decoded";
    case WMEL_ERR_NO_SAMPLES: return "the input holds no audio samples";
    case WMEL_ERR_THREAD: return "could not start a worker thread";
    case WMEL_ERR_CUDA: return "the CUDA runtime reported an error";
    case WMEL_ERR_OVERFLOW: return "the input is too large: a size computation would overflow";
    case WMEL_ERR_DECODER: return "the audio decoder reported an error";
    case WMEL_ERR_NOT_BUILT: return "this feature was not built into this copy of libwmel";
    case WMEL_ERR_WEIGHTS: return "the weights file is malformed or its tensors do not fit the model";
    case WMEL_ERR_SAMPLE_RANGE: return "samples too large: magnitudes above about 1e17 overflow the float32 power spectrum (audio samples are normally within [-1, 1]; scale the input)";
    case WMEL_ERR_INTERRUPTED: return "interrupted: the caller asked to stop (a time limit, Ctrl-C)";
    default: return "unknown wmel status code";
    }
}

const char *wmel_version(void)
{
    return WMEL_VERSION_STRING " ("
#if defined(__x86_64__)
           "x86_64"
#else
           "generic"
#endif
#ifdef WMEL_HAVE_FFMPEG
           " ffmpeg"
#endif
#ifdef WMEL_HAVE_CUDA
           " cuda"
#endif
           ")";
}
