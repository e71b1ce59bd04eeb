/*
 * cmd_inspect.c -- `wmel inspect INPUT -o REPORT.html [--preset NAME | --plan FILE.json |
 * --frontend F] [plan options] [--stages DIR] [--start S --duration D] [--backend B]
 * [--quiet]`: every stage of any front-end plan (the options of `wmel mel`, cli_fe_opt),
 * computed by the float64 reference (wmel_ref_stages for Whisper's exact plan,
 * wmel_ref_plan_stages for every other; the texts made from the plan's fields, stages.c), as pictures with axes,
 * colour bars, tables and hover read-outs in one self-contained page (report.c); with
 * --backend, that backend's log and features beside the reference's and their difference
 * (backends expose their output only, not their inner stages); with --stages, each stage
 * as a float64 .npy.
 *
 * Size: the page embeds each shown frame of each stage as float32 (the sample stages once:
 * the windowed frames are drawn from the padded ones times the window, in double). An
 * input longer than the budget (CLI_RPT_PAGE_FLOATS values, report.h) is shown every k-th
 * frame (cli_rpt_thin, which `wmel compare` shares); --start and --duration pick a span,
 * shown at full resolution up to the same budget.
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "commands.h"
#include "frontend.h"
#include "platform.h"
#include "out.h"
#include "picture.h"
#include "report.h"
#include "stages.h"
#include "wmel.h"
#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define WAVE_BUCKETS 1000
#define STAGES_MAX_FRAMES 30000 /* --stages: 300 s at full resolution */
#define DB_RANGE 100.0          /* power and mel pictures: the top 100 dB */
#define ERRLEN 1024

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int parse_seconds(const char *v, double *out)
{
    char *end = NULL;
    errno = 0;
    double d = v ? strtod(v, &end) : -1;
    if (!v || errno || end == v || *end || !(d >= 0) || !isfinite(d)) return -1;
    *out = d;
    return 0;
}


/* What one picture of the page needs beyond the stage table. */
typedef struct shown {
    size_t first, nf, step; /* columns first + i * step: frames, or output rows (stacked) */
    int stacked;            /* > 0: columns are output rows of `stacked` slots: row r starts at
                               frame r stride - left (frame 0 before the first) */
    int stride, left;
    const double *window;   /* the window, for the derived windowed frames */
    double mel_hz[512];
    double col_hz[513];     /* each output column's frequency (the log energy: 0 Hz) */
} shown;

static double col_time(const cli_frontend *fe, const shown *sh, size_t col)
{
    const long long r = (long long)(sh->first + col * sh->step);
    long long t = sh->stacked ? r * sh->stride - sh->left : r;
    if (t < 0) t = 0;
    return ((double)t * fe->hop + fe->centre) / fe->sample_rate;
}

static void row_axes(const cli_frontend *fe, const cli_stage_desc *s, size_t rows, const shown *sh,
                     cli_rpt_img *im, double *rowval)
{
    const double ms = 1000.0 / fe->sample_rate, half = fe->frame_length / 2.0;
    switch (s->rows) {
    case WMEL_ROWS_SAMPLE:
        cli_pic_axis_linear(&im->yl, "sample in frame", rows, 0, 1, 6);
        cli_pic_axis_linear(&im->yr, "ms from frame centre", rows, -half * ms, ms, 6);
        for (size_t r = 0; r < rows; r++) rowval[r] = ((double)r - half) * ms;
        im->row_name = "sample";
        im->row_unit = "ms";
        break;
    case WMEL_ROWS_BIN:
        cli_pic_axis_linear(&im->yl, "DFT bin", rows, 0, 1, 6);
        cli_pic_axis_linear(&im->yr, "frequency (Hz)", rows, 0, (double)fe->sample_rate / fe->n_fft, 6);
        for (size_t r = 0; r < rows; r++) rowval[r] = (double)r * fe->sample_rate / fe->n_fft;
        im->row_name = "bin";
        im->row_unit = "Hz";
        break;
    case WMEL_ROWS_STACK: {
        const int k = sh->stacked > 0 ? sh->stacked : 1;
        const size_t w = rows / (size_t)k, nm = (size_t)fe->energy + (size_t)fe->plan->n_mels;
        cli_pic_axis_linear(&im->yl, "output column", rows, 0, 1, 8);
        snprintf(im->yr.title, sizeof im->yr.title, "%s", w > nm ? "frame of the row (its deltas after it)" : "frame of the row");
        im->yr.n_ticks = k < 8 ? k : 8;
        for (int h = 0; h < im->yr.n_ticks; h++) {
            const int off = h - sh->left;
            im->yr.ticks[h].pos = (double)h * w + w / 2.0;
            if (off) snprintf(im->yr.ticks[h].label, sizeof im->yr.ticks[h].label, "%dr%+d", sh->stride, off);
            else snprintf(im->yr.ticks[h].label, sizeof im->yr.ticks[h].label, "%dr", sh->stride);
        }
        for (size_t r = 0; r < rows; r++) rowval[r] = sh->col_hz[(r % w) % nm];
        im->row_name = "column";
        im->row_unit = "Hz";
        break;
    }
    case WMEL_ROWS_COLS:
        cli_pic_axis_linear(&im->yl, "column (0: log energy, then mel index + 1)", rows, 0, 1, 6);
        cli_pic_axis_values(&im->yr, "centre frequency (Hz)", rows, sh->col_hz, 6);
        for (size_t r = 0; r < rows; r++) rowval[r] = sh->col_hz[r];
        im->row_name = "column";
        im->row_unit = "Hz";
        break;
    default:
        cli_pic_axis_linear(&im->yl, "mel index", rows, 0, 1, 6);
        cli_pic_axis_values(&im->yr, "centre frequency (Hz)", rows, sh->mel_hz, 6);
        for (size_t r = 0; r < rows; r++) rowval[r] = sh->mel_hz[r];
        im->row_name = "mel";
        im->row_unit = "Hz";
    }
    im->row_val = rowval;
}

