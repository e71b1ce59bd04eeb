/*
 * test_plan_frames.c -- wmel_plan_frames(), the frame counts of a plan: for every built-in
 * preset (and variants with explicit padding, a frame span, n_frames, pad_to, TRIM's rows)
 * at lengths around the frame edges, the output's shape is wmel_features_shape's of the
 * plan's ctx; the STFT frame count is where wmel_ref_plan_stages stops (frame stft - 1 is
 * computed, frame stft refused); valid <= computed <= frames; and the errors.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static void one(const char *name, const wmel_frontend_plan *p, size_t n, const float *pcm)
{
    wmel_plan_counts c;
    memset(&c, 0x5a, sizeof c);
    const int rc = wmel_plan_frames(p, n, &c);
    wmel_params bp = wmel_default_params();
    bp.backend = WMEL_BACKEND_CPU;
    int st = 0;
    wmel_ctx *ctx = wmel_create_plan(&bp, p, &st);
    CHECK(ctx != NULL, "%s: ctx: %d", name, st);
    if (!ctx) return;
    size_t rows = 0, cols = 0;
    const int src = wmel_features_shape(ctx, n, &rows, &cols);
    wmel_destroy(ctx);
    CHECK(rc == src, "%s n %zu: status %d, wmel_features_shape %d", name, n, rc, src);
    if (rc != WMEL_OK) return;
    CHECK(c.rows == rows && c.cols == cols, "%s n %zu: shape %zu x %zu, ctx %zu x %zu", name, n, c.rows, c.cols, rows,
          cols);
    CHECK(c.valid <= c.computed || p->stack_tail == WMEL_STACK_TAIL_TRIM, "%s n %zu: valid %zu > computed %zu", name,
          n, c.valid, c.computed);
    CHECK(c.computed <= c.frames && c.computed <= c.stft, "%s n %zu: computed %zu, frames %zu, stft %zu", name, n,
          c.computed, c.frames, c.stft);
    if (c.stft == 0) return;
    double lg[2 * 257];
    wmel_plan_stage_out o;
    memset(&o, 0, sizeof o);
    o.logmel = lg;
    wmel_stage_span last = {c.stft - 1, 1, 1}, past = {c.stft, 1, 1};
    CHECK(wmel_ref_plan_stages(p, pcm, n, &last, &o) == WMEL_OK, "%s n %zu: frame stft - 1 = %zu refused", name, n,
          c.stft - 1);
    CHECK(wmel_ref_plan_stages(p, pcm, n, &past, &o) == WMEL_ERR_INVALID_ARG, "%s n %zu: frame stft = %zu computed",
          name, n, c.stft);
}

int main(void)
{
    enum { N = 40000 };
    float *pcm = malloc(N * sizeof *pcm);
    if (!pcm) return 1;
    unsigned s = 7;
    for (size_t i = 0; i < N; i++) pcm[i] = (float)((s = s * 1103515245u + 12345u) >> 9) / 8388608.0f - 0.9f;
    size_t done = 0;
    for (size_t i = 0; i < wmel_preset_count(); i++) {
        const char *name = wmel_preset_name(i);
        wmel_frontend_plan p;
        char msg[256];
        CHECK(wmel_preset_plan(name, &p, msg, sizeof msg) == WMEL_OK, "%s: %s", name, msg);
        const size_t fs[] = {(size_t)p.frame_length, (size_t)p.n_fft, (size_t)(p.frame_span ? p.frame_span : 0)};
        for (int k = 0; k < 3; k++)
            for (long d = -2; d <= 2; d++) {
                const long n = (long)fs[k] + d * p.hop + (d & 1);
                if (fs[k] && n > 0) one(name, &p, (size_t)n, pcm);
            }
        for (size_t n = 1; n < N; n = n * 3 + 1) one(name, &p, n, pcm);
        one(name, &p, N, pcm);
        done++;
        /* variants: explicit padding, n_frames, pad_to (where the plan takes them) */
        wmel_frontend_plan q = p;
        if (wmel_plan_set(&q, "n_frames", "50", msg, sizeof msg) == WMEL_OK) one(name, &q, 12345, pcm);
        q = p;
        if (wmel_plan_set(&q, "pad_to", "7", msg, sizeof msg) == WMEL_OK) one(name, &q, 12345, pcm);
    }
    CHECK(done >= 30, "%zu presets", done);
    wmel_plan_counts c;
    wmel_frontend_plan p;
    CHECK(wmel_preset_plan("kaldi", &p, NULL, 0) == WMEL_OK, "kaldi");
    CHECK(wmel_plan_frames(NULL, 100, &c) == WMEL_ERR_NULL_POINTER, "NULL plan");
    CHECK(wmel_plan_frames(&p, 100, NULL) == WMEL_ERR_NULL_POINTER, "NULL out");
    CHECK(wmel_plan_frames(&p, 0, &c) == WMEL_ERR_NO_SAMPLES, "0 samples");
    CHECK(wmel_plan_frames(&p, 16000, &c) == WMEL_OK && c.stft == 98 && c.rows == 98 && c.cols == 80,
          "kaldi 1 s: %zu frames, %zu x %zu", c.stft, c.rows, c.cols);
    p.hop = 0;
    memset(&c, 0x5a, sizeof c);
    CHECK(wmel_plan_frames(&p, 16000, &c) == WMEL_ERR_INVALID_ARG && c.stft == (size_t)0x5a5a5a5a5a5a5a5aull,
          "a refused plan: status, out untouched");
    CHECK(wmel_preset_plan("speecht5", &p, NULL, 0) == WMEL_OK, "speecht5");
    CHECK(wmel_plan_frames(&p, 512, &c) == WMEL_ERR_TOO_SHORT, "centre reflect: too short");
    CHECK(wmel_plan_frames(&p, 513, &c) == WMEL_OK && c.stft == 3, "centre reflect: 513 samples, %zu frames", c.stft);
    free(pcm);
    return t_done("test_plan_frames");
}
