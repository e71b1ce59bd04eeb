/*
 * emu_runtime.c -- wmel's CUDA emulator: the runtime behind include/cuda_runtime_api.h.
 *
 * Device memory: every cudaMalloc* is its own heap block, registered here, so a kernel
 * that reads or writes past an allocation is caught by ASan (the `make test` build) and a
 * copy whose direction disagrees with the pointers is refused.
 *
 * Streams: each operation is queued on its stream and runs only when something waits for
 * it (cudaStreamSynchronize, cudaEventSynchronize, a synchronous copy, cudaFree, ...). A
 * program that reads results or refills a pinned buffer without the right wait therefore
 * sees stale data, as it could on a GPU. WMEL_EMU_SCHEDULE=eager runs device-side work
 * (kernels, memsets, device copies) as soon as it is queued instead, host copies still
 * lazily: then a kernel not ordered after its input's upload reads garbage. cudaStreamWaitEvent orders streams; the legacy
 * default stream waits for (and is waited for by) every blocking stream. Async copies
 * from pageable host memory snapshot their source at the call and those to pageable
 * memory complete before the call returns, as the CUDA runtime does.
 *
 * Kernels: blocks run one after another (in the order WMEL_EMU_ORDER picks); the threads
 * of a block are fibers (ucontext) on the host thread that drains the stream. A fiber runs
 * until it reaches __syncthreads* or a warp shuffle; the scheduler releases a barrier once
 * every live thread of the block has arrived and a shuffle once every lane of the warp
 * has. Threads that wait at different barriers, shuffles with absent lanes and other
 * undefined behaviour abort with a message naming the block: the emulator exists to find
 * such bugs, not to tolerate them.
 *
 * Every entry point holds one recursive lock, so host threads may share the runtime.
 */
#define _GNU_SOURCE
#include "cuda_runtime_api.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

#if defined(__SANITIZE_ADDRESS__)
#define EMU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EMU_ASAN 1
#endif
#endif
#ifdef EMU_ASAN
#include <sanitizer/common_interface_defs.h>
#define STACK_BYTES ((size_t)256 << 10)
#else
#define STACK_BYTES ((size_t)64 << 10) /* small stacks close together: fewer TLB misses per switch */
#endif
#define GUARD_BYTES ((size_t)4096)     /* below each stack: an overflow faults, never corrupts */

/* Switching fibers: on x86-64 a few instructions that swap the callee-saved registers and
 * the stack pointer (swapcontext makes a system call for the signal mask on every switch,
 * two thirds of the emulator's time); ucontext elsewhere. */
#if defined(__x86_64__) && !defined(WMEL_EMU_UCONTEXT)
#define EMU_FAST_SWITCH 1
/* Saves the caller's registers on its stack, its stack pointer in *save, and resumes the
 * context whose stack pointer is `to`. */
void wmel_emu_switch(void **save, void *to) __attribute__((visibility("hidden")));
__asm__(".text\n"
        ".globl wmel_emu_switch\n"
        ".hidden wmel_emu_switch\n"
        ".type wmel_emu_switch, @function\n"
        "wmel_emu_switch:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size wmel_emu_switch, .-wmel_emu_switch\n");
#endif

#define MAX_THREADS 1024
#define SMEM_DEFAULT 49152 /* dynamic shared memory without the opt-in attribute */
#define SMEM_OPTIN 232448  /* an H100's opt-in maximum per block */

typedef struct {
    unsigned x, y, z;
} emu_uint3; /* layout of the C++ uint3 */

emu_uint3 wmel_emu_threadIdx, wmel_emu_blockIdx, wmel_emu_blockDim, wmel_emu_gridDim;

static pthread_mutex_t g_lock;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static _Thread_local cudaError_t g_last;
static _Thread_local int g_device;

/* ---------------------------------------------------------------- settings */

static int g_devices = 1;
static size_t g_mem_limit = (size_t)4096 << 20, g_mem_default;
static int g_order;    /* 0 forward, 1 reverse, 2 shuffle */
static int g_no_image; /* every kernel lacks an image */
static int g_eager;    /* device-side work runs at enqueue (WMEL_EMU_SCHEDULE=eager) */
static int g_no_pools; /* no stream-ordered memory pools (WMEL_EMU_NO_POOLS=1) */
static size_t g_async_allocs; /* allocations made by cudaMallocAsync */
static unsigned long g_kernels, g_memsets; /* kernels and memsets enqueued (wmel_emu_enqueued) */
static unsigned long g_host_copies;        /* copies between host and device memory (wmel_emu_host_copies) */
static unsigned long long g_host_copy_bytes;
static unsigned long g_dev_allocs, g_waits; /* device allocations made, host waits (wmel_emu_allocs_waits) */
static int g_cc_major = 9, g_cc_minor = 0; /* the compute capability (WMEL_EMU_CC=8.6) */

static void init_once(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&g_lock, &a);
    pthread_mutexattr_destroy(&a);
    const char *v = getenv("WMEL_EMU_DEVICES");
    if (v && *v) g_devices = atoi(v);
    v = getenv("WMEL_EMU_DEVICE_MB");
    if (v && *v) g_mem_limit = (size_t)strtoull(v, NULL, 10) << 20;
    g_mem_default = g_mem_limit;
    v = getenv("WMEL_EMU_ORDER");
    if (v && !strcmp(v, "reverse")) g_order = 1;
    if (v && !strcmp(v, "shuffle")) g_order = 2;
    v = getenv("WMEL_EMU_NO_IMAGE");
    g_no_image = v && *v == '1';
    v = getenv("WMEL_EMU_SCHEDULE");
    g_eager = v && !strcmp(v, "eager");
    v = getenv("WMEL_EMU_NO_POOLS");
    g_no_pools = v && *v == '1';
    v = getenv("WMEL_EMU_CC");
    if (v && *v) {
        int ma = 0, mi = 0;
        if (sscanf(v, "%d.%d", &ma, &mi) == 2 && ma > 0 && mi >= 0) g_cc_major = ma, g_cc_minor = mi;
    }
}

