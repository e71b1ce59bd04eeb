/*
 * test_cuda_arith.c -- CUDA's two arithmetics for Whisper's geometry (kernels.cu: float64,
 * or float-float from src/kernels/ff.h) and how a ctx takes one (src/cuda/arith.c):
 *
 *   accuracy   80 and 128 mels, float32 and int16, one clip and batches, host and device
 *              memory (wmel_cuda_log_mel_device, wmel_cuda_features_device(_batch)), each
 *              arithmetic against the float64 reference backend: the project's bar, 2e-5
 *              (normalised units; measured 1.2e-7 on the emulator), and float-float against
 *              CUDA's float64 at the same bar (a few float32 ulps where they differ);
 *   choice     params.cuda_arith forced either way (over the variable), the variable under
 *              AUTO, AUTO on a device that is no GPU (the emulator: float64, nothing timed),
 *              the timing asked for through the test door (the rule: float-float at <= 0.9 of
 *              float64's time, said in wmel_backend_reason, kept: timed once), wmel_devices;
 *   self-test  passing on the device (wmel_devices, the reason), then broken on purpose
 *              (the test door: the products' or the sums' error terms dropped): float-float
 *              asked for is refused with the reason, AUTO keeps float64 and says why.
 * On a real GPU the same checks run (AUTO is timed there: its choice is checked against the
 * rule and its own times); the compute capability's rule for other plans is the emulator's.
 */
#include "internal.h"
#include "testctl.h"
#include "cuda_testutil.h"

#include <cuda_runtime_api.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAR 2e-5

static int g_gpu; /* 1 on a real GPU (AUTO is timed there) */

static wmel_ctx *make(int backend, int n_mels, int arith, int *st)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_mels = n_mels;
    p.cuda_arith = arith;
    p.n_threads = 1;
    return wmel_create(&p, st);
}

static double maxdiff(const float *a, const float *b, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= m)) m = d;
    }
    return m;
}

/* the conformance clips: speech (float32, 30 s) and jfk (int16, 11 s) */
static float *g_speech;
static size_t g_ns;
static int16_t *g_jfk;
static size_t g_nj;

static void load_clips(void)
{
    g_speech = t_load_wav("audio/speech_en.wav", &g_ns);
    wmel_npy a;
    double *d = t_load_npy("ref/jfk_flac.load_audio_s16.npy", &a);
    g_nj = a.count;
    g_jfk = malloc(g_nj * sizeof *g_jfk);
    for (size_t i = 0; i < g_nj; i++) g_jfk[i] = (int16_t)d[i];
    free(d);
    wmel__npy_free(&a);
}

/* wmel_log_mel / _s16 / _batch on ctx c into a malloc'd array (n_mels x frames per clip) */
static float *host_run(wmel_ctx *c, int kind, size_t *len)
{
    const int nm = wmel_ctx_n_mels(c);
    const size_t nf = WMEL_CHUNK_FRAMES;
    *len = (size_t)nm * nf * (kind == 2 ? 3 : 1);
    float *o = malloc(*len * sizeof *o);
    int rc;
    if (kind == 0) {
        rc = wmel_log_mel(c, g_speech, g_ns < WMEL_CHUNK_SAMPLES ? g_ns : WMEL_CHUNK_SAMPLES,
                          g_ns < WMEL_CHUNK_SAMPLES ? WMEL_CHUNK_SAMPLES - g_ns : 0, o, *len);
    } else if (kind == 1) {
        rc = wmel_log_mel_s16(c, g_jfk, g_nj, WMEL_CHUNK_SAMPLES - g_nj, o, *len);
    } else { /* three clips of 2 s from the speech (7 s), each its own max */
        rc = wmel_log_mel_batch(c, g_speech, 3, 32000, 32000, WMEL_CHUNK_SAMPLES - 32000, WMEL_BATCH_PER_CLIP, o, *len);
    }
    CHECK(rc == WMEL_OK, "host run %d on %s: %s (%s)", kind, wmel_kernel_name(c), wmel_strerror(rc),
          wmel_cuda_error_detail());
    return o;
}

/* Whisper's device entries on ctx c: clips of 2 s at three places of the speech, float32 then
 * int16, through wmel_cuda_features_device and, as clips of 1, 2 and 3 s,
 * wmel_cuda_features_device_batch; each clip's output against wmel_features on ref. */
