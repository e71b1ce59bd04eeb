# cuda.cmake -- the CUDA backend (src/cuda/), included by the top-level CMakeLists.txt.
# WMEL_CUDA: ON (nvcc required), OFF, AUTO (when nvcc is found). Without it the
# backend is not in src/backend.c's list and the CUDA entry points of wmel.h return
# WMEL_ERR_NOT_BUILT.
#
# The sanitizer build: nvcc does not take -fsanitize, and the CUDA driver needs
# ASAN_OPTIONS=protect_shadow_gap=0 to map its memory, so with WMEL_SANITIZE an AUTO
# setting builds without CUDA. WMEL_CUDA=ON with WMEL_SANITIZE still builds it: the C
# glue is sanitized, the .cu file is not, and the cuda tests get protect_shadow_gap=0.
# WMEL_CUDA_ARCHS empty: machine code for every major architecture the toolkit builds from
# Volta (sm_70; CUDA 13 starts at Turing, sm_75) to Hopper (sm_90), plus sm_90's PTX, which
# the driver compiles for newer GPUs (Blackwell) at first use (WMEL_CUDA_ARCHS_ALL; the
# Makefile's test builds give one PTX architecture, and test_cuda_ptxas compiles and checks
# every architecture of this list whatever the build's).
set(WMEL_CUDA_ARCHS "" CACHE STRING "CUDA architectures for the backend (empty: sm_70/75..sm_90 + PTX)")

set(WMEL_CUDA_ENABLED OFF)
set(WMEL_CUDA_EMU OFF)
if(WMEL_CUDA STREQUAL "EMU")
  # The CUDA backend on wmel's CUDA emulator (tests/cuda/emu): the same sources, the .cu
  # files compiled as host C++, the runtime and cuBLAS emulated on the host. For testing
  # the backend (kernels included) without a GPU, under ASan/UBSan too; never for use.
  set(WMEL_CUDA_EMU ON)
  set(WMEL_CUDA_ENABLED ON)
elseif(WMEL_CUDA STREQUAL "ON" OR (WMEL_CUDA STREQUAL "AUTO" AND NOT WMEL_SANITIZE))
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER)
    # check_language does not look in the usual install place unless it is on PATH.
    find_program(WMEL_NVCC nvcc HINTS /usr/local/cuda/bin ENV CUDA_PATH PATH_SUFFIXES bin)
    if(WMEL_NVCC)
      set(CMAKE_CUDA_COMPILER ${WMEL_NVCC})
    endif()
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(WMEL_CUDA_ENABLED ON)
  elseif(WMEL_CUDA STREQUAL "ON")
    message(FATAL_ERROR "WMEL_CUDA=ON but nvcc was not found (set CMAKE_CUDA_COMPILER or CUDA_PATH)")
  endif()
  # AUTO needs the CUDA runtime for the target too: nvcc alone (a cross build for another
  # architecture on a machine with the toolkit for this one) turns CUDA off, with the reason.
  if(WMEL_CUDA_ENABLED AND WMEL_CUDA STREQUAL "AUTO")
    find_package(CUDAToolkit QUIET)
    if(NOT CUDAToolkit_FOUND OR NOT TARGET CUDA::cudart_static)
      set(WMEL_CUDA_ENABLED OFF)
      message(STATUS "wmel: CUDA backend OFF: nvcc found (${CMAKE_CUDA_COMPILER}) but no CUDA runtime "
                     "(cudart_static) for the target (${CMAKE_SYSTEM_PROCESSOR}); -DWMEL_CUDA=ON to insist")
    elseif(CMAKE_CROSSCOMPILING)
      set(WMEL_CUDA_ENABLED OFF)
      message(STATUS "wmel: CUDA backend OFF: cross-compiling for ${CMAKE_SYSTEM_PROCESSOR} "
                     "(AUTO builds CUDA for the host only; -DWMEL_CUDA=ON to insist)")
    endif()
  endif()
endif()

