/*
 * _wmel_windows.c -- the Windows type of wmel._wmel: transcribe()'s 30 s windows.
 */
#include "_wmel.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ Windows type */

/* transcribe()'s 30 s windows from a file (bounded memory: libwmel spills raw features
 * to a temporary file) or from float32 samples. Keeps its Ctx alive. */
typedef struct {
    PyObject_HEAD
    wmel_windows *w;
    PyObject *ctx;
    int n_mels;
} WindowsObject;

static PyObject *Windows_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    PyObject *ctx_o, *src;
    (void)kw;
    if (!PyArg_ParseTuple(args, "OO:Windows", &ctx_o, &src)) return NULL;
    if (!wmelpy_CtxType || !PyObject_TypeCheck(ctx_o, (PyTypeObject *)wmelpy_CtxType)) {
        PyErr_SetString(PyExc_TypeError, "Windows: ctx must be a wmel._wmel.Ctx");
        return NULL;
    }
    CtxObject *c = (CtxObject *)ctx_o;
    wmel_windows *w = NULL;
    int st = WMEL_OK;
    char err[512] = "", warn[512] = "";
    if (PyUnicode_Check(src) || PyBytes_Check(src) || PyObject_HasAttrString(src, "__fspath__")) {
        PyObject *path_o = NULL;
        if (!PyUnicode_FSConverter(src, &path_o)) return NULL;
        const char *path = PyBytes_AsString(path_o);
        if (path) {
            py_intr pi = {0, 0};
            Py_BEGIN_ALLOW_THREADS
            wmel_decoder *d = wmel_decoder_open_interruptible(path, NULL, 0, wmelpy_interrupt, &pi,
                                                              &st, err, sizeof err);
            if (d) {
                w = wmel_windows_open_decoder(c->ctx, d, NULL, NULL, &st, err, sizeof err);
                static const char anon[] = "decoded audio: ";
                if (!w && !strncmp(err, anon, sizeof anon - 1)) {
                    char why[512]; /* the message names the file, not "decoded audio" */
                    snprintf(why, sizeof why, "%s", err + sizeof anon - 1);
                    snprintf(err, sizeof err, "%s: %.200s", path, why);
                }
                snprintf(warn, sizeof warn, "%s", wmel_decoder_warning(d));
                wmel_decoder_close(d);
            }
            Py_END_ALLOW_THREADS
            if (!w && pi.raised) {
                if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
            } else if (!w) {
                wmelpy_read_result(st ? st : WMEL_ERR_IO, NULL, 0, path, err, NULL);
            }
        }
        Py_DECREF(path_o);
        if (!w) return NULL;
        if (*warn && PyErr_WarnEx(PyExc_RuntimeWarning, warn, 1) < 0) {
            wmel_windows_close(w);
            return NULL;
        }
    } else {
        Py_buffer in;
        if (wmelpy_get_pcm(src, &in, 0, "audio") < 0) return NULL;
        size_t n = (size_t)in.len / 4;
        if (n == 0) {
            PyBuffer_Release(&in);
            return wmelpy_raise_status(WMEL_ERR_NO_SAMPLES, NULL, NULL);
        }
        Py_BEGIN_ALLOW_THREADS
        w = wmel_windows_open_pcm(c->ctx, (const float *)in.buf, n, &st);
        Py_END_ALLOW_THREADS
        PyBuffer_Release(&in);
        if (!w) return wmelpy_raise_status(st, NULL, NULL);
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(tp, Py_tp_alloc);
    WindowsObject *self = (WindowsObject *)alloc(tp, 0);
    if (!self) {
        wmel_windows_close(w);
        return NULL;
    }
    self->w = w;
    self->ctx = Py_NewRef(ctx_o);
    self->n_mels = c->n_mels;
    return (PyObject *)self;
}

static void Windows_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    WindowsObject *o = (WindowsObject *)self;
    wmel_windows_close(o->w);
    Py_XDECREF(o->ctx);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(self);
    Py_DECREF(tp);
}

/* next(out) -> content frames of the window written to out (0 at the end). */
static PyObject *Windows_next(PyObject *s, PyObject *args)
{
    WindowsObject *self = (WindowsObject *)s;
    PyObject *out_o;
    if (!PyArg_ParseTuple(args, "O:next", &out_o)) return NULL;
    Py_buffer out;
    if (wmelpy_get_out(out_o, &out, (size_t)self->n_mels * WMEL_CHUNK_FRAMES) < 0) return NULL;
    size_t frames = 0;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_windows_next(self->w, (float *)out.buf, (size_t)out.len / 4, &frames);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&out);
    if (st) return wmelpy_raise_status(st, NULL, NULL);
    return PyLong_FromSize_t(frames);
}

static PyObject *Windows_count(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromSize_t(wmel_windows_count(((WindowsObject *)s)->w));
}

static PyObject *Windows_samples(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromSize_t(wmel_windows_samples(((WindowsObject *)s)->w));
}

static PyMethodDef Windows_methods[] = {
    {"next", Windows_next, METH_VARARGS, "next(out) -> content frames written to out (0 at the end)"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Windows_getset[] = {
    {"count", Windows_count, NULL, "number of windows", NULL},
    {"samples", Windows_samples, NULL, "samples of the input", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot Windows_slots[] = {
    {Py_tp_doc, "Windows(ctx, path_or_float32_samples): transcribe()'s 30 s windows"},
    {Py_tp_new, Windows_new},
    {Py_tp_dealloc, Windows_dealloc},
    {Py_tp_methods, Windows_methods},
    {Py_tp_getset, Windows_getset},
    {0, NULL},
};

static PyType_Spec Windows_spec = {
    "wmel._wmel.Windows", sizeof(WindowsObject), 0, Py_TPFLAGS_DEFAULT, Windows_slots,
};

/* Adds Windows to the module. */
int wmelpy_windows_init(PyObject *m)
{
    PyObject *win_t = PyType_FromSpec(&Windows_spec);
    if (!win_t || PyModule_AddObject(m, "Windows", win_t) < 0) {
        Py_XDECREF(win_t);
        return -1;
    }
    return 0;
}
