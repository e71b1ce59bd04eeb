/* fe_presets.h -- the built-in presets: the .json files of presets/, compiled in by
 * cmake/embed_presets.cmake (presets_gen.c in the build folder), in file-name order. */
#ifndef WMEL_FE_PRESETS_H
#define WMEL_FE_PRESETS_H

#include <stddef.h>

typedef struct wmel__preset_src {
    const char *name; /* the file's name without .json */
    const char *json; /* its text, NUL-terminated */
} wmel__preset_src;

extern const wmel__preset_src wmel__presets[];
extern const size_t wmel__n_presets;

#endif
