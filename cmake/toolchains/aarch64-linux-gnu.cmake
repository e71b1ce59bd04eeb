# aarch64-linux-gnu.cmake -- cross-compiling for 64-bit ARM Linux (AArch64) on another
# host with Debian's cross toolchain (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross), and
# running the results under qemu-user (qemu-aarch64) so that ctest works unchanged:
#
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#
# Generic: nothing here is specific to one project's sources. Variables that may be set
# on the command line (or in the environment, same names):
#   WMEL_AARCH64_PREFIX   tool prefix (default aarch64-linux-gnu-)
#   WMEL_AARCH64_SYSROOT  the target's root for headers, libraries and qemu's -L
#                         (default /usr/aarch64-linux-gnu, where Debian's cross libc lives)
#   CMAKE_C_COMPILER      e.g. clang: then --target=aarch64-linux-gnu and the gcc
#                         toolchain's sysroot are used
#   WMEL_AARCH64_EMULATOR the runner (default qemu-aarch64 if found; empty: none)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

foreach(v WMEL_AARCH64_PREFIX WMEL_AARCH64_SYSROOT WMEL_AARCH64_EMULATOR)
  if(NOT DEFINED ${v} AND DEFINED ENV{${v}})
    set(${v} "$ENV{${v}}")
  endif()
endforeach()
if(NOT DEFINED WMEL_AARCH64_PREFIX)
  set(WMEL_AARCH64_PREFIX aarch64-linux-gnu-)
endif()
if(NOT DEFINED WMEL_AARCH64_SYSROOT)
  set(WMEL_AARCH64_SYSROOT /usr/aarch64-linux-gnu)
endif()
# try_compile projects see these too
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES
  WMEL_AARCH64_PREFIX WMEL_AARCH64_SYSROOT WMEL_AARCH64_EMULATOR)

if(NOT CMAKE_C_COMPILER)
  set(CMAKE_C_COMPILER ${WMEL_AARCH64_PREFIX}gcc)
endif()
if(NOT CMAKE_CXX_COMPILER)
  # optional (Debian: g++-aarch64-linux-gnu); without it C++ stays off
  find_program(_wmel_cross_cxx ${WMEL_AARCH64_PREFIX}g++)
  if(_wmel_cross_cxx)
    set(CMAKE_CXX_COMPILER ${_wmel_cross_cxx})
  endif()
endif()
# clang cross-compiles with the target triple and the GNU cross toolchain's libc and
# libgcc (Debian: gcc-aarch64-linux-gnu); lld or the GNU cross linker links.
get_filename_component(_wmel_cc_name "${CMAKE_C_COMPILER}" NAME)
if(_wmel_cc_name MATCHES "^clang")
  set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
  set(CMAKE_CXX_COMPILER_TARGET aarch64-linux-gnu)
  find_program(_wmel_cross_ld ${WMEL_AARCH64_PREFIX}ld)
  if(_wmel_cross_ld)
    get_filename_component(_wmel_cross_bin "${_wmel_cross_ld}" DIRECTORY)
    set(CMAKE_C_FLAGS_INIT "--gcc-toolchain=/usr -B${_wmel_cross_bin}/${WMEL_AARCH64_PREFIX}")
    set(CMAKE_CXX_FLAGS_INIT "${CMAKE_C_FLAGS_INIT}")
  endif()
endif()

set(CMAKE_FIND_ROOT_PATH ${WMEL_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must not hand the host's (x86) libraries to the target build
set(ENV{PKG_CONFIG_LIBDIR} "${WMEL_AARCH64_SYSROOT}/lib/pkgconfig:/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

if(NOT DEFINED WMEL_AARCH64_EMULATOR)
  find_program(WMEL_AARCH64_QEMU qemu-aarch64)
  if(WMEL_AARCH64_QEMU)
    set(WMEL_AARCH64_EMULATOR "${WMEL_AARCH64_QEMU}")
  else()
    set(WMEL_AARCH64_EMULATOR "")
  endif()
endif()
if(WMEL_AARCH64_EMULATOR)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${WMEL_AARCH64_EMULATOR};-L;${WMEL_AARCH64_SYSROOT}")
endif()
