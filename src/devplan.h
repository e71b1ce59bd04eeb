/*
 * devplan.h -- a compiled plan (wmel_fe, src/fe/fe.h) lowered once for every device backend
 * (CUDA's k_plan_frames / k_plan_finish, Vulkan's frames.comp / finish.comp): the frame's
 * geometry, the framing's rule with its offset and padding, the FFT's radices, the frame's
 * shared words, the steps' switches and constants, the cepstra, the finish's rules, and the
 * tables (window, cos / sin, the mel bank's packed rows, the per-column scales, the DCT) in
 * the order the kernels read them. A backend keeps only how it allocates, uploads,
 * dispatches and waits; what differs between devices (the FFT's stage slots, the shared
 * memory, a testing switch) comes in as wmel_dp_limits.
 */
#ifndef WMEL_DEVPLAN_H
#define WMEL_DEVPLAN_H

#include <stddef.h>
#include <stdint.h>

struct wmel_fe;

/* The FFT's most stages in any backend (a backend's own may be fewer: wmel_dp_limits). */
#define WMEL_DP_STAGES 16

/* The padding's rules of the framing (the kernels' fold). */
#define WMEL_DP_PAD_ZERO 0
#define WMEL_DP_PAD_REFLECT 1 /* numpy's reflect, once at each end */
#define WMEL_DP_PAD_KALDI 2   /* Kaldi's snip_edges=false: x[-1 - i] = x[i] about each end, period 2 n */

/* What a backend's kernels can take. */
typedef struct wmel_dp_limits {
    const char *name;   /* the backend, for the reasons ("CUDA", "Vulkan") */
    int max_stages;     /* the FFT's most stages (at most WMEL_DP_STAGES) */
    int slots[5];       /* the most stages of the radices 8, 4, 2, 3, 5 (0: no bound but max_stages) */
    int dft_only;       /* a testing switch: the direct DFT for every plan */
    int wg;             /* a frame's threads: the reductions' shared words, the cepstra's 4 wg mels */
    long long smem;     /* the shared memory bytes a frame may take; 0: the backend checks it itself
                           once the device is open */
    int ceps_in_frame;  /* the cepstra's log mels live in the frame's shared words: n_mels <= sh_words */
    int vals_f64;       /* a testing switch: float64 values read back (the cepstra and the finish on
                           the host) */
    int noise;          /* the frame kernels add the dither's noise (src/kernels/noise.h, in float64) */
    const char *noise_needs; /* what of the device the noise needs, where not every device has it,
                                and what runs where it is missing (NULL: nothing): said first in a
                                dithered plan's sentence */
} wmel_dp_limits;

/* The finish's rules (fe_cpu.c's finish, fe_post.c's post stage) as the device's finish
 * kernels take them. */
typedef struct wmel_dp_finish {
    /* the normalisation: 0 sqrt(var) + eps (WMEL_NORM_PER_FEATURE), 1 sqrt(var + eps)
       (WMEL_NORM_MEAN_VAR), 2 none, 3 the clip's max clamp (WMEL_NORM_WHOLE) */
    int norm;
    int fmaj;       /* the output frames x columns */
    /* the appended finish (wmel__fe_ext_fe), its affine, the variance over n, the mean alone,
       eps 0's floor (each of these three for the statistics or THEN_MEAN_VAR), a fixed max,
       THEN_MEAN_VAR, one statistic over every column, the tail's fill rows */
    int ext, affine, pop, mean_only, floor, fixed_max, then, all, fill;
    int cols;       /* the per-column scales: 0 none, 1 the frames', 2 the post stage's rows' */
    float pad, fill_value, norm_max, norm_range;
    double eps, post_scale, post_shift, den_floor;
    /* the post stage: frames a row, the stride, copies of frame 0 in front, the tail (1 the
       last frame, 2 fill_value, 0 zeros), the deltas' half width and their denominator */
    int M, S, L, tail, dw;
    double denom;
} wmel_dp_finish;

