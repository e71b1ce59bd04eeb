/*
 * _diagnose.c -- wmel._diagnose: the engine of `wmel diagnose` (diagnose/diagnose.c, the
 * library wmel_diagnose the command links too) for wmel.diagnose(), so that the search and
 * its report are one code. Limited API (abi3, Python >= 3.11).
 *
 *   probes(kind, text) -> the designed probes for the claimed plan (wmel_dg_probe_get)
 *   run_joint(audios, features, shapes, kind, text[, max_candidates[, deterministic[, inexpressible]]]) -> one
 *       plan fitted on every clip (wmel_dg_run_joint): the report's JSON and each clip's check
 *   run(audio, features, shape, kind, text[, max_candidates]) -> str (the report's JSON)
 *       audio: bytes of float32 samples (16 kHz mono); features: bytes of float32 values,
 *       C order, of shape (a tuple of 1..3 counts); kind 0: text is a preset's name, 1: a
 *       plan's JSON, 2: a transformers preprocessor configuration's JSON. ValueError with
 *       the library's sentence on a refused plan, a shape whose product is not the buffer's
 *       count, or features no layout reconciles. max_candidates: the search's work bound
 *       (0: wmel_dg_run's default, WMEL_DG_MAX_CANDIDATES).
 *
 * The search runs without the GIL; between candidate plans it takes the GIL back now and
 * then (every CHECK_EVERY_S seconds) to run PyErr_CheckSignals, so Ctrl-C (KeyboardInterrupt)
 * stops a long diagnosis within about one candidate's time.
 */
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x030B0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diagnose.h"
#include "wmel.h"

PyMODINIT_FUNC PyInit__diagnose(void);

#define CHECK_EVERY_S 0.1

typedef struct cancel_state {
    PyThreadState *ts; /* the thread state Py_BEGIN_ALLOW_THREADS saved */
    double last;       /* seconds (wall clock) of the last check */
    int raised;        /* a signal handler raised: its exception is set */
} cancel_state;

