/*
 * arith_probe.c -- the arithmetic a Vulkan ctx takes when none is asked for, on a device
 * that can run both: float64 unless float-float is measurably faster there. GPUs differ by
 * a factor of 32 in their float64 rate against float32 (data-centre cards 1/2, consumer
 * cards 1/16 to 1/64), and no Vulkan query says which; so the first such ctx on a device
 * times both arithmetics on Whisper's geometry (30 s of a fixed signal, three calls of
 * each in turn after one of each to warm up, the best of each kept) and the answer is kept
 * for the process, per device. Both arithmetics are held to the same bar, so the choice is
 * one of speed only.
 *
 * Measured on GPUs; a CPU device (lavapipe) takes float64 without timing (its float64 is
 * native), unless WMEL_VULKAN_ARITH_PROBE=1 asks for the measurement there too (a testing
 * switch); WMEL_VULKAN_ARITH_PROBE=0 never measures (float64 wherever the device has it).
 * WMEL_VULKAN_ARITHMETIC and params.vulkan_arith choose without measuring.
 */
#define _POSIX_C_SOURCE 200809L
#include "../internal.h"
#include "vk_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef WMEL_HAVE_VULKAN_FF
#define HAVE_FF 1
#else
#define HAVE_FF 0
#endif

/* float-float when it takes at most this share of float64's time */
#define FF_SHARE 0.9

int wmel__vk_arith_pick(double t_f64, double t_ff)
{
    if (!(t_ff > 0.0) || !(t_f64 > 0.0)) return t_f64 > 0.0 ? VKW_ARITH_F64 : t_ff > 0.0 ? VKW_ARITH_FF : 0;
    return t_ff <= FF_SHARE * t_f64 ? VKW_ARITH_FF : VKW_ARITH_F64;
}

typedef struct probe_kept {
    int used;
    vkw_dev dev;
    vkw_arith_probe res;
} probe_kept;
#define N_KEPT 16
static probe_kept g_kept[N_KEPT];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_runs; /* probes run in this process (for the tests) */

static int same_dev(const probe_kept *k, const vkw_dev *d) { return k->used && wmel__vk_same_dev(&k->dev, d); }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define PROBE_N 480000 /* 30 s at 16 kHz: Whisper's 3,000 frames */

/* Whisper's geometry on device `index` in `arith`; NULL when the ctx cannot be made or
 * does not run on the device (float-float refused by its self-test). */
static wmel_ctx *probe_ctx(int index, int arith)
{
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_device = index + 1;
    p.vulkan_arith = arith == VKW_ARITH_FF ? WMEL_VULKAN_ARITH_FLOAT_FLOAT : WMEL_VULKAN_ARITH_FLOAT64;
    p.n_threads = 1;
    int st = 0;
    wmel_ctx *c = wmel_create(&p, &st);
    if (c && strncmp(wmel_kernel_name(c), "vulkan-", 7) != 0) { /* the CPU's frames: not a candidate */
        wmel_destroy(c);
        c = NULL;
    }
    return c;
}

