/*
 * f64check.c -- the float64 self-test: before the first float64 ctx on a device,
 * shaders/f64check.comp (arith_f64.glsl built as frames.comp's and finish.comp's float64
 * variants) runs the division, the square root, the product and the log the device's
 * frames and finish take on a table of cases: operands with full 53-bit mantissas from
 * 2^-100 to 2^100, values near 1, perfect squares, and pseudo-random pairs, and the
 * finish's correction step (r_div_fix, r_sqrt_fix) on the device's division and square
 * root. The host compares all but the log bit for bit with its own (IEEE's correctly
 * rounded results, which the CPU's finish takes), the log with the exact value in long
 * double (within 2^-50 of max(1, |log a|)). A device that rounds one of them differently
 * keeps its frames, but its finish runs on the host (the CPU's bytes), except where only
 * the division or the square root is off and the corrected ones are exact: its finish
 * corrects them (finish.comp's F64_FIX). The verdict is kept per device, driver build and
 * testing switch for the process; so are the verdicts of the finish's own self-test on a
 * fixed clip (backend.c), per finish too.
 */
#define _POSIX_C_SOURCE 200809L
#include "../internal.h"
#include "vk_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const uint32_t wmel__spv_f64check[];
extern const size_t wmel__spv_f64check_words;

enum { N_RANDOM = 256, N_MAX = 320 };

static const char *const g_op[VKW_F64_NOP] = {"division", "square root",          "log",
                                               "product",  "corrected division", "corrected square root"};

const char *wmel__vk_f64_op_name(int k) { return k >= 0 && k < VKW_F64_NOP ? g_op[k] : "?"; }

/* The table: n pairs (a > 0 everywhere: sqrt and log take a; b != 0) into c[2 i], c[2 i + 1]. */
static int table(double *c)
{
    int n = 0;
#define PAIR(x, y) (c[2 * n] = (x), c[2 * n + 1] = (y), n++)
    PAIR(1.0, 3.0);
    PAIR(2.0, 3.0);
    PAIR(10.0, 7.0);
    PAIR(1.0 + ldexp(1.0, -52), 1.0 - ldexp(1.0, -53));
    PAIR(1.0 - ldexp(1.0, -53), 1.0 + ldexp(1.0, -52));
    PAIR(2.0, 1.0 + ldexp(1.0, -30));
    PAIR(9.0, -1.5);
    PAIR(144.0, 12.0); /* perfect squares */
    PAIR(ldexp(1.0, -60) * 9.0, ldexp(1.0, 40) * 25.0);
    PAIR(0.1, 0.3);
    PAIR(ldexp(1.0, 100), ldexp(1.0, -100) * 3.0);
    PAIR(ldexp(1.75, -100), 0.7);
    PAIR(3.14159265358979323846, 2.71828182845904523536);
    PAIR(0.99999999999999989, 1.0000000000000002);
    PAIR(1e-6, 1e6 + 1.0);
    /* pseudo-random: 53-bit mantissas, a > 0 in 2^-100 .. 2^100, b of either sign */
    unsigned long long r = 0x13198a2e03707344ull;
    for (int i = 0; i < N_RANDOM; i++) {
        double v[2];
        for (int k = 0; k < 2; k++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            const double m = 1.0 + (double)(r >> 12) * ldexp(1.0, -52); /* [1, 2), 53 bits */
            const int e = (int)((r >> 4) % 201) - 100;
            v[k] = ldexp(m, e);
        }
        if (i % 2) v[1] = -v[1];
        if (i % 5 == 2) v[0] = ldexp(v[0], -(int)floor(log2(v[0]))); /* a in [1, 2): the log's cancellation */
        PAIR(v[0], v[1]);
    }
#undef PAIR
    return n;
}

static uint64_t bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

