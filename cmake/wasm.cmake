# wasm.cmake -- WebAssembly through Emscripten (emcmake cmake; `make wasm`, docs/platforms.md).
# Included by CMakeLists.txt when the toolchain is Emscripten's, before anything is found.
#
#   WMEL_WASM_SIMD  ON (default): -msimd128 everywhere, and the SIMD128 kernels
#                   (src/cpu/wasm/) are the level the library runs; WebAssembly has no
#                   run-time feature test, so the level is the build's. OFF: the C level only.
#
# Single-threaded: no -pthread, so pthread_create fails and every call runs its work on the
# calling thread (src/pool.c takes the team it gets, down to the caller alone).
# Programs (the command, the tests, the benchmarks) are for node: the host's files through
# NODERAWFS, its environment variables and the .wasm read from the filesystem
# (cmake/wasm_node_pre.js), a growing heap, the exit status returned. A target with the
# property WMEL_WASM_WEB set (js/: the ES module) gets the growing heap only.
option(WMEL_WASM_SIMD "WebAssembly SIMD128 (-msimd128) and its kernels" ON)
if(WMEL_WASM_SIMD)
  add_compile_options(-msimd128)
  add_link_options(-msimd128)
endif()
add_link_options(-sALLOW_MEMORY_GROWTH=1)
add_link_options("$<$<NOT:$<BOOL:$<TARGET_PROPERTY:WMEL_WASM_WEB>>>:-sNODERAWFS=1;-sEXIT_RUNTIME=1;--pre-js;${CMAKE_CURRENT_LIST_DIR}/wasm_node_pre.js>")
# The tests run their programs under node (CMake runs a .js through the emulator); the
# toolchain file may name node with flags this node refuses. Without its global fetch(),
# which takes no file path, node reads the .wasm beside the program from the filesystem.
find_program(WMEL_NODE node REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR "${WMEL_NODE};--no-experimental-fetch" CACHE STRING "Runs the built programs" FORCE)
# pkg-config must not find the build machine's libraries (cJSON, OpenBLAS): only the
# Emscripten sysroot's, which has none of them.
set(ENV{PKG_CONFIG_LIBDIR} "${EMSCRIPTEN_SYSROOT}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
# Debian's emscripten runs its JavaScript tools with the node on PATH and Debian's acorn
# (node-acorn, /usr/share/nodejs), which a node from elsewhere (NodeSource's) does not
# search: the links find it through NODE_PATH.
if(EXISTS /usr/share/nodejs/acorn)
  set_property(GLOBAL PROPERTY RULE_LAUNCH_LINK "${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs")
endif()
