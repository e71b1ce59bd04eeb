/*
 * _wmel_stream.c -- the Stream type of wmel._wmel (wmel.Stream).
 */
#include "_wmel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


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
    /* push_rows' finishing of each frame (set_rows): wmel.kaldi's online computers */
    int rkind;             /* 0: the frame's values as they are (MFCC: the plan's cepstra); 1: fbank */
    int renergy, rhtk, rlog_add;
    double rfloor, rguard;
} StreamObject;

static int stream_push_fn(void *s, const float *pcm, size_t n) { return wmel_stream_push(s, pcm, n); }

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
    if (!wmelpy_CtxType || !PyObject_TypeCheck(ctx_o, (PyTypeObject *)wmelpy_CtxType)) {
        PyErr_SetString(PyExc_TypeError, "Stream: ctx must be a wmel._wmel.Ctx");
        return NULL;
    }
    if (wmelpy_check_size(padding, "padding") < 0) return NULL;
    allocfunc alloc = (allocfunc)PyType_GetSlot(tp, Py_tp_alloc);
    StreamObject *self = (StreamObject *)alloc(tp, 0);
    if (!self) return NULL;
    self->ctx = Py_NewRef(ctx_o);
    wmel_frontend_plan plan;
    wmel_ctx_plan(((CtxObject *)ctx_o)->ctx, &plan);
    self->n_mels = plan.n_ceps > 0 ? plan.n_ceps : plan.n_mels + plan.use_energy; /* the values of a frame */
    int st = WMEL_OK;
    self->s = wmel_stream_create(((CtxObject *)ctx_o)->ctx, (size_t)padding, stream_sink, self, &st);
    if (!self->s) {
        Py_DECREF(self);
        return wmelpy_raise_status(st, "Stream", NULL);
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
    if (wmelpy_live_push(args, &self->busy, "Stream", stream_push_fn, self->s) < 0) return NULL;
    return PyLong_FromSize_t(self->n_pend);
}

/* finish() -> frames now ready */
static PyObject *Stream_finish(PyObject *s, PyObject *noargs)
{
    StreamObject *self = (StreamObject *)s;
    (void)noargs;
    if (wmelpy_live_enter(&self->busy, "Stream") < 0) return NULL;
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
    if (st) return wmelpy_raise_status(st, "finish", NULL);
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
        wmelpy_live_enter(&self->busy, "Stream");
        return NULL;
    }
    Py_buffer out;
    size_t k = self->n_pend;
    if (wmelpy_get_out(out_o, &out, (size_t)self->n_mels * k) < 0) return NULL;
    float *o = out.buf;
    for (size_t m = 0; m < (size_t)self->n_mels && k; m++)
        memcpy(o + m * k, self->pend + m * self->cap, k * sizeof(float));
    PyBuffer_Release(&out);
    self->emitted += k;
    self->n_pend = 0;
    return PyLong_FromSize_t(k);
}

/* set_rows(kind, energy, htk, floor, log_add_guard): how push_rows finishes each frame
 * [energy?, m_0 .. m_{n-1}] (the plan's values, float32) into a row, in double, rounded once
 * to float32:
 *   kind 0: the values as they are (dim = the plan's columns; MFCC: its cepstra, n_ceps);
 *   kind 1 (fbank): the mel values max(m, floor) (floor > 0), then ln(. + log_add_guard) when
 *           log_add_guard > 0; htk: the energy column moved last. */
static PyObject *Stream_set_rows(PyObject *s, PyObject *args)
{
    StreamObject *self = (StreamObject *)s;
    int kind, energy, htk;
    double floor_, guard;
    if (!PyArg_ParseTuple(args, "iiidd:set_rows", &kind, &energy, &htk, &floor_, &guard)) return NULL;
    const int nm = self->n_mels - (energy ? 1 : 0);
    if (kind < 0 || kind > 1 || (energy | 1) != 1 || (htk | 1) != 1 || !(floor_ >= 0.0) || !(guard >= 0.0) ||
        nm < 1) {
        PyErr_SetString(PyExc_ValueError, "set_rows: kind 0 or 1, energy and htk 0 or 1, floor and guard >= 0");
        return NULL;
    }
    self->rkind = kind;
    self->renergy = energy;
    self->rhtk = htk;
    self->rfloor = floor_;
    self->rguard = guard;
    self->rlog_add = guard > 0.0;
    Py_RETURN_NONE;
}

