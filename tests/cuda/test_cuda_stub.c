/*
 * test_cuda_stub.c -- a build without the CUDA backend: the CUDA entry points of wmel.h
 * exist and say so (WMEL_ERR_NOT_BUILT; wmel_cuda_features_device(_batch) and the encoder stem's
 * wmel_cuda_stem_device too),
 * every op reports the CPU backend.
 */
#include "testutil.h"

#include <string.h>

int main(void)
{
    int st;
    wmel_ctx *c = wmel_create(NULL, &st);
    CHECK(c != NULL, "create: %s", wmel_strerror(st));
    float buf[4];
    CHECK(wmel_cuda_log_mel_device(c, buf, WMEL_SAMPLE_F32, 1, 1000, 1000, 0, WMEL_BATCH_PER_CLIP,
                                   buf, 4, NULL) == WMEL_ERR_NOT_BUILT, "device entry not built");
    CHECK(wmel_cuda_log_mel_device(NULL, buf, WMEL_SAMPLE_F32, 1, 1000, 1000, 0, WMEL_BATCH_PER_CLIP,
                                   buf, 4, NULL) == WMEL_ERR_NULL_POINTER, "NULL ctx");
    CHECK(wmel_cuda_features_device(c, buf, WMEL_SAMPLE_F32, 1, 1000, 1000, buf, 4, NULL) == WMEL_ERR_NOT_BUILT,
          "features device entry not built");
    CHECK(wmel_cuda_features_device(NULL, buf, WMEL_SAMPLE_F32, 1, 1000, 1000, buf, 4, NULL) ==
              WMEL_ERR_NULL_POINTER,
          "features device entry: NULL ctx");
    {
        const void *pcm[1] = {buf};
        float *out[1] = {buf};
        const size_t n[1] = {1000}, len[1] = {4};
        size_t failed = 0;
        CHECK(wmel_cuda_features_device_batch(c, pcm, WMEL_SAMPLE_F32, n, 1, out, len, &failed, NULL) ==
                      WMEL_ERR_NOT_BUILT && failed == 1,
              "features device batch entry not built");
    }
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "cpu"), "log_mel on %s",
          wmel_op_backend(c, WMEL_OP_LOG_MEL));
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_DEVICE), "none"), "device op");
    /* a smoothing ctx: the same answer (CUDA builds smooth on the device) */
    wmel_ctx *sm = t_ctx(WMEL_BACKEND_AUTO, 80, WMEL_ISA_AUTO, 1, WMEL_NORM_WHOLE, WMEL_SMOOTH_3X3);
    if (sm)
        CHECK(wmel_cuda_log_mel_device(sm, buf, WMEL_SAMPLE_F32, 1, 1000, 1000, 0, WMEL_BATCH_PER_CLIP,
                                       buf, 4, NULL) == WMEL_ERR_NOT_BUILT, "smoothing device entry");
    wmel_destroy(sm);
    CHECK(!strcmp(wmel_op_backend(NULL, WMEL_OP_LOG_MEL), "none"), "NULL ctx");
    CHECK(!strcmp(wmel_cuda_error_detail(), ""), "no detail");
    /* the encoder stem's device entry */
    char err[512];
    wmel_stem *s = wmel_stem_load(t_golden("ref/stem_tiny_f32.safetensors"), 0, &st, err, sizeof err);
    CHECK(s != NULL || st == WMEL_ERR_NOT_BUILT, "tiny stem: %s", err);
    if (s) {
        CHECK(wmel_cuda_stem_device(s, c, buf, 1, buf, 4, NULL) == WMEL_ERR_NOT_BUILT, "stem entry not built");
        CHECK(wmel_cuda_stem_device(s, NULL, buf, 1, buf, 4, NULL) == WMEL_ERR_NULL_POINTER, "stem: NULL ctx");
    }
    CHECK(wmel_cuda_stem_device(NULL, c, buf, 1, buf, 4, NULL) == WMEL_ERR_NULL_POINTER, "stem: NULL stem");
    wmel_stem_free(s);
    wmel_destroy(c);
    return t_done("test_cuda_stub");
}
