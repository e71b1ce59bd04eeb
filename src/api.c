/*
 * api.c -- the public entry points: argument checks at the boundary. The work happens
 * below: the backend chosen and the ctx made (backend.c, ctx.c), the clip run by its
 * algorithm (algo.c): the frame driver (frames.c) on the worker pool (pool.c), or another
 * backend.
 */
#include "internal.h"
#include "noise_table.h"
#include "fe/fe.h"
#include "pool.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>



/* ---------------------------------------------------------------- create / destroy */

static wmel_ctx *fail(int *status, int code)
{
    if (status) *status = code;
    return NULL;
}

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

wmel_ctx *wmel_create(const wmel_params *p_in, int *status)
{
    wmel_params p = p_in ? *p_in : wmel_default_params();
    /* Whisper's front-end: n_mels 80 or 128 as given (0 is no default here), and its own
       two normalisations (another is another front-end's: wmel_create_plan) */
    if (p.frontend == WMEL_FRONTEND_WHISPER &&
        ((p.n_mels != 80 && p.n_mels != 128) || (p.norm != WMEL_NORM_WHOLE && p.norm != WMEL_NORM_NONE)))
        return fail(status, WMEL_ERR_INVALID_ARG);
    wmel_frontend_plan plan;
    int rc = wmel_frontend_preset(p.frontend, p.n_mels, &plan);
    if (rc) return fail(status, rc);
    if (p.frontend == WMEL_FRONTEND_WHISPER) plan.norm = p.norm;
    return wmel__create(p, &plan, p.frontend == WMEL_FRONTEND_WHISPER, NULL, status);
}

wmel_ctx *wmel_create_plan(const wmel_params *p_in, const wmel_frontend_plan *plan, int *status)
{
    if (!plan) return fail(status, WMEL_ERR_NULL_POINTER);
    return wmel__create(p_in ? *p_in : wmel_default_params(), plan, 0, NULL, status);
}

wmel_ctx *wmel_create_plan_cols(const wmel_params *p_in, const wmel_frontend_plan *plan, const double *col_scale,
                                const double *col_shift, size_t n_cols, int *status)
{
    int rc = wmel_plan_cols_check(plan, col_scale, col_shift, n_cols, NULL, 0);
    if (rc) return fail(status, rc);
    const double *cols[2] = {col_scale, col_shift};
    /* any geometry: the general algorithm applies them */
    return wmel__create(p_in ? *p_in : wmel_default_params(), plan, 0, cols, status);
}

int wmel_ctx_cols(const wmel_ctx *ctx, double *col_scale, double *col_shift, size_t n_cols)
{
    if (!ctx || !col_scale || !col_shift) return WMEL_ERR_NULL_POINTER;
    if (!ctx->fe->col_scale) return WMEL_ERR_INVALID_ARG;
    if (n_cols < ctx->fe->n_colvec) return WMEL_ERR_BUFFER_TOO_SMALL;
    memcpy(col_scale, ctx->fe->col_scale, ctx->fe->n_colvec * sizeof(double));
    memcpy(col_shift, ctx->fe->col_shift, ctx->fe->n_colvec * sizeof(double));
    return WMEL_OK;
}

int wmel__ctx_noise_table(wmel_ctx *ctx, const double *tab, size_t frames, int len, int seed)
{
    if (!ctx || !ctx->fe || !tab || !frames || ctx->fe->algo != &wmel__algo_general) return 0;
    wmel_fe *fe = ctx->fe;
    if (!(fe->p.dither != 0.0) || fe->p.dither_seed != seed || len < fe->p.frame_length) return 0;
    fe->noise = tab;
    fe->noise_frames = frames;
    fe->noise_len = len;
    return 1;
}

int wmel_ctx_plan(const wmel_ctx *ctx, wmel_frontend_plan *plan)
{
    if (!ctx || !plan) return WMEL_ERR_NULL_POINTER;
    *plan = ctx->fplan;
    return WMEL_OK;
}

int wmel_ctx_too_short(const wmel_ctx *ctx, size_t n_samples, char *msg, size_t msg_len)
{
    if (!ctx || !msg || !msg_len) return 0;
    const wmel_frontend_plan *p = &ctx->fplan;
    if (p->framing == WMEL_FRAMES_CENTER_REFLECT)
        snprintf(msg, msg_len, "%zu samples: too short for this plan's centred reflect framing: more than n_fft / 2 = "
                               "%d samples needed (n_fft %d)", n_samples, p->n_fft / 2, p->n_fft);
    else if (p->framing == WMEL_FRAMES_SNIP && p->pad_mode == WMEL_PAD_REFLECT)
        snprintf(msg, msg_len, "%zu samples: too short for this plan's reflect padding: more than %d samples needed "
                               "(pad_left %d, pad_right %d)", n_samples, p->pad_left > p->pad_right ? p->pad_left : p->pad_right,
                 p->pad_left, p->pad_right);
    else
        return 0;
    return 1;
}

int wmel_features_shape(const wmel_ctx *ctx, size_t n_samples, size_t *rows, size_t *cols)
{
    if (!ctx || !rows || !cols) return WMEL_ERR_NULL_POINTER;
    return wmel__clip_shape(ctx, n_samples, rows, cols);
}

int wmel_features(wmel_ctx *ctx, const float *pcm, size_t n_samples, float *out, size_t out_len)
{
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (!pcm && n_samples) return WMEL_ERR_NULL_POINTER;
    return wmel__clip_run(ctx, pcm, n_samples, out, out_len);
}

/* ---------------------------------------------------------------- many clips of any length */

typedef struct span_ref {
    uintptr_t lo, hi; /* [lo, hi) bytes */
    size_t clip;
    int write;
} span_ref;

static int span_cmp(const void *a, const void *b)
{
    const span_ref *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : (x->clip > y->clip) - (x->clip < y->clip);
}

static uintptr_t span_end(const void *p, size_t bytes)
{
    const uintptr_t a = (uintptr_t)p;
    return bytes < UINTPTR_MAX - a ? a + bytes : UINTPTR_MAX;
}

/* 1 when an output shares a byte with another clip's output or with any input (inputs may
 * share bytes with each other; clip b's input n[b] elements of el bytes); *clip: the clip of
 * the later-starting of the two. */
