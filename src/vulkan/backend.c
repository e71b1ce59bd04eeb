/*
 * backend.c -- the Vulkan backend's host side (wmel__backend_vulkan): the device chosen
 * and the plan's tables uploaded at create time (computed on the host in float64: the
 * window, the DFT's cos / sin table, the mel bank; the framing's rules as the pipeline's
 * constants), then for each call each clip's samples written once, as given (float32; int16
 * converted to float32), with a segment table, and dispatched in rounds under the buffers'
 * and the dispatch's limits (vk_loader.c): the shader frames them (frames.comp: reflection
 * or zeros, scale, pre-emphasis of each kind), the frame values read back. The finish of
 * a general plan's clip that a round holds whole runs on the device after its frames
 * (finish.comp, in the same submission: the per-feature normalisation or none, the appended
 * finish's rules, the per-column scales, plain stacking, the clip's max clamp, and a pass
 * for the post stage: deltas, LFR's stacking, the rows' scales; vk_plan_finish for one
 * clip, vk_plan_frames_batch for a batch's), the output read back in its layout. What has
 * no device kernel runs on the CPU on the values: Whisper's normalisation and smoothing
 * here, any other plan's finish (cepstra, a second normalisation, a clip cut across
 * rounds) in fe_cpu.c, exactly as on the CPU backend. wmel_op_backend() says which ran.
 *
 * Two arithmetics (vk_internal.h): float64 (the table as doubles) and float-float (each
 * value as the float pair (hi, lo), hi = (float)v, lo = (float)(v - hi)); the samples are
 * float32 either way (exact in both).
 */
#define _POSIX_C_SOURCE 200809L /* access, opendir */
#include "../internal.h"
#include "../devplan.h"
#include "../fe/fe.h"
#include "vk_internal.h"

#if defined(__linux__)
#include <dirent.h>
#include <unistd.h>
#endif
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <time.h>
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
    size_t sig_limit;   /* WMEL_VULKAN_SIGNAL_LIMIT: samples a round at most (0: the buffer's) */
    int finish;         /* the plan's finish may run on the device (finish.comp; vk_plan_finish) */
    char f64_why[256];  /* float64: the self-test's failure that keeps the finish on the host ("" none):
                           the arithmetic's (f64check.c) or the finish's on the fixed clip */
    char f64_arith[256]; /* float64: the arithmetic's self-test's failure, corrected or not ("" passed) */
    int f64_fix;        /* float64: the finish's divisions and square roots corrected (finish.comp's F64_FIX) */
    int index;          /* the device's index (wmel__vk_list's) */
    uint32_t fin_fmaj, fin_mode; /* vkw_finish's fmaj and mode for the plan */
    int post;           /* the finish's frames go through the post stage on the device (VKW_FM_POST) */
    int ceps;           /* the plan's cepstra computed on the device (frames.comp's CEPS): its values */
    int pfa_fin;        /* Whisper's geometry: its clamp with the clip's max and its 3x3 average on the
                           device (finish.comp on the blocks, VKW_FM_CMAJ; a clip a round holds whole) */
    float fin_pad;               /* and its pad */
    uint32_t lim;       /* the bits of the largest |sample| whose clip's frames the device computes: Whisper's
                           geometry, the CPU kernels' bound (WMEL_F32_KERNEL_SAFE), and with float-float
                           float-float's (wmel__ff_limit) where lower; any other plan, float-float's */
    int check_gen;      /* float-float: a general plan's samples checked against lim as they are packed; a
                           clip past it, or not finite, takes the CPU's kernels (the CPU backend's bytes) */
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

/* The devices the params choose among and the index taken (-1: none suits). AUTO looks
 * at the GPUs of its once-a-process list, or, in the mode MEASURE_ANY (whose timing then
 * judges the device), at every device the loader lists, as a backend named does. */
static int choose(const wmel_params *p, vkw_dev devs_here[VKW_MAX_DEVS], const vkw_dev **devs)
{
    int n = 0;
    const int gpu_only = p->backend == WMEL_BACKEND_AUTO && wmel__auto_probe_mode(p) != 1;
    *devs = devs_here;
    if (gpu_only) {
        if (pthread_once(&g_auto_once, auto_list) != 0 || !g_auto_ok) return -1;
        *devs = g_auto_devs;
        n = g_auto_n;
    } else if (wmel__vk_list(devs_here, &n) != WMEL_OK) {
        return -1;
    }
    return wmel__vk_pick(*devs, n, p->vulkan_device, gpu_only);
}

static int vk_available(const wmel_params *p)
{
    vkw_dev devs_here[VKW_MAX_DEVS];
    const vkw_dev *devs = NULL;
    const int i = choose(p, devs_here, &devs);
    return i >= 0 && wmel__vk_arith(&devs[i], p->vulkan_arith) != 0;
}

_Static_assert(sizeof(vkw_dev_key) <= WMEL__DEV_ID, "a device's identity fits AUTO's key");

/* AUTO's device: the one choose() takes, a GPU where VkPhysicalDeviceType is one (1
 * integrated, 2 discrete, 3 virtual), named by its identity and driver. */
static int vk_auto_device(const wmel_params *p, wmel_dev_id *d)
{
    vkw_dev devs_here[VKW_MAX_DEVS];
    const vkw_dev *devs = NULL;
    const int i = choose(p, devs_here, &devs);
    if (i < 0) return -1;
    vkw_dev_key k;
    wmel__vk_dev_key(&devs[i], &k);
    memset(d, 0, sizeof *d);
    d->index = i;
    d->gpu = devs[i].type >= 1 && devs[i].type <= 3;
    memcpy(d->id, &k, sizeof k < sizeof d->id ? sizeof k : sizeof d->id);
    return 0;
}

/* ---------------------------------------------------------------- create / destroy */

/* What frames.comp and finish.comp take of a plan (the one lowering, devplan.c): at most
 * VKW_MAX_STAGES stages, the stage slots of frames.comp's fft() (4 eights, a four, a two,
 * 2 threes, 3 fives), the shared memory checked when the device is open (wmel__vk_open);
 * the testing switches WMEL_VULKAN_FFT=0 (the DFT for every plan) and
 * WMEL_VULKAN_VALS_F64=1 (float64 values), read when a ctx is made. */
static void vk_limits(wmel_dp_limits *lim)
{
    static const int slots[5] = {4, 1, 1, 2, 3};
    memset(lim, 0, sizeof *lim);
    lim->name = "Vulkan";
    lim->max_stages = VKW_MAX_STAGES;
    memcpy(lim->slots, slots, sizeof slots);
    const char *env = wmel__test_env(WMEL__CFG_VULKAN_FFT);
    lim->dft_only = env && !strcmp(env, "0");
    lim->wg = VKW_WG;
    const char *f64_env = wmel__test_env(WMEL__CFG_VULKAN_VALS_F64);
    lim->vals_f64 = f64_env && !strcmp(f64_env, "1");
    /* the dither's noise (frames_noise_f64), in float64 with 64-bit integers only */
    lim->noise = 1;
    lim->noise_needs = "float64 with shaderInt64 (float-float, or a device without it: the frames on the CPU)";
}

/* The plan lowered for the device (Whisper's geometry on its pfa400 tables, or the
 * plan's); 0 where the general plan's frames stay on the CPU (dp->why says why). */
static int vk_lower(const wmel_fe *fe, wmel_devplan *dp)
{
    wmel_dp_limits lim;
    vk_limits(&lim);
    if (fe->algo != &wmel__algo_pfa400) return wmel__devplan_lower(fe, &lim, dp);
    wmel__devplan_whisper(fe, &lim, dp);
    return 1;
}

/* The lowered framing as frames.comp's constants (vkw_shape.framing): its padding rule is
 * VKW_F_REFLECT (a new rule: its value there, its case in fold, its reach in job_window). */
static void vk_framing(const wmel_devplan *dp, int f[VKW_N_FRAMING])
{
    f[VKW_F_SMODE] = dp->smode;
    f[VKW_F_REFLECT] = dp->pad_rule;
    f[VKW_F_SIGPRE] = dp->sigpre;
    f[VKW_F_PADPRE] = dp->padpre;
    f[VKW_F_PADCUT] = dp->padcut;
    f[VKW_F_SCALE_ONE] = dp->scale_one;
}

_Static_assert(VKW_MAX_STAGES <= WMEL_DP_STAGES, "frames.comp's stages within the lowering's");
_Static_assert(VKW_T_DITHER == 17 && VKW_I_DITHER_SEED == 49, "frames.comp's dither and seed (tval(17), ints[49])");
_Static_assert(WMEL_DP_PAD_ZERO == 0 && WMEL_DP_PAD_REFLECT == 1 && WMEL_DP_PAD_KALDI == 2,
               "the lowered padding's rules are frames.comp's VKW_F_REFLECT values");

static int ff_self_test(const wmel_ctx *ctx, vk_state *st);
static int f64_fin_self_test(wmel_ctx *ctx, vk_state *st);
static uint32_t safe_bits(void);

static void vk_free(wmel_ctx *ctx)
{
    vk_state *st = ctx->state;
    if (!st) return;
    wmel__vk_close(st->w);
    pthread_mutex_destroy(&st->lock);
    free(st);
    ctx->state = NULL;
}

/* The device a ctx takes and its arithmetic: *index (wmel__vk_list's), *arith and, for
 * float-float, whether its two-product is by fma (*ff_fma: where the self-test found it
 * exact; WMEL_VULKAN_FF_FMA=0 never, =1 always, a testing switch: the frames' self-test then
 * judges it). WMEL_OK, or why none (WMEL_ERR_BACKEND_UNAVAILABLE with a detail). */
static int vk_choose(const wmel_ctx *ctx, int *index, int *arith, int *ff_fma)
{
    vkw_dev devs[VKW_MAX_DEVS];
    int n = 0;
    int rc = wmel__vk_list(devs, &n);
    if (rc != WMEL_OK) return rc == WMEL_ERR_NO_MEMORY ? rc : WMEL_ERR_BACKEND_UNAVAILABLE;
    const int gpu_only = ctx->params.backend == WMEL_BACKEND_AUTO && wmel__auto_probe_mode(&ctx->params) != 1;
    *index = wmel__vk_pick(devs, n, ctx->params.vulkan_device, gpu_only);
    if (*index < 0)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE,
                               n == 0 ? "Vulkan: no device (the loader lists none)"
                                      : "Vulkan: no device matches params.vulkan_device / WMEL_VULKAN_DEVICE "
                                        "(or, for AUTO, none is a GPU)");
    *arith = wmel__vk_arith_auto(&devs[*index], *index, ctx->params.vulkan_arith,
                                 wmel__auto_probe_mode(&ctx->params) != 0);
    if (!*arith) return WMEL_ERR_BACKEND_UNAVAILABLE; /* the reason is in the detail */
    *ff_fma = 0;
    if (*arith == VKW_ARITH_FF) { /* the device computes float-float exactly, or not at all (ffcheck.c) */
        vkw_ffcheck chk;
        rc = wmel__vk_ffcheck(&devs[*index], *index, &chk);
        if (rc != WMEL_OK) return rc == WMEL_ERR_NO_MEMORY || rc == WMEL_ERR_THREAD ? rc : WMEL_ERR_BACKEND_UNAVAILABLE;
        const char *env = wmel__test_env(WMEL__CFG_VULKAN_FF_FMA);
        if (env && *env && strcmp(env, "0") != 0 && strcmp(env, "1") != 0)
            return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: WMEL_VULKAN_FF_FMA is '%s'; it takes 0 or 1",
                                   env);
        *ff_fma = env && *env ? env[0] == '1' : chk.fma_exact == 1;
    }
    return WMEL_OK;
}

/* The lowered geometry's framing hop and offset, frame length and columns into st. */
static void vk_geometry(const wmel_devplan *dp, vk_state *st)
{
    st->hop = (size_t)dp->hop;
    st->off = dp->off;
    st->fl = dp->fl;
    st->n_cols = dp->n_cols;
}

/* The samples' bound into st->lim: float-float's from the tables (its values stay inside
 * float's exponent range), Whisper's the CPU kernels' too (their float32 power and mel
 * sums); and WMEL_VULKAN_SIGNAL_LIMIT (a testing switch: rounds of fewer samples) into
 * st->sig_limit. WMEL_OK, or WMEL_ERR_BACKEND_UNAVAILABLE for a switch's bad value. */
static int vk_bounds(vk_state *st, int arith, const wmel_devplan *dp)
{
    st->lim = safe_bits();
    if (arith == VKW_ARITH_FF) {
        const uint32_t ff = wmel__devplan_ff_limit(dp);
        st->lim = !st->pfa || ff < st->lim ? ff : st->lim; /* non-negative floats: the bits' order */
        st->check_gen = !st->pfa;
    }
    const char *env = wmel__test_env(WMEL__CFG_VULKAN_SIGNAL_LIMIT);
    if (env && *env) {
        char *end = NULL;
        const long long v = strtoll(env, &end, 10);
        if (!end || *end != '\0' || v < 1)
            return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE,
                                   "Vulkan: WMEL_VULKAN_SIGNAL_LIMIT is '%s'; it takes a number of samples", env);
        st->sig_limit = (size_t)v;
    }
    return WMEL_OK;
}

/* The finish on the device too (finish.comp) where the lowering has it there (dp->finish:
 * the per-feature normalisation, the clip's max clamp or none, with the appended finish's
 * rules, the per-column scales and the post stage: a pass after), on the float32 values;
 * WMEL_VULKAN_DEVICE_FINISH=0 (or float64's failed self-test) keeps the host's (the same
 * bytes in float64). Whisper's geometry: its clamp and its smoothing (the ctx's params).
 * Sets st's finish, pfa_fin, post, fin_fmaj, fin_mode and fin_pad. */
static void vk_finish_rules(const wmel_ctx *ctx, vk_state *st, const wmel_devplan *dp)
{
    const wmel_dp_finish *d = &dp->fin;
    st->fin_fmaj = (uint32_t)d->fmaj;
    st->post = dp->post;
    const char *env = wmel__env(WMEL__CFG_VULKAN_DEVICE_FINISH);
    const int host = (env && !strcmp(env, "0")) || st->f64_why[0]; /* the switch, or the float64 self-test */
    st->finish = !st->pfa && dp->finish && !host;
    /* Whisper's geometry: the clamp (params.norm) and the smoothing (params.smooth), where
       it has one of them, on its float32 blocks ([n_mels][frames]) */
    st->pfa_fin = st->pfa && (ctx->params.norm == WMEL_NORM_WHOLE || ctx->params.smooth == WMEL_SMOOTH_3X3) && !host;
    st->fin_mode = (uint32_t)d->norm;
    if (st->pfa)
        st->fin_mode = (ctx->params.norm == WMEL_NORM_WHOLE ? 3u : 2u) | VKW_FM_CMAJ |
                       (ctx->params.smooth == WMEL_SMOOTH_3X3 ? VKW_FM_SMOOTH : 0u);
    st->fin_mode |= (d->fixed_max ? VKW_FM_FIXED_MAX : 0u) | (d->then ? VKW_FM_THEN : 0u) | (d->ext ? VKW_FM_EXT : 0u) |
                    (d->affine ? VKW_FM_AFFINE : 0u) | (d->pop ? VKW_FM_POP : 0u) |
                    (d->mean_only ? VKW_FM_MEAN_ONLY : 0u) | (d->floor ? VKW_FM_FLOOR : 0u) |
                    (d->all ? VKW_FM_ALL : 0u) | (d->fill ? VKW_FM_FILL : 0u) | (dp->post ? VKW_FM_POST : 0u) |
                    (d->cols == 1 ? VKW_FM_COLS : 0u);
    st->fin_pad = d->pad;
}

/* The float table: the scalars, then the lowered tables (window, cos, sin, mel weights, the
 * per-column scales, the DCT), in float64 on the host (float-float's pairs or doubles),
 * stored once. */
