/*
 * test_vulkan_devmem_batch.c -- wmel_vulkan_features_device_batch: clips of mixed lengths in
 * another Vulkan device's memory (the test's own VkDevice on the ctx's physical device,
 * lavapipe in `make test-vulkan`), exported as opaque file descriptors, computed in rounds
 * that share submissions. For a general plan (NeMo's; Kaldi's with int16 samples) and
 * Whisper's geometry (80 mels with the 3x3 average, 128 mels), float32 and int16 samples, the
 * clips in shuffled places with gaps: every clip's output is wmel_features' bytes on the same
 * ctx, the bytes between and around the outputs untouched, and the submissions (the backend's
 * rounds counter, WMEL__CNT_VK_ROUNDS) within the count law:
 *     rounds <= ceil(batch / 64) + ceil(V / F) + 2
 * (a round holds at most 64 clips; V: the clips' output values, rows x cols summed; F: those
 * of 64 clips of 2 s, which the ctx packs into one round, checked: at most what a round holds), and at most a quarter of the clips;
 * for 24 clips of 0.1 s to 30 s (float32; 12 for Kaldi's int16 and each Whisper ctx), 24 of
 * 0.1 s to 10 s (int16) and 1024 of 0.1 s to 0.6 s.
 * A NaN, an Inf (with params.device_check 0 and 1) and a sample past the device's bound in
 * one clip of 40, and of 1,024 clips of 400 to 2,000 samples (NeMo's NaN in clip 517, in
 * float-float -Inf in clip 1023, Whisper's geometry's NaN in clip 517: the checks of
 * wmel_cuda_features_device_batch's test_cuda_device_check): WMEL_ERR_NOT_FINITE /
 * WMEL_ERR_SAMPLE_RANGE, that clip's index in `failed`, the clips before it wmel_features'
 * bytes; int16 never refused. The arguments' errors (NULL
 * arrays, a range past the allocation, out_len, an empty clip, overlapping outputs, an output
 * over samples of the same allocation) with the clip's index; batch 0; a CPU ctx; each Vulkan
 * call failing in turn (a status with a message, no descriptor kept). Exit 77 without a device
 * or without VK_KHR_external_memory_fd.
 */
#define _GNU_SOURCE /* RTLD_NODELETE */
#include "testutil.h"
#include "vk_export.h"
#include "vk_test.h"
#include "wmel.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANARY 0xA5u
#define MAXB 1024

/* a batch laid out in two allocations: clip b's samples at sample off[b] (in shuffled order,
   gaps of 3 samples), its output at float ooff[b] (reverse order, gaps of 5 floats) */
typedef struct {
    size_t B, n[MAXB], off[MAXB], ooff[MAXB], len[MAXB], per[MAXB];
    size_t values; /* the clips' output values (rows x cols) summed */
    vkx_mem in, out;
    int s16;
} bt;

static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xffffffu;
}

/* B clips of lengths in [lo, hi] samples (seeded), laid out and written; 0 on failure */
static int bt_new(bt *t, wmel_ctx *c, int s16, size_t B, size_t lo, size_t hi, unsigned seed)
{
    memset(t, 0, sizeof *t);
    t->B = B, t->s16 = s16;
    const size_t el = s16 ? 2 : 4;
    size_t order[MAXB], in_n = 64, out_n = 16;
    for (size_t b = 0; b < B; b++) {
        t->n[b] = lo + rnd(&seed) % (hi - lo + 1);
        size_t rows = 0, cols = 0;
        if (wmel_features_shape(c, t->n[b], &rows, &cols) != WMEL_OK) return 0;
        t->per[b] = t->len[b] = rows * cols;
        t->values += rows * cols;
        order[b] = b;
    }
    for (size_t b = B; b > 1; b--) { /* shuffled */
        const size_t k = rnd(&seed) % b, x = order[b - 1];
        order[b - 1] = order[k], order[k] = x;
    }
    for (size_t i = 0; i < B; i++) t->off[order[i]] = in_n, in_n += t->n[order[i]] + 3;
    for (size_t b = B; b-- > 0;) t->ooff[b] = out_n, out_n += t->per[b] + 5;
    if (!mem_new(&t->in, in_n * el + 64) || !mem_new(&t->out, out_n * 4 + 64)) return 0;
    memset(t->out.p, CANARY, (size_t)t->out.m.size);
    float *x = malloc((hi + 1) * sizeof *x);
    if (!x) return 0;
    for (size_t b = 0; b < B; b++) {
        t_chirp(x, t->n[b], 17 + (unsigned)b);
        for (size_t i = 0; i < t->n[b]; i++) {
            if (s16) ((int16_t *)t->in.p)[t->off[b] + i] = (int16_t)lrintf(x[i] * 20000.0f);
            else ((float *)t->in.p)[t->off[b] + i] = x[i];
        }
    }
    free(x);
    return 1;
}

