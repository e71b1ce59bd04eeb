/*
 * wmel.h -- speech front-ends: audio in, the exact features a speech model starts with
 * out (Whisper's log-Mel; NeMo's, Kaldi's fbank and SeamlessM4T's as plans).
 *
 * This header is the whole public contract of libwmel: what is not declared here is
 * not API. It compiles alone as C11 and as C++. docs/c-api.md is the guide.
 *
 * The objects, and one line per entry (each declaration below gives its whole contract):
 *
 *  Contexts: a compiled front-end and its threads
 *   wmel_default_params   Whisper's settings: 80 mels, best backend and ISA level, all cores
 *   wmel_create           a ctx for wmel_params (Whisper, or a preset by params.frontend)
 *   wmel_create_plan      a ctx for any wmel_frontend_plan
 *   wmel_destroy          releases a ctx and joins its threads
 *   wmel_backend_name     "ref", "cpu", "cuda", "vulkan"  wmel_kernel_name the kernel in use
 *   wmel_ctx_n_mels       its mel bins                wmel_ctx_n_threads its worker threads
 *   wmel_ctx_plan         its plan                    wmel_op_backend    where an op runs
 *   wmel_backend_accepts  whether a backend takes a plan's op, and why (before any ctx)
 *   wmel_devices          each device: its arithmetic and its self-tests
 *   wmel_backend_reason   why its backend (AUTO's timing of a device against the CPU)
 *  Plans: every front-end as data
 *   wmel_frontend_preset  a preset's plan (whisper, nemo, nemo-legacy, kaldi, seamless)
 *   wmel_plan_set         one option by name and text, with the rules' sentence on refusal
 *   wmel_plan_check       the status a plan gets, and the sentence naming the field
 *   wmel_mel_centres      each mel filter's centre in Hz
 *  Features of a whole clip
 *   wmel_features_shape   the output's rows and columns for n samples
 *   wmel_features         a plan's features, in its original's layout
 *   wmel_features_batch   many clips of any lengths in one call, each clip's wmel_features
 *   wmel_n_frames         Whisper's frame count for n samples and a padding
 *   wmel_log_mel          Whisper's log-Mel (float PCM); _s16: int16 PCM; _batch: clips
 *   wmel_ref_stages       Whisper's float64 reference, stage by stage
 *   wmel_ref_plan_stages  any plan's float64 reference, stage by stage
 *   wmel_pad_or_trim, wmel_normalize, wmel_mel_filters   openai-whisper's helpers
 *  Live audio
 *   wmel_stream_*         frames as they complete, pushed in any pieces
 *   wmel_sliding_*        a trimmable buffer whose features equal the offline call's
 *   wmel_windows_*        a long input as openai's transcribe 30 s windows, bounded memory
 *   wmel_long_*           any plan's wmel_features() of an input of any length, bounded memory
 *  Audio in
 *   wmel_load_audio       any file to 16 kHz mono float (openai's load_audio); _memory
 *   wmel_decoder_*        the same, piece by piece; wmel_read_wav / wmel_parse_wav: WAV only
 *   wmel_have_ffmpeg      whether FFmpeg decoding is built in
 *  The encoder stem
 *   wmel_stem_*           Whisper's conv1d-GELU stem from safetensors weights
 *   wmel_conv1d, wmel_conv1d_out_len, wmel_sinusoids, wmel_smooth3x3
 *  CUDA (WMEL_ERR_NOT_BUILT without it)
 *   wmel_cuda_log_mel_device, wmel_cuda_features_device, wmel_cuda_stem_device,
 *   wmel_cuda_device_scratch and the _scratch entry points (caller-owned device scratch),
 *   wmel_cuda_error_detail
 *  Vulkan (WMEL_ERR_NOT_BUILT without it)
 *   wmel_vulkan_devices, wmel_vulkan_error_detail, wmel_vulkan_device_uuids,
 *   wmel_vulkan_features_device(_batch) (another Vulkan device's memory, by file descriptor)
 *  Memory and messages
 *   wmel_alloc, wmel_free  memory for large outputs / what the library returned
 *   wmel_strerror          a status as a sentence; wmel_version: version and build parts
 *
 * Conventions that hold for every function below unless its comment says otherwise:
 *  - Status codes: 0 (WMEL_OK) on success, a negative wmel_status on failure.
 *    wmel_strerror() turns any status into a sentence a user can act on.
 *  - Ownership: the caller owns every buffer it passes; the library keeps no pointer
 *    to caller memory after a call returns. Objects the library allocates are released
 *    by the matching *_destroy / *_free function, which accept NULL.
 *  - The library never aborts, never prints, and never reads or writes outside the
 *    bounds the caller gave it, whatever the input.
 *  - Inputs and outputs of one call must not overlap (samples and `out` of the log-Mel
 *    functions, mel and out of wmel_stem_forward, x/w/bias and y of wmel_conv1d, the
 *    device buffers of wmel_cuda_log_mel_device): the entry points check the byte ranges
 *    they are given and return WMEL_ERR_INVALID_ARG before computing anything. Only
 *    wmel_pad_or_trim and wmel_smooth3x3 work in place, and only on the same buffer.
 *  - Threads: a wmel_ctx is read-only after wmel_create(); any number of threads may
 *    call the compute functions on one ctx at the same time. Scratch memory is
 *    allocated inside each call. A CPU ctx keeps a pool of worker threads, started on
 *    first use and joined by wmel_destroy(); a call that finds the pool busy with
 *    another call starts threads of its own for that call.
 *
 * Whisper's numerics (wmel_log_mel; the other plans: wmel_frontend_plan below) are those
 * of openai-whisper's log_mel_spectrogram():
 *   append `padding` zeros; reflect-pad 200 samples on each side; frames of 400 samples
 *   at hop 160 (the last STFT frame is dropped, so (n + padding) / 160 frames); periodic
 *   Hann window; |rFFT|^2 (201 bins); Slaney mel filter bank (librosa, sr 16000,
 *   n_fft 400); log10(max(mel, 1e-10)); max(x, max(x) - 8); (x + 4) / 4.
 *   Output layout: [n_mels][n_frames], row-major float32.
 */
#ifndef WMEL_H
#define WMEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(WMEL_SHARED_BUILD)
#define WMEL_API __declspec(dllexport)
#elif defined(__GNUC__)
#define WMEL_API __attribute__((visibility("default")))
#else
#define WMEL_API
#endif

#define WMEL_VERSION_MAJOR 0
#define WMEL_VERSION_MINOR 1
#define WMEL_VERSION_PATCH 0
#define WMEL_VERSION_STRING "0.1.0"

/* Fixed geometry of the Whisper front-end. */
#define WMEL_SAMPLE_RATE 16000
#define WMEL_N_FFT 400
#define WMEL_HOP 160
#define WMEL_N_BINS 201             /* WMEL_N_FFT / 2 + 1 */
#define WMEL_CHUNK_SAMPLES 480000   /* 30 s: pad_or_trim length, transcribe padding */
#define WMEL_CHUNK_FRAMES 3000      /* frames in 30 s */

/* Status codes. Only ever appended to; values are never renumbered. */
typedef enum wmel_status {
    WMEL_OK = 0,
    WMEL_ERR_INVALID_ARG = -1,       /* a parameter is out of its documented range */
    WMEL_ERR_NULL_POINTER = -2,      /* a required pointer is NULL */
    WMEL_ERR_NO_MEMORY = -3,         /* an allocation failed */
    WMEL_ERR_BUFFER_TOO_SMALL = -4,  /* out_len is smaller than the result */
    WMEL_ERR_TOO_SHORT = -5,         /* padded input <= 200 samples: cannot reflect-pad */
    WMEL_ERR_BACKEND_UNAVAILABLE = -6, /* the backend asked for is not built or has no device */
    WMEL_ERR_NOT_FINITE = -7,        /* the input holds NaN or Inf */
    WMEL_ERR_IO = -8,                /* a file could not be opened, read or written */
    WMEL_ERR_FORMAT = -9,            /* the data is not in a format wmel reads */
    WMEL_ERR_UNSUPPORTED = -10,      /* a valid format wmel does not handle (yet) */
    WMEL_ERR_CORRUPT = -11,          /* a damaged file that cannot be decoded */
    WMEL_ERR_NO_SAMPLES = -12,       /* the input decodes to zero samples */
    WMEL_ERR_THREAD = -13,           /* a worker thread could not be started */
    WMEL_ERR_CUDA = -14,             /* the CUDA runtime reported an error */
    WMEL_ERR_OVERFLOW = -15,         /* a size computation would overflow */
    WMEL_ERR_DECODER = -16,          /* the audio decoder (FFmpeg) reported an error */
    WMEL_ERR_NOT_BUILT = -17,        /* the feature was left out of this build */
    WMEL_ERR_WEIGHTS = -18,          /* a weights file is malformed or does not fit */
    WMEL_ERR_SAMPLE_RANGE = -19,     /* finite samples too large for the float32 power
                                        (|x| above about 1e17; the ref backend computes them),
                                        or an output value a plan's affine or per-column scale
                                        carries past float32's range */
    WMEL_ERR_INTERRUPTED = -20,      /* the caller's interrupt callback asked to stop (a
                                        deadline passed, Ctrl-C) */
    WMEL_ERR_VULKAN = -21            /* the Vulkan driver reported an error (a lost device);
                                        wmel_vulkan_error_detail() says which call */
} wmel_status;

/* Backends. AUTO's candidates are the device backends built whose device is present (a
 * CUDA device; a discrete or integrated Vulkan GPU, never a CPU device such as lavapipe)
 * and that take the plan's frames; where one is a GPU, each is timed against the CPU
 * backend: the first ctx a process creates for a device and a front-end's geometry (the
 * algorithm, n_fft, frame length, hop, n_mels, n_ceps, norm, the threads) times both on a
 * 30 s clip (a warm-up, then the best of three each in turn), and AUTO takes the fastest
 * device that takes at most 0.9 of the CPU's time, else the CPU; the verdicts are kept for
 * the process, and a timing the device fails is one for the CPU. Where no candidate is a
 * GPU, AUTO takes the device as found, untimed: CUDA, then Vulkan, for Whisper's geometry,
 * a Vulkan GPU for another plan, else the CPU. Whether AUTO times is its planner mode,
 * wmel_params.auto_plan (FFTW's ESTIMATE and MEASURE): WMEL_AUTO_MEASURE (the default, as
 * above), WMEL_AUTO_ESTIMATE (never timed: the device, as found) or WMEL_AUTO_MEASURE_ANY
 * (any device AUTO can reach timed, a CPU device such as lavapipe too). Only where the
 * field is left at WMEL_AUTO_MEASURE, the environment variable WMEL_AUTO_PROBE overrides
 * the default: =0 as ESTIMATE, =1 as MEASURE_ANY; another value makes AUTO's create fail
 * with WMEL_ERR_INVALID_ARG (wmel_vulkan_error_detail() names it). The timing runs the
 * library's internal clip path on ctxs made for it, never a public entry point.
 * wmel_backend_reason() says what was taken and why, with the timings. */
enum {
    WMEL_BACKEND_AUTO = 0,
    WMEL_BACKEND_REF = 1,   /* float64 reference: slow, the oracle */
    WMEL_BACKEND_CPU = 2,   /* float32 SIMD kernels, threads */
    WMEL_BACKEND_CUDA = 3,  /* CUDA kernels (builds with WMEL_CUDA) */
    WMEL_BACKEND_VULKAN = 4 /* Vulkan compute shaders (builds with WMEL_VULKAN; docs/vulkan.md) */
};

/* AUTO's planner mode (wmel_params.auto_plan; see the backends above). Another value:
 * WMEL_ERR_INVALID_ARG at create, the field named in wmel_vulkan_error_detail(). */
enum {
    WMEL_AUTO_MEASURE = 0,    /* the default: GPUs timed against the CPU (WMEL_AUTO_PROBE
                                 overrides it: 0 as ESTIMATE, 1 as MEASURE_ANY) */
    WMEL_AUTO_ESTIMATE = 1,   /* never timed: the rule alone, the device as found, its
                                 arithmetic (float64 or float-float) by the rule too */
    WMEL_AUTO_MEASURE_ANY = 2 /* every device AUTO reaches timed, CPU devices (lavapipe, the
                                 CUDA emulator) too */
};

/* The Vulkan backend's arithmetic (wmel_params.vulkan_arith). AUTO: the environment
 * variable WMEL_VULKAN_ARITHMETIC=float64|float-float, else, on a GPU that has
 * shaderFloat64, the faster of the two there (timed once a process per device on a 30 s
 * clip: float-float where it takes at most 0.9 of float64's time; docs/vulkan.md), else
 * float64 where the device has shaderFloat64, else float-float (pairs of float32, exact
 * to ~1e-14). Both are held to the same bar. */
enum {
    WMEL_VULKAN_ARITH_AUTO = 0,
    WMEL_VULKAN_ARITH_FLOAT64 = 1,
    WMEL_VULKAN_ARITH_FLOAT_FLOAT = 2
};

/* The CUDA backend's arithmetic (wmel_params.cuda_arith): float64, or float-float (pairs of
 * float32, about 2^-44 relative), both held to the same bar. AUTO: the environment variable
 * WMEL_CUDA_ARITHMETIC=float64|float-float, else for Whisper's geometry the faster of the two
 * on a GPU (timed once a process per device on a 30 s clip: float-float where it takes at
 * most 0.9 of float64's time) and float64 on a device that is no GPU (the CUDA emulator), for
 * any other plan float64 on the GPUs whose float64 is fast (compute capability 6.0, 7.0, 8.0,
 * 9.0) and float-float elsewhere. Float-float runs only on a device whose float-float
 * self-test passed: AUTO keeps float64 there, FLOAT_FLOAT (or the variable's float-float) is
 * refused with WMEL_ERR_BACKEND_UNAVAILABLE and the reason (docs/cuda.md). */
enum {
    WMEL_CUDA_ARITH_AUTO = 0,
    WMEL_CUDA_ARITH_FLOAT64 = 1,
    WMEL_CUDA_ARITH_FLOAT_FLOAT = 2
};

/* Normalisation of the output. */
enum {
    WMEL_NORM_WHOLE = 0,    /* openai: max(x, max - 8), (x + 4) / 4, max over the call */
    WMEL_NORM_NONE = 1,     /* raw log10(max(mel, 1e-10)), steps 1-7 only */
    /* the front-end plans' normalisations (wmel_frontend_plan.norm only): */
    WMEL_NORM_PER_FEATURE = 2, /* NeMo: each mel row over the valid frames, (x - mean) /
                                  (std + norm_eps), std Bessel-corrected; NaN std -> 0 */
    WMEL_NORM_MEAN_VAR = 3  /* SeamlessM4T: each mel bin over all frames, (x - mean) /
                               sqrt(var + norm_eps), var Bessel-corrected; NaN var -> 0 */
};

/* Batch normalisation (wmel_log_mel_batch). */
enum {
    WMEL_BATCH_PER_CLIP = 0, /* each clip normalised with its own max (HF's per-example) */
    WMEL_BATCH_GLOBAL = 1    /* one max over the whole batch (openai on a 2-D tensor) */
};

/* CPU instruction set levels, lowest to highest within a family: x86 C < AVX2 < AVX512,
 * AArch64 C < NEON, WebAssembly C < SIMD128 (a build with -msimd128 has it; WebAssembly
 * has no run-time feature test). A cap (max_isa, WMEL_MAX_ISA) from the other family than
 * the CPU's allows only C, the level both share. */
enum {
    WMEL_ISA_AUTO = 0,      /* the best the CPU supports */
    WMEL_ISA_C = 1,         /* portable C */
    WMEL_ISA_AVX2 = 2,      /* AVX2 + FMA */
    WMEL_ISA_AVX512 = 3,    /* AVX-512 F + VL + DQ */
    WMEL_ISA_NEON = 4,      /* AArch64 Advanced SIMD (every AArch64 CPU has it) */
    WMEL_ISA_WASM_SIMD128 = 5 /* WebAssembly SIMD128 (a build compiled with -msimd128) */
};

typedef struct wmel_ctx wmel_ctx;

typedef struct wmel_params {
    int n_mels;     /* 80 or 128 */
    int backend;    /* WMEL_BACKEND_* */
    int n_threads;  /* worker threads for the CPU backend; 0 = all online cores */
    int norm;       /* WMEL_NORM_* */
    int max_isa;    /* WMEL_ISA_*: highest CPU level allowed (AUTO = best). The
                       environment variable WMEL_MAX_ISA=c|avx2|avx512|neon|simd128 lowers it further. */
    int cuda_device;/* CUDA device ordinal for WMEL_BACKEND_CUDA / AUTO */
    int smooth;     /* WMEL_SMOOTH_*: smoothing of the output (taken from reserved[]) */
    int frontend;   /* WMEL_FRONTEND_*: the front-end's preset (taken from reserved[]);
                       WHISPER (0) is the log-Mel described at the top of this file */
    int vulkan_device; /* WMEL_BACKEND_VULKAN's device: 0 = the environment variable
                       WMEL_VULKAN_DEVICE (an index, or a part of the name), else the
                       best (discrete, integrated, virtual, CPU); k >= 1: device k - 1
                       as `wmel info` lists them (taken from reserved[]) */
    int vulkan_arith;  /* WMEL_VULKAN_ARITH_* (taken from reserved[]) */
    int device_check;  /* 0 or 1 (taken from reserved[]). 1: the CUDA device-memory entry
                       points (wmel_cuda_log_mel_device, wmel_cuda_features_device(_batch))
                       first scan every clip's float32 samples on the device (one launch)
                       and wait for the verdict: a clip wmel_features refuses for its
                       samples gets its status (WMEL_ERR_NOT_FINITE, WMEL_ERR_SAMPLE_RANGE)
                       before anything else is enqueued; not under a stream capture (the
                       call is refused there). 0: no scan, no wait (see each entry) */
    int auto_plan;     /* WMEL_AUTO_*: whether AUTO times devices (taken from reserved[]);
                       WMEL_AUTO_MEASURE (0) leaves it to the environment variable
                       WMEL_AUTO_PROBE, else the default */
    int cuda_arith;    /* WMEL_CUDA_ARITH_* (appended: the struct grew by this field and
                       reserved[], whose places later fields take without another change
                       of size; 0 there, as wmel_default_params() and = {0} leave them) */
    int reserved[7];
} wmel_params;

/* Smoothing of the output (wmel_params.smooth), applied by wmel_log_mel(),
 * wmel_log_mel_s16() and wmel_log_mel_batch() (each clip on its own) after the
 * normalisation, fused into it: the result equals wmel_smooth3x3() of the unsmoothed
 * output bit for bit. With WMEL_NORM_NONE the raw log10 values are smoothed. The
 * streaming API and the windows iterator refuse a smoothing ctx (WMEL_ERR_INVALID_ARG).
 * On a CUDA ctx the host entry points and wmel_cuda_log_mel_device() smooth on the GPU,
 * fused into the normalisation kernel (wmel_op_backend() says "cuda"); the sums are
 * wmel_smooth3x3()'s, so the result equals wmel_smooth3x3() of the CUDA backend's
 * unsmoothed output (bit for bit by construction; not yet run on a GPU). */
enum {
    WMEL_SMOOTH_NONE = 0,
    WMEL_SMOOTH_3X3 = 1     /* avg_pool2d(x[None], 3, stride=1, padding=1): zeros outside, / 9 */
};

/* Defaults: n_mels 80, backend AUTO, n_threads 0 (all cores), norm WHOLE, max_isa AUTO,
 * smooth NONE, frontend WHISPER, device_check 0, auto_plan WMEL_AUTO_MEASURE, cuda_arith
 * WMEL_CUDA_ARITH_AUTO. */
WMEL_API wmel_params wmel_default_params(void);

/* Creates a context: filter bank, window, FFT plan, kernel choice.
 * Returns NULL on error and stores the status in *status (when status is not NULL);
 * on success *status is WMEL_OK. Errors: WMEL_ERR_INVALID_ARG (n_mels not 80/128, bad
 * backend/norm/isa/smooth/frontend/vulkan_arith/cuda_arith, n_threads < 0, device_check not
 * 0 or 1; auto_plan not a WMEL_AUTO_*, cuda_arith not a WMEL_CUDA_ARITH_*:
 * wmel_vulkan_error_detail() names the field and its values),
 * WMEL_ERR_BACKEND_UNAVAILABLE (CUDA or
 * Vulkan asked for and not usable), WMEL_ERR_NO_MEMORY. p == NULL means wmel_default_params().
 * It fills the plan of wmel_frontend_preset(p->frontend, p->n_mels) (for Whisper's
 * front-end with p->norm) and creates the ctx as wmel_create_plan(p, plan) does, keeping
 * p->smooth for Whisper's front-end (with another front-end p->norm and p->smooth are not
 * used: the preset normalises, and smoothing is Whisper's only).
 * Thread-safety: may be called from any thread. */
WMEL_API wmel_ctx *wmel_create(const wmel_params *p, int *status);

/* Releases a context. NULL is a no-op. The ctx must not be in use by another thread. */
WMEL_API void wmel_destroy(wmel_ctx *ctx);

/* Number of frames for n_samples samples and `padding` appended zeros:
 * (n_samples + padding) / 160. Saturates at SIZE_MAX / WMEL_HOP on overflow. */
