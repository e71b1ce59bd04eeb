/*
 * api.c -- the public entry points: argument checks at the boundary, backend and
 * kernel choice, the frame driver (reflect padding, blocks, threads) and the
 * normalisation of openai-whisper's log_mel_spectrogram().
 */
#define _GNU_SOURCE
#include "internal.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef WMEL_HAVE_CUDA
#include "cuda/cuda_internal.h"
#endif

/* ---------------------------------------------------------------- helpers */

void *wmel__aligned_alloc(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) return NULL;
    return p;
}

void wmel__aligned_free(void *p) { free(p); }

void wmel_free(void *p) { free(p); }

size_t wmel_n_frames(size_t n_samples, size_t padding)
{
    if (padding > SIZE_MAX - n_samples) return SIZE_MAX / WMEL_HOP;
    return (n_samples + padding) / WMEL_HOP;
}

static int isa_from_env(void)
{
    const char *e = getenv("WMEL_MAX_ISA");
    if (!e || !*e) return WMEL_ISA_AUTO;
    if (!strcmp(e, "c") || !strcmp(e, "scalar")) return WMEL_ISA_C;
    if (!strcmp(e, "avx2")) return WMEL_ISA_AVX2;
    if (!strcmp(e, "avx512")) return WMEL_ISA_AVX512;
    return WMEL_ISA_AUTO; /* unknown values are ignored rather than fatal */
}

int wmel__cpu_isa(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        return WMEL_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return WMEL_ISA_AVX2;
#endif
    return WMEL_ISA_C;
}

static const wmel_kernel *pick_kernel(int max_isa)
{
    int level = wmel__cpu_isa();
    int env = isa_from_env();
    if (max_isa != WMEL_ISA_AUTO && max_isa < level) level = max_isa;
    if (env != WMEL_ISA_AUTO && env < level) level = env;
    const wmel_kernel *k = NULL;
    if (level >= WMEL_ISA_AVX512) k = wmel__kernel_avx512();
    if (!k && level >= WMEL_ISA_AVX2) k = wmel__kernel_avx2();
    if (!k) k = wmel__kernel_c();
    return k;
}

/* ---------------------------------------------------------------- create / destroy */

typedef struct wmel_pool wmel_pool;
static wmel_pool *pool_new(int cap);
static void pool_free(wmel_pool *pl);

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
    if (p.n_mels != 80 && p.n_mels != 128) return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.backend < WMEL_BACKEND_AUTO || p.backend > WMEL_BACKEND_CUDA)
        return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.norm != WMEL_NORM_WHOLE && p.norm != WMEL_NORM_NONE)
        return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.max_isa < WMEL_ISA_AUTO || p.max_isa > WMEL_ISA_AVX512)
        return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.n_threads < 0 || p.cuda_device < 0) return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.smooth != WMEL_SMOOTH_NONE && p.smooth != WMEL_SMOOTH_3X3)
        return fail(status, WMEL_ERR_INVALID_ARG);

    int backend = p.backend;
    if (backend == WMEL_BACKEND_CUDA) {
#ifdef WMEL_HAVE_CUDA
        if (!wmel__cuda_available(p.cuda_device))
            return fail(status, WMEL_ERR_BACKEND_UNAVAILABLE);
#else
        return fail(status, WMEL_ERR_BACKEND_UNAVAILABLE);
#endif
    }
    if (backend == WMEL_BACKEND_AUTO) {
        backend = WMEL_BACKEND_CPU;
#ifdef WMEL_HAVE_CUDA
        if (wmel__cuda_available(p.cuda_device)) backend = WMEL_BACKEND_CUDA;
#endif
    }

    wmel_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return fail(status, WMEL_ERR_NO_MEMORY);
    ctx->params = p;
    ctx->backend = backend;
    int rc = wmel__plan_init(&ctx->plan, p.n_mels);
    if (rc != WMEL_OK) {
        free(ctx);
        return fail(status, rc);
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    ctx->n_threads = p.n_threads ? p.n_threads : (ncpu > 0 ? (int)ncpu : 1);
    if (ctx->n_threads > 256) ctx->n_threads = 256;
    ctx->kernel = pick_kernel(p.max_isa);
    if (backend == WMEL_BACKEND_REF)
        snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "ref-f64-dft");
    else
        snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "%s", ctx->kernel->name);
