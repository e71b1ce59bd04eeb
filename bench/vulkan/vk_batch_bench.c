/*
 * vk_batch_bench.c -- wmel_features_batch against single wmel_features calls on the Vulkan
 * backend (docs/vulkan-internals.md, "Many clips in one call"), or on the CPU or CUDA backend for
 * comparison on the same clips:
 *   vk_batch_bench PRESET f64|ff|cpu|cuda CLIPS REPS [SEED [MIN_S MAX_S]]
 * (f64 and ff: Vulkan in that arithmetic; cpu: the CPU backend on every core; cuda: the CUDA
 * backend, which takes the CPU for presets it has no kernel for: the kernel name printed says)
 * CLIPS clips of MIN_S to MAX_S seconds (default 1 to 10; 16 kHz; tones and noise, lengths
 * drawn from SEED), through one
 * batch call and through CLIPS single calls, REPS times each after a warm-up; prints the
 * best wall-clock ms of each, the process's CPU ms in that call (lavapipe's shader threads
 * included) and the calling thread's CPU ms (the host's side), and whether the bytes agree.
 * Build: cc -O2 -Iinclude bench/vulkan/vk_batch_bench.c -Lbuild -lwmel -o vk_batch_bench, or
 * the CMake target wmel_vk_batch_bench (build/wmel-vk-batch-bench), which links the static
 * library and also prints where the calling thread's time went in the Vulkan rounds
 * (packing the samples, the rounds on the device, reading the values back), summed over
 * the timed calls of each kind, and the rounds (one submission and one wait each) a call made.
 * Each line also gives the calling thread's CPU microseconds a frame (the frames the plan
 * computes, wmel_plan_frames).
 */
#define _POSIX_C_SOURCE 200809L
#include "wmel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef WMEL_BENCH_PHASES /* a library with WMEL_TEST_HOOKS: its test door (src/testctl.h) */
#include "testctl.h"
static void phase_ns(long long ns[3])
{
    ns[0] = ns[1] = ns[2] = 0;
    (void)wmel__test_ctl(WMEL__TC_VK_PHASE_NS, ns);
}
static long long rounds_now(void)
{
    long long v = 0;
    return wmel__test_ctl(WMEL__TC_COUNTER, WMEL__CNT_VK_ROUNDS, &v) == WMEL_OK ? v : -1;
}
#endif

