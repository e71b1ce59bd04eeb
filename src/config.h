/*
 * config.h -- the switchboard: every environment variable the library reads, read once
 * (config.c, the only file of src/ that calls getenv) into one struct the first time a
 * value is asked for.
 *
 * Two kinds:
 *   USER  the settings a user may want (documented in include/wmel.h and docs/): read in
 *         every build;
 *   TEST  the testing switches (forced paths, limits, dispatch sizes, the self-tests' breaks):
 *         read only in a build with the CMake option WMEL_TEST_HOOKS (WMEL_TEST_HOOKS
 *         defined). Elsewhere wmel__test_env() is a null constant, so the code they steer
 *         folds away: no switch of this kind can change a result in such a build.
 *
 * A value is a copy of the variable's text (NULL: unset), kept for the process; a test that
 * changes the environment asks for it to be read again (testctl.h: WMEL__TC_ENV_RELOAD).
 */
#ifndef WMEL_CONFIG_H
#define WMEL_CONFIG_H

/* X(ID, NAME, KIND) for each variable, in the struct's order */
#define WMEL__CFG_VARS(X)                                                                       \
    X(TMPDIR, "TMPDIR", USER)                   /* base.c: where the scratch files go */          \
    X(TEMP, "TEMP", USER)                       /* base.c: Windows' scratch folder after TMPDIR */ \
    X(MAX_ISA, "WMEL_MAX_ISA", USER)            /* cpu/cpu.c: a cap on the ISA level */            \
    X(STEM_GEMM, "WMEL_STEM_GEMM", USER)        /* stem/gemm.c: own or OpenBLAS */                 \
    X(AUTO_PROBE, "WMEL_AUTO_PROBE", USER)      /* backend.c: auto_plan MEASURE's override */      \
    X(CUDA_ARITHMETIC, "WMEL_CUDA_ARITHMETIC", USER)                                               \
    X(CUDA_DEVICE_FINISH, "WMEL_CUDA_DEVICE_FINISH", USER)                                         \
    X(VULKAN_ARITHMETIC, "WMEL_VULKAN_ARITHMETIC", USER)                                           \
    X(VULKAN_ARITH_PROBE, "WMEL_VULKAN_ARITH_PROBE", USER)                                         \
    X(VULKAN_DEVICE, "WMEL_VULKAN_DEVICE", USER)                                                   \
    X(VULKAN_DEVICE_FINISH, "WMEL_VULKAN_DEVICE_FINISH", USER)                                     \
    X(VULKAN_TIMEOUT_MS, "WMEL_VULKAN_TIMEOUT_MS", USER)                                           \
    X(VULKAN_LOADER, "WMEL_VULKAN_LOADER", USER)                                                   \
    X(AUTO_PROBE_CPU_SCALE, "WMEL_AUTO_PROBE_CPU_SCALE", TEST)                                     \
    X(CUDA_FFT, "WMEL_CUDA_FFT", TEST)                                                             \
    X(CUDA_VALS_F64, "WMEL_CUDA_VALS_F64", TEST)                                                   \
    X(CUDA_STEM_SCRATCH_MB, "WMEL_CUDA_STEM_SCRATCH_MB", TEST)                                     \
    X(VULKAN_FFT, "WMEL_VULKAN_FFT", TEST)                                                         \
    X(VULKAN_FF_FMA, "WMEL_VULKAN_FF_FMA", TEST)                                                   \
    X(VULKAN_VALS_F64, "WMEL_VULKAN_VALS_F64", TEST)                                               \
    X(VULKAN_SIGNAL_LIMIT, "WMEL_VULKAN_SIGNAL_LIMIT", TEST)                                       \
    X(VULKAN_FF_BREAK, "WMEL_VULKAN_FF_BREAK", TEST)                                               \
    X(VULKAN_FF_FRAMECHECK, "WMEL_VULKAN_FF_FRAMECHECK", TEST)                                     \
    X(VULKAN_FFCHECK_BREAK, "WMEL_VULKAN_FFCHECK_BREAK", TEST)                                     \
    X(VULKAN_F64CHECK_BREAK, "WMEL_VULKAN_F64CHECK_BREAK", TEST)                                   \
    X(VULKAN_FLOAT_CONTROLS, "WMEL_VULKAN_FLOAT_CONTROLS", TEST)                                   \
    X(VULKAN_STAGING, "WMEL_VULKAN_STAGING", TEST)                                                 \
    X(VULKAN_SHARED_LIMIT, "WMEL_VULKAN_SHARED_LIMIT", TEST)                                       \
    X(VULKAN_FRAMES_PER_GROUP, "WMEL_VULKAN_FRAMES_PER_GROUP", TEST)                               \
    X(VULKAN_DISPATCH_FRAMES, "WMEL_VULKAN_DISPATCH_FRAMES", TEST)                                 \
    X(VULKAN_ROUND_BYTES, "WMEL_VULKAN_ROUND_BYTES", TEST)                                         \
    X(VULKAN_HOST_IMPORT, "WMEL_VULKAN_HOST_IMPORT", TEST)                                         \
    X(VULKAN_ROUNDS, "WMEL_VULKAN_ROUNDS", TEST)

#define WMEL__CFG_ENUM(id, name, kind) WMEL__CFG_##id,
enum { WMEL__CFG_VARS(WMEL__CFG_ENUM) WMEL__CFG_N };
#undef WMEL__CFG_ENUM

/* A USER variable's text as read (NULL: unset; an empty value is returned as it was set).
 * Thread-safe: the first call reads the environment. */
const char *wmel__env(int id);
/* The variable's name ("WMEL_MAX_ISA"), for messages. */
const char *wmel__env_name(int id);
/* A 0/1 switch: 1, 0, -1 unset or empty, -2 another value. */
int wmel__env_bool(int id);

/* A TEST variable's text: wmel__env's in a build with WMEL_TEST_HOOKS, else always NULL. */
#ifdef WMEL_TEST_HOOKS
#define wmel__test_env(id) wmel__env(id)
#else
#define wmel__test_env(id) ((const char *)0)
#endif

/* Reads the environment again (testctl.h: WMEL__TC_ENV_RELOAD); no other thread may be in
 * the library meanwhile. */
void wmel__env_reload(void);

#endif