WMEL_API size_t wmel_n_frames(size_t n_samples, size_t padding);

/* Log-Mel spectrogram of one clip of mono 16 kHz float PCM.
 * pcm: n_samples floats (may be NULL only when n_samples == 0); padding: zeros appended.
 * out: receives n_mels * wmel_n_frames(n_samples, padding) floats, [n_mels][n_frames].
 * out_len: capacity of out, in floats.
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_TOO_SHORT (n_samples + padding <= 200),
 * WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_NOT_FINITE (NaN/Inf in pcm), WMEL_ERR_SAMPLE_RANGE
 * (finite samples so large, |x| above about 1e17, that the float32 power overflows: cpu,
 * cuda and vulkan backends; the float64 ref backend computes them), WMEL_ERR_INVALID_ARG (pcm
 * and out overlap), WMEL_ERR_NO_MEMORY, WMEL_ERR_THREAD. On error the contents of out
 * are unspecified.
 * On a ctx from another plan (wmel_create_plan, params.frontend) this is a wrapper of
 * wmel_features() of the samples followed by `padding` zeros: its shape is
 * wmel_features_shape(ctx, n_samples + padding), its errors wmel_features()'s (the
 * samples are copied once when padding > 0). So are wmel_log_mel_s16() (samples / 32768)
 * and wmel_log_mel_batch() (each clip's own features, [batch][rows][cols]; a plan
 * normalises per clip: WMEL_BATCH_GLOBAL gives WMEL_ERR_INVALID_ARG).
 * Thread-safety: safe to call concurrently on one ctx. */
WMEL_API int wmel_log_mel(wmel_ctx *ctx, const float *pcm, size_t n_samples, size_t padding,
                          float *out, size_t out_len);

/* The same for 16-bit PCM: each sample is divided by 32768 (openai's load_audio). */
WMEL_API int wmel_log_mel_s16(wmel_ctx *ctx, const int16_t *pcm, size_t n_samples,
                              size_t padding, float *out, size_t out_len);

/* Batch: `batch` clips of n_samples each; clip b starts at pcm + b * pcm_stride
 * (pcm_stride >= n_samples, in floats). out receives batch * n_mels * n_frames floats,
 * [batch][n_mels][n_frames]. batch_norm: WMEL_BATCH_PER_CLIP or WMEL_BATCH_GLOBAL
 * (ignored when the ctx normalises with WMEL_NORM_NONE). Errors as wmel_log_mel, and
 * WMEL_ERR_INVALID_ARG for a bad batch_norm or pcm_stride < n_samples. batch == 0 is OK. */
WMEL_API int wmel_log_mel_batch(wmel_ctx *ctx, const float *pcm, size_t batch,
                                size_t n_samples, size_t pcm_stride, size_t padding,
                                int batch_norm, float *out, size_t out_len);

/* openai's pad_or_trim to `length` samples: copies min(n, length) samples from in and
 * zero-fills the rest of out (which holds `length` floats). in may be NULL when n == 0.
 * in and out may be the same buffer. Errors: WMEL_ERR_NULL_POINTER. */
WMEL_API int wmel_pad_or_trim(const float *in, size_t n, float *out, size_t length);

/* Normalises raw log10 mel values in place (steps 8-9): x = (max(x, max_val - 8) + 4) / 4.
 * For callers that computed with WMEL_NORM_NONE and track the max themselves. */
WMEL_API void wmel_normalize(float *x, size_t n, float max_val);

/* The Slaney mel filter bank as the library uses it: n_mels * WMEL_N_BINS floats,
 * [n_mels][201], computed in double and rounded once. out_len in floats.
 * Errors: WMEL_ERR_INVALID_ARG, WMEL_ERR_NULL_POINTER, WMEL_ERR_BUFFER_TOO_SMALL. */
WMEL_API int wmel_mel_filters(int n_mels, float *out, size_t out_len);

/* The float64 reference, stage by stage (what `wmel inspect` shows and `--stages` writes):
 * the intermediate arrays of the WMEL_BACKEND_REF computation for selected frames of one
 * clip, in double. Frames span->first + i * span->step, i < span->n_frames, of the clip's
 * wmel_n_frames(n_samples, padding). Each output pointer may be NULL (that stage is not
 * stored); the caller owns them all:
 *   padded [n_frames][400]     the frame's samples after reflect padding, before the window
 *   frames [n_frames][400]     windowed by the periodic Hann window
 *   power  [201][n_frames]     |DFT|^2, a direct 400-point DFT in double
 *   mel    [n_mels][n_frames]  the Slaney filter bank (wmel_mel_filters, in double) @ power
 *   logmel [n_mels][n_frames]  log10(max(mel, 1e-10)): rounded to float, the ref
 *                              backend's WMEL_NORM_NONE output bit for bit
 * The normalised features are (max(logmel, M - 8) + 4) / 4 with M the largest logmel value
 * of the whole clip. Slow by design (about 1 ms a frame).
 * A wrapper of wmel_ref_plan_stages() on wmel_frontend_preset(WMEL_FRONTEND_WHISPER,
 * n_mels) with the padding zeros appended (padded = its signal, frames = its windowed; the
 * same values bit for bit), kept for its padding argument and its checks below; it holds
 * n_samples + padding floats while it runs.
 * Errors: WMEL_ERR_NULL_POINTER (span, out, or pcm NULL with n_samples > 0),
 * WMEL_ERR_INVALID_ARG (n_mels not 80/128, step 0, a frame past the clip's last),
 * WMEL_ERR_TOO_SHORT, WMEL_ERR_NOT_FINITE (NaN or Inf in a sample a chosen frame reads),
 * WMEL_ERR_OVERFLOW, WMEL_ERR_NO_MEMORY. On error the outputs are unspecified.
 * n_frames == 0 is OK. Thread-safety: no shared state; safe from any thread. */
typedef struct wmel_stage_span {
    size_t first;     /* first frame */
    size_t n_frames;  /* frames to compute */
    size_t step;      /* distance between them (>= 1) */
} wmel_stage_span;
typedef struct wmel_ref_stage_out {
    double *padded, *frames, *power, *mel, *logmel;
} wmel_ref_stage_out;
WMEL_API int wmel_ref_stages(int n_mels, const float *pcm, size_t n_samples, size_t padding,
                             const wmel_stage_span *span, wmel_ref_stage_out *out);

/* Names for diagnostics and benchmarks. Valid for the lifetime of the ctx; never NULL. */
WMEL_API const char *wmel_backend_name(const wmel_ctx *ctx); /* "ref", "cpu", "cuda", "vulkan" */
WMEL_API const char *wmel_kernel_name(const wmel_ctx *ctx);  /* e.g. "cpu-avx512-w16" */
/* Why the ctx's backend was taken: "asked for by name", or AUTO's reason, e.g. "AUTO: cpu,
 * timed on a 30 s clip: vulkan 41.20 ms, cpu 2.31 ms (the device where it takes at most
 * 0.9 of the CPU's time)"; "none" for NULL. A Vulkan device that fails its float64
 * self-test adds the sentence (e.g. "; float64 self-test failed: the division rounds
 * differently from IEEE's in 3 of 271 cases; the finish runs on the host"). */
WMEL_API const char *wmel_backend_reason(const wmel_ctx *ctx);
WMEL_API int wmel_ctx_n_mels(const wmel_ctx *ctx);
WMEL_API int wmel_ctx_n_threads(const wmel_ctx *ctx);

/* A static sentence for any status (unknown codes get a generic sentence). Never NULL. */
WMEL_API const char *wmel_strerror(int status);

/* "0.1.0" plus build features, e.g. "0.1.0 (avx512 avx2 ffmpeg)". */
WMEL_API const char *wmel_version(void);

/* ---------------------------------------------------------------------------------- */
/* Other front-ends: NeMo (Parakeet, Canary), Kaldi fbank, SeamlessM4T.                 */
/*
 * A front-end is described by one plain struct, wmel_frontend_plan: framing, window,
 * pre-emphasis, transform size, mel bank, log, normalisation and output layout. The
 * presets (wmel_frontend_preset) are filled-in plans; any field may be changed before
 * wmel_create_plan(). The kernels are chosen from the plan's geometry, never from its
 * name: a plan with Whisper's exact geometry runs Whisper's kernels (bit-identical to
 * wmel_log_mel with padding 0), every other plan the general path (float64 transform
 * of any even n_fft whose half has no prime factor above 5; threads over frames).
 *
 * Each frame t of the whole pipeline:
 *   samples:  x * scale; WMEL_PREEMPH_SIGNAL: y[i] = x[i] - preemph x[i-1], y[0] = x[0]
 *             (WMEL_PREEMPH_PADDED: the same rule on the padded signal below, its first
 *             sample kept: pad_left's first, or x[0] without it; _PADDED_CUT: then the
 *             values at signal index n - pad_left and later are 0)
 *   framing:  WMEL_FRAMES_SNIP: samples [t hop, t hop + frame_length), frames
 *             1 + (n - frame_length) / hop (0 when n < frame_length);
 *             WMEL_FRAMES_CENTER_*: torch.stft(center=True): the signal padded by n_fft/2
 *             (zeros or reflection), the window of frame_length centred in n_fft,
 *             frames 1 + n / hop
 *             WMEL_FRAMES_KALDI_CENTER (option text kaldi_center): Kaldi's snip_edges=false:
 *             frame t's window starts at sample t hop + hop / 2 - frame_length / 2 (C integer
 *             division of each term: kaldi-native-fbank's FirstSampleOfFrame), frames
 *             (n + hop / 2) / hop (0 for a clip shorter than that), the window of frame_length
 *             at the start of n_fft as with snip; a sample index s outside [0, n) is reflected
 *             Kaldi's way, repeatedly until it is inside: s < 0 -> -s - 1, s >= n ->
 *             2 n - 1 - s (the edge sample is repeated: not numpy's "reflect"), so any n >= 1
 *             works. Everything else as WMEL_FRAMES_SNIP (dither's t the absolute frame, DC
 *             removal, frame pre-emphasis, energy, valid rules); signal pre-emphasis applies
 *             before the reflection, as with the centred framings. lhotse's own Fbank pads
 *             (frame_length - hop) // 2 flipped samples on the left: the same frames where
 *             that equals frame_length / 2 - hop / 2 and n is at least the padding
 *             (docs/kaldi.md)
 *             explicit framing (WMEL_FRAMES_SNIP with the framing block's fields): the
 *             signal padded with pad_left samples before it, zeros up to a multiple of
 *             pad_multiple after it, then pad_right samples (pad_mode: zeros or reflection),
 *             N samples in all; frame t spans [t hop, t hop + span) of the padded signal
 *             (span = frame_span, 0: frame_length), frames 1 + (N - span) / hop (0 when
 *             N < span), its window the samples [t hop + window_offset, .. + frame_length):
 *             Gemma3n/Gemma4's unfold of frame_length + 1 is span frame_length + 1;
 *             torch.stft(center=False) with win_length < n_fft is span n_fft, window_offset
 *             (n_fft - win_length) / 2; Inkling's causal framing pad_left n_fft - hop,
 *             pad_multiple hop; UnivNet pad_left = pad_right = (n_fft - hop) / 2,
 *             WMEL_PAD_REFLECT; NeMo exact_pad the same with zeros and
 *             WMEL_PREEMPH_PADDED_CUT (legacy: reflect, WMEL_PREEMPH_PADDED)
 *   dither:   x[j] += dither * wmel_dither_gauss(dither_seed, t, j) (t the absolute frame)
 *   remove_dc: subtract the frame's mean; use_energy: e = ln(max(sum x^2, FLT_EPSILON))
 *             (max(e, ln(energy_floor)) when energy_floor > 0; energy_windowed: of the
 *             frame after the window instead)
 *   WMEL_PREEMPH_FRAME: x[i] -= preemph x[i-1] from the end, x[0] -= preemph x[0] (Kaldi)
 *   window, zero-pad to n_fft, p = |rFFT|^2 (n_fft/2 + 1 bins), the magnitude guard
 *   (mag_guard_mode), p^(power / 2), mel bank, log:
 *   WMEL_LOG10_CLAMP log10(max(m, guard)), WMEL_LOG_ADD ln(m + guard),
 *   WMEL_LOG_CLAMP ln(max(m, guard)), WMEL_LOG_NONE m, WMEL_LOG_ZERO ln(m) with guard in
 *   place of m = 0, WMEL_LOG10_ZERO log10(m) likewise.
 *   Columns: [energy if use_energy] then the n_mels mel values (n_ceps > 0: the n_ceps
 *   cepstra of "Cepstra" below in their place).
 * Then over the clip: valid frames (WMEL_VALID_HOP: n / hop, the rest set to 0 and left
 * out of the statistics, as current NeMo; WMEL_VALID_END, _CEIL, _BUT_LAST likewise;
 * n_frames caps them), normalisation (norm,
 * norm_eps, norm_flags, norm_max, norm_range), pad_to or n_frames (frames padded with
 * pad_value, 0 by default, which also fills the frames past the valid ones), the affine
 * (x post_scale + post_shift on every frame), stacking of `stack` consecutive frames into
 * one row (missing frames are zeros), and the layout.
 * The general path computes everything before the output's float32 rounding in float64;
 * Whisper's geometry keeps Whisper's kernels (float64 transform, float32 mel and log).
 */

/* Front-end presets (wmel_params.frontend, wmel_frontend_preset). Only ever appended to. */
enum {
    WMEL_FRONTEND_WHISPER = 0,     /* openai-whisper log_mel_spectrogram (padding 0) */
    WMEL_FRONTEND_NEMO = 1,        /* NeMo FilterbankFeatures as Parakeet/Canary infer
                                      (since mid-2025: zero STFT padding, n / 160 valid) */
    WMEL_FRONTEND_KALDI = 2,       /* Kaldi compute-fbank-feats (kaldi-native-fbank) */
    WMEL_FRONTEND_SEAMLESS = 3,    /* transformers SeamlessM4TFeatureExtractor */
    WMEL_FRONTEND_NEMO_LEGACY = 4  /* NeMo before mid-2025: reflect padding, all frames valid */
};

/* Windows: the symmetric forms over frame_length samples (denominator N - 1, N = frame_length),
 * except the periodic ones (denominator N: torch's default periodic=True, the first N samples of
 * the symmetric window of N + 1). */
enum {
    WMEL_WINDOW_HANN_PERIODIC = 0, /* torch.hann_window(N): Whisper */
    WMEL_WINDOW_HANN = 1,          /* 0.5 - 0.5 cos(2 pi i / (N - 1)): NeMo, Kaldi "hanning" */
    WMEL_WINDOW_HAMMING = 2,       /* 0.54 - 0.46 cos(2 pi i / (N - 1)) */
    WMEL_WINDOW_POVEY = 3,         /* (0.5 - 0.5 cos(2 pi i / (N - 1)))^0.85: Kaldi default */
    WMEL_WINDOW_RECT = 4,          /* ones */
    WMEL_WINDOW_BLACKMAN = 5,      /* a - 0.5 cos(2 pi i / (N - 1)) + (0.5 - a) cos(4 pi i / (N - 1)),
                                      a = window_coeff (0: 0.42): Kaldi blackman_coeff,
                                      torch.blackman_window(periodic=False) (NeMo) */
    WMEL_WINDOW_BARTLETT = 6,      /* 1 - |2 i / (N - 1) - 1|: torch.bartlett_window(periodic=False) */
    WMEL_WINDOW_SINE = 7,          /* sin(pi i / (N - 1)): Kaldi's window_type=sine */
    WMEL_WINDOW_HAMMING_PERIODIC = 8,  /* 0.54 - 0.46 cos(2 pi i / N): torch.hamming_window(N) */
    WMEL_WINDOW_BLACKMAN_PERIODIC = 9, /* BLACKMAN with denominator N: torch.blackman_window(N) */
    WMEL_WINDOW_BARTLETT_PERIODIC = 10 /* 1 - |2 i / N - 1|: torch.bartlett_window(N) */
};

/* Framing. */
enum {
    WMEL_FRAMES_SNIP = 0,          /* Kaldi snip_edges=true: whole frames inside the signal */
    WMEL_FRAMES_CENTER_REFLECT = 1,/* torch.stft(center=True, pad_mode="reflect"); needs
                                      n > n_fft / 2 samples (else WMEL_ERR_TOO_SHORT) */
    WMEL_FRAMES_CENTER_ZERO = 2,   /* torch.stft(center=True, pad_mode="constant") */
    WMEL_FRAMES_KALDI_CENTER = 3   /* Kaldi snip_edges=false (kaldi-native-fbank, lhotse, sherpa-onnx):
                                      frame t's window starts at t hop + hop / 2 - frame_length / 2,
                                      (n + hop / 2) / hop frames, Kaldi's reflection at both ends */
};

/* Where pre-emphasis applies. */
enum {
    WMEL_PREEMPH_FRAME = 0,        /* inside each frame, after DC removal (Kaldi) */
    WMEL_PREEMPH_SIGNAL = 1,       /* on the whole signal before padding (NeMo) */
    WMEL_PREEMPH_PADDED = 2        /* on the padded signal of WMEL_FRAMES_SNIP (pad_left, the clip,
                                      pad_multiple's zeros, pad_right), its first sample kept:
                                      the padding's samples are pre-emphasised too, as in
                                      originals that pad first (NeMo legacy exact_pad, Gemma3n's
                                      preemphasis_htk_flavor false: window_offset 1) */,
    WMEL_PREEMPH_PADDED_CUT = 3    /* WMEL_PREEMPH_PADDED, then the values from the padded
                                      signal's index n on set to 0 (n the clip's length; the
                                      clip's sample n - pad_left on): NeMo's exact_pad since
                                      mid-2025, whose time mask counts the clip's length from
                                      the padded signal's start */
};

/* Mel banks. */
enum {
    WMEL_MEL_SLANEY = 0,           /* librosa.filters.mel(htk=False): Slaney's scale,
                                      triangles in Hz over all n_fft/2 + 1 bins */
    WMEL_MEL_KALDI = 1,            /* Kaldi's MelBanks: 1127 ln(1 + f / 700), triangles in
                                      mel, the Nyquist bin left out (weight 0) */
    WMEL_MEL_HTK = 2,              /* HTK's scale 2595 log10(1 + f / 700), triangles in Hz over
                                      all bins (librosa htk=True, torchaudio melscale_fbanks,
                                      transformers mel_filter_bank(mel_scale="htk")) */
    WMEL_MEL_TF = 3                /* 1127 ln(1 + f / 700), triangles in mel over all bins, bin 0
                                      weight 0, the Nyquist bin kept: TensorFlow's
                                      linear_to_mel_weight_matrix, transformers'
                                      triangularize_in_mel_space=True */
};
/* wmel_frontend_plan.bank_flags (bits). */
enum {
    WMEL_BANK_ALLOW_EMPTY = 1,     /* a filter with no FFT bin under it is kept (its mel energy
                                      is 0, so its log is that of the guard, as TensorFlow and
                                      transformers give) instead of refusing the plan */
    WMEL_BANK_BF16 = 2,            /* the window and the bank's weights rounded to bfloat16
                                      (from float32, to nearest even): transformers
                                      mel_filters_dtype="bfloat16" (Nemotron) */
    WMEL_BANK_HTK = 4,             /* Kaldi's htk_mode bank (WMEL_MEL_KALDI only): with
                                      low_freq > 0 the first filter's lowest weight is 0 (HTK's
                                      quirk, which Kaldi keeps); htk_mode's floor of the mel
                                      energies at 1 is WMEL_LOG_CLAMP with log_guard 1 */
    WMEL_BANK_SYMMETRIC = 8        /* the Hz triangles (WMEL_MEL_SLANEY, WMEL_MEL_HTK) symmetric
                                      about each centre f[m + 1] with the left half's width
                                      d = f[m + 1] - f[m]: weight max(0, 1 - |f - f[m + 1]| / d)
                                      (SpeechBrain's Filterbank: the right edge f[m + 1] + d is
                                      at or below f[m + 2] on these scales); peak 1, so
                                      mel_norm none only */,
    WMEL_BANK_SNAP_BINS = 16       /* the Hz points f[i] (WMEL_MEL_SLANEY, WMEL_MEL_HTK) snapped
                                      to FFT bins b[i] = floor((n_fft + 1) f[i] / sample_rate),
                                      the triangles between those integer bins: weight
                                      (k - b[m]) / (b[m + 1] - b[m]) for b[m] <= k < b[m + 1],
                                      (b[m + 2] - k) / (b[m + 2] - b[m + 1]) for
                                      b[m + 1] <= k < b[m + 2], else 0 (the classic MFCC recipe:
                                      python_speech_features' get_filterbanks); peak 1, so
                                      mel_norm none only; not with WMEL_BANK_SYMMETRIC */
};
/* wmel_frontend_plan.mag_guard_mode: a guard on the power p = re^2 + im^2 of each bin,
 * before the power option (power 1: sqrt of the guarded value). */
