/*
 * cmd_batch.c -- `wmel batch MANIFEST -o OUTDIR [--mode full|pad30|windows]
 * [--n-mels N] [--frontend whisper|nemo|kaldi|seamless (and its options, frontend.c)]
 * [--jobs N] [--shard-size N] [--item-timeout SECONDS] [--backend B (default cpu)]
 * [--quiet]`:
 * a manifest of audio files to WebDataset shards (the job itself is batch/batch.c).
 * Exit: 0 every input done, 3 some inputs failed (OUTDIR/errors.jsonl), 1 the job
 * failed (manifest, OUTDIR, disk), 2 usage.
 */
#define _POSIX_C_SOURCE 200809L
#include "batch.h"
#include "commands.h"
#include "args.h"
#include "frontend.h"
#include "out.h"
#include "wmel.h"
#include "msg.h"

#include <errno.h>
#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <signal.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(_WIN32)
/* Ctrl+C, Ctrl+Break, the console closed (a thread of its own): the same removals, then
 * the default handler ends the process */
static BOOL WINAPI on_console_event(DWORD type)
{
    (void)type;
    wmel_batch_interrupted();
    cli_out_remove_temps();
    return FALSE;
}
#else
static void on_signal(int sig)
{
    wmel_batch_interrupted();
    cli_out_remove_temps(); /* job.json, a part, index.jsonl being written */
    signal(sig, SIG_DFL);
    raise(sig);
}
#endif

static int parse_count(const char *v, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long x = v && *v >= '0' && *v <= '9' ? strtol(v, &end, 10) : -1;
    if (x < 0 || errno || *end || x > max) return -1;
    *out = x;
    return 0;
}

int cmd_batch(int argc, char **argv)
{
    const char *manifest = NULL, *out = NULL;
    int quiet = 0, pr;
    wmel_params p = wmel_default_params();
    /* The CPU backend unless --backend says otherwise: full and windows run on the
       streaming frame engine, which is CPU code whatever the ctx, so every mode's items
       equal the CPU backend's bit for bit; decoding, not the mel, is the cost here. */
    p.backend = WMEL_BACKEND_CPU;
    wmel_batch_opts o = {WMEL_BATCH_PAD30, 80, 0, 1000, 0, WMEL_BACKEND_CPU, NULL, -1.0, NULL, NULL, NULL, NULL, 0};
    cli_fe fe;
    cli_fe_init(&fe);
    const char *mode = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long x;
        if ((pr = cli_operands(argc, argv, &i, &manifest, 1)) != 0) {
            if (pr == 2) return 2;
            break;
        }
        if ((pr = cli_fe_opt(a, v, &fe)) != 0) {
            if (pr == 2) return 2;
            if (pr == 1) i++;
        } else if (!strcmp(a, "--mode")) {
            if ((o.mode = wmel_batch_mode_parse(v)) < 0)
                return cli_usage("--mode takes full, pad30 or windows");
            mode = v;
            i++;
        } else if (!strcmp(a, "--jobs") || !strcmp(a, "-j")) {
            if (parse_count(v, 1024, &x)) return cli_usage("--jobs takes a number from 0 (all cores) to 1024");
            o.jobs = (int)x;
            i++;
        } else if (!strcmp(a, "--threads")) {
            return cli_usage("batch: --jobs N sets the files decoded at once (each file's "
                                  "features on one thread); there is no --threads");
        } else if (!strcmp(a, "--shard-size")) {
            if (parse_count(v, 100000000, &x) || x == 0)
                return cli_usage("--shard-size takes a number of items >= 1");
            o.shard_size = (size_t)x;
            i++;
        } else if (!strcmp(a, "--item-timeout")) {
            char *end = NULL;
            double t = v && *v >= '0' && *v <= '9' ? strtod(v, &end) : -1;
            if (t < 0 || !end || *end || t > 1e9)
                return cli_usage("--item-timeout takes seconds (0: no limit; default 60 + 10 per MiB of the file)");
            o.item_timeout = t;
            i++;
        } else if ((pr = cli_common(argc, argv, &i, &out, &quiet, &p)) != 0) {
            if (pr == 2) return 2;
        } else if (cli_positional(a, &manifest) != 0) {
            return 2;
        }
    }
    if (!manifest) return cli_usage("batch: no MANIFEST given (see wmel --help)");
    if (!out) return cli_usage("batch: no output folder given: use -o OUTDIR");
    if (!strcmp(out, "-"))
        return cli_usage("batch: -o takes a folder (OUTDIR): a job of shards cannot go to standard output");
    wmel_frontend_plan fplan;
    fe.takes_cols = 1; /* --cmvn, --hf-config's per-column values: each item's ctx */
    if (cli_fe_plan(&fe, &fplan)) return 2;
    if (!cli_fe_whisper(&fe)) {
        /* another front-end: the whole clip's features (mode full) */
        if (mode && o.mode != WMEL_BATCH_FULL) {
            cli_msg("wmel: --mode %s applies to the whisper preset only (%s: full)", mode,
                 cli_fe_name(fe.frontend));
            return 2;
        }
        o.mode = WMEL_BATCH_FULL;
        o.fe_plan = &fplan;
        p.n_mels = fplan.n_mels;
    } else {
        p.n_mels = fplan.n_mels; /* 80 unless --n-mels said 128 */
    }
    o.n_mels = p.n_mels;
    o.backend = p.backend;
    o.progress = !quiet && isatty(2);
    char err[2048] = "";
    double *cols = NULL;
    if (o.fe_plan && cli_fe_colvec(&fe, &fplan, &cols, &o.n_cols, err, sizeof err)) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    if (cols) { /* which column, its scale and the plan's bound */
        char why[480];
        if (wmel_plan_cols_check(&fplan, cols, cols + o.n_cols, o.n_cols, why, sizeof why)) {
            if (fe.cmvn) cli_msg("wmel: --cmvn %s with %s: %s", cli_esc(fe.cmvn), cli_fe_label(&fe), why);
            else cli_msg("wmel: %s's per-column values: %s", cli_fe_label(&fe), why);
            free(cols);
            return 1;
        }
    }
    o.col_scale = cols;
    o.col_shift = cols ? cols + o.n_cols : NULL;
    wmel_batch_plan plan;
    if (wmel_batch_plan_load(manifest, &plan, err, sizeof err)) {
        free(cols);
        cli_msg("wmel: %s", err);
        return 1;
    }
    wmel_batch_stats st;
#if defined(_WIN32)
    SetConsoleCtrlHandler(on_console_event, TRUE);
#else
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
#endif
    int rc = wmel_batch_run(&plan, out, &o, &st, err, sizeof err);
    wmel_batch_plan_free(&plan);
    free(cols);
    if (rc == WMEL_BATCH_FAILED) {
        cli_msg("wmel: %s", err);
        return 1;
    }
    if (!quiet) {
        cli_msg("wmel batch: %zu items, %zu written now (%.2f h of audio, %.0fx realtime), "
                     "%zu shard(s) already complete, %zu failed%s",
             st.items, st.written, st.audio_seconds / 3600,
             st.wall_seconds > 0 ? st.audio_seconds / st.wall_seconds : 0.0, st.shards_skipped,
             st.failed, st.failed ? ": see errors.jsonl" : "");
    }
    return rc;
}
