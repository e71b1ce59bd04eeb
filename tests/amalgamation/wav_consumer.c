/*
 * wav_consumer.c -- the one file's WAV reader against the FFmpeg build's bytes: every WAV
 * of tests/unit/wavgen.h decoded through the public wmel_load_audio_memory(), its 16 kHz
 * samples hashed as test_wav_digest hashes them, against tests/unit/wav_digests.h (made
 * from the FFmpeg path). Prints one line; exit 0 when every digest matches.
 */
#include "wmel.h"

#include "wav_digests.h"
#include "wavgen.h"

#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    const int n = (int)(sizeof wav_digests / sizeof wav_digests[0]);
    int bad = 0;
    char err[512];
    for (int d = 0; d < n; d++) {
        const int fmt = wav_digests[d].fmt, li = wav_digests[d].layout;
        int ri = 0;
        while (ri < WG_NRATES && wg_rates[ri] != wav_digests[d].rate) ri++;
        if (ri == WG_NRATES) return 1;
        uint64_t h = WG_FNV_INIT;
        for (int k = 0; k < WG_NLENGTHS; k++) {
            unsigned char *b = NULL;
            size_t len = wg_make(&b, fmt, wg_rates[ri], li, wg_lengths[k], (unsigned)(fmt * 1000 + ri * 100 + li * 10 + k));
            if (!len) return 1;
            float *f = NULL;
            size_t nf = 0;
            int rc = wmel_load_audio_memory(b, len, &f, &nf, err, sizeof err, NULL, 0);
            free(b);
            if (rc != WMEL_OK) nf = 0;
            int16_t *s = malloc(sizeof(int16_t) * (nf ? nf : 1));
            if (!s) return 1;
            for (size_t i = 0; i < nf; i++) s[i] = (int16_t)(f[i] * 32768.0f); /* k / 32768, exact */
            h = (h ^ (uint64_t)nf) * 0x100000001b3ull;
            h = wg_fnv(s, nf, h);
            free(s);
            wmel_free(f);
        }
        if (h != wav_digests[d].h && bad++ < 10)
            printf("differs from the FFmpeg build: %s %d Hz %s\n", wg_fmt_name[fmt], wg_rates[ri], wg_layouts[li].name);
    }
    printf("wav: %d of %d format/rate/layout digests match the FFmpeg build\n", n - bad, n);
    return bad != 0;
}
