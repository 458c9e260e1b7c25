#include "platform/module.h"

#include <filesystem>

namespace vp {

void SimContext::set_config_file(const std::string& config_file) {
  config_dir = std::filesystem::path(config_file).parent_path().string();
  if (config_dir.empty()) config_dir = ".";
}

std::string SimContext::resolve_path(const std::string& path) const {
  const std::filesystem::path given = path;
  if (given.is_absolute() || std::filesystem::exists(given)) return path;
  return (std::filesystem::path(config_dir) / given).string();
}

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
