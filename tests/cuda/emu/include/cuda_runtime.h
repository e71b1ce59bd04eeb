/*
 * cuda_runtime.h -- wmel's CUDA emulator (see cuda_runtime_api.h): what a .cu file
 * compiled as host C++ needs on top of the runtime API: the CUDA C++ keywords, the
 * built-in thread/block indices, barriers, warp shuffles, atomics and intrinsics, and
 * the launch macro WMEL_CU_LAUNCH that src/cuda/launch.h otherwise spells <<< >>>.
 *
 * Each CUDA thread runs as a fiber on one host thread; `__syncthreads()` and
 * `__shfl_*_sync()` switch back to the block's scheduler (emu_runtime.c), which resumes
 * the fibers once every live thread of the block (or warp) has arrived. `__shared__`
 * variables become function-local statics: blocks run one at a time, so one copy serves
 * every block, as a block's shared memory does.
 */
#ifndef WMEL_EMU_CUDA_RUNTIME_H
#define WMEL_EMU_CUDA_RUNTIME_H

#include "cuda_runtime_api.h"

#ifdef __cplusplus

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <tuple>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __shared__ static

struct uint3 {
    unsigned x, y, z;
};
struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

extern "C" {
extern uint3 wmel_emu_threadIdx, wmel_emu_blockIdx, wmel_emu_blockDim, wmel_emu_gridDim;
}

#define threadIdx wmel_emu_threadIdx
#define blockIdx wmel_emu_blockIdx
#define blockDim wmel_emu_blockDim
#define gridDim wmel_emu_gridDim

static inline void __syncthreads(void) { wmel_emu_sync(0, 0); }
static inline int __syncthreads_or(int p) { return wmel_emu_sync(1, p); }
static inline int __syncthreads_and(int p) { return wmel_emu_sync(2, p); }
static inline int __syncthreads_count(int p) { return wmel_emu_sync(3, p); }

template <typename T> static inline T wmel_emu_shfl_t(unsigned mask, T v, int op, int arg, int width)
{
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value, "shuffle of a plain value");
    unsigned long long b = 0;
    memcpy(&b, &v, sizeof v);
    b = wmel_emu_shfl(mask, b, op, arg, width);
    T r;
    memcpy(&r, &b, sizeof r);
    return r;
}
template <typename T> static inline T __shfl_xor_sync(unsigned m, T v, int lm, int w = 32) { return wmel_emu_shfl_t(m, v, 0, lm, w); }
template <typename T> static inline T __shfl_down_sync(unsigned m, T v, unsigned d, int w = 32) { return wmel_emu_shfl_t(m, v, 1, (int)d, w); }
template <typename T> static inline T __shfl_up_sync(unsigned m, T v, unsigned d, int w = 32) { return wmel_emu_shfl_t(m, v, 2, (int)d, w); }
template <typename T> static inline T __shfl_sync(unsigned m, T v, int src, int w = 32) { return wmel_emu_shfl_t(m, v, 3, src, w); }

template <typename T> static inline T __ldg(const T *p) { return *p; }

/* Atomics: fibers of one host thread never interleave inside a call. */
static inline unsigned atomicMax(unsigned *p, unsigned v) { unsigned o = *p; if (v > o) *p = v; return o; }
static inline int atomicMax(int *p, int v) { int o = *p; if (v > o) *p = v; return o; }
static inline unsigned atomicMin(unsigned *p, unsigned v) { unsigned o = *p; if (v < o) *p = v; return o; }
static inline int atomicOr(int *p, int v) { int o = *p; *p = o | v; return o; }
static inline unsigned atomicOr(unsigned *p, unsigned v) { unsigned o = *p; *p = o | v; return o; }
static inline int atomicAdd(int *p, int v) { int o = *p; *p = o + v; return o; }
static inline unsigned atomicAdd(unsigned *p, unsigned v) { unsigned o = *p; *p = o + v; return o; }
static inline float atomicAdd(float *p, float v) { float o = *p; *p = o + v; return o; }

