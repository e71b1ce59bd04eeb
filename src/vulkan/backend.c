/*
 * backend.c -- the Vulkan backend's host side (wmel__backend_vulkan): the device chosen
 * and the plan's tables uploaded at create time (computed on the host in float64: the
 * window, the DFT's cos / sin table, the mel bank), then for each call the frames packed
 * into the device's buffers -- each frame's padded, scaled signal run, its start -- and
 * dispatched in rounds under the buffers' and the dispatch's limits (vk_loader.c), the
 * frame values read back. What has no device kernel runs on the CPU on those values:
 * Whisper's normalisation and smoothing here, a plan's finish (statistics,
 * normalisation, stacking, deltas, layout) in fe_cpu.c, exactly as on the CPU backend.
 * wmel_op_backend() says which ran.
 *
 * Two arithmetics (vk_internal.h): float64 (the table and the signal as doubles) and
 * float-float (each value as the float pair (hi, lo), hi = (float)v, lo = (float)(v - hi)).
 */
#define _POSIX_C_SOURCE 200809L /* access, opendir */
#include "../internal.h"
#include "../fe/fe.h"
#include "vk_internal.h"

#if defined(__linux__)
#include <dirent.h>
#include <unistd.h>
#endif
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_OPS 8

typedef struct vk_state {
    vkw *w;             /* NULL: the plan's frame does not fit the device (the CPU's frames) */
    int arith;
    pthread_mutex_t lock;
    atomic_int op_backend[N_OPS];
    int pfa;            /* Whisper's geometry on the pfa400 algorithm */
    int fl, n_cols;
    size_t hop;
    long long off;      /* signal index of frame 0's first sample */
} vk_state;

/* A value in the storage type of the arithmetic (8 bytes either way). */
static void put(int arith, void *base, size_t i, double v)
{
    if (arith == VKW_ARITH_FF) {
        float *p = (float *)base + 2 * i;
        const float hi = (float)v;
        p[0] = hi;
        p[1] = (float)(v - (double)hi);
    } else {
        ((double *)base)[i] = v;
    }
}

static double get(int arith, const void *base, size_t i)
{
    if (arith == VKW_ARITH_FF) {
        const float *p = (const float *)base + 2 * i;
        return (double)p[0] + (double)p[1];
    }
    return ((const double *)base)[i];
}

/* ---------------------------------------------------------------- availability */

/* AUTO's look at the devices, once a process: every AUTO ctx asks */
static vkw_dev g_auto_devs[VKW_MAX_DEVS];
static int g_auto_n, g_auto_ok;
static pthread_once_t g_auto_once = PTHREAD_ONCE_INIT;
/* On Linux a GPU's Vulkan driver needs a kernel device node: a DRM render node (Mesa's
 * radv, anv, turnip, NVK...) or NVIDIA's control device. Without one AUTO has no GPU to
 * find, and does not load the loader and its CPU drivers (lavapipe: tens of ms a process). */
static int gpu_nodes(void)
{
#if defined(__linux__)
    if (access("/dev/nvidiactl", F_OK) == 0) return 1;
    DIR *d = opendir("/dev/dri");
    int found = 0;
    if (d) {
        for (struct dirent *e; !found && (e = readdir(d));) found = strncmp(e->d_name, "renderD", 7) == 0;
        closedir(d);
    }
    return found;
#else
    return 1;
#endif
}

static void auto_list(void) { g_auto_ok = gpu_nodes() && wmel__vk_list(g_auto_devs, &g_auto_n) == WMEL_OK; }

static int vk_available(const wmel_params *p)
{
    vkw_dev devs_here[VKW_MAX_DEVS];
    const vkw_dev *devs = devs_here;
    int n = 0;
    if (p->backend == WMEL_BACKEND_AUTO) {
        if (pthread_once(&g_auto_once, auto_list) != 0 || !g_auto_ok) return 0;
        devs = g_auto_devs;
        n = g_auto_n;
    } else if (wmel__vk_list(devs_here, &n) != WMEL_OK) {
        return 0;
    }
    const int i = wmel__vk_pick(devs, n, p->vulkan_device, p->backend == WMEL_BACKEND_AUTO);
    return i >= 0 && wmel__vk_arith(&devs[i], p->vulkan_arith) != 0;
}

