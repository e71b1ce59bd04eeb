/*
 * api.c -- the public entry points: argument checks at the boundary, backend and
 * kernel choice, the frame driver (reflect padding, blocks, threads) and the
 * normalisation of openai-whisper's log_mel_spectrogram().
 */
#define _GNU_SOURCE
#include "internal.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef WMEL_HAVE_CUDA
#include "cuda/cuda_internal.h"
#endif

/* ---------------------------------------------------------------- helpers */

void *wmel__aligned_alloc(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) return NULL;
    return p;
}

void wmel__aligned_free(void *p) { free(p); }

void wmel_free(void *p) { free(p); }

size_t wmel_n_frames(size_t n_samples, size_t padding)
{
    if (padding > SIZE_MAX - n_samples) return SIZE_MAX / WMEL_HOP;
    return (n_samples + padding) / WMEL_HOP;
}

static int isa_from_env(void)
{
    const char *e = getenv("WMEL_MAX_ISA");
    if (!e || !*e) return WMEL_ISA_AUTO;
    if (!strcmp(e, "c") || !strcmp(e, "scalar")) return WMEL_ISA_C;
    if (!strcmp(e, "avx2")) return WMEL_ISA_AVX2;
    if (!strcmp(e, "avx512")) return WMEL_ISA_AVX512;
    return WMEL_ISA_AUTO; /* unknown values are ignored rather than fatal */
}

int wmel__cpu_isa(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        return WMEL_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return WMEL_ISA_AVX2;
#endif
    return WMEL_ISA_C;
}

static const wmel_kernel *pick_kernel(int max_isa)
{
    int level = wmel__cpu_isa();
    int env = isa_from_env();
    if (max_isa != WMEL_ISA_AUTO && max_isa < level) level = max_isa;
    if (env != WMEL_ISA_AUTO && env < level) level = env;
    const wmel_kernel *k = NULL;
    if (level >= WMEL_ISA_AVX512) k = wmel__kernel_avx512();
    if (!k && level >= WMEL_ISA_AVX2) k = wmel__kernel_avx2();
    if (!k) k = wmel__kernel_c();
    return k;
}

/* ---------------------------------------------------------------- create / destroy */

wmel_params wmel_default_params(void)
{
    wmel_params p;
    memset(&p, 0, sizeof p);
    p.n_mels = 80;
    p.backend = WMEL_BACKEND_AUTO;
    p.n_threads = 0;
    p.norm = WMEL_NORM_WHOLE;
    p.max_isa = WMEL_ISA_AUTO;
    p.cuda_device = 0;
    return p;
}

static wmel_ctx *fail(int *status, int code)
{
    if (status) *status = code;
    return NULL;
}

wmel_ctx *wmel_create(const wmel_params *p_in, int *status)
{
    wmel_params p = p_in ? *p_in : wmel_default_params();
    if (p.n_mels != 80 && p.n_mels != 128) return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.backend < WMEL_BACKEND_AUTO || p.backend > WMEL_BACKEND_CUDA)
        return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.norm != WMEL_NORM_WHOLE && p.norm != WMEL_NORM_NONE)
        return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.max_isa < WMEL_ISA_AUTO || p.max_isa > WMEL_ISA_AVX512)
        return fail(status, WMEL_ERR_INVALID_ARG);
    if (p.n_threads < 0 || p.cuda_device < 0) return fail(status, WMEL_ERR_INVALID_ARG);

    int backend = p.backend;
    if (backend == WMEL_BACKEND_CUDA) {
#ifdef WMEL_HAVE_CUDA
        if (!wmel__cuda_available(p.cuda_device))
            return fail(status, WMEL_ERR_BACKEND_UNAVAILABLE);
#else
        return fail(status, WMEL_ERR_BACKEND_UNAVAILABLE);
#endif
    }
    if (backend == WMEL_BACKEND_AUTO) {
        backend = WMEL_BACKEND_CPU;
#ifdef WMEL_HAVE_CUDA
        if (wmel__cuda_available(p.cuda_device)) backend = WMEL_BACKEND_CUDA;
#endif
    }

    wmel_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return fail(status, WMEL_ERR_NO_MEMORY);
    ctx->params = p;
    ctx->backend = backend;
    int rc = wmel__plan_init(&ctx->plan, p.n_mels);
    if (rc != WMEL_OK) {
        free(ctx);
        return fail(status, rc);
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    ctx->n_threads = p.n_threads ? p.n_threads : (ncpu > 0 ? (int)ncpu : 1);
    if (ctx->n_threads > 256) ctx->n_threads = 256;
    ctx->kernel = pick_kernel(p.max_isa);
    if (backend == WMEL_BACKEND_REF)
        snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "ref-f64-dft");
    else
        snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "%s", ctx->kernel->name);
