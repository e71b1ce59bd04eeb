/*
 * stream.c -- log-Mel features of audio of any length in bounded memory, and the
 * windows openai-whisper's transcribe() cuts from them.
 *
 * Streaming, on every plan: frame t reads samples from t hop + off on (fe->off; Whisper:
 * [160 t - 200, 160 t + 200) with reflection at both ends, torch.stft center=True).
 * Frames are computed as soon as their samples are in (all the frames a push completes
 * leave before it returns, in blocks of at most SB_FRAMES), from a piece of the signal
 * that starts at a multiple of the hop, 2 samples or more before the next frame's first
 * (for Whisper's geometry: 2 frames, 320 samples, before the next frame): a frame
 * computed from the piece then never reaches the piece's start, so the start
 * reflection only happens while the piece still starts at sample 0, where it is the
 * true reflection; the end reflection is translation-invariant, so the last frames are
 * computed from the piece with the stream's `padding` zeros appended (Whisper's only).
 * The compiled plan's algorithm computes a block's frames (fe_live.c's comment says why
 * the general path's frames agree). The values are bit-identical to the offline call
 * on the whole clip (same kernels, same frames); only the normalisation waits.
 *
 * Windows follow whisper/transcribe.py: mel = log_mel_spectrogram(audio, padding=N_SAMPLES),
 * content_frames = mel.shape[-1] - N_FRAMES (= n // 160), mel_segment =
 * pad_or_trim(mel[:, seek:seek + segment_size], N_FRAMES) at seek = 0, 3000, ...
 * The raw windows of the first pass are kept in memory up to MEM_WINDOWS, then spilled
 * to a tmpfile(); wmel_windows_next() normalises each with the global max.
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"
#include "fe/fe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_FRAMES 2048         /* frames per emitted block, at most */
#define SB_BLOCK_SAMPLES 327680 /* and at most this many samples of hops */
#define MEM_WINDOWS 4

/* One stream for every plan: the piece of signal and the frame grid are the plan's
 * (hop, fe->off); the frames of a block come from the compiled plan's algorithm
 * (algo->piece_frames: the frame driver for Whisper's geometry, fe_live.c's team of frame
 * kernels for any other), each bit-identical to the same frame of the offline call. */
struct wmel_stream {
    wmel_ctx *ctx;
    const wmel_fe *fe;
    const wmel_algo *algo;
    size_t padding;
    wmel_frames_fn fn;
    void *user;
    float *buf;           /* samples [start, start + len) of the signal; start % hop == 0
                             while a frame is still to come */
    size_t cap, start, len;
    size_t total;         /* samples pushed */
    size_t next;          /* next frame to emit */
    size_t block;         /* frames per block */
    float *out;           /* [n_cols][block] */
    float max;
    int finished;
    int failed;
    int cols;             /* 1: the ctx's per-column affine on each frame */
    void *work;           /* the algorithm's (algo->piece_new) */
};

wmel_stream *wmel_stream_create(wmel_ctx *ctx, size_t padding, wmel_frames_fn fn, void *user,
                                int *status)
{
    if (ctx && ctx->fe->p.n_samples > 0) { /* the clip's length is known only at its end */
        if (status) *status = WMEL_ERR_INVALID_ARG;
        return NULL;
    }
    return wmel__stream_create(ctx, padding, fn, user, 1, status);
}

