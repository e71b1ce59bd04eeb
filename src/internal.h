/*
 * internal.h -- what the library's files share and the public header does not show:
 * the plan (window, filter bank, FFT twiddles), the kernel and backend tables, and
 * struct wmel_ctx.
 */
#ifndef WMEL_INTERNAL_H
#define WMEL_INTERNAL_H

/* 32-bit x86 without SSE2 floating point would compute in the x87 unit's 80-bit registers
 * and round differently from every other target (docs/platforms.md). */
#if defined(__i386__) && !defined(__SSE2_MATH__)
#error "wmel on 32-bit x86 needs SSE2 floating point: build with -msse2 -mfpmath=sse"
#endif
#include "wmel.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "printf_fmt.h" /* WMEL_PRINTF_FMT */

#define WMEL_PAD 200           /* reflect padding on each side: n_fft / 2 */
#define WMEL_MAX_MELS 128
#define WMEL_LOG_FLOOR 1e-10f  /* clamp before log10 */
#define WMEL_LOG_FLOOR_LOG10 (-10.0f)

/* Opt-in internal assertions (sqlite's testcase()/assert habit): off in release. */
#ifdef WMEL_DEBUG_ASSERT
#include <assert.h>
#define WMEL_ASSERT(x) assert(x)
#else
#define WMEL_ASSERT(x) ((void)0)
#endif

/* Byte size of count elements of elt bytes, saturating at SIZE_MAX (for overlap tests). */
static inline size_t wmel__bytes(size_t count, size_t elt)
{
    return elt && count > SIZE_MAX / elt ? SIZE_MAX : count * elt;
}

/* Bytes from the first of `batch` clips of n elements, `stride` apart, to the last's end. */
static inline size_t wmel__clips_extent(size_t batch, size_t n, size_t stride, size_t elt)
{
    size_t extent = (batch - 1) * stride;
    extent = extent > SIZE_MAX - n ? SIZE_MAX : extent + n;
    return wmel__bytes(extent, elt);
}

/* 1 when `batch` clips of n floats, `stride` apart, fit the address space: (batch - 1) *
 * stride + n floats without passing SIZE_MAX bytes (on a 32-bit target 2^30 floats do not). */
static inline int wmel__clips_fit(size_t batch, size_t n, size_t stride)
{
    const size_t cap = SIZE_MAX / sizeof(float);
    if (n > cap) return 0;
    return batch <= 1 || stride <= (cap - n) / (batch - 1);
}

/* The online cores, at least 1 (base.c; docs/platforms.md). */
int wmel__cpu_count(void);

/* 1 when no sample of x[0 .. n) is NaN or Inf (base.c). */
int wmel__all_finite(const float *x, size_t n);

/* A bound on |sample| below which Whisper's kernels (the CPU's, CUDA's), whose power or mel
 * sums are float32, cannot overflow: a 400-sample frame's DFT (and each partial sum of it)
 * is at most 400 |x|, its power 1.6e5 x^2, a mel sum over at most 201 bins of weights <= 1
 * 3.3e7 x^2: 3.3e37 at 1e15, under float32's 3.4e38. Above it those kernels may refuse the
 * input (WMEL_ERR_SAMPLE_RANGE, from about 1e17); a backend with a wider arithmetic
 * (Vulkan's float64 or float-float) hands such an input to the CPU's kernels, so that it
 * accepts and refuses what they do. */
#define WMEL_F32_KERNEL_SAFE 1e15f

/* 1 when every sample of x[0 .. n) is finite and within WMEL_F32_KERNEL_SAFE (base.c). */
int wmel__all_f32_kernel_safe(const float *x, size_t n);

/* 1 when the magnitude bits of every sample of x[0 .. n) are at most lim (the bits of a
 * non-negative float: their integer order is the values'; Inf and NaN lie above every
 * finite bound) (base.c). */
int wmel__all_abs_bits_le(const float *x, size_t n, uint32_t lim);

/* Float-float's range (a device backend's frames in pairs of float32): the
 * largest |sample| (before the plan's scale) for which every value of a frame stays below
 * 2^124, inside float's exponent range, from the plan's tables: the window (fl values),
 * the sparse mel bank (filter m's mel_len[m] weights from mel_w[mel_off[m]]), the
 * pre-emphasis and the scale. At most FLT_MAX; the bits of the float nearest it
 * (wmel__ff_limit_bits) are what a backend compares each sample's magnitude bits with; a
 * clip with a sample past it (or not finite) takes another path (base.c). */
double wmel__ff_limit(const double *window, int fl, const double *mel_w, const int *mel_off, const int *mel_len,
                      int n_mels, double preemph, double scale);
uint32_t wmel__ff_limit_bits(const double *window, int fl, const double *mel_w, const int *mel_off,
                             const int *mel_len, int n_mels, double preemph, double scale);

/* 1 when the byte ranges [a, a + an) and [b, b + bn) share a byte: an input and an
 * output of one call must not (wmel.h), and the entry points check it. */
static inline int wmel__overlap(const void *a, size_t an, const void *b, size_t bn)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    if (!a || !b || !an || !bn) return 0;
    return x < y + (bn < UINTPTR_MAX - y ? bn : UINTPTR_MAX - y) &&
           y < x + (an < UINTPTR_MAX - x ? an : UINTPTR_MAX - x);
}

/* Where the load puts sample n of a frame: position 16 (11 n mod 25) + (9 n mod 16), the
 * prime-factor (Good-Thomas) input order of the 16 x 25 transform (plan.c's zq table;
 * kernel.inc's AVX2 load uses it as a constant expression). */
#define WMEL_ZQ(n) (16 * ((11 * (n)) % 25) + (9 * (n)) % 16)

/* Everything computed once at create time, in double and rounded once. */
typedef struct wmel_plan {
    int n_mels;
    double window_d[WMEL_N_FFT];
    double *filters_d;            /* [n_mels][201] dense, float64 */
    /* sparse filter bank: filter m covers bins [mel_lo[m], mel_lo[m] + mel_len[m]) */
    int mel_lo[WMEL_MAX_MELS];
    int mel_len[WMEL_MAX_MELS];
    int mel_off[WMEL_MAX_MELS];   /* offset of filter m's weights in mel_wd */
    double *mel_wd;               /* packed nonzero weights, float64 (the CUDA kernel) */
    int mel_nnz;
    /* the CPU kernel's layout: each filter's weights padded with zeros to an even count */
    float *mel_wqf;               /* in float32 (the power is rounded to float32 after the
                                     float64 transform: sums of positive terms) */
    int mel_offq[WMEL_MAX_MELS];  /* offset of filter m's weights in mel_wqf */
    int mel_npair[WMEL_MAX_MELS]; /* weight pairs of filter m (>= 1) */
    short mel_order[WMEL_MAX_MELS]; /* the filters sorted by mel_npair (stable) */
    short mel_run[10];            /* mel_order[mel_run[L - 1] .. mel_run[L]) have L pairs
                                     (L <= 8), the rest from mel_run[8] on more */
    /* 200-point complex FFT = 8 x 25 (25 = 5 x 5), twiddles as float */
    double tw200_re[8 * 25], tw200_im[8 * 25]; /* W200^(n2*k1) at [k1*25 + n2] */
    double tw25_re[25], tw25_im[25];           /* W25^(b*c) at [b*5 + c] */
    /* real-FFT post-processing: 0.5 * (-i) * W400^k for k = 0..200 */
    double post_re[WMEL_N_BINS], post_im[WMEL_N_BINS];
    /* the CPU kernel's real prime-factor 16 x 25 transform: sample n goes to position
       zq[n]; the output k2 of row k1 (0..8) is |X[pwi[25 k1 + k2]]|^2 */
    short zq[WMEL_N_FFT];
    short pwi[9 * 25];
    /* float64 reference DFT: cos/sin(2 pi j / 400) */
    double dft_cos[WMEL_N_FFT], dft_sin[WMEL_N_FFT];
} wmel_plan;

