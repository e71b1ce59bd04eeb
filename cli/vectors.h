/* vectors.h -- `wmel vectors`: conformance packs (cli/cmd_vectors.c writes them,
 * cli/vectors_check.c grades a port's outputs against them), and the small readers both
 * share: a JSON document (the manifest) and .npy arrays. */
#ifndef WMEL_CLI_VECTORS_H
#define WMEL_CLI_VECTORS_H

#include <stddef.h>

/* The manifest's format name; a change that a checker must know of gets a new number. */
#define WMEL_PACK_FORMAT "wmel-conformance-pack 1"

/* `wmel vectors [options] -o PACK` (argv after "vectors") without the command's signal
 * handling: the exit status (0 made, 1 an error, 2 a usage error; messages through
 * cli_msg), or CLI_VECTORS_STOPPED when stop (may be NULL), asked before each case of the
 * pack, returned nonzero: then the folder being built is removed and PACK is as it was. */
#define CLI_VECTORS_STOPPED 130
int cli_vectors_make(int argc, char **argv, int (*stop)(void));

/* `wmel vectors check PACK OUTPUTS [...]` (argv after "check"): the exit status. */
int cli_vectors_check(int argc, char **argv);

/* ---- a JSON document: objects, arrays, strings, numbers, true, false, null */
enum { CLI_J_NULL, CLI_J_BOOL, CLI_J_NUM, CLI_J_STR, CLI_J_ARR, CLI_J_OBJ };
typedef struct cli_json {
    int type;
    double num;             /* CLI_J_NUM, CLI_J_BOOL (0 or 1) */
    char *str;              /* CLI_J_STR (NUL-terminated, escapes decoded) */
    size_t n;               /* CLI_J_ARR, CLI_J_OBJ: members */
    struct cli_json *kids;  /* the members */
    char **keys;            /* CLI_J_OBJ: each member's key */
} cli_json;

/* Parses text (len bytes) into *v; 0, or -1 with a message (line and what) in err. */
int cli_json_parse(const char *text, size_t len, cli_json *v, char *err, size_t err_len);
void cli_json_free(cli_json *v);
/* The member key of an object (NULL: absent or not an object). */
const cli_json *cli_json_get(const cli_json *o, const char *key);
/* A member's string (NULL: absent or not a string), number (def when absent). */
const char *cli_json_str(const cli_json *o, const char *key);
double cli_json_num(const cli_json *o, const char *key, double def);

/* ---- a float32 or float64 little-endian C-order .npy array, held as double */
typedef struct cli_arr {
    int ndim;
    size_t shape[4];
    size_t count;
    double *x;
} cli_arr;

/* 0, or -1 with the reason in err (ENOENT: *missing set when missing is not NULL). */
int cli_arr_read_npy(const char *path, cli_arr *a, int *missing, char *err, size_t err_len);
/* Raw little-endian float32 of count values; as above. */
int cli_arr_read_f32(const char *path, size_t count, cli_arr *a, int *missing, char *err, size_t err_len);
void cli_arr_free(cli_arr *a);

#endif
