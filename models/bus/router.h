// bus.router: the system bus, an LT router built from the memory map in its config.
//
// Contract: "map" lists {target: "module[.port]", base, size?}; size defaults to what the target
// decodes. Regions must not overlap (checked when connecting, error names both entries). Any
// number of initiators bind to port "in". An access is forwarded with the address made local to
// the region; an address in no region, or an access that crosses a region's end, answers
// TLM_ADDRESS_ERROR_RESPONSE. DMI grants and invalidations are translated between local and
// global addresses; debug transport follows the same map. "latency_ns" is added per access.
#pragma once

#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "platform/registry.h"

namespace vp {

class Router : public sc_core::sc_module, public Module {
 public:
  tlm_utils::multi_passthrough_target_socket<Router> in;
  tlm_utils::multi_passthrough_initiator_socket<Router> out;

  struct Region {
    std::string target;  ///< "module.port" as written in the config.
    std::string where;   ///< JSON path of the map entry.
    std::uint64_t base = 0;
    std::uint64_t size = 0;  ///< 0 until connect() resolves it.
  };

  static void register_type(ModuleRegistry& registry);
  Router(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context);

  void connect(ModuleLookup& lookup) override;
  [[nodiscard]] const std::vector<Region>& regions() const { return regions_; }

 private:
  /// Index of the region holding [address, address+length), or -1.
  [[nodiscard]] int decode(std::uint64_t address, std::uint64_t length) const;

  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end);

  std::vector<Region> regions_;
  sc_core::sc_time latency_;
  std::uint64_t transactions_ = 0;
  std::uint64_t decode_errors_ = 0;
};

}  // namespace vp
