/* testutil.h -- small helpers shared by the C tests: checks that print file:line,
 * golden-file loading, error metrics. */
#ifndef WMEL_TESTUTIL_H
#define WMEL_TESTUTIL_H

#include "npy.h"
#include "testctl.h" /* the library's test door (src/) */
#include "wmel.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Windows (mingw-w64): the C library has _putenv_s for POSIX's setenv/unsetenv */
#if defined(_WIN32)
#define setenv(name, value, overwrite) ((void)(overwrite), _putenv_s((name), (value)))
#define unsetenv(name) _putenv_s((name), "")
#endif

/* T_SANITIZED: 1 in a build under AddressSanitizer (gcc's macro, clang's feature), where the
 * tests that size their work by time take less. */
#if defined(__SANITIZE_ADDRESS__)
#define T_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_SANITIZED 1
#endif
#endif
#ifndef T_SANITIZED
#define T_SANITIZED 0
#endif

/* The library reads the environment once (src/config.h): t_setenv and t_unsetenv change a
 * variable and have it read again, through the test door (src/testctl.h); t_count reads a
 * counter (WMEL__CNT_*), t_vk_fail_at has the n-th Vulkan call from now fail (0: none).
 * Each ends the test with a message (exit 1) in a library built without WMEL_TEST_HOOKS. */
int t_setenv(const char *name, const char *value, int overwrite);
int t_unsetenv(const char *name);
long long t_count(int which);
void t_vk_fail_at(long n);

extern int t_failures;
extern int t_checks;

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        t_checks++;                                                             \
        if (!(cond)) {                                                          \
            t_failures++;                                                       \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);     \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
        }                                                                       \
    } while (0)

/* Prints the summary and returns the exit code. */
int t_done(const char *name);
/* c's features (wmel_features) of x[0 .. n) into *o (malloc'd, *len values, each set to
   12345 first so that a value left unwritten shows; free(*o)): the call's status, or
   wmel_features_shape's. */
struct wmel_ctx;
int t_features_new(struct wmel_ctx *c, const float *x, size_t n, float **o, size_t *len);
/* 0 where plan's ctx can be made on the CUDA backend; else the test's exit status: 77
   (skipped, printed) without a CUDA device, or its failures' (t_done(name)) where the status
   is another than WMEL_ERR_BACKEND_UNAVAILABLE. */
struct wmel_frontend_plan;
int t_cuda_or_skip(const struct wmel_frontend_plan *plan, const char *name);

/* Path of a golden file: WMEL_GOLDEN "/" rel. Static buffer. */
const char *t_golden(const char *rel);

/* Loads a golden .npy as float64 (shape in *a); aborts the test binary with a clear
 * message if the file is missing. Free with free(). */
double *t_load_npy(const char *rel, wmel_npy *a);

/* Loads a golden WAV (16 kHz mono) as float samples. Free with wmel_free. */
float *t_load_wav(const char *rel, size_t *n);

/* Reads a whole file into malloc'd memory (free with free()); aborts the test binary with
 * a clear message when it cannot. */
unsigned char *t_read_file(const char *path, size_t *n);

/* A stem golden (ref/speech_en_wav.stem_out_*.npy): float32 (1500, 384), saved as a
 * transposed view (fortran_order True) that the library's .npy reader does not take;
 * returned as doubles in C order [1500][384]. Aborts when the file is not that. */
double *t_load_stem_golden(const char *rel);

/* A deterministic test signal: an amplitude-modulated chirp plus a little LCG noise,
 * different per seed. */
void t_chirp(float *x, size_t n, unsigned seed);
/* The backends' edge inputs of `len` samples into x: kind 0 silence, 1 full-scale noise
 * (an LCG's), 2 speech 8 times too loud, clipped, 3 speech (speech[i % ns]). */
void t_edge_signal(float *x, size_t len, int kind, const float *speech, size_t ns);
/* A small LCG for the live-audio tests' random pushes and trims (t_rng: the state). */
extern uint64_t t_rng;
uint32_t t_rnd(void);
/* A push size: mostly small, sometimes a few seconds (up to `longest` samples). */
size_t t_push_size(size_t longest);
/* n samples of t_chirp(seed) with a stretch of `gap` exact zeros from n / 5 on and zeros
 * over the last n / 7 (the frame driver's silence blocks); malloc'ed. */
float *t_noise_gaps(size_t n, unsigned seed, size_t gap);

/* A ctx with these params (the rest default); a failed create is a failed CHECK and
 * returns NULL. isa: WMEL_ISA_*; smooth: WMEL_SMOOTH_*. */
wmel_ctx *t_ctx(int backend, int n_mels, int isa, int threads, int norm, int smooth);

