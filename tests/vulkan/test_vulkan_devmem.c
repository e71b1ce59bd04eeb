/*
 * test_vulkan_devmem.c -- wmel_vulkan_features_device: clips in another Vulkan device's
 * memory (the test's own VkDevice on the ctx's physical device, lavapipe in `make
 * test-vulkan`), exported as opaque file descriptors, read where they are and the features
 * written into that device's memory. For Whisper's geometry (with and without the 3x3
 * average, 128 mels; every preset's plan: tests/conformance/test_backends.c), in float64 and
 * float-float, float32 and int16 samples, with a stride, offsets and a staged ctx: wmel_features' bytes on the same ctx, the bytes around the output untouched, no
 * descriptor kept. Refusals (a CPU ctx, a dithered plan in float-float, the device finish switched off, a
 * clip whose output the device does not finish), the arguments' errors (UUIDs not the
 * ctx's, ranges past the allocation, offsets not aligned, overlapping ranges, a descriptor
 * the driver refuses, out_len), a NaN, an Inf or a sample past the device's bound in clip 5
 * of 8 (the CPU's status, WMEL_ERR_NOT_FINITE or WMEL_ERR_SAMPLE_RANGE, the clip named, the
 * clips before it the host's bytes) and a clip longer than a round (its buffers grown). Exit 77 without a device or without
 * VK_KHR_external_memory_fd.
 */
#define _GNU_SOURCE /* setenv, RTLD_NODELETE */
#include "testutil.h"
#include "vk_export.h"
#include "vk_test.h"
#include "wmel.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void t_vk_fail_at(long n);      /* vk_loader.c's injection: the n-th Vulkan call from now fails */

/* The system knows the descriptor's size (a memfd, as lavapipe exports): a size past it is
   then refused as the argument's fault (WMEL_ERR_INVALID_ARG). */
static int fd_sized(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

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

/* ---- the checks ---- */

#define CANARY 0xA5u
#define PCM_OFF 64  /* the samples' offset in their allocation (bytes) */
#define OUT_OFF 256 /* the output's */

/* `batch` clips of n samples (stride n + 37) on ctx c, float32 or int16: the device's bytes
   against wmel_features' on the host, the canaries around the output */
static void same(const char *what, wmel_ctx *c, int s16, size_t batch, size_t n)
{
    const size_t stride = n + 37, el = s16 ? 2 : 4;
    size_t rows = 0, cols = 0;
    CHECK(wmel_features_shape(c, n, &rows, &cols) == WMEL_OK, "%s: shape", what);
    const size_t per = rows * cols;
    vkx_mem in, out;
    if (!mem_new(&in, PCM_OFF + (batch * stride) * el + 64) || !mem_new(&out, OUT_OFF + batch * per * 4 + 512)) {
        CHECK(0, "%s: the test's allocations", what);
        return;
    }
    float *x = malloc(n * sizeof *x), *ref = malloc((per ? per : 1) * sizeof *ref);
    unsigned char *o = out.p;
    memset(o, CANARY, (size_t)out.m.size);
    in.m.offset = PCM_OFF;
    out.m.offset = OUT_OFF;
    for (size_t b = 0; b < batch; b++) {
        t_chirp(x, n, 11 + (unsigned)b);
        for (size_t i = 0; i < n; i++) {
            if (s16) {
                const long v = lrintf(x[i] * 20000.0f);
                ((int16_t *)((char *)in.p + PCM_OFF))[b * stride + i] = (int16_t)v;
            } else {
                ((float *)((char *)in.p + PCM_OFF))[b * stride + i] = x[i];
            }
        }
    }
    const int fds = fds_open();
    const long long d0 = t_count(WMEL__CNT_VK_DEV_CLIPS);
    const int rc = wmel_vulkan_features_device(c, &in.m, s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32, batch, n, stride,
                                               &out.m, batch * per);
    CHECK(rc == WMEL_OK, "%s: %d %s", what, rc, wmel_vulkan_error_detail());
    CHECK(t_count(WMEL__CNT_VK_DEV_CLIPS) - d0 == (long long)batch, "%s: %lld clips finished on the device, not %zu", what,
          t_count(WMEL__CNT_VK_DEV_CLIPS) - d0, batch);
    CHECK(fds_open() == fds, "%s: %d descriptors open after the call, %d before", what, fds_open(), fds);
    CHECK(fcntl(in.m.fd, F_GETFD) != -1, "%s: the caller's descriptor was closed", what);
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
        for (size_t i = 0; i < n; i++)
            x[i] = s16 ? ((int16_t *)((char *)in.p + PCM_OFF))[b * stride + i] / 32768.0f
                       : ((float *)((char *)in.p + PCM_OFF))[b * stride + i];
        CHECK(wmel_features(c, x, n, ref, per) == WMEL_OK, "%s: the host's", what);
        const size_t d = memcmp(o + OUT_OFF + b * per * 4, ref, per * 4);
        CHECK(d == 0, "%s: clip %zu of %zu (%zu samples, %zu x %zu): not wmel_features' bytes", what, b, batch, n,
              rows, cols);
    }
    size_t bad = 0;
    for (size_t i = 0; i < OUT_OFF; i++) bad += o[i] != CANARY;
    for (size_t i = OUT_OFF + batch * per * 4; i < (size_t)out.m.size; i++) bad += o[i] != CANARY;
    CHECK(bad == 0, "%s: %zu bytes around the output written", what, bad);
    free(x);
    free(ref);
    mem_free(&in);
    mem_free(&out);
}

