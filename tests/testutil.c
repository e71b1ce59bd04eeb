#define _GNU_SOURCE /* memmem */
#include "testutil.h"

#include "internal.h" /* the ISA levels (cpu/cpu.c) */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int t_failures = 0;
int t_checks = 0;

int t_done(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, t_checks, t_failures);
    return t_failures ? 1 : 0;
}

const char *t_golden(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", WMEL_GOLDEN, rel);
    return buf;
}

double *t_load_npy(const char *rel, wmel_npy *a)
{
    char err[512];
    if (wmel__npy_read(t_golden(rel), a, err, sizeof err) != WMEL_OK) {
        fprintf(stderr, "FATAL: golden file: %s (is ../shared/golden present?)\n", err);
        exit(1);
    }
    double *d = wmel__npy_as_f64(a);
    if (!d) {
        fprintf(stderr, "FATAL: out of memory\n");
        exit(1);
    }
    return d;
}

float *t_load_wav(const char *rel, size_t *n)
{
    float *pcm = NULL;
    char err[512];
    if (wmel_read_wav(t_golden(rel), &pcm, n, err, sizeof err, NULL, 0) != WMEL_OK) {
        fprintf(stderr, "FATAL: %s\n", err);
        exit(1);
    }
    return pcm;
}

double t_max_abs_diff_fd(const float *a, const double *b, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d; /* NaN wins */
    }
    return m;
}

double t_max_abs_diff_ff(const float *a, const float *b, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= m)) m = d;
    }
    return m;
}

unsigned char *t_read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "FATAL: cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(sz > 0 ? (size_t)sz : 1);
    if (sz < 0 || !b || fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        fprintf(stderr, "FATAL: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    *n = (size_t)sz;
    return b;
}

/* memmem (not in ISO C nor in every C library) */
static const void *find_bytes(const void *h, size_t hl, const char *n, size_t nl)
{
    const char *p = h;
    for (size_t i = 0; nl <= hl && i <= hl - nl; i++)
        if (!memcmp(p + i, n, nl)) return p + i;
    return NULL;
}

double *t_load_stem_golden(const char *rel)
{
    size_t n;
    unsigned char *b = t_read_file(t_golden(rel), &n);
    size_t hl = n >= 10 ? (size_t)b[8] | (size_t)b[9] << 8 : 0;
    const char *h = (const char *)b + 10;
    int ok = n == 10 + hl + 1500 * 384 * 4 && find_bytes(h, hl, "'<f4'", 5) &&
             find_bytes(h, hl, "(1500, 384)", 11);
    int fortran = ok && find_bytes(h, hl, "'fortran_order': True", 21) != NULL;
    if (!ok) {
        fprintf(stderr, "FATAL: %s is not a (1500, 384) float32 .npy\n", rel);
        exit(1);
    }
    double *d = malloc(1500 * 384 * sizeof(double));
    if (!d) exit(1);
    for (size_t t = 0; t < 1500; t++)
        for (size_t o = 0; o < 384; o++) {
            size_t at = fortran ? o * 1500 + t : t * 384 + o;
            float f;
            memcpy(&f, b + 10 + hl + 4 * at, 4);
            d[t * 384 + o] = f;
        }
    free(b);
    return d;
}

int t_emulated(void)
{
    const char *e = getenv("WMEL_TEST_EMULATED");
    return e && *e && strcmp(e, "0") != 0;
}

int t_thread(pthread_t *th, void *(*fn)(void *), void *arg)
{
    if (pthread_create(th, NULL, fn, arg) == 0) return 1;
    fn(arg);
    return 0;
}

int t_isa_levels(int *levels)
{
    static const int all[] = {WMEL_ISA_C, WMEL_ISA_AVX2, WMEL_ISA_AVX512, WMEL_ISA_NEON, WMEL_ISA_WASM_SIMD128};
    int n = 0;
    for (int i = 0; i < 5; i++)
        if (wmel__kernel_for(wmel__isa_level(all[i]))->isa == all[i]) levels[n++] = all[i];
    return n;
}

wmel_ctx *t_ctx(int backend, int n_mels, int isa, int threads, int norm, int smooth)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.n_mels = n_mels;
    p.max_isa = isa;
    p.n_threads = threads;
    p.norm = norm;
    p.smooth = smooth;
    int st = 1;
    wmel_ctx *c = wmel_create(&p, &st);
    CHECK(c && st == WMEL_OK, "create (backend %d, %d mels, isa %d, %d threads): %s", backend,
          n_mels, isa, threads, wmel_strerror(st));
    return c;
}

