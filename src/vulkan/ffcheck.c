/*
 * ffcheck.c -- the float-float self-test: before the first float-float ctx on a device,
 * shaders/ffcheck.comp (arith_ff.glsl built exactly as frames.comp's float-float variant,
 * with the same float controls) runs each primitive frames.comp uses on a table of cases
 * chosen to expose what breaks float-float (a compiler that contracts a * b + c into an
 * fma computed unfused, reassociates (a + b) - a into b, or flushes a lo part to zero):
 * two-sum and two-product cases whose error terms are all there is, cancellations, values
 * near 1 with tiny lo parts, both ends of the claimed range (2^-100 .. 2^100, the split's
 * scaled path above 2^100), and pseudo-random operands. The host computes each exact value
 * in long double and keeps each primitive's worst relative error; one worse than 2^-44
 * refuses float-float on that device (docs/vulkan-float-float.md). The verdict is kept per
 * device, driver build and testing switch for the process.
 */
#define _POSIX_C_SOURCE 200809L
#include "../internal.h"
#include "vk_internal.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const g_prim[VKW_FF_NPRIM] = {"two-sum", "two-product", "add", "sub",
                                                  "mul",     "div",         "sqrt", "log"};

const char *wmel__vk_ff_prim_name(int k) { return k >= 0 && k < VKW_FF_NPRIM ? g_prim[k] : "?"; }

#ifndef WMEL_HAVE_VULKAN_FF

int wmel__vk_ffcheck(const vkw_dev *d, int index, vkw_ffcheck *out)
{
    (void)index;
    if (out) memset(out, 0, sizeof *out);
    return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE,
                           "Vulkan: %s: this build has no float-float shaders (src/vulkan/shaders/arith_ff.glsl)",
                           d->name);
}

#else

extern const uint32_t wmel__spv_ffcheck[];
extern const size_t wmel__spv_ffcheck_words;

enum { N_RANDOM = 224, N_MAX = 320 };

typedef struct ff_case {
    float a[2], b[2]; /* hi, lo */
} ff_case;

/* v as a float-float pair: hi = (float)v, lo = (float)(v - hi) */
static void split(double v, float p[2])
{
    p[0] = (float)v;
    p[1] = (float)(v - (double)p[0]);
}

static long double val(const float p[2]) { return (long double)p[0] + (long double)p[1]; }

/* The table: n cases into c (a > 0 everywhere: sqrt and log take a); the last one is the
 * denormal probe (its two-sum is 2^-143), judged apart. */
static int table(ff_case *c)
{
    int n = 0;
#define PAIR(x, y) (split((x), c[n].a), split((y), c[n].b), n++)
#define RAW(ah, al, bh, bl) (c[n].a[0] = (ah), c[n].a[1] = (al), c[n].b[0] = (bh), c[n].b[1] = (bl), n++)
    const double u = ldexp(1.0, -23), t12 = ldexp(1.0, -12);
    RAW(1.0f, 0.0f, (float)ldexp(1.0, -30), 0.0f);                 /* two-sum: all in the error term */
    RAW((float)(1.0 + u), 0.0f, -1.0f, 0.0f);                       /* exact cancellation */
    RAW((float)(1.0 + t12), 0.0f, (float)(1.0 - t12), 0.0f);        /* product 1 - 2^-24: p = 1, e = -2^-24 */
    RAW((float)(1.0 + u), 0.0f, (float)(1.0 + u), 0.0f);            /* product error 2^-46 */
    RAW(4097.0f, 0.0f, 4095.0f, 0.0f);                              /* the split's constant */
    RAW(16777215.0f, 0.0f, 16777213.0f, 0.0f);                      /* full 24-bit mantissas */
    PAIR(1.0 + ldexp(1.0, -40), -(1.0 + ldexp(1.0, -45)));          /* float-float cancellation */
    PAIR(1.0 + ldexp(1.0, -30) + ldexp(1.0, -47), 1.0 - ldexp(1.0, -35));
    RAW(1.0f, (float)ldexp(1.0, -30), 1.0f, (float)-ldexp(1.0, -35)); /* near 1, tiny lo parts */
    RAW(1.0f, (float)ldexp(1.0, -47), -1.0f, (float)ldexp(1.0, -46)); /* the lo parts are the sum */
    PAIR(3.0, 1.0 / 3.0);
    PAIR(3.14159265358979323846, 2.71828182845904523536);
    PAIR(1.41421356237309504880, -1.41421356237309504880 * (1.0 - ldexp(1.0, -30)));
    PAIR(ldexp(1.0 + ldexp(1.0, -20), 60), ldexp(1.0 + ldexp(1.0, -21), -50));
    PAIR(ldexp(1.5 + ldexp(1.0, -22), 101), ldexp(1.3, -20));      /* the split's scaled path */
    PAIR(ldexp(1.25 + ldexp(1.0, -30), -90), 1.75 + ldexp(1.0, -33)); /* near the bottom of the range */
    PAIR(0.999999999999, 1.000000000001);
    PAIR(1.0 - ldexp(1.0, -24), 1.0 + ldexp(1.0, -24));
    PAIR(1e-6 * (1.0 + 1e-12), 7.0 * (1.0 - 1e-13));
    PAIR(6.02214076e17, 1.0 / 6.02214076e17);
    /* pseudo-random: 48-bit mantissas, a > 0 in 2^-40 .. 2^40, b of either sign */
    unsigned long long r = 0x243f6a8885a308d3ull;
    for (int i = 0; i < N_RANDOM; i++) {
        double v[2];
        for (int k = 0; k < 2; k++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            const double m = 1.0 + (double)(r >> 16) * ldexp(1.0, -48); /* [1, 2), 48 bits */
            const int e = (int)((r >> 8) % 81) - 40;
            v[k] = ldexp(m, e);
        }
        if (i % 2) v[1] = -v[1];
        if (i % 7 == 3) v[1] = -v[0] * (1.0 + ldexp((double)(r % 1000), -40)); /* near cancellation */
        PAIR(v[0], v[1]);
    }
    /* the denormal probe: (1 + 2^-23) 2^-120 - 2^-120 = 2^-143, a float32 denormal */
    RAW((float)ldexp(1.0 + u, -120), 0.0f, (float)-ldexp(1.0, -120), 0.0f);
#undef PAIR
#undef RAW
    return n;
}