static wmel_ctx *mk_plan(const char *preset, int arith, const char *env, const char *val)
{
    wmel_frontend_plan pl;
    char msg[256];
    if (wmel_preset_plan(preset, &pl, msg, sizeof msg) != WMEL_OK) {
        CHECK(0, "preset %s: %s", preset, msg);
        return NULL;
    }
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_arith = arith;
    p.n_threads = 2;
    if (env) t_setenv(env, val, 1);
    int st = 0;
    wmel_ctx *c = wmel_create_plan(&p, &pl, &st);
    if (env) t_unsetenv(env);
    CHECK(c != NULL, "create %s arith %d: %d %s", preset, arith, st, wmel_vulkan_error_detail());
    return c;
}

static wmel_ctx *mk_whisper(int n_mels, int smooth, int arith, const char *env, const char *val)
{
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_arith = arith;
    p.n_mels = n_mels;
    p.smooth = smooth;
    p.n_threads = 2;
    if (env) t_setenv(env, val, 1);
    int st = 0;
    wmel_ctx *c = wmel_create(&p, &st);
    if (env) t_unsetenv(env);
    CHECK(c != NULL, "create whisper arith %d: %d %s", arith, st, wmel_vulkan_error_detail());
    return c;
}

/* the bytes for Whisper's geometry (wmel_create) */
static void sweep(int arith)
{
    char what[96];
    /* the presets' plans (NeMo's, Kaldi's, FunASR's LFR, lhotse's MFCC and every other, taken or
       refused with the reason): tests/conformance/test_backends.c */
    const int mels[3] = {80, 80, 128}, smooth[3] = {WMEL_SMOOTH_NONE, WMEL_SMOOTH_3X3, WMEL_SMOOTH_NONE};
    for (int k = 0; k < 3; k++) {
        wmel_ctx *c = mk_whisper(mels[k], smooth[k], arith, NULL, NULL);
        if (!c) continue;
        snprintf(what, sizeof what, "whisper %d mels smooth %d arith %d", mels[k], smooth[k], arith);
        CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_DEVICE), "vulkan"), "%s: WMEL_OP_DEVICE", what);
        same(what, c, 0, 3, 16000 * 2 + 5);
        same(what, c, 1, 2, 4000);
        wmel_destroy(c);
    }
}

