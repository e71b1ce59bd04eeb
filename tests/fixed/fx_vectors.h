/* fx_vectors.h -- the integer front-end on fixed inputs (golden excerpts and synthetic
 * signals), the same source on every platform: the host (x86-64), AArch64 under
 * qemu-aarch64 and the Cortex-M firmware under qemu-system-arm must give the same bits. */
#ifndef FX_VECTORS_H
#define FX_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#define FX_N_CASES 9

typedef struct fx_case_result {
    const char *name;
    int n_mels, batch;
    size_t frames;
    uint64_t hash; /* FNV-1a 64 of raw Q11, normalised int16 Q13 and int8, little-endian */
} fx_case_result;

/* Called with each case's output bytes (raw, then int16, then int8); may be NULL. */
typedef void (*fx_sink)(void *ctx, const void *data, size_t n);

/* Runs every case; before/after each frame computation calls tick (may be NULL) so the
 * firmware can count time. Returns 0, or the case index + 1 that failed to compute. */
int fx_vectors_run(fx_case_result res[FX_N_CASES], fx_sink sink, void *ctx);

/* Frames computed in all (for per-frame figures). */
size_t fx_vectors_frames(void);

/* The first n samples (<= 16000) of the speech excerpt alone through push/finish, for
 * timing and profiling: frames computed. */
size_t fx_vectors_speech(int n_mels, int batch, size_t n);

#endif
