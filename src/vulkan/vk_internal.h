/*
 * vk_internal.h -- what the Vulkan backend's two halves share: vk_loader.c (the loader
 * opened at run time, the device, its buffers, the compute pipeline and the dispatches)
 * and backend.c (the wmel__backend_vulkan table: tables, signals and frames prepared on
 * the host, results finished on the CPU).
 */
#ifndef WMEL_VK_INTERNAL_H
#define WMEL_VK_INTERNAL_H

#include "../config.h"

#include <stddef.h>
#include <stdint.h>

/* The device's integer table (binding 1), VKW_I_* the header's slots; the mel bank's
 * lo / len / off arrays follow from VKW_I_HEAD on. */
enum {
    VKW_I_NFFT, VKW_I_FL, VKW_I_NBINS, VKW_I_NMELS, VKW_I_NCOLS, VKW_I_USE_ENERGY, VKW_I_REMOVE_DC,
    VKW_I_ENERGY_MODE, /* 0 none, 1 before the window, 2 after */
    VKW_I_PREEMPH_FRAME, VKW_I_POWER,
    VKW_I_GUARD,       /* 0 none, 1 max, 2 add */
    VKW_I_LOG,         /* 0 none, 1 log10 clamp, 2 ln(x + guard), 3 ln clamp, 4 ln, 5 log10 with the guard in
                          place of a 0 */
    VKW_I_FLOOR_ON, VKW_I_WIN, VKW_I_COS, VKW_I_SIN, VKW_I_MELW, VKW_I_LO, VKW_I_LEN, VKW_I_OFF,
    VKW_I_FFT,         /* 1: the FFT (the shader's FFT constant); 0: the direct DFT */
    VKW_I_NSTAGE,      /* the FFT's stages, their radices (8, 4, 2, 3, 5) from VKW_I_RADIX (the shader takes them as its constants RAD0 ..) */
    VKW_I_PERM,        /* where the digit-reversed places of z[0 .. n_fft / 2) start */
    VKW_I_RADIX,
    /* the framing (frames.comp's sample_at): frame t's sample j is signal sample
       t hop + j + foff; padl: pad_left (the padded pre-emphasis' first sample, NeMo's mask at
       n - padl); the rules themselves are the pipeline's constants (vkw_shape.framing) */
    VKW_I_HOP = 32, VKW_I_FOFF, VKW_I_PADL,
    /* WMEL_NORM_WHOLE's finish (finish.comp): float32 bits of norm_max (WMEL_NORMF_FIXED_MAX)
       and of the range below the max (norm_range, or 8) */
    VKW_I_NORM_MAX, VKW_I_NORM_RANGE,
    VKW_I_STACK_FILL, /* float32 bits of stack_fill (WMEL_STACK_TAIL_FILL; finish.comp) */
    /* the post stage on the device (finish.comp's post pass, fe_post.c's rules): frames a row
       (stack), the stride, the copies of frame 0 in front (stack_left), the tail (1: the last
       frame, 2: stack_fill, 0: zeros), the deltas' half window (0: none), a frame's width,
       where the per-column scales start in the table (col_scale, then col_shift: the frames'
       n_cols each, or the rows' cols), and 1 where they scale the rows (cols_stacked) */
    VKW_I_POST_M, VKW_I_POST_S, VKW_I_POST_L, VKW_I_POST_TAIL, VKW_I_POST_DW, VKW_I_POST_W, VKW_I_COLS_AT,
    VKW_I_POST_COLS,
    /* the cepstra on the device (frames.comp's CEPS): their count, where the DCT's rows (the
       lifter in them, [n_ceps][n_mels]) start in the real table, Kaldi's htk_compat (c0 last) */
    VKW_I_NCEPS, VKW_I_DCT, VKW_I_CEPS_HTK,
    /* the dither's seed (uint32 bits; frames.comp with WMEL_NOISE: ints[49]) */
    VKW_I_DITHER_SEED,
    VKW_I_HEAD = 56
};
#define VKW_MAX_STAGES (VKW_I_HOP - VKW_I_RADIX)
/* The segment table (binding 3): its count at 0, then from VKW_S_HEAD on VKW_S_WORDS words a
 * segment: frames [first, next segment's first) of the dispatch are a clip's frames t0, t0 +
 * 1, ...; its samples [lo, hi) at sig[base ..] (float32, as given), n the clip's samples
 * (zeros past them), nr the length reflections fold about (n, or Whisper's n + padding), k
 * its frame count (the float32 output's rows). */