/* One stage's picture and table. vals: [rows][nf] doubles. */
static int stage_picture(FILE *f, const cli_frontend *fe, const cli_stage_desc *s, const char *id,
                         const char *title, const double *vals, size_t rows, const shown *sh,
                         const cli_clip *clip, const char *derive, const char *const *extra,
                         const double *range)
{
    const size_t cnt = rows * sh->nf;
    float *d = malloc((cnt ? cnt : 1) * sizeof *d);
    double *rowval = malloc(rows * sizeof *rowval);
    if (!d || !rowval) {
        free(d);
        free(rowval);
        return WMEL_ERR_NO_MEMORY;
    }
    const double guard = clip->plan.log_guard > 0 ? clip->plan.log_guard : 1e-10;
    double lo = INFINITY, hi = -INFINITY, sum = 0, amax = 0;
    size_t floor_cells = 0;
    for (size_t i = 0; i < cnt; i++) {
        double v = vals[i];
        d[i] = (float)v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += v;
        if (fabs(v) > amax) amax = fabs(v);
        if (s->db && v < guard) floor_cells++;
    }
    cli_rpt_img im;
    memset(&im, 0, sizeof im);
    im.id = id;
    im.title = title;
    im.rows = rows;
    im.cols = sh->nf;
    im.data = derive ? NULL : d;
    im.derive_from = derive;
    im.row_scale = sh->window;
    im.f0 = sh->first;
    im.fstep = sh->step;
    im.x0 = col_time(fe, sh, 0);
    im.dx = (double)sh->step * (sh->stacked ? sh->stacked : 1) * fe->hop / fe->sample_rate;
    cli_pic_axis_linear(&im.x, sh->stacked ? "time (s), centre of each row's first frame" : "time (s), frame centres",
                         sh->nf, im.x0, im.dx, 10);
    row_axes(fe, s, rows, sh, &im, rowval);
    char scale_title[64];
    if (s->signed_vals) {
        double a = range ? range[1] : (amax > 0 ? amax : 1);
        im.map = WMEL_PIC_DIV;
        im.lo = -a;
        im.hi = a;
        snprintf(scale_title, sizeof scale_title, "%s", s->units);
    } else if (s->db) {
        im.db = 1;
        im.hi = 10 * log10(hi > 1e-30 ? hi : 1e-30);
        im.lo = im.hi - DB_RANGE;
        snprintf(scale_title, sizeof scale_title, "dB (10 log10 of the value)");
    } else {
        im.map = WMEL_PIC_SEQ;
        im.lo = range ? range[0] : lo;
        im.hi = range ? range[1] : hi;
        if (!(im.hi > im.lo)) im.hi = im.lo + 1;
        snprintf(scale_title, sizeof scale_title, "%s", s->units);
    }
    cli_pic_axis_scale(&im.scale, scale_title, im.lo, im.hi, 7);
    char shape[96], smin[32], smax[32], smean[32], frames[128], floor_s[128];
    const size_t all = sh->stacked ? clip->n_rows : clip->n_frames;
    if (s->frame_major)
        snprintf(shape, sizeof shape, "(%zu, %zu) shown of (%zu, %zu) (drawn transposed)", sh->nf, rows, all, rows);
    else
        snprintf(shape, sizeof shape, "(%zu, %zu) shown of (%zu, %zu)", rows, sh->nf, rows, all);
    snprintf(smin, sizeof smin, "%.9g", lo);
    snprintf(smax, sizeof smax, "%.9g", hi);
    snprintf(smean, sizeof smean, "%.9g", cnt ? sum / (double)cnt : NAN);
    snprintf(frames, sizeof frames, "%s%zu .. %zu, every %zu%s", sh->stacked ? "output rows " : "", sh->first,
             sh->first + (sh->nf - 1) * sh->step, sh->step,
             sh->step > 1 ? " (decimated overview: --start/--duration for full resolution)" : " (full resolution)");
    snprintf(floor_s, sizeof floor_s, "%zu cells below %.9g%s", floor_cells, guard,
             s->rows != WMEL_ROWS_MEL && s->rows != WMEL_ROWS_COLS ? ""
             : clip->plan.log == WMEL_LOG_ADD ? " (the log's guard, added, dominates them)"
             : clip->plan.log == WMEL_LOG_ZERO || clip->plan.log == WMEL_LOG10_ZERO
                 ? " (the log takes them as they are; the guard replaces a 0 only)"
                 : " (the log stage clamps them to it)");
    const char *kv[32] = {"stage", s->name, "values", s->units, "shape", shape};
    int k = 6;
    kv[k++] = sh->stacked ? "rows shown" : "frames shown", kv[k++] = frames;
    kv[k++] = "min (shown)", kv[k++] = smin, kv[k++] = "max (shown)", kv[k++] = smax;
    kv[k++] = "mean (shown)", kv[k++] = smean;
    if (s->db) kv[k++] = "below the log's guard", kv[k++] = floor_s;
    for (int e = 0; extra && extra[e] && extra[e + 1] && k < 30; e += 2) kv[k++] = extra[e], kv[k++] = extra[e + 1];
    kv[k] = NULL;
    im.table = kv;
    cli_rpt_image(f, &im);
    free(d);
    free(rowval);
    return WMEL_OK;
}
static void wave_picture(FILE *f, const char *id, const char *what, const char *extra_k, const char *extra_v, const float *x, size_t base, size_t n, size_t s0, size_t s1, const char *fmt,
                         const char *in)
{
    size_t len = s1 > s0 ? s1 - s0 : 0;
    size_t nb = len < WAVE_BUCKETS ? (len ? len : 1) : WAVE_BUCKETS;
    float *lo = calloc(nb, sizeof *lo), *hi = calloc(nb, sizeof *hi);
    if (!lo || !hi) {
        free(lo);
        free(hi);
        cli_rpt_p(f, "waveform: out of memory");
        return;
    }
    double peak = 0, ss = 0;
    for (size_t b = 0; b < nb; b++) {
        size_t a = s0 + b * len / nb, e = s0 + (b + 1) * len / nb;
        if (e <= a) e = a + 1;
        float mn = INFINITY, mx = -INFINITY;
        for (size_t i = a; i < e && i < n; i++) {
            mn = x[i - base] < mn ? x[i - base] : mn;
            mx = x[i - base] > mx ? x[i - base] : mx;
            ss += (double)x[i - base] * x[i - base];
            if (fabs(x[i - base]) > peak) peak = fabs(x[i - base]);
        }
        lo[b] = mn <= mx ? mn : 0;
        hi[b] = mn <= mx ? mx : 0;
    }
    double x0 = (double)s0 / WMEL_SAMPLE_RATE, dx = (double)len / nb / WMEL_SAMPLE_RATE;
    cli_pic_axis xa, ya;
    cli_pic_axis_linear(&xa, "time (s)", nb, x0 + dx / 2, dx, 10);
    double a = peak > 0 ? peak : 1;
    /* the y axis spans [-a, a] over 2a "cells": positions in units of the value plus a */
    cli_pic_axis_scale(&ya, "amplitude", -a, a, 5);
    for (int i = 0; i < ya.n_ticks; i++) ya.ticks[i].pos += a;
    char title[1200], line[1200], sn[64], sp[64], srms[64];
    snprintf(title, sizeof title, "%s: %s", what, in);
    snprintf(line, sizeof line, "%s -> 16000 Hz mono float32 in [-1, 1)", fmt[0] ? fmt : "(format not reported)");
    snprintf(sn, sizeof sn, "%zu of %zu (%.3f s .. %.3f s)", len, n, x0, (double)s1 / WMEL_SAMPLE_RATE);
    snprintf(sp, sizeof sp, "%.9g", peak);
    snprintf(srms, sizeof srms, "%.6g (%.2f dBFS)", len ? sqrt(ss / (double)len) : 0.0,
             len && ss > 0 ? 10 * log10(ss / (double)len) : -INFINITY);
    const char *kv[] = {"input", line, "samples shown", sn, "peak |x|", sp, "rms", srms,
                        "picture", "min and max of each of the buckets", extra_k, extra_v, NULL};
    cli_rpt_wave(f, id, title, lo, hi, nb, x0, dx, &xa, &ya, kv);
    free(lo);
    free(hi);
}

