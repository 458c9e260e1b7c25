// The main() of every benchmark: SystemC without its banner and its info reports (a benchmark's
// output ends with its BENCH line), then the benchmark's sc_main.
#include <cstdlib>

#include <systemc>

int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                          sc_core::SC_DO_NOTHING);
  return sc_core::sc_elab_and_sim(argc, argv);
}
