/*
 * _wmel.c -- the CPython binding of libwmel (include/wmel.h), written against the
 * Limited API of Python 3.11 so one abi3 wheel serves every later version.
 *
 * Arrays cross the boundary through the buffer protocol only: the Python layer
 * (wmel/__init__.py) allocates numpy outputs and passes them in as writable buffers,
 * and memory the library allocates (decoded audio) comes back as a `Buffer` object
 * that exports it without a copy. No numpy C API, so no numpy ABI pinning.
 * The GIL is released around every computation. Library failures become Python
 * exceptions that carry the library's own message; nothing here aborts.
 */
#ifndef Py_LIMITED_API /* CMake's USE_SABI sets it too */
#define Py_LIMITED_API 0x030B0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "wmel.h"

PyMODINIT_FUNC PyInit__wmel(void);

/* Every copy of libwmel has the decoder API (FFmpeg or WAV only: have_ffmpeg() says),
 * the windows iterator and the CUDA device entry (WMEL_ERR_NOT_BUILT without CUDA); the
 * module keeps these constants for the Python side. */
#define HAVE_DECODER 1
/* The optional parts of the libwmel this extension links (wmel.build_info()). */
#define BUILD_PARTS "" BUILD_PART_FFMPEG BUILD_PART_OPENBLAS BUILD_PART_CUDA
#ifdef WMEL_HAVE_OPENBLAS
#define BUILD_PART_OPENBLAS " openblas"
#else
#define BUILD_PART_OPENBLAS ""
#endif
#ifdef WMEL_HAVE_FFMPEG
#define BUILD_PART_FFMPEG " ffmpeg"
#else
#define BUILD_PART_FFMPEG ""
#endif
#ifdef WMEL_HAVE_CUDA
#define BUILD_PART_CUDA " cuda"
#else
#define BUILD_PART_CUDA ""
#endif
#define HAVE_WINDOWS 1
#define HAVE_CUDA_DEVICE 1

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
    case WMEL_ERR_DECODER:
    case WMEL_ERR_NOT_BUILT:
        return PyExc_RuntimeError;
    default:
        return PyExc_ValueError; /* bad arguments or bad data */
    }
}

/* Raises for status st. msg (may be NULL or empty) is the library's detailed message;
 * otherwise wmel_strerror(st) is used. Returns NULL for `return raise_status(...)`. */
static PyObject *raise_status(int st, const char *what, const char *msg)
{
    const char *text = (msg && *msg) ? msg : wmel_strerror(st);
    if (what)
        PyErr_Format(status_exc_type(st), "%s: %s", what, text);
    else
        PyErr_SetString(status_exc_type(st), text);
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
static int get_pcm(PyObject *o, Py_buffer *v, int allow_s16, const char *name)
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
static int get_out(PyObject *o, Py_buffer *v, size_t need)
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

/* ------------------------------------------------------------------ Buffer type */

/* Owns memory the library allocated (wmel_free) and exports it as 1-D float32. */
typedef struct {
    PyObject_HEAD
    float *data;
    Py_ssize_t n;
    Py_ssize_t shape[1];
    Py_ssize_t strides[1];
} BufferObject;

static PyObject *read_result(int st, float *data, size_t n, const char *path,
                             const char *err, const char *warn);

/* Ctrl-C during a long decode with the GIL released: the decoder asks between packets;
 * at most every 20 ms this takes the GIL for a moment and runs Python's signal handlers.
 * Once one raised (KeyboardInterrupt), the exception stays set and the decode stops. */
typedef struct py_intr {
    double last;
    int raised;
} py_intr;

static int py_interrupt(void *user)
{
    py_intr *pi = user;
    if (pi->raised) return 1;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    if (t - pi->last < 0.02) return 0;
    pi->last = t;
    PyGILState_STATE g = PyGILState_Ensure();
    if (PyErr_CheckSignals() < 0) pi->raised = 1;
    PyGILState_Release(g);
    return pi->raised;
}


static PyObject *BufferType; /* set at module init */
static PyObject *CtxType;    /* set at module init */

static PyObject *buffer_wrap(float *data, size_t n)
{
    PyTypeObject *tp = (PyTypeObject *)BufferType;
    allocfunc alloc = (allocfunc)PyType_GetSlot(tp, Py_tp_alloc);
    BufferObject *b = (BufferObject *)alloc(tp, 0);
    if (!b) {
        wmel_free(data);
        return NULL;
    }
    b->data = data;
    b->n = (Py_ssize_t)n;
    b->shape[0] = (Py_ssize_t)n;
    b->strides[0] = 4;
    return (PyObject *)b;
}

static int Buffer_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    BufferObject *b = (BufferObject *)self;
    (void)flags;
    view->buf = b->data;
    view->obj = Py_NewRef(self);
    view->len = b->n * 4;
    view->readonly = 0;
    view->itemsize = 4;
    view->format = (flags & PyBUF_FORMAT) ? "f" : NULL;
    view->ndim = 1;
    view->shape = (flags & PyBUF_ND) ? b->shape : NULL;
    view->strides = (flags & PyBUF_STRIDES) ? b->strides : NULL;
    view->suboffsets = NULL;
    view->internal = NULL;
    return 0;
}

static void Buffer_releasebuffer(PyObject *self, Py_buffer *view)
{
    (void)self;
    (void)view;
}

static void Buffer_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    wmel_free(((BufferObject *)self)->data);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(self);
    Py_DECREF(tp);
}

static PyObject *Buffer_len(PyObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromSsize_t(((BufferObject *)self)->n);
}

