/*
 * _compare.c -- wmel._compare: the engine of `wmel compare` (compare/compare.c, the library
 * wmel_compare the command links too) for python -m wmel.compare, so that the alignment,
 * the statistics, the summary and the page are one code. Limited API (abi3, Python >= 3.11).
 *
 *   run(a, b, frontend, n_mels, tol, out, pre, stage) -> (status, text, message)
 *       a, b: (spec, impl or None, values (bytes, float64 little-endian), shape (tuple),
 *       raw (bool: known raw log10), version (str), pcm (bytes, float32) or None);
 *       pre: the sources' notes, said before the alignment's; stage: stage lines;
 *       status 0 within tol, 1 above, 2 not compared or the page not written (message
 *       says why; text holds the summary when the statistics were reached)
 */
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x030B0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "wmel.h"

PyMODINIT_FUNC PyInit__compare(void);

/* One source from its tuple; 0, or -1 with an exception set. */
static int load_src(PyObject *t, cli_cmp_src *s)
{
    const char *spec, *impl, *version, *data;
    Py_ssize_t len;
    PyObject *shape, *pcm;
    int raw;
    if (!PyArg_ParseTuple(t, "szy#O!psO", &spec, &impl, &data, &len, &PyTuple_Type, &shape, &raw, &version, &pcm))
        return -1;
    cli_cmp_src_init(s, spec);
    s->impl = impl;
    s->raw = raw;
    snprintf(s->version, sizeof s->version, "%s", version);
    Py_ssize_t nd = PyTuple_Size(shape);
    if (nd < 1 || nd > 4) {
        PyErr_Format(PyExc_ValueError, "%s: %zd axes: not (n_mels, n_frames)", spec, nd);
        return -1;
    }
    size_t count = 1;
    for (Py_ssize_t i = 0; i < nd; i++) {
        Py_ssize_t v = PyLong_AsSsize_t(PyTuple_GetItem(shape, i));
        if (v < 0) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "a negative axis");
            return -1;
        }
        s->shape[i] = (size_t)v;
        count *= (size_t)v;
    }
    s->ndim = (int)nd;
    if (count == 0 || (size_t)len != count * sizeof(double)) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes for %zu float64 values", spec, len, count);
        return -1;
    }
    s->x = malloc((size_t)len);
    if (!s->x) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(s->x, data, (size_t)len);
    if (pcm != Py_None) {
        char *p;
        Py_ssize_t pl;
        if (PyBytes_AsStringAndSize(pcm, &p, &pl) < 0) return -1;
        s->n = (size_t)pl / sizeof(float);
        s->pcm = malloc(s->n * sizeof(float) + 1);
        if (!s->pcm) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(s->pcm, p, s->n * sizeof(float));
    }
    return 0;
}

/* A list of str into ns; 0, or -1 with an exception set. */
static int load_notes(PyObject *list, cli_cmp_notes *ns)
{
    PyObject *seq = PySequence_Fast(list, "notes: a list of str");
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Size(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(seq, i);
        const char *text = item ? PyUnicode_AsUTF8AndSize(item, NULL) : NULL;
        if (text) cli_cmp_note(ns, "%s", text);
        Py_XDECREF(item);
        if (!text) {
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    return 0;
}

static PyObject *m_run(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *ta, *tb, *pre, *stage;
    const char *frontend, *out;
    int n_mels;
    double tol;
    if (!PyArg_ParseTuple(args, "O!O!sidzOO", &PyTuple_Type, &ta, &PyTuple_Type, &tb, &frontend, &n_mels, &tol, &out,
                          &pre, &stage))
        return NULL;
    cli_cmp_src s[2];
    memset(s, 0, sizeof s);
    cli_cmp_opts *o = malloc(sizeof *o);
    cli_cmp_result *r = malloc(sizeof *r);
    PyObject *ret = NULL;
    if (!o || !r) {
        PyErr_NoMemory();
        goto done;
    }
    cli_cmp_opts_init(o);
    o->frontend = o->axes = frontend;
    o->n_mels = n_mels;
    o->tol = tol;
    o->out = out;
    if (load_src(ta, &s[0]) || load_src(tb, &s[1]) || load_notes(pre, &o->pre) || load_notes(stage, &o->stage))
        goto done;
    char err[1024] = "";
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = cli_cmp_run(s, o, r, err, sizeof err);
    Py_END_ALLOW_THREADS
    ret = Py_BuildValue("(iss)", rc ? 2 : r->above, r->text, err);
done:
    for (int w = 0; w < 2; w++) cli_cmp_free(&s[w]);
    free(o);
    free(r);
    return ret;
}

static PyMethodDef module_methods[] = {
    {"run", m_run, METH_VARARGS, "run(a, b, frontend, n_mels, tol, out, pre, stage) -> (status, text, message)"},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot module_slots[] = {
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_compare", "the engine of wmel compare (see wmel.compare)", 0,
    module_methods, module_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__compare(void) { return PyModuleDef_Init(&module_def); }
