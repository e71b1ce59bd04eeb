/*
 * _wmel_common.c -- the helpers the files of the extension wmel._wmel share (_wmel.h): a
 * library status as a Python exception, the buffers that carry samples in and features out,
 * and the one-thread-at-a-time rule of the live objects. The module (_wmel_module.c) and
 * each object type's file call them; they call none of those files.
 */
#include "_wmel.h"

#include <string.h>

/* ------------------------------------------------------------------ errors */

/* Maps a wmel_status to the Python exception a caller would expect. */
static PyObject *status_exc_type(int st)
{
    switch (st) {
    case WMEL_ERR_NO_MEMORY: return PyExc_MemoryError;
    case WMEL_ERR_IO: return PyExc_OSError;
    case WMEL_ERR_BACKEND_UNAVAILABLE:
    case WMEL_ERR_THREAD:
    case WMEL_ERR_CUDA:
    case WMEL_ERR_VULKAN:
    case WMEL_ERR_DECODER:
    case WMEL_ERR_NOT_BUILT:
        return PyExc_RuntimeError;
    default:
        return PyExc_ValueError; /* bad arguments or bad data */
    }
}

/* Raises for status st. msg (may be NULL or empty) is the library's detailed message;
 * otherwise wmel_strerror(st) is used. The exception carries the status as its `status`
 * attribute (an int, one of the module's ERR_* constants), so that a caller can tell a
 * refusal from a failure without reading the message. Returns NULL for
 * `return wmelpy_raise_status(...)`. */
PyObject *wmelpy_raise_status(int st, const char *what, const char *msg)
{
    const char *text = (msg && *msg) ? msg : wmel_strerror(st);
    PyObject *type = status_exc_type(st);
    PyObject *s = what ? PyUnicode_FromFormat("%s: %s", what, text) : PyUnicode_FromString(text);
    PyObject *exc = s ? PyObject_CallFunctionObjArgs(type, s, NULL) : NULL;
    Py_XDECREF(s);
    PyObject *code = exc ? PyLong_FromLong(st) : NULL;
    if (!code || PyObject_SetAttrString(exc, "status", code) < 0) {
        Py_XDECREF(code);
        Py_XDECREF(exc);
        return NULL; /* the error raised on the way (MemoryError) stands */
    }
    Py_DECREF(code);
    PyErr_SetObject(type, exc);
    Py_DECREF(exc);
    return NULL;
}

/* ------------------------------------------------------------------ buffers */

/* The element kind of a buffer's struct format: 'f' float32, 'h' int16, 0 other. */
static int buffer_kind(const Py_buffer *v)
{
    const char *f = v->format ? v->format : "B";
    if (*f == '@' || *f == '=' || *f == '<') f++; /* native or little-endian */
    if (!strcmp(f, "f") && v->itemsize == 4) return 'f';
    if (!strcmp(f, "h") && v->itemsize == 2) return 'h';
    return 0;
}

/* Gets a C-contiguous buffer of float32 (or also int16 when allow_s16). */
int wmelpy_get_pcm(PyObject *o, Py_buffer *v, int allow_s16, const char *name)
{
    if (PyObject_GetBuffer(o, v, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: expected a C-contiguous float32%s buffer",
                     name, allow_s16 ? " or int16" : "");
        return -1;
    }
    int k = buffer_kind(v);
    if (k == 'f' || (k == 'h' && allow_s16)) return k;
    PyErr_Format(PyExc_TypeError, "%s: expected float32%s samples, got buffer format '%s'",
                 name, allow_s16 ? " or int16" : "", v->format ? v->format : "B");
    PyBuffer_Release(v);
    return -1;
}

/* Gets a writable C-contiguous float32 buffer holding at least `need` floats. */
int wmelpy_get_out(PyObject *o, Py_buffer *v, size_t need)
{
    if (PyObject_GetBuffer(o, v, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "out: expected a writable C-contiguous float32 buffer");
        return -1;
    }
    if (buffer_kind(v) != 'f') {
        PyErr_Format(PyExc_TypeError, "out: expected float32, got buffer format '%s'",
                     v->format ? v->format : "B");
        PyBuffer_Release(v);
        return -1;
    }
    if ((size_t)v->len / 4 < need) {
        PyErr_Format(PyExc_ValueError, "out: holds %zd floats, the result needs %zu",
                     v->len / 4, need);
        PyBuffer_Release(v);
        return -1;
    }
    return 0;
}

int wmelpy_check_size(Py_ssize_t v, const char *name)
{
    if (v < 0) {
        PyErr_Format(PyExc_ValueError, "%s must be >= 0, got %zd", name, v);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ live objects */

/* Takes the object for one call that releases the GIL: a second thread that reaches
 * the same object meanwhile gets an error instead of a data race. */
int wmelpy_live_enter(int *busy, const char *name)
{
    if (*busy) {
        PyErr_Format(PyExc_RuntimeError, "%s: in use by another thread (one thread at a time "
                     "per object; use one object per thread)", name);
        return -1;
    }
    *busy = 1;
    return 0;
}

/* push(samples) of a live object: the float32 samples handed to fn(obj, ...) without the
 * GIL, the object marked busy meanwhile; 0, or -1 with the exception set. */
int wmelpy_live_push(PyObject *args, int *busy, const char *type, wmelpy_live_push_fn fn,
                     void *obj)
{
    PyObject *pcm_o;
    if (!PyArg_ParseTuple(args, "O:push", &pcm_o)) return -1;
    Py_buffer in;
    if (wmelpy_get_pcm(pcm_o, &in, 0, "samples") < 0) return -1;
    if (wmelpy_live_enter(busy, type) < 0) {
        PyBuffer_Release(&in);
        return -1;
    }
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = fn(obj, (const float *)in.buf, (size_t)in.len / 4);
    Py_END_ALLOW_THREADS
    *busy = 0;
    PyBuffer_Release(&in);
    if (st) {
        wmelpy_raise_status(st, "push", NULL);
        return -1;
    }
    return 0;
}
