// periph.intc: a small level-sensitive interrupt controller for device interrupts.
//
// Contract: inputs "src0".."src<N-1>" (N = "sources", at most 32). PENDING shows the input levels,
// ENABLE masks them, and output "irq" (to the hart's machine external interrupt) is high while
// PENDING & ENABLE is non-zero. CLAIM reads the lowest pending enabled source number plus one
// (0: none) and has no side effect; a source stays pending until its device lowers its line.
#pragma once

#include <memory>
#include <vector>

#include "models/periph/register_device.h"
#include "platform/registry.h"

namespace vp {

class IntC : public RegisterDevice {
 public:
  IrqOut irq{"irq"};

  static const RegisterTable& registers();
  static void register_type(ModuleRegistry& registry);

  IntC(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context);

 private:
  void end_of_elaboration() override;
  [[nodiscard]] std::uint32_t pending() const;
  void update();

  std::vector<std::unique_ptr<IrqIn>> sources_;
};

}  // namespace vp