/* 1 when the tests run under an emulator (qemu-user in a cross build: WMEL_TEST_EMULATED
 * is set by tests/CMakeLists.txt). There the float64 backend, a direct DFT that emulates
 * at a fraction of native speed, is run on short clips only. */
int t_emulated(void);

/* Starts fn(arg) on a thread of its own (returns 1: join it) or, where the system starts
 * none (WebAssembly built without threads), runs it on the calling thread (returns 0). */
int t_thread(pthread_t *th, void *(*fn)(void *), void *arg);

/* The CPU levels this machine runs (after WMEL_MAX_ISA), lowest first, each once: C,
 * then AVX2 and AVX512, NEON or SIMD128, as far as the CPU goes; into levels[4], returns the count.
 * Tests loop over these rather than over the enum: a level from another family would
 * only run C again. */
int t_isa_levels(int *levels);

/* 1 when the stem loader is built in (the tiny golden stem loads); otherwise prints
 * "skipped: ..." and returns 0 (the caller exits 77). */
int t_have_stem(void);

/* wmel_default_params() with backend, max_isa (WMEL_ISA_*) and n_threads set. */
wmel_params t_params(int backend, int isa, int threads);
/* wmel_create_plan(t_params(backend, isa, threads), pl); *st its status. */
wmel_ctx *t_ctx_plan(const wmel_frontend_plan *pl, int backend, int isa, int threads, int *st);

/* n samples (malloc'ed, at least one value) of kind k: 0 t_chirp(seed), 1 silence, 2 uniform
 * noise in [-amp, amp) from t_rnd() after t_rng = seed. */
float *t_signal(int k, size_t n, unsigned seed, float amp);

/* wmel_long_write's sink: appends to v, which has room for cap values (n so far); refuses
 * (nonzero) what would not fit. */
typedef struct {
    float *v;
    size_t n, cap;
} t_sink;
int t_sink_take(void *user, const float *values, size_t n);

/* wmel_stream's frame callback: the raw blocks [nc][nb] gathered into v [frames][nc]; n is one
 * past the last frame seen. */
typedef struct {
    float *v;
    size_t nc, n;
} t_gather;
int t_gather_take(void *user, const float *raw, size_t f0, size_t nb);

/* The sliding buffer b (made on ctx; NULL runs nothing) through at most `steps` pushes of x[0..n)
 * in t_rnd() pieces (t_rng = seed first; the first `small` steps 1..300 samples, then
 * t_push_size(12000)) and a trim after one in three (3 in 4 of them a multiple of hop): after
 * each, CHECKs that its shape and its features equal wmel_features() of the samples it holds,
 * bit for bit. */
void t_sliding_same(wmel_ctx *ctx, wmel_sliding *b, const float *x, size_t n, size_t hop, unsigned seed, int steps,
                    int small, const char *name);

/* wmel_long_* (blocks of 4096, pushes of 3001 samples) on a ctx of plan p (the best ISA level,
 * 2 threads), for each length lens[i], of full-scale noise t_signal(2, lens[i], i + 9, 1):
 * CHECKs that the finish status is wmel_features_shape()'s and, where both are WMEL_OK (and the
 * output is not empty, unless empty_too), that what it writes equals wmel_features() bit for
 * bit. */
void t_long_same(const wmel_frontend_plan *p, const size_t *lens, size_t n_lens, int empty_too, const char *name);

/* max |v - r| / max(1, |r|) over n values; NaN where one is NaN and the other is not. */
double t_rel_err_ff(const float *v, const float *r, size_t n);
/* FunASR's LFR on plan v: 7 frames a row, stride 6, 3 copies of frame 0 in front, the last
   frame past the end (the device backends' post stage tests). */
void t_lfr76(wmel_frontend_plan *v);
/* A per-column affine's vectors for the tests: n scales in [0.5, 0.86], n shifts in [-1, -0.7]. */
void t_cols_vectors(double *scale, double *shift, size_t n);

double t_max_abs_diff_fd(const float *a, const double *b, size_t n);
double t_max_abs_diff_ff(const float *a, const float *b, size_t n);

/* A device backend's frame values read back as float32 (its default where the host takes
 * no cepstra from them) against float64 (the backend's testing switch env=1, read when a
 * ctx is made): preset `name` (dither off) gives the same bytes and statuses, single calls
 * and a batch, on 9,000 samples of speech, on them past float32's power range and with a
 * NaN. backend: WMEL_BACKEND_CUDA or WMEL_BACKEND_VULKAN (vulkan_arith its arithmetic). */
void t_vals_f32_check(int backend, int vulkan_arith, const char *env, const char *name, const float *speech);
/* A call that a Vulkan call failed on purpose (the k-th) made fail: a status a user can act on
 * (the backend unavailable, a Vulkan error, no memory) and a message in the detail. */
void t_vk_fault_status(int rc, long k);

#endif