static void bt_free(bt *t)
{
    mem_free(&t->in);
    mem_free(&t->out);
}

static int bt_run(bt *t, wmel_ctx *c, size_t *failed)
{
    return wmel_vulkan_features_device_batch(c, &t->in.m, t->s16 ? WMEL_SAMPLE_S16 : WMEL_SAMPLE_F32, t->off, t->n,
                                             t->B, &t->out.m, t->ooff, t->len, failed);
}

/* clips [0, upto) against wmel_features on the host; the canaries (all of them where upto is
   B): the clips that differ */
static size_t bt_verify(const char *what, bt *t, wmel_ctx *c, size_t upto)
{
    size_t differ = 0;
    float *x = NULL, *ref = NULL;
    for (size_t b = 0; b < upto; b++) {
        x = realloc(x, (t->n[b] + 1) * sizeof *x);
        ref = realloc(ref, (t->per[b] + 1) * sizeof *ref);
        for (size_t i = 0; i < t->n[b]; i++)
            x[i] = t->s16 ? ((int16_t *)t->in.p)[t->off[b] + i] / 32768.0f : ((float *)t->in.p)[t->off[b] + i];
        CHECK(wmel_features(c, x, t->n[b], ref, t->per[b]) == WMEL_OK, "%s: the host's clip %zu", what, b);
        if (memcmp((float *)t->out.p + t->ooff[b], ref, t->per[b] * 4)) {
            if (!differ) fprintf(stderr, "%s: clip %zu (%zu samples) first differing\n", what, b, t->n[b]);
            differ++;
        }
    }
    if (upto == t->B) { /* every byte that is no clip's output: untouched */
        const unsigned char *o = t->out.p;
        size_t bad = 0, at = 0;
        for (size_t k = t->B; k-- > 0;) {
            for (; at < t->ooff[k] * 4; at++) bad += o[at] != CANARY;
            at = (t->ooff[k] + t->per[k]) * 4;
        }
        for (; at < (size_t)t->out.m.size; at++) bad += o[at] != CANARY;
        CHECK(bad == 0, "%s: %zu bytes beside the outputs written", what, bad);
    }
    free(x);
    free(ref);
    return differ;
}

static int g_arith = WMEL_VULKAN_ARITH_FLOAT64; /* mk's arithmetic */

static wmel_ctx *mk(const char *preset, int n_mels, int smooth, int check)
{
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_arith = g_arith;
    p.n_threads = 2;
    p.device_check = check;
    int st = 0;
    wmel_ctx *c = NULL;
    if (preset) {
        wmel_frontend_plan pl;
        char msg[256];
        if (wmel_preset_plan(preset, &pl, msg, sizeof msg) != WMEL_OK) {
            CHECK(0, "preset %s: %s", preset, msg);
            return NULL;
        }
        c = wmel_create_plan(&p, &pl, &st);
    } else {
        p.n_mels = n_mels;
        p.smooth = smooth;
        c = wmel_create(&p, &st);
    }
    CHECK(c != NULL, "create %s: %d %s", preset ? preset : "whisper", st, wmel_vulkan_error_detail());
    return c;
}

/* a batch's call: its submissions (the rounds counter) */
static size_t rounds_of(bt *t, wmel_ctx *c, int *rc)
{
    size_t failed = 0;
    const long long r0 = t_count(WMEL__CNT_VK_ROUNDS);
    *rc = bt_run(t, c, &failed);
    CHECK(*rc == WMEL_OK && failed == t->B, "rc %d failed %zu: %s", *rc, failed, wmel_vulkan_error_detail());
    return (size_t)(t_count(WMEL__CNT_VK_ROUNDS) - r0);
}

