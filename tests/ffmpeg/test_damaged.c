/*
 * test_damaged.c -- damaged and odd inputs decode exactly as the ffmpeg CLI decodes them
 * (openai-whisper's load_audio: ffmpeg -nostdin -threads 0 -i FILE -f s16le -ac 1
 * -acodec pcm_s16le -ar 16000 -), or fail with a message naming the file where the CLI
 * fails. The inputs are generated with the ffmpeg CLI in a temporary folder: a WAV whose
 * data chunk claims twice the bytes it holds, truncated mp3/flac/ogg, a video file with
 * an audio stream, and a video file without one. Skips (77) when the CLI is absent.
 */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[256];

static int sh(const char *cmd)
{
    char full[2048];
    snprintf(full, sizeof full, "cd '%s' && %s >/dev/null 2>&1", dir, cmd);
    return system(full);
}

/* The CLI's samples for path; NULL (and *n = 0) when the CLI fails or decodes nothing. */
static int16_t *cli_decode(const char *path, size_t *n)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -threads 0 -i '%s/%s' -f s16le -ac 1 -acodec pcm_s16le -ar 16000 - 2>/dev/null",
             dir, path);
    FILE *p = popen(cmd, "r");
    size_t cap = 1 << 20, len = 0;
    unsigned char *b = malloc(cap);
    size_t got;
    while (p && (got = fread(b + len, 1, cap - len, p)) > 0) {
        len += got;
        if (len == cap) b = realloc(b, cap *= 2);
    }
    int st = p ? pclose(p) : -1;
    *n = len / 2;
    if (st != 0 || len < 2) {
        free(b);
        *n = 0;
        return NULL;
    }
    return (int16_t *)(void *)b;
}

static void truncate_copy(const char *src, const char *dst, double frac)
{
    char s[512], d[512];
    snprintf(s, sizeof s, "%s/%s", dir, src);
    snprintf(d, sizeof d, "%s/%s", dir, dst);
    FILE *f = fopen(s, "rb");
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    long keep = (long)(len * frac);
    unsigned char *b = malloc((size_t)len);
    CHECK(fread(b, 1, (size_t)len, f) == (size_t)len, "read %s", s);
    fclose(f);
    f = fopen(d, "wb");
    fwrite(b, 1, (size_t)keep, f);
    fclose(f);
    free(b);
}

