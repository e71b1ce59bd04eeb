/*
 * test_live_fe.c -- live audio on the front-end plans (NeMo, NeMo legacy, Kaldi, Seamless
 * and variants) through the public header: the frame stream (wmel_stream_*) against
 * wmel_features() of the whole input with the normalisation off, and the sliding buffer
 * (wmel_sliding_*) against wmel_features() of the samples held (normalised as the plan
 * says), under random push sizes (1 sample to several seconds) and random trims, on a
 * golden and on noise with stretches of digital silence, on every CPU level; the frames
 * computed per call against what the new audio needs; edge cases; buffers of different
 * plans on threads of their own.
 *
 * Threshold: none -- every comparison is memcmp (the same frame kernel on the same frames).
 */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int frontend, n_mels, norm_none, use_energy, isa;
    int hop;  /* 0: the preset's */
    int norm; /* 0: the preset's, else WMEL_NORM_* + 1 */
} plan_case;

static wmel_ctx *plan_ctx(const plan_case *pc, int norm_none, int threads)
{
    wmel_frontend_plan plan;
    int st = wmel_frontend_preset(pc->frontend, pc->n_mels, &plan);
    CHECK(st == WMEL_OK, "%s: preset %d", pc->name, st);
    if (pc->norm) plan.norm = pc->norm - 1;
    if (norm_none || pc->norm_none) plan.norm = WMEL_NORM_NONE;
    plan.use_energy = pc->use_energy;
    if (pc->hop) plan.hop = pc->hop;
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CPU;
    p.max_isa = pc->isa;
    p.n_threads = threads;
    wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
    CHECK(c && st == WMEL_OK, "%s: create %s", pc->name, wmel_strerror(st));
    return c;
}

/* features() of the buffer against wmel_features() of the samples held. */
static int same_as_offline(wmel_ctx *ctx, wmel_sliding *b, const float *held, size_t n,
                           const char *what, unsigned seed)
{
    size_t rows = 0, cols = 0, r2 = 0, c2 = 0;
    int ss = wmel_sliding_shape(b, 0, &rows, &cols);
    int so = wmel_features_shape(ctx, n, &r2, &c2);
    CHECK(ss == so && rows == r2 && cols == c2, "%s: shape %d %zux%zu vs %d %zux%zu", what, ss,
          rows, cols, so, r2, c2);
    size_t len = r2 * c2;
    float *a = malloc((len ? len : 1) * sizeof(float)), *r = malloc((len ? len : 1) * sizeof(float));
    int sa = wmel_sliding_features(b, 0, a, len);
    int sr = wmel_features(ctx, held, n, r, len);
    int ok = sa == sr && (sa != WMEL_OK || !memcmp(a, r, len * sizeof(float)));
    if (!ok) {
        size_t bad = 0;
        while (sa == WMEL_OK && bad < len && a[bad] == r[bad]) bad++;
        CHECK(ok, "%s seed %u: n %zu: status %d/%d, first difference at %zu of %zux%zu "
                  "(%.9g vs %.9g), kernel %s", what, seed, n, sa, sr, bad, r2, c2,
              bad < len ? a[bad] : 0.0, bad < len ? r[bad] : 0.0, wmel_kernel_name(ctx));
    } else {
        t_checks++;
    }
    free(a);
    free(r);
    return ok;
}

