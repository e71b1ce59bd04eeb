/*
 * keys.cuh -- a float's order-preserving key, so that atomicMax takes a clip's largest
 * value: a larger float has a larger key, and every float's key is above 0 (a cleared word
 * is below all); key2f gives the float back. Whisper's geometry's max (kernels.cu) and a
 * general plan's clamp to the clip's max (plan_kernels.cu's k_plan_max).
 */
#ifndef WMEL_CUDA_KEYS_CUH
#define WMEL_CUDA_KEYS_CUH

#include <cuda_runtime.h>

namespace wmel_cu {

__device__ __forceinline__ unsigned f2key(float f)
{
    const unsigned b = __float_as_uint(f);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

__device__ __forceinline__ float key2f(unsigned key)
{
    return __uint_as_float((key & 0x80000000u) ? (key & 0x7fffffffu) : ~key);
}

} // namespace wmel_cu

#endif /* WMEL_CUDA_KEYS_CUH */