/* A batch of 8 clips with a bad sample in clip 5 (NaN, -Inf, 1e30, and NaN beside 1e30), in
   float64 and float-float: wmel_features' status on that clip where a sample is not finite,
   WMEL_ERR_SAMPLE_RANGE for 1e30 (past the device's bound), the clip named in the detail,
   clips 0 to 4 wmel_features' bytes */
static void bad_sample(int arith)
{
    wmel_ctx *c = mk_plan("nemo", arith, NULL, NULL);
    if (!c) return;
    const size_t n = 4000, B = 8, K = 5;
    size_t rows, cols;
    (void)wmel_features_shape(c, n, &rows, &cols);
    const size_t per = rows * cols;
    vkx_mem in, out;
    float *ref = malloc(per * sizeof *ref);
    if (!ref || !mem_new(&in, 4 * n * B) || !mem_new(&out, per * 4 * B)) {
        CHECK(0, "the test's allocations");
        free(ref);
        wmel_destroy(c);
        return;
    }
    float *x = (float *)in.p;
    t_chirp(x, B * n, 11);
    const float bad[4] = {NAN, -INFINITY, 1e30f, NAN};
    for (int v = 0; v < 4; v++) {
        float *clip = x + K * n;
        clip[n / 2] = bad[v];
        if (v == 3) clip[n / 4] = 1e30f; /* past the bound before the NaN: not finite still */
        /* 1e30: past the device's bound, which the host's float64 computes (wmel.h: the device
           refuses the clip with WMEL_ERR_SAMPLE_RANGE); not finite: the host's status */
        const int host = wmel_features(c, clip, n, ref, per), want = v == 2 ? WMEL_ERR_SAMPLE_RANGE : host;
        CHECK(v == 2 || host == WMEL_ERR_NOT_FINITE, "the host's status for bad %d: %d", v, host);
        memset(out.p, 0, per * 4 * B);
        const int rc = wmel_vulkan_features_device(c, &in.m, WMEL_SAMPLE_F32, B, n, n, &out.m, per * B);
        CHECK(rc == want && strstr(wmel_vulkan_error_detail(), "clip 5 (of 8)"),
              "arith %d, bad sample %d in clip 5 of 8: %d (the host's %d) %s", arith, v, rc, want,
              wmel_vulkan_error_detail());
        for (size_t b = 0; b < K; b++)
            CHECK(wmel_features(c, x + b * n, n, ref, per) == WMEL_OK &&
                      !memcmp((const float *)out.p + b * per, ref, per * 4),
                  "arith %d, bad sample %d: clip %zu the host's bytes", arith, v, b);
        t_chirp(x, B * n, 11);
    }
    CHECK(wmel_vulkan_features_device(c, &in.m, WMEL_SAMPLE_F32, B, n, n, &out.m, per * B) == WMEL_OK,
          "the batch mended: %s", wmel_vulkan_error_detail());
    free(ref);
    mem_free(&in);
    mem_free(&out);
    wmel_destroy(c);
}

