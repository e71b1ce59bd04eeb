/*
 * fe_live.c -- live audio for the front-end plans' general path: frames as they complete
 * (wmel_stream_*) and the sliding buffer (wmel_sliding_*) on a ctx from any plan that is
 * not Whisper's geometry (NeMo, NeMo legacy, Kaldi, Seamless, custom plans).
 *
 * Frame t of n samples has its first window sample at i0 = t hop + off (off = 0 for
 * snip_edges framing, frame_length / 2 before the centre for centred framing) and reads
 * samples [i0, i0 + frame_length), and sample i0 - 1 too with the signal pre-emphasis
 * (NeMo: y[i] = x[i] - 0.97 x[i - 1], y[0] = x[0]). The frame kernel takes a frame with
 * i0 >= 1 and i0 + frame_length <= n straight from the samples: its values depend on
 * those samples only, wherever they sit in the signal. Every other frame (the first ones:
 * the start reflection or zeros, the un-pre-emphasised first sample; the last ones: the
 * end reflection or zeros) goes through wmel__fe_sample, which depends on where the
 * signal starts and ends. Both paths run the ctx's own frame kernel (wmel_fe_kernel),
 * which computes each frame on its own (one frame per SIMD lane, the same arithmetic in
 * every lane), so a frame computed here from a piece of the signal is bit-identical to
 * the same frame of wmel_features() on the whole signal, provided that
 *   - the piece starts at a multiple of the hop (frame t of the signal is frame
 *     t - start / hop of the piece), and at sample 0 for the frames with i0 < 1;
 *   - the piece starts at least 2 samples before i0 otherwise (i0 stays >= 2 in it: the
 *     frame takes the same path, and the end reflection's pre-emphasis never reads
 *     before the piece);
 *   - the piece holds every sample the frame reads, and ends where the signal ends for
 *     the frames that read past an end.
 * The stream keeps such a piece (a block of samples sliding with the next frame); the
 * sliding buffer caches the frames with i0 >= 1 and i0 + frame_length <= n (its
 * "interior" frames), computes the others at every call, and normalises the whole
 * output as fe_cpu.c does, from the same float values in the same order.
 */
#include "fe_live.h"
#include "../pool.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- frames through the ctx's frame kernel ---- */

typedef struct fe_work {
    const wmel_fe *fe;
    const wmel_fe_kernel *k;
    void *buf;      /* the kernel's scratch, then lanes * n_cols doubles */
    double *vals;
    size_t bytes;
} fe_work;

static int work_init(fe_work *w, const wmel_fe *fe)
{
    w->fe = fe;
    w->k = fe->kern ? fe->kern : wmel__fe_kernel_c();
    const size_t sb = (w->k->scratch(fe) + 63) & ~(size_t)63;
    w->bytes = sb + (size_t)w->k->lanes * (size_t)fe->n_cols * sizeof(double);
    w->buf = wmel__aligned_alloc(w->bytes);
    if (!w->buf) return WMEL_ERR_NO_MEMORY;
    w->vals = (double *)(void *)((char *)w->buf + sb);
    return WMEL_OK;
}

/* Frames [t0, t0 + count) of x[0..n) into dst[(t - t0) ts + c cs] as float32 (the cast
 * fe_cpu.c's workers make). WMEL_ERR_SAMPLE_RANGE where a LOG_NONE plan's value passes
 * float32's range (dst is then partly written). */
static int run_frames(fe_work *w, const float *x, size_t n, size_t t0, size_t count, float *dst,
                      size_t ts, size_t cs)
{
    const size_t L = (size_t)w->k->lanes, nc = (size_t)w->fe->n_cols;
    const int check = w->fe->p.log == WMEL_LOG_NONE;
    for (size_t f = 0; f < count; f += L) {
        const size_t cnt = count - f < L ? count - f : L;
        w->k->frames(w->fe, x, n, t0 + f, (int)cnt, w->vals, w->buf);
        if (check && !wmel__fe_f32_ok(w->vals, cnt * nc)) return WMEL_ERR_SAMPLE_RANGE;
        for (size_t l = 0; l < cnt; l++) {
            float *o = dst + (f + l) * ts;
            const double *v = w->vals + l * nc;
            for (size_t c = 0; c < nc; c++) o[c * cs] = (float)v[c];
        }
    }
    return WMEL_OK;
}