static int spans_overlap(span_ref *v, size_t m, size_t *clip);
static int batch_overlap(const void *const *pcm, size_t el, const size_t *n, float *const *out, const size_t *totals,
                         size_t batch, size_t *clip)
{
    span_ref *v = malloc(2 * batch * sizeof *v);
    if (!v) return -1;
    size_t m = 0;
    for (size_t b = 0; b < batch; b++) {
        if (pcm[b] && n[b]) v[m++] = (span_ref){(uintptr_t)pcm[b], span_end(pcm[b], wmel__bytes(n[b], el)), b, 0};
        if (out[b] && totals[b])
            v[m++] = (span_ref){(uintptr_t)out[b], span_end(out[b], wmel__bytes(totals[b], 4)), b, 1};
    }
    const int hit = spans_overlap(v, m, clip);
    free(v);
    return hit;
}

/* 1 when a written span of v[0 .. m) (sorted here) shares a byte with any other span (inputs
 * may share bytes with each other); *clip: the clip of the later-starting of the two. */
static int spans_overlap(span_ref *v, size_t m, size_t *clip)
{
    qsort(v, m, sizeof *v, span_cmp);
    uintptr_t any_end = 0, write_end = 0;
    int hit = 0;
    for (size_t i = 0; i < m && !hit; i++) {
        if (v[i].lo < write_end || (v[i].write && v[i].lo < any_end)) {
            hit = 1;
            *clip = v[i].clip;
        }
        any_end = v[i].hi > any_end ? v[i].hi : any_end;
        if (v[i].write) write_end = v[i].hi > write_end ? v[i].hi : write_end;
    }
    return hit;
}

/* The frames' values a group of clips holds at most at once on a device backend. */
#define BATCH_VALS_BYTES ((size_t)64 << 20)

/* The finish of a group's clips from their frames' values, over the ctx's workers: each
 * takes the next clip; a clip's status in rcs. */
typedef struct group_fin {
    wmel_ctx *ctx;
    const float *const *pcm;
    const size_t *n, *totals;
    float *const *out;
    void **vals;
    const unsigned char *redo; /* 1: a clip the device left (wmel_features' way, in order after); 2: one it
                                  finished */
    size_t b0, g;
    int *rcs;
    atomic_size_t next;
} group_fin;

static void group_fin_worker(void *arg, wmel_pool *pl, int t, int nt)
{
    (void)pl, (void)t, (void)nt;
    group_fin *k = arg;
    for (size_t i; (i = atomic_fetch_add(&k->next, 1)) < k->g;) {
        if (k->redo[i]) continue;
        const size_t b = k->b0 + i;
        int rc = wmel__sched_finish(k->ctx, k->pcm[b], k->n[b], k->out[b], k->vals[i]);
        if (rc == WMEL_OK) rc = wmel__fe_out_check(k->ctx->fe, k->out[b], k->totals[b]);
        k->rcs[i] = rc;
    }
}

/* Whether the group's finishes run on the workers: two clips or more, enough values to pay
 * for the workers' wake-up, and each clip small enough that its own finish is not a team
 * of its own (fe_cpu.c's threshold: 2^18 values). */
static int group_parallel(const wmel_ctx *ctx, const size_t *nfs, size_t b0, size_t b1)
{
    const size_t nc = (size_t)ctx->fe->n_cols, small = (size_t)1 << 18;
    size_t all = 0;
    if (ctx->n_threads < 2 || b1 - b0 < 2) return 0;
    for (size_t b = b0; b < b1; b++) {
        if (nfs[b] * nc >= small) return 0;
        all += nfs[b] * nc;
    }
    return all >= small;
}

/* Clips [b0, b1) on a device backend: every clip's frames in shared dispatches (and the
 * finish of those the device finished, redo 2), then each other clip's finish in order (a
 * clip the device left, redo 1, wmel_features' way in its turn); *at: the clip a status is
 * about. */
static int batch_group(wmel_ctx *ctx, const float *const *pcm, const size_t *n, float *const *out,
                       const size_t *totals, const size_t *nfs, size_t b0, size_t b1, size_t *at)
{
    const size_t g = b1 - b0, nc = (size_t)ctx->fe->n_cols, vb = ctx->vals_f32 ? sizeof(float) : sizeof(double);
    void **vals = calloc(g, sizeof *vals);
    unsigned char *redo = calloc(g, 1);
    int rc = vals && redo ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    for (size_t i = 0; rc == WMEL_OK && i < g; i++)
        if (nfs[b0 + i] && !(vals[i] = malloc(nfs[b0 + i] * nc * vb))) rc = WMEL_ERR_NO_MEMORY;
    if (rc == WMEL_OK) rc = wmel__sched_frames_batch(ctx, pcm + b0, n + b0, nfs + b0, vals, out + b0, redo, g);
    const int shared = rc == WMEL_OK; /* the clips' frames in shared dispatches */
    *at = b0;
    if (rc == WMEL__HANDBACK || rc == WMEL_ERR_NO_MEMORY) { /* each clip on its own */
        rc = WMEL_OK;
        for (size_t b = b0; rc == WMEL_OK && b < b1; b++) {
            *at = b;
            rc = wmel_features(ctx, pcm[b], n[b], out[b], totals[b]);
        }
    } else if (rc == WMEL_OK && group_parallel(ctx, nfs, b0, b1)) {
        /* each clip's finish on its own: the same bytes in any order; the status of the
           first clip that failed, as in order */
        group_fin *k = calloc(1, sizeof *k);
        int *rcs = calloc(g, sizeof *rcs);
        if (!k || !rcs) {
            rc = WMEL_ERR_NO_MEMORY;
        } else {
            k->ctx = ctx, k->pcm = pcm, k->n = n, k->totals = totals, k->out = out, k->vals = vals;
            k->redo = redo, k->b0 = b0, k->g = g, k->rcs = rcs;
            atomic_init(&k->next, 0);
            wmel__team_run(ctx->pool, group_fin_worker, k, ctx->n_threads);
            for (size_t i = 0; rc == WMEL_OK && i < g; i++) {
                *at = b0 + i;
                rc = redo[i] == 1 ? wmel_features(ctx, pcm[b0 + i], n[b0 + i], out[b0 + i], totals[b0 + i]) : rcs[i];
            }
        }
        free(rcs);
        free(k);
    } else {
        for (size_t b = b0; rc == WMEL_OK && b < b1; b++) {
            *at = b;
            if (redo[b - b0] == 2) continue; /* finished on the device */
            if (redo[b - b0]) { /* a clip the device left: the single call's way */
                rc = wmel_features(ctx, pcm[b], n[b], out[b], totals[b]);
                continue;
            }
            rc = wmel__sched_finish(ctx, pcm[b], n[b], out[b], vals[b - b0]);
            if (rc == WMEL_OK) rc = wmel__fe_out_check(ctx->fe, out[b], totals[b]);
        }
    }
    if (rc == WMEL_OK && shared && redo[g - 1] != 1) /* the last clip's finish: the device's (redo 2) or the host's */
        wmel__sched_note_finish(ctx, redo[g - 1] == 2 ? ctx->vt->id : WMEL_BACKEND_CPU);
    for (size_t i = 0; vals && i < g; i++) free(vals[i]);
    free(vals);
    free(redo);
    return rc;
}

