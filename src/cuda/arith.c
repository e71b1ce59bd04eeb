/*
 * arith.c -- the arithmetic a CUDA ctx computes in, float64 or float-float, and the
 * float-float self-test a device passes before float-float runs there.
 *
 * The choice (wmel__cu_arith_pick, after backend.c's cuda_arith has read the environment
 * variable): params.cuda_arith FLOAT64 or FLOAT_FLOAT; else WMEL_CUDA_ARITHMETIC where set;
 * else, for Whisper's geometry, on a GPU the faster of the two there, timed once a process
 * per device (30 s of probe.c's fixed signal, a warm-up call of each, then the best of three
 * of each in turn: float-float where it takes at most 0.9 of float64's time, Vulkan's rule,
 * vulkan/arith_probe.c), float64 on a device that is no GPU (the CUDA emulator) unless the
 * tests ask for the timing through the test door; for another plan, backend.c's rule of the
 * compute capability.
 *
 * The self-test (wmel__cu_ffcheck_run): kernels.cu's k_ffcheck runs each float-float
 * primitive the kernels use (src/kernels/ff.h through arith_ff.cuh) on a table of cases
 * chosen to expose what breaks float-float (error terms that are all there is,
 * cancellations, values near 1 with tiny lo parts, both ends of the range, the split's
 * scaled path, pseudo-random operands); the host computes each exact value in long double,
 * and a primitive worse than 2^-44 relative (the log: of max(1, |log a|)) fails the device.
 * Kept per device for the process. A float-float asked for (the field, the variable) on a
 * device that fails is refused with the reason; AUTO keeps float64 there and says why.
 */
#define _POSIX_C_SOURCE 200809L
#include "../internal.h"
#include "cuda_internal.h"

#include <cuda_runtime_api.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FF_SHARE 0.9    /* float-float where it takes at most this share of float64's time */
#define FF_BAR_LOG2 -44 /* the self-test's bar, relative */
#define N_RANDOM 224
#define N_MAX 256

static const char *const g_prim[WMEL_CU_FF_NPRIM] = {"two-sum", "two-product", "add", "sub",
                                                      "mul",     "div",         "sqrt", "log"};

/* the test door's switches (testctl.c): the timing on a device that is no GPU (-1 the rule,
   0 never, 1 always), the self-test's broken primitive (0 none, 1 mul, 2 add) */
static atomic_int g_probe = -1, g_break = 0;

#ifdef WMEL_TEST_HOOKS
void wmel__cu_arith_test(int probe, int brk)
{
    atomic_store(&g_probe, probe);
    atomic_store(&g_break, brk);
}
#endif

/* ---------------------------------------------------------------- the self-test */

static void split(double v, float *p)
{
    p[0] = (float)v;
    p[1] = (float)(v - (double)p[0]);
}

static long double val(const float *p) { return (long double)p[0] + (long double)p[1]; }

