/*
 * test_kaldi_center.c -- WMEL_FRAMES_KALDI_CENTER, Kaldi's snip_edges=false framing
 * (kaldi-native-fbank's FirstSampleOfFrame t hop + hop / 2 - frame_length / 2, (n + hop / 2)
 * / hop frames, the reflection -i - 1 / 2 n - 1 - i repeated until inside):
 *  - the CPU output at every ISA level the machine has, on one and three threads, against
 *    the float64 reference (whose reflection is written separately, step by step) within
 *    2e-5 x max(1, |ref|), on every length 1..300, then longer ones, for chirp, silence and
 *    full-scale noise; statuses and shapes equal;
 *  - the frame count and the first sample by hand for odd and even hops and lengths;
 *  - the frames equal, bit for bit, the snip framing of a copy of the signal reflected by
 *    hand (Kaldi's rule) and shifted to the grid;
 *  - the frame stream equals wmel_features() bit for bit for random chunk sizes (the clip
 *    lengths 1.. included), the sliding buffer and wmel_long_* equal wmel_features();
 *  - the option text kaldi_center, the JSON round trip, wmel_plan_check's refusals.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    wmel_frontend_plan p;
} kcase;

static size_t out_len(wmel_ctx *ctx, size_t n, int *st)
{
    size_t r = 0, c = 0;
    *st = wmel_features_shape(ctx, n, &r, &c);
    return r * c;
}

/* Every ISA level against the reference; the largest error as a fraction of max(1, |ref|). */
static double against_ref(const kcase *c, size_t n_max)
{
    int st, levels[4];
    wmel_ctx *ref = t_ctx_plan(&c->p, WMEL_BACKEND_REF, WMEL_ISA_AUTO, 1, &st);
    CHECK(ref && st == WMEL_OK, "%s: ref ctx %s", c->name, wmel_strerror(st));
    if (!ref) return 1.0;
    const int nl = t_isa_levels(levels);
    double worst = 0.0;
    size_t lens[340];
    size_t nlen = 0;
    for (size_t n = 1; n <= n_max; n++) lens[nlen++] = n;
    const size_t more[] = {399, 400, 401, 479, 480, 481, 1000, 4801, 16000, 16081};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) lens[nlen++] = more[i];
    for (int li = 0; li < nl; li++)
        for (int threads = 1; threads <= 3; threads += 2) {
            wmel_ctx *cpu = t_ctx_plan(&c->p, WMEL_BACKEND_CPU, levels[li], threads, &st);
            CHECK(cpu && st == WMEL_OK, "%s: cpu ctx %s", c->name, wmel_strerror(st));
            if (!cpu) continue;
            for (size_t k = 0; k < nlen; k++)
                for (int kind = 0; kind < 3; kind++) {
                    const size_t n = lens[k];
                    if (threads == 3 && n < 300 && n % 7) continue; /* the short ones once is enough */
                    float *x = t_signal(kind, n, (unsigned)(n * 3 + (size_t)kind), 1.0f);
                    int s1, s2;
                    const size_t l1 = out_len(ref, n, &s1), l2 = out_len(cpu, n, &s2);
                    CHECK(s1 == s2 && l1 == l2, "%s n %zu: shapes %d/%zu vs %d/%zu", c->name, n, s1, l1, s2, l2);
                    float *a = malloc((l1 ? l1 : 1) * sizeof(float)), *b = malloc((l1 ? l1 : 1) * sizeof(float));
                    s1 = wmel_features(ref, x, n, a, l1);
                    s2 = wmel_features(cpu, x, n, b, l1);
                    CHECK(s1 == s2, "%s n %zu kind %d: status ref %d, cpu %d", c->name, n, kind, s1, s2);
                    if (s1 == WMEL_OK && s2 == WMEL_OK)
                        for (size_t i = 0; i < l1; i++) {
                            const double d = fabs((double)a[i] - b[i]) / fmax(1.0, fabs(a[i]));
                            CHECK(d <= 2e-5, "%s n %zu kind %d isa %d threads %d: error %.3g at %zu (%.9g vs %.9g)",
                                  c->name, n, kind, levels[li], threads, d, i, (double)a[i], (double)b[i]);
                            if (d > worst) worst = d;
                        }
                    free(a);
                    free(b);
                    free(x);
                }
            wmel_destroy(cpu);
        }
    wmel_destroy(ref);
    return worst;
}