/* Whisper's geometry (pfa400) on a device that takes its clips (wmel__sched_pfa_on): every
 * clip's raw frames in shared dispatches straight into its output (wmel__sched_pfa_batch),
 * then each clip's finish from its largest value (wmel__pfa_finish, wmel_features' own),
 * the clips shared among the ctx's workers where they hold enough values; a clip the device
 * did not take (redo) and every clip when the device hands the batch back at run time
 * take wmel_features' way. The status is
 * the first failing clip's, as in order, with *at that clip (a device failure of the
 * shared rounds: the first clip). */
typedef struct pfa_fin {
    wmel_ctx *ctx;
    float *const *out;
    const size_t *nfs, *totals;
    const float *mx;
    const unsigned char *redo;
    int *rcs;
    size_t g;
    atomic_size_t next;
} pfa_fin;

static void pfa_fin_worker(void *arg, wmel_pool *pl, int t, int nt)
{
    (void)pl, (void)t, (void)nt;
    pfa_fin *k = arg;
    for (size_t b; (b = atomic_fetch_add(&k->next, 1)) < k->g;)
        if (k->redo[b] != 1) { /* 3: finished on the device, the smoothing too */
            int rc = k->redo[b] == 3 ? WMEL_OK : wmel__pfa_finish(k->ctx, k->out[b], k->nfs[b], k->mx[b], k->redo[b] == 2);
            k->rcs[b] = rc ? rc : wmel__fe_out_check(k->ctx->fe, k->out[b], k->totals[b]);
        }
}

static int pfa_batch(wmel_ctx *ctx, const float *const *pcm, const size_t *n, float *const *out,
                     const size_t *totals, size_t batch, size_t *at)
{
    size_t *nfs = malloc(batch * sizeof *nfs); /* wmel_features' frames: no padding */
    for (size_t b = 0; nfs && b < batch; b++) nfs[b] = wmel_n_frames(n[b], 0);
    float *mx = malloc(batch * sizeof *mx);
    unsigned char *redo = malloc(batch);
    int *rcs = calloc(batch, sizeof *rcs);
    pfa_fin *k = calloc(1, sizeof *k);
    int rc = nfs && mx && redo && rcs && k ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    if (rc == WMEL_OK) rc = wmel__sched_pfa_batch(ctx, pcm, n, nfs, out, mx, redo, batch);
    *at = 0;
    if (rc == WMEL__HANDBACK || rc == WMEL_ERR_NO_MEMORY) { /* each clip on its own */
        rc = WMEL_OK;
        for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
            *at = b;
            rc = wmel_features(ctx, pcm[b], n[b], out[b], totals[b]);
        }
    } else if (rc == WMEL_OK) {
        /* the rest of the finish (the clamp of a clip not normalised in the read-back, the
           smoothing): on the workers where its values pay for their wake-up (2^18 of them,
           fe_cpu.c's threshold), the same bytes in any order */
        const size_t nc = (size_t)ctx->params.n_mels, small = (size_t)1 << 18;
        const int smooth = ctx->params.smooth == WMEL_SMOOTH_3X3;
        size_t all = 0;
        for (size_t b = 0; b < batch; b++)
            all += redo[b] == 1 || redo[b] == 3 || (redo[b] == 2 && !smooth) ? 0 : nfs[b] * nc;
        k->ctx = ctx, k->out = out, k->nfs = nfs, k->totals = totals, k->mx = mx, k->redo = redo, k->rcs = rcs, k->g = batch;
        atomic_init(&k->next, 0);
        if (ctx->n_threads > 1 && batch > 1 && all >= small) wmel__team_run(ctx->pool, pfa_fin_worker, k, ctx->n_threads);
        else pfa_fin_worker(k, NULL, 0, 1);
        for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
            *at = b;
            rc = redo[b] == 1 ? wmel_features(ctx, pcm[b], n[b], out[b], totals[b]) : rcs[b];
        }
        if (rc == WMEL_OK && redo[batch - 1] != 1) /* the last clip's finish: the device's (redo 3) or the host's */
            wmel__sched_note_finish(ctx, redo[batch - 1] == 3 ? ctx->vt->id : WMEL_BACKEND_CPU);
    }
    free(k);
    free(rcs);
    free(redo);
    free(mx);
    free(nfs);
    return rc;
}

