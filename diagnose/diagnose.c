/*
 * diagnose.c -- what a port of a speech front-end got wrong: the engine of `wmel diagnose`
 * and of wmel.diagnose().
 *
 * The port's features of a clip are held against the features of plans near the one it
 * claims (wmel_create_plan + wmel_features, one thread): first the layout (a batch axis,
 * time-major), the dtype (values that float16 or bfloat16 hold exactly), the frame count
 * (the 30 s chunk rule of Whisper's family, an extra or a dropped frame), rows the port
 * left constant (a mel filter quantised to zero) and the units (a linear fit: ln for log10,
 * dB, a scale); then a frame offset of any number of samples (a coarse scan over one hop
 * each way, then halving steps); then a greedy search over the plan's fields (window,
 * framing, DC removal, pre-emphasis, power, mel scale, bank norm, band, log kind and guard,
 * the normalisation's ddof, epsilon and scope, n_fft, the valid frames): each round tries
 * every alternative of every field and keeps the one that lowers the RMS residual most,
 * until none lowers it by 15 % or the residual is at the floor. Each difference found is
 * then taken out again, alone: one that does not matter is dropped, the others are ranked
 * by the residual they leave when taken out.
 */
#include "diagnose.h"

/* printf-style checking: mingw-w64's "printf" archetype is msvcrt's (no %zu); with
 * __USE_MINGW_ANSI_STDIO its stdio is C99's, named by __MINGW_PRINTF_FORMAT. */
#ifndef WMEL_PRINTF_FMT
#if defined(__MINGW32__)
#include <stdio.h>
#define WMEL_PRINTF_FMT __MINGW_PRINTF_FORMAT
#else
#define WMEL_PRINTF_FMT printf
#endif
#endif

#include <float.h>
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct state {
    wmel_frontend_plan plan;
    long offset;   /* samples: > 0, the port's frames are this much later */
    size_t pad;    /* zeros appended to the clip */
    int dtype;     /* 0 float32, 1 float16, 2 bfloat16 */
} state;

typedef struct score {
    double max, rms;
    int ok;
} score;

typedef struct dg {
    const float *audio;
    size_t n;
    float *x;               /* the port's features in the plan's layout, R x C */
    size_t R, C;
    int mel_rows;           /* 1: the mel index is the row (mels_frames) */
    unsigned char *mask;    /* per mel index: 1 left out of the residual */
    size_t n_idx;
    float *a;               /* the clip as a candidate reads it */
    size_t a_cap;
    float *y;               /* a candidate's features */
    size_t y_cap;
    size_t evals;
} dg;

/* ---- values as the port's dtype holds them */
static float round_bits(float v, int bits, int min_exp)
{
    if (!isfinite(v) || v == 0.0f) return v;
    int e;
    double m = frexp((double)v, &e);
    if (e - 1 < min_exp) /* subnormal: a fixed quantum */
        return (float)(nearbyint(ldexp((double)v, bits - 1 - min_exp)) * ldexp(1.0, min_exp - bits + 1));
    return (float)ldexp(nearbyint(ldexp(m, bits)), e - bits);
}
static float round_dtype(float v, int dtype)
{
    if (dtype == 1) {
        float r = round_bits(v, 11, -14);
        return fabsf(r) > 65504.0f ? (r > 0 ? INFINITY : -INFINITY) : r;
    }
    if (dtype == 2) return round_bits(v, 8, -126);
    return v;
}

/* ---- a candidate's features against the port's */
static score eval(dg *d, const state *s)
{
    score sc = {INFINITY, INFINITY, 0};
    d->evals++;
    size_t n2 = d->n + s->pad;
    if (n2 > d->a_cap) {
        float *t = realloc(d->a, n2 * sizeof *t);
        if (!t) return sc;
        d->a = t;
        d->a_cap = n2;
    }
    memset(d->a, 0, n2 * sizeof *d->a);
    long k = s->offset;
    if (k >= 0) {
        if ((size_t)k < d->n) memcpy(d->a, d->audio + k, (d->n - (size_t)k) * sizeof *d->a);
    } else if ((size_t)-k < d->n) {
        memcpy(d->a + (size_t)-k, d->audio, (d->n - (size_t)-k) * sizeof *d->a);
    }
    wmel_params p = wmel_default_params();
    p.n_threads = 1;
    int st;
    wmel_ctx *ctx = wmel_create_plan(&p, &s->plan, &st);
    if (!ctx) return sc;
    size_t r, c;
    if (wmel_features_shape(ctx, n2, &r, &c) || r != d->R || c != d->C) {
        wmel_destroy(ctx);
        return sc;
    }
    if (r * c > d->y_cap) {
        float *t = realloc(d->y, r * c * sizeof *t);
        if (!t) {
            wmel_destroy(ctx);
            return sc;
        }
        d->y = t;
        d->y_cap = r * c;
    }
    st = wmel_features(ctx, d->a, n2, d->y, r * c);
    wmel_destroy(ctx);
    if (st) return sc;
    double mx = 0, ss = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) {
            size_t idx = d->mel_rows ? i : j;
            if (idx < d->n_idx && d->mask[idx]) continue;
            double e = fabs((double)round_dtype(d->y[i * c + j], s->dtype) - (double)d->x[i * c + j]);
            if (!(e == e)) e = INFINITY;
            if (e > mx) mx = e;
            ss += e * e;
            cnt++;
        }
    sc.max = mx;
    sc.rms = cnt ? sqrt(ss / (double)cnt) : 0;
    sc.ok = isfinite(sc.rms) != 0;
    if (!sc.ok) sc.rms = sc.max = INFINITY;
    return sc;
}

