/*
 * cmd_inspect.c -- `wmel inspect INPUT -o REPORT.html [--frontend whisper] [--n-mels N]
 * [--stages DIR] [--start S --duration D] [--backend B] [--quiet]`: every stage of the
 * front-end, computed by the float64 reference (wmel_ref_stages), as pictures with axes,
 * colour bars, tables and hover read-outs in one self-contained page (report.c); with
 * --backend, that backend's log and features beside the reference's and their difference
 * (backends expose their output only, not their inner stages); with --stages, each stage
 * as a float64 .npy.
 *
 * Size: the page embeds each shown frame of each stage as float32 (the sample stages once:
 * the windowed frames are drawn from the padded ones times the window, in double). An
 * input longer than the budget (WMEL_RPT_PAGE_FLOATS values, report.h) is shown every k-th
 * frame (wmel_rpt_thin, which `wmel compare` shares); --start and --duration pick a span,
 * shown at full resolution up to the same budget.
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "commands.h"
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
    int stacked;            /* columns are Seamless output rows: row r starts at frame 2 r */
    const double *window;   /* the window, for the derived windowed frames */
    double mel_hz[256];
} shown;

static double col_time(const wmel_frontend *fe, const shown *sh, size_t col)
{
    size_t t = (sh->first + col * sh->step) * (sh->stacked ? 2 : 1);
    return ((double)t * fe->hop + fe->centre) / fe->sample_rate;
}

static void row_axes(const wmel_frontend *fe, const wmel_stage_desc *s, size_t rows, const shown *sh,
                     wmel_rpt_img *im, double *rowval)
{
    const double ms = 1000.0 / fe->sample_rate, half = fe->frame_length / 2.0;
    switch (s->rows) {
    case WMEL_ROWS_SAMPLE:
        wmel_pic_axis_linear(&im->yl, "sample in frame", rows, 0, 1, 6);
        wmel_pic_axis_linear(&im->yr, "ms from frame centre", rows, -half * ms, ms, 6);
        for (size_t r = 0; r < rows; r++) rowval[r] = ((double)r - half) * ms;
        im->row_name = "sample";
        im->row_unit = "ms";
        break;
    case WMEL_ROWS_BIN:
        wmel_pic_axis_linear(&im->yl, "DFT bin", rows, 0, 1, 6);
        wmel_pic_axis_linear(&im->yr, "frequency (Hz)", rows, 0, (double)fe->sample_rate / fe->n_fft, 6);
        for (size_t r = 0; r < rows; r++) rowval[r] = (double)r * fe->sample_rate / fe->n_fft;
        im->row_name = "bin";
        im->row_unit = "Hz";
        break;
    case WMEL_ROWS_STACK: {
        const size_t nm = rows / 2;
        wmel_pic_axis_linear(&im->yl, "output column", rows, 0, 1, 8);
        snprintf(im->yr.title, sizeof im->yr.title, "frame of the row (mel m at column m, n_mels + m)");
        im->yr.n_ticks = 2;
        im->yr.ticks[0].pos = nm / 2.0;
        snprintf(im->yr.ticks[0].label, sizeof im->yr.ticks[0].label, "2r");
        im->yr.ticks[1].pos = nm + nm / 2.0;
        snprintf(im->yr.ticks[1].label, sizeof im->yr.ticks[1].label, "2r+1");
        for (size_t r = 0; r < rows; r++) rowval[r] = sh->mel_hz[r % nm];
        im->row_name = "column";
        im->row_unit = "Hz";
        break;
    }
    default:
        wmel_pic_axis_linear(&im->yl, "mel index", rows, 0, 1, 6);
        wmel_pic_axis_values(&im->yr, "centre frequency (Hz)", rows, sh->mel_hz, 6);
        for (size_t r = 0; r < rows; r++) rowval[r] = sh->mel_hz[r];
        im->row_name = "mel";
        im->row_unit = "Hz";
    }
    im->row_val = rowval;
}

