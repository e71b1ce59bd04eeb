/*
 * test_lfr.c -- the plan's stacking variants, deltas and CMVN (wmel.h, "Stacking, deltas";
 * wmel_cmvn_parse): LFR m/n (stack_stride, stack_left, the last-frame tail), the stack's
 * tail rules (drop, trim, fill), delta_win and the per-column affine on the stacked rows.
 *   - each plan's CPU output at every ISA level the machine has, on one and on three
 *     threads, against the float64 reference within 2e-5 x max(1, |ref|) (1e-4 with mean /
 *     variance statistics, as the seamless preset itself), on edge lengths
 *     (0, 1, one frame and a sample either side, odd and even frame counts, a second),
 *     silence, noise and a chirp, the statuses equal;
 *   - the definition, bit for bit: the same plan without those fields (stack 1) gives the
 *     frames T; LFR rows, the tail rules and the deltas are then built here from them;
 *   - the sliding buffer and wmel_long_* equal wmel_features() bit for bit;
 *   - plan checks name the field; JSON round trips; wmel_plan_set's options;
 *   - CMVN files: Kaldi text and binary (FM, DM) statistics and FunASR's am.mvn give the
 *     documented affine; malformed files are refused with a sentence; random mutations of
 *     valid files never crash.
 */
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    wmel_frontend_plan p;
    const double *cs, *ch; /* a per-column affine, or NULL */
    size_t ncs;
} pcase;

static wmel_ctx *ctx_for(const pcase *c, int backend, int isa, int threads, int *st)
{
    const wmel_params p = t_params(backend, isa, threads);
    if (c->cs) return wmel_create_plan_cols(&p, &c->p, c->cs, c->ch, c->ncs, st);
    return wmel_create_plan(&p, &c->p, st);
}

static float *features(wmel_ctx *ctx, const float *x, size_t n, size_t *rows, size_t *cols, int *st)
{
    *rows = *cols = 0;
    *st = wmel_features_shape(ctx, n, rows, cols);
    if (*st) return NULL;
    const size_t cnt = *rows * *cols;
    float *o = malloc((cnt ? cnt : 1) * sizeof(float));
    *st = wmel_features(ctx, x, n, o, *rows * *cols);
    return o;
}

static const size_t LENS[] = {0, 1, 255, 256, 257, 399, 400, 401, 559, 560, 561, 720, 880, 1040, 1600, 1601, 4799, 16000};

static double against_ref(const pcase *c)
{
    int st;
    wmel_ctx *ref = ctx_for(c, WMEL_BACKEND_REF, WMEL_ISA_AUTO, 1, &st);
    CHECK(ref && st == WMEL_OK, "%s: ref ctx %s", c->name, wmel_strerror(st));
    if (!ref) return 0.0;
    static const int isas[] = {WMEL_ISA_C, WMEL_ISA_AVX2, WMEL_ISA_AVX512, WMEL_ISA_NEON};
    char seen[4][64] = {{0}};
    double worst = 0.0;
    for (int ii = 0; ii < 4; ii++)
        for (int threads = 1; threads <= 3; threads += 2) {
            wmel_ctx *cpu = ctx_for(c, WMEL_BACKEND_CPU, isas[ii], threads, &st);
            CHECK(cpu && st == WMEL_OK, "%s: cpu ctx %s", c->name, wmel_strerror(st));
            if (!cpu) continue;
            const char *kn = wmel_kernel_name(cpu);
            int dup = 0;
            for (int j = 0; j < ii; j++) dup |= !strcmp(seen[j], kn);
            if (threads == 1) snprintf(seen[ii], sizeof seen[ii], "%s", kn);
            if (dup) {
                wmel_destroy(cpu);
                continue;
            }
            for (size_t li = 0; li < sizeof LENS / sizeof LENS[0]; li++)
                for (int kind = 0; kind < 3; kind++) {
                    const size_t n = LENS[li];
                    float *x = t_signal(kind, n, (unsigned)(li * 7 + kind), 0.5f);
                    size_t r1, c1, r2, c2;
                    int s1, s2;
                    float *a = features(ref, x, n, &r1, &c1, &s1), *b = features(cpu, x, n, &r2, &c2, &s2);
                    CHECK(s1 == s2 && r1 == r2 && c1 == c2, "%s n %zu kind %d: status/shape ref %d %zux%zu, cpu %d %zux%zu",
                          c->name, n, kind, s1, r1, c1, s2, r2, c2);
                    if (s1 == WMEL_OK && s2 == WMEL_OK && r1 == r2 && c1 == c2) {
                        double e = 0.0;
                        size_t at = 0;
                        for (size_t i = 0; i < r1 * c1; i++) {
                            const double d = fabs((double)a[i] - b[i]) / fmax(1.0, fabs(a[i]));
                            if (!(d <= e)) e = d, at = i;
                        }
                        /* the mean_var / per_feature statistics of a few frames (1601 samples: 8) of a
                           chirp divide by a small deviation: 7.2e-5 on the seamless preset itself,
                           without a post stage (the first case) */
                        const double bound = c->p.norm == WMEL_NORM_MEAN_VAR || c->p.norm == WMEL_NORM_PER_FEATURE
                                                 ? 1e-4 : 2e-5;
                        CHECK(e <= bound, "%s n %zu kind %d, %s, %d threads: error %.3g at %zu", c->name, n, kind,
                              seen[ii], threads, e, at);
                        if (e > worst) worst = e;
                    }
                    free(a);
                    free(b);
                    free(x);
                }
            wmel_destroy(cpu);
        }
    wmel_destroy(ref);
    return worst;
}