static void vk_put_floats(const wmel_devplan *dp, int arith, const wmel_dp_layout *L, void *tab)
{
    for (size_t i = 0; i < VKW_T_HEAD; i++) put(arith, tab, i, 0.0);
    put(arith, tab, VKW_T_ONE, 1.0);
    put(arith, tab, VKW_T_FL, (double)dp->fl);
    put(arith, tab, VKW_T_EPS, FLT_EPSILON);
    put(arith, tab, VKW_T_LOG10E, dp->log10e);
    put(arith, tab, VKW_T_QUARTER, 0.25);
    put(arith, tab, VKW_T_LOG_GUARD, dp->log_guard);
    put(arith, tab, VKW_T_TINY, arith == VKW_ARITH_FF ? (double)FLT_MIN : DBL_MIN);
    if (!dp->whisper) {
        const wmel_dp_finish *d = &dp->fin;
        put(arith, tab, VKW_T_PREEMPH, dp->preemph);
        put(arith, tab, VKW_T_MAG_GUARD, dp->mag_guard);
        put(arith, tab, VKW_T_LN_FLOOR, dp->ln_floor);
        put(arith, tab, VKW_T_NORM_EPS, d->eps);
        put(arith, tab, VKW_T_POST_SCALE, d->post_scale);
        put(arith, tab, VKW_T_POST_SHIFT, d->post_shift);
        put(arith, tab, VKW_T_DEN_FLOOR, d->den_floor);
        put(arith, tab, VKW_T_POST_DENOM, d->denom);
        put(arith, tab, VKW_T_SQRT2, dp->sqrt2);
        put(arith, tab, VKW_T_DITHER, dp->dither);
    }
    put(arith, tab, VKW_T_SCALE, dp->scale);
    /* the tables as doubles in their 8-byte entries, then (float-float) each in place as
       its pair */
    wmel__devplan_tables(dp, L, (double *)tab);
    if (arith == VKW_ARITH_FF)
        for (size_t i = L->win; i < L->words; i++) put(arith, tab, i, ((const double *)tab)[i]);
}

/* The int table's plan fields: the steps' switches, the framing (frames.comp's sample_at;
 * the rules in the pipeline's constants), WMEL_NORM_WHOLE's finish, the post stage's. */
static void vk_put_plan_ints(const wmel_devplan *dp, const wmel_dp_layout *L, int *in)
{
    const wmel_dp_finish *d = &dp->fin;
    in[VKW_I_USE_ENERGY] = dp->use_energy;
    in[VKW_I_REMOVE_DC] = dp->remove_dc;
    in[VKW_I_ENERGY_MODE] = dp->energy_mode;
    in[VKW_I_PREEMPH_FRAME] = dp->preemph_frame;
    in[VKW_I_POWER] = dp->power;
    in[VKW_I_GUARD] = dp->guard;
    in[VKW_I_LOG] = dp->log_mode;
    in[VKW_I_FLOOR_ON] = dp->floor_on;
    in[VKW_I_HOP] = (int)dp->hop;
    in[VKW_I_FOFF] = (int)dp->off;
    in[VKW_I_PADL] = dp->pad_left;
    { /* WMEL_NORM_WHOLE's finish: norm_max and the range as float32 bits (Whisper's: 8) */
        const float mx = dp->whisper ? 0.0f : d->norm_max;
        const float rg = dp->whisper ? 8.0f : d->norm_range;
        memcpy(&in[VKW_I_NORM_MAX], &mx, sizeof mx);
        memcpy(&in[VKW_I_NORM_RANGE], &rg, sizeof rg);
    }
    if (!dp->whisper) { /* the fill, the post stage, the per-column scales, the cepstra */
        memcpy(&in[VKW_I_STACK_FILL], &d->fill_value, sizeof d->fill_value);
        in[VKW_I_POST_M] = d->M;
        in[VKW_I_POST_S] = d->S;
        in[VKW_I_POST_L] = d->L;
        in[VKW_I_POST_TAIL] = d->tail;
        in[VKW_I_POST_DW] = d->dw;
        in[VKW_I_POST_W] = dp->n_cols;
        in[VKW_I_COLS_AT] = dp->n_colvec ? (int)L->cs : 0;
        in[VKW_I_POST_COLS] = dp->n_colvec && d->cols == 2;
        in[VKW_I_NCEPS] = dp->n_ceps;
        in[VKW_I_DCT] = dp->ceps ? (int)L->dct : 0;
        in[VKW_I_CEPS_HTK] = dp->ceps_htk;
        memcpy(&in[VKW_I_DITHER_SEED], &dp->dither_seed, sizeof dp->dither_seed);
    }
}

/* The int table: the geometry, the plan's fields, the tables' places, the filters' bounds and
 * (where the pipeline is the FFT) its stages and where each z[n] starts. Returns 1 for the
 * FFT, 0 for the direct DFT. */
static int vk_put_ints(const vk_state *st, const wmel_devplan *dp, const wmel_dp_layout *L)
{
    int *in = wmel__vk_ints(st->w);
    memset(in, 0, L->int_words * sizeof(int));
    in[VKW_I_NFFT] = dp->n_fft;
    in[VKW_I_FL] = dp->fl;
    in[VKW_I_NBINS] = dp->nbins;
    in[VKW_I_NMELS] = dp->n_mels;
    in[VKW_I_NCOLS] = dp->n_cols;
    vk_put_plan_ints(dp, L, in);
    in[VKW_I_WIN] = (int)L->win;
    in[VKW_I_COS] = (int)L->co;
    in[VKW_I_SIN] = (int)L->so;
    in[VKW_I_MELW] = (int)L->mo;
    in[VKW_I_LO] = (int)L->lo;
    in[VKW_I_LEN] = (int)L->len;
    in[VKW_I_OFF] = (int)L->moff;
    const int fft = wmel__vk_algo(st->w) == VKW_ALGO_FFT;
    in[VKW_I_FFT] = fft;
    if (fft) { /* the stages, and where each z[n] starts: n's digits reversed */
        in[VKW_I_NSTAGE] = dp->n_stages;
        in[VKW_I_PERM] = (int)L->perm;
        for (int t = 0; t < dp->n_stages; t++) in[VKW_I_RADIX + t] = dp->radix[t];
    }
    wmel__devplan_ints(dp, L, fft, in);
    return fft;
}

/* The ctx keeps st with the CPU's frames for every operation (the device not opened, or
 * closed): the ctx's kernel name says so. */
static int vk_cpu_frames(wmel_ctx *ctx, vk_state *st, int n_fft)
{
    for (int i = 0; i < N_OPS; i++) atomic_store(&st->op_backend[i], WMEL_BACKEND_CPU);
    ctx->state = st;
    if (st->pfa) snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "%s", ctx->kernel->name);
    else snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "cpu-%s-fft%d", ctx->fe->kern->name, n_fft);
    return WMEL_OK;
}

/* float64 on device `index`: its self-test (f64check.c), whose failure keeps the finish on
 * the host (st->f64_why, the sentence), except where only the division or the square root
 * is off and the corrected ones are exact (st->f64_fix: the finish corrects them; the
 * sentence in st->f64_arith alone). WMEL_OK, or the status of a self-test that could not
 * run (a bad value of its testing switch, the device's failure). */
static int vk_f64_trust(vk_state *st, int index)
{
    vkw_dev devs[VKW_MAX_DEVS];
    int n = 0;
    int rc = wmel__vk_list(devs, &n);
    if (rc != WMEL_OK || index >= n) return rc == WMEL_ERR_NO_MEMORY ? rc : WMEL_ERR_BACKEND_UNAVAILABLE;
    vkw_f64check chk;
    if ((rc = wmel__vk_f64check(&devs[index], index, &chk)) != WMEL_OK)
        return rc == WMEL_ERR_NO_MEMORY || rc == WMEL_ERR_THREAD ? rc : WMEL_ERR_BACKEND_UNAVAILABLE;
    if (!chk.passed) wmel__vk_f64check_sentence(&chk, st->f64_arith, sizeof st->f64_arith);
    if (!chk.passed && !chk.fixed) snprintf(st->f64_why, sizeof st->f64_why, "%s", st->f64_arith);
    st->f64_fix = chk.fixed;
    return WMEL_OK;
}

static int vk_init(wmel_ctx *ctx)
{
    const wmel_fe *fe = ctx->fe;
    int index = -1, arith = 0, ff_fma = 0;
    int rc = vk_choose(ctx, &index, &arith, &ff_fma);
    if (rc != WMEL_OK) return rc;
    const wmel_frontend_plan *p = &fe->p;
    vk_state *st = calloc(1, sizeof *st);
    if (!st) return WMEL_ERR_NO_MEMORY;
    st->pfa = fe->algo == &wmel__algo_pfa400;
    /* the plan lowered (devplan.c): the general plans' values read back as float32, each
       rounded once on the device as the finish's cast would (half the bytes), with cepstra
       the device's DCT of the frame's log mels; float64 log energy and mels with the testing
       switch WMEL_VULKAN_VALS_F64=1 (the host then takes the cepstra in double: the same
       bytes in float64) */
    wmel_devplan dp;
    vk_lower(fe, &dp);
    st->ceps = dp.ceps;
    vk_geometry(&dp, st);
    if ((rc = vk_bounds(st, arith, &dp)) != WMEL_OK) {
        free(st);
        return rc;
    }
    st->arith = arith;
    if (arith == VKW_ARITH_F64 && (rc = vk_f64_trust(st, index)) != WMEL_OK) {
        free(st);
        return rc;
    }
    st->index = index;
    snprintf(ctx->backend_note, sizeof ctx->backend_note, "%s", st->f64_arith);
    for (int i = 0; i < N_OPS; i++) atomic_init(&st->op_backend[i], WMEL_BACKEND_VULKAN);
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        free(st);
        return WMEL_ERR_THREAD;
    }
    const int vals_f32 = !st->pfa && dp.vals_f32;
    vk_finish_rules(ctx, st, &dp);
    wmel_dp_layout L;
    wmel__devplan_layout(&dp, VKW_T_HEAD, VKW_I_HEAD, &L);
    /* a dithered plan: the module that draws the noise (float64, shaderInt64: else the
       CPU's frames, the reason in the ctx's backend reason) */
    const int noise = !st->pfa && dp.dither_on;
    vkw_shape shape = {dp.fl, dp.nbins, dp.n_fft, dp.fft, dp.reduce, dp.sh_words, dp.dft_words, {0}, {0}, ff_fma,
                       st->finish || st->pfa_fin, st->ceps, noise, st->f64_fix,
                       arith == VKW_ARITH_F64 && (wmel__vk_f64_break() & 2) > 0};
    for (int t = 0; t < dp.n_stages; t++) shape.radix[t] = dp.radix[t];
    vk_framing(&dp, shape.framing);
    rc = noise && st->f64_arith[0] ? VKW_DECLINE /* the noise needs float64's operations: the note says why */
         : dp.framing_ok ? wmel__vk_open(&st->w, index, arith, &shape, L.words, L.int_words)
                         : wmel__vk_detail(VKW_DECLINE, "Vulkan: framing %d has no device framing; the frames run on "
                                                        "the CPU", p->framing);
    if (rc == VKW_DECLINE && !st->pfa) { /* a frame too long for the shared memory, a framing the shader does
                                            not know, the noise the device cannot draw: the CPU's frames,
                                            answered up front */
        if (noise && !st->f64_arith[0]) snprintf(ctx->backend_note, sizeof ctx->backend_note, "%.159s", wmel__detail_get());
        return vk_cpu_frames(ctx, st, dp.n_fft);
    }
    if (rc != WMEL_OK) {
        pthread_mutex_destroy(&st->lock);
        free(st);
        return rc == WMEL_ERR_NO_MEMORY ? rc : WMEL_ERR_BACKEND_UNAVAILABLE;
    }
    vk_put_floats(&dp, arith, &L, wmel__vk_tab(st->w));
    const int fft = vk_put_ints(st, &dp, &L);
    if (arith == VKW_ARITH_FF && wmel__test_env(WMEL__CFG_VULKAN_FF_BREAK)) /* a testing switch: float32 tables */
        for (size_t i = 0; i < L.words; i++) ((float *)wmel__vk_tab(st->w))[2 * i + 1] = 0.0f;
    rc = arith == VKW_ARITH_FF && !(!st->pfa && wmel__fe_dithered(p)) ? ff_self_test(ctx, st) : WMEL_OK;
    if (rc == VKW_DECLINE) { /* float-float fails its self-test: the CPU's frames, answered up front */
        wmel__vk_close(st->w);
        st->w = NULL;
        return vk_cpu_frames(ctx, st, dp.n_fft);
    }
    if (rc != WMEL_OK) {
        wmel__vk_close(st->w);
        pthread_mutex_destroy(&st->lock);
        free(st);
        return rc;
    }
    ctx->state = st;
    ctx->vals_f32 = vals_f32;
    snprintf(ctx->kernel_name, sizeof ctx->kernel_name, "vulkan-%s-%s%d",
             arith == VKW_ARITH_FF ? (ff_fma ? "ff-fma" : "ff") : "f64", fft ? "fft" : "dft", dp.n_fft);
    if (arith == VKW_ARITH_F64 && (st->finish || st->pfa_fin) && (rc = f64_fin_self_test(ctx, st)) != WMEL_OK) {
        vk_free(ctx); /* the device failed to run it */
        return rc;
    }
    return WMEL_OK;
}

/* ---------------------------------------------------------------- frames on the device */

/* One clip's frames: the clip's samples (float32 or int16, as given; zeros from n on,
 * reflections folded about nr), its nf frames, each frame's n_cols values handed to emit. */
typedef struct vk_job {
    /* frames [t0, t1) of the job from the round's values: frame t's column c at
       get(arith, vals, (t - t0) * n_cols + c) */
    void (*emit)(struct vk_job *j, int arith, size_t t0, size_t t1, const void *vals);
    const float *f32;
    const int16_t *s16;
    size_t n, nr, nf;
    float *out;             /* pfa400: [n_mels][nf]; general: [nf][n_cols] doubles in vals */
    int f32_out;            /* emit takes the device's float32: 1, [n_cols][k] blocks (pfa400);
                               3, frame after frame (general, the ctx's vals_f32) */
    double *vals;
    float *valsf;           /* general, the ctx's vals_f32: [nf][n_cols] float32 (the device's casts) */
    int n_cols;
    float mx;               /* pfa400: the largest value emitted (-HUGE_VALF before) */
    float seg_mx;           /* pfa400: the largest value of the segment being emitted (the device's) */
    int fuse;               /* pfa400: normalise with the clip's max as it is read back, where one
                               segment holds the whole clip (the device's max is the clip's) */
    int normed;             /* fuse: the output is normalised */
    int check;              /* f32 samples checked as they are packed (against the ctx's lim) */
    int bad;                /* check: a sample past the bound (the CPU's kernels take the clip; none of
                               its frames packed after it was found); read in place, the shader's
                               flag: bit 0 a finite sample past the bound, bit 1 one not finite */
    size_t chk;             /* check: samples [0, chk) checked */
    float *fout;            /* general: the finish on the device into fout (frows x fcols, the plan's
                               layout; fnv valid frames) where a round holds the clip whole; NULL: none */
    size_t frows, fcols, fnv, fnfo; /* fnfo: the output's frames (wmel__fe_out_frames) */
    size_t prows, pcols;    /* a post stage (st->post): the output's shape; the finish's frames
                               (frows x fcols: the post stage's input) stay on the device */
    size_t fwords, swords;  /* the words of the output read back, and of the frames left on the device */
    int fdone;              /* fout: 1 written by the device's finish, 2 its flag set (a value not finite:
                               the host's way says which status), 0 not finished there (the values emitted) */
    int dev;                /* the samples in another device's memory, imported and bound as the signal
                               (wmel_vulkan_features_device): 1 float32, 2 int16; dev_base the clip's
                               first sample in the binding; its output into the output's import */
    size_t dev_base;
    int bimp;               /* a batch's clip read where it is (wmel__vk_bimport): its import + 1; -1 packed
                               by the host; 0 not tried yet */
    size_t bskip;           /* its first sample's byte offset in the import */
    int fdb;                /* a clip of wmel_vulkan_features_device_batch: 1 float32, 2 int16, its windows
                               copied by the device from the samples' import (bimp, bskip), float32 ones
                               checked by the shader (the round's range flag) */
    int obimp;              /* fdb: the output's import + 1, which its finished output is copied into */
    size_t oskip;           /* its output's byte offset in that import */
} vk_job;

/* The clip's samples [lo, hi) that frames [t0, t1) read (frames.comp's sample_at: the
 * frame's samples and the one before each, folded by the padding's rule), a superset. */
