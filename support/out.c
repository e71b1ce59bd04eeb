/*
 * out.c -- every output file of the wmel command (out.h): a hidden temporary file beside
 * the target, fsynced and renamed into place on commit, removed on abort and on SIGINT,
 * SIGTERM, SIGHUP; devices, FIFOs and descriptors written in place; links written
 * through; outputs that are inputs refused; float32 .npy
 * files (numpy/lib/format.py's format 1.0) written whole, or progressively with the
 * header's room reserved and filled in once the shape is known -- both through one
 * header writer.
 */
#define _GNU_SOURCE
#include "out.h"

#include "wmel.h"
#include "msg.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(_WIN32)
/* Windows (docs/platforms.md): the temporary beside the output is created with
 * CreateFileW and renamed over it with MoveFileExW(MOVEFILE_REPLACE_EXISTING |
 * MOVEFILE_WRITE_THROUGH), flushed with _commit; a console control handler (Ctrl+C,
 * Ctrl+Break, the window closed) removes the temporaries, as the signal handlers do
 * elsewhere. No links are followed (a name is the file), no permissions are carried. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <io.h>
typedef int cli_sigset;
#else
#include <pthread.h>
#include <signal.h>
typedef sigset_t cli_sigset;
#endif

const char *cli_tmpdir(void)
{
    const char *d = getenv("TMPDIR");
#if defined(_WIN32)
    if (!(d && *d)) d = getenv("TEMP");
    return d && *d ? d : ".";
#else
    return d && *d ? d : "/tmp";
#endif
}

/* 1 when the output names standard output: -, or (POSIX) a path to the file standard output
 * is (/dev/stdout, /proc/self/fd/1, a link to either, the file stdout is redirected to). */
static int is_stdout(const char *out)
{
    if (!out) return 0;
    if (!strcmp(out, "-")) return 1;
#if defined(_WIN32)
    return 0; /* no inode numbers to compare */
#else
    struct stat so, o;
    return fstat(STDOUT_FILENO, &so) == 0 && stat(out, &o) == 0 && so.st_dev == o.st_dev && so.st_ino == o.st_ino;
#endif
}

FILE *cli_info(const char *out, const char *out2)
{
    return is_stdout(out) || is_stdout(out2) ? stderr : stdout;
}

#if defined(_WIN32)
/* A new file of a UTF-8 name; the trailing XXXXXX of tmpl replaced until the name is new
 * (as mkstemp). delete_on_close: the system removes it when the last handle closes.
 * Returns a descriptor (binary), -1 with errno set. */
static int win_create(char *tmpl, int delete_on_close)
{
    static LONG counter;
    size_t l = strlen(tmpl);
    if (l < 6 || strcmp(tmpl + l - 6, "XXXXXX")) return errno = EINVAL, -1;
    for (int tries = 0; tries < 100; tries++) {
        unsigned long long v = (unsigned long long)GetTickCount64() * 2654435761u ^
                               (unsigned long long)GetCurrentProcessId() << 20 ^
                               (unsigned long long)InterlockedIncrement(&counter) * 40503u;
        for (int i = 0; i < 6; i++, v /= 36) tmpl[l - 6 + i] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
        wchar_t *w = cli_wide(tmpl);
        if (!w) return -1;
        HANDLE h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL,
                               CREATE_NEW, FILE_ATTRIBUTE_NORMAL |
                               (delete_on_close ? FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE : 0), NULL);
        DWORD e = GetLastError();
        free(w);
        if (h != INVALID_HANDLE_VALUE) {
            int fd = _open_osfhandle((intptr_t)h, _O_BINARY);
            if (fd < 0) CloseHandle(h);
            return fd;
        }
        if (e != ERROR_FILE_EXISTS && e != ERROR_ALREADY_EXISTS) {
            errno = e == ERROR_ACCESS_DENIED ? EACCES : e == ERROR_PATH_NOT_FOUND ? ENOENT : EIO;
            return -1;
        }
    }
    return errno = EEXIST, -1;
}

