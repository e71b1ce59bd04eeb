/*
 * test_api.c -- the public contract on purpose-built edge cases (sqlite's testcase()
 * habit): 0, 1, 200, 201 samples, lengths off the hop, exactly 30 s, digital silence,
 * NULL pointers, too-small buffers, destroy(NULL), NaN input, batch semantics, and many
 * threads sharing one ctx.
 */
#define _GNU_SOURCE
#include "testutil.h"
#include "wmel.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static float *noise(size_t n, unsigned seed)
{
    float *x = malloc((n ? n : 1) * sizeof *x);
    srand(seed);
    for (size_t i = 0; i < n; i++) x[i] = ((float)rand() / (float)RAND_MAX - 0.5f) * 0.6f;
    return x;
}

static wmel_ctx *mk(int backend, int n_mels, int threads, int norm)
{
    return t_ctx(backend, n_mels, WMEL_ISA_AUTO, threads, norm, WMEL_SMOOTH_NONE);
}

typedef struct { wmel_ctx *c; const float *x; size_t n; float *out; int rc; } tjob;
static void *tmain(void *a)
{
    tjob *j = a;
    j->rc = wmel_log_mel(j->c, j->x, j->n, 0, j->out, 80 * wmel_n_frames(j->n, 0));
    return NULL;
}

/* An interrupt callback that says stop on its `after`-th call. */
typedef struct { int calls, after; } stopper;
static int stop_after(void *u)
{
    stopper *s = u;
    return ++s->calls >= s->after;
}

/* The one creation path: wmel_create() fills Whisper's plan from its params and creates
 * as wmel_create_plan() does; the rules that are wmel_create's own stay (n_mels 80 or 128
 * given, Whisper's two normalisations, params.smooth kept for Whisper's front-end only,
 * ignored for a plan) and the device backend serves Whisper's geometry only. */
static void test_create_path(void)
{
    wmel_params p = wmel_default_params();
    int st = 0;
    p.n_mels = 0;
    CHECK(!wmel_create(&p, &st) && st == WMEL_ERR_INVALID_ARG, "whisper n_mels 0: no default here");
    p = wmel_default_params();
    p.norm = WMEL_NORM_PER_FEATURE;
    CHECK(!wmel_create(&p, &st) && st == WMEL_ERR_INVALID_ARG, "whisper norm per_feature");
    p = wmel_default_params();
    p.smooth = 7;
    CHECK(!wmel_create(&p, &st) && st == WMEL_ERR_INVALID_ARG, "whisper smooth 7");
    p.frontend = WMEL_FRONTEND_NEMO;
    wmel_ctx *nemo = wmel_create(&p, &st);
    CHECK(nemo && st == WMEL_OK, "nemo: smooth is not its option (ignored), status %d", st);
    wmel_destroy(nemo);
    p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    {
        /* kaldi on CUDA by name: served where Whisper's front-end is (a device), else refused alike */
        int st_w;
        wmel_ctx *w = wmel_create(&p, &st_w);
        p.frontend = WMEL_FRONTEND_KALDI;
        wmel_ctx *k = wmel_create(&p, &st);
        if (w)
            CHECK(k && st == WMEL_OK && !strcmp(wmel_backend_name(k), "cuda"), "kaldi on cuda: %d", st);
        else
            CHECK(!k && st == WMEL_ERR_BACKEND_UNAVAILABLE && st_w == st, "kaldi on cuda: %d (whisper %d)", st, st_w);
        wmel_destroy(k);
        wmel_destroy(w);
    }
    /* smoothing: kept by wmel_create, ignored by wmel_create_plan on the same plan */
    const size_t n = 16000 + 77, nf = wmel_n_frames(n, 0);
    float *x = noise(n, 5), *a = malloc(80 * nf * 4), *b = malloc(80 * nf * 4), *c = malloc(80 * nf * 4);
    p = wmel_default_params();
    p.backend = WMEL_BACKEND_CPU;
    p.smooth = WMEL_SMOOTH_3X3;
    wmel_frontend_plan pl;
    CHECK(wmel_frontend_preset(WMEL_FRONTEND_WHISPER, 80, &pl) == WMEL_OK, "preset");
    wmel_ctx *sm = wmel_create(&p, &st), *fromplan = wmel_create_plan(&p, &pl, &st);
    p.smooth = WMEL_SMOOTH_NONE;
    wmel_ctx *plain = wmel_create(&p, &st);
    CHECK(sm && fromplan && plain, "three ctxs");
    if (sm && fromplan && plain) {
        CHECK(wmel_log_mel(sm, x, n, 0, a, 80 * nf) == WMEL_OK &&
                  wmel_log_mel(fromplan, x, n, 0, b, 80 * nf) == WMEL_OK &&
                  wmel_log_mel(plain, x, n, 0, c, 80 * nf) == WMEL_OK,
              "log_mel on each");
        CHECK(!memcmp(b, c, 80 * nf * 4), "create_plan ignores smooth: bit for bit the plain ctx");
        CHECK(memcmp(a, c, 80 * nf * 4) != 0, "create keeps smooth: the output differs");
        CHECK(!strcmp(wmel_kernel_name(fromplan), wmel_kernel_name(plain)), "one kernel: %s, %s",
              wmel_kernel_name(fromplan), wmel_kernel_name(plain));
        wmel_frontend_plan got;
        CHECK(wmel_ctx_plan(sm, &got) == WMEL_OK && !memcmp(&got, &pl, sizeof got),
              "wmel_create's ctx holds Whisper's preset");
    }
    wmel_destroy(sm);
    wmel_destroy(fromplan);
    wmel_destroy(plain);
    free(x);
    free(a);
    free(b);
    free(c);
}

