/*
 * testctl.c -- the test door (testctl.h): a build with WMEL_TEST_HOOKS answers the
 * requests, one without has the entry alone, answering WMEL_ERR_NOT_BUILT.
 */
#include "testctl.h"
#include "config.h"
#include "internal.h"

#include <stdarg.h>

#ifdef WMEL_TEST_HOOKS
#ifdef WMEL_HAVE_VULKAN
#include "vulkan/vk_internal.h"
#endif
#ifdef WMEL_HAVE_CUDA
#include "cuda/cuda_internal.h"
#endif

static int tc_counter(int which, long long *out)
{
    if (!out) return WMEL_ERR_INVALID_ARG;
    if (which == WMEL__CNT_CU_FINISHES) {
#ifdef WMEL_HAVE_CUDA
        *out = wmel__cu_finishes();
        return WMEL_OK;
#else
        return WMEL_ERR_NOT_BUILT;
#endif
    }
    if (which < WMEL__CNT_VK_CALLS || which > WMEL__CNT_VK_RANGE_CLIPS) return WMEL_ERR_INVALID_ARG;
#ifdef WMEL_HAVE_VULKAN
    switch (which) {
    case WMEL__CNT_VK_CALLS: *out = wmel__vk_calls(); break;
    case WMEL__CNT_VK_INSTANCES_MADE: *out = wmel__vk_instances_made(); break;
    case WMEL__CNT_VK_STAGED_OPENS: *out = wmel__vk_staged_opens(); break;
    case WMEL__CNT_VK_ROUNDS: *out = wmel__vk_rounds(); break;
    case WMEL__CNT_VK_FINISHES: *out = wmel__vk_finishes(); break;
    case WMEL__CNT_VK_IMPORTS: *out = wmel__vk_imports(); break;
    case WMEL__CNT_VK_OUT_IMPORTS: *out = wmel__vk_out_imports(); break;
    case WMEL__CNT_VK_DEV_CLIPS: *out = wmel__vk_dev_clips(); break;
    case WMEL__CNT_VK_BIMPORTS: *out = wmel__vk_bimports(); break;
    case WMEL__CNT_VK_WINDOWS_HOST: *out = wmel__vk_windows_host(); break;
    case WMEL__CNT_VK_BOUT_IMPORTS: *out = wmel__vk_bout_imports(); break;
    case WMEL__CNT_VK_GROWN: *out = wmel__vk_grown(); break;
    default: *out = wmel__vk_range_clips(); break;
    }
    return WMEL_OK;
#else
    return WMEL_ERR_NOT_BUILT;
#endif
}

int wmel__test_ctl(int op, ...)
{
    va_list ap;
    va_start(ap, op);
    int rc = WMEL_ERR_INVALID_ARG;
    switch (op) {
    case WMEL__TC_ENV_RELOAD:
        wmel__env_reload();
        rc = WMEL_OK;
        break;
    case WMEL__TC_COUNTER: {
        const int which = va_arg(ap, int);
        rc = tc_counter(which, va_arg(ap, long long *));
        break;
    }
    case WMEL__TC_VK_FAIL_AT: {
        const long n = va_arg(ap, long);
#ifdef WMEL_HAVE_VULKAN
        wmel__vk_fail_at(n);
        rc = WMEL_OK;
#else
        (void)n;
        rc = WMEL_ERR_NOT_BUILT;
#endif
        break;
    }
    case WMEL__TC_VK_PHASE_NS: {
        long long *ns = va_arg(ap, long long *);
#ifdef WMEL_HAVE_VULKAN
        if (ns) wmel__vk_phase_ns(ns);
        rc = ns ? WMEL_OK : WMEL_ERR_INVALID_ARG;
#else
        (void)ns;
        rc = WMEL_ERR_NOT_BUILT;
#endif
        break;
    }
    case WMEL__TC_CU_ARITH: {
        const int probe = va_arg(ap, int), brk = va_arg(ap, int);
        if (probe < -1 || probe > 1 || brk < 0 || brk > 2) break;
#ifdef WMEL_HAVE_CUDA
        wmel__cu_arith_test(probe, brk);
        rc = WMEL_OK;
#else
        rc = WMEL_ERR_NOT_BUILT;
#endif
        break;
    }
    default: break;
    }
    va_end(ap);
    return rc;
}
#else
int wmel__test_ctl(int op, ...)
{
    (void)op;
    return WMEL_ERR_NOT_BUILT;
}
#endif