/* refusals and the arguments' errors on a NeMo ctx */
static void errors(void)
{
    wmel_ctx *c = mk_plan("nemo", WMEL_VULKAN_ARITH_FLOAT64, NULL, NULL);
    if (!c) return;
    const size_t n = 16000;
    size_t rows, cols;
    (void)wmel_features_shape(c, n, &rows, &cols);
    const size_t per = rows * cols;
    vkx_mem in, out;
    if (!mem_new(&in, 4 * n * 2) || !mem_new(&out, per * 4 * 2)) {
        CHECK(0, "the test's allocations");
        wmel_destroy(c);
        return;
    }
    float *x = (float *)in.p;
    t_chirp(x, 2 * n, 5);
    int rc;
#define CALL(pm, b, om, len) wmel_vulkan_features_device(c, (pm), WMEL_SAMPLE_F32, (b), n, n, (om), (len))
    CHECK((rc = CALL(&in.m, 0, NULL, 0)) == WMEL_OK, "batch 0: %d", rc);
    CHECK((rc = CALL(NULL, 1, &out.m, per)) == WMEL_ERR_NULL_POINTER, "pcm NULL: %d", rc);
    CHECK((rc = CALL(&in.m, 1, NULL, per)) == WMEL_ERR_NULL_POINTER, "out NULL: %d", rc);
    CHECK((rc = CALL(&in.m, 2, &out.m, 2 * per - 1)) == WMEL_ERR_BUFFER_TOO_SMALL, "out_len: %d", rc);
    CHECK(wmel_vulkan_features_device(c, &in.m, 7, 1, n, n, &out.m, per) == WMEL_ERR_INVALID_ARG, "sample_type");
    CHECK(wmel_vulkan_features_device(c, &in.m, WMEL_SAMPLE_F32, 2, n, n - 1, &out.m, 2 * per) == WMEL_ERR_INVALID_ARG,
          "stride");
    CHECK(wmel_vulkan_features_device(c, &in.m, WMEL_SAMPLE_F32, 1, 0, 0, &out.m, per) == WMEL_ERR_NO_SAMPLES,
          "no samples");
    wmel_vulkan_memory m = in.m;
    m.offset = 2;
    CHECK((rc = CALL(&m, 1, &out.m, per)) == WMEL_ERR_INVALID_ARG, "offset 2: %d", rc);
    m.offset = in.m.size - 4 * n + 4;
    CHECK((rc = CALL(&m, 1, &out.m, per)) == WMEL_ERR_INVALID_ARG && strstr(wmel_vulkan_error_detail(), "pass"),
          "samples past the allocation: %d %s", rc, wmel_vulkan_error_detail());
    m = out.m;
    m.offset = out.m.size - per * 4 + 4;
    CHECK((rc = CALL(&in.m, 1, &m, per)) == WMEL_ERR_INVALID_ARG, "output past the allocation: %d", rc);
    m = in.m;
    m.device_uuid[3] ^= 1;
    CHECK((rc = CALL(&m, 1, &out.m, per)) == WMEL_ERR_INVALID_ARG && strstr(wmel_vulkan_error_detail(), "UUID"),
          "another device's UUID: %d %s", rc, wmel_vulkan_error_detail());
    m = in.m;
    m.fd = -1;
    CHECK((rc = CALL(&m, 1, &out.m, per)) == WMEL_ERR_INVALID_ARG, "fd -1: %d", rc);
    m = in.m;
    m.memory_type = 99;
    CHECK((rc = CALL(&m, 1, &out.m, per)) == WMEL_ERR_INVALID_ARG, "memory type 99: %d %s", rc,
          wmel_vulkan_error_detail());
    m = in.m;
    m.size *= 2; /* past the exported allocation: the argument is wrong, not the memory */
    rc = CALL(&m, 1, &out.m, per);
    CHECK(rc != WMEL_OK && strstr(wmel_vulkan_error_detail(), "size") && (rc == WMEL_ERR_INVALID_ARG || !fd_sized(in.m.fd)),
          "size twice the allocation's: %d %s", rc, wmel_vulkan_error_detail());
    { /* one allocation for both: disjoint ranges work, overlapping ones are refused */
        wmel_vulkan_memory o2 = in.m;
        o2.offset = 4 * n;
        CHECK((rc = CALL(&in.m, 1, &o2, per)) == WMEL_OK, "one allocation, disjoint: %d %s", rc,
              wmel_vulkan_error_detail());
        o2.offset = 4 * n - 8;
        CHECK((rc = CALL(&in.m, 1, &o2, per)) == WMEL_ERR_INVALID_ARG, "one allocation, overlapping: %d", rc);
    }
    { /* a NaN in clip 1 of 2: the status, the clip named, clip 0 the host's bytes */
        x[n + 100] = NAN;
        float *ref = malloc(per * sizeof *ref);
        memset(out.p, 0, per * 4);
        rc = CALL(&in.m, 2, &out.m, 2 * per);
        CHECK(rc == WMEL_ERR_NOT_FINITE && strstr(wmel_vulkan_error_detail(), "clip 1"), "a NaN in clip 1: %d %s",
              rc, wmel_vulkan_error_detail());
        CHECK(wmel_features(c, x, n, ref, per) == WMEL_OK && !memcmp(out.p, ref, per * 4), "clip 0 beside the NaN");
        x[n + 100] = 1e30f; /* past the bound, finite */
        CHECK((rc = CALL(&in.m, 2, &out.m, 2 * per)) == WMEL_ERR_SAMPLE_RANGE, "1e30 in clip 1: %d", rc);
        x[n + 100] = 0.5f;
        CHECK((rc = CALL(&in.m, 2, &out.m, 2 * per)) == WMEL_OK, "clip 1 mended: %d %s", rc,
              wmel_vulkan_error_detail());
        free(ref);
    }
    { /* a descriptor that is not a Vulkan allocation's (last: a driver may keep state of a
         refused import). Drivers answer it differently: lavapipe and RADV with
         VK_ERROR_INVALID_EXTERNAL_HANDLE, NVIDIA's with VK_ERROR_OUT_OF_DEVICE_MEMORY; either
         way a status, the descriptor still the caller's, and the next import works (on a new
         ctx where NVIDIA's device keeps refusing) */
        int fd = open("/dev/null", O_RDONLY);
        m = in.m;
        m.fd = fd;
        const int refused = CALL(&m, 1, &out.m, per);
        CHECK(refused == WMEL_ERR_INVALID_ARG || refused == WMEL_ERR_VULKAN || refused == WMEL_ERR_NO_MEMORY,
              "/dev/null's descriptor: %d %s", refused, wmel_vulkan_error_detail());
        CHECK(fcntl(fd, F_GETFD) != -1, "/dev/null's descriptor left open for the caller");
        close(fd);
        /* the next import: on this ctx, but where the driver answered with its memory
           (NVIDIA's, 580), whose device then refuses every later import (docs/vulkan.md): a
           new ctx's */
        rc = CALL(&in.m, 1, &out.m, per);
        if (refused == WMEL_ERR_NO_MEMORY && rc == WMEL_ERR_NO_MEMORY) {
            printf("this driver refuses imports on a device after a foreign descriptor: a new ctx imports\n");
            wmel_ctx *c2 = mk_plan("nemo", WMEL_VULKAN_ARITH_FLOAT64, NULL, NULL);
            rc = c2 ? wmel_vulkan_features_device(c2, &in.m, WMEL_SAMPLE_F32, 1, n, n, &out.m, per) : WMEL_ERR_VULKAN;
            wmel_destroy(c2);
        }
        CHECK(rc == WMEL_OK, "an import after the refused one: %d %s", rc, wmel_vulkan_error_detail());
    }
    wmel_destroy(c);
    /* ctxs refused whatever the arguments */
    wmel_ctx *cpu = t_ctx(WMEL_BACKEND_CPU, 80, WMEL_ISA_AUTO, 1, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE);
    unsigned char du[16], dr[16];
    CHECK(wmel_vulkan_features_device(cpu, &in.m, WMEL_SAMPLE_F32, 1, n, n, &out.m, per) ==
              WMEL_ERR_BACKEND_UNAVAILABLE, "a CPU ctx");
    CHECK(wmel_vulkan_device_uuids(cpu, du, dr) == WMEL_ERR_BACKEND_UNAVAILABLE, "a CPU ctx's UUIDs");
    CHECK(!strcmp(wmel_op_backend(cpu, WMEL_OP_DEVICE), "none"), "a CPU ctx: WMEL_OP_DEVICE");
    wmel_destroy(cpu);
    wmel_frontend_plan pl;
    char msg[128];
    (void)wmel_preset_plan("kaldi", &pl, msg, sizeof msg);
    pl.dither = 1.0;
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_arith = WMEL_VULKAN_ARITH_FLOAT_FLOAT; /* float-float draws no noise: the frames on the CPU */
    int st;
    wmel_ctx *d = wmel_create_plan(&p, &pl, &st);
    CHECK(d != NULL, "a dithered plan in float-float: %d", st);
    if (d) {
        CHECK(wmel_vulkan_features_device(d, NULL, WMEL_SAMPLE_F32, 0, 0, 0, NULL, 0) == WMEL_ERR_BACKEND_UNAVAILABLE &&
                  strstr(wmel_vulkan_error_detail(), "dither"),
              "a dithered plan in float-float: %s", wmel_vulkan_error_detail());
        CHECK(!strcmp(wmel_op_backend(d, WMEL_OP_DEVICE), "none"), "a dithered plan in float-float: WMEL_OP_DEVICE");
        wmel_destroy(d);
    }
    p.vulkan_arith = WMEL_VULKAN_ARITH_FLOAT64; /* float64 draws it: the device takes the plan's clips */
    d = wmel_create_plan(&p, &pl, &st);
    CHECK(d && !strcmp(wmel_op_backend(d, WMEL_OP_DEVICE), "vulkan"), "a dithered plan in float64: WMEL_OP_DEVICE %s",
          d ? wmel_op_backend(d, WMEL_OP_DEVICE) : "none");
    wmel_destroy(d);
    wmel_ctx *h = mk_plan("nemo", WMEL_VULKAN_ARITH_FLOAT64, "WMEL_VULKAN_DEVICE_FINISH", "0");
    if (h) {
        CHECK(wmel_vulkan_features_device(h, &in.m, WMEL_SAMPLE_F32, 1, n, n, &out.m, per) ==
                  WMEL_ERR_BACKEND_UNAVAILABLE, "the device's finish switched off");
        wmel_destroy(h);
    }
    mem_free(&in);
    mem_free(&out);
#undef CALL
}

