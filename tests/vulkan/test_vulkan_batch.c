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
 * argument checks name the clip. Whisper's geometry (pfa400: wmel_create's 80 and 128 mels,
 * smoothed, without the normalisation, and the whisper presets' plans) takes shared rounds too
 * (vt->pfa_frames_batch): 1024 clips of mixed lengths (the shortest accepted, 201 samples, to
 * 30 s) equal 1024 single calls byte for byte in both arithmetics, one round at a time and
 * two, with dispatches cut to 700 and 3000 samples; 0- and 1-sample clips are refused with
 * their index; a clip past the device's sample range takes the single call's way; and each
 * Vulkan call of a Whisper batch and of a NeMo batch failed in turn gives a status with a
 * message or the single calls' bytes (the device's or the CPU's). The injection sweeps every
 * call in float64; float-float's batch makes the same calls from the same host code (its
 * pipelines and its self-test are built at create, before the injection starts), so
 * float-float fails its first call, every INJ_EVERY-th and the last, each required to fail at
 * float64's step (the failed call's name) and the count to be float64's, and sweeps every
 * call where one is not. The general plans' values read back as float32
 * give float64's bytes and statuses (WMEL_VULKAN_VALS_F64=1; t_vals_f32_check). Exit 77
 * without a device.
 */
#define _GNU_SOURCE /* setenv, RTLD_NODELETE */
#include "../api/batch_check.h"

#if defined(__linux__)
#include <dlfcn.h>
#endif
#include <stdio.h>

static wmel_ctx *vk_plan_ctx(const char *preset, int arith, const char *limit)
{
    wmel_frontend_plan plan;
    char msg[256];
    if (wmel_preset_plan(preset, &plan, msg, sizeof msg) != WMEL_OK) {
        CHECK(0, "preset %s: %s", preset, msg);
        return NULL;
    }
    plan.dither = 0.0; /* a dithered plan's frames are the CPU's (NeMo's preset): these on the device */
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_arith = arith;
    p.n_threads = 2;
    if (limit) t_setenv("WMEL_VULKAN_SIGNAL_LIMIT", limit, 1);
    int st = 0;
    wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
    if (limit) t_unsetenv("WMEL_VULKAN_SIGNAL_LIMIT");
    CHECK(c != NULL, "%s arith %d: create %d %s", preset, arith, st, wmel_vulkan_error_detail());
    return c;
}

/* The rounds (submissions) a batch of 64 short clips makes, and 64 single calls; the batch's
   clips read where they are wherever the single calls' are */
