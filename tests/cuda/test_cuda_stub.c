/*
 * test_cuda_stub.c -- a build without the CUDA backend: the CUDA entry points of wmel.h
 * exist and say so (WMEL_ERR_NOT_BUILT), every op reports the CPU backend.
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
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_LOG_MEL), "cpu"), "log_mel on %s",
          wmel_op_backend(c, WMEL_OP_LOG_MEL));
    CHECK(!strcmp(wmel_op_backend(c, WMEL_OP_DEVICE), "none"), "device op");
    CHECK(!strcmp(wmel_op_backend(NULL, WMEL_OP_LOG_MEL), "none"), "NULL ctx");
    CHECK(!strcmp(wmel_cuda_error_detail(), ""), "no detail");
    wmel_destroy(c);
    return t_done("test_cuda_stub");
}
