/* test_conv1d.c -- wmel_conv1d against a naive float64 convolution over many shapes,
 * strides and paddings, for F32/F16/BF16 weights, every GEMM path (OpenBLAS when built,
 * wmel's own kernels at each ISA level); half-precision conversion; argument errors.
 * Threshold: the float32 dot-product bound |err| <= (K + 2) * 2^-24 * sum |x w| (K the
 * reduction length; Higham's gamma_K), which a wrong index or a dropped term breaks. */
#define _POSIX_C_SOURCE 200809L
#include "stem/stem_internal.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float frand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static uint16_t to_f16(float f) /* round to nearest even, normal range only (test data) */
{
    uint32_t b;
    memcpy(&b, &f, 4);
    uint32_t sign = (b >> 16) & 0x8000u;
    int e = (int)((b >> 23) & 0xff) - 127 + 15;
    uint32_t m = b & 0x7fffffu;
    if (e <= 0) return (uint16_t)sign; /* flush tiny values to zero */
    uint32_t h = sign | ((uint32_t)e << 10) | (m >> 13);
    uint32_t rest = m & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1))) h++;
    return (uint16_t)h;
}

static uint16_t to_bf16(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    uint32_t r = b + 0x7fffu + ((b >> 16) & 1);
    return (uint16_t)(r >> 16);
}

static int one_case(size_t batch, size_t cin, size_t len, size_t cout, size_t k, size_t stride,
                    size_t pad, int dtype, int with_bias, const char *path)
{
    size_t lout = wmel_conv1d_out_len(len, k, stride, pad);
    size_t nw = cout * cin * k;
    float *x = malloc(batch * cin * len * sizeof(float) + 1);
    float *wf = malloc(nw * sizeof(float));
    uint16_t *wh = malloc(nw * sizeof(uint16_t));
    float *bias = malloc(cout * sizeof(float));
    float *y = malloc(batch * cout * lout * sizeof(float) + 1);
    for (size_t i = 0; i < batch * cin * len; i++) x[i] = frand();
    for (size_t i = 0; i < nw; i++) {
        float v = frand();
        if (dtype == WMEL_DTYPE_F16) {
            wh[i] = to_f16(v);
            wf[i] = wmel__f16_to_f32(wh[i]);
        } else if (dtype == WMEL_DTYPE_BF16) {
            wh[i] = to_bf16(v);
            wf[i] = wmel__bf16_to_f32(wh[i]);
        } else {
            wf[i] = v;
        }
    }
    for (size_t i = 0; i < cout; i++) bias[i] = frand();
    const void *w = dtype == WMEL_DTYPE_F32 ? (const void *)wf : (const void *)wh;
    int rc = wmel_conv1d(x, batch, cin, len, w, dtype, with_bias ? bias : NULL, cout, k, stride,
                         pad, y, batch * cout * lout, (int)(rng % 3));
    CHECK(rc == WMEL_OK, "conv1d failed: %s", wmel_strerror(rc));
    int bad = 0;
    double worst = 0;
    for (size_t b = 0; b < batch && !rc; b++)
        for (size_t o = 0; o < cout; o++)
            for (size_t t = 0; t < lout; t++) {
                double s = with_bias ? bias[o] : 0.0, a = fabs(s);
                for (size_t i = 0; i < cin; i++)
                    for (size_t j = 0; j < k; j++) {
                        size_t p = t * stride + j;
                        if (p < pad || p - pad >= len) continue;
                        double v = (double)x[(b * cin + i) * len + p - pad] * wf[(o * cin + i) * k + j];
                        s += v;
                        a += fabs(v);
                    }
                double e = fabs((double)y[(b * cout + o) * lout + t] - s);
                double tol = (double)(cin * k + 2) * 0x1p-24 * a + 1e-30;
                if (!(e <= tol)) bad++;
                if (e / (tol + 1e-30) > worst) worst = e / (tol + 1e-30);
            }
    CHECK(bad == 0,
          "%s dtype %d: %d outputs past the bound (worst %.2f x bound), batch %zu c_in %zu len %zu "
          "c_out %zu k %zu stride %zu pad %zu, seed state %llx",
          path, dtype, bad, worst, batch, cin, len, cout, k, stride, pad, (unsigned long long)rng);
    free(x);
    free(wf);
    free(wh);
    free(bias);
    free(y);
    return bad;
}

static void sweep(const char *path)
{
    /* Whisper's two shapes at small scale, then random ones */
    one_case(1, 80, 50, 24, 3, 1, 1, WMEL_DTYPE_F32, 1, path);
    one_case(2, 24, 50, 24, 3, 2, 1, WMEL_DTYPE_F16, 1, path);
    one_case(1, 7, 1, 5, 1, 1, 0, WMEL_DTYPE_F32, 1, path);   /* 1x1 */
    one_case(1, 3, 2, 2, 5, 1, 2, WMEL_DTYPE_BF16, 0, path);  /* pad > len */
    one_case(1, 300, 40, 70, 3, 2, 1, WMEL_DTYPE_F32, 1, path); /* K = 900 > KC */
    for (int n = 0; n < 40; n++) {
        size_t k = 1 + rng % 7, stride = 1 + rng % 4, pad = rng % 4;
        size_t len = 1 + rng % 60;
        if (len + 2 * pad < k) len = k;
        size_t cin = 1 + rng % 40, cout = 1 + rng % 50, batch = 1 + rng % 3;
        int dt = (int)(rng % 3);
        one_case(batch, cin, len, cout, k, stride, pad, dt, (int)(rng & 1), path);
    }
}

