# Regenerates the fixed-point tables and compares them with the tree's copy, byte for byte.
string(REPLACE "|" ";" GEN "${GEN}") # the emulator and the program, in a cross build
execute_process(COMMAND ${GEN} ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fx_gentables failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${REF} RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  message(FATAL_ERROR "src/fixed/fx_tables.c differs from what tests/fixed/fx_gentables.c writes "
                      "(${OUT}): regenerate it with fx_gentables")
endif()
message(STATUS "fx_tables.c is what fx_gentables writes")
