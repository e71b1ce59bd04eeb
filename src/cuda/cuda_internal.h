/*
 * cuda_internal.h -- what the CUDA backend's C glue (backend.c, stem_cuda.c) and its
 * kernels (kernels.cu) share: the device plan layout and the launchers. Plain C, no CUDA
 * headers, so both compilers read it.
 */
#ifndef WMEL_CUDA_INTERNAL_H
#define WMEL_CUDA_INTERNAL_H

#include "../config.h"

#include <stddef.h>
#include <stdint.h>

#include "wmel.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wmel_ctx;

/* ---- the host glue: backend.c (the wmel__backend_cuda table) and stem_cuda.c ---- */

/* wmel_cuda_stem_device() after stem.c's checks (stem_cuda.c): the stem_device entry. */
int wmel__cuda_stem_device(const wmel_stem *s, struct wmel_ctx *ctx, const float *d_mel,
                           size_t n_windows, float *d_out, void *stream);

/* ---- the kernels (kernels.cu), called from backend.c and stem_cuda.c ---- */

/* Frees device memory in stream order on `stream` (a cudaStream_t); when the runtime
 * refuses that, waits for the stream and frees it synchronously, so that no error path
 * leaks device memory. Returns cudaFreeAsync's cudaError_t as int (the caller reports it). */
int wmel__cu_free(void *p, void *stream);
/* Allocates device memory for use in stream order on `stream`: cudaMallocAsync where the
 * device has memory pools, cudaMalloc where it has none (or refuses the pool with
 * cudaErrorNotSupported), so such devices run rather than fail. *p is NULL on failure.
 * Returns the cudaError_t as int; wmel__cu_free releases either kind. */
int wmel__cu_alloc(void **p, size_t bytes, void *stream);
/* 1 where the current device has stream-ordered memory pools (wmel__cu_alloc's
 * cudaMallocAsync); 0 where its allocation is a cudaMalloc and its free a wait. */
int wmel__cu_pools(void);

/* Frames per thread block and threads per block of the fused kernel. */
#define WMEL_CU_TILE 16
#define WMEL_CU_THREADS 128

/* The device plan: one allocation of doubles at these offsets, then the ints. */
#define WMEL_CU_WIN 0          /* periodic Hann window, 400 */
#define WMEL_CU_TW200R 400     /* W200^(n2 k1) at [k1 * 25 + n2], 200 */
#define WMEL_CU_TW200I 600
#define WMEL_CU_TW25R 800      /* W25^(b c) at [b * 5 + c], 25 */
#define WMEL_CU_TW25I 825
#define WMEL_CU_POSTR 850      /* 0.5 (-i) W400^k, 201 */
#define WMEL_CU_POSTI 1051
#define WMEL_CU_MELW 1252      /* packed nonzero Slaney weights, mel_nnz */

/* Sample types of the device-pointer entry point (mirror WMEL_SAMPLE_*). */
#define WMEL_CU_F32 0
#define WMEL_CU_S16 1

/* One launch of the fused kernel over clips [0, n_clips) and frames [f_begin, f_end). */
typedef struct wmel_cu_launch {
    const void *pcm;          /* device: clip c starts at pcm + c * pcm_stride samples */
    int sample_type;          /* WMEL_CU_F32 / WMEL_CU_S16 */
    size_t pcm_stride;
    long long n;              /* real samples per clip */
    long long n_total;        /* n + padding */
    long long nf;             /* frames per clip (output row length) */
    long long f_begin, f_end;
    size_t n_clips;
    const double *plan_d;     /* device plan (doubles) */
    const int *plan_i;        /* device plan (ints): mel_lo[n_mels], mel_len, mel_off */
    int n_mels;
    float *out;               /* device: clip c at out + c * out_stride */
    size_t out_stride;
    unsigned *keys;           /* device: order-preserving max keys */
    int global_key;           /* 1: one key (keys[0]) for all clips; 0: keys[c] */
    int *bad;                 /* device flags of the samples the frames read (may be NULL): 1 one
                                 is not finite, 2 one passes WMEL_CU_F32_SAFE */
    int ff;                   /* the arithmetic: 0 float64 (plan_d the doubles), 1 float-float
                                 (plan_d the same entries as (hi, lo) float pairs, each in a
                                 double's 8 bytes) */
} wmel_cu_launch;