/* wmel_decoder_open_interruptible: a callback that never stops changes nothing; one that
 * stops ends the open or the read with WMEL_ERR_INTERRUPTED, and the decoder closes
 * cleanly (the sanitizer builds check that nothing leaks). */
static void test_interrupt(void)
{
    size_t n = 16000 * 20, bytes = 44 + 2 * n;
    unsigned char *wav = calloc(bytes, 1);
    float *buf = malloc(65536 * sizeof *buf);
    if (!wav || !buf) {
        CHECK(0, "memory");
        free(wav);
        free(buf);
        return;
    }
    static const unsigned char head[44] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ',
                                           16, 0, 0, 0, 1, 0, 1, 0, 0x80, 0x3e, 0, 0, 0, 0x7d, 0, 0,
                                           2, 0, 16, 0, 'd', 'a', 't', 'a', 0, 0, 0, 0};
    memcpy(wav, head, 44);
    unsigned riff = (unsigned)(bytes - 8), data = (unsigned)(2 * n);
    for (int k = 0; k < 4; k++) {
        wav[4 + k] = (unsigned char)(riff >> (8 * k));
        wav[40 + k] = (unsigned char)(data >> (8 * k));
    }
    for (size_t i = 0; i < n; i++) wav[44 + 2 * i] = (unsigned char)(i * 7);
    char err[256];
    int st;
    stopper never = {0, 1 << 30};
    wmel_decoder *d = wmel_decoder_open_interruptible(NULL, wav, bytes, stop_after, &never, &st, err, sizeof err);
    size_t total = 0, got = 0;
    int rc = d ? WMEL_OK : st;
    while (d && (rc = wmel_decoder_read(d, buf, 65536, &got)) == WMEL_OK && got) total += got;
    CHECK(d && rc == WMEL_OK && total == n, "never stopped: %zu of %zu samples, rc %d", total, n, rc);
    wmel_decoder_close(d);
    stopper later = {0, 3};
    d = wmel_decoder_open_interruptible(NULL, wav, bytes, stop_after, &later, &st, err, sizeof err);
    total = 0;
    rc = d ? WMEL_OK : st;
    while (d && (rc = wmel_decoder_read(d, buf, 65536, &got)) == WMEL_OK && got) total += got;
    CHECK(rc == WMEL_ERR_INTERRUPTED && total < n, "stopped: rc %d after %zu samples", rc, total);
    CHECK(!d || strstr(wmel_decoder_error(d), "interrupted") != NULL, "message: %s", d ? wmel_decoder_error(d) : "");
    CHECK(later.calls >= 3, "the callback was asked (%d calls)", later.calls);
    wmel_decoder_close(d);
    CHECK(strstr(wmel_strerror(WMEL_ERR_INTERRUPTED), "interrupted") != NULL, "strerror");
    CHECK(wmel_decoder_open_interruptible(NULL, NULL, 10, NULL, NULL, &st, err, sizeof err) == NULL &&
          st == WMEL_ERR_NULL_POINTER, "NULL data");
    free(wav);
    free(buf);
}

/* The Vulkan device-memory entry points on a CPU ctx: refused (WMEL_ERR_NOT_BUILT without
   the backend), NULLs named; nothing read from the memory's description. */
static void test_vulkan_memory_refused(void)
{
    wmel_ctx *c = t_ctx(WMEL_BACKEND_CPU, 80, WMEL_ISA_AUTO, 1, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE);
    if (!c) return;
    wmel_vulkan_memory m;
    memset(&m, 0, sizeof m);
    m.fd = -1;
    unsigned char du[16], dr[16];
    int rc = wmel_vulkan_features_device(c, &m, WMEL_SAMPLE_F32, 1, 16000, 16000, &m, 1 << 20);
    CHECK(rc == WMEL_ERR_NOT_BUILT || rc == WMEL_ERR_BACKEND_UNAVAILABLE, "vulkan device memory, CPU ctx: %d", rc);
    rc = wmel_vulkan_device_uuids(c, du, dr);
    CHECK(rc == WMEL_ERR_NOT_BUILT || rc == WMEL_ERR_BACKEND_UNAVAILABLE, "vulkan UUIDs, CPU ctx: %d", rc);
    CHECK(wmel_vulkan_features_device(NULL, &m, WMEL_SAMPLE_F32, 1, 16000, 16000, &m, 1) == WMEL_ERR_NULL_POINTER,
          "vulkan device memory, NULL ctx");
    CHECK(wmel_vulkan_device_uuids(c, NULL, dr) == WMEL_ERR_NULL_POINTER, "vulkan UUIDs, NULL");
    wmel_destroy(c);
}

