/*
 * launch.h -- the two CUDA C++ spellings the kernels use through macros, so that the
 * same .cu files also build as host C++ against wmel's CUDA emulator
 * (tests/cuda/emu, -DWMEL_CUDA=EMU), whose cuda_runtime.h defines them first:
 *
 *   WMEL_CU_LAUNCH(k, grid, block, smem, stream)(args...)   k<<<grid, block, smem, stream>>>(args...)
 *   WMEL_CU_DYNAMIC_SHARED(type, name);                       extern __shared__ type name[];
 */
#ifndef WMEL_CUDA_LAUNCH_H
#define WMEL_CUDA_LAUNCH_H

#include <cuda_runtime.h>

#ifndef WMEL_CU_LAUNCH
#define WMEL_CU_LAUNCH(k, grid, block, smem, stream) k<<<grid, block, smem, stream>>>
#endif
#ifndef WMEL_CU_DYNAMIC_SHARED
#define WMEL_CU_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif

#endif
