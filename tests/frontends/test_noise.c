/*
 * test_noise.c -- the dither's noise (wmel.h: wmel_dither_gauss; src/kernels/noise.h, the text
 * the CPU, the CUDA kernels and the Vulkan shader compile):
 *   - nz_ln(m) = ln(m 2^-53) within 1 ulp of long double's logl, over every binade of m in
 *     [1, 2^53] (the u1 Box-Muller takes) and its edges;
 *   - nz_cos2pi(b) = cos(2 pi b 2^-53) within 1 ulp of long double's (the quarter taken out
 *     exactly, then cosl / sinl), over [0, 2^53) and the quarters' edges;
 *   - wmel_dither_gauss within 4 ulp of wmel.h's formula in long double over 3 million draws;
 *   - its bits: a digest of 200,000 values (seeds, frames past 2^16 and 2^32, samples) equals
 *     the one written below on every processor, platform and build (a libm's log or cos, a fused
 *     multiply-add or x87's precision would change it);
 *   - how far it is from the same formula over libm's log, cos and sqrt (printed: the size of
 *     the change in dithered features against that formula), held to 1e-12 absolute.
 */
#include "testutil.h"
#include "fe/fe_noise.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* |got - want| in ulps of want's binade */
static double ulps(double got, long double want)
{
    const double w = (double)want;
    if (w == 0.0) return got == 0.0 ? 0.0 : INFINITY;
    int e;
    frexp(w, &e);
    return (double)(fabsl((long double)got - want) / (long double)ldexp(1.0, e - 53));
}

static uint64_t g_state = 0x1234567u;
static uint64_t next(void)
{
    g_state = g_state * 6364136223846793005u + 1442695040888963407u;
    uint64_t z = g_state;
    z = (z ^ (z >> 29)) * 0xBF58476D1CE4E5B9u;
    return z ^ (z >> 32);
}

static const long double TWO_PI = 6.283185307179586476925286766559005768L;

static long double cos_ref(uint64_t b)
{
    const uint64_t n = (b + (1ull << 50)) >> 51;
    const long double r = ((long double)b - (long double)(n << 51)) * 0x1p-53L, th = TWO_PI * r;
    return (n & 3) == 0 ? cosl(th) : (n & 3) == 1 ? -sinl(th) : (n & 3) == 2 ? -cosl(th) : sinl(th);
}

static long double gauss_ref(uint32_t seed, uint64_t t, uint32_t j)
{
    const uint64_t k = nz_sm64(nz_sm64(seed) ^ t), a = nz_sm64(k ^ (2 * (uint64_t)j)), b = nz_sm64(k ^ (2 * (uint64_t)j + 1));
    return sqrtl(-2.0L * logl((long double)((a >> 11) + 1) * 0x1p-53L)) * cos_ref(b >> 11);
}

int main(void)
{
    /* ln over every binade and its edges */
    double wl = 0.0;
    uint64_t wl_at = 0;
    for (long i = 0; i < 3000000; i++) {
        uint64_t m = ((next() >> 11) >> (i % 54)) + 1;
        if (i < 54 * 8) { /* the binades' edges: 2^k - 1 .. 2^k + 2, around sqrt(1/2) 2^k */
            const int k = (int)(i / 8), d = (int)(i % 8);
            m = d < 4 ? (1ull << k) + (uint64_t)d - 1 : (uint64_t)ldexp(0.70710678118654752, k + 1) + (uint64_t)d - 5;
            if (m == 0 || m > (1ull << 53)) m = 1;
        }
        const double e = ulps(nz_ln(m), logl((long double)m * 0x1p-53L));
        if (e > wl) wl = e, wl_at = m;
    }
    CHECK(nz_ln(1ull << 53) == 0.0, "ln 1 = %g", nz_ln(1ull << 53));
    CHECK(wl <= 1.0, "nz_ln: %.3f ulp at m = %llu (bound 1)", wl, (unsigned long long)wl_at);
    /* cos over [0, 2^53) and the quarters' edges */
    double wc = 0.0;
    uint64_t wc_at = 0;
    for (long i = 0; i < 3000000; i++) {
        uint64_t b = next() >> 11;
        if (i < 9 * 16) b = ((uint64_t)(i / 16) << 50) + (uint64_t)(i % 16) - 8; /* k/8 turn -8 .. +7 */
        b &= (1ull << 53) - 1;
        const double e = ulps(nz_cos2pi(b), cos_ref(b));
        if (e > wc) wc = e, wc_at = b;
    }
    CHECK(nz_cos2pi(0) == 1.0 && nz_cos2pi(1ull << 52) == -1.0, "cos 0 %g, cos pi %g", nz_cos2pi(0), nz_cos2pi(1ull << 52));
    CHECK(wc <= 1.0, "nz_cos2pi: %.3f ulp at b = %llu (bound 1)", wc, (unsigned long long)wc_at);
    /* the value against wmel.h's formula in long double; its digest; libm's formula */
    double wg = 0.0, dmax = 0.0, drel = 0.0;
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a over the values' bits */
    for (long i = 0; i < 3000000; i++) {
        const uint32_t seed = (uint32_t)(i % 5 == 0 ? 4294967295u - (uint32_t)i : (uint32_t)i * 2654435761u);
        const uint64_t t = i % 3 == 0 ? (uint64_t)i * 977 : i % 3 == 1 ? 65536u + (uint64_t)i : (1ull << 32) + (uint64_t)i * 13;
        const uint32_t j = (uint32_t)(i % 512);
        const double g = wmel_dither_gauss((int)seed, t, (int)j);
        const double e = ulps(g, gauss_ref(seed, t, j));
        if (e > wg) wg = e;
        if (i < 200000) {
            uint64_t bits;
            memcpy(&bits, &g, sizeof bits);
            for (int k = 0; k < 8; k++) h = (h ^ ((bits >> (8 * k)) & 0xff)) * 0x100000001b3u;
        }
        const uint64_t kk = nz_sm64(nz_sm64(seed) ^ t), a = nz_sm64(kk ^ (2 * (uint64_t)j)),
                       b = nz_sm64(kk ^ (2 * (uint64_t)j + 1));
        const double old = sqrt(-2.0 * log((double)((a >> 11) + 1) * 0x1p-53)) *
                           cos(6.283185307179586 * ((double)(b >> 11) * 0x1p-53));
        const double d = fabs(g - old);
        if (d > dmax) dmax = d;
        if (g != 0.0 && d / fabs(g) > drel) drel = d / fabs(g);
    }
    CHECK(wg <= 4.0, "wmel_dither_gauss: %.3f ulp of the exact value (bound 4)", wg);
    CHECK(h == 0xe6d685625c520580ull, "wmel_dither_gauss's digest %016llx, not the one written here", (unsigned long long)h);
    CHECK(dmax < 1e-12, "libm's formula differs by %.3g", dmax);
    printf("noise: ln %.3f ulp, cos %.3f ulp, the value %.3f ulp of long double's; libm's formula within %.3g absolute, "
           "%.3g relative; digest %016llx\n",
           wl, wc, wg, dmax, drel, (unsigned long long)h);
    return t_done("test_noise");
}
