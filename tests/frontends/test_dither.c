/*
 * test_dither.c -- the plan's dither and windowed log energy (wmel.h: dither, dither_seed,
 * energy_windowed). The CPU paths against the float64 reference, the stream and the
 * sliding buffer are test_plan_caps.c's (its dither cases); here:
 *   - wmel_dither_gauss is the generator wmel.h documents (splitmix64's counters rebuilt here
 *     from the text; Box-Muller in long double: within 4 ulp; its own log and cos and their
 *     bits are test_noise.c's);
 *   - the reference's framed samples of silence are exactly dither * that generator at the
 *     absolute frame index (a span that starts late too), and their statistics: mean 0 and
 *     standard deviation d within 5 standard errors, frame-to-frame and sample-to-sample
 *     correlations within 5 / sqrt(N);
 *   - dither 0 ignores the seed (bit for bit); one seed gives the same bits on 1 and 3
 *     threads, another seed other bits;
 *   - the noise read from a caller's table (wmel__ctx_noise_table: diagnose's) gives the same
 *     bits, the frames past the table computing theirs;
 *   - wmel_long_* (the long-input path, through the stream) equals wmel_features bit for bit;
 *   - the windowed energy column is ln(sum of the reference's windowed samples squared),
 *     and the CPU's within 2e-5 of it;
 *   - wmel_plan_check / wmel_plan_set refuse what they should, with a sentence.
 */
#include "testutil.h"
#include "noise_table.h" /* wmel__ctx_noise_table */

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t sm64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* wmel.h's text, written again, in long double (the quarter of the turn taken out exactly) */
static long double doc_gauss(uint32_t seed, uint64_t t, uint32_t j)
{
    const uint64_t k = sm64(sm64(seed) ^ t), a = sm64(k ^ (2 * (uint64_t)j)), b = sm64(k ^ (2 * (uint64_t)j + 1)) >> 11;
    const uint64_t n = (b + (1ull << 50)) >> 51;
    const long double th = 6.283185307179586476925286766559005768L * (((long double)b - (long double)(n << 51)) * 0x1p-53L);
    const long double c = (n & 3) == 0 ? cosl(th) : (n & 3) == 1 ? -sinl(th) : (n & 3) == 2 ? -cosl(th) : sinl(th);
    return sqrtl(-2.0L * logl((long double)((a >> 11) + 1) * 0x1p-53L)) * c;
}

/* A ctx with the best ISA level. */
static wmel_ctx *ctx_for(const wmel_frontend_plan *pl, int backend, int threads, int *st)
{
    return t_ctx_plan(pl, backend, WMEL_ISA_AUTO, threads, st);
}

/* wmel_features into a fresh buffer (*len values); NULL on failure. */
static float *features(wmel_ctx *ctx, const float *x, size_t n, size_t *len)
{
    size_t r = 0, c = 0;
    if (!ctx || wmel_features_shape(ctx, n, &r, &c) != WMEL_OK) return NULL;
    float *o = malloc(r * c * sizeof(float) + 1);
    if (o && wmel_features(ctx, x, n, o, r * c) != WMEL_OK) {
        free(o);
        return NULL;
    }
    *len = r * c;
    return o;
}

/* The noise read from a caller's table (wmel__ctx_noise_table, diagnose's): the same bits as
   computed (want, lw values), with a table for every frame and for the first half only (the
   rest computed); a table of another seed, too short a row, or a plan without dither not taken. */
static void noise_table(const wmel_frontend_plan *p, const float *x, size_t n, const float *want, size_t lw)
{
    int st = 0;
    const int fl = p->frame_length, len = fl + 3;
    const size_t T = n / (size_t)p->hop + 8;
    double *tab = malloc(T * (size_t)len * sizeof *tab);
    CHECK(tab != NULL, "table");
    if (!tab || !want) return;
    for (size_t t = 0; t < T; t++)
        for (int j = 0; j < len; j++) tab[t * (size_t)len + (size_t)j] = wmel_dither_gauss(p->dither_seed, t, j);
    for (int half = 0; half < 2; half++) {
        wmel_ctx *ct = ctx_for(p, WMEL_BACKEND_CPU, 3, &st);
        CHECK(ct && wmel__ctx_noise_table(ct, tab, half ? T / 2 : T, len, p->dither_seed) == 1, "table taken");
        size_t le = 0;
        float *e = features(ct, x, n, &le);
        CHECK(e && le == lw && !memcmp(e, want, lw * sizeof(float)), "noise from a table (%s): not the same bits",
              half ? "half the frames" : "every frame");
        free(e);
        CHECK(wmel__ctx_noise_table(ct, tab, T, len, p->dither_seed + 1) == 0, "a table of another seed taken");
        CHECK(wmel__ctx_noise_table(ct, tab, T, fl - 1, p->dither_seed) == 0, "a table of short rows taken");
        wmel_destroy(ct);
    }
    wmel_frontend_plan q = *p;
    q.dither = 0.0;
    wmel_ctx *c0 = ctx_for(&q, WMEL_BACKEND_CPU, 1, &st);
    CHECK(c0 && wmel__ctx_noise_table(c0, tab, T, len, p->dither_seed) == 0, "a table taken without dither");
    wmel_destroy(c0);
    free(tab);
    printf("  the noise from a caller's table (every frame, half of them): the same bits\n");
}

