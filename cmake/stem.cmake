# stem.cmake -- the encoder stem (src/stem/): conv1d, GELU, positional table, 3x3
# smoothing, safetensors weights. cJSON (libcjson-dev) is needed to read safetensors;
# without it the rest builds and wmel_stem_load* return WMEL_ERR_NOT_BUILT. OpenBLAS
# (libopenblas-dev) is optional: without it the GEMM is wmel's own blocked SIMD code.
set(WMEL_STEM_BLAS AUTO CACHE STRING "Use OpenBLAS for the stem's GEMM (ON/OFF/AUTO)")

list(APPEND WMEL_SOURCES src/stem/safetensors.c src/stem/conv.c src/stem/stem.c
  src/stem/gemm.c) # their kernels' levels: src/cpu/ (CMakeLists.txt)

set_source_files_properties(
  src/stem/gemm.c src/stem/conv.c src/stem/stem.c PROPERTIES COMPILE_OPTIONS "-O3")
list(APPEND WMEL_DEFS WMEL_HAVE_STEM=1)

set(WMEL_STEM_HAVE_CJSON OFF)
set(WMEL_STEM_HAVE_OPENBLAS OFF)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(WMEL_CJSON QUIET IMPORTED_TARGET libcjson)
  if(WMEL_CJSON_FOUND)
    set(WMEL_STEM_HAVE_CJSON ON)
    list(APPEND WMEL_DEFS WMEL_HAVE_CJSON=1)
    list(APPEND WMEL_LIBS PkgConfig::WMEL_CJSON)
  endif()
  if(NOT WMEL_STEM_BLAS STREQUAL "OFF")
    pkg_check_modules(WMEL_OPENBLAS QUIET IMPORTED_TARGET openblas)
    if(WMEL_OPENBLAS_FOUND)
      set(WMEL_STEM_HAVE_OPENBLAS ON)
      list(APPEND WMEL_DEFS WMEL_HAVE_OPENBLAS=1)
      list(APPEND WMEL_LIBS PkgConfig::WMEL_OPENBLAS)
    endif()
  endif()
endif()
if(WMEL_STEM_BLAS STREQUAL "ON" AND NOT WMEL_STEM_HAVE_OPENBLAS)
  message(FATAL_ERROR "WMEL_STEM_BLAS=ON but OpenBLAS was not found (apt-get install libopenblas-dev)")
endif()
message(STATUS "wmel stem: cJSON ${WMEL_STEM_HAVE_CJSON}, OpenBLAS ${WMEL_STEM_HAVE_OPENBLAS}")

# The benchmark (not part of the tests): large-v3 geometry against OpenBLAS sgemm.
if(WMEL_STEM_HAVE_OPENBLAS AND WMEL_TOP_LEVEL)
  add_executable(wmel_stem_bench ${CMAKE_CURRENT_SOURCE_DIR}/bench/stem_bench.c)
  # (made before cuda.cmake runs: a C-only program, no CUDA architectures to inherit)
  set_target_properties(wmel_stem_bench PROPERTIES OUTPUT_NAME wmel-stem-bench CUDA_ARCHITECTURES OFF)
  target_include_directories(wmel_stem_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(wmel_stem_bench PRIVATE wmel_static PkgConfig::WMEL_OPENBLAS)
endif()
