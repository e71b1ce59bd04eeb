/*
 * test_cuda_device_check.c -- params.device_check on the CUDA device-memory entry points:
 * 1,024 clips of 400 samples scanned on the device before anything is enqueued. On Kaldi's
 * fbank (dither 0) in float-float: a NaN in clip 517 gives WMEL_ERR_NOT_FINITE and
 * failed == 517 from wmel_cuda_features_device_batch (wmel_features_batch's status and
 * index), an Inf in clip 9 wmel_features' status from wmel_cuda_features_device with the
 * clip named in wmel_cuda_error_detail(), a 1e30 sample (past float-float's range) the host's
 * status and bytes (the clip in float64, the others in float-float); a refused call writes
 * nothing. Whisper's wmel_cuda_log_mel_device: a NaN and a 1e30 sample get the host's
 * statuses. The check off: the NaN clip's call returns WMEL_OK, one launch and one memset
 * fewer than with the check. In the emulator build: under a stream capture the check is
 * refused with its message, nothing enqueued; no device memory is left behind. A
 * device_check other than 0 or 1 is refused by wmel_create. Exit 77 without a device.
 */
#include "cuda_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NB 1024  /* clips */
#define N 400    /* samples a clip */
#define BAD 517  /* the clip with a NaN */

static float g_x[NB * N];

static void counts(unsigned long *kernels, unsigned long *memsets)
{
#ifdef WMEL_CUDA_EMU
    wmel_emu_enqueued(kernels, memsets);
#else
    *kernels = *memsets = 0;
#endif
}

static size_t dev_allocs(void)
{
#ifdef WMEL_CUDA_EMU
    return wmel_emu_device_allocations();
#else
    return 0;
#endif
}

static wmel_ctx *mk_plan(int check)
{
    wmel_frontend_plan plan;
    char msg[256];
    CHECK(wmel_preset_plan("kaldi", &plan, msg, sizeof msg) == WMEL_OK, "kaldi: %s", msg);
    plan.dither = 0.0;
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    p.n_threads = 2;
    p.device_check = check;
    t_setenv("WMEL_CUDA_ARITHMETIC", "float-float", 1); /* read when the ctx is made */
    int st = 0;
    wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
    t_unsetenv("WMEL_CUDA_ARITHMETIC");
    CHECK(c != NULL, "kaldi float-float: %d (%s)", st, wmel_cuda_error_detail());
    return c;
}

static wmel_ctx *mk_whisper(int check)
{
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    p.n_threads = 2;
    p.device_check = check;
    int st = 0;
    wmel_ctx *c = wmel_create(&p, &st);
    CHECK(c != NULL, "whisper: %d (%s)", st, wmel_cuda_error_detail());
    return c;
}

/* The clips, clean: each its own tone and level. */
static void clean(void)
{
    for (size_t b = 0; b < NB; b++)
        for (size_t i = 0; i < N; i++)
            g_x[b * N + i] = 0.5f * (float)sin(0.01 * (double)(b % 97 + 3) * (double)i) * (float)(1 + b % 3) / 3.0f;
}

/* g_x (with its bad sample) to the device at d->x; the output poisoned (0xff bytes). */
static void upload(const t_dev *d, size_t out_floats)
{
    CHECK(cudaMemcpy(d->x, g_x, sizeof g_x, cudaMemcpyHostToDevice) == cudaSuccess, "upload");
    CHECK(cudaMemset(d->o, 0xff, out_floats * sizeof(float)) == cudaSuccess, "poison");
}