wmel_stream *wmel__stream_create(wmel_ctx *ctx, size_t padding, wmel_frames_fn fn, void *user, int cols,
                                 int *status)
{
    if (!ctx || !fn) {
        if (status) *status = WMEL_ERR_NULL_POINTER;
        return NULL;
    }
    ctx = wmel__live_ctx(ctx); /* a device's plan of Whisper's geometry: the CPU's own kernels */
    const wmel_algo *algo = ctx->fe->algo;
    /* raw frames: nothing to smooth yet; the padding argument is Whisper's only; a
       per-column affine of the stacked rows has no rows here (the frames are unstacked) */
    if (ctx->params.smooth != WMEL_SMOOTH_NONE || (padding && !algo->stream_padding) ||
        (cols && ctx->fe->col_scale && ctx->fe->p.cols_stacked)) {
        if (status) *status = WMEL_ERR_INVALID_ARG;
        return NULL;
    }
    wmel_stream *s = calloc(1, sizeof *s);
    int st = s ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    if (s) {
        const size_t hop = (size_t)ctx->fe->p.hop;
        s->ctx = ctx;
        s->fe = ctx->fe;
        s->algo = algo;
        s->padding = padding;
        s->cols = cols && ctx->fe->col_scale;
        s->fn = fn;
        s->user = user;
        s->max = -1e30f;
        s->block = SB_BLOCK_SAMPLES / hop;
        if (s->block > SB_FRAMES) s->block = SB_FRAMES;
        if (s->block < 1) s->block = 1;
        s->cap = algo->piece_cap(ctx->fe, s->block);
        s->buf = wmel__aligned_alloc(s->cap * sizeof(float));
        s->out = malloc(s->block * (size_t)ctx->fe->n_cols * sizeof(float));
        st = algo->piece_new(ctx, &s->work);
        if (st == WMEL_OK && (!s->buf || !s->out)) st = WMEL_ERR_NO_MEMORY;
    }
    if (st != WMEL_OK) {
        wmel_stream_destroy(s);
        s = NULL;
    }
    if (status) *status = st;
    return s;
}

void wmel_stream_destroy(wmel_stream *s)
{
    if (!s) return;
    if (s->algo) s->algo->piece_free(s->work);
    wmel__aligned_free(s->buf);
    free(s->out);
    free(s);
}

float wmel_stream_max(const wmel_stream *s) { return s ? s->max : -1e30f; }

size_t wmel_stream_samples(const wmel_stream *s) { return s ? s->total : 0; }

/* Emits frames [s->next, end) computed from the piece (final: the signal ends with it,
 * and the stream's padding zeros follow). */
static int emit(wmel_stream *s, size_t end, int final)
{
    const size_t base = s->start / (size_t)s->fe->p.hop;
    while (s->next < end) {
        const size_t nb = end - s->next < s->block ? end - s->next : s->block;
        float mx = s->max;
        int rc = s->algo->piece_frames(s->ctx, s->work, s->buf, s->len, final ? s->padding : 0,
                                       base, s->next - base, nb, s->out, &mx);
        if (rc == WMEL_OK && s->cols) {
            wmel__fe_cols(s->fe, s->out, 1, nb, 0, nb); /* out[n_cols][nb] */
            rc = wmel__fe_out_check(s->fe, s->out, nb * (size_t)s->fe->n_cols);
        }
        if (rc == WMEL_OK) rc = s->fn(s->user, s->out, s->next, nb);
        if (rc != WMEL_OK) {
            s->failed = rc;
            return rc;
        }
        s->max = mx;
        s->next += nb;
    }
    return WMEL_OK;
}

/* Frames whose samples are all in: the window inside what was pushed (first sample
 * t hop + off), and, with a centred reflection, more than n_fft / 2 samples (the start
 * reflection reads up to there); never more than the output of `total` samples holds. */
static size_t ready_frames(const wmel_stream *s)
{
    const wmel_frontend_plan *p = &s->fe->p;
    const size_t reach = wmel__fe_reflect_reach(p);
    if (reach && s->total <= reach) return 0;
    const long long room = wmel__fe_live_end(p, s->total) - s->fe->off - p->frame_length;
    const size_t r = room < 0 ? 0 : (size_t)(room / p->hop) + 1;
    const size_t c = wmel__fe_computed(p, s->total); /* n_frames truncates */
    return r < c ? r : c;
}

/* Drops the samples no frame from `next` on reads: the piece starts at a multiple of the
 * hop, 2 samples or more before the next frame's first (at 0 while that is below 2;
 * Whisper's geometry: 2 frames before it). A plan with n_frames, once its n_frames frames
 * are out, reads no later sample: the piece is then emptied at each push (its start may
 * leave the hop grid; no frame is computed from it again), so input of any length fits. */