enum {
    WMEL_MAG_GUARD_NONE = 0,
    WMEL_MAG_GUARD_MAX = 1,        /* max(p, mag_guard): sqrt(max(p, 1e-10)) (Inkling) */
    WMEL_MAG_GUARD_ADD = 2         /* p + mag_guard: sqrt(p + 1e-9) (UnivNet) */
};
/* wmel_frontend_plan.norm_flags (bits), variants of the plan's normalisation. */
enum {
    WMEL_NORMF_POPULATION = 1,     /* PER_FEATURE / MEAN_VAR: the variance over n, not n - 1
                                      (np.std, ddof 0: Speech2Text with norm_eps 0) */
    WMEL_NORMF_MEAN_ONLY = 2,      /* PER_FEATURE / MEAN_VAR: x - mean only (WeSpeaker CMN) */
    WMEL_NORMF_ALL = 4,            /* PER_FEATURE / MEAN_VAR: one mean and one denominator over
                                      every column and valid frame (NeMo all_features) */
    WMEL_NORMF_FIXED_MAX = 8,      /* WHOLE: norm_max in place of the data's max (Voxtral
                                      realtime's global_log_mel_max 1.5) */
    WMEL_NORMF_THEN_MEAN_VAR = 16  /* WHOLE: after the clamp, the padding and the affine, each
                                      column's mean over the valid frames subtracted and the
                                      result divided by max(std, norm_eps): std Bessel-corrected,
                                      over n with WMEL_NORMF_POPULATION; WMEL_NORMF_MEAN_ONLY:
                                      the mean only (SpeechBrain's InputNormalization
                                      norm_type "sentence" on Fbank's dB values: POPULATION,
                                      norm_eps 1e-10; std_norm False: MEAN_ONLY). See below. */
};
/* WMEL_NORMF_THEN_MEAN_VAR's order. The finish of a WHOLE plan with it, on the valid frames
 * (v the log values, M their max or norm_max, R norm_range or 8):
 *   y = (max(v, M - R) + 4) / 4, then y post_scale + post_shift (the affine, when set),
 *   then z = (y - mean_c) / max(std_c, norm_eps) per column c, mean_c and std_c the
 *   statistics of those y over the valid frames (in double, from the float32 y);
 *   a column whose denominator is 0 (norm_eps 0 and a constant column) gives 0;
 *   then the per-column affine (wmel_create_plan_cols) on z.
 * The statistics are of the values after the affine: SpeechBrain normalises its dB values
 * (10 log10 clamped at max - top_db: WHOLE with norm_range top_db / 10 and the affine
 * x 40 - 40), and for y' = a y + b, (y' - mean') / max(std', eps) is a (y - mean) /
 * max(|a| std, eps): the floor and the sign depend on the affine's values. Frames past the valid ones (pad_to, n_frames, a VALID_* rule's tail) keep
 * pad_value (after the affine) and are left out of the statistics. */
enum {
    WMEL_MELNORM_NONE = 0,         /* peak 1 */
    WMEL_MELNORM_SLANEY = 1        /* librosa norm="slaney": 2 / (f[m+2] - f[m]) */
};

/* Log of the mel energies. */
enum {
    WMEL_LOG10_CLAMP = 0,          /* log10(max(m, guard)) (Whisper, guard 1e-10) */
    WMEL_LOG_ADD = 1,              /* ln(m + guard) (NeMo, guard 2^-24) */
    WMEL_LOG_CLAMP = 2,            /* ln(max(m, guard)) (Kaldi, guard FLT_EPSILON) */
    WMEL_LOG_NONE = 3,             /* the mel energies themselves */
    WMEL_LOG_ZERO = 4,             /* ln(m), ln(guard) where m is 0 (python_speech_features,
                                      spafe: guard DBL_EPSILON): any other m, however small,
                                      is taken as it is; an m below the smallest normal
                                      double (2.2e-308) counts as 0 */
    WMEL_LOG10_ZERO = 5            /* log10(m), log10(guard) where m is 0 (the same rule) */
};

/* Valid frames (those kept and counted by the normalisation). */
enum {
    WMEL_VALID_ALL = 0,            /* every frame */
    WMEL_VALID_HOP = 1,            /* the first n / hop frames; later ones are 0 (NeMo) */
    WMEL_VALID_TRIM = 2,           /* the first n / hop frames; later ones are dropped
                                      (Whisper: the last STFT frame) */
    WMEL_VALID_END = 3,            /* frames whose span's last sample is a sample of the
                                      signal (not padding); later ones are 0 (Gemma4) */
    WMEL_VALID_CEIL = 4,           /* the first ceil(n / hop) frames; later ones are 0 (Inkling) */
    WMEL_VALID_BUT_LAST = 5        /* every frame but the last; it is 0 (NeMo exact_pad's
                                      floor((n + 2 pad - n_fft) / hop)) */
};

/* wmel_frontend_plan.pad_mode: the samples pad_left and pad_right add. */
enum {
    WMEL_PAD_ZERO = 0,             /* zeros */
    WMEL_PAD_REFLECT = 1           /* numpy/torch "reflect" (x[-i] = x[i]); needs n > pad_left
                                      and n > pad_right (else WMEL_ERR_TOO_SHORT) */
};

/* Output layout. */
enum {
    WMEL_LAYOUT_MELS_FRAMES = 0,   /* [columns][frames] (Whisper, NeMo) */
    WMEL_LAYOUT_FRAMES_MELS = 1    /* [frames][columns] (Kaldi, Seamless) */
};

typedef struct wmel_frontend_plan {
    int frontend;      /* WMEL_FRONTEND_*: the family the plan came from (names it) */
    int sample_rate;   /* Hz, 1000..384000: the mel bank's frequencies refer to it */
    int frame_length;  /* window length in samples, 2..n_fft */
    int hop;           /* frame shift in samples, >= 1; n_fft <= 64 hop unless n_fft <= 1024
                          (the transform's work per input sample) */
    int n_fft;         /* transform size: even, 4..65536, n_fft / 2 = 2^a 3^b 5^c */
    int window;        /* WMEL_WINDOW_* */
    int framing;       /* WMEL_FRAMES_* */
    int remove_dc;     /* 1: subtract each frame's mean (Kaldi) */
    int preemph_mode;  /* WMEL_PREEMPH_* */
    int mel_scale;     /* WMEL_MEL_* */
    int mel_norm;      /* WMEL_MELNORM_* */
    int n_mels;        /* 1..512 */
    int power;         /* 2: power spectrum, 1: magnitude */
    int log;           /* WMEL_LOG* */
    int use_energy;    /* 1: a log-energy column before the mel columns (Kaldi); with n_ceps
                          the log energy replaces c0 */
    int norm;          /* WMEL_NORM_WHOLE / NONE / PER_FEATURE / MEAN_VAR */
    int valid;         /* WMEL_VALID_* */
    int stack;         /* 1..8: consecutive frames per output row (Seamless 2) */
    int pad_to;        /* 0 or a multiple the frame count is padded to with zeros (NeMo) */
    int layout;        /* WMEL_LAYOUT_* */
    int reserved_i[6]; /* zero */
    double scale;      /* samples are multiplied by it first (Kaldi, Seamless: 32768) */
    double preemph;    /* pre-emphasis coefficient, 0..1 (0: none) */
    double low_freq;   /* Hz, >= 0 */
    double high_freq;  /* Hz; <= 0 means Nyquist + high_freq (Kaldi's rule) */
    double log_guard;  /* the log's guard (see the log kinds), > 0 */
    double norm_eps;   /* the normalisation's epsilon, >= 0 */
    double energy_floor; /* > 0: the log energy is at least ln(energy_floor) */
    double reserved_d[5]; /* zero */
    /* Appended fields; 0 keeps the behaviour of the plans that came before them. */
    int bank_flags;      /* WMEL_BANK_* bits */
    int mag_guard_mode;  /* WMEL_MAG_GUARD_* */
    int norm_flags;      /* WMEL_NORMF_* bits */
    int n_frames;        /* > 0: the output has exactly this many frames (before stacking):
                            later frames are not computed, missing ones are pad_value;
                            at most 2^20, and n_frames x the values of a frame ((n_mels +
                            use_energy, or n_ceps) x 2 with deltas x stack / stride) at most 2^26
                            (256 MiB of float32) */
    int affine;          /* 1: x post_scale + post_shift on every frame after the
                            normalisation and the padding (AST, CLAP's dB x 10) */
    int reserved_i2[3];  /* zero */
    double mag_guard;    /* WMEL_MAG_GUARD_*'s value, > 0 */
    double norm_max;     /* WMEL_NORMF_FIXED_MAX: the max of WMEL_NORM_WHOLE (finite) */
    double norm_range;   /* WMEL_NORM_WHOLE: values below max - norm_range are raised to it
                            (0: 8, Whisper's) */
    double post_scale;   /* affine: the factor (finite); the plan is refused where it carries
                            a value past float32's range: pad_value, or a log plan's values
                            (|log| <= 745, whose normalisation is none, whole or mean-only);
                            otherwise an overflow is WMEL_ERR_SAMPLE_RANGE */
    double post_shift;   /* affine: the offset (finite) */
    double pad_value;    /* frames past the valid ones, pad_to's and n_frames' padding (before
                            the affine); stacking's missing frames stay 0 */
    double window_coeff; /* WMEL_WINDOW_BLACKMAN: a, 0 < a < 1 (0: 0.42) */
    double reserved_d2[3]; /* zero */
    /* Appended fields (Kaldi's dither and raw_energy); 0 keeps the behaviour before them. */
    int energy_windowed; /* use_energy: 1: the log energy of the frame after dither, DC removal,
                            frame pre-emphasis and the window (Kaldi raw_energy=false); 0: after
                            dither and DC removal only (raw_energy=true) */
    int dither_seed;     /* the dither's seed: any value, taken as an unsigned 32-bit number */
    double dither;       /* >= 0, finite: each frame's samples (after scale) get
                            dither * wmel_dither_gauss(dither_seed, t, j) added before DC removal
                            (Kaldi's dither; t the absolute frame index, j the sample in it) */
    /* Appended fields (explicit framing: the framing paragraph above); 0 keeps the framing
       field's own. All but 0 need WMEL_FRAMES_SNIP. */
    int pad_left;        /* 0..max(n_fft, frame_span): samples (pad_mode's) before the signal */
    int pad_right;       /* 0..max(n_fft, frame_span): samples (pad_mode's) after the signal and
                            pad_multiple's zeros */
    int pad_multiple;    /* 0..2^20 (0, 1: none): zeros after the signal up to a multiple of it
                            (of n; the pads not counted): transformers' pad_to_multiple_of
                            (Gemma 128), Inkling's right pad (hop); not with WMEL_PAD_REFLECT */
    int pad_mode;        /* WMEL_PAD_*: what pad_left and pad_right add */
    int frame_span;      /* 0: frame_length; else frame_length..2^20: the samples a frame
                            spans, which the frame count needs inside the padded signal */
    int window_offset;   /* 0..span - frame_length: the window's first sample in the span */
    /* Appended fields (Kaldi's VTLN warp); 0 keeps the behaviour before them. */
    double vtln_warp;    /* 0 or 1: no warp; else the factor w, 0.01..100 (WMEL_MEL_KALDI only):
                            each Kaldi filter's edges and centre f move to F(f), Kaldi's
                            piecewise-linear VtlnWarpFreq: F(lo) = lo, F(hi) = hi (the bank's
                            range), F(f) = f / w between l = vtln_low max(1, w) and
                            h = vtln_high min(1, w), straight lines outside */
    double vtln_low;     /* Hz, the warp's lower cutoff, low_freq < vtln_low < high edge
                            (0: Kaldi's default 100); with vtln_warp only */
    double vtln_high;    /* Hz, the upper cutoff, vtln_low < vtln_high < high edge; < 0: Nyquist
                            plus it (0: Kaldi's default -500); with vtln_warp only */
    /* Appended fields (LFR stacking, the stack's tail, deltas, the per-column affine's place);
       0 keeps the behaviour before them. See "Stacking, deltas" below. */
    int stack_stride;    /* 0: stack (consecutive rows share no frame); 1..8: output row r starts
                            at frame r stack_stride - stack_left (LFR's n; stack is LFR's m) */
    int stack_left;      /* 0..stack - 1: copies of frame 0 before it (LFR: (m - 1) / 2) */
    int stack_tail;      /* WMEL_STACK_TAIL_*: a row's slots past the last frame */
    int delta_win;       /* 0, or 3..63: delta columns appended to every frame (torchaudio
                            compute_deltas with this win_length) before stacking */
    int cols_stacked;    /* 1: the per-column affine (wmel_create_plan_cols) applies to the
                            output rows after stacking (FunASR's am.mvn on the LFR vector),
                            with one value per output column; 0: before deltas and stacking */
    int reserved_i3;     /* zero */
    double stack_fill;   /* WMEL_STACK_TAIL_FILL: the value of the missing slots (finite) */
    /* Appended fields (the linear spectrum: no mel bank); 0 keeps the behaviour before them. */
    int linear_bins;     /* 1: no mel bank: column m (m < n_mels) is the power (or magnitude) of
                            FFT bin first_bin + m itself, first_bin + n_mels <= n_fft / 2 + 1
                            (torchaudio Spectrogram, Kaldi's spectrogram); mel_scale, mel_norm,
                            low_freq, high_freq, vtln_* and the bank's bank_flags are unused */
    int first_bin;       /* linear_bins: the first bin, 0 .. n_fft / 2 (0 without linear_bins) */
    /* Appended fields (cepstra: Kaldi's MFCC); 0 keeps the behaviour before them. See
       "Cepstra" below. */
    int n_ceps;          /* 0: no DCT; 1..n_mels: the frame's columns are n_ceps cepstra, Kaldi's
                            MFCC of the log mel energies (needs a mel bank and a log) */
    int ceps_htk;        /* n_ceps: 1: Kaldi's htk_compat: c0 (or the energy) moved last, c0
                            times sqrt(2) without use_energy; 0: Kaldi's default order */
    double cepstral_lifter; /* n_ceps: Q >= 0, finite (0: none): cepstrum i times
                            1 + Q / 2 sin(pi i / Q) (Kaldi's cepstral_lifter, 22 by default) */
    /* Appended fields (the clip's length); 0 keeps the behaviour before them. */
    int n_samples;       /* 0: the clip as given; 1..2^26: exactly this many samples, the clip
                            cut to them or zeros after it, before anything else (openai-whisper's
                            pad_or_trim: 480000, 30 s; wmel_log_mel's padding counts among the
                            zeros). The whole-clip entry points and wmel_long_* take it; a
                            stream and the sliding buffer refuse the plan
                            (WMEL_ERR_INVALID_ARG), the device-memory entry points too
                            (WMEL_ERR_BACKEND_UNAVAILABLE, the reason in
                            wmel_vulkan_error_detail()) */
    int batch_axis;      /* 1: the output is stated with a leading axis of 1 (a batch of one):
                            the command line's .npy is (1, rows, cols), Python's array too; the
                            values and wmel_features_shape's rows and cols are the same */
} wmel_frontend_plan;

/* wmel_frontend_plan's members in their order, for code that moves a plan member by member
 * (a binding's dict or record): M(name, type) for each member, R(name, type, count) for the
 * reserved ones (zero). The library's JSON round-trip check and the Python package take the
 * members from here; tests/api/test_plan_fields.c holds it to the struct. */
#define WMEL_FRONTEND_PLAN_MEMBERS(M, R)                                                                        \
    M(frontend, int) M(sample_rate, int) M(frame_length, int) M(hop, int) M(n_fft, int) M(window, int)          \
    M(framing, int) M(remove_dc, int) M(preemph_mode, int) M(mel_scale, int) M(mel_norm, int) M(n_mels, int)   \
    M(power, int) M(log, int) M(use_energy, int) M(norm, int) M(valid, int) M(stack, int) M(pad_to, int)        \
    M(layout, int) R(reserved_i, int, 6) M(scale, double) M(preemph, double) M(low_freq, double)                \
    M(high_freq, double) M(log_guard, double) M(norm_eps, double) M(energy_floor, double)                     \
    R(reserved_d, double, 5) M(bank_flags, int) M(mag_guard_mode, int) M(norm_flags, int) M(n_frames, int)      \
    M(affine, int) R(reserved_i2, int, 3) M(mag_guard, double) M(norm_max, double) M(norm_range, double)        \
    M(post_scale, double) M(post_shift, double) M(pad_value, double) M(window_coeff, double)                  \
    R(reserved_d2, double, 3) M(energy_windowed, int) M(dither_seed, int) M(dither, double) M(pad_left, int)    \
    M(pad_right, int) M(pad_multiple, int) M(pad_mode, int) M(frame_span, int) M(window_offset, int)          \
    M(vtln_warp, double) M(vtln_low, double) M(vtln_high, double) M(stack_stride, int) M(stack_left, int)       \
    M(stack_tail, int) M(delta_win, int) M(cols_stacked, int) R(reserved_i3, int, 1) M(stack_fill, double)    \
    M(linear_bins, int) M(first_bin, int) M(n_ceps, int) M(ceps_htk, int) M(cepstral_lifter, double)          \
    M(n_samples, int) M(batch_axis, int)

/* Cepstra (n_ceps > 0). Each frame's log mel energies l[0 .. N) (N = n_mels, the plan's log:
 * Kaldi's is WMEL_LOG_CLAMP with guard FLT_EPSILON) become, in double,
 *   c[k] = sum_j D[k][j] l[j], D[0][j] = sqrt(1 / N), D[k][j] = sqrt(2 / N) cos(pi / N (j + 0.5) k)
 * for k = 0 .. n_ceps - 1 (Kaldi's ComputeDctMatrix: the orthonormal DCT-II), then
 * c[k] *= 1 + Q / 2 sin(pi k / Q) when cepstral_lifter Q > 0, then with use_energy c[0] is
 * replaced by the log energy (the energy column's value: energy_floor, energy_windowed as
 * there), and with ceps_htk the columns are c[1 .. n_ceps), then c[0] (times sqrt(2) without
 * use_energy). The frame has n_ceps columns (the energy is not a column of its own): the
 * valid frames, the normalisation, padding, the affine, deltas and stacking then treat
 * them as they treat mel columns. Kaldi compute-mfcc-feats, kaldi-native-fbank's Mfcc and
 * torchaudio.compliance.kaldi.mfcc are WMEL_FRONTEND_KALDI's plan with n_ceps 13,
 * n_mels 23, cepstral_lifter 22 (and use_energy 1, energy_floor 0 for kaldi-native-fbank's
 * defaults); lhotse's Mfcc the preset lhotse-mfcc. n_ceps needs a mel bank (not linear_bins)
 * and a log (not WMEL_LOG_NONE): the cepstrum of a log spectrum. */

/* Stacking, deltas (the fields above). After the finish (normalisation, padding, the affine
 * and the per-column affine unless cols_stacked) the plan has T frames of w columns
 * (wmel_features' frames before stacking). Then, with delta_win = W (N = (W - 1) / 2):
 *   d[t] = sum_{k=1..N} k (x[min(t + k, T - 1)] - x[max(t - k, 0)]) / (N (N + 1) (2N + 1) / 3)
 * in double from the float32 values, one rounding (torchaudio compute_deltas, replicated
 * edges; W 3: (x[t + 1] - x[t - 1]) / 2), appended: each frame [x, d], 2 w columns.
 * Then row r of the output, for slot k = 0..stack - 1, holds frame s = r S + k - L
 * (S = stack_stride or stack, L = stack_left): frame 0 when s < 0, and past the last frame
 * the tail rule's value. Rows: ceil(T / S), or floor(T / stack) for DROP and TRIM. Then,
 * with cols_stacked, the per-column affine on each row's stack * w (x 2) values.
 * stack k with every field here 0 is the stacking before them (LFR m = n = k, zero tail).
 * A plan with any of these fields non-zero needs the WMEL_LAYOUT_FRAMES_MELS layout. */
enum {
    WMEL_STACK_TAIL_ZERO = 0,      /* 0.0 (Seamless's stacking) */
    WMEL_STACK_TAIL_DROP = 1,      /* a last row that would be incomplete is dropped, after the
                                      normalisation (GraniteSpeech: the odd last frame) */
    WMEL_STACK_TAIL_TRIM = 2,      /* the frames past the last whole row are not part of the
                                      output at all: left out before the normalisation, whose
                                      statistics (max) do not see them (GraniteSpeech 5) */
    WMEL_STACK_TAIL_LAST = 3,      /* copies of the last frame (FunASR's LFR) */
    WMEL_STACK_TAIL_FILL = 4       /* stack_fill (Xcodec2 pads frames with 1.0) */
};

/* CMVN vectors from a file, as the per-column affine x scale[c] + shift[c] of
 * wmel_create_plan_cols:
 *  - Kaldi CMVN statistics (cmvn.ark, compute-cmvn-stats: a 2 x (D + 1) matrix, text
 *    "[ ... ]" or binary "\0B" with BDM/BFM, an optional key before it): count = the
 *    first row's last value, mean = sum / count, var = sumsq / count - mean^2 floored at
 *    1e-20, scale 1 / sqrt(var), shift -mean scale (FireRedASR's CMVN);
 *  - FunASR's am.mvn (a Kaldi nnet1 text with <AddShift> and <Rescale> components):
 *    (x + addshift) rescale, scale = rescale, shift = addshift rescale (the LFR vector's
 *    D = m n_mels values; a plan with cols_stacked 1).
 * The format is told from the content. *n receives D; scale and shift cap values each.
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_IO (wmel_cmvn_load: the file cannot be read),
 * WMEL_ERR_INVALID_ARG (malformed: msg says where and what; a count below 1, a value not
 * finite, D outside 1..65536), WMEL_ERR_BUFFER_TOO_SMALL (cap < D; *n says D). msg:
 * msg_len bytes with the NUL, may be NULL. Thread-safety: pure (load: reads the file). */
