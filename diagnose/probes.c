/* probes.c -- the designed probe signals of `wmel probes` and of wmel.diagnose(port, ...):
 * a small set of clips, each chosen to make one of a front-end's conventions identifiable
 * (edge padding, the frame-count rule, the bank, DC removal, the window's alignment, the log's
 * guard and energies under it, the input's scale, dither), at the plan's rate and shaped by its hop and frame
 * length. The samples are 16-bit values (k / 32768), what a 16-bit WAV holds exactly, so a
 * port that reads the files and one handed the samples see the same numbers; noise comes from
 * a fixed-seed generator of its own: the same plan gives the same samples on every run. */
#include "diagnose.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

enum {
    P_EDGES, P_LEN_PLUS1, P_LEN_MINUS1, P_SHORT, P_LONG, P_TONES, P_TONES_BETWEEN, P_DC, P_IMPULSES,
    P_SILENCE, P_QUIET, P_FULL, P_SMALL, P_NOISE, P_LSB, N_PROBES
};

static const struct {
    const char *stem, *what;
} PROBES[N_PROBES] = {
    {"edges", "white noise loud from the first sample to the last, n = 0 mod hop: edge padding (zeros, reflection), "
              "the last frame"},
    {"len_plus1", "loud noise, n = 1 mod hop: the frame-count rule (one sample past a hop)"},
    {"len_minus1", "loud noise, n = hop - 1 mod hop: the frame-count rule (one sample short of a hop)"},
    {"short", "a loud noise burst one frame and a half long: the frame count of a short clip, edge frames"},
    {"long", "a chirp repeated under noise, about 4 s, n = hop / 2 - 1 mod hop: the frame count at another size, "
             "a rounded count's side of half a hop"},
    {"tones", "tones at bin centres spread over the band: the bank's shape, edges, norm and scale"},
    {"tones_between", "tones halfway between bin centres: the bank's shape between its points"},
    {"dc_offset", "a tone on a DC offset of 0.25: DC removal"},
    {"impulses", "impulses on frame boundaries (every third hop) and one mid-hop: the window's shape and alignment"},
    {"silence", "digital silence around a tone at -40 dB: the log's guard and floor on zero frames"},
    {"quiet", "noise of two least significant bits with a tone at -66 dB: the log's guard near the floor"},
    {"full_scale", "a sine clipped at full scale (+-32767/32768): the input's scale"},
    {"small", "the chirp at -54 dB: the input's scale at a small amplitude"},
    {"noise", "white noise at -10 dB: dither, float32 rounding"},
    {"lsb_silence", "digital near-silence: stretches of +-1 least significant bit, each a zero-sum pattern repeating "
                    "every gcd(hop, frame length) samples, so every frame inside one sums to exactly zero (its DC "
                    "bin float rounding only): the log of energies below the guard (a guard that replaces exact "
                    "zeros only, not a clamp)"},
};

int wmel_dg_probe_count(void) { return N_PROBES; }

/* the 16-bit value nearest v (clipped), as a float */
static float q16(double v)
{
    double k = floor(v * 32768.0 + 0.5);
    if (k > 32767) k = 32767;
    if (k < -32768) k = -32768;
    return (float)(k / 32768.0);
}

