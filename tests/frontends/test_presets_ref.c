/*
 * test_presets_ref.c -- every built-in preset (wmel_preset_count / wmel_preset_name /
 * wmel_preset_plan: a preset added later is covered without a change here) held to the
 * float64 reference backend (WMEL_BACKEND_REF): the CPU backend at every ISA level the
 * machine runs (t_isa_levels: C, AVX2, AVX-512 or NEON), on one and on three threads, at
 * the preset's own sample rate, on the lengths 0, 1, frame_length - 1, frame_length,
 * frame_length + 1, frame_length + hop (one hop past a frame), the explicit framing's span
 * and reflection reach and one sample either side where the plan has them, and a seeded
 * random length of 2 to 3.5 s (shorter under the sanitizers and an emulator); the contents
 * silence, full-scale uniform white noise in [-1, 1), a sine of amplitude 4 clipped to +-1,
 * and a linear chirp.
 *
 * Asserted: the same status from both backends (a length one refuses, the other refuses
 * with the same code); the same shape; every value within 2e-5 x max(1, |ref|) of the
 * reference (the bound of test_conformance and test_plan_caps: float32 output and float32
 * intermediate rounding against a float64 oracle); and the output bit-identical between one
 * and three threads at the same ISA level.
 *
 * Presets with a statistics normalisation (per-feature, mean-var) are compared in log units:
 * a normalised value is (x - mean_c) / den_c, so a float32 rounding e of the log-mel x
 * shows as e / den_c, and a clipped sine's stationary columns have den_c near the plan's
 * epsilon (1e-5 for NeMo) -- compared as they come out, cohere-asr's 401 samples of noise
 * (two valid frames) differ by 3e-4 and the Seamless family's clipped sine by more than
 * 2e-5, while their log-mels agree within 2e-6. The error of such a value is
 * |cpu - ref| x den_c against 2e-5 x max(1, |x_ref|), den_c and x_ref from the reference
 * with the normalisation off
 * (den_c by the plan's own rule over the valid frames). A column the rule gives
 * denominator 0 (eps 0 and a constant column: the output is 0) must be equal exactly.
 * Silence under such a normalisation is asserted explicitly: every column is constant, so
 * the exact result is 0 in every valid frame (before the affine). The CPU backend gives
 * exactly that (the mean of equal float32 values, summed in double, is exact); the
 * reference's mean of n equal doubles is not, and its zeros come out as a few 1e-9 (its
 * rounding over the plan's epsilon), which the comparison above holds in log units.
 * Presets that take a CMVN file (funasr, firered) run without one: their plan is valid
 * without it.
 */
#include "testutil.h"

#include "fe/fe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BOUND 2e-5

enum { SIG_SILENCE, SIG_NOISE, SIG_CLIPPED, SIG_CHIRP, N_SIG };
static const char *const SIG_NAME[N_SIG] = {"silence", "noise", "clipped sine", "chirp"};

static float *signal_of(int kind, size_t n, int sr, unsigned seed)
{
    float *x = malloc((n ? n : 1) * sizeof(float));
    if (!x) return NULL;
    const double pi = 3.14159265358979323846;
    t_rng = seed;
    const double dur = (double)(n ? n : 1) / sr, f0 = 40.0, f1 = 0.45 * sr;
    for (size_t i = 0; i < n; i++) {
        const double t = (double)i / sr;
        switch (kind) {
        case SIG_SILENCE: x[i] = 0.0f; break;
        case SIG_NOISE: x[i] = (float)((double)t_rnd() / 2147483648.0 - 1.0); break;
        case SIG_CLIPPED: {
            const double v = 4.0 * sin(2.0 * pi * 441.0 * t);
            x[i] = (float)(v > 1.0 ? 1.0 : v < -1.0 ? -1.0 : v);
            break;
        }
        default: x[i] = (float)(0.5 * sin(2.0 * pi * (f0 * t + 0.5 * (f1 - f0) * t * t / dur))); break;
        }
    }
    return x;
}

static int stats_norm(const wmel_frontend_plan *p)
{
    return (p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR) &&
           !(p->norm_flags & WMEL_NORMF_MEAN_ONLY);
}

/* Where output value i comes from (wmel.h's layouts and "Stacking, deltas"): its column c
 * (0..n_mels + use_energy - 1, or n_ceps - 1), its frame before stacking (-1: a stacking tail slot) and
 * whether it is a delta. 0 when the layout is not one this test maps. */
typedef struct {
    size_t c;
    long long t;
    int delta;
} origin;

