/*
 * batch.h -- `wmel batch`: a manifest of audio files -> WebDataset shards (tar files of
 * <key>.npy + <key>.json items), index.jsonl, errors.jsonl, job.json; resumable.
 *
 * One implementation, shared by the `wmel` command (cli/cmd_batch.c) and the Python
 * package (python/wmel/_batch.c: wmel.batch() and the Ray workers of wmel.ray), so that
 * every path writes the same bytes. It uses only the public header (include/wmel.h).
 *
 *   batch/manifest.c     manifest parsing, keys, the job's fingerprint
 *   batch/tar.c          deterministic ustar headers, JSON strings (.npy headers: support/out.c)
 *   batch/batch_item.c   one input -> its features (streaming, bounded memory)
 *   batch/batch.c        the job: workers, shard assembly in manifest order, resume
 */
#ifndef WMEL_CLI_BATCH_H
#define WMEL_CLI_BATCH_H

#include <stddef.h>
#include <stdio.h>

#include "wmel.h"

/* Feature modes. */
enum {
    WMEL_BATCH_FULL = 0,    /* log_mel_spectrogram(audio): (n_mels, n // 160) */
    WMEL_BATCH_PAD30 = 1,   /* log_mel_spectrogram(pad_or_trim(audio)): (n_mels, 3000) */
    WMEL_BATCH_WINDOWS = 2  /* transcribe()'s windows: (n_windows, n_mels, 3000) */
};

/* Exit statuses of a job. INTERRUPTED: opts.interrupt said stop (the folder is left as
 * after SIGINT: complete shards kept, the shard in progress removed; a rerun resumes). */
enum { WMEL_BATCH_OK = 0, WMEL_BATCH_FAILED = 1, WMEL_BATCH_SOME_FAILED = 3,
       WMEL_BATCH_INTERRUPTED = 130 };

#define WMEL_BATCH_MAX_KEY 95       /* <key>.json fits the 100-byte ustar name field */

const char *wmel_batch_mode_name(int mode);
int wmel_batch_mode_parse(const char *s); /* -1 when unknown */
/* "whisper", "nemo", "nemo-legacy", "kaldi", "seamless" (wmel_frontend_plan.frontend). */
const char *wmel_batch_frontend_name(int frontend);

/* ---------------------------------------------------------------- manifests */

typedef struct wmel_batch_entry {
    char *path;   /* as the manifest gives it (recorded in the outputs) */
    char *open;   /* the file to open: relative paths joined to the manifest's folder */
    char *key;    /* the member name without extension */
    size_t line;  /* manifest line, 1-based, for messages */
} wmel_batch_entry;

typedef struct wmel_batch_plan {
    wmel_batch_entry *items;
    size_t n;
    unsigned long long fingerprint; /* FNV-1a 64 over every (key, path) in order */
} wmel_batch_plan;

/* Parses a manifest held in memory. jsonl: 1 = one JSON object per line ("path",
 * optional "key"), 0 = one path per line, -1 = guess from the first non-blank line
 * (JSON lines when it starts with "{"). A leading UTF-8 byte order mark is skipped; an
 * item "-" (standard input, which the job cannot read per item) is refused.
 * base: the folder relative paths are relative to (NULL or "" = the current folder).
 * Blank lines are skipped. Fails (WMEL_ERR_FORMAT with a message naming the line) on a
 * malformed line, an invalid or too long key, or a duplicate key; then plan is empty. */
int wmel_batch_plan_parse(const char *text, size_t len, int jsonl, const char *base,
                          wmel_batch_plan *plan, char *err, size_t err_len);
/* Reads a manifest file ("-" = standard input; JSON lines for a .jsonl name, else
 * guessed from the first line) and parses it with the manifest's folder as base. */
int wmel_batch_plan_load(const char *manifest, wmel_batch_plan *plan, char *err,
                         size_t err_len);
void wmel_batch_plan_free(wmel_batch_plan *plan);

/* The default key of a path: relative to base without its extension; '/' separates
 * folders; every byte other than [A-Za-z0-9_-] becomes '_' (dots too: WebDataset splits
 * a member name at the first dot of its basename), "." components are dropped, leading
 * '/' removed. Returns a malloc'ed string or NULL (out of memory). */
char *wmel_batch_default_key(const char *path, const char *base_abs);
/* 0 when key is a valid member stem (the characters above, no empty component, at most
 * WMEL_BATCH_MAX_KEY bytes); else -1 with the reason in why. */
int wmel_batch_key_check(const char *key, const char **why);

/* ---------------------------------------------------------------- tar, npy, json */

/* A ustar header for a regular file: mode 0644, uid/gid 0, no user names, mtime 0, so
 * equal contents give equal archives. name: at most 100 bytes. */
void wmel_tar_header(unsigned char h[512], const char *name, unsigned long long size);
/* Appends s as a JSON string (quotes included) with json.dumps's escaping (ASCII
 * output, \uXXXX for the rest; invalid UTF-8 bytes as \udcXX like Python's
 * surrogateescape). Returns 0, or -1 when it does not fit (out is then truncated). */
int wmel_json_string(char *out, size_t cap, size_t *used, const char *s);

/* ---------------------------------------------------------------- one item */

/* The features of one input, ready to be written: held in memory (pad30), as a windows
 * iterator (windows) or as spilled raw runs (full). */
typedef struct wmel_batch_result wmel_batch_result;

