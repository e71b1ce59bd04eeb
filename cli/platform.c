/* platform.c -- see platform.h. */
#include "platform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
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

FILE *cli_fopen(const char *path, const char *mode) { return fopen(path, mode); }

int cli_stat(const char *path, cli_stat_t *st) { return stat(path, st); }

int cli_remove(const char *path) { return remove(path); }

int cli_mkdir(const char *path) { return mkdir(path, 0777); }

#endif