/* ---- geometry ---- */

static long long first_sample(const wmel_fe *fe, size_t t)
{
    return (long long)t * fe->p.hop + fe->off;
}

/* The first frame with i0 >= 1. */
static size_t first_interior(const wmel_fe *fe)
{
    if (fe->off >= 1) return 0;
    return (size_t)((1 - fe->off + fe->p.hop - 1) / fe->p.hop);
}

/* Frames t (from 0) with i0 + frame_length <= n. */
static size_t inside_end(const wmel_fe *fe, size_t n)
{
    const long long room = (long long)n - fe->off - fe->p.frame_length;
    return room < 0 ? 0 : (size_t)(room / fe->p.hop) + 1;
}

/* The frames wmel__fe_cpu computes for n samples (the others of the output are zeros). */
static size_t computed_frames(const wmel_fe *fe, size_t n)
{
    return wmel__fe_computed(&fe->p, n);
}

/* 1 when no sample is NaN or Inf. */
static int all_finite(const float *x, size_t n)
{
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, x + i, sizeof u);
        bad |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
    }
    return !bad;
}

/* ---- frames as they complete ---- */

#define FS_BLOCK 2048            /* frames per emitted block, at most */
#define FS_BLOCK_SAMPLES 327680  /* and at most this many samples of hops */

#define FS_MAX_TEAM 32       /* workers per block, at most (64 frames each at least) */

struct wmel_fe_stream {
    const wmel_fe *fe;
    wmel_frames_fn fn;
    void *user;
    wmel_pool *pool;     /* the ctx's workers */
    int n_threads;
    fe_work w[FS_MAX_TEAM]; /* worker t's scratch, made on its first block */
    float *buf;          /* samples [start, start + len) of the signal; start % hop == 0 */
    size_t cap, start, len;
    size_t total, next;  /* samples pushed, next frame to emit */
    size_t block;        /* frames per block */
    float *out;          /* [n_cols][block] */
    float max;
    int finished, failed;
};

wmel_fe_stream *wmel__fe_stream_new(const wmel_ctx *ctx, size_t padding, wmel_frames_fn fn,
                                    void *user, int *status)
{
    const wmel_fe *fe = ctx->fe;
    if (padding) { /* the plans have no padding argument (Whisper's only) */
        *status = WMEL_ERR_INVALID_ARG;
        return NULL;
    }
    wmel_fe_stream *s = calloc(1, sizeof *s);
    if (!s) {
        *status = WMEL_ERR_NO_MEMORY;
        return NULL;
    }
    const size_t hop = (size_t)fe->p.hop;
    s->fe = fe;
    s->fn = fn;
    s->user = user;
    s->max = -1e30f;
    s->block = FS_BLOCK_SAMPLES / hop;
    if (s->block > FS_BLOCK) s->block = FS_BLOCK;
    if (s->block < 1) s->block = 1;
    /* a block of hops, the frame, 2 hops of margin before the next frame, and at least
       n_fft (the reflection needs n_fft / 2 samples before the first frame) */
    s->cap = s->block * hop + (size_t)fe->p.n_fft + (size_t)fe->p.frame_length + 2 * hop + 8;
    s->pool = ctx->pool;
    s->n_threads = ctx->n_threads < FS_MAX_TEAM ? ctx->n_threads : FS_MAX_TEAM;
    s->buf = malloc(s->cap * sizeof(float));
    s->out = malloc(s->block * (size_t)fe->n_cols * sizeof(float));
    if (!s->buf || !s->out || work_init(&s->w[0], fe) != WMEL_OK) {
        wmel__fe_stream_free(s);
        *status = WMEL_ERR_NO_MEMORY;
        return NULL;
    }
    *status = WMEL_OK;
    return s;
}

