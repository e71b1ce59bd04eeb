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
 * input longer than the budget (PAGE_FLOATS values) is shown every k-th frame; --start
 * and --duration pick a span, shown at full resolution up to the same budget.
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "commands.h"
#include "out.h"
#include "picture.h"
#include "report.h"
#include "stages.h"
#include "wmel.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define PAGE_FLOATS 850000      /* ~4.5 MB of base64 */
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
    size_t first, nf, step; /* frames first + i * step */
    double *window;         /* the Hann window, for the derived windowed frames */
    double mel_hz[128];
} shown;

static void row_axes(const wmel_frontend *fe, const wmel_stage_desc *s, size_t rows, const shown *sh,
                     wmel_rpt_img *im, double *rowval)
{
    switch (s->rows) {
    case WMEL_ROWS_SAMPLE:
        wmel_pic_axis_linear(&im->yl, "sample in frame", rows, 0, 1, 6);
        wmel_pic_axis_linear(&im->yr, "ms from frame centre", rows, -1000.0 * fe->n_fft / 2 / fe->sample_rate,
                             1000.0 / fe->sample_rate, 6);
        for (size_t r = 0; r < rows; r++) rowval[r] = (double)r * 1000.0 / fe->sample_rate - 1000.0 * fe->n_fft / 2 / fe->sample_rate;
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
    double lo = INFINITY, hi = -INFINITY, sum = 0, amax = 0;
    size_t floor_cells = 0;
    for (size_t i = 0; i < cnt; i++) {
        double v = vals[i];
        d[i] = (float)v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += v;
        if (fabs(v) > amax) amax = fabs(v);
        if (s->db && v < 1e-10) floor_cells++;
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
    im.x0 = (double)sh->first * fe->hop / fe->sample_rate;
    im.dx = (double)sh->step * fe->hop / fe->sample_rate;
    wmel_pic_axis_linear(&im.x, "time (s), frame centres", sh->nf, im.x0, im.dx, 10);
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
    char shape[64], smin[32], smax[32], smean[32], frames[96], floor_s[64];
    snprintf(shape, sizeof shape, "(%zu, %zu) shown of (%zu, %zu)", rows, sh->nf, rows, clip->n_frames);
    snprintf(smin, sizeof smin, "%.9g", lo);
    snprintf(smax, sizeof smax, "%.9g", hi);
    snprintf(smean, sizeof smean, "%.9g", cnt ? sum / (double)cnt : NAN);
    snprintf(frames, sizeof frames, "%zu .. %zu, every %zu%s", sh->first, sh->first + (sh->nf - 1) * sh->step,
             sh->step, sh->step > 1 ? " (decimated overview: --start/--duration for full resolution)" : " (full resolution)");
    snprintf(floor_s, sizeof floor_s, "%zu cells below 1e-10%s", floor_cells,
             s->rows == WMEL_ROWS_MEL ? " (the log stage clamps them to 1e-10)" : "");
    const char *kv[32] = {"stage", s->name, "values", s->units, "shape", shape, "frames shown", frames,
                          "min (shown)", smin, "max (shown)", smax, "mean (shown)", smean};
    int k = 14;
    if (s->db) kv[k++] = "below the log floor", kv[k++] = floor_s;
    for (int e = 0; extra && extra[e] && extra[e + 1] && k < 30; e += 2) kv[k++] = extra[e], kv[k++] = extra[e + 1];
    kv[k] = NULL;
    im.table = kv;
    wmel_rpt_image(f, &im);
    free(d);
    free(rowval);
    return WMEL_OK;
}

static void wave_picture(FILE *f, const float *x, size_t n, size_t s0, size_t s1, const char *fmt,
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
            mn = x[i] < mn ? x[i] : mn;
            mx = x[i] > mx ? x[i] : mx;
            ss += (double)x[i] * x[i];
            if (fabs(x[i]) > peak) peak = fabs(x[i]);
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
    snprintf(title, sizeof title, "decoded samples: %s", in);
    snprintf(line, sizeof line, "%s -> 16000 Hz mono float32 in [-1, 1)", fmt[0] ? fmt : "(format not reported)");
    snprintf(sn, sizeof sn, "%zu of %zu (%.3f s .. %.3f s)", len, n, x0, (double)s1 / WMEL_SAMPLE_RATE);
    snprintf(sp, sizeof sp, "%.9g", peak);
    snprintf(srms, sizeof srms, "%.6g (%.2f dBFS)", len ? sqrt(ss / (double)len) : 0.0,
             len && ss > 0 ? 10 * log10(ss / (double)len) : -INFINITY);
    const char *kv[] = {"input", line, "samples shown", sn, "peak |x|", sp, "rms", srms,
                        "picture", "min and max of each of the buckets", NULL};
    wmel_rpt_wave(f, "samples", title, lo, hi, nb, x0, dx, &xa, &ya, kv);
    free(lo);
    free(hi);
}

int cmd_inspect(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *stages_dir = NULL, *frontend = "whisper";
    wmel_params p = wmel_default_params();
    p.backend = -1; /* no --backend: the reference only */
    double start = 0, duration = -1;
    int quiet = 0, pr, zoom = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((pr = wmel_cli_common(argc, argv, &i, &out, &quiet, &p)) != 0) {
            if (pr == 2) return 2;
        } else if (!strcmp(a, "--frontend")) {
            if (!v) return wmel_cli_usage("--frontend needs a name (whisper)");
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
        fprintf(stderr, "wmel: inspect: front-end '%s' is not one inspect covers (it covers: %s)\n",
                frontend, wmel_frontend_names());
        return 2;
    }
    const char *outs[1] = {out}, *ins[1] = {in};
    if (wmel_cli_check_files(outs, 1, ins, 1)) return 1;
    if (stages_dir) {
        struct stat sb;
        if (stat(stages_dir, &sb) != 0 && mkdir(stages_dir, 0777) != 0) {
            fprintf(stderr, "wmel: %s: cannot create the stages directory: %s\n", stages_dir, strerror(errno));
            return 1;
        }
        if (stat(stages_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "wmel: %s: not a directory\n", stages_dir);
            return 1;
        }
    }

    double t_start = now_s();
    char err[ERRLEN] = "", fmt[256] = "";
    float *pcm = NULL;
    size_t n = 0;
    int rc = wmel_decode_all(in, &pcm, &n, fmt, sizeof fmt, quiet, err, sizeof err);
    if (rc) {
        fprintf(stderr, "wmel: %s\n", err);
        return 1;
    }
    if (n <= WMEL_N_FFT / 2) {
        fprintf(stderr, "wmel: %s: %zu samples: too short for a frame (more than 200 needed)\n", in, n);
        free(pcm);
        return 1;
    }
    wmel_clip clip = {pcm, n, wmel_n_frames(n, 0), p.n_mels, 0, 0, 0, 0};
    size_t fa = 0, fb = clip.n_frames;
    if (zoom) {
        double fr = (double)fe->sample_rate / fe->hop;
        fa = (size_t)ceil(start * fr - 1e-9);
        if (duration > 0) {
            double e = ceil((start + duration) * fr - 1e-9);
            fb = e < (double)clip.n_frames ? (size_t)e : clip.n_frames;
        }
        if (fa >= clip.n_frames || fb <= fa) {
            fprintf(stderr, "wmel: %s: --start %.3f s is past the last frame (%.3f s)\n", in, start,
                    (double)(clip.n_frames - 1) * fe->hop / fe->sample_rate);
            free(pcm);
            return 2;
        }
    }
    const size_t span = fb - fa;
    if (stages_dir && span > STAGES_MAX_FRAMES) {
        fprintf(stderr, "wmel: --stages writes at most %d frames (%.0f s) at full resolution; this span has %zu: "
                        "choose one with --start/--duration\n", STAGES_MAX_FRAMES, STAGES_MAX_FRAMES / 100.0, span);
        free(pcm);
        return 2;
    }
    if ((rc = wmel_clip_max(&clip, err, sizeof err)) != WMEL_OK) {
        fprintf(stderr, "wmel: %s: %s\n", in, err);
        free(pcm);
        return 1;
    }

    /* the backend's output, whole clip: raw log and normalised */
    wmel_ctx *bctx = NULL;
    float *braw = NULL, *bfeat = NULL;
    const size_t total_cells = (size_t)p.n_mels * clip.n_frames;
    if (p.backend >= 0) {
        int st;
        wmel_params bp = p;
        bp.norm = WMEL_NORM_NONE;
        bctx = wmel_create(&bp, &st);
        braw = malloc(total_cells * sizeof *braw);
        bfeat = malloc(total_cells * sizeof *bfeat);
        rc = !bctx ? st : (!braw || !bfeat) ? WMEL_ERR_NO_MEMORY : wmel_log_mel(bctx, pcm, n, 0, braw, total_cells);
        if (rc == WMEL_OK) {
            wmel_ctx *nctx;
            bp.norm = WMEL_NORM_WHOLE;
            nctx = wmel_create(&bp, &st);
            rc = nctx ? wmel_log_mel(nctx, pcm, n, 0, bfeat, total_cells) : st;
            wmel_destroy(nctx);
        }
        if (rc) {
            fprintf(stderr, "wmel: %s: backend: %s\n", in, wmel_strerror(rc));
            wmel_destroy(bctx);
            free(braw);
            free(bfeat);
            free(pcm);
            return 1;
        }
    }
    const char *bname = bctx ? wmel_backend_name(bctx) : NULL;

    /* frames shown in the page: every step-th of the span within the budget */
    size_t per_col = (size_t)fe->n_fft + (size_t)fe->n_fft / 2 + 1 + 3 * (size_t)p.n_mels + (bctx ? 3 * (size_t)p.n_mels : 0);
    size_t max_cols = PAGE_FLOATS / per_col;
    shown sh;
    memset(&sh, 0, sizeof sh);
    sh.first = fa;
    sh.step = (span + max_cols - 1) / max_cols;
    if (sh.step < 1) sh.step = 1;
    sh.nf = (span + sh.step - 1) / sh.step;
    wmel_pic_mel_centres(p.n_mels, sh.mel_hz);
    double window[WMEL_N_FFT];
    for (int k = 0; k < fe->n_fft; k++) window[k] = 0.5 - 0.5 * cos(2.0 * 3.14159265358979323846 * k / fe->n_fft);
    sh.window = window;

    /* the reference's stages: at full resolution over the span for --stages (the page
       then takes its columns from them), else only the shown frames */
    const int ns = fe->n_stages;
    double *st_full[8] = {0}, *st_shown[8] = {0};
    size_t cnt_nf = stages_dir ? span : sh.nf;
    for (int s = 0; s < ns && rc == WMEL_OK; s++) {
        size_t rows = wmel_stage_rows(fe, &fe->stages[s], p.n_mels);
        if (stages_dir && !strcmp(fe->stages[s].name, "padded")) { /* not written: the page takes it from below */
            continue;
        }
        double **dst = stages_dir ? st_full : st_shown;
        dst[s] = malloc(rows * cnt_nf * sizeof(double));
        if (!dst[s]) rc = WMEL_ERR_NO_MEMORY;
    }
    if (rc == WMEL_OK) rc = wmel_stages_compute(fe, &clip, fa, cnt_nf, stages_dir ? 1 : sh.step, stages_dir ? st_full : st_shown);
    if (rc == WMEL_OK && stages_dir) { /* the page's columns out of the full arrays */
        for (int s = 0; s < ns && rc == WMEL_OK; s++) {
            size_t rows = wmel_stage_rows(fe, &fe->stages[s], p.n_mels);
            st_shown[s] = malloc(rows * sh.nf * sizeof(double));
            if (!st_shown[s]) {
                rc = WMEL_ERR_NO_MEMORY;
                break;
            }
            if (!st_full[s]) { /* padded: computed for the shown frames only */
                double *one[8] = {0};
                one[s] = st_shown[s];
                rc = wmel_stages_compute(fe, &clip, fa, sh.nf, sh.step, one);
                continue;
            }
            for (size_t r = 0; r < rows; r++)
                for (size_t c = 0; c < sh.nf; c++) st_shown[s][r * sh.nf + c] = st_full[s][r * span + c * sh.step];
        }
    }
    if (rc) {
        fprintf(stderr, "wmel: %s: %s\n", in, wmel_strerror(rc));
        goto done;
    }

    /* --stages DIR */
    if (stages_dir) {
        char path[4096];
        size_t s0 = fa * fe->hop, s1 = fb * fe->hop < n ? fb * fe->hop : n;
        if (fb == clip.n_frames) s1 = n;
        size_t shp[2] = {s1 - s0, 0};
        snprintf(path, sizeof path, "%s/samples.npy", stages_dir);
        rc = wmel_write_npy_atomic(path, shp, 1, pcm + s0, err, sizeof err);
        for (int s = 0; s < ns && rc == WMEL_OK; s++) {
            const wmel_stage_desc *d = &fe->stages[s];
            if (!st_full[s]) continue;
            size_t rows = wmel_stage_rows(fe, d, p.n_mels);
            size_t shape[2] = {d->frame_major ? span : rows, d->frame_major ? rows : span};
            snprintf(path, sizeof path, "%s/%s.npy", stages_dir, d->name);
            rc = wmel_write_npy_f64(path, shape, 2, st_full[s], d->frame_major, err, sizeof err);
        }
        if (rc == WMEL_OK && bctx) {
            snprintf(path, sizeof path, "%s/%s", stages_dir, bname);
            struct stat sb;
            if (stat(path, &sb) != 0 && mkdir(path, 0777) != 0) {
                snprintf(err, sizeof err, "%.900s: cannot create: %s", path, strerror(errno));
                rc = WMEL_ERR_IO;
            }
            float *tmp = rc == WMEL_OK ? malloc((size_t)p.n_mels * span * sizeof *tmp) : NULL;
            if (rc == WMEL_OK && !tmp) rc = WMEL_ERR_NO_MEMORY, snprintf(err, sizeof err, "out of memory");
            for (int w = 0; w < 2 && rc == WMEL_OK; w++) {
                const float *srcb = w ? bfeat : braw;
                for (int m = 0; m < p.n_mels; m++)
                    memcpy(tmp + (size_t)m * span, srcb + (size_t)m * clip.n_frames + fa, span * sizeof *tmp);
                size_t shape[2] = {(size_t)p.n_mels, span};
                snprintf(path, sizeof path, "%s/%s/%s.npy", stages_dir, bname, w ? "features" : "log");
                rc = wmel_write_npy_atomic(path, shape, 2, tmp, err, sizeof err);
            }
            free(tmp);
        }
        if (rc) {
            fprintf(stderr, "wmel: %s\n", err);
            goto done;
        }
    }

    /* the page */
    {
        wmel_out o;
        if ((rc = wmel_out_open(&o, out, 0, err, sizeof err)) != WMEL_OK) {
            fprintf(stderr, "wmel: %s\n", err);
            goto done;
        }
        FILE *f = o.f;
        char title[1400], sub[1400], buf[1400];
        snprintf(title, sizeof title, "wmel inspect: %s", in);
        snprintf(sub, sizeof sub, "front-end %s, %d mels; stages from the float64 reference (wmel_ref_stages)%s%s; wmel %s",
                 fe->name, p.n_mels, bctx ? ", and the output of backend " : "", bctx ? bname : "", wmel_version());
        wmel_rpt_begin(f, title, sub);
        wmel_rpt_p(f, fe->summary);
        snprintf(buf, sizeof buf,
                 "Hover a picture for time, frequency and the value (shown to float32 precision; --stages writes "
                 "float64). %zu frames in all (%.2f s); shown: frames %zu .. %zu, every %zu%s.",
                 clip.n_frames, (double)n / fe->sample_rate, sh.first, sh.first + (sh.nf - 1) * sh.step, sh.step,
                 sh.step > 1 ? " (decimated: --start S --duration D shows a span at full resolution)" : "");
        wmel_rpt_p(f, buf);
        size_t s0 = fa * fe->hop, s1 = fb == clip.n_frames ? n : (fb * fe->hop < n ? fb * fe->hop : n);
        if (!zoom) s0 = 0, s1 = n;
        wave_picture(f, pcm, n, s0, s1, fmt, in);
        char smax[160], sfloor[64], scand[96];
        snprintf(smax, sizeof smax, "%.12g (frame %zu, %.2f s, mel %zu)", clip.log_max, clip.max_frame,
                 (double)clip.max_frame * fe->hop / fe->sample_rate, clip.max_mel);
        snprintf(sfloor, sizeof sfloor, "%.12g", clip.log_max - 8.0);
        snprintf(scand, sizeof scand, "%zu frame(s) within %g of the float32 max, recomputed in float64",
                 clip.max_candidates, WMEL_MAX_MARGIN);
        const char *norm_kv[] = {"M (largest log of the clip)", smax, "clamp floor M - 8", sfloor, "M found from", scand,
                                 "then", "(x + 4) / 4", NULL};
        double feat_range[2] = {0, 0};
        for (int s = 0; s < ns && rc == WMEL_OK; s++) {
            const wmel_stage_desc *d = &fe->stages[s];
            size_t rows = wmel_stage_rows(fe, d, p.n_mels);
            int is_feat = !strcmp(d->name, "features");
            const char *derive = !strcmp(d->name, "frames") ? "padded" : NULL;
            const char *win_kv[] = {"window", "periodic Hann: 0.5 - 0.5 cos(2 pi k / 400), drawn as padded x window in double", NULL};
            double amp[2] = {0, 0};
            if (derive) { /* the same colour scale as the padded frames */
                for (size_t i = 0; i < rows * sh.nf; i++) amp[1] = fmax(amp[1], fabs(st_shown[0][i]));
                if (!(amp[1] > 0)) amp[1] = 1;
            }
            rc = stage_picture(f, fe, d, d->name, d->title, st_shown[s], rows, &sh, &clip, derive,
                               is_feat ? norm_kv : derive ? win_kv : NULL, derive ? amp : NULL);
            if (is_feat) {
                double mn = INFINITY, mx = -INFINITY;
                for (size_t i = 0; i < rows * sh.nf; i++) mn = fmin(mn, st_shown[s][i]), mx = fmax(mx, st_shown[s][i]);
                feat_range[0] = mn;
                feat_range[1] = mx;
            }
        }
        if (rc == WMEL_OK && bctx) {
            /* the backend: log and features of the shown frames, and features - reference */
            size_t cells = (size_t)p.n_mels * sh.nf;
            double *bl = malloc(cells * sizeof *bl), *bf = malloc(cells * sizeof *bf), *df = malloc(cells * sizeof *df);
            if (!bl || !bf || !df) rc = WMEL_ERR_NO_MEMORY;
            const double *ofeat = st_shown[ns - 1], *olog = st_shown[ns - 2];
            double dmax = 0, lmax = 0;
            size_t wm = 0, wc = 0;
            for (size_t m = 0; rc == WMEL_OK && m < (size_t)p.n_mels; m++)
                for (size_t c = 0; c < sh.nf; c++) {
                    size_t t = sh.first + c * sh.step, i = m * sh.nf + c;
                    bl[i] = braw[m * clip.n_frames + t];
                    bf[i] = bfeat[m * clip.n_frames + t];
                    df[i] = bf[i] - ofeat[i];
                    if (fabs(bl[i] - olog[i]) > lmax) lmax = fabs(bl[i] - olog[i]);
                    if (fabs(df[i]) > dmax) dmax = fabs(df[i]), wm = m, wc = c;
                }
            if (rc == WMEL_OK) {
                static const wmel_stage_desc BLOG = {"log", "", "log10 units", WMEL_ROWS_MEL, 0, 0, 0};
                static const wmel_stage_desc BFEAT = {"features", "", "normalised log10 units", WMEL_ROWS_MEL, 0, 0, 0};
                static const wmel_stage_desc BDIFF = {"diff", "", "backend - reference", WMEL_ROWS_MEL, 0, 1, 0};
                char t1[160], t2[160], t3[200], sl[64], sd[200], skern[96];
                snprintf(t1, sizeof t1, "backend %s: log (its WMEL_NORM_NONE output)", bname);
                snprintf(t2, sizeof t2, "backend %s: features (its wmel_log_mel output)", bname);
                snprintf(t3, sizeof t3, "backend %s features - reference features", bname);
                snprintf(sl, sizeof sl, "%.3g", lmax);
                snprintf(sd, sizeof sd, "%.3g at frame %zu (%.2f s), mel %zu", dmax, sh.first + wc * sh.step,
                         (double)(sh.first + wc * sh.step) * fe->hop / fe->sample_rate, wm);
                snprintf(skern, sizeof skern, "%s", wmel_kernel_name(bctx));
                const char *bkv[] = {"kernel", skern, "max |log - reference log| (shown)", sl, NULL};
                const char *dkv[] = {"kernel", skern, "max |difference| (shown)", sd, NULL};
                rc = stage_picture(f, fe, &BLOG, "b_log", t1, bl, (size_t)p.n_mels, &sh, &clip, NULL, bkv, NULL);
                if (rc == WMEL_OK)
                    rc = stage_picture(f, fe, &BFEAT, "b_features", t2, bf, (size_t)p.n_mels, &sh, &clip, NULL, bkv, feat_range);
                double dr[2] = {0, dmax > 0 ? dmax : 1e-12};
                if (rc == WMEL_OK)
                    rc = stage_picture(f, fe, &BDIFF, "b_diff", t3, df, (size_t)p.n_mels, &sh, &clip, NULL, dkv, dr);
            }
            free(bl);
            free(bf);
            free(df);
        }
        snprintf(buf, sizeof buf, "wmel inspect %s%s%s: computed in %.2f s", in, bctx ? " --backend " : "", bctx ? bname : "",
                 now_s() - t_start);
        wmel_rpt_p(f, buf);
        wmel_rpt_end(f);
        if (rc == WMEL_OK) rc = wmel_out_commit(&o, err, sizeof err);
        else {
            snprintf(err, sizeof err, "%s: %s", out, wmel_strerror(rc));
            wmel_out_abort(&o);
        }
        if (rc) fprintf(stderr, "wmel: %s\n", err);
        else if (!quiet)
            fprintf(stderr, "wmel: wrote %s (%zu frames shown of %zu%s)%s%s\n", out, sh.nf, clip.n_frames,
                    sh.step > 1 ? ", decimated" : "", stages_dir ? " and stages in " : "", stages_dir ? stages_dir : "");
    }
done:
    for (int s = 0; s < 8; s++) {
        free(st_full[s]);
        free(st_shown[s]);
    }
    wmel_destroy(bctx);
    free(braw);
    free(bfeat);
    free(pcm);
    return rc ? 1 : 0;
}
