/* progress.h -- progress lines on stderr for long inputs. */
#ifndef WMEL_CLI_PROGRESS_H
#define WMEL_CLI_PROGRESS_H

/* Progress: printed on stderr only when it is a terminal, not quiet, and the work has
 * lasted over a second: percent (when the total is known), audio seconds, x-realtime. */
typedef struct wmel_progress {
    int on;
    int printed;
    double t0, last;
    const char *name;
} wmel_progress;

void wmel_progress_init(wmel_progress *p, const char *name, int quiet);
void wmel_progress_cb(void *user, double seconds_done, double seconds_total); /* wmel_progress_fn */
void wmel_progress_end(wmel_progress *p);

#endif