static void same_as_cli(const char *name, int want_warning)
{
    char path[512], err[1024], warn[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t cn = 0, n = 0;
    int16_t *ref = cli_decode(name, &cn);
    float *x = NULL;
    int rc = wmel_load_audio(path, &x, &n, err, sizeof err, warn, sizeof warn);
    CHECK(ref != NULL, "%s: the ffmpeg CLI decoded nothing", name);
    CHECK(rc == WMEL_OK, "%s: %s", name, err);
    if (ref && rc == WMEL_OK) {
        size_t bad = n == cn ? 0 : (n > cn ? n : cn);
        for (size_t i = 0; i < n && n == cn; i++) bad += x[i] * 32768.0f != (float)ref[i];
        CHECK(bad == 0, "%s: %zu of %zu samples differ from the CLI (%zu samples)", name, bad, n, cn);
        printf("%-22s %8zu samples, %zu differ from the ffmpeg CLI%s%s\n", name, n, bad,
               warn[0] ? "; warning: " : "", warn);
        if (want_warning) CHECK(warn[0] != 0, "%s: decoded a damaged file without a warning", name);
    }
    free(ref);
    wmel_free(x);
}

static void fails_like_cli(const char *name)
{
    char path[512], err[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t cn = 0, n = 0;
    int16_t *ref = cli_decode(name, &cn);
    CHECK(ref == NULL, "%s: the CLI decoded %zu samples", name, cn);
    free(ref);
    float *x = NULL;
    int rc = wmel_load_audio(path, &x, &n, err, sizeof err, NULL, 0);
    CHECK(rc < 0 && x == NULL, "%s: rc %d", name, rc);
    CHECK(strstr(err, name) != NULL, "%s: message does not name the file: %s", name, err);
    printf("%-22s fails: %s\n", name, err);
}

int main(void)
{
    if (!wmel_have_ffmpeg()) {
        printf("skipped: built without FFmpeg\n");
        return 77;
    }
    if (system("ffmpeg -version >/dev/null 2>&1") != 0) {
        printf("skipped: no ffmpeg CLI to compare against\n");
        return 77;
    }
    snprintf(dir, sizeof dir, "/tmp/wmel-damaged-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    const char *src = "-f lavfi -i 'sine=frequency=440:duration=4' -f lavfi -i 'anoisesrc=d=4:a=0.1' "
                      "-filter_complex '[0][1]amix=inputs=2,pan=stereo|c0=c0|c1=0.5*c0' -ar 44100";
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -y %s -c:a pcm_s16le full.wav", src);
    CHECK(sh(cmd) == 0, "generate wav");
    snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -y %s -c:a libmp3lame full.mp3", src);
    int have_mp3 = sh(cmd) == 0;
    snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -y %s full.flac", src);
    CHECK(sh(cmd) == 0, "generate flac");
    snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -y %s -c:a libvorbis full.ogg", src);
    int have_ogg = sh(cmd) == 0;
    int have_mp4 = sh("ffmpeg -nostdin -y -f lavfi -i testsrc=d=3:s=64x48 -f lavfi -i sine=d=3 "
                      "-c:v mpeg4 -c:a aac -shortest av.mp4") == 0 &&
                   sh("ffmpeg -nostdin -y -f lavfi -i testsrc=d=2:s=64x48 -c:v mpeg4 video_only.mp4") == 0;

    /* a WAV whose data chunk claims twice what it holds (and a RIFF size that lies too) */
    truncate_copy("full.wav", "lying.wav", 1.0);
    {
        char p[512];
        snprintf(p, sizeof p, "%s/lying.wav", dir);
        FILE *f = fopen(p, "r+b");
        unsigned char h[256];
        size_t hl = fread(h, 1, sizeof h, f), at = 0;
        for (size_t i = 12; i + 8 <= hl && !at; i++)
            if (!memcmp(h + i, "data", 4)) at = i;
        CHECK(at != 0, "no data chunk in the generated WAV");
        uint32_t sz = (uint32_t)h[at + 4] | (uint32_t)h[at + 5] << 8 | (uint32_t)h[at + 6] << 16 |
                      (uint32_t)h[at + 7] << 24;
        sz *= 2;
        unsigned char le[4] = {(unsigned char)sz, (unsigned char)(sz >> 8), (unsigned char)(sz >> 16), (unsigned char)(sz >> 24)};
        fseek(f, (long)at + 4, SEEK_SET);
        fwrite(le, 1, 4, f);
        fseek(f, 4, SEEK_SET);
        fwrite(le, 1, 4, f);
        fclose(f);
    }
    truncate_copy("full.wav", "truncated.wav", 0.6);
    truncate_copy("full.flac", "truncated.flac", 0.5);
    same_as_cli("full.wav", 0);
    same_as_cli("lying.wav", 1);
    same_as_cli("truncated.wav", 1);
    same_as_cli("full.flac", 0);
    same_as_cli("truncated.flac", 1);
    if (have_mp3) {
        truncate_copy("full.mp3", "truncated.mp3", 0.6);
        same_as_cli("full.mp3", 0);
        same_as_cli("truncated.mp3", 1);
    }
    if (have_ogg) {
        truncate_copy("full.ogg", "truncated.ogg", 0.7);
        same_as_cli("truncated.ogg", 0); /* the ogg demuxer gives no length to compare with */
    }
    if (have_mp4) {
        same_as_cli("av.mp4", 0);
        fails_like_cli("video_only.mp4");
    }
    /* an absurd sample rate (a 1.5 KB WAV claiming 1,900,969,984 Hz would keep FFmpeg's
       resampler busy for 24 s, the ffmpeg CLI too; tests/fuzz/fuzz_decode makes such files): refused
       at once, above 1 MHz; 999,983 Hz (prime, near the limit) still decodes */
    {
        unsigned char w[44 + 3200];
        memset(w, 0, sizeof w);
        const uint32_t rates[2] = {1900969984u, 999983u};
        for (int k = 0; k < 2; k++) {
            memcpy(w, "RIFF", 4);
            uint32_t v[] = {36 + 3200, 16, 0x00010001u, rates[k], rates[k] * 2, 0x00100002u, 3200};
            memcpy(w + 4, v, 4);
            memcpy(w + 8, "WAVEfmt ", 8);
            memcpy(w + 16, v + 1, 20);
            memcpy(w + 36, "data", 4);
            memcpy(w + 40, v + 6, 4);
            for (int i = 0; i < 1600; i++) w[44 + 2 * i + 1] = (unsigned char)(i * 7);
            float *x = NULL;
            size_t n = 0;
            char err[512] = "", warn[512];
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            int rc = wmel_load_audio_memory(w, sizeof w, &x, &n, err, sizeof err, warn, sizeof warn);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double dt = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
            if (k == 0)
                CHECK(rc == WMEL_ERR_UNSUPPORTED && strstr(err, "1900969984 Hz"), "1.9 GHz WAV: %d '%s'", rc, err);
            else
                CHECK(rc == WMEL_OK && n > 0, "999983 Hz WAV: %d '%s'", rc, err);
            CHECK(dt < 5.0, "%u Hz WAV took %.1f s", rates[k], dt);
            wmel_free(x);
        }
    }
    /* not audio at all, and empty */
    sh("echo 'just some text, not audio' > text.mp3 && : > empty.wav");
    fails_like_cli("text.mp3");
    fails_like_cli("empty.wav");
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return t_done("test_damaged");
}
