/*
 * long.c -- wmel_features() of an input of any length in bounded memory (wmel_long_*).
 *
 * The samples go through a wmel_stream on the ctx; its raw frames (the plan's values before
 * the clip-wide finish) are copied into blocks of BLOCK frames, [n_cols][BLOCK] each. A
 * full block is kept in memory while the blocks held there stay within the caller's bound,
 * else appended to an anonymous temporary file; the last, partial block stays where it was
 * filled. Blocks start at multiples of BLOCK, a multiple of WMEL_FE_STATS_CHUNK, so every
 * chunk of the statistics lies inside one block: a block's chunks are summed by fe_cpu.c's
 * own wmel__fe_chunk_sums() as the block completes (the means), the chunks' sums added in
 * chunk order, and the squared deviations at finish in a second pass over the blocks -- the
 * sums of wmel_features(), so the means and denominators are its doubles bit for bit.
 * Writing then applies the finish to each value as fe_cpu.c does (the normalisation,
 * Whisper's clamp to max - 8, the zero frames where no frame is computed: NeMo's last
 * column, pad_to, Seamless's odd frame; stacking is the same bytes as consecutive frames)
 * in one sequential pass per layout:
 *   [n_cols][frames]: row c gathers row c of every block, then the zero columns;
 *   [frames][n_cols]: each block transposed, then the zero frames.
 * The statuses are wmel_features()'s: every push is checked for NaN / Inf before the stream
 * sees it, and a sample error leaves the object taking and checking samples so that finish
 * can rank them as that call does: a plan's path refuses a NaN anywhere; Whisper's frame
 * driver one that a frame reads (frames flag it, then the samples they read are searched),
 * so there a NaN past the last frame's samples is no error, and the stream gets 0 for it.
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"
#include "fe/fe.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define BLOCK 1024 /* frames per block: a multiple of WMEL_FE_STATS_CHUNK */
#define ZEROS 1024 /* floats of the zero run written at a time */
#define CLEAN 4096 /* samples a push's copy holds */

_Static_assert(BLOCK % WMEL_FE_STATS_CHUNK == 0, "a chunk of the statistics spans one block");

enum { NORM_OFF, NORM_MAX, NORM_STATS }; /* the finish applied while writing */

struct wmel_long {
    wmel_ctx *ctx;
    const wmel_fe *fe;     /* the compiled plan */
    int general;           /* 1: its algorithm is the general one (fe/); 0: pfa400, Whisper's
                              geometry on the frame driver */
    wmel_frontend_plan p;
    wmel_stream *ws;
    size_t nc;             /* columns per frame */
    int norm;              /* NORM_* */
    float *stage;          /* [nc][BLOCK]: the block being filled */
    size_t staged;         /* its frames */
    float **mem;           /* the first n_mem full blocks */
    size_t n_mem, cap_mem, max_mem;
    FILE *file;            /* the later full blocks, in order */
    size_t n_file;
    size_t frames;         /* frames received */
    size_t samples;        /* samples pushed */
    double *sum, *part;    /* [nc] each: the chunks' sums so far; one chunk's */
    double *mean, *den;    /* [nc] each, after finish */
    float lo;              /* the floor of the clamp: the largest value (or the plan's fixed
                              max) - 8 (or the plan's range) */
    int ext;               /* the plan's finish has an appended variant (fe.h: wmel__fe_ext) */
    int then;              /* WMEL_NORMF_THEN_MEAN_VAR: mean and den its statistics */
    size_t keep;           /* frames kept: the plan's n_frames, else all */
    size_t nv_out;         /* WMEL_STACK_TAIL_TRIM: the frames of the output; SIZE_MAX: all kept */
    size_t seen;           /* frames the stream gave */
    float max;             /* the largest value kept (the ext finish's max) */
    float *rbuf, *obuf;    /* a block read back; a block's output */
    size_t first_bad;      /* the first NaN or Inf sample; SIZE_MAX: none */
    float *clean;          /* CLEAN samples: a push's with its NaN and Inf set to 0 */
    int range;             /* the stream found a sample too large */
    int failed;            /* any other failure: returned by every later call */
    int finished, status;  /* finish's status */
    char err[512];         /* the temporary file's failure */
};

