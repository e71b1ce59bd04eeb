/* progress.h -- progress lines on stderr for long inputs. */
#ifndef WMEL_CLI_PROGRESS_H
#define WMEL_CLI_PROGRESS_H

/* Progress: printed on stderr only when it is a terminal, not quiet, and the work has
 * lasted over a second: percent (when the total is known), audio seconds, x-realtime. */
typedef struct cli_progress {
    int on;
    int printed;
    double t0, last;
    const char *name;
} cli_progress;

void cli_progress_init(cli_progress *p, const char *name, int quiet);
void cli_progress_cb(void *user, double seconds_done, double seconds_total); /* wmel_progress_fn */
void cli_progress_end(cli_progress *p);

#endif
