/*
 * fe.h -- the compiled plan (struct wmel_fe, every ctx's: its algorithm, algo.c, chosen
 * from the geometry) and the general algorithm's engine (every plan but Whisper's
 * geometry, which runs on the frame driver): a wmel_frontend_plan compiled once at create
 * time (window, sparse mel bank, FFT factors and twiddles, all in double), the general CPU
 * path, the float64 reference, and the finishing steps they share (valid frames,
 * normalisation, stacking, layout).
 */
#ifndef WMEL_FE_H
#define WMEL_FE_H

#include "../internal.h"
#include "fe_ln.h"

#include <float.h>
#include <math.h>
#include <stdint.h>

#define WMEL_FE_MAX_MELS 512
#define WMEL_FE_MAX_NFFT 65536
/* The plan's caps on the work and memory one call may ask for (wmel.h, wmel_frontend_plan):
 * n_frames up to 2^20 frames and 2^26 output values (256 MiB of float32); n_fft at most
 * 64 hop unless n_fft <= 1024 (the transform's work per input sample); pad_left and
 * pad_right at most max(n_fft, frame_span). */
#define WMEL_FE_MAX_FIXED_FRAMES (1 << 20)
#define WMEL_FE_MAX_FIXED_VALUES ((size_t)1 << 26)
#define WMEL_FE_MAX_OVERLAP 64
#define WMEL_FE_FREE_NFFT 1024
#define WMEL_FE_MAX_STAGES 24

/* A complex FFT of size m, Stockham autosort, radices 4, 2, 3, 5 (fe_fft.c). */
typedef struct wmel_fft {
    int m;
    int n_stages;
    int radix[WMEL_FE_MAX_STAGES];
    int ns[WMEL_FE_MAX_STAGES];    /* size of the transforms done before stage s */
    size_t tw_off[WMEL_FE_MAX_STAGES];
    double *tw;                    /* stage s: (radix - 1) * ns twiddles, re/im interleaved */
    double *post;                  /* real-FFT split: W_n^k for k = 0..m, re/im interleaved */
    /* m = 4^k (n_fft 8, 32, 128, 512, 2048, ...): the lane kernels' in-place radix-4
     * decimation-in-frequency transform (fe_lanes.inc); NULL otherwise. */
    double *r4_tw;                 /* stages L = m, m / 4, .., 16: for j < L / 4, W_L^j, W_L^2j,
                                    * W_L^3j (re, im), stage after stage */
    int *r4_rev;                   /* [m] where natural output k lies (base-4 digit reversal) */
    /* m not 4^k, or m > 256 (n_fft 1024, 1600, 2048, 4096, ...): the in-place mixed-radix
     * decimation-in-frequency transform (fe_mr.inc) the lane kernels and the C level run;
     * NULL otherwise. Radices 5, then 3, then one 2 (an odd power of 2), then 4s. */
    int mr_n;                      /* stages */
    int mr_radix[WMEL_FE_MAX_STAGES];
    size_t mr_tw_off[WMEL_FE_MAX_STAGES];
    double *mr_tw;                 /* stage s of span L (q = L / r > 1): for j < q, W_L^(u j) for
                                    * u = 1 .. r - 1 (re, im); nothing for q = 1 */
    int *mr_rev;                   /* [m] where natural output k lies (mixed-radix digit reversal) */
    /* n_fft 400: the lane kernels' prime-factor 16 x 25 transform (cpu/pfa400.inc, Whisper's
     * kernel's): sample j at pfa_zq[j], row k1's output k2 is |X[pfa_pwi[25 k1 + k2]]|^2,
     * twiddles W25^(b c) at [b * 5 + c]; NULL otherwise. */
    struct wmel_pfa400_tab *pfa;
} wmel_fft;

typedef struct wmel_pfa400_tab {
    double tw_re[25], tw_im[25];
    short zq[400];
    short pwi[9 * 25];
} wmel_pfa400_tab;

int wmel__fft_init(wmel_fft *f, int n_fft);
void wmel__fft_free(wmel_fft *f);
/* |rFFT(x)|^2 of n_fft = 2 m real samples into power[0..m]; work holds 4 m doubles. The
 * mixed-radix transform where its tables exist, else the Stockham stages. */
