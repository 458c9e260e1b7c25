// Memory-model speed benchmark: a mixed stream on all 32 channels of mem.hbm_pim (dual mode,
// timing only): random 2 KiB reads and writes (many outstanding) and, per channel, PIM tiles
// (header, G_ACT of all banks, 16 COMPS_READRES of 32 COMPs, PIM_PRE). Reports DRAM+PIM commands
// issued per wall-clock second.
// Arguments (optional): a benchmark name, then key=value settings of the memory module, e.g.
//   bench_mem_commands_per_second aligned windows=aligned
// Ends with: BENCH <name, default mem_commands_per_second> <value> cmd/s
#include <chrono>
#include <cstdio>
#include <deque>
#include <random>

#include <systemc>

#include "models/mem/hbm_pim_memory.h"
#include "platform/platform_builder.h"
#include "tests/support/at_initiator.h"

using nlohmann::json;

int sc_main(int argc, char* argv[]) {
  const std::string name = argc > 1 ? argv[1] : "mem_commands_per_second";
  json hbm = {{"type", "mem.hbm_pim"},
              {"memory", std::string(NPVP_SOURCE_DIR) + "/configs/memory/neupims-hbm2.json"},
              {"mode", "dual"},
              {"functional", false}};
  for (int i = 2; i < argc; ++i) {
    const std::string setting = argv[i];
    const auto equals = setting.find('=');
    if (equals == std::string::npos) {
      std::fprintf(stderr, "expected key=value, got '%s'\n", setting.c_str());
      return 2;
    }
    const std::string value = setting.substr(equals + 1);
    hbm[setting.substr(0, equals)] = json::accept(value) ? json::parse(value) : json(value);
  }
  json document = {{"modules", {{"hbm", hbm}}}};
  auto config = vp::Config::from_json(document, "bench");
  vp::SimContext context;
  vp::ModuleRegistry registry;
  vp::register_builtin_modules(registry);
  vp::ConfigNode root = config.root();
  vp::PlatformBuilder builder(root, registry, context);
  auto& memory = dynamic_cast<vp::hbm::HbmPimMemory&>(*builder.find("hbm"));
  const auto& p = memory.params();
  test::AtInitiator cpu("initiator");
  cpu.keep_records = false;
  cpu.socket.bind(builder.target("hbm", "bench"));

  std::mt19937 rng(2024);
  std::vector<unsigned char> shared(4096);  // timing mode: the data is never touched
  std::deque<tlm::tlm_generic_payload> payloads;
  auto mem_request = [&](bool write, std::uint64_t address) -> tlm::tlm_generic_payload& {
    auto& t = payloads.emplace_back();
    t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t.set_address(address);
    t.set_data_ptr(shared.data());
    t.set_data_length(2048);
    t.set_streaming_width(2048);
    return t;
  };
  auto pim_request = [&](const vp::hbm::PimExtension& e,
                         unsigned length) -> tlm::tlm_generic_payload& {
    auto& t = payloads.emplace_back();
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_data_ptr(shared.data());
    t.set_data_length(length);
    t.set_streaming_width(length);
    t.set_extension(new vp::hbm::PimExtension(e));
    return t;
  };
  const std::uint32_t slices = p.org.row_bytes() / 2 / p.timing.pim_multipliers;
  std::vector<tlm::tlm_generic_payload*> order;
  const int rounds = 40;
  for (int round = 0; round < rounds; ++round) {
    for (std::uint32_t ch = 0; ch < p.org.channels; ++ch) {
      vp::hbm::PimExtension e;
      e.channel = ch;
      e.op = vp::hbm::PimOp::Header;
      e.comps = 16 * slices;
      e.readres = 16;
      order.push_back(&pim_request(e, 0));
      e.op = vp::hbm::PimOp::GAct;
      e.all_banks = true;
      e.row = 1000 + static_cast<std::uint32_t>(round);
      order.push_back(&pim_request(e, 0));
      for (int i = 0; i < 16; ++i) {
        e.op = vp::hbm::PimOp::CompsReadRes;
        e.comps = slices;
        e.last_in_tile = false;
        order.push_back(&pim_request(e, 2 * p.org.banks()));
      }
      e.op = vp::hbm::PimOp::PimPre;
      e.last_in_tile = true;
      order.push_back(&pim_request(e, 0));
    }
    for (int i = 0; i < 600; ++i)
      order.push_back(&mem_request(rng() % 3 == 0, (rng() % (1ULL << 34)) & ~2047ULL));
  }

  // Timed from the first request to the last response: elaboration and the simulation's
  // start-up are not the memory model's work.
  std::chrono::steady_clock::time_point start, stop;
  test::AtInitiator::run([&] {
    start = std::chrono::steady_clock::now();
    for (auto* t : order) cpu.send(*t);
    cpu.drain();
    stop = std::chrono::steady_clock::now();
  });
  const double wall = std::chrono::duration<double>(stop - start).count();
  double commands = 0;
  for (unsigned k = 0; k < vp::hbm::kCommandCount; ++k) {  // those of the memory's engine
    const std::string stat =
        std::string("hbm.commands.") + vp::hbm::to_string(static_cast<vp::hbm::Command>(k));
    if (context.stats.contains(stat)) commands += context.stats.as_double(stat);
  }
  std::printf(
      "%zu transactions, %.0f commands, %.3f us simulated, %.3f s wall, %.1f GB/s achieved\n",
      order.size(), commands, sc_core::sc_time_stamp().to_seconds() * 1e6, wall,
      context.stats.as_double("hbm.bandwidth_gbps"));
  std::printf("BENCH %s %.0f cmd/s\n", name.c_str(), commands / wall);
  return 0;
}
