/*
 * test_sizes.c -- inputs whose sizes are near the address space's: 2^30, 2^31 - 1, 2^31,
 * 2^31 + 1 samples, SIZE_MAX / 4 + 1 and SIZE_MAX - 1, and paddings and batches that would
 * wrap a size_t. On a 32-bit target these are the inputs the address space cannot hold
 * (2^31 floats are 8 GiB): every entry point must say WMEL_ERR_OVERFLOW (or, where the
 * input could exist and only the caller's output is short, WMEL_ERR_BUFFER_TOO_SMALL)
 * before it touches a sample, never compute a wrapped size. The samples passed are a
 * small buffer: an entry point that read past it would fail here (or crash) rather than
 * answer. On a 64-bit target the same calls run, and shapes that are answered must not
 * wrap: rows * cols * sizeof(float) fits a size_t.
 *
 * Threshold: none -- every check is a status or an exact count.
 */
#include "testutil.h"
#include "wmel.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static float g_pcm[4096]; /* zeros: what the calls are given as "samples" */
static float g_out[64];

static const size_t BIG[] = {
    (size_t)1 << 30, ((size_t)1 << 31) - 1, (size_t)1 << 31, ((size_t)1 << 31) + 1,
    SIZE_MAX / 4 + 1, SIZE_MAX / 2, SIZE_MAX - 1, SIZE_MAX,
};
#define N_BIG (sizeof BIG / sizeof BIG[0])

/* floats the address space cannot hold */
static int too_big(size_t n) { return n > SIZE_MAX / sizeof(float); }

static int frames_cb(void *user, const float *raw, size_t first, size_t n)
{
    (void)user, (void)raw, (void)first, (void)n;
    return 0;
}

/* wmel_log_mel and its batch on Whisper's own ctx */
static void whisper_calls(void)
{
    wmel_ctx *c = t_ctx(WMEL_BACKEND_CPU, 80, WMEL_ISA_AUTO, 1, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE);
    if (!c) return;
    for (size_t k = 0; k < N_BIG; k++) {
        const size_t n = BIG[k];
        const size_t nf = wmel_n_frames(n, 0);
        CHECK(nf == n / 160, "wmel_n_frames(%zu) = %zu", n, nf);
        int rc = wmel_log_mel(c, g_pcm, n, 0, g_out, 64);
        if (too_big(n))
            CHECK(rc == WMEL_ERR_OVERFLOW, "log_mel of %zu samples: %d %s", n, rc, wmel_strerror(rc));
        else
            CHECK(rc == WMEL_ERR_OVERFLOW || rc == WMEL_ERR_BUFFER_TOO_SMALL, "log_mel of %zu samples: %d %s",
                  n, rc, wmel_strerror(rc));
        /* a padding that wraps n + padding */
        rc = wmel_log_mel(c, g_pcm, 4000, n, g_out, 64);
        if (too_big(n))
            CHECK(rc == WMEL_ERR_OVERFLOW, "log_mel with %zu padding: %d %s", n, rc, wmel_strerror(rc));
        else
            CHECK(rc == WMEL_ERR_OVERFLOW || rc == WMEL_ERR_BUFFER_TOO_SMALL, "log_mel with %zu padding: %d",
                  n, rc);
        /* batches whose clips together pass the address space */
        rc = wmel_log_mel_batch(c, g_pcm, n, 4000, 4000, 0, WMEL_BATCH_PER_CLIP, g_out, 64);
        if (n > SIZE_MAX / sizeof(float) / 4000) /* n clips of 4000 samples: n * 4000 floats */
            CHECK(rc == WMEL_ERR_OVERFLOW, "batch of %zu clips: %d %s", n, rc, wmel_strerror(rc));
        else
            CHECK(rc == WMEL_ERR_OVERFLOW || rc == WMEL_ERR_BUFFER_TOO_SMALL, "batch of %zu clips: %d", n, rc);
        rc = wmel_log_mel_batch(c, g_pcm, 2, 4000, n, 0, WMEL_BATCH_PER_CLIP, g_out, 64);
        if (too_big(n))
            CHECK(rc == WMEL_ERR_OVERFLOW, "batch with stride %zu: %d %s", n, rc, wmel_strerror(rc));
        else
            CHECK(rc == WMEL_ERR_OVERFLOW || rc == WMEL_ERR_BUFFER_TOO_SMALL, "batch with stride %zu: %d", n, rc);
        /* the 30 s windows of an input that cannot be held */
        if (too_big(n)) {
            int st = 0;
            wmel_windows *w = wmel_windows_open_pcm(c, g_pcm, n, &st);
            CHECK(w == NULL && st == WMEL_ERR_OVERFLOW, "windows of %zu samples: %d %s", n, st,
                  wmel_strerror(st));
            wmel_windows_close(w);
        }
    }
    CHECK(wmel_n_frames(SIZE_MAX, SIZE_MAX) == SIZE_MAX / 160, "wmel_n_frames saturates");
    wmel_destroy(c);
}

