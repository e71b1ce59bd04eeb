/* test_gelu.c -- the vectorised exact-erf GELU (src/cpu/gelu_c.c, x86/gelu_*.c), every ISA level this
 * CPU runs, against gelu(x) = x * 0.5 erfc(-x / sqrt 2) in double (erfc, not 1 + erf, so
 * the reference keeps its relative accuracy in the negative tail):
 *   - a dense sweep of [-10, 10] (step 2^-20, 21M points): max abs error <= 1e-6 (the
 *     GELU's bound; float rounding alone is 4.8e-7 near |gelu| = 10);
 *   - every binade from the smallest denormal to 2^30, both signs, 256 points each, plus
 *     (-16, -10) and (10, 16) densely: relative error <= 6e-7 wherever |gelu| >= FLT_MIN
 *     (the bound is ~1e-6; the kernels are designed for ~3e-7) and abs error
 *     <= 6e-7 * FLT_MIN below it (results there are subnormal: ~2 units of 2^-149);
 *   - special values: NaN -> NaN, +inf -> +inf, -inf -> 0 (not NaN), +-0 -> +-0,
 *     +-FLT_MAX, x <= -16 -> 0;
 *   - lengths 0..70 at offsets 0..3 in exact-size buffers (ASan sees any access past the
 *     end), in place and out of place, equal to the element-wise result; nothing written
 *     past n;
 *   - wmel__gelu_pick honours WMEL_MAX_ISA.
 * For information it also prints the same errors for libm's 0.5f x (1 + erff(x / sqrt 2)),
 * the per-element form the stem used before. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "internal.h"
#include "stem/stem_internal.h"
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ABS_BOUND 1e-6 /* the GELU's bound; measured 3.8e-7 (0.8 ulp of gelu(4.89)) */
#define REL_BOUND 6e-7 /* the design is ~3e-7; measured 4.0e-7 (c), 3.4e-7 (FMA levels) */

static double gelu_d(double x) { return x * 0.5 * erfc(-x * 0.70710678118654752440); }

static void gelu_libm(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752440f));
}

typedef struct stats {
    double abs10, rel;  /* max abs on [-10, 10]; max rel where |ref| >= FLT_MIN */
    double abs_tiny;    /* max abs where |ref| < FLT_MIN */
    float at_abs, at_rel;
} stats;

static void account(stats *s, const float *x, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double r = gelu_d(x[i]), e = fabs((double)y[i] - r);
        if (isnan(e)) e = INFINITY;
        if (fabs(x[i]) <= 10.0 && e > s->abs10) {
            s->abs10 = e;
            s->at_abs = x[i];
        }
        if (fabs(r) >= FLT_MIN) {
            if (e / fabs(r) > s->rel) {
                s->rel = e / fabs(r);
                s->at_rel = x[i];
            }
        } else if (e > s->abs_tiny) {
            s->abs_tiny = e;
        }
    }
}

enum { CHUNK = 4096 };

static void run_points(wmel_gelu_fn fn, stats *s, float *x, size_t n)
{
    float y[CHUNK];
    fn(x, y, n);
    account(s, x, y, n);
}

static stats sweep(wmel_gelu_fn fn)
{
    stats s = {0, 0, 0, 0, 0};
    float x[CHUNK];
    size_t m = 0;
#define PUSH(v)                                  \
    do {                                         \
        x[m++] = (v);                            \
        if (m == CHUNK) {                        \
            run_points(fn, &s, x, m);            \
            m = 0;                               \
        }                                        \
    } while (0)
    for (long i = -(10L << 20); i <= 10L << 20; i++) PUSH((float)ldexp((double)i, -20));
    for (int e = -149; e < 30; e++)
        for (int j = 0; j < 256; j++) {
            float v = (float)ldexp(1.0 + j / 256.0, e);
            PUSH(v);
            PUSH(-v);
        }
    for (long i = 0; i <= 6L << 16; i++) {
        PUSH((float)(-10.0 - ldexp((double)i, -16)));
        PUSH((float)(10.0 + ldexp((double)i, -16)));
    }
    if (m) run_points(fn, &s, x, m);
#undef PUSH
    return s;
}

