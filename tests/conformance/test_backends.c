/*
 * test_backends.c -- one conformance harness for every backend built: every preset (and a
 * dithered preset once more with the dither off; Kaldi's plan with dither 1, and with its raw
 * log energy and dither 0.3: the devices draw the noise; Kaldi's plan with the logs that guard
 * exact zeros only, ln_zero and log10_zero) on the CPU backend, the float64 reference
 * backend, Vulkan (float64 and float-float, on whatever device the loader lists: lavapipe
 * where no GPU is) and CUDA (float64 and float-float; the emulator build -DWMEL_CUDA=EMU
 * counts), each input kind against the CPU backend's bytes where the backend promises them
 * (float64 on Vulkan of a plan the CPU computes with the general algorithm; any frames a
 * device hands to the CPU: a dithered plan on Vulkan's float-float, the windowed energy, a frame past the device's
 * shared memory), else
 * within the bar, 2e-5 x max(1, |ref|), of the float64 reference backend:
 *
 * - one clip of float32 samples: 0.5 s of speech, 3,000 samples of silence, full-scale noise and
 *   clipped speech, the edge lengths 0, 1, one frame -1, +0, +1 sample and one hop more, a
 *   NaN (the CPU's status), 0.25 s of speech x 1e18 (past the CPU kernels' range: the CPU's status);
 * - int16 samples (wmel_log_mel_s16): the values of the same ctx's float32 call on s / 32768,
 *   bytes for bytes, and the CPU's bytes or the bar;
 * - a batch of 4 clips of mixed lengths (wmel_features_batch): each clip its single call's
 *   bytes on the same ctx, and the CPU's or the bar; a NaN in clip 2: the CPU's status and index;
 * - device memory where the backend has an entry (wmel_cuda_features_device,
 *   wmel_vulkan_features_device: exported memory of a device of the test's own on the ctx's
 *   physical device): a batch in float32 and int16, wmel_features' bytes on the same ctx,
 *   nothing written past the output, and on Vulkan a batch of mixed lengths
 *   (wmel_vulkan_features_device_batch), taken or refused as the single clips; or refused
 *   with WMEL_ERR_BACKEND_UNAVAILABLE and a reason.
 *
 * Every backend's status equals the CPU's on every input; a device says where it ran
 * (wmel_op_backend) and, where the build counts them, whether the finish ran on the device
 * (the presets whose finish the device makes are listed below). One line per preset x backend:
 * "ran" with the kernel, the worst error / bar and what was compared, or "refused: reason".
 * Without a device the device rows are left out with the reason; the CPU and reference rows
 * run in every build.
 */
#define _GNU_SOURCE /* RTLD_NODELETE */
#include "testutil.h"
#include "wmel.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(WMEL_HAVE_VULKAN)
#include "../vulkan/vk_test.h"
#if defined(T_VK_EXPORT)
#include "../vulkan/vk_export.h"
#endif
#endif
#if defined(WMEL_HAVE_CUDA)
#include "../cuda/cuda_testutil.h"
#include "fe/fe.h"
#include "internal.h"
#endif

#define BAR 2e-5
#define SPEECH_AT 8000 /* the clips' samples start here in speech_en.wav */

enum { B_CPU, B_REF, B_VULKAN, B_CUDA };
typedef struct backend {
    int kind;           /* B_* */
    int arith;          /* 0 the backend's own, 1 float64, 2 float-float */
    const char *label;  /* "vulkan float64" */
    const char *device; /* wmel_op_backend's name where it runs on the device; NULL for cpu and ref */
} backend;

static backend g_be[8];
static int g_nbe;
static char g_left_out[512]; /* the backends not built or without a device, with the reason */

#if defined(WMEL_TEST_HOOKS)
/* The presets whose finish a device makes on a clip of 0.5 s (dither off). */
static const char *const VK_FINISH[] = {"nemo", "kaldi", "ast", "clap", "speech2text", "wespeaker", "seamless",
                                        "xcodec2", "neucodec", "voxtral-realtime", "speechbrain-fbank", "funasr",
                                        "fun-asr-nano", "granite-speech", "granite-speech5", "lhotse-mfcc", "whisper",
                                        "whisper-128", NULL};
static const char *const CU_FINISH[] = {"nemo", "kaldi", "ast", "clap", "speech2text", "wespeaker", "seamless",
                                        "xcodec2", "neucodec", "voxtral-realtime", "speechbrain-fbank", "funasr",
                                        "fun-asr-nano", "granite-speech", "granite-speech5", "lhotse-mfcc", NULL};
#endif
#if defined(WMEL_HAVE_VULKAN) && defined(T_VK_EXPORT)
/* The presets wmel_vulkan_features_device must take (the others: taken or refused with a reason). */
static const char *const VK_DEVMEM[] = {"nemo", "kaldi", "funasr", "lhotse-mfcc", NULL};
#endif

#if defined(WMEL_TEST_HOOKS) || (defined(WMEL_HAVE_VULKAN) && defined(T_VK_EXPORT))
/* CUDA's own kernels of Whisper's geometry (kernels.cu), in either arithmetic */
static int cu_whisper_kernel(const char *k) { return !strncmp(k, "cuda-f64fft-", 12) || !strncmp(k, "cuda-fffft-", 11); }

static int listed(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (!strcmp(*list, name)) return 1;
    return 0;
}
#endif

static wmel_ctx *be_ctx(const backend *b, const wmel_frontend_plan *plan, int *st)
{
    wmel_params p = wmel_default_params();
    p.n_threads = 2;
    p.backend = b->kind == B_CPU ? WMEL_BACKEND_CPU
              : b->kind == B_REF ? WMEL_BACKEND_REF
              : b->kind == B_VULKAN ? WMEL_BACKEND_VULKAN
                                    : WMEL_BACKEND_CUDA;
    if (b->kind == B_VULKAN)
        p.vulkan_arith = b->arith == 2 ? WMEL_VULKAN_ARITH_FLOAT_FLOAT : WMEL_VULKAN_ARITH_FLOAT64;
#if defined(WMEL_TEST_HOOKS)
    if (b->kind == B_CUDA && b->arith) /* read when the ctx is made */
        t_setenv("WMEL_CUDA_ARITHMETIC", b->arith == 2 ? "float-float" : "float64", 1);
#endif
    *st = 0;
    wmel_ctx *c = wmel_create_plan(&p, plan, st);
#if defined(WMEL_TEST_HOOKS)
    if (b->kind == B_CUDA && b->arith) t_unsetenv("WMEL_CUDA_ARITHMETIC");
#endif
    return c;
}