void wmel__fe_stream_free(wmel_fe_stream *s)
{
    if (!s) return;
    free(s->buf);
    free(s->out);
    for (int t = 0; t < FS_MAX_TEAM; t++) wmel__aligned_free(s->w[t].buf);
    free(s);
}

float wmel__fe_stream_max(const wmel_fe_stream *s) { return s->max; }
size_t wmel__fe_stream_samples(const wmel_fe_stream *s) { return s->total; }

/* Frames whose samples are all in. */
static size_t fs_ready(const wmel_fe_stream *s)
{
    const wmel_fe *fe = s->fe;
    if (fe->p.framing == WMEL_FRAMES_CENTER_REFLECT && s->total <= (size_t)fe->p.n_fft / 2)
        return 0; /* the start reflection reads up to n_fft / 2 */
    size_t r = inside_end(fe, s->total), c = computed_frames(fe, s->total);
    return r < c ? r : c;
}

/* A block's frames on a team: worker t computes its share of the groups of `lanes` frames
 * (counted from the block's first, as one worker would group them) into its columns of
 * out[n_cols][nb], and their largest value. */
typedef struct fs_team {
    wmel_fe_stream *s;
    size_t t0, nb;       /* the block's first frame in the piece, its frames */
    int status[FS_MAX_TEAM];
    float max[FS_MAX_TEAM];
} fs_team;

static void fs_worker(void *arg, wmel_pool *pl, int t, int nt)
{
    (void)pl;
    fs_team *k = arg;
    wmel_fe_stream *s = k->s;
    const size_t nc = (size_t)s->fe->n_cols;
    k->max[t] = -HUGE_VALF;
    k->status[t] = s->w[t].buf ? WMEL_OK : work_init(&s->w[t], s->fe);
    if (k->status[t] != WMEL_OK) return;
    const size_t L = (size_t)s->w[t].k->lanes, groups = (k->nb + L - 1) / L;
    const size_t f0 = groups * (size_t)t / (size_t)nt * L;
    size_t f1 = groups * (size_t)(t + 1) / (size_t)nt * L;
    if (f1 > k->nb) f1 = k->nb;
    if (f0 >= f1) return;
    k->status[t] = run_frames(&s->w[t], s->buf, s->len, k->t0 + f0, f1 - f0, s->out + f0, 1, k->nb);
    if (k->status[t] != WMEL_OK) return;
    float mx = -HUGE_VALF;
    for (size_t c = 0; c < nc; c++)
        for (size_t f = f0; f < f1; f++)
            if (s->out[c * k->nb + f] > mx) mx = s->out[c * k->nb + f];
    k->max[t] = mx;
}

/* Emits frames [next, end) from the piece held (final: the signal ends with it), each
 * block's frames on the ctx's workers. */
static int fs_emit(wmel_fe_stream *s, size_t end)
{
    const size_t hop = (size_t)s->fe->p.hop;
    while (s->next < end) {
        const size_t nb = end - s->next < s->block ? end - s->next : s->block;
        fs_team k;
        k.s = s;
        k.t0 = s->next - s->start / hop;
        k.nb = nb;
        int want = s->n_threads;
        if ((size_t)want > (nb + 63) / 64) want = (int)((nb + 63) / 64);
        const int nt = wmel__team_run(s->pool, fs_worker, &k, want);
        float mx = s->max;
        int rc = WMEL_OK;
        for (int t = 0; t < nt; t++) {
            if (k.status[t] != WMEL_OK && rc == WMEL_OK) rc = k.status[t];
            if (k.max[t] > mx) mx = k.max[t];
        }
        if (rc == WMEL_OK) rc = s->fn(s->user, s->out, s->next, nb);
        if (rc != WMEL_OK) {
            s->failed = rc;
            return rc;
        }
        s->max = mx;
        s->next += nb;
    }
    return WMEL_OK;
}

