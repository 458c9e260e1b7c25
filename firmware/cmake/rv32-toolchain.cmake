# Cross toolchain for the host CPU firmware: RV32IM, ilp32, picolibc (Debian packages
# gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# ISA spec 2.2 counts Zicsr and Zifencei as part of I, which keeps picolibc's rv32im multilib.
set(NPVP_RV_ARCH "-march=rv32im -misa-spec=2.2 -mabi=ilp32 --specs=picolibc.specs")
set(CMAKE_C_FLAGS_INIT "${NPVP_RV_ARCH}")
set(CMAKE_ASM_FLAGS_INIT "${NPVP_RV_ARCH}")
# The compile flags (with the specs) are on the link line too; add only what linking needs.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles")
