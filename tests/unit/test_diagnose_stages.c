/* test_diagnose_stages.c -- the first stages of wmel diagnose's engine, each alone
 * (diagnose/diagnose_internal.h): read (the arguments and the shape checked, a batch axis
 * dropped, the NaN and infinite cells counted and located, features of one value), align
 * (the plan's layout, transposed, another bank size, another stacking, no reading of the
 * shape) and the dtype the port's values hold. No conformance data: synthetic features and
 * the presets' own shapes. And the search's bounds: a work bound gives the same answer, the
 * same candidates, every run; the safety's wall-clock cap says when it cut the search. */
#include "testutil.h"

#include "diagnose_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* the plan's output shape on n samples */
static void plan_shape(const wmel_frontend_plan *p, size_t n, size_t *R, size_t *C)
{
    wmel_plan_counts pc;
    *R = *C = 0;
    if (wmel_plan_frames(p, n, &pc) == 0) {
        *R = pc.rows;
        *C = pc.cols;
    }
}

static void test_read(const wmel_frontend_plan *whisper, const float *audio, size_t n)
{
    enum { T = 699, M = 80 };
    float *feat = malloc(T * M * sizeof *feat);
    char err[256];
    wmel__dg_port pt;
    for (size_t i = 0; i < T * M; i++) feat[i] = (float)cos(0.01 * (double)i);
    feat[5 * M + 7] = NAN;
    feat[9 * M + 1] = -INFINITY;
    /* a batch axis of 1 dropped; two cells not finite, the first a NaN at row 5, column 7 */
    size_t sh3[3] = {1, T, M};
    CHECK(wmel__dg_read(whisper, audio, n, feat, T * M, sh3, 3, &pt, err, sizeof err) == 0, "read (1, T, M): %s", err);
    CHECK(pt.sh[0] == T && pt.sh[1] == M, "2-D shape (%zu, %zu)", pt.sh[0], pt.sh[1]);
    CHECK(pt.batch_dropped == 1 && pt.total == (size_t)T * M, "batch %d total %zu", pt.batch_dropped, pt.total);
    CHECK(pt.batch_lead == 1, "a leading axis of 1 (the plan's batch_axis): %d", pt.batch_lead);
    CHECK(pt.n_bad == 2 && pt.n_nan == 1, "n_bad %zu n_nan %zu", pt.n_bad, pt.n_nan);
    CHECK(pt.bad_at == 5 * M + 7 && isnan(pt.first_bad), "first bad at %zu", pt.bad_at);
    CHECK(!pt.port_const && pt.vmin >= -1.0f && pt.vmax == 1.0f, "vmin %g vmax %g", (double)pt.vmin, (double)pt.vmax);
    /* 1-D features: one axis, the other 1 */
    size_t sh1[1] = {T * M};
    CHECK(wmel__dg_read(whisper, audio, n, feat, T * M, sh1, 1, &pt, err, sizeof err) == 0, "read 1-D: %s", err);
    CHECK(pt.sh[0] == (size_t)T * M && pt.sh[1] == 1 && !pt.batch_dropped && !pt.batch_lead, "1-D: (%zu, %zu)", pt.sh[0],
          pt.sh[1]);
    /* one value in every finite cell */
    for (size_t i = 0; i < T * M; i++) feat[i] = 0.5f;
    feat[3] = INFINITY;
    size_t sh2[2] = {T, M};
    CHECK(wmel__dg_read(whisper, audio, n, feat, T * M, sh2, 2, &pt, err, sizeof err) == 0, "read const: %s", err);
    CHECK(pt.port_const && pt.vmin == 0.5f && pt.n_bad == 1 && pt.n_nan == 0 && !pt.batch_dropped, "const: %d %g %zu",
          pt.port_const, (double)pt.vmin, pt.n_bad);
    /* refused: a shape whose product is not the values given, three long axes, an axis of 0,
       four axes, a plan the library refuses */
    err[0] = 0;
    size_t shx[2] = {M, T + 1};
    CHECK(wmel__dg_read(whisper, audio, n, feat, T * M, shx, 2, &pt, err, sizeof err) == WMEL_DG_ERROR &&
              strstr(err, "features of shape (80, 700) hold 56000 values, not the 55920 given"),
          "product: %s", err);
    size_t sh3l[3] = {3, 233, 80};
    CHECK(wmel__dg_read(whisper, audio, n, feat, T * M, sh3l, 3, &pt, err, sizeof err) == WMEL_DG_ERROR &&
              strstr(err, "3 axes longer than 1"),
          "three axes: %s", err);
    size_t sh0[2] = {0, T};
    CHECK(wmel__dg_read(whisper, audio, n, feat, T * M, sh0, 2, &pt, err, sizeof err) == WMEL_DG_ERROR &&
              strstr(err, "an axis of length 0"),
          "axis 0: %s", err);
    size_t sh4[4] = {1, 1, T, M};
    CHECK(wmel__dg_read(whisper, audio, n, feat, T * M, sh4, 4, &pt, err, sizeof err) == WMEL_DG_ERROR &&
              strstr(err, "features of 4 axes: 1 to 3 are needed"),
          "4 axes: %s", err);
    wmel_frontend_plan bad = *whisper;
    bad.n_fft = 0;
    CHECK(wmel__dg_read(&bad, audio, n, feat, T * M, sh2, 2, &pt, err, sizeof err) == WMEL_DG_ERROR &&
              strncmp(err, "the plan: ", 10) == 0,
          "bad plan: %s", err);
    free(feat);
}