static inline unsigned __float_as_uint(float f) { unsigned u; memcpy(&u, &f, sizeof u); return u; }
static inline float __uint_as_float(unsigned u) { float f; memcpy(&f, &u, sizeof f); return f; }
static inline int __float_as_int(float f) { int u; memcpy(&u, &f, sizeof u); return u; }
static inline float __int_as_float(int u) { float f; memcpy(&f, &u, sizeof f); return f; }

/* Float intrinsics with their rounding named: each one IEEE float32 operation, rounded to
 * nearest even, never contracted with another (the .cu files are compiled with
 * -ffp-contract=off, and x86-64 evaluates float in float: FLT_EVAL_METHOD 0); __fmaf_rn is
 * C's fmaf, fused and correctly rounded as CUDA's. */
static inline float __fadd_rn(float a, float b) { return a + b; }
static inline float __fsub_rn(float a, float b) { return a - b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline float __fdiv_rn(float a, float b) { return a / b; }
static inline float __fsqrt_rn(float a) { return sqrtf(a); }
static inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
/* The float64 ones likewise (x86-64 evaluates double in double). */
static inline double __dadd_rn(double a, double b) { return a + b; }
static inline double __dsub_rn(double a, double b) { return a - b; }
static inline double __dmul_rn(double a, double b) { return a * b; }
static inline double __ddiv_rn(double a, double b) { return a / b; }
static inline double __dsqrt_rn(double a) { return sqrt(a); }
static inline float __double2float_rn(double a) { return (float)a; }

/* Function attributes: the C++ overloads of the runtime take the kernel itself. */
template <typename F> static inline cudaError_t cudaFuncSetAttribute(F *f, enum cudaFuncAttribute a, int v)
{
    return wmel_emu_func_set_attribute(reinterpret_cast<const void *>(f), a, v);
}
template <typename F> static inline cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes *a, F *f)
{
    return wmel_emu_func_get_attributes(a, reinterpret_cast<const void *>(f));
}

/* k<<<grid, block, smem, stream>>>(args...) as WMEL_CU_LAUNCH(k, grid, block, smem,
 * stream)(args...): the arguments are converted to the kernel's parameter types and
 * copied now (CUDA passes kernel arguments by value at launch). */
template <typename... P> struct wmel_emu_launcher {
    void (*k)(P...);
    dim3 g, b;
    size_t smem;
    cudaStream_t s;
    template <typename... A> void operator()(A &&...a) const
    {
        struct pay {
            void (*k)(P...);
            std::tuple<typename std::decay<P>::type...> t;
        };
        pay *p = new pay{k, std::tuple<typename std::decay<P>::type...>(std::forward<A>(a)...)};
        const unsigned grid[3] = {g.x, g.y, g.z}, block[3] = {b.x, b.y, b.z};
        wmel_emu_launch(
            s, reinterpret_cast<const void *>(k), grid, block, smem,
            [](void *v) { pay *q = static_cast<pay *>(v); std::apply(q->k, q->t); }, p,
            [](void *v) { delete static_cast<pay *>(v); });
    }
};
template <typename... P>
static inline wmel_emu_launcher<P...> wmel_emu_make_launcher(void (*k)(P...), dim3 g, dim3 b, size_t smem,
                                                             cudaStream_t s)
{
    return wmel_emu_launcher<P...>{k, g, b, smem, s};
}
#define WMEL_CU_LAUNCH(k, grid, block, smem, stream) wmel_emu_make_launcher(k, grid, block, smem, stream)
#define WMEL_CU_DYNAMIC_SHARED(type, name) type *name = static_cast<type *>(wmel_emu_dynamic_shared())

#endif /* __cplusplus */

#endif /* WMEL_EMU_CUDA_RUNTIME_H */
