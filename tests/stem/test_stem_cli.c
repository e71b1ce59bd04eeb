/* test_stem_cli.c -- the `wmel stem` command and `wmel mel --smooth 3x3`, run as a
 * program (argv[1] is the wmel binary): outputs equal what the library computes for the
 * same windows (transcribe()'s, via wmel_windows_open), shapes (n_windows, 1500, d), and
 * failures that print one line naming the file, exit non-zero and leave no output. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *WMEL;
static char dir[] = "/tmp/wmel_stem_cli_XXXXXX";

static int run(const char *args, char *errline, size_t len)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s >/dev/null 2>'%s/stderr'", WMEL, args, dir);
    int rc = system(cmd);
    if (errline) {
        char p[512];
        snprintf(p, sizeof p, "%s/stderr", dir);
        FILE *f = fopen(p, "r");
        errline[0] = 0;
        int lines = 0;
        char buf[2048];
        while (f && fgets(buf, sizeof buf, f)) {
            if (!lines) {
                size_t k = strlen(buf) < len - 1 ? strlen(buf) : len - 1;
                memcpy(errline, buf, k);
                errline[k] = 0;
            }
            lines++;
        }
        if (f) fclose(f);
        if (lines > 1) snprintf(errline, len, "(%d lines on stderr)", lines);
    }
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 255;
}

/* t_golden() returns one static buffer; several paths in one call need their own. */
static const char *gold(const char *rel)
{
    static char bufs[4][1024];
    static int i;
    i = (i + 1) % 4;
    snprintf(bufs[i], sizeof bufs[i], "%s", t_golden(rel));
    return bufs[i];
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static void against_library(const char *audio, size_t want_windows)
{
    char out[600], args[2048], err[1024];
    snprintf(out, sizeof out, "%s/stem.npy", dir);
    snprintf(args, sizeof args, "stem '%s' --weights '%s' -o '%s' --quiet", gold(audio),
             gold("ref/stem_tiny_f32.safetensors"), out);
    int rc = run(args, err, sizeof err);
    CHECK(rc == 0, "wmel stem %s: exit %d: %s", audio, rc, err);
    wmel_npy a;
    memset(&a, 0, sizeof a);
    rc = wmel__npy_read(out, &a, err, sizeof err);
    CHECK(rc == WMEL_OK, "read %s: %s", out, err);
    if (rc) return;
    CHECK(a.ndim == 3 && a.shape[0] == want_windows && a.shape[1] == 1500 && a.shape[2] == 384 &&
          !strcmp(a.dtype, "<f4"),
          "%s: shape (%zu, %zu, %zu) %s", audio, a.shape[0], a.shape[1], a.shape[2], a.dtype);
    /* the library on the same windows */
    int st;
    wmel_ctx *ctx = wmel_create(NULL, &st);
    wmel_stem *s = wmel_stem_load(gold("ref/stem_tiny_f32.safetensors"), 0, &st, err, sizeof err);
    wmel_windows *w = ctx ? wmel_windows_open(ctx, gold(audio), NULL, NULL, &st, err, sizeof err, NULL, 0) : NULL;
    CHECK(ctx && s && w, "library setup: %s", err);
    if (ctx && s && w && a.shape[0] == want_windows) {
        CHECK(wmel_windows_count(w) == want_windows, "window count %zu", wmel_windows_count(w));
        float *mel = malloc(80 * 3000 * sizeof(float)), *x = malloc(1500 * 384 * sizeof(float));
        double worst = 0;
        for (size_t k = 0; k < want_windows; k++) {
            size_t frames;
            CHECK(wmel_windows_next(w, mel, 80 * 3000, &frames) == WMEL_OK && frames > 0, "next");
            CHECK(wmel_stem_forward(s, mel, 1, x, 1500 * 384) == WMEL_OK, "forward");
            double e = t_max_abs_diff_ff(x, (const float *)a.data + k * 1500 * 384, 1500 * 384);
            if (e > worst) worst = e;
        }
        CHECK(worst <= 1e-6, "%s: CLI vs library: %g", audio, worst);
        free(mel);
        free(x);
    }
    wmel_windows_close(w);
    wmel_stem_free(s);
    wmel_destroy(ctx);
    wmel__npy_free(&a);
    remove(out);
}

int main(int argc, char **argv)
{
#ifdef __EMSCRIPTEN__
    /* WebAssembly (Emscripten) starts no process */
    (void)argc, (void)argv;
    printf("test_stem_cli: skipped: it runs the command as a process (system()), which WebAssembly cannot start\n");
    return 77;
#endif
    if (argc < 2) {
        fprintf(stderr, "usage: test_stem_cli WMEL_BINARY\n");
        return 2;
    }
    WMEL = argv[1];
    if (!mkdtemp(dir)) return 1;
    char err[1024];
    int st;
    wmel_stem *probe = wmel_stem_load(gold("ref/stem_tiny_f32.safetensors"), 0, &st, err, sizeof err);
    if (!probe) {
        printf("skipped: %s\n", err);
        rmdir(dir);
        return 77;
    }
    wmel_stem_free(probe);

    against_library("audio/speech_long.wav", 5); /* > 30 s: one window per 30 s */
    against_library("audio/speech_en.wav", 1);   /* <= 30 s: a single window */

    char out[600], args[2048], bad[600];
    snprintf(out, sizeof out, "%s/x.npy", dir);
    /* failures: one line naming the file, non-zero exit, no output */
    snprintf(args, sizeof args, "stem '%s' --weights '%s' -o '%s' --n-mels 128", gold("audio/speech_en.wav"),
             gold("ref/stem_tiny_f32.safetensors"), out);
    int rc = run(args, err, sizeof err);
    CHECK(rc == 1 && strstr(err, "stem_tiny_f32") && !exists(out), "--n-mels mismatch: %d '%s'", rc, err);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    FILE *f = fopen(bad, "wb");
    fwrite("\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": ", 1, 14, f);
    fclose(f);
    snprintf(args, sizeof args, "stem '%s' --weights '%s' -o '%s'", gold("audio/speech_en.wav"), bad, out);
    rc = run(args, err, sizeof err);
    CHECK(rc == 1 && strstr(err, "bad.safetensors") && !exists(out), "malformed weights: %d '%s'", rc, err);
    snprintf(args, sizeof args, "stem '%s' --weights '%s/none.safetensors' -o '%s'", gold("audio/speech_en.wav"), dir, out);
    rc = run(args, err, sizeof err);
    CHECK(rc == 1 && strstr(err, "none.safetensors") && !exists(out), "missing weights: %d '%s'", rc, err);
    snprintf(args, sizeof args, "stem '%s/none.wav' --weights '%s' -o '%s'", dir, gold("ref/stem_tiny_f32.safetensors"), out);
    rc = run(args, err, sizeof err);
    CHECK(rc == 1 && strstr(err, "none.wav") && !exists(out), "missing input: %d '%s'", rc, err);
    snprintf(args, sizeof args, "stem '%s' -o '%s'", gold("audio/speech_en.wav"), out);
    rc = run(args, err, sizeof err);
    CHECK(rc == 2 && strstr(err, "--weights") && !exists(out), "no --weights: %d '%s'", rc, err);
    remove(bad);

    /* mel --smooth 3x3 = wmel_smooth3x3 of mel */
    char plain[600];
    snprintf(plain, sizeof plain, "%s/plain.npy", dir);
    snprintf(args, sizeof args, "mel '%s' -o '%s' --quiet", gold("audio/speech_en.wav"), plain);
    CHECK(run(args, err, sizeof err) == 0, "mel: %s", err);
    snprintf(args, sizeof args, "mel '%s' -o '%s' --smooth 3x3 --quiet", gold("audio/speech_en.wav"), out);
    CHECK(run(args, err, sizeof err) == 0, "mel --smooth: %s", err);
    wmel_npy a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    if (wmel__npy_read(plain, &a, err, sizeof err) == 0 && wmel__npy_read(out, &b, err, sizeof err) == 0) {
        CHECK(a.count == b.count && a.ndim == 2, "shapes");
        float *y = malloc(a.count * sizeof(float));
        CHECK(wmel_smooth3x3(a.data, a.shape[0], a.shape[1], y, a.count) == WMEL_OK, "smooth");
        double e = t_max_abs_diff_ff(y, b.data, a.count);
        CHECK(e == 0.0, "mel --smooth 3x3 vs wmel_smooth3x3: %g", e);
        e = t_max_abs_diff_ff(a.data, b.data, a.count);
        CHECK(e > 1e-3, "--smooth changed nothing");
        free(y);
    } else {
        CHECK(0, "read: %s", err);
    }
    wmel__npy_free(&a);
    wmel__npy_free(&b);
    remove(plain);
    remove(out);
    snprintf(args, sizeof args, "mel '%s' -o '%s' --smooth 5x5", gold("audio/speech_en.wav"), out);
    rc = run(args, err, sizeof err);
    CHECK(rc != 0 && strstr(err, "--smooth") && !exists(out), "--smooth 5x5: %d '%s'", rc, err);
    char p[600];
    snprintf(p, sizeof p, "%s/stderr", dir);
    remove(p);
    rmdir(dir);
    return t_done("test_stem_cli");
}