enum {
    VKW_S_FIRST, VKW_S_T0, VKW_S_BASE, VKW_S_LO, VKW_S_HI, VKW_S_N, VKW_S_NR, VKW_S_K
};
#define VKW_S_HEAD 8
#define VKW_S_WORDS 8
#define VKW_MAX_SEGS 64
/* After the segments, the finish's clips (finish.comp; vkw_finish's n_clips of them, one
 * workgroup row a clip): VKW_F_WORDS words a clip from VKW_F_HEAD on -- its valid and
 * computed frames, the float32 word of the output buffer where its values start (frame after
 * frame, n_cols a frame), its output's shape (rows x cols, the plan's layout), the word its
 * output starts at, its flag word (a value not finite) and its output frames (the appended
 * finish's pad_value up to them: wmel__fe_out_frames); with a post stage (VKW_FM_POST) the
 * finish's output is the post stage's frames ([rows][n_cols]), and the post pass writes
 * the rows x cols of the clip's output from word pout, reading frames [0, pt). */
enum {
    VKW_F_NV, VKW_F_NC, VKW_F_IN, VKW_F_ROWS, VKW_F_COLS, VKW_F_OUT, VKW_F_FLAG, VKW_F_NFO,
    VKW_F_POUT, VKW_F_PROWS, VKW_F_PCOLS, VKW_F_PT
};
#define VKW_F_HEAD (VKW_S_HEAD + VKW_MAX_SEGS * VKW_S_WORDS)
#define VKW_F_WORDS 12
#define VKW_SEG_WORDS (VKW_F_HEAD + VKW_MAX_SEGS * VKW_F_WORDS)
/* Frames a dispatch at most (the cheapest frames': a dispatch of costlier frames takes fewer,
 * wmel__vk_dispatch_cap, so that on a display GPU each stays well under an operating system's
 * watchdog, a few seconds), also the frames a round packs (a clip finished on the device may
 * take a round of its own, in several dispatches), and the longest wait for a dispatch
 * (ms; WMEL_VULKAN_TIMEOUT_MS, read when a ctx is created, sets another; a round's wait
 * allows it once for each of its dispatches) */
#define VKW_DISPATCH_FRAMES 16384
#define VKW_TIMEOUT_MS 60000
/* A float-float frame's work against a float64 one's (wmel__vk_dispatch_cap) */
#define VKW_FF_WORK 5
/* The largest a round's signal or output buffer grows to (wmel__vk_reserve), under the
 * device's maxStorageBufferRange */
#define VKW_GROW_BYTES ((size_t)1 << 30)
/* Frames a workgroup at most (frames.comp's FPG) */
#define VKW_MAX_FPG 4
/* The workgroup's invocations (frames.comp's WG) */
#define VKW_WG 64
/* The framing's rules, frames.comp's specialisation constants 6 .. 11: the signal's mode (0
 * the signal pre-emphasised, then padded; 1 padded, then pre-emphasised), the padding (0
 * zeros, 1 numpy's reflect, 2 Kaldi's snip_edges=false reflection x[-1 - i] = x[i], period 2 n), the signal
 * pre-emphasis, the padded one, NeMo's time mask, a scale of 1. */
enum { VKW_F_SMODE, VKW_F_REFLECT, VKW_F_SIGPRE, VKW_F_PADPRE, VKW_F_PADCUT, VKW_F_SCALE_ONE, VKW_N_FRAMING };
/* The shapes a plan's frames may take on the device: the frame, its spectrum, n_fft and
 * whether the FFT applies (n_fft even, n_fft / 2 a product of 2, 3 and 5). */
typedef struct vkw_shape {
    int fl, bins, n_fft, fft;
    int reduce; /* the frame has reductions (DC removal, an energy): VKW_WG more shared words a frame */
    /* the device plan's shared words a frame (wmel_devplan's sh_words: the FFT's where fft, the
       reductions' included) and the direct DFT's (dft_words), where the FFT's do not fit */
    long long sh_words, dft_words;
    int framing[VKW_N_FRAMING]; /* frames.comp's SMODE, REFLECT, SIGPRE, PADPRE, PADCUT, SCALE_ONE */
    int radix[VKW_MAX_STAGES];  /* frames.comp's RAD0 ..: the FFT's radices, 0 past the last */
    int ff_fma;                 /* float-float's two-product by fma (arith_ff.glsl's FF_FMA) */
    int finish;                 /* 1: the finish pipeline (finish.comp) made too */
    int ceps;                   /* 1: the frames' cepstra (frames.comp's CEPS), not their log mels */
    int noise;                  /* 1: the dither's noise drawn (frames_noise_f64: float64, shaderInt64) */
    int f64_fix;                /* float64: the finish's divisions and square roots corrected (finish.comp's F64_FIX) */
    int f64_fin_break;          /* float64: the finish's divisions off on purpose (F64_FIN_BREAK, a testing switch) */
} vkw_shape;
/* arith_ff.glsl's specialisation constant FF_FMA (an id no shader uses for its own); finish.comp's
   float64 F64_FIX and F64_FIN_BREAK */
