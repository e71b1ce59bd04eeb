/*
 * test_vulkan_ffcheck.c -- the float-float self-test (src/vulkan/ffcheck.c) and the float
 * controls on whatever device the loader lists (Mesa's lavapipe in `make test-vulkan`):
 * the self-test passes on the device, each primitive's worst relative error (printed)
 * within 2^-44; its verdict is kept (a second ask makes no Vulkan call); a primitive broken
 * on purpose (WMEL_VULKAN_FFCHECK_BREAK=mul, =add) is refused with the primitive named and
 * a float-float ctx asked for by name is WMEL_ERR_BACKEND_UNAVAILABLE with that message,
 * while float64 ctxs are untouched; a bad value of the switch is a status naming it; the
 * self-test without the float controls (WMEL_VULKAN_FLOAT_CONTROLS=0) measured too. The
 * two-product by fma judged on the same table, used by a ctx exactly where it passed
 * (WMEL_VULKAN_FF_FMA=0 never, =1 always: then on the device within the bar or the CPU's
 * frames), a bad value of that switch a status naming it.
 * Subnormal (float32 denormal samples) and tiny (1e-30) inputs through presets in each
 * arithmetic: each output within 2e-5 x max(1, |ref|) of the float64 reference backend and
 * its status the CPU backend's. Exit 77 (skipped) without a Vulkan device or float-float.
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
#include <time.h>

#define BAR 2e-5

static void print_check(const char *what, const vkw_ffcheck *r)
{
    printf("ffcheck %s: %d cases, float controls declared: %s%s%s, denormals %s; worst relative error:", what,
           r->cases, (r->fc & VKW_FC_SZ) ? "SignedZeroInfNanPreserve" : "none",
           (r->fc & VKW_FC_DENORM) ? " DenormPreserve" : "", (r->fc & VKW_FC_KHR) ? " (KHR)" : "",
           r->denormals_kept ? "kept" : "flushed");
    for (int k = 0; k < VKW_FF_NPRIM; k++)
        printf(" %s %.3g (2^%.1f)", wmel__vk_ff_prim_name(k), r->worst[k],
               r->worst[k] > 0 ? log2(r->worst[k]) : -INFINITY);
    printf("\n");
}

static wmel_ctx *plan_ctx(const char *preset, int backend, int arith, int *st)
{
    wmel_frontend_plan plan;
    char msg[200];
    if (wmel_preset_plan(preset, &plan, msg, sizeof msg) != WMEL_OK) {
        CHECK(0, "preset %s: %s", preset, msg);
        return NULL;
    }
    plan.dither = 0.0; /* the device's frames (a dithered plan frames on the CPU) */
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_threads = 1;
    p.vulkan_arith = arith;
    return wmel_create_plan(&p, &plan, st);
}

/* The preset on x[0..n) on Vulkan (arith) against the reference and the CPU; the error. */
static double run_tiny(const char *preset, int arith, const float *x, size_t n, const char *what)
{
    int st[3];
    const int be[3] = {WMEL_BACKEND_VULKAN, WMEL_BACKEND_REF, WMEL_BACKEND_CPU};
    wmel_ctx *c[3];
    for (int i = 0; i < 3; i++) {
        c[i] = plan_ctx(preset, be[i], arith, &st[i]);
        CHECK(c[i] != NULL, "%s: create on backend %d: %d %s", preset, be[i], st[i], wmel_vulkan_error_detail());
    }
    double e = 0.0;
    size_t rows = 0, cols = 0;
    if (c[0] && c[1] && c[2] && wmel_features_shape(c[0], n, &rows, &cols) == WMEL_OK) {
        const size_t total = rows * cols;
        float *o[3];
        int rc[3];
        for (int i = 0; i < 3; i++) {
            o[i] = malloc((total ? total : 1) * sizeof(float));
            rc[i] = o[i] ? wmel_features(c[i], x, n, o[i], total) : WMEL_ERR_NO_MEMORY;
        }
        CHECK(rc[0] == rc[1] && rc[0] == rc[2], "%s %s: status vulkan %d ref %d cpu %d", preset, what, rc[0], rc[1],
              rc[2]);
        CHECK(!strcmp(wmel_op_backend(c[0], WMEL_OP_LOG_MEL), "vulkan"), "%s %s: ran on %s", preset, what,
              wmel_op_backend(c[0], WMEL_OP_LOG_MEL));
        if (rc[0] == WMEL_OK && rc[1] == WMEL_OK) {
            e = t_rel_err_ff(o[0], o[1], total);
            CHECK(e <= BAR, "%s %s arithmetic %d: error %.3g vs the float64 reference (bar %g)", preset, what, arith,
                  e, BAR);
        }
        for (int i = 0; i < 3; i++) free(o[i]);
    }
    for (int i = 0; i < 3; i++) wmel_destroy(c[i]);
    return e;
}

