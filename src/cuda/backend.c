/*
 * backend.c -- the CUDA backend's host side: device choice and plan upload at create
 * time, the host-pointer path (pinned staging buffers, a copy stream and a compute
 * stream, frames launched as their samples arrive), the zero-copy device-pointer
 * path on the caller's stream, per-op backend reporting, and CUDA errors turned into
 * WMEL_ERR_CUDA with the runtime's message kept per thread. Any other plan (the general
 * algorithm): its tables uploaded at create time, then each call's frames computed on the
 * device (plan_frames, plan_frames_batch) and finished there too where the device's finish
 * makes the plan's (plan_finish, plan_frames_batch's out: the normalisation or none, the
 * appended finish's rules, the per-column scales, stacking, the clip's max clamp, the post
 * stage), else on the CPU (fe_cpu.c); the cepstra too (the DCT in the frames' kernel).
 *
 * The kernels are in kernels.cu (Whisper's geometry: the algorithm of src/cpu/kernel.inc
 * in float64) and plan_kernels.cu (any other plan's frames and finish, float64 or
 * float-float: cuda_arith).
 */
#include "../internal.h"
#include "../devplan.h"
#include "../fe/fe.h"
#include "cuda_internal.h"
#include "stem_cuda.h"

#include <cuda_runtime_api.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_OPS 8
#define STAGE_BYTES ((size_t)8 << 20) /* one pinned staging buffer; two per ctx */

typedef struct cuda_state {
    int device;
    void *plan;               /* device: doubles then ints */
    const double *plan_d;
    const int *plan_i;
    int wff;                  /* Whisper's geometry in float-float: plan_d holds (hi, lo) pairs */
    atomic_int op_backend[N_OPS];
    /* the host-pointer path's resources, created on first use, under `lock` */
    pthread_mutex_t lock;
    int host_ready;
    cudaStream_t copy, compute;
    cudaEvent_t staged[2];    /* pinned[i] may be refilled */
    cudaEvent_t arrived;      /* samples uploaded so far */
    cudaEvent_t done;         /* results ready for download */
    void *pinned[2];
    int *pinned_flag;
    /* the general algorithm (any plan but Whisper's geometry on its own kernels): the
       frames' values for fe_cpu.c's finish (plan_frames); plan is then the tables */
    int general;
    int plan_ok;              /* 0: the frame does not fit k_plan_frames (the CPU's frames) */
    wmel_cu_frames geo;       /* the launch's plan part (tables on the device) */
    uint32_t ff_lim;          /* float-float: the bits of the largest |sample| whose frame
                                 stays inside float's range (wmel__ff_limit); a clip with any
                                 sample past it (or not finite) runs the float64 kernel */
    const double *tab64;      /* device: the float64 tables (geo.tab's pairs with float-float) */
    int finish;               /* the plan's finish may run on the device (k_plan_finish) */
    int post;                 /* and its post stage after it (k_plan_post) */
    int ceps;                 /* the plan's cepstra computed on the device (k_plan_frames) */
    wmel_cu_finish fin;       /* its launch's plan part */
    int finish_off;           /* WMEL_CUDA_DEVICE_FINISH=0 when the ctx was made */
} cuda_state;

/* The runtime's message kept for wmel_cuda_error_detail() (base.c). */
static int cu_fail(cudaError_t e, const char *what)
{
    char msg[480];
    snprintf(msg, sizeof msg, "%s: %s (%s)%s", what, cudaGetErrorString(e), cudaGetErrorName(e),
             e == cudaErrorStreamCaptureUnsupported
                 ? "; this device has no stream-ordered memory pools (cudaMallocAsync), and the cudaMalloc "
                   "and wait that replace them cannot be captured into a CUDA graph: pass the call device "
                   "scratch of your own (wmel_cuda_device_scratch), capture on a device with memory pools, or "
                   "make this call outside the capture"
                 : "");
    return wmel__detail(msg);
}

/* Makes `dev` current; remembers the caller's device in *prev. */
static cudaError_t enter_device(int dev, int *prev)
{
    cudaError_t e = cudaGetDevice(prev);
    if (e != cudaSuccess) return e;
    return *prev == dev ? cudaSuccess : cudaSetDevice(dev);
}

static void leave_device(int dev, int prev)
{
    if (prev != dev) cudaSetDevice(prev);
}

static int cuda_available(const wmel_params *p)
{
    const int device = p->cuda_device;
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        cudaGetLastError(); /* clear: "no device" is not an error of the caller's */
        return 0;
    }
    if (device >= count) return 0;
    int prev = 0;
    if (enter_device(device, &prev) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    int ok = wmel__cu_prepare() == cudaSuccess; /* the kernels have an image for this device */
    if (!ok) cudaGetLastError();
    leave_device(device, prev);
    return ok;
}

/* AUTO's device: params.cuda_device, named by its properties; a GPU, but for the CUDA
 * emulator of the tests (a CPU device, as lavapipe is for Vulkan: timed by AUTO only with
 * WMEL_AUTO_MEASURE_ANY or WMEL_AUTO_PROBE=1). */
static int cuda_auto_device(const wmel_params *p, wmel_dev_id *d)
{
    struct cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, p->cuda_device) != cudaSuccess) {
        cudaGetLastError();
        return -1;
    }
    memset(d, 0, sizeof *d);
    d->index = p->cuda_device;
#ifdef WMEL_CUDA_EMU
    d->gpu = 0;
#else
    d->gpu = 1;
#endif
    for (size_t i = 0; i < sizeof prop.name && i < sizeof d->id && prop.name[i]; i++) d->id[i] = (unsigned char)prop.name[i];
    return 0;
}

/* ---------------------------------------------------------------- create / destroy */

static int general_init(wmel_ctx *ctx);

/* The arithmetic of a ctx's plan frames (k_plan_frames): *ff 1 float-float, 0 float64.
 * WMEL_CUDA_ARITHMETIC=float64 | float-float (read when a ctx is made; any other value is
 * refused with WMEL_ERR_INVALID_ARG and a detail naming the switch); unset or empty:
 * float64 on the devices whose float64 is fast (compute capability 6.0, 7.0, 8.0, 9.0:
 * P100, V100, A100, H100 / H200), float-float on the others (float64 at 1/32 - 1/64 of
 * float32's rate); query 0 checks the switch only (Whisper's geometry, kernels.cu, is
 * float64 either way). */
static int cuda_arith(int device, int *ff, int query)
{
    const char *env = wmel__env(WMEL__CFG_CUDA_ARITHMETIC);
    if (env && *env) {
        if (!strcmp(env, "float64") || !strcmp(env, "float-float")) {
            *ff = env[5] == '-';
            return WMEL_OK;
        }
        char msg[160];
        snprintf(msg, sizeof msg, "WMEL_CUDA_ARITHMETIC=%.60s: expected float64 or float-float", env);
        wmel__detail(msg);
        return WMEL_ERR_INVALID_ARG;
    }
    *ff = 0;
    if (!query) return WMEL_OK; /* the switch checked only */
    int major = 0, minor = 0;
    cudaError_t e = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
    if (e == cudaSuccess) e = cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
    if (e != cudaSuccess) {
        cu_fail(e, "reading the device's compute capability");
        cudaGetLastError();
        return WMEL_ERR_BACKEND_UNAVAILABLE;
    }
    *ff = !(minor == 0 && major >= 6 && major <= 9);
    return WMEL_OK;
}

_Static_assert(sizeof(wmel_cu_f2) == sizeof(double), "a float-float table entry in a double's 8 bytes");

/* d as a float-float pair: hi = (float)d, lo = (float)(d - hi) (exact to 2^-48 relative) */
static wmel_cu_f2 f2_of(double d)
{
    wmel_cu_f2 r;
    r.hi = (float)d;
    r.lo = isfinite(d) ? (float)(d - (double)r.hi) : 0.0f;
    return r;
}


/* The host's tables (bytes of hd) to the device as st->plan, then the kernels' preparation;
 * on a failure st is released and freed, and the status returned (a CUDA error as
 * WMEL_ERR_BACKEND_UNAVAILABLE: the ctx is not made). */
static int upload_plan(cuda_state *st, const void *hd, size_t bytes, int (*prepare)(void))
{
    int prev = 0, rc = WMEL_OK;
    cudaError_t e = enter_device(st->device, &prev);
    if (e != cudaSuccess) {
        rc = cu_fail(e, "selecting the CUDA device");
    } else {
        if ((e = cudaMalloc(&st->plan, bytes)) != cudaSuccess)
            rc = cu_fail(e, "allocating the device plan");
        else if ((e = cudaMemcpy(st->plan, hd, bytes, cudaMemcpyHostToDevice)) != cudaSuccess)
            rc = cu_fail(e, "uploading the device plan");
        else if ((e = (cudaError_t)prepare()) != cudaSuccess)
            rc = cu_fail(e, "preparing the kernels");
        leave_device(st->device, prev);
    }
    if (rc == WMEL_OK) return WMEL_OK;
    cudaGetLastError();
    if (st->plan) cudaFree(st->plan);
    pthread_mutex_destroy(&st->lock);
    free(st);
    return rc == WMEL_ERR_CUDA ? WMEL_ERR_BACKEND_UNAVAILABLE : rc;
}

static int cuda_init(wmel_ctx *ctx)
{
    if (ctx->fe->algo == &wmel__algo_general) return general_init(ctx);
    int ff = 0; /* the switch's arithmetic (arith.c's rule after it) */
    int arc = cuda_arith(ctx->params.cuda_device, &ff, 0);
    if (arc == WMEL_OK) arc = wmel__cu_arith_pick(ctx, 1, &ff);
    if (arc != WMEL_OK) return arc;
    const wmel_plan *pl = ctx->fe->pfa400;
    const int n_mels = pl->n_mels;
    cuda_state *st = calloc(1, sizeof *st);
    if (!st) return WMEL_ERR_NO_MEMORY;
    st->device = ctx->params.cuda_device;
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        free(st);
        return WMEL_ERR_THREAD;
    }
    for (int i = 0; i < N_OPS; i++) atomic_init(&st->op_backend[i], WMEL_BACKEND_CUDA);

    const size_t nd = WMEL_CU_MELW + (size_t)pl->mel_nnz, ni = 3 * (size_t)n_mels;
    double *hd = malloc(nd * sizeof(double) + ni * sizeof(int));
    if (!hd) {
        pthread_mutex_destroy(&st->lock);
        free(st);
        return WMEL_ERR_NO_MEMORY;
    }
    int *hi = (int *)(hd + nd);
    memcpy(hd + WMEL_CU_WIN, pl->window_d, sizeof pl->window_d);
    memcpy(hd + WMEL_CU_TW200R, pl->tw200_re, sizeof pl->tw200_re);
    memcpy(hd + WMEL_CU_TW200I, pl->tw200_im, sizeof pl->tw200_im);
    memcpy(hd + WMEL_CU_TW25R, pl->tw25_re, sizeof pl->tw25_re);
    memcpy(hd + WMEL_CU_TW25I, pl->tw25_im, sizeof pl->tw25_im);
    memcpy(hd + WMEL_CU_POSTR, pl->post_re, sizeof pl->post_re);
    memcpy(hd + WMEL_CU_POSTI, pl->post_im, sizeof pl->post_im);
    memcpy(hd + WMEL_CU_MELW, pl->mel_wd, (size_t)pl->mel_nnz * sizeof(double));
    memcpy(hi, pl->mel_lo, (size_t)n_mels * sizeof(int));
    memcpy(hi + n_mels, pl->mel_len, (size_t)n_mels * sizeof(int));
    memcpy(hi + 2 * n_mels, pl->mel_off, (size_t)n_mels * sizeof(int));
    if (ff) /* float-float: each entry's (hi, lo) pair in its own 8 bytes */
        for (size_t i = 0; i < nd; i++) {
            const wmel_cu_f2 f = f2_of(hd[i]);
            memcpy(hd + i, &f, sizeof f);
        }

    const int rc = upload_plan(st, hd, nd * sizeof(double) + ni * sizeof(int), wmel__cu_prepare);
    free(hd);
    if (rc != WMEL_OK) return rc;
    st->plan_d = (const double *)st->plan;
    st->plan_i = (const int *)((const double *)st->plan + nd);
    st->wff = ff;
    ctx->state = st;
    snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "cuda-%sfft-t%d", ff ? "ff" : "f64", WMEL_CU_TILE);
    return WMEL_OK;
}

static void host_release(cuda_state *st)
{
    if (!st->host_ready) return;
    cudaStreamSynchronize(st->copy);
    cudaStreamSynchronize(st->compute);
    for (int i = 0; i < 2; i++) {
        if (st->staged[i]) cudaEventDestroy(st->staged[i]);
        if (st->pinned[i]) cudaFreeHost(st->pinned[i]);
    }
    if (st->arrived) cudaEventDestroy(st->arrived);
    if (st->done) cudaEventDestroy(st->done);
    if (st->pinned_flag) cudaFreeHost(st->pinned_flag);
    if (st->copy) cudaStreamDestroy(st->copy);
    if (st->compute) cudaStreamDestroy(st->compute);
    st->host_ready = 0;
}

static void cuda_free(wmel_ctx *ctx)
{
    cuda_state *st = ctx->state;
    if (!st) return;
    int prev = 0;
    if (enter_device(st->device, &prev) == cudaSuccess) {
        host_release(st);
        cudaFree(st->plan);
        leave_device(st->device, prev);
    }
    cudaGetLastError();
    pthread_mutex_destroy(&st->lock);
    free(st);
    ctx->state = NULL;
}

/* Streams, events and pinned buffers for the host path (lock held, device current). */
static int host_setup(cuda_state *st)
{
    if (st->host_ready) return WMEL_OK;
    cudaError_t e;
    st->host_ready = 1; /* host_release copes with a half-built set */
    if ((e = cudaStreamCreateWithFlags(&st->copy, cudaStreamNonBlocking)) != cudaSuccess ||
        (e = cudaStreamCreateWithFlags(&st->compute, cudaStreamNonBlocking)) != cudaSuccess ||
        (e = cudaEventCreateWithFlags(&st->staged[0], cudaEventDisableTiming)) != cudaSuccess ||
        (e = cudaEventCreateWithFlags(&st->staged[1], cudaEventDisableTiming)) != cudaSuccess ||
        (e = cudaEventCreateWithFlags(&st->arrived, cudaEventDisableTiming)) != cudaSuccess ||
        (e = cudaEventCreateWithFlags(&st->done, cudaEventDisableTiming)) != cudaSuccess ||
        (e = cudaMallocHost(&st->pinned[0], STAGE_BYTES)) != cudaSuccess ||
        (e = cudaMallocHost(&st->pinned[1], STAGE_BYTES)) != cudaSuccess ||
        (e = cudaMallocHost((void **)&st->pinned_flag, sizeof(int))) != cudaSuccess) {
        int rc = cu_fail(e, "setting up CUDA streams and pinned staging buffers");
        host_release(st);
        cudaGetLastError();
        return rc;
    }
    return WMEL_OK;
}

/* ---------------------------------------------------------------- per-op reporting */

static void note_op(wmel_ctx *ctx, int op, int backend)
{
    cuda_state *st = ctx->state;
    if (st && op >= 0 && op < N_OPS) atomic_store(&st->op_backend[op], backend);
}

