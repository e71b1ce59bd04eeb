/*
 * args.c -- the options every wmel subcommand shares (args.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_usage(const char *msg)
{
    cli_msg("wmel: %s", msg);
    return 2;
}

int cli_common(int argc, char **argv, int *i, const char **out, int *quiet, wmel_params *p)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
        if (!v) return cli_usage("-o needs a file name (- for standard output)");
        if (!*v) return cli_usage("-o needs a file name, not an empty one (- for standard output)");
        *out = v;
        ++*i;
        return 1;
    }
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
        *quiet = 1;
        return 1;
    }
    if (!p) return 0;
    int pr = cli_param(a, v, p);
    if (pr == 1) ++*i;
    return pr;
}

int cli_operands(int argc, char **argv, int *i, const char **ops, int n_ops)
{
    if (strcmp(argv[*i], "--") != 0) return 0;
    while (++*i < argc) {
        int k = 0;
        while (k < n_ops && ops[k]) k++;
        if (k == n_ops) {
            cli_msg("wmel: unexpected argument '%s' (%s)", argv[*i], n_ops == 1 ? "one INPUT only" : "two only");
            return 2;
        }
        ops[k] = argv[*i];
    }
    return 1;
}

int cli_positional(const char *arg, const char **input)
{
    if (arg[0] == '-' && arg[1]) {
        cli_msg("wmel: unknown option '%s' (see wmel --help; -- before a file name that starts with -)", arg);
        return 2;
    }
    if (*input) {
        cli_msg("wmel: unexpected argument '%s' (one INPUT only)", arg);
        return 2;
    }
    *input = arg;
    return 0;
}

int cli_param(const char *arg, const char *val, wmel_params *p)
{
    const char *why = NULL;
    if (!strcmp(arg, "--n-mels")) {
        if (val && (!strcmp(val, "80") || !strcmp(val, "128"))) p->n_mels = atoi(val);
        else why = "--n-mels takes 80 or 128";
    } else if (!strcmp(arg, "--backend")) {
        if (val && !strcmp(val, "auto")) p->backend = WMEL_BACKEND_AUTO;
        else if (val && !strcmp(val, "ref")) p->backend = WMEL_BACKEND_REF;
        else if (val && !strcmp(val, "cpu")) p->backend = WMEL_BACKEND_CPU;
        else if (val && !strcmp(val, "cuda")) p->backend = WMEL_BACKEND_CUDA;
        else if (val && !strcmp(val, "vulkan")) p->backend = WMEL_BACKEND_VULKAN;
        else why = "--backend takes auto, ref, cpu, cuda or vulkan";
    } else if (!strcmp(arg, "--threads")) {
        char *end = NULL;
        long t = val && *val >= '0' && *val <= '9' ? strtol(val, &end, 10) : -1;
        if (t < 0 || t > 256 || *end) why = "--threads takes a number from 0 to 256";
        else p->n_threads = (int)t;
    } else {
        return 0;
    }
    if (why) {
        cli_msg("wmel: %s", why);
        return 2;
    }
    return 1;
}

int cli_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    if (!s || *s == '-' || !*s) return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = (size_t)v;
    return 0;
}