/* ---------------------------------------------------------------- create / destroy */

typedef struct vk_geom {
    int n_fft, fl, nbins, n_mels, n_cols, nnz;
    const double *window, *cos, *sin, *melw;
    const int *lo, *len, *moff;
} vk_geom;

/* The FFT's radices for n_fft (frames.comp: a complex FFT of n_fft / 2 points, fours first,
 * then a two, threes and fives); their count, or 0 where the direct DFT is taken: n_fft odd,
 * a frame longer than n_fft, another prime factor, too many stages (wmel_plan_check admits
 * none of these today), or WMEL_VULKAN_FFT=0 (a testing switch, read when a ctx is created:
 * the DFT for every plan). */
static int fft_radices(int n_fft, int fl, int radix[VKW_MAX_STAGES])
{
    const char *env = getenv("WMEL_VULKAN_FFT");
    if ((env && !strcmp(env, "0")) || n_fft < 4 || n_fft % 2 || fl > n_fft) return 0;
    static const int order[] = {4, 2, 3, 5};
    int m = n_fft / 2, n = 0;
    for (int i = 0; i < 4; i++)
        while (m % order[i] == 0 && (order[i] != 2 || m % 4)) { /* a single two, after the fours */
            if (n == VKW_MAX_STAGES) return 0;
            radix[n++] = order[i];
            m /= order[i];
        }
    return m == 1 ? n : 0;
}

static void vk_free(wmel_ctx *ctx)
{
    vk_state *st = ctx->state;
    if (!st) return;
    wmel__vk_close(st->w);
    pthread_mutex_destroy(&st->lock);
    free(st);
    ctx->state = NULL;
}

