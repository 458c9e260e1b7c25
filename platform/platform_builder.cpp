#include "platform/platform_builder.h"

#include <cctype>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp {
namespace {

template <typename Map>
std::string keys_of(const Map& map) {
  std::string out;
  for (const auto& [key, value] : map) out += (out.empty() ? "" : ", ") + key;
  return out.empty() ? "none" : out;
}

bool valid_instance_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

}  // namespace

PlatformBuilder::PlatformBuilder(ConfigNode& root, const ModuleRegistry& registry,
                                 SimContext& context) {
  ConfigNode modules = root.child("modules");
  for (const auto& name : root.object_keys("modules")) {
    if (!valid_instance_name(name))
      throw ConfigError(
          fmt::format("{}: module name '{}' must be a C identifier (letters, digits, '_')",
                      modules.key_path(name), name));
    ConfigNode node = modules.child(name);
    const std::string type = node.require_string("type");
    modules_[name] = registry.create(type, node.key_path("type"), name, node, context);
    types_[name] = type;
    node.finish();
    order_.push_back(name);
  }
  modules.finish();
  if (order_.empty()) throw ConfigError("modules: the platform has no modules");
  for (const auto& name : order_) modules_.at(name)->connect(*this);
  make_interrupts(root);
}

Module* PlatformBuilder::find(const std::string& name) const {
  auto it = modules_.find(name);
  return it == modules_.end() ? nullptr : it->second.get();
}

std::pair<Module*, std::string> PlatformBuilder::split(const std::string& reference,
                                                       const std::string& where) const {
  const auto dot = reference.find('.');
  const std::string name = reference.substr(0, dot);
  Module* module = find(name);
  if (module == nullptr)
    throw ConfigError(
        fmt::format("{}: no module named '{}' (modules: {})", where, name, keys_of(modules_)));
  return {module, dot == std::string::npos ? std::string() : reference.substr(dot + 1)};
}

std::pair<Module*, std::string> PlatformBuilder::resolve_target(const std::string& reference,
                                                                const std::string& where) {
  auto [module, port] = split(reference, where);
  const auto& targets = module->ports().targets;
  if (port.empty() && targets.size() > 1 && targets.count("in") != 0) port = "in";
  if (port.empty()) {
    if (targets.size() != 1)
      throw ConfigError(fmt::format("{}: '{}' has {} target ports; name one as '{}.<port>' ({})",
                                    where, reference, targets.size(), reference, keys_of(targets)));
    port = targets.begin()->first;
  }
  if (targets.count(port) == 0)
    throw ConfigError(fmt::format("{}: '{}' has no target port '{}' (target ports: {})", where,
                                  reference.substr(0, reference.find('.')), port,
                                  keys_of(targets)));
  return {module, port};
}

TargetSocketBase& PlatformBuilder::target(const std::string& reference, const std::string& where) {
  auto [module, port] = resolve_target(reference, where);
  TargetSocketBase* socket = module->ports().targets.at(port);
  const std::string key = reference.substr(0, reference.find('.')) + "." + port;
  const auto* category = dynamic_cast<const tlm::tlm_base_socket_if*>(socket);
  const bool multi =
      category != nullptr && (category->get_socket_category() & tlm::TLM_MULTI_SOCKET) != 0;
  const auto [it, first] = bound_by_.emplace(key, where);
  if (!first && !multi)
    throw ConfigError(fmt::format(
        "{}: '{}' is already connected through {}, and takes one initiator (reach it through a "
        "bus: name the bus here, and map '{}' on it)",
        where, key, it->second, key.substr(0, key.find('.'))));
  return *socket;
}

void PlatformBuilder::check_targets_connected() const {
  for (const auto& name : order_)
    for (const auto& [port, socket] : modules_.at(name)->ports().targets)
      if (bound_by_.count(fmt::format("{}.{}", name, port)) == 0)
        throw ConfigError(fmt::format(
            "modules.{}: its target port '{}' is connected to nothing (map it on a bus, e.g. "
            "{{\"target\": \"{}\", \"base\": ...}} in the bus's \"map\")",
            name, port, name));
}

void PlatformBuilder::make_interrupts(ConfigNode& root) {
  std::map<std::string, Line*> by_source;
  std::map<std::string, std::string> driver_of;
  for (auto& entry : root.child_array("interrupts")) {
    const std::string from = entry.require_string("from");
    const std::string to = entry.require_string("to");
    entry.finish();
    auto [source, out_name] = split(from, entry.key_path("from"));
    auto [sink, in_name] = split(to, entry.key_path("to"));
    auto& outputs = source->ports().irq_outputs;
    auto& inputs = sink->ports().irq_inputs;
    if (outputs.count(out_name) == 0)
      throw ConfigError(fmt::format("{}: '{}' has no interrupt output '{}' (outputs: {})",
                                    entry.key_path("from"), from.substr(0, from.find('.')),
                                    out_name, keys_of(outputs)));
    if (inputs.count(in_name) == 0)
      throw ConfigError(fmt::format("{}: '{}' has no interrupt input '{}' (inputs: {})",
                                    entry.key_path("to"), to.substr(0, to.find('.')), in_name,
                                    keys_of(inputs)));
    if (!driver_of.emplace(to, from).second)
      throw ConfigError(
          fmt::format("{}: input '{}' is already driven by '{}'; an input has one "
                      "driver",
                      entry.key_path("to"), to, driver_of[to]));
    auto& line = by_source[from];
    if (line == nullptr) {
      std::string signal_name = "irq_" + from;
      for (char& c : signal_name)
        if (c == '.') c = '_';
      lines_.push_back(std::make_unique<Line>(signal_name.c_str()));
      line = lines_.back().get();
      outputs.at(out_name)->port.bind(*line);
    }
    inputs.at(in_name)->port.bind(*line);
  }
}

}  // namespace vp
