/*
 * batch_item.c -- one `wmel batch` input: decoded as `wmel decode` does (openai's
 * load_audio, through the streaming decoder), then
 *   pad30:   log_mel_spectrogram(pad_or_trim(audio)) -- the first 30 s kept, the rest
 *            decoded (and counted) but not held;
 *   full:    log_mel_spectrogram(audio) through the library's long-input path
 *            (wmel_long_*: raw frames in memory up to SPOOL_MEM bytes, then a temporary
 *            file), normalised with the global max when written -- bit-identical to
 *            wmel_log_mel on the whole clip;
 *   windows: transcribe()'s windows through the wmel_windows iterator, which keeps its
 *            own first pass in bounded memory and normalises each window when asked.
 * Another front-end (--frontend nemo|kaldi|seamless): the same path (the plan's frames,
 * normalised and laid out in the original's layout when written) -- bit-identical to
 * wmel_features on the whole clip.
 * So an hour-long input costs a few MB whatever the mode. The result is written as two
 * tar members (<key>.npy, <key>.json) with sequential writes only.
 */
#define _POSIX_C_SOURCE 200809L
#include "batch.h"
#include "out.h"
#include "platform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CHUNK 32768                         /* samples per decoder read */
#define SPOOL_MEM ((size_t)8 << 20)         /* raw runs held in memory before a tmpfile */

struct wmel_batch_result {
    int mode, n_mels;
    int frontend;           /* WMEL_FRONTEND_*; not Whisper's: `lg` holds its frames, or
                               `data` wmel_features() (the reference backend) */
    wmel_long *lg;          /* full mode, another front-end: the frames, finished when written */
    size_t samples;
    size_t shape[3];
    int ndim;
    float *data;            /* pad30: n_mels * 3000 normalised values */
    wmel_windows *win;      /* windows */
    double left;            /* seconds of the item's time limit its decode and compute left
                               (< 0: none): the write to the shard counts too, from its start,
                               so that the wait behind earlier items does not */
    double timeout;         /* that limit in seconds, for the message */
};

void wmel_batch_result_free(wmel_batch_result *r)
{
    if (!r) return;
    free(r->data);
    wmel_windows_close(r->win);
    wmel_long_destroy(r->lg);
    free(r);
}

size_t wmel_batch_result_samples(const wmel_batch_result *r) { return r->samples; }

int wmel_batch_result_shape(const wmel_batch_result *r, size_t shape[3])
{
    memcpy(shape, r->shape, sizeof r->shape);
    return r->ndim;
}

static size_t count_of(const wmel_batch_result *r)
{
    size_t c = 1;
    for (int i = 0; i < r->ndim; i++) c *= r->shape[i];
    return c;
}

unsigned long long wmel_batch_result_npy_size(const wmel_batch_result *r)
{
    char h[256];
    return (unsigned long long)cli_npy_header(h, sizeof h, r->shape, r->ndim, 0) +
           (unsigned long long)count_of(r) * sizeof(float);
}

double wmel_batch_default_timeout(unsigned long long bytes)
{
    return 60.0 + 10.0 * (double)bytes / (1024.0 * 1024.0);
}

unsigned long long wmel_batch_file_bytes(const char *path)
{
    cli_stat_t st;
    if (!path || cli_stat(path, &st) != 0 || st.st_size < 0) return 0;
    unsigned long long size = (unsigned long long)st.st_size;
#if defined(_WIN32)
    unsigned long long blocks = size; /* no st_blocks: sparse files count whole */
#else
    unsigned long long blocks = (unsigned long long)st.st_blocks * 512ULL;
#endif
    return S_ISREG(st.st_mode) && blocks < size ? blocks : size;
}

static double mono_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* An item's limits, asked by its decoder between packets. */
typedef struct limits {
    double deadline; /* monotonic seconds; 0: none */
    const int *cancel;
    int timed_out;
} limits;

static int limits_hit(void *user)
{
    limits *l = user;
    if (l->cancel && __atomic_load_n(l->cancel, __ATOMIC_RELAXED)) return 1;
    if (l->deadline > 0 && mono_now() > l->deadline) {
        l->timed_out = 1;
        return 1;
    }
    return 0;
}

/* r with the seconds of its limit the decode and compute left, for its write. */
static wmel_batch_result *with_left(wmel_batch_result *r, const limits *l)
{
    if (l->deadline > 0) {
        const double left = l->deadline - mono_now();
        r->left = left > 0 ? left : 0;
    }
    return r;
}