static void shared_dispatches(const char *preset, int arith)
{
    wmel_ctx *c = vk_plan_ctx(preset, arith, NULL);
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
    long long c0 = t_count(WMEL__CNT_VK_ROUNDS), b0 = t_count(WMEL__CNT_VK_BIMPORTS), o0 = t_count(WMEL__CNT_VK_BOUT_IMPORTS);
    const int rb = wmel_features_batch(c, (const float *const *)pcm, n, B, out, len, NULL);
    const long long batch_calls = t_count(WMEL__CNT_VK_ROUNDS) - c0, in_place = t_count(WMEL__CNT_VK_BIMPORTS) - b0,
                    out_in_place = t_count(WMEL__CNT_VK_BOUT_IMPORTS) - o0;
    c0 = t_count(WMEL__CNT_VK_ROUNDS);
    const long long i0 = t_count(WMEL__CNT_VK_IMPORTS);
    int rs = WMEL_OK;
    for (int b = 0; b < B && rs == WMEL_OK; b++) rs = wmel_features(c, pcm[b], n[b], out[b], len[b]);
    const long long single_calls = t_count(WMEL__CNT_VK_ROUNDS) - c0, single_in_place = t_count(WMEL__CNT_VK_IMPORTS) - i0;
    CHECK(rb == WMEL_OK && rs == WMEL_OK, "%s: %d %d", preset, rb, rs);
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "vulkan"), "%s: ran on %s", preset,
          wmel_op_backend(c, WMEL_OP_LOG_MEL));
    CHECK(batch_calls > 0 && batch_calls * 8 < single_calls, "%s arith %d: the batch made %lld rounds, 64 singles %lld",
          preset, arith, batch_calls, single_calls);
    CHECK(in_place == (single_in_place ? B : 0), "%s arith %d: %lld of the batch's clips read in place, %lld of the "
          "single calls'", preset, arith, in_place, single_in_place);
    CHECK(out_in_place == (single_in_place ? B : 0), "%s arith %d: %lld of the batch's outputs written in place",
          preset, arith, out_in_place);
    printf("arith %d: 64 clips: %lld rounds in one batch, %lld in single calls, %lld clips read in place (%s)\n",
           arith, batch_calls, single_calls, in_place, preset);
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
    t_setenv("WMEL_VULKAN_ROUNDS", "1", 1);
    wmel_ctx *one = vk_plan_ctx(preset, arith, limit);
    t_unsetenv("WMEL_VULKAN_ROUNDS");
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
    t_setenv("WMEL_VULKAN_ROUNDS", "3", 1);
    wmel_frontend_plan plan;
    char msg[256];
    wmel_preset_plan(preset, &plan, msg, sizeof msg);
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_arith = arith;
    int st = 0;
    wmel_ctx *bad = wmel_create_plan(&p, &plan, &st);
    t_unsetenv("WMEL_VULKAN_ROUNDS");
    CHECK(!bad && st == WMEL_ERR_BACKEND_UNAVAILABLE && strstr(wmel_vulkan_error_detail(), "WMEL_VULKAN_ROUNDS"),
          "WMEL_VULKAN_ROUNDS=3: %d '%s'", st, wmel_vulkan_error_detail());
    wmel_destroy(bad);
}

/* Whisper's front-end by wmel_create on Vulkan: n_mels, norm and smooth as given */
static wmel_ctx *vk_whisper_ctx(int n_mels, int norm, int smooth, int arith, const char *limit)
{
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_arith = arith;
    p.n_threads = 2;
    p.n_mels = n_mels;
    p.norm = norm;
    p.smooth = smooth;
    if (limit) t_setenv("WMEL_VULKAN_SIGNAL_LIMIT", limit, 1);
    int st = 0;
    wmel_ctx *c = wmel_create(&p, &st);
    if (limit) t_unsetenv("WMEL_VULKAN_SIGNAL_LIMIT");
    CHECK(c != NULL, "whisper %d mels arith %d: create %d %s", n_mels, arith, st, wmel_vulkan_error_detail());
    return c;
}

/* Clips of lengths lens[0 .. B) through one batch call and B single calls on c: the status
 * and index of the batch, and where it is WMEL_OK each clip's bytes equal to the single
 * call's, the float past each output untouched. */
static int lens_batch(wmel_ctx *c, const char *what, const size_t *lens, size_t B, size_t *failed, int check_bytes)
{
    float **pcm = calloc(B, sizeof *pcm), **ob = calloc(B, sizeof *ob), **os = calloc(B, sizeof *os);
    size_t *len = calloc(B, sizeof *len);
    for (size_t b = 0; b < B; b++) {
        size_t rows = 0, cols = 0;
        if (wmel_features_shape(c, lens[b], &rows, &cols) != WMEL_OK) rows = cols = 0;
        len[b] = rows * cols;
        pcm[b] = malloc((lens[b] ? lens[b] : 1) * sizeof(float));
        ob[b] = malloc((len[b] + 1) * sizeof(float));
        os[b] = malloc((len[b] + 1) * sizeof(float));
        t_chirp(pcm[b], lens[b], 90u + (unsigned)b);
        memset(ob[b], 0x7f, (len[b] + 1) * sizeof(float));
    }
    const int rc = wmel_features_batch(c, (const float *const *)pcm, lens, B, ob, len, failed);
    for (size_t b = 0; check_bytes && rc == WMEL_OK && b < B; b++) {
        float mark;
        memset(&mark, 0x7f, sizeof mark);
        const int rs = wmel_features(c, pcm[b], lens[b], os[b], len[b]);
        CHECK(rs == WMEL_OK && !memcmp(ob[b], os[b], len[b] * sizeof(float)) && !memcmp(&ob[b][len[b]], &mark, sizeof mark),
              "%s: clip %zu of %zu samples: single %d, the batch's bytes differ", what, b, lens[b], rs);
    }
    for (size_t b = 0; b < B; b++) {
        free(pcm[b]);
        free(ob[b]);
        free(os[b]);
    }
    free(pcm);
    free(ob);
    free(os);
    free(len);
    return rc;
}

