/*
 * cuda_runtime.h -- the CUDA kernels (the .cu files of src/cuda) compiled by HIP's hipcc for AMD GPUs
 * (make check-hip, compile only): HIP's runtime under the CUDA names the kernels use. The
 * kernels' own text is unchanged; what HIP spells differently is mapped here:
 *
 *   the runtime's types, errors and calls     cuda* -> hip*
 *   __shfl_xor_sync(mask, v, lane, width)     __shfl_xor(v, lane, width): HIP (ROCm 5) has no
 *                                             masked shuffles; every lane of the warp takes part
 *
 * A wavefront is 64 lanes on gfx90a (CDNA2), 32 or 64 on gfx1100 (RDNA3); the kernels' one
 * warp shuffle reduces groups of 32 lanes (xor offsets below 32, within each half of a 64-lane
 * wavefront). Nothing here has run on an AMD GPU: it shows that the kernels compile.
 */
#ifndef WMEL_HIP_CUDA_RUNTIME_H
#define WMEL_HIP_CUDA_RUNTIME_H

#include <hip/hip_runtime.h>

typedef hipError_t cudaError_t;
typedef hipStream_t cudaStream_t;
typedef hipFuncAttributes cudaFuncAttributes;

#define cudaSuccess hipSuccess
#define cudaErrorInvalidValue hipErrorInvalidValue
#define cudaErrorNotSupported hipErrorNotSupported
#define cudaErrorNoKernelImageForDevice hipErrorNoBinaryForGpu
#define cudaDevAttrMemoryPoolsSupported hipDeviceAttributeMemoryPoolsSupported
#define cudaErrorStreamCaptureUnsupported hipErrorStreamCaptureUnsupported
#define cudaStreamCaptureStatus hipStreamCaptureStatus
#define cudaStreamCaptureStatusNone hipStreamCaptureStatusNone
#define cudaFuncAttributeMaxDynamicSharedMemorySize hipFuncAttributeMaxDynamicSharedMemorySize

#define cudaGetLastError hipGetLastError
#define cudaGetDevice hipGetDevice
#define cudaDeviceGetAttribute hipDeviceGetAttribute
#define cudaMalloc hipMalloc
#define cudaMemcpy hipMemcpy
#define cudaMemcpyHostToDevice hipMemcpyHostToDevice
#define cudaMemcpyDeviceToHost hipMemcpyDeviceToHost
#define cudaFree hipFree
#define cudaMallocAsync hipMallocAsync
#define cudaFreeAsync hipFreeAsync
#define cudaStreamSynchronize hipStreamSynchronize
#define cudaStreamIsCapturing hipStreamIsCapturing
#define cudaFuncSetAttribute(f, attr, v) hipFuncSetAttribute(reinterpret_cast<const void *>(f), attr, v)
#define cudaFuncGetAttributes(a, f) hipFuncGetAttributes(a, reinterpret_cast<const void *>(f))

#define __shfl_xor_sync(mask, v, lane, ...) __shfl_xor(v, lane, ##__VA_ARGS__)

#endif
