/*
 * testctl.h -- the test door: the one entry through which the tests reach the library's
 * testing machinery (sqlite's sqlite3_test_control is the model). Built with the CMake option
 * WMEL_TEST_HOOKS (on with the test suite); without it every request answers
 * WMEL_ERR_NOT_BUILT and the machinery behind it is not compiled (config.h's TEST
 * variables, the counters' readers, the Vulkan calls' fault injection).
 */
#ifndef WMEL_TESTCTL_H
#define WMEL_TESTCTL_H

enum {
    /* (void): read the environment again (config.h), after a test changed it; no other
       thread may be inside the library meanwhile */
    WMEL__TC_ENV_RELOAD = 1,
    /* (int which, long long *out): a counter's value (WMEL__CNT_*): WMEL_ERR_NOT_BUILT where
       its backend is not built */
    WMEL__TC_COUNTER,
    /* (long n): the n-th Vulkan call from now fails (1-based; 0: none), alternately out of
       device memory and a lost device */
    WMEL__TC_VK_FAIL_AT,
    /* (long long ns[3]): the nanoseconds the calling process spent in the Vulkan rounds:
       packing, on the device, reading back */
    WMEL__TC_VK_PHASE_NS,
    /* (int probe, int brk): the CUDA arithmetic's testing switches (cuda/arith.c): probe -1
       the rule (AUTO times Whisper's geometry on a GPU only), 0 never time, 1 time a device
       that is no GPU (the emulator) too; brk the float-float self-test's primitive broken on
       purpose, 0 none, 1 mul (the products' error terms dropped), 2 add (the sums'). Applied
       when a ctx is made; each verdict is kept per device and switch */
    WMEL__TC_CU_ARITH
};

/* The counters, summed over the process (each backend's file keeps its own). */
enum {
    WMEL__CNT_VK_CALLS,          /* the Vulkan calls made */
    WMEL__CNT_VK_INSTANCES_MADE, /* vkCreateInstance calls that succeeded */
    WMEL__CNT_VK_STAGED_OPENS,   /* the devices opened with staged buffers */
    WMEL__CNT_VK_ROUNDS,         /* the rounds submitted (one submission and one wait each) */
    WMEL__CNT_VK_FINISHES,       /* the calls whose finish ran on the device (finish.comp) */
    WMEL__CNT_VK_IMPORTS,        /* the calls whose samples the device read in place */
    WMEL__CNT_VK_OUT_IMPORTS,    /* the clips whose output the device wrote in place */
    WMEL__CNT_VK_DEV_CLIPS,      /* the clips of wmel_vulkan_features_device the device finished */
    WMEL__CNT_VK_BIMPORTS,       /* a batch's clips whose windows the device copied */
    WMEL__CNT_VK_WINDOWS_HOST,   /* those windows the host checked */
    WMEL__CNT_VK_BOUT_IMPORTS,   /* a batch's finished clips whose outputs the device wrote in place */
    WMEL__CNT_VK_GROWN,          /* the calls whose rounds' buffers grew for a clip of its own */
    WMEL__CNT_VK_RANGE_CLIPS,    /* the clips left to the CPU's kernels for their samples' range */
    WMEL__CNT_CU_FINISHES        /* the calls whose finish ran on the CUDA device */
};

/* WMEL_OK, WMEL_ERR_INVALID_ARG for an unknown request or counter, WMEL_ERR_NOT_BUILT
 * without WMEL_TEST_HOOKS (or the request's backend). */
int wmel__test_ctl(int op, ...);

#endif
