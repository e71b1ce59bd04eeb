/*
 * test_long.c -- long inputs run in bounded memory: a generated WAV of an hour (10
 * minutes under the sanitizers) in a temporary folder goes through `wmel decode`,
 * `wmel windows` and `wmel mel`; each child's peak RSS (getrusage via wait4) must stay
 * at or under 64 MB (the bound streaming promises; not checked under ASan, whose shadow memory
 * counts), and the outputs have the expected shapes. A memory bound, not a timing.
 * argv[1]: the wmel binary.
 */
#define _DEFAULT_SOURCE
#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static int write_wav(const char *path, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    unsigned char h[44] = "RIFF....WAVEfmt \x10\0\0\0\x01\0\x01\0....\0\0\0\0\x02\0\x10\0data....";
    le32(h + 4, (uint32_t)(36 + 2 * n));
    le32(h + 24, 16000);
    le32(h + 28, 32000);
    le32(h + 40, (uint32_t)(2 * n));
    fwrite(h, 1, 44, f);
    int16_t buf[16000];
    uint32_t r = 1;
    for (size_t i = 0; i < n;) {
        size_t k = n - i < 16000 ? n - i : 16000;
        for (size_t j = 0; j < k; j++, i++) {
            r = r * 1664525u + 1013904223u;
            int noise = (int)(r >> 20) - 2048;                 /* quiet noise */
            int tone = (int)(8000.0 * ((i / 40) % 2 ? 1 : -1)); /* 200 Hz square */
            buf[j] = (int16_t)(((i / 16000) % 7 == 3 ? 0 : tone) + noise);
        }
        if (fwrite(buf, 2, k, f) != k) {
            fclose(f);
            return -1;
        }
    }
    return fclose(f);
}

/* Runs argv, returns the exit status; *rss_mb receives the child's peak RSS. */
static int run(char *const argv[], double *rss_mb)
{
    pid_t pid = fork();
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) return -1;
    *rss_mb = ru.ru_maxrss / 1024.0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int npy_shape_is(const char *path, const char *want)
{
    char h[129] = "";
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t k = fread(h, 1, 128, f);
    fclose(f);
    h[k] = 0;
    return strstr(h + 10, want) != NULL;
}

int main(int argc, char **argv)
{
#ifdef __EMSCRIPTEN__
    /* WebAssembly (Emscripten) starts no process */
    (void)argc, (void)argv;
    printf("test_long: skipped: it runs the command as a process (fork() and wait4()), which WebAssembly cannot start\n");
    return 77;
#endif
    if (argc < 2) {
        fprintf(stderr, "usage: test_long WMEL_BINARY\n");
        return 2;
    }
    if (!wmel_have_ffmpeg()) {
        printf("skipped: built without FFmpeg\n");
        return 77;
    }
    char dir[] = "/tmp/wmel_long_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char wav[64], o1[64], o2[64], o3[64];
    snprintf(wav, sizeof wav, "%s/long.wav", dir);
    snprintf(o1, sizeof o1, "%s/d.npy", dir);
    snprintf(o2, sizeof o2, "%s/w.npy", dir);
    snprintf(o3, sizeof o3, "%s/m.npy", dir);
    size_t minutes = T_SANITIZED ? 10 : 60, n = minutes * 60 * 16000 + 12345;
    CHECK(write_wav(wav, n) == 0, "writing %s", wav);
    char *bin = argv[1];
    char *a1[] = {bin, "decode", wav, "-o", o1, "--quiet", NULL};
    char *a2[] = {bin, "windows", wav, "-o", o2, "--quiet", NULL};
    char *a3[] = {bin, "mel", wav, "-o", o3, "--quiet", NULL};
    char *const *cmds[] = {a1, a2, a3};
    char want[3][96];
    snprintf(want[0], sizeof want[0], "'shape': (%zu,)", n);
    snprintf(want[1], sizeof want[1], "'shape': (%zu, 80, 3000)", (n / 160 + 2999) / 3000);
    snprintf(want[2], sizeof want[2], "'shape': (80, %zu)", n / 160);
    const char *outs[] = {o1, o2, o3};
    for (int c = 0; c < 3; c++) {
        double rss = 0;
        int rc = run(cmds[c], &rss);
        CHECK(rc == 0, "wmel %s exited %d", cmds[c][1], rc);
        CHECK(npy_shape_is(outs[c], want[c]), "wmel %s: shape, want %s", cmds[c][1], want[c]);
        printf("wmel %-8s %zu min of audio: peak RSS %.1f MB%s\n", cmds[c][1], minutes, rss,
               T_SANITIZED ? " (ASan: bound not checked)" : "");
        if (!T_SANITIZED) CHECK(rss <= 64.0, "wmel %s: peak RSS %.1f MB > 64 MB", cmds[c][1], rss);
        remove(outs[c]);
    }
    remove(wav);
    rmdir(dir);
    return t_done("test_long");
}