/* Drops the samples no frame from `next` on reads (the piece starts at a multiple of the
 * hop, 2 samples or more before the next frame's first, at 0 while that is below 1). */
static void fs_slide(wmel_fe_stream *s)
{
    const size_t hop = (size_t)s->fe->p.hop;
    if (s->fe->p.n_frames && s->next >= (size_t)s->fe->p.n_frames) { /* every frame out: */
        s->start += s->len; /* no later sample is read (start may leave the hop grid now) */
        s->len = 0;
        return;
    }
    const long long lo = first_sample(s->fe, s->next) - 2;
    if (lo <= 0) return;
    const size_t from = (size_t)lo / hop * hop;
    if (from <= s->start) return;
    size_t drop = from - s->start;
    if (drop > s->len) drop = s->len; /* not reached: lo < total */
    memmove(s->buf, s->buf + drop, (s->len - drop) * sizeof(float));
    s->len -= drop;
    s->start += drop;
}

int wmel__fe_stream_push(wmel_fe_stream *s, const float *pcm, size_t n)
{
    if (s->failed) return s->failed;
    if (s->finished) return WMEL_ERR_INVALID_ARG;
    if (!all_finite(pcm, n)) return WMEL_ERR_NOT_FINITE;
    if (n > SIZE_MAX / 8 - s->total) return WMEL_ERR_OVERFLOW;
    while (n) {
        if (s->len == s->cap) {
            int rc = fs_emit(s, fs_ready(s));
            if (rc) return rc;
            fs_slide(s);
            if (s->len == s->cap) return WMEL_ERR_INVALID_ARG; /* not reached */
        }
        size_t k = s->cap - s->len;
        if (k > n) k = n;
        memcpy(s->buf + s->len, pcm, k * sizeof(float));
        s->len += k;
        s->total += k;
        pcm += k;
        n -= k;
        const size_t ready = fs_ready(s);
        if (ready - s->next >= s->block) {
            int rc = fs_emit(s, s->next + (ready - s->next) / s->block * s->block);
            if (rc) return rc;
            fs_slide(s);
        }
    }
    const size_t ready = fs_ready(s);
    if (ready > s->next) {
        int rc = fs_emit(s, ready);
        if (rc) return rc;
        fs_slide(s);
    }
    return WMEL_OK;
}

int wmel__fe_stream_finish(wmel_fe_stream *s)
{
    if (s->failed) return s->failed;
    if (s->finished) return WMEL_OK;
    size_t rows, cols;
    int rc = wmel__fe_shape(&s->fe->p, s->total, &rows, &cols); /* empty, too short */
    if (rc) return rc;
    s->finished = 1;
    return fs_emit(s, computed_frames(s->fe, s->total));
}

/* ---- the sliding buffer's frames ---- */

#define MIN_FRAMES 256

struct wmel_fe_slide {
    const wmel_fe *fe;
    fe_work w;
    int fm;              /* FRAMES_MELS: the cache is [c_cap][n_cols], else [n_cols][c_cap] */
    float *cache;        /* cached frame c_first + j at slot c_off + j */
    size_t c_cap, c_off, c_first, c_n;
    size_t t0;           /* the first frame with i0 >= 1 */
    double *stats;       /* 2 n_cols */
};

wmel_fe_slide *wmel__fe_slide_new(const wmel_ctx *ctx, int *status)
{
    wmel_fe_slide *c = calloc(1, sizeof *c);
    if (!c) {
        *status = WMEL_ERR_NO_MEMORY;
        return NULL;
    }
    c->fe = ctx->fe;
    c->fm = ctx->fe->p.layout == WMEL_LAYOUT_FRAMES_MELS;
    c->t0 = c->c_first = first_interior(ctx->fe);
    c->stats = malloc(2 * (size_t)ctx->fe->n_cols * sizeof(double));
    if (!c->stats || work_init(&c->w, ctx->fe) != WMEL_OK) {
        wmel__fe_slide_free(c);
        *status = WMEL_ERR_NO_MEMORY;
        return NULL;
    }
    *status = WMEL_OK;
    return c;
}