int wmel__plan_init(wmel_plan *pl, int n_mels);
void wmel__plan_free(wmel_plan *pl);
/* float64 Slaney filter bank into out[n_mels][201]. */
void wmel__mel_filters_f64(int n_mels, double *out);
/* The real prime-factor 16 x 25 transform's tables (cpu/pfa400.inc): W25^(b c) at tw_re / tw_im
 * [b * 5 + c], sample n's place zq[n] = WMEL_ZQ(n), row k1's output k2 the bin pwi[25 k1 + k2]. */
void wmel__pfa400_tables(double *tw_re, double *tw_im, short *zq, short *pwi);

/*
 * A CPU kernel turns a block of frames into raw log10 mel values.
 *  x: the reflect-padded signal at the first frame's start; frame t starts at x + 160 t
 *     and reads 400 samples.
 *  nf: frames in the block (<= WMEL_BLOCK_FRAMES).
 *  out: element (m, t) goes to out[m * stride + t].
 *  scratch: at least WMEL_KERNEL_SCRATCH bytes, 64-byte aligned.
 *  returns the largest value written, and ORs 1 into *bad when a value is not finite.
 */
#define WMEL_BLOCK_FRAMES 64
#ifndef WMEL_KERNEL_SCRATCH
#define WMEL_KERNEL_SCRATCH (96 * 1024)
#endif

/* wmel_stream_create(); cols 0: the frames without the ctx's per-column affine, whatever
 * the ctx (the long-input path applies it in its finish, after the normalisation). */
wmel_stream *wmel__stream_create(wmel_ctx *ctx, size_t padding, wmel_frames_fn fn, void *user, int cols,
                                 int *status);

/* Where a CPU kernel streams a staged block out in whole cache lines (long clips, 128
 * rows), each row's last partial line waits here for the next block of the same run of
 * blocks, so that it too goes out whole. It lives at the end of the kernel scratch
 * (WMEL_ROWTAIL(scratch)); the frame driver resets it before a run of blocks and
 * flushes it after (wmel__rowtail_flush), the kernels use it in between. */
typedef struct wmel_rowtail {
    float *next;                  /* row 0 of the block that would continue the rows */
    size_t stride;
    int rows;                     /* 0: nothing pending */
    int np[WMEL_MAX_MELS];        /* floats pending in row r, from a line boundary */
    float pend[WMEL_MAX_MELS][16];
} wmel_rowtail;
#define WMEL_ROWTAIL(scratch)                                                            \
    ((wmel_rowtail *)(void *)((char *)(scratch) + WMEL_KERNEL_SCRATCH - sizeof(wmel_rowtail)))
/* Writes what is pending (plain stores), fences the streamed stores, resets. */
void wmel__rowtail_flush(wmel_rowtail *t);
#ifndef WMEL_STAGE_STRIDE
#define WMEL_STAGE_STRIDE 16384 /* output row distance (floats) from which the kernel
                                   stages 128-row outputs (see kernel.inc) */
#endif
typedef float (*wmel_block_fn)(const wmel_plan *pl, const float *x, size_t nf, float *out,
                               size_t stride, void *scratch, int *bad);

/* Test hook: un-windowed real FFT of nf frames at x + t * hop into re/im [nf][201]. */
typedef void (*wmel_rfft_fn)(const wmel_plan *pl, const float *x, size_t nf, size_t hop,
                             double *re, double *im, void *scratch);

/* wmel_normalize() at the kernel's ISA level, bit-identical to it. */
typedef void (*wmel_norm_fn)(float *x, size_t n, float max_val);

typedef struct wmel_kernel {
    const char *name;
    int isa;
    int lanes;
    wmel_block_fn block;
    wmel_rfft_fn rfft;
    wmel_norm_fn normalize;
} wmel_kernel;

const wmel_kernel *wmel__kernel_c(void);
const wmel_kernel *wmel__kernel_avx2(void);   /* NULL when not compiled in */
const wmel_kernel *wmel__kernel_avx512(void); /* NULL when not compiled in */
const wmel_kernel *wmel__kernel_neon(void);   /* NULL when not compiled in (not AArch64) */
const wmel_kernel *wmel__kernel_simd128(void); /* NULL unless built with -msimd128 */
/* The ISA level (cpu/cpu.c): what this CPU runs; that capped by max_isa (WMEL_ISA_*,
 * AUTO: no cap) and the WMEL_MAX_ISA environment variable; the kernel table for a level. */
int wmel__cpu_isa(void);
int wmel__isa_level(int max_isa);
/* The mel scales, one definition each: Slaney's (plan.c; librosa htk=False) and Kaldi's
 * (fe/fe_plan.c; 1127 ln(1 + f / 700)), Hz to mel and back. */
double wmel__slaney_mel(double hz);
double wmel__slaney_hz(double mel);
double wmel__kaldi_mel(double hz);
double wmel__kaldi_hz(double mel);
/* The general front-end kernel's level: wmel__isa_level(), with AVX2 in place of an
 * AVX-512 that was not asked for by name (the faster float64 kernel there). */
int wmel__fe_isa_level(int max_isa);
const wmel_kernel *wmel__kernel_for(int level);

/* The kernels of one ISA level, chosen once (libopus's arch tables; cpu/cpu.c): Whisper's
 * log-Mel, the general front-end's frame kernel, the stem's GEMM tile and GELU. Each is
 * the level's own where the build has it, else the next level down, else portable C. */
struct wmel_fe_kernel;
struct wmel_gemm_kernel;
struct wmel_gelu_kernel;
typedef struct wmel_isa_kernels {
    int level;
    const wmel_kernel *mel;
    const struct wmel_fe_kernel *fe;
    const struct wmel_gemm_kernel *gemm;
    const struct wmel_gelu_kernel *gelu;
} wmel_isa_kernels;
void wmel__isa_kernels(int level, wmel_isa_kernels *k);

/* float64 reference kernel: same contract, computed in double, rounded once. */
float wmel__ref_block(const wmel_plan *pl, const float *x, size_t nf, float *out,
                      size_t stride, void *scratch, int *bad);

/* A clip: float or int16 samples, with `padding` zeros appended. */
typedef struct wmel_signal {
    const float *f32;
    const int16_t *s16;
    size_t n;       /* real samples */
    size_t padding; /* appended zeros */
} wmel_signal;

/* Copies padded-signal samples [p0, p0 + count) (p counts from the start of the
 * reflect padding) into dst, applying reflection and zero padding; returns 1 when all
 * copied samples are zero. */
int wmel__signal_span(const wmel_signal *s, size_t p0, size_t count, float *dst);

/* Whole clips of one call, already checked at the boundary (api.c): `batch` clips of n
 * samples (f32 or s16 set), clip b at b * pcm_stride, `padding` zeros appended; out
 * holds out_len floats, clip b at b * n_mels * nf. */