void wmel__fft_power(const wmel_fft *f, const double *x, double *power, double *work);

struct wmel_fe;
/* A frame kernel of the general path: frames t0 .. t0 + count - 1 (count <= lanes) of
 * x[0 .. n) into vals[lane][n_cols] (float64); scratch: scratch(fe) bytes, 64-aligned.
 * tbase: the absolute index of x's frame 0 (the stream's pieces; 0 for a whole signal),
 * which the dither's noise is a function of. by_col: vals[n_cols][lanes] instead (a
 * column's lanes side by side, every lane written; the lanes past count repeat the last
 * frame's values), for a columns x frames output. */
typedef void (*wmel_fe_frames_fn)(const struct wmel_fe *fe, const float *x, size_t n,
                                  size_t t0, int count, double *vals, void *scratch, size_t tbase, int by_col);
/* The finish's normalisation of len consecutive floats in place: v[i] = (float)((v[i] - mean[i
 * ms]) / den[i ms]) in double, each operation correctly rounded, so every level gives the
 * same bits (ms 0: one mean and denominator for all; 1: one per value). */
typedef void (*wmel_fe_norm_fn)(float *v, size_t len, const double *mean, const double *den, size_t ms);
/* A group's columns (vals in frames()'s layout: [n_cols][lanes] by_col, else [cnt][n_cols])
 * rounded to float32 into out (frame l's column m at out[l * ts + m * cs]; by_col: ts 1,
 * else cs 1); nonzero when a value rounded to an infinity (or was one, or NaN): exactly the
 * values wmel__fe_f32_ok() refuses. */
typedef uint32_t (*wmel_fe_cast_fn)(float *out, size_t ts, size_t cs, const double *vals, size_t n_cols, size_t cnt,
                                    int by_col);
/* 1 when x[0 .. n) holds no NaN or Inf. */
typedef int (*wmel_fe_finite_fn)(const float *x, size_t n);

typedef struct wmel_fe_kernel {
    const char *name;    /* "c-f64", "avx2-f64x4", "avx512-f64x8", "neon-f64x2" */
    int lanes;           /* frames per call */
    wmel_fe_frames_fn frames;
    size_t (*scratch)(const struct wmel_fe *fe);
    wmel_fe_norm_fn norm;
    wmel_fe_cast_fn cast;     /* the same bits at every level */
    wmel_fe_finite_fn finite; /* the same answer at every level */
} wmel_fe_kernel;
/* The finish's normalisation through the kernel's (the scalar one without a kernel). */
void wmel__fe_norm(const struct wmel_fe *fe, float *v, size_t len, const double *mean, const double *den,
                   size_t ms);
const wmel_fe_kernel *wmel__fe_kernel_c(void);      /* fe_cpu.c */
const wmel_fe_kernel *wmel__fe_kernel_avx2(void);   /* cpu/x86/fe_avx2.c; NULL when not built */
const wmel_fe_kernel *wmel__fe_kernel_avx512(void); /* cpu/x86/fe_avx512.c; NULL when not built */
const wmel_fe_kernel *wmel__fe_kernel_neon(void);   /* cpu/arm/fe_neon.c; NULL off AArch64 */
const wmel_fe_kernel *wmel__fe_kernel_simd128(void); /* cpu/wasm/fe_simd128.c; NULL without -msimd128 */
/* The kernel for an ISA level (WMEL_ISA_*): wmel__isa_kernels()'s (cpu/cpu.c). */
const wmel_fe_kernel *wmel__fe_kernel_for(int level);

