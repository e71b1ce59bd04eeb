/*
 * test_cuda_plan.c -- plans on the CUDA backend (wmel_create_plan with WMEL_BACKEND_CUDA;
 * every preset against the reference and the CPU is tests/conformance/test_backends.c's):
 * Whisper's geometry on its own kernels, every other plan's frames on k_plan_frames,
 * finished on the device where k_plan_finish makes the plan's finish (test_cuda_finish holds
 * it to the host's), else on the CPU. The variants below are held to the float64 reference
 * backend at 2e-5 x max(1, |ref|) and their statuses to the CPU backend's, on speech,
 * silence, full-scale noise, clipped speech, the edge lengths 0, 1, one frame and one frame
 * +- 1 sample (and one hop more), and a NaN; wmel_op_backend() says "cuda" for each. A batch
 * (wmel_features_batch: the clips' frames in one device pass) gives each clip's
 * wmel_features bytes. What the device does not compute falls back with the CPU backend's
 * bytes: the windowed energy (a dithered plan runs on the device, its noise drawn there),
 * and the device-pointer entry point refuses
 * a plan that is not Whisper's. The frames' values read back as float32 give the bytes and
 * statuses of float64's (WMEL_CUDA_VALS_F64=1). Whisper's geometry in a batch of mixed
 * lengths (one device pass) gives each clip's single-call bytes and a NaN clip's status at
 * its index. The direct DFT (forced with WMEL_CUDA_FFT=0) and a few
 * variants (signal and padded pre-emphasis with reflection or zeros, NeMo's time mask,
 * Kaldi's reflection, the floored log energy, Whisper's geometry with snip framing or a
 * fixed max: k_plan_frames, not Whisper's kernels) are held to the bar too.
 *
 * All of it twice: in float64 and in float-float (WMEL_CUDA_ARITHMETIC=float64, then
 * =float-float; Whisper's geometry float64 either way), each plan's kernel named for its
 * arithmetic (cuda-f64-*, cuda-ff-*). Float-float's frame values (before the finish,
 * read back as float64) are held to float64's at 1e-9 x max(1, |value|) on every preset
 * (its own error is about 2^-44; float32 arithmetic would be about 1e-7 off); a bad
 * WMEL_CUDA_ARITHMETIC is refused (WMEL_ERR_INVALID_ARG, the switch named in
 * wmel_cuda_error_detail()), AUTO then on the CPU; an empty one is unset. Speech scaled
 * from 1e-30 to 1e20 gives float64's statuses and values within the bar in float-float (a
 * clip past float's range for its powers runs the float64 kernel).
 *
 * Without a usable device: every plan on CUDA by name is refused with
 * WMEL_ERR_BACKEND_UNAVAILABLE, and the test reports skipped (77).
 */
#define _GNU_SOURCE /* setenv */
#include "internal.h"
#include "fe/fe.h"
#include "testutil.h"
#include "wmel.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAR 2e-5
#define FF_BAR 1e-9 /* float-float's frame values vs float64's, x max(1, |value|) */

static const char *const ARITH[2] = {"float64", "float-float"};
static int g_arith; /* the arithmetic under test: 0 float64, 1 float-float */

static wmel_ctx *plan_ctx(const wmel_frontend_plan *plan, int backend, int *st)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_threads = 2;
    return wmel_create_plan(&p, plan, st);
}

/* One plan's three ctxs: CUDA, the float64 reference, the CPU. */
typedef struct trio {
    wmel_ctx *c[3];
    const char *name;
    int on_cpu; /* the device hands the frames to the CPU (the windowed energy) */
} trio;

static int trio_open(trio *t, const char *name, const wmel_frontend_plan *plan)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    t->on_cpu = plan->energy_windowed; /* a dithered plan: the device draws the noise */
    const int be[3] = {WMEL_BACKEND_CUDA, WMEL_BACKEND_REF, WMEL_BACKEND_CPU};
    for (int i = 0; i < 3; i++) {
        int st;
        t->c[i] = plan_ctx(plan, be[i], &st);
        CHECK(t->c[i] != NULL, "%s: create on backend %d: %s (%s)", name, be[i], wmel_strerror(st),
              wmel_cuda_error_detail());
    }
    if (t->c[0]) CHECK(!strcmp(wmel_backend_name(t->c[0]), "cuda"), "%s: backend %s", name, wmel_backend_name(t->c[0]));
    return t->c[0] && t->c[1] && t->c[2];
}

