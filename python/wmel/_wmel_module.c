/*
 * _wmel_module.c -- the CPython binding of libwmel (include/wmel.h), written against the
 * Limited API of Python 3.11 so one abi3 wheel serves every later version.
 *
 * Arrays cross the boundary through the buffer protocol only: the Python layer
 * (the wmel package) allocates numpy outputs and passes them in as writable buffers,
 * and memory the library allocates (decoded audio) comes back as a `Buffer` object
 * that exports it without a copy. No numpy C API, so no numpy ABI pinning.
 * The GIL is released around every computation. Library failures become Python
 * exceptions that carry the library's own message; nothing here aborts.
 *
 * This file holds the module (functions, constants, init); each object type has a file of
 * its own, and _wmel_common.c the helpers they share (_wmel.h).
 */
#include "_wmel.h"

PyMODINIT_FUNC PyInit__wmel(void);

/* Every copy of libwmel has the decoder API (FFmpeg or WAV only: have_ffmpeg() says),
 * the windows iterator and the CUDA device entry (WMEL_ERR_NOT_BUILT without CUDA); the
 * module keeps these constants for the Python side. */
#define HAVE_DECODER 1
/* The optional parts of the libwmel this extension links (wmel.build_info()). */
#define BUILD_PARTS "" BUILD_PART_FFMPEG BUILD_PART_OPENBLAS BUILD_PART_CUDA BUILD_PART_VULKAN
#ifdef WMEL_HAVE_VULKAN
#define BUILD_PART_VULKAN " vulkan"
#else
#define BUILD_PART_VULKAN ""
#endif
#ifdef WMEL_HAVE_OPENBLAS
#define BUILD_PART_OPENBLAS " openblas"
#else
#define BUILD_PART_OPENBLAS ""
#endif
#ifdef WMEL_HAVE_FFMPEG
#define BUILD_PART_FFMPEG " ffmpeg"
#else
#define BUILD_PART_FFMPEG ""
#endif
#ifdef WMEL_HAVE_CUDA
#define BUILD_PART_CUDA " cuda"
#else
#define BUILD_PART_CUDA ""
#endif
#define HAVE_WINDOWS 1
#define HAVE_CUDA_DEVICE 1

/* ------------------------------------------------------------------ module functions */

static PyObject *m_n_frames(PyObject *m, PyObject *args)
{
    Py_ssize_t n, padding;
    (void)m;
    if (!PyArg_ParseTuple(args, "nn:n_frames", &n, &padding)) return NULL;
    if (wmelpy_check_size(n, "n_samples") < 0 || wmelpy_check_size(padding, "padding") < 0)
        return NULL;
    return PyLong_FromSize_t(wmel_n_frames((size_t)n, (size_t)padding));
}

static PyObject *m_frontend_preset(PyObject *m, PyObject *args)
{
    int fe, n_mels = 0;
    (void)m;
    if (!PyArg_ParseTuple(args, "i|i:frontend_preset", &fe, &n_mels)) return NULL;
    wmel_frontend_plan pl;
    int st = wmel_frontend_preset(fe, n_mels, &pl);
    if (st) return wmelpy_raise_status(st, "wmel_frontend_preset", NULL);
    return wmelpy_plan_to_dict(&pl);
}

/* plan_set(plan, name, value) -> the plan with the option set (wmel_plan_set: its
 * sentence as ValueError's message). */
static PyObject *m_plan_set(PyObject *m, PyObject *args)
{
    (void)m;
    PyObject *d;
    const char *name, *value;
    if (!PyArg_ParseTuple(args, "Oss:plan_set", &d, &name, &value)) return NULL;
    wmel_frontend_plan pl;
    if (wmelpy_plan_from_dict(d, &pl)) return NULL;
    char why[512];
    int st = wmel_plan_set(&pl, name, value, why, sizeof why);
    if (st == WMEL_ERR_INVALID_ARG) return wmelpy_raise_status(st, NULL, why);
    if (st) return wmelpy_raise_status(st, "wmel_plan_set", NULL);
    return wmelpy_plan_to_dict(&pl);
}

/* plan_fields() -> the plan options' records in wmel_plan_set's order (wmel_plan_field_info):
 * (name, kind, group, frontends, flags, arg, values, doc) tuples, kind one of "str", "bool",
 * "int", "num", "guard". */
