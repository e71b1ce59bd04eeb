/*
 * batch.c -- the `wmel batch` job: N worker threads decode and compute items ahead of
 * one writer, which appends them to the shards in manifest order.
 *
 * Files in OUTDIR:
 *   job.json               the job's parameters and the manifest's fingerprint: a
 *                          later run with other parameters is refused
 *   shard-NNNNNN.tar       items [N*S, (N+1)*S) minus the failed ones
 *   index.jsonl            one line per item written, errors.jsonl one per failure:
 *                          both assembled at the end from the shards' parts
 *   .parts/NNNNNN.index.jsonl, .parts/NNNNNN.errors.jsonl   a shard's lines
 *   .lock                  flock()ed while a run is in progress
 * Every file is written through support/out.c: a temporary name (TARGET.tmp.XXXXXX),
 * fsync, rename.
 * A shard is complete when its tar exists with both of its parts; the parts are
 * renamed before the tar, so after a crash (kill -9 included) at any point a complete
 * shard is whole and an incomplete one is redone from its first item. A rerun deletes
 * the temporary files left by a killed run and skips complete shards. index.jsonl and
 * errors.jsonl are rewritten from all the parts, so each item is listed once.
 *
 * Memory: a worker may run ahead of the writer by at most 2 * jobs items; an item is
 * held as 960 KB of features (pad30), a windows iterator (a few windows in memory, the
 * rest in a tmpfile) or the library's long-input path (wmel_long_*: 8 MB in memory at most, then a tmpfile).
 */
#define _GNU_SOURCE
#include "batch.h"
#include "out.h"
#include "readall.h"
#include "platform.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#endif
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ atomic files */

/* The shard being written, for wmel_batch_interrupted() (a signal handler). */
static char g_tmp[4096];
static volatile sig_atomic_t g_tmp_set;

void wmel_batch_interrupted(void)
{
    if (g_tmp_set) cli_remove(g_tmp);
}

/* An output file of the job: support/out.c's atomic output (a temporary file beside the
 * target, fsync, rename) under OUTDIR. */
typedef struct afile {
    char path[4096];
    cli_out o;
    FILE *f;
} afile;

static int af_open(afile *a, const char *dir, const char *name, char *err, size_t err_len)
{
    int n = snprintf(a->path, sizeof a->path, "%s/%s", dir, name);
    a->f = NULL;
    if (n < 0 || (size_t)n >= sizeof a->path) {
        snprintf(err, err_len, "%s: path too long", dir);
        return WMEL_ERR_IO;
    }
    int rc = cli_out_open(&a->o, a->path, 0, err, err_len);
    if (rc == WMEL_OK) a->f = a->o.f;
    return rc;
}

static void af_abort(afile *a)
{
    if (a->f) cli_out_abort(&a->o);
    a->f = NULL;
}

static int af_commit(afile *a, char *err, size_t err_len)
{
    a->f = NULL;
    return cli_out_commit(&a->o, err, err_len);
}

static int write_file(const char *dir, const char *name, const void *data, size_t n, char *err,
                      size_t err_len)
{
    afile a;
    int rc = af_open(&a, dir, name, err, err_len);
    if (rc) return rc;
    if (n && fwrite(data, 1, n, a.f) != n) {
        snprintf(err, err_len, "%s: cannot write: %s", a.path, strerror(errno));
        af_abort(&a);
        return WMEL_ERR_IO;
    }
    return af_commit(&a, err, err_len);
}

static void sync_dir(const char *dir)
{
#if defined(_WIN32)
    (void)dir; /* Windows: MoveFileExW(MOVEFILE_WRITE_THROUGH) returned after the rename was on disk */
#else
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        if (fsync(fd) != 0) { /* best effort: rename already happened */ }
        close(fd);
    }
#endif
}

static int exists(const char *dir, const char *name)
{
    char p[4096];
    int n = snprintf(p, sizeof p, "%s/%s", dir, name);
    return n > 0 && (size_t)n < sizeof p && access(p, F_OK) == 0;
}

/* A temporary file of ours (support/out.c names them TARGET.tmp.XXXXXX): a shard, job.json,
 * index.jsonl, errors.jsonl, or a part. */
static int our_tmp(const char *name)
{
    const char *t = strstr(name, ".tmp.");
    if (!t || strlen(t) != 11) return 0;
    size_t n = (size_t)(t - name);
    if (n == 16 && !strncmp(name, "shard-", 6) && !strncmp(name + 12, ".tar", 4)) return 1;
    if (n >= 6 && !strncmp(t - 6, ".jsonl", 6)) return 1; /* index, errors, parts */
    return n == 8 && !strncmp(name, "job.json", 8);
}

