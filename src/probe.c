/*
 * probe.c -- timings a process makes once and keeps: two ctxs timed in turn on the same
 * fixed 30 s clip (a warm-up call of each, then three of each in turn, the best of each
 * kept), and a small table of verdicts keyed by bytes the caller builds, behind a lock,
 * so that the first ctx of a kind times and the later ones read the answer. Two tables
 * use it: the Vulkan arithmetic's (vulkan/arith_probe.c: float64 against float-float on a
 * device), AUTO's (backend.c: a device backend against the CPU on a plan's front-end), and
 * the CUDA arithmetic's (cuda/arith.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double wmel__now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void wmel__probe_signal(float *x, size_t n)
{
    /* two tones and a little noise (a fixed generator): a clip's ordinary work */
    unsigned s = 12345u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        const double t = (double)i / 16000.0;
        x[i] = (float)(0.3 * sin(6.283185307179586 * 440.0 * t) + 0.2 * sin(6.283185307179586 * 1234.5 * t) +
                       1e-3 * ((double)(s >> 8) / 16777216.0 - 0.5));
    }
}

void wmel__probe_pair(wmel_ctx *c[2], const char *const where[2], double t[2])
{
    const size_t n = WMEL__PROBE_SAMPLES;
    float *x = malloc(n * sizeof *x), *out = NULL;
    double best[2] = {HUGE_VAL, HUGE_VAL};
    size_t total = 0;
    for (int a = 0; a < 2; a++) {
        size_t rows = 0, cols = 0;
        if (c[a] && wmel__clip_shape(c[a], n, &rows, &cols) == WMEL_OK && rows * cols > total) total = rows * cols;
    }
    if (x && total) out = malloc(total * sizeof *out);
    int ok[2] = {c[0] != NULL, c[1] != NULL};
    if (x && out) {
        wmel__probe_signal(x, n);
        for (int rep = 0; rep < 4; rep++)
            for (int a = 0; a < 2; a++) {
                if (!ok[a]) continue;
                const double t0 = wmel__now_s();
                const int rc = wmel__clip_run(c[a], x, n, out, total);
                const double dt = wmel__now_s() - t0;
                if (rc != WMEL_OK || (where[a] && strcmp(wmel__op_backend(c[a], WMEL_OP_LOG_MEL), where[a]) != 0)) {
                    ok[a] = 0; /* it did not run where it was to: not a candidate */
                    continue;
                }
                if (rep > 0 && dt < best[a]) best[a] = dt; /* the first: the warm-up */
            }
    } else {
        ok[0] = ok[1] = 0;
    }
    for (int a = 0; a < 2; a++) t[a] = ok[a] && best[a] < HUGE_VAL ? best[a] : 0.0;
    free(x);
    free(out);
}

typedef struct kept_entry {
    int used;
    size_t len;
    unsigned char key[WMEL__KEPT_KEY];
    wmel_verdict v;
} kept_entry;
#define KEPT_N 16
typedef struct kept_table {
    pthread_mutex_t lock;
    int runs; /* timings run in this process (for the tests) */
    kept_entry e[KEPT_N];
} kept_table;
/* one table per kind of verdict, each its own lock: a timing of one kind creates ctxs
   that ask the other kind's table (AUTO's device ctx, its arithmetic) */
static kept_table g_tables[WMEL__KEPT_TABLES] = {{PTHREAD_MUTEX_INITIALIZER, 0, {{0}}},
                                                 {PTHREAD_MUTEX_INITIALIZER, 0, {{0}}},
                                                 {PTHREAD_MUTEX_INITIALIZER, 0, {{0}}}};

static kept_table *table(int which) { return which >= 0 && which < WMEL__KEPT_TABLES ? &g_tables[which] : NULL; }

static int kept_at(const kept_table *k, const void *key, size_t len)
{
    if (len > WMEL__KEPT_KEY) return -1;
    for (int i = 0; i < KEPT_N; i++)
        if (k->e[i].used && k->e[i].len == len && !memcmp(k->e[i].key, key, len)) return i;
    return -1;
}

int wmel__kept_get(int which, const void *key, size_t len, void (*measure)(void *arg, wmel_verdict *v), void *arg,
                   wmel_verdict *v)
{
    kept_table *k = table(which);
    if (!k || len > WMEL__KEPT_KEY || pthread_mutex_lock(&k->lock) != 0) return -1;
    int i = kept_at(k, key, len);
    if (i < 0) {
        wmel_verdict res;
        memset(&res, 0, sizeof res);
        measure(arg, &res);
        i = k->runs++ % KEPT_N; /* in turn: the oldest's place once all are used */
        k->e[i].used = 1;
        k->e[i].len = len;
        memcpy(k->e[i].key, key, len);
        k->e[i].v = res;
    }
    *v = k->e[i].v;
    pthread_mutex_unlock(&k->lock);
    return 0;
}

int wmel__kept_find(int which, const void *key, size_t len, wmel_verdict *v)
{
    kept_table *k = table(which);
    if (!k || pthread_mutex_lock(&k->lock) != 0) return -1;
    const int i = kept_at(k, key, len);
    if (i >= 0 && v) *v = k->e[i].v;
    const int runs = k->runs;
    pthread_mutex_unlock(&k->lock);
    return i >= 0 ? runs : 0;
}

int wmel__kept_runs(int which)
{
    kept_table *k = table(which);
    if (!k || pthread_mutex_lock(&k->lock) != 0) return -1;
    const int runs = k->runs;
    pthread_mutex_unlock(&k->lock);
    return runs;
}
