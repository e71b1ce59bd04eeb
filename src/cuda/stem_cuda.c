/*
 * stem_cuda.c -- the Whisper encoder stem on the GPU, on device pointers
 * (wmel_cuda_stem_device): the same computation as wmel_stem_forward (src/stem/stem.c),
 * with both convolutions as cuBLAS SGEMMs in full float32 (float32 inputs, float32
 * accumulation; TF32 is not enabled) over im2col matrices built by stem_kernels.cu:
 *
 *   A1 = im2col1(mel)                  [W * 3000][3 nm]    (time-major: the transpose)
 *   H  = A1 * W1p^T                    [W * 3000][d]       SGEMM, K = 3 nm
 *   A2 = im2col2(gelu(H + b1))         [W * 1500][3 d]     stride 2, GELU fused
 *   Y  = A2 * W2p^T                    [W * 1500][d]       SGEMM, K = 3 d, into d_out
 *   Y  = gelu(Y + b2) + pos            in place
 *
 * W1p/W2p are the weights permuted to [d][3][c] (tap-major rows), exactly what the CPU
 * GEMMs hold, so they are read back from the stem rather than from the file.
 *
 * Weights live on each device once: the first call for a (stem, device) pair uploads them
 * and creates a cuBLAS handle, kept in a list hanging off the stem (wmel_stem_free
 * releases it). The list is guarded by one process-wide lock; each entry has its own lock
 * for its cuBLAS handle, held while a call enqueues (the GEMMs are asynchronous, so the
 * lock is held for microseconds). Each call brings its own cuBLAS workspace and scratch,
 * stream-ordered on the caller's stream, so calls on different streams never share
 * memory that is in flight. cuBLAS itself is opened with dlopen on first use (below).
 */
#include "../internal.h"
#include "../config.h"
#include "../stem/gemm.h"
#include "../stem/stem_internal.h"
#include "cuda_internal.h"
#include "stem_cuda.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_IN WMEL_CU_STEM_T
#define T_OUT WMEL_CU_STEM_TO
#define SCRATCH_BYTES ((size_t)1 << 30) /* im2col + conv1 output per call: windows are chunked to
                                          fit (WMEL_CUDA_STEM_SCRATCH_MB overrides) */
#define WORKSPACE_BYTES ((size_t)32 << 20) /* cuBLAS workspace per call (its Hopper advice) */
#define MAX_CHUNK 65535                    /* windows per launch (grid z of k_im2col1) */

typedef struct stem_dev {
    struct stem_dev *next;
    int device;
    pthread_mutex_t lock; /* the cuBLAS handle: one enqueuing call at a time */
    cublasHandle_t blas;
    void *mem; /* one allocation: w1p, w2p, b1, b2, pos */
    const float *w1, *w2, *b1, *b2, *pos;
} stem_dev;

static pthread_mutex_t g_cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* cuBLAS is opened on first use, not linked: loading libcublas/libcublasLt at program
 * start costs every wmel program ~200 MB of resident memory (tests/ffmpeg/test_long holds
 * the CLI to 64 MB), and only this entry point needs it. */
#ifndef WMEL_CUBLAS_LIB
#define WMEL_CUBLAS_LIB "libcublas.so"
#endif
#ifndef WMEL_CUBLAS_SONAME
#define WMEL_CUBLAS_SONAME "libcublas.so"
#endif
static struct {
    int state; /* 0: not tried, 1: loaded, -1: failed (under g_cache_lock) */
    char why[160];
    cublasStatus_t (*create)(cublasHandle_t *);
    cublasStatus_t (*destroy)(cublasHandle_t);
    cublasStatus_t (*set_stream)(cublasHandle_t, cudaStream_t);
    cublasStatus_t (*set_workspace)(cublasHandle_t, void *, size_t);
    cublasStatus_t (*sgemm)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                            const float *, const float *, int, const float *, int, const float *,
                            float *, int);
    const char *(*status_string)(cublasStatus_t);
} g_blas;

static int sym(void *lib, const char *name, void *fn, size_t size)
{
    void *p = dlsym(lib, name);
    if (!p) return -1;
    memcpy(fn, &p, size); /* POSIX: a dlsym result converts to a function pointer */
    return 0;
}