/* Whisper's edges in a batch: the shortest clips accepted and 30 s beside them; a 0-sample
 * and a 1-sample clip refused with their index; a clip with a sample past the device's range
 * (1e16: the CPU's kernels, the single call's bytes) and one past float32's power (1e30:
 * WMEL_ERR_SAMPLE_RANGE, its index). */
static void whisper_edges(wmel_ctx *c, const char *what)
{
    static const size_t ok_lens[] = {201, 16000, 202, 359, 360, 361, 480000, 400, 401, 250, 16159, 1601, 480001, 3200};
    size_t failed = 0;
    int rc = lens_batch(c, what, ok_lens, sizeof ok_lens / sizeof ok_lens[0], &failed, 1);
    CHECK(rc == WMEL_OK && failed == sizeof ok_lens / sizeof ok_lens[0], "%s: edge lengths: %d at %zu", what, rc, failed);
    const size_t empty[] = {16000, 201, 0, 400}, one[] = {16000, 1, 201}, short_[] = {4000, 3000, 200};
    rc = lens_batch(c, what, empty, 4, &failed, 0);
    CHECK(rc == WMEL_ERR_NO_SAMPLES && failed == 2, "%s: a 0-sample clip 2: %d at %zu", what, rc, failed);
    rc = lens_batch(c, what, one, 3, &failed, 0);
    CHECK(rc == WMEL_ERR_TOO_SHORT && failed == 1, "%s: a 1-sample clip 1: %d at %zu", what, rc, failed);
    rc = lens_batch(c, what, short_, 3, &failed, 0);
    CHECK(rc == WMEL_ERR_TOO_SHORT && failed == 2, "%s: a 200-sample clip 2: %d at %zu", what, rc, failed);
    enum { B = 5, N = 6000 };
    float *pcm[B], *ob[B], *os[B];
    size_t n[B], len[B];
    for (int b = 0; b < B; b++) {
        size_t rows = 0, cols = 0;
        n[b] = N + 333 * (size_t)b;
        wmel_features_shape(c, n[b], &rows, &cols);
        len[b] = rows * cols;
        pcm[b] = malloc(n[b] * sizeof(float));
        ob[b] = malloc(len[b] * sizeof(float));
        os[b] = malloc(len[b] * sizeof(float));
        t_chirp(pcm[b], n[b], 70u + (unsigned)b);
    }
    pcm[1][n[1] - 1] = 1e16f; /* the last sample: read by the last frame only */
    rc = wmel_features_batch(c, (const float *const *)pcm, n, B, ob, len, &failed);
    CHECK(rc == WMEL_OK && failed == B, "%s: a sample of 1e16: %d at %zu", what, rc, failed);
    for (int b = 0; rc == WMEL_OK && b < B; b++)
        CHECK(wmel_features(c, pcm[b], n[b], os[b], len[b]) == WMEL_OK && !memcmp(ob[b], os[b], len[b] * sizeof(float)),
              "%s: 1e16 in clip 1: clip %d differs from its single call", what, b);
    pcm[3][N / 2] = 1e30f;
    rc = wmel_features_batch(c, (const float *const *)pcm, n, B, ob, len, &failed);
    CHECK(rc == WMEL_ERR_SAMPLE_RANGE && failed == 3, "%s: a sample of 1e30 in clip 3: %d at %zu", what, rc, failed);
    for (int b = 0; b < B; b++) {
        free(pcm[b]);
        free(ob[b]);
        free(os[b]);
    }
}

