/*
 * mel_fixed.c -- `wmel mel INPUT -o OUT.npy --fixed-point [--dtype float32|int16|int8]`:
 * the log-Mel through the integer front-end (wmel_fx.h), the computation an MCU or NPU
 * runs, bit for bit. The input is quantised to 16-bit PCM (round to nearest; 16-bit
 * sources are exact), computed in batches of 64 frames, normalised over the whole clip
 * and written as int16 (Q13, scale 1/8192, zero point 0), int8 (scale 1/64, zero point
 * -32) or float32 (the int16 values dequantised). --norm none writes the raw log10
 * (int16 Q11, or float32 = value / 2048).
 */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"
#include "input.h"
#include "out.h"
#include "wmel.h"
#include "wmel_fx.h"
#include "fx_clip.h"
#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* A .npy of int16 ('<i2') or int8 ('|i1'): the float32 header with its descr replaced
 * (the same length). */
static int write_int_npy(const char *path, const size_t shape[2], const void *data, size_t elem,
                         char *err, size_t err_len)
{
    char h[1024];
    size_t hl = cli_npy_header(h, sizeof h, shape, 2, 0);
    char *d = NULL; /* the header's magic holds NULs: no strstr */
    for (size_t i = 0; hl && i + 5 <= hl && !d; i++)
        if (!memcmp(h + i, "'<f4'", 5)) d = h + i;
    if (!d) {
        snprintf(err, err_len, "%s: shape too long for the header", path);
        return WMEL_ERR_OVERFLOW;
    }
    memcpy(d + 1, elem == 2 ? "<i2" : "|i1", 3);
    cli_out o;
    int rc = cli_out_open(&o, path, 0, err, err_len);
    if (rc) return rc;
    size_t count = shape[0] * shape[1];
    errno = 0;
    if (fwrite(h, 1, hl, o.f) != hl || (count && fwrite(data, elem, count, o.f) != count)) {
        snprintf(err, err_len, "%s: write failed: %s", path, errno ? strerror(errno) : "unknown error");
        cli_out_abort(&o);
        return WMEL_ERR_IO;
    }
    return cli_out_commit(&o, err, err_len);
}

int cli_mel_fixed(const char *in, const char *out, int n_mels, int norm, int dtype,
                       size_t padding, int pad30, int quiet, int verbose, int raw_f32)
{
    char err[1024];
    float *pcm = NULL;
    size_t n = 0;
    int rc = pad30 ? cli_load_head(in, WMEL_CHUNK_SAMPLES, &pcm, &n, quiet, raw_f32, err, sizeof err)
                   : cli_load_input(in, &pcm, &n, quiet, raw_f32, err, sizeof err);
    if (rc) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    size_t total = pad30 ? WMEL_CHUNK_SAMPLES : n + padding;
    if (!pad30 && total < n) total = SIZE_MAX; /* overflow: refused below */
    size_t nf = total / WMEL_HOP, count = (size_t)n_mels * nf;
    int16_t *s16 = total < SIZE_MAX / 2 ? malloc(total * sizeof(int16_t) + 1) : NULL;
    int16_t *raw = malloc(count * sizeof(int16_t) + 1);
    float *f32 = dtype == 0 ? malloc(count * sizeof(float) + 1) : NULL;
    if (!s16 || !raw || (dtype == 0 && !f32)) {
        free(pcm); free(s16); free(raw); free(f32);
        cli_msg("wmel: %s: out of memory", in);
        return 1;
    }
    size_t clipped = 0;
    for (size_t i = 0; i < total; i++) {
        double v = i < n ? floor((double)pcm[i] * 32768.0 + 0.5) : 0.0;
        if (v > 32767 || v < -32768) clipped++;
        s16[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    free(pcm);
    if (clipped && !quiet)
        cli_msg("wmel: warning: %s: %zu samples beyond 16-bit full scale were clipped", in, clipped);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = total <= 200 ? WMEL_ERR_TOO_SHORT : wmel_fx_clip(s16, total, n_mels, raw);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(s16);
    if (rc) {
        free(raw); free(f32);
        cli_msg("wmel: %s: %s", in, wmel_strerror(rc));
        return 1;
    }
    int16_t mx = wmel_fx_max_of(raw, count);
    const char *what;
    if (norm == WMEL_NORM_WHOLE && dtype == 2) wmel_fx_normalize_i8(raw, count, mx, (int8_t *)raw);
    else if (norm == WMEL_NORM_WHOLE) wmel_fx_normalize_i16(raw, count, mx, raw);
    double scale = norm == WMEL_NORM_NONE ? 1.0 / 2048 : dtype == 2 ? 1.0 / 64 : 1.0 / 8192;
    int zero = norm == WMEL_NORM_WHOLE && dtype == 2 ? WMEL_FX_I8_ZERO : 0;
    if (dtype == 0)
        for (size_t i = 0; i < count; i++) f32[i] = (float)(raw[i] * scale);
    size_t shape[2] = {(size_t)n_mels, nf};
    if (dtype == 0) {
        what = "float32";
        rc = cli_write_npy_atomic(out, shape, 2, f32, err, sizeof err);
    } else {
        what = dtype == 1 ? "int16" : "int8";
        rc = write_int_npy(out, shape, raw, dtype == 1 ? 2 : 1, err, sizeof err);
    }
    free(raw);
    free(f32);
    if (rc) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    if (verbose) {
        double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) * 1e-6;
        printf("%s: %zu samples (%.2f s at 16 kHz) + %zu padding -> (%d, %zu) %s, fixed point\n", cli_esc(in), n,
               n / 16000.0, pad30 ? (n < WMEL_CHUNK_SAMPLES ? WMEL_CHUNK_SAMPLES - n : 0) : padding, n_mels,
               nf, what);
        printf("  %s: value = (q - zero_point) * scale, scale %.10g (2^%d), zero point %d\n",
               norm == WMEL_NORM_NONE ? "raw log10 (Q11)" : dtype == 2 ? "int8" : "int16 Q13",
               dtype == 2 && norm == WMEL_NORM_WHOLE ? 1.0 / 64 : scale,
               norm == WMEL_NORM_NONE ? -11 : dtype == 2 ? -6 : -13, zero);
        if (dtype == 0) printf("  float32 output: the int16 values dequantised with that scale\n");
        printf("  %.3f ms, integer arithmetic, batches of %d frames (state %zu bytes)\n", ms, WMEL_FX_CLIP_BATCH,
               wmel_fx_state_size(n_mels, WMEL_FX_CLIP_BATCH));
    }
    return 0;
}
