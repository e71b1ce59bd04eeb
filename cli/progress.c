/*
 * progress.c -- progress lines on stderr for long inputs.
 */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"
#include "msg.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void cli_progress_init(cli_progress *p, const char *name, int quiet)
{
    memset(p, 0, sizeof *p);
    p->on = !quiet && isatty(2);
    p->t0 = p->last = now();
    p->name = name;
}

void cli_progress_cb(void *user, double done, double total)
{
    cli_progress *p = user;
    if (!p || !p->on) return;
    double t = now();
    if (t - p->t0 < 1.0 || t - p->last < 0.25) return;
    p->last = t;
    double xrt = done / (t - p->t0);
    char name[1024];
    cli_escape(name, sizeof name, p->name);
    if (total > 0) {
        double pct = 100.0 * done / total;
        fprintf(stderr, "\r%s: %5.1f%%  %.0f s of audio  %.0fx realtime   ", name,
                pct > 100 ? 100.0 : pct, done, xrt);
    } else {
        fprintf(stderr, "\r%s: %.0f s of audio  %.0fx realtime   ", name, done, xrt);
    }
    p->printed = 1;
}

void cli_progress_end(cli_progress *p)
{
    if (p->printed) fputc('\n', stderr);
    p->printed = 0;
}
