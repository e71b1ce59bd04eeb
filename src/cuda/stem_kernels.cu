/*
 * stem_kernels.cu -- the memory-bound parts of the Whisper encoder stem on the GPU
 * (openai whisper/model.py AudioEncoder.forward up to the first block); the two
 * convolutions themselves are cuBLAS SGEMMs over these im2col matrices (stem_cuda.c):
 *
 *   k_im2col1       mel [nm][3000] -> conv1's im2col rows [3000][3 nm], the transpose
 *                   to time-major done through a shared-memory tile (both sides coalesced)
 *   k_gelu_im2col2  conv1's bias + exact GELU applied while building conv2's stride-2
 *                   im2col rows [1500][3 d] (no separate GELU pass over conv1's output)
 *   k_epilogue      conv2's bias + GELU + positional embedding, in place on the output,
 *                   which the GEMM already wrote time-major: the transpose costs nothing
 *
 * GELU is 0.5 x erfc(-x / sqrt 2) = 0.5 x (1 + erf(x / sqrt 2)), the form that keeps
 * its relative accuracy for negative x (CUDA's erfcf: <= 4 ulp), as the CPU path does.
 */
#include "stem_cuda.h"

#include "launch.h"

namespace {

constexpr int T = WMEL_CU_STEM_T;
constexpr int TO = WMEL_CU_STEM_TO;
constexpr int NT = 256;

__device__ __forceinline__ float gelu(float x) { return 0.5f * x * erfcf(x * -0.70710678118654752f); }

/* Block: 32 x 8 threads, a tile of 32 frames x 32 channels of one window. */
__global__ void __launch_bounds__(256) k_im2col1(const float *__restrict__ mel, float *__restrict__ a, int nm)
{
    __shared__ float tile[32][35]; /* [channel][frame t0 - 1 + k], k < 34; stride 35 is odd */
    const int t0 = blockIdx.x * 32, c0 = blockIdx.y * 32;
    const size_t w = blockIdx.z;
    const float *x = mel + w * (size_t)nm * T;
    for (int i = threadIdx.y; i < 32; i += 8) {
        const int c = c0 + i;
        for (int k = threadIdx.x; k < 34; k += 32) {
            const int t = t0 - 1 + k;
            tile[i][k] = (c < nm && t >= 0 && t < T) ? __ldg(x + (size_t)c * T + t) : 0.0f;
        }
    }
    __syncthreads();
    const int c = c0 + threadIdx.x;
    if (c >= nm) return;
    for (int r = threadIdx.y; r < 32; r += 8) {
        const int t = t0 + r;
        if (t >= T) break;
        float *row = a + (w * T + (size_t)t) * (size_t)(3 * nm);
        row[c] = tile[threadIdx.x][r];          /* tap 0: frame t - 1 */
        row[nm + c] = tile[threadIdx.x][r + 1]; /* tap 1: frame t */
        row[2 * nm + c] = tile[threadIdx.x][r + 2];
    }
}

/* One block per conv2 output row (w * 1500 + t). */
__global__ void __launch_bounds__(NT) k_gelu_im2col2(const float *__restrict__ h, const float *__restrict__ b1,
                                                     float *__restrict__ a, int d)
{
    const size_t row = blockIdx.x;
    const size_t w = row / TO;
    const int t2 = (int)(row - w * TO);
    float *dst = a + row * (size_t)(3 * d);
#pragma unroll
    for (int j = 0; j < 3; j++) {
        const int t = 2 * t2 + j - 1; /* in [-1, 2999]: only t = -1 is padding */
        float *o = dst + (size_t)j * d;
        if (t < 0) {
            for (int c = threadIdx.x; c < d; c += NT) o[c] = 0.0f;
            continue;
        }
        const float *src = h + (w * T + (size_t)t) * (size_t)d;
        for (int c = threadIdx.x; c < d; c += NT) o[c] = gelu(src[c] + __ldg(b1 + c));
    }
}

__global__ void __launch_bounds__(NT) k_epilogue(float *__restrict__ out, const float *__restrict__ b2,
                                                 const float *__restrict__ pos, int d)
{
    const size_t row = blockIdx.x;
    const int t2 = (int)(row % TO);
    float *o = out + row * (size_t)d;
    const float *p = pos + (size_t)t2 * d;
    for (int c = threadIdx.x; c < d; c += NT) o[c] = gelu(o[c] + __ldg(b2 + c)) + __ldg(p + c);
}

} // namespace

extern "C" int wmel__cu_stem_im2col1(const float *mel, size_t n_win, int nm, float *a, void *stream)
{
    if (n_win == 0) return 0;
    if (n_win > 65535 || nm <= 0) return (int)cudaErrorInvalidValue;
    const dim3 grid((T + 31) / 32, (unsigned)((nm + 31) / 32), (unsigned)n_win);
    WMEL_CU_LAUNCH(k_im2col1, grid, dim3(32, 8), 0, (cudaStream_t)stream)(mel, a, nm);
    return (int)cudaGetLastError();
}

extern "C" int wmel__cu_stem_gelu_im2col2(const float *h, const float *b1, size_t n_win, int d, float *a,
                                          void *stream)
{
    if (n_win == 0) return 0;
    if (n_win > 65535 || d <= 0) return (int)cudaErrorInvalidValue;
    WMEL_CU_LAUNCH(k_gelu_im2col2, (unsigned)(n_win * TO), NT, 0, (cudaStream_t)stream)(h, b1, a, d);
    return (int)cudaGetLastError();
}

extern "C" int wmel__cu_stem_epilogue(float *out, const float *b2, const float *pos, size_t n_win, int d,
                                      void *stream)
{
    if (n_win == 0) return 0;
    if (n_win > 65535 || d <= 0) return (int)cudaErrorInvalidValue;
    WMEL_CU_LAUNCH(k_epilogue, (unsigned)(n_win * TO), NT, 0, (cudaStream_t)stream)(out, b2, pos, d);
    return (int)cudaGetLastError();
}
