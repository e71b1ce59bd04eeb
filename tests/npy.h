/*
 * npy.h -- NumPy .npy reading (format version 1.0), for the tests (npy.c).
 */
#ifndef WMEL_NPY_H
#define WMEL_NPY_H

#include <stddef.h>
#include <stdio.h>

#define WMEL_NPY_MAX_DIMS 8

typedef struct wmel_npy {
    char dtype[8];                  /* e.g. "<f4", "<f8", "<i2" */
    int ndim;
    size_t shape[WMEL_NPY_MAX_DIMS];
    size_t count;                   /* product of shape */
    size_t itemsize;
    void *data;                     /* malloc'ed, count * itemsize bytes */
} wmel_npy;

/* Reads a .npy file (little-endian f4, f8, i2, i4; C order). Returns 0 or a status and
 * a message in err. */
int wmel__npy_read(const char *path, wmel_npy *out, char *err, size_t err_len);
void wmel__npy_free(wmel_npy *a);

/* Converts any supported dtype to a new float64 array (malloc'ed), NULL on failure. */
double *wmel__npy_as_f64(const wmel_npy *a);

#endif
