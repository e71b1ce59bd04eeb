/* frontend.h -- the front-end options of `wmel mel` and `wmel batch` (--frontend and the
 * plan options), turned into a wmel_frontend_plan with one clear error per option that
 * does not apply. */
#ifndef WMEL_CLI_FRONTEND_H
#define WMEL_CLI_FRONTEND_H

#include <stddef.h>

#include "wmel.h"

typedef struct wmel_cli_fe {
    int frontend;          /* WMEL_FRONTEND_* (NEMO_LEGACY only through --legacy) */
    int n_mels;            /* 0: the front-end's default */
    const char *normalize; /* NULL: the front-end's default */
    const char *window;
    int legacy, use_energy;
    int have_scale, have_low, have_high, have_floor;
    double scale, low, high, energy_floor;
    long pad_to;           /* -1: unset */
    char given[160];       /* the plan options given, for the error naming them */
} wmel_cli_fe;

void wmel_cli_fe_init(wmel_cli_fe *f);
/* --frontend, --n-mels, --normalize, --window, --scale, --low-freq, --high-freq,
 * --use-energy, --energy-floor, --legacy, --pad-to at arg (value val, may be NULL).
 * Returns 0 when arg is none of them, 1 when taken with its value, 3 when taken without a
 * value (a flag), 2 on a usage error (reported). */
int wmel_cli_fe_opt(const char *arg, const char *val, wmel_cli_fe *f);
/* The plan; 2 on an option that does not apply to the front-end (reported). */
int wmel_cli_fe_plan(const wmel_cli_fe *f, wmel_frontend_plan *plan);
/* "whisper", "nemo", "nemo-legacy", "kaldi", "seamless". */
const char *wmel_cli_fe_name(int frontend);
/* The front-end named s (also "nemo-legacy"), or -1. */
int wmel_cli_fe_parse(const char *s);

#endif
