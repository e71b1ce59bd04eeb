/*
 * _wmel_ctx.c -- the Ctx type (a wmel_ctx) of wmel._wmel, and front-end plans as dicts.
 */
#include "_wmel.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ front-end plans */

/* wmel_frontend_plan's fields by name: a plan crosses into Python as a dict. */
typedef struct {
    const char *name;
    size_t off;
    int is_double;
} plan_field;

#define PF_int 0
#define PF_double 1
#define PF(f, t) {#f, offsetof(wmel_frontend_plan, f), PF_##t},
#define PF_RESERVED(f, t, n) /* zero: not a key */
static const plan_field PLAN_FIELDS[] = {WMEL_FRONTEND_PLAN_MEMBERS(PF, PF_RESERVED)};
#undef PF
#undef PF_RESERVED
#define N_PLAN_FIELDS (sizeof PLAN_FIELDS / sizeof PLAN_FIELDS[0])

PyObject *wmelpy_plan_to_dict(const wmel_frontend_plan *pl)
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
int wmelpy_plan_from_dict(PyObject *d, wmel_frontend_plan *pl)
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
                PyErr_Format(PyExc_ValueError, "plan: '%s' %ld: outside a C int's range (%d..%d)", PLAN_FIELDS[i].name,
                             x, INT_MIN, INT_MAX);
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

PyObject *wmelpy_CtxType; /* set at module init */

/* The message of a device entry's status: wmel_cuda_error_detail() where the library set it
 * for this status (a CUDA failure, a refusal of the ctx, params.device_check's verdict on a
 * clip or its refusal under a stream capture), else NULL (the status's own text). */
static const char *device_detail(int st)
{
    const char *d = wmel_cuda_error_detail();
    if (st == WMEL_ERR_CUDA || st == WMEL_ERR_BACKEND_UNAVAILABLE) return d;
    if ((st == WMEL_ERR_NOT_FINITE || st == WMEL_ERR_SAMPLE_RANGE || st == WMEL_ERR_INVALID_ARG) &&
        strstr(d, "params.device_check"))
        return d;
    /* the device scratch: too small (the bytes needed), not aligned, shared, or needed under a
       capture on a device without memory pools */
    if ((st == WMEL_ERR_BUFFER_TOO_SMALL || st == WMEL_ERR_INVALID_ARG || st == WMEL_ERR_NULL_POINTER) &&
        strstr(d, "scratch"))
        return d;
    return NULL;
}

