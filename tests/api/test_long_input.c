/*
 * test_long_input.c -- long inputs in bounded memory (wmel_long_*) through the public header:
 * for every preset (Whisper 80 and 128, NeMo, NeMo legacy, Kaldi, Seamless) and variants
 * (each normalisation, energy, pad_to, both layouts, a general plan normalised with the
 * largest value; the appended finish variants: all-features, population and mean-only
 * statistics, eps 0, the affine, the per-column affine, n_frames with pad_value, a fixed max
 * and range), the output written through the callback against wmel_features() of the
 * whole input, byte for byte; with memory bounds that keep every block in the temporary
 * file, one block in memory, or all of them; pushes of 1, 159, 160 and 4097 samples and
 * random sizes; the edge lengths (0, 1, one frame, a frame +- 1, a block of frames +- 1);
 * NaN, Inf and too-large samples, alone and together, against wmel_features()'s statuses;
 * a temporary file that cannot be created, a callback that fails, refused ctxs. The
 * normalisation's means and denominators (doubles) are held to wmel__fe_stats_f()'s over
 * the whole clip bit for bit too: a sum taken in another order would seldom move a float32
 * of the output (summing in chunks of 128 instead of 64 fails 71 checks here, none of them
 * an output's).
 *
 * Threshold: none -- every comparison is memcmp or a status.
 */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include "fe/fe.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int whisper;  /* 1: wmel_create (Whisper's own ctx) */
    int frontend, n_mels;
    int norm;     /* 0: the preset's, else WMEL_NORM_* + 1 */
    int layout;   /* 0: the preset's, else WMEL_LAYOUT_* + 1 */
    int use_energy, pad_to, log;
    int n_ceps;   /* > 0: the cepstra (lifter 22) */
} long_case;

static const long_case CASES[] = {
    {"whisper 80", 1, 0, 80, 0, 0, 0, 0, 0, 0},
    {"whisper 128 none", 1, 0, 128, WMEL_NORM_NONE + 1, 0, 0, 0, 0, 0},
    {"whisper plan 128", 0, WMEL_FRONTEND_WHISPER, 128, 0, 0, 0, 0, 0, 0},
    {"nemo", 0, WMEL_FRONTEND_NEMO, 80, 0, 0, 0, 0, 0, 0},
    {"nemo 128 pad_to 16", 0, WMEL_FRONTEND_NEMO, 128, 0, 0, 0, 16, 0, 0},
    {"nemo none", 0, WMEL_FRONTEND_NEMO, 80, WMEL_NORM_NONE + 1, 0, 0, 0, 0, 0},
    {"nemo frames x mels", 0, WMEL_FRONTEND_NEMO, 64, 0, WMEL_LAYOUT_FRAMES_MELS + 1, 0, 0, 0, 0},
    {"nemo whole", 0, WMEL_FRONTEND_NEMO, 80, WMEL_NORM_WHOLE + 1, 0, 0, 0, 0, 0},
    {"nemo legacy", 0, WMEL_FRONTEND_NEMO_LEGACY, 80, 0, 0, 0, 0, 0, 0},
    {"kaldi", 0, WMEL_FRONTEND_KALDI, 80, 0, 0, 0, 0, 0, 0},
    {"kaldi energy mean_var", 0, WMEL_FRONTEND_KALDI, 23, WMEL_NORM_MEAN_VAR + 1, 0, 1, 0, 0, 0},
    {"kaldi mels x frames per_feature", 0, WMEL_FRONTEND_KALDI, 40, WMEL_NORM_PER_FEATURE + 1,
     WMEL_LAYOUT_MELS_FRAMES + 1, 1, 0, 0, 0},
    {"seamless", 0, WMEL_FRONTEND_SEAMLESS, 80, 0, 0, 0, 0, 0, 0},
    {"seamless none", 0, WMEL_FRONTEND_SEAMLESS, 80, WMEL_NORM_NONE + 1, 0, 0, 0, 0, 0},
    {"kaldi mfcc 13 of 23 energy mean_var", 0, WMEL_FRONTEND_KALDI, 23, WMEL_NORM_MEAN_VAR + 1, 0, 1, 0, 0, 13},
    {"nemo mfcc 20 of 40", 0, WMEL_FRONTEND_NEMO, 40, 0, 0, 0, 0, 0, 20},
};
#define N_CASES (sizeof CASES / sizeof CASES[0])

