/*
 * test_cuda_features_device.c -- wmel_cuda_features_device(): a general plan's features from
 * device memory on the caller's stream (every preset, in float64 and in float-float, taken
 * where the device makes its finish or refused with the reason, the bytes of wmel_features:
 * tests/conformance/test_backends.c). The arguments: NULL
 * pointers, the sample type, the stride, the capacity, an overlap, no samples, too few, no
 * clips, Kaldi's framing below one frame (nothing to write), a CPU ctx, a plan with the windowed energy and
 * the switch WMEL_CUDA_DEVICE_FINISH=0; NeMo's plan with WMEL_NORMF_ALL taken, wmel_features'
 * bytes. Whisper's geometry on its own kernels (80 and 128 mels, norm NONE, params.smooth,
 * float32 and int16, clips of 201, 160 k + 7 and 16000 samples): wmel_features' bytes, its
 * statuses for clips too short. Exit 77 without a
 * device. The fault sweep (every CUDA call failed in turn) is test_cuda_emu's.
 */
#define _GNU_SOURCE /* setenv */
#include "cuda_testutil.h"
#include "internal.h"
#include "fe/fe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define B 3
#define N 6007      /* samples a clip: 0.375 s */
#define STRIDE 6100 /* > N */

static float g_x[B * STRIDE];
static int16_t g_xs[B * STRIDE];
static float g_xsf[B * STRIDE]; /* g_xs / 32768 */

static wmel_ctx *mk_plan(const wmel_frontend_plan *plan, int backend, const char *arith, const char *fin_env)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_threads = 2;
    if (arith) t_setenv("WMEL_CUDA_ARITHMETIC", arith, 1); /* read when the ctx is made */
    if (fin_env) t_setenv("WMEL_CUDA_DEVICE_FINISH", fin_env, 1);
    int st = 0;
    wmel_ctx *c = wmel_create_plan(&p, plan, &st);
    t_unsetenv("WMEL_CUDA_DEVICE_FINISH");
    t_unsetenv("WMEL_CUDA_ARITHMETIC");
    CHECK(c != NULL, "create on backend %d: %d (%s)", backend, st, wmel_cuda_error_detail());
    return c;
}

/* A batch of B clips of n samples `stride` apart: on the host (float32, and the int16 ones
   as floats / 32768) and on the device (float32, int16). */
typedef struct clip_set {
    const float *x, *xsf;
    const void *dx, *dxs;
    size_t n, stride;
} clip_set;

/* c's device features of the clips of cs (float32 or int16), written to d->o on d->s, against
   wmel_features of each clip; 1 when they are the same bytes */
