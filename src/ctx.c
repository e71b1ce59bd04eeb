/*
 * ctx.c -- a ctx made for a backend and an algorithm already chosen (backend.c chooses:
 * by name, or AUTO's rule and timing), and its release. The plan is compiled (algo.c),
 * the algorithm attached to the backend, the kernels picked for the ISA level; a device's
 * ctx of Whisper's geometry on the general algorithm keeps the CPU's own kernels beside it
 * (its twin). Nothing here chooses a backend or re-enters the public API.
 */
#include "internal.h"
#include "fe/fe.h"
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wmel_ctx *fail(int *status, int code)
{
    if (status) *status = code;
    return NULL;
}

wmel_ctx *wmel__ctx_make(wmel_params p, const wmel_frontend_plan *plan, int keep_smooth, const double *const *cols,
                         const wmel_algo *algo, const wmel_backend_vt *vt, const char *why, int *status)
{
    int rc;
    wmel_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return fail(status, WMEL_ERR_NO_MEMORY);
    rc = wmel__plan_compile(plan, algo, &ctx->fe);
    if (rc == WMEL_OK && cols) {
        const size_t nc = wmel__fe_n_colvec(plan);
        ctx->fe->n_colvec = nc;
        ctx->fe->col_scale = malloc(nc * sizeof(double));
        ctx->fe->col_shift = malloc(nc * sizeof(double));
        if (!ctx->fe->col_scale || !ctx->fe->col_shift) {
            rc = WMEL_ERR_NO_MEMORY;
            wmel__plan_release(ctx->fe);
        } else {
            memcpy(ctx->fe->col_scale, cols[0], nc * sizeof(double));
            memcpy(ctx->fe->col_shift, cols[1], nc * sizeof(double));
        }
    }
    if (rc != WMEL_OK) {
        free(ctx);
        return fail(status, rc);
    }
    ctx->params = p;
    ctx->fplan = *plan;
    ctx->n_threads = p.n_threads ? p.n_threads : wmel__cpu_count();
    if (ctx->n_threads > 256) ctx->n_threads = 256;
    ctx->isa = wmel__isa_level(p.max_isa);
    ctx->kernel = wmel__kernel_for(ctx->isa);
    ctx->vt = vt;
    ctx->backend = vt->id;
    rc = ctx->fe->algo->attach(ctx);
    if (rc != WMEL_OK) {
        wmel__plan_release(ctx->fe);
        free(ctx);
        return fail(status, rc);
    }
    ctx->backend = ctx->vt->id;
    /* a plan of Whisper's geometry on a device's general algorithm: the CPU's own kernels
       beside it for the samples they refuse (ctx->twin) */
    const wmel_algo *own = wmel__plan_algo(plan);
    if (!cols && own != algo && own != &wmel__algo_general &&
        (ctx->backend == WMEL_BACKEND_VULKAN || ctx->backend == WMEL_BACKEND_CUDA)) {
        wmel__detail(""); /* as a create of the CPU backend by name, which takes every algorithm */
        wmel_params tp = p;
        tp.backend = WMEL_BACKEND_CPU;
        if (!own->smooth) tp.smooth = WMEL_SMOOTH_NONE;
        ctx->twin = wmel__ctx_make(tp, plan, keep_smooth, NULL, own, &wmel__backend_cpu, "asked for by name", &rc);
        if (!ctx->twin) {
            wmel__ctx_free(ctx);
            return fail(status, rc);
        }
    }
    if (ctx->vt != vt) /* AUTO: the device backend could not start; the CPU, silently */
        snprintf(ctx->backend_why, sizeof ctx->backend_why, "AUTO: %s (%s could not start on its device)",
                 ctx->vt->name, vt->name);
    else
        snprintf(ctx->backend_why, sizeof ctx->backend_why, "%s", why);
    if (ctx->backend_note[0]) {
        const size_t at = strlen(ctx->backend_why);
        snprintf(ctx->backend_why + at, sizeof ctx->backend_why - at, "; %s", ctx->backend_note);
    }
    if (status) *status = WMEL_OK;
    return ctx;
}

void wmel__ctx_free(wmel_ctx *ctx)
{
    if (!ctx) return;
    wmel__ctx_free(ctx->twin);
    if (ctx->vt->free) ctx->vt->free(ctx);
    wmel__pool_free(ctx->pool);
    wmel__scratch_free(ctx->scratch);
    wmel__plan_release(ctx->fe);
    free(ctx);
}

static const char *backend_id_name(int id)
{
    switch (id) {
    case WMEL_BACKEND_REF: return "ref";
    case WMEL_BACKEND_CPU: return "cpu";
    case WMEL_BACKEND_CUDA: return "cuda";
    case WMEL_BACKEND_VULKAN: return "vulkan";
    default: return "none";
    }
}

/* WMEL_OP_FINISH: where the most recent call's finish ran (the twin's where the twin took
 * the call); before any call, where the creator's note puts it (the plan's rule), or the
 * ctx's own backend (the CPU's, the reference's) */
static const char *finish_backend(const wmel_ctx *ctx)
{
    if (ctx->twin && __atomic_load_n(&ctx->twin_ran, __ATOMIC_RELAXED)) return finish_backend(ctx->twin);
    const int ran = __atomic_load_n(&ctx->finish_ran, __ATOMIC_RELAXED);
    return ran ? backend_id_name(ran) : ctx->vt->name;
}

const char *wmel__op_backend(const wmel_ctx *ctx, int op)
{
    if (ctx && op == WMEL_OP_FINISH) return finish_backend(ctx);
    if (!ctx || op < WMEL_OP_LOG_MEL || op > WMEL_OP_STREAM) return "none";
    if (op == WMEL_OP_STREAM && ctx->fe->algo->stream_backend) return ctx->fe->algo->stream_backend;
    if (op <= WMEL_OP_LOG_MEL_BATCH && ctx->twin && __atomic_load_n(&ctx->twin_ran, __ATOMIC_RELAXED))
        return wmel__op_backend(ctx->twin, op); /* samples the CPU's kernels took */
    int ran = op <= WMEL_OP_LOG_MEL_BATCH ? __atomic_load_n(&ctx->clips_ran[op], __ATOMIC_RELAXED) : 0;
    if (!ran && op <= WMEL_OP_LOG_MEL_BATCH) ran = __atomic_load_n(&ctx->frames_ran, __ATOMIC_RELAXED);
    if (ran) return backend_id_name(ran); /* Whisper's clips, a general plan's frames: noted by the scheduler */
    if (ctx->vt->op_backend) return ctx->vt->op_backend(ctx, op);
    return op == WMEL_OP_DEVICE ? "none" : ctx->vt->name;
}
