/*
 * test_sliding.c -- live audio through the public header: the sliding buffer
 * (wmel_sliding_*) and the frame stream (wmel_stream_*) against wmel_log_mel() of the same
 * samples, bit for bit, under random push sizes (1 sample to several seconds) and random
 * trims, on the goldens and on noise with stretches of digital silence; the transform
 * work of each call against what the new audio needs; the zero-copy view
 * (wmel_sliding_view) under the same pushes and trims, with loud bursts that move the
 * buffer's max up and down, and the calls that renormalise the kept columns against the
 * max of the offline raw output; edge cases; many buffers on threads of their own.
 *
 * Threshold: none -- every comparison is memcmp (the same kernels on the same frames).
 */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WMEL_PAD (WMEL_N_FFT / 2)

/* Compares features(padding) with wmel_log_mel of the held samples. */
static int same_as_offline(wmel_ctx *ctx, wmel_sliding *b, const float *held, size_t n,
                           size_t padding, const char *what, unsigned seed)
{
    int rows = wmel_ctx_n_mels(ctx);
    size_t F = wmel_n_frames(n, padding), len = (size_t)rows * F;
    float *a = malloc((len ? len : 1) * sizeof(float)), *r = malloc((len ? len : 1) * sizeof(float));
    int sa = wmel_sliding_features(b, padding, a, len);
    int sr = wmel_log_mel(ctx, held, n, padding, r, len);
    int ok = sa == sr && (sa != WMEL_OK || !memcmp(a, r, len * sizeof(float)));
    if (!ok) {
        size_t bad = 0;
        while (sa == WMEL_OK && bad < len && a[bad] == r[bad]) bad++;
        CHECK(ok, "%s seed %u: n %zu padding %zu: status %d/%d, first difference at %zu "
                  "(mel %zu frame %zu: %.9g vs %.9g), kernel %s", what, seed, n, padding, sa, sr,
              bad, F ? bad / F : 0, F ? bad % F : 0, bad < len ? a[bad] : 0.0, bad < len ? r[bad] : 0.0,
              wmel_kernel_name(ctx));
    } else {
        t_checks++;
    }
    free(a);
    free(r);
    return ok;
}

/* One random session over x[0..n): pushes, trims (mostly multiples of 160), features. */
static void session(wmel_ctx *ctx, const float *x, size_t n, unsigned seed, size_t max_buf,
                    const char *what)
{
    t_rng = seed;
    int st;
    wmel_sliding *b = wmel_sliding_create(ctx, &st);
    CHECK(b && st == WMEL_OK, "create: %d", st);
    if (!b) return;
    size_t pos = 0, start = 0; /* the buffer holds x[start, pos) */
    size_t pushed_since = 0;
    int regrid = 1;
    wmel_sliding_stats s0, s1;
    wmel_sliding_stats_get(b, &s0);
    int fails = 0;
    while (pos < n && fails < 3) {
        size_t k = t_push_size(64000);
        if (k > n - pos) k = n - pos;
        CHECK(wmel_sliding_push(b, x + pos, k) == WMEL_OK, "push");
        pos += k;
        pushed_since += k;
        size_t len = pos - start;
        if (len > max_buf || t_rnd() % 8 == 0) {
            size_t t = len > max_buf ? len - max_buf / 2 : t_rnd() % (len + 1);
            if (t_rnd() % 5) t -= t % WMEL_HOP; /* the usual case: a whole number of frames */
            else if (t % WMEL_HOP) regrid = 1;
            CHECK(wmel_sliding_trim(b, t) == WMEL_OK, "trim %zu of %zu", t, len);
            start += t;
        }
        len = pos - start;
        CHECK(wmel_sliding_length(b) == len, "length %zu, expected %zu", wmel_sliding_length(b), len);
        CHECK(len == 0 || !memcmp(wmel_sliding_samples(b), x + start, len * sizeof(float)),
              "samples differ");
        if (t_rnd() % 3 == 0) continue; /* several pushes between two calls */
        size_t padding;
        switch (t_rnd() % 5) {
        case 0: padding = WMEL_CHUNK_SAMPLES; break;
        case 1: padding = t_rnd() % 1000; break;
        default: padding = 0;
        }
        if (!same_as_offline(ctx, b, x + start, len, padding, what, seed)) fails++;
        wmel_sliding_stats_get(b, &s1);
        /* the work of this call: the new interior frames (pushed / 160 + 1), the 2 first,
           those within 200 samples of the end and in the padding that is not silence */
        size_t bound = pushed_since / WMEL_HOP + 1 + 2 + (WMEL_PAD + WMEL_N_FFT) / WMEL_HOP + 2 +
                       (padding < WMEL_N_FFT + 1 ? padding / WMEL_HOP : 0);
        size_t did = s1.frames_computed - s0.frames_computed;
        if (len + padding > WMEL_PAD && !regrid)
            CHECK(did <= bound, "%s seed %u: %zu frames computed for %zu new samples "
                                "(bound %zu, buffer %zu, padding %zu)", what, seed, did,
                  pushed_since, bound, len, padding);
        if (len + padding > WMEL_PAD) {
            s0 = s1;
            pushed_since = 0;
            regrid = 0;
        }
    }
    wmel_sliding_destroy(b);
}

