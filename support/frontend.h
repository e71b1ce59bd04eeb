/* frontend.h -- the front-end options of `wmel mel`, `wmel stream` and `wmel batch`
 * (--frontend and the plan options): their texts handed to the library's wmel_plan_set(),
 * whose sentence names an option that does not apply or a value out of range. */
#ifndef WMEL_CLI_FRONTEND_H
#define WMEL_CLI_FRONTEND_H

#include <stddef.h>
#include <stdio.h>

#include "wmel.h"

/* The most plan options (wmel_plan_field_count(): val[i] is option i's text). */
enum { WMEL_CLI_FE_OPTS = 128 };
/* The most per-column values --hf-config gives (one per mel). */
enum { WMEL_CLI_HF_COLS = 512 };

typedef struct cli_fe {
    int frontend;                         /* WMEL_FRONTEND_* (NEMO_LEGACY as nemo + legacy) */
    const char *val[WMEL_CLI_FE_OPTS];    /* each option's text as given; NULL: not given */
    const char *plan_file, *preset;       /* --plan FILE.json, --preset NAME (NULL: not given) */
    const char *hf_config;                /* --hf-config PATH: a transformers configuration */
    const char *cmvn;                     /* --cmvn FILE: the per-column affine (wmel_cmvn_load) */
    int frontend_given;                   /* --frontend was given */
    int general;                          /* 1: a whisper plan with options beyond n_mels, computed
                                             as any plan (not the Whisper command path) */
    int takes_cols;                       /* set by the command: it applies the per-column affine
                                             (--cmvn, --hf-config's values: cli_fe_ctx) */
    size_t hf_cols;                       /* --hf-config's per-column values: their count (0: none) */
    double hf_scale[WMEL_CLI_HF_COLS], hf_shift[WMEL_CLI_HF_COLS]; /* the per-column affine
                                             (wmel_plan_from_hf_config_cols) */
} cli_fe;

void cli_fe_init(cli_fe *f);
/* --frontend, --n-mels, --normalize, --window, --scale, --low-freq, --high-freq,
 * --use-energy, --energy-floor, --legacy, --pad-to, --plan FILE.json, --preset NAME,
 * --hf-config PATH (preprocessor_config.json, processor_config.json or a model folder),
 * --cmvn FILE and the capabilities' options
 * (--mel-scale ... --post-shift: wmel_plan_set's names with '-') at arg (value val, may be
 * NULL).
 * Returns 0 when arg is none of them, 1 when taken with its value, 3 when taken without a
 * value (a flag), 2 on a usage error (reported). */
int cli_fe_opt(const char *arg, const char *val, cli_fe *f);
/* The plan's options for a help, under their groups' headings (wmel_plan_field_info: the
 * command line's name, the placeholder, the families, the doc, the values). */
void cli_fe_help(FILE *f);
/* The same options in short for the other commands' help: "--NAME ARG" lists, each group
 * on lines of its own, under a line saying they are mel's. Options with a flag of skip
 * (WMEL_PLAN_FIELD_FINISH: those wmel stream refuses) and those a command lists with its own
 * (WMEL_PLAN_FIELD_OWN_HELP) are left out. */
void cli_fe_help_brief(FILE *f, unsigned skip);
/* The index in val of the plan option of the library's name (wmel_plan_field_info), or -1. */
int cli_fe_index(const char *name);
/* Option i's command-line name (--NAME, '_' as '-') in buf. */
const char *cli_fe_opt_name(size_t i, char *buf, size_t len);
/* 1 when arg is an option of the output's finish (normalisation, padding, affine), which
 * the stream's frames come before. */
int cli_fe_finish_opt(const char *arg);
/* The plan: --plan's file or --preset's plan (wmel_plan_from_json), --hf-config's
 * (wmel_plan_from_hf_config_cols: its per-column values into f->hf_scale / hf_shift, which a
 * command that sets f->takes_cols applies; the others refuse such a configuration), else
 * --frontend's preset,
 * then the options given (wmel_plan_set). f->frontend becomes the plan's front-end family.
 * 2 on an option that does not apply to the front-end or a file the parser refuses
 * (reported). */
int cli_fe_plan(cli_fe *f, wmel_frontend_plan *plan);
/* The per-column affine of the options (--hf-config's values, or --cmvn's file read with
 * wmel_cmvn_load): *v malloced, the scales at *v and the shifts at *v + *n; *v NULL and *n 0
 * when there is none. Returns WMEL_OK, or a status with the sentence in err. After
 * cli_fe_plan(). */
int cli_fe_colvec(const cli_fe *f, const wmel_frontend_plan *plan, double **v, size_t *n, char *err,
                  size_t err_len);
/* The plan's ctx (wmel_create_plan), with the per-column affine of cli_fe_colvec() when the
 * options give one (wmel_create_plan_cols); on failure NULL, *st the status and the
 * sentence in err. */
wmel_ctx *cli_fe_ctx(const wmel_params *p, const wmel_frontend_plan *plan, const cli_fe *f, int *st, char *err,
                     size_t err_len);
/* The length of the plan's per-column affine (wmel_create_plan_cols's n_cols): n_mels +
 * use_energy; with cols_stacked the stacked row's width (x stack, x 2 with deltas). */
size_t cli_fe_cols(const wmel_frontend_plan *plan);
/* 1 when the commands' Whisper path computes the plan (openai's own computation, with
 * --padding, --pad-30s, --norm, --smooth, --fixed-point): the whisper preset itself, 80 or
 * 128 mels. Every other plan, a whisper one with other options included, is computed as a
 * plan (wmel_create_plan, wmel_long_*). After cli_fe_plan(). */
int cli_fe_whisper(const cli_fe *f);
/* What the plan came from, for messages: the --plan file, "--preset NAME" or "--frontend F". */
const char *cli_fe_label(const cli_fe *f);
/* "whisper", "nemo", "nemo-legacy", "kaldi", "seamless". */
const char *cli_fe_name(int frontend);
/* The front-end named s (also "nemo-legacy"), or -1. */
int cli_fe_parse(const char *s);

#endif