/* x(m, t) of a front-end's output array (rows x cols) in the plan's layout (m an output
 * column: the log energy first when use_energy); stacked outputs hold frame t at row t / stack. */
static float out_at(const wmel_frontend_plan *p, const float *x, size_t cols, size_t m, size_t t)
{
    if (p->layout == WMEL_LAYOUT_MELS_FRAMES) return x[m * cols + t];
    const size_t nc = p->n_ceps > 0 ? (size_t)p->n_ceps : (size_t)p->n_mels + (p->use_energy ? 1 : 0);
    return x[(t / (size_t)p->stack) * cols + (t % (size_t)p->stack) * nc + m];
}

/* The backend's outputs of the whole clip: its features (wmel mel's output) and, where the
 * front-end normalises, its raw log (norm NONE, one frame a row). */
typedef struct bk {
    wmel_ctx *ctx;
    const char *name;
    float *raw, *feat;
    size_t raw_cols, feat_rows, feat_cols;
    wmel_frontend_plan rawplan;
} bk;

static int backend_run(const cli_frontend *fe, const cli_clip *clip, const wmel_params *p, const cli_fe *f, bk *b)
{
    int st;
    const size_t total_cells = (size_t)clip->n_mels * clip->n_frames;
    if (!fe->plan) { /* Whisper's exact plan: wmel_log_mel, raw and normalised */
        wmel_params bp = *p;
        bp.norm = WMEL_NORM_NONE;
        b->ctx = wmel_create(&bp, &st);
        b->raw = malloc(total_cells * sizeof *b->raw);
        b->feat = malloc(total_cells * sizeof *b->feat);
        b->raw_cols = b->feat_cols = clip->n_frames;
        b->feat_rows = (size_t)clip->n_mels;
        b->rawplan = clip->plan;
        int rc = !b->ctx ? st : (!b->raw || !b->feat) ? WMEL_ERR_NO_MEMORY
                                                     : wmel_log_mel(b->ctx, clip->pcm, clip->n, 0, b->raw, total_cells);
        if (rc == WMEL_OK) {
            bp.norm = WMEL_NORM_WHOLE;
            wmel_ctx *nctx = wmel_create(&bp, &st);
            rc = nctx ? wmel_log_mel(nctx, clip->pcm, clip->n, 0, b->feat, total_cells) : st;
            wmel_destroy(nctx);
        }
        return rc;
    }
    wmel_params bp = wmel_default_params();
    bp.backend = p->backend;
    bp.n_threads = p->n_threads;
    char err[600];
    b->ctx = cli_fe_ctx(&bp, &clip->plan, f, &st, err, sizeof err); /* with the per-column affine */
    if (!b->ctx) return st;
    int rc = wmel_features_shape(b->ctx, clip->n, &b->feat_rows, &b->feat_cols);
    if (rc == WMEL_OK && !(b->feat = malloc(b->feat_rows * b->feat_cols * sizeof *b->feat))) rc = WMEL_ERR_NO_MEMORY;
    if (rc == WMEL_OK) rc = wmel_features(b->ctx, clip->pcm, clip->n, b->feat, b->feat_rows * b->feat_cols);
    if (rc == WMEL_OK && (clip->plan.norm != WMEL_NORM_NONE || clip->plan.affine || clip->col_scale)) {
        wmel_frontend_plan q = clip->plan; /* the log: no normalisation, affine or stacking */
        q.norm = WMEL_NORM_NONE;
        q.norm_flags = 0;
        q.norm_max = q.norm_range = 0.0;
        q.affine = 0;
        q.post_scale = q.post_shift = 0.0;
        q.stack = 1;
        q.stack_stride = q.stack_left = q.stack_tail = q.delta_win = q.cols_stacked = 0;
        q.stack_fill = 0.0;
        b->rawplan = q;
        wmel_ctx *rctx = wmel_create_plan(&bp, &q, &st);
        size_t rr = 0;
        rc = rctx ? wmel_features_shape(rctx, clip->n, &rr, &b->raw_cols) : st;
        if (rc == WMEL_OK && !(b->raw = malloc(rr * b->raw_cols * sizeof *b->raw))) rc = WMEL_ERR_NO_MEMORY;
        if (rc == WMEL_OK) rc = wmel_features(rctx, clip->pcm, clip->n, b->raw, rr * b->raw_cols);
        wmel_destroy(rctx);
    }
    return rc;
}

/* The pre-emphasised signal (NeMo) over samples [s0, s1), in double, as the reference
 * computes it. */
static double *preemph_signal(const wmel_frontend_plan *p, const float *x, size_t s0, size_t s1)
{
    double *y = malloc((s1 - s0 + 1) * sizeof *y);
    for (size_t i = s0; y && i < s1; i++) {
        double v = (double)x[i] * p->scale;
        if (i > 0) v -= p->preemph * ((double)x[i - 1] * p->scale);
        y[i - s0] = v;
    }
    return y;
}

/* ---- the command: parse -> load -> stages -> write (--stages DIR, the page) */

typedef struct inspect_opts {
    const char *in, *out, *stages_dir;
    cli_fe fe;              /* --preset, --plan, --frontend and the plan options, as for mel */
    wmel_params p;
    double start, duration;
    int quiet, zoom;
} inspect_opts;

/* One run's state, from the options to the page. */
typedef struct inspect_job {
    inspect_opts o;
    const cli_frontend *fe;
    cli_fe_built built;  /* the table of a plan other than Whisper's own */
    double t_start;
    char fmt[256];
    float *pcm;
    size_t n;
    cli_clip clip;
    int whisper;
    size_t fa, fb, span; /* the frames shown: [fa, fb) */
    bk b;                /* --backend's output */
    int ns, s_log, s_fin, stacked;
    const cli_stage_desc *dfin;
    shown sh, shs; /* the page's columns; the stacked stage's */
    double *window;      /* frame_length values */
    size_t st_r0, st_nr; /* --stages: every output row of the stacked stage the span meets */
    double *st_full[WMEL_STAGES_MAX], *st_shown[WMEL_STAGES_MAX];
    int pre_sig;
    size_t s0, s1; /* the span's samples */
    double *colvec;  /* the per-column affine (--cmvn, --hf-config): scales, then shifts */
    size_t n_colvec;
} inspect_job;

