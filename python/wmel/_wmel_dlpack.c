/*
 * _wmel_dlpack.c -- DLPack on a CUDA device for wmel._wmel: the consumer of another library's
 * capsule (DLIn: dlpack_take) and the producer of wmel's device outputs (CudaArray), whose
 * memory this file allocates with the CUDA runtime the library links. A build without CUDA
 * has the types, and every call that would touch a device raises RuntimeError.
 *
 * The ABI is the DLPack specification's two capsules: the unversioned "dltensor"
 * (DLManagedTensor) and, from DLPack 1.0, "dltensor_versioned" (DLManagedTensorVersioned: the
 * version, the flags -- read-only, copied -- and the tensor). A consumer renames the capsule
 * "used_dltensor" / "used_dltensor_versioned" and calls the tensor's deleter once when done
 * with it; a capsule never consumed calls it when it dies. dlpack_take takes both (a versioned
 * one of major version 1: wmel only reads the samples, so a read-only tensor is taken too);
 * CudaArray.__dlpack__ makes the versioned one where the consumer's max_version says it takes
 * it. The CUDA emulator's build (tests only) adds _emu_array (a CudaArray of any dtype and
 * strides holding given bytes: the tests' stand-in for CuPy / JAX arrays) and
 * _emu_host_copies (the emulator's count of host<->device copies), _emu_allocs_waits (its
 * device allocations made and host waits).
 */
#include "_wmel.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef WMEL_HAVE_CUDA
#include <cuda_runtime_api.h>
#ifndef cudaStreamPerThread
#define cudaStreamPerThread ((cudaStream_t)0) /* the emulator has the legacy default stream only */
#endif
#endif

/* ---- DLPack's structures (the specification's C ABI) */
enum { DL_CPU = 1, DL_CUDA = 2 };
enum { DL_INT = 0, DL_UINT = 1, DL_FLOAT = 2 };
typedef struct {
    int32_t device_type, device_id;
} dl_device;
typedef struct {
    uint8_t code, bits;
    uint16_t lanes;
} dl_dtype;
typedef struct {
    void *data;
    dl_device device;
    int32_t ndim;
    dl_dtype dtype;
    int64_t *shape, *strides;
    uint64_t byte_offset;
} dl_tensor;
typedef struct dl_managed {
    dl_tensor t;
    void *manager_ctx;
    void (*deleter)(struct dl_managed *);
} dl_managed;
/* DLPack 1.0's versioned tensor: the version first, so that a consumer reads it from any
 * version's struct before anything else */
typedef struct {
    uint32_t major, minor;
} dl_version;
typedef struct dl_managed_v {
    dl_version version;
    void *manager_ctx;
    void (*deleter)(struct dl_managed_v *);
    uint64_t flags;
    dl_tensor t;
} dl_managed_v;
enum { DL_VERSION_MAJOR = 1, DL_VERSION_MINOR = 0 }; /* the version wmel implements */
#define DL_FLAG_READ_ONLY ((uint64_t)1)
#define DL_FLAG_IS_COPIED ((uint64_t)2)

#define MAX_DIMS 4

/* ---- the CUDA runtime, the calling thread's current device kept as it was */

#ifdef WMEL_HAVE_CUDA
static PyObject *cuda_raise(cudaError_t e, const char *what)
{
    PyErr_Format(PyExc_RuntimeError, "%s: CUDA error %s (%s)", what, cudaGetErrorName(e), cudaGetErrorString(e));
    return NULL;
}

/* Makes device the current one; *prev the one to restore (-1: none). */
static cudaError_t dev_enter(int device, int *prev)
{
    *prev = -1;
    cudaError_t e = cudaGetDevice(prev);
    if (e != cudaSuccess) return e;
    return *prev == device ? cudaSuccess : cudaSetDevice(device);
}

static void dev_leave(int device, int prev)
{
    if (prev >= 0 && prev != device) cudaSetDevice(prev);
}
#else
static PyObject *no_cuda(const char *what)
{
    PyErr_Format(PyExc_RuntimeError, "%s: this wmel was built without CUDA", what);
    return NULL;
}
#endif

/* ------------------------------------------------------------------ DLIn: a consumed capsule */

typedef struct {
    PyObject_HEAD
    dl_managed *m;    /* an unversioned capsule's tensor, or NULL */
    dl_managed_v *mv; /* a versioned capsule's, or NULL (both NULL once released) */
} DLInObject;

