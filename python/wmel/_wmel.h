/*
 * _wmel.h -- what the files of the extension wmel._wmel share. The module (init, constants,
 * module functions) is _wmel_module.c; the helpers below are _wmel_common.c; each object
 * type has a file of its own: _wmel_ctx.c (Ctx and the front-end plan as a dict), _wmel_audio.c (Buffer and
 * decoding), _wmel_windows.c (Windows), _wmel_sliding.c (Sliding, SlidingView),
 * _wmel_stream.c (Stream), _wmel_konline.c (KaldiRaw), _wmel_dlpack.c (DLIn, CudaArray: DLPack on a CUDA device); _fixed.c holds the integer front-end. The names shared across
 * files start with wmelpy_ and stay inside the module (the target's hidden visibility): the
 * module exports PyInit__wmel only.
 */
#ifndef WMELPY_H
#define WMELPY_H

#ifndef Py_LIMITED_API /* CMake's USE_SABI sets it too */
#define Py_LIMITED_API 0x030B0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stddef.h>

#include "wmel.h"

/* ---- _wmel_common.c: errors, buffers, live objects */

/* Raises for status st. msg (may be NULL or empty) is the library's detailed message;
 * otherwise wmel_strerror(st) is used. Returns NULL for `return wmelpy_raise_status(...)`. */
PyObject *wmelpy_raise_status(int st, const char *what, const char *msg);
/* A C-contiguous buffer of float32 (or also int16 when allow_s16): 'f' or 'h', or -1. */
int wmelpy_get_pcm(PyObject *o, Py_buffer *v, int allow_s16, const char *name);
/* A writable C-contiguous float32 buffer holding at least `need` floats: 0 or -1. */
int wmelpy_get_out(PyObject *o, Py_buffer *v, size_t need);
/* v >= 0, else ValueError naming the argument: 0 or -1. */
int wmelpy_check_size(Py_ssize_t v, const char *name);
/* Marks a live object busy for one call that releases the GIL: 0, or -1 with the error. */
int wmelpy_live_enter(int *busy, const char *name);
typedef int (*wmelpy_live_push_fn)(void *obj, const float *pcm, size_t n);
/* push(samples) of a live object through fn (see _wmel_common.c). */
int wmelpy_live_push(PyObject *args, int *busy, const char *type, wmelpy_live_push_fn fn,
                     void *obj);

/* ---- _wmel_ctx.c */

typedef struct {
    PyObject_HEAD
    wmel_ctx *ctx;
    int n_mels;
    int cuda_device; /* wmel_params.cuda_device: the device of a CUDA ctx */
} CtxObject;

extern PyObject *wmelpy_CtxType; /* set at module init */
PyObject *wmelpy_plan_to_dict(const wmel_frontend_plan *pl);
int wmelpy_plan_from_dict(PyObject *d, wmel_frontend_plan *pl);
int wmelpy_ctx_init(PyObject *m);

/* ---- _wmel_audio.c */

/* Ctrl-C during a long decode with the GIL released: the decoder asks between packets;
 * at most every 20 ms this takes the GIL for a moment and runs Python's signal handlers.
 * Once one raised (KeyboardInterrupt), the exception stays set and the decode stops. */
typedef struct py_intr {
    double last;
    int raised;
} py_intr;

int wmelpy_interrupt(void *user); /* a py_intr * */
/* (Buffer, warning or None) after a successful read, else raises. */
PyObject *wmelpy_read_result(int st, float *data, size_t n, const char *path,
                             const char *err, const char *warn);
PyObject *wmelpy_read_wav(PyObject *m, PyObject *args);
PyObject *wmelpy_parse_wav(PyObject *m, PyObject *args);
PyObject *wmelpy_load_audio(PyObject *m, PyObject *args);
PyObject *wmelpy_load_audio_memory(PyObject *m, PyObject *args);
PyObject *wmelpy_have_ffmpeg(PyObject *m, PyObject *noargs);
int wmelpy_buffer_init(PyObject *m);
PyObject *wmelpy_out_buffer(PyObject *m, PyObject *arg);
PyObject *wmelpy_set_output_cache(PyObject *m, PyObject *arg);
void wmelpy_out_cache_free(void);

/* ---- _wmel_dlpack.c: DLIn, CudaArray (DLPack on a CUDA device) and their functions */
int wmelpy_dlpack_init(PyObject *m);

/* ---- _wmel_windows.c, _wmel_sliding.c, _wmel_stream.c: each adds its types to m */

int wmelpy_windows_init(PyObject *m);
int wmelpy_sliding_init(PyObject *m);
int wmelpy_stream_init(PyObject *m);
int wmelpy_konline_init(PyObject *m); /* _wmel_konline.c: KaldiRaw */

/* ---- _fixed.c */

PyObject *wmelpy_fx_log_mel(PyObject *m, PyObject *args);

#endif