/* Single-sample steps of the offset while either side lowers the RMS. */
static score refine_offset(dg *d, state *cur, score s0)
{
    for (int moved = 1; moved;) {
        moved = 0;
        for (int dir = -1; dir <= 1; dir += 2) {
            state s = *cur;
            s.offset += dir;
            score sc = eval(d, &s);
            if (sc.ok && sc.rms < s0.rms) {
                s0 = sc;
                *cur = s;
                moved = 1;
            }
        }
    }
    return s0;
}

/* ---- the plan's fields the search walks */
static const char *const WINDOWS[] = {"hann_periodic", "hann", "hamming", "povey", "rect", "blackman",
                                      "bartlett", "sine", "hamming_periodic", "blackman_periodic",
                                      "bartlett_periodic"};
static const char *const FRAMINGS[] = {"snip", "center_reflect", "center_zero"};
static const char *const PREEMPHS[] = {"frame", "signal", "padded", "padded_cut"};
static const char *const SCALES[] = {"slaney", "kaldi", "htk", "tf"};
static const char *const MELNORMS[] = {"none", "slaney"};
static const char *const LOGS[] = {"log10_clamp", "ln_add", "ln_clamp", "none"};
static const char *const VALIDS[] = {"all", "hop", "trim", "end", "ceil", "but_last"};
static const char *const NORMALIZES[] = {"per_feature", "all_features"};

enum { F_INT, F_DOUBLE, F_NUM, F_DDOF, F_ALL };
typedef struct fam {
    const char *name;
    int type;
    size_t off;
    const char *const *names;
    int n_names;
    int n_alt;
    double alt[8];
} fam;

#define NAMES(a) a, (int)(sizeof a / sizeof a[0])
static const fam FAMS[] = {
    {"window", F_INT, offsetof(wmel_frontend_plan, window), NAMES(WINDOWS), 7, {0, 1, 2, 3, 4, 5, 8}},
    {"framing", F_INT, offsetof(wmel_frontend_plan, framing), NAMES(FRAMINGS), 3, {0, 1, 2}},
    {"remove_dc", F_NUM, offsetof(wmel_frontend_plan, remove_dc), NULL, 0, 2, {0, 1}},
    {"preemph", F_DOUBLE, offsetof(wmel_frontend_plan, preemph), NULL, 0, 2, {0, 0.97}},
    {"preemph_mode", F_INT, offsetof(wmel_frontend_plan, preemph_mode), NAMES(PREEMPHS), 2, {0, 1}},
    {"power", F_NUM, offsetof(wmel_frontend_plan, power), NULL, 0, 2, {1, 2}},
    {"mel_scale", F_INT, offsetof(wmel_frontend_plan, mel_scale), NAMES(SCALES), 3, {0, 1, 2}},
    {"mel_norm", F_INT, offsetof(wmel_frontend_plan, mel_norm), NAMES(MELNORMS), 2, {0, 1}},
    {"low_freq", F_DOUBLE, offsetof(wmel_frontend_plan, low_freq), NULL, 0, 2, {0, 20}},
    {"high_freq", F_DOUBLE, offsetof(wmel_frontend_plan, high_freq), NULL, 0, 4, {0, 8000, 7600, -400}},
    {"log", F_INT, offsetof(wmel_frontend_plan, log), NAMES(LOGS), 3, {0, 1, 2}},
    {"log_guard", F_DOUBLE, offsetof(wmel_frontend_plan, log_guard), NULL, 0, 7,
     {1e-10, 5.9604644775390625e-08, 1e-5, 1e-6, 1.1920928955078125e-07, 1e-8, 1e-7}},
    {"norm_ddof", F_DDOF, 0, NULL, 0, 2, {1, 0}},
    {"normalize", F_ALL, 0, NAMES(NORMALIZES), 2, {0, 1}},
    {"norm_eps", F_DOUBLE, offsetof(wmel_frontend_plan, norm_eps), NULL, 0, 5, {1e-5, 0, 1e-6, 1e-7, 1e-10}},
    {"n_fft", F_NUM, offsetof(wmel_frontend_plan, n_fft), NULL, 0, 2, {400, 512}},
    {"valid", F_INT, offsetof(wmel_frontend_plan, valid), NAMES(VALIDS), 3, {0, 1, 2}},
};
enum { N_FAMS = (int)(sizeof FAMS / sizeof FAMS[0]) };

