/*
 * _wmel_konline.c -- the KaldiRaw type of wmel._wmel: kaldi-native-fbank's
 * OnlineRawAudioSamples frames (snip_edges framing) for wmel.kaldi, as samples arrive.
 */
#include "_wmel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* KaldiRaw(frame_length, hop, window, remove_dc, preemph): frame t holds samples
 * [t hop, t hop + frame_length) of the whole signal, DC removed (its mean subtracted) when
 * remove_dc, pre-emphasised x[i] -= preemph x[i-1] (from the end; x[0] -= preemph x[0]) and
 * multiplied by the window (float64, frame_length values; None: none), in double, rounded
 * once to float32. The samples no later frame reads are dropped. */
typedef struct {
    PyObject_HEAD
    int L, H, dc;
    double preemph;
    double *win;      /* [L] or NULL */
    double *f;        /* [L]: one frame */
    float *buf;       /* samples [base, base + nb) of the signal */
    size_t cap, nb, base;
    size_t ready;     /* frames written */
} KaldiRawObject;

static PyObject *KaldiRaw_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    int L, H, dc;
    double preemph;
    PyObject *win_o;
    (void)kw;
    if (!PyArg_ParseTuple(args, "iiOid:KaldiRaw", &L, &H, &win_o, &dc, &preemph)) return NULL;
    if (L < 1 || L > (1 << 24) || H < 1 || H > (1 << 24) || (dc | 1) != 1 || !isfinite(preemph)) {
        PyErr_SetString(PyExc_ValueError, "KaldiRaw: frame_length and hop 1..2^24, remove_dc 0 or 1, "
                                          "a finite preemph");
        return NULL;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(tp, Py_tp_alloc);
    KaldiRawObject *self = (KaldiRawObject *)alloc(tp, 0);
    if (!self) return NULL;
    self->L = L;
    self->H = H;
    self->dc = dc;
    self->preemph = preemph;
    self->f = malloc(sizeof(double) * (size_t)L);
    self->cap = 2 * (size_t)L + 4096;
    self->buf = malloc(sizeof(float) * self->cap);
    if (!self->f || !self->buf) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    if (win_o != Py_None) {
        Py_buffer b;
        if (PyObject_GetBuffer(win_o, &b, PyBUF_C_CONTIGUOUS) < 0) {
            Py_DECREF(self);
            return NULL;
        }
        if ((size_t)b.len != sizeof(double) * (size_t)L || !(self->win = malloc((size_t)b.len))) {
            const int mem = (size_t)b.len == sizeof(double) * (size_t)L;
            PyBuffer_Release(&b);
            Py_DECREF(self);
            if (mem) return PyErr_NoMemory();
            PyErr_Format(PyExc_ValueError, "KaldiRaw: the window must hold %d float64 values", L);
            return NULL;
        }
        memcpy(self->win, b.buf, (size_t)b.len);
        PyBuffer_Release(&b);
    }
    return (PyObject *)self;
}

static void KaldiRaw_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    KaldiRawObject *o = (KaldiRawObject *)self;
    free(o->win);
    free(o->f);
    free(o->buf);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(self);
    Py_DECREF(tp);
}

static void raw_frame(KaldiRawObject *o, const float *x, float *row)
{
    const int L = o->L;
    if (!o->dc && o->preemph == 0.0 && !o->win) { /* no processing: the samples themselves */
        memcpy(row, x, sizeof(float) * (size_t)L);
        return;
    }
    double *f = o->f;
    for (int i = 0; i < L; i++) f[i] = x[i];
    if (o->dc) {
        double s = 0.0;
        for (int i = 0; i < L; i++) s += f[i];
        const double mean = s / L;
        for (int i = 0; i < L; i++) f[i] -= mean;
    }
    if (o->preemph != 0.0) {
        for (int i = L - 1; i > 0; i--) f[i] -= o->preemph * f[i - 1];
        f[0] -= o->preemph * f[0];
    }
    if (o->win)
        for (int i = 0; i < L; i++) f[i] *= o->win[i];
    for (int i = 0; i < L; i++) row[i] = (float)f[i];
}

/* push_rows(float32 samples, out, row0) -> k: the k frames the samples complete into rows
 * row0 .. row0 + k - 1 of out (float32 C-contiguous [rows][frame_length]); NaN or infinite
 * samples raise ValueError (nothing taken). */