static PyGetSetDef Buffer_getset[] = {
    {"n", Buffer_len, NULL, "number of float32 samples", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot Buffer_slots[] = {
    {Py_tp_doc, "float32 samples allocated by libwmel, exported through the buffer protocol"},
    {Py_tp_dealloc, Buffer_dealloc},
    {Py_bf_getbuffer, Buffer_getbuffer},
    {Py_bf_releasebuffer, Buffer_releasebuffer},
    {Py_tp_getset, Buffer_getset},
    {0, NULL},
};

static PyType_Spec Buffer_spec = {
    "wmel._wmel.Buffer", sizeof(BufferObject), 0, Py_TPFLAGS_DEFAULT, Buffer_slots,
};

/* ------------------------------------------------------------------ front-end plans */

/* wmel_frontend_plan's fields by name: a plan crosses into Python as a dict. */
typedef struct {
    const char *name;
    size_t off;
    int is_double;
} plan_field;

#define PF_I(f) {#f, offsetof(wmel_frontend_plan, f), 0}
#define PF_D(f) {#f, offsetof(wmel_frontend_plan, f), 1}
static const plan_field PLAN_FIELDS[] = {
    PF_I(frontend), PF_I(sample_rate), PF_I(frame_length), PF_I(hop), PF_I(n_fft),
    PF_I(window), PF_I(framing), PF_I(remove_dc), PF_I(preemph_mode), PF_I(mel_scale),
    PF_I(mel_norm), PF_I(n_mels), PF_I(power), PF_I(log), PF_I(use_energy), PF_I(norm),
    PF_I(valid), PF_I(stack), PF_I(pad_to), PF_I(layout), PF_D(scale), PF_D(preemph),
    PF_D(low_freq), PF_D(high_freq), PF_D(log_guard), PF_D(norm_eps), PF_D(energy_floor),
};
#define N_PLAN_FIELDS (sizeof PLAN_FIELDS / sizeof PLAN_FIELDS[0])

static PyObject *plan_to_dict(const wmel_frontend_plan *pl)
{
    PyObject *d = PyDict_New();
    for (size_t i = 0; d && i < N_PLAN_FIELDS; i++) {
        const char *at = (const char *)pl + PLAN_FIELDS[i].off;
        PyObject *v = PLAN_FIELDS[i].is_double ? PyFloat_FromDouble(*(const double *)at)
                                               : PyLong_FromLong(*(const int *)at);
        if (!v || PyDict_SetItemString(d, PLAN_FIELDS[i].name, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(v);
    }
    return d;
}

/* A dict naming every field (no others) into *pl. */
static int plan_from_dict(PyObject *d, wmel_frontend_plan *pl)
{
    if (!PyDict_Check(d)) {
        PyErr_SetString(PyExc_TypeError, "plan: expected a dict of wmel_frontend_plan fields");
        return -1;
    }
    memset(pl, 0, sizeof *pl);
    for (size_t i = 0; i < N_PLAN_FIELDS; i++) {
        PyObject *v = PyDict_GetItemString(d, PLAN_FIELDS[i].name);
        if (!v) {
            PyErr_Format(PyExc_ValueError, "plan: the field '%s' is missing", PLAN_FIELDS[i].name);
            return -1;
        }
        char *at = (char *)pl + PLAN_FIELDS[i].off;
        if (PLAN_FIELDS[i].is_double) {
            double x = PyFloat_AsDouble(v);
            if (x == -1.0 && PyErr_Occurred()) return -1;
            *(double *)at = x;
        } else {
            long x = PyLong_AsLong(v);
            if (x == -1 && PyErr_Occurred()) return -1;
            if (x < INT_MIN || x > INT_MAX) {
                PyErr_Format(PyExc_ValueError, "plan: '%s' out of range", PLAN_FIELDS[i].name);
                return -1;
            }
            *(int *)at = (int)x;
        }
    }
    if ((size_t)PyDict_Size(d) != N_PLAN_FIELDS) {
        PyErr_SetString(PyExc_ValueError, "plan: unknown fields (see wmel.h, wmel_frontend_plan)");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ Ctx type */

typedef struct {
    PyObject_HEAD
    wmel_ctx *ctx;
    int n_mels;
} CtxObject;

static PyObject *Ctx_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"n_mels", "backend", "n_threads", "norm", "max_isa", "cuda_device",
                             "smooth", "plan", NULL};
    wmel_params p = wmel_default_params();
    PyObject *plan_o = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|iiiiiiiO:Ctx", kwlist, &p.n_mels, &p.backend,
                                     &p.n_threads, &p.norm, &p.max_isa, &p.cuda_device,
                                     &p.smooth, &plan_o))
        return NULL;
    if (p.n_threads < 0) {
        PyErr_Format(PyExc_ValueError, "n_threads must be >= 0 (0 = all cores), got %d",
                     p.n_threads);
        return NULL;
    }
    wmel_frontend_plan plan;
    if (plan_o && plan_o != Py_None) {
        if (plan_from_dict(plan_o, &plan) < 0) return NULL;
        p.n_mels = plan.n_mels;
    }
    int st = WMEL_OK;
    wmel_ctx *c;
    const int use_plan = plan_o && plan_o != Py_None;
    Py_BEGIN_ALLOW_THREADS
    c = use_plan ? wmel_create_plan(&p, &plan, &st) : wmel_create(&p, &st);
    Py_END_ALLOW_THREADS
    if (!c) {
        char why[320] = "";
        if (use_plan && st == WMEL_ERR_INVALID_ARG) wmel_plan_check(&plan, why, sizeof why); /* which field */
        return raise_status(st, "wmel_create", why);
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(tp, Py_tp_alloc);
    CtxObject *self = (CtxObject *)alloc(tp, 0);
    if (!self) {
        wmel_destroy(c);
        return NULL;
    }
    self->ctx = c;
    self->n_mels = p.n_mels;
    return (PyObject *)self;
}

static void Ctx_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    wmel_destroy(((CtxObject *)self)->ctx);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(self);
    Py_DECREF(tp);
}

static int check_size(Py_ssize_t v, const char *name)
{
    if (v < 0) {
        PyErr_Format(PyExc_ValueError, "%s must be >= 0, got %zd", name, v);
        return -1;
    }
    return 0;
}

/* log_mel(pcm, padding, out): one clip; pcm float32 or int16 (divided by 32768). */
static PyObject *Ctx_log_mel(PyObject *s, PyObject *args)
{
    CtxObject *self = (CtxObject *)s;
    PyObject *pcm_o, *out_o;
    Py_ssize_t padding;
    if (!PyArg_ParseTuple(args, "OnO:log_mel", &pcm_o, &padding, &out_o)) return NULL;
    if (check_size(padding, "padding") < 0) return NULL;
    Py_buffer in, out;
    int kind = get_pcm(pcm_o, &in, 1, "audio");
    if (kind < 0) return NULL;
    size_t n = (size_t)(in.len / in.itemsize);
    size_t need = (size_t)self->n_mels * wmel_n_frames(n, (size_t)padding);
    if (get_out(out_o, &out, need) < 0) {
        PyBuffer_Release(&in);
        return NULL;
    }
    int st;
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f')
        st = wmel_log_mel(self->ctx, (const float *)in.buf, n, (size_t)padding,
                          (float *)out.buf, (size_t)out.len / 4);
    else
        st = wmel_log_mel_s16(self->ctx, (const int16_t *)in.buf, n, (size_t)padding,
                              (float *)out.buf, (size_t)out.len / 4);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&out);
    PyBuffer_Release(&in);
    if (st) return raise_status(st, NULL, NULL);
    Py_RETURN_NONE;
}

/* log_mel_batch(pcm, batch, n_samples, stride, padding, batch_norm, out). */
static PyObject *Ctx_log_mel_batch(PyObject *s, PyObject *args)
{
    CtxObject *self = (CtxObject *)s;
    PyObject *pcm_o, *out_o;
    Py_ssize_t batch, n, stride, padding;
    int norm;
    if (!PyArg_ParseTuple(args, "OnnnniO:log_mel_batch", &pcm_o, &batch, &n, &stride,
                          &padding, &norm, &out_o))
        return NULL;
    if (check_size(batch, "batch") < 0 || check_size(n, "n_samples") < 0 ||
        check_size(stride, "stride") < 0 || check_size(padding, "padding") < 0)
        return NULL;
    Py_buffer in, out;
    if (get_pcm(pcm_o, &in, 0, "audio") < 0) return NULL;
    size_t have = (size_t)in.len / 4;
    /* the last clip ends at (batch - 1) * stride + n: it must lie inside the buffer.
     * Clips of 0 samples occupy nothing (the library then says they are too short). */
    if (batch > 0 && n > 0 &&
        ((size_t)n > have || (size_t)stride < (size_t)n ||
         (size_t)(batch - 1) > (have - (size_t)n) / (size_t)stride)) {
        PyErr_Format(PyExc_ValueError,
                     "audio: %zu samples cannot hold %zd clips of %zd at stride %zd",
                     have, batch, n, stride);
        PyBuffer_Release(&in);
        return NULL;
    }
    size_t per = (size_t)self->n_mels * wmel_n_frames((size_t)n, (size_t)padding);
    if (batch > 0 && per > SIZE_MAX / (size_t)batch) {
        PyBuffer_Release(&in);
        return raise_status(WMEL_ERR_OVERFLOW, NULL, NULL);
    }
    if (get_out(out_o, &out, per * (size_t)batch) < 0) {
        PyBuffer_Release(&in);
        return NULL;
    }
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_log_mel_batch(self->ctx, (const float *)in.buf, (size_t)batch, (size_t)n,
                            (size_t)stride, (size_t)padding, norm, (float *)out.buf,
                            (size_t)out.len / 4);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&out);
    PyBuffer_Release(&in);
    if (st) return raise_status(st, NULL, NULL);
    Py_RETURN_NONE;
}

