/*
 * gemm.c -- the matrix product behind conv1d: C = A * B^T with A [m][k] (row stride
 * lda, so an implicit im2col view of a time-major signal works without a copy) and
 * B [n][k] the weights. OpenBLAS's cblas_sgemm when built with it; otherwise wmel's own
 * GotoBLAS/BLIS-style blocking (B packed once in NR-wide panels, A packed per KC x MC
 * block, register tiles in cpu/gemm_c.c and cpu/x86/gemm_{avx2,avx512}.c), with the bias / GELU / add epilogue
 * applied to each row block while it is still in cache (the GELU kernels: cpu/gelu_c.c, cpu/x86/gelu_*.c).
 * Rows are spread over a team of workers (pool.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"
#include "config.h"
#include "stem/gemm.h"
#include "stem/stem_internal.h"
#include "pool.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef WMEL_HAVE_OPENBLAS
#include <cblas.h>
#endif

#define KC 256 /* k-block: one B micro-panel (KC x 32 floats = 32 KiB) stays in L1 */
#define MC 96  /* m-block: the packed A block (96 x 256 floats) stays in L2 */

int wmel__stem_threads(int n_threads)
{
    if (n_threads <= 0) {
        n_threads = wmel__cpu_count();
    }
    return n_threads > 256 ? 256 : n_threads;
}

/* ---- B preparation -------------------------------------------------------------- */

int wmel__gemm_b_init(wmel_gemm_b *b, const float *w, size_t n, size_t k, int which)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    b->k = k;
    wmel_isa_kernels ks; /* one level for both kernels */
    wmel__isa_kernels(wmel__isa_level(WMEL_ISA_AUTO), &ks);
    b->gelu = ks.gelu;
    if (which == 0) {
        const char *e = wmel__env(WMEL__CFG_STEM_GEMM);
#ifdef WMEL_HAVE_OPENBLAS
        which = (e && !strcmp(e, "own")) ? 1 : 2;
#else
        (void)e;
        which = 1;
#endif
    }
#ifndef WMEL_HAVE_OPENBLAS
    if (which == 2) return WMEL_ERR_NOT_BUILT;
#endif
    if (n && k > SIZE_MAX / sizeof(float) / n) return WMEL_ERR_OVERFLOW;
    if (which == 2) {
        b->use_blas = 1;
        b->raw = wmel__aligned_alloc(n * k * sizeof(float));
        if (!b->raw) return WMEL_ERR_NO_MEMORY;
        memcpy(b->raw, w, n * k * sizeof(float));
        return 0;
    }
    b->kern = ks.gemm;
    size_t nr = (size_t)b->kern->nr, np = (n + nr - 1) / nr;
    if (np && k > SIZE_MAX / sizeof(float) / nr / np) return WMEL_ERR_OVERFLOW;
    b->packed = wmel__aligned_alloc(np * k * nr * sizeof(float));
    if (!b->packed) return WMEL_ERR_NO_MEMORY;
    for (size_t jp = 0; jp < np; jp++) {
        float *dst = b->packed + jp * k * nr;
        for (size_t p = 0; p < k; p++)
            for (size_t j = 0; j < nr; j++) {
                size_t col = jp * nr + j;
                dst[p * nr + j] = col < n ? w[col * k + p] : 0.0f;
            }
    }
    return 0;
}

void wmel__gemm_b_free(wmel_gemm_b *b)
{
    if (!b) return;
    wmel__aligned_free(b->raw);
    wmel__aligned_free(b->packed);
    memset(b, 0, sizeof *b);
}

const char *wmel__gemm_name(const wmel_gemm_b *b)
{
    if (b->use_blas) return "openblas";
    return b->kern ? b->kern->name : "none";
}

/* ---- epilogue ------------------------------------------------------------------- */

static void epilogue_rows(const wmel_gemm_b *b, const wmel_epilogue *ep, float *c, size_t ldc,
                          size_t m0, size_t m1, size_t n)
{
    if (!ep || (!ep->bias && !ep->gelu && !ep->add)) return;
    for (size_t i = m0; i < m1; i++) {
        float *ci = c + i * ldc;
        if (ep->bias)
            for (size_t j = 0; j < n; j++) ci[j] += ep->bias[j];
        if (ep->gelu) b->gelu->fn(ci, ci, n);
        if (ep->add) {
            const float *ai = ep->add + i * ep->ld_add;
            for (size_t j = 0; j < n; j++) ci[j] += ai[j];
        }
    }
}

/* ---- threaded driver ------------------------------------------------------------ */

typedef struct job {
    const wmel_gemm_b *b;
    const float *a;
    size_t lda, m;
    float *c;
    size_t ldc;
    const wmel_epilogue *ep;
    size_t t, nt; /* this worker takes MC-blocks t, t + nt, ... */
    int rc;
} job;

