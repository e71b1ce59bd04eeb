/* diagnose.h -- the engine of `wmel diagnose` (diagnose/diagnose.c), which the command and
 * the Python module wmel._diagnose link: given a clip, a port's features of it and the plan
 * the port claims to compute, the plan fields (and the layout, units and dtype) the port
 * got wrong, ranked by how much of the error each explains. A client of include/wmel.h. */
#ifndef WMEL_DIAGNOSE_H
#define WMEL_DIAGNOSE_H

#include <stddef.h>

#include "wmel.h"

enum { WMEL_DG_MAX_DIFF = 12 };
/* The field search's work bound: once this many candidate plans have been computed (every
   stage's, counted from the start) the search computes no further candidate, so the same
   inputs give the same answer on any machine at any load (wmel_dg_opts.max_candidates
   extends it). */
#define WMEL_DG_MAX_CANDIDATES 1500
/* The same bound for each search of a joint fit (wmel_dg_run_joint: the designed probes,
   short clips each): four times the single clip's, so a port differing in eight fields (spafe's
   mel_spectrogram claimed as Kaldi) is answered within it while every answer on the probe set
   stays within seconds of one core. */
#define WMEL_DG_JOINT_MAX_CANDIDATES 6000
/* A safety only: wall-clock seconds from the start past which the search computes no further
   candidate (the work bound ends every search long before it on a working machine); an answer
   cut by it says so (time_bound), as it may differ from machine to machine. */
#define WMEL_DG_SAFETY_S 120.0

typedef struct wmel_dg_diff {
    char field[32];   /* a plan JSON name, or layout, units, dtype, bank, n_frames, pad_left, lfr,
                         norm_max_scope, values (the port's NaN or infinite cells) */
    char preset[64];  /* the claimed plan's value, as text */
    char found[128];  /* the port's value, as text */
    int numeric;      /* 1: preset and found are numbers (JSON numbers) */
    double without;   /* the max residual with every other difference applied but this one */
} wmel_dg_diff;

typedef struct wmel_dg_result {
    int matches;                 /* no difference, residual within the floor's tolerance */
    int explained;               /* the differences leave a residual within the tolerance */
    int n_diff;
    wmel_dg_diff diff[WMEL_DG_MAX_DIFF]; /* ranked: the most error explained first */
    double residual_before;      /* max |port - claimed plan| (common frames, unmasked rows) */
    double residual_after;       /* max |port - the plan with the differences| */
    double rms_after;
    double tol;                  /* |port - plan| <= tol max(1, |port|) in every cell (diagnose.c:
                                    a log's cells far below their frame's largest get more) */
    char floor[32];              /* "float32 rounding", "float16 rounding", "bfloat16 rounding" */
    char notes[512];             /* conventions accepted on the way ("; "-separated) */
    size_t evals;                /* the candidate plans computed */
    size_t nonfinite;            /* the port's NaN or infinite cells (left out of the residuals) */
    /* The answer as a plan: the claimed plan with the differences found, the layout, units
       (scale or affine), frame count and offset (explicit padding) included, computed on the
       clip and held against the port's features as given (wmel_dg_check). */
    wmel_frontend_plan plan;     /* the plan found (has_plan) */
    int has_plan;                /* 1: plan is a valid plan of the port's output shape */
    int reproduces;              /* 1: plan reproduces the port on this clip (check.ok) */
    char not_expressible[200];   /* has_plan 0: what no plan expresses ("" when has_plan) */
    double plan_max;             /* max |port - plan| (the check's), NaN without a plan */
    double plan_excess;          /* the check's worst cell: |port - plan| / its bound */
    int dtype;                   /* the port's values: 0 float32, 1 float16, 2 bfloat16 (held exactly) */
    int rounding_only;           /* matches, but cells past the fixed 1e-4 tolerance lie within
                                    the float32 noise bound: "float32 rounding remains" */
    double seconds;              /* the diagnosis' CPU time (clock()) */
    size_t max_candidates;       /* the work bound the search ran under */
    int work_bound;              /* 1: the search stopped at its work bound (max_candidates) */
    int time_bound;              /* 1: the search stopped at the safety's wall-clock cap: the answer may
                                    differ on another machine or under another load */
    size_t diff_left_out;        /* differences past the table's WMEL_DG_MAX_DIFF: not listed (a note says so) */
    wmel_dg_diff spill;          /* where such a difference is written and dropped (scratch, never read) */
} wmel_dg_result;

/* The search's bounds; a zero field takes its default. */
typedef struct wmel_dg_opts {
    size_t max_candidates; /* the work bound (WMEL_DG_MAX_CANDIDATES) */
    double max_seconds;    /* the safety's wall-clock cap (WMEL_DG_SAFETY_S) */
    double units_a, units_b; /* the port's units where known before the search: port = units_a plan +
                                units_b, taken out of its values before the search (a plan with
                                an affine takes none); units_a 0: none, the units fitted */
    int deterministic;     /* 1: the port gives the same features on every call (wmel.diagnose(port)
                              calls it twice): no dither is proposed, whose noise only stands in
                              for a difference it does not explain */
    int inexpressible;     /* 1: the caller has found a convention no plan expresses (wmel.diagnose:
                              features that do not change with the input's level): the joint fit
                              searches the first clip only, for the report, as it does for values
                              relative to each clip's max */
} wmel_dg_opts;

/* A plan's features of a clip held against a port's (the proof of an answer): the plan's
 * output shape must be the port's (axes of length 1 dropped); each cell's bound is the noise
 * model's (wmel_dg_bound) for the port's dtype (0 float32, 1 float16, 2 bfloat16). */
