/*
 * test_cuda_features_device_batch.c -- wmel_cuda_features_device_batch(): clips of their own
 * lengths in device memory, in rounds that share launches. For NeMo's plan (each clip
 * normalised per feature), Kaldi's fbank (dither 0), Fun-ASR-Nano's (LFR: a post stage) and
 * Granite Speech's (each clip's own max clamp, two frames a row), float32 samples in float64
 * and int16 ones in float-float: 64 clips of 0.1 s to 1.2 s, each clip's output the
 * bytes of wmel_features of its samples, nothing written between the outputs. In the
 * emulator build (-DWMEL_CUDA=EMU) the kernel launches and memsets a call enqueues are
 * counted: at most 4 a round (96 clips a round here) and one memset, against 3 a clip for
 * wmel_cuda_features_device of one clip at a time. Whisper's geometry (80 and 128 mels, the
 * normalisation or none, the 3x3 smoothing or none, float32 and int16 samples): 32 clips of
 * 0.1 s to 1.5 s, each the bytes of wmel_features of its samples on the same ctx, in one
 * round of two to three launches and one memset (against three to four a clip one at a
 * time), a clip of 200 samples refused by its index. The arguments: NULL arrays, a clip too
 * short (its index in failed), a NULL clip, an output too small, outputs overlapping,
 * batch 0, a CPU ctx. Exit 77 without a device.
 */
#include "cuda_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NB 64            /* clips */
#define GAP 37           /* samples (and floats) between clips: poison the call must not read or write */
#define MAXN 19200       /* 1.2 s */
#define MINN 1600        /* 0.1 s */
#define ROUND_CLIPS 96   /* WMEL_CU_ROUND_CLIPS */
#define WNB 32           /* Whisper's clips, after the NB others */
#define WMAXN 24000      /* 1.5 s */

static size_t g_n[NB + WNB], g_at[NB + WNB]; /* clip b: g_n[b] samples from sample g_at[b] */
static float *g_x, *g_xsf;            /* the samples; the int16 ones / 32768 */
static int16_t *g_xs;
static size_t g_total;                /* samples with the gaps */

static wmel_ctx *mk(const char *preset, int backend, const char *arith)
{
    wmel_frontend_plan plan;
    char msg[256];
    CHECK(wmel_preset_plan(preset, &plan, msg, sizeof msg) == WMEL_OK, "%s: %s", preset, msg);
    plan.dither = 0.0;
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_threads = 2;
    if (arith) t_setenv("WMEL_CUDA_ARITHMETIC", arith, 1); /* read when the ctx is made */
    int st = 0;
    wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
    t_unsetenv("WMEL_CUDA_ARITHMETIC");
    CHECK(c != NULL, "%s on backend %d: %d (%s)", preset, backend, st, wmel_cuda_error_detail());
    return c;
}

static void counts(unsigned long *kernels, unsigned long *memsets)
{
#ifdef WMEL_CUDA_EMU
    wmel_emu_enqueued(kernels, memsets);
#else
    *kernels = *memsets = 0;
#endif
}

#ifdef WMEL_CUDA_EMU /* the emulator counts them */
/* the kernels and memsets wmel_cuda_features_device enqueues for the clips one at a time */
static unsigned long one_at_a_time(wmel_ctx *c, const t_dev *d, float *const *dout, const size_t *len)
{
    unsigned long k0, m0, k1, m1;
    counts(&k0, &m0);
    for (size_t b = 0; b < NB; b++) {
        const int rc = wmel_cuda_features_device(c, (const float *)d->x + g_at[b], WMEL_SAMPLE_F32, 1, g_n[b], g_n[b],
                                                 dout[b], len[b], d->s);
        CHECK(rc == WMEL_OK, "clip %zu alone: %s (%s)", b, wmel_strerror(rc), wmel_cuda_error_detail());
    }
    counts(&k1, &m1);
    return (k1 - k0) + (m1 - m0);
}
#endif

/* c's batch (float32 or int16) against wmel_features of each clip: the same bytes, the gaps
   untouched, the launches counted */
