/*
 * test_filters.c -- the Slaney filter bank, computed in double inside the library,
 * against openai-whisper's mel_filters.npz (float32). The npz is a zip of deflated .npy
 * files: each member is found by its local file header and inflated with zlib.
 * Threshold 1e-6 relative to the largest weight: the npz holds float32 roundings.
 */
#include "internal.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Finds member `name` and returns its float data (malloc'ed), NULL if absent. */
static float *npz_member(const unsigned char *z, size_t n, const char *name, size_t count)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + 30 < n; i++) {
        if (memcmp(z + i, "PK\x03\x04", 4)) continue;
        unsigned method = z[i + 8] | (z[i + 9] << 8);
        size_t csize = (size_t)z[i + 18] | ((size_t)z[i + 19] << 8) | ((size_t)z[i + 20] << 16) |
                       ((size_t)z[i + 21] << 24);
        unsigned fnl = z[i + 26] | (z[i + 27] << 8), exl = z[i + 28] | (z[i + 29] << 8);
        if (fnl != nl || memcmp(z + i + 30, name, nl)) continue;
        const unsigned char *src = z + i + 30 + fnl + exl;
        size_t cap = count * 4 + 4096;
        unsigned char *npy = malloc(cap);
        size_t got = 0;
        if (method == 0) {
            got = csize < cap ? csize : cap;
            memcpy(npy, src, got);
        } else if (method == 8) {
            z_stream st;
            memset(&st, 0, sizeof st);
            if (inflateInit2(&st, -MAX_WBITS) != Z_OK) break;
            st.next_in = (unsigned char *)src;
            st.avail_in = (uInt)csize;
            st.next_out = npy;
            st.avail_out = (uInt)cap;
            inflate(&st, Z_FINISH);
            got = st.total_out;
            inflateEnd(&st);
        }
        size_t hl = npy[8] | (npy[9] << 8);
        if (got < 10 + hl + count * 4) {
            free(npy);
            return NULL;
        }
        float *out = malloc(count * 4);
        memcpy(out, npy + 10 + hl, count * 4);
        free(npy);
        return out;
    }
    return NULL;
}

int main(void)
{
    size_t n;
    unsigned char *z = t_read_file(t_golden("mel_filters.npz"), &n);
    int sizes[2] = {80, 128};
    for (int s = 0; s < 2; s++) {
        int nm = sizes[s];
        char name[32];
        snprintf(name, sizeof name, "mel_%d.npy", nm);
        size_t count = (size_t)nm * WMEL_N_BINS;
        float *ref = npz_member(z, n, name, count);
        CHECK(ref != NULL, "member %s not found (stored) in mel_filters.npz", name);
        if (!ref) continue;
        float *mine = malloc(count * sizeof(float));
        CHECK(wmel_mel_filters(nm, mine, count) == WMEL_OK, "wmel_mel_filters(%d)", nm);
        double mx = 0, peak = 0;
        for (size_t i = 0; i < count; i++) {
            float r;
            memcpy(&r, ref + i, 4);
            double d = fabs((double)mine[i] - r);
            if (d > mx) mx = d;
            if (fabs(r) > peak) peak = fabs(r);
            CHECK((r == 0.0f) == (mine[i] == 0.0f), "n_mels %d: zero pattern differs at %zu", nm, i);
        }
        printf("n_mels %d: max abs diff %.3g (peak weight %.4g)\n", nm, mx, peak);
        CHECK(mx <= 1e-6 * peak, "n_mels %d: filter bank differs by %.3g", nm, mx);
        CHECK(wmel_mel_filters(nm, mine, count - 1) == WMEL_ERR_BUFFER_TOO_SMALL, "too small");
        free(mine);
        free(ref);
    }
    float one;
    CHECK(wmel_mel_filters(64, &one, 1) == WMEL_ERR_INVALID_ARG, "64 mels is invalid");
    CHECK(wmel_mel_filters(80, NULL, 100000) == WMEL_ERR_NULL_POINTER, "NULL out");
    free(z);
    return t_done("test_filters");
}