/* log_mel_device(pcm_ptr, sample_type, batch, n, stride, padding, batch_norm, out_ptr,
 * out_len, stream_ptr): device pointers as integers (torch's data_ptr(), a cudaStream_t
 * as an int); enqueued on the stream, no synchronisation. */
static PyObject *Ctx_log_mel_device(PyObject *s, PyObject *args)
{
    CtxObject *self = (CtxObject *)s;
    unsigned long long pcm, out, stream;
    Py_ssize_t batch, n, stride, padding, out_len;
    int type, norm;
    if (!PyArg_ParseTuple(args, "KinnnniKnK:log_mel_device", &pcm, &type, &batch, &n, &stride,
                          &padding, &norm, &out, &out_len, &stream))
        return NULL;
    if (check_size(batch, "batch") < 0 || check_size(n, "n_samples") < 0 ||
        check_size(stride, "stride") < 0 || check_size(padding, "padding") < 0 ||
        check_size(out_len, "out_len") < 0)
        return NULL;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_cuda_log_mel_device(self->ctx, (const void *)(uintptr_t)pcm, type, (size_t)batch,
                                  (size_t)n, (size_t)stride, (size_t)padding, norm,
                                  (float *)(uintptr_t)out, (size_t)out_len,
                                  (void *)(uintptr_t)stream);
    Py_END_ALLOW_THREADS
    if (st == WMEL_ERR_CUDA) return raise_status(st, NULL, wmel_cuda_error_detail());
    if (st) return raise_status(st, NULL, NULL);
    Py_RETURN_NONE;
}

/* features_shape(n) -> (rows, cols) of features() for n samples. */
static PyObject *Ctx_features_shape(PyObject *s, PyObject *args)
{
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "n:features_shape", &n)) return NULL;
    if (check_size(n, "n_samples") < 0) return NULL;
    size_t rows, cols;
    int st = wmel_features_shape(((CtxObject *)s)->ctx, (size_t)n, &rows, &cols);
    if (st) return raise_status(st, NULL, NULL);
    return Py_BuildValue("(nn)", (Py_ssize_t)rows, (Py_ssize_t)cols);
}

/* features(pcm, out): the ctx's front-end on one clip of float32 samples. */
static PyObject *Ctx_features(PyObject *s, PyObject *args)
{
    CtxObject *self = (CtxObject *)s;
    PyObject *pcm_o, *out_o;
    if (!PyArg_ParseTuple(args, "OO:features", &pcm_o, &out_o)) return NULL;
    Py_buffer in, out;
    if (get_pcm(pcm_o, &in, 0, "audio") < 0) return NULL;
    size_t n = (size_t)(in.len / in.itemsize), rows = 0, cols = 0;
    int st = wmel_features_shape(self->ctx, n, &rows, &cols);
    if (st) {
        PyBuffer_Release(&in);
        return raise_status(st, NULL, NULL);
    }
    if (get_out(out_o, &out, rows * cols) < 0) {
        PyBuffer_Release(&in);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    st = wmel_features(self->ctx, (const float *)in.buf, n, (float *)out.buf, (size_t)out.len / 4);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&out);
    PyBuffer_Release(&in);
    if (st) return raise_status(st, NULL, NULL);
    Py_RETURN_NONE;
}

