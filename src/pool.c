/*
 * pool.c -- the worker pool (pool.h). A ctx owns one, its threads started on first use
 * and joined by wmel_destroy(); a call that finds it busy makes a pool of its own for
 * the call. Workers of one dispatch meet at wmel__team_barrier().
 */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct pool_worker {
    wmel_pool *pool;
    int idx;               /* 1.. */
    unsigned long seen;    /* the last dispatch this worker looked at */
    pthread_t tid;
} pool_worker;

struct wmel_pool {
    pthread_mutex_t mu;
    pthread_cond_t wake, done, bar;
    int busy;              /* a call holds the pool */
    int quit;
    int cap;               /* most threads */
    int n_started;         /* threads running: w[0 .. n_started) */
    unsigned long gen;     /* dispatch number */
    int n_active;          /* the current dispatch's team size, caller included */
    int pending;           /* its pool threads not done yet */
    wmel_team_fn fn;
    void *arg;
    int bar_count;         /* arrived at the current barrier */
    unsigned long bar_gen;
    pool_worker w[];
};

static void *pool_main(void *p)
{
    pool_worker *w = p;
    wmel_pool *pl = w->pool;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        while (!pl->quit && pl->gen == w->seen) pthread_cond_wait(&pl->wake, &pl->mu);
        if (pl->quit) break;
        w->seen = pl->gen;
        if (w->idx >= pl->n_active) continue;
        wmel_team_fn fn = pl->fn;
        void *arg = pl->arg;
        int nt = pl->n_active;
        pthread_mutex_unlock(&pl->mu);
        fn(arg, pl, w->idx, nt);
        pthread_mutex_lock(&pl->mu);
        if (--pl->pending == 0) pthread_cond_signal(&pl->done);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

wmel_pool *wmel__pool_new(int cap)
{
    if (cap < 1) return NULL;
    wmel_pool *pl = calloc(1, sizeof *pl + (size_t)cap * sizeof(pool_worker));
    if (!pl) return NULL;
    int ok = pthread_mutex_init(&pl->mu, NULL) == 0;
    ok = ok && pthread_cond_init(&pl->wake, NULL) == 0;
    ok = ok && pthread_cond_init(&pl->done, NULL) == 0;
    ok = ok && pthread_cond_init(&pl->bar, NULL) == 0;
    if (!ok) { /* cannot happen with glibc's default attributes */
        free(pl);
        return NULL;
    }
    pl->cap = cap;
    return pl;
}

void wmel__pool_free(wmel_pool *pl)
{
    if (!pl) return;
    pthread_mutex_lock(&pl->mu);
    pl->quit = 1;
    pthread_cond_broadcast(&pl->wake);
    pthread_mutex_unlock(&pl->mu);
    for (int i = 0; i < pl->n_started; i++) pthread_join(pl->w[i].tid, NULL);
    pthread_cond_destroy(&pl->bar);
    pthread_cond_destroy(&pl->done);
    pthread_cond_destroy(&pl->wake);
    pthread_mutex_destroy(&pl->mu);
    free(pl);
}

/* Takes the pool for one call with up to `want` threads, starting missing ones.
 * Returns the threads available (fewer when the system refuses more), or -1 when
 * another call holds the pool. */
static int pool_acquire(wmel_pool *pl, int want)
{
    pthread_mutex_lock(&pl->mu);
    if (pl->busy) {
        pthread_mutex_unlock(&pl->mu);
        return -1;
    }
    pl->busy = 1;
    if (want > pl->cap) want = pl->cap;
    while (pl->n_started < want) {
        pool_worker *w = &pl->w[pl->n_started];
        w->pool = pl;
        w->idx = pl->n_started + 1;
        w->seen = pl->gen;
        if (pthread_create(&w->tid, NULL, pool_main, w) != 0) break;
        pl->n_started++;
    }
    int got = pl->n_started < want ? pl->n_started : want;
    pthread_mutex_unlock(&pl->mu);
    return got;
}

static void pool_release(wmel_pool *pl)
{
    pthread_mutex_lock(&pl->mu);
    pl->busy = 0;
    pthread_mutex_unlock(&pl->mu);
}

/* Runs fn(arg, pl, t, nt) for t = 0..nt-1, t = 0 on the calling thread; returns when
 * all are done. */
static void pool_run(wmel_pool *pl, wmel_team_fn fn, void *arg, int nt)
{
    pthread_mutex_lock(&pl->mu);
    pl->fn = fn;
    pl->arg = arg;
    pl->n_active = nt;
    pl->pending = nt - 1;
    pl->bar_count = 0;
    pl->gen++;
    pthread_cond_broadcast(&pl->wake);
    pthread_mutex_unlock(&pl->mu);
    fn(arg, pl, 0, nt);
    pthread_mutex_lock(&pl->mu);
    while (pl->pending > 0) pthread_cond_wait(&pl->done, &pl->mu);
    pthread_mutex_unlock(&pl->mu);
}

void wmel__team_barrier(wmel_pool *pl, int nt)
{
    if (nt <= 1) return;
    pthread_mutex_lock(&pl->mu);
    unsigned long g = pl->bar_gen;
    if (++pl->bar_count == nt) {
        pl->bar_count = 0;
        pl->bar_gen++;
        pthread_cond_broadcast(&pl->bar);
    } else {
        while (pl->bar_gen == g) pthread_cond_wait(&pl->bar, &pl->mu);
    }
    pthread_mutex_unlock(&pl->mu);
}

int wmel__team_run(wmel_pool *shared, wmel_team_fn fn, void *arg, int want)
{
    wmel_pool *pl = want > 1 ? shared : NULL;
    int got = pl ? pool_acquire(pl, want - 1) : -1, own = 0;
    if (got < 0 && want > 1) {
        pl = wmel__pool_new(want - 1);
        got = pl ? pool_acquire(pl, want - 1) : -1;
        own = 1;
    }
    if (got <= 0) {
        fn(arg, NULL, 0, 1);
    } else {
        pool_run(pl, fn, arg, got + 1);
    }
    if (pl && got >= 0) pool_release(pl);
    if (own) wmel__pool_free(pl);
    return got > 0 ? got + 1 : 1;
}
