// ISS speed benchmark: boots the compute-bound iss_loop firmware on the default platform and
// reports simulated host-CPU instructions per wall-clock second.
// Ends with: BENCH iss_mips <value> MIPS
#include <cstdio>
#include <iostream>

#include <systemc>

#include "platform/run.h"

int sc_main(int /*argc*/, char* /*argv*/[]) {
  vp::RunOptions options;
  options.config_file = NPVP_SOURCE_DIR "/configs/platforms/default.json";
  options.firmware = "iss_loop.elf";
  options.out_dir = "bench-out/iss_mips";
  const auto result = vp::run_simulation(options, std::cout);
  if (result.outcome != vp::RunResult::Outcome::Exited || result.exit_code != 0) {
    std::cerr << "iss_mips: the benchmark firmware did not pass: " << result.message << '\n';
    return 1;
  }
  const double mips = static_cast<double>(result.instructions) / result.wall_seconds / 1e6;
  std::printf("instructions %llu, wall %.3f s\n",
              static_cast<unsigned long long>(result.instructions), result.wall_seconds);
  std::printf("BENCH iss_mips %.1f MIPS\n", mips);
  return 0;
}
