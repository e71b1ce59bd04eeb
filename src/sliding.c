/*
 * sliding.c -- the log-Mel features of a sliding audio buffer (samples pushed at the end,
 * trimmed at the front, as streaming transcribers hold them), bit-identical to
 * wmel_log_mel() of the buffer's current samples, at the cost of the new audio.
 *
 * Frame i of a buffer of n samples is centred on buffer sample 160 i and reads samples
 * [160 i - 200, 160 i + 200), reflected at both ends (torch.stft center=True). A frame
 * with i >= 2 and 160 i + 200 <= n reads no reflection and no padding: its raw log10 mel
 * depends only on those 400 samples, so it is computed once and kept (the cache) while
 * it stays such an interior frame. Pushing samples makes new frames interior; trimming
 * a multiple of 160 samples renumbers the cached frames (frame i becomes frame
 * i - trim / 160) and drops the ones that now touch the start. Trimming any other
 * count moves every frame centre off the cached grid: the cache is dropped and the
 * next call recomputes the buffer (counted in wmel_sliding_stats).
 *
 * features() computes, on the calling thread, the frames that became interior since the
 * last call, the two first frames (start reflection), the frames that reach the end of
 * the samples (end reflection, padding), and fills the frames that read only padding
 * zeros with the kernel's value for silence; then one pass writes the cached columns
 * and normalises (max - 8, (x + 4) / 4) with the max of the per-frame maxima, which is
 * kept as frames come and go. Every frame goes through the ctx's kernel by the frame
 * driver's own block loop (frames.c), so the values are those of the offline call.
 *
 * view() keeps that output instead ([rows][v_cap], frame i at column v_off + i): a trim by
 * a multiple of 160 advances v_off, the trimmed front is reclaimed in place (or the store
 * grows 1.5x) when a call needs the room, and each call writes the columns of the frames
 * that became interior since the last view and the edge frames; the kept columns are
 * normalised again from the cache only when the buffer's max differs from the one they
 * were normalised with (stats.renorms). features() leaves the view alone.
 */
#include "internal.h"
#include "fe/fe_live.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MIN_FRAMES 256   /* smallest cache, in frames */
#define MIN_SAMPLES 16000

struct wmel_sliding {
    wmel_ctx *ctx;
    size_t rows;
    float *pcm;             /* samples [p_off, p_off + p_len) of pcm[p_cap] */
    size_t p_off, p_len, p_cap;
    float *cache;           /* [rows][c_cap]: column c_off + j is frame c_first + j */
    float *fmax;            /* [c_cap]: each cached frame's largest value */
    size_t c_cap, c_off, c_first, c_n;
    float cmax;             /* largest value of the cached frames */
    int cmax_stale;         /* the frame holding cmax was dropped: rescan fmax */
    int silence_ok;         /* the kernel gives WMEL_LOG_FLOOR_LOG10 on silence */
    void *work;             /* WMEL_RAW_WORK_BYTES */
    wmel_fe_slide *fs;      /* a ctx from another plan: its frame cache (fe_live.c) */
    float *view;            /* [rows][v_cap]: column v_off + i is frame i as wmel_log_mel()
                               writes it (wmel_sliding_view); allocated on first use */
    size_t v_cap, v_off;
    float *pview;           /* a plan's wmel_sliding_view(): its wmel_sliding_features() */
    size_t pv_cap;
    size_t v_n;             /* cached frames [2, 2 + v_n) are finished in view with v_max */
    float v_max;
    wmel_sliding_stats stats;
};

static void stats_bytes(wmel_sliding *b)
{
    if (b->fs) {
        b->stats.bytes = sizeof *b + b->p_cap * sizeof(float) + wmel__fe_slide_bytes(b->fs) +
                         b->pv_cap * sizeof(float);
        return;
    }
    b->stats.bytes = sizeof *b + b->p_cap * sizeof(float) +
                     b->c_cap * (b->rows + 1) * sizeof(float) + WMEL_RAW_WORK_BYTES +
                     b->v_cap * b->rows * sizeof(float);
}

void wmel_sliding_destroy(wmel_sliding *b)
{
    if (!b) return;
    free(b->pcm);
    free(b->cache);
    free(b->fmax);
    free(b->view);
    free(b->pview);
    wmel__aligned_free(b->work);
    wmel__fe_slide_free(b->fs);
    free(b);
}

