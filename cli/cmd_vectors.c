/*
 * cmd_vectors.c -- `wmel vectors` (vectors/: making a pack, cli_vectors_make; grading a
 * port's outputs, cli_vectors_check) with the command's signal handling.
 */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"
#include "vectors.h"

#include <signal.h>
#include <string.h>

/* ---- the command: SIGINT, SIGTERM and SIGHUP stop the run between two files; the folder
 * being built is removed, then the signal ends the process as it would have. The handler
 * only records the signal, so a second or third one (an impatient Ctrl-C) cannot cut the
 * removal short: the run stops at the next file, within one case's time. */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    if (!stop_signal) stop_signal = sig;
}

static int signalled(void) { return stop_signal != 0; }

int cmd_vectors(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "check")) return cli_vectors_check(argc - 1, argv + 1);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa, old[3];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; i++) {
        /* over the default action only: an ignored signal (nohup) stays ignored */
        if (sigaction(sigs[i], NULL, &old[i]) == 0 && !(old[i].sa_flags & SA_SIGINFO) && old[i].sa_handler == SIG_DFL)
            sigaction(sigs[i], &sa, NULL);
    }
    int rc = cli_vectors_make(argc, argv, signalled);
    if (stop_signal) {
        const int sig = stop_signal;
        signal(sig, SIG_DFL);
        raise(sig);
    }
    return rc == CLI_VECTORS_STOPPED ? 1 : rc;
}
