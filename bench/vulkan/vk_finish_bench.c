/*
 * vk_finish_bench.c -- a general plan's finish on the Vulkan device against the host's (not
 * a test): wmel_features of 30 s (a chirp; argv[3] seconds, 1 to 3600) through one plan
 * (default nemo, or argv[1]) on two Vulkan ctxs side by side, one made with
 * WMEL_VULKAN_DEVICE_FINISH=0, in the arithmetic the device takes (argv[2]: 1 float64, 2
 * float-float; 0 or none: the device's). A clip longer than a round (164 s at a 10 ms hop)
 * is finished on the device in a round of its own.
 * For each: the calling thread's CPU time a frame (CLOCK_THREAD_CPUTIME_ID around the call,
 * the best of the runs; the ctx's workers idle, n_threads 1), the wall time a frame, and the
 * bytes read back from the device a frame (the float32 values or the finished output and
 * its flag word). The two ctxs' outputs are compared (float64: the same bytes).
 */
#define _POSIX_C_SOURCE 200809L
#include "testctl.h"
#include "wmel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long long wmel__vk_finishes(void);

/* setenv, then the library reads the environment again (it reads it once: src/config.h)
 * through its test door, which a library built without WMEL_TEST_HOOKS does not have */
static void env_set(const char *name, const char *value)
{
    if (value) setenv(name, value, 1);
    else unsetenv(name);
    if (wmel__test_ctl(WMEL__TC_ENV_RELOAD) != WMEL_OK) {
        fprintf(stderr, "%s: needs a library built with -DWMEL_TEST_HOOKS=ON\n", name);
        exit(2);
    }
}

static double now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *preset = argc > 1 ? argv[1] : "nemo";
    const int arith = argc > 2 ? atoi(argv[2]) : 0;
    wmel_frontend_plan plan;
    char msg[256];
    if (wmel_preset_plan(preset, &plan, msg, sizeof msg) != WMEL_OK) {
        fprintf(stderr, "%s: %s\n", preset, msg);
        return 1;
    }
    plan.dither = 0.0;
    const long secs = argc > 3 ? atol(argv[3]) : 30;
    if (secs < 1 || secs > 3600) {
        fprintf(stderr, "seconds: %s (1 to 3600)\n", argv[3]);
        return 1;
    }
    const size_t n = (size_t)secs * (size_t)plan.sample_rate;
    float *x = malloc(n * sizeof(float));
    if (!x) return 1;
    for (size_t i = 0; i < n; i++) { /* a chirp, 100 Hz to 4 kHz, and a little of a tone */
        const double t = (double)i / plan.sample_rate;
        x[i] = (float)(0.3 * __builtin_sin(2 * 3.14159265358979 * (100.0 * t + 65.0 * t * t)) +
                       0.05 * __builtin_sin(2 * 3.14159265358979 * 440.0 * t));
    }
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_arith = arith;
    p.n_threads = 1;
    wmel_ctx *c[2];
    int st[2];
    env_set("WMEL_VULKAN_DEVICE_FINISH", "0");
    c[0] = wmel_create_plan(&p, &plan, &st[0]);
    env_set("WMEL_VULKAN_DEVICE_FINISH", NULL);
    c[1] = wmel_create_plan(&p, &plan, &st[1]);
    if (!c[0] || !c[1]) {
        fprintf(stderr, "create: %d %d %s\n", st[0], st[1], wmel_vulkan_error_detail());
        return 1;
    }
    size_t rows = 0, cols = 0;
    wmel_features_shape(c[0], n, &rows, &cols);
    const size_t len = rows * cols;
    const size_t frames = plan.layout == WMEL_LAYOUT_FRAMES_MELS ? rows : cols;
    const size_t ncol = plan.layout == WMEL_LAYOUT_FRAMES_MELS ? cols : rows;
    float *o[2] = {malloc(len * sizeof(float)), malloc(len * sizeof(float))};
    double cpu[2] = {1e30, 1e30}, wall[2] = {1e30, 1e30};
    long long fin[2] = {0, 0};
    enum { RUNS = 7 };
    for (int r = 0; r < RUNS; r++)
        for (int k = 0; k < 2; k++) { /* side by side, alternating */
            const long long f0 = wmel__vk_finishes();
            const double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
            const int rc = wmel_features(c[k], x, n, o[k], len);
            const double c1 = now(CLOCK_THREAD_CPUTIME_ID), w1 = now(CLOCK_MONOTONIC);
            fin[k] += wmel__vk_finishes() - f0;
            if (rc != WMEL_OK) {
                fprintf(stderr, "features: %d\n", rc);
                return 1;
            }
            if (r == 0) continue; /* the first call warms the device and the buffers */
            cpu[k] = c1 - c0 < cpu[k] ? c1 - c0 : cpu[k];
            wall[k] = w1 - w0 < wall[k] ? w1 - w0 : wall[k];
        }
    const int same = !memcmp(o[0], o[1], len * sizeof(float));
    printf("%s, %ld s, %zu frames x %zu columns, %s on %s\n", preset, secs, frames, ncol, wmel_kernel_name(c[0]),
           wmel_backend_name(c[0]));
    const char *names[2] = {"host finish (WMEL_VULKAN_DEVICE_FINISH=0)", "device finish"};
    for (int k = 0; k < 2; k++) {
        /* read back: the values (float32, n_cols a frame) or the output and its flag word */
        const double bytes = k == 0 || !fin[k] ? 4.0 * (double)ncol : (4.0 * (double)len + 4.0) / (double)frames;
        printf("  %-44s calling thread CPU %7.2f us/frame, wall %7.2f us/frame, read back %6.1f bytes/frame%s\n",
               names[k], 1e6 * cpu[k] / (double)frames, 1e6 * wall[k] / (double)frames, bytes,
               k == 1 && !fin[k] ? " (the device did not take the finish)" : "");
    }
    printf("  ratio (device / host finish): CPU %.3f, wall %.3f; outputs %s\n", cpu[1] / cpu[0], wall[1] / wall[0],
           same ? "the same bytes" : "differ");
    wmel_destroy(c[0]);
    wmel_destroy(c[1]);
    free(o[0]);
    free(o[1]);
    free(x);
    return 0;
}