static size_t block_floats(const wmel_long *l) { return l->nc * BLOCK; }

/* A failure of the temporary file: its sentence, WMEL_ERR_IO. */
static int io_fail(wmel_long *l, const char *what, int e)
{
    const char *why = e ? strerror(e) : "unknown error";
    if (!strcmp(what, "create")) /* the folder is what failed */
        snprintf(l->err, sizeof l->err, "cannot create a temporary file in %s ($TMPDIR): %s", wmel__tmpdir(), why);
    else
        snprintf(l->err, sizeof l->err, "cannot %s the temporary file (in %s, $TMPDIR): %s", what, wmel__tmpdir(), why);
    return WMEL_ERR_IO;
}

/* The statistics over a block's frames [0, nf): each chunk of WMEL_FE_STATS_CHUNK frames
 * summed by fe_cpu.c's wmel__fe_chunk_sums() (the values, or with mean their squared
 * deviations), the chunks' sums added to acc in chunk order. */
static void block_sums(wmel_long *l, const float *b, size_t nf, const double *mean, double *acc)
{
    for (size_t t = 0; t < nf; t += WMEL_FE_STATS_CHUNK) {
        const size_t t1 = nf - t < WMEL_FE_STATS_CHUNK ? nf : t + WMEL_FE_STATS_CHUNK;
        wmel__fe_chunk_sums(l->fe, b, 1, BLOCK, t, t1, mean, l->part);
        for (size_t c = 0; c < l->nc; c++) acc[c] += l->part[c];
    }
}

/* The staged block is full: its sums, then kept in memory or appended to the file. */
static int store(wmel_long *l)
{
    const size_t bf = block_floats(l);
    if (l->norm == NORM_STATS) block_sums(l, l->stage, BLOCK, NULL, l->sum);
    if (!l->file && l->n_mem < l->max_mem) {
        if (l->n_mem == l->cap_mem) {
            const size_t nc = l->cap_mem ? 2 * l->cap_mem : 16;
            float **nm = realloc(l->mem, nc * sizeof *nm);
            if (!nm) return WMEL_ERR_NO_MEMORY;
            l->mem = nm;
            l->cap_mem = nc;
        }
        float *fresh = malloc(bf * sizeof *fresh);
        if (!fresh) return WMEL_ERR_NO_MEMORY;
        l->mem[l->n_mem++] = l->stage; /* the block moves; a fresh one is filled next */
        l->stage = fresh;
    } else {
        errno = 0;
        if (!l->file && !(l->file = wmel__tmpfile()))
            return io_fail(l, "create", errno);
        errno = 0;
        if (fwrite(l->stage, sizeof(float), bf, l->file) != bf)
            return io_fail(l, "write", errno);
        l->n_file++;
    }
    l->staged = 0;
    return WMEL_OK;
}

/* The stream's frames [f0, f0 + nf), raw[c * nf + t], into the blocks. */
static int take(void *user, const float *raw, size_t f0, size_t nf)
{
    wmel_long *l = user;
    if (f0 != l->seen) return WMEL_ERR_INVALID_ARG; /* not reached: frames come in order */
    l->seen += nf;
    const size_t stride = nf; /* raw's row length */
    if (nf > l->keep - l->frames) nf = l->keep - l->frames; /* n_frames: the rest dropped */
    if (l->ext && l->norm == NORM_MAX)
        for (size_t c = 0; c < l->nc; c++)
            for (size_t t = 0; t < nf; t++) l->max = raw[c * stride + t] > l->max ? raw[c * stride + t] : l->max;
    for (size_t t = 0; t < nf;) {
        const size_t k = BLOCK - l->staged < nf - t ? BLOCK - l->staged : nf - t;
        for (size_t c = 0; c < l->nc; c++)
            memcpy(l->stage + c * BLOCK + l->staged, raw + c * stride + t, k * sizeof(float));
        l->staged += k;
        l->frames += k;
        t += k;
        if (l->staged == BLOCK) {
            int rc = store(l);
            if (rc) return rc;
        }
    }
    return WMEL_OK;
}

