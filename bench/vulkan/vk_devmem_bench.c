/*
 * vk_devmem_bench.c -- clips in another Vulkan device's memory against clips in host memory
 * (not a test): `clips` clips of `seconds` seconds (a chirp, each its own; default 64 of
 * 10 s) through one front-end (argv[1]: whisper, the wmel_create ctx, or a preset's plan;
 * default whisper) in the arithmetic the device takes (argv[2]: 1 float64, 2 float-float;
 * 0: the device's), on one Vulkan ctx:
 *   host batch   wmel_features_batch on host memory (the clips' samples packed into shared
 *                rounds, each finished clip's output copied out of the read-back memory),
 *   host single  wmel_features clip by clip (the samples and the output imported in place),
 *   device       wmel_vulkan_features_device on the same samples in an allocation of the
 *                bench's own VkDevice (vk_export.h), the features into another,
 * and, beside them, wmel_features_batch on a CPU ctx with every core. For each: the wall
 * time and the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID) a frame, the best of
 * `reps` calls (default 5), the ways in turn; the device's bytes are compared with the host
 * batch's (the same bytes). On a CPU device (lavapipe) the device's work is the host's cores
 * too: the calling thread's time is the figure that carries over to a GPU.
 *   wmel-vk-devmem-bench [front-end] [arith] [seconds] [clips] [reps]
 */
#define _GNU_SOURCE
#include "bench_common.h"
#include "vk_export.h"
#include "wmel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The calling thread's CPU seconds. */
static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static wmel_ctx *make(const char *fe, int backend, int arith, int threads)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.vulkan_arith = arith;
    p.n_threads = threads;
    int st = 0;
    wmel_ctx *c = NULL;
    if (!strcmp(fe, "whisper")) {
        c = wmel_create(&p, &st);
    } else {
        wmel_frontend_plan plan;
        char msg[256];
        if (wmel_preset_plan(fe, &plan, msg, sizeof msg) != WMEL_OK) {
            fprintf(stderr, "%s: %s\n", fe, msg);
            return NULL;
        }
        plan.dither = 0.0;
        c = wmel_create_plan(&p, &plan, &st);
    }
    if (!c) fprintf(stderr, "%s on backend %d: %s (%s)\n", fe, backend, wmel_strerror(st), wmel_vulkan_error_detail());
    return c;
}

