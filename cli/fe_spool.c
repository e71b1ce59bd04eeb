/*
 * fe_spool.c -- another front-end's features in bounded memory (fe_spool.h): the plan's
 * raw frames from wmel_stream kept as runs, then the front-end's finish applied while the
 * output is written in one sequential pass per layout:
 *   (n_cols, frames) (NeMo):  row c gathers row c of every run, then the zero columns;
 *   (frames, n_cols) (Kaldi, Seamless): each run transposed, then the zero frames (pad_to,
 *                      Seamless's odd frame), stacking being the same bytes.
 * The statistics are fe_cpu.c's: for each column, the sum of the float values (taken here
 * as the frames come), the mean, then the sum of squared deviations from it (a pass over
 * the runs before writing), each summed as wmel_features sums it: in chunks of
 * STATS_CHUNK valid frames (frames [k C, (k + 1) C), whatever the runs), within a chunk in
 * frame order in double from 0, the chunks' sums added in chunk order; the denominator
 * sqrt(var) + eps (per_feature) or sqrt(var + eps) (mean_var) with the Bessel variance, 0
 * for one frame; a value is (x - mean) / denom where denom > 0, else 0.
 */
#define _POSIX_C_SOURCE 200809L
#include "fe_spool.h"
#include "out.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* The statistics' chunk: WMEL_FE_STATS_CHUNK of src/fe/fe.h (the library's order, which
 * tests/cli/test_frontends_cli.sh holds this file to byte for byte). */
#define STATS_CHUNK 64

/* A sum over frames in chunks of STATS_CHUNK: acc[c] the chunks done, part[c] the chunk
 * under way (from frame `at` on). */
typedef struct chunked {
    double *acc, *part;
    size_t nc, at;
} chunked;

/* Adds frames [at, at + nf) of rows[c * stride + t] (mean NULL) or their squared
 * deviations from mean[c]; the frames come in order. */
static void chunked_add(chunked *k, const float *rows, size_t stride, size_t nf, const double *mean)
{
    size_t t = 0;
    while (t < nf) {
        const size_t in = k->at % STATS_CHUNK, take = STATS_CHUNK - in < nf - t ? STATS_CHUNK - in : nf - t;
        for (size_t c = 0; c < k->nc; c++) {
            const float *r = rows + c * stride + t;
            double a = in ? k->part[c] : 0.0;
            if (mean)
                for (size_t i = 0; i < take; i++) {
                    const double d = r[i] - mean[c];
                    a += d * d;
                }
            else
                for (size_t i = 0; i < take; i++) a += r[i];
            k->part[c] = a;
        }
        t += take;
        k->at += take;
        if (k->at % STATS_CHUNK == 0)
            for (size_t c = 0; c < k->nc; c++) k->acc[c] += k->part[c];
    }
}

/* The last chunk, where it is partial. */
static void chunked_end(chunked *k)
{
    if (k->at % STATS_CHUNK)
        for (size_t c = 0; c < k->nc; c++) k->acc[c] += k->part[c];
    k->at = 0;
}

typedef struct fe_run {
    size_t f0, nf;
    size_t off; /* in floats: in memory below mem_len, else in the file at off - mem_len */
} fe_run;

struct wmel_fe_spool {
    wmel_ctx *ctx;
    wmel_frontend_plan plan;
    wmel_stream *ws;
    size_t nc;            /* columns per frame */
    size_t limit;         /* floats held in memory at most */
    fe_run *runs;
    size_t n_runs, cap_runs;
    float *mem;
    size_t mem_len, mem_cap;
    FILE *file;
    size_t in_file;       /* floats in the file */
    size_t frames;        /* frames received */
    double *sum, *part;   /* [nc] each: the chunked sum of every column (chunked) */
    chunked stats;
    int err;              /* errno of a failed temporary file access */
    size_t rows, cols;
};