/* Removes the temporary files a killed run left in dir. */
static void clean_tmp(const char *dir)
{
    cli_dir *d = cli_opendir(dir);
    if (!d) return;
    const char *e;
    while ((e = cli_readdir(d)) != NULL) {
        if (!our_tmp(e)) continue;
        char p[4096];
        int n = snprintf(p, sizeof p, "%s/%s", dir, e);
        if (n > 0 && (size_t)n < sizeof p) cli_remove(p);
    }
    cli_closedir(d);
}

/* A whole file into a malloc'ed, NUL-terminated buffer; NULL with errno set (ENOENT when
 * it does not exist). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = cli_fopen(path, "rb");
    if (!f) return NULL;
    size_t n = 0;
    char *b = cli_read_all(f, SIZE_MAX - 1, &n);
    int e = errno;
    fclose(f);
    errno = e;
    if (len) *len = n;
    return b;
}

/* ------------------------------------------------------------------ job.json */

/* FNV-1a 64 over a plan's fields (for job.json: two plans of one front-end differ there). */
static unsigned long long plan_fingerprint(const wmel_frontend_plan *pl)
{
    unsigned long long h = 1469598103934665603ULL;
    const int iv[] = {pl->frontend, pl->sample_rate, pl->frame_length, pl->hop, pl->n_fft,
                      pl->window, pl->framing, pl->remove_dc, pl->preemph_mode, pl->mel_scale,
                      pl->mel_norm, pl->n_mels, pl->power, pl->log, pl->use_energy, pl->norm,
                      pl->valid, pl->stack, pl->pad_to, pl->layout};
    const double dv[] = {pl->scale, pl->preemph, pl->low_freq, pl->high_freq, pl->log_guard,
                         pl->norm_eps, pl->energy_floor};
    char buf[64];
    for (size_t i = 0; i < sizeof iv / sizeof iv[0] + sizeof dv / sizeof dv[0]; i++) {
        int l = i < sizeof iv / sizeof iv[0] ? snprintf(buf, sizeof buf, "%d;", iv[i])
                                             : snprintf(buf, sizeof buf, "%.17g;", dv[i - sizeof iv / sizeof iv[0]]);
        for (int k = 0; k < l; k++) {
            h ^= (unsigned char)buf[k];
            h *= 1099511628211ULL;
        }
    }
    /* the appended fields, only where one is set (the plans before them keep their value) */
    const int iv2[] = {pl->bank_flags, pl->mag_guard_mode, pl->norm_flags, pl->n_frames, pl->affine};
    const double dv2[] = {pl->mag_guard, pl->norm_max, pl->norm_range, pl->post_scale, pl->post_shift,
                          pl->pad_value, pl->window_coeff};
    int any = 0;
    for (size_t i = 0; i < sizeof iv2 / sizeof iv2[0]; i++) any |= iv2[i] != 0;
    for (size_t i = 0; i < sizeof dv2 / sizeof dv2[0]; i++) any |= dv2[i] != 0.0;
    for (size_t i = 0; any && i < sizeof iv2 / sizeof iv2[0] + sizeof dv2 / sizeof dv2[0]; i++) {
        int l = i < sizeof iv2 / sizeof iv2[0] ? snprintf(buf, sizeof buf, "%d;", iv2[i])
                                               : snprintf(buf, sizeof buf, "%.17g;", dv2[i - sizeof iv2 / sizeof iv2[0]]);
        for (int k = 0; k < l; k++) {
            h ^= (unsigned char)buf[k];
            h *= 1099511628211ULL;
        }
    }
    /* the stacking variants and deltas, likewise only where one is set */
    const int iv3[] = {pl->stack_stride, pl->stack_left, pl->stack_tail, pl->delta_win, pl->cols_stacked};
    int any3 = pl->stack_fill != 0.0;
    for (size_t i = 0; i < sizeof iv3 / sizeof iv3[0]; i++) any3 |= iv3[i] != 0;
    for (size_t i = 0; any3 && i <= sizeof iv3 / sizeof iv3[0]; i++) {
        int l = i < sizeof iv3 / sizeof iv3[0] ? snprintf(buf, sizeof buf, "%d;", iv3[i])
                                               : snprintf(buf, sizeof buf, "%.17g;", pl->stack_fill);
        for (int k = 0; k < l; k++) {
            h ^= (unsigned char)buf[k];
            h *= 1099511628211ULL;
        }
    }
    /* the linear spectrum, likewise only where it is set */
    if (pl->linear_bins || pl->first_bin) {
        const int l = snprintf(buf, sizeof buf, "lin%d;%d;", pl->linear_bins, pl->first_bin);
        for (int k = 0; k < l; k++) {
            h ^= (unsigned char)buf[k];
            h *= 1099511628211ULL;
        }
    }
    /* the cepstra, likewise only where they are set */
    if (pl->n_ceps || pl->ceps_htk || pl->cepstral_lifter != 0.0) {
        const int l = snprintf(buf, sizeof buf, "ceps%d;%d;%.17g;", pl->n_ceps, pl->ceps_htk, pl->cepstral_lifter);
        for (int k = 0; k < l; k++) {
            h ^= (unsigned char)buf[k];
            h *= 1099511628211ULL;
        }
    }
    return h;
}