/* The options; 0 when they make a run, else the exit status (usage: 2). */
static int inspect_parse(int argc, char **argv, inspect_opts *o)
{
    memset(o, 0, sizeof *o);
    cli_fe_init(&o->fe);
    o->fe.takes_cols = 1; /* --cmvn, --hf-config's per-column values: the reference and the backend */
    o->p = wmel_default_params();
    o->p.backend = -1; /* no --backend: the reference only */
    o->duration = -1;
    int pr;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((pr = cli_operands(argc, argv, &i, &o->in, 1)) != 0) {
            if (pr == 2) return 2;
            break;
        }
        if ((pr = cli_fe_opt(a, v, &o->fe)) != 0) { /* --n-mels, --frontend, --preset, --plan, the plan's */
            if (pr == 2) return 2;
            if (pr == 1) i++;
        } else if ((pr = cli_common(argc, argv, &i, &o->out, &o->quiet, &o->p)) != 0) {
            if (pr == 2) return 2;
        } else if (!strcmp(a, "--stages")) {
            if (!v) return cli_usage("--stages needs a directory");
            o->stages_dir = v;
            i++;
        } else if (!strcmp(a, "--start")) {
            if (parse_seconds(v, &o->start)) return cli_usage("--start takes seconds >= 0");
            o->zoom = 1;
            i++;
        } else if (!strcmp(a, "--duration")) {
            if (parse_seconds(v, &o->duration) || !(o->duration > 0)) return cli_usage("--duration takes seconds > 0");
            o->zoom = 1;
            i++;
        } else if (cli_positional(a, &o->in) != 0) {
            return 2;
        }
    }
    if (!o->in) return cli_usage("inspect: no INPUT given: wmel inspect INPUT -o REPORT.html");
    if (!o->out) return cli_usage("inspect: no output given: use -o REPORT.html");
    return 0;
}

/* The plan (as `wmel mel` makes it), its table of stages, the backend, the files: 0 or
 * the exit status. */
