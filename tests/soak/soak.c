/*
 * soak.c -- the thread soak behind `make soak`: T threads (16 by default) share one
 * multi-threaded ctx per parameter set for a given time, each calling the compute API
 * with random lengths, paddings and modes -- wmel_log_mel, _s16, _batch (per clip and
 * global), the stream API in random pieces, the windows iterator -- and compares every
 * result bit for bit with the same call on a one-thread ctx. Built with ThreadSanitizer
 * by `make soak`, a data race stops it too.
 *
 *   wmel_soak [--seconds S] [--threads T] [--seed N]
 *
 * Exit status 0 when every comparison held; 1 with the seed, thread and parameters of
 * the first difference.
 */
#define _POSIX_C_SOURCE 200809L
#include "wmel.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* [n_mels 80/128][norm whole/none][smooth none/3x3] */
static wmel_ctx *shared[2][2][2], *single[2][2][2];
static double deadline;
static unsigned long long seed0 = 1;
static atomic_int failed;
static atomic_ullong calls[6];
static const char *api_names[6] = {"log_mel", "log_mel_s16", "batch", "batch_global", "stream",
                                   "windows"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t below(uint64_t *s, size_t n) { return n ? (size_t)(next(s) % n) : 0; }

static wmel_ctx *make(int mi, int norm, int smooth, int threads)
{
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CPU;
    p.n_mels = mi ? 128 : 80;
    p.norm = norm ? WMEL_NORM_NONE : WMEL_NORM_WHOLE;
    p.smooth = smooth ? WMEL_SMOOTH_3X3 : WMEL_SMOOTH_NONE;
    p.n_threads = threads;
    int st;
    wmel_ctx *c = wmel_create(&p, &st);
    if (!c) {
        fprintf(stderr, "wmel_soak: create: %s\n", wmel_strerror(st));
        exit(1);
    }
    return c;
}

typedef struct {
    float *out;
    size_t nf, rows;
} sink;

static int on_frames(void *user, const float *raw, size_t first, size_t n)
{
    sink *k = user;
    for (size_t m = 0; m < k->rows; m++) memcpy(k->out + m * k->nf + first, raw + m * n, n * sizeof(float));
    return 0;
}

static int run_stream(wmel_ctx *c, const float *x, size_t n, size_t padding, size_t piece, float *out,
                      size_t rows)
{
    sink k = {out, wmel_n_frames(n, padding), rows};
    int st;
    wmel_stream *s = wmel_stream_create(c, padding, on_frames, &k, &st);
    if (!s) return st;
    for (size_t i = 0; i < n && st == WMEL_OK; i += piece)
        st = wmel_stream_push(s, x + i, n - i < piece ? n - i : piece);
    if (st == WMEL_OK) st = wmel_stream_finish(s);
    wmel_stream_destroy(s);
    return st;
}

static int run_windows(wmel_ctx *c, const float *x, size_t n, float *out, size_t rows, size_t *count)
{
    int st;
    wmel_windows *w = wmel_windows_open_pcm(c, x, n, &st);
    if (!w) return st;
    size_t frames, k = 0;
    while ((st = wmel_windows_next(w, out + k * rows * 3000, rows * 3000, &frames)) == WMEL_OK && frames)
        k++;
    *count = k;
    wmel_windows_close(w);
    return st;
}

static void *worker(void *arg)
{
    const int id = (int)(intptr_t)arg;
    uint64_t rng = seed0 * 0x9E3779B97F4A7C15ull + (uint64_t)id * 7919u + 1;
    unsigned long long iter = 0;
    while (now_s() < deadline && !atomic_load(&failed)) {
        iter++;
        const uint64_t call_seed = rng;
        const int mi = (int)below(&rng, 2), norm = (int)below(&rng, 2), smooth = (int)below(&rng, 2);
        int api = (int)below(&rng, 6);
        if ((api == 4 || api == 5) && smooth) api = 0; /* stream and windows refuse smoothing */
        const size_t rows = mi ? 128 : 80;
        size_t n = 201 + below(&rng, below(&rng, 8) == 0 ? 960000 : 48000);
        size_t padding = below(&rng, 4) == 0 ? 480000 : below(&rng, 2) ? below(&rng, 3000) : 0;
        const size_t batch = api == 2 || api == 3 ? 1 + below(&rng, 4) : 1;
        if (api == 2 || api == 3) n = n / batch + 1;
        if (api == 5) padding = 0;
        const size_t total = n * batch;
        float *x = malloc(total * sizeof(float));
        int16_t *xi = malloc(total * sizeof(int16_t));
        const double f0 = 50.0 + (double)below(&rng, 4000), amp = ldexp(1.0, -(int)below(&rng, 12));
        for (size_t i = 0; i < total; i++) {
            double t = (double)i / 16000.0;
            double v = amp * (0.6 * sin(2 * 3.14159265358979323846 * (f0 + 300.0 * t) * t) +
                              0.3 * ((double)(next(&rng) >> 11) / 9007199254740992.0 - 0.5));
            if (below(&rng, 50000) == 0) v = 0.0;
            x[i] = (float)v;
            xi[i] = (int16_t)lrint(v * 32767.0);
        }
        if (below(&rng, 6) == 0) memset(x + below(&rng, total / 2), 0, total / 4 * sizeof(float)); /* silence */
        size_t nf = wmel_n_frames(n, padding), per = rows * nf, cap = batch * per;
        size_t nwin = api == 5 ? (n / 160 + 2999) / 3000 + 1 : 0;
        if (api == 5) cap = nwin * rows * 3000;
        float *a = malloc(cap * sizeof(float)), *b = malloc(cap * sizeof(float));
        wmel_ctx *cs, *c1;
        int ra, rb;
        size_t cmp = cap;
        if (api == 4) { /* the stream gives raw frames: the NORM_NONE ctxs */
            cs = shared[mi][1][0];
            c1 = single[mi][1][0];
            size_t piece = 1 + below(&rng, 20000);
            ra = run_stream(cs, x, n, padding, piece, a, rows);
            rb = run_stream(c1, x, n, padding, 1 + below(&rng, 20000), b, rows);
            cmp = per;
        } else if (api == 5) {
            cs = shared[mi][norm][0];
            c1 = single[mi][norm][0];
            size_t ka = 0, kb = 0;
            ra = run_windows(cs, x, n, a, rows, &ka);
            rb = run_windows(c1, x, n, b, rows, &kb);
            if (ka != kb) ra = 999;
            cmp = ka * rows * 3000;
        } else {
            cs = shared[mi][norm][smooth];
            c1 = single[mi][norm][smooth];
            if (api == 0) {
                ra = wmel_log_mel(cs, x, n, padding, a, cap);
                rb = wmel_log_mel(c1, x, n, padding, b, cap);
            } else if (api == 1) {
                ra = wmel_log_mel_s16(cs, xi, n, padding, a, cap);
                rb = wmel_log_mel_s16(c1, xi, n, padding, b, cap);
            } else {
                int bn = api == 3 ? WMEL_BATCH_GLOBAL : WMEL_BATCH_PER_CLIP;
                ra = wmel_log_mel_batch(cs, x, batch, n, n, padding, bn, a, cap);
                rb = wmel_log_mel_batch(c1, x, batch, n, n, padding, bn, b, cap);
            }
        }
        atomic_fetch_add(&calls[api], 1);
        /* both must agree: the same status, and the same bits when it is OK (a clip
           made too short by the batch split is refused by both) */
        if (ra != rb || (ra != WMEL_OK && ra != WMEL_ERR_TOO_SHORT) ||
            (ra == WMEL_OK && memcmp(a, b, cmp * sizeof(float)) != 0)) {
            size_t at = 0;
            while (ra == WMEL_OK && at < cmp && a[at] == b[at]) at++;
            fprintf(stderr,
                    "wmel_soak: DIFFERENCE: seed %llu thread %d iteration %llu (call rng 0x%llx): api %s, "
                    "%zu mels, norm %s, smooth %d, n %zu, padding %zu, batch %zu: status %d vs %d, "
                    "first differing value %zu of %zu\n",
                    seed0, id, iter, (unsigned long long)call_seed, api_names[api], rows,
                    norm ? "none" : "whole", smooth, n, padding, batch, ra, rb, at, cmp);
            atomic_store(&failed, 1);
        }
        free(a);
        free(b);
        free(x);
        free(xi);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double seconds = 60.0;
    int nthreads = 16;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads")) nthreads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed")) seed0 = strtoull(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "usage: wmel_soak [--seconds S] [--threads T] [--seed N]\n");
            return 2;
        }
    }
    if (nthreads < 1 || nthreads > 256 || !(seconds >= 0)) {
        fprintf(stderr, "wmel_soak: bad --threads or --seconds\n");
        return 2;
    }
    for (int mi = 0; mi < 2; mi++)
        for (int no = 0; no < 2; no++)
            for (int sm = 0; sm < 2; sm++) {
                shared[mi][no][sm] = make(mi, no, sm, 4);
                single[mi][no][sm] = make(mi, no, sm, 1);
            }
    printf("wmel_soak: %d threads, %.0f s, seed %llu, %s\n", nthreads, seconds, seed0, wmel_version());
    fflush(stdout);
    deadline = now_s() + seconds;
    pthread_t *th = malloc((size_t)nthreads * sizeof *th);
    for (int i = 0; i < nthreads; i++) pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
    for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
    free(th);
    unsigned long long all = 0;
    for (int k = 0; k < 6; k++) {
        printf("  %-13s %llu calls\n", api_names[k], (unsigned long long)atomic_load(&calls[k]));
        all += atomic_load(&calls[k]);
    }
    for (int mi = 0; mi < 2; mi++)
        for (int no = 0; no < 2; no++)
            for (int sm = 0; sm < 2; sm++) {
                wmel_destroy(shared[mi][no][sm]);
                wmel_destroy(single[mi][no][sm]);
            }
    int bad = atomic_load(&failed);
    printf("wmel_soak: %llu calls, %s\n", all, bad ? "DIFFERENCES FOUND" : "all bit-identical to one thread");
    return bad ? 1 : 0;
}