static const char *cuda_op_backend(const wmel_ctx *ctx, int op)
{
    const cuda_state *st = ctx->state;
    if (op == WMEL_OP_STREAM) return "cpu"; /* the frame engine has no CUDA path */
    /* device pointers: wmel_cuda_features_device where the device makes the plan's features
       (Whisper's geometry on its own kernels: always), none where the plan's n_samples cuts or
       pads the clip first, on the host */
    if (op == WMEL_OP_DEVICE && (ctx->fplan.n_samples > 0 || st->general))
        return st->plan_ok && st->finish && ctx->fplan.n_samples <= 0 ? "cuda" : "none";
    switch (atomic_load(&((cuda_state *)st)->op_backend[op])) {
    case WMEL_BACKEND_CPU: return "cpu";
    case WMEL_BACKEND_REF: return "ref";
    default: return "cuda";
    }
}

/* ---------------------------------------------------------------- host pointers */

typedef struct host_call {
    const char *src;          /* host samples (bytes) */
    size_t elt, n, stride;    /* bytes per sample, samples per clip, clip stride */
    size_t batch;
    wmel_cu_launch l;
} host_call;

/* Copies flattened device-order bytes [g, g + len) of the clips into dst. */
static void gather(const host_call *hc, size_t g, size_t len, char *dst)
{
    const size_t clip_bytes = hc->n * hc->elt;
    while (len) {
        size_t c = g / clip_bytes, off = g - c * clip_bytes;
        size_t run = clip_bytes - off < len ? clip_bytes - off : len;
        memcpy(dst, hc->src + (c * hc->stride) * hc->elt + off, run);
        dst += run;
        g += run;
        len -= run;
    }
}

/* Enqueues the frames whose samples are on the device: `avail` samples of the flattened
 * clips have arrived; *c_done / *f_done track the work already launched. */
static cudaError_t launch_ready(cuda_state *st, host_call *hc, size_t avail, size_t *c_done,
                                long long *f_done)
{
    const size_t total = hc->n * hc->batch;
    wmel_cu_launch l = hc->l;
    if (avail >= total) { /* everything: the rest of the current clip, then whole clips */
        if (*f_done > 0 && *c_done < hc->batch) {
            l.pcm = hc->l.pcm ? (const char *)hc->l.pcm + *c_done * hc->n * hc->elt : NULL;
            l.out = hc->l.out + *c_done * hc->l.out_stride;
            l.keys = hc->l.keys + (hc->l.global_key ? 0 : *c_done);
            l.n_clips = 1;
            l.f_begin = *f_done;
            cudaError_t e = (cudaError_t)wmel__cu_logmel(&l, st->compute);
            if (e != cudaSuccess) return e;
            ++*c_done;
            *f_done = 0;
            l = hc->l;
        }
        avail = total;
    }
    size_t full = avail / hc->n; /* clips completely uploaded */
    if (full > *c_done) {
        l.pcm = (const char *)hc->l.pcm + *c_done * hc->n * hc->elt;
        l.out = hc->l.out + *c_done * hc->l.out_stride;
        l.keys = hc->l.keys + (hc->l.global_key ? 0 : *c_done);
        l.n_clips = full - *c_done;
        l.f_begin = 0;
        l.f_end = hc->l.nf;
        cudaError_t e = (cudaError_t)wmel__cu_logmel(&l, st->compute);
        if (e != cudaSuccess) return e;
        *c_done = full;
        *f_done = 0;
    }
    if (*c_done < hc->batch && hc->batch == 1) {
        /* a long single stream: frame f reads samples below 160 f + 200 (no end
         * reflection while avail < n), so frames up to (avail - 200) / 160 can go */
        size_t got = avail - *c_done * hc->n;
        long long ready = got > 200 ? (long long)((got - 200) / 160) + 1 : 0;
        if (ready > hc->l.nf) ready = hc->l.nf;
        if (ready - *f_done >= 4096) {
            l = hc->l;
            l.n_clips = 1;
            l.f_begin = *f_done;
            l.f_end = ready;
            cudaError_t e = (cudaError_t)wmel__cu_logmel(&l, st->compute);
            if (e != cudaSuccess) return e;
            *f_done = ready;
        }
    }
    return cudaSuccess;
}

static int host_run(const wmel_ctx *ctx, cuda_state *st, host_call *hc, float *out, size_t per, int normalize,
                    int smooth)
{
    const size_t in_bytes = hc->n * hc->batch * hc->elt;
    const size_t out_bytes = per * hc->batch * sizeof(float);
    const size_t nkeys = hc->l.global_key ? 1 : hc->batch;
    const size_t edge_bytes =
        smooth ? wmel__cu_smooth_scratch(hc->l.n_mels, (size_t)hc->l.nf, hc->batch) : 0;
    void *d_in = NULL, *d_out = NULL, *d_aux = NULL, *d_edges = NULL;
    cudaError_t e;
    int rc = WMEL_OK;
    const char *what = "";

#define TRY(call, msg)                   \
    do {                                 \
        if ((e = (call)) != cudaSuccess) { \
            what = msg;                  \
            goto fail;                   \
        }                                \
    } while (0)

    e = (cudaError_t)wmel__cu_alloc(&d_in, in_bytes, st->compute);
    if (e == cudaSuccess) e = (cudaError_t)wmel__cu_alloc(&d_out, out_bytes, st->compute);
    if (e == cudaSuccess) e = (cudaError_t)wmel__cu_alloc(&d_aux, nkeys * sizeof(unsigned) + 64, st->compute);
    if (e == cudaSuccess && smooth)
        e = edge_bytes == SIZE_MAX ? cudaErrorMemoryAllocation
                                   : (cudaError_t)wmel__cu_alloc(&d_edges, edge_bytes, st->compute);
    if (e == cudaErrorMemoryAllocation) { /* device memory short: the CPU backend's clips */
        cudaGetLastError();
        rc = wmel__handback(ctx, WMEL__HB_MEMORY);
        goto cleanup;
    }
    if (e != cudaSuccess) {
        what = "allocating device memory";
        goto fail;
    }
    unsigned *keys = d_aux;
    int *bad = (int *)((char *)d_aux + ((nkeys * sizeof(unsigned) + 15) & ~(size_t)15));
    TRY(cudaMemsetAsync(d_aux, 0, nkeys * sizeof(unsigned) + 64, st->compute), "clearing the max keys");
    hc->l.pcm = d_in;
    hc->l.out = d_out;
    hc->l.keys = keys;
    hc->l.bad = bad;
    /* the copy stream starts once the allocations exist */
    TRY(cudaEventRecord(st->arrived, st->compute), "recording an event");
    TRY(cudaStreamWaitEvent(st->copy, st->arrived, 0), "ordering the streams");

    /* upload through the two pinned buffers; launch what has arrived after each chunk */
    size_t c_done = 0;
    long long f_done = 0;
    int which = 0;
    for (size_t g = 0; g < in_bytes; g += STAGE_BYTES, which ^= 1) {
        size_t len = in_bytes - g < STAGE_BYTES ? in_bytes - g : STAGE_BYTES;
        TRY(cudaEventSynchronize(st->staged[which]), "waiting for a staging buffer");
        gather(hc, g, len, st->pinned[which]);
        TRY(cudaMemcpyAsync((char *)d_in + g, st->pinned[which], len, cudaMemcpyHostToDevice, st->copy),
            "copying samples to the device");
        TRY(cudaEventRecord(st->staged[which], st->copy), "recording an event");
        TRY(cudaEventRecord(st->arrived, st->copy), "recording an event");
        TRY(cudaStreamWaitEvent(st->compute, st->arrived, 0), "ordering the streams");
        TRY(launch_ready(st, hc, (g + len) / hc->elt, &c_done, &f_done), "launching the log-mel kernel");
    }
    if (smooth) /* after every frame of every clip: the smoothing needs whole clips */
        TRY((cudaError_t)wmel__cu_smooth(d_out, per, hc->l.n_mels, (size_t)hc->l.nf, hc->batch,
                                         normalize ? keys : NULL, hc->l.global_key, d_edges,
                                         st->compute),
            "launching the normalisation and smoothing kernels");
    else if (normalize)
        TRY((cudaError_t)wmel__cu_normalize(d_out, per, per, hc->batch, keys, hc->l.global_key, st->compute),
            "launching the normalisation kernel");
    TRY(cudaEventRecord(st->done, st->compute), "recording an event");
    TRY(cudaStreamWaitEvent(st->copy, st->done, 0), "ordering the streams");

    /* download through the pinned buffers: chunk i+1 travels while chunk i is copied out */
    {
        size_t nchunks = (out_bytes + STAGE_BYTES - 1) / STAGE_BYTES;
        for (size_t i = 0; i <= nchunks; i++) {
            if (i < nchunks) {
                size_t g = i * STAGE_BYTES, len = out_bytes - g < STAGE_BYTES ? out_bytes - g : STAGE_BYTES;
                TRY(cudaMemcpyAsync(st->pinned[i & 1], (char *)d_out + g, len, cudaMemcpyDeviceToHost, st->copy),
                    "copying results from the device");
                TRY(cudaEventRecord(st->staged[i & 1], st->copy), "recording an event");
            }
            if (i > 0) {
                size_t j = i - 1, g = j * STAGE_BYTES;
                size_t len = out_bytes - g < STAGE_BYTES ? out_bytes - g : STAGE_BYTES;
                TRY(cudaEventSynchronize(st->staged[j & 1]), "copying results from the device");
                memcpy((char *)out + g, st->pinned[j & 1], len);
            }
        }
    }
    TRY(cudaMemcpyAsync(st->pinned_flag, bad, sizeof(int), cudaMemcpyDeviceToHost, st->copy),
        "reading the finiteness flag");
    TRY(cudaStreamSynchronize(st->copy), "waiting for the device");
    /* a sample not finite: the CPU's status (run_clips); one past the CPU's float32 kernels'
       bound: those kernels, which decide (the CPU backend's status and bytes) */
    if (*st->pinned_flag & 1) rc = WMEL_ERR_NOT_FINITE;
    else if (*st->pinned_flag & 2) rc = wmel__handback(ctx, WMEL__HB_RANGE);
    goto cleanup;
#undef TRY

fail:
    rc = cu_fail(e, what);
cleanup:
    /* nothing may still use the buffers or the staging memory when this call returns */
    cudaStreamSynchronize(st->copy);
    wmel__cu_free(d_in, st->compute);
    wmel__cu_free(d_out, st->compute);
    wmel__cu_free(d_aux, st->compute);
    wmel__cu_free(d_edges, st->compute);
    cudaStreamSynchronize(st->compute);
    if (rc != WMEL_ERR_CUDA) {
        e = cudaGetLastError();
        if (e != cudaSuccess && rc == WMEL_OK) rc = cu_fail(e, "the device reported a late error");
    }
    return rc;
}

/* Whisper's geometry's clips in host memory (vt->clips): through the pinned buffers, the
 * finish (normalisation, smoothing) on the device too. */
static int cuda_clips(wmel_ctx *ctx, const wmel_clips *c, int *fin)
{
    cuda_state *st = ctx->state;
    const float *f32 = c->f32;
    const int16_t *s16 = c->s16;
    const size_t batch = c->batch, n = c->n, stride = c->pcm_stride, padding = c->padding;
    float *out = c->out;
    if (batch == 0) return WMEL_OK;
    const size_t nf = wmel_n_frames(n, padding);
    const size_t per = (size_t)ctx->params.n_mels * nf;
    host_call hc;
    memset(&hc, 0, sizeof hc);
    hc.src = f32 ? (const char *)f32 : (const char *)s16;
    hc.elt = f32 ? sizeof(float) : sizeof(int16_t);
    hc.n = n;
    hc.stride = stride;
    hc.batch = batch;
    hc.l.sample_type = f32 ? WMEL_CU_F32 : WMEL_CU_S16;
    hc.l.pcm_stride = n;
    hc.l.n = (long long)n;
    hc.l.n_total = (long long)(n + padding);
    hc.l.nf = (long long)nf;
    hc.l.f_begin = 0;
    hc.l.f_end = (long long)nf;
    hc.l.n_clips = batch;
    hc.l.plan_d = st->plan_d;
    hc.l.plan_i = st->plan_i;
    hc.l.ff = st->wff;
    hc.l.n_mels = ctx->params.n_mels;
    hc.l.out_stride = per;
    const int normalize = ctx->params.norm == WMEL_NORM_WHOLE;
    hc.l.global_key = normalize && c->batch_norm == WMEL_BATCH_GLOBAL;

    int prev = 0, rc;
    if (pthread_mutex_lock(&st->lock) != 0) return WMEL_ERR_THREAD;
    cudaError_t e = enter_device(st->device, &prev);
    if (e != cudaSuccess) {
        rc = cu_fail(e, "selecting the CUDA device");
    } else {
        rc = host_setup(st);
        if (rc == WMEL_OK)
            rc = host_run(ctx, st, &hc, out, per, normalize, ctx->params.smooth == WMEL_SMOOTH_3X3);
        leave_device(st->device, prev);
    }
    pthread_mutex_unlock(&st->lock);
    if (rc == WMEL_OK) *fin = WMEL_BACKEND_CUDA;
    return rc;
}

/* A call's start on the compute stream: the ctx's lock taken, its device entered, the
 * host's setup made and `bytes` of device memory at *d. *held 0 (nothing held): the lock or
 * the device failed, that status. *held 1: the lock is held and the device entered whatever
 * the status (WMEL_OK; a hand-back where device memory is short, WMEL__HB_MEMORY, *d NULL;
 * the setup's or the allocation's failure), and run_end releases them. */
static int run_begin(const wmel_ctx *ctx, cuda_state *st, size_t bytes, void **d, int *prev, int *held)
{
    *held = 0;
    *d = NULL;
    if (pthread_mutex_lock(&st->lock) != 0) return WMEL_ERR_THREAD;
    cudaError_t e = enter_device(st->device, prev);
    if (e != cudaSuccess) {
        pthread_mutex_unlock(&st->lock);
        return cu_fail(e, "selecting the CUDA device");
    }
    *held = 1;
    int rc = host_setup(st);
    if (rc != WMEL_OK) return rc;
    e = (cudaError_t)wmel__cu_alloc(d, bytes, st->compute);
    if (e == cudaErrorMemoryAllocation) {
        cudaGetLastError();
        *d = NULL;
        return wmel__handback(ctx, WMEL__HB_MEMORY);
    }
    if (e != cudaSuccess) {
        *d = NULL;
        return cu_fail(e, "allocating device memory");
    }
    return WMEL_OK;
}

/* The end of what run_begin started: d released on the stream, the stream drained, a late
 * error of the device taken into rc, the device left and the lock released; rc. */