static PyObject *Ctx_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"n_mels", "backend", "n_threads", "norm", "max_isa", "cuda_device",
                             "smooth", "plan", "col_scale", "col_shift", "vulkan_device", "device_check",
                             "auto_plan", "cuda_arith", NULL};
    wmel_params p = wmel_default_params();
    PyObject *plan_o = NULL;
    Py_buffer cs = {0}, ch = {0}; /* the per-column affine: float64 vectors (wmel_create_plan_cols) */
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|iiiiiiiOy*y*iiii:Ctx", kwlist, &p.n_mels, &p.backend,
                                     &p.n_threads, &p.norm, &p.max_isa, &p.cuda_device,
                                     &p.smooth, &plan_o, &cs, &ch, &p.vulkan_device, &p.device_check,
                                     &p.auto_plan, &p.cuda_arith))
        return NULL;
    const int cols = cs.buf != NULL;
    if (cols != (ch.buf != NULL) || (cols && (cs.len != ch.len || cs.len % sizeof(double)))) {
        PyBuffer_Release(&cs);
        PyBuffer_Release(&ch);
        PyErr_SetString(PyExc_ValueError, "col_scale and col_shift: both, float64 bytes of the same length");
        return NULL;
    }
    wmel_frontend_plan plan;
    const int use_plan = plan_o && plan_o != Py_None;
    if (p.n_threads < 0 || (cols && !use_plan) || (use_plan && wmelpy_plan_from_dict(plan_o, &plan) < 0)) {
        if (p.n_threads < 0)
            PyErr_Format(PyExc_ValueError, "n_threads must be >= 0 (0 = all cores), got %d", p.n_threads);
        else if (cols && !use_plan)
            PyErr_SetString(PyExc_ValueError, "col_scale and col_shift need a plan");
        PyBuffer_Release(&cs);
        PyBuffer_Release(&ch);
        return NULL;
    }
    if (use_plan) p.n_mels = plan.n_mels;
    int st = WMEL_OK;
    wmel_ctx *c;
    const size_t ncols = cols ? (size_t)cs.len / sizeof(double) : 0;
    double *vs = cols ? PyMem_Malloc(2 * (ncols ? ncols : 1) * sizeof(double)) : NULL; /* aligned copies */
    if (cols && !vs) {
        PyBuffer_Release(&cs);
        PyBuffer_Release(&ch);
        return PyErr_NoMemory();
    }
    if (cols) {
        memcpy(vs, cs.buf, ncols * sizeof(double));
        memcpy(vs + ncols, ch.buf, ncols * sizeof(double));
    }
    PyBuffer_Release(&cs);
    PyBuffer_Release(&ch);
    if (cols) { /* which column, its value and the allowed range */
        char why[480];
        st = wmel_plan_cols_check(&plan, vs, vs + ncols, ncols, why, sizeof why);
        if (st) {
            PyMem_Free(vs);
            return wmelpy_raise_status(st, "wmel_create_plan_cols", why);
        }
    }
    Py_BEGIN_ALLOW_THREADS
    c = cols ? wmel_create_plan_cols(&p, &plan, vs, vs + ncols, ncols, &st)
             : use_plan ? wmel_create_plan(&p, &plan, &st) : wmel_create(&p, &st);
    Py_END_ALLOW_THREADS
    PyMem_Free(vs);
    if (!c) {
        char why[320] = "";
        if (st == WMEL_ERR_INVALID_ARG && (strstr(wmel_vulkan_error_detail(), "params.auto_plan") ||
                                           strstr(wmel_vulkan_error_detail(), "params.cuda_arith")))
            snprintf(why, sizeof why, "%s", wmel_vulkan_error_detail()); /* AUTO's planner mode, CUDA's arithmetic */
        else if (use_plan && st == WMEL_ERR_INVALID_ARG) wmel_plan_check(&plan, why, sizeof why); /* which field */
        else if (p.backend == WMEL_BACKEND_VULKAN) snprintf(why, sizeof why, "%s", wmel_vulkan_error_detail());
        return wmelpy_raise_status(st, "wmel_create", why);
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(tp, Py_tp_alloc);
    CtxObject *self = (CtxObject *)alloc(tp, 0);
    if (!self) {
        wmel_destroy(c);
        return NULL;
    }
    self->ctx = c;
    self->n_mels = p.n_mels;
    self->cuda_device = p.cuda_device;
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

/* log_mel(pcm, padding, out): one clip; pcm float32 or int16 (divided by 32768). */
static PyObject *Ctx_log_mel(PyObject *s, PyObject *args)
{
    CtxObject *self = (CtxObject *)s;
    PyObject *pcm_o, *out_o;
    Py_ssize_t padding;
    if (!PyArg_ParseTuple(args, "OnO:log_mel", &pcm_o, &padding, &out_o)) return NULL;
    if (wmelpy_check_size(padding, "padding") < 0) return NULL;
    Py_buffer in, out;
    int kind = wmelpy_get_pcm(pcm_o, &in, 1, "audio");
    if (kind < 0) return NULL;
    size_t n = (size_t)(in.len / in.itemsize);
    size_t need = (size_t)self->n_mels * wmel_n_frames(n, (size_t)padding);
    if (wmelpy_get_out(out_o, &out, need) < 0) {
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
    if (st) return wmelpy_raise_status(st, NULL, NULL);
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
    if (wmelpy_check_size(batch, "batch") < 0 || wmelpy_check_size(n, "n_samples") < 0 ||
        wmelpy_check_size(stride, "stride") < 0 || wmelpy_check_size(padding, "padding") < 0)
        return NULL;
    Py_buffer in, out;
    if (wmelpy_get_pcm(pcm_o, &in, 0, "audio") < 0) return NULL;
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
        return wmelpy_raise_status(WMEL_ERR_OVERFLOW, NULL, NULL);
    }
    if (wmelpy_get_out(out_o, &out, per * (size_t)batch) < 0) {
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
    if (st) return wmelpy_raise_status(st, NULL, NULL);
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
    if (wmelpy_check_size(batch, "batch") < 0 || wmelpy_check_size(n, "n_samples") < 0 ||
        wmelpy_check_size(stride, "stride") < 0 || wmelpy_check_size(padding, "padding") < 0 ||
        wmelpy_check_size(out_len, "out_len") < 0)
        return NULL;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_cuda_log_mel_device(self->ctx, (const void *)(uintptr_t)pcm, type, (size_t)batch,
                                  (size_t)n, (size_t)stride, (size_t)padding, norm,
                                  (float *)(uintptr_t)out, (size_t)out_len,
                                  (void *)(uintptr_t)stream);
    Py_END_ALLOW_THREADS
    if (st) return wmelpy_raise_status(st, NULL, device_detail(st));
    Py_RETURN_NONE;
}

/* The sentence of WMEL_ERR_TOO_SHORT for this context's plan (wmel_ctx_too_short), or NULL. */
static const char *too_short(const wmel_ctx *ctx, size_t n, char *buf, size_t cap)
{
    return wmel_ctx_too_short(ctx, n, buf, cap) ? buf : NULL;
}

static int seq_u64(PyObject *seq, Py_ssize_t n, unsigned long long **v, const char *what);

/* device_scratch(call, sample_type, n, batch=1, padding=0, batch_norm=0) -> bytes: the device
 * scratch (wmel_cuda_device_scratch) of a device call (CUDA_CALL_*): batch clips of n samples,
 * or (CUDA_CALL_FEATURES_BATCH) n a sequence of the clips' lengths. */
static PyObject *Ctx_device_scratch(PyObject *s, PyObject *args)
{
    CtxObject *self = (CtxObject *)s;
    PyObject *n_o;
    int call, type, norm = 0;
    Py_ssize_t batch = 1, padding = 0;
    if (!PyArg_ParseTuple(args, "iiO|nni:device_scratch", &call, &type, &n_o, &batch, &padding, &norm)) return NULL;
    unsigned long long *n = NULL, one = 0;
    size_t *nn = NULL, bytes = 0;
    if (call == WMEL_CUDA_CALL_FEATURES_BATCH) {
        if ((batch = PySequence_Size(n_o)) < 0 || seq_u64(n_o, batch, &n, "lengths") < 0) {
            PyMem_Free(n);
            return NULL;
        }
    } else {
        one = PyLong_AsUnsignedLongLong(n_o);
        if (PyErr_Occurred()) return NULL;
        n = &one;
    }
    if (wmelpy_check_size(batch, "batch") < 0 || wmelpy_check_size(padding, "padding") < 0 ||
        !(nn = PyMem_Calloc(batch ? (size_t)batch : 1, sizeof *nn))) {
        if (n != &one) PyMem_Free(n);
        return nn ? NULL : PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < (call == WMEL_CUDA_CALL_FEATURES_BATCH ? batch : 1); i++) nn[i] = (size_t)n[i];
    if (n != &one) PyMem_Free(n);
    const int st = wmel_cuda_device_scratch(self->ctx, call, type, (size_t)batch, nn, (size_t)padding, norm, &bytes);
    PyMem_Free(nn);
    if (st) return wmelpy_raise_status(st, NULL, device_detail(st));
    return PyLong_FromSize_t(bytes);
}

/* features_device(pcm_ptr, sample_type, batch, n, stride, out_ptr, out_len, stream_ptr,
 * scratch_ptr=0, scratch_bytes=0): a plan's features (wmel_cuda_features_device, or
 * wmel_cuda_features_device_scratch with the caller's device scratch) of device memory into
 * device memory, the pointers and the cudaStream_t as integers; enqueued on the stream, no
 * synchronisation. Clip b's rows x cols (features_shape(n)) at out_ptr + b * rows * cols floats. */
static PyObject *Ctx_features_device(PyObject *s, PyObject *args)
{
    CtxObject *self = (CtxObject *)s;
    unsigned long long pcm, out, stream, zp = 0;
    Py_ssize_t batch, n, stride, out_len, zb = 0;
    int type;
    if (!PyArg_ParseTuple(args, "KinnnKnK|Kn:features_device", &pcm, &type, &batch, &n, &stride, &out,
                          &out_len, &stream, &zp, &zb))
        return NULL;
    if (wmelpy_check_size(batch, "batch") < 0 || wmelpy_check_size(n, "n_samples") < 0 ||
        wmelpy_check_size(stride, "stride") < 0 || wmelpy_check_size(out_len, "out_len") < 0 ||
        wmelpy_check_size(zb, "scratch_bytes") < 0)
        return NULL;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_cuda_features_device_scratch(self->ctx, (const void *)(uintptr_t)pcm, type, (size_t)batch, (size_t)n,
                                           (size_t)stride, (float *)(uintptr_t)out, (size_t)out_len,
                                           (void *)(uintptr_t)stream, (void *)(uintptr_t)zp, (size_t)zb);
    Py_END_ALLOW_THREADS
    if (device_detail(st)) /* the reason: the backend, the plan, the samples' check */
        return wmelpy_raise_status(st, NULL, device_detail(st));
    if (st == WMEL_ERR_TOO_SHORT) {
        char why[300];
        return wmelpy_raise_status(st, NULL, too_short(self->ctx, (size_t)n, why, sizeof why));
    }
    if (st) return wmelpy_raise_status(st, NULL, NULL);
    Py_RETURN_NONE;
}

/* n integers of a sequence (device pointers or sizes) into v (PyMem); -1 with an exception. */
static int seq_u64(PyObject *seq, Py_ssize_t n, unsigned long long **v, const char *what)
{
    const Py_ssize_t got = PySequence_Size(seq);
    if (got < 0) return -1;
    if (got != n) {
        PyErr_Format(PyExc_ValueError, "features_device_batch: %zd %s for %zd clips", got, what, n);
        return -1;
    }
    *v = PyMem_Calloc(n ? (size_t)n : 1, sizeof **v);
    if (!*v) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PySequence_GetItem(seq, i);
        (*v)[i] = o ? PyLong_AsUnsignedLongLong(o) : 0;
        Py_XDECREF(o);
        if (PyErr_Occurred()) return -1;
    }
    return 0;
}

/* features_device_batch(pcm_ptrs, sample_type, lengths, out_ptrs, out_lens, stream_ptr,
 * scratch_ptr=0, scratch_bytes=0): the features of clips of any lengths in device memory
 * (wmel_cuda_features_device_batch, _scratch with the caller's device scratch), the
 * pointers, sizes and the cudaStream_t as integers (sequences of one per clip); enqueued on
 * the stream in rounds that share launches, no synchronisation. A clip's failure raises with
 * "clip i: ..." (its index). */
static PyObject *Ctx_features_device_batch(PyObject *s, PyObject *args)
{
    CtxObject *self = (CtxObject *)s;
    PyObject *pcm_l, *n_l, *out_l, *len_l;
    unsigned long long stream, zp = 0;
    Py_ssize_t zb = 0;
    int type;
    if (!PyArg_ParseTuple(args, "OiOOOK|Kn:features_device_batch", &pcm_l, &type, &n_l, &out_l, &len_l, &stream, &zp,
                          &zb))
        return NULL;
    if (wmelpy_check_size(zb, "scratch_bytes") < 0) return NULL;
    const Py_ssize_t b = PySequence_Size(pcm_l);
    if (b < 0) return NULL;
    unsigned long long *pcm = NULL, *n = NULL, *out = NULL, *len = NULL;
    int st = WMEL_OK, ok = seq_u64(pcm_l, b, &pcm, "sample pointers") == 0 && seq_u64(n_l, b, &n, "lengths") == 0 &&
                           seq_u64(out_l, b, &out, "output pointers") == 0 && seq_u64(len_l, b, &len, "output sizes") == 0;
    size_t failed = (size_t)b;
    const void **pp = ok ? PyMem_Calloc(b ? (size_t)b : 1, sizeof *pp) : NULL;
    float **op = ok ? PyMem_Calloc(b ? (size_t)b : 1, sizeof *op) : NULL;
    size_t *nn = ok ? PyMem_Calloc(b ? (size_t)b : 1, sizeof *nn) : NULL, *ll = ok ? PyMem_Calloc(b ? (size_t)b : 1, sizeof *ll) : NULL;
    if (ok && !(pp && op && nn && ll)) {
        ok = 0;
        PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; ok && i < b; i++) {
        pp[i] = (const void *)(uintptr_t)pcm[i];
        op[i] = (float *)(uintptr_t)out[i];
        nn[i] = (size_t)n[i];
        ll[i] = (size_t)len[i];
    }
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        st = wmel_cuda_features_device_batch_scratch(self->ctx, pp, type, nn, (size_t)b, op, ll, &failed,
                                                     (void *)(uintptr_t)stream, (void *)(uintptr_t)zp, (size_t)zb);
        Py_END_ALLOW_THREADS
    }
    PyMem_Free(pcm);
    PyMem_Free(n);
    PyMem_Free(out);
    PyMem_Free(len);
    PyMem_Free(pp);
    PyMem_Free(op);
    PyMem_Free(ll);
    if (!ok) {
        PyMem_Free(nn);
        return NULL;
    }
    PyObject *r = Py_None;
    if (st) {
        char name[48], why[300];
        snprintf(name, sizeof name, "clip %zu", failed);
        const int clip = failed < (size_t)b;
        const char *msg = device_detail(st)                                        ? device_detail(st)
                          : st == WMEL_ERR_TOO_SHORT && clip                        ? too_short(self->ctx, nn[failed], why, sizeof why)
                                                                                      : NULL;
        r = wmelpy_raise_status(st, clip && st != WMEL_ERR_CUDA && st != WMEL_ERR_BACKEND_UNAVAILABLE ? name : NULL, msg);
    }
    PyMem_Free(nn);
    if (!r) return NULL;
    Py_RETURN_NONE;
}

