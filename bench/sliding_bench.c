/*
 * sliding_bench.c -- wmel-sliding-bench: the sliding buffer's step from C, without
 * Python: 1 s of audio pushed per step, the buffer trimmed to L seconds once full
 * (L = 5, 15, 30, 60), features() into an output kept from step to step. Medians of
 * the steps, against wmel_log_mel() of the same buffer on one thread (the full
 * recompute), and the output pass alone (a features() call with no new audio: the edge
 * frames, the copy and the normalisation of the buffer's columns). With a second argument
 * "warm" the full recompute is left out, so nothing else evicts the buffer's memory from
 * the caches between steps. Then the other front-ends (NeMo, NeMo legacy, Kaldi,
 * Seamless, 80 mels) at L = 15: the step against wmel_features() of the same buffer on
 * one thread, with the frames transformed per step. Prints the kernels and
 * /proc/loadavg. Not a test.
 * Usage: wmel-sliding-bench [steps] [warm]
 */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include "wmel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The other front-ends: 1 s steps, the buffer trimmed to 15 s, features() into a kept
 * output, against wmel_features() of the buffer on one thread (checked equal). */
static int frontends(const float *x, int steps, int warm)
{
    static const struct { int fe; const char *name; } fes[] = {
        {WMEL_FRONTEND_NEMO, "nemo"}, {WMEL_FRONTEND_NEMO_LEGACY, "nemo-legacy"},
        {WMEL_FRONTEND_KALDI, "kaldi"}, {WMEL_FRONTEND_SEAMLESS, "seamless"}};
    const size_t SR = 16000, L = 15 * SR;
    double *ts = malloc((size_t)steps * sizeof *ts), *tf = malloc((size_t)steps * sizeof *tf);
    double *fr = malloc((size_t)steps * sizeof *fr), *to = malloc((size_t)steps * sizeof *to);
    const size_t cap = 2 * 81 * (16 * 100 + 10);
    float *out = malloc(cap * sizeof *out), *ref = malloc(cap * sizeof *ref);
    printf("\n| front-end (15 s buffer, 1 s steps) | sliding step (ms) | output pass alone (ms) | wmel_features, 1 thread (ms) | ratio | frames transformed per step | kernel |\n");
    printf("|---|---|---|---|---|---|---|\n");
    int rc = 0;
    for (size_t i = 0; i < sizeof fes / sizeof fes[0] && !rc; i++) {
        wmel_frontend_plan plan;
        wmel_frontend_preset(fes[i].fe, 80, &plan);
        wmel_params p = wmel_default_params();
        p.n_threads = 1;
        wmel_ctx *ctx = wmel_create_plan(&p, &plan, NULL);
        wmel_sliding *b = wmel_sliding_create(ctx, NULL);
        size_t pos = 0, start = 0;
        for (int s = 0; s < 15 + steps; s++) {
            wmel_sliding_stats s0, s1;
            wmel_sliding_stats_get(b, &s0);
            double t0 = bench_now();
            wmel_sliding_push(b, x + pos, SR);
            pos += SR;
            if (pos - start > L) {
                wmel_sliding_trim(b, pos - start - L);
                start = pos - L;
            }
            size_t rows, cols;
            wmel_sliding_shape(b, 0, &rows, &cols);
            wmel_sliding_features(b, 0, out, rows * cols);
            double t1 = bench_now();
            wmel_sliding_stats_get(b, &s1);
            wmel_sliding_features(b, 0, out, rows * cols); /* nothing new: the output pass */
            double t15 = bench_now();
            if (!warm) wmel_features(ctx, x + start, pos - start, ref, rows * cols);
            double t2 = bench_now();
            if (!warm && memcmp(out, ref, rows * cols * sizeof *out)) {
                fprintf(stderr, "%s: sliding output differs from wmel_features\n", fes[i].name);
                rc = 1;
                break;
            }
            int k = s - 15;
            if (k >= 0) {
                ts[k] = t1 - t0;
                to[k] = t15 - t1;
                tf[k] = t2 - t15;
                fr[k] = (double)(s1.frames_computed - s0.frames_computed);
            }
        }
        if (!rc) {
            double a = median(ts, steps), f = median(tf, steps);
            printf("| %s | %.3f | %.3f | %.3f | %.1fx | %.0f | %s |\n", fes[i].name, a * 1e3,
                   median(to, steps) * 1e3, f * 1e3, f / a, median(fr, steps), wmel_kernel_name(ctx));
        }
        wmel_sliding_destroy(b);
        wmel_destroy(ctx);
    }
    free(ts);
    free(tf);
    free(fr);
    free(to);
    free(out);
    free(ref);
    return rc;
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 20;
    const int warm = argc > 2 && !strcmp(argv[2], "warm");
    if (steps < 1) steps = 1;
    const int lengths[] = {5, 15, 30, 60};
    const size_t SR = 16000, n = (size_t)(60 + steps + 2) * SR;
    float *x = malloc(n * sizeof *x);
    uint64_t r = 1;
    for (size_t i = 0; i < n; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (float)((double)(r >> 40) / (double)(1ULL << 24) - 0.5) * 0.2f;
    }
    wmel_params p = wmel_default_params();
    p.n_threads = 1;
    wmel_ctx *ctx = wmel_create(&p, NULL);
    char load[64];
    bench_loadavg(load, sizeof load);
    printf("kernel %s, one thread%s; load before: %s\n", wmel_kernel_name(ctx),
           warm ? ", warm (no full recompute between steps)" : "", load);
    printf("| buffer | sliding step (ms) | output pass alone (ms) | wmel_log_mel, 1 thread (ms) | ratio |\n");
    printf("|---|---|---|---|---|\n");
    double *ts = malloc((size_t)steps * sizeof *ts), *to = malloc((size_t)steps * sizeof *to),
           *tf = malloc((size_t)steps * sizeof *tf);
    float *out = malloc(80 * (61 * 100 + 10) * sizeof *out), *ref = malloc(80 * (61 * 100 + 10) * sizeof *ref);
    for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
        const size_t L = (size_t)lengths[li] * SR;
        wmel_sliding *b = wmel_sliding_create(ctx, NULL);
        size_t pos = 0, start = 0;
        for (int s = 0; s < lengths[li] + steps; s++) {
            double t0 = bench_now();
            wmel_sliding_push(b, x + pos, SR);
            pos += SR;
            if (pos - start > L) {
                wmel_sliding_trim(b, pos - start - L);
                start = pos - L;
            }
            size_t F = wmel_sliding_n_frames(b, 0);
            wmel_sliding_features(b, 0, out, 80 * F);
            double t1 = bench_now();
            wmel_sliding_features(b, 0, out, 80 * F); /* nothing new: the output pass */
            double t2 = bench_now();
            if (!warm) wmel_log_mel(ctx, x + start, pos - start, 0, ref, 80 * F);
            double t3 = bench_now();
            if (!warm && memcmp(out, ref, 80 * F * sizeof *out)) {
                fprintf(stderr, "sliding output differs from wmel_log_mel\n");
                return 1;
            }
            int k = s - lengths[li];
            if (k >= 0) {
                ts[k] = t1 - t0;
                to[k] = t2 - t1;
                tf[k] = t3 - t2;
            }
        }
        double a = median(ts, steps), o = median(to, steps), f = median(tf, steps);
        printf("| %d s | %.3f | %.3f | %.3f | %.1fx |\n", lengths[li], a * 1e3, o * 1e3, f * 1e3,
               f / a);
        wmel_sliding_destroy(b);
    }
    if (frontends(x, steps, warm)) return 1;
    bench_loadavg(load, sizeof load);
    printf("load after: %s\n", load);
    free(ts);
    free(to);
    free(tf);
    free(out);
    free(ref);
    free(x);
    wmel_destroy(ctx);
    return 0;
}