/* A device-memory call's device scratch (wmel_cuda_device_scratch, the _scratch entry
 * points): ptr, bytes the caller's (ptr NULL: the backend allocates its own); need set:
 * the call only says how many bytes it needs there (*need) and enqueues nothing. */
typedef struct wmel_dev_scratch {
    void *ptr;
    size_t bytes;
    size_t *need;
} wmel_dev_scratch;

typedef struct wmel_clips {
    const float *f32;
    const int16_t *s16;
    size_t batch, n, pcm_stride, padding;
    int batch_norm;        /* WMEL_BATCH_PER_CLIP / WMEL_BATCH_GLOBAL */
    float *out;
    size_t out_len;
    wmel_dev_scratch scratch; /* the device-memory entry points' (zero: the backend's own) */
} wmel_clips;

/* ---- backends --------------------------------------------------------------------
 * Each backend is one table of functions (libsamplerate's SRC_STATE_VT, ggml's backend
 * interface); backend.c lists those built in. api.c checks every argument at the
 * boundary and then calls through ctx->vt, so a backend sees checked calls only. The
 * scheduler's stages (clips, clips_stages, plan_frames, plan_finish, plan_stages) are in
 * every table that serves clips (the CPU's: the frame driver's); another NULL entry means
 * the backend has no such path.
 *
 * What a backend refuses it answers up front (accepts from the plan, plan_stages and
 * clips_stages from the ctx and the clip's sizes), so the scheduler never asks a device for
 * work it will refuse. Once a hook took its stage, only data it reads at run time may send
 * the stage back to the host: the hook returns wmel__handback(ctx, kind), the scheduler
 * alone receives WMEL__HANDBACK (api.c's batch split too, through the scheduler's batch
 * calls), runs the same stage on the CPU backend's table and records the kind where
 * wmel_op_backend and wmel_op_reason read it. */
