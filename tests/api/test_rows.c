/*
 * test_rows.c -- long clips write their output rows a page or more apart, and the CPU
 * kernels then stage 128-row outputs before copying them out (kernel.inc). Every frame
 * of a long clip must equal, bit for bit, the same frame computed from a short excerpt
 * (whose rows are close together and written directly): raw log10 (WMEL_NORM_NONE), 80
 * and 128 mels, every ISA level, 1 and 2 threads, lengths off the block and group sizes.
 */
#include "internal.h"
#include "testutil.h"
#include "wmel.h"

#include <stdlib.h>
#include <string.h>

/* The staged path straight through a kernel, with block lengths the frame driver never
 * makes (a short first block, short blocks between long ones) and rows that start off a
 * cache line: the same bits as the direct path (rows close together). */
static int kernel_blocks(const wmel_kernel *k, const float *x, int *checked)
{
    static const size_t NB[] = {5, 64, 64, 7, 64, 3, 16, 64, 1};
    size_t total = 0;
    for (size_t b = 0; b < sizeof NB / sizeof NB[0]; b++) total += NB[b];
    const size_t far = WMEL_STAGE_STRIDE + 37; /* staged, and rows start off a line */
    wmel_plan pl;
    CHECK(wmel__plan_init(&pl, 128) == WMEL_OK, "plan");
    float *big = malloc((128 * far + 1) * sizeof(float)), *near = malloc(128 * total * sizeof(float));
    void *scratch = wmel__aligned_alloc(WMEL_KERNEL_SCRATCH);
    int bad = 0, nbad = 0;
    CHECK(big && near && scratch, "malloc");
    float *o1 = big + 1; /* 4 bytes past malloc's alignment */
    WMEL_ROWTAIL(scratch)->rows = 0;
    for (size_t b = 0, f = 0; b < sizeof NB / sizeof NB[0]; f += NB[b++])
        k->block(&pl, x + f * WMEL_HOP, NB[b], o1 + f, far, scratch, &bad);
    wmel__rowtail_flush(WMEL_ROWTAIL(scratch));
    for (size_t b = 0, f = 0; b < sizeof NB / sizeof NB[0]; f += NB[b++])
        k->block(&pl, x + f * WMEL_HOP, NB[b], near + f, total, scratch, &bad);
    for (size_t r = 0; r < 128; r++)
        for (size_t t = 0; t < total; t++) {
            if (memcmp(&o1[r * far + t], &near[r * total + t], sizeof(float)) != 0 && nbad++ < 3)
                CHECK(0, "%s: staged row %zu frame %zu differs", k->name, r, t);
            (*checked)++;
        }
    CHECK(!bad, "%s: not finite", k->name);
    wmel__aligned_free(scratch);
    free(big);
    free(near);
    wmel__plan_free(&pl);
    return nbad;
}

int main(void)
{
    const size_t n = 16500 * WMEL_HOP + 77; /* 16500 frames: rows 66 kB apart */
    float *x = malloc(n * sizeof *x);
    CHECK(x != NULL, "malloc");
    unsigned s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        float amp = (i / 7000) % 4 == 0 ? 3e-4f : 0.4f;
        x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * amp;
    }
    const size_t nf = wmel_n_frames(n, 0);
    static const size_t starts[] = {1000, 16500 - 3001 - 5};
    const size_t m = 3000 * WMEL_HOP + 53, nfs = wmel_n_frames(m, 0);
    const int mels[] = {80, 128};
    int isas[4];
    const int nisa = t_isa_levels(isas);
    float *full = malloc(nf * 128 * sizeof *full), *part = malloc(nfs * 128 * sizeof *part);
    CHECK(full && part, "malloc");
    int checked = 0, bad = 0;
    for (int a = 0; a < nisa; a++)
        for (int b = 0; b < 2; b++)
            for (int threads = 1; threads <= 2; threads++) {
                wmel_ctx *c = t_ctx(WMEL_BACKEND_CPU, mels[b], isas[a], threads, WMEL_NORM_NONE, 0);
                const size_t nm = (size_t)mels[b];
                CHECK(wmel_log_mel(c, x, n, 0, full, nf * nm) == WMEL_OK, "full clip");
                for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
                    const size_t f0 = starts[k];
                    CHECK(wmel_log_mel(c, x + f0 * WMEL_HOP, m, 0, part, nfs * nm) == WMEL_OK,
                          "excerpt");
                    /* excerpt frame t (2 <= t, 160 t + 200 <= m: no reflection) is
                       frame f0 + t of the full clip */
                    for (size_t r = 0; r < nm; r++)
                        for (size_t t = 2; t * WMEL_HOP + 200 <= m; t++) {
                            float u = full[r * nf + f0 + t], v = part[r * nfs + t];
                            if (memcmp(&u, &v, sizeof u) != 0 && bad++ < 5)
                                CHECK(0, "%s, %zu mels, %d threads: row %zu frame %zu: %.9g != %.9g",
                                      wmel_kernel_name(c), nm, threads, r, f0 + t, u, v);
                            checked++;
                        }
                }
                /* with trailing padding: the last blocks are digital silence (written
                   by the frame driver, not the kernel), which breaks the kernel's run of
                   blocks mid-clip; the tail must still match an excerpt padded alike */
                const size_t pad = 3 * 64 * WMEL_HOP + 77, nfp = wmel_n_frames(n, pad);
                const size_t e0 = 16500 - 3000, me = n - e0 * WMEL_HOP, nfe = wmel_n_frames(me, pad);
                float *fp = malloc(nfp * nm * sizeof *fp), *ep = malloc(nfe * nm * sizeof *ep);
                CHECK(fp && ep, "malloc");
                CHECK(wmel_log_mel(c, x, n, pad, fp, nfp * nm) == WMEL_OK, "padded clip");
                CHECK(wmel_log_mel(c, x + e0 * WMEL_HOP, me, pad, ep, nfe * nm) == WMEL_OK,
                      "padded excerpt");
                for (size_t r = 0; r < nm; r++)
                    for (size_t t = 2; t < nfe; t++) {
                        float u = fp[r * nfp + e0 + t], v = ep[r * nfe + t];
                        if (memcmp(&u, &v, sizeof u) != 0 && bad++ < 5)
                            CHECK(0, "%s, %zu mels, %d threads, padded: row %zu frame %zu: %.9g != %.9g",
                                  wmel_kernel_name(c), nm, threads, r, e0 + t, u, v);
                        checked++;
                    }
                CHECK(fp[(nm - 1) * nfp + nfp - 1] == -10.0f, "silent tail: %g",
                      fp[(nm - 1) * nfp + nfp - 1]);
                free(fp);
                free(ep);
                wmel_destroy(c);
            }
    const wmel_kernel *ks[] = {wmel__kernel_c(), wmel__kernel_avx2(), wmel__kernel_avx512()};
    for (int i = 0; i < 3; i++)
        if (ks[i] && ks[i]->isa <= wmel__cpu_isa()) bad += kernel_blocks(ks[i], x, &checked);
    CHECK(bad == 0, "%d of %d values differ", bad, checked);
    /* per level: 2 sizes of mels x 2 thread counts x 3 excerpts of about 2900 frames */
    CHECK(checked > nisa * 6 * 2 * 80 * 2900, "compared %d values at %d levels", checked, nisa);
    printf("test_rows: %d values compared between long clips and excerpts\n", checked);
    free(x);
    free(full);
    free(part);
    return t_done("test_rows");
}
