/*
 * fe_live.h -- live audio on the front-end plans' general path (fe_live.c): the frames of
 * the one frame stream (stream.c) on the general algorithm, and the sliding buffer's
 * frame cache and output (wmel_sliding_* on such a ctx).
 */
#ifndef WMEL_FE_LIVE_H
#define WMEL_FE_LIVE_H

#include "fe.h"

/* ---- the stream's frames (wmel__algo_general's, algo.c; the stream is stream.c's) ---- */

size_t wmel__fe_piece_cap(const wmel_fe *fe, size_t block);
/* The workers' kernel scratch (worker 0's made here, the others' on their first block). */
int wmel__fe_piece_new(const wmel_ctx *ctx, void **work);
void wmel__fe_piece_free(void *work);
/* Frames [t0, t0 + nb) of the piece x[0 .. n) on the ctx's workers (padding: 0). */
int wmel__fe_piece_frames(const wmel_ctx *ctx, void *work, const float *x, size_t n,
                          size_t padding, size_t t0, size_t nb, float *out, float *max);
/* The status of a stream of `total` samples at its end, and the frames computed. */
int wmel__fe_stream_end(const wmel_fe *fe, size_t total, size_t padding, size_t *end);

/* ---- the sliding buffer's frames ---- */

typedef struct wmel_fe_slide wmel_fe_slide;
wmel_fe_slide *wmel__fe_slide_new(const wmel_ctx *ctx, int *status);
void wmel__fe_slide_free(wmel_fe_slide *c);
/* Bytes held (the cache and the kernel's work buffers). */
size_t wmel__fe_slide_bytes(const wmel_fe_slide *c);
/* The buffer dropped its first k samples; returns 1 when cached frames were dropped
 * because the frame grid moved (k not a multiple of the hop). */
int wmel__fe_slide_trim(wmel_fe_slide *c, size_t k);
/* wmel_features() of x[0..n) into out (out_len floats, checked here); *computed receives
 * the frames that went through the kernel. */
int wmel__fe_slide_features(wmel_fe_slide *c, const float *x, size_t n, float *out,
                            size_t out_len, size_t *computed);
/* The frames the output of n samples holds (computed or zero). */
size_t wmel__fe_slide_n_frames(const wmel_fe_slide *c, size_t n);

#endif /* WMEL_FE_LIVE_H */