static void job_window(const vk_state *st, const vk_job *j, size_t t0, size_t t1, long long *lo, long long *hi)
{
    const long long n = (long long)j->n, nr = (long long)j->nr;
    const long long A = (long long)t0 * (long long)st->hop + st->off - 1;
    const long long B = (long long)(t1 - 1) * (long long)st->hop + st->off + st->fl - 1;
    long long l = LLONG_MAX, h = LLONG_MIN;
    if (B >= 0 && A < nr) { /* the samples themselves */
        l = A > 0 ? A : 0;
        h = (B < nr - 1 ? B : nr - 1) + 1;
    }
    if (A < 0) { /* the start's reflection: -A at most */
        l = 0;
        h = -A + 1 > h ? -A + 1 : h;
    }
    if (B >= nr) { /* the end's: 2 (nr - 1) - B at least (the symmetric rule: one more) */
        const long long r = 2 * (nr - 1) - B;
        l = r < l ? r : l;
        h = nr > h ? nr : h;
    }
    if (-A >= nr || 2 * (nr - 1) - B < 0) l = 0, h = n; /* folded past the other end (again): the clip */
    l -= 1; /* the sample before a folded one (signal pre-emphasis) */
    *lo = l < 0 ? 0 : l > n ? n : l;
    *hi = h > n ? n : h < *lo ? *lo : h;
}

/* x[0 .. n) into dst, and whether a sample's magnitude bits pass lim (Inf and NaN lie
 * above every finite bound): the samples' range check in the pass that packs them, integer
 * operations the compiler vectorises (base.c's wmel__all_abs_bits_le, the same test). */
static int copy_over(float *dst, const float *x, size_t n, uint32_t lim)
{
    uint32_t over = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, x + i, sizeof u);
        memcpy(dst + i, &u, sizeof u);
        over |= (uint32_t)((u & 0x7fffffffu) > lim);
    }
    return over != 0;
}

static uint32_t safe_bits(void)
{
    const float bound = WMEL_F32_KERNEL_SAFE;
    uint32_t lim;
    memcpy(&lim, &bound, sizeof lim);
    return lim;
}

/* A checked job's samples no round packed ([chk, n): past the last frame's window, where
 * the frames read none): checked too, so that the job is checked whole, as the CPU backend's
 * test of the clip is. */
static void check_rest(const vk_state *st, vk_job *j)
{
    if (j->check && !j->bad && j->chk < j->n) j->bad = !wmel__all_abs_bits_le(j->f32 + j->chk, j->n - j->chk, st->lim);
    j->chk = j->n;
}

/* src[0 .. k) into dst, and the larger of mx and their largest value (each lane's, then the
 * lanes': the largest value whatever the order, no value being NaN; the sign of a zero
 * maximum may differ, which the normalisation's max - 8 does not see). */
#if defined(__GNUC__) || defined(__clang__)
typedef float vk_v4f __attribute__((vector_size(16)));
typedef int32_t vk_v4i __attribute__((vector_size(16)));
static vk_v4f vmax4(vk_v4f m, vk_v4f a)
{
    const vk_v4i gt = a > m;
    return (vk_v4f)(((vk_v4i)a & gt) | ((vk_v4i)m & ~gt));
}
#endif
static float copy_max(float *dst, const float *src, size_t k, float mx)
{
    size_t i = 0;
#if defined(__GNUC__) || defined(__clang__)
    if (k >= 16) {
        vk_v4f m[4];
        for (int l = 0; l < 4; l++) m[l] = (vk_v4f){mx, mx, mx, mx};
        for (; i + 16 <= k; i += 16)
            for (int l = 0; l < 4; l++) {
                vk_v4f a;
                memcpy(&a, src + i + 4 * l, sizeof a);
                memcpy(dst + i + 4 * l, &a, sizeof a);
                m[l] = vmax4(m[l], a);
            }
        const vk_v4f m4 = vmax4(vmax4(m[0], m[1]), vmax4(m[2], m[3]));
        for (int l = 0; l < 4; l++) mx = m4[l] > mx ? m4[l] : mx;
    }
#endif
    for (; i < k; i++) {
        dst[i] = src[i];
        mx = src[i] > mx ? src[i] : mx;
    }
    return mx;
}

/* src[0 .. k) normalised with max mx into dst: max(x, mx - 8), then (x + 4) / 4, the float
 * operations of wmel_normalize() and the kernels' normalize (the same bytes; no value is NaN). */
static void copy_norm(float *dst, const float *src, size_t k, float mx)
{
    const float lo = mx - 8.0f;
    size_t i = 0;
#if defined(__GNUC__) || defined(__clang__)
    const vk_v4f lo4 = {lo, lo, lo, lo}, four = {4.0f, 4.0f, 4.0f, 4.0f}, q = {0.25f, 0.25f, 0.25f, 0.25f};
    for (; i + 4 <= k; i += 4) {
        vk_v4f a;
        memcpy(&a, src + i, sizeof a);
        a = (vmax4(a, lo4) + four) * q;
        memcpy(dst + i, &a, sizeof a);
    }
#endif
    for (; i < k; i++) {
        const float v = src[i] < lo ? lo : src[i];
        dst[i] = (v + 4.0f) * 0.25f;
    }
}