FILE *cli_tmpfile(void)
{
    char name[PATH_MAX];
    int n = snprintf(name, sizeof name, "%s/wmel-XXXXXX", cli_tmpdir());
    if (n < 0 || (size_t)n >= sizeof name) return errno = ENAMETOOLONG, NULL;
    int fd = win_create(name, 1);
    FILE *f = fd < 0 ? NULL : _fdopen(fd, "w+b");
    if (!f && fd >= 0) _close(fd);
    return f;
}
#else
FILE *cli_tmpfile(void)
{
    int fd = -1, named = 1;
#ifdef O_TMPFILE
    /* O_TMPFILE (Linux): no name ever exists, so not even SIGKILL leaves one behind;
       elsewhere, or where the file system has none, a named file unlinked at once */
    fd = open(cli_tmpdir(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    named = fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL);
#endif
    if (named) {
        char name[PATH_MAX];
        int n = snprintf(name, sizeof name, "%s/wmel-XXXXXX", cli_tmpdir());
        if (n < 0 || (size_t)n >= sizeof name) return errno = ENAMETOOLONG, NULL;
        if ((fd = mkstemp(name)) >= 0) unlink(name);
    }
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w+b");
    if (!f && fd >= 0) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}
#endif

/* ---- temporary files removed on signals ------------------------------------------- */

#define MAX_TEMPS 8
static char temp_path[MAX_TEMPS][PATH_MAX];
#if defined(_WIN32)
static volatile LONG temp_used[MAX_TEMPS];
static SRWLOCK temp_lock = SRWLOCK_INIT;

void cli_out_remove_temps(void)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (temp_used[i]) cli_remove(temp_path[i]);
}

/* Runs on a thread of its own: waits for a registry change in progress, removes the
 * temporaries, then lets the next handler (the default: the end of the process) act. */
static BOOL WINAPI on_console_event(DWORD type)
{
    (void)type;
    AcquireSRWLockExclusive(&temp_lock);
    cli_out_remove_temps();
    ReleaseSRWLockExclusive(&temp_lock);
    return FALSE;
}

static int want_handlers;

void cli_out_handle_signals(void) { want_handlers = 1; }

static void install_handlers(void)
{
    static int done;
    if (done || !want_handlers) return;
    done = 1;
    SetConsoleCtrlHandler(on_console_event, TRUE);
}

static void block_signals(cli_sigset *old)
{
    *old = 0;
    AcquireSRWLockExclusive(&temp_lock);
}

static void restore_signals(const cli_sigset *old)
{
    (void)old;
    ReleaseSRWLockExclusive(&temp_lock);
}
#else
static volatile sig_atomic_t temp_used[MAX_TEMPS];
static const int CLEANUP_SIGNALS[] = {SIGINT, SIGTERM, SIGHUP};

/* Unlinks the registered temporaries (unlink is async-signal-safe), then lets the signal
 * do what it would have done: the default action, re-raised. */
static void on_signal(int sig)
{
    int saved = errno;
    for (int i = 0; i < MAX_TEMPS; i++)
        if (temp_used[i]) unlink(temp_path[i]);
    signal(sig, SIG_DFL);
    raise(sig); /* pending until the handler returns: then it ends the process */
    errno = saved;
}

void cli_out_remove_temps(void)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (temp_used[i]) unlink(temp_path[i]);
}

static int want_handlers;

void cli_out_handle_signals(void) { want_handlers = 1; }

static void install_handlers(void)
{
    static int done;
    if (done || !want_handlers) return;
    done = 1;
    for (size_t i = 0; i < sizeof CLEANUP_SIGNALS / sizeof CLEANUP_SIGNALS[0]; i++) {
        struct sigaction old, sa;
        /* only over the default action: a signal the caller ignores (nohup, a background
           job's SIGINT) stays ignored, and a handler of the program's own stays */
        if (sigaction(CLEANUP_SIGNALS[i], NULL, &old) != 0 || (old.sa_flags & SA_SIGINFO) ||
            old.sa_handler != SIG_DFL)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t j = 0; j < sizeof CLEANUP_SIGNALS / sizeof CLEANUP_SIGNALS[0]; j++)
            sigaddset(&sa.sa_mask, CLEANUP_SIGNALS[j]);
        sigaction(CLEANUP_SIGNALS[i], &sa, NULL);
    }
}

/* Blocks the cleanup signals while the registry and the file system disagree. */
static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof CLEANUP_SIGNALS / sizeof CLEANUP_SIGNALS[0]; i++)
        sigaddset(&set, CLEANUP_SIGNALS[i]);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old) { pthread_sigmask(SIG_SETMASK, old, NULL); }
#endif

/* ---- where an output goes --------------------------------------------------------- */

