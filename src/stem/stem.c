/*
 * stem.c -- the Whisper encoder stem (openai whisper/model.py AudioEncoder.forward up to
 * the first block; HF WhisperEncoder the same):
 *   x = gelu(conv1(mel))      conv1: n_mels -> d, k 3, stride 1, pad 1
 *   x = gelu(conv2(x))        conv2: d -> d,      k 3, stride 2, pad 1
 *   x = x.permute(0, 2, 1) + positional_embedding      -> [1500][d]
 * Weights come from a safetensors file with HF names (model.encoder.conv1.weight ...);
 * the positional table is the file's embed_positions.weight or, when the file has none,
 * whisper's sinusoids(1500, d). Both convolutions run as GEMMs in time-major layout
 * (see conv.c), so the stem's output comes out already transposed, with bias, GELU and
 * the positional add fused into the GEMM epilogue.
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"
#include "stem/stem_internal.h"
#include "pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wmel_stem {
    int n_mels, d, n_threads, file_positions;
    wmel_gemm_b g1, g2;
    float *b1, *b2, *pos; /* [d], [d], [1500][d] */
    void *cuda;           /* device copies for wmel_cuda_stem_device (src/cuda/stem_cuda.c) */
    void (*release)(void *cache); /* frees them (set by the backend with the first copy) */
    wmel_pool *pool;      /* the GEMMs' worker threads (pool.c), started on first use */
};

void wmel_stem_free(wmel_stem *s)
{
    if (!s) return;
    if (s->release) s->release(s->cuda);
    wmel__pool_free(s->pool);
    wmel__gemm_b_free(&s->g1);
    wmel__gemm_b_free(&s->g2);
    free(s->b1);
    free(s->b2);
    free(s->pos);
    free(s);
}

int wmel_stem_n_mels(const wmel_stem *s) { return s ? s->n_mels : 0; }
int wmel_stem_d_model(const wmel_stem *s) { return s ? s->d : 0; }
int wmel_stem_file_positions(const wmel_stem *s) { return s ? s->file_positions : 0; }
const char *wmel_stem_gemm_name(const wmel_stem *s) { return s ? wmel__gemm_name(&s->g1) : "none"; }

void wmel__stem_view(const wmel_stem *s, wmel_stem_view *v)
{
    wmel_stem *m = (wmel_stem *)s; /* the cache slot is the one mutable part of a stem */
    *v = (wmel_stem_view){s->n_mels, s->d, &s->g1, &s->g2, s->b1, s->b2, s->pos, &m->cuda,
                          &m->release};
}

/* Where tensor bytes come from: a memory image or an open file. */
typedef struct source {
    const unsigned char *mem;
    FILE *f;
    uint64_t data_start;
} source;

static int src_read(const source *src, uint64_t off, size_t n, void *dst)
{
    if (src->mem) {
        memcpy(dst, src->mem + src->data_start + off, n);
        return 0;
    }
    if (fseeko(src->f, (off_t)(src->data_start + off), SEEK_SET) != 0) return -1;
    return fread(dst, 1, n, src->f) == n ? 0 : -1;
}

static int errf(char *err, size_t err_len, int rc, const char *name, const char *msg,
                const char *tensor)
{
    if (err && err_len) {
        if (tensor) snprintf(err, err_len, "%s: tensor '%s' %s", name, tensor, msg);
        else snprintf(err, err_len, "%s: %s", name, msg);
    }
    return rc;
}

static const char *PREFIXES[] = {"model.encoder.", "encoder.", ""};

/* Finds "<prefix><what>" and checks its shape; loads it as float. */
static int load_tensor(const wmel_st_file *st, const source *src, const char *prefix,
                       const char *what, int ndim, const size_t *shape, float **out,
                       const char *name, char *err, size_t err_len, int optional)
{
    char full[256];
    snprintf(full, sizeof full, "%s%s", prefix, what);
    const wmel_st_tensor *t = wmel__st_find(st, full);
    *out = NULL;
    if (!t) {
        if (optional) return 0;
        return errf(err, err_len, WMEL_ERR_WEIGHTS, name, "is missing", full);
    }
    if (t->dtype < 0)
        return errf(err, err_len, WMEL_ERR_WEIGHTS, name,
                    "has a dtype wmel does not load (F32, F16 and BF16 are)", full);
    int ok = t->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++) ok = t->shape[i] == shape[i];
    if (!ok) {
        char msg[160];
        int p = snprintf(msg, sizeof msg, "has shape [");
        for (int i = 0; i < t->ndim && p < 120; i++)
            p += snprintf(msg + p, sizeof msg - (size_t)p, "%s%zu", i ? ", " : "", t->shape[i]);
        p += snprintf(msg + p, sizeof msg - (size_t)p, "], expected [");
        for (int i = 0; i < ndim && p < 150; i++)
            p += snprintf(msg + p, sizeof msg - (size_t)p, "%s%zu", i ? ", " : "", shape[i]);
        snprintf(msg + p, sizeof msg - (size_t)p, "]");
        return errf(err, err_len, WMEL_ERR_WEIGHTS, name, msg, full);
    }
    size_t bytes = (size_t)(t->end - t->begin);
    void *raw = malloc(bytes ? bytes : 1);
    float *f = malloc(t->count ? t->count * sizeof(float) : 1);
    if (!raw || !f) {
        free(raw);
        free(f);
        return errf(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory", NULL);
    }
    if (src_read(src, t->begin, bytes, raw)) {
        free(raw);
        free(f);
        return errf(err, err_len, WMEL_ERR_IO, name, "could not be read", full);
    }
    wmel__to_f32(raw, t->dtype, t->count, f);
    free(raw);
    *out = f;
    return 0;
}