/* a clip longer than a round (rounds of 64 KiB): its buffers grown for it, the host's bytes */
static void long_clip(void)
{
    long long g0 = t_count(WMEL__CNT_VK_GROWN);
    wmel_ctx *c = mk_plan("nemo", WMEL_VULKAN_ARITH_FLOAT64, "WMEL_VULKAN_ROUND_BYTES", "65536");
    if (c) {
        same("nemo, 20 s, rounds of 64 KiB", c, 0, 1, 16000 * 20);
        CHECK(t_count(WMEL__CNT_VK_GROWN) - g0 == 2, "nemo, 20 s: the rounds grew %lld times, not 2 (the device call, wmel_features)", t_count(WMEL__CNT_VK_GROWN) - g0);
        wmel_destroy(c);
    }
    g0 = t_count(WMEL__CNT_VK_GROWN);
    c = mk_whisper(80, WMEL_SMOOTH_NONE, WMEL_VULKAN_ARITH_FLOAT64, "WMEL_VULKAN_ROUND_BYTES", "65536");
    if (c) {
        same("whisper, 20 s, rounds of 64 KiB", c, 0, 1, 16000 * 20);
        CHECK(t_count(WMEL__CNT_VK_GROWN) - g0 == 2, "whisper, 20 s: the rounds grew %lld times, not 2 (the device call, wmel_features)", t_count(WMEL__CNT_VK_GROWN) - g0);
        wmel_destroy(c);
    }
    c = mk_plan("kaldi", WMEL_VULKAN_ARITH_FLOAT64, "WMEL_VULKAN_STAGING", "1");
    if (c) {
        same("kaldi, staged", c, 0, 2, 16000 * 3);
        same("kaldi, staged, int16", c, 1, 2, 16000);
        wmel_destroy(c);
    }
    c = mk_whisper(80, WMEL_SMOOTH_3X3, WMEL_VULKAN_ARITH_FLOAT64, "WMEL_VULKAN_STAGING", "1");
    if (c) {
        same("whisper smoothed, staged", c, 0, 2, 16000 * 3);
        wmel_destroy(c);
    }
}

