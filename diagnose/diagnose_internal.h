/* diagnose_internal.h -- the first stages of wmel_dg_run (diagnose/diagnose.c) as functions of
 * their own, for the engine's unit test (tests/unit/test_diagnose_stages.c): reading the
 * port's features, aligning their shape with the claimed plan, and the dtype their values
 * hold. Not part of diagnose.h's interface. */
#ifndef WMEL_DIAGNOSE_INTERNAL_H
#define WMEL_DIAGNOSE_INTERNAL_H

#include "diagnose.h"

enum { WMEL__DG_MAX_STACK = 24 }; /* the stackings of the port's shape kept (wmel__dg_align) */

/* The port's features as read: their shape as one clip's 2-D features, and their values. */
typedef struct wmel__dg_port {
    size_t sh[2];      /* the axes longer than 1, in order (1 where fewer than two) */
    size_t total;      /* the values (the shape's product) */
    int batch_dropped; /* 1: an axis of length 1 was dropped (a batch axis) */
    int batch_lead;    /* 1: that axis is a leading one of three, (1, R, C): the plan's batch_axis */
    size_t n_bad;      /* NaN or infinite cells */
    size_t n_nan;      /* of which NaN */
    size_t bad_at;     /* the first one's index (C order) */
    float first_bad;   /* its value */
    float vmin, vmax;  /* over the finite cells (INFINITY, -INFINITY: none) */
    int port_const;    /* 1: every finite cell holds one value */
} wmel__dg_port;

/* Read: the arguments checked (the plan the library takes, ndim 1 to 3, every axis at least
   1, the shape's product n_feat exactly, at most two axes longer than 1) and the values
   scanned. 0, or WMEL_DG_ERROR with wmel_dg_run's sentence in err. */
int wmel__dg_read(const wmel_frontend_plan *plan, const float *audio, size_t n, const float *feat, size_t n_feat,
                  const size_t *shape, int ndim, wmel__dg_port *pt, char *err, size_t err_len);

/* The port's 2-D shape against the plan's output on the clip. */
typedef struct wmel__dg_shape {
    wmel_frontend_plan start; /* the plan the search starts from: the claimed one, with the port's bank size
                                 (n_mels) or the first stacking of the port's shape */
    int fcols;                /* 1: the frames are the columns (start's layout) */
    size_t width;             /* the values of a frame (a row when stacked) */
    size_t Tp;                /* the port's frames (rows when stacked) */
    int transposed;           /* 1: the port's axes are the other way round from start's layout */
    int nmels_changed;        /* 1: the port's bank size is not the plan's */
    int n_stk;                /* the stackings whose output has the port's shape (0: the plan's own) */
    wmel_frontend_plan stk[WMEL__DG_MAX_STACK];
} wmel__dg_shape;

/* Align: which of the port's axes holds the frames, and how many values a frame has: the
   plan's, transposed, another stacking (LFR) or another bank size. 0, or WMEL_DG_ERROR with
   wmel_dg_run's sentence in err (the plan cannot compute the clip, or no reading of the
   shape fits). */
int wmel__dg_align(const wmel_frontend_plan *base, size_t n, const size_t sh[2], wmel__dg_shape *al, char *err,
                   size_t err_len);

/* The dtype the port's values hold exactly: 0 float32, 1 float16, 2 bfloat16 (bfloat16 where
   both hold them; float32 for features of zeros or of one value, port_const). */
int wmel__dg_port_dtype(const float *x, size_t cnt, int port_const);

#endif