#define WMEL__HANDBACK 1 /* a device hook's run-time hand-back: the kind in the ctx (wmel__handback) */
#define WMEL__HB_RANGE 1  /* a sample past the device arithmetic's range or not finite, or a value not
                             finite (the CPU's kernels compute it or say which status applies) */
#define WMEL__HB_MEMORY 2 /* device memory (or the host's staging memory) short at run time */
/* A hook's hand-back of kind (WMEL__HB_*): noted in the ctx for the scheduler; returns
 * WMEL__HANDBACK (sched.c). */
int wmel__handback(const struct wmel_ctx *ctx, int kind);

struct wmel_dev_id;
struct wmel_accept_q;
/* ---- a backend's own entry points, looked up by name ------------------------------
 * What one backend alone serves (the public wmel_cuda_* and wmel_vulkan_* device-memory
 * entry points after api.c's checks) is not a slot of every backend's table: each backend
 * answers vt->proc(name) with its function of that name, or NULL (ggml's
 * ggml_backend_reg_get_proc_address). WMEL__PROC(vt, NAME) looks one up with its type:
 * NULL where the backend has none (the entry point answers WMEL_ERR_BACKEND_UNAVAILABLE).
 * A backend lists its own with WMEL__PROC_ROW (the type checked at compile time) and
 * answers through wmel__proc_find. The names and their types: */
typedef void (*wmel__proc_fn)(void); /* any of them, cast back by WMEL__PROC */
/* "clips_device": whole clips in device memory (c->f32 or c->s16 is the device pointer),
 * enqueued on `stream` (wmel_cuda_log_mel_device); its device scratch c->scratch's. */
typedef int (*wmel__clips_device_fn)(wmel_ctx *ctx, const wmel_clips *c, void *stream);
/* "stem_device": wmel_cuda_stem_device() after its checks. */
typedef int (*wmel__stem_device_fn)(const wmel_stem *s, wmel_ctx *ctx, const float *d_mel, size_t n_windows,
                                    float *d_out, void *stream);
/* "features_device": wmel_cuda_features_device() after its checks: a general plan's features
 * of whole clips in device memory (c->f32 or c->s16 the device pointer, c->padding 0, clip
 * b's rows x cols floats at c->out + b rows cols, rows x cols wmel_features_shape's for c->n
 * samples), frames, finish and post stage on the device, enqueued on `stream`, its device
 * scratch c->scratch's; with c->batch 0, the ctx's refusal only. */
typedef int (*wmel__features_device_fn)(wmel_ctx *ctx, const wmel_clips *c, size_t rows, size_t cols, void *stream);
/* "features_device_batch": wmel_cuda_features_device_batch() after its checks: a plan's
 * features (Whisper's geometry's too) of `batch` clips in device memory of their own lengths
 * (clip b: pcm[b], n[b] samples, int16 where s16, its wmel_features_shape output at out[b]),
 * enqueued on `stream`, its device scratch *z's (NULL: the backend's own; z->need: pcm and out
 * are not read); with batch 0, the ctx's refusal only. A clip the device refuses sets *failed
 * to its index. */
typedef int (*wmel__features_device_batch_fn)(wmel_ctx *ctx, const void *const *pcm, int s16, const size_t *n,
                                              size_t batch, float *const *out, size_t *failed, void *stream,
                                              const wmel_dev_scratch *z);
/* "features_vkmem": wmel_vulkan_features_device() after its checks (batch clips of n samples,
 * int16 where s16, clip b at pcm->offset + b stride samples, its rows x cols floats at
 * out->offset + 4 b rows cols); with batch 0, the ctx's refusal only. */
typedef int (*wmel__features_vkmem_fn)(wmel_ctx *ctx, const wmel_vulkan_memory *pcm, int s16, size_t batch,
                                       size_t n, size_t stride, size_t rows, size_t cols, const wmel_vulkan_memory *out);
/* "features_vkmem_batch": wmel_vulkan_features_device_batch() after its checks (clip b: n[b]
 * samples, int16 where s16, at pcm->offset + off[b] samples; its wmel_features_shape output at
 * out->offset + 4 out_off[b]); with batch 0, the ctx's refusal only. *failed: the index of the
 * clip the status is about, batch where none. */
typedef int (*wmel__features_vkmem_batch_fn)(wmel_ctx *ctx, const wmel_vulkan_memory *pcm, int s16, const size_t *off,
                                             const size_t *n, size_t batch, const wmel_vulkan_memory *out,
                                             const size_t *out_off, size_t *failed);
/* "vk_uuids": wmel_vulkan_device_uuids(). */
typedef int (*wmel__vk_uuids_fn)(const wmel_ctx *ctx, unsigned char dev[16], unsigned char drv[16]);
/* One row of a backend's list: {"NAME", fn}, fn's type checked against wmel__NAME_fn. */
typedef struct wmel_proc_row {
    const char *name;
    wmel__proc_fn fn;
} wmel_proc_row;
#define WMEL__PROC_ROW(NAME, fn) {#NAME, _Generic((fn), wmel__##NAME##_fn: (wmel__proc_fn)(fn))}
/* The function named `name` in rows[0 .. n) (backend.c), NULL where none is. */
wmel__proc_fn wmel__proc_find(const wmel_proc_row *rows, size_t n, const char *name);
/* vt's function NAME (a bare word: clips_device, ...) with its type, or NULL. */
#define WMEL__PROC(vt, NAME) ((wmel__##NAME##_fn)wmel__backend_proc((vt), #NAME))

typedef struct wmel_backend_vt {
    int id;                /* WMEL_BACKEND_REF / CPU / CUDA */
    const char *name;      /* wmel_backend_name() */
    /* 1 when the backend can serve these params (the CUDA device exists); NULL: always */
    int (*available)(const wmel_params *p);
    /* Backend state (ctx->state), block function, kernel name; WMEL_OK or a status. */
    int (*init)(wmel_ctx *ctx);
    void (*free)(wmel_ctx *ctx);
    /* Whisper's geometry (pfa400): whole clips in host memory, called by the scheduler
     * (sched.c) where clips_stages takes them; c->batch > 0. A status, or a hand-back
     * (wmel__handback: a sample past the device's range, device memory short: the CPU
     * backend's clips instead); *fin set to the backend that made the clips' finish (the
     * device's id, WMEL_BACKEND_CPU for the host's) once it was made. The backend writes no
     * record (the scheduler does). The CPU's: the frame driver (frames.c). */
    int (*clips)(wmel_ctx *ctx, const wmel_clips *c, int *fin);
    /* Where `op` ran last (wmel_op_backend); NULL: on this backend. */
    const char *(*op_backend)(const wmel_ctx *ctx, int op);
    /* A plan's frames on the general algorithm: frames [0, nf) of x[0 .. n) into
     * vals[nf][n_cols], before the finish (fe_cpu.c): float64, or float32 where the ctx's
     * vals_f32 (the device rounded each value as the finish's cast would); a status or a
     * hand-back (wmel__handback: the CPU backend's plan_finish, frames and finish, instead).
     * The CPU's: its frame kernels' float64 values (fe_cpu.c's wmel__fe_run_frames). */
    int (*plan_frames)(const wmel_ctx *ctx, const float *x, size_t n, size_t nf, void *vals);
    /* The same for `batch` clips at once (wmel_features_batch): clip b's frames [0, nf[b])
     * of x[b][0 .. n[b]) into vals[b] (NULL where nf[b] == 0), the clips' frames sharing the
     * device's dispatches; redo[b] set to 1 for a clip the device does not take (a sample
     * past its arithmetic's range, indices past its own: that clip takes wmel_features'
     * way), 2 for a clip whose finish the device made too, straight into out[b]
     * (wmel_features_shape's rows x cols, as plan_finish writes it; out NULL: none), else 0;
     * a status or a hand-back (wmel__handback: each clip on its own); NULL: none. */
    int (*plan_frames_batch)(const wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                             void *const *vals, float *const *out, unsigned char *redo, size_t batch);
    /* Whisper's geometry (pfa400) in wmel_features_batch: clip b's nf[b] frames of
     * x[b][0 .. n[b]) (no padding) into out[b] as [n_mels][nf[b]], the raw log10 mel before
     * the finish (wmel__pfa_finish), and their largest value into mx[b], the clips' frames
     * sharing the device's dispatches; redo[b] set to 1 for a clip the device does not take
     * (a sample past its range, indices past its own: that clip takes wmel_features' way),
     * 2 for a clip already normalised (params.norm WMEL_NORM_WHOLE: the finish's smoothing
     * only), 3 for one the device finished (the normalisation and the smoothing), else 0; a
     * status or a hand-back (wmel__handback: each clip on its own); NULL: none (each clip on
     * its own).
     * Called by the scheduler where plan_stages takes the ctx's clips. */
    int (*pfa_frames_batch)(wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                            float *const *out, float *mx, unsigned char *redo, size_t batch);
    /* A general plan's frames, finish and post stage of x[0 .. n) (fe_cpu.c's
     * wmel__fe_cpu_given) on the device, straight into out (wmel_features_shape's rows x
     * cols in the plan's layout, every value written): the CPU backend's bytes in float64; a
     * status, or a hand-back (wmel__handback: the frames' way then, plan_frames and the
     * host's finish, whose statuses it leaves to that way). The CPU's: fe_cpu.c's frames and
     * finish (wmel__fe_cpu_given, no values). */
    int (*plan_finish)(const wmel_ctx *ctx, const float *x, size_t n, float *out, size_t rows, size_t cols);
    /* The device AUTO takes for params p (a device backend): 0 with *d filled, else nonzero;
     * NULL: no device. */
    int (*auto_device)(const wmel_params *p, struct wmel_dev_id *d);
    /* Whether this backend takes the work q names (q->op: a WMEL_OP_* or WMEL__OP_KERNELS)
     * for q's plan, known before a ctx is made (ggml's supports_op): 1, or 0 with the
     * sentence why into why (why_len bytes, always terminated; NULL: none). Every backend
     * has one (backend.c's wmel__accepts asks it). */
    int (*accepts)(const struct wmel_accept_q *q, char *why, size_t why_len);
    /* This backend's devices (wmel_devices): up to cap into out (NULL: count only); their
     * count, or a negative status. NULL: none. */
    int (*devices)(wmel_device *out, int cap);
    /* The backend's own entry points, looked up by name (ggml's get_proc_address): the
     * function named `name` (a WMEL__PROC_* below, cast back by WMEL__PROC), or NULL where
     * this backend has none. NULL: none at all. */
    wmel__proc_fn (*proc)(const char *name);
    /* The stages of a general plan's clip of n samples (rows x cols wmel_features_shape's)
     * the device takes, decided from the plan and the ctx before any is asked (sched.c):
     * WMEL__STAGE_FRAMES (plan_frames, plan_frames_batch), with WMEL__STAGE_FINISH
     * (plan_finish: a finish the device makes, a shape its finish writes); 0 none. With n 0,
     * the frames the ctx's clips take. On a ctx of Whisper's geometry's own kernels (pfa400):
     * WMEL__STAGE_FRAMES where the device takes its clips (clips, pfa_frames_batch: the
     * device open, its self-test passed), from the ctx's state alone. NULL: none. The
     * CPU's: both, always. */
    int (*plan_stages)(const wmel_ctx *ctx, size_t n, size_t rows, size_t cols);
    /* Whisper's geometry (pfa400): WMEL__STAGE_FRAMES where the backend takes the whole
     * clips c (clips) as the ctx stands (plan_stages' answer for n 0) and for their sizes
     * (c->n, c->padding, c->batch: a clip of padding alone, indices past the device's own,
     * sizes too big to stage are refused here); 0 none. NULL: none. The CPU's: always. */
    int (*clips_stages)(const wmel_ctx *ctx, const wmel_clips *c);
} wmel_backend_vt;

#define WMEL__STAGE_FRAMES 1
#define WMEL__STAGE_FINISH 2

/* A question to a backend's accepts: the plan (checked), the algorithm it would run on
 * (wmel__plan_algo's, or the general one), its compiled tables on that algorithm (NULL for
 * WMEL__OP_KERNELS, asked before the plan is compiled), and the work. */
#define WMEL__OP_KERNELS (-1) /* the plan on q->algo's own kernels (api.c asks it at create) */
typedef struct wmel_accept_q {
    const wmel_frontend_plan *plan;
    const struct wmel_algo *algo;
    const struct wmel_fe *fe;
    int op;
} wmel_accept_q;
/* vt's answer to q (1 or 0, the reason in why); a backend without an accepts takes all. */
int wmel__accepts(const wmel_backend_vt *vt, const wmel_accept_q *q, char *why, size_t why_len);
/* The device backends' (CUDA's and Vulkan's) rule for q->algo's own kernels: their frames
 * serve Whisper's geometry with the data's max (pfa400) and every plan of the general
 * algorithm; 1, or 0 with the reason (name: the backend's, in the sentence). */
int wmel__device_kernels(const wmel_accept_q *q, const char *name, char *why, size_t why_len);
/* writes the sentence (fmt, ...) into why (when why and len) and returns v: an accepts' answer */
int wmel__answer(int v, char *why, size_t len, const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 4, 5)));
/* The answer every backend gives alike (the ops no device takes, an unknown op): 1 or 0
 * with the reason where the backend id has a common answer for q, else -1. */
