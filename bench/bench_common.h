/*
 * bench_common.h -- what the benchmark programs share so that every implementation is
 * timed the same way on the same signal: a deterministic test signal (a gliding tone
 * plus seeded noise and a little silence), a monotonic clock, and min / median / p95.
 * Header-only, benchmark-only: nothing here is part of libwmel.
 */
#ifndef WMEL_BENCH_COMMON_H
#define WMEL_BENCH_COMMON_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_PI 3.14159265358979323846
/* includers define _POSIX_C_SOURCE 200809L (clock_gettime) before any #include */

/* Seconds on CLOCK_MONOTONIC. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The first three fields of /proc/loadavg into buf ("n/a" where there is none): every
 * benchmark prints the load average around its figures. */
static inline void bench_loadavg(char *buf, size_t len)
{
    snprintf(buf, len, "n/a");
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f) return;
    double a, b, c;
    if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3) snprintf(buf, len, "%.2f %.2f %.2f", a, b, c);
    fclose(f);
}

/* Speech-like test signal: a tone gliding 200..3200 Hz, a harmonic, seeded noise, and
 * 0.25 s of digital silence every 10 s (as real recordings have). */
static inline void bench_signal(float *x, size_t n)
{
    uint64_t s = 0x9e3779b97f4a7c15ull;
    double ph = 0.0;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / 16000.0;
        double f = 1700.0 + 1500.0 * sin(2.0 * BENCH_PI * 0.05 * t);
        ph += 2.0 * BENCH_PI * f / 16000.0;
        if (ph > 2.0 * BENCH_PI) ph -= 2.0 * BENCH_PI;
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double u = (double)(s >> 11) * (1.0 / 9007199254740992.0) - 0.5;
        double v = 0.3 * sin(ph) + 0.1 * sin(2.0 * ph) + 0.02 * u;
        if (fmod(t, 10.0) > 9.75) v = 0.0;
        x[i] = (float)v;
    }
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct bench_stats {
    double min, median, p95; /* seconds */
} bench_stats;

/* Sorts t[0..n) in place. */
static inline bench_stats bench_summarize(double *t, size_t n)
{
    bench_stats st = {0, 0, 0};
    if (!n) return st;
    qsort(t, n, sizeof *t, bench_cmp_double);
    st.min = t[0];
    st.median = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    size_t k = (size_t)ceil(0.95 * (double)n) - 1;
    st.p95 = t[k < n ? k : n - 1];
    return st;
}

/* qsort comparator for floats (the CUDA benchmarks' event times). */
static inline int bench_cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* A deterministic clip for the batched CUDA benchmarks: a tone, a chirp and LCG noise at
 * speech-like level, different per seed. */
static inline void bench_clip(float *x, size_t n, unsigned seed)
{
    uint32_t s = 0x9e3779b9u ^ seed;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        double t = (double)i / 16000.0;
        double v = 0.2 * sin(2 * 3.14159265 * (220.0 + 30.0 * (double)(seed % 7)) * t) +
                   0.05 * sin(2 * 3.14159265 * (300.0 + 200.0 * fmod(t, 3.0)) * t) +
                   0.02 * ((double)(s >> 8) / 16777216.0 - 0.5);
        x[i] = (float)v;
    }
}

#endif
