#include "models/net/interconnect.h"

#include <algorithm>

#include <fmt/format.h>

#include "models/net/peer_message.h"

namespace vp::net {
namespace {

struct Preset {
  const char* name;
  Topology topology;
  LinkParams link;
  double switch_latency_ns;
};

// Sources and derivations: docs/multi-device.md (Interconnect presets).
constexpr Preset kPresets[] = {
    {"nvlink", Topology::Switch, {300.0, 500.0, 200.0}, 0.0},
    {"pcie", Topology::Switch, {25.0, 1000.0, 500.0}, 0.0},
};

Topology parse_topology(const std::string& name) {
  if (name == "ring") return Topology::Ring;
  if (name == "full") return Topology::Full;
  if (name == "links") return Topology::Links;
  return Topology::Switch;
}

}  // namespace

void Interconnect::register_type(ModuleRegistry& registry) {
  add_module_type<Interconnect>(
      registry, "net.interconnect",
      "Links between the devices of a multi-device platform (ring, full, switch or given links; "
      "bandwidth, latency, per-message overhead; presets nvlink and pcie).");
}

Interconnect::Interconnect(const sc_core::sc_module_name& name, ConfigNode& config,
                           SimContext& context)
    : sc_core::sc_module(name), in("in"), out("out"), context_(context) {
  const std::string preset_name = config.get_enum("preset", "nvlink", {"nvlink", "pcie"});
  const Preset* preset = kPresets;
  for (const auto& p : kPresets)
    if (preset_name == p.name) preset = &p;
  FabricSpec spec;
  spec.devices = context.devices.count;
  spec.topology = parse_topology(config.get_enum("topology", to_string(preset->topology),
                                                 {"ring", "full", "switch", "links"}));
  spec.link.gbps = config.get_double("gbps", preset->link.gbps, 0.0, 1e6);
  spec.link.latency_ns = config.get_double("latency_ns", preset->link.latency_ns, 0.0, 1e9);
  spec.link.overhead_ns = config.get_double("overhead_ns", preset->link.overhead_ns, 0.0, 1e9);
  spec.switch_latency_ns =
      config.get_double("switch_latency_ns", preset->switch_latency_ns, 0.0, 1e9);
  if (config.has("links")) {
    const json& links = config.raw("links");
    const std::string where = config.key_path("links");
    if (!links.is_array())
      throw ConfigError(
          fmt::format("{}: must be a list of device pairs, e.g. [[0, 1], [1, 2]]", where));
    for (std::size_t i = 0; i < links.size(); ++i) {
      const json& pair = links[i];
      if (!pair.is_array() || pair.size() != 2)
        throw ConfigError(fmt::format("{}[{}]: must be a pair of device numbers [a, b]", where, i));
      const std::string at = fmt::format("{}[{}]", where, i);
      spec.links.emplace_back(
          static_cast<std::uint32_t>(std::min<std::uint64_t>(parse_u64(pair[0], at), ~0U)),
          static_cast<std::uint32_t>(std::min<std::uint64_t>(parse_u64(pair[1], at), ~0U)));
    }
  }
  if (spec.topology == Topology::Links && spec.links.empty())
    throw ConfigError(fmt::format(
        "{}: topology 'links' needs the list of links (\"links\": [[0, 1], [1, 2], ...])",
        config.key_path("topology")));
  if (spec.topology != Topology::Links && !spec.links.empty())
    throw ConfigError(fmt::format("{}: a list of links needs topology 'links' (this is '{}')",
                                  config.key_path("links"), to_string(spec.topology)));
  npu_ = config.get_string("npu", "npu");
  if (const std::string problem = Fabric::check(spec); !problem.empty())
    throw ConfigError(fmt::format("{}: {}", config.path(), problem));
  fabric_ = std::make_unique<Fabric>(spec);
  in.register_b_transport(this, &Interconnect::b_transport);
  ports_.targets["in"] = &in;

  const std::string p = std::string(basename());
  context.stats.add_counter(p + ".messages", "messages", "messages between devices", messages_);
  context.stats.add_counter(p + ".bytes", "B", "bytes between devices", bytes_);
  context.stats.add_counter(p + ".mirrored_messages", "messages",
                            "messages to mirrors (timed, not delivered; simulate mirrored)",
                            mirrored_);
  context.stats.add(p + ".links", "links", "directed links of the topology", [this] {
    return StatsTree::Value{static_cast<std::uint64_t>(fabric_->links().size())};
  });
  context.stats.add(p + ".link_busy_ns", "ns", "time links carried messages, summed over links",
                    [this] {
                      double busy = 0;
                      for (const auto& l : fabric_->links()) busy += l.busy_ns;
                      return StatsTree::Value{busy};
                    });
  context.stats.add(p + ".busiest_link_utilization", "ratio",
                    "the busiest link's busy time / simulated time", [this] {
                      double busy = 0;
                      for (const auto& l : fabric_->links()) busy = std::max(busy, l.busy_ns);
                      const double now = sc_core::sc_time_stamp().to_seconds() * 1e9;
                      return StatsTree::Value{now > 0 ? busy / now : 0.0};
                    });
}

void Interconnect::connect(ModuleLookup& lookup) {
  const auto& devices = context_.devices;
  for (std::uint32_t i = 0; i < devices.simulated; ++i)
    out.bind(
        lookup.target(devices.module_name(npu_, i) + ".peer", fmt::format("{}.npu", basename())));
}

void Interconnect::b_transport(int /*id*/, tlm::tlm_generic_payload& payload,
                               sc_core::sc_time& delay) {
  auto* message = payload.get_extension<PeerMessage>();
  const auto& devices = context_.devices;
  if (message == nullptr || message->src >= devices.count || message->dst >= devices.count ||
      message->src == message->dst) {
    payload.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  const double now_ns = (sc_core::sc_time_stamp() + delay).to_seconds() * 1e9;
  const Fabric::Transfer t =
      fabric_->send(message->src, message->dst, payload.get_data_length(), now_ns);
  ++messages_;
  bytes_ += payload.get_data_length();
  const sc_core::sc_time arrival(t.arrival_ns, sc_core::SC_NS);
  if (arrival > sc_core::sc_time_stamp()) sc_core::wait(arrival - sc_core::sc_time_stamp());
  delay = sc_core::SC_ZERO_TIME;
  message->delivered = devices.is_built(message->dst);
  if (!message->delivered) {
    ++mirrored_;
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  out[static_cast<int>(devices.built_index(message->dst))]->b_transport(payload, delay);
}

}  // namespace vp::net