/* Opens cuBLAS once (g_cache_lock held). */
static int blas_load(void)
{
    if (g_blas.state) return g_blas.state > 0 ? WMEL_OK : wmel__detail(g_blas.why);
    const char *names[] = {WMEL_CUBLAS_LIB, WMEL_CUBLAS_SONAME, "libcublas.so"};
    void *lib = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !lib; i++)
        lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *e = dlerror();
        snprintf(g_blas.why, sizeof g_blas.why, "cuBLAS could not be loaded: %s", e ? e : WMEL_CUBLAS_SONAME);
        g_blas.state = -1;
        return wmel__detail(g_blas.why);
    }
    if (sym(lib, "cublasCreate_v2", &g_blas.create, sizeof g_blas.create) ||
        sym(lib, "cublasDestroy_v2", &g_blas.destroy, sizeof g_blas.destroy) ||
        sym(lib, "cublasSetStream_v2", &g_blas.set_stream, sizeof g_blas.set_stream) ||
        sym(lib, "cublasSetWorkspace_v2", &g_blas.set_workspace, sizeof g_blas.set_workspace) ||
        sym(lib, "cublasSgemm_v2", &g_blas.sgemm, sizeof g_blas.sgemm) ||
        sym(lib, "cublasGetStatusString", &g_blas.status_string, sizeof g_blas.status_string)) {
        snprintf(g_blas.why, sizeof g_blas.why, "cuBLAS (%s) lacks a function wmel needs", WMEL_CUBLAS_SONAME);
        g_blas.state = -1;
        return wmel__detail(g_blas.why); /* the library stays open: harmless */
    }
    g_blas.state = 1;
    return WMEL_OK;
}

static int cuda_fail(cudaError_t e, const char *what)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s: %s (%s)", what, cudaGetErrorString(e), cudaGetErrorName(e));
    cudaGetLastError();
    return wmel__detail(msg);
}

static int blas_fail(cublasStatus_t b, const char *what)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s: cuBLAS %s", what, g_blas.status_string(b));
    return wmel__detail(msg);
}

/* The GEMM's B operand back as [n][k] row-major floats. */
static void gemm_b_unpack(const wmel_gemm_b *b, float *w)
{
    if (b->use_blas) {
        memcpy(w, b->raw, b->n * b->k * sizeof(float));
        return;
    }
    const size_t nr = (size_t)b->kern->nr;
    for (size_t col = 0; col < b->n; col++) {
        const float *src = b->packed + (col / nr) * b->k * nr + col % nr;
        for (size_t p = 0; p < b->k; p++) w[col * b->k + p] = src[p * nr];
    }
}

static size_t up64(size_t n) { return (n + 63) & ~(size_t)63; } /* floats: 256-byte offsets */

static void dev_release(stem_dev *e)
{
    if (e->blas) g_blas.destroy(e->blas);
    if (e->mem) cudaFree(e->mem);
    cudaGetLastError();
    pthread_mutex_destroy(&e->lock);
    free(e);
}

/* Uploads the weights to `device` (current) and makes a cuBLAS handle there. */
static int dev_create(const wmel_stem_view *v, int device, stem_dev **out)
{
    const size_t d = (size_t)v->d, nm = (size_t)v->n_mels;
    const size_t n1 = d * 3 * nm, n2 = d * 3 * d, np = (size_t)T_OUT * d;
    const size_t o2 = up64(n1), ob1 = o2 + up64(n2), ob2 = ob1 + up64(d), op = ob2 + up64(d);
    const size_t total = op + np;
    stem_dev *e = calloc(1, sizeof *e);
    float *h = malloc(total * sizeof(float));
    if (!e || !h) {
        free(e);
        free(h);
        return WMEL_ERR_NO_MEMORY;
    }
    if (pthread_mutex_init(&e->lock, NULL) != 0) {
        free(e);
        free(h);
        return WMEL_ERR_THREAD;
    }
    e->device = device;
    gemm_b_unpack(v->g1, h);
    gemm_b_unpack(v->g2, h + o2);
    memcpy(h + ob1, v->b1, d * sizeof(float));
    memcpy(h + ob2, v->b2, d * sizeof(float));
    memcpy(h + op, v->pos, np * sizeof(float));

    int rc = WMEL_OK;
    cudaError_t ce;
    cublasStatus_t bs;
    if ((ce = cudaMalloc(&e->mem, total * sizeof(float))) != cudaSuccess)
        rc = cuda_fail(ce, "allocating the stem weights on the device");
    else if ((ce = cudaMemcpy(e->mem, h, total * sizeof(float), cudaMemcpyHostToDevice)) != cudaSuccess)
        rc = cuda_fail(ce, "uploading the stem weights");
    else if ((bs = g_blas.create(&e->blas)) != CUBLAS_STATUS_SUCCESS) { /* default math: fp32 */
        e->blas = NULL;
        rc = blas_fail(bs, "creating a cuBLAS handle");
    }
    free(h);
    if (rc != WMEL_OK) {
        dev_release(e);
        return rc;
    }
    const float *m = e->mem;
    e->w1 = m;
    e->w2 = m + o2;
    e->b1 = m + ob1;
    e->b2 = m + ob2;
    e->pos = m + op;
    *out = e;
    return WMEL_OK;
}