static PyObject *Ctx_get_plan(PyObject *s, void *c)
{
    (void)c;
    wmel_frontend_plan pl;
    int st = wmel_ctx_plan(((CtxObject *)s)->ctx, &pl);
    if (st) return raise_status(st, NULL, NULL);
    return plan_to_dict(&pl);
}

static PyObject *Ctx_op_backend(PyObject *s, PyObject *args)
{
    int op;
    if (!PyArg_ParseTuple(args, "i:op_backend", &op)) return NULL;
    return PyUnicode_FromString(wmel_op_backend(((CtxObject *)s)->ctx, op));
}

static PyObject *Ctx_get_n_mels(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromLong(((CtxObject *)s)->n_mels);
}

static PyObject *Ctx_get_backend(PyObject *s, void *c)
{
    (void)c;
    return PyUnicode_FromString(wmel_backend_name(((CtxObject *)s)->ctx));
}

static PyObject *Ctx_get_kernel(PyObject *s, void *c)
{
    (void)c;
    return PyUnicode_FromString(wmel_kernel_name(((CtxObject *)s)->ctx));
}

static PyObject *Ctx_get_threads(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromLong(wmel_ctx_n_threads(((CtxObject *)s)->ctx));
}

static PyMethodDef Ctx_methods[] = {
    {"log_mel", Ctx_log_mel, METH_VARARGS,
     "log_mel(pcm, padding, out): one clip (float32 or int16 buffer) into out [n_mels][frames]"},
    {"log_mel_batch", Ctx_log_mel_batch, METH_VARARGS,
     "log_mel_batch(pcm, batch, n_samples, stride, padding, batch_norm, out)"},
    {"log_mel_device", Ctx_log_mel_device, METH_VARARGS,
     "log_mel_device(pcm_ptr, sample_type, batch, n, stride, padding, batch_norm, out_ptr, out_len, stream)"},
    {"op_backend", Ctx_op_backend, METH_VARARGS, "op_backend(op) -> backend that ran it"},
    {"features", Ctx_features, METH_VARARGS, "features(pcm, out): wmel_features on float32 samples"},
    {"features_shape", Ctx_features_shape, METH_VARARGS, "features_shape(n) -> (rows, cols)"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Ctx_getset[] = {
    {"n_mels", Ctx_get_n_mels, NULL, "mel bands", NULL},
    {"backend", Ctx_get_backend, NULL, "backend name", NULL},
    {"kernel", Ctx_get_kernel, NULL, "kernel name", NULL},
    {"n_threads", Ctx_get_threads, NULL, "worker threads", NULL},
    {"plan", Ctx_get_plan, NULL, "the front-end plan (a dict)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot Ctx_slots[] = {
    {Py_tp_doc, "A libwmel context (wmel_ctx): read-only after creation, shareable by threads"},
    {Py_tp_new, Ctx_new},
    {Py_tp_dealloc, Ctx_dealloc},
    {Py_tp_methods, Ctx_methods},
    {Py_tp_getset, Ctx_getset},
    {0, NULL},
};

static PyType_Spec Ctx_spec = {
    "wmel._wmel.Ctx", sizeof(CtxObject), 0, Py_TPFLAGS_DEFAULT, Ctx_slots,
};

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
    if (!CtxType || !PyObject_TypeCheck(ctx_o, (PyTypeObject *)CtxType)) {
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
            wmel_decoder *d = wmel_decoder_open_interruptible(path, NULL, 0, py_interrupt, &pi,
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
                read_result(st ? st : WMEL_ERR_IO, NULL, 0, path, err, NULL);
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
        if (get_pcm(src, &in, 0, "audio") < 0) return NULL;
        size_t n = (size_t)in.len / 4;
        if (n == 0) {
            PyBuffer_Release(&in);
            return raise_status(WMEL_ERR_NO_SAMPLES, NULL, NULL);
        }
        Py_BEGIN_ALLOW_THREADS
        w = wmel_windows_open_pcm(c->ctx, (const float *)in.buf, n, &st);
        Py_END_ALLOW_THREADS
        PyBuffer_Release(&in);
        if (!w) return raise_status(st, NULL, NULL);
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
    if (get_out(out_o, &out, (size_t)self->n_mels * WMEL_CHUNK_FRAMES) < 0) return NULL;
    size_t frames = 0;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_windows_next(self->w, (float *)out.buf, (size_t)out.len / 4, &frames);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&out);
    if (st) return raise_status(st, NULL, NULL);
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

/* ------------------------------------------------------------------ live audio */

/* Takes the object for one call that releases the GIL: a second thread that reaches
 * the same object meanwhile gets an error instead of a data race. */
static int live_enter(int *busy, const char *name)
{
    if (*busy) {
        PyErr_Format(PyExc_RuntimeError, "%s: in use by another thread (one thread at a time "
                     "per object; use one object per thread)", name);
        return -1;
    }
    *busy = 1;
    return 0;
}

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
    if (!CtxType || !PyObject_TypeCheck(ctx_o, (PyTypeObject *)CtxType)) {
        PyErr_SetString(PyExc_TypeError, "Sliding: ctx must be a wmel._wmel.Ctx");
        return NULL;
    }
    int st = WMEL_OK;
    wmel_sliding *b = wmel_sliding_create(((CtxObject *)ctx_o)->ctx, &st);
    if (!b) return raise_status(st, "Sliding", NULL);
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
        raise_status(st, "features", NULL);
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
    if (check_size(padding, "padding") < 0) return NULL;
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

/* push(float32 samples) */
/* push(samples) of a live object: the float32 samples handed to fn(obj, ...) without the
 * GIL, the object marked busy meanwhile; 0, or -1 with the exception set. */
typedef int (*live_push_fn)(void *obj, const float *pcm, size_t n);
static int live_push(PyObject *args, int *busy, const char *type, live_push_fn fn, void *obj)
{
    PyObject *pcm_o;
    if (!PyArg_ParseTuple(args, "O:push", &pcm_o)) return -1;
    Py_buffer in;
    if (get_pcm(pcm_o, &in, 0, "samples") < 0) return -1;
    if (live_enter(busy, type) < 0) {
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
        raise_status(st, "push", NULL);
        return -1;
    }
    return 0;
}

static int sliding_push_fn(void *b, const float *pcm, size_t n) { return wmel_sliding_push(b, pcm, n); }
static int stream_push_fn(void *s, const float *pcm, size_t n) { return wmel_stream_push(s, pcm, n); }

static PyObject *Sliding_push(PyObject *s, PyObject *args)
{
    SlidingObject *self = (SlidingObject *)s;
    if (live_push(args, &self->busy, "SlidingBuffer", sliding_push_fn, self->b) < 0) return NULL;
    Py_RETURN_NONE;
}

/* trim(n) */
static PyObject *Sliding_trim(PyObject *s, PyObject *args)
{
    SlidingObject *self = (SlidingObject *)s;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "n:trim", &n)) return NULL;
    if (check_size(n, "n_samples") < 0) return NULL;
    size_t have = wmel_sliding_length(self->b);
    if ((size_t)n > have) {
        PyErr_Format(PyExc_ValueError, "trim(%zd): the buffer holds only %zu samples", n, have);
        return NULL;
    }
    if (live_enter(&self->busy, "SlidingBuffer") < 0) return NULL;
    int st = wmel_sliding_trim(self->b, (size_t)n);
    self->busy = 0;
    if (st) return raise_status(st, "trim", NULL);
    Py_RETURN_NONE;
}

/* features(padding, out): out holds n_mels * n_frames(padding) floats */
static PyObject *Sliding_features(PyObject *s, PyObject *args)
{
    SlidingObject *self = (SlidingObject *)s;
    PyObject *out_o;
    Py_ssize_t padding;
    if (!PyArg_ParseTuple(args, "nO:features", &padding, &out_o)) return NULL;
    if (check_size(padding, "padding") < 0) return NULL;
    Py_buffer out;
    size_t rows, cols;
    if (sliding_shape(self, padding, &rows, &cols) < 0) return NULL;
    if (get_out(out_o, &out, rows * cols) < 0) return NULL;
    if (live_enter(&self->busy, "SlidingBuffer") < 0) {
        PyBuffer_Release(&out);
        return NULL;
    }
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_sliding_features(self->b, (size_t)padding, (float *)out.buf, (size_t)out.len / 4);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    PyBuffer_Release(&out);
    if (st) return raise_status(st, "features", NULL);
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
    if (get_out(out_o, &out, n) < 0) return NULL;
    if (n) memcpy(out.buf, wmel_sliding_samples(self->b), n * sizeof(float));
    PyBuffer_Release(&out);
    Py_RETURN_NONE;
}

static PyObject *Sliding_n_frames(PyObject *s, PyObject *args)
{
    Py_ssize_t padding;
    if (!PyArg_ParseTuple(args, "n:n_frames", &padding)) return NULL;
    if (check_size(padding, "padding") < 0) return NULL;
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
    if (check_size(padding, "padding") < 0) return NULL;
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
    if (live_enter(&self->busy, "SlidingBuffer") < 0) {
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
        return raise_status(st, "features", NULL);
    }
    if (rows > (size_t)PY_SSIZE_T_MAX / 4 / (cols ? cols : 1) ||
        stride > (size_t)PY_SSIZE_T_MAX / 4) {
        Py_DECREF((PyObject *)v);
        return raise_status(WMEL_ERR_OVERFLOW, "features", NULL);
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

/* Stream(ctx, padding): wmel_stream_* with the frames collected in a growing buffer
 * [n_mels][cap] until take() hands them over. */
typedef struct {
    PyObject_HEAD
    wmel_stream *s;
    PyObject *ctx;
    int n_mels;
    int busy;
    int finished;          /* finish() succeeded: no more input */
    float *pend;           /* [n_mels][cap], frames [0, n_pend) */
    size_t cap, n_pend;
    size_t emitted;        /* frames handed over so far */
} StreamObject;

static int stream_sink(void *user, const float *raw, size_t f0, size_t nf)
{
    StreamObject *o = user;
    (void)f0;
    const size_t rows = (size_t)o->n_mels;
    if (o->n_pend + nf > o->cap) {
        size_t cap = 2 * (o->n_pend + nf);
        float *np = malloc(rows * cap * sizeof(float));
        if (!np) return WMEL_ERR_NO_MEMORY;
        for (size_t m = 0; m < rows && o->n_pend; m++)
            memcpy(np + m * cap, o->pend + m * o->cap, o->n_pend * sizeof(float));
        free(o->pend);
        o->pend = np;
        o->cap = cap;
    }
    for (size_t m = 0; m < rows; m++)
        memcpy(o->pend + m * o->cap + o->n_pend, raw + m * nf, nf * sizeof(float));
    o->n_pend += nf;
    return WMEL_OK;
}

static PyObject *Stream_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    PyObject *ctx_o;
    Py_ssize_t padding = 0;
    (void)kw;
    if (!PyArg_ParseTuple(args, "O|n:Stream", &ctx_o, &padding)) return NULL;
    if (!CtxType || !PyObject_TypeCheck(ctx_o, (PyTypeObject *)CtxType)) {
        PyErr_SetString(PyExc_TypeError, "Stream: ctx must be a wmel._wmel.Ctx");
        return NULL;
    }
    if (check_size(padding, "padding") < 0) return NULL;
    allocfunc alloc = (allocfunc)PyType_GetSlot(tp, Py_tp_alloc);
    StreamObject *self = (StreamObject *)alloc(tp, 0);
    if (!self) return NULL;
    self->ctx = Py_NewRef(ctx_o);
    wmel_frontend_plan plan;
    wmel_ctx_plan(((CtxObject *)ctx_o)->ctx, &plan);
    self->n_mels = plan.n_mels + plan.use_energy; /* the values of a frame */
    int st = WMEL_OK;
    self->s = wmel_stream_create(((CtxObject *)ctx_o)->ctx, (size_t)padding, stream_sink, self, &st);
    if (!self->s) {
        Py_DECREF(self);
        return raise_status(st, "Stream", NULL);
    }
    return (PyObject *)self;
}

static void Stream_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    StreamObject *o = (StreamObject *)self;
    wmel_stream_destroy(o->s);
    free(o->pend);
    Py_XDECREF(o->ctx);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(self);
    Py_DECREF(tp);
}

/* push(float32 samples) -> frames now ready (take them with take()) */
static PyObject *Stream_push(PyObject *s, PyObject *args)
{
    StreamObject *self = (StreamObject *)s;
    if (self->finished) {
        PyErr_SetString(PyExc_ValueError, "push() after finish(): the stream has ended; make a "
                                          "new Stream for more audio");
        return NULL;
    }
    if (live_push(args, &self->busy, "Stream", stream_push_fn, self->s) < 0) return NULL;
    return PyLong_FromSize_t(self->n_pend);
}

/* finish() -> frames now ready */
static PyObject *Stream_finish(PyObject *s, PyObject *noargs)
{
    StreamObject *self = (StreamObject *)s;
    (void)noargs;
    if (live_enter(&self->busy, "Stream") < 0) return NULL;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_stream_finish(self->s);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    if (st == WMEL_ERR_TOO_SHORT || st == WMEL_ERR_NO_SAMPLES) {
        wmel_frontend_plan plan;
        wmel_ctx_plan(((CtxObject *)self->ctx)->ctx, &plan);
        PyErr_Format(PyExc_ValueError, "finish: %zu samples (with the stream's padding) are "
                     "too few for a frame: more than %d are needed",
                     wmel_stream_samples(self->s), st == WMEL_ERR_NO_SAMPLES ? 0 : plan.n_fft / 2);
        return NULL;
    }
    if (st) return raise_status(st, "finish", NULL);
    self->finished = 1;
    return PyLong_FromSize_t(self->n_pend);
}

/* take(out): the ready frames into out [n_mels][ready] */
static PyObject *Stream_take(PyObject *s, PyObject *args)
{
    StreamObject *self = (StreamObject *)s;
    PyObject *out_o;
    if (!PyArg_ParseTuple(args, "O:take", &out_o)) return NULL;
    if (self->busy) { /* a push or finish of another thread is under way: raises */
        live_enter(&self->busy, "Stream");
        return NULL;
    }
    Py_buffer out;
    size_t k = self->n_pend;
    if (get_out(out_o, &out, (size_t)self->n_mels * k) < 0) return NULL;
    float *o = out.buf;
    for (size_t m = 0; m < (size_t)self->n_mels && k; m++)
        memcpy(o + m * k, self->pend + m * self->cap, k * sizeof(float));
    PyBuffer_Release(&out);
    self->emitted += k;
    self->n_pend = 0;
    return PyLong_FromSize_t(k);
}

static PyObject *Stream_samples(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromSize_t(wmel_stream_samples(((StreamObject *)s)->s));
}

static PyObject *Stream_frames(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromSize_t(((StreamObject *)s)->emitted);
}

static PyObject *Stream_max(PyObject *s, void *c)
{
    (void)c;
    return PyFloat_FromDouble((double)wmel_stream_max(((StreamObject *)s)->s));
}

static PyMethodDef Stream_methods[] = {
    {"push", Stream_push, METH_VARARGS, "push(float32 samples) -> frames ready"},
    {"finish", Stream_finish, METH_NOARGS, "finish() -> frames ready"},
    {"take", Stream_take, METH_VARARGS, "take(out) -> frames written to out [n_mels][k]"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Stream_getset[] = {
    {"samples", Stream_samples, NULL, "samples pushed", NULL},
    {"frames", Stream_frames, NULL, "frames handed over by take()", NULL},
    {"max", Stream_max, NULL, "largest raw value so far (-1e30 before any)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot Stream_slots[] = {
    {Py_tp_doc, "Stream(ctx, padding=0): wmel_stream_* (see wmel.Stream)"},
    {Py_tp_new, Stream_new},
    {Py_tp_dealloc, Stream_dealloc},
    {Py_tp_methods, Stream_methods},
    {Py_tp_getset, Stream_getset},
    {0, NULL},
};

static PyType_Spec Stream_spec = {
    "wmel._wmel.Stream", sizeof(StreamObject), 0, Py_TPFLAGS_DEFAULT, Stream_slots,
};

/* ------------------------------------------------------------------ module functions */

static PyObject *m_n_frames(PyObject *m, PyObject *args)
{
    Py_ssize_t n, padding;
    (void)m;
    if (!PyArg_ParseTuple(args, "nn:n_frames", &n, &padding)) return NULL;
    if (check_size(n, "n_samples") < 0 || check_size(padding, "padding") < 0) return NULL;
    return PyLong_FromSize_t(wmel_n_frames((size_t)n, (size_t)padding));
}

static PyObject *m_frontend_preset(PyObject *m, PyObject *args)
{
    int fe, n_mels = 0;
    (void)m;
    if (!PyArg_ParseTuple(args, "i|i:frontend_preset", &fe, &n_mels)) return NULL;
    wmel_frontend_plan pl;
    int st = wmel_frontend_preset(fe, n_mels, &pl);
    if (st) return raise_status(st, "wmel_frontend_preset", NULL);
    return plan_to_dict(&pl);
}

static PyObject *m_mel_filters(PyObject *m, PyObject *args)
{
    int n_mels;
    PyObject *out_o;
    Py_buffer out;
    (void)m;
    if (!PyArg_ParseTuple(args, "iO:mel_filters", &n_mels, &out_o)) return NULL;
    if (n_mels != 80 && n_mels != 128)
        return raise_status(WMEL_ERR_INVALID_ARG, "n_mels must be 80 or 128", NULL);
    if (get_out(out_o, &out, (size_t)n_mels * WMEL_N_BINS) < 0) return NULL;
    int st = wmel_mel_filters(n_mels, (float *)out.buf, (size_t)out.len / 4);
    PyBuffer_Release(&out);
    if (st) return raise_status(st, NULL, NULL);
    Py_RETURN_NONE;
}

static PyObject *m_strerror(PyObject *m, PyObject *args)
{
    int st;
    (void)m;
    if (!PyArg_ParseTuple(args, "i:strerror", &st)) return NULL;
    return PyUnicode_FromString(wmel_strerror(st));
}

static PyObject *m_version(PyObject *m, PyObject *noargs)
{
    (void)m;
    (void)noargs;
    return PyUnicode_FromString(wmel_version());
}

/* Returns (Buffer, warning-or-None) after a successful read, else raises. A missing
 * file becomes FileNotFoundError; other I/O failures OSError. */
static PyObject *read_result(int st, float *data, size_t n, const char *path,
                             const char *err, const char *warn)
{
    if (st) {
        wmel_free(data);
        struct stat sb;
        if (st == WMEL_ERR_IO && path && strcmp(path, "-") && stat(path, &sb) != 0 &&
            errno == ENOENT) {
            PyObject *a = Py_BuildValue("(is)", ENOENT, (err && *err) ? err : wmel_strerror(st));
            if (a) {
                PyErr_SetObject(PyExc_FileNotFoundError, a);
                Py_DECREF(a);
            }
            return NULL;
        }
        return raise_status(st, NULL, err);
    }
    PyObject *b = buffer_wrap(data, n);
    if (!b) return NULL;
    if (warn && *warn) return Py_BuildValue("(Ns)", b, warn);
    return Py_BuildValue("(NO)", b, Py_None);
}

typedef int (*path_reader)(const char *, float **, size_t *, char *, size_t, char *, size_t);

/* Shared body of read_wav(path) and load_audio(path): (Buffer, warning or None). */
static PyObject *read_path(PyObject *args, const char *fmt, path_reader fn)
{
    PyObject *path_o;
    if (!PyArg_ParseTuple(args, fmt, PyUnicode_FSConverter, &path_o)) return NULL;
    const char *path = PyBytes_AsString(path_o);
    if (!path) {
        Py_DECREF(path_o);
        return NULL;
    }
    char err[512] = "", warn[512] = "";
    float *data = NULL;
    size_t n = 0;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = fn(path, &data, &n, err, sizeof err, warn, sizeof warn);
    Py_END_ALLOW_THREADS
    PyObject *r = read_result(st, data, n, path, err, warn);
    Py_DECREF(path_o);
    return r;
}

static PyObject *m_read_wav(PyObject *m, PyObject *args)
{
    (void)m;
    return read_path(args, "O&:read_wav", wmel_read_wav);
}

static PyObject *m_parse_wav(PyObject *m, PyObject *args)
{
    PyObject *data_o;
    const char *name = "<bytes>";
    (void)m;
    if (!PyArg_ParseTuple(args, "O|s:parse_wav", &data_o, &name)) return NULL;
    Py_buffer v;
    if (PyObject_GetBuffer(data_o, &v, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    char err[512] = "", warn[512] = "";
    float *data = NULL;
    size_t n = 0;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_parse_wav(v.buf, (size_t)v.len, name, &data, &n, err, sizeof err, warn, sizeof warn);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&v);
    return read_result(st, data, n, NULL, err, warn);
}

/* load_audio(path) -> (Buffer, warning or None): openai's load_audio, in-process;
 * Ctrl-C stops the decode (KeyboardInterrupt). */
static PyObject *m_load_audio(PyObject *m, PyObject *args)
{
    PyObject *path_o;
    (void)m;
    if (!PyArg_ParseTuple(args, "O&:load_audio", PyUnicode_FSConverter, &path_o)) return NULL;
    const char *path = PyBytes_AsString(path_o);
    if (!path) {
        Py_DECREF(path_o);
        return NULL;
    }
    char err[512] = "", warn[512] = "";
    float *data = NULL;
    size_t n = 0;
    int st;
    py_intr pi = {0, 0};
    Py_BEGIN_ALLOW_THREADS
    wmel_decoder *d = wmel_decoder_open_interruptible(path, NULL, 0, py_interrupt, &pi, &st, err,
                                                      sizeof err);
    if (d) {
        st = wmel_decoder_read_all(d, &data, &n);
        if (st == WMEL_ERR_NO_MEMORY && !wmel_decoder_error(d)[0])
            snprintf(err, sizeof err, "%.400s: out of memory for the decoded audio", path);
        else if (st)
            snprintf(err, sizeof err, "%s", wmel_decoder_error(d));
        snprintf(warn, sizeof warn, "%s", wmel_decoder_warning(d));
        wmel_decoder_close(d);
    }
    Py_END_ALLOW_THREADS
    if (pi.raised) {
        wmel_free(data);
        Py_DECREF(path_o);
        if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
        return NULL;
    }
    PyObject *r = read_result(st, data, n, path, err, warn);
    Py_DECREF(path_o);
    return r;
}

/* load_audio_memory(data) -> (Buffer, warning or None): the same over encoded bytes. */
static PyObject *m_load_audio_memory(PyObject *m, PyObject *args)
{
    PyObject *data_o;
    (void)m;
    if (!PyArg_ParseTuple(args, "O:load_audio_memory", &data_o)) return NULL;
    Py_buffer v;
    if (PyObject_GetBuffer(data_o, &v, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    char err[512] = "", warn[512] = "";
    float *data = NULL;
    size_t n = 0;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_load_audio_memory(v.buf, (size_t)v.len, &data, &n, err, sizeof err, warn,
                                sizeof warn);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&v);
    return read_result(st, data, n, NULL, err, warn);
}

static PyObject *m_have_ffmpeg(PyObject *m, PyObject *noargs)
{
    (void)m;
    (void)noargs;
    return PyBool_FromLong(wmel_have_ffmpeg());
}

PyObject *wmel_py_fx_log_mel(PyObject *m, PyObject *args); /* _fixed.c */

static PyMethodDef module_methods[] = {
    {"fx_log_mel", wmel_py_fx_log_mel, METH_VARARGS,
     "fx_log_mel(pcm_int16, n_mels, kind, out): the integer front-end (kind 0 raw Q11, 1 int16 Q13, 2 int8)"},
    {"n_frames", m_n_frames, METH_VARARGS, "n_frames(n_samples, padding) -> (n + padding) // 160"},
    {"frontend_preset", m_frontend_preset, METH_VARARGS,
     "frontend_preset(frontend, n_mels=0) -> dict of wmel_frontend_plan fields"},
    {"mel_filters", m_mel_filters, METH_VARARGS, "mel_filters(n_mels, out): the Slaney filter bank [n_mels][201]"},
    {"strerror", m_strerror, METH_VARARGS, "strerror(status) -> message"},
    {"version", m_version, METH_NOARGS, "version() -> libwmel version and build features"},
    {"read_wav", m_read_wav, METH_VARARGS, "read_wav(path) -> (Buffer, warning or None)"},
    {"parse_wav", m_parse_wav, METH_VARARGS, "parse_wav(data, name) -> (Buffer, warning or None)"},
    {"load_audio", m_load_audio, METH_VARARGS, "load_audio(path) -> (Buffer, warning or None)"},
    {"load_audio_memory", m_load_audio_memory, METH_VARARGS,
     "load_audio_memory(data) -> (Buffer, warning or None)"},
    {"have_ffmpeg", m_have_ffmpeg, METH_NOARGS, "have_ffmpeg() -> True when FFmpeg decodes"},
    {NULL, NULL, 0, NULL},
};

static int module_exec(PyObject *m)
{
    PyObject *ctx_t = PyType_FromSpec(&Ctx_spec);
    if (!ctx_t || PyModule_AddObject(m, "Ctx", ctx_t) < 0) {
        Py_XDECREF(ctx_t);
        return -1;
    }
    CtxType = ctx_t;
    Py_INCREF(CtxType); /* one reference kept in the static pointer */
    BufferType = PyType_FromSpec(&Buffer_spec);
    if (!BufferType) return -1;
    Py_INCREF(BufferType); /* one reference kept in the static pointer */
    if (PyModule_AddObject(m, "Buffer", BufferType) < 0) {
        Py_DECREF(BufferType);
        return -1;
    }
    PyObject *win_t = PyType_FromSpec(&Windows_spec);
    if (!win_t || PyModule_AddObject(m, "Windows", win_t) < 0) {
        Py_XDECREF(win_t);
        return -1;
    }
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
    PyObject *st_t = PyType_FromSpec(&Stream_spec);
    if (!st_t || PyModule_AddObject(m, "Stream", st_t) < 0) {
        Py_XDECREF(st_t);
        return -1;
    }
    if (PyModule_AddIntConstant(m, "BACKEND_AUTO", WMEL_BACKEND_AUTO) < 0 ||
        PyModule_AddIntConstant(m, "BACKEND_REF", WMEL_BACKEND_REF) < 0 ||
        PyModule_AddIntConstant(m, "BACKEND_CPU", WMEL_BACKEND_CPU) < 0 ||
        PyModule_AddIntConstant(m, "BACKEND_CUDA", WMEL_BACKEND_CUDA) < 0 ||
        PyModule_AddIntConstant(m, "NORM_WHOLE", WMEL_NORM_WHOLE) < 0 ||
        PyModule_AddIntConstant(m, "NORM_NONE", WMEL_NORM_NONE) < 0 ||
        PyModule_AddIntConstant(m, "FRONTEND_WHISPER", WMEL_FRONTEND_WHISPER) < 0 ||
        PyModule_AddIntConstant(m, "FRONTEND_NEMO", WMEL_FRONTEND_NEMO) < 0 ||
        PyModule_AddIntConstant(m, "FRONTEND_KALDI", WMEL_FRONTEND_KALDI) < 0 ||
        PyModule_AddIntConstant(m, "FRONTEND_SEAMLESS", WMEL_FRONTEND_SEAMLESS) < 0 ||
        PyModule_AddIntConstant(m, "FRONTEND_NEMO_LEGACY", WMEL_FRONTEND_NEMO_LEGACY) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_HANN_PERIODIC", WMEL_WINDOW_HANN_PERIODIC) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_HANN", WMEL_WINDOW_HANN) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_HAMMING", WMEL_WINDOW_HAMMING) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_POVEY", WMEL_WINDOW_POVEY) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_RECT", WMEL_WINDOW_RECT) < 0 ||
        PyModule_AddIntConstant(m, "NORM_PER_FEATURE", WMEL_NORM_PER_FEATURE) < 0 ||
        PyModule_AddIntConstant(m, "NORM_MEAN_VAR", WMEL_NORM_MEAN_VAR) < 0 ||
        PyModule_AddIntConstant(m, "LAYOUT_MELS_FRAMES", WMEL_LAYOUT_MELS_FRAMES) < 0 ||
        PyModule_AddIntConstant(m, "LAYOUT_FRAMES_MELS", WMEL_LAYOUT_FRAMES_MELS) < 0 ||
        PyModule_AddIntConstant(m, "BATCH_PER_CLIP", WMEL_BATCH_PER_CLIP) < 0 ||
        PyModule_AddIntConstant(m, "SMOOTH_3X3", WMEL_SMOOTH_3X3) < 0 ||
        PyModule_AddIntConstant(m, "BATCH_GLOBAL", WMEL_BATCH_GLOBAL) < 0 ||
        PyModule_AddIntConstant(m, "HAVE_DECODER", HAVE_DECODER) < 0 ||
        PyModule_AddIntConstant(m, "HAVE_WINDOWS", HAVE_WINDOWS) < 0 ||
        PyModule_AddIntConstant(m, "HAVE_CUDA_DEVICE", HAVE_CUDA_DEVICE) < 0 ||
        PyModule_AddStringConstant(m, "BUILD_PARTS", BUILD_PARTS) < 0)
        return -1;
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_wmel", "libwmel binding (see the wmel package)", 0,
    module_methods, module_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__wmel(void) { return PyModuleDef_Init(&module_def); }
