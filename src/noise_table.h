/* noise_table.h -- the dither's noise from a caller's table (diagnose, which computes one
 * clip under many plans of one dither seed: the noise is then read, not recomputed). */
#ifndef WMEL_NOISE_TABLE_H
#define WMEL_NOISE_TABLE_H

#include <stddef.h>

#include "wmel.h"

/* tab[t * len + j] = wmel_dither_gauss(seed, t, j) for t < frames, j < len, borrowed until
 * ctx is destroyed: ctx's CPU frames read their noise there (the same values, so the same
 * bits; the frames past the table compute theirs). 1 when ctx took it (a general plan with a
 * dither of this seed and a frame no longer than len), else 0 (ctx unchanged). */
int wmel__ctx_noise_table(wmel_ctx *ctx, const double *tab, size_t frames, int len, int seed);

#endif