static wmel_ctx *case_ctx(const long_case *lc, int threads)
{
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CPU;
    p.n_threads = threads;
    int st;
    wmel_ctx *c;
    if (lc->whisper) {
        p.n_mels = lc->n_mels;
        if (lc->norm) p.norm = lc->norm - 1;
        c = wmel_create(&p, &st);
    } else {
        wmel_frontend_plan plan;
        st = wmel_frontend_preset(lc->frontend, lc->n_mels, &plan);
        CHECK(st == WMEL_OK, "%s: preset %d", lc->name, st);
        if (lc->norm) plan.norm = lc->norm - 1;
        if (lc->layout) plan.layout = lc->layout - 1;
        if (lc->use_energy) plan.use_energy = 1;
        if (lc->pad_to) plan.pad_to = lc->pad_to;
        if (lc->log) plan.log = lc->log - 1;
        if (lc->n_ceps) plan.n_ceps = lc->n_ceps, plan.cepstral_lifter = 22.0;
        c = wmel_create_plan(&p, &plan, &st);
    }
    CHECK(c && st == WMEL_OK, "%s: create %s", lc->name, wmel_strerror(st));
    return c;
}

/* The callback's sink: the values appended; fail_at > 0 fails that call (1-based). */
typedef struct sink {
    float *v;
    size_t n, cap;
    size_t calls, fail_at;
} sink;

static int to_sink(void *user, const float *values, size_t n)
{
    sink *s = user;
    if (++s->calls == s->fail_at) return -42;
    if (s->n + n > s->cap) return WMEL_ERR_BUFFER_TOO_SMALL;
    memcpy(s->v + s->n, values, n * sizeof *values);
    s->n += n;
    return 0;
}

/* Push sizes: 0 random, else that many samples a push. */
static size_t next_push(size_t how) { return how ? how : t_push_size(70000); }

/* The statistics of a finished wmel_long against wmel__fe_stats_f() over the whole clip's
 * unnormalised values (wmel_features() of the same plan with norm none), bit for bit: the
 * outputs alone would seldom show a sum taken in another order (a few ulps of a double
 * rarely move a float32). */
static void check_stats(wmel_ctx *ctx, const wmel_long *l, const char *name, const float *x, size_t n)
{
    const double *mean, *den;
    wmel__long_stats(l, &mean, &den);
    wmel_frontend_plan p;
    wmel_ctx_plan(ctx, &p);
    if (p.norm != WMEL_NORM_PER_FEATURE && p.norm != WMEL_NORM_MEAN_VAR) {
        CHECK(!mean && !den, "%s: statistics without a normalisation", name);
        return;
    }
    CHECK(mean && den, "%s: no statistics", name);
    if (!mean || !den) return;
    if (wmel__fe_ext(&p) || (ctx->fe && ctx->fe->col_scale)) return; /* held by the outputs below */
    const int norm = p.norm;
    p.norm = WMEL_NORM_NONE;
    wmel_params par = wmel_default_params();
    par.backend = WMEL_BACKEND_CPU;
    int st;
    wmel_ctx *raw = wmel_create_plan(&par, &p, &st);
    size_t rows = 0, cols = 0;
    wmel_features_shape(raw, n, &rows, &cols);
    const size_t len = rows * cols;
    float *v = malloc((len ? len : 1) * sizeof *v);
    st = raw ? wmel_features(raw, x, n, v, len) : st;
    CHECK(st == WMEL_OK, "%s: the raw values: %s", name, wmel_strerror(st));
    if (st == WMEL_OK && raw && raw->fe) {
        wmel_fe with_norm = *raw->fe; /* the denominator's form is the plan's norm */
        with_norm.p.norm = norm;
        const wmel_fe *fe = &with_norm;
        const size_t nc = (size_t)fe->n_cols, nv = wmel__fe_valid(&p, n);
        const int mf = p.layout == WMEL_LAYOUT_MELS_FRAMES;
        double m[WMEL_FE_MAX_MELS + 1], d[WMEL_FE_MAX_MELS + 1];
        wmel__fe_stats_f(fe, v, mf ? 1 : nc, mf ? cols : 1, nv, m, d);
        CHECK(!memcmp(m, mean, nc * sizeof *m) && !memcmp(d, den, nc * sizeof *d),
              "%s: the statistics differ from wmel__fe_stats_f (mean[0] %.17g vs %.17g)", name, mean[0], m[0]);
    }
    free(v);
    wmel_destroy(raw);
}

