/*
 * _vectors.c -- wmel._vectors: `wmel vectors` (vectors/vectors.c and vectors/vectors_check.c,
 * the library wmel_vectors the command links too) for wmel.vectors() and
 * wmel.vectors_check(), so that a pack and its grading are one code. Limited API (abi3,
 * Python >= 3.11). The GIL is held: between two cases of a pack, Python's signal handlers
 * run (Ctrl-C raises KeyboardInterrupt once the folder being built is removed).
 *
 *   make(args) -> (status, messages)
 *       args: the command's arguments after "vectors" (a list of str); status as the
 *       command's exit status (0 made, 1 an error, 2 a usage error), messages its lines
 *   check(args) -> (status, messages)
 *       args: after "vectors check"; status 0 every case passes, 1 some fail, 2 not graded
 */
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x030B0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "vectors.h"

PyMODINIT_FUNC PyInit__vectors(void);

/* argv from a list of str (the strings stay owned by the list); NULL with an exception. */
static char **argv_of(PyObject *list, int *argc)
{
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "args must be a list of str");
        return NULL;
    }
    Py_ssize_t n = PyList_Size(list);
    char **argv = calloc((size_t)n + 1, sizeof *argv);
    if (!argv) return (char **)PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *s = PyUnicode_AsUTF8AndSize(PyList_GetItem(list, i), NULL);
        if (!s) {
            free(argv);
            return NULL;
        }
        argv[i] = (char *)s;
    }
    *argc = (int)n;
    return argv;
}

/* Python's signal handlers, run between two cases: nonzero once one raised. */
static int py_stop(void) { return PyErr_CheckSignals() != 0; }

static PyObject *call(PyObject *args, int check)
{
    PyObject *list;
    if (!PyArg_ParseTuple(args, "O", &list)) return NULL;
    int argc = 0;
    char **argv = argv_of(list, &argc);
    if (!argv) return NULL;
    char msgs[16384];
    cli_msg_capture(msgs, sizeof msgs);
    int rc = check ? cli_vectors_check(argc, argv) : cli_vectors_make(argc, argv, py_stop);
    cli_msg_capture(NULL, 0);
    free(argv);
    if (rc == CLI_VECTORS_STOPPED) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_KeyboardInterrupt, "wmel.vectors: interrupted");
        return NULL;
    }
    return Py_BuildValue("(is)", rc, msgs);
}

static PyObject *make(PyObject *self, PyObject *args)
{
    (void)self;
    return call(args, 0);
}

static PyObject *check(PyObject *self, PyObject *args)
{
    (void)self;
    return call(args, 1);
}

static PyMethodDef METHODS[] = {
    {"make", make, METH_VARARGS, "make(args) -> (status, messages): wmel vectors ARGS"},
    {"check", check, METH_VARARGS, "check(args) -> (status, messages): wmel vectors check ARGS"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_vectors", "wmel vectors' packs", -1, METHODS,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__vectors(void) { return PyModule_Create(&MODULE); }