#ifdef WMEL_HAVE_CUDA
    if (backend == WMEL_BACKEND_CUDA && (rc = wmel__cuda_init(ctx)) != WMEL_OK) {
        if (p.backend == WMEL_BACKEND_CUDA) { /* asked for by name: a clear error */
            wmel__plan_free(&ctx->plan);
            free(ctx);
            return fail(status, rc);
        }
        ctx->backend = WMEL_BACKEND_CPU; /* AUTO: the CPU, silently */
    }
#endif
    if (status) *status = WMEL_OK;
    return ctx;
}

void wmel_destroy(wmel_ctx *ctx)
{
    if (!ctx) return;
#ifdef WMEL_HAVE_CUDA
    wmel__cuda_free(ctx);
#endif
    wmel__plan_free(&ctx->plan);
    free(ctx);
}

const char *wmel_backend_name(const wmel_ctx *ctx)
{
    if (!ctx) return "none";
    switch (ctx->backend) {
    case WMEL_BACKEND_REF: return "ref";
    case WMEL_BACKEND_CUDA: return "cuda";
    default: return "cpu";
    }
}

const char *wmel_kernel_name(const wmel_ctx *ctx) { return ctx ? ctx->kernel_name : "none"; }
int wmel_ctx_n_mels(const wmel_ctx *ctx) { return ctx ? ctx->params.n_mels : 0; }
int wmel_ctx_n_threads(const wmel_ctx *ctx) { return ctx ? ctx->n_threads : 0; }

/* ---------------------------------------------------------------- signal access */

static float sample_at(const wmel_signal *s, size_t i)
{
    if (i >= s->n) return 0.0f;
    return s->f32 ? s->f32[i] : (float)s->s16[i] * (1.0f / 32768.0f);
}

int wmel__signal_span(const wmel_signal *s, size_t p0, size_t count, float *dst)
{
    const long long N = (long long)(s->n + s->padding);
    int zero = 1;
    for (size_t j = 0; j < count;) {
        long long i = (long long)(p0 + j) - WMEL_PAD;
        if (i >= 0 && i < (long long)s->n) {
            /* straight run of real samples */
            size_t run = s->n - (size_t)i;
            if (run > count - j) run = count - j;
            if (s->f32) {
                memcpy(dst + j, s->f32 + i, run * sizeof(float));
            } else {
                for (size_t r = 0; r < run; r++)
                    dst[j + r] = (float)s->s16[(size_t)i + r] * (1.0f / 32768.0f);
            }
            for (size_t r = 0; r < run && zero; r++) zero = dst[j + r] == 0.0f;
            j += run;
            continue;
        }
        if (i < 0) i = -i;
        if (i >= N) i = 2 * (N - 1) - i;
        float v = sample_at(s, (size_t)i);
        dst[j] = v;
        if (v != 0.0f) zero = 0;
        j++;
    }
    return zero;
}

/* ---------------------------------------------------------------- frame driver */

typedef struct job {
    const wmel_ctx *ctx;
    const wmel_signal *sig;
    size_t f_begin, f_end, f0; /* absolute frames [f_begin, f_end); output origin f0 */
    float *out;
    size_t stride;
    float max;
    int bad;
    int status;
} job;

#define SPAN_FLOATS ((WMEL_BLOCK_FRAMES - 1) * WMEL_HOP + WMEL_N_FFT)

