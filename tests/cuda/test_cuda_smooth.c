/*
 * test_cuda_smooth.c -- params.smooth = WMEL_SMOOTH_3X3 on the CUDA backend:
 * the normalisation and the 3x3 average fused in one in-place pass on the device
 * (kernels.cu: k_edges + k_smooth), for host pointers (single clips, the long stream
 * that is launched in pieces while it uploads, batches per clip and global) and for
 * wmel_cuda_log_mel_device(). The long stream crosses the pinned staging buffers both ways
 * (its samples in three chunks, its frames in two). Without a usable device only the
 * no-device contract is checked and the test reports "skipped: no CUDA device" (exit 77).
 *
 * Two comparisons per output, because the CUDA and CPU backends compute the mel itself
 * with different kernels (test_cuda holds them to 2e-5 of each other):
 *   cuda smoothed vs wmel_smooth3x3(cuda unsmoothed)   1e-6 (the bar for the
 *       smoothing; the kernel forms the sums in wmel_smooth3x3's order in double, so
 *       0 -- bit-identical -- is expected: the count of differing values is printed)
 *   cuda smoothed vs cpu smoothed                      2e-5 (the cross-backend bar of
 *       test_cuda; the max is printed)
 *   the golden mel80_30s_smooth3x3 of speech_en.wav    1e-4
 *   device pointers vs host pointers, batch vs single  0 (the same kernels)
 */
#include "internal.h"
#include "cuda_testutil.h"

#include <cuda_runtime_api.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OWN_TOL 1e-6
#define CPU_TOL 2e-5

static double g_own, g_cpu;   /* largest differences seen */
static size_t g_bits, g_vals; /* values not bit-identical to wmel_smooth3x3, values compared */

static wmel_ctx *mk(int backend, int n_mels, int norm, int smooth)
{
    return t_ctx(backend, n_mels, WMEL_ISA_AUTO, 0, norm, smooth);
}

/* B clips of [n_mels][nf]: sm (cuda smoothed) against wmel_smooth3x3 of plain (cuda,
 * unsmoothed, same normalisation) and, when cpu is set, against the cpu's smoothed. */
static void check_clips(const char *what, const float *sm, const float *plain, const float *cpu,
                        size_t B, int n_mels, size_t nf)
{
    const size_t per = (size_t)n_mels * nf;
    float *want = malloc(per * sizeof(float));
    double own = 0, vs_cpu = 0;
    size_t bits = 0;
    for (size_t b = 0; b < B; b++) {
        int rc = wmel_smooth3x3(plain + b * per, (size_t)n_mels, nf, want, per);
        CHECK(rc == WMEL_OK, "%s: wmel_smooth3x3: %s", what, wmel_strerror(rc));
        const float *a = sm + b * per;
        for (size_t i = 0; i < per; i++) {
            double d = fabs((double)a[i] - (double)want[i]);
            if (d > own || d != d) own = d != d ? INFINITY : d;
            bits += memcmp(a + i, want + i, sizeof(float)) != 0;
        }
        if (cpu) {
            double e = t_max_abs_diff_ff(a, cpu + b * per, per);
            if (e > vs_cpu) vs_cpu = e;
        }
    }
    CHECK(own <= OWN_TOL, "%s: cuda smoothed vs wmel_smooth3x3(cuda) %.3g > %g", what, own, OWN_TOL);
    CHECK(vs_cpu <= CPU_TOL, "%s: cuda smoothed vs cpu smoothed %.3g > %g", what, vs_cpu, CPU_TOL);
    if (own > g_own) g_own = own;
    if (vs_cpu > g_cpu) g_cpu = vs_cpu;
    g_bits += bits;
    g_vals += B * per;
    if (bits) printf("%s: %zu of %zu values differ from wmel_smooth3x3 (max %.3g)\n", what, bits, B * per, own);
    free(want);
}

static float *run1(wmel_ctx *c, const float *x, const int16_t *xs, size_t n, size_t pad)
{
    size_t len = (size_t)wmel_ctx_n_mels(c) * wmel_n_frames(n, pad);
    float *o = malloc(len * sizeof(float) + 4);
    int rc = xs ? wmel_log_mel_s16(c, xs, n, pad, o, len) : wmel_log_mel(c, x, n, pad, o, len);
    CHECK(rc == WMEL_OK, "log_mel n=%zu pad=%zu on %s: %s (%s)", n, pad, wmel_backend_name(c),
          wmel_strerror(rc), wmel_cuda_error_detail());
    return o;
}