/* One frame's values (column c at v[c * stride]) into a row of set_rows' kind. */
static void finish_row(const StreamObject *o, const float *v, size_t stride, float *row)
{
    const int e = o->renergy, nm = o->n_mels - e;
    if (o->rkind == 0) {
        for (int c = 0; c < o->n_mels; c++) row[c] = v[(size_t)c * stride];
        return;
    }
    float *mel = row + (o->rhtk ? 0 : e); /* kind 1 */
    for (int i = 0; i < nm; i++) {
        double m = v[(size_t)(i + e) * stride];
        if (o->rfloor > 0.0 && m < o->rfloor) m = o->rfloor;
        mel[i] = (float)(o->rlog_add ? log(m + o->rguard) : m);
    }
    if (e) row[o->rhtk ? nm : 0] = v[0];
}

/* push_rows(float32 samples, out, row0) -> k: pushes the samples (NaN or infinite ones raise
 * ValueError, nothing pushed) and writes the k frames they complete, finished as set_rows
 * says, into rows row0 .. row0 + k - 1 of out (a float32 C-contiguous [rows][dim] buffer). */
static PyObject *Stream_push_rows(PyObject *s, PyObject *args)
{
    StreamObject *self = (StreamObject *)s;
    PyObject *pcm_o, *out_o;
    Py_ssize_t row0;
    if (!PyArg_ParseTuple(args, "OOn:push_rows", &pcm_o, &out_o, &row0)) return NULL;
    if (self->finished) {
        PyErr_SetString(PyExc_ValueError, "push_rows() after finish(): the stream has ended");
        return NULL;
    }
    if (wmelpy_check_size(row0, "row0") < 0) return NULL;
    Py_buffer in;
    if (wmelpy_get_pcm(pcm_o, &in, 0, "samples") < 0) return NULL;
    const float *x = in.buf;
    const size_t n = (size_t)in.len / 4;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            PyBuffer_Release(&in);
            PyErr_SetString(PyExc_ValueError, "the waveform holds NaN or infinite samples");
            return NULL;
        }
    if (wmelpy_live_enter(&self->busy, "Stream") < 0) {
        PyBuffer_Release(&in);
        return NULL;
    }
    int st;
    if (n <= 16384) {
        st = wmel_stream_push(self->s, x, n); /* a short push: the GIL's round trip costs more */
    } else {
        Py_BEGIN_ALLOW_THREADS
        st = wmel_stream_push(self->s, x, n);
        Py_END_ALLOW_THREADS
    }
    self->busy = 0;
    PyBuffer_Release(&in);
    if (st) return wmelpy_raise_status(st, "push", NULL);
    const size_t k = self->n_pend, dim = (size_t)self->n_mels;
    if (!k) return PyLong_FromLong(0);
    Py_buffer out;
    if (wmelpy_get_out(out_o, &out, ((size_t)row0 + k) * dim) < 0) return NULL; /* the frames stay */
    float *o = (float *)out.buf + (size_t)row0 * dim;
    for (size_t t = 0; t < k; t++) finish_row(self, self->pend + t, self->cap, o + t * dim);
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
    {"set_rows", Stream_set_rows, METH_VARARGS, "set_rows(kind, energy, htk, floor, log_add_guard, matrix=None, "
                                                "nc=0): how push_rows finishes frames"},
    {"push_rows", Stream_push_rows, METH_VARARGS, "push_rows(samples, out, row0) -> k rows written"},
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

/* Adds Stream to the module. */
int wmelpy_stream_init(PyObject *m)
{
    PyObject *st_t = PyType_FromSpec(&Stream_spec);
    if (!st_t || PyModule_AddObject(m, "Stream", st_t) < 0) {
        Py_XDECREF(st_t);
        return -1;
    }
    return 0;
}
