/*
 * cmd_compare.c -- `wmel compare A B [-o REPORT.html] [--tol T] [--frontend whisper]
 * [--n-mels N] [--backend B] [--axes F] [--label-a TEXT] [--label-b TEXT] [--note TEXT]... [-q]`:
 * where two front-ends' features differ, and by how much.
 *
 * A and B: FILE.npy (float32/float64, C or Fortran order), or IMPL:AUDIO with IMPL wmel
 * (libwmel, --backend, default auto) or oracle (the float64 reference, wmel_ref_stages).
 * Every other source (FILE.npz[:KEY], FILE.pt, IMPL openai, hf, faster-whisper, librosa,
 * kaldi-native-fbank, torchaudio, nemo) is handed, with all the arguments, to the module
 * wmel.compare of `python3` ($WMEL_PYTHON names another interpreter; the working folder is
 * kept off its import path), which draws its
 * report with this command. The conventions are aligned as that module does (see
 * python/wmel/compare.py); each step is printed. Exit: 0 within --tol, 1 above, 2 on a
 * usage error or sources that cannot be compared (a shape that cannot be reconciled).
 *
 * Size: the statistics cover every cell; the page's pictures keep inspect's budget
 * (wmel_rpt_thin): every k-th frame of A and B, and of A - B the difference largest in
 * magnitude of each k frames. Memory: the two arrays as they came (float32 or float64;
 * the alignment is applied as each value is read) and the page's budget.
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "commands.h"
#include "frontend.h"
#include "out.h"
#include "picture.h"
#include "report.h"
#include "stages.h"
#include "wmel.h"
#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ERRLEN 1024
#define MAX_NOTES 24
#define INT16_LOG10 9.030899869919435 /* 2 log10(32768): log offset of int16-range input */

static const char *const IMPLS[] = {"wmel", "oracle", "openai", "hf", "faster-whisper", "librosa",
                                    "kaldi-native-fbank", "torchaudio", "nemo", NULL};

typedef struct src {
    const char *spec;
    const char *impl;   /* NULL for a file */
    char audio[4096];
    double *x;          /* [rows][cols]: float64 values (an f8 file, the oracle) */
    float *xf;          /* ... or float32 ones (an f4 file, libwmel), held as they are */
    /* the alignment's steps, applied as a value is read (val): v = x / dv - off; when
       norm, (max(v, zlo) + 4) / 4; then v - sub. dv 1, the others 0: the value as held */
    double dv, off, zlo, sub;
    int norm;
    size_t rows, cols;
    size_t shape[4];
    int ndim;
    int raw;            /* known raw log10 (not normalised) */
    float *pcm;         /* IMPL:AUDIO: the decoded samples */
    size_t n;
    char version[160];
} src;

typedef struct notes {
    char text[MAX_NOTES][400];
    int n;
} notes;

static void note(notes *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(notes *ns, const char *fmt, ...)
{
    if (ns->n >= MAX_NOTES) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ns->text[ns->n++], sizeof ns->text[0], fmt, ap);
    va_end(ap);
}

