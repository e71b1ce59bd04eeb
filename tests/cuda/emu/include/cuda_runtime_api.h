/*
 * cuda_runtime_api.h -- wmel's CUDA emulator (tests/cuda/emu): the part of the CUDA
 * runtime API that wmel and its tests use, implemented on the host by emu_runtime.c so
 * that the CUDA backend's kernels and host glue can run (and be checked under
 * ASan/UBSan) on a machine without a GPU. Build with -DWMEL_CUDA=EMU.
 *
 * What it emulates faithfully: device memory as separate allocations (out-of-bounds
 * access is ASan's to catch), stream order with deferred execution (an operation runs
 * only when something waits for it, so a missing synchronisation gives wrong results
 * instead of passing by luck), events, the legacy default stream, pinned versus pageable
 * host memory in async copies, launch limits, and the block-wide barrier and warp
 * shuffles inside kernels (each CUDA thread is a fiber). What it cannot: timing, the
 * memory model of real concurrent threads, and device math's last-ulp differences.
 *
 * Extra controls for tests are the wmel_emu_* functions at the end and these
 * environment variables: WMEL_EMU_DEVICES (device count, default 1), WMEL_EMU_DEVICE_MB
 * (device memory, default 4096), WMEL_EMU_ORDER (forward | reverse | shuffle: the order
 * in which blocks and the threads of a block run between barriers), WMEL_EMU_SCHEDULE
 * (lazy, the default: work runs when waited for; eager: device-side work runs when
 * queued, host copies lazily), WMEL_EMU_NO_IMAGE=1 (every kernel lacks an image for the
 * device), WMEL_EMU_CC (the compute capability, major.minor; default 9.0).
 */
#ifndef WMEL_EMU_CUDA_RUNTIME_API_H
#define WMEL_EMU_CUDA_RUNTIME_API_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInitializationError = 3,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorInvalidDevicePointer = 17,
    cudaErrorInvalidMemcpyDirection = 21,
    cudaErrorNoDevice = 100,
    cudaErrorInvalidDevice = 101,
    cudaErrorNoKernelImageForDevice = 209,
    cudaErrorInvalidResourceHandle = 400,
    cudaErrorNotReady = 600,
    cudaErrorLaunchFailure = 719,
    cudaErrorNotSupported = 801,
    cudaErrorStreamCaptureUnsupported = 900,
    cudaErrorUnknown = 999
} cudaError_t;

typedef struct wmel_emu_stream *cudaStream_t;
typedef struct wmel_emu_event *cudaEvent_t;

enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3,
    cudaMemcpyDefault = 4
};

enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize = 8 };

struct cudaFuncAttributes {
    size_t sharedSizeBytes, constSizeBytes, localSizeBytes;
    int maxThreadsPerBlock, numRegs, ptxVersion, binaryVersion;
    int maxDynamicSharedSizeBytes;
};

enum cudaDeviceAttr {
    cudaDevAttrComputeCapabilityMajor = 75,
    cudaDevAttrComputeCapabilityMinor = 76,
    cudaDevAttrMemoryPoolsSupported = 115
};

struct cudaDeviceProp {
    char name[256];
    size_t totalGlobalMem, sharedMemPerBlock;
    int multiProcessorCount, maxThreadsPerBlock, major, minor;
};

#define cudaStreamDefault 0x00u
#define cudaStreamNonBlocking 0x01u
#define cudaEventDefault 0x00u
#define cudaEventDisableTiming 0x02u

const char *cudaGetErrorString(cudaError_t e);
const char *cudaGetErrorName(cudaError_t e);
cudaError_t cudaGetLastError(void);
cudaError_t cudaPeekAtLastError(void);
cudaError_t cudaGetDeviceCount(int *count);
cudaError_t cudaGetDevice(int *dev);
cudaError_t cudaSetDevice(int dev);
cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *prop, int dev);
cudaError_t cudaDeviceSynchronize(void);
cudaError_t cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attr, int dev);

cudaError_t cudaMalloc(void **p, size_t bytes);
cudaError_t cudaFree(void *p);
cudaError_t cudaMallocHost(void **p, size_t bytes);
cudaError_t cudaFreeHost(void *p);
cudaError_t cudaMallocAsync(void **p, size_t bytes, cudaStream_t s);
cudaError_t cudaFreeAsync(void *p, cudaStream_t s);
cudaError_t cudaMemcpy(void *dst, const void *src, size_t bytes, enum cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t bytes, enum cudaMemcpyKind kind,
                            cudaStream_t s);
cudaError_t cudaMemset(void *p, int value, size_t bytes);
cudaError_t cudaMemsetAsync(void *p, int value, size_t bytes, cudaStream_t s);

cudaError_t cudaStreamCreate(cudaStream_t *s);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned flags);
cudaError_t cudaStreamDestroy(cudaStream_t s);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
enum cudaStreamCaptureStatus {
    cudaStreamCaptureStatusNone = 0,
    cudaStreamCaptureStatusActive = 1,
    cudaStreamCaptureStatusInvalidated = 2
};
cudaError_t cudaStreamIsCapturing(cudaStream_t s, enum cudaStreamCaptureStatus *status);
cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned flags);
cudaError_t cudaEventCreate(cudaEvent_t *e);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t *e, unsigned flags);
cudaError_t cudaEventDestroy(cudaEvent_t e);
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s);
cudaError_t cudaEventSynchronize(cudaEvent_t e);
cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b);