/* each Vulkan call of a device-memory call (two NeMo clips) failed in turn, on a fresh ctx:
   a status with a message, or wmel_features' bytes; no descriptor left open either way */
static void injection(void)
{
    const size_t n = 8000, B = 2;
    wmel_ctx *c = mk_plan("nemo", WMEL_VULKAN_ARITH_FLOAT64, NULL, NULL);
    if (!c) return;
    size_t rows, cols;
    (void)wmel_features_shape(c, n, &rows, &cols);
    const size_t per = rows * cols;
    vkx_mem in, out;
    float *ref = malloc(B * per * sizeof *ref);
    if (!ref || !mem_new(&in, B * n * 4) || !mem_new(&out, B * per * 4)) {
        CHECK(0, "the test's allocations");
        wmel_destroy(c);
        free(ref);
        return;
    }
    t_chirp(in.p, B * n, 9);
    for (size_t b = 0; b < B; b++)
        CHECK(wmel_features(c, (float *)in.p + b * n, n, ref + b * per, per) == WMEL_OK, "the host's");
    const long c0 = t_count(WMEL__CNT_VK_CALLS);
    int rc = wmel_vulkan_features_device(c, &in.m, WMEL_SAMPLE_F32, B, n, n, &out.m, B * per);
    const long calls = t_count(WMEL__CNT_VK_CALLS) - c0;
    CHECK(rc == WMEL_OK && calls > 4, "the counted call: %d, %ld Vulkan calls", rc, calls);
    wmel_destroy(c);
    int failed = 0;
    for (long k = 1; k <= calls; k++) {
        c = mk_plan("nemo", WMEL_VULKAN_ARITH_FLOAT64, NULL, NULL);
        if (!c) break;
        const int fds = fds_open();
        memset(out.p, 0, B * per * 4);
        t_vk_fail_at(k);
        rc = wmel_vulkan_features_device(c, &in.m, WMEL_SAMPLE_F32, B, n, n, &out.m, B * per);
        t_vk_fail_at(0);
        if (rc == WMEL_OK)
            CHECK(!memcmp(out.p, ref, B * per * 4), "Vulkan call %ld of %ld failed: WMEL_OK with other bytes", k, calls);
        else
            CHECK(wmel_vulkan_error_detail()[0] != '\0', "Vulkan call %ld of %ld failed: status %d without a message", k,
                  calls, rc);
        failed += rc != WMEL_OK;
        CHECK(fds_open() == fds, "Vulkan call %ld failed: %d descriptors open, %d before", k, fds_open(), fds);
        wmel_destroy(c);
    }
    CHECK(failed > 0, "no injected failure reached the caller (%ld calls)", calls);
    printf("injection: %ld Vulkan calls failed in turn, %d gave a status\n", calls, failed);
    mem_free(&in);
    mem_free(&out);
    free(ref);
}