static void trio_close(trio *t)
{
    for (int i = 0; i < 3; i++) wmel_destroy(t->c[i]);
}

/* x[0 .. n) on the three: CUDA vs the reference (the bar) and the CPU (its bytes where the
 * frames fall back); the same status on all three. Returns CUDA's error vs the reference. */
static double cmp_plan(trio *t, const float *x, size_t n, const char *what)
{
    double err = 0.0;
    size_t rows = 0, cols = 0;
    const int sh = wmel_features_shape(t->c[0], n, &rows, &cols);
    const size_t total = sh == WMEL_OK ? rows * cols : 0;
    float *o[3];
    int rc[3];
    for (int i = 0; i < 3; i++) {
        o[i] = malloc((total ? total : 1) * sizeof(float));
        rc[i] = wmel_features(t->c[i], x, n, o[i], total);
    }
    CHECK(rc[0] == rc[1] && rc[0] == rc[2], "%s %s n=%zu: status cuda %d ref %d cpu %d (%s)", t->name, what, n, rc[0],
          rc[1], rc[2], wmel_cuda_error_detail());
    if (rc[0] == WMEL_OK && rc[1] == WMEL_OK && rc[2] == WMEL_OK) {
        err = t_rel_err_ff(o[0], o[1], total);
        CHECK(err <= BAR, "%s %s n=%zu: error vs the float64 reference %g (bar %g; the CPU's %g)", t->name, what, n,
              err, BAR, t_rel_err_ff(o[2], o[1], total));
        const char *ob = wmel_op_backend(t->c[0], WMEL_OP_LOG_MEL);
        if (total) CHECK(!strcmp(ob, t->on_cpu ? "cpu" : "cuda"), "%s %s n=%zu: ran on %s", t->name, what, n, ob);
        if (t->on_cpu)
            CHECK(!memcmp(o[0], o[2], total * sizeof(float)), "%s %s n=%zu: the fallback's bytes are not the CPU's",
                  t->name, what, n);
    }
    for (int i = 0; i < 3; i++) free(o[i]);
    return err;
}

/* A plan on speech, the edge signals and lengths and a NaN; its worst error. */
static double plan_sweep(const char *name, const wmel_frontend_plan *plan, float *x, const float *speech, size_t ns,
                         char *kernel, size_t kernel_len)
{
    trio tr;
    double pe = 0.0;
    snprintf(kernel, kernel_len, "-");
    if (trio_open(&tr, name, plan)) {
        /* on the device: Whisper's kernels or k_plan_frames (a dithered plan's too) */
        snprintf(kernel, kernel_len, "%s", wmel_kernel_name(tr.c[0]));
        CHECK(!strncmp(kernel, tr.on_cpu ? "cpu-" : "cuda-", tr.on_cpu ? 4 : 5), "%s: kernel %s", name, kernel);
        /* k_plan_frames in the asked arithmetic, Whisper's kernels too */
        if (!tr.on_cpu) {
            const int pfa = !strncmp(kernel, "cuda-f64fft-", 12) || !strncmp(kernel, "cuda-fffft-", 11);
            const char *want = pfa ? (g_arith ? "cuda-fffft-" : "cuda-f64fft-") : g_arith ? "cuda-ff-" : "cuda-f64-";
            CHECK(!strncmp(kernel, want, strlen(want)), "%s %s: kernel %s", name, ARITH[g_arith], kernel);
        }
        const size_t clip = 5600; /* 0.35 s */
        memcpy(x, speech, clip * sizeof(float));
        pe = cmp_plan(&tr, x, clip, "speech");
        for (int kind = 0; kind < 3; kind++) {
            t_edge_signal(x, 3000, kind, speech, ns);
            pe = fmax(pe, cmp_plan(&tr, x, 3000, kind == 0 ? "silence" : kind == 1 ? "noise" : "clipped"));
        }
        const size_t fl = (size_t)(plan->n_fft > plan->frame_length ? plan->n_fft : plan->frame_length);
        const size_t el[] = {0, 1, fl - 1, fl, fl + 1, fl + (size_t)plan->hop};
        for (size_t li = 0; li < sizeof el / sizeof el[0]; li++) {
            t_edge_signal(x, el[li], 3, speech, ns);
            pe = fmax(pe, cmp_plan(&tr, x, el[li], "edge"));
        }
        t_edge_signal(x, 1000, 3, speech, ns);
        x[100] = NAN; /* the CPU's status */
        cmp_plan(&tr, x, 1000, "nan");
    }
    trio_close(&tr);
    return pe;
}

