/*
 * _fixed.c -- the integer front-end (wmel_fx.h) in the extension: one call,
 * fx_log_mel(pcm_int16, n_mels, kind, out), that runs a whole clip through the
 * streaming API in batches of 64 frames and writes [n_mels][n // 160] into out:
 * kind 0 raw log10 (int16 Q11), 1 normalised int16 (Q13), 2 normalised int8 (scale 1/64,
 * zero point -32). wmel/fixed.py is the Python face. The GIL is released while it runs.
 */
#include "_wmel.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wmel_fx.h"
#include "../../support/fx_clip.h"

static const char *fmt(const Py_buffer *v)
{
    const char *f = v->format ? v->format : "B";
    if (*f == '@' || *f == '=' || *f == '<' || *f == '|') f++;
    return f;
}

PyObject *wmelpy_fx_log_mel(PyObject *m, PyObject *args)
{
    (void)m;
    PyObject *pcm_o, *out_o;
    int n_mels, kind;
    if (!PyArg_ParseTuple(args, "OiiO:fx_log_mel", &pcm_o, &n_mels, &kind, &out_o)) return NULL;
    if ((n_mels != 80 && n_mels != 128) || kind < 0 || kind > 2) {
        PyErr_SetString(PyExc_ValueError, "fx_log_mel: n_mels must be 80 or 128, kind 0..2");
        return NULL;
    }
    Py_buffer in, out;
    if (PyObject_GetBuffer(pcm_o, &in, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    if (strcmp(fmt(&in), "h") || in.itemsize != 2) {
        PyErr_Format(PyExc_TypeError, "audio: expected int16 samples, got buffer format '%s'", fmt(&in));
        PyBuffer_Release(&in);
        return NULL;
    }
    if (PyObject_GetBuffer(out_o, &out, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&in);
        return NULL;
    }
    size_t n = (size_t)in.len / 2, count = (size_t)n_mels * (n / WMEL_HOP);
    size_t elem = kind == 2 ? 1 : 2;
    if (strcmp(fmt(&out), kind == 2 ? "b" : "h") || (size_t)out.len < count * elem) {
        PyErr_Format(PyExc_ValueError, "out: needs %zu %s values", count, kind == 2 ? "int8" : "int16");
        PyBuffer_Release(&in);
        PyBuffer_Release(&out);
        return NULL;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS
    int16_t *raw = kind == 2 ? malloc(count * sizeof(int16_t) + 1) : (int16_t *)out.buf;
    if (!raw) rc = WMEL_ERR_NO_MEMORY;
    else if (n <= 200) rc = WMEL_ERR_TOO_SHORT;
    else rc = wmel_fx_clip((const int16_t *)in.buf, n, n_mels, raw);
    if (rc == 0 && kind) {
        int16_t mx = wmel_fx_max_of(raw, count);
        if (kind == 1) wmel_fx_normalize_i16(raw, count, mx, raw);
        else wmel_fx_normalize_i8(raw, count, mx, (int8_t *)out.buf);
    }
    if (kind == 2) free(raw);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&in);
    PyBuffer_Release(&out);
    if (rc) {
        PyErr_Format(rc == WMEL_ERR_NO_MEMORY ? PyExc_MemoryError : PyExc_ValueError, "%s",
                     wmel_strerror(rc));
        return NULL;
    }
    Py_RETURN_NONE;
}