/* The compiled plan. */
typedef struct wmel_fe {
    wmel_frontend_plan p;
    int n_bins;          /* n_fft / 2 + 1 */
    int n_cols;          /* the frame's columns (wmel__fe_width: n_mels + use_energy, or n_ceps) */
    int n_raw;           /* the columns a frame kernel writes: n_mels + use_energy (the log
                            energy, then the log mels), which the cepstra (n_ceps) replace */
    double *dct;         /* n_ceps: [n_ceps][n_mels] Kaldi's DCT matrix, the lifter folded in */
    long long off;       /* signal index of frame 0's first window sample */
    double *window;      /* [frame_length] */
    int *mel_lo, *mel_len, *mel_off; /* filter m covers bins [lo, lo + len) */
    double *mel_w;       /* packed weights */
    double *dense;       /* [n_mels][n_bins] the same filters, dense (the reference) */
    wmel_fft fft;
    const wmel_fe_kernel *kern; /* the CPU backend's frame kernel (set at create) */
    const wmel_algo *algo;      /* the algorithm the geometry chose (algo.c) */
    wmel_plan *pfa400;          /* Whisper's geometry: its 400-point tables (plan.c); the
                                   general tables above are then not built */
    const double *noise;  /* NULL, or the dither's noise as a table (wmel__ctx_noise_table, the
                             caller's, borrowed): wmel_dither_gauss(p.dither_seed, t, j) at
                             [t * noise_len + j] for frames t < noise_frames */
    size_t noise_frames;
    int noise_len;
    double *col_scale, *col_shift; /* [n_cols] the per-column affine (wmel_create_plan_cols),
                                      after the plan's own; NULL: none (cols_stacked: one per
                                      output column, applied by the post stage) */
    size_t n_colvec;     /* their count (wmel__fe_n_colvec) */
} wmel_fe;

/* 1 when every v[0 .. n) rounds to a finite float32. Finite samples keep every stage
 * finite in double, but a plan with WMEL_LOG_NONE outputs the mel energies themselves,
 * which pass float32's range for samples above about 1e17 (x scale): the compute
 * functions return WMEL_ERR_SAMPLE_RANGE for those, as Whisper's geometry does. */
static inline int wmel__fe_f32_ok(const double *v, size_t n)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++) ok &= fabs(v[i]) < 0x1.ffffffp+127; /* rounds to FLT_MAX or below */
    return ok;
}

/* The plan's log of a mel energy (wmel's log, fe_ln.h: the lane kernels' bits). */
static inline double wmel__fe_log(const wmel_frontend_plan *p, double m)
{
    switch (p->log) {
    case WMEL_LOG10_CLAMP: return wmel__log10(m < p->log_guard ? p->log_guard : m);
    case WMEL_LOG_ADD: return wmel__ln(m + p->log_guard);
    case WMEL_LOG_CLAMP: return wmel__ln(m < p->log_guard ? p->log_guard : m);
    case WMEL_LOG_ZERO: return wmel__ln(m < DBL_MIN ? p->log_guard : m);
    case WMEL_LOG10_ZERO: return wmel__log10(m < DBL_MIN ? p->log_guard : m);
    default: return m;
    }
}

/* A refusal's sentence into msg (when given, at most len bytes); returns WMEL_ERR_INVALID_ARG. */
int wmel__fe_bad(char *msg, size_t len, const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 3, 4)));
/* The plan options' window names, indexed by WMEL_WINDOW_* (wmel_plan_set, the JSON schema). */
#define WMEL__FE_N_WINDOWS (WMEL_WINDOW_BARTLETT_PERIODIC + 1)
extern const char *const wmel__fe_window_names[WMEL__FE_N_WINDOWS];
/* Checks a plan's fields (WMEL_OK or WMEL_ERR_INVALID_ARG). */
int wmel__fe_check(const wmel_frontend_plan *p);
/* A bound on |v| of every value of the plan's finish before its affine (the log of any double,
 * the whole normalisation of it, pad_value), or INFINITY where the values depend on the data
 * (WMEL_LOG_NONE's energies, the statistics' z-scores). */
double wmel__fe_pre_affine_bound(const wmel_frontend_plan *p);
/* The backstop of the finish's affines (the plan's and the per-column one): where the values
 * before them have no static bound (wmel__fe_pre_affine_bound), a value they carry past
 * float32's range makes the call return WMEL_ERR_SAMPLE_RANGE, never an infinity: WMEL_OK
 * or that, for the n output values at v. */
int wmel__fe_out_check(const wmel_fe *fe, const float *v, size_t n);
/* The general tables of a checked plan, whatever its geometry (wmel__plan_compile, the
 * stage-by-stage reference). */
