/*
 * _batch.c -- wmel._batch: the `wmel batch` job (batch/: the library wmel_batch
 * the command links too) for wmel.batch() and wmel.ray, so that every
 * path writes the same bytes with the same code. Limited API (abi3, Python >= 3.11);
 * the GIL is released while the job and each item run.
 *
 *   run(manifest, out_dir, mode, n_mels, jobs, shard_size, progress, text, base,
 *       item_timeout, plan_json, cols) -> (exit_status, items, written, failed,
 *       shards_skipped, audio_seconds, message); Ctrl-C stops it (KeyboardInterrupt) as
 *       SIGINT stops `wmel batch`: complete shards kept, a rerun resumes; plan_json: a
 *       plan's JSON (`wmel batch --plan`), cols: its per-column affine (`--cmvn`), the
 *       scales' then the shifts' float64 bytes
 *   plan(manifest, mode, n_mels, shard_size, text, base)
 *       -> ([(key, path, open_path), ...], job_json)
 *   Worker(n_mels, mode).item(data, key, path, shard)
 *       -> (members, index_line) or (None, error_line): the item's two tar members as
 *          `wmel batch` writes them, or its errors.jsonl line
 *   error_line(path, key, message) -> the errors.jsonl line
 */
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x030B0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "wmel.h"

PyMODINIT_FUNC PyInit__batch(void);

