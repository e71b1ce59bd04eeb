/*
 * compare.h -- the engine of `wmel compare` and `python -m wmel.compare`: two arrays of
 * features, each as its source gave it, aligned to (n_mels, n_frames) in the front-end's
 * units (each step said), then the statistics, the summary text and the -o page. One
 * implementation: the command (cli/cmd_compare.c) reads .npy files and computes wmel:AUDIO
 * and oracle:AUDIO; the Python module (python/wmel/compare.py, through wmel._compare)
 * reads every other source; both hand the arrays here. It uses only the public header.
 *
 * Memory: the two arrays as they came (float32 or float64; the alignment is applied as each
 * value is read, except a per-row normalisation of a raw nemo or seamless log, which makes
 * a float64 copy) and the page's budget (cli_rpt_thin). Medians and quartiles are found in
 * fixed memory (two counting passes over the values' float32 keys).
 */
#ifndef WMEL_COMPARE_H
#define WMEL_COMPARE_H

#include <stddef.h>

#include "wmel.h"

#include "../src/printf_fmt.h" /* WMEL_PRINTF_FMT */

#define CLI_CMP_MAX_NOTES 24

typedef struct cli_cmp_notes {
    char text[CLI_CMP_MAX_NOTES][400];
    int n;
} cli_cmp_notes;

/* Appends a line (dropped past CLI_CMP_MAX_NOTES). */
void cli_cmp_note(cli_cmp_notes *ns, const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 2, 3)));

typedef struct cli_cmp_src {
    const char *spec;   /* as given: named in messages and the summary */
    const char *label;  /* the summary's and page's name for it; NULL: spec */
    const char *impl;   /* "wmel", "oracle", another implementation, or NULL for a file */
    double *x;          /* [shape]: float64 values ... (malloc'd; cli_cmp_free frees) */
    float *xf;          /* ... or float32 ones, held as they are */
    size_t shape[4];    /* as the source gave it */
    int ndim;
    int raw;            /* known raw log10 (not normalised) */
    float *pcm;         /* IMPL:AUDIO with impl wmel or oracle: the decoded samples (malloc'd), for
                           the stage lines; NULL otherwise */
    size_t n;
    char version[160];  /* what computed it ("" for a file) */
    /* the alignment, applied as a value is read: v = x / dv - off; when norm,
       (max(v, zlo) + 4) / 4; then v - sub. Set by cli_cmp_run. */
    double dv, off, zlo, sub;
    int norm;
    size_t rows, cols;
} cli_cmp_src;

typedef struct cli_cmp_opts {
    const char *frontend;   /* "whisper", "nemo", "nemo-legacy", "kaldi", "seamless": whose rules align;
                               with plan: the plan's name, said in the summary */
    const wmel_frontend_plan *plan; /* NULL: frontend's rules; else any plan: its layout (columns =
                               use_energy + n_mels (or n_ceps), frames stacked `stack` a row, frames_mels or
                               mels_frames) and axes, its units taken as they are */
    const char *axes;       /* the front-end whose filter centres and frame times label the output */
    int n_mels;
    double tol;
    wmel_params params;     /* the stage lines' wmel (its backend) */
    const char *out;        /* the page (REPORT.html), or NULL */
    cli_cmp_notes pre;     /* the sources' own notes, said before the alignment's */
    cli_cmp_notes extra;   /* said after them (--note) */
    cli_cmp_notes stage;   /* stage lines computed by the caller (the Python module's) */
} cli_cmp_opts;

typedef struct cli_cmp_result {
    char text[16384];       /* the summary, lines ending in '\n' ("" until the statistics) */
    int above;              /* 1 when max |A - B| > tol */
    size_t frames, shown;   /* the page: frames compared, frames its pictures show */
} cli_cmp_result;

/* The options' defaults: whisper, tol 1e-4, wmel_default_params(), nothing else. */
void cli_cmp_opts_init(cli_cmp_opts *o);
/* A source with nothing held (dv 1). */
void cli_cmp_src_init(cli_cmp_src *s, const char *spec);
void cli_cmp_free(cli_cmp_src *s);
/* s's values held [r][c] -> [c][r]; -1 when out of memory (nothing changed). */
int cli_cmp_transpose(cli_cmp_src *s, size_t r, size_t c);

/* Aligns s[0] (A) and s[1] (B), computes the statistics and the summary (r->text), and
 * writes the page when o->out. 0 when compared (r->above says within or above tol); 2 with
 * a sentence in err when the sources cannot be compared (a shape that cannot be reconciled,
 * axes that do not fit) or the page cannot be written (then r->text holds the summary). */
int cli_cmp_run(cli_cmp_src s[2], const cli_cmp_opts *o, cli_cmp_result *r, char *err, size_t err_len);

#endif
