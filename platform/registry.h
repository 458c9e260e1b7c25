// The module registry: every module type is created by its config "type" name.
//
// Contract: a type is registered once with a one-line description and a factory. create() with
// an unknown type throws ConfigError listing the known types. Swapping a model for another is a
// config edit: both register under different names and the config picks one.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/config.h"
#include "platform/module.h"

namespace vp {

class ModuleRegistry {
 public:
  /// A factory reads its own keys from `config` (the module's object, minus "type").
  using Factory = std::function<std::unique_ptr<Module>(const std::string& instance_name,
                                                        ConfigNode& config, SimContext& context)>;

  void add(const std::string& type, const std::string& description, Factory factory);
  [[nodiscard]] std::unique_ptr<Module> create(const std::string& type, const std::string& where,
                                               const std::string& instance_name, ConfigNode& config,
                                               SimContext& context) const;
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> types() const;

 private:
  struct Entry {
    std::string description;
    Factory factory;
  };
  std::map<std::string, Entry> entries_;
};

/// Registers module type T, constructed as T(name, config, context).
template <typename T>
void add_module_type(ModuleRegistry& registry, const std::string& type,
                     const std::string& description) {
  registry.add(type, description,
               [](const std::string& name, ConfigNode& config, SimContext& context) {
                 return std::make_unique<T>(name.c_str(), config, context);
               });
}

/// Registers every module that ships with the platform (models/builtin_modules.cpp).
void register_builtin_modules(ModuleRegistry& registry);

}  // namespace vp
