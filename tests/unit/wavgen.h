/*
 * wavgen.h -- deterministic WAV files for the built-in reader's tests (test_wav_exact
 * against FFmpeg, test_wav_digest against committed digests): every sample format the
 * reader takes, a set of rates and channel layouts, and signals that exercise its edges
 * (full-scale noise, a sweep, clipping, silence, a few samples, odd lengths).
 */
#ifndef WMEL_WAVGEN_H
#define WMEL_WAVGEN_H

#include <math.h>
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

static uint32_t wg_rand(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

/* Sample i of channel c, in [-1.25, 1.25] (past 1 on purpose: clipping). Segments of the
 * file: full-scale noise, a sweep, a clipped sine, silence, quiet noise. */
static double wg_value(int i, int c, int n, uint32_t *rng)
{
    int seg = n < 8 ? 0 : (int)((long long)i * 5 / n);
    double r = (double)(wg_rand(rng) >> 8) / (double)(1u << 24) * 2.0 - 1.0;
    switch (seg) {
    case 0: return r;
    case 1: return 0.6 * sin(0.00002 * (double)i * (double)i + c);
    case 2: return 1.25 * sin(0.05 * i + c);
    case 3: return 0.0;
    default: return 0.001 * r;
    }
}

/* Writes a WAV into a malloc'd buffer; returns its size (0 on no memory). */
static size_t wg_make(unsigned char **out, int fmt, int rate, int layout, int frames, unsigned seed)
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
            double v = wg_value(i, c, frames, &rng);
            double cl = v > 1.0 ? 1.0 : v < -1.0 ? -1.0 : v;
            switch (fmt) {
            case WG_U8: { long q = lrint(cl * 127.5 + 127.5); b[p++] = (unsigned char)(q < 0 ? 0 : q > 255 ? 255 : q); break; }
            case WG_S16: { long q = lrint(cl * 32767.0); WG_P16((uint16_t)(int16_t)q); break; }
            case WG_S24: { long q = lrint(cl * 8388607.0); uint32_t u = (uint32_t)q;
                           b[p++] = (unsigned char)u; b[p++] = (unsigned char)(u >> 8); b[p++] = (unsigned char)(u >> 16); break; }
            case WG_S32: { long long q = llrint(cl * 2147483647.0); WG_P32((uint32_t)q); break; }
            case WG_F32: { float f = (float)v; uint32_t u; memcpy(&u, &f, 4); WG_P32(u); break; }
            default: { uint64_t u; memcpy(&u, &v, 8); WG_P32((uint32_t)u); WG_P32((uint32_t)(u >> 32)); break; }
            }
        }
#undef WG_P16
#undef WG_P32
    if (data & 1) b[p++] = 0;
    *out = b;
    return p;
}

/* FNV-1a, 64-bit, of int16 samples as little-endian bytes */
static uint64_t wg_fnv(const int16_t *s, size_t n, uint64_t h)
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
