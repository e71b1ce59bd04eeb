/*
 * test_vulkan_batch.c -- wmel_features_batch on the Vulkan backend (lavapipe in `make
 * test-vulkan`), in each arithmetic the device has: 64 clips of random lengths (the
 * shortest each plan accepts up to 16000 samples) give, clip by clip, the bytes of 64
 * wmel_features calls on the same ctx, on plans of each finish (Kaldi's fbank, NeMo's
 * normalisation, lhotse's MFCC: the cepstra on the host, Seamless's stacking, Whisper's
 * geometry), with the default dispatch size and with WMEL_VULKAN_SIGNAL_LIMIT cutting each
 * dispatch to 3000 or 700 samples (many dispatches a batch, a clip across several); 1024
 * short clips in one call; the batch's frames share dispatches (fewer Vulkan calls than
 * the single calls make); one round at a time and two in flight give the same bytes; the
 * argument checks name the clip. Exit 77 without a device.
 */
#define _GNU_SOURCE /* setenv, RTLD_NODELETE */
#include "../api/batch_check.h"

#if defined(__linux__)
#include <dlfcn.h>
#endif
#include <stdio.h>

long wmel__vk_calls(void); /* vk_loader.c's count of Vulkan calls */

static wmel_ctx *vk_plan_ctx(const char *preset, int arith, const char *limit)
{
    wmel_frontend_plan plan;
    char msg[256];
    if (wmel_preset_plan(preset, &plan, msg, sizeof msg) != WMEL_OK) {
        CHECK(0, "preset %s: %s", preset, msg);
        return NULL;
    }
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_arith = arith;
    p.n_threads = 2;
    if (limit) setenv("WMEL_VULKAN_SIGNAL_LIMIT", limit, 1);
    int st = 0;
    wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
    if (limit) unsetenv("WMEL_VULKAN_SIGNAL_LIMIT");
    CHECK(c != NULL, "%s arith %d: create %d %s", preset, arith, st, wmel_vulkan_error_detail());
    return c;
}

/* Vulkan calls a batch of 64 short kaldi clips makes, and 64 single calls */
static void shared_dispatches(int arith)
{
    wmel_ctx *c = vk_plan_ctx("kaldi", arith, NULL);
    if (!c) return;
    enum { B = 64 };
    float *pcm[B], *out[B];
    size_t n[B], len[B];
    for (int b = 0; b < B; b++) {
        size_t rows = 0, cols = 0;
        n[b] = 1600 + 37 * (size_t)b;
        wmel_features_shape(c, n[b], &rows, &cols);
        len[b] = rows * cols;
        pcm[b] = malloc(n[b] * sizeof(float));
        out[b] = malloc(len[b] * sizeof(float));
        t_chirp(pcm[b], n[b], 3u + (unsigned)b);
    }
    long c0 = wmel__vk_calls();
    const int rb = wmel_features_batch(c, (const float *const *)pcm, n, B, out, len, NULL);
    const long batch_calls = wmel__vk_calls() - c0;
    c0 = wmel__vk_calls();
    int rs = WMEL_OK;
    for (int b = 0; b < B && rs == WMEL_OK; b++) rs = wmel_features(c, pcm[b], n[b], out[b], len[b]);
    const long single_calls = wmel__vk_calls() - c0;
    CHECK(rb == WMEL_OK && rs == WMEL_OK, "kaldi: %d %d", rb, rs);
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "vulkan"), "kaldi: ran on %s", wmel_op_backend(c, WMEL_OP_LOG_MEL));
    CHECK(batch_calls > 0 && batch_calls * 8 < single_calls, "arith %d: the batch made %ld Vulkan calls, 64 singles %ld",
          arith, batch_calls, single_calls);
    printf("arith %d: 64 clips: %ld Vulkan calls in one batch, %ld in single calls\n", arith, batch_calls, single_calls);
    for (int b = 0; b < B; b++) {
        free(pcm[b]);
        free(out[b]);
    }
    wmel_destroy(c);
}

/* One round at a time (WMEL_VULKAN_ROUNDS=1) and two in flight (the default) give the same
 * bytes, on dispatches cut to 700 samples (dozens of rounds a batch, a clip across several)
 * and on the default ones */
