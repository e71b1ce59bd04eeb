# cmake -DIN=src/kernels/noise.h -DOUT=noise_glsl.h -P glsl_noise.cmake
# GLSL's copy of the dither's noise (src/kernels/noise.h): each double constant NZ_D(c)
# written as cLF, GLSL's float64 literal (GLSL's preprocessor pastes no number, so c##LF
# cannot be the macro). Every other character is the header's own; the shaders that draw
# the noise (frames.comp with WMEL_NOISE) include the copy.
cmake_minimum_required(VERSION 3.18)
file(READ ${IN} body)
string(REGEX MATCHALL "NZ_D\\([^)]*\\)" all "${body}")
string(REGEX REPLACE "NZ_D\\(([-+0-9.eE]+)\\)" "\\1LF" body "${body}")
string(REGEX MATCHALL "NZ_D\\([^)]*\\)" left "${body}")
# what is left is the header's description of the macro (NZ_D(c)); a constant left is an error
foreach(m IN LISTS left)
  if(NOT m STREQUAL "NZ_D(c)")
    message(FATAL_ERROR "${IN}: ${m} is not a decimal constant GLSL's copy can write")
  endif()
endforeach()
get_filename_component(name ${IN} NAME)
file(WRITE ${OUT} "// generated from src/kernels/${name} by cmake/glsl_noise.cmake: each NZ_D(c) written as cLF\n${body}")