static int vk_init(wmel_ctx *ctx)
{
    const wmel_fe *fe = ctx->fe;
    vkw_dev devs[VKW_MAX_DEVS];
    int n = 0;
    int rc = wmel__vk_list(devs, &n);
    if (rc != WMEL_OK) return rc == WMEL_ERR_NO_MEMORY ? rc : WMEL_ERR_BACKEND_UNAVAILABLE;
    const int gpu_only = ctx->params.backend == WMEL_BACKEND_AUTO;
    const int index = wmel__vk_pick(devs, n, ctx->params.vulkan_device, gpu_only);
    if (index < 0)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE,
                               n == 0 ? "Vulkan: no device (the loader lists none)"
                                      : "Vulkan: no device matches params.vulkan_device / WMEL_VULKAN_DEVICE "
                                        "(or, for AUTO, none is a GPU)");
    const int arith = wmel__vk_arith(&devs[index], ctx->params.vulkan_arith);
    if (!arith) return WMEL_ERR_BACKEND_UNAVAILABLE; /* the reason is in the detail */

    vk_geom g;
    memset(&g, 0, sizeof g);
    const wmel_frontend_plan *p = &fe->p;
    vk_state *st = calloc(1, sizeof *st);
    if (!st) return WMEL_ERR_NO_MEMORY;
    st->pfa = fe->algo == &wmel__algo_pfa400;
    if (st->pfa) {
        const wmel_plan *pl = fe->pfa400;
        g.n_fft = WMEL_N_FFT, g.fl = WMEL_N_FFT, g.nbins = WMEL_N_BINS, g.n_mels = pl->n_mels;
        g.n_cols = pl->n_mels, g.nnz = pl->mel_nnz;
        g.window = pl->window_d, g.cos = pl->dft_cos, g.sin = pl->dft_sin, g.melw = pl->mel_wd;
        g.lo = pl->mel_lo, g.len = pl->mel_len, g.moff = pl->mel_off;
        st->hop = WMEL_HOP;
        st->off = 0; /* the padded signal of wmel__signal_span: frame t at 160 t */
    } else {
        g.n_fft = p->n_fft, g.fl = p->frame_length, g.nbins = fe->n_bins, g.n_mels = p->n_mels;
        g.n_cols = fe->n_raw; /* the frames' log energy and log mels (never a plan's cepstra) */
        g.nnz = p->n_mels ? fe->mel_off[p->n_mels - 1] + fe->mel_len[p->n_mels - 1] : 0;
        g.window = fe->window, g.cos = fe->dft_cos, g.sin = fe->dft_sin, g.melw = fe->mel_w;
        g.lo = fe->mel_lo, g.len = fe->mel_len, g.moff = fe->mel_off;
        st->hop = (size_t)p->hop;
        st->off = fe->off;
    }
    st->fl = g.fl;
    st->n_cols = g.n_cols;
    st->arith = arith;
    for (int i = 0; i < N_OPS; i++) atomic_init(&st->op_backend[i], WMEL_BACKEND_VULKAN);
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        free(st);
        return WMEL_ERR_THREAD;
    }
    int radix[VKW_MAX_STAGES];
    const int n_stages = fft_radices(g.n_fft, g.fl, radix);
    const vkw_shape shape = {g.fl, g.nbins, g.n_fft, n_stages > 0};
    const size_t tab_words = VKW_T_HEAD + (size_t)g.fl + 2 * (size_t)g.n_fft + (size_t)g.nnz;
    const size_t perm_at = VKW_I_HEAD + 3 * (size_t)g.n_mels;
    const size_t int_words = perm_at + (n_stages > 0 ? (size_t)g.n_fft / 2 : 0);
    rc = wmel__vk_open(&st->w, index, arith, &shape, tab_words, int_words);
    if (rc == WMEL__FALLBACK && !st->pfa) { /* a frame too long for the shared memory: the CPU's frames */
        for (int i = 0; i < N_OPS; i++) atomic_store(&st->op_backend[i], WMEL_BACKEND_CPU);
        ctx->state = st;
        snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "cpu-%s-fft%d", fe->kern->name, g.n_fft);
        return WMEL_OK;
    }
    if (rc != WMEL_OK) {
        pthread_mutex_destroy(&st->lock);
        free(st);
        return rc == WMEL_ERR_NO_MEMORY ? rc : WMEL_ERR_BACKEND_UNAVAILABLE;
    }
    /* the tables, in float64 on the host, stored once */
    void *tab = wmel__vk_tab(st->w);
    int *in = wmel__vk_ints(st->w);
    const size_t win = VKW_T_HEAD, co = win + (size_t)g.fl, so = co + (size_t)g.n_fft, mo = so + (size_t)g.n_fft;
    for (size_t i = 0; i < VKW_T_HEAD; i++) put(arith, tab, i, 0.0);
    put(arith, tab, VKW_T_ONE, 1.0);
    put(arith, tab, VKW_T_FL, (double)g.fl);
    put(arith, tab, VKW_T_EPS, FLT_EPSILON);
    put(arith, tab, VKW_T_LOG10E, 0.43429448190325182765);
    put(arith, tab, VKW_T_QUARTER, 0.25);
    for (int j = 0; j < g.fl; j++) put(arith, tab, win + (size_t)j, g.window[j]);
    for (int j = 0; j < g.n_fft; j++) {
        put(arith, tab, co + (size_t)j, g.cos[j]);
        put(arith, tab, so + (size_t)j, g.sin[j]);
    }
    for (int j = 0; j < g.nnz; j++) put(arith, tab, mo + (size_t)j, g.melw[j]);
    memset(in, 0, int_words * sizeof(int));
    in[VKW_I_NFFT] = g.n_fft;
    in[VKW_I_FL] = g.fl;
    in[VKW_I_NBINS] = g.nbins;
    in[VKW_I_NMELS] = g.n_mels;
    in[VKW_I_NCOLS] = g.n_cols;
    in[VKW_I_POWER] = 2;
    in[VKW_I_LOG] = 1;
    put(arith, tab, VKW_T_LOG_GUARD, 1e-10);
    if (!st->pfa) {
        in[VKW_I_USE_ENERGY] = p->use_energy != 0;
        in[VKW_I_REMOVE_DC] = p->remove_dc != 0;
        in[VKW_I_ENERGY_MODE] = p->use_energy ? (p->energy_windowed ? 2 : 1) : 0;
        in[VKW_I_PREEMPH_FRAME] = p->preemph_mode == WMEL_PREEMPH_FRAME && p->preemph != 0.0;
        in[VKW_I_POWER] = p->power == 2 ? 2 : 1;
        in[VKW_I_GUARD] = p->mag_guard_mode == WMEL_MAG_GUARD_MAX ? 1 : p->mag_guard_mode == WMEL_MAG_GUARD_ADD ? 2 : 0;
        in[VKW_I_LOG] = p->log == WMEL_LOG10_CLAMP ? 1 : p->log == WMEL_LOG_ADD ? 2 : p->log == WMEL_LOG_CLAMP ? 3 : 0;
        in[VKW_I_FLOOR_ON] = p->energy_floor > 0.0;
        put(arith, tab, VKW_T_PREEMPH, p->preemph);
        put(arith, tab, VKW_T_MAG_GUARD, p->mag_guard);
        put(arith, tab, VKW_T_LOG_GUARD, p->log_guard);
        put(arith, tab, VKW_T_LN_FLOOR, p->energy_floor > 0.0 ? log(p->energy_floor) : 0.0);
    }
    in[VKW_I_WIN] = (int)win;
    in[VKW_I_COS] = (int)co;
    in[VKW_I_SIN] = (int)so;
    in[VKW_I_MELW] = (int)mo;
    in[VKW_I_LO] = VKW_I_HEAD;
    in[VKW_I_LEN] = VKW_I_HEAD + g.n_mels;
    in[VKW_I_OFF] = VKW_I_HEAD + 2 * g.n_mels;
    for (int m = 0; m < g.n_mels; m++) {
        in[VKW_I_HEAD + m] = g.lo[m];
        in[VKW_I_HEAD + g.n_mels + m] = g.len[m];
        in[VKW_I_HEAD + 2 * g.n_mels + m] = g.moff[m];
    }
    const int fft = wmel__vk_algo(st->w) == VKW_ALGO_FFT;
    in[VKW_I_FFT] = fft;
    if (fft) { /* the stages, and where each z[n] starts: n's digits reversed */
        in[VKW_I_NSTAGE] = n_stages;
        in[VKW_I_PERM] = (int)perm_at;
        for (int t = 0; t < n_stages; t++) in[VKW_I_RADIX + t] = radix[t];
        int span[VKW_MAX_STAGES]; /* the stages' sub-transform lengths: radix[0] .. radix[t - 1] */
        for (int t = 0, l = 1; t < n_stages; l *= radix[t], t++) span[t] = l;
        for (int z = 0; z < g.n_fft / 2; z++) {
            int d = z, at = 0;
            for (int t = n_stages - 1; t >= 0; t--) {
                at += (d % radix[t]) * span[t];
                d /= radix[t];
            }
            in[perm_at + (size_t)z] = at;
        }
    }
    ctx->state = st;
    snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "vulkan-%s-%s%d", arith == VKW_ARITH_FF ? "ff" : "f64",
             fft ? "fft" : "dft", g.n_fft);
    return WMEL_OK;
}