static int same_bytes(const char *name, const char *arith, wmel_ctx *c, const clip_set *cs, const t_dev *d, int s16)
{
    const size_t n = cs->n, stride = cs->stride;
    size_t rows = 0, cols = 0;
    CHECK(wmel_features_shape(c, n, &rows, &cols) == WMEL_OK, "%s: shape", name);
    const size_t per = rows * cols, cap = B * per + 64;
    float *want = malloc(B * per * sizeof(float)), *got = malloc(cap * sizeof(float));
    int good = want && got;
    for (size_t b = 0; good && b < B; b++) {
        const float *x = (s16 ? cs->xsf : cs->x) + b * stride;
        const int rc = wmel_features(c, x, n, want + b * per, per);
        CHECK(rc == WMEL_OK, "%s %s: wmel_features: %s", name, arith, wmel_strerror(rc));
        good = rc == WMEL_OK;
    }
    if (good) {
        cudaMemset(d->o, 0xff, cap * sizeof(float)); /* NaNs: a value left unwritten shows */
        const int rc = wmel_cuda_features_device(c, s16 ? cs->dxs : cs->dx, s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32, B,
                                                 n, stride, d->o, B * per, d->s);
        CHECK(rc == WMEL_OK, "%s %s %s: wmel_cuda_features_device: %s (%s)", name, arith, s16 ? "int16" : "float32",
              wmel_strerror(rc), wmel_cuda_error_detail());
        good = rc == WMEL_OK && cudaStreamSynchronize(d->s) == cudaSuccess &&
               cudaMemcpy(got, d->o, cap * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess;
        CHECK(good, "%s %s: the stream or the copy back", name, arith);
    }
    if (good) {
        size_t at = B * per;
        for (size_t i = 0; i < B * per; i++)
            if (memcmp(got + i, want + i, sizeof(float))) {
                at = i;
                break;
            }
        CHECK(at == B * per, "%s %s %s: clip %zu value %zu (%zu x %zu): %.9g on the device, %.9g from wmel_features",
              name, arith, s16 ? "int16" : "float32", at / (per ? per : 1), at % (per ? per : 1), rows, cols,
              (double)got[at < B * per ? at : 0], (double)want[at < B * per ? at : 0]);
        unsigned poison;
        memset(&poison, 0xff, sizeof poison);
        for (size_t i = B * per; i < cap; i++)
            if (memcmp(got + i, &poison, sizeof poison)) {
                CHECK(0, "%s %s: value %zu written past the clips' output", name, arith, i);
                break;
            }
        good = at == B * per;
    }
    free(want);
    free(got);
    return good;
}

/* c's device features of the batch (float32 or int16) against wmel_features of each clip;
   1 when they are the same bytes */
static int same_as_host(const char *name, const char *arith, wmel_ctx *c, const t_dev *d, int s16)
{
    const clip_set cs = {g_x, g_xsf, d->x, d->xs, N, STRIDE};
    return same_bytes(name, arith, c, &cs, d, s16);
}

static void arguments(t_dev *d)
{
    wmel_frontend_plan nemo;
    char msg[256];
    CHECK(wmel_preset_plan("nemo", &nemo, msg, sizeof msg) == WMEL_OK, "nemo: %s", msg);
    nemo.dither = 0.0;
    wmel_frontend_plan dithered = nemo, reflect = nemo;
    dithered.use_energy = 1, dithered.energy_windowed = 1; /* frames on the CPU (a dither alone: the device's) */
    reflect.framing = WMEL_FRAMES_CENTER_REFLECT;
    wmel_ctx *c = mk_plan(&nemo, WMEL_BACKEND_CUDA, NULL, NULL), *cr = mk_plan(&reflect, WMEL_BACKEND_CUDA, NULL, NULL);
    if (!c || !cr) {
        wmel_destroy(c);
        wmel_destroy(cr);
        return;
    }
    size_t rows = 0, cols = 0;
    wmel_features_shape(c, N, &rows, &cols);
    const size_t per = rows * cols;
    const void *x = d->x;
    float *o = d->o;
    struct {
        const char *what;
        wmel_ctx *c;
        const void *x;
        int type;
        size_t batch, n, stride;
        float *o;
        size_t len;
        int want;
    } cases[] = {
        {"NULL ctx", NULL, x, WMEL_SAMPLE_F32, B, N, STRIDE, o, B * per, WMEL_ERR_NULL_POINTER},
        {"NULL samples", c, NULL, WMEL_SAMPLE_F32, B, N, STRIDE, o, B * per, WMEL_ERR_NULL_POINTER},
        {"NULL output", c, x, WMEL_SAMPLE_F32, B, N, STRIDE, NULL, B * per, WMEL_ERR_NULL_POINTER},
        {"sample type 7", c, x, 7, B, N, STRIDE, o, B * per, WMEL_ERR_INVALID_ARG},
        {"stride below n", c, x, WMEL_SAMPLE_F32, B, N, N - 1, o, B * per, WMEL_ERR_INVALID_ARG},
        {"out_len one short", c, x, WMEL_SAMPLE_F32, B, N, STRIDE, o, B * per - 1, WMEL_ERR_BUFFER_TOO_SMALL},
        {"output over the samples", c, x, WMEL_SAMPLE_F32, B, N, STRIDE, (float *)d->x, B * per,
         WMEL_ERR_INVALID_ARG},
        {"no samples", c, x, WMEL_SAMPLE_F32, B, 0, STRIDE, o, B * per, WMEL_ERR_NO_SAMPLES},
        {"256 samples, centred reflect of 512", cr, x, WMEL_SAMPLE_F32, B, 256, STRIDE, o, B * per,
         WMEL_ERR_TOO_SHORT},
        /* below one hop: no output the device's finish writes (wmel_features finishes it on
           the host) */
        {"100 samples", c, x, WMEL_SAMPLE_F32, B, 100, STRIDE, o, B * per, WMEL_ERR_BACKEND_UNAVAILABLE},
        {"no clips", c, NULL, WMEL_SAMPLE_F32, 0, N, STRIDE, NULL, 0, WMEL_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int rc = wmel_cuda_features_device(cases[i].c, cases[i].x, cases[i].type, cases[i].batch, cases[i].n,
                                                 cases[i].stride, cases[i].o, cases[i].len, d->s);
        CHECK(rc == cases[i].want, "%s: %s, want %s", cases[i].what, wmel_strerror(rc), wmel_strerror(cases[i].want));
    }
    /* the ctxs it refuses, whatever the other arguments */
    wmel_ctx *refused[2] = {mk_plan(&nemo, WMEL_BACKEND_CPU, NULL, NULL),
                            mk_plan(&dithered, WMEL_BACKEND_CUDA, NULL, NULL)};
    const char *names[2] = {"a CPU ctx", "a plan with the windowed energy"};
    const char *says[2] = {"cpu", "windowed"};
    /* one mean and one denominator over every column (WMEL_NORMF_ALL, NeMo's all_features):
       taken, the bytes of wmel_features, in both arithmetics */
    for (int a = 0; a < 2; a++) {
        wmel_frontend_plan all = nemo;
        all.norm_flags |= WMEL_NORMF_ALL;
        wmel_ctx *ca = mk_plan(&all, WMEL_BACKEND_CUDA, a ? "float-float" : "float64", NULL);
        CHECK(ca != NULL, "WMEL_NORMF_ALL: no ctx");
        if (ca) {
            CHECK(!strcmp(wmel_op_backend(ca, WMEL_OP_DEVICE), "cuda"), "WMEL_NORMF_ALL: WMEL_OP_DEVICE %s",
                  wmel_op_backend(ca, WMEL_OP_DEVICE));
            CHECK(same_as_host("nemo, WMEL_NORMF_ALL", a ? "float-float" : "float64", ca, d, 0) &&
                      same_as_host("nemo, WMEL_NORMF_ALL", a ? "float-float" : "float64", ca, d, 1),
                  "WMEL_NORMF_ALL: not wmel_features' bytes");
        }
        wmel_destroy(ca);
    }
    for (int k = 0; k < 2; k++) {
        if (!refused[k]) continue;
        for (size_t batch = 0; batch < 2; batch++) {
            const int rc = wmel_cuda_features_device(refused[k], x, WMEL_SAMPLE_F32, batch, N, STRIDE, o, B * per, d->s);
            CHECK(rc == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_cuda_error_detail(), says[k]),
                  "%s, batch %zu: %s (%s)", names[k], batch, wmel_strerror(rc), wmel_cuda_error_detail());
        }
        CHECK(!strcmp(wmel_op_backend(refused[k], WMEL_OP_DEVICE), "none"),
              "%s: WMEL_OP_DEVICE %s", names[k], wmel_op_backend(refused[k], WMEL_OP_DEVICE));
        wmel_destroy(refused[k]);
    }
    wmel_ctx *off = mk_plan(&nemo, WMEL_BACKEND_CUDA, NULL, "0");
    if (off) {
        const int rc = wmel_cuda_features_device(off, x, WMEL_SAMPLE_F32, B, N, STRIDE, o, B * per, d->s);
        CHECK(rc == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_cuda_error_detail(), "WMEL_CUDA_DEVICE_FINISH"),
              "WMEL_CUDA_DEVICE_FINISH=0: %s (%s)", wmel_strerror(rc), wmel_cuda_error_detail());
        wmel_destroy(off);
    }
    /* Kaldi's framing below one frame: no rows, nothing to write (d_out may be NULL) */
    wmel_frontend_plan kaldi;
    CHECK(wmel_preset_plan("kaldi", &kaldi, msg, sizeof msg) == WMEL_OK, "kaldi: %s", msg);
    kaldi.dither = 0.0;
    wmel_ctx *k = mk_plan(&kaldi, WMEL_BACKEND_CUDA, NULL, NULL);
    if (k) {
        size_t r = 1, cc = 1;
        CHECK(wmel_features_shape(k, 200, &r, &cc) == WMEL_OK && r * cc == 0, "kaldi, 200 samples: %zu x %zu", r, cc);
        const int rc = wmel_cuda_features_device(k, x, WMEL_SAMPLE_F32, B, 200, STRIDE, NULL, 0, d->s);
        CHECK(rc == WMEL_OK, "kaldi, 200 samples: %s", wmel_strerror(rc));
        wmel_destroy(k);
    }
    wmel_destroy(c);
    wmel_destroy(cr);
    printf("arguments and the ctxs refused: ok\n");
}

