// Serving speed benchmark: wall seconds per second of serving clock. GPT3-7B on neupims, one
// decoder layer simulated (scaled to the device's 32), Poisson arrivals at 30 requests/s with
// Alpaca lengths (seed 1), Sarathi scheduling; the default variant estimates iterations with the
// sampler (period 10), a variant simulates every iteration.
// Arguments (optional): a benchmark name, then config overrides (key.path=value).
// Ends with: BENCH <name, default serving_wall_s_per_simulated_s> <value> s/s
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include <systemc>

#include "platform/run.h"
#include "platform/systems.h"

int sc_main(int argc, char* argv[]) {
  const std::string name = argc > 1 ? argv[1] : "serving_wall_s_per_simulated_s";
  const std::string config = std::string(NPVP_SOURCE_DIR) + "/configs/platforms/default.json";
  vp::RunOptions o;
  o.config_file = config;
  o.out_dir = "bench-out/" + name;
  o.overrides = vp::system_overrides("neupims", config);
  for (const char* s : {"modules.uart.output=/dev/null", "modules.job.layers=1",
                        "modules.job.workload.mode=serving", "modules.job.workload.rate=30",
                        "modules.job.workload.requests=60", "modules.job.workload.dataset=alpaca"})
    o.overrides.emplace_back(s);
  if (argc <= 2) o.overrides.emplace_back("modules.job.workload.sampling.period=10");
  for (int i = 2; i < argc; ++i) o.overrides.emplace_back(argv[i]);
  std::ostringstream log;
  const vp::RunResult r = vp::run_simulation(o, log);
  if (r.outcome != vp::RunResult::Outcome::Exited || r.exit_code != 0) {
    std::fprintf(stderr, "the serving run failed: %s\n", r.message.c_str());
    return 1;
  }
  double span = 0;
  for (const auto& v : r.summary) {
    if (v.name.rfind("serving.", 0) == 0)
      std::printf("%s %.6g %s\n", v.name.c_str(), v.value, v.unit.c_str());
    if (v.name == "serving.span_s") span = v.value;
  }
  std::printf("wall %.1f s for %.3f s served\n", r.wall_seconds, span);
  std::printf("BENCH %s %.2f s/s\n", name.c_str(), span > 0 ? r.wall_seconds / span : 0.0);
  return 0;
}
