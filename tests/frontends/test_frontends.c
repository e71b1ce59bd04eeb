/*
 * test_frontends.c -- the front-end plans (nemo, nemo-legacy, kaldi, seamless, and
 * plans off the presets) on the CPU backend, held to the float64 reference backend at
 * every ISA level and thread count; bit-identity across thread counts; the edge rules
 * (frame counts, NeMo's short inputs and valid frames, Seamless' odd frame counts, empty
 * input); the transform against a direct DFT; the Whisper plan against wmel_log_mel.
 *
 * Thresholds:
 *  FE_TOL 2e-5: |cpu - ref| <= FE_TOL * max(1, |ref|) in the output's units; for the
 *    normalised outputs (nemo per_feature, seamless mean_var) in log units: the
 *    difference times the column's denominator (std + eps, sqrt(var + eps)) against
 *    FE_TOL * max(1, |raw log value|), since in near-constant rows normalising divides
 *    rounding noise by eps.
 *  FFT_TOL 1e-12: the float64 real FFT's power against a direct float64 DFT, relative to
 *    the spectrum's total power (a transform's rounding, ~n_fft * 1e-16).
 */
#define _POSIX_C_SOURCE 200809L
#include "fe/fe.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FE_TOL 2e-5
#define FFT_TOL 1e-12

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double urand(void) /* [0, 1) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static const char *fe_name(int k)
{
    static const char *n[] = {"whisper", "nemo", "kaldi", "seamless", "nemo-legacy"};
    return k >= 0 && k <= 4 ? n[k] : "custom";
}

static wmel_ctx *plan_ctx(const wmel_frontend_plan *pl, int backend, int isa, int threads)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.max_isa = isa;
    p.n_threads = threads;
    int st = 1;
    wmel_ctx *c = wmel_create_plan(&p, pl, &st);
    CHECK(c && st == WMEL_OK, "create_plan %s backend %d isa %d threads %d: %s", fe_name(pl->frontend),
          backend, isa, threads, wmel_strerror(st));
    return c;
}

/* features of x into a fresh buffer; *rows, *cols; NULL (and *status) on error. */
static float *feats(wmel_ctx *c, const float *x, size_t n, size_t *rows, size_t *cols, int *status)
{
    *status = wmel_features_shape(c, n, rows, cols);
    if (*status) return NULL;
    size_t cnt = *rows * *cols;
    float *o = malloc((cnt ? cnt : 1) * sizeof *o);
    for (size_t i = 0; i < cnt; i++) o[i] = NAN; /* every element must be written */
    *status = wmel_features(c, x, n, o, cnt);
    if (*status) {
        free(o);
        return NULL;
    }
    return o;
}

/* The denominators of a normalised plan's columns, from the reference's raw values (the
 * plan with norm NONE): mean and Bessel-corrected variance over the valid frames. Returns
 * [n_cols] and the raw output in *raw_out (layout of the plan). */
static double *denominators(const wmel_frontend_plan *pl, const float *x, size_t n, float **raw_out)
{
    wmel_frontend_plan q = *pl;
    q.norm = WMEL_NORM_NONE;
    wmel_ctx *c = plan_ctx(&q, WMEL_BACKEND_REF, WMEL_ISA_AUTO, 1);
    size_t rows, cols;
    int st;
    float *raw = c ? feats(c, x, n, &rows, &cols, &st) : NULL;
    wmel_destroy(c);
    const size_t nc = (size_t)pl->n_mels + (size_t)pl->use_energy;
    double *den = calloc(nc, sizeof *den);
    *raw_out = raw;
    if (!raw) return den;
    const size_t nv = wmel__fe_valid(pl, n);
    for (size_t col = 0; col < nc; col++) {
        double s = 0, ss = 0;
        for (size_t t = 0; t < nv; t++)
            s += pl->layout == WMEL_LAYOUT_MELS_FRAMES ? raw[col * cols + t] : raw[t * nc + col];
        const double mean = nv ? s / (double)nv : 0;
        for (size_t t = 0; t < nv; t++) {
            double d = (pl->layout == WMEL_LAYOUT_MELS_FRAMES ? raw[col * cols + t] : raw[t * nc + col]) - mean;
            ss += d * d;
        }
        const double var = nv > 1 ? ss / (double)(nv - 1) : 0;
        den[col] = pl->norm == WMEL_NORM_PER_FEATURE ? sqrt(var) + pl->norm_eps : sqrt(var + pl->norm_eps);
    }
    return den;
}

/* Column of element i of an output of this plan. */
static size_t col_of(const wmel_frontend_plan *pl, size_t i, size_t cols)
{
    const size_t nc = (size_t)pl->n_mels + (size_t)pl->use_energy;
    return pl->layout == WMEL_LAYOUT_MELS_FRAMES ? i / cols : (i % cols) % nc;
}

static double worst[8][5]; /* [frontend][isa, 4: NEON, SIMD128 or the emulated 8 lanes]: the
                              largest error seen, as a fraction of FE_TOL */
const wmel_fe_kernel *t_fe_kernel_w8emu(void);

