/* printf_fmt.h -- WMEL_PRINTF_FMT, the archetype of format(...) attributes on printf-style
 * functions: mingw-w64's "printf" archetype is msvcrt's (no %zu); with
 * __USE_MINGW_ANSI_STDIO its stdio is C99's, named by __MINGW_PRINTF_FORMAT. Shared by the
 * library (internal.h) and the command's, compare's and diagnose's code. */
#ifndef WMEL_PRINTF_FMT_H
#define WMEL_PRINTF_FMT_H
#include <stdio.h>
#if defined(__MINGW32__)
#define WMEL_PRINTF_FMT __MINGW_PRINTF_FORMAT
#else
#define WMEL_PRINTF_FMT printf
#endif
#endif
