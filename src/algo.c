/*
 * algo.c -- the plan compiler and the algorithms a compiled plan can carry.
 *
 * wmel_create_plan() (api.c) checks a plan and its params once and compiles the plan
 * here. The geometry alone chooses the algorithm (wmel__fe_is_whisper, never the preset's
 * name; wmel_create_plan_cols asks for the general one, which applies its per-column
 * affine, whatever the geometry):
 *   pfa400   Whisper's geometry: the 400-point real prime-factor (16 x 25) transform and
 *            the block kernels of every ISA level (cpu/kernel.inc), on the frame driver
 *            (frames.c), the float64 reference block (ref/ref.c) or the CUDA backend;
 *   pfa400-snip  Whisper's geometry framed from sample 0 (snip, every frame kept): the
 *            400-point block kernel on each frame in place, the general algorithm's count,
 *            finish, stream and sliding-buffer bookkeeping;
 *   general  any other plan: the frame kernels of fe/ (fe_cpu.c, fe_lanes.inc) or the
 *            float64 reference (ref/fe_ref.c), on the CPU and the reference backends.
 * The compiled plan (struct wmel_fe, fe/fe.h) holds the algorithm's tables and its
 * table of functions (wmel_algo, internal.h); the entry points call through it, so each
 * goes one way for every plan. Adding an algorithm is one table here and the tables it
 * needs in the plan; a kernel or an ISA level is one entry of cpu/cpu.c's tables.
 */
#include "internal.h"
#include "fe/fe.h"
#include "fe/fe_live.h"
#include "pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the plan compiler */

const wmel_algo *wmel__plan_algo(const wmel_frontend_plan *p)
{
    if (wmel__fe_is_whisper(p)) return &wmel__algo_pfa400;
    return wmel__fe_is_whisper_snip(p) ? &wmel__algo_pfa400_snip : &wmel__algo_general;
}

int wmel__plan_compile(const wmel_frontend_plan *p, const wmel_algo *algo, wmel_fe **out)
{
    *out = NULL;
    if (algo == &wmel__algo_pfa400_snip && wmel__fe_is_whisper_snip(p)) {
        /* the general tables (the snip geometry of the stream and the sliding buffer) and
         * the 400-point ones of the block kernel */
        int rc = wmel__fe_compile(p, out);
        if (rc != WMEL_OK) return rc;
        wmel_fe *fe = *out;
        fe->algo = &wmel__algo_pfa400_snip;
        fe->pfa400 = wmel__aligned_alloc(sizeof *fe->pfa400);
        if (fe->pfa400) memset(fe->pfa400, 0, sizeof *fe->pfa400);
        rc = fe->pfa400 ? wmel__plan_init(fe->pfa400, p->n_mels) : WMEL_ERR_NO_MEMORY;
        if (rc != WMEL_OK) {
            wmel__plan_release(fe);
            *out = NULL;
        }
        return rc;
    }
    if (algo != &wmel__algo_pfa400 || !wmel__fe_is_whisper(p)) {
        int rc = wmel__fe_compile(p, out);
        if (rc == WMEL_OK) (*out)->algo = &wmel__algo_general;
        return rc;
    }
    wmel_fe *fe = calloc(1, sizeof *fe);
    if (!fe) return WMEL_ERR_NO_MEMORY;
    fe->p = *p;
    fe->n_bins = WMEL_N_BINS;
    fe->n_cols = fe->n_raw = p->n_mels;
    fe->off = -WMEL_PAD; /* frame t reads [160 t - 200, 160 t + 200) */
    fe->algo = &wmel__algo_pfa400;
    fe->pfa400 = wmel__aligned_alloc(sizeof *fe->pfa400);
    if (!fe->pfa400) {
        free(fe);
        return WMEL_ERR_NO_MEMORY;
    }
    memset(fe->pfa400, 0, sizeof *fe->pfa400);
    int rc = wmel__plan_init(fe->pfa400, p->n_mels);
    if (rc != WMEL_OK) {
        wmel__plan_release(fe);
        return rc;
    }
    *out = fe;
    return WMEL_OK;
}

void wmel__plan_release(wmel_fe *fe)
{
    if (!fe) return;
    if (fe->pfa400) {
        wmel__plan_free(fe->pfa400);
        wmel__aligned_free(fe->pfa400);
        fe->pfa400 = NULL;
    }
    wmel__fe_free(fe);
}

/* ---------------------------------------------------------------- pfa400: Whisper's geometry */

