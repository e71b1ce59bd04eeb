/*
 * test_auto_probe.c -- AUTO's timing of a device backend against the CPU (src/backend.c,
 * src/probe.c), on the device backend named by the argument ("vulkan" or "cuda") where it
 * is the one AUTO reaches: the rule (the device at most 0.9 of the CPU's time), a bad
 * WMEL_AUTO_PROBE refused with a status that names it, WMEL_AUTO_PROBE=0 giving the choice
 * without timing, unset timing GPUs only, =1 timing any device (lavapipe, the CUDA
 * emulator): there the device is far slower than the CPU, so AUTO takes the CPU and the
 * output is the CPU backend's bytes; the verdict kept (a second ctx times nothing: the
 * table's counter); the testing switch WMEL_AUTO_PROBE_CPU_SCALE making the CPU look slow so
 * that the device is taken, its output then within 2e-5 x max(1, |ref|) of the float64
 * reference backend; a device that fails the timing giving the CPU, not a failed create;
 * and four threads creating the same class at once timing it once. Every device backend
 * AUTO reaches is a candidate for every plan (CUDA for a general plan too): each timed, its
 * own verdict, the fastest that meets the rule taken (wmel__auto_pick_among, held here on
 * its own too); in a build with both devices (the CUDA emulator and lavapipe) the reason names
 * both times and the ctx is the faster device's. Exit 77 (skipped) where AUTO reaches no
 * device of that backend. The planner mode in the params (params.auto_plan) over the
 * variable: WMEL_AUTO_ESTIMATE never times (the table's count stays 0, WMEL_AUTO_PROBE=1 set),
 * WMEL_AUTO_MEASURE_ANY times every device (CPU devices too, WMEL_AUTO_PROBE=0 set), and a
 * value not a WMEL_AUTO_* refused at every create with the field named.
 */
#define _GNU_SOURCE /* RTLD_NODELETE */
#include "testutil.h"
#include "internal.h"
#include "wmel.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#if defined(__linux__)
#include <dlfcn.h>
#endif
#include <stdlib.h>
#include <string.h>

#define N_THREADS 2
#define NS 48000 /* the clip compared: 3 s */

static int runs(void) { return wmel__kept_runs(WMEL__KEPT_AUTO); }

/* a ctx of the preset with AUTO's planner mode `plan` (params.auto_plan) */
static wmel_ctx *mk_plan(int backend, int frontend, int n_mels, int n_threads, int plan, int *st)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_threads = n_threads;
    p.auto_plan = plan;
    wmel_frontend_plan pl;
    *st = wmel_frontend_preset(frontend, n_mels, &pl);
    if (*st) return NULL;
    return wmel_create_plan(&p, &pl, st);
}

static wmel_ctx *mk(int backend, int frontend, int n_mels, int n_threads, int *st)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_threads = n_threads;
    wmel_frontend_plan pl;
    *st = wmel_frontend_preset(frontend, n_mels, &pl);
    if (*st) return NULL;
    return wmel_create_plan(&p, &pl, st);
}

/* c's features of the test clip into a new buffer (*len values); NULL on a failure */
static float *feats(wmel_ctx *c, const float *x, size_t *len)
{
    size_t rows = 0, cols = 0;
    if (!c || wmel_features_shape(c, NS, &rows, &cols) != WMEL_OK) return NULL;
    float *o = malloc(rows * cols * sizeof *o);
    if (o && wmel_features(c, x, NS, o, rows * cols) != WMEL_OK) {
        free(o);
        o = NULL;
    }
    *len = rows * cols;
    return o;
}

/* the AUTO ctx's output is the CPU backend's bytes */
static void same_as_cpu(wmel_ctx *c, int frontend, int n_mels, int n_threads, const float *x, const char *what)
{
    int st = 0;
    wmel_ctx *cpu = mk(WMEL_BACKEND_CPU, frontend, n_mels, n_threads, &st);
    size_t na = 0, nb = 0;
    float *a = feats(c, x, &na), *b = feats(cpu, x, &nb);
    CHECK(a && b && na == nb, "%s: features (%zu, %zu)", what, na, nb);
    if (a && b && na == nb) CHECK(!memcmp(a, b, na * sizeof *a), "%s: not the CPU backend's bytes", what);
    free(a), free(b);
    wmel_destroy(cpu);
}