static int inspect_plan(inspect_job *j)
{
    inspect_opts *o = &j->o;
    wmel_frontend_plan plan;
    if (cli_fe_plan(&o->fe, &plan)) return 2; /* reported */
    if (plan.n_ceps > 0) {
        cli_msg("wmel: inspect: n_ceps %d: the plan's cepstra (Kaldi's MFCC) are not drawn stage by stage; inspect "
                "the plan without them (--n-ceps 0) for the stages up to the log mel energies, and compute the "
                "cepstra with wmel mel", plan.n_ceps);
        return 2;
    }
    char name[128];
    if (o->fe.preset) snprintf(name, sizeof name, "preset %s", o->fe.preset);
    else if (o->fe.plan_file) {
        const char *b = strrchr(o->fe.plan_file, '/');
        snprintf(name, sizeof name, "plan %s", cli_esc(b ? b + 1 : o->fe.plan_file));
    } else {
        wmel_frontend_plan fam;
        const int own = !wmel_frontend_preset(plan.frontend, 0, &fam) && !memcmp(&fam, &plan, sizeof fam);
        snprintf(name, sizeof name, "%s%s", cli_fe_name(plan.frontend), own ? "" : " with options");
    }
    char cerr[600];
    if (cli_fe_colvec(&o->fe, &plan, &j->colvec, &j->n_colvec, cerr, sizeof cerr)) {
        cli_msg("wmel: inspect: %s", cerr);
        return 1; /* as mel and stream: the file's values do not fit the plan */
    }
    j->fe = cli_frontend_of_plan(&plan, name, &j->built);
    if (j->colvec) { /* the page says where the per-column affine applies */
        const char *from = o->fe.cmvn ? "--cmvn" : "the configuration's per-column values";
        char t[200];
        snprintf(t, sizeof t, "; then x col_scale[c] + col_shift[c] (%s, %zu columns%s)", from, j->n_colvec,
                 plan.cols_stacked ? ", over each stacked row" : "");
        int s = plan.cols_stacked ? cli_stage_of(j->fe, WMEL_ST_STACKED) : cli_stage_of(j->fe, WMEL_ST_NORM);
        if (s < 0) s = cli_stage_of(j->fe, WMEL_ST_OUTPUT);
        if (!plan.cols_stacked) strncat(j->built.finish, t, sizeof j->built.finish - strlen(j->built.finish) - 1);
        if (s >= 0) strncat(j->built.title[s], t, sizeof j->built.title[s] - strlen(j->built.title[s]) - 1);
    }
    j->whisper = j->fe->plan == NULL;
    o->p.n_mels = plan.n_mels;
    if (!(j->window = calloc((size_t)plan.frame_length, sizeof *j->window))) {
        cli_msg("wmel: inspect: out of memory");
        return 1;
    }
    const char *outs[1] = {o->out}, *ins[1] = {o->in};
    if (cli_check_files(outs, 1, ins, 1)) return 1;
    if (o->stages_dir) {
        cli_stat_t sb;
        if (cli_stat(o->stages_dir, &sb) != 0 && cli_mkdir(o->stages_dir) != 0) {
            cli_msg("wmel: %s: cannot create the stages directory: %s", o->stages_dir, strerror(errno));
            return 1;
        }
        if (cli_stat(o->stages_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            cli_msg("wmel: %s: not a directory", o->stages_dir);
            return 1;
        }
    }
    return 0;
}

/* Decodes the input, finds the span, the clip's statistics and the backend's output: 0 or
 * the exit status. */
static int inspect_load(inspect_job *j)
{
    const inspect_opts *o = &j->o;
    const cli_frontend *fe = j->fe;
    char err[ERRLEN] = "";
    int rc = cli_decode_all(o->in, &j->pcm, &j->n, j->fmt, sizeof j->fmt, o->quiet, err, sizeof err);
    if (rc) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    cli_clip *clip = &j->clip;
    clip->pcm = j->pcm;
    clip->n = j->n;
    clip->n_mels = o->p.n_mels;
    if ((rc = cli_clip_init(fe, clip, err, sizeof err)) != WMEL_OK) {
        cli_msg("wmel: %s: %s", o->in, err);
        return 1;
    }
    clip->col_scale = j->colvec;
    clip->col_shift = j->colvec ? j->colvec + j->n_colvec : NULL;
    j->fa = 0, j->fb = clip->n_frames;
    if (o->zoom) { /* the frames whose centres lie in [start, start + duration) */
        double fr = (double)fe->sample_rate / fe->hop, c = (double)fe->centre / fe->hop;
        double a0 = ceil(o->start * fr - c - 1e-9);
        j->fa = a0 > 0 ? (size_t)a0 : 0;
        if (o->duration > 0) {
            double e = ceil((o->start + o->duration) * fr - c - 1e-9);
            j->fb = e < 0 ? 0 : e < (double)clip->n_frames ? (size_t)e : clip->n_frames;
        }
        if (j->fa >= clip->n_frames || j->fb <= j->fa) {
            cli_msg("wmel: %s: --start %.3f s is past the last frame (%.3f s)", o->in, o->start,
                 ((double)(clip->n_frames - 1) * fe->hop + fe->centre) / fe->sample_rate);
            return 2;
        }
    }
    j->span = j->fb - j->fa;
    if (o->stages_dir && j->span > STAGES_MAX_FRAMES) {
        cli_msg("wmel: --stages writes at most %d frames (%.0f s) at full resolution; this span has %zu: "
                     "choose one with --start/--duration", STAGES_MAX_FRAMES, STAGES_MAX_FRAMES / 100.0, j->span);
        return 2;
    }
    rc = j->whisper ? cli_clip_max(clip, err, sizeof err) : cli_clip_stats(fe, clip, err, sizeof err);
    if (rc != WMEL_OK) {
        cli_msg("wmel: %s: %s", o->in, err);
        return 1;
    }
    if (o->p.backend >= 0) { /* the backend's output, whole clip */
        rc = backend_run(fe, clip, &o->p, &o->fe, &j->b);
        if (rc) {
            cli_msg("wmel: %s: backend: %s", o->in, wmel_strerror(rc));
            return 1;
        }
        j->b.name = wmel_backend_name(j->b.ctx);
    }
    return 0;
}

/* The reference's stages: at full resolution over the span for --stages (the page then
 * takes its columns from them), else only the shown columns. A status. */
static int inspect_stages(inspect_job *j)
{
    const cli_frontend *fe = j->fe;
    const int n_mels = j->o.p.n_mels, full = j->o.stages_dir != NULL;
    j->ns = fe->n_stages;
    j->s_log = cli_stage_of(fe, WMEL_ST_LOG), j->s_fin = j->ns - 1;
    j->dfin = &fe->stages[j->s_fin];
    j->stacked = j->dfin->kind == WMEL_ST_STACKED;
    /* columns shown in the page: every step-th frame of the span within the budget */
    size_t per_col = 0;
    for (int s = 0; s < j->ns; s++)
        if (!fe->stages[s].derive) per_col += cli_stage_rows(fe, &fe->stages[s], n_mels);
    if (j->b.ctx) per_col += 3 * cli_stage_rows(fe, j->dfin, n_mels);
    shown *sh = &j->sh, *shs = &j->shs;
    sh->first = j->fa;
    sh->nf = cli_rpt_thin(j->span, per_col, &sh->step);
    wmel_mel_centres(&j->clip.plan, sh->mel_hz, sizeof sh->mel_hz / sizeof sh->mel_hz[0]);
    cli_col_hz(&j->clip.plan, sh->col_hz, sizeof sh->col_hz / sizeof sh->col_hz[0]);
    sh->window = j->window;
    /* the stacked stage's own columns: output rows r0 + i * rstep */
    const size_t S = fe->stride > 0 ? (size_t)fe->stride : 1, L = (size_t)fe->left;
    const size_t last_row = j->clip.n_rows ? j->clip.n_rows - 1 : 0;
    *shs = *sh;
    shs->stacked = fe->stack > 0 ? fe->stack : 1;
    shs->stride = (int)S, shs->left = (int)L;
    const size_t ra = (j->fa + L) / S < last_row ? (j->fa + L) / S : last_row;
    const size_t rl = (j->fa + (sh->nf - 1) * sh->step + L) / S, rb = (j->fb - 1 + L) / S;
    shs->first = ra;
    shs->step = sh->step / S ? sh->step / S : 1;
    shs->nf = ((rl < last_row ? rl : last_row) - ra) / shs->step + 1;
    j->st_r0 = ra, j->st_nr = (rb < last_row ? rb : last_row) - ra + 1;

    int rc = WMEL_OK;
    const size_t cnt_nf = full ? j->span : sh->nf;
    for (int s = 0; s < j->ns && rc == WMEL_OK; s++) {
        size_t rows = cli_stage_rows(fe, &fe->stages[s], n_mels);
        if (fe->stages[s].kind == WMEL_ST_STACKED) {
            if (full && !(j->st_full[s] = malloc(rows * j->st_nr * sizeof(double)))) rc = WMEL_ERR_NO_MEMORY;
            if (!(j->st_shown[s] = malloc(rows * shs->nf * sizeof(double)))) rc = WMEL_ERR_NO_MEMORY;
            continue;
        }
        if (full && fe->stages[s].no_file) continue; /* not written: the page takes it from below */
        double **dst = full ? j->st_full : j->st_shown;
        dst[s] = malloc(rows * cnt_nf * sizeof(double));
        if (!dst[s]) rc = WMEL_ERR_NO_MEMORY;
    }
    if (rc == WMEL_OK) {
        double *frm[WMEL_STAGES_MAX] = {0};
        for (int s = 0; s < j->ns; s++)
            if (fe->stages[s].kind != WMEL_ST_STACKED) frm[s] = full ? j->st_full[s] : j->st_shown[s];
        rc = cli_stages_compute(fe, &j->clip, j->fa, cnt_nf, full ? 1 : sh->step, frm, j->window);
    }
    if (rc == WMEL_OK && j->stacked) {
        rc = cli_stacked_compute(fe, &j->clip, shs->first, shs->nf, shs->step, j->st_shown[j->s_fin]);
        if (rc == WMEL_OK && full) rc = cli_stacked_compute(fe, &j->clip, j->st_r0, j->st_nr, 1, j->st_full[j->s_fin]);
    }
    for (int s = 0; full && s < j->ns && rc == WMEL_OK; s++) { /* the page's columns out of the full arrays */
        if (fe->stages[s].kind == WMEL_ST_STACKED) continue;
        size_t rows = cli_stage_rows(fe, &fe->stages[s], n_mels);
        j->st_shown[s] = malloc(rows * sh->nf * sizeof(double));
        if (!j->st_shown[s]) {
            rc = WMEL_ERR_NO_MEMORY;
            break;
        }
        if (!j->st_full[s]) { /* not written: computed for the shown frames only */
            double *one[WMEL_STAGES_MAX] = {0};
            one[s] = j->st_shown[s];
            rc = cli_stages_compute(fe, &j->clip, j->fa, sh->nf, sh->step, one, NULL);
            continue;
        }
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < sh->nf; c++) j->st_shown[s][r * sh->nf + c] = j->st_full[s][r * j->span + c * sh->step];
    }
    j->pre_sig = j->clip.plan.preemph_mode == WMEL_PREEMPH_SIGNAL && j->clip.plan.preemph > 0 && !j->whisper;
    j->s0 = j->fa * fe->hop;
    j->s1 = j->fb == j->clip.n_frames ? j->n : (j->fb * fe->hop < j->n ? j->fb * fe->hop : j->n);
    return rc;
}