/* The view of b for padding against wmel_log_mel() of the held samples, row by row; the
 * return: the offline raw max (raw: a WMEL_NORM_NONE ctx of the same kernel), or -1e30
 * when the call fails as the offline one does. *ok: 0 on a difference. */
static float view_same(wmel_ctx *ctx, wmel_ctx *raw, wmel_sliding *b, const float *held,
                       size_t n, size_t padding, const char *what, unsigned seed, int *ok)
{
    const size_t R = (size_t)wmel_ctx_n_mels(ctx), F = wmel_n_frames(n, padding), len = R * F;
    float *r = malloc((len ? len : 1) * sizeof(float));
    const float *d = (const float *)r; /* not NULL: a failed call must reset it */
    size_t rows = 7, cols = 7, stride = 7;
    int sv = wmel_sliding_view(b, padding, &d, &rows, &cols, &stride);
    int sr = wmel_log_mel(ctx, held, n, padding, r, len);
    float mx = -1e30f;
    *ok = sv == sr;
    if (sv != WMEL_OK) {
        CHECK(d == NULL && rows == 0 && cols == 0 && stride == 0, "%s: failed view's outputs", what);
    } else {
        *ok = *ok && d && rows == R && cols == F && stride >= cols;
        for (size_t m = 0; m < R && *ok; m++)
            if (memcmp(d + m * stride, r + m * F, F * sizeof(float))) {
                size_t t = 0;
                while (d[m * stride + t] == r[m * F + t]) t++;
                CHECK(0, "%s seed %u: n %zu padding %zu: view differs at mel %zu frame %zu of %zu "
                         "(%.9g vs %.9g), kernel %s", what, seed, n, padding, m, t, F,
                      d[m * stride + t], r[m * F + t], wmel_kernel_name(ctx));
                *ok = 0;
            }
        if (*ok) {
            CHECK(wmel_log_mel(raw, held, n, padding, r, len) == WMEL_OK, "raw offline");
            for (size_t i = 0; i < len; i++)
                if (r[i] > mx) mx = r[i];
        }
    }
    CHECK(*ok, "%s seed %u: n %zu padding %zu: view status %d, offline %d, shape %zux%zu/%zu",
          what, seed, n, padding, sv, sr, rows, cols, stride);
    free(r);
    return mx;
}

/* One random session of views over x[0..n): pushes of 1 sample to seconds, trims (multiples
 * of 160 and not), paddings 0 and 480000, now and then the copy path between two views.
 * The renormalisations counted are those the model predicts: a view call renormalises when
 * frames finished by an earlier view are still interior and the buffer's max moved. */