/* FNV-1a 64 of the per-column affine's values (their bytes, scales then shifts). */
static unsigned long long cols_fingerprint(const wmel_batch_opts *o)
{
    unsigned long long h = 1469598103934665603ULL;
    for (int k = 0; k < 2; k++) {
        const unsigned char *b = (const unsigned char *)(k ? o->col_shift : o->col_scale);
        for (size_t i = 0; i < o->n_cols * sizeof(double); i++) {
            h ^= b[i];
            h *= 1099511628211ULL;
        }
    }
    return h;
}

size_t wmel_batch_job_json(const wmel_batch_plan *plan, const wmel_batch_opts *o, char *out,
                           size_t cap)
{
    char fe[200] = ""; /* Whisper's jobs say nothing: their job.json is as it always was */
    if (o->fe_plan) {
        const int l = snprintf(fe, sizeof fe, "\"frontend\": \"%s\", \"plan\": \"fnv1a64:%016llx\", ",
                               wmel_batch_frontend_name(o->fe_plan->frontend), plan_fingerprint(o->fe_plan));
        if (o->n_cols && l > 0 && (size_t)l < sizeof fe) /* only where set: other jobs' text as it was */
            snprintf(fe + l, sizeof fe - (size_t)l, "\"cols\": \"fnv1a64:%016llx\", ", cols_fingerprint(o));
    }
    int n = snprintf(out, cap,
                     "{\"format\": \"wmel-batch/1\", %s\"mode\": \"%s\", \"n_mels\": %d, "
                     "\"shard_size\": %zu, \"items\": %zu, \"manifest\": \"fnv1a64:%016llx\", "
                     "\"wmel\": \"%s\"}\n",
                     fe, wmel_batch_mode_name(o->mode), o->n_mels, o->shard_size, plan->n,
                     plan->fingerprint, WMEL_VERSION_STRING);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* The value of "field": in a job.json we wrote (for messages). */
static void field_of(const char *js, const char *field, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", field);
    const char *p = strstr(js, pat);
    out[0] = 0;
    if (!p) return;
    p += strlen(pat);
    size_t n = strcspn(p, ",}");
    snprintf(out, cap, "%.*s", (int)n, p);
}

/* Names in OUTDIR (and OUTDIR/.parts) listed for a message: up to 8, then a count. */
typedef struct namelist {
    char text[1024];
    size_t n;
} namelist;

static void names_add(namelist *l, const char *prefix, const char *name)
{
    if (l->n++ < 8) {
        size_t u = strlen(l->text);
        snprintf(l->text + u, sizeof l->text - u, "%s%s%s", u ? ", " : "", prefix, name);
    }
}

static void names_end(namelist *l)
{
    size_t u = strlen(l->text);
    if (l->n > 8) snprintf(l->text + u, sizeof l->text - u, " and %zu more", l->n - 8);
}

/* "NNNNNN" + suffix with NNNNNN < n_shards (six digits, as the job writes them). */
static int numbered(const char *name, const char *prefix, const char *suffix, size_t n_shards)
{
    size_t pl = strlen(prefix), sl = strlen(suffix), nl = strlen(name);
    if (nl != pl + 6 + sl || strncmp(name, prefix, pl) || strcmp(name + pl + 6, suffix)) return 0;
    size_t v = 0;
    for (size_t i = pl; i < pl + 6; i++) {
        if (name[i] < '0' || name[i] > '9') return 0;
        v = v * 10 + (size_t)(name[i] - '0');
    }
    return v < n_shards;
}

/* Lists what in dir the job does not account for. have_job == 0 (no job.json): every
 * entry but the lock, an empty .parts and temporary files of ours (a run killed before
 * it wrote job.json leaves just those); have_job == 1: every entry other than job.json,
 * the lock, index.jsonl, errors.jsonl, shard-NNNNNN.tar and .parts/NNNNNN.{index,errors}.jsonl
 * for NNNNNN < n_shards, and temporary files. Returns -1 when dir cannot be listed. */
static int strays(const char *dir, int have_job, size_t n_shards, namelist *l)
{
    cli_dir *d = cli_opendir(dir);
    if (!d) return -1;
    const char *n;
    while ((n = cli_readdir(d)) != NULL) {
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, ".lock") || !strcmp(n, ".parts") ||
            our_tmp(n))
            continue;
        if (have_job && (!strcmp(n, "job.json") || !strcmp(n, "index.jsonl") ||
                         !strcmp(n, "errors.jsonl") || numbered(n, "shard-", ".tar", n_shards)))
            continue;
        names_add(l, "", n);
    }
    cli_closedir(d);
    char parts[4096];
    snprintf(parts, sizeof parts, "%s/.parts", dir);
    if ((d = cli_opendir(parts)) == NULL) {
        names_end(l);
        return 0;
    }
    while ((n = cli_readdir(d)) != NULL) {
        if (!strcmp(n, ".") || !strcmp(n, "..") || our_tmp(n)) continue;
        if (have_job && (numbered(n, "", ".index.jsonl", n_shards) ||
                         numbered(n, "", ".errors.jsonl", n_shards)))
            continue;
        names_add(l, ".parts/", n);
    }
    cli_closedir(d);
    names_end(l);
    return 0;
}