/* The backend's log and features of the span into DIR/<backend>/. A status; err says why. */
static int write_backend_stages(const inspect_job *j, char *err, size_t err_len)
{
    const inspect_opts *o = &j->o;
    const bk *b = &j->b;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", o->stages_dir, b->name);
    cli_stat_t sb;
    if (cli_stat(path, &sb) != 0 && cli_mkdir(path) != 0) {
        snprintf(err, err_len, "%.900s: cannot create: %s", path, strerror(errno));
        return WMEL_ERR_IO;
    }
    const size_t nm = (size_t)o->p.n_mels + (size_t)j->fe->energy, fcols = cli_stage_rows(j->fe, j->dfin, o->p.n_mels);
    const size_t span = j->span;
    float *tmp = malloc(fcols * (j->st_nr > span ? j->st_nr : span) * sizeof *tmp);
    if (!tmp) return snprintf(err, err_len, "out of memory"), WMEL_ERR_NO_MEMORY;
    int rc = WMEL_OK;
    for (int w = 0; w < 2 && rc == WMEL_OK; w++) {
        const float *srcb = w ? b->feat : b->raw;
        if (!srcb) continue;
        const wmel_frontend_plan *lp = w ? &j->clip.plan : &b->rawplan;
        size_t shape[2];
        if (w && j->stacked) { /* output rows of the span, as the output holds them */
            memcpy(tmp, b->feat + j->st_r0 * b->feat_cols, j->st_nr * b->feat_cols * sizeof *tmp);
            shape[0] = j->st_nr, shape[1] = b->feat_cols;
        } else if (lp->layout == WMEL_LAYOUT_MELS_FRAMES) {
            size_t cols = w ? b->feat_cols : b->raw_cols;
            for (size_t m = 0; m < nm; m++) memcpy(tmp + m * span, srcb + m * cols + j->fa, span * sizeof *tmp);
            shape[0] = nm, shape[1] = span;
        } else {
            memcpy(tmp, srcb + j->fa * nm, span * nm * sizeof *tmp);
            shape[0] = span, shape[1] = nm;
        }
        snprintf(path, sizeof path, "%s/%s/%s.npy", o->stages_dir, b->name, w ? "features" : "log");
        rc = cli_write_npy_atomic(path, shape, 2, tmp, err, err_len);
    }
    free(tmp);
    return rc;
}

/* --stages DIR: the samples, the signal's pre-emphasis, every stage and the backend's
 * output of the span. A status; err says why. */
static int inspect_write_stages(const inspect_job *j, char *err, size_t err_len)
{
    const inspect_opts *o = &j->o;
    char path[4096];
    size_t shp[2] = {j->s1 - j->s0, 0};
    snprintf(path, sizeof path, "%s/samples.npy", o->stages_dir);
    int rc = cli_write_npy_atomic(path, shp, 1, j->pcm + j->s0, err, err_len);
    if (rc == WMEL_OK && j->pre_sig) {
        double *y = preemph_signal(&j->clip.plan, j->pcm, j->s0, j->s1);
        snprintf(path, sizeof path, "%s/preemph.npy", o->stages_dir);
        rc = y ? cli_write_npy_f64(path, shp, 1, y, 0, err, err_len) : WMEL_ERR_NO_MEMORY;
        if (!y) snprintf(err, err_len, "out of memory");
        free(y);
    }
    for (int s = 0; s < j->ns && rc == WMEL_OK; s++) {
        const cli_stage_desc *d = &j->fe->stages[s];
        if (!j->st_full[s]) continue;
        size_t rows = cli_stage_rows(j->fe, d, o->p.n_mels), cols = d->kind == WMEL_ST_STACKED ? j->st_nr : j->span;
        size_t shape[2] = {d->frame_major ? cols : rows, d->frame_major ? rows : cols};
        snprintf(path, sizeof path, "%s/%s.npy", o->stages_dir, d->name);
        rc = cli_write_npy_f64(path, shape, 2, j->st_full[s], d->frame_major, err, err_len);
    }
    if (rc == WMEL_OK && j->b.ctx) rc = write_backend_stages(j, err, err_len);
    return rc;
}

/* The page's samples (and pre-emphasised signal) pictures. A status. */
static int page_waves(FILE *f, const inspect_job *j)
{
    const size_t w0 = j->o.zoom ? j->s0 : 0, w1 = j->o.zoom ? j->s1 : j->n;
    char sc[96];
    snprintf(sc, sizeof sc, "the frames take the samples x %.17g%s", j->clip.plan.scale,
             j->clip.plan.scale == 32768.0 ? " (int16 range)" : "");
    wave_picture(f, "samples", "decoded samples", j->clip.plan.scale != 1.0 ? "scale" : NULL, sc, j->pcm, 0, j->n, w0,
                 w1, j->fmt, j->o.in);
    if (!j->pre_sig) return WMEL_OK;
    double *y = preemph_signal(&j->clip.plan, j->pcm, w0, w1);
    float *yf = y ? malloc((w1 - w0 + 1) * sizeof *yf) : NULL;
    for (size_t i = 0; yf && i < w1 - w0; i++) yf[i] = (float)y[i];
    char fm[400];
    snprintf(fm, sizeof fm, "%s; then y[i] = x[i] - %.17g x[i-1], y[0] = x[0]", j->fmt, j->clip.plan.preemph);
    if (yf)
        wave_picture(f, "preemph", "pre-emphasised signal", "written by --stages as", "preemph.npy (float64)", yf,
                     w0, w1, w0, w1, fm, j->o.in);
    free(y);
    free(yf);
    return yf ? WMEL_OK : WMEL_ERR_NO_MEMORY;
}

/* The normalisation's values, for the last stage's table: key, value pairs into kv (NULL
 * ended), their texts in buf. */
typedef struct norm_text {
    char smax[160], sfloor[64], scand[96], sstat[400], snv[96], sout[200];
    const char *kv[20];
} norm_text;

static void page_norm_kv(const inspect_job *j, norm_text *t)
{
    const cli_clip *clip = &j->clip;
    const cli_frontend *fe = j->fe;
    const wmel_frontend_plan *p = &clip->plan;
    memset(t->kv, 0, sizeof t->kv);
    if (j->whisper) {
        snprintf(t->smax, sizeof t->smax, "%.12g (frame %zu, %.2f s, mel %zu)", clip->log_max, clip->max_frame,
                 (double)clip->max_frame * fe->hop / fe->sample_rate, clip->max_mel);
        snprintf(t->sfloor, sizeof t->sfloor, "%.12g", clip->log_max - 8.0);
        snprintf(t->scand, sizeof t->scand, "%zu frame(s) within %g of the float32 max, recomputed in float64",
                 clip->max_candidates, WMEL_MAX_MARGIN);
        const char *kv[] = {"M (largest log of the clip)", t->smax, "clamp floor M - 8", t->sfloor, "M found from",
                            t->scand, "then", "(x + 4) / 4", NULL};
        memcpy(t->kv, kv, sizeof kv);
        return;
    }
    int k = 0;
    t->kv[k++] = "the clip-wide steps", t->kv[k++] = j->built.finish;
    const size_t nc = (size_t)clip->n_mels + (size_t)fe->energy;
    if (p->norm == WMEL_NORM_WHOLE) {
        const double range = p->norm_range > 0 ? p->norm_range : 8.0;
        if (p->norm_flags & WMEL_NORMF_FIXED_MAX) snprintf(t->smax, sizeof t->smax, "%.12g (norm_max)", clip->log_max);
        else
            snprintf(t->smax, sizeof t->smax, "%.12g (frame %zu, %.2f s, column %zu)", clip->log_max, clip->max_frame,
                     ((double)clip->max_frame * fe->hop + fe->centre) / fe->sample_rate, clip->max_mel);
        snprintf(t->sfloor, sizeof t->sfloor, "%.12g", clip->log_max - range);
        t->kv[k++] = "M", t->kv[k++] = t->smax, t->kv[k++] = "clamp floor M - range", t->kv[k++] = t->sfloor;
    } else if (p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR) {
        double mlo = INFINITY, mhi = -INFINITY, dlo = INFINITY, dhi = -INFINITY;
        for (size_t m = 0; m < nc; m++) {
            mlo = fmin(mlo, clip->mean[m]), mhi = fmax(mhi, clip->mean[m]);
            dlo = fmin(dlo, clip->denom[m]), dhi = fmax(dhi, clip->denom[m]);
        }
        snprintf(t->sstat, sizeof t->sstat, "mean %.6g .. %.6g, denominator %.6g .. %.6g (column 0: %.9g, %.9g); hover "
                                            "the normalised stage for a row", mlo, mhi, dlo, dhi, clip->mean[0], clip->denom[0]);
        t->kv[k++] = "per-column statistics", t->kv[k++] = t->sstat;
    }
    if (clip->stats_from) {
        snprintf(t->snv, sizeof t->snv, "%zu of %zu", clip->n_valid, clip->n_frames);
        t->kv[k++] = "frames in the statistics", t->kv[k++] = t->snv;
        t->kv[k++] = "statistics from", t->kv[k++] = clip->stats_from;
    }
    if (clip->n_out != clip->n_frames) {
        snprintf(t->sout, sizeof t->sout, "%zu (shown: the %zu frames computed; %s)", clip->n_out, clip->n_frames,
                 clip->n_out > clip->n_frames ? "the rest are the padding value" : "cut by n_frames");
        t->kv[k++] = "output frames", t->kv[k++] = t->sout;
    }
    t->kv[k] = NULL;
}

