/* The scheduler: where each stage of a clip runs, and the record of where it ran.
 *
 * Every stage is a slot of a backend's table: the ctx's backend where its up-front answer
 * takes the stage (plan_stages for a general plan's clip, clips_stages for Whisper's
 * geometry's clips: decided from the plan, the ctx's state and the clip's sizes before any
 * hook runs), else the same slot of the CPU backend's table (cpu/cpu.c: the frame drivers).
 * A device hook that took its stage may still hand it back at run time, and only for what
 * it reads then (wmel__handback: WMEL__HB_RANGE, a sample past its arithmetic's range or not
 * finite, a value not finite; WMEL__HB_MEMORY, device memory short); the scheduler alone
 * receives the hand-back, runs the same stage on the CPU backend's table (the same bytes)
 * and records its kind.
 *
 * Whisper's geometry (pfa400): clips_stages says whether the device takes a call's clips;
 * they run on its clips slot or the CPU's (frames.c). A general plan's clip has two stages:
 * its frames (each frame's log mels, cepstra, energy: the values) and its finish (the
 * normalisation, the scales, the post stage). plan_stages says which the device takes for
 * the plan, the ctx and the clip's shape; the clip then runs one of three ways:
 *   - the device's frames and finish (plan_finish), straight into the output;
 *   - the device's frames (plan_frames) and the CPU's finish of their values
 *     (fe_cpu.c's wmel__fe_cpu_given);
 *   - the CPU backend's frames and finish (its plan_finish: wmel__fe_cpu_given, no values).
 * A hand-back takes the next way, with the same bytes. The scheduler alone notes where the
 * finish ran (finish_ran, wmel_op_backend's WMEL_OP_FINISH), where the frames ran
 * (frames_ran; clips_ran op by op: WMEL_OP_LOG_MEL, _S16, _BATCH) and the kind of a
 * hand-back that moved either (hb_finish, hb_frames, hb_clips), which wmel_op_reason reads. */
#include "internal.h"
#include "fe/fe.h"

#include <stdint.h>
#include <stdlib.h>

static const wmel_backend_vt *const cpu_vt = &wmel__backend_cpu;

/* the host backends (the CPU's, the reference's): their stages are the frame drivers' */
static int host_vt(const wmel_backend_vt *vt) { return vt->id == WMEL_BACKEND_CPU || vt->id == WMEL_BACKEND_REF; }

static void store(const int *at, int v) { __atomic_store_n((int *)at, v, __ATOMIC_RELAXED); }

int wmel__handback(const wmel_ctx *ctx, int kind)
{
    store(&ctx->hb_kind, kind);
    return WMEL__HANDBACK;
}

/* the kind of the hand-back just received (WMEL__HB_RANGE where the hook named none) */
static int handback_kind(const wmel_ctx *ctx)
{
    const int k = __atomic_exchange_n(&((wmel_ctx *)ctx)->hb_kind, 0, __ATOMIC_RELAXED);
    return k ? k : WMEL__HB_RANGE;
}

static void note_frames(const wmel_ctx *ctx, int backend, int hb)
{
    store(&ctx->frames_ran, backend);
    store(&ctx->hb_frames, hb);
}

static void note_fin(const wmel_ctx *ctx, int backend, int hb)
{
    wmel__note_finish(ctx, backend);
    store(&ctx->hb_finish, hb);
}

void wmel__sched_note_finish(const wmel_ctx *ctx, int backend) { note_fin(ctx, backend, 0); }

static int stages(const wmel_ctx *ctx, size_t n, size_t rows, size_t cols)
{
    return ctx->vt->plan_stages ? ctx->vt->plan_stages(ctx, n, rows, cols) : 0;
}

int wmel__sched_attach(wmel_ctx *ctx, int general)
{
    const wmel_backend_vt *vt = ctx->vt;
    /* the general algorithm: the device backends' state (the reference's has none there) */
    if (!vt->init || (general && host_vt(vt))) return WMEL_OK;
    const int rc = vt->init(ctx);
    if (rc != WMEL_OK) {
        if (ctx->params.backend != WMEL_BACKEND_AUTO) return rc; /* asked for by name */
        ctx->vt = cpu_vt; /* AUTO: the CPU, silently */
    }
    return WMEL_OK;
}

/* Whisper's geometry: whether the device takes the ctx's clips, decided up front from the
 * ctx's state (the device open, its self-test) by the backend's plan_stages */
static int clips_on(const wmel_ctx *ctx)
{
    return ctx->fe->algo == &wmel__algo_pfa400 && (stages(ctx, 0, 0, 0) & WMEL__STAGE_FRAMES);
}

static void note_clips(const wmel_ctx *ctx, int op, int backend, int hb)
{
    if (op >= 0 && op <= WMEL_OP_LOG_MEL_BATCH) {
        store(&ctx->clips_ran[op], backend);
        store(&ctx->hb_clips[op], hb);
    }
}