static void lock(void)
{
    pthread_once(&g_once, init_once);
    pthread_mutex_lock(&g_lock);
}

static void unlock(void) { pthread_mutex_unlock(&g_lock); }

static cudaError_t ret(cudaError_t e)
{
    if (e != cudaSuccess) g_last = e;
    unlock();
    return e;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "wmel CUDA emulator: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

/* ---------------------------------------------------------------- fault injection */

static unsigned long g_fail_n, g_calls;
static cudaError_t g_fail_err;

unsigned long wmel_emu_fail_at(unsigned long n, cudaError_t e)
{
    lock();
    unsigned long calls = g_calls;
    g_fail_n = n;
    g_fail_err = e;
    g_calls = 0;
    unlock();
    return calls;
}

/* Counts one fallible call; nonzero (the error) when it is the one to fail. */
static cudaError_t fault(void)
{
    g_calls++;
    if (g_fail_n && g_calls == g_fail_n) {
        g_fail_n = 0;
        return g_fail_err;
    }
    return cudaSuccess;
}

/* ---------------------------------------------------------------- memory registry */

typedef struct alloc {
    char *p;
    size_t n;
    int pinned;       /* cudaMallocHost: host memory */
    int freeing;      /* cudaFreeAsync queued */
} alloc;

static alloc *g_allocs;
static size_t g_nallocs, g_capallocs, g_dev_bytes, g_dev_count, g_pinned_count;
static size_t g_live_streams, g_live_events;

/* The allocation holding all of [p, p + n) (p itself when n = 0), or NULL. */
static alloc *find(const void *p, size_t n, int pinned)
{
    const char *c = p;
    for (size_t i = 0; i < g_nallocs; i++) {
        alloc *a = &g_allocs[i];
        if (a->pinned == pinned && c >= a->p && c <= a->p + a->n && n <= (size_t)(a->p + a->n - c))
            return a;
    }
    return NULL;
}

static alloc *find_start(const void *p, int pinned)
{
    for (size_t i = 0; i < g_nallocs; i++)
        if (g_allocs[i].p == p && g_allocs[i].pinned == pinned) return &g_allocs[i];
    return NULL;
}

static cudaError_t reg(void **out, size_t n, int pinned)
{
    if (!out) return cudaErrorInvalidValue;
    *out = NULL;
    if (!pinned && (n > g_mem_limit || g_dev_bytes > g_mem_limit - n)) return cudaErrorMemoryAllocation;
    if (g_nallocs == g_capallocs) {
        size_t cap = g_capallocs ? 2 * g_capallocs : 64;
        alloc *a = realloc(g_allocs, cap * sizeof *a);
        if (!a) return cudaErrorMemoryAllocation;
        g_allocs = a;
        g_capallocs = cap;
    }
    /* 256-byte aligned like cudaMalloc; the exact size, so ASan sees every overrun */
    char *p = NULL;
    if (posix_memalign((void **)&p, 256, n ? n : 1) != 0) return cudaErrorMemoryAllocation;
    memset(p, 0xA5, n); /* device memory starts as garbage, never as zeros */
    g_allocs[g_nallocs++] = (alloc){p, n, pinned, 0};
    if (!pinned) {
        g_dev_bytes += n;
        g_dev_count++;
    } else {
        g_pinned_count++;
    }
    *out = p;
    return cudaSuccess;
}

static void unreg(alloc *a)
{
    if (!a->pinned) {
        g_dev_bytes -= a->n;
        g_dev_count--;
    } else {
        g_pinned_count--;
    }
    free(a->p);
    *a = g_allocs[--g_nallocs];
}

int wmel_emu_is_device(const void *p, size_t bytes)
{
    lock();
    int r = find(p, bytes, 0) != NULL;
    unlock();
    return r;
}

size_t wmel_emu_device_bytes(void)
{
    lock();
    size_t r = g_dev_bytes;
    unlock();
    return r;
}

size_t wmel_emu_device_allocations(void)
{
    lock();
    size_t r = g_dev_count;
    unlock();
    return r;
}

static size_t locked_read(const size_t *v)
{
    lock();
    size_t r = *v;
    unlock();
    return r;
}

size_t wmel_emu_pinned_allocations(void) { return locked_read(&g_pinned_count); }
size_t wmel_emu_live_streams(void) { return locked_read(&g_live_streams); }
size_t wmel_emu_live_events(void) { return locked_read(&g_live_events); }

void wmel_emu_configure(int devices, int no_image)
{
    lock();
    if (devices >= 0) g_devices = devices;
    if (no_image >= 0) g_no_image = no_image != 0;
    unlock();
}

void wmel_emu_set_pools(int on)
{
    lock();
    g_no_pools = !on;
    unlock();
}

size_t wmel_emu_async_allocations(void) { return locked_read(&g_async_allocs); }


void wmel_emu_set_cc(int major, int minor)
{
    lock();
    g_cc_major = major;
    g_cc_minor = minor;
    unlock();
}

void wmel_emu_set_device_memory(size_t bytes)
{
    lock();
    g_mem_limit = bytes ? bytes : g_mem_default;
    unlock();
}

/* ---------------------------------------------------------------- streams and events */

enum { OP_KERNEL, OP_COPY, OP_SET, OP_WAIT, OP_FREE, OP_HOST, OP_STAMP };

/* When a recorded event was reached: shared by the event and its marker in the stream, so
 * either may go first (an event may be destroyed or re-recorded before it completes). */
typedef struct stamp {
    int refs;
    int done;
    double t; /* seconds, CLOCK_MONOTONIC */
} stamp;

static void stamp_release(stamp *s)
{
    if (s && --s->refs == 0) free(s);
}

typedef struct launch {
    const void *func;
    unsigned g[3], b[3];
    size_t smem;
    void (*body)(void *);
    void *args;
    void (*release)(void *);
} launch;

struct wmel_emu_stream;
typedef struct op {
    int kind;
    struct op *next;
    launch k;                       /* OP_KERNEL */
    void *dst;                      /* OP_COPY, OP_SET, OP_FREE */
    const void *src;
    void *owned;                    /* snapshot of a pageable source */
    size_t n;
    int value;
    struct wmel_emu_stream *ws;     /* OP_WAIT */
    unsigned long long wseq;
    void (*fn)(void *);             /* OP_HOST */
    void *arg;
    void (*rel)(void *);
    stamp *st;                      /* OP_STAMP */
} op;

struct wmel_emu_stream {
    op *head, *tail;
    unsigned long long enq, done;
    unsigned flags;
    int live;
    int capturing; /* wmel_emu_set_capturing */
    struct wmel_emu_stream *next;   /* every stream ever made (events may outlive them) */
};

struct wmel_emu_event {
    struct wmel_emu_stream *s;
    unsigned long long seq;
    int recorded;
    stamp *st; /* the last record's */
};

static struct wmel_emu_stream g_null = {NULL, NULL, 0, 0, 0, 1, 0, NULL};
static struct wmel_emu_stream *g_streams = &g_null;

static struct wmel_emu_stream *S(cudaStream_t s) { return s ? s : &g_null; }

static int g_capturing; /* streams capturing now */

void wmel_emu_set_capturing(cudaStream_t s, int on)
{
    lock();
    struct wmel_emu_stream *t = S(s);
    if (t->capturing != (on != 0)) g_capturing += on ? 1 : -1;
    t->capturing = on != 0;
    unlock();
}

cudaError_t cudaStreamIsCapturing(cudaStream_t s, enum cudaStreamCaptureStatus *status)
{
    if (!status) return cudaErrorInvalidValue;
    lock();
    struct wmel_emu_stream *t = S(s);
    if (!t->live) return ret(cudaErrorInvalidResourceHandle);
    *status = t->capturing ? cudaStreamCaptureStatusActive : cudaStreamCaptureStatusNone;
    return ret(cudaSuccess);
}

static void drain(struct wmel_emu_stream *s, unsigned long long upto);

static void push(struct wmel_emu_stream *s, op *o)
{
    o->next = NULL;
    if (s->tail)
        s->tail->next = o;
    else
        s->head = o;
    s->tail = o;
    s->enq++;
}

/* A zeroed operation of `kind`, or NULL when out of memory. */
static op *new_op(int kind)
{
    op *o = calloc(1, sizeof *o);
    if (o) o->kind = kind;
    return o;
}

static cudaError_t push_wait(struct wmel_emu_stream *s, struct wmel_emu_stream *on, unsigned long long seq)
{
    if (on == s || on->done >= seq) return cudaSuccess;
    op *o = new_op(OP_WAIT);
    if (!o) return cudaErrorMemoryAllocation;
    o->ws = on;
    o->wseq = seq;
    push(s, o);
    return cudaSuccess;
}

/* Queues o on s with the legacy default stream's implicit ordering. */
static cudaError_t enqueue(struct wmel_emu_stream *s, op *o)
{
    cudaError_t e = cudaSuccess;
    if (s == &g_null) {
        for (struct wmel_emu_stream *t = g_streams; t && e == cudaSuccess; t = t->next)
            if (t != s && t->live && !(t->flags & cudaStreamNonBlocking)) e = push_wait(s, t, t->enq);
    } else if (!(s->flags & cudaStreamNonBlocking)) {
        e = push_wait(s, &g_null, g_null.enq);
    }
    if (e != cudaSuccess) {
        free(o);
        return e;
    }
    push(s, o);
    /* eager: kernels, memsets, device-to-device copies and host functions run now (with
     * whatever their stream waits for), while copies to or from the host stay lazy: a
     * kernel that does not wait for its upload reads garbage */
    if (g_eager && (o->kind == OP_KERNEL || o->kind == OP_SET || o->kind == OP_HOST ||
                    (o->kind == OP_COPY && !o->owned && find(o->dst, o->n, 0) && find(o->src, o->n, 0))))
        drain(s, s->enq);
    return cudaSuccess;
}

static void run_kernel(launch *L);

static void exec(op *o)
{
    switch (o->kind) {
    case OP_KERNEL:
        run_kernel(&o->k);
        o->k.release(o->k.args);
        break;
    case OP_COPY:
        memmove(o->dst, o->owned ? o->owned : o->src, o->n);
        free(o->owned);
        break;
    case OP_SET: memset(o->dst, o->value, o->n); break;
    case OP_WAIT: drain(o->ws, o->wseq); break;
    case OP_FREE: {
        alloc *a = find_start(o->dst, 0);
        if (!a) die("cudaFreeAsync(%p): the allocation is gone (freed twice?)", o->dst);
        unreg(a);
        break;
    }
    case OP_HOST:
        o->fn(o->arg);
        if (o->rel) o->rel(o->arg);
        break;
    case OP_STAMP: {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        o->st->t = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
        o->st->done = 1;
        stamp_release(o->st);
        break;
    }
    }
}

static void drain(struct wmel_emu_stream *s, unsigned long long upto)
{
    while (s->done < upto && s->head) {
        op *o = s->head;
        s->head = o->next;
        if (!s->head) s->tail = NULL;
        exec(o);
        free(o);
        s->done++;
    }
}

static void drain_all(void)
{
    for (int again = 1; again;) {
        again = 0;
        for (struct wmel_emu_stream *t = g_streams; t; t = t->next)
            if (t->head) {
                drain(t, t->enq);
                again = 1;
            }
    }
}

/* ---------------------------------------------------------------- errors, devices */

const char *cudaGetErrorName(cudaError_t e)
{
    switch (e) {
#define N(x) case x: return #x;
    N(cudaSuccess) N(cudaErrorInvalidValue) N(cudaErrorMemoryAllocation) N(cudaErrorInitializationError)
    N(cudaErrorInvalidConfiguration) N(cudaErrorInvalidDevicePointer) N(cudaErrorInvalidMemcpyDirection)
    N(cudaErrorNoDevice) N(cudaErrorInvalidDevice) N(cudaErrorNoKernelImageForDevice)
    N(cudaErrorInvalidResourceHandle) N(cudaErrorNotReady) N(cudaErrorLaunchFailure) N(cudaErrorNotSupported)
    N(cudaErrorStreamCaptureUnsupported)
    N(cudaErrorUnknown)
#undef N
    }
    return "cudaErrorUnknown";
}

const char *cudaGetErrorString(cudaError_t e)
{
    switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInitializationError: return "initialization error";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevicePointer: return "invalid device pointer";
    case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorNoKernelImageForDevice: return "no kernel image is available for execution on the device";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorNotReady: return "device not ready";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
    case cudaErrorNotSupported: return "operation not supported";
    case cudaErrorStreamCaptureUnsupported: return "operation not permitted when stream is capturing";
    default: return "unknown error";
    }
}