/* WMEL_F32_KERNEL_SAFE (internal.h): past it the CPU's float32 kernels of Whisper's geometry
 * may refuse a clip, which then takes them (the same value). */
#define WMEL_CU_F32_SAFE 1e15f

/* ---- any other plan (the general algorithm): each frame's values for fe_cpu.c's finish
 * (plan_kernels.cu, the stages of the float64 reference, src/ref/fe_ref.c) ---- */

/* Threads a frame of k_plan_frames, the most frames a block, the FFT's most stages. */
#define WMEL_CU_PLAN_WG 64
#define WMEL_CU_PLAN_FPB 4
#define WMEL_CU_PLAN_STAGES 16
/* The most shared memory a block of k_plan_frames takes (no opt-in on any device). */
#define WMEL_CU_PLAN_SMEM 49152

/* The padding's rules of the framing (k_plan_frames' fold). */
#define WMEL_CU_PAD_ZERO 0
#define WMEL_CU_PAD_REFLECT 1   /* numpy's reflect, once at each end */
#define WMEL_CU_PAD_KALDI 2     /* Kaldi's snip_edges=false: x[-1 - i] = x[i] about each end, period 2 n */

/* A float-float value: hi + lo, hi = fl(hi + lo) (from a double d: hi = (float)d,
 * lo = (float)(d - hi)). */
typedef struct wmel_cu_f2 {
    float hi, lo;
} wmel_cu_f2;

/* One launch of k_plan_frames: frames [0, nf) of one clip, frame t's first window sample at
 * signal index (t0 + t) hop + off; its n_cols float64 values to out[t n_cols ..] (the log
 * energy first with use_energy, then the n_mels log mels). The tables are the host's
 * float64 ones (the compiled plan's), in one device allocation. */
typedef struct wmel_cu_frames {
    const float *x;           /* device: the clip's samples */
    const int16_t *xs;        /* device: the clip's int16 samples, each divided by 32768 (used
                                 instead of x where set) */
    long long n;              /* its samples */
    long long t0, nf;         /* the clip's frames [t0, t0 + nf) */
    long long off;            /* signal index of frame 0's first window sample */
    long long hop;
    int fl, n_fft, nbins, n_mels, n_cols, pad_left;
    int fpb;                  /* frames a block (blockDim.x = fpb WMEL_CU_PLAN_WG) */
    int sh_words;             /* shared doubles a frame: the frame (and the DFT's spectrum), then
                                 WMEL_CU_PLAN_WG for the sums where the plan has any */
    /* the framing (wmel__fe_sample): pre-emphasis after the padding (padded mode), the
       padding's rule, signal / padded pre-emphasis, NeMo's time mask */
    int smode, pad_rule, sigpre, padpre, padcut;
    /* the frame's stages: DC removal, the energy (0 none, 1 raw, 2 windowed), frame
       pre-emphasis, power (2) or magnitude (1), the guard (0 none, 1 max, 2 add), the log
       (0 none, 1 log10 clamp, 2 ln(x + guard), 3 ln clamp), the energy floor */
    int remove_dc, energy_mode, use_energy, preemph_frame, power, guard, log_mode, floor_on;
    /* the spectrum: a mixed-radix FFT of n_fft / 2 complex points (radices 8, 4, 2, 3, 5),
       or (fft 0) a direct DFT of the frame */
    int fft, n_stages, radix[WMEL_CU_PLAN_STAGES];
    double scale, preemph, mag_guard, log_guard, ln_floor;
    const double *tab;        /* device: window[fl] at win, cos[n_fft] at co, sin[n_fft] at so,
                                 the packed mel weights at mo */
    int win, co, so, mo;
    const int *ints;          /* device: mel lo / len / off [n_mels] at lo, len, moff; the
                                 digit-reversed place of each z[n] [n_fft / 2] at perm */
    int lo, len, moff, perm;
    double *out;              /* device: [nf][n_cols] */
    float *outf;              /* device: [nf][n_cols] float32, each value rounded once (used
                                 instead of out where set) */
    /* the arithmetic: 0 float64, 1 float-float (src/cuda/arith_ff.cuh): tab's entries then
       hold (hi, lo) float pairs in their 8 bytes, and the scalars below replace scale,
       preemph, mag_guard, log_guard and ln_floor; log10e: log10(e) for the log10 */
    int ff;
    wmel_cu_f2 f_scale, f_preemph, f_mag_guard, f_log_guard, f_ln_floor, f_log10e;
    /* the cepstra (n_ceps > 0: n_cols of them a frame in place of the log energy and log
       mels; at most 4 WMEL_CU_PLAN_WG mels, no more than sh_words): the DCT's n_ceps rows
       of n_mels (the lifter in them) in tab at dct; Kaldi's htk_compat, sqrt(2) */
    int n_ceps, ceps_htk, dct;
    double sqrt2;
    wmel_cu_f2 f_sqrt2;
    /* the dither (dither_on): dither * nz_gauss(dither_seed, t, j) added to sample j of
       absolute frame t after the scale, in float64 (src/kernels/noise.h) */
    int dither_on;
    unsigned dither_seed;
    double dither;
} wmel_cu_frames;