/* ---------------------------------------------------------------- Whisper's geometry */

#define WSTRIDE 16100 /* > the longest clip, 16000 samples */

static float g_wx[B * WSTRIDE];
static int16_t g_wxs[B * WSTRIDE];
static float g_wxsf[B * WSTRIDE]; /* g_wxs / 32768 */

/* A ctx of Whisper's geometry on its own kernels: wmel_create (n_mels, norm, params.smooth),
   or wmel_create_plan with the "whisper" preset where plan is set. */
static wmel_ctx *mk_whisper(int n_mels, int norm, int smooth, int plan)
{
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    p.n_threads = 2;
    p.n_mels = n_mels;
    p.norm = norm;
    p.smooth = smooth;
    int st = 0;
    wmel_ctx *c = NULL;
    if (plan) {
        wmel_frontend_plan w;
        char msg[256];
        CHECK(wmel_preset_plan("whisper", &w, msg, sizeof msg) == WMEL_OK, "whisper: %s", msg);
        c = wmel_create_plan(&p, &w, &st);
    } else {
        c = wmel_create(&p, &st);
    }
    CHECK(c != NULL, "Whisper %d mels: %d (%s)", n_mels, st, wmel_cuda_error_detail());
    return c;
}

/* The arguments on a Whisper ctx: each status that of the general path (and of wmel_features
   for a clip too short or with no samples). */