static char *dup_printf(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, fmt, a, b);
    return s;
}

/* /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: the descriptor N, else -1. The
 * file behind it is written through the descriptor already open (a `>>` keeps
 * appending), never replaced. */
static int fd_name(const char *p)
{
    if (!strcmp(p, "-") || !strcmp(p, "/dev/stdout")) return 1; /* -o -: standard output */
    if (!strcmp(p, "/dev/stderr")) return 2;
    const char *d = !strncmp(p, "/dev/fd/", 8) ? p + 8 : !strncmp(p, "/proc/self/fd/", 14) ? p + 14 : NULL;
    if (!d || !*d) return -1;
    char *end;
    long v = strtol(d, &end, 10);
    return *end || v < 0 || v > 1 << 20 ? -1 : (int)v;
}

/* The file a name leads to: the name itself, or, for a symlink, what its chain of links
 * names (relative links against their own directory); the last one may not exist yet.
 * Returns a malloc'ed path, NULL with errno set. */
static char *follow_links(const char *name)
{
#if defined(_WIN32)
    return strdup(name); /* Windows: the name is the file (no links followed) */
#else
    char *cur = strdup(name);
    for (int hops = 0; cur && hops < 40; hops++) {
        struct stat st;
        /* a link to /dev/stdout stops there: the descriptor is the output */
        if (fd_name(cur) >= 0 || lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) return cur;
        char buf[PATH_MAX];
        ssize_t n = readlink(cur, buf, sizeof buf - 1);
        if (n < 0) {
            free(cur);
            return NULL;
        }
        buf[n] = 0;
        char *next;
        if (buf[0] == '/') {
            next = strdup(buf);
        } else {
            char *slash = strrchr(cur, '/');
            if (slash) slash[1] = 0;
            next = dup_printf("%s%s", slash ? cur : "", buf);
        }
        free(cur);
        cur = next;
    }
    if (cur) {
        free(cur);
        errno = ELOOP;
    }
    return NULL;
#endif
}

int cli_out_in_place(const char *target)
{
    if (fd_name(target) >= 0) return 1;
    char *p = follow_links(target);
    cli_stat_t st;
    const int r = p && (fd_name(p) >= 0 || (cli_stat(p, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)));
    free(p);
    return r;
}

/* The last folder separator of a path: '/', on Windows '\\' too; NULL if none. */
static char *last_sep(const char *p)
{
    char *s = strrchr(p, '/');
#if defined(_WIN32)
    char *b = strrchr(p, '\\');
    if (b && (!s || b > s)) s = b;
#endif
    return s;
}

/* The temporary beside path: "NAME.tmp.XXXXXX" (the name wmel batch and wmel.ray look
 * for), NAME cut (on a UTF-8 boundary) so that the longest legal name, 255 bytes, still
 * gives a legal temporary. It never ends like the output, so it is not taken for one. */
static char *temp_name(const char *path)
{
    const char *slash = last_sep(path);
    const char *base = slash ? slash + 1 : path;
    size_t dir = (size_t)(base - path), bl = strlen(base);
    if (bl > 255 - 11) {
        bl = 255 - 11;
        while (bl > 0 && ((unsigned char)base[bl] & 0xC0) == 0x80) bl--;
    }
    size_t n = dir + bl + 12;
    char *t = malloc(n);
    if (t) snprintf(t, n, "%.*s%.*s.tmp.XXXXXX", (int)dir, path, (int)bl, base);
    return t;
}

