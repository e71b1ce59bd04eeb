/*
 * stages.c -- the front-ends of `wmel inspect` / `wmel compare` as tables of stages, the
 * float64 reference's stages of chosen frames (wmel_ref_stages), the clip's normalisation
 * max, and float64 .npy files for --stages.
 */
#define _POSIX_C_SOURCE 200809L
#include "stages.h"

#include "out.h"
#include "wmel.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whisper (openai's log_mel_spectrogram): decoded samples -> reflect-padded frames ->
 * windowed frames -> power -> mel -> log10 -> normalised. */
static const wmel_stage_desc WHISPER[] = {
    {"padded", "padded frames: 400 samples at hop 160, reflect padding of 200 at both ends",
     "sample value (full scale 1)", WMEL_ROWS_SAMPLE, 0, 1, 1},
    {"frames", "windowed frames: padded frame x periodic Hann window (400)",
     "sample value x window", WMEL_ROWS_SAMPLE, 0, 1, 1},
    {"power", "power spectrum |DFT|^2 (201 bins, 40 Hz apart)", "|X[k]|^2", WMEL_ROWS_BIN, 1, 0, 0},
    {"mel", "mel: Slaney filter bank @ power", "filter-weighted power", WMEL_ROWS_MEL, 1, 0, 0},
    {"log", "log: log10(max(mel, 1e-10))", "log10 units", WMEL_ROWS_MEL, 0, 0, 0},
    {"features", "features: (max(log, M - 8) + 4) / 4, M = the clip's largest log",
     "normalised log10 units", WMEL_ROWS_MEL, 0, 0, 0},
};

static const wmel_frontend FRONTENDS[] = {
    {"whisper", WMEL_SAMPLE_RATE, WMEL_N_FFT, WMEL_HOP, WHISPER, (int)(sizeof WHISPER / sizeof WHISPER[0]),
     "16 kHz samples -> reflect-padded frames (400, hop 160) -> periodic Hann -> |DFT|^2 (201 bins) -> "
     "Slaney mel -> log10(max(., 1e-10)) -> max(x, M - 8), (x + 4) / 4 (openai-whisper)"},
};

const wmel_frontend *wmel_frontend_find(const char *name)
{
    for (size_t i = 0; i < sizeof FRONTENDS / sizeof FRONTENDS[0]; i++)
        if (!strcmp(FRONTENDS[i].name, name)) return &FRONTENDS[i];
    return NULL;
}

const char *wmel_frontend_names(void) { return "whisper"; }

size_t wmel_stage_rows(const wmel_frontend *fe, const wmel_stage_desc *s, int n_mels)
{
    switch (s->rows) {
    case WMEL_ROWS_SAMPLE: return (size_t)fe->n_fft;
    case WMEL_ROWS_BIN: return (size_t)fe->n_fft / 2 + 1;
    default: return (size_t)n_mels;
    }
}

int wmel_clip_max(wmel_clip *clip, char *err, size_t err_len)
{
    wmel_params p = wmel_default_params();
    p.n_mels = clip->n_mels;
    p.backend = WMEL_BACKEND_CPU;
    p.norm = WMEL_NORM_NONE;
    int st;
    wmel_ctx *ctx = wmel_create(&p, &st);
    if (!ctx) {
        snprintf(err, err_len, "%s", wmel_strerror(st));
        return st;
    }
    size_t nf = clip->n_frames, cnt = (size_t)clip->n_mels * nf;
    float *raw = malloc(cnt * sizeof *raw);
    st = raw ? wmel_log_mel(ctx, clip->pcm, clip->n, 0, raw, cnt) : WMEL_ERR_NO_MEMORY;
    wmel_destroy(ctx);
    if (st) {
        free(raw);
        snprintf(err, err_len, "%s", wmel_strerror(st));
        return st;
    }
    float cmax = -INFINITY;
    for (size_t i = 0; i < cnt; i++) cmax = raw[i] > cmax ? raw[i] : cmax;
    double best = -INFINITY, lg[WMEL_N_FFT];
    size_t cand = 0;
    wmel_ref_stage_out o = {NULL, NULL, NULL, NULL, lg};
    for (size_t t = 0; t < nf && st == WMEL_OK; t++) {
        int hit = 0;
        for (int m = 0; m < clip->n_mels && !hit; m++) hit = raw[(size_t)m * nf + t] >= cmax - WMEL_MAX_MARGIN;
        if (!hit) continue;
        cand++;
        wmel_stage_span sp = {t, 1, 1};
        st = wmel_ref_stages(clip->n_mels, clip->pcm, clip->n, 0, &sp, &o);
        for (int m = 0; m < clip->n_mels && st == WMEL_OK; m++)
            if (lg[m] > best) {
                best = lg[m];
                clip->max_frame = t;
                clip->max_mel = (size_t)m;
            }
    }
    free(raw);
    if (st) {
        snprintf(err, err_len, "%s", wmel_strerror(st));
        return st;
    }
    clip->log_max = best;
    clip->max_candidates = cand;
    return WMEL_OK;
}

