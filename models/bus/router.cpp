#include "models/bus/router.h"

#include <algorithm>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp {

void Router::register_type(ModuleRegistry& registry) {
  add_module_type<Router>(registry, "bus.router",
                          "LT system bus routing by the memory map in its config.");
}

Router::Router(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context)
    : sc_core::sc_module(name),
      in("in"),
      out("out"),
      latency_(static_cast<double>(config.get_u64("latency_ns", 0, 0, 1000000)), sc_core::SC_NS) {
  for (auto& entry : config.child_array("map")) {
    Region r;
    r.where = entry.path();
    r.target = entry.require_string("target");
    r.base = entry.require_address("base");
    if (entry.has("size")) r.size = entry.get_size("size", 0, 1, ~0ULL);
    entry.finish();
    regions_.push_back(r);
  }
  if (regions_.empty())
    throw ConfigError(
        fmt::format("{}: the map is empty (list the modules the bus reaches: "
                    "[{{\"target\": \"ram\", \"base\": \"0x80000000\"}}, ...])",
                    config.key_path("map")));
  in.register_b_transport(this, &Router::b_transport);
  in.register_transport_dbg(this, &Router::transport_dbg);
  in.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
  out.register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr);
  ports_.targets["in"] = &in;
  const std::string prefix = basename();
  context.stats.add_counter(prefix + ".transactions", "transactions", "accesses routed",
                            transactions_);
  context.stats.add_counter(prefix + ".decode_errors", "transactions",
                            "accesses to unmapped addresses", decode_errors_);
}

void Router::connect(ModuleLookup& lookup) {
  for (auto& r : regions_) {
    auto [module, port] = lookup.resolve_target(r.target, r.where + ".target");
    const std::uint64_t decoded = module->mapped_size(port);
    if (r.size == 0) r.size = decoded;
    if (decoded != 0 && r.size > decoded)
      throw ConfigError(fmt::format(
          "{}.size: {:#x} bytes is more than the {:#x} bytes '{}' decodes (leave size out to map "
          "exactly what it decodes)",
          r.where, r.size, decoded, r.target));
    if (r.size == 0)
      throw ConfigError(
          fmt::format("{}: target '{}' does not say how much it decodes; give "
                      "\"size\"",
                      r.where, r.target));
    if (r.base + r.size < r.base || r.base + r.size - 1 > 0xFFFFFFFFULL)
      throw ConfigError(fmt::format("{}: region {:#x}+{:#x} exceeds the 32-bit address space",
                                    r.where, r.base, r.size));
    out.bind(lookup.target(r.target, r.where + ".target"));
  }
  for (std::size_t i = 0; i < regions_.size(); ++i) {
    for (std::size_t j = i + 1; j < regions_.size(); ++j) {
      const auto& a = regions_[i];
      const auto& b = regions_[j];
      if (a.base < b.base + b.size && b.base < a.base + a.size)
        throw ConfigError(fmt::format(
            "{}: region '{}' [{:#x}, {:#x}) overlaps {} '{}' [{:#x}, {:#x})", b.where, b.target,
            b.base, b.base + b.size, a.where, a.target, a.base, a.base + a.size));
    }
  }
}

int Router::decode(std::uint64_t address, std::uint64_t length) const {
  for (std::size_t i = 0; i < regions_.size(); ++i) {
    const auto& r = regions_[i];
    if (address >= r.base && address - r.base < r.size)
      return (length <= r.size - (address - r.base)) ? static_cast<int>(i) : -1;
  }
  return -1;
}

void Router::b_transport(int /*id*/, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  ++transactions_;
  const auto global = trans.get_address();
  const int region = decode(global, trans.get_data_length());
  if (region < 0) {
    ++decode_errors_;
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  delay += latency_;
  trans.set_address(global - regions_[region].base);
  out[region]->b_transport(trans, delay);
  trans.set_address(global);
}

unsigned int Router::transport_dbg(int /*id*/, tlm::tlm_generic_payload& trans) {
  const auto global = trans.get_address();
  const int region = decode(global, trans.get_data_length());
  if (region < 0) return 0;
  trans.set_address(global - regions_[region].base);
  const unsigned int moved = out[region]->transport_dbg(trans);
  trans.set_address(global);
  return moved;
}

bool Router::get_direct_mem_ptr(int /*id*/, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  const auto global = trans.get_address();
  const int region = decode(global, 1);
  if (region < 0) return false;
  const auto& r = regions_[region];
  trans.set_address(global - r.base);
  const bool granted = out[region]->get_direct_mem_ptr(trans, dmi);
  trans.set_address(global);
  // Translate to global addresses and clip to the region.
  const std::uint64_t start = dmi.get_start_address() + r.base;
  const std::uint64_t end = std::min<std::uint64_t>(dmi.get_end_address(), r.size - 1) + r.base;
  dmi.set_start_address(start);
  dmi.set_end_address(end);
  return granted;
}

void Router::invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end) {
  const auto& r = regions_.at(static_cast<std::size_t>(id));
  const std::uint64_t last = std::min<std::uint64_t>(end, r.size - 1);
  for (unsigned int i = 0; i < in.size(); ++i)
    in[static_cast<int>(i)]->invalidate_direct_mem_ptr(r.base + start, r.base + last);
}

}  // namespace vp