/* float-float's share of a batch's injection: its first call, every INJ_EVERY-th, its last.
 * The step each injected failure of float64's sweep hit (the detail's text before
 * " failed:"), by preset (0 Whisper, 1 NeMo) and call; its calls (0 until that sweep ran). */
enum { INJ_MAX = 400, INJ_EVERY = 5 };
static char g_step[2][INJ_MAX][96];
static long g_calls[2];

/* The step a failure's detail names ("" where none). */
static void inj_step(char *to, size_t cap)
{
    const char *d = wmel_vulkan_error_detail(), *e = strstr(d, " failed:");
    const size_t n = e ? (size_t)(e - d) : strlen(d);
    snprintf(to, cap, "%.*s", (int)(n < cap ? n : cap - 1), d);
}

/* Each Vulkan call of a batch (5 clips in rounds of 12000 samples) of a preset's plan
 * (Whisper's geometry; NeMo's, each clip finished on the device) failed in turn, out of
 * device memory and a lost device alternately: a status with a message and the index of a
 * clip, or WMEL_OK with each clip's bytes those of the single call on a healthy ctx or those
 * of the CPU backend (a clip the CPU took). Every call in float64;
 * in float-float (after float64's sweep) the first, every INJ_EVERY-th and the last, each
 * failing at float64's step, the calls as many as float64's; else every call. */