void wmel_long_destroy(wmel_long *l)
{
    if (!l) return;
    wmel_stream_destroy(l->ws);
    for (size_t i = 0; i < l->n_mem; i++) free(l->mem[i]);
    free(l->mem);
    free(l->stage);
    if (l->file) fclose(l->file);
    free(l->sum);
    free(l->rbuf);
    free(l->obuf);
    free(l->clean);
    free(l);
}

wmel_long *wmel_long_create(wmel_ctx *ctx, size_t mem_bytes, int *status)
{
    int rc = WMEL_OK;
    wmel_long *l = NULL;
    if (!ctx) rc = WMEL_ERR_NULL_POINTER;
    else if (ctx->fe->algo == &wmel__algo_general && ctx->backend == WMEL_BACKEND_REF) rc = WMEL_ERR_INVALID_ARG;
    else if (!(l = calloc(1, sizeof *l))) rc = WMEL_ERR_NO_MEMORY;
    if (rc == WMEL_OK) {
        ctx = wmel__live_ctx(ctx); /* a device's plan of Whisper's geometry: the CPU's own kernels */
        l->ctx = ctx;
        l->fe = ctx->fe;
        l->general = ctx->fe->algo == &wmel__algo_general || ctx->fe->algo == &wmel__algo_pfa400_snip;
        l->first_bad = SIZE_MAX;
        rc = wmel_ctx_plan(ctx, &l->p);
    }
    if (rc == WMEL_OK) {
        l->nc = wmel__fe_width(&l->p);
        l->norm = l->p.norm == WMEL_NORM_PER_FEATURE || l->p.norm == WMEL_NORM_MEAN_VAR ? NORM_STATS
                  : l->p.norm == WMEL_NORM_WHOLE                                       ? NORM_MAX
                                                                                       : NORM_OFF;
        if (l->norm == NORM_STATS && !l->general) rc = WMEL_ERR_INVALID_ARG; /* not reached */
        l->ext = l->general && wmel__fe_ext_fe(l->fe);
        l->then = l->ext && l->norm == NORM_MAX && (l->p.norm_flags & WMEL_NORMF_THEN_MEAN_VAR);
        l->keep = l->p.n_frames > 0 ? (size_t)l->p.n_frames : SIZE_MAX;
        l->nv_out = SIZE_MAX;
        l->max = -HUGE_VALF;
        l->max_mem = mem_bytes / (block_floats(l) * sizeof(float));
        l->stage = malloc(block_floats(l) * sizeof *l->stage);
        l->sum = calloc(4 * l->nc, sizeof *l->sum);
        if (rc == WMEL_OK && (!l->stage || !l->sum)) rc = WMEL_ERR_NO_MEMORY;
    }
    if (rc == WMEL_OK) {
        l->part = l->sum + l->nc;
        l->mean = l->sum + 2 * l->nc;
        l->den = l->sum + 3 * l->nc;
        l->ws = wmel__stream_create(ctx, 0, take, l, 0, &rc); /* raw: the affine at the finish */
    }
    if (rc != WMEL_OK) {
        wmel_long_destroy(l);
        l = NULL;
    }
    if (status) *status = rc;
    return l;
}

/* The first NaN or Inf (exponent bits all ones) of x[0 .. n), or n. */
static size_t first_bad(const float *x, size_t n)
{
    for (size_t i0 = 0; i0 < n; i0 += 1024) {
        const size_t e = n - i0 < 1024 ? n - i0 : 1024;
        uint32_t bad = 0;
        for (size_t i = 0; i < e; i++) { /* integer operations the compiler vectorises */
            uint32_t u;
            memcpy(&u, x + i0 + i, sizeof u);
            bad |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
        }
        if (bad)
            for (size_t i = i0; i < i0 + e; i++)
                if (!isfinite(x[i])) return i;
    }
    return n;
}