int wmel_stages_compute(const wmel_frontend *fe, const wmel_clip *clip, size_t first, size_t nf,
                        size_t step, double **out)
{
    if (nf == 0) return WMEL_OK;
    const size_t n_fft = (size_t)fe->n_fft;
    double *pad = NULL, *win = NULL;
    if (out[0]) pad = malloc(nf * n_fft * sizeof *pad);
    if (out[1]) win = malloc(nf * n_fft * sizeof *win);
    if ((out[0] && !pad) || (out[1] && !win)) {
        free(pad);
        free(win);
        return WMEL_ERR_NO_MEMORY;
    }
    /* the log stage is needed for the features */
    double *lg = out[4];
    if (!lg && out[5] && !(lg = malloc(nf * (size_t)clip->n_mels * sizeof *lg))) {
        free(pad);
        free(win);
        return WMEL_ERR_NO_MEMORY;
    }
    wmel_stage_span sp = {first, nf, step};
    wmel_ref_stage_out o = {pad, win, out[2], out[3], lg};
    int rc = wmel_ref_stages(clip->n_mels, clip->pcm, clip->n, 0, &sp, &o);
    if (rc == WMEL_OK) {
        /* sample stages as [n_fft][nf], like the others */
        for (int s = 0; s < 2; s++) {
            const double *src = s ? win : pad;
            if (!src) continue;
            for (size_t i = 0; i < nf; i++)
                for (size_t k = 0; k < n_fft; k++) out[s][k * nf + i] = src[i * n_fft + k];
        }
        if (out[5]) {
            const double floor8 = clip->log_max - 8.0;
            for (size_t i = 0; i < (size_t)clip->n_mels * nf; i++)
                out[5][i] = ((lg[i] > floor8 ? lg[i] : floor8) + 4.0) / 4.0;
        }
    }
    if (lg != out[4]) free(lg);
    free(pad);
    free(win);
    return rc;
}

int wmel_decode_all(const char *path, float **pcm, size_t *n, char *fmt, size_t fmt_len, int quiet,
                    char *err, size_t err_len)
{
    int st;
    wmel_decoder *d = wmel_decoder_open(path, &st, err, err_len);
    if (!d) return st;
    snprintf(fmt, fmt_len, "%s", wmel_decoder_format(d));
    size_t cap = 1 << 20, len = 0, got = 0;
    float *buf = malloc(cap * sizeof *buf);
    int rc = buf ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    while (rc == WMEL_OK) {
        if (len == cap) {
            float *nb = cap > SIZE_MAX / 2 / sizeof *nb ? NULL : realloc(buf, 2 * cap * sizeof *nb);
            if (!nb) {
                rc = WMEL_ERR_NO_MEMORY;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        rc = wmel_decoder_read(d, buf + len, cap - len, &got);
        if (rc || got == 0) break;
        len += got;
    }
    if (rc == WMEL_ERR_NO_MEMORY) snprintf(err, err_len, "%s: out of memory", path);
    else if (rc) snprintf(err, err_len, "%s", wmel_decoder_error(d));
    if (rc == WMEL_OK && !quiet && wmel_decoder_warning(d)[0])
        fprintf(stderr, "wmel: warning: %s\n", wmel_decoder_warning(d));
    wmel_decoder_close(d);
    if (rc) {
        free(buf);
        return rc;
    }
    *pcm = buf;
    *n = len;
    return WMEL_OK;
}

int wmel_write_npy_f64(const char *path, const size_t *shape, int ndim, const double *x,
                       int transpose, char *err, size_t err_len)
{
    char hdr[256], dict[160];
    int k = snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (");
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%zu%s", shape[i], ndim == 1 ? "," : (i + 1 < ndim ? ", " : ""));
        count *= shape[i];
    }
    snprintf(dict + k, sizeof dict - (size_t)k, "), }");
    size_t dl = strlen(dict), total = 10 + dl + 1;
    size_t padded = (total + 63) / 64 * 64;
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    hdr[8] = (char)((padded - 10) & 0xff);
    hdr[9] = (char)((padded - 10) >> 8);
    memcpy(hdr + 10, dict, dl);
    memset(hdr + 10 + dl, ' ', padded - total);
    hdr[padded - 1] = '\n';
    wmel_out o;
    int rc = wmel_out_open(&o, path, 0, err, err_len);
    if (rc) return rc;
    int ok = fwrite(hdr, 1, padded, o.f) == padded;
    const uint16_t one = 1;
    const int le = *(const unsigned char *)&one == 1;
    size_t rows = ndim == 2 ? shape[1] : 1, cols = ndim == 2 ? shape[0] : count;
    for (size_t i = 0; i < count && ok; i++) {
        /* transposed: element (a, b) of the (shape[0], shape[1]) file is x[b * shape[0] + a] */
        double v = transpose ? x[(i % rows) * cols + i / rows] : x[i];
        unsigned char b[8];
        memcpy(b, &v, 8);
        if (!le)
            for (int j = 0; j < 4; j++) {
                unsigned char t = b[j];
                b[j] = b[7 - j];
                b[7 - j] = t;
            }
        ok = fwrite(b, 1, 8, o.f) == 8;
    }
    if (!ok) {
        snprintf(err, err_len, "%s: write failed: %s", path, strerror(errno));
        wmel_out_abort(&o);
        return WMEL_ERR_IO;
    }
    return wmel_out_commit(&o, err, err_len);
}