static int take_run(void *user, const float *raw, size_t f0, size_t nf)
{
    wmel_fe_spool *s = user;
    const size_t cnt = s->nc * nf;
    if (f0 != s->frames) return WMEL_ERR_INVALID_ARG; /* not reached: frames come in order */
    if (s->n_runs == s->cap_runs) {
        size_t nc = s->cap_runs ? 2 * s->cap_runs : 64;
        fe_run *nr = realloc(s->runs, nc * sizeof *nr);
        if (!nr) return WMEL_ERR_NO_MEMORY;
        s->runs = nr;
        s->cap_runs = nc;
    }
    fe_run *u = &s->runs[s->n_runs];
    u->f0 = f0;
    u->nf = nf;
    if (!s->file && s->mem_len + cnt <= s->limit) {
        if (s->mem_len + cnt > s->mem_cap) {
            size_t nc = s->mem_cap ? 2 * s->mem_cap : 2 * cnt;
            while (nc < s->mem_len + cnt) nc *= 2;
            if (nc > s->limit) nc = s->limit;
            float *nm = realloc(s->mem, nc * sizeof *nm);
            if (!nm) return WMEL_ERR_NO_MEMORY;
            s->mem = nm;
            s->mem_cap = nc;
        }
        memcpy(s->mem + s->mem_len, raw, cnt * sizeof(float));
        u->off = s->mem_len;
        s->mem_len += cnt;
    } else {
        errno = 0;
        if (!s->file && !(s->file = wmel_cli_tmpfile())) {
            s->err = errno ? errno : EIO;
            return WMEL_ERR_IO;
        }
        if (fwrite(raw, sizeof(float), cnt, s->file) != cnt) {
            s->err = errno ? errno : EIO;
            return WMEL_ERR_IO;
        }
        u->off = s->mem_len + s->in_file;
        s->in_file += cnt;
    }
    s->n_runs++;
    /* each column's sum (fe_cpu.c's first pass) where the plan normalises by the statistics
       (Whisper's normalisation takes the stream's max, wmel_stream_max) */
    if (s->plan.norm == WMEL_NORM_PER_FEATURE || s->plan.norm == WMEL_NORM_MEAN_VAR)
        chunked_add(&s->stats, raw, nf, nf, NULL);
    s->frames += nf;
    return WMEL_OK;
}

wmel_fe_spool *wmel_fe_spool_new(wmel_ctx *ctx, size_t mem, int *status)
{
    wmel_fe_spool *s = calloc(1, sizeof *s);
    if (!s) {
        *status = WMEL_ERR_NO_MEMORY;
        return NULL;
    }
    s->ctx = ctx;
    int rc = wmel_ctx_plan(ctx, &s->plan);
    if (rc == WMEL_OK) {
        s->nc = (size_t)s->plan.n_mels + (size_t)(s->plan.use_energy != 0);
        s->limit = mem / sizeof(float);
        s->sum = calloc(s->nc, sizeof *s->sum);
        s->part = calloc(s->nc, sizeof *s->part);
        s->stats = (chunked){s->sum, s->part, s->nc, 0};
        if (!s->sum || !s->part) rc = WMEL_ERR_NO_MEMORY;
    }
    if (rc == WMEL_OK) s->ws = wmel_stream_create(ctx, 0, take_run, s, &rc);
    if (rc != WMEL_OK) {
        wmel_fe_spool_free(s);
        *status = rc;
        return NULL;
    }
    *status = WMEL_OK;
    return s;
}

void wmel_fe_spool_free(wmel_fe_spool *s)
{
    if (!s) return;
    wmel_stream_destroy(s->ws);
    free(s->runs);
    free(s->mem);
    free(s->sum);
    free(s->part);
    if (s->file) fclose(s->file);
    free(s);
}

int wmel_fe_spool_push(wmel_fe_spool *s, const float *pcm, size_t n)
{
    return wmel_stream_push(s->ws, pcm, n);
}

int wmel_fe_spool_finish(wmel_fe_spool *s)
{
    int rc = wmel_stream_finish(s->ws);
    if (rc == WMEL_OK) rc = wmel_features_shape(s->ctx, wmel_stream_samples(s->ws), &s->rows, &s->cols);
    return rc;
}

size_t wmel_fe_spool_samples(const wmel_fe_spool *s) { return wmel_stream_samples(s->ws); }

void wmel_fe_spool_shape(const wmel_fe_spool *s, size_t *rows, size_t *cols)
{
    *rows = s->rows;
    *cols = s->cols;
}

int wmel_fe_spool_errno(const wmel_fe_spool *s) { return s->err; }

/* Floats [off, off + n) of the runs. */
static int run_read(wmel_fe_spool *s, size_t off, float *out, size_t n)
{
    if (off + n <= s->mem_len) {
        memcpy(out, s->mem + off, n * sizeof *out);
        return WMEL_OK;
    }
    errno = 0;
    if (!s->file || off < s->mem_len ||
        fseeko(s->file, (off_t)((off - s->mem_len) * sizeof(float)), SEEK_SET) != 0 ||
        fread(out, sizeof *out, n, s->file) != n) {
        s->err = errno ? errno : EIO;
        return WMEL_ERR_IO;
    }
    return WMEL_OK;
}

