/*
 * test_fused.c -- the parallel finishing pass (normalisation and the fused 3x3 smoothing,
 * params.smooth) against its definitions, through the public header only:
 *  - normalised output with 2..8 threads == the 1-thread output, bit for bit, for lengths
 *    around the block (64 frames), thread (128 frames) and tile (256 columns) sizes;
 *  - fused smoothing == wmel_smooth3x3() of the unsmoothed output, bit for bit, for
 *    1, 2, 3 frames upward, 80/128 mels, WMEL_NORM_NONE, int16 input, padding, batches
 *    (per clip and global), 1..4 threads, and callers sharing one ctx at once;
 *  - the golden ref/speech_en_wav.mel80_30s_smooth3x3.npy (openai's float32
 *    log_mel_spectrogram of the 30 s clip, then torch avg_pool2d) within 1e-4, the bar
 *    test_conformance uses against openai's float32 goldens (they carry up to 7.2e-5
 *    of their own error; averaging does not add to it);
 *  - the entry points that cannot smooth refuse a smoothing ctx.
 */
#define _GNU_SOURCE
#include "testutil.h"
#include "wmel.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static float *noise(size_t n, unsigned seed)
{
    float *x = malloc((n ? n : 1) * sizeof *x);
    unsigned s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        /* a loud and a quiet stretch, so the max - 8 clamp bites in places */
        float amp = (i / 4000) % 3 == 0 ? 1e-4f : 0.5f;
        x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * amp;
    }
    return x;
}

static wmel_ctx *mk(int n_mels, int threads, int norm, int smooth)
{
    return t_ctx(WMEL_BACKEND_CPU, n_mels, WMEL_ISA_AUTO, threads, norm, smooth);
}

/* frames: 1, 2, 3, around a block (64), a thread's minimum (128), a tile (256), more */
static const size_t FRAMES[] = {1, 2, 3, 4, 63, 64, 65, 127, 128, 129, 130, 255, 256, 257,
                                258, 300, 384, 513, 640, 1000, 1025, 3000};
#define N_FRAMES (sizeof FRAMES / sizeof FRAMES[0])

static size_t samples_for(size_t frames, size_t k)
{
    size_t n = frames * WMEL_HOP + (k * 37) % WMEL_HOP;
    return n > 200 ? n : 201; /* 1 frame at least */
}

static int same(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof(float)) == 0; }

static void test_parallel_norm(void)
{
    for (int norm = WMEL_NORM_WHOLE; norm <= WMEL_NORM_NONE; norm++) {
        wmel_ctx *one = mk(80, 1, norm, 0);
        for (size_t k = 0; k < N_FRAMES; k++) {
            size_t n = samples_for(FRAMES[k], k), nf = wmel_n_frames(n, 0), cnt = 80 * nf;
            float *x = noise(n, (unsigned)k);
            float *ref = malloc(cnt * sizeof(float)), *got = malloc(cnt * sizeof(float));
            CHECK(wmel_log_mel(one, x, n, 0, ref, cnt) == WMEL_OK, "1 thread, %zu", n);
            for (int th = 2; th <= 8; th++) {
                if (th > 4 && th != 8) continue;
                wmel_ctx *c = mk(80, th, norm, 0);
                for (int rep = 0; rep < 2; rep++) { /* the second call reuses the pool */
                    memset(got, 0, cnt * sizeof(float));
                    CHECK(wmel_log_mel(c, x, n, 0, got, cnt) == WMEL_OK, "%d threads", th);
                    CHECK(same(ref, got, cnt), "norm %d, %zu samples: %d threads != 1 thread",
                          norm, n, th);
                }
                wmel_destroy(c);
            }
            free(x);
            free(ref);
            free(got);
        }
        wmel_destroy(one);
    }
    /* a long input: 40 minutes of padding-dominated audio across 2 and 3 threads */
    size_t n = 160 * 5000 + 11, pad = 16000 * 60 * 40;
    size_t nf = wmel_n_frames(n, pad), cnt = 80 * nf;
    float *x = noise(n, 99), *ref = malloc(cnt * sizeof(float)), *got = malloc(cnt * sizeof(float));
    wmel_ctx *one = mk(80, 1, WMEL_NORM_WHOLE, 0);
    CHECK(wmel_log_mel(one, x, n, pad, ref, cnt) == WMEL_OK, "long, 1 thread");
    for (int th = 2; th <= 3; th++) {
        wmel_ctx *c = mk(80, th, WMEL_NORM_WHOLE, 0);
        CHECK(wmel_log_mel(c, x, n, pad, got, cnt) == WMEL_OK, "long");
        CHECK(same(ref, got, cnt), "long input: %d threads != 1 thread", th);
        wmel_destroy(c);
    }
    wmel_destroy(one);
    free(x);
    free(ref);
    free(got);
}