static double fam_get(const wmel_frontend_plan *p, const fam *f)
{
    const char *b = (const char *)p + f->off;
    switch (f->type) {
    case F_DOUBLE: return *(const double *)(const void *)b;
    case F_DDOF: return (p->norm_flags & WMEL_NORMF_POPULATION) ? 0 : 1;
    case F_ALL: return (p->norm_flags & WMEL_NORMF_ALL) ? 1 : 0;
    default: return *(const int *)(const void *)b;
    }
}
static void fam_set(wmel_frontend_plan *p, const fam *f, double v)
{
    char *b = (char *)p + f->off;
    switch (f->type) {
    case F_DOUBLE: *(double *)(void *)b = v; break;
    case F_DDOF: p->norm_flags = v == 0 ? p->norm_flags | WMEL_NORMF_POPULATION : p->norm_flags & ~WMEL_NORMF_POPULATION; break;
    case F_ALL: p->norm_flags = v != 0 ? p->norm_flags | WMEL_NORMF_ALL : p->norm_flags & ~WMEL_NORMF_ALL; break;
    default: *(int *)(void *)b = (int)v; break;
    }
}
/* Whether the field means anything in plan p. */
static int fam_applies(const wmel_frontend_plan *p, const fam *f)
{
    int normed = p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR;
    if (f->type == F_DDOF || f->type == F_ALL || f->off == offsetof(wmel_frontend_plan, norm_eps)) return normed;
    if (f->off == offsetof(wmel_frontend_plan, preemph_mode)) return p->preemph > 0;
    if (f->off == offsetof(wmel_frontend_plan, framing)) return p->pad_left == 0 && p->pad_right == 0;
    if (f->off == offsetof(wmel_frontend_plan, n_fft)) return p->frame_length <= 400;
    return 1;
}
static void fam_text(const fam *f, double v, char *buf, size_t cap, int *numeric)
{
    *numeric = 0;
    if (f->names && v >= 0 && v < f->n_names) {
        snprintf(buf, cap, "%s", f->names[(int)v]);
        return;
    }
    *numeric = 1;
    snprintf(buf, cap, "%.17g", v);
    /* the shortest text that reads back */
    for (int prec = 1; prec <= 17; prec++) {
        char t[40];
        snprintf(t, sizeof t, "%.*g", prec, v);
        if (strtod(t, NULL) == v) {
            snprintf(buf, cap, "%s", t);
            break;
        }
    }
}

/* ---- the result */
static wmel_dg_diff *add_diff(wmel_dg_result *r, const char *field)
{
    if (r->n_diff >= WMEL_DG_MAX_DIFF) return NULL;
    wmel_dg_diff *df = &r->diff[r->n_diff++];
    memset(df, 0, sizeof *df);
    snprintf(df->field, sizeof df->field, "%s", field);
    df->without = -1;
    return df;
}
static void add_note(wmel_dg_result *r, const char *text)
{
    size_t l = strlen(r->notes);
    snprintf(r->notes + l, sizeof r->notes - l, "%s%s", l ? "; " : "", text);
}

/* The frames axis of a plan's output: 1 when the frames are the columns. */
static int frames_are_cols(const wmel_frontend_plan *p) { return p->layout == WMEL_LAYOUT_MELS_FRAMES; }

static size_t frames_of(const wmel_frontend_plan *p, size_t n)
{
    wmel_plan_counts pc;
    if (wmel_plan_frames(p, n, &pc)) return 0;
    return frames_are_cols(p) ? pc.cols : pc.rows;
}