/* One stage's picture and table. vals: [rows][nf] doubles. */
static int stage_picture(FILE *f, const wmel_frontend *fe, const wmel_stage_desc *s, const char *id,
                         const char *title, const double *vals, size_t rows, const shown *sh,
                         const wmel_clip *clip, const char *derive, const char *const *extra,
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
    wmel_rpt_img im;
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
    im.dx = (double)sh->step * (sh->stacked ? 2 : 1) * fe->hop / fe->sample_rate;
    wmel_pic_axis_linear(&im.x, sh->stacked ? "time (s), centre of each row's first frame" : "time (s), frame centres",
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
    wmel_pic_axis_scale(&im.scale, scale_title, im.lo, im.hi, 7);
    char shape[96], smin[32], smax[32], smean[32], frames[128], floor_s[128];
    const size_t all = sh->stacked ? (clip->n_frames + 1) / 2 : clip->n_frames;
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
             s->rows != WMEL_ROWS_MEL ? ""
             : clip->plan.log == WMEL_LOG_ADD ? " (the log's guard, added, dominates them)"
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
    wmel_rpt_image(f, &im);
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
        wmel_rpt_p(f, "waveform: out of memory");
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
    wmel_pic_axis xa, ya;
    wmel_pic_axis_linear(&xa, "time (s)", nb, x0 + dx / 2, dx, 10);
    double a = peak > 0 ? peak : 1;
    /* the y axis spans [-a, a] over 2a "cells": positions in units of the value plus a */
    wmel_pic_axis_scale(&ya, "amplitude", -a, a, 5);
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
    wmel_rpt_wave(f, id, title, lo, hi, nb, x0, dx, &xa, &ya, kv);
    free(lo);
    free(hi);
}

/* x(m, t) of a front-end's output array (rows x cols) in the plan's layout; stacked
 * outputs hold frame t at row t / stack. */
static float out_at(const wmel_frontend_plan *p, const float *x, size_t cols, size_t m, size_t t)
{
    if (p->layout == WMEL_LAYOUT_MELS_FRAMES) return x[m * cols + t];
    return x[(t / (size_t)p->stack) * cols + (t % (size_t)p->stack) * (size_t)p->n_mels + m];
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

static int backend_run(const wmel_frontend *fe, const wmel_clip *clip, const wmel_params *p, bk *b)
{
    int st;
    const size_t total_cells = (size_t)clip->n_mels * clip->n_frames;
    if (fe->preset == WMEL_FRONTEND_WHISPER) {
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
    b->ctx = wmel_create_plan(&bp, &clip->plan, &st);
    if (!b->ctx) return st;
    int rc = wmel_features_shape(b->ctx, clip->n, &b->feat_rows, &b->feat_cols);
    if (rc == WMEL_OK && !(b->feat = malloc(b->feat_rows * b->feat_cols * sizeof *b->feat))) rc = WMEL_ERR_NO_MEMORY;
    if (rc == WMEL_OK) rc = wmel_features(b->ctx, clip->pcm, clip->n, b->feat, b->feat_rows * b->feat_cols);
    if (rc == WMEL_OK && clip->plan.norm != WMEL_NORM_NONE) {
        wmel_frontend_plan q = clip->plan;
        q.norm = WMEL_NORM_NONE;
        q.stack = 1;
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

int cmd_inspect(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *stages_dir = NULL, *frontend = "whisper";
    wmel_params p = wmel_default_params();
    p.backend = -1; /* no --backend: the reference only */
    double start = 0, duration = -1;
    int quiet = 0, pr, zoom = 0, n_mels = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((pr = wmel_cli_operands(argc, argv, &i, &in, 1)) != 0) {
            if (pr == 2) return 2;
            break;
        }
        if (!strcmp(a, "--n-mels")) { /* 80 or 128 for whisper, 1 .. 256 for the others: checked below */
            char *end = NULL;
            long m = v && *v >= '0' && *v <= '9' ? strtol(v, &end, 10) : -1;
            if (m < 1 || m > 256 || *end) return wmel_cli_usage("--n-mels takes 80 or 128 (whisper), 1 .. 256 (the others)");
            n_mels = (int)m;
            i++;
        } else if ((pr = wmel_cli_common(argc, argv, &i, &out, &quiet, &p)) != 0) {
            if (pr == 2) return 2;
        } else if (!strcmp(a, "--frontend")) {
            if (!v) return wmel_cli_usage("--frontend needs a name (whisper, nemo, nemo-legacy, kaldi, seamless)");
            frontend = v;
            i++;
        } else if (!strcmp(a, "--stages")) {
            if (!v) return wmel_cli_usage("--stages needs a directory");
            stages_dir = v;
            i++;
        } else if (!strcmp(a, "--start")) {
            if (parse_seconds(v, &start)) return wmel_cli_usage("--start takes seconds >= 0");
            zoom = 1;
            i++;
        } else if (!strcmp(a, "--duration")) {
            if (parse_seconds(v, &duration) || !(duration > 0)) return wmel_cli_usage("--duration takes seconds > 0");
            zoom = 1;
            i++;
        } else if (wmel_cli_positional(a, &in) != 0) {
            return 2;
        }
    }
    if (!in) return wmel_cli_usage("inspect: no INPUT given: wmel inspect INPUT -o REPORT.html");
    if (!out) return wmel_cli_usage("inspect: no output given: use -o REPORT.html");
    const wmel_frontend *fe = wmel_frontend_find(frontend);
    if (!fe) {
        wmel_cli_msg("wmel: inspect: front-end '%s' is not one inspect covers (it covers: %s)",
             frontend, wmel_frontend_names());
        return 2;
    }
    if (n_mels == 0) n_mels = 80;
    if (fe->preset == WMEL_FRONTEND_WHISPER && n_mels != 80 && n_mels != 128)
        return wmel_cli_usage("--n-mels takes 80 or 128 for the whisper front-end");
    p.n_mels = n_mels;
    if (p.backend == WMEL_BACKEND_CUDA && fe->preset != WMEL_FRONTEND_WHISPER) {
        wmel_cli_msg("wmel: inspect: --backend cuda runs the whisper front-end only; use cpu or ref for %s", fe->name);
        return 2;
    }
    const char *outs[1] = {out}, *ins[1] = {in};
    if (wmel_cli_check_files(outs, 1, ins, 1)) return 1;
    if (stages_dir) {
        struct stat sb;
        if (stat(stages_dir, &sb) != 0 && mkdir(stages_dir, 0777) != 0) {
            wmel_cli_msg("wmel: %s: cannot create the stages directory: %s", stages_dir, strerror(errno));
            return 1;
        }
        if (stat(stages_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            wmel_cli_msg("wmel: %s: not a directory", stages_dir);
            return 1;
        }
    }

    double t_start = now_s();
    char err[ERRLEN] = "", fmt[256] = "";
    float *pcm = NULL;
    size_t n = 0;
    int rc = wmel_decode_all(in, &pcm, &n, fmt, sizeof fmt, quiet, err, sizeof err);
    if (rc) {
        wmel_cli_msg("wmel: %s", err);
        return 1;
    }
    wmel_clip clip;
    memset(&clip, 0, sizeof clip);
    clip.pcm = pcm;
    clip.n = n;
    clip.n_mels = p.n_mels;
    if ((rc = wmel_clip_init(fe, &clip, err, sizeof err)) != WMEL_OK) {
        wmel_cli_msg("wmel: %s: %s", in, err);
        free(pcm);
        return 1;
    }
    const int whisper = fe->preset == WMEL_FRONTEND_WHISPER;
    size_t fa = 0, fb = clip.n_frames;
    if (zoom) { /* the frames whose centres lie in [start, start + duration) */
        double fr = (double)fe->sample_rate / fe->hop, c = (double)fe->centre / fe->hop;
        double a0 = ceil(start * fr - c - 1e-9);
        fa = a0 > 0 ? (size_t)a0 : 0;
        if (duration > 0) {
            double e = ceil((start + duration) * fr - c - 1e-9);
            fb = e < 0 ? 0 : e < (double)clip.n_frames ? (size_t)e : clip.n_frames;
        }
        if (fa >= clip.n_frames || fb <= fa) {
            wmel_cli_msg("wmel: %s: --start %.3f s is past the last frame (%.3f s)", in, start,
                 ((double)(clip.n_frames - 1) * fe->hop + fe->centre) / fe->sample_rate);
            free(pcm);
            return 2;
        }
    }
    const size_t span = fb - fa;
    if (stages_dir && span > STAGES_MAX_FRAMES) {
        wmel_cli_msg("wmel: --stages writes at most %d frames (%.0f s) at full resolution; this span has %zu: "
                     "choose one with --start/--duration", STAGES_MAX_FRAMES, STAGES_MAX_FRAMES / 100.0, span);
        free(pcm);
        return 2;
    }
    rc = whisper ? wmel_clip_max(&clip, err, sizeof err) : wmel_clip_stats(fe, &clip, err, sizeof err);
    if (rc != WMEL_OK) {
        wmel_cli_msg("wmel: %s: %s", in, err);
        free(pcm);
        return 1;
    }

    /* the backend's output, whole clip */
    bk b;
    memset(&b, 0, sizeof b);
    if (p.backend >= 0) {
        rc = backend_run(fe, &clip, &p, &b);
        if (rc) {
            wmel_cli_msg("wmel: %s: backend: %s", in, wmel_strerror(rc));
            wmel_destroy(b.ctx);
            free(b.raw);
            free(b.feat);
            free(pcm);
            return 1;
        }
        b.name = wmel_backend_name(b.ctx);
    }
    const int ns = fe->n_stages;
    const int s_log = wmel_stage_of(fe, WMEL_ST_LOG), s_fin = ns - 1;
    const wmel_stage_desc *dfin = &fe->stages[s_fin];
    const int stacked = dfin->kind == WMEL_ST_STACKED;

    /* columns shown in the page: every step-th frame of the span within the budget */
    size_t per_col = 0;
    for (int s = 0; s < ns; s++)
        if (!fe->stages[s].derive) per_col += wmel_stage_rows(fe, &fe->stages[s], p.n_mels);
    if (b.ctx) per_col += 3 * wmel_stage_rows(fe, dfin, p.n_mels);
    shown sh;
    memset(&sh, 0, sizeof sh);
    sh.first = fa;
    sh.nf = wmel_rpt_thin(span, per_col, &sh.step);
    wmel_mel_centres(&clip.plan, sh.mel_hz, sizeof sh.mel_hz / sizeof sh.mel_hz[0]);
    double window[WMEL_N_FFT + 112];
    sh.window = window;
    /* the stacked stage's own columns: output rows r0 + i * rstep */
    shown shs = sh;
    shs.stacked = 1;
    shs.first = fa / 2;
    shs.step = sh.step / 2 ? sh.step / 2 : 1;
    shs.nf = ((fa + (sh.nf - 1) * sh.step) / 2 - shs.first) / shs.step + 1;
    const size_t st_r0 = fa / 2, st_nr = (fb - 1) / 2 - fa / 2 + 1; /* --stages: every output row the span meets */

    /* the reference's stages: at full resolution over the span for --stages (the page
       then takes its columns from them), else only the shown columns */
    double *st_full[WMEL_STAGES_MAX] = {0}, *st_shown[WMEL_STAGES_MAX] = {0};
    size_t cnt_nf = stages_dir ? span : sh.nf;
    for (int s = 0; s < ns && rc == WMEL_OK; s++) {
        size_t rows = wmel_stage_rows(fe, &fe->stages[s], p.n_mels);
        if (fe->stages[s].kind == WMEL_ST_STACKED) {
            if (stages_dir && !(st_full[s] = malloc(rows * st_nr * sizeof(double)))) rc = WMEL_ERR_NO_MEMORY;
            if (!(st_shown[s] = malloc(rows * shs.nf * sizeof(double)))) rc = WMEL_ERR_NO_MEMORY;
            continue;
        }
        if (stages_dir && fe->stages[s].no_file) continue; /* not written: the page takes it from below */
        double **dst = stages_dir ? st_full : st_shown;
        dst[s] = malloc(rows * cnt_nf * sizeof(double));
        if (!dst[s]) rc = WMEL_ERR_NO_MEMORY;
    }
    if (rc == WMEL_OK) {
        double *frm[WMEL_STAGES_MAX] = {0};
        for (int s = 0; s < ns; s++)
            if (fe->stages[s].kind != WMEL_ST_STACKED) frm[s] = stages_dir ? st_full[s] : st_shown[s];
        rc = wmel_stages_compute(fe, &clip, fa, cnt_nf, stages_dir ? 1 : sh.step, frm, window);
    }
    if (rc == WMEL_OK && stacked) {
        rc = wmel_stacked_compute(fe, &clip, shs.first, shs.nf, shs.step, st_shown[s_fin]);
        if (rc == WMEL_OK && stages_dir) rc = wmel_stacked_compute(fe, &clip, st_r0, st_nr, 1, st_full[s_fin]);
    }
    if (rc == WMEL_OK && stages_dir) { /* the page's columns out of the full arrays */
        for (int s = 0; s < ns && rc == WMEL_OK; s++) {
            if (fe->stages[s].kind == WMEL_ST_STACKED) continue;
            size_t rows = wmel_stage_rows(fe, &fe->stages[s], p.n_mels);
            st_shown[s] = malloc(rows * sh.nf * sizeof(double));
            if (!st_shown[s]) {
                rc = WMEL_ERR_NO_MEMORY;
                break;
            }
            if (!st_full[s]) { /* not written: computed for the shown frames only */
                double *one[WMEL_STAGES_MAX] = {0};
                one[s] = st_shown[s];
                rc = wmel_stages_compute(fe, &clip, fa, sh.nf, sh.step, one, NULL);
                continue;
            }
            for (size_t r = 0; r < rows; r++)
                for (size_t c = 0; c < sh.nf; c++) st_shown[s][r * sh.nf + c] = st_full[s][r * span + c * sh.step];
        }
    }
    if (rc) {
        wmel_cli_msg("wmel: %s: %s", in, wmel_strerror(rc));
        goto done;
    }
    const int pre_sig = clip.plan.preemph_mode == WMEL_PREEMPH_SIGNAL && clip.plan.preemph > 0 && !whisper;
    size_t s0 = fa * fe->hop, s1 = fb == clip.n_frames ? n : (fb * fe->hop < n ? fb * fe->hop : n);

    /* --stages DIR */
    if (stages_dir) {
        char path[4096];
        size_t shp[2] = {s1 - s0, 0};
        snprintf(path, sizeof path, "%s/samples.npy", stages_dir);
        rc = wmel_write_npy_atomic(path, shp, 1, pcm + s0, err, sizeof err);
        if (rc == WMEL_OK && pre_sig) {
            double *y = preemph_signal(&clip.plan, pcm, s0, s1);
            snprintf(path, sizeof path, "%s/preemph.npy", stages_dir);
            rc = y ? wmel_write_npy_f64(path, shp, 1, y, 0, err, sizeof err) : WMEL_ERR_NO_MEMORY;
            if (!y) snprintf(err, sizeof err, "out of memory");
            free(y);
        }
        for (int s = 0; s < ns && rc == WMEL_OK; s++) {
            const wmel_stage_desc *d = &fe->stages[s];
            if (!st_full[s]) continue;
            size_t rows = wmel_stage_rows(fe, d, p.n_mels), cols = d->kind == WMEL_ST_STACKED ? st_nr : span;
            size_t shape[2] = {d->frame_major ? cols : rows, d->frame_major ? rows : cols};
            snprintf(path, sizeof path, "%s/%s.npy", stages_dir, d->name);
            rc = wmel_write_npy_f64(path, shape, 2, st_full[s], d->frame_major, err, sizeof err);
        }
        if (rc == WMEL_OK && b.ctx) {
            snprintf(path, sizeof path, "%s/%s", stages_dir, b.name);
            struct stat sb;
            if (stat(path, &sb) != 0 && mkdir(path, 0777) != 0) {
                snprintf(err, sizeof err, "%.900s: cannot create: %s", path, strerror(errno));
                rc = WMEL_ERR_IO;
            }
            const size_t nm = (size_t)p.n_mels, fcols = wmel_stage_rows(fe, dfin, p.n_mels);
            float *tmp = rc == WMEL_OK ? malloc(fcols * (st_nr > span ? st_nr : span) * sizeof *tmp) : NULL;
            if (rc == WMEL_OK && !tmp) rc = WMEL_ERR_NO_MEMORY, snprintf(err, sizeof err, "out of memory");
            for (int w = 0; w < 2 && rc == WMEL_OK; w++) {
                const float *srcb = w ? b.feat : b.raw;
                if (!srcb) continue;
                const wmel_frontend_plan *lp = w ? &clip.plan : &b.rawplan;
                size_t shape[2];
                if (w && stacked) { /* output rows of the span, as the output holds them */
                    memcpy(tmp, b.feat + st_r0 * b.feat_cols, st_nr * b.feat_cols * sizeof *tmp);
                    shape[0] = st_nr, shape[1] = b.feat_cols;
                } else if (lp->layout == WMEL_LAYOUT_MELS_FRAMES) {
                    size_t cols = w ? b.feat_cols : b.raw_cols;
                    for (size_t m = 0; m < nm; m++) memcpy(tmp + m * span, srcb + m * cols + fa, span * sizeof *tmp);
                    shape[0] = nm, shape[1] = span;
                } else {
                    memcpy(tmp, srcb + fa * nm, span * nm * sizeof *tmp);
                    shape[0] = span, shape[1] = nm;
                }
                snprintf(path, sizeof path, "%s/%s/%s.npy", stages_dir, b.name, w ? "features" : "log");
                rc = wmel_write_npy_atomic(path, shape, 2, tmp, err, sizeof err);
            }
            free(tmp);
        }
        if (rc) {
            wmel_cli_msg("wmel: %s", err);
            goto done;
        }
    }

    /* the page */
    {
        wmel_out o;
        if ((rc = wmel_out_open(&o, out, 0, err, sizeof err)) != WMEL_OK) {
            wmel_cli_msg("wmel: %s", err);
            goto done;
        }
        FILE *f = o.f;
        char title[1400], sub[1400], buf[1400];
        snprintf(title, sizeof title, "wmel inspect: %s", in);
        snprintf(sub, sizeof sub, "front-end %s, %d mels; stages from the float64 reference (%s)%s%s; wmel %s",
                 fe->name, p.n_mels, whisper ? "wmel_ref_stages" : "wmel_ref_plan_stages",
                 b.ctx ? ", and the output of backend " : "", b.ctx ? b.name : "", wmel_version());
        wmel_rpt_begin(f, title, sub);
        wmel_rpt_p(f, fe->summary);
        snprintf(buf, sizeof buf,
                 "Hover a picture for time, frequency and the value (shown to float32 precision; --stages writes "
                 "float64). %zu frames in all (%.2f s%s); shown: frames %zu .. %zu, every %zu%s.",
                 clip.n_frames, (double)n / fe->sample_rate,
                 clip.n_valid < clip.n_frames ? ", the last ones past the valid frames" : "", sh.first,
                 sh.first + (sh.nf - 1) * sh.step, sh.step,
                 sh.step > 1 ? " (decimated: --start S --duration D shows a span at full resolution)" : "");
        wmel_rpt_p(f, buf);
        size_t w0 = zoom ? s0 : 0, w1 = zoom ? s1 : n;
        wave_picture(f, "samples", "decoded samples", clip.plan.scale != 1.0 ? "scale" : NULL,
                     "the frames take the samples x 32768 (int16 range)", pcm, 0, n, w0, w1, fmt, in);
        if (pre_sig) {
            double *y = preemph_signal(&clip.plan, pcm, w0, w1);
            float *yf = y ? malloc((w1 - w0 + 1) * sizeof *yf) : NULL;
            if (!yf) rc = WMEL_ERR_NO_MEMORY;
            for (size_t i = 0; yf && i < w1 - w0; i++) yf[i] = (float)y[i];
            char fm[400];
            snprintf(fm, sizeof fm, "%s; then y[i] = x[i] - %.2f x[i-1], y[0] = x[0]", fmt, clip.plan.preemph);
            if (yf)
                wave_picture(f, "preemph", "pre-emphasised signal", "written by --stages as",
                             "preemph.npy (float64)", yf, w0, w1, w0, w1, fm, in);
            free(y);
            free(yf);
        }
        /* the normalisation's values, in the last stage's table */
        char smax[160], sfloor[64], scand[96], sstat[400], snv[96];
        const char *norm_kv[16] = {NULL};
        if (whisper) {
            snprintf(smax, sizeof smax, "%.12g (frame %zu, %.2f s, mel %zu)", clip.log_max, clip.max_frame,
                     (double)clip.max_frame * fe->hop / fe->sample_rate, clip.max_mel);
            snprintf(sfloor, sizeof sfloor, "%.12g", clip.log_max - 8.0);
            snprintf(scand, sizeof scand, "%zu frame(s) within %g of the float32 max, recomputed in float64",
                     clip.max_candidates, WMEL_MAX_MARGIN);
            const char *kv[] = {"M (largest log of the clip)", smax, "clamp floor M - 8", sfloor, "M found from", scand,
                                "then", "(x + 4) / 4", NULL};
            memcpy(norm_kv, kv, sizeof kv);
        } else if (clip.stats_from) {
            double mlo = INFINITY, mhi = -INFINITY, dlo = INFINITY, dhi = -INFINITY;
            for (int m = 0; m < p.n_mels; m++) {
                mlo = fmin(mlo, clip.mean[m]), mhi = fmax(mhi, clip.mean[m]);
                dlo = fmin(dlo, clip.denom[m]), dhi = fmax(dhi, clip.denom[m]);
            }
            snprintf(sstat, sizeof sstat, "mean %.6g .. %.6g, denominator %.6g .. %.6g (mel 0: %.9g, %.9g); hover the "
                                          "normalised stage for a row", mlo, mhi, dlo, dhi, clip.mean[0], clip.denom[0]);
            snprintf(snv, sizeof snv, "%zu of %zu", clip.n_valid, clip.n_frames);
            const char *kv[] = {"per-row statistics", sstat, "frames in the statistics", snv, "statistics from",
                                clip.stats_from,
                                "denominator", clip.plan.norm == WMEL_NORM_PER_FEATURE ? "std (n - 1) + 1e-5" : "sqrt(var (n - 1) + 1e-7)",
                                NULL};
            memcpy(norm_kv, kv, sizeof kv);
        }
        double feat_range[2] = {0, 0};
        for (int s = 0; s < ns && rc == WMEL_OK; s++) {
            const wmel_stage_desc *d = &fe->stages[s];
            size_t rows = wmel_stage_rows(fe, d, p.n_mels);
            int is_norm = d->kind == WMEL_ST_WHOLE || d->kind == WMEL_ST_NORM;
            char wline[200];
            snprintf(wline, sizeof wline, "%s, drawn as %s x window in double",
                     whisper ? "periodic Hann: 0.5 - 0.5 cos(2 pi k / 400)"
                     : clip.plan.window == WMEL_WINDOW_POVEY ? "Povey: (0.5 - 0.5 cos(2 pi k / 399))^0.85"
                                                             : "symmetric Hann: 0.5 - 0.5 cos(2 pi k / 399)",
                     d->derive ? d->derive : "");
            const char *win_kv[] = {"window", wline, NULL};
            const char *out_kv[] = {"layout", "(n_frames, n_mels), as the output holds it; drawn transposed", NULL};
            const char *st_kv[] = {"layout", "(ceil(n_frames / 2), 2 n_mels): row r = normalised frames 2r, 2r + 1",
                                   "the normalisation", "as the stage before", NULL};
            double amp[2] = {0, 0};
            if (d->derive) { /* the same colour scale as the stage it is drawn from */
                int from = -1;
                for (int t = 0; t < ns; t++)
                    if (!strcmp(fe->stages[t].name, d->derive)) from = t;
                for (size_t i = 0; from >= 0 && i < rows * sh.nf; i++) amp[1] = fmax(amp[1], fabs(st_shown[from][i]));
                if (!(amp[1] > 0)) amp[1] = 1;
            }
            const char *const *extra = is_norm ? norm_kv : d->derive ? win_kv : d->kind == WMEL_ST_OUTPUT ? out_kv
                                       : d->kind == WMEL_ST_STACKED ? st_kv : NULL;
            rc = stage_picture(f, fe, d, d->name, d->title, st_shown[s], rows, d->kind == WMEL_ST_STACKED ? &shs : &sh,
                               &clip, d->derive, extra, d->derive ? amp : NULL);
            if (s == s_fin) {
                double mn = INFINITY, mx = -INFINITY;
                size_t cells = rows * (d->kind == WMEL_ST_STACKED ? shs.nf : sh.nf);
                for (size_t i = 0; i < cells; i++) mn = fmin(mn, st_shown[s][i]), mx = fmax(mx, st_shown[s][i]);
                feat_range[0] = mn;
                feat_range[1] = mx;
            }
        }
        if (rc == WMEL_OK && b.ctx) {
            /* the backend: log and features of the shown columns, and features - reference */
            const size_t nm = (size_t)p.n_mels, frows = wmel_stage_rows(fe, dfin, p.n_mels);
            const shown *fsh = stacked ? &shs : &sh;
            size_t lcells = nm * sh.nf, fcells = frows * fsh->nf;
            double *bl = malloc(lcells * sizeof *bl), *bf = malloc(fcells * sizeof *bf), *df = malloc(fcells * sizeof *df);
            if (!bl || !bf || !df) rc = WMEL_ERR_NO_MEMORY;
            const double *ofeat = st_shown[s_fin], *olog = st_shown[s_log];
            double dmax = 0, lmax = 0;
            size_t wm = 0, wc = 0;
            for (size_t m = 0; rc == WMEL_OK && b.raw && m < nm; m++)
                for (size_t c = 0; c < sh.nf; c++) {
                    size_t t = sh.first + c * sh.step, i = m * sh.nf + c;
                    bl[i] = whisper ? b.raw[m * clip.n_frames + t] : out_at(&b.rawplan, b.raw, b.raw_cols, m, t);
                    if (t < clip.n_valid && fabs(bl[i] - olog[i]) > lmax) lmax = fabs(bl[i] - olog[i]);
                }
            for (size_t r = 0; rc == WMEL_OK && r < frows; r++)
                for (size_t c = 0; c < fsh->nf; c++) {
                    size_t t = fsh->first + c * fsh->step, i = r * fsh->nf + c;
                    if (stacked) bf[i] = b.feat[t * b.feat_cols + r];
                    else if (whisper) bf[i] = b.feat[r * clip.n_frames + t];
                    else bf[i] = out_at(&clip.plan, b.feat, b.feat_cols, r, t);
                    df[i] = bf[i] - ofeat[i];
                    if (fabs(df[i]) > dmax) dmax = fabs(df[i]), wm = r, wc = c;
                }
            if (rc == WMEL_OK) {
                const wmel_stage_desc BLOG = {"log", "", fe->stages[s_log].units, WMEL_ROWS_MEL, 0, 0, 0, WMEL_ST_LOG, NULL, 0};
                const wmel_stage_desc BFEAT = {"features", "", dfin->units, dfin->rows, 0, 0, dfin->frame_major, dfin->kind, NULL, 0};
                const wmel_stage_desc BDIFF = {"diff", "", "backend - reference", dfin->rows, 0, 1, dfin->frame_major, dfin->kind, NULL, 0};
                char t1[160], t2[160], t3[200], sl[64], sd[200], skern[96];
                snprintf(t1, sizeof t1, "backend %s: log (its output without the normalisation)", b.name);
                snprintf(t2, sizeof t2, "backend %s: features (its %s output)", b.name, whisper ? "wmel_log_mel" : "wmel_features");
                snprintf(t3, sizeof t3, "backend %s features - reference features", b.name);
                snprintf(sl, sizeof sl, "%.3g", lmax);
                size_t wt = fsh->first + wc * fsh->step;
                snprintf(sd, sizeof sd, "%.3g at %s %zu (%.2f s), %s %zu", dmax, stacked ? "output row" : "frame", wt,
                         col_time(fe, fsh, wc), stacked ? "column" : "mel", wm);
                snprintf(skern, sizeof skern, "%s", wmel_kernel_name(b.ctx));
                const char *bkv[] = {"kernel", skern, "max |log - reference log| (shown, valid frames)", sl, NULL};
                const char *dkv[] = {"kernel", skern, "max |difference| (shown)", sd, NULL};
                if (b.raw) rc = stage_picture(f, fe, &BLOG, "b_log", t1, bl, nm, &sh, &clip, NULL, bkv, NULL);
                if (rc == WMEL_OK)
                    rc = stage_picture(f, fe, &BFEAT, "b_features", t2, bf, frows, fsh, &clip, NULL, b.raw ? bkv : dkv, feat_range);
                double dr[2] = {0, dmax > 0 ? dmax : 1e-12};
                if (rc == WMEL_OK)
                    rc = stage_picture(f, fe, &BDIFF, "b_diff", t3, df, frows, fsh, &clip, NULL, dkv, dr);
            }
            free(bl);
            free(bf);
            free(df);
        }
        snprintf(buf, sizeof buf, "wmel inspect %s --frontend %s%s%s: computed in %.2f s", in, fe->name,
                 b.ctx ? " --backend " : "", b.ctx ? b.name : "", now_s() - t_start);
        wmel_rpt_p(f, buf);
        wmel_rpt_end(f);
        if (rc == WMEL_OK) rc = wmel_out_commit(&o, err, sizeof err);
        else {
            snprintf(err, sizeof err, "%s: %s", out, wmel_strerror(rc));
            wmel_out_abort(&o);
        }
        if (rc) wmel_cli_msg("wmel: %s", err);
        else if (!quiet)
            wmel_cli_msg("wmel: wrote %s (%zu frames shown of %zu%s)%s%s", out, sh.nf, clip.n_frames,
                 sh.step > 1 ? ", decimated" : "", stages_dir ? " and stages in " : "", stages_dir ? stages_dir : "");
    }
done:
    for (int s = 0; s < WMEL_STAGES_MAX; s++) {
        free(st_full[s]);
        free(st_shown[s]);
    }
    wmel_destroy(b.ctx);
    free(b.raw);
    free(b.feat);
    free(pcm);
    return rc ? 1 : 0;
}
