/*
 * devices.c -- the Vulkan devices as wmel_devices lists them: each one the loader lists,
 * its type, the arithmetic a ctx takes there by default (float64 where it has
 * shaderFloat64, else float-float), and its self-tests: the float-float self-test
 * (ffcheck.c, run here where it has not run in the process), the float64 one where the
 * device has float64 (f64check.c, the same), the finish's on a fixed clip where a float64
 * ctx ran it in the process, and, where it ran, the timing
 * of the two arithmetics (arith_probe.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "../internal.h"
#include "vk_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The float-float self-test's result for device i into buf; 1 where it passed. */
static int ff_result(const vkw_dev *d, int i, char *buf, size_t len)
{
#ifdef WMEL_HAVE_VULKAN_FF
    vkw_ffcheck chk;
    const int rc = wmel__vk_ffcheck(d, i, &chk);
    if (rc != WMEL_OK) {
        snprintf(buf, len, "float-float self-test failed: %s", wmel__detail_get());
        return 0;
    }
    double worst = 0.0;
    for (int k = 0; k < VKW_FF_NPRIM; k++)
        if (chk.worst[k] > worst) worst = chk.worst[k];
    snprintf(buf, len, "float-float self-test passed: %d primitives over %d cases, the worst error 2^%.1f (bar 2^%d); "
             "the two-product by fma %s", VKW_FF_NPRIM, chk.cases, worst > 0.0 ? log2(worst) : -INFINITY,
             VKW_FF_BAR_LOG2, chk.fma_exact == 1 ? "exact (used)" : chk.fma_exact == 0 ? "not exact (not used)" : "not run");
    return 1;
#else
    (void)d;
    (void)i;
    snprintf(buf, len, "no float-float in this build (no self-test)");
    return 0;
#endif
}

int wmel__vk_devices(wmel_device *out, int cap)
{
    vkw_dev devs[VKW_MAX_DEVS];
    int n = 0;
    if (wmel__vk_list(devs, &n) != WMEL_OK) return 0;
    for (int i = 0; i < n && i < cap && out; i++) {
        wmel_device *o = &out[i];
        memset(o, 0, sizeof *o);
        o->backend = WMEL_BACKEND_VULKAN;
        o->index = i;
        snprintf(o->name, sizeof o->name, "%.255s", devs[i].name);
        snprintf(o->kind, sizeof o->kind, "%.63s", wmel__vk_type_name(devs[i].type));
        const int a = wmel__vk_arith(&devs[i], 0);
        char ff[400];
        const int ff_ok = ff_result(&devs[i], i, ff, sizeof ff);
        snprintf(o->arith, sizeof o->arith, "%s", a == VKW_ARITH_F64 ? "float64" : a == VKW_ARITH_FF ? "float-float" : "none");
        o->usable = a == VKW_ARITH_F64 || (a == VKW_ARITH_FF && ff_ok);
        vkw_arith_probe pr;
        char timed[160] = "";
        if (wmel__vk_arith_probed(&devs[i], &pr) > 0)
            snprintf(timed, sizeof timed, "; arithmetic timed on a 30 s clip: float64 %.2f ms, float-float %.2f ms",
                     pr.t_f64 * 1e3, pr.t_ff * 1e3);
        char f64[200] = "";
        vkw_f64check fc;
        if (devs[i].f64) {
            if (wmel__vk_f64check(&devs[i], i, &fc) == WMEL_OK) wmel__vk_f64check_sentence(&fc, f64, sizeof f64);
            else snprintf(f64, sizeof f64, "float64 self-test not run: %.150s", wmel__detail_get());
        }
        char fin[256]; /* the finish's self-test on a fixed clip, where a float64 ctx ran it in the process */
        wmel__vk_f64fin_sentence(&devs[i], fin, sizeof fin);
        if (snprintf(o->self_test, sizeof o->self_test, "%.200s%s%.180s%s%s%.120s", ff, f64[0] ? "; " : "", f64,
                     fin[0] ? "; " : "", fin, timed) < 0)
            o->self_test[0] = '\0';
    }
    return n;
}