/* Each stage of the reference as a picture; the last stage's range into feat_range. A status. */
static int page_stages(FILE *f, const inspect_job *j, double feat_range[2])
{
    const cli_frontend *fe = j->fe;
    norm_text nt;
    page_norm_kv(j, &nt);
    int rc = WMEL_OK;
    for (int s = 0; s < j->ns && rc == WMEL_OK; s++) {
        const cli_stage_desc *d = &fe->stages[s];
        size_t rows = cli_stage_rows(fe, d, j->o.p.n_mels);
        int is_norm = d->kind == WMEL_ST_WHOLE || d->kind == WMEL_ST_NORM || d->kind == WMEL_ST_OUTPUT;
        char wline[400];
        snprintf(wline, sizeof wline, "%s, drawn as %s x window in double",
                 j->whisper ? "periodic Hann: 0.5 - 0.5 cos(2 pi k / 400)" : j->built.window, d->derive ? d->derive : "");
        const char *win_kv[] = {"window", wline, NULL};
        char stl[200];
        const int k = j->shs.stacked, S = j->shs.stride, L = j->shs.left;
        snprintf(stl, sizeof stl, "(%zu rows, %zu columns): row r = frames %d r%s%.0d .. %d r + %d of the stage before%s",
                 j->clip.n_rows, rows, S, L ? " - " : "", L, S, k - 1 - L, fe->deltas ? ", each with its deltas" : "");
        const char *st_kv[] = {"layout", stl, "the normalisation", "as the stage before", NULL};
        double amp[2] = {0, 0};
        if (d->derive) { /* the same colour scale as the stage it is drawn from */
            int from = -1;
            for (int t = 0; t < j->ns; t++)
                if (!strcmp(fe->stages[t].name, d->derive)) from = t;
            for (size_t i = 0; from >= 0 && i < rows * j->sh.nf; i++) amp[1] = fmax(amp[1], fabs(j->st_shown[from][i]));
            if (!(amp[1] > 0)) amp[1] = 1;
        }
        const char *const *extra = is_norm ? nt.kv : d->derive ? win_kv : d->kind == WMEL_ST_STACKED ? st_kv : NULL;
        const shown *sh = d->kind == WMEL_ST_STACKED ? &j->shs : &j->sh;
        rc = stage_picture(f, fe, d, d->name, d->title, j->st_shown[s], rows, sh, &j->clip, d->derive, extra,
                           d->derive ? amp : NULL);
        if (s == j->s_fin) {
            double mn = INFINITY, mx = -INFINITY;
            for (size_t i = 0; i < rows * sh->nf; i++) mn = fmin(mn, j->st_shown[s][i]), mx = fmax(mx, j->st_shown[s][i]);
            feat_range[0] = mn;
            feat_range[1] = mx;
        }
    }
    return rc;
}

/* The backend's log and features of the shown columns, and features - reference. A status. */
static int page_backend(FILE *f, const inspect_job *j, double feat_range[2])
{
    const cli_frontend *fe = j->fe;
    const bk *b = &j->b;
    const cli_clip *clip = &j->clip;
    const cli_stage_desc *dfin = j->dfin;
    const size_t nm = (size_t)j->o.p.n_mels + (size_t)fe->energy, frows = cli_stage_rows(fe, dfin, j->o.p.n_mels);
    const shown *sh = &j->sh, *fsh = j->stacked ? &j->shs : &j->sh;
    size_t lcells = nm * sh->nf, fcells = frows * fsh->nf;
    double *bl = malloc(lcells * sizeof *bl), *bf = malloc(fcells * sizeof *bf), *df = malloc(fcells * sizeof *df);
    int rc = bl && bf && df ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    const double *ofeat = j->st_shown[j->s_fin], *olog = j->st_shown[j->s_log];
    double dmax = 0, lmax = 0;
    size_t wm = 0, wc = 0;
    for (size_t m = 0; rc == WMEL_OK && b->raw && m < nm; m++)
        for (size_t c = 0; c < sh->nf; c++) {
            size_t t = sh->first + c * sh->step, i = m * sh->nf + c;
            bl[i] = j->whisper ? b->raw[m * clip->n_frames + t] : out_at(&b->rawplan, b->raw, b->raw_cols, m, t);
            if (t < clip->n_valid && fabs(bl[i] - olog[i]) > lmax) lmax = fabs(bl[i] - olog[i]);
        }
    for (size_t r = 0; rc == WMEL_OK && r < frows; r++)
        for (size_t c = 0; c < fsh->nf; c++) {
            size_t t = fsh->first + c * fsh->step, i = r * fsh->nf + c;
            if (j->stacked) bf[i] = b->feat[t * b->feat_cols + r];
            else if (j->whisper) bf[i] = b->feat[r * clip->n_frames + t];
            else bf[i] = out_at(&clip->plan, b->feat, b->feat_cols, r, t);
            df[i] = bf[i] - ofeat[i];
            if (fabs(df[i]) > dmax) dmax = fabs(df[i]), wm = r, wc = c;
        }
    if (rc == WMEL_OK) {
        const cli_stage_desc BLOG = {"log", "", fe->stages[j->s_log].units, fe->stages[j->s_log].rows, 0, 0, 0, WMEL_ST_LOG, NULL, 0};
        const cli_stage_desc BFEAT = {"features", "", dfin->units, dfin->rows, 0, 0, dfin->frame_major, dfin->kind, NULL, 0};
        const cli_stage_desc BDIFF = {"diff", "", "backend - reference", dfin->rows, 0, 1, dfin->frame_major, dfin->kind, NULL, 0};
        char t1[160], t2[160], t3[200], sl[64], sd[200], skern[96];
        snprintf(t1, sizeof t1, "backend %s: log (its output without the normalisation)", b->name);
        snprintf(t2, sizeof t2, "backend %s: features (its %s output)", b->name, j->whisper ? "wmel_log_mel" : "wmel_features");
        snprintf(t3, sizeof t3, "backend %s features - reference features", b->name);
        snprintf(sl, sizeof sl, "%.3g", lmax);
        size_t wt = fsh->first + wc * fsh->step;
        snprintf(sd, sizeof sd, "%.3g at %s %zu (%.2f s), %s %zu", dmax, j->stacked ? "output row" : "frame", wt,
                 col_time(fe, fsh, wc), j->stacked ? "column" : "mel", wm);
        snprintf(skern, sizeof skern, "%s", wmel_kernel_name(b->ctx));
        const char *bkv[] = {"kernel", skern, "max |log - reference log| (shown, valid frames)", sl, NULL};
        const char *dkv[] = {"kernel", skern, "max |difference| (shown)", sd, NULL};
        if (b->raw) rc = stage_picture(f, fe, &BLOG, "b_log", t1, bl, nm, sh, clip, NULL, bkv, NULL);
        if (rc == WMEL_OK)
            rc = stage_picture(f, fe, &BFEAT, "b_features", t2, bf, frows, fsh, clip, NULL, b->raw ? bkv : dkv, feat_range);
        double dr[2] = {0, dmax > 0 ? dmax : 1e-12};
        if (rc == WMEL_OK) rc = stage_picture(f, fe, &BDIFF, "b_diff", t3, df, frows, fsh, clip, NULL, dkv, dr);
    }
    free(bl);
    free(bf);
    free(df);
    return rc;
}

