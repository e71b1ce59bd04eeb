/* stages.h -- the front-ends `wmel inspect` and `wmel compare` show, each as a table of
 * stages (name, shape, units, axes) and a function that computes them with the float64
 * reference for chosen frames. Whisper's exact plan has its own table (openai's
 * computation, wmel_ref_stages); every other plan -- a preset, a plan file, a family with
 * options -- gets a table built from its fields (cli_frontend_of_plan), whose titles say
 * what the plan's fields do; the report and the --stages writer read the table only. */
#ifndef WMEL_CLI_STAGES_H
#define WMEL_CLI_STAGES_H

#include <stddef.h>

#include "wmel.h"

/* What a stage's rows are. */
enum {
    WMEL_ROWS_SAMPLE = 0, /* frame_length rows: sample k of the frame */
    WMEL_ROWS_BIN = 1,    /* n_fft / 2 + 1 rows: DFT bin k at k * rate / n_fft Hz */
    WMEL_ROWS_MEL = 2,    /* n_mels rows: filter m at its centre frequency */
    WMEL_ROWS_STACK = 3,  /* stack * w rows (w = n_cols, 2 n_cols with deltas): output column c = slot
                             c / w (frame r stride + c / w - left), column c % w */
    WMEL_ROWS_COLS = 4    /* n_cols = use_energy + n_mels rows: the log energy first, then the mels */
};

/* What a stage is (which array of the reference, or which clip-wide step). */
enum {
    WMEL_ST_PADDED = 0,   /* the samples each frame reads (scaled, pre-emphasised on the signal, padded) */
    WMEL_ST_DC,           /* after DC removal */
    WMEL_ST_PREEMPH,      /* after pre-emphasis inside the frame */
    WMEL_ST_WINDOWED,     /* x window */
    WMEL_ST_POWER,
    WMEL_ST_MEL,
    WMEL_ST_LOG,
    WMEL_ST_WHOLE,        /* Whisper: (max(log, M - 8) + 4) / 4 */
    WMEL_ST_NORM,         /* the plan's clip-wide finish of the log: frames past the valid ones
                             pad_value, the normalisation, the affine */
    WMEL_ST_OUTPUT,       /* the same finish, named as the output (no normalisation) */
    WMEL_ST_STACKED       /* `stack` finished frames (with their deltas) side by side per output row */
};

typedef struct cli_stage_desc {
    const char *name;  /* the --stages file (NAME.npy) and the page's id */
    const char *title;
    const char *units; /* what a value is */
    int rows;          /* WMEL_ROWS_* */
    int db;            /* drawn on a dB colour scale (powers) */
    int signed_vals;   /* drawn on the diverging ramp, symmetric about 0 */
    int frame_major;   /* --stages layout (n_frames, rows) instead of (rows, n_frames) */
    int kind;          /* WMEL_ST_* */
    const char *derive; /* drawn in the page as stage `derive` x window (not embedded) */
    int no_file;       /* not written by --stages */
} cli_stage_desc;

typedef struct cli_frontend {
    const char *name;
    int preset;          /* WMEL_FRONTEND_* */
    int sample_rate, frame_length, n_fft, hop;
    int centre;          /* samples from t * hop to frame t's centre (snip_edges: frame_length / 2) */
    const cli_stage_desc *stages;
    int n_stages;
    const char *summary; /* one line: the whole chain */
    const wmel_frontend_plan *plan; /* the plan (NULL: the preset's own, Whisper's table) */
    int energy;          /* use_energy (a log-energy row first) */
    int stack;           /* frames per output row (0: no stacked stage; 1: deltas only) */
    int stride, left;    /* output row r's slot h holds frame r stride + h - left (frame 0
                            before the first; past the last, the plan's tail rule) */
    int deltas;          /* 1: each slot holds the frame and its deltas (2 n_cols values) */
} cli_frontend;

#define WMEL_STAGES_MAX 12

/* A table built from a plan, and the texts it points to. */
typedef struct cli_fe_built {
    cli_frontend fe;
    wmel_frontend_plan plan;
    cli_stage_desc st[WMEL_STAGES_MAX];
    char title[WMEL_STAGES_MAX][480];
    char units[WMEL_STAGES_MAX][48];
    char name[128];
    char summary[1400];
    char window[240];                /* the window's formula, for the windowed stage's table */
    char finish[640];                /* the clip-wide steps, for the last stage's table */
    char json[WMEL_PLAN_JSON_MAX];   /* wmel_plan_to_json of the plan (or why not) */
    char others[1400];               /* the JSON's keys no stage's text describes ("": none) */
} cli_fe_built;

/* Whisper's own table ("whisper"), or NULL. */
const cli_frontend *cli_frontend_find(const char *name);
/* The stages of any plan, named name (a preset's, a file's or a family's) in b: Whisper's
 * own table when the plan is exactly Whisper's preset (80 or 128 mels), else a table whose
 * titles are made from the plan's fields. Returns the table (static or &b->fe). */