int t_have_stem(void)
{
    char err[512];
    int st;
    wmel_stem *probe = wmel_stem_load(t_golden("ref/stem_tiny_f32.safetensors"), 0, &st, err,
                                      sizeof err);
    if (!probe && st == WMEL_ERR_NOT_BUILT) {
        printf("skipped: built without cJSON\n");
        return 0;
    }
    wmel_stem_free(probe);
    return 1;
}

void t_chirp(float *x, size_t n, unsigned seed)
{
    uint32_t s = 12345u + seed * 7919u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        double t = (double)i / 16000.0;
        x[i] = (float)(0.3 * sin(2 * 3.14159265358979323846 * (100.0 + 50.0 * seed) * t +
                                 0.3 * t * t * 500.0) *
                           (0.5 + 0.5 * sin(t * 3.0)) +
                       0.01 * ((double)(s >> 8) / 16777216.0 - 0.5));
    }
}

uint64_t t_rng = 1;
uint32_t t_rnd(void)
{
    t_rng = t_rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(t_rng >> 33);
}

size_t t_push_size(size_t longest)
{
    switch (t_rnd() % 6) {
    case 0: return 1 + t_rnd() % 10;
    case 1: return 1 + t_rnd() % 400;
    case 2: return 1 + t_rnd() % 4000;
    case 3: return 16000;
    case 4: return 1 + t_rnd() % 16000;
    default: return 1 + t_rnd() % longest;
    }
}

float *t_noise_gaps(size_t n, unsigned seed, size_t gap)
{
    float *x = malloc((n ? n : 1) * sizeof(float));
    if (!x) return NULL;
    t_chirp(x, n, seed);
    for (size_t i = n / 5; i < n / 5 + gap && i < n; i++) x[i] = 0.0f;
    for (size_t i = n - n / 7; i < n; i++) x[i] = 0.0f;
    return x;
}

wmel_params t_params(int backend, int isa, int threads)
{
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.max_isa = isa;
    p.n_threads = threads;
    return p;
}

wmel_ctx *t_ctx_plan(const wmel_frontend_plan *pl, int backend, int isa, int threads, int *st)
{
    const wmel_params p = t_params(backend, isa, threads);
    return wmel_create_plan(&p, pl, st);
}

float *t_signal(int k, size_t n, unsigned seed, float amp)
{
    float *x = malloc((n ? n : 1) * sizeof(float));
    if (!x) return NULL;
    if (k == 0) t_chirp(x, n, seed);
    else if (k == 1) memset(x, 0, n * sizeof(float));
    else {
        t_rng = seed;
        for (size_t i = 0; i < n; i++) x[i] = (float)((double)t_rnd() / 2147483648.0 - 1.0) * amp;
    }
    return x;
}

int t_sink_take(void *user, const float *values, size_t n)
{
    t_sink *k = user;
    if (k->n + n > k->cap) return 1;
    memcpy(k->v + k->n, values, n * sizeof(float));
    k->n += n;
    return 0;
}

int t_gather_take(void *user, const float *raw, size_t f0, size_t nb)
{
    t_gather *g = user;
    for (size_t t = 0; t < nb; t++)
        for (size_t c = 0; c < g->nc; c++) g->v[(f0 + t) * g->nc + c] = raw[c * nb + t];
    if (f0 + nb > g->n) g->n = f0 + nb;
    return 0;
}

void t_sliding_same(wmel_ctx *ctx, wmel_sliding *b, const float *x, size_t n, size_t hop, unsigned seed, int steps,
                    int small, const char *name)
{
    size_t pos = 0, start = 0;
    t_rng = seed;
    for (int step = 0; b && pos < n && step < steps; step++) {
        size_t k = step < small ? 1 + t_rnd() % 300 : t_push_size(12000);
        if (k > n - pos) k = n - pos;
        CHECK(wmel_sliding_push(b, x + pos, k) == WMEL_OK, "%s: push", name);
        pos += k;
        if (t_rnd() % 3 == 0) {
            size_t t = t_rnd() % (pos - start + 1);
            if (t_rnd() % 4) t -= t % hop;
            CHECK(wmel_sliding_trim(b, t) == WMEL_OK, "%s: trim", name);
            start += t;
        }
        const size_t len = pos - start;
        size_t r1 = 0, c1 = 0, r2 = 0, c2 = 0;
        int s1 = wmel_sliding_shape(b, 0, &r1, &c1), s2 = wmel_features_shape(ctx, len, &r2, &c2);
        CHECK(s1 == s2 && r1 == r2 && c1 == c2, "%s: sliding shape", name);
        if (s1 != WMEL_OK) continue;
        const size_t tot = r1 * c1 + 1;
        float *u = malloc(tot * sizeof(float)), *v = malloc(tot * sizeof(float));
        s1 = wmel_sliding_features(b, 0, u, r1 * c1);
        s2 = wmel_features(ctx, x + start, len, v, r1 * c1);
        CHECK(s1 == s2 && (s1 != WMEL_OK || !memcmp(u, v, r1 * c1 * sizeof(float))),
              "%s: the sliding buffer (%zu samples, status %d/%d) differs from wmel_features", name, len, s1, s2);
        free(u);
        free(v);
    }
}

