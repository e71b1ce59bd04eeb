/* out.h -- every file the wmel command writes: atomic outputs (hidden temporary file
 * beside the target, fsync, rename; in place for devices, FIFOs and descriptors), float32
 * .npy files written whole or progressively over one header writer, and the PNG picture
 * (png.c). A failed or aborted output leaves nothing under the target name. */
#ifndef WMEL_CLI_OUT_H
#define WMEL_CLI_OUT_H

#include <stddef.h>
#include <stdio.h>

/* An output file. A regular file (or a name not yet taken) is written to a temporary
 * beside it, "NAME.tmp.XXXXXX" (NAME cut to fit 255 bytes), and renamed into place on
 * commit: abort, a crash or SIGINT/SIGTERM/SIGHUP (with cli_out_handle_signals(), the
 * temporary is unlinked by a handler, then the signal ends the process) leave nothing
 * under the target name. A symlink is followed:
 * its target gets the file, the link stays. What is not a regular file (a device, a FIFO,
 * /dev/stdout, /dev/fd/N) is written in place with no temporary; an output that needs
 * seeking (a .npy whose shape comes last) goes to such a target through an unnamed
 * tmpfile() when the target cannot seek. */
typedef struct cli_out {
    char *target;    /* the name given, for messages */
    char *path;      /* where the file lands (links followed) */
    char *tmp;       /* the temporary beside path; NULL in place */
    FILE *f;         /* what is written: the temporary, the target itself, or a spill */
    int in_place;
    int fd;          /* in place: the target's descriptor (f writes to it unless spilled) */
    int spilled;     /* in place, target cannot seek: f is a tmpfile() copied on commit */
    long long base;  /* in place, seekable: the target's offset where the file starts */
    int slot;        /* signal-cleanup slot of tmp, -1 none */
    int mode;        /* permissions of the file replaced, -1 when there was none */
} cli_out;

/* Makes the temporaries removed on SIGINT, SIGTERM and SIGHUP (handlers installed on
 * the first output, over the default action only: an ignored signal or a handler of the
 * program's own stays). The wmel command calls it; a library user (the Python batch
 * module) does not, so Python's own SIGINT handling stays. */
void cli_out_handle_signals(void);
/* Unlinks the registered temporaries now (async-signal-safe): for a signal handler of
 * the program's own, which replaces the one above. */
void cli_out_remove_temps(void);

/* Anonymous scratch files (spilled runs, a pipe's .npy) in cli_tmpdir(): $TMPDIR,
 * else /tmp, as the library's own spill does. NULL with errno set. */
FILE *cli_tmpfile(void);
/* Where -v summaries go: stdout, or stderr when an output (out, out2; may be NULL) is
 * standard output ("-", or a path to the file it is: /dev/stdout, /proc/self/fd/1), so that
 * the data stream stays clean. */
FILE *cli_info(const char *out, const char *out2);
const char *cli_tmpdir(void);

/* 1 when an output to target is written in place, nothing replaced: a descriptor's name
 * (-, /dev/stdout, /dev/fd/N), or what its links lead to exists and is neither a regular
 * file nor a folder (a FIFO, a device); 0 when it creates or replaces a regular file. */
int cli_out_in_place(const char *target);
/* seekable: the writer will seek (cli_out_seek). */
int cli_out_open(cli_out *o, const char *target, int seekable, char *err, size_t err_len);
int cli_out_seek(cli_out *o, long long offset);             /* from the start of the file */
int cli_out_commit(cli_out *o, char *err, size_t err_len); /* flushes, fsyncs, renames */
void cli_out_abort(cli_out *o);                              /* closes and unlinks */

/* Refuses, before any work, an output that is an input (the same device and inode, also
 * through links: replacing it would destroy the input) or the same file as another output,
 * and an output that names a directory. outs/ins may hold NULLs (absent options) and "-"
 * (standard input). Prints "wmel: ..." and returns 1, or returns 0. */
int cli_check_files(const char *const *outs, int n_outs, const char *const *ins, int n_ins);

/* The .npy header (format 1.0: magic, version, little-endian header length, a Python
 * dict padded with spaces and a newline) of a little-endian float32 C-order array of
 * `shape`, padded to a multiple of 64 bytes and to at least `min_len`. Returns its
 * length, or 0 when it does not fit in cap. */
size_t cli_npy_header(char *buf, size_t cap, const size_t *shape, int ndim, size_t min_len);

/* Writes a whole float32 .npy to an open output (not committed); atomically. */
int cli_write_npy(cli_out *o, const size_t *shape, int ndim, const float *data, char *err,
                   size_t err_len);
int cli_write_npy_atomic(const char *path, const size_t *shape, int ndim, const float *data,
                          char *err, size_t err_len);

/* A float32 .npy written progressively (shape known only at the end): the header's room
 * (WMEL_NPY_FIXED_HEADER bytes) is reserved on open and filled in on commit. */
#define WMEL_NPY_FIXED_HEADER 128
typedef struct cli_npy_out {
    cli_out o;
    size_t count; /* floats written */
} cli_npy_out;

int cli_npy_out_open(cli_npy_out *w, const char *path, char *err, size_t err_len);
int cli_npy_out_write(cli_npy_out *w, const float *x, size_t n, char *err, size_t err_len);
/* Writes the header for `shape` (its product must equal the count written, unless the
 * caller wrote the data with fseek itself) and renames the file into place; on failure
 * the temporary file is removed. */
int cli_npy_out_commit(cli_npy_out *w, const size_t *shape, int ndim, char *err,
                        size_t err_len);
void cli_npy_out_abort(cli_npy_out *w);

/* Writes a PNG picture of a [n_mels][n_frames] spectrogram to an open output, not
 * committed (png.c): one message in err on failure (libpng prints nothing). */
int cli_write_png(cli_out *o, const float *mel, int n_mels, size_t n_frames,
                   char *err, size_t err_len);

#endif