/* 1 when none of the first `floats` output floats was written. */
static int untouched(const t_dev *d, size_t floats)
{
    unsigned char *h = malloc(floats * sizeof(float));
    if (!h) return 0;
    int ok = cudaMemcpy(h, d->o, floats * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess;
    for (size_t i = 0; ok && i < floats * sizeof(float); i++) ok = h[i] == 0xff;
    free(h);
    return ok;
}

/* wmel_features of clip `bad` alone (the host's status for it), and, where it is WMEL_OK, of
 * the first nb clips into host (nb * per floats). */
static int host_of(wmel_ctx *c, size_t per, size_t nb, size_t bad, float *host)
{
    int rc = wmel_features(c, g_x + bad * N, N, host, per);
    for (size_t b = 0; rc == WMEL_OK && b < nb; b++) rc = wmel_features(c, g_x + b * N, N, host + b * per, per);
    return rc;
}

/* The device's output of nb clips against the host's bytes. */
static void same_bytes(const t_dev *d, const float *host, size_t floats, const char *what)
{
    float *got = malloc(floats * sizeof(float));
    CHECK(got && cudaMemcpy(got, d->o, floats * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess, "copy");
    CHECK(got && !memcmp(got, host, floats * sizeof(float)), "%s: the device's bytes differ from wmel_features'",
          what);
    free(got);
}

/* The batch entry on the plan ctx c, the first nb clips, clip `bad` the one with a bad sample:
 * the status of wmel_features of that clip and its index in failed; where WMEL_OK, the host's
 * bytes; a refused call writes nothing and leaves no device memory behind. */
static void plan_batch(wmel_ctx *c, const t_dev *d, size_t per, size_t nb, size_t bad, const char *what)
{
    const void *dp[NB];
    float *dout[NB];
    size_t n[NB], len[NB];
    float *host = malloc(nb * per * sizeof(float));
    if (!host) {
        CHECK(0, "no memory");
        return;
    }
    for (size_t b = 0; b < nb; b++) dp[b] = (const float *)d->x + b * N, dout[b] = d->o + b * per, n[b] = N, len[b] = per;
    const int hrc = host_of(c, per, nb, bad, host);
    upload(d, nb * per);
    const size_t a0 = dev_allocs();
    size_t at = 0;
    const int rc = wmel_cuda_features_device_batch(c, dp, WMEL_SAMPLE_F32, n, nb, dout, len, &at, d->s);
    CHECK(cudaStreamSynchronize(d->s) == cudaSuccess, "%s: stream", what);
    CHECK(rc == hrc && at == (hrc ? bad : nb), "%s: device %s at %zu (%s), host %s", what, wmel_strerror(rc), at,
          wmel_cuda_error_detail(), wmel_strerror(hrc));
    CHECK(dev_allocs() == a0, "%s: device allocations %zu, %zu before", what, dev_allocs(), a0);
    if (rc != WMEL_OK) CHECK(untouched(d, nb * per), "%s: a refused call wrote its output", what);
    if (rc == WMEL_OK && hrc == WMEL_OK) same_bytes(d, host, nb * per, what);
    free(host);
}

/* The single-length entry on c, the first nb clips: the status of wmel_features of clip
 * `bad` and the clip named in the detail; where WMEL_OK, wmel_features' bytes for every clip. */
static void plan_single(wmel_ctx *c, const t_dev *d, size_t per, size_t nb, size_t bad, const char *what)
{
    float *host = malloc(nb * per * sizeof(float));
    if (!host) {
        CHECK(0, "no memory");
        return;
    }
    const int hrc = host_of(c, per, nb, bad, host);
    upload(d, nb * per);
    const int rc = wmel_cuda_features_device(c, d->x, WMEL_SAMPLE_F32, nb, N, N, d->o, nb * per, d->s);
    CHECK(cudaStreamSynchronize(d->s) == cudaSuccess, "%s: stream", what);
    char clip[32];
    snprintf(clip, sizeof clip, "clip %zu:", bad);
    CHECK(rc == hrc && (rc == WMEL_OK || strstr(wmel_cuda_error_detail(), clip)), "%s: device %s (%s), host %s", what,
          wmel_strerror(rc), wmel_cuda_error_detail(), wmel_strerror(hrc));
    if (rc != WMEL_OK) CHECK(untouched(d, nb * per), "%s: a refused call wrote its output", what);
    if (rc == WMEL_OK && hrc == WMEL_OK) same_bytes(d, host, nb * per, what);
    free(host);
}

/* The scan's cost with the check on, one launch and one memset, against the same call with
 * it off, where a NaN sample passes unseen (WMEL_OK) as without the check. */
static void check_off(wmel_ctx *c, wmel_ctx *off, const t_dev *d, size_t per, size_t nb)
{
    const void *dp[NB];
    float *dout[NB];
    size_t n[NB], len[NB], at = 0;
    for (size_t b = 0; b < nb; b++) dp[b] = (const float *)d->x + b * N, dout[b] = d->o + b * per, n[b] = N, len[b] = per;
    unsigned long k0, m0, k1, m1, k2, m2;
    clean();
    g_x[5 * N + 1] = NAN;
    upload(d, nb * per);
    counts(&k0, &m0);
    const int rc_off = wmel_cuda_features_device_batch(off, dp, WMEL_SAMPLE_F32, n, nb, dout, len, &at, d->s);
    counts(&k1, &m1);
    CHECK(rc_off == WMEL_OK && at == nb, "check off, a NaN: %s at %zu", wmel_strerror(rc_off), at);
    CHECK(cudaStreamSynchronize(d->s) == cudaSuccess, "stream");
    const unsigned long k_off = k1 - k0, m_off = m1 - m0;
    clean();
    upload(d, nb * per);
    counts(&k1, &m1);
    const int rc_on = wmel_cuda_features_device_batch(c, dp, WMEL_SAMPLE_F32, n, nb, dout, len, &at, d->s);
    counts(&k2, &m2);
    CHECK(rc_on == WMEL_OK, "check on, clean: %s (%s)", wmel_strerror(rc_on), wmel_cuda_error_detail());
    CHECK(cudaStreamSynchronize(d->s) == cudaSuccess, "stream");
#ifdef WMEL_CUDA_EMU
    CHECK(k2 - k1 == k_off + 1 && m2 - m1 == m_off + 1, "the scan: %lu launches and %lu memsets with it, %lu and %lu "
          "without", k2 - k1, m2 - m1, k_off, m_off);
#else
    (void)k_off, (void)m_off; /* the launches are counted on the emulator only */
#endif
}

static void plan_cases(const t_dev *d)
{
    wmel_ctx *c = mk_plan(1), *off = mk_plan(0);
    size_t rows = 0, cols = 0;
    CHECK(c && off && wmel_features_shape(c, N, &rows, &cols) == WMEL_OK && rows * cols > 0, "the ctxs, the shape");
    const size_t per = rows * cols;
    if (c && off && per) {
        clean();
        g_x[BAD * N + 123] = NAN;
        plan_batch(c, d, per, NB, BAD, "NaN in clip 517 of 1024, batch");
        plan_single(c, d, per, NB, BAD, "NaN in clip 517 of 1024, one length");
        check_off(c, off, d, per, 64);
        clean();
        plan_batch(c, d, per, 64, 0, "64 clean clips, batch");
        g_x[9 * N + 200] = -INFINITY;
        plan_single(c, d, per, 64, 9, "-Inf in clip 9, one length");
        plan_batch(c, d, per, 64, 9, "-Inf in clip 9, batch");
        clean();
        g_x[3 * N + 50] = 1e30f; /* past float-float's range: wmel_features runs the clip in float64 */
        plan_batch(c, d, per, 64, 3, "1e30 in clip 3, batch");
        plan_single(c, d, per, 64, 3, "1e30 in clip 3, one length");
    }
    wmel_destroy(c);
    wmel_destroy(off);
}

/* Whisper's wmel_cuda_log_mel_device: a NaN, a 1e30 sample: wmel_log_mel_batch's status. */
static void whisper_cases(const t_dev *d)
{
    wmel_ctx *c = mk_whisper(1);
    if (!c) return;
    const size_t per = 80 * wmel_n_frames(N, 0);
    float *host = malloc(per * sizeof(float));
    for (int k = 0; host && k < 2; k++) {
        clean();
        g_x[BAD * N + 7] = k ? 1e30f : NAN;
        const int hrc = wmel_log_mel(c, g_x + BAD * N, N, 0, host, per); /* the host's status for the clip */
        upload(d, NB * per);
        const int rc = wmel_cuda_log_mel_device(c, d->x, WMEL_SAMPLE_F32, NB, N, N, 0, WMEL_BATCH_PER_CLIP, d->o,
                                                NB * per, d->s);
        CHECK(cudaStreamSynchronize(d->s) == cudaSuccess, "stream");
        CHECK(hrc == (k ? WMEL_ERR_SAMPLE_RANGE : WMEL_ERR_NOT_FINITE) && rc == hrc &&
                  strstr(wmel_cuda_error_detail(), "clip 517:"),
              "whisper %s: device %s (%s), host %s", k ? "1e30" : "NaN", wmel_strerror(rc), wmel_cuda_error_detail(),
              wmel_strerror(hrc));
        CHECK(untouched(d, NB * per), "whisper: a refused call wrote its output");
        /* the batch entry (clips of their own lengths, here all N): the same status, failed 517 */
        const void *pcm[NB];
        float *out[NB];
        size_t n[NB], len[NB], failed = 0;
        for (size_t b = 0; b < NB; b++)
            pcm[b] = (const float *)d->x + b * N, out[b] = (float *)d->o + b * per, n[b] = N, len[b] = per;
        upload(d, NB * per);
        const int rb = wmel_cuda_features_device_batch(c, pcm, WMEL_SAMPLE_F32, n, NB, out, len, &failed, d->s);
        CHECK(cudaStreamSynchronize(d->s) == cudaSuccess, "stream");
        CHECK(rb == hrc && failed == BAD, "whisper %s, the batch entry: %s, failed %zu", k ? "1e30" : "NaN",
              wmel_strerror(rb), failed);
        CHECK(untouched(d, NB * per), "whisper: a refused batch wrote its output");
    }
    free(host);
    wmel_destroy(c);
}

#ifdef WMEL_CUDA_EMU
/* Under a stream capture: refused with the message, nothing enqueued or left behind; the
 * same call after the capture runs. */
static void capture(const t_dev *d)
{
    wmel_ctx *c = mk_plan(1);
    if (!c) return;
    size_t rows = 0, cols = 0;
    wmel_features_shape(c, N, &rows, &cols);
    const size_t per = rows * cols;
    clean();
    upload(d, NB * per);
    unsigned long k0, m0, k1, m1;
    const size_t a0 = dev_allocs();
    counts(&k0, &m0);
    wmel_emu_set_capturing(d->s, 1);
    const int rc = wmel_cuda_features_device(c, d->x, WMEL_SAMPLE_F32, NB, N, N, d->o, NB * per, d->s);
    wmel_emu_set_capturing(d->s, 0);
    counts(&k1, &m1);
    CHECK(rc == WMEL_ERR_INVALID_ARG && strstr(wmel_cuda_error_detail(), "device_check") &&
              strstr(wmel_cuda_error_detail(), "capture"),
          "capture: %s (%s)", wmel_strerror(rc), wmel_cuda_error_detail());
    CHECK(k1 == k0 && m1 == m0 && dev_allocs() == a0, "capture: %lu launches, %lu memsets enqueued", k1 - k0, m1 - m0);
    CHECK(wmel_cuda_features_device(c, d->x, WMEL_SAMPLE_F32, NB, N, N, d->o, NB * per, d->s) == WMEL_OK,
          "after the capture: %s", wmel_cuda_error_detail());
    CHECK(cudaStreamSynchronize(d->s) == cudaSuccess, "stream");
    wmel_destroy(c);
}
#endif

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    {
        wmel_frontend_plan kaldi;
        char msg[256];
        CHECK(wmel_preset_plan("kaldi", &kaldi, msg, sizeof msg) == WMEL_OK, "kaldi: %s", msg);
        kaldi.dither = 0.0;
        const int skip = t_cuda_or_skip(&kaldi, "test_cuda_device_check");
        if (skip) return skip;
    }
    {
        wmel_params p = wmel_default_params();
        int st = 0;
        CHECK(p.device_check == 0, "the default is off");
        p.device_check = 2;
        CHECK(!wmel_create(&p, &st) && st == WMEL_ERR_INVALID_ARG, "device_check 2: %d", st);
    }
    t_dev d;
    const size_t a0 = dev_allocs();
    t_dev_upload(&d, g_x, (int16_t *)(void *)g_x, NB * N, (size_t)NB * 80 * 8);
    plan_cases(&d);
    whisper_cases(&d);
#ifdef WMEL_CUDA_EMU
    capture(&d);
#endif
    t_dev_free(&d);
    CHECK(dev_allocs() == a0, "device allocations left: %zu, %zu before", dev_allocs(), a0);
    return t_done("test_cuda_device_check");
}