static PyObject *m_plan_fields(PyObject *m, PyObject *noargs)
{
    static const char *const KINDS[] = {"str", "bool", "int", "num", "guard"};
    (void)m;
    (void)noargs;
    const size_t n = wmel_plan_field_count();
    PyObject *t = PyTuple_New((Py_ssize_t)n);
    for (size_t i = 0; t && i < n; i++) {
        const wmel_plan_field *f = wmel_plan_field_info(i);
        const char *kind = f->kind >= 0 && f->kind < 5 ? KINDS[f->kind] : "str";
        PyObject *r = Py_BuildValue("(ssiIIsss)", f->name, kind, f->group, f->frontends, f->flags, f->arg, f->values,
                                    f->doc);
        if (!r) {
            Py_DECREF(t);
            return NULL;
        }
        if (PyTuple_SetItem(t, (Py_ssize_t)i, r)) { /* steals r */
            Py_DECREF(t);
            return NULL;
        }
    }
    return t;
}

/* cmvn_load(path) -> (scale, shift): float64 bytes each (wmel_cmvn_load: Kaldi CMVN statistics
 * or FunASR's am.mvn; ValueError / OSError with its sentence). */
static PyObject *m_cmvn_load(PyObject *m, PyObject *args)
{
    (void)m;
    PyObject *path_o;
    if (!PyArg_ParseTuple(args, "O&:cmvn_load", PyUnicode_FSConverter, &path_o)) return NULL;
    const size_t cap = 65536;
    double *v = PyMem_Malloc(2 * cap * sizeof(double));
    if (!v) {
        Py_DECREF(path_o);
        return PyErr_NoMemory();
    }
    size_t n = 0;
    char why[512];
    int st;
    const char *path = PyBytes_AsString(path_o);
    if (!path) {
        Py_DECREF(path_o);
        PyMem_Free(v);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    st = wmel_cmvn_load(path, v, v + cap, cap, &n, why, sizeof why);
    Py_END_ALLOW_THREADS
    Py_DECREF(path_o);
    PyObject *r = NULL;
    if (st == WMEL_ERR_IO || st == WMEL_ERR_INVALID_ARG) wmelpy_raise_status(st, NULL, why);
    else if (st) wmelpy_raise_status(st, "wmel_cmvn_load", why);
    else r = Py_BuildValue("(y#y#)", (const char *)v, (Py_ssize_t)(n * sizeof(double)), (const char *)(v + cap),
                           (Py_ssize_t)(n * sizeof(double)));
    PyMem_Free(v);
    return r;
}

/* plan_check(plan) -> "" or the sentence of wmel_plan_check for a refused plan. */
static PyObject *m_plan_check(PyObject *m, PyObject *args)
{
    (void)m;
    PyObject *d;
    if (!PyArg_ParseTuple(args, "O:plan_check", &d)) return NULL;
    wmel_frontend_plan pl;
    if (wmelpy_plan_from_dict(d, &pl)) return NULL;
    char why[512];
    wmel_plan_check(&pl, why, sizeof why);
    return PyUnicode_FromString(why);
}

/* plan_for_stream(plan) -> the plan dict a stream of it computes (wmel_plan_for_stream: its
 * sentence as ValueError's message). */
static PyObject *m_plan_for_stream(PyObject *m, PyObject *args)
{
    (void)m;
    PyObject *d;
    if (!PyArg_ParseTuple(args, "O:plan_for_stream", &d)) return NULL;
    wmel_frontend_plan pl;
    if (wmelpy_plan_from_dict(d, &pl)) return NULL;
    char why[512];
    int st = wmel_plan_for_stream(&pl, &pl, why, sizeof why);
    if (st == WMEL_ERR_INVALID_ARG) return wmelpy_raise_status(st, NULL, why);
    if (st) return wmelpy_raise_status(st, "wmel_plan_for_stream", NULL);
    return wmelpy_plan_to_dict(&pl);
}

/* plan_from_json(text) -> the plan dict of a plan's JSON (wmel_plan_from_json: its sentence
 * as ValueError's message). */
static PyObject *m_plan_from_json(PyObject *m, PyObject *args)
{
    (void)m;
    const char *text;
    Py_ssize_t len;
    if (!PyArg_ParseTuple(args, "s#:plan_from_json", &text, &len)) return NULL;
    wmel_frontend_plan pl;
    char why[1024];
    int st = wmel_plan_from_json(text, (size_t)len, &pl, why, sizeof why);
    if (st == WMEL_ERR_INVALID_ARG) return wmelpy_raise_status(st, NULL, why);
    if (st) return wmelpy_raise_status(st, "wmel_plan_from_json", NULL);
    return wmelpy_plan_to_dict(&pl);
}

/* plan_from_hf_config(text) -> (preset, plan dict) of a transformers configuration's JSON
 * (wmel_plan_from_hf_config: its sentence as ValueError's message). */
static PyObject *m_plan_from_hf_config(PyObject *m, PyObject *args)
{
    (void)m;
    const char *text;
    Py_ssize_t len;
    if (!PyArg_ParseTuple(args, "s#:plan_from_hf_config", &text, &len)) return NULL;
    wmel_frontend_plan pl;
    char why[4096], preset[64];
    int st = wmel_plan_from_hf_config(text, (size_t)len, &pl, preset, sizeof preset, why, sizeof why);
    if (st == WMEL_ERR_INVALID_ARG) return wmelpy_raise_status(st, NULL, why);
    if (st) return wmelpy_raise_status(st, "wmel_plan_from_hf_config", NULL);
    PyObject *d = wmelpy_plan_to_dict(&pl);
    if (!d) return NULL;
    return Py_BuildValue("(sN)", preset, d);
}

/* plan_from_hf_config_cols(text) -> (preset, plan dict, cols) of a transformers configuration's
 * JSON with its per-column values (wmel_plan_from_hf_config_cols): cols is None when it has
 * none, else (scale, shift) as the float64 bytes of n_mels values each. */
static PyObject *m_plan_from_hf_config_cols(PyObject *m, PyObject *args)
{
    (void)m;
    const char *text;
    Py_ssize_t len;
    if (!PyArg_ParseTuple(args, "s#:plan_from_hf_config_cols", &text, &len)) return NULL;
    enum { CAP = 8192 };
    double *v = PyMem_Malloc(2 * CAP * sizeof *v);
    if (!v) return PyErr_NoMemory();
    wmel_frontend_plan pl;
    char why[4096], preset[64];
    size_t n = 0;
    int st = wmel_plan_from_hf_config_cols(text, (size_t)len, &pl, preset, sizeof preset, v, v + CAP, CAP, &n, why,
                                           sizeof why);
    PyObject *out = NULL;
    if (st == WMEL_ERR_INVALID_ARG) wmelpy_raise_status(st, NULL, why);
    else if (st) wmelpy_raise_status(st, "wmel_plan_from_hf_config_cols", NULL);
    else {
        PyObject *d = wmelpy_plan_to_dict(&pl);
        if (d && n)
            out = Py_BuildValue("(sN(y#y#))", preset, d, (const char *)v, (Py_ssize_t)(n * sizeof *v),
                                (const char *)(v + CAP), (Py_ssize_t)(n * sizeof *v));
        else if (d)
            out = Py_BuildValue("(sNO)", preset, d, Py_None);
    }
    PyMem_Free(v);
    return out;
}

/* hf_classes() -> [(class, preset, mapped)] (wmel_hf_class_name). */
static PyObject *m_hf_classes(PyObject *m, PyObject *args)
{
    (void)m;
    (void)args;
    PyObject *out = PyList_New(0);
    for (size_t i = 0; out && i < wmel_hf_class_count(); i++) {
        const char *preset;
        int mapped;
        const char *cls = wmel_hf_class_name(i, &preset, &mapped);
        PyObject *t = Py_BuildValue("(ssO)", cls, preset, mapped ? Py_True : Py_False);
        if (!t || PyList_Append(out, t)) {
            Py_XDECREF(t);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(t);
    }
    return out;
}

/* plan_to_json(plan) -> the plan's JSON (wmel_plan_to_json). */
static PyObject *m_plan_to_json(PyObject *m, PyObject *args)
{
    (void)m;
    PyObject *d;
    if (!PyArg_ParseTuple(args, "O:plan_to_json", &d)) return NULL;
    wmel_frontend_plan pl;
    if (wmelpy_plan_from_dict(d, &pl)) return NULL;
    char buf[WMEL_PLAN_JSON_MAX], why[512];
    int st = wmel_plan_to_json(&pl, buf, sizeof buf, why, sizeof why);
    if (st == WMEL_ERR_INVALID_ARG) return wmelpy_raise_status(st, NULL, why);
    if (st) return wmelpy_raise_status(st, "wmel_plan_to_json", NULL);
    return PyUnicode_FromString(buf);
}

/* preset_texts() -> [(name, json text)] of the built-in presets. */
static PyObject *m_preset_texts(PyObject *m, PyObject *noargs)
{
    (void)m;
    (void)noargs;
    PyObject *out = PyList_New(0);
    for (size_t i = 0; out && i < wmel_preset_count(); i++) {
        const char *name = wmel_preset_name(i);
        PyObject *t = Py_BuildValue("(ss)", name, wmel_preset_json(name));
        if (!t || PyList_Append(out, t)) {
            Py_XDECREF(t);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(t);
    }
    return out;
}

static PyObject *m_mel_filters(PyObject *m, PyObject *args)
{
    int n_mels;
    PyObject *out_o;
    Py_buffer out;
    (void)m;
    if (!PyArg_ParseTuple(args, "iO:mel_filters", &n_mels, &out_o)) return NULL;
    if (n_mels != 80 && n_mels != 128)
        return wmelpy_raise_status(WMEL_ERR_INVALID_ARG, "n_mels must be 80 or 128", NULL);
    if (wmelpy_get_out(out_o, &out, (size_t)n_mels * WMEL_N_BINS) < 0) return NULL;
    int st = wmel_mel_filters(n_mels, (float *)out.buf, (size_t)out.len / 4);
    PyBuffer_Release(&out);
    if (st) return wmelpy_raise_status(st, NULL, NULL);
    Py_RETURN_NONE;
}

static PyObject *m_strerror(PyObject *m, PyObject *args)
{
    int st;
    (void)m;
    if (!PyArg_ParseTuple(args, "i:strerror", &st)) return NULL;
    return PyUnicode_FromString(wmel_strerror(st));
}

/* backend_accepts(backend, plan, op) -> (1 or 0, the sentence) (wmel_backend_accepts; a
 * status: ValueError or RuntimeError with the sentence). */
static PyObject *m_backend_accepts(PyObject *m, PyObject *args)
{
    (void)m;
    int backend, op;
    PyObject *d;
    if (!PyArg_ParseTuple(args, "iOi:backend_accepts", &backend, &d, &op)) return NULL;
    wmel_frontend_plan pl;
    if (wmelpy_plan_from_dict(d, &pl)) return NULL;
    char why[600];
    const int rc = wmel_backend_accepts(backend, &pl, op, why, sizeof why);
    if (rc < 0) return wmelpy_raise_status(rc, NULL, why);
    return Py_BuildValue("(is)", rc, why);
}

/* devices_list() -> [(backend, index, usable, name, kind, arithmetic, self_test)] (wmel_devices). */
static PyObject *m_devices_list(PyObject *m, PyObject *noargs)
{
    (void)m;
    (void)noargs;
    size_t n = 0;
    wmel_devices(NULL, 0, &n);
    wmel_device *dv = PyMem_Calloc(n ? n : 1, sizeof *dv);
    if (!dv) return PyErr_NoMemory();
    size_t got = 0;
    wmel_devices(dv, n, &got);
    if (got > n) got = n;
    PyObject *list = PyList_New(0);
    for (size_t i = 0; list && i < got; i++) {
        PyObject *t = Py_BuildValue("(iiissss)", dv[i].backend, dv[i].index, dv[i].usable, dv[i].name, dv[i].kind,
                                    dv[i].arith, dv[i].self_test);
        if (!t || PyList_Append(list, t) != 0) Py_CLEAR(list);
        Py_XDECREF(t);
    }
    PyMem_Free(dv);
    return list;
}

static PyObject *m_version(PyObject *m, PyObject *noargs)
{
    (void)m;
    (void)noargs;
    return PyUnicode_FromString(wmel_version());
}

static PyMethodDef module_methods[] = {
    {"fx_log_mel", wmelpy_fx_log_mel, METH_VARARGS,
     "fx_log_mel(pcm_int16, n_mels, kind, out): the integer front-end (kind 0 raw Q11, 1 int16 Q13, 2 int8)"},
    {"n_frames", m_n_frames, METH_VARARGS, "n_frames(n_samples, padding) -> (n + padding) // 160"},
    {"plan_fields", m_plan_fields, METH_NOARGS,
     "plan_fields() -> the plan options in wmel_plan_set's order: (name, kind, group, frontends, flags, arg, "
     "values, doc) each (wmel_plan_field_info)"},
    {"plan_set", m_plan_set, METH_VARARGS,
     "plan_set(plan, name, value) -> the plan dict with one option set from its text (wmel_plan_set); "
     "ValueError with the library's sentence"},
    {"plan_from_hf_config", m_plan_from_hf_config, METH_VARARGS,
     "plan_from_hf_config(text) -> (preset, plan dict) of a transformers configuration (wmel_plan_from_hf_config); "
     "ValueError with its sentence"},
    {"plan_from_hf_config_cols", m_plan_from_hf_config_cols, METH_VARARGS,
     "plan_from_hf_config_cols(text) -> (preset, plan dict, (scale bytes, shift bytes) or None) of a transformers "
     "configuration with its per-column values (wmel_plan_from_hf_config_cols); ValueError with its sentence"},
    {"hf_classes", m_hf_classes, METH_NOARGS, "hf_classes() -> [(class, preset, mapped)] (wmel_hf_class_name)"},
    {"plan_from_json", m_plan_from_json, METH_VARARGS,
     "plan_from_json(text) -> the plan dict of a plan's JSON (wmel_plan_from_json); ValueError with its sentence"},
    {"plan_to_json", m_plan_to_json, METH_VARARGS, "plan_to_json(plan) -> the plan's JSON text (wmel_plan_to_json)"},
    {"preset_texts", m_preset_texts, METH_NOARGS, "preset_texts() -> [(name, JSON text)] of the built-in presets"},
    {"cmvn_load", m_cmvn_load, METH_VARARGS,
     "cmvn_load(path) -> (scale, shift) float64 bytes of a CMVN file (wmel_cmvn_load: Kaldi statistics or "
     "FunASR's am.mvn), the per-column affine x scale + shift"},
    {"plan_for_stream", m_plan_for_stream, METH_VARARGS,
     "plan_for_stream(plan) -> the plan dict a stream of it computes (wmel_plan_for_stream; ValueError names "
     "a finish that needs the whole clip)"},
    {"plan_check", m_plan_check, METH_VARARGS,
     "plan_check(plan) -> '' or the sentence for a refused plan (wmel_plan_check)"},
    {"frontend_preset", m_frontend_preset, METH_VARARGS,
     "frontend_preset(frontend, n_mels=0) -> dict of wmel_frontend_plan fields"},
    {"mel_filters", m_mel_filters, METH_VARARGS, "mel_filters(n_mels, out): the Slaney filter bank [n_mels][201]"},
    {"strerror", m_strerror, METH_VARARGS, "strerror(status) -> message"},
    {"backend_accepts", m_backend_accepts, METH_VARARGS,
     "backend_accepts(backend, plan, op) -> (1 or 0, why) (wmel_backend_accepts)"},
    {"devices_list", m_devices_list, METH_NOARGS,
     "devices_list() -> [(backend, index, usable, name, kind, arithmetic, self_test)] (wmel_devices)"},
    {"version", m_version, METH_NOARGS, "version() -> libwmel version and build features"},
    {"read_wav", wmelpy_read_wav, METH_VARARGS, "read_wav(path) -> (Buffer, warning or None)"},
    {"out_buffer", wmelpy_out_buffer, METH_O,
     "out_buffer(n) -> Buffer of n float32 values (unset), from the output cache or libwmel's allocator"},
    {"set_output_cache", wmelpy_set_output_cache, METH_O,
     "set_output_cache(max_bytes) -> the previous limit of the output block kept for reuse"},
    {"parse_wav", wmelpy_parse_wav, METH_VARARGS,
     "parse_wav(data, name) -> (Buffer, warning or None)"},
    {"load_audio", wmelpy_load_audio, METH_VARARGS,
     "load_audio(path) -> (Buffer, warning or None)"},
    {"load_audio_memory", wmelpy_load_audio_memory, METH_VARARGS,
     "load_audio_memory(data) -> (Buffer, warning or None)"},
    {"have_ffmpeg", wmelpy_have_ffmpeg, METH_NOARGS, "have_ffmpeg() -> True when FFmpeg decodes"},
    {NULL, NULL, 0, NULL},
};

static int module_exec(PyObject *m)
{
    if (wmelpy_ctx_init(m) < 0 || wmelpy_buffer_init(m) < 0 || wmelpy_windows_init(m) < 0 ||
        wmelpy_sliding_init(m) < 0 || wmelpy_stream_init(m) < 0 ||
        wmelpy_konline_init(m) < 0 || wmelpy_dlpack_init(m) < 0)
        return -1;
    /* The statuses an exception raised for libwmel carries as its `status` attribute. */
    if (PyModule_AddIntConstant(m, "OK", WMEL_OK) < 0 ||
        PyModule_AddIntConstant(m, "ERR_INVALID_ARG", WMEL_ERR_INVALID_ARG) < 0 ||
        PyModule_AddIntConstant(m, "ERR_NULL_POINTER", WMEL_ERR_NULL_POINTER) < 0 ||
        PyModule_AddIntConstant(m, "ERR_NO_MEMORY", WMEL_ERR_NO_MEMORY) < 0 ||
        PyModule_AddIntConstant(m, "ERR_BUFFER_TOO_SMALL", WMEL_ERR_BUFFER_TOO_SMALL) < 0 ||
        PyModule_AddIntConstant(m, "CUDA_CALL_LOG_MEL", WMEL_CUDA_CALL_LOG_MEL) < 0 ||
        PyModule_AddIntConstant(m, "CUDA_CALL_FEATURES", WMEL_CUDA_CALL_FEATURES) < 0 ||
        PyModule_AddIntConstant(m, "CUDA_CALL_FEATURES_BATCH", WMEL_CUDA_CALL_FEATURES_BATCH) < 0 ||
        PyModule_AddIntConstant(m, "ERR_TOO_SHORT", WMEL_ERR_TOO_SHORT) < 0 ||
        PyModule_AddIntConstant(m, "ERR_BACKEND_UNAVAILABLE", WMEL_ERR_BACKEND_UNAVAILABLE) < 0 ||
        PyModule_AddIntConstant(m, "ERR_NOT_FINITE", WMEL_ERR_NOT_FINITE) < 0 ||
        PyModule_AddIntConstant(m, "ERR_IO", WMEL_ERR_IO) < 0 ||
        PyModule_AddIntConstant(m, "ERR_FORMAT", WMEL_ERR_FORMAT) < 0 ||
        PyModule_AddIntConstant(m, "ERR_UNSUPPORTED", WMEL_ERR_UNSUPPORTED) < 0 ||
        PyModule_AddIntConstant(m, "ERR_CORRUPT", WMEL_ERR_CORRUPT) < 0 ||
        PyModule_AddIntConstant(m, "ERR_NO_SAMPLES", WMEL_ERR_NO_SAMPLES) < 0 ||
        PyModule_AddIntConstant(m, "ERR_THREAD", WMEL_ERR_THREAD) < 0 ||
        PyModule_AddIntConstant(m, "ERR_CUDA", WMEL_ERR_CUDA) < 0 ||
        PyModule_AddIntConstant(m, "ERR_OVERFLOW", WMEL_ERR_OVERFLOW) < 0 ||
        PyModule_AddIntConstant(m, "ERR_DECODER", WMEL_ERR_DECODER) < 0 ||
        PyModule_AddIntConstant(m, "ERR_NOT_BUILT", WMEL_ERR_NOT_BUILT) < 0 ||
        PyModule_AddIntConstant(m, "ERR_WEIGHTS", WMEL_ERR_WEIGHTS) < 0 ||
        PyModule_AddIntConstant(m, "ERR_SAMPLE_RANGE", WMEL_ERR_SAMPLE_RANGE) < 0 ||
        PyModule_AddIntConstant(m, "ERR_INTERRUPTED", WMEL_ERR_INTERRUPTED) < 0 ||
        PyModule_AddIntConstant(m, "ERR_VULKAN", WMEL_ERR_VULKAN) < 0 ||
        PyModule_AddIntConstant(m, "BACKEND_AUTO", WMEL_BACKEND_AUTO) < 0 ||
        PyModule_AddIntConstant(m, "BACKEND_REF", WMEL_BACKEND_REF) < 0 ||
        PyModule_AddIntConstant(m, "BACKEND_CPU", WMEL_BACKEND_CPU) < 0 ||
        PyModule_AddIntConstant(m, "BACKEND_CUDA", WMEL_BACKEND_CUDA) < 0 ||
        PyModule_AddIntConstant(m, "BACKEND_VULKAN", WMEL_BACKEND_VULKAN) < 0 ||
        PyModule_AddIntConstant(m, "AUTO_MEASURE", WMEL_AUTO_MEASURE) < 0 ||
        PyModule_AddIntConstant(m, "AUTO_ESTIMATE", WMEL_AUTO_ESTIMATE) < 0 ||
        PyModule_AddIntConstant(m, "AUTO_MEASURE_ANY", WMEL_AUTO_MEASURE_ANY) < 0 ||
        PyModule_AddIntConstant(m, "CUDA_ARITH_AUTO", WMEL_CUDA_ARITH_AUTO) < 0 ||
        PyModule_AddIntConstant(m, "CUDA_ARITH_FLOAT64", WMEL_CUDA_ARITH_FLOAT64) < 0 ||
        PyModule_AddIntConstant(m, "CUDA_ARITH_FLOAT_FLOAT", WMEL_CUDA_ARITH_FLOAT_FLOAT) < 0 ||
        PyModule_AddIntConstant(m, "NORM_WHOLE", WMEL_NORM_WHOLE) < 0 ||
        PyModule_AddIntConstant(m, "NORM_NONE", WMEL_NORM_NONE) < 0 ||
        PyModule_AddIntConstant(m, "FRONTEND_WHISPER", WMEL_FRONTEND_WHISPER) < 0 ||
        PyModule_AddIntConstant(m, "FRONTEND_NEMO", WMEL_FRONTEND_NEMO) < 0 ||
        PyModule_AddIntConstant(m, "FRONTEND_KALDI", WMEL_FRONTEND_KALDI) < 0 ||
        PyModule_AddIntConstant(m, "FRONTEND_SEAMLESS", WMEL_FRONTEND_SEAMLESS) < 0 ||
        PyModule_AddIntConstant(m, "FRONTEND_NEMO_LEGACY", WMEL_FRONTEND_NEMO_LEGACY) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_HANN_PERIODIC", WMEL_WINDOW_HANN_PERIODIC) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_HANN", WMEL_WINDOW_HANN) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_HAMMING", WMEL_WINDOW_HAMMING) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_POVEY", WMEL_WINDOW_POVEY) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_RECT", WMEL_WINDOW_RECT) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_BLACKMAN", WMEL_WINDOW_BLACKMAN) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_BARTLETT", WMEL_WINDOW_BARTLETT) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_SINE", WMEL_WINDOW_SINE) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_HAMMING_PERIODIC", WMEL_WINDOW_HAMMING_PERIODIC) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_BLACKMAN_PERIODIC", WMEL_WINDOW_BLACKMAN_PERIODIC) < 0 ||
        PyModule_AddIntConstant(m, "WINDOW_BARTLETT_PERIODIC", WMEL_WINDOW_BARTLETT_PERIODIC) < 0 ||
        PyModule_AddIntConstant(m, "NORM_PER_FEATURE", WMEL_NORM_PER_FEATURE) < 0 ||
        PyModule_AddIntConstant(m, "NORM_MEAN_VAR", WMEL_NORM_MEAN_VAR) < 0 ||
        PyModule_AddIntConstant(m, "LAYOUT_MELS_FRAMES", WMEL_LAYOUT_MELS_FRAMES) < 0 ||
        PyModule_AddIntConstant(m, "LAYOUT_FRAMES_MELS", WMEL_LAYOUT_FRAMES_MELS) < 0 ||
        PyModule_AddIntConstant(m, "BATCH_PER_CLIP", WMEL_BATCH_PER_CLIP) < 0 ||
        PyModule_AddIntConstant(m, "SMOOTH_3X3", WMEL_SMOOTH_3X3) < 0 ||
        PyModule_AddIntConstant(m, "BATCH_GLOBAL", WMEL_BATCH_GLOBAL) < 0 ||
        PyModule_AddIntConstant(m, "HAVE_DECODER", HAVE_DECODER) < 0 ||
        PyModule_AddIntConstant(m, "HAVE_WINDOWS", HAVE_WINDOWS) < 0 ||
        PyModule_AddIntConstant(m, "HAVE_CUDA_DEVICE", HAVE_CUDA_DEVICE) < 0 ||
        PyModule_AddStringConstant(m, "BUILD_PARTS", BUILD_PARTS) < 0)
        return -1;
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

static void module_free(void *m)
{
    (void)m;
    wmelpy_out_cache_free();
}

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_wmel", "libwmel binding (see the wmel package)", 0,
    module_methods, module_slots, NULL, NULL, module_free,
};

PyMODINIT_FUNC PyInit__wmel(void) { return PyModuleDef_Init(&module_def); }