/* The cases (a > 0 everywhere: sqrt and log take a), four floats each into c; their count. */
static int table(float *c)
{
    int n = 0;
#define PAIR(x, y) (split((x), c + 4 * n), split((y), c + 4 * n + 2), n++)
#define RAW(ah, al, bh, bl) (c[4 * n] = (ah), c[4 * n + 1] = (al), c[4 * n + 2] = (bh), c[4 * n + 3] = (bl), n++)
    const double u = ldexp(1.0, -23), t12 = ldexp(1.0, -12);
    RAW(1.0f, 0.0f, (float)ldexp(1.0, -30), 0.0f);                   /* two-sum: all in the error term */
    RAW((float)(1.0 + u), 0.0f, -1.0f, 0.0f);                         /* exact cancellation */
    RAW((float)(1.0 + t12), 0.0f, (float)(1.0 - t12), 0.0f);          /* product 1 - 2^-24 */
    RAW((float)(1.0 + u), 0.0f, (float)(1.0 + u), 0.0f);              /* product error 2^-46 */
    RAW(16777215.0f, 0.0f, 16777213.0f, 0.0f);                        /* full 24-bit mantissas */
    PAIR(1.0 + ldexp(1.0, -40), -(1.0 + ldexp(1.0, -45)));            /* float-float cancellation */
    RAW(1.0f, (float)ldexp(1.0, -30), 1.0f, (float)-ldexp(1.0, -35)); /* near 1, tiny lo parts */
    RAW(1.0f, (float)ldexp(1.0, -47), -1.0f, (float)ldexp(1.0, -46)); /* the lo parts are the sum */
    PAIR(3.14159265358979323846, 2.71828182845904523536);
    PAIR(ldexp(1.5 + ldexp(1.0, -22), 101), ldexp(1.3, -20));        /* the split's scaled path */
    PAIR(ldexp(1.25 + ldexp(1.0, -30), -90), 1.75 + ldexp(1.0, -33)); /* near the bottom of the range */
    PAIR(0.999999999999, 1.000000000001);
    PAIR(1e-10 * (1.0 + 1e-12), 4e5 * (1.0 - 1e-13));                /* the log guard, a power */
    unsigned long long r = 0x243f6a8885a308d3ull; /* 48-bit mantissas, a in 2^-40 .. 2^40 */
    for (int i = 0; i < N_RANDOM; i++) {
        double v[2];
        for (int k = 0; k < 2; k++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            v[k] = ldexp(1.0 + (double)(r >> 16) * ldexp(1.0, -48), (int)((r >> 8) % 81) - 40);
        }
        if (i % 2) v[1] = -v[1];
        if (i % 7 == 3) v[1] = -v[0] * (1.0 + ldexp((double)(r % 1000), -40)); /* near cancellation */
        PAIR(v[0], v[1]);
    }
#undef PAIR
#undef RAW
    return n;
}

/* Primitive k's error on case c against its exact value (long double). */
static double err_of(int k, const float *c, const float *got)
{
    const long double a = val(c), b = val(c + 2);
    long double x;
    switch (k) {
    case 0: x = (long double)c[0] + (long double)c[2]; break;
    case 1: x = (long double)c[0] * (long double)c[2]; break;
    case 2: x = a + b; break;
    case 3: x = a - b; break;
    case 4: x = a * b; break;
    case 5: x = a / b; break;
    case 6: x = sqrtl(a); break;
    default: x = logl(a); break;
    }
    const long double g = val(got);
    if (isnan((double)g)) return INFINITY;
    const long double d = fabsl(g - x);
    if (d == 0) return 0.0;
    long double s = fabsl(x);
    if (k == 7 && s < 1) s = 1; /* log: relative to max(1, |log a|) */
    return s > 0 ? (double)(d / s) : INFINITY;
}

/* a kept verdict's device: its ordinal and name (a key's bytes, zeroed first) */
typedef struct dev_key {
    int index;
    char name[96];
} dev_key;

static dev_key key_of(int index)
{
    dev_key k;
    memset(&k, 0, sizeof k);
    k.index = index;
    struct cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, index) == cudaSuccess) snprintf(k.name, sizeof k.name, "%.95s", prop.name);
    else cudaGetLastError();
    return k;
}

typedef struct ffcheck_key {
    dev_key dev;
    int brk;
} ffcheck_key;

/* The verdicts kept (a device that could not run the test keeps none: the next ctx tries again). */
#define N_KEPT 16
static struct {
    int used;
    ffcheck_key key;
    wmel_verdict v;
} g_kept[N_KEPT];
static pthread_mutex_t g_kept_lock = PTHREAD_MUTEX_INITIALIZER;

/* pick 1 passed, 2 failed (t[0] the worst error, t[1] its primitive), 3 could not run (t[1]
   the CUDA error, 0 no memory) */