/* wmel_features_batch on CUDA: each clip's wmel_features bytes (the same kernel on the same
 * samples), clips of mixed lengths (one too short for any frame). */
/* Each clip's output, and the single call's, of the ctx's shape for n[b] samples. */
static void clip_bufs(wmel_ctx *c, const size_t *n, int count, size_t *len, float **out, float **one)
{
    for (int b = 0; b < count; b++) {
        size_t rows = 0, cols = 0;
        wmel_features_shape(c, n[b], &rows, &cols);
        len[b] = rows * cols;
        out[b] = malloc((len[b] ? len[b] : 1) * sizeof(float));
        one[b] = malloc((len[b] ? len[b] : 1) * sizeof(float));
    }
}

static void batch_check(const char *name, const float *speech)
{
    wmel_frontend_plan plan;
    char msg[200];
    if (wmel_preset_plan(name, &plan, msg, sizeof msg) != WMEL_OK) return;
    int st;
    wmel_ctx *c = plan_ctx(&plan, WMEL_BACKEND_CUDA, &st);
    CHECK(c != NULL, "%s batch: create %d", name, st);
    if (!c) return;
    enum { B = 4 };
    const size_t lens[B] = {4000, 2600, 7321, 2500};
    const float *pcm[B];
    size_t n[B], out_len[B];
    float *out[B], *one[B];
    for (int b = 0; b < B; b++) pcm[b] = speech + 977 * b, n[b] = lens[b];
    clip_bufs(c, n, B, out_len, out, one);
    size_t failed = 0;
    const int rb = wmel_features_batch(c, pcm, n, B, out, out_len, &failed);
    for (int b = 0; b < B; b++) {
        const int r1 = wmel_features(c, pcm[b], n[b], one[b], out_len[b]);
        CHECK(rb == WMEL_OK && r1 == WMEL_OK && !memcmp(out[b], one[b], out_len[b] * sizeof(float)),
              "%s batch clip %d: not wmel_features' bytes (batch %d at %zu, clip %d)", name, b, rb, failed, r1);
    }
    if (rb == WMEL_OK)
        CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "cuda"), "%s batch: ran on %s", name,
              wmel_op_backend(c, WMEL_OP_LOG_MEL));
    for (int b = 0; b < B; b++) free(out[b]), free(one[b]);
    wmel_destroy(c);
}

/* Whisper's geometry in wmel_features_batch (the backend's pfa_frames_batch: one device
 * pass for clips of mixed lengths, the finish on the host): each clip the bytes of its
 * single wmel_features call, 80 and 128 mels, smoothed or not; a NaN clip's status with its
 * index, the clips before it computed. */
static void whisper_batch_check(const float *speech, size_t ns)
{
    enum { B = 37 };
    for (int v = 0; v < 3; v++) {
        wmel_params p = wmel_default_params();
        p.backend = WMEL_BACKEND_CUDA;
        p.n_threads = 2;
        p.n_mels = v == 1 ? 128 : 80;
        if (v == 2) p.smooth = WMEL_SMOOTH_3X3;
        int st = 0;
        wmel_ctx *c = wmel_create(&p, &st);
        CHECK(c != NULL, "whisper %d: create %d", v, st);
        if (!c) continue;
        const float *pcm[B];
        size_t n[B], len[B];
        float *out[B], *one[B];
        for (int b = 0; b < B; b++) {
            n[b] = b == 0 ? 201 : b == 1 ? 202 : b == 2 ? 399 : (size_t)(1000 + 4567 * b) % (ns - 1);
            pcm[b] = speech + (size_t)(13 * b) % 1000;
            if (n[b] + 1000 > ns) n[b] = ns - 1000;
        }
        clip_bufs(c, n, B, len, out, one);
        size_t failed = 0;
        const int rb = wmel_features_batch(c, pcm, n, B, out, len, &failed);
        int same = 1, rc1 = WMEL_OK;
        for (int b = 0; b < B; b++) {
            const int r = wmel_features(c, pcm[b], n[b], one[b], len[b]);
            if (r != WMEL_OK && rc1 == WMEL_OK) rc1 = r;
            if (r == WMEL_OK && rb == WMEL_OK && memcmp(out[b], one[b], len[b] * sizeof(float))) same = 0;
        }
        CHECK(rb == WMEL_OK && rc1 == WMEL_OK, "whisper %d batch: status %d, single calls %d (failed %zu)", v, rb,
              rc1, failed);
        CHECK(same, "whisper %d batch: a clip not its single call's bytes", v);
        CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "cuda"), "whisper %d batch ran on %s", v,
              wmel_op_backend(c, WMEL_OP_LOG_MEL));
        /* a NaN in clip 5: its status and index; the clips before it computed */
        float *bad = malloc(n[5] * sizeof(float));
        if (bad) {
            memcpy(bad, pcm[5], n[5] * sizeof(float));
            bad[n[5] / 2] = NAN;
            const float *keep = pcm[5];
            pcm[5] = bad;
            for (int b = 0; b < B; b++) memset(out[b], 0, len[b] * sizeof(float));
            const int rn = wmel_features_batch(c, pcm, n, B, out, len, &failed);
            CHECK(rn == WMEL_ERR_NOT_FINITE && failed == 5, "whisper %d NaN clip: %d at %zu", v, rn, failed);
            for (int b = 3; b < 5; b++)
                CHECK(!memcmp(out[b], one[b], len[b] * sizeof(float)), "whisper %d NaN batch: clip %d", v, b);
            pcm[5] = keep;
            free(bad);
        }
        for (int b = 0; b < B; b++) free(out[b]), free(one[b]);
        wmel_destroy(c);
    }
}