typedef struct wmel_devplan {
    int whisper;        /* Whisper's geometry on its 400-point tables (wmel__devplan_whisper) */
    /* the geometry: frame t's window starts at signal index t hop + off */
    int fl, n_fft, nbins, n_mels, n_cols, nnz, pad_left;
    long long hop, off;
    /* the framing (wmel__fe_sample): pre-emphasis after the padding (padded mode), the
       padding's rule (WMEL_DP_PAD_*), signal / padded pre-emphasis, NeMo's time mask, a
       scale of 1; framing_ok: a framing the kernels know */
    int framing_ok, smode, pad_rule, sigpre, padpre, padcut, scale_one;
    /* the frame's steps: DC removal, the energy (0 none, 1 raw, 2 windowed), frame
       pre-emphasis, power (2) or magnitude (1), the guard (0 none, 1 max, 2 add), the log
       (0 none, 1 log10 clamp, 2 ln(x + guard), 3 ln clamp, 4 ln and 5 log10 with the guard in
       place of a 0), the energy floor; reduce: the
       frame has sums (DC removal, an energy) */
    int remove_dc, use_energy, energy_mode, preemph_frame, power, guard, log_mode, floor_on, reduce;
    double scale, preemph, mag_guard, log_guard, ln_floor, log10e, sqrt2;
    /* the dither: dither * nz_gauss(seed, t, j) added to sample j of frame t after the scale,
       before DC removal (dither_on: dither != 0) */
    int dither_on;
    uint32_t dither_seed;
    double dither;
    /* the spectrum: a mixed-radix FFT of n_fft / 2 complex points (radices 8, 4, 2, 3, 5,
       eights first), or (fft 0) the direct DFT of the frame */
    int fft, n_stages, radix[WMEL_DP_STAGES];
    long long sh_words; /* shared doubles a frame: the FFT's n_fft or the frame and its spectrum,
                           then wg for the sums where it has any */
    /* frames_ok: the frames may run on the device (a known framing, a dither the kernels draw, no
       windowed energy, a mel bank,
       a frame within limits.smem); why says which rule keeps them on the CPU */
    int frames_ok;
    char why[200];
    /* where the frames run on the device: the cepstra there too (n_ceps of them a frame, the
       DCT's rows in the tables), the values read back as float32, the finish there too
       (before the backend's own switches), through the post stage */
    int ceps, n_ceps, ceps_htk, vals_f32, finish, post;
    size_t n_colvec;    /* the per-column scales (and as many shifts) in the tables; 0 none */
    long long dft_words; /* sh_words of the direct DFT (sh_words itself where fft is 0): a backend
                            whose shared memory cannot hold the FFT's frame falls back to it */
    wmel_dp_finish fin;
    /* the host's float64 tables (the compiled plan's) */
    const double *window, *melw, *col_scale, *col_shift, *dct;
    const int *mel_lo, *mel_len, *mel_off;
} wmel_devplan;

/* A general plan (fe->algo is wmel__algo_general) lowered for a device whose kernels take
 * lim: dp filled; returns dp->frames_ok (its reason in dp->why either way). */
int wmel__devplan_lower(const struct wmel_fe *fe, const wmel_dp_limits *lim, wmel_devplan *dp);
/* The finish's answer for accepts where the frames run on the device and the backend's
 * switches leave the finish there: the cepstra there too, and a finish the backend's
 * kernel (`kernel`, for the sentence) makes; 1 or 0 with the sentence in why. */
int wmel__devplan_finish_why(const struct wmel_fe *fe, const wmel_devplan *dp, const wmel_dp_limits *lim,
                             const char *kernel, char *why, size_t len);
/* Whisper's geometry (fe->pfa400's tables: frame t at 160 t - 200, the reflection, no
 * scale, no pre-emphasis, power, log10 clamp) lowered the same way: no cepstra, no device
 * finish of the plan's (the backend makes Whisper's from the ctx's params), the plan's
 * finish rules and post stage set all the same. */
void wmel__devplan_whisper(const struct wmel_fe *fe, const wmel_dp_limits *lim, wmel_devplan *dp);

/* Where the tables go: the float table's window, cos, sin, mel weights, per-column scales
 * (then their shifts) and DCT from head on (words: its end), the int table's filters'
 * first bins, lengths and weights' offsets and the FFT's digit-reversed places from
 * int_head on (int_words: its end). */
typedef struct wmel_dp_layout {
    size_t win, co, so, mo, cs, dct, words;
    size_t lo, len, moff, perm, int_words;
} wmel_dp_layout;
void wmel__devplan_layout(const wmel_devplan *dp, size_t head, size_t int_head, wmel_dp_layout *L);
/* The float64 tables into tab[L->win .. L->words). */
void wmel__devplan_tables(const wmel_devplan *dp, const wmel_dp_layout *L, double *tab);
/* The int table into ints[L->lo .. L->int_words): the filters' bounds and, with perm, the
 * FFT's places (where each z[n] starts: n's digits reversed). */
void wmel__devplan_ints(const wmel_devplan *dp, const wmel_dp_layout *L, int perm, int *ints);
/* The bits of float-float's sample bound for the plan's tables (wmel__ff_limit_bits). */
uint32_t wmel__devplan_ff_limit(const wmel_devplan *dp);

#endif /* WMEL_DEVPLAN_H */