int wmel_features_batch(wmel_ctx *ctx, const float *const *pcm, const size_t *n_samples, size_t batch,
                        float *const *out, const size_t *out_len, size_t *failed)
{
    if (failed) *failed = batch;
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (batch == 0) return WMEL_OK;
    if (!pcm || !n_samples || !out || !out_len) return WMEL_ERR_NULL_POINTER;
    if (batch > SIZE_MAX / 2 / sizeof(span_ref)) return WMEL_ERR_OVERFLOW;
    size_t *totals = malloc(2 * batch * sizeof *totals);
    if (!totals) return WMEL_ERR_NO_MEMORY;
    size_t *nfs = totals + batch;
    int rc = WMEL_OK;
    size_t at = 0;
    /* every clip's arguments before any is computed, in wmel_features' order */
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
        at = b;
        size_t rows = 0, cols = 0;
        if (!pcm[b] && n_samples[b]) rc = WMEL_ERR_NULL_POINTER;
        else rc = wmel_features_shape(ctx, n_samples[b], &rows, &cols);
        if (rc) break;
        totals[b] = rows * cols;
        nfs[b] = wmel__fe_computed(&ctx->fe->p, ctx->fe->p.n_samples > 0 ? (size_t)ctx->fe->p.n_samples : n_samples[b]);
        if (!out[b] && totals[b]) rc = WMEL_ERR_NULL_POINTER;
        else if (out_len[b] < totals[b]) rc = WMEL_ERR_BUFFER_TOO_SMALL;
        else if (nfs[b] > SIZE_MAX / sizeof(double) / ((size_t)ctx->fe->n_cols + 1)) rc = WMEL_ERR_OVERFLOW;
    }
    if (rc == WMEL_OK) {
        const int o = batch_overlap((const void *const *)pcm, sizeof(float), n_samples, out, totals, batch, &at);
        rc = o < 0 ? WMEL_ERR_NO_MEMORY : o ? WMEL_ERR_INVALID_ARG : WMEL_OK;
        if (o < 0) at = batch;
    }
    /* only clips the checks above accepted are read: on a refusal no clip is computed */
    int device = rc == WMEL_OK && ctx->fe->algo == &wmel__algo_general && wmel__sched_batch_on(ctx);
    for (size_t b = 0; device && ctx->twin && b < batch; b++) /* a clip for the twin: each on its own */
        device = wmel__all_f32_kernel_safe(pcm[b], n_samples[b]);
    if (rc == WMEL_OK && ctx->fe->algo == &wmel__algo_pfa400 && !ctx->fe->p.n_samples && wmel__sched_pfa_on(ctx)) {
        rc = pfa_batch(ctx, pcm, n_samples, out, totals, batch, &at);
        free(totals);
        if (failed) *failed = rc ? at : batch;
        return rc;
    }
    if (ctx->fe->p.n_samples > 0) device = 0; /* each clip cut or padded by wmel_features */
    for (size_t b0 = 0; rc == WMEL_OK && b0 < batch;) {
        if (!device) { /* the CPU: each clip's frames over the ctx's workers, as wmel_features */
            at = b0;
            rc = wmel_features(ctx, pcm[b0], n_samples[b0], out[b0], totals[b0]);
            b0++;
            continue;
        }
        size_t b1 = b0, bytes = 0; /* at least one clip, then while the values fit the cap */
        const size_t per = sizeof(double) * (size_t)ctx->fe->n_cols;
        while (b1 < batch && (b1 == b0 || (bytes <= BATCH_VALS_BYTES && nfs[b1] <= (BATCH_VALS_BYTES - bytes) / per)))
            bytes += nfs[b1++] * per;
        rc = batch_group(ctx, pcm, n_samples, out, totals, nfs, b0, b1, &at);
        b0 = b1;
    }
    free(totals);
    if (failed) *failed = rc ? at : batch;
    return rc;
}

void wmel_destroy(wmel_ctx *ctx) { wmel__ctx_free(ctx); }

const char *wmel_backend_name(const wmel_ctx *ctx) { return ctx ? ctx->vt->name : "none"; }

const char *wmel_op_backend(const wmel_ctx *ctx, int op) { return wmel__op_backend(ctx, op); }

const char *wmel_kernel_name(const wmel_ctx *ctx) { return ctx ? ctx->kernel_name : "none"; }
const char *wmel_backend_reason(const wmel_ctx *ctx) { return ctx ? ctx->backend_why : "none"; }
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

int wmel_log_mel(wmel_ctx *ctx, const float *pcm, size_t n_samples, size_t padding,
                 float *out, size_t out_len)
{
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (padding > SIZE_MAX - n_samples) return WMEL_ERR_OVERFLOW;
    wmel__clip_to_n(ctx, &n_samples, &padding);
    wmel_signal s = {pcm, NULL, n_samples, padding};
    return ctx->fe->algo->clip(ctx, &s, out, out_len);
}

int wmel_log_mel_s16(wmel_ctx *ctx, const int16_t *pcm, size_t n_samples, size_t padding,
                     float *out, size_t out_len)
{
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (padding > SIZE_MAX - n_samples) return WMEL_ERR_OVERFLOW;
    wmel__clip_to_n(ctx, &n_samples, &padding);
    wmel_signal s = {NULL, pcm, n_samples, padding};
    return ctx->fe->algo->clip(ctx, &s, out, out_len);
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
    if (padding > SIZE_MAX - n_samples) return WMEL_ERR_OVERFLOW;
    wmel__clip_to_n(ctx, &n_samples, &padding);
    wmel_clips c = {pcm, NULL, batch, n_samples, pcm_stride, padding, batch_norm, out, out_len, {NULL, 0, NULL}};
    return ctx->fe->algo->batch(ctx, &c);
}

/* A plan with n_samples on a device-memory entry point: refused with the reason (the clip is
 * cut or padded on the host, by wmel_features and the other whole-clip entry points). */
static int n_samples_refused(const wmel_ctx *ctx, const char *fn)
{
    char msg[192];
    snprintf(msg, sizeof msg, "%s: the plan's n_samples %d cuts or pads the clip first, on the host; "
             "wmel_features takes it", fn, ctx->fe->p.n_samples);
    wmel__detail(msg);
    return WMEL_ERR_BACKEND_UNAVAILABLE;
}

/* The caller's device scratch of a device-memory call (fn): WMEL_OK where it is none (ptr
 * NULL, bytes 0) or a 256-byte aligned pointer with bytes; else the status, said. */
static int scratch_arg(const char *fn, const void *ptr, size_t bytes)
{
    char msg[200];
    if (!ptr && !bytes) return WMEL_OK;
    if (!ptr) {
        snprintf(msg, sizeof msg, "%s: the scratch is NULL with %zu bytes", fn, bytes);
        wmel__detail(msg);
        return WMEL_ERR_NULL_POINTER;
    }
    if ((uintptr_t)ptr % 256) {
        snprintf(msg, sizeof msg, "%s: the scratch %p is not 256-byte aligned (cudaMalloc's and torch's blocks are)",
                 fn, ptr);
        wmel__detail(msg);
        return WMEL_ERR_INVALID_ARG;
    }
    return WMEL_OK;
}

/* The scratch shares bytes with a clip's samples or output: WMEL_ERR_INVALID_ARG, said. */
static int scratch_overlaps(const char *fn)
{
    char msg[160];
    snprintf(msg, sizeof msg, "%s: the scratch shares bytes with the samples or the output", fn);
    wmel__detail(msg);
    return WMEL_ERR_INVALID_ARG;
}

/* wmel_cuda_log_mel_device's checks and call; z: its scratch (z->need: the bytes only, the
 * pointers not read). */