static void ffcheck_measure(const ffcheck_key *key, wmel_verdict *v)
{
    float *c = malloc(sizeof(float) * 4 * N_MAX), *o = malloc(sizeof(float) * 2 * WMEL_CU_FF_NPRIM * N_MAX);
    v->pick = 3;
    int prev = 0;
    int e = c && o ? (int)cudaGetDevice(&prev) : -1;
    v->t[1] = e;
    if (e == cudaSuccess) {
        const int n = table(c);
        const int dev = key->dev.index;
        e = prev == dev ? cudaSuccess : (int)cudaSetDevice(dev);
        if (e == cudaSuccess) e = wmel__cu_ffcheck(c, o, n, key->brk);
        if (prev != dev) cudaSetDevice(prev);
        v->t[1] = e;
        if (e == cudaSuccess) {
            v->pick = 1;
            for (int i = 0; i < n; i++)
                for (int k = 0; k < WMEL_CU_FF_NPRIM; k++) {
                    const double err = err_of(k, c + 4 * i, o + 2 * (WMEL_CU_FF_NPRIM * i + k));
                    if (!(err <= v->t[0])) v->t[0] = err, v->t[1] = k;
                }
            if (!(v->t[0] <= ldexp(1.0, FF_BAR_LOG2))) v->pick = 2;
        }
    }
    cudaGetLastError();
    free(c);
    free(o);
}

int wmel__cu_ffcheck_run(int index, char *msg, size_t len)
{
    ffcheck_key key;
    memset(&key, 0, sizeof key);
    key.dev = key_of(index);
    key.brk = atomic_load(&g_break);
    wmel_verdict v;
    memset(&v, 0, sizeof v);
    if (pthread_mutex_lock(&g_kept_lock) != 0) {
        snprintf(msg, len, "the float-float self-test could not run on CUDA device %d (a lock failed)", index);
        return 0;
    }
    int at = -1;
    for (int i = 0; i < N_KEPT && at < 0; i++)
        if (g_kept[i].used && !memcmp(&g_kept[i].key, &key, sizeof key)) at = i;
    if (at >= 0) {
        v = g_kept[at].v;
    } else {
        ffcheck_measure(&key, &v);
        if (v.pick != 3) { /* a verdict: kept (the oldest's place once all are used) */
            static int next;
            at = next++ % N_KEPT;
            g_kept[at].used = 1;
            g_kept[at].key = key;
            g_kept[at].v = v;
        }
    }
    pthread_mutex_unlock(&g_kept_lock);
    const double e = v.t[0];
    const int k = (int)v.t[1];
    if (v.pick == 3) {
        snprintf(msg, len, "the float-float self-test could not run on %.60s (%s)", key.dev.name,
                 k > 0 ? cudaGetErrorName((cudaError_t)k) : "out of host memory");
        return 0;
    }
    snprintf(msg, len, "float-float self-test %s on %.60s%s: %s off by %.3g (2^%.1f, bar 2^%d)",
             v.pick == 1 ? "passed" : "failed", key.dev.name, key.brk ? " (broken on purpose)" : "",
             g_prim[k >= 0 && k < WMEL_CU_FF_NPRIM ? k : 0], e, e > 0 && isfinite(e) ? log2(e) : -INFINITY,
             FF_BAR_LOG2);
    return v.pick == 1;
}

/* ---------------------------------------------------------------- the timing */

/* the device's Whisper ctx in arithmetic a (WMEL_CUDA_ARITH_*), NULL when it cannot be made */
static wmel_ctx *probe_ctx(int index, int a)
{
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    p.cuda_device = index;
    p.cuda_arith = a;
    p.n_threads = 1;
    int st = 0;
    return wmel_create(&p, &st);
}

static void arith_measure(void *arg, wmel_verdict *v)
{
    const int index = *(const int *)arg;
    wmel_ctx *c[2] = {probe_ctx(index, WMEL_CUDA_ARITH_FLOAT64), probe_ctx(index, WMEL_CUDA_ARITH_FLOAT_FLOAT)};
    const char *const where[2] = {"cuda", "cuda"};
    wmel__probe_pair(c, where, v->t);
    v->pick = v->t[1] > 0.0 && (!(v->t[0] > 0.0) || v->t[1] <= FF_SHARE * v->t[0]) ? 2 : 1;
    for (int a = 0; a < 2; a++) wmel_destroy(c[a]);
}