wmel_sliding *wmel_sliding_create(wmel_ctx *ctx, int *status)
{
    int st = WMEL_OK;
    wmel_sliding *b = NULL;
    if (!ctx) {
        st = WMEL_ERR_NULL_POINTER;
    } else if (ctx->params.smooth != WMEL_SMOOTH_NONE) {
        st = WMEL_ERR_INVALID_ARG; /* unsmoothed only */
    } else if (!ctx->fe->pfa400) { /* another plan: the general path's frames (fe_live.c) */
        b = calloc(1, sizeof *b);
        if (b) b->fs = wmel__fe_slide_new(ctx, &st);
        else st = WMEL_ERR_NO_MEMORY;
        if (st == WMEL_OK) {
            b->ctx = ctx;
            b->rows = (size_t)ctx->fe->n_cols;
            stats_bytes(b);
        } else {
            wmel_sliding_destroy(b);
            b = NULL;
        }
        if (status) *status = st;
        return b;
    } else {
        b = calloc(1, sizeof *b);
        if (b) b->work = wmel__aligned_alloc(WMEL_RAW_WORK_BYTES);
        if (!b || !b->work) st = WMEL_ERR_NO_MEMORY;
    }
    if (st == WMEL_OK) {
        b->ctx = ctx;
        b->rows = (size_t)ctx->params.n_mels;
        b->c_first = 2;
        b->cmax = -1e30f;
        /* One frame of silence through the kernel itself: when it gives the floor (as
           the frame driver writes for a block of silence without the kernel), frames
           that read only padding zeros are filled, not computed. */
        float *zero = calloc(WMEL_N_FFT, sizeof(float)), col[WMEL_MAX_MELS];
        int bad = 0;
        if (!zero) {
            st = WMEL_ERR_NO_MEMORY;
        } else {
            ctx->block(ctx->fe->pfa400, zero, 1, col, 1, (char *)b->work, &bad);
            b->silence_ok = !bad;
            for (size_t m = 0; m < b->rows; m++)
                if (col[m] != WMEL_LOG_FLOOR_LOG10) b->silence_ok = 0;
            free(zero);
        }
        stats_bytes(b);
    }
    if (st != WMEL_OK) {
        wmel_sliding_destroy(b);
        b = NULL;
    }
    if (status) *status = st;
    return b;
}

size_t wmel_sliding_length(const wmel_sliding *b) { return b ? b->p_len : 0; }

const float *wmel_sliding_samples(const wmel_sliding *b)
{
    return b && b->pcm ? b->pcm + b->p_off : NULL;
}

int wmel_sliding_stats_get(const wmel_sliding *b, wmel_sliding_stats *out)
{
    if (!b || !out) return WMEL_ERR_NULL_POINTER;
    *out = b->stats;
    return WMEL_OK;
}

int wmel_sliding_push(wmel_sliding *b, const float *pcm, size_t n)
{
    if (!b || (!pcm && n)) return WMEL_ERR_NULL_POINTER;
    if (n == 0) return WMEL_OK;
    if (!wmel__all_finite(pcm, n)) return WMEL_ERR_NOT_FINITE;
    if (n > SIZE_MAX / 4 / sizeof(float) - b->p_len) return WMEL_ERR_OVERFLOW;
    size_t need = b->p_len + n;
    if (b->p_off + need > b->p_cap) {
        if (need <= b->p_cap - b->p_cap / 4) { /* reclaim the trimmed front: a quarter or
                                                     more stays free, so moves are rare */
            memmove(b->pcm, b->pcm + b->p_off, b->p_len * sizeof(float));
        } else {
            size_t cap = need + need / 2 > MIN_SAMPLES ? need + need / 2 : MIN_SAMPLES;
            float *np = malloc(cap * sizeof(float));
            if (!np) return WMEL_ERR_NO_MEMORY;
            if (b->p_len) memcpy(np, b->pcm + b->p_off, b->p_len * sizeof(float));
            memset(np + b->p_len, 0, (cap - b->p_len) * sizeof(float)); /* touched now */
            free(b->pcm);
            b->pcm = np;
            b->p_cap = cap;
            stats_bytes(b);
        }
        b->p_off = 0;
    }
    memcpy(b->pcm + b->p_off + b->p_len, pcm, n * sizeof(float));
    b->p_len += n;
    return WMEL_OK;
}

