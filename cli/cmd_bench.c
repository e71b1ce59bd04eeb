/*
 * cmd_bench.c -- `wmel bench`: times the CPU backend on a deterministic test signal and,
 * in the same run, the peers in bench/ (an FFTW implementation of the same pipeline and
 * the Python peers: numpy's openai algorithm, torch's stft pipeline), then prints
 * min / median / p95, x-realtime, ns per frame, RSS and the ratio of each peer's
 * median to wmel's (above 1: wmel is faster). Plain-text table, or --json.
 *
 * Peers are separate processes (FFTW is GPL and never linked into wmel); each times its
 * own compute loop the same way (bench/bench_common.h), so process start-up is excluded.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "bench_common.h" /* bench/: the timing every benchmark program shares */
#include "commands.h"
#include "msg.h"
#include "wmel.h"

#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>


#define MAXL 8

typedef struct row {
    double seconds;
    int threads, n_mels;
    char impl[24];
    char note[256];
    int ok;
    double min_ms, median_ms, p95_ms;
    double ratio;      /* this peer's median / wmel's median for the same config */
    double rss_mb;     /* resident set of the wmel process at the end of this config's
                          timed calls (its buffers live; the cold rows' flush buffer,
                          allocated after, would stay in a high-water mark) */
    double io_mb;      /* input + output arrays */
    double faults;     /* cold rows: minor page faults per call */
    double reuse_ms;   /* cold rows: median with caches flushed but the output reused */
    double touch_ms;   /* cold rows: median of memset() on a fresh mapping of the output's
                          size, caches flushed: what first touching that memory costs
                          whoever writes it (the kernel's page faults and zeroing) */
} row;

static int parse_list_d(const char *s, double *v, int *n)
{
    *n = 0;
    while (s && *s && *n < MAXL) {
        char *end;
        v[*n] = strtod(s, &end);
        if (end == s || !(v[*n] > 0.02)) return -1;
        (*n)++;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') return -1;
    }
    return *n ? 0 : -1;
}

static int parse_list_i(const char *s, int *v, int *n)
{
    double d[MAXL];
    if (parse_list_d(s, d, n)) return -1;
    for (int i = 0; i < *n; i++) v[i] = (int)d[i];
    return 0;
}

static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10)) continue;
        char *c = strchr(line, ':');
        if (!c) break;
        c += 2;
        c[strcspn(c, "\n")] = 0;
        snprintf(buf, len, "%s", c);
        break;
    }
    fclose(f);
}

static double rss_mb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    if (resident > 0) return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
    struct rusage ru; /* no /proc: the peak */
    if (getrusage(RUSAGE_SELF, &ru)) return 0.0;
    return (double)ru.ru_maxrss / 1024.0;
}

/* Pulls "key":number out of a peer's JSON line. */
static int json_num(const char *s, const char *key, double *v)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(s, pat);
    if (!p) return -1;
    p += strlen(pat);
    while (*p == ' ') p++;
    char *end;
    *v = strtod(p, &end);
    return end == p ? -1 : 0;
}

static void run_peer(const char *cmd, row *r)
{
    r->ok = 0;
    FILE *f = popen(cmd, "r");
    if (!f) {
        snprintf(r->note, sizeof r->note, "could not start");
        return;
    }
    char line[2048] = "";
    char *got = fgets(line, sizeof line, f);
    int st = pclose(f);
    if (!got || st != 0) {
        snprintf(r->note, sizeof r->note, "not available");
        return;
    }
    if (strstr(line, "\"skipped\"")) {
        snprintf(r->note, sizeof r->note, "skipped (not importable)");
        return;
    }
    double diff;
    if (json_num(line, "median_ms", &r->median_ms) || json_num(line, "min_ms", &r->min_ms) ||
        json_num(line, "p95_ms", &r->p95_ms)) {
        snprintf(r->note, sizeof r->note, "unreadable output");
        return;
    }
    if (!json_num(line, "max_abs_diff_vs_wmel", &diff))
        snprintf(r->note, sizeof r->note, "max|diff| vs wmel %.1e", diff);
    else if (!json_num(line, "max_abs_diff_vs_numpy", &diff))
        snprintf(r->note, sizeof r->note, "max|diff| vs numpy %.1e", diff);
    r->ok = 1;
}