cudaError_t cudaGetLastError(void)
{
    cudaError_t e = g_last;
    g_last = cudaSuccess;
    return e;
}

cudaError_t cudaPeekAtLastError(void) { return g_last; }

cudaError_t cudaGetDeviceCount(int *count)
{
    lock();
    if (!count) return ret(cudaErrorInvalidValue);
    *count = g_devices > 0 ? g_devices : 0;
    return ret(g_devices > 0 ? cudaSuccess : cudaErrorNoDevice);
}

cudaError_t cudaGetDevice(int *dev)
{
    lock();
    if (!dev) return ret(cudaErrorInvalidValue);
    if (g_devices <= 0) return ret(cudaErrorNoDevice);
    *dev = g_device;
    return ret(cudaSuccess);
}

cudaError_t cudaSetDevice(int dev)
{
    lock();
    if (g_devices <= 0) return ret(cudaErrorNoDevice);
    if (dev < 0 || dev >= g_devices) return ret(cudaErrorInvalidDevice);
    g_device = dev;
    return ret(cudaSuccess);
}

cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *p, int dev)
{
    lock();
    if (!p) return ret(cudaErrorInvalidValue);
    if (dev < 0 || dev >= g_devices) return ret(cudaErrorInvalidDevice);
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "wmel CUDA emulator (host fibers)");
    p->totalGlobalMem = g_mem_limit;
    p->sharedMemPerBlock = SMEM_DEFAULT;
    p->multiProcessorCount = 1;
    p->maxThreadsPerBlock = MAX_THREADS;
    p->major = g_cc_major;
    p->minor = g_cc_minor;
    return ret(cudaSuccess);
}