/* 1 when the NaN or Inf pushed decides wmel_features()'s status for n samples (their shape
 * aside): a plan's path refuses one anywhere; Whisper's geometry one that a frame reads,
 * samples [0, 160 (n / 160 - 1) + 200), as its frame driver reports them. */
static int nan_counts(const wmel_long *l, size_t n)
{
    if (l->first_bad == SIZE_MAX) return 0;
    if (l->general) return 1;
    const size_t nf = wmel_n_frames(n, 0);
    return nf && l->first_bad < (nf - 1) * WMEL_HOP + WMEL_N_FFT / 2;
}

/* Whisper's geometry, a NaN or Inf no frame may read: the stream gets 0 in its place (a
 * value no frame reads changes nothing). */
static int push_clean(wmel_long *l, const float *pcm, size_t n)
{
    if (!l->clean && !(l->clean = malloc(CLEAN * sizeof *l->clean))) return WMEL_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i += CLEAN) {
        const size_t k = n - i < CLEAN ? n - i : CLEAN;
        for (size_t j = 0; j < k; j++) l->clean[j] = isfinite(pcm[i + j]) ? pcm[i + j] : 0.0f;
        int rc = wmel_stream_push(l->ws, l->clean, k);
        if (rc) return rc;
    }
    return WMEL_OK;
}

int wmel_long_push(wmel_long *l, const float *pcm, size_t n)
{
    if (!l || (!pcm && n)) return WMEL_ERR_NULL_POINTER;
    if (l->failed) return l->failed;
    if (l->finished) return WMEL_ERR_INVALID_ARG;
    if (n > SIZE_MAX / 8 - l->samples) return WMEL_ERR_OVERFLOW;
    const size_t want = l->p.n_samples > 0 ? (size_t)l->p.n_samples : SIZE_MAX;
    if (n > want - (l->samples < want ? l->samples : want)) n = want - (l->samples < want ? l->samples : want);
    const size_t at = l->samples; /* (n_samples: the samples past it dropped) */
    l->samples += n;
    size_t fb = n;
    if (l->first_bad == SIZE_MAX && (fb = first_bad(pcm, n)) < n) l->first_bad = at + fb;
    if (nan_counts(l, l->samples)) return WMEL_ERR_NOT_FINITE; /* the stream is not needed */
    if (l->range) return WMEL_ERR_SAMPLE_RANGE;
    int rc = l->first_bad != SIZE_MAX ? push_clean(l, pcm, n) : wmel_stream_push(l->ws, pcm, n);
    if (rc == WMEL_ERR_SAMPLE_RANGE) l->range = 1;
    else if (rc) l->failed = rc;
    return rc;
}

size_t wmel_long_samples(const wmel_long *l) { return l ? l->samples : 0; }

const char *wmel_long_error(const wmel_long *l) { return l ? l->err : ""; }

int wmel_long_shape(const wmel_long *l, size_t *rows, size_t *cols)
{
    if (!l) return WMEL_ERR_NULL_POINTER;
    return wmel_features_shape(l->ctx, l->samples, rows, cols);
}

/* Full block i: in memory, or read from the file into l->rbuf. */
static int block_at(wmel_long *l, size_t i, const float **b)
{
    if (i < l->n_mem) {
        *b = l->mem[i];
        return WMEL_OK;
    }
    const size_t bf = block_floats(l);
    errno = 0;
    if (fseeko(l->file, (off_t)(i - l->n_mem) * (off_t)bf * (off_t)sizeof(float), SEEK_SET) != 0 ||
        fread(l->rbuf, sizeof(float), bf, l->file) != bf)
        return io_fail(l, "read back", errno);
    *b = l->rbuf;
    return WMEL_OK;
}

/* WMEL_NORMF_THEN_MEAN_VAR's statistics of the valid frames [0, nv) after the clamp and the
 * affine, into l->mean and l->den: each block's values finished into l->obuf ([nc][BLOCK],
 * as a block), summed chunk by chunk as fe_cpu.c's then_mean_var() sums them. */