/* wmel_dither_gauss against wmel.h's formula in long double */
static void generator(void)
{
    for (int i = 0; i < 2000; i++) {
        const int seed = i % 3 == 0 ? -1 - i : i * 7919;
        const unsigned long long t = (unsigned long long)i * 1000003ull;
        const int j = i % 512;
        const double g = wmel_dither_gauss(seed, t, j);
        const long double w = doc_gauss((uint32_t)seed, t, (uint32_t)j);
        CHECK(fabsl((long double)g - w) <= 4 * ldexp(1.0, ilogb((double)w) - 52),
              "wmel_dither_gauss(%d, %llu, %d) = %.17g is not wmel.h's formula (%.17Lg) within 4 ulp", seed, t, j, g, w);
    }
}

/* The reference's framed samples of silence (zero, n samples): the noise itself, and its
   statistics; the log energy of silence */
static void silence(const float *zero, size_t n)
{
    int st = 0;
    wmel_frontend_plan p;
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 23, &p);
    p.dither = 2.5, p.dither_seed = 42;
    const size_t fl = 400;
    const size_t nf = 1 + (n - fl) / 160, first = 17;
    const wmel_stage_span span = {first, nf - first, 1};
    double *sig = malloc(sizeof(double) * span.n_frames * fl);
    wmel_plan_stage_out so = {0};
    so.signal = sig;
    CHECK(wmel_ref_plan_stages(&p, zero, n, &span, &so) == WMEL_OK, "stages");
    size_t exact = 0;
    double s1 = 0.0, s2 = 0.0, cf = 0.0, cs = 0.0;
    for (size_t b = 0; b < span.n_frames; b++)
        for (size_t j = 0; j < fl; j++) {
            const double v = sig[b * fl + j];
            exact += v == 2.5 * wmel_dither_gauss(42, first + b, (int)j);
            s1 += v;
            s2 += v * v;
            if (b + 1 < span.n_frames) cf += v * sig[(b + 1) * fl + j];
            if (j + 1 < fl) cs += v * sig[b * fl + j + 1];
        }
    const double N = (double)(span.n_frames * fl), mean = s1 / N, sd = sqrt(s2 / N - mean * mean);
    const double rf = cf / (double)((span.n_frames - 1) * fl) / (sd * sd), rs = cs / (double)(span.n_frames * (fl - 1)) / (sd * sd);
    CHECK(exact == span.n_frames * fl, "%zu of %zu framed samples are not dither x wmel_dither_gauss(seed, t, j)", exact,
          span.n_frames * fl);
    CHECK(fabs(mean) < 5 * 2.5 / sqrt(N), "noise mean %.4g (bound %.4g)", mean, 5 * 2.5 / sqrt(N));
    CHECK(fabs(sd / 2.5 - 1.0) < 5 / sqrt(2 * N), "noise std %.5g, expected 2.5 within %.3g", sd, 2.5 * 5 / sqrt(2 * N));
    CHECK(fabs(rf) < 5 / sqrt(N) && fabs(rs) < 5 / sqrt(N), "correlations frame-to-frame %.3g, sample-to-sample %.3g (bound %.3g)",
          rf, rs, 5 / sqrt(N));
    printf("  noise over %.0f samples: mean %.3g, std %.5f (d 2.5), corr frame %.3g, sample %.3g (bound %.3g)\n", N, mean, sd, rf,
           rs, 5 / sqrt(N));
    /* the log energy of silence with remove_dc, pre-emphasis 0 and a rectangular window: ln(sum noise^2)
       ~ ln(fl d^2) (chi-square with fl - 1 degrees of freedom after DC removal) */
    wmel_frontend_plan q = p;
    q.use_energy = 1, q.energy_windowed = 1, q.preemph = 0, q.window = WMEL_WINDOW_RECT;
    wmel_ctx *ctx = ctx_for(&q, WMEL_BACKEND_CPU, 2, &st);
    size_t len = 0;
    float *o = features(ctx, zero, n, &len);
    CHECK(o && len == nf * 24, "energy features");
    double em = 0.0;
    for (size_t t = 0; o && t < nf; t++) em += exp(o[t * 24]);
    em /= (double)nf;
    const double expect = (double)(fl - 1) * 2.5 * 2.5, se = expect * sqrt(2.0 / (fl - 1)) / sqrt((double)nf);
    CHECK(fabs(em - expect) < 5 * se, "mean frame energy of the noise %.5g, expected %.5g within %.3g", em, expect, 5 * se);
    printf("  frame energy of silence: mean %.5g, expected (fl - 1) d^2 = %.5g (5 se %.3g)\n", em, expect, 5 * se);
    free(o), free(sig);
    wmel_destroy(ctx);
}