/* the ctx's output within 2e-5 x max(1, |ref|) of the float64 reference backend */
static void within_bar(wmel_ctx *c, int frontend, int n_mels, const float *x, const char *what)
{
    int st = 0;
    wmel_ctx *ref = mk(WMEL_BACKEND_REF, frontend, n_mels, 1, &st);
    size_t na = 0, nb = 0;
    float *a = feats(c, x, &na), *b = feats(ref, x, &nb);
    CHECK(a && b && na == nb, "%s: features (%zu, %zu)", what, na, nb);
    double e = 0.0;
    for (size_t i = 0; a && b && na == nb && i < na; i++) {
        const double r = fabs((double)a[i] - (double)b[i]) / fmax(1.0, fabs((double)b[i]));
        e = r > e ? r : e;
    }
    printf("%s: %.3g from the reference\n", what, e);
    CHECK(e <= 2e-5, "%s: %.3g from the reference (2e-5 allowed)", what, e);
    free(a), free(b);
    wmel_destroy(ref);
}

/* The device the reason "AUTO: x, timed on a 30 s clip: cuda 1.00 ms, cpu ...; vulkan 2.00 ms,
   cpu ..." names with the smallest time, "none" where it names none that ran; *named: how
   many it names. */
static const char *fastest_in(const char *why, int *named)
{
    static const char *const names[2] = {"cuda", "vulkan"};
    const char *best = "none";
    double tb = 0.0;
    *named = 0;
    const char *list = strstr(why, "clip:");
    for (int i = 0; list && i < 2; i++) {
        char pat[16];
        snprintf(pat, sizeof pat, " %s ", names[i]);
        const char *at = strstr(list, pat);
        double t = 0.0;
        if (!at) continue;
        ++*named;
        if (sscanf(at + strlen(pat), "%lf ms", &t) == 1 && t > 0.0 && (tb == 0.0 || t < tb)) {
            tb = t;
            best = names[i];
        }
    }
    return best;
}

/* The device AUTO takes when the CPU looks slow: the one backend reached, or the faster of two */
static void check_taken(wmel_ctx *c, int nd, const char *one, const char *what)
{
    int named = 0;
    const char *why = c ? wmel_backend_reason(c) : "";
    const char *want = nd > 1 ? fastest_in(why, &named) : one;
    if (nd > 1) CHECK(named == nd, "%s: the reason names %d devices, %d reached: %s", what, named, nd, why);
    CHECK(c && !strcmp(wmel_backend_name(c), want), "%s: %s, want %s (%s)", what, c ? wmel_backend_name(c) : "none",
          want, why);
}

/* The rule among devices, each against its own CPU time */
static void rule_among(void)
{
    const double a[3][2] = {{0.5, 1.0}, {0.2, 1.0}, {0.1, 0.1}};
    CHECK(wmel__auto_pick_among(a, 3) == 1, "the fastest that meets the rule: %d", wmel__auto_pick_among(a, 3));
    const double b[2][2] = {{0.5, 1.0}, {0.5, 1.0}};
    CHECK(wmel__auto_pick_among(b, 2) == 0, "equal times: the first");
    const double c[2][2] = {{2.0, 1.0}, {0.0, 1.0}};
    CHECK(wmel__auto_pick_among(c, 2) == -1, "slower, did not run: the CPU");
    CHECK(wmel__auto_pick_among(c, 0) == -1, "no device: the CPU");
    const double d[2][2] = {{0.3, 1.0}, {0.25, 0.26}};
    CHECK(wmel__auto_pick_among(d, 2) == 0, "the faster device fails against its CPU time: the other");
    const double e[2][2] = {{0.3, 1.0}, {NAN, 1.0}};
    CHECK(wmel__auto_pick_among(e, 2) == 0, "a NaN time: not taken");
}

typedef struct racer {
    wmel_ctx *c;
    int st;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    r->c = mk(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 80, 3, &r->st);
    return NULL;
}

int main(int argc, char **argv)
{
#if defined(__linux__)
    (void)dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NODELETE); /* as test_vulkan.c: Mesa's kept allocations */