static int log_mel_device_z(wmel_ctx *ctx, const void *d_pcm, int sample_type, size_t batch, size_t n_samples,
                          size_t pcm_stride, size_t padding, int batch_norm, float *d_out, size_t out_len, void *stream,
                          const wmel_dev_scratch *z)
{
    static const char fn[] = "wmel_cuda_log_mel_device";
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (ctx->fe->p.n_samples > 0) return n_samples_refused(ctx, fn);
    if (!wmel__backend(WMEL_BACKEND_CUDA)) return WMEL_ERR_NOT_BUILT;
    if (sample_type != WMEL_SAMPLE_F32 && sample_type != WMEL_SAMPLE_S16) return WMEL_ERR_INVALID_ARG;
    if (batch_norm != WMEL_BATCH_PER_CLIP && batch_norm != WMEL_BATCH_GLOBAL) return WMEL_ERR_INVALID_ARG;
    const wmel__clips_device_fn clips_device = WMEL__PROC(ctx->vt, clips_device);
    if (!clips_device) return WMEL_ERR_BACKEND_UNAVAILABLE;
    if (z->need) *z->need = 0;
    if (batch == 0) return WMEL_OK;
    if (pcm_stride < n_samples) return WMEL_ERR_INVALID_ARG;
    if (!z->need && !d_pcm && n_samples) return WMEL_ERR_NULL_POINTER;
    if (n_samples > SIZE_MAX / 4 || padding > SIZE_MAX / 4 - n_samples) return WMEL_ERR_OVERFLOW;
    if (n_samples + padding <= WMEL_PAD) return WMEL_ERR_TOO_SHORT;
    if (batch > 1 && pcm_stride > SIZE_MAX / 4 / (batch - 1)) return WMEL_ERR_OVERFLOW;
    const size_t nf = wmel_n_frames(n_samples, padding);
    const size_t per = (size_t)ctx->params.n_mels * nf;
    if (per / (size_t)ctx->params.n_mels != nf || per > SIZE_MAX / 4 / batch) return WMEL_ERR_OVERFLOW;
    const int s16 = sample_type == WMEL_SAMPLE_S16;
    if (!z->need) {
        if (!d_out) return WMEL_ERR_NULL_POINTER;
        if (out_len < per * batch) return WMEL_ERR_BUFFER_TOO_SMALL;
        const size_t in_bytes = wmel__clips_extent(batch, n_samples, pcm_stride, s16 ? 2 : 4);
        const size_t out_bytes = wmel__bytes(per * batch, sizeof(float));
        if (wmel__overlap(d_pcm, in_bytes, d_out, out_bytes)) return WMEL_ERR_INVALID_ARG;
        if (z->ptr && (wmel__overlap(z->ptr, z->bytes, d_pcm, in_bytes) ||
                       wmel__overlap(z->ptr, z->bytes, d_out, out_bytes)))
            return scratch_overlaps(fn);
    }
    wmel_clips c = {s16 ? NULL : (const float *)d_pcm, s16 ? (const int16_t *)d_pcm : NULL, batch,
                    n_samples, pcm_stride, padding, batch_norm, d_out, out_len, *z};
    return clips_device(ctx, &c, stream);
}

int wmel_cuda_log_mel_device(wmel_ctx *ctx, const void *d_pcm, int sample_type, size_t batch,
                             size_t n_samples, size_t pcm_stride, size_t padding, int batch_norm,
                             float *d_out, size_t out_len, void *stream)
{
    const wmel_dev_scratch z = {NULL, 0, NULL};
    return log_mel_device_z(ctx, d_pcm, sample_type, batch, n_samples, pcm_stride, padding, batch_norm, d_out,
                          out_len, stream, &z);
}

int wmel_cuda_log_mel_device_scratch(wmel_ctx *ctx, const void *d_pcm, int sample_type, size_t batch,
                                     size_t n_samples, size_t pcm_stride, size_t padding, int batch_norm,
                                     float *d_out, size_t out_len, void *stream, void *d_scratch,
                                     size_t scratch_bytes)
{
    const int rc = scratch_arg("wmel_cuda_log_mel_device_scratch", d_scratch, scratch_bytes);
    if (rc != WMEL_OK) return rc;
    const wmel_dev_scratch z = {d_scratch, scratch_bytes, NULL};
    return log_mel_device_z(ctx, d_pcm, sample_type, batch, n_samples, pcm_stride, padding, batch_norm, d_out,
                          out_len, stream, &z);
}

/* WMEL_ERR_BACKEND_UNAVAILABLE with the detail: fn takes a ctx of `wants`, not ctx's backend. */
static int other_backend(const wmel_ctx *ctx, const char *fn, const char *wants)
{
    char msg[192];
    snprintf(msg, sizeof msg, "%s: the ctx's backend is %s; it takes a %s ctx (WMEL_BACKEND_%s)", fn, ctx->vt->name,
             wants, !strcmp(wants, "CUDA") ? "CUDA" : "VULKAN");
    wmel__detail(msg);
    return WMEL_ERR_BACKEND_UNAVAILABLE;
}

/* The device-memory entry points' checks of batch clips of n samples (el bytes each, stride
 * apart) and their output (out_len floats; have_in, have_out: the pointers or descriptions
 * given): the status, and each clip's rows x cols (wmel_features_shape). */
static int device_clips_check(wmel_ctx *ctx, size_t batch, size_t n, size_t stride, int have_in, int have_out,
                              size_t out_len, size_t *rows, size_t *cols)
{
    if (stride < n) return WMEL_ERR_INVALID_ARG;
    if (!have_in) return WMEL_ERR_NULL_POINTER;
    int rc = wmel_features_shape(ctx, n, rows, cols);
    if (rc != WMEL_OK) return rc;
    if (batch > 1 && stride > SIZE_MAX / 4 / (batch - 1)) return WMEL_ERR_OVERFLOW;
    const size_t per = *rows * *cols;
    if (per > SIZE_MAX / 4 / batch) return WMEL_ERR_OVERFLOW;
    if (!have_out && per) return WMEL_ERR_NULL_POINTER;
    if (out_len < per * batch) return WMEL_ERR_BUFFER_TOO_SMALL;
    return WMEL_OK;
}