static int then_stats(wmel_long *l, size_t nv, size_t nb)
{
    const int mean_only = (l->p.norm_flags & WMEL_NORMF_MEAN_ONLY) != 0;
    for (size_t c = 0; c < l->nc; c++) l->sum[c] = l->den[c] = 0.0;
    for (int pass = 0; pass < (mean_only ? 1 : 2); pass++) {
        for (size_t i = 0; i <= nb && i * BLOCK < nv; i++) {
            const float *b = l->stage;
            int rc;
            if (i < nb && (rc = block_at(l, i, &b)) != WMEL_OK) return rc;
            const size_t f = nv - i * BLOCK < BLOCK ? nv - i * BLOCK : BLOCK;
            for (size_t c = 0; c < l->nc; c++)
                for (size_t t = 0; t < f; t++) {
                    const float v = b[c * BLOCK + t];
                    const float y = ((v < l->lo ? l->lo : v) + 4.0f) * 0.25f;
                    l->obuf[c * BLOCK + t] = l->p.affine ? (float)((double)y * l->p.post_scale + l->p.post_shift) : y;
                }
            block_sums(l, l->obuf, f, pass ? l->mean : NULL, pass ? l->den : l->sum);
        }
        for (size_t c = 0; !pass && c < l->nc; c++) l->mean[c] = nv ? l->sum[c] / (double)nv : 0.0;
    }
    for (size_t c = 0; c < l->nc; c++) l->den[c] = wmel__fe_then_denom(&l->p, l->den[c], nv, l->mean[c]);
    return WMEL_OK;
}