static int fail2(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail2(const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    wmel_cli_msg("wmel: compare: %s", text);
    return 2;
}

/* [r][c] held -> [c][r]; -1 when out of memory (nothing changed) */
static int transpose(src *s, size_t r, size_t c)
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

/* ---- .npy: float32/float64 little-endian, C or Fortran order (numpy format 1.0/2.0) */
static int read_npy(const char *path, src *s, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    unsigned char pre[12];
    int rc = -1;
    char *h = NULL;
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] < 1 || pre[6] > 3) {
        snprintf(err, err_len, "%s: not a .npy file", path);
        goto out;
    }
    size_t hl = (size_t)pre[8] | (size_t)pre[9] << 8;
    if (pre[6] >= 2) {
        if (fread(pre + 10, 1, 2, f) != 2) goto trunc;
        hl |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    }
    if (hl > (1u << 20) || !(h = malloc(hl + 1)) || fread(h, 1, hl, f) != hl) goto trunc;
    h[hl] = 0;
    const char *d = strstr(h, "'descr'"), *fo = strstr(h, "'fortran_order'"), *sh = strstr(h, "'shape'");
    if (!d || !fo || !sh) {
        snprintf(err, err_len, "%s: .npy header without descr, fortran_order or shape", path);
        goto out;
    }
    size_t item;
    if (strstr(d, "'<f4'") == strchr(d + 7, '\'')) item = 4;
    else if (strstr(d, "'<f8'") == strchr(d + 7, '\'')) item = 8;
    else {
        snprintf(err, err_len, "%s: dtype is not float32 or float64 (little-endian): "
                 "python3 -m wmel.compare converts others", path);
        goto out;
    }
    const char *fc = strchr(fo + 15, ':');
    int fortran = fc && strncmp(fc + 1 + strspn(fc + 1, " "), "True", 4) == 0;
    const char *p = strchr(sh, '(');
    s->ndim = 0;
    size_t count = 1;
    while (p && *++p && *p != ')') {
        if (*p == ' ' || *p == ',') continue;
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || s->ndim >= 4 || (v && count > SIZE_MAX / 8 / v)) {
            snprintf(err, err_len, "%s: shape not understood (at most 4 axes)", path);
            goto out;
        }
        s->shape[s->ndim++] = (size_t)v;
        count *= (size_t)v;
        p = end - 1;
    }
    if (!p || count == 0) {
        snprintf(err, err_len, "%s: empty array", path);
        goto out;
    }
    /* held in the file's own type (little-endian, as the host: the formats wmel runs on) */
    if (item == 4) s->xf = malloc(count * sizeof *s->xf);
    else s->x = malloc(count * sizeof *s->x);
    if (!s->xf && !s->x) {
        snprintf(err, err_len, "%s: out of memory", path);
        goto out;
    }
    if (fread(s->xf ? (void *)s->xf : (void *)s->x, item, count, f) != count) goto trunc;
    if (fortran && s->ndim >= 2) { /* to C order: only 2-D after squeezing matters */
        if (s->ndim > 2) {
            snprintf(err, err_len, "%s: a Fortran-order array of %d axes: python3 -m wmel.compare reads it", path, s->ndim);
            goto out;
        }
        if (transpose(s, count / s->shape[0], s->shape[0])) {
            snprintf(err, err_len, "%s: out of memory", path);
            goto out;
        }
    }
    rc = 0;
    goto out;
trunc:
    snprintf(err, err_len, "%s: truncated .npy file", path);
out:
    free(h);
    fclose(f);
    return rc;
}

/* ---- IMPL:AUDIO the command computes */
static int compute_impl(src *s, const wmel_params *p, char *err, size_t err_len)
{
    char fmt[256];
    int rc = wmel_decode_all(s->audio, &s->pcm, &s->n, fmt, sizeof fmt, 1, err, err_len);
    if (rc) return rc;
    if (s->n <= WMEL_N_FFT / 2) {
        snprintf(err, err_len, "%s: %zu samples: too short for a frame", s->audio, s->n);
        return WMEL_ERR_TOO_SHORT;
    }
    size_t nf = wmel_n_frames(s->n, 0), cnt = (size_t)p->n_mels * nf;
    s->rows = (size_t)p->n_mels;
    s->cols = nf;
    s->ndim = 2;
    s->shape[0] = s->rows;
    s->shape[1] = nf;
    if (!strcmp(s->impl, "wmel")) {
        int st;
        wmel_params q = *p;
        q.norm = WMEL_NORM_WHOLE;
        wmel_ctx *ctx = wmel_create(&q, &st);
        s->xf = malloc(cnt * sizeof *s->xf);
        rc = !ctx ? st : !s->xf ? WMEL_ERR_NO_MEMORY : wmel_log_mel(ctx, s->pcm, s->n, 0, s->xf, cnt);
        if (rc == WMEL_OK)
            snprintf(s->version, sizeof s->version, "wmel %s, backend %s, kernel %s", wmel_version(),
                     wmel_backend_name(ctx), wmel_kernel_name(ctx));
        else
            snprintf(err, err_len, "%s: %s", s->audio, wmel_strerror(rc));
        wmel_destroy(ctx);
        return rc;
    }
    s->x = malloc(cnt * sizeof *s->x);
    if (!s->x) return WMEL_ERR_NO_MEMORY;
    const wmel_frontend *fe = wmel_frontend_find("whisper");
    wmel_clip clip;
    memset(&clip, 0, sizeof clip);
    clip.pcm = s->pcm, clip.n = s->n, clip.n_frames = clip.n_valid = nf, clip.n_mels = p->n_mels;
    if ((rc = wmel_clip_max(&clip, err, err_len)) != WMEL_OK) return rc;
    double *out[8] = {0};
    out[5] = s->x;
    rc = wmel_stages_compute(fe, &clip, 0, nf, 1, out, NULL);
    if (rc) snprintf(err, err_len, "%s: %s", s->audio, wmel_strerror(rc));
    snprintf(s->version, sizeof s->version, "float64 reference (wmel_ref_stages)");
    return rc;
}

