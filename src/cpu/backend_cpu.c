/*
 * backend_cpu.c -- the CPU backend's table: a backend like the others, whose stages are the
 * frame drivers on the ctx's kernels (frames.c: Whisper's clips; fe_cpu.c: a general plan's
 * frames and finish). The scheduler (sched.c) sends a stage here where the ctx's backend
 * is the CPU, and where a device does not take it, up front or by a run-time hand-back.
 * Kept apart from cpu.c (the ISA level and the kernel tables, which the stem's kernels use
 * too), so that the level's file imports no frame driver.
 */
#include "internal.h"
#include "fe/fe.h"

#include <string.h>

int wmel__cpu_clips(wmel_ctx *ctx, const wmel_clips *c, int *fin)
{
    *fin = WMEL_BACKEND_CPU;
    return wmel__frames_clips(ctx, c);
}

int wmel__cpu_clips_stages(const wmel_ctx *ctx, const wmel_clips *c)
{
    (void)ctx, (void)c;
    return WMEL__STAGE_FRAMES;
}

static int cpu_plan_stages(const wmel_ctx *ctx, size_t n, size_t rows, size_t cols)
{
    (void)ctx, (void)n, (void)rows, (void)cols;
    return WMEL__STAGE_FRAMES | WMEL__STAGE_FINISH;
}

/* frames [0, nf) of x[0 .. n) into vals[nf][n_cols] (float64): the general kernel's values,
 * a group of its lanes at a time on the calling thread, as fe_cpu.c's chunks compute them */
static int cpu_plan_frames(const wmel_ctx *ctx, const float *x, size_t n, size_t nf, void *vals)
{
    const wmel_fe *fe = ctx->fe;
    const wmel_fe_kernel *kern = fe->kern;
    const size_t L = (size_t)kern->lanes, nk = (size_t)fe->n_cols;
    const size_t sb = (kern->scratch(fe) + 63) & ~(size_t)63;
    void *buf = wmel__aligned_alloc(sb + wmel__fe_vals_len(fe, kern) * sizeof(double));
    if (!buf) return WMEL_ERR_NO_MEMORY;
    double *v = (double *)(void *)((char *)buf + sb), *o = vals;
    for (size_t t = 0; t < nf; t += L) {
        const size_t cnt = nf - t < L ? nf - t : L;
        wmel__fe_run_frames(fe, kern, x, n, t, (int)cnt, v, buf, 0, 0);
        memcpy(o + t * nk, v, cnt * nk * sizeof(double));
    }
    wmel__aligned_free(buf);
    return WMEL_OK;
}

/* the frames and the finish together (fe_cpu.c: the frames' values never leave the chunk
   that makes them) */
static int cpu_plan_finish(const wmel_ctx *ctx, const float *x, size_t n, float *out, size_t rows, size_t cols)
{
    (void)rows, (void)cols;
    return wmel__fe_cpu_given(ctx, x, n, out, NULL);
}

const wmel_backend_vt wmel__backend_cpu = {
    .id = WMEL_BACKEND_CPU,
    .name = "cpu",
    .clips = wmel__cpu_clips,
    .plan_frames = cpu_plan_frames,
    .plan_finish = cpu_plan_finish,
    .accepts = wmel__cpu_accepts,
    .devices = wmel__cpu_devices,
    .plan_stages = cpu_plan_stages,
    .clips_stages = wmel__cpu_clips_stages,
};