/* One input through one plan: ref vs cpu at each ISA level and 1, 2, 3 threads. */
static void check_input(const wmel_frontend_plan *pl, const float *x, size_t n, const char *what)
{
    wmel_ctx *rc = plan_ctx(pl, WMEL_BACKEND_REF, WMEL_ISA_AUTO, 1);
    if (!rc) return;
    size_t rr, rcl;
    int st;
    float *ref = feats(rc, x, n, &rr, &rcl, &st);
    wmel_destroy(rc);
    if (!ref) {
        /* an error must be the same on every backend */
        wmel_ctx *c = plan_ctx(pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2);
        size_t a, b;
        int st2 = 0;
        float *o = c ? feats(c, x, n, &a, &b, &st2) : NULL;
        CHECK(!o && st2 == st, "%s %s n=%zu: ref fails with %d, cpu with %d", fe_name(pl->frontend), what, n, st, o ? 0 : st2);
        free(o);
        wmel_destroy(c);
        return;
    }
    const size_t cnt = rr * rcl;
    for (size_t i = 0; i < cnt; i++)
        if (!isfinite(ref[i])) {
            CHECK(0, "%s %s n=%zu: ref value %zu not finite", fe_name(pl->frontend), what, n, i);
            break;
        }
    const int normed = pl->norm == WMEL_NORM_PER_FEATURE || pl->norm == WMEL_NORM_MEAN_VAR;
    float *raw = NULL;
    double *den = normed ? denominators(pl, x, n, &raw) : NULL;
    const int top = wmel__cpu_isa();
    /* every ISA level this CPU runs; level 4: the AVX-512 kernel's 8 lanes on AVX2 */
    for (int isa = WMEL_ISA_C; isa <= top + 1; isa++) {
        if (isa == top + 1 && (top != WMEL_ISA_AVX2 || !t_fe_kernel_w8emu())) break;
        if (isa <= top && isa != WMEL_ISA_C && wmel__isa_level(isa) != isa) continue; /* AVX on ARM */
        float *first = NULL;
        for (int th = 1; th <= (t_emulated() ? 2 : 3); th++) { /* under an emulator: 1 and 2 */
            wmel_ctx *c = plan_ctx(pl, WMEL_BACKEND_CPU, isa > top ? top : isa, th);
            if (!c) continue;
            if (isa > top) c->fe->kern = t_fe_kernel_w8emu(); /* a test's swap, before any call */
            else {
                /* each level runs its own kernel (a build that lost one would fall back silently) */
                static const char *const want[] = {"",           "c-f64",      "avx2-f64x4", "avx512-f64x8",
                                                   "neon-f64x2", "wasm-simd128-f64x2"};
                CHECK(!strcmp(c->fe->kern->name, want[isa]), "isa %d runs kernel %s, not %s", isa,
                      c->fe->kern->name, want[isa]);
            }
            size_t r2, c2;
            float *o = feats(c, x, n, &r2, &c2, &st);
            CHECK(o && r2 == rr && c2 == rcl, "%s %s n=%zu isa %d threads %d: status %d shape (%zu, %zu) vs (%zu, %zu)",
                  fe_name(pl->frontend), what, n, isa, th, st, r2, c2, rr, rcl);
            if (o && r2 == rr && c2 == rcl) {
                double e = 0;
                size_t at = 0;
                for (size_t i = 0; i < cnt; i++) {
                    double d = fabs((double)o[i] - ref[i]), lim;
                    if (normed) {
                        const size_t col = col_of(pl, i, rcl);
                        d *= den[col];
                        lim = FE_TOL * fmax(1.0, raw ? fabs(raw[i]) : 1.0);
                    } else {
                        lim = FE_TOL * fmax(1.0, fabs(ref[i]));
                    }
                    if (!(d / lim <= e)) {
                        e = isnan(d) ? INFINITY : d / lim;
                        at = i;
                    }
                }
                CHECK(e <= 1.0, "%s %s n=%zu isa %d threads %d (%s): error %.3g x FE_TOL at %zu (cpu %.9g ref %.9g)",
                      fe_name(pl->frontend), what, n, isa, th, wmel_kernel_name(c), e, at, o[at], ref[at]);
                int k = pl->frontend & 7;
                const int slot = isa > top || isa == WMEL_ISA_WASM_SIMD128 ? 4 : isa;
                if (e > worst[k][slot]) worst[k][slot] = e;
                if (!first) {
                    first = o;
                    o = NULL;
                } else {
                    CHECK(!memcmp(first, o, cnt * sizeof *o), "%s %s n=%zu isa %d: threads %d differ from 1",
                          fe_name(pl->frontend), what, n, isa, th);
                }
            }
            free(o);
            wmel_destroy(c);
        }
        free(first);
    }
    free(den);
    free(raw);
    free(ref);
}

static void signals(const wmel_frontend_plan *pl)
{
    static const size_t lens[] = {1, 2, 100, 159, 160, 161, 239, 240, 256, 257, 319, 320, 321,
                                  399, 400, 401, 511, 512, 513, 559, 560, 561, 720, 881, 4000};
    const size_t maxn = 16000 * 3 + 77;
    float *x = malloc(maxn * sizeof *x);
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        size_t n = lens[li];
        t_chirp(x, n, (unsigned)n);
        check_input(pl, x, n, "chirp");
    }
    for (int r = 0; r < 3; r++) { /* random lengths */
        size_t n = 1 + (size_t)(urand() * (double)((t_emulated() ? 16000 : maxn) - 1));
        for (size_t i = 0; i < n; i++) x[i] = (float)(2.0 * urand() - 1.0); /* full-scale noise */
        check_input(pl, x, n, "noise");
    }
    memset(x, 0, maxn * sizeof *x);
    check_input(pl, x, 16000, "silence");
    check_input(pl, x, 401, "silence");
    t_chirp(x, 16000, 7);
    for (size_t i = 0; i < 16000; i++) x[i] = fmaxf(-1.0f, fminf(1.0f, 8.0f * x[i])); /* clipped */
    check_input(pl, x, 16000, "clipped");
    for (size_t i = 0; i < 16000; i++) x[i] = (i / 7) % 2 ? 1.0f : -1.0f; /* full-scale square */
    check_input(pl, x, 16000, "square");
    free(x);
}

static void goldens(const wmel_frontend_plan *pl)
{
    static const char *files[] = {"audio/speech_en.wav", "audio/sweep.wav", "audio/silence.wav",
                                  "audio/clipped.wav", "audio/pink_noise.wav", "audio/short_0p1s.wav"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t n;
        float *x = t_load_wav(files[i], &n);
        const size_t cap = 16000 * (t_emulated() ? 2 : 6); /* the reference's direct DFT is slow */
        if (n > cap) n = cap;
        check_input(pl, x, n, files[i]);
        wmel_free(x);
    }
}

/* ---- NaN and Inf anywhere ---- */

/* One bad sample at position i of n, for 1 to 3 threads: WMEL_ERR_NOT_FINITE (the workers
 * check the input between them, each chunk's samples before a kernel reads them). */
static void bad_at(wmel_ctx *const *c, const wmel_frontend_plan *pl, float *x, size_t n, size_t i, float *o,
                   size_t cap)
{
    const float keep = x[i];
    x[i] = (i & 1) ? NAN : -INFINITY;
    for (int th = 0; th < 3; th++) {
        int r = wmel_features(c[th], x, n, o, cap);
        CHECK(r == WMEL_ERR_NOT_FINITE, "%s hop %d: bad sample %zu of %zu, %d threads: status %d",
              fe_name(pl->frontend), pl->hop, i, n, th + 1, r);
    }
    x[i] = keep;
}