if(WMEL_CUDA_EMU)
  enable_language(CXX)
  set(CMAKE_CXX_STANDARD 17)
  set(CMAKE_CXX_STANDARD_REQUIRED ON)
  set(_emu ${CMAKE_CURRENT_SOURCE_DIR}/tests/cuda/emu)
  # The emulated runtime is a shared library so that the emulated cuBLAS module, opened
  # with dlopen like the real one, shares its streams and memory registry.
  add_library(wmel_cudaemu SHARED ${_emu}/emu_runtime.c)
  target_include_directories(wmel_cudaemu PUBLIC ${_emu}/include)
  target_link_libraries(wmel_cudaemu PUBLIC Threads::Threads)
  target_compile_options(wmel_cudaemu PRIVATE ${WMEL_WARN})
  add_library(wmel_cublasemu MODULE ${_emu}/emu_cublas.c)
  target_link_libraries(wmel_cublasemu PRIVATE wmel_cudaemu)
  target_compile_options(wmel_cublasemu PRIVATE ${WMEL_WARN})
  if(WMEL_STEM_HAVE_OPENBLAS) # the emulated SGEMM through OpenBLAS: the stem tests' big GEMMs in seconds
    target_compile_definitions(wmel_cublasemu PRIVATE WMEL_EMU_OPENBLAS=1)
    target_link_libraries(wmel_cublasemu PRIVATE PkgConfig::WMEL_OPENBLAS)
  endif()
  set(_cu src/cuda/kernels.cu src/cuda/plan_kernels.cu src/cuda/stem_kernels.cu)
  # -ffp-contract=off: the float intrinsics (__fadd_rn, __fmul_rn, ...) stay single roundings,
  # as nvcc keeps them, so the float-float arithmetic (arith_ff.cuh) keeps its error terms
  set(_cxx_warn -Wall -Wextra -Wno-unknown-pragmas -ffp-contract=off) # #pragma unroll is nvcc's
  if(WMEL_WERROR)
    list(APPEND _cxx_warn -Werror)
  endif()
  set_source_files_properties(${_cu} PROPERTIES LANGUAGE CXX COMPILE_OPTIONS "-xc++;${_cxx_warn}")
  list(APPEND WMEL_SOURCES src/cuda/backend.c src/cuda/arith.c src/cuda/stem_cuda.c ${_cu})
  list(APPEND WMEL_DEFS WMEL_HAVE_CUDA=1 WMEL_CUDA_EMU=1)
  list(APPEND WMEL_LIBS wmel_cudaemu ${CMAKE_DL_LIBS})
  set_source_files_properties(src/cuda/stem_cuda.c PROPERTIES COMPILE_DEFINITIONS
    "WMEL_CUBLAS_LIB=\"$<TARGET_FILE:wmel_cublasemu>\";WMEL_CUBLAS_SONAME=\"$<TARGET_FILE_NAME:wmel_cublasemu>\"")
  message(STATUS "wmel: CUDA backend ON, on the CUDA EMULATOR (tests only: no GPU is used)")
  # The CUDA benchmark programs too, so that their harness (bench/cuda_bench.py,
  # cuda_stem_bench.py, gpu_check.sh) can be tried out without a GPU; the times
  # they print are the emulator's host times, meaningless as GPU numbers.
  foreach(b cuda_bench cuda_stem_bench)
    add_executable(wmel_${b} bench/${b}.c)
    target_link_libraries(wmel_${b} PRIVATE wmel_static)
  endforeach()