/* The device's results o for the cases c against the host's into res. */
static void judge(const double *c, int n, const double *o, vkw_f64check *res)
{
    res->cases = n;
    for (int k = 0; k < VKW_F64_NOP; k++) res->first_off[k] = -1;
    for (int i = 0; i < n; i++) {
        const double a = c[2 * i], b = c[2 * i + 1];
        const double host[VKW_F64_NOP] = {a / b, sqrt(a), 0.0, a * b, a / b, sqrt(a)};
        for (int k = 0; k < VKW_F64_NOP; k++) {
            const double got = o[VKW_F64_NOP * i + k];
            if (k == 2) {
                const long double x = logl((long double)a), s = fabsl(x) < 1 ? 1 : fabsl(x);
                const double e = isnan(got) ? INFINITY : (double)(fabsl((long double)got - x) / s);
                if (!(e <= res->log_worst)) res->log_worst = e;
                if (!(e <= ldexp(1.0, VKW_F64_LOG_BAR_LOG2)) && res->first_off[k] < 0) res->first_off[k] = i;
                continue;
            }
            if (bits(got) != bits(host[k])) {
                res->n_off[k]++;
                if (res->first_off[k] < 0) res->first_off[k] = i;
            }
        }
    }
    res->passed = 1;
    for (int k = 0; k < 4; k++)
        if (res->first_off[k] >= 0) res->passed = 0;
    /* only the division or the square root off, the corrected ones exact: the finish corrects them */
    res->fixed = !res->passed && res->first_off[2] < 0 && res->first_off[3] < 0 && res->first_off[4] < 0 &&
                 res->first_off[5] < 0;
}

static int run(int index, int brk, vkw_f64check *res)
{
    double *c = malloc(sizeof(double) * 2 * N_MAX), *o = calloc((size_t)VKW_F64_NOP * N_MAX, sizeof(double));
    int rc = WMEL_ERR_NO_MEMORY;
    if (c && o) {
        const int n = table(c);
        const int32_t spec[2] = {brk & 1, 0};
        int fc = 0;
        memset(res, 0, sizeof *res);
        res->broken = brk & 1;
        rc = wmel__vk_oneshot(index, wmel__spv_f64check, wmel__spv_f64check_words, spec, c,
                              sizeof(double) * 2 * (size_t)n, o, sizeof(double) * VKW_F64_NOP * (size_t)n, (uint32_t)n,
                              (uint32_t)(n + 63) / 64, &fc);
        if (rc == WMEL_OK) judge(c, n, o, res);
    }
    free(c);
    free(o);
    return rc;
}

/* The testing switch: bit 1 the self-test's division rounded as a reciprocal and a product
 * (div), bit 2 the finish's divisions off (fin); -1 a bad value. */
static int break_env(void)
{
    const char *env = wmel__test_env(WMEL__CFG_VULKAN_F64CHECK_BREAK);
    if (!env || !*env || !strcmp(env, "0")) return 0;
    if (!strcmp(env, "1") || !strcmp(env, "div")) return 1;
    if (!strcmp(env, "2") || !strcmp(env, "fin")) return 2;
    if (!strcmp(env, "3") || !strcmp(env, "div+fin")) return 3;
    return -1;
}

int wmel__vk_f64_break(void) { return break_env(); }

void wmel__vk_f64check_sentence(const vkw_f64check *res, char *msg, size_t len)
{
    const char *brk = res->broken ? " (WMEL_VULKAN_F64CHECK_BREAK)" : "";
    if (res->passed) {
        snprintf(msg, len, "float64 self-test passed: division, square root and product exact over %d cases, log's "
                 "worst error 2^%.1f (bar 2^%d)", res->cases, res->log_worst > 0 ? log2(res->log_worst) : -INFINITY,
                 VKW_F64_LOG_BAR_LOG2);
        return;
    }
    int k = 0;
    while (k < VKW_F64_NOP - 1 && res->first_off[k] < 0) k++;
    if (res->fixed)
        snprintf(msg, len, "float64 self-test failed%s: the %s rounds differently from IEEE's in %d of %d cases, "
                 "exact once corrected: the finish corrects them on the device", brk, g_op[k], res->n_off[k], res->cases);
    else if (k == 2)
        snprintf(msg, len, "float64 self-test failed%s: log off by 2^%.1f (bar 2^%d); the finish runs on the host",
                 brk, log2(res->log_worst), VKW_F64_LOG_BAR_LOG2);
    else
        snprintf(msg, len, "float64 self-test failed%s: the %s rounds differently from IEEE's in %d of %d cases; "
                 "the finish runs on the host", brk, g_op[k], res->n_off[k], res->cases);
}

