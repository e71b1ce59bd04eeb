/*
 * test_vulkan_f64check.c -- the float64 self-tests (src/vulkan/f64check.c, and the finish's
 * on a fixed clip in backend.c) on the first Vulkan device with float64 (lavapipe in `make
 * test-vulkan`): the arithmetic's passes there (the division, the square root, the product
 * and the corrected division and square root bit for bit with the host's, the log within
 * 2^-50), its verdict is kept (a second call gives the same), `wmel devices` says so, and
 * a float64 ctx makes its finish on the device after the fixed clip's finish gave the
 * host's bytes, with the CPU backend's bytes. With the testing switch
 * WMEL_VULKAN_F64CHECK_BREAK:
 *   div      the self-test's division a reciprocal and a product: it fails, the division
 *            named, but the correction step makes it exact (from that division, and from a
 *            square root 2^-30 off): the finish stays on the device, corrected, the bytes
 *            the CPU's;
 *   fin      the finish's divisions 2^-30 off: the arithmetic passes, the fixed clip's
 *            finish does not: the reason names the finish and the first value off, the
 *            finish runs on the host (none counted on the device), the bytes the CPU's,
 *            and wmel_vulkan_features_device refuses the ctx with the reason;
 *   div+fin  both: the finish's divisions corrected, the fixed clip passes again, the
 *            finish on the device with the CPU's bytes.
 * A bad value of the switch refuses the ctx. Exit 77 without a device with float64.
 */
#define _GNU_SOURCE /* RTLD_NODELETE */
#include "testutil.h"
#include "testctl.h"
#include "vulkan/vk_internal.h"
#include "wmel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <dlfcn.h>
#endif

static wmel_ctx *nemo(int backend, int *st)
{
    wmel_frontend_plan plan;
    char msg[200];
    if (wmel_preset_plan("nemo", &plan, msg, sizeof msg) != WMEL_OK) return NULL;
    plan.dither = 0.0;
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_threads = 1;
    p.vulkan_arith = WMEL_VULKAN_ARITH_FLOAT64;
    return wmel_create_plan(&p, &plan, st);
}

/* The device's line of wmel_devices (the first Vulkan device) into buf. */
static int devices_line(char *buf, size_t len)
{
    wmel_device d[16];
    size_t n = 0;
    if (wmel_devices(d, 16, &n) != WMEL_OK) return 0;
    for (size_t i = 0; i < n && i < 16; i++)
        if (d[i].backend == WMEL_BACKEND_VULKAN && d[i].index == 0) {
            snprintf(buf, len, "%s", d[i].self_test);
            return 1;
        }
    return 0;
}

/* A float64 ctx's features of a clip: the CPU backend's bytes; whether the finish ran on the
   device (the counter moved). */
static int finished_on_device(const char *what)
{
    int st = 0;
    wmel_ctx *c = nemo(WMEL_BACKEND_VULKAN, &st), *cpu = nemo(WMEL_BACKEND_CPU, &st);
    CHECK(c && cpu, "%s: the ctxs: %d %s", what, st, wmel_vulkan_error_detail());
    int dev = -1;
    if (c && cpu) {
        const size_t n = 16000;
        size_t rows = 0, cols = 0;
        (void)wmel_features_shape(c, n, &rows, &cols);
        float *x = malloc(n * sizeof *x), *a = malloc(rows * cols * sizeof *a), *b = malloc(rows * cols * sizeof *b);
        if (x && a && b) {
            t_chirp(x, n, 3);
            const long long f0 = t_count(WMEL__CNT_VK_FINISHES);
            CHECK(wmel_features(c, x, n, a, rows * cols) == WMEL_OK, "%s: Vulkan's features", what);
            dev = t_count(WMEL__CNT_VK_FINISHES) > f0;
            CHECK(wmel_features(cpu, x, n, b, rows * cols) == WMEL_OK && !memcmp(a, b, rows * cols * 4),
                  "%s: the CPU's bytes", what);
        }
        free(x);
        free(a);
        free(b);
    }
    wmel_destroy(c);
    wmel_destroy(cpu);
    return dev;
}

int main(void)
{
#if defined(__linux__)
    (void)dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NODELETE);
