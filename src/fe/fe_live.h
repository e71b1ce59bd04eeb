/*
 * fe_live.h -- live audio on the front-end plans' general path (fe_live.c): the frames of
 * the one frame stream (stream.c) and of the one sliding buffer (sliding.c) on the
 * general algorithm (algo.c's table).
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
                          size_t padding, size_t base, size_t t0, size_t nb, float *out, float *max);
/* The status of a stream of `total` samples at its end, and the frames computed. */
int wmel__fe_stream_end(const wmel_fe *fe, size_t total, size_t padding, size_t *end);

/* ---- frames on the calling thread (the sliding buffer's; wmel__algo_general's) ---- */

int wmel__fe_here_new(const wmel_fe *fe, void **work, size_t *bytes);
void wmel__fe_here_free(void *work);
int wmel__fe_here_frames(const wmel_ctx *ctx, void *work, const wmel_signal *s, size_t t0,
                         size_t count, float *dst, size_t ts, size_t cs, float *max);

#endif /* WMEL_FE_LIVE_H */