void wmel__fe_slide_free(wmel_fe_slide *c)
{
    if (!c) return;
    free(c->cache);
    free(c->stats);
    wmel__aligned_free(c->w.buf);
    free(c);
}

size_t wmel__fe_slide_bytes(const wmel_fe_slide *c)
{
    return sizeof *c + c->c_cap * (size_t)c->fe->n_cols * sizeof(float) + c->w.bytes +
           2 * (size_t)c->fe->n_cols * sizeof(double);
}

static void cache_drop(wmel_fe_slide *c, size_t k)
{
    if (k > c->c_n) k = c->c_n;
    c->c_off += k;
    c->c_first += k;
    c->c_n -= k;
    if (c->c_n == 0) {
        c->c_off = 0;
        c->c_first = c->t0;
    }
}

int wmel__fe_slide_trim(wmel_fe_slide *c, size_t k)
{
    const size_t hop = (size_t)c->fe->p.hop;
    if (k % hop) { /* a new frame grid: nothing cached is on it */
        int had = c->c_n > 0;
        cache_drop(c, c->c_n);
        return had;
    }
    const size_t d = k / hop;
    /* cached frame t becomes frame t - d; those now below t0 read the buffer's start */
    if (c->c_first < d + c->t0) cache_drop(c, d + c->t0 - c->c_first);
    if (c->c_n) c->c_first -= d;
    return 0;
}

/* Room for `frames` cached frames from c_off on. */
static int cache_room(wmel_fe_slide *c, size_t frames)
{
    if (c->c_off + frames <= c->c_cap) return WMEL_OK;
    const size_t nc = (size_t)c->fe->n_cols;
    if (frames <= c->c_cap - c->c_cap / 4) { /* reclaim the dropped front in place */
        if (c->fm)
            memmove(c->cache, c->cache + c->c_off * nc, c->c_n * nc * sizeof(float));
        else
            for (size_t m = 0; m < nc; m++)
                memmove(c->cache + m * c->c_cap, c->cache + m * c->c_cap + c->c_off,
                        c->c_n * sizeof(float));
        c->c_off = 0;
        return WMEL_OK;
    }
    if (frames > SIZE_MAX / 4 / sizeof(float) / nc) return WMEL_ERR_OVERFLOW;
    const size_t cap = frames + frames / 2 > MIN_FRAMES ? frames + frames / 2 : MIN_FRAMES;
    float *nw = malloc(cap * nc * sizeof(float));
    if (!nw) return WMEL_ERR_NO_MEMORY;
    if (c->c_n) {
        if (c->fm)
            memcpy(nw, c->cache + c->c_off * nc, c->c_n * nc * sizeof(float));
        else
            for (size_t m = 0; m < nc; m++)
                memcpy(nw + m * cap, c->cache + m * c->c_cap + c->c_off, c->c_n * sizeof(float));
    }
    free(c->cache);
    c->cache = nw;
    c->c_cap = cap;
    c->c_off = 0;
    return WMEL_OK;
}

size_t wmel__fe_slide_n_frames(const wmel_fe_slide *c, size_t n)
{
    size_t rows, cols;
    if (wmel__fe_shape(&c->fe->p, n, &rows, &cols)) return 0;
    return c->fm ? rows * (size_t)c->fe->p.stack : cols;
}