#define VKW_SPEC_FF_FMA 40
#define VKW_SPEC_F64_FIX 41
#define VKW_SPEC_F64_FIN_BREAK 42
enum {
    VKW_ALGO_DFT, VKW_ALGO_FFT
};
/* The real table's scalars (binding 0), then window, cos, sin, mel weights. */
enum {
    VKW_T_PREEMPH, VKW_T_MAG_GUARD, VKW_T_LOG_GUARD, VKW_T_EPS, VKW_T_LN_FLOOR, VKW_T_LOG10E,
    VKW_T_ZERO, VKW_T_ONE, VKW_T_FL, VKW_T_QUARTER, VKW_T_SCALE,
    VKW_T_NORM_EPS, /* the plan's norm_eps (finish.comp's T_NORM_EPS) */
    VKW_T_POST_SCALE, VKW_T_POST_SHIFT, /* the appended finish's affine (finish.comp) */
    VKW_T_DEN_FLOOR, /* 1e-12: wmel__fe_den_floor's factor (finish.comp) */
    VKW_T_POST_DENOM, /* the deltas' denominator, N (N + 1) (2 N + 1) / 3 (fe_post.c's) */
    VKW_T_SQRT2,      /* sqrt(2.0): htk_compat's c0 without the energy (frames.comp's CEPS) */
    VKW_T_DITHER,     /* the plan's dither (frames.comp with WMEL_NOISE: tval(17)) */
    VKW_T_TINY,       /* the arithmetic's smallest normal (float64 DBL_MIN, float-float FLT_MIN): below
                         it a mel sum is 0 to the log's _ZERO modes (frames.comp: tval(18)) */
    VKW_T_HEAD = 24
};

/* Arithmetic of the shaders (wmel_params.vulkan_arith, WMEL_VULKAN_ARITHMETIC). */
#define VKW_ARITH_F64 1
#define VKW_ARITH_FF 2

typedef struct vkw vkw;

/* A device as vkEnumeratePhysicalDevices lists it. */
typedef struct vkw_dev {
    char name[256];
    int type;       /* VkPhysicalDeviceType */
    int f64;        /* shaderFloat64 */
    int i64;        /* shaderInt64 (the dither's noise) */
    uint32_t api;   /* apiVersion */
    uint32_t vendor, device_id, driver; /* vendorID, deviceID, driverVersion */
    uint8_t uuid[16];                   /* pipelineCacheUUID: the driver's build for this device */
} vkw_dev;
#define VKW_MAX_DEVS 16
/* 1 when a and b are the same device under the same driver (name, vendor and device IDs,
 * driver version, pipeline-cache UUID): what a verdict kept for the process is kept by. */
int wmel__vk_same_dev(const vkw_dev *a, const vkw_dev *b);
/* The same identity as bytes (no padding, zeros past the name): a kept verdict's key. */
typedef struct vkw_dev_key {
    char name[256];
    uint32_t vendor, device_id, driver;
    uint8_t uuid[16];
} vkw_dev_key;
void wmel__vk_dev_key(const vkw_dev *d, vkw_dev_key *k);

/* The devices (up to VKW_MAX_DEVS) into devs; WMEL_OK, or a status with the reason in
 * wmel__detail (no loader, no instance). */
int wmel__vk_list(vkw_dev *devs, int *count);
/* "discrete GPU", "integrated GPU", "virtual GPU", "CPU", "other". */
const char *wmel__vk_type_name(int type);
/* The device that params / WMEL_VULKAN_DEVICE choose among devs (-1: none suits; gpu_only:
 * discrete or integrated GPUs only, AUTO's rule). device: params.vulkan_device (0: the
 * environment, else the best; k >= 1: device k - 1). */
int wmel__vk_pick(const vkw_dev *devs, int count, int device, int gpu_only);
/* The arithmetic for a device: params.vulkan_arith (0: WMEL_VULKAN_ARITHMETIC, else
 * float64 where the device has it, else float-float); 0 with a reason in wmel__detail
 * when none can run. */
int wmel__vk_arith(const vkw_dev *d, int asked);
/* The arithmetic for device `index` (arith_probe.c): as wmel__vk_arith, except that with
 * none asked for (asked 0, no WMEL_VULKAN_ARITHMETIC) on a GPU that has both, float-float
 * when it is measurably faster there (timed once a process per device; the testing switch
 * WMEL_VULKAN_ARITH_PROBE=1 times a CPU device too, =0 never times); may_time 0 (AUTO's
 * planner flag WMEL_AUTO_ESTIMATE) times nothing: the rule of wmel__vk_arith. 0 with a reason
 * in wmel__detail when none can run. */
int wmel__vk_arith_auto(const vkw_dev *d, int index, int asked, int may_time);
/* What the timing found: seconds of a 30 s clip in each arithmetic (0: it could not run
 * there), the arithmetic taken (0: neither ran). */
typedef struct vkw_arith_probe {
    double t_f64, t_ff;
    int arith;
} vkw_arith_probe;
/* float-float where it takes at most 0.9 of float64's time; the one that ran where the
 * other did not; 0 where neither did. */