static int pfa_attach(wmel_ctx *ctx)
{
    ctx->block = ctx->kernel->block;
    snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "%s", ctx->kernel->name);
    const int rc = wmel__sched_attach(ctx, 0); /* the backend's state */
    if (rc != WMEL_OK) return rc;
    /* threads start on first use; without a pool each call makes its own */
    if (ctx->n_threads > 1) ctx->pool = wmel__pool_new(ctx->n_threads - 1);
    ctx->scratch = wmel__scratch_new(); /* NULL: each call allocates, as it can */
    return WMEL_OK;
}

static int pfa_check(size_t n, size_t padding, const void *pcm)
{
    if (!pcm && n) return WMEL_ERR_NULL_POINTER;
    if (n > SIZE_MAX / 4 || padding > SIZE_MAX / 4 - n) return WMEL_ERR_OVERFLOW;
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

static int pfa_clip(wmel_ctx *ctx, const wmel_signal *s, float *out, size_t out_len)
{
    const void *pcm = s->f32 ? (const void *)s->f32 : (const void *)s->s16;
    int rc = pfa_check(s->n, s->padding, pcm);
    if (rc) return rc;
    size_t nf = wmel_n_frames(s->n, s->padding);
    rc = need_out(ctx, 1, nf, out, out_len, pcm,
                  wmel__bytes(s->n, s->f32 ? sizeof(float) : sizeof(int16_t)));
    if (rc) return rc;
    wmel_clips c = {s->f32, s->s16, 1, s->n, s->n, s->padding, WMEL_BATCH_PER_CLIP, out, out_len, {NULL, 0, NULL}};
    return wmel__sched_clips(ctx, &c, s->f32 ? WMEL_OP_LOG_MEL : WMEL_OP_LOG_MEL_S16);
}

static int pfa_batch(wmel_ctx *ctx, const wmel_clips *c)
{
    if (!wmel__clips_fit(c->batch, c->n, c->pcm_stride)) return WMEL_ERR_OVERFLOW;
    int rc = pfa_check(c->n, c->padding, c->f32);
    if (rc) return rc;
    size_t nf = wmel_n_frames(c->n, c->padding);
    rc = need_out(ctx, c->batch, nf, c->out, c->out_len, c->f32,
                  wmel__clips_extent(c->batch, c->n, c->pcm_stride, sizeof(float)));
    if (rc) return rc;
    return wmel__sched_clips(ctx, c, WMEL_OP_LOG_MEL_BATCH);
}

/* The stream's piece: 8 hops past the block (stream.c). */
static size_t pfa_piece_cap(const wmel_fe *fe, size_t block)
{
    (void)fe;
    return (block + 8) * WMEL_HOP;
}

static int pfa_piece_new(const wmel_ctx *ctx, void **work)
{
    (void)ctx;
    *work = NULL;
    return WMEL_OK;
}

static void pfa_piece_free(void *work) { (void)work; }

/* The frame driver on the ctx's workers: the frames of the offline call, bit for bit
 * (each frame the same kernel arithmetic wherever its block starts). */
static int pfa_piece_frames(const wmel_ctx *ctx, void *work, const float *x, size_t n,
                            size_t padding, size_t base, size_t t0, size_t nb, float *out, float *max)
{
    (void)work;
    (void)base; /* no dither on Whisper's geometry */
    wmel_signal sig = {x, NULL, n, padding};
    float mx = 0.0f; /* set on success */
    int rc = wmel__raw_frames(ctx, &sig, t0, nb, out, nb, &mx, ctx->n_threads);
    if (rc == WMEL_OK && mx > *max) *max = mx;
    return rc;
}

static int pfa_stream_end(const wmel_fe *fe, size_t total, size_t padding, size_t *end)
{
    (void)fe;
    if (total > SIZE_MAX / 4 || padding > SIZE_MAX / 4 - total) return WMEL_ERR_OVERFLOW;
    if (total + padding <= WMEL_PAD) return WMEL_ERR_TOO_SHORT;
    *end = wmel_n_frames(total, padding);
    return WMEL_OK;
}

static int pfa_here_new(const wmel_fe *fe, void **work, size_t *bytes)
{
    (void)fe;
    *bytes = WMEL_RAW_WORK_BYTES;
    *work = wmel__aligned_alloc(WMEL_RAW_WORK_BYTES);
    return *work ? WMEL_OK : WMEL_ERR_NO_MEMORY;
}

static void pfa_here_free(void *work) { wmel__aligned_free(work); }

/* The frame driver's block loop on this thread, into rows cs apart (ts is 1). */
static int pfa_here_frames(const wmel_ctx *ctx, void *work, const wmel_signal *s, size_t t0,
                           size_t count, float *dst, size_t ts, size_t cs, float *max)
{
    (void)ts;
    float mx = 0.0f; /* set on success */
    int rc = wmel__raw_frames_here(ctx, s, t0, count, dst, cs, work, &mx);
    if (max) *max = mx;
    return rc;
}

const wmel_algo wmel__algo_pfa400 = {
    .name = "pfa400",
    .devices = 1,
    .smooth = 1,
    .attach = pfa_attach,
    .clip = pfa_clip,
    .batch = pfa_batch,
    .stream_backend = NULL, /* the backend's op_backend */
    .stream_padding = 1,
    .stream_checks_samples = 0, /* the kernels flag what a frame reads */
    .piece_cap = pfa_piece_cap,
    .piece_new = pfa_piece_new,
    .piece_free = pfa_piece_free,
    .piece_frames = pfa_piece_frames,
    .stream_end = pfa_stream_end,
    .here_new = pfa_here_new,
    .here_free = pfa_here_free,
    .here_frames = pfa_here_frames,
    .slide = &wmel__slide_pfa400,
};

/* ---------------------------------------------------------------- general: any other plan */

static int gen_attach(wmel_ctx *ctx)
{
    wmel_fe *fe = ctx->fe;
    fe->kern = wmel__fe_kernel_for(wmel__fe_isa_level(ctx->params.max_isa));
    const int rc = wmel__sched_attach(ctx, 1); /* a device backend's state (Vulkan, CUDA) */
    if (rc != WMEL_OK) return rc;
    if (ctx->vt->id == WMEL_BACKEND_REF)
        snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "ref-f64-dft%d", fe->p.n_fft);
    else if (ctx->vt->id == WMEL_BACKEND_CPU) /* a device names its own */
        snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "cpu-%s-fft%d", fe->kern->name,
                 fe->p.n_fft);
    if (ctx->n_threads > 1 && ctx->vt->id != WMEL_BACKEND_REF)
        ctx->pool = wmel__pool_new(ctx->n_threads - 1);
    return WMEL_OK;
}