static void batch_inject(const char *preset, int arith)
{
    const int pi = !strcmp(preset, "nemo");
    /* float-float after float64's sweep: the calls at a subset (INJ_EVERY) while each
       sampled call is float64's step and the count is float64's; else every call */
    const long ref_calls = arith == WMEL_VULKAN_ARITH_FLOAT_FLOAT ? g_calls[pi] : 0;
    int sampled = ref_calls > 0, ran = 0;
    enum { B = 5 };
    float *pcm[B], *out[B], *want_vk[B], *want_cpu[B];
    size_t n[B], len[B], failed = 0;
    wmel_ctx *ok = vk_plan_ctx(preset, arith, "12000");
    wmel_frontend_plan plan;
    char msg[256];
    wmel_preset_plan(preset, &plan, msg, sizeof msg);
    plan.dither = 0.0; /* as vk_plan_ctx's */
    wmel_params pc = wmel_default_params();
    pc.backend = WMEL_BACKEND_CPU;
    pc.n_threads = 2;
    int st = 0;
    wmel_ctx *cpu = wmel_create_plan(&pc, &plan, &st);
    if (!ok || !cpu) {
        CHECK(0, "injection: ctxs %p %p", (void *)ok, (void *)cpu);
        wmel_destroy(ok);
        wmel_destroy(cpu);
        return;
    }
    for (int b = 0; b < B; b++) {
        size_t rows = 0, cols = 0;
        n[b] = 3000 + 2100 * (size_t)b; /* 3000 to 11400 samples: 4 rounds of 12000 */
        wmel_features_shape(ok, n[b], &rows, &cols);
        len[b] = rows * cols;
        pcm[b] = malloc(n[b] * sizeof(float));
        out[b] = malloc(len[b] * sizeof(float));
        want_vk[b] = malloc(len[b] * sizeof(float));
        want_cpu[b] = malloc(len[b] * sizeof(float));
        t_chirp(pcm[b], n[b], 50u + (unsigned)b);
        CHECK(wmel_features(ok, pcm[b], n[b], want_vk[b], len[b]) == WMEL_OK &&
                  wmel_features(cpu, pcm[b], n[b], want_cpu[b], len[b]) == WMEL_OK,
              "injection: clip %d's single calls", b);
    }
    long k;
    int statuses = 0, completed = 0;
    for (k = 1; k < INJ_MAX; k++) {
        if (sampled && k > 1 && k % INJ_EVERY && k < ref_calls) continue;
        wmel_ctx *c = vk_plan_ctx(preset, arith, "12000");
        if (!c) break;
        ran++;
        const long base = t_count(WMEL__CNT_VK_CALLS);
        t_vk_fail_at(k);
        failed = 12345;
        const int rc = wmel_features_batch(c, (const float *const *)pcm, n, B, out, len, &failed);
        const int fired = t_count(WMEL__CNT_VK_CALLS) >= base + k;
        t_vk_fail_at(0);
        char step[96] = "";
        if (fired) inj_step(step, sizeof step);
        if (arith == WMEL_VULKAN_ARITH_FLOAT64) snprintf(g_step[pi][k], sizeof g_step[pi][k], "%s", step);
        if (rc == WMEL_OK) {
            completed += fired;
            CHECK(failed == B, "injection at call %ld: WMEL_OK with failed %zu", k, failed);
            for (int b = 0; b < B; b++)
                CHECK(!memcmp(out[b], want_vk[b], len[b] * sizeof(float)) ||
                          !memcmp(out[b], want_cpu[b], len[b] * sizeof(float)),
                      "injection at call %ld: clip %d is neither the device's nor the CPU's bytes", k, b);
        } else {
            statuses++;
            t_vk_fault_status(rc, k);
            CHECK(failed < B, "injection at call %ld: status %d at clip %zu", k, rc, failed);
        }
        wmel_destroy(c);
        if (sampled && (fired != (k <= ref_calls) || strcmp(step, g_step[pi][k]))) {
            /* float-float's calls are not float64's here: every call of its batch in turn */
            printf("injection (a %s batch, float-float): call %ld fails at '%s', float64's at '%s' (of %ld calls): "
                   "every call swept\n", preset, k, step, k <= ref_calls ? g_step[pi][k] : "", ref_calls);
            sampled = 0, k = 0, ran = statuses = completed = 0;
            continue;
        }
        if (!fired) break;
    }
    if (arith == WMEL_VULKAN_ARITH_FLOAT64) g_calls[pi] = k - 1;
    CHECK(k > 4 && k < INJ_MAX, "injection: %ld call sites in a %s batch", k - 1, preset);
    printf("injection (a %s batch, arith %d): %ld Vulkan calls, %d of them failed in turn%s: %d statuses, %d batches "
           "completed\n", preset, arith, k - 1, ran - 1, sampled ? " (float64's steps at each)" : "", statuses,
           completed);
    for (int b = 0; b < B; b++) {
        free(pcm[b]);
        free(out[b]);
        free(want_vk[b]);
        free(want_cpu[b]);
    }
    wmel_destroy(ok);
    wmel_destroy(cpu);
}

/* The normalisation made in the read-back (a clip in one segment: the device's max of the
 * segment) against the host's pass after it (one max over a batch of one clip, which the
 * read-back leaves to the finish) and against a clip cut across rounds of 700 samples: the
 * same bytes. */
