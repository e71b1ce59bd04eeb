/* readall.h -- a whole stream into memory, for the wmel command's small inputs: raw
 * samples on standard input, a manifest, the batch job's own bookkeeping files. */
#ifndef WMEL_CLI_READALL_H
#define WMEL_CLI_READALL_H

#include <stddef.h>
#include <stdio.h>

/* Reads f to its end, or to max bytes, into a malloc'ed buffer followed by a NUL (text can
 * be parsed in place); *len gets the bytes read. NULL on failure, with errno ENOMEM when
 * memory ran out, else the read error's errno (EIO when the stream gave none). */
char *cli_read_all(FILE *f, size_t max, size_t *len);

#endif