static double fit_units(const float *y, const float *x, size_t cnt, double *a, double *b)
{
    double sy = 0, sx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < cnt; i++) {
        sy += y[i];
        sx += x[i];
        syy += (double)y[i] * y[i];
        sxy += (double)y[i] * x[i];
    }
    double nn = (double)cnt, var = syy / nn - (sy / nn) * (sy / nn);
    if (var <= 0) {
        *a = 1;
        *b = 0;
        return INFINITY;
    }
    *a = (sxy / nn - sy / nn * sx / nn) / var;
    *b = sx / nn - *a * sy / nn;
    double ss = 0;
    for (size_t i = 0; i < cnt; i++) {
        double e = x[i] - (*a * y[i] + *b);
        ss += e * e;
    }
    return sqrt(ss / nn);
}

static const char *units_name(double a)
{
    static const struct { double v; const char *s; } K[] = {
        {2.302585092994046, "ln where log10 (x ln 10)"}, {0.4342944819032518, "log10 where ln (/ ln 10)"},
        {10, "dB (10 log10)"}, {20, "dB (20 log10)"}, {4.342944819032518, "dB (10 log10) where ln"},
        {8.685889638065036, "dB (20 log10) where ln"}, {0.5, "half (magnitude where power)"},
        {2, "double (power where magnitude)"}};
    for (size_t i = 0; i < sizeof K / sizeof K[0]; i++)
        if (fabs(a / K[i].v - 1) < 2e-3) return K[i].s;
    return NULL;
}