/* ---------------------------------------------------------------- a clip through the ctx's algorithm */

void wmel__clip_to_n(const wmel_ctx *ctx, size_t *n, size_t *padding)
{
    const size_t want = ctx->fe->p.n_samples > 0 ? (size_t)ctx->fe->p.n_samples : 0;
    if (!want) return;
    if (*n > want) *n = want;
    *padding = want - *n;
}

int wmel__clip_shape(const wmel_ctx *ctx, size_t n_samples, size_t *rows, size_t *cols)
{
    *rows = *cols = 0;
    if (ctx->fe->p.n_samples > 0) n_samples = (size_t)ctx->fe->p.n_samples;
    int rc = wmel__fe_shape(&ctx->fe->p, n_samples, rows, cols);
    if (rc) *rows = *cols = 0;
    return rc;
}

int wmel__clip_run(wmel_ctx *ctx, const float *pcm, size_t n_samples, float *out, size_t out_len)
{
    size_t rows, cols;
    int rc = wmel__clip_shape(ctx, n_samples, &rows, &cols);
    if (rc) return rc;
    size_t padding = 0;
    wmel__clip_to_n(ctx, &n_samples, &padding);
    wmel_signal s = {pcm, NULL, n_samples, padding};
    rc = ctx->fe->algo->clip(ctx, &s, out, out_len);
    return rc ? rc : wmel__fe_out_check(ctx->fe, out, rows * cols);
}

wmel_ctx *wmel__twin_for(wmel_ctx *ctx, const float *x, size_t n)
{
    if (!ctx->twin) return ctx;
    const int twin = !wmel__all_f32_kernel_safe(x, n);
    __atomic_store_n(&ctx->twin_ran, twin, __ATOMIC_RELAXED);
    return twin ? ctx->twin : ctx;
}

wmel_ctx *wmel__live_ctx(wmel_ctx *ctx) { return ctx && ctx->twin ? ctx->twin : ctx; }

