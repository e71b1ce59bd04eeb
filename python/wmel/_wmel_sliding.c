/*
 * _wmel_sliding.c -- the Sliding and SlidingView types of wmel._wmel (wmel.SlidingBuffer).
 */
#include "_wmel.h"

#include <string.h>

/* Sliding(ctx): wmel_sliding_* over the ctx (kept alive). */
typedef struct {
    PyObject_HEAD
    wmel_sliding *b;
    PyObject *ctx;
    int n_mels;
    int busy;
    Py_ssize_t views;      /* SlidingView objects alive over the buffer's view memory */
} SlidingObject;

static PyObject *Sliding_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    PyObject *ctx_o;
    (void)kw;
    if (!PyArg_ParseTuple(args, "O:Sliding", &ctx_o)) return NULL;
    if (!wmelpy_CtxType || !PyObject_TypeCheck(ctx_o, (PyTypeObject *)wmelpy_CtxType)) {
        PyErr_SetString(PyExc_TypeError, "Sliding: ctx must be a wmel._wmel.Ctx");
        return NULL;
    }
    int st = WMEL_OK;
    wmel_sliding *b = wmel_sliding_create(((CtxObject *)ctx_o)->ctx, &st);
    if (!b) return wmelpy_raise_status(st, "Sliding", NULL);
    allocfunc alloc = (allocfunc)PyType_GetSlot(tp, Py_tp_alloc);
    SlidingObject *self = (SlidingObject *)alloc(tp, 0);
    if (!self) {
        wmel_sliding_destroy(b);
        return NULL;
    }
    self->b = b;
    self->ctx = Py_NewRef(ctx_o);
    self->n_mels = ((CtxObject *)ctx_o)->n_mels;
    return (PyObject *)self;
}

/* The shape of features(padding) for the samples held, or NULL with the error raised. */
static int sliding_shape(SlidingObject *self, Py_ssize_t padding, size_t *rows, size_t *cols)
{
    int st = wmel_sliding_shape(self->b, (size_t)padding, rows, cols);
    if (st == WMEL_ERR_INVALID_ARG) {
        PyErr_SetString(PyExc_ValueError, "features: padding applies to the whisper front-end "
                                          "only (0 for the others)");
        return -1;
    }
    if (st) {
        wmelpy_raise_status(st, "features", NULL);
        return -1;
    }
    return 0;
}

/* shape(padding) -> (rows, cols) of features(padding) */
static PyObject *Sliding_shape(PyObject *s, PyObject *args)
{
    Py_ssize_t padding;
    size_t rows, cols;
    if (!PyArg_ParseTuple(args, "n:shape", &padding)) return NULL;
    if (wmelpy_check_size(padding, "padding") < 0) return NULL;
    if (sliding_shape((SlidingObject *)s, padding, &rows, &cols) < 0) return NULL;
    return Py_BuildValue("(nn)", (Py_ssize_t)rows, (Py_ssize_t)cols);
}

static void Sliding_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    SlidingObject *o = (SlidingObject *)self;
    wmel_sliding_destroy(o->b);
    Py_XDECREF(o->ctx);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(self);
    Py_DECREF(tp);
}

static int sliding_push_fn(void *b, const float *pcm, size_t n) { return wmel_sliding_push(b, pcm, n); }

/* push(float32 samples) */
static PyObject *Sliding_push(PyObject *s, PyObject *args)
{
    SlidingObject *self = (SlidingObject *)s;
    if (wmelpy_live_push(args, &self->busy, "SlidingBuffer", sliding_push_fn, self->b) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* trim(n) */
static PyObject *Sliding_trim(PyObject *s, PyObject *args)
{
    SlidingObject *self = (SlidingObject *)s;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "n:trim", &n)) return NULL;
    if (wmelpy_check_size(n, "n_samples") < 0) return NULL;
    size_t have = wmel_sliding_length(self->b);
    if ((size_t)n > have) {
        PyErr_Format(PyExc_ValueError, "trim(%zd): the buffer holds only %zu samples", n, have);
        return NULL;
    }
    if (wmelpy_live_enter(&self->busy, "SlidingBuffer") < 0) return NULL;
    int st = wmel_sliding_trim(self->b, (size_t)n);
    self->busy = 0;
    if (st) return wmelpy_raise_status(st, "trim", NULL);
    Py_RETURN_NONE;
}

