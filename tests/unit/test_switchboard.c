/*
 * test_switchboard.c -- the library's environment is read once (src/config.h) and its
 * testing machinery is reached through one door (src/testctl.h):
 *  - a variable changed after the first reading is not seen until the door's
 *    WMEL__TC_ENV_RELOAD; then it is, and unsetting it is seen after the next;
 *  - a testing switch reads as set in this build (WMEL_TEST_HOOKS), through wmel__test_env;
 *  - unknown requests and counters are refused, a backend's counter without it is not built;
 *  - a setting read once steers the library: WMEL_MAX_ISA=c gives the C level.
 */
#define _GNU_SOURCE /* setenv */
#include "testutil.h"
#include "config.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int same(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

int main(void)
{
    unsetenv("WMEL_MAX_ISA");
    unsetenv("WMEL_VULKAN_ROUNDS");
    CHECK(wmel__test_ctl(WMEL__TC_ENV_RELOAD) == WMEL_OK, "reload");
    CHECK(wmel__env(WMEL__CFG_MAX_ISA) == NULL, "unset: NULL");
    /* changed behind the library's back: the value read before stays */
    setenv("WMEL_MAX_ISA", "c", 1);
    CHECK(wmel__env(WMEL__CFG_MAX_ISA) == NULL, "read once: a later setenv is seen");
    CHECK(wmel__test_ctl(WMEL__TC_ENV_RELOAD) == WMEL_OK, "reload");
    CHECK(same(wmel__env(WMEL__CFG_MAX_ISA), "c"), "after the reload: not c");
    CHECK(!strcmp(wmel__env_name(WMEL__CFG_MAX_ISA), "WMEL_MAX_ISA"), "name %s", wmel__env_name(WMEL__CFG_MAX_ISA));

    /* the setting steers the ISA level */
    CHECK(wmel__isa_level(WMEL_ISA_AUTO) == WMEL_ISA_C, "level %d under WMEL_MAX_ISA=c", wmel__isa_level(WMEL_ISA_AUTO));

    t_unsetenv("WMEL_MAX_ISA");
    CHECK(wmel__env(WMEL__CFG_MAX_ISA) == NULL, "unset after the reload");

    /* a testing switch: set in this build, through the macro the hooks-off build folds away */
    t_setenv("WMEL_VULKAN_ROUNDS", "1", 1);
    CHECK(same(wmel__test_env(WMEL__CFG_VULKAN_ROUNDS), "1"), "testing switch not read");
    t_unsetenv("WMEL_VULKAN_ROUNDS");
    CHECK(wmel__test_env(WMEL__CFG_VULKAN_ROUNDS) == NULL, "testing switch still set");

    /* 0/1 switches */
    t_setenv("WMEL_AUTO_PROBE", "1", 1);
    CHECK(wmel__env_bool(WMEL__CFG_AUTO_PROBE) == 1, "bool 1");
    t_setenv("WMEL_AUTO_PROBE", "often", 1);
    CHECK(wmel__env_bool(WMEL__CFG_AUTO_PROBE) == -2, "bool: another value");
    t_unsetenv("WMEL_AUTO_PROBE");
    CHECK(wmel__env_bool(WMEL__CFG_AUTO_PROBE) == -1, "bool unset");

    /* the door's refusals */
    long long v = 0;
    CHECK(wmel__test_ctl(12345) == WMEL_ERR_INVALID_ARG, "unknown request");
    CHECK(wmel__test_ctl(WMEL__TC_COUNTER, 12345, &v) == WMEL_ERR_INVALID_ARG, "unknown counter");
    CHECK(wmel__test_ctl(WMEL__TC_COUNTER, WMEL__CNT_VK_ROUNDS, (long long *)NULL) == WMEL_ERR_INVALID_ARG,
          "no out pointer");
    const int vk = wmel__test_ctl(WMEL__TC_COUNTER, WMEL__CNT_VK_ROUNDS, &v);
#ifdef WMEL_HAVE_VULKAN
    CHECK(vk == WMEL_OK && v >= 0, "Vulkan's rounds: %d %lld", vk, v);
#else
    CHECK(vk == WMEL_ERR_NOT_BUILT, "Vulkan's rounds without Vulkan: %d", vk);
#endif
    const int cu = wmel__test_ctl(WMEL__TC_COUNTER, WMEL__CNT_CU_FINISHES, &v);
#ifdef WMEL_HAVE_CUDA
    CHECK(cu == WMEL_OK, "CUDA's finishes: %d", cu);
#else
    CHECK(cu == WMEL_ERR_NOT_BUILT, "CUDA's finishes without CUDA: %d", cu);
#endif
    return t_done("test_switchboard");
}
