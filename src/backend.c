/*
 * backend.c -- the backends built into this copy of libwmel, best first (ggml's backend
 * registry): CUDA when it was built (WMEL_HAVE_CUDA), Vulkan when it was built
 * (WMEL_HAVE_VULKAN; AUTO takes it for a GPU only), the SIMD CPU kernels, and the
 * float64 reference. The one creator (wmel__create, at the end) finds a backend here by id,
 * or AUTO's choice, and has the ctx made (ctx.c).
 *
 * AUTO's device is not taken on faith: a device reached through host memory can be slower
 * than the CPU backend (on an H200 every case measured was). AUTO's candidates are every
 * device backend built and available whose accepts() takes the plan's frames (for Whisper's
 * geometry on its own kernels: the devices' rule, wmel__device_kernels). Where one is a GPU
 * (or the mode is MEASURE_ANY), the first ctx a process creates for a (backend, device, front-end
 * geometry class) times that device against the CPU backend on the plan's own front-end
 * (probe.c: a 30 s clip, a warm-up, then the best of three each in turn, the CPU with the
 * ctx's threads), each candidate its own verdict, and AUTO takes the fastest device that
 * takes at most 0.9 of the CPU's time, else the CPU; the verdicts are kept for the process
 * (probe.c's table), so later ctxs time nothing. A timing that fails on the device is a
 * verdict for the CPU. The mode is AUTO's planner flag (FFTW's ESTIMATE and MEASURE),
 * params.auto_plan: WMEL_AUTO_MEASURE (the default) times only GPUs; where no candidate is
 * a GPU (the CUDA emulator, lavapipe), and in WMEL_AUTO_ESTIMATE, AUTO takes the first
 * device as found, untimed: for Whisper's geometry the first available of CUDA and Vulkan,
 * for a general plan a Vulkan GPU, else the CPU. WMEL_AUTO_MEASURE_ANY times any device AUTO
 * can reach, a CPU device included. Where the field is left at WMEL_AUTO_MEASURE, the
 * variable WMEL_AUTO_PROBE overrides it (0: ESTIMATE, 1: MEASURE_ANY). The timing creates
 * its own ctxs by name (wmel__create) and runs them through wmel__clip_run (probe.c): no
 * public entry point.
 */
#include "internal.h"
#include "config.h"
#include "fe/fe.h"

#include <stdarg.h>
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

wmel__proc_fn wmel__proc_find(const wmel_proc_row *rows, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (!strcmp(rows[i].name, name)) return rows[i].fn;
    return NULL;
}