int cli_out_open(cli_out *o, const char *target, int seekable, char *err, size_t err_len)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->slot = -1;
    o->target = strdup(target);
    if (!o->target) goto oom;
    int fdn = fd_name(target);
    cli_stat_t st;
    if (fdn < 0) {
        o->path = follow_links(target);
        if (o->path) fdn = fd_name(o->path);
    }
    if (fdn < 0) {
        if (!o->path) {
            snprintf(err, err_len, "%s: cannot follow the link: %s", target, strerror(errno));
            cli_out_abort(o);
            return WMEL_ERR_IO;
        }
        size_t pl = strlen(o->path);
        if ((pl && o->path[pl - 1] == '/') || (cli_stat(o->path, &st) == 0 && S_ISDIR(st.st_mode))) {
            snprintf(err, err_len, "%s: is a directory: -o takes a file name", target);
            cli_out_abort(o);
            return WMEL_ERR_IO;
        }
        int exists = cli_stat(o->path, &st) == 0;
        o->in_place = exists && !S_ISREG(st.st_mode);
        /* a file we may not write is not replaced behind its back (as cp, ffmpeg, sox) */
#if defined(_WIN32)
        if (exists && S_ISREG(st.st_mode) && !(st.st_mode & _S_IWRITE)) {
            errno = EACCES;
#else
        if (exists && S_ISREG(st.st_mode) && access(o->path, W_OK) != 0) {
#endif
            snprintf(err, err_len, "%s: cannot write output: %s (the file is read-only: make it "
                     "writable, or choose another name)", target, strerror(errno));
            cli_out_abort(o);
            return WMEL_ERR_IO;
        }
        /* a file that is replaced keeps its permissions (a private file stays private) */
        o->mode = exists && S_ISREG(st.st_mode) ? (int)(st.st_mode & 07777) : -1;
    } else {
        o->in_place = 1;
    }
    if (o->in_place) {
        /* a device, FIFO or descriptor: written in place, nothing to rename */
#if defined(_WIN32)
        wchar_t *wp = fdn >= 0 ? NULL : cli_wide(o->path);
        o->fd = fdn >= 0 ? _dup(fdn) : wp ? _wopen(wp, _O_WRONLY | _O_BINARY) : -1;
        free(wp);
#else
        o->fd = fdn >= 0 ? dup(fdn) : open(o->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
#endif
        if (o->fd < 0) {
            snprintf(err, err_len, "%s: cannot open output: %s", target, strerror(errno));
            cli_out_abort(o);
            return WMEL_ERR_IO;
        }
        off_t at = lseek(o->fd, 0, SEEK_CUR);
#if defined(_WIN32)
        int append = 0;
#else
        int append = (fcntl(o->fd, F_GETFL) & O_APPEND) != 0;
#endif
        if (seekable && (at < 0 || append)) {
            o->spilled = 1; /* a pipe cannot seek, and O_APPEND writes at the end anyway */
            o->f = cli_tmpfile();
        } else {
            o->base = at < 0 ? 0 : (long long)at;
            o->f = fdopen(o->fd, "wb");
            if (o->f) o->fd = -1; /* the FILE owns it */
        }
        if (!o->f) {
            if (o->spilled)
                snprintf(err, err_len, "%s: cannot open output: cannot create a temporary file "
                         "in %s ($TMPDIR): %s", target, cli_tmpdir(), strerror(errno));
            else
                snprintf(err, err_len, "%s: cannot open output: %s", target, strerror(errno));
            cli_out_abort(o);
            return WMEL_ERR_IO;
        }
        return WMEL_OK;
    }
    o->tmp = temp_name(o->path);
    if (!o->tmp) goto oom;
    install_handlers();
    cli_sigset old;
    block_signals(&old);
    int fd = -1;
    for (int i = 0; i < MAX_TEMPS; i++)
        if (!temp_used[i] && strlen(o->tmp) < PATH_MAX) {
            o->slot = i;
            break;
        }
    if (o->slot >= 0) {
#if defined(_WIN32)
        fd = win_create(o->tmp, 0);
#else
        fd = mkstemp(o->tmp);
#endif
        if (fd >= 0) {
            memcpy(temp_path[o->slot], o->tmp, strlen(o->tmp) + 1);
            temp_used[o->slot] = 1;
        } else {
            o->slot = -1;
        }
    } else {
        errno = ENAMETOOLONG;
    }
    int saved = errno;
    restore_signals(&old);
    if (fd < 0) {
        /* the name the user gave is fine; what failed is the temporary beside it */
        memcpy(o->tmp + strlen(o->tmp) - 6, "XXXXXX", 6); /* mkstemp may have changed it */
        if (saved == ENOENT || saved == ENOTDIR)
            snprintf(err, err_len,
                     "%s: cannot create output: its folder does not exist (%s); create it first",
                     target, strerror(saved));
        else
            snprintf(err, err_len,
                     "%s: cannot create output: cannot create the temporary file %s beside it: %s "
                     "(an output is written to a temporary file in its folder, then renamed over "
                     "it: make the folder writable, or write the file in place with -o - > FILE)",
                     target, o->tmp, strerror(saved));
        free(o->tmp);
        o->tmp = NULL;
        cli_out_abort(o);
        return WMEL_ERR_IO;
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        snprintf(err, err_len, "%s: cannot open output: %s", target, strerror(errno));
        close(fd);
        cli_out_abort(o);
        return WMEL_ERR_IO;
    }
    return WMEL_OK;
oom:
    snprintf(err, err_len, "%s: out of memory", target);
    cli_out_abort(o);
    return WMEL_ERR_NO_MEMORY;
}

int cli_out_seek(cli_out *o, long long offset)
{
    return fseeko(o->f, (off_t)(o->base + offset), SEEK_SET);
}

/* Copies the spill to the in-place target. */
static int copy_spill(cli_out *o)
{
    if (fflush(o->f) != 0 || fseeko(o->f, 0, SEEK_SET) != 0) return -1;
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, o->f)) > 0)
        for (size_t done = 0; done < n;) {
            ssize_t w = write(o->fd, buf + done, n - done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return -1;
            done += (size_t)w;
        }
    return ferror(o->f) ? -1 : 0;
}

