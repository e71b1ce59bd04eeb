/*
 * gemm_c.c -- the stem's GEMM register tile at the portable C level (stem/gemm.h: C[4][16]
 * = or += Ap * Bp over packed panels); cpu/x86/gemm_avx2.c and gemm_avx512.c are the
 * vector levels, and cpu.c chooses among them.
 */
#include "stem/gemm.h"

#define C_MR 4
#define C_NR 16

static void tile_c(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
                   int accumulate)
{
    float r[C_MR][C_NR] = {{0}};
    for (size_t p = 0; p < k; p++) {
        for (int i = 0; i < C_MR; i++)
            for (int j = 0; j < C_NR; j++) r[i][j] += ap[i] * bp[j];
        ap += C_MR;
        bp += C_NR;
    }
    for (int i = 0; i < C_MR; i++)
        for (int j = 0; j < C_NR; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + r[i][j] : r[i][j];
}

static const wmel_gemm_kernel KERNEL_C = {"own-c-4x16", C_MR, C_NR, tile_c};
const wmel_gemm_kernel *wmel__gemm_kernel_c(void) { return &KERNEL_C; }