#endif
    const char *want = argc > 1 ? argv[1] : "vulkan";
    /* the rule */
    CHECK(wmel__auto_pick(0.9, 1.0) == 1, "0.9 of the CPU's time: the device");
    CHECK(wmel__auto_pick(0.95, 1.0) == 0, "0.95 of the CPU's time: the CPU");
    CHECK(wmel__auto_pick(2.0, 1.0) == 0, "slower device: the CPU");
    CHECK(wmel__auto_pick(0.0, 1.0) == 0, "the device did not run: the CPU");
    CHECK(wmel__auto_pick(1.0, 0.0) == 0, "the CPU did not run: the CPU");
    CHECK(wmel__auto_pick(NAN, 1.0) == 0, "a NaN time: the CPU");
    rule_among();

    t_unsetenv("WMEL_AUTO_PROBE");
    t_unsetenv("WMEL_AUTO_PROBE_CPU_SCALE");
    int st = 0;
    /* a bad value of either switch: AUTO's create refused, the switch named */
    t_setenv("WMEL_AUTO_PROBE", "often", 1);
    wmel_ctx *bad = mk(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 80, N_THREADS, &st);
    CHECK(bad == NULL && st == WMEL_ERR_INVALID_ARG, "WMEL_AUTO_PROBE=often: %d", st);
    CHECK(strstr(wmel_vulkan_error_detail(), "WMEL_AUTO_PROBE=often") != NULL, "detail: '%s'",
          wmel_vulkan_error_detail());
    wmel_destroy(bad);
    t_unsetenv("WMEL_AUTO_PROBE");
    t_setenv("WMEL_AUTO_PROBE_CPU_SCALE", "fast", 1);
    bad = mk(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 80, N_THREADS, &st);
    CHECK(bad == NULL && st == WMEL_ERR_INVALID_ARG, "WMEL_AUTO_PROBE_CPU_SCALE=fast: %d", st);
    CHECK(strstr(wmel_cuda_error_detail(), "WMEL_AUTO_PROBE_CPU_SCALE") != NULL, "detail: '%s'",
          wmel_cuda_error_detail());
    wmel_destroy(bad);
    t_unsetenv("WMEL_AUTO_PROBE_CPU_SCALE");
    /* params.auto_plan not a WMEL_AUTO_*: refused at every create, the field named */
    for (int bk = WMEL_BACKEND_AUTO; bk <= WMEL_BACKEND_CPU; bk += WMEL_BACKEND_CPU) {
        for (int v = -1; v <= 3; v += 4) {
            bad = mk_plan(bk, WMEL_FRONTEND_WHISPER, 80, N_THREADS, v, &st);
            CHECK(bad == NULL && st == WMEL_ERR_INVALID_ARG, "auto_plan %d, backend %d: %d", v, bk, st);
            CHECK(strstr(wmel_vulkan_error_detail(), "params.auto_plan") != NULL, "auto_plan %d: detail '%s'", v,
                  wmel_vulkan_error_detail());
            wmel_destroy(bad);
        }
    }
    /* a field set: WMEL_AUTO_PROBE's bad value is not read */
    t_setenv("WMEL_AUTO_PROBE", "often", 1);
    bad = mk_plan(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 80, N_THREADS, WMEL_AUTO_ESTIMATE, &st);
    CHECK(bad != NULL, "ESTIMATE with WMEL_AUTO_PROBE=often: %d", st);
    wmel_destroy(bad);
    t_unsetenv("WMEL_AUTO_PROBE");
    /* named backends never time */
    bad = mk(WMEL_BACKEND_CPU, WMEL_FRONTEND_WHISPER, 80, N_THREADS, &st);
    CHECK(bad && !strcmp(wmel_backend_reason(bad), "asked for by name"), "by name: '%s'",
          bad ? wmel_backend_reason(bad) : "");
    wmel_destroy(bad);
    CHECK(runs() == 0, "timings before any AUTO ctx: %d", runs());

    /* the device AUTO reaches when it may time any */
    t_setenv("WMEL_AUTO_PROBE", "1", 1);
    wmel_params p = wmel_default_params();
    p.n_threads = N_THREADS;
    const wmel_backend_vt *vt = wmel__backend_auto(&p);
    wmel_dev_id dev;
    memset(&dev, 0, sizeof dev);
    if (strcmp(vt->name, want) != 0 || !vt->auto_device || vt->auto_device(&p, &dev) != 0) {
        printf("skipped: AUTO reaches no %s device (it takes %s)\n", want, vt->name);
        t_unsetenv("WMEL_AUTO_PROBE");
        return t_done("test_auto_probe") ? 1 : 77;
    }
    /* the device backends AUTO reaches (each a candidate for every plan), how many on a GPU */
    int nd = 0, ngpu = 0, vk_gpu = 0;
    for (int id = WMEL_BACKEND_CUDA; id <= WMEL_BACKEND_VULKAN; id++) {
        const wmel_backend_vt *b = wmel__backend(id);
        wmel_dev_id bd;
        memset(&bd, 0, sizeof bd);
        if (!b || (b->available && !b->available(&p)) || !b->auto_device || b->auto_device(&p, &bd) != 0) continue;
        nd++;
        ngpu += bd.gpu != 0;
        vk_gpu |= id == WMEL_BACKEND_VULKAN && bd.gpu;
    }
    /* WMEL_AUTO_PROBE=0: the device as found (any CUDA device; a Vulkan GPU only), for a
       general plan a Vulkan GPU */
    const char *today = vt->id == WMEL_BACKEND_CUDA || dev.gpu ? vt->name : "cpu";
    const char *today_plan = vk_gpu ? "vulkan" : "cpu";
    printf("AUTO's device: %s, device %d, %s; %d device backends reached, %d on a GPU\n", vt->name, dev.index,
           dev.gpu ? "a GPU" : "a CPU device", nd, ngpu);
    float *x = malloc(NS * sizeof *x);
    if (!x) return 1;
    t_chirp(x, NS, 7u);

    /* =0: the choice as found, nothing timed */
    t_setenv("WMEL_AUTO_PROBE", "0", 1);
    wmel_ctx *c = mk(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 80, N_THREADS, &st);
    CHECK(c && !strcmp(wmel_backend_name(c), today), "=0: %s, not %s", c ? wmel_backend_name(c) : "none", today);
    printf("=0: %s: %s\n", wmel_backend_name(c), wmel_backend_reason(c));
    CHECK(runs() == 0, "=0 timed: %d", runs());
    wmel_destroy(c);

    /* the planner mode in the params, the variable saying the opposite: ESTIMATE never times
       (the choice as found), MEASURE_ANY times every device, CPU devices too */
    t_setenv("WMEL_AUTO_PROBE", "1", 1);
    c = mk_plan(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 80, N_THREADS, WMEL_AUTO_ESTIMATE, &st);
    CHECK(c && !strcmp(wmel_backend_name(c), today), "ESTIMATE: %s, not %s", c ? wmel_backend_name(c) : "none", today);
    CHECK(c && strstr(wmel_backend_reason(c), "timed on") == NULL, "ESTIMATE: %s", c ? wmel_backend_reason(c) : "");
    printf("ESTIMATE: %s: %s\n", c ? wmel_backend_name(c) : "none", c ? wmel_backend_reason(c) : "");
    CHECK(runs() == 0, "ESTIMATE timed: %d", runs());
    wmel_destroy(c);
    c = mk_plan(WMEL_BACKEND_AUTO, WMEL_FRONTEND_KALDI, 80, N_THREADS, WMEL_AUTO_ESTIMATE, &st);
    CHECK(c && !strcmp(wmel_backend_name(c), today_plan), "ESTIMATE, kaldi: %s", c ? wmel_backend_name(c) : "none");
    CHECK(runs() == 0, "ESTIMATE, kaldi: timed %d", runs());
    wmel_destroy(c);
    t_setenv("WMEL_AUTO_PROBE", "0", 1);
    c = mk_plan(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 128, 1, WMEL_AUTO_MEASURE_ANY, &st); /* a class of its own */
    CHECK(c != NULL, "MEASURE_ANY: create %d", st);
    CHECK(runs() == nd, "MEASURE_ANY: %d timings, %d devices", runs(), nd);
    CHECK(c && strstr(wmel_backend_reason(c), "timed on a 30 s clip") != NULL, "MEASURE_ANY: %s",
          c ? wmel_backend_reason(c) : "");
    if (!dev.gpu) CHECK(c && !strcmp(wmel_backend_name(c), "cpu"), "MEASURE_ANY on a CPU device: %s",
                        c ? wmel_backend_name(c) : "none");
    printf("MEASURE_ANY: %s: %s\n", c ? wmel_backend_name(c) : "none", c ? wmel_backend_reason(c) : "");
    wmel_destroy(c);
    const int r_any = runs();
    c = mk_plan(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 128, 1, WMEL_AUTO_MEASURE_ANY, &st); /* kept */
    CHECK(c != NULL && runs() == r_any, "MEASURE_ANY kept: create %d, %d timings", st, runs());
    wmel_destroy(c);
    /* ESTIMATE after a timing: nothing timed, the verdict not read */
    c = mk_plan(WMEL_BACKEND_AUTO, WMEL_FRONTEND_NEMO, 80, 1, WMEL_AUTO_ESTIMATE, &st);
    CHECK(c != NULL && runs() == r_any, "ESTIMATE after: create %d, %d timings", st, runs());
    wmel_destroy(c);
    const int r_fields = runs();

    /* unset: a GPU timed, a CPU device not (and for Vulkan not taken) */
    t_unsetenv("WMEL_AUTO_PROBE");
    c = mk(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 80, N_THREADS, &st);
    CHECK(c != NULL, "unset: create %d", st);
    CHECK(runs() == r_fields + ngpu, "unset: %d timings on %s", runs(), dev.gpu ? "a GPU" : "a CPU device");
    if (!dev.gpu) CHECK(c && !strcmp(wmel_backend_name(c), today), "unset: %s", c ? wmel_backend_name(c) : "none");
    wmel_destroy(c);

    /* =1: Whisper's geometry timed (once), then NeMo's */
    t_setenv("WMEL_AUTO_PROBE", "1", 1);
    int r0 = runs();
    c = mk(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 80, N_THREADS, &st);
    CHECK(c != NULL, "=1: create %d", st);
    CHECK(runs() == r0 + nd - ngpu, "=1: %d timings, %d before", runs(), r0);
    printf("whisper: %s: %s\n", wmel_backend_name(c), wmel_backend_reason(c));
    CHECK(c && strstr(wmel_backend_reason(c), "timed on a 30 s clip") != NULL, "reason: %s", wmel_backend_reason(c));
    if (!dev.gpu) CHECK(c && !strcmp(wmel_backend_name(c), "cpu"), "=1 on a CPU device: %s", wmel_backend_name(c));
    if (c && !strcmp(wmel_backend_name(c), "cpu")) same_as_cpu(c, WMEL_FRONTEND_WHISPER, 80, N_THREADS, x, "whisper");
    else if (c) within_bar(c, WMEL_FRONTEND_WHISPER, 80, x, "whisper on the device");
    wmel_destroy(c);
    r0 = runs();
    c = mk(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 80, N_THREADS, &st); /* kept: nothing timed */
    CHECK(c != NULL && runs() == r0, "kept: create %d, %d timings, %d before", st, runs(), r0);
    wmel_destroy(c);
    c = mk(WMEL_BACKEND_AUTO, WMEL_FRONTEND_NEMO, 80, N_THREADS, &st);
    CHECK(c != NULL, "nemo: create %d", st);
    CHECK(runs() == r0 + nd, "nemo: %d timings, %d before", runs(), r0); /* CUDA too: every plan */
    printf("nemo: %s: %s\n", wmel_backend_name(c), wmel_backend_reason(c));
    if (!dev.gpu) CHECK(c && !strcmp(wmel_backend_name(c), "cpu"), "nemo on a CPU device: %s", wmel_backend_name(c));
    if (c && !strcmp(wmel_backend_name(c), "cpu")) same_as_cpu(c, WMEL_FRONTEND_NEMO, 80, N_THREADS, x, "nemo");
    wmel_destroy(c);

    /* the CPU made to look slow: the device taken, within the bar */
    t_setenv("WMEL_AUTO_PROBE_CPU_SCALE", "1e9", 1);
    r0 = runs();
    c = mk(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 128, N_THREADS, &st);
    check_taken(c, nd, vt->name, "whisper 128, slow CPU");
    CHECK(runs() == r0 + nd, "slow CPU: %d timings, %d before", runs(), r0);
    printf("whisper 128, the CPU x 1e9: %s: %s\n", wmel_backend_name(c), wmel_backend_reason(c));
    if (c && strcmp(wmel_backend_name(c), "cpu")) within_bar(c, WMEL_FRONTEND_WHISPER, 128, x, "whisper 128 on the device");
    wmel_destroy(c);
    /* a general plan: every device a candidate, CUDA's too */
    c = mk(WMEL_BACKEND_AUTO, WMEL_FRONTEND_KALDI, 80, N_THREADS, &st);
    check_taken(c, nd, vt->name, "kaldi, slow CPU");
    CHECK(runs() == r0 + 2 * nd, "kaldi, slow CPU: %d timings, %d before", runs(), r0);
    printf("kaldi, the CPU x 1e9: %s: %s\n", c ? wmel_backend_name(c) : "none", c ? wmel_backend_reason(c) : "");
    if (c && strcmp(wmel_backend_name(c), "cpu")) within_bar(c, WMEL_FRONTEND_KALDI, 80, x, "kaldi on the device");
    wmel_destroy(c);
    /* =0 with it: the choice as found, nothing timed */
    t_setenv("WMEL_AUTO_PROBE", "0", 1);
    r0 = runs();
    c = mk(WMEL_BACKEND_AUTO, WMEL_FRONTEND_NEMO_LEGACY, 80, N_THREADS, &st);
    CHECK(c && !strcmp(wmel_backend_name(c), today_plan), "=0, slow CPU: %s",
          c ? wmel_backend_name(c) : "none");
    CHECK(runs() == r0, "=0, slow CPU: timed");
    wmel_destroy(c);

    /* a device that fails the timing: the CPU, and a ctx */
    if (vt->id == WMEL_BACKEND_VULKAN) {
        t_setenv("WMEL_AUTO_PROBE", "1", 1);
        t_setenv("WMEL_VULKAN_SIGNAL_LIMIT", "none", 1); /* the Vulkan ctx refused at create */
        r0 = runs();
        c = mk(WMEL_BACKEND_AUTO, WMEL_FRONTEND_WHISPER, 80, 1, &st);
        CHECK(c && !strcmp(wmel_backend_name(c), "cpu"), "a failing device: %s (%d)", c ? wmel_backend_name(c) : "none",
              st);
        CHECK(runs() == r0 + 1, "a failing device: %d timings, %d before", runs(), r0);
        CHECK(c && strstr(wmel_backend_reason(c), "did not run") != NULL, "a failing device: %s", wmel_backend_reason(c));
        printf("a failing device: %s\n", wmel_backend_reason(c));
        wmel_destroy(c);
        t_unsetenv("WMEL_VULKAN_SIGNAL_LIMIT");
    }
    t_unsetenv("WMEL_AUTO_PROBE_CPU_SCALE");

    /* four threads, one new class: one timing, one answer */
    t_setenv("WMEL_AUTO_PROBE", "1", 1);
    r0 = runs();
    racer rs[4];
    pthread_t th[4];
    int started = 0;
    for (int i = 0; i < 4; i++) {
        memset(&rs[i], 0, sizeof rs[i]);
        if (pthread_create(&th[i], NULL, race, &rs[i]) == 0) started++;
        else break;
    }
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    CHECK(started == 4, "threads started: %d", started);
    CHECK(runs() == r0 + nd, "four threads: %d timings, %d before", runs(), r0);
    for (int i = 0; i < started; i++) {
        CHECK(rs[i].c != NULL, "thread %d: create %d", i, rs[i].st);
        if (rs[i].c && rs[0].c)
            CHECK(!strcmp(wmel_backend_name(rs[i].c), wmel_backend_name(rs[0].c)), "thread %d: %s, thread 0 %s", i,
                  wmel_backend_name(rs[i].c), wmel_backend_name(rs[0].c));
    }
    for (int i = 0; i < started; i++) wmel_destroy(rs[i].c);
    t_unsetenv("WMEL_AUTO_PROBE");
    free(x);
    return t_done("test_auto_probe");
}