static long minor_faults(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) ? 0 : ru.ru_minflt;
}

/* Evicts the caches: reads a buffer of 4x the last-level cache (64 MB at least), written
 * once beforehand, so that the call does not pay for write-backs of the flush itself.
 * Returns a sum so that the reads are not dropped. */
static double flush_caches(const unsigned char *buf, size_t len)
{
    double s = 0;
    for (size_t i = 0; i < len; i += 64) s += buf[i];
    return s;
}

static size_t flush_bytes(void)
{
    size_t llc = 32u << 20;
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
    if (f) {
        unsigned long kb = 0;
        if (fscanf(f, "%luK", &kb) == 1 && kb > 0) llc = (size_t)kb << 10;
        fclose(f);
    }
    return 4 * llc > (64u << 20) ? 4 * llc : (64u << 20);
}

/* A fresh anonymous mapping of at least `bytes` (never touched). huge: on a 2 MiB boundary
 * with transparent huge pages asked for, as wmel_alloc() does for big blocks. *map and
 * *len are what to munmap. */
static float *map_fresh(size_t bytes, int huge, void **map, size_t *len)
{
    const size_t hp = (size_t)2 << 20;
    *len = bytes + (huge ? hp : 0);
    void *m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    *map = m;
    if (!huge) return m;
    char *a = (char *)(((uintptr_t)m + hp - 1) & ~(uintptr_t)(hp - 1));
#ifdef MADV_HUGEPAGE
    (void)madvise(a, bytes & ~(hp - 1), MADV_HUGEPAGE); /* advice: may be ignored */
#endif
    return (float *)a;
}

/* Separated calls, as an application that computes one clip now and then sees them:
 * before each call the caches are flushed. mode 0: the output is reused; 1: it is a new
 * mapping (never touched: the call takes its page faults); 2: the same with huge pages
 * asked for (map_fresh). With 1 and 2, as the reference, a memset() of another such
 * mapping of the same size is timed the same way (touch, reps entries). Fills the timing
 * fields of r, r->faults and, for 1 and 2, r->touch_ms. */
static int time_cold(wmel_ctx *ctx, const float *x, size_t n, size_t count, float *out,
                     int reps, int mode, unsigned char *fl, size_t fl_len, double *t,
                     double *touch, row *r)
{
    int rc = WMEL_OK;
    long faults = 0;
    volatile double sink = 0;
    for (int i = 0; i < reps && rc == WMEL_OK; i++) {
        float *o = out;
        size_t bytes = count * sizeof(float), olen = 0, mlen = 0;
        void *omap = NULL, *mmap_ = NULL;
        if (mode) {
            o = map_fresh(bytes, mode == 2, &omap, &olen);
            if (!o) return WMEL_ERR_NO_MEMORY;
            /* the reference: the same first touch by memset, nothing else */
            unsigned char *m = (unsigned char *)map_fresh(bytes, mode == 2, &mmap_, &mlen);
            if (!m) {
                munmap(omap, olen);
                return WMEL_ERR_NO_MEMORY;
            }
            sink += flush_caches(fl, fl_len);
            double t0 = bench_now();
            memset(m, 0, bytes);
            touch[i] = bench_now() - t0;
            sink += ((volatile unsigned char *)m)[bytes / 2];
            munmap(mmap_, mlen);
        }
        sink += flush_caches(fl, fl_len);
        long f0 = minor_faults();
        double t0 = bench_now();
        rc = wmel_log_mel(ctx, x, n, 0, o, count);
        t[i] = bench_now() - t0;
        faults += minor_faults() - f0;
        if (mode) munmap(omap, olen);
    }
    (void)sink;
    if (rc != WMEL_OK) return rc;
    bench_stats st = bench_summarize(t, (size_t)reps);
    r->min_ms = st.min * 1e3;
    r->median_ms = st.median * 1e3;
    r->p95_ms = st.p95 * 1e3;
    r->faults = (double)faults / reps;
    if (mode) r->touch_ms = bench_summarize(touch, (size_t)reps).median * 1e3;
    return WMEL_OK;
}

