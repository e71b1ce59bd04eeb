/*
 * consumer.c -- a client of the public header for tests/amalgamation/test_amalgamation.sh:
 * built once against the one-file library (dist/wmel.c) and once against the CMake build's
 * libwmel.a, it prints one line per case, and the two builds' lines must be equal byte for
 * byte (the level, WMEL_MAX_ISA, is the caller's):
 *
 *   <case> <status> <values> <fnv1a-64 of the float32 bits> <kernel>
 *
 * over Whisper's log-Mel (80 and 128 mels, 3x3 smoothing, padding to 30 s, int16 input)
 * and every built-in preset's features, on the WAV files given and on synthetic signals.
 *
 *   consumer [FILE.wav...]
 */
#include "wmel.h"
#ifndef WMEL_FX_H /* the one file's wmel.h holds wmel_fx.h */
#include "wmel_fx.h"
#endif

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv(const void *x, size_t bytes)
{
    uint64_t h = 1469598103934665603ull;
    const unsigned char *b = (const unsigned char *)x;
    for (size_t i = 0; i < bytes; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

static void line(const char *clip, const char *what, int st, const float *v, size_t n, const char *kernel)
{
    printf("%s|%s %d %zu %016llx %s\n", clip, what, st, n,
           (unsigned long long)(st == WMEL_OK ? fnv(v, n * sizeof(float)) : 0), kernel ? kernel : "-");
}

static void whisper(const char *clip, const float *x, size_t n)
{
    static const int mels[] = {80, 128};
    for (int m = 0; m < 2; m++)
        for (int smooth = 0; smooth < 2; smooth++)
            for (int pad = 0; pad < 2; pad++) {
                wmel_params p = wmel_default_params();
                p.n_mels = mels[m];
                p.n_threads = 2;
                p.backend = WMEL_BACKEND_CPU;
                p.smooth = smooth;
                int st;
                wmel_ctx *c = wmel_create(&p, &st);
                char what[96];
                snprintf(what, sizeof what, "whisper mels=%d smooth=%d pad=%d", mels[m], smooth, pad);
                if (!c) {
                    line(clip, what, st, NULL, 0, NULL);
                    continue;
                }
                size_t padding = pad ? 480000 : 0;
                size_t nf = wmel_n_frames(n, padding), len = (size_t)mels[m] * nf;
                float *o = malloc(sizeof(float) * (len ? len : 1));
                st = o ? wmel_log_mel(c, x, n, padding, o, len) : WMEL_ERR_NO_MEMORY;
                line(clip, what, st, o, len, wmel_kernel_name(c));
                free(o);
                wmel_destroy(c);
            }
}

static void presets(const char *clip, const float *x, size_t n)
{
    for (size_t i = 0; i < wmel_preset_count(); i++) {
        const char *name = wmel_preset_name(i);
        wmel_frontend_plan pl;
        char msg[256], what[128];
        snprintf(what, sizeof what, "preset %s", name);
        int st = wmel_preset_plan(name, &pl, msg, sizeof msg);
        if (st) {
            line(clip, what, st, NULL, 0, NULL);
            continue;
        }
        wmel_params p = wmel_default_params();
        p.n_threads = 2;
        p.backend = WMEL_BACKEND_CPU;
        wmel_ctx *c = wmel_create_plan(&p, &pl, &st);
        if (!c) {
            line(clip, what, st, NULL, 0, NULL);
            continue;
        }
        size_t rows = 0, cols = 0;
        st = wmel_features_shape(c, n, &rows, &cols);
        float *o = NULL;
        if (st == WMEL_OK) {
            o = malloc(sizeof(float) * (rows * cols > 0 ? rows * cols : 1));
            st = o ? wmel_features(c, x, n, o, rows * cols) : WMEL_ERR_NO_MEMORY;
        }
        line(clip, what, st, o, rows * cols, wmel_kernel_name(c));
        free(o);
        wmel_destroy(c);
    }
}

/* The integer front-end (wmel_fx.h) on the clip's first second in Q15. */
static void fixed(const char *clip, const float *x, size_t n)
{
    size_t m = n < 16000 ? n : 16000;
    int16_t *q = malloc(sizeof(int16_t) * (m ? m : 1));
    if (!q) return;
    for (size_t i = 0; i < m; i++) {
        float v = x[i] * 32768.0f;
        q[i] = (int16_t)(v > 32767.0f ? 32767 : v < -32768.0f ? -32768 : lrintf(v));
    }
    wmel_params p = wmel_default_params();
    p.n_threads = 1;
    p.backend = WMEL_BACKEND_CPU;
    int st;
    wmel_ctx *c = wmel_create(&p, &st);
    if (c) {
        size_t nf = wmel_n_frames(m, 0), len = 80 * nf;
        float *o = malloc(sizeof(float) * (len ? len : 1));
        st = o ? wmel_log_mel_s16(c, q, m, 0, o, len) : WMEL_ERR_NO_MEMORY;
        line(clip, "whisper int16", st, o, len, wmel_kernel_name(c));
        free(o);
        wmel_destroy(c);
    }
    free(q);
}

static void clip(const char *name, const float *x, size_t n)
{
    whisper(name, x, n);
    presets(name, x, n);
    fixed(name, x, n);
}

int main(int argc, char **argv)
{
    for (int a = 1; a < argc; a++) {
        float *x = NULL;
        size_t n = 0;
        char err[256];
        int st = wmel_read_wav(argv[a], &x, &n, err, sizeof err, NULL, 0);
        const char *base = strrchr(argv[a], '/');
        base = base ? base + 1 : argv[a];
        if (st) {
            fprintf(stderr, "consumer: %s\n", err);
            return 1;
        }
        clip(base, x, n);
        wmel_free(x);
    }
    /* synthetic: a chirp (a triangle wave from an integer phase) with noise, 2.3 s, and the
     * shortest lengths around one frame; integer arithmetic and exact scalings only, so
     * that every compiler and target makes the same samples */
    static const size_t lens[] = {36800, 400, 401, 160};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        size_t n = lens[k];
        float *x = malloc(sizeof(float) * n);
        if (!x) return 1;
        uint32_t r = 12345u + (uint32_t)k, ph = 0, step = 53687091u; /* 200 Hz, rising */
        for (size_t i = 0; i < n; i++) {
            r = r * 1664525u + 1013904223u;
            ph += step;
            step += 3u;
            int32_t t = (int32_t)(ph >> 8), tri = (t < (1 << 23) ? t : (1 << 24) - t) - (1 << 22);
            x[i] = (float)tri * (1.0f / 8388608.0f) + (float)((int32_t)(r >> 20) - 2048) * (1.0f / 65536.0f);
        }
        char name[32];
        snprintf(name, sizeof name, "synthetic-%zu", n);
        clip(name, x, n);
        free(x);
    }
    return 0;
}