/* ---------------------------------------------------------------- frames on the device */

/* One clip's frames: samples of the signal the frames read, by index from frame 0's
 * first sample, into double; each frame's n_cols values handed to emit. */
typedef struct vk_job {
    int (*fill)(const struct vk_job *j, size_t q0, size_t count, double *dst);
    void (*emit)(const struct vk_job *j, size_t t, const double *vals);
    size_t nf;
    const wmel_signal *sig; /* pfa400: the clip */
    const wmel_fe *fe;      /* general: the plan, the samples */
    const float *x;
    size_t n;
    float *out;             /* pfa400: [n_mels][nf]; general: [nf][n_cols] doubles in vals */
    double *vals;
    int n_cols;
} vk_job;

#define FILL_RUN 4096 /* samples converted per step */

/* Frames [t0, t1) of the jobs, packed into rounds of dispatches. */
typedef struct seg {
    size_t job, t0, t1;
} seg;

static int run_jobs(vk_state *st, const vk_job *jobs, size_t n_jobs)
{
    size_t sig_cap, start_cap, out_cap;
    void *sig = wmel__vk_sig(st->w, &sig_cap);
    uint32_t *starts = wmel__vk_starts(st->w, &start_cap);
    const void *outv = wmel__vk_out(st->w, &out_cap);
    const size_t nc = (size_t)st->n_cols, fl = (size_t)st->fl, hop = st->hop;
    size_t frame_cap = out_cap / (nc ? nc : 1);
    if (frame_cap > start_cap) frame_cap = start_cap;
    if (frame_cap > UINT32_MAX) frame_cap = UINT32_MAX;
    seg *segs = malloc(sizeof(seg) * 64);
    double *buf = malloc(sizeof(double) * (FILL_RUN > nc ? FILL_RUN : nc));
    if (!segs || !buf) {
        free(segs);
        free(buf);
        return WMEL_ERR_NO_MEMORY;
    }
    size_t n_segs = 0, used_sig = 0, used_frames = 0, j = 0, t = 0;
    int rc = WMEL_OK;
    while (rc == WMEL_OK) {
        while (j < n_jobs && t >= jobs[j].nf) j++, t = 0;
        const int done = j >= n_jobs;
        /* frames of job j that fit this round */
        size_t t1 = t;
        if (!done && n_segs < 64 && used_frames < frame_cap && used_sig + fl <= sig_cap) {
            const size_t room_f = frame_cap - used_frames;
            const size_t room_s = (sig_cap - used_sig - fl) / hop + 1; /* frames whose run fits */
            size_t k = jobs[j].nf - t;
            if (k > room_f) k = room_f;
            if (k > room_s) k = room_s;
            t1 = t + k;
        }
        if (t1 > t) {
            const size_t q0 = t * hop, len = (t1 - 1) * hop + fl - q0;
            for (size_t a = 0; a < len && rc == WMEL_OK; a += FILL_RUN) {
                const size_t cnt = len - a < FILL_RUN ? len - a : FILL_RUN;
                rc = jobs[j].fill(&jobs[j], q0 + a, cnt, buf);
                for (size_t i = 0; i < cnt; i++) put(st->arith, sig, used_sig + a + i, buf[i]);
            }
            for (size_t f = t; f < t1; f++) starts[used_frames + f - t] = (uint32_t)(used_sig + (f - t) * hop);
            seg s = {j, t, t1};
            segs[n_segs++] = s;
            used_sig += len;
            used_frames += t1 - t;
            t = t1;
            continue;
        }
        if (used_frames == 0) break; /* nothing left */
        rc = wmel__vk_run(st->w, (uint32_t)used_frames, used_sig, used_frames * nc);
        for (size_t s = 0, g = 0; rc == WMEL_OK && s < n_segs; s++)
            for (size_t f = segs[s].t0; f < segs[s].t1; f++, g++) {
                for (size_t c = 0; c < nc; c++) buf[c] = get(st->arith, outv, g * nc + c);
                jobs[segs[s].job].emit(&jobs[segs[s].job], f, buf);
            }
        n_segs = used_sig = used_frames = 0;
    }
    free(segs);
    free(buf);
    return rc;
}

