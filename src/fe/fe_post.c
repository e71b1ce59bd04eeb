/*
 * fe_post.c -- the post stage of a plan (wmel.h, "Stacking, deltas"): after the finish, the
 * deltas appended to each frame, the frames stacked into rows (LFR's stride and left copies
 * of frame 0, the tail rule) and the per-column affine on the rows (cols_stacked). One
 * streaming implementation for every path (the whole clip, the sliding buffer, the long
 * input): frames go in one at a time and a row comes out once the frames it reads are in,
 * so the values do not depend on the path. Memory: a ring of stack + 2 N + 2 frames. With
 * every frame in memory (wmel__fe_post_rows) any range of rows is computed from the frames
 * where they lie, the same values row by row, so that the rows can be shared out.
 */
#include "fe.h"

#include <stdlib.h>
#include <string.h>

int wmel__fe_post_init(wmel_fe_post *ps, const wmel_fe *fe, size_t T)
{
    const wmel_frontend_plan *p = &fe->p;
    memset(ps, 0, sizeof *ps);
    ps->fe = fe;
    ps->T = T;
    ps->w = (size_t)fe->n_cols;
    ps->dw = p->delta_win ? (size_t)(p->delta_win - 1) / 2 : 0;
    ps->wd = ps->w * (p->delta_win ? 2 : 1);
    ps->m = (size_t)p->stack;
    ps->S = (size_t)(p->stack_stride ? p->stack_stride : p->stack);
    ps->L = (size_t)p->stack_left;
    ps->R = ps->m + 2 * ps->dw + 2;
    const double N = (double)ps->dw;
    ps->denom = N * (N + 1.0) * (2.0 * N + 1.0) / 3.0;
    wmel__fe_post_shape(p, T, &ps->rows, &ps->cols);
    ps->ring = malloc(ps->R * ps->w * sizeof(float));
    ps->row = malloc((ps->cols ? ps->cols : 1) * sizeof(float));
    if (!ps->ring || !ps->row) {
        wmel__fe_post_free(ps);
        return WMEL_ERR_NO_MEMORY;
    }
    return WMEL_OK;
}

void wmel__fe_post_free(wmel_fe_post *ps)
{
    free(ps->ring);
    free(ps->row);
    ps->ring = ps->row = NULL;
}

static const float *frame_at(const wmel_fe_post *ps, size_t u)
{
    return ps->all ? ps->all + u * ps->w : ps->ring + (u % ps->R) * ps->w;
}

/* The last frame row r reads (deltas included), clamped to T - 1. */
static size_t need(const wmel_fe_post *ps, size_t r)
{
    const size_t hi = r * ps->S + ps->m - 1 + ps->dw; /* + 0 - L below, kept unsigned */
    const size_t e = hi < ps->L ? 0 : hi - ps->L;
    return e < ps->T - 1 ? e : ps->T - 1;
}

/* Frame u's wd values (x, then its deltas) into dst. */
static void frame_vals(const wmel_fe_post *ps, size_t u, float *dst)
{
    const size_t w = ps->w;
    memcpy(dst, frame_at(ps, u), w * sizeof(float));
    if (!ps->dw) return;
    for (size_t c = 0; c < w; c++) {
        double acc = 0.0;
        for (size_t k = 1; k <= ps->dw; k++) {
            const size_t a = u + k < ps->T ? u + k : ps->T - 1, b = u >= k ? u - k : 0;
            acc += (double)k * ((double)frame_at(ps, a)[c] - (double)frame_at(ps, b)[c]);
        }
        dst[w + c] = (float)(acc / ps->denom);
    }
}

static int emit_row(wmel_fe_post *ps, size_t r, wmel_fe_row_fn fn, void *user)
{
    const wmel_frontend_plan *p = &ps->fe->p;
    for (size_t k = 0; k < ps->m; k++) {
        float *dst = ps->row + k * ps->wd;
        const size_t s = r * ps->S + k; /* the frame, plus L */
        if (s < ps->L) {
            frame_vals(ps, 0, dst);
        } else if (s - ps->L < ps->T) {
            frame_vals(ps, s - ps->L, dst);
        } else if (p->stack_tail == WMEL_STACK_TAIL_LAST) {
            frame_vals(ps, ps->T - 1, dst);
        } else {
            const float v = p->stack_tail == WMEL_STACK_TAIL_FILL ? (float)p->stack_fill : 0.0f;
            for (size_t j = 0; j < ps->wd; j++) dst[j] = v;
        }
    }
    const wmel_fe *fe = ps->fe;
    if (p->cols_stacked && fe->col_scale)
        for (size_t j = 0; j < ps->cols; j++)
            ps->row[j] = (float)((double)ps->row[j] * fe->col_scale[j] + fe->col_shift[j]);
    return fn(user, ps->row, r);
}

int wmel__fe_post_push(wmel_fe_post *ps, const float *frame, wmel_fe_row_fn fn, void *user)
{
    if (ps->t_in >= ps->T) return WMEL_ERR_INVALID_ARG; /* not reached */
    memcpy(ps->ring + (ps->t_in % ps->R) * ps->w, frame, ps->w * sizeof(float));
    ps->t_in++;
    while (ps->r_out < ps->rows && need(ps, ps->r_out) < ps->t_in) {
        int rc = emit_row(ps, ps->r_out, fn, user);
        if (rc) return rc;
        ps->r_out++;
    }
    return WMEL_OK;
}

typedef struct {
    float *out;
    size_t cols;
} run_ctx;

static int put_row(void *user, const float *row, size_t r)
{
    run_ctx *c = user;
    memcpy(c->out + r * c->cols, row, c->cols * sizeof(float));
    return 0;
}

int wmel__fe_post_rows(const wmel_fe *fe, const float *frames, size_t T, float *out, size_t r0, size_t r1)
{
    wmel_fe_post ps;
    int rc = wmel__fe_post_init(&ps, fe, T);
    if (rc) return rc;
    ps.all = frames; /* every frame in hand: row r reads them where they are */
    run_ctx c = {out, ps.cols};
    if (r1 > ps.rows) r1 = ps.rows;
    for (size_t r = r0; rc == WMEL_OK && r < r1; r++) rc = emit_row(&ps, r, put_row, &c);
    wmel__fe_post_free(&ps);
    return rc;
}

int wmel__fe_post_run(const wmel_fe *fe, const float *frames, size_t T, float *out)
{
    return wmel__fe_post_rows(fe, frames, T, out, 0, (size_t)-1);
}
