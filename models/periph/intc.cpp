#include "models/periph/intc.h"

#include <string>

namespace vp {

const RegisterTable& IntC::registers() {
  static const RegisterTable table{
      "periph.intc",
      "INTC",
      "Level-sensitive interrupt controller for device interrupts (up to 32 sources).",
      0x1000,
      {
          {"PENDING", 0x0, 0, RegAccess::ReadOnly, "Bit i: level of input src<i>."},
          {"ENABLE", 0x4, 0, RegAccess::ReadWrite, "Bit i: forward src<i> to the hart."},
          {"CLAIM", 0x8, 0, RegAccess::ReadOnly,
           "Lowest pending and enabled source number plus one; 0 when none."},
      }};
  return table;
}

void IntC::register_type(ModuleRegistry& registry) {
  add_module_type<IntC>(registry, "periph.intc", registers().summary);
}

IntC::IntC(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& /*context*/)
    : RegisterDevice(name, registers(), config) {
  const auto count = config.get_u64("sources", 8, 1, 32);
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string port = "src" + std::to_string(i);
    sources_.push_back(std::make_unique<IrqIn>(port.c_str()));
    ports_.irq_inputs[port] = sources_.back().get();
  }
  ports_.irq_outputs["irq"] = &irq;
  on_read("PENDING", [this] { return pending(); });
  on_read("CLAIM", [this] {
    const std::uint32_t active = pending() & stored("ENABLE");
    for (std::uint32_t i = 0; i < 32; ++i)
      if ((active >> i) & 1U) return i + 1;
    return 0U;
  });
  on_write("ENABLE", [this](std::uint32_t) { update(); });
}

void IntC::end_of_elaboration() {
  std::vector<IrqIn*> inputs;
  for (auto& s : sources_) inputs.push_back(s.get());
  watch_irq_inputs(inputs, "watch", [this] { update(); });
}

std::uint32_t IntC::pending() const {
  std::uint32_t bits = 0;
  for (std::size_t i = 0; i < sources_.size(); ++i)
    if (sources_[i]->read()) bits |= 1U << i;
  return bits;
}

void IntC::update() { irq.set((pending() & stored("ENABLE")) != 0); }

}  // namespace vp
