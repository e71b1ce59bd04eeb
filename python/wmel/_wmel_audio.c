/*
 * _wmel_audio.c -- decoded audio in wmel._wmel: the Buffer type (memory libwmel allocated,
 * exported without a copy), Ctrl-C during a decode, and the functions that read WAV and
 * decode files or bytes.
 */
#include "_wmel.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------------ Buffer type */

/* Owns memory the library allocated (wmel_free) and exports it as 1-D float32. */
typedef struct {
    PyObject_HEAD
    float *data;
    Py_ssize_t n;
    Py_ssize_t shape[1];
    Py_ssize_t strides[1];
    size_t cap;         /* out_buffer()'s: the block's floats (>= n); 0: not a cached kind */
} BufferObject;

static PyObject *BufferType; /* set at module init */

/*
 * The output cache: one block of an out_buffer() kept after its Buffer dies, for the next
 * out_buffer() of about its size. glibc already keeps freed blocks up to 32 MiB in its heap
 * (its mmap threshold grows to them), so a caller that computes clip after clip writes
 * into memory that is already mapped; a larger block goes back to the system at free(),
 * and the next call's output is fresh memory whose every page the kernel maps and zeroes
 * as it is first written (600 s of a 201-bin spectrogram, 39 MB: about a fifth of the
 * call). This extends glibc's reuse to the larger outputs, for one block of at most
 * g_cache_cap bytes (wmel.set_output_cache). Touched with the GIL held only.
 */
static float *g_slot;
static size_t g_slot_cap;                       /* floats */
static size_t g_cache_cap = (size_t)256 << 20;  /* bytes */

static void slot_drop(void)
{
    wmel_free(g_slot);
    g_slot = NULL;
    g_slot_cap = 0;
}

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
    BufferObject *b = (BufferObject *)self;
    if (b->cap && !g_slot && b->cap <= g_cache_cap / sizeof(float)) { /* kept for the next */
        g_slot = b->data;
        g_slot_cap = b->cap;
    } else {
        wmel_free(b->data);
    }
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

/* An int argument >= 0 into *v; -1 with ValueError / TypeError set otherwise. */
static int nonneg_arg(PyObject *arg, const char *msg, Py_ssize_t *v)
{
    *v = PyLong_AsSsize_t(arg);
    if (*v >= 0) return 0;
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, msg);
    return -1;
}

/* out_buffer(n) -> Buffer of n float32 values, unset: the output cache's block when it
 * holds n and at most twice n, else wmel_alloc's (huge pages asked for from 4 MiB). */
PyObject *wmelpy_out_buffer(PyObject *m, PyObject *arg)
{
    (void)m;
    Py_ssize_t n;
    if (nonneg_arg(arg, "out_buffer: n must be >= 0", &n) < 0) return NULL;
    if ((size_t)n > ((size_t)PY_SSIZE_T_MAX) / sizeof(float)) return PyErr_NoMemory();
    float *data = NULL;
    size_t cap = (size_t)n ? (size_t)n : 1;
    if (g_slot && g_slot_cap >= cap && g_slot_cap / 2 <= cap) {
        data = g_slot;
        cap = g_slot_cap;
        g_slot = NULL;
        g_slot_cap = 0;
    } else {
        data = wmel_alloc(cap * sizeof(float));
        if (!data) return PyErr_NoMemory();
        /* a large block that did not fit: the one kept is freed (one block kept at most) */
        if (g_slot && cap * sizeof(float) >= ((size_t)4 << 20)) slot_drop();
    }
    BufferObject *b = (BufferObject *)buffer_wrap(data, (size_t)n);
    if (b) b->cap = cap;
    return (PyObject *)b;
}

/* set_output_cache(max_bytes) -> the previous limit; 0 keeps none (the block kept now is
 * freed when it is over the new limit). */
PyObject *wmelpy_set_output_cache(PyObject *m, PyObject *arg)
{
    (void)m;
    Py_ssize_t v;
    if (nonneg_arg(arg, "set_output_cache: max_bytes must be >= 0", &v) < 0) return NULL;
    const size_t old = g_cache_cap;
    g_cache_cap = (size_t)v;
    if (g_slot && g_slot_cap > g_cache_cap / sizeof(float)) slot_drop();
    return PyLong_FromSize_t(old);
}

/* The block the output cache holds, freed when the module goes (interpreter exit). */
void wmelpy_out_cache_free(void) { slot_drop(); }

/* Adds Buffer to the module. */
int wmelpy_buffer_init(PyObject *m)
{
    BufferType = PyType_FromSpec(&Buffer_spec);
    if (!BufferType) return -1;
    Py_INCREF(BufferType); /* one reference kept in the static pointer */
    if (PyModule_AddObject(m, "Buffer", BufferType) < 0) {
        Py_DECREF(BufferType);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ decoding */

/* Ctrl-C during a long decode with the GIL released: the decoder asks between packets;
 * at most every 20 ms this takes the GIL for a moment and runs Python's signal handlers.
 * Once one raised (KeyboardInterrupt), the exception stays set and the decode stops. */
int wmelpy_interrupt(void *user)
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

/* Returns (Buffer, warning-or-None) after a successful read, else raises. A missing
 * file becomes FileNotFoundError; other I/O failures OSError. */
PyObject *wmelpy_read_result(int st, float *data, size_t n, const char *path,
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
        return wmelpy_raise_status(st, NULL, err);
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
    PyObject *r = wmelpy_read_result(st, data, n, path, err, warn);
    Py_DECREF(path_o);
    return r;
}

PyObject *wmelpy_read_wav(PyObject *m, PyObject *args)
{
    (void)m;
    return read_path(args, "O&:read_wav", wmel_read_wav);
}

PyObject *wmelpy_parse_wav(PyObject *m, PyObject *args)
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
    return wmelpy_read_result(st, data, n, NULL, err, warn);
}

/* load_audio(path) -> (Buffer, warning or None): openai's load_audio, in-process;
 * Ctrl-C stops the decode (KeyboardInterrupt). */
PyObject *wmelpy_load_audio(PyObject *m, PyObject *args)
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
    wmel_decoder *d = wmel_decoder_open_interruptible(path, NULL, 0, wmelpy_interrupt, &pi, &st,
                                                      err, sizeof err);
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
    PyObject *r = wmelpy_read_result(st, data, n, path, err, warn);
    Py_DECREF(path_o);
    return r;
}

/* load_audio_memory(data) -> (Buffer, warning or None): the same over encoded bytes. */
PyObject *wmelpy_load_audio_memory(PyObject *m, PyObject *args)
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
    return wmelpy_read_result(st, data, n, NULL, err, warn);
}

PyObject *wmelpy_have_ffmpeg(PyObject *m, PyObject *noargs)
{
    (void)m;
    (void)noargs;
    return PyBool_FromLong(wmel_have_ffmpeg());
}