cudaError_t cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attr, int dev)
{
    lock();
    if (!value) return ret(cudaErrorInvalidValue);
    if (dev < 0 || dev >= g_devices) return ret(cudaErrorInvalidDevice);
    if (attr == cudaDevAttrComputeCapabilityMajor) *value = g_cc_major;
    else if (attr == cudaDevAttrComputeCapabilityMinor) *value = g_cc_minor;
    else if (attr == cudaDevAttrMemoryPoolsSupported) *value = !g_no_pools;
    else return ret(cudaErrorInvalidValue);
    return ret(cudaSuccess);
}

cudaError_t cudaDeviceSynchronize(void)
{
    lock();
    g_waits++;
    drain_all();
    return ret(cudaSuccess);
}

/* ---------------------------------------------------------------- memory */

/* cudaMalloc's work, the lock held (cudaMallocAsync's too, which a capture allows) */
static cudaError_t malloc_locked(void **p, size_t bytes)
{
    cudaError_t e = fault();
    if (e == cudaSuccess) e = reg(p, bytes, 0);
    if (e == cudaSuccess) g_dev_allocs++;
    return e;
}

cudaError_t cudaMalloc(void **p, size_t bytes)
{
    lock();
    if (g_capturing) return ret(cudaErrorStreamCaptureUnsupported);
    return ret(malloc_locked(p, bytes));
}

cudaError_t cudaMallocAsync(void **p, size_t bytes, cudaStream_t s)
{
    (void)s; /* usable in stream order from here: at once in an emulator */
    lock();
    if (g_no_pools) return ret(cudaErrorNotSupported);
    cudaError_t e = malloc_locked(p, bytes);
    if (e == cudaSuccess) g_async_allocs++;
    return ret(e);
}

cudaError_t cudaMallocHost(void **p, size_t bytes)
{
    lock();
    cudaError_t e = fault();
    if (e == cudaSuccess) e = reg(p, bytes, 1);
    return ret(e);
}

cudaError_t cudaFree(void *p)
{
    lock();
    if (!p) return ret(cudaSuccess);
    if (g_capturing) return ret(cudaErrorStreamCaptureUnsupported);
    drain_all(); /* cudaFree synchronises the device */
    alloc *a = find_start(p, 0);
    if (!a || a->freeing) return ret(cudaErrorInvalidValue);
    unreg(a);
    return ret(cudaSuccess);
}

cudaError_t cudaFreeHost(void *p)
{
    lock();
    if (!p) return ret(cudaSuccess);
    drain_all();
    alloc *a = find_start(p, 1);
    if (!a) return ret(cudaErrorInvalidValue);
    unreg(a);
    return ret(cudaSuccess);
}

cudaError_t cudaFreeAsync(void *p, cudaStream_t s)
{
    lock();
    if (g_no_pools) return ret(cudaErrorNotSupported);
    cudaError_t e = fault();
    if (e != cudaSuccess) return ret(e);
    if (!p) return ret(cudaSuccess);
    alloc *a = find_start(p, 0);
    if (!a || a->freeing) return ret(cudaErrorInvalidValue);
    op *o = new_op(OP_FREE);
    if (!o) return ret(cudaErrorMemoryAllocation);
    o->dst = p;
    e = enqueue(S(s), o);
    if (e == cudaSuccess) a->freeing = 1;
    return ret(e);
}

