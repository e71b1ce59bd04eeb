/*
 * test_vulkan_arith_probe.c -- the arithmetic a Vulkan ctx takes when none is asked for
 * (src/vulkan/arith_probe.c): the rule (float-float at most 0.9 of float64's time), no
 * timing on a CPU device or where the arithmetic is named (params or
 * WMEL_VULKAN_ARITHMETIC), the timing on request (WMEL_VULKAN_ARITH_PROBE=1) on whatever
 * device the loader lists (lavapipe in `make test-vulkan`): both arithmetics timed, the
 * faster taken by the rule and named by the ctx's kernel, the verdict kept for the process
 * (a second ctx times nothing), and the ctx's output within 2e-5 x max(1, |ref|) of the
 * float64 reference backend; a bad value of the switch is a status naming it. Exit 77
 * (skipped) without a Vulkan device or float-float.
 */
#define _GNU_SOURCE /* RTLD_NODELETE */
#include "testutil.h"
#include "vulkan/vk_internal.h"
#include "wmel.h"

#include <math.h>
#include <stdio.h>
#if defined(__linux__)
#include <dlfcn.h>
#endif
#include <stdlib.h>
#include <string.h>

static wmel_ctx *whisper_ctx(int backend, int index, int arith, int *st)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.vulkan_device = index + 1;
    p.vulkan_arith = arith;
    p.n_threads = 1;
    return wmel_create(&p, st);
}

int main(void)
{
#if defined(__linux__)
    (void)dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NODELETE); /* as test_vulkan.c: Mesa's kept allocations */
#endif
    /* the rule */
    CHECK(wmel__vk_arith_pick(1.0, 0.9) == VKW_ARITH_FF, "0.9 of float64's time: float-float");
    CHECK(wmel__vk_arith_pick(1.0, 0.95) == VKW_ARITH_F64, "0.95 of float64's time: float64");
    CHECK(wmel__vk_arith_pick(1.0, 2.0) == VKW_ARITH_F64, "slower float-float: float64");
    CHECK(wmel__vk_arith_pick(0.0, 2.0) == VKW_ARITH_FF, "float64 did not run: float-float");
    CHECK(wmel__vk_arith_pick(1.0, 0.0) == VKW_ARITH_F64, "float-float did not run: float64");
    CHECK(wmel__vk_arith_pick(0.0, 0.0) == 0, "neither ran: none");
    CHECK(wmel__vk_arith_pick(NAN, 1.0) == VKW_ARITH_FF, "a NaN time is one that did not run");
#ifndef WMEL_HAVE_VULKAN_FF
    printf("skipped: this build has no float-float shaders\n");
    return t_done("test_vulkan_arith_probe") ? 1 : 77;