static int time_wmel(double seconds, int threads, int n_mels, int isa, int reps, int warm,
                     row *r, row *cold, row *huge, char *kernel, size_t klen)
{
    size_t n = (size_t)(seconds * 16000.0);
    size_t nf = wmel_n_frames(n, 0), count = (size_t)n_mels * nf;
    float *x = malloc(n * sizeof *x), *out = malloc(count * sizeof *out);
    double *t = malloc((size_t)reps * sizeof *t);
    wmel_params p = wmel_default_params();
    p.n_mels = n_mels;
    p.n_threads = threads;
    p.backend = WMEL_BACKEND_CPU;
    p.max_isa = isa;
    wmel_ctx *ctx = wmel_create(&p, NULL);
    int rc = (!x || !out || !t || !ctx) ? WMEL_ERR_NO_MEMORY : WMEL_OK;
    if (rc == WMEL_OK) {
        bench_signal(x, n);
        snprintf(kernel, klen, "%s", wmel_kernel_name(ctx));
        for (int i = 0; i < warm && rc == WMEL_OK; i++) rc = wmel_log_mel(ctx, x, n, 0, out, count);
        for (int i = 0; i < reps && rc == WMEL_OK; i++) {
            double t0 = bench_now();
            rc = wmel_log_mel(ctx, x, n, 0, out, count);
            t[i] = bench_now() - t0;
        }
    }
    if (rc == WMEL_OK) {
        bench_stats st = bench_summarize(t, (size_t)reps);
        r->min_ms = st.min * 1e3;
        r->median_ms = st.median * 1e3;
        r->p95_ms = st.p95 * 1e3;
        r->ok = 1;
        r->rss_mb = rss_mb();
        r->io_mb = (double)(n + count) * 4.0 / (1024.0 * 1024.0);
    } else {
        snprintf(r->note, sizeof r->note, "%s", wmel_strerror(rc));
    }
    if (rc == WMEL_OK && cold) {
        size_t fl_len = flush_bytes();
        unsigned char *fl = malloc(fl_len);
        double *touch = malloc((size_t)reps * sizeof *touch);
        if (fl) memset(fl, 1, fl_len);
        row reuse = *cold;
        rc = fl && touch ? time_cold(ctx, x, n, count, out, reps, 0, fl, fl_len, t, touch, &reuse)
                         : WMEL_ERR_NO_MEMORY;
        if (rc == WMEL_OK) rc = time_cold(ctx, x, n, count, out, reps, 1, fl, fl_len, t, touch, cold);
        if (rc == WMEL_OK && huge) rc = time_cold(ctx, x, n, count, out, reps, 2, fl, fl_len, t, touch, huge);
        free(touch);
        free(fl);
        for (row *c = cold; c; c = c == cold ? huge : NULL) {
            if (rc == WMEL_OK) {
                c->ok = 1;
                c->reuse_ms = reuse.median_ms;
                c->ratio = c->median_ms / r->median_ms;
            } else {
                snprintf(c->note, sizeof c->note, "%s", wmel_strerror(rc));
            }
        }
    }
    wmel_destroy(ctx);
    free(x);
    free(out);
    free(t);
    return rc;
}

/* Another front-end's wmel_features() on the same signal, timed the same way. */
static int time_fe(double seconds, int threads, int n_mels, int isa, int reps, int warm, int fe,
                   row *r)
{
    size_t n = (size_t)(seconds * 16000.0), rows = 0, cols = 0;
    wmel_params p = wmel_default_params();
    p.n_threads = threads;
    p.backend = WMEL_BACKEND_CPU;
    p.max_isa = isa;
    wmel_frontend_plan plan;
    int rc = wmel_frontend_preset(fe, n_mels, &plan);
    const int have_plan = rc == WMEL_OK;
    wmel_ctx *ctx = rc ? NULL : wmel_create_plan(&p, &plan, &rc);
    if (ctx) rc = wmel_features_shape(ctx, n, &rows, &cols);
    float *x = malloc(n * sizeof *x), *out = malloc((rows * cols + 1) * sizeof *out);
    double *t = malloc((size_t)reps * sizeof *t);
    if (rc == WMEL_OK && (!x || !out || !t)) rc = WMEL_ERR_NO_MEMORY;
    if (rc == WMEL_OK) {
        bench_signal(x, n);
        snprintf(r->note, sizeof r->note, "%s", wmel_kernel_name(ctx));
        for (int i = 0; i < warm && rc == WMEL_OK; i++) rc = wmel_features(ctx, x, n, out, rows * cols);
        for (int i = 0; i < reps && rc == WMEL_OK; i++) {
            double t0 = bench_now();
            rc = wmel_features(ctx, x, n, out, rows * cols);
            t[i] = bench_now() - t0;
        }
    }
    if (rc == WMEL_OK) {
        bench_stats st = bench_summarize(t, (size_t)reps);
        r->min_ms = st.min * 1e3;
        r->median_ms = st.median * 1e3;
        r->p95_ms = st.p95 * 1e3;
        r->ok = 1;
    } else if (have_plan && !ctx && rc == WMEL_ERR_INVALID_ARG) {
        wmel_plan_check(&plan, r->note, sizeof r->note); /* which field (kaldi: at most 126 mels) */
    } else {
        snprintf(r->note, sizeof r->note, "%s", wmel_strerror(rc));
    }
    wmel_destroy(ctx);
    free(x);
    free(out);
    free(t);
    return rc;
}