/* x[0 .. n) through a wmel_long (memory bound mem, pushes `how`) against wmel_features. */
static void check_one(wmel_ctx *ctx, const char *name, const float *x, size_t n, size_t mem, size_t how)
{
    size_t rows = 0, cols = 0;
    const int s_shape = wmel_features_shape(ctx, n, &rows, &cols);
    const size_t len = rows * cols;
    float *want = malloc((len ? len : 1) * sizeof *want);
    const int s_want = wmel_features(ctx, x, n, want, len);
    int st;
    wmel_long *l = wmel_long_create(ctx, mem, &st);
    CHECK(l && st == WMEL_OK, "%s: create %s", name, wmel_strerror(st));
    if (!l) {
        free(want);
        return;
    }
    int said_nan = 0; /* a push returned WMEL_ERR_NOT_FINITE */
    for (size_t i = 0; i < n;) {
        size_t k = next_push(how);
        if (k > n - i) k = n - i;
        int rc = wmel_long_push(l, x + i, k);
        said_nan |= rc == WMEL_ERR_NOT_FINITE;
        CHECK(rc == WMEL_OK || rc == WMEL_ERR_NOT_FINITE || rc == WMEL_ERR_SAMPLE_RANGE,
              "%s n %zu: push %s", name, n, wmel_strerror(rc));
        i += k;
    }
    CHECK(wmel_long_samples(l) == n, "%s: %zu samples of %zu", name, wmel_long_samples(l), n);
    size_t lr = 9, lcols = 9;
    const int s_lshape = wmel_long_shape(l, &lr, &lcols);
    CHECK(s_lshape == s_shape && lr == rows && lcols == cols, "%s n %zu: shape %d %zux%zu vs %d %zux%zu",
          name, n, s_lshape, lr, lcols, s_shape, rows, cols);
    const int s_fin = wmel_long_finish(l);
    CHECK(s_fin == s_want, "%s n %zu mem %zu push %zu: finish %s, wmel_features %s", name, n, mem, how,
          wmel_strerror(s_fin), wmel_strerror(s_want));
    CHECK(wmel_long_finish(l) == s_fin, "%s: finish again", name);
    if (s_want == WMEL_ERR_NOT_FINITE)
        CHECK(said_nan, "%s n %zu: no push said NOT_FINITE", name, n);
    CHECK(wmel_long_push(l, x, 0) == WMEL_ERR_INVALID_ARG, "%s: push after finish", name);
    sink s = {malloc((len ? len : 1) * sizeof(float)), 0, len, 0, 0};
    const int s_w = wmel_long_write(l, to_sink, &s);
    if (s_want == WMEL_OK) {
        check_stats(ctx, l, name, x, n);
        CHECK(s_w == WMEL_OK && s.n == len, "%s n %zu mem %zu push %zu: write %s, %zu of %zu values", name,
              n, mem, how, wmel_strerror(s_w), s.n, len);
        CHECK(s.n != len || !memcmp(s.v, want, len * sizeof(float)),
              "%s n %zu mem %zu push %zu: the values differ from wmel_features()", name, n, mem, how);
        if (len) { /* a failing callback stops the pass; the next pass writes it all again */
            sink f = {s.v, 0, len, 0, 2};
            const int s_f = wmel_long_write(l, to_sink, &f);
            CHECK(s_f == -42 || (s_f == WMEL_OK && f.calls < 2), "%s: the callback's failure: %d", name, s_f);
            memset(s.v, 0, len * sizeof(float));
            s.n = 0;
            CHECK(wmel_long_write(l, to_sink, &s) == WMEL_OK && s.n == len &&
                      !memcmp(s.v, want, len * sizeof(float)),
                  "%s: written again", name);
        }
    } else {
        CHECK(s_w == s_want && s.n == 0, "%s n %zu: write after a failed finish: %s", name, n, wmel_strerror(s_w));
    }
    CHECK(!strcmp(wmel_long_error(l), ""), "%s: error \"%s\"", name, wmel_long_error(l));
    wmel_long_destroy(l);
    free(s.v);
    free(want);
}

/* A block of frames in bytes (the memory bound that keeps exactly one in memory). */
static size_t block_bytes(wmel_ctx *ctx)
{
    wmel_frontend_plan p;
    wmel_ctx_plan(ctx, &p);
    return 4 * 1024 * (size_t)(p.n_ceps > 0 ? p.n_ceps : p.n_mels + (p.use_energy != 0));
}