/* The end of the input (see wmel_long_finish): the last frames and the statistics. */
static int finish(wmel_long *l)
{
    size_t rows, cols;
    int rc = wmel_features_shape(l->ctx, l->samples, &rows, &cols);
    if (rc) return rc;
    if (nan_counts(l, l->samples)) return WMEL_ERR_NOT_FINITE;
    if (l->range) return WMEL_ERR_SAMPLE_RANGE;
    if ((rc = wmel_stream_finish(l->ws)) != WMEL_OK) {
        if (rc != WMEL_ERR_SAMPLE_RANGE) l->failed = rc;
        return rc;
    }
    const size_t bf = block_floats(l);
    size_t nv = l->frames;
    l->rbuf = malloc(bf * sizeof *l->rbuf);
    l->obuf = malloc(bf * sizeof *l->obuf);
    if (!l->rbuf || !l->obuf) return l->failed = WMEL_ERR_NO_MEMORY;
    errno = 0;
    if (l->file && fflush(l->file) != 0) /* a full disk often shows only here */
        return l->failed = io_fail(l, "write", errno);
    const size_t nb = l->n_mem + l->n_file;
    if (l->ext && wmel__fe_valid(&l->p, l->samples) < nv) {
        /* WMEL_STACK_TAIL_TRIM: the last frames are not part of the output; the statistics
           taken as the frames came are taken again over the frames kept */
        nv = wmel__fe_valid(&l->p, l->samples);
        l->max = -HUGE_VALF;
        for (size_t c = 0; c < l->nc; c++) l->sum[c] = 0.0;
        for (size_t i = 0; i <= nb; i++) {
            const float *b = l->stage;
            if (i < nb && (rc = block_at(l, i, &b)) != WMEL_OK) return l->failed = rc;
            const size_t f = i * BLOCK >= nv ? 0 : nv - i * BLOCK < BLOCK ? nv - i * BLOCK : BLOCK;
            if (l->norm == NORM_STATS) block_sums(l, b, f, NULL, l->sum);
            for (size_t c = 0; l->norm == NORM_MAX && c < l->nc; c++)
                for (size_t t = 0; t < f; t++) l->max = b[c * BLOCK + t] > l->max ? b[c * BLOCK + t] : l->max;
        }
        l->nv_out = nv;
    }
    if (l->norm == NORM_MAX && !l->ext) {
        l->lo = wmel__fe_whole_max(&l->p, wmel_stream_max(l->ws)) - 8.0f; /* the largest raw value of every frame */
    } else if (l->norm == NORM_MAX) { /* wmel__fe_finish_ext's clamp */
        const float mx = l->p.norm_flags & WMEL_NORMF_FIXED_MAX ? (float)l->p.norm_max : l->max;
        l->lo = mx - (float)(l->p.norm_range > 0.0 ? l->p.norm_range : 8.0);
        if (l->then && (rc = then_stats(l, nv, nb)) != WMEL_OK) return l->failed = rc;
    } else if (l->norm == NORM_STATS) {
        /* fe_cpu.c's statistics: the chunks' sums in chunk order, the mean, then the
           squared deviations from it chunked alike */
        if (l->nv_out == SIZE_MAX) block_sums(l, l->stage, l->staged, NULL, l->sum);
        const int all = (l->p.norm_flags & WMEL_NORMF_ALL) != 0;
        double tot = 0.0; /* all features: the columns' sums in column order, one mean */
        for (size_t c = 0; all && c < l->nc; c++) tot += l->sum[c];
        for (size_t c = 0; c < l->nc; c++)
            l->mean[c] = !nv ? 0.0 : all ? tot / ((double)nv * (double)l->nc) : l->sum[c] / (double)nv;
        for (size_t i = 0; i < nb; i++) {
            const float *b;
            if ((rc = block_at(l, i, &b)) != WMEL_OK) return l->failed = rc;
            block_sums(l, b, i * BLOCK >= nv ? 0 : nv - i * BLOCK < BLOCK ? nv - i * BLOCK : BLOCK, l->mean, l->den);
        }
        block_sums(l, l->stage, nb * BLOCK >= nv ? 0 : nv - nb * BLOCK, l->mean, l->den);
        if (all) { /* the columns' squared deviations in column order, one denominator */
            double ss = 0.0;
            for (size_t c = 0; c < l->nc; c++) ss += l->den[c];
            const double d = wmel__fe_denom(&l->p, ss, nv * l->nc);
            for (size_t c = 0; c < l->nc; c++) l->den[c] = d;
        } else {
            for (size_t c = 0; c < l->nc; c++) l->den[c] = wmel__fe_denom(&l->p, l->den[c], nv);
        }
        for (size_t c = 0; c < l->nc; c++) l->den[c] = wmel__fe_den_floor(&l->p, l->den[c], l->mean[c]);
    }
    return WMEL_OK;
}

int wmel_long_finish(wmel_long *l)
{
    if (!l) return WMEL_ERR_NULL_POINTER;
    if (l->failed) return l->failed;
    if (!l->finished && l->p.n_samples > 0 && l->samples < (size_t)l->p.n_samples) { /* zeros up to it */
        static const float zeros[4096];
        int rc = WMEL_OK;
        while (rc == WMEL_OK && l->samples < (size_t)l->p.n_samples) {
            const size_t k = (size_t)l->p.n_samples - l->samples;
            rc = wmel_long_push(l, zeros, k < 4096 ? k : 4096);
        }
        if (rc) return rc;
    }
    if (!l->finished) {
        l->finished = 1;
        l->status = finish(l);
    }
    return l->failed ? l->failed : l->status;
}

void wmel__long_stats(const wmel_long *l, const double **mean, const double **den)
{
    const int have = l && l->finished && !l->failed && !l->status && l->norm == NORM_STATS;
    *mean = have ? l->mean : NULL;
    *den = have ? l->den : NULL;
}

/* The plan's affine, then (a valid frame's value) WMEL_NORMF_THEN_MEAN_VAR's statistics, then the
 * ctx's per-column affine, on value v of column c (wmel__fe_finish_ext's order and arithmetic). */