int wmel__fe_compile(const wmel_frontend_plan *p, wmel_fe **out);
/* cos and sin of 2 pi j / n_fft, j < n_fft: the reference's direct DFT and the device's table */
void wmel__fe_dft(int n_fft, double *cos_tab, double *sin_tab);
void wmel__fe_free(wmel_fe *fe);
/* 1 when the plan is Whisper's geometry (the frame driver computes it bit for bit), its
 * finish Whisper's or Whisper's with a fixed max (WMEL_NORMF_FIXED_MAX). */
int wmel__fe_is_whisper(const wmel_frontend_plan *p);
/* 1 when the plan is that geometry with snip framing from sample 0 (valid all): the frame
 * driver's block kernel computes its frames (algo.c, pfa400-snip). */
int wmel__fe_is_whisper_snip(const wmel_frontend_plan *p);
/* The max of WMEL_NORM_WHOLE's clamp on Whisper's geometry: the plan's norm_max with
 * WMEL_NORMF_FIXED_MAX (as fe_cpu.c's finish rounds it), else the data's. */
static inline float wmel__fe_whole_max(const wmel_frontend_plan *p, float data_max)
{
    return (p->norm_flags & WMEL_NORMF_FIXED_MAX) ? (float)p->norm_max : data_max;
}

/* WMEL_FRAMES_KALDI_CENTER: frame 0's first window sample, hop / 2 - frame_length / 2
 * (kaldi-native-fbank's FirstSampleOfFrame, each term divided in C), and Kaldi's
 * reflection of a signal index i outside [0, n) (n >= 1): -i - 1 before the start,
 * 2 n - 1 - i past the end, until inside; period 2 n, so one modulo does it. */
static inline long long wmel__fe_kaldi_off(const wmel_frontend_plan *p)
{
    return (long long)(p->hop / 2) - (long long)(p->frame_length / 2);
}
static inline long long wmel__fe_kaldi_reflect(long long i, size_t n)
{
    const long long p2 = 2 * (long long)n;
    long long m = i % p2;
    if (m < 0) m += p2;
    return m < (long long)n ? m : p2 - 1 - m;
}

/* Frames of the STFT for n samples, and the valid ones. */
size_t wmel__fe_frames(const wmel_frontend_plan *p, size_t n);
size_t wmel__fe_valid(const wmel_frontend_plan *p, size_t n);
/* The most samples a reflection reads back from an end (centre reflect: n_fft / 2; the
 * explicit framing's reflect: max(pad_left, pad_right)); 0 without reflection. The signal
 * needs more samples than that (else WMEL_ERR_TOO_SHORT). */
size_t wmel__fe_reflect_reach(const wmel_frontend_plan *p);
/* Where the samples a frame reads stop being the clip's own: n, or n - pad_left with
 * WMEL_PREEMPH_PADDED_CUT (NeMo's mask zeroes the values from there on). A frame whose
 * window starts at i0 >= 1 and ends at or before it reads the samples only (the kernels'
 * fast path, the live objects' interior frames). */
static inline long long wmel__fe_live_end(const wmel_frontend_plan *p, size_t n)
{
    return p->preemph_mode == WMEL_PREEMPH_PADDED_CUT ? (long long)n - p->pad_left : (long long)n;
}
/* The frames wmel_features computes (the others of the output are zeros or pad_value):
 * every STFT frame (WMEL_VALID_ALL) or the valid ones, at most n_frames. */
size_t wmel__fe_computed(const wmel_frontend_plan *p, size_t n);
/* The output's frames before stacking: the computed or valid ones, padded to pad_to or
 * set to n_frames. */
size_t wmel__fe_out_frames(const wmel_frontend_plan *p, size_t n);
/* 1 when the plan's finish has one of the appended variants (norm_flags, norm_range,
 * n_frames, affine, pad_value): wmel__fe_finish_ext finishes it, on one thread, for the
 * whole-clip path and the sliding buffer alike (long.c applies it value by value as it writes). */
