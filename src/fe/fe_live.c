/*
 * fe_live.c -- live audio's frames on the front-end plans' general path (any plan that is
 * not Whisper's geometry: NeMo, NeMo legacy, Kaldi, Seamless, custom plans): the frames
 * of the one frame stream (stream.c) and of the one sliding buffer (sliding.c).
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
 * The stream (stream.c) keeps such a piece (a block of samples sliding with the next
 * frame) and has its frames computed here, on the ctx's workers; the sliding buffer
 * (sliding.c) caches the frames with i0 >= 1 and i0 + frame_length <= n (its "interior"
 * frames), has them and the others computed here on the calling thread, and normalises
 * the whole output as fe_cpu.c does, from the same float values in the same order.
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
    void *buf;      /* the kernel's scratch, then wmel__fe_vals_len() doubles */
    double *vals;
    size_t bytes;
} fe_work;

static int work_init(fe_work *w, const wmel_fe *fe)
{
    w->fe = fe;
    w->k = fe->kern ? fe->kern : wmel__fe_kernel_c();
    const size_t sb = (w->k->scratch(fe) + 63) & ~(size_t)63;
    w->bytes = sb + wmel__fe_vals_len(fe, w->k) * sizeof(double);
    w->buf = wmel__aligned_alloc(w->bytes);
    if (!w->buf) return WMEL_ERR_NO_MEMORY;
    w->vals = (double *)(void *)((char *)w->buf + sb);
    return WMEL_OK;
}

/* Frames [t0, t0 + count) of x[0..n) into dst[(t - t0) ts + c cs] as float32 (the cast
 * fe_cpu.c's workers make). WMEL_ERR_SAMPLE_RANGE where a LOG_NONE plan's value passes
 * float32's range (dst is then partly written). */