static void same_as_host(const char *name, const char *arith, wmel_ctx *c, const t_dev *d, int s16)
{
    size_t len[NB], at[NB], total = 0;
    for (size_t b = 0; b < NB; b++) {
        size_t rows = 0, cols = 0;
        CHECK(wmel_features_shape(c, g_n[b], &rows, &cols) == WMEL_OK, "%s: shape", name);
        len[b] = rows * cols, at[b] = total, total += len[b] + GAP;
    }
    float *want = malloc(total * sizeof(float)), *got = malloc(total * sizeof(float));
    if (!want || !got) {
        CHECK(0, "no memory");
        free(want), free(got);
        return;
    }
    memset(want, 0xff, total * sizeof(float));
    for (size_t b = 0; b < NB; b++) {
        const int rc = wmel_features(c, (s16 ? g_xsf : g_x) + g_at[b], g_n[b], want + at[b], len[b]);
        CHECK(rc == WMEL_OK, "%s: wmel_features of clip %zu: %s", name, b, wmel_strerror(rc));
    }
    const void *pcm[NB];
    float *dout[NB];
    for (size_t b = 0; b < NB; b++) {
        pcm[b] = s16 ? (const void *)((const int16_t *)d->xs + g_at[b]) : (const void *)((const float *)d->x + g_at[b]);
        dout[b] = d->o + at[b];
    }
    const char *type = s16 ? "int16" : "float32";
    cudaMemset(d->o, 0xff, total * sizeof(float)); /* NaNs: a value left unwritten shows */
    unsigned long k0, m0, k1, m1;
    counts(&k0, &m0);
    size_t failed = 7;
    const int rc = wmel_cuda_features_device_batch(c, pcm, s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32, g_n, NB, dout, len,
                                                   &failed, d->s);
    counts(&k1, &m1);
    CHECK(rc == WMEL_OK && failed == NB, "%s %s %s: %s (failed %zu; %s)", name, arith, type, wmel_strerror(rc), failed,
          wmel_cuda_error_detail());
    CHECK(cudaStreamSynchronize(d->s) == cudaSuccess &&
              cudaMemcpy(got, d->o, total * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess,
          "%s: the stream or the copy back", name);
    for (size_t b = 0; b < NB; b++)
        for (size_t i = 0; i < len[b] + GAP; i++)
            if (memcmp(got + at[b] + i, want + at[b] + i, sizeof(float))) {
                CHECK(0, "%s %s %s: clip %zu (%zu samples) value %zu of %zu%s: %.9g on the device, %.9g from wmel_features",
                      name, arith, type, b, g_n[b], i, len[b], i >= len[b] ? " (past its output)" : "",
                      (double)got[at[b] + i], (double)want[at[b] + i]);
                b = NB;
                break;
            }
#ifdef WMEL_CUDA_EMU
    /* one round (64 clips, well under a round's 64 MiB): its frames, at most two of k_plan_all,
       k_plan_max and k_plan_post, its finish; one memset for the call */
    const unsigned long rounds = (NB + ROUND_CLIPS - 1) / ROUND_CLIPS;
    CHECK(k1 - k0 >= 2 * rounds && k1 - k0 <= 4 * rounds && m1 - m0 == 1, "%s %s %s: %lu launches, %lu memsets",
          name, arith, type, k1 - k0, m1 - m0);
    if (!s16 && (!strcmp(name, "nemo") || !strcmp(name, "granite-speech"))) {
        const unsigned long before = one_at_a_time(c, d, dout, len);
        printf("%s: %d clips, %lu kernel launches and memsets in one batch call, %lu one clip at a time\n", name, NB,
               (k1 - k0) + (m1 - m0), before);
        CHECK(before >= 3 * NB, "%s: %lu one clip at a time", name, before);
    }
#endif
    free(want);
    free(got);
}

/* Whisper's geometry (n_mels, norm, smooth; int16 samples where s16): clips NB.. NB+WNB-1
   against wmel_features of each on the same ctx, the launches counted (one clip at a time
   too where `alone`), a clip of 200 samples refused by its index */
static void whisper(int n_mels, int norm, int smooth, int s16, int alone, const t_dev *d)
{
    char name[80];
    snprintf(name, sizeof name, "whisper %d mels, norm %s, smooth %s, %s", n_mels, norm == WMEL_NORM_NONE ? "none" : "whole",
             smooth == WMEL_SMOOTH_3X3 ? "3x3" : "none", s16 ? "int16" : "float32");
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    p.n_mels = n_mels;
    p.norm = norm;
    p.smooth = smooth;
    int st = 0;
    wmel_ctx *c = wmel_create(&p, &st);
    CHECK(c != NULL, "%s: %d (%s)", name, st, wmel_cuda_error_detail());
    if (!c) return;
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_DEVICE), "cuda"), "%s: WMEL_OP_DEVICE %s", name,
          wmel_op_backend(c, WMEL_OP_DEVICE));
    size_t n[WNB], len[WNB], at[WNB], total = 0;
    const void *pcm[WNB];
    float *dout[WNB];
    for (size_t b = 0; b < WNB; b++) {
        size_t rows = 0, cols = 0;
        n[b] = g_n[NB + b];
        CHECK(wmel_features_shape(c, n[b], &rows, &cols) == WMEL_OK && rows == (size_t)n_mels && cols == n[b] / 160,
              "%s: clip %zu's shape %zu x %zu", name, b, rows, cols);
        len[b] = rows * cols, at[b] = total, total += len[b] + GAP;
        pcm[b] = s16 ? (const void *)((const int16_t *)d->xs + g_at[NB + b])
                     : (const void *)((const float *)d->x + g_at[NB + b]);
        dout[b] = d->o + at[b];
    }
    float *want = malloc(total * sizeof(float)), *got = malloc(total * sizeof(float));
    CHECK(want && got, "no memory");
    if (!want || !got) {
        free(want), free(got), wmel_destroy(c);
        return;
    }
    memset(want, 0xff, total * sizeof(float));
    for (size_t b = 0; b < WNB; b++) {
        const int rc = wmel_features(c, (s16 ? g_xsf : g_x) + g_at[NB + b], n[b], want + at[b], len[b]);
        CHECK(rc == WMEL_OK, "%s: wmel_features of clip %zu: %s", name, b, wmel_strerror(rc));
    }
    cudaMemset(d->o, 0xff, total * sizeof(float)); /* NaNs: a value left unwritten shows */
    unsigned long k0, m0, k1, m1;
    counts(&k0, &m0);
    size_t failed = 7;
    const int type = s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32;
    int rc = wmel_cuda_features_device_batch(c, pcm, type, n, WNB, dout, len, &failed, d->s);
    counts(&k1, &m1);
    CHECK(rc == WMEL_OK && failed == WNB, "%s: %s (failed %zu; %s)", name, wmel_strerror(rc), failed,
          wmel_cuda_error_detail());
    CHECK(cudaStreamSynchronize(d->s) == cudaSuccess &&
              cudaMemcpy(got, d->o, total * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess,
          "%s: the stream or the copy back", name);
    for (size_t b = 0; b < WNB; b++)
        for (size_t i = 0; i < len[b] + GAP; i++)
            if (memcmp(got + at[b] + i, want + at[b] + i, sizeof(float))) {
                CHECK(0, "%s: clip %zu (%zu samples) value %zu of %zu%s: %.9g on the device, %.9g from wmel_features",
                      name, b, n[b], i, len[b], i >= len[b] ? " (past its output)" : "", (double)got[at[b] + i],
                      (double)want[at[b] + i]);
                b = WNB;
                break;
            }
#ifdef WMEL_CUDA_EMU
    /* one round (32 clips): its log-mel, then its normalisation or its two smoothing kernels;
       one memset (the max keys) for the call */
    const unsigned long want_k = 1 + (smooth == WMEL_SMOOTH_3X3 ? 2 : norm == WMEL_NORM_WHOLE ? 1 : 0);
    CHECK(k1 - k0 == want_k && m1 - m0 == 1, "%s: %lu launches, %lu memsets (want %lu and 1)", name, k1 - k0,
          m1 - m0, want_k);
    if (alone) {
        unsigned long a0, b0, a1, b1;
        counts(&a0, &b0);
        for (size_t b = 0; b < WNB; b++) {
            rc = wmel_cuda_features_device(c, pcm[b], type, 1, n[b], n[b], dout[b], len[b], d->s);
            CHECK(rc == WMEL_OK, "%s: clip %zu alone: %s", name, b, wmel_strerror(rc));
        }
        counts(&a1, &b1);
        printf("%s: %d clips, %lu kernel launches and memsets in one batch call, %lu one clip at a time\n", name,
               WNB, (k1 - k0) + (m1 - m0), (a1 - a0) + (b1 - b0));
        CHECK((a1 - a0) + (b1 - b0) >= 2 * WNB, "%s: %lu one clip at a time", name, (a1 - a0) + (b1 - b0));
    }
#else
    (void)alone; /* the launches are counted on the emulator only */
#endif
    /* a clip too short for the reflect padding: refused by its index, nothing enqueued */
    const size_t keep = n[13];
    n[13] = 200;
    counts(&k0, &m0);
    rc = wmel_cuda_features_device_batch(c, pcm, type, n, WNB, dout, len, &failed, d->s);
    counts(&k1, &m1);
    CHECK(rc == WMEL_ERR_TOO_SHORT && failed == 13 && k1 == k0 && m1 == m0, "%s: 200 samples at 13: %s, failed %zu",
          name, wmel_strerror(rc), failed);
    n[13] = keep;
    printf("%s: %d clips checked\n", name, WNB);
    free(want);
    free(got);
    wmel_destroy(c);
}

