/* The scheduler: where each stage of a clip runs, and the record of where it ran.
 *
 * Whisper's geometry (pfa400): the backend says up front whether the device takes the ctx's
 * clips (vt->plan_stages, from its state: the device open, its self-test passed); the
 * scheduler then runs them on the device (vt->clips, vt->pfa_frames_batch) or on the CPU's
 * frame driver (frames.c), and the device may still hand them back at run time
 * (WMEL__FALLBACK: a sample past its range, a shape past its indices, device memory short).
 * The scheduler alone notes where they ran (clips_ran, op by op) and where their finish was
 * made (finish_ran: the device's word through vt->clips' *fin where it ran them).
 *
 * A general plan's clip has two stages: its frames (each frame's log mels, cepstra, energy:
 * the values) and its finish (the normalisation, the scales, the post stage). A device
 * backend says up front which it takes for the plan, the ctx and the clip's shape
 * (vt->plan_stages); the scheduler then runs the clip one of three ways:
 *   - the device's frames and finish (vt->plan_finish), straight into the output;
 *   - the device's frames (vt->plan_frames) and the CPU's finish of their values
 *     (fe_cpu.c's wmel__fe_cpu_given);
 *   - the CPU's frames and finish (wmel__fe_cpu_given with no values).
 * A hook that takes its stage up front may still hand it back at run time (WMEL__FALLBACK:
 * a sample past its arithmetic's range, device memory short); the clip then takes the next
 * way, with the same bytes. The scheduler alone notes where the finish ran (finish_ran,
 * wmel_op_backend's WMEL_OP_FINISH) and where the frames ran (frames_ran: WMEL_OP_LOG_MEL,
 * _S16, _BATCH), which wmel_op_reason reads. */
#include "internal.h"
#include "fe/fe.h"

#include <stdint.h>
#include <stdlib.h>

/* a device backend: one with a plan hook (Vulkan, CUDA) */
static int device_vt(const wmel_backend_vt *vt) { return vt->plan_finish || vt->plan_frames; }

static void note_frames(const wmel_ctx *ctx, int backend)
{
    __atomic_store_n(&((wmel_ctx *)ctx)->frames_ran, backend, __ATOMIC_RELAXED);
}

void wmel__sched_note_finish(const wmel_ctx *ctx, int backend) { wmel__note_finish(ctx, backend); }

static int stages(const wmel_ctx *ctx, size_t n, size_t rows, size_t cols)
{
    return ctx->vt->plan_stages ? ctx->vt->plan_stages(ctx, n, rows, cols) : 0;
}

int wmel__sched_attach(wmel_ctx *ctx, int general)
{
    const wmel_backend_vt *vt = ctx->vt;
    /* the general algorithm: the device backends' state (the reference's has none there) */
    if (!vt->init || (general && !device_vt(vt))) return WMEL_OK;
    const int rc = vt->init(ctx);
    if (rc != WMEL_OK) {
        if (ctx->params.backend != WMEL_BACKEND_AUTO) return rc; /* asked for by name */
        ctx->vt = &wmel__backend_cpu; /* AUTO: the CPU, silently */
    }
    return WMEL_OK;
}

/* Whisper's geometry: whether the device takes the ctx's clips, decided up front from the
 * ctx's state (the device open, its self-test) by the backend's plan_stages */
static int clips_on(const wmel_ctx *ctx)
{
    return ctx->fe->algo == &wmel__algo_pfa400 && (stages(ctx, 0, 0, 0) & WMEL__STAGE_FRAMES);
}

static void note_clips(const wmel_ctx *ctx, int op, int backend)
{
    if (op >= 0 && op <= WMEL_OP_LOG_MEL_BATCH)
        __atomic_store_n(&((wmel_ctx *)ctx)->clips_ran[op], backend, __ATOMIC_RELAXED);
}

int wmel__sched_clips(wmel_ctx *ctx, const wmel_clips *c, int op)
{
    const wmel_backend_vt *vt = ctx->vt;
    if (!vt->clips) return wmel__frames_clips(ctx, c); /* the CPU's, nothing to note */
    if (c->batch == 0) return WMEL_OK;
    int fin = 0, rc = clips_on(ctx) ? vt->clips(ctx, c, &fin) : WMEL__FALLBACK;
    if (rc == WMEL_ERR_NOT_FINITE)
        rc = wmel__bad_status(c->f32, c->batch, c->n, c->pcm_stride, 0, wmel_n_frames(c->n, c->padding));
    /* the clips ran where the device took them (its status, whatever it is), else on the
       CPU's frame driver, which makes their finish too */
    const int host = rc == WMEL__FALLBACK;
    note_clips(ctx, op, host ? WMEL_BACKEND_CPU : vt->id);
    if (host || fin) wmel__note_finish(ctx, host ? WMEL_BACKEND_CPU : fin);
    return host ? wmel__frames_clips(ctx, c) : rc;
}