/* The page, written atomically: 0 or the exit status (reported). */
static int inspect_page(const inspect_job *j)
{
    const inspect_opts *o = &j->o;
    const cli_frontend *fe = j->fe;
    char err[ERRLEN] = "";
    cli_out out;
    int rc = cli_out_open(&out, o->out, 0, err, sizeof err);
    if (rc != WMEL_OK) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    FILE *f = out.f;
    char title[1400], sub[1400], buf[1400];
    snprintf(title, sizeof title, "wmel inspect: %s", o->in);
    snprintf(sub, sizeof sub, "front-end %s, %d mels; stages from the float64 reference (%s)%s%s; wmel %s",
             fe->name, o->p.n_mels, j->whisper ? "wmel_ref_stages" : "wmel_ref_plan_stages",
             j->b.ctx ? ", and the output of backend " : "", j->b.ctx ? j->b.name : "", wmel_version());
    cli_rpt_begin(f, title, sub);
    cli_rpt_p(f, fe->summary);
    if (!j->whisper) { /* the plan as JSON; the keys no stage's text reads, named as they are */
        char pbuf[WMEL_PLAN_JSON_MAX + 1600];
        snprintf(pbuf, sizeof pbuf, "The plan (wmel_plan_to_json: the family, then the fields that differ from its preset): %s",
                 j->built.json);
        cli_rpt_p(f, pbuf);
        if (j->built.others[0]) {
            snprintf(pbuf, sizeof pbuf, "Plan fields no stage above describes (computed by the reference all the same; "
                                      "see docs/frontends.md): %s", j->built.others);
            cli_rpt_p(f, pbuf);
        }
    }
    const shown *sh = &j->sh;
    snprintf(buf, sizeof buf,
             "Hover a picture for time, frequency and the value (shown to float32 precision; --stages writes "
             "float64). %zu frames in all (%.2f s%s); shown: frames %zu .. %zu, every %zu%s.",
             j->clip.n_frames, (double)j->n / fe->sample_rate,
             j->clip.n_valid < j->clip.n_frames ? ", the last ones past the valid frames" : "", sh->first,
             sh->first + (sh->nf - 1) * sh->step, sh->step,
             sh->step > 1 ? " (decimated: --start S --duration D shows a span at full resolution)" : "");
    cli_rpt_p(f, buf);
    rc = page_waves(f, j);
    double feat_range[2] = {0, 0};
    if (rc == WMEL_OK) rc = page_stages(f, j, feat_range);
    if (rc == WMEL_OK && j->b.ctx) rc = page_backend(f, j, feat_range);
    const char *how = o->fe.preset ? "--preset" : o->fe.plan_file ? "--plan" : "--frontend";
    const char *what = o->fe.preset ? o->fe.preset : o->fe.plan_file ? o->fe.plan_file : cli_fe_name(j->clip.plan.frontend);
    if (j->whisper && !o->fe.preset && !o->fe.plan_file) what = fe->name;
    snprintf(buf, sizeof buf, "wmel inspect %s %s %s%s%s: computed in %.2f s", o->in, how, what,
             j->b.ctx ? " --backend " : "", j->b.ctx ? j->b.name : "", now_s() - j->t_start);
    cli_rpt_p(f, buf);
    cli_rpt_end(f);
    if (rc == WMEL_OK) rc = cli_out_commit(&out, err, sizeof err);
    else {
        snprintf(err, sizeof err, "%s: %s", o->out, wmel_strerror(rc));
        cli_out_abort(&out);
    }
    if (rc) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    if (!o->quiet)
        cli_msg("wmel: wrote %s (%zu frames shown of %zu%s)%s%s", o->out, sh->nf, j->clip.n_frames,
             sh->step > 1 ? ", decimated" : "", o->stages_dir ? " and stages in " : "", o->stages_dir ? o->stages_dir : "");
    return 0;
}

static void inspect_free(inspect_job *j)
{
    for (int s = 0; s < WMEL_STAGES_MAX; s++) {
        free(j->st_full[s]);
        free(j->st_shown[s]);
    }
    wmel_destroy(j->b.ctx);
    free(j->window);
    free(j->b.raw);
    free(j->b.feat);
    free(j->pcm);
    free(j->colvec);
}

int cmd_inspect(int argc, char **argv)
{
    inspect_job *j = calloc(1, sizeof *j);
    if (!j) {
        cli_msg("wmel: inspect: out of memory");
        return 1;
    }
    int ex = inspect_parse(argc, argv, &j->o);
    if (!ex) ex = inspect_plan(j);
    j->t_start = now_s();
    if (!ex) ex = inspect_load(j);
    if (!ex) {
        int rc = inspect_stages(j);
        char err[ERRLEN] = "";
        if (rc) {
            cli_msg("wmel: %s: %s", j->o.in, wmel_strerror(rc));
            ex = 1;
        } else if (j->o.stages_dir && (rc = inspect_write_stages(j, err, sizeof err)) != WMEL_OK) {
            cli_msg("wmel: %s", err);
            ex = 1;
        }
    }
    if (!ex) ex = inspect_page(j);
    inspect_free(j);
    free(j);
    return ex;
}