int cli_out_commit(cli_out *o, char *err, size_t err_len)
{
    int ok, saved = 0;
    if (o->in_place) {
        ok = fflush(o->f) == 0 && !ferror(o->f);
        if (ok && o->spilled) ok = copy_spill(o) == 0;
        if (!ok) saved = errno;
        /* fsync where it means something: a file behind /dev/stdout; devices and pipes
           refuse it (EINVAL, EROFS), which is no error */
        int fd = o->spilled ? o->fd : fileno(o->f);
#if defined(_WIN32)
        if (ok && _commit(fd) != 0 && errno != EINVAL && errno != EBADF) ok = 0, saved = errno;
#else
        if (ok && fsync(fd) != 0 && errno != EINVAL && errno != EROFS) ok = 0, saved = errno;
#endif
        if (fclose(o->f) != 0 && ok) ok = 0, saved = errno;
        o->f = NULL;
        if (o->fd >= 0 && close(o->fd) != 0 && ok && errno != EINTR) ok = 0, saved = errno;
        o->fd = -1;
        if (!ok) {
            snprintf(err, err_len, "%s: cannot write output: %s", o->target, strerror(saved));
            cli_out_abort(o);
            return WMEL_ERR_IO;
        }
        cli_out_abort(o); /* frees the names */
        return WMEL_OK;
    }
    ok = fflush(o->f) == 0 && !ferror(o->f);
    if (!ok) saved = errno;
#if defined(_WIN32)
    if (ok && _commit(_fileno(o->f)) != 0) ok = 0, saved = errno;
#else
    if (ok && fsync(fileno(o->f)) != 0) ok = 0, saved = errno;
#endif
    if (fclose(o->f) != 0 && ok) ok = 0, saved = errno;
    o->f = NULL;
#if defined(_WIN32)
    if (ok) {
        wchar_t *wt = cli_wide(o->tmp), *wp = cli_wide(o->path);
        cli_sigset old;
        block_signals(&old);
        if (!wt || !wp)
            ok = 0, saved = errno;
        else if (!MoveFileExW(wt, wp, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
            ok = 0, saved = GetLastError() == ERROR_ACCESS_DENIED ? EACCES : EIO;
        else
            temp_used[o->slot] = 0, o->slot = -1;
        restore_signals(&old);
        free(wt);
        free(wp);
    }
#else
    if (ok) {
        /* mkstemp creates 0600: the replaced file's permissions, or the usual ones */
        mode_t um = umask(0);
        umask(um);
        if (chmod(o->tmp, o->mode >= 0 ? (mode_t)o->mode : 0666 & ~um) != 0) { /* not fatal */ }
        sigset_t old;
        block_signals(&old);
        if (rename(o->tmp, o->path) != 0) ok = 0, saved = errno;
        else temp_used[o->slot] = 0, o->slot = -1;
        restore_signals(&old);
    }
#endif
    if (!ok) {
        snprintf(err, err_len, "%s: cannot write output: %s", o->target, strerror(saved));
        cli_out_abort(o);
        return WMEL_ERR_IO;
    }
    cli_out_abort(o); /* frees the names; the temporary is now the output */
    return WMEL_OK;
}

void cli_out_abort(cli_out *o)
{
    if (o->f) fclose(o->f);
    if (o->fd >= 0) close(o->fd);
    cli_sigset old;
    block_signals(&old);
    if (o->slot >= 0) {
        if (o->tmp) cli_remove(o->tmp);
        temp_used[o->slot] = 0;
    }
    restore_signals(&old);
    free(o->tmp);
    free(o->path);
    free(o->target);
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->slot = -1;
}

/* ---- outputs against inputs -------------------------------------------------------- */

/* The absolute file an output name leads to (links followed, the directory resolved) for
 * comparing two outputs that do not exist yet. */
static char *landing(const char *name)
{
    int fdn = fd_name(name);
    if (fdn >= 0) return NULL;
    char *p = follow_links(name);
    if (!p) return NULL;
    char *slash = last_sep(p);
    const char *base = slash ? slash + 1 : p;
    char dir[PATH_MAX];
    if (slash) *slash = 0;
#if defined(_WIN32)
    char *r = _fullpath(dir, slash ? (p[0] ? p : "/") : ".", sizeof dir) ? dup_printf("%s/%s", dir, base) : NULL;
#else
    char *r = realpath(slash ? (p[0] ? p : "/") : ".", dir) ? dup_printf("%s/%s", dir, base) : NULL;
#endif
    free(p);
    return r;
}

/* Two existing names of one file: the same device and inode; on Windows (whose st_ino is
 * 0) the same volume and file index (GetFileInformationByHandle). */
static int same_file(const char *a, const cli_stat_t *sa, const char *b, const cli_stat_t *sb)
{
#if defined(_WIN32)
    (void)sa, (void)sb;
    BY_HANDLE_FILE_INFORMATION ia, ib;
    int same = 0, got = 0;
    const char *names[2] = {a, b};
    BY_HANDLE_FILE_INFORMATION *infos[2] = {&ia, &ib};
    for (int i = 0; i < 2; i++) {
        wchar_t *w = cli_wide(names[i]);
        HANDLE h = w ? CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                                   OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL)
                     : INVALID_HANDLE_VALUE;
        free(w);
        if (h == INVALID_HANDLE_VALUE) break;
        got += GetFileInformationByHandle(h, infos[i]) != 0;
        CloseHandle(h);
    }
    if (got == 2)
        same = ia.dwVolumeSerialNumber == ib.dwVolumeSerialNumber && ia.nFileIndexHigh == ib.nFileIndexHigh &&
               ia.nFileIndexLow == ib.nFileIndexLow;
    return same;
#else
    (void)a, (void)b;
    return sa->st_dev == sb->st_dev && sa->st_ino == sb->st_ino;
#endif
}

int cli_check_files(const char *const *outs, int n_outs, const char *const *ins, int n_ins)
{
    for (int i = 0; i < n_outs; i++) {
        if (!outs[i]) continue;
        if (!strcmp(outs[i], "-")) { /* standard output: once */
            for (int j = 0; j < i; j++)
                if (outs[j] && !strcmp(outs[j], "-")) {
                    cli_msg("wmel: two outputs to standard output (-): give one a file name");
                    return 1;
                }
            continue;
        }
        size_t l = strlen(outs[i]);
        cli_stat_t so, si;
        if (!l || outs[i][l - 1] == '/' || (cli_stat(outs[i], &so) == 0 && S_ISDIR(so.st_mode))) {
            cli_msg("wmel: %s: is a directory: -o takes a file name", outs[i]);
            return 1;
        }
        int have = cli_stat(outs[i], &so) == 0;
        for (int j = 0; j < n_ins && have; j++) {
            if (!ins[j] || !strcmp(ins[j], "-") || cli_stat(ins[j], &si) != 0) continue;
            if (S_ISREG(so.st_mode) && same_file(outs[i], &so, ins[j], &si)) {
                cli_msg("wmel: %s: is the same file as the input %s: refusing to overwrite it",
                     outs[i], ins[j]);
                return 1;
            }
        }
        for (int j = 0; j < i; j++) {
            /* two outputs on one device or FIFO (say /dev/null) are fine */
            if (!outs[j] || (have && !S_ISREG(so.st_mode))) continue;
            cli_stat_t sj;
            int same = have && cli_stat(outs[j], &sj) == 0 && S_ISREG(so.st_mode) &&
                       same_file(outs[i], &so, outs[j], &sj);
            if (!same) {
                char *a = landing(outs[i]), *b = landing(outs[j]);
                same = a && b && !strcmp(a, b);
                free(a);
                free(b);
            }
            if (same) {
                cli_msg("wmel: %s: is the same file as the output %s: give two names",
                     outs[i], outs[j]);
                return 1;
            }
        }
    }
    return 0;
}

size_t cli_npy_header(char *buf, size_t cap, const size_t *shape, int ndim, size_t min_len)
{
    char dict[512];
    int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < ndim && n > 0 && (size_t)n < sizeof dict; i++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%zu%s", shape[i],
                      (ndim == 1 || i + 1 < ndim) ? ", " : "");
    if (n <= 0 || (size_t)n >= sizeof dict - 8) return 0;
    if (ndim == 1) n -= 1; /* "(5, )" -> "(5,)" */
    n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
    size_t total = 10 + (size_t)n + 1;
    total = (total + 63) / 64 * 64;
    if (total < min_len) total = min_len;
    if (total > cap || total - 10 > 65535) return 0;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)((total - 10) & 0xff);
    buf[9] = (char)((total - 10) >> 8);
    memcpy(buf + 10, dict, (size_t)n);
    memset(buf + 10 + n, ' ', total - 10 - (size_t)n - 1);
    buf[total - 1] = '\n';
    return total;
}