/* wmel_features() of x[0 .. n) on the general CPU path or the float64 reference. */
static int gen_features(wmel_ctx *ctx, const float *pcm, size_t n_samples, float *out,
                        size_t out_len)
{
    size_t rows, cols;
    int rc = wmel__fe_shape(&ctx->fe->p, n_samples, &rows, &cols);
    if (rc) return rc;
    const size_t total = rows * cols;
    if (!out && total) return WMEL_ERR_NULL_POINTER;
    if (out_len < total) return WMEL_ERR_BUFFER_TOO_SMALL;
    if (wmel__overlap(pcm, wmel__bytes(n_samples, sizeof(float)), out, wmel__bytes(total, sizeof(float))))
        return WMEL_ERR_INVALID_ARG;
    if (ctx->vt->id != WMEL_BACKEND_REF) { /* checked by the workers, each its own samples */
        wmel_ctx *on = wmel__twin_for(ctx, pcm, n_samples);
        return on != ctx ? wmel__clip_run(on, pcm, n_samples, out, out_len) : wmel__sched_clip(ctx, pcm, n_samples, out);
    }
    if (!wmel__all_finite(pcm, n_samples)) return WMEL_ERR_NOT_FINITE;
    return wmel__fe_ref(ctx, pcm, n_samples, out);
}

/* A plan path's features of a whole clip (gen_features, snip_features). */
typedef int (*plan_features_fn)(wmel_ctx *ctx, const float *x, size_t n, float *out, size_t out_len);

/* The samples (float32, or int16 divided by 32768) followed by `padding` zeros, through `features`. */
static int plan_clip(wmel_ctx *ctx, const wmel_signal *s, float *out, size_t out_len, plan_features_fn features)
{
    const float *f32 = s->f32;
    const int16_t *s16 = s->s16;
    const size_t n = s->n, padding = s->padding;
    if (!f32 && !s16 && n) return WMEL_ERR_NULL_POINTER;
    if (n > SIZE_MAX / sizeof(float) / 2 || padding > SIZE_MAX / sizeof(float) / 2 - n) return WMEL_ERR_OVERFLOW;
    if (f32 && !padding) return features(ctx, f32, n, out, out_len);
    const size_t total = n + padding;
    size_t rows, cols;
    int rc = wmel__fe_shape(&ctx->fe->p, total, &rows, &cols);
    if (rc) return rc;
    if (out && rows && cols &&
        wmel__overlap(f32 ? (const void *)f32 : (const void *)s16, wmel__bytes(n, f32 ? sizeof(float) : sizeof(int16_t)),
                      out, wmel__bytes(rows * cols, sizeof(float))))
        return WMEL_ERR_INVALID_ARG;
    float *x = malloc((total ? total : 1) * sizeof(float));
    if (!x) return WMEL_ERR_NO_MEMORY;
    if (f32) memcpy(x, f32, n * sizeof(float));
    else
        for (size_t i = 0; i < n; i++) x[i] = (float)s16[i] / 32768.0f;
    memset(x + n, 0, padding * sizeof(float));
    rc = features(ctx, x, total, out, out_len);
    free(x);
    return rc;
}

/* Each clip on its own (a plan's normalisation is per clip). */
static int plan_batch(wmel_ctx *ctx, const wmel_clips *c, plan_features_fn features)
{
    if (c->batch_norm != WMEL_BATCH_PER_CLIP) return WMEL_ERR_INVALID_ARG;
    if (!wmel__clips_fit(c->batch, c->n, c->pcm_stride)) return WMEL_ERR_OVERFLOW;
    if (c->padding > SIZE_MAX / 4 - c->n) return WMEL_ERR_OVERFLOW;
    size_t rows, cols;
    int rc = wmel__fe_shape(&ctx->fe->p, c->n + c->padding, &rows, &cols);
    if (rc) return rc;
    const size_t per = rows * cols;
    if (per && c->batch > SIZE_MAX / per) return WMEL_ERR_OVERFLOW;
    if (!c->out && per) return WMEL_ERR_NULL_POINTER;
    if (c->out_len < per * c->batch) return WMEL_ERR_BUFFER_TOO_SMALL;
    if (!c->f32 && c->n) return WMEL_ERR_NULL_POINTER;
    if (per && wmel__overlap(c->f32, wmel__clips_extent(c->batch, c->n, c->pcm_stride, sizeof(float)), c->out,
                             wmel__bytes(per * c->batch, sizeof(float))))
        return WMEL_ERR_INVALID_ARG;
    for (size_t b = 0; b < c->batch && rc == WMEL_OK; b++) {
        wmel_signal s = {c->f32 ? c->f32 + b * c->pcm_stride : NULL, NULL, c->n, c->padding};
        rc = plan_clip(ctx, &s, c->out ? c->out + b * per : NULL, per, features);
    }
    return rc;
}