static double now_s(void)
{
    struct timespec t;
    if (timespec_get(&t, TIME_UTC) != TIME_UTC) return 0;
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* wmel_dg_run's cancel callback: the GIL back for PyErr_CheckSignals (which runs the
   handlers of signals received, SIGINT's KeyboardInterrupt among them), then released. */
static int check_signals(void *arg)
{
    cancel_state *c = arg;
    if (c->raised) return 1;
    double t = now_s();
    if (t - c->last < CHECK_EVERY_S && t >= c->last) return 0;
    c->last = t;
    PyEval_RestoreThread(c->ts);
    if (PyErr_CheckSignals() < 0) c->raised = 1;
    c->ts = PyEval_SaveThread();
    return c->raised;
}

static PyObject *run(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer a, f;
    PyObject *shape_obj;
    int kind;
    const char *text;
    Py_ssize_t text_len, max_candidates = 0;
    if (!PyArg_ParseTuple(args, "y*y*Ois#|n", &a, &f, &shape_obj, &kind, &text, &text_len, &max_candidates))
        return NULL;
    PyObject *res = NULL;
    size_t shape[3], count = 1, n_feat = (size_t)f.len / sizeof(float);
    int ndim = 0;
    char msg[1024] = "";
    wmel_frontend_plan plan;
    int st;
    if (!PyTuple_Check(shape_obj)) {
        PyErr_SetString(PyExc_TypeError, "shape must be a tuple");
        goto out;
    }
    Py_ssize_t ns = PyTuple_Size(shape_obj);
    if (ns < 1 || ns > 3) {
        PyErr_SetString(PyExc_ValueError, "features: 1 to 3 axes");
        goto out;
    }
    for (Py_ssize_t i = 0; i < ns; i++) {
        size_t v = PyLong_AsSize_t(PyTuple_GetItem(shape_obj, i));
        if (PyErr_Occurred()) goto out;
        if (v == 0) {
            PyErr_SetString(PyExc_ValueError, "features: an axis of length 0 (an empty array)");
            goto out;
        }
        shape[ndim++] = v;
        /* a product that would wrap is larger than any buffer */
        count = count > (size_t)PY_SSIZE_T_MAX / sizeof(float) / v ? (size_t)PY_SSIZE_T_MAX : count * v;
    }
    if (max_candidates < 0) {
        PyErr_SetString(PyExc_ValueError, "max_candidates: a count of candidate plans, at least 1");
        goto out;
    }
    if (a.len < (Py_ssize_t)sizeof(float)) {
        PyErr_SetString(PyExc_ValueError, "audio: no samples");
        goto out;
    }
    if ((size_t)f.len % sizeof(float) || count != n_feat) {
        PyErr_Format(PyExc_ValueError, "features: the buffer holds %zd bytes, not the shape's %zu float32 values",
                     f.len, count);
        goto out;
    }
    if (kind == 0) st = wmel_preset_plan(text, &plan, msg, sizeof msg);
    else if (kind == 1) st = wmel_plan_from_json(text, (size_t)text_len, &plan, msg, sizeof msg);
    else st = wmel_plan_from_hf_config(text, (size_t)text_len, &plan, NULL, 0, msg, sizeof msg);
    if (st) {
        PyErr_SetString(PyExc_ValueError, msg[0] ? msg : wmel_strerror(st));
        goto out;
    }
    wmel_dg_result r;
    char err[1024] = "";
    cancel_state cs = {NULL, now_s(), 0};
    wmel_dg_opts opts = {(size_t)max_candidates, 0.0, 0.0, 0.0, 0, 0};
    cs.ts = PyEval_SaveThread();
    st = wmel_dg_run_opts(&plan, (const float *)a.buf, (size_t)a.len / sizeof(float), (const float *)f.buf, n_feat,
                          shape, ndim, &opts, check_signals, &cs, &r, err, sizeof err);
    PyEval_RestoreThread(cs.ts);
    if (cs.raised) goto out; /* the signal handler's exception (KeyboardInterrupt) */
    if (st) {
        PyErr_SetString(PyExc_ValueError, err);
        goto out;
    }
    char *buf = malloc(65536);
    if (!buf || wmel_dg_json(&r, buf, 65536) < 0) {
        free(buf);
        PyErr_NoMemory();
        goto out;
    }
    res = PyUnicode_FromString(buf);
    free(buf);
out:
    PyBuffer_Release(&a);
    PyBuffer_Release(&f);
    return res;
}

/* check(audio, features, shape, plan_json, dtype) -> (ok, max, excess, why): the plan's
   features of the clip held against the port's (wmel_dg_check), for the clips after the first. */
static PyObject *check(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer a, f;
    PyObject *shape_obj, *res = NULL;
    const char *text;
    Py_ssize_t text_len;
    int dtype;
    if (!PyArg_ParseTuple(args, "y*y*Os#i", &a, &f, &shape_obj, &text, &text_len, &dtype)) return NULL;
    size_t shape[3];
    int ndim = 0;
    char msg[1024] = "";
    wmel_frontend_plan plan;
    Py_ssize_t ns = PyTuple_Check(shape_obj) ? PyTuple_Size(shape_obj) : -1;
    if (ns < 1 || ns > 3) {
        PyErr_SetString(PyExc_ValueError, "features: a tuple of 1 to 3 axes");
        goto out;
    }
    for (Py_ssize_t i = 0; i < ns; i++) {
        size_t v = PyLong_AsSize_t(PyTuple_GetItem(shape_obj, i));
        if (PyErr_Occurred()) goto out;
        shape[ndim++] = v;
    }
    if (wmel_plan_from_json(text, (size_t)text_len, &plan, msg, sizeof msg)) {
        PyErr_SetString(PyExc_ValueError, msg);
        goto out;
    }
    wmel_dg_check_result ck;
    char err[1024] = "";
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = wmel_dg_check(&plan, (const float *)a.buf, (size_t)a.len / sizeof(float), (const float *)f.buf,
                       (size_t)f.len / sizeof(float), shape, ndim, dtype, &ck, err, sizeof err);
    Py_END_ALLOW_THREADS
    if (st) {
        PyErr_SetString(PyExc_ValueError, err);
        goto out;
    }
    res = Py_BuildValue("(idds)", ck.ok, ck.max, ck.excess, ck.why);
out:
    PyBuffer_Release(&a);
    PyBuffer_Release(&f);
    return res;
}


/* the claimed plan of kind 0 (a preset's name), 1 (a plan's JSON), 2 (a transformers
   configuration's JSON); 0, or -1 with ValueError set */
static int claimed_plan(int kind, const char *text, Py_ssize_t text_len, wmel_frontend_plan *plan)
{
    char msg[1024] = "";
    int st;
    if (kind == 0) st = wmel_preset_plan(text, plan, msg, sizeof msg);
    else if (kind == 1) st = wmel_plan_from_json(text, (size_t)text_len, plan, msg, sizeof msg);
    else st = wmel_plan_from_hf_config(text, (size_t)text_len, plan, NULL, 0, msg, sizeof msg);
    if (st) PyErr_SetString(PyExc_ValueError, msg[0] ? msg : wmel_strerror(st));
    return st ? -1 : 0;
}

/* probes(kind, text) -> [(stem, what, samples as float32 bytes), ...]: the designed probes
   (diagnose/probes.c) for the claimed plan, the samples `wmel probes` writes */
static PyObject *probes(PyObject *self, PyObject *args)
{
    (void)self;
    int kind;
    const char *text;
    Py_ssize_t text_len;
    if (!PyArg_ParseTuple(args, "is#", &kind, &text, &text_len)) return NULL;
    wmel_frontend_plan plan;
    if (claimed_plan(kind, text, text_len, &plan)) return NULL;
    const int np = wmel_dg_probe_count();
    PyObject *list = PyList_New(0);
    for (int k = 0; list && k < np; k++) {
        wmel_dg_probe p;
        if (wmel_dg_probe_get(&plan, k, &p, NULL)) break;
        float *x = malloc(p.n * sizeof *x);
        if (!x) {
            Py_DECREF(list);
            return PyErr_NoMemory();
        }
        wmel_dg_probe_get(&plan, k, NULL, x);
        PyObject *item = Py_BuildValue("(ssy#)", p.stem, p.what, (const char *)x, (Py_ssize_t)(p.n * sizeof *x));
        free(x);
        if (!item || PyList_Append(list, item)) {
            Py_XDECREF(item);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(item);
    }
    return list;
}

/* one clip of run_joint's lists: its buffers (released by the caller) and shape */
static int joint_clip(PyObject *au, PyObject *ft, PyObject *sh, Py_buffer *ba, Py_buffer *bf, size_t *shape,
                      wmel_dg_clip *c)
{
    if (PyObject_GetBuffer(au, ba, PyBUF_SIMPLE)) return -1;
    if (PyObject_GetBuffer(ft, bf, PyBUF_SIMPLE)) {
        PyBuffer_Release(ba);
        return -1;
    }
    Py_ssize_t ns = PyTuple_Check(sh) ? PyTuple_Size(sh) : -1;
    size_t count = 1;
    int ndim = 0;
    for (Py_ssize_t i = 0; i < ns && ns <= 3; i++) {
        size_t v = PyLong_AsSize_t(PyTuple_GetItem(sh, i));
        if (PyErr_Occurred()) break;
        shape[ndim++] = v;
        count = v && count <= (size_t)PY_SSIZE_T_MAX / sizeof(float) / v ? count * v : (size_t)PY_SSIZE_T_MAX;
    }
    if (!PyErr_Occurred() && (ns < 1 || ns > 3 || count * sizeof(float) != (size_t)bf->len || ba->len < 4))
        PyErr_SetString(PyExc_ValueError, "run_joint: a clip's features do not hold their shape's values, or no samples");
    if (PyErr_Occurred()) {
        PyBuffer_Release(ba);
        PyBuffer_Release(bf);
        return -1;
    }
    *c = (wmel_dg_clip){(const float *)ba->buf, (size_t)ba->len / sizeof(float), (const float *)bf->buf, count, shape,
                        ndim};
    return 0;
}

/* run_joint(audios, features, shapes, kind, text[, max_candidates[, deterministic[, inexpressible]]]) ->
   (report JSON, [(ok, max, why), ...]): one plan fitted on every clip (wmel_dg_run_joint); lists
   of the same length; deterministic: the port is known to give the same features on every call;
   inexpressible: a convention no plan expresses is known (wmel_dg_opts.inexpressible) */
static PyObject *run_joint(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *al, *fl, *sl, *res = NULL;
    int kind;
    const char *text;
    Py_ssize_t text_len, max_candidates = 0;
    int deterministic = 0, inexpressible = 0;
    if (!PyArg_ParseTuple(args, "OOOis#|npp", &al, &fl, &sl, &kind, &text, &text_len, &max_candidates, &deterministic,
                          &inexpressible))
        return NULL;
    if (!PyList_Check(al) || !PyList_Check(fl) || !PyList_Check(sl) || PyList_Size(al) != PyList_Size(fl) ||
        PyList_Size(al) != PyList_Size(sl) || PyList_Size(al) < 1 || PyList_Size(al) > 4096 || max_candidates < 0) {
        PyErr_SetString(PyExc_ValueError, "run_joint: lists of audio, features and shapes of one length, 1 to 4096");
        return NULL;
    }
    wmel_frontend_plan plan;
    if (claimed_plan(kind, text, text_len, &plan)) return NULL;
    const Py_ssize_t nc = PyList_Size(al);
    Py_buffer *bufs = calloc(2 * (size_t)nc, sizeof *bufs);
    size_t(*shapes)[3] = calloc((size_t)nc, sizeof *shapes);
    wmel_dg_clip *clips = calloc((size_t)nc, sizeof *clips);
    wmel_dg_check_result *ck = calloc((size_t)nc, sizeof *ck);
    wmel_dg_result *r = malloc(sizeof *r);
    char *buf = malloc(65536);
    Py_ssize_t got = 0;
    if (!bufs || !shapes || !clips || !ck || !r || !buf) {
        PyErr_NoMemory();
        goto out;
    }
    for (; got < nc; got++)
        if (joint_clip(PyList_GetItem(al, got), PyList_GetItem(fl, got), PyList_GetItem(sl, got), &bufs[2 * got],
                       &bufs[2 * got + 1], shapes[got], &clips[got]))
            goto out;
    char err[1024] = "";
    cancel_state cs = {NULL, now_s(), 0};
    wmel_dg_opts opts = {(size_t)max_candidates, 0.0, 0.0, 0.0, deterministic, inexpressible};
    wmel_dg_joint jt;
    cs.ts = PyEval_SaveThread();
    int st = wmel_dg_run_joint(&plan, clips, (int)nc, &opts, check_signals, &cs, r, ck, &jt, err, sizeof err);
    PyEval_RestoreThread(cs.ts);
    if (cs.raised) goto out;
    if (st) {
        PyErr_SetString(PyExc_ValueError, err);
        goto out;
    }
    if (wmel_dg_json(r, buf, 65536) < 0) {
        PyErr_NoMemory();
        goto out;
    }
    PyObject *cl = PyList_New(nc);
    for (Py_ssize_t k = 0; cl && k < nc; k++) {
        PyObject *item = Py_BuildValue("(ids)", ck[k].ok, ck[k].max, ck[k].why);
        if (!item) {
            Py_CLEAR(cl);
            break;
        }
        PyList_SetItem(cl, k, item);
    }
    if (cl) res = Py_BuildValue("(sN)", buf, cl);
out:
    for (Py_ssize_t k = 0; k < got; k++) PyBuffer_Release(&bufs[2 * k]), PyBuffer_Release(&bufs[2 * k + 1]);
    free(bufs), free(shapes), free(clips), free(ck), free(r), free(buf);
    return res;
}

static PyMethodDef METHODS[] = {
    {"run", run, METH_VARARGS, "run(audio, features, shape, kind, text[, max_candidates]) -> the diagnosis as JSON"},
    {"check", check, METH_VARARGS, "check(audio, features, shape, plan_json, dtype) -> (ok, max, excess, why)"},
    {"probes", probes, METH_VARARGS, "probes(kind, text) -> [(stem, what, float32 samples as bytes), ...]"},
    {"run_joint", run_joint, METH_VARARGS,
     "run_joint(audios, features, shapes, kind, text[, max_candidates[, deterministic[, inexpressible]]]) -> (report "
     "JSON, [(ok, max, why), ...])"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_diagnose", "wmel diagnose's engine", -1, METHODS,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__diagnose(void) { return PyModule_Create(&MODULE); }