/* Checks a copy's pointers against its kind; *dev_dst / *dev_src say which side is device. */
static cudaError_t check_copy(void *dst, const void *src, size_t n, enum cudaMemcpyKind kind, int *dd, int *ds)
{
    if (n == 0) return cudaSuccess;
    if (!dst || !src) return cudaErrorInvalidValue;
    *dd = find(dst, n, 0) != NULL;
    *ds = find(src, n, 0) != NULL;
    switch (kind) {
    case cudaMemcpyHostToHost: return !*dd && !*ds ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyHostToDevice: return *dd && !*ds ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyDeviceToHost: return !*dd && *ds ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyDeviceToDevice: return *dd && *ds ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyDefault: return cudaSuccess;
    }
    return cudaErrorInvalidMemcpyDirection;
}

static int pinned_or_device(const void *p, size_t n) { return find(p, n, 1) || find(p, n, 0); }

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t n, enum cudaMemcpyKind kind, cudaStream_t s)
{
    lock();
    cudaError_t e = fault();
    int dd = 0, ds = 0;
    if (e == cudaSuccess) e = check_copy(dst, src, n, kind, &dd, &ds);
    if (e != cudaSuccess || n == 0) return ret(e);
    op *o = new_op(OP_COPY);
    if (!o) return ret(cudaErrorMemoryAllocation);
    o->dst = dst;
    o->src = src;
    o->n = n;
    if (!pinned_or_device(src, n)) { /* pageable source: staged by the call */
        o->owned = malloc(n);
        if (!o->owned) {
            free(o);
            return ret(cudaErrorMemoryAllocation);
        }
        memcpy(o->owned, src, n);
    }
    struct wmel_emu_stream *st = S(s);
    e = enqueue(st, o);
    if (e == cudaSuccess && dd != ds) { /* one side host memory (pageable or pinned) */
        g_host_copies++;
        g_host_copy_bytes += n;
    }
    if (e == cudaSuccess && !pinned_or_device(dst, n)) drain(st, st->enq); /* pageable target: synchronous */
    return ret(e);
}

cudaError_t cudaMemcpy(void *dst, const void *src, size_t n, enum cudaMemcpyKind kind)
{
    lock();
    cudaError_t e = cudaMemcpyAsync(dst, src, n, kind, NULL);
    if (e == cudaSuccess) drain(&g_null, g_null.enq);
    return ret(e);
}

cudaError_t cudaMemsetAsync(void *p, int value, size_t n, cudaStream_t s)
{
    lock();
    cudaError_t e = fault();
    if (e != cudaSuccess || n == 0) return ret(e);
    if (!find(p, n, 0)) return ret(cudaErrorInvalidValue);
    op *o = new_op(OP_SET);
    if (!o) return ret(cudaErrorMemoryAllocation);
    o->dst = p;
    o->value = value;
    o->n = n;
    e = enqueue(S(s), o);
    if (e == cudaSuccess) g_memsets++;
    return ret(e);
}

cudaError_t cudaMemset(void *p, int value, size_t n)
{
    lock();
    cudaError_t e = cudaMemsetAsync(p, value, n, NULL);
    if (e == cudaSuccess) drain(&g_null, g_null.enq);
    return ret(e);
}

/* ---------------------------------------------------------------- streams, events */

cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned flags)
{
    lock();
    cudaError_t e = fault();
    if (e != cudaSuccess) return ret(e);
    if (!s) return ret(cudaErrorInvalidValue);
    struct wmel_emu_stream *t = calloc(1, sizeof *t);
    if (!t) return ret(cudaErrorMemoryAllocation);
    t->flags = flags;
    t->live = 1;
    t->next = g_streams;
    g_streams = t;
    g_live_streams++;
    *s = t;
    return ret(cudaSuccess);
}

cudaError_t cudaStreamCreate(cudaStream_t *s) { return cudaStreamCreateWithFlags(s, cudaStreamDefault); }

cudaError_t cudaStreamDestroy(cudaStream_t s)
{
    lock();
    if (!s || !s->live) return ret(cudaErrorInvalidResourceHandle);
    drain(s, s->enq); /* queued work still completes */
    s->live = 0;      /* kept: events recorded on it stay valid */
    g_live_streams--;
    return ret(cudaSuccess);
}

cudaError_t cudaStreamSynchronize(cudaStream_t s)
{
    lock();
    struct wmel_emu_stream *t = S(s);
    g_waits++;
    if (!t->live) return ret(cudaErrorInvalidResourceHandle);
    if (t->capturing) return ret(cudaErrorStreamCaptureUnsupported);
    cudaError_t e = fault();
    drain(t, t->enq);
    return ret(e);
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t *ev, unsigned flags)
{
    (void)flags;
    lock();
    cudaError_t e = fault();
    if (e != cudaSuccess) return ret(e);
    if (!ev) return ret(cudaErrorInvalidValue);
    *ev = calloc(1, sizeof **ev);
    if (*ev) g_live_events++;
    return ret(*ev ? cudaSuccess : cudaErrorMemoryAllocation);
}

cudaError_t cudaEventCreate(cudaEvent_t *ev) { return cudaEventCreateWithFlags(ev, cudaEventDefault); }

cudaError_t cudaEventDestroy(cudaEvent_t ev)
{
    lock();
    if (!ev) return ret(cudaErrorInvalidResourceHandle);
    stamp_release(ev->st);
    free(ev);
    g_live_events--;
    return ret(cudaSuccess);
}

cudaError_t cudaEventRecord(cudaEvent_t ev, cudaStream_t s)
{
    lock();
    cudaError_t e = fault();
    if (e != cudaSuccess) return ret(e);
    if (!ev) return ret(cudaErrorInvalidResourceHandle);
    struct wmel_emu_stream *t = S(s);
    if (!t->live) return ret(cudaErrorInvalidResourceHandle);
    if (t != &g_null && !(t->flags & cudaStreamNonBlocking)) {
        e = push_wait(t, &g_null, g_null.enq);
        if (e != cudaSuccess) return ret(e);
    }
    /* a marker that notes the time the stream reaches it (for cudaEventElapsedTime) */
    op *o = new_op(OP_STAMP);
    stamp *st = calloc(1, sizeof *st);
    if (!o || !st) {
        free(o);
        free(st);
        return ret(cudaErrorMemoryAllocation);
    }
    st->refs = 2;
    o->st = st;
    push(t, o);
    stamp_release(ev->st);
    ev->st = st;
    ev->s = t;
    ev->seq = t->enq;
    ev->recorded = 1;
    return ret(cudaSuccess);
}