/* every built-in preset: the shape, the features, the stream, the sliding buffer, long inputs */
static void preset_calls(const char *name)
{
    wmel_frontend_plan pl;
    char msg[256];
    CHECK(wmel_preset_plan(name, &pl, msg, sizeof msg) == WMEL_OK, "%s: %s", name, msg);
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CPU; /* (the CUDA emulator's build would pick its device) */
    p.n_threads = 1;
    int st = 0;
    wmel_ctx *c = wmel_create_plan(&p, &pl, &st);
    CHECK(c != NULL, "%s: create %d", name, st);
    if (!c) return;
    for (size_t k = 0; k < N_BIG; k++) {
        const size_t n = BIG[k];
        size_t rows = 0, cols = 0;
        int rc = wmel_features_shape(c, n, &rows, &cols);
        if (too_big(n)) {
            CHECK(rc == WMEL_ERR_OVERFLOW, "%s: shape of %zu samples: %d %s", name, n, rc, wmel_strerror(rc));
        } else {
            CHECK(rc == WMEL_OK || rc == WMEL_ERR_OVERFLOW, "%s: shape of %zu samples: %d", name, n, rc);
            if (rc == WMEL_OK)
                CHECK(rows == 0 || cols <= SIZE_MAX / sizeof(float) / rows, "%s: %zu x %zu wraps", name, rows,
                      cols);
        }
        wmel_plan_counts pc;
        rc = wmel_plan_frames(&pl, n, &pc);
        if (too_big(n))
            CHECK(rc == WMEL_ERR_OVERFLOW, "%s: plan frames of %zu samples: %d", name, n, rc);
        rc = wmel_features(c, g_pcm, n, g_out, 64);
        if (too_big(n))
            CHECK(rc == WMEL_ERR_OVERFLOW, "%s: features of %zu samples: %d %s", name, n, rc, wmel_strerror(rc));
        else
            CHECK(rc == WMEL_ERR_OVERFLOW || rc == WMEL_ERR_BUFFER_TOO_SMALL, "%s: features of %zu samples: %d",
                  name, n, rc);
        if (!too_big(n)) continue;
        /* pushes the address space cannot hold: refused before a sample is read */
        wmel_stream *s = wmel_stream_create(c, 0, frames_cb, NULL, &st);
        if (s) {
            rc = wmel_stream_push(s, g_pcm, 1000);
            CHECK(rc == WMEL_OK, "%s: stream push: %d", name, rc);
            rc = wmel_stream_push(s, g_pcm, n);
            CHECK(rc == WMEL_ERR_OVERFLOW, "%s: stream push of %zu: %d %s", name, n, rc, wmel_strerror(rc));
            wmel_stream_destroy(s);
        }
        wmel_sliding *b = wmel_sliding_create(c, &st);
        if (b) {
            rc = wmel_sliding_push(b, g_pcm, 1000);
            CHECK(rc == WMEL_OK, "%s: sliding push: %d", name, rc);
            rc = wmel_sliding_push(b, g_pcm, n);
            CHECK(rc == WMEL_ERR_OVERFLOW, "%s: sliding push of %zu: %d %s", name, n, rc, wmel_strerror(rc));
            rc = wmel_sliding_shape(b, n, &rows, &cols);
            /* (a plan's buffer takes no padding) */
            CHECK(rc == WMEL_ERR_OVERFLOW || rc == WMEL_ERR_INVALID_ARG, "%s: sliding shape, padding %zu: %d",
                  name, n, rc);
            wmel_sliding_destroy(b);
        }
        wmel_long *l = wmel_long_create(c, 1 << 20, &st);
        if (l) {
            rc = wmel_long_push(l, g_pcm, 1000);
            CHECK(rc == WMEL_OK, "%s: long push: %d", name, rc);
            rc = wmel_long_push(l, g_pcm, n);
            CHECK(rc == WMEL_ERR_OVERFLOW, "%s: long push of %zu: %d %s", name, n, rc, wmel_strerror(rc));
            wmel_long_destroy(l);
        }
    }
    wmel_destroy(c);
}

int main(void)
{
    printf("test_sizes: size_t of %zu bits\n", sizeof(size_t) * 8);
    whisper_calls();
    for (size_t i = 0; i < wmel_preset_count(); i++) preset_calls(wmel_preset_name(i));
    return t_done("test_sizes");
}
