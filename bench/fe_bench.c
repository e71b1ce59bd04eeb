/*
 * fe_bench.c -- the general front-end path (kaldi, nemo, seamless presets) at one thread:
 * whole wmel_features() calls and, on x86_64 with AVX2, the AVX2 frame kernel's stages
 * (not a test).
 *
 * Whole calls: the median CPU time of --reps calls of wmel_features() on the bench signal
 * (bench_common.h) of --seconds seconds, one thread (the calling thread's CPU time: a
 * one-thread ctx runs on it; the process's would count the CPU time that other threads
 * of the process spend meanwhile, such as a BLAS library's workers spinning after it
 * starts them), per preset (kaldi, kaldi with a Hamming window, nemo, seamless). Stages: the very source the library compiles
 * (src/cpu/x86/fe_avx2.c, symbols renamed) with its FE_PROF hook timing each stage by the
 * time-stamp counter, run over every group of 4 frames of the same signal; the figures are
 * nanoseconds per frame: each group's minimum over --reps passes, summed over the groups
 * (the stages' cost, not the machine's noise; "all" times whole kernel calls the same way).
 * The load average is printed with them.
 *
 * --sizes runs the transform sizes' plans (SIZES below) instead of the presets; --preset
 * NAME[,NAME...] runs built-in presets by name (gemma4, granite-speech, ...) or plans' JSON files
 * (FILE.json);
 * --isa c|avx2|avx512 caps the ISA level of the whole calls (params.max_isa; the stages are
 * the AVX2 kernel's).
 *
 *   wmel-fe-bench [--seconds S] [--reps N] [--no-stages] [--sizes] [--preset NAMES] [--isa LEVEL]
 */
#define _POSIX_C_SOURCE 200809L
#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include <x86intrin.h>
#include <stdint.h>
#define FE_STAGES 8
static uint64_t prof_ticks[FE_STAGES], prof_last;
#define FE_PROF(s)                                                                               \
    do {                                                                                         \
        _mm_lfence(); /* the stage's instructions done before the counter is read */          \
        const uint64_t now_ = __rdtsc();                                                         \
        if (s) prof_ticks[s] += now_ - prof_last;                                                \
        prof_last = now_;                                                                        \
    } while (0)
#define wmel__fe_kernel_avx2 bench__fe_kernel_avx2
#include "cpu/x86/fe_avx2.c"
#define HAVE_STAGES 1
#endif

#include "bench_common.h"
#include "wmel.h"
#include "fe/fe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct preset {
    const char *name; /* with frontend < 0: a built-in preset by name (wmel_preset_plan) */
    int frontend, window; /* window < 0: the preset's */
    int n_fft, frame_length, hop, n_mels; /* 0: the preset's (n_mels 0: 80) */
} preset;

static const preset PRESETS[] = {
    {"kaldi", WMEL_FRONTEND_KALDI, -1, 0, 0, 0, 0},
    {"kaldi-hamming", WMEL_FRONTEND_KALDI, WMEL_WINDOW_HAMMING, 0, 0, 0, 0},
    {"nemo", WMEL_FRONTEND_NEMO, -1, 0, 0, 0, 0},
    {"seamless", WMEL_FRONTEND_SEAMLESS, -1, 0, 0, 0, 0},
};

/* --sizes: the transform sizes speech models use, on NeMo's processing (magnitude where the
 * models take it does not change the transform): n_fft 512 with 320- and 400-sample windows,
 * 1024 (SpeechT5, Gemma3n, CLAP, UnivNet), 1600, 2048 and 4096 (Pop2Piano). */
static const preset SIZES[] = {
    {"fft512-w320", WMEL_FRONTEND_NEMO, -1, 512, 320, 160, 80},
    {"fft512-w400", WMEL_FRONTEND_NEMO, -1, 512, 400, 160, 80},
    {"fft1024", WMEL_FRONTEND_NEMO, -1, 1024, 1024, 256, 80},
    {"fft1600", WMEL_FRONTEND_NEMO, -1, 1600, 1600, 400, 128},
    {"fft2048", WMEL_FRONTEND_NEMO, -1, 2048, 2048, 512, 128},
    {"fft4096", WMEL_FRONTEND_NEMO, -1, 4096, 4096, 1024, 229},
};