/* Kaldi's reflection, by hand. */
static long long kaldi_index(long long i, long long n)
{
    while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - 1 - i;
    return i;
}

/* The frames of n samples equal the snip framing of a copy reflected by hand: the copy
 * starts at frame 0's first sample (t hop + hop / 2 - frame_length / 2), so that snip
 * framing's frame t is Kaldi's frame t. Bit for bit (the same kernels, one path per frame). */
static void same_as_reflected_copy(const kcase *c, size_t n)
{
    const wmel_frontend_plan *p = &c->p;
    const long long off = (long long)(p->hop / 2) - (long long)(p->frame_length / 2);
    const size_t nf = (n + (size_t)p->hop / 2) / (size_t)p->hop;
    if (!nf) return;
    const size_t m = (nf - 1) * (size_t)p->hop + (size_t)p->frame_length;
    float *x = t_signal(0, n, 77, 1.0f), *y = malloc(m * sizeof(float));
    for (size_t j = 0; j < m; j++) y[j] = x[kaldi_index((long long)j + off, (long long)n)];
    wmel_frontend_plan q = *p;
    q.framing = WMEL_FRAMES_SNIP;
    int st;
    wmel_ctx *a = t_ctx_plan(p, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st), *b = t_ctx_plan(&q, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    int s1, s2;
    const size_t l1 = out_len(a, n, &s1), l2 = out_len(b, m, &s2);
    CHECK(s1 == WMEL_OK && s2 == WMEL_OK && l1 == l2, "%s n %zu: copy shapes %zu vs %zu", c->name, n, l1, l2);
    float *u = malloc((l1 ? l1 : 1) * sizeof(float)), *v = malloc((l1 ? l1 : 1) * sizeof(float));
    CHECK(wmel_features(a, x, n, u, l1) == WMEL_OK && wmel_features(b, y, m, v, l1) == WMEL_OK &&
              !memcmp(u, v, l1 * sizeof(float)),
          "%s n %zu: kaldi_center differs from snip framing of the reflected copy", c->name, n);
    free(u);
    free(v);
    free(x);
    free(y);
    wmel_destroy(a);
    wmel_destroy(b);
}

/* The stream (normalisation off) equals wmel_features() for clip length n, random chunks. */
static void stream_same(const kcase *c, size_t n, unsigned seed)
{
    wmel_frontend_plan q = c->p;
    q.norm = WMEL_NORM_NONE;
    q.layout = WMEL_LAYOUT_FRAMES_MELS, q.stack = 1, q.valid = WMEL_VALID_ALL; /* one row per frame, all out */
    int st;
    wmel_ctx *ctx = t_ctx_plan(&q, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2, &st);
    CHECK(ctx && st == WMEL_OK, "%s stream: ctx %s", c->name, wmel_strerror(st));
    if (!ctx) return;
    float *x = t_signal(2, n, seed, 1.0f);
    int s0;
    const size_t len = out_len(ctx, n, &s0);
    float *full = malloc((len ? len : 1) * sizeof(float));
    if (s0 == WMEL_OK) CHECK(wmel_features(ctx, x, n, full, len) == WMEL_OK, "%s: features", c->name);
    const size_t nc = (size_t)(q.n_mels + q.use_energy);
    t_gather g = {calloc(len + nc, sizeof(float)), nc, 0};
    wmel_stream *s = wmel_stream_create(ctx, 0, t_gather_take, &g, &st);
    CHECK(s && st == WMEL_OK, "%s: stream %d", c->name, st);
    t_rng = seed;
    for (size_t pos = 0; s && pos < n;) {
        size_t k = t_rnd() % 4 ? 1 + t_rnd() % 700 : t_push_size(9000);
        if (k > n - pos) k = n - pos;
        CHECK(wmel_stream_push(s, x + pos, k) == WMEL_OK, "%s: push", c->name);
        pos += k;
        /* Kaldi's online rule: frame t is out once its window is inside what was pushed */
        const long long off = (long long)(q.hop / 2) - (long long)(q.frame_length / 2);
        const long long room = (long long)pos - off - q.frame_length;
        size_t want = room < 0 ? 0 : (size_t)(room / q.hop) + 1;
        const size_t all = (pos + (size_t)q.hop / 2) / (size_t)q.hop;
        if (want > all) want = all;
        CHECK(g.n == want, "%s n %zu: %zu frames out after %zu samples, Kaldi's online rule says %zu", c->name, n,
              g.n, pos, want);
    }
    const int fin = s ? wmel_stream_finish(s) : -1;
    CHECK(fin == s0, "%s n %zu: finish %d, features %d", c->name, n, fin, s0);
    if (s0 == WMEL_OK)
        CHECK(g.n * nc == len && !memcmp(g.v, full, len * sizeof(float)),
              "%s n %zu: the stream's %zu frames differ from wmel_features' %zu", c->name, n, g.n, len / nc);
    wmel_stream_destroy(s);
    free(g.v);
    free(full);
    free(x);
    wmel_destroy(ctx);
}

static void sliding_same(const kcase *c)
{
    int st;
    wmel_ctx *ctx = t_ctx_plan(&c->p, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2, &st);
    wmel_sliding *b = ctx ? wmel_sliding_create(ctx, &st) : NULL;
    CHECK(b && st == WMEL_OK, "%s sliding: create %d", c->name, st);
    const size_t n = 64000;
    float *x = t_signal(0, n, 9, 1.0f);
    t_sliding_same(ctx, b, x, n, (size_t)c->p.hop, 3, 50, 10, c->name);
    wmel_sliding_destroy(b);
    free(x);
    wmel_destroy(ctx);
}

static void long_same(const kcase *c)
{
    static const size_t lens[] = {200000, 40000, 16001, 1000, 385, 100, 7, 1};
    t_long_same(&c->p, lens, sizeof lens / sizeof lens[0], 0, c->name);
}

static int make_cases(kcase *c)
{
    int k = 0;
    wmel_frontend_plan p;
    /* lhotse's Fbank / sherpa-onnx: 400 / 160 / 512, samples in [-1, 1] */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &p);
    p.framing = WMEL_FRAMES_KALDI_CENTER, p.scale = 1.0;
    c[k++] = (kcase){"kaldi_center 400/160", p};
    /* the energy column, dither (t the absolute frame), odd hop and frame length, a 30-mel bank */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 30, &p);
    p.framing = WMEL_FRAMES_KALDI_CENTER, p.frame_length = 301, p.hop = 97, p.use_energy = 1, p.dither = 0.5;
    p.dither_seed = 5;
    c[k++] = (kcase){"kaldi_center 301/97, energy, dither", p};
    /* hop longer than the frame (frame 0 starts after sample 0), signal pre-emphasis,
       normalisation, columns x frames */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 40, &p);
    p.framing = WMEL_FRAMES_KALDI_CENTER, p.frame_length = 200, p.hop = 331, p.n_fft = 256, p.remove_dc = 0;
    p.preemph_mode = WMEL_PREEMPH_SIGNAL, p.norm = WMEL_NORM_PER_FEATURE, p.norm_eps = 1e-5;
    p.layout = WMEL_LAYOUT_MELS_FRAMES;
    c[k++] = (kcase){"kaldi_center 200/331 signal preemph, per-feature", p};
    /* valid end: the frames whose window ends inside the clip */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &p);
    p.framing = WMEL_FRAMES_KALDI_CENTER, p.valid = WMEL_VALID_END, p.stack = 2, p.use_energy = 1;
    p.energy_windowed = 1;
    c[k++] = (kcase){"kaldi_center valid end, stack 2", p};
    return k;
}