static void no_device_contract(void)
{
    int st;
    wmel_ctx *c = mk(WMEL_BACKEND_AUTO, 80, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3);
    wmel_ctx *plain = mk(WMEL_BACKEND_AUTO, 80, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE);
    if (!c || !plain) {
        wmel_destroy(c);
        wmel_destroy(plain);
        return;
    }
    CHECK(!strcmp(wmel_backend_name(c), "cpu"), "AUTO without a device: %s", wmel_backend_name(c));
    const size_t n = 16000 * 3 + 17, nf = wmel_n_frames(n, 0);
    float *x = malloc(n * sizeof(float));
    t_chirp(x, n, 1);
    float *a = run1(c, x, NULL, n, 0), *b = run1(plain, x, NULL, n, 0);
    CHECK(wmel_smooth3x3(b, 80, nf, b, 80 * nf) == WMEL_OK, "smooth3x3");
    CHECK(memcmp(a, b, 80 * nf * sizeof(float)) == 0, "cpu fused smoothing != wmel_smooth3x3");
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "cpu"), "op backend %s",
          wmel_op_backend(c, WMEL_OP_LOG_MEL));
    float dummy[1];
    st = wmel_cuda_log_mel_device(c, dummy, WMEL_SAMPLE_F32, 1, 1000, 1000, 0, WMEL_BATCH_PER_CLIP,
                                  dummy, 1, NULL);
    CHECK(st == WMEL_ERR_BACKEND_UNAVAILABLE, "device entry on a cpu smoothing ctx: %d", st);
    free(a);
    free(b);
    free(x);
    wmel_destroy(c);
    wmel_destroy(plain);
}

/* Single clips: 1, 2, 3 frames, around the log-mel tile (16) and the smoothing tile (32),
 * 30 s, mostly padding; float32 and int16. */
static void lengths(int n_mels, int norm)
{
    static const size_t LEN[][2] = {
        {250, 0},  {320, 0},  {485, 0},  {160 * 15 + 5, 0}, {160 * 16 + 5, 0}, {160 * 17 + 5, 0},
        {160 * 31 + 5, 0}, {160 * 32 + 5, 0}, {160 * 33 + 5, 0}, {160 * 63 + 5, 0}, {160 * 64 + 5, 0},
        {160 * 65 + 5, 0}, {16037, 0}, {480000, 0}, {100, 480000}, {3000, 480000}, {0, 401}};
    wmel_ctx *sm = mk(WMEL_BACKEND_CUDA, n_mels, norm, WMEL_SMOOTH_3X3);
    wmel_ctx *pl = mk(WMEL_BACKEND_CUDA, n_mels, norm, WMEL_SMOOTH_NONE);
    wmel_ctx *cpu = mk(WMEL_BACKEND_CPU, n_mels, norm, WMEL_SMOOTH_3X3);
    if (!sm || !pl || !cpu) goto out;
    float *x = malloc(480000 * sizeof(float));
    int16_t *xs = malloc(480000 * sizeof(int16_t));
    for (size_t i = 0; i < sizeof LEN / sizeof LEN[0]; i++) {
        const size_t n = LEN[i][0], pad = LEN[i][1], nf = wmel_n_frames(n, pad);
        t_chirp(x, n, (unsigned)i);
        for (size_t j = 0; j < n; j++) xs[j] = (int16_t)lrintf(x[j] * 30000.0f);
        for (int s16 = 0; s16 < 2; s16++) {
            char what[96];
            snprintf(what, sizeof what, "%s n=%zu pad=%zu (%zu frames) mels=%d norm=%d",
                     s16 ? "s16" : "f32", n, pad, nf, n_mels, norm);
            const int16_t *q = s16 ? xs : NULL;
            float *a = run1(sm, x, q, n, pad), *b = run1(pl, x, q, n, pad), *c = run1(cpu, x, q, n, pad);
            check_clips(what, a, b, c, 1, n_mels, nf);
            /* all padding (n = 0) is the one case the CUDA backend hands to the CPU */
            const char *ran = wmel_op_backend(sm, s16 ? WMEL_OP_LOG_MEL_S16 : WMEL_OP_LOG_MEL);
            CHECK(!strcmp(ran, n ? "cuda" : "cpu"), "%s: ran on %s", what, ran);
            free(a);
            free(b);
            free(c);
        }
    }
    free(x);
    free(xs);
out:
    wmel_destroy(sm);
    wmel_destroy(pl);
    wmel_destroy(cpu);
}

