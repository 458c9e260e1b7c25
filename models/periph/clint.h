// periph.clint: a CLINT-style core-local timer and software interrupt (SiFive layout).
//
// Contract: mtime counts up at 1 / tick_ns from reset; writes to MTIME_LO/HI set it. The "mtip"
// output is high exactly while mtime >= mtimecmp (a timed event raises it at the crossing, so a
// sleeping hart is woken at the right simulated time); "msip" follows bit 0 of MSIP. mtimecmp
// resets to all ones, so no timer interrupt is pending after reset.
#pragma once

#include "models/periph/register_device.h"
#include "platform/registry.h"

namespace vp {

class Clint : public RegisterDevice {
 public:
  IrqOut mtip{"mtip"};
  IrqOut msip{"msip"};

  static const RegisterTable& registers();
  static void register_type(ModuleRegistry& registry);

  Clint(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context);

 private:
  [[nodiscard]] std::uint64_t mtime_at(const sc_core::sc_time& t) const;
  void set_mtime(std::uint64_t value);
  [[nodiscard]] std::uint64_t mtimecmp() const;
  void reschedule();
  void update_timer();

  sc_core::sc_time tick_;
  // mtime(t) = mtime_base_ + (t - epoch_) / tick_
  std::uint64_t mtime_base_ = 0;
  sc_core::sc_time epoch_ = sc_core::SC_ZERO_TIME;
  sc_core::sc_event crossing_;
  std::uint64_t interrupts_ = 0;
};

}  // namespace vp
