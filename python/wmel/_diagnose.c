/*
 * _diagnose.c -- wmel._diagnose: the engine of `wmel diagnose` (diagnose/diagnose.c, the
 * library wmel_diagnose the command links too) for wmel.diagnose(), so that the search and
 * its report are one code. Limited API (abi3, Python >= 3.11).
 *
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
    wmel_dg_opts opts = {(size_t)max_candidates, 0.0};
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

static PyMethodDef METHODS[] = {
    {"run", run, METH_VARARGS, "run(audio, features, shape, kind, text[, max_candidates]) -> the diagnosis as JSON"},
    {"check", check, METH_VARARGS, "check(audio, features, shape, plan_json, dtype) -> (ok, max, excess, why)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_diagnose", "wmel diagnose's engine", -1, METHODS,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__diagnose(void) { return PyModule_Create(&MODULE); }