static double device_run(wmel_ctx *c, wmel_ctx *ref)
{
    const size_t n = 32000, B = 3;
    size_t rows = 0, cols = 0;
    wmel_features_shape(c, n, &rows, &cols);
    const size_t per = rows * cols;
    float *x = malloc(B * n * sizeof *x), *o = malloc(B * per * sizeof *o), *r = malloc(3 * 48000 * sizeof *r);
    int16_t *xs = malloc(B * n * sizeof *xs);
    for (size_t i = 0; i < B * n; i++) {
        x[i] = g_speech[i * 3 % g_ns];
        xs[i] = (int16_t)lrintf(x[i] * 32767.0f);
    }
    t_dev d;
    t_dev_upload(&d, x, xs, B * n, 3 * 48000 * 2);
    double worst = 0.0;
    for (int s16 = 0; s16 < 2; s16++) {
        int rc = wmel_cuda_features_device(c, s16 ? d.xs : d.x, s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32, B, n, n, d.o,
                                           B * per, d.s);
        CHECK(rc == WMEL_OK, "features_device s16 %d: %s (%s)", s16, wmel_strerror(rc), wmel_cuda_error_detail());
        cudaStreamSynchronize(d.s);
        cudaMemcpy(o, d.o, B * per * sizeof *o, cudaMemcpyDeviceToHost);
        for (size_t b = 0; b < B; b++) {
            float *xb = malloc(n * sizeof *xb);
            for (size_t i = 0; i < n; i++) xb[i] = s16 ? (float)xs[b * n + i] / 32768.0f : x[b * n + i];
            CHECK(wmel_features(ref, xb, n, r, per) == WMEL_OK, "ref features");
            const double e = maxdiff(o + b * per, r, per);
            worst = e > worst ? e : worst;
            free(xb);
        }
    }
    /* clips of their own lengths (1, 2 and 3 s: the last two samples of the upload reused) */
    const size_t nb[3] = {16000, 32000, 48000 - 1};
    const void *pcm[3] = {d.x, (const float *)d.x + 16000, (const float *)d.x + 48000};
    float *outs[3];
    size_t ol[3], off = 0, sh[3];
    for (int k = 0; k < 3; k++) {
        wmel_features_shape(c, nb[k], &rows, &cols);
        sh[k] = rows * cols;
        outs[k] = d.o + off;
        ol[k] = sh[k];
        off += sh[k];
    }
    size_t failed = 99;
    int rc = wmel_cuda_features_device_batch(c, pcm, WMEL_SAMPLE_F32, nb, 3, outs, ol, &failed, d.s);
    CHECK(rc == WMEL_OK, "features_device_batch: %s (%s), clip %zu", wmel_strerror(rc), wmel_cuda_error_detail(), failed);
    cudaStreamSynchronize(d.s);
    cudaMemcpy(o, d.o, off * sizeof *o, cudaMemcpyDeviceToHost);
    const size_t at[3] = {0, 16000, 48000};
    off = 0;
    for (int k = 0; k < 3; k++) {
        CHECK(wmel_features(ref, x + at[k], nb[k], r, sh[k]) == WMEL_OK, "ref features");
        const double e = maxdiff(o + off, r, sh[k]);
        worst = e > worst ? e : worst;
        off += sh[k];
    }
    t_dev_free(&d);
    free(x);
    free(xs);
    free(o);
    free(r);
    return worst;
}

