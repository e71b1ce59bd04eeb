/* fx_bench.c -- frames per second of the integer front-end (wmel_fx.h, one thread,
 * batches of 20 and 64 frames, normalisation included) against the float kernel
 * (wmel_log_mel_s16 on the CPU backend, one thread, the best ISA) on the same 30 s of
 * speech, interleaved, best of N rounds. Prints the CPU model and /proc/loadavg.
 *   fx_bench GOLDEN_AUDIO_DIR [rounds] */
#define _POSIX_C_SOURCE 200809L
#include "wmel.h"
#include "wmel_fx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void print_file_line(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (!key || !strncmp(line, key, strlen(key))) {
            fputs(line, stdout);
            break;
        }
    if (f) fclose(f);
}

static double run_fx(const int16_t *pcm, size_t n, int n_mels, int batch, void *mem, int16_t *raw)
{
    double t0 = now();
    wmel_fx_state *st;
    wmel_fx_init(mem, wmel_fx_state_size(n_mels, batch), n_mels, batch, &st);
    const int16_t *out;
    size_t nf, t = 0, step = (size_t)160 * (size_t)batch;
    for (size_t pos = 0; pos < n; pos += step) {
        wmel_fx_push(st, pcm + pos, n - pos < step ? n - pos : step, &out, &nf);
        memcpy(raw + t * (size_t)n_mels, out, nf * (size_t)n_mels * sizeof(int16_t));
        t += nf;
    }
    while (wmel_fx_finish(st, &out, &nf) == 0 && nf) {
        memcpy(raw + t * (size_t)n_mels, out, nf * (size_t)n_mels * sizeof(int16_t));
        t += nf;
    }
    wmel_fx_normalize_i16(raw, t * (size_t)n_mels, wmel_fx_max(st), raw);
    return now() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fx_bench GOLDEN_AUDIO_DIR [rounds]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    char path[1024], err[256], warn[256];
    snprintf(path, sizeof path, "%s/exact_30s.wav", argv[1]);
    float *x = NULL;
    size_t n = 0;
    if (wmel_read_wav(path, &x, &n, err, sizeof err, warn, sizeof warn)) {
        fprintf(stderr, "fx_bench: %s\n", err);
        return 1;
    }
    int16_t *pcm = malloc(n * sizeof(int16_t));
    for (size_t i = 0; i < n; i++) pcm[i] = (int16_t)fmax(-32768, fmin(32767, floor(x[i] * 32768.0 + 0.5)));
    size_t nf = n / 160;
    int16_t *raw = malloc(nf * 128 * sizeof(int16_t));
    float *out = malloc(nf * 128 * sizeof(float));
    void *mem = malloc(wmel_fx_state_size(128, 64));
    print_file_line("/proc/cpuinfo", "model name");
    printf("loadavg before: ");
    print_file_line("/proc/loadavg", NULL);
    printf("30 s clip, %zu frames, one thread, best of %d rounds\n", nf, rounds);
    printf("%-34s %4s %12s %10s\n", "path", "mels", "frames/s", "vs float");
    for (int m = 80; m <= 128; m += 48) {
        wmel_params p = wmel_default_params();
        p.n_mels = m;
        p.backend = WMEL_BACKEND_CPU;
        p.n_threads = 1;
        int st;
        wmel_ctx *ctx = wmel_create(&p, &st);
        double best_f = 1e9, best_20 = 1e9, best_64 = 1e9;
        for (int r = 0; r < rounds; r++) {
            double t0 = now();
            wmel_log_mel_s16(ctx, pcm, n, 0, out, nf * (size_t)m);
            double tf = now() - t0;
            best_f = tf < best_f ? tf : best_f;
            double t20 = run_fx(pcm, n, m, 20, mem, raw), t64 = run_fx(pcm, n, m, 64, mem, raw);
            best_20 = t20 < best_20 ? t20 : best_20;
            best_64 = t64 < best_64 ? t64 : best_64;
        }
        char name[96];
        snprintf(name, sizeof name, "float32 kernel (%s)", wmel_kernel_name(ctx));
        printf("%-34s %4d %12.0f %10s\n", name, m, nf / best_f, "1.00");
        printf("%-34s %4d %12.0f %10.2f\n", "fixed point, batch 20", m, nf / best_20, best_f / best_20);
        printf("%-34s %4d %12.0f %10.2f\n", "fixed point, batch 64", m, nf / best_64, best_f / best_64);
        wmel_destroy(ctx);
    }
    printf("loadavg after: ");
    print_file_line("/proc/loadavg", NULL);
    wmel_free(x);
    free(pcm);
    free(raw);
    free(out);
    free(mem);
    return 0;
}