static void run_job(job *jb)
{
    const wmel_ctx *ctx = jb->ctx;
    const wmel_signal *s = jb->sig;
    wmel_block_fn fn = ctx->backend == WMEL_BACKEND_REF ? wmel__ref_block : ctx->kernel->block;
    float *span = wmel__aligned_alloc(SPAN_FLOATS * sizeof(float) + WMEL_KERNEL_SCRATCH);
    jb->max = -1e30f;
    jb->bad = 0;
    if (!span) {
        jb->status = WMEL_ERR_NO_MEMORY;
        return;
    }
    void *scratch = span + SPAN_FLOATS; /* SPAN_FLOATS * 4 is a multiple of 64 */
    for (size_t f = jb->f_begin; f < jb->f_end; f += WMEL_BLOCK_FRAMES) {
        size_t nb = jb->f_end - f < WMEL_BLOCK_FRAMES ? jb->f_end - f : WMEL_BLOCK_FRAMES;
        size_t p0 = f * WMEL_HOP, count = (nb - 1) * WMEL_HOP + WMEL_N_FFT;
        float *o = jb->out + (f - jb->f0);
        const float *x;
        if (s->f32 && p0 >= WMEL_PAD && p0 - WMEL_PAD + count <= s->n) {
            x = s->f32 + (p0 - WMEL_PAD);
        } else if (wmel__signal_span(s, p0, count, span)) {
            /* digital silence: every mel value is the floor */
            for (int m = 0; m < ctx->plan.n_mels; m++)
                for (size_t t = 0; t < nb; t++) o[(size_t)m * jb->stride + t] = WMEL_LOG_FLOOR_LOG10;
            if (WMEL_LOG_FLOOR_LOG10 > jb->max) jb->max = WMEL_LOG_FLOOR_LOG10;
            continue;
        } else {
            x = span;
        }
        float m = fn(&ctx->plan, x, nb, o, jb->stride, scratch, &jb->bad);
        if (m > jb->max) jb->max = m;
    }
    wmel__aligned_free(span);
    jb->status = WMEL_OK;
}

static void *job_thread(void *arg)
{
    run_job(arg);
    return NULL;
}

int wmel__raw_frames(const wmel_ctx *ctx, const wmel_signal *s, size_t f0, size_t nf,
                     float *out, size_t stride, float *max_out, int n_threads)
{
    job jobs[256];
    pthread_t tids[256];
    size_t per_min = 2 * WMEL_BLOCK_FRAMES; /* below this a thread costs more than it saves */
    size_t nt = (size_t)(n_threads > 0 ? n_threads : 1);
    if (nt > 256) nt = 256;
    if (nt > (nf + per_min - 1) / per_min) nt = (nf + per_min - 1) / per_min;
    if (nt < 1) nt = 1;
    /* split on block boundaries so the threads' work is even */
    size_t nblocks = (nf + WMEL_BLOCK_FRAMES - 1) / WMEL_BLOCK_FRAMES;
    size_t started = 0;
    int rc = WMEL_OK;
    for (size_t t = 0; t < nt; t++) {
        size_t b0 = nblocks * t / nt, b1 = nblocks * (t + 1) / nt;
        jobs[t].ctx = ctx;
        jobs[t].sig = s;
        jobs[t].f0 = f0;
        jobs[t].f_begin = f0 + b0 * WMEL_BLOCK_FRAMES;
        jobs[t].f_end = f0 + (b1 * WMEL_BLOCK_FRAMES < nf ? b1 * WMEL_BLOCK_FRAMES : nf);
        jobs[t].out = out;
        jobs[t].stride = stride;
        jobs[t].status = WMEL_OK;
    }
    for (size_t t = 1; t < nt; t++) {
        if (pthread_create(&tids[t], NULL, job_thread, &jobs[t]) != 0) {
            rc = WMEL_ERR_THREAD;
            break;
        }
        started = t;
    }
    if (rc == WMEL_OK) run_job(&jobs[0]);
    for (size_t t = 1; t <= started; t++) pthread_join(tids[t], NULL);
    if (rc != WMEL_OK) return rc;
    float mx = -1e30f;
    int bad = 0;
    for (size_t t = 0; t < nt; t++) {
        if (jobs[t].status != WMEL_OK) return jobs[t].status;
        if (jobs[t].max > mx) mx = jobs[t].max;
        bad |= jobs[t].bad;
    }
    if (bad) return WMEL_ERR_NOT_FINITE;
    *max_out = mx;
    return WMEL_OK;
}

void wmel_normalize(float *x, size_t n, float max_val)
{
    const float lo = max_val - 8.0f;
    for (size_t i = 0; i < n; i++) {
        float v = x[i] < lo ? lo : x[i];
        x[i] = (v + 4.0f) * 0.25f;
    }
}

/* ---------------------------------------------------------------- compute */