static void DLIn_release_now(DLInObject *o)
{
    dl_managed *m = o->m;
    dl_managed_v *mv = o->mv;
    o->m = NULL;
    o->mv = NULL;
    if (m && m->deleter) m->deleter(m);
    if (mv && mv->deleter) mv->deleter(mv);
}

static void DLIn_dealloc(PyObject *s)
{
    DLIn_release_now((DLInObject *)s);
    PyTypeObject *tp = Py_TYPE(s);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(s);
    Py_DECREF(tp);
}

static PyObject *DLIn_release(PyObject *s, PyObject *noargs)
{
    (void)noargs;
    DLIn_release_now((DLInObject *)s);
    Py_RETURN_NONE;
}

static dl_tensor *DLIn_t(PyObject *s)
{
    DLInObject *o = (DLInObject *)s;
    if (!o->m && !o->mv) PyErr_SetString(PyExc_ValueError, "the DLPack tensor was released");
    return o->m ? &o->m->t : o->mv ? &o->mv->t : NULL;
}

static PyObject *int64_tuple(const int64_t *v, int n)
{
    PyObject *t = PyTuple_New(n);
    for (int i = 0; t && i < n; i++) {
        PyObject *x = PyLong_FromLongLong(v[i]);
        if (!x || PyTuple_SetItem(t, i, x) < 0) {
            Py_DECREF(t);
            return NULL;
        }
    }
    return t;
}

static PyObject *DLIn_info(PyObject *s, PyObject *noargs)
{
    (void)noargs;
    dl_tensor *t = DLIn_t(s);
    if (!t) return NULL;
    if (t->ndim < 0 || t->ndim > MAX_DIMS || (t->ndim && !t->shape)) {
        PyErr_Format(PyExc_ValueError, "DLPack tensor of %d dimensions: wmel takes 1-D or 2-D samples", (int)t->ndim);
        return NULL;
    }
    PyObject *shape = int64_tuple(t->shape, t->ndim);
    PyObject *strides = t->strides ? int64_tuple(t->strides, t->ndim) : (Py_INCREF(Py_None), Py_None);
    if (!shape || !strides) {
        Py_XDECREF(shape);
        Py_XDECREF(strides);
        return NULL;
    }
    const unsigned long long ptr = (unsigned long long)(uintptr_t)t->data + t->byte_offset;
    const dl_managed_v *mv = ((DLInObject *)s)->mv;
    PyObject *version = mv ? Py_BuildValue("(kk)", (unsigned long)mv->version.major, (unsigned long)mv->version.minor)
                           : (Py_INCREF(Py_None), Py_None);
    if (!version) {
        Py_DECREF(shape);
        Py_DECREF(strides);
        return NULL;
    }
    return Py_BuildValue("{s:K,s:(ii),s:(iii),s:N,s:N,s:N,s:K}", "ptr", ptr, "device", (int)t->device.device_type,
                         (int)t->device.device_id, "dtype", (int)t->dtype.code, (int)t->dtype.bits,
                         (int)t->dtype.lanes, "shape", shape, "strides", strides, "version", version, "flags",
                         (unsigned long long)(mv ? mv->flags : 0));
}

