# vulkan.cmake -- the Vulkan backend (src/vulkan/), included by the top-level CMakeLists.txt.
# WMEL_VULKAN: ON (a GLSL compiler and the Vulkan headers required), OFF, AUTO (when
# glslc or glslangValidator and the headers are found; off in a WMEL_SANITIZE build and
# when cross-compiling). The library never links the
# Vulkan loader: src/vulkan/vk_loader.c opens it at run time (dlopen), so a build with
# the backend runs, and falls back to the CPU, where no loader is installed.
#
# The compute shaders (src/vulkan/shaders/*.comp) are compiled to SPIR-V at build time,
# once per arithmetic (float64; float-float with -DWMEL_ARITH_FF when arith_ff.glsl is
# there), and embedded as uint32 arrays (cmake/embed_spirv.cmake).
set(WMEL_VULKAN AUTO CACHE STRING "Build the Vulkan backend (ON/OFF/AUTO: when glslc or glslangValidator is found)")

set(WMEL_VULKAN_ENABLED OFF)
set(WMEL_VULKAN_FF OFF)
if(WMEL_VULKAN STREQUAL "AUTO" AND WMEL_SANITIZE)
  # Mesa's drivers keep allocations past vkDestroyInstance, which LeakSanitizer would
  # report in every test whose ctx looks for a GPU (AUTO): the sanitizer build leaves the
  # backend out unless asked (make test-vulkan builds it with ON and a suppressions file).
  message(STATUS "wmel: Vulkan backend OFF: AUTO with WMEL_SANITIZE; -DWMEL_VULKAN=ON to insist")
elseif(WMEL_VULKAN STREQUAL "AUTO" AND (EMSCRIPTEN OR CMAKE_CROSSCOMPILING))
  # the shader compiler found is the build machine's; the target's loader and drivers are
  # another matter (WebAssembly has none): AUTO builds Vulkan for the host only
  message(STATUS "wmel: Vulkan backend OFF: cross-compiling for ${CMAKE_SYSTEM_NAME} ${CMAKE_SYSTEM_PROCESSOR} "
                 "(AUTO builds Vulkan for the host only; -DWMEL_VULKAN=ON to insist)")
elseif(WMEL_VULKAN STREQUAL "ON" OR WMEL_VULKAN STREQUAL "AUTO")
  set(_why "")
  find_program(WMEL_GLSLC glslc)
  find_program(WMEL_GLSLANG glslangValidator)
  find_path(WMEL_VULKAN_INCLUDE vulkan/vulkan_core.h)
  if(NOT WMEL_GLSLC AND NOT WMEL_GLSLANG)
    set(_why "neither glslc nor glslangValidator was found (Debian: glslc or glslang-tools)")
  elseif(NOT WMEL_VULKAN_INCLUDE)
    set(_why "the Vulkan headers (vulkan/vulkan_core.h) were not found (Debian: libvulkan-dev)")
  elseif(NOT CMAKE_DL_LIBS AND NOT UNIX AND NOT WIN32)
    set(_why "no dynamic loader on this platform")
  endif()
  if(_why STREQUAL "")
    set(WMEL_VULKAN_ENABLED ON)
  elseif(WMEL_VULKAN STREQUAL "ON")
    message(FATAL_ERROR "WMEL_VULKAN=ON but ${_why}")
  else()
    message(STATUS "wmel: Vulkan backend OFF: ${_why}; -DWMEL_VULKAN=ON to insist")
  endif()
endif()

