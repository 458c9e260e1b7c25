// Catch2 entry point for the unit tests. SystemC can elaborate only once per process, so CTest
// runs every TEST_CASE in its own process (catch_discover_tests).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

#include <systemc>

// libsystemc's own main() refers to sc_main; Catch2 owns main() here, so this is never called.
int sc_main(int /*argc*/, char* /*argv*/[]) { return 1; }

int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                          sc_core::SC_DO_NOTHING);
  return Catch::Session().run(argc, argv);
}