static void arguments(const t_dev *d)
{
    wmel_ctx *c = mk("nemo", WMEL_BACKEND_CUDA, NULL);
    if (!c) return;
    const void *pcm[NB];
    float *dout[NB];
    size_t len[NB], n[NB], failed = 0;
    size_t at = 0;
    for (size_t b = 0; b < NB; b++) {
        size_t rows = 0, cols = 0;
        wmel_features_shape(c, g_n[b], &rows, &cols);
        pcm[b] = (const float *)d->x + g_at[b], n[b] = g_n[b], len[b] = rows * cols, dout[b] = d->o + at;
        at += len[b];
    }
    const int F = WMEL_SAMPLE_F32;
    CHECK(wmel_cuda_features_device_batch(NULL, pcm, F, n, NB, dout, len, &failed, d->s) == WMEL_ERR_NULL_POINTER &&
              failed == NB, "NULL ctx");
    CHECK(wmel_cuda_features_device_batch(c, NULL, F, n, NB, dout, len, &failed, d->s) == WMEL_ERR_NULL_POINTER &&
              failed == NB, "NULL samples' array");
    CHECK(wmel_cuda_features_device_batch(c, pcm, F, NULL, NB, dout, len, &failed, d->s) == WMEL_ERR_NULL_POINTER &&
              failed == NB, "NULL lengths");
    CHECK(wmel_cuda_features_device_batch(c, pcm, F, n, NB, NULL, len, &failed, d->s) == WMEL_ERR_NULL_POINTER &&
              failed == NB, "NULL outputs' array");
    CHECK(wmel_cuda_features_device_batch(c, pcm, F, n, NB, dout, NULL, &failed, d->s) == WMEL_ERR_NULL_POINTER &&
              failed == NB, "NULL capacities");
    CHECK(wmel_cuda_features_device_batch(c, pcm, 7, n, NB, dout, len, &failed, d->s) == WMEL_ERR_INVALID_ARG &&
              failed == NB, "sample type 7");
    CHECK(wmel_cuda_features_device_batch(c, NULL, F, NULL, 0, NULL, NULL, &failed, d->s) == WMEL_OK && failed == 0,
          "batch 0");
    int rc;
    /* below one hop: the device's finish does not write NeMo's output (the clip named) */
    n[41] = 100;
    rc = wmel_cuda_features_device_batch(c, pcm, F, n, NB, dout, len, &failed, d->s);
    CHECK(rc == WMEL_ERR_BACKEND_UNAVAILABLE && failed == 41 && strstr(wmel_cuda_error_detail(), "clip 41"),
          "100 samples at 41: %s, failed %zu (%s)", wmel_strerror(rc), failed, wmel_cuda_error_detail());
    n[41] = 0;
    rc = wmel_cuda_features_device_batch(c, pcm, F, n, NB, dout, len, &failed, d->s);
    CHECK(rc == WMEL_ERR_NO_SAMPLES && failed == 41, "no samples at 41: %s, failed %zu", wmel_strerror(rc), failed);
    n[41] = g_n[41];
    pcm[9] = NULL;
    rc = wmel_cuda_features_device_batch(c, pcm, F, n, NB, dout, len, &failed, d->s);
    CHECK(rc == WMEL_ERR_NULL_POINTER && failed == 9, "NULL clip 9: %s, failed %zu", wmel_strerror(rc), failed);
    pcm[9] = (const float *)d->x + g_at[9];
    len[50]--;
    rc = wmel_cuda_features_device_batch(c, pcm, F, n, NB, dout, len, &failed, d->s);
    CHECK(rc == WMEL_ERR_BUFFER_TOO_SMALL && failed == 50, "clip 50's output one short: %s, failed %zu",
          wmel_strerror(rc), failed);
    len[50]++;
    float *keep = dout[30];
    dout[30] = dout[29] + 1; /* over clip 29's output */
    rc = wmel_cuda_features_device_batch(c, pcm, F, n, NB, dout, len, &failed, d->s);
    CHECK(rc == WMEL_ERR_INVALID_ARG && failed == 30, "outputs overlapping: %s, failed %zu", wmel_strerror(rc), failed);
    dout[30] = (float *)(void *)((float *)d->x + g_at[12]); /* over clip 12's samples */
    rc = wmel_cuda_features_device_batch(c, pcm, F, n, NB, dout, len, &failed, d->s);
    CHECK(rc == WMEL_ERR_INVALID_ARG && failed < NB, "an output over the samples: %s, failed %zu", wmel_strerror(rc),
          failed);
    dout[30] = keep;
    /* the ctxs it refuses, whatever the other arguments */
    wmel_ctx *cpu = mk("nemo", WMEL_BACKEND_CPU, NULL);
    if (cpu) {
        rc = wmel_cuda_features_device_batch(cpu, NULL, F, NULL, 0, NULL, NULL, NULL, d->s);
        CHECK(rc == WMEL_ERR_BACKEND_UNAVAILABLE, "a CPU ctx, batch 0: %s", wmel_strerror(rc));
    }
    wmel_destroy(cpu);
    wmel_destroy(c);
    printf("arguments and the ctxs refused: ok\n");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    {
        wmel_frontend_plan nemo;
        char msg[256];
        CHECK(wmel_preset_plan("nemo", &nemo, msg, sizeof msg) == WMEL_OK, "nemo: %s", msg);
        const int skip = t_cuda_or_skip(&nemo, "test_cuda_features_device_batch");
        if (skip) return skip;
    }
    size_t ns = 0;
    float *speech = t_load_wav("audio/speech_en.wav", &ns);
    CHECK(speech && ns >= WMAXN + 8000, "speech: %zu samples", ns);
    if (!speech || ns < WMAXN + 8000) return t_done("test_cuda_features_device_batch");
    /* lengths from 0.1 s up, mostly short, one of them the longest; each clip its own level
       and its own part of the speech */
    unsigned r = 12345;
    for (size_t b = 0; b < NB; b++) {
        r = r * 1103515245u + 12345u;
        const size_t span = b % 4 == 3 ? MAXN - MINN : (MAXN - MINN) / 6;
        g_n[b] = b == 17 ? MAXN : MINN + (r >> 8) % span;
        g_at[b] = g_total;
        g_total += g_n[b] + GAP;
    }
    for (size_t b = NB; b < NB + WNB; b++) { /* Whisper's: 0.1 s to 1.5 s, the longest one of them */
        r = r * 1103515245u + 12345u;
        g_n[b] = b == NB + 5 ? WMAXN : MINN + (r >> 8) % (WMAXN - MINN);
        g_at[b] = g_total;
        g_total += g_n[b] + GAP;
    }
    g_x = malloc(g_total * sizeof(float)), g_xsf = malloc(g_total * sizeof(float));
    g_xs = malloc(g_total * sizeof(int16_t));
    CHECK(g_x && g_xsf && g_xs, "no memory");
    if (!g_x || !g_xsf || !g_xs) return t_done("test_cuda_features_device_batch");
    for (size_t b = 0; b < NB + WNB; b++) {
        const size_t from = (b * 997) % (ns - WMAXN);
        for (size_t i = 0; i < g_n[b] + GAP; i++)
            g_x[g_at[b] + i] = i < g_n[b] ? speech[from + i] * (float)(1 + b % 5) * 0.3f : 1e30f;
    }
    for (size_t i = 0; i < g_total; i++) {
        const float v = g_x[i] > 1.0f ? 1.0f : g_x[i] < -1.0f ? -1.0f : g_x[i];
        g_xs[i] = (int16_t)lrintf(v * 32767.0f);
        g_xsf[i] = (float)g_xs[i] / 32768.0f;
    }
    free(speech);
    t_dev d;
    t_dev_upload(&d, g_x, g_xs, g_total, (size_t)4 << 20);
    const char *presets[] = {"nemo", "kaldi", "fun-asr-nano", "granite-speech"};
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        for (int a = 0; a < 2; a++) {
            const char *arith = a ? "float-float" : "float64";
            wmel_ctx *c = mk(presets[i], WMEL_BACKEND_CUDA, arith);
            if (!c) continue;
            CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_DEVICE), "cuda"), "%s: WMEL_OP_DEVICE %s", presets[i],
                  wmel_op_backend(c, WMEL_OP_DEVICE));
            same_as_host(presets[i], arith, c, &d, a); /* float64 float32 samples, float-float int16 ones */
            wmel_destroy(c);
        }
    /* Whisper's geometry: both mel counts, the normalisation or none, the smoothing or none,
       each in float32 and int16 */
    whisper(80, WMEL_NORM_WHOLE, WMEL_SMOOTH_NONE, 0, 1, &d);
    whisper(128, WMEL_NORM_NONE, WMEL_SMOOTH_3X3, 0, 0, &d);
    whisper(80, WMEL_NORM_NONE, WMEL_SMOOTH_NONE, 1, 0, &d);
    whisper(128, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3, 1, 0, &d);
    arguments(&d);
    t_dev_free(&d);
    free(g_x), free(g_xsf), free(g_xs);
    return t_done("test_cuda_features_device_batch");
}