/* A mixed batch on ctx c: bytes, canaries, and the count law with F values a round */
static void mixed(const char *what, wmel_ctx *c, int s16, size_t B, size_t lo, size_t hi, size_t F, unsigned seed)
{
    bt t;
    if (!c || !bt_new(&t, c, s16, B, lo, hi, seed)) {
        CHECK(0, "%s: the test's batch", what);
        return;
    }
    const long long d0 = t_count(WMEL__CNT_VK_DEV_CLIPS);
    int rc = 0;
    const size_t rounds = rounds_of(&t, c, &rc);
    if (rc == WMEL_OK) {
        CHECK(bt_verify(what, &t, c, B) == 0, "%s: clips differ from wmel_features' bytes", what);
        CHECK(t_count(WMEL__CNT_VK_DEV_CLIPS) - d0 == (long long)B, "%s: %lld clips finished on the device", what,
              t_count(WMEL__CNT_VK_DEV_CLIPS) - d0);
    }
    const size_t law = (B + 63) / 64 + (t.values + F - 1) / F + 2;
    CHECK(rounds <= law && rounds * 4 <= B, "%s: %zu rounds for %zu clips (%zu values), the law's bound %zu", what,
          rounds, B, t.values, law);
    printf("%s: %zu clips (%zu..%zu samples, %zu values): %zu submissions (bound %zu, F %zu)\n", what, B, lo, hi,
           t.values, rounds, law, F);
    bt_free(&t);
}

/* F: output values a round of ctx c holds, at least: 64 clips of L samples (L small: the 64
   clips fit one round's buffers) make one round, whose clips' values are F */
static size_t values_a_round(wmel_ctx *c, size_t L)
{
    bt t;
    if (!bt_new(&t, c, 0, 64, L, L, 5)) return 1;
    int rc = 0;
    const size_t r = rounds_of(&t, c, &rc);
    CHECK(r == 1, "64 clips of %zu samples: %zu rounds, not 1", L, r);
    const size_t F = r ? t.values / r : 1;
    bt_free(&t);
    return F ? F : 1;
}

/* A bad sample in clip K of B (float32): the status, K in failed, the clips before it the
   host's bytes; v = 0: int16 of the same batch never refused */
static void bad_of(const char *what, wmel_ctx *c, float v, int want, size_t K, size_t B, size_t lo, size_t hi)
{
    bt t;
    if (!c || !bt_new(&t, c, 0, B, lo, hi, 99)) {
        CHECK(0, "%s: the test's batch", what);
        return;
    }
    ((float *)t.in.p)[t.off[K] + t.n[K] / 2] = v;
    size_t failed = 12345;
    const int rc = bt_run(&t, c, &failed);
    CHECK(rc == want, "%s: %d, not %d (%s)", what, rc, want, wmel_vulkan_error_detail());
    CHECK(failed == K, "%s: failed %zu, not %zu", what, failed, K);
    char needle[32];
    snprintf(needle, sizeof needle, "clip %zu ", K);
    CHECK(strstr(wmel_vulkan_error_detail(), needle) != NULL, "%s: detail '%s'", what, wmel_vulkan_error_detail());
    CHECK(bt_verify(what, &t, c, K) == 0, "%s: the clips before %zu differ", what, K);
    bt_free(&t);
}

/* 40 clips of 0.1 s to 1 s */
static void bad(const char *what, wmel_ctx *c, float v, int want, size_t K)
{
    bad_of(what, c, v, want, K, 40, 1600, 16000);
}

/* 1,024 clips of 400 to 2,000 samples (16 rounds and more), the bad sample in clip K of a
   round past the first: its status and index, as wmel_cuda_features_device_batch's
   (test_cuda_device_check) */
static void bad_many(const char *what, wmel_ctx *c, float v, int want, size_t K)
{
    bad_of(what, c, v, want, K, MAXB, 400, 2000);
}

