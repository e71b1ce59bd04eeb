/*
 * compare.c -- the engine of `wmel compare` and `python -m wmel.compare` (compare.h):
 * the alignment of two sources' features (Whisper's conventions, and the nemo, kaldi and
 * seamless front-ends' layouts and units), the statistics, the summary and the page.
 *
 * Size: the statistics cover every cell; the page's pictures keep inspect's budget
 * (cli_rpt_thin): every k-th frame of A and B, and of A - B the difference largest in
 * magnitude of each k frames.
 */
#define _POSIX_C_SOURCE 200809L
#include "compare.h"
#include "frontend.h"
#include "msg.h"
#include "out.h"
#include "picture.h"
#include "report.h"
#include "stages.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERRLEN 1024
#define INT16_LOG10 9.030899869919435 /* 2 log10(32768): log10 offset of int16-range input */
#define INT16_LN 20.79441541679836    /* 2 ln(32768): its natural-log offset */

void cli_cmp_note(cli_cmp_notes *ns, const char *fmt, ...)
{
    if (ns->n >= CLI_CMP_MAX_NOTES) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ns->text[ns->n++], sizeof ns->text[0], fmt, ap);
    va_end(ap);
}

static int efail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 3, 4)));
static int efail(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return 2;
}

void cli_cmp_opts_init(cli_cmp_opts *o)
{
    memset(o, 0, sizeof *o);
    o->frontend = o->axes = "whisper";
    o->n_mels = 80;
    o->tol = 1e-4;
    o->params = wmel_default_params();
}

void cli_cmp_src_init(cli_cmp_src *s, const char *spec)
{
    memset(s, 0, sizeof *s);
    s->spec = spec;
    s->dv = 1.0;
}

void cli_cmp_free(cli_cmp_src *s)
{
    free(s->x);
    free(s->xf);
    free(s->pcm);
    s->x = NULL;
    s->xf = NULL;
    s->pcm = NULL;
}

int cli_cmp_transpose(cli_cmp_src *s, size_t r, size_t c)
{
    if (s->xf) {
        float *t = malloc(r * c * sizeof *t);
        if (!t) return -1;
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < c; j++) t[j * r + i] = s->xf[i * c + j];
        free(s->xf);
        s->xf = t;
    } else {
        double *t = malloc(r * c * sizeof *t);
        if (!t) return -1;
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < c; j++) t[j * r + i] = s->x[i * c + j];
        free(s->x);
        s->x = t;
    }
    return 0;
}

/* ---- alignment */
static double raw_at(const cli_cmp_src *s, size_t i) { return s->xf ? (double)s->xf[i] : s->x[i]; }

/* Cell i as aligned: the steps of align() on the value held, in the order they were taken
 * (the same roundings as doing them in place, without a float64 copy of a float32 array). */
static double val(const cli_cmp_src *s, size_t i)
{
    double v = raw_at(s, i) / s->dv - s->off;
    if (s->norm) v = ((v > s->zlo ? v : s->zlo) + 4.0) / 4.0;
    return v - s->sub;
}

static void span_of(const cli_cmp_src *s, size_t n, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v = val(s, i);
        if (v < *lo) *lo = v;
        if (v > *hi) *hi = v;
    }
}

/* The values whose order statistics the alignment needs, one per cell, as float: a[i] - b[i]
 * (DIFF), a[i] (VALUE), or (FIT of a raw side) |((max(z, zlo) + 4) / 4) - b[i]| with
 * z = a[i] / dv - off. */
enum { CELL_DIFF, CELL_VALUE, CELL_FIT };
typedef struct cells {
    const cli_cmp_src *a, *b;
    int kind;
    double dv, off, zlo;
} cells;

static float cell_at(const cells *c, size_t i)
{
    if (c->kind == CELL_DIFF) return (float)(val(c->a, i) - val(c->b, i));
    if (c->kind == CELL_VALUE) return (float)val(c->a, i);
    double z = raw_at(c->a, i) / c->dv - c->off;
    return (float)fabs(((z > c->zlo ? z : c->zlo) + 4.0) / 4.0 - val(c->b, i));
}

/* A float's bits as an unsigned key in the floats' order. */
static uint32_t fkey(float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return u & 0x80000000u ? ~u : u | 0x80000000u;
}

/* Element k (0-based, in order) of the n cells, exactly, in fixed memory: a count of the
 * keys' high 16 bits finds its bucket, a second pass over the low 16 bits within that bucket
 * finds it. NaN when out of memory. */