static int check_ctx(const wmel_ctx *ctx, size_t n, size_t padding, const void *pcm)
{
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (!pcm && n) return WMEL_ERR_NULL_POINTER;
    if (padding > SIZE_MAX / 4 - n) return WMEL_ERR_OVERFLOW;
    if (n + padding <= WMEL_PAD) return WMEL_ERR_TOO_SHORT;
    return WMEL_OK;
}

static int need_out(const wmel_ctx *ctx, size_t clips, size_t nf, const float *out,
                    size_t out_len)
{
    size_t per = (size_t)ctx->params.n_mels * nf;
    if (nf && per / nf != (size_t)ctx->params.n_mels) return WMEL_ERR_OVERFLOW;
    if (clips && per > SIZE_MAX / clips) return WMEL_ERR_OVERFLOW;
    if (!out && per && clips) return WMEL_ERR_NULL_POINTER;
    if (out_len < per * clips) return WMEL_ERR_BUFFER_TOO_SMALL;
    return WMEL_OK;
}

static int log_mel_signal(wmel_ctx *ctx, const wmel_signal *s, float *out, size_t out_len)
{
    size_t nf = wmel_n_frames(s->n, s->padding);
    int rc = need_out(ctx, 1, nf, out, out_len);
    if (rc) return rc;
#ifdef WMEL_HAVE_CUDA
    if (ctx->backend == WMEL_BACKEND_CUDA) { /* per-op fallback: FALLBACK runs it below */
        rc = wmel__cuda_host(ctx, s->f32, s->s16, 1, s->n, s->n, s->padding, WMEL_BATCH_PER_CLIP,
                             out, out_len, s->f32 ? WMEL_OP_LOG_MEL : WMEL_OP_LOG_MEL_S16);
        if (rc != WMEL__CUDA_FALLBACK) return rc;
    }
#endif
    float mx;
    rc = wmel__raw_frames(ctx, s, 0, nf, out, nf, &mx, ctx->n_threads);
    if (rc) return rc;
    if (ctx->params.norm == WMEL_NORM_WHOLE)
        wmel_normalize(out, (size_t)ctx->params.n_mels * nf, mx);
    return WMEL_OK;
}

int wmel_log_mel(wmel_ctx *ctx, const float *pcm, size_t n_samples, size_t padding,
                 float *out, size_t out_len)
{
    int rc = check_ctx(ctx, n_samples, padding, pcm);
    if (rc) return rc;
    wmel_signal s = {pcm, NULL, n_samples, padding};
    return log_mel_signal(ctx, &s, out, out_len);
}

int wmel_log_mel_s16(wmel_ctx *ctx, const int16_t *pcm, size_t n_samples, size_t padding,
                     float *out, size_t out_len)
{
    int rc = check_ctx(ctx, n_samples, padding, pcm);
    if (rc) return rc;
    wmel_signal s = {NULL, pcm, n_samples, padding};
    return log_mel_signal(ctx, &s, out, out_len);
}

int wmel_log_mel_batch(wmel_ctx *ctx, const float *pcm, size_t batch, size_t n_samples,
                       size_t pcm_stride, size_t padding, int batch_norm, float *out,
                       size_t out_len)
{
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (batch_norm != WMEL_BATCH_PER_CLIP && batch_norm != WMEL_BATCH_GLOBAL)
        return WMEL_ERR_INVALID_ARG;
    if (batch == 0) return WMEL_OK;
    if (pcm_stride < n_samples) return WMEL_ERR_INVALID_ARG;
    if (batch > 1 && pcm_stride > SIZE_MAX / (batch - 1)) return WMEL_ERR_OVERFLOW;
    int rc = check_ctx(ctx, n_samples, padding, pcm);
    if (rc) return rc;
    size_t nf = wmel_n_frames(n_samples, padding);
    rc = need_out(ctx, batch, nf, out, out_len);
    if (rc) return rc;
#ifdef WMEL_HAVE_CUDA
    if (ctx->backend == WMEL_BACKEND_CUDA) { /* per-op fallback: FALLBACK runs it below */
        rc = wmel__cuda_host(ctx, pcm, NULL, batch, n_samples, pcm_stride, padding, batch_norm,
                             out, out_len, WMEL_OP_LOG_MEL_BATCH);
        if (rc != WMEL__CUDA_FALLBACK) return rc;
    }
#endif
    size_t per = (size_t)ctx->params.n_mels * nf;
    float gmax = -1e30f;
    for (size_t b = 0; b < batch; b++) {
        wmel_signal s = {pcm + b * pcm_stride, NULL, n_samples, padding};
        float mx;
        rc = wmel__raw_frames(ctx, &s, 0, nf, out + b * per, nf, &mx, ctx->n_threads);
        if (rc) return rc;
        if (ctx->params.norm != WMEL_NORM_WHOLE) continue;
        if (batch_norm == WMEL_BATCH_PER_CLIP)
            wmel_normalize(out + b * per, per, mx);
        else if (mx > gmax)
            gmax = mx;
    }
    if (ctx->params.norm == WMEL_NORM_WHOLE && batch_norm == WMEL_BATCH_GLOBAL)
        wmel_normalize(out, per * batch, gmax);
    return WMEL_OK;
}