void t_long_same(const wmel_frontend_plan *p, const size_t *lens, size_t n_lens, int empty_too, const char *name)
{
    int st;
    wmel_ctx *ctx = t_ctx_plan(p, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2, &st);
    CHECK(ctx && st == WMEL_OK, "%s long: ctx %s", name, wmel_strerror(st));
    if (!ctx) return;
    for (size_t li = 0; li < n_lens; li++) {
        const size_t n = lens[li];
        float *x = t_signal(2, n, (unsigned)li + 9, 1.0f);
        size_t rows = 0, cols = 0;
        const int s0 = wmel_features_shape(ctx, n, &rows, &cols);
        wmel_long *l = wmel_long_create(ctx, 4096, &st);
        CHECK(l && st == WMEL_OK, "%s long: create %d", name, st);
        for (size_t pos = 0; l && pos < n; pos += 3001) wmel_long_push(l, x + pos, n - pos < 3001 ? n - pos : 3001);
        const int s1 = l ? wmel_long_finish(l) : -1;
        CHECK(s1 == s0, "%s long n %zu: finish %d, wmel_features_shape %d", name, n, s1, s0);
        const size_t len = rows * cols;
        if (s0 == WMEL_OK && s1 == WMEL_OK && (len || empty_too)) {
            float *a = malloc((len ? len : 1) * sizeof(float));
            t_sink k = {malloc((len ? len : 1) * sizeof(float)), 0, len};
            CHECK(wmel_features(ctx, x, n, a, len) == WMEL_OK, "%s long n %zu: offline", name, n);
            CHECK(wmel_long_write(l, t_sink_take, &k) == WMEL_OK && k.n == len && !memcmp(a, k.v, len * sizeof(float)),
                  "%s long n %zu: wmel_long_write differs from wmel_features", name, n);
            free(a);
            free(k.v);
        }
        wmel_long_destroy(l);
        free(x);
    }
    wmel_destroy(ctx);
}

double t_rel_err_ff(const float *v, const float *r, size_t n)
{
    double e = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]) || isnan(r[i])) {
            if (isnan(v[i]) != isnan(r[i])) return NAN;
            continue;
        }
        const double d = fabs((double)v[i] - (double)r[i]) / fmax(1.0, fabs((double)r[i]));
        if (d > e) e = d;
    }
    return e;
}

void t_edge_signal(float *x, size_t len, int kind, const float *speech, size_t ns)
{
    uint64_t r = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < len; i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        const float u = (float)((double)(r >> 11) / 9007199254740992.0 * 2.0 - 1.0);
        switch (kind) {
        case 0: x[i] = 0.0f; break;
        case 1: x[i] = u; break;
        case 2: {
            const float v = 8.0f * speech[i % ns];
            x[i] = v > 1.0f ? 1.0f : v < -1.0f ? -1.0f : v;
            break;
        }
        default: x[i] = speech[i % ns]; break;
        }
    }
}