int wmel_dg_run(const wmel_frontend_plan *plan, const float *audio, size_t n, const float *feat,
                const size_t *shape, int ndim, wmel_dg_result *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    if (!plan || !audio || !feat || !shape || !out || n == 0) {
        snprintf(err, err_len, "no audio or no features");
        return 1;
    }
    char msg[512];
    if (wmel_plan_check(plan, msg, sizeof msg)) {
        snprintf(err, err_len, "the plan: %s", msg);
        return 1;
    }
    /* ---- layout: the axes of length 1 (a batch axis), then which axis holds the frames */
    size_t sh[4];
    int nd = 0;
    size_t total = 1;
    for (int i = 0; i < ndim; i++) {
        total *= shape[i];
        if (shape[i] != 1) {
            if (nd == 2) {
                snprintf(err, err_len, "features of %d axes longer than 1: one clip's 2-D features are needed", nd + 1);
                return 1;
            }
            sh[nd++] = shape[i];
        }
    }
    if (ndim > 2 || (ndim == 2 && nd < 2 && total > 1)) add_note(out, "a batch axis of 1 dropped");
    while (nd < 2) sh[nd++] = 1;
    wmel_frontend_plan base = *plan;
    int fcols = frames_are_cols(&base);
    size_t T = frames_of(&base, n);
    wmel_params p1 = wmel_default_params();
    p1.n_threads = 1;
    int st;
    wmel_ctx *c0 = wmel_create_plan(&p1, &base, &st);
    size_t r0 = 0, cc0 = 0;
    if (!c0 || wmel_features_shape(c0, n, &r0, &cc0)) {
        wmel_destroy(c0);
        snprintf(err, err_len, "the plan cannot compute this clip: %s", wmel_strerror(c0 ? WMEL_ERR_INVALID_ARG : st));
        return 1;
    }
    wmel_destroy(c0);
    size_t width = fcols ? r0 : cc0; /* the values of a frame */
    int transposed = 0;
    size_t Tp;
    if ((fcols ? sh[0] : sh[1]) == width) Tp = fcols ? sh[1] : sh[0];
    else if ((fcols ? sh[1] : sh[0]) == width) {
        transposed = 1;
        Tp = fcols ? sh[0] : sh[1];
    } else {
        snprintf(err, err_len, "features of shape (%zu, %zu): neither axis has the plan's %zu values per frame",
                 sh[0], sh[1], width);
        return 1;
    }
    dg d;
    memset(&d, 0, sizeof d);
    d.audio = audio;
    d.n = n;
    d.mel_rows = fcols;
    d.R = fcols ? width : Tp;
    d.C = fcols ? Tp : width;
    d.n_idx = width;
    d.x = malloc(d.R * d.C * sizeof *d.x);
    d.mask = calloc(width, 1);
    int rc = 1;
    if (!d.x || !d.mask) {
        snprintf(err, err_len, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < d.R; i++)
        for (size_t j = 0; j < d.C; j++) d.x[i * d.C + j] = transposed ? feat[j * d.R + i] : feat[i * d.C + j];
    if (transposed) {
        wmel_dg_diff *df = add_diff(out, "layout");
        snprintf(df->preset, sizeof df->preset, "%s", fcols ? "mels_frames" : "frames_mels");
        snprintf(df->found, sizeof df->found, "%s", fcols ? "frames_mels" : "mels_frames");
    }
    /* ---- dtype: values float16 or bfloat16 hold exactly */
    int dtype = 0;
    {
        int bf = 1, hf = 1, any = 0;
        for (size_t i = 0; i < d.R * d.C && (bf || hf); i++) {
            float v = d.x[i];
            if (v != 0 && isfinite(v)) any = 1;
            if (bf && round_dtype(v, 2) != v) bf = 0;
            if (hf && round_dtype(v, 1) != v) hf = 0;
        }
        if (any) dtype = bf ? 2 : hf ? 1 : 0;
    }
    state cur;
    memset(&cur, 0, sizeof cur);
    cur.plan = base;
    cur.dtype = dtype;
    /* ---- the frame count */
    const char *count_note = NULL;
    int valid_changed = 0;
    size_t T_expected = T;
    if (Tp != T) {
        size_t chunk = (size_t)base.sample_rate * 30, pad_c = 0;
        int whisper = base.frontend == WMEL_FRONTEND_WHISPER;
        if (whisper) {
            size_t nc = (n + chunk - 1) / chunk;
            if (nc == 0) nc = 1;
            pad_c = nc * chunk - n;
        }
        size_t Tc = whisper ? frames_of(&base, n + pad_c) : T;
        if (whisper && Tp == Tc) {
            cur.pad = pad_c;
            count_note = "the clip padded with silence to a multiple of 30 s (Whisper's chunk)";
        } else {
            if (whisper && Tp > T) {
                T_expected = Tc;
                cur.pad = pad_c;
            }
            state alt1 = cur, alt2 = cur, alt3 = cur;
            score s1 = {INFINITY, INFINITY, 0}, s2 = s1, s3 = s1;
            if (Tp == T_expected + 1 && base.valid != WMEL_VALID_ALL) {
                alt1.plan.valid = WMEL_VALID_ALL;
                s1 = eval(&d, &alt1);
            }
            if (Tp > T_expected) {
                alt2.pad = cur.pad + (Tp - T_expected) * (size_t)base.hop;
                while (frames_of(&alt2.plan, n + alt2.pad) > Tp && alt2.pad > 0) alt2.pad--;
                while (frames_of(&alt2.plan, n + alt2.pad) < Tp) alt2.pad++;
                s2 = eval(&d, &alt2);
            }
            alt3.plan.n_frames = (int)Tp;
            s3 = eval(&d, &alt3);
            if (s1.ok && s1.rms <= s2.rms && s1.rms <= s3.rms) {
                cur = alt1;
                valid_changed = 1;
            } else {
                wmel_dg_diff *df = add_diff(out, "n_frames");
                df->numeric = 1;
                snprintf(df->preset, sizeof df->preset, "%zu", T_expected);
                snprintf(df->found, sizeof df->found, "%zu", Tp);
                if (s2.ok && s2.rms <= s3.rms) {
                    cur = alt2;
                    char t[160];
                    snprintf(t, sizeof t, "the port's extra %zu frames are silence (the clip padded to %.2f s)",
                             Tp - T_expected, (double)(n + alt2.pad) / base.sample_rate);
                    add_note(out, t);
                } else {
                    cur = alt3;
                }
            }
        }
    }
    if (count_note) add_note(out, count_note);
    state preset_state = cur; /* the claimed plan on the frames the port gives */
    preset_state.plan = base;
    preset_state.plan.n_frames = base.n_frames ? base.n_frames : 0;
    if (cur.plan.n_frames) preset_state.plan.n_frames = cur.plan.n_frames;
    preset_state.dtype = 0;
    /* ---- rows the port left constant where the plan's vary: a filter quantised to zero */
    score s0 = eval(&d, &cur);
    if (!s0.ok) {
        snprintf(err, err_len, "the plan's features of this clip do not have the port's shape");
        goto done;
    }
    {
        size_t nz = 0;
        for (size_t m = 0; m < width; m++) {
            double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
            size_t nt = fcols ? d.C : d.R;
            for (size_t t = 0; t < nt; t++) {
                size_t i = fcols ? m * d.C + t : t * d.C + m;
                if (d.x[i] < xmin) xmin = d.x[i];
                if (d.x[i] > xmax) xmax = d.x[i];
                if (d.y[i] < ymin) ymin = d.y[i];
                if (d.y[i] > ymax) ymax = d.y[i];
            }
            if (nt > 1 && xmax == xmin && ymax - ymin > 1e-3) {
                d.mask[m] = 1;
                nz++;
            }
        }
        if (nz) s0 = eval(&d, &cur);
    }
    {
        score sb = eval(&d, &preset_state);
        if (!sb.ok) { /* the claimed plan's frames, the port's extra ones held against 0 */
            preset_state.plan.n_frames = (int)Tp;
            sb = eval(&d, &preset_state);
        }
        out->residual_before = sb.max;
    }
    /* ---- units: a linear map of the log values */
    {
        size_t cnt = d.R * d.C;
        double a, b, rms_fit = fit_units(d.y, d.x, cnt, &a, &b);
        if (isfinite(rms_fit) && rms_fit < 0.3 * s0.rms && (fabs(a - 1) > 1e-3 || fabs(b) > 1e-3)) {
            const char *nm = units_name(a);
            double sc32 = 2 * log(32768.0);
            wmel_dg_diff *df;
            if (fabs(a - 1) < 1e-3 && fabs(fabs(b) - sc32) < 0.05 && base.log != WMEL_LOG10_CLAMP) {
                df = add_diff(out, "scale");
                df->numeric = 1;
                snprintf(df->preset, sizeof df->preset, "%.17g", base.scale);
                snprintf(df->found, sizeof df->found, "%.17g", b < 0 ? base.scale / 32768.0 : base.scale * 32768.0);
            } else {
                df = add_diff(out, "units");
                snprintf(df->preset, sizeof df->preset, "%s", base.log == WMEL_LOG10_CLAMP ? "log10" : base.log == WMEL_LOG_NONE ? "linear" : "ln");
                if (nm && fabs(b) < 1e-3) snprintf(df->found, sizeof df->found, "%s", nm);
                else snprintf(df->found, sizeof df->found, "x %.6g %+.6g%s%s", a, b, nm ? ": " : "", nm ? nm : "");
            }
            for (size_t i = 0; i < cnt; i++) d.x[i] = (float)((d.x[i] - b) / a);
            s0 = eval(&d, &cur);
        }
    }
    /* the tolerance: float32 rounding of values of this size, or the port's dtype's */
    double amax = 0, ss = 0;
    for (size_t i = 0; i < d.R * d.C; i++)
        if (isfinite(d.x[i])) {
            if (fabs(d.x[i]) > amax) amax = fabs(d.x[i]);
            ss += (double)d.x[i] * d.x[i];
        }
    double big = amax > 1 ? amax : 1, xrms = sqrt(ss / (double)(d.R * d.C));
    /* float32 rounding: kaldi-native-fbank's float32 logs of near-silent bins reach 1.2e-3
       where openai's float32 path stays under 7.2e-5; both keep the RMS under 1e-5 of the
       values' own RMS */
    double tol_max = 2e-3 * big, tol_rms = 1e-5 * (xrms > 1 ? xrms : 1);
    snprintf(out->floor, sizeof out->floor, "float32 rounding");
    if (dtype) {
        double eps = dtype == 1 ? ldexp(1, -11) : ldexp(1, -8);
        tol_max = 128 * eps * big; /* the logs of tiny values in float16 move most */
        tol_rms = 2 * eps * (xrms > 1 ? xrms : 1);
        snprintf(out->floor, sizeof out->floor, "%s rounding", dtype == 1 ? "float16" : "bfloat16");
        wmel_dg_diff *df = add_diff(out, "dtype");
        snprintf(df->preset, sizeof df->preset, "float32");
        snprintf(df->found, sizeof df->found, "%s", dtype == 1 ? "float16" : "bfloat16");
    }
    out->tol = tol_max;
    /* ---- a frame offset: a scan over one hop each way, then halving steps */
    if (s0.rms > tol_rms) {
        long hop = base.hop, step = hop / 8 > 0 ? hop / 8 : 1, best_k = 0;
        score best = s0;
        for (long k = -hop; k <= hop; k += step) {
            if (k == 0) continue;
            state s = cur;
            s.offset = k;
            score sc = eval(&d, &s);
            if (sc.rms < best.rms) {
                best = sc;
                best_k = k;
            }
        }
        if (best_k) {
            for (long sstep = step / 2; sstep >= 1; sstep /= 2) {
                for (int dir = -1; dir <= 1; dir += 2) {
                    state s = cur;
                    s.offset = best_k + dir * sstep;
                    score sc = eval(&d, &s);
                    if (sc.rms < best.rms) {
                        best = sc;
                        best_k = s.offset;
                        break;
                    }
                }
            }
            for (int moved = 1; moved;) { /* single samples until neither side is better */
                moved = 0;
                for (int dir = -1; dir <= 1; dir += 2) {
                    state s = cur;
                    s.offset = best_k + dir;
                    score sc = eval(&d, &s);
                    if (sc.rms < best.rms) {
                        best = sc;
                        best_k = s.offset;
                        moved = 1;
                    }
                }
            }
        }
        if (best_k && best.rms < 0.5 * s0.rms) {
            cur.offset = best_k;
            s0 = best;
        }
    }
    /* ---- the greedy search over the fields */
    int changed[N_FAMS];
    memset(changed, 0, sizeof changed);
    for (int f = 0; f < N_FAMS; f++)
        if (valid_changed && FAMS[f].off == offsetof(wmel_frontend_plan, valid) && FAMS[f].type == F_INT) changed[f] = 1;
    for (int round = 0; round < 6 && (s0.rms > tol_rms || s0.max > tol_max); round++) {
        int bf = -1;
        double bv = 0;
        long b_off = cur.offset;
        score bs = s0;
        for (int f = 0; f < N_FAMS; f++) {
            if (!fam_applies(&cur.plan, &FAMS[f])) continue;
            double now = fam_get(&cur.plan, &FAMS[f]);
            for (int a = 0; a < FAMS[f].n_alt; a++) {
                if (FAMS[f].alt[a] == now) continue;
                state s = cur;
                fam_set(&s.plan, &FAMS[f], FAMS[f].alt[a]);
                if (wmel_plan_check(&s.plan, NULL, 0)) continue;
                score sc = eval(&d, &s);
                long bo = s.offset;
                for (int dir = -1; cur.offset && dir <= 1; dir += 2) { /* an offset found beside a
                                                                          wrong field moves with it */
                    state so = s;
                    so.offset += dir;
                    score so_sc = eval(&d, &so);
                    if (so_sc.ok && so_sc.rms < sc.rms) {
                        sc = so_sc;
                        bo = so.offset;
                    }
                }
                if (sc.ok && sc.rms < bs.rms) {
                    bs = sc;
                    bf = f;
                    bv = FAMS[f].alt[a];
                    b_off = bo;
                }
            }
        }
        if (bf < 0 || bs.rms > 0.85 * s0.rms) break;
        fam_set(&cur.plan, &FAMS[bf], bv);
        cur.offset = b_off;
        changed[bf] = 1;
        s0 = bs;
        if (cur.offset) s0 = refine_offset(&d, &cur, s0);
    }
    /* ---- rows left out that the plan found now computes as the port does */
    {
        char rows[128] = "";
        size_t nz = 0;
        for (size_t m = 0; m < width; m++) {
            if (!d.mask[m]) continue;
            d.mask[m] = 0;
            score sc = eval(&d, &cur);
            if (sc.ok && sc.max <= (s0.max > tol_max ? s0.max : tol_max)) {
                s0 = sc;
                continue;
            }
            d.mask[m] = 1;
            size_t l = strlen(rows);
            if (nz < 8) snprintf(rows + l, sizeof rows - l, "%s%zu", nz ? ", " : "", m);
            nz++;
        }
        if (nz) {
            wmel_dg_diff *df = add_diff(out, "bank");
            snprintf(df->preset, sizeof df->preset, "%zu filters", width);
            snprintf(df->found, sizeof df->found, "mel %s %.60s%s constant (a filter of zero weights)",
                     nz > 1 ? "rows" : "row", rows, nz > 8 ? ", ..." : "");
            s0 = eval(&d, &cur);
        }
    }
    /* ---- each difference taken out alone: dropped when it does not matter, else ranked */
    for (int f = 0; f < N_FAMS; f++) {
        if (!changed[f]) continue;
        double pv = fam_get(&base, &FAMS[f]);
        if (fam_get(&cur.plan, &FAMS[f]) == pv) {
            changed[f] = 0;
            continue;
        }
        state s = cur;
        fam_set(&s.plan, &FAMS[f], pv);
        score sc = eval(&d, &s);
        if (sc.ok && sc.rms < 1.15 * s0.rms && sc.max <= (s0.max > tol_max ? s0.max : tol_max) * 1.15) {
            cur = s;
            s0 = sc;
            changed[f] = 0;
            continue;
        }
        wmel_dg_diff *df = add_diff(out, FAMS[f].name);
        if (!df) break;
        int num;
        fam_text(&FAMS[f], pv, df->preset, sizeof df->preset, &num);
        fam_text(&FAMS[f], fam_get(&cur.plan, &FAMS[f]), df->found, sizeof df->found, &df->numeric);
        df->without = sc.max;
    }
    if (cur.offset) {
        wmel_dg_diff *df = add_diff(out, "pad_left");
        if (df) {
            long left = base.framing != WMEL_FRAMES_SNIP ? base.n_fft / 2 : base.pad_left;
            df->numeric = 1;
            snprintf(df->preset, sizeof df->preset, "%ld", left);
            snprintf(df->found, sizeof df->found, "%ld", left - cur.offset);
            state s = cur;
            s.offset = 0;
            df->without = eval(&d, &s).max;
            char t[96];
            snprintf(t, sizeof t, "the port's frames are %ld samples %s", labs(cur.offset), cur.offset > 0 ? "late" : "early");
            add_note(out, t);
        }
    }
    /* rank: the largest residual left when a difference is taken out first */
    for (int i = 0; i < out->n_diff; i++)
        for (int j = i + 1; j < out->n_diff; j++)
            if (out->diff[j].without > out->diff[i].without) {
                wmel_dg_diff t = out->diff[i];
                out->diff[i] = out->diff[j];
                out->diff[j] = t;
            }
    out->residual_after = s0.max;
    out->rms_after = s0.rms;
    out->explained = s0.max <= tol_max && s0.rms <= tol_rms;
    out->matches = out->explained && out->n_diff == 0;
    out->evals = d.evals;
    rc = 0;
done:
    free(d.x);
    free(d.mask);
    free(d.a);
    free(d.y);
    return rc;
}

/* ---- output */
static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 4, 5)));
static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(*len < cap ? buf + *len : NULL, *len < cap ? cap - *len : 0, fmt, ap);
    va_end(ap);
    if (k > 0) *len += (size_t)k;
}
static void put_str(char *buf, size_t cap, size_t *len, const char *s)
{
    put(buf, cap, len, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') put(buf, cap, len, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) put(buf, cap, len, "\\u%04x", (unsigned char)*s);
        else put(buf, cap, len, "%c", *s);
    }
    put(buf, cap, len, "\"");
}

