/*
 * backend.c -- the backends built into this copy of libwmel, best first (ggml's backend
 * registry): CUDA when it was built (WMEL_HAVE_CUDA), Vulkan when it was built
 * (WMEL_HAVE_VULKAN; AUTO takes it for a GPU only), the SIMD CPU kernels, and the
 * float64 reference. api.c finds a backend here by id, or AUTO's choice.
 *
 * AUTO's device is not taken on faith: a device reached through host memory can be slower
 * than the CPU backend (on an H200 every case measured was). So where AUTO would take a
 * device backend, the first ctx a process creates for a (backend, device, front-end
 * geometry class) times the device against the CPU backend on the plan's own front-end
 * (probe.c: a 30 s clip, a warm-up, then the best of three each in turn, the CPU with the
 * ctx's threads) and takes the device only where it takes at most 0.9 of the CPU's time;
 * the verdict is kept for the process (probe.c's table), so later ctxs time nothing. A
 * timing that fails on the device is a verdict for the CPU. WMEL_AUTO_PROBE=0 never times
 * (the device, as before), =1 times any device AUTO can reach, a CPU device such as
 * lavapipe or the CUDA emulator included (which AUTO otherwise never times, and for Vulkan
 * never takes); unset, GPUs are timed.
 */
#include "internal.h"
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const wmel_backend_vt *const BACKENDS[] = {
#ifdef WMEL_HAVE_CUDA
    &wmel__backend_cuda,
#endif
#ifdef WMEL_HAVE_VULKAN
    &wmel__backend_vulkan,
#endif
    &wmel__backend_cpu,
    &wmel__backend_ref,
};
#define N_BACKENDS (sizeof BACKENDS / sizeof BACKENDS[0])

const wmel_backend_vt *wmel__backend(int id)
{
    for (size_t i = 0; i < N_BACKENDS; i++)
        if (BACKENDS[i]->id == id) return BACKENDS[i];
    return NULL;
}

const wmel_backend_vt *wmel__backend_auto(const wmel_params *p)
{
    for (size_t i = 0; i < N_BACKENDS; i++) {
        const wmel_backend_vt *vt = BACKENDS[i];
        if (vt->id == WMEL_BACKEND_REF) continue; /* the oracle only when asked for */
        if (!vt->available || vt->available(p)) return vt;
    }
    return &wmel__backend_cpu;
}

const wmel_backend_vt *wmel__backend_auto_plan(const wmel_params *p, int general)
{
#ifdef WMEL_HAVE_VULKAN
    if (general && wmel__backend_vulkan.available(p)) return &wmel__backend_vulkan;
#else
    (void)p;
    (void)general;
#endif
    return &wmel__backend_cpu;
}

/* ---------------------------------------------------------------- AUTO's timing */

/* the device where it takes at most this share of the CPU's time */
#define DEVICE_SHARE 0.9

int wmel__auto_pick(double t_dev, double t_cpu)
{
    return t_dev > 0.0 && t_cpu > 0.0 && t_dev <= DEVICE_SHARE * t_cpu;
}

int wmel__auto_probe_mode(void) { return wmel__env_bool(WMEL__CFG_AUTO_PROBE); }

/* WMEL_AUTO_PROBE_CPU_SCALE (a testing switch): the CPU's time is multiplied by it before
 * the rule, so that a test can have the device taken; 1 unset, -1 for a bad value. */
static double cpu_scale(void)
{
    const char *env = wmel__test_env(WMEL__CFG_AUTO_PROBE_CPU_SCALE);
    if (!env || !*env) return 1.0;
    char *end = NULL;
    const double v = strtod(env, &end);
    return end && *end == '\0' && v > 0.0 && v < 1e30 ? v : -1.0;
}

/* The kept verdict's key: the backend, its device, and the geometry class of the plan (the
 * algorithm and the quantities its cost follows), the ctx's threads and the arithmetic
 * asked for; ints and bytes only, zeroed first: compared as bytes. */
typedef struct auto_key {
    int backend, index, algo, n_fft, frame_length, hop, n_mels, n_ceps, norm, n_threads, vulkan_arith, smooth, cols;
    unsigned char dev[WMEL__DEV_ID];
} auto_key;

_Static_assert(sizeof(auto_key) <= WMEL__KEPT_KEY, "the key fits the table's");

typedef struct auto_job {
    const wmel_auto_plan *ap;
    const wmel_backend_vt *vt;
    const wmel_dev_id *dev;
} auto_job;

/* The device ctx and the CPU's, timed in turn (probe.c's pair); v->t[0] the device, t[1]
 * the CPU (0: it could not run), v->pick 1 for the device. */