/* fused smoothing vs wmel_smooth3x3 of the plain output of the same settings */
static void check_smooth(int n_mels, int th, int norm, const float *x, size_t n, size_t pad,
                         int s16)
{
    size_t nf = wmel_n_frames(n, pad), cnt = (size_t)n_mels * nf;
    float *ref = malloc(cnt * sizeof(float)), *got = malloc(cnt * sizeof(float));
    wmel_ctx *plain = mk(n_mels, th, norm, WMEL_SMOOTH_NONE);
    wmel_ctx *sm = mk(n_mels, th, norm, WMEL_SMOOTH_3X3);
    int16_t *q = NULL;
    if (s16) {
        q = malloc(n * sizeof *q);
        for (size_t i = 0; i < n; i++) q[i] = (int16_t)(x[i] * 32767.0f);
        CHECK(wmel_log_mel_s16(plain, q, n, pad, ref, cnt) == WMEL_OK, "s16 plain");
        CHECK(wmel_log_mel_s16(sm, q, n, pad, got, cnt) == WMEL_OK, "s16 smooth");
    } else {
        CHECK(wmel_log_mel(plain, x, n, pad, ref, cnt) == WMEL_OK, "plain");
        CHECK(wmel_log_mel(sm, x, n, pad, got, cnt) == WMEL_OK, "smooth");
    }
    CHECK(wmel_smooth3x3(ref, (size_t)n_mels, nf, ref, cnt) == WMEL_OK, "wmel_smooth3x3");
    CHECK(same(ref, got, cnt), "fused smoothing != wmel_smooth3x3: %d mels, %d threads, norm %d, "
          "%zu samples + %zu, s16 %d, max diff %g", n_mels, th, norm, n, pad, s16,
          t_max_abs_diff_ff(ref, got, cnt));
    wmel_destroy(plain);
    wmel_destroy(sm);
    free(q);
    free(ref);
    free(got);
}

static void test_smooth(void)
{
    for (size_t k = 0; k < N_FRAMES; k++) {
        size_t n = samples_for(FRAMES[k], k);
        float *x = noise(n, (unsigned)(100 + k));
        for (int th = 1; th <= 4; th++) {
            check_smooth(80, th, WMEL_NORM_WHOLE, x, n, 0, 0);
            if (k % 3 == 0) check_smooth(128, th, WMEL_NORM_WHOLE, x, n, 0, 0);
            if (k % 3 == 1) check_smooth(80, th, WMEL_NORM_NONE, x, n, 0, 0);
            if (k % 3 == 2) check_smooth(80, th, WMEL_NORM_WHOLE, x, n, 0, 1);
        }
        free(x);
    }
    /* padding (silent tail frames) and more threads than the minimum split allows */
    float *x = noise(16000, 7);
    check_smooth(80, 3, WMEL_NORM_WHOLE, x, 16000, 480000 - 16000, 0);
    check_smooth(80, 8, WMEL_NORM_WHOLE, x, 16000, 200000, 0);
    free(x);
}

static void test_smooth_batch(void)
{
    static const size_t BF[] = {1, 2, 3, 129, 300, 1000};
    for (size_t k = 0; k < sizeof BF / sizeof BF[0]; k++) {
        size_t n = samples_for(BF[k], k), stride = n + 13;
        size_t nf = wmel_n_frames(n, 0), per = 80 * nf;
        for (size_t batch = 1; batch <= 5; batch += 2) {
            float *x = noise(stride * batch, (unsigned)(200 + k));
            float *ref = malloc(per * batch * sizeof(float)), *got = malloc(per * batch * sizeof(float));
            for (int mode = WMEL_BATCH_PER_CLIP; mode <= WMEL_BATCH_GLOBAL; mode++) {
                for (int th = 1; th <= 4; th++) {
                    wmel_ctx *plain = mk(80, th, WMEL_NORM_WHOLE, 0);
                    wmel_ctx *sm = mk(80, th, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3);
                    wmel_ctx *one = mk(80, 1, WMEL_NORM_WHOLE, 0);
                    float *one_out = malloc(per * batch * sizeof(float));
                    CHECK(wmel_log_mel_batch(plain, x, batch, n, stride, 0, mode, ref, per * batch) == WMEL_OK, "batch");
                    CHECK(wmel_log_mel_batch(one, x, batch, n, stride, 0, mode, one_out, per * batch) == WMEL_OK, "batch 1");
                    CHECK(same(ref, one_out, per * batch), "batch mode %d, %zu clips of %zu frames: "
                          "%d threads != 1 thread", mode, batch, nf, th);
                    CHECK(wmel_log_mel_batch(sm, x, batch, n, stride, 0, mode, got, per * batch) == WMEL_OK, "batch smooth");
                    for (size_t b = 0; b < batch; b++)
                        wmel_smooth3x3(ref + b * per, 80, nf, ref + b * per, per);
                    CHECK(same(ref, got, per * batch), "batch mode %d, %zu clips of %zu frames, %d "
                          "threads: fused != wmel_smooth3x3 per clip (max diff %g)", mode, batch, nf,
                          th, t_max_abs_diff_ff(ref, got, per * batch));
                    free(one_out);
                    wmel_destroy(one);
                    wmel_destroy(plain);
                    wmel_destroy(sm);
                }
            }
            free(x);
            free(ref);
            free(got);
        }
    }
}