/* One random run over x[0..n): pushes, trims (mostly multiples of 160), features. */
static void session(wmel_ctx *ctx, const float *x, size_t n, unsigned seed, size_t max_buf,
                    const char *what)
{
    t_rng = seed;
    int st;
    wmel_sliding *b = wmel_sliding_create(ctx, &st);
    CHECK(b && st == WMEL_OK, "%s: create %d", what, st);
    if (!b) return;
    wmel_frontend_plan plan;
    wmel_ctx_plan(ctx, &plan);
    size_t pos = 0, start = 0, pushed_since = 0;
    int regrid = 1, fails = 0;
    wmel_sliding_stats s0, s1;
    wmel_sliding_stats_get(b, &s0);
    while (pos < n && fails < 3) {
        size_t k = t_push_size(48000);
        if (k > n - pos) k = n - pos;
        CHECK(wmel_sliding_push(b, x + pos, k) == WMEL_OK, "push");
        pos += k;
        pushed_since += k;
        size_t len = pos - start;
        if (len > max_buf || t_rnd() % 8 == 0) {
            size_t t = len > max_buf ? len - max_buf / 2 : t_rnd() % (len + 1);
            if (t_rnd() % 5) t -= t % (size_t)plan.hop;
            else if (t % (size_t)plan.hop) regrid = 1;
            CHECK(wmel_sliding_trim(b, t) == WMEL_OK, "trim %zu of %zu", t, len);
            start += t;
        }
        len = pos - start;
        CHECK(len == 0 || !memcmp(wmel_sliding_samples(b), x + start, len * sizeof(float)),
              "samples differ");
        if (t_rnd() % 3 == 0) continue;
        if (!same_as_offline(ctx, b, x + start, len, what, seed)) fails++;
        wmel_sliding_stats_get(b, &s1);
        /* the new interior frames (pushed / hop + 1), the first ones (2), those that reach
           past the end (frame_length / hop + 2) */
        size_t bound = pushed_since / (size_t)plan.hop + 1 + 2 +
                       (size_t)plan.frame_length / (size_t)plan.hop + 2;
        size_t did = s1.frames_computed - s0.frames_computed;
        if (!regrid)
            CHECK(did <= bound, "%s seed %u: %zu frames computed for %zu new samples (bound %zu, "
                                "buffer %zu)", what, seed, did, pushed_since, bound, len);
        s0 = s1;
        pushed_since = 0;
        regrid = 0;
    }
    wmel_sliding_destroy(b);
}

/* The frame stream against wmel_features() with the normalisation off. */
typedef struct {
    float *fr;   /* [frames][n_cols] */
    size_t cap, cols, next;
    int order_ok;
} collect;

static int on_frames(void *user, const float *raw, size_t f0, size_t nf)
{
    collect *c = user;
    if (f0 != c->next || f0 + nf > c->cap) {
        c->order_ok = 0;
        return WMEL_ERR_INVALID_ARG;
    }
    for (size_t t = 0; t < nf; t++)
        for (size_t m = 0; m < c->cols; m++) c->fr[(f0 + t) * c->cols + m] = raw[m * nf + t];
    c->next += nf;
    return WMEL_OK;
}

/* Frames whose samples are all in after `total` samples (the documented rule). */
static size_t complete(const wmel_frontend_plan *p, size_t total, size_t frames)
{
    long long off = p->framing == WMEL_FRAMES_SNIP ? 0 : (p->n_fft - p->frame_length) / 2 - p->n_fft / 2;
    long long room = (long long)total - off - p->frame_length;
    if (p->framing == WMEL_FRAMES_CENTER_REFLECT && total <= (size_t)p->n_fft / 2) return 0;
    size_t r = room < 0 ? 0 : (size_t)(room / p->hop) + 1;
    return r < frames ? r : frames;
}

