/*
 * test_plan_limits.c -- the plan's caps on work, memory and range (wmel.h, wmel_frontend_plan):
 * n_frames and the values it makes, n_fft against hop, pad_left / pad_right against the
 * frame, and the finish's affine kept inside float32: refused by wmel_plan_check with a
 * sentence naming the fields, or, where the values have no static bound, the compute call's
 * WMEL_ERR_SAMPLE_RANGE instead of an infinity. The presets pass every cap.
 */
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void refused(const wmel_frontend_plan *p, const char *a, const char *b, const char *what)
{
    char msg[512];
    const int rc = wmel_plan_check(p, msg, sizeof msg);
    CHECK(rc == WMEL_ERR_INVALID_ARG, "%s: status %d (%s)", what, rc, msg);
    CHECK(strstr(msg, a) && (!b || strstr(msg, b)), "%s: the sentence names not %s / %s: %s", what, a, b ? b : "", msg);
}

static void accepted(const wmel_frontend_plan *p, const char *what)
{
    char msg[512];
    const int rc = wmel_plan_check(p, msg, sizeof msg);
    CHECK(rc == WMEL_OK, "%s: status %d (%s)", what, rc, msg);
}

/* wmel_plan_cols_check's status and sentence (want_st WMEL_OK: "" expected) */
static void cols_refused(const wmel_frontend_plan *p, const double *cs, const double *ch, size_t nc, int want_st,
                         const char *a, const char *b, const char *what)
{
    char msg[512] = "x";
    const int rc = wmel_plan_cols_check(p, cs, ch, nc, msg, sizeof msg);
    CHECK(rc == want_st, "%s: status %d, expected %d (%s)", what, rc, want_st, msg);
    if (want_st == WMEL_OK) CHECK(msg[0] == '\0', "%s: a sentence on success: %s", what, msg);
    else CHECK(strstr(msg, a) && (!b || strstr(msg, b)), "%s: the sentence names not %s / %s: %s", what, a,
               b ? b : "", msg);
}

/* a 440 Hz tone of n samples at amplitude a */
static float *tone(size_t n, float a)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = a * (float)sin(2 * 3.14159265358979 * 440.0 * (double)i / 16000.0);
    return x;
}

/* wmel_features() of the plan on x; the status */
static int features(const wmel_frontend_plan *p, const double *cs, const double *ch, size_t nc, const float *x,
                    size_t n, int *create_st)
{
    wmel_params pa = wmel_default_params();
    pa.n_threads = 1;
    wmel_ctx *c = cs ? wmel_create_plan_cols(&pa, p, cs, ch, nc, create_st) : wmel_create_plan(&pa, p, create_st);
    if (!c) return *create_st;
    size_t rows = 0, cols = 0;
    int rc = wmel_features_shape(c, n, &rows, &cols);
    float *out = malloc((rows * cols > 0 ? rows * cols : 1) * sizeof *out);
    if (!rc) rc = wmel_features(c, x, n, out, rows * cols);
    for (size_t i = 0; rc == WMEL_OK && i < rows * cols; i++)
        CHECK(isfinite(out[i]), "an infinite value with status OK at %zu", i);
    free(out);
    wmel_destroy(c);
    return rc;
}

