/*
 * test_cuda_dither.c -- dithered plans on CUDA (float64): the frame kernel draws the dither's
 * noise (src/kernels/noise.h, the CPU's bits) and adds it where the CPU does, so the frames
 * run on the device (wmel_op_backend: "cuda" for the frames) and give the CPU backend's
 * bytes: Kaldi's fbank with dither 1 and three seeds (0, 7, 2^32 - 1), its raw log energy
 * (after the noise and DC removal), NeMo's preset with dither 1e-5, a custom plan (hop 1,
 * 48-sample frames, frame pre-emphasis) on a clip of 70,000 frames (the frame index past
 * 2^16), a batch of clips of mixed lengths (each clip's noise from its own frame 0), and
 * the windowed energy, which stays on the CPU with the lowering's sentence. Exit 77 without
 * a device.
 */
#define _GNU_SOURCE /* setenv */
#include "testutil.h"
#include "wmel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wmel_ctx *ctx_on(const wmel_frontend_plan *pl, int backend)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_threads = 2;
    int st = 0;
    wmel_ctx *c = wmel_create_plan(&p, pl, &st);
    CHECK(c != NULL, "create on %d: %s", backend, wmel_strerror(st));
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

/* plan pl on CUDA and on the CPU over x: the same bytes, the frames on the device */
static void same(const char *what, const wmel_frontend_plan *pl, const float *x, size_t n)
{
    wmel_ctx *cu = ctx_on(pl, WMEL_BACKEND_CUDA), *cpu = ctx_on(pl, WMEL_BACKEND_CPU);
    size_t la = 0, lb = 0;
    float *a = feats(cu, x, n, &la), *b = feats(cpu, x, n, &lb);
    size_t diff = 0;
    double worst = 0.0;
    for (size_t i = 0; a && b && la == lb && i < la; i++)
        if (memcmp(&a[i], &b[i], sizeof(float))) {
            diff++;
            worst = fmax(worst, fabs((double)a[i] - b[i]) / fmax(1.0, fabs((double)b[i])));
        }
    CHECK(a && b && la == lb && diff == 0, "%s: %zu of %zu values differ from the CPU's (worst %.3g)", what, diff, la, worst);
    const char *ob = cu ? wmel_op_backend(cu, WMEL_OP_LOG_MEL) : "none";
    CHECK(!strcmp(ob, "cuda"), "%s: the frames ran on %s", what, ob);
    printf("  %-44s %zu values, the CPU's bytes: %s; frames on %s, finish on %s (%s)\n", what, la, diff ? "NO" : "yes", ob,
           cu ? wmel_op_backend(cu, WMEL_OP_FINISH) : "none", cu ? wmel_kernel_name(cu) : "");
    free(a), free(b);
    wmel_destroy(cu), wmel_destroy(cpu);
}

int main(void)
{
    setenv("WMEL_CUDA_ARITHMETIC", "float64", 1);
    wmel_frontend_plan k;
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &k);
    const int skip = t_cuda_or_skip(&k, "test_cuda_dither");
    if (skip) return skip;
    const size_t n = 16000 * 3;
    float *x = malloc(n * sizeof(float));
    t_chirp(x, n, 5);
    char what[96];
    const int seeds[3] = {0, 7, -1};
    for (int i = 0; i < 3; i++) {
        wmel_frontend_plan p = k;
        p.dither = 1.0, p.dither_seed = seeds[i];
        snprintf(what, sizeof what, "kaldi dither 1 seed %d", seeds[i]);
        same(what, &p, x, n);
    }
    wmel_frontend_plan e = k;
    e.dither = 0.3, e.dither_seed = 11, e.use_energy = 1;
    same("kaldi raw energy, dither 0.3", &e, x, n);
    wmel_frontend_plan nemo;
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &nemo);
    nemo.dither = 1e-5, nemo.dither_seed = 3;
    same("nemo dither 1e-5", &nemo, x, n);
    /* a custom plan: t past 2^16 on 70,000 samples */
    wmel_frontend_plan c = k;
    c.hop = 1, c.frame_length = 48, c.n_fft = 64, c.n_mels = 12, c.dither = 0.25, c.dither_seed = 123456;
    char msg[300] = "";
    CHECK(wmel_plan_check(&c, msg, sizeof msg) == WMEL_OK, "the custom plan: %s", msg);
    const size_t nl = 70000;
    float *xl = malloc(nl * sizeof(float));
    t_chirp(xl, nl, 9);
    same("custom hop 1, 70000 frames, dither 0.25", &c, xl, nl);
    /* a batch: each clip its own frame 0 */
    {
        wmel_frontend_plan p = k;
        p.dither = 0.5, p.dither_seed = 42;
        wmel_ctx *cu = ctx_on(&p, WMEL_BACKEND_CUDA), *cpu = ctx_on(&p, WMEL_BACKEND_CPU);
        const size_t lens[3] = {16000, 7001, 30000};
        const float *xs[3] = {x, x + 1000, x + 5000};
        float *o[3], *w[3];
        size_t ol[3], bad = 0;
        for (int b = 0; b < 3; b++) {
            size_t r = 0, q = 0;
            wmel_features_shape(cu, lens[b], &r, &q);
            ol[b] = r * q;
            o[b] = malloc(ol[b] * sizeof(float));
            size_t lw = 0;
            w[b] = feats(cpu, xs[b], lens[b], &lw);
        }
        size_t failed = 99;
        const int st = cu ? wmel_features_batch(cu, xs, lens, 3, o, ol, &failed) : -1;
        CHECK(st == WMEL_OK, "batch: %d", st);
        for (int b = 0; b < 3; b++) bad += st == WMEL_OK && w[b] && memcmp(o[b], w[b], ol[b] * sizeof(float)) != 0;
        CHECK(bad == 0, "batch: %zu clips differ from the CPU's single calls", bad);
        CHECK(cu && !strcmp(wmel_op_backend(cu, WMEL_OP_LOG_MEL_BATCH), "cuda"), "batch ran on %s",
              cu ? wmel_op_backend(cu, WMEL_OP_LOG_MEL_BATCH) : "none");
        printf("  kaldi dither 0.5, a batch of 3 clips: %s\n", bad ? "NOT the CPU's bytes" : "each the CPU's bytes");
        for (int b = 0; b < 3; b++) free(o[b]), free(w[b]);
        wmel_destroy(cu), wmel_destroy(cpu);
    }
    /* the windowed energy stays on the CPU, with the sentence */
    e.energy_windowed = 1;
    wmel_ctx *cw = ctx_on(&e, WMEL_BACKEND_CUDA);
    size_t lw = 0;
    float *ow = feats(cw, x, n, &lw);
    char why[300] = "";
    CHECK(cw && !strcmp(wmel_op_backend(cw, WMEL_OP_LOG_MEL), "cpu") && wmel_op_reason(cw, WMEL_OP_LOG_MEL, why, sizeof why) == 1 &&
              strstr(why, "windowed"),
          "the windowed energy: frames on %s (%s)", cw ? wmel_op_backend(cw, WMEL_OP_LOG_MEL) : "none", why);
    printf("  windowed energy: frames on the CPU: %s\n", why);
    free(ow);
    wmel_destroy(cw);
    free(x), free(xl);
    return t_done("test_cuda_dither");
}
