# isa.cmake -- the per-ISA sources: one folder per architecture family (src/cpu/x86/,
# src/cpu/arm/), each file compiled with its level's flags, set here only. The library
# calls a file's kernels only after the CPU reported the level (src/cpu/cpu.c, one table of
# kernels per level); on another architecture a file compiles to a stub returning NULL.
#
#   wmel_isa_sources(LEVEL [CONTRACT] [TUNE CPU] FILE...)
#     LEVEL        avx2 (AVX2 + FMA), avx512 (AVX-512 F + VL + DQ, the level's definition
#                  in cpu.c) or neon (AArch64's base Advanced SIMD: no -m flag)
#     CONTRACT     let the compiler fuse multiply-adds (-ffp-contract=fast): only for code
#                  whose bits are not promised to agree across levels (the encoder stem);
#                  otherwise -ffp-contract=off, C11's default, so that every level rounds
#                  each product and each sum as the C level does (the front-ends' same bits
#                  on every level and processor: docs/design.md)
#     TUNE CPU     -mtune=CPU as well
# Adds the files to WMEL_SOURCES (in the caller's scope) and sets their flags when the
# target is of that family.
#
# The one-file build (tools/amalgamate.py, `make amalgamation`) reads the calls of this
# function from CMakeLists.txt and compiles each x86 file between target pragmas instead
# of flags, with WMEL_TARGET_AVX2 / WMEL_TARGET_AVX512 defined: a file's guard takes
# either its level's predefined macros (__AVX2__ ...) or that macro.
function(wmel_isa_sources level)
  cmake_parse_arguments(ISA "CONTRACT" "TUNE" "" ${ARGN})
  set(_flags "")
  if(level STREQUAL "avx2")
    set(_family "x86_64|AMD64|amd64")
    set(_flags -mavx2 -mfma)
  elseif(level STREQUAL "avx512")
    set(_family "x86_64|AMD64|amd64")
    set(_flags -mavx512f -mavx512vl -mavx512dq -mfma)
  elseif(level STREQUAL "neon")
    set(_family "aarch64|arm64|ARM64")
  else()
    message(FATAL_ERROR "wmel_isa_sources: unknown level '${level}' (avx2, avx512, neon)")
  endif()
  if(ISA_TUNE)
    list(APPEND _flags -mtune=${ISA_TUNE})
  endif()
  list(APPEND _flags -O3)
  if(ISA_CONTRACT)
    list(APPEND _flags -ffp-contract=fast)
  else()
    list(APPEND _flags -ffp-contract=off)
  endif()
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "${_family}")
    set_source_files_properties(${ISA_UNPARSED_ARGUMENTS} PROPERTIES COMPILE_OPTIONS "${_flags}")
  endif()
  set(WMEL_SOURCES ${WMEL_SOURCES} ${ISA_UNPARSED_ARGUMENTS} PARENT_SCOPE)
endfunction()