int main(int argc, char **argv)
{
    const char *fe = argc > 1 ? argv[1] : "whisper";
    const int arith = argc > 2 ? atoi(argv[2]) : 0;
    const double secs = argc > 3 ? atof(argv[3]) : 10.0;
    const long clips = argc > 4 ? atol(argv[4]) : 64, reps = argc > 5 ? atol(argv[5]) : 5;
    if (!(secs >= 0.1 && secs <= 600) || clips < 1 || clips > 4096 || reps < 1 || reps > 100) {
        fprintf(stderr, "usage: wmel-vk-devmem-bench [front-end] [arith 0|1|2] [seconds 0.1-600] [clips 1-4096] "
                        "[reps 1-100]\n");
        return 1;
    }
    wmel_ctx *vk = make(fe, WMEL_BACKEND_VULKAN, arith, 1), *cpu = make(fe, WMEL_BACKEND_CPU, 0, 0);
    if (!vk || !cpu) return 1;
    unsigned char du[16], dr[16];
    if (wmel_vulkan_device_uuids(vk, du, dr) != WMEL_OK || !vk_open(du, dr)) {
        fprintf(stderr, "no device memory to import: %s\n", wmel_vulkan_error_detail());
        return 1;
    }
    const size_t n = (size_t)(secs * 16000.0), B = (size_t)clips;
    size_t rows, cols;
    if (wmel_features_shape(vk, n, &rows, &cols) != WMEL_OK) return 1;
    const size_t per = rows * cols;
    vkx_mem in, out;
    if (!mem_new(&in, B * n * 4) || !mem_new(&out, B * per * 4)) {
        fprintf(stderr, "the bench's allocations failed\n");
        return 1;
    }
    float *x = in.p;
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < n; i++) {
            const double t = (double)i / 16000.0, f0 = 100.0 + 37.0 * (double)(b % 17);
            x[b * n + i] = (float)(0.3 * sin(2 * 3.14159265358979 * (f0 * t + 65.0 * t * t)) +
                                   0.05 * sin(2 * 3.14159265358979 * 440.0 * t));
        }
    float *host = malloc(B * per * sizeof(float));
    const float **xs = malloc(B * sizeof *xs);
    float **os = malloc(B * sizeof *os);
    size_t *ns = malloc(B * sizeof *ns), *lens = malloc(B * sizeof *lens);
    if (!host || !xs || !os || !ns || !lens) return 1;
    for (size_t b = 0; b < B; b++) xs[b] = x + b * n, os[b] = host + b * per, ns[b] = n, lens[b] = per;
    double best[4][2];
    for (int k = 0; k < 4; k++) best[k][0] = best[k][1] = 1e30;
    int rc = WMEL_OK;
    for (long r = 0; r < reps && rc == WMEL_OK; r++)
        for (int k = 0; k < 4 && rc == WMEL_OK; k++) {
            const double w0 = bench_now(), c0 = thread_cpu();
            size_t failed = 0;
            if (k == 0) rc = wmel_features_batch(vk, xs, ns, B, os, lens, &failed);
            else if (k == 1)
                for (size_t b = 0; b < B && rc == WMEL_OK; b++) rc = wmel_features(vk, xs[b], n, os[b], per);
            else if (k == 2)
                rc = wmel_vulkan_features_device(vk, &in.m, WMEL_SAMPLE_F32, B, n, n, &out.m, B * per);
            else
                rc = wmel_features_batch(cpu, xs, ns, B, os, lens, &failed);
            const double w = bench_now() - w0, c = thread_cpu() - c0;
            if (w < best[k][0]) best[k][0] = w;
            if (c < best[k][1]) best[k][1] = c;
            if (rc != WMEL_OK) fprintf(stderr, "way %d: %s (%s)\n", k, wmel_strerror(rc), wmel_vulkan_error_detail());
        }
    if (rc != WMEL_OK) return 1;
    (void)wmel_features_batch(vk, xs, ns, B, os, lens, NULL);
    const int same = !memcmp(host, out.p, B * per * sizeof(float));
    wmel_frontend_plan plan;
    wmel_plan_counts pc;
    size_t frames = B * wmel_n_frames(n, 0); /* Whisper's */
    if (wmel_ctx_plan(vk, &plan) == WMEL_OK && wmel_plan_frames(&plan, n, &pc) == WMEL_OK) frames = B * pc.computed;
    char line[64];
    bench_loadavg(line, sizeof line);
    printf("%s, arith %s, %ld clips of %.1f s (%zu frames), best of %ld; device: %s; load %s\n", fe,
           arith == 2 ? "float-float" : arith == 1 ? "float64" : "the device's", clips, secs, frames, reps,
           wmel_kernel_name(vk), line);
    static const char *const way[4] = {"vulkan, host batch", "vulkan, host single calls", "vulkan, device memory",
                                       "cpu, every core (batch)"};
    printf("| way | wall ms | calling thread CPU ms | CPU µs a frame |\n|---|---|---|---|\n");
    for (int k = 0; k < 4; k++)
        printf("| %s | %.1f | %.1f | %.4f |\n", way[k], 1e3 * best[k][0], 1e3 * best[k][1],
               1e6 * best[k][1] / (double)frames);
    printf("device memory's bytes %s the host batch's\n", same ? "equal" : "DIFFER FROM");
    mem_free(&in);
    mem_free(&out);
    vk_close();
    wmel_destroy(vk);
    wmel_destroy(cpu);
    free(host);
    free(xs);
    free(os);
    free(ns);
    free(lens);
    return same ? 0 : 1;
}