int wmel__fe_ext(const wmel_frontend_plan *p);
/* The same for a compiled plan (its per-column affine too). */
int wmel__fe_ext_fe(const wmel_fe *fe);
/* That finish, in place on the float output (frame t, column c at out[t ts + c cs]) of nv
 * valid frames and nfo output frames (before stacking): the normalisation over the valid
 * frames, pad_value in frames [nv, nfo), then the affine over [0, nfo), then the
 * per-column affine (x col_scale[c] + col_shift[c], in double, one rounding).
 * Statistics: per column, the sums of wmel__fe_stats_f (chunks of WMEL_FE_STATS_CHUNK);
 * WMEL_NORMF_ALL adds the columns' sums in column order, then the columns' sums of
 * squared deviations from the one mean in column order. Returns WMEL_ERR_NO_MEMORY or OK. */
int wmel__fe_finish_ext(const wmel_fe *fe, float *out, size_t ts, size_t cs, size_t nv, size_t nfo);
/* The per-column affine (wmel_create_plan_cols; not a cols_stacked one) on frames [f0, f1)
 * of out, frame t's column c at out[t ts + c cs]: v col_scale[c] + col_shift[c] in double,
 * one rounding to float32 (the finish's and a stream's frames alike). */
void wmel__fe_cols(const struct wmel_fe *fe, float *out, size_t ts, size_t cs, size_t f0, size_t f1);
/* 1 when the plan has a stacking variant, deltas or cols_stacked (wmel.h, "Stacking,
 * deltas"): the post stage after the finish (fe_post.c); such a plan's finish is the ext
 * one, on the T = wmel__fe_out_frames frames of n_cols values, [T][n_cols]. */
int wmel__fe_post_on(const wmel_frontend_plan *p);
/* A post stage that only fills the last row's missing slots: rows of consecutive frames
 * (no stride, no left context, deltas or stacked columns) with WMEL_STACK_TAIL_FILL; the
 * frames are then the output's own memory, stack_fill past the output frames. */
int wmel__fe_fill_rows(const wmel_frontend_plan *p);
/* 1 when a device's finish kernel (Vulkan's finish.comp, CUDA's k_plan_finish) makes the
 * finish of plan fe on the frames' float32 values: the per-feature normalisation
 * (WMEL_NORM_PER_FEATURE, WMEL_NORM_MEAN_VAR), none, or the clip's max clamp
 * (WMEL_NORM_WHOLE), with the appended finish's rules it has (the variance over n, the
 * mean alone, eps 0's floor, a fixed max, pad_value, n_frames, the affine), plain stacking
 * or the tail's fill; with caps' WMEL__DEV_POST (a backend with the post stage's pass:
 * Vulkan's finish.comp, CUDA's k_plan_post) also the per-column scales and any post stage
 * (in the frames x columns layout it requires); with WMEL__DEV_THEN (both kernels) also
 * WMEL_NORMF_THEN_MEAN_VAR, with WMEL__DEV_ALL (Vulkan's) one statistic over every column
 * (WMEL_NORMF_ALL); not with the windowed energy (the frames are the CPU's). */
enum { WMEL__DEV_POST = 1, WMEL__DEV_THEN = 2, WMEL__DEV_ALL = 4 };
int wmel__fe_dev_finish(const struct wmel_fe *fe, int caps);
/* The output of a clip of n samples (nc frames computed) that a device's finish writes into
 * rows x cols (wmel_features_shape's): 1 with *rows x *cols set to the frames' layout
 * (frames x columns: *rows the frames written, *cols n_cols; columns x frames: *rows
 * n_cols, *cols the frames written), or 0 where the output is not one it writes (no frame,
 * stacking but a whole row of `stack` frames, fewer frames than computed, an appended
 * finish whose output frames are fewer than the computed ones or more than the rows); a
 * plan without a post stage (or with the tail's fill only). */
int wmel__fe_dev_shape(const struct wmel_fe *fe, size_t n, size_t nc, size_t *rows, size_t *cols);
/* The same for a plan with a post stage (a device's pass after its finish, with
 * wmel__fe_dev_finish(fe, WMEL__DEV_POST)): 1 where rows x cols is the post stage's output of a clip of
 * n samples (nc frames computed), *F then the finished frames [F][n_cols] the pass reads
 * (every computed frame, at least the output's: frames [0, wmel__fe_out_frames) are its
 * input); else 0. */