static void note_op(vk_state *st, int op, int backend)
{
    if (op >= 0 && op < N_OPS) atomic_store(&st->op_backend[op], backend);
}

static const char *vk_op_backend(const wmel_ctx *ctx, int op)
{
    vk_state *st = ctx->state;
    if (op == WMEL_OP_STREAM) return "cpu"; /* the frame engine has no Vulkan path */
    if (op == WMEL_OP_DEVICE) return "none";
    if (!st || op < 0 || op >= N_OPS) return "none";
    switch (atomic_load(&st->op_backend[op])) {
    case WMEL_BACKEND_CPU: return "cpu";
    case WMEL_BACKEND_REF: return "ref";
    default: return "vulkan";
    }
}

/* ---- Whisper's geometry (pfa400): the clips' raw log10 mel, then the CPU's finish ---- */

static int pfa_fill(const vk_job *j, size_t q0, size_t count, double *dst)
{
    float tmp[FILL_RUN];
    wmel__signal_span(j->sig, q0, count, tmp);
    for (size_t i = 0; i < count; i++) dst[i] = (double)tmp[i];
    return WMEL_OK;
}

static void pfa_emit(const vk_job *j, size_t t, const double *vals)
{
    for (int m = 0; m < j->n_cols; m++) {
        const double v = vals[m];
        j->out[(size_t)m * j->nf + t] = v != v ? NAN : (float)v;
    }
}