static PyMethodDef DLIn_methods[] = {
    {"info", DLIn_info, METH_NOARGS,
     "info() -> {ptr (data + byte_offset), device (type, id), dtype (code, bits, lanes), shape, strides or None, "
     "version ((major, minor) of a versioned capsule, None), flags (its flags: 1 read-only, 2 copied; 0)}"},
    {"release", DLIn_release, METH_NOARGS, "release(): calls the tensor's deleter (once; dying does too)"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot DLIn_slots[] = {
    {Py_tp_doc, "a consumed DLPack capsule's tensor (dlpack_take): its deleter is called once, by "
                "release() or when this object dies"},
    {Py_tp_dealloc, DLIn_dealloc},
    {Py_tp_methods, DLIn_methods},
    {0, NULL},
};

static PyType_Spec DLIn_spec = {"wmel._wmel.DLIn", sizeof(DLInObject), 0, Py_TPFLAGS_DEFAULT, DLIn_slots};
static PyObject *DLInType;

/* dlpack_take(capsule) -> DLIn: the capsule consumed (renamed "used_dltensor" or
 * "used_dltensor_versioned"); its tensor's deleter is the DLIn's to call. A versioned
 * capsule of another major version than 1 is refused (BufferError) and left as it is: its
 * own destructor calls its deleter. */
static PyObject *m_dlpack_take(PyObject *m, PyObject *cap)
{
    (void)m;
    if (PyCapsule_IsValid(cap, "used_dltensor") || PyCapsule_IsValid(cap, "used_dltensor_versioned")) {
        PyErr_SetString(PyExc_ValueError, "this DLPack capsule was consumed already (a capsule is taken once)");
        return NULL;
    }
    const int versioned = PyCapsule_IsValid(cap, "dltensor_versioned");
    if (!versioned && !PyCapsule_IsValid(cap, "dltensor")) {
        PyErr_SetString(PyExc_TypeError, "__dlpack__() did not return a DLPack capsule named \"dltensor\" or "
                        "\"dltensor_versioned\"");
        return NULL;
    }
    void *mt = PyCapsule_GetPointer(cap, versioned ? "dltensor_versioned" : "dltensor");
    if (!mt) return NULL;
    if (versioned && ((dl_managed_v *)mt)->version.major != DL_VERSION_MAJOR) {
        const dl_version v = ((dl_managed_v *)mt)->version;
        PyErr_Format(PyExc_BufferError, "a DLPack capsule of version %lu.%lu: wmel takes DLPack %d.x (the producer's "
                     "__dlpack__(max_version=(%d, %d)) should give it)", (unsigned long)v.major,
                     (unsigned long)v.minor, DL_VERSION_MAJOR, DL_VERSION_MAJOR, DL_VERSION_MINOR);
        return NULL;
    }
    DLInObject *o = PyObject_New(DLInObject, (PyTypeObject *)DLInType);
    if (!o) return NULL;
    o->m = NULL;
    o->mv = NULL;
    if (PyCapsule_SetName(cap, versioned ? "used_dltensor_versioned" : "used_dltensor") < 0) {
        Py_DECREF(o);
        return NULL;
    }
    if (versioned) o->mv = mt;
    else o->m = mt;
    return (PyObject *)o;
}

/* ------------------------------------------------------------------ CudaArray: device memory */

typedef struct {
    PyObject_HEAD
    void *ptr;      /* the allocation (cudaMalloc) */
    size_t bytes;
    int device, ndim;
    dl_dtype dtype;
    int64_t shape[MAX_DIMS], strides[MAX_DIMS]; /* strides in elements */
    int has_strides;
    uint64_t byte_offset;
    void *event;    /* cudaEvent_t recorded after the work that writes it (ready()), or NULL */
    PyObject *keep; /* what that work reads (the inputs), released once it is done */
    PyObject *streams; /* the stream argument of each __dlpack__ call, in order */
    Py_ssize_t exported, released; /* capsules made, and their deleters called */
    int read_only;     /* a versioned capsule's DLPack read-only flag (_emu_array's only) */
    uint32_t dl_major; /* a versioned capsule's major version (1; _emu_array's may say another) */
} CudaArrayObject;

static PyObject *CudaArrayType;

/* Waits for the work recorded by ready(), then lets its inputs go. */
static void ca_settle(CudaArrayObject *o)
{
#ifdef WMEL_HAVE_CUDA
    if (o->event) {
        cudaEvent_t ev = (cudaEvent_t)o->event;
        Py_BEGIN_ALLOW_THREADS
        cudaEventSynchronize(ev);
        cudaEventDestroy(ev);
        Py_END_ALLOW_THREADS
    }
#endif
    o->event = NULL;
    Py_CLEAR(o->keep);
}

static void CudaArray_dealloc(PyObject *s)
{
    CudaArrayObject *o = (CudaArrayObject *)s;
    ca_settle(o);
#ifdef WMEL_HAVE_CUDA
    if (o->ptr) {
        int prev;
        if (dev_enter(o->device, &prev) == cudaSuccess) cudaFree(o->ptr);
        dev_leave(o->device, prev);
        cudaGetLastError(); /* nothing to report from a destructor */
    }
#endif
    Py_CLEAR(o->streams);
    PyTypeObject *tp = Py_TYPE(s);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(s);
    Py_DECREF(tp);
}

/* A CudaArray of `bytes` bytes of device memory on `device` (unset), no shape yet. */
static CudaArrayObject *ca_alloc(size_t bytes, int device)
{
#ifdef WMEL_HAVE_CUDA
    CudaArrayObject *o = PyObject_New(CudaArrayObject, (PyTypeObject *)CudaArrayType);
    if (!o) return NULL;
    o->ptr = NULL;
    o->bytes = bytes;
    o->device = device;
    o->ndim = 0;
    o->dtype = (dl_dtype){DL_FLOAT, 32, 1};
    o->has_strides = 0;
    o->byte_offset = 0;
    o->event = NULL;
    o->keep = NULL;
    o->exported = o->released = 0;
    o->read_only = 0;
    o->dl_major = DL_VERSION_MAJOR;
    o->streams = PyList_New(0);
    if (!o->streams) {
        Py_DECREF(o);
        return NULL;
    }
    int prev;
    cudaError_t e = dev_enter(device, &prev);
    if (e == cudaSuccess) e = cudaMalloc(&o->ptr, bytes ? bytes : 1);
    dev_leave(device, prev);
    if (e != cudaSuccess) {
        o->ptr = NULL;
        Py_DECREF(o);
        cudaGetLastError();
        char what[96];
        snprintf(what, sizeof what, "cudaMalloc of %zu bytes on cuda:%d", bytes, device);
        return (CudaArrayObject *)cuda_raise(e, what);
    }
    return o;
#else
    (void)bytes;
    (void)device;
    return (CudaArrayObject *)no_cuda("a CUDA array");
#endif
}

/* The shape of a sequence of 1..MAX_DIMS sizes >= 0 into o; the element count in *n. */
static int ca_set_shape(CudaArrayObject *o, PyObject *shape, size_t *n)
{
    const Py_ssize_t nd = PySequence_Size(shape);
    if (nd < 0) return -1;
    if (nd < 1 || nd > MAX_DIMS) {
        PyErr_Format(PyExc_ValueError, "shape: 1 to %d sizes, got %zd", MAX_DIMS, nd);
        return -1;
    }
    *n = 1;
    for (Py_ssize_t i = 0; i < nd; i++) {
        PyObject *x = PySequence_GetItem(shape, i);
        const long long v = x ? PyLong_AsLongLong(x) : -1;
        Py_XDECREF(x);
        if (PyErr_Occurred()) return -1;
        if (v < 0 || (v && *n > SIZE_MAX / 8 / (size_t)v)) {
            PyErr_Format(PyExc_ValueError, "shape: size %lld out of range", v);
            return -1;
        }
        o->shape[i] = v;
        *n *= (size_t)v;
    }
    o->ndim = (int)nd;
    return 0;
}

/* CudaArray(shape, device): float32 device memory, C order, unset. */
static PyObject *CudaArray_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    PyObject *shape;
    int device;
    (void)tp;
    if (kw && PyDict_Size(kw)) {
        PyErr_SetString(PyExc_TypeError, "CudaArray(shape, device) takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "Oi:CudaArray", &shape, &device)) return NULL;
    CudaArrayObject tmp;
    size_t n;
    if (ca_set_shape(&tmp, shape, &n) < 0) return NULL;
    CudaArrayObject *o = ca_alloc(n * 4, device);
    if (!o) return NULL;
    o->ndim = tmp.ndim;
    memcpy(o->shape, tmp.shape, sizeof o->shape);
    return (PyObject *)o;
}

/* One exported capsule's tensor: m (unversioned) or mv (versioned), whichever the capsule
 * holds, with the shape and strides it points to. */
typedef struct {
    dl_managed m;
    dl_managed_v mv;
    int64_t shape[MAX_DIMS], strides[MAX_DIMS];
} ca_export;

static void ca_export_free(ca_export *x, CudaArrayObject *o)
{
    PyGILState_STATE g = PyGILState_Ensure();
    o->released++;
    Py_DECREF(o);
    free(x);
    PyGILState_Release(g);
}

static void ca_deleter(dl_managed *m)
{
    ca_export_free((ca_export *)(void *)((char *)m - offsetof(ca_export, m)), m->manager_ctx);
}

static void ca_deleter_v(dl_managed_v *mv)
{
    ca_export_free((ca_export *)(void *)((char *)mv - offsetof(ca_export, mv)), mv->manager_ctx);
}

static void ca_capsule_destructor(PyObject *cap)
{
    if (!PyCapsule_IsValid(cap, "dltensor")) return; /* consumed: the consumer calls the deleter */
    dl_managed *m = PyCapsule_GetPointer(cap, "dltensor");
    if (m && m->deleter) m->deleter(m);
}

static void ca_capsule_destructor_v(PyObject *cap)
{
    if (!PyCapsule_IsValid(cap, "dltensor_versioned")) return; /* consumed */
    dl_managed_v *mv = PyCapsule_GetPointer(cap, "dltensor_versioned");
    if (mv && mv->deleter) mv->deleter(mv);
}

/* max_version of __dlpack__: 1 where the consumer takes a versioned capsule (major >= 1),
 * 0 for the unversioned one (None, major 0), -1 with TypeError for another value. */
static int ca_versioned(PyObject *maxv)
{
    if (maxv == Py_None) return 0;
    long long major = 0, minor = 0;
    if (!PyTuple_Check(maxv) || !PyArg_ParseTuple(maxv, "LL", &major, &minor) || major < 0 || minor < 0) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "__dlpack__: max_version must be None or a (major, minor) tuple of ints >= 0");
        return -1;
    }
    return major >= 1;
}

/* Orders the consumer's stream after the work ready() recorded (the DLPack stream rule:
 * None and 1 the legacy default stream, 2 the per-thread default stream, -1 no ordering,
 * another integer a cudaStream_t; 0 is refused). */
static int ca_order_stream(CudaArrayObject *o, PyObject *stream)
{
    long long s = 1;
    if (stream != Py_None) {
        s = PyLong_AsLongLong(stream);
        if (s == -1 && PyErr_Occurred()) return -1;
    }
    if (s == 0 || s < -1) {
        PyErr_Format(PyExc_ValueError, "__dlpack__: stream=%lld: a CUDA consumer passes None or 1 (the legacy "
                     "default stream), 2 (the per-thread default stream), -1 (no ordering) or a stream "
                     "handle; 0 is disallowed", s);
        return -1;
    }
#ifdef WMEL_HAVE_CUDA
    if (o->event && s != -1 && s != 1) {
        cudaStream_t cs = s == 2 ? cudaStreamPerThread : (cudaStream_t)(uintptr_t)s;
        cudaError_t e = cudaStreamWaitEvent(cs, (cudaEvent_t)o->event, 0);
        if (e != cudaSuccess) {
            cudaGetLastError();
            cuda_raise(e, "__dlpack__: ordering the consumer's stream");
            return -1;
        }
    }
#else
    (void)o;
#endif
    return 0;
}

/* __dlpack__(stream=None, max_version=None, dl_device=None, copy=None): a capsule of the
 * memory (shared, no copy), which holds this object until its deleter: versioned (DLPack
 * 1.0, "dltensor_versioned") where max_version's major is 1 or more, else unversioned. */
static PyObject *CudaArray_dlpack(PyObject *s, PyObject *args, PyObject *kw)
{
    CudaArrayObject *o = (CudaArrayObject *)s;
    static char *names[] = {"stream", "max_version", "dl_device", "copy", NULL};
    PyObject *stream = Py_None, *maxv = Py_None, *dev = Py_None, *copy = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|$OOOO:__dlpack__", names, &stream, &maxv, &dev, &copy)) return NULL;
    const int versioned = ca_versioned(maxv);
    if (versioned < 0) return NULL;
    if (dev != Py_None) {
        int t = -1, id = -1;
        if (!PyArg_ParseTuple(dev, "ii", &t, &id)) return NULL;
        if (t != DL_CUDA || id != o->device) {
            PyErr_Format(PyExc_BufferError, "__dlpack__: dl_device=(%d, %d): this array lives on (%d, %d) "
                         "and is not copied", t, id, DL_CUDA, o->device);
            return NULL;
        }
    }
    if (copy == Py_True) {
        PyErr_SetString(PyExc_BufferError, "__dlpack__: copy=True: this array exports its memory, never a copy");
        return NULL;
    }
    if (ca_order_stream(o, stream) < 0 || PyList_Append(o->streams, stream) < 0) return NULL;
    ca_export *x = calloc(1, sizeof *x);
    if (!x) return PyErr_NoMemory();
    memcpy(x->shape, o->shape, sizeof x->shape);
    int64_t st = 1;
    for (int i = o->ndim - 1; i >= 0; i--) {
        x->strides[i] = o->has_strides ? o->strides[i] : st;
        st *= o->shape[i];
    }
    const dl_tensor t = {o->ptr, {DL_CUDA, o->device}, o->ndim, o->dtype, x->shape, x->strides, o->byte_offset};
    PyObject *cap;
    if (versioned) {
        x->mv = (dl_managed_v){{o->dl_major, DL_VERSION_MINOR}, o, ca_deleter_v,
                               o->read_only ? DL_FLAG_READ_ONLY : 0, t};
        cap = PyCapsule_New(&x->mv, "dltensor_versioned", ca_capsule_destructor_v);
    } else {
        x->m = (dl_managed){t, o, ca_deleter};
        cap = PyCapsule_New(&x->m, "dltensor", ca_capsule_destructor);
    }
    if (!cap) {
        free(x);
        return NULL;
    }
    Py_INCREF((PyObject *)o);
    o->exported++;
    return cap;
}

static PyObject *CudaArray_dlpack_device(PyObject *s, PyObject *noargs)
{
    (void)noargs;
    return Py_BuildValue("(ii)", DL_CUDA, ((CudaArrayObject *)s)->device);
}

/* ready(keep): records an event on the legacy default stream after the work just enqueued
 * there that writes this array; keep (its inputs) is held until that work is done. */
static PyObject *CudaArray_ready(PyObject *s, PyObject *keep)
{
    CudaArrayObject *o = (CudaArrayObject *)s;
    ca_settle(o);
#ifdef WMEL_HAVE_CUDA
    int prev;
    cudaEvent_t ev = NULL;
    cudaError_t e = dev_enter(o->device, &prev);
    if (e == cudaSuccess) e = cudaEventCreateWithFlags(&ev, cudaEventDisableTiming);
    if (e == cudaSuccess) {
        e = cudaEventRecord(ev, NULL);
        if (e != cudaSuccess) cudaEventDestroy(ev);
    }
    dev_leave(o->device, prev);
    if (e != cudaSuccess) {
        cudaGetLastError();
        return cuda_raise(e, "recording the output's event");
    }
    o->event = ev;
#endif
    Py_INCREF(keep);
    o->keep = keep;
    Py_RETURN_NONE;
}

/* write(buffer): the bytes of a host buffer into the array (a synchronous copy). */
static PyObject *CudaArray_write(PyObject *s, PyObject *arg)
{
    CudaArrayObject *o = (CudaArrayObject *)s;
    Py_buffer v;
    if (PyObject_GetBuffer(arg, &v, PyBUF_SIMPLE) < 0) return NULL;
    if ((size_t)v.len != o->bytes) {
        PyErr_Format(PyExc_ValueError, "write: %zd bytes for an array of %zu", v.len, o->bytes);
        PyBuffer_Release(&v);
        return NULL;
    }
#ifdef WMEL_HAVE_CUDA
    int prev;
    cudaError_t e = dev_enter(o->device, &prev);
    if (e == cudaSuccess && v.len) e = cudaMemcpy(o->ptr, v.buf, (size_t)v.len, cudaMemcpyHostToDevice);
    dev_leave(o->device, prev);
    PyBuffer_Release(&v);
    if (e != cudaSuccess) {
        cudaGetLastError();
        return cuda_raise(e, "copying to the device");
    }
    Py_RETURN_NONE;
#else
    PyBuffer_Release(&v);
    return no_cuda("write");
#endif
}

static PyObject *CudaArray_ptr(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong((unsigned long long)(uintptr_t)((CudaArrayObject *)s)->ptr);
}

static PyObject *CudaArray_shape(PyObject *s, void *c)
{
    (void)c;
    CudaArrayObject *o = (CudaArrayObject *)s;
    return int64_tuple(o->shape, o->ndim);
}

static PyObject *CudaArray_nbytes(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromSize_t(((CudaArrayObject *)s)->bytes);
}

static PyObject *CudaArray_device(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromLong(((CudaArrayObject *)s)->device);
}

static PyObject *CudaArray_streams(PyObject *s, void *c)
{
    (void)c;
    return PyList_GetSlice(((CudaArrayObject *)s)->streams, 0, PY_SSIZE_T_MAX);
}

static PyObject *CudaArray_counts(PyObject *s, void *c)
{
    (void)c;
    CudaArrayObject *o = (CudaArrayObject *)s;
    return Py_BuildValue("(nn)", o->exported, o->released);
}

static PyMethodDef CudaArray_methods[] = {
    {"__dlpack__", (PyCFunction)(void (*)(void))CudaArray_dlpack, METH_VARARGS | METH_KEYWORDS,
     "__dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None) -> a DLPack capsule of the "
     "memory (kDLCUDA, no copy): versioned (1.0) where max_version's major is >= 1, else unversioned; the "
     "consumer's stream is ordered after the work that wrote it"},
    {"__dlpack_device__", CudaArray_dlpack_device, METH_NOARGS, "__dlpack_device__() -> (2, device): kDLCUDA"},
    {"ready", CudaArray_ready, METH_O, "ready(keep): an event after the work enqueued on the legacy default "
                                       "stream; keep held until it is done"},
    {"write", CudaArray_write, METH_O, "write(buffer): a host buffer's bytes into the array"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef CudaArray_getset[] = {
    {"ptr", CudaArray_ptr, NULL, "the device address", NULL},
    {"shape", CudaArray_shape, NULL, "the shape", NULL},
    {"nbytes", CudaArray_nbytes, NULL, "the bytes allocated", NULL},
    {"device", CudaArray_device, NULL, "the CUDA device's index", NULL},
    {"dlpack_streams", CudaArray_streams, NULL, "the stream argument of each __dlpack__ call", NULL},
    {"dlpack_counts", CudaArray_counts, NULL, "(capsules exported, their deleters called)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot CudaArray_slots[] = {
    {Py_tp_doc, "CudaArray(shape, device): float32 memory on a CUDA device, a DLPack producer (wmel's "
                "features of a CUDA DLPack producer)"},
    {Py_tp_new, CudaArray_new},
    {Py_tp_dealloc, CudaArray_dealloc},
    {Py_tp_methods, CudaArray_methods},
    {Py_tp_getset, CudaArray_getset},
    {0, NULL},
};

static PyType_Spec CudaArray_spec = {"wmel._wmel.CudaArray", sizeof(CudaArrayObject), 0, Py_TPFLAGS_DEFAULT,
                                     CudaArray_slots};

/* cuda_read(ptr, nbytes, device) -> bytes: a synchronous copy of device memory to the host. */
static PyObject *m_cuda_read(PyObject *m, PyObject *args)
{
    unsigned long long ptr;
    Py_ssize_t n;
    int device;
    (void)m;
    if (!PyArg_ParseTuple(args, "Kni:cuda_read", &ptr, &n, &device)) return NULL;
    if (wmelpy_check_size(n, "nbytes") < 0) return NULL;
#ifdef WMEL_HAVE_CUDA
    PyObject *out = PyBytes_FromStringAndSize(NULL, n);
    if (!out) return NULL;
    int prev;
    cudaError_t e;
    Py_BEGIN_ALLOW_THREADS
    e = dev_enter(device, &prev);
    if (e == cudaSuccess && n) e = cudaMemcpy(PyBytes_AsString(out), (const void *)(uintptr_t)ptr, (size_t)n,
                                              cudaMemcpyDeviceToHost);
    dev_leave(device, prev);
    Py_END_ALLOW_THREADS
    if (e != cudaSuccess) {
        Py_DECREF(out);
        cudaGetLastError();
        return cuda_raise(e, "copying to the host");
    }
    return out;
#else
    (void)ptr;
    (void)device;
    return no_cuda("cuda_read");
#endif
}

#ifdef WMEL_CUDA_EMU
/* _emu_array(data, code, bits, shape, strides=None, byte_offset=0, device=0, read_only=0,
 * dl_major=1) -> CudaArray of the emulator's device memory holding byte_offset unset bytes
 * then data, read as the given DLPack dtype, shape and strides (elements); its versioned
 * capsules carry the read-only flag and the major version given. Tests only: the stand-in for
 * CuPy / JAX. */
static PyObject *m_emu_array(PyObject *m, PyObject *args)
{
    Py_buffer v;
    int code, bits, device = 0, read_only = 0;
    unsigned int dl_major = DL_VERSION_MAJOR;
    PyObject *shape, *strides = Py_None;
    unsigned long long off = 0;
    (void)m;
    if (!PyArg_ParseTuple(args, "y*iiO|OKipI:_emu_array", &v, &code, &bits, &shape, &strides, &off, &device,
                          &read_only, &dl_major))
        return NULL;
    CudaArrayObject tmp;
    size_t n;
    CudaArrayObject *o = NULL;
    if (ca_set_shape(&tmp, shape, &n) == 0) o = ca_alloc((size_t)off + (size_t)v.len, device);
    if (o) {
        o->ndim = tmp.ndim;
        memcpy(o->shape, tmp.shape, sizeof o->shape);
        o->dtype = (dl_dtype){(uint8_t)code, (uint8_t)bits, 1};
        o->byte_offset = off;
        o->read_only = read_only;
        o->dl_major = dl_major;
        if (strides != Py_None) {
            o->has_strides = 1;
            for (int i = 0; i < o->ndim; i++) {
                PyObject *x = PySequence_GetItem(strides, i);
                o->strides[i] = x ? PyLong_AsLongLong(x) : 0;
                Py_XDECREF(x);
            }
        }
        cudaError_t e = PyErr_Occurred() || !v.len ? cudaSuccess
                        : cudaMemcpy((char *)o->ptr + off, v.buf, (size_t)v.len, cudaMemcpyHostToDevice);
        if (PyErr_Occurred() || e != cudaSuccess) {
            Py_CLEAR(o);
            if (e != cudaSuccess) cuda_raise(e, "_emu_array");
        }
    }
    PyBuffer_Release(&v);
    return (PyObject *)o;
}

static PyObject *m_emu_host_copies(PyObject *m, PyObject *noargs)
{
    unsigned long c;
    unsigned long long b;
    (void)m;
    (void)noargs;
    wmel_emu_host_copies(&c, &b);
    return Py_BuildValue("(kK)", c, b);
}

static PyObject *m_emu_device_allocations(PyObject *m, PyObject *noargs)
{
    (void)m;
    (void)noargs;
    return PyLong_FromSize_t(wmel_emu_device_allocations());
}

static PyObject *m_emu_allocs_waits(PyObject *m, PyObject *noargs)
{
    unsigned long a, w;
    (void)m;
    (void)noargs;
    wmel_emu_allocs_waits(&a, &w);
    return Py_BuildValue("(kk)", a, w);
}

/* _emu_stream(handle=0) -> a new non-blocking stream's handle; with a handle: destroys it. */
static PyObject *m_emu_stream(PyObject *m, PyObject *args)
{
    unsigned long long h = 0;
    (void)m;
    if (!PyArg_ParseTuple(args, "|K:_emu_stream", &h)) return NULL;
    if (h) {
        cudaError_t e = cudaStreamDestroy((cudaStream_t)(uintptr_t)h);
        return e == cudaSuccess ? PyLong_FromLong(0) : cuda_raise(e, "_emu_stream");
    }
    cudaStream_t s = NULL;
    cudaError_t e = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
    return e == cudaSuccess ? PyLong_FromUnsignedLongLong((unsigned long long)(uintptr_t)s)
                            : cuda_raise(e, "_emu_stream");
}
#endif

static PyMethodDef dlpack_functions[] = {
    {"dlpack_take", m_dlpack_take, METH_O, "dlpack_take(capsule) -> DLIn: the capsule consumed"},
    {"cuda_read", m_cuda_read, METH_VARARGS, "cuda_read(ptr, nbytes, device) -> bytes (a synchronous copy)"},
#ifdef WMEL_CUDA_EMU
    {"_emu_array", m_emu_array, METH_VARARGS,
     "_emu_array(data, code, bits, shape, strides=None, byte_offset=0, device=0, read_only=0, dl_major=1) -> "
     "CudaArray (emulator)"},
    {"_emu_host_copies", m_emu_host_copies, METH_NOARGS, "_emu_host_copies() -> (copies, bytes) host<->device"},
    {"_emu_device_allocations", m_emu_device_allocations, METH_NOARGS,
     "_emu_device_allocations() -> the emulator's live device allocations"},
    {"_emu_stream", m_emu_stream, METH_VARARGS, "_emu_stream(handle=0) -> a new stream's handle; destroys handle"},
    {"_emu_allocs_waits", m_emu_allocs_waits, METH_NOARGS,
     "_emu_allocs_waits() -> (device allocations made, host waits asked for) so far"},
#endif
    {NULL, NULL, 0, NULL},
};

/* Adds DLIn, CudaArray and the functions above to the module. */
int wmelpy_dlpack_init(PyObject *m)
{
    DLInType = PyType_FromSpec(&DLIn_spec);
    if (!DLInType || PyModule_AddObject(m, "DLIn", DLInType) < 0) return -1;
    Py_INCREF(DLInType); /* the module holds one reference, this file another */
    CudaArrayType = PyType_FromSpec(&CudaArray_spec);
    if (!CudaArrayType || PyModule_AddObject(m, "CudaArray", CudaArrayType) < 0) return -1;
    Py_INCREF(CudaArrayType);
    if (PyModule_AddFunctions(m, dlpack_functions) < 0) return -1;
#ifdef WMEL_HAVE_CUDA
    const int have = 1;
#else
    const int have = 0;
#endif
#ifdef WMEL_CUDA_EMU
    const int emu = 1;
#else
    const int emu = 0;
#endif
    if (PyModule_AddIntConstant(m, "HAVE_CUDA", have) < 0 || PyModule_AddIntConstant(m, "CUDA_EMU", emu) < 0)
        return -1;
    return 0;
}