static int run_end(cuda_state *st, void *d, int rc, int prev)
{
    cudaError_t e;
    if (d) {
        e = (cudaError_t)wmel__cu_free(d, st->compute);
        if (e != cudaSuccess && rc == WMEL_OK) rc = cu_fail(e, "releasing device memory");
    }
    cudaStreamSynchronize(st->compute);
    if (rc != WMEL_ERR_CUDA) {
        e = cudaGetLastError();
        if (e != cudaSuccess && rc == WMEL_OK) rc = cu_fail(e, "the device reported a late error");
    } else {
        cudaGetLastError();
    }
    leave_device(st->device, prev);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

/* Whisper's geometry in wmel_features_batch (vt->pfa_frames_batch): every clip's samples,
 * raw log10 mel and largest value (an order-preserving key) in one device allocation, one
 * launch a clip on the compute stream, one wait; clip b's [n_mels][nf[b]] copied straight
 * into out[b], its largest value from its key (the finish, wmel__pfa_finish, on the host:
 * the single calls' bytes, which the device's normalisation and smoothing equal). A clip
 * with a sample the float32 kernels may not take (NaN, Inf, past WMEL_F32_KERNEL_SAFE) or
 * no frame, or sizes too big to stage with the others, is left to wmel_features (redo 1); a
 * hand-back where device memory is short (WMEL__HB_MEMORY). */
static int cuda_pfa_frames_batch(wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                                 float *const *out, float *mx, unsigned char *redo, size_t batch)
{
    cuda_state *st = ctx->state;
    const size_t nm = (size_t)ctx->params.n_mels;
    size_t samples = 0, values = 0, live = 0;
    for (size_t b = 0; b < batch; b++) {
        redo[b] = !nf[b] || !n[b] || !x[b] || !wmel__all_f32_kernel_safe(x[b], n[b]);
        if (redo[b]) continue;
        const size_t q = SIZE_MAX / 128; /* the buffer's bytes, keys, values and samples, within size_t */
        if (n[b] > q - samples || nf[b] > (q - values) / nm || live >= q) {
            redo[b] = 1;
            continue;
        }
        samples += n[b], values += nf[b] * nm, live++;
    }
    if (!live) return WMEL_OK;
    /* the device buffer: the keys (256-aligned), the values, the samples */
    const size_t keys_bytes = (live * sizeof(unsigned) + 255) & ~(size_t)255;
    int prev = 0, held = 0;
    void *d = NULL;
    int rc = run_begin(ctx, st, keys_bytes + (values + samples) * sizeof(float), &d, &prev, &held);
    if (!held) return rc;
    unsigned *hkeys = malloc(live * sizeof *hkeys); /* the keys read back */
    if (!hkeys && rc == WMEL_OK) rc = WMEL_ERR_NO_MEMORY;
    const char *what = "";
    cudaError_t e;
    unsigned *dk = d;
    float *dv = d ? (float *)((char *)d + keys_bytes) : NULL, *dx = d ? dv + values : NULL;
    if (rc == WMEL_OK && (e = cudaMemsetAsync(dk, 0, live * sizeof(unsigned), st->compute)) != cudaSuccess)
        rc = cu_fail(e, "clearing the max keys");
    size_t vo = 0, xo = 0, k = 0;
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
        if (redo[b]) continue;
        wmel_cu_launch l;
        memset(&l, 0, sizeof l);
        l.pcm = dx + xo;
        l.sample_type = WMEL_CU_F32;
        l.pcm_stride = n[b];
        l.n = l.n_total = (long long)n[b];
        l.nf = l.f_end = (long long)nf[b];
        l.n_clips = 1;
        l.plan_d = st->plan_d;
        l.plan_i = st->plan_i;
        l.ff = st->wff;
        l.n_mels = (int)nm;
        l.out = dv + vo;
        l.out_stride = nf[b] * nm;
        l.keys = dk + k;
        if ((e = cudaMemcpyAsync(dx + xo, x[b], n[b] * sizeof(float), cudaMemcpyHostToDevice, st->compute)) !=
            cudaSuccess)
            what = "copying samples to the device";
        else if ((e = (cudaError_t)wmel__cu_logmel(&l, st->compute)) != cudaSuccess)
            what = "launching the log-mel kernel";
        if (e != cudaSuccess) {
            rc = cu_fail(e, what);
            break;
        }
        vo += nf[b] * nm, xo += n[b], k++;
    }
    vo = 0;
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
        if (redo[b]) continue;
        if ((e = cudaMemcpyAsync(out[b], dv + vo, nf[b] * nm * sizeof(float), cudaMemcpyDeviceToHost,
                                 st->compute)) != cudaSuccess) {
            rc = cu_fail(e, "copying the results from the device");
            break;
        }
        vo += nf[b] * nm;
    }
    if (rc == WMEL_OK &&
        (e = cudaMemcpyAsync(hkeys, dk, live * sizeof(unsigned), cudaMemcpyDeviceToHost, st->compute)) != cudaSuccess)
        rc = cu_fail(e, "copying the max keys from the device");
    if (rc == WMEL_OK && (e = cudaStreamSynchronize(st->compute)) != cudaSuccess)
        rc = cu_fail(e, "waiting for the device");
    rc = run_end(st, d, rc, prev);
    for (size_t b = 0, j = 0; rc == WMEL_OK && b < batch; b++)
        if (!redo[b]) mx[b] = wmel__cu_key_to_float(hkeys[j++]);
    free(hkeys);
    return rc;
}

/* The device calls' stream-ordered scratch freed on s after the kernels that use it: e, or
 * the free's failure (*what then `releasing`) where e is cudaSuccess. */
static cudaError_t device_free(void *scratch, cudaStream_t s, cudaError_t e, const char **what, const char *releasing)
{
    const cudaError_t e2 = (cudaError_t)wmel__cu_free(scratch, s);
    if (e == cudaSuccess && e2 != cudaSuccess) {
        *what = releasing;
        return e2;
    }
    return e;
}

/* ---------------------------------------------------------------- the device calls' scratch */

/* 1 where a device call of `need` bytes of scratch ends before the device is touched, *rc its
 * status: z->need (the bytes said, WMEL_OK), or the caller's scratch short of need
 * (WMEL_ERR_BUFFER_TOO_SMALL, the bytes named). */
static int scratch_said(const wmel_dev_scratch *z, size_t need, int *rc)
{
    if (z->need) {
        *z->need = need;
        *rc = WMEL_OK;
        return 1;
    }
    if (!z->ptr || z->bytes >= need) return 0;
    char msg[300];
    snprintf(msg, sizeof msg, "CUDA: the call's device scratch holds %zu bytes; it needs %zu "
             "(wmel_cuda_device_scratch says so for these arguments); nothing was enqueued", z->bytes, need);
    wmel__detail(msg);
    *rc = WMEL_ERR_BUFFER_TOO_SMALL;
    return 1;
}

/* The refusal, before anything is enqueued, of a call that would allocate its own scratch
 * (need bytes, no caller's scratch) where that allocation is a cudaMalloc and a wait for the
 * stream (the device has no memory pools: pools 0) and the stream is capturing (a CUDA
 * graph cannot hold either): WMEL_ERR_INVALID_ARG, said; else WMEL_OK. */
static int capture_refusal(int pools, int capturing, int own, size_t need)
{
    if (pools || !capturing || own || !need) return WMEL_OK;
    wmel__detail("CUDA: this device has no stream-ordered memory pools (cudaMallocAsync), so the call's device "
                 "scratch would be a cudaMalloc and a wait for the stream, which a stream capture (a CUDA graph) "
                 "cannot hold: pass device scratch of your own (wmel_cuda_device_scratch gives its size; the "
                 "_scratch entry points take it); nothing was enqueued");
    return WMEL_ERR_INVALID_ARG;
}

/* capture_refusal on stream s (the ctx's device current). */
static int scratch_capture(const wmel_dev_scratch *z, size_t need, cudaStream_t s)
{
    if (z->ptr || !need || wmel__cu_pools()) return WMEL_OK;
    enum cudaStreamCaptureStatus cs = cudaStreamCaptureStatusNone;
    if (cudaStreamIsCapturing(s, &cs) != cudaSuccess) {
        cudaGetLastError();
        return WMEL_OK; /* the allocation says what is wrong */
    }
    return capture_refusal(0, cs != cudaStreamCaptureStatusNone, 0, need);
}

/* The call's scratch into *d: the caller's, or `bytes` allocated in stream order on s. */
static cudaError_t scratch_take(const wmel_dev_scratch *z, void **d, size_t bytes, cudaStream_t s)
{
    if (z && z->ptr) {
        *d = z->ptr;
        return cudaSuccess;
    }
    return (cudaError_t)wmel__cu_alloc(d, bytes, s);
}

/* scratch_take's d given back: freed on s after the kernels where the library allocated it
 * (device_free), the caller's left as it is. */
static cudaError_t scratch_give(const wmel_dev_scratch *z, void *d, cudaStream_t s, cudaError_t e, const char **what,
                                const char *releasing)
{
    return z && z->ptr ? e : device_free(d, s, e, what, releasing);
}

/* The end of a device-pointer call (WMEL_OP_DEVICE): its status from e (what failed named),
 * the calling thread's device as it was. */
static int device_end(wmel_ctx *ctx, int device, int prev, cudaError_t e, const char *what)
{
    int rc = WMEL_OK;
    if (e != cudaSuccess) {
        rc = cu_fail(e, what);
        cudaGetLastError();
    }
    leave_device(device, prev);
    note_op(ctx, WMEL_OP_DEVICE, WMEL_BACKEND_CUDA);
    return rc;
}

/* ---------------------------------------------------------------- params.device_check */

/* The magnitude bits no finite float passes: no bound. */
#define NO_BOUND 0x7f7fffffu

/* The clips a scan reads (float32 samples in device memory): clip b at pcm[b] with n[b]
 * samples where pcm is set, else at base + b * stride with n0 samples. range_lim, ff_lim: the
 * magnitude bits past which a sample is refused (WMEL_ERR_SAMPLE_RANGE), past which its clip
 * runs in float64 (NO_BOUND: none). */
typedef struct scan_q {
    const float *base;
    size_t stride, n0;
    const void *const *pcm;
    const size_t *n;
    size_t batch;
    unsigned range_lim, ff_lim;
} scan_q;

/* The float's magnitude bits. */
static unsigned f32_bits(float f)
{
    unsigned u;
    memcpy(&u, &f, sizeof u);
    return u & 0x7fffffffu;
}

/* The refusal under a stream capture: the scan waits for the device. */
static int scan_captured(cudaStream_t s)
{
    enum cudaStreamCaptureStatus cs = cudaStreamCaptureStatusNone;
    cudaError_t e = cudaStreamIsCapturing(s, &cs);
    if (e != cudaSuccess) {
        cudaGetLastError();
        return cu_fail(e, "asking whether the stream is capturing");
    }
    if (cs == cudaStreamCaptureStatusNone) return WMEL_OK;
    wmel__detail("CUDA: params.device_check: the samples' scan waits for the device, which a stream capture "
                 "(a CUDA graph) cannot hold; capture with a ctx made with device_check 0, the samples checked "
                 "before the capture");
    return WMEL_ERR_INVALID_ARG;
}

/* The first clip the flags refuse (a sample not finite: WMEL_ERR_NOT_FINITE, wmel_features'
 * status wherever the clip has one; past range_lim: WMEL_ERR_SAMPLE_RANGE), its index in
 * *failed and the detail; ff64[b] (ff64 not NULL) 1 where clip b has a sample past ff_lim. */
static int scan_verdict(const unsigned *flags, size_t batch, unsigned char *ff64, size_t *failed)
{
    for (size_t b = 0; b < batch; b++) {
        if (flags[b] & 3u) {
            char msg[320];
            const int nf = (flags[b] & 1u) != 0;
            snprintf(msg, sizeof msg, "CUDA: params.device_check: clip %zu: %s", b,
                     nf ? "a sample is NaN or infinite"
                        : "a sample past 1e15, whose clip wmel_features computes with the CPU's float32 kernels "
                          "(they refuse samples from about 1e17): past the device entry points' range");
            wmel__detail(msg);
            *failed = b;
            return nf ? WMEL_ERR_NOT_FINITE : WMEL_ERR_SAMPLE_RANGE;
        }
        if (ff64) ff64[b] = (flags[b] & 4u) != 0;
    }
    return WMEL_OK;
}

/* The device memory of params.device_check's scan of batch clips (with_table: of their own
 * lengths, whose table goes up too): the flags, then the table. */
static size_t scan_bytes(size_t batch, int with_table)
{
    if (!batch || batch > SIZE_MAX / 64) return 0;
    return ((batch * sizeof(unsigned) + 255) & ~(size_t)255) + (with_table ? 2 * batch * sizeof(unsigned long long) : 0);
}

/* params.device_check's scan of q's clips on stream s (the ctx's device current): refused under
 * a stream capture before anything is enqueued; else one k_scan launch over every clip (after
 * the clips' table where they have their own lengths), its flags read back and waited for,
 * in z's scratch (the caller's, which the call's later work reuses after the wait; else one
 * of its own). WMEL_OK (ff64 as scan_verdict fills it), the first refused clip's status (its
 * index in *failed), or the failure. */
static int device_scan(const scan_q *q, unsigned char *ff64, size_t *failed, cudaStream_t s,
                       const wmel_dev_scratch *z)
{
    int rc = scan_captured(s);
    if (rc != WMEL_OK) return rc;
    const size_t batch = q->batch;
    size_t max_n = q->n0;
    if (q->pcm)
        for (size_t b = 0; b < batch; b++) max_n = q->n[b] > max_n ? q->n[b] : max_n;
    if (ff64) memset(ff64, 0, batch);
    if (!batch || !max_n) return WMEL_OK;
    if (batch > SIZE_MAX / 64) return WMEL_ERR_OVERFLOW;
    const size_t tab_bytes = q->pcm ? 2 * batch * sizeof(unsigned long long) : 0;
    const size_t flag_bytes = (batch * sizeof(unsigned) + 255) & ~(size_t)255;
    unsigned long long *htab = malloc(tab_bytes + batch * sizeof(unsigned)); /* the table, then the flags */
    if (!htab) return WMEL_ERR_NO_MEMORY;
    unsigned *hflags = (unsigned *)(void *)((char *)htab + tab_bytes);
    for (size_t b = 0; q->pcm && b < batch; b++) {
        htab[2 * b] = (unsigned long long)(uintptr_t)q->pcm[b];
        htab[2 * b + 1] = q->n[b];
    }
    void *d = NULL;
    const char *what = "allocating the scan's flags";
    cudaError_t e = scratch_take(z, &d, flag_bytes + tab_bytes, s);
    if (e == cudaSuccess) {
        unsigned long long *dtab = q->pcm ? (unsigned long long *)(void *)((char *)d + flag_bytes) : NULL;
        what = "clearing the scan's flags";
        e = cudaMemsetAsync(d, 0, batch * sizeof(unsigned), s);
        if (e == cudaSuccess && dtab) {
            what = "copying the clips' table to the device";
            e = cudaMemcpyAsync(dtab, htab, tab_bytes, cudaMemcpyHostToDevice, s);
        }
        if (e == cudaSuccess) {
            what = "launching the samples' scan";
            e = (cudaError_t)wmel__cu_scan(q->base, q->stride, dtab, q->n0, max_n, batch, q->range_lim, q->ff_lim,
                                           d, s);
        }
        if (e == cudaSuccess) {
            what = "reading the scan's flags";
            e = cudaMemcpyAsync(hflags, d, batch * sizeof(unsigned), cudaMemcpyDeviceToHost, s);
        }
        if (e == cudaSuccess) {
            what = "waiting for the samples' scan";
            e = cudaStreamSynchronize(s);
        }
        e = scratch_give(z, d, s, e, &what, "releasing the scan's flags");
    }
    if (e != cudaSuccess) {
        cudaStreamSynchronize(s); /* no copy may still write to htab */
        rc = cu_fail(e, what);
        cudaGetLastError();
    } else {
        rc = scan_verdict(hflags, batch, ff64, failed);
    }
    free(htab);
    return rc;
}

