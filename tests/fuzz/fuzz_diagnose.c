/* fuzz_diagnose.c -- `wmel diagnose`'s engine (diagnose/diagnose.c, wmel_dg_run) on any
 * shape and any features of a tiny clip: a status with a sentence or a result whose report
 * fits, never a read past the features, a hang or a residual that is infinite where finite
 * cells were compared.
 *
 * Input: byte 0 the claimed preset (of PRESETS) and whether the last axis is derived from
 * the values given (so that most inputs reach the search) or read as the others; byte 1 the
 * axes (1..3) and a cancel after a few candidates; then the axes (2 bytes each, or 8 when
 * byte 2's bit says so: products that wrap), then the features as float32 values; byte 3 of
 * those selects the clip's length. */
#include "diagnose.h"
#include "fuzz_util.h"
#include "wmel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const PRESETS[] = {"whisper", "kaldi", "nemo", "funasr", "ast", "seamless", "granite-speech5", "whisper"};

typedef struct {
    size_t calls, stop_after;
} fz_cancel;

static int cancel_after(void *arg)
{
    fz_cancel *c = arg;
    return ++c->calls > c->stop_after;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_bytes b = {data, size};
    unsigned sel = fz_u8(&b), ax = fz_u8(&b), wide = fz_u8(&b), clip = fz_u8(&b);
    int ndim = 1 + (int)(ax % 3);
    int derive = (sel & 8) != 0;
    size_t shape[3];
    for (int i = 0; i < ndim; i++) {
        size_t v = 0;
        if (wide & (1u << i)) {
            for (int k = 0; k < 8; k++) v = v << 8 | fz_u8(&b);
        } else {
            v = fz_u8(&b);
            v = v << 8 | fz_u8(&b);
        }
        shape[i] = v;
    }
    size_t n_feat = b.n / sizeof(float);
    if (derive) { /* the last axis from the values given */
        size_t rest = 1;
        for (int i = 0; i + 1 < ndim; i++) rest = shape[i] && rest <= SIZE_MAX / shape[i] ? rest * shape[i] : 0;
        shape[ndim - 1] = rest ? n_feat / rest : 0;
    }
    /* the features: a copy of exactly n_feat values, so that ASan sees a read past them */
    float *feat = malloc(n_feat ? n_feat * sizeof *feat : 1);
    if (!feat) return 0;
    if (n_feat) memcpy(feat, b.p, n_feat * sizeof *feat);
    /* a tiny clip: 0.05 to 0.5 s of a chirp and a click, 16 kHz */
    size_t n = 800 + (size_t)(clip % 10) * 800;
    float *audio = malloc(n * sizeof *audio);
    if (!audio) {
        free(feat);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / 16000;
        audio[i] = (float)(0.3 * sin(6.283185307179586 * (200 + 3000 * t) * t) + (i % 1601 == 0 ? 0.5 : 0));
    }
    wmel_frontend_plan plan;
    char msg[512];
    int st = wmel_preset_plan(PRESETS[sel % 8], &plan, msg, sizeof msg);
    FZ_CHECK(st == WMEL_OK, "preset %s: %s", PRESETS[sel % 8], msg);
    wmel_dg_result r;
    char err[1024] = "";
    fz_cancel c = {0, (size_t)(ax >> 2) * 4};
    int cancels = (ax & 0x80) != 0;
    int rc = wmel_dg_run(&plan, audio, n, feat, n_feat, shape, ndim, cancels ? cancel_after : NULL, &c, &r, err,
                         (ax & 0x40) ? 40 : sizeof err);
    FZ_CHECK(rc == 0 || rc == WMEL_DG_ERROR || (rc == WMEL_DG_CANCELLED && cancels), "status %d", rc);
    if (rc) {
        fz_check_message(err, (ax & 0x40) ? 40 : sizeof err);
        FZ_CHECK(err[0] != '\0', "status %d with no sentence", rc);
    } else {
        FZ_CHECK(r.n_diff >= 0 && r.n_diff <= WMEL_DG_MAX_DIFF, "n_diff %d", r.n_diff);
        FZ_CHECK(r.nonfinite <= n_feat, "nonfinite %zu of %zu", r.nonfinite, n_feat);
        FZ_CHECK(!r.nonfinite || !r.explained, "explained with %zu NaN or infinite cells", r.nonfinite);
        FZ_CHECK(!r.matches || r.explained, "matches but not explained");
        if (r.nonfinite < n_feat) /* finite cells compared: a number, never NaN */
            FZ_CHECK(!isnan(r.residual_after) && r.residual_after >= 0, "residual_after %g", r.residual_after);
        char *buf = malloc(16384);
        if (buf) {
            FZ_CHECK(wmel_dg_json(&r, buf, 16384) > 0, "the JSON does not fit");
            FZ_CHECK(strstr(buf, "nan") == NULL && strstr(buf, "inf\"") == NULL, "%s", buf);
            FZ_CHECK(wmel_dg_text(&r, buf, 16384) > 0, "the text does not fit");
            free(buf);
        }
    }
    free(audio);
    free(feat);
    return 0;
}