/* Drops the first k cached frames. */
static void cache_drop(wmel_sliding *b, size_t k)
{
    if (k > b->c_n) k = b->c_n;
    for (size_t j = 0; j < k && !b->cmax_stale; j++)
        if (b->fmax[b->c_off + j] >= b->cmax) b->cmax_stale = 1;
    b->c_off += k;
    b->c_first += k;
    b->c_n -= k;
    if (b->c_n == 0) {
        b->c_off = 0;
        b->c_first = 2;
        b->cmax = -1e30f;
        b->cmax_stale = 0;
    }
}

int wmel_sliding_trim(wmel_sliding *b, size_t n)
{
    if (!b) return WMEL_ERR_NULL_POINTER;
    if (n > b->p_len) return WMEL_ERR_INVALID_ARG;
    if (n == 0) return WMEL_OK;
    b->p_off += n;
    b->p_len -= n;
    if (b->p_len == 0) b->p_off = 0;
    if (b->fs) {
        if (wmel__fe_slide_trim(b->fs, n)) b->stats.regrids++;
        return WMEL_OK;
    }
    if (n % WMEL_HOP) { /* a new frame grid: nothing cached is on it */
        if (b->c_n) b->stats.regrids++;
        cache_drop(b, b->c_n);
        b->v_n = 0;
        return WMEL_OK;
    }
    size_t d = n / WMEL_HOP;
    /* the view's columns follow their frames: frame i + d becomes frame i */
    if (b->v_n > d) {
        b->v_off += d;
        b->v_n -= d;
    } else {
        b->v_n = 0;
    }
    /* cached frame i becomes frame i - d; those now below 2 touch the start */
    if (b->c_first < d + 2) cache_drop(b, d + 2 - b->c_first);
    if (b->c_n) b->c_first -= d;
    return WMEL_OK;
}

/* Room in the cache for `frames` columns from c_off on. */
static int cache_room(wmel_sliding *b, size_t frames)
{
    if (b->c_off + frames <= b->c_cap) return WMEL_OK;
    const size_t rows = b->rows;
    if (frames <= b->c_cap - b->c_cap / 4) { /* reclaim the dropped front in place */
        for (size_t m = 0; m < rows; m++)
            memmove(b->cache + m * b->c_cap, b->cache + m * b->c_cap + b->c_off,
                    b->c_n * sizeof(float));
        memmove(b->fmax, b->fmax + b->c_off, b->c_n * sizeof(float));
        b->c_off = 0;
        return WMEL_OK;
    }
    if (frames > SIZE_MAX / 4 / sizeof(float) / (rows + 1)) return WMEL_ERR_OVERFLOW;
    size_t cap = frames + frames / 2 > MIN_FRAMES ? frames + frames / 2 : MIN_FRAMES;
    float *nc = malloc(rows * cap * sizeof(float)), *nm = malloc(cap * sizeof(float));
    if (!nc || !nm) {
        free(nc);
        free(nm);
        return WMEL_ERR_NO_MEMORY;
    }
    /* every page touched now, in the step that grows the store, not a few pages in each
       of the steps that follow (first-touch faults) */
    for (size_t m = 0; m < rows; m++) {
        if (b->c_n) memcpy(nc + m * cap, b->cache + m * b->c_cap + b->c_off, b->c_n * sizeof(float));
        memset(nc + m * cap + b->c_n, 0, (cap - b->c_n) * sizeof(float));
    }
    if (b->c_n) memcpy(nm, b->fmax + b->c_off, b->c_n * sizeof(float));
    memset(nm + b->c_n, 0, (cap - b->c_n) * sizeof(float));
    free(b->cache);
    free(b->fmax);
    b->cache = nc;
    b->fmax = nm;
    b->c_cap = cap;
    b->c_off = 0;
    stats_bytes(b);
    return WMEL_OK;
}

/* Brings the cache to the interior frames [2, end). */
static int cache_extend(wmel_sliding *b, const wmel_signal *sig, size_t end)
{
    if (end <= b->c_first + b->c_n) return WMEL_OK;
    size_t f0 = b->c_first + b->c_n, nf = end - f0;
    int rc = cache_room(b, b->c_n + nf);
    if (rc) return rc;
    float *o = b->cache + b->c_off + b->c_n, mx;
    rc = wmel__raw_frames_here(b->ctx, sig, f0, nf, o, b->c_cap, b->work, &mx);
    if (rc) return rc;
    float *fm = b->fmax + b->c_off + b->c_n;
    for (size_t t = 0; t < nf; t++) fm[t] = -1e30f;
    for (size_t m = 0; m < b->rows; m++) {
        const float *r = o + m * b->c_cap;
        for (size_t t = 0; t < nf; t++)
            if (r[t] > fm[t]) fm[t] = r[t];
    }
    if (!b->cmax_stale)
        for (size_t t = 0; t < nf; t++)
            if (fm[t] > b->cmax) b->cmax = fm[t];
    b->c_n += nf;
    b->stats.frames_computed += nf;
    return WMEL_OK;
}