int wmel__vk_arith_pick(double t_f64, double t_ff);
/* The timing kept for device d into *out: the number of timings this process has run
 * (>= 1), or 0 when d was not timed. */
int wmel__vk_arith_probed(const vkw_dev *d, vkw_arith_probe *out);

/* Opens device `index` with the frames pipeline for `arith` and the plan's shape: the FFT
 * where the shape allows it and its n_fft words fit the device's shared memory
 * (maxComputeSharedMemorySize, or less with the testing switch WMEL_VULKAN_SHARED_LIMIT),
 * else the direct DFT where the frame and its spectrum fit; VKW_DECLINE when neither
 * does. Tables of tab_words 8-byte values and int_words ints. */
int wmel__vk_open(vkw **out, int index, int arith, const vkw_shape *shape, size_t tab_words,
                  size_t int_words);
/* VKW_ALGO_FFT or VKW_ALGO_DFT: what wmel__vk_open chose. */
int wmel__vk_algo(const vkw *w);
/* The float controls the float-float pipeline declares (arith_ff.glsl's WMEL_FC_*), bits:
 * VKW_FC_SZ SignedZeroInfNanPreserve, VKW_FC_DENORM DenormPreserve (float32; only with
 * VKW_FC_SZ), VKW_FC_KHR through VK_KHR_shader_float_controls (else Vulkan 1.2); 0 none
 * (float64, or a device without them). */
#define VKW_FC_SZ 1
#define VKW_FC_DENORM 2
#define VKW_FC_KHR 4
int wmel__vk_float_controls(const vkw *w);
/* The SPIR-V module `code` (words) with float32's float controls fc (VKW_FC_SZ, VKW_FC_DENORM)
 * declared: *out a new array (free()) of *n_out words. Every float-float shader is built
 * once, without them (the optimiser passes over it whole), and given them here. WMEL_OK,
 * WMEL_ERR_NO_MEMORY, or WMEL_ERR_VULKAN for a module it cannot read. */
int wmel__vk_spv_fc(const uint32_t *code, size_t words, int fc, uint32_t **out, size_t *n_out);
/* One dispatch of a small compute shader on device `index` with a device, buffers and a
 * pipeline of its own, all released before it returns: binding 0 holds in (in_bytes),
 * binding 1 receives out_bytes, copied to out; the push constant is n, specialisation
 * constant 0 is spec0[0] and VKW_SPEC_FF_FMA spec0[1]; `groups` workgroups. The shader
 * (`code`, `words`) is given the float controls a float-float frames pipeline declares on
 * this device (wmel__vk_spv_fc; *fc the controls declared). WMEL_OK, or a status with the
 * reason in the detail. */
int wmel__vk_oneshot(int index, const uint32_t *code, size_t words, const int32_t spec0[2], const void *in,
                     size_t in_bytes, void *out, size_t out_bytes, uint32_t n, uint32_t groups, int *fc);
void wmel__vk_close(vkw *w);
/* The host's views of the buffers (mapped; the staging buffers' when staged) and their
 * capacities (the tables and the output: 8-byte words; the signal: float32 samples; the
 * segment table: VKW_SEG_WORDS ints). */
void *wmel__vk_tab(vkw *w);
int *wmel__vk_ints(vkw *w);
float *wmel__vk_sig(vkw *w, int slot, size_t *cap_samples);
int32_t *wmel__vk_segs(vkw *w, int slot);
const void *wmel__vk_out(vkw *w, int slot, size_t *cap_words);
/* The rounds' slots made (1 or 2): each has its own signal, segment table and output, so the
 * host fills one slot's while the device computes the other's. want_slots makes the second
 * (at most WMEL_VULKAN_ROUNDS) for a call of more than one round and returns the slots
 * there are (1 where the second's buffers cannot be made). */
int wmel__vk_slots(const vkw *w);
int wmel__vk_want_slots(vkw *w, int want);
/* Frames a dispatch at most (its workgroups times the frames a workgroup, and
 * wmel__vk_dispatch_cap's for the frame's work, or WMEL_VULKAN_DISPATCH_FRAMES's). A round
 * of more frames is submitted in several dispatches. */
size_t wmel__vk_frame_cap(const vkw *w);
/* The frames a dispatch may take for a frame's estimated work (algo VKW_ALGO_*, arith
 * VKW_ARITH_*): 1 .. VKW_DISPATCH_FRAMES, at least fpg. */
uint32_t wmel__vk_dispatch_cap(int algo, int arith, int n_fft, int fl, int bins, int fpg);
/* Each slot's signal and output buffers made again at least sig_bytes and out_bytes large (a
 * clip finished on the device in a round of its own), or back to the sizes they were opened
 * with (0, or less than those); none may be pending and no import active. WMEL_OK;
 * VKW_DECLINE past wmel__vk_reserve_max or while a round is pending; another status
 * where a buffer cannot be made (the old one kept: the caps are read again after). */
