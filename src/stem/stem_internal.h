/*
 * stem_internal.h -- what the encoder-stem files share: the safetensors header model,
 * half-precision conversion, and the GEMM used by conv1d (OpenBLAS or wmel's own
 * blocked SIMD kernels).
 */
#ifndef WMEL_STEM_INTERNAL_H
#define WMEL_STEM_INTERNAL_H

#include "wmel.h"

#include <stddef.h>
#include <stdint.h>

/* ---- safetensors ---------------------------------------------------------------- */

#define WMEL_ST_MAX_HEADER (100u * 1024u * 1024u) /* the format's own limit */
#define WMEL_ST_MAX_DIMS 8

typedef struct wmel_st_tensor {
    char *name;
    int dtype;       /* WMEL_DTYPE_*, or -1 for a dtype wmel does not load */
    size_t itemsize; /* bytes per element (known for every dtype the format names) */
    int ndim;
    size_t shape[WMEL_ST_MAX_DIMS];
    size_t count;    /* product of shape */
    uint64_t begin, end; /* byte range inside the data section */
} wmel_st_tensor;

typedef struct wmel_st_file {
    wmel_st_tensor *t;
    size_t n;
    uint64_t data_start; /* 8 + header length */
} wmel_st_file;

/* Parses and validates a header (hdr: the JSON text, hdr_len bytes, not
 * NUL-terminated) for a file whose data section holds data_size bytes: every entry has a
 * known dtype, a shape of non-negative integers, data_offsets [begin, end] with
 * begin <= end <= data_size, end - begin == count * itemsize, and no two ranges
 * overlap. Returns 0, WMEL_ERR_WEIGHTS (message in err), WMEL_ERR_NO_MEMORY or
 * WMEL_ERR_NOT_BUILT (no cJSON). */
int wmel__st_parse(const char *hdr, size_t hdr_len, uint64_t data_size, wmel_st_file *out,
                   char *err, size_t err_len);
void wmel__st_free(wmel_st_file *f);
const wmel_st_tensor *wmel__st_find(const wmel_st_file *f, const char *name);

/* ---- element conversion --------------------------------------------------------- */

float wmel__f16_to_f32(uint16_t h);
float wmel__bf16_to_f32(uint16_t h);
/* Converts n little-endian elements of dtype at src (any alignment) to float. */
void wmel__to_f32(const void *src, int dtype, size_t n, float *dst);
size_t wmel__dtype_size(int dtype); /* 0 for an unknown dtype */

/* ---- GELU ---------------------------------------------------------------------- */

/* y[i] = gelu(x[i]) = 0.5 x (1 + erf(x / sqrt 2)) for i < n, any n; y == x is allowed.
 * Within 4e-7 relative of the exact value for |gelu(x)| >= FLT_MIN; NaN -> NaN,
 * +inf -> +inf, -inf -> -0 (see gelu_body.h). */
typedef void (*wmel_gelu_fn)(const float *x, float *y, size_t n);

typedef struct wmel_gelu_kernel {
    const char *name;
    wmel_gelu_fn fn;
} wmel_gelu_kernel;

const wmel_gelu_kernel *wmel__gelu_kernel_c(void);
const wmel_gelu_kernel *wmel__gelu_kernel_avx2(void);   /* NULL when not compiled in */
const wmel_gelu_kernel *wmel__gelu_kernel_avx512(void); /* NULL when not compiled in */
/* The GELU kernel for an ISA level (cpu/cpu.c); _pick: for wmel__isa_level(AUTO), the
 * fastest this CPU runs capped by WMEL_MAX_ISA, like the GEMM kernels. */
const wmel_gelu_kernel *wmel__gelu_for(int level);
const wmel_gelu_kernel *wmel__gelu_pick(void);

/* ---- GEMM ----------------------------------------------------------------------- */

/* B operand, [n][k] row-major (k contiguous), prepared once: kept as is for BLAS and
 * packed in column panels for wmel's own kernels. */
typedef struct wmel_gemm_b {
    size_t n, k;
    int use_blas;
    const struct wmel_gemm_kernel *kern;
    const wmel_gelu_kernel *gelu; /* for the epilogue, picked once */
    float *raw;     /* [n][k], for BLAS */
    float *packed;  /* [ceil(n / NR)][k][NR], zero padded, for the own kernels */
} wmel_gemm_b;

/* What is applied to each finished row of C: c = gelu?(c + bias[n]) + add[m * ld_add + n]. */
typedef struct wmel_epilogue {
    const float *bias; /* n floats or NULL */
    int gelu;          /* exact erf GELU */
    const float *add;  /* or NULL */
    size_t ld_add;
} wmel_epilogue;

/* Takes B ([n][k], row-major floats, copied). which: 0 = auto (OpenBLAS when built, unless
 * WMEL_STEM_GEMM=own), 1 = own kernels, 2 = BLAS (WMEL_ERR_NOT_BUILT without it). */
int wmel__gemm_b_init(wmel_gemm_b *b, const float *w, size_t n, size_t k, int which);
void wmel__gemm_b_free(wmel_gemm_b *b);

/* C[m][n] (ldc) = A[m][k] (lda, k contiguous) * B^T, then the epilogue, with n_threads
 * workers (0 = all cores) from `pool` (pool.c; NULL or busy: threads of the call's own).
 * Returns 0, WMEL_ERR_NO_MEMORY or WMEL_ERR_THREAD. */
struct wmel_pool;
int wmel__gemm(const wmel_gemm_b *b, const float *a, size_t lda, size_t m, float *c,
               size_t ldc, const wmel_epilogue *ep, int n_threads, struct wmel_pool *pool);

/* Name of the GEMM path in use, e.g. "openblas" or "own-avx512-12x32". */
const char *wmel__gemm_name(const wmel_gemm_b *b);

int wmel__stem_threads(int n_threads); /* 0 -> online cores, clamped to [1, 256] */

/* ---- the stem on the GPU (src/cuda/stem_cuda.c) --------------------------------- */

/* What the CUDA path reads from a loaded stem: the conv weights as the GEMMs hold them
 * ([d][3][c] rows: `raw` for BLAS, `packed` panels for the own kernels), the biases and
 * positions, and the slot where stem_cuda.c caches its per-device copies (NULL until
 * first use; written under stem_cuda.c's lock only) with the hook that releases them. */
typedef struct wmel_stem_view {
    int n_mels, d;
    const wmel_gemm_b *g1, *g2;
    const float *b1, *b2, *pos;
    void **cuda;
    void (**release)(void *cache); /* set with the first copy: wmel_stem_free calls it */
} wmel_stem_view;
void wmel__stem_view(const wmel_stem *s, wmel_stem_view *v);

#endif