/* The frame values (before the finish; float64 read back) of `plan` on 9000 samples of
 * speech in both arithmetics; float-float's largest difference from float64's, relative to
 * max(1, |value|), held to FF_BAR. -1 where a ctx has no device frames. */
static double raw_check(const char *name, const wmel_frontend_plan *plan, const float *speech)
{
    enum { N = 9000 };
    wmel_ctx *c[2];
    double *v[2] = {NULL, NULL};
    int st = 0;
    size_t nc = 0, nv = 0;
    t_setenv("WMEL_CUDA_VALS_F64", "1", 1);
    for (int a = 0; a < 2; a++) {
        t_setenv("WMEL_CUDA_ARITHMETIC", ARITH[a], 1);
        c[a] = plan_ctx(plan, WMEL_BACKEND_CUDA, &st);
        CHECK(c[a] != NULL, "%s raw values %s: create %d", name, ARITH[a], st);
    }
    t_setenv("WMEL_CUDA_ARITHMETIC", ARITH[g_arith], 1);
    t_unsetenv("WMEL_CUDA_VALS_F64");
    double err = -1.0;
    if (c[0] && c[1] && c[0]->vt->plan_frames && !c[0]->vals_f32 && !c[1]->vals_f32 &&
        !strncmp(wmel_kernel_name(c[1]), "cuda-ff-", 8)) {
        nc = wmel__fe_computed(&c[0]->fe->p, N);
        nv = nc * (size_t)c[0]->fe->n_cols;
        int rc[2] = {-1, -1};
        for (int a = 0; a < 2; a++) {
            v[a] = malloc((nv ? nv : 1) * sizeof(double));
            if (v[a]) rc[a] = c[a]->vt->plan_frames(c[a], speech, N, nc, v[a]);
        }
        CHECK(rc[0] == WMEL_OK && rc[1] == WMEL_OK, "%s raw values: status %d %d", name, rc[0], rc[1]);
        if (rc[0] == WMEL_OK && rc[1] == WMEL_OK) {
            err = 0.0;
            for (size_t i = 0; i < nv; i++) {
                const double d = fabs(v[1][i] - v[0][i]) / fmax(1.0, fabs(v[0][i]));
                if (!(d <= err)) err = d; /* NaN kept */
            }
            CHECK(err <= FF_BAR && nv > 0, "%s raw values: float-float vs float64 %g (bar %g, %zu values)", name, err,
                  FF_BAR, nv);
        }
    }
    for (int a = 0; a < 2; a++) {
        free(v[a]);
        wmel_destroy(c[a]);
    }
    return err;
}

/* WMEL_CUDA_ARITHMETIC's values: a bad one refused by name (plans and Whisper's geometry)
 * with the switch in the detail, AUTO on the CPU; an empty one as unset (the device's
 * rule: the emulator and every fast-float64 GPU say float64) */
