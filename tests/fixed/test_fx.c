/* test_fx.c -- the integer front-end (wmel_fx.h) against the float64 oracle (the ref
 * backend, WMEL_NORM_NONE, normalised here in double), on the goldens and on the inputs
 * that break integer front-ends: quiet speech (-40 dBFS), silence, full-scale noise,
 * full-scale square waves, DC, Nyquist, clipped sines. Also: streaming in any piece size
 * and batch gives the same bits, the edge lengths, the error codes, and the working set.
 *
 * Thresholds (normalised units, (x + 4) / 4):
 *   int16 (Q13): max abs <= 0.01, mean abs <= 0.001, correlation >= 0.9999
 *   int8 (scale 1/64): max abs <= 1/128 + 0.005 (half a step + 0.005); equal to the
 *     oracle quantised the same way except where the oracle lies within 0.001 of a
 *     rounding boundary; correlation with the oracle no lower than that of the oracle's
 *     own int8 quantisation (int8 steps bound it: 0.998-0.99998 on noise-like clips)
 *   working set: wmel_fx_state_size(128, 20) <= 64 KiB (an NPU tile's data memory) */
#include "testutil.h"
#include "wmel_fx.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL_MAX 0.01
#define TOL_MEAN 0.001
#define TOL_CORR 0.9999
#define TOL_I8 (1.0 / 128 + 0.005)

/* The raw log-mel (Q11) of a whole clip through the streaming API, [n_mels][T]; pieces of
 * `chunk` samples (0: random sizes from seed), written in place when inplace. Returns T,
 * or (size_t)-1 on an error status (stored in *status). */
static size_t fx_clip(const int16_t *pcm, size_t n, int n_mels, int batch, size_t chunk,
                      unsigned seed, int inplace, int16_t *raw, int *status)
{
    size_t sz = wmel_fx_state_size(n_mels, batch);
    void *mem = malloc(sz);
    wmel_fx_state *st = NULL;
    int rc = wmel_fx_init(mem, sz, n_mels, batch, &st);
    size_t t = 0, pos = 0;
    const int16_t *out;
    size_t nf;
    unsigned s = seed * 2654435761u + 1u;
    while (rc == 0 && pos < n) {
        size_t max = (size_t)160 * (size_t)batch, k = chunk;
        if (!k) {
            s = s * 1103515245u + 12345u;
            k = 1 + (s >> 8) % max;
        }
        if (k > max) k = max;
        if (k > n - pos) k = n - pos;
        const int16_t *src = pcm + pos;
        if (inplace) {
            size_t nfree;
            int16_t *dst = wmel_fx_input(st, &nfree);
            CHECK(nfree >= max, "n_free %zu < %zu", nfree, max);
            memcpy(dst, src, k * sizeof(int16_t));
            src = dst;
        }
        rc = wmel_fx_push(st, src, k, &out, &nf);
        CHECK(nf <= (size_t)batch, "push gave %zu frames > batch %d", nf, batch);
        for (size_t f = 0; f < nf; f++, t++)
            for (int m = 0; m < n_mels; m++) raw[(size_t)m * (n / 160) + t] = out[f * (size_t)n_mels + m];
        pos += k;
    }
    while (rc == 0) {
        rc = wmel_fx_finish(st, &out, &nf);
        if (rc || nf == 0) break;
        for (size_t f = 0; f < nf; f++, t++)
            for (int m = 0; m < n_mels; m++) raw[(size_t)m * (n / 160) + t] = out[f * (size_t)n_mels + m];
    }
    if (rc == 0) {
        CHECK(t == n / 160, "frames %zu, want %zu", t, n / 160);
        CHECK(wmel_fx_max(st) == wmel_fx_max_of(raw, (size_t)n_mels * t), "running max differs");
    }
    free(mem);
    *status = rc;
    return rc ? (size_t)-1 : t;
}

typedef struct { double max, mean, corr; } errs;