int wmel_pad_or_trim(const float *in, size_t n, float *out, size_t length)
{
    if (!out && length) return WMEL_ERR_NULL_POINTER;
    if (!in && n && length) return WMEL_ERR_NULL_POINTER;
    size_t c = n < length ? n : length;
    if (c && in != out) memmove(out, in, c * sizeof(float));
    for (size_t i = c; i < length; i++) out[i] = 0.0f;
    return WMEL_OK;
}

int wmel_mel_filters(int n_mels, float *out, size_t out_len)
{
    if (n_mels != 80 && n_mels != 128) return WMEL_ERR_INVALID_ARG;
    if (!out) return WMEL_ERR_NULL_POINTER;
    size_t n = (size_t)n_mels * WMEL_N_BINS;
    if (out_len < n) return WMEL_ERR_BUFFER_TOO_SMALL;
    double *d = malloc(n * sizeof *d);
    if (!d) return WMEL_ERR_NO_MEMORY;
    wmel__mel_filters_f64(n_mels, d);
    for (size_t i = 0; i < n; i++) out[i] = (float)d[i];
    free(d);
    return WMEL_OK;
}

/* ---------------------------------------------------------------- messages */

const char *wmel_strerror(int status)
{
    switch (status) {
    case WMEL_OK: return "success";
    case WMEL_ERR_INVALID_ARG: return "invalid argument: a parameter is outside its allowed range (see wmel.h)";
    case WMEL_ERR_NULL_POINTER: return "a required pointer argument is NULL";
    case WMEL_ERR_NO_MEMORY: return "out of memory";
    case WMEL_ERR_BUFFER_TOO_SMALL: return "output buffer too small: size it with wmel_n_frames() * n_mels";
    case WMEL_ERR_TOO_SHORT: return "input too short: samples + padding must exceed 200 (n_fft/2) for reflect padding";
    case WMEL_ERR_BACKEND_UNAVAILABLE: return "the requested backend is not available (not built in, or no usable CUDA device)";
    case WMEL_ERR_NOT_FINITE: return "the input contains NaN or infinite samples";
    case WMEL_ERR_IO: return "input/output error: the file could not be opened, read or written";
    case WMEL_ERR_FORMAT: return "unrecognised data: not an audio format wmel can read";
    case WMEL_ERR_UNSUPPORTED: return "unsupported audio: this build reads 16 kHz mono PCM16/float32 WAV only (build with FFmpeg for other formats)";
    case WMEL_ERR_CORRUPT: return "the file is damaged and cannot be decoded";
    case WMEL_ERR_NO_SAMPLES: return "the input holds no audio samples";
    case WMEL_ERR_THREAD: return "could not start a worker thread";
    case WMEL_ERR_CUDA: return "the CUDA runtime reported an error";
    case WMEL_ERR_OVERFLOW: return "the input is too large: a size computation would overflow";
    case WMEL_ERR_DECODER: return "the audio decoder reported an error";
    case WMEL_ERR_NOT_BUILT: return "this feature was not built into this copy of libwmel";
    case WMEL_ERR_WEIGHTS: return "the weights file is malformed or its tensors do not fit the model";
    default: return "unknown wmel status code";
    }
}

const char *wmel_version(void)
{
    return WMEL_VERSION_STRING " ("
#if defined(__x86_64__)
           "x86_64"
#else
           "generic"
#endif
#ifdef WMEL_HAVE_FFMPEG
           " ffmpeg"
#endif
#ifdef WMEL_HAVE_CUDA
           " cuda"
#endif
           ")";
}
