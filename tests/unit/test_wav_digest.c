/*
 * test_wav_digest.c -- the built-in WAV reader of this build (no FFmpeg needed: Windows,
 * WebAssembly, i686, the one-file amalgamation) gives the bytes the FFmpeg build gives:
 * every WAV of wavgen.h against the digests of wav_digests.h (made from the FFmpeg
 * path by `test_wav_exact --digests`), and the golden 48 kHz float WAV against openai's
 * load_audio (ffmpeg's s16le) sample for sample. `test_wav_digest K/N` checks the digests
 * d with d % N == K (the golden WAV with K = 0): ctest runs two halves side by side, which
 * halves the wall time under qemu.
 */
#include "testutil.h"

#include "internal.h"
#include "wav_digests.h"
#include "wavgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_digests(int shard, int n_shards)
{
    const int n = (int)(sizeof wav_digests / sizeof wav_digests[0]);
    CHECK(n == WG_NFMT * WG_NRATES * WG_NLAYOUTS, "the digest table (%d) does not cover wavgen.h", n);
    char err[512];
    int bad = 0;
    int done = 0;
    for (int d = shard; d < n; d += n_shards) {
        done++;
        const int fmt = wav_digests[d].fmt, li = wav_digests[d].layout;
        int ri = 0;
        while (ri < WG_NRATES && wg_rates[ri] != wav_digests[d].rate) ri++;
        if (ri == WG_NRATES || fmt >= WG_NFMT || li >= WG_NLAYOUTS) {
            CHECK(0, "digest %d names no wavgen.h case", d);
            continue;
        }
        uint64_t h = WG_FNV_INIT;
        for (int k = 0; k < WG_NLENGTHS; k++) {
            unsigned char *b = NULL;
            size_t len = wg_make(&b, fmt, wg_rates[ri], li, wg_lengths[k], (unsigned)(fmt * 1000 + ri * 100 + li * 10 + k));
            CHECK(len, "no memory");
            if (!len) return;
            int16_t *s = NULL;
            size_t ns = 0;
            int rc = wmel__wav_decode_s16(b, len, "gen.wav", &s, &ns, NULL, err, sizeof err, NULL, 0);
            free(b);
            CHECK(rc == WMEL_OK || rc == WMEL_ERR_NO_SAMPLES, "%s %d Hz %s %d frames: %s", wg_fmt_name[fmt],
                  wg_rates[ri], wg_layouts[li].name, wg_lengths[k], err);
            if (rc != WMEL_OK) ns = 0;
            h = (h ^ (uint64_t)ns) * 0x100000001b3ull;
            h = wg_fnv(s, ns, h);
            free(s);
        }
        if (h != wav_digests[d].h && bad++ < 20)
            printf("  differs from the FFmpeg build: %s %d Hz %s\n", wg_fmt_name[fmt], wg_rates[ri], wg_layouts[li].name);
        CHECK(h == wav_digests[d].h, "%s %d Hz %s: digest %016llx, the FFmpeg build's %016llx", wg_fmt_name[fmt],
              wg_rates[ri], wg_layouts[li].name, (unsigned long long)h, (unsigned long long)wav_digests[d].h);
    }
    printf("test_wav_digest: %d of %d format/rate/layout digests match the FFmpeg build (part %d of %d)\n", done - bad,
           done, shard + 1, n_shards);
}

/* speech_en_48k_f32.wav through the built-in reader: openai's load_audio, bit for bit */
static void test_golden_48k(void)
{
    wmel_npy a;
    double *g = t_load_npy("ref/speech_en_48k_f32_wav.load_audio_s16.npy", &a);
    size_t n = 0, len = 0;
    unsigned char *b = t_read_file(t_golden("audio/speech_en_48k_f32.wav"), &len);
    int16_t *s = NULL;
    char err[512];
    int rc = wmel__wav_decode_s16(b, len, "speech_en_48k_f32.wav", &s, &n, NULL, err, sizeof err, NULL, 0);
    CHECK(rc == WMEL_OK, "%s", err);
    CHECK(n == a.count, "48 kHz float WAV: %zu samples, load_audio %zu", n, a.count);
    size_t bad = 0;
    for (size_t i = 0; rc == WMEL_OK && n == a.count && i < n; i++) bad += s[i] != g[i];
    CHECK(bad == 0, "48 kHz float WAV: %zu of %zu samples differ from load_audio", bad, n);
    /* and through the public reader, as int16 / 32768 */
    float *f = NULL;
    size_t nf = 0;
    rc = wmel_parse_wav(b, len, "speech_en_48k_f32.wav", &f, &nf, err, sizeof err, NULL, 0);
    CHECK(rc == WMEL_OK && nf == n, "wmel_parse_wav: %s", rc ? err : "length");
    bad = 0;
    for (size_t i = 0; rc == WMEL_OK && nf == n && i < n; i++) bad += (double)f[i] * 32768.0 != g[i];
    CHECK(bad == 0, "wmel_parse_wav: %zu samples differ from load_audio", bad);
    wmel_free(f);
    free(s);
    free(b);
    free(g);
    wmel__npy_free(&a);
}

int main(int argc, char **argv)
{
    int shard = 0, n_shards = 1;
    if (argc > 1 && (sscanf(argv[1], "%d/%d", &shard, &n_shards) != 2 || n_shards < 1 || shard < 0 || shard >= n_shards)) {
        fprintf(stderr, "usage: test_wav_digest [K/N]  (the digests d with d %% N == K)\n");
        return 2;
    }
    test_digests(shard, n_shards);
    if (shard == 0) test_golden_48k();
    return t_done("test_wav_digest");
}