int main(void)
{
    /* half precision */
    CHECK(wmel__f16_to_f32(0x3c00) == 1.0f, "f16 1.0");
    CHECK(wmel__f16_to_f32(0xc000) == -2.0f, "f16 -2.0");
    CHECK(wmel__f16_to_f32(0x7bff) == 65504.0f, "f16 max");
    CHECK(wmel__f16_to_f32(0x0001) == 0x1p-24f, "f16 smallest subnormal");
    CHECK(wmel__f16_to_f32(0x03ff) == 1023 * 0x1p-24f, "f16 largest subnormal");
    CHECK(isinf(wmel__f16_to_f32(0x7c00)), "f16 inf");
    CHECK(isnan(wmel__f16_to_f32(0x7e00)), "f16 nan");
    CHECK(wmel__bf16_to_f32(0x3f80) == 1.0f, "bf16 1.0");
    CHECK(wmel__bf16_to_f32(0xc0a0) == -5.0f, "bf16 -5.0");

    /* arguments */
    float x[16] = {0}, w[16] = {0}, y[16];
    CHECK(wmel_conv1d_out_len(3000, 3, 2, 1) == 1500, "out len");
    CHECK(wmel_conv1d_out_len(2, 5, 1, 1) == 0, "too short");
    CHECK(wmel_conv1d_out_len(2, 3, 0, 1) == 0, "stride 0");
    CHECK(wmel_conv1d(x, 1, 1, 4, w, WMEL_DTYPE_F32, NULL, 1, 0, 1, 0, y, 16, 1) == WMEL_ERR_INVALID_ARG, "k 0");
    CHECK(wmel_conv1d(x, 1, 1, 4, w, 7, NULL, 1, 3, 1, 0, y, 16, 1) == WMEL_ERR_INVALID_ARG, "dtype");
    CHECK(wmel_conv1d(x, 1, 1, 4, NULL, WMEL_DTYPE_F32, NULL, 1, 3, 1, 0, y, 16, 1) == WMEL_ERR_NULL_POINTER, "w NULL");
    CHECK(wmel_conv1d(x, 1, 2, 4, w, WMEL_DTYPE_F32, NULL, 2, 3, 1, 1, y, 7, 1) == WMEL_ERR_BUFFER_TOO_SMALL, "small y");
    CHECK(wmel_conv1d(x, 0, 2, 4, w, WMEL_DTYPE_F32, NULL, 2, 3, 1, 1, y, 0, 1) == WMEL_OK, "batch 0");
    CHECK(wmel_conv1d(x, 1, 1, 4, w, WMEL_DTYPE_F32, NULL, 1, 3, 1, 0, y, 16, -1) == WMEL_ERR_INVALID_ARG, "threads");
    /* inputs and the output must not overlap (wmel.h): refused before any work */
    CHECK(wmel_conv1d(x, 1, 1, 4, w, WMEL_DTYPE_F32, NULL, 1, 3, 1, 0, x + 3, 2, 1) == WMEL_ERR_INVALID_ARG, "y overlaps x");
    CHECK(wmel_conv1d(x, 1, 1, 4, w, WMEL_DTYPE_F32, NULL, 1, 3, 1, 0, w + 2, 2, 1) == WMEL_ERR_INVALID_ARG, "y overlaps w");
    CHECK(wmel_conv1d(x, 1, 1, 4, w, WMEL_DTYPE_F32, y + 1, 1, 3, 1, 0, y, 2, 1) == WMEL_ERR_INVALID_ARG, "y overlaps bias");
    CHECK(wmel_conv1d(x, 1, 1, 4, w, WMEL_DTYPE_F32, NULL, 1, 3, 1, 0, x + 4, 2, 1) == WMEL_OK, "y right after x");

    /* every GEMM path */
    const char *paths[][2] = {{"auto", NULL}, {"own", "c"}, {"own", "avx2"}, {"own", "avx512"}};
    for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++) {
        if (!strcmp(paths[p][0], "own")) t_setenv("WMEL_STEM_GEMM", "own", 1);
        if (paths[p][1]) t_setenv("WMEL_MAX_ISA", paths[p][1], 1);
        char label[64];
        snprintf(label, sizeof label, "%s/%s", paths[p][0], paths[p][1] ? paths[p][1] : "-");
        sweep(label);
        t_unsetenv("WMEL_STEM_GEMM");
        t_unsetenv("WMEL_MAX_ISA");
    }
    return t_done("test_conv1d");
}