static void not_finite(void)
{
    /* the presets: around the chunk boundaries (64 frames), both ends, past the last frame */
    for (int k = WMEL_FRONTEND_NEMO; k <= WMEL_FRONTEND_NEMO_LEGACY; k++) {
        wmel_frontend_plan pl;
        wmel_frontend_preset(k, 80, &pl);
        wmel_ctx *c[3];
        for (int th = 0; th < 3; th++) c[th] = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, th + 1);
        const size_t n = 16000 * 3 + 157, cap = 2 * 81 * (n / 160 + 2);
        float *x = malloc(n * sizeof *x), *o = malloc(cap * sizeof *o);
        t_chirp(x, n, 5);
        const size_t at[] = {0, 1, 2, 255, 256, 257, 399, 400, 64 * 160 - 201, 64 * 160 - 1, 64 * 160,
                             64 * 160 + 1, 128 * 160 + 199, 128 * 160 + 200, 20000, n - 300, n - 158,
                             n - 157, n - 2, n - 1};
        for (size_t j = 0; j < sizeof at / sizeof at[0] && c[0] && c[1] && c[2]; j++)
            bad_at(c, &pl, x, n, at[j], o, cap);
        int r = c[1] ? wmel_features(c[1], x, n, o, cap) : -1;
        CHECK(r == WMEL_OK, "%s: the clean input again: %d", fe_name(k), r);
        free(x);
        free(o);
        for (int th = 0; th < 3; th++) wmel_destroy(c[th]);
    }
    /* every position, on plans whose frames are short against the chunks: hop 3 (windows
       overlapping many chunks, the start's reflection reading far into the signal), and
       hop 70 over a 50-sample window (samples that no frame reads) */
    static const int hops[] = {3, 70};
    for (size_t h = 0; h < 2; h++) {
        wmel_frontend_plan pl;
        wmel_frontend_preset(WMEL_FRONTEND_NEMO_LEGACY, 16, &pl);
        pl.hop = hops[h], pl.n_fft = 64, pl.frame_length = 50;
        if (h) pl.framing = WMEL_FRAMES_SNIP, pl.norm = WMEL_NORM_NONE;
        wmel_ctx *c[3];
        for (int th = 0; th < 3; th++) c[th] = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, th + 1);
        const size_t n = h ? 64 * 3 * 70 + 41 : 600, cap = 17 * (n + 2);
        float *x = malloc(n * sizeof *x), *o = malloc(cap * sizeof *o);
        t_chirp(x, n, 9);
        for (size_t i = 0; i < n && c[0] && c[1] && c[2]; i += h ? 7 : 1) bad_at(c, &pl, x, n, i, o, cap);
        if (c[2]) bad_at(c, &pl, x, n, n - 1, o, cap);
        free(x);
        free(o);
        for (int th = 0; th < 3; th++) wmel_destroy(c[th]);
    }
    /* n_frames: a few frames of a long input, whose rest the workers check in slices (of
       2^18 samples, from the last frame's end e): every 4099th sample, and each side of
       the ends and of the slices' edges */
    {
        wmel_frontend_plan pl;
        wmel_frontend_preset(WMEL_FRONTEND_NEMO_LEGACY, 16, &pl);
        pl.framing = WMEL_FRAMES_SNIP, pl.norm = WMEL_NORM_NONE, pl.n_frames = 5;
        wmel_ctx *c[3];
        for (int th = 0; th < 3; th++) c[th] = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, th + 1);
        const size_t n = 16000 * 60 + 123, cap = 16 * 5, e = 4 * (size_t)pl.hop + (size_t)pl.frame_length;
        float *x = malloc(n * sizeof *x), *o = malloc(cap * sizeof *o);
        t_chirp(x, n, 3);
        for (size_t i = 0; i < n && c[0] && c[1] && c[2]; i += 4099) bad_at(c, &pl, x, n, i, o, cap);
        for (size_t j = 0; j < 5 && c[0] && c[1] && c[2]; j++)
            for (size_t d = 0; d < 4; d++) {
                const size_t i = e + j * ((size_t)1 << 18) + d - 2;
                if (i < n) bad_at(c, &pl, x, n, i, o, cap);
            }
        if (c[2]) bad_at(c, &pl, x, n, n - 1, o, cap);
        int r = c[1] ? wmel_features(c[1], x, n, o, cap) : -1;
        CHECK(r == WMEL_OK, "n_frames 5 of 60 s: the clean input again: %d", r);
        free(x);
        free(o);
        for (int th = 0; th < 3; th++) wmel_destroy(c[th]);
    }
}

/* ---- edges ---- */

static void plan_check(void);

