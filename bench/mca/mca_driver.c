/*
 * mca_driver.c -- one call of a CPU kernel's block function on NF frames, between two
 * marker calls, for bench/mca/mca.sh (not a test, not installed). Run under qemu-user
 * with its execution log, the instructions executed between the markers are the
 * kernel's exact dynamic instruction stream for those frames; mca.sh counts them and
 * hands them to llvm-mca.
 *
 *   mca-driver LEVEL [NF [N_MELS]]     LEVEL: c | avx2 | avx512 | neon: Whisper's kernel
 *   mca-driver fe-LEVEL [NF [N_MELS]]  the front-end plans' frame kernel on the kaldi preset
 *                                      (n_fft 512, Povey window), interior frames
 */
#include "internal.h"
#include "fe/fe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mca_mark_begin(void);
void mca_mark_end(void);
__attribute__((noinline)) void mca_mark_begin(void) { __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) void mca_mark_end(void) { __asm__ volatile("" ::: "memory"); }

/* ns samples of seeded noise in [-0.15, 0.15). */
static void seeded_noise(float *x, size_t ns)
{
    unsigned s = 1;
    for (size_t i = 0; i < ns; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * 0.3f;
    }
}

/* fe-LEVEL: the kernel's groups of lanes over nf interior frames of the kaldi preset. */
static int fe_main(int isa, size_t nf, int n_mels)
{
    static const char *const names[] = {"", "c-f64", "avx2-f64x4", "avx512-f64x8", "neon-f64x2"};
    wmel_frontend_plan plan;
    wmel_fe *fe = NULL;
    const wmel_fe_kernel *k = wmel__fe_kernel_for(isa);
    if (wmel_frontend_preset(WMEL_FRONTEND_KALDI, n_mels, &plan) || wmel__fe_new(&plan, &fe) || !fe ||
        strcmp(k->name, names[isa])) {
        fprintf(stderr, "mca-driver: the %s kernel is not built in\n", names[isa]);
        return 2;
    }
    fe->kern = k;
    const size_t t_first = 4, ns = (t_first + nf + 4) * (size_t)plan.hop + (size_t)plan.frame_length;
    float *x = malloc(ns * sizeof *x);
    double *vals = malloc((size_t)k->lanes * (size_t)fe->n_cols * sizeof *vals);
    size_t ss = (k->scratch(fe) + 63) / 64 * 64;
    void *scratch = aligned_alloc(64, ss ? ss : 64);
    if (!x || !vals || !scratch) return 1;
    seeded_noise(x, ns);
    double sum = 0;
    for (int pass = 0; pass < 2; pass++) { /* once before: the same path, warm */
        if (pass) mca_mark_begin();
        for (size_t t = 0; t < nf; t += (size_t)k->lanes) {
            const int cnt = nf - t < (size_t)k->lanes ? (int)(nf - t) : k->lanes;
            k->frames(fe, x, ns, t_first + t, cnt, vals, scratch, 0);
            if (pass) sum += vals[0];
        }
        if (pass) mca_mark_end();
    }
    printf("%s: %zu frames (kaldi preset), %d mels, checksum %.6f\n", k->name, nf, n_mels, sum);
    wmel__fe_free(fe);
    free(x);
    free(vals);
    free(scratch);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct { const char *name; int isa; } lv[] = {
        {"c", WMEL_ISA_C}, {"avx2", WMEL_ISA_AVX2}, {"avx512", WMEL_ISA_AVX512}, {"neon", WMEL_ISA_NEON}};
    int isa = 0, fe = argc > 1 && !strncmp(argv[1], "fe-", 3);
    for (size_t i = 0; argc > 1 && i < sizeof lv / sizeof lv[0]; i++)
        if (!strcmp(argv[1] + (fe ? 3 : 0), lv[i].name)) isa = lv[i].isa;
    const size_t nf = argc > 2 ? (size_t)atoi(argv[2]) : 8;
    const int n_mels = argc > 3 ? atoi(argv[3]) : 80;
    if (fe && isa && nf >= 1 && nf <= 64 && (n_mels == 80 || n_mels == 128)) return fe_main(isa, nf, n_mels);
    const wmel_kernel *k = isa ? wmel__kernel_for(isa) : NULL;
    if (!k || k->isa != isa || nf < 1 || nf > 64 || (n_mels != 80 && n_mels != 128)) {
        fprintf(stderr, "usage: mca-driver [fe-]c|avx2|avx512|neon [NF 1..64 [80|128]] (level built in)\n");
        return 2;
    }
    wmel_plan *pl = calloc(1, sizeof *pl);
    if (!pl || wmel__plan_init(pl, n_mels) != WMEL_OK) return 1;
    const size_t ns = (nf - 1) * WMEL_HOP + WMEL_N_FFT;
    float *x = malloc(ns * sizeof *x), *out = malloc((size_t)n_mels * nf * sizeof *out);
    void *scratch = aligned_alloc(64, WMEL_KERNEL_SCRATCH);
    if (!x || !out || !scratch) return 1;
    seeded_noise(x, ns);
    int bad = 0;
    k->block(pl, x, nf, out, nf, scratch, &bad); /* once before: the same path, warm */
    mca_mark_begin();
    float mx = k->block(pl, x, nf, out, nf, scratch, &bad);
    mca_mark_end();
    printf("%s: %zu frames, %d mels, max %.6f, bad %d\n", k->name, nf, n_mels, mx, bad);
    wmel__plan_free(pl);
    free(pl);
    free(x);
    free(out);
    free(scratch);
    return 0;
}
