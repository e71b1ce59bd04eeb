/* batch_check.h -- wmel_features_batch against single wmel_features calls: clips of random
 * lengths (each one the ctx's plan accepts), the batch's bytes equal to the singles' bytes,
 * clip by clip (test_features_batch.c on the CPU, test_vulkan_batch.c on Vulkan). */
#ifndef WMEL_BATCH_CHECK_H
#define WMEL_BATCH_CHECK_H

#include "testutil.h"
#include "wmel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t bc_rng = 0x9e3779b97f4a7c15ull;
static uint32_t bc_rnd(void)
{
    bc_rng = bc_rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(bc_rng >> 33);
}

/* n_clips clips of lengths in [lo, hi] samples that wmel_features_shape accepts, through
 * one batch call and n_clips single calls: returns the clips compared (0 on a failure, a
 * failed CHECK); *samples (may be NULL): their total length. */
static size_t bc_compare(wmel_ctx *ctx, const char *what, size_t n_clips, size_t lo, size_t hi, size_t *samples)
{
    float **pcm = calloc(n_clips, sizeof *pcm), **ob = calloc(n_clips, sizeof *ob), **os = calloc(n_clips, sizeof *os);
    size_t *n = calloc(n_clips, sizeof *n), *len = calloc(n_clips, sizeof *len);
    CHECK(pcm && ob && os && n && len, "malloc");
    size_t total = 0, ok = 0;
    for (size_t b = 0; pcm && ob && os && n && len && b < n_clips; b++) {
        size_t rows = 0, cols = 0;
        do n[b] = lo + bc_rnd() % (hi - lo + 1);
        while (wmel_features_shape(ctx, n[b], &rows, &cols) != WMEL_OK);
        pcm[b] = malloc(n[b] * sizeof(float));
        len[b] = rows * cols;
        ob[b] = malloc((len[b] + 1) * sizeof(float));
        os[b] = malloc((len[b] + 1) * sizeof(float));
        if (pcm[b]) t_chirp(pcm[b], n[b], (unsigned)b * 7u + 1u);
        if (ob[b]) memset(ob[b], 0x7f, (len[b] + 1) * sizeof(float)); /* one float past the clip's: untouched */
        total += n[b];
    }
    size_t failed = 12345;
    const int rb = wmel_features_batch(ctx, (const float *const *)pcm, n, n_clips, ob, len, &failed);
    CHECK(rb == WMEL_OK && failed == n_clips, "%s: batch of %zu: %d (%s), failed %zu", what, n_clips, rb,
          wmel_strerror(rb), failed);
    size_t bad = 0;
    for (size_t b = 0; rb == WMEL_OK && b < n_clips; b++) {
        const int rs = wmel_features(ctx, pcm[b], n[b], os[b], len[b]);
        const float guard = ob[b][len[b]];
        float mark;
        memset(&mark, 0x7f, sizeof mark);
        if (rs != WMEL_OK || memcmp(ob[b], os[b], len[b] * sizeof(float)) || memcmp(&guard, &mark, sizeof mark)) {
            if (bad++ < 5)
                CHECK(0, "%s: clip %zu of %zu samples (%zu floats): single %d, batch bytes differ", what, b, n[b],
                      len[b], rs);
        } else {
            ok++;
        }
    }
    CHECK(bad == 0, "%s: %zu of %zu clips differ", what, bad, n_clips);
    for (size_t b = 0; b < n_clips; b++) {
        if (pcm) free(pcm[b]);
        if (ob) free(ob[b]);
        if (os) free(os[b]);
    }
    free(pcm);
    free(ob);
    free(os);
    free(n);
    free(len);
    if (samples) *samples = total;
    return bad ? 0 : ok;
}

/* The argument checks and a failing clip's index, on ctx (a plan whose shortest accepted
 * clip is at most 4000 samples). */