static void edges(void)
{
    wmel_frontend_plan pl;
    float x[2000];
    t_chirp(x, 2000, 3);
    size_t rows, cols;
    int st;
    for (int k = 0; k <= WMEL_FRONTEND_NEMO_LEGACY; k++) {
        CHECK(wmel_frontend_preset(k, 0, &pl) == WMEL_OK, "preset %d", k);
        wmel_ctx *c = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2);
        if (!c) continue;
        float o[4];
        CHECK(wmel_features(c, x, 0, o, 4) == WMEL_ERR_NO_SAMPLES, "%s: empty input", fe_name(k));
        CHECK(wmel_features_shape(c, 0, &rows, &cols) == WMEL_ERR_NO_SAMPLES, "%s: empty shape", fe_name(k));
        CHECK(wmel_features(c, NULL, 10, o, 4) == WMEL_ERR_NULL_POINTER, "%s: NULL pcm", fe_name(k));
        CHECK(wmel_features(NULL, x, 10, o, 4) == WMEL_ERR_NULL_POINTER, "%s: NULL ctx", fe_name(k));
        float y[1000];
        memcpy(y, x, sizeof y);
        y[500] = NAN;
        float big[80 * 10];
        CHECK(wmel_features(c, y, 1000, big, 0) == WMEL_ERR_BUFFER_TOO_SMALL || k == WMEL_FRONTEND_WHISPER,
              "%s: small buffer first", fe_name(k));
        float *o2 = malloc(200 * 1000 * sizeof *o2);
        int r = wmel_features(c, y, 1000, o2, 200 * 1000);
        CHECK(r == WMEL_ERR_NOT_FINITE, "%s: NaN input gives %d", fe_name(k), r);
        /* output overlapping the input */
        CHECK(wmel_features(c, o2, 1000, o2 + 10, 200 * 1000 - 10) == WMEL_ERR_INVALID_ARG, "%s: overlap", fe_name(k));
        free(o2);
        wmel_frontend_plan back;
        CHECK(wmel_ctx_plan(c, &back) == WMEL_OK && !memcmp(&back, &pl, sizeof pl), "%s: ctx plan", fe_name(k));
        CHECK(wmel_ctx_n_mels(c) == 80, "%s: n_mels", fe_name(k));
        if (k != WMEL_FRONTEND_WHISPER) {
            /* wmel_log_mel on a plan: wmel_features() of the samples and `padding` zeros */
            size_t r1 = 0, c1 = 0, r2 = 0, c2 = 0;
            wmel_features_shape(c, 1000, &r1, &c1);
            wmel_features_shape(c, 1160, &r2, &c2);
            float *a = malloc(r2 * c2 * sizeof *a), *bb = malloc(r2 * c2 * sizeof *bb), *xz = calloc(1160, sizeof *xz);
            int16_t s16[1000];
            for (int i = 0; i < 1000; i++) s16[i] = (int16_t)(i * 37 % 2001 - 1000);
            memcpy(xz, x, 1000 * sizeof *xz);
            CHECK(wmel_log_mel(c, x, 1000, 0, a, r1 * c1) == WMEL_OK && wmel_features(c, x, 1000, bb, r1 * c1) == WMEL_OK &&
                      !memcmp(a, bb, r1 * c1 * sizeof *a), "%s: log_mel = features", fe_name(k));
            CHECK(wmel_log_mel(c, x, 1000, 160, a, r2 * c2) == WMEL_OK && wmel_features(c, xz, 1160, bb, r2 * c2) == WMEL_OK &&
                      !memcmp(a, bb, r2 * c2 * sizeof *a), "%s: log_mel with padding = features of the padded", fe_name(k));
            CHECK(wmel_log_mel(c, x, 1000, 160, a, r2 * c2 - 1) == WMEL_ERR_BUFFER_TOO_SMALL, "%s: log_mel capacity", fe_name(k));
            for (int i = 0; i < 1000; i++) xz[i] = (float)s16[i] / 32768.0f;
            CHECK(wmel_log_mel_s16(c, s16, 1000, 160, a, r2 * c2) == WMEL_OK && wmel_features(c, xz, 1160, bb, r2 * c2) == WMEL_OK &&
                      !memcmp(a, bb, r2 * c2 * sizeof *a), "%s: log_mel_s16 = features of x / 32768", fe_name(k));
            float *two = malloc(2 * r1 * c1 * sizeof *two);
            CHECK(wmel_log_mel_batch(c, x, 2, 500, 500, 500, WMEL_BATCH_PER_CLIP, two, 2 * r1 * c1) == WMEL_OK,
                  "%s: log_mel_batch", fe_name(k));
            memset(xz, 0, 1160 * sizeof *xz);
            memcpy(xz, x + 500, 500 * sizeof *xz);
            CHECK(wmel_features(c, xz, 1000, bb, r1 * c1) == WMEL_OK && !memcmp(two + r1 * c1, bb, r1 * c1 * sizeof *bb),
                  "%s: batch clip 1 = features of its samples and padding", fe_name(k));
            CHECK(wmel_log_mel_batch(c, x, 2, 500, 500, 500, WMEL_BATCH_GLOBAL, two, 2 * r1 * c1) == WMEL_ERR_INVALID_ARG,
                  "%s: a global batch max is Whisper's", fe_name(k));
            free(two);
            free(a);
            free(bb);
            free(xz);
            CHECK(!wmel_windows_open_pcm(c, x, 1000, &st) && st == WMEL_ERR_INVALID_ARG, "%s: windows refused", fe_name(k));
        }
        wmel_destroy(c);
        /* the same through wmel_params.frontend */
        wmel_params p = wmel_default_params();
        p.frontend = k;
        c = wmel_create(&p, &st);
        CHECK(c && wmel_ctx_plan(c, &back) == WMEL_OK && !memcmp(&back, &pl, sizeof pl), "%s: params.frontend", fe_name(k));
        wmel_destroy(c);
        if (k != WMEL_FRONTEND_WHISPER) { /* CUDA by name: served where there is a device, else refused */
            p.backend = WMEL_BACKEND_CUDA;
            c = wmel_create(&p, &st);
            if (c)
                CHECK(st == WMEL_OK && !strcmp(wmel_backend_name(c), "cuda") && wmel_ctx_plan(c, &back) == WMEL_OK &&
                          !memcmp(&back, &pl, sizeof pl),
                      "%s: cuda", fe_name(k));
            else
                CHECK(st == WMEL_ERR_BACKEND_UNAVAILABLE, "%s: cuda refused: %d", fe_name(k), st);
            wmel_destroy(c);
        }
    }

    /* NeMo (current): n // 160 valid frames, the rest 0; below 320 samples all zeros */
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &pl);
    wmel_ctx *c = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2);
    static const size_t nemo_n[] = {1, 159, 160, 319, 320, 321, 480, 1999};
    for (size_t i = 0; c && i < sizeof nemo_n / sizeof nemo_n[0]; i++) {
        size_t n = nemo_n[i];
        float *o = feats(c, x, n, &rows, &cols, &st);
        CHECK(o && rows == 80 && cols == n / 160 + 1, "nemo n=%zu shape (%zu, %zu)", n, rows, cols);
        if (!o) continue;
        int zeros_ok = 1, nonzero = 0;
        for (size_t m = 0; m < rows; m++)
            for (size_t t = 0; t < cols; t++) {
                float v = o[m * cols + t];
                if ((t >= n / 160 || n < 320) && v != 0.0f) zeros_ok = 0;
                if (v != 0.0f) nonzero = 1;
            }
        CHECK(zeros_ok, "nemo n=%zu: frames past n // 160 (and all below 320 samples) are 0", n);
        CHECK(n < 320 || nonzero, "nemo n=%zu: all zero", n);
        free(o);
    }
    wmel_destroy(c);
    /* pad_to 16 */
    pl.pad_to = 16;
    c = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2);
    float *o = c ? feats(c, x, 1999, &rows, &cols, &st) : NULL;
    CHECK(o && cols == 16 && rows == 80, "nemo pad_to 16: (%zu, %zu)", rows, cols);
    for (size_t m = 0; o && m < rows; m++)
        for (size_t t = 1999 / 160; t < cols; t++) CHECK(o[m * cols + t] == 0.0f, "nemo pad_to: (%zu, %zu) not 0", m, t);
    free(o);
    wmel_destroy(c);

    /* NeMo legacy: reflect padding needs n > 256; every frame valid */
    wmel_frontend_preset(WMEL_FRONTEND_NEMO_LEGACY, 80, &pl);
    c = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2);
    CHECK(c && wmel_features_shape(c, 256, &rows, &cols) == WMEL_ERR_TOO_SHORT, "legacy 256 too short");
    o = c ? feats(c, x, 257, &rows, &cols, &st) : NULL;
    CHECK(o && cols == 2, "legacy 257: 2 frames");
    CHECK(o && o[cols - 1] != 0.0f, "legacy: the last frame is valid");
    free(o);
    wmel_destroy(c);

    /* Kaldi snip_edges frame counts; no frames below 400 samples */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &pl);
    c = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2);
    static const size_t kn[] = {1, 399, 400, 401, 559, 560, 1999};
    for (size_t i = 0; c && i < sizeof kn / sizeof kn[0]; i++) {
        size_t want = kn[i] < 400 ? 0 : 1 + (kn[i] - 400) / 160;
        CHECK(wmel_features_shape(c, kn[i], &rows, &cols) == WMEL_OK && rows == want && cols == 80,
              "kaldi n=%zu: (%zu, %zu), want %zu frames", kn[i], rows, cols, want);
        CHECK(wmel_features(c, x, kn[i], want ? NULL : NULL, 0) == (want ? WMEL_ERR_NULL_POINTER : WMEL_OK),
              "kaldi n=%zu: out NULL with %zu frames", kn[i], want);
    }
    wmel_destroy(c);
    pl.use_energy = 1;
    c = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2);
    CHECK(c && wmel_features_shape(c, 1999, &rows, &cols) == WMEL_OK && cols == 81, "kaldi energy: 81 columns");
    wmel_destroy(c);

    /* Seamless: odd frame counts get a zero frame; one frame gives zeros (NaN variance) */
    wmel_frontend_preset(WMEL_FRONTEND_SEAMLESS, 80, &pl);
    c = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2);
    static const size_t sn[] = {399, 400, 560, 720, 1999};
    for (size_t i = 0; c && i < sizeof sn / sizeof sn[0]; i++) {
        size_t nf = sn[i] < 400 ? 0 : 1 + (sn[i] - 400) / 160;
        o = feats(c, x, sn[i], &rows, &cols, &st);
        CHECK(st == WMEL_OK && rows == (nf + 1) / 2 && cols == 160, "seamless n=%zu: (%zu, %zu)", sn[i], rows, cols);
        if (o && nf % 2)
            for (size_t j = 80; j < 160; j++) CHECK(o[(rows - 1) * 160 + j] == 0.0f, "seamless n=%zu: pad frame", sn[i]);
        if (o && nf == 1)
            for (size_t j = 0; j < 80; j++) CHECK(o[j] == 0.0f, "seamless one frame: 0 (NaN variance)");
        free(o);
    }
    wmel_destroy(c);

    /* plan checks */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &pl);
    wmel_frontend_plan b = pl;
    b.n_fft = 514; /* 257 is prime */
    CHECK(!wmel_create_plan(NULL, &b, &st) && st == WMEL_ERR_INVALID_ARG, "n_fft 514 refused");
    b = pl, b.frame_length = 600;
    CHECK(!wmel_create_plan(NULL, &b, &st) && st == WMEL_ERR_INVALID_ARG, "frame_length > n_fft refused");
    b = pl, b.reserved_i[2] = 1;
    CHECK(!wmel_create_plan(NULL, &b, &st) && st == WMEL_ERR_INVALID_ARG, "reserved refused");
    b = pl, b.stack = 2, b.layout = WMEL_LAYOUT_MELS_FRAMES;
    CHECK(!wmel_create_plan(NULL, &b, &st) && st == WMEL_ERR_INVALID_ARG, "stacking needs frames x mels");
    b = pl, b.high_freq = 9000;
    CHECK(!wmel_create_plan(NULL, &b, &st) && st == WMEL_ERR_INVALID_ARG, "high_freq above Nyquist refused");
    b = pl, b.n_mels = 513;
    CHECK(!wmel_create_plan(NULL, &b, &st) && st == WMEL_ERR_INVALID_ARG, "513 mels refused");
    CHECK(!wmel_create_plan(NULL, NULL, &st) && st == WMEL_ERR_NULL_POINTER, "NULL plan");
    CHECK(wmel_frontend_preset(9, 80, &pl) == WMEL_ERR_INVALID_ARG, "unknown preset");
    CHECK(wmel_frontend_preset(WMEL_FRONTEND_WHISPER, 64, &pl) == WMEL_ERR_INVALID_ARG, "whisper 64 mels");
    /* Kaldi's bank at n_fft 512 from 20 Hz: up to 126 bins; from 127 on the lowest filter
       has no FFT bin under it, which Kaldi and kaldi-native-fbank refuse ("num_mel_bins
       too large"), and so does wmel */
    for (int m = 1; m <= 256; m++) {
        wmel_frontend_preset(WMEL_FRONTEND_KALDI, m, &pl);
        wmel_ctx *k = wmel_create_plan(NULL, &pl, &st);
        if (m <= 126) CHECK(k && st == WMEL_OK, "kaldi %d mels: %s", m, wmel_strerror(st));
        else CHECK(!k && st == WMEL_ERR_INVALID_ARG, "kaldi %d mels: refused as Kaldi does", m);
        wmel_destroy(k);
    }
    plan_check();
}

