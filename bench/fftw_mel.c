/*
 * fftw_mel.c -- benchmark peer: the same log-Mel pipeline as wmel, written the way one
 * would with FFTW (single precision, batched r2c plans of 32 frames, sparse mel,
 * log10, whole-clip max-8 normalisation), so `wmel bench` can quote a ratio against it.
 * Benchmark-only: FFTW is GPL and is linked here only, never into libwmel.
 *
 *   wmel-bench-fftw --seconds S --threads T --reps N --warmup W --n-mels M
 * prints one JSON line: {"impl":"fftw",...,"median_ms":...,"max_abs_diff_vs_wmel":...}
 */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include "wmel.h"

#include <fftw3.h>
#include <pthread.h>
#include <stdio.h>

#define NFFT 400
#define HOP 160
#define NB 201
#define BATCH 32

typedef struct peer {
    const float *x; /* signal */
    size_t n, nf;
    int n_mels;
    const float *win;
    int lo[128], len[128], off[128];
    float *w;      /* packed nonzero filter weights */
    fftwf_plan plan;
    float *out;    /* [n_mels][nf] */
} peer;

typedef struct work {
    const peer *p;
    size_t f0, f1;
    float max;
    float *frames;         /* [BATCH][NFFT] */
    fftwf_complex *spec;   /* [BATCH][NB] */
} work;

static float sample(const peer *p, long long i)
{
    long long n = (long long)p->n;
    if (i < 0) i = -i;
    if (i >= n) i = 2 * (n - 1) - i;
    return p->x[i];
}

static void *run(void *arg)
{
    work *wk = arg;
    const peer *p = wk->p;
    float mx = -1e30f;
    static _Thread_local float pw[NB][BATCH];
    for (size_t f = wk->f0; f < wk->f1; f += BATCH) {
        size_t nb = wk->f1 - f < BATCH ? wk->f1 - f : BATCH;
        for (size_t b = 0; b < nb; b++) {
            long long s0 = (long long)((f + b) * HOP) - NFFT / 2;
            float *fr = wk->frames + b * NFFT;
            if (s0 >= 0 && s0 + NFFT <= (long long)p->n) {
                const float *src = p->x + s0;
                for (int j = 0; j < NFFT; j++) fr[j] = src[j] * p->win[j];
            } else {
                for (int j = 0; j < NFFT; j++) fr[j] = sample(p, s0 + j) * p->win[j];
            }
        }
        fftwf_execute_dft_r2c(p->plan, wk->frames, wk->spec);
        /* power bin-major, [k][b], so the sparse mel product vectorises over frames */
        for (int k = 0; k < NB; k++)
            for (size_t b = 0; b < BATCH; b++) {
                const float *c = wk->spec[b * NB + (size_t)k];
                pw[k][b] = c[0] * c[0] + c[1] * c[1];
            }
        for (int m = 0; m < p->n_mels; m++) {
            const float *w = p->w + p->off[m];
            float acc[BATCH];
            for (size_t b = 0; b < BATCH; b++) acc[b] = 0.0f;
            for (int j = 0; j < p->len[m]; j++)
                for (size_t b = 0; b < BATCH; b++) acc[b] += w[j] * pw[p->lo[m] + j][b];
            float *o = p->out + (size_t)m * p->nf + f;
            for (size_t b = 0; b < nb; b++) o[b] = acc[b] > 1e-10f ? acc[b] : 1e-10f;
            for (size_t b = 0; b < nb; b++) o[b] = log10f(o[b]);
            for (size_t b = 0; b < nb; b++) mx = o[b] > mx ? o[b] : mx;
        }
    }
    wk->max = mx;
    return NULL;
}

static void compute(peer *p, work *wk, int nt)
{
    pthread_t tid[64];
    size_t nblk = (p->nf + BATCH - 1) / BATCH;
    for (int t = 0; t < nt; t++) {
        wk[t].p = p;
        wk[t].f0 = nblk * (size_t)t / (size_t)nt * BATCH;
        wk[t].f1 = nblk * (size_t)(t + 1) / (size_t)nt * BATCH;
        if (wk[t].f1 > p->nf) wk[t].f1 = p->nf;
    }
    for (int t = 1; t < nt; t++) pthread_create(&tid[t], NULL, run, &wk[t]);
    run(&wk[0]);
    for (int t = 1; t < nt; t++) pthread_join(tid[t], NULL);
    float mx = -1e30f;
    for (int t = 0; t < nt; t++) mx = wk[t].max > mx ? wk[t].max : mx;
    const float lo = mx - 8.0f;
    size_t total = (size_t)p->n_mels * p->nf;
    for (size_t i = 0; i < total; i++) {
        float v = p->out[i] < lo ? lo : p->out[i];
        p->out[i] = (v + 4.0f) * 0.25f;
    }
}