WMEL_API int wmel_cmvn_parse(const void *data, size_t size, double *scale, double *shift, size_t cap,
                             size_t *n, char *msg, size_t msg_len);
WMEL_API int wmel_cmvn_load(const char *path, double *scale, double *shift, size_t cap, size_t *n,
                            char *msg, size_t msg_len);

/* The dither's noise: a pure, counter-based function of (seed, absolute frame t, sample j
 * of the frame), the same on every path (whole clip, any thread count or ISA, the stream,
 * the sliding buffer, wmel_long_*, the reference). With splitmix64(z) =
 *   z += 0x9E3779B97F4A7C15; z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9;
 *   z = (z ^ z >> 27) * 0x94D049BB133111EB; return z ^ z >> 31     (64-bit unsigned)
 * k = splitmix64(splitmix64((uint32_t)seed) ^ t), a = splitmix64(k ^ 2 j),
 * b = splitmix64(k ^ (2 j + 1)), u1 = ((a >> 11) + 1) 2^-53 (in (0, 1]),
 * u2 = (b >> 11) 2^-53 (in [0, 1)): the value is sqrt(-2 ln u1) cos(2 pi u2) (Box-Muller),
 * a standard normal deviate, in double: ln and cos are wmel's own (src/kernels/noise.h: ln
 * within 1 ulp, cos within 1 ulp, the value within 4 ulp of the exact one), sqrt IEEE's, each
 * operation rounded once in a fixed order, so the value has the same bits on every processor,
 * platform and device (the CUDA and Vulkan frame kernels compute it too). Another library's random
 * numbers (Kaldi's, kaldi-native-fbank's, torch's) cannot be matched bit for bit: dithered
 * features agree with theirs in distribution only. Thread-safety: pure. */
WMEL_API double wmel_dither_gauss(int seed, unsigned long long t, int j);

/* Fills *plan with a preset (every field set; reserved ones zero).
 *  WHISPER: 400/160/400, periodic Hann, centre reflect, Slaney/slaney, log10 clamp 1e-10,
 *    WMEL_NORM_WHOLE, [n_mels][n/160] (n_mels 80 or 128).
 *  NEMO: 400/160/512, symmetric Hann, centre zero, pre-emphasis 0.97 on the signal,
 *    Slaney/slaney 0..8000 Hz, power 2, ln(m + 2^-24), PER_FEATURE eps 1e-5, n / 160 valid
 *    frames, [n_mels][n/160 + 1]. NEMO_LEGACY: the same with centre reflect, all valid.
 *  KALDI: 400/160/512 snip_edges, DC removal, pre-emphasis 0.97 per frame, Povey, Kaldi mel
 *    20..8000 Hz, power 2, ln(max(m, FLT_EPSILON)), scale 32768, no normalisation,
 *    [frames][n_mels].
 *  SEAMLESS: KALDI with guard 1.192092955078125e-07, MEAN_VAR eps 1e-7, stack 2,
 *    [ceil(frames / 2)][2 n_mels].
 * n_mels: 1..512 (WHISPER: 80 or 128; 0 = the preset's own: 80, NEMO 80).
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG (unknown frontend, n_mels).
 * Thread-safety: pure. */
WMEL_API int wmel_frontend_preset(int frontend, int n_mels, wmel_frontend_plan *plan);

/* Checks a plan as wmel_create_plan() does -- every field's range, and for a Kaldi or TF mel
 * bank that each filter has an FFT bin under it (unless WMEL_BANK_ALLOW_EMPTY) -- without
 * building anything. On failure
 * it writes a sentence naming the field, its value and what is allowed into msg (at most
 * msg_len bytes with the terminating NUL; msg may be NULL), for example "n_mels 128: Kaldi
 * mel filter 3 (from 0) has no FFT bin under it (n_fft 512, 20 .. 8000 Hz), which Kaldi
 * refuses too; at most 126 bins here: lower n_mels or low_freq, or raise n_fft". On
 * success msg holds "". Returns WMEL_OK, WMEL_ERR_NULL_POINTER (plan; msg says so) or
 * WMEL_ERR_INVALID_ARG: the status wmel_create_plan() gives for the plan, memory and
 * backend aside. Thread-safety: pure. */
WMEL_API int wmel_plan_check(const wmel_frontend_plan *plan, char *msg, size_t msg_len);

/* The plan whose frames a stream of `in` gives (wmel_stream_create on its ctx): in with the
 * clip's normalisation off -- norm WMEL_NORM_NONE, its variants' fields (norm_flags, norm_max,
 * norm_range) 0 -- every other field as in. A finish that pads, cuts or maps the clip's frames
 * needs the whole clip and is refused, the field named in msg: n_frames, the affine
 * (post_scale, post_shift) and pad_value. Stacking, deltas and the valid-frame rule stay in
 * the plan: the stream's frames are unstacked whatever they say. `wmel stream` and Python's
 * wmel.Stream build their ctx from this plan. out may be in; it is written only on success.
 * msg: msg_len bytes with the NUL (may be NULL), "" on success. Errors:
 * WMEL_ERR_NULL_POINTER (in or out), WMEL_ERR_INVALID_ARG (a plan wmel_plan_check refuses,
 * with its sentence; a finish above). Thread-safety: pure. */
WMEL_API int wmel_plan_for_stream(const wmel_frontend_plan *in, wmel_frontend_plan *out, char *msg,
                                  size_t msg_len);

/* The frame counts of a plan for a clip of n samples, as wmel_features computes it:
 *   stft      the STFT frames the framing gives (explicit padding and frame_span included);
 *   valid     the frames the normalisation's statistics see (the plan's valid rule, at most
 *             n_frames, and TRIM's whole rows);
 *   computed  the output's frames wmel_features computes (every STFT frame with
 *             WMEL_VALID_ALL, else the valid ones; at most n_frames and frames); the
 *             output's other frames are pad_value;
 *   frames    the output's frames before stacking (padded to pad_to, or n_frames exactly);
 *   rows, cols  the output's shape (wmel_features_shape of the plan's ctx).
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG (a plan wmel_plan_check refuses),
 * WMEL_ERR_NO_SAMPLES (n == 0), WMEL_ERR_TOO_SHORT (a reflection needs more samples),
 * WMEL_ERR_OVERFLOW. out is written only on success. Thread-safety: pure. */
typedef struct wmel_plan_counts {
    size_t stft, valid, computed, frames, rows, cols;
} wmel_plan_counts;
WMEL_API int wmel_plan_frames(const wmel_frontend_plan *plan, size_t n, wmel_plan_counts *out);

/* The centre frequency in Hz of each of the plan's mel filters (plan->n_mels values into
 * hz), on the plan's own scale and band: what a picture's frequency axis labels. Errors:
 * WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG (a plan wmel_plan_check refuses),
 * WMEL_ERR_BUFFER_TOO_SMALL (hz_len < n_mels). Thread-safety: pure. */
WMEL_API int wmel_mel_centres(const wmel_frontend_plan *plan, double *hz, size_t hz_len);

/* Sets one option of a preset's plan from its name and its value as text -- the options of
 * `wmel mel --frontend F` and of Python's wmel.features(), which both go through here, so
 * that one mistake gives one sentence everywhere. Which options apply is the plan's
 * front-end's (plan->frontend):
 *   n_mels N        whisper 80 or 128; the others 1..512
 *   normalize K     nemo per_feature|all_features|mean|whole|none, seamless and kaldi
 *                   mean_var|mean|whole|none (mean: WMEL_NORMF_MEAN_ONLY; all_features: _ALL;
 *                   whole: WMEL_NORM_WHOLE, Whisper's max - 8 and (x + 4) / 4)
 *   window W        kaldi povey|hamming|hann|blackman|bartlett|rect, nemo the same but povey
 *   scale S         nemo, kaldi, seamless: non-zero, |S| <= 1e12
 *   low_freq F      nemo, kaldi, seamless: Hz >= 0
 *   high_freq F     nemo, kaldi, seamless: Hz (<= 0: Nyquist plus F)
 *   use_energy B    kaldi: 1|0|true|false
 *   energy_floor F  kaldi, after use_energy 1: >= 0
 *   legacy B        nemo: NeMo before mid-2025 (WMEL_FRONTEND_NEMO_LEGACY's framing)
 *   pad_to N        nemo: 0..65536
 * and the capabilities every front-end takes (the appended fields):
 *   mel_scale S     slaney|kaldi|htk|tf          mel_norm N      none|slaney
 *   empty_filters B WMEL_BANK_ALLOW_EMPTY        bf16 B          WMEL_BANK_BF16
 *   htk_bank B      WMEL_BANK_HTK (after vtln_high)
 *   symmetric_bank B WMEL_BANK_SYMMETRIC (after first_bin)
 *   snap_bins B     WMEL_BANK_SNAP_BINS (the last option, after then_norm)
 *   window_coeff A  blackman's, 0 < A < 1 (after window blackman)
 *   power P         1|2                          mag_guard G     none|max:G|add:G, G > 0
 *   log_guard G     > 0                          norm_eps E      >= 0
 *   norm_ddof D     1|0 (0: WMEL_NORMF_POPULATION)
 *   norm_max M      WMEL_NORMF_FIXED_MAX with M  norm_range R    > 0
 *   n_frames N      0..2^24                      pad_value V     |V| <= 1e30
 *   post_scale A, post_shift B: the affine (either sets affine 1, the other starting at 1, 0)
 *   remove_dc B     each frame's mean subtracted   preemph P       the coefficient, 0..1
 * and the geometry, by the fields' own names (every front-end; the check then says what fits):
 *   sample_rate N (1000..384000), frame_length N (2..65536), hop N (1..2^20), n_fft N
 *   (4..65536), stack N (1..8), framing snip|center_reflect|center_zero|kaldi_center, preemph_mode
 *   frame|signal|padded|padded_cut, log log10_clamp|ln_add|ln_clamp|none|ln_zero|log10_zero,
 *   valid all|hop|trim, layout
 *   mels_frames|frames_mels; window also takes hann_periodic, hamming_periodic,
 *   blackman_periodic and bartlett_periodic (nemo, kaldi).
 *   dither D        the noise's standard deviation, 0 .. 1e30 (wmel_dither_gauss)
 *   dither_seed S   0 .. 4294967295              raw_energy B    1|0 (0: energy_windowed 1,
 *                                                after use_energy 1)
 * and the explicit framing (every front-end, with framing snip; nemo's exact_pad first):
 *   exact_pad B     nemo: NeMo's exact_pad from the plan's n_fft, hop and frame_length
 *                   (1: framing snip, pad_left = pad_right = (n_fft - hop) / 2 zeros,
 *                   preemph_mode padded_cut, frame_span n_fft, window_offset
 *                   (n_fft - frame_length) / 2, valid but_last; after legacy 1: reflect,
 *                   padded, valid all; 0: NeMo's centred framing and signal back)
 *   pad_left N, pad_right N, pad_multiple N, frame_span N, window_offset N (0..2^20),
 *   pad_mode zero|reflect; valid also takes end, ceil and but_last.
 *   vtln_warp W     0.01..100 (0 or 1: none)     vtln_low F, vtln_high F: the warp's cutoffs
 *                                                in Hz (after vtln_warp; high < 0: Nyquist plus it)
 * Numbers are read by strtod (a double's shortest round-trip text gives it back exactly).
 * Every option, in its order, with its values and families: wmel_plan_field_info() below
 * (docs/plan-options.md).
 * Options are set in the order above; the whole plan is then checked by wmel_plan_check().
 * On failure it writes a sentence naming the option, the value and what is allowed into
 * msg (msg_len bytes with the NUL; msg may be NULL) and leaves the plan unchanged.
 * Returns WMEL_OK, WMEL_ERR_NULL_POINTER or WMEL_ERR_INVALID_ARG. Thread-safety: pure. */
WMEL_API int wmel_plan_set(wmel_frontend_plan *plan, const char *name, const char *value, char *msg,
                           size_t msg_len);

/* The options of wmel_plan_set, one record each, in the order it applies them (the order of
 * a plan's JSON): the names the command line (--NAME, '_' as '-'), the Python keywords and
 * docs/plan-options.md take from here. */
typedef enum wmel_plan_field_kind {
    WMEL_PLAN_FIELD_STR = 0,   /* a word (one of `values`) */
    WMEL_PLAN_FIELD_BOOL = 1,  /* 1|0|true|false */
    WMEL_PLAN_FIELD_INT = 2,   /* a whole number */
    WMEL_PLAN_FIELD_NUM = 3,   /* a number (strtod) */
    WMEL_PLAN_FIELD_GUARD = 4  /* none, max:G or add:G (mag_guard) */
} wmel_plan_field_kind;
/* wmel_plan_field.group: the heading a help lists it under. */
typedef enum wmel_plan_group {
    WMEL_PLAN_GROUP_FRONTEND = 0, /* the options of some families (frontends says which) */
    WMEL_PLAN_GROUP_CAPS = 1,     /* the capabilities every family takes */
    WMEL_PLAN_GROUP_GEOMETRY = 2, /* the geometry and the pipeline's kinds */
    WMEL_PLAN_GROUP_FRAMING = 3,  /* the explicit framing */
    WMEL_PLAN_GROUP_MORE = 4      /* VTLN, the bank's variants, stacking, deltas, cepstra */
} wmel_plan_group;
/* wmel_plan_field.flags */
#define WMEL_PLAN_FIELD_SWITCH 1u   /* the command line's switch: given without a value ("1") */
#define WMEL_PLAN_FIELD_FINISH 2u   /* an option of the output's finish (after the frames) */
#define WMEL_PLAN_FIELD_SET_ONLY 4u /* sets other fields; wmel_plan_to_json writes those */
#define WMEL_PLAN_FIELD_OWN_HELP 8u /* a command's help lists it with its own options */
#define WMEL_PLAN_FIELD_STAGED 16u  /* `wmel inspect`'s stage texts describe it (the page names the others) */
typedef struct wmel_plan_field {
    const char *name;    /* wmel_plan_set's name, the JSON key */
    const char *arg;     /* the value's placeholder in a help ("N", "F", "M/N") */
    const char *values;  /* the values it takes, in short ("none|max:G|add:G, G > 0") */
    const char *doc;     /* what it does, one line */
    int kind;            /* WMEL_PLAN_FIELD_STR .. _GUARD */
    int group;           /* WMEL_PLAN_GROUP_* */
    unsigned frontends;  /* bit 1 << WMEL_FRONTEND_*: the families that take it */
    unsigned flags;      /* WMEL_PLAN_FIELD_SWITCH | _FINISH | _SET_ONLY | _OWN_HELP | _STAGED */
} wmel_plan_field;
/* The options' count, and the i-th option's record (static; NULL past the end).
 * Thread-safety: pure. */
WMEL_API size_t wmel_plan_field_count(void);
WMEL_API const wmel_plan_field *wmel_plan_field_info(size_t i);

/* A plan as JSON (docs/frontends.md, "Presets"): one flat object,
 *   {"frontend": "kaldi", "window": "hamming", "normalize": "mean", "name": "wespeaker", ...}
 * "frontend" (whisper, nemo, nemo-legacy, kaldi, seamless) names the preset the plan
 * starts from; every other key is a wmel_plan_set() option (a string, a number or
 * true/false, handed to it as text: a number's own digits), set in wmel_plan_set's order
 * whatever the text's order, or a metadata key the plan ignores (name, models, original,
 * matched, notes: a string or an array of strings). The per-column affine
 * (wmel_create_plan_cols) is not part of it.
 * wmel_plan_from_json parses len bytes (no NUL needed) strictly -- one object, no nesting,
 * no duplicate key, UTF-8, nothing after it -- and on success sets *plan (checked by
 * wmel_plan_check). On failure *plan is unchanged and msg (msg_len bytes with the NUL; may
 * be NULL) names the line, the key and the rule: "line 3: window hamm: the kaldi front-end
 * takes povey, hamming, hann, blackman, bartlett, sine or rect (periodic: hann_periodic, ...)". Returns WMEL_OK,
 * WMEL_ERR_NULL_POINTER, WMEL_ERR_NO_MEMORY or WMEL_ERR_INVALID_ARG. Thread-safety: pure. */
WMEL_API int wmel_plan_from_json(const char *text, size_t len, wmel_frontend_plan *plan, char *msg,
                                 size_t msg_len);
/* The most bytes wmel_plan_to_json writes, the NUL included. */
#define WMEL_PLAN_JSON_MAX 4096
/* Writes the plan as JSON into buf (buf_len bytes with the NUL): "frontend", then the
 * options that differ from that preset (numbers in their shortest round-trip digits), so
 * that wmel_plan_from_json gives the plan back field for field. A plan no option sequence
 * reaches (a normalisation its family's normalize does not take, as whisper's none) is
 * WMEL_ERR_INVALID_ARG with msg naming the field; WMEL_ERR_BUFFER_TOO_SMALL (buf_len
 * below the text's size; WMEL_PLAN_JSON_MAX always holds it), WMEL_ERR_NULL_POINTER. */
WMEL_API int wmel_plan_to_json(const wmel_frontend_plan *plan, char *buf, size_t buf_len, char *msg,
                               size_t msg_len);
/* The built-in presets (the files of presets/, also installed in share/wmel/presets): their
 * count, the name of the i-th (file-name order; NULL past the end), the JSON text of one
 * (NULL for an unknown name; static), and its plan (WMEL_ERR_INVALID_ARG for an unknown
 * name, with the names in msg). Thread-safety: pure. */
WMEL_API size_t wmel_preset_count(void);
WMEL_API const char *wmel_preset_name(size_t i);
WMEL_API const char *wmel_preset_json(const char *name);
WMEL_API int wmel_preset_plan(const char *name, wmel_frontend_plan *plan, char *msg, size_t msg_len);
/* A metadata key's value (name, models, original, matched, notes) of a plan's JSON text
 * into out (an array's strings joined by ", "; "" when absent). Errors:
 * WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG (not a metadata key, or text that
 * wmel_plan_from_json's parser refuses), WMEL_ERR_BUFFER_TOO_SMALL (cut to fit). */
WMEL_API int wmel_plan_json_meta(const char *text, size_t len, const char *key, char *out, size_t out_len);

/* The plan computing what a transformers feature extractor's configuration computes: text is
 * preprocessor_config.json (or processor_config.json, whose "feature_extractor" object, else
 * "audio_processor" object, is then read as transformers reads it: even an empty one, the
 * top-level keys then ignored), any JSON (a leading UTF-8 byte-order mark skipped); its "feature_extractor_type" names the class, which names a built-in preset
 * (written into preset, preset_len bytes with the NUL; may be NULL), and the configuration's
 * fields change that plan (feature_size or num_mel_bins to n_mels, sampling_rate, n_fft,
 * hop_length, win_length, preemphasis, the mel band, the log floor, the normalisation's
 * switches, ...: docs/frontends-hf.md, "From a transformers configuration"). Fields of the call
 * rather than of the features (padding, chunk lengths, attention masks) are left to the
 * caller. A field whose value wmel does not compute exactly is refused, never approximated:
 * WMEL_ERR_INVALID_ARG with msg naming the class, the field, its value and why, e.g.
 * "WhisperFeatureExtractor: dither 0.5: wmel computes dither 0 only: the original adds random
 * noise ...". Per-column values (CLVP's mel_norms, Gemma's per_bin_mean and per_bin_stddev)
 * are refused here: wmel_plan_from_hf_config_cols() gives them. An unknown class, one that
 * computes no spectrogram, or one whose preset this
 * wmel lacks ("needs preset NAME") is refused too. On failure *plan is unchanged.
 * Returns WMEL_OK, WMEL_ERR_NULL_POINTER, WMEL_ERR_NO_MEMORY or WMEL_ERR_INVALID_ARG.
 * Thread-safety: pure. */
WMEL_API int wmel_plan_from_hf_config(const char *text, size_t len, wmel_frontend_plan *plan, char *preset,
                                      size_t preset_len, char *msg, size_t msg_len);
/* wmel_plan_from_hf_config() that also takes the configuration's per-column values, which a
 * plan cannot hold and wmel_plan_from_hf_config refuses: CLVP's mel_norms (the features
 * divided by them: col_scale 1 / mel_norms, col_shift 0) and Gemma 3n / 4's per_bin_mean and
 * per_bin_stddev (x / std - mean / std: col_scale 1 / std, col_shift -mean / std; a missing
 * one is mean 0 or std 1), computed in double as wmel.hf's drop-ins compute them. They are
 * written to col_scale and col_shift (cap values each) with their count in *n_cols (the
 * plan's n_mels), for wmel_create_plan_cols(); *n_cols is 0 when the configuration has none
 * (null or absent: the plan alone computes the features). Each field must be an array of
 * n_mels finite numbers (nested arrays are read flattened, as numpy's reshape(-1); arrays
 * nested unevenly, which numpy's array refuses, are refused); mel_norms
 * of magnitude 1e-30 or more, a non-zero stddev. Errors: as wmel_plan_from_hf_config, and
 * WMEL_ERR_NULL_POINTER (a vector or n_cols), WMEL_ERR_BUFFER_TOO_SMALL (cap below n_mels;
 * then *plan is unchanged and *n_cols 0). Thread-safety: pure. */