/* features_shape(n) -> (rows, cols) of features() for n samples. */
static PyObject *Ctx_features_shape(PyObject *s, PyObject *args)
{
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "n:features_shape", &n)) return NULL;
    if (wmelpy_check_size(n, "n_samples") < 0) return NULL;
    size_t rows, cols;
    int st = wmel_features_shape(((CtxObject *)s)->ctx, (size_t)n, &rows, &cols);
    char why[300];
    if (st == WMEL_ERR_TOO_SHORT)
        return wmelpy_raise_status(st, NULL, too_short(((CtxObject *)s)->ctx, (size_t)n, why, sizeof why));
    if (st) return wmelpy_raise_status(st, NULL, NULL);
    return Py_BuildValue("(nn)", (Py_ssize_t)rows, (Py_ssize_t)cols);
}

/* features(pcm, out): the ctx's front-end on one clip of float32 samples. */
static PyObject *Ctx_features(PyObject *s, PyObject *args)
{
    CtxObject *self = (CtxObject *)s;
    PyObject *pcm_o, *out_o;
    if (!PyArg_ParseTuple(args, "OO:features", &pcm_o, &out_o)) return NULL;
    Py_buffer in, out;
    if (wmelpy_get_pcm(pcm_o, &in, 0, "audio") < 0) return NULL;
    size_t n = (size_t)(in.len / in.itemsize), rows = 0, cols = 0;
    int st = wmel_features_shape(self->ctx, n, &rows, &cols);
    if (st) {
        char why[300];
        PyBuffer_Release(&in);
        return wmelpy_raise_status(st, NULL, st == WMEL_ERR_TOO_SHORT ? too_short(self->ctx, n, why, sizeof why) : NULL);
    }
    if (wmelpy_get_out(out_o, &out, rows * cols) < 0) {
        PyBuffer_Release(&in);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    st = wmel_features(self->ctx, (const float *)in.buf, n, (float *)out.buf, (size_t)out.len / 4);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&out);
    PyBuffer_Release(&in);
    if (st) return wmelpy_raise_status(st, NULL, NULL);
    Py_RETURN_NONE;
}