wmel__proc_fn wmel__backend_proc(const wmel_backend_vt *vt, const char *name)
{
    return vt && vt->proc ? vt->proc(name) : NULL;
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

int wmel__auto_probe_mode(const wmel_params *p)
{
    if (p && p->auto_plan == WMEL_AUTO_ESTIMATE) return 0;
    if (p && p->auto_plan == WMEL_AUTO_MEASURE_ANY) return 1;
    return wmel__env_bool(WMEL__CFG_AUTO_PROBE); /* the default's override, where the field leaves it */
}

/* The words naming the mode m (wmel__auto_probe_mode's) in a reason: the field's value, or
 * the variable's. */
static const char *mode_words(const wmel_params *p, int m)
{
    if (p->auto_plan == WMEL_AUTO_ESTIMATE) return "params.auto_plan WMEL_AUTO_ESTIMATE";
    if (p->auto_plan == WMEL_AUTO_MEASURE_ANY) return "params.auto_plan WMEL_AUTO_MEASURE_ANY";
    return m == 0 ? "WMEL_AUTO_PROBE=0" : "WMEL_AUTO_PROBE=1";
}

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
    c[0] = wmel__create(p, j->ap->plan, j->ap->keep_smooth, j->ap->cols, &st);
    p.backend = WMEL_BACKEND_CPU;
    c[1] = wmel__create(p, j->ap->plan, j->ap->keep_smooth, j->ap->cols, &st);
    const char *const where[2] = {j->vt->name, NULL};
    wmel__probe_pair(c, where, v->t);
    v->t[1] *= cpu_scale(); /* 1 but for the testing switch, checked at create */
    v->pick = wmel__auto_pick(v->t[0], v->t[1]);
    for (int a = 0; a < 2; a++) wmel__ctx_free(c[a]);
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

int wmel__auto_plan_check(const wmel_params *p)
{
    if (p->auto_plan == WMEL_AUTO_MEASURE || p->auto_plan == WMEL_AUTO_ESTIMATE || p->auto_plan == WMEL_AUTO_MEASURE_ANY)
        return WMEL_OK;
    char msg[200];
    snprintf(msg, sizeof msg, "params.auto_plan %d: expected WMEL_AUTO_MEASURE (0), WMEL_AUTO_ESTIMATE (1) or "
             "WMEL_AUTO_MEASURE_ANY (2)", p->auto_plan);
    wmel__detail(msg);
    return WMEL_ERR_INVALID_ARG;
}

int wmel__cuda_arith_check(const wmel_params *p)
{
    if (p->cuda_arith >= WMEL_CUDA_ARITH_AUTO && p->cuda_arith <= WMEL_CUDA_ARITH_FLOAT_FLOAT) return WMEL_OK;
    char msg[200];
    snprintf(msg, sizeof msg, "params.cuda_arith %d: expected WMEL_CUDA_ARITH_AUTO (0), WMEL_CUDA_ARITH_FLOAT64 (1) or "
             "WMEL_CUDA_ARITH_FLOAT_FLOAT (2)", p->cuda_arith);
    wmel__detail(msg);
    return WMEL_ERR_INVALID_ARG;
}

int wmel__backend_auto_check(const wmel_params *p)
{
    if (!wmel__backend(WMEL_BACKEND_CUDA) && !wmel__backend(WMEL_BACKEND_VULKAN)) return WMEL_OK; /* nothing to time */
    char msg[160];
    if (wmel__auto_probe_mode(p) == -2) {
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

/* The kept verdict for device backend dv on its device dev and the plan's geometry class
 * (timed the first time); -1 where the table's lock failed. */
static int auto_verdict(const wmel_backend_vt *dv, const wmel_dev_id *dev, const wmel_auto_plan *ap, wmel_verdict *v)
{
    auto_key key;
    memset(&key, 0, sizeof key);
    const wmel_frontend_plan *pl = ap->plan;
    key.backend = dv->id;
    key.index = dev->index;
    key.algo = algo_class(ap->algo);
    key.n_fft = pl->n_fft;
    key.frame_length = pl->frame_length;
    key.hop = pl->hop;
    key.n_mels = pl->n_mels;
    key.n_ceps = pl->n_ceps;
    key.norm = pl->norm;
    key.n_threads = ap->p.n_threads;
    key.vulkan_arith = dv->id == WMEL_BACKEND_VULKAN ? ap->p.vulkan_arith : dv->id == WMEL_BACKEND_CUDA ? ap->p.cuda_arith : 0;
    key.smooth = ap->keep_smooth ? ap->p.smooth : 0;
    key.cols = ap->cols != NULL;
    memcpy(key.dev, dev->id, sizeof key.dev);
    auto_job job = {ap, dv, dev};
    return wmel__kept_get(WMEL__KEPT_AUTO, &key, sizeof key, measure, &job, v) != 0 ? -1 : 0;
}

/* AUTO's one device backend, today's rule (backend.c's comment): timed against the CPU
 * where it is a GPU or the mode is MEASURE_ANY, else taken as it is. */
static int auto_timed_one(const wmel_backend_vt **vt, const wmel_auto_plan *ap, char *why, size_t why_len)
{
    const wmel_backend_vt *dv = *vt;
    const int mode = wmel__auto_probe_mode(&ap->p);
    wmel_dev_id dev;
    memset(&dev, 0, sizeof dev);
    if (mode == 0) {
        snprintf(why, why_len, "AUTO: %s, not timed (%s)", dv->name, mode_words(&ap->p, mode));
        return WMEL_OK;
    }
    if (!dv->auto_device || dv->auto_device(&ap->p, &dev) != 0) {
        snprintf(why, why_len, "AUTO: %s, not timed (its device could not be named)", dv->name);
        return WMEL_OK;
    }
    if (mode != 1 && !dev.gpu) {
        snprintf(why, why_len, "AUTO: %s, not timed (a CPU device; WMEL_AUTO_MEASURE_ANY or WMEL_AUTO_PROBE=1 times "
                 "it)", dv->name);
        return WMEL_OK;
    }
    wmel_verdict v;
    if (auto_verdict(dv, &dev, ap, &v) != 0) {
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

int wmel__auto_pick_among(const double (*t)[2], int n)
{
    int best = -1;
    for (int i = 0; i < n; i++)
        if (wmel__auto_pick(t[i][0], t[i][1]) && (best < 0 || t[i][0] < t[best][0])) best = i;
    return best;
}

/* A device backend AUTO may take for the plan on its algorithm: built (a device backend),
 * available for these params, and its device nameable; Whisper's geometry where the devices'
 * kernels serve it (devices), the general algorithm where its accepts() takes the plan's
 * frames. *dev: its device. */
static int auto_candidate(const wmel_backend_vt *vt, const wmel_auto_plan *ap, int devices, const struct wmel_fe *fe,
                          wmel_dev_id *dev)
{
    if (vt->id != WMEL_BACKEND_CUDA && vt->id != WMEL_BACKEND_VULKAN) return 0;
    if ((vt->available && !vt->available(&ap->p)) || !vt->auto_device) return 0;
    memset(dev, 0, sizeof *dev);
    if (vt->auto_device(&ap->p, dev) != 0) return 0;
    if (ap->algo != &wmel__algo_general) return devices;
    const wmel_accept_q q = {ap->plan, ap->algo, fe, WMEL_OP_LOG_MEL};
    return fe && wmel__accepts(vt, &q, NULL, 0) == 1;
}

/* Every candidate timed against the CPU (each its own kept verdict; mode -1: the GPUs only),
 * the fastest that meets the share rule taken, else the CPU; every time named in why. */
static void auto_race(const wmel_backend_vt **vt, const wmel_auto_plan *ap, const wmel_backend_vt *const *cand,
                      const wmel_dev_id *devs, int n, char *why, size_t why_len)
{
    double t[N_BACKENDS][2];
    const wmel_backend_vt *timed[N_BACKENDS];
    int m = 0;
    const int mode = wmel__auto_probe_mode(&ap->p);
    for (int i = 0; i < n; i++) {
        if (mode != 1 && !devs[i].gpu) continue; /* a CPU device: timed only by MEASURE_ANY */
        wmel_verdict v;
        memset(&v, 0, sizeof v);
        if (auto_verdict(cand[i], &devs[i], ap, &v) != 0) v.t[0] = v.t[1] = 0.0; /* the lock: not a candidate */
        timed[m] = cand[i];
        t[m][0] = v.t[0];
        t[m][1] = v.t[1];
        m++;
    }
    const int w = wmel__auto_pick_among((const double (*)[2])t, m);
    *vt = w >= 0 ? timed[w] : &wmel__backend_cpu;
    int at = snprintf(why, why_len, "AUTO: %s, timed on a 30 s clip:", (*vt)->name);
    for (int i = 0; i < m && at >= 0 && (size_t)at < why_len; i++) {
        char a[32], b[32];
        ms(a, sizeof a, t[i][0]);
        ms(b, sizeof b, t[i][1]);
        at += snprintf(why + at, why_len - (size_t)at, "%s %s %s, cpu %s", i ? ";" : "", timed[i]->name, a, b);
    }
    if (at >= 0 && (size_t)at < why_len)
        snprintf(why + at, why_len - (size_t)at, " (the %s where it takes at most %.1f of the CPU's time)",
                 m > 1 ? "fastest device" : "device", DEVICE_SHARE);
}

int wmel__backend_auto_choose(const wmel_backend_vt **vt, const wmel_auto_plan *ap, int devices, char *why,
                              size_t why_len)
{
    const int general = ap->algo == &wmel__algo_general, mode = wmel__auto_probe_mode(&ap->p);
    const wmel_backend_vt *cand[N_BACKENDS];
    wmel_dev_id devs[N_BACKENDS];
    int n = 0, gpus = 0;
    if (mode != 0 && (general || devices)) {
        struct wmel_fe *fe = NULL;
        if (general && wmel__plan_compile(ap->plan, ap->algo, &fe) != WMEL_OK) fe = NULL;
        for (size_t i = 0; i < N_BACKENDS; i++)
            if (auto_candidate(BACKENDS[i], ap, devices, fe, &devs[n])) {
                gpus += devs[n].gpu != 0;
                cand[n++] = BACKENDS[i];
            }
        if (fe) wmel__plan_release(fe);
    }
    if (n > 0 && (mode == 1 || gpus > 0)) {
        auto_race(vt, ap, cand, devs, n, why, why_len);
        return WMEL_OK;
    }
    /* nothing to time (ESTIMATE, or no GPU and not MEASURE_ANY): the first device as found */
    *vt = devices ? wmel__backend_auto(&ap->p) : wmel__backend_auto_plan(&ap->p, general);
    if (*vt == &wmel__backend_cpu && general && mode == 0)
        snprintf(why, why_len, "AUTO: cpu (not timed (%s): a general plan takes a Vulkan GPU as found, and none is "
                 "available)", mode_words(&ap->p, mode));
    else if (*vt == &wmel__backend_cpu)
        snprintf(why, why_len, "AUTO: cpu (%s)",
                 devices    ? "no device backend available"
                 : !general ? "no device backend serves this plan"
                 : n > 0     ? "no GPU to time the devices on; WMEL_AUTO_MEASURE_ANY or WMEL_AUTO_PROBE=1 times every "
                               "device"
                             : "no device backend available takes the plan's frames");
    else
        auto_timed_one(vt, ap, why, why_len);
    return WMEL_OK;
}

/* ---------------------------------------------------------------- accepts: the device layer's answers */

int wmel__accepts(const wmel_backend_vt *vt, const wmel_accept_q *q, char *why, size_t why_len)
{
    if (why && why_len) why[0] = '\0';
    if (!vt->accepts) {
        if (why && why_len) snprintf(why, why_len, "%s takes every plan", vt->name);
        return 1;
    }
    return vt->accepts(q, why, why_len);
}

int wmel__answer(int v, char *why, size_t len, const char *fmt, ...)
{
    if (why && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
    }
    return v;
}

int wmel__device_kernels(const wmel_accept_q *q, const char *name, char *why, size_t why_len)
{
    static const char rule[] = "%s's frames serve Whisper's geometry with the data's max (its own kernels) and every "
                               "plan of the general algorithm";
    char r[200];
    snprintf(r, sizeof r, rule, name ? name : "a device");
    if (q->algo == &wmel__algo_pfa400_snip)
        return wmel__answer(0, why, why_len, "%s: this plan, Whisper's geometry with snip edges, runs on the general algorithm", r);
    if (q->algo == &wmel__algo_pfa400 && (q->plan->norm_flags & WMEL_NORMF_FIXED_MAX))
        return wmel__answer(0, why, why_len, "%s: this plan, Whisper's geometry with a fixed max, runs on the general algorithm",
                   r);
    return wmel__answer(1, why, why_len, "%s: this plan runs on the %s algorithm", r, q->algo->name);
}

int wmel__accepts_common(int id, const wmel_accept_q *q, char *why, size_t why_len)
{
    const int host = id == WMEL_BACKEND_CPU || id == WMEL_BACKEND_REF;
    if (q->op == WMEL_OP_STREAM) {
        if (id == WMEL_BACKEND_CPU)
            return wmel__answer(1, why, why_len, "the frame engine (wmel_stream_*, wmel_sliding_*, wmel_windows_*, wmel_long_*) "
                                        "runs on the CPU backend");
        if (id == WMEL_BACKEND_REF && q->algo == &wmel__algo_pfa400)
            return wmel__answer(1, why, why_len, "the frame engine runs the float64 reference's block on Whisper's geometry");
        return wmel__answer(0, why, why_len, "the frame engine (wmel_stream_*, wmel_sliding_*, wmel_windows_*, wmel_long_*) "
                                    "runs this plan on the CPU backend%s",
                   host ? "" : " (it has no device path)");
    }
    if (q->op == WMEL_OP_DEVICE && !host && q->plan->n_samples > 0)
        return wmel__answer(0, why, why_len, "the plan's n_samples %d cuts or pads the clip first, on the host: clips "
                                    "in device memory are refused; wmel_features takes it", q->plan->n_samples);
    if (q->op == WMEL_OP_DEVICE && host)
        return wmel__answer(0, why, why_len, "the %s backend reads host memory only: clips in device memory take a CUDA or "
                                    "Vulkan ctx", id == WMEL_BACKEND_CPU ? "CPU" : "reference");
    return -1;
}

int wmel__cpu_accepts(const wmel_accept_q *q, char *why, size_t why_len)
{
    const int c = wmel__accepts_common(WMEL_BACKEND_CPU, q, why, why_len);
    if (c >= 0) return c;
    if (q->op == WMEL__OP_KERNELS)
        return wmel__answer(1, why, why_len, "the CPU backend has kernels for every algorithm: this plan runs on the %s "
                                    "algorithm", q->algo->name);
    return wmel__answer(1, why, why_len, "the CPU backend computes every plan's frames and finish");
}

int wmel__ref_accepts(const wmel_accept_q *q, char *why, size_t why_len)
{
    const int c = wmel__accepts_common(WMEL_BACKEND_REF, q, why, why_len);
    if (c >= 0) return c;
    if (q->op == WMEL__OP_KERNELS && q->algo == &wmel__algo_pfa400_snip)
        return wmel__answer(0, why, why_len, "the float64 reference computes Whisper's geometry with snip edges on the general "
                                    "algorithm (the reference of any geometry)");
    if (q->op == WMEL__OP_KERNELS)
        return wmel__answer(1, why, why_len, "the float64 reference runs this plan on the %s algorithm", q->algo->name);
    return wmel__answer(1, why, why_len, "the float64 reference computes every plan, each stage in double");
}

static const char *backend_label(int id)
{
    return id == WMEL_BACKEND_CUDA ? "CUDA" : id == WMEL_BACKEND_VULKAN ? "Vulkan" : id == WMEL_BACKEND_CPU ? "CPU" : "ref";
}

int wmel_backend_accepts(int backend, const wmel_frontend_plan *plan, int op, char *why, size_t why_len)
{
    if (why && why_len) why[0] = '\0';
    if (!plan) return WMEL_ERR_NULL_POINTER;
    if (backend < WMEL_BACKEND_REF || backend > WMEL_BACKEND_VULKAN)
        return wmel__answer(WMEL_ERR_INVALID_ARG, why, why_len, "backend %d: expected WMEL_BACKEND_REF, CPU, CUDA or VULKAN",
                   backend);
    if (op < WMEL_OP_LOG_MEL || op > WMEL_OP_FINISH)
        return wmel__answer(WMEL_ERR_INVALID_ARG, why, why_len, "op %d: expected a WMEL_OP_* (0 to %d)", op, WMEL_OP_FINISH);
    const wmel_backend_vt *vt = wmel__backend(backend);
    if (!vt)
        return wmel__answer(WMEL_ERR_NOT_BUILT, why, why_len, "the %s backend was not built (WMEL_%s=OFF)", backend_label(backend),
                   backend == WMEL_BACKEND_CUDA ? "CUDA" : "VULKAN");
    int rc = wmel_plan_check(plan, why, why_len);
    if (rc != WMEL_OK) return rc;
    /* the algorithm a ctx of wmel_create_plan(plan) on this backend runs (api.c's create) */
    wmel_accept_q q = {plan, wmel__plan_algo(plan), NULL, WMEL__OP_KERNELS};
    if (!wmel__accepts(vt, &q, NULL, 0)) q.algo = &wmel__algo_general;
    struct wmel_fe *fe = NULL;
    rc = wmel__plan_compile(plan, q.algo, &fe);
    if (rc != WMEL_OK) return wmel__answer(rc, why, why_len, "%s", wmel_strerror(rc));
    q.fe = fe;
    q.op = op;
    rc = wmel__accepts(vt, &q, why, why_len);
    wmel__plan_release(fe);
    return rc;
}

/* ---------------------------------------------------------------- the devices */

int wmel__cpu_devices(wmel_device *out, int cap)
{
    if (cap < 1 || !out) return 1;
    static const char *const isa[] = {"auto", "c", "avx2", "avx512", "neon", "simd128"};
    const int level = wmel__isa_level(WMEL_ISA_AUTO), cpu = wmel__cpu_isa();
    memset(out, 0, sizeof *out);
    out->backend = WMEL_BACKEND_CPU;
    out->usable = 1;
    snprintf(out->name, sizeof out->name, "cpu");
    snprintf(out->kind, sizeof out->kind, "CPU");
    snprintf(out->arith, sizeof out->arith, "float32 %s", level >= 0 && level <= 5 ? isa[level] : "?");
    if (level != cpu)
        snprintf(out->self_test, sizeof out->self_test, "none (the CPU runs %s; capped at %s by WMEL_MAX_ISA)",
                 cpu >= 0 && cpu <= 5 ? isa[cpu] : "?", level >= 0 && level <= 5 ? isa[level] : "?");
    else
        snprintf(out->self_test, sizeof out->self_test, "none (its ISA level is read from the CPU)");
    return 1;
}

int wmel_devices(wmel_device *out, size_t cap, size_t *n)
{
    if (!n || (!out && cap)) return WMEL_ERR_NULL_POINTER;
    *n = 0;
    const int order[] = {WMEL_BACKEND_CPU, WMEL_BACKEND_CUDA, WMEL_BACKEND_VULKAN};
    size_t at = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const wmel_backend_vt *vt = wmel__backend(order[i]);
        if (!vt || !vt->devices) continue;
        const int room = at < cap ? (int)(cap - at < 1024 ? cap - at : 1024) : 0;
        const int k = vt->devices(room ? out + at : NULL, room);
        if (k > 0) at += (size_t)k;
    }
    *n = at;
    return WMEL_OK;
}

/* ---------------------------------------------------------------- the one creator */

static wmel_ctx *fail(int *status, int code)
{
    if (status) *status = code;
    return NULL;
}

/* The one creator: params and plan checked once, the algorithm chosen by the plan's
 * geometry (algo.c), the backend among those that serve the algorithm (by name, or AUTO's
 * rule and timing), then the ctx made for them (ctx.c: the plan compiled, the kernels
 * picked for the ISA level). keep_smooth: params.smooth applies (wmel_create on
 * Whisper's front-end); else it is ignored, as it always was for a plan. cols: NULL, or
 * the per-column affine {col_scale, col_shift} (n_cols values each, checked), which the
 * general algorithm applies whatever the geometry. */
wmel_ctx *wmel__create(wmel_params p, const wmel_frontend_plan *plan, int keep_smooth, const double *const *cols,
                       int *status)
{
    wmel__detail(""); /* a failure's detail is this create's own, not an earlier call's */
    int rc = wmel__fe_check(plan);
    if (rc) return fail(status, rc);
    if (!keep_smooth) p.smooth = WMEL_SMOOTH_NONE;
    if ((rc = wmel__auto_plan_check(&p)) != WMEL_OK || (rc = wmel__cuda_arith_check(&p)) != WMEL_OK)
        return fail(status, rc);
    if (p.backend < WMEL_BACKEND_AUTO || p.backend > WMEL_BACKEND_VULKAN || p.vulkan_device < 0 ||
        p.vulkan_arith < WMEL_VULKAN_ARITH_AUTO || p.vulkan_arith > WMEL_VULKAN_ARITH_FLOAT_FLOAT ||
        p.max_isa < WMEL_ISA_AUTO || p.max_isa > WMEL_ISA_WASM_SIMD128 || p.n_threads < 0 ||
        p.cuda_device < 0 || (p.smooth != WMEL_SMOOTH_NONE && p.smooth != WMEL_SMOOTH_3X3) ||
        (p.device_check != 0 && p.device_check != 1))
        return fail(status, WMEL_ERR_INVALID_ARG);
    /* the ctx's params say the plan's front-end (its norm is the frame driver's) */
    const wmel_algo *algo = cols ? &wmel__algo_general : wmel__plan_algo(plan);
    /* a backend asked for by name whose kernels do not take the plan's algorithm (its
       accepts says why: the reference, the devices) runs it on the general algorithm */
    wmel_accept_q q = {plan, algo, NULL, WMEL__OP_KERNELS};
    const wmel_backend_vt *named = p.backend == WMEL_BACKEND_AUTO ? NULL : wmel__backend(p.backend);
    if (named && !wmel__accepts(named, &q, NULL, 0)) algo = q.algo = &wmel__algo_general;
    p.n_mels = plan->n_mels;
    p.frontend = plan->frontend;
    p.norm = plan->norm;
    if (!algo->smooth) p.smooth = WMEL_SMOOTH_NONE;
    const wmel_backend_vt *vt;
    char why[sizeof ((wmel_ctx *)0)->backend_why];
    snprintf(why, sizeof why, "asked for by name");
    /* AUTO's device kernels where the algorithm has them and the devices' rule takes it */
    const int devices = algo->devices && wmel__device_kernels(&q, NULL, NULL, 0);
    if (p.backend == WMEL_BACKEND_AUTO) {
        if ((rc = wmel__backend_auto_check(&p)) != WMEL_OK) return fail(status, rc);
        const wmel_auto_plan ap = {p, plan, keep_smooth, cols, algo};
        wmel__backend_auto_choose(&vt, &ap, devices, why, sizeof why);
    } else {
        vt = wmel__backend(p.backend);
    }
    if (!vt || (vt->available && !vt->available(&p)))
        return fail(status, WMEL_ERR_BACKEND_UNAVAILABLE);
    wmel_ctx *ctx = wmel__ctx_make(p, plan, keep_smooth, cols, algo, vt, why, status);
    /* where the finish will be made before any call (wmel_op_backend's WMEL_OP_FINISH): the
       plan's rule on a device, the host's own backend else; each call then notes its own */
    if (ctx && (vt->id == WMEL_BACKEND_CUDA || vt->id == WMEL_BACKEND_VULKAN))
        wmel__sched_note_finish(ctx, wmel_backend_accepts(vt->id, &ctx->fe->p, WMEL_OP_FINISH, NULL, 0) == 1
                                         ? vt->id
                                         : WMEL_BACKEND_CPU);
    return ctx;
}

/* The kind (WMEL__HB_*) of the run-time hand-back that sent the most recent call's stage op
 * to the host (the scheduler's record, sched.c; the twin's where the twin took the call), 0
 * none. */
static int handback_kind(const wmel_ctx *ctx, int op)
{
    if (ctx->twin && __atomic_load_n(&ctx->twin_ran, __ATOMIC_RELAXED)) return 0; /* the CPU's kernels' samples */
    if (op == WMEL_OP_FINISH) return __atomic_load_n(&ctx->hb_finish, __ATOMIC_RELAXED);
    if (__atomic_load_n(&ctx->clips_ran[op], __ATOMIC_RELAXED)) return __atomic_load_n(&ctx->hb_clips[op], __ATOMIC_RELAXED);
    return __atomic_load_n(&ctx->hb_frames, __ATOMIC_RELAXED);
}

int wmel_op_reason(const wmel_ctx *ctx, int op, char *why, size_t why_len)
{
    if (why && why_len) *why = '\0';
    if (!ctx) return WMEL_ERR_NULL_POINTER;
    if (op < WMEL_OP_LOG_MEL || op > WMEL_OP_FINISH || op == WMEL_OP_DEVICE || op == WMEL_OP_STREAM)
        return WMEL_ERR_INVALID_ARG;
    const int id = ctx->vt->id;
    if ((id != WMEL_BACKEND_CUDA && id != WMEL_BACKEND_VULKAN) || strcmp(wmel__op_backend(ctx, op), "cpu")) return 0;
    const int hb = handback_kind(ctx, op);
    if (hb) { /* the scheduler's record of a run-time hand-back */
        if (why && why_len)
            snprintf(why, why_len, "the %s device handed this call back to the host at run time: %s", ctx->vt->name,
                     hb == WMEL__HB_MEMORY ? "its memory was short"
                                           : "a sample past its arithmetic's range or not finite, or a value not "
                                             "finite (the CPU's kernels decide)");
        return 1;
    }
    if (op == WMEL_OP_FINISH && !strcmp(wmel__op_backend(ctx, WMEL_OP_LOG_MEL), "cpu")) {
        if (why && why_len) snprintf(why, why_len, "with the frames");
        return 1;
    }
    char s[320] = "";
    if (wmel_backend_accepts(id, &ctx->fe->p, op, s, sizeof s) == 0) {
        if (why && why_len) snprintf(why, why_len, "%s", s);
    } else if (why && why_len) {
        snprintf(why, why_len, "the %s device takes the plan but not on this ctx: its self-test, its shared "
                               "memory or the clip's sizes (wmel devices)", ctx->vt->name);
    }
    return 1;
}