/* ---------------------------------------------------------------- device pointers */

static int cuda_clips_device(wmel_ctx *ctx, const wmel_clips *c, void *stream)
{
    cuda_state *st = ctx->state;
    if (st->general) /* device pointers: Whisper's geometry only */
    {
        wmel__detail("CUDA: wmel_cuda_log_mel_device computes Whisper's front-end only; this ctx's plan "
                     "takes wmel_features (host memory)");
        return WMEL_ERR_BACKEND_UNAVAILABLE;
    }
    const int sample_type = c->s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32;
    const void *d_pcm = c->s16 ? (const void *)c->s16 : (const void *)c->f32;
    const size_t batch = c->batch, n_samples = c->n, pcm_stride = c->pcm_stride;
    const size_t padding = c->padding;
    const int batch_norm = c->batch_norm;
    float *d_out = c->out;
    const size_t nf = wmel_n_frames(n_samples, padding);
    const size_t per = (size_t)ctx->params.n_mels * nf;
    const int normalize = ctx->params.norm == WMEL_NORM_WHOLE;
    wmel_cu_launch l;
    memset(&l, 0, sizeof l);
    l.pcm = d_pcm;
    l.sample_type = sample_type == WMEL_SAMPLE_S16 ? WMEL_CU_S16 : WMEL_CU_F32;
    l.pcm_stride = pcm_stride;
    l.n = (long long)n_samples;
    l.n_total = (long long)(n_samples + padding);
    l.nf = (long long)nf;
    l.f_begin = 0;
    l.f_end = (long long)nf;
    l.n_clips = batch;
    l.plan_d = st->plan_d;
    l.plan_i = st->plan_i;
    l.ff = st->wff;
    l.n_mels = ctx->params.n_mels;
    l.out = d_out;
    l.out_stride = per;
    l.global_key = normalize && batch_norm == WMEL_BATCH_GLOBAL;
    const size_t nkeys = l.global_key ? 1 : batch;
    const int smooth = ctx->params.smooth == WMEL_SMOOTH_3X3;
    /* one scratch allocation: the max keys, then (smoothing) the saved tile edges */
    const size_t keys_bytes = (nkeys * sizeof(unsigned) + 255) & ~(size_t)255;
    const size_t edge_bytes = smooth ? wmel__cu_smooth_scratch(l.n_mels, nf, batch) : 0;
    if (edge_bytes > SIZE_MAX - keys_bytes) return WMEL_ERR_OVERFLOW;
    const int scan = ctx->params.device_check && !c->s16;
    const size_t sb = scan ? scan_bytes(batch, 0) : 0, need = keys_bytes + edge_bytes;
    int rc = WMEL_OK;
    if (scratch_said(&c->scratch, sb > need ? sb : need, &rc)) return rc;

    cudaStream_t s = (cudaStream_t)stream;
    int prev = 0;
    void *keys = NULL;
    cudaError_t e = enter_device(st->device, &prev);
    if (e != cudaSuccess) return cu_fail(e, "selecting the CUDA device");
    if ((rc = scratch_capture(&c->scratch, need, s)) != WMEL_OK) {
        leave_device(st->device, prev);
        return rc;
    }
    if (scan) { /* past 1e15: the host's CPU kernels decide */
        const scan_q q = {c->f32, pcm_stride, n_samples, NULL, NULL, batch, f32_bits(WMEL_F32_KERNEL_SAFE), NO_BOUND};
        size_t at = 0;
        if ((rc = device_scan(&q, NULL, &at, s, &c->scratch)) != WMEL_OK) {
            leave_device(st->device, prev);
            return rc;
        }
    }
    const char *what = "allocating the max keys";
    /* the scratch is stream-ordered: freed on `s` after the kernels that use it */
    if ((e = scratch_take(&c->scratch, &keys, keys_bytes + edge_bytes, s)) == cudaSuccess) {
        l.keys = keys;
        what = "clearing the max keys";
        e = cudaMemsetAsync(keys, 0, nkeys * sizeof(unsigned), s);
        if (e == cudaSuccess) {
            what = "launching the log-mel kernel";
            e = (cudaError_t)wmel__cu_logmel(&l, s);
        }
        if (e == cudaSuccess && smooth) {
            what = "launching the normalisation and smoothing kernels";
            e = (cudaError_t)wmel__cu_smooth(d_out, per, l.n_mels, nf, batch,
                                             normalize ? (const unsigned *)keys : NULL,
                                             l.global_key, (float *)((char *)keys + keys_bytes), s);
        } else if (e == cudaSuccess && normalize) {
            what = "launching the normalisation kernel";
            e = (cudaError_t)wmel__cu_normalize(d_out, per, per, batch, keys, l.global_key, s);
        }
        e = scratch_give(&c->scratch, keys, s, e, &what, "releasing the max keys");
    }
    return device_end(ctx, st->device, prev, e, what);
}

/* ---------------------------------------------------------------- any other plan */

/* What k_plan_frames and k_plan_finish take of a plan (the one lowering, devplan.c): no
 * bound on a radix's stages but WMEL_CU_PLAN_STAGES, 48 KB of shared memory a frame, the
 * cepstra's log mels in the frame's shared words; the testing switches WMEL_CUDA_FFT=0 (the
 * DFT for every plan) and WMEL_CUDA_VALS_F64=1 (float64 values), read when a ctx is made. */
static void cu_limits(wmel_dp_limits *lim)
{
    memset(lim, 0, sizeof *lim);
    lim->name = "CUDA";
    lim->max_stages = WMEL_CU_PLAN_STAGES;
    const char *env = wmel__test_env(WMEL__CFG_CUDA_FFT);
    lim->dft_only = env && !strcmp(env, "0");
    lim->wg = WMEL_CU_PLAN_WG;
    lim->smem = WMEL_CU_PLAN_SMEM;
    lim->ceps_in_frame = 1;
    const char *f64_env = wmel__test_env(WMEL__CFG_CUDA_VALS_F64);
    lim->vals_f64 = f64_env && !strcmp(f64_env, "1");
    lim->noise = 1; /* the dither's noise in float64 (src/kernels/noise.h), in either arithmetic */
}

/* The lowered finish (dp->fin) as k_plan_finish's launch's plan part: the per-column scales
 * at cs in the tables, the post stage, the constants in both arithmetics. */
static void fin_plan(const wmel_devplan *dp, int n_cols, int ff, int post, int cs, wmel_cu_finish *f)
{
    const wmel_dp_finish *d = &dp->fin;
    memset(f, 0, sizeof *f);
    f->n_cols = n_cols;
    f->fmaj = d->fmaj;
    f->norm = d->norm;
    f->fixed_max = d->fixed_max;
    f->ext = d->ext;
    f->affine = d->affine;
    f->then = d->then;
    f->pop = d->pop;
    f->mean_only = d->mean_only;
    f->floor = d->floor;
    f->all = d->all;
    f->fill = d->fill;
    f->pad = d->pad;
    f->fill_value = d->fill_value;
    f->norm_max = d->norm_max;
    f->norm_range = d->norm_range;
    f->ff = ff;
    f->eps = d->eps;
    f->post_scale = d->post_scale;
    f->post_shift = d->post_shift;
    f->f_eps = f2_of(f->eps);
    f->f_post_scale = f2_of(f->post_scale);
    f->f_post_shift = f2_of(f->post_shift);
    f->f_den_floor = f2_of(d->den_floor);
    f->cols = d->cols;
    f->cs = cs;
    f->post = post;
    f->S = d->S;
    f->L = d->L;
    f->tail = d->tail;
    f->dw = d->dw;
    f->denom = d->denom;
    f->f_denom = f2_of(f->denom);
}

/* The lowered frames (the frame, the FFT's stages, the framing's hop and offset and rules,
 * the steps' switches and their values, in float64 and as float-float pairs for ff) into
 * g; the tables' places are set once they are laid out. */
static void general_geometry(const wmel_devplan *dp, int ff, wmel_cu_frames *g)
{
    g->fl = dp->fl;
    g->n_fft = dp->n_fft;
    g->nbins = dp->nbins;
    g->n_mels = dp->n_mels;
    g->pad_left = dp->pad_left;
    g->hop = dp->hop;
    g->off = dp->off;
    g->smode = dp->smode;
    g->pad_rule = dp->pad_rule;
    g->sigpre = dp->sigpre;
    g->padpre = dp->padpre;
    g->padcut = dp->padcut;
    g->scale = dp->scale;
    g->preemph = dp->preemph;
    g->remove_dc = dp->remove_dc;
    g->use_energy = dp->use_energy;
    g->energy_mode = dp->energy_mode;
    g->preemph_frame = dp->preemph_frame;
    g->power = dp->power;
    g->guard = dp->guard;
    g->mag_guard = dp->mag_guard;
    g->log_mode = dp->log_mode;
    g->log_guard = dp->log_guard;
    g->floor_on = dp->floor_on;
    g->ln_floor = dp->ln_floor;
    g->ff = ff;
    g->f_scale = f2_of(g->scale);
    g->f_preemph = f2_of(g->preemph);
    g->f_mag_guard = f2_of(g->mag_guard);
    g->f_log_guard = f2_of(g->log_guard);
    g->f_ln_floor = f2_of(g->ln_floor);
    g->f_log10e = f2_of(dp->log10e);
    g->n_stages = dp->n_stages;
    memcpy(g->radix, dp->radix, sizeof g->radix);
    g->fft = dp->fft;
    g->n_cols = dp->n_cols;
    g->n_ceps = dp->n_ceps;
    g->ceps_htk = dp->ceps_htk;
    g->sqrt2 = dp->sqrt2;
    g->f_sqrt2 = f2_of(g->sqrt2);
    g->dither_on = dp->dither_on;
    g->dither_seed = dp->dither_seed;
    g->dither = dp->dither;
}

_Static_assert(WMEL_CU_PLAN_STAGES == WMEL_DP_STAGES, "the lowered FFT's stages are k_plan_frames'");
_Static_assert(WMEL_CU_PAD_ZERO == WMEL_DP_PAD_ZERO && WMEL_CU_PAD_REFLECT == WMEL_DP_PAD_REFLECT &&
                   WMEL_CU_PAD_KALDI == WMEL_DP_PAD_KALDI,
               "the lowered padding's rules are k_plan_frames'");

/* The lowered tables uploaded (upload_plan): the float64 window, cos and sin, mel weights,
 * the per-column scales and shifts, the DCT's rows; with float-float, then the same as
 * (hi, lo) pairs (the float64 ones kept for a clip past float-float's range); then the
 * filters' bounds and the FFT's places. Their places set in st->geo and st->fin.cs.
 * WMEL_OK, or the failure (st freed). */
static int general_tables(cuda_state *st, const wmel_devplan *dp, int ff)
{
    wmel_cu_frames *g = &st->geo;
    wmel_dp_layout L;
    wmel__devplan_layout(dp, 0, 0, &L);
    const size_t nd1 = L.words, nd = ff ? 2 * nd1 : nd1, ni = L.int_words;
    const size_t bytes = nd * sizeof(double) + ni * sizeof(int);
    double *hd = malloc(bytes);
    if (!hd) {
        pthread_mutex_destroy(&st->lock);
        free(st);
        return WMEL_ERR_NO_MEMORY;
    }
    int *hi = (int *)(hd + nd);
    g->win = (int)L.win, g->co = (int)L.co, g->so = (int)L.so, g->mo = (int)L.mo, g->dct = (int)L.dct;
    st->fin.cs = (int)L.cs;
    wmel__devplan_tables(dp, &L, hd);
    if (ff) /* float-float: each entry's (hi, lo) pair in its own 8 bytes */
        for (size_t i = 0; i < nd1; i++) {
            const wmel_cu_f2 v = f2_of(hd[i]);
            memcpy(hd + nd1 + i, &v, sizeof v);
        }
    g->lo = (int)L.lo, g->len = (int)L.len, g->moff = (int)L.moff, g->perm = (int)L.perm;
    wmel__devplan_ints(dp, &L, 1, hi);
    const int rc = upload_plan(st, hd, bytes, wmel__cu_plan_prepare);
    free(hd);
    if (rc != WMEL_OK) return rc;
    st->tab64 = (const double *)st->plan;
    g->tab = st->tab64 + (ff ? nd1 : 0);
    g->ints = (const int *)((const double *)st->plan + nd);
    return WMEL_OK;
}

/* A ctx of the general algorithm: the plan lowered (devplan.c), its float64 tables (window,
 * the exact cos / sin table of n_fft entries, the packed mel bank; the FFT's digit-reversed
 * places) uploaded once. A plan whose frames the lowering keeps on the CPU (the windowed
 * energy, a framing the kernel does not know, a frame too large for the shared memory) keeps
 * the CPU's frames (the ctx is made; its ops say "cpu"). */
static int general_init(wmel_ctx *ctx)
{
    const wmel_fe *fe = ctx->fe;
    int ff = 0;
    int arc = cuda_arith(ctx->params.cuda_device, &ff, 1);
    if (arc == WMEL_OK) arc = wmel__cu_arith_pick(ctx, 0, &ff);
    if (arc != WMEL_OK) return arc;
    cuda_state *st = calloc(1, sizeof *st);
    if (!st) return WMEL_ERR_NO_MEMORY;
    st->device = ctx->params.cuda_device;
    st->general = 1;
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        free(st);
        return WMEL_ERR_THREAD;
    }
    wmel_cu_frames *g = &st->geo;
    wmel_dp_limits lim;
    cu_limits(&lim);
    wmel_devplan dp;
    st->plan_ok = wmel__devplan_lower(fe, &lim, &dp);
    general_geometry(&dp, ff, g);
    int fpb = WMEL_CU_PLAN_FPB;
    while (fpb > 1 && dp.sh_words * 8 * fpb > WMEL_CU_PLAN_SMEM) fpb--;
    g->fpb = fpb;
    g->sh_words = (int)(dp.sh_words < INT32_MAX ? dp.sh_words : INT32_MAX);
    /* the values read back as float32, the cepstra computed there too, where the frames run
       on the device */
    st->ceps = st->plan_ok && dp.ceps;
    if (!st->ceps) g->n_cols = fe->n_raw, g->n_ceps = 0, g->ceps_htk = 0; /* the log energy and log mels */
    ctx->vals_f32 = st->plan_ok && dp.vals_f32;
    if (st->plan_ok && ff) st->ff_lim = wmel__devplan_ff_limit(&dp);
    if (st->plan_ok) {
        const int rc = general_tables(st, &dp, ff);
        if (rc != WMEL_OK) return rc;
    }
    for (int i = 0; i < N_OPS; i++) atomic_init(&st->op_backend[i], st->plan_ok ? WMEL_BACKEND_CUDA : WMEL_BACKEND_CPU);
    ctx->state = st;
    /* the finish on the device too (k_plan_finish) where the lowering has it there, and
       the post stage after it (k_plan_post); WMEL_CUDA_DEVICE_FINISH=0 keeps the host's (the
       same bytes in float64) */
    const char *env = wmel__env(WMEL__CFG_CUDA_DEVICE_FINISH);
    st->finish_off = env && !strcmp(env, "0");
    st->finish = ctx->vals_f32 && dp.finish && !st->finish_off;
    st->post = st->finish && dp.post;
    if (st->finish) fin_plan(&dp, fe->n_cols, ff, st->post, st->fin.cs, &st->fin);
    if (st->plan_ok)
        snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "cuda-%s-%s%d", ff ? "ff" : "f64", g->fft ? "fft" : "dft",
                 g->n_fft);
    else
        snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "cpu-%s-fft%d", fe->kern->name, g->n_fft);
    return WMEL_OK;
}