int wmel__vk_reserve(vkw *w, size_t sig_bytes, size_t out_bytes);
/* The bytes wmel__vk_reserve may grow a buffer to. */
size_t wmel__vk_reserve_max(const vkw *w);
/* 1 where one clip's samples may be read in place without a copy into the signal buffer
 * (wmel__vk_import on a device that is not staged). */
int wmel__vk_in_place(const vkw *w);
/* One dispatch of n_frames frames (<= wmel__vk_frame_cap), which read sig_samples of the
 * signal and seg_words of the segment table and write out_words values (what a staged
 * device copies); waits for it. */
int wmel__vk_run(vkw *w, uint32_t n_frames, size_t sig_samples, size_t seg_words, size_t out_words);
/* The same in two halves: the round of slot `slot` submitted (the slot must be free), and
 * waited for (then its output may be read and its inputs written again). A wait that fails
 * marks the ctx (lost, or past the timeout): every later call is refused. drain waits for
 * every round still pending (after a failure: none may still use the buffers the next call
 * writes). */
/* out_f32: 1, the values written as float32 in each segment's [n_cols][k] block (frames.comp's
 * OutF); 3, as float32 frame after frame ([frames][n_cols]); 0, one 8-byte value a word,
 * frame after frame. n_keys (out_f32 only; 0: none):
 * each segment's largest value as an order-preserving key (backend.c's key_float), one 32-bit word a
 * segment from word keys_at of the output (after the values: the frames' n_cols each), zeroed
 * on the device before the dispatch and read back with the values (out_words must cover
 * them). sig_s16: the signal's sig_samples are int16 (two a 32-bit word, the low half first),
 * which the shader divides by 32768, not float32: half the bytes to write and move. */
/* fin (NULL: none; out_f32 3 only): the finish pipeline (finish.comp) run on the round's
 * values after the frames, in the same submission, for n_clips clips (each described in the
 * segment table from VKW_F_HEAD: its values, output and flag word; n_cols x n_clips
 * workgroups); the n_clips flag words from flags_at and the n_clips keys after them zeroed
 * before. WMEL_NORM_WHOLE with the data's max: a pass before (VKW_FM_MAXPASS) takes each
 * clip's largest valid value into its key (an order-preserving uint, atomicMax). A staged device copies
 * back words [lo, hi) (the outputs and flags, and the samples' range flag where there is one)
 * and [vlo, vhi) (values the host still needs: a clip's frames that no finish reads), not
 * out_words. The first five words are finish.comp's push constants. */
typedef struct vkw_finish {
    uint32_t n_cols;   /* the values' columns */
    uint32_t fmaj;     /* 1: frames x cols, else cols x frames */
    uint32_t mode;     /* VKW_FM_*: the normalisation (0: sqrt(var) + eps, WMEL_NORM_PER_FEATURE;
                          1: sqrt(var + eps), WMEL_NORM_MEAN_VAR; 2: none, the values in the
                          layout; 3: WMEL_NORM_WHOLE, the clip's max clamp) and the appended
                          finish's rules */
    uint32_t n_clips;
    float pad;         /* the plan's pad_value as float32 (VKW_FM_EXT) */
    uint32_t flags_at; /* the clips' flag words, one a clip, then their maxima's keys, one a clip */
    uint32_t lo, hi;   /* float32 words read back (a staged device) */
    uint32_t vlo, vhi; /* the same for values (vlo == vhi: none) */
    uint32_t iout_at;  /* 0: none; else the output's first word, which the device copies into the
                          caller's memory imported by wmel__vk_import_out (its bytes) after the finish */
} vkw_finish;
enum {
    VKW_FM_MV = 3,         /* the normalisation's two bits */
    VKW_FM_EXT = 4,        /* the appended finish: frames [nv, nfo) pad_value, zeros after */
    VKW_FM_AFFINE = 8,     /* frames [0, nfo): float32(v post_scale + post_shift) */
    VKW_FM_POP = 16,       /* WMEL_NORMF_POPULATION */
    VKW_FM_MEAN_ONLY = 32, /* WMEL_NORMF_MEAN_ONLY */
    VKW_FM_FLOOR = 64,     /* norm_eps 0: wmel__fe_den_floor */
    VKW_FM_FIXED_MAX = 128, /* WMEL_NORM_WHOLE with WMEL_NORMF_FIXED_MAX: norm_max, not the data's */
    VKW_FM_MAXPASS = 256,  /* (set by the submission) the pass before: each clip's max into its key */
    VKW_FM_FILL = 512,     /* VKW_FM_EXT: frames past nfo stack_fill (WMEL_STACK_TAIL_FILL), not 0 */
    VKW_FM_POST = 1024,    /* a post stage (deltas, stacking, per-column scales of the rows): a pass after */
    VKW_FM_POSTPASS = 2048, /* (set by the submission) that pass */
    VKW_FM_COLS = 4096,    /* VKW_FM_EXT: frames [0, nfo) float32(v col_scale[c] + col_shift[c]) */
    VKW_FM_CMAJ = 8192,    /* the values column after column ([n_cols][nc]: Whisper's blocks), not frame after frame */
    VKW_FM_SMOOTH = 16384, /* the pass after is the 3x3 average (wmel_smooth3x3) of the finish's rows x cols */
    VKW_FM_THEN = 32768,   /* WMEL_NORM_WHOLE with WMEL_NORMF_THEN_MEAN_VAR: each column's mean and
                              denominator of the clamped (padded, affine) values, then (y - mean) / den
                              (VKW_FM_POP, VKW_FM_MEAN_ONLY and VKW_FM_FLOOR its variants) */
    VKW_FM_ALL = 65536,    /* WMEL_NORMF_ALL: one mean and one denominator over every column and valid
                              frame, which a pass before (VKW_FM_ALLPASS) writes into the clip's
                              statistics words */
    VKW_FM_ALLPASS = 131072 /* (set by the submission) that pass */
};
/* The output buffer's words a finished clip takes after the outputs: its flag, its key (the
 * clip's max), its statistics (VKW_FM_ALL's mean and denominator, two words each): the n
 * clips' flags from flags_at, then their keys, then their statistics, four words a clip. */