static void own_blocks(job *J)
{
    const wmel_gemm_b *b = J->b;
    const wmel_gemm_kernel *kern = b->kern;
    const size_t mr = (size_t)kern->mr, nr = (size_t)kern->nr, n = b->n, k = b->k;
    const size_t np = (n + nr - 1) / nr;
    const size_t mcap = (MC + mr - 1) / mr * mr;
    float *ap = wmel__aligned_alloc(mcap * KC * sizeof(float) + 64 * 64 * sizeof(float));
    if (!ap) {
        J->rc = WMEL_ERR_NO_MEMORY;
        return;
    }
    float *edge = ap + mcap * KC; /* one tile, 64-byte aligned */
    size_t nblocks = (J->m + MC - 1) / MC;
    for (size_t blk = J->t; blk < nblocks; blk += J->nt) {
        size_t ic = blk * MC, mc = J->m - ic < MC ? J->m - ic : MC;
        if (k == 0)
            for (size_t i = ic; i < ic + mc; i++) memset(J->c + i * J->ldc, 0, n * sizeof(float));
        for (size_t pc = 0; pc < k; pc += KC) {
            size_t kc = k - pc < KC ? k - pc : KC;
            /* pack A[ic .. ic+mc][pc .. pc+kc] as [panel][p][mr], zero rows past m */
            for (size_t ir = 0; ir < mc; ir += mr) {
                float *dst = ap + ir * kc;
                for (size_t i = 0; i < mr; i++) {
                    if (ir + i < mc) {
                        const float *src = J->a + (ic + ir + i) * J->lda + pc;
                        for (size_t p = 0; p < kc; p++) dst[p * mr + i] = src[p];
                    } else {
                        for (size_t p = 0; p < kc; p++) dst[p * mr + i] = 0.0f;
                    }
                }
            }
            for (size_t jp = 0; jp < np; jp++) {
                const float *bp = b->packed + jp * k * nr + pc * nr;
                size_t j0 = jp * nr, nj = n - j0 < nr ? n - j0 : nr;
                for (size_t ir = 0; ir < mc; ir += mr) {
                    size_t ni = mc - ir < mr ? mc - ir : mr;
                    float *cij = J->c + (ic + ir) * J->ldc + j0;
                    if (ni == mr && nj == nr) {
                        kern->tile(kc, ap + ir * kc, bp, cij, J->ldc, pc > 0);
                    } else {
                        kern->tile(kc, ap + ir * kc, bp, edge, nr, 0);
                        for (size_t i = 0; i < ni; i++)
                            for (size_t j = 0; j < nj; j++)
                                cij[i * J->ldc + j] = pc > 0 ? cij[i * J->ldc + j] + edge[i * nr + j]
                                                             : edge[i * nr + j];
                    }
                }
            }
        }
        epilogue_rows(b, J->ep, J->c, J->ldc, ic, ic + mc, n);
    }
    wmel__aligned_free(ap);
}

static void worker(job *J)
{
    if (J->b->use_blas) {
        size_t nblocks = (J->m + MC - 1) / MC;
        for (size_t blk = J->t; blk < nblocks; blk += J->nt) {
            size_t ic = blk * MC, mc = J->m - ic < MC ? J->m - ic : MC;
            epilogue_rows(J->b, J->ep, J->c, J->ldc, ic, ic + mc, J->b->n);
        }
    } else {
        own_blocks(J);
    }
}

/* One call's jobs: worker t of the team (pool.c) takes MC-blocks t, t + nt, ... */
typedef struct gemm_call {
    job base;             /* t, nt and rc unused */
    int rc[256];
} gemm_call;

static void team_worker(void *arg, wmel_pool *pl, int t, int nt)
{
    (void)pl;
    gemm_call *g = arg;
    job J = g->base;
    J.t = (size_t)t;
    J.nt = (size_t)nt;
    J.rc = 0;
    worker(&J);
    g->rc[t] = J.rc;
}

int wmel__gemm(const wmel_gemm_b *b, const float *a, size_t lda, size_t m, float *c,
               size_t ldc, const wmel_epilogue *ep, int n_threads, wmel_pool *pool)
{
    if (m == 0 || b->n == 0) return 0;
#ifdef WMEL_HAVE_OPENBLAS
    if (b->use_blas) {
        if (m > INT_MAX || b->n > INT_MAX || b->k > INT_MAX || lda > INT_MAX || ldc > INT_MAX)
            return WMEL_ERR_OVERFLOW;
        if (b->k == 0)
            for (size_t i = 0; i < m; i++) memset(c + i * ldc, 0, b->n * sizeof(float));
        /* BLAS wants lda >= k, but the im2col view overlaps rows (lda < k when the stride
         * is below the kernel size): split k into lda-wide slices, each a proper matrix */
        size_t kw = lda < b->k ? lda : b->k;
        for (size_t k0 = 0; kw && k0 < b->k; k0 += kw) {
            size_t kc = b->k - k0 < kw ? b->k - k0 : kw;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)m, (blasint)b->n,
                        (blasint)kc, 1.0f, a + k0, (blasint)lda, b->raw + k0, (blasint)b->k,
                        k0 ? 1.0f : 0.0f, c, (blasint)ldc);
        }
        if (!ep || (!ep->bias && !ep->gelu && !ep->add)) return 0;
    }
#endif
    size_t nblocks = (m + MC - 1) / MC;
    size_t nt = (size_t)wmel__stem_threads(n_threads);
    if (nt > nblocks) nt = nblocks;
    gemm_call call;
    call.base = (job){b, a, lda, m, c, ldc, ep, 0, 1, 0};
    int used = wmel__team_run(pool, team_worker, &call, (int)nt), rc = 0;
    for (int t = 0; t < used; t++)
        if (call.rc[t]) rc = call.rc[t];
    return rc;
}