int wmel__fe_dev_post(const struct wmel_fe *fe, size_t n, size_t nc, size_t rows, size_t cols, size_t *F);
/* The post stage's output shape for T frames. */
void wmel__fe_post_shape(const wmel_frontend_plan *p, size_t T, size_t *rows, size_t *cols);
/* The post stage as a stream: frames pushed in order (n_cols floats each, T in all), each
 * output row handed to fn (row r of the output, cols floats) as soon as its frames are in. */
typedef int (*wmel_fe_row_fn)(void *user, const float *row, size_t r);
typedef struct wmel_fe_post {
    const struct wmel_fe *fe;
    size_t T, w, dw, wd, m, S, L, R, rows, cols;
    size_t t_in, r_out;
    float *ring;   /* [R][w] the last frames */
    const float *all; /* [T][w] every frame, read in place of the ring where not NULL */
    float *row;    /* [cols] */
    double denom;  /* the deltas' */
} wmel_fe_post;
int wmel__fe_post_init(wmel_fe_post *ps, const struct wmel_fe *fe, size_t T);
int wmel__fe_post_push(wmel_fe_post *ps, const float *frame, wmel_fe_row_fn fn, void *user);
void wmel__fe_post_free(wmel_fe_post *ps);
/* The whole post stage: frames [T][n_cols] into out [rows][cols]. */
int wmel__fe_post_run(const struct wmel_fe *fe, const float *frames, size_t T, float *out);
/* Rows [r0, r1) (r1 clamped to the rows) of wmel__fe_post_run()'s output, the same values. */
int wmel__fe_post_rows(const struct wmel_fe *fe, const float *frames, size_t T, float *out, size_t r0,
                       size_t r1);
/* A frame's columns: n_ceps cepstra, else the log energy (use_energy) and the n_mels mels. */
static inline size_t wmel__fe_width(const wmel_frontend_plan *p)
{
    return p->n_ceps > 0 ? (size_t)p->n_ceps : (size_t)p->n_mels + (size_t)(p->use_energy != 0);
}
/* The frames of a kernel (kern->frames) into vals in the caller's layout (fe.h:
 * wmel_fe_frames_fn), then, with n_ceps, each frame's cepstra (wmel.h, "Cepstra") from
 * the kernel's n_raw columns, which it writes past the n_cols x lanes values of vals:
 * vals holds wmel__fe_vals_len() doubles. */
size_t wmel__fe_vals_len(const struct wmel_fe *fe, const wmel_fe_kernel *kern);
void wmel__fe_run_frames(const struct wmel_fe *fe, const wmel_fe_kernel *kern, const float *x, size_t n,
                         size_t t0, int count, double *vals, void *scratch, size_t tbase, int by_col);
/* One frame's cepstra: raw[0 .. n_raw) (the log energy first with use_energy, then the log
 * mels) into c[0 .. n_ceps), in double. */
void wmel__fe_ceps(const struct wmel_fe *fe, const double *raw, double *c);
/* The per-column affine's length: n_cols, or with cols_stacked the output row's width. */
static inline size_t wmel__fe_n_colvec(const wmel_frontend_plan *p)
{
    const size_t nc = wmel__fe_width(p);
    return p->cols_stacked ? nc * (p->delta_win ? 2u : 1u) * (size_t)p->stack : nc;
}
/* Output shape; WMEL_OK or a status (too short, overflow). */
int wmel__fe_shape(const wmel_frontend_plan *p, size_t n, size_t *rows, size_t *cols);

/* The dither added to sample j of absolute frame t: dither * wmel_dither_gauss(seed, t, j),
 * one rounding, computed here for every path (the kernels add it, so no ISA's contraction
 * changes it). */
double wmel__fe_noise(const wmel_frontend_plan *p, size_t t, int j);
/* 1 when a frame needs the dither or the windowed energy (the kernels' general path). */
static inline int wmel__fe_dithered(const wmel_frontend_plan *p) { return p->dither != 0.0 || p->energy_windowed; }

/* The sample the window's sample j of frame t reads (scale, signal pre-emphasis, padding
 * applied), in double. */
double wmel__fe_sample(const wmel_fe *fe, const float *x, size_t n, long long i);