static const char *be_detail(const backend *b)
{
    return b->kind == B_VULKAN ? wmel_vulkan_error_detail() : b->kind == B_CUDA ? wmel_cuda_error_detail() : "";
}

/* ---- the inputs ---- */

enum { K_SPEECH, K_SILENCE, K_NOISE, K_CLIPPED, K_E0, K_E1, K_EFM1, K_EF, K_EFP1, K_EFH, K_NAN, K_BIG, K_S16, NK };
static const char *const KNAME[NK] = {"speech 0.5 s", "silence",   "noise",          "clipped",     "0 samples",
                                      "1 sample",   "frame - 1", "one frame",      "frame + 1",   "frame + hop",
                                      "a NaN",      "x 1e18",    "int16 0.5 s"};
enum { NB = 4 };
static const size_t BATCH_N[NB] = {8000, 4801, 6007, 5000};

typedef struct result {
    int st;
    float *o;
    size_t len;
} result;

typedef struct inputs {
    float *x[NK];
    int16_t *s16;
    size_t n[NK];
    float *s16f;           /* s16 / 32768 */
    const float *pcm[NB];  /* the batch's clips */
    float *nan_clip;       /* the batch's clip 2 with a NaN */
} inputs;

static void inputs_make(inputs *in, const wmel_frontend_plan *plan, const float *speech, size_t ns)
{
    memset(in, 0, sizeof *in);
    const size_t fl = (size_t)(plan->n_fft > plan->frame_length ? plan->n_fft : plan->frame_length);
    const size_t len[NK] = {8000, 3000, 3000, 3000, 0, 1, fl - 1, fl, fl + 1, fl + (size_t)plan->hop, 1000, 4000, 8000};
    for (int k = 0; k < NK; k++) {
        in->n[k] = len[k];
        in->x[k] = malloc((len[k] ? len[k] : 1) * sizeof(float));
        const int kind = k == K_SILENCE ? 0 : k == K_NOISE ? 1 : k == K_CLIPPED ? 2 : 3;
        t_edge_signal(in->x[k], len[k], kind, speech, ns);
    }
    in->x[K_NAN][100] = NAN;
    for (size_t i = 0; i < in->n[K_BIG]; i++) in->x[K_BIG][i] *= 1e18f;
    const size_t n16 = in->n[K_S16];
    in->s16 = malloc(n16 * sizeof(int16_t));
    in->s16f = malloc(n16 * sizeof(float));
    for (size_t i = 0; i < n16; i++) {
        in->s16[i] = (int16_t)lrintf(speech[4000 + i] * 16384.0f);
        in->s16f[i] = (float)in->s16[i] / 32768.0f;
    }
    for (int b = 0; b < NB; b++) in->pcm[b] = speech + 977 * (size_t)b;
    in->nan_clip = malloc(BATCH_N[2] * sizeof(float));
    memcpy(in->nan_clip, in->pcm[2], BATCH_N[2] * sizeof(float));
    in->nan_clip[BATCH_N[2] / 2] = NAN;
}

static void inputs_free(inputs *in)
{
    for (int k = 0; k < NK; k++) free(in->x[k]);
    free(in->s16);
    free(in->s16f);
    free(in->nan_clip);
}

/* x on c (int16 for K_S16): the status and the output */
static result run_case(wmel_ctx *c, const inputs *in, int k)
{
    result r = {0, NULL, 0};
    size_t rows = 0, cols = 0;
    r.st = wmel_features_shape(c, in->n[k], &rows, &cols);
    if (r.st != WMEL_OK) return r;
    r.len = rows * cols;
    r.o = malloc((r.len ? r.len : 1) * sizeof(float));
    for (size_t i = 0; i < r.len; i++) r.o[i] = 12345.0f;
    r.st = k == K_S16 ? wmel_log_mel_s16(c, in->s16, in->n[k], 0, r.o, r.len) : wmel_features(c, in->x[k], in->n[k], r.o, r.len);
    return r;
}

/* the batch (nan: clip 2 with a NaN) on c: outputs into o[NB] (malloc'd), the failed index */
static int run_batch(wmel_ctx *c, const inputs *in, int nan, float **o, size_t *len, size_t *failed)
{
    const float *pcm[NB];
    for (int b = 0; b < NB; b++) {
        size_t rows = 0, cols = 0;
        pcm[b] = nan && b == 2 ? in->nan_clip : in->pcm[b];
        len[b] = wmel_features_shape(c, BATCH_N[b], &rows, &cols) == WMEL_OK ? rows * cols : 0;
        o[b] = malloc((len[b] ? len[b] : 1) * sizeof(float));
        for (size_t i = 0; i < len[b]; i++) o[b][i] = 12345.0f;
    }
    *failed = NB + 7;
    return wmel_features_batch(c, pcm, BATCH_N, NB, o, len, failed);
}

/* ---- one preset on one backend ---- */

typedef struct refs {
    result cpu[NK], ref[NK];
    float *cpu_b[NB], *ref_b[NB];
    size_t len_b[NB];
    int cpu_bst, ref_bst, cpu_nan_st;
    size_t cpu_nan_at;
    int general; /* the CPU computes the plan with the general algorithm */
} refs;

typedef struct row {
    double worst;      /* the largest error / bar */
    int bytes, barred; /* the outputs held to the CPU's bytes, to the bar */
    char notes[1024];
} row;

static void note(row *r, const char *s)
{
    const size_t l = strlen(r->notes);
    snprintf(r->notes + l, sizeof r->notes - l, "%s%s", l ? ", " : "", s);
}

/* o (len values) against the CPU's bytes (cpu_bytes) or the reference's bar */
static void compare(row *r, const char *what, const float *o, size_t len, const result *cpu, const result *ref,
                    int cpu_bytes)
{
    CHECK(len == cpu->len, "%s: %zu values, the CPU's %zu", what, len, cpu->len);
    if (len != cpu->len) return;
    if (cpu_bytes) {
        const int same = !memcmp(o, cpu->o, len * sizeof(float));
        CHECK(same, "%s: not the CPU's bytes (error %g vs the CPU)", what, t_rel_err_ff(o, cpu->o, len));
        r->bytes++;
    } else if (ref->st == WMEL_OK && ref->len == len) {
        const double e = t_rel_err_ff(o, ref->o, len);
        CHECK(e <= BAR, "%s: error %g vs the float64 reference (bar %g; the CPU's %g)", what, e, BAR,
              t_rel_err_ff(cpu->o, ref->o, len));
        if (!(e / BAR <= r->worst)) r->worst = isnan(e) ? INFINITY : e / BAR;
        r->barred++;
    }
}

