/*
 * frames.c -- the frame driver under every CPU entry point: reflect padding, blocks of
 * WMEL_BLOCK_FRAMES frames through the ctx's kernel on a team of workers (pool.c), and
 * the finishing pass of openai-whisper's log_mel_spectrogram() -- the clamp at max - 8,
 * (x + 4) / 4 -- fused with the optional 3x3 average (bit-identical to wmel_normalize()
 * then wmel_smooth3x3()).
 */
#include "internal.h"
#include "fe/fe.h"
#include "pool.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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
    struct wmel_scratch *cache; /* the ctx's buffers, held by this call; NULL: allocate */
    size_t chunk_frames, chunks; /* phase 1: chunks of chunk_frames frames, per clip */
    int per_clip;          /* a barrier after each clip (per-clip normalisation) */
    size_t next[2];        /* atomic chunk counters (see chunk_next) */
} mel_task;

/* Bytes of one worker's buffer: the span of samples, the kernel's scratch, and the
 * smoothing scratch for the most rows. */
#define WORKER_BYTES                                                                      \
    (((SPAN_FLOATS * sizeof(float) + WMEL_KERNEL_SCRATCH + 3 * SM_TILE * sizeof(double) + \
       (SM_TILE + 2 + WMEL_MAX_MELS) * sizeof(float)) + 63) & ~(size_t)63)

/*
 * The ctx's buffers kept between calls (allocating each worker's 140 KB and its task at
 * every call costs a fresh mapping and page faults). One call at a time holds them; a
 * call that finds them held (another thread on the same ctx) allocates its own. Worker
 * t's buffer is allocated, and first touched, by worker t.
 */
struct wmel_scratch {
    int held;                 /* atomic: a call holds the cache */
    mel_task task;
    void *buf[MAX_TEAM];      /* worker t's WORKER_BYTES, or NULL until its first use */
};

wmel_scratch *wmel__scratch_new(void) { return calloc(1, sizeof(wmel_scratch)); }

void wmel__scratch_free(wmel_scratch *c)
{
    if (!c) return;
    for (int t = 0; t < MAX_TEAM; t++) wmel__aligned_free(c->buf[t]);
    free(c);
}

/* The ctx's task (and buffers) when free, else a task of this call's own; NULL when out
 * of memory. */
static mel_task *task_take(const wmel_ctx *ctx)
{
    wmel_scratch *c = ctx->scratch;
    if (c && !__atomic_exchange_n(&c->held, 1, __ATOMIC_ACQUIRE)) {
        mel_task *k = &c->task;
        memset(k, 0, offsetof(mel_task, slot_max)); /* the rest is written before read */
        k->cache = c;
        return k;
    }
    return calloc(1, sizeof(mel_task));
}

static void task_give(mel_task *k)
{
    if (k->cache) __atomic_store_n(&k->cache->held, 0, __ATOMIC_RELEASE);
    else free(k);
}

/* Raw log10 mel of frames [f_begin, f_end) (absolute) of one clip into
 * out[m * stride + (f - f0)]. */
static void raw_range(const wmel_ctx *ctx, const wmel_signal *s, size_t f_begin, size_t f_end,
                      size_t f0, float *out, size_t stride, float *span, float *max, int *bad)
{
    wmel_block_fn fn = ctx->block;
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
            for (int m = 0; m < ctx->params.n_mels; m++)
                for (size_t t = 0; t < nb; t++) o[(size_t)m * stride + t] = WMEL_LOG_FLOOR_LOG10;
            if (WMEL_LOG_FLOOR_LOG10 > *max) *max = WMEL_LOG_FLOOR_LOG10;
            continue;
        } else {
            x = span;
        }
        float m = fn(ctx->fe->pfa400, x, nb, o, stride, scratch, bad);
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

static float *edge_at(const mel_task *k, size_t slot, int t, int side)
{
    size_t rows = (size_t)k->ctx->params.n_mels;
    return k->edges + ((slot * (size_t)k->team + (size_t)t) * 2 + (size_t)side) * rows;
}

/* Worker t's columns [*fb, *fe) of each clip in phase 2 (and its edges): block-aligned
 * shares, never empty. */