static void slide(wmel_stream *s)
{
    const size_t hop = (size_t)s->fe->p.hop;
    if (s->fe->p.n_frames && s->next >= (size_t)s->fe->p.n_frames) { /* every frame out */
        s->start += s->len;
        s->len = 0;
        return;
    }
    /* an end reflection reads back up to pad_right samples before the signal's end, which
       lies less than a hop after the next frame's window start (frame_length >= 2) */
    const long long back = s->fe->p.pad_mode == WMEL_PAD_REFLECT ? (long long)s->fe->p.pad_right + hop : 0;
    long long lo = (long long)s->next * (long long)hop + s->fe->off - 2 - back;
    /* a window that starts past the samples in (off > 0: kaldi_center with hop > frame_length,
       window_offset) keeps the piece on the hop grid at or before the end of what was pushed */
    if (lo > (long long)s->total) lo = (long long)s->total;
    if (lo <= 0) return;
    const size_t from = (size_t)lo / hop * hop;
    if (from <= s->start) return;
    size_t drop = from - s->start;
    if (drop > s->len) drop = s->len; /* not reached: lo <= total */
    memmove(s->buf, s->buf + drop, (s->len - drop) * sizeof(float));
    s->len -= drop;
    s->start += drop;
}

int wmel_stream_push(wmel_stream *s, const float *pcm, size_t n)
{
    if (!s || (!pcm && n)) return WMEL_ERR_NULL_POINTER;
    if (s->failed) return s->failed;
    if (s->finished) return WMEL_ERR_INVALID_ARG;
    /* more samples in all than the address space holds as floats (2^29 on a 32-bit
       target): refused before one is read */
    if (n > SIZE_MAX / 8 - s->total) return WMEL_ERR_OVERFLOW;
    if (s->algo->stream_checks_samples && !wmel__all_finite(pcm, n)) return WMEL_ERR_NOT_FINITE;
    while (n) {
        if (s->len == s->cap) {
            int rc = emit(s, ready_frames(s), 0);
            if (rc) return rc;
            slide(s);
            if (s->len == s->cap) return WMEL_ERR_INVALID_ARG; /* cannot happen */
        }
        size_t k = s->cap - s->len;
        if (k > n) k = n;
        memcpy(s->buf + s->len, pcm, k * sizeof(float));
        s->len += k;
        s->total += k;
        pcm += k;
        n -= k;
        const size_t ready = ready_frames(s);
        if (ready - s->next >= s->block) {
            int rc = emit(s, s->next + (ready - s->next) / s->block * s->block, 0);
            if (rc) return rc;
            slide(s);
        }
    }
    /* live audio: every frame whose samples are in leaves before the call returns */
    const size_t ready = ready_frames(s);
    if (ready > s->next) {
        int rc = emit(s, ready, 0);
        if (rc) return rc;
        slide(s);
    }
    return WMEL_OK;
}

int wmel_stream_finish(wmel_stream *s)
{
    if (!s) return WMEL_ERR_NULL_POINTER;
    if (s->failed) return s->failed;
    if (s->finished) return WMEL_OK;
    size_t end;
    int rc = s->algo->stream_end(s->fe, s->total, s->padding, &end);
    if (rc) return rc;
    s->finished = 1;
    return emit(s, end, 1);
}

/* ---------------------------------------------------------------- windows */

struct wmel_windows {
    int n_mels;
    size_t n_samples, content_frames, count, next;
    size_t limit;          /* frames at or past it are not window content */
    size_t stored;         /* windows stored */
    size_t cur;            /* index of the window being filled */
    int cur_dirty;
    float max;
    float *win;            /* [n_mels][3000] being filled, raw */
    float *mem;            /* MEM_WINDOWS windows, raw */
    FILE *spill;
    int io_failed;
    int io_errno;          /* errno of the failed spill write, for the message */
};

static size_t win_floats(const wmel_windows *w) { return (size_t)w->n_mels * WMEL_CHUNK_FRAMES; }

static int store_window(wmel_windows *w)
{
    size_t wf = win_floats(w);
    if (!w->spill && w->stored < MEM_WINDOWS) {
        memcpy(w->mem + w->stored * wf, w->win, wf * sizeof(float));
    } else {
        if (!w->spill) {
            errno = 0;
            w->spill = wmel__tmpfile();
            if (!w->spill ||
                fwrite(w->mem, sizeof(float), wf * w->stored, w->spill) != wf * w->stored) {
                w->io_failed = 1;
                w->io_errno = errno;
                return WMEL_ERR_IO;
            }
        }
        errno = 0;
        if (fwrite(w->win, sizeof(float), wf, w->spill) != wf) {
            w->io_failed = 1;
            w->io_errno = errno;
            return WMEL_ERR_IO;
        }
    }
    w->stored++;
    w->cur_dirty = 0;
    return WMEL_OK;
}