/* The calls whose finish ran on the device (k_plan_finish), for the tests. */
static atomic_llong g_finishes;
#ifdef WMEL_TEST_HOOKS
long long wmel__cu_finishes(void) { return atomic_load(&g_finishes); }
#endif

/* A clip of plan_run: where its output lies in the device buffer (finished there), and the
 * arithmetic of its frames. */
typedef struct plan_clip {
    size_t out_at;      /* the output's first float + 1 (finished on the device); 0: none */
    size_t rows, cols;  /* its frames' layout (wmel__fe_dev_shape), or the post stage's output */
    size_t F;           /* with a post stage: the finished frames it reads (after the output) */
    int f64;            /* a float-float ctx's clip past its range: the float64 kernel */
    int skip;           /* no frame, or (plan_finish) not finished on the device: not run */
} plan_clip;

/* The device buffer's parts plan_run lays out: the values of the clips computed, their
 * samples, the finished clips' outputs and their count. */
typedef struct plan_sizes {
    size_t vals_total, samples_total, outs_total, n_fin;
} plan_sizes;

/* Each clip's part in plan_run's device buffer into pc[b] and the totals into z: its values
 * (nf[b] x nr), its samples, and where the device finishes it (st->finish, out[b] set, its
 * output's shape known, its samples finite) its output; a clip with no frame, or that
 * plan_finish asks for (no vals[b]) and the device does not finish, skipped. Returns 0 where
 * a clip's sizes pass the buffer's arithmetic (the CPU's frames then). */
static int plan_layout(const wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                       void *const *vals, float *const *out, const size_t *shape, size_t batch, plan_clip *pc,
                       plan_sizes *z)
{
    const cuda_state *st = ctx->state;
    const wmel_fe *fe = ctx->fe;
    const size_t nr = (size_t)st->geo.n_cols, nc = (size_t)fe->n_cols;
    for (size_t b = 0; b < batch; b++) {
        pc[b].skip = !nf[b];
        if (pc[b].skip) continue;
        if (nf[b] > (SIZE_MAX / 4 - z->vals_total) / nr || n[b] > SIZE_MAX / 8 - z->samples_total ||
            nf[b] > (size_t)(LLONG_MAX / 2) / (size_t)fe->p.hop)
            return 0;
        const int in_ff = st->geo.ff && wmel__all_abs_bits_le(x[b], n[b], st->ff_lim);
        pc[b].f64 = st->geo.ff && !in_ff;
        size_t rows = 0, cols = 0;
        int fin = st->finish && out && out[b];
        if (fin && shape) rows = shape[2 * b], cols = shape[2 * b + 1];
        else if (fin) fin = wmel_features_shape(ctx, n[b], &rows, &cols) == WMEL_OK;
        /* finite samples (the CPU's check: a NaN sample anywhere decides the status, even
           one no frame reads or whose frames' values the guard keeps finite) */
        size_t F = 0; /* a post stage's finished frames */
        if (fin)
            fin = st->post ? wmel__fe_dev_post(fe, n[b], nf[b], rows, cols, &F)
                           : wmel__fe_dev_shape(fe, n[b], nf[b], &rows, &cols);
        const size_t outs_total = z->outs_total;
        if (fin && rows <= (SIZE_MAX / 16 - outs_total) / cols && F <= (SIZE_MAX / 16 - outs_total - rows * cols) / nc &&
            (in_ff || wmel__all_abs_bits_le(x[b], n[b], 0x7f7fffffu))) {
            pc[b].rows = rows, pc[b].cols = cols, pc[b].F = F;
            pc[b].out_at = outs_total + 1;
            z->outs_total += rows * cols + F * nc;
            z->n_fin++;
        } else if (!vals[b]) { /* plan_finish's clip that the device does not finish */
            pc[b].skip = 1;
            continue;
        }
        z->vals_total += nf[b] * nr, z->samples_total += n[b];
    }
    return 1;
}

/* plan_run's device buffer: the finished clips' flags and keys (dflag; their statistics at
 * byte stats_at), the clips' values (dv: vb bytes each, nr a frame), the finished clips'
 * outputs (dout), the samples (dx). */
typedef struct plan_dev {
    unsigned *dflag;
    char *dv;
    float *dout, *dx;
    size_t stats_at, vb, nr;
} plan_dev;

/* k_plan_finish (and k_plan_post) for clip b, whose frames' kernel l was launched, its output
 * at pc->out_at in the buffer, its flag the k-th, on the compute stream. */
static cudaError_t launch_finish(const cuda_state *st, const wmel_fe *fe, const wmel_cu_frames *l, const plan_dev *dv,
                                 const plan_clip *pc, size_t n, size_t k)
{
    wmel_cu_finish f = st->fin;
    f.in = l->outf;
    f.out = dv->dout + pc->out_at - 1;
    f.stats = (double *)(void *)((char *)dv->dflag + dv->stats_at) + 4 * k;
    f.flag = dv->dflag + 2 * k;
    f.nv = (long long)wmel__fe_valid(&fe->p, n);
    f.nc = l->nf;
    f.nfo = (long long)wmel__fe_out_frames(&fe->p, n);
    f.T = (long long)(f.fmaj ? pc->rows : pc->cols);
    f.ff = l->ff;
    f.tab = l->tab;
    if (f.post) { /* the finished frames [F][n_cols] after the output, then the rows */
        f.pout = f.out;
        f.out += pc->rows * pc->cols;
        f.T = (long long)pc->F;
        f.pT = f.nfo;
        f.prows = (long long)pc->rows;
        f.pcols = (long long)pc->cols;
    }
    return (cudaError_t)wmel__cu_plan_finish(&f, st->compute);
}

/* Each clip not skipped: its samples copied to the device, its frames' kernel launched (the
 * float64 one past float-float's range) and, where the device finishes it, the finish after
 * it on the same stream. WMEL_OK, or the failure. */
static int plan_launch(const wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                       const plan_clip *pc, size_t batch, const plan_dev *dv)
{
    const cuda_state *st = ctx->state;
    const int f32 = ctx->vals_f32;
    const size_t vb = dv->vb;
    size_t vo = 0, xo = 0, k = 0;
    for (size_t b = 0; b < batch; b++) {
        if (pc[b].skip) continue;
        wmel_cu_frames l = st->geo;
        l.x = dv->dx + xo;
        l.n = (long long)n[b];
        l.t0 = 0;
        l.nf = (long long)nf[b];
        l.out = f32 ? NULL : (double *)(dv->dv + vo * vb);
        l.outf = f32 ? (float *)(dv->dv + vo * vb) : NULL;
        if (pc[b].f64) { /* past float-float's range: float64 */
            l.ff = 0;
            l.tab = st->tab64;
        }
        const char *what = "";
        cudaError_t e;
        if (n[b] && (e = cudaMemcpyAsync(dv->dx + xo, x[b], n[b] * sizeof(float), cudaMemcpyHostToDevice,
                                         st->compute)) != cudaSuccess)
            what = "copying samples to the device";
        else if ((e = (cudaError_t)wmel__cu_plan_frames(&l, st->compute)) != cudaSuccess)
            what = "launching the frames kernel";
        else if (pc[b].out_at && (e = launch_finish(st, ctx->fe, &l, dv, &pc[b], n[b], k++)) != cudaSuccess)
            what = "launching the finish kernel";
        if (e != cudaSuccess) return cu_fail(e, what);
        vo += nf[b] * dv->nr;
        xo += n[b];
    }
    return WMEL_OK;
}

/* The results' copies back queued on the compute stream: a finished clip's output straight
 * into out[b], any other clip's values into vals[b] (or raw, for the host's cepstra), the
 * n_fin finished clips' flags and keys into hflag. WMEL_OK, or the failure. */
static int plan_read_back(const cuda_state *st, const size_t *nf, void *const *vals, float *const *out,
                          const plan_clip *pc, size_t batch, const plan_dev *dv, double *raw, unsigned *hflag,
                          size_t n_fin)
{
    cudaError_t e;
    size_t vo = 0;
    for (size_t b = 0; b < batch; b++) {
        if (pc[b].skip) continue;
        if (pc[b].out_at)
            e = cudaMemcpyAsync(out[b], dv->dout + pc[b].out_at - 1, pc[b].rows * pc[b].cols * sizeof(float),
                                cudaMemcpyDeviceToHost, st->compute);
        else
            e = cudaMemcpyAsync(raw ? (void *)(raw + vo) : vals[b], dv->dv + vo * dv->vb, nf[b] * dv->nr * dv->vb,
                                cudaMemcpyDeviceToHost, st->compute);
        if (e != cudaSuccess) return cu_fail(e, "copying the results from the device");
        vo += nf[b] * dv->nr;
    }
    if (n_fin && (e = cudaMemcpyAsync(hflag, dv->dflag, 2 * n_fin * sizeof(unsigned), cudaMemcpyDeviceToHost,
                                      st->compute)) != cudaSuccess)
        return cu_fail(e, "copying the finish's flags from the device");
    return WMEL_OK;
}

/* The frames of `batch` clips (nf[b] of x[b][0 .. n[b]) into vals[b] [nf[b]][n_cols]): every
 * clip's samples and values in one device allocation, one launch a clip on the compute
 * stream, one wait; the cepstra (n_ceps) computed there, or with WMEL_CUDA_VALS_F64=1 from
 * the device's log energy and log mels on the host, in double (wmel__fe_ceps, the CPU
 * path's). Where out is set and the plan's finish is the device's (st->finish), a clip
 * whose output is one k_plan_finish (and k_plan_post for a post stage) writes and whose
 * samples are finite is finished there too, straight into out[b] (rows x cols: shape's
 * pair, or wmel_features_shape's where shape is NULL; a post stage's finished frames stay
 * on the device), only its output and flags read back:
 * done[b] 2, or 1 where a value was not finite (out[b] unspecified: the host's way says
 * which status applies), else 0 (the values in vals[b]). Called where cuda_plan_stages
 * takes the frames (plan_fits: one clip's sizes within the buffer's arithmetic); clips of a
 * batch whose sizes together pass it are each left to wmel_features (done[b] 1; without
 * done, WMEL_ERR_OVERFLOW); a hand-back where device memory is short (WMEL__HB_MEMORY). */
static int plan_run(const wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                    void *const *vals, float *const *out, const size_t *shape, unsigned char *done, size_t batch)
{
    cuda_state *st = ctx->state;
    const wmel_fe *fe = ctx->fe;
    const size_t nr = (size_t)st->geo.n_cols, nc = (size_t)fe->n_cols; /* a frame's values on the device, the host's */
    const int ceps = fe->p.n_ceps > 0 && !st->ceps, f32 = ctx->vals_f32; /* ceps: the host's DCT */
    const size_t vb = f32 ? sizeof(float) : sizeof(double); /* a value's bytes */
    plan_clip *pc = calloc(batch ? batch : 1, sizeof *pc);
    if (!pc) return WMEL_ERR_NO_MEMORY;
    /* the device buffer: the finished clips' flags and keys (256 bytes aligned), each clip's
       values (doubles, 8-aligned; float32 where vals_f32), the finished clips' outputs, then
       each clip's samples */
    plan_sizes z = {0, 0, 0, 0};
    const int fits = plan_layout(ctx, x, n, nf, vals, out, shape, batch, pc, &z);
    if (!fits || z.vals_total > (SIZE_MAX / 4 - z.samples_total - z.outs_total) / 8) {
        free(pc);
        if (!done) return WMEL_ERR_OVERFLOW; /* plan_fits refused it up front */
        memset(done, 1, batch); /* each clip on its own */
        return WMEL_OK;
    }
    if (z.vals_total == 0) {
        free(pc);
        return WMEL_OK;
    }
    const size_t n_fin = z.n_fin;
    /* each finished clip's flag and key, then (8-aligned) its four doubles of statistics
       (WMEL_NORMF_ALL's, k_plan_all) */
    const size_t stats_at = (2 * n_fin * sizeof(unsigned) + 7) & ~(size_t)7;
    const size_t flag_bytes = (stats_at + 4 * n_fin * sizeof(double) + 255) & ~(size_t)255;
    const size_t bytes = flag_bytes + z.vals_total * vb + (z.outs_total + z.samples_total) * sizeof(float);
    /* the host's copy of the device values where they are not vals' own layout (cepstra);
       the finished clips' flags and keys */
    double *raw = ceps ? malloc(z.vals_total * sizeof(double)) : NULL;
    unsigned *hflag = n_fin ? malloc(2 * n_fin * sizeof(unsigned)) : NULL;
    if ((ceps && !raw) || (n_fin && !hflag)) {
        free(raw);
        free(hflag);
        free(pc);
        return WMEL_ERR_NO_MEMORY;
    }
    int prev = 0, held = 0;
    void *d = NULL;
    cudaError_t e;
    int rc = run_begin(ctx, st, bytes, &d, &prev, &held);
    if (!held) {
        free(raw);
        free(hflag);
        free(pc);
        return rc;
    }
    plan_dev dv = {d, d ? (char *)d + flag_bytes : NULL, NULL, NULL, stats_at, vb, nr};
    dv.dout = d ? (float *)(dv.dv + z.vals_total * vb) : NULL, dv.dx = d ? dv.dout + z.outs_total : NULL;
    if (rc == WMEL_OK && n_fin &&
        (e = cudaMemsetAsync(dv.dflag, 0, 2 * n_fin * sizeof(unsigned), st->compute)) != cudaSuccess)
        rc = cu_fail(e, "clearing the finish's flags");
    if (rc == WMEL_OK) rc = plan_launch(ctx, x, n, nf, pc, batch, &dv);
    if (rc == WMEL_OK) rc = plan_read_back(st, nf, vals, out, pc, batch, &dv, ceps ? raw : NULL, hflag, n_fin);
    if (rc == WMEL_OK && (e = cudaStreamSynchronize(st->compute)) != cudaSuccess)
        rc = cu_fail(e, "waiting for the device");
    rc = run_end(st, d, rc, prev);
    size_t vo = 0, k = 0;
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
        if (done) done[b] = pc[b].out_at ? (hflag[2 * k++] ? 1 : 2) : 0;
        if (done && done[b] == 2) atomic_fetch_add(&g_finishes, 1);
        if (pc[b].skip) continue;
        for (size_t t = 0; ceps && t < nf[b]; t++) wmel__fe_ceps(fe, raw + vo + t * nr, (double *)vals[b] + t * nc);
        vo += nf[b] * nr;
    }
    free(raw);
    free(hflag);
    free(pc);
    return rc;
}