static void whisper_arguments(wmel_ctx *c, const clip_set *cs, const t_dev *d)
{
    float host[64];
    for (size_t n = 0; n <= 200; n += 200) { /* no samples, then one short of Whisper's 201 */
        const int want = wmel_features(c, cs->x, n, host, 64);
        const int rc = wmel_cuda_features_device(c, cs->dx, WMEL_SAMPLE_F32, B, n, cs->stride, d->o, 1u << 20, d->s);
        CHECK(want != WMEL_OK && rc == want, "Whisper, %zu samples: %s on the device, %s from wmel_features", n,
              wmel_strerror(rc), wmel_strerror(want));
    }
    size_t rows = 0, cols = 0;
    wmel_features_shape(c, 16000, &rows, &cols);
    const size_t per = rows * cols;
    struct {
        const char *what;
        const void *x;
        size_t batch, n, stride;
        float *o;
        size_t len;
        int want;
    } cases[] = {
        {"out_len one short", cs->dx, B, 16000, cs->stride, d->o, B * per - 1, WMEL_ERR_BUFFER_TOO_SMALL},
        {"output over the samples", cs->dx, B, 16000, cs->stride, (float *)cs->dx, B * per, WMEL_ERR_INVALID_ARG},
        {"stride below n", cs->dx, B, 16000, 15999, d->o, B * per, WMEL_ERR_INVALID_ARG},
        {"NULL samples", NULL, B, 16000, cs->stride, d->o, B * per, WMEL_ERR_NULL_POINTER},
        {"NULL output", cs->dx, B, 16000, cs->stride, NULL, B * per, WMEL_ERR_NULL_POINTER},
        {"no clips", NULL, 0, 16000, cs->stride, NULL, 0, WMEL_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int rc = wmel_cuda_features_device(c, cases[i].x, WMEL_SAMPLE_F32, cases[i].batch, cases[i].n,
                                                 cases[i].stride, cases[i].o, cases[i].len, d->s);
        CHECK(rc == cases[i].want, "Whisper, %s: %s, want %s", cases[i].what, wmel_strerror(rc),
              wmel_strerror(cases[i].want));
    }
}

/* wmel_cuda_features_device on Whisper's geometry (its own kernels, as wmel_cuda_log_mel_device
   runs them): 80 and 128 mels, WMEL_NORM_WHOLE and NONE, params.smooth, the "whisper" preset's
   plan; float32 and int16 clips of 201, 160 k + 7 and 16000 samples, wmel_features' bytes on
   the same ctx. */
static void whisper(const float *speech, size_t ns, t_dev *d)
{
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < WSTRIDE; i++)
            g_wx[b * WSTRIDE + i] = i < 16000 ? speech[(4000 + b * 7919 + i) % ns] * (float)(b + 1) * 0.4f : 1e30f;
    for (size_t i = 0; i < B * WSTRIDE; i++) {
        const float v = g_wx[i] > 1.0f ? 1.0f : g_wx[i] < -1.0f ? -1.0f : g_wx[i];
        g_wxs[i] = (int16_t)lrintf(v * 32767.0f);
        g_wxsf[i] = (float)g_wxs[i] / 32768.0f;
    }
    void *dx = NULL, *dxs = NULL;
    CHECK(cudaMalloc(&dx, sizeof g_wx) == cudaSuccess && cudaMalloc(&dxs, sizeof g_wxs) == cudaSuccess, "cudaMalloc");
    if (dx && dxs) {
        cudaMemcpy(dx, g_wx, sizeof g_wx, cudaMemcpyHostToDevice);
        cudaMemcpy(dxs, g_wxs, sizeof g_wxs, cudaMemcpyHostToDevice);
        static const struct {
            int n_mels, norm, smooth, plan;
        } cfg[] = {
            {80, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE, 0}, {128, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE, 0},
            {80, WMEL_NORM_NONE, WMEL_SMOOTH_NONE, 0},  {80, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3, 0},
            {128, WMEL_NORM_NONE, WMEL_SMOOTH_3X3, 0},  {80, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE, 1},
        };
        static const size_t lens[] = {201, 160 * 37 + 7, 16000};
        for (size_t k = 0; k < sizeof cfg / sizeof cfg[0]; k++) {
            wmel_ctx *c = mk_whisper(cfg[k].n_mels, cfg[k].norm, cfg[k].smooth, cfg[k].plan);
            if (!c) continue;
            char name[96];
            snprintf(name, sizeof name, "Whisper %d mels%s%s%s", cfg[k].n_mels,
                     cfg[k].norm == WMEL_NORM_NONE ? ", norm none" : "",
                     cfg[k].smooth == WMEL_SMOOTH_3X3 ? ", smooth 3x3" : "", cfg[k].plan ? ", the preset's plan" : "");
            wmel_frontend_plan fp;
            wmel_ctx_plan(c, &fp);
            CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_DEVICE), "cuda") &&
                      wmel_backend_accepts(WMEL_BACKEND_CUDA, &fp, WMEL_OP_DEVICE, NULL, 0) == 1,
                  "%s: WMEL_OP_DEVICE %s", name, wmel_op_backend(c, WMEL_OP_DEVICE));
            for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
                const clip_set cs = {g_wx, g_wxsf, dx, dxs, lens[l], WSTRIDE};
                char at[128];
                snprintf(at, sizeof at, "%zu samples", lens[l]);
                same_bytes(name, at, c, &cs, d, 0);
                same_bytes(name, at, c, &cs, d, 1);
            }
            CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_DEVICE), "cuda"), "%s: ran on %s", name,
                  wmel_op_backend(c, WMEL_OP_DEVICE));
            if (k == 0) {
                const clip_set cs = {g_wx, g_wxsf, dx, dxs, 16000, WSTRIDE};
                whisper_arguments(c, &cs, d);
            }
            wmel_destroy(c);
        }
        /* a plan's n_samples: cut or padded on the host, refused here as on any plan */
        wmel_frontend_plan w;
        char msg[256];
        CHECK(wmel_preset_plan("whisper", &w, msg, sizeof msg) == WMEL_OK, "whisper: %s", msg);
        w.n_samples = 480000;
        wmel_params p = wmel_default_params();
        p.backend = WMEL_BACKEND_CUDA;
        int st = 0;
        wmel_ctx *c = wmel_create_plan(&p, &w, &st);
        if (c) {
            const int rc = wmel_cuda_features_device(c, dx, WMEL_SAMPLE_F32, B, 16000, WSTRIDE, d->o, 1u << 20, d->s);
            CHECK(rc == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_cuda_error_detail(), "n_samples"),
                  "Whisper, n_samples 480000: %s (%s)", wmel_strerror(rc), wmel_cuda_error_detail());
            wmel_destroy(c);
        }
    }
    cudaFree(dx);
    cudaFree(dxs);
    printf("Whisper's geometry: ok\n");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    {
        wmel_frontend_plan nemo;
        char msg[256];
        CHECK(wmel_preset_plan("nemo", &nemo, msg, sizeof msg) == WMEL_OK, "nemo: %s", msg);
        const int skip = t_cuda_or_skip(&nemo, "test_cuda_features_device");
        if (skip) return skip;
    }
    size_t ns = 0;
    float *speech = t_load_wav("audio/speech_en.wav", &ns);
    CHECK(speech && ns >= B * STRIDE + 8000, "speech: %zu samples", ns);
    if (!speech || ns < B * STRIDE + 8000) return t_done("test_cuda_features_device");
    /* three clips of speech at their own levels (each its own max), the gaps between them
       noise the call must not read */
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < STRIDE; i++)
            g_x[b * STRIDE + i] = i < N ? speech[8000 + b * STRIDE + i] * (float)(b + 1) * 0.5f : 1e30f;
    for (size_t i = 0; i < B * STRIDE; i++) {
        const float v = g_x[i] > 1.0f ? 1.0f : g_x[i] < -1.0f ? -1.0f : g_x[i];
        g_xs[i] = (int16_t)lrintf(v * 32767.0f);
        g_xsf[i] = (float)g_xs[i] / 32768.0f;
    }
    t_dev d;
    t_dev_upload(&d, g_x, g_xs, B * STRIDE, (size_t)8 << 20);
    /* every preset, taken or refused with the reason: tests/conformance/test_backends.c */
    arguments(&d);
    whisper(speech, ns, &d);
    free(speech);
    t_dev_free(&d);
    return t_done("test_cuda_features_device");
}
