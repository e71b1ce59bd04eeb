/* platform.h -- the command's few calls that differ on Windows (support/platform.c): file
 * names are UTF-8 everywhere in the command; on Windows they reach the system as UTF-16
 * (the W functions), and the command's arguments arrive as UTF-8 (cli_utf8_args). Other
 * systems: the POSIX calls themselves. */
#ifndef WMEL_CLI_PLATFORM_H
#define WMEL_CLI_PLATFORM_H

#include <stdio.h>
#include <sys/stat.h>

#if defined(_WIN32)
typedef struct _stat64 cli_stat_t;
#else
typedef struct stat cli_stat_t;
#endif

/* fopen, stat, remove of a UTF-8 name */
FILE *cli_fopen(const char *path, const char *mode);
int cli_stat(const char *path, cli_stat_t *st);
int cli_remove(const char *path);
/* mkdir of a UTF-8 name (mode 0777 less the umask; Windows has no modes) */
int cli_mkdir(const char *path);

/* A folder's entries by UTF-8 name ("." and ".." included, as readdir gives them) */
typedef struct cli_dir cli_dir;
cli_dir *cli_opendir(const char *path);
const char *cli_readdir(cli_dir *d); /* NULL at the end */
void cli_closedir(cli_dir *d);

/* The file path (created if absent) opened and locked for this process alone, without
 * waiting: flock(LOCK_EX | LOCK_NB), on Windows LockFileEx. A descriptor, -1 when it
 * cannot be opened (errno), -2 when another process holds the lock. */
int cli_lock_file(const char *path);

#if defined(_WIN32)
/* UTF-8 to a malloc'ed UTF-16 string; NULL (errno ENOENT / ENOMEM) when it cannot be */
wchar_t *cli_wide(const char *s);
/* argv as UTF-8 (GetCommandLineW, CommandLineToArgvW), standard streams in binary mode;
 * replaces *argc, *argv; 0, or -1 when out of memory */
int cli_utf8_args(int *argc, char ***argv);
#endif

#endif