static int gen_clip(wmel_ctx *ctx, const wmel_signal *s, float *out, size_t out_len)
{
    return plan_clip(ctx, s, out, out_len, gen_features);
}

static int gen_batch(wmel_ctx *ctx, const wmel_clips *c) { return plan_batch(ctx, c, gen_features); }

const wmel_algo wmel__algo_general = {
    .name = "general",
    .devices = 0,
    .smooth = 0,
    .attach = gen_attach,
    .clip = gen_clip,
    .batch = gen_batch,
    .stream_backend = "cpu", /* fe_live.c's frames on the CPU, whatever the backend */
    .stream_padding = 0,
    .stream_checks_samples = 1,
    .piece_cap = wmel__fe_piece_cap,
    .piece_new = wmel__fe_piece_new,
    .piece_free = wmel__fe_piece_free,
    .piece_frames = wmel__fe_piece_frames,
    .stream_end = wmel__fe_stream_end,
    .here_new = wmel__fe_here_new,
    .here_free = wmel__fe_here_free,
    .here_frames = wmel__fe_here_frames,
    .slide = &wmel__slide_general,
};

/* ---------------------------------------------------------------- pfa400-snip: Whisper's geometry, snip framing */

/* Whisper's geometry framed from sample 0 (wmel__fe_is_whisper_snip): the frames are the
 * block kernel's (each frame's arithmetic that of the frame driver), the count, the finish
 * and the stream's and the sliding buffer's bookkeeping the general algorithm's. */
static int snip_attach(wmel_ctx *ctx)
{
    ctx->block = ctx->kernel->block;
    snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "%s", ctx->kernel->name);
    if (ctx->n_threads > 1) ctx->pool = wmel__pool_new(ctx->n_threads - 1);
    return WMEL_OK;
}

#define SNIP_TEAM 32 /* workers per call, at most (a block of 64 frames each at least) */

typedef struct snip_team {
    const wmel_ctx *ctx;
    const float *x;
    size_t n, nf;
    float *out;
    int fixed; /* the fixed max: each worker clamps its frames (wmel_normalize's arithmetic) */
    int status[SNIP_TEAM];
    float max[SNIP_TEAM];
} snip_team;

static void snip_worker(void *arg, wmel_pool *pl, int t, int nt)
{
    (void)pl;
    snip_team *k = arg;
    const size_t blocks = (k->nf + WMEL_BLOCK_FRAMES - 1) / WMEL_BLOCK_FRAMES;
    const size_t f0 = blocks * (size_t)t / (size_t)nt * WMEL_BLOCK_FRAMES;
    size_t f1 = blocks * (size_t)(t + 1) / (size_t)nt * WMEL_BLOCK_FRAMES;
    if (f1 > k->nf) f1 = k->nf;
    k->status[t] = WMEL_OK;
    k->max[t] = -1e30f;
    if (f0 >= f1) return;
    void *work = wmel__aligned_alloc(WMEL_RAW_WORK_BYTES);
    if (!work) {
        k->status[t] = WMEL_ERR_NO_MEMORY;
        return;
    }
    const wmel_fe *fe = k->ctx->fe;
    k->status[t] = wmel__snip_frames_here(k->ctx, k->x, k->n, fe->off, f0, f1 - f0, k->out + f0, k->nf, work,
                                          &k->max[t]);
    wmel__aligned_free(work);
    if (k->status[t] == WMEL_OK && k->fixed)
        for (int m = 0; m < fe->p.n_mels; m++)
            k->ctx->kernel->normalize(k->out + (size_t)m * k->nf + f0, f1 - f0, (float)fe->p.norm_max);
}

