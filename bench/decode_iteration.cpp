// Decode speed benchmark: one full decode iteration (all 32 layers of the device's shard) of
// GPT3-7B, batch 256, ShareGPT-like (seed 1), on the neupims system, through the normal run
// flow (firmware, job device, NPU, HBM-PIM; timing-only memory). Reports the wall time of the
// simulation, the DRAM commands it simulated and the wall time per command (the variants run
// other models with the same flow, so the per-command figures compare).
// Arguments (optional): a benchmark name, then config overrides (key.path=value).
// Ends with: BENCH <name, default decode_iteration_wall_s> <value> s
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include <systemc>

#include "platform/run.h"
#include "platform/systems.h"

int sc_main(int argc, char* argv[]) {
  const std::string name = argc > 1 ? argv[1] : "decode_iteration_wall_s";
  const std::string config = std::string(NPVP_SOURCE_DIR) + "/configs/platforms/default.json";
  vp::RunOptions o;
  o.config_file = config;
  o.out_dir = "bench-out/" + name;  // like iss_mips: one folder for the benchmarks' runs
  o.overrides = vp::system_overrides("neupims", config);
  o.overrides.emplace_back("modules.uart.output=/dev/null");
  for (int i = 2; i < argc; ++i) o.overrides.emplace_back(argv[i]);
  std::ostringstream log;
  const vp::RunResult r = vp::run_simulation(o, log);
  if (r.outcome != vp::RunResult::Outcome::Exited || r.exit_code != 0) {
    std::fprintf(stderr, "the decode run failed: %s\n", r.message.c_str());
    return 1;
  }
  for (const auto& v : r.summary)
    if (v.name == "iteration_time_ns" || v.name == "tokens_per_second")
      std::printf("%s %.6g %s\n", v.name.c_str(), v.value, v.unit.c_str());
  std::printf("simulated %.1f us\n", static_cast<double>(r.simulated_ps) / 1e6);
  std::ifstream stats_file(o.out_dir + "/stats.json");
  const auto stats = nlohmann::json::parse(stats_file, nullptr, false);
  double commands = 0;
  if (stats.contains("hbm") && stats["hbm"].contains("commands"))
    for (const auto& [command, entry] : stats["hbm"]["commands"].items())
      if (entry.is_object() && entry.contains("value")) commands += entry["value"].get<double>();
  std::printf("dram_commands %.0f, wall per command %.1f ns\n", commands,
              commands > 0 ? r.wall_seconds * 1e9 / commands : 0.0);
  std::printf("BENCH %s %.1f s\n", name.c_str(), r.wall_seconds);
  return 0;
}