static void errors(wmel_ctx *c)
{
    bt t;
    if (!bt_new(&t, c, 0, 6, 4000, 9000, 3)) {
        CHECK(0, "errors: the test's batch");
        return;
    }
    size_t failed = 0, keep;
    const wmel_vulkan_memory *in = &t.in.m, *out = &t.out.m;
    CHECK(wmel_vulkan_features_device_batch(c, in, WMEL_SAMPLE_F32, NULL, NULL, 0, out, NULL, NULL, &failed) ==
                  WMEL_OK && failed == 0,
          "batch 0: failed %zu", failed);
    CHECK(wmel_vulkan_features_device_batch(c, in, WMEL_SAMPLE_F32, t.off, NULL, 6, out, t.ooff, t.len, &failed) ==
                  WMEL_ERR_NULL_POINTER && failed == 6,
          "NULL n: failed %zu", failed);
    CHECK(wmel_vulkan_features_device_batch(c, in, 7, t.off, t.n, 6, out, t.ooff, t.len, &failed) ==
              WMEL_ERR_INVALID_ARG,
          "sample_type");
    t.len[3]--;
    CHECK(bt_run(&t, c, &failed) == WMEL_ERR_BUFFER_TOO_SMALL && failed == 3, "out_len: failed %zu", failed);
    t.len[3]++;
    keep = t.n[4];
    t.n[4] = 0;
    CHECK(bt_run(&t, c, &failed) == WMEL_ERR_NO_SAMPLES && failed == 4, "empty clip: failed %zu", failed);
    t.n[4] = keep;
    keep = t.off[2];
    t.off[2] = (size_t)t.in.m.size / 4 - t.n[2] + 1;
    CHECK(bt_run(&t, c, &failed) == WMEL_ERR_INVALID_ARG && failed == 2, "past the allocation: failed %zu", failed);
    t.off[2] = keep;
    keep = t.ooff[5];
    t.ooff[5] = t.ooff[1] + 7; /* over clip 1's output */
    CHECK(bt_run(&t, c, &failed) == WMEL_ERR_INVALID_ARG && (failed == 1 || failed == 5), "outputs overlap: %zu",
          failed);
    t.ooff[5] = keep;
    { /* an output over samples of the same allocation */
        bt u = t;
        u.out = t.in;
        for (size_t b = 0; b < 6; b++) u.ooff[b] = t.off[b] + 1;
        CHECK(bt_run(&u, c, &failed) == WMEL_ERR_INVALID_ARG, "output over samples: failed %zu", failed);
    }
    t.in.m.offset = 2;
    CHECK(bt_run(&t, c, &failed) == WMEL_ERR_INVALID_ARG && failed == 6, "offset not aligned: failed %zu", failed);
    t.in.m.offset = 0;
    CHECK(bt_run(&t, c, &failed) == WMEL_OK && failed == 6, "after the errors: %s", wmel_vulkan_error_detail());
    CHECK(bt_verify("errors", &t, c, 6) == 0, "errors: the batch after them");
    bt_free(&t);
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CPU;
    wmel_ctx *cpu = wmel_create(&p, NULL);
    CHECK(cpu && wmel_vulkan_features_device_batch(cpu, NULL, 0, NULL, NULL, 0, NULL, NULL, NULL, NULL) ==
                     WMEL_ERR_BACKEND_UNAVAILABLE,
          "a CPU ctx");
    wmel_destroy(cpu);
}