static errs compare(const double *a, const double *b, size_t n)
{
    errs e = {0, 0, 0};
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(a[i] - b[i]);
        if (d > e.max) e.max = d;
        e.mean += d;
        sa += a[i]; sb += b[i];
    }
    e.mean /= (double)n;
    double ma = sa / (double)n, mb = sb / (double)n;
    for (size_t i = 0; i < n; i++) {
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
        sab += (a[i] - ma) * (b[i] - mb);
    }
    /* constant arrays (silence): equal means count as correlated */
    e.corr = (saa == 0 || sbb == 0) ? (e.max < 1e-6 ? 1.0 : 0.0) : sab / sqrt(saa * sbb);
    return e;
}

/* One clip against the oracle at n_mels; prints a row of the error table. */
static void check_clip(const char *name, const int16_t *pcm, size_t n, int n_mels)
{
    size_t T = n / 160, total = (size_t)n_mels * T;
    int16_t *raw = malloc(total * sizeof(int16_t));
    int16_t *q16 = malloc(total * sizeof(int16_t));
    int8_t *q8 = malloc(total);
    float *ref = malloc(total * sizeof(float));
    double *y = calloc(total, sizeof(double)), *a = calloc(total, sizeof(double));
    double *b = calloc(total, sizeof(double));
    int rc;
    size_t t = fx_clip(pcm, n, n_mels, 20, 160 * 20, 0, 0, raw, &rc);
    CHECK(rc == 0 && t == T, "%s: fx status %d", name, rc);
    wmel_ctx *ctx = t_ctx(WMEL_BACKEND_REF, n_mels, WMEL_ISA_AUTO, 0, WMEL_NORM_NONE, WMEL_SMOOTH_NONE);
    if (!ctx || rc) goto out;
    rc = wmel_log_mel_s16(ctx, pcm, n, 0, ref, total);
    CHECK(rc == 0, "%s: ref status %d", name, rc);
    double mx = -1e300;
    for (size_t i = 0; i < total; i++) mx = ref[i] > mx ? ref[i] : mx;
    for (size_t i = 0; i < total; i++) y[i] = ((ref[i] > mx - 8 ? ref[i] : mx - 8) + 4) / 4;

    /* raw log10, before normalisation */
    double raw_max = 0;
    for (size_t i = 0; i < total; i++) {
        double r = (double)raw[i] / 2048.0, o = ref[i];
        if (o < mx - 8 && r < mx - 8) continue; /* both clamped away */
        double d = fabs(r - o);
        raw_max = d > raw_max ? d : raw_max;
    }
    int16_t m = wmel_fx_max_of(raw, total);
    wmel_fx_normalize_i16(raw, total, m, q16);
    wmel_fx_normalize_i8(raw, total, m, q8);
    for (size_t i = 0; i < total; i++) a[i] = q16[i] / 8192.0;
    errs e16 = compare(a, y, total);
    for (size_t i = 0; i < total; i++) b[i] = (q8[i] - WMEL_FX_I8_ZERO) / 64.0;
    errs e8 = compare(b, y, total);
    printf("| %-22s | %3d | %4zu | %.5f | %.6f | %.7f | %.5f | %.6f | %.7f |\n", name, n_mels, T,
           e16.max, e16.mean, e16.corr, e8.max, e8.mean, e8.corr);
    CHECK(e16.max <= TOL_MAX, "%s/%d: int16 max abs %.6f > %.3f (raw log10 max %.6f)", name, n_mels,
          e16.max, TOL_MAX, raw_max);
    CHECK(e16.mean <= TOL_MEAN, "%s/%d: int16 mean abs %.6f > %.4f", name, n_mels, e16.mean, TOL_MEAN);
    CHECK(e16.corr >= TOL_CORR, "%s/%d: int16 correlation %.7f < %.4f", name, n_mels, e16.corr, TOL_CORR);
    CHECK(e8.max <= TOL_I8, "%s/%d: int8 max abs %.6f > %.6f", name, n_mels, e8.max, TOL_I8);
    /* the oracle quantised to int8 */
    size_t mism = 0, bad = 0;
    for (size_t i = 0; i < total; i++) {
        double u = y[i] * 64.0, qr = floor(u + 0.5) + WMEL_FX_I8_ZERO;
        qr = qr < -128 ? -128 : qr > 127 ? 127 : qr;
        if (q8[i] != (int8_t)qr) {
            mism++;
            if (fabs(u - floor(u) - 0.5) > 64 * 0.001) bad++;
        }
        a[i] = (qr - WMEL_FX_I8_ZERO) / 64.0;
    }
    errs eq = compare(a, y, total);
    CHECK(bad == 0, "%s/%d: %zu int8 values differ from the quantised oracle away from a boundary",
          name, n_mels, bad);
    CHECK(e8.corr >= eq.corr - 1e-5, "%s/%d: int8 correlation %.7f < the quantised oracle's %.7f",
          name, n_mels, e8.corr, eq.corr);
    if (mism) printf("  %s/%d: %zu of %zu int8 values one step from the quantised oracle (at a boundary)\n",
                     name, n_mels, mism, total);
out:
    wmel_destroy(ctx);
    free(raw); free(q16); free(q8); free(ref); free(y); free(a); free(b);
}