#define VKW_FIN_CLIP_WORDS 6
#define VKW_FIN_PC_BYTES 20 /* finish.comp's push constants: vkw_finish's first five words */
/* flag_at (0: none): the float32 samples' range checked where the shader reads them: a word
 * of the output buffer after the values and keys, zeroed before the dispatch, set to a
 * non-zero value when a sample the frames read is not within [-lim, lim] (NaN, infinities,
 * or past the bound the CPU's kernels take: WMEL_F32_KERNEL_SAFE), read back with the values
 * (out_words must cover it). */
/* cp[0 .. n_cp): a batch's samples read where they are: the device copies `bytes` from byte
 * `src` of the clip's import (wmel__vk_bimport's index `imp`) to byte `dst` of the slot's
 * signal, before the frames; sig_samples counts the samples the host wrote (from 0), which
 * the copies' destinations never overlap. ocp[0 .. n_ocp): a batch's finished outputs
 * written where they are: `bytes` from byte `src` of the slot's output to byte `dst` of the
 * output's import, after the finish. */
typedef struct vkw_copy {
    int imp;
    size_t src, dst, bytes;
} vkw_copy;
int wmel__vk_submit(vkw *w, int slot, uint32_t n_frames, size_t sig_samples, size_t seg_words, size_t out_words,
                    int out_f32, size_t keys_at, size_t n_keys, int sig_s16, const vkw_finish *fin, size_t flag_at,
                    float lim, const vkw_copy *cp, size_t n_cp, const vkw_copy *ocp, size_t n_ocp);
/* A batch's clip read where it is (out 0), or its finished output written where it is (out
 * 1): the pages around [p, p + bytes) imported (host memory, VK_EXT_external_memory_host)
 * as a transfer source (destination) kept until wmel__vk_bimport_end; its
 * index (>= 0) and p's byte offset in the import in *skip, or -1 (the driver refuses the
 * pointer, VKW_BATCH_IMPORTS reached, no extension: the host packs the clip). */
#define VKW_BATCH_IMPORTS 1024
int wmel__vk_bimport(vkw *w, const void *p, size_t bytes, size_t *skip, int out);
/* 1 where wmel__vk_bimport may succeed (the device imports host memory). */
int wmel__vk_host_imports(const vkw *w);
/* The batch's imports released (the device waited for where a round may still run). */
void wmel__vk_bimport_end(vkw *w);
/* The caller's samples read in place by slot 0's next rounds (VK_EXT_external_memory_host,
 * where the device has it): [p, p + bytes) imported (the pages around it, at the device's
 * alignment) and bound as slot 0's signal, or, on a staged device (device-local buffers: a
 * discrete GPU), copied by the device into slot 0's own signal at each submission in place of
 * the staging copy; *skip, p's byte offset in the signal. WMEL_OK,
 * or VKW_DECLINE (no such extension, a pointer or memory the driver refuses, a round
 * still pending, any call failing): the samples are then copied as before. The caller's
 * memory must stay as it is until wmel__vk_import_end, after the rounds are waited for. */
int wmel__vk_import(vkw *w, const void *p, size_t bytes, size_t *skip);
/* The import released, slot 0's own signal bound again (nothing pending may use it). */
void wmel__vk_import_end(vkw *w);
/* The caller's output [p, p + bytes) (float32, 4-byte aligned) imported (the pages around
 * it, VK_EXT_external_memory_host) for a round whose finish names it (vkw_finish.iout_at):
 * the device then copies the finished clip's output straight into it, in the submission,
 * never the pages' other bytes, and the host copies nothing. WMEL_OK, or VKW_DECLINE (no
 * such extension, a pointer the driver refuses, an import already held, any call failing):
 * the output is then read back and copied as before. Released by wmel__vk_import_out_end,
 * after the rounds are waited for. */