static double select_cells(const cells *c, size_t n, size_t k)
{
    size_t *h = calloc(65536, sizeof *h), below = 0;
    if (!h) return NAN;
    for (size_t i = 0; i < n; i++) h[fkey(cell_at(c, i)) >> 16]++;
    uint32_t hi = 0;
    while (below + h[hi] <= k) below += h[hi++];
    memset(h, 0, 65536 * sizeof *h);
    for (size_t i = 0; i < n; i++) {
        uint32_t key = fkey(cell_at(c, i));
        if (key >> 16 == hi) h[key & 0xffffu]++;
    }
    uint32_t lo = 0;
    while (below + h[lo] <= k) below += h[lo++];
    free(h);
    uint32_t key = hi << 16 | lo, u = key & 0x80000000u ? key & 0x7fffffffu : ~key;
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static double median_cells(const cells *c, size_t n) { return select_cells(c, n, n / 2); }

static double median_diff(const cli_cmp_src *a, const cli_cmp_src *b, size_t n)
{
    cells c = {a, b, CELL_DIFF, 1.0, 0.0, 0.0};
    return median_cells(&c, n);
}

/* The p-th percentile of s's values (linear between the two nearest, as numpy's). */
static double percentile(const cli_cmp_src *s, size_t n, double p)
{
    cells c = {s, NULL, CELL_VALUE, 1.0, 0.0, 0.0};
    double pos = p / 100.0 * (double)(n - 1), f = floor(pos);
    double lo = select_cells(&c, n, (size_t)f), hi = f + 1 < (double)n ? select_cells(&c, n, (size_t)f + 1) : lo;
    return lo + (hi - lo) * (pos - f);
}

/* (n_mels, n_frames) from the source's layout, each step said: a leading batch axis of 1
 * dropped, stacked rows of k frames (seamless: 2) unstacked, (n_frames, n_mels) transposed.
 * n_mels: the output's columns (a plan's use_energy + n_mels, or its n_ceps). */
static int orient(cli_cmp_src *s, int n_mels, int whisper, int k, cli_cmp_notes *ns, const char *name,
                  char *err, size_t err_len)
{
    size_t dims[4], nd = 0, nm = (size_t)n_mels;
    for (int i = 0; i < s->ndim; i++) dims[nd++] = s->shape[i];
    while (nd > 2 && dims[0] == 1) {
        memmove(dims, dims + 1, (nd - 1) * sizeof *dims);
        nd--;
        cli_cmp_note(ns, "%s: dropped a leading batch axis of 1", name);
    }
    if (nd != 2) return efail(err, err_len, "%s %s: %d axes: not (n_mels, n_frames)", name, s->spec, s->ndim);
    size_t r0 = dims[0], c0 = dims[1];
    int unstack = k > 1 && dims[1] == (size_t)k * nm && dims[0] != nm;
    if (unstack) /* (rows, k n_mels) held in C order is (k rows, n_mels): then transposed */
        dims[0] *= (size_t)k, dims[1] = nm;
    if (dims[0] != nm && dims[1] == nm) {
        if (cli_cmp_transpose(s, dims[0], dims[1])) return efail(err, err_len, "out of memory");
        size_t r = dims[0];
        dims[0] = dims[1];
        dims[1] = r;
        if (unstack && k == 2)
            cli_cmp_note(ns, "%s: unstacked (rows, 2 n_mels) -> (n_mels, 2 rows): row r holds frames 2r and 2r + 1", name);
        else if (unstack)
            cli_cmp_note(ns, "%s: unstacked (rows, %d n_cols) -> (n_cols, %d rows): row r holds frames %d r .. %d r + %d",
                         name, k, k, k, k, k - 1);
        else
            cli_cmp_note(ns, "%s: transposed (n_frames, n_mels) -> (n_mels, n_frames)%s", name, whisper ? "" : " to compare");
    }
    if (dims[0] != nm)
        return efail(err, err_len, "%s %s: shape (%zu, %zu) has no axis of %d mels (--n-mels)", name, s->spec, r0, c0,
                     n_mels);
    s->rows = dims[0];
    s->cols = dims[1];
    return 0;
}

static void crop(cli_cmp_src *s, size_t cols)
{
    if (s->cols == cols) return;
    size_t es = s->xf ? sizeof *s->xf : sizeof *s->x;
    char *x = s->xf ? (char *)s->xf : (char *)s->x;
    for (size_t r = 0; r < s->rows; r++) memmove(x + r * cols * es, x + r * s->cols * es, cols * es);
    s->cols = cols;
}

/* whether s's frames from `from` on are all v (to float32's rounding) */
static int value_tail(const cli_cmp_src *s, size_t from, double v)
{
    const double tol = 1e-6 * (fabs(v) > 1 ? fabs(v) : 1);
    for (size_t m = 0; m < s->rows; m++)
        for (size_t t = from; t < s->cols; t++)
            if (!(fabs(raw_at(s, m * s->cols + t) - v) <= tol)) return 0;
    return 1;
}
static int zero_tail(const cli_cmp_src *s, size_t from) { return value_tail(s, from, 0.0); }

/* The same number of frames: the longer side's extra frames dropped where a known
 * convention explains them (said); 2 (err) where none does. */
static int reconcile_frames(cli_cmp_src *a, cli_cmp_src *b, int whisper, const wmel_frontend_plan *p,
                            cli_cmp_notes *ns, char *err, size_t err_len)
{
    if (a->cols == b->cols) return 0;
    size_t lo = a->cols < b->cols ? a->cols : b->cols, hi = a->cols + b->cols - lo;
    const char *longer = a->cols > b->cols ? "A" : "B";
    const double padv = p && p->affine ? p->pad_value * p->post_scale + p->post_shift : p ? p->pad_value : 0.0;
    if (p && padv != 0.0 && value_tail(a->cols > b->cols ? a : b, lo, padv))
        cli_cmp_note(ns, "%s has %zu more frame(s), all the plan's padding value %.9g (%s%s): dropped", longer,
                     hi - lo, padv, p->n_frames ? "n_frames" : "pad_to", p->affine ? ", after the affine" : "");
    else if (whisper && hi == lo + 3000)
        cli_cmp_note(ns, "%s has 3000 more frames: openai's transcribe appends 30 s of zeros (padding=480000) before "
                      "the STFT; compared on the first %zu frames (the normalisation max and the last frames can "
                      "differ)", longer, lo);
    else if (whisper && hi == 3000)
        cli_cmp_note(ns, "%s has 3000 frames: the audio padded to 30 s before the STFT (HF's WhisperFeatureExtractor, "
                      "pad_or_trim); compared on the first %zu frames (near the end of the audio its frames see zeros "
                      "where the other sees the reflected signal)", longer, lo);
    else if (whisper && hi == lo + 1)
        cli_cmp_note(ns, "%s has one frame more (%zu vs %zu): an extra last frame (the last STFT frame that openai "
                      "drops, or 160 appended zeros); dropped", longer, hi, lo);
    else if (!whisper && zero_tail(a->cols > b->cols ? a : b, lo))
        cli_cmp_note(ns, "%s has %zu more frame(s), all zeros (padding: NeMo's pad_to, Seamless' zero frame for an "
                      "odd count): dropped", longer, hi - lo);
    else if (!whisper && hi == lo + 1)
        cli_cmp_note(ns, "%s has one frame more (%zu vs %zu): dropped", longer, hi, lo);
    else
        return efail(err, err_len, "cannot reconcile the shapes: A (%zu, %zu) and B (%zu, %zu) (%zu vs %zu frames)",
                     a->shape[0], a->ndim > 1 ? a->shape[1] : 0, b->shape[0], b->ndim > 1 ? b->shape[1] : 0, a->cols,
                     b->cols);
    crop(a, lo);
    crop(b, lo);
    return 0;
}

/* Whisper's units: raw vs normalised, log10 vs ln, int16-range vs [-1, 1) input. */
static void whisper_units(cli_cmp_src *a, cli_cmp_src *b, cli_cmp_notes *ns)
{
    /* raw vs normalised: normalised features span at most 2 ((M - (M - 8)) / 4). A raw side
       takes the scale (log10 or natural log) and offset (none, or int16-range input) that
       fit the other side best, then is normalised with its own max; two raw sides are
       compared raw (after the same scale and offset checks between them). */
    size_t n = a->rows * a->cols;
    double alo, ahi, blo, bhi, ln10 = log(10.0);
    span_of(a, n, &alo, &ahi);
    span_of(b, n, &blo, &bhi);
    int raw[2] = {a->raw || ahi - alo > 2.0 + 1e-6, b->raw || bhi - blo > 2.0 + 1e-6};
    for (int w = 0; w < 2 && !(raw[0] && raw[1]); w++) {
        cli_cmp_src *s = w ? b : a, *o = w ? a : b;
        if (!raw[w]) continue;
        double fit = INFINITY;
        int bs = 0, bo = 0;
        /* z = x / scale - offset, normalised with its own max: computed on the way, not held */
        for (int sc = 0; sc < 2; sc++)
            for (int of = 0; of < 2; of++) {
                cells c = {s, o, CELL_FIT, sc ? ln10 : 1.0, of ? INT16_LOG10 : 0.0, -INFINITY};
                for (size_t i = 0; i < n; i++) c.zlo = fmax(c.zlo, raw_at(s, i) / c.dv - c.off);
                c.zlo -= 8.0;
                double med = median_cells(&c, n);
                if (med < fit) fit = med, bs = sc, bo = of;
            }
        s->dv = bs ? ln10 : 1.0;
        s->off = bo ? INT16_LOG10 : 0.0;
        double lo, hi;
        span_of(s, n, &lo, &hi);
        s->zlo = hi - 8.0;
        s->norm = 1;
        if (bs) cli_cmp_note(ns, "%s: natural log -> log10 (divided by ln 10)", w ? "B" : "A");
        if (bo) cli_cmp_note(ns, "%s: int16-range input (samples x 32768): log10 values %.4f higher; subtracted", w ? "B" : "A", INT16_LOG10);
        cli_cmp_note(ns, "%s: raw log10 -> normalised with its own max ((max(x, M - 8) + 4) / 4)", w ? "B" : "A");
    }
    if (raw[0] && raw[1]) {
        double ra = ahi - alo, rb = bhi - blo;
        for (int w = 0; w < 2; w++) {
            double r = w ? rb / ra : ra / rb;
            if (fabs(r - ln10) < 0.05 * ln10) {
                cli_cmp_src *s = w ? b : a;
                s->dv = ln10;
                cli_cmp_note(ns, "%s: natural log -> log10 (divided by ln 10)", w ? "B" : "A");
            }
        }
        double d = median_diff(a, b, n);
        if (fabs(fabs(d) - INT16_LOG10) < 0.05) {
            cli_cmp_src *s = d > 0 ? a : b;
            s->off = INT16_LOG10;
            cli_cmp_note(ns, "%s: int16-range input (samples x 32768): log10 values %.4f higher; subtracted", d > 0 ? "A" : "B", INT16_LOG10);
        }
        cli_cmp_note(ns, "both raw log10: compared raw");
    } else {
        double d = median_diff(a, b, n), k = INT16_LOG10 / 4;
        if (fabs(fabs(d) - k) < 0.01) {
            cli_cmp_src *s = d > 0 ? a : b;
            s->sub = k;
            cli_cmp_note(ns, "%s: int16-range input (samples x 32768): features %.4f higher; subtracted", d > 0 ? "A" : "B", k);
        }
    }
}

static double row_mean(const cli_cmp_src *s, size_t m, size_t cols)
{
    double sum = 0;
    for (size_t t = 0; t < cols; t++) sum += val(s, m * s->cols + t);
    return sum / (double)cols;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* A raw log of the nemo or seamless front-end (rows not centred: the median of the rows'
 * |mean| above 0.5) normalised here as its front-end does: NeMo's per_feature over the
 * valid frames (std with n - 1, + 1e-5; a zero padding frame of current NeMo left zero),
 * Seamless' per-bin (x - mean) / sqrt(var (n - 1) + 1e-7). The side becomes a float64
 * copy. 0, or -1 when out of memory. */
static int normalise_raw(cli_cmp_src *s, int nemo, int legacy, cli_cmp_notes *ns, const char *name)
{
    size_t R = s->rows, C = s->cols;
    double *rm = malloc(R * sizeof *rm);
    if (!rm) return -1;
    for (size_t m = 0; m < R; m++) rm[m] = fabs(row_mean(s, m, C));
    qsort(rm, R, sizeof *rm, cmp_double);
    double med = R % 2 ? rm[R / 2] : 0.5 * (rm[R / 2 - 1] + rm[R / 2]);
    free(rm);
    if (!(med > 0.5)) return 0;
    double *x = malloc(R * C * sizeof *x);
    if (!x) return -1;
    size_t valid = C;
    if (nemo && !legacy && C > 0) {
        int zero = 1;
        for (size_t m = 0; m < R && zero; m++) zero = val(s, m * C + C - 1) == 0;
        valid -= (size_t)zero;
    }
    size_t used = nemo ? valid : C;
    for (size_t m = 0; m < R; m++) {
        double mean = used ? row_mean(s, m, used) : 0, ss = 0;
        for (size_t t = 0; t < used; t++) ss += (val(s, m * C + t) - mean) * (val(s, m * C + t) - mean);
        double d = used > 1 ? ss / (double)(used - 1) : 0;
        double div = nemo ? (used > 1 ? sqrt(d) : 0) + 1e-5 : sqrt(d + 1e-7);
        for (size_t t = 0; t < C; t++) x[m * C + t] = t < used ? (val(s, m * C + t) - mean) / div : 0.0;
    }
    free(s->x);
    free(s->xf);
    s->x = x;
    s->xf = NULL;
    s->dv = 1.0;
    s->off = s->zlo = s->sub = 0;
    s->norm = 0;
    cli_cmp_note(ns, "%s: a raw log (rows not centred): %s normalisation applied here", name,
                  nemo ? "per_feature" : "mean/var");
    return 0;
}

/* The other front-ends' units: kaldi's raw natural-log fbank (log10 instead of ln, [-1, 1)
 * instead of int16-range samples); nemo's and seamless' normalised features (a raw log
 * normalised here). 0, or -1 when out of memory. */
static int fe_units(cli_cmp_src *a, cli_cmp_src *b, const char *frontend, cli_cmp_notes *ns)
{
    size_t n = a->rows * a->cols;
    double ln10 = log(10.0);
    if (!strcmp(frontend, "kaldi")) {
        double r[2] = {percentile(a, n, 75) - percentile(a, n, 25), percentile(b, n, 75) - percentile(b, n, 25)};
        for (int w = 0; w < 2; w++)
            if (r[!w] > 0 && fabs(r[w] / r[!w] - 1.0 / ln10) < 0.05 / ln10) {
                (w ? b : a)->dv = 1.0 / ln10;
                cli_cmp_note(ns, "%s: log10 -> natural log (multiplied by ln 10)", w ? "B" : "A");
            }
        double d = median_diff(a, b, n);
        if (fabs(fabs(d) - INT16_LN) < 0.1) {
            (d > 0 ? b : a)->off = -INT16_LN;
            cli_cmp_note(ns, "%s: samples in [-1, 1) instead of Kaldi's int16 range (x 32768): ln values %.4f lower; "
                          "added", d > 0 ? "B" : "A", INT16_LN);
        }
        return 0;
    }
    int nemo = !strncmp(frontend, "nemo", 4), legacy = !strcmp(frontend, "nemo-legacy");
    if (normalise_raw(a, nemo, legacy, ns, "A") || normalise_raw(b, nemo, legacy, ns, "B")) return -1;
    return 0;
}

/* A and B to (n_mels, n_frames) in the front-end's units (Whisper: normalised log10
 * features; kaldi: its natural-log fbank; nemo, seamless: normalised), each step said in ns.
 * 0, or 2 with err. */
static int align(cli_cmp_src *a, cli_cmp_src *b, const cli_cmp_opts *o, cli_cmp_notes *ns, char *err,
                 size_t err_len)
{
    const wmel_frontend_plan *p = o->plan;
    int whisper = !p && !strcmp(o->frontend, "whisper"), k = p ? p->stack : !strcmp(o->frontend, "seamless") ? 2 : 0;
    int nc = p ? (p->n_ceps > 0 ? p->n_ceps : p->n_mels + (p->use_energy ? 1 : 0)) : o->n_mels;
    for (int i = 0; i < o->pre.n; i++) cli_cmp_note(ns, "%s", o->pre.text[i]);
    if (orient(a, nc, whisper, k, ns, "A", err, err_len) || orient(b, nc, whisper, k, ns, "B", err, err_len) ||
        reconcile_frames(a, b, whisper, p, ns, err, err_len))
        return 2;
    if (p) { /* any plan: its layout; its units as they are (no log base, sample scale or normalisation guessed) */
        if (ns->n == 0)
            cli_cmp_note(ns, "none needed: both in the plan's layout (%s%s)",
                         p->layout == WMEL_LAYOUT_FRAMES_MELS ? "frames, columns" : "columns, frames",
                         p->stack > 1 ? ", stacked" : "");
        return 0;
    }
    if (whisper)
        whisper_units(a, b, ns);
    else if (fe_units(a, b, o->frontend, ns))
        return efail(err, err_len, "out of memory");
    if (ns->n == 0) {
        if (whisper)
            cli_cmp_note(ns, "none needed: both (n_mels, n_frames) normalised log10 features");
        else
            cli_cmp_note(ns, "none needed: both in the %s front-end's own layout and units", o->frontend);
    }
    return 0;
}

/* ---- where both sides are wmel-computable: each side's log stage and max against the
 * float64 reference */
static void stage_lines(const cli_cmp_src *a, const cli_cmp_src *b, const wmel_params *p, cli_cmp_notes *out)
{
    for (int w = 0; w < 2; w++) {
        const cli_cmp_src *s = w ? b : a;
        if (!s->impl || (strcmp(s->impl, "wmel") && strcmp(s->impl, "oracle")) || !s->pcm) return;
    }
    if (a->n != b->n || memcmp(a->pcm, b->pcm, a->n * sizeof *a->pcm) != 0) {
        cli_cmp_note(out, "A and B read different audio: no stage-by-stage comparison");
        return;
    }
    size_t nf = wmel_n_frames(a->n, 0), cnt = (size_t)p->n_mels * nf;
    cli_clip clip;
    memset(&clip, 0, sizeof clip);
    clip.pcm = a->pcm, clip.n = a->n, clip.n_frames = clip.n_valid = nf, clip.n_mels = p->n_mels;
    char err[ERRLEN];
    double *olog = malloc(cnt * sizeof *olog);
    float *raw = malloc(cnt * sizeof *raw);
    double *out8[8] = {0};
    out8[4] = olog;
    if (!olog || !raw || cli_clip_max(&clip, err, sizeof err) ||
        cli_stages_compute(cli_frontend_find("whisper"), &clip, 0, nf, 1, out8, NULL)) {
        cli_cmp_note(out, "stages: could not compute the reference's stages");
        free(olog);
        free(raw);
        return;
    }
    for (int w = 0; w < 2; w++) {
        const cli_cmp_src *s = w ? b : a;
        const char *name = w ? "B" : "A";
        if (!strcmp(s->impl, "oracle")) {
            cli_cmp_note(out, "%s is the oracle (float64 stages: frames, power, mel, log, features)", name);
            continue;
        }
        wmel_params q = *p;
        q.norm = WMEL_NORM_NONE;
        int st;
        wmel_ctx *ctx = wmel_create(&q, &st);
        if (!ctx || wmel_log_mel(ctx, s->pcm, s->n, 0, raw, cnt)) {
            wmel_destroy(ctx);
            cli_cmp_note(out, "%s: could not compute its log stage", name);
            continue;
        }
        double dl = 0, mw = -INFINITY, df = 0;
        size_t clamp = 0;
        for (size_t i = 0; i < cnt; i++) {
            dl = fmax(dl, fabs(raw[i] - olog[i]));
            mw = fmax(mw, raw[i]);
            if (olog[i] <= clip.log_max - 8.0) clamp++;
        }
        for (size_t i = 0; i < s->rows * s->cols; i++) {
            size_t m = i / s->cols, t = i % s->cols;
            double o = ((olog[m * nf + t] > clip.log_max - 8 ? olog[m * nf + t] : clip.log_max - 8) + 4) / 4;
            df = fmax(df, fabs(val(s, i) - o));
        }
        cli_cmp_note(out, "%s (%s): log stage max |d| %.3g vs the oracle; max M %.9g vs %.9g (d %.3g); features max |d| %.3g",
             name, wmel_backend_name(ctx), dl, mw, clip.log_max, fabs(mw - clip.log_max), df);
        if (df <= dl / 4 + fabs(mw - clip.log_max) / 4 + 1e-7)
            cli_cmp_note(out, "%s: the difference comes from the spectral stages up to log (power, mel, log: the backend "
                      "exposes no earlier stage), carried through (x + 4) / 4%s; %zu cells sit at the clamp M - 8",
                 name, dl < 1e-5 ? ": float32 rounding only" : "", clamp);
        else
            cli_cmp_note(out, "%s: the difference comes from the normalisation (max or clamp), not the log stage; %zu cells "
                      "sit at the clamp M - 8", name, clamp);
        wmel_destroy(ctx);
    }
    free(olog);
    free(raw);
}

/* ---- the report */
/* The page's axes: frame t's centre at t0 + t * dt seconds, filter m's centre at hz[m]. */
typedef struct axes {
    double t0, dt;
    int hop, sr;
    double hz[257]; /* each column's centre (a log-energy column first: 0 Hz) */
} axes;

/* frame t's centre in seconds */
static double frame_time(const axes *ax, size_t t) { return (double)(t * (size_t)ax->hop) / ax->sr + ax->t0; }

/* The axes of the front-end named axes_of with n_mels filters, or of plan (not NULL); 2
 * (err) when it has none. */
static int axes_of(const char *name, int n_mels, const wmel_frontend_plan *plan, axes *ax, char *err, size_t err_len)
{
    wmel_frontend_plan pl;
    int fe = cli_fe_parse(name);
    int prc = plan ? WMEL_OK : fe < 0 ? WMEL_ERR_INVALID_ARG : wmel_frontend_preset(fe, n_mels, &pl);
    if (prc) return efail(err, err_len, "--axes %s with %d mels: %s", name, n_mels, wmel_strerror(prc));
    if (plan) pl = *plan;
    cli_col_hz(&pl, ax->hz, sizeof ax->hz / sizeof ax->hz[0]);
    ax->hop = pl.hop;
    ax->sr = pl.sample_rate;
    ax->dt = (double)pl.hop / pl.sample_rate;
    ax->t0 = pl.framing == WMEL_FRAMES_SNIP ? 0.5 * pl.frame_length / pl.sample_rate
             : pl.framing == WMEL_FRAMES_KALDI_CENTER
                 ? (double)(pl.hop / 2 - pl.frame_length / 2 + pl.frame_length / 2) / pl.sample_rate
                 : 0.0;
    return 0;
}

/* One picture of the page: d [rows][cols], column c frame c * step. */
static void mel_image(FILE *f, const char *id, const char *title, const float *d, size_t rows, size_t cols,
                      size_t step, int diverging, double lo, double hi, const axes *ax, const char *unit,
                      const char *const *kv)
{
    cli_rpt_img im;
    memset(&im, 0, sizeof im);
    im.id = id;
    im.title = title;
    im.data = d;
    im.rows = rows;
    im.cols = cols;
    im.map = diverging ? WMEL_PIC_DIV : WMEL_PIC_SEQ;
    im.lo = lo;
    im.hi = hi > lo ? hi : lo + 1e-12;
    im.fstep = step;
    im.x0 = ax->t0;
    im.dx = ax->dt * (double)step;
    cli_pic_axis_linear(&im.x, "time (s), frame centres", cols, ax->t0, im.dx, 10);
    cli_pic_axis_linear(&im.yl, "mel index", rows, 0, 1, 6);
    cli_pic_axis_values(&im.yr, "centre frequency (Hz)", rows, ax->hz, 6);
    cli_pic_axis_scale(&im.scale, unit, im.lo, im.hi, 7);
    im.row_name = "mel";
    im.row_val = ax->hz;
    im.row_unit = "Hz";
    im.table = kv;
    cli_rpt_image(f, &im);
}

/* ---- the statistics, over every cell */
typedef struct stats {
    size_t R, C, n, wi, above;
    double mx, sum;
    double *pf, *pm; /* each frame's and each mel's largest |A - B| */
} stats;

static int compute_stats(const cli_cmp_src s[2], double tol, stats *st)
{
    const size_t R = s[0].rows, C = s[0].cols, n = R * C;
    memset(st, 0, sizeof *st);
    st->R = R, st->C = C, st->n = n, st->mx = -1;
    st->pf = calloc(C, sizeof *st->pf);
    st->pm = calloc(R, sizeof *st->pm);
    if (!st->pf || !st->pm) return -1;
    for (size_t i = 0; i < n; i++) {
        double ad = fabs(val(&s[0], i) - val(&s[1], i));
        if (ad != ad) ad = INFINITY;
        if (ad > st->mx) st->mx = ad, st->wi = i;
        st->sum += ad;
        if (ad > tol) st->above++;
        if (ad > st->pf[i % C]) st->pf[i % C] = ad;
        if (ad > st->pm[i / C]) st->pm[i / C] = ad;
    }
    return 0;
}

/* The index of the largest of x[0..n) not yet taken (taken ones are negative: -v - 1). */
static size_t take_largest(double *x, size_t n)
{
    size_t best = 0;
    double bv = -1;
    for (size_t i = 0; i < n; i++)
        if (x[i] > bv) bv = x[i], best = i;
    x[best] = -x[best] - 1;
    return best;
}

static void summary(const cli_cmp_src s[2], const cli_cmp_opts *o, const cli_cmp_notes *ns,
                    const cli_cmp_notes *sl, stats *st, const axes *ax, char *text, size_t len)
{
    size_t k = 0;
#define ADD(...) k += (size_t)snprintf(text + k, k < len ? len - k : 0, __VA_ARGS__)
    if (strcmp(o->frontend, "whisper")) ADD("front-end: %s\n", o->frontend);
    for (int w = 0; w < 2; w++) {
        ADD("%s: %s  (", w ? "B" : "A", cli_esc(s[w].label ? s[w].label : s[w].spec));
        for (int d = 0; d < s[w].ndim; d++) ADD("%s%zu", d ? ", " : "", s[w].shape[d]);
        ADD("%s)%s%s%s\n", s[w].ndim == 1 ? "," : "", s[w].version[0] ? "  [" : "", s[w].version,
            s[w].version[0] ? "]" : "");
    }
    ADD("aligned:\n");
    for (int i = 0; i < ns->n; i++) ADD("  - %s\n", ns->text[i]);
    const size_t R = st->R, C = st->C, n = st->n, wm = st->wi / C, wt = st->wi % C;
    ADD("compared: (%zu, %zu) cells\n", R, C);
    ADD("max |A-B|    %.6g\nmean |A-B|   %.6g\n", st->mx, st->sum / (double)n);
    ADD("worst cell   frame %zu (%.3f s), mel %zu (%.0f Hz): A %.9g  B %.9g\n", wt, frame_time(ax, wt), wm, ax->hz[wm],
        val(&s[0], st->wi), val(&s[1], st->wi));
    ADD("above tol    %.4f %% of %zu cells (tol %g)\n", 100.0 * (double)st->above / (double)n, n, o->tol);
    ADD("per-frame max  ");
    for (size_t t = 0; t < 5 && t < C; t++) { /* the five largest, in order */
        size_t c = take_largest(st->pf, C);
        ADD("%sframe %zu (%.2f s) %.3g", t ? "; " : "", c, frame_time(ax, c), -st->pf[c] - 1);
    }
    ADD("\nper-mel max    ");
    for (size_t t = 0; t < 5 && t < R; t++) {
        size_t m = take_largest(st->pm, R);
        ADD("%smel %zu (%.0f Hz) %.3g", t ? "; " : "", m, ax->hz[m], -st->pm[m] - 1);
    }
    ADD("\n");
    for (int i = 0; i < sl->n; i++) ADD("stage: %s\n", sl->text[i]);
    ADD("result: %s tol %g\n", st->mx <= o->tol ? "within" : "ABOVE", o->tol);
#undef ADD
}

/* ---- the page */
/* The pictures, thinned to nc columns of step frames each: every step-th frame of A and B;
 * for A - B, of each step frames the difference largest in magnitude, so that no
 * difference is thinned away. */
static void thin_pictures(const cli_cmp_src s[2], size_t R, size_t C, size_t nc, size_t step, float *pa, float *pb,
                          float *pd)
{
    for (size_t m = 0; m < R; m++)
        for (size_t c = 0; c < nc; c++) {
            size_t t0 = c * step, t1 = t0 + step < C ? t0 + step : C, i0 = m * C + t0;
            double dmax = val(&s[0], i0) - val(&s[1], i0);
            for (size_t t = t0 + 1; t < t1; t++) {
                double d = val(&s[0], m * C + t) - val(&s[1], m * C + t);
                if (fabs(d) > fabs(dmax) || d != d) dmax = d;
            }
            pa[m * nc + c] = (float)val(&s[0], i0);
            pb[m * nc + c] = (float)val(&s[1], i0);
            pd[m * nc + c] = (float)dmax;
        }
}

static void page_body(FILE *f, const cli_cmp_src s[2], const cli_cmp_opts *o, const stats *st, const char *text,
                      const axes *ax, const float *const pic[3], size_t nc, size_t step)
{
    const size_t R = st->R, C = st->C, n = st->n, wm = st->wi / C, wt = st->wi % C;
    const char *la = s[0].label ? s[0].label : s[0].spec, *lb = s[1].label ? s[1].label : s[1].spec;
    char title[600], sub[600];
    snprintf(title, sizeof title, "wmel compare: %.250s vs %.250s", la, lb);
    snprintf(sub, sizeof sub, "max |A-B| %.3g, mean %.3g, %.4f %% of cells above tol %g: %s; wmel %s", st->mx,
             st->sum / (double)n, 100.0 * (double)st->above / (double)n, o->tol, st->mx <= o->tol ? "within" : "ABOVE",
             wmel_version());
    double lo = INFINITY, hi = -INFINITY;
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < n; i++) lo = fmin(lo, val(&s[w], i)), hi = fmax(hi, val(&s[w], i));
    cli_rpt_begin(f, title, sub);
    cli_rpt_pre(f, text);
    char shown[600];
    if (step > 1)
        snprintf(shown, sizeof shown,
                 "Decimated overview: %zu frames, the page shows %zu of them, every %zu-th (A and B), and for "
                 "A - B the difference largest in magnitude of each %zu frames; the figures above (max, mean, "
                 "worst cell, per-frame and per-mel maxima) cover every frame at full resolution. compare has "
                 "no span option: to see frames at full resolution, compare a slice of the inputs (at most "
                 "%zu frames of %zu mels show whole).",
                 C, nc, step, step, CLI_RPT_PAGE_FLOATS / (3 * R), R);
    else
        snprintf(shown, sizeof shown, "Every frame shown (%zu), at full resolution.", C);
    cli_rpt_p(f, shown);
    char ta[700], tb[700], td[200], swc[160];
    snprintf(ta, sizeof ta, "A: %.600s", la);
    snprintf(tb, sizeof tb, "B: %.600s", lb);
    snprintf(td, sizeof td, "A - B (max |A-B| %.3g)", st->mx);
    snprintf(swc, sizeof swc, "frame %zu (%.3f s), mel %zu (%.0f Hz)", wt, frame_time(ax, wt), wm, ax->hz[wm]);
    const char *kvd[] = {"worst cell", swc, NULL};
    double a = st->mx > 0 && isfinite(st->mx) ? st->mx : 1e-12;
    mel_image(f, "a", ta, pic[0], R, nc, step, 0, lo, hi, ax, "features", NULL);
    mel_image(f, "b", tb, pic[1], R, nc, step, 0, lo, hi, ax, "features", NULL);
    mel_image(f, "d", td, pic[2], R, nc, step, 1, -a, a, ax, "A - B", kvd);
    cli_rpt_end(f);
}

/* The -o page: the summary, then A, B and A - B thinned to the page's budget. 0, or 2 with
 * err when it cannot be written (nothing left at o->out). */
static int write_page(const cli_cmp_src s[2], const cli_cmp_opts *o, const stats *st, const char *text,
                      const axes *ax, cli_cmp_result *r, char *err, size_t err_len)
{
    const size_t R = st->R, C = st->C;
    size_t step, nc = cli_rpt_thin(C, 3 * R, &step);
    float *pa = malloc(R * nc * sizeof *pa), *pb = malloc(R * nc * sizeof *pb), *pd = malloc(R * nc * sizeof *pd);
    int rc = 0;
    cli_out out;
    if (!pa || !pb || !pd)
        rc = efail(err, err_len, "%s: out of memory", o->out);
    else if (cli_out_open(&out, o->out, 0, err, err_len) != WMEL_OK)
        rc = 2;
    if (!rc) {
        thin_pictures(s, R, C, nc, step, pa, pb, pd);
        const float *const pic[3] = {pa, pb, pd};
        page_body(out.f, s, o, st, text, ax, pic, nc, step);
        if (cli_out_commit(&out, err, err_len) != WMEL_OK) rc = 2;
    }
    free(pa), free(pb), free(pd);
    r->frames = C;
    r->shown = nc;
    return rc;
}

int cli_cmp_run(cli_cmp_src s[2], const cli_cmp_opts *o, cli_cmp_result *r, char *err, size_t err_len)
{
    memset(r, 0, sizeof *r);
    axes ax;
    cli_cmp_notes ns = {.n = 0}, sl = {.n = 0};
    const int own_axes = o->plan && (!o->axes || !strcmp(o->axes, o->frontend));
    if (axes_of(o->axes, o->n_mels, own_axes ? o->plan : NULL, &ax, err, err_len) ||
        align(&s[0], &s[1], o, &ns, err, err_len))
        return 2;
    if (!strcmp(o->frontend, "whisper")) stage_lines(&s[0], &s[1], &o->params, &sl);
    for (int i = 0; i < o->stage.n; i++) cli_cmp_note(&sl, "%s", o->stage.text[i]);
    for (int i = 0; i < o->extra.n; i++) cli_cmp_note(&ns, "%s", o->extra.text[i]);
    stats st;
    int rc = 0;
    if (compute_stats(s, o->tol, &st))
        rc = efail(err, err_len, "out of memory");
    else {
        summary(s, o, &ns, &sl, &st, &ax, r->text, sizeof r->text);
        r->above = !(st.mx <= o->tol);
        if (o->out) rc = write_page(s, o, &st, r->text, &ax, r, err, err_len);
    }
    free(st.pf);
    free(st.pm);
    return rc;
}
