/*
 * wmel_js.c -- the C side of the ES module (js/wmel.mjs, built as js/wmel_core.mjs +
 * wmel_core.wasm by js/CMakeLists.txt): a ctx from a preset's name or a plan's JSON text
 * with its error sentence, and a stream whose frames collect in a buffer the JavaScript
 * side reads after each push. Everything else the module calls is the public API itself.
 */
#include "wmel.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emscripten/emscripten.h>

typedef struct jsstream jsstream;
/* what the JavaScript side calls (api.js) */
wmel_ctx *wmeljs_ctx(const char *name, const char *json, char *msg, size_t cap);
float *wmeljs_features(wmel_ctx *c, const float *pcm, size_t n, size_t *shape, char *msg, size_t cap);
jsstream *wmeljs_stream(wmel_ctx *c, char *msg, size_t cap);
int wmeljs_stream_feed(jsstream *j, const float *pcm, size_t n, char *msg, size_t cap);
size_t wmeljs_stream_cols(const jsstream *j);
size_t wmeljs_stream_held(const jsstream *j);
size_t wmeljs_stream_first(const jsstream *j);
const float *wmeljs_stream_frames(const jsstream *j);
void wmeljs_stream_take(jsstream *j);
void wmeljs_stream_free(jsstream *j);
size_t wmeljs_heap_used(void);
int wmeljs_info(const wmel_ctx *c, int *out);
int wmeljs_mel_centres(const wmel_ctx *c, double *hz, size_t len);
wmel_decoder *wmeljs_audio_open(const void *data, size_t size, size_t *total, char *msg, size_t cap);
int wmeljs_audio_read(wmel_decoder *d, float *buf, size_t cap, char *msg, size_t mcap);
void wmeljs_audio_close(wmel_decoder *d);

static void say(char *msg, size_t cap, int st, const char *what)
{
    if (msg && cap && !msg[0]) snprintf(msg, cap, "%s: %s", what, wmel_strerror(st));
}

/* A one-thread CPU ctx for the preset `name` (when not NULL) or the plan's JSON text;
 * NULL with the library's sentence in msg. */
EMSCRIPTEN_KEEPALIVE wmel_ctx *wmeljs_ctx(const char *name, const char *json, char *msg, size_t cap)
{
    wmel_frontend_plan plan;
    int st;
    if (msg && cap) msg[0] = 0;
    if (name) {
        st = wmel_preset_plan(name, &plan, msg, cap);
    } else if (json) {
        st = wmel_plan_from_json(json, strlen(json), &plan, msg, cap);
    } else {
        st = WMEL_ERR_NULL_POINTER;
        if (msg && cap) snprintf(msg, cap, "a preset's name or a plan is needed");
    }
    if (st != WMEL_OK) {
        say(msg, cap, st, "plan");
        return NULL;
    }
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CPU;
    p.n_threads = 1;
    wmel_ctx *c = wmel_create_plan(&p, &plan, &st);
    if (!c) {
        if (st == WMEL_ERR_INVALID_ARG) wmel_plan_check(&plan, msg, cap);
        say(msg, cap, st, "plan");
    }
    return c;
}

/* The features of n samples: a malloc'd block of rows x cols floats (free()), NULL with the
 * sentence in msg. */
EMSCRIPTEN_KEEPALIVE float *wmeljs_features(wmel_ctx *c, const float *pcm, size_t n, size_t *shape,
                                            char *msg, size_t cap)
{
    size_t rows = 0, cols = 0;
    if (msg && cap) msg[0] = 0;
    int st = wmel_features_shape(c, n, &rows, &cols);
    if (st != WMEL_OK) {
        say(msg, cap, st, "features");
        return NULL;
    }
    shape[0] = rows;
    shape[1] = cols;
    float *out = malloc((rows * cols ? rows * cols : 1) * sizeof *out);
    if (!out) {
        say(msg, cap, WMEL_ERR_NO_MEMORY, "features");
        return NULL;
    }
    st = rows * cols ? wmel_features(c, pcm, n, out, rows * cols) : WMEL_OK;
    if (st != WMEL_OK) {
        free(out);
        say(msg, cap, st, "features");
        return NULL;
    }
    return out;
}

/* A stream's frames, frame-major: frames[f * n_cols + c], the ones not read yet. */
struct jsstream {
    wmel_stream *s;
    size_t n_cols, n, cap, first; /* frames held, room, the absolute index of the first */
    float *frames;
};

static int on_frames(void *user, const float *raw, size_t first, size_t nf)
{
    jsstream *j = user;
    if (j->n == 0) j->first = first;
    if (j->n + nf > j->cap) {
        size_t cap = 2 * (j->n + nf);
        float *f = realloc(j->frames, cap * j->n_cols * sizeof *f);
        if (!f) return WMEL_ERR_NO_MEMORY;
        j->frames = f;
        j->cap = cap;
    }
    for (size_t t = 0; t < nf; t++)
        for (size_t c = 0; c < j->n_cols; c++) j->frames[(j->n + t) * j->n_cols + c] = raw[c * nf + t];
    j->n += nf;
    return 0;
}