elseif(WMEL_CUDA_ENABLED)
  # the default list for this toolkit
  execute_process(COMMAND ${CMAKE_CUDA_COMPILER} --version OUTPUT_VARIABLE _nvv ERROR_QUIET)
  string(REGEX MATCH "release ([0-9]+)" _m "${_nvv}")
  if(CMAKE_MATCH_1 AND CMAKE_MATCH_1 GREATER_EQUAL 13)
    set(WMEL_CUDA_ARCHS_ALL "75-real;80-real;86-real;89-real;90-real;90-virtual") # sm_70 dropped in CUDA 13
  else()
    set(WMEL_CUDA_ARCHS_ALL "70-real;75-real;80-real;86-real;89-real;90-real;90-virtual")
  endif()
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    if(WMEL_CUDA_ARCHS STREQUAL "")
      set(CMAKE_CUDA_ARCHITECTURES ${WMEL_CUDA_ARCHS_ALL})
    else()
      set(CMAKE_CUDA_ARCHITECTURES ${WMEL_CUDA_ARCHS})
    endif()
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  set(CMAKE_CUDA_VISIBILITY_PRESET hidden)
  # nvcc output must be warning-free: every nvcc warning and every host-compiler
  # warning in the .cu file is an error under WMEL_WERROR.
  set(WMEL_CUDA_FLAGS -Xcompiler=-Wall,-Wextra --expt-relaxed-constexpr)
  if(WMEL_WERROR)
    list(APPEND WMEL_CUDA_FLAGS -Werror=all-warnings -Xcompiler=-Werror)
  endif()
  add_compile_options("$<$<COMPILE_LANGUAGE:CUDA>:${WMEL_CUDA_FLAGS}>")
  if(WMEL_SANITIZE)
    # The directory-wide -fsanitize flags are for C only: nvcc rejects them.
    get_directory_property(_wmel_opts COMPILE_OPTIONS)
    set(_wmel_c_opts "")
    foreach(o IN LISTS _wmel_opts)
      if(o MATCHES "^-fsanitize|^-fno-sanitize|^-fno-omit-frame-pointer")
        list(APPEND _wmel_c_opts "$<$<NOT:$<COMPILE_LANGUAGE:CUDA>>:${o}>")
      else()
        list(APPEND _wmel_c_opts "${o}")
      endif()
    endforeach()
    set_directory_properties(PROPERTIES COMPILE_OPTIONS "${_wmel_c_opts}")
  endif()
  list(APPEND WMEL_SOURCES src/cuda/backend.c src/cuda/arith.c src/cuda/kernels.cu src/cuda/plan_kernels.cu
    src/cuda/stem_cuda.c src/cuda/stem_kernels.cu)
  list(APPEND WMEL_DEFS WMEL_HAVE_CUDA=1)
  # The encoder stem's convolutions are cuBLAS SGEMMs (wmel_cuda_stem_device). cuBLAS is
  # opened with dlopen on first use rather than linked: loading libcublas + libcublasLt
  # costs every program ~200 MB of resident memory (the CLI's bound is 64 MB). The
  # toolkit found here names the file; the soname (then ld.so's search) is the fallback.
  # (stdc++: the .cu objects' C++ runtime, for a C program that links the static library)
  list(APPEND WMEL_LIBS CUDA::cudart_static ${CMAKE_DL_LIBS} stdc++)
  set(WMEL_CUBLAS_SONAME libcublas.so.${CUDAToolkit_VERSION_MAJOR})
  set_source_files_properties(src/cuda/stem_cuda.c PROPERTIES COMPILE_DEFINITIONS
    "WMEL_CUBLAS_LIB=\"${CUDAToolkit_LIBRARY_DIR}/${WMEL_CUBLAS_SONAME}\";WMEL_CUBLAS_SONAME=\"${WMEL_CUBLAS_SONAME}\"")
  message(STATUS "wmel: CUDA backend ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, archs ${CMAKE_CUDA_ARCHITECTURES}, cuBLAS ${CUDAToolkit_LIBRARY_DIR}/${WMEL_CUBLAS_SONAME} at run time)")

  # bench/cuda_bench: wmel's device-pointer path timed with CUDA events (bench/cuda_bench.py
  # runs it beside torch). Never part of the test run's pass/fail.
  add_executable(wmel_cuda_bench bench/cuda_bench.c)
  target_link_libraries(wmel_cuda_bench PRIVATE wmel_static CUDA::cudart_static)
  # wmel_static is defined after this fragment runs; the link is resolved at generate time.
  # bench/cuda_stem_bench: log-Mel + encoder stem on device pointers (bench/cuda_stem_bench.py
  # runs it beside torch).
  add_executable(wmel_cuda_stem_bench bench/cuda_stem_bench.c)
  target_link_libraries(wmel_cuda_stem_bench PRIVATE wmel_static CUDA::cudart_static)
else()
  message(STATUS "wmel: CUDA backend OFF")
endif()