static void view_session(wmel_ctx *ctx, wmel_ctx *raw, int whole, const float *x, size_t n,
                         unsigned seed, size_t max_buf, const char *what, size_t *renorms_seen)
{
    t_rng = seed;
    int st;
    wmel_sliding *b = wmel_sliding_create(ctx, &st);
    CHECK(b && st == WMEL_OK, "create: %d", st);
    if (!b) return;
    size_t pos = 0, start = 0, kept = 0; /* frames finished by the last view, still interior */
    float last_max = 0.0f;
    int fails = 0;
    while (pos < n && fails < 3) {
        size_t k = t_push_size(48000);
        if (k > n - pos) k = n - pos;
        CHECK(wmel_sliding_push(b, x + pos, k) == WMEL_OK, "push");
        pos += k;
        size_t len = pos - start;
        if (len > max_buf || t_rnd() % 6 == 0) {
            size_t t = len > max_buf ? len - max_buf * 2 / 3 : t_rnd() % (len + 1);
            if (t_rnd() % 4) t -= t % WMEL_HOP;
            CHECK(wmel_sliding_trim(b, t) == WMEL_OK, "trim %zu of %zu", t, len);
            start += t;
            if (t % WMEL_HOP) kept = 0;
            else kept = kept > t / WMEL_HOP ? kept - t / WMEL_HOP : 0;
            len = pos - start;
        }
        if (t_rnd() % 3 == 0) continue; /* several pushes between two calls */
        const size_t padding = t_rnd() % 3 == 0 ? WMEL_CHUNK_SAMPLES : t_rnd() % 7 == 0 ? 300 : 0;
        if (t_rnd() % 5 == 0) /* the copy path between two views leaves the view alone */
            same_as_offline(ctx, b, x + start, len, padding, what, seed);
        wmel_sliding_stats s0, s1;
        wmel_sliding_stats_get(b, &s0);
        int ok;
        float mx = view_same(ctx, raw, b, x + start, len, padding, what, seed, &ok);
        wmel_sliding_stats_get(b, &s1);
        if (!ok) {
            fails++;
            continue;
        }
        if (len + padding <= WMEL_PAD) continue;
        size_t expect = whole && kept && mx != last_max;
        CHECK(s1.renorms - s0.renorms == expect, "%s seed %u: %zu renormalisations, expected %zu "
                                                 "(kept %zu, max %.9g -> %.9g)",
              what, seed, s1.renorms - s0.renorms, expect, kept, last_max, mx);
        *renorms_seen += s1.renorms - s0.renorms;
        last_max = mx;
        /* the interior frames [2, I) are finished now */
        const size_t I = len >= WMEL_PAD ? (len - WMEL_PAD) / WMEL_HOP + 1 : 0;
        kept = I > 2 ? I - 2 : 0;
    }
    wmel_sliding_destroy(b);
}

/* Noise with stretches of silence and loud bursts (a few tenths of a second, 20x louder)
 * that enter and leave a sliding buffer: its max goes up and down. */
static float *noise_bursts(size_t n, unsigned seed)
{
    float *x = t_noise_gaps(n, seed, 30000);
    for (size_t i = 0; i < n; i++) x[i] *= 0.05f;
    uint64_t r = seed;
    for (size_t at = 40000; at < n; at += 60000 + (size_t)(r >> 40) % 200000) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t len = 1000 + (size_t)(r >> 44) % 8000;
        float gain = 5.0f + (float)((r >> 20) % 20);
        for (size_t i = at; i < at + len && i < n; i++) x[i] *= gain;
    }
    return x;
}