static void bc_errors(wmel_ctx *ctx, const char *what)
{
    enum { B = 6, N = 4000 };
    float *pcm[B], *out[B];
    size_t n[B], len[B], failed = 0;
    for (int b = 0; b < B; b++) {
        size_t rows = 0, cols = 0;
        n[b] = N + 160 * (size_t)b;
        CHECK(wmel_features_shape(ctx, n[b], &rows, &cols) == WMEL_OK, "%s: shape", what);
        len[b] = rows * cols;
        pcm[b] = malloc(n[b] * sizeof(float));
        out[b] = malloc((len[b] ? len[b] : 1) * sizeof(float));
        t_chirp(pcm[b], n[b], 40u + (unsigned)b);
    }
    const float *const *in = (const float *const *)pcm;
    CHECK(wmel_features_batch(NULL, in, n, B, out, len, &failed) == WMEL_ERR_NULL_POINTER && failed == B, "%s", what);
    CHECK(wmel_features_batch(ctx, NULL, NULL, 0, NULL, NULL, &failed) == WMEL_OK && failed == 0, "%s: empty", what);
    CHECK(wmel_features_batch(ctx, NULL, n, B, out, len, &failed) == WMEL_ERR_NULL_POINTER && failed == B, "%s", what);
    CHECK(wmel_features_batch(ctx, in, NULL, B, out, len, NULL) == WMEL_ERR_NULL_POINTER, "%s", what);
    CHECK(wmel_features_batch(ctx, in, n, B, NULL, len, NULL) == WMEL_ERR_NULL_POINTER, "%s", what);
    CHECK(wmel_features_batch(ctx, in, n, B, out, NULL, NULL) == WMEL_ERR_NULL_POINTER, "%s", what);
    /* one clip's argument: its status and index, as wmel_features says it */
    size_t keep = n[3];
    n[3] = 0;
    int rc = wmel_features_batch(ctx, in, n, B, out, len, &failed);
    CHECK(rc == WMEL_ERR_NO_SAMPLES && failed == 3, "%s: empty clip 3: %d at %zu", what, rc, failed);
    n[3] = keep;
    len[4]--;
    rc = wmel_features_batch(ctx, in, n, B, out, len, &failed);
    CHECK(rc == WMEL_ERR_BUFFER_TOO_SMALL && failed == 4, "%s: clip 4's out_len short: %d at %zu", what, rc, failed);
    len[4]++;
    float *keep_p = pcm[2];
    pcm[2] = NULL;
    rc = wmel_features_batch(ctx, in, n, B, out, len, &failed);
    CHECK(rc == WMEL_ERR_NULL_POINTER && failed == 2, "%s: clip 2's pcm NULL: %d at %zu", what, rc, failed);
    pcm[2] = keep_p;
    /* a NULL clip first or last, and a NULL clip after a refused one (never read: the
       first refusal is the answer) */
    keep_p = pcm[0];
    pcm[0] = NULL;
    rc = wmel_features_batch(ctx, in, n, B, out, len, &failed);
    CHECK(rc == WMEL_ERR_NULL_POINTER && failed == 0, "%s: clip 0's pcm NULL: %d at %zu", what, rc, failed);
    pcm[0] = keep_p;
    keep_p = pcm[B - 1];
    pcm[B - 1] = NULL;
    rc = wmel_features_batch(ctx, in, n, B, out, len, &failed);
    CHECK(rc == WMEL_ERR_NULL_POINTER && failed == B - 1, "%s: the last clip's pcm NULL: %d at %zu", what, rc, failed);
    pcm[B - 1] = keep_p;
    keep_p = pcm[1];
    pcm[1] = NULL;
    n[0] = 0;
    rc = wmel_features_batch(ctx, in, n, B, out, len, &failed);
    CHECK(rc == WMEL_ERR_NO_SAMPLES && failed == 0, "%s: clip 0 empty, clip 1's pcm NULL: %d at %zu", what, rc, failed);
    n[0] = N;
    pcm[1] = keep_p;
    float *keep_o = out[5];
    out[5] = out[1]; /* two clips' outputs share bytes */
    rc = wmel_features_batch(ctx, in, n, B, out, len, &failed);
    CHECK(rc == WMEL_ERR_INVALID_ARG && (failed == 5 || failed == 1), "%s: shared outputs: %d at %zu", what, rc,
          failed);
    out[5] = keep_o;
    /* a NaN in clip 4: its status and index, clips 0..3 written as the single calls write them */
    pcm[4][N / 2] = NAN;
    rc = wmel_features_batch(ctx, in, n, B, out, len, &failed);
    CHECK(rc == WMEL_ERR_NOT_FINITE && failed == 4, "%s: NaN in clip 4: %d at %zu", what, rc, failed);
    CHECK(wmel_features(ctx, pcm[4], n[4], out[4], len[4]) == WMEL_ERR_NOT_FINITE, "%s: single NaN", what);
    for (int b = 0; b < 4; b++) {
        float *o = malloc((len[b] ? len[b] : 1) * sizeof(float));
        CHECK(wmel_features(ctx, pcm[b], n[b], o, len[b]) == WMEL_OK && !memcmp(o, out[b], len[b] * sizeof(float)),
              "%s: clip %d before the failing one not written as the single call", what, b);
        free(o);
    }
    for (int b = 0; b < B; b++) {
        free(pcm[b]);
        free(out[b]);
    }
}

#endif