/* A long stream: its frames are launched in pieces while the samples upload; the
 * smoothing runs once every piece is on the device. 270 s and Whisper's 30 s of padding: the
 * samples cross the 8 MiB pinned staging buffers (backend.c's STAGE_BYTES) in three chunks,
 * the second buffer's and then the first's again (its copy waited for), the frames in two
 * chunks back. */
#define STAGE ((size_t)8 << 20)
static void long_stream(int norm)
{
    const size_t n = (size_t)270 * 16000 + 77, pad = 480000, nf = wmel_n_frames(n, pad);
    CHECK(n * sizeof(float) > 2 * STAGE && 80 * nf * sizeof(float) > STAGE,
          "long stream: %zu bytes up, %zu down: not past the staging buffers", n * sizeof(float),
          80 * nf * sizeof(float));
    wmel_ctx *sm = mk(WMEL_BACKEND_CUDA, 80, norm, WMEL_SMOOTH_3X3);
    wmel_ctx *pl = mk(WMEL_BACKEND_CUDA, 80, norm, WMEL_SMOOTH_NONE);
    wmel_ctx *cpu = mk(WMEL_BACKEND_CPU, 80, norm, WMEL_SMOOTH_3X3);
    float *x = malloc(n * sizeof(float));
    if (sm && pl && cpu && x) {
        t_chirp(x, n, 3);
        float *a = run1(sm, x, NULL, n, pad), *b = run1(pl, x, NULL, n, pad), *c = run1(cpu, x, NULL, n, pad);
        char what[64];
        snprintf(what, sizeof what, "270 s stream (%zu frames) norm=%d", nf, norm);
        check_clips(what, a, b, c, 1, 80, nf);
        free(a);
        free(b);
        free(c);
    }
    free(x);
    wmel_destroy(sm);
    wmel_destroy(pl);
    wmel_destroy(cpu);
}

/* Batches (per clip and one max), never smoothed across clips; the same through device
 * pointers, float32 and int16. */