/* features(padding, out): out holds n_mels * n_frames(padding) floats */
static PyObject *Sliding_features(PyObject *s, PyObject *args)
{
    SlidingObject *self = (SlidingObject *)s;
    PyObject *out_o;
    Py_ssize_t padding;
    if (!PyArg_ParseTuple(args, "nO:features", &padding, &out_o)) return NULL;
    if (wmelpy_check_size(padding, "padding") < 0) return NULL;
    Py_buffer out;
    size_t rows, cols;
    if (sliding_shape(self, padding, &rows, &cols) < 0) return NULL;
    if (wmelpy_get_out(out_o, &out, rows * cols) < 0) return NULL;
    if (wmelpy_live_enter(&self->busy, "SlidingBuffer") < 0) {
        PyBuffer_Release(&out);
        return NULL;
    }
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_sliding_features(self->b, (size_t)padding, (float *)out.buf, (size_t)out.len / 4);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    PyBuffer_Release(&out);
    if (st) return wmelpy_raise_status(st, "features", NULL);
    Py_RETURN_NONE;
}

/* samples(out): copies the samples held into out (len(self) floats) */
static PyObject *Sliding_samples(PyObject *s, PyObject *args)
{
    SlidingObject *self = (SlidingObject *)s;
    PyObject *out_o;
    if (!PyArg_ParseTuple(args, "O:samples", &out_o)) return NULL;
    size_t n = wmel_sliding_length(self->b);
    Py_buffer out;
    if (wmelpy_get_out(out_o, &out, n) < 0) return NULL;
    if (n) memcpy(out.buf, wmel_sliding_samples(self->b), n * sizeof(float));
    PyBuffer_Release(&out);
    Py_RETURN_NONE;
}

static PyObject *Sliding_n_frames(PyObject *s, PyObject *args)
{
    Py_ssize_t padding;
    if (!PyArg_ParseTuple(args, "n:n_frames", &padding)) return NULL;
    if (wmelpy_check_size(padding, "padding") < 0) return NULL;
    return PyLong_FromSize_t(wmel_sliding_n_frames(((SlidingObject *)s)->b, (size_t)padding));
}

static PyObject *Sliding_length(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromSize_t(wmel_sliding_length(((SlidingObject *)s)->b));
}

/* stats -> (frames_computed, calls, regrids, bytes, renorms) */
static PyObject *Sliding_stats(PyObject *s, void *c)
{
    (void)c;
    wmel_sliding_stats st;
    wmel_sliding_stats_get(((SlidingObject *)s)->b, &st);
    return Py_BuildValue("(nnnnn)", (Py_ssize_t)st.frames_computed, (Py_ssize_t)st.calls,
                         (Py_ssize_t)st.regrids, (Py_ssize_t)st.bytes, (Py_ssize_t)st.renorms);
}

/* SlidingView: the memory of one wmel_sliding_view() call exported read-only through
 * the buffer protocol (2-D float32, rows row_stride floats apart). It keeps its Sliding
 * alive and counted in Sliding.views; the library leaves that memory alone until the next
 * wmel_sliding_view() call, which Sliding.view() refuses while any SlidingView lives. */
typedef struct {
    PyObject_HEAD
    SlidingObject *owner;
    const float *data;
    Py_ssize_t shape[2], strides[2];
} SlidingViewObject;

static PyObject *SlidingViewType; /* set at module init */