/* xorshift64*: the noise's generator, from a fixed seed per probe */
static double uniform(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

/* a linear chirp from 50 Hz to 0.45 rate over len samples, at amplitude amp, cos-phased so its
   first sample is loud */
static double chirp(size_t t, size_t len, double rate, double amp)
{
    double f0 = 50, f1 = 0.45 * rate, T = (double)len / rate, x = (double)t / rate;
    return amp * cos(2 * M_PI * (f0 * x + 0.5 * (f1 - f0) / T * x * x));
}

static size_t gcd(size_t a, size_t b)
{
    while (b) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* lsb_silence's stretches: each a whole number of periods gcd(hop, flen) holding three frames */
static size_t lsb_stretch(size_t hop, size_t flen)
{
    size_t g = gcd(hop, flen);
    return (3 * flen + g - 1) / g * g;
}

/* lsb_silence's sample t (in LSB): in stretch s, h(i) - h(i + shift) over the period g, h a
   sparse 0/1 pattern hashed from (s, i): every window of a whole number of periods sums to 0 */
static double lsb_sample(size_t t, size_t hop, size_t flen)
{
    const size_t g = gcd(hop, flen), s = t / lsb_stretch(hop, flen), i = t % g;
    if (g < 2) return 0.0;
    const size_t shift = 1 + (s * 7919) % (g - 1);
    uint64_t a = 0x9e3779b97f4a7c15ULL * (s + 1) ^ (uint64_t)i, b = 0x9e3779b97f4a7c15ULL * (s + 1) ^ (uint64_t)((i + shift) % g);
    a *= 0xbf58476d1ce4e5b9ULL, b *= 0xbf58476d1ce4e5b9ULL;
    return (double)((a >> 61) == 0) - (double)((b >> 61) == 0);
}

static size_t probe_len(int k, size_t rate, size_t hop, size_t flen)
{
    size_t sec = (rate + hop - 1) / hop * hop; /* about a second, a whole number of hops */
    switch (k) {
    case P_LSB: return 8 * lsb_stretch(hop, flen);
    case P_LEN_PLUS1: return sec + 1;
    case P_LEN_MINUS1: return sec + hop - 1;
    case P_SHORT: return flen + flen / 2 + 1;
    case P_LONG: return 4 * sec + (hop / 2 ? hop / 2 - 1 : 0);
    case P_FULL: return sec / 2;
    default: return sec;
    }
}

/* the tones' bins: 12 spread over the band (log-spaced from bin 2 to n_fft / 2 - 2) */
static double tone_bin(int i, size_t n_fft)
{
    double lo = 2, hi = (double)n_fft / 2 - 2;
    if (hi < lo + 11) hi = lo + 11;
    return floor(lo * pow(hi / lo, i / 11.0) + 0.5);
}

static double sample(int k, size_t t, size_t n, const wmel_frontend_plan *p, uint64_t *rng)
{
    const double rate = p->sample_rate;
    const size_t hop = (size_t)p->hop;
    switch (k) {
    case P_EDGES:
    case P_LEN_PLUS1:
    case P_LEN_MINUS1:
        return 0.4 * uniform(rng);
    case P_SHORT:
        return 0.5 * uniform(rng);
    case P_LONG:
        return chirp(t % (n / 4), n / 4, rate, 0.3) + 0.1 * uniform(rng);
    case P_TONES:
    case P_TONES_BETWEEN: {
        double v = 0, off = k == P_TONES_BETWEEN ? 0.5 : 0;
        for (int i = 0; i < 12; i++) {
            double f = (tone_bin(i, (size_t)p->n_fft) + off) * rate / p->n_fft;
            if (f < rate / 2) v += 0.05 * cos(2 * M_PI * f * (double)t / rate + i);
        }
        return v;
    }
    case P_DC:
        return 0.25 + 0.2 * sin(2 * M_PI * 440.0 * (double)t / rate);
    case P_IMPULSES:
        return (t % (3 * hop) == 0 && t) ? 0.9 : (t == n / 2 + hop / 2 ? -0.7 : 0.0);
    case P_SILENCE:
        return t >= 2 * n / 5 && t < 7 * n / 10 ? 0.01 * sin(2 * M_PI * 1000.0 * (double)t / rate) : 0.0;
    case P_QUIET:
        return floor(2.5 * uniform(rng) + 0.5) / 32768.0 + 5e-4 * sin(2 * M_PI * 700.0 * (double)t / rate);
    case P_FULL: {
        double v = 1.6 * sin(2 * M_PI * 220.0 * (double)t / rate);
        return v > 1 ? 1 : v < -1 ? -1 : v;
    }
    case P_SMALL:
        return chirp(t, n, rate, 0.002);
    case P_LSB:
        return lsb_sample(t, hop, (size_t)p->frame_length) / 32768.0;
    default:
        return 0.3 * uniform(rng);
    }
}

int wmel_dg_probe_get(const wmel_frontend_plan *plan, int k, wmel_dg_probe *info, float *x)
{
    if (!plan || k < 0 || k >= N_PROBES || plan->hop < 1 || plan->sample_rate < 1 || plan->frame_length < 1 ||
        plan->n_fft < 2)
        return -1;
    size_t n = probe_len(k, (size_t)plan->sample_rate, (size_t)plan->hop, (size_t)plan->frame_length);
    if (info) {
        info->stem = PROBES[k].stem;
        info->what = PROBES[k].what;
        info->n = n;
    }
    if (x) {
        uint64_t rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)(k + 1) * 0xbf58476d1ce4e5b9ULL);
        for (size_t t = 0; t < n; t++) x[t] = q16(sample(k, t, n, plan, &rng));
    }
    return 0;
}