size_t wmel_sliding_n_frames(const wmel_sliding *b, size_t padding)
{
    if (b && b->fs) return padding ? 0 : wmel__fe_slide_n_frames(b->fs, b->p_len);
    return b ? wmel_n_frames(b->p_len, padding) : 0;
}

int wmel_sliding_shape(const wmel_sliding *b, size_t padding, size_t *rows, size_t *cols)
{
    if (!b || !rows || !cols) return WMEL_ERR_NULL_POINTER;
    *rows = *cols = 0;
    if (b->fs) {
        if (padding) return WMEL_ERR_INVALID_ARG;
        return wmel_features_shape(b->ctx, b->p_len, rows, cols);
    }
    if (padding > SIZE_MAX / 4 - b->p_len) return WMEL_ERR_OVERFLOW;
    if (b->p_len + padding <= WMEL_PAD) return WMEL_ERR_TOO_SHORT;
    *rows = b->rows;
    *cols = wmel_n_frames(b->p_len, padding);
    return WMEL_OK;
}

/* The checks and frame counts of a call: F frames of output, interior frames [2, I). */
static int call_shape(const wmel_sliding *b, size_t padding, size_t *F, size_t *I)
{
    const size_t n = b->p_len;
    if (padding > SIZE_MAX / 4 - n) return WMEL_ERR_OVERFLOW;
    if (n + padding <= WMEL_PAD) return WMEL_ERR_TOO_SHORT;
    *F = wmel_n_frames(n, padding);
    if (*F > SIZE_MAX / sizeof(float) / b->rows) return WMEL_ERR_OVERFLOW;
    /* interior frames [2, I): 160 i + 200 <= n */
    *I = n >= WMEL_PAD ? (n - WMEL_PAD) / WMEL_HOP + 1 : 0;
    return WMEL_OK;
}

/* The cache brought to the interior frames [2, I) and its max up to date. */
static int cache_ready(wmel_sliding *b, const wmel_signal *sig, size_t I)
{
    int rc = cache_extend(b, sig, I);
    if (rc) return rc;
    if (b->cmax_stale) {
        b->cmax = -1e30f;
        for (size_t j = 0; j < b->c_n; j++)
            if (b->fmax[b->c_off + j] > b->cmax) b->cmax = b->fmax[b->c_off + j];
        b->cmax_stale = 0;
    }
    return WMEL_OK;
}

/* The raw edge frames of an output of F frames into out[rows][stride]: [0, *lo_end)
 * reflect at the start, [*hi, z0) reach the end, [z0, F) read only padding zeros (the
 * value of silence); *emax: their largest value. */
static int edges(wmel_sliding *b, const wmel_signal *sig, size_t F, size_t I, float *out,
                 size_t stride, size_t *lo_end_out, size_t *hi_out, float *emax_out)
{
    const size_t n = sig->n, padding = sig->padding, rows = b->rows;
    const size_t lo_end = F < 2 ? F : 2;
    const size_t hi = I > lo_end ? I : lo_end;
    size_t z0 = F;
    if (b->silence_ok && padding > WMEL_N_FFT) {
        /* frame i reads only zeros when 160 i - 200 >= n and its reflection at the end of
           the padded signal (N = n + padding) stays at or past n: 160 i + 199 <= 2 N - 2 - n */
        const size_t zs = (n + WMEL_PAD + WMEL_HOP - 1) / WMEL_HOP, N = n + padding;
        /* the first condition holds from zs on, the second up to some frame: both hold
           for [zs, F) when they hold for the last frame */
        if (zs < F && (F - 1) * WMEL_HOP + WMEL_PAD - 1 <= 2 * N - 2 - n) z0 = zs > hi ? zs : hi;
    }
    float emax = -1e30f, mx;
    int rc = wmel__raw_frames_here(b->ctx, sig, 0, lo_end, out, stride, b->work, &mx);
    if (rc) return rc;
    if (lo_end && mx > emax) emax = mx;
    if (z0 > hi) {
        rc = wmel__raw_frames_here(b->ctx, sig, hi, z0 - hi, out + hi, stride, b->work, &mx);
        if (rc) return rc;
        if (mx > emax) emax = mx;
    }
    if (z0 < F) {
        for (size_t m = 0; m < rows; m++)
            for (size_t t = z0; t < F; t++) out[m * stride + t] = WMEL_LOG_FLOOR_LOG10;
        if (WMEL_LOG_FLOOR_LOG10 > emax) emax = WMEL_LOG_FLOOR_LOG10;
    }
    b->stats.frames_computed += lo_end + (z0 - hi);
    *lo_end_out = lo_end;
    *hi_out = hi;
    *emax_out = emax;
    return WMEL_OK;
}

