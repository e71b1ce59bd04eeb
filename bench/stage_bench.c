/*
 * stage_bench.c -- where the AVX2 kernel's time goes, stage by stage (not a test).
 *
 * The kernel's stages run here on their own, each in a loop over data that stays in L1,
 * from the very source the library compiles (src/cpu/x86/kernel_avx2.c, its symbols renamed so
 * that they cannot clash with libwmel's): the load (convert, window, transpose, permuted
 * stores), the 25 real 16-point column DFTs, the 7 complex 25-point rows with their
 * |X|^2, the real rows 0 and 8, the mel sums, the log10 and row stores, and for
 * comparison the whole block function on 64 frames. Each figure is the minimum over
 * --reps repetitions, in core cycles per group of 4 frames, the clock estimated from a
 * chain of dependent integer adds (one cycle each) timed the same way. Minima, not
 * medians: the point is each stage's cost, not the machine's noise; the load average is
 * printed with them.
 *
 * Per group of 4 frames, AVX2: 400 samples in, 4 x 201 |X|^2, 4 x n_mels outputs. Compare
 * a stage's cycles with its instruction mix (callgrind) to see what bounds it.
 *
 *   wmel-stage-bench [--reps N] [--n-mels 80|128]
 */
#define _POSIX_C_SOURCE 200809L
#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#define wmel__kernel_avx2 stage__kernel_avx2
#define wmel__block_avx2 stage__block_avx2
#define wmel__rfft_avx2 stage__rfft_avx2
#define wmel__norm_avx2 stage__norm_avx2
#include "cpu/x86/kernel_avx2.c"
#endif

#include "bench_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
/* Cycles per second: 4 dependent adds per iteration, one cycle each. */
static double clock_hz(int reps)
{
    const long iters = 5000000;
    double best = 1e9;
    for (int r = 0; r < reps; r++) {
        unsigned long x = 0;
        double t0 = bench_now();
        for (long i = 0; i < iters; i++)
            __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
        double t = bench_now() - t0;
        if (t < best) best = t;
    }
    return 4.0 * (double)iters / best;
}

#define CLOBBER(p) __asm__ volatile("" : : "r"(p) : "memory")
#define N_INNER 1000

typedef struct {
    const char *name;
    double best; /* seconds per group, the minimum over the repetitions */
} stage;

