# i686-linux-gnu.cmake -- 32-bit x86 Linux (i686) built on an x86-64 host with the host's
# compiler in -m32 mode (Debian: gcc-12-multilib, which brings libc6-dev-i386; not gcc-multilib, see below); the
# programs run natively, no emulator:
#
#   cmake -S . -B build-i686 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/i686-linux-gnu.cmake
#
# Floating point: SSE2 (-msse2 -mfpmath=sse), never the x87 unit, whose 80-bit registers
# round intermediate results differently; the library refuses to build on 32-bit x86
# without SSE2 math (src/internal.h). Variables (command line or environment):
#   CMAKE_C_COMPILER      gcc (default) or clang: both take -m32
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR i686)

if(NOT CMAKE_C_COMPILER)
  set(CMAKE_C_COMPILER gcc)
endif()
if(NOT CMAKE_CXX_COMPILER)
  # optional (g++-multilib); without it C++ stays off
  find_program(_wmel_i686_cxx g++)
  if(_wmel_i686_cxx AND EXISTS /usr/lib/gcc/x86_64-linux-gnu/12/32/libstdc++.so)
    set(CMAKE_CXX_COMPILER ${_wmel_i686_cxx})
  endif()
endif()
set(_wmel_i686_flags "-m32 -msse2 -mfpmath=sse")
# Debian's gcc-multilib only adds /usr/include/asm (a link to the 64-bit kernel headers,
# which serve both word sizes) and conflicts with the cross compilers (gcc-aarch64-linux-gnu,
# gcc-arm-linux-gnueabihf); with gcc-12-multilib alone the same folder is named here.
if(NOT EXISTS /usr/include/asm AND EXISTS /usr/include/x86_64-linux-gnu/asm)
  string(APPEND _wmel_i686_flags " -idirafter /usr/include/x86_64-linux-gnu")
endif()
set(CMAKE_C_FLAGS_INIT "${_wmel_i686_flags}")
set(CMAKE_CXX_FLAGS_INIT "${_wmel_i686_flags}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-m32")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-m32")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-m32")

# the 32-bit libraries: Debian's multiarch folder (zlib1g-dev:i386 and the like) and the
# multilib one (libc6-dev-i386); never the host's 64-bit ones
set(CMAKE_LIBRARY_ARCHITECTURE i386-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/i386-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