static void cache_release(void *cache);

/* The stem's entry for `device` (current), created on first use. */
static int dev_get(const wmel_stem *s, int device, stem_dev **out)
{
    wmel_stem_view v;
    wmel__stem_view(s, &v);
    if (pthread_mutex_lock(&g_cache_lock) != 0) return WMEL_ERR_THREAD;
    stem_dev *e = *v.cuda;
    while (e && e->device != device) e = e->next;
    int rc = WMEL_OK;
    if (!e) {
        rc = blas_load();
        if (rc == WMEL_OK) rc = dev_create(&v, device, &e);
        if (rc == WMEL_OK) {
            e->next = *v.cuda;
            *v.cuda = e;
            *v.release = cache_release;
        }
    }
    pthread_mutex_unlock(&g_cache_lock);
    *out = e;
    return rc;
}

/* The stem's release hook (wmel_stem_free): every device's copies. */
static void cache_release(void *cache)
{
    if (!cache) return; /* never touch the runtime for a stem the GPU never saw */
    int prev = -1;
    if (cudaGetDevice(&prev) != cudaSuccess) prev = -1;
    for (stem_dev *e = cache, *next; e; e = next) {
        next = e->next;
        cudaSetDevice(e->device);
        dev_release(e);
    }
    if (prev >= 0) cudaSetDevice(prev);
    cudaGetLastError();
}