/* The float of an order-preserving key (frames.comp's fkey). */
static float key_float(uint32_t k)
{
    const uint32_t u = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* The counters, summed over every ctx of the process, read through the test door
 * (testctl.h: WMEL__TC_COUNTER, WMEL__TC_VK_PHASE_NS) in a build with WMEL_TEST_HOOKS:
 * g_ns, where the calling thread's time goes in run_jobs, for bench/vulkan (nanoseconds:
 * packing the rounds' samples, the rounds on the device (submission, the transfers, the
 * wait), the values out of the read-back buffer); g_rounds, the rounds submitted (one
 * submission and one wait each); g_finishes, the clips whose finish ran on the device
 * (vk_plan_finish's calls, a batch's clips, Whisper's clips); g_imports and the next five,
 * the calls whose samples the device read in place (wmel__vk_import) and their kin
 * (vk_internal.h); g_grown, the calls whose rounds' buffers grew for a clip finished in a
 * round of its own; g_range_clips, the clips whose frames the device left to the CPU's
 * kernels for their samples (one past the ctx's bound, or not finite). */
static atomic_llong g_ns[3], g_rounds, g_finishes, g_grown, g_range_clips;
static atomic_llong g_imports, g_out_imports, g_dev_clips, g_bimports, g_win_host, g_bout;
#ifdef WMEL_TEST_HOOKS
void wmel__vk_phase_ns(long long ns[3])
{
    for (int i = 0; i < 3; i++) ns[i] = atomic_load(&g_ns[i]);
}
long long wmel__vk_rounds(void) { return atomic_load(&g_rounds); }
long long wmel__vk_finishes(void) { return atomic_load(&g_finishes); }
long long wmel__vk_imports(void) { return atomic_load(&g_imports); }
long long wmel__vk_out_imports(void) { return atomic_load(&g_out_imports); }
long long wmel__vk_dev_clips(void) { return atomic_load(&g_dev_clips); }
long long wmel__vk_bimports(void) { return atomic_load(&g_bimports); }
long long wmel__vk_windows_host(void) { return atomic_load(&g_win_host); }
long long wmel__vk_bout_imports(void) { return atomic_load(&g_bout); }
long long wmel__vk_grown(void) { return atomic_load(&g_grown); }
long long wmel__vk_range_clips(void) { return atomic_load(&g_range_clips); }
#endif
static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Frames [t0, t1) of the jobs, packed into rounds of dispatches: each round's segments
 * (VKW_MAX_SEGS at most) hold a window of a clip's samples, written once, and its frames;
 * the shader frames them. With two slots the host packs the next round while the device
 * computes one, and reads a round back once the one after it is submitted. */
typedef struct vk_round {
    size_t segt[VKW_MAX_SEGS][4]; /* job, t0, t1, the segment's first frame in the round */
    size_t n_segs;
    size_t frames;                /* the round's frames (float32 values: the segments' maxima after them) */
    size_t fin_at[VKW_MAX_SEGS];  /* a segment finished on the device: its output's first word + 1; 0: none */
    size_t fin_flag[VKW_MAX_SEGS]; /* its flag word */
    size_t n_fin, fin_words;      /* the segments finished there, their outputs' words (fwords + swords) */
    size_t scr_words;             /* of which the post stage's frames (swords), after the flags */
    size_t range_at;              /* the samples' range flag (one clip read in place), 0: none */
    vkw_copy cp[VKW_MAX_SEGS];    /* the windows the device copies from the clips' imports */
    size_t n_cp;
    unsigned char chk[VKW_MAX_SEGS]; /* a segment whose window the range flag (or the host, where the
                                        output buffer has no room for the flag) checks */
    int oimp[VKW_MAX_SEGS];       /* a finished clip's output imported (wmel__vk_bimport's index + 1):
                                     the device writes it there; 0: copied by the host */
    size_t oskip[VKW_MAX_SEGS];   /* the output's byte offset in its import */
    vkw_copy ocp[VKW_MAX_SEGS];   /* those outputs' copies */
    size_t n_ocp;
    int iout;                     /* its one finished clip's output written by the device into the
                                     caller's memory (wmel__vk_import_out): none to copy */
} vk_round;

/* the values of a waited-for round into its jobs */
static void emit_round(const vk_state *st, vk_job *jobs, const vk_round *rd, const void *outv)
{
    const size_t nc = (size_t)st->n_cols, vb = jobs[0].f32_out ? 4 : 8; /* a value's bytes */
    const uint32_t *keys = (const uint32_t *)outv + rd->frames * nc;
    const uint32_t range = rd->range_at ? ((const uint32_t *)outv)[rd->range_at] & 3u : 0u;
    if (range) { /* a sample past the range, or not finite: none emitted */
        for (size_t s = 0; s < rd->n_segs; s++) jobs[rd->segt[s][0]].bad = (int)range;
        return;
    }
    for (size_t s = 0; s < rd->n_segs; s++) {
        vk_job *j = &jobs[rd->segt[s][0]];
        if (rd->fin_at[s]) { /* the clip's output, finished on the device, unless its flag is set */
            const float *o = outv;
            uint32_t flag;
            memcpy(&flag, o + rd->fin_flag[s], sizeof flag);
            j->fdone = flag ? 2 : 1;
            if (!flag && !rd->iout && !rd->oimp[s]) memcpy(j->fout, o + rd->fin_at[s] - 1, j->fwords * sizeof(float));
            if (!flag && rd->oimp[s]) atomic_fetch_add(&g_bout, 1);
            continue;
        }
        if (j->f32_out == 1) j->seg_mx = key_float(keys[s]);
        if (j->emit) j->emit(j, st->arith, rd->segt[s][1], rd->segt[s][2], (const char *)outv + rd->segt[s][3] * nc * vb);
    }
}

/* Slot s's round waited for and read back into its jobs; the wait's and the read-back's
 * nanoseconds added to ns[1] and ns[2]. */
static int collect(vk_state *st, vk_job *jobs, const vk_round *rd, int s, long long ns[3])
{
    const long long t1 = now_ns();
    const int rc = wmel__vk_wait(st->w, s);
    const long long t2 = now_ns();
    ns[1] += t2 - t1;
    if (rc != WMEL_OK) return rc;
    size_t cap;
    emit_round(st, jobs, &rd[s], wmel__vk_out(st->w, s, &cap));
    ns[2] += now_ns() - t2;
    return WMEL_OK;
}

/* A round's room: frames (the output buffer's, VKW_DISPATCH_FRAMES at most: the device
 * takes them in dispatches of wmel__vk_frame_cap), samples (the signal's, or
 * WMEL_VULKAN_SIGNAL_LIMIT's) and the output's 8-byte words (the same in each slot). */
static void round_caps(const vk_state *st, size_t *frame_cap, size_t *sig_cap, size_t *out_cap)
{
    (void)wmel__vk_sig(st->w, 0, sig_cap);
    (void)wmel__vk_out(st->w, 0, out_cap);
    if (st->sig_limit && st->sig_limit < *sig_cap) *sig_cap = st->sig_limit;
    const size_t nc = (size_t)st->n_cols, fc = VKW_DISPATCH_FRAMES;
    size_t f = *out_cap / (nc ? nc : 1);
    if (f > fc) f = fc;
    if (f > INT32_MAX) f = INT32_MAX;
    *frame_cap = f;
}

/* The output buffer's float32 words a round takes with `frames` frames' float32 values and
 * n_fin clips finished on the device (their outputs fin_words, a flag word and a key word
 * each), and a word for the samples' range flag. */
static size_t fin_end(size_t frames, size_t nc, size_t fin_words, size_t n_fin)
{
    return frames * nc + fin_words + VKW_FIN_CLIP_WORDS * n_fin + 1;
}

/* Whether a round of its own holds job j whole with its finish: its frames (frame_cap: a
 * round's, or whole_cap for a clip of more frames than a round packs), its samples' window
 * and its output (the device finishes it there; a round with less room is closed first
 * rather than split the clip). */
static int fin_whole(const vk_state *st, const vk_job *j, size_t frame_cap, size_t sig_cap, size_t out_cap)
{
    long long lo, hi;
    if (!j->fout || !j->nf || j->nf > frame_cap) return 0;
    job_window(st, j, 0, j->nf, &lo, &hi);
    return (size_t)(hi - lo) <= sig_cap && fin_end(j->nf, (size_t)st->n_cols, j->fwords + j->swords, 1) <= 2 * out_cap;
}

/* Whether job j may be finished on the device in a round of its own once the rounds' buffers
 * grow for it (wmel__vk_reserve): its output and (unless its samples are read in place,
 * in_place) its samples' window within the bytes a buffer may grow to; never with
 * WMEL_VULKAN_SIGNAL_LIMIT's rounds. */
static int fin_growable(const vk_state *st, const vk_job *j, int in_place)
{
    if (st->sig_limit || !j->fout || !j->nf) return 0;
    const size_t top = wmel__vk_reserve_max(st->w), nc = (size_t)st->n_cols;
    if (fin_end(j->nf, nc, j->fwords + j->swords, 1) + 8 > top / sizeof(float)) return 0;
    long long lo, hi;
    job_window(st, j, 0, j->nf, &lo, &hi);
    return in_place || (size_t)(hi - lo) <= top / sizeof(float);
}

/* run_jobs()'s state: the call's jobs, the rounds' room, the round being packed and where it
 * stands, the one clip read in place, and the call's nanoseconds (packing, submitting and
 * waiting, reading back). */
typedef struct rj_state {
    vk_state *st;
    vk_job *jobs;
    size_t n_jobs;
    vkw *w;
    uint32_t lim;
    size_t nc, sig_cap, out_cap, frame_cap, whole_cap;
    int dev;      /* wmel_vulkan_features_device's one clip */
    int in_place; /* one clip whose samples are read where they are */
    int bimp_on;  /* a batch's clips read where they are (wmel__vk_host_imports) */
    vk_round *rd; /* a round per slot */
    int slot, slots, pending[2];
    float *sig;
    int32_t *segs;
    size_t used_sig, used_frames, j, t;
    /* the samples the host packed (from the signal's start) and those the device copies from
       the clips' imports (from its end down); used_sig is both */
    size_t pk, im;
    int s16; /* the round's samples are int16 (every clip of a call alike) */
    long long ns[3], t0;
    /* one clip whose frames fit one round, read in place (imp: 1; 2 once its round is
       packed): its window, its first sample's index in the import, the range flag's word
       and whether the shader checks the samples (flag_dev); iout: a finished clip's output
       written by the device into the caller's memory */
    long long imp_lo, imp_hi;
    size_t imp_base, flag_at;
    int imp, flag_dev, iout;
} rj_state;

/* The bytes the slots' signal and output buffers must grow to for the clips the device
 * finishes in a round of their own whose frames a round does not pack as it is (0: none). */
static void rj_need(const rj_state *x, size_t *need_sig, size_t *need_out)
{
    *need_sig = *need_out = 0;
    for (size_t i = 0; i < x->n_jobs && !x->st->sig_limit; i++) {
        const vk_job *jb = &x->jobs[i];
        if (fin_whole(x->st, jb, x->whole_cap, x->sig_cap, x->out_cap) || !fin_growable(x->st, jb, x->in_place))
            continue;
        long long lo, hi;
        job_window(x->st, jb, 0, jb->nf, &lo, &hi);
        const size_t sb = x->in_place ? 0 : (size_t)(hi - lo) * sizeof(float);
        const size_t ob = (fin_end(jb->nf, x->nc, jb->fwords + jb->swords, 1) + 8) * sizeof(float);
        if (sb > *need_sig) *need_sig = sb;
        if (ob > *need_out) *need_out = ob;
    }
}

/* The slots the call takes: a second where it may take more than one round (more frames than
 * a round holds, or more samples than its signal's room: a round's frames and window); not
 * for one clip the device finishes in a round of its own. */
static int rj_slots(const rj_state *x)
{
    const vk_job *jobs = x->jobs;
    const size_t n_jobs = x->n_jobs, nc = x->nc;
    size_t all_frames = 0, all_samples = 0;
    for (size_t i = 0; i < n_jobs; i++) all_frames += jobs[i].nf, all_samples += jobs[i].n;
    const int one_whole = n_jobs == 1 && !x->st->sig_limit && jobs[0].fout && jobs[0].nf &&
                          fin_end(jobs[0].nf, nc, jobs[0].fwords + jobs[0].swords, 1) * sizeof(float) <=
                              wmel__vk_reserve_max(x->w);
    return !one_whole && (all_frames > x->frame_cap || all_samples > x->sig_cap || n_jobs > VKW_MAX_SEGS)
               ? wmel__vk_want_slots(x->w, 2)
               : wmel__vk_slots(x->w);
}

/* One clip whose frames fit one round: its samples read where they are (the caller's memory
 * imported: no copy; or another device's, bound as the signal by the caller), float32 ones
 * checked by the shader as it reads them, where every sample of the frames' window is some
 * frame's (hop <= frame length). Sets x->imp (0: the samples are copied), its window and
 * base, and flag_dev. */
static void rj_import_one(rj_state *x)
{
    if (x->n_jobs != 1) return;
    const vk_job *j0 = &x->jobs[0];
    const size_t nc = x->nc;
    if (!(!x->st->sig_limit && j0->nf && (j0->f32 || j0->s16 || x->dev) &&
          (j0->nf <= x->frame_cap ||
           (j0->fout && fin_end(j0->nf, nc, j0->fwords + j0->swords, 1) <= 2 * x->out_cap))))
        return;
    const size_t el = j0->f32 || j0->dev == 1 ? sizeof(float) : sizeof(int16_t);
    job_window(x->st, j0, 0, j0->nf, &x->imp_lo, &x->imp_hi);
    const char *p = x->dev    ? NULL
                    : j0->f32 ? (const char *)(j0->f32 + x->imp_lo)
                              : (const char *)(j0->s16 + x->imp_lo);
    size_t skip = 0;
    if (x->dev) { /* another device's memory, bound as the signal by the caller (from the clip's
                     first sample: the frames' window starts imp_lo samples on) */
        x->imp = 1;
        x->imp_base = j0->dev_base + (size_t)x->imp_lo;
    } else if (x->imp_hi > x->imp_lo && (uintptr_t)p % el == 0 &&
               wmel__vk_import(x->w, p, (size_t)(x->imp_hi - x->imp_lo) * el, &skip) == WMEL_OK) {
        x->imp = 1;
        x->imp_base = skip / el;
    }
    if (x->imp) { /* the range flag after the round's values (and Whisper's one key), where the
                     output buffer holds it; else the window is checked here (another device's
                     samples: not checked) */
        size_t words = j0->f32_out ? j0->nf * nc + (j0->f32_out == 1) : 2 * j0->nf * nc;
        const size_t T = j0->fwords + j0->swords;
        if (j0->fout && fin_end(j0->nf, nc, T, 1) <= 2 * x->out_cap) words += T + VKW_FIN_CLIP_WORDS; /* its finish's */
        x->flag_dev = (j0->check || x->dev) && x->st->hop <= (size_t)x->st->fl && words + 1 <= 2 * x->out_cap;
    }
}

/* The frames of job x->j from x->t on that round r takes (0: none; done: no job left), their
 * window in [*lo, *hi): the whole clip read in place; a clip of more frames than a round
 * packs in a round of its own; else as many as the frames' room allows whose window fits the
 * signal's room (halved until it does), none where the clip is one the device would finish in
 * a round of its own which this one cannot hold whole with its output (the round closed, the
 * clip the next one's). */
static size_t rj_fit(const rj_state *x, const vk_round *r, int done, long long *lo, long long *hi)
{
    if (done) return 0;
    const vk_state *st = x->st;
    const vk_job *jb = &x->jobs[x->j];
    const size_t t = x->t, used_frames = x->used_frames, frame_cap = x->frame_cap;
    if (x->imp) { /* the whole clip, its samples in place */
        *lo = x->imp_lo, *hi = x->imp_hi;
        return jb->nf - t;
    }
    if (t == 0 && used_frames == 0 && jb->nf > frame_cap &&
        fin_whole(st, jb, x->whole_cap, x->sig_cap, x->out_cap)) { /* a round of its own */
        job_window(st, jb, 0, jb->nf, lo, hi);
        return jb->nf;
    }
    if (r->n_segs >= VKW_MAX_SEGS || used_frames >= frame_cap) return 0;
    const size_t room = x->sig_cap - x->used_sig;
    size_t k = jb->nf - t;
    if (k > frame_cap - used_frames) k = frame_cap - used_frames;
    job_window(st, jb, t, t + k, lo, hi);
    if ((size_t)(*hi - *lo) > room) {
        size_t lo_k = 0, hi_k = k; /* the most frames whose window fits */
        while (hi_k - lo_k > 1) {
            const size_t mid = lo_k + (hi_k - lo_k) / 2;
            job_window(st, jb, t, t + mid, lo, hi);
            if ((size_t)(*hi - *lo) <= room) lo_k = mid;
            else hi_k = mid;
        }
        k = lo_k;
        if (k) job_window(st, jb, t, t + k, lo, hi);
    }
    if (k > 0 && jb->fout && t == 0 && used_frames > 0 &&
        !(k == jb->nf &&
          fin_end(used_frames + k, x->nc, r->fin_words + jb->fwords + jb->swords, r->n_fin + 1) <= 2 * x->out_cap) &&
        fin_whole(st, jb, x->whole_cap, x->sig_cap, x->out_cap))
        k = 0;
    return k;
}

/* Job jb's window [lo, hi) placed for round r: read in place (the one clip's import), copied
 * by the device from the clip's own import (a batch's clip; *in_imp set, *base: its place,
 * from the signal's end down), or copied here into the signal at x->pk (*base); float32
 * samples' range checked on the way where the clip asks for it. Returns 0, or 1 where the
 * clip is out of range (jb->bad: the CPU's kernels take the clip, this segment left out). */
static int rj_place(rj_state *x, vk_round *r, vk_job *jb, long long lo, long long hi, size_t *base, int *in_imp)
{
    const uint32_t lim = x->lim;
    const size_t len = (size_t)(hi - lo);
    /* a clip of the batch (or a single clip not read in place whole) read where it is:
       its pages imported once, each round's window copied by the device */
    if (!x->imp && x->bimp_on && len && !jb->bimp && !jb->dev) {
        const size_t el = jb->f32 ? sizeof(float) : sizeof(int16_t);
        const void *p = jb->f32 ? (const void *)jb->f32 : (const void *)jb->s16;
        size_t skip = 0;
        const int k2 = (uintptr_t)p % el == 0 ? wmel__vk_bimport(x->w, p, jb->n * el, &skip, 0) : -1;
        jb->bimp = k2 >= 0 ? k2 + 1 : -1;
        jb->bskip = skip;
        if (k2 >= 0) atomic_fetch_add(&g_bimports, 1);
    }
    *in_imp = !x->imp && len && jb->bimp > 0;
    *base = x->pk;
    if (*in_imp) {
        *base = x->sig_cap - x->im - len; /* from the signal's end down */
        if (jb->check) { /* the gap before the window here; the window by the range flag */
            if (jb->chk < (size_t)lo) jb->bad = !wmel__all_abs_bits_le(jb->f32 + jb->chk, (size_t)lo - jb->chk, lim);
            if ((size_t)hi > jb->chk) jb->chk = (size_t)hi;
            if (jb->bad) return 1; /* the CPU's kernels take the clip */
        }
        const size_t el = jb->f32 || jb->fdb == 1 ? sizeof(float) : sizeof(int16_t);
        vkw_copy c = {jb->bimp - 1, jb->bskip + (size_t)lo * el, *base * el, len * el};
        r->cp[r->n_cp++] = c;
    } else if (x->imp && jb->check) { /* the gap before the window here; the window by the shader (or here) */
        if (jb->chk < (size_t)lo) jb->bad = !wmel__all_abs_bits_le(jb->f32 + jb->chk, (size_t)lo - jb->chk, lim);
        if (!x->flag_dev && !jb->bad) jb->bad = !wmel__all_abs_bits_le(jb->f32 + lo, len, lim);
        if ((size_t)hi > jb->chk) jb->chk = (size_t)hi;
        if (jb->bad) return 1; /* the CPU's kernels take the clip */
    } else if (x->imp) {
        /* int16 samples, or float32 ones whose range the caller checked: read in place */
    } else if (jb->check) { /* the range check in the copy's pass; a gap before it checked alone */
        if (jb->chk < (size_t)lo) jb->bad = !wmel__all_abs_bits_le(jb->f32 + jb->chk, (size_t)lo - jb->chk, lim);
        if (!jb->bad && copy_over(x->sig + x->pk, jb->f32 + lo, len, lim)) jb->bad = 1;
        if ((size_t)hi > jb->chk) jb->chk = (size_t)hi;
        if (jb->bad) return 1; /* the CPU's kernels take the clip: this segment left out too */
    } else if (jb->f32) {
        memcpy(x->sig + x->pk, jb->f32 + lo, len * sizeof(float));
    } else {
        /* int16 as given (the shader divides by 32768): a call's clips are all int16 */
        if (len) memcpy((int16_t *)(void *)x->sig + x->pk, jb->s16 + lo, len * sizeof(int16_t));
    }
    return 0;
}

/* Frames [x->t, x->t + k) of job jb (window [lo, hi), placed at base by rj_place()) added to
 * round r as a segment: finished on the device where the clip is whole in the round with
 * room for its output (written where the caller wants it where that memory imports); then
 * the round's room and the job's next frame moved on. */
static void rj_add_seg(rj_state *x, vk_round *r, vk_job *jb, size_t k, long long lo, long long hi, size_t base,
                       int in_imp)
{
    const size_t len = (size_t)(hi - lo), t = x->t, used_frames = x->used_frames, n = r->n_segs;
    const int kind = jb->dev ? jb->dev : jb->fdb; /* samples in another device's memory: 1 float32, 2 int16 */
    if (len || kind) x->s16 = kind ? kind == 2 : jb->f32 == NULL;
    int32_t *sg = x->segs + VKW_S_HEAD + n * VKW_S_WORDS;
    sg[VKW_S_FIRST] = (int32_t)used_frames;
    sg[VKW_S_T0] = (int32_t)t;
    sg[VKW_S_BASE] = (int32_t)(x->imp ? x->imp_base : base);
    r->chk[n] = (unsigned char)(in_imp && (jb->check || jb->fdb == 1));
    sg[VKW_S_LO] = (int32_t)lo;
    sg[VKW_S_HI] = (int32_t)hi;
    sg[VKW_S_N] = (int32_t)jb->n;
    sg[VKW_S_NR] = (int32_t)jb->nr;
    sg[VKW_S_K] = (int32_t)k;
    r->segt[n][0] = x->j, r->segt[n][1] = t, r->segt[n][2] = t + k;
    r->segt[n][3] = used_frames;
    /* the clip whole in this round with room for its output: the device finishes it */
    const size_t T = jb->fwords + jb->swords;
    const int fin = jb->fout && t == 0 && k == jb->nf &&
                    fin_end(used_frames + k, x->nc, r->fin_words + T, r->n_fin + 1) <= 2 * x->out_cap;
    r->fin_at[n] = (size_t)fin;
    if (fin) r->fin_words += T, r->scr_words += jb->swords, r->n_fin++;
    /* one clip finished in this round: its output written by the device where the
       caller wants it (the caller's memory imported), not copied here */
    if (fin && jb->dev) /* its output's place set by the caller (wmel__vk_out_at) */
        x->iout = r->iout = 1;
    else if (fin && !jb->obimp && x->n_jobs == 1 && !x->iout &&
             wmel__vk_import_out(x->w, jb->fout, jb->fwords * sizeof(float)) == WMEL_OK)
        x->iout = r->iout = 1;
    r->oimp[n] = 0;
    if (fin && jb->obimp) { /* another device's memory, imported by the caller */
        r->oimp[n] = jb->obimp, r->oskip[n] = jb->oskip;
    } else if (fin && !r->iout && x->bimp_on) { /* a batch's finished clip: its output where it is */
        size_t skip = 0;
        const int k2 = wmel__vk_bimport(x->w, jb->fout, jb->fwords * sizeof(float), &skip, 1);
        if (k2 >= 0) r->oimp[n] = k2 + 1, r->oskip[n] = skip;
    }
    r->n_segs++;
    if (!x->imp) {
        x->used_sig += len;
        if (in_imp) x->im += len;
        else x->pk += len;
    }
    x->used_frames += k;
    x->t += k;
    if (x->imp) x->imp = 2; /* the clip's one round is packed */
}

/* Round r's finished clips laid out in its output after its values (vals_words float32
 * words): each clip's output, then their flags, the maxima's keys and statistics, then the
 * post stage's frames; their descriptors written in place of the segments' (*seg_words: their
 * words) and fin's fields set. Returns the output's words before the samples' range flag. */
static size_t rj_fin_layout(const rj_state *x, vk_round *r, size_t vals_words, vkw_finish *fin, size_t *seg_words)
{
    const size_t nc = x->nc;
    size_t at = vals_words, i = 0, vlo = SIZE_MAX, vhi = 0;
    const size_t flags_at = vals_words + r->fin_words - r->scr_words;
    size_t scr = flags_at + VKW_FIN_CLIP_WORDS * r->n_fin + 1; /* the post stage's frames: after the samples' flag */
    for (size_t s = 0; s < r->n_segs; s++) {
        const vk_job *jb = &x->jobs[r->segt[s][0]];
        const size_t first = r->segt[s][3] * nc, words = (r->segt[s][2] - r->segt[s][1]) * nc;
        if (!r->fin_at[s]) { /* values the host still reads back */
            vlo = first < vlo ? first : vlo;
            vhi = first + words > vhi ? first + words : vhi;
            continue;
        }
        int32_t *d = x->segs + VKW_F_HEAD + i * VKW_F_WORDS;
        d[VKW_F_NV] = (int32_t)jb->fnv;
        d[VKW_F_NC] = (int32_t)jb->nf;
        d[VKW_F_IN] = (int32_t)first;
        d[VKW_F_ROWS] = (int32_t)jb->frows;
        d[VKW_F_COLS] = (int32_t)jb->fcols;
        d[VKW_F_OUT] = (int32_t)(jb->swords ? scr : at);
        d[VKW_F_POUT] = (int32_t)at;
        d[VKW_F_PROWS] = (int32_t)jb->prows;
        d[VKW_F_PCOLS] = (int32_t)jb->pcols;
        d[VKW_F_PT] = (int32_t)jb->fnfo;
        scr += jb->swords;
        d[VKW_F_FLAG] = (int32_t)(flags_at + i);
        d[VKW_F_NFO] = (int32_t)jb->fnfo;
        r->fin_at[s] = at + 1;
        r->fin_flag[s] = flags_at + i;
        if (r->oimp[s]) { /* written by the device where the caller wants it */
            vkw_copy oc = {r->oimp[s] - 1, at * sizeof(float), r->oskip[s], jb->fwords * sizeof(float)};
            r->ocp[r->n_ocp++] = oc;
        }
        if (r->iout) fin->iout_at = (uint32_t)at; /* the round's one clip, its output imported */
        at += jb->fwords;
        i++;
    }
    fin->flags_at = (uint32_t)flags_at;
    /* imported outputs are not read back (all of the round's: only from the flags) */
    fin->lo = (uint32_t)(r->iout || r->n_ocp == r->n_fin ? flags_at : vals_words);
    if (vlo < vhi) fin->vlo = (uint32_t)vlo, fin->vhi = (uint32_t)vhi;
    *seg_words = VKW_F_HEAD + r->n_fin * VKW_F_WORDS;
    return flags_at + VKW_FIN_CLIP_WORDS * r->n_fin; /* the flags, the maxima's keys, the statistics */
}

/* The samples' range flag of round r after the rest (end: the output's words before it): one
 * clip read in place, or the windows the device copies from a batch's clips (fin_end keeps a
 * word for it where the round finishes clips); where the output has no room, the host reads
 * those windows. Sets x->flag_at (0: none). */
static void rj_range_flag(rj_state *x, const vk_round *r, size_t end)
{
    int need_flag = 0;
    for (size_t s = 0; s < r->n_segs; s++) need_flag |= r->chk[s];
    x->flag_at = x->flag_dev || (need_flag && end + 1 <= 2 * x->out_cap) ? end : 0;
    for (size_t s = 0; s < r->n_segs && need_flag && !x->flag_at; s++) {
        vk_job *jb = &x->jobs[r->segt[s][0]];
        long long wlo, whi;
        job_window(x->st, jb, r->segt[s][1], r->segt[s][2], &wlo, &whi);
        if (r->chk[s] && !jb->bad && whi > wlo && jb->f32) { /* (another device's: the flag's word is kept) */
            jb->bad = !wmel__all_abs_bits_le(jb->f32 + wlo, (size_t)(whi - wlo), x->lim);
            atomic_fetch_add(&g_win_host, 1);
        }
    }
}

/* The round packed in x->slot closed and submitted; then the next slot's round (submitted
 * before this one) waited for and read back, and that slot made the one packed, empty. */
static int rj_submit(rj_state *x)
{
    vk_round *r = &x->rd[x->slot];
    const vk_state *st = x->st;
    const size_t nc = x->nc, used_frames = x->used_frames;
    x->segs[0] = (int32_t)r->n_segs;
    r->frames = used_frames;
    const long long t1 = now_ns();
    x->ns[0] += t1 - x->t0;
    /* float32 values (half the words to read back); Whisper's blocks with each segment's
       max after them */
    const int f32 = x->jobs[0].f32_out, nk = f32 == 1 ? (int)r->n_segs : 0;
    const size_t vals_words = f32 ? used_frames * nc + (size_t)nk : 2 * used_frames * nc; /* float32 words */
    size_t end = vals_words, seg_words = VKW_S_HEAD + r->n_segs * VKW_S_WORDS;
    vkw_finish fin = {(uint32_t)nc, st->fin_fmaj, st->fin_mode, (uint32_t)r->n_fin, st->fin_pad, 0, 0, 0, 0, 0, 0};
    if (r->n_fin) /* the finished clips' outputs after the values, then their flags */
        end = rj_fin_layout(x, r, vals_words, &fin, &seg_words);
    rj_range_flag(x, r, end);
    const size_t flag_at = x->flag_at;
    if (r->n_fin) fin.hi = (uint32_t)(end + (flag_at ? 1 : 0));
    r->range_at = flag_at;
    float limf; /* the bound as the shader compares it (|x| <= limf: the bits' test) */
    memcpy(&limf, &x->lim, sizeof limf);
    int rc = wmel__vk_submit(x->w, x->slot, (uint32_t)used_frames, x->pk, seg_words, (end + (flag_at ? 1 : 0) + 1) / 2,
                             f32, used_frames * nc, (size_t)nk, x->s16, r->n_fin ? &fin : NULL, flag_at, limf, r->cp,
                             r->n_cp, r->ocp, r->n_ocp);
    x->ns[1] += now_ns() - t1;
    if (rc != WMEL_OK) return rc;
    atomic_fetch_add(&g_rounds, 1);
    x->pending[x->slot] = 1;
    /* the next slot: its round (submitted before this one) waited for and read back */
    const int slot = x->slot = (x->slot + 1) % x->slots;
    if (x->pending[slot]) {
        if ((rc = collect(x->st, x->jobs, x->rd, slot, x->ns)) != WMEL_OK) return rc;
        x->pending[slot] = 0;
    }
    x->t0 = now_ns();
    vk_round *rd = x->rd;
    rd[slot].n_segs = rd[slot].n_fin = rd[slot].fin_words = rd[slot].scr_words = rd[slot].range_at = 0;
    rd[slot].iout = 0;
    rd[slot].n_cp = rd[slot].n_ocp = 0;
    size_t cap; /* the same in each slot */
    x->sig = wmel__vk_sig(x->w, slot, &cap);
    x->segs = wmel__vk_segs(x->w, slot);
    x->used_sig = x->used_frames = x->pk = x->im = 0;
    return WMEL_OK;
}

/* The end of a call: the rounds still on the device collected (the older first), or drained
 * after a failure; the imports ended, the buffers as they were opened (grow: they were grown;
 * grew: it worked), the counters added. Returns rc, or a collection's failure. */
static int rj_end(rj_state *x, int rc, int grow, int grew)
{
    vkw *w = x->w;
    for (int i = 1; i <= x->slots; i++) {
        const int s = (x->slot + i) % x->slots;
        if (!x->pending[s]) continue;
        if (rc != WMEL_OK || (rc = collect(x->st, x->jobs, x->rd, s, x->ns)) != WMEL_OK) break;
        x->pending[s] = 0;
    }
    if (rc != WMEL_OK) wmel__vk_drain(w); /* none may still use the buffers the next call writes */
    wmel__vk_bimport_end(w);
    if (x->dev) { /* the imports are the caller's to end */
        x->imp = x->iout = 0;
        if (rc == WMEL_OK && x->jobs[0].fdone == 1) atomic_fetch_add(&g_dev_clips, 1);
    }
    if (x->imp) {
        atomic_fetch_add(&g_imports, 1);
        wmel__vk_import_end(w);
    }
    if (x->iout) {
        if (rc == WMEL_OK && x->jobs[0].fdone == 1) atomic_fetch_add(&g_out_imports, 1);
        wmel__vk_import_out_end(w);
    }
    if (grow) { /* the buffers as they were opened (a failure leaves the larger ones, which work) */
        if (grew) atomic_fetch_add(&g_grown, 1);
        (void)wmel__vk_reserve(w, 0, 0);
    }
    for (int i = 0; i < 3; i++) atomic_fetch_add(&g_ns[i], x->ns[i]);
    free(x->rd);
    return rc;
}

/* The jobs' frames computed on the device, in rounds: each packs as many segments (a job's
 * frames and their window of samples) as its buffers hold, the device finishing the clips a
 * round holds whole; two slots, so that a round is packed while the one before runs. */
static int run_jobs(vk_state *st, vk_job *jobs, size_t n_jobs)
{
    rj_state x;
    memset(&x, 0, sizeof x);
    x.st = st, x.jobs = jobs, x.n_jobs = n_jobs, x.w = st->w, x.lim = st->lim;
    round_caps(st, &x.frame_cap, &x.sig_cap, &x.out_cap);
    x.nc = (size_t)st->n_cols;
    /* a clip the device finishes whose frames a round does not pack (more than it packs, or
       more samples or output than its buffers hold) takes a round of its own, in several
       dispatches, the slots' buffers grown for the largest such clip during the call
       (wmel__vk_reserve; the clip's samples not counted where one clip's are read in place);
       where they cannot grow, the clip is split over rounds and finished on the host.
       WMEL_VULKAN_SIGNAL_LIMIT's rounds (a testing switch) never grow. */
    x.whole_cap = st->sig_limit ? x.frame_cap : (size_t)INT32_MAX;
    x.dev = n_jobs == 1 && jobs[0].dev;
    x.in_place = n_jobs == 1 && (x.dev || wmel__vk_in_place(x.w));
    size_t need_sig, need_out;
    rj_need(&x, &need_sig, &need_out);
    x.slots = rj_slots(&x);
    x.rd = calloc(2, sizeof *x.rd);
    if (!x.rd) return WMEL_ERR_NO_MEMORY;
    const int grow = need_out > 0;
    int grew = 0;
    if (grow) { /* where they cannot grow (or grow only in part), the caps as they are */
        grew = wmel__vk_reserve(x.w, need_sig, need_out) == WMEL_OK;
        round_caps(st, &x.frame_cap, &x.sig_cap, &x.out_cap);
    }
    size_t cap0;
    x.sig = wmel__vk_sig(x.w, x.slot, &cap0);
    x.segs = wmel__vk_segs(x.w, x.slot);
    x.bimp_on = wmel__vk_host_imports(x.w);
    int rc = WMEL_OK;
    x.t0 = now_ns();
    rj_import_one(&x);
    if (x.dev && !x.imp) /* the caller's checks make this impossible */
        rc = wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: a clip in device memory does not fit one round");
    while (rc == WMEL_OK) {
        while (x.j < n_jobs && (x.t >= jobs[x.j].nf || jobs[x.j].bad)) x.j++, x.t = 0; /* a job past the bound: no more */
        const int done = x.j >= n_jobs;
        vk_round *r = &x.rd[x.slot];
        long long lo = 0, hi = 0;
        const size_t k = rj_fit(&x, r, done, &lo, &hi);
        if (k > 0) {
            vk_job *jb = &jobs[x.j];
            size_t base;
            int in_imp;
            if (!rj_place(&x, r, jb, lo, hi, &base, &in_imp)) rj_add_seg(&x, r, jb, k, lo, hi, base, in_imp);
            continue;
        }
        if (x.used_frames == 0) { /* the signal's room holds no frame's samples */
            if (!done) rc = WMEL_ERR_NO_MEMORY;
            break;
        }
        rc = rj_submit(&x);
    }
    return rj_end(&x, rc, grow, grew);
}

/* 1 when the shader's int indices hold the clip's frames: every sample index a frame reads
 * (t hop + j + off, the reflection's nr) under 2^30; else the CPU's kernels frame it. */
static int job_fits(const vk_state *st, const vk_job *j)
{
    const long long lim = 1LL << 30, off = st->off < 0 ? -st->off : st->off;
    if (j->nr >= (size_t)lim || j->nf >= (size_t)lim) return 0;
    return (long long)j->nf * (long long)st->hop + off + st->fl < lim;
}

static const char *dev_refusal(const wmel_ctx *ctx);

static const char *vk_op_backend(const wmel_ctx *ctx, int op)
{
    vk_state *st = ctx->state;
    if (op == WMEL_OP_STREAM) return "cpu"; /* the frame engine has no Vulkan path */
    if (op == WMEL_OP_DEVICE) { /* wmel_vulkan_features_device */
        unsigned char a[16], b[16];
        return st && !*dev_refusal(ctx) && wmel__vk_fd_ids(st->w, a, b) ? "vulkan" : "none";
    }
    if (!st || op < 0 || op >= N_OPS) return "none";
    switch (atomic_load(&st->op_backend[op])) {
    case WMEL_BACKEND_CPU: return "cpu";
    case WMEL_BACKEND_REF: return "ref";
    default: return "vulkan";
    }
}

/* ---- Whisper's geometry (pfa400): the clips' raw log10 mel, then the CPU's finish ---- */

/* [n_mels][nf] float32 from the device's float32 block of the segment ([n_mels][t1 - t0]):
 * a copy a row, the job's largest value taken in the same pass */
static void pfa_emit(vk_job *j, int arith, size_t t0, size_t t1, const void *vals)
{
    (void)arith;
    const size_t nc = (size_t)j->n_cols, k = t1 - t0;
    const float *v = vals;
    if (j->fuse && t0 == 0 && t1 == j->nf) { /* the whole clip: normalised as it is copied */
        for (size_t m = 0; m < nc; m++) copy_norm(j->out + m * j->nf, v + m * k, k, j->seg_mx);
        j->mx = j->seg_mx;
        j->normed = 1;
        return;
    }
    float mx = j->mx;
    for (size_t m = 0; m < nc; m++) mx = copy_max(j->out + m * j->nf + t0, v + m * k, k, mx);
    j->mx = mx;
}

/* A clip (float32 x or int16 s16, n samples and `padding` zeros, nf frames) as a job whose
 * samples are range-checked as they are packed; fuse: normalised with its own max as it is
 * read back where one segment holds it. */
static void pfa_job(vk_job *j, const float *x, const int16_t *s16, size_t n, size_t padding, size_t nf, float *out,
                    int n_mels, int fuse)
{
    memset(j, 0, sizeof *j);
    j->emit = pfa_emit;
    j->f32_out = 1;
    j->f32 = x;
    j->s16 = s16;
    j->n = n;
    j->nr = n + padding;
    j->nf = nf;
    j->out = out;
    j->n_cols = n_mels;
    j->mx = -HUGE_VALF;
    j->check = x != NULL; /* int16 samples are in range */
    j->fuse = fuse;
}

/* Whisper's finish of job j on the device where the ctx has it (st->pfa_fin) and the clip's
 * own max is its clamp's (per_clip; or no clamp, the smoothing alone): the finish pipeline
 * on the clip's block into its output ([n_mels][nf]), through the 3x3 average's pass with
 * params.smooth; the round that holds the clip whole runs it (fdone 1), else the values are
 * read back as before. */
static void pfa_fin_job(const wmel_ctx *ctx, vk_job *j, int per_clip)
{
    const vk_state *st = ctx->state;
    if (!st->pfa_fin || !j->nf || (ctx->params.norm == WMEL_NORM_WHOLE && !per_clip) ||
        j->nf > UINT32_MAX / (size_t)j->n_cols)
        return;
    const size_t words = (size_t)j->n_cols * j->nf;
    j->fout = j->out;
    j->frows = j->prows = (size_t)j->n_cols;
    j->fcols = j->pcols = j->fnv = j->fnfo = j->nf;
    j->fwords = words;
    j->swords = ctx->params.smooth == WMEL_SMOOTH_3X3 ? words : 0; /* the clamped values before the average */
}

/* Whisper's geometry's clips in host memory (vt->clips, where vk_clips_stages takes them):
 * one job a clip in shared rounds, the finish the device's where pfa_fin_job gives it one,
 * else the host's here (*fin says which made the last). A hand-back where a sample is past
 * the bound or not finite, or a value of the device's finish is not finite (WMEL__HB_RANGE),
 * or memory is short (WMEL__HB_MEMORY). */
static int vk_clips(wmel_ctx *ctx, const wmel_clips *c, int *fin)
{
    vk_state *st = ctx->state;
    const size_t nf = wmel_n_frames(c->n, c->padding), nm = (size_t)ctx->params.n_mels, per = nm * nf;
    vk_job *jobs = malloc(sizeof(vk_job) * c->batch);
    if (!jobs) return WMEL_ERR_NO_MEMORY;
    for (size_t b = 0; b < c->batch; b++) {
        pfa_job(&jobs[b], c->f32 ? c->f32 + b * c->pcm_stride : NULL, c->s16 ? c->s16 + b * c->pcm_stride : NULL,
                c->n, c->padding, nf, c->out + b * per, (int)nm,
                ctx->params.norm == WMEL_NORM_WHOLE && c->batch_norm == WMEL_BATCH_PER_CLIP);
        pfa_fin_job(ctx, &jobs[b], c->batch_norm == WMEL_BATCH_PER_CLIP || c->batch == 1);
    }
    if (pthread_mutex_lock(&st->lock) != 0) {
        free(jobs);
        return WMEL_ERR_THREAD;
    }
    int rc = run_jobs(st, jobs, c->batch);
    pthread_mutex_unlock(&st->lock);
    int bad = 0;
    for (size_t b = 0; rc == WMEL_OK && b < c->batch; b++) {
        check_rest(st, &jobs[b]);
        bad += jobs[b].bad || jobs[b].fdone == 2; /* a value not finite in the device's finish: the CPU's way */
    }
    /* a NaN or Inf sample, or one so large that the CPU's float32 kernels may overflow
       (WMEL_F32_KERNEL_SAFE) or float-float's values leave float's range (st->lim): the
       CPU's kernels compute the clips or say which status, so that this backend accepts and
       refuses what the CPU backend does; device or host memory short: the CPU instead */
    if (rc == WMEL_OK && bad) atomic_fetch_add(&g_range_clips, bad);
    if (rc == WMEL_ERR_NO_MEMORY || (rc == WMEL_OK && bad)) {
        free(jobs);
        return wmel__handback(ctx, bad ? WMEL__HB_RANGE : WMEL__HB_MEMORY);
    }
    if (rc != WMEL_OK) {
        free(jobs);
        return rc;
    }
    /* the finish on the CPU: the normalisation (per clip, or one max over the batch) and
       the smoothing, each clip's largest value taken in the read-back */
    float gmax = -HUGE_VALF;
    int host_fin = 0;
    for (size_t b = 0; b < c->batch; b++) gmax = jobs[b].mx > gmax ? jobs[b].mx : gmax;
    for (size_t b = 0; b < c->batch && rc == WMEL_OK; b++)
        if (jobs[b].fdone == 1) atomic_fetch_add(&g_finishes, 1); /* finished on the device */
        else
            host_fin = 1, rc = wmel__pfa_finish(ctx, c->out + b * per, nf,
                                                c->batch_norm == WMEL_BATCH_GLOBAL ? gmax : jobs[b].mx, jobs[b].normed);
    *fin = host_fin ? WMEL_BACKEND_CPU : WMEL_BACKEND_VULKAN;
    free(jobs);
    return rc;
}

/* wmel_features_batch's clips of Whisper's geometry (vt->pfa_frames_batch): one job a clip,
 * the clips' frames packed into shared rounds by run_jobs, each clip's values straight into
 * its output as they are read back: normalised there with the device's max of the segment
 * where one segment holds the clip (redo 2), else raw with their largest value taken in the
 * copy; the rest of the finish is the caller's (api.c, over the ctx's workers). */
static int vk_pfa_frames_batch(wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                               float *const *out, float *mx, unsigned char *redo, size_t batch)
{
    vk_state *st = ctx->state;
    vk_job *jobs = malloc(sizeof(vk_job) * (batch ? batch : 1));
    size_t *which = malloc(sizeof(size_t) * (batch ? batch : 1)); /* job i's clip */
    if (!jobs || !which) {
        free(jobs);
        free(which);
        return wmel__handback(ctx, WMEL__HB_MEMORY);
    }
    size_t n_jobs = 0;
    for (size_t b = 0; b < batch; b++) {
        redo[b] = 0;
        mx[b] = -HUGE_VALF;
        vk_job *jb = &jobs[n_jobs];
        pfa_job(jb, x[b], NULL, n[b], 0, nf[b], out[b], ctx->params.n_mels, ctx->params.norm == WMEL_NORM_WHOLE);
        pfa_fin_job(ctx, jb, 1);
        if (!job_fits(st, jb)) redo[b] = 1; /* past the shader's 32-bit indices: the CPU's kernels */
        else which[n_jobs++] = b;
    }
    int rc = WMEL_ERR_THREAD;
    if (pthread_mutex_lock(&st->lock) == 0) {
        rc = run_jobs(st, jobs, n_jobs);
        pthread_mutex_unlock(&st->lock);
    }
    for (size_t i = 0; rc == WMEL_OK && i < n_jobs; i++) {
        check_rest(st, &jobs[i]);
        redo[which[i]] = jobs[i].bad || jobs[i].fdone == 2 ? 1 : jobs[i].fdone == 1 ? 3 : jobs[i].normed ? 2 : 0;
        if (redo[which[i]] == 3) atomic_fetch_add(&g_finishes, 1);
        mx[which[i]] = jobs[i].mx;
        if (jobs[i].bad) atomic_fetch_add(&g_range_clips, 1);
    }
    free(jobs);
    free(which);
    return rc == WMEL_ERR_NO_MEMORY ? wmel__handback(ctx, WMEL__HB_MEMORY) : rc;
}

/* ---- any other plan: the frames' values for fe_cpu.c's finish ---- */

static void gen_emit(vk_job *j, int arith, size_t t0, size_t t1, const void *vals)
{
    const size_t nc = (size_t)j->n_cols, nv = (t1 - t0) * nc;
    double *o = j->vals + t0 * nc;
    if (arith != VKW_ARITH_FF) {
        memcpy(o, vals, nv * sizeof(double));
        return;
    }
    for (size_t i = 0; i < nv; i++) o[i] = get(arith, vals, i);
}

/* float32 values (the ctx's vals_f32), frame after frame as the device wrote them */
static void gen_emit_f32(vk_job *j, int arith, size_t t0, size_t t1, const void *vals)
{
    (void)arith;
    const size_t nc = (size_t)j->n_cols;
    memcpy(j->valsf + t0 * nc, vals, (t1 - t0) * nc * sizeof(float));
}

/* A general plan's job: float32 values where the ctx takes them, else float64 (cepstra); its
 * samples checked against float-float's bound as they are packed (f32 set by the caller) */
static void gen_job(const wmel_ctx *ctx, vk_job *j, void *vals)
{
    j->check = ((const vk_state *)ctx->state)->check_gen;
    if (ctx->vals_f32) {
        j->emit = gen_emit_f32;
        j->f32_out = 3;
        j->valsf = vals;
    } else {
        j->emit = gen_emit;
        j->vals = vals;
    }
}

static int vk_plan_frames(const wmel_ctx *ctx, const float *x, size_t n, size_t nf, void *vals_out)
{
    double *vals = vals_out; /* float64 values where the ctx's vals_f32 is 0 */
    vk_state *st = ctx->state;
    const wmel_fe *fe = ctx->fe;
    /* the cepstra (n_ceps) where the device does not take them (WMEL_VULKAN_VALS_F64=1): the
       device's log energy and log mels, then each frame's DCT here, in double (fe_plan.c's
       wmel__fe_ceps, the CPU path's) */
    const int ceps = fe->p.n_ceps > 0 && !st->ceps;
    double *raw = vals;
    if (ceps) {
        const size_t nr = (size_t)fe->n_raw;
        raw = nf <= SIZE_MAX / sizeof(double) / nr ? malloc(nf * nr * sizeof(double)) : NULL;
        if (!raw) return wmel__handback(ctx, WMEL__HB_MEMORY); /* the CPU's frames */
    }
    vk_job job;
    memset(&job, 0, sizeof job);
    gen_job(ctx, &job, ceps ? (void *)raw : vals_out);
    job.nf = nf;
    job.f32 = x;
    job.n = n;
    job.nr = n;
    job.n_cols = st->n_cols;
    int rc = WMEL_ERR_THREAD;
    if (pthread_mutex_lock(&st->lock) == 0) {
        rc = run_jobs(st, &job, 1);
        pthread_mutex_unlock(&st->lock);
    }
    if (rc == WMEL_OK) { /* a sample past float-float's bound, or not finite: the CPU's kernels */
        check_rest(st, &job);
        if (job.bad) {
            atomic_fetch_add(&g_range_clips, 1);
            rc = wmel__handback(ctx, WMEL__HB_RANGE);
        }
    }
    if (rc == WMEL_ERR_NO_MEMORY) rc = wmel__handback(ctx, WMEL__HB_MEMORY);
    if (ceps) {
        for (size_t t = 0; rc == WMEL_OK && t < nf; t++)
            wmel__fe_ceps(fe, raw + t * (size_t)fe->n_raw, vals + t * (size_t)fe->n_cols);
        free(raw);
    }
    return rc;
}

/* Whether the device's finish (finish.comp, the post stage after it) writes a clip of n
 * samples (nc frames) as rows x cols, the plan's finish the device's (st->finish): the
 * finish's frames' shape into *fr x *fc (a post stage's: its frames [F][n_cols]). */
static int fin_shape(const wmel_ctx *ctx, size_t n, size_t nc, size_t rows, size_t cols, size_t *fr, size_t *fc)
{
    const vk_state *st = ctx->state;
    const size_t ncol = (size_t)st->n_cols;
    if (!st->finish || !cols || (size_t)ctx->fe->n_cols != ncol || rows > UINT32_MAX / cols) return 0;
    if (st->post) { /* the post stage's rows x cols from the finish's frames [0, nfo) on the device */
        size_t F = 0;
        if (!wmel__fe_dev_post(ctx->fe, n, nc, rows, cols, &F) || F > UINT32_MAX / ncol) return 0;
        *fr = F;
        *fc = ncol;
        return 1;
    }
    *fr = rows;
    *fc = cols;
    return wmel__fe_dev_shape(ctx->fe, n, nc, fr, fc);
}

/* Job j (its frames nf set) finished on the device into out (rows x cols, the plan's
 * layout) where fin_shape takes it; its samples then checked as they are packed or read
 * (against st->lim: the CPU kernels' bound, float-float's where lower). 1 where set, else 0. */
static int fin_job(const wmel_ctx *ctx, vk_job *j, float *out, size_t rows, size_t cols)
{
    const vk_state *st = ctx->state;
    size_t fr = 0, fc = 0;
    if (!out || !fin_shape(ctx, j->n, j->nf, rows, cols, &fr, &fc)) return 0;
    if (st->post) {
        j->prows = rows;
        j->pcols = cols;
        j->fwords = rows * cols;
        j->swords = fr * fc;
    } else {
        j->fwords = fr * fc;
        j->swords = 0;
    }
    j->fnfo = wmel__fe_out_frames(&ctx->fe->p, j->n);
    j->fout = out;
    j->frows = fr;
    j->fcols = fc;
    j->fnv = wmel__fe_valid(&ctx->fe->p, j->n);
    j->check = 1;
    j->f32_out = 3;
    return 1;
}

/* Whether a round of its own holds job j (fin_job set) whole with its finish, its buffers
 * grown for it where they may (the samples read in place where the device can); under the
 * ctx's lock. */
static int fin_round(vk_state *st, const vk_job *j)
{
    size_t frame_cap, sig_cap, out_cap;
    round_caps(st, &frame_cap, &sig_cap, &out_cap);
    return fin_whole(st, j, frame_cap, sig_cap, out_cap) ||
           (!st->sig_limit && fin_whole(st, j, INT32_MAX, sig_cap, out_cap)) ||
           fin_growable(st, j, wmel__vk_in_place(st->w));
}

/* The stages of a general plan's clip the device takes (vt->plan_stages): its frames where
 * the device is open (a dithered plan's too: frames_noise_f64 draws the noise), the log
 * energy not the windowed frame's (the lowering's rule) and the shader's 32-bit sample
 * indices hold the clip; its finish where the plan's finish is the device's, fin_shape takes
 * the clip's shape, the indices hold it and a round of its own holds it whole (its buffers
 * within wmel__vk_reserve_max). Whisper's geometry on its own kernels: its clips wherever
 * the device is open (vk_clips_stages: their sizes). */
static int vk_plan_stages(const wmel_ctx *ctx, size_t n, size_t rows, size_t cols)
{
    const vk_state *st = ctx->state;
    if (!st || !st->w) return 0; /* the device not opened, or float-float's self-test failed */
    if (st->pfa) return WMEL__STAGE_FRAMES; /* Whisper's geometry: vk_clips, vk_pfa_frames_batch */
    if (ctx->fe->p.energy_windowed) return 0; /* the CPU's frames, and so its finish */
    int on = WMEL__STAGE_FRAMES;
    if (!n) return on;
    vk_job job;
    memset(&job, 0, sizeof job);
    job.n = job.nr = n;
    job.nf = wmel__fe_computed(&ctx->fe->p, n);
    if (!job_fits(st, &job)) return 0;
    if (!st->finish || !cols) return on;
    float probe; /* fin_job's output: its place only, never written */
    job.n_cols = st->n_cols;
    if (!fin_job(ctx, &job, &probe, rows, cols)) return on;
    vk_state *ms = (vk_state *)st; /* the lock and the rounds' caps; nothing else changes */
    if (pthread_mutex_lock(&ms->lock) != 0) return on;
    const int whole = fin_round(ms, &job);
    pthread_mutex_unlock(&ms->lock);
    return whole ? on | WMEL__STAGE_FINISH : on;
}

/* Whisper's geometry's whole clips (vt->clips_stages): where the device takes the ctx's
 * clips and the shader's 32-bit sample indices hold the clips' samples and frames. */
static int vk_clips_stages(const wmel_ctx *ctx, const wmel_clips *c)
{
    const vk_state *st = ctx->state;
    if (!(vk_plan_stages(ctx, 0, 0, 0) & WMEL__STAGE_FRAMES) || c->padding > SIZE_MAX - c->n) return 0;
    vk_job job;
    memset(&job, 0, sizeof job);
    job.nr = c->n + c->padding;
    job.nf = wmel_n_frames(c->n, c->padding);
    return job_fits(st, &job) ? WMEL__STAGE_FRAMES : 0;
}

/* A general plan's frames and finish on the device (vt->plan_finish) for one clip a round
 * holds whole (a long clip: a round of its own, its buffers grown for it in run_jobs):
 * run_jobs' round with the finish (finish.comp) after the frames, the output read back in
 * the plan's layout straight into out, the samples read in place where the device can;
 * called where vk_plan_stages takes the finish (a round of its own holds the clip). A
 * hand-back (plan_frames and the host's finish: the same bytes in float64) where a sample
 * is past the CPU kernels' range (float-float's bound where lower) or not finite, or a
 * value is not finite (WMEL__HB_RANGE: the host's way says which status applies), or
 * memory is short (WMEL__HB_MEMORY: the round's buffers could not grow for the clip). */
static int vk_plan_finish(const wmel_ctx *ctx, const float *x, size_t n, float *out, size_t rows, size_t cols)
{
    vk_state *st = ctx->state;
    vk_job job;
    memset(&job, 0, sizeof job);
    job.f32 = x;
    job.n = job.nr = n;
    job.nf = wmel__fe_computed(&ctx->fe->p, n);
    job.n_cols = st->n_cols;
    if (!fin_job(ctx, &job, out, rows, cols)) return WMEL_ERR_INVALID_ARG; /* not one plan_stages takes */
    if (pthread_mutex_lock(&st->lock) != 0) return WMEL_ERR_THREAD;
    /* a clip of more frames than a round packs, or more than its buffers hold: a round of its
       own, the buffers grown for it */
    int rc = run_jobs(st, &job, 1);
    pthread_mutex_unlock(&st->lock);
    if (rc == WMEL_OK) {
        check_rest(st, &job);
        if (job.bad || job.fdone == 2) rc = wmel__handback(ctx, WMEL__HB_RANGE); /* the host's way says which */
        else if (job.fdone != 1) rc = wmel__handback(ctx, WMEL__HB_MEMORY); /* the buffers did not grow: split */
    }
    if (rc == WMEL_ERR_NO_MEMORY) rc = wmel__handback(ctx, WMEL__HB_MEMORY);
    if (rc == WMEL_OK) atomic_fetch_add(&g_finishes, 1);
    return rc;
}

/* Clips of wmel_features_batch: every clip's frames in shared dispatches (run_jobs packs
 * the frames of several clips into one, each clip's samples a segment of its own), then
 * each clip's cepstra here as vk_plan_frames; where the plan's finish is the device's, a
 * clip a round holds whole finished there too, into out[b] (redo[b] 2); redo[b] 1 for a
 * clip the device does not take, each decided on its own (a sample past float-float's bound
 * or not finite, indices past the shader's, a finished clip with a sample past the CPU
 * kernels' range or a value not finite: that clip takes wmel_features' way), else 0 (its
 * values in vals[b]); a hand-back where memory is short (WMEL__HB_MEMORY: each clip then
 * takes wmel_features' way, the same bytes). */
static int vk_plan_frames_batch(const wmel_ctx *ctx, const float *const *x, const size_t *n, const size_t *nf,
                                void *const *vals, float *const *out, unsigned char *redo, size_t batch)
{
    vk_state *st = ctx->state;
    const wmel_fe *fe = ctx->fe;
    const int ceps = fe->p.n_ceps > 0 && !st->ceps; /* the host's DCT (vk_plan_frames') */
    const size_t nr = (size_t)fe->n_raw;
    vk_job *jobs = calloc(batch ? batch : 1, sizeof *jobs);
    size_t *which = malloc((batch ? batch : 1) * sizeof *which); /* job i's clip */
    double **raw = ceps ? calloc(batch ? batch : 1, sizeof *raw) : NULL;
    int rc = jobs && which && (!ceps || raw) ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    size_t n_jobs = 0;
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
        redo[b] = 0;
        if (!nf[b]) continue;
        vk_job *jb = &jobs[n_jobs];
        gen_job(ctx, jb, vals[b]);
        jb->nf = nf[b];
        jb->f32 = x[b];
        jb->n = jb->nr = n[b];
        jb->n_cols = st->n_cols;
        if (!job_fits(st, jb)) { /* past the shader's 32-bit indices: the CPU's kernels */
            memset(jb, 0, sizeof *jb);
            redo[b] = 1;
            continue;
        }
        size_t rows, cols;
        if (st->finish && out && wmel_features_shape(ctx, n[b], &rows, &cols) == WMEL_OK)
            (void)fin_job(ctx, jb, out[b], rows, cols);
        if (ceps) {
            raw[b] = nf[b] <= SIZE_MAX / sizeof(double) / nr ? malloc(nf[b] * nr * sizeof(double)) : NULL;
            jb->vals = raw[b];
            if (!raw[b]) rc = WMEL_ERR_NO_MEMORY;
        }
        which[n_jobs++] = b;
    }
    if (rc == WMEL_OK) {
        rc = WMEL_ERR_THREAD;
        if (pthread_mutex_lock(&st->lock) == 0) {
            rc = run_jobs(st, jobs, n_jobs);
            pthread_mutex_unlock(&st->lock);
        }
    }
    for (size_t i = 0; rc == WMEL_OK && i < n_jobs; i++) {
        check_rest(st, &jobs[i]);
        if (jobs[i].bad) {
            redo[which[i]] = 1;
            if (st->check_gen) atomic_fetch_add(&g_range_clips, 1); /* past float-float's bound */
        } else if (jobs[i].fdone) { /* finished on the device, or a value not finite (the host's way) */
            redo[which[i]] = jobs[i].fdone == 1 ? 2 : 1;
            if (jobs[i].fdone == 1) atomic_fetch_add(&g_finishes, 1);
        }
    }
    for (size_t b = 0; ceps && raw && b < batch; b++) {
        for (size_t t = 0; rc == WMEL_OK && !redo[b] && t < nf[b]; t++)
            wmel__fe_ceps(fe, raw[b] + t * nr, (double *)vals[b] + t * (size_t)fe->n_cols);
        free(raw[b]);
    }
    free(raw);
    free(which);
    free(jobs);
    return rc == WMEL_ERR_NO_MEMORY ? wmel__handback(ctx, WMEL__HB_MEMORY) : rc;
}

/* ---- another device's memory (wmel_vulkan_features_device) ---- */

/* Why the ctx's clips in device memory are refused ("" where they are taken): its frames on
 * the CPU, a finish the device does not make. */
static const char *dev_refusal(const wmel_ctx *ctx)
{
    const vk_state *st = ctx->state;
    if (!st->w) return "this ctx's frames run on the CPU (its frame does not fit the device, float-float failed its "
                       "self-test at create, or the device draws no dither noise: wmel_backend_reason)";
    if (ctx->fe->p.energy_windowed) return "the plan's log energy is the windowed frame's, whose frames run on the CPU";
    if (st->f64_why[0]) return st->f64_why;
    if (st->pfa ? !st->pfa_fin : !st->finish)
        return "the plan's finish runs on the host (docs/vulkan-internals.md, \"The finish on the device\"; or "
               "WMEL_VULKAN_DEVICE_FINISH=0)";
    return "";
}

static int vk_uuids(const wmel_ctx *ctx, unsigned char dev[16], unsigned char drv[16])
{
    const vk_state *st = ctx->state;
    if (!st->w)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s", dev_refusal(ctx));
    if (!wmel__vk_fd_ids(st->w, dev, drv))
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s imports no memory from a file descriptor "
                               "(no VK_KHR_external_memory_fd)", wmel__vk_device_name(st->w));
    return WMEL_OK;
}