static void specials(const wmel_gelu_kernel *k)
{
    const float in[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, FLT_MAX, -FLT_MAX,
                        -16.0f, -17.5f, -1e30f, 16.0f, 1e30f, FLT_MIN, -FLT_MIN,
                        1e-45f, -1e-45f};
    enum { N = sizeof in / sizeof in[0] };
    float out[N];
    k->fn(in, out, N);
    CHECK(isnan(out[0]) && isnan(out[1]), "%s: NaN -> %g, %g", k->name, out[0], out[1]);
    CHECK(out[2] == INFINITY, "%s: +inf -> %g", k->name, out[2]);
    CHECK(out[3] == 0.0f, "%s: -inf -> %g", k->name, out[3]);
    CHECK(out[4] == 0.0f && !signbit(out[4]), "%s: +0 -> %g", k->name, out[4]);
    CHECK(out[5] == 0.0f && signbit(out[5]), "%s: -0 -> %g", k->name, out[5]);
    CHECK(out[6] == FLT_MAX, "%s: FLT_MAX -> %g", k->name, out[6]);
    CHECK(out[7] == 0.0f, "%s: -FLT_MAX -> %g", k->name, out[7]);
    CHECK(out[8] == 0.0f && out[9] == 0.0f && out[10] == 0.0f, "%s: x <= -16 -> %g %g %g",
          k->name, out[8], out[9], out[10]);
    CHECK(out[11] == 16.0f && out[12] == 1e30f, "%s: large x -> %g %g", k->name, out[11], out[12]);
    CHECK(fabs(out[13] - 0.5 * FLT_MIN) <= 1e-6 * FLT_MIN && fabs(out[14] + 0.5 * FLT_MIN) <= 1e-6 * FLT_MIN,
          "%s: FLT_MIN -> %g %g", k->name, out[13], out[14]);
    CHECK(fabsf(out[15]) <= 1e-45f && fabsf(out[16]) <= 1e-45f, "%s: denorm min -> %g %g",
          k->name, out[15], out[16]);
}

static void lengths(const wmel_gelu_kernel *k)
{
    float full[80], ref[80];
    for (int i = 0; i < 80; i++) full[i] = (float)(i - 40) * 0.37f + (i % 3 ? 0.0f : 0.011f);
    full[7] = NAN;
    full[13] = -INFINITY;
    for (int i = 0; i < 80; i++) k->fn(&full[i], &ref[i], 1);
    for (size_t off = 0; off < 4; off++)
        for (size_t n = 0; n <= 70; n++) {
            float *x = malloc(n ? n * sizeof(float) : 1), *y = malloc((n + 1) * sizeof(float));
            memcpy(x, full + off, n * sizeof(float));
            y[n] = 1234.5f;
            k->fn(x, y, n);
            int ok = y[n] == 1234.5f;
            for (size_t i = 0; i < n; i++)
                ok &= memcmp(&y[i], &ref[off + i], sizeof(float)) == 0;
            k->fn(x, x, n); /* in place */
            for (size_t i = 0; i < n; i++)
                ok &= memcmp(&x[i], &ref[off + i], sizeof(float)) == 0;
            CHECK(ok, "%s: length %zu offset %zu differs from element-wise", k->name, n, off);
            free(x);
            free(y);
        }
}

static void report(const char *name, const stats *s)
{
    printf("%-12s max abs %.3g (x = %.9g) on [-10, 10]; max rel %.3g (x = %.9g); "
           "below FLT_MIN max abs %.3g\n",
           name, s->abs10, s->at_abs, s->rel, s->at_rel, s->abs_tiny);
}

int main(void)
{
    int isa = wmel__cpu_isa();
    const wmel_gelu_kernel *ks[3] = {wmel__gelu_kernel_c(),
                                     isa >= WMEL_ISA_AVX2 ? wmel__gelu_kernel_avx2() : NULL,
                                     isa >= WMEL_ISA_AVX512 ? wmel__gelu_kernel_avx512() : NULL};
    int tested = 0;
    for (int i = 0; i < 3; i++) {
        if (!ks[i]) continue;
        tested++;
        stats s = sweep(ks[i]->fn);
        report(ks[i]->name, &s);
        CHECK(s.abs10 <= ABS_BOUND, "%s: max abs %g at x = %.9g", ks[i]->name, s.abs10, s.at_abs);
        CHECK(s.rel <= REL_BOUND, "%s: max rel %g at x = %.9g", ks[i]->name, s.rel, s.at_rel);
        CHECK(s.abs_tiny <= REL_BOUND * FLT_MIN, "%s: below FLT_MIN abs %g", ks[i]->name, s.abs_tiny);
        specials(ks[i]);
        lengths(ks[i]);
    }
    printf("kernels tested: %d (CPU level %d)\n", tested, isa);
    stats s = sweep(gelu_libm);
    report("libm erff", &s);

    t_setenv("WMEL_MAX_ISA", "c", 1);
    CHECK(!strcmp(wmel__gelu_pick()->name, "gelu-c"), "WMEL_MAX_ISA=c picks %s", wmel__gelu_pick()->name);
    t_setenv("WMEL_MAX_ISA", "avx2", 1);
    CHECK(strcmp(wmel__gelu_pick()->name, "gelu-avx512") != 0, "WMEL_MAX_ISA=avx2 picks %s",
          wmel__gelu_pick()->name);
    t_unsetenv("WMEL_MAX_ISA");
    const wmel_gelu_kernel *best = ks[2] ? ks[2] : ks[1] ? ks[1] : ks[0];
    CHECK(wmel__gelu_pick() == best, "default pick %s, expected %s", wmel__gelu_pick()->name, best->name);
    return t_done("test_gelu");
}