static void semantics(void)
{
    wmel_frontend_plan p;
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &p);
    char msg[400];
    CHECK(wmel_plan_set(&p, "framing", "kaldi_center", msg, sizeof msg) == WMEL_OK &&
              p.framing == WMEL_FRAMES_KALDI_CENTER,
          "option framing kaldi_center: %s", msg);
    CHECK(wmel_plan_set(&p, "framing", "kaldi", msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "kaldi_center"),
          "a bad framing names kaldi_center: %s", msg);
    /* counts: (n + hop / 2) / hop, none below ceil(hop / 2) samples */
    static const size_t ns[] = {1, 79, 80, 81, 159, 160, 239, 240, 241, 16000, 16079, 16080};
    static const size_t want[] = {0, 0, 1, 1, 1, 1, 1, 2, 2, 100, 100, 101};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        wmel_plan_counts c;
        CHECK(wmel_plan_frames(&p, ns[i], &c) == WMEL_OK && c.stft == want[i] && c.frames == want[i],
              "kaldi_center n %zu: %zu frames, want %zu", ns[i], c.stft, want[i]);
    }
    /* a JSON round trip keeps the framing, by name */
    char js[WMEL_PLAN_JSON_MAX];
    wmel_frontend_plan back;
    CHECK(wmel_plan_to_json(&p, js, sizeof js, msg, sizeof msg) == WMEL_OK && strstr(js, "\"framing\": \"kaldi_center\""),
          "JSON: %s", js);
    CHECK(wmel_plan_from_json(js, strlen(js), &back, msg, sizeof msg) == WMEL_OK && back.framing == WMEL_FRAMES_KALDI_CENTER &&
              !memcmp(&back, &p, sizeof p),
          "JSON round trip: %s", msg);
    /* refusals: the explicit framing's fields, padded pre-emphasis, an unknown value */
    wmel_frontend_plan q = p;
    q.pad_left = 3;
    CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "pad_left 3"), "%s", msg);
    q = p;
    q.preemph_mode = WMEL_PREEMPH_PADDED;
    CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "kaldi_center"), "%s", msg);
    q = p;
    q.framing = 4;
    CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "framing 4"), "%s", msg);
    /* one sample: every index reflects onto it; the frame is that of a constant signal */
    int st;
    p.frame_length = 6, p.hop = 2, p.n_fft = 8, p.n_mels = 1, p.low_freq = 0, p.high_freq = 0;
    p.mel_scale = WMEL_MEL_HTK, p.remove_dc = 0, p.preemph = 0, p.window = WMEL_WINDOW_RECT;
    p.log = WMEL_LOG_NONE, p.linear_bins = 1, p.first_bin = 0, p.scale = 1.0;
    wmel_ctx *ctx = t_ctx_plan(&p, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    CHECK(ctx && st == WMEL_OK, "rect ctx: %s", wmel_strerror(st));
    const float one = 0.5f;
    float out[4] = {0};
    CHECK(ctx && wmel_features(ctx, &one, 1, out, 1) == WMEL_OK && out[0] == 9.0f,
          "one sample: DC bin %g, want (6 x 0.5)^2", (double)out[0]);
    /* three samples a, b, c with frame 6 hop 2: frame 0 starts at 1 - 3 = -2: b a | a b c | c */
    const float x3[3] = {1.0f, 10.0f, 100.0f};
    float o3[2] = {0};
    CHECK(ctx && wmel_features(ctx, x3, 3, o3, 2) == WMEL_OK && o3[0] == 222.0f * 222.0f,
          "three samples: DC bin %g, want (10 + 1 + 1 + 10 + 100 + 100)^2", (double)o3[0]);
    wmel_destroy(ctx);
}

