/* fe_hfjson.h -- the members of any JSON document's top-level object (and of one nested
 * object), for transformers' feature-extractor configurations (fe_hf.c); the walker is
 * fe_json.c's (its strings, numbers and UTF-8 rules). */
#ifndef WMEL_FE_HFJSON_H
#define WMEL_FE_HFJSON_H

#include <stddef.h>

enum { WMEL_JM_KEY = 48, WMEL_JM_VAL = 128, WMEL_JM_MAX = 512 };

typedef struct wmel__jmember {
    char key[WMEL_JM_KEY]; /* keys of WMEL_JM_KEY bytes or more are not kept */
    char val[WMEL_JM_VAL]; /* a string's text (cut), a number's digits, "true", "false", "null" */
    int kind;              /* 's' string, 'L' a string cut to fit, 'n' number, 'b' bool, 'z' null,
                              'o' object, 'a' array */
    int nested;            /* 1: a member of the nested object `sub` */
    int line;
    size_t at;             /* the value's first byte in the text (an array's '[') */
} wmel__jmember;

/* Parses a whole JSON document (nesting up to 64 levels; nothing after it) whose top level is
 * an object, keeping its members and those of its member `sub` (when an object; sub may be
 * NULL), at most WMEL_JM_MAX, in the text's order. WMEL_OK, or WMEL_ERR_INVALID_ARG with the
 * line and the rule in msg. */
int wmel__json_members(const char *text, size_t len, const char *sub, wmel__jmember *m, int *n, char *msg,
                       size_t msg_len);

/* The numbers of the array whose '[' is text[at] (a member's `at` from wmel__json_members, so
 * the text is valid JSON), nested arrays flattened in order, as numpy's reshape(-1) reads
 * them: at most cap into out, their count in *n. 0; 1 when an element is not a number
 * (a string, true, false, null or an object); 2 when there are more than cap; 3 when the
 * nesting is not rectangular (arrays of one level of unequal lengths, or numbers beside
 * arrays), which numpy's array refuses. */
int wmel__json_numbers(const char *text, size_t len, size_t at, double *out, size_t cap, size_t *n);

#endif