static int vk_clips(wmel_ctx *ctx, const wmel_clips *c, int op)
{
    vk_state *st = ctx->state;
    if (!st->pfa || c->batch == 0) return c->batch == 0 ? WMEL_OK : WMEL__FALLBACK;
    const size_t nf = wmel_n_frames(c->n, c->padding), nm = (size_t)ctx->params.n_mels, per = nm * nf;
    /* a NaN or Inf sample, or one so large that the CPU's float32 kernels may overflow
       (WMEL_F32_KERNEL_SAFE): the CPU's kernels compute the clips or say which status, so
       that this backend accepts and refuses what the CPU backend does */
    if (c->f32)
        for (size_t b = 0; b < c->batch; b++)
            if (!wmel__all_f32_kernel_safe(c->f32 + b * c->pcm_stride, c->n)) {
                note_op(st, op, WMEL_BACKEND_CPU);
                return WMEL__FALLBACK;
            }
    vk_job *jobs = malloc(sizeof(vk_job) * c->batch);
    wmel_signal *sigs = malloc(sizeof(wmel_signal) * c->batch);
    if (!jobs || !sigs) {
        free(jobs);
        free(sigs);
        return WMEL_ERR_NO_MEMORY;
    }
    for (size_t b = 0; b < c->batch; b++) {
        wmel_signal s = {c->f32 ? c->f32 + b * c->pcm_stride : NULL, c->s16 ? c->s16 + b * c->pcm_stride : NULL,
                         c->n, c->padding};
        sigs[b] = s;
        memset(&jobs[b], 0, sizeof jobs[b]);
        jobs[b].fill = pfa_fill;
        jobs[b].emit = pfa_emit;
        jobs[b].nf = nf;
        jobs[b].sig = &sigs[b];
        jobs[b].out = c->out + b * per;
        jobs[b].n_cols = (int)nm;
    }
    if (pthread_mutex_lock(&st->lock) != 0) {
        free(jobs);
        free(sigs);
        return WMEL_ERR_THREAD;
    }
    int rc = run_jobs(st, jobs, c->batch);
    pthread_mutex_unlock(&st->lock);
    free(jobs);
    free(sigs);
    if (rc == WMEL_ERR_NO_MEMORY) { /* device or host memory short: the CPU instead */
        note_op(st, op, WMEL_BACKEND_CPU);
        return WMEL__FALLBACK;
    }
    if (rc != WMEL_OK) return rc;
    /* the finish on the CPU: the normalisation (per clip, or one max over the batch) and
       the smoothing, the frame driver's own functions */
    if (ctx->params.norm == WMEL_NORM_WHOLE) {
        float gmax = -HUGE_VALF;
        for (size_t b = 0; b < c->batch; b++) {
            float mx = -HUGE_VALF;
            const float *o = c->out + b * per;
            for (size_t i = 0; i < per; i++) mx = o[i] > mx ? o[i] : mx;
            if (c->batch_norm == WMEL_BATCH_GLOBAL) {
                gmax = mx > gmax ? mx : gmax;
            } else {
                ctx->kernel->normalize(c->out + b * per, per, mx);
            }
        }
        if (c->batch_norm == WMEL_BATCH_GLOBAL)
            for (size_t b = 0; b < c->batch; b++) ctx->kernel->normalize(c->out + b * per, per, gmax);
    }
    if (ctx->params.smooth == WMEL_SMOOTH_3X3 && per) {
        float *tmp = malloc(per * sizeof(float));
        if (!tmp) return WMEL_ERR_NO_MEMORY;
        for (size_t b = 0; b < c->batch && rc == WMEL_OK; b++) {
            rc = wmel_smooth3x3(c->out + b * per, nm, nf, tmp, per);
            if (rc == WMEL_OK) memcpy(c->out + b * per, tmp, per * sizeof(float));
        }
        free(tmp);
    }
    note_op(st, op, WMEL_BACKEND_VULKAN);
    return rc;
}

/* ---- any other plan: the frames' values for fe_cpu.c's finish ---- */

static int gen_fill(const vk_job *j, size_t q0, size_t count, double *dst)
{
    const long long i0 = (long long)q0 + j->fe->off;
    for (size_t i = 0; i < count; i++) dst[i] = wmel__fe_sample(j->fe, j->x, j->n, i0 + (long long)i);
    return WMEL_OK;
}

static void gen_emit(const vk_job *j, size_t t, const double *vals)
{
    memcpy(j->vals + t * (size_t)j->n_cols, vals, sizeof(double) * (size_t)j->n_cols);
}