WMEL_API int wmel_plan_from_hf_config_cols(const char *text, size_t len, wmel_frontend_plan *plan, char *preset,
                                           size_t preset_len, double *col_scale, double *col_shift, size_t cap,
                                           size_t *n_cols, char *msg, size_t msg_len);
/* The transformers classes wmel_plan_from_hf_config knows: the count, and the i-th class's
 * name (NULL past the end), its preset's name (*preset; may be NULL) and whether it is mapped
 * (*mapped 1) or waits for its preset (0: its configurations are refused). Thread-safety: pure. */
WMEL_API size_t wmel_hf_class_count(void);
WMEL_API const char *wmel_hf_class_name(size_t i, const char **preset, int *mapped);

/* Creates a context computing `plan` (copied; not referenced afterwards). From p (NULL
 * means wmel_default_params()) only backend, n_threads, max_isa, cuda_device, vulkan_device
 * and vulkan_arith are used.
 * WMEL_BACKEND_CUDA computes any plan's frames on the device (float64 or float-float: see
 * "CUDA: device pointers and streams"; a dithered plan's too, the noise drawn by the frame
 * kernel with wmel_dither_gauss's bits; the windowed energy's frames on the CPU:
 * wmel_op_backend() says which); with a
 * plan other than Whisper's, WMEL_BACKEND_AUTO times it beside Vulkan against the CPU (see
 * the backends above), and
 * wmel_cuda_log_mel_device() returns WMEL_ERR_BACKEND_UNAVAILABLE (device pointers:
 * wmel_cuda_features_device(), where the device makes the plan's finish).
 * WMEL_BACKEND_VULKAN computes any plan's frames on the device (a dithered plan's in float64
 * on a device with shaderInt64, the noise with wmel_dither_gauss's bits; else, and for the
 * windowed energy, on the CPU: wmel_op_backend() says which). Both also finish on the
 * device, in wmel_features and wmel_features_batch, the clips of a plan whose finish is the
 * per-feature normalisation, none or the clip's max clamp (with the appended variants,
 * WMEL_NORMF_THEN_MEAN_VAR and WMEL_NORMF_ALL among them; stacking, the per-column
 * scales, every post stage in the frames x columns layout (deltas, LFR) and the cepstra; on Vulkan a clip
 * longer than a round in a round of its own, its buffers grown up to 1 GiB), in float64 with
 * the bytes the CPU's finish gives on the device's values; any other finish runs on the
 * CPU (the environment variables WMEL_CUDA_DEVICE_FINISH=0 and WMEL_VULKAN_DEVICE_FINISH=0,
 * read once per process, keep it there; docs/cuda.md, docs/vulkan.md).
 * A ctx from a non-Whisper plan serves wmel_features(), the log-Mel entry points as its
 * wrappers (wmel_log_mel: the samples and `padding` zeros), the frame stream
 * (wmel_stream_*) and the sliding buffer (wmel_sliding_*, wmel_sliding_view included);
 * the 30 s transcribe windows (wmel_windows_*), Whisper's own, return
 * WMEL_ERR_INVALID_ARG for it.
 * Errors: WMEL_ERR_NULL_POINTER (plan), WMEL_ERR_INVALID_ARG (a field out of its range,
 * stack > 1 with the MELS_FRAMES layout, a mel filter with no FFT bin under it: which one,
 * wmel_plan_check() says),
 * WMEL_ERR_BACKEND_UNAVAILABLE, WMEL_ERR_NO_MEMORY. Thread-safety: as wmel_create(). */
WMEL_API wmel_ctx *wmel_create_plan(const wmel_params *p, const wmel_frontend_plan *plan,
                                    int *status);

/* wmel_create_plan() with a per-column affine after the plan's finish: every output frame's
 * column c (valid, padded and pad_value frames alike, before stacking) becomes
 * x col_scale[c] + col_shift[c] (in double, one rounding to float32), after the plan's own
 * affine: CLVP's division by mel_norms (scale 1 / mel_norms), Gemma's per-bin mean and
 * stddev, CMVN from Kaldi statistics (FireRedASR: shift -mean / std, scale 1 / std), NeMo's
 * fixed_mean / fixed_std. n_cols = n_mels + use_energy, or n_ceps (a plan with cols_stacked:
 * the output row's width, stack n_cols, x 2 with deltas: the vectors then apply to each
 * output row after the deltas and the stacking, FunASR's am.mvn; wmel_cmvn_load reads both
 * kinds of file); the vectors are copied. The
 * vectors live outside the plan (a plain value) and are fixed for the ctx's life, which
 * stays read-only. The ctx always takes the general path (Whisper's geometry too).
 * Errors: as wmel_create_plan, and WMEL_ERR_NULL_POINTER (a vector), WMEL_ERR_INVALID_ARG
 * (n_cols, a value not finite or above 1e30 in magnitude, a col_scale[c] that carries the
 * plan's bounded values past float32's range: |col_scale[c]| B + |col_shift[c]| > 3.4e38 with
 * B the post_scale rule's bound after the plan's affine; where the values have no bound, an
 * output value past float32's range makes the compute call return WMEL_ERR_SAMPLE_RANGE;
 * which value, wmel_plan_cols_check() says). Thread-safety: as wmel_create(). */
WMEL_API wmel_ctx *wmel_create_plan_cols(const wmel_params *p, const wmel_frontend_plan *plan,
                                         const double *col_scale, const double *col_shift,
                                         size_t n_cols, int *status);
/* Checks a plan and its per-column affine as wmel_create_plan_cols() does, without building
 * anything: the plan as wmel_plan_check(), then n_cols, each value's range and the bound on
 * what the affine carries. On failure it writes a sentence naming the value, its index and
 * what is allowed into msg (msg_len bytes with the NUL; msg may be NULL), for example
 * "col_scale[3] 1e+30, col_shift[3] 0: the values before the per-column affine reach 745 in
 * magnitude (...), and x col_scale + col_shift pass float32's range (|v| <= 3.4e38);
 * |col_scale[3]| at most 4.567e+35 here"; "" on success. Returns WMEL_OK,
 * WMEL_ERR_NULL_POINTER (plan or a vector; msg says which) or WMEL_ERR_INVALID_ARG: the
 * status wmel_create_plan_cols() gives, memory and backend aside. Thread-safety: pure. */
WMEL_API int wmel_plan_cols_check(const wmel_frontend_plan *plan, const double *col_scale,
                                  const double *col_shift, size_t n_cols, char *msg, size_t msg_len);
/* The ctx's per-column affine (n_cols >= its length, wmel_create_plan_cols's). Errors:
 * WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG (the ctx has none), WMEL_ERR_BUFFER_TOO_SMALL. */
WMEL_API int wmel_ctx_cols(const wmel_ctx *ctx, double *col_scale, double *col_shift, size_t n_cols);

/* Copies the ctx's plan into *plan (a ctx from wmel_create() has the WHISPER preset with
 * its n_mels and norm). Errors: WMEL_ERR_NULL_POINTER. */
WMEL_API int wmel_ctx_plan(const wmel_ctx *ctx, wmel_frontend_plan *plan);

/* Why n_samples samples are too short for the ctx's plan (the sentence to give with
 * WMEL_ERR_TOO_SHORT): the plan's own reflect reach -- n_fft / 2 with centred reflect
 * framing, the padding with snipped reflect padding -- into msg (at most msg_len bytes).
 * Returns 1 when it wrote a sentence, 0 when the plan has no reach of its own (then
 * wmel_strerror(WMEL_ERR_TOO_SHORT) says it) or ctx or msg is NULL. */
WMEL_API int wmel_ctx_too_short(const wmel_ctx *ctx, size_t n_samples, char *msg, size_t msg_len);

/* The shape of wmel_features()'s output for n_samples samples: *rows x *cols floats, in
 * the plan's layout (NEMO: n_mels x (n / 160 + 1) padded to pad_to; KALDI: frames x
 * n_mels (+1 with energy); SEAMLESS: ceil(frames / 2) x 2 n_mels; WHISPER: n_mels x n / 160).
 * rows or cols may be 0 (Kaldi and Seamless below frame_length samples: no frames).
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_NO_SAMPLES (n_samples == 0), WMEL_ERR_TOO_SHORT
 * (WHISPER n <= 200, centre reflect n <= n_fft / 2), WMEL_ERR_OVERFLOW. */
WMEL_API int wmel_features_shape(const wmel_ctx *ctx, size_t n_samples, size_t *rows,
                                 size_t *cols);

/* The ctx's features of one clip of mono float PCM (pcm: n_samples floats) into out
 * (capacity out_len floats, rows * cols used, see wmel_features_shape). Every output value
 * is finite: where an original gives NaN (a single valid frame's std or variance) the
 * value is 0, NeMo's own rule.
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_NO_SAMPLES (n_samples == 0), WMEL_ERR_TOO_SHORT,
 * WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_NOT_FINITE (NaN/Inf in pcm), WMEL_ERR_SAMPLE_RANGE
 * (finite samples whose values pass float32's range: Whisper's geometry, as wmel_log_mel,
 * and a plan with WMEL_LOG_NONE, whose mel energies are output as they are; the stream and
 * the sliding buffer say the same), WMEL_ERR_INVALID_ARG (pcm and out overlap),
 * WMEL_ERR_NO_MEMORY, WMEL_ERR_THREAD, WMEL_ERR_OVERFLOW. On error out is unspecified.
 * Memory: the general path allocates n_fft-sized scratch per worker; the ref backend
 * holds the clip's features in float64. Thread-safety: safe to call concurrently. */
WMEL_API int wmel_features(wmel_ctx *ctx, const float *pcm, size_t n_samples, float *out,
                           size_t out_len);

/* wmel_features() of `batch` clips of any lengths in one call: clip b is pcm[b] (n_samples[b]
 * floats; NULL only when n_samples[b] == 0), its features go to out[b] (capacity out_len[b]
 * floats, wmel_features_shape(ctx, n_samples[b]) used). Each clip's bytes are those of
 * wmel_features(ctx, pcm[b], n_samples[b], out[b], out_len[b]). On the CPU backends the clips
 * run one after another, each over the ctx's threads as wmel_features; on Vulkan the frames
 * of many clips share each dispatch (every plan, Whisper's geometry included; docs/vulkan-internals.md),
 * then each clip's finish runs on the CPU, over the ctx's threads where the clips hold enough
 * values (the bytes do not depend on it). Every clip's arguments are checked before any is computed: a clip that
 * wmel_features would refuse for its arguments (WMEL_ERR_NULL_POINTER, WMEL_ERR_NO_SAMPLES
 * for an empty clip, WMEL_ERR_TOO_SHORT, WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_OVERFLOW), or
 * an output that shares a byte with another clip's output or any clip's input
 * (WMEL_ERR_INVALID_ARG), fails the call with no output written. A clip whose samples fail
 * (WMEL_ERR_NOT_FINITE, WMEL_ERR_SAMPLE_RANGE) or a device error stops the call there: the
 * clips before it are written, it and the clips after it are unspecified.
 * failed (may be NULL): the index of the clip the returned status is about; batch on
 * WMEL_OK and for a status about no one clip (ctx, pcm, n_samples, out or out_len NULL with
 * batch > 0, WMEL_ERR_NO_MEMORY of the call's own tables). batch == 0 is OK (the arrays may
 * be NULL). Thread-safety: as wmel_features (the Vulkan backend runs one call's dispatches
 * at a time per ctx). */
WMEL_API int wmel_features_batch(wmel_ctx *ctx, const float *const *pcm, const size_t *n_samples,
                                 size_t batch, float *const *out, const size_t *out_len,
                                 size_t *failed);

/* The float64 reference of a front-end plan, stage by stage (what `wmel inspect --frontend`
 * shows and `--stages` writes): the intermediate arrays of the WMEL_BACKEND_REF computation
 * of wmel_features() for frames span->first + i * span->step, i < span->n_frames, of the
 * plan's STFT frames (SNIP: 1 + (n - frame_length) / hop; CENTER_*: 1 + n / hop; the frames
 * past the valid ones included), in double. Each pointer may be NULL (not stored):
 *   window   [frame_length]          the plan's window
 *   signal   [n_frames][frame_length] the samples the frame reads: x * scale, pre-emphasised
 *                                    (WMEL_PREEMPH_SIGNAL), padded beyond the clip, plus the
 *                                    frame's dither (dither * wmel_dither_gauss)
 *   dc       [n_frames][frame_length] after remove_dc (= signal without it)
 *   preemph  [n_frames][frame_length] after WMEL_PREEMPH_FRAME (= dc without it)
 *   windowed [n_frames][frame_length] x window (zero-padded to n_fft by the transform:
 *                                    the window of frame_length centred in n_fft for CENTER_*)
 *   power    [n_fft/2 + 1][n_frames]  |DFT|^power, a direct n_fft-point DFT in double
 *   mel      [n_mels][n_frames]       the dense mel bank @ power
 *   logmel   [n_cols][n_frames]       the plan's log (n_cols = n_mels + use_energy, the
 *                                    energy first; before the cepstra of n_ceps)
 * The clip-wide steps (valid frames, normalisation, stacking, layout) follow the plan's
 * documented rules from logmel. Any geometry (Whisper's too). Slow by design.
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG (a plan field, step 0, a frame past
 * the last), WMEL_ERR_NO_SAMPLES, WMEL_ERR_TOO_SHORT, WMEL_ERR_NOT_FINITE (NaN/Inf in pcm),
 * WMEL_ERR_OVERFLOW, WMEL_ERR_NO_MEMORY. n_frames == 0 is OK. Thread-safety: pure. */
typedef struct wmel_plan_stage_out {
    double *window, *signal, *dc, *preemph, *windowed, *power, *mel, *logmel;
} wmel_plan_stage_out;
WMEL_API int wmel_ref_plan_stages(const wmel_frontend_plan *plan, const float *pcm,
                                  size_t n_samples, const wmel_stage_span *span,
                                  wmel_plan_stage_out *out);

/* ---------------------------------------------------------------------------------- */
/* Audio files.                                                                         */

/* Reads a whole audio file as 16 kHz mono float samples in [-1, 1).
 * Built-in reader: RIFF/WAVE with PCM 8/16/24/32-bit or IEEE float 32/64-bit samples
 * (WAVE_FORMAT_EXTENSIBLE included), any rate up to 1 MHz and any channel layout FFmpeg
 * downmixes, resampled and downmixed to the same int16 samples (/ 32768) the FFmpeg
 * build gives (docs/decoding.md). Other codecs need the FFmpeg decoder (see
 * wmel_have_ffmpeg()).
 * path "-" reads standard input. *out is allocated with malloc (free it with
 * wmel_free); *n_out receives the sample count. err/err_len (may be NULL/0) receive a
 * one-line message naming the file and the reason; warnings (e.g. a truncated file
 * decoded anyway) are reported through `warn` (may be NULL) with the same format.
 * Errors: WMEL_ERR_IO, WMEL_ERR_FORMAT, WMEL_ERR_UNSUPPORTED, WMEL_ERR_CORRUPT,
 * WMEL_ERR_NO_SAMPLES, WMEL_ERR_NO_MEMORY, WMEL_ERR_NULL_POINTER. */
WMEL_API int wmel_read_wav(const char *path, float **out, size_t *n_out,
                           char *err, size_t err_len, char *warn, size_t warn_len);

/* Parses a WAV file held in memory; otherwise as wmel_read_wav (path is used only in
 * messages and may be NULL). */
WMEL_API int wmel_parse_wav(const void *data, size_t size, const char *name, float **out,
                            size_t *n_out, char *err, size_t err_len,
                            char *warn, size_t warn_len);

/* Releases memory returned by the library (and by wmel_alloc). NULL is a no-op. */
WMEL_API void wmel_free(void *p);

/* Memory for large outputs (free it with wmel_free): aligned to 64 bytes, and from 4 MiB
 * up aligned to 2 MiB with Linux's transparent huge pages asked for (madvise; where THP
 * is off this is a plain allocation). Writing fresh memory for the first time costs page
 * faults and zeroing, paid by whoever writes first; with huge pages there are ~1/500 as
 * many. `wmel bench --cold`, 600 s on one thread: 24.1 ms into a reused buffer, 33.5 ms
 * into a fresh one, 24.9 ms into a fresh one on huge pages (docs/performance.md).
 * numpy asks for huge pages for its own arrays from 4 MB. bytes == 0 gives a valid
 * minimal block; NULL when out of memory. */
WMEL_API void *wmel_alloc(size_t bytes);

/* ---------------------------------------------------------------------------------- */
/* Decoding any audio, streaming, transcribe windows.                                   */
/*
 * With FFmpeg (wmel_have_ffmpeg() == 1) any container/codec FFmpeg reads is decoded
 * in-process and converted to 16 kHz mono exactly as openai-whisper's load_audio does
 * (`ffmpeg -nostdin -threads 0 -i FILE -f s16le -ac 1 -acodec pcm_s16le -ar 16000 -`,
 * then / 32768): the samples are bit-identical to that command's output. Without
 * FFmpeg the same functions read WAV through the built-in reader (wmel_read_wav).
 * Messages (err, warnings) are one line naming the input ("(memory)" for bytes).
 */

/* 1 when this build decodes with FFmpeg's libraries, 0 when it has the WAV reader only. */
WMEL_API int wmel_have_ffmpeg(void);

/* A streaming decoder: samples come out in pieces; the whole PCM is never held (the
 * built-in WAV reader of a build without FFmpeg converts block by block too; it holds
 * standard input's bytes, read at open). */
typedef struct wmel_decoder wmel_decoder;

/* Opens a file (path "-" = standard input, any format, read as a stream). Returns NULL
 * on error with *status (may be NULL) and a message in err (may be NULL/0).
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_IO (cannot open/read), WMEL_ERR_NO_SAMPLES
 * (empty file), WMEL_ERR_FORMAT (not a format FFmpeg recognises, or no audio stream),
 * WMEL_ERR_UNSUPPORTED (no decoder for the codec), WMEL_ERR_DECODER, WMEL_ERR_NO_MEMORY.
 * Thread-safety: a decoder is used by one thread at a time; distinct decoders are
 * independent. */
WMEL_API wmel_decoder *wmel_decoder_open(const char *path, int *status, char *err,
                                         size_t err_len);

/* The same over bytes in memory (any format). The bytes must stay valid and unchanged
 * until wmel_decoder_close(). */
WMEL_API wmel_decoder *wmel_decoder_open_memory(const void *data, size_t size, int *status,
                                                char *err, size_t err_len);

/* Asked now and then whether to stop: non-zero stops the call in progress. */
typedef int (*wmel_interrupt_fn)(void *user);

/* wmel_decoder_open (path != NULL) or wmel_decoder_open_memory (path NULL: size bytes at
 * data) with an interrupt callback. interrupt (may be NULL) is called from the thread that
 * opens and reads, during the open (FFmpeg's I/O and probing, through AVIOInterruptCB) and
 * during every wmel_decoder_read (once per demuxed packet and per decoded frame, and
 * while FFmpeg waits for input), so a deadline or a Ctrl-C check stops even an input
 * that never ends or decodes for hours. When it returns non-zero the open or read fails
 * with WMEL_ERR_INTERRUPTED and the message "NAME: interrupted"; after that the decoder
 * can only be closed (nothing leaks). It must be cheap (it is called thousands of times a
 * second) and must not use the decoder. Without FFmpeg the WAV reader reads the header at
 * open, unchecked; reads check it before each block of samples. */
WMEL_API wmel_decoder *wmel_decoder_open_interruptible(const char *path, const void *data,
                                                       size_t size, wmel_interrupt_fn interrupt,
                                                       void *user, int *status, char *err,
                                                       size_t err_len);

/* Reads up to cap 16 kHz mono float samples into out; *got receives the count, 0 at the
 * end of the stream. Damaged packets that FFmpeg's CLI skips are skipped the same way
 * (see wmel_decoder_warning). At the end of a stream that produced no sample at all it
 * returns WMEL_ERR_NO_SAMPLES. Other errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_NO_MEMORY,
 * WMEL_ERR_DECODER, WMEL_ERR_IO, WMEL_ERR_INTERRUPTED (see wmel_decoder_open_interruptible);
 * the message is in wmel_decoder_error(). */
WMEL_API int wmel_decoder_read(wmel_decoder *d, float *out, size_t cap, size_t *got);

/* Warnings so far (skipped damaged packets, data cut short): "" when none. Never NULL;
 * valid until the next read or close. */
WMEL_API const char *wmel_decoder_warning(const wmel_decoder *d);

/* The message of the last failing call: "" when none. Never NULL. */
WMEL_API const char *wmel_decoder_error(const wmel_decoder *d);

/* The duration the container announces, in seconds; < 0 when unknown (e.g. stdin).
 * An estimate for progress reports, not a sample count. */
WMEL_API double wmel_decoder_duration(const wmel_decoder *d);