cudaError_t cudaEventSynchronize(cudaEvent_t ev)
{
    lock();
    g_waits++;
    cudaError_t e = fault();
    if (e != cudaSuccess) return ret(e);
    if (!ev) return ret(cudaErrorInvalidResourceHandle);
    if (ev->recorded) drain(ev->s, ev->seq); /* never recorded: complete */
    return ret(cudaSuccess);
}

cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t ev, unsigned flags)
{
    (void)flags;
    lock();
    cudaError_t e = fault();
    if (e != cudaSuccess) return ret(e);
    if (!ev) return ret(cudaErrorInvalidResourceHandle);
    struct wmel_emu_stream *t = S(s);
    if (!t->live) return ret(cudaErrorInvalidResourceHandle);
    if (ev->recorded) e = push_wait(t, ev->s, ev->seq);
    return ret(e);
}

cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b)
{
    lock();
    if (!ms || !a || !b) return ret(cudaErrorInvalidValue);
    if (!a->recorded || !b->recorded) return ret(cudaErrorInvalidResourceHandle);
    if (!a->st->done || !b->st->done) return ret(cudaErrorNotReady);
    *ms = (float)((b->st->t - a->st->t) * 1e3); /* host time of the emulated work between them */
    return ret(cudaSuccess);
}

cudaError_t wmel_emu_enqueue_host(cudaStream_t s, void (*fn)(void *), void *arg, void (*release)(void *))
{
    lock();
    op *o = new_op(OP_HOST);
    if (!o) return ret(cudaErrorMemoryAllocation);
    o->fn = fn;
    o->arg = arg;
    o->rel = release;
    return ret(enqueue(S(s), o));
}

/* ---------------------------------------------------------------- kernel attributes */

typedef struct {
    const void *func;
    int max_dyn;
} fattr;
static fattr g_fattr[64];
static int g_nfattr;

static fattr *attr_of(const void *func, int create)
{
    for (int i = 0; i < g_nfattr; i++)
        if (g_fattr[i].func == func) return &g_fattr[i];
    if (!create || g_nfattr == (int)(sizeof g_fattr / sizeof g_fattr[0])) return NULL;
    g_fattr[g_nfattr] = (fattr){func, SMEM_DEFAULT};
    return &g_fattr[g_nfattr++];
}

cudaError_t wmel_emu_func_set_attribute(const void *func, enum cudaFuncAttribute a, int value)
{
    lock();
    if (!func) return ret(cudaErrorInvalidValue);
    if (g_no_image) return ret(cudaErrorNoKernelImageForDevice);
    if (a != cudaFuncAttributeMaxDynamicSharedMemorySize || value < 0 || value > SMEM_OPTIN)
        return ret(cudaErrorInvalidValue);
    fattr *f = attr_of(func, 1);
    if (!f) return ret(cudaErrorMemoryAllocation);
    f->max_dyn = value;
    return ret(cudaSuccess);
}

cudaError_t wmel_emu_func_get_attributes(struct cudaFuncAttributes *a, const void *func)
{
    lock();
    if (!a || !func) return ret(cudaErrorInvalidValue);
    if (g_no_image) return ret(cudaErrorNoKernelImageForDevice);
    memset(a, 0, sizeof *a);
    fattr *f = attr_of(func, 0);
    a->maxThreadsPerBlock = MAX_THREADS;
    a->maxDynamicSharedSizeBytes = f ? f->max_dyn : SMEM_DEFAULT;
    a->binaryVersion = a->ptxVersion = 90;
    return ret(cudaSuccess);
}

/* ---------------------------------------------------------------- kernels */

cudaError_t wmel_emu_launch(cudaStream_t s, const void *func, const unsigned grid[3], const unsigned block[3],
                            size_t dyn_smem, void (*body)(void *), void *args, void (*release)(void *))
{
    lock();
    cudaError_t e = fault();
    if (e == cudaSuccess && g_no_image) e = cudaErrorNoKernelImageForDevice;
    unsigned long long nt = (unsigned long long)block[0] * block[1] * block[2];
    if (e == cudaSuccess &&
        (!grid[0] || !grid[1] || !grid[2] || grid[0] > 0x7fffffffu || grid[1] > 65535 || grid[2] > 65535 ||
         !block[0] || !block[1] || !block[2] || block[0] > 1024 || block[1] > 1024 || block[2] > 64 ||
         nt > MAX_THREADS))
        e = cudaErrorInvalidConfiguration;
    if (e == cudaSuccess) {
        fattr *f = attr_of(func, 0);
        if (dyn_smem > (size_t)(f ? f->max_dyn : SMEM_DEFAULT)) e = cudaErrorInvalidValue;
    }
    struct wmel_emu_stream *t = S(s);
    if (e == cudaSuccess && !t->live) e = cudaErrorInvalidResourceHandle;
    op *o = NULL;
    if (e == cudaSuccess && !(o = new_op(OP_KERNEL))) e = cudaErrorMemoryAllocation;
    if (e != cudaSuccess) {
        release(args);
        return ret(e);
    }
    o->k = (launch){func, {grid[0], grid[1], grid[2]}, {block[0], block[1], block[2]}, dyn_smem, body, args, release};
    e = enqueue(t, o);
    if (e != cudaSuccess) release(args);
    else g_kernels++;
    return ret(e);
}

void wmel_emu_enqueued(unsigned long *kernels, unsigned long *memsets)
{
    lock();
    if (kernels) *kernels = g_kernels;
    if (memsets) *memsets = g_memsets;
    unlock();
}

void wmel_emu_allocs_waits(unsigned long *allocs, unsigned long *waits)
{
    lock();
    if (allocs) *allocs = g_dev_allocs;
    if (waits) *waits = g_waits;
    unlock();
}