static void switch_check(void)
{
    wmel_frontend_plan plan;
    char msg[200];
    const char *const names[2] = {"nemo", "whisper"};
    t_setenv("WMEL_CUDA_ARITHMETIC", "double", 1);
    for (int i = 0; i < 2; i++) {
        if (wmel_preset_plan(names[i], &plan, msg, sizeof msg) != WMEL_OK) continue;
        int st = 0;
        wmel_ctx *c = plan_ctx(&plan, WMEL_BACKEND_CUDA, &st);
        CHECK(!c && st == WMEL_ERR_INVALID_ARG && strstr(wmel_cuda_error_detail(), "WMEL_CUDA_ARITHMETIC=double"),
              "%s with WMEL_CUDA_ARITHMETIC=double: %d (%s)", names[i], st, wmel_cuda_error_detail());
        wmel_destroy(c);
        c = plan_ctx(&plan, WMEL_BACKEND_AUTO, &st);
        CHECK(c && !strcmp(wmel_backend_name(c), "cpu"), "%s AUTO with a bad switch: %d on %s", names[i], st,
              c ? wmel_backend_name(c) : "-");
        wmel_destroy(c);
    }
    t_setenv("WMEL_CUDA_ARITHMETIC", "", 1);
    if (wmel_preset_plan("nemo", &plan, msg, sizeof msg) == WMEL_OK) {
        int st = 0;
        wmel_ctx *c = plan_ctx(&plan, WMEL_BACKEND_CUDA, &st);
        t_unsetenv("WMEL_CUDA_ARITHMETIC");
        wmel_ctx *d = plan_ctx(&plan, WMEL_BACKEND_CUDA, &st);
        CHECK(c && d && !strcmp(wmel_kernel_name(c), wmel_kernel_name(d)), "an empty switch: %s, unset: %s",
              c ? wmel_kernel_name(c) : "-", d ? wmel_kernel_name(d) : "-");
        wmel_destroy(c);
        wmel_destroy(d);
    }
    t_unsetenv("WMEL_CUDA_ARITHMETIC");
}

/* Speech scaled from 1e-30 (powers among float32's denormals) to 1e20 (past float's range
 * for a float-float power; such a clip takes the float64 kernel) on float-float ctxs:
 * float64's statuses, and its values within the bar (no silent NaN or infinity). */
static void range_check(const float *speech)
{
    enum { N = 6000 };
    const char *const names[] = {"nemo", "kaldi", "wespeaker", "lhotse-mfcc", "pop2piano", "speecht5", "clap"};
    const float scales[] = {1e-30f, 1e-20f, 1e-10f, 1e6f, 1e12f, 1e14f, 1e15f, 1e18f, 1e20f};
    float *x = malloc(N * sizeof(float));
    double worst = 0.0;
    for (size_t k = 0; k < sizeof names / sizeof names[0] && x; k++) {
        wmel_frontend_plan plan;
        char msg[200];
        if (wmel_preset_plan(names[k], &plan, msg, sizeof msg) != WMEL_OK) continue;
        wmel_ctx *c[2];
        int st = 0;
        for (int a = 0; a < 2; a++) {
            t_setenv("WMEL_CUDA_ARITHMETIC", ARITH[a], 1);
            c[a] = plan_ctx(&plan, WMEL_BACKEND_CUDA, &st);
        }
        size_t rows = 0, cols = 0;
        if (c[0] && c[1] && wmel_features_shape(c[0], N, &rows, &cols) == WMEL_OK) {
            float *o[2] = {malloc(rows * cols * sizeof(float)), malloc(rows * cols * sizeof(float))};
            for (size_t si = 0; si < sizeof scales / sizeof scales[0] && o[0] && o[1]; si++) {
                for (size_t i = 0; i < N; i++) x[i] = speech[i] * scales[si];
                int rc[2];
                for (int a = 0; a < 2; a++) rc[a] = wmel_features(c[a], x, N, o[a], rows * cols);
                CHECK(rc[0] == rc[1], "%s x %g: status float64 %d, float-float %d", names[k], scales[si], rc[0], rc[1]);
                if (rc[0] == WMEL_OK && rc[1] == WMEL_OK) {
                    const double e = t_rel_err_ff(o[1], o[0], rows * cols);
                    CHECK(e <= BAR, "%s x %g: float-float vs float64 %g (bar %g)", names[k], scales[si], e, BAR);
                    worst = fmax(worst, e);
                }
            }
            free(o[0]), free(o[1]);
        }
        wmel_destroy(c[0]);
        wmel_destroy(c[1]);
    }
    printf("speech x 1e-30 .. 1e20 in float-float: float64's statuses, max error vs float64 %.3g (bar %g)\n", worst,
           BAR);
    free(x);
}