#endif
    vkw_dev devs[VKW_MAX_DEVS];
    int n = 0;
    if (wmel__vk_list(devs, &n) != WMEL_OK || n == 0 || !devs[0].f64) {
        printf("skipped: no Vulkan device with float64 at index 0\n");
        return 77;
    }
    vkw_f64check r, r2;
    int rc = wmel__vk_f64check(&devs[0], 0, &r);
    CHECK(rc == WMEL_OK && r.passed && r.cases > 200, "the self-test on %s: %d passed %d over %d cases", devs[0].name,
          rc, r.passed, r.cases);
    for (int k = 0; k < VKW_F64_NOP; k++)
        CHECK(r.n_off[k] == 0 && r.first_off[k] < 0, "%s: %d cases off", wmel__vk_f64_op_name(k), r.n_off[k]);
    CHECK(r.log_worst <= ldexp(1.0, VKW_F64_LOG_BAR_LOG2), "log's error 2^%.1f", log2(r.log_worst));
    CHECK(wmel__vk_f64check(&devs[0], 0, &r2) == WMEL_OK && !memcmp(&r, &r2, sizeof r), "the verdict kept");
    char line[512] = "";
    CHECK(devices_line(line, sizeof line) && strstr(line, "float64 self-test passed"), "wmel_devices: '%s'", line);
    printf("%s: %s\n", devs[0].name, line);
    CHECK(finished_on_device("passed") == 1, "passed: the finish on the device");

    /* the self-test's division broken on purpose: refused, corrected, the finish on the device */
    t_setenv("WMEL_VULKAN_F64CHECK_BREAK", "div", 1);
    rc = wmel__vk_f64check(&devs[0], 0, &r);
    CHECK(rc == WMEL_OK && !r.passed && r.fixed && r.broken == 1 && r.n_off[0] > 0 && r.n_off[1] == 0 &&
              r.n_off[4] == 0 && r.n_off[5] == 0,
          "break div: %d passed %d fixed %d, %d divisions off, %d corrected ones, %d corrected roots", rc, r.passed,
          r.fixed, r.n_off[0], r.n_off[4], r.n_off[5]);
    CHECK(devices_line(line, sizeof line) && strstr(line, "float64 self-test failed") && strstr(line, "division") &&
              strstr(line, "corrects them on the device"),
          "wmel_devices with the division broken: '%s'", line);
    printf("WMEL_VULKAN_F64CHECK_BREAK=div: %s\n", line);
    CHECK(finished_on_device("div") == 1, "div: the finish on the device, corrected");
    /* the finish's divisions off: the fixed clip refuses the finish */
    t_setenv("WMEL_VULKAN_F64CHECK_BREAK", "fin", 1);
    CHECK(wmel__vk_f64check(&devs[0], 0, &r) == WMEL_OK && r.passed, "break fin: the arithmetic passes");
    CHECK(finished_on_device("fin") == 0, "fin: the finish on the host");
    {
        int st = 0;
        wmel_ctx *c = nemo(WMEL_BACKEND_VULKAN, &st);
        const char *why = c ? wmel_backend_reason(c) : "";
        CHECK(strstr(why, "float64 finish self-test failed: the per-feature normalisation of a fixed clip") &&
                  strstr(why, "the finish runs on the host"),
              "wmel_backend_reason: '%s'", why);
        printf("WMEL_VULKAN_F64CHECK_BREAK=fin: %s\n", why);
        wmel_vulkan_memory m = {0};
        m.fd = -1;
        rc = c ? wmel_vulkan_features_device(c, &m, WMEL_SAMPLE_F32, 1, 16000, 16000, &m, 1) : st;
        CHECK(rc == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_vulkan_error_detail(), "finish self-test failed"),
              "wmel_vulkan_features_device with the finish broken: %d '%s'", rc, wmel_vulkan_error_detail());
        wmel_destroy(c);
    }
    CHECK(devices_line(line, sizeof line) && strstr(line, "float64 finish self-test failed"),
          "wmel_devices with the finish broken: '%s'", line);
    /* both: the finish's divisions corrected, the fixed clip passes */
    t_setenv("WMEL_VULKAN_F64CHECK_BREAK", "div+fin", 1);
    CHECK(finished_on_device("div+fin") == 1, "div+fin: the finish on the device, corrected");
    {
        int st = 0;
        wmel_ctx *c = nemo(WMEL_BACKEND_VULKAN, &st);
        CHECK(c && !strstr(wmel_backend_reason(c), "finish self-test failed") &&
                  strstr(wmel_backend_reason(c), "corrects them on the device"),
              "div+fin: wmel_backend_reason: '%s'", c ? wmel_backend_reason(c) : "");
        wmel_destroy(c);
    }
    t_setenv("WMEL_VULKAN_F64CHECK_BREAK", "maybe", 1);
    int st = 0;
    wmel_ctx *c = nemo(WMEL_BACKEND_VULKAN, &st);
    CHECK(!c && st == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_vulkan_error_detail(), "WMEL_VULKAN_F64CHECK_BREAK"),
          "a bad value of the switch: %d '%s'", st, wmel_vulkan_error_detail());
    wmel_destroy(c);
    t_unsetenv("WMEL_VULKAN_F64CHECK_BREAK");
    CHECK(finished_on_device("mended") == 1, "the switch off again: the finish on the device");
    return t_done("test_vulkan_f64check");
}