static int snip_features(wmel_ctx *ctx, const float *x, size_t n, float *out, size_t out_len)
{
    const wmel_fe *fe = ctx->fe;
    size_t rows, cols;
    int rc = wmel__fe_shape(&fe->p, n, &rows, &cols);
    if (rc) return rc;
    const size_t total = rows * cols;
    if (!out && total) return WMEL_ERR_NULL_POINTER;
    if (out_len < total) return WMEL_ERR_BUFFER_TOO_SMALL;
    if (wmel__overlap(x, wmel__bytes(n, sizeof(float)), out, wmel__bytes(total, sizeof(float))))
        return WMEL_ERR_INVALID_ARG;
    const size_t nf = wmel__fe_frames(&fe->p, n);
    if (rows != (size_t)fe->p.n_mels || cols != nf) return WMEL_ERR_INVALID_ARG; /* cannot happen */
    snip_team k;
    k.ctx = ctx;
    k.x = x;
    k.n = n;
    k.nf = nf;
    k.out = out;
    k.fixed = fe->p.norm == WMEL_NORM_WHOLE && (fe->p.norm_flags & WMEL_NORMF_FIXED_MAX);
    const size_t blocks = (nf + WMEL_BLOCK_FRAMES - 1) / WMEL_BLOCK_FRAMES;
    int want = ctx->n_threads < SNIP_TEAM ? ctx->n_threads : SNIP_TEAM;
    if ((size_t)want > blocks) want = blocks ? (int)blocks : 1;
    const int nt = wmel__team_run(ctx->pool, snip_worker, &k, want);
    for (int t = 0; t < nt && rc == WMEL_OK; t++) rc = k.status[t];
    /* a NaN or Inf sample anywhere decides the status, as in Whisper's geometry */
    if (rc == WMEL_ERR_SAMPLE_RANGE && !wmel__all_finite(x, n)) rc = WMEL_ERR_NOT_FINITE;
    /* the kernel flags what the frames read; the samples past them, as the general path */
    const size_t reach = nf ? (size_t)((long long)((nf - 1) * WMEL_HOP) + fe->off) + WMEL_N_FFT : 0;
    if (rc == WMEL_OK && reach < n && !wmel__all_finite(x + reach, n - reach)) rc = WMEL_ERR_NOT_FINITE;
    if (rc == WMEL_OK && !k.fixed) rc = wmel__fe_finish_ext(fe, out, 1, nf, nf, nf); /* the data's max */
    return rc;
}

static int snip_clip(wmel_ctx *ctx, const wmel_signal *s, float *out, size_t out_len)
{
    return plan_clip(ctx, s, out, out_len, snip_features);
}

static int snip_batch(wmel_ctx *ctx, const wmel_clips *c) { return plan_batch(ctx, c, snip_features); }

static int snip_work_new(const wmel_ctx *ctx, void **work)
{
    (void)ctx;
    *work = wmel__aligned_alloc(WMEL_RAW_WORK_BYTES);
    return *work ? WMEL_OK : WMEL_ERR_NO_MEMORY;
}

static int snip_piece_frames(const wmel_ctx *ctx, void *work, const float *x, size_t n,
                             size_t padding, size_t base, size_t t0, size_t nb, float *out, float *max)
{
    (void)padding; /* a plan's stream takes none */
    (void)base;    /* no dither */
    float mx = 0.0f; /* set on success */
    int rc = wmel__snip_frames_here(ctx, x, n, ctx->fe->off, t0, nb, out, nb, work, &mx);
    if (rc == WMEL_OK && mx > *max) *max = mx;
    return rc;
}

static int snip_here_new(const wmel_fe *fe, void **work, size_t *bytes)
{
    (void)fe;
    *bytes = WMEL_RAW_WORK_BYTES;
    *work = wmel__aligned_alloc(WMEL_RAW_WORK_BYTES);
    return *work ? WMEL_OK : WMEL_ERR_NO_MEMORY;
}

static int snip_here_frames(const wmel_ctx *ctx, void *work, const wmel_signal *s, size_t t0,
                            size_t count, float *dst, size_t ts, size_t cs, float *max)
{
    if (ts != 1 || !s->f32) return WMEL_ERR_INVALID_ARG; /* cannot happen: mels by frames, float32 */
    float mx = 0.0f; /* set on success */
    int rc = wmel__snip_frames_here(ctx, s->f32, s->n, ctx->fe->off, t0, count, dst, cs, work, &mx);
    if (rc == WMEL_OK && max) *max = mx;
    return rc;
}

const wmel_algo wmel__algo_pfa400_snip = {
    .name = "pfa400-snip",
    .devices = 0,
    .smooth = 0,
    .attach = snip_attach,
    .clip = snip_clip,
    .batch = snip_batch,
    .stream_backend = "cpu",
    .stream_padding = 0,
    .stream_checks_samples = 1,
    .piece_cap = wmel__fe_piece_cap,
    .piece_new = snip_work_new,
    .piece_free = pfa_here_free,
    .piece_frames = snip_piece_frames,
    .stream_end = wmel__fe_stream_end,
    .here_new = snip_here_new,
    .here_free = pfa_here_free,
    .here_frames = snip_here_frames,
    .slide = &wmel__slide_general,
};