/* Primitive k's exact value on case c (long double), and whether it is judged. */
static int exact(int k, const ff_case *c, long double *x)
{
    const long double a = val(c->a), b = val(c->b);
    switch (k) {
    case 0: *x = (long double)c->a[0] + (long double)c->b[0]; return 1;
    case 1: *x = (long double)c->a[0] * (long double)c->b[0]; return 1;
    case 2: *x = a + b; return 1;
    case 3: *x = a - b; return 1;
    case 4: *x = a * b; return 1;
    case 5: *x = a / b; return 1;
    case 6: *x = sqrtl(a); return 1;
    case 7: *x = logl(a); return 1;
    default: return 0;
    }
}

static double err_of(int k, const float got[2], long double x)
{
    const long double g = val(got);
    if (isnan((double)g)) return INFINITY;
    const long double d = fabsl(g - x);
    if (d == 0) return 0.0;
    long double s = fabsl(x);
    if (k == 7 && s < 1) s = 1; /* log: the front-end's measure, relative to max(1, |log a|) */
    return s > 0 ? (double)(d / s) : INFINITY;
}

/* The testing switch: the primitive to break (0 none, 1 mul, 2 add); -1 for a bad value. */
static int break_env(void)
{
    const char *env = wmel__test_env(WMEL__CFG_VULKAN_FFCHECK_BREAK);
    if (!env || !*env || !strcmp(env, "0")) return 0;
    if (!strcmp(env, "1") || !strcmp(env, "mul")) return 1;
    if (!strcmp(env, "2") || !strcmp(env, "add")) return 2;
    return -1;
}

typedef struct ff_kept {
    int used;
    vkw_dev dev;
    int brk, fc_off;
    int rc;
    vkw_ffcheck res;
    char msg[320];
} ff_kept;
#define N_KEPT 16
static ff_kept g_kept[N_KEPT];
static pthread_mutex_t g_kept_lock = PTHREAD_MUTEX_INITIALIZER;

static int same_key(const ff_kept *k, const vkw_dev *d, int brk, int fc_off)
{
    return k->used && wmel__vk_same_dev(&k->dev, d) && k->brk == brk && k->fc_off == fc_off;
}

/* The table through the primitives once (fma: the two-product by fma): each primitive's
 * worst error into worst[] (and its case into worst_case, may be NULL), the float
 * controls into *fc, and the denormal probe into *denormals_kept; 1 into *passed when
 * every primitive is within 2^-44. */
static int judge(int index, int brk, int fma, const ff_case *c, int n, float *o, double worst[VKW_FF_NPRIM],
                 int *worst_case, int *fc, int *denormals_kept, int *passed)
{
    memset(o, 0, sizeof(float) * 2 * VKW_FF_NPRIM * N_MAX);
    const int32_t spec[2] = {brk, fma};
    const int rc = wmel__vk_oneshot(index, wmel__spv_ffcheck, wmel__spv_ffcheck_words, spec, c, sizeof(ff_case) * (size_t)n, o,
                                    sizeof(float) * 2 * VKW_FF_NPRIM * (size_t)n, (uint32_t)n,
                                    (uint32_t)(n + 63) / 64, fc);
    if (rc != WMEL_OK) return rc;
    for (int k = 0; k < VKW_FF_NPRIM; k++) worst[k] = 0.0;
    for (int i = 0; i < n - 1; i++)
        for (int k = 0; k < VKW_FF_NPRIM; k++) {
            long double x;
            if (!exact(k, &c[i], &x)) continue;
            const double e = err_of(k, o + 2 * (VKW_FF_NPRIM * i + k), x);
            if (!(e <= worst[k])) {
                worst[k] = e;
                if (worst_case) worst_case[k] = i;
            }
        }
    /* the probe's two-sum: 2^-143 kept, or flushed to zero */
    *denormals_kept = (double)val(o + 2 * (VKW_FF_NPRIM * (n - 1))) == ldexp(1.0, -143);
    *passed = 1;
    for (int k = 0; k < VKW_FF_NPRIM; k++)
        if (!(worst[k] <= ldexp(1.0, VKW_FF_BAR_LOG2))) *passed = 0;
    return WMEL_OK;
}