void t_vals_f32_check(int backend, int vulkan_arith, const char *env, const char *name, const float *speech)
{
    wmel_frontend_plan plan;
    char msg[200];
    if (wmel_preset_plan(name, &plan, msg, sizeof msg) != WMEL_OK) return;
    plan.dither = 0.0; /* the device's frames */
    wmel_params p = wmel_default_params();
    p.backend = backend;
    p.vulkan_arith = vulkan_arith;
    p.n_threads = 2;
    int st[2];
    wmel_ctx *c[2];
    c[0] = wmel_create_plan(&p, &plan, &st[0]);
    t_setenv(env, "1", 1); /* read when the ctx is made */
    c[1] = wmel_create_plan(&p, &plan, &st[1]);
    t_unsetenv(env);
    CHECK(c[0] && c[1], "%s values: create %d %d", name, st[0], st[1]);
    enum { N = 9000 };
    float *x = malloc(N * sizeof(float));
    size_t rows = 0, cols = 0;
    if (c[0] && c[1] && x && wmel_features_shape(c[0], N, &rows, &cols) == WMEL_OK) {
        const size_t total = rows * cols;
        float *o[2] = {malloc(total * sizeof(float)), malloc(total * sizeof(float))};
        for (int k = 0; k < 3 && o[0] && o[1]; k++) {
            memcpy(x, speech, N * sizeof(float));
            if (k == 1)
                for (size_t i = 0; i < N; i++) x[i] *= 1e18f; /* the power past float32's range */
            if (k == 2) x[N / 2] = NAN;
            int rc[2];
            for (int v = 0; v < 2; v++) {
                memset(o[v], 0, total * sizeof(float));
                rc[v] = wmel_features(c[v], x, N, o[v], total);
            }
            CHECK(rc[0] == rc[1], "%s values, input %d: status float32 %d, float64 %d", name, k, rc[0], rc[1]);
            if (rc[0] == WMEL_OK && rc[1] == WMEL_OK)
                CHECK(!memcmp(o[0], o[1], total * sizeof(float)), "%s values, input %d: other bytes", name, k);
            if (k == 0) { /* a batch of two: the single calls' bytes */
                const float *pcm[2] = {x, x + 1000};
                const size_t n2[2] = {N, N - 1000};
                size_t r2 = 0, c2 = 0, failed = 0;
                wmel_features_shape(c[0], N - 1000, &r2, &c2);
                float *b1 = malloc(r2 * c2 * sizeof(float)), *b0 = malloc(total * sizeof(float));
                float *outs[2] = {b0, b1};
                const size_t lens[2] = {total, r2 * c2};
                const int rb = b0 && b1 ? wmel_features_batch(c[0], pcm, n2, 2, outs, lens, &failed) : -1;
                CHECK(rb == WMEL_OK && !memcmp(b0, o[1], total * sizeof(float)), "%s values: batch %d", name, rb);
                free(b0), free(b1);
            }
        }
        free(o[0]), free(o[1]);
    }
    free(x);
    wmel_destroy(c[0]);
    wmel_destroy(c[1]);
}

void t_vk_fault_status(int rc, long k)
{
    CHECK(rc == WMEL_ERR_BACKEND_UNAVAILABLE || rc == WMEL_ERR_VULKAN || rc == WMEL_ERR_NO_MEMORY,
          "call %ld failed: status %d", k, rc);
    CHECK(wmel_vulkan_error_detail()[0] != '\0', "call %ld: no message", k);
}

void t_lfr76(wmel_frontend_plan *v)
{
    v->stack = 7;
    v->stack_stride = 6;
    v->stack_left = 3;
    v->stack_tail = WMEL_STACK_TAIL_LAST;
}

void t_cols_vectors(double *scale, double *shift, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        scale[i] = 0.5 + 0.01 * (double)(i % 37);
        shift[i] = -1.0 + 0.003 * (double)(i % 101);
    }
}

int t_features_new(wmel_ctx *c, const float *x, size_t n, float **o, size_t *len)
{
    size_t rows = 0, cols = 0;
    *o = NULL;
    *len = 0;
    int st = wmel_features_shape(c, n, &rows, &cols);
    if (st != WMEL_OK) return st;
    *len = rows * cols;
    *o = malloc((*len ? *len : 1) * sizeof(float));
    if (!*o) return WMEL_ERR_NO_MEMORY;
    for (size_t i = 0; i < *len; i++) (*o)[i] = 12345.0f;
    return wmel_features(c, x, n, *o, *len);
}

int t_cuda_or_skip(const wmel_frontend_plan *plan, const char *name)
{
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_CUDA;
    int st = 0;
    wmel_ctx *c = wmel_create_plan(&p, plan, &st);
    if (c) {
        wmel_destroy(c);
        return 0;
    }
    CHECK(st == WMEL_ERR_BACKEND_UNAVAILABLE, "%s on CUDA without a device: %s", name, wmel_strerror(st));
    if (t_failures) return t_done(name);
    printf("skipped: no CUDA device\n");
    return 77;
}

/* the test door's answer: a build without WMEL_TEST_HOOKS cannot run the test */
static void t_door(int rc, const char *what)
{
    if (rc == WMEL_OK) return;
    fprintf(stderr, "FAIL %s: the library's test door answers %d (%s); this test needs a library built with "
            "-DWMEL_TEST_HOOKS=ON\n", what, rc, wmel_strerror(rc));
    exit(1);
}

int t_setenv(const char *name, const char *value, int overwrite)
{
    const int rc = setenv(name, value, overwrite);
    t_door(wmel__test_ctl(WMEL__TC_ENV_RELOAD), name);
    return rc;
}

int t_unsetenv(const char *name)
{
    const int rc = unsetenv(name);
    t_door(wmel__test_ctl(WMEL__TC_ENV_RELOAD), name);
    return rc;
}

long long t_count(int which)
{
    long long v = 0;
    t_door(wmel__test_ctl(WMEL__TC_COUNTER, which, &v), "a counter");
    return v;
}

void t_vk_fail_at(long n) { t_door(wmel__test_ctl(WMEL__TC_VK_FAIL_AT, n), "the Vulkan fault injection"); }
