/* stages.h -- the front-ends `wmel inspect` and `wmel compare` know, each as a table of
 * stages (name, shape, units, axes) and a function that computes them with the float64
 * reference for chosen frames. A new front-end is a new table entry here; the report and
 * the --stages writer read the table only. */
#ifndef WMEL_CLI_STAGES_H
#define WMEL_CLI_STAGES_H

#include <stddef.h>

#include "wmel.h"

/* What a stage's rows are. */
enum {
    WMEL_ROWS_SAMPLE = 0, /* frame_length rows: sample k of the frame */
    WMEL_ROWS_BIN = 1,    /* n_fft / 2 + 1 rows: DFT bin k at k * rate / n_fft Hz */
    WMEL_ROWS_MEL = 2,    /* n_mels rows: filter m at its centre frequency */
    WMEL_ROWS_STACK = 3   /* 2 n_mels rows: output column c (frame 2 r + c / n_mels, mel c % n_mels) */
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
    WMEL_ST_NORM,         /* (log - mean) / denom per mel row over the valid frames; 0 past them */
    WMEL_ST_OUTPUT,       /* the log as the output holds it (Kaldi: (n_frames, n_mels)) */
    WMEL_ST_STACKED       /* Seamless: two normalised frames side by side per output row */
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
} cli_frontend;

#define WMEL_STAGES_MAX 12

/* The front-end called name, or NULL (then cli_frontend_names() lists the names). */
const cli_frontend *cli_frontend_find(const char *name);
const char *cli_frontend_names(void);

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
    size_t n_valid;              /* frames in the statistics; later ones are 0 */
    double mean[256], denom[256];/* WMEL_NORM_PER_FEATURE / MEAN_VAR */
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

/* Sets clip->plan, n_frames and n_valid for fe (pcm, n, n_mels set by the caller).
 * Returns 0 or a status with a message in err (too short for a frame). */
int cli_clip_init(const cli_frontend *fe, cli_clip *clip, char *err, size_t err_len);

/* Fills clip->log_max and friends (Whisper) or mean/denom (the plans that normalise per
 * row). Returns 0 or a status, with a message in err. */
int cli_clip_max(cli_clip *clip, char *err, size_t err_len);
int cli_clip_stats(const cli_frontend *fe, cli_clip *clip, char *err, size_t err_len);

/* Every stage of the front-end for frames first + i * step, i < nf, with the float64
 * reference: out[s] receives rows(s) * nf doubles, [rows][nf] (sample stages
 * transposed to [frame_length][nf] as well). out[s] == NULL skips stage s; a STACKED stage
 * is skipped here (cli_stacked_compute). window, when not NULL, receives the window. */
int cli_stages_compute(const cli_frontend *fe, const cli_clip *clip, size_t first, size_t nf,
                        size_t step, double **out, double *window);

/* Seamless' stacked output rows r0 + i * rstep, i < nr: out [2 n_mels][nr], column c of
 * row r = normalised frame 2 r + c / n_mels, mel c % n_mels (0 past the last frame). */
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