static void stream_check(wmel_ctx *raw, const float *x, size_t n, unsigned seed, const char *what)
{
    t_rng = seed;
    wmel_frontend_plan p;
    wmel_ctx_plan(raw, &p);
    size_t rows = 0, cols = 0;
    CHECK(wmel_features_shape(raw, n, &rows, &cols) == WMEL_OK, "%s: shape", what);
    const size_t nc = (size_t)p.n_mels + (size_t)p.use_energy;
    const int fm = p.layout == WMEL_LAYOUT_FRAMES_MELS;
    /* frames the offline output computes (the others are zeros) */
    const size_t hop = (size_t)p.hop, fl = (size_t)p.frame_length;
    const size_t frames = p.framing == WMEL_FRAMES_SNIP ? (n < fl ? 0 : 1 + (n - fl) / hop) : 1 + n / hop;
    const size_t F = p.valid == WMEL_VALID_ALL ? frames : (n / hop < frames ? n / hop : frames);
    collect c = {malloc((F + 1) * nc * sizeof(float)), F, nc, 0, 1};
    float *r = malloc((rows * cols + 1) * sizeof(float));
    int st;
    wmel_stream *s = wmel_stream_create(raw, 0, on_frames, &c, &st);
    CHECK(s != NULL, "%s: stream create %d", what, st);
    if (!s) return;
    for (size_t pos = 0; pos < n;) {
        size_t k = t_push_size(48000);
        if (k > n - pos) k = n - pos;
        CHECK(wmel_stream_push(s, x + pos, k) == WMEL_OK, "push");
        pos += k;
        size_t done = complete(&p, pos, F);
        CHECK(c.next == done, "%s: %zu frames out after %zu samples, %zu complete", what, c.next,
              pos, done);
    }
    CHECK(wmel_stream_finish(s) == WMEL_OK, "%s: finish", what);
    CHECK(c.order_ok && c.next == F, "%s: %zu of %zu frames, in order %d", what, c.next, F,
          c.order_ok);
    CHECK(wmel_stream_samples(s) == n, "samples");
    CHECK(wmel_features(raw, x, n, r, rows * cols) == WMEL_OK, "offline");
    int same = 1;
    float mx = -1e30f;
    for (size_t t = 0; t < F && same; t++)
        for (size_t m = 0; m < nc; m++) {
            const float o = fm ? r[t * nc + m] : r[m * cols + t];
            if (memcmp(&o, &c.fr[t * nc + m], sizeof o)) {
                CHECK(0, "%s seed %u: frame %zu of %zu, column %zu: %.9g vs offline %.9g", what,
                      seed, t, F, m, c.fr[t * nc + m], o);
                same = 0;
                break;
            }
            if (o > mx) mx = o;
        }
    if (same) t_checks++;
    CHECK(F == 0 || wmel_stream_max(s) == mx, "%s: max", what);
    wmel_stream_destroy(s);
    free(c.fr);
    free(r);
}

