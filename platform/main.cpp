// neupims-vp: command-line entry point.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>

#include <systemc>
#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "models/mem/arbitration_policy.h"
#include "models/mem/command_check.h"
#include "models/mem/pim_engine.h"
#include "platform/error.h"
#include "platform/registry.h"
#include "platform/run.h"
#include "platform/systems.h"

namespace po = boost::program_options;

namespace {

constexpr int kExitUsage = 2;         // bad command line, config or input file
constexpr int kExitSimFailed = 3;     // the simulation could not finish
constexpr int kExitFirmwareFail = 1;  // the firmware exited with a code other than 0
/// VP_EXIT_INPUT_REJECTED (firmware/lib/vp.h): the job does not fit; reported as bad input.
constexpr int kFirmwareInputRejected = 0x7D;

const char* kUsage =
    R"(neupims-vp: a SystemC/TLM-2.0 virtual platform of the NeuPIMs NPU+PIM accelerator

usage:
  neupims-vp run --config FILE [--set key.path=value]... [--firmware ELF] [--out DIR]
  neupims-vp run --system NAME [--model NAME] [--batch N] [--dataset NAME] [--layers N] [--set ...]
  neupims-vp check-commands DB          replay a command database against the timing rules
  neupims-vp list-modules
  neupims-vp --help | --version

run options)";

const char* kEpilog = R"(
examples:
  neupims-vp run --system neupims                      (GPT3-7B, ShareGPT, batch 256: tokens/s, utilization)
  neupims-vp run --system npu-only --model gpt3-13b --batch 128 --dataset alpaca
  neupims-vp run --system neupims --model gpt3-30b --batch 128 --layers 2 --set modules.job.tp=4 --set modules.job.pp=2
  neupims-vp run --config configs/platforms/default.json
  neupims-vp run --config configs/platforms/default.json --firmware memtest.elf --out out/memtest
  neupims-vp run --config configs/platforms/default.json --set modules.cpu.quantum_ns=100
  neupims-vp run --system neupims --model gpt-tiny --batch 8 --trace --out out/tiny
  neupims-vp check-commands out/tiny/commands.db
  neupims-vp run --config configs/platforms/default.json --firmware hello.elf --gdb 3333

Firmware names are looked up as given, then in the build's firmware folder (NPVP_FIRMWARE_DIR).
Every run writes <out>/config.json (the resolved configuration) and <out>/stats.json.
Exit status: 0 when the firmware exits with 0 (pass); 1 when it exits with another code (the
summary and stats.json sim.exit_code give the code); 2 for bad input, including a job the
firmware rejects because it does not fit the device (exit code 0x7d); 3 when the simulation
could not finish (trap loop, deadlock, instruction or time limit).
)";

int print_summary(const vp::RunResult& r) {
  if (r.outcome == vp::RunResult::Outcome::Checked) {
    std::cout << fmt::format("neupims-vp: the configuration is valid (firmware {})\n",
                             r.firmware_path);
    return 0;
  }
  std::cout << "\n=== neupims-vp run summary ===\n";
  if (r.outcome == vp::RunResult::Outcome::Exited)
    std::cout << fmt::format("  firmware        {} exited with code {} ({})\n", r.firmware_path,
                             r.exit_code, r.exit_code == 0 ? "pass" : "FAIL");
  else
    std::cout << fmt::format("  firmware        {} did not finish\n", r.firmware_path);
  const double mips = r.wall_seconds > 0 ? r.instructions / r.wall_seconds / 1e6 : 0.0;
  std::cout << fmt::format("  simulated time  {:.3f} us\n", r.simulated_ps / 1e6)
            << fmt::format("  instructions    {}\n", r.instructions)
            << fmt::format("  wall time       {:.3f} s\n", r.wall_seconds)
            << fmt::format("  simulated MIPS  {:.1f}\n", mips)
            << fmt::format("  stats           {}\n", r.stats_file);
  if (!r.timeline_file.empty())
    std::cout << fmt::format("  timeline        {} (ui.perfetto.dev)\n", r.timeline_file);
  if (!r.waveform_file.empty())
    std::cout << fmt::format(
        "  waveform        {} (gtkwave {})\n", r.waveform_file,
        std::filesystem::path(r.waveform_file).replace_extension(".gtkw").string());
  if (!r.database_file.empty())
    std::cout << fmt::format("  commands        {} (sqlite3; neupims-vp check-commands {})\n",
                             r.database_file, r.database_file);
  if (!r.summary.empty()) {
    std::cout << "\n=== decode summary ===\n";
    // The headline numbers first, then the rest in name order.
    const char* first[] = {"tokens_per_second", "iteration_time_ns", "npu_utilization",
                           "pim_utilization"};
    auto rank = [&first](const std::string& name) {
      for (std::size_t i = 0; i < std::size(first); ++i)
        if (name == first[i]) return i;
      return std::size(first);
    };
    auto values = r.summary;
    std::stable_sort(values.begin(), values.end(),
                     [&](const auto& a, const auto& b) { return rank(a.name) < rank(b.name); });
    for (const auto& v : values)
      std::cout << fmt::format("  {:<28} {:>14.6g} {}\n", v.name, v.value, v.unit);
  }
  std::cout.flush();
  if (r.outcome == vp::RunResult::Outcome::Failed) {
    std::cerr << "neupims-vp: error: " << r.message << '\n';
    return kExitSimFailed;
  }
  if (r.exit_code == kFirmwareInputRejected) {
    std::cerr << fmt::format(
        "neupims-vp: error: the firmware rejected the job as configured (exit code {:#x}); its "
        "output above says why\n",
        r.exit_code);
    return kExitUsage;
  }
  return r.exit_code == 0 ? 0 : kExitFirmwareFail;
}