/* One clip b of the call: its job (Whisper's geometry, or a general plan's with its finish),
 * all of it finished on the device in one round (grown where needed); 0 with the reason in
 * the detail where it cannot be. */
static int dev_job(const wmel_ctx *ctx, vk_job *j, int s16, size_t n, size_t rows, size_t cols)
{
    vk_state *st = ctx->state;
    static float none; /* fout's stand-in: the output goes to the import (never written here) */
    memset(j, 0, sizeof *j);
    if (st->pfa) {
        pfa_job(j, NULL, NULL, n, 0, wmel_n_frames(n, 0), &none, ctx->params.n_mels, 0);
        pfa_fin_job(ctx, j, 1);
    } else {
        j->n = j->nr = n;
        j->nf = wmel__fe_computed(&ctx->fe->p, n);
        j->n_cols = st->n_cols;
        j->f32_out = 3;
        (void)fin_job(ctx, j, &none, rows, cols);
    }
    j->emit = NULL;
    j->check = 0;
    j->dev = s16 ? 2 : 1;
    size_t frame_cap, sig_cap, out_cap;
    round_caps(st, &frame_cap, &sig_cap, &out_cap);
    if (!j->fout || !j->nf || !job_fits(st, j) ||
        !(fin_whole(st, j, frame_cap, sig_cap, out_cap) ||
          (!st->sig_limit && fin_whole(st, j, INT32_MAX, sig_cap, out_cap)) || fin_growable(st, j, 1))) {
        wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: wmel_vulkan_features_device: the device does not "
                        "finish a clip of %zu samples whole (%zu x %zu values; wmel_features computes it from host "
                        "memory)", n, rows, cols);
        return 0;
    }
    return 1;
}