static int check_job(const char *dir, const char *want, size_t n_shards, char *err,
                     size_t err_len)
{
    char path[4096];
    int pl = snprintf(path, sizeof path, "%s/job.json", dir);
    if (pl < 0 || (size_t)pl >= sizeof path) {
        snprintf(err, err_len, "%s: output folder name too long", dir);
        return WMEL_ERR_IO;
    }
    errno = 0;
    char *have = slurp(path, NULL);
    if (!have && errno != ENOENT) { /* there but unreadable: never written over */
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return WMEL_ERR_IO;
    }
    namelist l = {"", 0};
    if (strays(dir, have != NULL, n_shards, &l) != 0) {
        snprintf(err, err_len, "%s: cannot list the output folder: %s", dir, strerror(errno));
        free(have);
        return WMEL_ERR_IO;
    }
    if (!have && l.n) {
        snprintf(err, err_len,
                 "%s is not empty and holds no job.json (%s): wmel batch never takes over files "
                 "it did not record; use a new output folder (-o), or remove this one to start "
                 "over",
                 dir, l.text);
        return WMEL_ERR_INVALID_ARG;
    }
    if (!have) return write_file(dir, "job.json", want, strlen(want), err, err_len);
    int rc = WMEL_OK;
    if (strcmp(have, want)) {
        static const char *fields[] = {"frontend", "plan", "cols", "mode", "n_mels", "shard_size",
                                       "items", "manifest", "format", "wmel"};
        const char *what = "job";
        char a[128] = "", b[128] = "";
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            field_of(have, fields[i], a, sizeof a);
            field_of(want, fields[i], b, sizeof b);
            if (strcmp(a, b)) {
                what = fields[i];
                if (i == 0 && !a[0]) snprintf(a, sizeof a, "\"whisper\""); /* no field: Whisper's */
                if (i == 0 && !b[0]) snprintf(b, sizeof b, "\"whisper\"");
                if (i == 2 && !a[0]) snprintf(a, sizeof a, "none"); /* no per-column affine */
                if (i == 2 && !b[0]) snprintf(b, sizeof b, "none");
                break;
            }
        }
        if (!strcmp(what, "items") || !strcmp(what, "manifest"))
            snprintf(err, err_len,
                     "%s holds a job over another manifest (job.json: %s %s, now %s): use a new "
                     "output folder, or delete this one to start over",
                     dir, what, a, b);
        else
            snprintf(err, err_len,
                     "%s holds a job with %s %s (now %s): rerun with the same options to resume "
                     "it, or use a new output folder",
                     dir, what, a, b);
        rc = WMEL_ERR_INVALID_ARG;
    } else if (l.n) {
        snprintf(err, err_len,
                 "%s holds files its job (job.json: shards 0 to %zu) does not account for: %s; "
                 "remove them to resume the job, or use a new output folder (-o)",
                 dir, n_shards - 1, l.text);
        rc = WMEL_ERR_INVALID_ARG;
    }
    free(have);
    return rc;
}

/* ------------------------------------------------------------------ the job */

typedef struct slot {
    int ready;
    wmel_batch_result *res;
    char *error; /* failure message (res NULL) */
} slot;