/* Messages name the input as the decoder saw it: the file opened (the manifest's folder
 * joined) or "(memory)"; they show the path as the manifest gives it instead, so that a
 * job's errors.jsonl does not depend on where it ran or how the bytes came. */
static void rename_input(char *msg, size_t cap, const char *from, const char *to)
{
    char *at = strstr(msg, from);
    if (!at || !strcmp(from, to)) return;
    char tail[1024];
    snprintf(tail, sizeof tail, "%s", at + strlen(from));
    size_t pre = (size_t)(at - msg);
    snprintf(msg + pre, cap - pre, "%s%s", to, tail);
}

/* The helpers below read the rest of decoder d for one mode into r; each returns 0, or -1
 * with err set where it can say more than wmel_strerror(*stp) (*stp: the status, WMEL_OK
 * on entry). */

/* A plan other than Whisper's on the float64 reference: the whole clip, then wmel_features()
 * (the stream computes the CPU backend's values). */
static int compute_whole(wmel_ctx *ctx, wmel_decoder *d, wmel_batch_result *r, const char *name, int *stp,
                         char *err, size_t err_len)
{
    int st = *stp;
    size_t cap = 0;
    float *pcm = NULL;
    size_t got = 0;
    for (;;) {
        if (r->samples == cap) {
            size_t nc = cap ? 2 * cap : (size_t)1 << 18;
            float *np = realloc(pcm, nc * sizeof *np);
            if (!np) {
                st = WMEL_ERR_NO_MEMORY;
                break;
            }
            pcm = np;
            cap = nc;
        }
        st = wmel_decoder_read(d, pcm + r->samples, cap - r->samples, &got);
        if (st || got == 0) break;
        r->samples += got;
    }
    size_t rows = 0, cols = 0;
    if (st == WMEL_OK) st = wmel_features_shape(ctx, r->samples, &rows, &cols);
    const size_t cnt = rows * cols;
    if (st == WMEL_OK && !(r->data = malloc((cnt ? cnt : 1) * sizeof *r->data)))
        st = WMEL_ERR_NO_MEMORY;
    if (st == WMEL_OK) st = wmel_features(ctx, pcm, r->samples, r->data, cnt);
    free(pcm);
    *stp = st;
    if (st != WMEL_OK) {
        if (wmel_decoder_error(d)[0]) snprintf(err, err_len, "%s", wmel_decoder_error(d));
        else snprintf(err, err_len, "%s: %zu samples: %s", name, r->samples, wmel_strerror(st));
        return -1;
    }
    r->ndim = 2;
    r->shape[0] = rows;
    r->shape[1] = cols;
    return 0;
}

/* Any other plan, or Whisper's whole clip (WMEL_BATCH_FULL): through wmel_long_*. */
static int compute_long(wmel_ctx *ctx, wmel_decoder *d, wmel_batch_result *r, const char *name, int *stp,
                        char *err, size_t err_len)
{
    int st = *stp;
    float *buf = malloc(CHUNK * sizeof *buf);
    size_t got = 0;
    r->lg = buf ? wmel_long_create(ctx, SPOOL_MEM, &st) : NULL;
    if (!buf) st = WMEL_ERR_NO_MEMORY;
    int pushed = st; /* a refused push: the rest is still decoded, and counted */
    while (st == WMEL_OK) {
        st = wmel_decoder_read(d, buf, CHUNK, &got);
        if (st || got == 0) break;
        r->samples += got;
        if (pushed == WMEL_OK) pushed = wmel_long_push(r->lg, buf, got);
    }
    free(buf);
    if (st == WMEL_OK) st = pushed;
    if (st == WMEL_OK) st = wmel_long_finish(r->lg);
    *stp = st;
    if (st != WMEL_OK) {
        if (wmel_decoder_error(d)[0]) snprintf(err, err_len, "%s", wmel_decoder_error(d));
        else if (r->lg && wmel_long_error(r->lg)[0]) snprintf(err, err_len, "%s: %s", name, wmel_long_error(r->lg));
        else if (r->frontend == WMEL_FRONTEND_WHISPER && st != WMEL_ERR_TOO_SHORT)
            snprintf(err, err_len, "%s: %s", name, wmel_strerror(st));
        else snprintf(err, err_len, "%s: %zu samples: %s", name, r->samples, wmel_strerror(st));
        return -1;
    }
    r->ndim = 2;
    wmel_long_shape(r->lg, &r->shape[0], &r->shape[1]);
    return 0;
}

