/*
 * pool.c -- the worker pool (pool.h). A ctx owns one, its threads started on first use
 * and joined by wmel_destroy(); a call that finds it busy makes a pool of its own for
 * the call. Workers of one dispatch meet at wmel__team_barrier().
 */
#define _POSIX_C_SOURCE 200809L
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* How long a thread that waits for its partners (at a barrier, for the end of a
 * dispatch, for the next dispatch) polls before it sleeps on a condition variable: the
 * partners usually arrive within microseconds (the frame driver shares its work out in
 * small chunks), and a sleeper's wake-up costs tens of microseconds, ~10 % of a 30 s
 * call on two threads. Bounded so that an idle pool or an oversubscribed machine loses
 * no more than this per wait. */
#ifndef WMEL_SPIN_NS
#define WMEL_SPIN_NS 50000L
#endif
#define SPIN_NS WMEL_SPIN_NS

static long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Polls until (*p == v) == until_eq (returns 1) or SPIN_NS have passed (returns 0). */
static int spin(const unsigned long *p, unsigned long v, int until_eq)
{
    long t0 = 0;
    for (unsigned i = 1;; i++) {
        if ((__atomic_load_n(p, __ATOMIC_ACQUIRE) == v) == until_eq) return 1;
        if (i < 256) {
            CPU_RELAX();
            continue;
        }
        /* then yield: on a machine with more runnable threads than cores the partner
           may be waiting for this very core */
        sched_yield();
        long t = now_ns();
        if (!t0) t0 = t;
        else if (t - t0 > SPIN_NS) return 0;
    }
}

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
    unsigned long pending; /* its pool threads not done yet (atomic; changed under mu) */
    wmel_team_fn fn;
    void *arg;
    int bar_count;         /* arrived at the current barrier (atomic) */
    unsigned long bar_gen; /* atomic; changed under mu */
    pool_worker w[];
};

static void *pool_main(void *p)
{
    pool_worker *w = p;
    wmel_pool *pl = w->pool;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        if (!pl->quit && pl->gen == w->seen) { /* back-to-back calls: poll a little first */
            pthread_mutex_unlock(&pl->mu);
            spin(&pl->gen, w->seen, 0);
            pthread_mutex_lock(&pl->mu);
        }
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
        if (__atomic_sub_fetch(&pl->pending, 1, __ATOMIC_RELEASE) == 0)
            pthread_cond_signal(&pl->done);
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
    __atomic_store_n(&pl->pending, (unsigned long)(nt - 1), __ATOMIC_RELAXED);
    __atomic_store_n(&pl->bar_count, 0, __ATOMIC_RELAXED);
    __atomic_add_fetch(&pl->gen, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&pl->wake);
    pthread_mutex_unlock(&pl->mu);
    fn(arg, pl, 0, nt);
    spin(&pl->pending, 0, 1); /* the others are about done: poll, then sleep */
    pthread_mutex_lock(&pl->mu);
    while (__atomic_load_n(&pl->pending, __ATOMIC_ACQUIRE) > 0)
        pthread_cond_wait(&pl->done, &pl->mu);
    pthread_mutex_unlock(&pl->mu);
}

void wmel__team_barrier(wmel_pool *pl, int nt)
{
    if (nt <= 1) return;
    unsigned long g = __atomic_load_n(&pl->bar_gen, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&pl->bar_count, 1, __ATOMIC_ACQ_REL) == nt) {
        /* the last one: the next barrier's count starts before anyone can reach it */
        __atomic_store_n(&pl->bar_count, 0, __ATOMIC_RELAXED);
        pthread_mutex_lock(&pl->mu);
        __atomic_add_fetch(&pl->bar_gen, 1, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&pl->bar);
        pthread_mutex_unlock(&pl->mu);
        return;
    }
    if (spin(&pl->bar_gen, g, 0)) return;
    pthread_mutex_lock(&pl->mu); /* bar_gen changes under mu: no lost wake-up */
    while (__atomic_load_n(&pl->bar_gen, __ATOMIC_ACQUIRE) == g) pthread_cond_wait(&pl->bar, &pl->mu);
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
