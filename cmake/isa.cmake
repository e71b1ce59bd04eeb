# isa.cmake -- the per-ISA sources: one folder per architecture family (src/cpu/x86/,
# src/cpu/arm/), each file compiled with its level's flags, set here only. The library
# calls a file's kernels only after the CPU reported the level (src/cpu/cpu.c, one table of
# kernels per level); on another architecture a file compiles to a stub returning NULL.
#
#   wmel_isa_sources(LEVEL [NO_CONTRACT] [TUNE CPU] FILE...)
#     LEVEL        avx2 (AVX2 + FMA), avx512 (AVX-512 F + VL + DQ, the level's definition
#                  in cpu.c) or neon (AArch64's base Advanced SIMD: no -m flag)
#     NO_CONTRACT  leave C11's default of no FMA contraction (code written with explicit
#                  fused operations that must round as written); otherwise contraction on
#     TUNE CPU     -mtune=CPU as well
# Adds the files to WMEL_SOURCES (in the caller's scope) and sets their flags when the
# target is of that family.
function(wmel_isa_sources level)
  cmake_parse_arguments(ISA "NO_CONTRACT" "TUNE" "" ${ARGN})
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
  if(NOT ISA_NO_CONTRACT)
    list(APPEND _flags -ffp-contract=fast)
  endif()
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "${_family}")
    set_source_files_properties(${ISA_UNPARSED_ARGUMENTS} PROPERTIES COMPILE_OPTIONS "${_flags}")
  endif()
  set(WMEL_SOURCES ${WMEL_SOURCES} ${ISA_UNPARSED_ARGUMENTS} PARENT_SCOPE)
endfunction()
