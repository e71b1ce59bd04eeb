# Cortex-M4 (ARMv7E-M), bare metal: Debian's arm-none-eabi-gcc with newlib (nano).
# cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/cortex-m4.cmake ...
# WMEL_FX_CPU / WMEL_FX_FLOAT_ABI pick another core, e.g. cortex-m0plus and soft.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
if(NOT WMEL_FX_CPU)
  set(WMEL_FX_CPU cortex-m4)
endif()
if(NOT WMEL_FX_FLOAT_ABI)
  set(WMEL_FX_FLOAT_ABI soft)
endif()
set(CMAKE_C_FLAGS_INIT "-mcpu=${WMEL_FX_CPU} -mthumb -mfloat-abi=${WMEL_FX_FLOAT_ABI} -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-mcpu=${WMEL_FX_CPU} -mthumb -mfloat-abi=${WMEL_FX_FLOAT_ABI} --specs=nano.specs -nostartfiles -Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