#if defined(WMEL_TEST_HOOKS)
static long long finishes(const backend *b)
{
    return b->kind == B_VULKAN ? t_count(WMEL__CNT_VK_FINISHES) : b->kind == B_CUDA ? t_count(WMEL__CNT_CU_FINISHES) : 0;
}
#endif

/* ---- device memory ---- */

#if defined(WMEL_HAVE_CUDA)
enum { CB = 3, CN = 6007, CSTRIDE = 6100, CDEV_OUT = CB * 300000 + 64 };
static float g_cx[CB * CSTRIDE], g_cxsf[CB * CSTRIDE];
static int16_t g_cxs[CB * CSTRIDE];
static t_dev g_cdev;
static int g_cdev_ok;

/* c's device features of the batch (float32 or int16) against wmel_features of each clip */
static int cuda_same(const char *what, wmel_ctx *c, int s16)
{
    size_t rows = 0, cols = 0;
    if (wmel_features_shape(c, CN, &rows, &cols) != WMEL_OK) return 0;
    const size_t per = rows * cols, cap = CB * per + 64;
    CHECK(cap <= CDEV_OUT, "%s: %zu values a clip: the test's output buffer is too small", what, per);
    if (cap > CDEV_OUT) return 0;
    float *want = malloc(CB * per * sizeof(float) + 1), *got = malloc(cap * sizeof(float));
    int good = want && got;
    for (size_t b = 0; good && b < CB; b++)
        good = wmel_features(c, (s16 ? g_cxsf : g_cx) + b * CSTRIDE, CN, want + b * per, per) == WMEL_OK;
    CHECK(good, "%s: wmel_features", what);
    if (good) {
        cudaMemset(g_cdev.o, 0xff, cap * sizeof(float));
        const int rc = wmel_cuda_features_device(c, s16 ? g_cdev.xs : g_cdev.x, s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32,
                                                 CB, CN, CSTRIDE, g_cdev.o, CB * per, g_cdev.s);
        CHECK(rc == WMEL_OK, "%s %s: %s (%s)", what, s16 ? "int16" : "float32", wmel_strerror(rc), wmel_cuda_error_detail());
        good = rc == WMEL_OK && cudaStreamSynchronize(g_cdev.s) == cudaSuccess &&
               cudaMemcpy(got, g_cdev.o, cap * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess;
    }
    if (good) {
        CHECK(!memcmp(got, want, CB * per * sizeof(float)), "%s %s: not wmel_features' bytes", what,
              s16 ? "int16" : "float32");
        unsigned poison;
        memset(&poison, 0xff, sizeof poison);
        for (size_t i = CB * per; i < cap; i++)
            if (memcmp(got + i, &poison, sizeof poison)) {
                CHECK(0, "%s: value %zu written past the clips' output", what, i);
                break;
            }
        good = !memcmp(got, want, CB * per * sizeof(float));
    }
    free(want);
    free(got);
    return good;
}

/* the ctx's device memory: "ran" or "refused: reason" into r; taken where the device makes the
   plan's finish */
static void cuda_devmem(row *r, const char *name, wmel_ctx *c)
{
    char s[200];
    if (!g_cdev_ok) {
        note(r, "device memory: no stream");
        return;
    }
    const int general = c->fe->algo == &wmel__algo_general;
    /* Whisper's geometry on its own kernels: always taken; a general plan where the device makes
       its finish; n_samples: cut or padded on the host first, refused */
    const int want = c->fe->p.n_samples <= 0 &&
                     (!general || wmel__fe_dev_finish(c->fe, WMEL__DEV_POST | WMEL__DEV_THEN | WMEL__DEV_ALL));
    const int q = wmel_cuda_features_device(c, NULL, WMEL_SAMPLE_F32, 0, 0, 0, NULL, 0, g_cdev.s);
    CHECK(q == (want ? WMEL_OK : WMEL_ERR_BACKEND_UNAVAILABLE), "%s: device memory %s (%s), want %s", name,
          wmel_strerror(q), wmel_cuda_error_detail(), want ? "taken" : "refused");
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_DEVICE), want ? "cuda" : "none"), "%s: WMEL_OP_DEVICE %s",
          name, wmel_op_backend(c, WMEL_OP_DEVICE));
    if (q == WMEL_OK) {
        const int ok = cuda_same(name, c, 0) && cuda_same(name, c, 1);
        note(r, ok ? "device memory ran (float32, int16: wmel_features' bytes)" : "device memory FAILED");
    } else {
        CHECK(strstr(wmel_cuda_error_detail(), "wmel_cuda_features_device") != NULL, "%s: the message: %s", name,
              wmel_cuda_error_detail());
        snprintf(s, sizeof s, "device memory refused: %s", wmel_cuda_error_detail());
        note(r, s);
    }
}
#endif

#if defined(WMEL_HAVE_VULKAN) && defined(T_VK_EXPORT)
#include <dirent.h>
#include <fcntl.h>
static int g_vk_export; /* vk_open succeeded */

