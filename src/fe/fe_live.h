/*
 * fe_live.h -- live audio on the front-end plans' general path (fe_live.c): the frame
 * stream (wmel_stream_* on a ctx from a non-Whisper plan) and the sliding buffer's frame
 * cache and output (wmel_sliding_* on such a ctx). stream.c and sliding.c hand their
 * ctx's work here when ctx->fe is set.
 */
#ifndef WMEL_FE_LIVE_H
#define WMEL_FE_LIVE_H

#include "fe.h"

/* ---- frames as they complete ---- */

typedef struct wmel_fe_stream wmel_fe_stream;
/* Errors: WMEL_ERR_INVALID_ARG (padding != 0), WMEL_ERR_NO_MEMORY. */
wmel_fe_stream *wmel__fe_stream_new(const wmel_ctx *ctx, size_t padding, wmel_frames_fn fn,
                                    void *user, int *status);
void wmel__fe_stream_free(wmel_fe_stream *s);
int wmel__fe_stream_push(wmel_fe_stream *s, const float *pcm, size_t n);
int wmel__fe_stream_finish(wmel_fe_stream *s);
float wmel__fe_stream_max(const wmel_fe_stream *s);
size_t wmel__fe_stream_samples(const wmel_fe_stream *s);

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