static void view_edge_cases(void)
{
    wmel_ctx *ctx = t_ctx(WMEL_BACKEND_CPU, 80, WMEL_ISA_AUTO, 1, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE);
    if (!ctx) return;
    int st;
    wmel_sliding *b = wmel_sliding_create(ctx, &st);
    const float *d = (const float *)&st;
    size_t r = 1, c = 1, s = 1;
    float x[2000];
    t_chirp(x, 2000, 3);
    CHECK(wmel_sliding_view(NULL, 0, &d, &r, &c, &s) == WMEL_ERR_NULL_POINTER, "NULL buffer");
    CHECK(wmel_sliding_view(b, 0, NULL, &r, &c, &s) == WMEL_ERR_NULL_POINTER, "NULL data");
    CHECK(wmel_sliding_view(b, 0, &d, NULL, &c, &s) == WMEL_ERR_NULL_POINTER, "NULL rows");
    CHECK(wmel_sliding_view(b, 0, &d, &r, NULL, &s) == WMEL_ERR_NULL_POINTER, "NULL cols");
    CHECK(wmel_sliding_view(b, 0, &d, &r, &c, NULL) == WMEL_ERR_NULL_POINTER, "NULL stride");
    CHECK(wmel_sliding_view(b, 0, &d, &r, &c, &s) == WMEL_ERR_TOO_SHORT && !d && !r && !c && !s,
          "empty buffer");
    CHECK(wmel_sliding_push(b, x, 200) == WMEL_OK, "push");
    CHECK(wmel_sliding_view(b, 0, &d, &r, &c, &s) == WMEL_ERR_TOO_SHORT, "200 samples");
    CHECK(wmel_sliding_view(b, 1, &d, &r, &c, &s) == WMEL_OK && r == 80 && c == 1 && d, "200 + 1");
    CHECK(wmel_sliding_view(b, SIZE_MAX, &d, &r, &c, &s) == WMEL_ERR_OVERFLOW && !d, "overflow");
    CHECK(wmel_sliding_push(b, x + 200, 1800) == WMEL_OK, "push");
    int ok;
    wmel_ctx *raw = t_ctx(WMEL_BACKEND_CPU, 80, WMEL_ISA_AUTO, 1, WMEL_NORM_NONE, WMEL_SMOOTH_NONE);
    view_same(ctx, raw, b, x, 2000, 0, "edge view", 3, &ok);
    /* samples too large for the float32 power: refused, the buffer usable after */
    float big[800];
    for (size_t i = 0; i < 800; i++) big[i] = (i % 2 ? 1e30f : -1e30f);
    CHECK(wmel_sliding_push(b, big, 800) == WMEL_OK, "push large");
    d = x;
    st = wmel_sliding_view(b, 0, &d, &r, &c, &s);
    CHECK(st == WMEL_ERR_SAMPLE_RANGE && !d, "large samples: %d", st);
    CHECK(wmel_sliding_trim(b, 2800) == WMEL_OK && wmel_sliding_push(b, x, 2000) == WMEL_OK, "refill");
    view_same(ctx, raw, b, x, 2000, WMEL_CHUNK_SAMPLES, "after a refused view", 3, &ok);
    wmel_sliding_stats a;
    CHECK(wmel_sliding_stats_get(b, &a) == WMEL_OK && a.bytes >= 80 * 4 * (2000 / 160 + 3000),
          "bytes %zu count the view", a.bytes);
    wmel_sliding_destroy(b);
    wmel_destroy(raw);
    /* another plan's ctx: the view is wmel_sliding_features() kept by the buffer */
    wmel_frontend_plan plan;
    CHECK(wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &plan) == WMEL_OK, "preset");
    wmel_params p = wmel_default_params();
    p.n_threads = 1;
    wmel_ctx *k = wmel_create_plan(&p, &plan, &st);
    CHECK(k != NULL, "plan ctx %d", st);
    b = wmel_sliding_create(k, &st);
    CHECK(b && wmel_sliding_push(b, x, 2000) == WMEL_OK, "plan buffer");
    d = x;
    CHECK(wmel_sliding_view(b, 80, &d, &r, &c, &s) == WMEL_ERR_INVALID_ARG && !d, "plan ctx view: padding");
    for (int round = 0; round < 3; round++) { /* push, trim, push: each view equals the features */
        size_t fr = 0, fc = 0;
        CHECK(wmel_sliding_view(b, 0, &d, &r, &c, &s) == WMEL_OK && d && s == c, "plan ctx view %d", round);
        CHECK(wmel_sliding_shape(b, 0, &fr, &fc) == WMEL_OK && fr == r && fc == c, "plan view shape %zu x %zu", r, c);
        float *want = malloc((fr && fc ? fr * fc : 1) * sizeof *want);
        CHECK(want && wmel_sliding_features(b, 0, want, fr * fc) == WMEL_OK && !memcmp(want, d, fr * fc * sizeof *want),
              "plan view = features, round %d", round);
        free(want);
        if (round == 0) CHECK(wmel_sliding_trim(b, 480) == WMEL_OK, "trim");
        if (round == 1) CHECK(wmel_sliding_push(b, x, 2000) == WMEL_OK, "push more");
    }
    wmel_sliding_destroy(b);
    wmel_destroy(k);
    wmel_destroy(ctx);
}

/* The frame stream: random push sizes, frames collected, against the offline raw output. */
typedef struct {
    float *raw;   /* [rows][F] */
    size_t F, rows, next;
    int order_ok;
} collect;