/* features_batch(pcms, outs): wmel_features_batch on lists of float32 clips and their
 * outputs (each out sized by features_shape); a failure names its clip. */
static PyObject *Ctx_features_batch(PyObject *s, PyObject *args)
{
    CtxObject *self = (CtxObject *)s;
    PyObject *pcm_l, *out_l;
    if (!PyArg_ParseTuple(args, "O!O!:features_batch", &PyList_Type, &pcm_l, &PyList_Type, &out_l)) return NULL;
    const Py_ssize_t nb = PyList_Size(pcm_l);
    if (PyList_Size(out_l) != nb) {
        PyErr_Format(PyExc_ValueError, "features_batch: %zd clips and %zd outputs", nb, PyList_Size(out_l));
        return NULL;
    }
    const size_t b = (size_t)nb;
    Py_buffer *in = PyMem_Calloc(b ? b : 1, sizeof *in), *out = PyMem_Calloc(b ? b : 1, sizeof *out);
    const float **pcm = PyMem_Calloc(b ? b : 1, sizeof *pcm);
    float **o = PyMem_Calloc(b ? b : 1, sizeof *o);
    size_t *n = PyMem_Calloc(b ? b : 1, sizeof *n), *len = PyMem_Calloc(b ? b : 1, sizeof *len);
    size_t got_in = 0, got_out = 0, failed = b;
    int st = WMEL_OK, ok = in && out && pcm && o && n && len;
    if (!ok) PyErr_NoMemory();
    for (size_t i = 0; ok && i < b; i++) {
        char name[48];
        snprintf(name, sizeof name, "clip %zu", i);
        if (wmelpy_get_pcm(PyList_GetItem(pcm_l, (Py_ssize_t)i), &in[i], 0, name) < 0) {
            ok = 0;
            break;
        }
        got_in++;
        pcm[i] = (const float *)in[i].buf;
        n[i] = (size_t)(in[i].len / in[i].itemsize);
        size_t rows = 0, cols = 0;
        st = wmel_features_shape(self->ctx, n[i], &rows, &cols);
        if (st) {
            char why[300];
            wmelpy_raise_status(st, name, st == WMEL_ERR_TOO_SHORT ? too_short(self->ctx, n[i], why, sizeof why) : NULL);
            ok = 0;
            break;
        }
        if (wmelpy_get_out(PyList_GetItem(out_l, (Py_ssize_t)i), &out[i], rows * cols) < 0) {
            ok = 0;
            break;
        }
        got_out++;
        o[i] = (float *)out[i].buf;
        len[i] = (size_t)out[i].len / 4;
    }
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        st = wmel_features_batch(self->ctx, pcm, n, b, o, len, &failed);
        Py_END_ALLOW_THREADS
    }
    for (size_t i = 0; i < got_out; i++) PyBuffer_Release(&out[i]);
    for (size_t i = 0; i < got_in; i++) PyBuffer_Release(&in[i]);
    PyMem_Free(in);
    PyMem_Free(out);
    PyMem_Free(pcm);
    PyMem_Free(o);
    PyMem_Free(n);
    PyMem_Free(len);
    if (!ok) return NULL;
    if (st) {
        char name[48];
        snprintf(name, sizeof name, "clip %zu", failed);
        return wmelpy_raise_status(st, failed < b ? name : NULL, NULL);
    }
    Py_RETURN_NONE;
}

