/* vectors.h -- `wmel vectors`: conformance packs (vectors/vectors.c writes them,
 * vectors/vectors_check.c grades a port's outputs against them), and the small readers both
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

/* ---- a pack's manifest and files (vectors/vectors_check.c). A pack and a port's outputs are
 * input from anyone: the manifest is held to a strict form, names are plain names inside
 * the folder, and no file is followed out of it. */

/* A pack's manifest is some 40-60 kB; anything past this is refused unread. */
#define CLI_PACK_MANIFEST_MAX ((size_t)16 << 20)
#define CLI_PACK_MANIFEST_MAX_TEXT "16 MiB"
/* JSON values a document may hold (a pack's: some 2,000), so that parsing stays within
 * some 30 MB whatever the text. */
#define CLI_JSON_MAX_VALUES (1 << 18)
#define CLI_JSON_MAX_VALUES_TEXT "262144"
/* An array's values at most (the product of a shape), a name's characters, and the range a
 * tolerance lies in (the widest a pack writes is some 5: Speech2Text's tone cases, widened
 * to the float32 floor, docs/porting.md). */
#define CLI_PACK_MAX_VALUES ((size_t)1 << 28)
#define CLI_PACK_NAME_MAX 200
#define CLI_PACK_TOL_MIN 1e-12
#define CLI_PACK_TOL_MAX 1000.0

/* Parses a manifest's text and checks its form: an object of format WMEL_PACK_FORMAT with at
 * least one case; each case a plain name; an expected refusal ("refused": true), or
 * "expected" (a relative name inside the pack), "rule" ("rel1" or "peak"), "tol" (a number
 * from CLI_PACK_TOL_MIN to CLI_PACK_TOL_MAX) and "shape" (at most 4 whole numbers of product
 * at most CLI_PACK_MAX_VALUES), and "stages" of the same with "name" and "file". 0 with *m
 * to free (cli_json_free), or -1 with the reason in err (nothing to free). */
int cli_pack_manifest_parse(const char *text, size_t len, cli_json *m, char *err, size_t err_len);
/* 1 when s is a plain file name: 1..CLI_PACK_NAME_MAX of letters, digits, '.', '_', '+',
 * '-', not starting with '.' (so never "." or ".."). */
int cli_pack_name_ok(const char *s);
/* 1 when s is 1 to 4 plain names joined by '/' (no leading '/', "..", empty part). */
int cli_pack_path_ok(const char *s);
/* 1 when t is a tolerance a manifest may give. */
int cli_pack_tol_ok(double t);
/* An entry's "shape" into shape[4]: its axes, or -1 when it is not a valid shape. */
int cli_pack_shape(const cli_json *e, size_t *shape);
/* Opens rel (cli_pack_path_ok) under the folder dirfd: no symbolic link followed on the
 * way or at the end, and only a regular file (a FIFO or device is refused before it is
 * read; the open never waits). The descriptor with its size in *size, or -1 with the
 * reason in err naming shown (*missing set when it does not exist). */
int cli_pack_open(int dirfd, const char *rel, const char *shown, long long *size, int *missing, char *err,
                  size_t err_len);
/* 1 when the folder dir is recognisably a wmel pack (what `wmel vectors --force` may
 * replace): a manifest.json of wmel's format that cli_pack_manifest_parse accepts, and
 * nothing else but folders inputs/ and expected/ of regular .npy and .f32 files (no
 * symbolic link anywhere); else 0 with the reason in why. */
int cli_pack_recognise(const char *dir, char *why, size_t why_len);

/* ---- a float32 or float64 little-endian C-order .npy array, held as double */
typedef struct cli_arr {
    int ndim;
    size_t shape[4];
    size_t count;
    double *x;
} cli_arr;

/* rel under the folder dirfd (cli_pack_open; shown names it in messages): 0, or -1 with
 * the reason in err (*missing set, when missing is not NULL, where it does not exist). */
int cli_arr_read_npy(int dirfd, const char *rel, const char *shown, cli_arr *a, int *missing, char *err,
                     size_t err_len);
/* Raw little-endian float32 of count values (the file's size checked before it is read);
 * as above. */
int cli_arr_read_f32(int dirfd, const char *rel, const char *shown, size_t count, cli_arr *a, int *missing, char *err,
                     size_t err_len);
void cli_arr_free(cli_arr *a);

#endif