/* wmel_plan_check gives wmel_create_plan's status for any plan, with a sentence naming the
 * field that fails (Kaldi's bank: the largest n_mels that the range holds). */
static void plan_check(void)
{
    static const int fes[] = {WMEL_FRONTEND_WHISPER, WMEL_FRONTEND_NEMO, WMEL_FRONTEND_KALDI,
                              WMEL_FRONTEND_SEAMLESS, WMEL_FRONTEND_NEMO_LEGACY};
    static const double lows[] = {0.0, 20.0, 300.0, 3000.0, 7990.0};
    static const int ffts[] = {512, 400, 1024, 502};
    static const int mels[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 100, 120, 125, 126, 127, 128, 140, 200, 256, 257, 512, 513};
    char msg[320];
    int n = 0, refused = 0, capped = 0;
    for (int f = 0; f < 5; f++)
        for (int li = 0; li < 5; li++)
            for (int fi = 0; fi < 4; fi++)
                for (int mi = 0; mi < (int)(sizeof mels / sizeof mels[0]); mi++) {
                    const int m = mels[mi];
                    wmel_frontend_plan pl;
                    wmel_frontend_preset(fes[f], f == 0 ? 80 : 1, &pl);
                    pl.n_mels = m;
                    pl.low_freq = lows[li];
                    pl.n_fft = ffts[fi];
                    memset(msg, 'x', sizeof msg);
                    const int c = wmel_plan_check(&pl, msg, sizeof msg);
                    int st = 0;
                    wmel_ctx *k = wmel_create_plan(NULL, &pl, &st);
                    wmel_destroy(k);
                    n++;
                    CHECK(c == st, "plan_check %d vs create %d (frontend %d, n_mels %d, low %g, n_fft %d): %s",
                          c, st, fes[f], m, lows[li], ffts[fi], msg);
                    CHECK(memchr(msg, '\0', sizeof msg) != NULL, "message terminated");
                    CHECK(c ? strlen(msg) > 10 : msg[0] == '\0', "message only on failure: %s", msg);
                    if (c) refused++;
                    if (c && strstr(msg, "at most ")) {
                        /* the count it names is accepted, one more is not */
                        const int most = atoi(strstr(msg, "at most ") + 8);
                        capped++;
                        pl.n_mels = most;
                        CHECK(most >= 1 && most < m && wmel_plan_check(&pl, NULL, 0) == WMEL_OK,
                              "at most %d accepted (%s)", most, msg);
                        pl.n_mels = most + 1;
                        CHECK(wmel_plan_check(&pl, NULL, 0) == WMEL_ERR_INVALID_ARG, "%d refused", most + 1);
                    }
                }
    CHECK(refused > 0 && capped > 0 && refused < n, "%d plans: %d refused, %d with a cap", n, refused, capped);
    wmel_frontend_plan pl;
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 128, &pl);
    CHECK(wmel_plan_check(&pl, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "n_mels 128") &&
              strstr(msg, "at most 126"), "kaldi 128 mels: %s", msg);
    pl.n_mels = 80, pl.n_fft = 502; /* 251 is prime */
    CHECK(wmel_plan_check(&pl, msg, sizeof msg) && strstr(msg, "n_fft 502"), "%s", msg);
    pl.n_fft = 512, pl.frame_length = 600;
    CHECK(wmel_plan_check(&pl, msg, sizeof msg) && strstr(msg, "frame_length 600"), "%s", msg);
    pl.frame_length = 400, pl.stack = 2, pl.layout = WMEL_LAYOUT_MELS_FRAMES;
    CHECK(wmel_plan_check(&pl, msg, sizeof msg) && strstr(msg, "stack 2"), "%s", msg);
    pl.stack = 1, pl.reserved_d[4] = 1.0;
    CHECK(wmel_plan_check(&pl, msg, sizeof msg) && strstr(msg, "reserved_d[4]"), "%s", msg);
    pl.reserved_d[4] = 0.0, pl.low_freq = 7990.0, pl.n_mels = 1;
    CHECK(wmel_plan_check(&pl, msg, sizeof msg) && strstr(msg, "not one FFT bin"), "%s", msg);
    CHECK(wmel_plan_check(&pl, NULL, 0) == WMEL_ERR_INVALID_ARG, "msg NULL");
    CHECK(wmel_plan_check(&pl, msg, 4) == WMEL_ERR_INVALID_ARG && strlen(msg) == 3, "truncated: %s", msg);
    CHECK(wmel_plan_check(NULL, msg, sizeof msg) == WMEL_ERR_NULL_POINTER && strstr(msg, "NULL"), "NULL plan");
}