static int is_cold(const row *r)
{
    return !strcmp(r->impl, "wmel-cold") || !strcmp(r->impl, "wmel-thp");
}

static const char *BENCH_USAGE =
    "usage: wmel bench [--seconds 30,600,6240] [--threads 1,2] [--n-mels 80,128]\n"
    "                  [--reps N] [--warmup N] [--isa auto|c|avx2|avx512|neon]\n"
    "                  [--peers fftw,numpy,asrfront,torch|none] [--python PY] [--cold]\n"
    "                  [--frontends nemo,kaldi,seamless] [--json]\n"
    "Times wmel's CPU backend and, in the same run, the peers; prints medians and ratios\n"
    "(peer median / wmel median). --reps applies at 30 s and shrinks with the length.\n"
    "--cold adds a wmel-cold row per case: separated calls, caches flushed before each,\n"
    "output freshly mapped (its ratio: cold median / back-to-back median; its note: the\n"
    "median with flushed caches but a reused output, page faults per call, and the reference\n"
    "memset(fresh): a memset of a fresh mapping of the output's size, timed the same way),\n"
    "and a wmel-thp row: the same with the fresh output on transparent huge pages (2 MiB\n"
    "aligned, madvise, as wmel_alloc gives; numpy asks for them from 4 MB too).\n"
    "--frontends adds a wmel-<front-end> row per case: wmel_features() of that preset\n"
    "(its note: the kernel; its ratio: its median / Whisper's wmel median).\n";

/* The rows as one JSON object. */
static void print_json(const row *rows, int nrows, const char *cpu, const char *kernel, const char *load0,
                       const char *load1)
{

    printf("{\"cpu\":\"%s\",\"kernel\":\"%s\",\"version\":\"%s\",\"loadavg_before\":\"%s\","
           "\"loadavg_after\":\"%s\",\"rows\":[",
           cpu, kernel, wmel_version(), load0, load1);
    for (int i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        double nfr = (double)(size_t)(r->seconds * 100.0);
        printf("%s\n {\"impl\":\"%s\",\"seconds\":%g,\"threads\":%d,\"n_mels\":%d,\"ok\":%s",
               i ? "," : "", r->impl, r->seconds, r->threads, r->n_mels, r->ok ? "true" : "false");
        if (r->ok)
            printf(",\"min_ms\":%.4f,\"median_ms\":%.4f,\"p95_ms\":%.4f,\"x_realtime\":%.1f,"
                   "\"ns_per_frame\":%.1f",
                   r->min_ms, r->median_ms, r->p95_ms, r->seconds * 1e3 / r->median_ms,
                   r->median_ms * 1e6 / nfr);
        if (r->ratio > 0) printf(",\"ratio_vs_wmel\":%.3f", r->ratio);
        if (r->rss_mb > 0 && !is_cold(r))
            printf(",\"rss_mb\":%.1f,\"in_out_mb\":%.1f", r->rss_mb, r->io_mb);
        if (r->ok && is_cold(r))
            printf(",\"flushed_reused_median_ms\":%.4f,\"faults_per_call\":%.1f,"
                   "\"fresh_memset_median_ms\":%.4f",
                   r->reuse_ms, r->faults, r->touch_ms);
        if (r->note[0]) printf(",\"note\":\"%s\"", r->note);
        printf("}");
    }
    printf("\n]}\n");
}