int wmel__vk_import_out(vkw *w, void *p, size_t bytes);
void wmel__vk_import_out_end(vkw *w);
/* Another device's memory (wmel_vulkan_features_device): the device's and its driver's UUIDs
 * into dev_uuid and drv_uuid and 1 where the device imports memory from an opaque file
 * descriptor (VK_KHR_external_memory_fd), else 0. */
int wmel__vk_fd_ids(const vkw *w, unsigned char dev_uuid[16], unsigned char drv_uuid[16]);
/* The allocation behind fd (size bytes of memory type `type`, exported as an opaque fd;
 * dedicated: exported with VkMemoryDedicatedAllocateInfo) imported, a duplicate of fd given to
 * the driver: as the samples' (out 0: bound as slot 0's signal by wmel__vk_bind_in, read by the
 * shader where they are, never copied) or the output's (out 1: a finished clip's output copied
 * into it at wmel__vk_out_at's bytes). Released by wmel__vk_import_end / _out_end. WMEL_OK or
 * a status with the reason in the detail. */
int wmel__vk_import_fd(vkw *w, int out, int fd, uint32_t type, uint64_t size, int dedicated);
/* The allocation behind fd imported as wmel__vk_import_fd's, but as one of the batch's
 * imports (wmel__vk_bimport's table, released by wmel__vk_bimport_end): a transfer source the
 * rounds copy their clips' windows from (out 0), or a transfer destination the finished clips'
 * outputs are copied into (out 1); its index in *k. WMEL_OK or a status with the reason in the
 * detail (*k -1). */
int wmel__vk_bimport_fd(vkw *w, int out, int fd, uint32_t type, uint64_t size, int dedicated, int *k);
/* The samples' import bound from its byte `at` (down to the device's offset alignment) for a
 * clip of `bytes` bytes: *skip, at's offset in the binding. */
int wmel__vk_bind_in(vkw *w, size_t at, size_t bytes, size_t *skip);
/* The next finished clip's output at byte `at` of the output's import, `bytes` bytes. */
int wmel__vk_out_at(vkw *w, size_t at, size_t bytes);
int wmel__vk_wait(vkw *w, int slot);
void wmel__vk_drain(vkw *w);
const char *wmel__vk_device_name(const vkw *w);

/* The float-float self-test (ffcheck.c, shaders/ffcheck.comp): each primitive's worst
 * relative error on the device over a table of cases, against the exact value. */
#define VKW_FF_NPRIM 8
#define VKW_FF_BAR_LOG2 (-44) /* a primitive worse than 2^-44 relative refuses float-float */
typedef struct vkw_ffcheck {
    double worst[VKW_FF_NPRIM]; /* primitive k's worst error (log: relative to max(1, |log a|)) */
    int worst_case[VKW_FF_NPRIM];
    int cases;                  /* the table's cases judged */
    int fc;                     /* the float controls declared (VKW_FC_*), as the frames pipeline's */
    int denormals_kept;         /* a float32 denormal result survived (informative, not judged) */
    int broken;                 /* WMEL_VULKAN_FFCHECK_BREAK's primitive broken on purpose (0: none) */
    int passed;
    /* the same table through the primitives with the two-product by fma (FF_FMA): 1 every
       primitive within 2^-44 (the device fuses fma: the frames pipeline may use it), 0 not,
       -1 not run (the Dekker primitives failed); fma_worst: each primitive's worst then */
    int fma_exact;
    double fma_worst[VKW_FF_NPRIM];
} vkw_ffcheck;
/* "two-sum", "two-product", "add", "sub", "mul", "div", "sqrt", "log". */
const char *wmel__vk_ff_prim_name(int k);
/* The self-test's verdict for device `index` (d as listed), run once per device, driver
 * and testing switches in the process (thread-safe; later calls get the kept verdict):
 * WMEL_OK when every primitive is within 2^-44; WMEL_ERR_BACKEND_UNAVAILABLE with the
 * primitive and its error in the detail when one is not (or a bad value of the switch);
 * another status when the device failed to run it (not kept). out (may be NULL): the
 * measurements. */
int wmel__vk_ffcheck(const vkw_dev *d, int index, vkw_ffcheck *out);
/* The float64 self-test (f64check.c, shaders/f64check.comp): the division, square root,
 * log and product of arith_f64.glsl on the device over a table of cases, and the finish's
 * correction step (r_div_fix, r_sqrt_fix) on the device's division and square root: all
 * but the log bit for bit against the host's (IEEE's), the log within
 * 2^VKW_F64_LOG_BAR_LOG2 of max(1, |log a|). */
