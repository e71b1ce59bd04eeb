/*
 * test_fft.c -- every kernel's 400-point real FFT against a naive float64 DFT, as SNR
 * in dB (libopus's habit: fail below a floor). The transform runs in float64, so the
 * floor is 250 dB (float64 round-off is ~300 dB; a float32 transform would give ~140).
 * Seeded random frames plus impulses, DC and a pure tone.
 */
#include "internal.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NF 37 /* not a multiple of any lane count */

/* cos and sin of -2 pi j / 400 in long double, j = 0..399: computed once (on AArch64
 * long double is binary128 in software, and each call costs thousands of instructions,
 * more still under an emulator) */
static long double tcos[WMEL_N_FFT], tsin[WMEL_N_FFT];

static void naive_init(void)
{
    for (int j = 0; j < WMEL_N_FFT; j++) {
        long double a = -2.0L * 3.141592653589793238462643383279502884L * (long double)j / 400.0L;
        tcos[j] = cosl(a);
        tsin[j] = sinl(a);
    }
}

static void naive(const float *x, double *re, double *im)
{
    for (int k = 0; k < WMEL_N_BINS; k++) {
        long double r = 0, i = 0;
        for (int n = 0; n < WMEL_N_FFT; n++) {
            r += x[n] * tcos[(n * k) % 400];
            i += x[n] * tsin[(n * k) % 400];
        }
        re[k] = (double)r;
        im[k] = (double)i;
    }
}

int main(void)
{
    unsigned seed = 12345;
    srand(seed);
    float *x = malloc(sizeof(float) * NF * WMEL_N_FFT);
    double *re = malloc(sizeof(double) * NF * WMEL_N_BINS), *im = malloc(sizeof(double) * NF * WMEL_N_BINS);
    double *rr0 = malloc(sizeof(double) * NF * WMEL_N_BINS), *ri0 = malloc(sizeof(double) * NF * WMEL_N_BINS);
    for (int t = 0; t < NF; t++)
        for (int n = 0; n < WMEL_N_FFT; n++) {
            float v;
            if (t == 0) v = n == 0 ? 1.0f : 0.0f;                 /* impulse */
            else if (t == 1) v = n == 123 ? -0.5f : 0.0f;         /* shifted impulse */
            else if (t == 2) v = 0.25f;                           /* DC */
            else if (t == 3) v = (float)sin(2 * 3.14159265358979 * 37 * n / 400.0); /* tone */
            else v = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
            x[t * WMEL_N_FFT + n] = v;
        }
    naive_init();
    for (int t = 0; t < NF; t++) /* the reference spectra, once for every kernel */
        naive(x + t * WMEL_N_FFT, rr0 + t * WMEL_N_BINS, ri0 + t * WMEL_N_BINS);
    wmel_plan pl;
    CHECK(wmel__plan_init(&pl, 80) == WMEL_OK, "plan");
    void *scratch = wmel__aligned_alloc(WMEL_KERNEL_SCRATCH);
    const wmel_kernel *ks[4] = {wmel__kernel_c(), wmel__kernel_avx2(), wmel__kernel_avx512(),
                                wmel__kernel_neon()};
    int cpu = wmel__cpu_isa();
    for (int ki = 0; ki < 4; ki++) {
        const wmel_kernel *k = ks[ki];
        if (!k || k->isa > cpu) { /* NULL where not built (neon on x86, avx* on AArch64) */
            printf("kernel level %d: not available on this CPU/build, skipped\n", ki + 1);
            continue;
        }
        k->rfft(&pl, x, NF, WMEL_N_FFT, re, im, scratch);
        double worst = 1e9;
        for (int t = 0; t < NF; t++) {
            const double *rr = rr0 + t * WMEL_N_BINS, *ri = ri0 + t * WMEL_N_BINS;
            long double sig = 0, err = 0;
            for (int b = 0; b < WMEL_N_BINS; b++) {
                sig += (long double)rr[b] * rr[b] + (long double)ri[b] * ri[b];
                double dr = re[t * WMEL_N_BINS + b] - rr[b], di = im[t * WMEL_N_BINS + b] - ri[b];
                err += (long double)dr * dr + (long double)di * di;
            }
            double snr = err > 0 ? 10.0 * log10((double)(sig / err)) : 400.0;
            if (snr < worst) worst = snr;
            CHECK(snr > 250.0, "kernel %s frame %d: SNR %.1f dB < 250 dB (seed %u)", k->name, t, snr, seed);
        }
        printf("kernel %s: worst SNR %.1f dB over %d frames\n", k->name, worst, NF);
    }
    wmel__aligned_free(scratch);
    wmel__plan_free(&pl);
    free(x);
    free(re);
    free(im);
    free(rr0);
    free(ri0);
    return t_done("test_fft");
}