int main(void)
{
    wmel_frontend_plan p;
    static const int fronts[] = {WMEL_FRONTEND_WHISPER, WMEL_FRONTEND_NEMO, WMEL_FRONTEND_KALDI,
                                 WMEL_FRONTEND_SEAMLESS, WMEL_FRONTEND_NEMO_LEGACY};
    for (size_t f = 0; f < sizeof fronts / sizeof fronts[0]; f++) {
        wmel_frontend_preset(fronts[f], 0, &p);
        accepted(&p, "a preset");
    }

    /* n_frames: frames and values */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
    p.n_frames = 1 << 24;
    refused(&p, "n_frames 16777216", "1048576", "n_frames 2^24");
    p.n_frames = 1 << 20; /* 80 values a frame */
    refused(&p, "n_frames 1048576", "838860", "n_frames 2^20, 80 columns");
    p.n_frames = 838860;
    accepted(&p, "n_frames 838860, 80 columns");
    p.layout = WMEL_LAYOUT_FRAMES_MELS;
    p.delta_win = 3;
    p.stack = 8;
    p.stack_stride = 1; /* 160 values a frame, 8 times over: 1280 a frame */
    refused(&p, "n_frames 838860", "1280", "n_frames stacked 8 with deltas");
    p.n_frames = (int)(((size_t)1 << 26) / 1280);
    accepted(&p, "n_frames at the values' cap");
    wmel_frontend_preset(WMEL_FRONTEND_WHISPER, 0, &p);
    p.n_frames = 3000;
    accepted(&p, "Whisper's 3000 frames");

    /* n_fft against hop */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
    p.n_fft = 65536;
    p.hop = 1;
    refused(&p, "hop 1", "n_fft 65536", "n_fft 65536, hop 1");
    p.hop = 1024;
    accepted(&p, "n_fft 65536, hop 1024");
    p.n_fft = 1024, p.hop = 1;
    accepted(&p, "n_fft 1024, hop 1");

    /* pad_left / pad_right */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
    p.pad_left = 1 << 20;
    refused(&p, "pad_left 1048576", "n_fft 512", "pad_left 2^20");
    p.pad_left = 512;
    p.pad_right = 513;
    refused(&p, "pad_right 513", NULL, "pad_right n_fft + 1");
    p.pad_right = 512;
    accepted(&p, "pads of n_fft");

    /* the affine: pad_value and the log's bound */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
    p.n_frames = 200;
    p.pad_value = 1e30;
    p.affine = 1;
    p.post_scale = -1e30;
    refused(&p, "pad_value 1e+30", "post_scale -1e+30", "pad_value x post_scale");
    p.pad_value = 0;
    accepted(&p, "a log plan's values x -1e30");
    p.post_scale = 1e30;
    p.norm = WMEL_NORM_WHOLE;
    accepted(&p, "the whole normalisation's values x 1e30");

    const size_t n = 16000;
    float *x = tone(n, 0.25f);
    int cst = 0;
    /* no static bound (the energies themselves): the call refuses the overflow */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
    p.log = WMEL_LOG_NONE;
    p.norm = WMEL_NORM_NONE;
    p.affine = 1;
    p.post_scale = 1e30;
    accepted(&p, "log none x 1e30");
    int rc = features(&p, NULL, NULL, 0, x, n, &cst);
    CHECK(rc == WMEL_ERR_SAMPLE_RANGE, "log none x 1e30: status %d", rc);
    p.post_scale = 1e-30; /* the same plan inside the range */
    rc = features(&p, NULL, NULL, 0, x, n, &cst);
    CHECK(rc == WMEL_OK, "log none x 1e-30: status %d", rc);

    /* the per-column affine (CMVN's rescale) */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
    double cs[80], ch[80];
    for (int c = 0; c < 80; c++) cs[c] = 1e30, ch[c] = 0.0;
    rc = features(&p, cs, ch, 80, x, n, &cst);
    CHECK(rc == WMEL_OK, "Kaldi x 1e30 per column: status %d", rc);
    cs[5] = -1e37;
    rc = features(&p, cs, ch, 80, x, n, &cst);
    CHECK(rc == WMEL_ERR_INVALID_ARG && cst == WMEL_ERR_INVALID_ARG, "Kaldi x -1e37 per column: status %d", rc);
    cols_refused(&p, cs, ch, 80, WMEL_ERR_INVALID_ARG, "col_scale[5] -1e+37", "at most 1e30 in magnitude", "-1e37");
    cs[5] = 1e30;
    cols_refused(&p, cs, ch, 80, WMEL_OK, NULL, NULL, "Kaldi x 1e30 per column");
    cols_refused(&p, cs, ch, 81, WMEL_ERR_INVALID_ARG, "n_cols 81", "takes 80 values", "n_cols");
    cols_refused(&p, NULL, ch, 80, WMEL_ERR_NULL_POINTER, "col_scale vector is NULL", NULL, "NULL scale");
    cols_refused(NULL, cs, ch, 80, WMEL_ERR_NULL_POINTER, "plan is NULL", NULL, "NULL plan");
    ch[9] = NAN;
    cols_refused(&p, cs, ch, 80, WMEL_ERR_INVALID_ARG, "col_shift[9] nan", "finite", "NaN shift");
    ch[9] = 0.0;
    {
        /* a scale that carries the plan's bounded values past float32: which column, its
           scale and the largest allowed; wmel_create_plan_cols gives the same status */
        wmel_frontend_plan q = p;
        q.affine = 1;
        q.post_scale = 1e8; /* |ln| <= 745: the values before the columns reach 7.45e10 */
        for (int c = 0; c < 80; c++) cs[c] = 2.0;
        cs[7] = -1e30;
        cols_refused(&q, cs, ch, 80, WMEL_ERR_INVALID_ARG, "col_scale[7] -1e+30, col_shift[7] 0",
                     "reach 74500000000 in magnitude", "a scale past float32");
        char msg[512];
        wmel_plan_cols_check(&q, cs, ch, 80, msg, sizeof msg);
        CHECK(strstr(msg, "float32's range") && strstr(msg, "|col_scale[7]| at most 4.5"), "the bound: %s", msg);
        rc = features(&q, cs, ch, 80, x, n, &cst);
        CHECK(rc == WMEL_ERR_INVALID_ARG, "a scale past float32 on create: status %d", rc);
        cs[7] = 4e27; /* 4e27 x 7.45e10 = 3e38: inside */
        cols_refused(&q, cs, ch, 80, WMEL_OK, NULL, NULL, "a scale inside float32");
        cs[7] = 1e30;
        q.n_mels = 0;
        cols_refused(&q, cs, ch, 80, WMEL_ERR_INVALID_ARG, "n_mels 0", NULL, "the plan's own check first");
        for (int c = 0; c < 80; c++) cs[c] = 1e30;
    }
    p.log = WMEL_LOG_NONE;
    cs[5] = 1e30;
    rc = features(&p, cs, ch, 80, x, n, &cst);
    CHECK(rc == WMEL_ERR_SAMPLE_RANGE, "energies x 1e30 per column: status %d", rc);
    /* statistics: z-scores have no static bound */
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 0, &p);
    p.affine = 1;
    p.post_scale = 1e30;
    rc = features(&p, cs, ch, 80, x, n, &cst);
    CHECK(rc == WMEL_ERR_SAMPLE_RANGE, "NeMo's z-scores x 1e30 x 1e30 per column: status %d", rc);
    free(x);

    /* wmel_ctx_too_short: the plan's own reach, or nothing where the plan has none */
    {
        wmel_params pp = wmel_default_params();
        pp.n_threads = 1;
        char why[256] = "";
        wmel_frontend_preset(WMEL_FRONTEND_NEMO, 0, &p);
        p.framing = WMEL_FRAMES_CENTER_REFLECT;
        p.n_fft = 2048, p.frame_length = 2048, p.hop = 512;
        wmel_ctx *c = wmel_create_plan(&pp, &p, &rc);
        CHECK(c != NULL, "a centred reflect plan: status %d", rc);
        CHECK(wmel_ctx_too_short(c, 100, why, sizeof why) == 1 && strstr(why, "100 samples") &&
                  strstr(why, "n_fft / 2 = 1024"), "centred reflect reach: %s", why);
        CHECK(wmel_ctx_too_short(c, 100, NULL, 0) == 0 && wmel_ctx_too_short(NULL, 1, why, sizeof why) == 0,
              "NULL arguments");
        wmel_destroy(c);
        wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
        c = wmel_create_plan(&pp, &p, &rc);
        CHECK(c != NULL && wmel_ctx_too_short(c, 10, why, sizeof why) == 0, "Kaldi's snip framing has no reach");
        wmel_destroy(c);
    }
    return t_done("test_plan_limits");
}
