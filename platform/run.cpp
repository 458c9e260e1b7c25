#include "platform/run.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <systemc>
#include <fmt/format.h>

#include "platform/command_db.h"
#include "platform/config.h"
#include "platform/elf_image.h"
#include "platform/error.h"
#include "platform/loader.h"
#include "platform/module.h"
#include "platform/perfetto_sink.h"
#include "platform/platform_builder.h"
#include "platform/registry.h"
#include "platform/utf8.h"
#include "platform/vcd_sink.h"

#ifndef NPVP_FIRMWARE_DIR
#define NPVP_FIRMWARE_DIR "."
#endif

namespace vp {
namespace fs = std::filesystem;

std::string default_firmware_dir() {
  const char* env = std::getenv("NPVP_FIRMWARE_DIR");
  return env != nullptr && *env != '\0' ? env : NPVP_FIRMWARE_DIR;
}

std::string resolve_firmware(const std::string& name) {
  if (name.empty())
    throw InputError("firmware: the name is empty (give an ELF file, e.g. --firmware hello.elf)");
  if (!valid_utf8(name)) throw InputError("firmware: the file name is not valid UTF-8");
  std::error_code ec;  // a name the file system refuses (too long, ...) is simply not found
  if (fs::exists(name, ec)) return name;
  const fs::path in_dir = fs::path(default_firmware_dir()) / name;
  if (fs::path(name).is_relative() && fs::exists(in_dir, ec)) return in_dir.string();
  throw InputError(
      fmt::format("firmware '{}' not found (looked in the current directory and in "
                  "'{}'; set NPVP_FIRMWARE_DIR to search elsewhere)",
                  name, default_firmware_dir()));
}

namespace {

void write_json(const fs::path& file, const json& value) {
  std::ofstream out(file);
  out << value.dump(2) << '\n';
  if (!out) throw SimulationError(fmt::format("cannot write '{}'", file.string()));
}

}  // namespace

RunResult run_simulation(const RunOptions& options, std::ostream& log) {
  Config config = Config::load_file(options.config_file);
  for (const auto& assignment : options.overrides) config.apply_override(assignment);
  if (!options.firmware.empty()) config.set("platform.firmware", options.firmware, "--firmware");

  auto context = std::make_unique<SimContext>();
  context->outputs = OutputFiles(options.out_dir);
  auto& outputs = context->outputs;
  // The run's own files first: no other output may take their names.
  const std::string config_file =
      outputs.claim("--out (the resolved configuration)", "config.json");
  const std::string stats_file = outputs.claim("--out (the statistics)", "stats.json");
  context->set_config_file(options.config_file);
  for (const auto& sink : options.trace_sinks) context->events.attach(sink);

  ModuleRegistry registry;
  register_builtin_modules(registry);

  // An unknown top-level key is reported first: a misspelt "platform" would otherwise look like
  // a missing platform.firmware.
  for (const auto& [key, value] : config.document().items())
    if (key != "platform" && key != "modules" && key != "interrupts" && key != "trace" &&
        key != "devices")
      throw ConfigError(fmt::format(
          "{}: unknown top-level key '{}' in {} (allowed: platform, modules, interrupts, trace, "
          "devices)",
          key, key, options.config_file));
  ConfigNode root = config.root();
  // Several devices: the device set's modules are copied before anything is built.
  context->devices = expand_devices(root.child("devices"), config.mutable_document());
  ConfigNode platform = root.child("platform");
  platform.get_string("name", "unnamed");
  platform.get_string("description", "");
  const std::string firmware_name = platform.require_string("firmware");
  const std::string load_bus = platform.require_string("load_bus");
  const std::uint64_t max_time_ns = platform.get_u64("max_time_ns", 0, 0, ~0ULL / 1000);
  platform.finish();

  // Tracing: sinks attach before the modules exist, so that models see events.enabled().
  ConfigNode trace = root.child("trace");
  const std::string timeline = trace.get_string("perfetto", "");
  const std::string waveform = trace.get_string("vcd", "");
  const std::string database = trace.get_string("sqlite", "");
  context->events.set_detail(trace.get_bool("commands", false));
  TraceWindow window;
  const std::uint64_t start_ns = trace.get_u64("start_ns", 0, 0, ~0ULL / 1000);
  const std::uint64_t stop_ns = trace.get_u64("stop_ns", 0, 0, ~0ULL / 1000);
  if (stop_ns != 0 && stop_ns <= start_ns)
    throw ConfigError(
        fmt::format("trace: the window [{} ns, {} ns) is empty or inverted (stop_ns must "
                    "exceed start_ns; 0 = until the end)",
                    start_ns, stop_ns));
  window.start_ps = start_ns * 1000;
  window.stop_ps = stop_ns == 0 ? ~0ULL : stop_ns * 1000;
  std::vector<std::string> units;
  for (const auto& unit : trace.get_string_list("units")) units.push_back(unit);
  window.units.insert(units.begin(), units.end());
  context->events.set_window(window.start_ps, window.stop_ps);
  trace.finish();
  // The sinks exist before the modules (so that models see events.enabled()) but create their
  // files only when the outputs are opened, after everything has been validated.
  std::string timeline_file, waveform_file, database_file;
  if (!timeline.empty()) {
    auto sink = std::make_shared<PerfettoSink>(window);
    timeline_file = outputs.claim(trace.key_path("perfetto"), timeline,
                                  [sink](const std::string& path) { sink->open(path); });
    context->events.attach(sink);
  }
  if (!waveform.empty()) {
    auto sink = std::make_shared<VcdSink>(window);
    const std::string save_file =
        outputs.claim(trace.key_path("vcd") + " (its GTKWave view)",
                      fs::path(waveform).replace_extension(".gtkw").string());
    waveform_file =
        outputs.claim(trace.key_path("vcd"), waveform,
                      [sink, save_file](const std::string& path) { sink->open(path, save_file); });
    context->events.attach(sink);
  }
  if (!database.empty()) {
    auto db = std::make_shared<CommandDatabase>(window);
    database_file = outputs.claim(trace.key_path("sqlite"), database,
                                  [db](const std::string& path) { db->open(path); });
    context->command_db = db;
  }

  PlatformBuilder builder(root, registry, *context);
  root.finish();
  for (const auto& unit : units)
    if (unit != "firmware" && builder.find(unit) == nullptr) {
      std::string known = "firmware";
      for (const auto& name : builder.names()) known += ", " + name;
      throw ConfigError(fmt::format("trace.units: unknown unit '{}' (units: {})", unit, known));
    }

  RunResult result;
  result.timeline_file = timeline_file;
  result.waveform_file = waveform_file;
  result.database_file = database_file;
  result.firmware_path = resolve_firmware(firmware_name);
  ElfImage image = read_elf(result.firmware_path);
  bool has_cpu = false;
  for (const auto& name : builder.names()) {
    Module* module = builder.find(name);
    if (!module->takes_entry_point()) continue;
    module->set_entry_point(image.entry);
    has_cpu = true;
  }
  if (!has_cpu) throw ConfigError("modules: no processor to run the firmware (add a cpu.rv32)");
  if (options.gdb_port != 0) {
    bool attached = false;
    for (const auto& name : builder.names())
      if (!attached && builder.find(name)->takes_entry_point())
        attached = builder.find(name)->attach_gdb(options.gdb_port, "--gdb");
    if (!attached) throw ConfigError("--gdb: no processor of this platform can be debugged");
  }
  FirmwareLoader loader("loader", std::move(image), context->control);
  loader.socket.bind(builder.target(load_bus, "platform.load_bus"));
  builder.check_targets_connected();

  if (options.print_config) log << config.resolved().dump(2) << '\n';
  if (options.check_only) {
    RunResult checked;
    checked.outcome = RunResult::Outcome::Checked;
    checked.firmware_path = result.firmware_path;
    return checked;
  }
  // Everything is validated: only now is anything in --out created, replaced or removed.
  outputs.open_all();
  write_json(config_file, config.resolved());

  const auto wall_start = std::chrono::steady_clock::now();
  if (max_time_ns > 0)
    sc_core::sc_start(sc_core::sc_time(static_cast<double>(max_time_ns), sc_core::SC_NS));
  else
    sc_core::sc_start();
  const auto wall_end = std::chrono::steady_clock::now();

  auto& control = context->control;
  if (control.state() == RunControl::State::Running) {
    if (max_time_ns > 0 && sc_core::sc_time_stamp() >=
                               sc_core::sc_time(static_cast<double>(max_time_ns), sc_core::SC_NS)) {
      control.fail(
          fmt::format("simulated-time limit of {} ns reached before the firmware exited "
                      "(platform.max_time_ns; 0 = no limit)",
                      max_time_ns));
    } else {
      std::string why;
      for (const auto& name : builder.names()) {
        const auto report = builder.find(name)->idle_report();
        if (!report.empty()) why += "; " + report;
      }
      control.fail("the simulation ran out of events before the firmware exited" + why);
    }
  }

  result.simulated_ps = std::max<std::uint64_t>(
      sc_core::sc_time_stamp().value() / sc_core::sc_time(1, sc_core::SC_PS).value(),
      control.end_ps());
  result.wall_seconds = std::chrono::duration<double>(wall_end - wall_start).count();
  for (const auto& name : builder.names())
    if (builder.find(name)->takes_entry_point() &&
        context->stats.contains(name + ".instructions_retired"))
      result.instructions +=
          static_cast<std::uint64_t>(context->stats.as_double(name + ".instructions_retired"));
  if (control.state() == RunControl::State::Exited) {
    result.outcome = RunResult::Outcome::Exited;
    result.exit_code = control.exit_code();
  } else {
    result.outcome = RunResult::Outcome::Failed;
    result.message = control.failure();
  }

  auto& stats = context->stats;
  const double mips =
      result.wall_seconds > 0 ? result.instructions / result.wall_seconds / 1e6 : 0.0;
  stats.add("sim.simulated_time_ns", "ns", "simulated time at the end of the run",
            [&result] { return StatsTree::Value{result.simulated_ps / 1000}; });
  stats.add("sim.wall_time_s", "s", "wall-clock time of the simulation (sc_start)",
            [&result] { return StatsTree::Value{result.wall_seconds}; });
  stats.add("sim.instructions_retired", "insn", "instructions retired by all host CPUs",
            [&result] { return StatsTree::Value{result.instructions}; });
  stats.add("sim.simulated_mips", "MIPS", "host instructions simulated per wall-clock second / 1e6",
            [mips] { return StatsTree::Value{mips}; });
  stats.add("sim.exit_code", "code", "firmware exit code (meaningful when sim.completed is 1)",
            [&result] { return StatsTree::Value{static_cast<std::uint64_t>(result.exit_code)}; });
  stats.add("sim.completed", "bool", "1 if the firmware exited, 0 if the run failed", [&result] {
    return StatsTree::Value{std::uint64_t{result.outcome == RunResult::Outcome::Exited}};
  });
  result.stats_file = stats_file;
  const auto json = stats.to_json();
  write_json(result.stats_file, json);
  if (json.contains("summary") &&
      json["summary"].value("iterations", nlohmann::json::object()).value("value", 0) > 0)
    for (const auto& [name, entry] : json["summary"].items()) {
      if (entry.contains("value")) {
        result.summary.push_back(
            {name, entry["value"].get<double>(), entry["unit"].get<std::string>()});
        continue;
      }
      for (const auto& [inner, value] : entry.items()) {  // a group, e.g. summary.serving.*
        if (!value.contains("value")) continue;
        std::string full = name;
        full.append(".").append(inner);
        result.summary.push_back(
            {std::move(full), value["value"].get<double>(), value["unit"].get<std::string>()});
      }
    }
  context->events.finish();
  if (context->command_db != nullptr) context->command_db->finish(config.resolved(), json);
  return result;
}

}  // namespace vp
