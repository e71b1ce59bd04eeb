/* test_smooth.c -- wmel_smooth3x3 = torch avg_pool2d(x[None], 3, 1, 1), count_include_pad.
 * Thresholds: the golden mel80_30s_smooth3x3 of speech_en.wav (smoothing of
 * openai's float32 mel) within 1e-4; wmel's own CPU mel smoothed within 2e-5 of the float64
 * oracle (mel80_30s_f64) smoothed in double. Plus small shapes against a direct 3x3 sum,
 * and in-place use. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double naive(const double *x, size_t rows, size_t cols, size_t r, size_t c)
{
    double s = 0;
    for (int dr = -1; dr <= 1; dr++)
        for (int dc = -1; dc <= 1; dc++) {
            long rr = (long)r + dr, cc = (long)c + dc;
            if (rr >= 0 && cc >= 0 && rr < (long)rows && cc < (long)cols) s += x[rr * (long)cols + cc];
        }
    return s / 9.0;
}

int main(void)
{
    /* small shapes, in place and not */
    size_t shapes[][2] = {{1, 1}, {1, 7}, {7, 1}, {2, 2}, {3, 5}, {5, 3}, {80, 11}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t R = shapes[s][0], C = shapes[s][1];
        float *x = malloc(R * C * sizeof(float)), *y = malloc(R * C * sizeof(float));
        double *xd = malloc(R * C * sizeof(double));
        for (size_t i = 0; i < R * C; i++) xd[i] = x[i] = (float)cos(1.7 * (double)i) * 2.0f;
        CHECK(wmel_smooth3x3(x, R, C, y, R * C - 1) == WMEL_ERR_BUFFER_TOO_SMALL, "small out");
        CHECK(wmel_smooth3x3(x, R, C, y, R * C) == WMEL_OK, "smooth");
        CHECK(wmel_smooth3x3(x, R, C, x, R * C) == WMEL_OK, "in place");
        double e = 0, e2 = 0;
        for (size_t r = 0; r < R; r++)
            for (size_t c = 0; c < C; c++) {
                double w = naive(xd, R, C, r, c);
                e = fmax(e, fabs(y[r * C + c] - w));
                e2 = fmax(e2, fabs(x[r * C + c] - w));
            }
        CHECK(e <= 2e-7 && e2 <= 2e-7, "%zux%zu: err %g, in place %g", R, C, e, e2);
        free(x);
        free(y);
        free(xd);
    }
    CHECK(wmel_smooth3x3(NULL, 2, 2, NULL, 4) == WMEL_ERR_NULL_POINTER, "NULL");
    CHECK(wmel_smooth3x3(NULL, 0, 2, NULL, 0) == WMEL_OK, "empty");
    {
        /* in place works on the same buffer only: a shifted output would be read after
           it was written, so it is refused (wmel.h) */
        float b[40] = {0};
        CHECK(wmel_smooth3x3(b, 4, 5, b + 1, 20) == WMEL_ERR_INVALID_ARG, "shifted overlap");
        CHECK(wmel_smooth3x3(b + 5, 4, 5, b, 20) == WMEL_ERR_INVALID_ARG, "shifted overlap before");
        CHECK(wmel_smooth3x3(b, 4, 5, b + 20, 20) == WMEL_OK, "adjacent");
    }

    /* the golden: smoothing of openai's float32 mel */
    wmel_npy a, b, c;
    double *mel = t_load_npy("ref/speech_en_wav.mel80_30s.npy", &a);
    double *want = t_load_npy("ref/speech_en_wav.mel80_30s_smooth3x3.npy", &b);
    double *f64 = t_load_npy("ref/speech_en_wav.mel80_30s_f64.npy", &c);
    CHECK(a.count == 80 * 3000 && b.count == a.count && c.count == a.count, "golden shapes");
    float *x = malloc(a.count * sizeof(float));
    for (size_t i = 0; i < a.count; i++) x[i] = (float)mel[i];
    CHECK(wmel_smooth3x3(x, 80, 3000, x, a.count) == WMEL_OK, "smooth golden");
    double e = t_max_abs_diff_fd(x, want, a.count);
    printf("smooth3x3 of the golden mel vs golden smooth3x3: max abs %.3g (limit 1e-4)\n", e);
    CHECK(e <= 1e-4, "vs golden smooth3x3: %g", e);

    /* wmel's own mel (CPU backend), smoothed, against the float64 oracle smoothed in double */
    size_t n;
    float *pcm = t_load_wav("audio/speech_en.wav", &n);
    float *pad = calloc(WMEL_CHUNK_SAMPLES, sizeof(float));
    wmel_pad_or_trim(pcm, n, pad, WMEL_CHUNK_SAMPLES);
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CPU;
    int st;
    wmel_ctx *ctx = wmel_create(&p, &st);
    CHECK(ctx != NULL, "create: %s", wmel_strerror(st));
    double *oracle = malloc(a.count * sizeof(double));
    for (size_t r = 0; r < 80; r++)
        for (size_t col = 0; col < 3000; col++) oracle[r * 3000 + col] = naive(f64, 80, 3000, r, col);
    if (ctx) {
        CHECK(wmel_log_mel(ctx, pad, WMEL_CHUNK_SAMPLES, 0, x, a.count) == WMEL_OK, "log_mel");
        CHECK(wmel_smooth3x3(x, 80, 3000, x, a.count) == WMEL_OK, "smooth");
        e = t_max_abs_diff_fd(x, oracle, a.count);
        printf("smooth3x3 of wmel's CPU mel (%s) vs the float64 oracle smoothed: max abs %.3g (limit 2e-5)\n",
               wmel_kernel_name(ctx), e);
        CHECK(e <= 2e-5, "vs smoothed float64 oracle: %g", e);
    }
    wmel_destroy(ctx);
    free(oracle);
    free(pad);
    wmel_free(pcm);
    free(x);
    free(mel);
    free(want);
    free(f64);
    wmel__npy_free(&a);
    wmel__npy_free(&b);
    wmel__npy_free(&c);
    return t_done("test_smooth");
}
