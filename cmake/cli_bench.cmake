# cli_bench.cmake -- `wmel bench` (cli/cmd_bench.c, which shares bench/bench_common.h
# with the benchmark programs) and the FFTW peer wmel-bench-fftw, built only when FFTW's
# single-precision library is installed (libfftw3-dev). FFTW is GPL: it is linked into
# that benchmark program only, never into libwmel or the wmel command. The Python peers
# are found at run time (WMEL_BENCH_DIR, else bench/ of this source tree; never the
# working directory, whose code a benchmark must not run).
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/cli/cmd_bench.c PROPERTIES
  INCLUDE_DIRECTORIES ${CMAKE_CURRENT_SOURCE_DIR}/bench
  COMPILE_DEFINITIONS "WMEL_BENCH_SRC_DIR=\"${CMAKE_CURRENT_SOURCE_DIR}/bench\"")
find_path(WMEL_FFTW_INCLUDE fftw3.h)
find_library(WMEL_FFTW3F fftw3f)
if(WMEL_FFTW_INCLUDE AND WMEL_FFTW3F)
  add_executable(wmel_bench_fftw ${CMAKE_CURRENT_SOURCE_DIR}/bench/fftw_mel.c)
  set_target_properties(wmel_bench_fftw PROPERTIES OUTPUT_NAME wmel-bench-fftw)
  target_include_directories(wmel_bench_fftw PRIVATE ${WMEL_FFTW_INCLUDE})
  target_compile_options(wmel_bench_fftw PRIVATE -O3 -march=native -ffast-math)
  target_link_libraries(wmel_bench_fftw PRIVATE wmel_static ${WMEL_FFTW3F} m)
  message(STATUS "wmel bench: FFTW peer enabled (${WMEL_FFTW3F})")
else()
  message(STATUS "wmel bench: libfftw3-dev not found, no FFTW peer")
endif()

# wmel-stage-bench (bench/stage_bench.c): the AVX2 kernel's stages timed one by one, from
# the library's own kernel source (x86_64 only; not a test).
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64" AND NOT WIN32)
  add_executable(wmel_stage_bench ${CMAKE_CURRENT_SOURCE_DIR}/bench/stage_bench.c)
  set_target_properties(wmel_stage_bench PROPERTIES OUTPUT_NAME wmel-stage-bench)
  target_include_directories(wmel_stage_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
    ${CMAKE_CURRENT_SOURCE_DIR}/bench)
  target_compile_options(wmel_stage_bench PRIVATE -mavx2 -mfma -O3 -ffp-contract=fast)
  target_link_libraries(wmel_stage_bench PRIVATE wmel_static m)
endif()

# wmel-sliding-bench (bench/sliding_bench.c): the sliding buffer's step from C against the
# full recompute (not a test).
add_executable(wmel_sliding_bench ${CMAKE_CURRENT_SOURCE_DIR}/bench/sliding_bench.c)
set_target_properties(wmel_sliding_bench PROPERTIES OUTPUT_NAME wmel-sliding-bench)
target_include_directories(wmel_sliding_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/bench)
target_link_libraries(wmel_sliding_bench PRIVATE wmel_static m)

# wmel-fe-bench (bench/fe_bench.c): the general front-end path (kaldi, nemo, seamless) at
# one thread, whole calls and the AVX2 frame kernel's stages (not a test).
add_executable(wmel_fe_bench ${CMAKE_CURRENT_SOURCE_DIR}/bench/fe_bench.c)
set_target_properties(wmel_fe_bench PROPERTIES OUTPUT_NAME wmel-fe-bench)
target_include_directories(wmel_fe_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
  ${CMAKE_CURRENT_SOURCE_DIR}/bench)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  target_compile_options(wmel_fe_bench PRIVATE -mavx2 -mfma -O3 -ffp-contract=fast)
endif()
target_link_libraries(wmel_fe_bench PRIVATE wmel_static m)

# wmel-fe-threads-bench (bench/fe_threads_bench.c): wmel_features() of every front-end plan
# on 1 thread against T threads, alternating calls (not a test).
# (mmap, POSIX timers: not in a Windows build)
if(NOT WIN32)
add_executable(wmel_fe_threads_bench ${CMAKE_CURRENT_SOURCE_DIR}/bench/fe_threads_bench.c)
set_target_properties(wmel_fe_threads_bench PROPERTIES OUTPUT_NAME wmel-fe-threads-bench)
target_include_directories(wmel_fe_threads_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/bench)
target_link_libraries(wmel_fe_threads_bench PRIVATE wmel_static m)
endif()

# wmel-vk-batch-bench (bench/vulkan/vk_batch_bench.c): many clips through the CPU, CUDA and
# Vulkan backends, with the Vulkan rounds' host time split into its phases (not a test).
if(WMEL_VULKAN_ENABLED AND NOT WIN32)
add_executable(wmel_vk_batch_bench ${CMAKE_CURRENT_SOURCE_DIR}/bench/vulkan/vk_batch_bench.c)
set_target_properties(wmel_vk_batch_bench PROPERTIES OUTPUT_NAME wmel-vk-batch-bench)
if(WMEL_TEST_HOOKS) # the phases and rounds, through the library's test door
  target_compile_definitions(wmel_vk_batch_bench PRIVATE WMEL_BENCH_PHASES=1)
  target_include_directories(wmel_vk_batch_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
endif()
target_link_libraries(wmel_vk_batch_bench PRIVATE wmel_static m)
endif()

# wmel-vk-devmem-bench (bench/vulkan/vk_devmem_bench.c): clips in another Vulkan device's
# memory (wmel_vulkan_features_device) against host memory and the CPU (not a test; Linux,
# with the Vulkan headers).
if(WMEL_VULKAN_ENABLED AND CMAKE_SYSTEM_NAME STREQUAL "Linux" AND WMEL_VULKAN_INCLUDE_DIR)
add_executable(wmel_vk_devmem_bench ${CMAKE_CURRENT_SOURCE_DIR}/bench/vulkan/vk_devmem_bench.c)
set_target_properties(wmel_vk_devmem_bench PROPERTIES OUTPUT_NAME wmel-vk-devmem-bench)
target_include_directories(wmel_vk_devmem_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/vulkan
  ${CMAKE_CURRENT_SOURCE_DIR}/bench ${WMEL_VULKAN_INCLUDE_DIR})
target_link_libraries(wmel_vk_devmem_bench PRIVATE wmel_static m ${CMAKE_DL_LIBS})
endif()

# wmel-vk-finish-bench (bench/vulkan/vk_finish_bench.c): a general plan's finish on the
# Vulkan device against the host's, the calling thread's CPU time a frame (not a test).
# It reads the library's device-finish counter, which only a build with WMEL_TEST_HOOKS has.
if(WMEL_VULKAN_ENABLED AND NOT WIN32 AND WMEL_TEST_HOOKS)
add_executable(wmel_vk_finish_bench ${CMAKE_CURRENT_SOURCE_DIR}/bench/vulkan/vk_finish_bench.c)
set_target_properties(wmel_vk_finish_bench PROPERTIES OUTPUT_NAME wmel-vk-finish-bench)
target_link_libraries(wmel_vk_finish_bench PRIVATE wmel_static m)
target_include_directories(wmel_vk_finish_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
endif()