/* Cached frames [2 + j0, 2 + j1) into out[rows][stride] (columns 2 + j), normalised with
 * gmax when the ctx normalises (wmel_normalize(), one value at a time). */
static void put_cached(const wmel_sliding *b, float *out, size_t stride, size_t j0, size_t j1,
                       float gmax)
{
    if (j1 <= j0) return;
    const size_t c0 = b->c_off;
    if (b->ctx->params.norm == WMEL_NORM_WHOLE) {
        const float lo = gmax - 8.0f;
        for (size_t m = 0; m < b->rows; m++) {
            const float *c = b->cache + m * b->c_cap + c0;
            float *o = out + m * stride + 2;
            for (size_t t = j0; t < j1; t++) {
                float v = c[t] < lo ? lo : c[t];
                o[t] = (v + 4.0f) * 0.25f; /* wmel_normalize() */
            }
        }
    } else {
        for (size_t m = 0; m < b->rows; m++)
            memcpy(out + m * stride + 2 + j0, b->cache + m * b->c_cap + c0 + j0,
                   (j1 - j0) * sizeof(float));
    }
}

/* The edge frames normalised in place with gmax when the ctx normalises. */
static void finish_edges(const wmel_sliding *b, float *out, size_t stride, size_t lo_end,
                         size_t hi, size_t F, float gmax)
{
    if (b->ctx->params.norm != WMEL_NORM_WHOLE) return;
    for (size_t m = 0; m < b->rows; m++) {
        float *o = out + m * stride;
        b->ctx->kernel->normalize(o, lo_end, gmax);
        b->ctx->kernel->normalize(o + hi, F - hi, gmax);
    }
}

int wmel_sliding_features(wmel_sliding *b, size_t padding, float *out, size_t out_len)
{
    if (!b) return WMEL_ERR_NULL_POINTER;
    if (b->fs) { /* another plan: wmel_features() of the samples held */
        if (padding) return WMEL_ERR_INVALID_ARG;
        size_t done = 0;
        const size_t cap0 = wmel__fe_slide_bytes(b->fs);
        int rc = wmel__fe_slide_features(b->fs, b->pcm ? b->pcm + b->p_off : NULL, b->p_len, out,
                                         out_len, &done);
        b->stats.frames_computed += done;
        if (wmel__fe_slide_bytes(b->fs) != cap0) stats_bytes(b);
        if (rc == WMEL_OK) b->stats.calls++;
        return rc;
    }
    if (!out) return WMEL_ERR_NULL_POINTER;
    const size_t n = b->p_len;
    size_t F, I, lo_end, hi;
    int rc = call_shape(b, padding, &F, &I);
    if (rc) return rc;
    if (out_len < b->rows * F) return WMEL_ERR_BUFFER_TOO_SMALL;
    const float *x = b->pcm ? b->pcm + b->p_off : NULL;
    if (wmel__overlap(out, out_len * sizeof(float), x, n * sizeof(float)))
        return WMEL_ERR_INVALID_ARG;
    wmel_signal sig = {x, NULL, n, padding};
    float emax;
    rc = cache_ready(b, &sig, I);
    if (!rc) rc = edges(b, &sig, F, I, out, F, &lo_end, &hi, &emax);
    if (rc) return rc;
    b->stats.calls++;
    const size_t cn = b->c_n;
    const float gmax = b->cmax > emax && cn ? b->cmax : emax;
    put_cached(b, out, F, 0, cn, gmax);
    finish_edges(b, out, F, lo_end, hi, F, gmax);
    return WMEL_OK;
}