static void fused_norm_same(int arith)
{
    wmel_ctx *whole = vk_plan_ctx("whisper", arith, NULL), *cut = vk_plan_ctx("whisper", arith, "700");
    static const size_t lens[] = {201, 4000, 77777, 480000};
    for (size_t i = 0; whole && cut && i < sizeof lens / sizeof lens[0]; i++) {
        const size_t n = lens[i], per = 80 * wmel_n_frames(n, 0);
        float *x = malloc(n * sizeof(float)), *a = malloc(per * sizeof(float)), *b = malloc(per * sizeof(float)),
              *c = malloc(per * sizeof(float));
        t_chirp(x, n, 30u + (unsigned)i);
        const int ra = wmel_features(whole, x, n, a, per);
        const int rb = wmel_log_mel_batch(whole, x, 1, n, n, 0, WMEL_BATCH_GLOBAL, b, per);
        const int rc = wmel_features(cut, x, n, c, per);
        CHECK(ra == WMEL_OK && rb == WMEL_OK && rc == WMEL_OK && !memcmp(a, b, per * sizeof(float)) &&
                  !memcmp(a, c, per * sizeof(float)),
              "arith %d, %zu samples: normalised in the read-back %d, after it %d, across rounds %d: bytes %s", arith,
              n, ra, rb, rc, !memcmp(a, b, per * sizeof(float)) && !memcmp(a, c, per * sizeof(float)) ? "same" : "differ");
        free(x);
        free(a);
        free(b);
        free(c);
    }
    wmel_destroy(whole);
    wmel_destroy(cut);
}

/* Whisper's geometry in both arithmetics: 1024 clips of mixed lengths against single calls,
 * one round at a time and two, with dispatches cut small; each pfa400 front-end; the edges;
 * the shared rounds; the injection. */
static void whisper_batches(int arith)
{
    /* rounds 1 and 2 on dispatches of 700 samples (a clip of more than 4 frames spans
       rounds), and the default dispatches */
    const char *limits[3] = {"700", "700", NULL};
    for (int i = 0; i < 3; i++) {
        if (i == 0) t_setenv("WMEL_VULKAN_ROUNDS", "1", 1);
        wmel_ctx *c = vk_plan_ctx("whisper", arith, limits[i]);
        t_unsetenv("WMEL_VULKAN_ROUNDS");
        if (!c) continue;
        char what[128];
        snprintf(what, sizeof what, "whisper arith %d rounds %d limit %s", arith, i == 0 ? 1 : 2,
                 limits[i] ? limits[i] : "none");
        CHECK(bc_compare(c, what, 1024, 1, limits[i] ? 2500 : 12000, NULL) == 1024, "%s: 1024 clips", what);
        if (i == 2) bc_errors(c, what);
        wmel_destroy(c);
    }
    /* every pfa400 front-end: 80 mels smoothed, 128 without the normalisation, the 128 preset */
    const int fes[3][3] = {{80, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3}, {128, WMEL_NORM_NONE, WMEL_SMOOTH_NONE},
                           {128, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3}};
    for (int i = 0; i < 3; i++) {
        wmel_ctx *c = vk_whisper_ctx(fes[i][0], fes[i][1], fes[i][2], arith, "3000");
        char what[128];
        snprintf(what, sizeof what, "whisper %d mels norm %d smooth %d arith %d", fes[i][0], fes[i][1], fes[i][2], arith);
        if (c) CHECK(bc_compare(c, what, 32, 1, 20000, NULL) == 32, "%s", what);
        if (c && i == 0) whisper_edges(c, what);
        wmel_destroy(c);
    }
    wmel_ctx *c = vk_plan_ctx("whisper-128", arith, NULL);
    if (c) CHECK(bc_compare(c, "whisper-128", 32, 1, 20000, NULL) == 32, "whisper-128 arith %d", arith);
    wmel_destroy(c);
    shared_dispatches("whisper", arith);
    fused_norm_same(arith);
    batch_inject("whisper", arith);
    batch_inject("nemo", arith);
}

/* A batch's outputs written in place by the device, side by side in one buffer with three
   floats between them (offsets across pages): each the single call's bytes, the floats
   between and around them untouched; the clips' samples slices of one buffer too */
