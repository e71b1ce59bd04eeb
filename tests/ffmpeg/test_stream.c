/*
 * test_stream.c -- streaming features and transcribe windows.
 *  - wmel_stream gives bit-identical raw frames to wmel_log_mel(NORM_NONE) on the whole
 *    clip, whatever the push sizes (seeded), lengths around the hop/block edges,
 *    padding 0 and 480000;
 *  - the windows of speech_long.wav equal windows cut from openai's
 *    log_mel_spectrogram(audio, padding=480000) (speech_long_wav.mel80_padded.npy) within
 *    1e-4 — openai's float32 path is itself off by up to 7.2e-5 — and those cut from the
 *    float64 backend within 2e-5 (both through the spill file: 5 windows > 4 in memory);
 *  - edge cases: shorter than one frame, exactly 3000 frames, NULLs.
 */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct sink {
    float *all; /* [n_mels][nf] */
    size_t nf, n_mels, next;
    int order_ok;
} sink;

static int collect(void *user, const float *raw, size_t f0, size_t nf)
{
    sink *s = user;
    if (f0 != s->next || f0 + nf > s->nf) {
        s->order_ok = 0;
        return WMEL_ERR_INVALID_ARG;
    }
    for (size_t m = 0; m < s->n_mels; m++)
        memcpy(s->all + m * s->nf + f0, raw + m * nf, nf * sizeof(float));
    s->next += nf;
    return WMEL_OK;
}

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

/* tol 0: bit-identical (the same backend); else max abs difference allowed (a CUDA ctx,
 * whose streams run on the CPU engine). */
static void stream_case(wmel_ctx *ctx, const float *pcm, size_t n, size_t padding, double tol)
{
    size_t nf = wmel_n_frames(n, padding);
    float *whole = malloc(80 * nf * sizeof(float));
    sink s = {malloc(80 * nf * sizeof(float)), nf, 80, 0, 1};
    int rc = wmel_log_mel(ctx, pcm, n, padding, whole, 80 * nf);
    CHECK(rc == WMEL_OK, "log_mel n=%zu: %d", n, rc);
    int st;
    wmel_stream *ws = wmel_stream_create(ctx, padding, collect, &s, &st);
    CHECK(ws != NULL, "stream_create");
    uint32_t seed = rng;
    for (size_t k = 0; k < n && rc == WMEL_OK;) {
        size_t piece = 1 + rnd() % (rnd() % 4 == 0 ? 200000 : 3000);
        if (piece > n - k) piece = n - k;
        rc = wmel_stream_push(ws, pcm + k, piece);
        k += piece;
    }
    if (rc == WMEL_OK) rc = wmel_stream_finish(ws);
    CHECK(rc == WMEL_OK, "stream n=%zu padding=%zu: %d", n, padding, rc);
    CHECK(s.next == nf && s.order_ok, "stream n=%zu: %zu of %zu frames, in order %d", n, s.next, nf, s.order_ok);
    float mx = -1e30f;
    for (size_t i = 0; i < 80 * nf; i++) mx = whole[i] > mx ? whole[i] : mx;
    CHECK(fabs((double)wmel_stream_max(ws) - mx) <= tol, "max %.9g vs %.9g", wmel_stream_max(ws), mx);
    CHECK(wmel_stream_samples(ws) == n, "samples");
    CHECK(wmel_stream_push(ws, pcm, 1) == WMEL_ERR_INVALID_ARG, "push after finish");
    size_t diff = 0;
    if (s.next == nf)
        for (size_t i = 0; i < 80 * nf; i++)
            diff += tol == 0 ? memcmp(&whole[i], &s.all[i], 4) != 0 : !(fabs((double)whole[i] - s.all[i]) <= tol);
    CHECK(diff == 0, "stream n=%zu padding=%zu seed=%u: %zu values differ from wmel_log_mel", n,
          padding, seed, diff);
    wmel_stream_destroy(ws);
    free(whole);
    free(s.all);
}