/* The rows as the table, with what each figure means. */
static void print_table(const row *rows, int nrows, const char *cpu, const char *kernel, const char *load0,
                        const char *load1, int cold)
{
    printf("wmel bench -- %s; CPU: %s; kernel: %s\n", wmel_version(), cpu, kernel);
    printf("load average (1, 5, 15 min): %s before, %s after: quote ratios from quiet runs\n", load0,
           load1);
    printf("ratio = peer median / wmel median (above 1: wmel is faster); RSS: wmel process, its\n"
           "buffers live, at the end of the case's back-to-back calls\n");
    if (cold)
        printf("wmel-cold: caches flushed before each call, output freshly mapped; ratio = its median / wmel's;\n"
               "  reference: memset(fresh) = the same first touch of a fresh mapping of the output's size\n"
               "  by memset alone (page faults and zeroing, paid by whoever writes new memory first);\n"
               "wmel-thp: the same, the fresh output (and the memset's) on transparent huge pages\n"
               "  (2 MiB aligned, madvise: what wmel_alloc gives; a no-op where THP is off)\n");
    printf("\n");
    printf("%8s %4s %5s %-9s %10s %10s %10s %10s %9s %8s  %s\n", "audio_s", "thr", "mels", "impl",
           "min_ms", "median_ms", "p95_ms", "x_realtime", "ns/frame", "ratio", "notes");
    for (int i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        double nfr = (double)(size_t)(r->seconds * 100.0);
        if (!r->ok) {
            printf("%8g %4d %5d %-9s %10s %10s %10s %10s %9s %8s  %s\n", r->seconds, r->threads,
                   r->n_mels, r->impl, "-", "-", "-", "-", "-", "-", r->note);
            continue;
        }
        char ratio[16] = "", note[320];
        if (r->ratio > 0) snprintf(ratio, sizeof ratio, "%.2fx", r->ratio);
        if (is_cold(r))
            snprintf(note, sizeof note,
                     "cold/back-to-back; reused out %.3f ms; %.0f faults; memset(fresh) %.3f ms",
                     r->reuse_ms, r->faults, r->touch_ms);
        else if (r->rss_mb > 0)
            snprintf(note, sizeof note, "RSS %.0f MB (in+out %.0f MB)", r->rss_mb, r->io_mb);
        else
            snprintf(note, sizeof note, "%s", r->note);
        printf("%8g %4d %5d %-9s %10.3f %10.3f %10.3f %10.0f %9.1f %8s  %s\n", r->seconds,
               r->threads, r->n_mels, r->impl, r->min_ms, r->median_ms, r->p95_ms,
               r->seconds * 1e3 / r->median_ms, r->median_ms * 1e6 / nfr, ratio, note);
    }
}

typedef struct bench_opts {
    double secs[MAXL];
    int nsecs, thr[MAXL], nthr, mels[MAXL], nmels;
    int reps, warm, json, isa, cold;
    const char *peers, *fes, *py;
} bench_opts;