static int run_frames(fe_work *w, const float *x, size_t n, size_t t0, size_t count, float *dst,
                      size_t ts, size_t cs, size_t tbase)
{
    const size_t L = (size_t)w->k->lanes, nc = (size_t)w->fe->n_cols;
    const int check = w->fe->p.log == WMEL_LOG_NONE;
    for (size_t f = 0; f < count; f += L) {
        const size_t cnt = count - f < L ? count - f : L;
        wmel__fe_run_frames(w->fe, w->k, x, n, t0 + f, (int)cnt, w->vals, w->buf, tbase, 0);
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

/* The frames wmel__fe_cpu computes for n samples (the others of the output are zeros). */
static size_t computed_frames(const wmel_fe *fe, size_t n)
{
    return wmel__fe_computed(&fe->p, n);
}

/* ---- the stream's frames ---- */

#define FS_MAX_TEAM 32       /* workers per block, at most (64 frames each at least) */

typedef struct fs_work {
    fe_work w[FS_MAX_TEAM]; /* worker t's scratch, made on its first block */
} fs_work;

/* The piece holds a block of hops, the frame, 2 hops of margin before the next frame,
 * and at least n_fft (the reflection needs n_fft / 2 samples before the first frame). */
size_t wmel__fe_piece_cap(const wmel_fe *fe, size_t block)
{
    const size_t hop = (size_t)fe->p.hop;
    /* and the samples an end reflection of the explicit framing reads back (stream.c's slide) */
    const size_t back = fe->p.pad_mode == WMEL_PAD_REFLECT ? (size_t)fe->p.pad_right + hop : 0;
    return block * hop + (size_t)fe->p.n_fft + (size_t)fe->p.frame_length + 2 * hop + 8 + back +
           (size_t)fe->p.frame_span;
}

int wmel__fe_piece_new(const wmel_ctx *ctx, void **work)
{
    fs_work *k = calloc(1, sizeof *k);
    *work = k;
    if (!k || work_init(&k->w[0], ctx->fe) != WMEL_OK) return WMEL_ERR_NO_MEMORY;
    return WMEL_OK;
}

void wmel__fe_piece_free(void *work)
{
    fs_work *k = work;
    if (!k) return;
    for (int t = 0; t < FS_MAX_TEAM; t++) wmel__aligned_free(k->w[t].buf);
    free(k);
}

/* A block's frames on a team: worker t computes its share of the groups of `lanes` frames
 * (counted from the block's first, as one worker would group them) into its columns of
 * out[n_cols][nb], and their largest value. */
typedef struct fs_team {
    const wmel_fe *fe;
    fs_work *work;
    const float *x;
    size_t n, t0, nb;    /* the piece, the block's first frame in it, its frames */
    size_t base;         /* the signal's index of the piece's frame 0 (the dither's) */
    float *out;
    int status[FS_MAX_TEAM];
    float max[FS_MAX_TEAM];
} fs_team;

static void fs_worker(void *arg, wmel_pool *pl, int t, int nt)
{
    (void)pl;
    fs_team *k = arg;
    fe_work *w = &k->work->w[t];
    const size_t nc = (size_t)k->fe->n_cols;
    k->max[t] = -HUGE_VALF;
    k->status[t] = w->buf ? WMEL_OK : work_init(w, k->fe);
    if (k->status[t] != WMEL_OK) return;
    const size_t L = (size_t)w->k->lanes, groups = (k->nb + L - 1) / L;
    const size_t f0 = groups * (size_t)t / (size_t)nt * L;
    size_t f1 = groups * (size_t)(t + 1) / (size_t)nt * L;
    if (f1 > k->nb) f1 = k->nb;
    if (f0 >= f1) return;
    k->status[t] = run_frames(w, k->x, k->n, k->t0 + f0, f1 - f0, k->out + f0, 1, k->nb, k->base);
    if (k->status[t] != WMEL_OK) return;
    float mx = -HUGE_VALF;
    for (size_t c = 0; c < nc; c++)
        for (size_t f = f0; f < f1; f++)
            if (k->out[c * k->nb + f] > mx) mx = k->out[c * k->nb + f];
    k->max[t] = mx;
}

int wmel__fe_piece_frames(const wmel_ctx *ctx, void *work, const float *x, size_t n,
                          size_t padding, size_t base, size_t t0, size_t nb, float *out, float *max)
{
    (void)padding; /* a plan's stream takes none */
    fs_team k;
    k.base = base;
    k.fe = ctx->fe;
    k.work = work;
    k.x = x;
    k.n = n;
    k.t0 = t0;
    k.nb = nb;
    k.out = out;
    int want = ctx->n_threads < FS_MAX_TEAM ? ctx->n_threads : FS_MAX_TEAM;
    if ((size_t)want > (nb + 63) / 64) want = (int)((nb + 63) / 64);
    const int nt = wmel__team_run(ctx->pool, fs_worker, &k, want);
    float mx = *max;
    int rc = WMEL_OK;
    for (int t = 0; t < nt; t++) {
        if (k.status[t] != WMEL_OK && rc == WMEL_OK) rc = k.status[t];
        if (k.max[t] > mx) mx = k.max[t];
    }
    if (rc == WMEL_OK) *max = mx;
    return rc;
}

int wmel__fe_stream_end(const wmel_fe *fe, size_t total, size_t padding, size_t *end)
{
    (void)padding;
    size_t rows, cols;
    int rc = wmel__fe_shape(&fe->p, total, &rows, &cols); /* empty, too short */
    if (rc) return rc;
    *end = computed_frames(fe, total);
    return WMEL_OK;
}

/* ---- frames on the calling thread ---- */

int wmel__fe_here_new(const wmel_fe *fe, void **work, size_t *bytes)
{
    fe_work *w = calloc(1, sizeof *w);
    *work = w;
    *bytes = 0;
    if (!w || work_init(w, fe) != WMEL_OK) return WMEL_ERR_NO_MEMORY;
    *bytes = w->bytes;
    return WMEL_OK;
}

void wmel__fe_here_free(void *work)
{
    fe_work *w = work;
    if (!w) return;
    wmel__aligned_free(w->buf);
    free(w);
}

int wmel__fe_here_frames(const wmel_ctx *ctx, void *work, const wmel_signal *s, size_t t0,
                         size_t count, float *dst, size_t ts, size_t cs, float *max)
{
    (void)ctx;
    (void)max; /* not kept for a plan: its normalisation scans the output */
    return run_frames(work, s->f32, s->n, t0, count, dst, ts, cs, 0);
}
