#include "platform/systems.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "platform/error.h"

namespace vp {

std::vector<std::string> system_overrides(const std::string& name, const std::string& config_file) {
  namespace fs = std::filesystem;
  const fs::path folder = fs::path(config_file).parent_path() / ".." / "systems";
  fs::path file = name;
  if (!fs::is_regular_file(file)) file = folder / (name + ".json");
  if (!fs::is_regular_file(file)) {
    std::vector<std::string> known;
    if (fs::is_directory(folder))
      for (const auto& entry : fs::directory_iterator(folder))
        if (entry.path().extension() == ".json") known.push_back(entry.path().stem().string());
    std::sort(known.begin(), known.end());
    throw ConfigError(fmt::format("--system: unknown system '{}' (systems in {}: {})", name, folder.string(),
                                  fmt::join(known, ", ")));
  }
  std::ifstream in(file);
  nlohmann::ordered_json doc;
  try {
    doc = nlohmann::ordered_json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("{}: not valid JSON: {}", file.string(), e.what()));
  }
  if (!doc.is_object() || !doc.contains("set") || !doc["set"].is_object())
    throw ConfigError(fmt::format("{}: expected {{\"description\": ..., \"set\": {{\"key.path\": value, ...}}}}",
                                  file.string()));
  for (const auto& [key, value] : doc.items())
    if (key != "set" && key != "description")
      throw ConfigError(fmt::format("{}: unknown key '{}' (allowed: description, set)", file.string(), key));
  std::vector<std::string> overrides;
  for (const auto& [key, value] : doc["set"].items()) overrides.push_back(key + "=" + value.dump());
  return overrides;
}

}  // namespace vp