static void test_plans(void)
{
    const size_t long_n = 2 * 1024 * 160 + 12345; /* two full blocks and a partial one */
    float *x = malloc(long_n * sizeof *x);
    t_chirp(x, long_n, 7);
    for (size_t k = 0; k < N_CASES; k++) {
        const long_case *lc = &CASES[k];
        wmel_ctx *ctx = case_ctx(lc, k % 2 ? 2 : 0);
        if (!ctx) continue;
        wmel_frontend_plan p;
        wmel_ctx_plan(ctx, &p);
        const size_t bb = block_bytes(ctx);
        /* the edge lengths: none, one sample, a hop, a frame, half a transform, +- 1 */
        const size_t fl = (size_t)p.frame_length, hop = (size_t)p.hop, half = (size_t)p.n_fft / 2;
        const size_t edges[] = {0, 1, 2, hop - 1, hop, hop + 1, 200, 201, half, half + 1, fl - 1, fl, fl + 1,
                                fl + hop, 1024 * hop - 1, 1024 * hop, 1024 * hop + 1, 1024 * hop + fl,
                                1025 * hop + fl};
        for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++) {
            char name[160];
            snprintf(name, sizeof name, "%s, %zu samples", lc->name, edges[e]);
            check_one(ctx, name, x, edges[e], e % 2 ? 0 : bb, e % 3 == 0 ? 1 : e % 3 == 1 ? 159 : 0);
        }
        char name[160];
        snprintf(name, sizeof name, "%s, long", lc->name);
        check_one(ctx, name, x, long_n, 0, 0);             /* every block in the file */
        check_one(ctx, name, x, long_n, bb, 4097);         /* one block in memory */
        check_one(ctx, name, x, long_n, (size_t)1 << 30, 160); /* all in memory */
        if (k % 4 == 0) check_one(ctx, name, x, long_n / 2, 0, 1);
        wmel_destroy(ctx);
    }
    free(x);
}

/* Plans whose finish has an appended variant (fe.h: wmel__fe_ext; wmel__fe_finish_ext in
 * the whole-clip path): each through the long path against wmel_features, byte for byte. */
static void test_ext_plans(void)
{
    static const struct {
        int frontend, whole; /* whole: WMEL_NORM_WHOLE (no option name for it off Whisper) */
        const char *set[6][2];
    } EXT[] = {
        {WMEL_FRONTEND_NEMO, 0, {{"normalize", "all_features"}}},
        {WMEL_FRONTEND_NEMO, 0, {{"norm_ddof", "0"}, {"norm_eps", "0"}}},
        {WMEL_FRONTEND_KALDI, 0, {{"normalize", "mean"}}},
        {WMEL_FRONTEND_SEAMLESS, 0, {{"post_scale", "2"}, {"post_shift", "-1.5"}}},
        {WMEL_FRONTEND_KALDI, 0, {{"n_frames", "1030"}, {"pad_value", "0.25"}, {"post_scale", "0.5"}}},
        {WMEL_FRONTEND_KALDI, 0, {{"n_frames", "7"}}},
        {WMEL_FRONTEND_NEMO, 0, {{"n_frames", "2100"}, {"pad_value", "-3"}}},
        {WMEL_FRONTEND_NEMO, 1, {{"norm_max", "1.5"}}},
        {WMEL_FRONTEND_NEMO, 1, {{"norm_range", "6"}, {"n_frames", "1500"}}},
    };
    const size_t long_n = 2 * 1024 * 160 + 12345;
    float *x = malloc(long_n * sizeof *x);
    t_chirp(x, long_n, 11);
    for (size_t k = 0; k < sizeof EXT / sizeof EXT[0]; k++) {
        wmel_frontend_plan p;
        wmel_frontend_preset(EXT[k].frontend, 80, &p);
        if (EXT[k].whole) p.norm = WMEL_NORM_WHOLE;
        char msg[256], name[200];
        int n = snprintf(name, sizeof name, "ext %zu%s", k, EXT[k].whole ? " whole" : "");
        for (size_t i = 0; i < 6 && EXT[k].set[i][0]; i++) {
            int rc = wmel_plan_set(&p, EXT[k].set[i][0], EXT[k].set[i][1], msg, sizeof msg);
            CHECK(rc == WMEL_OK, "ext %zu: %s %s: %s", k, EXT[k].set[i][0], EXT[k].set[i][1], msg);
            n += snprintf(name + n, sizeof name - (size_t)n, " %s=%s", EXT[k].set[i][0], EXT[k].set[i][1]);
        }
        wmel_params par = wmel_default_params();
        par.backend = WMEL_BACKEND_CPU;
        par.n_threads = k % 2 ? 2 : 1;
        int st;
        double cs[81], sh[81];
        for (int c = 0; c < 81; c++) {
            cs[c] = 0.5 + c / 64.0;
            sh[c] = c / 8.0 - 2.0;
        }
        wmel_ctx *ctx = k % 3 == 2 ? wmel_create_plan_cols(&par, &p, cs, sh, (size_t)(80 + p.use_energy), &st)
                                   : wmel_create_plan(&par, &p, &st);
        CHECK(ctx && st == WMEL_OK, "%s: create %s", name, wmel_strerror(st));
        if (!ctx) continue;
        const size_t bb = block_bytes(ctx);
        const size_t lens[] = {1, 399, 400, 401, 1600, 16000, 1030 * 160 + 240, long_n};
        for (size_t e = 0; e < sizeof lens / sizeof lens[0]; e++) {
            char nm[260];
            snprintf(nm, sizeof nm, "%s%s, %zu samples", name, k % 3 == 2 ? " cols" : "", lens[e]);
            check_one(ctx, nm, x, lens[e], e % 2 ? 0 : bb, e % 3 == 0 ? 159 : 0);
        }
        wmel_destroy(ctx);
    }
    free(x);
}