/* The ctx's refusal of clips in another device's memory (fn: the entry point, for the
 * detail), or the memories' UUIDs not the device's (pcm, out: NULL where not given yet). */
static int vkmem_ready(const wmel_ctx *ctx, const char *fn, const wmel_vulkan_memory *pcm,
                       const wmel_vulkan_memory *out)
{
    const vk_state *st = ctx->state;
    const char *why = dev_refusal(ctx);
    if (*why) return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s: %s", fn, why);
    unsigned char du[16], dr[16];
    int rc = vk_uuids(ctx, du, dr);
    if (rc != WMEL_OK) return rc;
    const wmel_vulkan_memory *m[2] = {pcm, out};
    for (int i = 0; i < 2; i++)
        if (m[i] && (memcmp(m[i]->device_uuid, du, 16) || memcmp(m[i]->driver_uuid, dr, 16)))
            return wmel__vk_detail(WMEL_ERR_INVALID_ARG, "Vulkan: %s: the %s memory's device or driver UUID is not "
                                   "%s's (wmel_vulkan_device_uuids): allocate it on that physical device", fn,
                                   i ? "output" : "samples'", wmel__vk_device_name(st->w));
    return WMEL_OK;
}

/* Clip b (of batch) of n samples at byte in_at of the samples' import, its per floats to byte
 * out_at of the output's (both imported: wmel__vk_import_fd), in a round of its own from its
 * job (dev_job's); the refusal of a sample or a feature with the clip named. */