/* the process's open descriptors */
static int fds_open(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

/* Each Vulkan call of a batch's call failing in turn (a fresh ctx each time): WMEL_OK with
   wmel_features' bytes, or a status with a message and failed naming a clip or none; no
   descriptor left open */
static void injection(void)
{
    wmel_ctx *c = mk("nemo", 0, 0, 0);
    bt t;
    if (!c || !bt_new(&t, c, 0, 6, 1600, 40000, 21)) {
        CHECK(0, "injection: the test's batch");
        wmel_destroy(c);
        return;
    }
    size_t failed = 0;
    const long c0 = t_count(WMEL__CNT_VK_CALLS);
    int rc = bt_run(&t, c, &failed);
    const long calls = t_count(WMEL__CNT_VK_CALLS) - c0;
    CHECK(rc == WMEL_OK && calls > 4, "the counted call: %d, %ld Vulkan calls", rc, calls);
    wmel_destroy(c);
    int statuses = 0;
    for (long k = 1; k <= calls; k++) {
        c = mk("nemo", 0, 0, 0);
        if (!c) break;
        const int fds = fds_open();
        memset(t.out.p, CANARY, (size_t)t.out.m.size);
        t_vk_fail_at(k);
        rc = bt_run(&t, c, &failed);
        t_vk_fail_at(0);
        if (rc == WMEL_OK) CHECK(bt_verify("injection", &t, c, t.B) == 0, "call %ld of %ld failed: WMEL_OK", k, calls);
        else
            CHECK(wmel_vulkan_error_detail()[0] != '\0' && failed <= t.B, "call %ld of %ld failed: status %d, failed %zu",
                  k, calls, rc, failed);
        statuses += rc != WMEL_OK;
        CHECK(fds_open() == fds, "call %ld failed: %d descriptors open, %d before", k, fds_open(), fds);
        wmel_destroy(c);
    }
    CHECK(statuses > 0, "no injected failure reached the caller (%ld calls)", calls);
    printf("injection: %ld Vulkan calls failed in turn, %d gave a status\n", calls, statuses);
    bt_free(&t);
}

int main(void)
{
    char devs[1024];
    const int skip = t_vk_devices(devs, sizeof devs);
    if (skip) return skip;
    wmel_ctx *nemo = mk("nemo", 0, 0, 0);
    if (!nemo) return t_done("test_vulkan_devmem_batch");
    unsigned char du[16], dr[16];
    const int rc = wmel_vulkan_device_uuids(nemo, du, dr);
    if (rc == WMEL_ERR_BACKEND_UNAVAILABLE) {
        printf("skipped: %s\n", wmel_vulkan_error_detail());
        wmel_destroy(nemo);
        return 77;
    }
    CHECK(rc == WMEL_OK, "wmel_vulkan_device_uuids: %d", rc);
    if (rc != WMEL_OK || !vk_open(du, dr)) {
        printf("skipped: no Vulkan device of the ctx's UUIDs with VK_KHR_external_memory_fd for the test\n");
        wmel_destroy(nemo);
        return rc != WMEL_OK ? t_done("test_vulkan_devmem_batch") : 77;
    }
    /* 0.1 s to 30 s at 16 kHz (a few clips: lavapipe's float64 takes its time), and 1024
       clips of 0.1 s to 0.6 s; fewer under AddressSanitizer */
    const size_t B = T_SANITIZED ? 8 : 24, many = T_SANITIZED ? 256 : 1024;
    const size_t Fn = values_a_round(nemo, 32000);
    mixed("nemo f32", nemo, 0, B, 1600, 480000, Fn, 1);
    mixed("nemo s16", nemo, 1, B, 1600, 160000, Fn, 2);
    mixed("nemo many", nemo, 0, many, 1600, 9600, Fn, 3);
    errors(nemo);
    bad("nemo NaN", nemo, NAN, WMEL_ERR_NOT_FINITE, 23);
    bad("nemo Inf", nemo, -INFINITY, WMEL_ERR_NOT_FINITE, 0);
    bad("nemo 1e30", nemo, 1e30f, WMEL_ERR_SAMPLE_RANGE, 39);
    bad_many("nemo NaN in clip 517 of 1024", nemo, NAN, WMEL_ERR_NOT_FINITE, 517);
    wmel_destroy(nemo);
    wmel_ctx *chk = mk("nemo", 0, 0, 1);
    bad("nemo NaN device_check 1", chk, NAN, WMEL_ERR_NOT_FINITE, 17);
    wmel_destroy(chk);
    g_arith = WMEL_VULKAN_ARITH_FLOAT_FLOAT; /* the float-float module's check */
    wmel_ctx *ff = mk("nemo", 0, 0, 0);
    bad_many("nemo float-float: -Inf in clip 1023 of 1024", ff, -INFINITY, WMEL_ERR_NOT_FINITE, 1023);
    wmel_destroy(ff);
    g_arith = WMEL_VULKAN_ARITH_FLOAT64;
    wmel_ctx *kaldi = mk("kaldi", 0, 0, 0);
    if (kaldi) mixed("kaldi s16", kaldi, 1, B / 2, 1600, 480000, values_a_round(kaldi, 32000), 4);
    bad("kaldi -Inf in clip 7 of 40", kaldi, -INFINITY, WMEL_ERR_NOT_FINITE, 7);
    wmel_destroy(kaldi);
    const int mels[2] = {80, 128}, smooth[2] = {WMEL_SMOOTH_3X3, WMEL_SMOOTH_NONE};
    for (int k = 0; k < 2; k++) {
        wmel_ctx *w = mk(NULL, mels[k], smooth[k], 0);
        if (!w) continue;
        char what[64];
        snprintf(what, sizeof what, "whisper %d mels smooth %d", mels[k], smooth[k]);
        mixed(what, w, k, B / 2, 1600, 480000, values_a_round(w, 32000), 5 + (unsigned)k);
        if (k == 0) bad_many("whisper 80 mels: NaN in clip 517 of 1024", w, NAN, WMEL_ERR_NOT_FINITE, 517);
        else bad("whisper 128 mels: 1e30 in clip 29 of 40", w, 1e30f, WMEL_ERR_SAMPLE_RANGE, 29);
        wmel_destroy(w);
    }
    injection();
    vk_close();
    return t_done("test_vulkan_devmem_batch");
}
