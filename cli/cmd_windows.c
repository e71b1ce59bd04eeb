/*
 * cmd_windows.c -- `wmel windows INPUT -o OUT.npy [--n-mels 80|128]`: the 30-second
 * windows openai-whisper's transcribe() feeds the model, float32
 * (n_windows, n_mels, 3000), through the wmel_windows iterator (src/stream.c): the
 * first pass decodes and computes raw features in bounded memory, then each window is
 * normalised with the global max and appended to the output.
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "commands.h"
#include "out.h"
#include "progress.h"
#include "wmel.h"
#include "msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_windows_npy(wmel_ctx *ctx, const char *in, int quiet, const char *out, size_t d1,
                         size_t d2, cli_window_fn fn, void *arg, size_t *count, char *err,
                         size_t err_len)
{
    char warn[1024] = "";
    int st;
    *count = 0;
    cli_progress pg;
    cli_progress_init(&pg, in, quiet);
    wmel_windows *w = wmel_windows_open(ctx, in, cli_progress_cb, &pg, &st, err, err_len, warn,
                                        sizeof warn);
    cli_progress_end(&pg);
    if (warn[0] && !quiet) cli_msg("wmel: warning: %s", warn);
    if (!w) return st ? st : WMEL_ERR_IO;
    const size_t per = (size_t)wmel_ctx_n_mels(ctx) * WMEL_CHUNK_FRAMES, per_out = d1 * d2;
    const size_t n = wmel_windows_count(w);
    float *mel = malloc(per * sizeof *mel), *y = fn ? malloc(per_out * sizeof *y) : mel;
    cli_npy_out o;
    int rc = mel && y ? cli_npy_out_open(&o, out, err, err_len) : WMEL_ERR_NO_MEMORY;
    if (!mel || !y) snprintf(err, err_len, "%s: out of memory", in);
    if (rc == WMEL_OK) {
        for (size_t k = 0; k < n && rc == WMEL_OK; k++) {
            size_t frames = 0;
            char msg[512] = "";
            rc = wmel_windows_next(w, mel, per, &frames);
            if (rc == WMEL_OK && frames == 0) rc = WMEL_ERR_IO; /* cannot happen */
            if (rc) {
                snprintf(err, err_len, "%s: window %zu: %s", in, k, wmel_strerror(rc));
            } else if (fn && (rc = fn(arg, mel, y, msg, sizeof msg)) != 0) {
                snprintf(err, err_len, "%s: window %zu: %s", in, k, msg);
            } else {
                rc = cli_npy_out_write(&o, y, per_out, err, err_len);
            }
        }
        size_t shape[3] = {n, d1, d2};
        if (rc == WMEL_OK && n == 0) {
            rc = WMEL_ERR_TOO_SHORT;
            snprintf(err, err_len, "%s: shorter than one frame (160 samples): no window", in);
        }
        if (rc == WMEL_OK) rc = cli_npy_out_commit(&o, shape, 3, err, err_len);
        else cli_npy_out_abort(&o);
    }
    if (fn) free(y);
    free(mel);
    wmel_windows_close(w);
    *count = n;
    return rc;
}

int cmd_windows(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    int quiet = 0, pr;
    wmel_params p = wmel_default_params();
    for (int i = 0; i < argc; i++) {
        if ((pr = cli_operands(argc, argv, &i, &in, 1)) != 0) {
            if (pr == 2) return 2;
            break;
        }
        if ((pr = cli_common(argc, argv, &i, &out, &quiet, &p)) != 0) {
            if (pr == 2) return 2;
        } else if (cli_positional(argv[i], &in) != 0) {
            return 2;
        }
    }
    if (!in) return cli_usage("windows: no INPUT given (see wmel --help)");
    if (!out) return cli_usage("windows: no output given: use -o OUT.npy");
    const char *outs[1] = {out}, *ins[1] = {in};
    if (cli_check_files(outs, 1, ins, 1)) return 1;

    char err[1024] = "";
    int st;
    wmel_ctx *ctx = wmel_create(&p, &st);
    if (!ctx) {
        cli_msg("wmel: %s", wmel_strerror(st));
        return 1;
    }
    size_t count;
    int rc = cli_windows_npy(ctx, in, quiet, out, (size_t)p.n_mels, WMEL_CHUNK_FRAMES, NULL,
                                  NULL, &count, err, sizeof err);
    wmel_destroy(ctx);
    if (rc) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    return 0;
}