static int load_plan(const char *manifest, const char *text, Py_ssize_t text_len, const char *base,
                     wmel_batch_plan *plan, char *err, size_t err_len)
{
    if (!manifest && !text) {
        PyErr_SetString(PyExc_ValueError, "a manifest path or its text is needed");
        return -1;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS
    if (text)
        rc = wmel_batch_plan_parse(text, (size_t)text_len, -1, base, plan, err, err_len);
    else
        rc = wmel_batch_plan_load(manifest, plan, err, err_len);
    Py_END_ALLOW_THREADS
    if (rc) PyErr_SetString(PyExc_ValueError, err);
    return rc;
}

static int check_opts(int mode, int n_mels, Py_ssize_t shard_size, int jobs)
{
    if (mode < 0 || mode > 2) {
        PyErr_SetString(PyExc_ValueError, "mode must be 'full', 'pad30' or 'windows'");
        return -1;
    }
    if (n_mels != 80 && n_mels != 128) {
        PyErr_Format(PyExc_ValueError, "n_mels must be 80 or 128, got %d", n_mels);
        return -1;
    }
    if (shard_size < 1) {
        PyErr_SetString(PyExc_ValueError, "shard_size must be >= 1");
        return -1;
    }
    if (jobs < 0) {
        PyErr_SetString(PyExc_ValueError, "jobs must be >= 0 (0: all cores)");
        return -1;
    }
    return 0;
}

/* Ctrl-C while the GIL is released: the job asks between items and every 50 ms; this
 * takes the GIL for a moment (at most every 20 ms) and runs Python's signal handlers.
 * Once a handler raised (KeyboardInterrupt), the exception stays set and the job stops. */
typedef struct py_intr {
    double last;
    int raised;
} py_intr;

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int py_interrupt(void *user)
{
    py_intr *pi = user;
    if (pi->raised) return 1;
    double t = mono();
    if (t - pi->last < 0.02) return 0;
    pi->last = t;
    PyGILState_STATE g = PyGILState_Ensure();
    if (PyErr_CheckSignals() < 0) pi->raised = 1;
    PyGILState_Release(g);
    return pi->raised;
}

/* A plan's job (its JSON) in mode full, with the per-column affine of cols (the scales' then
 * the shifts' float64 bytes) when given: *fplan and *cv (malloced, *nc values each), *n_mels
 * the plan's; then the options' check (check_opts). 0, or -1 with the exception set. */
static int plan_args(const char *plan_json, Py_ssize_t plan_len, const char *cols, Py_ssize_t cols_len, int mode,
                     int *n_mels, Py_ssize_t shard_size, int jobs, wmel_frontend_plan *fplan, double **cv,
                     size_t *nc)
{
    *cv = NULL;
    *nc = 0;
    if (plan_json) {
        char why[640];
        if (wmel_plan_from_json(plan_json, (size_t)plan_len, fplan, why, sizeof why)) {
            PyErr_Format(PyExc_ValueError, "plan: %s", why);
            return -1;
        }
        if (mode != WMEL_BATCH_FULL) {
            PyErr_SetString(PyExc_ValueError, "mode: a plan's job is mode 'full' (each input's whole features)");
            return -1;
        }
    } else if (cols) {
        PyErr_SetString(PyExc_ValueError, "cols: a per-column affine needs a plan");
        return -1;
    }
    if (cols) {
        if (cols_len <= 0 || cols_len % (Py_ssize_t)(2 * sizeof(double))) {
            PyErr_SetString(PyExc_ValueError, "cols: the scales' and the shifts' float64 bytes, as many of each");
            return -1;
        }
        *nc = (size_t)cols_len / (2 * sizeof(double));
        *cv = malloc((size_t)cols_len);
        if (!*cv) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(*cv, cols, (size_t)cols_len);
        char why[480]; /* which column, its value and the allowed range */
        if (wmel_plan_cols_check(fplan, *cv, *cv + *nc, *nc, why, sizeof why)) {
            PyErr_Format(PyExc_ValueError, "cols: %s", why);
            free(*cv);
            *cv = NULL;
            return -1;
        }
    }
    if (plan_json) *n_mels = fplan->n_mels; /* the job's: the plan's (checked by the plan's rules) */
    if (check_opts(mode, plan_json ? 80 : *n_mels, shard_size, jobs)) {
        free(*cv);
        *cv = NULL;
        return -1;
    }
    return 0;
}

static PyObject *m_run(PyObject *m, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"manifest", "out_dir", "mode", "n_mels", "jobs", "shard_size",
                             "progress", "text", "base", "item_timeout", "plan_json", "cols", NULL};
    const char *manifest = NULL, *out_dir, *text = NULL, *base = NULL, *plan_json = NULL;
    Py_ssize_t text_len = 0, shard_size = 1000, plan_len = 0, cols_len = 0;
    const char *cols = NULL;
    int mode = WMEL_BATCH_PAD30, n_mels = 80, jobs = 0, progress = 0;
    double item_timeout = -1.0;
    py_intr pi = {0, 0};
    (void)m;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "zs|iiinpz#zdz#z#:run", kwlist, &manifest, &out_dir,
                                     &mode, &n_mels, &jobs, &shard_size, &progress, &text,
                                     &text_len, &base, &item_timeout, &plan_json, &plan_len, &cols,
                                     &cols_len))
        return NULL;
    /* a plan (its JSON): each input's features in mode full, with the per-column affine */
    wmel_frontend_plan fplan;
    double *cv = NULL;
    size_t nc = 0;
    if (plan_args(plan_json, plan_len, cols, cols_len, mode, &n_mels, shard_size, jobs, &fplan, &cv, &nc))
        return NULL;
    char err[2048] = "";
    wmel_batch_plan plan;
    if (load_plan(manifest, text, text_len, base, &plan, err, sizeof err)) {
        free(cv);
        return NULL;
    }
    wmel_batch_opts o = {mode, n_mels, jobs, (size_t)shard_size, progress, WMEL_BACKEND_CPU,
                         plan_json ? &fplan : NULL, item_timeout, py_interrupt, &pi, cv, cv ? cv + nc : NULL,
                         nc};
    wmel_batch_stats st;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = wmel_batch_run(&plan, out_dir, &o, &st, err, sizeof err);
    wmel_batch_plan_free(&plan);
    Py_END_ALLOW_THREADS
    free(cv);
    if (pi.raised || rc == WMEL_BATCH_INTERRUPTED) {
        if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
        return NULL;
    }
    return Py_BuildValue("(innnnds)", rc, (Py_ssize_t)st.items, (Py_ssize_t)st.written,
                         (Py_ssize_t)st.failed, (Py_ssize_t)st.shards_skipped, st.audio_seconds,
                         err);
}

