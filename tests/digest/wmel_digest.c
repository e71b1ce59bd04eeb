/*
 * wmel_digest.c -- a digest of every output the library computes, for checking that a
 * change to the engine leaves every bit where it was (not a test by itself:
 * tests/digest/compare.sh runs it on two builds and compares the lines).
 *
 * For each input (the golden WAV files given on the command line, and synthetic signals:
 * noise at the edge lengths, a clipped square, silence) it prints one line per case:
 *
 *   <case> <status> <values> <fnv1a-64 of the float32 bits> <kernel>
 *
 * over Whisper's log-Mel (80 and 128 mels, each normalisation, 3x3 smoothing, padding,
 * batch per clip and global, int16 input), every preset plan and plans off the presets
 * (energy, windows, hops, n_fft 400/1024, magnitude, each normalisation and layout), at
 * every ISA level this CPU runs (asked for by name, and AUTO) and 1, 2 and 3 threads, on
 * the CPU and the float64 reference backends, and through the frame stream, the sliding
 * buffer and the 30 s windows. The kernel is printed beside the digest, so that a change
 * of kernel choice shows as a changed line even where the bits agree.
 *
 * With --stem WEIGHTS.safetensors, the encoder stem on each input's first 30 s too.
 *
 * --same-bits (the same bits on every level, processor and platform: tests/digest/same_bits.sh):
 * the CPU backend only, every level this CPU runs and 1-3 threads, the quick signals, no
 * stem; each case printed once, without its level, thread count or kernel
 * ("<case> <status> <values> <fnv1a-64>"), and the exit status 1 when a case's bits differ
 * between levels or thread counts (each such case on stderr).
 *
 * --threads N: 1..N threads instead of 1-3 (under an emulator, where the levels are what is
 * particular to the target and each thread count is another pass of the whole list);
 * --thread N: N threads alone (one process per thread count, side by side: same_bits.sh).
 *
 *   wmel-digest [--quick | --same-bits] [--threads N | --thread N] [--stem WEIGHTS.safetensors] FILE.wav...
 */
#define _POSIX_C_SOURCE 200809L
#include "wmel.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32) /* mingw-w64: _putenv_s for POSIX's setenv/unsetenv */
#include <fcntl.h>
#include <io.h>
#define setenv(name, value, overwrite) ((void)(overwrite), _putenv_s((name), (value)))
#define unsetenv(name) _putenv_s((name), "")
#endif

/* A library that reads the environment once (src/config.h) reads it again through its test
 * door (src/testctl.h: WMEL__TC_ENV_RELOAD, 1) after the stem's variables change; digest.cmake
 * says whether the library has one. */
#ifdef WMEL_DIGEST_ENV_RELOAD
int wmel__test_ctl(int op, ...);
#define ENV_CHANGED() ((void)wmel__test_ctl(1))
#else
#define ENV_CHANGED() ((void)0)
#endif

static int quick;
static int min_threads = 1, max_threads = 3; /* --threads N: 1..N threads; --thread N: N alone (N 1-3) */