/* ---- parse: -1 when parsed, else the exit status (0 for --help) */
static int bench_parse(int argc, char **argv, bench_opts *o)
{
    *o = (bench_opts){.secs = {30, 600, 6240}, .nsecs = 3, .thr = {1, 2}, .nthr = 2, .mels = {80, 128}, .nmels = 2,
                      .reps = 40, .warm = 3, .isa = WMEL_ISA_AUTO, .peers = "fftw,numpy,asrfront,torch", .fes = ""};
    o->py = getenv("WMEL_BENCH_PYTHON") ? getenv("WMEL_BENCH_PYTHON") : "python3";
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "--json")) { o->json = 1; continue; }
        if (!strcmp(a, "--cold")) { o->cold = 1; continue; }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(BENCH_USAGE, stdout); return 0; }
        if (!v) bad = 1;
        else if (!strcmp(a, "--seconds")) bad = parse_list_d(v, o->secs, &o->nsecs);
        else if (!strcmp(a, "--threads")) bad = parse_list_i(v, o->thr, &o->nthr);
        else if (!strcmp(a, "--n-mels")) bad = parse_list_i(v, o->mels, &o->nmels);
        else if (!strcmp(a, "--reps")) bad = (o->reps = atoi(v)) < 1;
        else if (!strcmp(a, "--warmup")) bad = (o->warm = atoi(v)) < 0;
        else if (!strcmp(a, "--peers")) o->peers = v;
        else if (!strcmp(a, "--frontends")) o->fes = v;
        else if (!strcmp(a, "--python")) o->py = v;
        else if (!strcmp(a, "--isa")) {
            if (!strcmp(v, "auto")) o->isa = WMEL_ISA_AUTO;
            else if (!strcmp(v, "c")) o->isa = WMEL_ISA_C;
            else if (!strcmp(v, "avx2")) o->isa = WMEL_ISA_AVX2;
            else if (!strcmp(v, "avx512")) o->isa = WMEL_ISA_AVX512;
            else if (!strcmp(v, "neon")) o->isa = WMEL_ISA_NEON;
            else bad = 1;
        } else bad = 1;
        if (bad) {
            cli_msg("wmel: bench: bad option '%s'", a);
            fputs(BENCH_USAGE, stderr);
            return 2;
        }
        i++;
    }
    for (int i = 0; i < o->nthr; i++)
        if (o->thr[i] < 1 || o->thr[i] > 256) return fputs("wmel: bench: threads 1..256\n", stderr), 2;
    for (int i = 0; i < o->nmels; i++)
        if (o->mels[i] != 80 && o->mels[i] != 128) return fputs("wmel: bench: n-mels 80 or 128\n", stderr), 2;
    return -1;
}

/* ---- plan: where the peers are. 0, or 2 (reported) */
static int bench_peers(const char *py, char *fftw, size_t fftw_len, char *pyscript, size_t pyscript_len)
{
    /* the FFTW peer sits beside this executable */
    char self[4096] = "";
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    fftw[0] = 0;
    if (sl > 0) {
        self[sl] = 0;
        char *slash = strrchr(self, '/');
        if (slash) *slash = 0;
        snprintf(fftw, fftw_len, "%s/wmel-bench-fftw", self);
    }
    if (access(fftw, X_OK)) fftw[0] = 0;
    /* the Python peers: WMEL_BENCH_DIR, else bench/ of the source tree this command was
     * built from -- never a bench/ of the working folder, whose code is not ours to run */
#ifndef WMEL_BENCH_SRC_DIR
#define WMEL_BENCH_SRC_DIR ""
#endif
    const char *bdir = getenv("WMEL_BENCH_DIR");
    if (bdir && *bdir) snprintf(pyscript, pyscript_len, "%s/peer_python.py", bdir); /* asked for */
    else if (WMEL_BENCH_SRC_DIR[0] == '/') snprintf(pyscript, pyscript_len, "%s/peer_python.py", WMEL_BENCH_SRC_DIR);
    else pyscript[0] = 0;
    if (pyscript[0] && access(pyscript, R_OK)) pyscript[0] = 0;
    if (strchr(pyscript, '\'') || strchr(py, '\'') || strchr(fftw, '\'')) {
        fputs("wmel: bench: a path with a single quote (') cannot be handed to the peers' shell\n", stderr);
        return 2;
    }
    return 0;
}

static row *new_row(row *rows, int *nrows, double s, int threads, int n_mels, const char *impl)
{
    row *r = &rows[(*nrows)++];
    memset(r, 0, sizeof *r);
    r->seconds = s;
    r->threads = threads;
    r->n_mels = n_mels;
    snprintf(r->impl, sizeof r->impl, "%s", impl);
    return r;
}

/* ---- compute: one case (s seconds, threads, n_mels): wmel, the other front-ends asked
 * for and the peers, each a row appended */