static int cuda_plan_frames(const wmel_ctx *ctx, const float *x, size_t n, size_t nf, void *vals)
{
    return plan_run(ctx, &x, &n, &nf, &vals, NULL, NULL, NULL, 1);
}

/* every clip on the device: one past float-float's range runs the float64 kernel there;
 * where the plan's finish is the device's, each clip whose output k_plan_finish writes is
 * finished there too (redo[b] 2; 1 where a value was not finite: wmel_features' way) */
static int cuda_plan_frames_batch(const wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                                  void *const *vals, float *const *out, unsigned char *redo, size_t batch)
{
    if (batch) memset(redo, 0, batch);
    return plan_run(ctx, x, n, nf, vals, out, NULL, redo, batch);
}

/* Whether the device's finish (k_plan_finish, k_plan_post) writes a clip of n samples as
 * rows x cols: the plan's finish the device's, the output one those kernels write. */
static int finish_takes(const wmel_ctx *ctx, size_t n, size_t rows, size_t cols)
{
    const cuda_state *st = ctx->state;
    const size_t nf = wmel__fe_computed(&ctx->fe->p, n);
    size_t r = rows, c = cols, F = 0;
    return st->finish && cols &&
           (st->post ? wmel__fe_dev_post(ctx->fe, n, nf, r, c, &F) : wmel__fe_dev_shape(ctx->fe, n, nf, &r, &c));
}

/* Whether one clip of n samples (a rows x cols output) stays within plan_run's buffer
 * arithmetic (plan_layout's: its values, samples and output in size_t bytes with room for
 * the rest, its frames' first samples in long long): a clip past it is the CPU's. */
static int plan_fits(const wmel_ctx *ctx, size_t n, size_t rows, size_t cols)
{
    const cuda_state *st = ctx->state;
    const wmel_fe *fe = ctx->fe;
    const size_t q = SIZE_MAX / 64, nf = wmel__fe_computed(&fe->p, n);
    const size_t nr = (size_t)st->geo.n_cols, nc = (size_t)fe->n_cols;
    return n <= q && nf <= q / nr && nf <= q / nc && nf <= (size_t)(LLONG_MAX / 2) / (size_t)fe->p.hop &&
           (!cols || rows <= q / cols);
}

/* The stages of a general plan's clip the device takes (vt->plan_stages): its frames where
 * the lowering took them (a dithered plan too: the kernel draws the noise), its finish
 * too where finish_takes. Whisper's geometry on its own kernels: the device takes its clips
 * (cuda_clips, cuda_pfa_frames_batch) wherever the ctx was made. */
static int cuda_plan_stages(const wmel_ctx *ctx, size_t n, size_t rows, size_t cols)
{
    const cuda_state *st = ctx->state;
    if (st && !st->general) return WMEL__STAGE_FRAMES;
    if (!st || !st->plan_ok || (n && !plan_fits(ctx, n, rows, cols))) return 0;
    return WMEL__STAGE_FRAMES | (n && finish_takes(ctx, n, rows, cols) ? WMEL__STAGE_FINISH : 0);
}

/* Whisper's geometry's whole clips (vt->clips_stages): where the ctx's device takes its clips,
 * but for a clip of padding alone (its frames: the CPU's) or samples too big to stage. */
static int cuda_clips_stages(const wmel_ctx *ctx, const wmel_clips *c)
{
    const size_t elt = c->f32 ? sizeof(float) : sizeof(int16_t);
    if (!(cuda_plan_stages(ctx, 0, 0, 0) & WMEL__STAGE_FRAMES) || !c->batch) return 0;
    return c->n && c->n <= SIZE_MAX / elt / c->batch ? WMEL__STAGE_FRAMES : 0;
}

/* A general plan's frames and finish on the device (vt->plan_finish) for one clip
 * cuda_plan_stages finishes there: the output written in the plan's layout (a post stage's
 * rows x cols) straight into out, only it and the flags read back. A hand-back
 * (plan_frames and the host's finish: the same bytes in float64) where a sample is not
 * finite, a value is not finite or the affine takes one past float32's range
 * (WMEL__HB_RANGE: the host's way says which status applies), or device memory is short
 * (WMEL__HB_MEMORY). */
static int cuda_plan_finish(const wmel_ctx *ctx, const float *x, size_t n, float *out, size_t rows, size_t cols)
{
    const size_t nf = wmel__fe_computed(&ctx->fe->p, n), shape[2] = {rows, cols};
    if (!out || !finish_takes(ctx, n, rows, cols)) return WMEL_ERR_INVALID_ARG; /* not one plan_stages takes */
    unsigned char done = 0;
    void *vals = NULL;
    const int rc = plan_run(ctx, &x, &n, &nf, &vals, &out, shape, &done, 1);
    return rc == WMEL_OK && done != 2 ? wmel__handback(ctx, WMEL__HB_RANGE) : rc;
}

/* ---------------------------------------------------------------- a plan's features, device pointers */

/* Why the device cannot make this general plan's features, into msg; 0 when it can. */
static int features_refusal(const wmel_ctx *ctx, char *msg, size_t len)
{
    const cuda_state *st = ctx->state;
    const wmel_frontend_plan *p = &ctx->fe->p;
    const char *why = NULL;
    if (!st->plan_ok)
        why = p->energy_windowed ? "the plan's log energy is the windowed frame's (energy_windowed), which the "
                                   "frame kernel leaves to the CPU"
                                 : "the plan's frames do not fit the device's frame kernel (its framing, or a frame "
                                   "past 48 KB of shared memory)";
    else if (!ctx->vals_f32)
        why = "the testing switch WMEL_CUDA_VALS_F64=1 keeps this ctx's finish on the host";
    else if (st->finish_off)
        why = "the switch WMEL_CUDA_DEVICE_FINISH=0 keeps this ctx's finish on the host";
    else if (!st->finish)
        why = "the plan's finish is not one the device makes (WMEL_NORMF_ALL, a post stage in the mels x "
              "frames layout: docs/cuda.md)";
    if (!why) return 0;
    snprintf(msg, len, "CUDA: wmel_cuda_features_device: %s; wmel_features computes it from host memory", why);
    return 1;
}

/* Whisper's geometry's features of whole clips in device memory (vt->features_device on a
 * ctx of Whisper's own kernels): wmel_cuda_log_mel_device's path with no padding, each clip
 * its own max (the ctx's norm, WMEL_NORM_WHOLE or WMEL_NORM_NONE) and params.smooth, clip b's
 * n_mels x frames at c->out + b * rows * cols: wmel_features' layout and bytes on this ctx. */
static int whisper_features_device(wmel_ctx *ctx, const wmel_clips *c, size_t rows, size_t cols, void *stream)
{
    if (!c->batch || !rows || !cols) return WMEL_OK; /* nothing to write; the ctx is taken */
    if (rows != (size_t)ctx->params.n_mels || cols != wmel_n_frames(c->n, 0)) {
        char msg[200];
        snprintf(msg, sizeof msg, "CUDA: wmel_cuda_features_device: %zu x %zu is not Whisper's n_mels x frames for "
                 "%zu samples; wmel_features computes it from host memory", rows, cols, c->n);
        wmel__detail(msg);
        return WMEL_ERR_BACKEND_UNAVAILABLE;
    }
    wmel_clips w = *c;
    w.padding = 0;
    w.batch_norm = WMEL_BATCH_PER_CLIP;
    return cuda_clips_device(ctx, &w, stream);
}

/* params.device_check on a general plan's device call (f32: its float32 samples, NULL for
 * int16 ones, which no limit refuses): the scan of device_scan, a sample past 1e15 refused
 * where the ctx has a CPU twin (wmel_features' CPU kernels decide such a clip), and, where
 * the call's arithmetic is float-float (ff), *ff64 (malloc'd; the caller frees) set for the
 * clips past its range, which run in float64 as wmel_features runs them. WMEL_OK with *ff64
 * NULL where the check is off. */
static int features_scan(const wmel_ctx *ctx, int s16, const float *f32, size_t stride, size_t n0,
                         const void *const *pcm, const size_t *n, size_t batch, int ff, unsigned char **ff64,
                         size_t *failed, cudaStream_t s, const wmel_dev_scratch *z)
{
    const cuda_state *st = ctx->state;
    *ff64 = NULL;
    if (!ctx->params.device_check || !batch || s16) return WMEL_OK; /* int16: no sample to refuse */
    if (!(*ff64 = malloc(batch))) return WMEL_ERR_NO_MEMORY;
    const scan_q q = {f32, stride, n0, pcm, n, batch, ctx->twin ? f32_bits(WMEL_F32_KERNEL_SAFE) : NO_BOUND,
                      ff ? st->ff_lim : NO_BOUND};
    size_t at = 0;
    const int rc = device_scan(&q, *ff64, failed ? failed : &at, s, z);
    if (rc != WMEL_OK) {
        free(*ff64);
        *ff64 = NULL;
    }
    return rc;
}

/* A general plan's features of whole clips in device memory (vt->features_device): per clip,
 * k_plan_frames on its samples where they lie, then k_plan_finish (k_plan_max, k_plan_post)
 * into its rows x cols of c->out, all on the caller's stream, the clips one after another
 * through one stream-ordered scratch (the finish's flag and max key, the frames' float32
 * values, a post stage's finished frames). Nothing is read back: the finish's flag (a value
 * not finite) is left unread, the clip's max stays on the device. The arithmetic is the
 * ctx's: int16 samples (|x| <= 1) take float64 only where float-float's limit is below 1;
 * float32 samples are not scanned (wmel.h says what samples past that limit give). */
static int cuda_features_device(wmel_ctx *ctx, const wmel_clips *c, size_t rows, size_t cols, void *stream)
{
    cuda_state *st = ctx->state;
    const wmel_fe *fe = ctx->fe;
    const wmel_frontend_plan *p = &fe->p;
    char msg[400];
    if (!st->general) return whisper_features_device(ctx, c, rows, cols, stream);
    if (features_refusal(ctx, msg, sizeof msg)) {
        wmel__detail(msg);
        return WMEL_ERR_BACKEND_UNAVAILABLE;
    }
    if (!c->batch || !rows || !cols) return WMEL_OK; /* nothing to write */
    const size_t n = c->n, nf = wmel__fe_computed(p, n), per = rows * cols;
    size_t r = rows, cc = cols, F = 0;
    if (!(st->post ? wmel__fe_dev_post(fe, n, nf, r, cc, &F) : wmel__fe_dev_shape(fe, n, nf, &r, &cc))) {
        snprintf(msg, sizeof msg,
                 "CUDA: wmel_cuda_features_device: the plan's output for %zu samples (%zu x %zu) is not one the "
                 "device's finish writes; wmel_features computes it from host memory",
                 n, rows, cols);
        wmel__detail(msg);
        return WMEL_ERR_BACKEND_UNAVAILABLE;
    }
    const size_t nr = (size_t)st->geo.n_cols, nc = (size_t)fe->n_cols;
    if (nf > (SIZE_MAX / 16) / nr || F > (SIZE_MAX / 16) / nc || nf > (size_t)(LLONG_MAX / 2) / (size_t)p->hop ||
        n > (size_t)(LLONG_MAX / 2))
        return WMEL_ERR_OVERFLOW;
    /* the scratch: the flag and the max key (256 bytes), the values, a post stage's frames */
    const size_t vals_bytes = (nf * nr * sizeof(float) + 255) & ~(size_t)255;
    const size_t bytes = 256 + vals_bytes + F * nc * sizeof(float);
    const int s16 = c->s16 != NULL;
    const size_t sb = ctx->params.device_check && !s16 ? scan_bytes(c->batch, 0) : 0;
    int rc = WMEL_OK;
    if (scratch_said(&c->scratch, sb > bytes ? sb : bytes, &rc)) return rc;
    wmel_cu_frames l = st->geo;
    l.n = (long long)n;
    l.t0 = 0;
    l.nf = (long long)nf;
    l.out = NULL;
    if (l.ff && s16 && 0x3f800000u > st->ff_lim) { /* float-float's limit below 1: float64 */
        l.ff = 0;
        l.tab = st->tab64;
    }
    wmel_cu_finish f = st->fin;
    f.nv = (long long)wmel__fe_valid(p, n);
    f.nc = l.nf;
    f.nfo = (long long)wmel__fe_out_frames(p, n);
    f.T = (long long)(f.fmaj ? r : cc);
    f.ff = l.ff;
    f.tab = l.tab;
    if (f.post) {
        f.T = (long long)F;
        f.pT = f.nfo;
        f.prows = (long long)rows;
        f.pcols = (long long)cols;
    }

    cudaStream_t s = (cudaStream_t)stream;
    int prev = 0;
    void *d = NULL;
    cudaError_t e = enter_device(st->device, &prev);
    if (e != cudaSuccess) return cu_fail(e, "selecting the CUDA device");
    unsigned char *ff64 = NULL; /* params.device_check: clip b past float-float's range, in float64 */
    rc = scratch_capture(&c->scratch, bytes, s);
    if (rc == WMEL_OK)
        rc = features_scan(ctx, s16, c->f32, c->pcm_stride, n, NULL, NULL, c->batch, l.ff, &ff64, NULL, s, &c->scratch);
    if (rc != WMEL_OK) {
        leave_device(st->device, prev);
        return rc;
    }
    const char *what = "allocating the device scratch";
    /* stream-ordered: freed on `s` after the kernels that use it */
    if ((e = scratch_take(&c->scratch, &d, bytes, s)) == cudaSuccess) {
        unsigned *flag = d;
        float *vals = (float *)((char *)d + 256), *frames = (float *)((char *)d + 256 + vals_bytes);
        l.outf = vals;
        f.in = vals;
        f.flag = flag;
        f.stats = (double *)(void *)((char *)d + 64); /* WMEL_NORMF_ALL's, in the first 256 bytes */
        for (size_t b = 0; b < c->batch && e == cudaSuccess; b++) {
            if (s16) l.xs = c->s16 + b * c->pcm_stride;
            else l.x = c->f32 + b * c->pcm_stride;
            if (ff64 && ff64[b]) { /* as wmel_features runs it */
                l.ff = f.ff = 0;
                l.tab = f.tab = st->tab64;
            } else if (ff64) {
                l.ff = f.ff = st->geo.ff;
                l.tab = f.tab = st->geo.tab;
            }
            float *o = c->out + b * per;
            if (f.post) {
                f.out = frames;
                f.pout = o;
            } else {
                f.out = o;
            }
            what = "clearing the finish's flag";
            if ((e = cudaMemsetAsync(flag, 0, 2 * sizeof(unsigned), s)) != cudaSuccess) break;
            what = "launching the frames kernel";
            if ((e = (cudaError_t)wmel__cu_plan_frames(&l, s)) != cudaSuccess) break;
            what = "launching the finish kernel";
            e = (cudaError_t)wmel__cu_plan_finish(&f, s);
        }
        e = scratch_give(&c->scratch, d, s, e, &what, "releasing the device scratch");
    }
    free(ff64);
    return device_end(ctx, st->device, prev, e, what);
}

/* ---------------------------------------------------------------- many clips of their own lengths, device pointers */

/* A round's frames' values and a post stage's finished frames at most (a clip larger than
 * this has a round of its own). */
#define ROUND_BYTES ((size_t)64 << 20)

/* A clip of wmel_cuda_features_device_batch: its sizes (rows 0: no output, not run). */
typedef struct dev_clip {
    size_t rows, cols, T, nf, nv, nfo, F;
} dev_clip;

