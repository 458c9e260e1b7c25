# Cross-compiles firmware/ (a separate CMake project for rv32im/ilp32) as part of the build.
find_program(NPVP_RISCV_GCC riscv64-unknown-elf-gcc)
if(NOT NPVP_RISCV_GCC)
  message(FATAL_ERROR "riscv64-unknown-elf-gcc not found: install gcc-riscv64-unknown-elf and "
                      "picolibc-riscv64-unknown-elf (tools/quickstart.sh does), or configure "
                      "with -DNPVP_BUILD_FIRMWARE=OFF")
endif()

set(NPVP_FW_GEN_DIR ${PROJECT_BINARY_DIR}/firmware-gen)
file(MAKE_DIRECTORY ${NPVP_FW_GEN_DIR})
add_custom_command(
  OUTPUT ${NPVP_FW_GEN_DIR}/vp_platform.h ${NPVP_FW_GEN_DIR}/memory.ld
  COMMAND npvp-gen --config ${PROJECT_SOURCE_DIR}/configs/platforms/default.json
          --origin configs/platforms/default.json
          --header ${NPVP_FW_GEN_DIR}/vp_platform.h --linker ${NPVP_FW_GEN_DIR}/memory.ld
  DEPENDS npvp-gen ${PROJECT_SOURCE_DIR}/configs/platforms/default.json
  COMMENT "Generating the firmware platform header from the register tables")
add_custom_target(firmware-headers DEPENDS ${NPVP_FW_GEN_DIR}/vp_platform.h ${NPVP_FW_GEN_DIR}/memory.ld)

include(ExternalProject)
ExternalProject_Add(firmware
  SOURCE_DIR ${PROJECT_SOURCE_DIR}/firmware
  BINARY_DIR ${PROJECT_BINARY_DIR}/firmware
  CMAKE_ARGS
    -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/firmware/cmake/rv32-toolchain.cmake
    -DCMAKE_BUILD_TYPE=Release
    -DNPVP_FW_GEN_DIR=${NPVP_FW_GEN_DIR}
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  DEPENDS firmware-headers)