#ifdef WMEL_HAVE_CUDA
    if (backend == WMEL_BACKEND_CUDA && (rc = wmel__cuda_init(ctx)) != WMEL_OK) {
        if (p.backend == WMEL_BACKEND_CUDA) { /* asked for by name: a clear error */
            wmel__plan_free(&ctx->plan);
            free(ctx);
            return fail(status, rc);
        }
        ctx->backend = WMEL_BACKEND_CPU; /* AUTO: the CPU, silently */
    }
#endif
    /* threads start on first use; without a pool each call makes its own */
    if (ctx->n_threads > 1) ctx->pool = pool_new(ctx->n_threads - 1);
    if (status) *status = WMEL_OK;
    return ctx;
}

void wmel_destroy(wmel_ctx *ctx)
{
    if (!ctx) return;
#ifdef WMEL_HAVE_CUDA
    wmel__cuda_free(ctx);
#endif
    pool_free(ctx->pool);
    wmel__plan_free(&ctx->plan);
    free(ctx);
}

const char *wmel_backend_name(const wmel_ctx *ctx)
{
    if (!ctx) return "none";
    switch (ctx->backend) {
    case WMEL_BACKEND_REF: return "ref";
    case WMEL_BACKEND_CUDA: return "cuda";
    default: return "cpu";
    }
}

const char *wmel_kernel_name(const wmel_ctx *ctx) { return ctx ? ctx->kernel_name : "none"; }
int wmel_ctx_n_mels(const wmel_ctx *ctx) { return ctx ? ctx->params.n_mels : 0; }
int wmel_ctx_n_threads(const wmel_ctx *ctx) { return ctx ? ctx->n_threads : 0; }

/* ---------------------------------------------------------------- signal access */

static float sample_at(const wmel_signal *s, size_t i)
{
    if (i >= s->n) return 0.0f;
    return s->f32 ? s->f32[i] : (float)s->s16[i] * (1.0f / 32768.0f);
}

int wmel__signal_span(const wmel_signal *s, size_t p0, size_t count, float *dst)
{
    const long long N = (long long)(s->n + s->padding);
    int zero = 1;
    for (size_t j = 0; j < count;) {
        long long i = (long long)(p0 + j) - WMEL_PAD;
        if (i >= 0 && i < (long long)s->n) {
            /* straight run of real samples */
            size_t run = s->n - (size_t)i;
            if (run > count - j) run = count - j;
            if (s->f32) {
                memcpy(dst + j, s->f32 + i, run * sizeof(float));
            } else {
                for (size_t r = 0; r < run; r++)
                    dst[j + r] = (float)s->s16[(size_t)i + r] * (1.0f / 32768.0f);
            }
            for (size_t r = 0; r < run && zero; r++) zero = dst[j + r] == 0.0f;
            j += run;
            continue;
        }
        if (i < 0) i = -i;
        if (i >= N) i = 2 * (N - 1) - i;
        float v = sample_at(s, (size_t)i);
        dst[j] = v;
        if (v != 0.0f) zero = 0;
        j++;
    }
    return zero;
}

/* ---------------------------------------------------------------- worker pool */

/*
 * Worker threads. A CPU ctx owns one pool, its threads started on first use and joined
 * by wmel_destroy(); a call that finds it busy (another thread is computing on the
 * same ctx) makes a pool of its own for the call. The caller is always worker 0, so a
 * team of nt runs nt - 1 pool threads. Workers of one dispatch meet at team_barrier().
 */
typedef void (*team_fn)(void *arg, wmel_pool *pl, int t, int nt);

typedef struct pool_worker {
    wmel_pool *pool;
    int idx;               /* 1.. */
    unsigned long seen;    /* the last dispatch this worker looked at */
    pthread_t tid;
} pool_worker;

struct wmel_pool {
    pthread_mutex_t mu;
    pthread_cond_t wake, done, bar;
    int busy;              /* a call holds the pool */
    int quit;
    int cap;               /* most threads */
    int n_started;         /* threads running: w[0 .. n_started) */
    unsigned long gen;     /* dispatch number */
    int n_active;          /* the current dispatch's team size, caller included */
    int pending;           /* its pool threads not done yet */
    team_fn fn;
    void *arg;
    int bar_count;         /* arrived at the current barrier */
    unsigned long bar_gen;
    pool_worker w[];
};

