/*
 * bench_fe.h -- what the benchmarks of the other front-ends share: the presets they time
 * (80 mels) and a ctx of a preset on a given number of threads. Header-only,
 * benchmark-only: nothing here is part of libwmel.
 */
#ifndef WMEL_BENCH_FE_H
#define WMEL_BENCH_FE_H

#include "wmel.h"

#include <stddef.h>

static const struct {
    int fe;
    const char *name;
} bench_fes[] = {{WMEL_FRONTEND_NEMO, "nemo"},
                 {WMEL_FRONTEND_NEMO_LEGACY, "nemo-legacy"},
                 {WMEL_FRONTEND_KALDI, "kaldi"},
                 {WMEL_FRONTEND_SEAMLESS, "seamless"}};
#define BENCH_N_FES (sizeof bench_fes / sizeof bench_fes[0])

/* A ctx of preset fe with n_mels bins on `threads` threads (NULL on failure). */
static inline wmel_ctx *bench_fe_ctx(int fe, int n_mels, int threads)
{
    wmel_frontend_plan plan;
    if (wmel_frontend_preset(fe, n_mels, &plan)) return NULL;
    wmel_params p = wmel_default_params();
    p.n_threads = threads;
    return wmel_create_plan(&p, &plan, NULL);
}

#endif