/* ---- alignment (python/wmel/compare.py does the same) */
static double raw_at(const src *s, size_t i) { return s->xf ? (double)s->xf[i] : s->x[i]; }

/* Cell i as aligned: the steps of align() on the value held, in the order they were taken
 * (the same roundings as doing them in place, without a float64 copy of a float32 array). */
static double val(const src *s, size_t i)
{
    double v = raw_at(s, i) / s->dv - s->off;
    if (s->norm) v = ((v > s->zlo ? v : s->zlo) + 4.0) / 4.0;
    return v - s->sub;
}

static void span_of(const src *s, size_t n, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v = val(s, i);
        if (v < *lo) *lo = v;
        if (v > *hi) *hi = v;
    }
}

/* The values whose median the alignment needs, one per cell, as float: a[i] - b[i], or
 * (fit of a raw side) |((max(z, zlo) + 4) / 4) - b[i]| with z = a[i] / dv - off. */
typedef struct cells {
    const src *a, *b;
    int fit;
    double dv, off, zlo;
} cells;

static float cell_at(const cells *c, size_t i)
{
    if (!c->fit) return (float)(val(c->a, i) - val(c->b, i));
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

/* The median (element n / 2 in order) of the n cells, exactly, in fixed memory: a count
 * of the keys' high 16 bits finds its bucket, a second pass over the low 16 bits within
 * that bucket finds it. NaN when out of memory. */
static double median_cells(const cells *c, size_t n)
{
    size_t *h = calloc(65536, sizeof *h), k = n / 2, below = 0;
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

static double median_diff(const src *a, const src *b, size_t n)
{
    cells c = {a, b, 0, 1.0, 0.0, 0.0};
    return median_cells(&c, n);
}

static int orient(src *s, int n_mels, notes *ns, const char *name)
{
    size_t dims[4], nd = 0;
    for (int i = 0; i < s->ndim; i++) dims[nd++] = s->shape[i];
    while (nd > 2 && dims[0] == 1) {
        memmove(dims, dims + 1, (nd - 1) * sizeof *dims);
        nd--;
        note(ns, "%s: dropped a leading batch axis of 1", name);
    }
    if (nd != 2) return fail2("%s %s: %d axes: not (n_mels, n_frames)", name, s->spec, s->ndim);
    if (dims[0] != (size_t)n_mels && dims[1] == (size_t)n_mels) {
        if (transpose(s, dims[0], dims[1])) return fail2("out of memory");
        size_t r = dims[0];
        dims[0] = dims[1];
        dims[1] = r;
        note(ns, "%s: transposed (n_frames, n_mels) -> (n_mels, n_frames)", name);
    }
    if (dims[0] != (size_t)n_mels)
        return fail2("%s %s: shape (%zu, %zu) has no axis of %d mels (--n-mels)", name, s->spec, dims[0], dims[1], n_mels);
    s->rows = dims[0];
    s->cols = dims[1];
    return 0;
}

static void crop(src *s, size_t cols)
{
    if (s->cols == cols) return;
    size_t es = s->xf ? sizeof *s->xf : sizeof *s->x;
    char *x = s->xf ? (char *)s->xf : (char *)s->x;
    for (size_t r = 0; r < s->rows; r++) memmove(x + r * cols * es, x + r * s->cols * es, cols * es);
    s->cols = cols;
}

static int align(src *a, src *b, int n_mels, notes *ns)
{
    if (orient(a, n_mels, ns, "A") || orient(b, n_mels, ns, "B")) return 2;
    if (a->cols != b->cols) {
        size_t lo = a->cols < b->cols ? a->cols : b->cols, hi = a->cols + b->cols - lo;
        const char *longer = a->cols > b->cols ? "A" : "B";
        if (hi == lo + 3000)
            note(ns, "%s has 3000 more frames: openai's transcribe appends 30 s of zeros (padding=480000) before the "
                     "STFT; compared on the first %zu frames (the normalisation max and the last frames can differ)",
                 longer, lo);
        else if (hi == 3000)
            note(ns, "%s has 3000 frames: the audio padded to 30 s before the STFT (HF's WhisperFeatureExtractor, "
                     "pad_or_trim); compared on the first %zu frames (near the end of the audio its frames see zeros "
                     "where the other sees the reflected signal)", longer, lo);
        else if (hi == lo + 1)
            note(ns, "%s has one frame more (%zu vs %zu): an extra last frame (the last STFT frame that openai drops, "
                     "or 160 appended zeros); dropped", longer, hi, lo);
        else
            return fail2("cannot reconcile the shapes: A (%zu, %zu) and B (%zu, %zu) (%zu vs %zu frames)", a->shape[0],
                         a->ndim > 1 ? a->shape[1] : 0, b->shape[0], b->ndim > 1 ? b->shape[1] : 0, a->cols, b->cols);
        crop(a, lo);
        crop(b, lo);
    }
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
        src *s = w ? b : a, *o = w ? a : b;
        if (!raw[w]) continue;
        double fit = INFINITY;
        int bs = 0, bo = 0;
        /* z = x / scale - offset, normalised with its own max: computed on the way, not held */
        for (int sc = 0; sc < 2; sc++)
            for (int of = 0; of < 2; of++) {
                cells c = {s, o, 1, sc ? ln10 : 1.0, of ? INT16_LOG10 : 0.0, -INFINITY};
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
        if (bs) note(ns, "%s: natural log -> log10 (divided by ln 10)", w ? "B" : "A");
        if (bo) note(ns, "%s: int16-range input (samples x 32768): log10 values %.4f higher; subtracted", w ? "B" : "A", INT16_LOG10);
        note(ns, "%s: raw log10 -> normalised with its own max ((max(x, M - 8) + 4) / 4)", w ? "B" : "A");
    }
    if (raw[0] && raw[1]) {
        double ra = ahi - alo, rb = bhi - blo;
        for (int w = 0; w < 2; w++) {
            double r = w ? rb / ra : ra / rb;
            if (fabs(r - ln10) < 0.05 * ln10) {
                src *s = w ? b : a;
                s->dv = ln10;
                note(ns, "%s: natural log -> log10 (divided by ln 10)", w ? "B" : "A");
            }
        }
        double d = median_diff(a, b, n);
        if (fabs(fabs(d) - INT16_LOG10) < 0.05) {
            src *s = d > 0 ? a : b;
            s->off = INT16_LOG10;
            note(ns, "%s: int16-range input (samples x 32768): log10 values %.4f higher; subtracted", d > 0 ? "A" : "B", INT16_LOG10);
        }
        note(ns, "both raw log10: compared raw");
    } else {
        double d = median_diff(a, b, n), k = INT16_LOG10 / 4;
        if (fabs(fabs(d) - k) < 0.01) {
            src *s = d > 0 ? a : b;
            s->sub = k;
            note(ns, "%s: int16-range input (samples x 32768): features %.4f higher; subtracted", d > 0 ? "A" : "B", k);
        }
    }
    if (ns->n == 0) note(ns, "none needed: both (n_mels, n_frames) normalised log10 features");
    return 0;
}

/* ---- where both sides are wmel-computable: each side's log stage and max against the
 * float64 reference */
static void stage_lines(const src *a, const src *b, const wmel_params *p, notes *out)
{
    if (!a->impl || !b->impl) return;
    if (a->n != b->n || memcmp(a->pcm, b->pcm, a->n * sizeof *a->pcm) != 0) {
        note(out, "A and B read different audio: no stage-by-stage comparison");
        return;
    }
    size_t nf = wmel_n_frames(a->n, 0), cnt = (size_t)p->n_mels * nf;
    wmel_clip clip;
    memset(&clip, 0, sizeof clip);
    clip.pcm = a->pcm, clip.n = a->n, clip.n_frames = clip.n_valid = nf, clip.n_mels = p->n_mels;
    char err[ERRLEN];
    double *olog = malloc(cnt * sizeof *olog);
    float *raw = malloc(cnt * sizeof *raw);
    double *out8[8] = {0};
    out8[4] = olog;
    if (!olog || !raw || wmel_clip_max(&clip, err, sizeof err) ||
        wmel_stages_compute(wmel_frontend_find("whisper"), &clip, 0, nf, 1, out8, NULL)) {
        note(out, "stages: could not compute the reference's stages");
        free(olog);
        free(raw);
        return;
    }
    for (int w = 0; w < 2; w++) {
        const src *s = w ? b : a;
        const char *name = w ? "B" : "A";
        if (!strcmp(s->impl, "oracle")) {
            note(out, "%s is the oracle (float64 stages: frames, power, mel, log, features)", name);
            continue;
        }
        wmel_params q = *p;
        q.norm = WMEL_NORM_NONE;
        int st;
        wmel_ctx *ctx = wmel_create(&q, &st);
        if (!ctx || wmel_log_mel(ctx, s->pcm, s->n, 0, raw, cnt)) {
            wmel_destroy(ctx);
            note(out, "%s: could not compute its log stage", name);
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
        note(out, "%s (%s): log stage max |d| %.3g vs the oracle; max M %.9g vs %.9g (d %.3g); features max |d| %.3g",
             name, wmel_backend_name(ctx), dl, mw, clip.log_max, fabs(mw - clip.log_max), df);
        if (df <= dl / 4 + fabs(mw - clip.log_max) / 4 + 1e-7)
            note(out, "%s: the difference comes from the spectral stages up to log (power, mel, log: the backend "
                      "exposes no earlier stage), carried through (x + 4) / 4%s; %zu cells sit at the clamp M - 8",
                 name, dl < 1e-5 ? ": float32 rounding only" : "", clamp);
        else
            note(out, "%s: the difference comes from the normalisation (max or clamp), not the log stage; %zu cells "
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
    double hz[256];
} axes;

/* One picture of the page: d [rows][cols], column c frame c * step. */
static void mel_image(FILE *f, const char *id, const char *title, const float *d, size_t rows, size_t cols,
                      size_t step, int diverging, double lo, double hi, const axes *ax, const char *unit,
                      const char *const *kv)
{
    wmel_rpt_img im;
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
    wmel_pic_axis_linear(&im.x, "time (s), frame centres", cols, ax->t0, im.dx, 10);
    wmel_pic_axis_linear(&im.yl, "mel index", rows, 0, 1, 6);
    wmel_pic_axis_values(&im.yr, "centre frequency (Hz)", rows, ax->hz, 6);
    wmel_pic_axis_scale(&im.scale, unit, im.lo, im.hi, 7);
    im.row_name = "mel";
    im.row_val = ax->hz;
    im.row_unit = "Hz";
    im.table = kv;
    wmel_rpt_image(f, &im);
}

static void usage_impl_list(char *buf, size_t len)
{
    size_t k = 0;
    for (int i = 0; IMPLS[i] && k < len; i++) k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "", IMPLS[i]);
}

/* Hands the whole command to python3 -m wmel.compare, with this executable as its report
 * drawer. Returns only on failure. */
static int delegate(int argc, char **argv, const char *why)
{
    const char *py = getenv("WMEL_PYTHON");
    if (!py || !*py) py = "python3";
    char self[4096];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k > 0) {
        self[k] = 0;
        if (!getenv("WMEL_CLI")) setenv("WMEL_CLI", self, 1);
    }
    /* `python -m` would put the working folder first on the import path, so that a
     * ./wmel/compare.py or ./numpy.py there would run in place of the installed modules.
     * The interpreter is started with -c and drops the working folder (and any entry
     * naming it) from the path before it imports anything; PYTHONSAFEPATH does the same on
     * Python 3.11 and later. */
    static const char BOOT[] =
        "import os, sys\n"
        "cwd = os.path.realpath(os.getcwd())\n"
        "sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != cwd]\n"
        "import runpy\n"
        "runpy.run_module('wmel.compare', run_name='__main__', alter_sys=True)\n";
    setenv("PYTHONSAFEPATH", "1", 1);
    char **args = calloc((size_t)argc + 4, sizeof *args);
    if (!args) return fail2("out of memory");
    args[0] = (char *)py;
    args[1] = "-c";
    args[2] = (char *)BOOT;
    for (int i = 0; i < argc; i++) args[3 + i] = argv[i];
    wmel_cli_msg("wmel: compare: %s: handing over to the wmel.compare module of %s", why, py);
    fflush(NULL);
    execvp(py, args);
    int e = errno;
    free(args);
    return fail2("%s: cannot run %s (%s): install the wmel Python package (pip install .) or set WMEL_PYTHON",
                 why, py, strerror(e));
}

/* The -o page: the summary, then A, B and A - B thinned to the page's budget (A - B keeps
 * each bucket's difference largest in magnitude). 0, or 2 when it cannot be written
 * (reported). */
static int write_page(const char *out, const char *const label[2], const char *const specs[2], const src s[2],
                      size_t R, size_t C, double mx, double sum, size_t above, double tol, size_t wi,
                      const char *text, const axes *axp, int quiet)
{
    const axes ax = *axp;
    const double *hz = ax.hz;
    const size_t n = R * C, wm = wi / C, wt = wi % C;
    char err[ERRLEN] = "";
    int rc = 0;
    size_t step, nc = wmel_rpt_thin(C, 3 * R, &step);
    wmel_out o;
    int orc = wmel_out_open(&o, out, 0, err, sizeof err);
    if (orc == WMEL_OK) {
        FILE *f = o.f;
        char title[600], sub[600];
        snprintf(title, sizeof title, "wmel compare: %.250s vs %.250s", label[0] ? label[0] : specs[0],
                 label[1] ? label[1] : specs[1]);
        snprintf(sub, sizeof sub, "max |A-B| %.3g, mean %.3g, %.4f %% of cells above tol %g: %s; wmel %s", mx,
                 sum / (double)n, 100.0 * (double)above / (double)n, tol, mx <= tol ? "within" : "ABOVE", wmel_version());
        /* the pictures: every step-th frame of A and B; for A - B, of each step frames
           the difference largest in magnitude, so that no difference is thinned away */
        float *pa = malloc(R * nc * sizeof *pa), *pb = malloc(R * nc * sizeof *pb), *pd = malloc(R * nc * sizeof *pd);
        double lo = INFINITY, hi = -INFINITY;
        for (int w = 0; w < 2; w++)
            for (size_t i = 0; i < n; i++) lo = fmin(lo, val(&s[w], i)), hi = fmax(hi, val(&s[w], i));
        for (size_t m = 0; pa && pb && pd && m < R; m++)
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
        wmel_rpt_begin(f, title, sub);
        wmel_rpt_pre(f, text);
        char shown[600];
        if (step > 1)
            snprintf(shown, sizeof shown,
                     "Decimated overview: %zu frames, the page shows %zu of them, every %zu-th (A and B), and for "
                     "A - B the difference largest in magnitude of each %zu frames; the figures above (max, mean, "
                     "worst cell, per-frame and per-mel maxima) cover every frame at full resolution. compare has "
                     "no span option: to see frames at full resolution, compare a slice of the inputs (at most "
                     "%zu frames of %zu mels show whole).",
                     C, nc, step, step, WMEL_RPT_PAGE_FLOATS / (3 * R), R);
        else
            snprintf(shown, sizeof shown, "Every frame shown (%zu), at full resolution.", C);
        wmel_rpt_p(f, shown);
        char ta[700], tb[700], td[200], swc[160];
        snprintf(ta, sizeof ta, "A: %.600s", label[0] ? label[0] : specs[0]);
        snprintf(tb, sizeof tb, "B: %.600s", label[1] ? label[1] : specs[1]);
        snprintf(td, sizeof td, "A - B (max |A-B| %.3g)", mx);
        snprintf(swc, sizeof swc, "frame %zu (%.3f s), mel %zu (%.0f Hz)", wt, ax.t0 + wt * ax.dt, wm, hz[wm]);
        const char *kvd[] = {"worst cell", swc, NULL};
        double a = mx > 0 && isfinite(mx) ? mx : 1e-12;
        orc = pa && pb && pd ? WMEL_OK : WMEL_ERR_NO_MEMORY;
        if (!orc) {
            mel_image(f, "a", ta, pa, R, nc, step, 0, lo, hi, &ax, "features", NULL);
            mel_image(f, "b", tb, pb, R, nc, step, 0, lo, hi, &ax, "features", NULL);
            mel_image(f, "d", td, pd, R, nc, step, 1, -a, a, &ax, "A - B", kvd);
        }
        free(pa), free(pb), free(pd);
        wmel_rpt_end(f);
        if (!orc) orc = wmel_out_commit(&o, err, sizeof err);
        else {
            snprintf(err, sizeof err, "%s: out of memory", out);
            wmel_out_abort(&o);
        }
    }
    if (orc) {
        wmel_cli_msg("wmel: %s", err);
        rc = 2;
    } else if (!quiet) {
        wmel_cli_msg("wmel: wrote %s (%zu frames shown of %zu%s)", out, nc, C, step > 1 ? ", decimated" : "");
    }
    return rc;
}

int cmd_compare(int argc, char **argv)
{
    const char *specs[2] = {NULL, NULL}, *out = NULL, *label[2] = {NULL, NULL}, *frontend = "whisper";
    const char *axes_of = "whisper";
    wmel_params p = wmel_default_params();
    p.n_mels = 0;
    double tol = 1e-4;
    int quiet = 0;
    notes extra = {.n = 0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int pr;
        if ((pr = wmel_cli_operands(argc, argv, &i, specs, 2)) != 0) {
            if (pr == 2) return 2;
            break;
        }
        if ((pr = wmel_cli_common(argc, argv, &i, &out, &quiet, &p)) != 0) {
            if (pr == 2) return 2;
        } else if (!strcmp(a, "--tol")) {
            char *end = NULL;
            tol = v ? strtod(v, &end) : NAN;
            if (!v || end == v || *end || !(tol >= 0)) return wmel_cli_usage("--tol takes a number >= 0");
            i++;
        } else if (!strcmp(a, "--frontend")) {
            if (!v) return wmel_cli_usage("--frontend needs a name (whisper)");
            frontend = v;
            i++;
        } else if (!strcmp(a, "--axes")) {
            if (!v || wmel_cli_fe_parse(v) < 0)
                return wmel_cli_usage("--axes needs a front-end's name (whisper, nemo, nemo-legacy, kaldi, seamless)");
            axes_of = v;
            i++;
        } else if (!strcmp(a, "--label-a") || !strcmp(a, "--label-b")) {
            if (!v) return wmel_cli_usage("--label-a/--label-b need a text");
            label[a[8] == 'b'] = v;
            i++;
        } else if (!strcmp(a, "--note")) {
            if (!v) return wmel_cli_usage("--note needs a text");
            note(&extra, "%s", wmel_cli_esc(v));
            i++;
        } else if (a[0] == '-' && a[1]) {
            wmel_cli_msg("wmel: unknown option '%s' (see wmel --help)", a);
            return 2;
        } else if (!specs[0]) {
            specs[0] = a;
        } else if (!specs[1]) {
            specs[1] = a;
        } else {
            return wmel_cli_usage("compare: two sources only (A B)");
        }
    }
    if (!specs[1]) return wmel_cli_usage("compare: two sources needed: wmel compare A B [-o REPORT.html] [--tol T]");
    if (wmel_frontend_find(frontend) && strcmp(frontend, "whisper")) /* the other front-ends: the Python module */
        return delegate(argc, argv, !strcmp(frontend, "kaldi") ? "--frontend kaldi" : !strcmp(frontend, "nemo") ? "--frontend nemo"
                                    : !strcmp(frontend, "seamless") ? "--frontend seamless" : "--frontend nemo-legacy");
    if (!wmel_frontend_find(frontend)) {
        wmel_cli_msg("wmel: compare: front-end '%s' is not one compare covers (it covers: %s)", frontend,
             wmel_frontend_names());
        return 2;
    }
    src s[2];
    memset(s, 0, sizeof s);
    s[0].dv = s[1].dv = 1.0;
    for (int w = 0; w < 2; w++) {
        s[w].spec = specs[w];
        const char *colon = strchr(specs[w], ':');
        if (colon) {
            for (int i = 0; IMPLS[i]; i++)
                if ((size_t)(colon - specs[w]) == strlen(IMPLS[i]) && !strncmp(specs[w], IMPLS[i], strlen(IMPLS[i])))
                    s[w].impl = IMPLS[i];
        }
        if (s[w].impl) {
            if (strcmp(s[w].impl, "wmel") && strcmp(s[w].impl, "oracle")) return delegate(argc, argv, s[w].impl);
            snprintf(s[w].audio, sizeof s[w].audio, "%s", colon + 1);
            continue;
        }
        size_t L = strlen(specs[w]);
        if (strstr(specs[w], ".npz") || (L > 3 && !strcmp(specs[w] + L - 3, ".pt")))
            return delegate(argc, argv, specs[w]);
        if (colon && access(specs[w], F_OK) != 0) {
            char list[256];
            usage_impl_list(list, sizeof list);
            return fail2("%s: no such file, and '%.*s' is not an implementation (one of: %s)", specs[w],
                         (int)(colon - specs[w]), specs[w], list);
        }
    }
    {
        const char *outs[1] = {out}, *ins[2] = {s[0].impl ? s[0].audio : specs[0], s[1].impl ? s[1].audio : specs[1]};
        if (out && wmel_cli_check_files(outs, 1, ins, 2)) return 2;
    }
    char err[ERRLEN] = "";
    int rc = 0;
    for (int w = 0; w < 2 && !rc; w++)
        if (!s[w].impl && read_npy(specs[w], &s[w], err, sizeof err)) rc = 2;
    if (p.n_mels == 0) { /* from the files: an axis of 128 means 128 mels */
        p.n_mels = 80;
        for (int w = 0; w < 2; w++)
            for (int d = 0; d < s[w].ndim && !s[w].impl; d++)
                if (s[w].shape[d] == 128) p.n_mels = 128;
    }
    axes ax;
    const double *hz = ax.hz;
    {
        wmel_frontend_plan pl;
        int prc = wmel_frontend_preset(wmel_cli_fe_parse(axes_of), p.n_mels, &pl);
        if (prc) {
            wmel_cli_msg("wmel: compare: --axes %s with %d mels: %s", axes_of, p.n_mels, wmel_strerror(prc));
            rc = 2;
            goto done;
        }
        wmel_mel_centres(&pl, ax.hz, sizeof ax.hz / sizeof ax.hz[0]);
        ax.dt = (double)pl.hop / pl.sample_rate;
        ax.t0 = pl.framing == WMEL_FRAMES_SNIP ? 0.5 * pl.frame_length / pl.sample_rate : 0.0;
    }
    for (int w = 0; w < 2 && !rc; w++)
        if (s[w].impl && compute_impl(&s[w], &p, err, sizeof err)) rc = 2;
    if (rc) {
        wmel_cli_msg("wmel: compare: %s", err);
        goto done;
    }
    notes ns = {.n = 0}, st = {.n = 0};
    if ((rc = align(&s[0], &s[1], p.n_mels, &ns)) != 0) goto done;
    stage_lines(&s[0], &s[1], &p, &st);
    for (int i = 0; i < extra.n; i++) note(&ns, "%s", extra.text[i]);

    /* statistics */
    /* statistics over every cell; the page's pictures (below) thinned to its budget */
    const size_t R = s[0].rows, C = s[0].cols, n = R * C;
    double *pf = calloc(C, sizeof *pf), *pm = calloc(R, sizeof *pm);
    if (!pf || !pm) {
        free(pf), free(pm);
        rc = fail2("out of memory");
        goto done;
    }
    double mx = -1, sum = 0;
    size_t wi = 0, above = 0;
    for (size_t i = 0; i < n; i++) {
        double ad = fabs(val(&s[0], i) - val(&s[1], i));
        if (ad != ad) ad = INFINITY;
        if (ad > mx) mx = ad, wi = i;
        sum += ad;
        if (ad > tol) above++;
        if (ad > pf[i % C]) pf[i % C] = ad;
        if (ad > pm[i / C]) pm[i / C] = ad;
    }
    char text[16384];
    size_t k = 0;
#define ADD(...) k += (size_t)snprintf(text + k, k < sizeof text ? sizeof text - k : 0, __VA_ARGS__)
    for (int w = 0; w < 2; w++) {
        ADD("%s: %s  (", w ? "B" : "A", wmel_cli_esc(label[w] ? label[w] : specs[w]));
        for (int d = 0; d < s[w].ndim; d++) ADD("%s%zu", d ? ", " : "", s[w].shape[d]);
        ADD("%s)%s%s%s\n", s[w].ndim == 1 ? "," : "", s[w].version[0] ? "  [" : "", s[w].version, s[w].version[0] ? "]" : "");
    }
    ADD("aligned:\n");
    for (int i = 0; i < ns.n; i++) ADD("  - %s\n", ns.text[i]);
    size_t wm = wi / C, wt = wi % C;
    ADD("compared: (%zu, %zu) cells\n", R, C);
    ADD("max |A-B|    %.6g\nmean |A-B|   %.6g\n", mx, sum / (double)n);
    ADD("worst cell   frame %zu (%.3f s), mel %zu (%.0f Hz): A %.9g  B %.9g\n", wt, ax.t0 + wt * ax.dt, wm, hz[wm], val(&s[0], wi), val(&s[1], wi));
    ADD("above tol    %.4f %% of %zu cells (tol %g)\n", 100.0 * (double)above / (double)n, n, tol);
    ADD("per-frame max  ");
    for (int t = 0; t < 5 && t < (int)C; t++) { /* the five largest, in order */
        size_t best = 0;
        double bv = -1;
        for (size_t c = 0; c < C; c++)
            if (pf[c] > bv) bv = pf[c], best = c;
        ADD("%sframe %zu (%.2f s) %.3g", t ? "; " : "", best, ax.t0 + best * ax.dt, bv);
        pf[best] = -pf[best] - 1; /* taken; restored below */
    }
    for (size_t c = 0; c < C; c++)
        if (pf[c] < 0) pf[c] = -pf[c] - 1;
    ADD("\nper-mel max    ");
    for (int t = 0; t < 5 && t < (int)R; t++) {
        size_t best = 0;
        double bv = -1;
        for (size_t m = 0; m < R; m++)
            if (pm[m] > bv) bv = pm[m], best = m;
        ADD("%smel %zu (%.0f Hz) %.3g", t ? "; " : "", best, hz[best], bv);
        pm[best] = -pm[best] - 1;
    }
    ADD("\n");
    for (int i = 0; i < st.n; i++) ADD("stage: %s\n", st.text[i]);
    ADD("result: %s tol %g\n", mx <= tol ? "within" : "ABOVE", tol);
#undef ADD
    if (!quiet || !out) fputs(text, stdout);
    rc = mx <= tol ? 0 : 1;

    if (out && write_page(out, label, specs, s, R, C, mx, sum, above, tol, wi, text, &ax, quiet)) rc = 2;
    free(pf);
    free(pm);
done:
    for (int w = 0; w < 2; w++) {
        free(s[w].x);
        free(s[w].xf);
        free(s[w].pcm);
    }
    return rc;
}