/* One clip's finish on the device (k_plan_finish; k_plan_max before it where the clamp
 * takes the clip's max from its values): fe_cpu.c's finish of the frames' float32 values,
 * one block of WMEL_CU_PLAN_WG threads a column, written in the plan's layout. */
typedef struct wmel_cu_finish {
    const float *in;          /* device: the clip's values [nc][n_cols] (k_plan_frames' outf) */
    float *out;               /* device: frame t, column c at t ld + c (fmaj) or c ld + t; T
                                 frames written, ld n_cols (fmaj) or T */
    unsigned *flag;           /* device: the clip's two words: its flag (a value not finite, set
                                 to 1), then its max's order-preserving key (cleared before) */
    long long nv, nc, nfo, T; /* valid, computed and output frames; frames written */
    int n_cols, fmaj;
    /* the normalisation: 0 sqrt(var) + eps (WMEL_NORM_PER_FEATURE), 1 sqrt(var + eps)
       (WMEL_NORM_MEAN_VAR), 2 none, 3 the clip's max clamp (WMEL_NORM_WHOLE) */
    int norm;
    /* the appended finish (frames [nv, nfo) pad, then fill or zeros), its affine on [0, nfo),
       the variance over n, the mean alone, eps 0's floor, a fixed max, the tail's fill */
    int ext, affine, pop, mean_only, floor, fixed_max, fill;
    /* WMEL_NORMF_THEN_MEAN_VAR (norm 3): the column's statistics of its clamped, padded
       values after the affine (pop, mean_only and floor its rules), then the scales */
    int then;
    /* WMEL_NORMF_ALL (norm 0 or 1): one mean and one denominator over every column, which
       k_plan_all writes into stats (device: four doubles, the clip's own) before the finish */
    int all;
    double *stats;
    float pad, fill_value, norm_max, norm_range;
    /* the arithmetic of the statistics and the affine: 0 float64 (each operation IEEE's,
       nothing contracted: the CPU's bytes), 1 float-float (the f_* pairs) */
    int ff;
    double eps, post_scale, post_shift;
    wmel_cu_f2 f_eps, f_post_scale, f_post_shift, f_den_floor;
    /* the per-column scales (wmel_create_plan_cols): 0 none, 1 the frames' (after the affine,
       on frames [0, nfo): float32(v scale[c] + shift[c])), 2 the post stage's rows'
       (cols_stacked); scale[i] at tab[cs + i], shift[i] after the scales (n_cols of them, or
       pcols); tab: the frames' tables (wmel_cu_frames' tab, in the clip's arithmetic) */
    const double *tab;
    int cols, cs;
    /* the post stage (k_plan_post after the finish; fe_post.c's): out then holds the clip's
       finished frames [..][n_cols] (frames x columns), pT of them read; prows x pcols
       written to pout. Row r's slot k: frame r S + k - L; the tail past the last frame: 1
       the last frame, 2 fill_value, 0 zeros; deltas of half-width dw over denom */
    int post;
    float *pout;
    long long prows, pcols, pT, S, L, dw;
    int tail;
    double denom;
    wmel_cu_f2 f_denom;
} wmel_cu_finish;

/* ---- rounds: many clips of their own lengths in one launch of each kernel
 * (wmel_cuda_features_device_batch). The clips' tables travel in the kernels' parameters
 * (no copy to the device; capture-safe), the launch's parameters at most 4 KB. */

/* The most clips a round. */
#define WMEL_CU_ROUND_CLIPS 96