static inline float post_v(const wmel_long *l, size_t c, float v, int valid)
{
    if (l->p.affine) v = (float)((double)v * l->p.post_scale + l->p.post_shift);
    if (l->then && valid) v = l->den[c] > 0.0 ? (float)((v - l->mean[c]) / l->den[c]) : 0.0f;
    if (l->general && l->fe->col_scale && !l->p.cols_stacked) v = (float)((double)v * l->fe->col_scale[c] + l->fe->col_shift[c]);
    return v;
}

static inline float post(const wmel_long *l, size_t c, float v) { return post_v(l, c, v, 0); }

/* n finished values to the caller's fn, unless one of them passed float32's range
 * (wmel__fe_out_check: WMEL_ERR_SAMPLE_RANGE). */
static int put(const wmel_long *l, wmel_write_fn fn, void *user, const float *v, size_t n)
{
    const int rc = l->fe ? wmel__fe_out_check(l->fe, v, n) : WMEL_OK;
    return rc ? rc : fn(user, v, n);
}

/* Value v of column c, finished as fe_cpu.c finishes it. */
static inline float finished_value(const wmel_long *l, size_t c, float v)
{
    if (l->norm == NORM_STATS) v = l->den[c] > 0.0 ? (float)((v - l->mean[c]) / l->den[c]) : 0.0f;
    else if (l->norm == NORM_MAX) v = ((v < l->lo ? l->lo : v) + 4.0f) * 0.25f;
    return l->ext ? post_v(l, c, v, 1) : v;
}

/* The frames after the computed ones up to the plan's output frames (pad_to, n_frames):
 * pad_value through the affine; n frames of column c (layout MELS_FRAMES) or of every
 * column (c SIZE_MAX, FRAMES_MELS); then the zeros of the rest are the caller's. */
static int write_pad(wmel_long *l, wmel_write_fn fn, void *user, size_t c, size_t n)
{
    const size_t per = c == SIZE_MAX ? l->nc : 1, cap = block_floats(l) / per;
    while (n) {
        const size_t k = n < cap ? n : cap;
        for (size_t t = 0; t < k; t++)
            for (size_t j = 0; j < per; j++)
                l->obuf[t * per + j] = post(l, c == SIZE_MAX ? j : c, (float)l->p.pad_value);
        int rc = put(l, fn, user, l->obuf, k * per);
        if (rc) return rc;
        n -= k;
    }
    return WMEL_OK;
}

static int write_zeros(wmel_write_fn fn, void *user, size_t n)
{
    static const float zero[ZEROS];
    while (n) {
        const size_t k = n < ZEROS ? n : ZEROS;
        int rc = fn(user, zero, k);
        if (rc) return rc;
        n -= k;
    }
    return WMEL_OK;
}

/* A post stage's plan (fe_post.c): the frames before it, finished, pushed one by one; each
 * row goes to the caller's fn as it comes. */
typedef struct post_sink {
    const wmel_long *l;
    wmel_write_fn fn;
    void *user;
    size_t cols;
} post_sink;

static int post_row(void *user, const float *row, size_t r)
{
    (void)r;
    const post_sink *k = user;
    return put(k->l, k->fn, k->user, row, k->cols);
}

static int write_post(wmel_long *l, wmel_write_fn fn, void *user)
{
    const size_t T = wmel__fe_out_frames(&l->p, l->samples), nc = l->nc, nb = l->n_mem + l->n_file;
    size_t nv = wmel__fe_valid(&l->p, l->samples);
    if (nv > l->frames) nv = l->frames;
    if (nv > T) nv = T;
    wmel_fe_post ps;
    int rc = wmel__fe_post_init(&ps, l->fe, T);
    if (rc) return rc;
    post_sink k = {l, fn, user, ps.cols};
    for (size_t i = 0; rc == WMEL_OK && i <= nb && i * BLOCK < nv; i++) {
        const float *b = l->stage;
        if (i < nb && (rc = block_at(l, i, &b)) != WMEL_OK) {
            l->failed = rc;
            break;
        }
        const size_t f = nv - i * BLOCK < BLOCK ? nv - i * BLOCK : BLOCK;
        for (size_t t = 0; rc == WMEL_OK && t < f; t++) {
            for (size_t c = 0; c < nc; c++) l->obuf[c] = finished_value(l, c, b[c * BLOCK + t]);
            rc = wmel__fe_post_push(&ps, l->obuf, post_row, &k);
        }
    }
    for (size_t t = nv; rc == WMEL_OK && t < T; t++) { /* pad_value's frames through the affine */
        for (size_t c = 0; c < nc; c++) l->obuf[c] = post(l, c, (float)l->p.pad_value);
        rc = wmel__fe_post_push(&ps, l->obuf, post_row, &k);
    }
    wmel__fe_post_free(&ps);
    return rc;
}

