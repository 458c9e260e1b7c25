// periph.simctl: the firmware's handle on the simulation.
//
// Contract: a write of EXIT ends the run with that exit code (0 = pass, anything else = fail).
// TIME_NS_LO/HI read the simulated time in nanoseconds at the access (read HI, LO, HI again to
// get a consistent 64-bit value). MARKER_BEGIN/END/INSTANT emit a trace event on track
// "firmware" carrying the marker id and the value last written to MARKER_ARG.
#pragma once

#include "models/periph/register_device.h"
#include "platform/registry.h"

namespace vp {

class SimCtl : public RegisterDevice {
 public:
  static const RegisterTable& registers();
  static void register_type(ModuleRegistry& registry);

  SimCtl(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context);

 private:
  void marker(TraceEvent::Kind kind, std::uint32_t id);
  [[nodiscard]] std::uint64_t now_ns() const;

  SimContext& context_;
  std::uint64_t markers_ = 0;
};

}  // namespace vp