static int origin_of(const wmel_frontend_plan *p, size_t T, size_t cols, size_t i, origin *o)
{
    const size_t nc = (size_t)(p->n_ceps > 0 ? p->n_ceps : p->n_mels + p->use_energy);
    if (p->layout != WMEL_LAYOUT_FRAMES_MELS) {
        if (p->stack > 1 || p->delta_win) return 0;
        o->c = i / cols, o->t = (long long)(i % cols), o->delta = 0;
        return 1;
    }
    const size_t w = nc * (p->delta_win ? 2u : 1u), r = i / cols, k = i % cols, slot = k / w, cw = k % w;
    const long long S = p->stack_stride ? p->stack_stride : p->stack;
    long long s = (long long)r * S + (long long)slot - p->stack_left;
    if (s < 0) s = 0;
    if (s >= (long long)T) s = p->stack_tail == WMEL_STACK_TAIL_LAST && T ? (long long)T - 1 : -1;
    o->c = cw % nc, o->t = s, o->delta = cw >= nc;
    return 1;
}

/* The reference's denominator of each column (the plan's rule over the nv valid frames),
 * from u, the reference's output of the plan with the normalisation off. 0 when the
 * layout is not mapped. */
static int ref_denominators(const wmel_frontend_plan *p, const float *u, size_t rows, size_t cols, size_t T,
                            size_t nv, double *den)
{
    const size_t nc = (size_t)(p->n_ceps > 0 ? p->n_ceps : p->n_mels + p->use_energy);
    if (nv > T) return 0;
    double *x = calloc(T * nc + 1, sizeof(double)), mean[WMEL_FE_MAX_MELS + 1];
    if (!x) return 0;
    for (size_t i = 0; i < rows * cols; i++) {
        origin o;
        if (!origin_of(p, T, cols, i, &o)) {
            free(x);
            return 0;
        }
        if (o.t >= 0 && (size_t)o.t < T && !o.delta) {
            const double v = u[i];
            x[(size_t)o.t * nc + o.c] = p->affine ? (v - p->post_shift) / p->post_scale : v;
        }
    }
    double tot = 0.0;
    for (size_t c = 0; c < nc; c++) {
        double s = 0.0;
        for (size_t t = 0; t < nv; t++) s += x[t * nc + c];
        tot += s;
        mean[c] = nv ? s / (double)nv : 0.0;
    }
    if (p->norm_flags & WMEL_NORMF_ALL) {
        const double mu = nv ? tot / (double)(nv * nc) : 0.0;
        double ss = 0.0;
        for (size_t i = 0; i < nv * nc; i++) ss += (x[i] - mu) * (x[i] - mu);
        const double d = wmel__fe_den_floor(p, wmel__fe_denom(p, ss, nv * nc), mu);
        for (size_t c = 0; c < nc; c++) den[c] = d;
    } else {
        for (size_t c = 0; c < nc; c++) {
            double ss = 0.0;
            for (size_t t = 0; t < nv; t++) ss += (x[t * nc + c] - mean[c]) * (x[t * nc + c] - mean[c]);
            den[c] = wmel__fe_den_floor(p, wmel__fe_denom(p, ss, nv), mean[c]);
        }
    }
    free(x);
    return 1;
}

typedef struct {
    int set;
    double err;
    char where[160];
} worst_t;