static uint64_t fnv(const float *x, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    const unsigned char *b = (const unsigned char *)x;
    for (size_t i = 0; i < n * sizeof(float); i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* --same-bits: one line per case with the level and the thread count taken out of its name,
 * kept in memory; a case whose value differs between levels or thread counts is counted
 * and reported on stderr. */
static int same_bits;
typedef struct {
    char *key, *val;
} kept;
static kept *kept_v;
static size_t kept_n, kept_cap, kept_differ;

/* what without its " isa=NAME" and " threads=N" words */
static void strip_level(const char *what, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *w = what; *w && o + 1 < cap;) {
        if (*w == ' ' && (!strncmp(w + 1, "isa=", 4) || !strncmp(w + 1, "threads=", 8))) {
            w++;
            while (*w && *w != ' ') w++;
            continue;
        }
        out[o++] = *w++;
    }
    out[o] = 0;
}

static void keep(const char *key, const char *val)
{
    for (size_t i = kept_n; i-- > 0;)
        if (!strcmp(kept_v[i].key, key)) {
            if (strcmp(kept_v[i].val, val)) {
                kept_differ++;
                fprintf(stderr, "wmel-digest: levels or thread counts differ: %s: %s vs %s\n", key, kept_v[i].val, val);
            }
            return;
        }
    if (kept_n == kept_cap) {
        kept_cap = kept_cap ? 2 * kept_cap : 1024;
        kept *v = realloc(kept_v, kept_cap * sizeof *v);
        if (!v) {
            fprintf(stderr, "wmel-digest: out of memory\n");
            exit(2);
        }
        kept_v = v;
    }
    kept_v[kept_n].key = strdup(key);
    kept_v[kept_n].val = strdup(val);
    if (!kept_v[kept_n].key || !kept_v[kept_n].val) {
        fprintf(stderr, "wmel-digest: out of memory\n");
        exit(2);
    }
    kept_n++;
}

static void emit(const char *input, const char *what, int rc, size_t n, uint64_t h, const char *kernel)
{
    if (!same_bits) {
        printf("%s|%s %d %zu %016llx %s\n", input, what, rc, rc ? 0 : n, rc ? 0ull : (unsigned long long)h,
               kernel ? kernel : "-");
        return;
    }
    char key[400], val[80];
    char w[300];
    strip_level(what, w, sizeof w);
    snprintf(key, sizeof key, "%s|%s", input, w);
    snprintf(val, sizeof val, "%d %zu %016llx", rc, rc ? 0 : n, rc ? 0ull : (unsigned long long)h);
    keep(key, val);
}

static void line(const char *input, const char *what, int rc, const float *x, size_t n, const char *kernel)
{
    emit(input, what, rc, n, rc ? 0 : fnv(x, n), kernel);
}

static const int ISAS[] = {WMEL_ISA_C, WMEL_ISA_AVX2, WMEL_ISA_AVX512, WMEL_ISA_NEON, WMEL_ISA_WASM_SIMD128,
                           WMEL_ISA_AUTO};
static const char *const ISA_NAMES[] = {"c", "avx2", "avx512", "neon", "simd128", "auto"};

/* 1 when the CPU runs `isa` (a ctx created with it reports that level's kernel). */
static int runs(int isa)
{
    if (isa == WMEL_ISA_AUTO || isa == WMEL_ISA_C) return 1;
    wmel_params p = wmel_default_params();
    p.max_isa = isa;
    p.backend = WMEL_BACKEND_CPU;
    wmel_ctx *c = wmel_create(&p, NULL);
    const char *k = c ? wmel_kernel_name(c) : "";
    int ok = (isa == WMEL_ISA_AVX2 && strstr(k, "avx2")) || (isa == WMEL_ISA_AVX512 && strstr(k, "avx512")) ||
             (isa == WMEL_ISA_NEON && strstr(k, "neon")) || (isa == WMEL_ISA_WASM_SIMD128 && strstr(k, "simd128"));
    wmel_destroy(c);
    return ok;
}

static void whisper(const char *in, const float *x, size_t n)
{
    static const int mels[] = {80, 128};
    for (size_t mi = 0; mi < 2; mi++)
        for (int norm = 0; norm < 2; norm++)
            for (int sm = 0; sm < 2; sm++)
                for (size_t ii = 0; ii < sizeof ISAS / sizeof ISAS[0]; ii++) {
                    if (!runs(ISAS[ii]) || (same_bits && ISAS[ii] == WMEL_ISA_AUTO)) continue;
                    for (int th = min_threads; th <= max_threads; th++) {
                        if (quick && !same_bits && th == 3) continue;
                        wmel_params p = wmel_default_params();
                        p.n_mels = mels[mi];
                        p.norm = norm ? WMEL_NORM_NONE : WMEL_NORM_WHOLE;
                        p.smooth = sm ? WMEL_SMOOTH_3X3 : WMEL_SMOOTH_NONE;
                        p.max_isa = ISAS[ii];
                        p.backend = WMEL_BACKEND_CPU;
                        p.n_threads = th;
                        int st;
                        wmel_ctx *c = wmel_create(&p, &st);
                        if (!c) {
                            line(in, "whisper create", st, NULL, 0, NULL);
                            continue;
                        }
                        for (int pad = 0; pad < 2; pad++) {
                            const size_t padding = pad ? 480000 : 0;
                            const size_t nf = wmel_n_frames(n, padding), len = (size_t)mels[mi] * nf;
                            float *o = malloc((len ? len : 1) * sizeof(float));
                            int rc = wmel_log_mel(c, x, n, padding, o, len);
                            char what[160];
                            snprintf(what, sizeof what, "whisper mels=%d norm=%d smooth=%d isa=%s threads=%d pad=%zu",
                                     mels[mi], norm, sm, ISA_NAMES[ii], th, padding);
                            line(in, what, rc, o, len, wmel_kernel_name(c));
                            free(o);
                        }
                        if (th == 2 && !sm && n > 400) { /* batch of 2 clips: the signal and its reverse */
                            const size_t nf = wmel_n_frames(n, 0), len = 2 * (size_t)mels[mi] * nf;
                            float *two = malloc(2 * n * sizeof(float)), *o = malloc(len * sizeof(float));
                            for (size_t i = 0; i < n; i++) two[i] = x[i], two[n + i] = x[n - 1 - i];
                            for (int bn = 0; bn < 2; bn++) {
                                int rc = wmel_log_mel_batch(c, two, 2, n, n, 0, bn, o, len);
                                char what[160];
                                snprintf(what, sizeof what, "whisper-batch mels=%d norm=%d isa=%s global=%d",
                                         mels[mi], norm, ISA_NAMES[ii], bn);
                                line(in, what, rc, o, len, wmel_kernel_name(c));
                            }
                            int16_t *s16 = malloc(n * sizeof(int16_t));
                            for (size_t i = 0; i < n; i++) {
                                float v = x[i] * 32768.0f;
                                s16[i] = (int16_t)(v > 32767.0f ? 32767 : v < -32768.0f ? -32768 : (int)lrintf(v));
                            }
                            int rc = wmel_log_mel_s16(c, s16, n, 0, o, len / 2);
                            char what[160];
                            snprintf(what, sizeof what, "whisper-s16 mels=%d norm=%d isa=%s", mels[mi], norm,
                                     ISA_NAMES[ii]);
                            line(in, what, rc, o, len / 2, wmel_kernel_name(c));
                            free(s16);
                            free(two);
                            free(o);
                        }
                        wmel_destroy(c);
                    }
                }
}

/* the plans: presets and variants */
typedef struct {
    const char *name;
    int frontend, n_mels;
    void (*edit)(wmel_frontend_plan *);
} plan_case;

static void e_none(wmel_frontend_plan *p) { (void)p; }
static void e_energy(wmel_frontend_plan *p) { p->use_energy = 1, p->energy_floor = 1.0; }
static void e_hamming(wmel_frontend_plan *p) { p->window = WMEL_WINDOW_HAMMING, p->scale = 1.0; }
static void e_hop100(wmel_frontend_plan *p) { p->hop = 100, p->norm = WMEL_NORM_MEAN_VAR; }
static void e_magnitude(wmel_frontend_plan *p) { p->power = 1, p->norm = WMEL_NORM_WHOLE, p->log = WMEL_LOG10_CLAMP, p->log_guard = 1e-10; }
static void e_fft1024(wmel_frontend_plan *p) { p->n_fft = 1024, p->frame_length = 1024, p->hop = 256, p->norm = WMEL_NORM_NONE; }
static void e_fft400(wmel_frontend_plan *p) { p->n_fft = 400, p->window = WMEL_WINDOW_RECT, p->remove_dc = 0; }
static void e_nolog(wmel_frontend_plan *p) { p->log = WMEL_LOG_NONE, p->norm = WMEL_NORM_NONE; }
static void e_rows(wmel_frontend_plan *p) { p->layout = WMEL_LAYOUT_FRAMES_MELS, p->norm = WMEL_NORM_PER_FEATURE; }

static const plan_case PLANS[] = {
    {"nemo80", WMEL_FRONTEND_NEMO, 80, e_none},
    {"nemo128", WMEL_FRONTEND_NEMO, 128, e_none},
    {"nemo-legacy80", WMEL_FRONTEND_NEMO_LEGACY, 80, e_none},
    {"kaldi80", WMEL_FRONTEND_KALDI, 80, e_none},
    {"kaldi40-energy", WMEL_FRONTEND_KALDI, 40, e_energy},
    {"kaldi80-hamming", WMEL_FRONTEND_KALDI, 80, e_hamming},
    {"seamless80", WMEL_FRONTEND_SEAMLESS, 80, e_none},
    {"nemo64-hop100", WMEL_FRONTEND_NEMO, 64, e_hop100},
    {"nemo80-magnitude", WMEL_FRONTEND_NEMO, 80, e_magnitude},
    {"kaldi23-fft1024", WMEL_FRONTEND_KALDI, 23, e_fft1024},
    {"kaldi80-fft400", WMEL_FRONTEND_KALDI, 80, e_fft400},
    {"nemo80-nolog", WMEL_FRONTEND_NEMO, 80, e_nolog},
    {"nemo80-rows", WMEL_FRONTEND_NEMO, 80, e_rows},
};

typedef struct {
    float *buf;
    size_t cols, frames, cap;
} collect;

static int on_frames(void *user, const float *raw, size_t f0, size_t nf)
{
    collect *c = user;
    if (f0 != c->frames) return WMEL_ERR_INVALID_ARG;
    if ((f0 + nf) * c->cols > c->cap) {
        size_t cap = 2 * (f0 + nf) * c->cols;
        float *b = realloc(c->buf, cap * sizeof(float));
        if (!b) return WMEL_ERR_NO_MEMORY;
        c->buf = b, c->cap = cap;
    }
    for (size_t t = 0; t < nf; t++)
        for (size_t m = 0; m < c->cols; m++) c->buf[(f0 + t) * c->cols + m] = raw[m * nf + t];
    c->frames += nf;
    return WMEL_OK;
}

/* The next piece's size: 1 .. max from a fixed LCG sequence, at most `left`. */
static size_t piece(uint32_t *r, size_t max, size_t left)
{
    *r = *r * 1664525u + 1013904223u;
    const size_t k = 1 + (*r >> 8) % max;
    return k < left ? k : left;
}

/* The frame stream and the sliding buffer of a ctx, fed in pieces of a fixed pseudo-random
 * sequence of sizes. */
static void live(const char *in, const char *what, wmel_ctx *c, const float *x, size_t n, size_t cols)
{
    collect col = {NULL, cols, 0, 0};
    int st;
    wmel_stream *s = wmel_stream_create(c, 0, on_frames, &col, &st);
    if (s) {
        uint32_t r = 12345u;
        size_t at = 0;
        while (st == WMEL_OK && at < n) {
            const size_t k = piece(&r, 9000, n - at);
            st = wmel_stream_push(s, x + at, k);
            at += k;
        }
        if (st == WMEL_OK) st = wmel_stream_finish(s);
        wmel_stream_destroy(s);
    }
    char w[200];
    snprintf(w, sizeof w, "%s stream", what);
    line(in, w, st, col.buf, col.frames * cols, wmel_kernel_name(c));
    free(col.buf);

    wmel_sliding *b = wmel_sliding_create(c, &st);
    uint64_t h = 1469598103934665603ull;
    size_t values = 0;
    if (b) {
        uint32_t r = 777u;
        size_t at = 0;
        while (st == WMEL_OK && at < n) {
            const size_t k = piece(&r, 24000, n - at);
            st = wmel_sliding_push(b, x + at, k);
            at += k;
            if (st != WMEL_OK) break;
            if (wmel_sliding_length(b) > 8 * 16000) st = wmel_sliding_trim(b, wmel_sliding_length(b) - 6 * 16000);
            size_t rows, cl;
            if (st != WMEL_OK || wmel_sliding_shape(b, 0, &rows, &cl) != WMEL_OK || rows == 0 || cl == 0) continue;
            float *o = malloc(rows * cl * sizeof(float));
            st = wmel_sliding_features(b, 0, o, rows * cl);
            if (st == WMEL_OK) {
                h ^= fnv(o, rows * cl);
                h *= 1099511628211ull;
                values += rows * cl;
            }
            free(o);
        }
        wmel_sliding_destroy(b);
    }
    char ws[200];
    snprintf(ws, sizeof ws, "%s sliding", what);
    emit(in, ws, st, values, h, wmel_kernel_name(c));
}

/* One plan at every level this CPU runs and 1-3 threads (1-2 with --quick), and on the
 * float64 reference backend; the frame stream and the sliding buffer of its unnormalised
 * columns at 2 threads. */
static void plan_all(const char *in, const float *x, size_t n, const char *name, const wmel_frontend_plan *pl)
{
    for (int be = 0; be < 2; be++)
        for (size_t ii = 0; ii < sizeof ISAS / sizeof ISAS[0]; ii++) {
            if (!runs(ISAS[ii]) || (be && ISAS[ii] != WMEL_ISA_AUTO)) continue;
            if (same_bits && (be || ISAS[ii] == WMEL_ISA_AUTO)) continue;
            for (int th = min_threads; th <= max_threads; th++) {
                if ((be || (quick && !same_bits)) && th == 3) continue;
                wmel_params p = wmel_default_params();
                p.max_isa = ISAS[ii];
                p.backend = be ? WMEL_BACKEND_REF : WMEL_BACKEND_CPU;
                p.n_threads = th;
                int st;
                wmel_ctx *c = wmel_create_plan(&p, pl, &st);
                char what[160];
                snprintf(what, sizeof what, "plan %s backend=%s isa=%s threads=%d", name, be ? "ref" : "cpu",
                         ISA_NAMES[ii], th);
                if (!c) {
                    line(in, what, st, NULL, 0, NULL);
                    continue;
                }
                size_t rows = 0, cols = 0;
                int rc = wmel_features_shape(c, n, &rows, &cols);
                float *o = malloc((rows && cols ? rows * cols : 1) * sizeof(float));
                if (rc == WMEL_OK) rc = wmel_features(c, x, n, o, rows * cols);
                line(in, what, rc, o, rows * cols, wmel_kernel_name(c));
                free(o);
                if (!be && th == 2) {
                    /* the stream gives the raw (unnormalised) columns: a ctx with norm none */
                    wmel_frontend_plan raw = *pl;
                    raw.norm = WMEL_NORM_NONE;
                    wmel_ctx *rc2 = wmel_create_plan(&p, &raw, &st);
                    if (rc2) {
                        live(in, what, rc2, x, n, (size_t)(pl->n_ceps > 0 ? pl->n_ceps : pl->n_mels + pl->use_energy));
                        wmel_destroy(rc2);
                    }
                }
                wmel_destroy(c);
            }
        }
}

static void plans(const char *in, const float *x, size_t n)
{
    for (size_t pi = 0; pi < sizeof PLANS / sizeof PLANS[0]; pi++) {
        wmel_frontend_plan pl;
        wmel_frontend_preset(PLANS[pi].frontend, PLANS[pi].n_mels, &pl);
        PLANS[pi].edit(&pl);
        plan_all(in, x, n, PLANS[pi].name, &pl);
    }
    /* every built-in preset (the presets folder's JSON files) */
    for (size_t i = 0; i < wmel_preset_count(); i++) {
        wmel_frontend_plan pl;
        char name[96], msg[256];
        snprintf(name, sizeof name, "preset:%s", wmel_preset_name(i));
        if (wmel_preset_plan(wmel_preset_name(i), &pl, msg, sizeof msg) != WMEL_OK) {
            line(in, name, WMEL_ERR_INVALID_ARG, NULL, 0, NULL);
            continue;
        }
        plan_all(in, x, n, name, &pl);
    }
}

static void windows(const char *in, const float *x, size_t n)
{
    if (n <= 200) return;
    for (size_t ii = 0; ii < sizeof ISAS / sizeof ISAS[0]; ii++) {
        if (!runs(ISAS[ii]) || (same_bits && ISAS[ii] == WMEL_ISA_AUTO)) continue;
        wmel_params p = wmel_default_params();
        p.max_isa = ISAS[ii];
        p.backend = WMEL_BACKEND_CPU;
        p.n_threads = 2;
        int st;
        wmel_ctx *c = wmel_create(&p, &st);
        wmel_windows *w = c ? wmel_windows_open_pcm(c, x, n, &st) : NULL;
        uint64_t h = 1469598103934665603ull;
        size_t values = 0, frames = 1;
        float *o = malloc(80 * 3000 * sizeof(float));
        while (w && st == WMEL_OK && frames) {
            st = wmel_windows_next(w, o, 80 * 3000, &frames);
            if (st == WMEL_OK && frames) {
                h ^= fnv(o, 80 * 3000);
                h *= 1099511628211ull;
                values += 80 * 3000;
            }
        }
        free(o);
        char ww[64];
        snprintf(ww, sizeof ww, "windows isa=%s", ISA_NAMES[ii]);
        emit(in, ww, st, values, h, c ? wmel_kernel_name(c) : "-");
        wmel_windows_close(w);
        wmel_destroy(c);
    }
}

/* The stem (wmel_stem_forward) on the 30 s window of a signal, with wmel's own GEMM at each
 * level (WMEL_MAX_ISA caps the level the stem takes) and with OpenBLAS where built. */
static const char *stem_path;
static void stem(const char *in, const float *x, size_t n)
{
    if (!stem_path || n < 16000 || same_bits) return;
    static const char *const levels[] = {"c", "avx2", "avx512", NULL};
    for (int g = 0; g < 2; g++)
        for (int li = 0; li < 4; li++) {
            if (g == 1 && li > 0) break;
            if (g == 0 && !levels[li]) continue;
            setenv("WMEL_STEM_GEMM", g == 0 ? "own" : "blas", 1);
            if (g == 0) setenv("WMEL_MAX_ISA", levels[li], 1);
            ENV_CHANGED();
            int st;
            char err[256];
            wmel_stem *s = wmel_stem_load(stem_path, 2, &st, err, sizeof err);
            unsetenv("WMEL_MAX_ISA");
            ENV_CHANGED();
            char what[160];
            snprintf(what, sizeof what, "stem gemm=%s level=%s", g == 0 ? "own" : "default", g == 0 ? levels[li] : "auto");
            if (!s) {
                line(in, what, st, NULL, 0, NULL);
                continue;
            }
            const int nm = wmel_stem_n_mels(s), d = wmel_stem_d_model(s);
            wmel_params p = wmel_default_params();
            p.n_mels = nm;
            p.backend = WMEL_BACKEND_CPU;
            wmel_ctx *c = wmel_create(&p, &st);
            float *mel = malloc((size_t)nm * 3000 * sizeof(float)), *o = malloc((size_t)1500 * d * sizeof(float));
            int rc = c ? wmel_log_mel(c, x, n < 480000 ? n : 480000, n < 480000 ? 480000 - n : 0, mel, (size_t)nm * 3000)
                       : st;
            if (rc == WMEL_OK) rc = wmel_stem_forward(s, mel, 1, o, (size_t)1500 * d);
            line(in, what, rc, o, (size_t)1500 * d, wmel_stem_gemm_name(s));
            free(mel);
            free(o);
            wmel_destroy(c);
            wmel_stem_free(s);
        }
    unsetenv("WMEL_STEM_GEMM");
    ENV_CHANGED();
}

static void all(const char *in, const float *x, size_t n)
{
    whisper(in, x, n);
    plans(in, x, n);
    windows(in, x, n);
    stem(in, x, n);
    fflush(stdout);
}

int main(int argc, char **argv)
{
#if defined(_WIN32)
    _setmode(_fileno(stdout), _O_BINARY); /* the lines end in \n on every platform */
#endif
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            quick = 1;
            continue;
        }
        if (!strcmp(argv[i], "--same-bits")) {
            same_bits = quick = 1;
            continue;
        }
        if ((!strcmp(argv[i], "--threads") || !strcmp(argv[i], "--thread")) && i + 1 < argc) {
            const int one = !strcmp(argv[i], "--thread");
            max_threads = atoi(argv[++i]);
            min_threads = one ? max_threads : 1;
            if (max_threads < 1 || max_threads > 3) {
                fprintf(stderr, "wmel-digest: %s %s: 1, 2 or 3\n", argv[i - 1], argv[i]);
                return 2;
            }
            continue;
        }
        if (!strcmp(argv[i], "--stem") && i + 1 < argc) {
            stem_path = argv[++i];
            continue;
        }
        float *x = NULL;
        size_t n = 0;
        char err[512];
        int rc = wmel_load_audio(argv[i], &x, &n, err, sizeof err, NULL, 0);
        if (rc) {
            fprintf(stderr, "wmel-digest: %s: %s\n", argv[i], err);
            return 2;
        }
        const char *base = strrchr(argv[i], '/');
        all(base ? base + 1 : argv[i], x, n);
        wmel_free(x);
    }
    /* synthetic: noise at the edge lengths, a clipped square, silence */
    static const size_t lens[] = {1, 200, 201, 399, 400, 401, 511, 512, 513, 16000 * 3 + 7, 16000 * 31 + 3};
    float *x = malloc((16000 * 31 + 3) * sizeof(float));
    uint32_t r = 2463534242u;
    for (size_t i = 0; i < 16000 * 31 + 3; i++) {
        r ^= r << 13, r ^= r >> 17, r ^= r << 5;
        x[i] = ((float)(r >> 8) / 16777216.0f - 0.5f) * 0.8f;
    }
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        if (quick && lens[li] > 16000 * 4) continue;
        char name[64];
        snprintf(name, sizeof name, "noise%zu", lens[li]);
        all(name, x, lens[li]);
    }
    for (size_t i = 0; i < 16000 * 2; i++) x[i] = (i / 40) % 2 ? 1.0f : -1.0f;
    all("square2s", x, 16000 * 2);
    memset(x, 0, 16000 * 2 * sizeof(float));
    all("silence2s", x, 16000 * 2);
    free(x);
    if (!same_bits) return 0;
    for (size_t i = 0; i < kept_n; i++) {
        printf("%s %s\n", kept_v[i].key, kept_v[i].val);
        free(kept_v[i].key);
        free(kept_v[i].val);
    }
    free(kept_v);
    fprintf(stderr, "wmel-digest: %zu cases, %zu differ between levels or thread counts\n", kept_n, kept_differ);
    return kept_differ ? 1 : 0;
}