static PyObject *KaldiRaw_push_rows(PyObject *s, PyObject *args)
{
    KaldiRawObject *o = (KaldiRawObject *)s;
    PyObject *pcm_o, *out_o;
    Py_ssize_t row0;
    if (!PyArg_ParseTuple(args, "OOn:push_rows", &pcm_o, &out_o, &row0)) return NULL;
    if (wmelpy_check_size(row0, "row0") < 0) return NULL;
    Py_buffer in;
    if (wmelpy_get_pcm(pcm_o, &in, 0, "samples") < 0) return NULL;
    const float *x = in.buf;
    const size_t n = (size_t)in.len / 4, L = (size_t)o->L, H = (size_t)o->H;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            PyBuffer_Release(&in);
            PyErr_SetString(PyExc_ValueError, "the waveform holds NaN or infinite samples");
            return NULL;
        }
    /* frames complete after these samples, and the room they take */
    const size_t total = o->base + o->nb + n;
    const size_t nf = total < L ? 0 : 1 + (total - L) / H;
    const size_t k = nf > o->ready ? nf - o->ready : 0;
    Py_buffer out;
    int have_out = 0;
    if (k) {
        if (wmelpy_get_out(out_o, &out, ((size_t)row0 + k) * L) < 0) {
            PyBuffer_Release(&in);
            return NULL;
        }
        have_out = 1;
    }
    if (o->nb + n > o->cap) {
        size_t cap = 2 * (o->nb + n);
        float *nbuf = realloc(o->buf, sizeof(float) * cap);
        if (!nbuf) {
            if (have_out) PyBuffer_Release(&out);
            PyBuffer_Release(&in);
            return PyErr_NoMemory();
        }
        o->buf = nbuf;
        o->cap = cap;
    }
    memcpy(o->buf + o->nb, x, sizeof(float) * n);
    o->nb += n;
    PyBuffer_Release(&in);
    for (size_t t = 0; t < k; t++)
        raw_frame(o, o->buf + ((o->ready + t) * H - o->base), (float *)out.buf + ((size_t)row0 + t) * L);
    if (have_out) PyBuffer_Release(&out);
    o->ready += k;
    /* the next frame starts at ready * H: the samples before it are read no more */
    const size_t keep_from = o->ready * H;
    if (keep_from > o->base) {
        const size_t drop = keep_from - o->base < o->nb ? keep_from - o->base : o->nb;
        memmove(o->buf, o->buf + drop, sizeof(float) * (o->nb - drop));
        o->nb -= drop;
        o->base += drop;
    }
    return PyLong_FromSize_t(k);
}

static PyMethodDef KaldiRaw_methods[] = {
    {"push_rows", KaldiRaw_push_rows, METH_VARARGS, "push_rows(samples, out, row0) -> k rows written"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot KaldiRaw_slots[] = {
    {Py_tp_doc, "KaldiRaw(frame_length, hop, window, remove_dc, preemph): OnlineRawAudioSamples' frames"},
    {Py_tp_new, KaldiRaw_new},
    {Py_tp_dealloc, KaldiRaw_dealloc},
    {Py_tp_methods, KaldiRaw_methods},
    {0, NULL},
};

static PyType_Spec KaldiRaw_spec = {
    "wmel._wmel.KaldiRaw", sizeof(KaldiRawObject), 0, Py_TPFLAGS_DEFAULT, KaldiRaw_slots,
};

/* put_finite(samples, out, pos) -> n: copies the n float32 samples into out[pos:pos + n]
 * (out a writable C-contiguous float32 buffer); NaN or infinite samples raise ValueError
 * (nothing written). The online computers' sample store, one C call a chunk. */
static PyObject *m_put_finite(PyObject *m, PyObject *args)
{
    PyObject *pcm_o, *out_o;
    Py_ssize_t pos;
    (void)m;
    if (!PyArg_ParseTuple(args, "OOn:put_finite", &pcm_o, &out_o, &pos)) return NULL;
    if (wmelpy_check_size(pos, "pos") < 0) return NULL;
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
    if (n) {
        Py_buffer out;
        if (wmelpy_get_out(out_o, &out, (size_t)pos + n) < 0) {
            PyBuffer_Release(&in);
            return NULL;
        }
        memcpy((float *)out.buf + pos, x, sizeof(float) * n);
        PyBuffer_Release(&out);
    }
    PyBuffer_Release(&in);
    return PyLong_FromSize_t(n);
}

static PyMethodDef konline_functions[] = {
    {"put_finite", m_put_finite, METH_VARARGS,
     "put_finite(samples, out, pos) -> n: float32 samples copied to out[pos:pos + n], all finite"},
    {NULL, NULL, 0, NULL},
};

/* Adds KaldiRaw and put_finite to the module. */
int wmelpy_konline_init(PyObject *m)
{
    PyObject *t = PyType_FromSpec(&KaldiRaw_spec);
    if (!t || PyModule_AddObject(m, "KaldiRaw", t) < 0) {
        Py_XDECREF(t);
        return -1;
    }
    return PyModule_AddFunctions(m, konline_functions);
}
