#include "platform/registry.h"

#include <stdexcept>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp {

void ModuleRegistry::add(const std::string& type, const std::string& description, Factory factory) {
  if (!entries_.emplace(type, Entry{description, std::move(factory)}).second)
    throw std::logic_error("module type '" + type + "' registered twice");
}

std::unique_ptr<Module> ModuleRegistry::create(const std::string& type, const std::string& where,
                                               const std::string& instance_name, ConfigNode& config,
                                               SimContext& context) const {
  auto it = entries_.find(type);
  if (it == entries_.end()) {
    std::string known;
    for (const auto& [name, entry] : entries_) known += (known.empty() ? "" : ", ") + name;
    throw ConfigError(
        fmt::format("{}: unknown module type '{}' (known types: {})", where, type, known));
  }
  return it->second.factory(instance_name, config, context);
}

std::vector<std::pair<std::string, std::string>> ModuleRegistry::types() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, entry] : entries_) out.emplace_back(name, entry.description);
  return out;
}

}  // namespace vp
