/*
 * cmd_stem.c -- `wmel stem INPUT --weights FILE.safetensors -o OUT.npy [--n-mels N]`:
 * the Whisper encoder stem (gelu(conv1), gelu(conv2), + positions) on each 30-second
 * transcribe() window of the input, float32 (n_windows, 1500, d). The windows are those
 * of `wmel windows` (openai's transcribe(): one global max over the whole input, a single
 * window for inputs up to 30 s); each is run through the stem and appended to the output
 * as soon as it is done, so memory stays bounded for long files.
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "commands.h"
#include "out.h"
#include "wmel.h"
#include "msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* One window through the stem, timed. */
typedef struct stem_run {
    const wmel_stem *stem;
    size_t per_out;
    double seconds;
} stem_run;

static int stem_window(void *arg, const float *mel, float *out, char *msg, size_t msg_len)
{
    stem_run *r = arg;
    double a = now();
    int rc = wmel_stem_forward(r->stem, mel, 1, out, r->per_out);
    r->seconds += now() - a;
    if (rc) snprintf(msg, msg_len, "stem: %s", wmel_strerror(rc));
    return rc;
}

int cmd_stem(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *weights = NULL;
    int quiet = 0, verbose = 0, n_mels = 0, pr;
    wmel_params p = wmel_default_params();
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((pr = cli_operands(argc, argv, &i, &in, 1)) != 0) {
            if (pr == 2) return 2;
            break;
        }
        if (!strcmp(a, "--weights") || !strcmp(a, "-w")) {
            if (!v) return cli_usage("--weights needs a .safetensors file");
            weights = v;
            i++;
        } else if (!strcmp(a, "--n-mels")) {
            if (!v || (strcmp(v, "80") && strcmp(v, "128"))) return cli_usage("--n-mels takes 80 or 128");
            n_mels = atoi(v);
            i++;
        } else if ((pr = cli_common(argc, argv, &i, &out, &quiet, &p)) != 0) {
            if (pr == 2) return 2;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            verbose = 1;
        } else if (cli_positional(a, &in) != 0) {
            return 2;
        }
    }
    if (!in) return cli_usage("stem: no INPUT given (see wmel --help)");
    if (!weights) return cli_usage("stem: no weights given: use --weights FILE.safetensors");
    if (!out) return cli_usage("stem: no output given: use -o OUT.npy");
    const char *outs[1] = {out}, *ins[2] = {in, weights};
    if (cli_check_files(outs, 1, ins, 2)) return 1;

    char err[1024] = "";
    int st;
    double t0 = now();
    wmel_stem *stem = wmel_stem_load(weights, p.n_threads, &st, err, sizeof err);
    if (!stem) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    int sm = wmel_stem_n_mels(stem);
    size_t d = (size_t)wmel_stem_d_model(stem);
    if (n_mels && n_mels != sm) {
        cli_msg("wmel: %s: the stem takes %d mel bins, not --n-mels %d", weights, sm, n_mels);
        wmel_stem_free(stem);
        return 1;
    }
    if (sm != 80 && sm != 128) {
        cli_msg("wmel: %s: the stem takes %d mel bins; wmel computes 80 or 128", weights, sm);
        wmel_stem_free(stem);
        return 1;
    }
    p.n_mels = sm;
    wmel_ctx *ctx = wmel_create(&p, &st);
    if (!ctx) {
        wmel_stem_free(stem);
        cli_msg("wmel: %s", wmel_strerror(st));
        return 1;
    }
    double t1 = now();
    stem_run run = {stem, (size_t)WMEL_STEM_FRAMES * d, 0.0};
    size_t count;
    int rc = cli_windows_npy(ctx, in, quiet, out, WMEL_STEM_FRAMES, d, stem_window, &run,
                                  &count, err, sizeof err);
    double t2 = now() - run.seconds;
    double t_stem = run.seconds;
    if (rc == WMEL_OK && verbose) {
        fprintf(cli_info(out, NULL), "%s: %zu window(s) -> (%zu, %d, %zu) float32\n", cli_esc(in), count, count, WMEL_STEM_FRAMES, d);
        fprintf(cli_info(out, NULL), "  weights %s: n_mels %d, d %zu, positions %s, GEMM %s (%.1f ms to load)\n", cli_esc(weights),
               sm, d, wmel_stem_file_positions(stem) ? "from the file" : "sinusoids", wmel_stem_gemm_name(stem),
               (t1 - t0) * 1e3);
        fprintf(cli_info(out, NULL), "  features %.1f ms (%s), stem %.1f ms (%.1f ms per window)\n", (t2 - t1) * 1e3,
               wmel_kernel_name(ctx), t_stem * 1e3, count ? t_stem * 1e3 / (double)count : 0.0);
    }
    wmel_destroy(ctx);
    wmel_stem_free(stem);
    if (rc) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    return 0;
}