static void accuracy(int n_mels)
{
    static const char *const KIND[3] = {"speech f32", "jfk int16", "batch of 3"};
    int st = 0;
    wmel_ctx *ref = make(WMEL_BACKEND_REF, n_mels, 0, &st);
    wmel_ctx *c[2] = {make(WMEL_BACKEND_CUDA, n_mels, WMEL_CUDA_ARITH_FLOAT64, &st),
                      make(WMEL_BACKEND_CUDA, n_mels, WMEL_CUDA_ARITH_FLOAT_FLOAT, &st)};
    CHECK(ref && c[0] && c[1], "ctxs: %s (%s)", wmel_strerror(st), wmel_cuda_error_detail());
    if (!ref || !c[0] || !c[1]) return;
    CHECK(!strcmp(wmel_kernel_name(c[0]), "cuda-f64fft-t16") && !strcmp(wmel_kernel_name(c[1]), "cuda-fffft-t16"),
          "kernels %s, %s", wmel_kernel_name(c[0]), wmel_kernel_name(c[1]));
    for (int kind = 0; kind < 3; kind++) {
        size_t len = 0;
        float *r = host_run(ref, kind, &len), *o[2];
        for (int a = 0; a < 2; a++) {
            o[a] = host_run(c[a], kind, &len);
            t_ran_on_cuda(c[a], KIND[kind]);
        }
        const double e64 = maxdiff(o[0], r, len), eff = maxdiff(o[1], r, len), d = maxdiff(o[1], o[0], len);
        size_t differ = 0;
        for (size_t i = 0; i < len; i++) differ += o[0][i] != o[1][i];
        printf("mel%-3d %-10s vs the float64 oracle: float64 %.3g, float-float %.3g; float-float vs float64 %.3g "
               "(%zu of %zu values differ)\n",
               n_mels, KIND[kind], e64, eff, d, differ, len);
        CHECK(e64 <= BAR && eff <= BAR && d <= BAR, "mel%d %s: %.3g %.3g %.3g > %g", n_mels, KIND[kind], e64, eff, d, BAR);
        free(r);
        free(o[0]);
        free(o[1]);
    }
    for (int a = 0; a < 2; a++) {
        const double e = device_run(c[a], ref);
        printf("mel%-3d device memory %-11s vs the float64 oracle: %.3g\n", n_mels, a ? "float-float" : "float64", e);
        CHECK(e <= BAR, "mel%d device memory %d: %.3g", n_mels, a, e);
    }
    wmel_destroy(ref);
    wmel_destroy(c[0]);
    wmel_destroy(c[1]);
}

/* the CUDA device 0 as wmel_devices lists it */
static int cuda_dev(wmel_device *out)
{
    wmel_device d[16];
    size_t n = 0;
    wmel_devices(d, 16, &n);
    for (size_t i = 0; i < n && i < 16; i++)
        if (d[i].backend == WMEL_BACKEND_CUDA && d[i].index == 0) {
            *out = d[i];
            return 1;
        }
    return 0;
}

static int kernel_is(wmel_ctx *c, const char *k) { return c && !strncmp(wmel_kernel_name(c), k, strlen(k)); }

/* the times in a reason "... float64 A ms, float-float B ms ...": the rule's pick (2 float-float,
   1 float64), 0 where the two are too close to tell from the printed digits */
static int rule_of(const char *why)
{
    const char *p = strstr(why, "float64 ");
    double a = 0, b = 0;
    if (!p || sscanf(p, "float64 %lf ms, float-float %lf ms", &a, &b) != 2) return -1;
    if (fabs(b - 0.9 * a) <= 0.01 * a) return 0;
    return b > 0 && b <= 0.9 * a ? 2 : 1;
}