static int vkmem_one(vk_state *st, const vk_job *proto, size_t el, size_t in_at, size_t n, size_t out_at, size_t per,
                     size_t b, size_t batch)
{
    vkw *w = st->w;
    vk_job job = *proto;
    size_t skip = 0;
    int rc;
    if ((rc = wmel__vk_bind_in(w, in_at, n * el, &skip)) != WMEL_OK ||
        (rc = wmel__vk_out_at(w, out_at, per * sizeof(float))) != WMEL_OK)
        return rc;
    job.dev_base = skip / el;
    rc = run_jobs(st, &job, 1);
    if (rc == WMEL_ERR_NO_MEMORY && !wmel__detail_get()[0])
        wmel__vk_detail(rc, "Vulkan: device memory for clip %zu's round", b);
    if (rc == WMEL_OK && !job.bad && job.fdone == 0) {
        rc = wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: clip %zu was not finished on the device", b);
    } else if (rc == WMEL_OK && (job.bad || job.fdone != 1)) {
        /* the CPU's status: a sample not finite before one past the range */
        rc = job.bad & 2 ? WMEL_ERR_NOT_FINITE : WMEL_ERR_SAMPLE_RANGE;
        wmel__vk_detail(rc, "Vulkan: wmel_vulkan_features_device: clip %zu (of %zu) %s; its output and the later "
                        "clips' are unspecified (wmel_features on the samples in host memory computes or refuses it)",
                        b, batch, job.bad & 2 ? "has a sample that is not finite (NaN or Inf)"
                                  : job.bad ? "has a sample past the device's bound"
                                            : "has a feature that is not finite");
    }
    return rc;
}

/* The two allocations imported for single clips (wmel__vk_import_fd), or the status. */
static int vkmem_import(vkw *w, const wmel_vulkan_memory *pcm, const wmel_vulkan_memory *out)
{
    int rc = wmel__vk_import_fd(w, 0, pcm->fd, pcm->memory_type, pcm->size, pcm->dedicated);
    if (rc == WMEL_OK) {
        rc = wmel__vk_import_fd(w, 1, out->fd, out->memory_type, out->size, out->dedicated);
        if (rc != WMEL_OK) wmel__vk_import_end(w);
    }
    return rc;
}

static int vk_features_vkmem(wmel_ctx *ctx, const wmel_vulkan_memory *pcm, int s16, size_t batch, size_t n,
                             size_t stride, size_t rows, size_t cols, const wmel_vulkan_memory *out)
{
    vk_state *st = ctx->state;
    int rc = vkmem_ready(ctx, "wmel_vulkan_features_device", batch ? pcm : NULL, batch ? out : NULL);
    if (rc != WMEL_OK || batch == 0) return rc;
    const size_t per = rows * cols, el = s16 ? 2 : 4; /* per > 0: the caller returns before */
    vk_job proto; /* every clip's job is the same but for where its samples are */
    if (!dev_job(ctx, &proto, s16, n, rows, cols)) return WMEL_ERR_BACKEND_UNAVAILABLE;
    if (pthread_mutex_lock(&st->lock) != 0) return WMEL_ERR_THREAD;
    vkw *w = st->w;
    rc = vkmem_import(w, pcm, out);
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++)
        rc = vkmem_one(st, &proto, el, (size_t)pcm->offset + b * stride * el, n,
                       (size_t)out->offset + b * per * sizeof(float), per, b, batch);
    wmel__vk_import_end(w);
    wmel__vk_import_out_end(w);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

/* The batch's jobs after their rounds (job k: clip idx[k]): WMEL_OK where every one was
 * finished on the device; else the first clip (in the batch's order) refused, *failed its
 * index. A round whose samples' flag was set marks each of its clips bad: those are run again
 * one at a time (vkmem_one, which names the clip), in order, until one is refused. */
static int vkmem_batch_end(vk_state *st, const vk_job *jobs, const size_t *idx, size_t m, int s16,
                           const wmel_vulkan_memory *pcm, const size_t *off, const size_t *n,
                           const wmel_vulkan_memory *out, const size_t *out_off, size_t batch, size_t *failed)
{
    const size_t el = s16 ? 2 : 4;
    int rc = WMEL_OK, imported = 0;
    for (size_t k = 0; rc == WMEL_OK && k < m; k++) {
        const vk_job *j = &jobs[k];
        const size_t b = idx[k];
        if (j->fdone == 1) continue;
        *failed = b;
        if (!j->bad && j->fdone == 2) { /* its own flag: a feature not finite */
            rc = wmel__vk_detail(WMEL_ERR_SAMPLE_RANGE, "Vulkan: wmel_vulkan_features_device_batch: clip %zu (of %zu) "
                                 "has a feature that is not finite; its output and the later clips' are unspecified",
                                 b, batch);
        } else if (!j->bad) {
            rc = wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: clip %zu was not finished on the device", b);
        } else { /* its round's samples' flag: the clip alone */
            if (!imported && (rc = vkmem_import(st->w, pcm, out)) != WMEL_OK) break;
            imported = 1;
            vk_job one = *j;
            one.fdb = one.obimp = one.bimp = 0, one.bad = 0, one.fdone = 0;
            one.dev = s16 ? 2 : 1;
            rc = vkmem_one(st, &one, el, (size_t)pcm->offset + off[b] * el, n[b],
                           (size_t)out->offset + out_off[b] * sizeof(float), j->fwords, b, batch); /* fwords: its output's */
            if (rc == WMEL_OK) atomic_fetch_add(&g_dev_clips, 1);
        }
    }
    if (imported) {
        wmel__vk_import_end(st->w);
        wmel__vk_import_out_end(st->w);
    }
    return rc;
}

/* Clip b's job of a batch (its samples and output in the batch's imports ki, ko), or 0 with
 * the refusal in the detail; *per its output's floats (0: nothing to write, no job). */
static int vkmem_batch_job(const wmel_ctx *ctx, vk_job *j, int s16, const wmel_vulkan_memory *pcm, size_t off,
                           size_t n, const wmel_vulkan_memory *out, size_t out_off, size_t *per)
{
    size_t rows = 0, cols = 0;
    if (wmel_features_shape(ctx, n, &rows, &cols) != WMEL_OK) /* the caller's checks make this impossible */
        return wmel__vk_detail(WMEL_ERR_INVALID_ARG, "Vulkan: a clip of %zu samples has no shape", n);
    *per = rows * cols;
    if (!*per) return WMEL_OK;
    if (!dev_job(ctx, j, s16, n, rows, cols)) return WMEL_ERR_BACKEND_UNAVAILABLE;
    const vk_state *st = ctx->state;
    size_t frame_cap, sig_cap, out_cap;
    round_caps(st, &frame_cap, &sig_cap, &out_cap);
    if (!fin_whole(st, j, frame_cap, sig_cap, out_cap) && !fin_whole(st, j, INT32_MAX, sig_cap, out_cap) &&
        !fin_growable(st, j, 0)) /* its samples copied into the round: their room too */
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: wmel_vulkan_features_device_batch: the device "
                               "does not finish a clip of %zu samples whole with its samples in the round (%zu x %zu "
                               "values; wmel_features computes it from host memory)", n, rows, cols);
    j->dev = 0;
    j->fdb = s16 ? 2 : 1;
    j->bskip = (size_t)pcm->offset + off * (s16 ? 2 : 4);
    j->oskip = (size_t)out->offset + out_off * sizeof(float);
    return WMEL_OK;
}

static int vk_features_vkmem_batch(wmel_ctx *ctx, const wmel_vulkan_memory *pcm, int s16, const size_t *off,
                                   const size_t *n, size_t batch, const wmel_vulkan_memory *out,
                                   const size_t *out_off, size_t *failed)
{
    vk_state *st = ctx->state;
    *failed = batch;
    int rc = vkmem_ready(ctx, "wmel_vulkan_features_device_batch", batch ? pcm : NULL, batch ? out : NULL);
    if (rc != WMEL_OK || batch == 0) return rc;
    vk_job *jobs = calloc(batch, sizeof *jobs);
    size_t *idx = malloc(batch * sizeof *idx), m = 0;
    if (!jobs || !idx) rc = WMEL_ERR_NO_MEMORY;
    for (size_t b = 0; rc == WMEL_OK && b < batch; b++) {
        size_t per = 0;
        rc = vkmem_batch_job(ctx, &jobs[m], s16, pcm, off[b], n[b], out, out_off[b], &per);
        if (rc != WMEL_OK) *failed = b;
        else if (per) idx[m++] = b;
    }
    if (rc == WMEL_OK && m && pthread_mutex_lock(&st->lock) != 0) rc = WMEL_ERR_THREAD;
    if (rc == WMEL_OK && m) {
        vkw *w = st->w;
        int ki = -1, ko = -1;
        rc = wmel__vk_bimport_fd(w, 0, pcm->fd, pcm->memory_type, pcm->size, pcm->dedicated, &ki);
        if (rc == WMEL_OK) rc = wmel__vk_bimport_fd(w, 1, out->fd, out->memory_type, out->size, out->dedicated, &ko);
        for (size_t k = 0; rc == WMEL_OK && k < m; k++) jobs[k].bimp = ki + 1, jobs[k].obimp = ko + 1;
        if (rc == WMEL_OK) {
            rc = run_jobs(st, jobs, m);
            if (rc == WMEL_ERR_NO_MEMORY && !wmel__detail_get()[0])
                wmel__vk_detail(rc, "Vulkan: device memory for the batch's rounds");
        }
        wmel__vk_bimport_end(w); /* (run_jobs ends them; not where it failed first) */
        if (rc == WMEL_OK) {
            size_t done = 0;
            for (size_t k = 0; k < m; k++) done += jobs[k].fdone == 1;
            atomic_fetch_add(&g_dev_clips, (long long)done);
            rc = vkmem_batch_end(st, jobs, idx, m, s16, pcm, off, n, out, out_off, batch, failed);
        }
        pthread_mutex_unlock(&st->lock);
    }
    free(jobs);
    free(idx);
    if (rc == WMEL_OK || rc == WMEL_ERR_VULKAN || rc == WMEL_ERR_NO_MEMORY || rc == WMEL_ERR_THREAD)
        *failed = batch; /* about no one clip */
    return rc;
}

/* ---- float-float's self-test at create ---- */

#define FF_SELF_TOL 1e-9 /* the device's own error is below 3e-12 (bench/results/2026-11-25-vulkan-lavapipe-verified.md) */
#define FF_SELF_FRAMES 4

/* A clip of known samples (two tones and a little noise) through the ctx's pipeline, its
 * first FF_SELF_FRAMES frames' values (the ends' padding among them) against the float64
 * reference's (wmel_ref_plan_stages' logmel; Whisper's geometry through its preset's plan):
 * WMEL_OK (also where the reference refuses the clip: no plan admitted today does);
 * VKW_DECLINE with the sentence in the detail when a value is off by more than
 * FF_SELF_TOL x max(1, |reference|) (a device whose float32 arithmetic loses float-float's
 * error terms: contraction into fma, a fused or unfused fma, flushed values -- about 1e-7
 * off); a dispatch's status when one fails. */