/* wmel_cuda_features_device's checks and call; z as log_mel_device_z's. */
static int features_device_z(wmel_ctx *ctx, const void *d_pcm, int sample_type, size_t batch, size_t n_samples,
                           size_t pcm_stride, float *d_out, size_t out_len, void *stream, const wmel_dev_scratch *z)
{
    static const char fn[] = "wmel_cuda_features_device";
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (ctx->fe->p.n_samples > 0) return n_samples_refused(ctx, fn);
    if (!wmel__backend(WMEL_BACKEND_CUDA)) return WMEL_ERR_NOT_BUILT;
    if (sample_type != WMEL_SAMPLE_F32 && sample_type != WMEL_SAMPLE_S16) return WMEL_ERR_INVALID_ARG;
    const wmel__features_device_fn features_device = WMEL__PROC(ctx->vt, features_device);
    if (!features_device) return other_backend(ctx, fn, "CUDA");
    const int s16 = sample_type == WMEL_SAMPLE_S16;
    if (z->need) *z->need = 0;
    wmel_clips c = {s16 ? NULL : (const float *)d_pcm, s16 ? (const int16_t *)d_pcm : NULL, 0, n_samples,
                    pcm_stride, 0, WMEL_BATCH_PER_CLIP, d_out, out_len, {NULL, 0, NULL}};
    int rc = features_device(ctx, &c, 0, 0, stream); /* no clips: the ctx's refusal, if any */
    if (rc != WMEL_OK || batch == 0) return rc;
    size_t rows = 0, cols = 0;
    const int q = z->need != NULL; /* the bytes only: no pointer is read */
    if ((rc = device_clips_check(ctx, batch, n_samples, pcm_stride, q || d_pcm, q || d_out, q ? SIZE_MAX : out_len,
                                 &rows, &cols)) != WMEL_OK)
        return rc;
    const size_t per = rows * cols;
    if (!q) {
        const size_t in_bytes = wmel__clips_extent(batch, n_samples, pcm_stride, s16 ? 2 : 4);
        const size_t out_bytes = wmel__bytes(per * batch, sizeof(float));
        if (wmel__overlap(d_pcm, in_bytes, d_out, out_bytes)) return WMEL_ERR_INVALID_ARG;
        if (z->ptr && (wmel__overlap(z->ptr, z->bytes, d_pcm, in_bytes) ||
                       wmel__overlap(z->ptr, z->bytes, d_out, out_bytes)))
            return scratch_overlaps(fn);
    }
    c.batch = batch;
    c.scratch = *z;
    return features_device(ctx, &c, rows, cols, stream);
}

int wmel_cuda_features_device(wmel_ctx *ctx, const void *d_pcm, int sample_type, size_t batch, size_t n_samples,
                              size_t pcm_stride, float *d_out, size_t out_len, void *stream)
{
    const wmel_dev_scratch z = {NULL, 0, NULL};
    return features_device_z(ctx, d_pcm, sample_type, batch, n_samples, pcm_stride, d_out, out_len, stream, &z);
}

int wmel_cuda_features_device_scratch(wmel_ctx *ctx, const void *d_pcm, int sample_type, size_t batch,
                                      size_t n_samples, size_t pcm_stride, float *d_out, size_t out_len, void *stream,
                                      void *d_scratch, size_t scratch_bytes)
{
    const int rc = scratch_arg("wmel_cuda_features_device_scratch", d_scratch, scratch_bytes);
    if (rc != WMEL_OK) return rc;
    const wmel_dev_scratch z = {d_scratch, scratch_bytes, NULL};
    return features_device_z(ctx, d_pcm, sample_type, batch, n_samples, pcm_stride, d_out, out_len, stream, &z);
}

/* The caller's scratch against every clip's samples and output (1: it shares bytes). */
static int scratch_batch_overlap(const wmel_dev_scratch *z, const void *const *d_pcm, size_t el, const size_t *n,
                                 float *const *d_out, const size_t *totals, size_t batch)
{
    for (size_t b = 0; z->ptr && b < batch; b++)
        if (wmel__overlap(z->ptr, z->bytes, d_pcm[b], wmel__bytes(n[b], el)) ||
            wmel__overlap(z->ptr, z->bytes, d_out[b], wmel__bytes(totals[b], sizeof(float))))
            return 1;
    return 0;
}

/* wmel_cuda_features_device_batch's checks and call; z as log_mel_device_z's. */
static int features_device_batch_z(wmel_ctx *ctx, const void *const *d_pcm, int sample_type, const size_t *n_samples,
                                 size_t batch, float *const *d_out, const size_t *out_len, size_t *failed,
                                 void *stream, const wmel_dev_scratch *z)
{
    static const char fn[] = "wmel_cuda_features_device_batch";
    size_t at = batch;
    if (failed) *failed = batch;
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (ctx->fe->p.n_samples > 0) return n_samples_refused(ctx, fn);
    if (!wmel__backend(WMEL_BACKEND_CUDA)) return WMEL_ERR_NOT_BUILT;
    if (sample_type != WMEL_SAMPLE_F32 && sample_type != WMEL_SAMPLE_S16) return WMEL_ERR_INVALID_ARG;
    const wmel__features_device_batch_fn fdb = WMEL__PROC(ctx->vt, features_device_batch);
    if (!fdb) return other_backend(ctx, fn, "CUDA");
    const int s16 = sample_type == WMEL_SAMPLE_S16, q = z->need != NULL;
    if (q) *z->need = 0;
    int rc = fdb(ctx, NULL, s16, NULL, 0, NULL, &at, stream, NULL); /* the ctx's refusal */
    if (rc != WMEL_OK || batch == 0) return rc;
    if (!n_samples || (!q && (!d_pcm || !d_out || !out_len))) return WMEL_ERR_NULL_POINTER;
    if (batch > SIZE_MAX / 2 / sizeof(span_ref)) return WMEL_ERR_OVERFLOW;
    size_t *totals = malloc(batch * sizeof *totals);
    if (!totals) return WMEL_ERR_NO_MEMORY;
    /* every clip's arguments before any is enqueued, in wmel_cuda_features_device's order */
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
        at = b;
        size_t rows = 0, cols = 0;
        if (!q && !d_pcm[b] && n_samples[b]) rc = WMEL_ERR_NULL_POINTER;
        else rc = wmel_features_shape(ctx, n_samples[b], &rows, &cols);
        if (rc || q) continue;
        totals[b] = rows * cols;
        if (!d_out[b] && totals[b]) rc = WMEL_ERR_NULL_POINTER;
        else if (out_len[b] < totals[b]) rc = WMEL_ERR_BUFFER_TOO_SMALL;
    }
    if (rc == WMEL_OK && !q) {
        const size_t el = s16 ? sizeof(int16_t) : sizeof(float);
        const int o = batch_overlap(d_pcm, el, n_samples, d_out, totals, batch, &at);
        rc = o < 0 ? WMEL_ERR_NO_MEMORY : o ? WMEL_ERR_INVALID_ARG : WMEL_OK;
        if (o < 0) at = batch;
        if (o > 0) wmel__detail("wmel_cuda_features_device_batch: a clip's output shares bytes with another clip's "
                                "output or with a clip's samples");
        if (rc == WMEL_OK && scratch_batch_overlap(z, d_pcm, el, n_samples, d_out, totals, batch)) {
            at = batch;
            rc = scratch_overlaps(fn);
        }
    }
    free(totals);
    if (rc == WMEL_OK) {
        at = batch;
        rc = fdb(ctx, d_pcm, s16, n_samples, batch, d_out, &at, stream, z);
    }
    if (failed) *failed = rc ? at : batch;
    return rc;
}