int wmel__accepts_common(int id, const wmel_accept_q *q, char *why, size_t why_len);
/* The CPU's and the reference's accepts, and the CPU as a device (backend.c; their tables
 * are in cpu/cpu.c and ref/ref.c). */
int wmel__cpu_accepts(const wmel_accept_q *q, char *why, size_t why_len);
int wmel__ref_accepts(const wmel_accept_q *q, char *why, size_t why_len);
int wmel__cpu_devices(wmel_device *out, int cap);
/* The host backends' clips stage (the CPU's and the reference's tables): the frame driver
 * (frames.c) on the ctx's kernel, *fin WMEL_BACKEND_CPU; and their clips_stages: always. */
int wmel__cpu_clips(wmel_ctx *ctx, const wmel_clips *c, int *fin);
int wmel__cpu_clips_stages(const wmel_ctx *ctx, const wmel_clips *c);

/* A device as AUTO's kept verdict knows it: its index in the backend's list, whether it is
 * a GPU (a CPU device, lavapipe or the CUDA emulator, is timed only by WMEL_AUTO_MEASURE_ANY),
 * and its identity as bytes (name, IDs, driver: zeros past what the backend fills). */
#define WMEL__DEV_ID 288
typedef struct wmel_dev_id {
    int index, gpu;
    unsigned char id[WMEL__DEV_ID];
} wmel_dev_id;

/* The backend `id` (WMEL_BACKEND_REF / CPU / CUDA) when it is built in, else NULL
 * (backend.c); and AUTO's choice for params p: the first available, best first. */
const wmel_backend_vt *wmel__backend(int id);
/* vt->proc(name) (NULL where vt has no proc, or none of that name): WMEL__PROC's lookup. */
wmel__proc_fn wmel__backend_proc(const wmel_backend_vt *vt, const char *name);
const wmel_backend_vt *wmel__backend_auto(const wmel_params *p);
/* AUTO's choice for an algorithm without CUDA's own kernels (CUDA serves it by name only):
 * Vulkan on a GPU for the general algorithm (general 1), else the CPU. */
const wmel_backend_vt *wmel__backend_auto_plan(const wmel_params *p, int general);
/* AUTO's planner mode for params p (NULL: the environment's alone): 0 never time
 * (WMEL_AUTO_ESTIMATE), 1 time any device (WMEL_AUTO_MEASURE_ANY), and where p->auto_plan is
 * WMEL_AUTO_MEASURE, WMEL_AUTO_PROBE's: -1 unset (the GPUs timed), 0, 1, -2 another value. */
int wmel__auto_probe_mode(const wmel_params *p);
/* params.auto_plan a WMEL_AUTO_*: WMEL_OK, or WMEL_ERR_INVALID_ARG with the field named in
 * wmel__detail (checked at every create). */
int wmel__auto_plan_check(const wmel_params *p);
/* params.cuda_arith a WMEL_CUDA_ARITH_*: WMEL_OK, or WMEL_ERR_INVALID_ARG with the field and
 * its values named in wmel__detail (checked at every create). */
int wmel__cuda_arith_check(const wmel_params *p);
/* AUTO's switches read at create where a device backend is built: WMEL_OK, or
 * WMEL_ERR_INVALID_ARG with the switch named in wmel__detail (WMEL_AUTO_PROBE not 0 or 1
 * where p->auto_plan leaves the mode to it, WMEL_AUTO_PROBE_CPU_SCALE not a positive
 * number). */
int wmel__backend_auto_check(const wmel_params *p);
/* 1 when AUTO takes the device: its time t_dev at most 0.9 of the CPU's t_cpu (either 0,
 * or NaN: it did not run: the CPU). */
int wmel__auto_pick(double t_dev, double t_cpu);
/* What AUTO's timing needs to make the ctx's like: the creator's arguments. */
typedef struct wmel_auto_plan {
    wmel_params p;
    const wmel_frontend_plan *plan;
    int keep_smooth;
    const double *const *cols;
    const struct wmel_algo *algo;
} wmel_auto_plan;
/* AUTO's backend into *vt for the plan on its algorithm (devices: the devices' kernels serve
 * it, wmel__device_kernels): where a candidate (a device backend built, available, whose
 * accepts takes the plan's frames) is a GPU, or the mode MEASURE_ANY, each candidate timed
 * against the CPU (its kept verdict; the first time timed here) and the fastest that meets
 * the share rule taken, else the CPU; otherwise the first device as found, taken as it is
 * (backend.c's comment gives the rule). The reason, with every time, into why. WMEL_OK (a
 * timing's failure is a verdict for the CPU). */
int wmel__backend_auto_choose(const wmel_backend_vt **vt, const wmel_auto_plan *ap, int devices, char *why,
                              size_t why_len);
/* The rule among n devices' times, t[i][0] the device's and t[i][1] the CPU's from the same
 * verdict: the index of the fastest device that wmel__auto_pick takes (the first of equal
 * times), or -1 for the CPU. */
int wmel__auto_pick_among(const double (*t)[2], int n);
/* The one creator (backend.c): params and plan checked once, the algorithm chosen by the
 * plan's geometry (algo.c), the backend by name or AUTO's rule and timing, then the ctx
 * made (ctx.c). keep_smooth: params.smooth applies (wmel_create on Whisper's front-end);
 * cols: NULL, or {col_scale, col_shift} (checked by the caller). */
wmel_ctx *wmel__create(wmel_params p, const wmel_frontend_plan *plan, int keep_smooth, const double *const *cols,
                       int *status);
/* ctx.c: the ctx for a backend vt and algorithm already chosen (why: the reason kept for
 * wmel_backend_reason); its release (the twin's too); the backend an op ran on. */
wmel_ctx *wmel__ctx_make(wmel_params p, const wmel_frontend_plan *plan, int keep_smooth, const double *const *cols,
                         const struct wmel_algo *algo, const wmel_backend_vt *vt, const char *why, int *status);
void wmel__ctx_free(wmel_ctx *ctx);
const char *wmel__op_backend(const wmel_ctx *ctx, int op);
extern const wmel_backend_vt wmel__backend_ref; /* ref/ref.c */
extern const wmel_backend_vt wmel__backend_cpu; /* cpu/cpu.c */
extern const wmel_backend_vt wmel__backend_cuda; /* cuda/backend.c, when built */
extern const wmel_backend_vt wmel__backend_vulkan; /* vulkan/backend.c, when built */

/* A double in a message: the shortest of %.15g, %.16g, %.17g that strtod reads back as
 * the same value, so that a number given (8000.001) is shown as given, not rounded to six
 * digits (base.c). Use as wmel__num(v).s within the one expression. */
typedef struct wmel_numstr {
    char s[32];
} wmel_numstr;
wmel_numstr wmel__num(double v);

/* The calling thread's detail for the last backend failure (wmel_cuda_error_detail);
 * _detail stores msg and returns WMEL_ERR_CUDA (base.c). */
int wmel__detail(const char *msg);
const char *wmel__detail_get(void);

/* ---- timings a process makes once and keeps (probe.c) ---- */

