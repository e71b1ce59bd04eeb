/* args.h -- the wmel command's option parsing, shared by every subcommand. */
#ifndef WMEL_CLI_ARGS_H
#define WMEL_CLI_ARGS_H

#include <stddef.h>

#include "wmel.h"

/* An argument no option of the command matched: the INPUT (the first one) or a usage
 * error, reported on stderr. Returns 0, or 2 (the usage-error exit status). */
int cli_positional(const char *arg, const char **input);

/* "--" at argv[*i]: every argument after it is an operand (a file name that starts with
 * '-' included), put in the first empty slot of ops[0 .. n_ops); *i moves to argc.
 * Returns 0 when argv[*i] is not "--", 1 when taken, 2 on a usage error (more operands
 * than slots, reported on stderr). */
int cli_operands(int argc, char **argv, int *i, const char **ops, int n_ops);

/* A usage error: "wmel: msg" on stderr; returns 2 (the usage-error exit status). */
int cli_usage(const char *msg);

/* The options of every command at argv[*i]: -o/--output FILE, -q/--quiet and, when p is
 * set, cli_param's. Returns 0 when argv[*i] is none of them, 1 when it was taken
 * (*i moved past its value), 2 on a usage error (reported on stderr). */
int cli_common(int argc, char **argv, int *i, const char **out, int *quiet, wmel_params *p);

/* The options every feature command shares: --n-mels 80|128, --backend
 * auto|ref|cpu|cuda|vulkan, --threads N (arg and its value val, which may be NULL). Returns 0
 * when arg is none of them, 1 when it was applied to p (val consumed), 2 on a bad value
 * (reported on stderr; 2 is the usage-error exit status). */
int cli_param(const char *arg, const char *val, wmel_params *p);

/* A non-negative decimal count into *out; -1 when s is not one. */
int cli_size(const char *s, size_t *out);

#endif