/* Dither 0 ignores the seed; one seed, one result on any thread count; another seed, another;
   the noise from a table; the long-input path (the stream underneath) equals wmel_features */
static void seeds_and_threads(const float *x, size_t n)
{
    wmel_frontend_plan p, q;
    int st = 0;
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &p);
    q = p;
    q.dither_seed = 99;
    size_t la = 0, lb = 0, lc = 0, ld = 0;
    wmel_ctx *ca = ctx_for(&p, WMEL_BACKEND_CPU, 1, &st), *cb = ctx_for(&q, WMEL_BACKEND_CPU, 3, &st);
    float *a = features(ca, x, n, &la), *b = features(cb, x, n, &lb);
    CHECK(a && b && la == lb && !memcmp(a, b, la * sizeof(float)), "dither 0: the seed changes nothing");
    wmel_destroy(ca), wmel_destroy(cb);
    free(b);
    p.dither = 1.0, p.dither_seed = 5;
    q = p;
    q.dither_seed = 6;
    ca = ctx_for(&p, WMEL_BACKEND_CPU, 1, &st), cb = ctx_for(&p, WMEL_BACKEND_CPU, 3, &st);
    wmel_ctx *cc = ctx_for(&q, WMEL_BACKEND_CPU, 3, &st);
    b = features(ca, x, n, &lb);
    float *c = features(cb, x, n, &lc), *d = features(cc, x, n, &ld);
    CHECK(b && c && lb == lc && !memcmp(b, c, lb * sizeof(float)), "dither: 1 and 3 threads give the same bits");
    noise_table(&p, x, n, b, lb);
    size_t diff = 0, diff0 = 0;
    double dm = 0.0;
    for (size_t i = 0; b && d && i < lb; i++) {
        diff += b[i] != d[i];
        diff0 += b[i] != a[i];
        dm += (double)b[i] - a[i];
    }
    CHECK(d && diff > lb / 2, "another seed changes %zu of %zu values", diff, lb);
    CHECK(diff0 > lb / 2 && fabs(dm / (double)lb) < 0.01, "dither 1 on a chirp: %zu values changed, mean change %.3g", diff0,
          dm / (double)lb);
    printf("  kaldi dither 1 vs 0 on a chirp: %zu of %zu values differ, mean difference %.3g\n", diff0, lb, dm / (double)lb);

    /* the long-input path (the stream underneath) equals wmel_features */
    wmel_long *l = wmel_long_create(cb, 1 << 16, &st);
    CHECK(l && st == WMEL_OK, "long create %d", st);
    for (size_t pos = 0; l && pos < n; pos += 7001) wmel_long_push(l, x + pos, n - pos < 7001 ? n - pos : 7001);
    CHECK(l && wmel_long_finish(l) == WMEL_OK, "long finish");
    t_sink sk = {malloc((lc + 1) * sizeof(float)), 0, lc};
    CHECK(l && wmel_long_write(l, t_sink_take, &sk) == WMEL_OK && sk.n == lc && c && !memcmp(sk.v, c, lc * sizeof(float)),
          "wmel_long_* with dither equals wmel_features bit for bit");
    free(sk.v);
    wmel_long_destroy(l);
    wmel_destroy(ca), wmel_destroy(cb), wmel_destroy(cc);
    free(a), free(b), free(c), free(d);
}

