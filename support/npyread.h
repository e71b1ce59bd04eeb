/*
 * npyread.h -- one reader of .npy files for the command's subcommands (compare, diagnose,
 * vectors check): numpy format 1.0-3.0, little-endian float16, float32 or float64, up to
 * 4 axes; the values are kept as the file holds them, and each caller takes the dtypes and
 * orders it can use.
 */
#ifndef WMEL_CLI_NPYREAD_H
#define WMEL_CLI_NPYREAD_H

#include <stddef.h>
#include <stdio.h>

typedef struct cli_npy {
    int ndim;
    size_t shape[4];
    size_t count;  /* values: the product of the shape */
    int item;      /* bytes a value: 2 (float16), 4 (float32) or 8 (float64) */
    int fortran;   /* fortran_order True */
    int kind;      /* 0 float; cli_npy_read_more only: 1 int16, 2 bfloat16 (item 2) */
    void *data;    /* count * item bytes (malloc'd; cli_npy_free frees) */
} cli_npy;

/* Reads path into *a: 0, or -1 with the reason in err ("PATH: ..."); *missing (when not
 * NULL) is set when the file does not exist. */
int cli_npy_read(const char *path, cli_npy *a, int *missing, char *err, size_t err_len);
/* The same from an open stream at the file's start: size is the bytes it holds (a regular
 * file's st_size), or -1 when unknown (a pipe): then the data is read in growing steps, so
 * that memory follows the bytes that arrive, not the header's claim. path names it in err. */
int cli_npy_read_stream(FILE *f, const char *path, long long size, cli_npy *a, char *err, size_t err_len);
/* cli_npy_read, also taking int16 ('<i2') and bfloat16 (ml_dtypes' as numpy saves it: '|V2',
 * or 'bfloat16'), told apart by kind: for inputs (diagnose's clips and features). */
int cli_npy_read_more(const char *path, cli_npy *a, char *err, size_t err_len);
void cli_npy_free(cli_npy *a);
/* Value i as a double (float16 widened exactly). */
double cli_npy_at(const cli_npy *a, size_t i);

#endif