static void test_align(const wmel_frontend_plan *whisper, size_t n)
{
    char err[256];
    wmel__dg_shape al;
    size_t R, C;
    plan_shape(whisper, n, &R, &C); /* mels_frames: 80 x T */
    CHECK(R == 80 && C > 512, "whisper's shape (%zu, %zu)", R, C);
    const size_t T = C;
    /* the plan's own layout, then transposed */
    size_t own[2] = {80, T}, tr[2] = {T, 80};
    CHECK(wmel__dg_align(whisper, n, own, &al, err, sizeof err) == 0, "own: %s", err);
    CHECK(!al.transposed && al.fcols && al.Tp == T && al.width == 80 && !al.n_stk && !al.nmels_changed,
          "own: transposed %d fcols %d Tp %zu width %zu", al.transposed, al.fcols, al.Tp, al.width);
    CHECK(wmel__dg_align(whisper, n, tr, &al, err, sizeof err) == 0, "transposed: %s", err);
    CHECK(al.transposed && al.fcols && al.Tp == T && al.width == 80, "transposed: %d %zu %zu", al.transposed, al.Tp,
          al.width);
    /* another bank size: 64 values a frame, the plan's frame count */
    size_t nm[2] = {T, 64};
    CHECK(wmel__dg_align(whisper, n, nm, &al, err, sizeof err) == 0, "n_mels 64: %s", err);
    CHECK(al.nmels_changed && al.start.n_mels == 64 && al.transposed && al.Tp == T && al.width == 64,
          "n_mels 64: changed %d n_mels %d transposed %d Tp %zu width %zu", al.nmels_changed, al.start.n_mels,
          al.transposed, al.Tp, al.width);
    /* no reading: neither axis a frame's values, no bank size (over 512) nor stacking */
    size_t none[2] = {T + 50, 999};
    err[0] = 0;
    CHECK(wmel__dg_align(whisper, n, none, &al, err, sizeof err) == WMEL_DG_ERROR &&
              strstr(err, "neither axis has the plan's 80 values per frame, nor a stacking of its frames"),
          "no reading: %s", err);
    /* another stacking: FunASR's LFR 7/6 rows held against Kaldi's unstacked plan */
    wmel_frontend_plan kaldi, funasr;
    char msg[256];
    CHECK(wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &kaldi) == 0, "kaldi preset");
    CHECK(wmel_preset_plan("funasr", &funasr, msg, sizeof msg) == 0, "funasr preset: %s", msg);
    plan_shape(&funasr, n, &R, &C);
    CHECK(C == 560 && R > 0, "funasr's shape (%zu, %zu)", R, C);
    size_t lfr[2] = {R, C};
    CHECK(wmel__dg_align(&kaldi, n, lfr, &al, err, sizeof err) == 0, "lfr: %s", err);
    int stride6 = 0;
    for (int k = 0; k < al.n_stk; k++) stride6 |= al.stk[k].stack == 7 && al.stk[k].stack_stride == 6;
    CHECK(al.n_stk >= 1 && al.n_stk <= WMEL__DG_MAX_STACK && stride6, "lfr: %d stackings, 7/6 among them %d", al.n_stk,
          stride6);
    CHECK(al.start.stack == 7 && !al.fcols && !al.transposed && al.Tp == R && al.width == 560,
          "lfr: stack %d fcols %d transposed %d Tp %zu width %zu", al.start.stack, al.fcols, al.transposed, al.Tp,
          al.width);
    size_t lfr_t[2] = {C, R};
    CHECK(wmel__dg_align(&kaldi, n, lfr_t, &al, err, sizeof err) == 0 && al.transposed && al.Tp == R && al.width == 560,
          "lfr transposed: %s %d %zu", err, al.transposed, al.Tp);
}

