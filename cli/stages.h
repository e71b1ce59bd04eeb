/* stages.h -- the front-ends `wmel inspect` and `wmel compare` know, each as a table of
 * stages (name, shape, units, axes) and a function that computes them with the float64
 * reference for chosen frames. A new front-end is a new table entry here; the report and
 * the --stages writer read the table only. */
#ifndef WMEL_CLI_STAGES_H
#define WMEL_CLI_STAGES_H

#include <stddef.h>

/* What a stage's rows are. */
enum {
    WMEL_ROWS_SAMPLE = 0, /* n_fft rows: sample k of the frame */
    WMEL_ROWS_BIN = 1,    /* n_fft / 2 + 1 rows: DFT bin k at k * rate / n_fft Hz */
    WMEL_ROWS_MEL = 2     /* n_mels rows: filter m at its centre frequency */
};

typedef struct wmel_stage_desc {
    const char *name;  /* the --stages file (NAME.npy) and the page's id */
    const char *title;
    const char *units; /* what a value is */
    int rows;          /* WMEL_ROWS_* */
    int db;            /* drawn on a dB colour scale (powers) */
    int signed_vals;   /* drawn on the diverging ramp, symmetric about 0 */
    int frame_major;   /* --stages layout (n_frames, rows) instead of (rows, n_frames) */
} wmel_stage_desc;

typedef struct wmel_frontend {
    const char *name;
    int sample_rate, n_fft, hop;
    const wmel_stage_desc *stages;
    int n_stages;
    const char *summary; /* one line: the whole chain */
} wmel_frontend;

/* The front-end called name, or NULL (then *known lists the names). */
const wmel_frontend *wmel_frontend_find(const char *name);
const char *wmel_frontend_names(void);

/* The rows of a stage for n_mels. */
size_t wmel_stage_rows(const wmel_frontend *fe, const wmel_stage_desc *s, int n_mels);

/* One clip and what is known of it: the samples, the largest log value M of the whole
 * clip in float64 (the normalisation's max), found with the float32 CPU backend and
 * confirmed with the float64 reference on every frame within WMEL_MAX_MARGIN of it. */
typedef struct wmel_clip {
    const float *pcm;
    size_t n, n_frames;
    int n_mels;
    double log_max;
    size_t max_frame, max_mel;   /* where M is */
    size_t max_candidates;       /* frames recomputed in float64 to find M */
} wmel_clip;

/* Margin (log10 units) above the CPU backend's error against the float64 reference
 * (1.8e-7 on the goldens, tests/conformance): frames whose CPU value is within it of the
 * CPU max are recomputed in float64. */
#define WMEL_MAX_MARGIN 1e-3

/* Fills clip->log_max and friends. Returns 0 or a status, with a message in err. */
int wmel_clip_max(wmel_clip *clip, char *err, size_t err_len);

/* Every stage of the front-end for frames first + i * step, i < nf, with the float64
 * reference: out[s] receives rows(s) * nf doubles, [rows][nf] (sample stages
 * transposed to [n_fft][nf] as well). out[s] == NULL skips stage s. */
int wmel_stages_compute(const wmel_frontend *fe, const wmel_clip *clip, size_t first, size_t nf,
                        size_t step, double **out);

/* Decodes INPUT whole into *pcm (malloc'ed), with the decoder's format line in fmt. */
int wmel_decode_all(const char *path, float **pcm, size_t *n, char *fmt, size_t fmt_len, int quiet,
                    char *err, size_t err_len);

/* A float64 .npy of `shape`, written atomically; frame_major data [nf][rows] comes in as
 * [rows][nf] and is transposed on the way out when transpose is set. */
int wmel_write_npy_f64(const char *path, const size_t *shape, int ndim, const double *x,
                       int transpose, char *err, size_t err_len);

#endif