static int plan_of(const preset *ps, wmel_frontend_plan *plan)
{
    if (ps->frontend < 0) { /* a preset's name, or a plan's JSON file (NAME.json) */
        char msg[256];
        const size_t len = strlen(ps->name);
        if (len > 5 && !strcmp(ps->name + len - 5, ".json")) {
            FILE *f = fopen(ps->name, "rb");
            char text[16384];
            const size_t got = f ? fread(text, 1, sizeof text, f) : 0;
            if (f) fclose(f);
            if (!got || got == sizeof text) {
                fprintf(stderr, "%s: %s\n", ps->name, got ? "longer than 16 KB" : "cannot read");
                return 1;
            }
            if (wmel_plan_from_json(text, got, plan, msg, sizeof msg) == 0) return 0;
        } else if (wmel_preset_plan(ps->name, plan, msg, sizeof msg) == 0) {
            return 0;
        }
        fprintf(stderr, "%s: %s\n", ps->name, msg);
        return 1;
    }
    if (wmel_frontend_preset(ps->frontend, ps->n_mels ? ps->n_mels : 80, plan)) return 1;
    if (ps->window >= 0) plan->window = ps->window;
    if (ps->n_fft) plan->n_fft = ps->n_fft, plan->frame_length = ps->frame_length, plan->hop = ps->hop;
    return 0;
}

static int max_isa = WMEL_ISA_AUTO;

static wmel_ctx *make(const preset *ps)
{
    wmel_frontend_plan plan;
    if (plan_of(ps, &plan)) return NULL;
    wmel_params par = wmel_default_params();
    par.n_threads = 1;
    par.max_isa = max_isa;
    int st = 0;
    return wmel_create_plan(&par, &plan, &st);
}

#ifdef HAVE_STAGES
static const char *STAGE_NAMES[FE_STAGES] = {"", "samples", "dc+preemph+window", "fft",
                                            "split+power", "mel sums", "log", "store"};

/* The AVX2 kernel's stages over every frame of x, minima over reps passes. */
static void stages(const preset *ps, const float *x, size_t n, int reps)
{
    wmel_frontend_plan plan;
    plan_of(ps, &plan);
    wmel_fe *fe = NULL;
    if (wmel__fe_is_whisper(&plan) || wmel__fe_compile(&plan, &fe)) return;
    const size_t frames = wmel__fe_frames(&plan, n);
    const size_t sb = (fe_lanes_scratch(fe) + 63) & ~(size_t)63;
    double *buf = wmel__aligned_alloc(sb + sizeof(double) * LANES * (size_t)fe->n_cols);
    if (!buf) {
        wmel__fe_free(fe);
        return;
    }
    double *vals = (double *)(void *)((char *)buf + sb);
    /* the counter's rate against the monotonic clock */
    const double w0 = bench_now();
    const uint64_t c0 = __rdtsc();
    while (bench_now() - w0 < 0.05) {
    }
    const double hz = (double)(__rdtsc() - c0) / (bench_now() - w0);
    /* each group's stage times, minima over the passes (a pass that the scheduler
       interrupted loses to one that it did not), then summed over the groups */
    const size_t groups = (frames + LANES - 1) / LANES;
    double *mins = malloc(sizeof(double) * groups * FE_STAGES);
    if (!mins) {
        wmel__aligned_free(buf);
        wmel__fe_free(fe);
        return;
    }
    for (size_t i = 0; i < groups * FE_STAGES; i++) mins[i] = 1e30;
    for (int r = 0; r < reps; r++)
        for (size_t g = 0; g < groups; g++) {
            const size_t t0 = g * LANES;
            const int cnt = frames - t0 < LANES ? (int)(frames - t0) : LANES;
            memset(prof_ticks, 0, sizeof prof_ticks);
            const uint64_t a = __rdtsc();
            fe_frames_avx2(fe, x, n, t0, cnt, vals, buf, 0, 0);
            prof_ticks[0] = __rdtsc() - a;
            for (int s = 0; s < FE_STAGES; s++)
                if ((double)prof_ticks[s] < mins[g * FE_STAGES + s]) mins[g * FE_STAGES + s] = (double)prof_ticks[s];
        }
    double best[FE_STAGES] = {0};
    for (size_t g = 0; g < groups; g++)
        for (int s = 0; s < FE_STAGES; s++) best[s] += mins[g * FE_STAGES + s];
    const double whole = best[0];
    free(mins);
    const double ns = 1e9 / hz / (double)frames;
    printf("  stages %-14s (%zu frames, counter %.2f GHz):", ps->name, frames, hz * 1e-9);
    for (int s = 1; s < FE_STAGES; s++) printf(" %s %.1f", STAGE_NAMES[s], best[s] * ns);
    printf("  | all %.1f ns/frame = %.2f ms\n", whole * ns, whole / hz * 1e3);
    wmel__aligned_free(buf);
    wmel__fe_free(fe);
}
#endif