static void bench_case(const bench_opts *o, double s, int threads, int n_mels, const char *fftw, const char *pyscript,
                       row *rows, int *nrows, char *kernel, size_t kernel_len)
{
    int r_here = (int)(o->reps * 30.0 / s + 0.5);
    if (r_here < 5) r_here = 5;
    if (r_here > o->reps) r_here = o->reps;
    int w_here = s > 100 ? (o->warm ? 1 : 0) : o->warm;
    row *w = new_row(rows, nrows, s, threads, n_mels, "wmel");
    if (!o->json) {
        fprintf(stderr, "  %6.0f s  %d thr  %3d mels ...\r", s, threads, n_mels);
        fflush(stderr);
    }
    row *c = NULL, *h = NULL;
    if (o->cold) {
        c = &rows[(*nrows)++];
        *c = *w;
        snprintf(c->impl, sizeof c->impl, "wmel-cold");
        h = &rows[(*nrows)++];
        *h = *w;
        snprintf(h->impl, sizeof h->impl, "wmel-thp");
    }
    time_wmel(s, threads, n_mels, o->isa, r_here, w_here, w, c, h, kernel, kernel_len);
    static const char *fnames[] = {"nemo", "kaldi", "seamless"};
    static const int fcodes[] = {WMEL_FRONTEND_NEMO, WMEL_FRONTEND_KALDI, WMEL_FRONTEND_SEAMLESS};
    for (int fi = 0; fi < 3; fi++) {
        if (!strstr(o->fes, fnames[fi])) continue;
        row *r = new_row(rows, nrows, s, threads, n_mels, "");
        snprintf(r->impl, sizeof r->impl, "wmel-%s", fnames[fi]);
        time_fe(s, threads, n_mels, o->isa, r_here, w_here, fcodes[fi], r);
        if (r->ok && w->ok) r->ratio = r->median_ms / w->median_ms;
    }
    static const char *pnames[4] = {"fftw", "asrfront", "numpy", "torch"};
    for (int pi = 0; pi < 4; pi++) {
        if (!strstr(o->peers, pnames[pi])) continue;
        /* numpy and torch at 80 bins only: their 128-bin cost is the same FFT
         * plus a larger product, and they are slow at long lengths. asrfront
         * is native code timed through its extension: every case, every rep */
        if (pi > 1 && n_mels != 80) continue;
        char cmd[9000];
        int pr = pi <= 1 ? r_here : (r_here > 5 ? 5 : r_here);
        if (pi == 0 && fftw[0])
            snprintf(cmd, sizeof cmd, "'%s' --seconds %s --threads %d --reps %d --warmup %d --n-mels %d", fftw,
                     cli_num(s), threads, pr, w_here, n_mels);
        else if (pi > 0 && pyscript[0])
            snprintf(cmd, sizeof cmd,
                     "'%s' '%s' %s --seconds %s --threads %d --reps %d --warmup %d "
                     "--n-mels %d 2>/dev/null",
                     o->py, pyscript, pnames[pi], cli_num(s), threads, pr, pi == 1 ? w_here : w_here ? 1 : 0,
                     n_mels);
        else
            continue;
        row *r = new_row(rows, nrows, s, threads, n_mels, pnames[pi]);
        run_peer(cmd, r);
        if (r->ok && w->ok) r->ratio = r->median_ms / w->median_ms;
    }
}

int cmd_bench(int argc, char **argv)
{
    bench_opts o;
    int rc = bench_parse(argc, argv, &o);
    if (rc >= 0) return rc;
    char fftw[4200], pyscript[4200];
    if (bench_peers(o.py, fftw, sizeof fftw, pyscript, sizeof pyscript)) return 2;

    char cpu[256], kernel[64] = "?", load0[64], load1[64];
    cpu_model(cpu, sizeof cpu);
    bench_loadavg(load0, sizeof load0);
    /* A library linked with OpenBLAS (the stem's GEMM) starts OpenBLAS's threads at load,
       and they spin on the other cores for ~0.1 s: a two-thread case timed in that window
       ran at one-thread speed (docs/performance.md). Let them go to sleep first. */
    if (!getenv("OPENBLAS_NUM_THREADS")) {
        struct timespec settle = {0, 300000000L};
        nanosleep(&settle, NULL);
    }
    static row rows[MAXL * MAXL * MAXL * 10];
    int nrows = 0;
    for (int si = 0; si < o.nsecs; si++)
        for (int ti = 0; ti < o.nthr; ti++)
            for (int mi = 0; mi < o.nmels; mi++)
                bench_case(&o, o.secs[si], o.thr[ti], o.mels[mi], fftw, pyscript, rows, &nrows, kernel, sizeof kernel);
    if (!o.json) fprintf(stderr, "%40s\r", "");
    bench_loadavg(load1, sizeof load1);

    if (o.json) print_json(rows, nrows, cpu, kernel, load0, load1);
    else print_table(rows, nrows, cpu, kernel, load0, load1, o.cold);
    return 0;
}