int wmel__sched_clips(wmel_ctx *ctx, const wmel_clips *c, int op)
{
    const wmel_backend_vt *vt = ctx->vt;
    if (!c->batch && !host_vt(vt)) return WMEL_OK; /* no clip on a device: no work, nothing noted */
    /* the ctx's backend where it takes the clips up front (a host backend always does),
       else the CPU backend's */
    const int on = host_vt(vt) || (ctx->fe->algo == &wmel__algo_pfa400 && vt->clips_stages &&
                                    (vt->clips_stages(ctx, c) & WMEL__STAGE_FRAMES));
    const wmel_backend_vt *run = on ? vt : cpu_vt;
    int fin = 0, hb = 0, rc = run->clips(ctx, c, &fin);
    if (rc == WMEL_ERR_NOT_FINITE && !host_vt(run)) /* the device's flag: the CPU's status */
        rc = wmel__bad_status(c->f32, c->batch, c->n, c->pcm_stride, 0, wmel_n_frames(c->n, c->padding));
    if (rc == WMEL__HANDBACK) { /* handed back at run time: the CPU backend's clips */
        hb = handback_kind(ctx);
        run = cpu_vt;
        rc = run->clips(ctx, c, &fin);
    }
    /* the clips ran where run took them (its status, whatever it is); their finish where
       run says it made it (a host backend's own: its id) */
    note_clips(ctx, op, run->id, hb);
    if (fin) note_fin(ctx, host_vt(vt) ? vt->id : fin, hb);
    return rc;
}

int wmel__sched_pfa_on(const wmel_ctx *ctx) { return ctx->vt->pfa_frames_batch && clips_on(ctx); }

int wmel__sched_pfa_batch(wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                          float *const *out, float *mx, unsigned char *redo, size_t batch)
{
    const int rc = ctx->vt->pfa_frames_batch(ctx, x, n, nf, out, mx, redo, batch);
    if (rc == WMEL_OK) note_clips(ctx, WMEL_OP_LOG_MEL, ctx->vt->id, 0); /* the clips it left note their own */
    if (rc == WMEL__HANDBACK) (void)handback_kind(ctx); /* each clip on its own (api.c), each noted */
    return rc;
}

/* The device's frames of x[0 .. n) (nc of them) into *vals (malloc'd; the caller frees),
 * noted; *vals NULL where they were handed back (*hb its kind). A status. */
static int device_frames(const wmel_ctx *ctx, const float *x, size_t n, size_t nc, void **vals, int *hb)
{
    const size_t ncol = (size_t)ctx->fe->n_cols;
    const size_t vb = ctx->vals_f32 ? sizeof(float) : sizeof(double); /* a value's bytes */
    *vals = NULL;
    if (nc > SIZE_MAX / vb / ncol) return WMEL_ERR_OVERFLOW;
    void *v = malloc(nc * ncol * vb);
    if (!v) return WMEL_ERR_NO_MEMORY;
    const int rc = ctx->vt->plan_frames(ctx, x, n, nc, v);
    if (rc == WMEL_OK) {
        note_frames(ctx, ctx->vt->id, 0);
        *vals = v;
        return WMEL_OK;
    }
    free(v);
    if (rc != WMEL__HANDBACK) return rc;
    *hb = handback_kind(ctx);
    return WMEL_OK;
}

/* The CPU backend's frames and finish of the clip (its plan_finish), noted with the kind of
 * the hand-back that sent them there (0: the device's up-front answer). */
static int cpu_clip(const wmel_ctx *ctx, const float *x, size_t n, float *out, size_t rows, size_t cols,
                    int hb_frames, int hb_finish)
{
    const int rc = cpu_vt->plan_finish(ctx, x, n, out, rows, cols);
    if (wmel__fe_computed(&ctx->fe->p, n)) note_frames(ctx, WMEL_BACKEND_CPU, hb_frames); /* frames made */
    note_fin(ctx, WMEL_BACKEND_CPU, hb_finish);
    return rc;
}

int wmel__sched_clip(const wmel_ctx *ctx, const float *x, size_t n, float *out)
{
    const wmel_backend_vt *vt = ctx->vt;
    if (host_vt(vt)) return cpu_vt->plan_finish(ctx, x, n, out, 0, 0); /* the CPU's, nothing to note */
    const wmel_frontend_plan *p = &ctx->fe->p;
    size_t rows, cols;
    int rc = wmel__fe_shape(p, n, &rows, &cols);
    if (rc) return rc;
    const size_t nc = wmel__fe_computed(p, n);
    const int on = nc ? stages(ctx, n, rows, cols) : 0;
    int hb_fin = 0, hb = 0;
    if ((on & WMEL__STAGE_FINISH) && out) { /* the device's frames and finish */
        rc = vt->plan_finish(ctx, x, n, out, rows, cols);
        if (rc == WMEL_OK) {
            note_frames(ctx, vt->id, 0);
            note_fin(ctx, vt->id, 0);
        }
        if (rc != WMEL__HANDBACK) return rc;
        hb_fin = handback_kind(ctx); /* the next way */
    }
    if (!(on & WMEL__STAGE_FRAMES)) return cpu_clip(ctx, x, n, out, rows, cols, 0, hb_fin);
    void *vals = NULL;
    rc = device_frames(ctx, x, n, nc, &vals, &hb);
    if (rc == WMEL_OK && !vals) return cpu_clip(ctx, x, n, out, rows, cols, hb, hb_fin ? hb_fin : hb);
    note_fin(ctx, WMEL_BACKEND_CPU, hb_fin); /* the host's finish of the device's values */
    if (rc == WMEL_OK) rc = wmel__fe_cpu_given(ctx, x, n, out, vals);
    free(vals);
    return rc;
}

int wmel__sched_finish(const wmel_ctx *ctx, const float *x, size_t n, float *out, const void *vals)
{
    note_fin(ctx, WMEL_BACKEND_CPU, 0);
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
    if (rc == WMEL_OK) note_frames(ctx, ctx->vt->id, 0);
    if (rc == WMEL__HANDBACK) note_frames(ctx, WMEL_BACKEND_CPU, handback_kind(ctx)); /* each clip on its own */
    return rc;
}