/* An item's time limit by default: 60 s plus 10 s per MiB of data (a file's bytes on
 * disk: the smaller of its size and its allocated blocks, so a sparse file's holes do
 * not count). Decoding and computing run at hundreds of times real time, so a healthy
 * file never comes near it; an input that decodes for hours from a few bytes (a WAV
 * header before a huge sparse tail) or that never ends (a FIFO) is stopped. */
double wmel_batch_default_timeout(unsigned long long bytes);
/* The data bytes of a file as above; 0 when it cannot be looked at. */
unsigned long long wmel_batch_file_bytes(const char *path);

/* Decodes and computes one input: from a file (path_or_null != NULL) or bytes (data,
 * size). name: the path shown in messages. mode: WMEL_BATCH_*; a ctx of another front-end
 * than Whisper's (wmel_ctx_plan) gives its wmel_features() of the whole clip, decoded into
 * memory, whatever the mode. timeout: seconds (> 0), 0 for none, < 0 for
 * wmel_batch_default_timeout() of its size; an item that runs over fails with "NAME: timed
 * out after N s". cancel (may be NULL): read atomically; when it becomes non-zero the
 * decode stops at once (the result is then an error to discard). On failure returns NULL
 * and the message in err (the one `wmel decode`/`wmel mel` would print). */
wmel_batch_result *wmel_batch_compute(wmel_ctx *ctx, int mode, const char *path_or_null,
                                      const void *data, size_t size, const char *name,
                                      double timeout, const int *cancel, char *err,
                                      size_t err_len);
size_t wmel_batch_result_samples(const wmel_batch_result *r);
/* The shape (ndim 2 or 3) and the .npy member's size in bytes. */
int wmel_batch_result_shape(const wmel_batch_result *r, size_t shape[3]);
unsigned long long wmel_batch_result_npy_size(const wmel_batch_result *r);
/* The item's JSON (no newline), and its index.jsonl line (no newline). */
int wmel_batch_item_json(const wmel_batch_result *r, int mode, int n_mels, const char *key,
                         const char *path, char *out, size_t cap);
int wmel_batch_index_json(const wmel_batch_result *r, const char *key, size_t shard, char *out,
                          size_t cap);
int wmel_batch_error_json(const char *path, const char *key, const char *msg, char *out,
                          size_t cap);
/* Writes the two tar members <key>.npy and <key>.json to f (sequential writes only).
 * Returns 0, or WMEL_ERR_IO (errno set) / another status with a message in err;
 * WMEL_ERR_INTERRUPTED: the item's time limit (wmel_batch_compute's timeout: what its decode
 * and compute left of it, counted from the write's start) ended during the write, which stopped part way ("NAME: timed out after N s"). */
int wmel_batch_result_write(wmel_batch_result *r, FILE *f, int mode, int n_mels,
                            const char *key, const char *path, char *err, size_t err_len);
void wmel_batch_result_free(wmel_batch_result *r);

/* ---------------------------------------------------------------- the job */

typedef struct wmel_batch_opts {
    int mode;            /* WMEL_BATCH_* */
    int n_mels;          /* 80 or 128 */
    int jobs;            /* files decoded at once; 0 = online cores */
    size_t shard_size;   /* items per shard (> 0) */
    int progress;        /* 1: progress line on stderr (caller checks it is a terminal) */
    int backend;         /* WMEL_BACKEND_* for the mel (`wmel batch`: CPU unless asked) */
    /* NULL: Whisper's log-Mel in `mode`; else a plan (another front-end's, or a whisper plan
       with other options): each input's wmel_features() in mode full, in bounded memory
       (wmel_long_*); job.json records the front-end and the plan's fingerprint */
    const wmel_frontend_plan *fe_plan;
    double item_timeout; /* seconds per item; 0 none; < 0 wmel_batch_default_timeout() */
    /* Asked between items and every 50 ms while the job waits for one (from the thread
     * that called wmel_batch_run; may be NULL): non-zero stops the job (items in progress
     * stop within one decoder packet) with WMEL_BATCH_INTERRUPTED. */
    int (*interrupt)(void *user);
    void *interrupt_user;
    /* With fe_plan: the per-column affine (wmel_create_plan_cols: n_cols values each) or
       n_cols 0 for none; job.json records the values' fingerprint */
    const double *col_scale, *col_shift;
    size_t n_cols;
} wmel_batch_opts;

typedef struct wmel_batch_stats {
    size_t items, written, failed, shards, shards_skipped;
    double audio_seconds, wall_seconds;
} wmel_batch_stats;

/* job.json for a plan and options (the text written to OUTDIR). Returns its length or
 * 0 when it does not fit. */
size_t wmel_batch_job_json(const wmel_batch_plan *plan, const wmel_batch_opts *o, char *out,
                           size_t cap);

/* Runs (or resumes) the job into out_dir. Returns WMEL_BATCH_OK, WMEL_BATCH_SOME_FAILED
 * (listed in errors.jsonl), or WMEL_BATCH_FAILED with the reason in err (nothing
 * partial left under a final name). stats may be NULL. */
int wmel_batch_run(const wmel_batch_plan *plan, const char *out_dir, const wmel_batch_opts *o,
                   wmel_batch_stats *stats, char *err, size_t err_len);

/* For a SIGINT/SIGTERM handler (async-signal-safe): removes the temporary file of the
 * shard being written, so an interrupted run leaves only complete files (a rerun resumes;
 * it would also remove the temporary file itself). */
void wmel_batch_interrupted(void);

#endif