static void test_dtype(void)
{
    enum { N = 1000 };
    float x[N];
    for (int i = 0; i < N; i++) x[i] = (float)(i % 37) * 0.25f - 3.0f; /* every dtype holds these: bfloat16 */
    CHECK(wmel__dg_port_dtype(x, N, 0) == 2, "quarters: %d", wmel__dg_port_dtype(x, N, 0));
    for (int i = 0; i < N; i++) x[i] = 1.0f + (float)(i % 5) * 0.0009765625f; /* 1 + k 2^-10: float16's */
    CHECK(wmel__dg_port_dtype(x, N, 0) == 1, "float16 steps: %d", wmel__dg_port_dtype(x, N, 0));
    x[N / 2] = NAN; /* not finite: not counted */
    CHECK(wmel__dg_port_dtype(x, N, 0) == 1, "float16 steps and a NaN: %d", wmel__dg_port_dtype(x, N, 0));
    for (int i = 0; i < N; i++) x[i] = (float)sin(0.1 * i);
    CHECK(wmel__dg_port_dtype(x, N, 0) == 0, "float32: %d", wmel__dg_port_dtype(x, N, 0));
    memset(x, 0, sizeof x); /* zeros, and one value: float32 */
    CHECK(wmel__dg_port_dtype(x, N, 0) == 0, "zeros: %d", wmel__dg_port_dtype(x, N, 0));
    for (int i = 0; i < N; i++) x[i] = 0.5f;
    CHECK(wmel__dg_port_dtype(x, N, 1) == 0, "one value: %d", wmel__dg_port_dtype(x, N, 1));
}

/* a port of Whisper with a symmetric Hann window and pre-emphasis: searched under a work bound
   of 25 candidates twice (the same answer, bit for bit, and said to be cut), under the default
   (1500, not reached), and under a wall-clock cap of a nanosecond (said to be cut by it) */