/* NaN, Inf and too-large samples, at the start, the middle, the end, after a frame's
 * worth, alone and together: finish's status is wmel_features()'s. */
static void test_bad_samples(void)
{
    const size_t n = 1024 * 160 + 5000;
    float *x = malloc(n * sizeof *x);
    const float nan = (float)strtod("nan", NULL), inf = (float)strtod("inf", NULL);
    const long_case loud = {"kaldi log none", 0, WMEL_FRONTEND_KALDI, 40, 0, 0, 0, 0, WMEL_LOG_NONE + 1, 0};
    const long_case *cases[] = {&CASES[0], &CASES[3], &CASES[9], &CASES[12], &loud};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        wmel_ctx *ctx = case_ctx(cases[k], 0);
        if (!ctx) continue;
        const size_t at[] = {0, 150, 401, 1050, n / 2, n - 1};
        const size_t lens[] = {100, 300, 1100, n}; /* Whisper: samples 1000.. of 1100 unread */
        for (size_t a = 0; a < sizeof at / sizeof at[0]; a++)
            for (size_t b = 0; b < 4; b++)
                for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
                    const size_t len = lens[li];
                    if (at[a] >= len && a + 1 < sizeof at / sizeof at[0]) continue;
                    t_chirp(x, n, 3);
                    const size_t pos = at[a] < len ? at[a] : len - 1; /* the last: len - 1 */
                    char name[160];
                    snprintf(name, sizeof name, "%s, bad %zu at %zu of %zu", cases[k]->name, b, pos, len);
                    if (b == 0) x[pos] = nan;
                    if (b == 1) x[pos] = -inf;
                    if (b == 2) x[pos] = 1e30f; /* too large for the float32 power */
                    if (b == 3) { /* too large first, a NaN later */
                        x[pos] = 1e30f;
                        x[len - 1] = nan;
                    }
                    check_one(ctx, name, x, len, 0, b % 2 ? 4097 : 160);
                }
        wmel_destroy(ctx);
    }
    free(x);
}

/* The temporary file cannot be created: WMEL_ERR_IO with the folder and the reason, and
 * every later call says the same. */