static int16_t *wav_s16(const char *rel, size_t *n)
{
    float *f = t_load_wav(rel, n);
    int16_t *s = malloc(*n * sizeof(int16_t) + 1);
    for (size_t i = 0; i < *n; i++) {
        double v = floor((double)f[i] * 32768.0 + 0.5);
        s[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    wmel_free(f);
    return s;
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

static void streaming_same_bits(const int16_t *pcm, size_t n)
{
    size_t total = 80 * (n / 160);
    int16_t *want = malloc(total * sizeof(int16_t)), *got = malloc(total * sizeof(int16_t));
    int rc;
    fx_clip(pcm, n, 80, 20, 3200, 0, 0, want, &rc);
    CHECK(rc == 0, "status %d", rc);
    static const int batches[] = {1, 2, 10, 20, 64};
    for (int b = 0; b < 5; b++)
        for (int mode = 0; mode < 3; mode++) {
            size_t chunk = mode == 0 ? (size_t)160 * batches[b] : mode == 1 ? 0 : 7;
            fx_clip(pcm, n, 80, batches[b], chunk, (unsigned)(b * 3 + mode), mode == 1, got, &rc);
            CHECK(rc == 0 && memcmp(want, got, total * sizeof(int16_t)) == 0,
                  "batch %d chunk %zu (seed %d): the stream differs from one call's bits", batches[b],
                  chunk, b * 3 + mode);
        }
    free(want);
    free(got);
}

static void edges(void)
{
    /* lengths around the reflect padding and the hop: frames = n / 160 */
    static const size_t lens[] = {201, 202, 319, 320, 321, 359, 360, 361, 399, 400, 401, 559, 560, 561, 1000};
    int16_t pcm[1000];
    uint32_t s = 7;
    for (int i = 0; i < 1000; i++) pcm[i] = (int16_t)(lcg(&s) >> 16);
    for (int i = 0; i < (int)(sizeof lens / sizeof lens[0]); i++) {
        char name[32];
        snprintf(name, sizeof name, "noise_%zu", lens[i]);
        check_clip(name, pcm, lens[i], 80);
        check_clip(name, pcm, lens[i], 128);
    }
    int rc;
    int16_t raw[80 * 2];
    for (size_t n = 0; n <= 200; n += 100) {
        size_t t = fx_clip(pcm, n, 80, 1, 0, 1, 0, raw, &rc);
        CHECK(rc == WMEL_FX_ERR_TOO_SHORT && t == (size_t)-1, "n=%zu: status %d, want TOO_SHORT", n, rc);
    }

    /* argument errors */
    unsigned char mem[256];
    wmel_fx_state *st = (wmel_fx_state *)mem;
    CHECK(wmel_fx_state_size(64, 20) == 0 && wmel_fx_state_size(80, 0) == 0 &&
              wmel_fx_state_size(80, 65) == 0, "state_size accepts a bad geometry");
    CHECK(wmel_fx_init(NULL, 0, 80, 1, &st) == WMEL_FX_ERR_NULL_POINTER, "init(NULL)");
    CHECK(st == (wmel_fx_state *)mem, "init(NULL mem) touched *out");
    CHECK(wmel_fx_init(mem, sizeof mem, 80, 1, NULL) == WMEL_FX_ERR_NULL_POINTER, "init(out NULL)");
    CHECK(wmel_fx_init(mem, sizeof mem, 81, 1, &st) == WMEL_FX_ERR_INVALID_ARG && st == NULL, "n_mels 81");
    CHECK(wmel_fx_init(mem, sizeof mem, 80, 1, &st) == WMEL_FX_ERR_BUFFER_TOO_SMALL, "small mem");
    size_t sz = wmel_fx_state_size(80, 1);
    unsigned char *big = malloc(sz + 1);
    CHECK(wmel_fx_init(big + 1, sz, 80, 1, &st) == 0 && st, "init at an odd address");
    const int16_t *out;
    size_t nf = 99;
    CHECK(wmel_fx_push(st, pcm, 161, &out, &nf) == WMEL_FX_ERR_INVALID_ARG && nf == 0, "n > 160 batch");
    CHECK(wmel_fx_push(st, NULL, 1, &out, &nf) == WMEL_FX_ERR_NULL_POINTER, "pcm NULL");
    CHECK(wmel_fx_push(st, NULL, 0, &out, &nf) == 0 && nf == 0, "n = 0");
    CHECK(wmel_fx_push(NULL, pcm, 1, &out, &nf) == WMEL_FX_ERR_NULL_POINTER, "st NULL");
    CHECK(wmel_fx_finish(st, NULL, &nf) == WMEL_FX_ERR_NULL_POINTER, "finish out NULL");
    /* a finished clip takes no more samples until a reset */
    for (int k = 0; k < 3; k++) CHECK(wmel_fx_push(st, pcm, 160, &out, &nf) == 0, "push %d", k);
    CHECK(wmel_fx_finish(st, &out, &nf) == 0 && nf == 1, "finish: %zu frames", nf);
    CHECK(wmel_fx_finish(st, &out, &nf) == 0 && nf == 0, "finish again: %zu frames", nf);
    CHECK(wmel_fx_push(st, pcm, 160, &out, &nf) == WMEL_FX_ERR_INVALID_ARG, "push after finish");
    wmel_fx_reset(st);
    CHECK(wmel_fx_push(st, pcm, 160, &out, &nf) == 0 && nf == 0, "push after reset");
    CHECK(wmel_fx_max(NULL) == WMEL_FX_FLOOR_Q11, "max(NULL)");
    wmel_fx_reset(NULL);
    free(big);

    /* int8/int16 normalisation formulas at their corners */
    int16_t r[4] = {WMEL_FX_FLOOR_Q11, 0, -4 * 2048, 6000};
    int16_t y16[4];
    int8_t y8[4];
    wmel_fx_normalize_i16(r, 4, 6000, y16);
    CHECK(y16[0] == 6000 - 16384 + 8192 && y16[1] == 8192 && y16[2] == 0 &&
              y16[3] == 6000 + 8192, "normalize_i16 %d %d %d %d", y16[0], y16[1], y16[2], y16[3]);
    r[3] = 30000; /* saturates: (30000 + 8192) / 128 - 32 > 127 */
    wmel_fx_normalize_i8(r, 4, WMEL_FX_FLOOR_Q11, y8);
    CHECK(y8[0] == -128 && y8[1] == 64 - 32 && y8[2] == -32 && y8[3] == 127, "normalize_i8 %d %d %d %d",
          y8[0], y8[1], y8[2], y8[3]);
    /* in place, int8 over the int16 buffer */
    wmel_fx_normalize_i8(r, 4, WMEL_FX_FLOOR_Q11, (int8_t *)r);
    CHECK(memcmp(r, y8, 4) == 0, "normalize_i8 in place");
}

static void working_set(void)
{
    static const int batches[] = {1, 10, 20, 64};
    printf("working set (bytes): batch");
    for (int i = 0; i < 4; i++) printf(" %8d", batches[i]);
    printf("\n");
    for (int m = 80; m <= 128; m += 48) {
        printf("                 %3d mels", m);
        for (int i = 0; i < 4; i++) printf(" %8zu", wmel_fx_state_size(m, batches[i]));
        printf("\n");
    }
    CHECK(wmel_fx_state_size(128, 20) <= 65536, "working set %zu > 64 KiB", wmel_fx_state_size(128, 20));
    CHECK(wmel_fx_state_size(128, 64) <= 65536, "working set %zu > 64 KiB", wmel_fx_state_size(128, 64));
}

int main(void)
{
    working_set();
    edges();
    printf("| clip                   | mels | frames | i16 max | i16 mean | i16 corr | i8 max | i8 mean | i8 corr |\n");
    static const char *wavs[] = {"speech_en.wav", "clipped.wav", "exact_30s.wav", "pink_noise.wav",
                                 "silence.wav", "sweep.wav", "short_0p1s.wav", "speech_long.wav"};
    int16_t *speech = NULL;
    size_t n_speech = 0;
    for (int i = 0; i < 8; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "audio/%s", wavs[i]);
        size_t n;
        int16_t *s = wav_s16(rel, &n);
        check_clip(wavs[i], s, n, 80);
        if (i < 6) check_clip(wavs[i], s, n, 128);
        if (i == 0) {
            speech = s;
            n_speech = n;
        } else {
            free(s);
        }
    }
    /* jfk.flac as openai's load_audio decodes it (the golden's int16 samples) */
    wmel_npy a;
    double *jfk = t_load_npy("ref/jfk_flac.load_audio_s16.npy", &a);
    size_t nj = a.count;
    int16_t *js = malloc(nj * sizeof(int16_t));
    for (size_t i = 0; i < nj; i++) js[i] = (int16_t)jfk[i];
    check_clip("jfk.flac", js, nj, 80);
    check_clip("jfk.flac", js, nj, 128);
    free(jfk);
    free(js);
    wmel__npy_free(&a);

    /* quiet speech: -40 dBFS (x / 100, rounded) */
    int16_t *q = malloc(n_speech * sizeof(int16_t));
    for (size_t i = 0; i < n_speech; i++) q[i] = (int16_t)lround(speech[i] / 100.0);
    check_clip("speech_en -40 dBFS", q, n_speech, 80);
    check_clip("speech_en -40 dBFS", q, n_speech, 128);
    streaming_same_bits(speech, 32000);

    /* synthetic: full-scale noise, square waves, DC, Nyquist, clipped sine, one impulse */
    const size_t n = 48000;
    int16_t *x = malloc(n * sizeof(int16_t));
    uint32_t s = 12345;
    for (size_t i = 0; i < n; i++) x[i] = (int16_t)(lcg(&s) >> 16);
    check_clip("full-scale noise", x, n, 80);
    check_clip("full-scale noise", x, n, 128);
    static const int periods[] = {2, 40, 400, 1000};
    for (int p = 0; p < 4; p++) {
        for (size_t i = 0; i < n; i++) x[i] = (i / (size_t)(periods[p] / 2)) % 2 ? -32768 : 32767;
        char name[40];
        snprintf(name, sizeof name, "square period %d", periods[p]);
        check_clip(name, x, n, 80);
    }
    for (size_t i = 0; i < n; i++) x[i] = 32767;
    check_clip("DC full scale", x, n, 80);
    for (size_t i = 0; i < n; i++) {
        double v = 4.0 * 32767 * sin(2 * 3.14159265358979 * 440.0 * (double)i / 16000);
        x[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    check_clip("sine x4 clipped", x, n, 80);
    check_clip("sine x4 clipped", x, n, 128);
    memset(x, 0, n * sizeof(int16_t));
    x[24000] = -32768;
    x[100] = 1;
    check_clip("impulse + 1 LSB", x, n, 80);
    free(x);
    free(q);
    free(speech);
    return t_done("test_fx");
}
