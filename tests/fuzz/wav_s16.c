/* wav_s16.c -- the built-in WAV reader on files, for wav_diff.py: `wav_s16 OUTDIR FILE...`
 * writes OUTDIR/NAME.s16 (16 kHz mono int16, little-endian, what `ffmpeg ... -f s16le`
 * gives) for each FILE it decodes, and one line a file on standard output: "ok NAME N" or
 * "refused NAME STATUS MESSAGE". Exit 0 unless it cannot write. */
#include "internal.h"
#include "wmel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        if (n == cap) {
            unsigned char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (!got) break;
    }
    fclose(f);
    *len = n;
    return b;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: wav_s16 OUTDIR FILE...\n");
        return 2;
    }
    for (int a = 2; a < argc; a++) {
        const char *base = strrchr(argv[a], '/');
        base = base ? base + 1 : argv[a];
        size_t len = 0;
        unsigned char *b = slurp(argv[a], &len);
        if (!b) {
            printf("refused %s %d cannot read\n", base, WMEL_ERR_IO);
            continue;
        }
        int16_t *s = NULL;
        size_t n = 0;
        char err[512] = "";
        int rc = wmel__wav_decode_s16(b, len, base, &s, &n, NULL, err, sizeof err, NULL, 0);
        free(b);
        if (rc != WMEL_OK) {
            printf("refused %s %d %s\n", base, rc, err);
            continue;
        }
        char out[4096];
        snprintf(out, sizeof out, "%s/%s.s16", argv[1], base);
        FILE *o = fopen(out, "wb");
        unsigned char le[2];
        int bad = !o;
        for (size_t i = 0; !bad && i < n; i++) {
            le[0] = (unsigned char)((uint16_t)s[i] & 0xFF);
            le[1] = (unsigned char)((uint16_t)s[i] >> 8);
            bad = fwrite(le, 1, 2, o) != 2;
        }
        if (o && fclose(o) != 0) bad = 1;
        free(s);
        if (bad) {
            fprintf(stderr, "wav_s16: cannot write %s\n", out);
            return 1;
        }
        printf("ok %s %zu\n", base, n);
    }
    return 0;
}
