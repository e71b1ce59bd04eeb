/*
 * test_plan_stream.c -- wmel_plan_for_stream(), the live rule every door uses: the plan's
 * normalisation goes with its variants' fields and nothing else changes; a finish that
 * needs the whole clip (n_frames, the affine, pad_value) is refused with a sentence naming
 * the field and the output left alone; a plan wmel_plan_check refuses gives its sentence;
 * NULL arguments, out == in, a short message buffer. And the plan it returns is the
 * stream's: a stream's frames equal wmel_features of that plan, bit for bit.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static int on_frames(void *user, const float *raw, size_t f0, size_t nf)
{
    float *dst = user; /* [frames][n_mels]: the Kaldi layout, n_mels 23 */
    for (size_t f = 0; f < nf; f++)
        for (size_t m = 0; m < 23; m++) dst[(f0 + f) * 23 + m] = raw[m * nf + f];
    return 0;
}

static void expect_refused(const wmel_frontend_plan *in, const char *field)
{
    wmel_frontend_plan out;
    memset(&out, 0x5a, sizeof out);
    char msg[512];
    CHECK(wmel_plan_for_stream(in, &out, msg, sizeof msg) == WMEL_ERR_INVALID_ARG, "%s: refused", field);
    CHECK(!strncmp(msg, field, strlen(field)) && strstr(msg, "does not apply to a stream"), "%s: message '%s'",
          field, msg);
    const unsigned char *b = (const unsigned char *)&out;
    size_t k = 0;
    while (k < sizeof out && b[k] == 0x5a) k++;
    CHECK(k == sizeof out, "%s: the output is left alone on a refusal", field);
}

int main(void)
{
    wmel_frontend_plan p, q, want;
    char msg[512];

    /* whisper: WMEL_NORM_WHOLE goes, every other field stays */
    CHECK(wmel_frontend_preset(WMEL_FRONTEND_WHISPER, 80, &p) == WMEL_OK, "whisper preset");
    CHECK(wmel_plan_for_stream(&p, &q, msg, sizeof msg) == WMEL_OK && msg[0] == '\0', "whisper: %s", msg);
    want = p;
    want.norm = WMEL_NORM_NONE;
    CHECK(!memcmp(&q, &want, sizeof q), "whisper: only norm changes");

    /* the variants' fields go with the normalisation: voxtral-realtime's fixed max, nemo's all_features */
    CHECK(wmel_preset_plan("voxtral-realtime", &p, msg, sizeof msg) == WMEL_OK, "voxtral-realtime: %s", msg);
    CHECK(p.norm_flags == WMEL_NORMF_FIXED_MAX && p.norm_max == 1.5, "voxtral-realtime's fixed max");
    p.norm_range = 6.0;
    CHECK(wmel_plan_for_stream(&p, &p, msg, sizeof msg) == WMEL_OK, "voxtral-realtime in place: %s", msg);
    CHECK(p.norm == WMEL_NORM_NONE && p.norm_flags == 0 && p.norm_max == 0.0 && p.norm_range == 0.0 &&
          p.n_mels == 128, "voxtral-realtime: the normalisation and its variants cleared in place");
    CHECK(wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &p) == WMEL_OK &&
          wmel_plan_set(&p, "normalize", "all_features", msg, sizeof msg) == WMEL_OK, "nemo all_features: %s", msg);
    want = p;
    want.norm = WMEL_NORM_NONE;
    want.norm_flags = 0;
    CHECK(wmel_plan_for_stream(&p, &q, msg, sizeof msg) == WMEL_OK && !memcmp(&q, &want, sizeof q),
          "nemo all_features: norm and norm_flags only (norm_eps %g kept)", q.norm_eps);

    /* a finish that needs the whole clip, each by its field */
    CHECK(wmel_preset_plan("ast", &p, msg, sizeof msg) == WMEL_OK, "ast: %s", msg);
    expect_refused(&p, "n_frames 1024:");
    p.n_frames = 0;
    expect_refused(&p, "post_scale 0.10943319862690226, post_shift 0.4670323625047368:");
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 23, &p);
    p.pad_value = -11.5;
    expect_refused(&p, "pad_value -11.5:");
    p.pad_value = 0.0;

    /* a plan the check refuses: its sentence */
    p.n_mels = 0;
    char want_msg[512];
    wmel_plan_check(&p, want_msg, sizeof want_msg);
    CHECK(wmel_plan_for_stream(&p, &q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && !strcmp(msg, want_msg) &&
          strstr(msg, "n_mels"), "a refused plan: '%s'", msg);
    p.n_mels = 23;

    /* NULL arguments, a short or absent message buffer */
    CHECK(wmel_plan_for_stream(NULL, &q, msg, sizeof msg) == WMEL_ERR_NULL_POINTER && strstr(msg, "NULL"), "NULL in");
    CHECK(wmel_plan_for_stream(&p, NULL, msg, sizeof msg) == WMEL_ERR_NULL_POINTER && strstr(msg, "NULL"), "NULL out");
    CHECK(wmel_plan_for_stream(&p, &q, NULL, 0) == WMEL_OK, "no message buffer");
    p.affine = 1;
    p.post_scale = 2.0;
    CHECK(wmel_plan_for_stream(&p, &q, msg, 8) == WMEL_ERR_INVALID_ARG && strlen(msg) == 7, "msg_len 8: '%s'", msg);
    p.affine = 0;
    p.post_scale = 0.0;

    /* the plan returned is the stream's: kaldi with mean_var normalisation */
    CHECK(wmel_plan_set(&p, "normalize", "mean_var", msg, sizeof msg) == WMEL_OK, "kaldi mean_var: %s", msg);
    CHECK(wmel_plan_for_stream(&p, &q, msg, sizeof msg) == WMEL_OK && q.norm == WMEL_NORM_NONE, "kaldi: %s", msg);
    const size_t n = 16000 + 123;
    float *x = malloc(n * sizeof(float));
    t_chirp(x, n, 7);
    wmel_params prm = wmel_default_params();
    prm.backend = WMEL_BACKEND_CPU;
    prm.n_threads = 1;
    int st;
    wmel_ctx *full = wmel_create_plan(&prm, &q, &st), *live = wmel_create_plan(&prm, &p, &st);
    CHECK(full && live, "ctx: %s", wmel_strerror(st));
    size_t rows = 0, cols = 0;
    CHECK(full && wmel_features_shape(full, n, &rows, &cols) == WMEL_OK && cols == 23, "shape %zux%zu", rows, cols);
    float *a = calloc(rows * cols + 1, sizeof(float)), *b = calloc(rows * cols + 1, sizeof(float));
    CHECK(full && wmel_features(full, x, n, a, rows * cols) == WMEL_OK, "features");
    wmel_stream *s = live ? wmel_stream_create(live, 0, on_frames, b, &st) : NULL;
    CHECK(s && wmel_stream_push(s, x, 5000) == WMEL_OK && wmel_stream_push(s, x + 5000, n - 5000) == WMEL_OK &&
          wmel_stream_finish(s) == WMEL_OK, "stream");
    CHECK(!memcmp(a, b, rows * cols * sizeof(float)), "the stream's frames are wmel_features of the plan returned");
    wmel_stream_destroy(s);
    wmel_destroy(full);
    wmel_destroy(live);
    free(a);
    free(b);
    free(x);
    return t_done("test_plan_stream");
}