typedef struct f64_kept {
    int used;
    vkw_dev dev;
    int brk;
    vkw_f64check res;
} f64_kept;
#define N_KEPT 16
static f64_kept g_kept[N_KEPT];
static pthread_mutex_t g_kept_lock = PTHREAD_MUTEX_INITIALIZER;

int wmel__vk_f64check(const vkw_dev *d, int index, vkw_f64check *out)
{
    memset(out, 0, sizeof *out);
    const int brk = break_env();
    if (brk < 0) {
        const char *bv = wmel__test_env(WMEL__CFG_VULKAN_F64CHECK_BREAK);
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE,
                               "Vulkan: WMEL_VULKAN_F64CHECK_BREAK is '%s'; it takes 0, div (1), fin (2) or "
                               "div+fin (3)", bv ? bv : "");
    }
    if (pthread_mutex_lock(&g_kept_lock) != 0) return WMEL_ERR_THREAD;
    int rc = WMEL_OK, found = 0;
    for (int i = 0; i < N_KEPT && !found; i++)
        if (g_kept[i].used && g_kept[i].brk == brk && wmel__vk_same_dev(&g_kept[i].dev, d)) {
            *out = g_kept[i].res;
            found = 1;
        }
    if (!found && (rc = run(index, brk, out)) == WMEL_OK) { /* a verdict: kept (a device's failure is not) */
        f64_kept *k = NULL;
        for (int i = 0; i < N_KEPT && !k; i++)
            if (!g_kept[i].used) k = &g_kept[i];
        if (!k) k = &g_kept[N_KEPT - 1];
        k->used = 1;
        k->dev = *d;
        k->brk = brk;
        k->res = *out;
    }
    pthread_mutex_unlock(&g_kept_lock);
    return rc;
}

/* ---- the finish's self-test on a fixed clip: its verdicts (backend.c runs it) ---- */

typedef struct fin_kept {
    int used;
    vkw_dev dev;
    int brk;
    uint32_t kind;
    char why[256];
} fin_kept;
#define N_FIN_KEPT 32
static fin_kept g_fin[N_FIN_KEPT];

int wmel__vk_f64fin_kept(const vkw_dev *d, int brk, uint32_t kind, char *why, size_t len)
{
    if (pthread_mutex_lock(&g_kept_lock) != 0) return 0;
    int found = 0;
    for (int i = 0; i < N_FIN_KEPT && !found; i++)
        if (g_fin[i].used && g_fin[i].brk == brk && g_fin[i].kind == kind && wmel__vk_same_dev(&g_fin[i].dev, d)) {
            snprintf(why, len, "%s", g_fin[i].why);
            found = 1;
        }
    pthread_mutex_unlock(&g_kept_lock);
    return found;
}

void wmel__vk_f64fin_keep(const vkw_dev *d, int brk, uint32_t kind, const char *why)
{
    if (pthread_mutex_lock(&g_kept_lock) != 0) return;
    fin_kept *k = NULL;
    for (int i = 0; i < N_FIN_KEPT && !k; i++)
        if (!g_fin[i].used || (g_fin[i].brk == brk && g_fin[i].kind == kind && wmel__vk_same_dev(&g_fin[i].dev, d)))
            k = &g_fin[i];
    if (!k) k = &g_fin[N_FIN_KEPT - 1];
    k->used = 1;
    k->dev = *d;
    k->brk = brk;
    k->kind = kind;
    snprintf(k->why, sizeof k->why, "%s", why);
    pthread_mutex_unlock(&g_kept_lock);
}

void wmel__vk_f64fin_sentence(const vkw_dev *d, char *buf, size_t len)
{
    int ok = 0, bad = 0;
    const char *first = NULL;
    if (len) buf[0] = '\0';
    if (pthread_mutex_lock(&g_kept_lock) != 0) return;
    for (int i = 0; i < N_FIN_KEPT; i++)
        if (g_fin[i].used && wmel__vk_same_dev(&g_fin[i].dev, d)) {
            if (g_fin[i].why[0]) bad++, first = first ? first : g_fin[i].why;
            else ok++;
        }
    if (bad) snprintf(buf, len, "%s", first);
    else if (ok) snprintf(buf, len, "float64 finish self-test passed: the device's finish of a fixed clip gives the "
                          "host's bytes (%d finish%s)", ok, ok > 1 ? "es" : "");
    pthread_mutex_unlock(&g_kept_lock);
}