int wmel_cuda_features_device_batch(wmel_ctx *ctx, const void *const *d_pcm, int sample_type, const size_t *n_samples,
                                    size_t batch, float *const *d_out, const size_t *out_len, size_t *failed,
                                    void *stream)
{
    const wmel_dev_scratch z = {NULL, 0, NULL};
    return features_device_batch_z(ctx, d_pcm, sample_type, n_samples, batch, d_out, out_len, failed, stream, &z);
}

int wmel_cuda_features_device_batch_scratch(wmel_ctx *ctx, const void *const *d_pcm, int sample_type,
                                            const size_t *n_samples, size_t batch, float *const *d_out,
                                            const size_t *out_len, size_t *failed, void *stream, void *d_scratch,
                                            size_t scratch_bytes)
{
    const int rc = scratch_arg("wmel_cuda_features_device_batch_scratch", d_scratch, scratch_bytes);
    if (rc != WMEL_OK) {
        if (failed) *failed = batch;
        return rc;
    }
    const wmel_dev_scratch z = {d_scratch, scratch_bytes, NULL};
    return features_device_batch_z(ctx, d_pcm, sample_type, n_samples, batch, d_out, out_len, failed, stream, &z);
}

int wmel_cuda_device_scratch(wmel_ctx *ctx, int call, int sample_type, size_t batch, const size_t *n_samples,
                             size_t padding, int batch_norm, size_t *bytes)
{
    if (!bytes) return WMEL_ERR_NULL_POINTER;
    *bytes = 0;
    if (batch && !n_samples) return WMEL_ERR_NULL_POINTER;
    size_t need = 0;
    const wmel_dev_scratch z = {NULL, 0, &need};
    int rc;
    switch (call) {
    case WMEL_CUDA_CALL_LOG_MEL:
        rc = log_mel_device_z(ctx, NULL, sample_type, batch, batch ? n_samples[0] : 0, batch ? n_samples[0] : 0,
                            padding, batch_norm, NULL, 0, NULL, &z);
        break;
    case WMEL_CUDA_CALL_FEATURES:
        rc = features_device_z(ctx, NULL, sample_type, batch, batch ? n_samples[0] : 0, batch ? n_samples[0] : 0, NULL,
                             0, NULL, &z);
        break;
    case WMEL_CUDA_CALL_FEATURES_BATCH:
        rc = features_device_batch_z(ctx, NULL, sample_type, n_samples, batch, NULL, NULL, NULL, NULL, &z);
        break;
    default:
        wmel__detail("wmel_cuda_device_scratch: call is not a WMEL_CUDA_CALL_*");
        return WMEL_ERR_INVALID_ARG;
    }
    if (rc == WMEL_OK) *bytes = need;
    return rc;
}

int wmel_vulkan_device_uuids(const wmel_ctx *ctx, unsigned char device_uuid[16], unsigned char driver_uuid[16])
{
    if (!ctx || !device_uuid || !driver_uuid) return WMEL_ERR_NULL_POINTER;
    if (!wmel__backend(WMEL_BACKEND_VULKAN)) return WMEL_ERR_NOT_BUILT;
    const wmel__vk_uuids_fn vk_uuids = WMEL__PROC(ctx->vt, vk_uuids);
    if (!vk_uuids) return other_backend(ctx, "wmel_vulkan_device_uuids", "Vulkan");
    return vk_uuids(ctx, device_uuid, driver_uuid);
}

/* 0 when `bytes` bytes from m->offset lie inside m's allocation and the offset is a multiple
 * of `align`; else WMEL_ERR_INVALID_ARG with the reason (fn: the entry point). */
static int vk_range(const char *fn, const wmel_vulkan_memory *m, const char *what, size_t bytes, size_t align)
{
    char msg[256];
    if (m->fd < 0) snprintf(msg, sizeof msg, "%s: the %s fd is %d", fn, what, m->fd);
    else if (m->offset % align)
        snprintf(msg, sizeof msg, "%s: the %s offset %llu is not a multiple of %zu", fn, what,
                 (unsigned long long)m->offset, align);
    else if (m->offset > m->size || bytes > m->size - m->offset)
        snprintf(msg, sizeof msg, "%s: the %s %zu bytes from offset %llu pass the allocation's %llu", fn, what, bytes,
                 (unsigned long long)m->offset, (unsigned long long)m->size);
    else if (m->size > SIZE_MAX)
        snprintf(msg, sizeof msg, "%s: the %s allocation's %llu bytes pass this build's address space", fn, what,
                 (unsigned long long)m->size);
    else
        return WMEL_OK;
    wmel__detail(msg);
    return WMEL_ERR_INVALID_ARG;
}

int wmel_vulkan_features_device(wmel_ctx *ctx, const wmel_vulkan_memory *pcm, int sample_type, size_t batch,
                                size_t n_samples, size_t pcm_stride, const wmel_vulkan_memory *out, size_t out_len)
{
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (ctx->fe->p.n_samples > 0) return n_samples_refused(ctx, "wmel_vulkan_features_device");
    if (!wmel__backend(WMEL_BACKEND_VULKAN)) return WMEL_ERR_NOT_BUILT;
    if (sample_type != WMEL_SAMPLE_F32 && sample_type != WMEL_SAMPLE_S16) return WMEL_ERR_INVALID_ARG;
    const wmel__features_vkmem_fn features_vkmem = WMEL__PROC(ctx->vt, features_vkmem);
    if (!features_vkmem) return other_backend(ctx, "wmel_vulkan_features_device", "Vulkan");
    const int s16 = sample_type == WMEL_SAMPLE_S16;
    const size_t el = s16 ? 2 : 4;
    int rc = features_vkmem(ctx, NULL, s16, 0, n_samples, pcm_stride, 0, 0, NULL); /* the ctx's refusal */
    if (rc != WMEL_OK || batch == 0) return rc;
    size_t rows = 0, cols = 0;
    if ((rc = device_clips_check(ctx, batch, n_samples, pcm_stride, pcm != NULL, out != NULL, out_len, &rows,
                                 &cols)) != WMEL_OK)
        return rc;
    const size_t per = rows * cols;
    if (!per) return WMEL_OK; /* no features: nothing to write */
    const size_t in_bytes = wmel__clips_extent(batch, n_samples, pcm_stride, el), out_bytes = per * batch * 4;
    static const char fn[] = "wmel_vulkan_features_device";
    if ((rc = vk_range(fn, pcm, "samples'", in_bytes, el)) != WMEL_OK ||
        (rc = vk_range(fn, out, "output's", out_bytes, 4)) != WMEL_OK)
        return rc;
    if (pcm->fd == out->fd && pcm->offset < out->offset + out_bytes && out->offset < pcm->offset + in_bytes) {
        wmel__detail("wmel_vulkan_features_device: the samples' and the output's bytes overlap in one allocation");
        return WMEL_ERR_INVALID_ARG;
    }
    return features_vkmem(ctx, pcm, s16, batch, n_samples, pcm_stride, rows, cols, out);
}