/* Enqueues the stem for n windows in chunks (entry lock held, device current). */
static int enqueue(const stem_dev *e, cudaStream_t st, const float *mel, size_t n, size_t nm, size_t d,
                   float *out)
{
    /* per window: conv1's output, then the larger of the two im2col matrices */
    const size_t a_win = (size_t)T_IN * 3 * nm > (size_t)T_OUT * 3 * d ? (size_t)T_IN * 3 * nm
                                                                        : (size_t)T_OUT * 3 * d;
    const size_t per_win = ((size_t)T_IN * d + a_win) * sizeof(float);
    size_t budget = SCRATCH_BYTES;
    const char *env = wmel__test_env(WMEL__CFG_CUDA_STEM_SCRATCH_MB); /* tests force small chunks */
    if (env && *env) {
        long mb = strtol(env, NULL, 10);
        if (mb > 0 && (unsigned long)mb < ((size_t)1 << 40) >> 20) budget = (size_t)mb << 20;
    }
    size_t chunk = budget / per_win;
    if (chunk < 1) chunk = 1;
    if (chunk > MAX_CHUNK) chunk = MAX_CHUNK;
    if (chunk > (size_t)(0x7fffffff / T_IN)) chunk = 0x7fffffff / T_IN; /* cuBLAS n is an int */
    if (chunk > n) chunk = n;
    const size_t n_chunks = (n + chunk - 1) / chunk;
    chunk = (n + n_chunks - 1) / n_chunks; /* even chunks */

    void *scratch = NULL;
    const size_t h_floats = up64(chunk * T_IN * d);
    cudaError_t ce = (cudaError_t)wmel__cu_alloc(&scratch, WORKSPACE_BYTES + (h_floats + chunk * a_win) * sizeof(float), st);
    if (ce != cudaSuccess) return cuda_fail(ce, "allocating the stem's scratch memory");
    float *h = (float *)((char *)scratch + WORKSPACE_BYTES), *a = h + h_floats;

    int rc = WMEL_OK;
    cublasStatus_t bs = g_blas.set_stream(e->blas, st);
    /* after SetStream: it resets the workspace to cuBLAS's own pool */
    if (bs == CUBLAS_STATUS_SUCCESS) bs = g_blas.set_workspace(e->blas, scratch, WORKSPACE_BYTES);
    if (bs != CUBLAS_STATUS_SUCCESS) rc = blas_fail(bs, "binding the cuBLAS handle to the stream");
    const float one = 1.0f, zero = 0.0f;
    const int k1 = (int)(3 * nm), k2 = (int)(3 * d), m = (int)d;
    for (size_t w0 = 0; w0 < n && rc == WMEL_OK; w0 += chunk) {
        const size_t nw = n - w0 < chunk ? n - w0 : chunk;
        float *y = out + w0 * T_OUT * d;
        if ((ce = (cudaError_t)wmel__cu_stem_im2col1(mel + w0 * nm * T_IN, nw, (int)nm, a, st)) != cudaSuccess) {
            rc = cuda_fail(ce, "launching the stem's im2col kernel");
            break;
        }
        /* cuBLAS is column-major: row-major H [rows][d] is the d x rows matrix W1p A1^T,
         * where row-major W1p [d][3 nm] reads as 3nm x d (hence OP_T) and row-major
         * A1 [rows][3 nm] as 3nm x rows */
        bs = g_blas.sgemm(e->blas, CUBLAS_OP_T, CUBLAS_OP_N, m, (int)(nw * T_IN), k1, &one, e->w1, k1, a, k1,
                         &zero, h, m);
        if (bs != CUBLAS_STATUS_SUCCESS) {
            rc = blas_fail(bs, "conv1 (cublasSgemm)");
            break;
        }
        if ((ce = (cudaError_t)wmel__cu_stem_gelu_im2col2(h, e->b1, nw, (int)d, a, st)) != cudaSuccess) {
            rc = cuda_fail(ce, "launching the stem's GELU/im2col kernel");
            break;
        }
        bs = g_blas.sgemm(e->blas, CUBLAS_OP_T, CUBLAS_OP_N, m, (int)(nw * T_OUT), k2, &one, e->w2, k2, a, k2,
                         &zero, y, m);
        if (bs != CUBLAS_STATUS_SUCCESS) {
            rc = blas_fail(bs, "conv2 (cublasSgemm)");
            break;
        }
        if ((ce = (cudaError_t)wmel__cu_stem_epilogue(y, e->b2, e->pos, nw, (int)d, st)) != cudaSuccess) {
            rc = cuda_fail(ce, "launching the stem's epilogue kernel");
            break;
        }
    }
    ce = (cudaError_t)wmel__cu_free(scratch, st);
    if (ce != cudaSuccess && rc == WMEL_OK) rc = cuda_fail(ce, "releasing the stem's scratch memory");
    return rc;
}

int wmel__cuda_stem_device(const wmel_stem *s, wmel_ctx *ctx, const float *d_mel, size_t n_windows,
                           float *d_out, void *stream)
{
    const size_t nm = (size_t)wmel_stem_n_mels(s), d = (size_t)wmel_stem_d_model(s);
    const int dev = ctx->params.cuda_device;
    int prev = 0;
    cudaError_t ce = cudaGetDevice(&prev);
    if (ce == cudaSuccess && prev != dev) ce = cudaSetDevice(dev);
    if (ce != cudaSuccess) return cuda_fail(ce, "selecting the CUDA device");
    stem_dev *e = NULL;
    int rc = dev_get(s, dev, &e);
    if (rc == WMEL_OK) {
        if (pthread_mutex_lock(&e->lock) != 0) {
            rc = WMEL_ERR_THREAD;
        } else {
            rc = enqueue(e, (cudaStream_t)stream, d_mel, n_windows, nm, d, d_out);
            pthread_mutex_unlock(&e->lock);
        }
    }
    if (prev != dev) cudaSetDevice(prev);
    return rc;
}
