/*
 * emu_cublas.c -- wmel's CUDA emulator: the five cuBLAS functions src/cuda/stem_cuda.c
 * opens with dlopen, as a module built beside the emulated runtime. SGEMM follows
 * cuBLAS's column-major contract (C = alpha op(A) op(B) + beta C, leading dimensions,
 * CUBLAS_STATUS_INVALID_VALUE for bad ones), checks that every operand lies in device
 * memory, and runs in stream order on the handle's stream: through OpenBLAS when the
 * build has it (WMEL_EMU_OPENBLAS), else as plain loops with float64 sums.
 */
#include "cublas_v2.h"

#ifdef WMEL_EMU_OPENBLAS
#include <cblas.h>
#endif

#include <stdint.h>
#include <stdlib.h>

struct wmel_emu_cublas {
    cudaStream_t stream;
    void *workspace;
    size_t workspace_bytes;
};

#define EXPORT __attribute__((visibility("default")))

EXPORT cublasStatus_t cublasCreate_v2(cublasHandle_t *h)
{
    int n = 0;
    if (!h) return CUBLAS_STATUS_INVALID_VALUE;
    if (cudaGetDeviceCount(&n) != cudaSuccess || n < 1) {
        cudaGetLastError();
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    *h = calloc(1, sizeof **h);
    return *h ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_ALLOC_FAILED;
}

EXPORT cublasStatus_t cublasDestroy_v2(cublasHandle_t h)
{
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    free(h);
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT cublasStatus_t cublasSetStream_v2(cublasHandle_t h, cudaStream_t s)
{
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    h->stream = s;
    h->workspace = NULL; /* as cuBLAS: a new stream resets the user workspace */
    h->workspace_bytes = 0;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT cublasStatus_t cublasSetWorkspace_v2(cublasHandle_t h, void *w, size_t bytes)
{
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (bytes && !wmel_emu_is_device(w, bytes)) return CUBLAS_STATUS_INVALID_VALUE;
    h->workspace = w;
    h->workspace_bytes = bytes;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT const char *cublasGetStatusString(cublasStatus_t s)
{
    switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    }
    return "CUBLAS_STATUS_UNKNOWN";
}

typedef struct gemm {
    int ta, tb, m, n, k, lda, ldb, ldc;
    float alpha, beta;
    const float *a, *b;
    float *c;
} gemm;

static void run_gemm(void *p)
{
    const gemm *g = p;
#ifdef WMEL_EMU_OPENBLAS
    cblas_sgemm(CblasColMajor, g->ta ? CblasTrans : CblasNoTrans, g->tb ? CblasTrans : CblasNoTrans, g->m, g->n,
                g->k, g->alpha, g->a, g->lda, g->b, g->ldb, g->beta, g->c, g->ldc);
    return;
#endif
    for (int j = 0; j < g->n; j++)
        for (int i = 0; i < g->m; i++) {
            double acc = 0.0;
            if (g->ta && !g->tb) { /* both operands contiguous in l (stem_cuda.c's case) */
                const float *x = g->a + (size_t)i * g->lda, *y = g->b + (size_t)j * g->ldb;
                double s[4] = {0, 0, 0, 0};
                int l = 0;
                for (; l + 4 <= g->k; l += 4)
                    for (int u = 0; u < 4; u++) s[u] += (double)x[l + u] * y[l + u];
                for (; l < g->k; l++) s[0] += (double)x[l] * y[l];
                acc = (s[0] + s[1]) + (s[2] + s[3]);
            } else {
                for (int l = 0; l < g->k; l++) {
                    const float x = g->ta ? g->a[(size_t)i * g->lda + l] : g->a[(size_t)l * g->lda + i];
                    const float y = g->tb ? g->b[(size_t)l * g->ldb + j] : g->b[(size_t)j * g->ldb + l];
                    acc += (double)x * y;
                }
            }
            float *c = g->c + (size_t)j * g->ldc + i;
            *c = (float)(g->alpha * acc + (g->beta != 0.0f ? (double)g->beta * *c : 0.0));
        }
}

EXPORT cublasStatus_t cublasSgemm_v2(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n,
                                     int k, const float *alpha, const float *a, int lda, const float *b, int ldb,
                                     const float *beta, float *c, int ldc)
{
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    const int ar = ta == CUBLAS_OP_N ? m : k, ac = ta == CUBLAS_OP_N ? k : m;
    const int br = tb == CUBLAS_OP_N ? k : n, bc = tb == CUBLAS_OP_N ? n : k;
    if (m < 0 || n < 0 || k < 0 || !alpha || !beta || lda < (ar > 1 ? ar : 1) || ldb < (br > 1 ? br : 1) ||
        ldc < (m > 1 ? m : 1))
        return CUBLAS_STATUS_INVALID_VALUE;
    if (m == 0 || n == 0) return CUBLAS_STATUS_SUCCESS;
    /* every operand must be device memory (the scalars are host pointers: the default mode) */
    if ((k && (!wmel_emu_is_device(a, ((size_t)(ac - 1) * lda + ar) * sizeof(float)) ||
               !wmel_emu_is_device(b, ((size_t)(bc - 1) * ldb + br) * sizeof(float)))) ||
        !wmel_emu_is_device(c, ((size_t)(n - 1) * ldc + m) * sizeof(float)))
        return CUBLAS_STATUS_INVALID_VALUE;
    gemm *g = malloc(sizeof *g);
    if (!g) return CUBLAS_STATUS_ALLOC_FAILED;
    *g = (gemm){ta != CUBLAS_OP_N, tb != CUBLAS_OP_N, m, n, k, lda, ldb, ldc, *alpha, *beta, a, b, c};
    if (wmel_emu_enqueue_host(h->stream, run_gemm, g, free) != cudaSuccess) {
        cudaGetLastError();
        free(g);
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }
    return CUBLAS_STATUS_SUCCESS;
}