/* Clip b's bytes [*lo, *hi) of allocation m: `count` elements of el bytes from element `first`
 * after m->offset (m's offset and size checked by vk_range): WMEL_OK, WMEL_ERR_OVERFLOW, or
 * WMEL_ERR_INVALID_ARG (past the allocation) with the clip named. */
static int vk_clip_range(const wmel_vulkan_memory *m, const char *what, size_t b, size_t first, size_t count,
                         size_t el, uintptr_t *lo, uintptr_t *hi)
{
    const size_t room = (size_t)(m->size - m->offset); /* vk_range: offset <= size <= SIZE_MAX */
    if (first > SIZE_MAX / el || count > SIZE_MAX / el) return WMEL_ERR_OVERFLOW;
    if (first * el > room || count * el > room - first * el) {
        char msg[256];
        snprintf(msg, sizeof msg, "wmel_vulkan_features_device_batch: clip %zu's %s (%zu bytes from byte %llu) pass "
                 "the allocation's %llu bytes", b, what, count * el, (unsigned long long)(m->offset + first * el),
                 (unsigned long long)m->size);
        wmel__detail(msg);
        return WMEL_ERR_INVALID_ARG;
    }
    *lo = (uintptr_t)(m->offset + first * el);
    *hi = *lo + count * el;
    return WMEL_OK;
}

/* wmel_vulkan_features_device_batch's checks of every clip (wmel_features_batch's order),
 * then of the ranges (inside their allocations; no output sharing a byte with another's or
 * with samples in the same allocation); *at: the clip a refusal is about. */
static int vk_batch_check(wmel_ctx *ctx, const wmel_vulkan_memory *pcm, size_t el, const size_t *off, const size_t *n,
                          size_t batch, const wmel_vulkan_memory *out, const size_t *out_off, const size_t *out_len,
                          size_t *at)
{
    static const char fn[] = "wmel_vulkan_features_device_batch";
    int rc;
    if ((rc = vk_range(fn, pcm, "samples'", 0, el)) != WMEL_OK || (rc = vk_range(fn, out, "output's", 0, 4)) != WMEL_OK)
        return rc;
    span_ref *v = malloc(2 * batch * sizeof *v);
    if (!v) return WMEL_ERR_NO_MEMORY;
    const int same = pcm->fd == out->fd;
    size_t m = 0;
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
        *at = b;
        size_t rows = 0, cols = 0;
        if ((rc = wmel_features_shape(ctx, n[b], &rows, &cols)) != WMEL_OK) break;
        const size_t per = rows * cols;
        if (out_len[b] < per) rc = WMEL_ERR_BUFFER_TOO_SMALL;
        uintptr_t lo = 0, hi = 0;
        if (!rc && (rc = vk_clip_range(pcm, "samples", b, off[b], n[b], el, &lo, &hi)) == WMEL_OK && same && per)
            v[m++] = (span_ref){lo, hi, b, 0};
        if (!rc && per && (rc = vk_clip_range(out, "output", b, out_off[b], per, 4, &lo, &hi)) == WMEL_OK)
            v[m++] = (span_ref){lo, hi, b, 1};
    }
    if (rc == WMEL_OK && spans_overlap(v, m, at)) {
        wmel__detail("wmel_vulkan_features_device_batch: a clip's output shares bytes with another clip's output or "
                     "with a clip's samples in the same allocation");
        rc = WMEL_ERR_INVALID_ARG;
    }
    free(v);
    return rc;
}

int wmel_vulkan_features_device_batch(wmel_ctx *ctx, const wmel_vulkan_memory *pcm, int sample_type,
                                      const size_t *pcm_offset, const size_t *n_samples, size_t batch,
                                      const wmel_vulkan_memory *out, const size_t *out_offset, const size_t *out_len,
                                      size_t *failed)
{
    size_t at = batch;
    if (failed) *failed = batch;
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (ctx->fe->p.n_samples > 0) return n_samples_refused(ctx, "wmel_vulkan_features_device_batch");
    if (!wmel__backend(WMEL_BACKEND_VULKAN)) return WMEL_ERR_NOT_BUILT;
    if (sample_type != WMEL_SAMPLE_F32 && sample_type != WMEL_SAMPLE_S16) return WMEL_ERR_INVALID_ARG;
    const wmel__features_vkmem_batch_fn fvb = WMEL__PROC(ctx->vt, features_vkmem_batch);
    if (!fvb) return other_backend(ctx, "wmel_vulkan_features_device_batch", "Vulkan");
    const int s16 = sample_type == WMEL_SAMPLE_S16;
    int rc = fvb(ctx, NULL, s16, NULL, NULL, 0, NULL, NULL, &at); /* the ctx's refusal */
    if (rc != WMEL_OK || batch == 0) return rc;
    at = batch;
    if (!pcm || !out || !pcm_offset || !n_samples || !out_offset || !out_len) return WMEL_ERR_NULL_POINTER;
    if (batch > SIZE_MAX / 2 / sizeof(span_ref)) return WMEL_ERR_OVERFLOW;
    rc = vk_batch_check(ctx, pcm, s16 ? 2 : 4, pcm_offset, n_samples, batch, out, out_offset, out_len, &at);
    if (rc == WMEL_ERR_NO_MEMORY) at = batch;
    if (rc == WMEL_OK) {
        at = batch;
        rc = fvb(ctx, pcm, s16, pcm_offset, n_samples, batch, out, out_offset, &at);
    }
    if (failed) *failed = rc ? at : batch;
    return rc;
}

const char *wmel_cuda_error_detail(void) { return wmel__detail_get(); }
const char *wmel_vulkan_error_detail(void) { return wmel__detail_get(); }

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

/* ---------------------------------------------------------------- the version */

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
#ifdef WMEL_HAVE_VULKAN
           " vulkan"
#endif
#ifdef WMEL_HAVE_CJSON
           " safetensors"
#endif
           ")";
}

#ifndef WMEL_HAVE_VULKAN
int wmel_vulkan_devices(char *buf, size_t len)
{
    if (buf && len) snprintf(buf, len, "the Vulkan backend was not built (WMEL_VULKAN=OFF)\n");
    return WMEL_ERR_NOT_BUILT;
}
#endif