int wmel_long_write(wmel_long *l, wmel_write_fn fn, void *user)
{
    if (!l || !fn) return WMEL_ERR_NULL_POINTER;
    if (l->failed) return l->failed;
    if (!l->finished) return WMEL_ERR_INVALID_ARG;
    if (l->status) return l->status;
    size_t rows, cols;
    int rc = wmel_features_shape(l->ctx, l->samples, &rows, &cols);
    if (rc) return rc;
    if (l->general && wmel__fe_post_on(&l->p)) return write_post(l, fn, user);
    const size_t nc = l->nc, nv = l->frames, nb = l->n_mem + l->n_file;
    /* the ext finish's pad frames [nv, nfo) (before stacking) */
    size_t npad = 0;
    if (l->ext) {
        const size_t nfo = wmel__fe_out_frames(&l->p, l->samples);
        npad = nfo > nv ? nfo - nv : 0;
    }
    if (l->p.layout == WMEL_LAYOUT_MELS_FRAMES) {
        if (rows != nc || cols < nv) return WMEL_ERR_INVALID_ARG; /* not reached */
        for (size_t c = 0; c < nc; c++) {
            for (size_t i = 0; i <= nb; i++) {
                const size_t nf = i < nb ? BLOCK : l->staged;
                const float *r;
                if (i == nb) {
                    r = l->stage + c * BLOCK;
                } else if (i < l->n_mem) {
                    r = l->mem[i] + c * BLOCK;
                } else { /* row c of a block in the file */
                    errno = 0;
                    if (fseeko(l->file, ((off_t)(i - l->n_mem) * (off_t)nc + (off_t)c) * BLOCK * (off_t)sizeof(float), SEEK_SET) ||
                        fread(l->rbuf, sizeof(float), BLOCK, l->file) != BLOCK)
                        return l->failed = io_fail(l, "read back", errno);
                    r = l->rbuf;
                }
                if (!nf) continue;
                for (size_t t = 0; t < nf; t++) l->obuf[t] = finished_value(l, c, r[t]);
                if ((rc = put(l, fn, user, l->obuf, nf)) != 0) return rc;
            }
            if (npad > cols - nv) return WMEL_ERR_INVALID_ARG; /* not reached */
            if ((rc = write_pad(l, fn, user, c, npad)) != 0) return rc;
            if ((rc = write_zeros(fn, user, cols - nv - npad)) != 0) return rc;
        }
        return WMEL_OK;
    }
    if (rows * cols < nv * nc) return WMEL_ERR_INVALID_ARG; /* not reached */
    for (size_t i = 0; i <= nb; i++) {
        const size_t nf = i < nb ? BLOCK : l->staged;
        const float *b = l->stage;
        if (i < nb && (rc = block_at(l, i, &b)) != WMEL_OK) return l->failed = rc;
        if (!nf) continue;
        for (size_t t = 0; t < nf; t++)
            for (size_t c = 0; c < nc; c++) l->obuf[t * nc + c] = finished_value(l, c, b[c * BLOCK + t]);
        if ((rc = put(l, fn, user, l->obuf, nf * nc)) != 0) return rc;
    }
    if (npad * nc > rows * cols - nv * nc) return WMEL_ERR_INVALID_ARG; /* not reached */
    if ((rc = write_pad(l, fn, user, SIZE_MAX, npad)) != 0) return rc;
    return write_zeros(fn, user, rows * cols - nv * nc - npad * nc);
}