/* One preset: every level and thread count against the reference on every input. */
static void check_preset(const char *name)
{
    wmel_frontend_plan p;
    char msg[400];
    int st = wmel_preset_plan(name, &p, msg, sizeof msg);
    CHECK(st == WMEL_OK, "%s: wmel_preset_plan %d: %s", name, st, msg);
    if (st != WMEL_OK) return;
    CHECK(wmel_plan_check(&p, msg, sizeof msg) == WMEL_OK, "%s: plan refused: %s", name, msg);
    const int stats = stats_norm(&p);
    wmel_frontend_plan q = p; /* the same with the normalisation off: log units */
    q.norm = WMEL_NORM_NONE, q.norm_flags = 0, q.norm_max = 0, q.norm_range = 0;
    wmel_ctx *ref = t_ctx_plan(&p, WMEL_BACKEND_REF, WMEL_ISA_AUTO, 1, &st);
    CHECK(ref && st == WMEL_OK, "%s: ref ctx: %s", name, wmel_strerror(st));
    wmel_ctx *ref_u = stats ? t_ctx_plan(&q, WMEL_BACKEND_REF, WMEL_ISA_AUTO, 1, &st) : NULL;
    CHECK(!stats || (ref_u && st == WMEL_OK), "%s: ref ctx, normalisation off: %s", name, wmel_strerror(st));
    int levels[4];
    const int n_levels = t_isa_levels(levels);
    wmel_ctx *cpu[4][2] = {{NULL}};
    for (int l = 0; l < n_levels; l++)
        for (int k = 0; k < 2; k++) {
            cpu[l][k] = t_ctx_plan(&p, WMEL_BACKEND_CPU, levels[l], k ? 3 : 1, &st);
            CHECK(cpu[l][k] && st == WMEL_OK, "%s: cpu ctx (isa %d, %d threads): %s", name, levels[l], k ? 3 : 1,
                  wmel_strerror(st));
        }

    /* the lengths, each once */
    const size_t fl = (size_t)p.frame_length, hop = (size_t)p.hop;
    const size_t span = (size_t)(p.frame_span ? p.frame_span : p.frame_length);
    const size_t reach = wmel__fe_reflect_reach(&p);
    t_rng = 0x9e3779b9u ^ (uint64_t)strlen(name) * 7919u;
    for (const char *c = name; *c; c++) t_rng = t_rng * 31 + (unsigned char)*c;
    /* 2 to 3.5 s; 1 to 1.5 s under the sanitizers (a Debug build with ASan and UBSan runs
       the kernels and the reference about 9 times slower), 0.5 to 0.9 s under an emulator
       (where the reference runs at a fraction of its native speed) */
    const double u01 = (t_rnd() % 1000) / 1000.0;
    const double secs = t_emulated() ? 0.5 + 0.4 * u01 : T_SANITIZED ? 1.0 + 0.5 * u01 : 2.0 + 1.5 * u01;
    const size_t cand[] = {0,        1,        fl - 1,    fl,        fl + 1, fl + hop,
                           span - 1, span,     span + 1,  reach,     reach + 1,
                           (size_t)(secs * p.sample_rate)};
    size_t lens[sizeof cand / sizeof cand[0]];
    size_t n_lens = 0;
    for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
        int dup = 0;
        for (size_t j = 0; j < n_lens; j++) dup |= lens[j] == cand[i];
        if (!dup) lens[n_lens++] = cand[i];
    }

    worst_t worst = {0, 0.0, "no value compared"};
    size_t n_refused = 0, n_cases = 0, n_silent = 0;
    for (size_t li = 0; li < n_lens; li++)
        for (int kind = 0; kind < N_SIG; kind++) {
            const size_t n = lens[li];
            float *x = signal_of(kind, n, p.sample_rate, (unsigned)(li * 13 + (size_t)kind + 1));
            size_t r0 = 0, c0 = 0;
            const int s0 = ref ? wmel_features_shape(ref, n, &r0, &c0) : WMEL_ERR_NULL_POINTER;
            const size_t len = s0 == WMEL_OK ? r0 * c0 : 0;
            float *a = malloc((len ? len : 1) * sizeof(float)), *u = malloc((len ? len : 1) * sizeof(float));
            float *b[2] = {malloc((len ? len : 1) * sizeof(float)), malloc((len ? len : 1) * sizeof(float))};
            const int sr = ref && x && a ? wmel_features(ref, x, n, a, len) : WMEL_ERR_NO_MEMORY;
            CHECK(s0 == WMEL_OK ? sr == WMEL_OK : sr == s0, "%s n %zu %s: ref shape status %d, features %d", name, n,
                  SIG_NAME[kind], s0, sr);
            n_cases++;
            n_refused += sr != WMEL_OK;
            /* the reference's denominators, in log units */
            double den[WMEL_FE_MAX_MELS + 1];
            int have_den = 0;
            const size_t T = wmel__fe_out_frames(&p, n), nv = wmel__fe_valid(&p, n);
            if (stats && sr == WMEL_OK && ref_u) {
                size_t r1 = 0, c1 = 0;
                CHECK(wmel_features_shape(ref_u, n, &r1, &c1) == WMEL_OK && r1 == r0 && c1 == c0 &&
                          wmel_features(ref_u, x, n, u, len) == WMEL_OK,
                      "%s n %zu: the reference with the normalisation off", name, n);
                have_den = ref_denominators(&p, u, r0, c0, T, nv, den);
            }
            for (int l = 0; l < n_levels; l++) {
                const char *kn = cpu[l][0] ? wmel_kernel_name(cpu[l][0]) : "?";
                int sk[2];
                for (int k = 0; k < 2; k++) {
                    wmel_ctx *cx = cpu[l][k];
                    if (!cx) {
                        sk[k] = WMEL_ERR_NULL_POINTER;
                        continue;
                    }
                    size_t r1 = 0, c1 = 0;
                    const int s1 = wmel_features_shape(cx, n, &r1, &c1);
                    CHECK(s1 == s0 && r1 == r0 && c1 == c0, "%s n %zu, %s, %d threads: shape %d %zux%zu, ref %d %zux%zu",
                          name, n, kn, k ? 3 : 1, s1, r1, c1, s0, r0, c0);
                    sk[k] = b[k] && x ? wmel_features(cx, x, n, b[k], len) : WMEL_ERR_NO_MEMORY;
                    CHECK(sk[k] == sr, "%s n %zu %s, %s, %d threads: status %d (%s), ref %d (%s)", name, n,
                          SIG_NAME[kind], kn, k ? 3 : 1, sk[k], wmel_strerror(sk[k]), sr, wmel_strerror(sr));
                }
                if (sr != WMEL_OK || sk[0] != WMEL_OK) continue;
                CHECK(sk[1] != WMEL_OK || !memcmp(b[0], b[1], len * sizeof(float)),
                      "%s n %zu %s, %s: 3 threads differ from 1 thread", name, n, SIG_NAME[kind], kn);
                if (have_den && kind == SIG_SILENCE) { /* constant columns: 0 (the comment on top) */
                    const float z = p.affine ? (float)(0.0 * p.post_scale + p.post_shift) : 0.0f;
                    size_t bad = len, n0 = 0;
                    for (size_t i = 0; i < len; i++) {
                        origin o;
                        if (origin_of(&p, T, c0, i, &o) && o.t >= 0 && (size_t)o.t < nv) {
                            n0++;
                            if (b[0][i] != z && bad == len) bad = i;
                        }
                    }
                    CHECK(bad == len, "%s n %zu silence, %s: value %zu is %.9g, not %.9g", name, n, kn, bad,
                          bad < len ? (double)b[0][bad] : 0.0, (double)z);
                    n_silent += n0;
                }
                double e = 0.0;
                size_t at = 0;
                for (size_t i = 0; i < len; i++) {
                    double d = fabs((double)a[i] - b[0][i]) / fmax(1.0, fabs(a[i]));
                    origin o;
                    if (have_den && origin_of(&p, T, c0, i, &o) && o.t >= 0 && (size_t)o.t < nv) {
                        const double dc = den[o.c] * (p.affine ? 1.0 / fabs(p.post_scale) : 1.0);
                        d = dc > 0.0 ? fabs((double)a[i] - b[0][i]) * dc / fmax(1.0, fabs(u[i]))
                                     : a[i] == b[0][i] ? 0.0 : INFINITY;
                    }
                    if (!(d <= e)) e = d, at = i;
                }
                CHECK(e <= BOUND, "%s n %zu %s, %s: error %.3g%s at %zu (%.9g, ref %.9g)", name, n, SIG_NAME[kind], kn,
                      e, have_den ? " (log units)" : "", at, (double)b[0][at], (double)a[at]);
                if (e > worst.err || !worst.set) {
                    worst.set = 1;
                    worst.err = e;
                    snprintf(worst.where, sizeof worst.where, "%s, %s, n %zu", kn, SIG_NAME[kind], n);
                }
            }
            free(a);
            free(u);
            free(b[0]);
            free(b[1]);
            free(x);
        }
    CHECK(!stats || n_silent > 0, "%s: no silent value held to 0 (a layout origin_of does not map?)", name);
    printf("  %-26s %6d Hz  max error %.3g%s x max(1, |ref|) (%s); %zu of %zu inputs refused by both\n", name,
           p.sample_rate, worst.err, stats ? " (log units)" : "", worst.where, n_refused, n_cases);
    for (int l = 0; l < n_levels; l++)
        for (int k = 0; k < 2; k++) wmel_destroy(cpu[l][k]);
    wmel_destroy(ref);
    wmel_destroy(ref_u);
}

int main(void)
{
    const size_t np = wmel_preset_count();
    CHECK(np > 0, "no built-in preset");
    int levels[4];
    const int n_levels = t_isa_levels(levels);
    printf("test_presets_ref: %zu presets, %d ISA levels, 1 and 3 threads, bound %g x max(1, |ref|)\n", np, n_levels,
           BOUND);
    for (size_t i = 0; i < np; i++) {
        const char *name = wmel_preset_name(i);
        CHECK(name != NULL, "preset %zu has no name", i);
        if (name) check_preset(name);
    }
    CHECK(wmel_preset_name(np) == NULL, "a name past the end");
    return t_done("test_presets_ref");
}