/* The CPU's pieces of a general plan's clip, which the scheduler (sched.c) calls; they call
 * no backend. Whole clip, the CPU's frames and finish (the post stage too); out checked by
 * the caller (rows * cols floats). */
int wmel__fe_cpu(const wmel_ctx *ctx, const float *x, size_t n, float *out);
/* The finish of the frames' values a device backend computed beforehand (plan_frames,
 * plan_frames_batch): given[wmel__fe_computed(p, n)][n_cols], float32 where the ctx's
 * vals_f32; NULL: the CPU's frames (wmel__fe_cpu). */
int wmel__fe_cpu_given(const wmel_ctx *ctx, const float *x, size_t n, float *out, const void *given);
int wmel__fe_ref(const wmel_ctx *ctx, const float *x, size_t n, float *out);

/* With norm_eps 0 a column whose denominator is below 1e-12 |mean| counts as constant
 * (denominator 0, output 0): the sums of equal values need not give back that value
 * exactly, and dividing their rounding by itself would give +-1 where the original gives
 * NaN. Such plans are finished by wmel__fe_finish_ext. */
static inline double wmel__fe_den_floor(const wmel_frontend_plan *p, double den, double mean)
{
    return p->norm_eps == 0.0 && den <= 1e-12 * fabs(mean) ? 0.0 : den;
}

/* WMEL_NORMF_THEN_MEAN_VAR's denominator from the sum of squared deviations ss over nv
 * frames: max(std, norm_eps), std Bessel-corrected (0 for one frame) or over nv with
 * WMEL_NORMF_POPULATION; 1 with WMEL_NORMF_MEAN_ONLY; a constant column's (norm_eps 0) 0. */
static inline double wmel__fe_then_denom(const wmel_frontend_plan *p, double ss, size_t nv, double mean)
{
    if (p->norm_flags & WMEL_NORMF_MEAN_ONLY) return 1.0;
    double var = nv > 1 ? ss / (double)(nv - 1) : 0.0;
    if (p->norm_flags & WMEL_NORMF_POPULATION) var = nv ? ss / (double)nv : 0.0;
    const double sd = sqrt(var);
    return wmel__fe_den_floor(p, sd > p->norm_eps ? sd : p->norm_eps, mean);
}

/* The finish, in double on a [frames][n_cols] array (the reference) or in place on the
 * float output (the CPU path): per-column statistics over the valid frames.
 * mean/denom receive n_cols values: the normalised value is (x - mean) / denom.
 * On the float values (wmel__fe_stats_f, the CPU path, the sliding buffer, and the
 * long-input path of long.c, each through wmel__fe_chunk_sums) each sum runs over
 * chunks of WMEL_FE_STATS_CHUNK valid frames, [k C, (k + 1) C): within a chunk a column's
 * values in frame order in double from 0, then the chunks' sums in chunk order -- the
 * same sums whichever worker computed a chunk and however the frames arrived. */
#define WMEL_FE_STATS_CHUNK 64
/* For each column c: acc[c] = the sum over frames [t0, t1), in frame order from 0, of
 * x(t, c) (mean NULL) or of (x(t, c) - mean[c])^2; x(t, c) = x[t ts + c cs]. */
void wmel__fe_chunk_sums(const wmel_fe *fe, const float *x, size_t ts, size_t cs, size_t t0,
                         size_t t1, const double *mean, double *acc);
/* The denominator from the sum of squared deviations over nv frames (Bessel's variance,
 * 0 for one frame; over nv with WMEL_NORMF_POPULATION): sqrt(var) + eps (per_feature) or
 * sqrt(var + eps) (mean_var); 1 with WMEL_NORMF_MEAN_ONLY. */
double wmel__fe_denom(const wmel_frontend_plan *p, double ss, size_t nv);
/* Both statistics over frames [0, nv) of the float values, chunk after chunk. */
void wmel__fe_stats_f(const wmel_fe *fe, const float *x, size_t ts, size_t cs, size_t nv,
                      double *mean, double *denom);
void wmel__fe_stats_d(const wmel_fe *fe, const double *x, size_t nv, double *mean,
                      double *denom);

#endif /* WMEL_FE_H */