static void choice(void)
{
    int st = 0;
    t_unsetenv("WMEL_CUDA_ARITHMETIC");
    const int runs0 = wmel__kept_runs(WMEL__KEPT_CU_ARITH);
    /* forced either way, and over the variable */
    wmel_ctx *c = make(WMEL_BACKEND_CUDA, 80, WMEL_CUDA_ARITH_FLOAT_FLOAT, &st);
    CHECK(kernel_is(c, "cuda-fffft-t16") && strstr(wmel_backend_reason(c), "float-float self-test passed"),
          "forced float-float: %s / %s", c ? wmel_kernel_name(c) : wmel_strerror(st), c ? wmel_backend_reason(c) : "");
    wmel_destroy(c);
    t_setenv("WMEL_CUDA_ARITHMETIC", "float-float", 1);
    c = make(WMEL_BACKEND_CUDA, 128, WMEL_CUDA_ARITH_FLOAT64, &st);
    CHECK(kernel_is(c, "cuda-f64fft-t16"), "float64 over the variable: %s", c ? wmel_kernel_name(c) : wmel_strerror(st));
    wmel_destroy(c);
    c = make(WMEL_BACKEND_CUDA, 80, WMEL_CUDA_ARITH_AUTO, &st); /* the variable under AUTO */
    CHECK(kernel_is(c, "cuda-fffft-t16"), "the variable's float-float: %s", c ? wmel_kernel_name(c) : wmel_strerror(st));
    wmel_destroy(c);
    t_unsetenv("WMEL_CUDA_ARITHMETIC");
    for (int v = -1; v <= 3; v += 4) { /* refused at create, the field and its values named */
        c = make(WMEL_BACKEND_CUDA, 80, v, &st);
        char want[64];
        snprintf(want, sizeof want, "params.cuda_arith %d: expected WMEL_CUDA_ARITH_AUTO (0)", v);
        CHECK(!c && st == WMEL_ERR_INVALID_ARG && strstr(wmel_vulkan_error_detail(), want) &&
                  strstr(wmel_vulkan_error_detail(), "WMEL_CUDA_ARITH_FLOAT_FLOAT (2)"),
              "cuda_arith %d: %s (%s)", v, wmel_strerror(st), wmel_vulkan_error_detail());
        wmel_destroy(c);
    }
    wmel_device dv;
    CHECK(cuda_dev(&dv) && strstr(dv.self_test, "float-float self-test passed"), "wmel_devices: %s", dv.self_test);
    if (!g_gpu) { /* AUTO on a device that is no GPU: float64, nothing timed */
        c = make(WMEL_BACKEND_CUDA, 80, WMEL_CUDA_ARITH_AUTO, &st);
        CHECK(kernel_is(c, "cuda-f64fft-t16") && !strstr(wmel_backend_reason(c), "timed"), "AUTO on the emulator: %s (%s)",
              c ? wmel_kernel_name(c) : wmel_strerror(st), c ? wmel_backend_reason(c) : "");
        wmel_destroy(c);
        CHECK(wmel__kept_runs(WMEL__KEPT_CU_ARITH) == runs0, "AUTO timed on the emulator");
        CHECK(wmel__test_ctl(WMEL__TC_CU_ARITH, 1, 0) == WMEL_OK, "test door");
    }
    /* AUTO's planner flag WMEL_AUTO_ESTIMATE: the arithmetic untimed too, where the rule
       would time it (a GPU, or the emulator asked) */
    {
        wmel_params p = wmel_default_params();
        p.backend = WMEL_BACKEND_CUDA;
        p.n_threads = 1;
        p.auto_plan = WMEL_AUTO_ESTIMATE;
        c = wmel_create(&p, &st);
        CHECK(c && !strstr(wmel_backend_reason(c), "timed"), "ESTIMATE: %s (%s)", c ? wmel_kernel_name(c) : wmel_strerror(st),
              c ? wmel_backend_reason(c) : "");
        wmel_destroy(c);
        CHECK(wmel__kept_runs(WMEL__KEPT_CU_ARITH) == runs0, "ESTIMATE timed the arithmetic");
    }
    /* AUTO timed (a GPU, or the emulator asked): the rule on its own times, once */
    for (int k = 0; k < 2; k++) {
        c = make(WMEL_BACKEND_CUDA, k ? 128 : 80, WMEL_CUDA_ARITH_AUTO, &st);
        const char *why = c ? wmel_backend_reason(c) : "";
        const int pick = rule_of(why);
        CHECK(c && pick >= 0 && strstr(why, "timed on a 30 s clip"), "AUTO timed: %s", why);
        if (c && pick > 0)
            CHECK(kernel_is(c, pick == 2 ? "cuda-fffft-t16" : "cuda-f64fft-t16"), "AUTO's pick %s for %s",
                  wmel_kernel_name(c), why);
        if (k == 0) printf("AUTO timed: %s -> %s\n", why, c ? wmel_kernel_name(c) : "-");
        wmel_destroy(c);
    }
    CHECK(wmel__kept_runs(WMEL__KEPT_CU_ARITH) == runs0 + 1, "timed %d times", wmel__kept_runs(WMEL__KEPT_CU_ARITH) - runs0);
    CHECK(cuda_dev(&dv) && strstr(dv.self_test, "Whisper's geometry: float"), "wmel_devices: %s", dv.self_test);
    printf("wmel_devices: %s: arithmetic %s; %s\n", dv.name, dv.arith, dv.self_test);
    wmel__test_ctl(WMEL__TC_CU_ARITH, -1, 0);
}

