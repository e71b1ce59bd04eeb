/*
 * test_vulkan_dither.c -- dithered plans on Vulkan (lavapipe in `make test-vulkan`): the frame
 * shader drawing the noise (frames_noise_f64: src/kernels/noise.h in GLSL, float64 with 64-bit
 * integers) adds it where the CPU does, so in float64 the frames run on the device
 * (wmel_op_backend: "vulkan") and give the CPU backend's bytes: Kaldi's fbank with dither 1
 * and three seeds (0, 7, 2^32 - 1), its raw log energy (after the noise and DC removal),
 * NeMo's preset with dither 1e-5, a custom plan (hop 1, 48-sample frames, frame
 * pre-emphasis) on a clip of 70,000 frames (the frame index past 2^16), a batch of clips of
 * mixed lengths (each clip's noise from its own frame 0), a clip in rounds of 3000 samples
 * (WMEL_VULKAN_SIGNAL_LIMIT: several segments, each with the clip's frame indices). First the
 * noise alone: the test's noise_test.comp (the shaders' noise.glsl) on the device gives
 * wmel_dither_gauss's bits for seeds, frame indices past 2^32 and sample indices. In float-float the frames stay on the
 * CPU (the CPU's bytes, the reason in wmel_backend_reason), and the windowed energy stays
 * there with the lowering's sentence. Exit 77 without a device with shaderFloat64 and
 * shaderInt64.
 */
#define _GNU_SOURCE /* setenv, RTLD_NODELETE */
#include "internal.h"
#include "testutil.h"
#include "vk_test.h"
#include "vulkan/vk_internal.h"
#include "wmel.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const uint32_t noise_test_spv[];
extern const size_t noise_test_spv_words;

static wmel_ctx *ctx_on(const wmel_frontend_plan *pl, int backend, int arith)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.vulkan_arith = arith;
    p.n_threads = 2;
    int st = 0;
    wmel_ctx *c = wmel_create_plan(&p, pl, &st);
    CHECK(c != NULL, "create on %d: %s (%s)", backend, wmel_strerror(st), wmel_vulkan_error_detail());
    return c;
}

static float *feats(wmel_ctx *c, const float *x, size_t n, size_t *len)
{
    size_t r = 0, k = 0;
    if (!c || wmel_features_shape(c, n, &r, &k) != WMEL_OK) return NULL;
    float *o = malloc(r * k * sizeof(float) + 4);
    const int st = o ? wmel_features(c, x, n, o, r * k) : WMEL_ERR_NO_MEMORY;
    CHECK(st == WMEL_OK, "features: %s", wmel_strerror(st));
    *len = r * k;
    return o;
}

/* plan pl on Vulkan (arith) and on the CPU over x: the same bytes; the frames on `where` */
static void same(const char *what, const wmel_frontend_plan *pl, const float *x, size_t n, int arith, const char *where)
{
    wmel_ctx *vk = ctx_on(pl, WMEL_BACKEND_VULKAN, arith), *cpu = ctx_on(pl, WMEL_BACKEND_CPU, 0);
    size_t la = 0, lb = 0;
    float *a = feats(vk, x, n, &la), *b = feats(cpu, x, n, &lb);
    size_t diff = 0;
    double worst = 0.0;
    for (size_t i = 0; a && b && la == lb && i < la; i++)
        if (memcmp(&a[i], &b[i], sizeof(float))) {
            diff++;
            worst = fmax(worst, fabs((double)a[i] - b[i]) / fmax(1.0, fabs((double)b[i])));
        }
    CHECK(a && b && la == lb && diff == 0, "%s: %zu of %zu values differ from the CPU's (worst %.3g)", what, diff, la, worst);
    const char *ob = vk ? wmel_op_backend(vk, WMEL_OP_LOG_MEL) : "none";
    CHECK(!strcmp(ob, where), "%s: the frames ran on %s, not %s", what, ob, where);
    printf("  %-48s %zu values, the CPU's bytes: %s; frames on %s, finish on %s (%s)\n", what, la, diff ? "NO" : "yes",
           ob, vk ? wmel_op_backend(vk, WMEL_OP_FINISH) : "none", vk ? wmel_kernel_name(vk) : "");
    free(a), free(b);
    wmel_destroy(vk), wmel_destroy(cpu);
}

/* The first device with float64 and 64-bit integers (-1: none). */
static int noise_device(void)
{
    vkw_dev devs[VKW_MAX_DEVS];
    int n = 0;
    if (wmel__vk_list(devs, &n) != WMEL_OK) return -1;
    for (int i = 0; i < n; i++)
        if (devs[i].f64 && devs[i].i64) return i;
    return -1;
}