void wmel_emu_host_copies(unsigned long *copies, unsigned long long *bytes)
{
    lock();
    if (copies) *copies = g_host_copies;
    if (bytes) *bytes = g_host_copy_bytes;
    unlock();
}

enum { F_RUN, F_BAR, F_SHFL, F_DONE };

typedef struct fiber {
#ifdef EMU_FAST_SWITCH
    void *sp;
#else
    ucontext_t uc;
#endif
    char *stack;
    int state;
    int kind, pred;                  /* F_BAR: barrier kind and predicate; result in pred */
    unsigned mask;                   /* F_SHFL */
    int op, arg, width;
    unsigned long long val;
    emu_uint3 tid;
    void *fake;                      /* ASan's fake stack while switched out */
} fiber;

static fiber *g_fib;                 /* MAX_THREADS of them, stacks made on first use */
static fiber *g_cur;
static launch *g_run;
#ifdef EMU_FAST_SWITCH
static void *g_sched_sp;
#else
static ucontext_t g_sched;
#endif
static unsigned char *g_dyn;
static size_t g_dyn_cap;
static unsigned g_live, g_nbar, g_nshfl; /* the block's fibers not done / at a barrier / at a shuffle */
#ifdef EMU_ASAN
static const void *g_sched_bottom;
static size_t g_sched_size;
#endif

void *wmel_emu_dynamic_shared(void) { return g_dyn; }

/* In a fiber: back to the scheduler (for good when `exiting`). */
static void to_sched(fiber *f, int exiting)
{
#ifdef EMU_ASAN
    __sanitizer_start_switch_fiber(exiting ? NULL : &f->fake, g_sched_bottom, g_sched_size);
#else
    (void)exiting;
#endif
#ifdef EMU_FAST_SWITCH
    wmel_emu_switch(&f->sp, g_sched_sp);
#else
    swapcontext(&f->uc, &g_sched);
#endif
#ifdef EMU_ASAN
    __sanitizer_finish_switch_fiber(f->fake, &g_sched_bottom, &g_sched_size);
#endif
}

static void fiber_main(void)
{
    fiber *f = g_cur;
#ifdef EMU_ASAN
    __sanitizer_finish_switch_fiber(NULL, &g_sched_bottom, &g_sched_size);
#endif
    g_run->body(g_run->args);
    f->state = F_DONE;
    g_live--;
    to_sched(f, 1);
}

static void switch_to(fiber *f)
{
    g_cur = f;
    wmel_emu_threadIdx = f->tid;
#ifdef EMU_ASAN
    void *fake = NULL;
    __sanitizer_start_switch_fiber(&fake, f->stack, STACK_BYTES);
#endif
#ifdef EMU_FAST_SWITCH
    wmel_emu_switch(&g_sched_sp, f->sp);
#else
    swapcontext(&g_sched, &f->uc);
#endif
#ifdef EMU_ASAN
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
}

int wmel_emu_sync(int kind, int pred)
{
    fiber *f = g_cur;
    if (!f) die("__syncthreads outside a kernel");
    f->state = F_BAR;
    f->kind = kind;
    f->pred = pred != 0;
    g_nbar++;
    to_sched(f, 0);
    return f->pred;
}

unsigned long long wmel_emu_shfl(unsigned mask, unsigned long long v, int how, int arg, int width)
{
    fiber *f = g_cur;
    if (!f) die("a warp shuffle outside a kernel");
    if (width <= 0 || width > 32 || (width & (width - 1)))
        die("shuffle width %d is not a power of two up to 32 (block x %u, thread %td)",
            width, wmel_emu_blockIdx.x, f - g_fib);
    f->state = F_SHFL;
    g_nshfl++;
    f->mask = mask;
    f->val = v;
    f->op = how;
    f->arg = arg;
    f->width = width;
    to_sched(f, 0);
    return f->val;
}