int check_commands(const std::string& database) {
  if (database.empty()) {
    std::cerr << "neupims-vp: error: check-commands needs the database file, e.g. "
                 "neupims-vp check-commands out/commands.db\n";
    return kExitUsage;
  }
  try {
    const auto report = vp::hbm::check_command_database(database);
    for (const auto& message : report.messages) std::cout << "violation: " << message << '\n';
    if (report.violations > report.messages.size())
      std::cout << fmt::format("... and {} more\n", report.violations - report.messages.size());
    std::cout << fmt::format(
        "{}: {} commands on {} channels replayed against the constraint table{}: {} violations\n",
        database, report.commands, report.channels,
        report.state_checked ? " and the bank states"
                             : " (bank states not checked: the "
                               "database holds a window)",
        report.violations);
    return report.violations == 0 ? 0 : 1;
  } catch (const vp::UserInputError& e) {
    std::cerr << "neupims-vp: error: " << e.what() << '\n';
    return kExitUsage;
  } catch (const std::exception& e) {  // a defect of the checker: still one line, never a crash
    std::cerr << "neupims-vp: error: internal error while checking '" << database
              << "': " << e.what() << '\n';
    return kExitSimFailed;
  }
}

int run_cli(int argc, char* argv[]) {
  vp::RunOptions options;
  po::options_description run_options(kUsage);
  run_options.add_options()("help,h", "show this help")("version", "print the version")(
      "config,c", po::value(&options.config_file)->value_name("FILE"),
      "platform configuration (JSON)")(
      "set,s", po::value(&options.overrides)->composing()->value_name("KEY=VALUE"),
      "override a config value, e.g. modules.cpu.quantum_ns=100 (value parsed as JSON, else a string)")(
      "firmware,f", po::value(&options.firmware)->value_name("ELF"),
      "firmware image (overrides platform.firmware)")(
      "out,o", po::value(&options.out_dir)->value_name("DIR")->default_value("out"),
      "output folder: config.json, stats.json and every other file the run writes go inside it")(
      "gdb", po::value<std::string>()->value_name("PORT"),
      "serve GDB on 127.0.0.1:PORT; the CPU waits for the debugger before its first instruction "
      "(gdb-multiarch FW.elf -ex 'target remote :PORT', docs/firmware.md)")(
      "check", po::bool_switch(&options.check_only),
      "validate the configuration, firmware and inputs, then exit (0 = valid, 2 = not) without "
      "simulating or writing anything")("print-config", po::bool_switch(&options.print_config),
                                        "print the resolved configuration before running")(
      "system", po::value<std::string>()->value_name("NAME"),
      "decode run of a system: configs/systems/NAME.json (neupims, npu-pim, npu-only, hbm-pim, neupims-hbm3, ablations); implies the decode firmware")(
      "model", po::value<std::string>()->value_name("NAME"),
      "model: configs/models/NAME.json (gpt3-7b, gpt3-13b, gpt3-30b, gpt3-175b, gpt-tiny) or a JSON file")(
      "batch", po::value<std::string>()->value_name("N"),
      "requests per batch (modules.job.workload.batch)")(
      "dataset", po::value<std::string>()->value_name("NAME"),
      "sharegpt, alpaca, or a TSV file of input/output token counts (docs/workloads.md)")(
      "layers", po::value<std::string>()->value_name("N"),
      "decoder layers to simulate per iteration (0 = all; fewer are scaled, see docs/firmware.md)")(
      "trace", po::bool_switch(),
      "write all three traces into --out: timeline.json (Perfetto), waves.vcd + waves.gtkw "
      "(GTKWave), commands.db (SQLite); window and units via --set trace.start_ns/stop_ns/units (docs/tracing.md)");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>(), "")("argument",
                                                                po::value<std::string>(), "");
  po::options_description all;
  all.add(run_options).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("argument", 1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "neupims-vp: error: " << e.what() << " (see neupims-vp --help)\n";
    return kExitUsage;
  }
  if (vm.count("firmware") && options.firmware.empty()) {
    std::cerr << "neupims-vp: error: --firmware: the name is empty (give an ELF file, e.g. "
                 "--firmware hello.elf)\n";
    return kExitUsage;
  }
  if (vm.count("gdb")) {
    const std::string port = vm["gdb"].as<std::string>();
    const bool digits = !port.empty() && port.size() <= 5 && port[0] != '0' &&
                        port.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoul(port) > 65535) {
      std::cerr << "neupims-vp: error: --gdb: '" << port
                << "' is not a TCP port (allowed: 1 .. 65535)\n";
      return kExitUsage;
    }
    options.gdb_port = static_cast<std::uint16_t>(std::stoul(port));
  }
  if (vm.count("help") || argc == 1) {
    std::cout << run_options << kEpilog;
    return argc == 1 ? kExitUsage : 0;
  }
  if (vm.count("version")) {
    std::cout << "neupims-vp " << NPVP_VERSION << " (SystemC " << sc_core::sc_release() << ")\n";
    return 0;
  }
  const std::string command = vm.count("command") ? vm["command"].as<std::string>() : "";
  if (command == "list-modules") {
    vp::ModuleRegistry registry;
    vp::register_builtin_modules(registry);
    for (const auto& [type, description] : registry.types())
      std::cout << fmt::format("  {:<16} {}\n", type, description);
    std::cout << "\nPIM engines of mem.hbm_pim (memory config \"pim.engine\"; docs/memory.md):\n";
    for (const auto& engine : vp::hbm::pim_engines())
      std::cout << fmt::format("  {:<16} {}\n", engine.name, engine.summary);
    std::cout << "\nMEM/PIM arbitration policies (\"arbitration\"): dual: "
              << fmt::format("{}",
                             fmt::join(vp::hbm::arbitration_names(vp::hbm::PimMode::Dual), ", "))
              << "; blocked: "
              << fmt::format("{}",
                             fmt::join(vp::hbm::arbitration_names(vp::hbm::PimMode::Blocked), ", "))
              << "\n";
    return 0;
  }
  if (command != "check-commands" && vm.count("argument")) {
    std::cerr << "neupims-vp: error: unexpected argument '" << vm["argument"].as<std::string>()
              << "' after '" << command << "' (options start with --; see neupims-vp --help)\n";
    return kExitUsage;
  }
  if (command == "check-commands")
    return check_commands(vm.count("argument") ? vm["argument"].as<std::string>() : "");
  if (command != "run") {
    std::cerr << "neupims-vp: error: unknown command '" << command
              << "' (commands: run, check-commands, list-modules; see neupims-vp --help)\n";
    return kExitUsage;
  }
  if (options.config_file.empty()) {
    if (!vm.count("system")) {
      std::cerr
          << "neupims-vp: error: run needs --config FILE or --system NAME (see neupims-vp --help)\n";
      return kExitUsage;
    }
    options.config_file = std::string(NPVP_SOURCE_DIR) + "/configs/platforms/default.json";
  }
  try {
    // Shorthands become overrides placed before the user's --set (which win).
    std::vector<std::string> shorthand;
    if (vm.count("system"))
      shorthand = vp::system_overrides(vm["system"].as<std::string>(), options.config_file);
    // The values are handed to the config as given, so it checks them (range, sign, type).
    auto text = [&vm](const char* option) { return vm[option].as<std::string>(); };
    if (vm.count("model"))
      shorthand.push_back(vp::model_override(text("model"), options.config_file));
    if (vm.count("batch")) shorthand.push_back("modules.job.workload.batch=" + text("batch"));
    if (vm.count("dataset")) shorthand.push_back(vp::dataset_override(text("dataset")));
    if (vm.count("layers")) shorthand.push_back("modules.job.layers=" + text("layers"));
    if (vm["trace"].as<bool>())
      for (const char* sink :
           {"trace.perfetto=timeline.json", "trace.vcd=waves.vcd", "trace.sqlite=commands.db"})
        shorthand.emplace_back(sink);
    options.overrides.insert(options.overrides.begin(), shorthand.begin(), shorthand.end());
    return print_summary(vp::run_simulation(options, std::cout));
  } catch (const vp::UserInputError& e) {
    std::cerr << "neupims-vp: error: " << e.what() << '\n';
    return kExitUsage;
  } catch (const vp::SimulationError& e) {
    std::cerr << "neupims-vp: error: " << e.what() << '\n';
    return kExitSimFailed;
  } catch (const sc_core::sc_report& e) {
    std::string what = e.what();  // SystemC's text spans lines: keep the error on one
    std::replace(what.begin(), what.end(), '\n', ' ');
    std::cerr << "neupims-vp: error: SystemC: " << what << '\n';
    return kExitSimFailed;
  } catch (const std::exception& e) {  // a defect, not bad input: still one line, never a crash
    std::cerr << "neupims-vp: error: internal error: " << e.what() << '\n';
    return kExitSimFailed;
  }
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  // The run summary reports how a run ended; the kernel's own notice would only repeat it.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                          sc_core::SC_DO_NOTHING);
  return run_cli(argc, argv);
}

int main(int argc, char* argv[]) {
  // Keep stdout for the firmware and the summary.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