int cli_write_npy(cli_out *o, const size_t *shape, int ndim, const float *data, char *err,
                   size_t err_len)
{
    char h[1024];
    size_t hl = cli_npy_header(h, sizeof h, shape, ndim, 0), count = 1;
    for (int i = 0; i < ndim; i++) count *= shape[i];
    if (!hl) {
        snprintf(err, err_len, "%s: shape too long for the header", o->target);
        return WMEL_ERR_OVERFLOW;
    }
    errno = 0;
    if (fwrite(h, 1, hl, o->f) != hl || (count && fwrite(data, sizeof(float), count, o->f) != count)) {
        snprintf(err, err_len, "%s: write failed: %s", o->target, errno ? strerror(errno) : "unknown error");
        return WMEL_ERR_IO;
    }
    return WMEL_OK;
}

int cli_write_npy_atomic(const char *path, const size_t *shape, int ndim, const float *data,
                          char *err, size_t err_len)
{
    cli_out o;
    int rc = cli_out_open(&o, path, 0, err, err_len);
    if (rc) return rc;
    rc = cli_write_npy(&o, shape, ndim, data, err, err_len);
    if (rc) {
        cli_out_abort(&o);
        return rc;
    }
    return cli_out_commit(&o, err, err_len);
}

int cli_npy_out_open(cli_npy_out *w, const char *path, char *err, size_t err_len)
{
    memset(w, 0, sizeof *w);
    int rc = cli_out_open(&w->o, path, 1, err, err_len);
    if (rc) return rc;
    char zero[WMEL_NPY_FIXED_HEADER] = {0};
    if (fwrite(zero, 1, sizeof zero, w->o.f) != sizeof zero) {
        snprintf(err, err_len, "%s: write failed: %s", path, strerror(errno));
        cli_out_abort(&w->o);
        return WMEL_ERR_IO;
    }
    return WMEL_OK;
}