static int SlidingView_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    SlidingViewObject *v = (SlidingViewObject *)self;
    const int contiguous = v->shape[0] <= 1 || v->strides[0] == v->shape[1] * 4;
    if (flags & PyBUF_WRITABLE) {
        PyErr_SetString(PyExc_BufferError, "SlidingBuffer.features(copy=False): read-only");
        view->obj = NULL;
        return -1;
    }
    if (!contiguous && ((flags & PyBUF_STRIDES) != PyBUF_STRIDES ||
                        (flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS ||
                        (flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS ||
                        (flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS)) {
        PyErr_SetString(PyExc_BufferError, "SlidingBuffer.features(copy=False): a strided "
                                            "array (rows apart by more than their length)");
        view->obj = NULL;
        return -1;
    }
    view->buf = (void *)v->data;
    view->obj = Py_NewRef(self);
    view->len = v->shape[0] * v->shape[1] * 4;
    view->readonly = 1;
    view->itemsize = 4;
    view->format = (flags & PyBUF_FORMAT) ? "f" : NULL;
    view->ndim = 2;
    view->shape = (flags & PyBUF_ND) ? v->shape : NULL;
    view->strides = (flags & PyBUF_STRIDES) ? v->strides : NULL;
    view->suboffsets = NULL;
    view->internal = NULL;
    return 0;
}

static void SlidingView_releasebuffer(PyObject *self, Py_buffer *view)
{
    (void)self;
    (void)view;
}

static void SlidingView_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    SlidingViewObject *v = (SlidingViewObject *)self;
    if (v->owner) {
        v->owner->views--;
        Py_DECREF((PyObject *)v->owner);
    }
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(self);
    Py_DECREF(tp);
}

static PyType_Slot SlidingView_slots[] = {
    {Py_tp_doc, "the features of a SlidingBuffer without a copy (read-only, strided)"},
    {Py_tp_dealloc, SlidingView_dealloc},
    {Py_bf_getbuffer, SlidingView_getbuffer},
    {Py_bf_releasebuffer, SlidingView_releasebuffer},
    {0, NULL},
};

static PyType_Spec SlidingView_spec = {
    "wmel._wmel.SlidingView", sizeof(SlidingViewObject), 0, Py_TPFLAGS_DEFAULT,
    SlidingView_slots,
};

/* view(padding) -> SlidingView of wmel_sliding_view() */
static PyObject *Sliding_view(PyObject *s, PyObject *args)
{
    SlidingObject *self = (SlidingObject *)s;
    Py_ssize_t padding;
    if (!PyArg_ParseTuple(args, "n:view", &padding)) return NULL;
    if (wmelpy_check_size(padding, "padding") < 0) return NULL;
    size_t rows, cols;
    if (sliding_shape(self, padding, &rows, &cols) < 0) return NULL;
    if (self->views) {
        PyErr_SetString(PyExc_BufferError,
                        "features(copy=False): an array from an earlier features(copy=False) of "
                        "this buffer is still referenced, and this call rewrites its memory: "
                        "del it first (or use copy=True)");
        return NULL;
    }
    PyTypeObject *tp = (PyTypeObject *)SlidingViewType;
    allocfunc alloc = (allocfunc)PyType_GetSlot(tp, Py_tp_alloc);
    SlidingViewObject *v = (SlidingViewObject *)alloc(tp, 0);
    if (!v) return NULL;
    if (wmelpy_live_enter(&self->busy, "SlidingBuffer") < 0) {
        Py_DECREF((PyObject *)v);
        return NULL;
    }
    const float *data = NULL;
    size_t stride = 0;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_sliding_view(self->b, (size_t)padding, &data, &rows, &cols, &stride);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    if (st) {
        Py_DECREF((PyObject *)v);
        return wmelpy_raise_status(st, "features", NULL);
    }
    if (rows > (size_t)PY_SSIZE_T_MAX / 4 / (cols ? cols : 1) ||
        stride > (size_t)PY_SSIZE_T_MAX / 4) {
        Py_DECREF((PyObject *)v);
        return wmelpy_raise_status(WMEL_ERR_OVERFLOW, "features", NULL);
    }
    v->owner = (SlidingObject *)Py_NewRef(s);
    self->views++;
    v->data = data;
    v->shape[0] = (Py_ssize_t)rows;
    v->shape[1] = (Py_ssize_t)cols;
    v->strides[0] = (Py_ssize_t)stride * 4;
    v->strides[1] = 4;
    return (PyObject *)v;
}

static PyMethodDef Sliding_methods[] = {
    {"push", Sliding_push, METH_VARARGS, "push(float32 samples)"},
    {"trim", Sliding_trim, METH_VARARGS, "trim(n): drops the first n samples"},
    {"features", Sliding_features, METH_VARARGS, "features(padding, out)"},
    {"view", Sliding_view, METH_VARARGS, "view(padding) -> SlidingView: features without a copy"},
    {"samples", Sliding_samples, METH_VARARGS, "samples(out): the samples held"},
    {"n_frames", Sliding_n_frames, METH_VARARGS, "n_frames(padding)"},
    {"shape", Sliding_shape, METH_VARARGS, "shape(padding) -> (rows, cols) of features()"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Sliding_getset[] = {
    {"length", Sliding_length, NULL, "samples held", NULL},
    {"stats", Sliding_stats, NULL, "(frames_computed, calls, regrids, bytes, renorms)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot Sliding_slots[] = {
    {Py_tp_doc, "Sliding(ctx): wmel_sliding_* (see wmel.SlidingBuffer)"},
    {Py_tp_new, Sliding_new},
    {Py_tp_dealloc, Sliding_dealloc},
    {Py_tp_methods, Sliding_methods},
    {Py_tp_getset, Sliding_getset},
    {0, NULL},
};

static PyType_Spec Sliding_spec = {
    "wmel._wmel.Sliding", sizeof(SlidingObject), 0, Py_TPFLAGS_DEFAULT, Sliding_slots,
};

/* Adds SlidingView and Sliding to the module. */
int wmelpy_sliding_init(PyObject *m)
{
    SlidingViewType = PyType_FromSpec(&SlidingView_spec);
    if (!SlidingViewType) return -1;
    Py_INCREF(SlidingViewType); /* one reference kept in the static pointer */
    if (PyModule_AddObject(m, "SlidingView", SlidingViewType) < 0) {
        Py_DECREF(SlidingViewType);
        return -1;
    }
    PyObject *sl_t = PyType_FromSpec(&Sliding_spec);
    if (!sl_t || PyModule_AddObject(m, "Sliding", sl_t) < 0) {
        Py_XDECREF(sl_t);
        return -1;
    }
    return 0;
}