/* The definition, from the plan's frames without the post stage: bit for bit. */
static void definition(const pcase *c)
{
    const wmel_frontend_plan *p = &c->p;
    pcase bc = *c;
    wmel_frontend_plan *b = &bc.p;
    b->stack = 1, b->stack_stride = 0, b->stack_left = 0, b->stack_tail = 0, b->stack_fill = 0.0, b->delta_win = 0;
    b->cols_stacked = 0;
    if (p->cols_stacked) bc.cs = bc.ch = NULL, bc.ncs = 0;
    const size_t m = (size_t)p->stack, S = (size_t)(p->stack_stride ? p->stack_stride : p->stack);
    const size_t L = (size_t)p->stack_left, N = p->delta_win ? (size_t)(p->delta_win - 1) / 2 : 0;
    const double den = (double)N * (N + 1) * (2 * N + 1) / 3.0;
    int st;
    wmel_ctx *full = ctx_for(c, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 3, &st);
    for (size_t li = 0; full && li < sizeof LENS / sizeof LENS[0]; li++) {
        const size_t n = LENS[li];
        float *x = t_signal(2, n, (unsigned)li + 99, 0.5f);
        size_t R = 0, C = 0, T = 0, w = 0;
        int s1, s2 = -1;
        float *got = features(full, x, n, &R, &C, &s1);
        if (p->stack_tail == WMEL_STACK_TAIL_TRIM) { /* the frames of whole rows: n_frames */
            wmel_frontend_plan q = *b;
            wmel_ctx *probe = wmel_create_plan(NULL, &q, &st);
            size_t r0 = 0, c0 = 0;
            if (probe && wmel_features_shape(probe, n, &r0, &c0) == WMEL_OK) b->n_frames = (int)(r0 / m * m);
            wmel_destroy(probe);
        }
        wmel_ctx *base = ctx_for(&bc, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
        float *f = base ? features(base, x, n, &T, &w, &s2) : NULL;
        b->n_frames = c->p.n_frames;
        if (p->stack_tail == WMEL_STACK_TAIL_TRIM && s1 == WMEL_OK && R == 0) { /* no whole row */
            free(got), free(f), free(x), wmel_destroy(base);
            continue;
        }
        CHECK(base && s1 == s2, "%s n %zu: status %d, base %d", c->name, n, s1, s2);
        if (s1 == WMEL_OK && s2 == WMEL_OK) {
            const int drop = p->stack_tail == WMEL_STACK_TAIL_DROP || p->stack_tail == WMEL_STACK_TAIL_TRIM;
            const size_t rows = drop ? T / m : (T + S - 1) / S, wd = w * (N ? 2 : 1);
            CHECK(R == rows && C == m * wd, "%s n %zu: shape %zux%zu, expected %zux%zu", c->name, n, R, C, rows, m * wd);
            float *e = malloc((rows * m * wd + 1) * sizeof(float));
            for (size_t r = 0; r < rows; r++)
                for (size_t k = 0; k < m; k++) {
                    float *o = e + (r * m + k) * wd;
                    size_t s = r * S + k;
                    s = s < L ? 0 : s - L;
                    if (s >= T && p->stack_tail != WMEL_STACK_TAIL_LAST) {
                        for (size_t j = 0; j < wd; j++)
                            o[j] = p->stack_tail == WMEL_STACK_TAIL_FILL ? (float)p->stack_fill : 0.0f;
                        continue;
                    }
                    if (s >= T) s = T - 1;
                    for (size_t cc = 0; cc < w; cc++) {
                        o[cc] = f[s * w + cc];
                        if (!N) continue;
                        double d = 0.0;
                        for (size_t j = 1; j <= N; j++)
                            d += (double)j * ((double)f[(s + j < T ? s + j : T - 1) * w + cc] - (double)f[(s >= j ? s - j : 0) * w + cc]);
                        o[w + cc] = (float)(d / den);
                    }
                }
            if (p->cols_stacked && c->cs)
                for (size_t r = 0; r < rows; r++)
                    for (size_t j = 0; j < m * wd; j++)
                        e[r * m * wd + j] = (float)((double)e[r * m * wd + j] * c->cs[j] + c->ch[j]);
            CHECK(R == rows && !memcmp(e, got, R * C * sizeof(float)), "%s n %zu: the output is not the definition's",
                  c->name, n);
            free(e);
        }
        free(got), free(f), free(x);
        wmel_destroy(base);
    }
    wmel_destroy(full);
}

/* The sliding buffer and the long-input path equal wmel_features(), bit for bit. */
static void paths_same(const pcase *c)
{
    int st;
    wmel_ctx *ctx = ctx_for(c, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2, &st);
    CHECK(ctx != NULL, "%s: ctx", c->name);
    if (!ctx) return;
    const size_t total = 40000;
    float *x = t_signal(0, total, 5, 0.5f);
    wmel_sliding *b = wmel_sliding_create(ctx, &st);
    CHECK(b != NULL, "%s: sliding create", c->name);
    size_t pos = 0, len = 0;
    for (int step = 0; b && step < 24; step++) {
        const size_t k = 1 + (size_t)(t_rnd() % 3000);
        if (pos + k > total) break;
        wmel_sliding_push(b, x + pos, k);
        pos += k;
        len += k;
        if (step % 5 == 4 && len > 4000) {
            const size_t t = (step % 10 == 4) ? 1600 : 1234;
            wmel_sliding_trim(b, t);
            len -= t;
        }
        const float *held = wmel_sliding_samples(b);
        size_t r1, c1, r2, c2;
        int s1, s2;
        float *want = features(ctx, held, len, &r2, &c2, &s2);
        s1 = wmel_sliding_shape(b, 0, &r1, &c1);
        CHECK(s1 == s2 && r1 == r2 && c1 == c2, "%s sliding: shape", c->name);
        float *got = malloc((r1 * c1 + 1) * sizeof(float));
        s1 = wmel_sliding_features(b, 0, got, r1 * c1);
        CHECK(s1 == s2 && (s1 || !memcmp(got, want, r1 * c1 * sizeof(float))), "%s sliding %zu samples: %d/%d, differs",
              c->name, len, s1, s2);
        const float *view;
        size_t vr, vc, vs;
        if (s1 == WMEL_OK) {
            CHECK(wmel_sliding_view(b, 0, &view, &vr, &vc, &vs) == WMEL_OK && vr == r1 && vc == c1 &&
                      !memcmp(view, want, r1 * c1 * sizeof(float)),
                  "%s sliding view", c->name);
        }
        free(got), free(want);
    }
    wmel_sliding_destroy(b);
    const size_t lens[] = {401, 1040, 16000, 40000};
    for (size_t li = 0; li < 4; li++) {
        const size_t n = lens[li];
        size_t R, C;
        float *want = features(ctx, x, n, &R, &C, &st);
        wmel_long *l = wmel_long_create(ctx, li % 2 ? 0 : 1 << 20, &st);
        for (size_t p0 = 0; l && p0 < n; p0 += 7001) wmel_long_push(l, x + p0, n - p0 < 7001 ? n - p0 : 7001);
        CHECK(l && wmel_long_finish(l) == WMEL_OK, "%s long finish", c->name);
        t_sink sk = {malloc((R * C + 1) * sizeof(float)), 0, R * C};
        CHECK(l && wmel_long_write(l, t_sink_take, &sk) == WMEL_OK && sk.n == R * C && !memcmp(sk.v, want, R * C * sizeof(float)),
              "%s long %zu samples: differs from wmel_features", c->name, n);
        free(sk.v), free(want);
        wmel_long_destroy(l);
    }
    free(x);
    wmel_destroy(ctx);
}

static wmel_frontend_plan preset(const char *name)
{
    wmel_frontend_plan p;
    char why[300];
    int rc = wmel_preset_plan(name, &p, why, sizeof why);
    CHECK(rc == WMEL_OK, "preset %s: %s", name, why);
    return p;
}

static void check_refusals(void)
{
    wmel_frontend_plan p = preset("fun-asr-nano"), q;
    char why[400];
    q = p, q.stack_left = 7;
    CHECK(wmel_plan_check(&q, why, sizeof why) == WMEL_ERR_INVALID_ARG && strstr(why, "stack_left 7"), "stack_left: %s", why);
    q = p, q.stack_stride = 9;
    CHECK(wmel_plan_check(&q, why, sizeof why) == WMEL_ERR_INVALID_ARG && strstr(why, "stack_stride 9"), "stride: %s", why);
    q = p, q.stack_tail = WMEL_STACK_TAIL_DROP;
    CHECK(wmel_plan_check(&q, why, sizeof why) == WMEL_ERR_INVALID_ARG && strstr(why, "stack_tail drop"), "drop: %s", why);
    q = p, q.stack_tail = 9;
    CHECK(wmel_plan_check(&q, why, sizeof why) == WMEL_ERR_INVALID_ARG && strstr(why, "stack_tail 9"), "tail: %s", why);
    q = p, q.stack_fill = 1.0;
    CHECK(wmel_plan_check(&q, why, sizeof why) == WMEL_ERR_INVALID_ARG && strstr(why, "stack_fill"), "fill: %s", why);
    q = p, q.delta_win = 2;
    CHECK(wmel_plan_check(&q, why, sizeof why) == WMEL_ERR_INVALID_ARG && strstr(why, "delta_win 2"), "delta: %s", why);
    q = p, q.cols_stacked = 2;
    CHECK(wmel_plan_check(&q, why, sizeof why) == WMEL_ERR_INVALID_ARG && strstr(why, "cols_stacked 2"), "cols: %s", why);
    q = preset("nemo"), q.delta_win = 3; /* [mels][frames] */
    CHECK(wmel_plan_check(&q, why, sizeof why) == WMEL_ERR_INVALID_ARG && strstr(why, "delta_win") &&
              strstr(why, "FRAMES_MELS"),
          "layout: %s", why);
    /* wmel_plan_set */
    q = preset("kaldi");
    CHECK(wmel_plan_set(&q, "lfr", "7/6", why, sizeof why) == WMEL_OK && q.stack == 7 && q.stack_stride == 6 &&
              q.stack_left == 3 && q.stack_tail == WMEL_STACK_TAIL_LAST,
          "lfr 7/6: %s", why);
    CHECK(wmel_plan_set(&q, "lfr", "9/6", why, sizeof why) == WMEL_ERR_INVALID_ARG && strstr(why, "lfr 9/6"), "lfr 9/6");
    CHECK(wmel_plan_set(&q, "stack_tail", "fill:1.5", why, sizeof why) == WMEL_OK && q.stack_fill == 1.5, "fill");
    CHECK(wmel_plan_set(&q, "stack_tail", "fill:x", why, sizeof why) == WMEL_ERR_INVALID_ARG && strstr(why, "stack_tail"),
          "fill:x");
    CHECK(wmel_plan_set(&q, "delta_win", "64", why, sizeof why) == WMEL_ERR_INVALID_ARG && strstr(why, "delta_win 64"),
          "delta 64");
    /* create_plan_cols: the length follows cols_stacked */
    q = preset("funasr");
    double v[560];
    for (int i = 0; i < 560; i++) v[i] = 1.0;
    int st;
    wmel_ctx *x = wmel_create_plan_cols(NULL, &q, v, v, 80, &st);
    CHECK(!x && st == WMEL_ERR_INVALID_ARG, "funasr cols 80 refused");
    x = wmel_create_plan_cols(NULL, &q, v, v, 560, &st);
    CHECK(x && st == WMEL_OK, "funasr cols 560");
    double back[560];
    CHECK(x && wmel_ctx_cols(x, back, back, 560) == WMEL_OK && back[559] == 1.0, "ctx cols");
    wmel_destroy(x);
}

static void json_round_trips(const pcase *cs, int nc)
{
    for (int i = 0; i < nc; i++) {
        char buf[WMEL_PLAN_JSON_MAX], why[400];
        wmel_frontend_plan back;
        int rc = wmel_plan_to_json(&cs[i].p, buf, sizeof buf, why, sizeof why);
        CHECK(rc == WMEL_OK, "%s to json: %s", cs[i].name, why);
        rc = rc ? rc : wmel_plan_from_json(buf, strlen(buf), &back, why, sizeof why);
        CHECK(rc == WMEL_OK && !memcmp(&back, &cs[i].p, sizeof back), "%s: JSON round trip (%s)", cs[i].name, why);
    }
}

/* ---- CMVN files ---- */

static size_t put_i32(unsigned char *b, int v)
{
    b[0] = 4;
    for (int i = 0; i < 4; i++) b[1 + i] = (unsigned char)((unsigned)v >> (8 * i));
    return 5;
}

static void cmvn_files(void)
{
    /* statistics of D = 3: sums, count 10; sums of squares */
    const double st[2][4] = {{10.0, -20.0, 5.0, 10.0}, {30.0, 50.0, 2.5, 0.0}};
    double sc[8], sh[8];
    size_t n = 0;
    char why[400], text[512];
    snprintf(text, sizeof text, "global_cmvn  [\n  %.17g %.17g %.17g %.17g\n  %.17g %.17g %.17g %.17g ]\n", st[0][0], st[0][1],
             st[0][2], st[0][3], st[1][0], st[1][1], st[1][2], st[1][3]);
    int rc = wmel_cmvn_parse(text, strlen(text), sc, sh, 8, &n, why, sizeof why);
    CHECK(rc == WMEL_OK && n == 3, "kaldi text: %d %s", rc, why);
    for (size_t d = 0; rc == WMEL_OK && d < 3; d++) {
        const double mean = st[0][d] / 10.0;
        double var = st[1][d] / 10.0 - mean * mean;
        if (var < 1e-20) var = 1e-20;
        CHECK(sc[d] == 1.0 / sqrt(var) && sh[d] == -mean * (1.0 / sqrt(var)), "kaldi text dim %zu: %g %g", d, sc[d], sh[d]);
    }
    CHECK(sc[2] == 1e10, "the variance floor 1e-20 (dimension 2: var 0)");
    /* binary, double and float */
    for (int dbl = 0; dbl < 2; dbl++) {
        unsigned char bin[256];
        size_t k = 0;
        memcpy(bin, "cmvn \0B", 7), k = 7;
        memcpy(bin + k, dbl ? "DM " : "FM ", 3), k += 3;
        k += put_i32(bin + k, 2);
        k += put_i32(bin + k, 4);
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 4; c++) {
                if (dbl) {
                    memcpy(bin + k, &st[r][c], 8); /* little-endian hosts */
                    k += 8;
                } else {
                    const float f = (float)st[r][c];
                    memcpy(bin + k, &f, 4);
                    k += 4;
                }
            }
        double sc2[8], sh2[8];
        rc = wmel_cmvn_parse(bin, k, sc2, sh2, 8, &n, why, sizeof why);
        CHECK(rc == WMEL_OK && n == 3 && !memcmp(sc2, sc, 3 * sizeof(double)) && !memcmp(sh2, sh, 3 * sizeof(double)),
              "kaldi binary %s: %d %s", dbl ? "DM" : "FM", rc, why);
        /* every truncation is refused, never read past the end */
        for (size_t cut = 0; cut < k; cut++) {
            unsigned char *t = malloc(cut ? cut : 1);
            memcpy(t, bin, cut);
            rc = wmel_cmvn_parse(t, cut, sc2, sh2, 8, &n, why, sizeof why);
            CHECK(rc == WMEL_ERR_INVALID_ARG && why[0], "binary cut at %zu: %d", cut, rc);
            free(t);
        }
    }
    /* am.mvn */
    const char *am = "<Nnet>\n<Splice> 3 3\n[ 0 ]\n<AddShift> 3 3\n<LearnRateCoef> 0 [ -1.5 2 0.25 ]\n"
                     "<Rescale> 3 3\n<LearnRateCoef> 0 [ 0.5 4 -2 ]\n</Nnet>\n";
    rc = wmel_cmvn_parse(am, strlen(am), sc, sh, 8, &n, why, sizeof why);
    CHECK(rc == WMEL_OK && n == 3 && sc[0] == 0.5 && sh[0] == -0.75 && sc[1] == 4 && sh[1] == 8 && sh[2] == -0.5,
          "am.mvn: %d %s", rc, why);
    CHECK(wmel_cmvn_parse(am, strlen(am), sc, sh, 2, &n, why, sizeof why) == WMEL_ERR_BUFFER_TOO_SMALL && n == 3,
          "am.mvn: cap 2");
    /* malformed */
    static const char *const badf[] = {
        "",
        "hello",
        "[ 1 2 3\n 4 5 6 ]",                     /* count 3 is fine, but rows of 3: D 2 -> ok? no: count 3 */
        "[ 1 2 0\n 4 5 6 ]",                     /* count 0 */
        "[ 1 2 3\n 4 5 ]",                       /* rows differ */
        "[ 1 2 3\n 4 5 6\n 7 8 9 ]",             /* three rows */
        "[ 1 x 3\n 4 5 6 ]",                     /* not a number */
        "[ 1 2 3\n 4 5 6",                       /* no ] */
        "[ 1 nan 3\n 4 5 6 ]",                   /* not finite */
        "<AddShift> 2 2\n<LearnRateCoef> 0 [ 1 2 ]\n", /* no Rescale */
        "<AddShift> 2 2\n<LearnRateCoef> 0 [ 1 2 ]\n<Rescale> 3 3\n<LearnRateCoef> 0 [ 1 2 3 ]\n",
        "<AddShift> 2 2\n<LearnRateCoef> 0 [ 1 2 \n<Rescale>",
        "\0B CM ",
    };
    static const size_t badlen[] = {0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
    for (size_t i = 0; i < sizeof badf / sizeof badf[0]; i++) {
        if (i == 2) continue; /* a valid file: count 3 */
        const size_t len = badlen[i] ? badlen[i] : strlen(badf[i]);
        why[0] = '\0';
        rc = wmel_cmvn_parse(badf[i], len, sc, sh, 8, &n, why, sizeof why);
        CHECK(rc == WMEL_ERR_INVALID_ARG && why[0], "malformed %zu: %d (%s)", i, rc, why);
    }
    CHECK(wmel_cmvn_load("/nonexistent/cmvn.ark", sc, sh, 8, &n, why, sizeof why) == WMEL_ERR_IO && strstr(why, "nonexistent"),
          "load: missing file");
    /* random mutations of the valid files: a status, never a crash or a read past the end */
    const char *valid[] = {text, am};
    for (int it = 0; it < 4000; it++) {
        const char *v = valid[it & 1];
        const size_t len = strlen(v);
        unsigned char *t = malloc(len);
        memcpy(t, v, len);
        for (int k = 0; k < 1 + (int)(t_rnd() % 4); k++) t[t_rnd() % len] = (unsigned char)t_rnd();
        const size_t cut = len - t_rnd() % 8;
        rc = wmel_cmvn_parse(t, cut, sc, sh, 8, &n, why, sizeof why);
        CHECK(rc == WMEL_OK || rc == WMEL_ERR_INVALID_ARG || rc == WMEL_ERR_BUFFER_TOO_SMALL, "mutation: %d", rc);
        free(t);
    }
}

int main(void)
{
    static double scale560[560], shift560[560], scale80[80], shift80[80];
    for (int i = 0; i < 560; i++) scale560[i] = 0.1 + 0.001 * i, shift560[i] = -1.0 + 0.01 * (i % 80);
    for (int i = 0; i < 80; i++) scale80[i] = 0.2 + 0.01 * i, shift80[i] = 0.5 - 0.02 * i;
    pcase cs[16];
    int nc = 0;
    cs[nc++] = (pcase){"seamless (no post stage)", preset("seamless"), NULL, NULL, 0};
    cs[nc++] = (pcase){"fun-asr-nano", preset("fun-asr-nano"), NULL, NULL, 0};
    cs[nc++] = (pcase){"funasr+am.mvn", preset("funasr"), scale560, shift560, 560};
    cs[nc++] = (pcase){"firered+cmvn", preset("firered"), scale80, shift80, 80};
    cs[nc++] = (pcase){"granite-speech", preset("granite-speech"), NULL, NULL, 0};
    cs[nc++] = (pcase){"granite-speech5", preset("granite-speech5"), NULL, NULL, 0};
    cs[nc++] = (pcase){"xcodec2", preset("xcodec2"), NULL, NULL, 0};
    wmel_frontend_plan p = preset("kaldi");
    char why[300];
    wmel_plan_set(&p, "lfr", "5/1", why, sizeof why); /* FSMN-VAD */
    cs[nc++] = (pcase){"lfr 5/1", p, NULL, NULL, 0};
    p = preset("seamless"); /* mean_var, deltas of window 5, stack 3 zero tail, the per-column affine before */
    p.stack = 3, p.delta_win = 5;
    cs[nc++] = (pcase){"mean_var+deltas5+stack3", p, scale80, shift80, 80};
    p = preset("seamless");
    p.stack = 2, p.stack_tail = WMEL_STACK_TAIL_TRIM; /* statistics over the trimmed frames */
    cs[nc++] = (pcase){"mean_var+trim", p, NULL, NULL, 0};
    p = preset("kaldi");
    p.stack = 4, p.stack_stride = 3, p.stack_left = 2, p.stack_tail = WMEL_STACK_TAIL_FILL, p.stack_fill = -2.5;
    p.delta_win = 7, p.use_energy = 1;
    cs[nc++] = (pcase){"stride3 left2 fill deltas7 energy", p, NULL, NULL, 0};
    p = preset("kaldi");
    p.stack = 3, p.stack_stride = 5; /* rows skip frames */
    cs[nc++] = (pcase){"stride5 > stack3", p, NULL, NULL, 0};
    for (int i = 0; i < nc; i++) {
        char w2[300];
        CHECK(wmel_plan_check(&cs[i].p, w2, sizeof w2) == WMEL_OK, "%s: %s", cs[i].name, w2);
    }
    for (int i = 0; i < nc; i++) {
        const double e = against_ref(&cs[i]);
        printf("  %-36s max error vs the reference %.3g\n", cs[i].name, e);
        definition(&cs[i]);
        paths_same(&cs[i]);
    }
    check_refusals();
    json_round_trips(cs, nc);
    cmvn_files();
    return t_done("test_lfr");
}
