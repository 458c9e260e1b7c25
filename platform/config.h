// Typed, validated access to the JSON configuration.
//
// Contract: a ConfigNode wraps one JSON object and its path ("modules.cpu"). Every getter checks
// type and range and throws vp::ConfigError naming the path and what is allowed. Getters with a
// default record the value they used in the *resolved* configuration, so the resolved config that
// is printed and stored with every result says exactly what produced it. finish() rejects keys
// that no getter asked for (unknown keys), listing the known ones.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/error.h"

namespace vp {

using json = nlohmann::json;

/// Parses "0x80000000", "4096", 4096 as an unsigned 64-bit value.
std::uint64_t parse_u64(const json& value, const std::string& path);
/// Parses a size: an integer number of bytes or a string "16 MiB", "4 KiB", "1 GiB", "512 B".
std::uint64_t parse_size(const json& value, const std::string& path);

class ConfigNode {
 public:
  /// `value` must outlive the node; `resolved` receives the values actually used.
  ConfigNode(const json& value, std::string path, json* resolved);

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] bool has(const std::string& key) const;
  [[nodiscard]] std::string key_path(const std::string& key) const;

  std::string get_string(const std::string& key, const std::string& fallback);
  std::string require_string(const std::string& key);
  std::string get_enum(const std::string& key, const std::string& fallback,
                       const std::vector<std::string>& allowed);
  bool get_bool(const std::string& key, bool fallback);
  std::uint64_t get_u64(const std::string& key, std::uint64_t fallback, std::uint64_t min,
                        std::uint64_t max);
  std::uint64_t require_u64(const std::string& key, std::uint64_t min, std::uint64_t max);
  double get_double(const std::string& key, double fallback, double min, double max);
  /// An address: integer or hex string.
  std::uint64_t get_address(const std::string& key, std::uint64_t fallback);
  std::uint64_t require_address(const std::string& key);
  /// A byte size: integer or "N KiB|MiB|GiB".
  std::uint64_t get_size(const std::string& key, std::uint64_t fallback, std::uint64_t min,
                         std::uint64_t max);

  /// A nested object; missing means empty (all defaults).
  ConfigNode child(const std::string& key);
  /// A nested array of objects; missing means empty.
  std::vector<ConfigNode> child_array(const std::string& key);
  /// Keys of a nested object whose entries are objects (e.g. "modules").
  std::vector<std::string> object_keys(const std::string& key);
  /// A list of strings: a JSON array of strings or one string of comma-separated names;
  /// missing means empty.
  std::vector<std::string> get_string_list(const std::string& key);
  /// Raw JSON (marked as used); for values the caller validates itself.
  const json& raw(const std::string& key);

  /// Throws if the object has keys that no getter asked for.
  void finish() const;

 private:
  const json* lookup(const std::string& key, const char* expected_type) const;
  void record(const std::string& key, const json& value);

  const json* value_;
  std::string path_;
  json* resolved_;
  std::set<std::string> used_;
};

/// A whole configuration document: the parsed file plus overrides plus the resolved output.
class Config {
 public:
  /// Reads and parses a JSON file; throws ConfigError on I/O or syntax errors with line/column.
  static Config load_file(const std::string& file);
  static Config from_json(json document, std::string origin);

  /// Applies "a.b.c=value" (value parsed as JSON, else taken as a string). The path's parent must
  /// exist and be an object (or an array indexed by number).
  void apply_override(const std::string& assignment);
  /// Sets the value at "a.b.c" to `value` (as apply_override does); `where` names the source in
  /// errors (e.g. "--firmware").
  void set(const std::string& path, json value, const std::string& where);

  /// The root node; all validation goes through it. Call once per run.
  ConfigNode root();
  [[nodiscard]] const json& document() const { return document_; }
  /// The document itself, for expansions that add to it before modules are built
  /// (platform/device_layout.h).
  [[nodiscard]] json& mutable_document() { return document_; }
  [[nodiscard]] const json& resolved() const { return resolved_; }
  [[nodiscard]] const std::string& origin() const { return origin_; }

 private:
  json document_;
  json resolved_ = json::object();
  std::string origin_;
};

/// Reads the config file `file`, which the key `named_by` (e.g. "modules.job.model") names, and
/// returns use(Config&), which validates it. A ConfigError is rethrown so that it says where it
/// came from: "named_by: what" when the file cannot be read or parsed (those errors name the
/// file already), "named_by (file): what" when `use` rejects a value inside it.
template <class Use>
auto with_config_file(const std::string& file, const std::string& named_by, Use&& use) {
  std::optional<Config> loaded;
  try {
    loaded.emplace(Config::load_file(file));
  } catch (const ConfigError& e) {
    throw ConfigError(named_by + ": " + e.what());
  }
  try {
    return use(*loaded);
  } catch (const ConfigError& e) {
    throw ConfigError(named_by + " (" + file + "): " + e.what());
  }
}

}  // namespace vp