static void put_num(char *buf, size_t cap, size_t *len, double v)
{
    if (isfinite(v)) put(buf, cap, len, "%.6g", v);
    else put(buf, cap, len, "null");
}

int wmel_dg_json(const wmel_dg_result *r, char *buf, size_t cap)
{
    size_t len = 0;
    put(buf, cap, &len, "{\"matches\": %s, \"explained\": %s, \"differences\": [", r->matches ? "true" : "false",
        r->explained ? "true" : "false");
    for (int i = 0; i < r->n_diff; i++) {
        const wmel_dg_diff *df = &r->diff[i];
        put(buf, cap, &len, "%s{\"field\": ", i ? ", " : "");
        put_str(buf, cap, &len, df->field);
        put(buf, cap, &len, ", \"preset\": ");
        if (df->numeric) put(buf, cap, &len, "%s", df->preset);
        else put_str(buf, cap, &len, df->preset);
        put(buf, cap, &len, ", \"found\": ");
        if (df->numeric) put(buf, cap, &len, "%s", df->found);
        else put_str(buf, cap, &len, df->found);
        if (df->without >= 0) {
            put(buf, cap, &len, ", \"residual_without\": ");
            put_num(buf, cap, &len, df->without);
        }
        put(buf, cap, &len, "}");
    }
    put(buf, cap, &len, "], \"residual_before\": ");
    put_num(buf, cap, &len, r->residual_before);
    put(buf, cap, &len, ", \"residual_after\": ");
    put_num(buf, cap, &len, r->residual_after);
    put(buf, cap, &len, ", \"tolerance\": %.6g, \"floor\": ", r->tol);
    put_str(buf, cap, &len, r->floor);
    put(buf, cap, &len, ", \"notes\": ");
    put_str(buf, cap, &len, r->notes);
    put(buf, cap, &len, ", \"candidates\": %zu}", r->evals);
    if (len >= cap) return -1;
    return (int)len;
}

int wmel_dg_text(const wmel_dg_result *r, char *buf, size_t cap)
{
    size_t len = 0;
    if (r->matches) {
        put(buf, cap, &len, "matches within %s: max %.3g (tolerance %.3g)\n", r->floor, r->residual_after, r->tol);
    } else {
        if (!r->explained)
            put(buf, cap, &len, "no plan near this preset explains it; the best candidate (remaining max %.3g, "
                "tolerance %.3g):\n", r->residual_after, r->tol);
        for (int i = 0; i < r->n_diff; i++) {
            const wmel_dg_diff *df = &r->diff[i];
            put(buf, cap, &len, "%s: %s, preset %s", df->field, df->found, df->preset);
            if (df->without >= 0) put(buf, cap, &len, " -- max %.3g without it", df->without);
            put(buf, cap, &len, "\n");
        }
        put(buf, cap, &len, "residual: max %.3g before, %.3g after%s%s\n", r->residual_before, r->residual_after,
            r->explained ? ", " : "", r->explained ? r->floor : "");
    }
    if (r->notes[0]) put(buf, cap, &len, "notes: %s\n", r->notes);
    if (len >= cap) return -1;
    return (int)len;
}