static void batches(int n_mels, int norm, size_t n, size_t pad)
{
    const size_t B = 5, stride = n + 1000;
    const size_t nf = wmel_n_frames(n, pad), per = (size_t)n_mels * nf;
    wmel_ctx *sm = mk(WMEL_BACKEND_CUDA, n_mels, norm, WMEL_SMOOTH_3X3);
    wmel_ctx *pl = mk(WMEL_BACKEND_CUDA, n_mels, norm, WMEL_SMOOTH_NONE);
    wmel_ctx *cpu = mk(WMEL_BACKEND_CPU, n_mels, norm, WMEL_SMOOTH_3X3);
    if (!sm || !pl || !cpu) goto out;
    float *x = malloc(B * stride * sizeof(float));
    int16_t *xs = malloc(B * stride * sizeof(int16_t));
    t_batch_clips(x, xs, B, n, stride);
    float *bat = malloc(B * per * sizeof(float)), *plain = malloc(B * per * sizeof(float));
    float *ref = malloc(B * per * sizeof(float)), *dev = malloc(B * per * sizeof(float));
    float *one = malloc(per * sizeof(float));
    t_dev dv;
    t_dev_upload(&dv, x, xs, B * stride, B * per);
    void *d_x = dv.x, *d_xs = dv.xs;
    float *d_o = dv.o;
    cudaStream_t s = dv.s;

    for (int mode = WMEL_BATCH_PER_CLIP; mode <= WMEL_BATCH_GLOBAL; mode++) {
        char what[96];
        snprintf(what, sizeof what, "batch %zu x %zu frames mels=%d norm=%d mode=%d", B, nf, n_mels,
                 norm, mode);
        int rc = wmel_log_mel_batch(sm, x, B, n, stride, pad, mode, bat, B * per);
        CHECK(rc == WMEL_OK, "%s: %s (%s)", what, wmel_strerror(rc), wmel_cuda_error_detail());
        CHECK(wmel_log_mel_batch(pl, x, B, n, stride, pad, mode, plain, B * per) == WMEL_OK, "plain batch");
        CHECK(wmel_log_mel_batch(cpu, x, B, n, stride, pad, mode, ref, B * per) == WMEL_OK, "cpu batch");
        check_clips(what, bat, plain, ref, B, n_mels, nf);
        CHECK(!strcmp(wmel_op_backend(sm, WMEL_OP_LOG_MEL_BATCH), "cuda"), "batch ran on %s",
              wmel_op_backend(sm, WMEL_OP_LOG_MEL_BATCH));
        if (mode == WMEL_BATCH_PER_CLIP || norm == WMEL_NORM_NONE)
            for (size_t b = 0; b < B; b++) {
                CHECK(wmel_log_mel(sm, x + b * stride, n, pad, one, per) == WMEL_OK, "single");
                CHECK(memcmp(one, bat + b * per, per * sizeof(float)) == 0, "%s: clip %zu != single", what, b);
            }

        /* device pointers on a caller's stream */
        rc = wmel_cuda_log_mel_device(sm, d_x, WMEL_SAMPLE_F32, B, n, stride, pad, mode, d_o, B * per, s);
        CHECK(rc == WMEL_OK, "%s: device f32: %s (%s)", what, wmel_strerror(rc), wmel_cuda_error_detail());
        cudaMemcpyAsync(dev, d_o, B * per * sizeof(float), cudaMemcpyDeviceToHost, s);
        CHECK(cudaStreamSynchronize(s) == cudaSuccess, "sync");
        CHECK(memcmp(dev, bat, B * per * sizeof(float)) == 0, "%s: device f32 != host batch", what);
        CHECK(!strcmp(wmel_op_backend(sm, WMEL_OP_DEVICE), "cuda"), "device op on %s",
              wmel_op_backend(sm, WMEL_OP_DEVICE));

        rc = wmel_cuda_log_mel_device(sm, d_xs, WMEL_SAMPLE_S16, B, n, stride, pad, mode, d_o, B * per, s);
        CHECK(rc == WMEL_OK, "%s: device s16: %s (%s)", what, wmel_strerror(rc), wmel_cuda_error_detail());
        cudaMemcpyAsync(dev, d_o, B * per * sizeof(float), cudaMemcpyDeviceToHost, s);
        CHECK(cudaStreamSynchronize(s) == cudaSuccess, "sync");
        /* the unsmoothed device output, to check the device path's smoothing on its own */
        rc = wmel_cuda_log_mel_device(pl, d_xs, WMEL_SAMPLE_S16, B, n, stride, pad, mode, d_o, B * per, s);
        CHECK(rc == WMEL_OK, "%s: plain device s16: %s", what, wmel_strerror(rc));
        cudaMemcpyAsync(plain, d_o, B * per * sizeof(float), cudaMemcpyDeviceToHost, s);
        CHECK(cudaStreamSynchronize(s) == cudaSuccess, "sync");
        snprintf(what, sizeof what, "device s16 %zu x %zu frames mels=%d norm=%d mode=%d", B, nf, n_mels,
                 norm, mode);
        check_clips(what, dev, plain, NULL, B, n_mels, nf);
        if (mode == WMEL_BATCH_PER_CLIP || norm == WMEL_NORM_NONE)
            for (size_t b = 0; b < B; b++) {
                CHECK(wmel_log_mel_s16(sm, xs + b * stride, n, pad, one, per) == WMEL_OK, "single s16");
                CHECK(memcmp(one, dev + b * per, per * sizeof(float)) == 0, "%s: clip %zu != host s16", what, b);
                CHECK(wmel_log_mel_s16(cpu, xs + b * stride, n, pad, ref, per) == WMEL_OK, "cpu s16");
                double e = t_max_abs_diff_ff(one, ref, per);
                CHECK(e <= CPU_TOL, "%s: clip %zu vs cpu s16 %.3g", what, b, e);
            }
    }
    /* argument errors are unchanged for a smoothing ctx */
    CHECK(wmel_cuda_log_mel_device(sm, d_x, WMEL_SAMPLE_F32, B, n, stride, pad, 0, d_o, B * per - 1, s) ==
              WMEL_ERR_BUFFER_TOO_SMALL, "small out");
    CHECK(wmel_cuda_log_mel_device(sm, d_x, WMEL_SAMPLE_F32, 1, 100, 100, 0, 0, d_o, B * per, s) ==
              WMEL_ERR_TOO_SHORT, "too short");
    CHECK(wmel_cuda_log_mel_device(sm, d_x, WMEL_SAMPLE_F32, B, n, stride, pad, 7, d_o, B * per, s) ==
              WMEL_ERR_INVALID_ARG, "bad batch_norm");
    t_dev_free(&dv);
    free(bat);
    free(plain);
    free(ref);
    free(dev);
    free(one);
    free(x);
    free(xs);
out:
    wmel_destroy(sm);
    wmel_destroy(pl);
    wmel_destroy(cpu);
}