static void rounds_same(const char *preset, int arith, const char *limit)
{
    setenv("WMEL_VULKAN_ROUNDS", "1", 1);
    wmel_ctx *one = vk_plan_ctx(preset, arith, limit);
    unsetenv("WMEL_VULKAN_ROUNDS");
    wmel_ctx *two = vk_plan_ctx(preset, arith, limit);
    enum { B = 24 };
    float *pcm[B], *o1[B], *o2[B];
    size_t n[B], len[B];
    int same = 1, r1 = -1, r2 = -1;
    for (int b = 0; b < B; b++) {
        size_t rows = 0, cols = 0;
        n[b] = 4000 + 997 * (size_t)b;
        if (two) wmel_features_shape(two, n[b], &rows, &cols);
        len[b] = rows * cols;
        pcm[b] = malloc(n[b] * sizeof(float));
        o1[b] = malloc((len[b] ? len[b] : 1) * sizeof(float));
        o2[b] = malloc((len[b] ? len[b] : 1) * sizeof(float));
        t_chirp(pcm[b], n[b], 11u + (unsigned)b);
    }
    if (one && two) {
        r1 = wmel_features_batch(one, (const float *const *)pcm, n, B, o1, len, NULL);
        r2 = wmel_features_batch(two, (const float *const *)pcm, n, B, o2, len, NULL);
        for (int b = 0; b < B && r1 == WMEL_OK && r2 == WMEL_OK; b++) same &= !memcmp(o1[b], o2[b], len[b] * sizeof(float));
        CHECK(r1 == WMEL_OK && r2 == WMEL_OK && same, "%s arith %d limit %s: one round at a time %d, two %d, bytes %s",
              preset, arith, limit ? limit : "none", r1, r2, same ? "same" : "differ");
    }
    for (int b = 0; b < B; b++) {
        free(pcm[b]);
        free(o1[b]);
        free(o2[b]);
    }
    wmel_destroy(one);
    wmel_destroy(two);
    /* a bad value of the switch: refused with the reason */
    setenv("WMEL_VULKAN_ROUNDS", "3", 1);
    wmel_frontend_plan plan;
    char msg[256];
    wmel_preset_plan(preset, &plan, msg, sizeof msg);
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_arith = arith;
    int st = 0;
    wmel_ctx *bad = wmel_create_plan(&p, &plan, &st);
    unsetenv("WMEL_VULKAN_ROUNDS");
    CHECK(!bad && st == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_vulkan_error_detail(), "WMEL_VULKAN_ROUNDS"),
          "WMEL_VULKAN_ROUNDS=3: %d '%s'", st, wmel_vulkan_error_detail());
    wmel_destroy(bad);
}

int main(void)
{
#if defined(__linux__)
    /* lavapipe kept mapped, as test_vulkan.c does: what Mesa keeps for the process's life
       is then lsan_mesa.supp's to name, not an unknown module's */
    (void)dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NODELETE);
#endif
    char list[2048];
    if (wmel_vulkan_devices(list, sizeof list) != WMEL_OK || !strncmp(list, "no Vulkan device", 16)) {
        printf("skipped: no Vulkan device\n");
        return 77;
    }
    const char *presets[] = {"kaldi", "nemo", "lhotse-mfcc", "seamless", "whisper"};
    const char *limits[] = {NULL, "3000", "700"};
    const int ariths[] = {WMEL_VULKAN_ARITH_FLOAT64, WMEL_VULKAN_ARITH_FLOAT_FLOAT};
    int ran = 0;
    for (size_t ai = 0; ai < 2; ai++) {
        wmel_ctx *probe = vk_plan_ctx("kaldi", ariths[ai], NULL);
        if (!probe) continue;
        const int on_device = !strncmp(wmel_kernel_name(probe), "vulkan-", 7);
        wmel_destroy(probe);
        if (!on_device) continue;
        ran++;
        for (size_t pi = 0; pi < sizeof presets / sizeof presets[0]; pi++)
            for (size_t li = 0; li < sizeof limits / sizeof limits[0]; li++) {
                wmel_ctx *c = vk_plan_ctx(presets[pi], ariths[ai], limits[li]);
                if (!c) continue;
                char what[128];
                snprintf(what, sizeof what, "%s arith %d limit %s", presets[pi], ariths[ai],
                         limits[li] ? limits[li] : "none");
                CHECK(bc_compare(c, what, 64, 1, 16000, NULL) == 64, "%s", what);
                if (li == 0 && pi == 0) bc_errors(c, what);
                wmel_destroy(c);
            }
        wmel_ctx *c = vk_plan_ctx("kaldi", ariths[ai], "3000");
        if (c) {
            CHECK(bc_compare(c, "kaldi 1024 short clips", 1024, 1, 2000, NULL) == 1024, "1024 short clips");
            wmel_destroy(c);
        }
        shared_dispatches(ariths[ai]);
        rounds_same("kaldi", ariths[ai], "700");
        rounds_same("whisper", ariths[ai], "700");
        rounds_same("nemo", ariths[ai], NULL);
    }
    CHECK(ran > 0, "no arithmetic ran on the device");
    return t_done("test_vulkan_batch");
}