static int win_sink(void *user, const float *raw, size_t f0, size_t nf)
{
    wmel_windows *w = user;
    size_t end = f0 + nf < w->limit ? f0 + nf : w->limit;
    for (size_t t = f0; t < end;) {
        size_t wi = t / WMEL_CHUNK_FRAMES, col = t % WMEL_CHUNK_FRAMES;
        if (wi != w->cur) {
            if (w->cur_dirty) {
                int rc = store_window(w);
                if (rc) return rc;
            }
            w->cur = wi;
        }
        size_t k = WMEL_CHUNK_FRAMES - col;
        if (k > end - t) k = end - t;
        for (int m = 0; m < w->n_mels; m++)
            memcpy(w->win + (size_t)m * WMEL_CHUNK_FRAMES + col, raw + (size_t)m * nf + (t - f0),
                   k * sizeof(float));
        w->cur_dirty = 1;
        t += k;
    }
    return WMEL_OK;
}

void wmel_windows_close(wmel_windows *w)
{
    if (!w) return;
    if (w->spill) fclose(w->spill);
    free(w->win);
    free(w->mem);
    free(w);
}

static wmel_windows *windows_new(wmel_ctx *ctx)
{
    wmel_windows *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->n_mels = ctx->params.n_mels;
    w->limit = SIZE_MAX;
    w->win = malloc(win_floats(w) * sizeof(float));
    w->mem = malloc(MEM_WINDOWS * win_floats(w) * sizeof(float));
    if (!w->win || !w->mem) {
        wmel_windows_close(w);
        return NULL;
    }
    return w;
}

/* Ends the first pass: the last frames, the last window, the count. */
static int windows_finish(wmel_windows *w, wmel_stream *s)
{
    w->n_samples = wmel_stream_samples(s);
    w->content_frames = w->n_samples / WMEL_HOP;
    w->limit = w->content_frames;
    int rc = wmel_stream_finish(s);
    if (rc == WMEL_OK && w->cur_dirty) rc = store_window(w);
    if (rc) return rc;
    w->count = (w->content_frames + WMEL_CHUNK_FRAMES - 1) / WMEL_CHUNK_FRAMES;
    w->max = wmel__fe_whole_max(&s->fe->p, wmel_stream_max(s));
    if (w->stored != w->count) return WMEL_ERR_INVALID_ARG; /* cannot happen */
    errno = 0;
    if (w->spill && fflush(w->spill) != 0) { /* a full disk often shows only here */
        w->io_failed = 1;
        w->io_errno = errno;
        return WMEL_ERR_IO;
    }
    return WMEL_OK;
}

static void msg(char *err, size_t len, const char *name, int rc, const wmel_windows *w)
{
    if (!err || !len) return;
    if (rc == WMEL_ERR_IO && w && w->io_failed)
        snprintf(err, len, "%s: cannot write the temporary file for the windows (in %s, $TMPDIR): %s",
                 name, wmel__tmpdir(), w->io_errno ? strerror(w->io_errno) : "unknown error");
    else
        snprintf(err, len, "%s: %s", name, wmel_strerror(rc));
}

/* The end of an open: w, or NULL (w closed) with the status. */
static wmel_windows *windows_done(wmel_windows *w, int rc, int *status)
{
    if (rc) {
        wmel_windows_close(w);
        w = NULL;
    }
    if (status) *status = rc;
    return w;
}

wmel_windows *wmel_windows_open_decoder(wmel_ctx *ctx, wmel_decoder *d,
                                        wmel_progress_fn progress, void *user, int *status,
                                        char *err, size_t err_len)
{
    int rc = WMEL_OK;
    if (!ctx || !d) {
        if (status) *status = WMEL_ERR_NULL_POINTER;
        return NULL;
    }
    wmel_windows *w = windows_new(ctx);
    wmel_stream *s = w ? wmel_stream_create(ctx, WMEL_CHUNK_SAMPLES, win_sink, w, &rc) : NULL;
    float *chunk = malloc(65536 * sizeof(float));
    if (rc == WMEL_OK && (!w || !s || !chunk)) rc = WMEL_ERR_NO_MEMORY; /* else create's */
    if (rc) msg(err, err_len, "decoded audio", rc, w);
    double total = wmel_decoder_duration(d);
    while (rc == WMEL_OK) {
        size_t got = 0;
        rc = wmel_decoder_read(d, chunk, 65536, &got);
        if (rc) {
            if (err && err_len) snprintf(err, err_len, "%s", wmel_decoder_error(d));
            break;
        }
        if (got == 0) break;
        rc = wmel_stream_push(s, chunk, got);
        if (rc) msg(err, err_len, "decoded audio", rc, w);
        else if (progress) progress(user, (double)wmel_stream_samples(s) / WMEL_SAMPLE_RATE, total);
    }
    if (rc == WMEL_OK) {
        rc = windows_finish(w, s);
        if (rc) msg(err, err_len, "decoded audio", rc, w);
    }
    free(chunk);
    wmel_stream_destroy(s);
    return windows_done(w, rc, status);
}