static PyObject *Ctx_get_plan(PyObject *s, void *c)
{
    (void)c;
    wmel_frontend_plan pl;
    int st = wmel_ctx_plan(((CtxObject *)s)->ctx, &pl);
    if (st) return wmelpy_raise_status(st, NULL, NULL);
    return wmelpy_plan_to_dict(&pl);
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

static PyObject *Ctx_op_reason(PyObject *s, PyObject *args)
{
    int op;
    if (!PyArg_ParseTuple(args, "i:op_reason", &op)) return NULL;
    char why[400];
    const int rc = wmel_op_reason(((CtxObject *)s)->ctx, op, why, sizeof why);
    if (rc < 0) return wmelpy_raise_status(rc, "op_reason", NULL);
    return PyUnicode_FromString(rc == 1 ? why : "");
}

static PyObject *Ctx_get_cuda_device(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromLong(((CtxObject *)s)->cuda_device);
}

static PyObject *Ctx_get_backend(PyObject *s, void *c)
{
    (void)c;
    return PyUnicode_FromString(wmel_backend_name(((CtxObject *)s)->ctx));
}

static PyObject *Ctx_get_backend_reason(PyObject *s, void *c)
{
    (void)c;
    return PyUnicode_FromString(wmel_backend_reason(((CtxObject *)s)->ctx));
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
    {"op_reason", Ctx_op_reason, METH_VARARGS, "op_reason(op) -> why a device ctx's stage ran on the host ('' if not)"},
    {"features", Ctx_features, METH_VARARGS, "features(pcm, out): wmel_features on float32 samples"},
    {"features_batch", Ctx_features_batch, METH_VARARGS,
     "features_batch(pcms, outs): wmel_features_batch on lists of float32 clips"},
    {"features_shape", Ctx_features_shape, METH_VARARGS, "features_shape(n) -> (rows, cols)"},
    {"features_device_batch", Ctx_features_device_batch, METH_VARARGS,
     "wmel_cuda_features_device_batch on device pointers (clips of any lengths), enqueued on the stream"},
    {"features_device", Ctx_features_device, METH_VARARGS,
     "features_device(pcm_ptr, sample_type, batch, n, stride, out_ptr, out_len, stream, scratch_ptr=0, "
     "scratch_bytes=0): wmel_cuda_features_device on device pointers, enqueued on the stream"},
    {"device_scratch", Ctx_device_scratch, METH_VARARGS,
     "device_scratch(call, sample_type, n, batch=1, padding=0, batch_norm=0) -> the device scratch's bytes of a "
     "device call (CUDA_CALL_*; n: the clips' lengths for CUDA_CALL_FEATURES_BATCH)"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Ctx_getset[] = {
    {"n_mels", Ctx_get_n_mels, NULL, "mel bands", NULL},
    {"backend", Ctx_get_backend, NULL, "backend name", NULL},
    {"cuda_device", Ctx_get_cuda_device, NULL, "the CUDA device ordinal asked for (wmel_params.cuda_device)", NULL},
    {"kernel", Ctx_get_kernel, NULL, "kernel name", NULL},
    {"backend_reason", Ctx_get_backend_reason, NULL, "why the backend was taken (AUTO's timing)", NULL},
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

/* Adds Ctx to the module. */
int wmelpy_ctx_init(PyObject *m)
{
    PyObject *ctx_t = PyType_FromSpec(&Ctx_spec);
    if (!ctx_t || PyModule_AddObject(m, "Ctx", ctx_t) < 0) {
        Py_XDECREF(ctx_t);
        return -1;
    }
    wmelpy_CtxType = ctx_t;
    Py_INCREF(wmelpy_CtxType); /* one reference kept in the pointer */
    return 0;
}
