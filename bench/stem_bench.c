/*
 * stem_bench.c -- the encoder stem at large-v3 geometry (128 mels, d 1280) on one 30 s
 * window, against OpenBLAS sgemm on the same GEMM shapes in the same run:
 *   conv1: M 3000 x N 1280 x K 384  (3 taps x 128 mels)
 *   conv2: M 1500 x N 1280 x K 3840 (3 taps x 1280)
 * The peer is the bare GEMM pair (explicit im2col operands, no bias, GELU, transpose or
 * positions); the stem is timed end to end with each GEMM path (OpenBLAS, wmel's own
 * kernels). Figures are medians of repeated runs after a warm-up. Not part of the tests.
 * Also timed alone, on one thread: the window's GELUs (3000 x 1280 + 1500 x 1280 values,
 * applied block by block to a 96 x 1280 block that stays in cache, as in the GEMM
 * epilogue), wmel's vectorised kernel against libm's erff per element (the old form).
 *
 *   wmel-stem-bench [--reps N] [--threads N]
 */
#define _POSIX_C_SOURCE 200809L
#include "stem/stem_internal.h" /* the GELU kernels */
#include "testctl.h"
#include "wmel.h"

#include <math.h>

#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { NM = 128, D = 1280, T = 3000, TO = 1500 };

/* WMEL_STEM_GEMM set, then read again by the library (it reads the environment once:
 * src/config.h) through its test door (a library built with WMEL_TEST_HOOKS) */
static int gemm_own(void)
{
    setenv("WMEL_STEM_GEMM", "own", 1);
    if (wmel__test_ctl(WMEL__TC_ENV_RELOAD) == WMEL_OK) return 0;
    fprintf(stderr, "WMEL_STEM_GEMM: needs a library built with -DWMEL_TEST_HOOKS=ON\n");
    return -1;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum { GB = 96 * D }; /* one GEMM row block (MC rows) */

static void gelu_libm(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752440f));
}

/* The GELUs of one window, (T + TO) * D values, through one cache-resident block. */
static void gelu_window(wmel_gelu_fn fn, const float *src, float *dst)
{
    for (size_t done = 0; done < (size_t)(T + TO) * D; done += GB) {
        size_t n = (size_t)(T + TO) * D - done < GB ? (size_t)(T + TO) * D - done : GB;
        fn(src, dst, n);
    }
}

static uint64_t rng = 88172645463325252ull;
static float frand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