int wmel__sched_pfa_on(const wmel_ctx *ctx) { return ctx->vt->pfa_frames_batch && clips_on(ctx); }

int wmel__sched_pfa_batch(wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                          float *const *out, float *mx, unsigned char *redo, size_t batch)
{
    const int rc = ctx->vt->pfa_frames_batch(ctx, x, n, nf, out, mx, redo, batch);
    if (rc == WMEL_OK) note_clips(ctx, WMEL_OP_LOG_MEL, ctx->vt->id); /* the clips it left note their own */
    return rc;
}

/* The device's frames of x[0 .. n) (nc of them) into *vals (malloc'd; the caller frees),
 * noted; *vals NULL where the CPU makes them. A status. */
static int device_frames(const wmel_ctx *ctx, const float *x, size_t n, size_t nc, int on, void **vals)
{
    const size_t ncol = (size_t)ctx->fe->n_cols;
    const size_t vb = ctx->vals_f32 ? sizeof(float) : sizeof(double); /* a value's bytes */
    *vals = NULL;
    if (nc > SIZE_MAX / vb / ncol) return WMEL_ERR_OVERFLOW;
    if (!(on & WMEL__STAGE_FRAMES)) {
        note_frames(ctx, WMEL_BACKEND_CPU);
        return WMEL_OK;
    }
    void *v = malloc(nc * ncol * vb);
    if (!v) return WMEL_ERR_NO_MEMORY;
    const int rc = ctx->vt->plan_frames(ctx, x, n, nc, v);
    if (rc == WMEL_OK) {
        note_frames(ctx, ctx->vt->id);
        *vals = v;
        return WMEL_OK;
    }
    free(v);
    if (rc != WMEL__FALLBACK) return rc;
    note_frames(ctx, WMEL_BACKEND_CPU); /* handed back at run time: the CPU's */
    return WMEL_OK;
}

int wmel__sched_clip(const wmel_ctx *ctx, const float *x, size_t n, float *out)
{
    const wmel_backend_vt *vt = ctx->vt;
    if (!device_vt(vt)) return wmel__fe_cpu_given(ctx, x, n, out, NULL); /* the CPU's, nothing to note */
    const wmel_frontend_plan *p = &ctx->fe->p;
    size_t rows, cols;
    int rc = wmel__fe_shape(p, n, &rows, &cols);
    if (rc) return rc;
    const size_t nc = wmel__fe_computed(p, n);
    const int on = nc ? stages(ctx, n, rows, cols) : 0;
    if ((on & WMEL__STAGE_FINISH) && vt->plan_finish && out) { /* the device's frames and finish */
        rc = vt->plan_finish(ctx, x, n, out, rows, cols);
        if (rc == WMEL_OK) {
            note_frames(ctx, vt->id);
            wmel__note_finish(ctx, vt->id);
        }
        if (rc != WMEL__FALLBACK) return rc;
    }
    wmel__note_finish(ctx, WMEL_BACKEND_CPU); /* the host's, below */
    if (!nc || !vt->plan_frames) return wmel__fe_cpu_given(ctx, x, n, out, NULL);
    void *vals = NULL;
    rc = device_frames(ctx, x, n, nc, on, &vals);
    if (rc == WMEL_OK) rc = wmel__fe_cpu_given(ctx, x, n, out, vals);
    free(vals);
    return rc;
}

int wmel__sched_finish(const wmel_ctx *ctx, const float *x, size_t n, float *out, const void *vals)
{
    wmel__note_finish(ctx, WMEL_BACKEND_CPU);
    return wmel__fe_cpu_given(ctx, x, n, out, vals);
}

int wmel__sched_batch_on(const wmel_ctx *ctx)
{
    return ctx->vt->plan_frames_batch && (stages(ctx, 0, 0, 0) & WMEL__STAGE_FRAMES);
}

int wmel__sched_frames_batch(const wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                             void *const *vals, float *const *out, unsigned char *redo, size_t batch)
{
    const int rc = ctx->vt->plan_frames_batch(ctx, x, n, nf, vals, out, redo, batch);
    if (rc == WMEL_OK || rc == WMEL__FALLBACK) note_frames(ctx, rc == WMEL_OK ? ctx->vt->id : WMEL_BACKEND_CPU);
    return rc;
}
