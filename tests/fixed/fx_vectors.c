/* fx_vectors.c -- see fx_vectors.h. No libc beyond string.h: it runs bare-metal too.
 * Each case's samples are generated straight into the state's input buffer
 * (wmel_fx_input, the zero-copy path a DMA would use); the raw frames of the clip are kept
 * for the normalisation, which then runs in place (int8 first, then int16). */
#include "fx_vectors.h"

#include "fx_excerpt.h" /* generated: fx_speech[], fx_sweep[] (golden excerpts) */
#include "wmel_fx.h"

#include <string.h>

#define MAX_FRAMES 100
#define MAX_MELS 128

static uint64_t state_mem[36 * 1024 / 8]; /* >= wmel_fx_state_size(80, 64) */
static int16_t clip_raw[MAX_FRAMES * MAX_MELS];
static int8_t clip_i8[MAX_FRAMES * MAX_MELS];
static size_t frames_total;

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* int16 values as little-endian bytes, whatever the host's order */
static uint64_t fnv16(uint64_t h, const int16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char b[2] = {(unsigned char)((uint16_t)v[i] & 0xff), (unsigned char)((uint16_t)v[i] >> 8)};
        h = fnv(h, b, 2);
    }
    return h;
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

typedef struct gen { int kind; uint32_t seed; } gen;

/* sample i of a case's input (called in order: the noise is a sequence) */
static int16_t sample(gen *g, size_t i)
{
    switch (g->kind) {
    case 0: return fx_speech[i];
    case 1: return (int16_t)((fx_speech[i] + (fx_speech[i] >= 0 ? 50 : -50)) / 100); /* -40 dB */
    case 2: return fx_sweep[i];
    case 3: return (int16_t)(lcg(&g->seed) >> 16);
    case 4: return (i / 20) % 2 ? -32768 : 32767;
    default: return 0;
    }
}

/* n samples of g, written into the state in pieces of `piece`; raw out frame-major */
static int run_clip(gen *g, size_t n, int n_mels, int batch, size_t piece, size_t *frames)
{
    size_t sz = wmel_fx_state_size(n_mels, batch);
    wmel_fx_state *st;
    if (sz > sizeof state_mem || n / 160 > MAX_FRAMES) return -1;
    int rc = wmel_fx_init(state_mem, sizeof state_mem, n_mels, batch, &st);
    size_t t = 0;
    const int16_t *out;
    size_t nf, n_free;
    for (size_t pos = 0; rc == 0 && pos < n; pos += piece) {
        size_t k = n - pos < piece ? n - pos : piece;
        int16_t *dst = wmel_fx_input(st, &n_free);
        for (size_t i = 0; i < k && i < n_free; i++) dst[i] = sample(g, pos + i);
        rc = wmel_fx_push(st, dst, k, &out, &nf);
        memcpy(clip_raw + t * (size_t)n_mels, out, nf * (size_t)n_mels * sizeof(int16_t));
        t += nf;
    }
    while (rc == 0) {
        rc = wmel_fx_finish(st, &out, &nf);
        if (rc || nf == 0) break;
        memcpy(clip_raw + t * (size_t)n_mels, out, nf * (size_t)n_mels * sizeof(int16_t));
        t += nf;
    }
    *frames = t;
    return rc;
}

int fx_vectors_run(fx_case_result res[FX_N_CASES], fx_sink sink, void *ctx)
{
    static const struct { const char *name; int kind, n_mels, batch; size_t n, piece; } cases[FX_N_CASES] = {
        {"speech_en 1 s", 0, 80, 20, 16000, 3200},
        {"speech_en 1 s", 0, 128, 10, 16000, 1000},
        {"speech_en 1 s -40 dBFS", 1, 80, 20, 16000, 3200},
        {"sweep 0.5 s", 2, 80, 64, 8000, 8000},
        {"sweep 0.5 s", 2, 128, 1, 8000, 160},
        {"noise full scale", 3, 80, 20, 4000, 3200},
        {"square full scale", 4, 128, 20, 4000, 777},
        {"silence", 5, 80, 10, 1600, 1600},
        {"201 samples", 3, 80, 1, 201, 160},
    };
    frames_total = 0;
    for (int c = 0; c < FX_N_CASES; c++) {
        size_t n = cases[c].n;
        gen g = {cases[c].kind, 2024u + (uint32_t)c};
        size_t frames = 0;
        if (run_clip(&g, n, cases[c].n_mels, cases[c].batch, cases[c].piece, &frames) != 0) return c + 1;
        size_t total = frames * (size_t)cases[c].n_mels;
        int16_t mx = wmel_fx_max_of(clip_raw, total);
        uint64_t h = fnv16(14695981039346656037ull, clip_raw, total);
        if (sink) sink(ctx, clip_raw, total * sizeof(int16_t));
        wmel_fx_normalize_i8(clip_raw, total, mx, clip_i8);
        wmel_fx_normalize_i16(clip_raw, total, mx, clip_raw); /* in place */
        h = fnv16(h, clip_raw, total);
        h = fnv(h, (const unsigned char *)clip_i8, total);
        res[c].name = cases[c].name;
        res[c].n_mels = cases[c].n_mels;
        res[c].batch = cases[c].batch;
        res[c].frames = frames;
        res[c].hash = h;
        frames_total += frames;
        if (sink) {
            sink(ctx, clip_raw, total * sizeof(int16_t));
            sink(ctx, clip_i8, total);
        }
    }
    return 0;
}

size_t fx_vectors_frames(void) { return frames_total; }

size_t fx_vectors_speech(int n_mels, int batch, size_t n)
{
    size_t frames = 0;
    gen g = {0, 0};
    if (n > 16000) n = 16000;
    return run_clip(&g, n, n_mels, batch, (size_t)160 * (size_t)batch, &frames) == 0 ? frames : 0;
}
