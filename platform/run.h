// One simulation run: config -> platform -> firmware -> outcome, stats and resolved config.
//
// Contract: run_simulation() validates everything it can before simulated time starts (config,
// firmware image, output folder), then runs until the firmware exits, a model fails, the
// simulated-time limit passes, or nothing is left to simulate. It writes <out>/config.json (the
// resolved configuration) and <out>/stats.json, and returns the outcome. Input errors throw
// ConfigError/InputError. A process can elaborate SystemC only once, so call it once per process.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "platform/trace_events.h"

namespace vp {

struct RunOptions {
  std::string config_file;
  std::vector<std::string> overrides;  ///< "key.path=value"
  std::string out_dir = "out";
  std::string firmware;        ///< Overrides platform.firmware when not empty.
  bool print_config = false;   ///< Print the resolved config to `log` before running.
  std::uint16_t gdb_port = 0;  ///< Serve GDB on 127.0.0.1:gdb_port (0 = no debugger).
  bool check_only = false;     ///< Validate everything, write nothing, do not simulate.
  /// Extra trace sinks (tests attach an in-memory sink here).
  std::vector<std::shared_ptr<TraceSink>> trace_sinks;
};

struct RunResult {
  enum class Outcome { Exited, Failed, Checked };
  Outcome outcome = Outcome::Failed;
  int exit_code = 0;    ///< Firmware exit code (Outcome::Exited).
  std::string message;  ///< Why the run failed (Outcome::Failed).
  std::uint64_t simulated_ps = 0;
  double wall_seconds = 0;
  std::uint64_t instructions = 0;
  std::string firmware_path;
  std::string stats_file;
  std::string timeline_file;  ///< empty when no timeline was written
  std::string waveform_file;  ///< VCD (its .gtkw beside it); empty when off
  std::string database_file;  ///< SQLite command database; empty when off
  struct SummaryValue {
    std::string name;
    double value;
    std::string unit;
  };
  /// The decode summary (stats "summary.*") when the firmware measured iterations.
  std::vector<SummaryValue> summary;
};

/// The directory firmware names are resolved against when not found as given.
[[nodiscard]] std::string default_firmware_dir();
[[nodiscard]] std::string resolve_firmware(const std::string& name);

RunResult run_simulation(const RunOptions& options, std::ostream& log);

}  // namespace vp