/* The Whisper plan runs Whisper's kernels: wmel_features equals wmel_log_mel bit for bit. */
static void whisper_plan(void)
{
    size_t n;
    float *x = t_load_wav("audio/speech_en.wav", &n);
    for (int mels = 80; mels <= 128; mels += 48) {
        wmel_frontend_plan pl;
        wmel_frontend_preset(WMEL_FRONTEND_WHISPER, mels, &pl);
        wmel_ctx *a = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2);
        wmel_ctx *b = t_ctx(WMEL_BACKEND_CPU, mels, WMEL_ISA_AUTO, 2, WMEL_NORM_WHOLE, 0);
        size_t rows, cols;
        int st;
        float *fa = a ? feats(a, x, n, &rows, &cols, &st) : NULL;
        float *fb = malloc((size_t)mels * wmel_n_frames(n, 0) * sizeof *fb);
        CHECK(b && wmel_log_mel(b, x, n, 0, fb, (size_t)mels * wmel_n_frames(n, 0)) == WMEL_OK, "log_mel");
        CHECK(fa && rows == (size_t)mels && cols == wmel_n_frames(n, 0) && !memcmp(fa, fb, rows * cols * 4),
              "whisper plan %d mels: wmel_features == wmel_log_mel bit for bit", mels);
        CHECK(a && !strcmp(wmel_kernel_name(a), wmel_kernel_name(b)), "whisper plan: same kernel");
        /* a plan one step off Whisper's geometry runs on the general path, close to it */
        pl.hop = 161;
        wmel_ctx *g = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2);
        CHECK(g && strstr(wmel_kernel_name(g), "f64"), "hop 161: the general path");
        wmel_destroy(g);
        free(fa);
        free(fb);
        wmel_destroy(a);
        wmel_destroy(b);
    }
    wmel_free(x);
}

/* The float64 real FFT against a direct DFT, every supported size up to 1024. */
/* wmel__fft_power (the C level's transform) against a direct DFT in long double: every
 * size n_fft <= 1024 (Stockham stages for n_fft / 2 = 4^k up to 256, the mixed-radix
 * transform otherwise), and the larger sizes speech models use: 1600, 2048, 4096. */
static void fft_one(int N)
{
    static double x[4096], pw[2050], work[8192], ref[2050];
    static long double rc_[4096], rs_[4096];
    wmel_fft f;
    int st = wmel__fft_init(&f, N);
    int m = N / 2;
    while (m % 2 == 0) m /= 2;
    while (m % 3 == 0) m /= 3;
    while (m % 5 == 0) m /= 5;
    if (m != 1) {
        CHECK(st == WMEL_ERR_INVALID_ARG, "fft %d: not 2^a 3^b 5^c, refused", N);
        wmel__fft_free(&f);
        return;
    }
    CHECK(st == WMEL_OK, "fft %d init", N);
    if (st) return;
    for (int j = 0; j < N; j++) x[j] = 2 * urand() - 1;
    wmel__fft_power(&f, x, pw, work);
    for (int i = 0; i < N; i++) { /* the roots once (long double is software on some targets) */
        long double a = -2.0L * 3.14159265358979323846264338327950288L * (long double)i / N;
        rc_[i] = cosl(a);
        rs_[i] = sinl(a);
    }
    double tot = 0, err = 0;
    for (int k = 0; k <= N / 2; k++) {
        long double re = 0, im = 0;
        for (int j = 0; j < N; j++) {
            const int i = (int)((long long)j * k % N);
            re += x[j] * rc_[i];
            im += x[j] * rs_[i];
        }
        ref[k] = (double)(re * re + im * im);
        tot += ref[k];
    }
    for (int k = 0; k <= N / 2; k++) err = fmax(err, fabs(pw[k] - ref[k]));
    CHECK(err <= FFT_TOL * tot, "fft %d: max error %.3g of total power %.3g", N, err, tot);
    wmel__fft_free(&f);
}

static void fft_sizes(void)
{
    for (int N = 4; N <= 1024; N += 2) fft_one(N);
    fft_one(1600);
    fft_one(2048);
    if (!t_emulated()) fft_one(4096); /* 8 M long double products: software under an emulator */
}

/* The transform sizes speech models use beyond Whisper's 400, each at every ISA level and
 * 1-3 threads against the float64 reference (check_input): n_fft 512 with a 320-sample
 * window (the radix-4 path; 400 samples are the presets'), 1024 (SpeechT5's magnitude
 * Slaney log10; Kaldi's processing with energy; a dithered plan, the lanes' general path), 400
 * off Whisper's geometry (the prime-factor transform), 1600, 2048 and 4096 (the mixed-radix transform: radices 5, 2, 4 / 4 / 2, 4). A few inputs
 * each (the reference's direct DFT costs n_fft^2 per frame): a chirp of 24,000 samples (12,000
 * under an emulator), noise of an odd length, a clip shorter than one frame, and a full-scale square. */