/* the process's open descriptors */
static int fds_open(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

/* batch clips of n samples (stride n + 37), float32 or int16, in exported memory: 1 where the
   device took them (wmel_features' bytes, nothing around the output written), 0 refused
   (*why the reason), -1 a failure */
static int vk_devmem_one(const char *what, wmel_ctx *c, int s16, size_t batch, size_t n, char *why, size_t why_len)
{
    const size_t stride = n + 37, el = s16 ? 2 : 4, PCM_OFF = 64, OUT_OFF = 256;
    size_t rows = 0, cols = 0;
    if (wmel_features_shape(c, n, &rows, &cols) != WMEL_OK) return 1; /* a clip the plan refuses: none to send */
    const size_t per = rows * cols;
    vkx_mem in, out;
    if (!mem_new(&in, PCM_OFF + batch * stride * el + 64) || !mem_new(&out, OUT_OFF + batch * per * 4 + 512)) {
        CHECK(0, "%s: the test's allocations", what);
        return -1;
    }
    float *x = malloc(n * sizeof *x), *ref = malloc((per ? per : 1) * sizeof *ref);
    unsigned char *o = out.p;
    memset(o, 0xA5, (size_t)out.m.size);
    in.m.offset = PCM_OFF;
    out.m.offset = OUT_OFF;
    for (size_t b = 0; b < batch; b++) {
        t_chirp(x, n, 11 + (unsigned)b);
        for (size_t i = 0; i < n; i++) {
            if (s16) ((int16_t *)((char *)in.p + PCM_OFF))[b * stride + i] = (int16_t)lrintf(x[i] * 20000.0f);
            else ((float *)((char *)in.p + PCM_OFF))[b * stride + i] = x[i];
        }
    }
    const int fds = fds_open();
#if defined(WMEL_TEST_HOOKS)
    const long long d0 = t_count(WMEL__CNT_VK_DEV_CLIPS);
#endif
    const int rc = wmel_vulkan_features_device(c, &in.m, s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32, batch, n, stride,
                                               &out.m, batch * per);
#if defined(WMEL_TEST_HOOKS)
    CHECK(rc != WMEL_OK || per == 0 || t_count(WMEL__CNT_VK_DEV_CLIPS) - d0 == (long long)batch,
          "%s: %lld clips finished on the device, not %zu", what, t_count(WMEL__CNT_VK_DEV_CLIPS) - d0, batch);
#endif
    CHECK(fds_open() == fds, "%s: %d descriptors open after the call, %d before", what, fds_open(), fds);
    CHECK(fcntl(in.m.fd, F_GETFD) != -1, "%s: the caller's descriptor was closed", what);
    int ret = rc == WMEL_OK ? 1 : 0;
    if (rc != WMEL_OK) {
        snprintf(why, why_len, "%s", wmel_vulkan_error_detail());
        CHECK(rc == WMEL_ERR_BACKEND_UNAVAILABLE && why[0], "%s: device memory %d without a reason ('%s')", what, rc,
              why);
    }
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
        for (size_t i = 0; i < n; i++)
            x[i] = s16 ? ((int16_t *)((char *)in.p + PCM_OFF))[b * stride + i] / 32768.0f
                       : ((float *)((char *)in.p + PCM_OFF))[b * stride + i];
        const int same = wmel_features(c, x, n, ref, per) == WMEL_OK && !memcmp(o + OUT_OFF + b * per * 4, ref, per * 4);
        float *got = malloc((per ? per : 1) * sizeof *got);
        memcpy(got, o + OUT_OFF + b * per * 4, per * 4);
        CHECK(same, "%s %s: clip %zu of %zu (%zu samples): not wmel_features' bytes (error %g)", what,
              s16 ? "int16" : "float32", b, batch, n, t_rel_err_ff(got, ref, per));
        free(got);
        if (!same) ret = -1;
    }
    size_t bad = 0;
    for (size_t i = 0; i < OUT_OFF; i++) bad += o[i] != 0xA5;
    for (size_t i = OUT_OFF + (rc == WMEL_OK ? batch * per * 4 : 0); i < (size_t)out.m.size; i++) bad += o[i] != 0xA5;
    CHECK(bad == 0, "%s: %zu bytes around the output written", what, bad);
    free(x);
    free(ref);
    mem_free(&in);
    mem_free(&out);
    return ret;
}

/* wmel_vulkan_features_device_batch of clips of mixed lengths (those the plan takes) in one
   allocation, float32: 1 where every clip is wmel_features' bytes, 0 refused (*why), -1 a
   failure */
static int vk_devmem_mixed(const char *what, wmel_ctx *c, char *why, size_t why_len)
{
    const size_t lens[4] = {6007, 417, 12345, 2000};
    size_t n[4], off[4], ooff[4], len[4], B = 0, in_n = 16, out_n = 8;
    for (size_t k = 0; k < 4; k++) {
        size_t rows = 0, cols = 0;
        if (wmel_features_shape(c, lens[k], &rows, &cols) != WMEL_OK) continue;
        n[B] = lens[k], off[B] = in_n, len[B] = rows * cols, ooff[B] = out_n;
        in_n += lens[k] + 3, out_n += rows * cols + 5, B++;
    }
    if (B == 0) return 1;
    vkx_mem in, out;
    if (!mem_new(&in, in_n * 4 + 64) || !mem_new(&out, out_n * 4 + 64)) {
        CHECK(0, "%s: the test's allocations", what);
        return -1;
    }
    for (size_t b = 0; b < B; b++) t_chirp((float *)in.p + off[b], n[b], 31 + (unsigned)b);
    size_t failed = 0;
    const int rc = wmel_vulkan_features_device_batch(c, &in.m, WMEL_SAMPLE_F32, off, n, B, &out.m, ooff, len, &failed);
    int ret = rc == WMEL_OK ? 1 : 0;
    if (rc != WMEL_OK) {
        snprintf(why, why_len, "%s", wmel_vulkan_error_detail());
        CHECK(rc == WMEL_ERR_BACKEND_UNAVAILABLE && why[0], "%s: mixed batch %d without a reason ('%s')", what, rc,
              why);
    }
    CHECK(failed == (rc == WMEL_OK ? B : failed), "%s: mixed batch: failed %zu", what, failed);
    for (size_t b = 0; rc == WMEL_OK && b < B; b++) {
        float *ref = malloc((len[b] ? len[b] : 1) * sizeof *ref);
        const int same = ref && wmel_features(c, (float *)in.p + off[b], n[b], ref, len[b]) == WMEL_OK &&
                         !memcmp((float *)out.p + ooff[b], ref, len[b] * 4);
        CHECK(same, "%s: mixed batch clip %zu (%zu samples): not wmel_features' bytes", what, b, n[b]);
        if (!same) ret = -1;
        free(ref);
    }
    mem_free(&in);
    mem_free(&out);
    return ret;
}

