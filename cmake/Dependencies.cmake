# Host dependencies, all from Debian packages (see tools/quickstart.sh for the list).
find_package(PkgConfig REQUIRED)

# SystemC ships pkg-config metadata only; expose it under the conventional target name.
pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET systemc)
add_library(SystemC::systemc ALIAS PkgConfig::SYSTEMC)

pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf)
pkg_check_modules(IMATH REQUIRED IMPORTED_TARGET Imath)  # fp16 (half) for PIM data
add_library(LibElf::libelf ALIAS PkgConfig::LIBELF)

find_package(Boost 1.74 REQUIRED COMPONENTS program_options)  # and Boost::headers
find_package(nlohmann_json 3.10 REQUIRED)
find_package(fmt 9 REQUIRED)
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)  # the command database (docs/tracing.md)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)  # the NPU's functional GEMM

if(NPVP_BUILD_TESTS)
  find_package(Catch2 2.13 REQUIRED)
  include(Catch)
  pkg_check_modules(UNICORN REQUIRED IMPORTED_TARGET unicorn)
  add_library(Unicorn::unicorn ALIAS PkgConfig::UNICORN)
endif()