/* k_plan_frames_round's clips (those with frames), with wmel_cu_frames' plan part: clip k
 * reads x[k] (float32, or int16 where s16), n[k] samples, and writes its nf[k] frames' values
 * from frame f0[k] of the round's values (outf + f0[k] n_cols); its blocks start at block
 * b0[k] (increasing; fpb frames a block). */
typedef struct wmel_cu_frames_round {
    const void *x[WMEL_CU_ROUND_CLIPS];
    long long n[WMEL_CU_ROUND_CLIPS];
    unsigned f0[WMEL_CU_ROUND_CLIPS], nf[WMEL_CU_ROUND_CLIPS], b0[WMEL_CU_ROUND_CLIPS];
    int n_clips, s16;
} wmel_cu_frames_round;

/* The round's finish, with wmel_cu_finish's plan part (in: the round's values, out: a post
 * stage's finished frames, flag and stats: the round's first clip's): clip k's values from
 * frame f0[k] of in, its nv, nc, nfo and T, its flag and key at flag + 2 k, its statistics at
 * stats + 4 k, its output out[k] (a post stage: its prows[k] rows there, its finished frames
 * from frame p0[k] of f.out). */
typedef struct wmel_cu_finish_round {
    float *out[WMEL_CU_ROUND_CLIPS];
    unsigned f0[WMEL_CU_ROUND_CLIPS], nv[WMEL_CU_ROUND_CLIPS], nc[WMEL_CU_ROUND_CLIPS], nfo[WMEL_CU_ROUND_CLIPS],
        T[WMEL_CU_ROUND_CLIPS], p0[WMEL_CU_ROUND_CLIPS], prows[WMEL_CU_ROUND_CLIPS];
    int n_clips;
} wmel_cu_finish_round;

/* Enqueue the round's frames (blocks: the round's blocks, b0's end) on `stream`; the round's
 * finish (k_plan_all, k_plan_max where the plan needs them, k_plan_finish, k_plan_post where
 * it has a post stage: one launch each for all the round's clips). cudaError_t as int. */
int wmel__cu_plan_frames_round(const wmel_cu_frames *f, const wmel_cu_frames_round *r, long long blocks, void *stream);
int wmel__cu_plan_finish_round(const wmel_cu_finish *f, const wmel_cu_finish_round *r, void *stream);

/* The calls (and batches' clips) whose finish ran on the device (backend.c), for the tests. */
#ifdef WMEL_TEST_HOOKS /* reached through the test door (testctl.h) */
long long wmel__cu_finishes(void);
/* arith.c's testing switches: probe -1 the rule, 0 never time, 1 time a device that is no
   GPU too; brk the self-test's primitive broken on purpose (0 none, 1 mul, 2 add) */
void wmel__cu_arith_test(int probe, int brk);
#endif

/* ---- the arithmetic (arith.c) ---- */

/* The arithmetic of ctx's frames (Whisper's geometry where whisper, else a general plan's)
 * into *ff (1 float-float, 0 float64): *ff holds backend.c's rule on entry (the variable
 * WMEL_CUDA_ARITHMETIC, else for a general plan the compute capability's); params.cuda_arith
 * overrides it, AUTO with no variable times Whisper's geometry on a GPU, and float-float is
 * held to the device's self-test (refused where asked for, float64 under AUTO). Writes
 * ctx->backend_note where the timing or the self-test decided. WMEL_OK, or
 * WMEL_ERR_BACKEND_UNAVAILABLE with the detail. */
int wmel__cu_arith_pick(struct wmel_ctx *ctx, int whisper, int *ff);
/* The float-float self-test of device `index` (kept for the process): 1 passed, 0 failed
 * or could not run; its sentence into msg. */
int wmel__cu_ffcheck_run(int index, char *msg, size_t len);
/* Whisper's timed verdict of device `index`: 0 none yet, 1 float64, 2 float-float, the
 * seconds of each into t. */
int wmel__cu_arith_timed(int index, double t[2]);

/* Enqueue k_plan_frames on `stream`; a cudaError_t as int. */
int wmel__cu_plan_frames(const wmel_cu_frames *f, void *stream);
/* Enqueue the clip's finish (and its max pass where it needs one, its post stage where it
 * has one) on `stream`; a cudaError_t as int. */
int wmel__cu_plan_finish(const wmel_cu_finish *f, void *stream);
/* Prepares k_plan_frames for the current device; a cudaError_t as int. */
int wmel__cu_plan_prepare(void);

