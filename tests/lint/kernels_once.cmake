# cmake -DSRC=<repo>/src -P kernels_once.cmake
# Passes when the float-float arithmetic, the FFT's twiddle and butterflies and the dither's
# noise are written once among the device sources (src/kernels, src/vulkan/shaders,
# src/cuda): each marker below, a line of their text, is found in exactly one file (src/kernels/ff.h,
# fft.h or noise.h), so a second copy for one API fails here. Prints each marker's file.
cmake_minimum_required(VERSION 3.18)
file(GLOB_RECURSE files ${SRC}/kernels/* ${SRC}/vulkan/shaders/* ${SRC}/cuda/*.cu ${SRC}/cuda/*.cuh ${SRC}/cuda/*.h)
# marker|the file it belongs to
set(markers
  "ff_two_sum(float a, float b)|kernels/ff.h"       # Knuth's two-sum
  "ff_split(float a)|kernels/ff.h"                  # Veltkamp's split
  "0.0476190485060215|kernels/ff.h"                 # the log's series (1/21)
  "-1.9046542121259336e-09|kernels/ff.h"            # ln 2's low part
  "void twiddle(|kernels/fft.h"                     # the FFT's twiddle
  "u3r = |kernels/fft.h"                            # the radix-8 butterfly
  "b1i = |kernels/fft.h"                            # the radix-5 butterfly
  "0xBF58476D1CE4E5B9UL|kernels/noise.h"            # splitmix64's finaliser
  "0.08695652173913043|kernels/noise.h")            # the noise's ln series (2/23)
set(bad 0)
foreach(m IN LISTS markers)
  string(REGEX MATCH "^(.*)\\|(.*)$" _ "${m}")
  set(text "${CMAKE_MATCH_1}")
  set(want "${CMAKE_MATCH_2}")
  set(found "")
  foreach(f IN LISTS files)
    file(READ ${f} body)
    string(FIND "${body}" "${text}" at)
    if(NOT at EQUAL -1)
      file(RELATIVE_PATH r ${SRC} ${f})
      list(APPEND found ${r})
    endif()
  endforeach()
  if(NOT found STREQUAL want)
    message("  '${text}': in [${found}], expected only in ${want}")
    math(EXPR bad "${bad} + 1")
  else()
    message("  '${text}': ${found}")
  endif()
endforeach()
if(bad GREATER 0)
  message(FATAL_ERROR "${bad} marker(s) of the shared kernel text outside src/kernels or missing")
endif()