/* Seconds on a monotonic clock. */
double wmel__now_s(void);
#define WMEL__PROBE_SAMPLES 480000 /* the clip timed: 30 s at 16 kHz (Whisper's 3,000 frames) */
/* The clip timed: two tones and a little noise from a fixed generator, n samples. */
void wmel__probe_signal(float *x, size_t n);
/* Times wmel_features of the clip on c[0] and c[1] in turn (NULL: not timed): one call of
 * each to warm up, then three of each, the best of each into t[a] in seconds; t[a] 0 where
 * c[a] is NULL, a call failed, or where[a] (non-NULL) is not what wmel_op_backend says ran
 * WMEL_OP_LOG_MEL (the work did not run where it was to). */
void wmel__probe_pair(wmel_ctx *c[2], const char *const where[2], double t[2]);
/* What a timing found: seconds of each candidate (0: it could not run), and the pick
 * (the table's owner says what it means; 0: none). */
typedef struct wmel_verdict {
    double t[2];
    int pick;
} wmel_verdict;
/* The tables of verdicts, each its own lock. */
enum {
    WMEL__KEPT_VK_ARITH = 0,
    WMEL__KEPT_AUTO = 1,
    WMEL__KEPT_CU_ARITH = 2, /* cuda/arith.c: float64 against float-float on a device */
    WMEL__KEPT_TABLES = 3
};
#define WMEL__KEPT_KEY 384 /* bytes of a key at most */
/* The verdict kept in table `which` for the key (len bytes, compared as bytes: zero a key
 * struct before filling it) into *v, or, the first time, measure(arg, v) run under the
 * table's lock and the result kept (16 keys a table, the oldest replaced). 0, or -1 when
 * the lock failed or the key is too long (*v untouched). */
int wmel__kept_get(int which, const void *key, size_t len, void (*measure)(void *arg, wmel_verdict *v), void *arg,
                   wmel_verdict *v);
/* The verdict kept for the key into *v (v may be NULL): the number of timings the table has
 * run (>= 1), or 0 when the key was not timed. */
int wmel__kept_find(int which, const void *key, size_t len, wmel_verdict *v);
/* The number of timings table `which` has run in this process (for the tests). */
int wmel__kept_runs(int which);

/* ---- the compiled plan's algorithm ------------------------------------------------
 * One table of functions per algorithm (pocketfft's habit: one plan type, the algorithm
 * chosen when the plan is compiled, from the geometry alone): Whisper's 400-point
 * prime-factor transform with its block kernels (frames.c, cpu/kernel.inc), or the
 * general path (fe/). api.c, stream.c and sliding.c go one way for every plan and reach
 * what differs through ctx->fe->algo. The tables are in algo.c. */
struct wmel_fe;
typedef struct wmel_algo {
    const char *name;        /* "pfa400", "pfa400-snip" or "general" */
    int devices;             /* 1: AUTO takes a device backend (CUDA's kernels) for it; 0: AUTO
                                picks Vulkan (general, on a GPU) or the CPU, and the device
                                backends serve it by name through their plan_frames */
    int smooth;              /* 1: params.smooth (3x3) applies; 0: it is ignored */
    /* The ctx's kernel, kernel name, workers and scratch on its backend (ctx->vt, which
     * may fall back to the CPU when AUTO chose another that fails to start). */
    int (*attach)(wmel_ctx *ctx);
    /* One clip, float32 or int16, `padding` zeros appended (wmel_log_mel*, wmel_features):
     * the arguments after ctx checked here, in the entry point's order. */
    int (*clip)(wmel_ctx *ctx, const wmel_signal *s, float *out, size_t out_len);
    /* Clips of wmel_log_mel_batch (c->batch >= 1, stride and batch_norm checked). */
    int (*batch)(wmel_ctx *ctx, const wmel_clips *c);
    /* Live audio (stream.c): where it runs (NULL: the backend's op_backend), whether the
     * stream takes padding zeros, whether push refuses NaN/Inf samples at once (else the
     * kernel flags them when a frame reads them). */
    const char *stream_backend;
    int stream_padding;
    int stream_checks_samples;
    /* Samples the stream's piece holds for `block` frames a block. */
    size_t (*piece_cap)(const struct wmel_fe *fe, size_t block);
    /* The algorithm's state for a stream's frames (*work; NULL: none), and its release. */
    int (*piece_new)(const wmel_ctx *ctx, void **work);
    void (*piece_free)(void *work);
    /* Frames [t0, t0 + nb) of the piece x[0 .. n) (`padding` zeros after it when the
     * signal ends there, else 0) into out[c * nb + f]; raises *max to their largest.
     * base: the signal's index of the piece's frame 0 (a plan's dither depends on it). */
    int (*piece_frames)(const wmel_ctx *ctx, void *work, const float *x, size_t n,
                        size_t padding, size_t base, size_t t0, size_t nb, float *out, float *max);
    /* At the stream's end: the status, and the frames the output of `total` samples
     * (and `padding` zeros) holds. */
    int (*stream_end)(const struct wmel_fe *fe, size_t total, size_t padding, size_t *end);
    /* Frames on the calling thread (the sliding buffer): a work buffer of *bytes, and
     * frames [t0, t0 + count) of the signal into dst[(t - t0) ts + c cs] (pfa400: ts 1);
     * *max, when max is not NULL, receives their largest value. */
    int (*here_new)(const struct wmel_fe *fe, void **work, size_t *bytes);
    void (*here_free)(void *work);
    int (*here_frames)(const wmel_ctx *ctx, void *work, const wmel_signal *s, size_t t0,
                       size_t count, float *dst, size_t ts, size_t cs, float *max);
    /* The sliding buffer's output (sliding.c's tables). */
    const struct wmel_slide_out *slide;
} wmel_algo;
extern const wmel_algo wmel__algo_pfa400; /* algo.c */
extern const wmel_algo wmel__algo_general;
extern const wmel_algo wmel__algo_pfa400_snip;
extern const struct wmel_slide_out wmel__slide_pfa400; /* sliding.c */
extern const struct wmel_slide_out wmel__slide_general;

/* The algorithm for a plan's geometry (algo.c): pfa400 for Whisper's, else general. */
const wmel_algo *wmel__plan_algo(const wmel_frontend_plan *p);
/* Compiles a checked plan (algo.c) for `algo`, wmel__plan_algo(p) or wmel__algo_general
 * (any geometry: wmel_create_plan_cols): Whisper's geometry on pfa400 gets its 400-point
 * tables (fe->pfa400), any other the general tables (fe/fe_plan.c). */
int wmel__plan_compile(const wmel_frontend_plan *p, const wmel_algo *algo, struct wmel_fe **out);
void wmel__plan_release(struct wmel_fe *fe);