int main(int argc, char **argv)
{
    double secs = 600.0;
    int reps = 11, do_stages = 1;
    const preset *list = PRESETS;
    size_t n_list = sizeof PRESETS / sizeof PRESETS[0];
    preset named[64];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc) secs = atof(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-stages")) do_stages = 0;
        else if (!strcmp(argv[i], "--sizes")) list = SIZES, n_list = sizeof SIZES / sizeof SIZES[0];
        else if (!strcmp(argv[i], "--preset") && i + 1 < argc) {
            n_list = 0;
            for (char *tok = strtok(argv[++i], ","); tok && n_list < 64; tok = strtok(NULL, ","))
                named[n_list++] = (preset){tok, -1, -1, 0, 0, 0, 0};
            list = named;
        }
        else if (!strcmp(argv[i], "--isa") && i + 1 < argc) {
            const char *v = argv[++i];
            max_isa = !strcmp(v, "c") ? WMEL_ISA_C : !strcmp(v, "avx2") ? WMEL_ISA_AVX2
                    : !strcmp(v, "avx512") ? WMEL_ISA_AVX512 : !strcmp(v, "neon") ? WMEL_ISA_NEON : WMEL_ISA_AUTO;
        } else {
            fprintf(stderr, "usage: wmel-fe-bench [--seconds S] [--reps N] [--no-stages] [--sizes] [--preset NAME[,NAME]] [--isa c|avx2|avx512|neon]\n");
            return 2;
        }
    }
    if (reps < 1) reps = 1;
    const size_t n = (size_t)(secs * 16000.0);
    float *x = malloc(sizeof(float) * (n ? n : 1));
    if (!x || !n) return 1;
    bench_signal(x, n);
    char la[64];
    bench_loadavg(la, sizeof la);
    printf("wmel-fe-bench: %.0f s of audio, 1 thread, %d reps, loadavg %s\n", secs, reps, la);
    for (size_t p = 0; p < n_list; p++) {
        wmel_ctx *ctx = make(&list[p]);
        size_t rows, cols;
        if (!ctx || wmel_features_shape(ctx, n, &rows, &cols)) {
            fprintf(stderr, "%s: no ctx\n", list[p].name);
            return 1;
        }
        float *out = malloc(sizeof(float) * rows * cols);
        double *t = malloc(sizeof(double) * (size_t)reps);
        if (!out || !t) return 1;
        wmel_features(ctx, x, n, out, rows * cols);
        for (int r = 0; r < reps; r++) {
            const double c = cpu_now();
            wmel_features(ctx, x, n, out, rows * cols);
            t[r] = cpu_now() - c;
        }
        qsort(t, (size_t)reps, sizeof *t, cmp_d);
        printf("  whole  %-14s %8.2f ms CPU median (min %.2f)  [%s]\n", list[p].name,
               1e3 * t[reps / 2], 1e3 * t[0], wmel_kernel_name(ctx));
        free(t);
        free(out);
        wmel_destroy(ctx);
    }
#ifdef HAVE_STAGES
    if (do_stages)
        for (size_t p = 0; p < n_list; p++) stages(&list[p], x, n, reps);
#else
    (void)do_stages;
#endif
    bench_loadavg(la, sizeof la);
    printf("loadavg after %s\n", la);
    free(x);
    return 0;
}
