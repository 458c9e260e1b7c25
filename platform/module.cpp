#include "platform/module.h"

namespace vp {

void watch_irq_inputs(const std::vector<IrqIn*>& inputs, const std::string& name,
                      std::function<void()> on_change) {
  sc_core::sc_spawn_options options;
  options.spawn_method();
  options.dont_initialize();
  bool any = false;
  for (IrqIn* in : inputs) {
    if (!in->bound()) continue;
    options.set_sensitivity(&in->port->value_changed_event());
    any = true;
  }
  if (any) sc_core::sc_spawn(std::move(on_change), name.c_str(), &options);
}

}  // namespace vp