/* Whisper's 30 s windows (WMEL_BATCH_WINDOWS). */
static int compute_windows(wmel_ctx *ctx, wmel_decoder *d, wmel_batch_result *r, const char *name, int *stp,
                           char *err, size_t err_len)
{
    r->win = wmel_windows_open_decoder(ctx, d, NULL, NULL, stp, err, err_len);
    if (!r->win) {
        if (!err[0]) snprintf(err, err_len, "%s: %s", name, wmel_strerror(*stp));
        return -1;
    }
    r->samples = wmel_windows_samples(r->win);
    r->ndim = 3;
    r->shape[0] = wmel_windows_count(r->win);
    r->shape[1] = (size_t)r->n_mels;
    r->shape[2] = WMEL_CHUNK_FRAMES;
    if (r->shape[0] == 0) {
        snprintf(err, err_len, "%s: shorter than one frame (160 samples): no window", name);
        return -1;
    }
    return 0;
}

/* Whisper's pad30: the first 30 s held, the rest decoded and counted. */
static int compute_pad30(wmel_ctx *ctx, wmel_decoder *d, wmel_batch_result *r, const char *name, int *stp,
                         char *err, size_t err_len)
{
    int st;
    size_t got = 0;
    float *buf = calloc(WMEL_CHUNK_SAMPLES, sizeof *buf);
    float *scratch = buf ? malloc(CHUNK * sizeof *scratch) : NULL;
    st = scratch ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    while (st == WMEL_OK) {
        size_t n = r->samples;
        if (n < WMEL_CHUNK_SAMPLES) {
            st = wmel_decoder_read(d, buf + n, WMEL_CHUNK_SAMPLES - n, &got);
        } else {
            st = wmel_decoder_read(d, scratch, CHUNK, &got);
        }
        if (st || got == 0) break;
        r->samples += got;
    }
    free(scratch);
    if (st != WMEL_OK) {
        *stp = st;
        if (wmel_decoder_error(d)[0]) snprintf(err, err_len, "%s", wmel_decoder_error(d));
        else snprintf(err, err_len, "%s: %s", name, wmel_strerror(st));
        free(buf);
        return -1;
    }
    size_t cnt = (size_t)r->n_mels * WMEL_CHUNK_FRAMES;
    r->data = malloc(cnt * sizeof *r->data);
    st = r->data ? wmel_log_mel(ctx, buf, WMEL_CHUNK_SAMPLES, 0, r->data, cnt) : WMEL_ERR_NO_MEMORY;
    free(buf);
    *stp = st;
    if (st) {
        snprintf(err, err_len, "%s: %s", name, wmel_strerror(st));
        return -1;
    }
    r->ndim = 2;
    r->shape[0] = (size_t)r->n_mels;
    r->shape[1] = WMEL_CHUNK_FRAMES;
    return 0;
}

wmel_batch_result *wmel_batch_compute(wmel_ctx *ctx, int mode, const char *path_or_null,
                                      const void *data, size_t size, const char *name,
                                      double timeout, const int *cancel, char *err,
                                      size_t err_len)
{
    int st = WMEL_OK;
    err[0] = 0;
    if (timeout < 0)
        timeout = wmel_batch_default_timeout(path_or_null ? wmel_batch_file_bytes(path_or_null)
                                                          : (unsigned long long)size);
    limits lim = {timeout > 0 ? mono_now() + timeout : 0, cancel, 0};
    wmel_batch_result *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, err_len, "%s: out of memory", name);
        return NULL;
    }
    r->mode = mode;
    r->left = -1.0;
    r->timeout = timeout;
    r->n_mels = wmel_ctx_n_mels(ctx);
    wmel_frontend_plan fpl;
    r->frontend = wmel_ctx_plan(ctx, &fpl) == WMEL_OK ? fpl.frontend : WMEL_FRONTEND_WHISPER;
    wmel_decoder *d = NULL;
    if (!path_or_null && size == 0) { /* the bytes of an empty file: as the file would say */
        snprintf(err, err_len, "%s: empty file: no audio", name);
        st = WMEL_ERR_NO_SAMPLES;
        goto fail;
    }
    d = wmel_decoder_open_interruptible(path_or_null, data, size,
                                        lim.deadline > 0 || cancel ? limits_hit : NULL, &lim,
                                        &st, err, err_len);
    if (!d) goto fail;
    int bad;
    if (r->frontend != WMEL_FRONTEND_WHISPER && !strcmp(wmel_backend_name(ctx), "ref"))
        bad = compute_whole(ctx, d, r, name, &st, err, err_len);
    else if (r->frontend != WMEL_FRONTEND_WHISPER || mode == WMEL_BATCH_FULL)
        bad = compute_long(ctx, d, r, name, &st, err, err_len);
    else if (mode == WMEL_BATCH_WINDOWS)
        bad = compute_windows(ctx, d, r, name, &st, err, err_len);
    else
        bad = compute_pad30(ctx, d, r, name, &st, err, err_len);
    if (bad) goto fail;
    wmel_decoder_close(d);
    return with_left(r, &lim);