/* Clip b's sizes into *dc: WMEL_OK, or the refusal (its detail said). */
static int batch_clip(const wmel_ctx *ctx, size_t b, size_t n, dev_clip *dc)
{
    const cuda_state *st = ctx->state;
    const wmel_fe *fe = ctx->fe;
    const wmel_frontend_plan *p = &fe->p;
    char msg[400];
    memset(dc, 0, sizeof *dc);
    int rc = wmel_features_shape(ctx, n, &dc->rows, &dc->cols);
    if (rc != WMEL_OK) return rc;
    if (!dc->rows || !dc->cols) return dc->rows = 0, WMEL_OK; /* nothing to write */
    dc->nf = wmel__fe_computed(p, n);
    size_t r = dc->rows, cc = dc->cols;
    if (!(st->post ? wmel__fe_dev_post(fe, n, dc->nf, r, cc, &dc->F) : wmel__fe_dev_shape(fe, n, dc->nf, &r, &cc))) {
        snprintf(msg, sizeof msg,
                 "CUDA: wmel_cuda_features_device_batch: clip %zu: the plan's output for %zu samples (%zu x %zu) is "
                 "not one the device's finish writes; wmel_features computes it from host memory",
                 b, n, dc->rows, dc->cols);
        wmel__detail(msg);
        return WMEL_ERR_BACKEND_UNAVAILABLE;
    }
    dc->T = st->post ? dc->F : st->fin.fmaj ? r : cc; /* the frames k_plan_finish writes */
    dc->nv = wmel__fe_valid(p, n);
    dc->nfo = wmel__fe_out_frames(p, n);
    const size_t nr = (size_t)st->geo.n_cols, nc = (size_t)fe->n_cols;
    /* the rounds' tables hold 32-bit counts */
    if (dc->nf > UINT_MAX || dc->nv > UINT_MAX || dc->nfo > UINT_MAX || dc->T > UINT_MAX || dc->F > UINT_MAX ||
        dc->rows > UINT_MAX || dc->nf > (SIZE_MAX / 16) / nr || dc->F > (SIZE_MAX / 16) / nc ||
        dc->nf > (size_t)(LLONG_MAX / 2) / (size_t)p->hop || n > (size_t)(LLONG_MAX / 2)) {
        snprintf(msg, sizeof msg, "CUDA: wmel_cuda_features_device_batch: clip %zu: %zu samples pass the rounds' "
                 "32-bit frame counts", b, n);
        wmel__detail(msg);
        return WMEL_ERR_OVERFLOW;
    }
    return WMEL_OK;
}

/* The round from clip b0: its end (clips [b0, end), those with an output run: at most
 * WMEL_CU_ROUND_CLIPS, at least one, their values and finished frames within ROUND_BYTES
 * but for a round of one, one post stage width); its frames into *vf, finished frames *pf. */
static size_t round_end(const dev_clip *dc, size_t b0, size_t batch, size_t nr, size_t nc, size_t *vf, size_t *pf)
{
    size_t b = b0, k = 0, bytes = 0, cols = 0;
    *vf = *pf = 0;
    for (; b < batch; b++) {
        if (!dc[b].rows) continue;
        const size_t need = (dc[b].nf * nr + dc[b].F * nc) * sizeof(float);
        if (k && (k == WMEL_CU_ROUND_CLIPS || bytes > ROUND_BYTES || need > ROUND_BYTES - bytes ||
                  (dc[b].F && dc[b].cols != cols) || *vf + dc[b].nf > UINT_MAX || *pf + dc[b].F > UINT_MAX))
            break;
        bytes += need, k++, cols = dc[b].cols;
        *vf += dc[b].nf, *pf += dc[b].F;
    }
    return b;
}

/* The rounds' scratch: every clip's flag and key, then (8-aligned) its statistics (at
 * stats_at), then (256-aligned, at vals_at) the largest round's values, then its finished
 * frames (at post_at). */
typedef struct round_scratch {
    size_t stats_at, vals_at, post_at, bytes;
} round_scratch;

static int round_layout(const dev_clip *dc, size_t batch, size_t nr, size_t nc, round_scratch *z)
{
    size_t run = 0, vmax = 0, pmax = 0;
    for (size_t b = 0; b < batch; b++) run += dc[b].rows != 0;
    for (size_t b0 = 0, vf, pf; b0 < batch;) {
        b0 = round_end(dc, b0, batch, nr, nc, &vf, &pf);
        vmax = vf > vmax ? vf : vmax, pmax = pf > pmax ? pf : pmax;
    }
    if (run > SIZE_MAX / 64 || vmax > (SIZE_MAX / 16) / nr || pmax > (SIZE_MAX / 16) / nc) return WMEL_ERR_OVERFLOW;
    z->stats_at = (2 * run * sizeof(unsigned) + 7) & ~(size_t)7;
    z->vals_at = (z->stats_at + 4 * run * sizeof(double) + 255) & ~(size_t)255;
    z->post_at = z->vals_at + ((vmax * nr * sizeof(float) + 255) & ~(size_t)255);
    z->bytes = z->post_at + pmax * nc * sizeof(float);
    return WMEL_OK;
}

/* A bound on round_layout's bytes for any subset of dc's clips (those params.device_check's
 * scan sends to float64, and the others): a round of two clips or more holds at most
 * ROUND_BYTES of values and finished frames, a round of one its clip's; no subset has more
 * clips, values or finished frames than all. */
static size_t split_bound(const dev_clip *dc, size_t batch, size_t nr, size_t nc)
{
    size_t run = 0, sv = 0, sp = 0, mv = 0, mp = 0;
    for (size_t b = 0; b < batch; b++) {
        if (!dc[b].rows) continue;
        const size_t v = dc[b].nf * nr * sizeof(float), p = dc[b].F * nc * sizeof(float);
        run++;
        sv = sv > SIZE_MAX - v ? SIZE_MAX : sv + v;
        sp = sp > SIZE_MAX - p ? SIZE_MAX : sp + p;
        mv = v > mv ? v : mv, mp = p > mp ? p : mp;
    }
    const size_t cv = mv > ROUND_BYTES ? mv : ROUND_BYTES, cp = mp > ROUND_BYTES ? mp : ROUND_BYTES;
    const size_t vb = sv < cv ? sv : cv, pb = sp < cp ? sp : cp;
    const size_t stats_at = (2 * run * sizeof(unsigned) + 7) & ~(size_t)7;
    const size_t vals_at = (stats_at + 4 * run * sizeof(double) + 255) & ~(size_t)255;
    if (vb > SIZE_MAX / 4 || pb > SIZE_MAX / 4) return SIZE_MAX;
    return vals_at + ((vb + 255) & ~(size_t)255) + pb;
}

/* The rounds on stream s (the scratch d as z lays it out; l, f: the plan's launches, in the
 * call's arithmetic): per round one k_plan_frames_round, then the finish's launches over all
 * its clips. cudaSuccess, or the failure (*what says which). */
static cudaError_t run_rounds(const cuda_state *st, wmel_cu_frames l, wmel_cu_finish f, const void *const *pcm, int s16,
                              const size_t *n, float *const *out, const dev_clip *dc, size_t batch, char *d,
                              const round_scratch *z, cudaStream_t s, const char **what)
{
    const size_t nr = (size_t)st->geo.n_cols, nc = (size_t)f.n_cols;
    wmel_cu_frames_round fr;
    wmel_cu_finish_round fi;
    memset(&fr, 0, sizeof fr);
    memset(&fi, 0, sizeof fi);
    fr.s16 = s16;
    l.x = NULL, l.xs = NULL, l.out = NULL, l.t0 = 0;
    l.outf = (float *)(void *)(d + z->vals_at);
    f.in = l.outf;
    size_t j = 0; /* the clips run before the round */
    for (size_t b0 = 0, b1, vf, pf; b0 < batch; b0 = b1) {
        b1 = round_end(dc, b0, batch, nr, nc, &vf, &pf);
        unsigned f0 = 0, p0 = 0, blocks = 0;
        int k = 0;
        for (size_t b = b0; b < b1; b++) {
            if (!dc[b].rows) continue;
            fr.x[k] = pcm[b], fr.n[k] = (long long)n[b], fr.f0[k] = f0, fr.nf[k] = (unsigned)dc[b].nf;
            fr.b0[k] = blocks;
            fi.out[k] = out[b], fi.f0[k] = f0, fi.nv[k] = (unsigned)dc[b].nv, fi.nc[k] = (unsigned)dc[b].nf;
            fi.nfo[k] = (unsigned)dc[b].nfo, fi.T[k] = (unsigned)dc[b].T, fi.p0[k] = p0;
            fi.prows[k] = (unsigned)dc[b].rows;
            if (dc[b].F) f.pcols = (long long)dc[b].cols;
            f0 += (unsigned)dc[b].nf, p0 += (unsigned)dc[b].F;
            blocks += (unsigned)((dc[b].nf + (size_t)l.fpb - 1) / (size_t)l.fpb);
            k++;
        }
        fr.n_clips = fi.n_clips = k;
        f.out = (float *)(void *)(d + z->post_at);
        f.flag = (unsigned *)(void *)d + 2 * j;
        f.stats = (double *)(void *)(d + z->stats_at) + 4 * j;
        j += (size_t)k;
        cudaError_t e;
        *what = "launching the frames kernel";
        if ((e = (cudaError_t)wmel__cu_plan_frames_round(&l, &fr, (long long)blocks, s)) != cudaSuccess) return e;
        *what = "launching the finish kernel";
        if ((e = (cudaError_t)wmel__cu_plan_finish_round(&f, &fi, s)) != cudaSuccess) return e;
    }
    return cudaSuccess;
}

/* The rounds of the clips dc runs (those with rows) on stream s in the arithmetic of l and f,
 * through one scratch (zs's, else one stream-ordered allocation): WMEL_OK with *e the CUDA
 * status (*what says which call failed), or the layout's refusal. */
static int device_pass(const cuda_state *st, wmel_cu_frames l, wmel_cu_finish f, const void *const *pcm, int s16,
                       const size_t *n, float *const *out, const dev_clip *dc, size_t batch, cudaStream_t s,
                       cudaError_t *e, const char **what, const wmel_dev_scratch *zs)
{
    const size_t nr = (size_t)st->geo.n_cols, nc = (size_t)f.n_cols;
    size_t run = 0;
    for (size_t b = 0; b < batch; b++) run += dc[b].rows != 0;
    if (!run) return WMEL_OK;
    round_scratch z;
    const int rc = round_layout(dc, batch, nr, nc, &z);
    if (rc != WMEL_OK) return rc;
    void *d = NULL;
    *what = "allocating the device scratch";
    if ((*e = scratch_take(zs, &d, z.bytes, s)) == cudaSuccess) { /* freed on s after the kernels */
        *what = "clearing the finish's flags";
        if ((*e = cudaMemsetAsync(d, 0, 2 * run * sizeof(unsigned), s)) == cudaSuccess)
            *e = run_rounds(st, l, f, pcm, s16, n, out, dc, batch, d, &z, s, what);
        *e = scratch_give(zs, d, s, *e, what, "releasing the device scratch");
    }
    return WMEL_OK;
}

/* Whisper's geometry's round from clip b0 (the clips with frames, nf[b] > 0): its end
 * (clips [b0, end): at most WMEL_CU_ROUND_CLIPS with frames, at least one, their frames at
 * most UINT_MAX), the bytes of its smoothing's saved edges into *edge_bytes. */
static size_t whisper_round_end(const size_t *nf, size_t b0, size_t batch, int n_mels, size_t *edge_bytes)
{
    size_t b = b0, k = 0, frames = 0;
    *edge_bytes = 0;
    for (; b < batch; b++) {
        if (!nf[b]) continue;
        if (k && (k == WMEL_CU_ROUND_CLIPS || nf[b] > UINT_MAX - frames)) break;
        k++, frames += nf[b];
        *edge_bytes += wmel__cu_smooth_scratch(n_mels, nf[b], 1);
    }
    return b;
}

/* Clip b's frames (0: no output) into nf[b] for Whisper's rounds: WMEL_OK, or the refusal
 * (its detail said). */
static int whisper_clip(const wmel_ctx *ctx, size_t b, size_t n, size_t *nf)
{
    size_t rows = 0, cols = 0;
    char msg[300];
    int rc = wmel_features_shape(ctx, n, &rows, &cols);
    *nf = rows ? cols : 0;
    if (rc != WMEL_OK || !*nf) return rc;
    if (rows != (size_t)ctx->params.n_mels || cols != wmel_n_frames(n, 0)) {
        snprintf(msg, sizeof msg, "CUDA: wmel_cuda_features_device_batch: clip %zu: %zu x %zu is not Whisper's n_mels "
                 "x frames for %zu samples; wmel_features computes it from host memory", b, rows, cols, n);
        wmel__detail(msg);
        return WMEL_ERR_BACKEND_UNAVAILABLE;
    }
    if (*nf > UINT_MAX || n > (size_t)(LLONG_MAX / 4)) {
        snprintf(msg, sizeof msg, "CUDA: wmel_cuda_features_device_batch: clip %zu: %zu samples pass the rounds' "
                 "32-bit frame counts", b, n);
        wmel__detail(msg);
        return WMEL_ERR_OVERFLOW;
    }
    return WMEL_OK;
}

/* The clips of dc in one pass, or, where params.device_check's scan set ff64 for some clips
 * (past float-float's range), the others in the call's arithmetic, then those in float64 (as
 * wmel_features runs them). As device_pass. */
static int device_passes(const cuda_state *st, wmel_cu_frames l, wmel_cu_finish f, const void *const *pcm, int s16,
                         const size_t *n, float *const *out, dev_clip *dc, const unsigned char *ff64, size_t batch,
                         cudaStream_t s, cudaError_t *e, const char **what, const wmel_dev_scratch *zs)
{
    size_t wide = 0;
    for (size_t b = 0; ff64 && b < batch; b++) wide += ff64[b] && dc[b].rows;
    *e = cudaSuccess;
    if (!wide) return device_pass(st, l, f, pcm, s16, n, out, dc, batch, s, e, what, zs);
    dev_clip *dw = malloc(batch * sizeof *dw);
    if (!dw) return WMEL_ERR_NO_MEMORY;
    for (size_t b = 0; b < batch; b++) {
        dw[b] = dc[b];
        if (ff64[b]) dc[b].rows = 0;
        else dw[b].rows = 0;
    }
    int rc = device_pass(st, l, f, pcm, s16, n, out, dc, batch, s, e, what, zs);
    if (rc == WMEL_OK && *e == cudaSuccess) { /* the same scratch after the first pass, in stream order */
        l.ff = f.ff = 0;
        l.tab = f.tab = st->tab64;
        rc = device_pass(st, l, f, pcm, s16, n, out, dw, batch, s, e, what, zs);
    }
    free(dw);
    return rc;
}

/* Whisper's rounds on stream s (l: the plan's launch, l.keys the first clip's max key; the
 * clips with frames take consecutive keys): one wmel__cu_whisper_round each. */