/* The windowed energy: ln(sum windowed^2) of the reference's stages, the CPU within 2e-5 */
static void windowed_energy(const float *x, size_t n)
{
    wmel_frontend_plan p;
    int st = 0;
    const size_t fl = 400;
    size_t len = 0;
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 40, &p);
    p.use_energy = 1, p.energy_windowed = 1, p.dither = 0.75, p.dither_seed = 3;
    const size_t nf2 = 1 + (n - fl) / 160;
    const wmel_stage_span all = {0, nf2, 1};
    double *win = malloc(sizeof(double) * nf2 * fl), *lm = malloc(sizeof(double) * nf2 * 41);
    wmel_plan_stage_out so2 = {0};
    so2.windowed = win, so2.logmel = lm;
    CHECK(wmel_ref_plan_stages(&p, x, n, &all, &so2) == WMEL_OK, "stages (windowed energy)");
    wmel_ctx *ctx = ctx_for(&p, WMEL_BACKEND_CPU, 2, &st);
    float *o = features(ctx, x, n, &len);
    double eo = 0.0, ec = 0.0;
    for (size_t t = 0; o && t < nf2; t++) {
        double e = 0.0;
        for (size_t j = 0; j < fl; j++) e += win[t * fl + j] * win[t * fl + j];
        e = log(fmax(e, FLT_EPSILON));
        eo = fmax(eo, fabs(e - lm[t]) / fmax(1.0, fabs(e)));
        ec = fmax(ec, fabs(e - o[t * 41]) / fmax(1.0, fabs(e)));
    }
    CHECK(o && eo < 1e-12 && ec < 2e-5, "windowed energy: reference %.3g, cpu %.3g from ln(sum windowed^2)", eo, ec);
    printf("  windowed energy vs ln(sum windowed^2): reference %.3g, cpu %.3g\n", eo, ec);
    free(o), free(win), free(lm);
    wmel_destroy(ctx);
}

/* What wmel_plan_check and wmel_plan_set refuse */
static void refusals(void)
{
    char msg[400];
    wmel_frontend_plan p, q;
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &p);
    q = p, q.dither = -1;
    CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "dither"), "dither -1: %s", msg);
    q = p, q.dither = NAN;
    CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "dither"), "dither NaN: %s", msg);
    q = p, q.energy_windowed = 1;
    CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "use_energy"),
          "energy_windowed without use_energy: %s", msg);
    q = p, q.energy_windowed = 2, q.use_energy = 1;
    CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "energy_windowed"), "energy_windowed 2: %s",
          msg);
    q = p;
    CHECK(wmel_plan_set(&q, "dither", "3e-5", msg, sizeof msg) == WMEL_OK && q.dither == 3e-5, "set dither");
    CHECK(wmel_plan_set(&q, "dither_seed", "4294967295", msg, sizeof msg) == WMEL_OK && q.dither_seed == -1, "set seed");
    CHECK(wmel_plan_set(&q, "dither_seed", "4294967296", msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "dither_seed"),
          "seed 2^32: %s", msg);
    CHECK(wmel_plan_set(&q, "dither", "-0.5", msg, sizeof msg) == WMEL_ERR_INVALID_ARG && q.dither == 3e-5, "dither -0.5: %s", msg);
    CHECK(wmel_plan_set(&q, "raw_energy", "0", msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "use_energy"),
          "raw_energy 0 without use_energy: %s", msg);
    CHECK(wmel_plan_set(&q, "use_energy", "1", msg, sizeof msg) == WMEL_OK &&
              wmel_plan_set(&q, "raw_energy", "false", msg, sizeof msg) == WMEL_OK && q.energy_windowed == 1 &&
              wmel_plan_check(&q, msg, sizeof msg) == WMEL_OK,
          "raw_energy false: %s", msg);
}

int main(void)
{
    const size_t n = 16000 * 4;
    float *zero = calloc(n, sizeof(float)), *x = malloc(n * sizeof(float));
    CHECK(zero && x, "memory");
    if (!zero || !x) return t_done("test_dither");
    t_chirp(x, n, 3);
    generator();
    silence(zero, n);
    seeds_and_threads(x, n);
    windowed_energy(x, n);
    refusals();
    free(x), free(zero);
    return t_done("test_dither");
}
