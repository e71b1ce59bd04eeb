/*
 * config.c -- the switchboard's one reading of the environment (config.h): each variable of
 * WMEL__CFG_VARS copied once, the first time any is asked for, into one struct; the TEST
 * kind only in a build with WMEL_TEST_HOOKS. The only file of src/ that calls getenv
 * (tests/lint/getenv_once.cmake holds it so).
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CFG_USER 1
#define CFG_TEST 0

typedef struct cfg_var {
    const char *name;
    int user;
} cfg_var;

#define CFG_ROW(id, name, kind) {name, CFG_##kind},
static const cfg_var g_cfg_vars[WMEL__CFG_N] = {WMEL__CFG_VARS(CFG_ROW)};
#undef CFG_ROW

/* The values: offsets into one text pool (-1 unset); a value that does not fit is taken as
 * unset (the pool holds 16 KiB, the variables' values are short but for two paths). */
typedef struct wmel__config {
    int at[WMEL__CFG_N];
    char text[16384];
} wmel__config;

static wmel__config g_cfg;
static pthread_once_t g_cfg_once = PTHREAD_ONCE_INIT;

static void cfg_read(void)
{
    size_t used = 0;
    for (int i = 0; i < WMEL__CFG_N; i++) {
        g_cfg.at[i] = -1;
#ifndef WMEL_TEST_HOOKS
        if (!g_cfg_vars[i].user) continue; /* not read: the testing switches are not built */
#endif
        const char *v = getenv(g_cfg_vars[i].name);
        if (!v) continue;
        const size_t len = strlen(v);
        if (len >= sizeof g_cfg.text - used) continue;
        memcpy(g_cfg.text + used, v, len + 1);
        g_cfg.at[i] = (int)used;
        used += len + 1;
    }
}

const char *wmel__env(int id)
{
    if (id < 0 || id >= WMEL__CFG_N || pthread_once(&g_cfg_once, cfg_read) != 0) return NULL;
    return g_cfg.at[id] < 0 ? NULL : g_cfg.text + g_cfg.at[id];
}

const char *wmel__env_name(int id) { return id >= 0 && id < WMEL__CFG_N ? g_cfg_vars[id].name : "?"; }

int wmel__env_bool(int id)
{
    const char *v = wmel__env(id);
    if (!v || !*v) return -1;
    if (!strcmp(v, "0")) return 0;
    if (!strcmp(v, "1")) return 1;
    return -2;
}

void wmel__env_reload(void)
{
    (void)pthread_once(&g_cfg_once, cfg_read);
    cfg_read();
}