static void *pool_main(void *p)
{
    pool_worker *w = p;
    wmel_pool *pl = w->pool;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        while (!pl->quit && pl->gen == w->seen) pthread_cond_wait(&pl->wake, &pl->mu);
        if (pl->quit) break;
        w->seen = pl->gen;
        if (w->idx >= pl->n_active) continue;
        team_fn fn = pl->fn;
        void *arg = pl->arg;
        int nt = pl->n_active;
        pthread_mutex_unlock(&pl->mu);
        fn(arg, pl, w->idx, nt);
        pthread_mutex_lock(&pl->mu);
        if (--pl->pending == 0) pthread_cond_signal(&pl->done);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

static wmel_pool *pool_new(int cap)
{
    if (cap < 1) return NULL;
    wmel_pool *pl = calloc(1, sizeof *pl + (size_t)cap * sizeof(pool_worker));
    if (!pl) return NULL;
    int ok = pthread_mutex_init(&pl->mu, NULL) == 0;
    ok = ok && pthread_cond_init(&pl->wake, NULL) == 0;
    ok = ok && pthread_cond_init(&pl->done, NULL) == 0;
    ok = ok && pthread_cond_init(&pl->bar, NULL) == 0;
    if (!ok) { /* cannot happen with glibc's default attributes */
        free(pl);
        return NULL;
    }
    pl->cap = cap;
    return pl;
}

static void pool_free(wmel_pool *pl)
{
    if (!pl) return;
    pthread_mutex_lock(&pl->mu);
    pl->quit = 1;
    pthread_cond_broadcast(&pl->wake);
    pthread_mutex_unlock(&pl->mu);
    for (int i = 0; i < pl->n_started; i++) pthread_join(pl->w[i].tid, NULL);
    pthread_cond_destroy(&pl->bar);
    pthread_cond_destroy(&pl->done);
    pthread_cond_destroy(&pl->wake);
    pthread_mutex_destroy(&pl->mu);
    free(pl);
}

/* Takes the pool for one call with up to `want` threads, starting missing ones.
 * Returns the threads available (fewer when the system refuses more), or -1 when
 * another call holds the pool. */
static int pool_acquire(wmel_pool *pl, int want)
{
    pthread_mutex_lock(&pl->mu);
    if (pl->busy) {
        pthread_mutex_unlock(&pl->mu);
        return -1;
    }
    pl->busy = 1;
    if (want > pl->cap) want = pl->cap;
    while (pl->n_started < want) {
        pool_worker *w = &pl->w[pl->n_started];
        w->pool = pl;
        w->idx = pl->n_started + 1;
        w->seen = pl->gen;
        if (pthread_create(&w->tid, NULL, pool_main, w) != 0) break;
        pl->n_started++;
    }
    int got = pl->n_started < want ? pl->n_started : want;
    pthread_mutex_unlock(&pl->mu);
    return got;
}

static void pool_release(wmel_pool *pl)
{
    pthread_mutex_lock(&pl->mu);
    pl->busy = 0;
    pthread_mutex_unlock(&pl->mu);
}

/* Runs fn(arg, pl, t, nt) for t = 0..nt-1, t = 0 on the calling thread; returns when
 * all are done. */
static void pool_run(wmel_pool *pl, team_fn fn, void *arg, int nt)
{
    pthread_mutex_lock(&pl->mu);
    pl->fn = fn;
    pl->arg = arg;
    pl->n_active = nt;
    pl->pending = nt - 1;
    pl->bar_count = 0;
    pl->gen++;
    pthread_cond_broadcast(&pl->wake);
    pthread_mutex_unlock(&pl->mu);
    fn(arg, pl, 0, nt);
    pthread_mutex_lock(&pl->mu);
    while (pl->pending > 0) pthread_cond_wait(&pl->done, &pl->mu);
    pthread_mutex_unlock(&pl->mu);
}

/* All nt workers of the dispatch wait here until the last one arrives. */
static void team_barrier(wmel_pool *pl, int nt)
{
    if (nt <= 1) return;
    pthread_mutex_lock(&pl->mu);
    unsigned long g = pl->bar_gen;
    if (++pl->bar_count == nt) {
        pl->bar_count = 0;
        pl->bar_gen++;
        pthread_cond_broadcast(&pl->bar);
    } else {
        while (pl->bar_gen == g) pthread_cond_wait(&pl->bar, &pl->mu);
    }
    pthread_mutex_unlock(&pl->mu);
}

/* Runs fn on a team of up to `want` workers (the ctx's pool, or threads of this call's
 * own when the pool is busy or absent; fewer when threads cannot be started, down to
 * the calling thread alone). Returns the team size used. */
static int team_run(const wmel_ctx *ctx, team_fn fn, void *arg, int want)
{
    wmel_pool *pl = want > 1 ? ctx->pool : NULL;
    int got = pl ? pool_acquire(pl, want - 1) : -1, own = 0;
    if (got < 0 && want > 1) {
        pl = pool_new(want - 1);
        got = pl ? pool_acquire(pl, want - 1) : -1;
        own = 1;
    }
    if (got <= 0) {
        fn(arg, NULL, 0, 1);
    } else {
        pool_run(pl, fn, arg, got + 1);
    }
    if (pl && got >= 0) pool_release(pl);
    if (own) pool_free(pl);
    return got > 0 ? got + 1 : 1;
}

/* ---------------------------------------------------------------- frame driver */

/*
 * One call's work: `batch` clips, frames [f0, f0 + nf) of each, split over the team on
 * block boundaries (worker t owns the same frame range of every clip). Phase 1 writes
 * raw log10 mel; when the output is normalised or smoothed, the workers meet at a
 * barrier (once per clip, or once per call for one max over the batch), take the max
 * from every worker's slot, and phase 2 finishes each worker's own columns in place.
 * Smoothing needs the column beside each end of a range, which the neighbour rewrites
 * in its phase 2: every worker saves its first and last raw column before the barrier.
 */
#define MAX_TEAM 256
#define SPAN_FLOATS ((WMEL_BLOCK_FRAMES - 1) * WMEL_HOP + WMEL_N_FFT)
#define SM_TILE 256 /* columns smoothed at a time: rows x SM_TILE stays in L2 */

typedef struct mel_task {
    const wmel_ctx *ctx;
    const float *f32;      /* clip b at f32 + b * pcm_stride (or s16) */
    const int16_t *s16;
    size_t n, padding, pcm_stride, batch;
    size_t f0, nf;         /* absolute frames of each clip; out column 0 is frame f0 */
    float *out;            /* clip b at out + b * clip_stride, element (m, t) at m * stride + t */
    size_t stride, clip_stride;
    int finish;            /* phase 2: normalise and/or smooth */
    int norm;              /* clamp at max - 8, (x + 4) / 4 */
    int global;            /* one max over the batch */
    int smooth;            /* 3x3 average */
    int team;              /* slots per array below (>= team size) */
    float slot_max[2][MAX_TEAM]; /* [parity of the clip][worker] */
    int slot_bad[2][MAX_TEAM];
    float *edges;          /* [slot][worker][first, last][rows] raw columns, smoothing only */
    int status[MAX_TEAM];  /* per worker, at the end */
    float max[MAX_TEAM];
    int bad[MAX_TEAM];
} mel_task;

/* Raw log10 mel of frames [f_begin, f_end) (absolute) of one clip into
 * out[m * stride + (f - f0)]. */
static void raw_range(const wmel_ctx *ctx, const wmel_signal *s, size_t f_begin, size_t f_end,
                      size_t f0, float *out, size_t stride, float *span, float *max, int *bad)
{
    wmel_block_fn fn = ctx->backend == WMEL_BACKEND_REF ? wmel__ref_block : ctx->kernel->block;
    void *scratch = span + SPAN_FLOATS; /* SPAN_FLOATS * 4 is a multiple of 64 */
    WMEL_ROWTAIL(scratch)->rows = 0;
    for (size_t f = f_begin; f < f_end; f += WMEL_BLOCK_FRAMES) {
        size_t nb = f_end - f < WMEL_BLOCK_FRAMES ? f_end - f : WMEL_BLOCK_FRAMES;
        size_t p0 = f * WMEL_HOP, count = (nb - 1) * WMEL_HOP + WMEL_N_FFT;
        float *o = out + (f - f0);
        const float *x;
        if (s->f32 && p0 >= WMEL_PAD && p0 - WMEL_PAD + count <= s->n) {
            x = s->f32 + (p0 - WMEL_PAD);
        } else if (wmel__signal_span(s, p0, count, span)) {
            /* digital silence: every mel value is the floor */
            for (int m = 0; m < ctx->plan.n_mels; m++)
                for (size_t t = 0; t < nb; t++) o[(size_t)m * stride + t] = WMEL_LOG_FLOOR_LOG10;
            if (WMEL_LOG_FLOOR_LOG10 > *max) *max = WMEL_LOG_FLOOR_LOG10;
            continue;
        } else {
            x = span;
        }
        float m = fn(&ctx->plan, x, nb, o, stride, scratch, bad);
        if (m > *max) *max = m;
    }
    wmel__rowtail_flush(WMEL_ROWTAIL(scratch));
}

/* The normalisation of wmel_normalize(), one value. */
static inline float norm1(float x, float lo)
{
    float v = x < lo ? lo : x;
    return (v + 4.0f) * 0.25f;
}

/* Horizontal 3-sums of one row of a tile, as wmel_smooth3x3 forms them: s[0] is the
 * column left of the tile (0 beyond the edge), s[1..w] the tile, s[w + 1] the column
 * right of it; the values are finished (normalised) already. */
static void hsum(const float *s, size_t w, double *h)
{
    for (size_t j = 0; j < w; j++) h[j] = (double)s[j] + (double)s[j + 1] + (double)s[j + 2];
}

/* Finishes columns [fb, fe) of one clip o[rows][stride] (nf columns in all) in place:
 * normalisation with max mx when norm, and the 3x3 average when smooth, bit-identical
 * to wmel_normalize() followed by wmel_smooth3x3() on the whole clip. left / right: the
 * raw columns fb - 1 and fe (unused at the clip's edges). sm: smoothing scratch. */
static void finish_cols(const mel_task *k, float *o, size_t fb, size_t fe, float mx,
                        const float *left, const float *right, void *sm)
{
    const size_t rows = (size_t)k->ctx->params.n_mels, stride = k->stride;
    const float lo = mx - 8.0f;
    if (!k->smooth) {
        if (k->norm)
            for (size_t r = 0; r < rows; r++)
                k->ctx->kernel->normalize(o + r * stride + fb, fe - fb, mx);
        return;
    }
    double *hp = sm, *hc = hp + SM_TILE, *hn = hc + SM_TILE;
    float *srow = (float *)(hn + SM_TILE); /* SM_TILE + 2 */
    float *carry = srow + SM_TILE + 2;     /* rows: the finished column left of the tile */
    for (size_t r = 0; r < rows; r++)
        carry[r] = fb == 0 ? 0.0f : k->norm ? norm1(left[r], lo) : left[r];
    for (size_t c0 = fb; c0 < fe; c0 += SM_TILE) {
        const size_t w = fe - c0 < SM_TILE ? fe - c0 : SM_TILE, c1 = c0 + w;
        /* the finished tile row r, with its neighbours, into srow; its horizontal sums
           into h. Column c1 is still raw: either this range's next tile, or saved. */
#define LOAD_ROW(r, h)                                                                        \
    do {                                                                                      \
        const float *src_ = o + (r) * stride + c0;                                            \
        float rv_ = c1 < fe ? src_[w] : c1 < k->nf ? right[r] : 0.0f;                         \
        srow[0] = carry[r];                                                                   \
        if (k->norm) {                                                                        \
            for (size_t j_ = 0; j_ < w; j_++) srow[j_ + 1] = norm1(src_[j_], lo);             \
            srow[w + 1] = c1 < k->nf ? norm1(rv_, lo) : 0.0f;                                 \
        } else {                                                                              \
            memcpy(srow + 1, src_, w * sizeof(float));                                        \
            srow[w + 1] = rv_;                                                                \
        }                                                                                     \
        carry[r] = srow[w];                                                                   \
        hsum(srow, w, h);                                                                     \
    } while (0)
        memset(hp, 0, w * sizeof(double));
        LOAD_ROW(0, hc);
        if (rows > 1) LOAD_ROW(1, hn);
        else memset(hn, 0, w * sizeof(double));
        for (size_t r = 0; r < rows; r++) {
            float *dst = o + r * stride + c0;
            for (size_t j = 0; j < w; j++) dst[j] = (float)((hp[j] + hc[j] + hn[j]) / 9.0);
            double *t = hp;
            hp = hc;
            hc = hn;
            hn = t;
            if (r + 2 < rows) LOAD_ROW(r + 2, hn);
            else memset(hn, 0, w * sizeof(double));
        }
#undef LOAD_ROW
    }
}

static size_t sm_bytes(size_t rows)
{
    return 3 * SM_TILE * sizeof(double) + (SM_TILE + 2 + rows) * sizeof(float);
}

static float *edge_at(const mel_task *k, size_t slot, int t, int side)
{
    size_t rows = (size_t)k->ctx->params.n_mels;
    return k->edges + ((slot * (size_t)k->team + (size_t)t) * 2 + (size_t)side) * rows;
}

/* Saves this worker's first and last raw column of clip o for its neighbours. */
static void save_edges(const mel_task *k, size_t slot, int t, const float *o, size_t fb,
                       size_t fe)
{
    size_t rows = (size_t)k->ctx->params.n_mels;
    float *first = edge_at(k, slot, t, 0), *last = edge_at(k, slot, t, 1);
    for (size_t r = 0; r < rows; r++) {
        first[r] = o[r * k->stride + fb];
        last[r] = o[r * k->stride + fe - 1];
    }
}

/* Phase 2 of one clip for worker t: the neighbours' saved columns, then finish. */
static void finish_clip(const mel_task *k, size_t b, size_t slot, int t, int nt, size_t fb,
                        size_t fe, float mx, void *sm)
{
    const float *left = NULL, *right = NULL;
    if (k->smooth && nt > 1) {
        if (t > 0) left = edge_at(k, slot, t - 1, 1);
        if (t + 1 < nt) right = edge_at(k, slot, t + 1, 0);
    }
    finish_cols(k, k->out + b * k->clip_stride, fb, fe, mx, left, right, sm);
}

static void mel_worker(void *arg, wmel_pool *pl, int t, int nt)
{
    mel_task *k = arg;
    const size_t nblocks = (k->nf + WMEL_BLOCK_FRAMES - 1) / WMEL_BLOCK_FRAMES;
    const size_t b0 = nblocks * (size_t)t / (size_t)nt, b1 = nblocks * (size_t)(t + 1) / (size_t)nt;
    const size_t fb = b0 * WMEL_BLOCK_FRAMES; /* columns [fb, fe): never empty */
    const size_t fe = b1 * WMEL_BLOCK_FRAMES < k->nf ? b1 * WMEL_BLOCK_FRAMES : k->nf;
    const int edges = k->smooth && nt > 1;
    float *span = wmel__aligned_alloc(SPAN_FLOATS * sizeof(float) + WMEL_KERNEL_SCRATCH);
    void *sm = k->smooth ? malloc(sm_bytes((size_t)k->ctx->params.n_mels)) : NULL;
    int err = !span || (k->smooth && !sm) ? WMEL_ERR_NO_MEMORY : WMEL_OK;
    float wmax = -1e30f;
    int wbad = 0;
    /* every worker passes the same barriers whatever happens, so none waits forever */
    for (size_t b = 0; b < k->batch; b++) {
        wmel_signal s = {k->f32 ? k->f32 + b * k->pcm_stride : NULL,
                         k->s16 ? k->s16 + b * k->pcm_stride : NULL, k->n, k->padding};
        float *o = k->out + b * k->clip_stride;
        float cmax = -1e30f;
        int cbad = 0;
        if (!err)
            raw_range(k->ctx, &s, k->f0 + fb, k->f0 + fe, k->f0, o, k->stride, span, &cmax, &cbad);
        if (cmax > wmax) wmax = cmax;
        wbad |= cbad;
        if (!k->finish) continue;
        if (k->global) {
            if (edges && !err) save_edges(k, b, t, o, fb, fe);
            continue;
        }
        /* one clip at a time; the slots alternate so that a worker already on the next
           clip cannot overwrite what a slower one still reads */
        const int par = (int)(b & 1);
        k->slot_max[par][t] = cmax;
        k->slot_bad[par][t] = err || cbad;
        if (edges && !err) save_edges(k, (size_t)par, t, o, fb, fe);
        team_barrier(pl, nt);
        float mx = -1e30f;
        int any = 0;
        for (int i = 0; i < nt; i++) {
            if (k->slot_max[par][i] > mx) mx = k->slot_max[par][i];
            any |= k->slot_bad[par][i];
        }
        if (!any) finish_clip(k, b, (size_t)par, t, nt, fb, fe, mx, sm);
    }
    if (k->finish && k->global) {
        k->slot_max[0][t] = wmax;
        k->slot_bad[0][t] = err || wbad;
        team_barrier(pl, nt);
        float mx = -1e30f;
        int any = 0;
        for (int i = 0; i < nt; i++) {
            if (k->slot_max[0][i] > mx) mx = k->slot_max[0][i];
            any |= k->slot_bad[0][i];
        }
        for (size_t b = 0; b < k->batch && !any; b++) finish_clip(k, b, b, t, nt, fb, fe, mx, sm);
    }
    free(sm);
    wmel__aligned_free(span);
    k->status[t] = err;
    k->max[t] = wmax;
    k->bad[t] = wbad;
}

/* Runs a task on up to n_threads workers; stores the max of the raw values. */
static int run_task(mel_task *k, int n_threads, float *max_out)
{
    size_t per_min = 2 * WMEL_BLOCK_FRAMES; /* below this a thread costs more than it saves */
    size_t nt = (size_t)(n_threads > 0 ? n_threads : 1);
    if (nt > MAX_TEAM) nt = MAX_TEAM;
    if (nt > (k->nf + per_min - 1) / per_min) nt = (k->nf + per_min - 1) / per_min;
    if (nt < 1) nt = 1;
    k->team = (int)nt;
    k->edges = NULL;
    if (k->smooth && nt > 1) {
        size_t slots = k->finish && k->global ? k->batch : 2;
        size_t per = nt * 2 * (size_t)k->ctx->params.n_mels;
        if (slots > SIZE_MAX / sizeof(float) / per) return WMEL_ERR_OVERFLOW;
        k->edges = malloc(slots * per * sizeof(float));
        if (!k->edges) return WMEL_ERR_NO_MEMORY;
    }
    int used = team_run(k->ctx, mel_worker, k, (int)nt);
    free(k->edges);
    k->edges = NULL;
    float mx = -1e30f;
    int bad = 0;
    for (int t = 0; t < used; t++) {
        if (k->status[t] != WMEL_OK) return k->status[t];
        if (k->max[t] > mx) mx = k->max[t];
        bad |= k->bad[t];
    }
    if (bad) return WMEL_ERR_NOT_FINITE;
    if (max_out) *max_out = mx;
    return WMEL_OK;
}

int wmel__raw_frames(const wmel_ctx *ctx, const wmel_signal *s, size_t f0, size_t nf,
                     float *out, size_t stride, float *max_out, int n_threads)
{
    mel_task *k = calloc(1, sizeof *k);
    if (!k) return WMEL_ERR_NO_MEMORY;
    k->ctx = ctx;
    k->f32 = s->f32;
    k->s16 = s->s16;
    k->n = s->n;
    k->padding = s->padding;
    k->batch = 1;
    k->f0 = f0;
    k->nf = nf;
    k->out = out;
    k->stride = stride;
    int rc = run_task(k, n_threads, max_out);
    free(k);
    return rc;
}

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
    if (!pcm && n) return WMEL_ERR_NULL_POINTER;
    if (padding > SIZE_MAX / 4 - n) return WMEL_ERR_OVERFLOW;
    if (n + padding <= WMEL_PAD) return WMEL_ERR_TOO_SHORT;
    return WMEL_OK;
}