static void vk_devmem(row *r, const char *name, wmel_ctx *c)
{
    char why[256] = "", s[320];
    if (!g_vk_export) {
        note(r, "device memory: no exportable memory on this device");
        return;
    }
    const int a = vk_devmem_one(name, c, 0, 2, 6007, why, sizeof why);
    int b = a == 1 ? vk_devmem_one(name, c, 1, 2, 4000, why, sizeof why) : a;
    if (b == 1) b = vk_devmem_one(name, c, 0, 1, 417, why, sizeof why);
    char why2[256] = "";
    const int m = vk_devmem_mixed(name, c, why2, sizeof why2); /* taken or refused as the single clips */
    CHECK(m == (a == 1 && b == 1 ? 1 : 0) || a == -1 || b == -1, "%s: the mixed batch %d, the clips %d %d (%s)", name,
          m, a, b, why2);
    if (b == 1 && m != 1) b = m;
    if (listed(VK_DEVMEM, name)) CHECK(a == 1 && b == 1, "%s: device memory not taken: %s", name, why);
    if (a == 1 && b == 1)
        CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_DEVICE), "vulkan"), "%s: WMEL_OP_DEVICE says %s", name,
              wmel_op_backend(c, WMEL_OP_DEVICE));
    if (a == 1 && b == 1) note(r, "device memory ran (float32, int16, a mixed batch: wmel_features' bytes)");
    else if (a == 0 || b == 0) snprintf(s, sizeof s, "device memory refused: %s", why), note(r, s);
    else note(r, "device memory FAILED");
}
#endif

#if defined(WMEL_TEST_HOOKS)
/* The device's finish against the host's finish of the same device values (the backend's
   switch WMEL_*_DEVICE_FINISH=0, read when a ctx is made) on the 0.5 s clip: float64 the same
   bytes, float-float within the bar of them. */
static void twin(row *r, const char *name, const wmel_frontend_plan *plan, const backend *b, const inputs *in,
                 wmel_ctx *c)
{
    const char *env = b->kind == B_VULKAN ? "WMEL_VULKAN_DEVICE_FINISH" : "WMEL_CUDA_DEVICE_FINISH";
    int st = 0;
    t_setenv(env, "0", 1);
    wmel_ctx *off = be_ctx(b, plan, &st);
    t_unsetenv(env);
    CHECK(off != NULL, "%s on %s: the ctx with %s=0: %d", name, b->label, env, st);
    if (off) {
        const long long f0 = finishes(b);
        result on = run_case(c, in, K_SPEECH);
        const long long f1 = finishes(b);
        result host = run_case(off, in, K_SPEECH);
        CHECK(finishes(b) == f1, "%s on %s: %s=0 finished on the device", name, b->label, env);
        /* (CUDA's Whisper kernels normalise on the device whatever the switch, uncounted) */
        const int cu_pfa = b->kind == B_CUDA && cu_whisper_kernel(wmel_kernel_name(off));
        CHECK(host.st != WMEL_OK || !strcmp(wmel_op_backend(off, WMEL_OP_FINISH), cu_pfa ? "cuda" : "cpu"),
              "%s on %s: %s=0: WMEL_OP_FINISH says %s", name, b->label, env, wmel_op_backend(off, WMEL_OP_FINISH));
        CHECK(on.st == host.st, "%s on %s: status %d, with the host's finish %d", name, b->label, on.st, host.st);
        if (on.st == WMEL_OK && host.st == WMEL_OK && f1 > f0) {
            const double e = t_rel_err_ff(on.o, host.o, on.len);
            if (b->arith == 1)
                CHECK(on.len == host.len && !memcmp(on.o, host.o, on.len * sizeof(float)),
                      "%s on %s: the device's finish, not the host's bytes (error %g)", name, b->label, e);
            else
                CHECK(on.len == host.len && e <= BAR, "%s on %s: the device's finish %g from the host's (bar %g)", name,
                      b->label, e, BAR);
            note(r, b->arith == 1 ? "the host finish's bytes" : "within the bar of the host's finish");
        }
        free(on.o);
        free(host.o);
    }
    wmel_destroy(off);
}
#endif

/* One preset variant (name) on backend b against w; prints its line. */
static void run_row(const char *pname, const char *name, const wmel_frontend_plan *plan, const backend *b,
                    const refs *w, const inputs *in, int dither_off)
{
    int st = 0;
    wmel_ctx *c = be_ctx(b, plan, &st);
    if (!c) {
        printf("%-26s %-18s refused: %s (%s)\n", name, b->label, wmel_strerror(st), be_detail(b));
        /* a device this build found makes every preset's ctx */
        CHECK(0, "%s on %s: create: %s (%s)", name, b->label, wmel_strerror(st), be_detail(b));
        return;
    }
    row r;
    memset(&r, 0, sizeof r);
    const char *kernel = wmel_kernel_name(c);
    /* the frames the device hands to the CPU: the CPU's bytes */
    /* CUDA's kernel and Vulkan's float64 shader draw the noise; Vulkan's float-float leaves it to the CPU */
    const int fallback = b->device && ((plan->dither != 0.0 && b->kind == B_VULKAN && b->arith == 2) ||
                                       plan->energy_windowed || !strncmp(kernel, "cpu-", 4));
    const int vk_f64 = b->kind == B_VULKAN && b->arith == 1 && w->general;
    const int cpu_bytes = fallback || vk_f64; /* the CPU itself: held to the bar */
    if (b->device && !fallback) { /* the device's kernel in the arithmetic asked for (CUDA's Whisper kernels too) */
        const char *k = b->kind == B_VULKAN ? (b->arith == 2 ? "vulkan-ff-" : "vulkan-f64-")
                      : b->arith == 2       ? (cu_whisper_kernel(kernel) ? "cuda-fffft-" : "cuda-ff-")
                      : b->arith == 1       ? "cuda-f64"
                                            : "cuda-";
        CHECK(!strncmp(kernel, k, strlen(k)),
              "%s on %s: kernel %s, %s... expected", name, b->label, kernel, k);
    }
    char what[160];
    result got[NK];
    for (int k = 0; k < NK; k++) {
#if defined(WMEL_TEST_HOOKS)
        const long long f0 = finishes(b);
#endif
        got[k] = run_case(c, in, k);
        snprintf(what, sizeof what, "%s on %s, %s (%zu samples)", name, b->label, KNAME[k], in->n[k]);
        CHECK(got[k].st == w->cpu[k].st, "%s: status %d, the CPU's %d (%s)", what, got[k].st, w->cpu[k].st,
              be_detail(b));
        if (got[k].st == WMEL_OK && w->cpu[k].st == WMEL_OK && k != K_NAN) {
            compare(&r, what, got[k].o, got[k].len, &w->cpu[k], &w->ref[k], cpu_bytes);
            if (b->device && k != K_BIG && got[k].len) { /* (samples past 1e15: the CPU's kernels, by the plan) */
                const char *ob = wmel_op_backend(c, k == K_S16 ? WMEL_OP_LOG_MEL_S16 : WMEL_OP_LOG_MEL);
                /* CUDA's Whisper kernels leave a clip that is all padding to the CPU (a clip of 0
                   samples the plan's n_samples pads) */
                const int fb = fallback || (b->kind == B_CUDA && plan->n_samples > 0 && in->n[k] == 0 &&
                                            cu_whisper_kernel(kernel));
                CHECK(!strcmp(ob, fb ? "cpu" : b->device), "%s: ran on %s", what, ob);
                if (fb) { /* frames on the host: its finish there too, each with its sentence */
                    char why[400];
                    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_FINISH), "cpu"), "%s: finish on %s, frames on the cpu",
                          what, wmel_op_backend(c, WMEL_OP_FINISH));
                    CHECK(wmel_op_reason(c, WMEL_OP_LOG_MEL, why, sizeof why) == 1 && *why, "%s: no reason", what);
                    CHECK(wmel_op_reason(c, WMEL_OP_FINISH, why, sizeof why) == 1 && !strcmp(why, "with the frames"),
                          "%s: the finish's reason '%s'", what, why);
                } else if (k != K_S16) {
                    char why[8] = "x";
                    CHECK(wmel_op_reason(c, WMEL_OP_LOG_MEL, why, sizeof why) == 0 && !*why, "%s: a reason '%s'", what,
                          why);
                }
            }
            if (!b->device) { /* the CPU's and the reference's own finish: no reason to give */
                char why[8] = "x";
                CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_FINISH), wmel_backend_name(c)), "%s: finish on %s", what,
                      wmel_op_backend(c, WMEL_OP_FINISH));
                CHECK(wmel_op_reason(c, WMEL_OP_FINISH, why, sizeof why) == 0 && !*why, "%s: a reason '%s'", what, why);
            }
        }
