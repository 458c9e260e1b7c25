// mem.ram: host RAM, a plain LT memory with DMI.
//
// Contract: "size" bytes, zero at reset, any access size and alignment inside the range.
// Accesses beyond the size answer TLM_ADDRESS_ERROR_RESPONSE. DMI is granted for the whole range
// with the configured latencies; debug transport reads and writes without timing.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "platform/registry.h"
#include "platform/zeroed_buffer.h"

namespace vp {

class Ram : public sc_core::sc_module, public Module {
 public:
  tlm_utils::simple_target_socket<Ram> socket;

  static void register_type(ModuleRegistry& registry);
  Ram(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context);

  [[nodiscard]] std::uint64_t mapped_size(const std::string& port) const override;

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  /// Checks range and byte enables; copies data. Returns bytes moved (0 on error).
  unsigned int copy(tlm::tlm_generic_payload& trans);

  ZeroedBuffer<unsigned char> storage_;  // pages exist once touched
  sc_core::sc_time read_latency_;
  sc_core::sc_time write_latency_;
};

}  // namespace vp