typedef struct job {
    const wmel_batch_plan *plan;
    const wmel_batch_opts *o;
    wmel_ctx *ctx;
    size_t *todo, n_todo;
    size_t next_claim, next_write, window;
    slot *slots;
    int stop;
    int cancel; /* atomic: the job was interrupted, items in progress stop */
    pthread_mutex_t mu;
    pthread_cond_t cv_ready, cv_space;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    char err[1024];
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->stop && j->next_claim < j->n_todo && j->next_claim >= j->next_write + j->window)
            pthread_cond_wait(&j->cv_space, &j->mu);
        if (j->stop || j->next_claim >= j->n_todo) break;
        size_t pos = j->next_claim++;
        pthread_mutex_unlock(&j->mu);
        const wmel_batch_entry *e = &j->plan->items[j->todo[pos]];
        wmel_batch_result *r = wmel_batch_compute(j->ctx, j->o->mode, e->open, NULL, 0, e->path,
                                                  j->o->item_timeout, &j->cancel, err, sizeof err);
        char *msg = r ? NULL : strdup(err[0] ? err : "failed");
        pthread_mutex_lock(&j->mu);
        slot *s = &j->slots[pos % j->window];
        s->res = r;
        s->error = msg;
        s->ready = 1;
        pthread_cond_broadcast(&j->cv_ready);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void fmt_dur(double s, char *out, size_t cap)
{
    if (s < 0 || s > 1e8) snprintf(out, cap, "?");
    else if (s >= 3600) snprintf(out, cap, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    else if (s >= 60) snprintf(out, cap, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else snprintf(out, cap, "%ds", (int)s);
}

typedef struct progress {
    int on, printed;
    double t0, last;
    size_t total, done, failed, done_here;
    double audio;
} progress;

static void progress_show(progress *p, int final)
{
    if (!p->on) return;
    double t = now();
    if (!final && t - p->last < 0.25) return;
    p->last = t;
    double el = t - p->t0;
    char eta[32];
    double rate = el > 0 ? p->done_here / el : 0;
    fmt_dur(rate > 0 ? (p->total - p->done) / rate : -1, eta, sizeof eta);
    fprintf(stderr, "\rwmel batch: %zu/%zu files  %.2f h of audio  %.0fx realtime  ETA %s  %zu failed   ",
            p->done, p->total, p->audio / 3600, el > 0 ? p->audio / el : 0.0, eta, p->failed);
    p->printed = 1;
    if (final) fputc('\n', stderr);
}

/* Lines of one shard, kept in memory until the shard is committed. */
typedef struct lines {
    char *b;
    size_t n, cap;
} lines;

static int lines_add(lines *l, const char *s, size_t n)
{
    if (l->n + n + 1 > l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 4096;
        while (nc < l->n + n + 1) nc *= 2;
        char *nb = realloc(l->b, nc);
        if (!nb) return -1;
        l->b = nb;
        l->cap = nc;
    }
    memcpy(l->b + l->n, s, n);
    l->b[l->n + n] = '\n';
    l->n += n + 1;
    return 0;
}

static int shard_done(const char *dir, size_t s)
{
    char n[64];
    snprintf(n, sizeof n, "shard-%06zu.tar", s);
    if (!exists(dir, n)) return 0;
    snprintf(n, sizeof n, ".parts/%06zu.index.jsonl", s);
    if (!exists(dir, n)) return 0;
    snprintf(n, sizeof n, ".parts/%06zu.errors.jsonl", s);
    return exists(dir, n);
}

/* index.jsonl and errors.jsonl from all the parts; *failed counts the errors. */
static int assemble(const char *dir, size_t n_shards, size_t *failed, char *err, size_t err_len)
{
    static const char *kinds[2] = {"index", "errors"};
    *failed = 0;
    for (int k = 0; k < 2; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s.jsonl", kinds[k]);
        afile a;
        int rc = af_open(&a, dir, name, err, err_len);
        if (rc) return rc;
        for (size_t s = 0; s < n_shards; s++) {
            char p[4096];
            size_t len = 0;
            int pl = snprintf(p, sizeof p, "%s/.parts/%06zu.%s.jsonl", dir, s, kinds[k]);
            char *b = pl > 0 && (size_t)pl < sizeof p ? slurp(p, &len) : NULL;
            if (!b) {
                snprintf(err, err_len, "%s: cannot read: %s", p, strerror(errno));
                af_abort(&a);
                return WMEL_ERR_IO;
            }
            if (k == 1)
                for (size_t i = 0; i < len; i++) *failed += b[i] == '\n';
            int bad = len && fwrite(b, 1, len, a.f) != len;
            free(b);
            if (bad) {
                snprintf(err, err_len, "%s/%s: cannot write: %s", dir, name, strerror(errno));
                af_abort(&a);
                return WMEL_ERR_IO;
            }
        }
        rc = af_commit(&a, err, err_len);
        if (rc) return rc;
    }
    sync_dir(dir);
    return WMEL_OK;
}

/* The output folder, its .parts and its lock, taken: the lock's descriptor, or -1 (err). */
static int open_folder(const char *dir, char *parts, size_t parts_len, char *err, size_t err_len)
{
    if (strlen(dir) > 3000) {
        snprintf(err, err_len, "the output folder's path is too long");
        return -1;
    }
    if (cli_mkdir(dir) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "%s: cannot create the output folder: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(parts, parts_len, "%s/.parts", dir);
    if (cli_mkdir(parts) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "%s: cannot create: %s", parts, strerror(errno));
        return -1;
    }
    char lockp[4096];
    snprintf(lockp, sizeof lockp, "%s/.lock", dir);
    int lockfd = cli_lock_file(lockp);
    if (lockfd == -1) {
        snprintf(err, err_len, "%s: cannot write in the output folder: %s", dir, strerror(errno));
        return -1;
    }
    if (lockfd < 0) {
        snprintf(err, err_len, "%s: another wmel batch is running on this folder", dir);
        return -1;
    }
    return lockfd;
}

/* The job's ctx, its window and its workers, started (*n_th of them); 0, or a status
 * (err; WMEL_ERR_NO_MEMORY unsaid). */
static int start_workers(job *j, const wmel_batch_plan *plan, const wmel_batch_opts *o, int other_fe, pthread_t **th,
                         int *n_th, char *err, size_t err_len)
{
#if defined(_WIN32)
    long cores = (long)GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
#elif defined(_SC_NPROCESSORS_ONLN)
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
#else
    long cores = 1; /* (docs/platforms.md) */
#endif
    int jobs = o->jobs > 0 ? o->jobs : cores > 0 ? (int)cores : 1;
    if ((size_t)jobs > j->n_todo) jobs = (int)j->n_todo;
    wmel_params p = wmel_default_params();
    p.n_mels = o->n_mels;
    p.backend = o->backend;
    p.n_threads = 1; /* the parallelism is the workers' */
    int st;
    j->ctx = !other_fe      ? wmel_create(&p, &st)
             : o->n_cols ? wmel_create_plan_cols(&p, o->fe_plan, o->col_scale, o->col_shift, o->n_cols, &st)
                         : wmel_create_plan(&p, o->fe_plan, &st);
    if (!j->ctx) {
        snprintf(err, err_len, "%s", wmel_strerror(st));
        return st;
    }
    j->plan = plan;
    j->o = o;
    j->window = 2 * (size_t)jobs;
    j->slots = calloc(j->window, sizeof *j->slots);
    *th = calloc((size_t)jobs, sizeof **th);
    if (!j->slots || !*th) return WMEL_ERR_NO_MEMORY;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv_ready, NULL);
    pthread_cond_init(&j->cv_space, NULL);
    for (; *n_th < jobs; (*n_th)++)
        if (pthread_create(&(*th)[*n_th], NULL, worker, j) != 0) break;
    if (*n_th == 0) {
        snprintf(err, err_len, "%s", wmel_strerror(WMEL_ERR_THREAD));
        return WMEL_ERR_THREAD;
    }
    return 0;
}

/* Waits until the item at pos is ready, then takes it out of its slot into *got (0), or
 * until the interrupt callback asks to stop: the workers are told to cancel (1). */
static int take_slot(job *j, size_t pos, const wmel_batch_opts *o, slot *got)
{
    int stop = o->interrupt && o->interrupt(o->interrupt_user); /* never under the lock */
    pthread_mutex_lock(&j->mu);
    slot *sl = &j->slots[pos % j->window];
    while (!sl->ready && !stop) {
        if (!o->interrupt) {
            pthread_cond_wait(&j->cv_ready, &j->mu);
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 50 * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&j->cv_ready, &j->mu, &until);
        if (!sl->ready) {
            pthread_mutex_unlock(&j->mu); /* the callback may take its time (Python's GIL) */
            stop = o->interrupt(o->interrupt_user);
            pthread_mutex_lock(&j->mu);
        }
    }
    if (stop) {
        /* as after SIGINT: the shard in progress goes, complete shards stay */
        __atomic_store_n(&j->cancel, 1, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&j->mu);
        return 1;
    }
    *got = *sl;
    memset(sl, 0, sizeof *sl);
    j->next_write = pos + 1;
    pthread_cond_broadcast(&j->cv_space);
    pthread_mutex_unlock(&j->mu);
    return 0;
}

/* The shard's tar opened (a temporary file, named for the signal handler); 0, or -1 (err). */
static int open_shard(const char *dir, size_t shard, afile *tar, char *err, size_t err_len)
{
    char name[64];
    snprintf(name, sizeof name, "shard-%06zu.tar", shard);
    if (af_open(tar, dir, name, err, err_len)) return -1;
    g_tmp_set = 0;
    snprintf(g_tmp, sizeof g_tmp, "%s", tar->o.tmp);
    g_tmp_set = 1;
    return 0;
}

/* The shard is complete: its end-of-archive, its parts, then the tar itself committed. 0,
 * or -1 (err). */
static int finish_shard(const char *dir, const char *parts, size_t shard, afile *tar, const lines *li,
                        const lines *le, char *err, size_t err_len)
{
    static const char zero[1024];
    char pn[64];
    if (fwrite(zero, 1, sizeof zero, tar->f) != sizeof zero) {
        snprintf(err, err_len, "%s: write failed: %s", tar->path, strerror(errno));
        return -1;
    }
    snprintf(pn, sizeof pn, ".parts/%06zu.index.jsonl", shard);
    if (write_file(dir, pn, li->b, li->n, err, err_len)) return -1;
    snprintf(pn, sizeof pn, ".parts/%06zu.errors.jsonl", shard);
    if (write_file(dir, pn, le->b, le->n, err, err_len)) return -1;
    sync_dir(parts);
    g_tmp_set = 0;
    if (af_commit(tar, err, err_len)) return -1;
    sync_dir(dir);
    return 0;
}

/* The items of the shards not yet done, in order, into j->todo (counting the shards done in
 * stats->shards_skipped). 0, or -1 out of memory. */
static int list_todo(job *j, const wmel_batch_plan *plan, const char *dir, size_t S, size_t n_shards,
                     wmel_batch_stats *stats)
{
    j->todo = malloc(plan->n * sizeof *j->todo);
    if (!j->todo) return -1;
    for (size_t s = 0; s < n_shards; s++) {
        if (shard_done(dir, s)) {
            stats->shards_skipped++;
            continue;
        }
        for (size_t i = s * S; i < plan->n && i < (s + 1) * S; i++) j->todo[j->n_todo++] = i;
    }
    return 0;
}

/* What the writer keeps across items: the shard's tar, its index and error lines, progress. */
typedef struct shard_out {
    afile tar;
    lines li, le;
    progress pg;
} shard_out;

enum { ITEM_OK, ITEM_FAIL, ITEM_OOM, ITEM_STOP };

/* Writes the item taken (got, entry e of shard) into the open shard: its members into the
 * tar and its index line, or its error line (got's result and error are freed either way).
 * ITEM_OK; ITEM_FAIL (err: the job stops); ITEM_OOM. */
static int write_item(shard_out *w, const wmel_batch_opts *o, const wmel_batch_entry *e, size_t shard, slot *got,
                      wmel_batch_stats *stats, char *err, size_t err_len)
{
    char line[8192];
    int ll, rc = WMEL_OK;
    const off_t at = got->res ? ftello(w->tar.f) : 0;
    char msg[1024] = "";
    if (got->res) {
        rc = wmel_batch_result_write(got->res, w->tar.f, o->mode, o->n_mels, e->key, e->path, msg, sizeof msg);
        if (rc && rc != WMEL_ERR_IO && at >= 0 && !fflush(w->tar.f) &&
            !ftruncate(fileno(w->tar.f), at) && !fseeko(w->tar.f, at, SEEK_SET)) {
            /* the item's time limit ended while its members were written, or its features
               failed on the way out (values past float32's range): its members go, and the
               item is a failure like one that timed out or failed while decoding */
            wmel_batch_result_free(got->res);
            got->res = NULL;
            got->error = strdup(msg);
            rc = WMEL_OK;
        }
    }
    if (got->res) {
        if (rc) {
            /* the shard file (disk full) or an item's temporary file failed while its
               members were half written, or the shard could not be cut back: the job
               stops; a rerun redoes the shard */
            if (!strncmp(msg, "write failed", 12)) snprintf(err, err_len, "%s: %s", w->tar.path, msg);
            else snprintf(err, err_len, "%s", msg);
            wmel_batch_result_free(got->res);
            return ITEM_FAIL;
        }
        ll = wmel_batch_index_json(got->res, e->key, shard, line, sizeof line);
        stats->written++;
        stats->audio_seconds += (double)wmel_batch_result_samples(got->res) / WMEL_SAMPLE_RATE;
        w->pg.audio += (double)wmel_batch_result_samples(got->res) / WMEL_SAMPLE_RATE;
        wmel_batch_result_free(got->res);
        if (ll < 0 || lines_add(&w->li, line, (size_t)ll)) return ITEM_OOM;
    } else {
        ll = wmel_batch_error_json(e->path, e->key, got->error ? got->error : "out of memory", line, sizeof line);
        free(got->error);
        w->pg.failed++;
        if (ll < 0 || lines_add(&w->le, line, (size_t)ll)) return ITEM_OOM;
    }
    w->pg.done++;
    w->pg.done_here++;
    progress_show(&w->pg, 0);
    return ITEM_OK;
}

/* The items written in order as the workers hand them over (take_slot), each into its shard
 * (opened at its first item), each shard committed once its last item is in. ITEM_OK;
 * ITEM_STOP (the interrupt callback asked to stop: err says so); ITEM_FAIL (err); ITEM_OOM. */
static int write_items(job *j, const wmel_batch_plan *plan, const wmel_batch_opts *o, const char *dir,
                       const char *parts, shard_out *w, wmel_batch_stats *stats, char *err, size_t err_len)
{
    const size_t S = o->shard_size;
    size_t cur = (size_t)-1;
    for (size_t pos = 0; pos < j->n_todo; pos++) {
        slot got;
        if (take_slot(j, pos, o, &got)) {
            snprintf(err, err_len, "interrupted");
            return ITEM_STOP;
        }
        size_t item = j->todo[pos], shard = item / S;
        if (shard != cur) {
            cur = shard;
            w->li.n = w->le.n = 0;
            if (open_shard(dir, shard, &w->tar, err, err_len)) {
                wmel_batch_result_free(got.res);
                free(got.error);
                return ITEM_FAIL;
            }
        }
        const int rc = write_item(w, o, &plan->items[item], shard, &got, stats, err, err_len);
        if (rc) return rc;
        if ((pos + 1 == j->n_todo || j->todo[pos + 1] / S != shard) &&
            finish_shard(dir, parts, shard, &w->tar, &w->li, &w->le, err, err_len))
            return ITEM_FAIL;
    }
    return ITEM_OK;
}

/* Tells the n_th workers to stop, joins them and frees what the slots still hold. */
static void stop_workers(job *j, pthread_t *th, int n_th)
{
    if (!n_th) return;
    pthread_mutex_lock(&j->mu);
    j->stop = 1;
    __atomic_store_n(&j->cancel, 1, __ATOMIC_RELAXED); /* items still in progress: stop */
    pthread_cond_broadcast(&j->cv_space);
    pthread_mutex_unlock(&j->mu);
    for (int t = 0; t < n_th; t++) pthread_join(th[t], NULL);
    for (size_t s = 0; s < j->window; s++) {
        wmel_batch_result_free(j->slots[s].res);
        free(j->slots[s].error);
    }
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv_ready);
    pthread_cond_destroy(&j->cv_space);
}