static int need_out(const wmel_ctx *ctx, size_t clips, size_t nf, const float *out,
                    size_t out_len)
{
    size_t per = (size_t)ctx->params.n_mels * nf;
    if (nf && per / nf != (size_t)ctx->params.n_mels) return WMEL_ERR_OVERFLOW;
    if (clips && per > SIZE_MAX / clips) return WMEL_ERR_OVERFLOW;
    if (!out && per && clips) return WMEL_ERR_NULL_POINTER;
    if (out_len < per * clips) return WMEL_ERR_BUFFER_TOO_SMALL;
    return WMEL_OK;
}

/* A task for whole clips of the ctx's output: normalised per clip or over the batch,
 * smoothed, as the ctx's params say. */
static int run_clips(wmel_ctx *ctx, const float *f32, const int16_t *s16, size_t batch,
                     size_t n, size_t pcm_stride, size_t padding, int batch_norm, float *out)
{
    mel_task *k = calloc(1, sizeof *k);
    if (!k) return WMEL_ERR_NO_MEMORY;
    const size_t nf = wmel_n_frames(n, padding);
    k->ctx = ctx;
    k->f32 = f32;
    k->s16 = s16;
    k->n = n;
    k->padding = padding;
    k->pcm_stride = pcm_stride;
    k->batch = batch;
    k->nf = nf;
    k->out = out;
    k->stride = nf;
    k->clip_stride = (size_t)ctx->params.n_mels * nf;
    k->norm = ctx->params.norm == WMEL_NORM_WHOLE;
    k->smooth = ctx->params.smooth == WMEL_SMOOTH_3X3;
    k->finish = k->norm || k->smooth;
    k->global = k->norm && batch_norm == WMEL_BATCH_GLOBAL && batch > 1;
    int rc = run_task(k, ctx->n_threads, NULL);
    free(k);
    return rc;
}

