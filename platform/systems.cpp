#include "platform/systems.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "platform/error.h"
#include "platform/input_file.h"
#include "platform/utf8.h"

namespace vp {

namespace {

namespace fs = std::filesystem;

/// Whether `path` names a regular file; a name the file system refuses (too long, ...) does not.
bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

/// Command-line names are UTF-8 text (they end up in the JSON configuration).
void check_name(const std::string& option, const std::string& name) {
  if (!valid_utf8(name)) throw ConfigError(option + ": the name is not valid UTF-8");
  if (name.empty()) throw ConfigError(option + ": the name is empty");
}

/// NAME as an existing file, else <config folder>/../<kind>s/NAME.json; an unknown name is an
/// error that lists the names of that folder.
fs::path find_named(const std::string& option, const std::string& kind, const std::string& name,
                    const std::string& config_file) {
  const fs::path folder = fs::path(config_file).parent_path() / ".." / (kind + "s");
  check_name(option, name);
  fs::path file = name;
  if (is_file(file)) return file;
  file = folder / (name + ".json");
  if (is_file(file)) return file;
  std::vector<std::string> known;
  std::error_code ec;
  if (fs::is_directory(folder, ec))
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.path().extension() == ".json") known.push_back(entry.path().stem().string());
  std::sort(known.begin(), known.end());
  throw ConfigError(fmt::format("{}: unknown {} '{}' ({}s in {}: {}; or the path of a JSON file)",
                                option, kind, name, kind, folder.lexically_normal().string(),
                                fmt::join(known, ", ")));
}

/// "key=<value as a JSON string>", the form of a --set override.
std::string string_override(const std::string& key, const std::string& value) {
  return key + "=" + nlohmann::json(value).dump();
}

/// A file named on the command line, made absolute: the config resolves relative paths from
/// the config file's folder, the user meant the working directory.
std::string absolute_file(const std::string& path) {
  return fs::absolute(path).lexically_normal().string();
}

}  // namespace

std::string model_override(const std::string& name, const std::string& config_file) {
  const std::string key = "modules.job.model";
  check_name("--model", name);
  if (is_file(name)) return string_override(key, absolute_file(name));
  find_named("--model", "model", name, config_file);  // throws for an unknown name
  // A name from the models folder keeps the folder-relative form the platform files use.
  return string_override(key, "../models/" + name + ".json");
}

std::string dataset_override(const std::string& name) {
  // Names (sharegpt, alpaca) and missing files are left to the job device, which checks them.
  check_name("--dataset", name);
  return string_override("modules.job.workload.dataset",
                         is_file(name) ? absolute_file(name) : name);
}

std::vector<std::string> system_overrides(const std::string& name, const std::string& config_file) {
  const fs::path file = find_named("--system", "system", name, config_file);
  nlohmann::ordered_json doc;
  try {
    doc = nlohmann::ordered_json::parse(read_input_file(file.string(), "--system"));
  } catch (const InputError& e) {
    throw ConfigError(e.what());
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("{}: not valid JSON: {}", file.string(), e.what()));
  }
  if (!doc.is_object() || !doc.contains("set") || !doc["set"].is_object())
    throw ConfigError(
        fmt::format("{}: expected {{\"description\": ..., \"set\": {{\"key.path\": value, ...}}}}",
                    file.string()));
  for (const auto& [key, value] : doc.items())
    if (key != "set" && key != "description")
      throw ConfigError(
          fmt::format("{}: unknown key '{}' (allowed: description, set)", file.string(), key));
  std::vector<std::string> overrides;
  for (const auto& [key, value] : doc["set"].items()) overrides.push_back(key + "=" + value.dump());
  return overrides;
}

}  // namespace vp