static int on_frames(void *user, const float *raw, size_t f0, size_t nf)
{
    collect *c = user;
    if (f0 != c->next || f0 + nf > c->F) {
        c->order_ok = 0;
        return WMEL_ERR_INVALID_ARG;
    }
    for (size_t m = 0; m < c->rows; m++)
        memcpy(c->raw + m * c->F + f0, raw + m * nf, nf * sizeof(float));
    c->next += nf;
    return WMEL_OK;
}

static void stream_check(wmel_ctx *raw_ctx, const float *x, size_t n, size_t padding,
                         unsigned seed, const char *what)
{
    t_rng = seed;
    size_t rows = (size_t)wmel_ctx_n_mels(raw_ctx), F = wmel_n_frames(n, padding);
    collect c = {malloc(rows * F * sizeof(float)), F, rows, 0, 1};
    float *r = malloc(rows * F * sizeof(float));
    int st;
    wmel_stream *s = wmel_stream_create(raw_ctx, padding, on_frames, &c, &st);
    CHECK(s != NULL, "stream create %d", st);
    for (size_t pos = 0; pos < n;) {
        size_t k = t_push_size(64000);
        if (k > n - pos) k = n - pos;
        CHECK(wmel_stream_push(s, x + pos, k) == WMEL_OK, "push");
        pos += k;
        size_t done = pos > WMEL_PAD ? (pos - WMEL_PAD) / WMEL_HOP + 1 : 0;
        if (done > F) done = F;
        CHECK(c.next == done, "%s: %zu frames out after %zu samples, %zu complete", what, c.next,
              pos, done);
    }
    CHECK(wmel_stream_finish(s) == WMEL_OK, "finish");
    CHECK(c.order_ok && c.next == F, "%s: %zu of %zu frames, in order %d", what, c.next, F,
          c.order_ok);
    CHECK(wmel_log_mel(raw_ctx, x, n, padding, r, rows * F) == WMEL_OK, "offline");
    CHECK(!memcmp(c.raw, r, rows * F * sizeof(float)), "%s seed %u: stream frames differ from "
                                                      "wmel_log_mel --norm none", what, seed);
    wmel_stream_destroy(s);
    free(c.raw);
    free(r);
}