struct wmel_ctx {
    wmel_params params;
    int backend;           /* the one chosen: vt->id */
    const wmel_backend_vt *vt;
    int n_threads;
    int isa;               /* WMEL_ISA_* level of the kernels (cpu/cpu.c) */
    const wmel_kernel *kernel;
    wmel_block_fn block;   /* the frame driver's block function: kernel->block, or ref's */
    void *state;           /* the backend's own (vt->init), NULL for ref and cpu */
    struct wmel_pool *pool;/* worker threads (pool.c), started on first use; NULL: none */
    struct wmel_scratch *scratch; /* the frame driver's buffers kept between calls
                                     (frames.c); NULL: each call allocates its own */
    char kernel_name[48];
    wmel_frontend_plan fplan; /* the front-end's plan (wmel_ctx_plan) */
    struct wmel_fe *fe;    /* the compiled plan (fe/fe.h), whatever its geometry: its
                              tables and its algorithm (fe->algo) */
    int vals_f32;          /* the backend's plan_frames write float32 values (set by its init) */
    char backend_why[400]; /* why this backend (wmel_backend_reason) */
    char backend_note[256]; /* what the backend's init adds to it ("" none): a self-test's narrowing */
    /* A device backend that computes a plan of Whisper's geometry with the general algorithm
     * (Voxtral Realtime's fixed max, framing from sample 0): a CPU ctx of the plan's own
     * algorithm (pfa400, pfa400-snip), whose float32 kernels refuse samples the device's
     * arithmetic takes. A call with a sample past WMEL_F32_KERNEL_SAFE (or not finite), and
     * the streams, sliding buffers and long inputs, run on it, so that the ctx accepts and
     * refuses what the CPU backend does, with its bytes. NULL otherwise. */
    struct wmel_ctx *twin;
    int twin_ran;          /* the most recent call of a plan path ran on the twin (__atomic) */
    int hb_kind;           /* the kind (WMEL__HB_*) of the hand-back a hook returned last
                              (wmel__handback; __atomic; read by the scheduler) */
    int hb_frames, hb_finish; /* the kind of the hand-back that sent the most recent call's
                              frames (frames_ran) and finish (finish_ran) to the host, 0 none
                              (__atomic; set by the scheduler; wmel_op_reason reads them) */
    int hb_clips[WMEL_OP_LOG_MEL_BATCH + 1]; /* the same for clips_ran, op by op */
    int finish_ran;        /* the backend (WMEL_BACKEND_*) that finished the most recent call's
                              clips, 0 none yet (__atomic; wmel_op_backend's WMEL_OP_FINISH) */
    int frames_ran;        /* the backend that made the most recent general-plan call's frames
                              (WMEL_OP_LOG_MEL, _S16, _BATCH), 0 none yet: the backend's own
                              answer (__atomic; set by the scheduler, sched.c) */
    int clips_ran[WMEL_OP_LOG_MEL_BATCH + 1]; /* the same for Whisper's geometry's clips, op by
                              op (__atomic; set by the scheduler, sched.c) */
};

/* Notes that `backend` (WMEL_BACKEND_*) finished the clips of the ctx's current call: the
 * device where it made them to the end, WMEL_BACKEND_CPU where the host did. The record
 * only, a relaxed atomic as twin_ran: a const ctx's calls note it too. */
static inline void wmel__note_finish(const wmel_ctx *ctx, int backend)
{
    __atomic_store_n(&((wmel_ctx *)ctx)->finish_ran, backend, __ATOMIC_RELAXED);
}

/* ---- the scheduler (sched.c): where each stage of a clip runs, and the record of it ----
 * The only caller of a device backend's plan hooks (plan_finish, plan_frames,
 * plan_frames_batch) and clip hooks (clips, pfa_frames_batch), and the only writer of
 * finish_ran, frames_ran and clips_ran. A general plan's
 * clip: the device's frames and finish where plan_stages takes both, else the device's
 * frames and the CPU's finish (fe_cpu.c's wmel__fe_cpu_given) where it takes the frames,
 * else the CPU backend's frames and finish (its plan_finish); a hook's run-time hand-back
 * (wmel__handback: a sample past its arithmetic's range, device memory short) takes the
 * next way, its kind noted. */
int wmel__sched_clip(const wmel_ctx *ctx, const float *x, size_t n, float *out);
/* The CPU's finish of a clip's frames a device made for a batch (vals as plan_frames_batch
 * wrote them), noted as the host's. */
int wmel__sched_finish(const wmel_ctx *ctx, const float *x, size_t n, float *out, const void *vals);
/* Whether wmel_features_batch's clips of a general plan take the device's shared frames
 * (plan_frames_batch). */
int wmel__sched_batch_on(const wmel_ctx *ctx);
/* plan_frames_batch's call (its arguments, its answer), noted. */
int wmel__sched_frames_batch(const wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                             void *const *vals, float *const *out, unsigned char *redo, size_t batch);
/* Whole clips of Whisper's geometry on the ctx's backend (vt->clips) where plan_stages takes
 * them, else or where it hands them back the frame driver; `op` (a WMEL_OP_*) and the
 * finish noted. */
int wmel__sched_clips(wmel_ctx *ctx, const wmel_clips *c, int op);
/* Whether wmel_features_batch's clips of Whisper's geometry take the device's shared frames
 * (pfa_frames_batch). */
int wmel__sched_pfa_on(const wmel_ctx *ctx);
/* pfa_frames_batch's call (its arguments, its answer), noted. */
int wmel__sched_pfa_batch(wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                          float *const *out, float *mx, unsigned char *redo, size_t batch);
/* The backend's init at attach (its state; on the general algorithm, a device backend's
 * only); AUTO's failure leaves the CPU's. */
int wmel__sched_attach(wmel_ctx *ctx, int general);
/* Notes that `backend` finished the clips of the ctx's current call (a batch's last). */
void wmel__sched_note_finish(const wmel_ctx *ctx, int backend);

/* The ctx that computes x[0 .. n): ctx->twin where the samples need the CPU's kernels (a
 * sample past WMEL_F32_KERNEL_SAFE or not finite), else ctx; notes which (algo.c). */
wmel_ctx *wmel__twin_for(wmel_ctx *ctx, const float *x, size_t n);
/* The ctx whose algorithm runs a stream, sliding buffer or long input: the twin if any. */
wmel_ctx *wmel__live_ctx(wmel_ctx *ctx);
/* wmel_features_shape and wmel_features once the public entry checked its pointers (algo.c):
 * the clip's shape; the clip run by the ctx's algorithm, its output checked. The twin and
 * AUTO's timing call these, never the public entry. */
int wmel__clip_shape(const wmel_ctx *ctx, size_t n_samples, size_t *rows, size_t *cols);
/* The plan's n_samples: the clip's n samples and padding zeros cut to it, or zeros after it;
 * 0 leaves them as given (algo.c). */
void wmel__clip_to_n(const wmel_ctx *ctx, size_t *n, size_t *padding);
int wmel__clip_run(wmel_ctx *ctx, const float *pcm, size_t n_samples, float *out, size_t out_len);

/* ---- the frame driver (frames.c) ---- */

typedef struct wmel_scratch wmel_scratch;
/* The frame driver's per-worker buffers and task, allocated on first use and kept by the
 * ctx (wmel_create / wmel_destroy); NULL when out of memory. */
wmel_scratch *wmel__scratch_new(void);
void wmel__scratch_free(wmel_scratch *c);

/* The ctx's output for whole clips: raw log10 mel, then normalised (per clip or with one
 * max over the batch) and smoothed as the ctx's params say, on the ctx's threads. */
int wmel__frames_clips(const wmel_ctx *ctx, const wmel_clips *c);
/* One clip's finish from its raw log10 mel out[n_mels][nf] and their largest value mx
 * (a device's frames): the normalisation when params.norm is WMEL_NORM_WHOLE (and the
 * values are not normalised already: normed 0), then the 3x3 average when params.smooth, as
 * wmel_normalize() then wmel_smooth3x3() (whose bytes the frame driver's fused finish gives
 * too); WMEL_OK or a status. */