typedef struct wmel_dg_check_result {
    int ok;          /* every finite cell within its bound, the shape the plan's */
    double max;      /* max |port - plan| over the finite cells */
    double excess;   /* max |port - plan| / bound (<= 1: within) */
    double bound_at; /* the bound of the worst cell */
    size_t nonfinite;
    char why[200];   /* not ok: a shape that differs, or where the worst cell is */
} wmel_dg_check_result;
int wmel_dg_check(const wmel_frontend_plan *plan, const float *audio, size_t n, const float *feat, size_t n_feat,
                  const size_t *shape, int ndim, int dtype, wmel_dg_check_result *out, char *err, size_t err_len);

/* Called between candidate plans with cancel_arg; a non-zero return stops the search. */
typedef int (*wmel_dg_cancel_fn)(void *cancel_arg);

/* wmel_dg_run's statuses: 0 done, WMEL_DG_ERROR with a sentence in err (a plan the library
 * refuses, a shape that does not match the features' count or that no layout reconciles),
 * WMEL_DG_CANCELLED when cancel asked to stop. */
enum { WMEL_DG_ERROR = 1, WMEL_DG_CANCELLED = 2 };

/* Diagnoses feat (n_feat float32 values, C order, of shape: ndim 1..3 axes whose product
 * must be n_feat exactly) as the features of audio (n samples, 16 kHz mono float) under plan.
 * The port's NaN or infinite cells are left out of the residuals and named as a difference
 * (field "values"). cancel may be NULL; it is called between candidate plans. */
int wmel_dg_run(const wmel_frontend_plan *plan, const float *audio, size_t n, const float *feat, size_t n_feat,
                const size_t *shape, int ndim, wmel_dg_cancel_fn cancel, void *cancel_arg, wmel_dg_result *out,
                char *err, size_t err_len);
/* wmel_dg_run under the bounds of opts (NULL: the defaults). */
int wmel_dg_run_opts(const wmel_frontend_plan *plan, const float *audio, size_t n, const float *feat, size_t n_feat,
                     const size_t *shape, int ndim, const wmel_dg_opts *opts, wmel_dg_cancel_fn cancel,
                     void *cancel_arg, wmel_dg_result *out, char *err, size_t err_len);
/* The result as one JSON object (matches, explained, differences, residual_before,
 * residual_after, floor, notes); the text's length, or -1 when cap is too small. */
int wmel_dg_json(const wmel_dg_result *r, char *buf, size_t cap);
/* The result as lines for a reader. */
int wmel_dg_text(const wmel_dg_result *r, char *buf, size_t cap);

/* ---- designed probe signals (diagnose/probes.c): clips chosen so that a port's features of
 * them tell its conventions apart (edge padding, the frame-count rule at n = 0, 1 and hop - 1
 * modulo the hop and at several sizes, the bank, DC removal, the window's alignment, the log's
 * guard and what it does to energies under it, the input's scale, dither), for `wmel probes`
 * and wmel.diagnose(port, ...). */
typedef struct wmel_dg_probe {
    const char *stem; /* the clip's name (its file: STEM.wav, the port's features: STEM.npy) */
    const char *what; /* what it probes, a sentence */
    size_t n;         /* its samples at the plan's rate */
} wmel_dg_probe;
/* The probes' count (every plan has the same set). */
int wmel_dg_probe_count(void);
/* Probe k (0 .. wmel_dg_probe_count() - 1) for plan (its rate, hop, frame length and n_fft
 * shape it): info (may be NULL), and its info->n samples into x (NULL: info only), 16-bit
 * values k / 32768, the same on every run. 0, or -1 for a k out of range or no plan. */
int wmel_dg_probe_get(const wmel_frontend_plan *plan, int k, wmel_dg_probe *info, float *x);

/* ---- the joint fit: one plan on several clips at once */
enum { WMEL_DG_JOINT_MAX_FITS = 8 };
typedef struct wmel_dg_clip {
    const float *audio; /* samples at the plan's rate */
    size_t n;
    const float *feat;  /* the port's features of them, as wmel_dg_run takes them */
    size_t n_feat;
    const size_t *shape;
    int ndim;
} wmel_dg_clip;
typedef struct wmel_dg_joint {
    int n_fits;                            /* the searches run */
    int fitted[WMEL_DG_JOINT_MAX_FITS];    /* the clip each search ran on, in order */
    int failed;                            /* -1, or the first clip the answer does not reproduce */
} wmel_dg_joint;
/* Fits one plan on every clip: the claimed plan is held against each clip (wmel_dg_check);
 * the first clip it does not reproduce is diagnosed (wmel_dg_run_opts, from the plan found so
 * far and from the claimed one), the candidate that reproduces the most clips taken, and so on
 * until one plan reproduces every clip, or a clip no candidate reproduces, or
 * WMEL_DG_JOINT_MAX_FITS searches. An answer reproduces clips of every length, so it holds
 * rules (framing, padding, valid frames), never a count fitted to one clip. out: the last
 * search's result with the differences from the claimed plan of every search, matches 1
 * when the claimed plan reproduces every clip, reproduces 1 when out->plan reproduces every
 * clip (has_plan); evals summed; checks[k] (n_clips of them) each clip against the answer.
 * Each search runs under opts' work bound (0: WMEL_DG_JOINT_MAX_CANDIDATES). Statuses as wmel_dg_run's. */
int wmel_dg_run_joint(const wmel_frontend_plan *plan, const wmel_dg_clip *clips, int n_clips, const wmel_dg_opts *opts,
                      wmel_dg_cancel_fn cancel, void *cancel_arg, wmel_dg_result *out, wmel_dg_check_result *checks,
                      wmel_dg_joint *jt, char *err, size_t err_len);

#endif
