/*
 * pool.h -- worker threads shared by the frame driver (frames.c) and the encoder stem's
 * GEMM (stem/gemm.c). A team of nt workers runs one function; the calling thread is
 * always worker 0, so a team of nt uses nt - 1 pool threads.
 */
#ifndef WMEL_POOL_H
#define WMEL_POOL_H

typedef struct wmel_pool wmel_pool;

/* Worker t of a team of nt; pl is NULL when the caller runs alone (nt == 1). */
typedef void (*wmel_team_fn)(void *arg, wmel_pool *pl, int t, int nt);

/* A pool of up to cap threads, started on first use; NULL when cap < 1 or out of memory
 * (callers then make threads per call). */
wmel_pool *wmel__pool_new(int cap);
/* Joins the threads and frees the pool; NULL is a no-op. */
void wmel__pool_free(wmel_pool *pl);

/* Runs fn on a team of up to `want` workers: `shared`'s threads when it is free, else
 * threads of this call's own (a call that finds the shared pool busy: another thread
 * computing on the same ctx); fewer when threads cannot be started, down to the calling
 * thread alone. Returns the team size used. */
int wmel__team_run(wmel_pool *shared, wmel_team_fn fn, void *arg, int want);

/* All nt workers of the dispatch wait here until the last one arrives. */
void wmel__team_barrier(wmel_pool *pl, int nt);

#endif /* WMEL_POOL_H */