static void size_cases_run(const wmel_frontend_plan *pl)
{
    const size_t maxn = 24000;
    float *x = malloc(maxn * sizeof *x);
    if (!x) return;
    const size_t lens[] = {1, (size_t)pl->n_fft - 1, (size_t)pl->n_fft + 1};
    for (size_t i = 0; i < 3; i++) {
        t_chirp(x, lens[i], (unsigned)lens[i]);
        check_input(pl, x, lens[i], "chirp");
    }
    const size_t nl = t_emulated() ? 12000 : maxn;
    t_chirp(x, nl, 11);
    check_input(pl, x, nl, "chirp");
    for (size_t i = 0; i < nl - 333; i++) x[i] = (float)(2.0 * urand() - 1.0);
    check_input(pl, x, nl - 333, "noise");
    for (size_t i = 0; i < nl; i++) x[i] = (i / 13) % 2 ? 1.0f : -1.0f;
    check_input(pl, x, nl, "square");
    free(x);
}

/* size_cases_run, its largest errors per ISA level printed (and kept in worst[]). */
static void size_cases(const wmel_frontend_plan *pl)
{
    double keep[8][5];
    memcpy(keep, worst, sizeof keep);
    memset(worst, 0, sizeof worst);
    size_cases_run(pl);
    const int k = pl->frontend & 7;
    printf("  n_fft %4d frame %4d %-6s max error x FE_TOL: c %.3g, avx2 %.3g, avx512 %.3g, neon/simd128/w8emu %.3g\n",
           pl->n_fft, pl->frame_length, pl->dither != 0.0 ? "dither" : "", worst[k][1], worst[k][2], worst[k][3],
           worst[k][4]);
    for (int a = 0; a < 8; a++)
        for (int b = 0; b < 5; b++) worst[a][b] = fmax(worst[a][b], keep[a][b]);
}

static void fft_size_plans(void)
{
    wmel_frontend_plan pl;
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &pl); /* 20 ms at 16 kHz in 512 points */
    pl.frame_length = 320, pl.hop = 160;
    size_cases(&pl);
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &pl); /* SpeechT5 */
    pl.n_fft = 1024, pl.frame_length = 1024, pl.hop = 256, pl.power = 1, pl.preemph = 0;
    pl.mel_norm = WMEL_MELNORM_SLANEY, pl.low_freq = 80, pl.high_freq = 7600, pl.norm = WMEL_NORM_NONE;
    pl.log = WMEL_LOG10_CLAMP, pl.log_guard = 1e-10, pl.framing = WMEL_FRAMES_CENTER_REFLECT;
    size_cases(&pl);
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 64, &pl); /* Kaldi's processing in 1024 points */
    pl.n_fft = 1024, pl.frame_length = 800, pl.hop = 320, pl.use_energy = 1, pl.sample_rate = 32000;
    size_cases(&pl);
    pl.dither = 1.0, pl.dither_seed = 7; /* the lanes' general path */
    size_cases(&pl);
    /* n_fft 400 off Whisper's geometry (the prime-factor transform of the lanes): Kaldi's
       processing (DC removal, energy, frame pre-emphasis) on a 320-sample window; a plain
       windowed frame with scale 1 and a linear spectrum (torchaudio's Spectrogram); NeMo's
       signal pre-emphasis and a scale other than a power of two */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 40, &pl);
    pl.n_fft = 400, pl.frame_length = 320, pl.hop = 160, pl.use_energy = 1;
    size_cases(&pl);
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 201, &pl);
    pl.n_fft = 400, pl.frame_length = 400, pl.remove_dc = 0, pl.preemph = 0, pl.scale = 1.0;
    pl.window = WMEL_WINDOW_HANN_PERIODIC, pl.framing = WMEL_FRAMES_CENTER_REFLECT, pl.linear_bins = 1;
    pl.first_bin = 0, pl.bank_flags = 0, pl.log = WMEL_LOG_NONE, pl.norm = WMEL_NORM_NONE;
    size_cases(&pl);
    pl.layout = WMEL_LAYOUT_MELS_FRAMES; /* bins x frames: the kernel's spectrum is the columns */
    size_cases(&pl);
    pl.n_fft = 512, pl.hop = 128, pl.n_mels = 257; /* the same on the 512 path (frames of 384 samples and more) */
    size_cases(&pl);
    pl.frame_length = 320; /* and on the radix-4 path */
    size_cases(&pl);
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &pl);
    pl.n_fft = 400, pl.frame_length = 400, pl.scale = 0.3;
    size_cases(&pl);
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 128, &pl);
    pl.n_fft = 1600, pl.frame_length = 1600, pl.hop = 400, pl.sample_rate = 24000;
    size_cases(&pl);
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 128, &pl);
    pl.n_fft = 2048, pl.frame_length = 2048, pl.hop = 512, pl.sample_rate = 44100, pl.norm = WMEL_NORM_NONE;
    size_cases(&pl);
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 229, &pl); /* Pop2Piano's geometry */
    pl.n_fft = 4096, pl.frame_length = 4096, pl.hop = 1024, pl.sample_rate = 22050, pl.low_freq = 10;
    pl.power = 1, pl.norm = WMEL_NORM_NONE;
    size_cases(&pl);
}

/* The automatic level picks each kernel family's faster level on this CPU: Whisper's float32
 * kernel at the CPU's top level, the general float64 kernel at AVX2 where the CPU has AVX-512
 * (unless AVX-512 is asked for by name, through params.max_isa or WMEL_MAX_ISA). */