static void edge_cases(void)
{
    int st;
    float x[2000], out[4000];
    t_chirp(x, 2000, 5);
    plan_case nemo = {"nemo", WMEL_FRONTEND_NEMO, 80, 0, 0, WMEL_ISA_AUTO, 0, 0};
    plan_case legacy = {"legacy", WMEL_FRONTEND_NEMO_LEGACY, 80, 0, 0, WMEL_ISA_AUTO, 0, 0};
    plan_case kaldi = {"kaldi", WMEL_FRONTEND_KALDI, 23, 0, 0, WMEL_ISA_AUTO, 0, 0};
    wmel_ctx *cn = plan_ctx(&nemo, 0, 1), *cl = plan_ctx(&legacy, 0, 1), *ck = plan_ctx(&kaldi, 0, 1);
    if (!cn || !cl || !ck) return;

    /* sliding: empty, short, trim past the end, padding refused, NaN */
    wmel_sliding *b = wmel_sliding_create(cn, &st);
    CHECK(b && st == WMEL_OK, "nemo sliding");
    size_t rows, cols;
    CHECK(wmel_sliding_features(b, 0, out, 4000) == WMEL_ERR_NO_SAMPLES, "empty nemo buffer");
    CHECK(wmel_sliding_shape(b, 0, &rows, &cols) == WMEL_ERR_NO_SAMPLES, "empty shape");
    CHECK(wmel_sliding_trim(b, 1) == WMEL_ERR_INVALID_ARG, "trim past an empty buffer");
    CHECK(wmel_sliding_push(b, x, 10) == WMEL_OK, "push 10");
    same_as_offline(cn, b, x, 10, "nemo 10 samples", 0);
    CHECK(wmel_sliding_features(b, 1, out, 4000) == WMEL_ERR_INVALID_ARG, "padding refused");
    CHECK(wmel_sliding_shape(b, 1, &rows, &cols) == WMEL_ERR_INVALID_ARG, "padding shape");
    CHECK(wmel_sliding_n_frames(b, 1) == 0 && wmel_sliding_n_frames(b, 0) == 1, "n_frames");
    CHECK(wmel_sliding_trim(b, 11) == WMEL_ERR_INVALID_ARG, "trim 11 of 10");
    CHECK(wmel_sliding_length(b) == 10, "a refused trim drops nothing");
    float bad[3] = {0.0f, NAN, 1.0f};
    CHECK(wmel_sliding_push(b, bad, 3) == WMEL_ERR_NOT_FINITE, "NaN refused");
    CHECK(wmel_sliding_push(b, x + 10, 1990) == WMEL_OK, "push");
    CHECK(wmel_sliding_features(b, 0, out, 80 * 13 - 1) == WMEL_ERR_BUFFER_TOO_SMALL, "small");
    CHECK(wmel_sliding_features(b, 0, NULL, 0) == WMEL_ERR_NULL_POINTER, "NULL out");
    same_as_offline(cn, b, x, 2000, "nemo 2000", 0);
    CHECK(wmel_sliding_trim(b, 2000) == WMEL_OK && wmel_sliding_length(b) == 0, "trim all");
    CHECK(wmel_sliding_push(b, x, 2000) == WMEL_OK, "refill");
    same_as_offline(cn, b, x, 2000, "nemo refill", 0);
    wmel_sliding_destroy(b);

    b = wmel_sliding_create(cl, &st);
    CHECK(wmel_sliding_push(b, x, 256) == WMEL_OK, "legacy push");
    CHECK(wmel_sliding_features(b, 0, out, 4000) == WMEL_ERR_TOO_SHORT, "legacy 256 samples");
    CHECK(wmel_sliding_push(b, x + 256, 1) == WMEL_OK, "legacy push 1");
    same_as_offline(cl, b, x, 257, "legacy 257", 0);
    wmel_sliding_destroy(b);

    b = wmel_sliding_create(ck, &st);
    CHECK(wmel_sliding_push(b, x, 399) == WMEL_OK, "kaldi push");
    CHECK(wmel_sliding_shape(b, 0, &rows, &cols) == WMEL_OK && rows * cols == 0, "no frame yet");
    CHECK(wmel_sliding_features(b, 0, NULL, 0) == WMEL_OK, "kaldi 399: nothing to write");
    CHECK(wmel_sliding_push(b, x + 399, 1) == WMEL_OK, "kaldi push 1");
    same_as_offline(ck, b, x, 400, "kaldi 400", 0);
    wmel_sliding_destroy(b);

    /* stream: finish on empty, too short, padding refused, push after finish, NaN */
    collect c = {malloc(100 * 81 * sizeof(float)), 100, 80, 0, 1};
    wmel_stream *s = wmel_stream_create(cn, 160, on_frames, &c, &st);
    CHECK(!s && st == WMEL_ERR_INVALID_ARG, "stream padding refused on a plan");
    s = wmel_stream_create(cn, 0, on_frames, &c, &st);
    CHECK(s && wmel_stream_finish(s) == WMEL_ERR_NO_SAMPLES && c.next == 0, "finish on empty");
    wmel_stream_destroy(s);
    s = wmel_stream_create(cn, 0, on_frames, &c, &st);
    CHECK(wmel_stream_push(s, bad, 3) == WMEL_ERR_NOT_FINITE, "stream NaN");
    CHECK(wmel_stream_push(s, x, 2000) == WMEL_OK && wmel_stream_finish(s) == WMEL_OK, "stream");
    CHECK(wmel_stream_push(s, x, 1) == WMEL_ERR_INVALID_ARG, "push after finish");
    CHECK(wmel_stream_finish(s) == WMEL_OK, "finish twice");
    wmel_stream_destroy(s);
    c.next = 0;
    s = wmel_stream_create(cl, 0, on_frames, &c, &st);
    CHECK(wmel_stream_push(s, x, 256) == WMEL_OK && wmel_stream_finish(s) == WMEL_ERR_TOO_SHORT,
          "legacy finish after 256");
    wmel_stream_destroy(s);
    c.next = 0;
    c.cols = 23;
    s = wmel_stream_create(ck, 0, on_frames, &c, &st);
    CHECK(wmel_stream_push(s, x, 300) == WMEL_OK && wmel_stream_finish(s) == WMEL_OK && c.next == 0,
          "kaldi: 300 samples, no frame");
    wmel_stream_destroy(s);
    free(c.fr);
    CHECK(!strcmp(wmel_op_backend(cn, WMEL_OP_STREAM), "cpu"), "op backend");
    /* windows: Whisper's only */
    CHECK(wmel_windows_open_pcm(cn, x, 2000, &st) == NULL && st == WMEL_ERR_INVALID_ARG,
          "windows refused on a plan");
    wmel_destroy(cn);
    wmel_destroy(cl);
    wmel_destroy(ck);
}

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
    size_t rows, cols, start = 0;
    wmel_features_shape(j->ctx, j->n, &rows, &cols);
    size_t cap = rows * cols + 1024;
    float *a = malloc(cap * sizeof(float)), *o = malloc(cap * sizeof(float));
    j->ok = b && a && o;
    for (size_t pos = 0; pos < j->n && j->ok;) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t k = 1600 + (size_t)(r >> 33) % 16000;
        if (k > j->n - pos) k = j->n - pos;
        wmel_sliding_push(b, j->x + pos, k);
        pos += k;
        if (pos - start > 8 * 16000) {
            size_t t = (pos - start - 4 * 16000) / 160 * 160;
            wmel_sliding_trim(b, t);
            start += t;
        }
        size_t len = pos - start;
        j->ok = wmel_features_shape(j->ctx, len, &rows, &cols) == WMEL_OK &&
                wmel_sliding_features(b, 0, a, rows * cols) == WMEL_OK &&
                wmel_features(j->ctx, j->x + start, len, o, rows * cols) == WMEL_OK &&
                !memcmp(a, o, rows * cols * sizeof(float));
    }
    wmel_sliding_destroy(b);
    free(a);
    free(o);
    return NULL;
}