if(WMEL_VULKAN_ENABLED)
  set(_sh ${CMAKE_CURRENT_SOURCE_DIR}/src/vulkan/shaders)
  set(_gen ${CMAKE_CURRENT_BINARY_DIR}/vulkan)
  file(MAKE_DIRECTORY ${_gen})
  set(_variants f64)
  if(EXISTS ${_sh}/arith_ff.glsl)
    list(APPEND _variants ff)
    set(WMEL_VULKAN_FF ON)
  endif()
  # the arithmetic (arith_*.glsl) and the text shared with the CUDA kernels (src/kernels/*.h)
  file(GLOB _arith CONFIGURE_DEPENDS ${_sh}/*.glsl ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/*.h)
  # GLSL's copy of the dither's noise (src/kernels/noise.h with GLSL's float64 literals:
  # cmake/glsl_noise.cmake), found by the shaders through -I${_gen}
  set(WMEL_VULKAN_GEN_DIR ${_gen})
  add_custom_command(OUTPUT ${_gen}/noise_glsl.h
    COMMAND ${CMAKE_COMMAND} -DIN=${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/noise.h -DOUT=${_gen}/noise_glsl.h
            -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/glsl_noise.cmake
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/noise.h ${CMAKE_CURRENT_SOURCE_DIR}/cmake/glsl_noise.cmake
    COMMENT "wmel: GLSL's copy of src/kernels/noise.h" VERBATIM)
  list(APPEND _arith ${_gen}/noise_glsl.h)
  set(_spv_c "")
  set(_spv_files "")
  # shader `src` (a .comp of src/vulkan/shaders) compiled with the definitions in ARGN into
  # ${_gen}/${name}.spv, embedded as wmel__spv_${name}
  function(wmel_vulkan_shader name src)
    set(_spv ${_gen}/${name}.spv)
    if(WMEL_GLSLC)
      set(_cmd ${WMEL_GLSLC} -fshader-stage=compute --target-env=vulkan1.1 -O -I${_sh} -I${_gen} ${ARGN}
               -o ${_spv} ${_sh}/${src})
    else()
      set(_cmd ${WMEL_GLSLANG} -V --target-env vulkan1.1 -S comp -I${_sh} -I${_gen} ${ARGN} -o ${_spv} ${_sh}/${src})
    endif()
    add_custom_command(OUTPUT ${_spv} COMMAND ${_cmd}
      DEPENDS ${_sh}/${src} ${_arith}
      COMMENT "wmel: compiling ${src} (${name}) to SPIR-V" VERBATIM)
    add_custom_command(OUTPUT ${_gen}/${name}.c
      COMMAND ${CMAKE_COMMAND} -DSPV=${_spv} -DOUT=${_gen}/${name}.c -DNAME=wmel__spv_${name}
              -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_spirv.cmake
      DEPENDS ${_spv} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_spirv.cmake VERBATIM)
    set(_spv_c ${_spv_c} ${_gen}/${name}.c PARENT_SCOPE)
    set(_spv_files ${_spv_files} ${_spv} PARENT_SCOPE)
  endfunction()
  wmel_vulkan_shader(frames_f64 frames.comp)
  # a dithered plan's frames: frames.comp drawing the dither's noise (src/kernels/noise.h,
  # float64 with 64-bit integers: devices with shaderFloat64 and shaderInt64)
  wmel_vulkan_shader(frames_noise_f64 frames.comp -DWMEL_NOISE=1)
  # a general plan's normalisation on the device (finish.comp), the same variants as frames.comp
  wmel_vulkan_shader(finish_f64 finish.comp)
  # the float64 self-test (f64check.comp, src/vulkan/f64check.c)
  wmel_vulkan_shader(f64check f64check.comp)
  if(WMEL_VULKAN_FF)
    # float-float: frames.comp, finish.comp and the self-test (ffcheck.comp,
    # src/vulkan/ffcheck.c), each built once without float controls; a device that has them
    # gets them declared when its module is made (vk_loader.c: wmel__vk_spv_fc)
    wmel_vulkan_shader(frames_ff frames.comp -DWMEL_ARITH_FF=1)
    wmel_vulkan_shader(finish_ff finish.comp -DWMEL_ARITH_FF=1)
    wmel_vulkan_shader(ffcheck ffcheck.comp)
  endif()
  # the SPIR-V modules alone (make check-msl translates each to Metal): `--target wmel_spirv`;
  # their paths, one a line, in ${_gen}/modules.txt
  add_custom_target(wmel_spirv DEPENDS ${_spv_files})
  string(REPLACE ";" "\n" _spv_lines "${_spv_files}")
  file(WRITE ${_gen}/modules.txt "${_spv_lines}\n")
  list(APPEND WMEL_SOURCES src/vulkan/vk_loader.c src/vulkan/backend.c src/vulkan/ffcheck.c src/vulkan/f64check.c src/vulkan/arith_probe.c src/vulkan/devices.c ${_spv_c})
  list(APPEND WMEL_DEFS WMEL_HAVE_VULKAN=1)
  if(WMEL_VULKAN_FF)
    list(APPEND WMEL_DEFS WMEL_HAVE_VULKAN_FF=1)
  endif()
  list(APPEND WMEL_LIBS ${CMAKE_DL_LIBS})
  set(WMEL_VULKAN_INCLUDE_DIR ${WMEL_VULKAN_INCLUDE})
  message(STATUS "wmel: Vulkan backend ON (shaders: ${_variants}; loader opened at run time)")
endif()