static void edge_cases(wmel_ctx *ctx)
{
    int st;
    wmel_sliding *b = wmel_sliding_create(ctx, &st);
    float out[80 * 8], x[1000];
    t_chirp(x, 1000, 7);
    CHECK(wmel_sliding_features(b, 0, out, sizeof out / 4) == WMEL_ERR_TOO_SHORT, "empty");
    CHECK(wmel_sliding_samples(b) == NULL && wmel_sliding_length(b) == 0, "empty samples");
    CHECK(wmel_sliding_trim(b, 1) == WMEL_ERR_INVALID_ARG, "trim past an empty buffer");
    CHECK(wmel_sliding_trim(b, 0) == WMEL_OK, "trim 0");
    CHECK(wmel_sliding_push(b, NULL, 0) == WMEL_OK, "push nothing");
    CHECK(wmel_sliding_push(b, NULL, 3) == WMEL_ERR_NULL_POINTER, "push NULL");
    CHECK(wmel_sliding_push(b, x, 200) == WMEL_OK, "push 200");
    CHECK(wmel_sliding_features(b, 0, out, sizeof out / 4) == WMEL_ERR_TOO_SHORT, "200 samples");
    CHECK(wmel_sliding_features(b, 1, out, sizeof out / 4) == WMEL_OK, "200 + 1 padding");
    CHECK(wmel_sliding_trim(b, 201) == WMEL_ERR_INVALID_ARG, "trim 201 of 200");
    CHECK(wmel_sliding_length(b) == 200, "a refused trim drops nothing");
    float bad[3] = {0.0f, NAN, 1.0f};
    CHECK(wmel_sliding_push(b, bad, 3) == WMEL_ERR_NOT_FINITE, "NaN refused");
    bad[1] = INFINITY;
    CHECK(wmel_sliding_push(b, bad, 3) == WMEL_ERR_NOT_FINITE, "Inf refused");
    CHECK(wmel_sliding_length(b) == 200, "nothing appended");
    CHECK(wmel_sliding_push(b, x + 200, 800) == WMEL_OK, "push 800");
    CHECK(wmel_sliding_features(b, 0, out, 80 * 6 - 1) == WMEL_ERR_BUFFER_TOO_SMALL, "small out");
    CHECK(wmel_sliding_features(b, 0, NULL, 0) == WMEL_ERR_NULL_POINTER, "NULL out");
    CHECK(wmel_sliding_features(NULL, 0, out, 1) == WMEL_ERR_NULL_POINTER, "NULL buffer");
    CHECK(wmel_sliding_features(b, SIZE_MAX, out, 1) == WMEL_ERR_OVERFLOW, "padding overflow");
    CHECK(wmel_sliding_n_frames(b, 0) == 6, "n_frames");
    same_as_offline(ctx, b, x, 1000, 0, "edge", 7);
    CHECK(wmel_sliding_trim(b, 1000) == WMEL_OK, "trim all");
    CHECK(wmel_sliding_length(b) == 0, "emptied");
    CHECK(wmel_sliding_features(b, 0, out, sizeof out / 4) == WMEL_ERR_TOO_SHORT, "emptied");
    CHECK(wmel_sliding_push(b, x, 1000) == WMEL_OK, "push after emptied");
    same_as_offline(ctx, b, x, 1000, 0, "refill", 7);
    CHECK(wmel_sliding_trim(NULL, 0) == WMEL_ERR_NULL_POINTER, "trim NULL");
    CHECK(wmel_sliding_push(NULL, x, 1) == WMEL_ERR_NULL_POINTER, "push NULL buffer");
    CHECK(wmel_sliding_length(NULL) == 0 && wmel_sliding_n_frames(NULL, 5) == 0, "NULL getters");
    wmel_sliding_stats s;
    CHECK(wmel_sliding_stats_get(b, &s) == WMEL_OK && s.bytes > 1000 * 4, "stats");
    CHECK(wmel_sliding_stats_get(b, NULL) == WMEL_ERR_NULL_POINTER, "stats NULL");
    wmel_sliding_destroy(b);
    wmel_sliding_destroy(NULL);
    CHECK(wmel_sliding_create(NULL, &st) == NULL && st == WMEL_ERR_NULL_POINTER, "NULL ctx");
    wmel_ctx *sm = t_ctx(WMEL_BACKEND_CPU, 80, WMEL_ISA_AUTO, 1, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3);
    CHECK(wmel_sliding_create(sm, &st) == NULL && st == WMEL_ERR_INVALID_ARG, "smoothing ctx");
    wmel_destroy(sm);
    /* the frame stream: finish with nothing pushed, and after too little */
    wmel_ctx *raw = t_ctx(WMEL_BACKEND_CPU, 80, WMEL_ISA_AUTO, 1, WMEL_NORM_NONE, WMEL_SMOOTH_NONE);
    collect c = {malloc(80 * 8 * sizeof(float)), 8, 80, 0, 1};
    wmel_stream *s0 = wmel_stream_create(raw, 0, on_frames, &c, &st);
    CHECK(wmel_stream_finish(s0) == WMEL_ERR_TOO_SHORT && c.next == 0, "finish on empty stream");
    wmel_stream_destroy(s0);
    s0 = wmel_stream_create(raw, 0, on_frames, &c, &st);
    CHECK(wmel_stream_push(s0, x, 200) == WMEL_OK && wmel_stream_finish(s0) == WMEL_ERR_TOO_SHORT,
          "finish after 200 samples");
    wmel_stream_destroy(s0);
    free(c.raw);
    wmel_destroy(raw);
}

