/*
 * fx_clip.h -- a whole clip through the integer front-end (wmel_fx.h) into a
 * [n_mels][n / 160] int16 Q11 array of raw log-mel values: the state on the heap, pushes of
 * WMEL_FX_CLIP_BATCH frames. Shared by `wmel mel --fixed-point` and the Python wmel.fixed.
 */
#ifndef WMEL_FX_CLIP_H
#define WMEL_FX_CLIP_H

#include <stdint.h>
#include <stdlib.h>

#include "wmel.h"
#include "wmel_fx.h"

#define WMEL_FX_CLIP_BATCH 64

/* Returns a wmel status. */
static inline int wmel_fx_clip(const int16_t *pcm, size_t n, int n_mels, int16_t *raw)
{
    const size_t step = (size_t)WMEL_HOP * WMEL_FX_CLIP_BATCH;
    size_t sz = wmel_fx_state_size(n_mels, WMEL_FX_CLIP_BATCH), nf_all = n / WMEL_HOP, t = 0, nf;
    void *mem = malloc(sz);
    if (!mem) return WMEL_ERR_NO_MEMORY;
    wmel_fx_state *st;
    const int16_t *out;
    int rc = wmel_fx_init(mem, sz, n_mels, WMEL_FX_CLIP_BATCH, &st);
    for (size_t pos = 0; rc == 0; pos += step) {
        if (pos < n) {
            rc = wmel_fx_push(st, pcm + pos, n - pos < step ? n - pos : step, &out, &nf);
        } else {
            rc = wmel_fx_finish(st, &out, &nf);
            if (rc == 0 && nf == 0) break;
        }
        for (size_t f = 0; rc == 0 && f < nf && t < nf_all; f++, t++)
            for (int m = 0; m < n_mels; m++) raw[(size_t)m * nf_all + t] = out[f * (size_t)n_mels + m];
    }
    free(mem);
    return rc;
}

#endif /* WMEL_FX_CLIP_H */
