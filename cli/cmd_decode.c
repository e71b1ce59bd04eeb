/*
 * cmd_decode.c -- `wmel decode INPUT -o OUT.npy`: the decoded 16 kHz mono float32
 * samples, 1-D, exactly openai-whisper's load_audio(INPUT) (FFmpeg builds). Streams:
 * the samples go to the file as they are decoded, never all in memory.
 */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"
#include "args.h"
#include "out.h"
#include "progress.h"
#include "wmel.h"
#include "msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536

int cmd_decode(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    int quiet = 0, pr;
    for (int i = 0; i < argc; i++) {
        if ((pr = cli_operands(argc, argv, &i, &in, 1)) != 0) {
            if (pr == 2) return 2;
            break;
        }
        if ((pr = cli_common(argc, argv, &i, &out, &quiet, NULL)) != 0) {
            if (pr == 2) return 2;
        } else if (cli_positional(argv[i], &in) != 0) {
            return 2;
        }
    }
    if (!in) return cli_usage("decode: no INPUT given (see wmel --help)");
    if (!out) return cli_usage("decode: no output given: use -o OUT.npy");
    const char *outs[1] = {out}, *ins[1] = {in};
    if (cli_check_files(outs, 1, ins, 1)) return 1;
    char err[1024] = "";
    int st;
    wmel_decoder *d = wmel_decoder_open(in, &st, err, sizeof err);
    if (!d) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    float *buf = malloc(CHUNK * sizeof *buf);
    cli_npy_out w;
    int rc = buf ? cli_npy_out_open(&w, out, err, sizeof err) : WMEL_ERR_NO_MEMORY;
    if (!buf) snprintf(err, sizeof err, "%s: out of memory", in);
    if (rc) {
        free(buf);
        wmel_decoder_close(d);
        cli_msg("wmel: %s", err);
        return 1;
    }
    cli_progress pg;
    cli_progress_init(&pg, in, quiet);
    double total = wmel_decoder_duration(d);
    for (;;) {
        size_t got = 0;
        rc = wmel_decoder_read(d, buf, CHUNK, &got);
        if (rc) {
            snprintf(err, sizeof err, "%s", wmel_decoder_error(d));
            break;
        }
        if (got == 0) break;
        rc = cli_npy_out_write(&w, buf, got, err, sizeof err);
        if (rc) break;
        cli_progress_cb(&pg, (double)wmel_decoder_samples(d) / WMEL_SAMPLE_RATE, total);
    }
    cli_progress_end(&pg);
    if (rc == WMEL_OK) {
        size_t shape[1] = {w.count};
        rc = cli_npy_out_commit(&w, shape, 1, err, sizeof err);
    } else {
        cli_npy_out_abort(&w);
    }
    if (!quiet && wmel_decoder_warning(d)[0])
        cli_msg("wmel: warning: %s", wmel_decoder_warning(d));
    free(buf);
    wmel_decoder_close(d);
    if (rc) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    return 0;
}