static wmel_stem *build(const wmel_st_file *st, const source *src, const char *name,
                        int n_threads, int *status, char *err, size_t err_len)
{
    int rc;
    wmel_stem *s = calloc(1, sizeof *s);
    float *w1 = NULL, *w2 = NULL, *wp = NULL;
    if (!s) {
        rc = errf(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory", NULL);
        goto fail;
    }
    s->n_threads = n_threads;
    const char *prefix = NULL;
    char probe[64];
    for (size_t i = 0; i < sizeof PREFIXES / sizeof PREFIXES[0] && !prefix; i++) {
        snprintf(probe, sizeof probe, "%sconv1.weight", PREFIXES[i]);
        if (wmel__st_find(st, probe)) prefix = PREFIXES[i];
    }
    if (!prefix) {
        rc = errf(err, err_len, WMEL_ERR_WEIGHTS, name,
                  "has no tensor 'model.encoder.conv1.weight': not a Whisper encoder checkpoint",
                  NULL);
        goto fail;
    }
    snprintf(probe, sizeof probe, "%sconv1.weight", prefix);
    const wmel_st_tensor *c1 = wmel__st_find(st, probe);
    if (c1->ndim != 3 || c1->shape[2] != 3 || c1->shape[0] == 0 || c1->shape[1] == 0 ||
        c1->shape[0] > 65536 || c1->shape[1] > 65536) {
        rc = errf(err, err_len, WMEL_ERR_WEIGHTS, name, "must have shape [d, n_mels, 3]", probe);
        goto fail;
    }
    size_t d = c1->shape[0], nm = c1->shape[1];
    s->d = (int)d;
    s->n_mels = (int)nm;
    size_t sh_w1[3] = {d, nm, 3}, sh_b[1] = {d}, sh_w2[3] = {d, d, 3};
    size_t sh_pos[2] = {WMEL_STEM_FRAMES, d};
    if ((rc = load_tensor(st, src, prefix, "conv1.weight", 3, sh_w1, &w1, name, err, err_len, 0)) ||
        (rc = load_tensor(st, src, prefix, "conv1.bias", 1, sh_b, &s->b1, name, err, err_len, 0)) ||
        (rc = load_tensor(st, src, prefix, "conv2.weight", 3, sh_w2, &w2, name, err, err_len, 0)) ||
        (rc = load_tensor(st, src, prefix, "conv2.bias", 1, sh_b, &s->b2, name, err, err_len, 0)) ||
        (rc = load_tensor(st, src, prefix, "embed_positions.weight", 2, sh_pos, &s->pos, name, err,
                          err_len, 1)))
        goto fail;
    s->file_positions = s->pos != NULL;
    if (!s->pos) {
        s->pos = malloc(WMEL_STEM_FRAMES * d * sizeof(float));
        if (!s->pos) {
            rc = errf(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory", NULL);
            goto fail;
        }
        rc = wmel_sinusoids(WMEL_STEM_FRAMES, d, s->pos, WMEL_STEM_FRAMES * d);
        if (rc) {
            rc = errf(err, err_len, WMEL_ERR_WEIGHTS, name,
                      "has no embed_positions.weight and d is odd: no sinusoid table", NULL);
            goto fail;
        }
    }
    /* permute [d][c][3] -> [d][3][c] to match the time-major im2col rows */
    size_t kmax = 3 * (nm > d ? nm : d);
    wp = malloc(d * kmax * sizeof(float));
    if (!wp) {
        rc = errf(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory", NULL);
        goto fail;
    }
    for (int conv = 0; conv < 2; conv++) {
        size_t c = conv ? d : nm;
        const float *w = conv ? w2 : w1;
        for (size_t o = 0; o < d; o++)
            for (size_t i = 0; i < c; i++)
                for (size_t j = 0; j < 3; j++) wp[o * 3 * c + j * c + i] = w[o * 3 * c + i * 3 + j];
        rc = wmel__gemm_b_init(conv ? &s->g2 : &s->g1, wp, d, 3 * c, 0);
        if (rc) {
            errf(err, err_len, rc, name, wmel_strerror(rc), NULL);
            goto fail;
        }
    }
    free(w1);
    free(w2);
    free(wp);
    /* threads start on first use; without a pool (one thread, or no memory) each GEMM
       makes its own */
    s->pool = wmel__pool_new(wmel__stem_threads(n_threads) - 1);
    if (status) *status = WMEL_OK;
    return s;
fail:
    free(w1);
    free(w2);
    free(wp);
    wmel_stem_free(s);
    if (status) *status = rc;
    return NULL;
}

wmel_stem *wmel_stem_load_memory(const void *data, size_t size, const char *name, int n_threads,
                                 int *status, char *err, size_t err_len)
{
    if (!name) name = "(memory)";
    if (err && err_len) err[0] = 0;
    int rc;
    if (!data) {
        rc = errf(err, err_len, WMEL_ERR_NULL_POINTER, name, "no data", NULL);
        goto fail;
    }
    if (n_threads < 0) {
        rc = errf(err, err_len, WMEL_ERR_INVALID_ARG, name, "n_threads < 0", NULL);
        goto fail;
    }
    const unsigned char *p = data;
    if (size < 8) {
        rc = errf(err, err_len, WMEL_ERR_WEIGHTS, name,
                  "is truncated: shorter than the 8-byte safetensors header length", NULL);
        goto fail;
    }
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | p[i];
    if (hl > WMEL_ST_MAX_HEADER || hl > size - 8) {
        rc = errf(err, err_len, WMEL_ERR_WEIGHTS, name,
                  hl > WMEL_ST_MAX_HEADER ? "has a safetensors header length over 100 MB"
                                          : "is truncated: the header runs past the end of the file",
                  NULL);
        goto fail;
    }
    wmel_st_file st;
    char why[256];
    rc = wmel__st_parse((const char *)p + 8, (size_t)hl, size - 8 - hl, &st, why, sizeof why);
    if (rc) {
        errf(err, err_len, rc, name, why, NULL);
        goto fail;
    }
    source src = {p, NULL, 8 + hl};
    wmel_stem *s = build(&st, &src, name, n_threads, status, err, err_len);
    wmel__st_free(&st);
    return s;
fail:
    if (status) *status = rc;
    return NULL;
}

wmel_stem *wmel_stem_load(const char *path, int n_threads, int *status, char *err,
                          size_t err_len)
{
    int rc;
    if (err && err_len) err[0] = 0;
    if (!path) {
        rc = errf(err, err_len, WMEL_ERR_NULL_POINTER, "(null)", "no file name", NULL);
        if (status) *status = rc;
        return NULL;
    }
    if (n_threads < 0) {
        rc = errf(err, err_len, WMEL_ERR_INVALID_ARG, path, "n_threads < 0", NULL);
        if (status) *status = rc;
        return NULL;
    }
    FILE *f = wmel__fopen(path, "rb");
    if (!f) {
        rc = errf(err, err_len, WMEL_ERR_IO, path, strerror(errno), NULL);
        if (status) *status = rc;
        return NULL;
    }
    wmel_stem *s = NULL;
    char *hdr = NULL;
    unsigned char b8[8];
    off_t size = -1;
    if (fseeko(f, 0, SEEK_END) == 0) size = ftello(f);
    if (size < 0 || fseeko(f, 0, SEEK_SET) != 0) {
        rc = errf(err, err_len, WMEL_ERR_IO, path, "cannot be read (not a regular file?)", NULL);
        goto out;
    }
    if (size < 8 || fread(b8, 1, 8, f) != 8) {
        rc = errf(err, err_len, WMEL_ERR_WEIGHTS, path,
                  "is truncated: shorter than the 8-byte safetensors header length", NULL);
        goto out;
    }
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | b8[i];
    if (hl > WMEL_ST_MAX_HEADER || hl > (uint64_t)size - 8) {
        rc = errf(err, err_len, WMEL_ERR_WEIGHTS, path,
                  hl > WMEL_ST_MAX_HEADER ? "has a safetensors header length over 100 MB"
                                          : "is truncated: the header runs past the end of the file",
                  NULL);
        goto out;
    }
    hdr = malloc(hl ? (size_t)hl : 1);
    if (!hdr) {
        rc = errf(err, err_len, WMEL_ERR_NO_MEMORY, path, "out of memory", NULL);
        goto out;
    }
    if (fread(hdr, 1, (size_t)hl, f) != hl) {
        rc = errf(err, err_len, WMEL_ERR_IO, path, "could not be read", NULL);
        goto out;
    }
    wmel_st_file st;
    char why[256];
    rc = wmel__st_parse(hdr, (size_t)hl, (uint64_t)size - 8 - hl, &st, why, sizeof why);
    if (rc) {
        errf(err, err_len, rc, path, why, NULL);
        goto out;
    }
    source src = {NULL, f, 8 + hl};
    s = build(&st, &src, path, n_threads, &rc, err, err_len);
    wmel__st_free(&st);
out:
    free(hdr);
    fclose(f);
    if (status) *status = s ? WMEL_OK : rc;
    return s;
}

int wmel_stem_forward(const wmel_stem *s, const float *mel, size_t n_windows, float *out,
                      size_t out_len)
{
    if (!s) return WMEL_ERR_NULL_POINTER;
    if (n_windows == 0) return WMEL_OK;
    if (!mel || !out) return WMEL_ERR_NULL_POINTER;
    const size_t nm = (size_t)s->n_mels, d = (size_t)s->d, T = WMEL_CHUNK_FRAMES;
    const size_t per = (size_t)WMEL_STEM_FRAMES * d;
    if (n_windows > SIZE_MAX / per) return WMEL_ERR_OVERFLOW;
    if (out_len < n_windows * per) return WMEL_ERR_BUFFER_TOO_SMALL;
    if (n_windows > SIZE_MAX / nm / T) return WMEL_ERR_OVERFLOW;
    if (wmel__overlap(mel, wmel__bytes(n_windows * nm * T, sizeof(float)), out,
                      wmel__bytes(n_windows * per, sizeof(float))))
        return WMEL_ERR_INVALID_ARG;
    /* time-major, zero-padded: row 0 and row T + 1 are the padding */
    float *x1 = wmel__aligned_alloc((T + 2) * nm * sizeof(float));
    float *h = wmel__aligned_alloc((T + 2) * d * sizeof(float));
    int rc = WMEL_ERR_NO_MEMORY;
    if (!x1 || !h) goto out;
    memset(x1, 0, nm * sizeof(float));
    memset(x1 + (T + 1) * nm, 0, nm * sizeof(float));
    memset(h, 0, d * sizeof(float));
    memset(h + (T + 1) * d, 0, d * sizeof(float));
    wmel_epilogue e1 = {s->b1, 1, NULL, 0};
    wmel_epilogue e2 = {s->b2, 1, s->pos, d};
    for (size_t w = 0; w < n_windows; w++) {
        const float *m = mel + w * nm * T;
        for (size_t t0 = 0; t0 < T; t0 += 64) /* blocked transpose [nm][T] -> [T][nm] */
            for (size_t c = 0; c < nm; c++)
                for (size_t t = t0; t < t0 + 64 && t < T; t++) x1[(t + 1) * nm + c] = m[c * T + t];
        rc = wmel__gemm(&s->g1, x1, nm, T, h + d, d, &e1, s->n_threads, s->pool);
        if (rc) goto out;
        rc = wmel__gemm(&s->g2, h, 2 * d, WMEL_STEM_FRAMES, out + w * per, d, &e2, s->n_threads,
                            s->pool);
        if (rc) goto out;
    }
    rc = WMEL_OK;
out:
    wmel__aligned_free(x1);
    wmel__aligned_free(h);
    return rc;
}

/* The stem on a ctx's device memory: the boundary checks here, the work on the ctx's
 * backend (cuda/stem_cuda.c looked up by name: WMEL__PROC). */
int wmel_cuda_stem_device(const wmel_stem *s, wmel_ctx *ctx, const float *d_mel, size_t n_windows,
                          float *d_out, size_t out_len, void *stream)
{
    if (!s || !ctx) return WMEL_ERR_NULL_POINTER;
    if (!wmel__backend(WMEL_BACKEND_CUDA)) return WMEL_ERR_NOT_BUILT;
    const size_t nm = (size_t)s->n_mels, d = (size_t)s->d;
    if ((int)nm != ctx->params.n_mels) return WMEL_ERR_INVALID_ARG;
    if (n_windows) {
        if (!d_mel || !d_out) return WMEL_ERR_NULL_POINTER;
        const size_t per_out = (size_t)1500 * d, per_in = (size_t)3000 * nm;
        const size_t lim = SIZE_MAX / sizeof(float);
        if (n_windows > lim / per_out || n_windows > lim / per_in) return WMEL_ERR_OVERFLOW;
        if (out_len < n_windows * per_out) return WMEL_ERR_BUFFER_TOO_SMALL;
    }
    const wmel__stem_device_fn stem_device = WMEL__PROC(ctx->vt, stem_device);
    if (!stem_device) return WMEL_ERR_BACKEND_UNAVAILABLE;
    if (n_windows == 0) return WMEL_OK;
    return stem_device(s, ctx, d_mel, n_windows, d_out, stream);
}