int main(void)
{
    kcase cases[8];
    const int nc = make_cases(cases);
    char msg[400];
    for (int i = 0; i < nc; i++) {
        CHECK(wmel_plan_check(&cases[i].p, msg, sizeof msg) == WMEL_OK, "%s: refused: %s", cases[i].name, msg);
        const double e = against_ref(&cases[i], i == 0 ? 300 : 120);
        printf("  %-50s max error vs float64 reference %.3g (x max(1, |ref|))\n", cases[i].name, e);
        static const size_t copies[] = {1, 2, 5, 40, 119, 120, 121, 200, 399, 400, 401, 1000, 16000, 16123};
        /* the copy's own pre-emphasis and valid rule would differ: those plans aside */
        if (cases[i].p.preemph_mode == WMEL_PREEMPH_FRAME && cases[i].p.valid == WMEL_VALID_ALL)
            for (size_t k = 0; k < sizeof copies / sizeof copies[0]; k++) same_as_reflected_copy(&cases[i], copies[k]);
        static const size_t sl[] = {1, 3, 79, 80, 150, 281, 400, 1001, 40000};
        for (size_t k = 0; k < sizeof sl / sizeof sl[0]; k++) stream_same(&cases[i], sl[k], (unsigned)(k + 1));
        sliding_same(&cases[i]);
        long_same(&cases[i]);
    }
    semantics();
    return t_done("test_kaldi_center");
}