/* One line on what is decoded, e.g. "wav: pcm_s16le, 16000 Hz, 1 channel (mono), s16"
 * (FFmpeg builds) or "wav: built-in reader, pcm_s16le, 44100 Hz, 2 channels -> 16000 Hz
 * mono"; "" for NULL. Never NULL;
 * valid until close. */
WMEL_API const char *wmel_decoder_format(const wmel_decoder *d);

/* Samples returned by wmel_decoder_read so far. */
WMEL_API size_t wmel_decoder_samples(const wmel_decoder *d);

/* Reads the rest of the stream into *out (malloc'ed; free with wmel_free), *n samples.
 * Errors as wmel_decoder_read (then *out is NULL and *n 0; the message is in
 * wmel_decoder_error(), or none for WMEL_ERR_NO_MEMORY). */
WMEL_API int wmel_decoder_read_all(wmel_decoder *d, float **out, size_t *n);

/* Releases a decoder. NULL is a no-op. */
WMEL_API void wmel_decoder_close(wmel_decoder *d);

/* Decodes a whole file (path "-" = stdin) / bytes in memory into *out (malloc'ed; free
 * with wmel_free), *n samples. warn (may be NULL) receives "" or a warning. Errors as
 * wmel_decoder_open / wmel_decoder_read. Works without FFmpeg (WAV only). */
WMEL_API int wmel_load_audio(const char *path, float **out, size_t *n, char *err,
                             size_t err_len, char *warn, size_t warn_len);
WMEL_API int wmel_load_audio_memory(const void *data, size_t size, float **out, size_t *n,
                                    char *err, size_t err_len, char *warn, size_t warn_len);

/* Streaming log-Mel: samples go in by pieces, frames come out in order through a
 * callback as soon as they are complete (frame t once samples [0, 160 t + 200) are in,
 * frame 0 once 201 are:
 * every frame a push completes is emitted before it returns; the last frames, which
 * read the end reflection and the padding, at finish), with memory bounded by a few
 * thousand frames whatever the length.
 * The frames are those of wmel_log_mel(ctx, whole_pcm, n, padding) before
 * normalisation: raw log10(max(mel, 1e-10)) values. Normalise with wmel_normalize()
 * and wmel_stream_max() once the stream is finished.
 * On a ctx from another plan (wmel_create_plan, or wmel_create with params.frontend):
 * the frames of wmel_features(ctx, whole_pcm, n) with the plan's normalisation off (its
 * norm is ignored), unstacked (Seamless: one frame of n_mels values per frame, where
 * wmel_features stacks 2 per row; no deltas, LFR or tail rule either) and without the zero
 * frames that output holds where
 * no frame is computed (NeMo's last column, pad_to). Frame t, whose window starts at
 * sample i0 = hop t + off (off = 0 with snip_edges framing, -(frame_length / 2) centred:
 * -200 for NeMo), is emitted once samples [0, i0 + frame_length) are in (NeMo: 160 t + 200,
 * Kaldi and Seamless: 160 t + 400; with reflect framing, as NeMo legacy, also more than
 * n_fft / 2); the frames that read past the end (NeMo's centred padding, zeros or the
 * reflection) come at finish. Padding must be 0 (WMEL_ERR_INVALID_ARG); finish on no
 * samples is WMEL_ERR_NO_SAMPLES, on too few for the plan WMEL_ERR_TOO_SHORT (as
 * wmel_features); Kaldi and Seamless below 400 samples end with no frame.
 * The callback gets raw[n_cols][n_frames] (row stride n_frames; n_cols = n_mels, plus 1
 * with a plan's use_energy, the energy first) for the absolute frames
 * [first_frame, first_frame + n_frames); the buffer is valid during the call only. A
 * non-zero return stops the stream and is returned by push/finish. */
typedef int (*wmel_frames_fn)(void *user, const float *raw, size_t first_frame,
                              size_t n_frames);
typedef struct wmel_stream wmel_stream;

/* A ctx with a per-column affine (wmel_create_plan_cols) gives each frame with it, as the
 * offline call on a plan without normalisation computes it; one for the stacked rows
 * (cols_stacked) is refused, the stream's frames being unstacked.
 * Errors: WMEL_ERR_NULL_POINTER (ctx or fn), WMEL_ERR_NO_MEMORY, WMEL_ERR_INVALID_ARG
 * (the ctx smooths: params.smooth is not WMEL_SMOOTH_NONE; a plan's ctx and padding != 0;
 * a per-column affine with cols_stacked).
 * Memory: Whisper about 2 MB at 80 mels; another plan a block of at most 2048 frames'
 * samples and values (about 1.3 MB plus 4 * n_cols * 2048 bytes at hop 160), whatever the
 * length. Each push's frames are computed on the ctx's worker threads (params.n_threads),
 * the callback runs on the calling thread. The ctx must outlive the stream. */
WMEL_API wmel_stream *wmel_stream_create(wmel_ctx *ctx, size_t padding, wmel_frames_fn fn,
                                         void *user, int *status);
/* Feeds n samples (pcm may be NULL when n == 0). Errors: WMEL_ERR_NOT_FINITE, WMEL_ERR_SAMPLE_RANGE,
 * WMEL_ERR_NO_MEMORY, WMEL_ERR_THREAD, WMEL_ERR_INVALID_ARG (after finish), or the
 * callback's value. A Whisper stream reports the bad samples of the frames it computes, in
 * order: where a too-large sample comes before a NaN, it stops with WMEL_ERR_SAMPLE_RANGE,
 * while the whole-clip call, which checks the whole input for NaN first, returns
 * WMEL_ERR_NOT_FINITE. On a plan's ctx a NaN or Inf among the n samples is refused before
 * any is taken. */
WMEL_API int wmel_stream_push(wmel_stream *s, const float *pcm, size_t n);
/* Ends the input and emits the remaining frames ((n + padding) / 160 in all; a plan's:
 * the frames wmel_features computes). Errors: as push, and WMEL_ERR_TOO_SHORT when
 * n + padding <= 200 (a plan's: see above). */
WMEL_API int wmel_stream_finish(wmel_stream *s);
/* The largest raw value emitted so far (-1e30 before any). */
WMEL_API float wmel_stream_max(const wmel_stream *s);
WMEL_API size_t wmel_stream_samples(const wmel_stream *s); /* samples pushed so far */
WMEL_API void wmel_stream_destroy(wmel_stream *s);          /* NULL is a no-op */

/* The sliding buffer of a streaming transcriber: audio pushed at the end, trimmed at the
 * front, and at any point the log-Mel features of exactly the samples it holds.
 * wmel_sliding_features(b, padding, out, out_len) writes what
 * wmel_log_mel(ctx, samples, length, padding, out, out_len) writes for the buffer's
 * current samples, bit for bit (normalised or not, as the ctx says), while the transform
 * work of a call is the frames the pushes and trims since the previous call made new:
 *   - frame i (centred on buffer sample 160 i) with i >= 2 and 160 i + 200 <= length
 *     reads neither reflection nor padding; its raw values are computed once and kept;
 *   - every call computes the first 2 frames, the frames within 200 samples of the end
 *     (about 2, and those reaching into `padding`) and the frames that became interior;
 *     frames that read only padding zeros are filled with the value of silence;
 *   - trim(n) with n a multiple of 160 keeps the cached frames (renumbered); any other n
 *     moves the frame grid, and the next call recomputes the whole buffer once
 *     (wmel_sliding_stats.regrids counts these);
 *   - the output itself (n_mels x frames floats, normalised with the buffer's max, kept
 *     incrementally over the cached frames) is written in full at each call;
 *     wmel_sliding_view() keeps it instead and writes what changed (see there).
 * On a ctx from another plan the output is wmel_features(ctx, samples, length) (padding
 * must be 0; shape: wmel_sliding_shape), normalised over the buffer as the plan says
 * (NeMo per_feature, Seamless mean_var with its stacking), bit for bit: a frame whose
 * window starts at buffer sample i0 >= 1 and ends at or before the end of the samples is
 * computed once and kept (NeMo's signal pre-emphasis reads sample i0 - 1, and the
 * buffer's first sample is not pre-emphasised: frames that touch the start are computed
 * at each call, as those that read past the end); a trim by a multiple of the hop keeps
 * them, another trim drops them; the normalisation's statistics and the whole output are
 * recomputed at each call (from the kept values: no transform).
 * Memory: the samples (4 bytes each) and the cached frames (4 * (n_mels + 1) bytes each;
 * a plan's 4 * n_cols) with up to 1.5x room to grow, plus a work buffer of about 138 KB
 * (a plan's: its frame kernel's scratch, about 60 KB with AVX2 at n_fft 512), and once
 * wmel_sliding_view() is used the output it keeps (4 * n_mels bytes per frame of the
 * largest output asked for, padding frames included, with up to 1.5x room)
 * (wmel_sliding_stats.bytes): about 2.1 MiB for a 15 s buffer at 80 mels.
 * Threads: a buffer is used by one thread at a time; many buffers, on one ctx or several,
 * run in parallel. Computation runs on the calling thread (not the ctx's workers).
 * A CUDA or Vulkan ctx computes on its CPU kernel here (as wmel_stream_*); so does a plan's ctx on
 * the reference backend (its general CPU path, not the float64 reference). */
typedef struct wmel_sliding wmel_sliding;
typedef struct wmel_sliding_stats {
    size_t frames_computed; /* frames that went through the kernel, all calls */
    size_t calls;           /* successful wmel_sliding_features() and _view() calls */
    size_t regrids;         /* trims not a multiple of 160 that dropped cached frames */
    size_t bytes;           /* memory held by the buffer */
    size_t renorms;         /* wmel_sliding_view() calls that renormalised every column
                               kept in the view (the buffer's max had changed) */
} wmel_sliding_stats;

/* Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_NO_MEMORY, WMEL_ERR_INVALID_ARG (the ctx
 * smooths). The ctx must outlive the buffer. */
WMEL_API wmel_sliding *wmel_sliding_create(wmel_ctx *ctx, int *status);
/* Appends n samples (pcm may be NULL when n == 0). Errors: WMEL_ERR_NULL_POINTER,
 * WMEL_ERR_NOT_FINITE (a NaN or Inf among them: nothing is appended), WMEL_ERR_NO_MEMORY,
 * WMEL_ERR_OVERFLOW. */
WMEL_API int wmel_sliding_push(wmel_sliding *b, const float *pcm, size_t n);
/* Drops the first n samples. Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG (n is
 * more than the buffer holds; nothing is dropped). */
WMEL_API int wmel_sliding_trim(wmel_sliding *b, size_t n);
WMEL_API size_t wmel_sliding_length(const wmel_sliding *b); /* samples held */
/* The samples held (wmel_sliding_length() of them), valid until the next push or trim;
 * NULL before the first push. */
WMEL_API const float *wmel_sliding_samples(const wmel_sliding *b);
/* wmel_n_frames(wmel_sliding_length(b), padding); for a ctx from another plan, the frames
 * wmel_features() holds for the samples held (0 with padding, 0 on a shape error). */
WMEL_API size_t wmel_sliding_n_frames(const wmel_sliding *b, size_t padding);
/* The shape of wmel_sliding_features()'s output for the samples held: n_mels x
 * wmel_n_frames(length, padding) for Whisper, wmel_features_shape(ctx, length) for another
 * plan. Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_TOO_SHORT, WMEL_ERR_NO_SAMPLES (another plan,
 * empty buffer), WMEL_ERR_INVALID_ARG (another plan and padding != 0), WMEL_ERR_OVERFLOW. */
WMEL_API int wmel_sliding_shape(const wmel_sliding *b, size_t padding, size_t *rows,
                                size_t *cols);
/* The features of the samples held, as wmel_log_mel() (see above): out receives
 * n_mels * wmel_sliding_n_frames(b, padding) floats, [n_mels][n_frames]; on a plan's
 * ctx, rows * cols of wmel_sliding_shape() in the plan's layout, as wmel_features().
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_TOO_SHORT (length + padding <= 200),
 * WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_OVERFLOW, WMEL_ERR_SAMPLE_RANGE,
 * WMEL_ERR_INVALID_ARG (out overlaps the samples; a plan's ctx and padding != 0),
 * WMEL_ERR_NO_SAMPLES (a plan's ctx, empty buffer). The buffer stays usable after any. */
WMEL_API int wmel_sliding_features(wmel_sliding *b, size_t padding, float *out,
                                   size_t out_len);
/* The same features without a copy: *data points at rows x cols floats (n_mels x
 * wmel_n_frames(length, padding)) that the buffer keeps, row m at *data + m * *row_stride
 * (row_stride >= cols), values bit-identical to wmel_sliding_features() and wmel_log_mel().
 * The buffer keeps them up to date incrementally: a push adds columns, a trim by a multiple
 * of 160 drops columns at the front (another trim: the next call writes every column, as
 * it recomputes every frame), and each call writes the new interior columns and the edge
 * frames (the first 2, those within 200 samples of the end and those in the padding);
 * the columns kept are normalised again only when the buffer's max -- which sets the
 * floor max - 8 of every value -- has changed (wmel_sliding_stats.renorms counts these
 * calls, whose cost is the whole buffer's). On a ctx from another plan it is a wrapper of
 * wmel_sliding_features() (padding 0) into memory the buffer keeps: *rows x *cols in the
 * plan's layout (wmel_sliding_shape), *row_stride = *cols, every value written at each
 * call. The memory is read-only
 * and stays as this call left it until the next wmel_sliding_view() call on b or
 * wmel_sliding_destroy(b), which may rewrite, move or free it (push, trim and features
 * leave it alone); on error *data is NULL and the sizes 0.
 * Memory: n_mels * 4 bytes per frame with up to 1.5x room, allocated on first use.
 * Errors: WMEL_ERR_NULL_POINTER (any argument), WMEL_ERR_TOO_SHORT (length + padding
 * <= 200), WMEL_ERR_OVERFLOW, WMEL_ERR_SAMPLE_RANGE, WMEL_ERR_NO_MEMORY,
 * WMEL_ERR_INVALID_ARG (a plan's ctx and padding != 0). The buffer stays usable after any. */
WMEL_API int wmel_sliding_view(wmel_sliding *b, size_t padding, const float **data,
                               size_t *rows, size_t *cols, size_t *row_stride);
WMEL_API int wmel_sliding_stats_get(const wmel_sliding *b, wmel_sliding_stats *out);
WMEL_API void wmel_sliding_destroy(wmel_sliding *b); /* NULL is a no-op */

/* Transcribe windows: what openai-whisper's transcribe() feeds the model.
 *   mel = log_mel_spectrogram(audio, n_mels, padding=480000)   (one global max)
 *   content_frames = n_samples // 160
 *   for seek = 0, 3000, 6000, ... < content_frames:
 *       pad_or_trim(mel[:, seek:seek + min(3000, content_frames - seek)], 3000)
 * (the tail of the last window is 0.0, in the normalised domain). Windows are always
 * normalised, whatever the ctx's norm. Opening runs the whole first pass (decode and
 * features; the raw features of more than a few windows are spilled to a temporary
 * file from tmpfile()), so that the global max is known; memory stays bounded.
 * progress (may be NULL) is called now and then during open with the audio seconds
 * done and the announced total (< 0 when unknown). */
typedef void (*wmel_progress_fn)(void *user, double seconds_done, double seconds_total);
typedef struct wmel_windows wmel_windows;

/* From a decoder the caller opened (and closes after wmel_windows_close or at once:
 * the iterator does not keep it). Errors: as wmel_decoder_read and wmel_stream_*
 * (WMEL_ERR_INVALID_ARG for a smoothing ctx), and WMEL_ERR_IO when the temporary file
 * fails; the message goes to err. */
WMEL_API wmel_windows *wmel_windows_open_decoder(wmel_ctx *ctx, wmel_decoder *d,
                                                 wmel_progress_fn progress, void *user,
                                                 int *status, char *err, size_t err_len);
/* From a file (opens and closes a decoder); the decoder's warning goes to warn. */
WMEL_API wmel_windows *wmel_windows_open(wmel_ctx *ctx, const char *path,
                                         wmel_progress_fn progress, void *user,
                                         int *status, char *err, size_t err_len,
                                         char *warn, size_t warn_len);
/* From float PCM in memory (n_samples > 0). */
WMEL_API wmel_windows *wmel_windows_open_pcm(wmel_ctx *ctx, const float *pcm,
                                             size_t n_samples, int *status);
/* Number of windows (ceil(content_frames / 3000)); samples of the input. */
WMEL_API size_t wmel_windows_count(const wmel_windows *w);
WMEL_API size_t wmel_windows_samples(const wmel_windows *w);
/* Writes the next window, out[n_mels][3000] (out_len >= n_mels * 3000 floats), and its
 * number of content frames (1..3000) into *frames; *frames == 0 once all windows were
 * given (out untouched). Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_BUFFER_TOO_SMALL,
 * WMEL_ERR_IO (temporary file). */
WMEL_API int wmel_windows_next(wmel_windows *w, float *out, size_t out_len, size_t *frames);
WMEL_API void wmel_windows_close(wmel_windows *w); /* NULL is a no-op */

/* Long inputs: wmel_features() of an input too long to hold (hours of audio), for any plan
 * (Whisper's geometry included), in bounded memory. Samples are pushed in any pieces (as
 * wmel_stream_push); the plan's raw frames (wmel_stream's) are kept in blocks of 1024
 * frames, in memory up to mem_bytes, the rest in an anonymous temporary file ($TMPDIR, else
 * /tmp; removed whatever happens). wmel_long_finish() ends the input and computes the
 * normalisation's statistics (NeMo's per_feature and Seamless's mean_var: the sums of
 * wmel_features() in its order; Whisper's: the largest value); wmel_long_write() then gives
 * the output, rows * cols floats of wmel_long_shape() in the plan's layout, through the
 * caller's callback in one sequential pass: the bytes of wmel_features(ctx, whole_pcm, n)
 * on the CPU backend (on a CUDA or Vulkan ctx the CPU kernel's, as WMEL_OP_STREAM). Memory: the
 * stream's (wmel_stream_create), mem_bytes of blocks (4 * 1024 * n_cols bytes each, n_cols
 * = n_mels + use_energy) and three blocks more, whatever the length.
 * Statuses are wmel_features()'s for the whole input: a NaN or Inf among the samples, or a
 * sample too large, is returned by the push that sees it, but the object keeps taking (and
 * checking) samples, and wmel_long_finish() returns the status wmel_features() gives for
 * all of them (WMEL_ERR_NO_SAMPLES and WMEL_ERR_TOO_SHORT first, then WMEL_ERR_NOT_FINITE,
 * then WMEL_ERR_SAMPLE_RANGE; as there, Whisper's geometry refuses a NaN or Inf only where
 * a frame reads it: one among the last n % 160 - 40 samples is no error). Any other failure (WMEL_ERR_NO_MEMORY, WMEL_ERR_THREAD,
 * WMEL_ERR_IO of the temporary file: wmel_long_error() says why) ends the object: every
 * later call returns it. Threads: one thread at a time per object; the frames are computed
 * on the ctx's workers. The ctx must outlive the object. */
typedef struct wmel_long wmel_long;
/* The output's next n values; a non-zero return stops wmel_long_write(), which returns it. */
typedef int (*wmel_write_fn)(void *user, const float *values, size_t n);

/* mem_bytes: raw frames held in memory before the temporary file (0: every whole block
 * goes to the file). Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_NO_MEMORY, WMEL_ERR_INVALID_ARG
 * (a smoothing ctx, as the stream; a plan's ctx on the reference backend, whose float64
 * values need the whole clip: wmel_features()). */
WMEL_API wmel_long *wmel_long_create(wmel_ctx *ctx, size_t mem_bytes, int *status);
/* Takes n samples (pcm may be NULL when n == 0). Errors: see above, WMEL_ERR_NULL_POINTER,
 * WMEL_ERR_OVERFLOW, WMEL_ERR_INVALID_ARG (after finish). */
WMEL_API int wmel_long_push(wmel_long *l, const float *pcm, size_t n);
/* Ends the input: the last frames and the statistics (a pass over the blocks held). Returns
 * wmel_features()'s status for the samples pushed, or the failure that ended the object.
 * Calling it again returns the same status. */
WMEL_API int wmel_long_finish(wmel_long *l);
/* wmel_features_shape() of the samples pushed so far (its status). */
WMEL_API int wmel_long_shape(const wmel_long *l, size_t *rows, size_t *cols);
/* After a successful finish: the rows * cols output values, in order, through fn (in
 * pieces of at most 4 * 1024 * n_cols bytes). It may be called again (the same values).
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG (not finished), finish's failure,
 * WMEL_ERR_IO (reading the temporary file back), or fn's value. */
WMEL_API int wmel_long_write(wmel_long *l, wmel_write_fn fn, void *user);
WMEL_API size_t wmel_long_samples(const wmel_long *l); /* samples pushed so far */
/* Why the temporary file failed (a sentence naming the folder and the system's reason,
 * e.g. "cannot write the temporary file (in /tmp, $TMPDIR): No space left on device"), or
 * "" when it did not. Never NULL; valid until the next call on l. */
WMEL_API const char *wmel_long_error(const wmel_long *l);
WMEL_API void wmel_long_destroy(wmel_long *l); /* NULL is a no-op */