#if defined(WMEL_TEST_HOOKS)
        if (b->device && k == K_NAN) CHECK(finishes(b) == f0, "%s: %lld finishes on the device", what, finishes(b) - f0);
        if (b->device && k == K_SPEECH && dither_off && !fallback) {
            const long long f = finishes(b) - f0;
            note(&r, f ? "finish on the device" : "finish on the host");
            /* wmel_op_backend's answer: where the counter says the finish was made (CUDA's
               Whisper kernels normalise on the device, uncounted) */
            const int cu_pfa = b->kind == B_CUDA && cu_whisper_kernel(kernel);
            CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_FINISH), f || cu_pfa ? b->device : "cpu"),
                  "%s: WMEL_OP_FINISH %s, %lld finishes on the device", what, wmel_op_backend(c, WMEL_OP_FINISH), f);
            if (listed(b->kind == B_VULKAN ? VK_FINISH : CU_FINISH, pname))
                CHECK(f == 1, "%s: %lld finishes on the device", what, f);
        }
#else
        (void)dither_off, (void)pname;
#endif
    }
    /* int16: the float32 call's bytes on s / 32768 */
    if (got[K_S16].st == WMEL_OK) {
        float *f = NULL;
        size_t lf = 0;
        const int rf = t_features_new(c, in->s16f, in->n[K_S16], &f, &lf);
        CHECK(rf == WMEL_OK && lf == got[K_S16].len && !memcmp(f, got[K_S16].o, lf * sizeof(float)),
              "%s on %s, int16: not the bytes of the float32 samples s / 32768 (%d)", name, b->label, rf);
        free(f);
    }
    for (int k = 0; k < NK; k++) free(got[k].o);
    /* the batch: each clip its single call's bytes, and the CPU's or the bar */
    {
        float *o[NB], *one[NB];
        size_t len[NB], failed = 0;
        const int rb = run_batch(c, in, 0, o, len, &failed);
        CHECK(rb == w->cpu_bst, "%s on %s, batch: status %d at %zu, the CPU's %d (%s)", name, b->label, rb, failed,
              w->cpu_bst, be_detail(b));
        for (int i = 0; i < NB; i++) {
            one[i] = malloc((len[i] ? len[i] : 1) * sizeof(float));
            const int r1 = wmel_features(c, in->pcm[i], BATCH_N[i], one[i], len[i]);
            if (rb != WMEL_OK || r1 != WMEL_OK) continue;
            snprintf(what, sizeof what, "%s on %s, batch clip %d (%zu samples)", name, b->label, i, BATCH_N[i]);
            CHECK(!memcmp(o[i], one[i], len[i] * sizeof(float)), "%s: not its single call's bytes", what);
            const result cr = {WMEL_OK, w->cpu_b[i], w->len_b[i]}, rr = {WMEL_OK, w->ref_b[i], w->len_b[i]};
            compare(&r, what, o[i], len[i], &cr, &rr, cpu_bytes);
        }
        for (int i = 0; i < NB; i++) free(o[i]), free(one[i]);
        const int rn = run_batch(c, in, 1, o, len, &failed);
        CHECK(rn == w->cpu_nan_st && failed == w->cpu_nan_at, "%s on %s, a NaN in clip 2: %d at %zu, the CPU's %d at %zu",
              name, b->label, rn, failed, w->cpu_nan_st, w->cpu_nan_at);
        for (int i = 0; i < NB; i++) free(o[i]);
    }
    if (fallback) note(&r, "frames on the CPU");
#if defined(WMEL_TEST_HOOKS)
    /* (Vulkan's float-float: a ctx's self-test takes seconds on lavapipe; its finish against the
       host's: test_vulkan_finish's NeMo plans) */
    if (b->device && dither_off && !fallback && !(b->kind == B_VULKAN && b->arith == 2))
        twin(&r, name, plan, b, in, c);
#endif
#if defined(WMEL_HAVE_CUDA)
    if (b->kind == B_CUDA && dither_off) cuda_devmem(&r, pname, c);
#endif
#if defined(WMEL_HAVE_VULKAN) && defined(T_VK_EXPORT)
    if (b->kind == B_VULKAN && dither_off) vk_devmem(&r, pname, c);
#endif
    printf("%-26s %-18s ran: %s, %d outputs the CPU's bytes, %d within the bar (worst %.3g of it)%s%s\n", name,
           b->label, kernel, r.bytes, r.barred, r.worst, r.notes[0] ? "; " : "", r.notes);
    wmel_destroy(c);
}