static PyObject *m_plan(PyObject *m, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"manifest", "mode", "n_mels", "shard_size", "text", "base", "plan_json", "cols", NULL};
    const char *manifest = NULL, *text = NULL, *base = NULL, *plan_json = NULL, *cols = NULL;
    Py_ssize_t text_len = 0, shard_size = 1000, plan_len = 0, cols_len = 0;
    int mode = WMEL_BATCH_PAD30, n_mels = 80;
    (void)m;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "z|iinz#zz#z#:plan", kwlist, &manifest, &mode, &n_mels,
                                     &shard_size, &text, &text_len, &base, &plan_json, &plan_len, &cols,
                                     &cols_len))
        return NULL;
    wmel_frontend_plan fplan;
    double *cv = NULL;
    size_t nc = 0;
    if (plan_args(plan_json, plan_len, cols, cols_len, mode, &n_mels, shard_size, 0, &fplan, &cv, &nc))
        return NULL;
    char err[2048] = "";
    wmel_batch_plan plan;
    if (load_plan(manifest, text, text_len, base, &plan, err, sizeof err)) {
        free(cv);
        return NULL;
    }
    PyObject *list = PyList_New((Py_ssize_t)plan.n);
    for (size_t i = 0; list && i < plan.n; i++) {
        const wmel_batch_entry *e = &plan.items[i];
        PyObject *t = Py_BuildValue("(sss)", e->key, e->path, e->open);
        if (!t) {
            Py_CLEAR(list);
            break;
        }
        PyList_SetItem(list, (Py_ssize_t)i, t);
    }
    wmel_batch_opts o = {mode, n_mels, 0, (size_t)shard_size, 0, WMEL_BACKEND_CPU, plan_json ? &fplan : NULL,
                         -1.0, NULL, NULL, cv, cv ? cv + nc : NULL, nc};
    char js[1024];
    size_t jl = wmel_batch_job_json(&plan, &o, js, sizeof js);
    wmel_batch_plan_free(&plan);
    free(cv);
    if (!list) return NULL;
    return Py_BuildValue("(Ns#)", list, js, (Py_ssize_t)jl);
}

static PyObject *m_error_line(PyObject *m, PyObject *args)
{
    const char *path, *key, *msg;
    (void)m;
    if (!PyArg_ParseTuple(args, "sss:error_line", &path, &key, &msg)) return NULL;
    char line[8192];
    int n = wmel_batch_error_json(path, key, msg, line, sizeof line);
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "error line too long");
        return NULL;
    }
    return PyUnicode_FromStringAndSize(line, n);
}

/* ------------------------------------------------------------------ Worker */

typedef struct {
    PyObject_HEAD
    wmel_ctx *ctx;
    int mode, n_mels;
    double item_timeout;
} WorkerObject;

static PyObject *Worker_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"n_mels", "mode", "n_threads", "item_timeout", "plan_json", "cols", NULL};
    int n_mels = 80, mode = WMEL_BATCH_PAD30, n_threads = 1;
    double item_timeout = -1.0;
    const char *plan_json = NULL, *cols = NULL;
    Py_ssize_t plan_len = 0, cols_len = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|iiidz#z#:Worker", kwlist, &n_mels, &mode, &n_threads,
                                     &item_timeout, &plan_json, &plan_len, &cols, &cols_len))
        return NULL;
    /* a plan's worker: the plan's features (with the per-column affine), as `wmel batch --preset` */
    wmel_frontend_plan fplan;
    double *cv = NULL;
    size_t nc = 0;
    if (plan_args(plan_json, plan_len, cols, cols_len, mode, &n_mels, 1, n_threads, &fplan, &cv, &nc)) return NULL;
    wmel_params p = wmel_default_params();
    p.n_mels = plan_json ? 80 : n_mels;
    p.n_threads = n_threads;
    p.backend = WMEL_BACKEND_CPU; /* as `wmel batch` (cli/cmd_batch.c): the same bits */
    int st = WMEL_OK;
    wmel_ctx *c;
    Py_BEGIN_ALLOW_THREADS
    c = !plan_json ? wmel_create(&p, &st)
        : cv       ? wmel_create_plan_cols(&p, &fplan, cv, cv + nc, nc, &st)
                   : wmel_create_plan(&p, &fplan, &st);
    Py_END_ALLOW_THREADS
    free(cv);
    if (!c) {
        PyErr_SetString(PyExc_RuntimeError, wmel_strerror(st));
        return NULL;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(tp, Py_tp_alloc);
    WorkerObject *self = (WorkerObject *)alloc(tp, 0);
    if (!self) {
        wmel_destroy(c);
        return NULL;
    }
    self->ctx = c;
    self->mode = mode;
    self->n_mels = n_mels;
    self->item_timeout = item_timeout;
    return (PyObject *)self;
}

static void Worker_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    wmel_destroy(((WorkerObject *)self)->ctx);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(self);
    Py_DECREF(tp);
}