static unsigned long long g_rng = 0x9E3779B97F4A7C15ull;
static unsigned long long rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static unsigned long long gcd(unsigned long long a, unsigned long long b)
{
    while (b) {
        unsigned long long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* A permutation of [0, n) as i -> (i * mul + add) % n. */
typedef struct {
    unsigned long long n, mul, add;
} perm;

static perm make_perm(unsigned long long n)
{
    perm p = {n, 1, 0};
    if (g_order == 1 && n > 0) {
        p.mul = n - 1; /* i -> n - 1 - i: mul = -1, add = n - 1 (mod n) */
        p.add = n - 1;
    } else if (g_order == 2 && n > 1) {
        p.add = rnd() % n;
        do p.mul = rnd() % n; while (p.mul == 0 || gcd(p.mul, n) != 1);
    }
    return p;
}

static unsigned long long at(const perm *p, unsigned long long i)
{
    if (p->mul == 1 && p->add == 0) return i;
    return (unsigned long long)(((unsigned __int128)i * p->mul + p->add) % p->n);
}

/* Releases the warp starting at lane w0 of n threads if all its live lanes wait at a
 * shuffle; 1 if released. */
static int warp_release(unsigned w0, unsigned n, unsigned long long blk)
{
    unsigned end = w0 + 32 < n ? w0 + 32 : n, waiting = 0, live = 0;
    for (unsigned i = w0; i < end; i++) {
        live += g_fib[i].state != F_DONE;
        waiting += g_fib[i].state == F_SHFL;
    }
    if (!waiting || waiting != live) return 0;
    unsigned long long res[32];
    for (unsigned i = w0; i < end; i++) {
        fiber *f = &g_fib[i];
        if (f->state != F_SHFL) continue;
        const unsigned lane = i - w0, w = (unsigned)f->width, li = lane % w, base = lane - li;
        if (!(f->mask >> lane & 1))
            die("block %llu: lane %u shuffles with a mask that leaves itself out", blk, lane);
        unsigned src = lane;
        switch (f->op) {
        case 0: src = (li ^ (unsigned)f->arg) < w ? base + (li ^ (unsigned)f->arg) : lane; break;
        case 1: src = li + (unsigned)f->arg < w ? lane + (unsigned)f->arg : lane; break;
        case 2: src = li >= (unsigned)f->arg ? lane - (unsigned)f->arg : lane; break;
        default: src = base + ((unsigned)f->arg % w); break;
        }
        for (unsigned j = 0; j < 32; j++) {
            if (!(f->mask >> j & 1)) continue;
            const fiber *g = w0 + j < end ? &g_fib[w0 + j] : NULL;
            if (!g || g->state != F_SHFL || g->mask != f->mask || g->op != f->op || g->width != f->width)
                die("block %llu: warp at thread %u shuffles while a lane named in its mask does not "
                    "take part in the same shuffle (exited, elsewhere, or past the block)", blk, w0);
        }
        if (!(f->mask >> src & 1))
            die("block %llu: lane %u reads lane %u, which is not in the shuffle's mask", blk, lane, src);
        res[lane] = g_fib[w0 + src].val;
    }
    for (unsigned i = w0; i < end; i++)
        if (g_fib[i].state == F_SHFL) {
            g_fib[i].val = res[i - w0];
            g_fib[i].state = F_RUN;
            g_nshfl--;
        }
    return 1;
}

/* A fresh fiber for thread `tid` (its own function: getcontext returns twice). */
static __attribute__((noinline)) void fiber_init(fiber *f, emu_uint3 tid)
{
    if (!f->stack) {
        char *m = mmap(NULL, GUARD_BYTES + STACK_BYTES, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (m == MAP_FAILED || mprotect(m, GUARD_BYTES, PROT_NONE) != 0)
            die("cannot map a fiber stack (%zu bytes)", STACK_BYTES);
        f->stack = m + GUARD_BYTES;
    }
    f->tid = tid;
    f->state = F_RUN;
#ifdef EMU_FAST_SWITCH
    /* the first switch pops six zero registers and "returns" into fiber_main, which sees
     * the stack of a function just called (rsp = 8 mod 16) and never returns */
    void **sp = (void **)(((uintptr_t)f->stack + STACK_BYTES) & ~(uintptr_t)15);
    *--sp = NULL;
    *--sp = (void *)(uintptr_t)fiber_main;
    for (int i = 0; i < 6; i++) *--sp = NULL;
    f->sp = sp;
#else
    getcontext(&f->uc);
    f->uc.uc_stack.ss_sp = f->stack;
    f->uc.uc_stack.ss_size = STACK_BYTES;
    f->uc.uc_link = NULL;
    makecontext(&f->uc, fiber_main, 0);
#endif
}

static void run_block(launch *L, unsigned n, unsigned long long blk)
{
    const unsigned bx = L->b[0], by = L->b[1];
    if (n == bx)
        for (unsigned i = 0; i < n; i++) fiber_init(&g_fib[i], (emu_uint3){i, 0, 0});
    else
        for (unsigned i = 0; i < n; i++) fiber_init(&g_fib[i], (emu_uint3){i % bx, (i / bx) % by, i / (bx * by)});
    if (L->smem) memset(g_dyn, 0xFF, L->smem); /* shared memory starts as NaN garbage */
    g_live = n;
    g_nbar = g_nshfl = 0;
    perm tp = make_perm(n);
    for (;;) {
        for (unsigned k = 0; k < n; k++) {
            fiber *f = &g_fib[at(&tp, k)];
            if (f->state == F_RUN) switch_to(f);
        }
        g_cur = NULL;
        if (!g_live) break;
        if (g_nshfl) {
            int released = 0;
            for (unsigned w0 = 0; w0 < n; w0 += 32) released |= warp_release(w0, n, blk);
            if (released) continue;
        }
        if (g_nbar != g_live)
            die("block %llu: deadlock: %u threads wait at __syncthreads while others wait at a warp "
                "shuffle their warp never completes", blk, g_nbar);
        unsigned any = 0, all = 1, count = 0, kind = 0, first = 1;
        for (unsigned i = 0; i < n; i++) {
            const fiber *f = &g_fib[i];
            if (f->state != F_BAR) continue;
            if (!first && (unsigned)f->kind != kind)
                die("block %llu: threads wait at different kinds of __syncthreads (thread %u)", blk, i);
            kind = (unsigned)f->kind;
            first = 0;
            any |= (unsigned)f->pred;
            all &= (unsigned)f->pred;
            count += (unsigned)f->pred;
        }
        const int r = kind == 1 ? (int)any : kind == 2 ? (int)all : kind == 3 ? (int)count : 0;
        for (unsigned i = 0; i < n; i++)
            if (g_fib[i].state == F_BAR) {
                g_fib[i].pred = r;
                g_fib[i].state = F_RUN;
            }
        g_nbar = 0;
    }
}

static void run_kernel(launch *L)
{
    const unsigned n = L->b[0] * L->b[1] * L->b[2];
    if (!g_fib) {
        g_fib = calloc(MAX_THREADS, sizeof *g_fib);
        if (!g_fib) die("out of memory for fibers");
    }
    if (L->smem > g_dyn_cap) {
        free(g_dyn);
        g_dyn = aligned_alloc(256, (L->smem + 255) & ~(size_t)255);
        if (!g_dyn) die("out of memory for shared memory (%zu bytes)", L->smem);
        g_dyn_cap = L->smem;
    }
    launch *prev = g_run;
    g_run = L;
    wmel_emu_blockDim = (emu_uint3){L->b[0], L->b[1], L->b[2]};
    wmel_emu_gridDim = (emu_uint3){L->g[0], L->g[1], L->g[2]};
    const unsigned long long nb = (unsigned long long)L->g[0] * L->g[1] * L->g[2];
    perm bp = make_perm(nb);
    for (unsigned long long k = 0; k < nb; k++) {
        const unsigned long long b = at(&bp, k);
        wmel_emu_blockIdx = (emu_uint3){(unsigned)(b % L->g[0]), (unsigned)(b / L->g[0] % L->g[1]),
                                        (unsigned)(b / ((unsigned long long)L->g[0] * L->g[1]))};
        run_block(L, n, b);
    }
    g_run = prev;
}