/* Many buffers on threads of their own, one ctx. */
typedef struct {
    wmel_ctx *ctx;
    const float *x;
    size_t n;
    unsigned seed;
    int ok;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    uint64_t r = j->seed;
    wmel_sliding *b = wmel_sliding_create(j->ctx, NULL);
    size_t rows = (size_t)wmel_ctx_n_mels(j->ctx), start = 0;
    size_t cap = rows * wmel_n_frames(j->n, 0);
    float *a = malloc(cap * sizeof(float)), *o = malloc(cap * sizeof(float));
    j->ok = b && a && o;
    for (size_t pos = 0; pos < j->n && j->ok;) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t k = 1600 + (size_t)(r >> 33) % 16000;
        if (k > j->n - pos) k = j->n - pos;
        wmel_sliding_push(b, j->x + pos, k);
        pos += k;
        if (pos - start > 15 * 16000) {
            size_t t = (pos - start - 10 * 16000) / WMEL_HOP * WMEL_HOP;
            wmel_sliding_trim(b, t);
            start += t;
        }
        size_t len = pos - start, F = wmel_n_frames(len, 0);
        if (len <= WMEL_PAD) continue;
        j->ok = wmel_sliding_features(b, 0, a, rows * F) == WMEL_OK &&
                wmel_log_mel(j->ctx, j->x + start, len, 0, o, rows * F) == WMEL_OK &&
                !memcmp(a, o, rows * F * sizeof(float));
    }
    wmel_sliding_destroy(b);
    free(a);
    free(o);
    return NULL;
}

static void threads(const float *x, size_t n, int nt)
{
    enum { NT = 8 };
    wmel_ctx *ctx = t_ctx(WMEL_BACKEND_CPU, 80, WMEL_ISA_AUTO, 1, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE);
    pthread_t th[NT];
    job jobs[NT];
    int started[NT];
    for (int i = 0; i < nt && i < NT; i++) {
        jobs[i] = (job){ctx, x + (size_t)i * 1000, n - (size_t)i * 1000, 100u + (unsigned)i, 0};
        started[i] = t_thread(&th[i], worker, &jobs[i]);
    }
    for (int i = 0; i < nt && i < NT; i++) {
        if (started[i]) pthread_join(th[i], NULL);
        CHECK(jobs[i].ok, "thread %d (seed %u): sliding features differ from wmel_log_mel", i,
              jobs[i].seed);
    }
    wmel_destroy(ctx);
}