static PyObject *Worker_item(PyObject *s, PyObject *args)
{
    WorkerObject *w = (WorkerObject *)s;
    PyObject *data_o;
    const char *key, *path;
    Py_ssize_t shard;
    if (!PyArg_ParseTuple(args, "Ossn:item", &data_o, &key, &path, &shard)) return NULL;
    Py_buffer v;
    if (PyObject_GetBuffer(data_o, &v, PyBUF_SIMPLE) < 0) return NULL;
    char err[1024] = "", line[8192];
    char *mem = NULL;
    size_t mem_len = 0;
    int rc = WMEL_OK, ll = -1;
    wmel_batch_result *r;
    Py_BEGIN_ALLOW_THREADS
    r = wmel_batch_compute(w->ctx, w->mode, NULL, v.buf, (size_t)v.len, path, w->item_timeout,
                           NULL, err, sizeof err);
    if (r) {
        FILE *f = open_memstream(&mem, &mem_len);
        if (!f) {
            rc = WMEL_ERR_NO_MEMORY;
            snprintf(err, sizeof err, "%s: out of memory", path);
        } else {
            rc = wmel_batch_result_write(r, f, w->mode, w->n_mels, key, path, err, sizeof err);
            if (fclose(f) != 0 && rc == WMEL_OK) rc = WMEL_ERR_NO_MEMORY;
        }
        if (rc == WMEL_OK) ll = wmel_batch_index_json(r, key, (size_t)shard, line, sizeof line);
        wmel_batch_result_free(r);
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&v);
    if (r && rc) { /* not the input's fault: the worker's memory or temporary files */
        free(mem);
        PyErr_SetString(PyExc_OSError, err);
        return NULL;
    }
    if (!r) {
        ll = wmel_batch_error_json(path, key, err, line, sizeof line);
        if (ll < 0) ll = 0;
        return Py_BuildValue("(Os#)", Py_None, line, (Py_ssize_t)ll);
    }
    if (ll < 0) {
        free(mem);
        PyErr_SetString(PyExc_ValueError, "index line too long");
        return NULL;
    }
    PyObject *out = Py_BuildValue("(y#s#)", mem, (Py_ssize_t)mem_len, line, (Py_ssize_t)ll);
    free(mem);
    return out;
}

static PyMethodDef Worker_methods[] = {
    {"item", Worker_item, METH_VARARGS,
     "item(data, key, path, shard) -> (members, index_line) or (None, error_line)"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Worker_slots[] = {
    {Py_tp_doc, "one wmel context for `wmel batch` items decoded from bytes"},
    {Py_tp_new, Worker_new},
    {Py_tp_dealloc, Worker_dealloc},
    {Py_tp_methods, Worker_methods},
    {0, NULL},
};

static PyType_Spec Worker_spec = {
    "wmel._batch.Worker", sizeof(WorkerObject), 0, Py_TPFLAGS_DEFAULT, Worker_slots,
};

static PyMethodDef module_methods[] = {
    {"run", (PyCFunction)(void (*)(void))m_run, METH_VARARGS | METH_KEYWORDS,
     "run(manifest, out_dir, mode, n_mels, jobs, shard_size, progress, text, base)"},
    {"plan", (PyCFunction)(void (*)(void))m_plan, METH_VARARGS | METH_KEYWORDS,
     "plan(manifest, mode, n_mels, shard_size, text, base) -> (entries, job_json)"},
    {"error_line", m_error_line, METH_VARARGS, "error_line(path, key, message) -> str"},
    {NULL, NULL, 0, NULL},
};

static int module_exec(PyObject *m)
{
    PyObject *t = PyType_FromSpec(&Worker_spec);
    if (!t || PyModule_AddObject(m, "Worker", t) < 0) {
        Py_XDECREF(t);
        return -1;
    }
    if (PyModule_AddIntConstant(m, "MODE_FULL", WMEL_BATCH_FULL) < 0 ||
        PyModule_AddIntConstant(m, "MODE_PAD30", WMEL_BATCH_PAD30) < 0 ||
        PyModule_AddIntConstant(m, "MODE_WINDOWS", WMEL_BATCH_WINDOWS) < 0)
        return -1;
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_batch", "the `wmel batch` job (see wmel.batch, wmel.ray)", 0,
    module_methods, module_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__batch(void) { return PyModuleDef_Init(&module_def); }