static cudaError_t whisper_rounds(wmel_cu_launch l, const void *const *pcm, const size_t *n, float *const *out,
                                  const size_t *nf, size_t batch, float *edges, int normalize, int smooth,
                                  cudaStream_t s)
{
    wmel_cu_logmel_round r;
    memset(&r, 0, sizeof r);
    for (size_t b0 = 0, b1, eb; b0 < batch; b0 = b1) {
        b1 = whisper_round_end(nf, b0, batch, l.n_mels, &eb);
        int k = 0;
        for (size_t b = b0; b < b1; b++) {
            if (!nf[b]) continue;
            r.x[k] = pcm[b], r.out[k] = out[b], r.n[k] = (long long)n[b], r.nf[k] = (unsigned)nf[b];
            k++;
        }
        r.n_clips = k;
        const cudaError_t e = (cudaError_t)wmel__cu_whisper_round(&l, &r, normalize, smooth, edges, s);
        if (e != cudaSuccess) return e;
        l.keys += k;
    }
    return cudaSuccess;
}

/* Whisper's geometry's features of clips of their own lengths in device memory
 * (vt->features_device_batch on a ctx of Whisper's own kernels): whisper_features_device's
 * results (no padding, each clip its own max, the ctx's norm and params.smooth) in rounds
 * (whisper_round_end) on the caller's stream: per round one k_logmel_round straight into
 * the clips' outputs, then one k_normalize_round, or k_edges_round and k_smooth_round with
 * the smoothing, the clips' tables in the kernels' parameters. One stream-ordered scratch
 * (the clips' max keys, cleared by one memset, then the largest round's saved edges).
 * Nothing is read back, nothing waited for; the samples are not scanned. */
static int whisper_features_device_batch(wmel_ctx *ctx, const void *const *pcm, int s16, const size_t *n,
                                         size_t batch, float *const *out, size_t *failed, void *stream,
                                         const wmel_dev_scratch *z)
{
    cuda_state *st = ctx->state;
    if (!batch) return WMEL_OK; /* the ctx is taken */
    size_t *nf = malloc(batch * sizeof *nf);
    if (!nf) return WMEL_ERR_NO_MEMORY;
    const int n_mels = ctx->params.n_mels, smooth = ctx->params.smooth == WMEL_SMOOTH_3X3;
    int rc = WMEL_OK;
    size_t run = 0, edge_bytes = 0;
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
        if ((rc = whisper_clip(ctx, b, n[b], &nf[b])) != WMEL_OK) *failed = b;
        run += nf[b] != 0;
    }
    for (size_t b0 = 0, eb; rc == WMEL_OK && smooth && b0 < batch;) {
        b0 = whisper_round_end(nf, b0, batch, n_mels, &eb);
        edge_bytes = eb > edge_bytes ? eb : edge_bytes;
    }
    if (rc != WMEL_OK || !run) {
        free(nf);
        return rc;
    }
    const size_t keys_bytes = (run * sizeof(unsigned) + 255) & ~(size_t)255;
    const int scan = ctx->params.device_check && !s16;
    const size_t sb = scan ? scan_bytes(batch, 1) : 0, need = keys_bytes + edge_bytes;
    if (scratch_said(z, sb > need ? sb : need, &rc)) {
        free(nf);
        return rc;
    }
    wmel_cu_launch l;
    memset(&l, 0, sizeof l);
    l.sample_type = s16 ? WMEL_CU_S16 : WMEL_CU_F32;
    l.plan_d = st->plan_d;
    l.plan_i = st->plan_i;
    l.ff = st->wff;
    l.n_mels = n_mels;
    cudaStream_t s = (cudaStream_t)stream;
    int prev = 0;
    void *d = NULL;
    cudaError_t e = enter_device(st->device, &prev);
    if (e != cudaSuccess) {
        free(nf);
        return cu_fail(e, "selecting the CUDA device");
    }
    rc = scratch_capture(z, need, s);
    if (rc == WMEL_OK && scan) { /* as whisper's one-length call: past 1e15 the CPU kernels decide */
        const scan_q q = {NULL, 0, 0, pcm, n, batch, f32_bits(WMEL_F32_KERNEL_SAFE), NO_BOUND};
        rc = device_scan(&q, NULL, failed, s, z);
    }
    if (rc != WMEL_OK) {
        free(nf);
        leave_device(st->device, prev);
        return rc;
    }
    const char *what = "allocating the device scratch";
    if ((e = scratch_take(z, &d, keys_bytes + edge_bytes, s)) == cudaSuccess) { /* freed on s after */
        l.keys = d;
        what = "clearing the max keys";
        if ((e = cudaMemsetAsync(d, 0, run * sizeof(unsigned), s)) == cudaSuccess) {
            what = "launching the log-mel, normalisation and smoothing kernels";
            e = whisper_rounds(l, pcm, n, out, nf, batch, (float *)(void *)((char *)d + keys_bytes),
                               ctx->params.norm == WMEL_NORM_WHOLE, smooth, s);
        }
        e = scratch_give(z, d, s, e, &what, "releasing the device scratch");
    }
    free(nf);
    return device_end(ctx, st->device, prev, e, what);
}

/* A general plan's features of clips of their own lengths in device memory
 * (vt->features_device_batch): every clip's sizes checked (a refusal names the clip in
 * *failed), then the clips in rounds (round_end) through one stream-ordered scratch on the
 * caller's stream: a round's frames in one k_plan_frames_round, its finish in one launch of
 * each finish kernel, the clips' tables in the kernels' parameters. Nothing is read back,
 * nothing waited for; the samples are not scanned (as cuda_features_device). */
static int cuda_features_device_batch(wmel_ctx *ctx, const void *const *pcm, int s16, const size_t *n, size_t batch,
                                      float *const *out, size_t *failed, void *stream, const wmel_dev_scratch *z)
{
    cuda_state *st = ctx->state;
    char msg[400];
    const wmel_dev_scratch own = {NULL, 0, NULL};
    if (!z) z = &own;
    if (!st->general) return whisper_features_device_batch(ctx, pcm, s16, n, batch, out, failed, stream, z);
    if (features_refusal(ctx, msg, sizeof msg)) {
        wmel__detail(msg);
        return WMEL_ERR_BACKEND_UNAVAILABLE;
    }
    if (!batch) return WMEL_OK;
    dev_clip *dc = malloc(batch * sizeof *dc);
    if (!dc) return WMEL_ERR_NO_MEMORY;
    int rc = WMEL_OK;
    size_t run = 0;
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
        if ((rc = batch_clip(ctx, b, n[b], &dc[b])) != WMEL_OK) *failed = b;
        run += dc[b].rows != 0;
    }
    if (rc != WMEL_OK || !run) {
        free(dc);
        return rc;
    }
    wmel_cu_frames l = st->geo;
    if (l.ff && s16 && 0x3f800000u > st->ff_lim) { /* float-float's limit below 1: float64 */
        l.ff = 0;
        l.tab = st->tab64;
    }
    wmel_cu_finish f = st->fin;
    f.ff = l.ff;
    f.tab = l.tab;
    /* the scratch: the rounds' (all clips in one pass, or, where the scan may send some to
       float64, a bound on both passes'), after the scan's */
    const size_t nr = (size_t)st->geo.n_cols, nc = (size_t)f.n_cols;
    const int scan = ctx->params.device_check && !s16;
    round_scratch zl;
    if ((rc = round_layout(dc, batch, nr, nc, &zl)) != WMEL_OK) {
        free(dc);
        return rc;
    }
    size_t need = zl.bytes;
    if (scan && l.ff) {
        const size_t bound = split_bound(dc, batch, nr, nc);
        need = bound > need ? bound : need;
    }
    const size_t sb = scan ? scan_bytes(batch, 1) : 0;
    if (scratch_said(z, sb > need ? sb : need, &rc)) {
        free(dc);
        return rc;
    }
    cudaStream_t s = (cudaStream_t)stream;
    int prev = 0;
    cudaError_t e = enter_device(st->device, &prev);
    if (e != cudaSuccess) {
        free(dc);
        return cu_fail(e, "selecting the CUDA device");
    }
    unsigned char *ff64 = NULL; /* params.device_check: the clips past float-float's range */
    rc = scratch_capture(z, need, s);
    if (rc == WMEL_OK) rc = features_scan(ctx, s16, NULL, 0, 0, pcm, n, batch, l.ff, &ff64, failed, s, z);
    const char *what = "";
    if (rc == WMEL_OK) rc = device_passes(st, l, f, pcm, s16, n, out, dc, ff64, batch, s, &e, &what, z);
    free(ff64);
    free(dc);
    if (rc != WMEL_OK) {
        leave_device(st->device, prev);
        return rc;
    }
    return device_end(ctx, st->device, prev, e, what);
}

/* ---------------------------------------------------------------- accepts, devices */

/* A general plan's frames on the device (general_init's st->plan_ok): the lowering's
 * answer (a framing the kernel knows, a frame and its sums in 48 KB of shared memory, no
 * dither); dp: the lowered plan. */
static int cu_accepts_frames(const wmel_fe *fe, wmel_devplan *dp, char *why, size_t len)
{
    wmel_dp_limits lim;
    cu_limits(&lim);
    const int ok = wmel__devplan_lower(fe, &lim, dp);
    return wmel__answer(ok, why, len, "%s", dp->why);
}

/* The finish on the device (general_init's st->finish). */
static int cu_accepts_finish(const wmel_fe *fe, char *why, size_t len)
{
    wmel_devplan dp;
    if (!cu_accepts_frames(fe, &dp, why, len)) return 0;
    const char *f64_env = wmel__test_env(WMEL__CFG_CUDA_VALS_F64);
    if (f64_env && !strcmp(f64_env, "1"))
        return wmel__answer(0, why, len, "the testing switch WMEL_CUDA_VALS_F64=1 keeps the finish on the host");
    const char *env = wmel__env(WMEL__CFG_CUDA_DEVICE_FINISH);
    if (env && !strcmp(env, "0"))
        return wmel__answer(0, why, len, "the switch WMEL_CUDA_DEVICE_FINISH=0 keeps the finish on the host");
    wmel_dp_limits lim;
    cu_limits(&lim);
    return wmel__devplan_finish_why(fe, &dp, &lim, "k_plan_finish", why, len);
}

static int cuda_accepts(const wmel_accept_q *q, char *why, size_t len)
{
    const int c = wmel__accepts_common(WMEL_BACKEND_CUDA, q, why, len);
    if (c >= 0) return c;
    if (q->op == WMEL__OP_KERNELS) return wmel__device_kernels(q, "CUDA", why, len);
    if (q->fe->algo != &wmel__algo_general) { /* Whisper's geometry on kernels.cu, in float64 */
        if (q->op == WMEL_OP_DEVICE)
            return wmel__answer(1, why, len, "wmel_cuda_log_mel_device, wmel_cuda_features_device and "
                                             "wmel_cuda_features_device_batch take Whisper's geometry (its own kernels, "
                                             "the normalisation and the smoothing too)");
        return wmel__answer(1, why, len, "CUDA computes Whisper's geometry on its own kernels in float64%s",
                      q->op == WMEL_OP_FINISH ? ", the normalisation and the smoothing too" : "");
    }
    wmel_devplan dp;
    char inner[300];
    switch (q->op) {
    case WMEL_OP_FINISH: return cu_accepts_finish(q->fe, why, len);
    case WMEL_OP_DEVICE: /* features_refusal's rules */
        if (cu_accepts_finish(q->fe, inner, sizeof inner))
            return wmel__answer(1, why, len, "wmel_cuda_features_device takes the plan (%s)", inner);
        return wmel__answer(0, why, len, "wmel_cuda_features_device refuses the plan: %s", inner);
    default: return cu_accepts_frames(q->fe, &dp, why, len);
    }
}

/* Device i's arithmetic (ff: the rule's for a plan's frames, -1 a bad switch) and self-test
 * into o (wmel_devices): the float-float self-test where the kernels run there, and
 * Whisper's timed verdict where it has been timed. */
static void cuda_device_tests(int i, int usable, int ff, wmel_device *o)
{
    char msg[200] = "not run (the kernels have no image for this device)";
    const int pass = usable && wmel__cu_ffcheck_run(i, msg, sizeof msg);
    snprintf(o->arith, sizeof o->arith, "%s", ff < 0 ? "none" : ff && pass ? "float-float" : "float64");
    double t[2] = {0.0, 0.0};
    const int timed = wmel__cu_arith_timed(i, t);
    char w[160];
    if (timed) snprintf(w, sizeof w, "%s, timed: float64 %.3g ms, float-float %.3g ms", timed == 2 ? "float-float" : "float64",
                        1e3 * t[0], 1e3 * t[1]);
    else snprintf(w, sizeof w, "timed by its first ctx on a GPU (float64 untimed on a device that is no GPU)");
    snprintf(o->self_test, sizeof o->self_test, "%s; Whisper's geometry: %s", msg, w);
}

/* The CUDA devices (wmel_devices): each with the arithmetic of a plan's frames there. */
static int cuda_devices(wmel_device *out, int cap)
{
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    for (int i = 0; i < count && i < cap && out; i++) {
        wmel_device *o = &out[i];
        memset(o, 0, sizeof *o);
        o->backend = WMEL_BACKEND_CUDA;
        o->index = i;
        struct cudaDeviceProp prop;
        if (cudaGetDeviceProperties(&prop, i) == cudaSuccess) {
            snprintf(o->name, sizeof o->name, "%.255s", prop.name);
            snprintf(o->kind, sizeof o->kind, "CUDA device, compute capability %d.%d", prop.major, prop.minor);
        } else {
            cudaGetLastError();
            snprintf(o->name, sizeof o->name, "CUDA device %d", i);
            snprintf(o->kind, sizeof o->kind, "CUDA device");
        }
        int ff = 0;
        const int rc = cuda_arith(i, &ff, 1);
        const wmel_params p = {.cuda_device = i};
        o->usable = rc == WMEL_OK && cuda_available(&p);
        cuda_device_tests(i, o->usable, rc == WMEL_OK ? ff : -1, o);
    }
    return count;
}

/* CUDA's own entry points (vt->proc: the device-memory ones and the stem's) */
static const wmel_proc_row cuda_procs[] = {
    WMEL__PROC_ROW(clips_device, cuda_clips_device),
    WMEL__PROC_ROW(stem_device, wmel__cuda_stem_device),
    WMEL__PROC_ROW(features_device, cuda_features_device),
    WMEL__PROC_ROW(features_device_batch, cuda_features_device_batch),
};

static wmel__proc_fn cuda_proc(const char *name)
{
    return wmel__proc_find(cuda_procs, sizeof cuda_procs / sizeof cuda_procs[0], name);
}

const wmel_backend_vt wmel__backend_cuda = {
    .id = WMEL_BACKEND_CUDA,
    .name = "cuda",
    .available = cuda_available,
    .init = cuda_init,
    .free = cuda_free,
    .clips = cuda_clips,
    .op_backend = cuda_op_backend,
    .plan_frames = cuda_plan_frames,
    .plan_frames_batch = cuda_plan_frames_batch,
    .pfa_frames_batch = cuda_pfa_frames_batch,
    .plan_finish = cuda_plan_finish,
    .auto_device = cuda_auto_device,
    .accepts = cuda_accepts,
    .devices = cuda_devices,
    .proc = cuda_proc,
    .plan_stages = cuda_plan_stages,
    .clips_stages = cuda_clips_stages,
};
