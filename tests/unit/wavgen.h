/*
 * wavgen.h -- deterministic WAV files for the built-in reader's tests (test_wav_exact
 * against FFmpeg, test_wav_digest against committed digests): every sample format the
 * reader takes, a set of rates and channel layouts, and signals that exercise its edges
 * (full-scale noise, a sweep, clipping, silence, a few samples, odd lengths).
 */
#ifndef WMEL_WAVGEN_H
#define WMEL_WAVGEN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { WG_U8, WG_S16, WG_S24, WG_S32, WG_F32, WG_F64, WG_NFMT };
static const char *const wg_fmt_name[WG_NFMT] = {"u8", "s16", "s24", "s32", "f32", "f64"};
static const int wg_fmt_bytes[WG_NFMT] = {1, 2, 3, 4, 4, 8};

static const int wg_rates[] = {8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000, 44056, 12345};
#define WG_NRATES ((int)(sizeof wg_rates / sizeof wg_rates[0]))

/* channel count and mask (0: no extensible header, FFmpeg's default layout applies) */
static const struct { int ch; uint32_t mask; const char *name; } wg_layouts[] = {
    {1, 0, "mono"},      {2, 0, "stereo"},     {2, 0x3, "stereo-ext"}, {6, 0, "6ch"},
    {6, 0x3F, "5.1"},    {6, 0x60F, "5.1side"}, {3, 0, "3ch"},          {8, 0, "8ch"},
    {4, 0, "4ch"},       {1, 0x1, "mono-FL"},
};
#define WG_NLAYOUTS ((int)(sizeof wg_layouts / sizeof wg_layouts[0]))

/* lengths in frames: a few samples, odd sizes, about a second */
static const int wg_lengths[] = {1, 3, 50, 61, 101, 333, 4801, 22057};
#define WG_NLENGTHS ((int)(sizeof wg_lengths / sizeof wg_lengths[0]))

static inline uint32_t wg_rand(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

/* A sine-like wave without libm: a parabola on each half period, phase in [0, 2^16),
 * in [-2^23, 2^23] */
static inline int32_t wg_wave(uint32_t phase)
{
    int32_t t = (int32_t)(phase & 0x7FFF);            /* within the half period */
    int64_t y = (int64_t)t * (0x8000 - t);             /* up to 2^28 */
    int32_t v = (int32_t)(y >> 5);                     /* up to 2^23 */
    return phase & 0x8000 ? -v : v;
}

/* Sample i of channel c in units of 2^-23, in [-1.25, 1.25] * 2^23 (past full scale on
 * purpose: clipping). Integers only, so every platform writes the same file. Segments:
 * full-scale noise, a sweep, a clipped wave, silence, quiet noise. */
static inline int32_t wg_value(int i, int c, int n, uint32_t *rng)
{
    int seg = n < 8 ? 0 : (int)((long long)i * 5 / n);
    int32_t r = (int32_t)(wg_rand(rng) >> 8) - (1 << 23);
    switch (seg) {
    case 0: return r;
    case 1: return wg_wave((uint32_t)((unsigned long long)i * (unsigned long long)i / 8 + (unsigned)c * 5000u)) / 5 * 3;
    case 2: return wg_wave((uint32_t)i * 1500u + (unsigned)c * 9000u) / 4 * 5;
    case 3: return 0;
    default: return r / 1024;
    }
}

/* Writes a WAV into a malloc'd buffer; returns its size (0 on no memory). */
static inline size_t wg_make(unsigned char **out, int fmt, int rate, int layout, int frames, unsigned seed)
{
    const int ch = wg_layouts[layout].ch, bytes = wg_fmt_bytes[fmt];
    const uint32_t mask = wg_layouts[layout].mask;
    const int ext = mask != 0 || (fmt == WG_F64 && ch == 1); /* some mono extensible too */
    size_t data = (size_t)frames * (size_t)ch * (size_t)bytes;
    size_t fmt_len = ext ? 40 : 16, head = 12 + 8 + fmt_len + 8;
    unsigned char *b = malloc(head + data + 1);
    if (!b) return 0;
    size_t p = 0;
#define WG_P16(v) do { uint32_t w_ = (uint32_t)(v); b[p++] = (unsigned char)w_; b[p++] = (unsigned char)(w_ >> 8); } while (0)
#define WG_P32(v) do { uint32_t w_ = (uint32_t)(v); for (int k_ = 0; k_ < 4; k_++) b[p++] = (unsigned char)(w_ >> (8 * k_)); } while (0)
    memcpy(b + p, "RIFF", 4); p += 4;
    WG_P32(head - 8 + data + (data & 1));
    memcpy(b + p, "WAVEfmt ", 8); p += 8;
    WG_P32(fmt_len);
    int tag = fmt >= WG_F32 ? 3 : 1;
    WG_P16(ext ? 0xFFFE : tag);
    WG_P16(ch);
    WG_P32(rate);
    WG_P32((uint32_t)rate * (uint32_t)(ch * bytes));
    WG_P16(ch * bytes);
    WG_P16(bytes * 8);
    if (ext) {
        static const unsigned char guid_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                                    0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
        WG_P16(22);
        WG_P16(bytes * 8);
        WG_P32(mask);
        WG_P16(tag);
        memcpy(b + p, guid_tail, 14); p += 14;
    }
    memcpy(b + p, "data", 4); p += 4;
    WG_P32(data);
    uint32_t rng = seed * 2654435761u + 12345u;
    for (int i = 0; i < frames; i++)
        for (int c = 0; c < ch; c++) {
            int32_t v = wg_value(i, c, frames, &rng);
            int32_t cl = v > (1 << 23) - 1 ? (1 << 23) - 1 : v < -(1 << 23) ? -(1 << 23) : v;
            switch (fmt) {
            case WG_U8: b[p++] = (unsigned char)((cl + (1 << 23)) >> 16); break;
            case WG_S16: WG_P16((uint32_t)(cl + (1 << 23)) >> 8 ^ 0x8000u); break;
            case WG_S24: { uint32_t u = (uint32_t)cl; b[p++] = (unsigned char)u; b[p++] = (unsigned char)(u >> 8);
                           b[p++] = (unsigned char)(u >> 16); break; }
            case WG_S32: WG_P32((uint32_t)cl << 8 | ((uint32_t)i & 0xFF)); break;
            case WG_F32: { float f = (float)v / 8388608.0f; uint32_t u; memcpy(&u, &f, 4); WG_P32(u); break; }
            default: { double d = (double)v / 8388608.0; uint64_t u; memcpy(&u, &d, 8); WG_P32((uint32_t)u); WG_P32((uint32_t)(u >> 32)); break; }
            }
        }
#undef WG_P16
#undef WG_P32
    if (data & 1) b[p++] = 0;
    *out = b;
    return p;
}

/* FNV-1a, 64-bit, of int16 samples as little-endian bytes */
static inline uint64_t wg_fnv(const int16_t *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        uint16_t u = (uint16_t)s[i];
        h = (h ^ (u & 0xFF)) * 0x100000001b3ull;
        h = (h ^ (u >> 8)) * 0x100000001b3ull;
    }
    return h;
}
#define WG_FNV_INIT 0xcbf29ce484222325ull

#endif