#define VKW_F64_NOP 6
#define VKW_F64_LOG_BAR_LOG2 (-50)
typedef struct vkw_f64check {
    int cases;
    int n_off[VKW_F64_NOP];     /* the cases whose bits differ from the host's (log: 0) */
    int first_off[VKW_F64_NOP]; /* the first case off (log: past the bar); -1 none */
    double log_worst;           /* the log's worst error, relative to max(1, |log a|) */
    int broken;                 /* WMEL_VULKAN_F64CHECK_BREAK's division broken on purpose */
    int passed;                 /* the division, square root, product and log pass */
    int fixed;                  /* not passed, but only the division or the square root is off and
                                   the corrected ones are exact: the finish corrects them (F64_FIX) */
} vkw_f64check;
/* "division", "square root", "log", "product", "corrected division", "corrected square root". */
const char *wmel__vk_f64_op_name(int k);
/* The verdict for device `index` (d as listed), run once per device, driver and testing
 * switch in the process (thread-safe): WMEL_OK with the measurements in out (passed or
 * not); another status when the device failed to run it (not kept), or a bad value of the
 * switch (WMEL_ERR_BACKEND_UNAVAILABLE), with the reason in the detail. */
int wmel__vk_f64check(const vkw_dev *d, int index, vkw_f64check *out);
/* The verdict as one sentence ("float64 self-test passed: ..." or "... failed: ..."). */
void wmel__vk_f64check_sentence(const vkw_f64check *res, char *msg, size_t len);
/* The testing switch WMEL_VULKAN_F64CHECK_BREAK: bit 1 the self-test's division broken
 * (div), bit 2 the finish's (fin; finish.comp's F64_FIN_BREAK); 0 in a build without the
 * test door; -1 a bad value. */
int wmel__vk_f64_break(void);
/* The float64 finish's self-test on a fixed clip (backend.c runs it; kept here per device,
 * driver, testing switch and finish: `kind`, the finish's mode word and the arithmetic's
 * correction): 1 with the kept verdict's sentence in why ("" passed) where it ran, else 0. */
int wmel__vk_f64fin_kept(const vkw_dev *d, int brk, uint32_t kind, char *why, size_t len);
void wmel__vk_f64fin_keep(const vkw_dev *d, int brk, uint32_t kind, const char *why);
/* The verdicts kept for device d as one sentence into buf ("" none ran). */
void wmel__vk_f64fin_sentence(const vkw_dev *d, char *buf, size_t len);
/* The Vulkan devices as wmel_devices lists them (devices.c): up to cap into out, with each
 * one's default arithmetic and its float-float self-test's result (run here where it has
 * not run); the count, 0 where the loader lists none or cannot be opened. */
int wmel__vk_devices(wmel_device *out, int cap);

#ifdef WMEL_TEST_HOOKS /* reached through the test door (testctl.h) */
/* Fault injection for the tests: the Vulkan calls made so far, and the call (1-based,
 * counted from now) that fails (0: none). */
long wmel__vk_calls(void);
void wmel__vk_fail_at(long n);
/* For the tests: the devices opened so far with staged buffers. */
long wmel__vk_staged_opens(void);
/* the calling thread's nanoseconds in the rounds: packing, on the device, reading back */
void wmel__vk_phase_ns(long long ns[3]);
long long wmel__vk_rounds(void); /* the rounds submitted (one submission and one wait each) */
long long wmel__vk_finishes(void); /* the calls whose finish ran on the device (finish.comp) */
long long wmel__vk_imports(void);  /* the calls whose samples the device read in place (wmel__vk_import) */
long long wmel__vk_out_imports(void); /* the clips whose output the device wrote in place (wmel__vk_import_out) */
long long wmel__vk_dev_clips(void);   /* the clips of wmel_vulkan_features_device the device finished */
long long wmel__vk_bimports(void);    /* a batch's clips (or single clips) whose windows the device copied */
long long wmel__vk_windows_host(void); /* those windows the host checked (no room for the range flag) */
long long wmel__vk_bout_imports(void); /* a batch's finished clips whose outputs the device wrote in place */
long long wmel__vk_grown(void);    /* the calls whose rounds' buffers grew for a clip in a round of its own */
long long wmel__vk_range_clips(void); /* the clips left to the CPU's kernels for their samples' range */
long wmel__vk_instances_made(void); /* vkCreateInstance calls that succeeded */
#endif

/* A decline inside this backend, never returned past it (no work goes to the CPU through
 * it): a host-memory import the driver refuses (the staging copy instead), buffers that
 * cannot grow for a round (the clip split over rounds), a frame the shared memory does not
 * hold or float-float's self-test failed at open (the ctx's frames on the CPU, answered up
 * front by vk_plan_stages). */
#define VKW_DECLINE 2

/* The failure's message kept for wmel_vulkan_error_detail(); returns `code`. */
int wmel__vk_detail(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