/* Windows cut from a full (n_mels, content + 3000) spectrogram, as transcribe() does. */
static double window_err(wmel_windows *w, const double *full, size_t full_nf, size_t content,
                         size_t *count)
{
    float *win = malloc(80 * 3000 * sizeof(float));
    double e = 0;
    size_t k = 0, frames;
    while (wmel_windows_next(w, win, 80 * 3000, &frames) == WMEL_OK && frames) {
        size_t seek = k * 3000, nc = content - seek < 3000 ? content - seek : 3000;
        CHECK(frames == nc, "window %zu: %zu content frames, want %zu", k, frames, nc);
        for (size_t m = 0; m < 80; m++)
            for (size_t t = 0; t < 3000; t++) {
                double ref = t < nc ? full[m * full_nf + seek + t] : 0.0;
                double d = fabs(win[m * 3000 + t] - ref);
                if (d > e) e = d;
            }
        k++;
    }
    *count = k;
    free(win);
    return e;
}

static void test_windows(void)
{
    size_t n;
    float *pcm = t_load_wav("audio/speech_long.wav", &n);
    size_t content = n / 160, count;
    int st;
    wmel_ctx *ctx = wmel_create(NULL, &st);

    /* against openai's float32 spectrogram */
    wmel_npy a;
    double *ref = t_load_npy("ref/speech_long_wav.mel80_padded.npy", &a);
    CHECK(a.shape[1] == wmel_n_frames(n, 480000), "golden shape");
    wmel_windows *w = wmel_windows_open_pcm(ctx, pcm, n, &st);
    CHECK(w != NULL, "windows_open_pcm: %d", st);
    CHECK(wmel_windows_count(w) == (content + 2999) / 3000, "count %zu", wmel_windows_count(w));
    CHECK(wmel_windows_samples(w) == n, "samples");
    double e = window_err(w, ref, a.shape[1], content, &count);
    CHECK(count == (content + 2999) / 3000, "windows given: %zu", count);
    CHECK(e <= 1e-4, "windows vs openai: %.3g", e);
    printf("speech_long.wav: %zu windows, max abs error vs openai (mel80_padded) %.3g\n", count, e);
    wmel_windows_close(w);

    /* against the float64 backend on the whole padded clip (not under an emulator, where
       its direct DFT on 163 s would take most of the suite's time) */
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_REF;
    wmel_ctx *rctx = NULL;
    size_t nf = wmel_n_frames(n, 480000);
    float *full = NULL;
    double *fulld = NULL;
    if (t_emulated()) {
        printf("speech_long.wav: the float64 backend's windows left out under the emulator\n");
        goto edges;
    }
    rctx = wmel_create(&p, &st);
    full = malloc(80 * nf * sizeof(float));
    fulld = malloc(80 * nf * sizeof(double));
    CHECK(wmel_log_mel(rctx, pcm, n, 480000, full, 80 * nf) == WMEL_OK, "ref log_mel");
    for (size_t i = 0; i < 80 * nf; i++) fulld[i] = full[i];
    char path[1024], err[1024], warn[1024];
    snprintf(path, sizeof path, "%s", t_golden("audio/speech_long.wav"));
    w = wmel_windows_open(ctx, path, NULL, NULL, &st, err, sizeof err, warn, sizeof warn);
    CHECK(w != NULL, "windows_open(path): %s", err);
    if (w) {
        e = window_err(w, fulld, nf, content, &count);
        CHECK(e <= 2e-5, "windows vs float64 backend: %.3g", e);
        printf("speech_long.wav: max abs error vs the float64 backend %.3g\n", e);
        size_t frames = 7;
        float one;
        CHECK(wmel_windows_next(w, &one, 1, &frames) == WMEL_OK && frames == 0, "after the end");
    }
    wmel_windows_close(w);

    /* the iterator's own float64 run equals the full float64 run, bit for bit */
    w = wmel_windows_open_pcm(rctx, pcm, n, &st);
    e = window_err(w, fulld, nf, content, &count);
    CHECK(e == 0, "ref windows vs ref full: %.3g", e);
    wmel_windows_close(w);

edges: /* edge cases */
    ;
    float *win = malloc(80 * 3000 * sizeof(float));
    size_t frames;
    w = wmel_windows_open_pcm(ctx, pcm, 159, &st); /* no full frame of content */
    CHECK(w && wmel_windows_count(w) == 0, "159 samples: count %zu", wmel_windows_count(w));
    CHECK(w && wmel_windows_next(w, win, 80 * 3000, &frames) == WMEL_OK && frames == 0, "159: none");
    wmel_windows_close(w);
    w = wmel_windows_open_pcm(ctx, pcm, 480000, &st); /* exactly one window */
    CHECK(w && wmel_windows_count(w) == 1, "30 s: count");
    CHECK(w && wmel_windows_next(w, win, 80 * 3000 - 1, &frames) == WMEL_ERR_BUFFER_TOO_SMALL, "small buffer");
    CHECK(w && wmel_windows_next(w, win, 80 * 3000, &frames) == WMEL_OK && frames == 3000, "30 s: 3000 frames");
    wmel_windows_close(w);
    w = wmel_windows_open_pcm(ctx, pcm, 480160, &st);
    CHECK(w && wmel_windows_count(w) == 2, "30.01 s: 2 windows");
    wmel_windows_close(w);
    CHECK(wmel_windows_open_pcm(ctx, pcm, 0, &st) == NULL && st == WMEL_ERR_NO_SAMPLES, "0 samples");
    CHECK(wmel_windows_open_pcm(NULL, pcm, 10, &st) == NULL && st == WMEL_ERR_NULL_POINTER, "NULL ctx");
    wmel_windows_close(NULL);
    CHECK(wmel_windows_next(NULL, win, 1, &frames) == WMEL_ERR_NULL_POINTER, "NULL iterator");
    free(win);

    /* streaming: bit-identical to the whole-clip computation on the CPU backend */
    p = wmel_default_params();
    p.norm = WMEL_NORM_NONE;
    p.backend = WMEL_BACKEND_CPU;
    wmel_ctx *nctx = wmel_create(&p, &st);
    size_t lens[] = {201, 360, 361, 1000, 160 * 2048 + 37, 160 * 2050 + 199, 160 * 2048 * 3 + 200, n};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        stream_case(nctx, pcm, lens[i], 0, 0);
        stream_case(nctx, pcm, lens[i], 480000, 0);
    }
    stream_case(nctx, pcm, 100, 101, 0); /* all but the first 100 samples are padding */
    CHECK(!strcmp(wmel_op_backend(nctx, WMEL_OP_STREAM), "cpu"), "stream op on a cpu ctx: %s",
          wmel_op_backend(nctx, WMEL_OP_STREAM));
    /* AUTO (CUDA where a device is): streams run on the CPU engine and say so; the
     * whole-clip call may run on the GPU, within the cross-backend bar of 2e-5 */
    p.backend = WMEL_BACKEND_AUTO;
    wmel_ctx *actx = wmel_create(&p, &st);
    CHECK(actx != NULL, "AUTO ctx: %d", st);
    if (actx) {
        const int on_gpu = !strcmp(wmel_backend_name(actx), "cuda");
        CHECK(!strcmp(wmel_op_backend(actx, WMEL_OP_STREAM), "cpu"), "stream op on %s ctx: %s",
              wmel_backend_name(actx), wmel_op_backend(actx, WMEL_OP_STREAM));
        stream_case(actx, pcm, 160 * 2050 + 199, 0, on_gpu ? 2e-5 : 0);
        stream_case(actx, pcm, n, 480000, on_gpu ? 2e-5 : 0);
        printf("streams on an AUTO (%s) ctx: checked against its wmel_log_mel (%s)\n",
               wmel_backend_name(actx), on_gpu ? "within 2e-5" : "bit for bit");
        wmel_destroy(actx);
    }
    wmel_stream *s = wmel_stream_create(nctx, 0, NULL, NULL, &st);
    CHECK(s == NULL && st == WMEL_ERR_NULL_POINTER, "NULL callback");
    sink sk = {NULL, 0, 80, 0, 1};
    s = wmel_stream_create(nctx, 0, collect, &sk, &st);
    CHECK(wmel_stream_push(s, pcm, 200) == WMEL_OK, "push 200");
    CHECK(wmel_stream_finish(s) == WMEL_ERR_TOO_SHORT, "200 samples too short");
    wmel_stream_destroy(s);
    wmel_stream_destroy(NULL);

    wmel_destroy(nctx);
    free(full);
    free(fulld);
    free(ref);
    wmel__npy_free(&a);
    wmel_destroy(rctx);
    wmel_destroy(ctx);
    wmel_free(pcm);
}

int main(void)
{
    test_windows();
    return t_done("test_stream");
}
