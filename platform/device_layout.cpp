#include "platform/device_layout.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace vp {
namespace {

/// The module a reference ("name" or "name.port") names.
std::string module_of(const std::string& reference) {
  return reference.substr(0, reference.find('.'));
}

bool in_set(const DeviceLayout& layout, const std::string& module) {
  return std::find(layout.modules.begin(), layout.modules.end(), module) != layout.modules.end();
}

/// `value` with every string naming a module of the set renamed for device i.
json renamed(const json& value, const DeviceLayout& layout, std::uint32_t i) {
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    const std::string module = module_of(text);
    if (!in_set(layout, module)) return value;
    return layout.module_name(module, i) + text.substr(module.size());
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, item] : value.items())  // a module's type is no reference
      out[key] = key == "type" ? item : renamed(item, layout, i);
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& item : value) out.push_back(renamed(item, layout, i));
    return out;
  }
  return value;
}

/// "intc.src0" -> "intc.src<0 + i>"; throws when the input has no trailing number.
std::string shifted_input(const std::string& to, std::uint32_t i, const std::string& where) {
  std::size_t digits = to.size();
  while (digits > 0 && std::isdigit(static_cast<unsigned char>(to[digits - 1]))) --digits;
  if (digits == to.size() || to.find('.') == std::string::npos)
    throw ConfigError(fmt::format(
        "{}: '{}' ends in no number, so the line cannot be repeated for the other devices (name "
        "an input like 'intc.src0'; device i then drives 'intc.src<i>')",
        where, to));
  return to.substr(0, digits) + std::to_string(std::stoul(to.substr(digits)) + i);
}

}  // namespace

std::string DeviceLayout::module_name(const std::string& base, std::uint32_t i) const {
  return i == 0 ? base : base + std::to_string(i);
}

std::uint32_t DeviceLayout::index_of(const std::string& module) const {
  for (std::uint32_t i = 0; i < simulated; ++i)
    for (const auto& base : modules)
      if (module_name(base, i) == module) return i;
  return 0;
}

DeviceLayout expand_devices(ConfigNode section, json& document) {
  DeviceLayout layout;
  layout.count = static_cast<std::uint32_t>(section.get_u64("count", 1, 1, 64));
  const std::string simulate = section.get_enum("simulate", "exact", {"exact", "mirrored"});
  layout.mirrored = simulate == "mirrored";
  layout.group = static_cast<std::uint32_t>(section.get_u64("mirror_group", 1, 1, layout.count));
  if (!layout.mirrored && layout.group != 1)
    throw ConfigError(
        fmt::format("{}: mirror_group {} needs simulate 'mirrored' (exact simulates every device)",
                    section.key_path("mirror_group"), layout.group));
  if (layout.count % layout.group != 0)
    throw ConfigError(fmt::format("{}: {} does not divide the {} devices",
                                  section.key_path("mirror_group"), layout.group, layout.count));
  layout.simulated = layout.count / layout.group;
  layout.bus_stride = section.get_address("bus_stride", layout.bus_stride);
  if (section.has("modules")) layout.modules = section.get_string_list("modules");
  if (layout.modules.empty())
    throw ConfigError(fmt::format("{}: name the modules of one device (e.g. [\"npu\", \"hbm\"])",
                                  section.key_path("modules")));
  const json net_config =
      section.has("interconnect") ? section.raw("interconnect") : json::object();
  if (!net_config.is_object())
    throw ConfigError(fmt::format("{}: must be an object (the interconnect module's config)",
                                  section.key_path("interconnect")));
  auto net_string = [&](const char* key, const char* fallback) {
    if (!net_config.contains(key)) return std::string(fallback);
    if (!net_config[key].is_string())
      throw ConfigError(
          fmt::format("{}.{}: must be a string", section.key_path("interconnect"), key));
    return net_config[key].get<std::string>();
  };
  const std::string net_name = net_string("name", "net");
  const std::string net_type = net_string("type", "net.interconnect");
  section.finish();
  if (layout.count == 1) return layout;

  json& modules = document["modules"];
  if (!modules.is_object()) throw ConfigError("modules: must be an object");
  for (const auto& base : layout.modules) {
    if (!modules.contains(base))
      throw ConfigError(fmt::format("{}: '{}' is not a module of this platform (modules: {})",
                                    section.key_path("modules"), base, [&] {
                                      std::string names;
                                      for (const auto& [key, v] : modules.items())
                                        names += (names.empty() ? "" : ", ") + key;
                                      return names;
                                    }()));
    for (std::uint32_t i = 1; i < layout.simulated; ++i) {
      const std::string name = layout.module_name(base, i);
      if (modules.contains(name))
        throw ConfigError(fmt::format(
            "modules.{}: the name is taken, but device {} of '{}' needs it (rename the module)",
            name, i, base));
      modules[name] = renamed(modules[base], layout, i);
    }
  }
  for (auto& [owner, module] : modules.items()) {  // map entries of the device set's targets
    if (!module.is_object() || !module.contains("map") || !module["map"].is_array()) continue;
    json& map = module["map"];
    const std::size_t entries = map.size();
    for (std::size_t e = 0; e < entries; ++e) {
      const json entry = map[e];
      if (!entry.is_object() || !entry.contains("target") || !entry["target"].is_string()) continue;
      if (!in_set(layout, module_of(entry["target"].get<std::string>()))) continue;
      const std::string where = fmt::format("modules.{}.map[{}].base", owner, e);
      if (!entry.contains("base"))
        throw ConfigError(
            fmt::format("{}: missing (each device's copy is mapped at base + i x "
                        "devices.bus_stride)",
                        where));
      const std::uint64_t base = parse_u64(entry["base"], where);
      for (std::uint32_t i = 1; i < layout.simulated; ++i) {
        json copy = renamed(entry, layout, i);
        copy["base"] = fmt::format("{:#x}", base + i * layout.bus_stride);
        map.push_back(copy);
      }
    }
  }
  if (document.contains("interrupts") && document["interrupts"].is_array()) {
    json& lines = document["interrupts"];
    const std::size_t count = lines.size();
    for (std::size_t e = 0; e < count; ++e) {
      const json line = lines[e];
      if (!line.is_object() || !line.contains("from") || !line["from"].is_string() ||
          !line.contains("to") || !line["to"].is_string())
        continue;
      if (!in_set(layout, module_of(line["from"].get<std::string>()))) continue;
      for (std::uint32_t i = 1; i < layout.simulated; ++i) {
        json copy = renamed(line, layout, i);
        copy["to"] =
            shifted_input(line["to"].get<std::string>(), i, fmt::format("interrupts[{}].to", e));
        lines.push_back(copy);
      }
    }
  }
  if (modules.contains(net_name))
    throw ConfigError(fmt::format(
        "modules.{}: the name is taken, but the interconnect of the {} devices needs it (set "
        "devices.interconnect.name)",
        net_name, layout.count));
  json net_module = net_config;
  net_module.erase("name");
  net_module["type"] = net_type;
  modules[net_name] = net_module;
  layout.interconnect = net_name;
  return layout;
}

}  // namespace vp