int main(void)
{
    static const char *names[] = {"audio/speech_en.wav", "audio/pink_noise.wav",
                                  "audio/silence.wav", "audio/clipped.wav", "audio/sweep.wav"};
    struct { int backend, n_mels, isa, threads, norm; const char *name; } ctxs[] = {
        {WMEL_BACKEND_CPU, 80, WMEL_ISA_AUTO, 2, WMEL_NORM_WHOLE, "cpu 80 whole"},
        {WMEL_BACKEND_CPU, 128, WMEL_ISA_AUTO, 1, WMEL_NORM_NONE, "cpu 128 none"},
        {WMEL_BACKEND_CPU, 80, WMEL_ISA_C, 1, WMEL_NORM_WHOLE, "cpu-c 80 whole"},
    };
    /* under an emulator (the AArch64 cross build's qemu) fewer random sessions of each
       kind: every case is still met, on fewer seeds */
    const int emu = t_emulated();
    size_t nn = 60 * 16000;
    float *nz = t_noise_gaps(nn, 3, 30000);
    for (size_t c = 0; c < sizeof ctxs / sizeof ctxs[0]; c++) {
        wmel_ctx *ctx = t_ctx(ctxs[c].backend, ctxs[c].n_mels, ctxs[c].isa, ctxs[c].threads,
                              ctxs[c].norm, WMEL_SMOOTH_NONE);
        if (!ctx) continue;
        for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
            size_t n;
            float *x = t_load_wav(names[f], &n);
            char what[128];
            snprintf(what, sizeof what, "%s, %s", ctxs[c].name, names[f]);
            for (unsigned seed = 1; seed <= (emu ? 1u : 3u); seed++)
                session(ctx, x, n, seed * 7919u + (unsigned)f, 15 * 16000, what);
            wmel_free(x);
        }
        char what[128];
        snprintf(what, sizeof what, "%s, noise with silence", ctxs[c].name);
        for (unsigned seed = emu ? 3u : 1u; seed <= 3; seed++)
            session(ctx, nz, nn, seed, seed == 3 ? 60 * 16000 : 15 * 16000, what);
        wmel_destroy(ctx);
    }
    /* the float64 reference backend too (short) */
    wmel_ctx *ref = t_ctx(WMEL_BACKEND_REF, 80, WMEL_ISA_AUTO, 1, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE);
    if (ref) {
        session(ref, nz, 8 * 16000, 11, 4 * 16000, "ref 80 whole, noise");
        wmel_destroy(ref);
    }

    wmel_ctx *raw = t_ctx(WMEL_BACKEND_CPU, 80, WMEL_ISA_AUTO, 2, WMEL_NORM_NONE, WMEL_SMOOTH_NONE);
    size_t n;
    float *x = t_load_wav("audio/speech_en.wav", &n);
    for (unsigned seed = 1; seed <= 4; seed++) {
        stream_check(raw, x, n, 0, seed, "speech_en");
        stream_check(raw, nz, nn, seed == 2 ? WMEL_CHUNK_SAMPLES : 0, seed, "noise");
    }
    stream_check(raw, x, 201, 0, 5, "201 samples");
    stream_check(raw, x, 1, 300, 5, "1 sample + padding");
    wmel_free(x);
    wmel_destroy(raw);

    /* the view: speech looped into burst noise, and the goldens, on each kernel level */
    {
        size_t ns, nb = 40 * 16000;
        float *sp = t_load_wav("audio/speech_en.wav", &ns);
        float *bu = noise_bursts(nb, 5);
        float *mix = malloc((3 * ns + nb) * sizeof(float));
        for (int i = 0; i < 3; i++) memcpy(mix + (size_t)i * ns, sp, ns * sizeof(float));
        memcpy(mix + 3 * ns, bu, nb * sizeof(float));
        struct { int n_mels, isa, norm; const char *name; } vc[] = {
            {80, WMEL_ISA_AUTO, WMEL_NORM_WHOLE, "view cpu 80 whole"},
            {128, WMEL_ISA_AUTO, WMEL_NORM_WHOLE, "view cpu 128 whole"},
            {80, WMEL_ISA_C, WMEL_NORM_WHOLE, "view cpu-c 80 whole"},
            {128, WMEL_ISA_AUTO, WMEL_NORM_NONE, "view cpu 128 none"},
        };
        for (size_t c = 0; c < sizeof vc / sizeof vc[0]; c++) {
            wmel_ctx *ctx = t_ctx(WMEL_BACKEND_CPU, vc[c].n_mels, vc[c].isa, 1, vc[c].norm,
                                  WMEL_SMOOTH_NONE);
            wmel_ctx *rc = t_ctx(WMEL_BACKEND_CPU, vc[c].n_mels, vc[c].isa, 1, WMEL_NORM_NONE,
                                 WMEL_SMOOTH_NONE);
            if (!ctx || !rc) continue;
            const int whole = vc[c].norm == WMEL_NORM_WHOLE;
            size_t renorms = 0;
            char what[128];
            for (unsigned seed = 1; seed <= (c == 0 ? 4u : 2u) / (emu ? 2u : 1u); seed++) {
                snprintf(what, sizeof what, "%s, speech + bursts", vc[c].name);
                view_session(ctx, rc, whole, mix, 3 * ns + nb, seed, (seed % 2 ? 15 : 5) * 16000,
                             what, &renorms);
            }
            for (size_t f = 0; f < sizeof names / sizeof names[0]; f += emu ? 4 : 1) {
                size_t gn;
                float *gx = t_load_wav(names[f], &gn);
                snprintf(what, sizeof what, "%s, %s", vc[c].name, names[f]);
                view_session(ctx, rc, whole, gx, gn, 31u + (unsigned)f, 3 * 16000, what, &renorms);
                wmel_free(gx);
            }
            /* the bursts must have moved the max while columns were kept */
            CHECK(whole ? renorms > 0 : renorms == 0, "%s: %zu renormalisations", vc[c].name,
                  renorms);
            wmel_destroy(ctx);
            wmel_destroy(rc);
        }
        free(mix);
        free(bu);
        wmel_free(sp);
    }
    view_edge_cases();

    wmel_ctx *e = t_ctx(WMEL_BACKEND_CPU, 80, WMEL_ISA_AUTO, 1, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE);
    edge_cases(e);
    wmel_destroy(e);
    threads(nz, emu ? 20 * 16000 : nn, emu ? 4 : 8);
    free(nz);
    return t_done("test_sliding");
}
