/*
 * test_kernel_w8.c -- the kernel's 8-lane logic (the AVX-512 level's: two groups of 8
 * frames per 16-float vector, the 8 x 8 load, tails, staged rows) against the AVX2 level,
 * bit for bit, on machines without AVX-512 (kernel_w8emu.c builds it for AVX2). Skipped
 * (77) where the CPU has no AVX2 or the build is not x86-64.
 */
#include "internal.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

extern const int wmel__w8emu_built;
float wmel__block_w8emu(const wmel_plan *pl, const float *x, size_t nf, float *out,
                        size_t stride, void *scratch, int *bad);
void wmel__norm_w8emu(float *x, size_t n, float max_val);
void wmel__rfft_w8emu(const wmel_plan *pl, const float *x, size_t nf, size_t hop, double *ore,
                      double *oim, void *scratch);

static void make_signal(float *x, size_t n)
{
    unsigned s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        float u = (float)((s >> 8) & 0xffff) / 65536.0f - 0.5f;
        x[i] = 0.3f * __builtin_sinf(0.01f * (float)i * (1.0f + (float)i * 1e-6f)) + 0.02f * u;
        if (i % 16000 < 300) x[i] = 0.0f;  /* digital silence: the -10 floor */
        if (i % 977 == 0) x[i] *= 5.0f;    /* spikes */
    }
}

int main(void)
{
    const wmel_kernel *k = wmel__kernel_for(WMEL_ISA_AVX2);
    if (!wmel__w8emu_built || !k || k->isa != WMEL_ISA_AVX2 || wmel__cpu_isa() < WMEL_ISA_AVX2) {
        printf("test_kernel_w8: skipped (no AVX2 here)\n");
        return 77;
    }
    const size_t n = 160 * 64 * 40 + 400;
    float *x = malloc(n * sizeof *x);
    void *s1 = wmel__aligned_alloc(WMEL_KERNEL_SCRATCH), *s2 = wmel__aligned_alloc(WMEL_KERNEL_SCRATCH);
    CHECK(x && s1 && s2, "out of memory");
    if (!x || !s1 || !s2) return t_done("test_kernel_w8");
    make_signal(x, n);
    const size_t strides[] = {64, 100, WMEL_STAGE_STRIDE + 37}; /* the last: staged rows */
    for (int mels = 80; mels <= 128; mels += 48) {
        wmel_plan pl;
        CHECK(wmel__plan_init(&pl, mels) == WMEL_OK, "plan %d", mels);
        for (int si = 0; si < 3; si++) {
            const size_t stride = strides[si], len = (size_t)mels * stride;
            float *o1 = calloc(len, sizeof *o1), *o2 = calloc(len, sizeof *o2);
            CHECK(o1 && o2, "out of memory");
            if (!o1 || !o2) break;
            long differ = 0;
            for (size_t nf = 1; nf <= WMEL_BLOCK_FRAMES; nf++) {
                size_t off = (nf * 7919) % (n - WMEL_BLOCK_FRAMES * WMEL_HOP - WMEL_N_FFT);
                int b1 = 0, b2 = 0;
                WMEL_ROWTAIL(s1)->rows = 0;
                WMEL_ROWTAIL(s2)->rows = 0;
                float m1 = k->block(&pl, x + off, nf, o1, stride, s1, &b1);
                float m2 = wmel__block_w8emu(&pl, x + off, nf, o2, stride, s2, &b2);
                wmel__rowtail_flush(WMEL_ROWTAIL(s1));
                wmel__rowtail_flush(WMEL_ROWTAIL(s2));
                CHECK(m1 == m2 && b1 == b2, "mels %d stride %zu nf %zu: max %g / %g, bad %d / %d",
                      mels, stride, nf, m1, m2, b1, b2);
                differ += memcmp(o1, o2, len * sizeof *o1) != 0;
            }
            CHECK(differ == 0, "mels %d stride %zu: %ld of %d block lengths differ", mels, stride,
                  differ, WMEL_BLOCK_FRAMES);
            free(o1);
            free(o2);
        }
        /* the FFT test hook: 37 frames, not a multiple of 8 */
        double *r1 = malloc(37 * WMEL_N_BINS * sizeof(double) * 4);
        CHECK(r1 != NULL, "out of memory");
        if (r1) {
            double *i1 = r1 + 37 * WMEL_N_BINS, *r2 = i1 + 37 * WMEL_N_BINS, *i2 = r2 + 37 * WMEL_N_BINS;
            k->rfft(&pl, x + 1000, 37, WMEL_N_FFT, r1, i1, s1);
            wmel__rfft_w8emu(&pl, x + 1000, 37, WMEL_N_FFT, r2, i2, s2);
            CHECK(!memcmp(r1, r2, 37 * WMEL_N_BINS * sizeof(double)) &&
                      !memcmp(i1, i2, 37 * WMEL_N_BINS * sizeof(double)),
                  "rfft hook differs (mels %d)", mels);
            free(r1);
        }
        wmel__plan_free(&pl);
    }
    float v1[203], v2[203];
    for (int i = 0; i < 203; i++) v1[i] = v2[i] = (float)i * 0.05f - 9.0f;
    k->normalize(v1, 203, 1.5f);
    wmel__norm_w8emu(v2, 203, 1.5f);
    CHECK(!memcmp(v1, v2, sizeof v1), "normalisation differs");
    wmel__aligned_free(s1);
    wmel__aligned_free(s2);
    free(x);
    return t_done("test_kernel_w8");
}