/* ---- the emulator's own entry points ---- */

/* Kernel launch (the WMEL_CU_LAUNCH macro of cuda_runtime.h calls this): `body(args)`
 * runs once per thread of every block; `release(args)` afterwards. `func` identifies the
 * kernel for its attributes. */
cudaError_t wmel_emu_launch(cudaStream_t s, const void *func, const unsigned grid[3],
                            const unsigned block[3], size_t dyn_smem, void (*body)(void *),
                            void *args, void (*release)(void *));
/* A host function run in stream order (the emulated cuBLAS uses it). */
cudaError_t wmel_emu_enqueue_host(cudaStream_t s, void (*fn)(void *), void *arg,
                                  void (*release)(void *));
cudaError_t wmel_emu_func_set_attribute(const void *func, enum cudaFuncAttribute a, int value);
cudaError_t wmel_emu_func_get_attributes(struct cudaFuncAttributes *a, const void *func);
/* 1 when [p, p + bytes) lies inside one live device allocation. */
int wmel_emu_is_device(const void *p, size_t bytes);
/* Device bytes and allocations currently live (cudaMalloc*, not cudaMallocHost). */
size_t wmel_emu_device_bytes(void);
size_t wmel_emu_device_allocations(void);
/* Pinned host allocations, streams and events currently live (for leak checks). */
size_t wmel_emu_pinned_allocations(void);
size_t wmel_emu_live_streams(void);
size_t wmel_emu_live_events(void);
/* Fault injection: the n-th fallible runtime call from now (1 = the next one) returns
 * `e` (an allocation, copy, launch, stream or event call); 0 disarms. Returns the number
 * of fallible calls made since the last arm, so a test can sweep every call site. */
unsigned long wmel_emu_fail_at(unsigned long n, cudaError_t e);
/* Overrides WMEL_EMU_DEVICE_MB (bytes; 0 restores the default). */
void wmel_emu_set_device_memory(size_t bytes);
/* Overrides WMEL_EMU_DEVICES and WMEL_EMU_NO_IMAGE (a negative value keeps the setting). */
void wmel_emu_configure(int devices, int no_image);
/* Stream-ordered memory pools (WMEL_EMU_NO_POOLS=1 turns them off): without them, as on a
 * device or driver that lacks them, cudaMallocAsync and cudaFreeAsync return
 * cudaErrorNotSupported and cudaDevAttrMemoryPoolsSupported reads 0. Returns the number of
 * allocations cudaMallocAsync has made so far. */
void wmel_emu_set_pools(int on);
/* A stream capture's rules on stream s (on 1; 0 ends it): cudaStreamIsCapturing says Active,
 * and while any stream captures, cudaMalloc and cudaFree fail, as does cudaStreamSynchronize
 * of the capturing stream, with cudaErrorStreamCaptureUnsupported (a real capture in global
 * mode refuses them so); the work itself still runs at once. */
void wmel_emu_set_capturing(cudaStream_t s, int on);
size_t wmel_emu_async_allocations(void);
/* The kernel launches and the memsets enqueued so far (each may be NULL), for the tests'
 * launch counts. */
void wmel_emu_enqueued(unsigned long *kernels, unsigned long *memsets);
/* The copies between host memory (pageable or pinned) and device memory made so far, and
 * their bytes (each may be NULL): the tests' proof that a device path copied nothing. */
void wmel_emu_host_copies(unsigned long *copies, unsigned long long *bytes);
/* The device allocations made so far (cudaMalloc and cudaMallocAsync that succeeded) and the
 * host's waits asked for (cudaStreamSynchronize, cudaEventSynchronize, cudaDeviceSynchronize;
 * each may be NULL): the tests' proof that a call with the caller's scratch allocated and
 * waited for nothing. */
void wmel_emu_allocs_waits(unsigned long *allocs, unsigned long *waits);
/* The compute capability the device reports (WMEL_EMU_CC=major.minor; default 9.0). */
void wmel_emu_set_cc(int major, int minor);
/* Device side (cuda_runtime.h wraps them): a barrier of the calling thread's block (kind
 * 0: __syncthreads, 1: _or, 2: _and, 3: _count; returns the reduction), a warp exchange
 * (the calling lane offers v and receives the value of the lane chosen by how -- 0: xor
 * arg, 1: down by arg, 2: up by arg, 3: lane arg -- within groups of `width` lanes), and
 * the block's dynamic shared memory. */
int wmel_emu_sync(int kind, int pred);
unsigned long long wmel_emu_shfl(unsigned mask, unsigned long long v, int how, int arg, int width);
void *wmel_emu_dynamic_shared(void);

#ifdef __cplusplus
}
#endif

#endif /* WMEL_EMU_CUDA_RUNTIME_API_H */
