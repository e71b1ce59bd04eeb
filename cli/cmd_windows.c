/*
 * cmd_windows.c -- `wmel windows INPUT -o OUT.npy [--n-mels 80|128]`: the 30-second
 * windows openai-whisper's transcribe() feeds the model, float32
 * (n_windows, n_mels, 3000), through the wmel_windows iterator (src/stream.c): the
 * first pass decodes and computes raw features in bounded memory, then each window is
 * normalised with the global max and appended to the output.
 */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"
#include "util.h"
#include "wmel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_windows(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    int quiet = 0, pr;
    wmel_params p = wmel_default_params();
    for (int i = 0; i < argc; i++) {
        if ((pr = wmel_cli_common(argc, argv, &i, &out, &quiet, &p)) != 0) {
            if (pr == 2) return 2;
        } else if (wmel_cli_positional(argv[i], &in) != 0) {
            return 2;
        }
    }
    if (!in) return wmel_cli_usage("windows: no INPUT given (see wmel --help)");
    if (!out) return wmel_cli_usage("windows: no output given: use -o OUT.npy");

    char err[1024] = "";
    int st;
    wmel_ctx *ctx = wmel_create(&p, &st);
    if (!ctx) {
        fprintf(stderr, "wmel: %s\n", wmel_strerror(st));
        return 1;
    }
    size_t count;
    int rc = wmel_cli_windows_npy(ctx, in, quiet, out, (size_t)p.n_mels, WMEL_CHUNK_FRAMES, NULL,
                                  NULL, &count, err, sizeof err);
    wmel_destroy(ctx);
    if (rc) {
        fprintf(stderr, "wmel: %s\n", err);
        return 1;
    }
    return 0;
}