static void golden(void)
{
    wmel_ctx *c = mk(WMEL_BACKEND_CUDA, 80, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3);
    if (!c) return;
    size_t n = 0;
    float *w = t_load_wav("audio/speech_en.wav", &n);
    float *pcm = malloc(WMEL_CHUNK_SAMPLES * sizeof(float));
    wmel_pad_or_trim(w, n, pcm, WMEL_CHUNK_SAMPLES);
    wmel_free(w);
    float *o = run1(c, pcm, NULL, WMEL_CHUNK_SAMPLES, 0);
    wmel_npy g;
    double *want = t_load_npy("ref/speech_en_wav.mel80_30s_smooth3x3.npy", &g);
    CHECK(g.count == (size_t)80 * WMEL_CHUNK_FRAMES, "golden shape");
    if (g.count == (size_t)80 * WMEL_CHUNK_FRAMES) {
        double e = t_max_abs_diff_fd(o, want, g.count);
        printf("cuda smoothed vs mel80_30s_smooth3x3 golden: %.3g (limit 1e-4)\n", e);
        CHECK(e <= 1e-4, "cuda smoothed vs golden %.3g > 1e-4", e);
    }
    free(want);
    wmel__npy_free(&g);
    free(o);
    free(pcm);
    wmel_destroy(c);
}

int main(void)
{
    int st;
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    wmel_ctx *probe = wmel_create(&p, &st);
    if (!probe) {
        CHECK(st == WMEL_ERR_BACKEND_UNAVAILABLE, "CUDA create failed with %s", wmel_strerror(st));
        no_device_contract();
        if (t_failures) return t_done("test_cuda_smooth");
        printf("skipped: no CUDA device\n");
        return 77;
    }
    wmel_destroy(probe);
    golden();
    for (int m = 0; m < 2; m++) {
        lengths(m ? 128 : 80, WMEL_NORM_WHOLE);
        lengths(m ? 128 : 80, WMEL_NORM_NONE);
    }
    long_stream(WMEL_NORM_WHOLE);
    long_stream(WMEL_NORM_NONE);
    /* 1, 2, 3, 33 and 311 frames a clip */
    static const size_t BN[][2] = {{250, 0}, {320, 0}, {485, 0}, {160 * 33 + 5, 0}, {48000 + 123, 1600}};
    for (size_t i = 0; i < sizeof BN / sizeof BN[0]; i++) {
        batches(80, WMEL_NORM_WHOLE, BN[i][0], BN[i][1]);
        batches(128, WMEL_NORM_WHOLE, BN[i][0], BN[i][1]);
        batches(80, WMEL_NORM_NONE, BN[i][0], BN[i][1]);
    }
    printf("smoothing: %zu of %zu values not bit-identical to wmel_smooth3x3 of the unsmoothed "
           "cuda output (max %.3g); cuda vs cpu smoothed max %.3g\n",
           g_bits, g_vals, g_own, g_cpu);
    return t_done("test_cuda_smooth");
}