static int log_mel_signal(wmel_ctx *ctx, const wmel_signal *s, float *out, size_t out_len)
{
    size_t nf = wmel_n_frames(s->n, s->padding);
    int rc = need_out(ctx, 1, nf, out, out_len);
    if (rc) return rc;
#ifdef WMEL_HAVE_CUDA
    if (ctx->backend == WMEL_BACKEND_CUDA) { /* per-op fallback: FALLBACK runs it below */
        rc = wmel__cuda_host(ctx, s->f32, s->s16, 1, s->n, s->n, s->padding, WMEL_BATCH_PER_CLIP,
                             out, out_len, s->f32 ? WMEL_OP_LOG_MEL : WMEL_OP_LOG_MEL_S16);
        if (rc != WMEL__CUDA_FALLBACK) return rc;
    }
#endif
    return run_clips(ctx, s->f32, s->s16, 1, s->n, s->n, s->padding, WMEL_BATCH_PER_CLIP, out);
}

int wmel_log_mel(wmel_ctx *ctx, const float *pcm, size_t n_samples, size_t padding,
                 float *out, size_t out_len)
{
    int rc = check_ctx(ctx, n_samples, padding, pcm);
    if (rc) return rc;
    wmel_signal s = {pcm, NULL, n_samples, padding};
    return log_mel_signal(ctx, &s, out, out_len);
}

int wmel_log_mel_s16(wmel_ctx *ctx, const int16_t *pcm, size_t n_samples, size_t padding,
                     float *out, size_t out_len)
{
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
    if (batch > 1 && pcm_stride > SIZE_MAX / (batch - 1)) return WMEL_ERR_OVERFLOW;
    int rc = check_ctx(ctx, n_samples, padding, pcm);
    if (rc) return rc;
    size_t nf = wmel_n_frames(n_samples, padding);
    rc = need_out(ctx, batch, nf, out, out_len);
    if (rc) return rc;
#ifdef WMEL_HAVE_CUDA
    if (ctx->backend == WMEL_BACKEND_CUDA) { /* per-op fallback: FALLBACK runs it below */
        rc = wmel__cuda_host(ctx, pcm, NULL, batch, n_samples, pcm_stride, padding, batch_norm,
                             out, out_len, WMEL_OP_LOG_MEL_BATCH);
        if (rc != WMEL__CUDA_FALLBACK) return rc;
    }
#endif
    return run_clips(ctx, pcm, NULL, batch, n_samples, pcm_stride, padding, batch_norm, out);
}

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
    case WMEL_ERR_TOO_SHORT: return "input too short: samples + padding must exceed 200 (n_fft/2) for reflect padding";
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