int main(void)
{
#if defined(__linux__)
    (void)dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NODELETE); /* as test_vulkan.c: Mesa's kept allocations */
#endif
#ifndef WMEL_HAVE_VULKAN_FF
    printf("skipped: this build has no float-float shaders\n");
    return 77;
#else
    vkw_dev devs[VKW_MAX_DEVS];
    int n = 0;
    if (wmel__vk_list(devs, &n) != WMEL_OK || n == 0) {
        printf("skipped: no Vulkan device\n");
        return 77;
    }
    const int idx = wmel__vk_pick(devs, n, 0, 0);
    CHECK(idx >= 0, "no device picked");
    if (idx < 0) return t_done("test_vulkan_ffcheck");
    printf("device %d: %s\n", idx, devs[idx].name);
    t_unsetenv("WMEL_VULKAN_FFCHECK_BREAK");
    t_unsetenv("WMEL_VULKAN_FLOAT_CONTROLS");

    /* the self-test as built: passes, every primitive within 2^-44 */
    vkw_ffcheck r;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = wmel__vk_ffcheck(&devs[idx], idx, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("ffcheck: the first verdict took %.0f ms\n",
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    CHECK(rc == WMEL_OK && r.passed, "self-test: %d '%s'", rc, wmel_vulkan_error_detail());
    print_check("as built", &r);
    for (int k = 0; k < VKW_FF_NPRIM; k++)
        CHECK(r.worst[k] <= ldexp(1.0, VKW_FF_BAR_LOG2), "%s: %.3g over 2^-44", wmel__vk_ff_prim_name(k), r.worst[k]);
    CHECK(r.cases > 200, "only %d cases", r.cases);
    /* kept: asked again, no Vulkan call */
    const long calls = t_count(WMEL__CNT_VK_CALLS);
    rc = wmel__vk_ffcheck(&devs[idx], idx, &r);
    CHECK(rc == WMEL_OK && t_count(WMEL__CNT_VK_CALLS) == calls, "kept verdict: %d, %lld Vulkan calls", rc,
          t_count(WMEL__CNT_VK_CALLS) - calls);

    /* without the float controls */
    t_setenv("WMEL_VULKAN_FLOAT_CONTROLS", "0", 1);
    vkw_ffcheck r0;
    rc = wmel__vk_ffcheck(&devs[idx], idx, &r0);
    CHECK(rc == WMEL_OK && r0.passed && r0.fc == 0, "self-test without float controls: %d fc %d '%s'", rc, r0.fc,
          wmel_vulkan_error_detail());
    print_check("WMEL_VULKAN_FLOAT_CONTROLS=0", &r0);
    t_unsetenv("WMEL_VULKAN_FLOAT_CONTROLS");

    /* a float-float ctx by name: created */
    int st = 0;
    wmel_ctx *c = plan_ctx("kaldi", WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT_FLOAT, &st);
    CHECK(c && !strncmp(wmel_kernel_name(c), "vulkan-ff", 9), "float-float ctx: %d '%s' %s", st,
          wmel_vulkan_error_detail(), c ? wmel_kernel_name(c) : "");
    wmel_destroy(c);

    /* the two-product by fma: judged on the same table; a ctx uses it exactly where every
       primitive passed that way; WMEL_VULKAN_FF_FMA=0 never, =1 always (the frames'
       self-test then judges it: within the bar on the device, or the CPU's bytes) */
    {
        int all = 1;
        for (int k = 0; k < VKW_FF_NPRIM; k++) all = all && r.fma_worst[k] <= ldexp(1.0, VKW_FF_BAR_LOG2);
        printf("ffcheck with fma: %s; worst two-product %.3g, mul %.3g\n",
               r.fma_exact == 1 ? "exact (the frames use it)" : "not exact (Dekker's product)", r.fma_worst[1],
               r.fma_worst[4]);
        CHECK(r.fma_exact == all, "fma verdict %d against its errors (%d)", r.fma_exact, all);
        const char *fenv[3] = {NULL, "0", "1"};
        size_t nsp = 0;
        float *sp = t_load_wav("audio/speech_en.wav", &nsp);
        for (int v = 0; v < 3; v++) {
            if (fenv[v]) t_setenv("WMEL_VULKAN_FF_FMA", fenv[v], 1);
            else t_unsetenv("WMEL_VULKAN_FF_FMA");
            c = plan_ctx("kaldi", WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT_FLOAT, &st);
            CHECK(c != NULL, "WMEL_VULKAN_FF_FMA=%s: %d '%s'", fenv[v] ? fenv[v] : "(unset)", st,
                  wmel_vulkan_error_detail());
            if (!c) continue;
            const char *k = wmel_kernel_name(c);
            const int want_fma = v == 2 || (v == 0 && r.fma_exact == 1);
            printf("WMEL_VULKAN_FF_FMA=%s: kernel %s\n", fenv[v] ? fenv[v] : "(unset)", k);
            if (v == 2 && r.fma_exact != 1)
                CHECK(!strncmp(k, "cpu-", 4) || strstr(k, "ff-fma"), "fma forced, not exact: kernel %s", k);
            else
                CHECK((strstr(k, "ff-fma") != NULL) == want_fma && !strncmp(k, "vulkan-ff", 9),
                      "WMEL_VULKAN_FF_FMA=%s: kernel %s", fenv[v] ? fenv[v] : "(unset)", k);
            if (sp && nsp > 16000) { /* within the bar, on the device or the CPU */
                wmel_ctx *ref = plan_ctx("kaldi", WMEL_BACKEND_REF, 0, &st);
                size_t rows = 0, cols = 0;
                if (ref && wmel_features_shape(c, 16000, &rows, &cols) == WMEL_OK) {
                    float *o0 = malloc(rows * cols * sizeof(float)), *o1 = malloc(rows * cols * sizeof(float));
                    if (o0 && o1 && wmel_features(c, sp, 16000, o0, rows * cols) == WMEL_OK &&
                        wmel_features(ref, sp, 16000, o1, rows * cols) == WMEL_OK) {
                        double e = 0.0;
                        for (size_t i = 0; i < rows * cols; i++) {
                            const double d = fabs((double)o0[i] - o1[i]) / fmax(1.0, fabs((double)o1[i]));
                            e = d > e ? d : e;
                        }
                        printf("WMEL_VULKAN_FF_FMA=%s: kaldi 1 s, %.3g from the reference\n",
                               fenv[v] ? fenv[v] : "(unset)", e);
                        CHECK(e <= 2e-5, "WMEL_VULKAN_FF_FMA=%s: %.3g from the reference", fenv[v] ? fenv[v] : "-", e);
                    } else {
                        CHECK(0, "WMEL_VULKAN_FF_FMA=%s: features", fenv[v] ? fenv[v] : "-");
                    }
                    free(o0), free(o1);
                }
                wmel_destroy(ref);
            }
            wmel_destroy(c);
        }
        t_setenv("WMEL_VULKAN_FF_FMA", "maybe", 1);
        c = plan_ctx("kaldi", WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT_FLOAT, &st);
        CHECK(!c && strstr(wmel_vulkan_error_detail(), "WMEL_VULKAN_FF_FMA"), "WMEL_VULKAN_FF_FMA=maybe: %d '%s'", st,
              wmel_vulkan_error_detail());
        wmel_destroy(c);
        t_unsetenv("WMEL_VULKAN_FF_FMA");
        free(sp);
    }

    /* a primitive broken on purpose: refused, the primitive named */
    const char *brk[2][2] = {{"mul", "mul off by"}, {"add", "add off by"}};
    const int prim[2] = {4, 2};
    for (int b = 0; b < 2; b++) {
        t_setenv("WMEL_VULKAN_FFCHECK_BREAK", brk[b][0], 1);
        vkw_ffcheck rb;
        rc = wmel__vk_ffcheck(&devs[idx], idx, &rb);
        CHECK(rc == WMEL_ERR_BACKEND_UNAVAILABLE && !rb.passed && rb.broken == b + 1,
              "break %s: %d passed %d", brk[b][0], rc, rb.passed);
        CHECK(strstr(wmel_vulkan_error_detail(), brk[b][1]) && strstr(wmel_vulkan_error_detail(), "self-test"),
              "break %s: detail '%s'", brk[b][0], wmel_vulkan_error_detail());
        CHECK(rb.worst[prim[b]] > ldexp(1.0, -40), "break %s: %s's error only %.3g", brk[b][0], brk[b][0],
              rb.worst[prim[b]]);
        print_check(b ? "WMEL_VULKAN_FFCHECK_BREAK=add" : "WMEL_VULKAN_FFCHECK_BREAK=mul", &rb);
        printf("refusal: %s\n", wmel_vulkan_error_detail());
        /* by name with float-float: WMEL_ERR_BACKEND_UNAVAILABLE, that message */
        st = 0;
        c = plan_ctx("kaldi", WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT_FLOAT, &st);
        CHECK(!c && st == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_vulkan_error_detail(), brk[b][1]),
              "break %s: float-float ctx %p, %d '%s'", brk[b][0], (void *)c, st, wmel_vulkan_error_detail());
        wmel_destroy(c);
        c = NULL;
        {
            wmel_params p = wmel_default_params();
            p.backend = WMEL_BACKEND_VULKAN;
            p.vulkan_arith = WMEL_VULKAN_ARITH_FLOAT_FLOAT;
            c = wmel_create(&p, &st); /* Whisper's geometry too */
            CHECK(!c && st == WMEL_ERR_BACKEND_UNAVAILABLE, "break %s: whisper float-float ctx %d", brk[b][0], st);
            wmel_destroy(c);
            /* AUTO with float-float: never refused (the CPU where the device does not pass) */
            p.backend = WMEL_BACKEND_AUTO;
            c = wmel_create(&p, &st);
            CHECK(c != NULL, "break %s: AUTO ctx %d", brk[b][0], st);
            CHECK(!c || strcmp(wmel_backend_name(c), "vulkan"),
                  "break %s: AUTO took vulkan", brk[b][0]);
            wmel_destroy(c);
        }
        /* float64 untouched where the device has it */
        if (devs[idx].f64) {
            c = plan_ctx("kaldi", WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT64, &st);
            CHECK(c != NULL, "break %s: float64 ctx %d '%s'", brk[b][0], st, wmel_vulkan_error_detail());
            wmel_destroy(c);
        }
    }
    t_setenv("WMEL_VULKAN_FFCHECK_BREAK", "yes", 1);
    c = plan_ctx("kaldi", WMEL_BACKEND_VULKAN, WMEL_VULKAN_ARITH_FLOAT_FLOAT, &st);
    CHECK(!c && st == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_vulkan_error_detail(), "WMEL_VULKAN_FFCHECK_BREAK"),
          "WMEL_VULKAN_FFCHECK_BREAK=yes: %d '%s'", st, wmel_vulkan_error_detail());
    wmel_destroy(c);
    t_unsetenv("WMEL_VULKAN_FFCHECK_BREAK");

    /* subnormal and tiny inputs in each arithmetic */
    size_t ns = 0;
    float *speech = t_load_wav("audio/speech_en.wav", &ns);
    enum { N = 4800 };
    float *x = malloc(N * sizeof(float));
    CHECK(speech && ns > 8000 + N && x, "speech");
    if (speech && ns > 8000 + N && x) {
        const char *presets[] = {"kaldi", "nemo", "whisper", "wespeaker", "speecht5"};
        const int ariths[2] = {WMEL_VULKAN_ARITH_FLOAT64, WMEL_VULKAN_ARITH_FLOAT_FLOAT};
        for (int a = 0; a < 2; a++) {
            if (ariths[a] == WMEL_VULKAN_ARITH_FLOAT64 && !devs[idx].f64) continue;
            const char *an = a ? "float-float" : "float64";
            for (size_t pi = 0; pi < sizeof presets / sizeof presets[0]; pi++) {
                double e = 0.0;
                /* speech scaled into float32's denormals (1e-40: every sample below 2^-126) */
                for (size_t i = 0; i < N; i++) x[i] = (float)((double)speech[8000 + i] * 1e-40);
                e = fmax(e, run_tiny(presets[pi], ariths[a], x, N, "speech x 1e-40 (denormal)"));
                /* tiny but normal: 1e-30 */
                for (size_t i = 0; i < N; i++) x[i] = (float)((double)speech[8000 + i] * 1e-30);
                e = fmax(e, run_tiny(presets[pi], ariths[a], x, N, "speech x 1e-30"));
                /* the smallest denormals, alternating */
                for (size_t i = 0; i < N; i++) x[i] = (float)(i % 3 ? 1.4e-45 : -2.8e-45);
                e = fmax(e, run_tiny(presets[pi], ariths[a], x, N, "+-2^-149"));
                printf("preset %-10s arithmetic %-11s denormal and tiny inputs: max error vs float64 reference %.3g\n",
                       presets[pi], an, e);
            }
        }
    }
    free(x);
    wmel_free(speech);
    return t_done("test_vulkan_ffcheck");
#endif
}