fail:
    if (lim.timed_out) snprintf(err, err_len, "%s: timed out after %g s", name, timeout);
    if (!err[0]) snprintf(err, err_len, "%s: %s", name, wmel_strerror(st));
    rename_input(err, err_len, path_or_null ? path_or_null : "(memory)", name);
    wmel_decoder_close(d);
    wmel_batch_result_free(r);
    return NULL;
}

/* ------------------------------------------------------------------ JSON */

static int seconds_str(size_t samples, char *out, size_t cap)
{
    /* samples / 16000 has at most 7 decimals (16000 = 2^7 * 5^3): exact, no rounding */
    unsigned long long whole = samples / WMEL_SAMPLE_RATE;
    unsigned long long frac = (unsigned long long)(samples % WMEL_SAMPLE_RATE) * 625ULL;
    char f[8];
    snprintf(f, sizeof f, "%07llu", frac);
    int k = 7;
    while (k > 1 && f[k - 1] == '0') k--;
    f[k] = 0;
    return snprintf(out, cap, "%llu.%s", whole, f);
}

static int shape_str(const wmel_batch_result *r, char *out, size_t cap)
{
    size_t k = 0;
    k += (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < r->ndim && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%zu", i ? ", " : "", r->shape[i]);
    if (k < cap) k += (size_t)snprintf(out + k, cap - k, "]");
    return (int)k;
}

int wmel_batch_item_json(const wmel_batch_result *r, int mode, int n_mels, const char *key,
                         const char *path, char *out, size_t cap)
{
    size_t k = 0;
    char sec[40], shp[96];
    seconds_str(r->samples, sec, sizeof sec);
    shape_str(r, shp, sizeof shp);
    k += (size_t)snprintf(out, cap, "{\"key\": ");
    if (k >= cap || wmel_json_string(out, cap, &k, key)) return -1;
    k += (size_t)snprintf(out + k, cap - k, ", \"path\": ");
    if (k >= cap || wmel_json_string(out, cap, &k, path)) return -1;
    k += (size_t)snprintf(out + k, cap - k,
                          ", \"samples\": %zu, \"seconds\": %s, \"shape\": %s, \"mode\": \"%s\", "
                          "%s%s%s\"n_mels\": %d, \"wmel\": \"%s\"}",
                          r->samples, sec, shp, wmel_batch_mode_name(mode),
                          r->frontend != WMEL_FRONTEND_WHISPER ? "\"frontend\": \"" : "",
                          r->frontend != WMEL_FRONTEND_WHISPER ? wmel_batch_frontend_name(r->frontend) : "",
                          r->frontend != WMEL_FRONTEND_WHISPER ? "\", " : "", n_mels,
                          WMEL_VERSION_STRING);
    return k < cap ? (int)k : -1;
}

int wmel_batch_index_json(const wmel_batch_result *r, const char *key, size_t shard, char *out,
                          size_t cap)
{
    size_t k = 0;
    char sec[40], shp[96];
    seconds_str(r->samples, sec, sizeof sec);
    shape_str(r, shp, sizeof shp);
    k += (size_t)snprintf(out, cap, "{\"key\": ");
    if (k >= cap || wmel_json_string(out, cap, &k, key)) return -1;
    k += (size_t)snprintf(out + k, cap - k,
                          ", \"shard\": \"shard-%06zu.tar\", \"shape\": %s, \"seconds\": %s}",
                          shard, shp, sec);
    return k < cap ? (int)k : -1;
}

int wmel_batch_error_json(const char *path, const char *key, const char *msg, char *out,
                          size_t cap)
{
    size_t k = 0;
    k += (size_t)snprintf(out, cap, "{\"path\": ");
    if (k >= cap || wmel_json_string(out, cap, &k, path)) return -1;
    k += (size_t)snprintf(out + k, cap - k, ", \"key\": ");
    if (k >= cap || wmel_json_string(out, cap, &k, key)) return -1;
    k += (size_t)snprintf(out + k, cap - k, ", \"error\": ");
    if (k >= cap || wmel_json_string(out, cap, &k, msg)) return -1;
    k += (size_t)snprintf(out + k, cap - k, "}");
    return k < cap ? (int)k : -1;
}

/* ------------------------------------------------------------------ writing */

static int pad512(FILE *f, unsigned long long size)
{
    static const char zero[512];
    size_t pad = (size_t)((512 - size % 512) % 512);
    return pad && fwrite(zero, 1, pad, f) != pad ? -1 : 0;
}

/* wmel_long_write()'s values appended to the shard. */
typedef struct shard_sink {
    FILE *f;
    double deadline; /* the item's (0: none) */
    int err;         /* errno of the failed write */
    int timed_out;
} shard_sink;

static int past(double deadline) { return deadline > 0 && mono_now() > deadline; }

static int to_shard(void *user, const float *values, size_t n)
{
    shard_sink *k = user;
    if (past(k->deadline)) {
        k->timed_out = 1;
        return WMEL_ERR_INTERRUPTED;
    }
    errno = 0;
    if (fwrite(values, sizeof(float), n, k->f) == n) return 0;
    k->err = errno ? errno : EIO;
    return WMEL_ERR_IO;
}

int wmel_batch_result_write(wmel_batch_result *r, FILE *f, int mode, int n_mels,
                            const char *key, const char *path, char *err, size_t err_len)
{
    char name[128];
    unsigned char h[512];
    char npyh[256];
    size_t hl = cli_npy_header(npyh, sizeof npyh, r->shape, r->ndim, 0);
    unsigned long long size = wmel_batch_result_npy_size(r);
    snprintf(name, sizeof name, "%s.npy", key);
    const double deadline = r->left < 0 ? 0 : mono_now() + (r->left > 0 ? r->left : 1e-9);
    wmel_tar_header(h, name, size);
    if (fwrite(h, 1, 512, f) != 512 || fwrite(npyh, 1, hl, f) != hl) goto io;
    if (r->lg) { /* the full mode's or another front-end's features, finished on the way out */
        shard_sink k = {f, deadline, 0, 0};
        int st = wmel_long_write(r->lg, to_shard, &k);
        if (k.timed_out) goto timed_out;
        if (st && k.err) {
            errno = k.err;
            goto io;
        }
        if (st) {
            snprintf(err, err_len, "%s: %s", path, wmel_long_error(r->lg)[0] ? wmel_long_error(r->lg) : wmel_strerror(st));
            return st;
        }
    } else if (mode == WMEL_BATCH_PAD30 || r->data) { /* pad30, the reference's features */
        const size_t cnt = count_of(r), piece = (size_t)1 << 18;
        for (size_t at = 0; at < cnt; at += piece) {
            const size_t m = cnt - at < piece ? cnt - at : piece;
            if (past(deadline)) goto timed_out;
            if (fwrite(r->data + at, sizeof(float), m, f) != m) goto io;
        }
    } else if (mode == WMEL_BATCH_WINDOWS) {
        size_t per = (size_t)n_mels * WMEL_CHUNK_FRAMES;
        float *w = malloc(per * sizeof *w);
        if (!w) {
            snprintf(err, err_len, "%s: out of memory", path);
            return WMEL_ERR_NO_MEMORY;
        }
        for (size_t k = 0; k < r->shape[0]; k++) {
            size_t frames = 0;
            if (past(deadline)) {
                free(w);
                goto timed_out;
            }
            int st = wmel_windows_next(r->win, w, per, &frames);
            if (st || frames == 0) {
                free(w);
                snprintf(err, err_len, "%s: window %zu: %s", path, k,
                         wmel_strerror(st ? st : WMEL_ERR_IO));
                return st ? st : WMEL_ERR_IO;
            }
            if (fwrite(w, sizeof(float), per, f) != per) {
                free(w);
                goto io;
            }
        }
        free(w);
    }
    if (pad512(f, size)) goto io;
    char js[4096];
    int jl = wmel_batch_item_json(r, mode, n_mels, key, path, js, sizeof js);
    if (jl < 0) {
        snprintf(err, err_len, "%s: path too long for the item's JSON", path);
        return WMEL_ERR_OVERFLOW;
    }
    snprintf(name, sizeof name, "%s.json", key);
    wmel_tar_header(h, name, (unsigned long long)jl);
    if (fwrite(h, 1, 512, f) != 512 || fwrite(js, 1, (size_t)jl, f) != (size_t)jl ||
        pad512(f, (unsigned long long)jl))
        goto io;
    return WMEL_OK;
timed_out:
    snprintf(err, err_len, "%s: timed out after %g s", path, r->timeout);
    return WMEL_ERR_INTERRUPTED;
io:
    snprintf(err, err_len, "write failed: %s", strerror(errno));
    return WMEL_ERR_IO;
}