int main(void)
{
    /* the device: a CUDA ctx of any plan; without one, every plan is refused by name */
    {
        wmel_frontend_plan plan;
        char msg[200];
        wmel_preset_plan("nemo", &plan, msg, sizeof msg);
        int st;
        wmel_ctx *c = plan_ctx(&plan, WMEL_BACKEND_CUDA, &st);
        if (!c) {
            CHECK(st == WMEL_ERR_BACKEND_UNAVAILABLE, "nemo on CUDA without a device: %s", wmel_strerror(st));
            for (size_t i = 0; i < wmel_preset_count(); i++) {
                wmel_preset_plan(wmel_preset_name(i), &plan, msg, sizeof msg);
                wmel_ctx *d = plan_ctx(&plan, WMEL_BACKEND_CUDA, &st);
                CHECK(!d && st == WMEL_ERR_BACKEND_UNAVAILABLE, "%s on CUDA without a device: %d",
                      wmel_preset_name(i), st);
                wmel_destroy(d);
            }
            if (t_failures) return t_done("test_cuda_plan");
            printf("skipped: no CUDA device\n");
            return 77;
        }
        printf("nemo on CUDA: kernel %s\n", wmel_kernel_name(c));
        CHECK(!strncmp(wmel_kernel_name(c), "cuda-f64-fft", 12), "nemo kernel %s", wmel_kernel_name(c));
        /* wmel_cuda_log_mel_device is Whisper's geometry's only; a plan's device pointers are
           wmel_cuda_features_device's (WMEL_OP_DEVICE "cuda": test_cuda_features_device) */
        float *d_x = malloc(1000 * sizeof(float)), *d_o = malloc(80 * 8 * sizeof(float)); /* never read */
        const int r = wmel_cuda_log_mel_device(c, d_x, WMEL_SAMPLE_F32, 1, 1000, 1000, 0, WMEL_BATCH_PER_CLIP, d_o,
                                               80 * 8, NULL);
        CHECK(r == WMEL_ERR_BACKEND_UNAVAILABLE, "device pointers on a nemo ctx: %d", r);
        free(d_x);
        free(d_o);
        CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_DEVICE), "cuda"), "nemo WMEL_OP_DEVICE: %s",
              wmel_op_backend(c, WMEL_OP_DEVICE));
        wmel_destroy(c);
    }

    size_t ns = 0;
    float *wav = t_load_wav("audio/speech_en.wav", &ns);
    const float *speech = wav + 8000;
    ns -= 8000;
    float *x = malloc(sizeof(float) * 40000);
    switch_check();
    range_check(speech);
    for (g_arith = 0; g_arith < 2; g_arith++) {
        t_setenv("WMEL_CUDA_ARITHMETIC", ARITH[g_arith], 1); /* read when a ctx is made */
        printf("-- %s\n", ARITH[g_arith]);
        double worst = 0.0, raw_worst = 0.0;
        /* every preset against the reference and the CPU: tests/conformance/test_backends.c;
           here float-float's frame values against float64's, preset by preset */
        for (size_t i = 0; g_arith && i < wmel_preset_count(); i++) {
            const char *name = wmel_preset_name(i);
            wmel_frontend_plan plan;
            char msg[200];
            if (wmel_preset_plan(name, &plan, msg, sizeof msg) != WMEL_OK) {
                CHECK(0, "preset %s: %s", name, msg);
                continue;
            }
            const double re = raw_check(name, &plan, speech);
            if (re >= 0.0) printf("preset %-26s frame values vs float64 %.3g\n", name, re);
            raw_worst = fmax(raw_worst, re);
        }

        /* variants: the direct DFT, the framing rules, a dithered plan (the noise drawn on the device) */
        {
            wmel_frontend_plan plan;
            char msg[200];
            struct {
                const char *base, *what;
            } v[] = {{"nemo", "dft"},                {"gemma3n", "dft"},     {"nemo", "signal preemph reflect"},
                     {"nemo-legacy", "padded preemph"}, {"nemo", "padded cut zeros"}, {"lhotse-fbank", "kaldi reflect"},
                     {"kaldi", "energy floor"},      {"whisper", "snip"},    {"whisper", "fixed max"},
                     {"kaldi", "dithered"},          {"seamless", "dithered"}};
            for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
                if (wmel_preset_plan(v[k].base, &plan, msg, sizeof msg) != WMEL_OK) continue;
                if (!strncmp(v[k].what, "dft", 3)) {
                    t_setenv("WMEL_CUDA_FFT", "0", 1); /* the direct DFT, read when the ctxs are made */
                } else if (!strcmp(v[k].what, "signal preemph reflect")) {
                    plan.framing = WMEL_FRAMES_CENTER_REFLECT;
                    plan.preemph_mode = WMEL_PREEMPH_SIGNAL;
                    plan.preemph = 0.97;
                } else if (!strcmp(v[k].what, "padded preemph")) {
                    plan.framing = WMEL_FRAMES_SNIP;
                    plan.preemph_mode = WMEL_PREEMPH_PADDED;
                    plan.pad_mode = WMEL_PAD_REFLECT;
                    plan.pad_left = plan.pad_right = plan.n_fft / 2;
                } else if (!strcmp(v[k].what, "padded cut zeros")) {
                    plan.framing = WMEL_FRAMES_SNIP;
                    plan.preemph_mode = WMEL_PREEMPH_PADDED_CUT;
                    plan.pad_mode = WMEL_PAD_ZERO;
                    plan.pad_left = plan.pad_right = plan.n_fft / 2;
                } else if (!strcmp(v[k].what, "energy floor")) { /* the raw log energy column, floored */
                    plan.use_energy = 1;
                    plan.energy_floor = 1.0;
                } else if (!strcmp(v[k].what, "snip")) { /* Whisper's geometry framed from sample 0 */
                    plan.framing = WMEL_FRAMES_SNIP;
                    plan.valid = WMEL_VALID_ALL;
                } else if (!strcmp(v[k].what, "fixed max")) {
                    plan.norm_flags |= WMEL_NORMF_FIXED_MAX;
                    plan.norm_max = 1.5;
                } else if (!strcmp(v[k].what, "dithered")) {
                    plan.dither = 1.0;
                }
                char name[96];
                snprintf(name, sizeof name, "%s (%s)", v[k].base, v[k].what);
                if (wmel_plan_check(&plan, msg, sizeof msg) != WMEL_OK) {
                    CHECK(0, "%s: %s", name, msg);
                    continue;
                }
                char kernel[64];
                const double pe = plan_sweep(name, &plan, x, speech, ns, kernel, sizeof kernel);
                t_unsetenv("WMEL_CUDA_FFT");
                if (!strncmp(v[k].what, "dft", 3)) CHECK(strstr(kernel, "-dft") != NULL, "%s: kernel %s", name, kernel);
                worst = fmax(worst, pe);
                printf("%-33s kernel %-20s max error vs float64 reference %.3g\n", name, kernel, pe);
            }
        }

        batch_check("nemo", speech);
        batch_check("kaldi", speech);
        batch_check("lhotse-mfcc", speech);
        batch_check("pop2piano", speech);
        if (!g_arith) whisper_batch_check(speech, ns); /* float64 in both */
        t_vals_f32_check(WMEL_BACKEND_CUDA, 0, "WMEL_CUDA_VALS_F64", "nemo", speech);
        t_vals_f32_check(WMEL_BACKEND_CUDA, 0, "WMEL_CUDA_VALS_F64", "kaldi", speech);
        t_vals_f32_check(WMEL_BACKEND_CUDA, 0, "WMEL_CUDA_VALS_F64", "seamless", speech);
        t_vals_f32_check(WMEL_BACKEND_CUDA, 0, "WMEL_CUDA_VALS_F64", "lhotse-mfcc", speech);
        t_vals_f32_check(WMEL_BACKEND_CUDA, 0, "WMEL_CUDA_VALS_F64", "pop2piano", speech);
        t_vals_f32_check(WMEL_BACKEND_CUDA, 0, "WMEL_CUDA_VALS_F64", "clap", speech);
        printf("all plans on CUDA in %s: max error vs float64 reference %.3g (bar %g)", ARITH[g_arith], worst, BAR);
        if (g_arith) printf("; frame values vs float64 %.3g (bar %g)", raw_worst, FF_BAR);
        printf("\n");
    }
    t_unsetenv("WMEL_CUDA_ARITHMETIC");
    free(x);
    wmel_free(wav);
    return t_done("test_cuda_plan");
}