/* fe_cpu.c's denominator from the sum of squared deviations over nv frames. */
static double denom_of(const wmel_frontend_plan *p, double ss, size_t nv)
{
    if (p->norm_flags & WMEL_NORMF_MEAN_ONLY) return 1.0;
    double var = nv > 1 ? ss / (double)(nv - 1) : 0.0;
    if (p->norm_flags & WMEL_NORMF_POPULATION) var = nv ? ss / (double)nv : 0.0;
    if (p->norm == WMEL_NORM_PER_FEATURE) return sqrt(var) + p->norm_eps;
    return sqrt(var + p->norm_eps);
}

typedef struct finish {
    int kind;            /* 0 none, 1 mean/denominator, 2 Whisper's clamp to max - 8 */
    const double *mean, *den;
    float lo;
    int affine;          /* the plan's affine after the normalisation (fe_cpu.c's) */
    double a, b;
} finish;

/* The normalised value of column c (fe_cpu.c's arithmetic, wmel__fe_finish_ext's too). */
static inline float norm_one(const finish *k, size_t c, float v)
{
    if (k->kind == 1) v = k->den[c] > 0.0 ? (float)((v - k->mean[c]) / k->den[c]) : 0.0f;
    else if (k->kind == 2) v = ((v < k->lo ? k->lo : v) + 4.0f) * 0.25f;
    return k->affine ? (float)((double)v * k->a + k->b) : v;
}

/* n copies of v (0: zeros). */
static int write_value(FILE *f, size_t n, float v)
{
    float buf[1024];
    for (size_t i = 0; i < 1024; i++) buf[i] = v;
    while (n) {
        size_t k = n < 1024 ? n : 1024;
        if (fwrite(buf, sizeof(float), k, f) != k) return -1;
        n -= k;
    }
    return 0;
}

static int write_zeros(FILE *f, size_t n) { return write_value(f, n, 0.0f); }

/* The output's frames before stacking for n samples (wmel.h's rules): the STFT frames (the
 * valid ones with WMEL_VALID_TRIM) padded to pad_to, or n_frames. */
static size_t out_frames(const wmel_frontend_plan *p, size_t n, size_t nv)
{
    if (p->n_frames) return (size_t)p->n_frames;
    size_t f = p->framing == WMEL_FRAMES_SNIP
                   ? (n < (size_t)p->frame_length ? 0 : 1 + (n - (size_t)p->frame_length) / (size_t)p->hop)
                   : 1 + n / (size_t)p->hop;
    if (p->valid == WMEL_VALID_TRIM) f = nv;
    if (p->pad_to > 1) f = (f + (size_t)p->pad_to - 1) / (size_t)p->pad_to * (size_t)p->pad_to;
    return f;
}

