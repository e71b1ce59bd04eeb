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
 * next call recomputes the buffer (counted in wmel_sliding_stats), as does any trim of a
 * plan with dither (its noise is a function of the frame's index in the buffer).
 *
 * One buffer for every plan: the samples, the cache of interior frames (a frame whose
 * window reads neither reflection nor padding: for Whisper's geometry frame i >= 2 with
 * 160 i + 200 <= n; for any plan fe_live.c's "interior" frames) and its renumbering at
 * a trim are this file's; the frames come from the compiled plan's algorithm
 * (algo->here_frames: the frame driver's block loop, or the general frame kernel), and
 * the output is finished by the algorithm's table below (slide_out: Whisper's
 * normalisation with the max kept frame by frame, the silence fill and the view; or a
 * plan's statistics over the valid frames, as fe_cpu.c computes them).
 *
 * For Whisper's geometry, features() computes, on the calling thread, the frames that became interior since the
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
#include "fe/fe.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MIN_FRAMES 256   /* smallest cache, in frames */
#define MIN_SAMPLES 16000

/* The output of an algorithm's buffer (the tables at the end of this file). */
typedef struct wmel_slide_out {
    int frame_max;  /* 1: keep each cached frame's largest value (fmax, cmax) */
    int (*init)(wmel_sliding *b);
    size_t (*n_frames)(const wmel_sliding *b, size_t padding);
    int (*shape)(const wmel_sliding *b, size_t padding, size_t *rows, size_t *cols);
    int (*features)(wmel_sliding *b, size_t padding, float *out, size_t out_len);
    int (*view)(wmel_sliding *b, size_t padding, const float **data, size_t *rows,
                size_t *cols, size_t *row_stride);
} wmel_slide_out;

struct wmel_sliding {
    wmel_ctx *ctx;
    const wmel_fe *fe;
    const wmel_algo *algo;
    const wmel_slide_out *so;
    size_t rows;            /* the plan's columns (wmel__fe_width) */
    float *pcm;             /* samples [p_off, p_off + p_len) of pcm[p_cap] */
    size_t p_off, p_len, p_cap;
    int fm;                 /* a frames x mels plan: the cache is [c_cap][rows] */
    float *cache;           /* [rows][c_cap] (or [c_cap][rows]): slot c_off + j is frame
                               c_first + j */
    float *fmax;            /* [c_cap]: each cached frame's largest value (so->frame_max) */
    size_t c_cap, c_off, c_first, c_n;
    size_t t0;              /* the first interior frame (2 for Whisper's geometry) */
    float cmax;             /* largest value of the cached frames */
    int cmax_stale;         /* the frame holding cmax was dropped: rescan fmax */
    int silence_ok;         /* the kernel gives WMEL_LOG_FLOOR_LOG10 on silence */
    void *work;             /* the algorithm's work buffer for frames on this thread */
    size_t work_bytes;
    double *nstats;         /* 2 rows: a plan's mean and denominator */
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
    b->stats.bytes = sizeof *b + b->p_cap * sizeof(float) +
                     b->c_cap * (b->rows + (b->fmax ? 1 : 0)) * sizeof(float) + b->work_bytes +
                     2 * b->rows * sizeof(double) + b->v_cap * b->rows * sizeof(float) +
                     b->pv_cap * sizeof(float);
}

void wmel_sliding_destroy(wmel_sliding *b)
{
    if (!b) return;
    free(b->pcm);
    free(b->cache);
    free(b->fmax);
    free(b->view);
    free(b->pview);
    free(b->nstats);
    if (b->algo) b->algo->here_free(b->work);
    free(b);
}

/* The first frame whose window starts at sample 1 or later. */
static size_t first_interior(const wmel_fe *fe)
{
    if (fe->off >= 1) return 0;
    return (size_t)((1 - fe->off + fe->p.hop - 1) / fe->p.hop);
}

/* Frames t (from 0) whose window ends within n samples. */
static size_t inside_end(const wmel_fe *fe, size_t n)
{
    const long long room = wmel__fe_live_end(&fe->p, n) - fe->off - fe->p.frame_length;
    return room < 0 ? 0 : (size_t)(room / fe->p.hop) + 1;
}

wmel_sliding *wmel_sliding_create(wmel_ctx *ctx, int *status)
{
    int st = WMEL_OK;
    wmel_sliding *b = NULL;
    if (!ctx) {
        st = WMEL_ERR_NULL_POINTER;
    } else if (ctx->params.smooth != WMEL_SMOOTH_NONE || ctx->fe->p.n_samples > 0) {
        st = WMEL_ERR_INVALID_ARG; /* unsmoothed only; a plan's n_samples needs the whole clip */
    } else {
        b = calloc(1, sizeof *b);
        if (!b) st = WMEL_ERR_NO_MEMORY;
    }
    if (st == WMEL_OK) {
        ctx = wmel__live_ctx(ctx); /* a device's plan of Whisper's geometry: the CPU's own kernels */
        b->ctx = ctx;
        b->fe = ctx->fe;
        b->algo = ctx->fe->algo;
        b->so = b->algo->slide;
        b->rows = (size_t)ctx->fe->n_cols;
        b->fm = ctx->fe->p.layout == WMEL_LAYOUT_FRAMES_MELS;
        b->t0 = b->c_first = first_interior(ctx->fe);
        b->cmax = -1e30f;
        b->nstats = malloc(2 * b->rows * sizeof(double));
        st = b->algo->here_new(ctx->fe, &b->work, &b->work_bytes);
        if (st == WMEL_OK && !b->nstats) st = WMEL_ERR_NO_MEMORY;
        if (st == WMEL_OK && b->so->init) st = b->so->init(b);
        if (st == WMEL_OK) stats_bytes(b);
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
    if (n > SIZE_MAX / 4 / sizeof(float) - b->p_len) return WMEL_ERR_OVERFLOW; /* before a sample is read */
    if (!wmel__all_finite(pcm, n)) return WMEL_ERR_NOT_FINITE;
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
    if (b->fmax)
        for (size_t j = 0; j < k && !b->cmax_stale; j++)
            if (b->fmax[b->c_off + j] >= b->cmax) b->cmax_stale = 1;
    b->c_off += k;
    b->c_first += k;
    b->c_n -= k;
    if (b->c_n == 0) {
        b->c_off = 0;
        b->c_first = b->t0;
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
    const size_t hop = (size_t)b->fe->p.hop;
    /* a new frame grid: nothing cached is on it; with a plan's dither every frame's noise
       follows its index in the buffer, which a trim changes */
    if (n % hop || b->fe->p.dither != 0.0) {
        if (b->c_n) b->stats.regrids++;
        cache_drop(b, b->c_n);
        b->v_n = 0;
        return WMEL_OK;
    }
    size_t d = n / hop;
    /* the view's columns follow their frames: frame i + d becomes frame i */
    if (b->v_n > d) {
        b->v_off += d;
        b->v_n -= d;
    } else {
        b->v_n = 0;
    }
    /* cached frame i becomes frame i - d; those now below t0 read the buffer's start */
    if (b->c_first < d + b->t0) cache_drop(b, d + b->t0 - b->c_first);
    if (b->c_n) b->c_first -= d;
    return WMEL_OK;
}

/* Room in the cache for `frames` frames from c_off on. */
static int cache_room(wmel_sliding *b, size_t frames)
{
    if (b->c_off + frames <= b->c_cap) return WMEL_OK;
    const size_t rows = b->rows;
    if (frames <= b->c_cap - b->c_cap / 4) { /* reclaim the dropped front in place */
        if (b->fm)
            memmove(b->cache, b->cache + b->c_off * rows, b->c_n * rows * sizeof(float));
        else
            for (size_t m = 0; m < rows; m++)
                memmove(b->cache + m * b->c_cap, b->cache + m * b->c_cap + b->c_off,
                        b->c_n * sizeof(float));
        if (b->fmax) memmove(b->fmax, b->fmax + b->c_off, b->c_n * sizeof(float));
        b->c_off = 0;
        return WMEL_OK;
    }
    if (frames > SIZE_MAX / 4 / sizeof(float) / (rows + 1)) return WMEL_ERR_OVERFLOW;
    size_t cap = frames + frames / 2 > MIN_FRAMES ? frames + frames / 2 : MIN_FRAMES;
    float *nc = malloc(rows * cap * sizeof(float));
    float *nm = b->so->frame_max ? malloc(cap * sizeof(float)) : NULL;
    if (!nc || (b->so->frame_max && !nm)) {
        free(nc);
        free(nm);
        return WMEL_ERR_NO_MEMORY;
    }
    /* every page touched now, in the step that grows the store, not a few pages in each
       of the steps that follow (first-touch faults) */
    if (b->fm) {
        if (b->c_n) memcpy(nc, b->cache + b->c_off * rows, b->c_n * rows * sizeof(float));
        memset(nc + b->c_n * rows, 0, (cap - b->c_n) * rows * sizeof(float));
    } else {
        for (size_t m = 0; m < rows; m++) {
            if (b->c_n) memcpy(nc + m * cap, b->cache + m * b->c_cap + b->c_off, b->c_n * sizeof(float));
            memset(nc + m * cap + b->c_n, 0, (cap - b->c_n) * sizeof(float));
        }
    }
    if (nm) {
        if (b->c_n) memcpy(nm, b->fmax + b->c_off, b->c_n * sizeof(float));
        memset(nm + b->c_n, 0, (cap - b->c_n) * sizeof(float));
    }
    free(b->cache);
    free(b->fmax);
    b->cache = nc;
    b->fmax = nm;
    b->c_cap = cap;
    b->c_off = 0;
    stats_bytes(b);
    return WMEL_OK;
}

/* Brings the cache to the interior frames [t0, end) of the signal: the frames that
 * became interior since the last call, through the algorithm's frames. */
static int cache_extend(wmel_sliding *b, const wmel_signal *sig, size_t end)
{
    if (end <= b->c_first + b->c_n) return WMEL_OK;
    size_t f0 = b->c_first + b->c_n, nf = end - f0;
    int rc = cache_room(b, b->c_n + nf);
    if (rc) return rc;
    float *o = b->fm ? b->cache + (b->c_off + b->c_n) * b->rows : b->cache + b->c_off + b->c_n;
    rc = b->algo->here_frames(b->ctx, b->work, sig, f0, nf, o, b->fm ? b->rows : 1,
                              b->fm ? 1 : b->c_cap, NULL);
    if (rc) return rc; /* the fresh frames are not kept: the next call computes them again */
    if (b->fmax) {
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
    }
    b->c_n += nf;
    b->stats.frames_computed += nf;
    return WMEL_OK;
}

/* Frames [t0, t0 + count) of the signal through the algorithm into dst[(t - t0) ts +
 * c cs]; *max (when given) receives their largest value. */
static int frames_here(wmel_sliding *b, const wmel_signal *sig, size_t t0, size_t count, float *dst,
                       size_t ts, size_t cs, float *max)
{
    return b->algo->here_frames(b->ctx, b->work, sig, t0, count, dst, ts, cs, max);
}

size_t wmel_sliding_n_frames(const wmel_sliding *b, size_t padding)
{
    return b ? b->so->n_frames(b, padding) : 0;
}

int wmel_sliding_shape(const wmel_sliding *b, size_t padding, size_t *rows, size_t *cols)
{
    if (!b || !rows || !cols) return WMEL_ERR_NULL_POINTER;
    *rows = *cols = 0;
    return b->so->shape(b, padding, rows, cols);
}

int wmel_sliding_features(wmel_sliding *b, size_t padding, float *out, size_t out_len)
{
    if (!b) return WMEL_ERR_NULL_POINTER;
    return b->so->features(b, padding, out, out_len);
}

int wmel_sliding_view(wmel_sliding *b, size_t padding, const float **data, size_t *rows,
                      size_t *cols, size_t *row_stride)
{
    if (!b || !data || !rows || !cols || !row_stride) return WMEL_ERR_NULL_POINTER;
    *data = NULL;
    *rows = *cols = *row_stride = 0;
    return b->so->view(b, padding, data, rows, cols, row_stride);
}

/* ---------------------------------------------------------------- pfa400: Whisper's output */

/* One frame of silence through the kernel itself: when it gives the floor (as the frame
 * driver writes for a block of silence without the kernel), frames that read only
 * padding zeros are filled, not computed. */
static int pfa_init(wmel_sliding *b)
{
    float *zero = calloc(WMEL_N_FFT, sizeof(float)), col[WMEL_MAX_MELS];
    int bad = 0;
    if (!zero) return WMEL_ERR_NO_MEMORY;
    b->ctx->block(b->fe->pfa400, zero, 1, col, 1, (char *)b->work, &bad);
    b->silence_ok = !bad;
    for (size_t m = 0; m < b->rows; m++)
        if (col[m] != WMEL_LOG_FLOOR_LOG10) b->silence_ok = 0;
    free(zero);
    return WMEL_OK;
}

static size_t pfa_n_frames(const wmel_sliding *b, size_t padding)
{
    return wmel_n_frames(b->p_len, padding);
}

static int pfa_shape(const wmel_sliding *b, size_t padding, size_t *rows, size_t *cols)
{
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
    *I = inside_end(b->fe, n); /* interior frames [2, I): 160 i + 200 <= n */
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
    int rc = frames_here(b, sig, 0, lo_end, out, 1, stride, &mx);
    if (rc) return rc;
    if (lo_end && mx > emax) emax = mx;
    if (z0 > hi) {
        rc = frames_here(b, sig, hi, z0 - hi, out + hi, 1, stride, &mx);
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

static int pfa_features(wmel_sliding *b, size_t padding, float *out, size_t out_len)
{
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
    const float gmax = wmel__fe_whole_max(&b->ctx->fe->p, b->cmax > emax && cn ? b->cmax : emax);
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

static int pfa_view(wmel_sliding *b, size_t padding, const float **data, size_t *rows,
                    size_t *cols, size_t *row_stride)
{
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
    const float gmax = wmel__fe_whole_max(&b->ctx->fe->p, b->cmax > emax && cn ? b->cmax : emax);
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

const wmel_slide_out wmel__slide_pfa400 = {1, pfa_init, pfa_n_frames, pfa_shape, pfa_features, pfa_view};

/* ---------------------------------------------------------------- general: a plan's output */

/* The frames wmel__fe_cpu computes for n samples (the others of the output are zeros). */
static size_t computed_frames(const wmel_fe *fe, size_t n)
{
    return wmel__fe_computed(&fe->p, n);
}

static size_t gen_n_frames(const wmel_sliding *b, size_t padding)
{
    size_t rows, cols;
    if (padding || wmel__fe_shape(&b->fe->p, b->p_len, &rows, &cols)) return 0;
    if (wmel__fe_post_on(&b->fe->p)) return wmel__fe_out_frames(&b->fe->p, b->p_len); /* before stacking */
    return b->fm ? rows * (size_t)b->fe->p.stack : cols;
}

static int gen_shape(const wmel_sliding *b, size_t padding, size_t *rows, size_t *cols)
{
    if (padding) return WMEL_ERR_INVALID_ARG; /* a plan takes no padding */
    return wmel_features_shape(b->ctx, b->p_len, rows, cols);
}

/* wmel_features() of the samples held, from the cache and the edge frames, into out:
 * rows x cols in the plan's layout (a post stage's plan: its frames before that stage). */
static int gen_inner(wmel_sliding *b, float *out, size_t out_len, size_t rows, size_t cols)
{
    const wmel_fe *fe = b->fe;
    const wmel_frontend_plan *p = &fe->p;
    const float *x = b->pcm ? b->pcm + b->p_off : NULL;
    const size_t n = b->p_len;
    int rc;
    const size_t total = rows * cols, ncol = b->rows;
    if (!out && total) return WMEL_ERR_NULL_POINTER;
    if (out_len < total) return WMEL_ERR_BUFFER_TOO_SMALL;
    if (total && wmel__overlap(out, total * sizeof(float), x, n * sizeof(float)))
        return WMEL_ERR_INVALID_ARG;
    const size_t nv = wmel__fe_valid(p, n), nf = computed_frames(fe, n);
    size_t in_end = inside_end(fe, n);
    if (in_end > nf) in_end = nf;
    wmel_signal sig = {x, NULL, n, 0};
    if ((rc = cache_extend(b, &sig, in_end)) != WMEL_OK) return rc;

    /* the output: zeros where no frame is computed, as wmel__fe_cpu writes them */
    const size_t ts = b->fm ? ncol : 1, cs = b->fm ? 1 : cols;
    if (b->fm) {
        if (total > nf * ncol) memset(out + nf * ncol, 0, sizeof(float) * (total - nf * ncol));
    } else if (cols > nf) {
        for (size_t r = 0; r < rows; r++) memset(out + r * cols + nf, 0, sizeof(float) * (cols - nf));
    }
    /* edges: [0, lo_end) read the buffer's start, [hi, nf) its end */
    const size_t lo_end = b->t0 < nf ? b->t0 : nf;
    const size_t cend = b->c_first + b->c_n < nf ? b->c_first + b->c_n : nf;
    const size_t hi = b->c_n && cend > lo_end ? cend : lo_end;
    if ((rc = frames_here(b, &sig, 0, lo_end, out, ts, cs, NULL)) != WMEL_OK) return rc;
    if (nf > hi && (rc = frames_here(b, &sig, hi, nf - hi, out + hi * ts, ts, cs, NULL)) != WMEL_OK)
        return rc;
    b->stats.frames_computed += lo_end + (nf > hi ? nf - hi : 0);
    /* the cached frames [c_first, cend) */
    if (b->c_n && cend > b->c_first) {
        const size_t k = cend - b->c_first;
        if (b->fm)
            memcpy(out + b->c_first * ncol, b->cache + b->c_off * ncol, k * ncol * sizeof(float));
        else
            for (size_t m = 0; m < ncol; m++)
                memcpy(out + m * cols + b->c_first, b->cache + m * b->c_cap + b->c_off,
                       k * sizeof(float));
    }

    /* the normalisation over the valid frames, as wmel__fe_cpu; a plan's appended finish
       variants (statistics variants, fixed max, affine, n_frames, pad_value, per-column
       affine) as fe_cpu.c finishes them */
    if (wmel__fe_ext_fe(fe)) {
        rc = wmel__fe_finish_ext(fe, out, ts, cs, nv, wmel__fe_out_frames(p, n));
        if (rc == WMEL_OK) b->stats.calls++;
        return rc;
    }
    if (p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR) {
        double *mean = b->nstats, *den = b->nstats + ncol;
        wmel__fe_stats_f(fe, out, ts, cs, nv, mean, den); /* wmel__fe_cpu's sums */
        /* (x - mean) / den where den > 0, else 0 (fe_cpu.c's); the test out of the loops */
        int all_pos = 1;
        for (size_t m = 0; m < ncol; m++) all_pos &= den[m] > 0.0;
        if (b->fm) {
            for (size_t t = 0; t < nv; t++) {
                float *o = out + t * ncol;
                if (all_pos)
                    for (size_t m = 0; m < ncol; m++) o[m] = (float)((o[m] - mean[m]) / den[m]);
                else
                    for (size_t m = 0; m < ncol; m++)
                        o[m] = den[m] > 0.0 ? (float)((o[m] - mean[m]) / den[m]) : 0.0f;
            }
        } else {
            for (size_t m = 0; m < ncol; m++) {
                float *col = out + m * cols;
                const double mu = mean[m], d = den[m];
                if (d > 0.0)
                    for (size_t t = 0; t < nv; t++) col[t] = (float)((col[t] - mu) / d);
                else
                    memset(col, 0, nv * sizeof(float));
            }
        }
    } else if (p->norm == WMEL_NORM_WHOLE && nv) {
        float mx = -HUGE_VALF;
        for (size_t m = 0; m < ncol; m++)
            for (size_t t = 0; t < nv; t++) {
                const float v = out[m * cs + t * ts];
                if (v > mx) mx = v;
            }
        const float lo = mx - 8.0f;
        for (size_t m = 0; m < ncol; m++)
            for (size_t t = 0; t < nv; t++) {
                float *v = &out[m * cs + t * ts];
                *v = ((*v < lo ? lo : *v) + 4.0f) * 0.25f;
            }
    }
    b->stats.calls++;
    return WMEL_OK;
}

static int gen_features(wmel_sliding *b, size_t padding, float *out, size_t out_len)
{
    if (padding) return WMEL_ERR_INVALID_ARG;
    const wmel_frontend_plan *p = &b->fe->p;
    const size_t n = b->p_len;
    size_t rows, cols;
    int rc = wmel__fe_shape(p, n, &rows, &cols);
    if (rc) return rc;
    if (!wmel__fe_post_on(p)) {
        rc = gen_inner(b, out, out_len, rows, cols);
        return rc ? rc : wmel__fe_out_check(b->fe, out, rows * cols);
    }
    /* the post stage (fe_post.c) on the frames before it, as wmel__fe_cpu */
    const size_t total = rows * cols, nc = (size_t)b->fe->n_cols, T = wmel__fe_out_frames(p, n);
    if (!out && total) return WMEL_ERR_NULL_POINTER;
    if (out_len < total) return WMEL_ERR_BUFFER_TOO_SMALL;
    if (total && b->pcm && wmel__overlap(out, total * sizeof(float), b->pcm + b->p_off, n * sizeof(float)))
        return WMEL_ERR_INVALID_ARG;
    size_t F = computed_frames(b->fe, n);
    if (F < T) F = T;
    float *tmp = malloc((F ? F : 1) * nc * sizeof(float));
    if (!tmp) return WMEL_ERR_NO_MEMORY;
    rc = gen_inner(b, tmp, F * nc, F, nc);
    if (rc == WMEL_OK) rc = wmel__fe_post_run(b->fe, tmp, T, out);
    free(tmp);
    return rc ? rc : wmel__fe_out_check(b->fe, out, total);
}

/* wmel_sliding_features() into memory the buffer keeps. */
static int gen_view(wmel_sliding *b, size_t padding, const float **data, size_t *rows,
                    size_t *cols, size_t *row_stride)
{
    if (padding) return WMEL_ERR_INVALID_ARG;
    size_t r, c;
    int rc = gen_shape(b, 0, &r, &c);
    if (rc) return rc;
    if (r * c > b->pv_cap) {
        float *nv = malloc(r * c * sizeof(float));
        if (!nv) return WMEL_ERR_NO_MEMORY;
        free(b->pview);
        b->pview = nv;
        b->pv_cap = r * c;
        stats_bytes(b);
    }
    rc = gen_features(b, 0, b->pview, b->pv_cap);
    if (rc) return rc;
    *data = b->pview ? b->pview : (const float *)b; /* 0 values: a non-NULL pointer not to be read */
    *rows = r;
    *cols = c;
    *row_stride = c;
    return WMEL_OK;
}

const wmel_slide_out wmel__slide_general = {0, NULL, gen_n_frames, gen_shape, gen_features, gen_view};