static void batch_canaries(const char *preset, int arith)
{
    wmel_ctx *c = vk_plan_ctx(preset, arith, NULL);
    if (!c) return;
    enum { B = 8, GAP = 3 };
    size_t n[B], len[B], at[B], total = GAP, stotal = 0;
    for (int b = 0; b < B; b++) {
        size_t rows = 0, cols = 0;
        n[b] = 5000 + 997 * (size_t)b;
        (void)wmel_features_shape(c, n[b], &rows, &cols);
        len[b] = rows * cols;
        at[b] = total;
        total += len[b] + GAP;
        stotal += n[b];
    }
    float *big = malloc(total * sizeof(float)), *x = malloc(stotal * sizeof(float));
    const float canary = -12345.5f;
    for (size_t i = 0; i < total; i++) big[i] = canary;
    t_chirp(x, stotal, 91);
    const float *pcm[B];
    float *out[B];
    for (int b = 0, off = 0; b < B; off += (int)n[b], b++) pcm[b] = x + off, out[b] = big + at[b];
    const long long o0 = t_count(WMEL__CNT_VK_BOUT_IMPORTS);
    CHECK(wmel_features_batch(c, pcm, n, B, out, len, NULL) == WMEL_OK, "%s canaries: the batch", preset);
    printf("arith %d: %s: %lld of %d outputs beside each other written in place\n", arith, preset,
           t_count(WMEL__CNT_VK_BOUT_IMPORTS) - o0, B);
    size_t touched = 0;
    for (int b = 0; b <= B; b++) {
        const size_t from = b ? at[b - 1] + len[b - 1] : 0, to = b < B ? at[b] : total;
        for (size_t i = from; i < to; i++) touched += big[i] != canary;
    }
    CHECK(touched == 0, "%s arith %d: %zu floats between the outputs written", preset, arith, touched);
    for (int b = 0; b < B; b++) {
        float *o = malloc(len[b] * sizeof(float));
        CHECK(wmel_features(c, pcm[b], n[b], o, len[b]) == WMEL_OK && !memcmp(o, out[b], len[b] * sizeof(float)),
              "%s arith %d: clip %d beside the others not the single call's bytes", preset, arith, b);
        free(o);
    }
    free(big);
    free(x);
    wmel_destroy(c);
}

/* A batch whose clips are read where they are (each round's windows copied by the device
   from the clips' pages, the samples' range checked by the round's flag, or by the host where
   the output buffer leaves no room for it): a clip with a sample past the bound (1e16), with
   1e30, with a NaN, beside good ones: the batch's status and index are the single calls'
   first failing one's, every clip before it the single call's bytes (which, where a round's
   flag is set, its clips take again). kind 0: kaldi; 1: kaldi at 64 mels and hop 80 with
   float64 values and rounds of 64 KiB (rounds of 128 frames whose values fill the output:
   the host's check, in float-float, whose general frames are checked); 2: Whisper's geometry. */