int main(void)
{
    char devs[1024];
    const int skip = t_vk_devices(devs, sizeof devs);
    if (skip) return skip;
    wmel_ctx *c = mk_plan("nemo", WMEL_VULKAN_ARITH_FLOAT64, NULL, NULL);
    if (!c) return t_done("test_vulkan_devmem");
    unsigned char du[16], dr[16];
    const int rc = wmel_vulkan_device_uuids(c, du, dr);
    wmel_destroy(c);
    if (rc == WMEL_ERR_BACKEND_UNAVAILABLE) {
        printf("skipped: %s\n", wmel_vulkan_error_detail());
        return 77;
    }
    CHECK(rc == WMEL_OK, "wmel_vulkan_device_uuids: %d", rc);
    if (rc != WMEL_OK || !vk_open(du, dr)) {
        printf("skipped: no Vulkan device of the ctx's UUIDs with VK_KHR_external_memory_fd for the test\n");
        return rc != WMEL_OK ? t_done("test_vulkan_devmem") : 77;
    }
    sweep(WMEL_VULKAN_ARITH_FLOAT64);
    sweep(WMEL_VULKAN_ARITH_FLOAT_FLOAT);
    errors();
    bad_sample(WMEL_VULKAN_ARITH_FLOAT64);
    bad_sample(WMEL_VULKAN_ARITH_FLOAT_FLOAT);
    long_clip();
    injection();
    vk_close();
    return t_done("test_vulkan_devmem");
}