int wmel_batch_run(const wmel_batch_plan *plan, const char *dir, const wmel_batch_opts *o,
                   wmel_batch_stats *stats, char *err, size_t err_len)
{
    wmel_batch_stats dummy;
    if (!stats) stats = &dummy;
    memset(stats, 0, sizeof *stats);
    double t0 = now();
    err[0] = 0;
    const int other_fe = o && o->fe_plan;
    if (!plan || !plan->n || !o || o->shard_size == 0 ||
        (!other_fe && o->n_mels != 80 && o->n_mels != 128) || (other_fe && o->mode != WMEL_BATCH_FULL) ||
        o->mode < 0 || o->mode > 2 || o->jobs < 0) {
        snprintf(err, err_len, "invalid batch arguments");
        return WMEL_BATCH_FAILED;
    }
    char parts[4096];
    int lockfd = open_folder(dir, parts, sizeof parts, err, err_len);
    if (lockfd < 0) return WMEL_BATCH_FAILED;
    int ret = WMEL_BATCH_FAILED, rc;
    char js[640];
    job j;
    memset(&j, 0, sizeof j);
    pthread_t *th = NULL;
    int n_th = 0;
    shard_out w;
    memset(&w, 0, sizeof w);
    if (!wmel_batch_job_json(plan, o, js, sizeof js)) goto out;
    const size_t S = o->shard_size, n_shards = (plan->n + S - 1) / S;
    if ((rc = check_job(dir, js, n_shards, err, err_len)) != 0) goto out;
    clean_tmp(dir);
    clean_tmp(parts);

    stats->items = plan->n;
    stats->shards = n_shards;
    if (list_todo(&j, plan, dir, S, n_shards, stats)) goto oom;
    w.pg.on = o->progress;
    w.pg.t0 = w.pg.last = now();
    w.pg.total = plan->n;
    w.pg.done = plan->n - j.n_todo;

    if (j.n_todo) {
        rc = start_workers(&j, plan, o, other_fe, &th, &n_th, err, err_len);
        if (rc == WMEL_ERR_NO_MEMORY) goto oom;
        if (rc) goto out;
    }

    rc = write_items(&j, plan, o, dir, parts, &w, stats, err, err_len);
    if (rc == ITEM_STOP) {
        ret = WMEL_BATCH_INTERRUPTED;
        goto fail;
    }
    if (rc == ITEM_OOM) goto oom;
    if (rc) goto fail;
    size_t failed = 0;
    if (assemble(dir, n_shards, &failed, err, err_len)) goto out;
    stats->failed = failed;
    progress_show(&w.pg, 1);
    ret = failed ? WMEL_BATCH_SOME_FAILED : WMEL_BATCH_OK;
    goto out;
oom:
    snprintf(err, err_len, "out of memory");
fail:
    g_tmp_set = 0;
    af_abort(&w.tar);
    if (w.pg.printed) fputc('\n', stderr);
out:
    stop_workers(&j, th, n_th);
    free(th);
    free(j.slots);
    free(j.todo);
    free(w.li.b);
    free(w.le.b);
    wmel_destroy(j.ctx);
    close(lockfd);
    stats->wall_seconds = now() - t0;
    return ret;
}