/* Room in the view for F columns from v_off on, keeping its finished columns. */
static int view_room(wmel_sliding *b, size_t F)
{
    if (b->v_n == 0) b->v_off = 0;
    if (b->view && b->v_off + F <= b->v_cap) return WMEL_OK;
    const size_t rows = b->rows, keep = b->v_n;
    if (b->view && F <= b->v_cap - b->v_cap / 4) { /* reclaim the trimmed front in place */
        for (size_t m = 0; m < rows && keep; m++)
            memmove(b->view + m * b->v_cap + 2, b->view + m * b->v_cap + b->v_off + 2,
                    keep * sizeof(float));
        b->v_off = 0;
        return WMEL_OK;
    }
    if (F > SIZE_MAX / 4 / sizeof(float) / rows / 2) return WMEL_ERR_OVERFLOW;
    size_t cap = F + F / 2 > MIN_FRAMES ? F + F / 2 : MIN_FRAMES;
    float *nv = malloc(rows * cap * sizeof(float));
    if (!nv) return WMEL_ERR_NO_MEMORY;
    for (size_t m = 0; m < rows; m++) { /* every page touched now, as in cache_room() */
        if (keep) memcpy(nv + m * cap + 2, b->view + m * b->v_cap + b->v_off + 2, keep * sizeof(float));
        memset(nv + m * cap, 0, 2 * sizeof(float));
        memset(nv + m * cap + 2 + keep, 0, (cap - 2 - keep) * sizeof(float));
    }
    free(b->view);
    b->view = nv;
    b->v_cap = cap;
    b->v_off = 0;
    stats_bytes(b);
    return WMEL_OK;
}

int wmel_sliding_view(wmel_sliding *b, size_t padding, const float **data, size_t *rows,
                      size_t *cols, size_t *row_stride)
{
    if (!b || !data || !rows || !cols || !row_stride) return WMEL_ERR_NULL_POINTER;
    *data = NULL;
    *rows = *cols = *row_stride = 0;
    if (b->fs) { /* another plan: wmel_sliding_features() into memory the buffer keeps */
        if (padding) return WMEL_ERR_INVALID_ARG;
        size_t r, c;
        int rc = wmel_sliding_shape(b, 0, &r, &c);
        if (rc) return rc;
        if (r * c > b->pv_cap) {
            float *nv = malloc(r * c * sizeof(float));
            if (!nv) return WMEL_ERR_NO_MEMORY;
            free(b->pview);
            b->pview = nv;
            b->pv_cap = r * c;
            stats_bytes(b);
        }
        rc = wmel_sliding_features(b, 0, b->pview, b->pv_cap);
        if (rc) return rc;
        *data = b->pview ? b->pview : (const float *)b; /* 0 values: a non-NULL pointer not to be read */
        *rows = r;
        *cols = c;
        *row_stride = c;
        return WMEL_OK;
    }
    const size_t n = b->p_len;
    size_t F, I, lo_end, hi;
    int rc = call_shape(b, padding, &F, &I);
    if (rc) return rc;
    wmel_signal sig = {b->pcm ? b->pcm + b->p_off : NULL, NULL, n, padding};
    rc = cache_ready(b, &sig, I);
    if (rc) return rc;
    if (b->v_n > b->c_n) b->v_n = b->c_n; /* kept in step by trim: a guard */
    rc = view_room(b, F);
    if (rc) return rc;
    float *o = b->view + b->v_off, emax;
    const size_t stride = b->v_cap, cn = b->c_n;
    rc = edges(b, &sig, F, I, o, stride, &lo_end, &hi, &emax); /* not over [2, 2 + v_n) */
    if (rc) return rc;
    const float gmax = b->cmax > emax && cn ? b->cmax : emax;
    size_t from = b->v_n;
    if (b->ctx->params.norm == WMEL_NORM_WHOLE && from && gmax != b->v_max) {
        from = 0; /* a new max moves the floor of every frame: all columns again */
        b->stats.renorms++;
    }
    put_cached(b, o, stride, from, cn, gmax);
    finish_edges(b, o, stride, lo_end, hi, F, gmax);
    b->v_n = cn;
    b->v_max = gmax;
    b->stats.calls++;
    *data = o;
    *rows = b->rows;
    *cols = F;
    *row_stride = stride;
    return WMEL_OK;
}