static void measure(void *arg, wmel_verdict *v)
{
    const auto_job *j = arg;
    wmel_params p = j->ap->p;
    wmel_ctx *c[2] = {NULL, NULL};
    int st = 0;
    p.backend = j->vt->id;
    if (j->vt->id == WMEL_BACKEND_VULKAN) p.vulkan_device = j->dev->index + 1;
    c[0] = wmel__create(&p, j->ap->plan, j->ap->keep_smooth, j->ap->cols, &st);
    p.backend = WMEL_BACKEND_CPU;
    c[1] = wmel__create(&p, j->ap->plan, j->ap->keep_smooth, j->ap->cols, &st);
    const char *const where[2] = {j->vt->name, NULL};
    wmel__probe_pair(c, where, v->t);
    v->t[1] *= cpu_scale(); /* 1 but for the testing switch, checked at create */
    v->pick = wmel__auto_pick(v->t[0], v->t[1]);
    for (int a = 0; a < 2; a++) wmel_destroy(c[a]);
}

static int algo_class(const wmel_algo *a)
{
    return a == &wmel__algo_pfa400 ? 1 : a == &wmel__algo_general ? 2 : a == &wmel__algo_pfa400_snip ? 3 : 0;
}

static void ms(char *buf, size_t len, double t)
{
    if (t > 0.0) snprintf(buf, len, "%.2f ms", t * 1e3);
    else snprintf(buf, len, "did not run");
}

int wmel__backend_auto_check(void)
{
    if (!wmel__backend(WMEL_BACKEND_CUDA) && !wmel__backend(WMEL_BACKEND_VULKAN)) return WMEL_OK; /* nothing to time */
    char msg[160];
    if (wmel__auto_probe_mode() == -2) {
        snprintf(msg, sizeof msg, "WMEL_AUTO_PROBE=%.64s: expected 0 or 1", wmel__env(WMEL__CFG_AUTO_PROBE));
        wmel__detail(msg);
        return WMEL_ERR_INVALID_ARG;
    }
    if (cpu_scale() < 0.0) {
        const char *v = wmel__test_env(WMEL__CFG_AUTO_PROBE_CPU_SCALE);
        snprintf(msg, sizeof msg, "WMEL_AUTO_PROBE_CPU_SCALE=%.64s: expected a positive number", v ? v : "");
        wmel__detail(msg);
        return WMEL_ERR_INVALID_ARG;
    }
    return WMEL_OK;
}

int wmel__backend_auto_timed(const wmel_backend_vt **vt, const wmel_auto_plan *ap, char *why, size_t why_len)
{
    const wmel_backend_vt *dv = *vt;
    const int mode = wmel__auto_probe_mode();
    wmel_dev_id dev;
    memset(&dev, 0, sizeof dev);
    if (mode == 0) {
        snprintf(why, why_len, "AUTO: %s, not timed (WMEL_AUTO_PROBE=0)", dv->name);
        return WMEL_OK;
    }
    if (!dv->auto_device || dv->auto_device(&ap->p, &dev) != 0) {
        snprintf(why, why_len, "AUTO: %s, not timed (its device could not be named)", dv->name);
        return WMEL_OK;
    }
    if (mode != 1 && !dev.gpu) {
        snprintf(why, why_len, "AUTO: %s, not timed (a CPU device; WMEL_AUTO_PROBE=1 times it)", dv->name);
        return WMEL_OK;
    }
    auto_key key;
    memset(&key, 0, sizeof key);
    const wmel_frontend_plan *pl = ap->plan;
    key.backend = dv->id;
    key.index = dev.index;
    key.algo = algo_class(ap->algo);
    key.n_fft = pl->n_fft;
    key.frame_length = pl->frame_length;
    key.hop = pl->hop;
    key.n_mels = pl->n_mels;
    key.n_ceps = pl->n_ceps;
    key.norm = pl->norm;
    key.n_threads = ap->p.n_threads;
    key.vulkan_arith = dv->id == WMEL_BACKEND_VULKAN ? ap->p.vulkan_arith : 0;
    key.smooth = ap->keep_smooth ? ap->p.smooth : 0;
    key.cols = ap->cols != NULL;
    memcpy(key.dev, dev.id, sizeof key.dev);
    auto_job job = {ap, dv, &dev};
    wmel_verdict v;
    if (wmel__kept_get(WMEL__KEPT_AUTO, &key, sizeof key, measure, &job, &v) != 0) {
        snprintf(why, why_len, "AUTO: %s, not timed (the table's lock failed)", dv->name);
        return WMEL_OK;
    }
    if (!v.pick) *vt = &wmel__backend_cpu;
    char a[32], b[32];
    ms(a, sizeof a, v.t[0]);
    ms(b, sizeof b, v.t[1]);
    snprintf(why, why_len, "AUTO: %s, timed on a 30 s clip: %s %s, cpu %s (the device where it takes at most %.1f of "
             "the CPU's time)", (*vt)->name, dv->name, a, b, DEVICE_SHARE);
    return WMEL_OK;
}