/* Runs the self-test: WMEL_OK with the measurements in res (passed or not), or the
 * device's failure. Where the primitives pass, the table again with the two-product by
 * fma: res->fma_exact says whether every primitive passes that way too. */
static int run(int index, int brk, vkw_ffcheck *res)
{
    ff_case *c = malloc(sizeof(ff_case) * N_MAX);
    float *o = malloc(sizeof(float) * 2 * VKW_FF_NPRIM * N_MAX);
    if (!c || !o) {
        free(c);
        free(o);
        return WMEL_ERR_NO_MEMORY;
    }
    const int n = table(c);
    memset(res, 0, sizeof *res);
    res->broken = brk;
    res->cases = n - 1;
    res->fma_exact = -1;
    int rc = judge(index, brk, 0, c, n, o, res->worst, res->worst_case, &res->fc, &res->denormals_kept,
                   &res->passed);
    if (rc == WMEL_OK && res->passed) {
        int fc = 0, dk = 0, ok = 0;
        rc = judge(index, brk, 1, c, n, o, res->fma_worst, NULL, &fc, &dk, &ok);
        res->fma_exact = ok;
    }
    free(c);
    free(o);
    return rc;
}

/* The refusal's sentence for res into msg. */
static void refusal(const vkw_dev *d, const vkw_ffcheck *res, char *msg, size_t len)
{
    int k = 0;
    for (int i = 1; i < VKW_FF_NPRIM; i++)
        if (!(res->worst[i] <= res->worst[k])) k = i;
    const double e = res->worst[k];
    snprintf(msg, len,
             "Vulkan: %.60s fails the float-float self-test%s: %s off by %.3g relative (2^%.1f, bar 2^%d); "
             "use float64 (WMEL_VULKAN_ARITHMETIC) where it has it, or the CPU backend",
             d->name, res->broken ? " (WMEL_VULKAN_FFCHECK_BREAK)" : "", g_prim[k], e,
             e > 0 && isfinite(e) ? log2(e) : INFINITY, VKW_FF_BAR_LOG2);
}

int wmel__vk_ffcheck(const vkw_dev *d, int index, vkw_ffcheck *out)
{
    const int brk = break_env();
    if (brk < 0) {
        const char *bv = wmel__test_env(WMEL__CFG_VULKAN_FFCHECK_BREAK);
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE,
                               "Vulkan: WMEL_VULKAN_FFCHECK_BREAK is '%s'; it takes 0, mul (1) or add (2)",
                               bv ? bv : "");
    }
    const char *fenv = wmel__test_env(WMEL__CFG_VULKAN_FLOAT_CONTROLS);
    const int fc_off = fenv && !strcmp(fenv, "0");
    if (pthread_mutex_lock(&g_kept_lock) != 0) return WMEL_ERR_THREAD;
    ff_kept *k = NULL;
    for (int i = 0; i < N_KEPT && !k; i++)
        if (same_key(&g_kept[i], d, brk, fc_off)) k = &g_kept[i];
    int rc;
    vkw_ffcheck res;
    memset(&res, 0, sizeof res);
    char msg[320] = "";
    if (k) {
        rc = k->rc;
        res = k->res;
        snprintf(msg, sizeof msg, "%s", k->msg);
    } else {
        rc = run(index, brk, &res);
        if (rc == WMEL_OK && !res.passed) {
            refusal(d, &res, msg, sizeof msg);
            rc = WMEL_ERR_BACKEND_UNAVAILABLE;
        }
        if (rc == WMEL_OK || res.cases) { /* a verdict: kept (a device's failure is not) */
            for (int i = 0; i < N_KEPT && !k; i++)
                if (!g_kept[i].used) k = &g_kept[i];
            if (!k) k = &g_kept[N_KEPT - 1]; /* full: the last one's place */
            memset(k, 0, sizeof *k);
            k->used = 1;
            k->dev = *d;
            k->brk = brk;
            k->fc_off = fc_off;
            k->rc = rc;
            k->res = res;
            snprintf(k->msg, sizeof k->msg, "%s", msg);
        }
    }
    pthread_mutex_unlock(&g_kept_lock);
    if (out) {
        if (rc == WMEL_OK || msg[0]) *out = res;
        else memset(out, 0, sizeof *out);
    }
    if (msg[0]) return wmel__vk_detail(rc, "%s", msg);
    return rc;
}

#endif