/* Enqueue on `stream` (a cudaStream_t). Return a cudaError_t as int (0 = success). */
int wmel__cu_logmel(const wmel_cu_launch *l, void *stream);
int wmel__cu_normalize(float *out, size_t out_stride, size_t per_clip, size_t n_clips,
                       const unsigned *keys, int global_key, void *stream);
/* The normalisation (when keys is set; NULL: WMEL_NORM_NONE) and the 3x3 average
 * (params.smooth = WMEL_SMOOTH_3X3) of n_clips clips out[c * out_stride] of
 * [n_mels][nf] raw log10 mel, in place, in one pass after a small edge-saving kernel;
 * equal bit for bit to wmel_normalize() then wmel_smooth3x3() on each clip. edges:
 * device scratch of wmel__cu_smooth_scratch() bytes (SIZE_MAX: too big). */
size_t wmel__cu_smooth_scratch(int n_mels, size_t nf, size_t n_clips);
int wmel__cu_smooth(float *out, size_t out_stride, int n_mels, size_t nf, size_t n_clips,
                    const unsigned *keys, int global_key, float *edges, void *stream);
/* params.device_check's scan of n_clips clips' float32 samples (k_scan): clip c at base + c
 * * stride with n samples, or (tab not NULL, device memory) at tab[2c] with tab[2c + 1];
 * max_n: the most samples a clip has. flags[c] (device, cleared by the caller) |= 1 a
 * sample not finite, 2 one past range_lim, 4 one past ff_lim (magnitude bits). */
int wmel__cu_scan(const float *base, size_t stride, const unsigned long long *tab, size_t n, size_t max_n,
                  size_t n_clips, unsigned range_lim, unsigned ff_lim, unsigned *flags, void *stream);
/* A round of Whisper's geometry (wmel_cuda_features_device_batch): clip k's n[k] samples at
 * x[k] (no padding; int16 where l->sample_type says), its n_mels x nf[k] output at out[k];
 * b0 and e0 are wmel__cu_whisper_round's (the clip's first log-mel tile, first smoothing
 * tile), filled there. Travels in the kernels' parameters with a wmel_cu_launch. */
typedef struct wmel_cu_logmel_round {
    const void *x[WMEL_CU_ROUND_CLIPS];
    float *out[WMEL_CU_ROUND_CLIPS];
    long long n[WMEL_CU_ROUND_CLIPS];
    unsigned nf[WMEL_CU_ROUND_CLIPS], b0[WMEL_CU_ROUND_CLIPS], e0[WMEL_CU_ROUND_CLIPS];
    int n_clips;
} wmel_cu_logmel_round;
/* Enqueue the round on `stream`: one k_logmel_round (l: the plan, n_mels, sample_type; clip
 * k's max key at l->keys + k, cleared beforehand), then with `smooth` k_edges_round and
 * k_smooth_round (normalised with the keys where `normalize`), else with `normalize` one
 * k_normalize_round. edges: wmel__cu_smooth_scratch(n_mels, nf[k], 1) bytes for every clip
 * of the round, where smooth. nf[k] >= 1, the round's frames at most UINT_MAX. A
 * cudaError_t as int. */
int wmel__cu_whisper_round(const wmel_cu_launch *l, const wmel_cu_logmel_round *r, int normalize, int smooth,
                           float *edges, void *stream);
/* The float-float self-test's primitives (k_ffcheck): two-sum, two-product, add, sub, mul,
 * div, sqrt, log. */
#define WMEL_CU_FF_NPRIM 8
/* Runs them on the current device, synchronously, for n cases of four floats each (a's hi,
 * lo, b's hi, lo) at h_in, the results (hi, lo) per case and primitive into h_out
 * (2 WMEL_CU_FF_NPRIM n floats); brk: 0, or a primitive broken on purpose (1 the products'
 * error terms, 2 the sums'), for the tests. A cudaError_t as int. */
int wmel__cu_ffcheck(const float *h_in, float *h_out, int n, int brk);
/* Prepares the kernels for the current device (shared memory opt-in); returns a
 * cudaError_t as int: cudaErrorNoKernelImageForDevice when this build cannot run there. */
int wmel__cu_prepare(void);
/* Decodes a max key back into the float it came from (host side). */
float wmel__cu_key_to_float(unsigned key);

#ifdef __cplusplus
}
#endif

#endif /* WMEL_CUDA_INTERNAL_H */
