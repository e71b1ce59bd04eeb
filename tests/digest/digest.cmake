# digest.cmake -- wmel-digest (tests/digest/wmel_digest.c): a digest of every output of the
# library, for tests/digest/compare.sh (the engine's bit-identity across a change). Not a
# test by itself. Included by tests/CMakeLists.txt, and by compare.sh into an older tree.
get_filename_component(_wmel_digest_dir ${CMAKE_CURRENT_LIST_FILE} DIRECTORY)
add_executable(wmel_digest ${_wmel_digest_dir}/wmel_digest.c)
set_target_properties(wmel_digest PROPERTIES OUTPUT_NAME wmel-digest RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
target_include_directories(wmel_digest PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(wmel_digest PRIVATE wmel_static m)
if(WMEL_TEST_HOOKS) # the library reads the environment once; its test door reads it again
  target_compile_definitions(wmel_digest PRIVATE WMEL_DIGEST_ENV_RELOAD=1)
endif()
