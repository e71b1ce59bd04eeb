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
 * WMEL_VULKAN_ARITHMETIC and params.vulkan_arith choose without measuring. The timing and
 * the table of kept verdicts are probe.c's, which AUTO's choice of a backend shares.
 */
#define _POSIX_C_SOURCE 200809L
#include "../internal.h"
#include "vk_internal.h"

#include <stdlib.h>
#include <string.h>

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

/* the kept verdict's key: the device and its driver */
static vkw_dev_key dev_key(const vkw_dev *d)
{
    vkw_dev_key k;
    wmel__vk_dev_key(d, &k);
    return k;
}

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
    wmel_frontend_plan plan; /* wmel_create's, through the one creator: no public entry point */
    if (wmel_frontend_preset(WMEL_FRONTEND_WHISPER, p.n_mels, &plan) != WMEL_OK) return NULL;
    plan.norm = p.norm;
    wmel_ctx *c = wmel__create(p, &plan, 1, NULL, &st);
    if (c && strncmp(c->kernel_name, "vulkan-", 7) != 0) { /* the CPU's frames: not a candidate */
        wmel__ctx_free(c);
        c = NULL;
    }
    return c;
}

/* Times both arithmetics (probe.c's pair): v->t[0] float64, v->t[1] float-float, 0 for
 * one that could not run; v->pick the arithmetic the rule takes. */
static void measure(void *arg, wmel_verdict *v)
{
    const int index = *(const int *)arg;
    wmel_ctx *c[2] = {probe_ctx(index, VKW_ARITH_F64), HAVE_FF ? probe_ctx(index, VKW_ARITH_FF) : NULL};
    const char *const where[2] = {"vulkan", "vulkan"};
    wmel__probe_pair(c, where, v->t);
    v->pick = wmel__vk_arith_pick(v->t[0], v->t[1]);
    for (int a = 0; a < 2; a++) wmel__ctx_free(c[a]);
}

int wmel__vk_arith_auto(const vkw_dev *d, int index, int asked, int may_time)
{
    const char *aenv = wmel__env(WMEL__CFG_VULKAN_ARITHMETIC);
    const int pe = wmel__env_bool(WMEL__CFG_VULKAN_ARITH_PROBE);
    if (pe == -2) {
        wmel__vk_detail(WMEL_ERR_INVALID_ARG, "WMEL_VULKAN_ARITH_PROBE=%s: expected 0 or 1",
                        wmel__env(WMEL__CFG_VULKAN_ARITH_PROBE));
        return 0;
    }
    /* VkPhysicalDeviceType: 1 integrated, 2 discrete, 3 virtual GPU (4 CPU) */
    const int gpu = d->type >= 1 && d->type <= 3;
    const int timed = may_time && asked == 0 && !(aenv && *aenv) && d->f64 && HAVE_FF && (pe == 1 || (pe == -1 && gpu));
    if (!timed) return wmel__vk_arith(d, asked);
    const vkw_dev_key key = dev_key(d);
    wmel_verdict v;
    int idx = index;
    if (wmel__kept_get(WMEL__KEPT_VK_ARITH, &key, sizeof key, measure, &idx, &v) != 0) return wmel__vk_arith(d, asked);
    /* neither ran (the device failed both): the rule without the measurement, whose ctx
       then reports the device's failure itself */
    return v.pick ? v.pick : wmel__vk_arith(d, asked);
}

int wmel__vk_arith_probed(const vkw_dev *d, vkw_arith_probe *out)
{
    const vkw_dev_key key = dev_key(d);
    wmel_verdict v;
    const int runs = wmel__kept_find(WMEL__KEPT_VK_ARITH, &key, sizeof key, &v);
    if (runs > 0 && out) {
        out->t_f64 = v.t[0];
        out->t_ff = v.t[1];
        out->arith = v.pick;
    }
    return runs;
}