static void self_test_fails(void)
{
    int st = 0;
    for (int brk = 1; brk <= 2; brk++) {
        CHECK(wmel__test_ctl(WMEL__TC_CU_ARITH, 1, brk) == WMEL_OK, "test door");
        wmel_ctx *c = make(WMEL_BACKEND_CUDA, 80, WMEL_CUDA_ARITH_FLOAT_FLOAT, &st);
        const char *d = wmel_cuda_error_detail();
        CHECK(!c && st == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(d, "float-float self-test failed") &&
                  strstr(d, "params.cuda_arith"),
              "broken %d, float-float asked: %s (%s)", brk, c ? wmel_kernel_name(c) : wmel_strerror(st), d);
        if (brk == 1) printf("refused: %s\n", d);
        wmel_destroy(c);
        t_setenv("WMEL_CUDA_ARITHMETIC", "float-float", 1);
        c = make(WMEL_BACKEND_CUDA, 80, WMEL_CUDA_ARITH_AUTO, &st);
        CHECK(!c && st == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_cuda_error_detail(), "WMEL_CUDA_ARITHMETIC"),
              "broken %d, the variable's float-float: %s", brk, wmel_cuda_error_detail());
        wmel_destroy(c);
        t_unsetenv("WMEL_CUDA_ARITHMETIC");
        /* backend AUTO with float-float asked: the CPU */
        c = make(WMEL_BACKEND_AUTO, 80, WMEL_CUDA_ARITH_FLOAT_FLOAT, &st);
        CHECK(c && !strcmp(wmel_backend_name(c), "cpu"), "AUTO with a failing float-float: %s",
              c ? wmel_backend_name(c) : wmel_strerror(st));
        wmel_destroy(c);
        /* AUTO's arithmetic: float64, said (Whisper's timed path; a plan the rule gives float-float) */
        c = make(WMEL_BACKEND_CUDA, 80, WMEL_CUDA_ARITH_AUTO, &st);
        CHECK(kernel_is(c, "cuda-f64fft-t16") && strstr(wmel_backend_reason(c), "float64: float-float self-test failed"),
              "broken %d, AUTO: %s (%s)", brk, c ? wmel_kernel_name(c) : wmel_strerror(st), c ? wmel_backend_reason(c) : "");
        if (brk == 1 && c) printf("AUTO: %s\n", wmel_backend_reason(c));
        wmel_destroy(c);
#ifdef WMEL_CUDA_EMU
        wmel_emu_set_cc(8, 6); /* the compute capability's rule gives a plan float-float */
        wmel_frontend_plan nemo;
        wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &nemo);
        wmel_params p = wmel_default_params();
        p.backend = WMEL_BACKEND_CUDA;
        p.n_threads = 1;
        c = wmel_create_plan(&p, &nemo, &st);
        CHECK(kernel_is(c, "cuda-f64-") && strstr(wmel_backend_reason(c), "self-test failed"), "nemo at 8.6, broken %d: %s (%s)",
              brk, c ? wmel_kernel_name(c) : wmel_strerror(st), c ? wmel_backend_reason(c) : "");
        wmel_destroy(c);
        wmel_device dv;
        CHECK(cuda_dev(&dv) && !strcmp(dv.arith, "float64") && strstr(dv.self_test, "self-test failed"),
              "wmel_devices at 8.6, broken: %s, %s", dv.arith, dv.self_test);
        wmel_emu_set_cc(9, 0);
#endif
    }
    wmel__test_ctl(WMEL__TC_CU_ARITH, -1, 0);
    wmel_ctx *c = make(WMEL_BACKEND_CUDA, 80, WMEL_CUDA_ARITH_FLOAT_FLOAT, &st);
    CHECK(kernel_is(c, "cuda-fffft-t16"), "mended: %s", c ? wmel_kernel_name(c) : wmel_strerror(st));
    wmel_destroy(c);
}

int main(void)
{
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        printf("skipped: no CUDA device\n");
        return 77;
    }
#ifndef WMEL_CUDA_EMU
    g_gpu = 1;
#endif
    if (wmel__test_ctl(WMEL__TC_CU_ARITH, -1, 0) != WMEL_OK) {
        printf("skipped: no test door (WMEL_TEST_HOOKS)\n");
        return 77;
    }
    load_clips();
    accuracy(80);
    accuracy(128);
    choice();
    self_test_fails();
    wmel_free(g_speech);
    free(g_jfk);
    return t_done("test_cuda_arith");
}