static int ff_self_test(const wmel_ctx *ctx, vk_state *st)
{
    wmel_frontend_plan plan;
    if (st->pfa) {
        if (wmel_frontend_preset(WMEL_FRONTEND_WHISPER, st->n_cols, &plan) != WMEL_OK) return WMEL_ERR_INVALID_ARG;
    } else {
        plan = ctx->fe->p;
    }
    plan.dither = 0.0;
    const size_t reach = (size_t)(plan.n_fft > plan.frame_length ? plan.n_fft : plan.frame_length) +
                         (size_t)plan.pad_left + (size_t)plan.pad_right + (size_t)(plan.frame_span);
    const size_t n = 2 * reach + (FF_SELF_FRAMES + 2) * st->hop, nc = (size_t)st->n_cols;
    /* the reference's log energy and log mels; with the device's cepstra, their DCT (the
       host's, in double) beside them */
    const size_t nr = st->ceps ? (size_t)ctx->fe->n_raw : nc;
    float *x = malloc(n * sizeof(float));
    double *vals = malloc(FF_SELF_FRAMES * nc * sizeof(double));
    double *ref = malloc(FF_SELF_FRAMES * (nr + nc) * sizeof(double));
    double *raw = malloc((nr + nc) * sizeof(double)); /* a frame's log energy and mels, then cepstra */
    int rc = x && vals && ref && raw ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    double worst = 0.0;
    size_t wt = 0, wc = 0; /* the worst value's frame and column */
    if (rc == WMEL_OK) {
        unsigned r = 12345u;
        for (size_t i = 0; i < n; i++) {
            r = r * 1664525u + 1013904223u;
            x[i] = (float)(0.25 * sin(0.0123 * (double)i) + 0.125 * sin(0.377 * (double)i + 0.5) +
                           0.03125 * ((double)(r >> 8) / 8388608.0 - 1.0));
        }
        vk_job job;
        memset(&job, 0, sizeof job);
        job.emit = gen_emit;
        job.f32 = x;
        job.n = job.nr = n;
        job.nf = FF_SELF_FRAMES;
        job.vals = vals;
        job.n_cols = st->n_cols;
        const size_t limit = st->sig_limit; /* the testing switch's rounds are the calls' */
        st->sig_limit = 0;
        rc = run_jobs(st, &job, 1);
        st->sig_limit = limit;
    }
    if (rc == WMEL_OK) {
        wmel_stage_span span = {0, FF_SELF_FRAMES, 1};
        wmel_plan_stage_out o;
        memset(&o, 0, sizeof o);
        o.logmel = ref;
        const int rr = wmel_ref_plan_stages(&plan, x, n, &span, &o); /* no reference: nothing to hold */
        double *want = ref; /* [n_cols][frames] */
        if (rr == WMEL_OK && st->ceps) { /* each frame's cepstra after the log mels */
            want = ref + FF_SELF_FRAMES * nr;
            for (size_t t = 0; t < FF_SELF_FRAMES; t++) {
                double *c = raw + nr;
                for (size_t m = 0; m < nr; m++) raw[m] = ref[m * FF_SELF_FRAMES + t];
                wmel__fe_ceps(ctx->fe, raw, c);
                for (size_t k = 0; k < nc; k++) want[k * FF_SELF_FRAMES + t] = c[k];
            }
        }
        for (size_t t = 0; rr == WMEL_OK && t < FF_SELF_FRAMES; t++)
            for (size_t c = 0; c < nc; c++) { /* logmel [n_cols][frames] */
                const double v = vals[t * nc + c], w = want[c * FF_SELF_FRAMES + t];
                const double e = fabs(v - w) / (fabs(w) > 1.0 ? fabs(w) : 1.0);
                if (!(e <= worst)) worst = e == e ? e : HUGE_VAL, wt = t, wc = c;
            }
    }
    free(x);
    free(vals);
    free(ref);
    free(raw);
    if (rc != WMEL_OK) return rc;
    /* WMEL_VULKAN_FF_FRAMECHECK=0, a diagnostic switch for a device that fails the check:
       the frames run on the device whatever their error, so that the tests' per-preset
       errors (and WMEL_VULKAN_FFT=0's direct DFT) show which stage loses float-float's
       terms there */
    const char *keep = wmel__test_env(WMEL__CFG_VULKAN_FF_FRAMECHECK);
    if (worst > FF_SELF_TOL && !(keep && !strcmp(keep, "0")))
        return wmel__vk_detail(VKW_DECLINE,
                               "Vulkan: float-float failed its self-test on %s: a frame's value is %.3g of max(1, "
                               "|value|) from the float64 reference's (at most %.0e expected; frame %zu, column "
                               "%zu of %zu); the frames run on the CPU", wmel__vk_device_name(st->w), worst,
                               FF_SELF_TOL, wt, wc, nc);
    return WMEL_OK;
}

/* ---- float64's finish self-test at create ---- */

/* The fixed clip: n samples (0.5 s), loud at both ends (two tones and a little noise, 0.8
 * of full scale at the end), exact zeros in the middle fifth (frames of silence: the log's
 * guard, the normalisation's spread between them). */
static void fin_clip(float *x, size_t n)
{
    const size_t a = n * 2 / 5, b = n * 3 / 5;
    unsigned r = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        r = r * 1664525u + 1013904223u;
        const double d = (double)i, noise = 0.05 * ((double)(r >> 8) / 8388608.0 - 1.0);
        x[i] = i < a    ? (float)(0.5 * sin(0.0731 * d) + 0.25 * sin(0.61 * d + 0.3) + noise)
               : i >= b ? (float)(0.6 * sin(0.0217 * d + 1.0) + 0.15 * sin(1.3 * d) + noise)
                        : 0.0f;
    }
}

/* Whisper's geometry: the fixed clip's output through the device's finish (dev) and the
 * host's on the device's frames (host), [n_mels][nf] each; *words their length. */
static int fin_pair_pfa(wmel_ctx *ctx, vk_state *st, const float *x, size_t n, float **dev, float **host,
                        size_t *words)
{
    const size_t nf = wmel_n_frames(n, 0);
    *words = nf * (size_t)ctx->params.n_mels;
    *dev = malloc(*words * sizeof(float));
    *host = malloc(*words * sizeof(float));
    if (!*dev || !*host) return WMEL_ERR_NO_MEMORY;
    wmel_clips c;
    memset(&c, 0, sizeof c);
    c.f32 = x;
    c.batch = 1;
    c.n = c.pcm_stride = n;
    c.batch_norm = WMEL_BATCH_PER_CLIP;
    c.out = *dev;
    c.out_len = *words;
    int fin = 0, rc = vk_clips(ctx, &c, &fin);
    if (rc == WMEL_OK && fin != WMEL_BACKEND_VULKAN) rc = VKW_DECLINE; /* not finished there: not judged */
    st->pfa_fin = 0; /* the host's finish of the device's frames */
    c.out = *host;
    if (rc == WMEL_OK) rc = vk_clips(ctx, &c, &fin);
    st->pfa_fin = 1;
    return rc;
}

/* Any other plan: the same, in the plan's layout (rows x cols). */
static int fin_pair_gen(wmel_ctx *ctx, const float *x, size_t n, float **dev, float **host, size_t *words)
{
    size_t rows = 0, cols = 0;
    int rc = wmel__fe_shape(&ctx->fe->p, n, &rows, &cols);
    if (rc != WMEL_OK) return rc;
    if (!(vk_plan_stages(ctx, n, rows, cols) & WMEL__STAGE_FINISH)) return VKW_DECLINE; /* not judged */
    const size_t nc = wmel__fe_computed(&ctx->fe->p, n), vb = ctx->vals_f32 ? sizeof(float) : sizeof(double);
    *words = rows * cols;
    *dev = malloc(*words * sizeof(float));
    *host = malloc(*words * sizeof(float));
    void *vals = malloc(nc * (size_t)ctx->fe->n_cols * vb + 1);
    rc = *dev && *host && vals ? vk_plan_finish(ctx, x, n, *dev, rows, cols) : WMEL_ERR_NO_MEMORY;
    if (rc == WMEL_OK) rc = vk_plan_frames(ctx, x, n, nc, vals); /* the host's finish of the device's frames */
    if (rc == WMEL_OK) rc = wmel__fe_cpu_given(ctx, x, n, *host, vals);
    if (rc == WMEL__HANDBACK) rc = VKW_DECLINE, (void)__atomic_exchange_n(&ctx->hb_kind, 0, __ATOMIC_RELAXED);
    free(vals);
    return rc;
}

/* The finish a ctx makes on the device, named for the sentence. */
static const char *fin_name(const vk_state *st)
{
    if (st->pfa) return st->fin_mode & VKW_FM_SMOOTH ? "Whisper's clamp and 3x3 average" : "Whisper's clamp";
    switch (st->fin_mode & VKW_FM_MV) {
    case 0:
    case 1: return st->fin_mode & VKW_FM_ALL ? "the normalisation over all columns" : "the per-feature normalisation";
    case 3: return "the clip's max clamp";
    default: return st->post ? "the post stage" : "the layout (no normalisation)";
    }
}

/* The fixed clip's bytes from the device's finish against the host's on the same frames:
 * "" into why where equal, else the sentence (the finish, the first value that differs,
 * both values, their distance in float32 steps, how many differ); 1 into *judged where the
 * device finished the clip. WMEL_OK, or the status of a dispatch that failed. */
static int fin_judge(wmel_ctx *ctx, vk_state *st, char *why, size_t len, int *judged)
{
    const size_t n = (size_t)(st->pfa ? 16000 : ctx->fe->p.sample_rate) / 2;
    float *x = malloc(n * sizeof(float)), *dev = NULL, *host = NULL;
    size_t words = 0;
    int rc = x ? WMEL_OK : WMEL_ERR_NO_MEMORY;
    if (rc == WMEL_OK) {
        fin_clip(x, n);
        rc = st->pfa ? fin_pair_pfa(ctx, st, x, n, &dev, &host, &words) : fin_pair_gen(ctx, x, n, &dev, &host, &words);
    }
    why[0] = '\0';
    *judged = rc == WMEL_OK;
    size_t first = words, off = 0;
    for (size_t i = 0; rc == WMEL_OK && i < words; i++)
        if (memcmp(&dev[i], &host[i], sizeof(float)) != 0) off++, first = first < words ? first : i;
    if (off) {
        int32_t a, b;
        memcpy(&a, &dev[first], 4);
        memcpy(&b, &host[first], 4);
        const long long steps = llabs((long long)(a < 0 ? INT32_MIN - a : a) - (long long)(b < 0 ? INT32_MIN - b : b));
        if (snprintf(why, len, "float64 finish self-test failed: %s of a fixed clip: %zu of %zu values off the host's, "
                 "the first [%zu] %.9g not %.9g (%lld float32 steps); the finish runs on the host", fin_name(st), off,
                 words, first, (double)dev[first], (double)host[first], steps) < 0)
            why[0] = '\0';
    }
    free(x);
    free(dev);
    free(host);
    return rc == VKW_DECLINE ? WMEL_OK : rc;
}

/* Before a float64 ctx's finish runs on the device: the fixed clip's finish judged
 * (fin_judge), once per device, driver, testing switch and finish in the process; where
 * its bytes differ, the finish runs on the host (st->f64_why, the ctx's note). WMEL_OK, or
 * the status of a dispatch that failed. */
static int f64_fin_self_test(wmel_ctx *ctx, vk_state *st)
{
    vkw_dev devs[VKW_MAX_DEVS];
    int n = 0;
    int rc = wmel__vk_list(devs, &n);
    if (rc != WMEL_OK || st->index >= n) return rc == WMEL_ERR_NO_MEMORY ? rc : WMEL_ERR_BACKEND_UNAVAILABLE;
    const int brk = wmel__vk_f64_break();
    const uint32_t kind = st->fin_mode | (st->post ? VKW_FM_POST : 0u) | (st->f64_fix ? 1u << 31 : 0u);
    char why[256];
    if (!wmel__vk_f64fin_kept(&devs[st->index], brk, kind, why, sizeof why)) {
        int judged = 0;
        if ((rc = fin_judge(ctx, st, why, sizeof why, &judged)) != WMEL_OK) return rc;
        if (judged) wmel__vk_f64fin_keep(&devs[st->index], brk, kind, why);
    }
    if (why[0]) {
        snprintf(st->f64_why, sizeof st->f64_why, "%s", why);
        snprintf(ctx->backend_note, sizeof ctx->backend_note, "%s", why);
        st->finish = st->pfa_fin = 0;
    }
    return WMEL_OK;
}

/* ---- accepts: what the backend takes of a plan, before a ctx is made ---- */

/* The plan's frames on the device (vk_init, vk_plan_frames): Whisper's geometry always, a
 * general plan the lowering takes (a framing the shader knows, not the windowed energy;
 * dithered where the device draws the noise: the sentence says so); dp: the lowered plan. */
static int vk_accepts_frames(const wmel_accept_q *q, wmel_devplan *dp, char *why, size_t len)
{
    const int ok = vk_lower(q->fe, dp);
    return wmel__answer(ok, why, len, "%s", dp->why);
}

/* The finish on the device with the frames (vk_init's st->finish, st->pfa_fin). */
static int vk_accepts_finish(const wmel_accept_q *q, char *why, size_t len)
{
    wmel_devplan dp;
    if (!vk_accepts_frames(q, &dp, why, len)) return 0;
    const wmel_fe *fe = q->fe;
    const wmel_frontend_plan *p = &fe->p;
    const char *env = wmel__env(WMEL__CFG_VULKAN_DEVICE_FINISH);
    if (env && !strcmp(env, "0"))
        return wmel__answer(0, why, len, "the switch WMEL_VULKAN_DEVICE_FINISH=0 keeps the finish on the host");
    if (fe->algo == &wmel__algo_pfa400)
        return p->norm == WMEL_NORM_WHOLE
                   ? wmel__answer(1, why, len, "Vulkan makes Whisper's clamp to the clip's max on the device")
                   : wmel__answer(0, why, len, "Whisper's geometry without the normalisation has no finish to make");
    const char *f64_env = wmel__test_env(WMEL__CFG_VULKAN_VALS_F64);
    const int f64_vals = f64_env && !strcmp(f64_env, "1");
    if (f64_vals) return wmel__answer(0, why, len, "the testing switch WMEL_VULKAN_VALS_F64=1 keeps the finish on the host");
    wmel_dp_limits lim;
    vk_limits(&lim);
    return wmel__devplan_finish_why(fe, &dp, &lim, "finish.comp", why, len);
}

static int vk_accepts(const wmel_accept_q *q, char *why, size_t len)
{
    const int c = wmel__accepts_common(WMEL_BACKEND_VULKAN, q, why, len);
    if (c >= 0) return c;
    if (q->op == WMEL__OP_KERNELS) return wmel__device_kernels(q, "Vulkan", why, len);
    if (q->op == WMEL_OP_FINISH) return vk_accepts_finish(q, why, len);
    if (q->op == WMEL_OP_DEVICE) { /* dev_refusal's rules */
        char inner[300];
        if (vk_accepts_finish(q, inner, sizeof inner))
            return wmel__answer(1, why, len, "wmel_vulkan_features_device takes the plan (%s; the device must import memory "
                                       "from file descriptors)", inner);
        return wmel__answer(0, why, len, "wmel_vulkan_features_device refuses the plan: %s", inner);
    }
    wmel_devplan dp;
    return vk_accepts_frames(q, &dp, why, len);
}

/* Vulkan's own entry points (vt->proc: the device-memory ones) */
static const wmel_proc_row vk_procs[] = {
    WMEL__PROC_ROW(features_vkmem, vk_features_vkmem),
    WMEL__PROC_ROW(features_vkmem_batch, vk_features_vkmem_batch),
    WMEL__PROC_ROW(vk_uuids, vk_uuids),
};

static wmel__proc_fn vk_proc(const char *name)
{
    return wmel__proc_find(vk_procs, sizeof vk_procs / sizeof vk_procs[0], name);
}

const wmel_backend_vt wmel__backend_vulkan = {
    .id = WMEL_BACKEND_VULKAN,
    .name = "vulkan",
    .available = vk_available,
    .init = vk_init,
    .free = vk_free,
    .clips = vk_clips,
    .op_backend = vk_op_backend,
    .plan_frames = vk_plan_frames,
    .plan_frames_batch = vk_plan_frames_batch,
    .pfa_frames_batch = vk_pfa_frames_batch,
    .plan_finish = vk_plan_finish,
    .auto_device = vk_auto_device,
    .accepts = vk_accepts,
    .devices = wmel__vk_devices,
    .proc = vk_proc,
    .plan_stages = vk_plan_stages,
    .clips_stages = vk_clips_stages,
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
    /* AUTO: the GPUs, or with WMEL_AUTO_PROBE=1 any device (its timing against the CPU decides) */
    const int pick = wmel__vk_pick(devs, n, 0, 0), gpu = wmel__vk_pick(devs, n, 0, wmel__auto_probe_mode(NULL) != 1);
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