static void test_tmpfile_fails(void)
{
    wmel_ctx *ctx = case_ctx(&CASES[3], 0);
    if (!ctx) return;
    const char *old = getenv("TMPDIR");
    char *keep = old ? strdup(old) : NULL;
    t_setenv("TMPDIR", "/nonexistent-wmel-test", 1);
    const size_t n = 3 * 1024 * 160;
    float *x = malloc(n * sizeof *x);
    t_chirp(x, n, 5);
    int st;
    wmel_long *l = wmel_long_create(ctx, 0, &st);
    CHECK(l != NULL, "create %s", wmel_strerror(st));
    int rc = WMEL_OK;
    for (size_t i = 0; l && i < n && rc == WMEL_OK; i += 16000) rc = wmel_long_push(l, x + i, n - i < 16000 ? n - i : 16000);
    CHECK(rc == WMEL_ERR_IO, "no temporary file: push %s", wmel_strerror(rc));
    const char *e = l ? wmel_long_error(l) : "";
    CHECK(strstr(e, "cannot create a temporary file") && strstr(e, "/nonexistent-wmel-test") &&
              strstr(e, "No such file"),
          "the message: \"%s\"", e);
    if (l) {
        CHECK(wmel_long_push(l, x, 10) == WMEL_ERR_IO, "push after the failure");
        CHECK(wmel_long_finish(l) == WMEL_ERR_IO, "finish after the failure");
        sink s = {NULL, 0, 0, 0, 0};
        CHECK(wmel_long_write(l, to_sink, &s) == WMEL_ERR_IO && s.calls == 0, "write after the failure");
    }
    wmel_long_destroy(l);
    /* within the memory bound no file is needed */
    l = wmel_long_create(ctx, (size_t)1 << 30, &st);
    rc = WMEL_OK;
    for (size_t i = 0; l && i < n && rc == WMEL_OK; i += 16000) rc = wmel_long_push(l, x + i, n - i < 16000 ? n - i : 16000);
    CHECK(rc == WMEL_OK && l && wmel_long_finish(l) == WMEL_OK, "in memory, no file needed: %s", wmel_strerror(rc));
    wmel_long_destroy(l);
    if (keep) t_setenv("TMPDIR", keep, 1);
    else t_unsetenv("TMPDIR");
    free(keep);
    free(x);
    wmel_destroy(ctx);
}

static void test_args(void)
{
    int st = 0;
    CHECK(wmel_long_create(NULL, 0, &st) == NULL && st == WMEL_ERR_NULL_POINTER, "NULL ctx: %d", st);
    CHECK(wmel_long_push(NULL, NULL, 0) == WMEL_ERR_NULL_POINTER, "push NULL");
    CHECK(wmel_long_finish(NULL) == WMEL_ERR_NULL_POINTER, "finish NULL");
    CHECK(wmel_long_write(NULL, to_sink, NULL) == WMEL_ERR_NULL_POINTER, "write NULL");
    CHECK(wmel_long_samples(NULL) == 0 && !strcmp(wmel_long_error(NULL), ""), "NULL getters");
    wmel_long_destroy(NULL);
    /* a plan's ctx on the float64 reference, a smoothing ctx: refused */
    wmel_frontend_plan plan;
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &plan);
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_REF;
    wmel_ctx *ref = wmel_create_plan(&p, &plan, &st);
    CHECK(ref && wmel_long_create(ref, 0, &st) == NULL && st == WMEL_ERR_INVALID_ARG, "ref plan: %d", st);
    wmel_destroy(ref);
    wmel_ctx *sm = t_ctx(WMEL_BACKEND_CPU, 80, WMEL_ISA_AUTO, 0, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3);
    CHECK(sm && wmel_long_create(sm, 0, &st) == NULL && st == WMEL_ERR_INVALID_ARG, "smoothing: %d", st);
    wmel_destroy(sm);
    wmel_ctx *ctx = case_ctx(&CASES[0], 0);
    wmel_long *l = ctx ? wmel_long_create(ctx, 0, &st) : NULL;
    CHECK(l != NULL, "create");
    if (l) {
        CHECK(wmel_long_push(l, NULL, 5) == WMEL_ERR_NULL_POINTER, "push NULL samples");
        CHECK(wmel_long_push(l, NULL, 0) == WMEL_OK, "push nothing");
        sink s = {NULL, 0, 0, 0, 0};
        CHECK(wmel_long_write(l, to_sink, &s) == WMEL_ERR_INVALID_ARG, "write before finish");
        CHECK(wmel_long_write(l, NULL, &s) == WMEL_ERR_NULL_POINTER, "write without a callback");
        CHECK(wmel_long_finish(l) == WMEL_ERR_NO_SAMPLES, "finish on nothing");
    }
    wmel_long_destroy(l);
    /* destroyed half way: nothing leaks (the sanitizer build checks) */
    float x[48000];
    t_chirp(x, 48000, 1);
    l = ctx ? wmel_long_create(ctx, 0, &st) : NULL;
    for (int i = 0; l && i < 8; i++) wmel_long_push(l, x, 48000);
    wmel_long_destroy(l);
    wmel_destroy(ctx);
}

int main(void)
{
    test_args();
    test_plans();
    test_ext_plans();
    test_bad_samples();
    test_tmpfile_fails();
    return t_done("test_long_input");
}