int main(int argc, char **argv)
{
    double seconds = 30.0;
    int nt = 1, reps = 20, warm = 3, n_mels = 80;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads")) nt = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--warmup")) warm = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--n-mels")) n_mels = atoi(argv[i + 1]);
    }
    if (nt < 1 || nt > 64 || reps < 1 || warm < 0 || (n_mels != 80 && n_mels != 128) ||
        !(seconds > 0.02)) {
        fprintf(stderr, "wmel-bench-fftw: bad arguments\n");
        return 2;
    }
    peer p;
    memset(&p, 0, sizeof p);
    p.n = (size_t)(seconds * 16000.0);
    p.nf = p.n / HOP;
    p.n_mels = n_mels;
    float *x = malloc(p.n * sizeof *x), win[NFFT];
    float *dense = malloc((size_t)n_mels * NB * sizeof *dense);
    p.w = malloc((size_t)n_mels * NB * sizeof *p.w);
    p.out = malloc((size_t)n_mels * p.nf * sizeof *p.out);
    float *ref = malloc((size_t)n_mels * p.nf * sizeof *ref);
    double *times = malloc((size_t)reps * sizeof *times);
    work *wk = calloc((size_t)nt, sizeof *wk);
    if (!x || !dense || !p.w || !p.out || !ref || !times || !wk) return 1;
    bench_signal(x, p.n);
    p.x = x;
    for (int j = 0; j < NFFT; j++) win[j] = (float)(0.5 - 0.5 * cos(2.0 * BENCH_PI * j / NFFT));
    p.win = win;
    if (wmel_mel_filters(n_mels, dense, (size_t)n_mels * NB) != WMEL_OK) return 1;
    int nnz = 0;
    for (int m = 0; m < n_mels; m++) {
        int a = 0, b = NB - 1;
        while (a < NB && dense[m * NB + a] == 0.0f) a++;
        while (b > a && dense[m * NB + b] == 0.0f) b--;
        p.lo[m] = a;
        p.len[m] = b >= a ? b - a + 1 : 0;
        p.off[m] = nnz;
        for (int j = 0; j < p.len[m]; j++) p.w[nnz++] = dense[m * NB + a + j];
    }
    int nn = NFFT;
    for (int t = 0; t < nt; t++) {
        wk[t].frames = fftwf_malloc(BATCH * NFFT * sizeof(float));
        wk[t].spec = fftwf_malloc(BATCH * NB * sizeof(fftwf_complex));
    }
    p.plan = fftwf_plan_many_dft_r2c(1, &nn, BATCH, wk[0].frames, NULL, 1, NFFT, wk[0].spec,
                                     NULL, 1, NB, FFTW_PATIENT);
    if (!p.plan) return 1;
    for (int r = 0; r < warm; r++) compute(&p, wk, nt);
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now();
        compute(&p, wk, nt);
        times[r] = bench_now() - t0;
    }
    bench_stats st = bench_summarize(times, (size_t)reps);

    /* the peer must compute the same thing: compare with wmel's default backend */
    double diff = -1.0;
    wmel_params wp = wmel_default_params();
    wp.n_mels = n_mels;
    wp.n_threads = nt;
    wmel_ctx *ctx = wmel_create(&wp, NULL);
    if (ctx && wmel_log_mel(ctx, x, p.n, 0, ref, (size_t)n_mels * p.nf) == WMEL_OK) {
        diff = 0.0;
        for (size_t i = 0; i < (size_t)n_mels * p.nf; i++) {
            double d = fabs((double)ref[i] - (double)p.out[i]);
            diff = d > diff ? d : diff;
        }
    }
    wmel_destroy(ctx);
    printf("{\"impl\":\"fftw\",\"version\":\"%s\",\"seconds\":%g,\"threads\":%d,\"n_mels\":%d,"
           "\"reps\":%d,\"min_ms\":%.4f,\"median_ms\":%.4f,\"p95_ms\":%.4f,"
           "\"max_abs_diff_vs_wmel\":%.3g}\n",
           fftwf_version, seconds, nt, n_mels, reps, st.min * 1e3, st.median * 1e3,
           st.p95 * 1e3, diff);
    fftwf_destroy_plan(p.plan);
    for (int t = 0; t < nt; t++) {
        fftwf_free(wk[t].frames);
        fftwf_free(wk[t].spec);
    }
    free(x); free(dense); free(p.w); free(p.out); free(ref); free(times); free(wk);
    return 0;
}