static void test_bounds(const wmel_frontend_plan *whisper, const float *audio, size_t n)
{
    wmel_frontend_plan port = *whisper;
    port.window = WMEL_WINDOW_HANN;
    port.preemph = 0.97;
    wmel_params p = wmel_default_params();
    p.n_threads = 1;
    int st = 0;
    wmel_ctx *ctx = wmel_create_plan(&p, &port, &st);
    size_t R = 0, C = 0;
    CHECK(ctx && wmel_features_shape(ctx, n, &R, &C) == 0, "the port's plan: %d", st);
    float *feat = malloc(R * C * sizeof *feat);
    CHECK(feat && wmel_features(ctx, audio, n, feat, R * C) == 0, "the port's features");
    wmel_destroy(ctx);
    size_t sh[2] = {R, C};
    char err[256] = "";
    wmel_dg_result *r = malloc(3 * sizeof *r);
    wmel_dg_opts tight = {25, 0.0, 0.0, 0.0, 0, 0};
    for (int k = 0; k < 2; k++)
        CHECK(wmel_dg_run_opts(whisper, audio, n, feat, R * C, sh, 2, &tight, NULL, NULL, &r[k], err, sizeof err) == 0,
              "run %d: %s", k, err);
    CHECK(r[0].work_bound && !r[0].time_bound && r[0].max_candidates == 25 && strstr(r[0].notes, "work bound of 25"),
          "work bound: %d %d %zu '%s'", r[0].work_bound, r[0].time_bound, r[0].max_candidates, r[0].notes);
    CHECK(r[0].evals == r[1].evals && r[0].n_diff == r[1].n_diff && r[0].explained == r[1].explained &&
              !memcmp(&r[0].residual_after, &r[1].residual_after, sizeof(double)) && !strcmp(r[0].notes, r[1].notes),
          "two runs: %zu vs %zu candidates, %d vs %d differences", r[0].evals, r[1].evals, r[0].n_diff, r[1].n_diff);
    for (int i = 0; i < r[0].n_diff && i < r[1].n_diff; i++)
        CHECK(!strcmp(r[0].diff[i].field, r[1].diff[i].field) && !strcmp(r[0].diff[i].found, r[1].diff[i].found),
              "difference %d: %s %s vs %s %s", i, r[0].diff[i].field, r[0].diff[i].found, r[1].diff[i].field,
              r[1].diff[i].found);
    CHECK(wmel_dg_run(whisper, audio, n, feat, R * C, sh, 2, NULL, NULL, &r[2], err, sizeof err) == 0, "default: %s", err);
    CHECK(r[2].max_candidates == WMEL_DG_MAX_CANDIDATES && !r[2].work_bound && !r[2].time_bound && r[2].explained &&
              r[2].evals > r[0].evals,
          "default bound: %zu, cut %d %d, explained %d, %zu candidates", r[2].max_candidates, r[2].work_bound,
          r[2].time_bound, r[2].explained, r[2].evals);
    wmel_dg_opts cap = {0, 1e-9, 0.0, 0.0, 0, 0};
    CHECK(wmel_dg_run_opts(whisper, audio, n, feat, R * C, sh, 2, &cap, NULL, NULL, &r[0], err, sizeof err) == 0,
          "capped: %s", err);
    CHECK(r[0].time_bound && strstr(r[0].notes, "safety cap") && r[0].max_candidates == WMEL_DG_MAX_CANDIDATES,
          "the safety's cap: %d '%s'", r[0].time_bound, r[0].notes);
    char js[65536];
    CHECK(wmel_dg_json(&r[0], js, sizeof js) > 0 && strstr(js, "\"time_bound\": true") &&
              strstr(js, "\"max_candidates\": 1500"),
          "JSON: %s", js);
    free(r);
    free(feat);
}

int main(void)
{
    const size_t n = 16000 * 7;
    float *audio = malloc(n * sizeof *audio);
    for (size_t i = 0; i < n; i++) audio[i] = 0.3f * (float)sin(0.05 * (double)i);
    wmel_frontend_plan whisper;
    CHECK(wmel_frontend_preset(WMEL_FRONTEND_WHISPER, 80, &whisper) == 0, "whisper preset");
    test_read(&whisper, audio, n);
    test_align(&whisper, n);
    test_dtype();
    /* the bounds on 2 s of a chirp with a little noise (a tone alone hides the window) */
    uint32_t lcg = 1;
    for (size_t i = 0; i < 32000; i++) {
        const double t = (double)i / 16000.0;
        lcg = lcg * 1664525u + 1013904223u;
        audio[i] = (float)(0.4 * sin(6.283185307179586 * (100 * t + 1900 * t * t)) + 1e-3 * ((double)(lcg >> 8) / 16777216.0 - 0.5));
    }
    test_bounds(&whisper, audio, 32000);
    free(audio);
    return t_done("test_diagnose_stages");
}