/* ---------------------------------------------------------------------------------- */
/* Encoder stem and 3x3 smoothing.                                                      */
/*
 * The Whisper encoder stem: gelu(conv1(mel)) -> gelu(conv2(.)) -> transpose -> + positions,
 * i.e. the tensor the first transformer block reads. conv1: n_mels -> d, kernel 3, stride 1,
 * pad 1; conv2: d -> d, kernel 3, stride 2, pad 1; GELU is the exact erf form. Arithmetic
 * is float32 with float32 accumulation (weights stored as F16/BF16 are widened once).
 */

#define WMEL_STEM_FRAMES 1500       /* encoder positions per 30 s window */

/* Weight element types (conv1d weights, safetensors tensors). */
enum {
    WMEL_DTYPE_F32 = 0,
    WMEL_DTYPE_F16 = 1,     /* IEEE half */
    WMEL_DTYPE_BF16 = 2     /* bfloat16 */
};

typedef struct wmel_stem wmel_stem;

/* Loads conv1/conv2 weights and biases and the positional table from a safetensors file
 * with HF names (model.encoder.conv1.weight [d, n_mels, 3], conv1.bias [d],
 * conv2.weight [d, d, 3], conv2.bias [d], embed_positions.weight [1500, d]; the
 * "model." or "model.encoder." prefix may be absent). Without embed_positions.weight the
 * table is whisper's sinusoids(1500, d). Tensors may be F32, F16 or BF16; other tensors
 * in the file (a whole checkpoint) are validated but not read.
 * n_threads: workers for wmel_stem_forward (0 = all cores; the OpenBLAS GEMM uses
 * OpenBLAS's own threads, OPENBLAS_NUM_THREADS). Returns NULL on error with the status in
 * *status and a one-line message naming the file in err (both may be NULL/0).
 * Errors: WMEL_ERR_IO, WMEL_ERR_WEIGHTS (malformed header, bad offsets or shapes, missing
 * tensor, unsupported dtype), WMEL_ERR_NO_MEMORY, WMEL_ERR_INVALID_ARG,
 * WMEL_ERR_NOT_BUILT (built without cJSON). The environment variable
 * WMEL_STEM_GEMM=own selects wmel's own GEMM kernels over OpenBLAS. */
WMEL_API wmel_stem *wmel_stem_load(const char *path, int n_threads, int *status, char *err,
                                   size_t err_len);

/* The same from a file image in memory (name is used in messages; may be NULL). The
 * image is not referenced after the call. */
WMEL_API wmel_stem *wmel_stem_load_memory(const void *data, size_t size, const char *name,
                                          int n_threads, int *status, char *err,
                                          size_t err_len);

/* Releases a stem. NULL is a no-op. */
WMEL_API void wmel_stem_free(wmel_stem *s);

/* Geometry of a loaded stem (0 for NULL). */
WMEL_API int wmel_stem_n_mels(const wmel_stem *s);
WMEL_API int wmel_stem_d_model(const wmel_stem *s);
/* 1 when the positional table came from the file, 0 when it is sinusoids(1500, d). */
WMEL_API int wmel_stem_file_positions(const wmel_stem *s);
/* The GEMM in use, e.g. "openblas" or "own-avx512-12x32". Never NULL. */
WMEL_API const char *wmel_stem_gemm_name(const wmel_stem *s);

/* Runs the stem on n_windows log-Mel windows: mel holds n_windows * n_mels * 3000 floats,
 * [window][n_mels][3000] (the normalised output of wmel_log_mel on 30 s); out receives
 * n_windows * 1500 * d floats, [window][1500][d]. out_len: capacity in floats.
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_OVERFLOW,
 * WMEL_ERR_NO_MEMORY. Thread-safety: a stem is read-only; concurrent calls are safe. */
WMEL_API int wmel_stem_forward(const wmel_stem *s, const float *mel, size_t n_windows,
                               float *out, size_t out_len);

/* torch.nn.functional.conv1d in NCL layout: x [batch][c_in][len], w [c_out][c_in][k] of
 * w_dtype (WMEL_DTYPE_*, little-endian, any alignment), bias [c_out] or NULL, zero
 * padding `pad` on both sides; y receives [batch][c_out][out_len] floats with out_len =
 * wmel_conv1d_out_len(len, k, stride, pad). float32 accumulation. n_threads: 0 = all
 * cores. Errors: WMEL_ERR_INVALID_ARG (k, stride, c_in or c_out 0, bad dtype, input
 * shorter than the kernel), WMEL_ERR_NULL_POINTER, WMEL_ERR_BUFFER_TOO_SMALL,
 * WMEL_ERR_OVERFLOW, WMEL_ERR_NO_MEMORY. */
WMEL_API int wmel_conv1d(const float *x, size_t batch, size_t c_in, size_t len, const void *w,
                         int w_dtype, const float *bias, size_t c_out, size_t k, size_t stride,
                         size_t pad, float *y, size_t y_len, int n_threads);

/* (len + 2 pad - k) / stride + 1, or 0 when k or stride is 0 or len + 2 pad < k. */
WMEL_API size_t wmel_conv1d_out_len(size_t len, size_t k, size_t stride, size_t pad);

/* whisper's sinusoids(length, channels): out [length][channels], sin in the first half of
 * each row, cos in the second, computed step by step in float32 as whisper does.
 * Errors: WMEL_ERR_INVALID_ARG (channels odd or < 4), WMEL_ERR_NULL_POINTER,
 * WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_OVERFLOW. */
WMEL_API int wmel_sinusoids(size_t length, size_t channels, float *out, size_t out_len);

/* 3x3 average smoothing of a [rows][cols] array (e.g. a normalised log-Mel,
 * [n_mels][n_frames]): exactly torch.nn.functional.avg_pool2d(x[None], 3, stride=1,
 * padding=1) with count_include_pad, i.e. zeros beyond the edges and always / 9; sums in
 * double, rounded once. out may be the same buffer as in. rows or cols 0 is a no-op.
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_OVERFLOW,
 * WMEL_ERR_NO_MEMORY. */
WMEL_API int wmel_smooth3x3(const float *in, size_t rows, size_t cols, float *out,
                            size_t out_len);

/* ---------------------------------------------------------------------------------- */
/* CUDA: device pointers and streams.                                                   */
/*
 * With a ctx whose backend is "cuda" (WMEL_BACKEND_CUDA, or AUTO on a machine with a
 * usable device), wmel_log_mel(), wmel_log_mel_s16() and wmel_log_mel_batch() run on
 * the GPU: the library stages host samples through pinned memory, overlaps the copies
 * with the kernels on its own streams, and returns when `out` is filled. Anything the
 * CUDA backend cannot do (an input larger than the free device memory) runs on
 * the CPU backend instead, transparently; wmel_op_backend() says which one ran.
 * The CUDA entry points below exist in every build: without CUDA they return
 * WMEL_ERR_NOT_BUILT. When a call returns WMEL_ERR_CUDA, wmel_cuda_error_detail() gives
 * the CUDA runtime's own message.
 *
 * The arithmetic (wmel_params.cuda_arith, WMEL_CUDA_ARITH_* above): float64 or float-float,
 * both held to the same bar. With AUTO the environment variable
 * WMEL_CUDA_ARITHMETIC=float64|float-float, read when a ctx is made, overrides the default;
 * any other value: a CUDA ctx by name is refused with WMEL_ERR_INVALID_ARG
 * (wmel_cuda_error_detail() names the switch), AUTO takes the CPU. wmel_kernel_name() says
 * which: "cuda-f64fft-t16", "cuda-fffft-t16" (Whisper's geometry), "cuda-f64-fft512",
 * "cuda-ff-fft512" (another plan); wmel_backend_reason() adds the timing or the self-test's
 * verdict where they chose.
 */

/* Sample types for wmel_cuda_log_mel_device() and wmel_cuda_features_device(). */
enum {
    WMEL_SAMPLE_F32 = 0,    /* float32, [-1, 1) */
    WMEL_SAMPLE_S16 = 1     /* int16, divided by 32768 (openai's load_audio) */
};

/* Operations, for wmel_op_backend(). Only ever appended to. */
enum {
    WMEL_OP_LOG_MEL = 0,        /* wmel_log_mel */
    WMEL_OP_LOG_MEL_S16 = 1,    /* wmel_log_mel_s16 */
    WMEL_OP_LOG_MEL_BATCH = 2,  /* wmel_log_mel_batch */
    WMEL_OP_DEVICE = 3,         /* wmel_cuda_log_mel_device, wmel_cuda_features_device(_batch),
                                   wmel_vulkan_features_device(_batch) */
    WMEL_OP_STREAM = 4,         /* wmel_stream_*, wmel_sliding_*, wmel_windows_*, wmel_long_*:
                                   the frame engine, on the CPU backend also for a CUDA or
                                   Vulkan ctx
                                   (its output may differ from the same ctx's wmel_log_mel by
                                   ~1e-7) and for a plan's ctx on the reference backend
                                   (which wmel_long_create refuses) */
    WMEL_OP_FINISH = 5          /* the finish (normalisation, post stage) of clips in host
                                   memory: wmel_backend_accepts, whether the backend's device
                                   makes it with its frames; wmel_op_backend, where the most
                                   recent call's (a batch: its last clip's) was made */
};

/* Log-Mel of `batch` clips held in device memory, written to device memory, enqueued on
 * the caller's stream (a cudaStream_t passed as void *; NULL = the legacy default
 * stream) with no host<->device copies and no synchronisation: the call returns once
 * the work is enqueued, and `d_out` is ready when the stream reaches that point.
 * d_pcm: clip b starts at sample b * pcm_stride (pcm_stride >= n_samples, in samples of
 * sample_type); d_out: batch * n_mels * n_frames floats, [batch][n_mels][n_frames], the
 * layout of wmel_log_mel_batch(); out_len: its capacity in floats. batch_norm as in
 * wmel_log_mel_batch(). The pointers must belong to the ctx's device
 * (params.cuda_device); the calling thread's current device is left as it was.
 * Unlike the host entry points this path does not scan the input for NaN/Inf (that would
 * need a synchronisation): non-finite samples give unspecified output values. With
 * params.device_check 1 it does, for float32 samples: one scan launch over every clip on
 * `stream`, then a wait for its flags (a synchronisation of the stream; refused under a
 * stream capture with WMEL_ERR_INVALID_ARG, the reason in wmel_cuda_error_detail()); a clip
 * with a NaN or Inf gives WMEL_ERR_NOT_FINITE, one with a sample past 1e15 (wmel_log_mel
 * hands such a clip to the CPU's float32 kernels, which refuse from about 1e17)
 * WMEL_ERR_SAMPLE_RANGE, the first such clip named in wmel_cuda_error_detail() ("clip 517:
 * ..."), and nothing else is enqueued. int16 samples are never scanned (none is refused).
 * params.smooth is honoured (each clip smoothed on its own, in the normalisation pass).
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG (sample_type, batch_norm,
 * pcm_stride), WMEL_ERR_TOO_SHORT, WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_OVERFLOW,
 * WMEL_ERR_BACKEND_UNAVAILABLE (the ctx's backend is not CUDA), WMEL_ERR_CUDA,
 * WMEL_ERR_NOT_BUILT. batch == 0 is OK and enqueues nothing.
 * Thread-safety: safe to call concurrently on one ctx. */
WMEL_API int wmel_cuda_log_mel_device(wmel_ctx *ctx, const void *d_pcm, int sample_type,
                                      size_t batch, size_t n_samples, size_t pcm_stride,
                                      size_t padding, int batch_norm, float *d_out,
                                      size_t out_len, void *stream);

/* A ctx's features (wmel_create, wmel_create_plan, wmel_create_plan_cols: any plan, Whisper's
 * geometry included) of `batch` clips held in device memory, written to device memory,
 * enqueued on the caller's stream (a cudaStream_t as void *; NULL = the legacy default
 * stream) with no host<->device copies and no synchronisation: the call returns once the
 * work is enqueued, and `d_out` is ready when the stream reaches that point. Frames, finish
 * (normalisation, clamp, appended frames, per-column scales) and post stage (stacking,
 * deltas, LFR) all run on the device; the clip's max (WMEL_NORM_WHOLE) stays there too. A ctx
 * of Whisper's geometry on its own kernels runs wmel_cuda_log_mel_device's with no padding,
 * WMEL_BATCH_PER_CLIP, the ctx's norm and params.smooth.
 * d_pcm: clip b starts at sample b * pcm_stride (pcm_stride >= n_samples, in samples of
 * sample_type: WMEL_SAMPLE_F32, or WMEL_SAMPLE_S16 divided by 32768); every clip has
 * n_samples samples. d_out: clip b's features at d_out + b * rows * cols, rows x cols from
 * wmel_features_shape(ctx, n_samples), in the plan's layout exactly as wmel_features() writes
 * one clip; out_len: its capacity in floats (d_out may be NULL where rows * cols is 0, as
 * for Kaldi's framing below one frame: nothing is enqueued). The output is wmel_features()'s
 * bytes for the same samples on the same ctx (int16: the samples / 32768 as floats).
 * The plans it takes: those whose finish the device makes (see wmel_create_plan: every
 * plan but the windowed energy); such a plan, or the switch WMEL_CUDA_DEVICE_FINISH=0, is refused with WMEL_ERR_BACKEND_UNAVAILABLE and the
 * reason in wmel_cuda_error_detail(), whatever the other arguments. A clip length whose
 * output the device's finish does not write (wmel_features finishes it on the host: NeMo's
 * plan below one hop, 160 samples) is refused the same way, the length named.
 * The samples are not scanned (that would need a synchronisation): where wmel_features
 * returns WMEL_ERR_NOT_FINITE or WMEL_ERR_SAMPLE_RANGE (NaN/Inf, or values past float32's
 * range), this call writes unspecified values (NaN, Inf or garbage) and returns WMEL_OK;
 * on a float-float ctx (see below) float32 samples past the plan's float-float limit (at
 * least 7.7e9 for the presets; wmel_features runs such a clip in float64) likewise.
 * Samples of an audio signal (|x| <= 1, or any int16) are far inside every limit.
 * params.device_check 1 scans them (float32 samples; int16 ones are never refused): one
 * scan launch over every clip on `stream` and a wait for its flags (a synchronisation;
 * refused under a stream capture with WMEL_ERR_INVALID_ARG, the reason in
 * wmel_cuda_error_detail()), before anything else is enqueued: a clip with a NaN or Inf
 * gives WMEL_ERR_NOT_FINITE (wmel_features' status), the first such clip named in
 * wmel_cuda_error_detail() ("clip 9: ..."), nothing enqueued; a clip past float-float's
 * limit runs in float64, as wmel_features runs it (its bytes); on a ctx whose wmel_features
 * hands samples past 1e15 to the CPU's float32 kernels (a plan of Whisper's geometry) a
 * sample past 1e15 gives WMEL_ERR_SAMPLE_RANGE. A value the plan's post_scale or per-column
 * scale carries past float32's range is not foreseen by the scan.
 * Device memory: one stream-ordered scratch per call (cudaMallocAsync), a clip's frames'
 * values (plus its finished frames with a post stage), reused by the clips in turn, or the
 * caller's (wmel_cuda_features_device_scratch, below).
 * The pointers must belong to the ctx's device (params.cuda_device); the calling thread's
 * current device is left as it was.
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG (sample_type, pcm_stride, d_pcm and
 * d_out overlap), WMEL_ERR_NO_SAMPLES, WMEL_ERR_TOO_SHORT, WMEL_ERR_BUFFER_TOO_SMALL,
 * WMEL_ERR_OVERFLOW, WMEL_ERR_BACKEND_UNAVAILABLE (the ctx's backend is not CUDA, or the plan
 * as above), WMEL_ERR_CUDA (see wmel_cuda_error_detail()), WMEL_ERR_NOT_BUILT. batch == 0 is
 * OK and enqueues nothing. wmel_op_backend(ctx, WMEL_OP_DEVICE) says "cuda" for a ctx it
 * takes, "none" for one it refuses.
 * Thread-safety: safe to call concurrently on one ctx. */
WMEL_API int wmel_cuda_features_device(wmel_ctx *ctx, const void *d_pcm, int sample_type,
                                       size_t batch, size_t n_samples, size_t pcm_stride,
                                       float *d_out, size_t out_len, void *stream);

/* wmel_cuda_features_device() of `batch` clips of their own lengths in device memory, in the
 * manner of wmel_features_batch(): clip b is d_pcm[b] (n_samples[b] samples of sample_type, a
 * device pointer; NULL only where n_samples[b] is 0, which the plan refuses), its features
 * go to d_out[b] (a device pointer, capacity out_len[b] floats; rows x cols of
 * wmel_features_shape(ctx, n_samples[b]) written, in the plan's layout; NULL where that is
 * 0). d_pcm, n_samples, d_out and out_len are host arrays. Clip b's bytes are those of
 * wmel_features(ctx, ...) of its samples (int16: / 32768 as floats) on the same ctx, each
 * clip with its own statistics, max and post stage (Whisper's geometry: its own max, the
 * ctx's norm and params.smooth, as wmel_cuda_features_device). Enqueued on `stream` with no
 * host<->device copy and no synchronisation, as wmel_cuda_features_device; the samples are
 * not scanned (what that entry says of non-finite samples and float-float's limit holds).
 * params.device_check 1: that entry's scan (one launch over all the clips, after a copy of
 * the clips' addresses and lengths, and one wait), the first refused clip's index in failed
 * (wmel_features_batch's status and index); the clips past float-float's limit run in
 * float64 in rounds of their own.
 * The clips run in rounds that share launches: a round's frames in one kernel launch and
 * its finish in one launch of each finish kernel (two to four), the round's clips described
 * in the kernels' parameters; a round holds at most 96 clips and 64 MiB of frames' values (a
 * clip larger than that has a round of its own). One stream-ordered scratch per call (the
 * largest round's values, 40 bytes a clip) and one memset. A ctx of Whisper's geometry runs
 * its own kernels in rounds of at most 96 clips: a round's log-mel in one launch straight
 * into the clips' outputs, then its normalisation in one launch or its 3x3 smoothing in two
 * (none with WMEL_NORM_NONE and no smoothing); its scratch is 4 bytes a clip (the max keys)
 * plus, with the smoothing, the largest round's saved tile edges. The ctxs and plans it
 * takes, and the refusals with WMEL_ERR_BACKEND_UNAVAILABLE, are wmel_cuda_features_device's;
 * a clip length whose output the device's finish does not write is refused the same way,
 * naming the clip.
 * Every clip's arguments are checked before anything is enqueued (wmel_features_batch's
 * order: WMEL_ERR_NULL_POINTER, WMEL_ERR_NO_SAMPLES, WMEL_ERR_TOO_SHORT,
 * WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_OVERFLOW; WMEL_ERR_INVALID_ARG where an output shares
 * a byte with another clip's output or any clip's samples, compared as addresses of the
 * one device); a refusal enqueues nothing. failed (may be NULL): the index of the clip the
 * returned status is about; batch on WMEL_OK and for a status about no one clip (the ctx,
 * sample_type, NULL arrays, WMEL_ERR_CUDA). batch == 0 is OK and enqueues nothing (the
 * arrays may be NULL). wmel_op_backend(ctx, WMEL_OP_DEVICE) answers for it as for
 * wmel_cuda_features_device ("cuda" for a ctx it takes, "none" for one it refuses), and
 * wmel_backend_accepts(..., WMEL_OP_DEVICE) likewise.
 * Errors: those of wmel_cuda_features_device, WMEL_ERR_NO_MEMORY (the call's host tables).
 * Thread-safety: safe to call concurrently on one ctx. */
WMEL_API int wmel_cuda_features_device_batch(wmel_ctx *ctx, const void *const *d_pcm, int sample_type,
                                             const size_t *n_samples, size_t batch, float *const *d_out,
                                             const size_t *out_len, size_t *failed, void *stream);

/* Caller-owned device scratch for the device-memory calls: with it a call allocates
 * nothing and waits for nothing (so a CUDA graph may capture it on any device, pools or
 * not). wmel_cuda_device_scratch() says how many bytes of device scratch a call of these
 * arguments needs: call is WMEL_CUDA_CALL_LOG_MEL (wmel_cuda_log_mel_device: batch clips of
 * n_samples[0] samples, padding, batch_norm), WMEL_CUDA_CALL_FEATURES
 * (wmel_cuda_features_device: batch clips of n_samples[0] samples; padding and batch_norm
 * unused) or WMEL_CUDA_CALL_FEATURES_BATCH (wmel_cuda_features_device_batch: clip b of
 * n_samples[b] samples); sample_type and the ctx's params (device_check's scan, smooth,
 * norm, the arithmetic) count too. *bytes gets the size (0: the call needs none), after the
 * call's own checks of the sizes, the ctx and the plan (the same statuses and details; no
 * pointer is read, nothing enqueued). With params.device_check 1 on a float-float ctx the
 * batch's size covers the clips the scan may send to float64 in rounds of their own (at
 * most 64 MiB of values more than the call's rounds take where no clip goes).
 * The _scratch entry points are the calls above with d_scratch: device memory of the ctx's
 * device, 256-byte aligned (cudaMalloc's and torch's blocks are), scratch_bytes long, that
 * shares no byte with the samples or the outputs and that no other work uses until the
 * call's work on `stream` is done (memory allocated on that stream in stream order, torch's
 * caching allocator on torch's current stream, is). d_scratch NULL with scratch_bytes 0 is
 * the call without it (the library allocates its own: cudaMallocAsync where the device has
 * memory pools, else cudaMalloc and a wait for the stream, which a stream capture refuses:
 * WMEL_ERR_INVALID_ARG, the reason in wmel_cuda_error_detail(), nothing enqueued). Fewer
 * bytes than wmel_cuda_device_scratch() says: WMEL_ERR_BUFFER_TOO_SMALL, the bytes needed
 * named in wmel_cuda_error_detail(), nothing allocated or enqueued. Errors besides those of
 * the call: WMEL_ERR_NULL_POINTER (d_scratch NULL with bytes), WMEL_ERR_INVALID_ARG (not
 * aligned, or sharing bytes with the samples or the outputs). */