#else
    vkw_dev devs[VKW_MAX_DEVS];
    int n = 0;
    if (wmel__vk_list(devs, &n) != WMEL_OK || n == 0) {
        printf("skipped: no Vulkan device\n");
        return t_done("test_vulkan_arith_probe") ? 1 : 77;
    }
    const int idx = wmel__vk_pick(devs, n, 0, 0);
    CHECK(idx >= 0, "no device picked");
    if (idx < 0) return t_done("test_vulkan_arith_probe");
    const vkw_dev *d = &devs[idx];
    printf("device %d: %s (%s, shaderFloat64 %s)\n", idx, d->name, wmel__vk_type_name(d->type), d->f64 ? "yes" : "no");
    t_unsetenv("WMEL_VULKAN_ARITHMETIC");
    t_unsetenv("WMEL_VULKAN_ARITH_PROBE");
    int st = 0;
    vkw_arith_probe pr;
    const int cpu_dev = !strcmp(wmel__vk_type_name(d->type), "CPU");

    /* a CPU device is not timed unless asked: float64 where it has it */
    if (cpu_dev) {
        wmel_ctx *c = whisper_ctx(WMEL_BACKEND_VULKAN, idx, WMEL_VULKAN_ARITH_AUTO, &st);
        CHECK(c != NULL, "create: %d %s", st, wmel_vulkan_error_detail());
        if (c) CHECK(!strncmp(wmel_kernel_name(c), d->f64 ? "vulkan-f64" : "vulkan-ff", d->f64 ? 10 : 9),
                     "untimed CPU device: kernel %s", wmel_kernel_name(c));
        CHECK(wmel__vk_arith_probed(d, NULL) == 0, "a CPU device was timed without the switch");
        wmel_destroy(c);
    }
    /* the arithmetic named: no timing, even with the switch */
    t_setenv("WMEL_VULKAN_ARITH_PROBE", "1", 1);
    const char *named[2] = {"float64", "float-float"};
    for (int a = 0; a < 2; a++) {
        if (a == 0 && !d->f64) continue;
        t_setenv("WMEL_VULKAN_ARITHMETIC", named[a], 1);
        wmel_ctx *c = whisper_ctx(WMEL_BACKEND_VULKAN, idx, WMEL_VULKAN_ARITH_AUTO, &st);
        CHECK(c != NULL, "create (%s named): %d %s", named[a], st, wmel_vulkan_error_detail());
        if (c) CHECK(strstr(wmel_kernel_name(c), a ? "-ff-" : "-f64-") != NULL, "%s named: kernel %s", named[a],
                     wmel_kernel_name(c));
        wmel_destroy(c);
        t_unsetenv("WMEL_VULKAN_ARITHMETIC");
        c = whisper_ctx(WMEL_BACKEND_VULKAN, idx, a ? WMEL_VULKAN_ARITH_FLOAT_FLOAT : WMEL_VULKAN_ARITH_FLOAT64, &st);
        CHECK(c != NULL, "create (%s in params): %d %s", named[a], st, wmel_vulkan_error_detail());
        wmel_destroy(c);
    }
    CHECK(wmel__vk_arith_probed(d, NULL) == 0, "timed though the arithmetic was named");
    /* AUTO's planner flag WMEL_AUTO_ESTIMATE: untimed, even with the switch */
    {
        wmel_params p = wmel_default_params();
        p.backend = WMEL_BACKEND_VULKAN;
        p.vulkan_device = idx + 1;
        p.n_threads = 1;
        p.auto_plan = WMEL_AUTO_ESTIMATE;
        wmel_ctx *c = wmel_create(&p, &st);
        CHECK(c != NULL && !strstr(wmel_backend_reason(c), "timed"), "ESTIMATE: %d %s", st,
              c ? wmel_backend_reason(c) : wmel_vulkan_error_detail());
        wmel_destroy(c);
        CHECK(wmel__vk_arith_probed(d, NULL) == 0, "ESTIMATE timed the arithmetic");
    }

    /* a bad value of the switch: a status that names it */
    t_setenv("WMEL_VULKAN_ARITH_PROBE", "often", 1);
    wmel_ctx *bad = whisper_ctx(WMEL_BACKEND_VULKAN, idx, WMEL_VULKAN_ARITH_AUTO, &st);
    CHECK(bad == NULL && st != WMEL_OK, "WMEL_VULKAN_ARITH_PROBE=often: created (%d)", st);
    CHECK(strstr(wmel_vulkan_error_detail(), "WMEL_VULKAN_ARITH_PROBE") != NULL, "detail: '%s'",
          wmel_vulkan_error_detail());
    wmel_destroy(bad);

    /* timed on request: both arithmetics, the rule's choice named by the kernel */
    if (d->f64) {
        t_setenv("WMEL_VULKAN_ARITH_PROBE", "1", 1);
        wmel_ctx *c = whisper_ctx(WMEL_BACKEND_VULKAN, idx, WMEL_VULKAN_ARITH_AUTO, &st);
        CHECK(c != NULL, "create (timed): %d %s", st, wmel_vulkan_error_detail());
        const int runs = wmel__vk_arith_probed(d, &pr);
        CHECK(runs == 1, "timings run: %d", runs);
        printf("timed: a 30 s clip in float64 %.2f ms, float-float %.2f ms: %s\n", pr.t_f64 * 1e3, pr.t_ff * 1e3,
               pr.arith == VKW_ARITH_FF ? "float-float" : pr.arith == VKW_ARITH_F64 ? "float64" : "none");
        CHECK(pr.t_f64 > 0.0 && pr.t_ff > 0.0, "both arithmetics ran: %g %g", pr.t_f64, pr.t_ff);
        CHECK(pr.arith == wmel__vk_arith_pick(pr.t_f64, pr.t_ff), "the choice is the rule's");
        if (c) {
            CHECK(strstr(wmel_kernel_name(c), pr.arith == VKW_ARITH_FF ? "-ff-" : "-f64-") != NULL,
                  "timed: kernel %s", wmel_kernel_name(c));
            /* the ctx computes within the bar */
            wmel_ctx *ref = whisper_ctx(WMEL_BACKEND_REF, idx, WMEL_VULKAN_ARITH_AUTO, &st);
            const size_t ns = 16000, nf = wmel_n_frames(ns, 0), total = (size_t)80 * nf;
            float *x = malloc(ns * sizeof *x), *o[2] = {malloc(total * sizeof(float)), malloc(total * sizeof(float))};
            if (ref && x && o[0] && o[1]) {
                for (size_t i = 0; i < ns; i++) x[i] = (float)(0.5 * sin(0.05 * (double)i) + 0.1 * sin(0.31 * (double)i));
                CHECK(wmel_log_mel(c, x, ns, 0, o[0], total) == WMEL_OK, "log_mel on the timed ctx");
                CHECK(wmel_log_mel(ref, x, ns, 0, o[1], total) == WMEL_OK, "log_mel on the reference");
                double e = 0.0;
                for (size_t i = 0; i < total; i++) {
                    const double r = fabs((double)o[0][i] - (double)o[1][i]) / fmax(1.0, fabs((double)o[1][i]));
                    e = r > e ? r : e;
                }
                printf("timed ctx against the reference: %.3g\n", e);
                CHECK(e <= 2e-5, "timed ctx: %.3g from the reference", e);
            }
            free(x), free(o[0]), free(o[1]);
            wmel_destroy(ref);
        }
        wmel_destroy(c);
        /* kept: a second ctx times nothing */
        c = whisper_ctx(WMEL_BACKEND_VULKAN, idx, WMEL_VULKAN_ARITH_AUTO, &st);
        CHECK(c != NULL, "create (kept): %d", st);
        CHECK(wmel__vk_arith_probed(d, NULL) == 1, "a second timing ran");
        wmel_destroy(c);
    }
    t_unsetenv("WMEL_VULKAN_ARITH_PROBE");
    return t_done("test_vulkan_arith_probe");
#endif
}