int wmel__fe_slide_features(wmel_fe_slide *c, const float *x, size_t n, float *out,
                            size_t out_len, size_t *computed)
{
    const wmel_fe *fe = c->fe;
    const wmel_frontend_plan *p = &fe->p;
    *computed = 0;
    size_t rows, cols;
    int rc = wmel__fe_shape(p, n, &rows, &cols);
    if (rc) return rc;
    const size_t total = rows * cols, ncol = (size_t)fe->n_cols;
    if (!out && total) return WMEL_ERR_NULL_POINTER;
    if (out_len < total) return WMEL_ERR_BUFFER_TOO_SMALL;
    if (total && wmel__overlap(out, total * sizeof(float), x, n * sizeof(float)))
        return WMEL_ERR_INVALID_ARG;
    const size_t nv = wmel__fe_valid(p, n), nf = computed_frames(fe, n);
    size_t in_end = inside_end(fe, n);
    if (in_end > nf) in_end = nf;
    if (c->c_n && c->c_first != c->t0) cache_drop(c, c->c_n); /* not reached */

    /* the frames that became interior since the last call */
    size_t fresh = 0;
    if (in_end > c->c_first + c->c_n) {
        const size_t f0 = c->c_first + c->c_n;
        fresh = in_end - f0;
        if ((rc = cache_room(c, c->c_n + fresh)) != WMEL_OK) return rc;
        if (c->fm)
            rc = run_frames(&c->w, x, n, f0, fresh, c->cache + (c->c_off + c->c_n) * ncol, ncol, 1);
        else
            rc = run_frames(&c->w, x, n, f0, fresh, c->cache + c->c_off + c->c_n, 1, c->c_cap);
        if (rc) return rc; /* the fresh frames are not kept: the next call computes them again */
        c->c_n += fresh;
    }

    /* the output: zeros where no frame is computed, as wmel__fe_cpu writes them */
    const size_t ts = c->fm ? ncol : 1, cs = c->fm ? 1 : cols;
    if (c->fm) {
        if (total > nf * ncol) memset(out + nf * ncol, 0, sizeof(float) * (total - nf * ncol));
    } else if (cols > nf) {
        for (size_t r = 0; r < rows; r++) memset(out + r * cols + nf, 0, sizeof(float) * (cols - nf));
    }
    /* edges: [0, lo_end) read the buffer's start, [hi, nf) its end */
    const size_t lo_end = c->t0 < nf ? c->t0 : nf;
    const size_t cend = c->c_first + c->c_n < nf ? c->c_first + c->c_n : nf;
    const size_t hi = c->c_n && cend > lo_end ? cend : lo_end;
    if ((rc = run_frames(&c->w, x, n, 0, lo_end, out, ts, cs)) != WMEL_OK) return rc;
    if (nf > hi && (rc = run_frames(&c->w, x, n, hi, nf - hi, out + hi * ts, ts, cs)) != WMEL_OK) return rc;
    *computed = fresh + lo_end + (nf > hi ? nf - hi : 0);
    /* the cached frames [c_first, cend) */
    if (c->c_n && cend > c->c_first) {
        const size_t k = cend - c->c_first;
        if (c->fm)
            memcpy(out + c->c_first * ncol, c->cache + c->c_off * ncol, k * ncol * sizeof(float));
        else
            for (size_t m = 0; m < ncol; m++)
                memcpy(out + m * cols + c->c_first, c->cache + m * c->c_cap + c->c_off,
                       k * sizeof(float));
    }

    /* the normalisation over the valid frames, as wmel__fe_cpu */
    if (wmel__fe_ext_fe(fe)) return wmel__fe_finish_ext(fe, out, ts, cs, nv, wmel__fe_out_frames(p, n));
    if (p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR) {
        double *mean = c->stats, *den = c->stats + ncol;
        wmel__fe_stats_f(fe, out, ts, cs, nv, mean, den); /* wmel__fe_cpu's sums */
        /* (x - mean) / den where den > 0, else 0 (fe_cpu.c's); the test out of the loops */
        int all_pos = 1;
        for (size_t m = 0; m < ncol; m++) all_pos &= den[m] > 0.0;
        if (c->fm) {
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
    return WMEL_OK;
}