enum {
    WMEL_CUDA_CALL_LOG_MEL = 0,      /* wmel_cuda_log_mel_device */
    WMEL_CUDA_CALL_FEATURES = 1,     /* wmel_cuda_features_device */
    WMEL_CUDA_CALL_FEATURES_BATCH = 2 /* wmel_cuda_features_device_batch */
};
WMEL_API int wmel_cuda_device_scratch(wmel_ctx *ctx, int call, int sample_type, size_t batch,
                                      const size_t *n_samples, size_t padding, int batch_norm,
                                      size_t *bytes);
WMEL_API int wmel_cuda_log_mel_device_scratch(wmel_ctx *ctx, const void *d_pcm, int sample_type,
                                              size_t batch, size_t n_samples, size_t pcm_stride,
                                              size_t padding, int batch_norm, float *d_out,
                                              size_t out_len, void *stream, void *d_scratch,
                                              size_t scratch_bytes);
WMEL_API int wmel_cuda_features_device_scratch(wmel_ctx *ctx, const void *d_pcm, int sample_type,
                                               size_t batch, size_t n_samples, size_t pcm_stride,
                                               float *d_out, size_t out_len, void *stream,
                                               void *d_scratch, size_t scratch_bytes);
WMEL_API int wmel_cuda_features_device_batch_scratch(wmel_ctx *ctx, const void *const *d_pcm,
                                                     int sample_type, const size_t *n_samples,
                                                     size_t batch, float *const *d_out,
                                                     const size_t *out_len, size_t *failed,
                                                     void *stream, void *d_scratch,
                                                     size_t scratch_bytes);

/* The Whisper encoder stem on the GPU: wmel_stem_forward() on device memory, enqueued on
 * the caller's stream (a cudaStream_t as void *; NULL = the legacy default stream) with
 * no host<->device copies and no synchronisation. d_mel: n_windows * n_mels * 3000
 * floats, [window][n_mels][3000] (the normalised output of wmel_cuda_log_mel_device()
 * for 30 s clips); d_out: n_windows * 1500 * d floats, [window][1500][d]; out_len: its
 * capacity in floats. The ctx names the device (params.cuda_device) and must be a CUDA
 * ctx whose n_mels equals the stem's; the calling thread's current device is left as it
 * was. Both convolutions are cuBLAS SGEMMs in float32 with float32 accumulation (no
 * TF32), so the result matches wmel_stem_forward() to rounding (~1e-5).
 * The first call for a (stem, device) pair uploads the weights to that device (a
 * synchronous copy) and keeps them, with a cuBLAS handle, in the stem until
 * wmel_stem_free(); cuBLAS is opened (dlopen) then too, and when it cannot be, the call
 * fails with WMEL_ERR_CUDA and the reason in wmel_cuda_error_detail(). Each call allocates stream-ordered scratch (cudaMallocAsync, about
 * 38 MB per window at large-v3 geometry, windows processed in chunks of at most 1 GiB).
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG (n_mels of stem and ctx differ),
 * WMEL_ERR_OVERFLOW, WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_BACKEND_UNAVAILABLE (the ctx's
 * backend is not CUDA), WMEL_ERR_CUDA (see wmel_cuda_error_detail(); cuBLAS failures
 * too), WMEL_ERR_NO_MEMORY, WMEL_ERR_THREAD, WMEL_ERR_NOT_BUILT. The arguments are
 * checked before the backend. n_windows == 0 is OK and enqueues nothing.
 * Thread-safety: safe to call concurrently on one stem and one ctx (calls take turns
 * only while enqueuing). */
WMEL_API int wmel_cuda_stem_device(const wmel_stem *s, wmel_ctx *ctx, const float *d_mel,
                                   size_t n_windows, float *d_out, size_t out_len,
                                   void *stream);

/* The backend that ran the most recent call of `op` (WMEL_OP_*) on this ctx, or the
 * one that will run it when there was none yet: "cuda", "vulkan", "cpu" or "ref"; "none"
 * for an op the ctx cannot run (WMEL_OP_DEVICE on a ctx that is neither CUDA's nor
 * Vulkan's, or whose plan the device cannot finish) or an unknown op. Never NULL.
 * WMEL_OP_LOG_MEL's answer is where the frames of the most recent clip in host memory were
 * computed and WMEL_OP_FINISH's where their finish was made: on a device ctx "cpu" for
 * either says the host did that work (a dithered plan's frames, a finish the device does
 * not make, a clip the device refused), so that no work moves without the caller seeing it
 * (wmel mel -v prints both). */
WMEL_API const char *wmel_op_backend(const wmel_ctx *ctx, int op);

/* Why the most recent call's stage `op` (WMEL_OP_LOG_MEL and the other host operations:
 * the frames; WMEL_OP_FINISH) ran on the host on a device ctx: one sentence into why
 * (why_len bytes, always terminated) -- the plan's refusal (wmel_backend_accepts), "with
 * the frames" for a finish whose frames ran on the host, the device's run-time hand-back
 * ("... at run time: a sample past its arithmetic's range ...", "... its memory was
 * short"), or the ctx's own refusal (a self-test, the shared memory, the clip's sizes). Returns 1 when the stage
 * ran on the host of a device ctx (the sentence written), 0 when it ran where the ctx is
 * (why ""), WMEL_ERR_NULL_POINTER or WMEL_ERR_INVALID_ARG (op). wmel mel -v's stages line
 * and wmel.last_run() print it. */
WMEL_API int wmel_op_reason(const wmel_ctx *ctx, int op, char *why, size_t why_len);

/* Whether `backend` (WMEL_BACKEND_REF, CPU, CUDA or VULKAN) takes operation `op`
 * (WMEL_OP_*) of `plan` on its own device, answered from the plan alone before any ctx is
 * made or any device opened (ggml's supports_op): 1 when it does, 0 when that work runs
 * elsewhere (the CPU backend, or nowhere for WMEL_OP_DEVICE), with one sentence why into
 * why (why_len bytes, always terminated; may be NULL) either way. The answer is the rule a
 * ctx of wmel_create_plan(plan) on that backend follows: WMEL_OP_LOG_MEL, _S16 and _BATCH
 * ask for the plan's frames of clips in host memory (wmel_features, wmel_features_batch,
 * the log-Mel entry points), WMEL_OP_FINISH for their finish too, WMEL_OP_DEVICE for
 * clips in device memory (wmel_cuda_log_mel_device, wmel_cuda_features_device,
 * wmel_vulkan_features_device), WMEL_OP_STREAM for the frame engine. What depends on the
 * device and not on the plan is not in it: a device with too little shared memory for the
 * plan's frame, or whose float-float self-test fails (wmel_devices says so), runs the
 * frames it accepts on the CPU; a clip past the arithmetic's sample range goes to the CPU
 * too. Returns 1, 0, WMEL_ERR_NULL_POINTER (plan), WMEL_ERR_INVALID_ARG (backend or op,
 * why says which), a status of wmel_plan_check (the plan; why has its sentence), or
 * WMEL_ERR_NOT_BUILT (the backend is not in this build; why says so).
 * Thread-safety: pure (it reads the environment's switches, as a create does). */
WMEL_API int wmel_backend_accepts(int backend, const wmel_frontend_plan *plan, int op, char *why, size_t why_len);

/* A device a backend computes on (wmel_devices). */
typedef struct wmel_device {
    int backend;          /* WMEL_BACKEND_CPU, CUDA or VULKAN */
    int index;            /* its place in its backend: params.cuda_device = index, or
                             params.vulkan_device = index + 1; 0 for the CPU */
    int usable;           /* 1 where a ctx can compute on it (an arithmetic that passed) */
    char name[256];       /* "cpu", or the device's name */
    char kind[64];        /* "CPU", "discrete GPU", "integrated GPU", "virtual GPU", "CUDA device" */
    char arith[64];       /* the arithmetic a plan's frames get there by default: "float32 avx512"
                             (the CPU's ISA level), "float64", "float-float", "none" */
    char self_test[512];  /* the device's self-tests and their results, one sentence; "none"
                             where the backend has none */
} wmel_device;

/* The devices of every backend built in, the CPU first, then CUDA's and Vulkan's devices
 * as their backends list them: up to cap into out (out may be NULL with cap 0), their
 * count into *n (which may exceed cap: call again with more room). The Vulkan devices'
 * float-float self-test (ffcheck) runs here where it has not run in the process (a fraction
 * of a second on a CPU device). A backend that cannot list its devices (no loader, no
 * driver) lists none. WMEL_OK; WMEL_ERR_NULL_POINTER (n; out with cap > 0). */
WMEL_API int wmel_devices(wmel_device *out, size_t cap, size_t *n);

/* The Vulkan driver's message for the last Vulkan failure of the calling thread (a
 * WMEL_ERR_VULKAN, or a WMEL_ERR_BACKEND_UNAVAILABLE from creating a Vulkan ctx: no
 * loader, no device, no float64); "" when none. Valid until the thread's next wmel call. */
WMEL_API const char *wmel_vulkan_error_detail(void);

/* The Vulkan devices the loader lists, one line each ("index: name (type), float64
 * yes|no, arithmetic float64|float-float|none"), and which one a
 * WMEL_BACKEND_VULKAN ctx with default params takes, into buf (len bytes, always
 * terminated). WMEL_OK, WMEL_ERR_NOT_BUILT (no Vulkan backend in this build), or
 * WMEL_ERR_BACKEND_UNAVAILABLE with the reason in buf (no loader). */
WMEL_API int wmel_vulkan_devices(char *buf, size_t len);

/* Memory of a Vulkan device that the caller allocated (its own VkDevice, on the same
 * physical device as the ctx's) and exported as an opaque file descriptor
 * (VK_KHR_external_memory_fd: VkExportMemoryAllocateInfo with
 * VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT, then vkGetMemoryFdKHR). */
typedef struct wmel_vulkan_memory {
    int fd;                  /* the opaque descriptor; the library imports a duplicate of it per
                                call (dup), so the caller keeps fd and closes it when it likes */
    uint32_t memory_type;    /* the allocation's VkMemoryAllocateInfo.memoryTypeIndex */
    uint64_t size;           /* its VkMemoryAllocateInfo.allocationSize, as allocated */
    uint64_t offset;         /* the data's first byte in the allocation */
    int dedicated;           /* 1: allocated with VkMemoryDedicatedAllocateInfo (imported so) */
    unsigned char device_uuid[16]; /* VkPhysicalDeviceIDProperties of the allocating device: */
    unsigned char driver_uuid[16]; /* both must equal the ctx's (wmel_vulkan_device_uuids) */
} wmel_vulkan_memory;

/* The ctx's Vulkan device's UUIDs (VkPhysicalDeviceIDProperties.deviceUUID and driverUUID):
 * the physical device on which memory for wmel_vulkan_features_device() must be allocated.
 * WMEL_OK; WMEL_ERR_NULL_POINTER; WMEL_ERR_NOT_BUILT; WMEL_ERR_BACKEND_UNAVAILABLE (the
 * ctx's backend is not Vulkan, its frames run on the CPU, or its device imports no memory
 * from file descriptors: wmel_vulkan_error_detail() says which). */
WMEL_API int wmel_vulkan_device_uuids(const wmel_ctx *ctx, unsigned char device_uuid[16],
                                      unsigned char driver_uuid[16]);

/* wmel_features() of `batch` clips that lie in another Vulkan device's memory, written into
 * that device's memory: the device reads the samples where they are and writes each clip's
 * features where the caller wants them; nothing crosses to the host but the round's flags.
 * pcm: clip b starts at byte pcm->offset + b * pcm_stride * (4 or 2) of the allocation
 * (pcm_stride >= n_samples, in samples of sample_type: WMEL_SAMPLE_F32, or WMEL_SAMPLE_S16
 * divided by 32768; pcm->offset a multiple of the sample's size); every clip has n_samples
 * samples. out: clip b's features at byte out->offset + 4 b rows cols (a multiple of 4),
 * rows x cols from wmel_features_shape(ctx, n_samples), in the plan's layout exactly as
 * wmel_features() writes one clip; out_len: their capacity in floats. Every byte of the
 * two ranges must lie inside its allocation (size); the rest of the allocations is never
 * read or written. pcm and out may be the same allocation (then the fds may be equal)
 * with disjoint ranges; out may be NULL where rows x cols is 0.
 * The output is wmel_features()'s bytes for the same samples on the same ctx (int16: the
 * samples / 32768 as floats). The ctxs it takes: WMEL_BACKEND_VULKAN on a device that
 * imports opaque descriptors (Linux drivers: lavapipe, RADV, ANV, NVIDIA's), whose plan's
 * finish the device makes: Whisper's geometry (wmel_create: its per-clip clamp and its 3x3
 * average) and the plans of wmel_create_plan whose finish is the device's (docs/vulkan-internals.md,
 * "The finish on the device"; no dither). Any other ctx, and a clip length the device's
 * finish does not take whole (past the 1 GiB its rounds grow to, or past the shader's 2^30
 * sample indices), is refused with WMEL_ERR_BACKEND_UNAVAILABLE and the reason in
 * wmel_vulkan_error_detail(), whatever the other arguments (a length, once the clips are
 * checked).
 * The samples are checked on the device as it reads them (not on the host, which cannot see
 * them): a clip with a NaN or an Inf stops the call with WMEL_ERR_NOT_FINITE (wmel_features'
 * status), one with a sample past the bound at which wmel_features leaves the device's finish
 * (1e15, or float-float's limit, at least 7.7e9 for the presets), or whose features hold a
 * value that is not finite, with WMEL_ERR_SAMPLE_RANGE; the clip's index is in
 * wmel_vulkan_error_detail() ("clip k (of batch)"); its output and the later clips' are then
 * unspecified (wmel_features on the same samples in host memory computes or refuses the
 * clip). Where the frames' hop passes their length (no plan of this version) that check is
 * not made and such a clip's values are unspecified. Samples of an audio signal (|x| <= 1,
 * or any int16) are far inside every bound.
 * Synchronisation: the call is synchronous. The caller's writes of the samples must be
 * complete before it (its fence or queue waited for); the features are complete when it
 * returns WMEL_OK. One submission and one wait a clip; the samples' binding and the output's
 * copy come from one import of each allocation a call.
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG (sample_type, pcm_stride, a range past
 * its allocation, a size past the exported allocation where the descriptor tells its size
 * (a memfd; elsewhere the driver's refusal, whose detail asks for the allocationSize), an
 * offset not aligned, overlapping ranges of one allocation, UUIDs not the
 * ctx's, a descriptor or memory type the driver refuses), WMEL_ERR_NO_SAMPLES,
 * WMEL_ERR_TOO_SHORT, WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_OVERFLOW, WMEL_ERR_NOT_FINITE,
 * WMEL_ERR_SAMPLE_RANGE, WMEL_ERR_BACKEND_UNAVAILABLE, WMEL_ERR_VULKAN, WMEL_ERR_NO_MEMORY, WMEL_ERR_NOT_BUILT.
 * batch == 0 is OK and touches nothing. wmel_op_backend(ctx, WMEL_OP_DEVICE) says "vulkan"
 * for a Vulkan ctx it takes, "none" for one it refuses.
 * Thread-safety: safe to call concurrently on one ctx (calls on one ctx take turns). */
WMEL_API int wmel_vulkan_features_device(wmel_ctx *ctx, const wmel_vulkan_memory *pcm, int sample_type,
                                         size_t batch, size_t n_samples, size_t pcm_stride,
                                         const wmel_vulkan_memory *out, size_t out_len);

/* wmel_vulkan_features_device() of `batch` clips of their own lengths in another Vulkan
 * device's memory, in the manner of wmel_features_batch(): clip b is n_samples[b] samples of
 * sample_type (WMEL_SAMPLE_F32, or WMEL_SAMPLE_S16 divided by 32768) from sample
 * pcm_offset[b] after pcm->offset (byte pcm->offset + pcm_offset[b] * (4 or 2); pcm->offset a
 * multiple of the sample's size); its features go to float out_offset[b] after out->offset
 * (byte out->offset + 4 out_offset[b]; out->offset a multiple of 4), capacity out_len[b]
 * floats, rows x cols of wmel_features_shape(ctx, n_samples[b]) written in the plan's layout
 * (none where that is 0). pcm_offset, n_samples, out_offset and out_len are host arrays; the
 * clips may lie in any order and share samples; pcm and out may be the same allocation.
 * Clip b's bytes are those of wmel_features(ctx, ...) of its samples (int16: / 32768 as
 * floats) on the same ctx, each clip with its own statistics, max and post stage. The ctxs
 * it takes are those of wmel_vulkan_features_device, and a clip length the device's finish
 * does not take whole is refused as there (a round grows to 1 GiB, here with the clip's
 * samples too), with WMEL_ERR_BACKEND_UNAVAILABLE, the reason in wmel_vulkan_error_detail()
 * (a length: the clip's index in failed).
 * The clips run in rounds that share submissions, as wmel_features_batch's clips in host
 * memory do: each round is one submission and one wait, holding up to 64 clips whole (their
 * frames, finish and post stage), as many as its buffers take (a round's frames' values and
 * the finished outputs, a few MiB; a clip larger than a round has a round of its own, the
 * buffers grown for it); the device copies each clip's samples from the caller's memory into
 * the round and its finished features back into the caller's memory. The two allocations are
 * imported once a call.
 * The samples are checked on the device as its frames read them, whatever params.device_check
 * (the check is part of the frames' shader, no extra submission; device_check changes
 * nothing here): a float32 sample that is NaN or Inf gives WMEL_ERR_NOT_FINITE, one past the
 * device's bound (wmel_vulkan_features_device's) or a feature that is not finite
 * WMEL_ERR_SAMPLE_RANGE; failed then holds the first such clip's index (in the batch's order:
 * the clips of a round whose check fired run again one at a time, each its own submission,
 * until one is refused), also in wmel_vulkan_error_detail() ("clip k (of batch)"); the
 * outputs of that clip and of the clips after it are unspecified, those before it written.
 * int16 samples are never refused.
 * Synchronisation: as wmel_vulkan_features_device (synchronous: the caller's writes of the
 * samples complete before the call, the features complete when it returns WMEL_OK).
 * Every clip's arguments are checked before anything runs: the allocations' descriptors and
 * offsets (WMEL_ERR_INVALID_ARG), then each clip in turn (WMEL_ERR_NO_SAMPLES,
 * WMEL_ERR_TOO_SHORT, WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_OVERFLOW, WMEL_ERR_INVALID_ARG for a
 * range past its allocation), then WMEL_ERR_INVALID_ARG where an output shares a byte with
 * another clip's output or with samples in the same allocation (the same fd); a refusal runs
 * nothing. failed (may be NULL): the index of the clip the returned status is about; batch on
 * WMEL_OK and for a status about no one clip (the ctx, sample_type, NULL arrays, the
 * allocations' UUIDs or descriptors, WMEL_ERR_VULKAN, WMEL_ERR_NO_MEMORY). batch == 0 is OK
 * and touches nothing (the arrays may be NULL). wmel_op_backend(ctx, WMEL_OP_DEVICE) answers
 * as for wmel_vulkan_features_device.
 * Errors: WMEL_ERR_NULL_POINTER, WMEL_ERR_INVALID_ARG, WMEL_ERR_NO_SAMPLES, WMEL_ERR_TOO_SHORT,
 * WMEL_ERR_BUFFER_TOO_SMALL, WMEL_ERR_OVERFLOW, WMEL_ERR_NOT_FINITE, WMEL_ERR_SAMPLE_RANGE,
 * WMEL_ERR_BACKEND_UNAVAILABLE, WMEL_ERR_VULKAN, WMEL_ERR_NO_MEMORY, WMEL_ERR_THREAD,
 * WMEL_ERR_NOT_BUILT.
 * Thread-safety: safe to call concurrently on one ctx (calls on one ctx take turns). */
WMEL_API int wmel_vulkan_features_device_batch(wmel_ctx *ctx, const wmel_vulkan_memory *pcm, int sample_type,
                                               const size_t *pcm_offset, const size_t *n_samples, size_t batch,
                                               const wmel_vulkan_memory *out, const size_t *out_offset,
                                               const size_t *out_len, size_t *failed);

/* The CUDA runtime's message for the last WMEL_ERR_CUDA returned to the calling thread
 * ("" when none). Valid until the thread's next wmel call. Never NULL. */
WMEL_API const char *wmel_cuda_error_detail(void);

#ifdef __cplusplus
}
#endif

#endif /* WMEL_H */
