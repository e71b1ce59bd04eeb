/*
 * conv.c -- the pieces of a Whisper encoder stem that need no weights file: conv1d in
 * PyTorch's NCL layout (torch.nn.functional.conv1d: zero padding, out_len =
 * (L + 2 pad - k) / stride + 1), whisper's sinusoids(length, channels) positional
 * table, and the 3x3 average smoothing of a [rows][cols] spectrogram
 * (torch.nn.functional.avg_pool2d(x[None], 3, stride=1, padding=1), count_include_pad:
 * zeros outside the edges, always divided by 9). Half-precision weights are widened to
 * float32; accumulation is float32 (in the GEMM) throughout.
 *
 * conv1d is a GEMM on an implicit im2col view: with the input transposed to time-major
 * and zero-padded, output step t reads k consecutive rows starting at row t * stride,
 * i.e. one contiguous run of k * c_in floats, so A = the padded signal with row stride
 * stride * c_in, and B = the weights permuted to [c_out][k][c_in].
 */
#include "stem/stem_internal.h"
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

float wmel__f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu, bits;
    if (e == 0) {
        if (m == 0) {
            bits = sign;
        } else { /* subnormal: renormalise */
            e = 113;
            while (!(m & 0x400u)) {
                m <<= 1;
                e--;
            }
            bits = sign | (e << 23) | ((m & 0x3ffu) << 13);
        }
    } else if (e == 31) {
        bits = sign | 0x7f800000u | (m << 13);
    } else {
        bits = sign | ((e + 112) << 23) | (m << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

float wmel__bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

void wmel__to_f32(const void *src, int dtype, size_t n, float *dst)
{
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++) {
        if (dtype == WMEL_DTYPE_F32) {
            uint32_t b = (uint32_t)s[4 * i] | (uint32_t)s[4 * i + 1] << 8 |
                         (uint32_t)s[4 * i + 2] << 16 | (uint32_t)s[4 * i + 3] << 24;
            memcpy(&dst[i], &b, 4);
        } else {
            uint16_t h = (uint16_t)(s[2 * i] | s[2 * i + 1] << 8);
            dst[i] = dtype == WMEL_DTYPE_F16 ? wmel__f16_to_f32(h) : wmel__bf16_to_f32(h);
        }
    }
}

size_t wmel_conv1d_out_len(size_t len, size_t k, size_t stride, size_t pad)
{
    if (k == 0 || stride == 0 || pad > (SIZE_MAX - len) / 2) return 0;
    size_t padded = len + 2 * pad;
    if (padded < k) return 0;
    return (padded - k) / stride + 1;
}

int wmel_conv1d(const float *x, size_t batch, size_t c_in, size_t len, const void *w,
                int w_dtype, const float *bias, size_t c_out, size_t k, size_t stride,
                size_t pad, float *y, size_t y_len, int n_threads)
{
    if (wmel__dtype_size(w_dtype) == 0 || c_in == 0 || c_out == 0 || n_threads < 0)
        return WMEL_ERR_INVALID_ARG;
    size_t lout = wmel_conv1d_out_len(len, k, stride, pad);
    if (lout == 0) return WMEL_ERR_INVALID_ARG;
    if (!w || !y || (batch && len && !x)) return WMEL_ERR_NULL_POINTER;
    size_t kk = k * c_in, rows = (lout - 1) * stride + k;
    if (k > SIZE_MAX / c_in || c_out > SIZE_MAX / kk || lout > SIZE_MAX / c_out ||
        (batch && lout * c_out > SIZE_MAX / batch) || rows > SIZE_MAX / sizeof(float) / c_in ||
        (lout - 1) > SIZE_MAX / stride)
        return WMEL_ERR_OVERFLOW;
    if (y_len < batch * c_out * lout) return WMEL_ERR_BUFFER_TOO_SMALL;
    if (batch == 0) return WMEL_OK;
    {
        const size_t yb = wmel__bytes(batch * c_out * lout, sizeof(float));
        const size_t xb = len && c_in > SIZE_MAX / len ? SIZE_MAX : wmel__bytes(batch, wmel__bytes(c_in * len, sizeof(float)));
        if (wmel__overlap(x, xb, y, yb) ||
            wmel__overlap(w, wmel__bytes(c_out * kk, wmel__dtype_size(w_dtype)), y, yb) ||
            wmel__overlap(bias, wmel__bytes(c_out, sizeof(float)), y, yb))
            return WMEL_ERR_INVALID_ARG;
    }

    float *wf = malloc(c_out * kk * sizeof(float));
    float *wp = malloc(c_out * kk * sizeof(float));
    float *xt = wmel__aligned_alloc(rows * c_in * sizeof(float));
    float *ct = wmel__aligned_alloc(lout * c_out * sizeof(float));
    wmel_gemm_b g;
    int rc = WMEL_ERR_NO_MEMORY;
    memset(&g, 0, sizeof g);
    if (!wf || !wp || !xt || !ct) goto out;
    wmel__to_f32(w, w_dtype, c_out * kk, wf);
    for (size_t o = 0; o < c_out; o++) /* [c_out][c_in][k] -> [c_out][k][c_in] */
        for (size_t i = 0; i < c_in; i++)
            for (size_t j = 0; j < k; j++) wp[o * kk + j * c_in + i] = wf[o * kk + i * k + j];
    rc = wmel__gemm_b_init(&g, wp, c_out, kk, 0);
    if (rc) goto out;
    wmel_epilogue ep = {bias, 0, NULL, 0};
    for (size_t b = 0; b < batch; b++) {
        const float *xb = x + b * c_in * len;
        for (size_t r = 0; r < rows; r++) { /* padded row r is input time r - pad */
            float *dst = xt + r * c_in;
            if (r < pad || r - pad >= len)
                memset(dst, 0, c_in * sizeof(float));
            else
                for (size_t i = 0; i < c_in; i++) dst[i] = xb[i * len + (r - pad)];
        }
        rc = wmel__gemm(&g, xt, stride * c_in, lout, ct, c_out, &ep, n_threads, NULL);
        if (rc) goto out;
        float *yb = y + b * c_out * lout;
        for (size_t t = 0; t < lout; t++)
            for (size_t o = 0; o < c_out; o++) yb[o * lout + t] = ct[t * c_out + o];
    }
out:
    wmel__gemm_b_free(&g);
    free(wf);
    free(wp);
    wmel__aligned_free(xt);
    wmel__aligned_free(ct);
    return rc;
}

int wmel_sinusoids(size_t length, size_t channels, float *out, size_t out_len)
{
    if (channels < 4 || channels % 2) return WMEL_ERR_INVALID_ARG;
    if (!out) return WMEL_ERR_NULL_POINTER;
    if (length > SIZE_MAX / channels) return WMEL_ERR_OVERFLOW;
    if (out_len < length * channels) return WMEL_ERR_BUFFER_TOO_SMALL;
    /* whisper computes this table in float32 torch ops; each step is rounded to float
     * here the same way (exp, product, sin/cos each correctly rounded from double). */
    size_t half = channels / 2;
    float inc = (float)(log(10000.0) / (double)(half - 1));
    for (size_t t = 0; t < length; t++) {
        float *row = out + t * channels;
        for (size_t i = 0; i < half; i++) {
            float inv = (float)exp((double)(-inc * (float)i));
            float s = (float)t * inv;
            row[i] = (float)sin((double)s);
            row[half + i] = (float)cos((double)s);
        }
    }
    return WMEL_OK;
}

int wmel_smooth3x3(const float *in, size_t rows, size_t cols, float *out, size_t out_len)
{
    if (rows == 0 || cols == 0) return WMEL_OK;
    if (!in || !out) return WMEL_ERR_NULL_POINTER;
    if (cols > SIZE_MAX / rows / 3 / sizeof(double)) return WMEL_ERR_OVERFLOW;
    if (out_len < rows * cols) return WMEL_ERR_BUFFER_TOO_SMALL;
    /* the same buffer is fine; a shifted one would be read after it was written */
    if (in != out && wmel__overlap(in, rows * cols * sizeof(float), out, rows * cols * sizeof(float)))
        return WMEL_ERR_INVALID_ARG;
    /* horizontal 3-sums of the rows above, at and below the one being written; keeping
     * them lets out == in (the row above is summed before it is overwritten) */
    double *h = malloc(3 * cols * sizeof(double));
    if (!h) return WMEL_ERR_NO_MEMORY;
    double *prev = h, *cur = h + cols, *next = h + 2 * cols;
    memset(prev, 0, cols * sizeof(double));
    for (int s = 0; s < 2; s++) {
        double *dst = s ? next : cur;
        if (s && rows < 2) {
            memset(dst, 0, cols * sizeof(double));
            break;
        }
        const float *src = in + (size_t)s * cols;
        for (size_t c = 0; c < cols; c++)
            dst[c] = (c ? (double)src[c - 1] : 0.0) + (double)src[c] +
                     (c + 1 < cols ? (double)src[c + 1] : 0.0);
    }
    for (size_t r = 0; r < rows; r++) {
        float *o = out + r * cols;
        for (size_t c = 0; c < cols; c++) o[c] = (float)((prev[c] + cur[c] + next[c]) / 9.0);
        double *t = prev;
        prev = cur;
        cur = next;
        next = t;
        if (r + 2 < rows) {
            const float *src = in + (r + 2) * cols;
            for (size_t c = 0; c < cols; c++)
                next[c] = (c ? (double)src[c - 1] : 0.0) + (double)src[c] +
                          (c + 1 < cols ? (double)src[c + 1] : 0.0);
        } else {
            memset(next, 0, cols * sizeof(double));
        }
    }
    free(h);
    return WMEL_OK;
}
