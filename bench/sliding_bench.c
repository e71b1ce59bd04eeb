/*
 * sliding_bench.c -- wmel-sliding-bench: the sliding buffer's step from C, without
 * Python: 1 s of audio pushed per step, the buffer trimmed to L seconds once full
 * (L = 5, 15, 30, 60). Three paths side by side on the same pushes and trims, each step
 * timed on its own: the view (push + trim + wmel_sliding_view(): no copy, only the new
 * and edge columns written unless the buffer's max moved), the copy (push + trim +
 * wmel_sliding_features() into an output kept from step to step: the whole output
 * written and normalised), and the full recompute (wmel_log_mel() of the buffer on one
 * thread). The four lengths run side by side, a step of each in turn (a buffer's step
 * follows the full recompute of another, as a transcriber's step follows the model's
 * work), timed once all four are full. Medians and p95 of the steps, the steps that renormalised the view (its cost
 * the whole buffer's), the flatness (60 s / 5 s) and the speed-up against the recompute
 * at 15 s. The signal: a WAV given as third argument looped (e.g. the speech golden),
 * else bench_signal(). With a second argument "warm" the full recompute is left out, so
 * nothing else evicts the buffer's memory from the caches between steps. Then the other
 * front-ends (NeMo, NeMo legacy, Kaldi, Seamless, 80 mels) at L = 15 on seeded noise: the
 * step against wmel_features() of the same buffer on one thread, with the frames
 * transformed per step. Prints the kernels and /proc/loadavg. Not a test.
 * Usage: wmel-sliding-bench [steps] [warm|cold] [loop.wav]
 */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include "bench_fe.h"
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
    const size_t SR = 16000, L = 15 * SR;
    double *ts = malloc((size_t)steps * sizeof *ts), *tf = malloc((size_t)steps * sizeof *tf);
    double *fr = malloc((size_t)steps * sizeof *fr), *to = malloc((size_t)steps * sizeof *to);
    const size_t cap = 2 * 81 * (16 * 100 + 10);
    float *out = malloc(cap * sizeof *out), *ref = malloc(cap * sizeof *ref);
    printf("\n| front-end (15 s buffer, 1 s steps) | sliding step (ms) | output pass alone (ms) | wmel_features, 1 thread (ms) | ratio | frames transformed per step | kernel |\n");
    printf("|---|---|---|---|---|---|---|\n");
    int rc = 0;
    for (size_t i = 0; i < BENCH_N_FES && !rc; i++) {
        wmel_ctx *ctx = bench_fe_ctx(bench_fes[i].fe, 80, 1);
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
                fprintf(stderr, "%s: sliding output differs from wmel_features\n", bench_fes[i].name);
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
            printf("| %s | %.3f | %.3f | %.3f | %.1fx | %.0f | %s |\n", bench_fes[i].name, a * 1e3,
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

/* Each row of the view equals the same row of ref[rows][F]. */
static int view_equal(const float *v, size_t stride, const float *ref, size_t rows, size_t F)
{
    for (size_t m = 0; m < rows; m++)
        if (memcmp(v + m * stride, ref + m * F, F * sizeof(float))) return 0;
    return 1;
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 20;
    const int warm = argc > 2 && !strcmp(argv[2], "warm");
    if (steps < 1) steps = 1;
    const int lengths[] = {5, 15, 30, 60};
    enum { NL = 4 };
    const size_t SR = 16000, n = (size_t)(60 + steps + 2) * SR;
    float *x = malloc(n * sizeof *x), *noise = malloc(n * sizeof *noise);
    uint64_t r = 1;
    for (size_t i = 0; i < n; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        noise[i] = (float)((double)(r >> 40) / (double)(1ULL << 24) - 0.5) * 0.2f;
    }
    const char *sig_name = "bench_signal (gliding tone, noise, 0.25 s of silence every 10 s)";
    if (argc > 3) {
        float *w = NULL;
        size_t wn = 0;
        char err[256];
        if (wmel_load_audio(argv[3], &w, &wn, err, sizeof err, NULL, 0) || wn == 0) {
            fprintf(stderr, "%s: %s\n", argv[3], err);
            return 1;
        }
        for (size_t i = 0; i < n; i++) x[i] = w[i % wn];
        wmel_free(w);
        sig_name = argv[3];
    } else {
        bench_signal(x, n);
    }
    wmel_params p = wmel_default_params();
    p.n_threads = 1;
    wmel_ctx *ctx = wmel_create(&p, NULL);
    char load[64];
    bench_loadavg(load, sizeof load);
    printf("kernel %s, one thread%s; signal %s, looped; %d steps per buffer; load before: %s\n",
           wmel_kernel_name(ctx), warm ? ", warm (no full recompute between steps)" : "",
           sig_name, steps, load);
    printf("| buffer | view step (ms) | view p95 | copy step (ms) | copy p95 | wmel_log_mel, 1 thread (ms) | log_mel p95 | recompute / view | recompute / copy | steps renormalised | memory, view (MiB) |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
    const size_t cap = 80 * (61 * 100 + 10);
    float *out = malloc(cap * sizeof *out), *ref = malloc(cap * sizeof *ref);
    double mv[NL], mc[NL], mf[NL];
    /* The four lengths side by side: each round steps every buffer once, so a drift of
       the machine's speed falls on all of them alike, and (cold) each step follows the
       previous buffer's full recompute, as a step follows the model's work in a
       transcriber. A buffer is timed from round 60 on, once every one is full. */
    wmel_sliding *bv[NL], *bc[NL];
    size_t pos[NL], start[NL], renorm_steps[NL];
    double *tvs[NL], *tcs[NL], *tfs[NL];
    for (size_t li = 0; li < NL; li++) {
        bv[li] = wmel_sliding_create(ctx, NULL);
        bc[li] = wmel_sliding_create(ctx, NULL);
        pos[li] = start[li] = renorm_steps[li] = 0;
        tvs[li] = malloc((size_t)steps * sizeof(double));
        tcs[li] = malloc((size_t)steps * sizeof(double));
        tfs[li] = malloc((size_t)steps * sizeof(double));
    }
    const int first = lengths[NL - 1];
    for (int s = 0; s < first + steps; s++)
        for (size_t li = 0; li < NL; li++) {
            const size_t L = (size_t)lengths[li] * SR;
            size_t t = 0;
            if (pos[li] + SR - start[li] > L) t = pos[li] + SR - start[li] - L;
            wmel_sliding_stats s0, s1;
            wmel_sliding_stats_get(bv[li], &s0);
            const float *v = NULL;
            size_t rows = 0, F = 0, stride = 0;
            double t0 = bench_now();
            wmel_sliding_push(bv[li], x + pos[li], SR);
            if (t) wmel_sliding_trim(bv[li], t);
            int rc = wmel_sliding_view(bv[li], 0, &v, &rows, &F, &stride);
            double t1 = bench_now();
            wmel_sliding_push(bc[li], x + pos[li], SR);
            if (t) wmel_sliding_trim(bc[li], t);
            int rc2 = wmel_sliding_features(bc[li], 0, out, rows * F);
            double t2 = bench_now();
            pos[li] += SR;
            start[li] += t;
            if (!warm) wmel_log_mel(ctx, x + start[li], pos[li] - start[li], 0, ref, rows * F);
            double t3 = bench_now();
            wmel_sliding_stats_get(bv[li], &s1);
            if (rc || rc2 || (!warm && (memcmp(out, ref, rows * F * sizeof *out) ||
                                        !view_equal(v, stride, ref, rows, F)))) {
                fprintf(stderr, "%d s: sliding output differs from wmel_log_mel (%d, %d)\n",
                        lengths[li], rc, rc2);
                return 1;
            }
            int k = s - first;
            if (k >= 0) {
                tvs[li][k] = t1 - t0;
                tcs[li][k] = t2 - t1;
                tfs[li][k] = t3 - t2;
                renorm_steps[li] += s1.renorms != s0.renorms;
            }
        }
    for (size_t li = 0; li < NL; li++) {
        wmel_sliding_stats st;
        wmel_sliding_stats_get(bv[li], &st);
        bench_stats a = bench_summarize(tvs[li], (size_t)steps),
                    c = bench_summarize(tcs[li], (size_t)steps),
                    f = bench_summarize(tfs[li], (size_t)steps);
        mv[li] = a.median;
        mc[li] = c.median;
        mf[li] = f.median;
        if (warm)
            printf("| %d s | %.3f | %.3f | %.3f | %.3f | - | - | - | - | %zu of %d | %.2f |\n",
                   lengths[li], a.median * 1e3, a.p95 * 1e3, c.median * 1e3, c.p95 * 1e3,
                   renorm_steps[li], steps, (double)st.bytes / 1048576.0);
        else
            printf("| %d s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.1fx | %.1fx | %zu of %d | %.2f |\n",
                   lengths[li], a.median * 1e3, a.p95 * 1e3, c.median * 1e3, c.p95 * 1e3,
                   f.median * 1e3, f.p95 * 1e3, f.median / a.median, f.median / c.median,
                   renorm_steps[li], steps, (double)st.bytes / 1048576.0);
        wmel_sliding_destroy(bv[li]);
        wmel_sliding_destroy(bc[li]);
        free(tvs[li]);
        free(tcs[li]);
        free(tfs[li]);
    }
    printf("flatness (median step, 60 s / 5 s): view %.2fx, copy %.2fx", mv[3] / mv[0],
           mc[3] / mc[0]);
    if (!warm)
        printf("; at 15 s the recompute takes %.1fx the view's step, %.1fx the copy's",
               mf[1] / mv[1], mf[1] / mc[1]);
    printf("\n");
    if (frontends(noise, steps, warm)) return 1;
    bench_loadavg(load, sizeof load);
    printf("load after: %s\n", load);
    free(out);
    free(ref);
    free(x);
    free(noise);
    wmel_destroy(ctx);
    return 0;
}