/* noise_test.comp on device `dev`: nz_gauss's bits for seeds, frame and sample indices */
static void noise_alone(int dev)
{
    static const uint32_t seeds[4] = {0u, 7u, 0xFFFFFFFFu, 123456u};
    static const unsigned long long ts[8] = {0ull, 1ull, 65535ull, 65536ull, 69999ull, 4294967296ull + 5ull,
                                             1099511627776ull, 18446744073709551615ull};
    static const uint32_t js[4] = {0u, 1u, 199u, 399u};
    enum { N_GRID = 4 * 8 * 4, N_RANDOM = 512, N = N_GRID + N_RANDOM };
    uint32_t *in = malloc(N * 4 * sizeof(uint32_t));
    double *out = malloc(N * sizeof(double));
    if (!in || !out) {
        CHECK(0, "memory");
        free(in), free(out);
        return;
    }
    size_t k = 0;
    for (int s = 0; s < 4; s++)
        for (int t = 0; t < 8; t++)
            for (int j = 0; j < 4; j++, k++) {
                in[4 * k] = seeds[s], in[4 * k + 1] = (uint32_t)ts[t], in[4 * k + 2] = (uint32_t)(ts[t] >> 32);
                in[4 * k + 3] = js[j];
            }
    unsigned long long r = 0x2545F4914F6CDD1Dull;
    for (; k < N; k++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        in[4 * k] = (uint32_t)(r >> 32);
        in[4 * k + 1] = (uint32_t)(r >> 7);
        in[4 * k + 2] = (uint32_t)(r >> 40) & 0xFFu; /* t below 2^40 */
        in[4 * k + 3] = (uint32_t)(r >> 20) % 4096u;
    }
    const int32_t spec[2] = {0, 0};
    int fc = 0;
    const int rc = wmel__vk_oneshot(dev, noise_test_spv, noise_test_spv_words, spec, in, N * 4 * sizeof(uint32_t), out,
                                    N * sizeof(double), N, (N + 63) / 64, &fc);
    CHECK(rc == WMEL_OK, "noise_test.comp: %d (%s)", rc, wmel_vulkan_error_detail());
    size_t diff = 0;
    for (k = 0; rc == WMEL_OK && k < N; k++) {
        const unsigned long long t = (unsigned long long)in[4 * k + 1] | (unsigned long long)in[4 * k + 2] << 32;
        const double want = wmel_dither_gauss((int)in[4 * k], t, (int)in[4 * k + 3]);
        if (memcmp(&want, &out[k], sizeof want) && diff++ < 5)
            printf("  seed %u t %llu j %u: device %.17g, the CPU's %.17g\n", in[4 * k], t, in[4 * k + 3], out[k], want);
    }
    CHECK(rc == WMEL_OK && diff == 0, "the device's noise: %zu of %d values differ from wmel_dither_gauss", diff, N);
    printf("  the noise alone (noise_test.comp): %d values, wmel_dither_gauss's bits: %s\n", N, diff ? "NO" : "yes");
    free(in), free(out);
}

static void batch(const wmel_frontend_plan *k, const float *x)
{
    wmel_frontend_plan p = *k;
    p.dither = 0.5, p.dither_seed = 42;
    wmel_ctx *vk = ctx_on(&p, WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT64), *cpu = ctx_on(&p, WMEL_BACKEND_CPU, 0);
    const size_t lens[3] = {16000, 7001, 30000};
    const float *xs[3] = {x, x + 1000, x + 5000};
    float *o[3], *w[3];
    size_t ol[3], bad = 0;
    for (int b = 0; b < 3; b++) {
        size_t r = 0, q = 0;
        wmel_features_shape(cpu, lens[b], &r, &q);
        ol[b] = r * q;
        o[b] = malloc(ol[b] * sizeof(float) + 4);
        size_t lw = 0;
        w[b] = feats(cpu, xs[b], lens[b], &lw);
    }
    size_t failed = 99;
    const int st = vk ? wmel_features_batch(vk, xs, lens, 3, o, ol, &failed) : -1;
    CHECK(st == WMEL_OK, "batch: %d", st);
    for (int b = 0; b < 3; b++) bad += st == WMEL_OK && w[b] && memcmp(o[b], w[b], ol[b] * sizeof(float)) != 0;
    CHECK(bad == 0, "batch: %zu clips differ from the CPU's single calls", bad);
    const char *ob = vk ? wmel_op_backend(vk, WMEL_OP_LOG_MEL_BATCH) : "none";
    CHECK(!strcmp(ob, "vulkan"), "batch ran on %s", ob);
    printf("  kaldi dither 0.5, a batch of 3 clips: %s, on %s\n", bad ? "NOT the CPU's bytes" : "each the CPU's bytes", ob);
    for (int b = 0; b < 3; b++) free(o[b]), free(w[b]);
    wmel_destroy(vk), wmel_destroy(cpu);
}