/* The CPU's and the reference's outputs of every input for the plan. */
static int want_make(refs *w, const char *name, const wmel_frontend_plan *plan, const inputs *in)
{
    memset(w, 0, sizeof *w);
    const backend cpu = {B_CPU, 0, "cpu", NULL}, ref = {B_REF, 0, "ref", NULL};
    int st = 0, st2 = 0;
    wmel_ctx *c = be_ctx(&cpu, plan, &st), *rc = be_ctx(&ref, plan, &st2);
    CHECK(c && rc, "%s: create on the CPU %d, the reference %d", name, st, st2);
    if (!c || !rc) {
        wmel_destroy(c);
        wmel_destroy(rc);
        return 0;
    }
    const char *kn = wmel_kernel_name(c);
    w->general = strstr(kn, "-fft") || strstr(kn, "-dft");
    for (int k = 0; k < NK; k++) {
        w->cpu[k] = run_case(c, in, k);
        w->ref[k] = run_case(rc, in, k);
    }
    size_t failed;
    float *o[NB];
    w->cpu_bst = run_batch(c, in, 0, w->cpu_b, w->len_b, &failed);
    size_t lr[NB];
    w->ref_bst = run_batch(rc, in, 0, w->ref_b, lr, &failed);
    w->cpu_nan_st = run_batch(c, in, 1, o, lr, &w->cpu_nan_at);
    for (int i = 0; i < NB; i++) free(o[i]);
    wmel_destroy(c);
    wmel_destroy(rc);
    return 1;
}

static void want_free(refs *w)
{
    for (int k = 0; k < NK; k++) free(w->cpu[k].o), free(w->ref[k].o);
    for (int i = 0; i < NB; i++) free(w->cpu_b[i]), free(w->ref_b[i]);
}

/* ---- the backends this build has ---- */

static void add_be(int kind, int arith, const char *label, const char *device)
{
    g_be[g_nbe++] = (backend){kind, arith, label, device};
}

static void left_out(const char *s)
{
    const size_t l = strlen(g_left_out);
    snprintf(g_left_out + l, sizeof g_left_out - l, "%s%s", l ? "; " : "", s);
}

static void find_backends(const float *speech)
{
    (void)speech;
    add_be(B_CPU, 0, "cpu", NULL);
    add_be(B_REF, 0, "ref", NULL);
    wmel_frontend_plan nemo;
    char msg[256];
    wmel_preset_plan("nemo", &nemo, msg, sizeof msg);
    nemo.dither = 0.0;
#if defined(WMEL_HAVE_VULKAN)
    {
        char devs[4096];
        if (t_vk_devices(devs, sizeof devs) == 0) {
            add_be(B_VULKAN, 1, "vulkan float64", "vulkan");
#if defined(WMEL_HAVE_VULKAN_FF)
            add_be(B_VULKAN, 2, "vulkan float-float", "vulkan");
#else
            left_out("vulkan float-float: its shaders are not built");
#endif
#if defined(T_VK_EXPORT)
            int st = 0;
            wmel_ctx *c = be_ctx(&g_be[g_nbe - 1], &nemo, &st);
            unsigned char du[16], dr[16];
            g_vk_export = c && wmel_vulkan_device_uuids(c, du, dr) == WMEL_OK && vk_open(du, dr);
            wmel_destroy(c);
            if (!g_vk_export) left_out("vulkan device memory: no device of the ctx's UUIDs with VK_KHR_external_memory_fd");
#else
            left_out("vulkan device memory: not built (Linux and the Vulkan headers)");
#endif
        } else {
            left_out("vulkan: no device");
        }
    }
#else
    left_out("vulkan: not built");
#endif
#if defined(WMEL_HAVE_CUDA)
    {
        const backend probe = {B_CUDA, 0, "cuda", "cuda"};
        int st = 0;
        wmel_ctx *c = be_ctx(&probe, &nemo, &st);
        if (c) {
#if defined(WMEL_TEST_HOOKS)
            add_be(B_CUDA, 1, "cuda float64", "cuda");
            add_be(B_CUDA, 2, "cuda float-float", "cuda");
#else
            add_be(B_CUDA, 0, "cuda", "cuda");
            left_out("cuda float-float: WMEL_CUDA_ARITHMETIC needs the test door (WMEL_TEST_HOOKS)");
#endif
            /* three clips of speech at their own levels (each its own max), the gaps between
               them samples the call must not read */
            for (size_t b = 0; b < CB; b++)
                for (size_t i = 0; i < CSTRIDE; i++)
                    g_cx[b * CSTRIDE + i] = i < CN ? speech[b * CSTRIDE + i] * (float)(b + 1) * 0.5f : 1e30f;
            for (size_t i = 0; i < CB * CSTRIDE; i++) {
                const float v = g_cx[i] > 1.0f ? 1.0f : g_cx[i] < -1.0f ? -1.0f : g_cx[i];
                g_cxs[i] = (int16_t)lrintf(v * 32767.0f);
                g_cxsf[i] = (float)g_cxs[i] / 32768.0f;
            }
            t_dev_upload(&g_cdev, g_cx, g_cxs, CB * CSTRIDE, CDEV_OUT);
            g_cdev_ok = g_cdev.x && g_cdev.xs && g_cdev.o && g_cdev.s;
        } else {
            CHECK(st == WMEL_ERR_BACKEND_UNAVAILABLE, "nemo on CUDA without a device: %s", wmel_strerror(st));
            left_out("cuda: no device");
        }
        wmel_destroy(c);
    }
#else
    left_out("cuda: not built");
#endif
}

/* One plan's rows: the bar (the reference and the CPU), then every backend held to it; the
   devices' rows counted into *rows. */