static int count_frames(void *user, const float *raw, size_t f0, size_t nf)
{
    (void)raw;
    (void)f0;
    *(size_t *)user += nf;
    return WMEL_OK;
}

/* A plan with no log and no normalisation outputs the mel energies themselves: finite
 * samples of 1e20 give energies past float32's range, which every path refuses with
 * WMEL_ERR_SAMPLE_RANGE (as Whisper's geometry does) instead of returning +Inf; 1e15 stays
 * in range, and a NaN anywhere in the input still reads WMEL_ERR_NOT_FINITE. */
static void log_none_range(void)
{
    /* every level's cast and range check (AUTO: AVX2 on AVX-512 machines; a level the CPU
       lacks runs the next one down) */
    const int isas[] = {WMEL_ISA_C, WMEL_ISA_AUTO, WMEL_ISA_AVX512, WMEL_ISA_NEON};
    const int backends[] = {WMEL_BACKEND_CPU, WMEL_BACKEND_REF};
    const size_t n = 16000;
    float *x = malloc(n * sizeof(float)), *out = NULL;
    CHECK(x != NULL, "malloc");
    if (!x) return;
    for (int fi = 0; fi < 2; fi++)
        for (int bi = 0; bi < 2; bi++)
            for (int ii = 0; ii < 4; ii++)
                for (int norm = 0; norm < 2; norm++) {
                    wmel_frontend_plan plan;
                    wmel_frontend_preset(fi ? WMEL_FRONTEND_KALDI : WMEL_FRONTEND_NEMO, 80, &plan);
                    plan.log = WMEL_LOG_NONE;
                    plan.norm = norm ? WMEL_NORM_PER_FEATURE : WMEL_NORM_NONE;
                    wmel_params p = wmel_default_params();
                    p.backend = backends[bi];
                    p.max_isa = isas[ii];
                    p.n_threads = 2;
                    int st;
                    wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
                    CHECK(c != NULL, "log none: create %s", wmel_strerror(st));
                    if (!c) continue;
                    size_t rows, cols;
                    wmel_features_shape(c, n, &rows, &cols);
                    out = realloc(out, rows * cols * sizeof(float));
                    for (int big = 0; big < 3; big++) {
                        const float amp = big == 0 ? (fi ? 1e11f : 1e15f) : 1e20f; /* Kaldi scales by 32768 */
                        for (size_t i = 0; i < n; i++) x[i] = (i & 1 ? amp : -amp) * (float)((i % 7) + 1) / 7.0f;
                        if (big == 2) x[n - 3] = NAN; /* a NaN after the large samples */
                        const int want = big == 0 ? WMEL_OK : big == 1 ? WMEL_ERR_SAMPLE_RANGE : WMEL_ERR_NOT_FINITE;
                        int rc = wmel_features(c, x, n, out, rows * cols);
                        CHECK(rc == want, "log none, %s, backend %d, isa %d, norm %d, amp %g%s: %s, not %s",
                              fi ? "kaldi" : "nemo", backends[bi], isas[ii], norm, (double)amp,
                              big == 2 ? " + NaN" : "", wmel_strerror(rc), wmel_strerror(want));
                        if (rc == WMEL_OK) {
                            size_t bad = 0;
                            for (size_t i = 0; i < rows * cols; i++) bad += !isfinite(out[i]);
                            CHECK(bad == 0, "log none, amp 1e15: %zu values not finite", bad);
                        }
                        if (bi != 0 || big == 2) continue;
                        /* the frame stream and the sliding buffer (CPU) say the same */
                        size_t got = 0;
                        wmel_stream *s = wmel_stream_create(c, 0, count_frames, &got, &st);
                        CHECK(s != NULL, "log none: stream %s", wmel_strerror(st));
                        if (s) {
                            int r1 = wmel_stream_push(s, x, n);
                            int r2 = r1 == WMEL_OK ? wmel_stream_finish(s) : r1;
                            CHECK(r2 == want, "log none stream, amp %g: %s", (double)amp, wmel_strerror(r2));
                            wmel_stream_destroy(s);
                        }
                        wmel_sliding *b = wmel_sliding_create(c, &st);
                        CHECK(b != NULL, "log none: sliding %s", wmel_strerror(st));
                        if (b) {
                            CHECK(wmel_sliding_push(b, x, n) == WMEL_OK, "log none: sliding push");
                            int r3 = wmel_sliding_features(b, 0, out, rows * cols);
                            CHECK(r3 == want, "log none sliding, amp %g: %s", (double)amp, wmel_strerror(r3));
                            r3 = wmel_sliding_features(b, 0, out, rows * cols); /* nothing kept from the failure */
                            CHECK(r3 == want, "log none sliding again, amp %g: %s", (double)amp, wmel_strerror(r3));
                            wmel_sliding_destroy(b);
                        }
                    }
                    wmel_destroy(c);
                }
    free(out);
    free(x);
}