EMSCRIPTEN_KEEPALIVE jsstream *wmeljs_stream(wmel_ctx *c, char *msg, size_t cap)
{
    wmel_frontend_plan plan;
    if (msg && cap) msg[0] = 0;
    jsstream *j = calloc(1, sizeof *j);
    if (!j) {
        say(msg, cap, WMEL_ERR_NO_MEMORY, "stream");
        return NULL;
    }
    int st = wmel_ctx_plan(c, &plan);
    j->n_cols = plan.n_ceps > 0 ? (size_t)plan.n_ceps : (size_t)plan.n_mels + (plan.use_energy ? 1 : 0);
    if (st == WMEL_OK) j->s = wmel_stream_create(c, 0, on_frames, j, &st);
    if (!j->s) {
        free(j);
        say(msg, cap, st, "stream");
        return NULL;
    }
    return j;
}

/* push (pcm != NULL) or finish (pcm == NULL): WMEL_OK or the error, with its sentence */
EMSCRIPTEN_KEEPALIVE int wmeljs_stream_feed(jsstream *j, const float *pcm, size_t n, char *msg, size_t cap)
{
    if (msg && cap) msg[0] = 0;
    int st = pcm ? wmel_stream_push(j->s, pcm, n) : wmel_stream_finish(j->s);
    if (st != WMEL_OK) say(msg, cap, st, pcm ? "stream push" : "stream finish");
    return st;
}

EMSCRIPTEN_KEEPALIVE size_t wmeljs_stream_cols(const jsstream *j) { return j->n_cols; }
EMSCRIPTEN_KEEPALIVE size_t wmeljs_stream_held(const jsstream *j) { return j->n; }
EMSCRIPTEN_KEEPALIVE size_t wmeljs_stream_first(const jsstream *j) { return j->first; }
EMSCRIPTEN_KEEPALIVE const float *wmeljs_stream_frames(const jsstream *j) { return j->frames; }
EMSCRIPTEN_KEEPALIVE void wmeljs_stream_take(jsstream *j) { j->n = 0; }

EMSCRIPTEN_KEEPALIVE void wmeljs_stream_free(jsstream *j)
{
    if (!j) return;
    wmel_stream_destroy(j->s);
    free(j->frames);
    free(j);
}

/* bytes the module's allocator holds in use (for the leak test, js/test) */
EMSCRIPTEN_KEEPALIVE size_t wmeljs_heap_used(void)
{
    struct mallinfo m = mallinfo();
    return (size_t)m.uordblks;
}

/* the plan's facts the page needs: sample rate, hop, frame length, n_fft, n_mels, columns per
 * frame, layout (WMEL_LAYOUT_*), stack; WMEL_OK or the error */
EMSCRIPTEN_KEEPALIVE int wmeljs_info(const wmel_ctx *c, int *out)
{
    wmel_frontend_plan plan;
    int st = wmel_ctx_plan(c, &plan);
    if (st != WMEL_OK) return st;
    out[0] = plan.sample_rate;
    out[1] = plan.hop;
    out[2] = plan.frame_length;
    out[3] = plan.n_fft;
    out[4] = plan.n_mels;
    out[5] = plan.n_ceps > 0 ? plan.n_ceps : plan.n_mels + (plan.use_energy ? 1 : 0);
    out[6] = plan.layout;
    out[7] = plan.stack;
    return WMEL_OK;
}

/* the centre frequency in Hz of each of the plan's n_mels filters into hz (len values at
 * least), on the plan's own scale and band (wmel_mel_centres); WMEL_OK or the error */
EMSCRIPTEN_KEEPALIVE int wmeljs_mel_centres(const wmel_ctx *c, double *hz, size_t len)
{
    wmel_frontend_plan plan;
    int st = wmel_ctx_plan(c, &plan);
    if (st != WMEL_OK) return st;
    return wmel_mel_centres(&plan, hz, len);
}

/* An audio file's bytes (WAV: PCM 8/16/24/32-bit or float 32/64-bit, any rate and channel
 * layout) opened for 16 kHz mono samples, those the native command's decoder gives for the
 * same file (the built-in reader: the FFmpeg build's samples), read piece by piece so the
 * heap holds the bytes and a block, never the whole output; *total receives the sample
 * count (known at open). NULL with the library's sentence in msg. The bytes must stay until
 * wmeljs_audio_close. */
EMSCRIPTEN_KEEPALIVE wmel_decoder *wmeljs_audio_open(const void *data, size_t size, size_t *total, char *msg, size_t cap)
{
    if (msg && cap) msg[0] = 0;
    *total = 0;
    int st = WMEL_OK;
    wmel_decoder *d = wmel_decoder_open_memory(data, size, &st, msg, cap);
    if (!d) {
        say(msg, cap, st, "audio");
        return NULL;
    }
    double n = wmel_decoder_duration(d) * WMEL_SAMPLE_RATE + 0.5; /* exact: the count is below 2^32 */
    *total = n > 0 ? (size_t)n : 0;
    return d;
}

/* up to cap samples into buf: how many (0 at the end), or a negative status with the sentence */
EMSCRIPTEN_KEEPALIVE int wmeljs_audio_read(wmel_decoder *d, float *buf, size_t cap, char *msg, size_t mcap)
{
    size_t got = 0;
    int st = wmel_decoder_read(d, buf, cap, &got);
    if (st == WMEL_ERR_NO_SAMPLES && got == 0) return 0; /* the end of a file of no samples: an empty array */
    if (st != WMEL_OK) {
        if (msg && mcap) snprintf(msg, mcap, "%s", wmel_decoder_error(d));
        say(msg, mcap, st, "audio");
        return st;
    }
    return (int)got;
}

EMSCRIPTEN_KEEPALIVE void wmeljs_audio_close(wmel_decoder *d) { wmel_decoder_close(d); }