static double secs(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: vk_batch_bench PRESET f64|ff|cpu|cuda CLIPS REPS [SEED [MIN_S MAX_S]]\n");
        return 2;
    }
    wmel_frontend_plan plan;
    char msg[256];
    if (wmel_preset_plan(argv[1], &plan, msg, sizeof msg) != WMEL_OK) {
        fprintf(stderr, "vk_batch_bench: %s\n", msg);
        return 1;
    }
    plan.dither = 0.0;
    wmel_params p = wmel_default_params();
    if (!strcmp(argv[2], "cpu")) p.backend = WMEL_BACKEND_CPU;
    else if (!strcmp(argv[2], "cuda")) p.backend = WMEL_BACKEND_CUDA;
    else if (!strcmp(argv[2], "f64") || !strcmp(argv[2], "ff")) {
        p.backend = WMEL_BACKEND_VULKAN;
        p.vulkan_arith = strcmp(argv[2], "ff") ? WMEL_VULKAN_ARITH_FLOAT64 : WMEL_VULKAN_ARITH_FLOAT_FLOAT;
    } else {
        fprintf(stderr, "vk_batch_bench: the backend is f64, ff (Vulkan), cpu or cuda, not '%s'\n", argv[2]);
        return 2;
    }
    int st = 0;
    wmel_ctx *ctx = wmel_create_plan(&p, &plan, &st);
    if (!ctx) {
        fprintf(stderr, "vk_batch_bench: %s %s\n", wmel_strerror(st), wmel_vulkan_error_detail());
        return 1;
    }
    const size_t B = (size_t)atol(argv[3]);
    const int reps = atoi(argv[4]);
    unsigned r = argc > 5 ? (unsigned)atol(argv[5]) : 1u;
    const size_t lo = argc > 7 ? (size_t)(atof(argv[6]) * 16000.0) : 16000,
                 hi = argc > 7 ? (size_t)(atof(argv[7]) * 16000.0) : 160000;
    if (!B || lo < 1 || hi < lo) {
        fprintf(stderr, "vk_batch_bench: CLIPS >= 1 and 0 < MIN_S <= MAX_S\n");
        return 2;
    }
    float **x = calloc(B, sizeof *x), **o1 = calloc(B, sizeof *o1), **o2 = calloc(B, sizeof *o2);
    size_t *n = calloc(B, sizeof *n), *len = calloc(B, sizeof *len), total = 0, frames = 0;
    for (size_t b = 0; b < B; b++) {
        r = r * 1664525u + 1013904223u;
        n[b] = lo + (size_t)(r >> 8) % (hi - lo + 1);
        x[b] = malloc(n[b] * sizeof(float));
        for (size_t i = 0; i < n[b]; i++) {
            r = r * 1664525u + 1013904223u;
            x[b][i] = (float)(0.3 * sin(0.01 * (double)i * (1.0 + (double)b / 64.0)) +
                              0.05 * ((double)(r >> 8) / 8388608.0 - 1.0));
        }
        size_t rows, cols;
        wmel_features_shape(ctx, n[b], &rows, &cols);
        len[b] = rows * cols;
        wmel_plan_counts pc;
        if (wmel_plan_frames(&plan, n[b], &pc) == WMEL_OK) frames += pc.computed;
        o1[b] = malloc(len[b] * sizeof(float));
        o2[b] = malloc(len[b] * sizeof(float));
        total += n[b];
    }
    double best[2][3] = {{1e30, 0, 0}, {1e30, 0, 0}};
    long long phase[2][3] = {{0, 0, 0}, {0, 0, 0}}, rounds[2] = {-1, -1};
    for (int k = 0; k <= reps; k++)
        for (int m = 0; m < 2; m++) {
#ifdef WMEL_BENCH_PHASES
            long long ph0[3], ph1[3];
            phase_ns(ph0);
            const long long r0 = rounds_now();
#endif
            const double w0 = secs(CLOCK_MONOTONIC), p0 = secs(CLOCK_PROCESS_CPUTIME_ID),
                         t0 = secs(CLOCK_THREAD_CPUTIME_ID);
            int rc = WMEL_OK;
            if (m == 0) rc = wmel_features_batch(ctx, (const float *const *)x, n, B, o1, len, NULL);
            else
                for (size_t b = 0; b < B && rc == WMEL_OK; b++) rc = wmel_features(ctx, x[b], n[b], o2[b], len[b]);
            const double w = secs(CLOCK_MONOTONIC) - w0, pc = secs(CLOCK_PROCESS_CPUTIME_ID) - p0,
                         tc = secs(CLOCK_THREAD_CPUTIME_ID) - t0;
            if (rc != WMEL_OK) {
                fprintf(stderr, "vk_batch_bench: %s\n", wmel_strerror(rc));
                return 1;
            }
            if (k > 0 && w < best[m][0]) best[m][0] = w, best[m][1] = pc, best[m][2] = tc;
#ifdef WMEL_BENCH_PHASES
            phase_ns(ph1);
            for (int i = 0; k > 0 && i < 3; i++) phase[m][i] += ph1[i] - ph0[i];
            if (r0 >= 0) rounds[m] = rounds_now() - r0;
#endif
        }
    int same = 1;
    for (size_t b = 0; b < B; b++) same &= !memcmp(o1[b], o2[b], len[b] * sizeof(float));
    printf("%s %s (%s), %zu clips, %.1f s of audio, %zu frames\n", argv[1], argv[2], wmel_kernel_name(ctx), B,
           total / 16000.0, frames);
    const char *names[2] = {"one batch call", "single calls"};
    for (int m = 0; m < 2; m++)
        printf("  %-15s wall %8.1f ms  process CPU %8.1f ms  calling thread CPU %8.1f ms (%.3f us a frame)\n",
               names[m], best[m][0] * 1e3, best[m][1] * 1e3, best[m][2] * 1e3,
               frames ? best[m][2] * 1e6 / (double)frames : 0.0);
    for (int m = 0; m < 2; m++)
        if (rounds[m] >= 0) printf("  %-15s rounds (submissions) a call: %lld\n", names[m], rounds[m]);
    for (int m = 0; m < 2 && reps > 0; m++)
        if (phase[m][0] + phase[m][1] + phase[m][2] > 0)
            printf("  %-15s Vulkan rounds, ms a call: packing %.1f, on the device %.1f, reading back %.1f\n",
                   names[m], phase[m][0] * 1e-6 / reps, phase[m][1] * 1e-6 / reps, phase[m][2] * 1e-6 / reps);
    printf("  bytes %s\n", same ? "identical" : "DIFFER");
    wmel_destroy(ctx);
    return same ? 0 : 1;
}