wmel_windows *wmel_windows_open(wmel_ctx *ctx, const char *path, wmel_progress_fn progress,
                                void *user, int *status, char *err, size_t err_len,
                                char *warn, size_t warn_len)
{
    if (warn && warn_len) warn[0] = 0;
    if (!ctx || !path) {
        if (status) *status = WMEL_ERR_NULL_POINTER;
        return NULL;
    }
    wmel_decoder *d = wmel_decoder_open(path, status, err, err_len);
    if (!d) return NULL;
    wmel_windows *w = wmel_windows_open_decoder(ctx, d, progress, user, status, err, err_len);
    static const char anon[] = "decoded audio: ";
    if (!w && err && err_len && !strncmp(err, anon, sizeof anon - 1)) {
        char why[512]; /* the message names the file, not "decoded audio" */
        snprintf(why, sizeof why, "%s", err + sizeof anon - 1);
        snprintf(err, err_len, "%s: %s", path, why);
    }
    if (warn && warn_len) snprintf(warn, warn_len, "%s", wmel_decoder_warning(d));
    wmel_decoder_close(d);
    return w;
}

wmel_windows *wmel_windows_open_pcm(wmel_ctx *ctx, const float *pcm, size_t n_samples,
                                    int *status)
{
    int rc = WMEL_OK;
    if (!ctx || !pcm) {
        if (status) *status = WMEL_ERR_NULL_POINTER;
        return NULL;
    }
    if (n_samples == 0) {
        if (status) *status = WMEL_ERR_NO_SAMPLES;
        return NULL;
    }
    wmel_windows *w = windows_new(ctx);
    wmel_stream *s = w ? wmel_stream_create(ctx, WMEL_CHUNK_SAMPLES, win_sink, w, &rc) : NULL;
    if (rc == WMEL_OK && (!w || !s)) rc = WMEL_ERR_NO_MEMORY; /* else create's */
    if (rc == WMEL_OK) rc = wmel_stream_push(s, pcm, n_samples);
    if (rc == WMEL_OK) rc = windows_finish(w, s);
    wmel_stream_destroy(s);
    return windows_done(w, rc, status);
}

size_t wmel_windows_count(const wmel_windows *w) { return w ? w->count : 0; }
size_t wmel_windows_samples(const wmel_windows *w) { return w ? w->n_samples : 0; }

int wmel_windows_next(wmel_windows *w, float *out, size_t out_len, size_t *frames)
{
    if (frames) *frames = 0;
    if (!w || !frames) return WMEL_ERR_NULL_POINTER;
    if (w->next >= w->count) return WMEL_OK;
    size_t wf = win_floats(w);
    if (!out) return WMEL_ERR_NULL_POINTER;
    if (out_len < wf) return WMEL_ERR_BUFFER_TOO_SMALL;
    if (w->spill) {
        if (fseeko(w->spill, (off_t)w->next * (off_t)wf * (off_t)sizeof(float), SEEK_SET) != 0 ||
            fread(out, sizeof(float), wf, w->spill) != wf)
            return WMEL_ERR_IO;
    } else {
        memcpy(out, w->mem + w->next * wf, wf * sizeof(float));
    }
    size_t seek = w->next * WMEL_CHUNK_FRAMES;
    size_t nc = w->content_frames - seek < WMEL_CHUNK_FRAMES ? w->content_frames - seek
                                                               : WMEL_CHUNK_FRAMES;
    wmel_normalize(out, wf, w->max);
    if (nc < WMEL_CHUNK_FRAMES)
        for (int m = 0; m < w->n_mels; m++)
            memset(out + (size_t)m * WMEL_CHUNK_FRAMES + nc, 0,
                   (WMEL_CHUNK_FRAMES - nc) * sizeof(float));
    w->next++;
    *frames = nc;
    return WMEL_OK;
}