static void auto_kernels(void)
{
    const int top = wmel__cpu_isa();
    const char *env = getenv("WMEL_MAX_ISA");
    if (env && *env) return; /* a capped run: the choice is the cap's */
    wmel_frontend_plan pl;
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &pl);
    wmel_ctx *a = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1);
    wmel_params wp = wmel_default_params();
    wp.backend = WMEL_BACKEND_CPU;
    wmel_ctx *w = wmel_create(&wp, NULL);
    if (!a || !w) {
        CHECK(0, "auto kernels: create");
        wmel_destroy(a);
        wmel_destroy(w);
        return;
    }
    const char *fe_want = top == WMEL_ISA_AVX512 || top == WMEL_ISA_AVX2 ? "avx2-f64x4"
                          : top == WMEL_ISA_NEON                        ? "neon-f64x2"
                          : top == WMEL_ISA_WASM_SIMD128                ? "wasm-simd128-f64x2"
                                                                        : "c-f64";
    CHECK(!strcmp(a->fe->kern->name, fe_want), "AUTO on CPU level %d: general kernel %s, not %s", top,
          a->fe->kern->name, fe_want);
    CHECK(w->isa == top, "AUTO on CPU level %d: Whisper's kernel at level %d", top, w->isa);
    if (top == WMEL_ISA_AVX512) { /* asked for by name: the AVX-512 kernel */
        wmel_ctx *b = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AVX512, 1);
        CHECK(b && !strcmp(b->fe->kern->name, "avx512-f64x8"), "max_isa AVX512: %s",
              b ? b->fe->kern->name : "no ctx");
        wmel_destroy(b);
        t_setenv("WMEL_MAX_ISA", "avx512", 1);
        b = plan_ctx(&pl, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1);
        CHECK(b && !strcmp(b->fe->kern->name, "avx512-f64x8"), "WMEL_MAX_ISA=avx512: %s",
              b ? b->fe->kern->name : "no ctx");
        t_unsetenv("WMEL_MAX_ISA");
        wmel_destroy(b);
    }
    wmel_destroy(a);
    wmel_destroy(w);
}

int main(void)
{
    fft_sizes();
    edges();
    not_finite();
    whisper_plan();
    auto_kernels();
    fft_size_plans();
    static const int presets[] = {WMEL_FRONTEND_NEMO, WMEL_FRONTEND_NEMO_LEGACY, WMEL_FRONTEND_KALDI,
                                  WMEL_FRONTEND_SEAMLESS};
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        wmel_frontend_plan pl;
        wmel_frontend_preset(presets[i], presets[i] == WMEL_FRONTEND_NEMO ? 128 : 80, &pl);
        signals(&pl);
        goldens(&pl);
    }
    /* the named presets whose finish or post stage is shared out among the workers (deltas,
       stacking with a fill, LFR, whole-clip and per-column normalisation): 2 and 3 threads
       bit-identical to 1, at lengths around the chunks and the post stage's groups of rows */
    static const char *named[] = {"granite-speech5", "speech2text", "wespeaker", "xcodec2", "fun-asr-nano"};
    static const size_t nlens[] = {1000, 10250, 20490, 16000 * 3 + 77};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        wmel_frontend_plan np;
        char msg[128];
        CHECK(wmel_preset_plan(named[i], &np, msg, sizeof msg) == WMEL_OK, "preset %s: %s", named[i], msg);
        wmel_ctx *c[3];
        for (int th = 0; th < 3; th++) c[th] = plan_ctx(&np, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, th + 1);
        for (size_t li = 0; li < sizeof nlens / sizeof nlens[0] && c[0] && c[1] && c[2]; li++) {
            const size_t n = nlens[li];
            size_t rows = 0, cols = 0;
            wmel_features_shape(c[0], n, &rows, &cols);
            float *x = malloc(n * sizeof *x), *o[3];
            t_chirp(x, n, (unsigned)n);
            for (int th = 0; th < 3; th++) {
                o[th] = malloc((rows && cols ? rows * cols : 1) * sizeof(float));
                const int r = o[th] ? wmel_features(c[th], x, n, o[th], rows * cols) : -1;
                CHECK(r == WMEL_OK, "preset %s n=%zu threads %d: status %d", named[i], n, th + 1, r);
                CHECK(th == 0 || !memcmp(o[0], o[th], rows * cols * sizeof(float)),
                      "preset %s n=%zu: threads %d differ from 1", named[i], n, th + 1);
            }
            for (int th = 0; th < 3; th++) free(o[th]);
            free(x);
        }
        for (int th = 0; th < 3; th++) wmel_destroy(c[th]);
    }
    /* plans off the presets: Kaldi with energy, a Hamming window and scale 1; NeMo with 80
       bins, no normalisation and pad_to 16; a 400-point (radix 5) and a 480-point (radix 3)
       transform with the magnitude spectrum, Kaldi mel and Slaney norm; Whisper's log and
       normalisation at hop 100 */
    wmel_frontend_plan pl;
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 23, &pl);
    pl.use_energy = 1, pl.energy_floor = 1.0, pl.window = WMEL_WINDOW_HAMMING, pl.scale = 1.0;
    signals(&pl);
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &pl);
    pl.norm = WMEL_NORM_NONE, pl.pad_to = 16;
    signals(&pl);
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 40, &pl);
    pl.n_fft = 400, pl.power = 1, pl.mel_norm = WMEL_MELNORM_SLANEY, pl.window = WMEL_WINDOW_RECT;
    pl.framing = WMEL_FRAMES_CENTER_REFLECT, pl.log = WMEL_LOG_NONE;
    signals(&pl);
    pl.n_fft = 480, pl.framing = WMEL_FRAMES_CENTER_ZERO, pl.log = WMEL_LOG_ADD, pl.log_guard = 1e-6;
    pl.norm = WMEL_NORM_MEAN_VAR, pl.norm_eps = 1e-3, pl.layout = WMEL_LAYOUT_MELS_FRAMES, pl.stack = 1;
    signals(&pl);
    wmel_frontend_preset(WMEL_FRONTEND_WHISPER, 80, &pl);
    pl.hop = 100;
    signals(&pl);
    /* the lane kernels' radix-4 path at other sizes than 512 (n_fft = 2 * 4^k): 128 points
       with an odd frame of 101 (a part-filled group of four samples, an odd point count)
       and Kaldi's processing; 2048 points with 1999 samples, energy, signal pre-emphasis,
       reflection and the magnitude spectrum */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 20, &pl);
    pl.n_fft = 128, pl.frame_length = 101, pl.hop = 40;
    signals(&pl);
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 64, &pl);
    pl.n_fft = 2048, pl.frame_length = 1999, pl.hop = 512, pl.use_energy = 1, pl.power = 1;
    pl.framing = WMEL_FRAMES_CENTER_REFLECT, pl.norm = WMEL_NORM_NONE;
    signals(&pl);
    const int cpu = wmel__cpu_isa();
    const char *isan[] = {"", "c", "avx2", "avx512",
                          cpu == WMEL_ISA_NEON ? "neon" : cpu == WMEL_ISA_WASM_SIMD128 ? "simd128" : "w8emu"};
    for (int k = 0; k < 5; k++)
        for (int isa = 1; isa <= 4; isa++)
            if ((isa <= cpu && (isa == WMEL_ISA_C || wmel__isa_level(isa) == isa)) ||
                (isa == 4 && (cpu == WMEL_ISA_AVX2 || cpu == WMEL_ISA_WASM_SIMD128)))
            printf("  %-12s isa %-6s max error %.3g x FE_TOL (%.2g)\n", fe_name(k), isan[isa], worst[k][isa],
                   worst[k][isa] * FE_TOL);
    return t_done("test_frontends");
}