int main(void)
{
    const plan_case cases[] = {
        {"nemo 80", WMEL_FRONTEND_NEMO, 80, 0, 0, WMEL_ISA_AUTO, 0, 0},
        {"nemo 128 c", WMEL_FRONTEND_NEMO, 128, 0, 0, WMEL_ISA_C, 0, 0},
        {"nemo-legacy 80", WMEL_FRONTEND_NEMO_LEGACY, 80, 0, 0, WMEL_ISA_AUTO, 0, 0},
        {"kaldi 80", WMEL_FRONTEND_KALDI, 80, 0, 0, WMEL_ISA_AUTO, 0, 0},
        {"kaldi 40 energy c", WMEL_FRONTEND_KALDI, 40, 0, 1, WMEL_ISA_C, 0, 0},
        {"seamless 80", WMEL_FRONTEND_SEAMLESS, 80, 0, 0, WMEL_ISA_AUTO, 0, 0},
        {"seamless 80 c", WMEL_FRONTEND_SEAMLESS, 80, 0, 0, WMEL_ISA_C, 0, 0},
        {"nemo 80 none", WMEL_FRONTEND_NEMO, 80, 1, 0, WMEL_ISA_AUTO, 0, 0},
        /* frame starts on multiples of the hop: the piece's margin before a frame */
        {"nemo 64 hop 100", WMEL_FRONTEND_NEMO, 64, 0, 0, WMEL_ISA_AUTO, 100, 0},
        {"nemo-legacy 64 hop 200", WMEL_FRONTEND_NEMO_LEGACY, 64, 0, 0, WMEL_ISA_AUTO, 200, 0},
        /* each normalisation on each layout */
        {"nemo 80 whole", WMEL_FRONTEND_NEMO, 80, 0, 0, WMEL_ISA_AUTO, 0, WMEL_NORM_WHOLE + 1},
        {"nemo 80 mean_var", WMEL_FRONTEND_NEMO, 80, 0, 0, WMEL_ISA_AUTO, 0, WMEL_NORM_MEAN_VAR + 1},
        {"kaldi 80 per_feature", WMEL_FRONTEND_KALDI, 80, 0, 0, WMEL_ISA_AUTO, 0, WMEL_NORM_PER_FEATURE + 1},
        {"kaldi 13 whole c", WMEL_FRONTEND_KALDI, 13, 0, 1, WMEL_ISA_C, 0, WMEL_NORM_WHOLE + 1},
    };
    const size_t nn = 24 * 16000;
    float *nz = t_noise_gaps(nn, 3, 20000);
    size_t ns;
    float *sp = t_load_wav("audio/speech_en.wav", &ns);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const plan_case *pc = &cases[i];
        wmel_ctx *ctx = plan_ctx(pc, 0, 1), *raw = plan_ctx(pc, 1, 2 + (int)(i % 2)); /* streams on 2 or 3 */
        if (!ctx || !raw) continue;
        char what[128];
        snprintf(what, sizeof what, "%s, speech_en", pc->name);
        for (unsigned seed = 1; seed <= 2; seed++) session(ctx, sp, ns, seed * 7919u + (unsigned)i, 4 * 16000, what);
        snprintf(what, sizeof what, "%s, noise", pc->name);
        session(ctx, nz, nn, 3 + (unsigned)i, 8 * 16000, what);
        for (unsigned seed = 1; seed <= 2; seed++) {
            snprintf(what, sizeof what, "%s stream, speech_en", pc->name);
            stream_check(raw, sp, ns, seed + 10 * (unsigned)i, what);
        }
        snprintf(what, sizeof what, "%s stream, noise", pc->name);
        stream_check(raw, nz, nn, 5 + (unsigned)i, what);
        snprintf(what, sizeof what, "%s stream, 1000 samples", pc->name);
        stream_check(raw, sp, 1000, 6, what);
        wmel_destroy(ctx);
        wmel_destroy(raw);
    }
    edge_cases();
    log_none_range();

    /* buffers of four plans on threads of their own, two per ctx */
    enum { NT = 8 };
    wmel_ctx *cx[4];
    for (int i = 0; i < 4; i++) cx[i] = plan_ctx(&cases[i == 0 ? 0 : i == 1 ? 2 : i == 2 ? 3 : 5], 0, 1);
    pthread_t th[NT];
    job jobs[NT];
    int started[NT];
    for (int i = 0; i < NT; i++) {
        jobs[i] = (job){cx[i % 4], nz + (size_t)i * 1000, 12 * 16000, 100u + (unsigned)i, 0};
        CHECK(cx[i % 4], "plan_ctx");
        started[i] = cx[i % 4] ? t_thread(&th[i], worker, &jobs[i]) : 0;
    }
    for (int i = 0; i < NT; i++) {
        if (started[i]) pthread_join(th[i], NULL);
        CHECK(jobs[i].ok, "thread %d (seed %u): sliding features differ from wmel_features", i,
              jobs[i].seed);
    }
    for (int i = 0; i < 4; i++) wmel_destroy(cx[i]);
    wmel_free(sp);
    free(nz);
    return t_done("test_live_fe");
}