static int vk_plan_frames(const wmel_ctx *ctx, const float *x, size_t n, size_t nf, double *vals)
{
    vk_state *st = ctx->state;
    const wmel_fe *fe = ctx->fe;
    const int ops[3] = {WMEL_OP_LOG_MEL, WMEL_OP_LOG_MEL_S16, WMEL_OP_LOG_MEL_BATCH};
    if (st->pfa || !st->w || wmel__fe_dithered(&fe->p)) { /* the dither's noise: the CPU's kernels */
        for (int i = 0; i < 3; i++) note_op(st, ops[i], WMEL_BACKEND_CPU);
        return WMEL__FALLBACK;
    }
    /* the cepstra (n_ceps): the device's log energy and log mels, then each frame's DCT here,
       in double (fe_plan.c's wmel__fe_ceps, the CPU path's) */
    const int ceps = fe->p.n_ceps > 0;
    double *raw = vals;
    if (ceps) {
        const size_t nr = (size_t)fe->n_raw;
        raw = nf <= SIZE_MAX / sizeof(double) / nr ? malloc(nf * nr * sizeof(double)) : NULL;
        if (!raw) {
            for (int i = 0; i < 3; i++) note_op(st, ops[i], WMEL_BACKEND_CPU);
            return WMEL__FALLBACK;
        }
    }
    vk_job job;
    memset(&job, 0, sizeof job);
    job.fill = gen_fill;
    job.emit = gen_emit;
    job.nf = nf;
    job.fe = fe;
    job.x = x;
    job.n = n;
    job.vals = raw;
    job.n_cols = st->n_cols;
    int rc = WMEL_ERR_THREAD;
    if (pthread_mutex_lock(&st->lock) == 0) {
        rc = run_jobs(st, &job, 1);
        pthread_mutex_unlock(&st->lock);
    }
    if (rc == WMEL_ERR_NO_MEMORY) rc = WMEL__FALLBACK;
    if (ceps) {
        for (size_t t = 0; rc == WMEL_OK && t < nf; t++)
            wmel__fe_ceps(fe, raw + t * (size_t)fe->n_raw, vals + t * (size_t)fe->n_cols);
        free(raw);
    }
    if (rc == WMEL_ERR_THREAD) return rc;
    for (int i = 0; i < 3; i++) note_op(st, ops[i], rc == WMEL__FALLBACK ? WMEL_BACKEND_CPU : WMEL_BACKEND_VULKAN);
    return rc;
}

const wmel_backend_vt wmel__backend_vulkan = {
    .id = WMEL_BACKEND_VULKAN,
    .name = "vulkan",
    .available = vk_available,
    .init = vk_init,
    .free = vk_free,
    .clips = vk_clips,
    .clips_device = NULL,
    .op_backend = vk_op_backend,
    .stem_device = NULL,
    .plan_frames = vk_plan_frames,
};

int wmel_vulkan_devices(char *buf, size_t len)
{
    if (!buf || !len) return WMEL_ERR_NULL_POINTER;
    buf[0] = '\0';
    vkw_dev devs[VKW_MAX_DEVS];
    int n = 0;
    int rc = wmel__vk_list(devs, &n);
    if (rc != WMEL_OK) {
        snprintf(buf, len, "%s\n", wmel__detail_get());
        return rc;
    }
    size_t at = 0;
    const int pick = wmel__vk_pick(devs, n, 0, 0), gpu = wmel__vk_pick(devs, n, 0, 1);
    for (int i = 0; i < n && at < len; i++) {
        const int a = wmel__vk_arith(&devs[i], 0);
        int k = snprintf(buf + at, len - at, "%d: %s (%s), float64 %s, arithmetic %s%s%s\n", i, devs[i].name,
                         wmel__vk_type_name(devs[i].type), devs[i].f64 ? "yes" : "no",
                         a == VKW_ARITH_F64 ? "float64" : a == VKW_ARITH_FF ? "float-float" : "none",
                         i == pick ? ", chosen by backend=vulkan" : "", i == gpu ? ", chosen by AUTO" : "");
        if (k < 0) break;
        at += (size_t)k;
    }
    if (n == 0) snprintf(buf, len, "no Vulkan device\n");
    else if (gpu < 0 && at < len) snprintf(buf + at, len - at, "AUTO takes no Vulkan device (none is a GPU)\n");
    return WMEL_OK;
}
