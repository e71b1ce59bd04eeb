/*
 * test_cpu_table.c -- the CPU backend's table (src/cpu/cpu.c) carries the scheduler's
 * stages, the frame drivers': for every built-in preset on a CPU ctx (its kernel named
 * cpu-...), plan_stages takes the
 * frames and the finish; clips_stages takes Whisper's geometry's clips; plan_finish gives
 * wmel_features' bytes; and on the general algorithm, the finish of plan_frames' float64
 * values (fe_cpu.c's wmel__fe_cpu_given, as the scheduler runs a device's frames) gives the
 * same bytes, over speech of a few lengths.
 */
#include "internal.h"
#include "fe/fe.h"
#include "testutil.h"
#include "wmel.h"

#include <stdlib.h>
#include <string.h>

static void one(const char *name, wmel_ctx *ctx, const float *x, size_t n)
{
    const wmel_backend_vt *vt = &wmel__backend_cpu;
    size_t rows = 0, cols = 0;
    if (wmel_features_shape(ctx, n, &rows, &cols) != WMEL_OK || !rows || !cols) return;
    CHECK(vt->plan_stages(ctx, n, rows, cols) == (WMEL__STAGE_FRAMES | WMEL__STAGE_FINISH), "%s n %zu: stages", name,
          n);
    float *a = malloc(rows * cols * sizeof(float)), *b = malloc(rows * cols * sizeof(float));
    CHECK(a && b, "%s: memory", name);
    if (!a || !b) goto done;
    memset(a, 0x11, rows * cols * sizeof(float));
    memset(b, 0x22, rows * cols * sizeof(float));
    int ra = wmel_features(ctx, x, n, a, rows * cols);
    CHECK(ra == WMEL_OK, "%s n %zu: wmel_features %d", name, n, ra);
    if (ctx->fe->algo != &wmel__algo_general) { /* Whisper's geometry's own kernels: its clips */
        wmel_clips c = {x, NULL, 1, n, n, 0, WMEL_BATCH_PER_CLIP, b, rows * cols, {NULL, 0, NULL}};
        CHECK(vt->clips_stages(ctx, &c) == WMEL__STAGE_FRAMES, "%s: clips_stages", name);
        goto done;
    }
    int rb = vt->plan_finish(ctx, x, n, b, rows, cols);
    CHECK(rb == ra && !memcmp(a, b, rows * cols * sizeof(float)), "%s n %zu: plan_finish %d, not the bytes", name, n,
          rb);
    const size_t nc = wmel__fe_computed(&ctx->fe->p, n), ncol = (size_t)ctx->fe->n_cols;
    double *vals = malloc((nc ? nc : 1) * ncol * sizeof(double));
    CHECK(vals != NULL, "%s: memory", name);
    if (vals && nc) {
        memset(b, 0x33, rows * cols * sizeof(float));
        rb = vt->plan_frames(ctx, x, n, nc, vals);
        if (rb == WMEL_OK) rb = wmel__fe_cpu_given(ctx, x, n, b, vals);
        CHECK(rb == ra && !memcmp(a, b, rows * cols * sizeof(float)), "%s n %zu: plan_frames' finish %d, not the bytes",
              name, n, rb);
    }
    free(vals);
done:
    free(a);
    free(b);
}

int main(void)
{
    size_t ns = 0;
    float *wav = t_load_wav("audio/speech_en.wav", &ns);
    CHECK(wav && ns > 48000, "speech: %zu samples", ns);
    if (!wav || ns <= 48000) return t_done("test_cpu_table");
    const size_t lens[3] = {4001, 16000, 48000};
    for (size_t i = 0; i < wmel_preset_count(); i++) {
        const char *pname = wmel_preset_name(i);
        wmel_frontend_plan plan;
        char msg[256];
        if (wmel_preset_plan(pname, &plan, msg, sizeof msg) != WMEL_OK) continue;
        wmel_params bp = wmel_default_params();
        bp.backend = WMEL_BACKEND_CPU;
        int st = 0;
        wmel_ctx *ctx = wmel_create_plan(&bp, &plan, &st);
        CHECK(ctx != NULL, "%s: ctx: %d", pname, st);
        if (!ctx) continue;
        CHECK(ctx->vt == &wmel__backend_cpu, "%s: not the CPU's table", pname);
        CHECK(ctx->fe->algo != &wmel__algo_general || !strncmp(wmel_kernel_name(ctx), "cpu-", 4),
              "%s: kernel name '%s'", pname, wmel_kernel_name(ctx));
        for (int k = 0; k < 3; k++) one(pname, ctx, wav, lens[k]);
        wmel_destroy(ctx);
    }
    wmel_free(wav);
    return t_done("test_cpu_table");
}