const cli_frontend *cli_frontend_of_plan(const wmel_frontend_plan *plan, const char *name, cli_fe_built *b);
/* 1 when plan is exactly Whisper's preset with its n_mels (openai's computation). */
int cli_plan_is_whisper(const wmel_frontend_plan *plan);
/* The window's formula (e.g. "periodic Hann: 0.5 - 0.5 cos(2 pi k / 400)") into buf. */
void cli_window_text(const wmel_frontend_plan *p, char *buf, size_t len);
/* The mel filters' centres in Hz of the plan's output columns into hz (n_cols values: 0 Hz
 * for the log-energy column first when use_energy). */
void cli_col_hz(const wmel_frontend_plan *p, double *hz, size_t hz_len);

/* The rows of a stage for n_mels. */
size_t cli_stage_rows(const cli_frontend *fe, const cli_stage_desc *s, int n_mels);
/* The stage of a kind, or -1. */
int cli_stage_of(const cli_frontend *fe, int kind);

/* One clip and what is known of it: the samples, the plan, its frames, and the clip-wide
 * values of the normalisation: Whisper's M (the largest log value of the whole clip in
 * float64, found with the float32 CPU backend and confirmed with the float64 reference on
 * every frame within WMEL_MAX_MARGIN of it), or the per-row mean and denominator. */
typedef struct cli_clip {
    const float *pcm;
    size_t n, n_frames;          /* frames of the STFT (Whisper: n / 160, the kept ones) */
    int n_mels;
    double log_max;
    size_t max_frame, max_mel;   /* where M is */
    size_t max_candidates;       /* frames recomputed in float64 to find M */
    wmel_frontend_plan plan;     /* the preset's plan (set by cli_clip_init) */
    size_t n_valid;              /* frames in the statistics; later ones are pad_value */
    size_t n_out;                /* the output's frames before stacking (pad_to, n_frames pad or cut them) */
    size_t n_rows;               /* the output's rows (stacked: wmel_plan_frames' rows; else n_out) */
    const double *col_scale, *col_shift; /* the per-column affine (--cmvn, --hf-config's values;
                                    NULL: none): on each finished frame's n_cols columns, or
                                    with cols_stacked on each stacked row's columns */
    double mean[257], denom[257];/* WMEL_NORM_PER_FEATURE / MEAN_VAR, per output column */
    const char *stats_from;      /* where mean and denom come from */
} cli_clip;

/* Margin (log10 units) above the CPU backend's error against the float64 reference
 * (1.8e-7 on the goldens, tests/conformance): frames whose CPU value is within it of the
 * CPU max are recomputed in float64. */
#define WMEL_MAX_MARGIN 1e-3

/* Frames up to which the normalisation's statistics come from the float64 reference
 * (about 0.25 ms a frame); longer clips take them from the CPU backend's float64
 * computation rounded once to float32 (then within about 1e-7 of the reference's). */
#define WMEL_REF_STATS_FRAMES 12000

/* Sets clip->plan (fe's plan, or its preset's with n_mels), n_frames (the STFT frames the
 * output holds: the valid ones for WMEL_VALID_TRIM, at most n_frames), n_valid and n_out
 * for fe (pcm, n, n_mels set by the caller).
 * Returns 0 or a status with a message in err (too short for a frame). */
int cli_clip_init(const cli_frontend *fe, cli_clip *clip, char *err, size_t err_len);

/* Fills clip->log_max and friends (cli_clip_max: Whisper's exact plan), or (cli_clip_stats:
 * every other plan) mean/denom of the plans that normalise per row, log_max of the plans
 * that normalise by the clip's max (norm_max when fixed). Returns 0 or a status, with a
 * message in err. */
int cli_clip_max(cli_clip *clip, char *err, size_t err_len);
int cli_clip_stats(const cli_frontend *fe, cli_clip *clip, char *err, size_t err_len);

/* Every stage of the front-end for frames first + i * step, i < nf, with the float64
 * reference: out[s] receives rows(s) * nf doubles, [rows][nf] (sample stages
 * transposed to [frame_length][nf] as well). out[s] == NULL skips stage s; a STACKED stage
 * is skipped here (cli_stacked_compute). window, when not NULL, receives the window. */
int cli_stages_compute(const cli_frontend *fe, const cli_clip *clip, size_t first, size_t nf,
                        size_t step, double **out, double *window);

/* The stacked output rows r0 + i * rstep, i < nr: out [stack w][nr], column c of row r =
 * slot c / w: finished frame r stride + c / w - left (frame 0 before the first; past the
 * last, the tail rule), column c % w (w = n_cols; 2 n_cols with deltas: the frame, then its
 * deltas); with cols_stacked, then the per-column affine over the row. */
int cli_stacked_compute(const cli_frontend *fe, const cli_clip *clip, size_t r0, size_t nr,
                         size_t rstep, double *out);

/* Decodes INPUT whole into *pcm (malloc'ed), with the decoder's format line in fmt. */
int cli_decode_all(const char *path, float **pcm, size_t *n, char *fmt, size_t fmt_len, int quiet,
                    char *err, size_t err_len);

/* A float64 .npy of `shape`, written atomically; frame_major data [nf][rows] comes in as
 * [rows][nf] and is transposed on the way out when transpose is set. */
int cli_write_npy_f64(const char *path, const size_t *shape, int ndim, const double *x,
                       int transpose, char *err, size_t err_len);

#endif