/* 1 where AUTO times Whisper's geometry on the device: a GPU, or with the test door's switch */
static int timed_here(void)
{
#ifdef WMEL_CUDA_EMU
    const int gpu = 0; /* the emulator: a CPU device */
#else
    const int gpu = 1;
#endif
    const int probe = atomic_load(&g_probe);
    return probe == 1 || (probe == -1 && gpu);
}

/* Whisper's geometry with AUTO on device `index` (its float-float self-test passed): 1
 * float-float, 0 float64; the timing's sentence into note. */
static int whisper_auto(int index, char *note, size_t len)
{
    const dev_key key = key_of(index);
    wmel_verdict v;
    if (wmel__kept_get(WMEL__KEPT_CU_ARITH, &key, sizeof key, arith_measure, &index, &v) != 0) return 0;
    snprintf(note, len, "%s: timed on a 30 s clip: float64 %.3g ms, float-float %.3g ms (float-float at <= %.1f of float64's)",
             v.pick == 2 ? "float-float" : "float64", 1e3 * v.t[0], 1e3 * v.t[1], FF_SHARE);
    return v.pick == 2;
}

int wmel__cu_arith_pick(wmel_ctx *ctx, int whisper, int *ff)
{
    const int asked = ctx->params.cuda_arith, dev = ctx->params.cuda_device;
    const char *env = wmel__env(WMEL__CFG_CUDA_ARITHMETIC);
    const int by_env = asked == WMEL_CUDA_ARITH_AUTO && env && *env;
    char note[sizeof ctx->backend_note] = "", msg[sizeof ctx->backend_note];
    /* AUTO's planner flag: WMEL_AUTO_ESTIMATE (or WMEL_AUTO_PROBE=0) times nothing, the
       arithmetic included: backend.c's rule of the compute capability decides */
    const int timed = asked == WMEL_CUDA_ARITH_AUTO && !by_env && whisper && wmel__auto_probe_mode(&ctx->params) != 0;
    if (asked != WMEL_CUDA_ARITH_AUTO) *ff = asked == WMEL_CUDA_ARITH_FLOAT_FLOAT;
    else if (timed) *ff = timed_here(); /* the self-test first, then the timing */
    /* else: backend.c's rule (the variable, or the compute capability), already in *ff */
    if (*ff) {
        if (!wmel__cu_ffcheck_run(dev, msg, sizeof msg)) {
            if (asked != WMEL_CUDA_ARITH_AUTO || by_env) {
                char d[sizeof msg + 96];
                snprintf(d, sizeof d, "CUDA: %s; float-float asked for (%s): use float64 or the CPU backend", msg,
                         by_env ? "WMEL_CUDA_ARITHMETIC" : "params.cuda_arith");
                wmel__detail(d);
                return WMEL_ERR_BACKEND_UNAVAILABLE;
            }
            *ff = 0;
            snprintf(note, sizeof note, "float64: %.140s", msg);
        } else if (timed) {
            *ff = whisper_auto(dev, note, sizeof note);
        } else {
            snprintf(note, sizeof note, "float-float: %.140s", msg);
        }
    }
    if (note[0]) snprintf(ctx->backend_note, sizeof ctx->backend_note, "%s", note);
    return WMEL_OK;
}

int wmel__cu_arith_timed(int index, double t[2])
{
    const dev_key key = key_of(index);
    wmel_verdict v;
    if (wmel__kept_find(WMEL__KEPT_CU_ARITH, &key, sizeof key, &v) <= 0) return 0;
    t[0] = v.t[0];
    t[1] = v.t[1];
    return v.pick;
}
