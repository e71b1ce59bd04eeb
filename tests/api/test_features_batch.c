/*
 * test_features_batch.c -- wmel_features_batch on the CPU backend: 1024 clips of random
 * lengths (the shortest each plan accepts up to 8000 samples) give the bytes of 1024
 * wmel_features calls, clip by clip, on plans of each layout and finish (Whisper's
 * geometry, Kaldi's fbank, NeMo's per-feature normalisation and pad_to, lhotse's MFCC,
 * Seamless's stacking), at 1, 2 and 3 threads; the argument checks name the clip (an
 * empty clip, a short out_len, a NULL clip, outputs that share bytes) and a clip's NaN
 * stops the call there with the clips before it written.
 */
#include "batch_check.h"

#include <math.h>

int main(void)
{
    const char *presets[] = {"whisper", "kaldi", "nemo", "lhotse-mfcc", "seamless", "speechbrain-fbank"};
    const int threads[] = {1, 2, 3};
    for (size_t pi = 0; pi < sizeof presets / sizeof presets[0]; pi++) {
        wmel_frontend_plan plan;
        char msg[256];
        if (wmel_preset_plan(presets[pi], &plan, msg, sizeof msg) != WMEL_OK) {
            CHECK(0, "preset %s: %s", presets[pi], msg);
            continue;
        }
        for (size_t ti = 0; ti < sizeof threads / sizeof threads[0]; ti++) {
            wmel_params p = wmel_default_params();
            p.backend = WMEL_BACKEND_CPU;
            p.n_threads = threads[ti];
            int st = 0;
            wmel_ctx *ctx = wmel_create_plan(&p, &plan, &st);
            CHECK(ctx != NULL, "%s: create %d", presets[pi], st);
            if (!ctx) continue;
            char what[96];
            snprintf(what, sizeof what, "%s threads %d", presets[pi], threads[ti]);
            const size_t clips = bc_compare(ctx, what, 1024, 1, 8000, NULL);
            CHECK(clips == 1024, "%s: %zu clips equal", what, clips);
            if (ti == 0) bc_errors(ctx, what);
            wmel_destroy(ctx);
        }
    }
    return t_done("test_features_batch");
}
