# armv7-linux-gnueabihf.cmake -- cross-compiling for 32-bit ARM Linux (ARMv7-A, hard float,
# Debian's armhf: VFPv3-D16, Thumb-2) on another host with Debian's cross toolchain
# (gcc-arm-linux-gnueabihf, libc6-dev-armhf-cross), and running the results under
# qemu-user (qemu-arm) so that ctest works unchanged:
#
#   cmake -S . -B build-armv7 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/armv7-linux-gnueabihf.cmake
#
# Generic: nothing here is specific to one project's sources. Variables that may be set
# on the command line (or in the environment, same names):
#   WMEL_ARMV7_PREFIX     tool prefix (default arm-linux-gnueabihf-)
#   WMEL_ARMV7_SYSROOT    the target's root for headers, libraries and qemu's -L
#                         (default /usr/arm-linux-gnueabihf, where Debian's cross libc lives)
#   CMAKE_C_COMPILER      e.g. clang: then --target=arm-linux-gnueabihf and the gcc
#                         toolchain's sysroot are used
#   WMEL_ARMV7_EMULATOR   the runner (default qemu-arm if found; empty: none)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)

foreach(v WMEL_ARMV7_PREFIX WMEL_ARMV7_SYSROOT WMEL_ARMV7_EMULATOR)
  if(NOT DEFINED ${v} AND DEFINED ENV{${v}})
    set(${v} "$ENV{${v}}")
  endif()
endforeach()
if(NOT DEFINED WMEL_ARMV7_PREFIX)
  set(WMEL_ARMV7_PREFIX arm-linux-gnueabihf-)
endif()
if(NOT DEFINED WMEL_ARMV7_SYSROOT)
  set(WMEL_ARMV7_SYSROOT /usr/arm-linux-gnueabihf)
endif()
# try_compile projects see these too
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES
  WMEL_ARMV7_PREFIX WMEL_ARMV7_SYSROOT WMEL_ARMV7_EMULATOR)

if(NOT CMAKE_C_COMPILER)
  set(CMAKE_C_COMPILER ${WMEL_ARMV7_PREFIX}gcc)
endif()
if(NOT CMAKE_CXX_COMPILER)
  # optional (Debian: g++-arm-linux-gnueabihf); without it C++ stays off
  find_program(_wmel_armv7_cxx ${WMEL_ARMV7_PREFIX}g++)
  if(_wmel_armv7_cxx)
    set(CMAKE_CXX_COMPILER ${_wmel_armv7_cxx})
  endif()
endif()
# clang cross-compiles with the target triple and the GNU cross toolchain's libc and
# libgcc (Debian: gcc-arm-linux-gnueabihf); lld or the GNU cross linker links.
get_filename_component(_wmel_cc_name "${CMAKE_C_COMPILER}" NAME)
if(_wmel_cc_name MATCHES "^clang")
  set(CMAKE_C_COMPILER_TARGET arm-linux-gnueabihf)
  set(CMAKE_CXX_COMPILER_TARGET arm-linux-gnueabihf)
  find_program(_wmel_armv7_ld ${WMEL_ARMV7_PREFIX}ld)
  if(_wmel_armv7_ld)
    get_filename_component(_wmel_armv7_bin "${_wmel_armv7_ld}" DIRECTORY)
    set(CMAKE_C_FLAGS_INIT "--gcc-toolchain=/usr -B${_wmel_armv7_bin}/${WMEL_ARMV7_PREFIX}")
    set(CMAKE_CXX_FLAGS_INIT "${CMAKE_C_FLAGS_INIT}")
  endif()
endif()

set(CMAKE_FIND_ROOT_PATH ${WMEL_ARMV7_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must not hand the host's (x86) libraries to the target build
set(ENV{PKG_CONFIG_LIBDIR} "${WMEL_ARMV7_SYSROOT}/lib/pkgconfig:/usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

if(NOT DEFINED WMEL_ARMV7_EMULATOR)
  find_program(WMEL_ARMV7_QEMU qemu-arm)
  if(WMEL_ARMV7_QEMU)
    set(WMEL_ARMV7_EMULATOR "${WMEL_ARMV7_QEMU}")
  else()
    set(WMEL_ARMV7_EMULATOR "")
  endif()
endif()
if(WMEL_ARMV7_EMULATOR)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${WMEL_ARMV7_EMULATOR};-L;${WMEL_ARMV7_SYSROOT}")
endif()