static void share(const mel_task *k, int t, int nt, size_t *fb, size_t *fe)
{
    const size_t nblocks = (k->nf + WMEL_BLOCK_FRAMES - 1) / WMEL_BLOCK_FRAMES;
    const size_t b0 = nblocks * (size_t)t / (size_t)nt, b1 = nblocks * (size_t)(t + 1) / (size_t)nt;
    *fb = b0 * WMEL_BLOCK_FRAMES;
    *fe = b1 * WMEL_BLOCK_FRAMES < k->nf ? b1 * WMEL_BLOCK_FRAMES : k->nf;
}

/* After columns [c0, c1) of clip o are raw: the first and last column of every share that
 * falls in them, saved for the share's neighbours (they read them in phase 2, after the
 * share's owner may have finished them in place). */
static void save_edges(const mel_task *k, size_t slot, int nt, const float *o, size_t c0,
                       size_t c1)
{
    const size_t rows = (size_t)k->ctx->params.n_mels;
    for (int u = 0; u < nt; u++) {
        size_t fb, fe;
        share(k, u, nt, &fb, &fe);
        if (fb >= c1 || fe <= c0) continue;
        if (fb >= c0) {
            float *first = edge_at(k, slot, u, 0);
            for (size_t r = 0; r < rows; r++) first[r] = o[r * k->stride + fb];
        }
        if (fe <= c1) {
            float *last = edge_at(k, slot, u, 1);
            for (size_t r = 0; r < rows; r++) last[r] = o[r * k->stride + fe - 1];
        }
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

/*
 * Phase 1 (raw log10 mel) is shared out dynamically: the workers take chunks of blocks
 * from a counter, so that a worker slowed down (its core shared with another process)
 * leaves its chunks to the others instead of holding the call up; with fixed halves, two
 * threads on a machine with one core partly busy ran no faster than one. Phase 2 keeps
 * fixed shares (it is a short streaming pass).
 *
 * Counters: one over every (clip, chunk) when no barrier parts the clips; otherwise one
 * per clip parity. Each worker overshoots a clip's counter exactly once, so clip b's
 * chunks start at (b / 2) * (chunks + nt) on counter b % 2.
 */
static int chunk_next(mel_task *k, size_t b, int nt, size_t *c)
{
    if (!k->per_clip) {
        size_t g = __atomic_fetch_add(&k->next[0], 1, __ATOMIC_RELAXED);
        if (g >= k->batch * k->chunks) return 0;
        *c = g;
        return 1;
    }
    size_t base = (b / 2) * (k->chunks + (size_t)nt);
    size_t g = __atomic_fetch_add(&k->next[b & 1], 1, __ATOMIC_RELAXED) - base;
    if (g >= k->chunks) return 0;
    *c = b * k->chunks + g;
    return 1;
}

/* Raw values of chunk g (clip g / chunks) into the output; its edges when smoothing. */
static void raw_chunk(mel_task *k, size_t g, int nt, float *span, float *max, int *bad)
{
    const size_t b = g / k->chunks, c = g % k->chunks;
    const size_t f0 = c * k->chunk_frames;
    const size_t f1 = f0 + k->chunk_frames < k->nf ? f0 + k->chunk_frames : k->nf;
    wmel_signal s = {k->f32 ? k->f32 + b * k->pcm_stride : NULL,
                     k->s16 ? k->s16 + b * k->pcm_stride : NULL, k->n, k->padding};
    float *o = k->out + b * k->clip_stride;
    raw_range(k->ctx, &s, k->f0 + f0, k->f0 + f1, k->f0, o, k->stride, span, max, bad);
    if (k->smooth && nt > 1) save_edges(k, k->global ? b : (b & 1), nt, o, f0, f1);
}

static void mel_worker(void *arg, wmel_pool *pl, int t, int nt)
{
    mel_task *k = arg;
    size_t fb, fe;
    share(k, t, nt, &fb, &fe);
    if (k->batch && k->nf) { /* every chunk writes every row: each worker maps its share */
        const size_t rows = (size_t)k->ctx->params.n_mels;
        wmel__populate_share(k->out, sizeof(float) * ((k->batch - 1) * k->clip_stride + (rows - 1) * k->stride + k->nf), t, nt);
    }
    void *buf = k->cache ? k->cache->buf[t] : NULL;
    if (!buf) buf = wmel__aligned_alloc(WORKER_BYTES);
    if (k->cache && !k->cache->buf[t]) k->cache->buf[t] = buf; /* kept for the next call */
    float *span = buf;
    void *sm = buf ? (char *)buf + SPAN_FLOATS * sizeof(float) + WMEL_KERNEL_SCRATCH : NULL;
    int err = !buf ? WMEL_ERR_NO_MEMORY : WMEL_OK;
    float wmax = -1e30f;
    int wbad = 0;
    size_t g;
    if (!k->per_clip) { /* every chunk of every clip, then (global max) one barrier */
        while (chunk_next(k, 0, nt, &g))
            if (!err) raw_chunk(k, g, nt, span, &wmax, &wbad);
    }
    /* every worker passes the same barriers whatever happens, so none waits forever */
    for (size_t b = 0; b < k->batch && k->per_clip; b++) {
        float cmax = -1e30f;
        int cbad = 0;
        while (chunk_next(k, b, nt, &g))
            if (!err) raw_chunk(k, g, nt, span, &cmax, &cbad);
        if (cmax > wmax) wmax = cmax;
        wbad |= cbad;
        /* one clip at a time; the slots alternate so that a worker already on the next
           clip cannot overwrite what a slower one still reads */
        const int par = (int)(b & 1);
        k->slot_max[par][t] = cmax;
        k->slot_bad[par][t] = err || cbad;
        wmel__team_barrier(pl, nt);
        float mx = -1e30f;
        int any = 0;
        for (int i = 0; i < nt; i++) {
            if (k->slot_max[par][i] > mx) mx = k->slot_max[par][i];
            any |= k->slot_bad[par][i];
        }
        mx = wmel__fe_whole_max(&k->ctx->fe->p, mx);
        if (!any) finish_clip(k, b, (size_t)par, t, nt, fb, fe, mx, sm);
    }
    if (k->finish && k->global) {
        k->slot_max[0][t] = wmax;
        k->slot_bad[0][t] = err || wbad;
        wmel__team_barrier(pl, nt);
        float mx = -1e30f;
        int any = 0;
        for (int i = 0; i < nt; i++) {
            if (k->slot_max[0][i] > mx) mx = k->slot_max[0][i];
            any |= k->slot_bad[0][i];
        }
        mx = wmel__fe_whole_max(&k->ctx->fe->p, mx);
        for (size_t b = 0; b < k->batch && !any; b++) finish_clip(k, b, b, t, nt, fb, fe, mx, sm);
    }
    if (!k->cache) wmel__aligned_free(buf);
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
    /* phase 1's chunks: about 8 per worker, whole blocks, at most 16 blocks (~10 s) */
    const size_t nblocks = (k->nf + WMEL_BLOCK_FRAMES - 1) / WMEL_BLOCK_FRAMES;
    size_t cb = nt > 1 ? nblocks / (8 * nt) : nblocks;
    if (cb > 16 && nt > 1) cb = 16;
    if (cb < 1) cb = 1;
    k->chunk_frames = cb * WMEL_BLOCK_FRAMES;
    k->chunks = (nblocks + cb - 1) / cb;
    k->per_clip = k->finish && !k->global;
    k->next[0] = k->next[1] = 0;
    int used = wmel__team_run(k->ctx->pool, mel_worker, k, (int)nt);
    free(k->edges);
    k->edges = NULL;
    float mx = -1e30f;
    int bad = 0;
    for (int t = 0; t < used; t++) {
        if (k->status[t] != WMEL_OK) return k->status[t];
        if (k->max[t] > mx) mx = k->max[t];
        bad |= k->bad[t];
    }
    if (bad) return wmel__bad_status(k->f32, k->batch, k->n, k->pcm_stride, k->f0, k->nf);
    if (max_out) *max_out = mx;
    return WMEL_OK;
}

int wmel__bad_status(const float *f32, size_t batch, size_t n, size_t stride, size_t f0, size_t nf)
{
    if (!f32) return WMEL_ERR_NOT_FINITE;
    /* frame t reads samples [t * hop - n_fft / 2, t * hop + n_fft / 2), reflections included */
    size_t lo = f0 * WMEL_HOP > WMEL_N_FFT / 2 ? f0 * WMEL_HOP - WMEL_N_FFT / 2 : 0;
    size_t hi = nf ? (f0 + nf - 1) * WMEL_HOP + WMEL_N_FFT / 2 : 0;
    if (hi > n) hi = n;
    for (size_t b = 0; b < batch; b++)
        for (size_t i = lo; i < hi; i++)
            if (!isfinite(f32[b * stride + i])) return WMEL_ERR_NOT_FINITE;
    return WMEL_ERR_SAMPLE_RANGE;
}

int wmel__raw_frames(const wmel_ctx *ctx, const wmel_signal *s, size_t f0, size_t nf,
                     float *out, size_t stride, float *max_out, int n_threads)
{
    mel_task *k = task_take(ctx);
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
    task_give(k);
    return rc;
}

int wmel__raw_frames_here(const wmel_ctx *ctx, const wmel_signal *s, size_t f0, size_t nf,
                          float *out, size_t stride, void *work, float *max_out)
{
    float mx = -1e30f;
    int bad = 0;
    if (nf) raw_range(ctx, s, f0, f0 + nf, f0, out, stride, work, &mx, &bad);
    if (bad) return wmel__bad_status(s->f32, 1, s->n, 0, f0, nf);
    *max_out = mx;
    return WMEL_OK;
}

int wmel__snip_frames_here(const wmel_ctx *ctx, const float *x, size_t n, long long off, size_t f0,
                           size_t nf, float *out, size_t stride, void *work, float *max_out)
{
    float mx = -1e30f;
    int bad = 0;
    if (!nf) {
        *max_out = mx;
        return WMEL_OK;
    }
    const long long first = (long long)(f0 * WMEL_HOP) + off;
    if (first < 0 || (size_t)first > n || n - (size_t)first < WMEL_N_FFT ||
        nf - 1 > (n - (size_t)first - WMEL_N_FFT) / WMEL_HOP)
        return WMEL_ERR_INVALID_ARG; /* cannot happen: the snip count keeps every frame inside */
    wmel_block_fn fn = ctx->block;
    void *scratch = (float *)work + SPAN_FLOATS;
    WMEL_ROWTAIL(scratch)->rows = 0;
    for (size_t f = f0; f < f0 + nf; f += WMEL_BLOCK_FRAMES) {
        const size_t nb = f0 + nf - f < WMEL_BLOCK_FRAMES ? f0 + nf - f : WMEL_BLOCK_FRAMES;
        float m = fn(ctx->fe->pfa400, x + (size_t)first + (f - f0) * WMEL_HOP, nb, out + (f - f0), stride,
                     scratch, &bad);
        if (m > mx) mx = m;
    }
    wmel__rowtail_flush(WMEL_ROWTAIL(scratch));
    if (bad) { /* a sample the frames read is not finite, else one so large that the float32
                  power or mel sums overflow (wmel__bad_status's rule) */
        const size_t hi = (size_t)first + (nf - 1) * WMEL_HOP + WMEL_N_FFT;
        return wmel__all_finite(x + first, hi - (size_t)first) ? WMEL_ERR_SAMPLE_RANGE : WMEL_ERR_NOT_FINITE;
    }
    *max_out = mx;
    return WMEL_OK;
}

int wmel__pfa_finish(const wmel_ctx *ctx, float *out, size_t nf, float mx, int normed)
{
    const size_t nm = (size_t)ctx->params.n_mels, per = nm * nf;
    if (ctx->params.norm == WMEL_NORM_WHOLE && !normed) ctx->kernel->normalize(out, per, mx);
    /* in place: wmel_smooth3x3 keeps the rows it still reads */
    if (ctx->params.smooth == WMEL_SMOOTH_3X3 && per) return wmel_smooth3x3(out, nm, nf, out, per);
    return WMEL_OK;
}

int wmel__frames_clips(const wmel_ctx *ctx, const wmel_clips *c)
{
    mel_task *k = task_take(ctx);
    if (!k) return WMEL_ERR_NO_MEMORY;
    const size_t nf = wmel_n_frames(c->n, c->padding);
    k->ctx = ctx;
    k->f32 = c->f32;
    k->s16 = c->s16;
    k->n = c->n;
    k->padding = c->padding;
    k->pcm_stride = c->pcm_stride;
    k->batch = c->batch;
    k->nf = nf;
    k->out = c->out;
    k->stride = nf;
    k->clip_stride = (size_t)ctx->params.n_mels * nf;
    k->norm = ctx->params.norm == WMEL_NORM_WHOLE;
    k->smooth = ctx->params.smooth == WMEL_SMOOTH_3X3;
    k->finish = k->norm || k->smooth;
    k->global = k->norm && c->batch_norm == WMEL_BATCH_GLOBAL && c->batch > 1;
    int rc = run_task(k, ctx->n_threads, NULL);
    task_give(k);
    return rc;
}