int cli_npy_out_write(cli_npy_out *w, const float *x, size_t n, char *err, size_t err_len)
{
    if (fwrite(x, sizeof(float), n, w->o.f) != n) {
        snprintf(err, err_len, "%s: write failed: %s", w->o.target, strerror(errno));
        return WMEL_ERR_IO;
    }
    w->count += n;
    return WMEL_OK;
}

int cli_npy_out_commit(cli_npy_out *w, const size_t *shape, int ndim, char *err,
                        size_t err_len)
{
    char h[WMEL_NPY_FIXED_HEADER];
    if (cli_npy_header(h, sizeof h, shape, ndim, sizeof h) != sizeof h) {
        snprintf(err, err_len, "%s: shape too long for the header", w->o.target);
        cli_out_abort(&w->o);
        return WMEL_ERR_OVERFLOW;
    }
    if (cli_out_seek(&w->o, 0) != 0 || fwrite(h, 1, sizeof h, w->o.f) != sizeof h) {
        snprintf(err, err_len, "%s: write failed: %s", w->o.target, strerror(errno));
        cli_out_abort(&w->o);
        return WMEL_ERR_IO;
    }
    return cli_out_commit(&w->o, err, err_len);
}

void cli_npy_out_abort(cli_npy_out *w) { cli_out_abort(&w->o); }