int wmel__pfa_finish(const wmel_ctx *ctx, float *out, size_t nf, float mx, int normed);
/* The kernels flag a NaN or Inf that reaches a mel sum. It comes from a NaN or Inf
 * sample, or from finite samples so large (|x| above about 1e17) that the float32 power
 * overflows: the input tells which (WMEL_ERR_NOT_FINITE or WMEL_ERR_SAMPLE_RANGE; int16
 * samples, f32 NULL, are always in range). Only the samples that frames [f0, f0 + nf) read
 * are looked at: a NaN past the last frame's window (an input that is not a multiple of
 * the hop) changes no output, so it must not decide the status of a batch whose other
 * clip overflowed, as it decides nothing in a single call. */
int wmel__bad_status(const float *f32, size_t batch, size_t n, size_t stride, size_t f0, size_t nf);

/* Computes raw (un-normalised) log10 mel for frames [f0, f0 + nf) of one clip into
 * out[m * stride + (t - f0)], with n_threads workers. Returns 0 or a status; stores the
 * max in *max_out. */
int wmel__raw_frames(const wmel_ctx *ctx, const wmel_signal *s, size_t f0, size_t nf,
                     float *out, size_t stride, float *max_out, int n_threads);
/* The same on the calling thread, block after block, with the caller's work buffer of
 * WMEL_RAW_WORK_BYTES (64-byte aligned): the values are those of wmel__raw_frames (each
 * frame goes through the same kernel arithmetic wherever its block starts). */
#define WMEL_RAW_WORK_BYTES \
    (((WMEL_BLOCK_FRAMES - 1) * WMEL_HOP + WMEL_N_FFT) * sizeof(float) + WMEL_KERNEL_SCRATCH)
int wmel__raw_frames_here(const wmel_ctx *ctx, const wmel_signal *s, size_t f0, size_t nf,
                          float *out, size_t stride, void *work, float *max_out);
/* The block kernel on frames [f0, f0 + nf) that start at x + t hop + off (each inside
 * x[0 .. n)), on the calling thread, into out[m * stride + (t - f0)]; work as above.
 * Returns 0, WMEL_ERR_NOT_FINITE or WMEL_ERR_INVALID_ARG (a frame past x's end). */
int wmel__snip_frames_here(const wmel_ctx *ctx, const float *x, size_t n, long long off, size_t f0,
                           size_t nf, float *out, size_t stride, void *work, float *max_out);

/* "NAME: message" into buf (NULL name: "(memory)"), printf-style; returns rc. */
int wmel__say(char *buf, size_t len, int rc, const char *name, const char *fmt, ...)
    __attribute__((format(WMEL_PRINTF_FMT, 5, 6)));

/* For a RIFF/WAVE file of `total` bytes whose first head_len bytes are head: when the data
 * chunk FFmpeg reads claims more bytes than the file holds, writes a warning and returns 1.
 * Each chunk moves the walk on by at least 8 bytes, in 64-bit offsets: it ends on any size_t. */
int wmel__wav_claim_warning(const void *head, size_t head_len, unsigned long long total,
                            const char *name, char *warn, size_t warn_len);

/* The built-in WAV path (src/io/wav.c, src/io/wavconv.c): PCM of any rate and channel count
 * to 16 kHz mono int16, the samples the FFmpeg build gives, converted block by block. */
enum { WMEL_PCM_U8 = 1, WMEL_PCM_S16, WMEL_PCM_S24, WMEL_PCM_S32, WMEL_PCM_F32, WMEL_PCM_F64 };
typedef struct {
    int fmt;       /* WMEL_PCM_* */
    int channels;
    int rate;      /* Hz */
    uint64_t mask; /* WAVE_FORMAT_EXTENSIBLE's channel mask, 0 if none */
    int container; /* bytes a sample takes in the file when wider than fmt's (24 valid bits in 32), else 0 */
    uint32_t keep; /* the container's valid bits (s16, s32), 0: all */
} wmel__pcm_info;
/* Input frames the built-in reader takes at most (2^48: its counts stay exact in 64 bits). */
#define WMEL__WAV_MAX_FRAMES ((uint64_t)1 << 48)
/* Output samples the built-in reader gives at most (2^32 - 1, 74.6 h at 16 kHz), checked at open. */
#define WMEL__WAV_MAX_OUT 4294967295ull
/* The converter: opened for `frames` input frames (*n_out receives the output count, known
 * before any work), fed interleaved little-endian frames as wmel__conv_room allows, read with
 * wmel__conv_out until it gives 0 with no room left. Memory: the filter and a window of
 * about 8192 frames a channel, whatever the length. */
typedef struct wmel__conv wmel__conv;
int wmel__conv_open(const wmel__pcm_info *in, uint64_t frames, wmel__conv **out, uint64_t *n_out,
                    const char *name, char *err, size_t err_len);
size_t wmel__conv_room(wmel__conv *c);
void wmel__conv_feed(wmel__conv *c, const unsigned char *raw, size_t frames);
size_t wmel__conv_out(wmel__conv *c, int16_t *o, size_t max);
void wmel__conv_close(wmel__conv *c);
/* FFmpeg's default channel mask for a count (1 to 8), else 0. */
uint64_t wmel__wav_default_layout(int channels);

/* The built-in reader over a file (path; "-": standard input, read whole) or bytes in memory
 * (path NULL; they must outlive the reader): the header as FFmpeg's WAV demuxer reads it,
 * then the samples block by block. *total receives the output count (at most
 * WMEL__WAV_MAX_OUT); desc, when given, one line on the input. */
typedef struct wmel__wavr wmel__wavr;
int wmel__wavr_open(const char *path, const void *data, size_t size, const char *name, wmel__wavr **out,
                    uint64_t *total, char *desc, size_t desc_len, char *err, size_t err_len, char *warn,
                    size_t warn_len);
/* Up to cap samples into out (*got; 0 at the end); 0 or a status with a message. */
int wmel__wavr_read(wmel__wavr *w, int16_t *out, size_t cap, size_t *got, char *err, size_t err_len);
void wmel__wavr_close(wmel__wavr *w);
/* A RIFF/WAVE file in memory to 16 kHz mono int16 (as wmel_parse_wav, which divides
 * these by 32768); info, when not NULL, receives what the header says. */
int wmel__wav_decode_s16(const void *data, size_t size, const char *name, int16_t **out,
                         size_t *n_out, wmel__pcm_info *info, char *err, size_t err_len,
                         char *warn, size_t warn_len);

void *wmel__aligned_alloc(size_t bytes);
/* Worker t of nt prefaults its share (by address) of an output it is about to write. */
void wmel__populate_share(void *p, size_t bytes, int t, int nt);
/* An anonymous scratch file in wmel__tmpdir() ($TMPDIR, else /tmp); NULL with errno set. */
FILE *wmel__tmpfile(void);
const char *wmel__tmpdir(void);
/* fopen of a UTF-8 name (Windows: _wfopen through UTF-16) */
FILE *wmel__fopen(const char *path, const char *mode);
void wmel__aligned_free(void *p);

/* A finished wmel_long's statistics, n_cols doubles each (long.c): the means and the
 * denominators of a plan normalised per column, for the tests to hold them to
 * wmel__fe_stats_f()'s; NULL where the plan has none or the object is not finished. */
void wmel__long_stats(const wmel_long *l, const double **mean, const double **den);

#endif /* WMEL_INTERNAL_H */
