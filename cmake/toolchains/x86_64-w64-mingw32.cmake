# x86_64-w64-mingw32.cmake -- Windows x86-64 cross-built on Linux with Debian's mingw-w64
# (gcc-mingw-w64-x86-64), the programs run under wine so that ctest works unchanged:
#
#   cmake -S . -B build-windows -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/x86_64-w64-mingw32.cmake
#
# Variables (command line or environment, same names):
#   WMEL_MINGW_PREFIX    tool prefix (default x86_64-w64-mingw32-)
#   WMEL_WINE            the runner (default wine if found; empty: none)
#   WMEL_WINEPREFIX      wine's prefix (its C: drive and registry) for the programs run
#                        by ctest: default $WINEPREFIX, else wine-prefix/ in the build
#                        folder (created by wine on first use; `make test-windows` creates
#                        it with wineboot first)
# The programs and the DLL link mingw's own libraries (libgcc, winpthreads) statically
# (-static): wmel.exe and libwmel.dll need only Windows' own DLLs.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)

foreach(v WMEL_MINGW_PREFIX WMEL_WINE WMEL_WINEPREFIX)
  if(NOT DEFINED ${v} AND DEFINED ENV{${v}})
    set(${v} "$ENV{${v}}")
  endif()
endforeach()
if(NOT DEFINED WMEL_MINGW_PREFIX)
  set(WMEL_MINGW_PREFIX x86_64-w64-mingw32-)
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WMEL_MINGW_PREFIX WMEL_WINE WMEL_WINEPREFIX)

if(NOT CMAKE_C_COMPILER)
  set(CMAKE_C_COMPILER ${WMEL_MINGW_PREFIX}gcc)
endif()
if(NOT CMAKE_CXX_COMPILER)
  find_program(_wmel_mingw_cxx ${WMEL_MINGW_PREFIX}g++)
  if(_wmel_mingw_cxx)
    set(CMAKE_CXX_COMPILER ${_wmel_mingw_cxx})
  endif()
endif()
set(CMAKE_RC_COMPILER ${WMEL_MINGW_PREFIX}windres)

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must not hand the host's (Linux) libraries to the target build
set(ENV{PKG_CONFIG_LIBDIR} "/usr/x86_64-w64-mingw32/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# C99 printf (%zu, %lld) from mingw's own stdio, not msvcrt's
set(CMAKE_C_FLAGS_INIT "-D__USE_MINGW_ANSI_STDIO=1")
set(CMAKE_CXX_FLAGS_INIT "-D__USE_MINGW_ANSI_STDIO=1")
set(_wmel_mingw_link "-static")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_wmel_mingw_link}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_wmel_mingw_link}")

if(NOT DEFINED WMEL_WINE)
  find_program(WMEL_WINE_PROGRAM NAMES wine wine64)
  if(WMEL_WINE_PROGRAM)
    set(WMEL_WINE "${WMEL_WINE_PROGRAM}")
  else()
    set(WMEL_WINE "")
  endif()
endif()
if(NOT DEFINED WMEL_WINEPREFIX)
  if(DEFINED ENV{WINEPREFIX})
    set(WMEL_WINEPREFIX "$ENV{WINEPREFIX}")
  else()
    set(WMEL_WINEPREFIX "${CMAKE_BINARY_DIR}/wine-prefix")
  endif()
endif()
if(WMEL_WINE)
  # quiet (WINEDEBUG=-all), in the build's own prefix
  set(CMAKE_CROSSCOMPILING_EMULATOR "env;WINEPREFIX=${WMEL_WINEPREFIX};WINEDEBUG=-all;${WMEL_WINE}")
endif()