/* several callers on one ctx at once: one gets the pool, the others their own threads */
typedef struct { wmel_ctx *c; const float *x; size_t n; float *out; size_t cnt; int rc; } tjob;
static void *tmain(void *a)
{
    tjob *j = a;
    for (int r = 0; r < 4 && j->rc == WMEL_OK; r++)
        j->rc = wmel_log_mel(j->c, j->x, j->n, 0, j->out, j->cnt);
    return NULL;
}

static void test_shared_ctx(void)
{
    size_t n = 160 * 2000 + 3, nf = wmel_n_frames(n, 0), cnt = 80 * nf;
    float *x = noise(n, 5), *ref = malloc(cnt * sizeof(float));
    wmel_ctx *one = mk(80, 1, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3);
    CHECK(wmel_log_mel(one, x, n, 0, ref, cnt) == WMEL_OK, "ref");
    wmel_ctx *c = mk(80, 3, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3);
    enum { NJ = 4 };
    tjob jobs[NJ];
    pthread_t tid[NJ];
    int started[NJ];
    for (int i = 0; i < NJ; i++) {
        jobs[i] = (tjob){c, x, n, malloc(cnt * sizeof(float)), cnt, WMEL_OK};
        started[i] = t_thread(&tid[i], tmain, &jobs[i]);
    }
    for (int i = 0; i < NJ; i++) {
        if (started[i]) pthread_join(tid[i], NULL);
        CHECK(jobs[i].rc == WMEL_OK, "caller %d: %s", i, wmel_strerror(jobs[i].rc));
        CHECK(same(ref, jobs[i].out, cnt), "caller %d: shared ctx result differs", i);
        free(jobs[i].out);
    }
    wmel_destroy(c);
    wmel_destroy(one);
    free(x);
    free(ref);
}

static void test_golden(void)
{
    size_t n;
    float *pcm = t_load_wav("audio/speech_en.wav", &n);
    float *x = malloc(WMEL_CHUNK_SAMPLES * sizeof(float));
    wmel_pad_or_trim(pcm, n, x, WMEL_CHUNK_SAMPLES);
    wmel_free(pcm);
    wmel_npy g;
    double *gold = t_load_npy("ref/speech_en_wav.mel80_30s_smooth3x3.npy", &g);
    size_t cnt = 80 * WMEL_CHUNK_FRAMES;
    float *out = malloc(cnt * sizeof(float));
    CHECK(g.count == cnt, "golden shape");
    for (int th = 1; th <= 4; th++) {
        wmel_ctx *c = mk(80, th, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3);
        CHECK(wmel_log_mel(c, x, WMEL_CHUNK_SAMPLES, 0, out, cnt) == WMEL_OK, "golden run");
        double e = g.count == cnt ? t_max_abs_diff_fd(out, gold, cnt) : 1.0;
        CHECK(e <= 1e-4, "speech_en 30 s smoothed vs golden: %g (%d threads)", e, th);
        if (th == 1) printf("speech_en_wav.mel80_30s_smooth3x3: max abs %.2e\n", e);
        wmel_destroy(c);
    }
    free(out);
    free(gold);
    wmel__npy_free(&g);
    free(x);
}

static int sink(void *u, const float *raw, size_t f0, size_t nf)
{
    (void)u, (void)raw, (void)f0, (void)nf;
    return 0;
}

static void test_refusals(void)
{
    wmel_params p = wmel_default_params();
    int st = 0;
    CHECK(p.smooth == WMEL_SMOOTH_NONE, "default smooth");
    p.smooth = 2;
    CHECK(!wmel_create(&p, &st) && st == WMEL_ERR_INVALID_ARG, "smooth 2: %d", st);
    p.smooth = -1;
    CHECK(!wmel_create(&p, &st) && st == WMEL_ERR_INVALID_ARG, "smooth -1: %d", st);
    wmel_ctx *c = mk(80, 2, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3);
    st = 0;
    CHECK(!wmel_stream_create(c, 0, sink, NULL, &st) && st == WMEL_ERR_INVALID_ARG,
          "stream on a smoothing ctx: %d", st);
    float *x = noise(48000, 3);
    st = 0;
    CHECK(!wmel_windows_open_pcm(c, x, 48000, &st) && st == WMEL_ERR_INVALID_ARG,
          "windows on a smoothing ctx: %d", st);
    free(x);
    wmel_destroy(c);
}

int main(void)
{
    test_refusals();
    test_parallel_norm();
    test_smooth();
    test_smooth_batch();
    test_shared_ctx();
    test_golden();
    return t_done("test_fused");
}