static void run_plan(const char *pname, const char *name, const wmel_frontend_plan *planp, const float *speech,
                     size_t ns, int *rows)
{
    wmel_frontend_plan plan = *planp;
    inputs in;
    inputs_make(&in, &plan, speech, ns);
    refs w;
    if (want_make(&w, name, &plan, &in)) {
        for (int bi = 0; bi < g_nbe; bi++) {
            if (g_be[bi].kind == B_CPU) {
                run_row(pname, name, &plan, &g_be[bi], &w, &in, plan.dither == 0.0);
                continue;
            }
            if (g_be[bi].kind == B_REF) { /* the bar's source: the CPU's statuses, its batch its singles */
                row r;
                memset(&r, 0, sizeof r);
                int bad = 0;
                for (int k = 0; k < NK; k++) {
                    CHECK(w.ref[k].st == w.cpu[k].st, "%s on ref, %s: status %d, the CPU's %d", name, KNAME[k],
                          w.ref[k].st, w.cpu[k].st);
                    bad += w.ref[k].st != w.cpu[k].st;
                }
                CHECK(w.ref_bst == w.cpu_bst, "%s on ref, batch: status %d, the CPU's %d", name, w.ref_bst,
                      w.cpu_bst);
                bad += w.ref_bst != w.cpu_bst;
                printf("%-26s %-18s ran: the bar's source, %s\n", name, "ref",
                       bad ? "statuses DIFFER from the CPU's" : "the CPU's statuses");
                continue;
            }
            run_row(pname, name, &plan, &g_be[bi], &w, &in, plan.dither == 0.0);
            (*rows)++; /* the devices' rows */
        }
        want_free(&w);
    }
    inputs_free(&in);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* `test_backends [float64 | float-float | all] [NAME]`: the backends of that arithmetic (float64:
       the CPU's and the reference's rows too; ctest runs the two side by side), the presets
       whose names contain NAME */
    const char *part = argc > 1 ? argv[1] : "all";
    const char *only = argc > 2 ? argv[2] : NULL;
    if (strcmp(part, "all") && strcmp(part, "float64") && strcmp(part, "float-float")) {
        printf("usage: test_backends [float64 | float-float | all] [preset name part]\n");
        return 2;
    }
    size_t ns = 0;
    float *wav = t_load_wav("audio/speech_en.wav", &ns);
    CHECK(wav && ns > SPEECH_AT + 40000, "speech: %zu samples", ns);
    if (!wav || ns <= SPEECH_AT + 40000) return t_done("test_backends");
    const float *speech = wav + SPEECH_AT;
    ns -= SPEECH_AT;
    find_backends(speech);
    if (strcmp(part, "all")) { /* keep one arithmetic's rows */
        const int keep = !strcmp(part, "float64") ? 1 : 2;
        int n = 0;
        for (int i = 0; i < g_nbe; i++)
            if (g_be[i].arith == keep || (keep == 1 && g_be[i].arith == 0)) g_be[n++] = g_be[i];
        g_nbe = n;
        if (keep == 2 && !g_nbe) {
            printf("skipped: no backend with float-float here (%s)\n", g_left_out);
            wmel_free(wav);
            return 77;
        }
    }
    printf("backends:");
    for (int i = 0; i < g_nbe; i++) printf("%s %s", i ? "," : "", g_be[i].label);
    printf("\nleft out: %s\n", g_left_out[0] ? g_left_out : "none");
    int rows = 0;
    for (size_t i = 0; i < wmel_preset_count(); i++) {
        const char *pname = wmel_preset_name(i);
        if (only && !strstr(pname, only)) continue;
        wmel_frontend_plan plan;
        char msg[256];
        if (wmel_preset_plan(pname, &plan, msg, sizeof msg) != WMEL_OK) {
            CHECK(0, "preset %s: %s", pname, msg);
            continue;
        }
        /* a dithered preset as it is (the devices draw the noise; Vulkan's float-float hands its
           frames to the CPU), then with the dither off (the device's frames and finish, its
           device memory) */
        const int variants = plan.dither != 0.0 ? 2 : 1;
        for (int v = 0; v < variants; v++) {
            char name[64];
            snprintf(name, sizeof name, "%s%s", pname, v ? " (no dither)" : "");
            if (v) plan.dither = 0.0;
            run_plan(pname, name, &plan, speech, ns, &rows);
        }
    }
    /* plans of a clip cut or padded first (n_samples: 8000 samples, shorter than some inputs
       and longer than others), Whisper's and Kaldi's: the whole-clip entry points on every
       backend cut or pad the clip before the frames */
    static const char *const NS_PLANS[] = {"whisper", "kaldi"};
    for (int i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s n_samples 8000", NS_PLANS[i]);
        if (only && !strstr(name, only)) continue;
        wmel_frontend_plan plan;
        char msg[256];
        if (wmel_preset_plan(NS_PLANS[i], &plan, msg, sizeof msg) != WMEL_OK) {
            CHECK(0, "preset %s: %s", NS_PLANS[i], msg);
            continue;
        }
        plan.dither = 0.0;
        plan.n_samples = 8000;
        run_plan(name, name, &plan, speech, ns, &rows);
    }
    /* dithered plans (no preset is): Kaldi's with dither 1, and with its raw log energy and
       dither 0.3; the devices draw the noise (the CPU's bytes in float64, CUDA's and Vulkan's),
       Vulkan's float-float leaves the frames to the CPU. (NeMo's normalisation of a silent clip
       with dither 1e-5 is past the bar between the CPU and the reference: test_vulkan_dither and
       test_cuda_dither hold it to the CPU's bytes.) */
    for (int i = 0; i < 2; i++) {
        const char *name = i ? "kaldi energy dither 0.3" : "kaldi dither 1";
        if (only && !strstr(name, only)) continue;
        wmel_frontend_plan plan;
        char msg[256];
        if (wmel_preset_plan("kaldi", &plan, msg, sizeof msg) != WMEL_OK) {
            CHECK(0, "preset kaldi: %s", msg);
            continue;
        }
        plan.dither = i ? 0.3 : 1.0, plan.dither_seed = 7 + i, plan.use_energy = i;
        run_plan(name, name, &plan, speech, ns, &rows);
    }
    /* python_speech_features' and spafe's log: of every mel energy as it is, the guard (numpy's
       eps) in place of a 0 only (the silence clip's energies), in ln and in log10 */
    for (int i = 0; i < 2; i++) {
        const char *name = i ? "kaldi log10_zero" : "kaldi ln_zero";
        if (only && !strstr(name, only)) continue;
        wmel_frontend_plan plan;
        char msg[256];
        if (wmel_preset_plan("kaldi", &plan, msg, sizeof msg) != WMEL_OK) {
            CHECK(0, "preset kaldi: %s", msg);
            continue;
        }
        plan.dither = 0.0, plan.log = i ? WMEL_LOG10_ZERO : WMEL_LOG_ZERO, plan.log_guard = DBL_EPSILON;
        run_plan(name, name, &plan, speech, ns, &rows);
    }
    printf("%d preset x device rows ran\n", rows);
#if defined(WMEL_HAVE_CUDA)
    if (g_cdev_ok) t_dev_free(&g_cdev);
#endif
#if defined(WMEL_HAVE_VULKAN) && defined(T_VK_EXPORT)
    if (g_vk_export) vk_close();
#endif
    wmel_free(wav);
    return t_done("test_backends");
}