int main(int argc, char **argv)
{
    int reps = 30, n_mels = 80;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--n-mels") && i + 1 < argc)
            n_mels = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: wmel-stage-bench [--reps N] [--n-mels 80|128]\n");
            return 2;
        }
    }
    if (reps < 1 || (n_mels != 80 && n_mels != 128)) {
        fprintf(stderr, "wmel-stage-bench: --reps >= 1, --n-mels 80 or 128\n");
        return 2;
    }
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        printf("wmel-stage-bench: this CPU has no AVX2 + FMA; nothing to measure\n");
        return 0;
    }
    static wmel_plan pl;
    if (wmel__plan_init(&pl, n_mels)) {
        fprintf(stderr, "wmel-stage-bench: out of memory\n");
        return 1;
    }
    const size_t nf = WMEL_BLOCK_FRAMES, ns = (nf - 1) * WMEL_HOP + WMEL_N_FFT;
    float *x = aligned_alloc(64, (ns * sizeof(float) + 63) & ~(size_t)63);
    float *out = aligned_alloc(64, (size_t)n_mels * nf * sizeof(float));
    void *scr = aligned_alloc(64, WMEL_KERNEL_SCRATCH);
    if (!x || !out || !scr) {
        fprintf(stderr, "wmel-stage-bench: out of memory\n");
        return 1;
    }
    bench_signal(x, ns); /* wmel bench's signal (its first 0.64 s: no silence) */
    VD *a = scr;
    VF2 *pw2 = (VF2 *)(a + WMEL_N_FFT), *macc = pw2 + 202;
    VF *pw = (VF *)pw2;
    int bad = 0;
    load_group(x, 4, WMEL_HOP, pl.window_d, pl.zq, a);
    rfft_power(&pl, a, pw, 2); /* real |X|^2 in both halves for the mel and log stages */
    rfft_power(&pl, a, pw + 1, 2);
    pw2[WMEL_N_BINS] = V2_JOIN(V_SET1(0.0f), V_SET1(0.0f));
    mel_sums2(&pl, pw2, macc);
    VD *a0 = aligned_alloc(64, WMEL_N_FFT * sizeof(VD)); /* the loaded group, kept */
    if (!a0) return 1;
    memcpy(a0, a, WMEL_N_FFT * sizeof(VD));

    enum { LOAD, COLS, ROWS, ROWS08, MEL, LOG, BLOCK, NST };
    stage st[NST] = {{"load: convert, window, transpose, permuted stores", 1e9},
                     {"25 real 16-point column DFTs", 1e9},
                     {"7 complex 25-point rows + |X|^2", 1e9},
                     {"rows 0 and 8 (one complex 25-point DFT) + |X|^2", 1e9},
                     {"mel sums (8 lanes: 2 groups per call, per group here)", 1e9},
                     {"clamp, log10, max, row stores (per group)", 1e9},
                     {"the whole block function, 64 frames (per group)", 1e9}};
    char load0[64], load1[64];
    bench_loadavg(load0, sizeof load0);
    const double hz = clock_hz(reps);
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now(), t;
        for (int i = 0; i < N_INNER; i++) {
            load_group(x + (size_t)(i & 7) * 4 * WMEL_HOP, 4, WMEL_HOP, pl.window_d, pl.zq, a);
            CLOBBER(a);
        }
        if ((t = (bench_now() - t0) / N_INNER) < st[LOAD].best) st[LOAD].best = t;
        t0 = bench_now();
        for (int i = 0; i < N_INNER; i++) { /* from the loaded group each time */
            if (!(i & 15)) memcpy(a, a0, WMEL_N_FFT * sizeof(VD));
            for (int n2 = 0; n2 < 25; n2++) rdft16(a + 16 * n2);
            CLOBBER(a);
        }
        if ((t = (bench_now() - t0) / N_INNER) < st[COLS].best) st[COLS].best = t;
        memcpy(a, a0, WMEL_N_FFT * sizeof(VD));
        for (int n2 = 0; n2 < 25; n2++) rdft16(a + 16 * n2);
        t0 = bench_now();
        for (int i = 0; i < N_INNER; i++) {
            for (int k1 = 1; k1 <= 7; k1++) row_power(&pl, a, k1, pw, 2);
            CLOBBER(a);
        }
        if ((t = (bench_now() - t0) / N_INNER) < st[ROWS].best) st[ROWS].best = t;
        t0 = bench_now();
        for (int i = 0; i < N_INNER; i++) {
            kcplx y0[13], y8[13];
            rows_0_8(pl.tw25_re, pl.tw25_im, a, y0, y8);
            for (int k = 0; k <= 12; k++) {
                pw[2 * pl.pwi[k]] = V_D2F(y0[k].re * y0[k].re + y0[k].im * y0[k].im);
                pw[2 * pl.pwi[200 + k]] = V_D2F(y8[k].re * y8[k].re + y8[k].im * y8[k].im);
            }
            CLOBBER(a);
        }
        if ((t = (bench_now() - t0) / N_INNER) < st[ROWS08].best) st[ROWS08].best = t;
        t0 = bench_now();
        for (int i = 0; i < N_INNER / 2; i++) {
            mel_sums2(&pl, pw2, macc);
            CLOBBER(macc);
        }
        if ((t = (bench_now() - t0) / N_INNER) < st[MEL].best) st[MEL].best = t;
        t0 = bench_now();
        const VF2 tiny2 = V2_JOIN(V_SET1(1e-10f), V_SET1(1e-10f));
        const VF2 floor2 = V2_JOIN(V_SET1(WMEL_LOG_FLOOR_LOG10), V_SET1(WMEL_LOG_FLOOR_LOG10));
        for (int i = 0; i < N_INNER / 2; i++) { /* as in the block function */
            VF2 vmax2 = floor2, vchk2 = tiny2 - tiny2;
            for (int mm = 0; mm < n_mels; mm++) {
                VF2 acc = V2_MAX(tiny2, macc[mm]);
                vchk2 = vchk2 + (acc - acc);
                VF2 v = V2_MAX(floor2, vlog10_2(acc));
                vmax2 = V2_MAX(vmax2, v);
                memcpy(out + (size_t)mm * nf + (size_t)(i & 7) * 8, &v, sizeof v);
            }
            CLOBBER(out);
            __asm__ volatile("" : : "x"(vmax2), "x"(vchk2));
        }
        if ((t = (bench_now() - t0) / N_INNER) < st[LOG].best) st[LOG].best = t;
        t0 = bench_now();
        for (int i = 0; i < N_INNER / 16; i++) {
            (void)stage__block_avx2(&pl, x, nf, out, nf, scr, &bad);
            CLOBBER(out);
        }
        if ((t = (bench_now() - t0) / (N_INNER / 16) / (double)(nf / 4)) < st[BLOCK].best)
            st[BLOCK].best = t;
    }
    bench_loadavg(load1, sizeof load1);
    printf("wmel-stage-bench -- AVX2 kernel stages on data in L1, %d mels, minimum of %d reps\n",
           n_mels, reps);
    printf("clock ~%.2f GHz (dependent adds); load average %s before, %s after\n\n", hz / 1e9,
           load0, load1);
    printf("%-56s %9s %8s\n", "stage (per group of 4 frames)", "cycles", "share");
    double sum = 0;
    for (int i = 0; i < BLOCK; i++) sum += st[i].best;
    for (int i = 0; i < NST; i++) {
        if (i == BLOCK) printf("%-56s %9.0f %7.0f%%\n", "sum of the stages", sum * hz, 100.0);
        printf("%-56s %9.0f %7.0f%%\n", st[i].name, st[i].best * hz,
               100.0 * st[i].best / sum);
    }
    printf("\nwhole block: %.1f ns per frame\n", st[BLOCK].best / 4 * 1e9);
    free(a0);
    free(x);
    free(out);
    free(scr);
    wmel__plan_free(&pl);
    return bad;
}
#else
int main(void)
{
    printf("wmel-stage-bench: built without AVX2 + FMA (not x86_64); nothing to measure\n");
    return 0;
}
#endif