static void range_in_place(int arith, int kind)
{
    wmel_ctx *c = NULL;
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_VULKAN;
    p.vulkan_arith = arith;
    p.n_threads = 2;
    int st = 0;
    if (kind == 2) {
        c = wmel_create(&p, &st);
    } else {
        wmel_frontend_plan plan;
        char msg[128];
        (void)wmel_preset_plan("kaldi", &plan, msg, sizeof msg);
        plan.dither = 0.0;
        if (kind == 1) {
            plan.n_mels = 64;
            plan.hop = 80;
            t_setenv("WMEL_VULKAN_VALS_F64", "1", 1);
            t_setenv("WMEL_VULKAN_ROUND_BYTES", "65536", 1);
        }
        c = wmel_create_plan(&p, &plan, &st);
        t_unsetenv("WMEL_VULKAN_VALS_F64");
        t_unsetenv("WMEL_VULKAN_ROUND_BYTES");
    }
    CHECK(c != NULL, "range in place, kind %d arith %d: %d %s", kind, arith, st, wmel_vulkan_error_detail());
    if (!c) return;
    enum { B = 6 };
    const float bad[4] = {0.0f, 1e16f, 1e30f, NAN};
    for (int v = 0; v < 4; v++) {
        float *pcm[B], *out[B], *one[B];
        size_t n[B], len[B], failed = B;
        int single[B], first = -1;
        for (int b = 0; b < B; b++) {
            size_t rows = 0, cols = 0;
            n[b] = 12000 + 1111 * (size_t)b;
            (void)wmel_features_shape(c, n[b], &rows, &cols);
            len[b] = rows * cols;
            pcm[b] = malloc(n[b] * sizeof(float));
            out[b] = calloc(len[b] ? len[b] : 1, sizeof(float));
            one[b] = calloc(len[b] ? len[b] : 1, sizeof(float));
            t_chirp(pcm[b], n[b], 70u + (unsigned)b);
            if (v && b == 3) pcm[b][n[b] / 2] = bad[v];
        }
        for (int b = 0; b < B; b++) {
            single[b] = wmel_features(c, pcm[b], n[b], one[b], len[b]);
            if (single[b] != WMEL_OK && first < 0) first = b;
        }
        const long long h0 = t_count(WMEL__CNT_VK_WINDOWS_HOST), i0 = t_count(WMEL__CNT_VK_BIMPORTS);
        const int rc = wmel_features_batch(c, (const float *const *)pcm, n, B, out, len, &failed);
        CHECK(t_count(WMEL__CNT_VK_BIMPORTS) - i0 >= 1, "kind %d arith %d: no clip read in place", kind, arith);
        if (kind == 1 && arith == WMEL_VULKAN_ARITH_FLOAT_FLOAT) /* float64's general frames are not checked */
            CHECK(t_count(WMEL__CNT_VK_WINDOWS_HOST) > h0, "kind %d arith %d sample %g: the host checked no window", kind, arith,
                  (double)bad[v]);
        if (first < 0)
            CHECK(rc == WMEL_OK && failed == B, "kind %d arith %d sample %g: %d at %zu", kind, arith, (double)bad[v],
                  rc, failed);
        else
            CHECK(rc == single[first] && failed == (size_t)first, "kind %d arith %d sample %g: %d at %zu, single "
                  "calls %d at %d", kind, arith, (double)bad[v], rc, failed, single[first], first);
        for (int b = 0; b < (first < 0 ? B : first); b++)
            CHECK(!memcmp(out[b], one[b], len[b] * sizeof(float)), "kind %d arith %d sample %g: clip %d not the "
                  "single call's bytes", kind, arith, (double)bad[v], b);
        for (int b = 0; b < B; b++) {
            free(pcm[b]);
            free(out[b]);
            free(one[b]);
        }
    }
    wmel_destroy(c);
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
        shared_dispatches("kaldi", ariths[ai]);
        for (int kind = 0; kind < 3; kind++) range_in_place(ariths[ai], kind);
        batch_canaries("kaldi", ariths[ai]);
        batch_canaries("nemo", ariths[ai]);
        batch_canaries("whisper", ariths[ai]);
        whisper_batches(ariths[ai]);
        rounds_same("kaldi", ariths[ai], "700");
        rounds_same("whisper", ariths[ai], "700");
        rounds_same("nemo", ariths[ai], NULL);
        /* the general plans' values read back as float32: float64's bytes and statuses */
        size_t ns = 0;
        float *wav = t_load_wav("audio/speech_en.wav", &ns);
        if (wav && ns > 9000) {
            const char *vp[] = {"nemo", "kaldi", "seamless", "lhotse-mfcc", "clap", "pop2piano"};
            for (size_t i = 0; i < sizeof vp / sizeof vp[0]; i++)
                t_vals_f32_check(WMEL_BACKEND_VULKAN, ariths[ai], "WMEL_VULKAN_VALS_F64", vp[i], wav);
        }
        wmel_free(wav);
    }
    CHECK(ran > 0, "no arithmetic ran on the device");
    return t_done("test_vulkan_batch");
}
