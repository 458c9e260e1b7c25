// net.interconnect: the links between the devices of a multi-device platform.
//
// Contract: one instance per platform with several devices (the config's "devices" section
// adds it; docs/multi-device.md). Every NPU of the device set binds its "net" initiator to port
// "in"; the interconnect binds one initiator to each built NPU's "peer" port. A transaction on
// "in" must carry a net::PeerMessage (else TLM_GENERIC_ERROR_RESPONSE) naming source and
// destination by system device number; b_transport() returns when its bytes have arrived:
// timed by the Fabric (fabric.h: links with bandwidth, latency and per-message overhead in a
// ring, full, switch or explicit-links topology, cut-through over the shortest path), then
// delivered to the destination's "peer" port, or not delivered when the destination is a mirror
// (simulate "mirrored": only device i x mirror_group is built).
// Config: `preset` nvlink | pcie (the values below, each overridable), `topology`,
// `gbps` (per direction), `latency_ns` (per link), `overhead_ns` (per message),
// `switch_latency_ns`, `links` (topology "links": [[a, b], ...]). Presets (sources in
// docs/multi-device.md): nvlink = switch, 300 GB/s, 500 ns per link, 200 ns per message (A100
// NVLink 3 through NVSwitch); pcie = switch, 25 GB/s, 1000 ns per link, 500 ns per message
// (PCIe 4.0 x16 through a PCIe switch). Stats: messages, bytes, link busy time, the busiest
// link's share of the run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "models/net/fabric.h"
#include "platform/registry.h"

namespace vp::net {

class Interconnect : public sc_core::sc_module, public Module {
 public:
  tlm_utils::multi_passthrough_target_socket<Interconnect> in;
  tlm_utils::multi_passthrough_initiator_socket<Interconnect> out;

  static void register_type(ModuleRegistry& registry);
  Interconnect(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context);

  void connect(ModuleLookup& lookup) override;
  [[nodiscard]] const Fabric& fabric() const { return *fabric_; }

 private:
  void b_transport(int id, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);

  SimContext& context_;
  std::unique_ptr<Fabric> fabric_;
  std::string npu_;  ///< the device set's NPU (the module with a "peer" port)
  std::uint64_t messages_ = 0, bytes_ = 0, mirrored_ = 0;
};

}  // namespace vp::net