int main(void)
{
    char devs[4096];
    const int skip = t_vk_devices(devs, sizeof devs);
    if (skip) return skip;
    const int dev = noise_device();
    if (dev < 0) {
        printf("skipped: no Vulkan device with shaderFloat64 and shaderInt64\n");
        return 77;
    }
    noise_alone(dev);
    wmel_frontend_plan k;
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &k);
    const size_t n = 16000 * 3;
    float *x = malloc(n * sizeof(float));
    t_chirp(x, n, 5);
    char what[96];
    const int seeds[3] = {0, 7, -1};
    for (int i = 0; i < 3; i++) {
        wmel_frontend_plan p = k;
        p.dither = 1.0, p.dither_seed = seeds[i];
        snprintf(what, sizeof what, "kaldi dither 1 seed %d", seeds[i]);
        same(what, &p, x, n, WMEL_VULKAN_ARITH_FLOAT64, "vulkan");
    }
    wmel_frontend_plan e = k;
    e.dither = 0.3, e.dither_seed = 11, e.use_energy = 1;
    same("kaldi raw energy, dither 0.3", &e, x, n, WMEL_VULKAN_ARITH_FLOAT64, "vulkan");
    wmel_frontend_plan nemo;
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &nemo);
    nemo.dither = 1e-5, nemo.dither_seed = 3;
    same("nemo dither 1e-5", &nemo, x, n, WMEL_VULKAN_ARITH_FLOAT64, "vulkan");
    /* a custom plan: t past 2^16 on 70,000 samples, the frame pre-emphasis' previous sample */
    wmel_frontend_plan c = k;
    c.hop = 1, c.frame_length = 48, c.n_fft = 64, c.n_mels = 12, c.dither = 0.25, c.dither_seed = 123456;
    char msg[300] = "";
    CHECK(wmel_plan_check(&c, msg, sizeof msg) == WMEL_OK, "the custom plan: %s", msg);
    const size_t nl = 70000;
    float *xl = malloc(nl * sizeof(float));
    t_chirp(xl, nl, 9);
    same("custom hop 1, 70000 frames, dither 0.25", &c, xl, nl, WMEL_VULKAN_ARITH_FLOAT64, "vulkan");
    batch(&k, x);
    /* rounds of at most 3000 samples: the clip in several rounds and segments, each segment's
       frames with the clip's own frame indices */
    {
        wmel_frontend_plan p = k;
        p.dither = 1.0, p.dither_seed = 99;
        t_setenv("WMEL_VULKAN_SIGNAL_LIMIT", "3000", 1);
        same("kaldi dither 1, rounds of 3000 samples", &p, x, n, WMEL_VULKAN_ARITH_FLOAT64, "vulkan");
        t_unsetenv("WMEL_VULKAN_SIGNAL_LIMIT");
    }
    /* float-float: the frames on the CPU (its bytes), the reason in the ctx's backend reason */
    {
        wmel_frontend_plan p = k;
        p.dither = 1.0, p.dither_seed = 5;
        same("kaldi dither 1, float-float", &p, x, n, WMEL_VULKAN_ARITH_FLOAT_FLOAT, "cpu");
        wmel_ctx *f = ctx_on(&p, WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT_FLOAT);
        const char *why = f ? wmel_backend_reason(f) : "";
        CHECK(f && strstr(why, "float-float") && strstr(why, "dither"), "float-float's reason: %s", why);
        printf("  float-float: %s\n", why);
        wmel_destroy(f);
    }
    /* the windowed energy stays on the CPU, with the lowering's sentence */
    e.energy_windowed = 1;
    wmel_ctx *cw = ctx_on(&e, WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT64);
    size_t lw = 0;
    float *ow = feats(cw, x, n, &lw);
    char why[320] = "";
    CHECK(cw && !strcmp(wmel_op_backend(cw, WMEL_OP_LOG_MEL), "cpu") &&
              wmel_op_reason(cw, WMEL_OP_LOG_MEL, why, sizeof why) == 1 && strstr(why, "windowed"),
          "the windowed energy: frames on %s (%s)", cw ? wmel_op_backend(cw, WMEL_OP_LOG_MEL) : "none", why);
    printf("  windowed energy: frames on the CPU: %s\n", why);
    free(ow);
    wmel_destroy(cw);
    /* the sentence: the device the noise needs, up front */
    CHECK(wmel_backend_accepts(WMEL_BACKEND_VULKAN, &k, WMEL_OP_LOG_MEL, why, sizeof why) == 1, "undithered: %s", why);
    wmel_frontend_plan d = k;
    d.dither = 1.0;
    CHECK(wmel_backend_accepts(WMEL_BACKEND_VULKAN, &d, WMEL_OP_LOG_MEL, why, sizeof why) == 1 &&
              !strncmp(why, "the dither's noise needs float64", 32) && strstr(why, "shaderInt64") &&
              strstr(why, "float-float") && strstr(why, "general algorithm") && why[strlen(why) - 1] == ')',
          "dithered: %s", why);
    printf("  accepts: %s\n", why);
    free(x), free(xl);
    return t_done("test_vulkan_dither");
}