/* A safetensors image of a random large-v3-shaped stem (F32, with positions). */
static unsigned char *make_weights(size_t *n)
{
    size_t c1 = (size_t)D * NM * 3 * 4, b = (size_t)D * 4, c2 = (size_t)D * D * 3 * 4,
           pos = (size_t)TO * D * 4;
    char hdr[1024];
    int hl = snprintf(hdr, sizeof hdr,
                      "{\"model.encoder.conv1.weight\":{\"dtype\":\"F32\",\"shape\":[%d,%d,3],\"data_offsets\":[0,%zu]},"
                      "\"model.encoder.conv1.bias\":{\"dtype\":\"F32\",\"shape\":[%d],\"data_offsets\":[%zu,%zu]},"
                      "\"model.encoder.conv2.weight\":{\"dtype\":\"F32\",\"shape\":[%d,%d,3],\"data_offsets\":[%zu,%zu]},"
                      "\"model.encoder.conv2.bias\":{\"dtype\":\"F32\",\"shape\":[%d],\"data_offsets\":[%zu,%zu]},"
                      "\"model.encoder.embed_positions.weight\":{\"dtype\":\"F32\",\"shape\":[%d,%d],\"data_offsets\":[%zu,%zu]}}",
                      D, NM, c1, D, c1, c1 + b, D, D, c1 + b, c1 + b + c2, D, c1 + b + c2,
                      c1 + 2 * b + c2, TO, D, c1 + 2 * b + c2, c1 + 2 * b + c2 + pos);
    size_t data = c1 + 2 * b + c2 + pos;
    *n = 8 + (size_t)hl + data;
    unsigned char *img = malloc(*n);
    if (!img) return NULL;
    for (int i = 0; i < 8; i++) img[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(img + 8, hdr, (size_t)hl);
    float *w = (float *)malloc(data);
    for (size_t i = 0; i < data / 4; i++) w[i] = frand() * 0.05f;
    memcpy(img + 8 + hl, w, data);
    free(w);
    return img;
}

static void cpu_model(char *out, size_t len)
{
    snprintf(out, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            char *c = strchr(line, ':');
            if (c) snprintf(out, len, "%s", c + 2);
            out[strcspn(out, "\n")] = 0;
            break;
        }
    fclose(f);
}

int main(int argc, char **argv)
{
    int reps = 10, threads = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: wmel-stem-bench [--reps N] [--threads N]\n");
            return 2;
        }
    }
    if (reps < 1) reps = 1;
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    printf("wmel %s | %s | %ld cores | OpenBLAS %s, %d threads\n", wmel_version(), cpu, ncpu,
           openblas_get_config(), openblas_get_num_threads());
    printf("large-v3 stem geometry: n_mels %d, d %d, one 30 s window; median of %d runs\n\n", NM, D, reps);

    size_t n;
    unsigned char *img = make_weights(&n);
    float *mel = malloc((size_t)NM * T * sizeof(float));
    float *out = malloc((size_t)TO * D * sizeof(float));
    /* explicit im2col operands and weights for the peer */
    float *a1 = malloc((size_t)T * 3 * NM * sizeof(float)), *w1 = malloc((size_t)D * 3 * NM * sizeof(float));
    float *a2 = malloc((size_t)TO * 3 * D * sizeof(float)), *w2 = malloc((size_t)D * 3 * D * sizeof(float));
    float *c1 = malloc((size_t)T * D * sizeof(float)), *c2 = malloc((size_t)TO * D * sizeof(float));
    double *ts = malloc((size_t)reps * sizeof(double));
    if (!img || !mel || !out || !a1 || !w1 || !a2 || !w2 || !c1 || !c2 || !ts) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < (size_t)NM * T; i++) mel[i] = frand();
    for (size_t i = 0; i < (size_t)T * 3 * NM; i++) a1[i] = frand();
    for (size_t i = 0; i < (size_t)D * 3 * NM; i++) w1[i] = frand();
    for (size_t i = 0; i < (size_t)TO * 3 * D; i++) a2[i] = frand();
    for (size_t i = 0; i < (size_t)D * 3 * D; i++) w2[i] = frand();

    const double f1 = 2.0 * T * D * 3.0 * NM, f2 = 2.0 * TO * D * 3.0 * D, flops = f1 + f2;

    /* Runs are interleaved (peer, stem with OpenBLAS, stem with own kernels, repeat) so
     * that a busy machine slows all three alike and the ratios stay fair. */
    char err[512];
    int st;
    wmel_stem *sb = wmel_stem_load_memory(img, n, "large-v3-shaped", threads, &st, err, sizeof err);
    wmel_stem *so =
        sb && gemm_own() == 0 ? wmel_stem_load_memory(img, n, "large-v3-shaped", threads, &st, err, sizeof err) : NULL;
    if (!sb || !so) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const wmel_gelu_kernel *gk = wmel__gelu_pick();
    float *gsrc = malloc(GB * sizeof(float)), *gdst = malloc(GB * sizeof(float));
    if (!gsrc || !gdst) return 1;
    for (size_t i = 0; i < GB; i++) gsrc[i] = 4.0f * frand(); /* pre-activations: mostly |x| < 4 */
    double *t[7];
    for (int i = 0; i < 7; i++) t[i] = malloc((size_t)reps * sizeof(double));
    for (int r = -2; r < reps; r++) {
        double a = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, D, 3 * NM, 1.0f, a1, 3 * NM, w1,
                    3 * NM, 0.0f, c1, D);
        double b = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, TO, D, 3 * D, 1.0f, a2, 3 * D, w2,
                    3 * D, 0.0f, c2, D);
        double c = now();
        st = wmel_stem_forward(sb, mel, 1, out, (size_t)TO * D);
        double d = now();
        st |= wmel_stem_forward(so, mel, 1, out, (size_t)TO * D);
        double e = now();
        gelu_window(gelu_libm, gsrc, gdst);
        double f = now();
        gelu_window(gk->fn, gsrc, gdst);
        double g = now();
        if (st) {
            fprintf(stderr, "forward failed\n");
            return 1;
        }
        if (r < 0) continue;
        t[0][r] = b - a;
        t[1][r] = c - b;
        t[2][r] = c - a;
        t[3][r] = d - c;
        t[4][r] = e - d;
        t[5][r] = f - e;
        t[6][r] = g - f;
    }
    double med[7];
    for (int i = 0; i < 7; i++) {
        qsort(t[i], (size_t)reps, sizeof(double), cmp_d);
        med[i] = t[i][reps / 2];
        free(t[i]);
    }
    const double peer = med[2];
    printf("%-38s %10s %10s %10s\n", "", "ms/window", "GFLOP/s", "vs sgemm");
    printf("%-38s %10.2f %10.1f\n", "OpenBLAS sgemm conv1 (3000x1280x384)", med[0] * 1e3, f1 / med[0] * 1e-9);
    printf("%-38s %10.2f %10.1f\n", "OpenBLAS sgemm conv2 (1500x1280x3840)", med[1] * 1e3, f2 / med[1] * 1e-9);
    printf("%-38s %10.2f %10.1f %9.0f%%\n", "OpenBLAS sgemm, both (the peer)", peer * 1e3, flops / peer * 1e-9, 100.0);
    for (int m = 0; m < 2; m++) {
        char label[64];
        double tm = med[3 + m];
        snprintf(label, sizeof label, "wmel stem, GEMM %s", wmel_stem_gemm_name(m ? so : sb));
        printf("%-38s %10.2f %10.1f %9.0f%%\n", label, tm * 1e3, flops / tm * 1e-9, 100.0 * peer / tm);
    }
    printf("\nGELU alone, one window's %d values, 1 thread:\n", (T + TO) * D);
    printf("%-38s %10.2f\n", "libm erff per element", med[5] * 1e3);
    printf("%-38s %10.2f %9.1fx\n", gk->name, med[6] * 1e3, med[5] / med[6]);
    free(gsrc);
    free(gdst);
    wmel_stem_free(sb);
    wmel_stem_free(so);
    printf("\n(stem = both convolutions + bias + exact GELU + transpose + positions; GFLOP/s counts\n"
           " the GEMM work only, %.2f GFLOP per window; vs sgemm = peer time / stem time)\n", flops * 1e-9);
    free(img);
    free(mel);
    free(out);
    free(a1);
    free(w1);
    free(a2);
    free(w2);
    free(c1);
    free(c2);
    free(ts);
    return 0;
}