int wmel_fe_spool_write(wmel_fe_spool *s, FILE *f, const char *name, char *err, size_t err_len)
{
    const wmel_frontend_plan *p = &s->plan;
    const size_t nc = s->nc, nv = s->frames;
    size_t maxnf = 0;
    for (size_t u = 0; u < s->n_runs; u++) maxnf = s->runs[u].nf > maxnf ? s->runs[u].nf : maxnf;
    double *st = malloc(2 * nc * sizeof *st);
    float *buf = malloc((maxnf ? maxnf * nc : 1) * sizeof *buf);
    float *tr = malloc((maxnf ? maxnf * nc : 1) * sizeof *tr);
    int rc = st && buf && tr ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    int werr = 0;
    finish k = {0, st, st ? st + nc : NULL, 0.0f, p->affine, p->post_scale, p->post_shift};
    const int all = (p->norm_flags & WMEL_NORMF_ALL) != 0;
    if (rc == WMEL_OK && (p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR)) {
        double *mean = st, *den = st + nc;
        chunked_end(&s->stats);
        double tot = 0.0; /* all features: the columns' sums in column order */
        for (size_t c = 0; c < nc; c++) tot += s->sum[c];
        for (size_t c = 0; c < nc; c++) {
            mean[c] = all ? (nv ? tot / ((double)nv * (double)nc) : 0.0) : nv ? s->sum[c] / (double)nv : 0.0;
            den[c] = 0.0;
        }
        /* the squared deviations, chunked as the sums */
        chunked q = {den, s->part, nc, 0};
        for (size_t u = 0; u < s->n_runs && rc == WMEL_OK; u++) {
            const fe_run *r = &s->runs[u];
            if ((rc = run_read(s, r->off, buf, nc * r->nf)) != WMEL_OK) break;
            chunked_add(&q, buf, r->nf, r->nf, mean);
        }
        chunked_end(&q);
        if (all) {
            double ss = 0.0;
            for (size_t c = 0; c < nc; c++) ss += den[c];
            const double d = denom_of(p, ss, nv * nc);
            for (size_t c = 0; c < nc; c++) den[c] = d;
        } else {
            for (size_t c = 0; c < nc; c++) den[c] = denom_of(p, den[c], nv);
        }
        /* norm_eps 0: a denominator below 1e-12 |mean| counts as 0 (src/fe/fe.h) */
        for (size_t c = 0; c < nc; c++)
            if (p->norm_eps == 0.0 && den[c] <= 1e-12 * fabs(mean[c])) den[c] = 0.0;
        k.kind = 1;
    } else if (p->norm == WMEL_NORM_WHOLE && nv) {
        k.kind = 2;
        /* the largest value of every frame, or the plan's fixed max */
        const float mx = p->norm_flags & WMEL_NORMF_FIXED_MAX ? (float)p->norm_max : wmel_stream_max(s->ws);
        k.lo = mx - (float)(p->norm_range > 0.0 ? p->norm_range : 8.0);
    }
    /* frames [nv, nfo): pad_value (then the affine); the stacking's missing frames: 0 */
    const size_t nfo = out_frames(p, wmel_stream_samples(s->ws), nv);
    const float padv = k.affine ? (float)((double)(float)p->pad_value * k.a + k.b) : (float)p->pad_value;
    if (rc == WMEL_OK && p->layout == WMEL_LAYOUT_MELS_FRAMES) {
        for (size_t c = 0; c < nc && rc == WMEL_OK; c++) {
            for (size_t u = 0; u < s->n_runs; u++) {
                const fe_run *r = &s->runs[u];
                if ((rc = run_read(s, r->off + c * r->nf, buf, r->nf)) != WMEL_OK) break;
                for (size_t t = 0; t < r->nf; t++) buf[t] = norm_one(&k, c, buf[t]);
                errno = 0;
                if (fwrite(buf, sizeof(float), r->nf, f) != r->nf) {
                    werr = errno ? errno : EIO;
                    rc = WMEL_ERR_IO;
                    break;
                }
            }
            errno = 0;
            if (rc == WMEL_OK && s->cols > nv && write_value(f, s->cols - nv, padv)) {
                werr = errno ? errno : EIO;
                rc = WMEL_ERR_IO;
            }
        }
    } else if (rc == WMEL_OK) {
        for (size_t u = 0; u < s->n_runs; u++) {
            const fe_run *r = &s->runs[u];
            if ((rc = run_read(s, r->off, buf, nc * r->nf)) != WMEL_OK) break;
            for (size_t c = 0; c < nc; c++)
                for (size_t t = 0; t < r->nf; t++) tr[t * nc + c] = norm_one(&k, c, buf[c * r->nf + t]);
            errno = 0;
            if (fwrite(tr, sizeof(float), nc * r->nf, f) != nc * r->nf) {
                werr = errno ? errno : EIO;
                rc = WMEL_ERR_IO;
                break;
            }
        }
        errno = 0;
        const size_t npad = nfo > nv ? (nfo - nv) * nc : 0, tail = s->rows * s->cols - nv * nc;
        if (rc == WMEL_OK && tail > 0 &&
            (write_value(f, npad < tail ? npad : tail, padv) || (tail > npad && write_zeros(f, tail - npad)))) {
            werr = errno ? errno : EIO;
            rc = WMEL_ERR_IO;
        }
    }
    free(st);
    free(buf);
    free(tr);
    if (rc == WMEL_ERR_NO_MEMORY) snprintf(err, err_len, "%s: out of memory", name);
    else if (rc && werr) snprintf(err, err_len, "%s: write failed: %s", name, strerror(werr));
    else if (rc)
        snprintf(err, err_len, "%s: cannot read back the temporary file (in %s, $TMPDIR): %s", name,
                 wmel_cli_tmpdir(), strerror(s->err ? s->err : EIO));
    return rc;
}
