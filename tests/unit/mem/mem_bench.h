// Benches with mem.hbm_pim instances built from a config, each with an AT initiator bound to it.
#pragma once

#include <deque>
#include <map>
#include <memory>

#include "models/mem/hbm_pim_memory.h"
#include "platform/platform_builder.h"
#include "tests/support/at_initiator.h"

namespace test {

/// A simulation time in ns.
inline double ns(const sc_core::sc_time& t) { return t.to_seconds() * 1e9; }

/// A PIM command of `op` for `channel` (row `row` where the command takes one).
inline vp::hbm::PimExtension pim(vp::hbm::PimOp op, std::uint32_t channel, std::uint32_t row = 0) {
  vp::hbm::PimExtension e;
  e.op = op;
  e.channel = channel;
  e.row = row;
  return e;
}

/// Several memories in one simulation (SystemC elaborates once per process): name -> overrides.
struct MemBench {
  vp::Config config;
  vp::SimContext context;
  vp::ModuleRegistry registry;
  std::unique_ptr<vp::PlatformBuilder> builder;
  std::map<std::string, std::unique_ptr<AtInitiator>> initiators;
  std::deque<Request> requests;

  static nlohmann::json make_config(const std::map<std::string, nlohmann::json>& memories) {
    nlohmann::json modules = nlohmann::json::object();
    for (const auto& [name, overrides] : memories) {
      nlohmann::json module = {
          {"type", "mem.hbm_pim"},
          {"memory", std::string(NPVP_SOURCE_DIR) + "/configs/memory/neupims-hbm2.json"}};
      module.update(overrides);
      modules[name] = module;
    }
    return {{"modules", modules}};
  }

  explicit MemBench(const std::map<std::string, nlohmann::json>& memories,
                    const std::shared_ptr<vp::TraceSink>& sink = nullptr)
      : config(vp::Config::from_json(make_config(memories), "test")) {
    if (sink) context.events.attach(sink);  // before the modules: they check events.enabled()
    context.events.set_detail(true);        // per-command events too
    vp::register_builtin_modules(registry);
    vp::ConfigNode root = config.root();
    builder = std::make_unique<vp::PlatformBuilder>(root, registry, context);
    root.finish();
    for (const auto& [name, overrides] : memories) {
      initiators[name] = std::make_unique<AtInitiator>(("initiator_" + name).c_str());
      initiators[name]->socket.bind(builder->target(name, "test"));
    }
  }
  explicit MemBench(const nlohmann::json& overrides = nlohmann::json::object())
      : MemBench(std::map<std::string, nlohmann::json>{{"hbm", overrides}}) {}

  AtInitiator& cpu(const std::string& name = "hbm") { return *initiators.at(name); }
  vp::hbm::HbmPimMemory& memory(const std::string& name = "hbm") {
    return dynamic_cast<vp::hbm::HbmPimMemory&>(*builder->find(name));
  }
  /// Parameters of the first memory (all memories of a bench share the memory config).
  const vp::hbm::MemoryParams& params() { return memory(initiators.begin()->first).params(); }

  Request& make(tlm::tlm_command command, std::uint64_t address, std::size_t length) {
    requests.emplace_back(command, address, length);
    return requests.back();
  }
  /// A PIM command; data_length > 0 with `write` for GWRITE, read for READRES results.
  Request& pim(const vp::hbm::PimExtension& command, std::size_t data_length = 0,
               bool write = false) {
    auto& r = make(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, 0, data_length);
    r.payload.set_extension(new vp::hbm::PimExtension(command));
    return r;
  }
  /// Address of (channel, rank, group, bank, row, column) under the memory's mapping.
  std::uint64_t address(std::uint32_t channel, std::uint32_t flat_bank, std::uint32_t row,
                        std::uint32_t column = 0, const std::string& name = "hbm") {
    const auto& o = memory(name).params().org;
    vp::hbm::DramAddress a;
    a.channel = vp::hbm::Channel(channel);
    a.bank = vp::hbm::BankId{vp::hbm::Rank(flat_bank / o.banks_per_rank()),
                             vp::hbm::BankGroup((flat_bank / o.banks_per_group) % o.bank_groups),
                             vp::hbm::Bank(flat_bank % o.banks_per_group)};
    a.row = vp::hbm::Row(row);
    a.column = vp::hbm::Column(column);
    return memory(name).mapping().encode(a);
  }
  [[nodiscard]] double stat(const std::string& name) const { return context.stats.as_double(name); }

  /// Starts a thread that sends `stream` in order through memory `name`'s initiator and waits
  /// for every answer; run the simulation with sc_start().
  void spawn(const std::string& name, std::vector<Request*> stream) {
    AtInitiator* initiator = &cpu(name);
    sc_core::sc_spawn([initiator, stream = std::move(stream)] {
      for (auto* r : stream) initiator->send(r->payload);
      initiator->drain();
    });
  }
  /// Sends `stream` through the only memory and simulates until everything is answered.
  void run(std::vector<Request*> stream) {
    spawn(initiators.begin()->first, std::move(stream));
    sc_core::sc_start();
  }
};

}  // namespace test
