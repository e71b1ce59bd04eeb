/* platform.c -- see platform.h. */
#if !defined(_WIN32)
#define _GNU_SOURCE /* flock, O_CLOEXEC (as batch/batch.c) */
#endif
#include "platform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <dirent.h>
#include <windows.h>
#include <fcntl.h>
#include <io.h>
#include <shellapi.h>
#include <wchar.h>
#include <direct.h>

wchar_t *cli_wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0) {
        errno = ENOENT; /* not UTF-8: no such name can exist */
        return NULL;
    }
    wchar_t *w = malloc((size_t)n * sizeof *w);
    if (!w) {
        errno = ENOMEM;
        return NULL;
    }
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}

FILE *cli_fopen(const char *path, const char *mode)
{
    wchar_t *w = cli_wide(path), *m = cli_wide(mode);
    FILE *f = w && m ? _wfopen(w, m) : NULL;
    int e = errno;
    free(w);
    free(m);
    errno = e;
    return f;
}

int cli_stat(const char *path, cli_stat_t *st)
{
    wchar_t *w = cli_wide(path);
    int rc = w ? _wstat64(w, st) : -1, e = errno;
    free(w);
    errno = e;
    return rc;
}

int cli_remove(const char *path)
{
    wchar_t *w = cli_wide(path);
    int rc = w && DeleteFileW(w) ? 0 : -1;
    free(w);
    return rc;
}

int cli_mkdir(const char *path)
{
    wchar_t *w = cli_wide(path);
    int rc = w ? _wmkdir(w) : -1, e = errno;
    free(w);
    errno = e;
    return rc;
}

struct cli_dir {
    _WDIR *d;
    char name[MAX_PATH * 4 + 1];
};

cli_dir *cli_opendir(const char *path)
{
    wchar_t *w = cli_wide(path);
    cli_dir *d = w ? calloc(1, sizeof *d) : NULL;
    if (d && !(d->d = _wopendir(w))) {
        free(d);
        d = NULL;
    }
    free(w);
    return d;
}

const char *cli_readdir(cli_dir *d)
{
    struct _wdirent *e;
    while ((e = _wreaddir(d->d)) != NULL)
        if (WideCharToMultiByte(CP_UTF8, 0, e->d_name, -1, d->name, (int)sizeof d->name, NULL, NULL) > 0)
            return d->name;
    return NULL;
}

void cli_closedir(cli_dir *d)
{
    _wclosedir(d->d);
    free(d);
}

int cli_lock_file(const char *path)
{
    wchar_t *w = cli_wide(path);
    HANDLE h = w ? CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                               OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL)
                 : INVALID_HANDLE_VALUE;
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        if (errno != ENOENT) errno = EACCES;
        return -1;
    }
    OVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    if (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov)) {
        CloseHandle(h);
        return -2;
    }
    int fd = _open_osfhandle((intptr_t)h, _O_BINARY); /* closing it releases the lock */
    if (fd < 0) CloseHandle(h);
    return fd;
}

int cli_utf8_args(int *argc, char ***argv)
{
    _setmode(0, _O_BINARY); /* .npy and raw samples through - : no CR/LF translation */
    _setmode(1, _O_BINARY);
    int n = 0;
    wchar_t **wa = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!wa) return -1;
    char **a = calloc((size_t)n + 1, sizeof *a);
    for (int i = 0; a && i < n; i++) {
        int len = WideCharToMultiByte(CP_UTF8, 0, wa[i], -1, NULL, 0, NULL, NULL);
        a[i] = len > 0 ? malloc((size_t)len) : NULL;
        if (!a[i]) {
            a = NULL; /* the strings stay until the process ends, as argv's would */
            break;
        }
        WideCharToMultiByte(CP_UTF8, 0, wa[i], -1, a[i], len, NULL, NULL);
    }
    LocalFree(wa);
    if (!a) return -1;
    *argc = n;
    *argv = a;
    return 0;
}

#else
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

FILE *cli_fopen(const char *path, const char *mode) { return fopen(path, mode); }

int cli_stat(const char *path, cli_stat_t *st) { return stat(path, st); }

int cli_remove(const char *path) { return remove(path); }

int cli_mkdir(const char *path) { return mkdir(path, 0777); }

struct cli_dir {
    DIR *d;
};

cli_dir *cli_opendir(const char *path)
{
    cli_dir *d = calloc(1, sizeof *d);
    if (d && !(d->d = opendir(path))) {
        free(d);
        d = NULL;
    }
    return d;
}

const char *cli_readdir(cli_dir *d)
{
    struct dirent *e = readdir(d->d);
    return e ? e->d_name : NULL;
}

void cli_closedir(cli_dir *d)
{
    closedir(d->d);
    free(d);
}

int cli_lock_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -2;
    }
    return fd;
}

#endif
