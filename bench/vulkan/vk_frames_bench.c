/*
 * vk_frames_bench.c -- one preset's features on the Vulkan backend through the public API,
 * for bench/vulkan_cost.sh, which builds it against two libwmel builds (today's and an
 * earlier one) and runs both in the same run:
 *   vk_frames_bench WAV SECONDS PRESET f64|ff REPS [s16]
 * (s16: the samples as int16, wmel_log_mel_s16, rounded from the WAV's float32) prints the frames computed, the best wall-clock microseconds a frame over REPS calls
 * (after one warm-up call), and the calling thread's CPU microseconds a frame in that call
 * (the host's side: framing or packing, the read-back, the CPU's finish; lavapipe's shader
 * threads are other threads), and the milliseconds wmel_create_plan took (the pipeline's
 * making: the driver's compiler, or its cache). The first SECONDS of WAV (16 kHz mono), dither 0.
 */
#define _POSIX_C_SOURCE 200809L
#include "wmel.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double secs(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: vk_frames_bench WAV SECONDS PRESET f64|ff REPS [s16]\n");
        return 2;
    }
    float *x = NULL;
    size_t n = 0;
    char err[256];
    if (wmel_read_wav(argv[1], &x, &n, err, sizeof err, NULL, 0) != WMEL_OK) {
        fprintf(stderr, "vk_frames_bench: %s\n", err);
        return 1;
    }
    const size_t want = (size_t)(atof(argv[2]) * 16000.0);
    if (want < n) n = want;
    wmel_frontend_plan plan;
    if (wmel_preset_plan(argv[3], &plan, err, sizeof err) != WMEL_OK) {
        fprintf(stderr, "vk_frames_bench: %s\n", err);
        return 1;
    }
    plan.dither = 0.0;
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.n_threads = 1;
    p.vulkan_arith = strcmp(argv[4], "ff") ? WMEL_VULKAN_ARITH_FLOAT64 : WMEL_VULKAN_ARITH_FLOAT_FLOAT;
    int st = 0;
    const double tc0 = secs(CLOCK_MONOTONIC);
    wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
    const double tc1 = secs(CLOCK_MONOTONIC);
    if (!c) {
        fprintf(stderr, "vk_frames_bench: create: %d %s\n", st, wmel_vulkan_error_detail());
        return 1;
    }
    size_t rows = 0, cols = 0;
    wmel_plan_counts pc;
    if (wmel_features_shape(c, n, &rows, &cols) != WMEL_OK || wmel_plan_frames(&plan, n, &pc) != WMEL_OK) return 1;
    float *o = malloc(rows * cols * sizeof(float));
    const int reps = atoi(argv[5]), s16 = argc > 6 && !strcmp(argv[6], "s16");
    int16_t *xs = s16 ? malloc((n ? n : 1) * sizeof(int16_t)) : NULL;
    for (size_t i = 0; xs && i < n; i++) {
        const float v = x[i] * 32768.0f;
        xs[i] = (int16_t)(v >= 32767.0f ? 32767 : v <= -32768.0f ? -32768 : (int)lrintf(v));
    }
    double best = 1e30, best_cpu = 0.0;
    for (int r = 0; r <= reps; r++) {
        const double t0 = secs(CLOCK_MONOTONIC), c0 = secs(CLOCK_THREAD_CPUTIME_ID);
        st = xs ? wmel_log_mel_s16(c, xs, n, 0, o, rows * cols) : wmel_features(c, x, n, o, rows * cols);
        const double t1 = secs(CLOCK_MONOTONIC), c1 = secs(CLOCK_THREAD_CPUTIME_ID);
        if (st != WMEL_OK) {
            fprintf(stderr, "vk_frames_bench: %d\n", st);
            return 1;
        }
        if (r > 0 && t1 - t0 < best) best = t1 - t0, best_cpu = c1 - c0;
    }
    const double nf = (double)pc.computed;
    printf("%-6s %-3s %s %zu frames, %s: %.1f us/frame wall, %.3f us/frame host CPU (best of %d); the ctx made in "
           "%.1f ms\n", argv[3], argv[4], xs ? "int16" : "float32", pc.computed, wmel_kernel_name(c), best * 1e6 / nf,
           best_cpu * 1e6 / nf, reps, (tc1 - tc0) * 1e3);
    free(o);
    free(xs);
    wmel_free(x);
    wmel_destroy(c);
    return 0;
}