int main(void)
{
    { /* wmel_op_reason's arguments */
        char why[16] = "x";
        CHECK(wmel_op_reason(NULL, WMEL_OP_LOG_MEL, why, sizeof why) == WMEL_ERR_NULL_POINTER && !*why, "NULL ctx");
        wmel_params op = wmel_default_params();
        op.backend = WMEL_BACKEND_CPU;
        int ost = 0;
        wmel_ctx *oc = wmel_create(&op, &ost);
        CHECK(oc && wmel_op_reason(oc, WMEL_OP_DEVICE, why, sizeof why) == WMEL_ERR_INVALID_ARG, "op DEVICE");
        CHECK(oc && wmel_op_reason(oc, 99, NULL, 0) == WMEL_ERR_INVALID_ARG, "op 99");
        CHECK(oc && wmel_op_reason(oc, WMEL_OP_FINISH, why, sizeof why) == 0 && !*why, "a CPU ctx: no reason");
        wmel_destroy(oc);
    }
    test_interrupt();
    test_create_path();
    test_vulkan_memory_refused();
    /* params and create */
    wmel_params d = wmel_default_params();
    CHECK(d.n_mels == 80 && d.backend == WMEL_BACKEND_AUTO && d.n_threads == 0, "defaults");
    int st = 0;
    wmel_params bad = d;
    bad.n_mels = 81;
    CHECK(wmel_create(&bad, &st) == NULL && st == WMEL_ERR_INVALID_ARG, "n_mels 81");
    bad = d;
    bad.n_threads = -1;
    CHECK(wmel_create(&bad, &st) == NULL && st == WMEL_ERR_INVALID_ARG, "threads -1");
    bad = d;
    bad.backend = 42;
    CHECK(wmel_create(&bad, &st) == NULL && st == WMEL_ERR_INVALID_ARG, "backend 42");
    CHECK(wmel_create(&bad, NULL) == NULL, "status may be NULL");
    bad = d;
    bad.max_isa = WMEL_ISA_WASM_SIMD128 + 1;
    CHECK(wmel_create(&bad, &st) == NULL && st == WMEL_ERR_INVALID_ARG, "max_isa past SIMD128");
    /* ISA caps: a cap from the other family (NEON on x86, AVX2 or AVX512 on AArch64)
       leaves the C level; on AArch64 the best level is NEON */
    {
        const int caps[] = {WMEL_ISA_C, WMEL_ISA_AVX2, WMEL_ISA_AVX512, WMEL_ISA_NEON, WMEL_ISA_AUTO};
        for (int k = 0; k < 5; k++) {
            wmel_ctx *c = t_ctx(WMEL_BACKEND_CPU, 80, caps[k], 1, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE);
            if (!c) continue;
            const char *kn = wmel_kernel_name(c);
            if (caps[k] == WMEL_ISA_C) CHECK(strstr(kn, "cpu-c") == kn, "cap C: %s", kn);
            if (caps[k] == WMEL_ISA_NEON) CHECK(!strstr(kn, "avx"), "cap NEON: %s", kn);
            if (caps[k] == WMEL_ISA_AVX2 || caps[k] == WMEL_ISA_AVX512)
                CHECK(!strstr(kn, "neon"), "cap %d: %s", caps[k], kn);
#if defined(__aarch64__)
            if ((caps[k] == WMEL_ISA_NEON || caps[k] == WMEL_ISA_AUTO) && !getenv("WMEL_MAX_ISA"))
                CHECK(!strcmp(kn, "cpu-neon-f64x2"), "AArch64, cap %d: %s", caps[k], kn);
            if (caps[k] == WMEL_ISA_AVX2) CHECK(strstr(kn, "cpu-c") == kn, "AArch64, cap AVX2: %s", kn);
#endif
            wmel_destroy(c);
        }
    }
    wmel_destroy(NULL);
    wmel_ctx *c0 = wmel_create(NULL, &st);
    CHECK(c0 && st == WMEL_OK, "create(NULL) gives defaults");
    CHECK(wmel_ctx_n_mels(c0) == 80, "n_mels");
    printf("default ctx: backend %s, kernel %s, %d threads\n", wmel_backend_name(c0),
           wmel_kernel_name(c0), wmel_ctx_n_threads(c0));
    wmel_destroy(c0);
#ifndef WMEL_HAVE_CUDA
    bad = d;
    bad.backend = WMEL_BACKEND_CUDA;
    CHECK(wmel_create(&bad, &st) == NULL && st == WMEL_ERR_BACKEND_UNAVAILABLE, "no CUDA in this build");
#endif

    /* frame counts */
    CHECK(wmel_n_frames(0, 0) == 0, "0");
    CHECK(wmel_n_frames(480000, 0) == 3000, "30 s");
    CHECK(wmel_n_frames(159, 0) == 0 && wmel_n_frames(160, 0) == 1 && wmel_n_frames(319, 1) == 2, "hop");
    CHECK(wmel_n_frames(SIZE_MAX, 10) == SIZE_MAX / 160, "saturates");

    /* messages */
    for (int s = 0; s >= -20; s--) CHECK(wmel_strerror(s) && strlen(wmel_strerror(s)) > 5, "strerror %d", s);
    CHECK(wmel_strerror(-9999) != NULL && wmel_strerror(12) != NULL, "unknown codes");
    /* the built-in reader takes any rate, width and layout: the message names no single format */
    CHECK(strstr(wmel_strerror(WMEL_ERR_UNSUPPORTED), "this build does not decode") != NULL &&
              strstr(wmel_strerror(WMEL_ERR_UNSUPPORTED), "16 kHz") == NULL,
          "strerror(WMEL_ERR_UNSUPPORTED): %s", wmel_strerror(WMEL_ERR_UNSUPPORTED));
    CHECK(strstr(wmel_version(), WMEL_VERSION_STRING) != NULL, "version");

    wmel_ctx *cpu = mk(WMEL_BACKEND_CPU, 80, 1, WMEL_NORM_WHOLE);
    wmel_ctx *ref = mk(WMEL_BACKEND_REF, 80, 1, WMEL_NORM_WHOLE);
    float *x = noise(480000 + 777, 7);
    float *o = malloc(sizeof(float) * 80 * 3100), *o2 = malloc(sizeof(float) * 80 * 3100);

    /* too short: padded length <= 200 cannot be reflect-padded */
    CHECK(wmel_log_mel(cpu, x, 0, 0, o, 0) == WMEL_ERR_TOO_SHORT, "0 samples");
    CHECK(wmel_log_mel(cpu, NULL, 0, 0, o, 0) == WMEL_ERR_TOO_SHORT, "0 samples, NULL pcm");
    CHECK(wmel_log_mel(cpu, x, 1, 0, o, 80) == WMEL_ERR_TOO_SHORT, "1 sample");
    CHECK(wmel_log_mel(cpu, x, 200, 0, o, 80) == WMEL_ERR_TOO_SHORT, "200 samples");
    CHECK(wmel_log_mel(cpu, x, 1, 199, o, 80) == WMEL_ERR_TOO_SHORT, "1 + 199 padding");
    /* 201 samples: 1 frame */
    CHECK(wmel_log_mel(cpu, x, 201, 0, o, 80) == WMEL_OK, "201 samples");
    CHECK(wmel_log_mel(cpu, x, 1, 200, o, 80) == WMEL_OK, "1 sample + 200 padding");
    /* NULL pointers and small buffers */
    CHECK(wmel_log_mel(NULL, x, 1000, 0, o, 500) == WMEL_ERR_NULL_POINTER, "NULL ctx");
    CHECK(wmel_log_mel(cpu, NULL, 1000, 0, o, 500) == WMEL_ERR_NULL_POINTER, "NULL pcm");
    CHECK(wmel_log_mel(cpu, x, 1000, 0, NULL, 500) == WMEL_ERR_NULL_POINTER, "NULL out");
    CHECK(wmel_log_mel(cpu, x, 1000, 0, o, 80 * 6 - 1) == WMEL_ERR_BUFFER_TOO_SMALL, "out_len");
    CHECK(wmel_log_mel(cpu, x, 10, SIZE_MAX - 5, o, 80) == WMEL_ERR_OVERFLOW, "overflowing padding");

    /* every length class against the float64 backend */
    size_t lens[] = {201, 202, 319, 320, 321, 399, 400, 401, 1000, 16000, 16001, 479999, 480000, 480777};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t n = lens[i], nf = wmel_n_frames(n, 0);
        CHECK(wmel_log_mel(cpu, x, n, 0, o, 80 * nf) == WMEL_OK, "n=%zu", n);
        CHECK(wmel_log_mel(ref, x, n, 0, o2, 80 * nf) == WMEL_OK, "ref n=%zu", n);
        double e = t_max_abs_diff_ff(o, o2, 80 * nf);
        CHECK(e <= 2e-5, "n=%zu: cpu vs ref %.3g", n, e);
        float mx = -1e9f;
        for (size_t k = 0; k < 80 * nf; k++) mx = o[k] > mx ? o[k] : mx;
        for (size_t k = 0; k < 80 * nf; k++) CHECK(o[k] >= mx - 2.0f - 1e-6f, "floor n=%zu", n);
    }
    /* padding argument equals explicit zeros */
    {
        float *z = calloc(1000 + 480000, sizeof(float));
        memcpy(z, x, 1000 * sizeof(float));
        size_t nf = wmel_n_frames(1000, 480000);
        float *a = malloc(sizeof(float) * 80 * nf), *b = malloc(sizeof(float) * 80 * nf);
        CHECK(wmel_log_mel(cpu, x, 1000, 480000, a, 80 * nf) == WMEL_OK, "padding");
        CHECK(wmel_log_mel(cpu, z, 481000, 0, b, 80 * nf) == WMEL_OK, "explicit zeros");
        CHECK(t_max_abs_diff_ff(a, b, 80 * nf) == 0.0, "padding == zeros: %.3g", t_max_abs_diff_ff(a, b, 80 * nf));
        /* int16 input equals float input of s/32768 */
        int16_t *s = malloc(1000 * sizeof *s);
        float *sf = malloc(1000 * sizeof *sf);
        for (int i = 0; i < 1000; i++) {
            s[i] = (int16_t)(x[i] * 30000);
            sf[i] = s[i] / 32768.0f;
        }
        nf = wmel_n_frames(1000, 0);
        CHECK(wmel_log_mel_s16(cpu, s, 1000, 0, a, 80 * nf) == WMEL_OK, "s16");
        CHECK(wmel_log_mel(cpu, sf, 1000, 0, b, 80 * nf) == WMEL_OK, "f32 of s16");
        CHECK(t_max_abs_diff_ff(a, b, 80 * nf) == 0.0, "s16 == f32/32768");
        free(s);
        free(sf);
        free(z);
        free(a);
        free(b);
    }
    /* digital silence: every value is (-10 + 4) / 4 = -1.5 */
    {
        float *z = calloc(480000, sizeof(float));
        CHECK(wmel_log_mel(cpu, z, 480000, 0, o, 80 * 3000) == WMEL_OK, "silence");
        int all = 1;
        for (size_t k = 0; k < 80 * 3000; k++) all &= o[k] == -1.5f;
        CHECK(all, "silence is -1.5 everywhere");
        free(z);
    }
    /* NaN / Inf input */
    {
        float *y = noise(4000, 3);
        y[1234] = NAN;
        CHECK(wmel_log_mel(cpu, y, 4000, 0, o, 80 * 25) == WMEL_ERR_NOT_FINITE, "NaN");
        CHECK(wmel_log_mel(ref, y, 4000, 0, o, 80 * 25) == WMEL_ERR_NOT_FINITE, "NaN ref");
        y[1234] = INFINITY;
        CHECK(wmel_log_mel(cpu, y, 4000, 0, o, 80 * 25) == WMEL_ERR_NOT_FINITE, "Inf");
        free(y);
    }
    /* Finite samples so large that the float32 power overflows (|x| ~ 5e18: the power of
       bin 200 is (200 * 5e18)^2 = 1e42 > FLT_MAX) are not "NaN or infinite": a status of
       their own on every ISA level, single and batch; the float64 ref computes them. A
       NaN next to them still says NaN. */
    {
        float *y = noise(4000, 4);
        for (size_t i = 0; i < 4000; i++) y[i] = (i & 1 ? 5e18f : -5e18f) * (0.5f + y[i]);
        const int isas[] = {WMEL_ISA_C, WMEL_ISA_AVX2, WMEL_ISA_AUTO};
        for (int k = 0; k < 3; k++) {
            wmel_ctx *c = t_ctx(WMEL_BACKEND_CPU, 80, isas[k], 1, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE);
            int rc = wmel_log_mel(c, y, 4000, 0, o, 80 * 25);
            CHECK(rc == WMEL_ERR_SAMPLE_RANGE, "5e18 samples (%s): %d %s", wmel_kernel_name(c), rc, wmel_strerror(rc));
            wmel_destroy(c);
        }
        CHECK(strstr(wmel_strerror(WMEL_ERR_SAMPLE_RANGE), "past float32's range") != NULL, "message");
        int rc = wmel_log_mel(ref, y, 4000, 0, o, 80 * 25);
        int fin = 1;
        for (size_t k = 0; k < 80 * 25; k++) fin &= isfinite(o[k]) != 0;
        CHECK(rc == WMEL_OK && fin, "5e18 samples on the float64 ref: %d, finite %d", rc, fin);
        float *two = malloc(2 * 4000 * sizeof(float));
        float *bo = malloc(2 * 80 * 25 * sizeof(float));
        memcpy(two, x, 4000 * sizeof(float));
        memcpy(two + 4000, y, 4000 * sizeof(float));
        rc = wmel_log_mel_batch(cpu, two, 2, 4000, 4000, 0, WMEL_BATCH_PER_CLIP, bo, 2 * 80 * 25);
        CHECK(rc == WMEL_ERR_SAMPLE_RANGE, "batch with a 5e18 clip: %d", rc);
        two[17] = NAN;
        rc = wmel_log_mel_batch(cpu, two, 2, 4000, 4000, 0, WMEL_BATCH_PER_CLIP, bo, 2 * 80 * 25);
        CHECK(rc == WMEL_ERR_NOT_FINITE, "batch with a NaN and a 5e18 clip: %d", rc);
        /* A NaN that no frame reads (453 samples: 2 frames, which read samples 0..359) is
           no NaN to a single call, so not to a batch either: the batch must not say NOT_FINITE
           where the single calls say OK and SAMPLE_RANGE (fuzz_compute checks it too). */
        memcpy(two, x, 453 * sizeof(float));
        memcpy(two + 453, y, 453 * sizeof(float));
        two[420] = NAN;
        rc = wmel_log_mel(cpu, two, 453, 0, bo, 80 * 2);
        CHECK(rc == WMEL_OK, "a NaN past the last frame's window, single call: %d", rc);
        rc = wmel_log_mel_batch(cpu, two, 2, 453, 453, 0, WMEL_BATCH_PER_CLIP, bo, 2 * 80 * 2);
        CHECK(rc == WMEL_ERR_SAMPLE_RANGE, "batch: unread NaN in clip 0, 5e18 clip 1: %d", rc);
        two[300] = NAN;
        rc = wmel_log_mel_batch(cpu, two, 2, 453, 453, 0, WMEL_BATCH_PER_CLIP, bo, 2 * 80 * 2);
        CHECK(rc == WMEL_ERR_NOT_FINITE, "batch: a read NaN in clip 0, 5e18 clip 1: %d", rc);
        /* the plans of Whisper's geometry on its kernels (Voxtral Realtime's fixed max, and
           its chunks framed from sample 0, pfa400-snip): the same statuses, in a whole call
           and through wmel_long's stream; a NaN (read or not) still says NaN */
        static const char *const wp[] = {"whisper", "voxtral-realtime", "voxtral-realtime-chunk"};
        for (size_t k = 0; k < sizeof wp / sizeof wp[0]; k++) {
            wmel_frontend_plan pl;
            char msg[200];
            CHECK(wmel_preset_plan(wp[k], &pl, msg, sizeof msg) == WMEL_OK, "%s: %s", wp[k], msg);
            wmel_params pp = wmel_default_params();
            pp.backend = WMEL_BACKEND_CPU;
            pp.n_threads = 2;
            int cs = 0;
            wmel_ctx *c = wmel_create_plan(&pp, &pl, &cs);
            size_t rows = 0, cols = 0;
            if (!c || wmel_features_shape(c, 4000, &rows, &cols) != WMEL_OK) {
                CHECK(0, "%s: ctx %d", wp[k], cs);
                wmel_destroy(c);
                continue;
            }
            float *po = malloc(rows * cols * sizeof(float));
            memcpy(two, y, 4000 * sizeof(float));
            rc = wmel_features(c, two, 4000, po, rows * cols);
            CHECK(rc == WMEL_ERR_SAMPLE_RANGE, "%s, 5e18 samples: %d %s", wp[k], rc, wmel_strerror(rc));
            wmel_long *l = wmel_long_create(c, 1 << 20, &cs);
            int lr = l ? wmel_long_push(l, two, 4000) : cs;
            if (l && lr == WMEL_OK) lr = wmel_long_finish(l);
            CHECK(lr == WMEL_ERR_SAMPLE_RANGE, "%s, 5e18 samples through wmel_long: %d %s", wp[k], lr, wmel_strerror(lr));
            wmel_long_destroy(l);
            two[3999] = NAN; /* past every frame's window */
            rc = wmel_features(c, two, 4000, po, rows * cols);
            CHECK(rc == WMEL_ERR_NOT_FINITE || (k == 0 && rc == WMEL_ERR_SAMPLE_RANGE), "%s, 5e18 samples and an unread NaN: %d",
                  wp[k], rc);
            two[3999] = y[3999];
            two[200] = NAN;
            rc = wmel_features(c, two, 4000, po, rows * cols);
            CHECK(rc == WMEL_ERR_NOT_FINITE, "%s, 5e18 samples and a read NaN: %d", wp[k], rc);
            free(po);
            wmel_destroy(c);
        }
        free(two);
        free(bo);
        free(y);
    }
    /* pcm and out must not overlap: an overlapping call is refused before any work
       (it would compute wrong numbers); adjacent buffers are fine */
    {
        const size_t n = 8000, per = 80 * 50;
        float *buf = malloc((n + per + 64) * sizeof(float));
        memcpy(buf, x, n * sizeof(float));
        CHECK(wmel_log_mel(cpu, buf, n, 0, buf + n - 1, per) == WMEL_ERR_INVALID_ARG, "out overlaps the tail of pcm");
        memmove(buf + per - 1, x, n * sizeof(float));
        CHECK(wmel_log_mel(cpu, buf + per - 1, n, 0, buf, per) == WMEL_ERR_INVALID_ARG, "out overlaps the head of pcm");
        CHECK(wmel_log_mel(cpu, buf + per - 1, n, 0, buf + 3, per) == WMEL_ERR_INVALID_ARG, "pcm inside out");
        memcpy(buf, x, n * sizeof(float));
        CHECK(wmel_log_mel(cpu, buf, n, 0, buf + n, per) == WMEL_OK, "adjacent buffers");
        CHECK(wmel_log_mel(cpu, x, n, 0, o, per) == WMEL_OK && memcmp(o, buf + n, per * sizeof(float)) == 0,
              "adjacent buffers: the right numbers");
        int16_t *s16 = (int16_t *)buf;
        for (size_t i = 0; i < n; i++) s16[i] = (int16_t)(x[i] * 20000.0f);
        CHECK(wmel_log_mel_s16(cpu, s16, n, 0, buf + n / 2 - 1, per) == WMEL_ERR_INVALID_ARG, "s16 overlap");
        CHECK(wmel_log_mel_s16(cpu, s16, n, 0, buf + n / 2, per) == WMEL_OK, "s16 adjacent");
        /* batch: the extent is (batch - 1) * stride + n */
        float *big = malloc((3 * 9000 + 3 * per) * sizeof(float));
        for (size_t i = 0; i < 3 * 9000; i++) big[i] = x[i % n];
        CHECK(wmel_log_mel_batch(cpu, big, 3, n, 9000, 0, 0, big + 2 * 9000 + n - 1, 3 * per) == WMEL_ERR_INVALID_ARG,
              "batch: out overlaps the last clip");
        CHECK(wmel_log_mel_batch(cpu, big, 3, n, 9000, 0, 0, big + 2 * 9000 + n, 3 * per) == WMEL_OK,
              "batch: out after the last clip");
        CHECK(wmel_log_mel_batch(cpu, big, 3, n, 9000, 0, 0, big + n, 3 * per) == WMEL_ERR_INVALID_ARG,
              "batch: out in the gap between clips");
        free(big);
        free(buf);
    }
    /* norm none: raw log10; normalising it afterwards gives the whole-mode result */
    {
        wmel_ctx *raw = mk(WMEL_BACKEND_CPU, 80, 1, WMEL_NORM_NONE);
        size_t nf = wmel_n_frames(20000, 0);
        CHECK(wmel_log_mel(raw, x, 20000, 0, o, 80 * nf) == WMEL_OK, "norm none");
        float mx = -1e9f;
        for (size_t k = 0; k < 80 * nf; k++) mx = o[k] > mx ? o[k] : mx;
        wmel_normalize(o, 80 * nf, mx);
        CHECK(wmel_log_mel(cpu, x, 20000, 0, o2, 80 * nf) == WMEL_OK, "whole");
        CHECK(t_max_abs_diff_ff(o, o2, 80 * nf) == 0.0, "none + normalize == whole");
        wmel_destroy(raw);
    }
    /* batch: per-clip equals single calls; global uses one max */
    {
        size_t n = 8000, nf = wmel_n_frames(n, 0), per = 80 * nf;
        float *bx = noise(3 * 9000, 11);
        for (size_t i = 0; i < n; i++) bx[9000 + i] *= 0.01f; /* a quiet clip */
        float *bo = malloc(sizeof(float) * 3 * per), *so = malloc(sizeof(float) * per);
        CHECK(wmel_log_mel_batch(cpu, bx, 3, n, 9000, 0, WMEL_BATCH_PER_CLIP, bo, 3 * per) == WMEL_OK, "batch");
        for (int b = 0; b < 3; b++) {
            CHECK(wmel_log_mel(cpu, bx + b * 9000, n, 0, so, per) == WMEL_OK, "single %d", b);
            CHECK(t_max_abs_diff_ff(bo + b * per, so, per) == 0.0, "batch clip %d == single", b);
        }
        CHECK(wmel_log_mel_batch(cpu, bx, 3, n, 9000, 0, WMEL_BATCH_GLOBAL, bo, 3 * per) == WMEL_OK, "global");
        float mx = -1e9f;
        for (size_t k = 0; k < 3 * per; k++) mx = bo[k] > mx ? bo[k] : mx;
        float mx1 = -1e9f;
        for (size_t k = per; k < 2 * per; k++) mx1 = bo[k] > mx1 ? bo[k] : mx1;
        CHECK(mx1 < mx - 0.5f, "global max: the quiet clip stays quiet (%g vs %g)", mx1, mx);
        CHECK(wmel_log_mel_batch(cpu, bx, 3, n, 100, 0, 0, bo, 3 * per) == WMEL_ERR_INVALID_ARG, "stride < n");
        CHECK(wmel_log_mel_batch(cpu, bx, 3, n, 9000, 0, 7, bo, 3 * per) == WMEL_ERR_INVALID_ARG, "bad norm");
        CHECK(wmel_log_mel_batch(cpu, bx, 3, n, 9000, 0, 0, bo, 3 * per - 1) == WMEL_ERR_BUFFER_TOO_SMALL, "batch out_len");
        CHECK(wmel_log_mel_batch(cpu, bx, 0, n, 9000, 0, 0, NULL, 0) == WMEL_OK, "empty batch");
        free(bx);
        free(bo);
        free(so);
    }
    /* pad_or_trim */
    {
        float a[5] = {1, 2, 3, 4, 5}, b[8];
        CHECK(wmel_pad_or_trim(a, 5, b, 8) == WMEL_OK && b[4] == 5 && b[5] == 0 && b[7] == 0, "pad");
        CHECK(wmel_pad_or_trim(a, 5, b, 3) == WMEL_OK && b[2] == 3, "trim");
        CHECK(wmel_pad_or_trim(NULL, 0, b, 3) == WMEL_OK && b[0] == 0, "empty");
        CHECK(wmel_pad_or_trim(a, 5, NULL, 3) == WMEL_ERR_NULL_POINTER, "NULL out");
    }
    /* threads: many callers on one ctx, and internal workers, give identical output */
    {
        wmel_ctx *mt = mk(WMEL_BACKEND_CPU, 80, 4, WMEL_NORM_WHOLE);
        size_t n = 480000, per = 80 * 3000;
        CHECK(wmel_log_mel(cpu, x, n, 0, o, per) == WMEL_OK, "1 thread");
        CHECK(wmel_log_mel(mt, x, n, 0, o2, per) == WMEL_OK, "4 workers");
        CHECK(memcmp(o, o2, per * sizeof(float)) == 0, "4 workers == 1 thread");
        tjob jobs[6];
        pthread_t th[6];
        int started[6];
        for (int i = 0; i < 6; i++) {
            jobs[i].c = mt;
            jobs[i].x = x;
            jobs[i].n = n;
            jobs[i].out = malloc(per * sizeof(float));
            started[i] = t_thread(&th[i], tmain, &jobs[i]);
        }
        for (int i = 0; i < 6; i++) {
            if (started[i]) pthread_join(th[i], NULL);
            CHECK(jobs[i].rc == WMEL_OK && memcmp(jobs[i].out, o, per * sizeof(float)) == 0, "caller %d", i);
            free(jobs[i].out);
        }
        wmel_destroy(mt);
    }
    /* wmel_alloc: aligned, usable, freed by wmel_free; big blocks on a 2 MiB boundary with
       huge pages asked for (Linux: the mapping's VmFlags carry "hg" where the kernel has
       transparent huge pages, whatever their mode) */
    {
        float *s0 = wmel_alloc(0), *s1 = wmel_alloc(100);
        CHECK(s0 && s1 && (uintptr_t)s1 % 64 == 0, "small blocks, 64-byte aligned");
        wmel_free(s0);
        wmel_free(s1);
        size_t big = (size_t)19 << 20; /* a 600 s log-Mel's size */
        float *b = wmel_alloc(big);
        CHECK(b && (uintptr_t)b % ((size_t)2 << 20) == 0, "big block on a 2 MiB boundary");
        if (b) {
            size_t nf = wmel_n_frames(480000, 0);
            CHECK(wmel_log_mel(cpu, x, 480000, 0, b, 80 * nf) == WMEL_OK, "output into wmel_alloc");
            CHECK(memcmp(b, o, 80 * nf * sizeof(float)) == 0, "the same as into malloc'ed memory");
            memset(b, 0, big);
#ifdef __linux__
            /* not under an emulator: qemu-user takes madvise and does nothing */
            FILE *th = t_emulated() ? NULL : fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
            FILE *sm = th ? fopen("/proc/self/smaps", "r") : NULL;
            if (sm) {
                char line[512];
                int in = 0, hg = 0;
                while (fgets(line, sizeof line, sm)) {
                    unsigned long lo, hi;
                    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) /* a mapping's first line */
                        in = lo <= (uintptr_t)b + ((size_t)2 << 20) && (uintptr_t)b + ((size_t)2 << 20) < hi;
                    else if (in && !strncmp(line, "VmFlags:", 8))
                        hg = strstr(line, " hg") != NULL;
                }
                fclose(sm);
                CHECK(hg, "huge pages asked for (VmFlags hg)");
            }
            if (th) fclose(th);
#endif
            wmel_free(b);
        }
    }
    free(x);
    free(o);
    free(o2);
    wmel_destroy(cpu);
    wmel_destroy(ref);
    return t_done("test_api");
}
