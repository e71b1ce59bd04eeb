/*
 * fe_threads_bench.c -- wmel-fe-threads-bench: wmel_features() of every front-end plan
 * (NeMo, NeMo legacy, Kaldi, Seamless, 80 mels) on one ctx of 1 thread and one of T
 * threads, the calls alternating so that both see the same machine; medians of the wall
 * times and the ratio. Each call writes a freshly allocated output (as the Python binding
 * does: its first-touch page faults are part of the call) unless "reuse" is given. The two
 * outputs are checked equal. On a shared machine the wall times of the team measure the
 * neighbours as much as wmel, so each call's CPU-time critical path is given too: the
 * larger of the calling thread's CPU time (worker 0, and whatever runs alone) and the
 * rest of the process's (the other workers; with T > 2 their sum, an upper bound), which
 * waiting for a core does not inflate; and the fastest call of each, the least disturbed
 * by the neighbours, with their ratio. Prints the kernel and /proc/loadavg. Not a test.
 * Names after the fourth argument ("reuse" or "fresh") time built-in presets by name
 * (wmel_preset_plan: xcodec2, seamless, ...) instead of the four plans, their own mels.
 * Usage: wmel-fe-threads-bench [seconds=600] [calls=15] [threads=2] [reuse|fresh] [PRESET...]
 */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include "bench_fe.h"
#include "wmel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A fresh output as numpy allocates one: 2 MB aligned, transparent huge pages asked for
 * from 4 MB on (where the kernel offers them on request), so most of its first-touch faults
 * are 2 MB ones; "4k" in the environment variable WMEL_BENCH_PAGES leaves out the request. */
static float *fresh(size_t len)
{
    const size_t bytes = (len * sizeof(float) + ((size_t)2 << 20) - 1) & ~(((size_t)2 << 20) - 1);
    void *o = NULL;
    if (posix_memalign(&o, (size_t)2 << 20, bytes)) return NULL;
    const char *pg = getenv("WMEL_BENCH_PAGES");
#ifdef MADV_HUGEPAGE
    if (bytes >= ((size_t)4 << 20) && !(pg && !strcmp(pg, "4k"))) madvise(o, bytes, MADV_HUGEPAGE);
#else
    (void)pg;
#endif
    return o;
}

static double cpu_now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const int seconds = argc > 1 ? atoi(argv[1]) : 600;
    int calls = argc > 2 ? atoi(argv[2]) : 15;
    const int threads = argc > 3 ? atoi(argv[3]) : 2;
    const int reuse = argc > 4 && !strcmp(argv[4], "reuse");
    if (seconds < 1 || threads < 1 || (argc > 4 && !reuse && strcmp(argv[4], "fresh"))) {
        fprintf(stderr, "usage: wmel-fe-threads-bench [seconds] [calls] [threads] [reuse|fresh] [PRESET...]\n");
        return 2;
    }
    const int named = argc > 5 ? argc - 5 : 0;
    if (calls < 1) calls = 1;
    const size_t n = (size_t)seconds * 16000;
    float *x = malloc(n * sizeof *x);
    double *t1 = malloc((size_t)calls * sizeof *t1), *tn = malloc((size_t)calls * sizeof *tn);
    double *c1 = malloc((size_t)calls * sizeof *c1), *cn = malloc((size_t)calls * sizeof *cn);
    if (!x || !t1 || !tn || !c1 || !cn) return 1;
    bench_signal(x, n);
    char load[64];
    bench_loadavg(load, sizeof load);
    printf("# %d s input, %d calls each, %s output; load before: %s\n", seconds, calls,
           reuse ? "reused" : "fresh", load);
    printf("| front-end | wall, 1 thread (ms) | wall, %d threads (ms) | speed-up | CPU path, 1 thread (ms) "
           "| CPU path, %d threads (ms) | speed-up | fastest calls, wall (ms) | kernel |\n"
           "|---|---|---|---|---|---|---|---|---|\n",
           threads, threads);
    int rc = 0;
    const size_t count = named ? (size_t)named : BENCH_N_FES;
    for (size_t i = 0; i < count && !rc; i++) {
        const char *name = named ? argv[5 + i] : bench_fes[i].name;
        wmel_ctx *x1, *xn;
        if (named) {
            wmel_frontend_plan plan;
            char msg[256];
            if (wmel_preset_plan(name, &plan, msg, sizeof msg)) {
                fprintf(stderr, "%s: %s\n", name, msg);
                return 2;
            }
            wmel_params p1 = wmel_default_params(), pn = wmel_default_params();
            p1.n_threads = 1;
            pn.n_threads = threads;
            x1 = wmel_create_plan(&p1, &plan, NULL);
            xn = wmel_create_plan(&pn, &plan, NULL);
        } else {
            x1 = bench_fe_ctx(bench_fes[i].fe, 80, 1);
            xn = bench_fe_ctx(bench_fes[i].fe, 80, threads);
        }
        size_t rows, cols;
        if (!x1 || !xn || wmel_features_shape(x1, n, &rows, &cols)) return 1;
        const size_t len = rows * cols;
        float *keep1 = malloc(len * sizeof *keep1), *keepn = malloc(len * sizeof *keepn);
        if (!keep1 || !keepn) return 1;
        for (int k = -1; k < calls; k++) { /* k = -1: warm-up (threads started) */
            for (int j = 0; j < 2; j++) {
                wmel_ctx *c = j ? xn : x1;
                float *o = reuse ? (j ? keepn : keep1) : fresh(len);
                if (!o) return 1;
                const double pa = cpu_now(CLOCK_PROCESS_CPUTIME_ID), ta = cpu_now(CLOCK_THREAD_CPUTIME_ID);
                const double a = bench_now();
                int s = wmel_features(c, x, n, o, len);
                const double b = bench_now();
                const double tb = cpu_now(CLOCK_THREAD_CPUTIME_ID), pb = cpu_now(CLOCK_PROCESS_CPUTIME_ID);
                const double mine = tb - ta, rest = (pb - pa) - mine;
                if (s) {
                    fprintf(stderr, "%s: %s\n", name, wmel_strerror(s));
                    return 1;
                }
                if (k >= 0) {
                    (j ? tn : t1)[k] = b - a;
                    (j ? cn : c1)[k] = mine > rest ? mine : rest;
                }
                if (!reuse) {
                    memcpy(j ? keepn : keep1, o, len * sizeof *o);
                    free(o);
                }
            }
        }
        if (memcmp(keep1, keepn, len * sizeof *keep1)) {
            fprintf(stderr, "%s: %d threads differ from 1\n", name, threads);
            rc = 1;
        }
        const bench_stats s1 = bench_summarize(t1, (size_t)calls), sn = bench_summarize(tn, (size_t)calls);
        const double w1 = s1.median, wn = sn.median;
        const double p1 = bench_summarize(c1, (size_t)calls).median, pn = bench_summarize(cn, (size_t)calls).median;
        printf("| %s | %.2f | %.2f | %.2fx | %.2f | %.2f | %.2fx | %.2f / %.2f = %.2fx | %s |\n", name,
               w1 * 1e3, wn * 1e3, w1 / wn, p1 * 1e3, pn * 1e3, p1 / pn, s1.min * 1e3, sn.min * 1e3,
               s1.min / sn.min, wmel_kernel_name(x1));
        free(keep1);
        free(keepn);
        wmel_destroy(x1);
        wmel_destroy(xn);
    }
    bench_loadavg(load, sizeof load);
    printf("# load after: %s\n", load);
    free(x);
    free(t1);
    free(tn);
    free(c1);
    free(cn);
    return rc;
}