/* Times both arithmetics; res->t_f64 / t_ff 0 for one that could not run. */
static void measure(int index, vkw_arith_probe *res)
{
    float *x = malloc(PROBE_N * sizeof *x);
    const size_t nf = wmel_n_frames(PROBE_N, 0), total = (size_t)128 * nf; /* the most mels a default ctx has */
    float *out = malloc(total * sizeof *out);
    wmel_ctx *c[2] = {NULL, NULL};
    const int ar[2] = {VKW_ARITH_F64, VKW_ARITH_FF};
    double best[2] = {HUGE_VAL, HUGE_VAL};
    if (x && out) {
        /* two tones and a little noise (a fixed generator): a clip's ordinary work */
        unsigned s = 12345u;
        for (size_t i = 0; i < PROBE_N; i++) {
            s = s * 1664525u + 1013904223u;
            const double t = (double)i / 16000.0;
            x[i] = (float)(0.3 * sin(6.283185307179586 * 440.0 * t) + 0.2 * sin(6.283185307179586 * 1234.5 * t) +
                           1e-3 * ((double)(s >> 8) / 16777216.0 - 0.5));
        }
        for (int a = 0; a < 2; a++) c[a] = (a == 0 || HAVE_FF) ? probe_ctx(index, ar[a]) : NULL;
        for (int rep = 0; rep < 4; rep++)
            for (int a = 0; a < 2; a++) {
                if (!c[a]) continue;
                const double t0 = now_s();
                const int rc = wmel_log_mel(c[a], x, PROBE_N, 0, out, total);
                const double t = now_s() - t0;
                if (rc != WMEL_OK || strcmp(wmel_op_backend(c[a], WMEL_OP_LOG_MEL), "vulkan") != 0) {
                    wmel_destroy(c[a]); /* it did not run on the device: not a candidate */
                    c[a] = NULL;
                    best[a] = HUGE_VAL;
                    continue;
                }
                if (rep > 0 && t < best[a]) best[a] = t; /* the first: the warm-up */
            }
    }
    res->t_f64 = c[0] ? best[0] : 0.0;
    res->t_ff = c[1] ? best[1] : 0.0;
    for (int a = 0; a < 2; a++) wmel_destroy(c[a]);
    free(x);
    free(out);
}

static int probe_env(void)
{
    const char *env = getenv("WMEL_VULKAN_ARITH_PROBE");
    if (!env || !*env) return -1;
    if (!strcmp(env, "0")) return 0;
    if (!strcmp(env, "1")) return 1;
    return -2;
}

int wmel__vk_arith_auto(const vkw_dev *d, int index, int asked)
{
    const char *aenv = getenv("WMEL_VULKAN_ARITHMETIC");
    const int pe = probe_env();
    if (pe == -2) {
        wmel__vk_detail(WMEL_ERR_INVALID_ARG, "WMEL_VULKAN_ARITH_PROBE=%s: expected 0 or 1",
                        getenv("WMEL_VULKAN_ARITH_PROBE"));
        return 0;
    }
    /* VkPhysicalDeviceType: 1 integrated, 2 discrete, 3 virtual GPU (4 CPU) */
    const int gpu = d->type >= 1 && d->type <= 3;
    const int timed = asked == 0 && !(aenv && *aenv) && d->f64 && HAVE_FF && (pe == 1 || (pe == -1 && gpu));
    if (!timed) return wmel__vk_arith(d, asked);
    if (pthread_mutex_lock(&g_lock) != 0) return wmel__vk_arith(d, asked);
    probe_kept *k = NULL;
    for (int i = 0; i < N_KEPT && !k; i++)
        if (same_dev(&g_kept[i], d)) k = &g_kept[i];
    if (!k) {
        vkw_arith_probe res;
        memset(&res, 0, sizeof res);
        measure(index, &res);
        res.arith = wmel__vk_arith_pick(res.t_f64, res.t_ff);
        k = &g_kept[g_runs++ % N_KEPT]; /* in turn: the oldest's place once all are used */
        k->used = 1;
        k->dev = *d;
        k->res = res;
    }
    const int arith = k->res.arith;
    pthread_mutex_unlock(&g_lock);
    /* neither ran (the device failed both): the rule without the measurement, whose ctx
       then reports the device's failure itself */
    return arith ? arith : wmel__vk_arith(d, asked);
}

int wmel__vk_arith_probed(const vkw_dev *d, vkw_arith_probe *out)
{
    int found = 0;
    if (pthread_mutex_lock(&g_lock) != 0) return -1;
    for (int i = 0; i < N_KEPT && !found; i++)
        if (same_dev(&g_kept[i], d)) {
            if (out) *out = g_kept[i].res;
            found = 1;
        }
    const int runs = g_runs;
    pthread_mutex_unlock(&g_lock);
    return found ? runs : 0;
}
