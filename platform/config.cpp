#include "platform/config.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "platform/error.h"
#include "platform/input_file.h"
#include "platform/utf8.h"

namespace vp {
namespace {

const json& empty_object() {
  static const json kEmpty = json::object();
  return kEmpty;
}

std::string type_name(const json& v) {
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_object()) return "object";
  if (v.is_array()) return "array";
  return "null";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

/// Decimal digits, or 0x-prefixed hex digits; no sign, no leading zeros (which other tools read
/// as octal), at most 2^64 - 1. Returns false when `text` is not such a number.
bool parse_unsigned_text(const std::string& text, std::uint64_t& value, bool& overflow) {
  overflow = false;
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::size_t first = hex ? 2 : 0;
  if (text.size() == first) return false;
  if (!hex && text.size() > 1 && text[0] == '0') return false;
  std::uint64_t v = 0;
  const unsigned base = hex ? 16 : 10;
  for (std::size_t i = first; i < text.size(); ++i) {
    const char c = text[i];
    unsigned digit = 0;
    if (c >= '0' && c <= '9')
      digit = static_cast<unsigned>(c - '0');
    else if (hex && c >= 'a' && c <= 'f')
      digit = static_cast<unsigned>(c - 'a' + 10);
    else if (hex && c >= 'A' && c <= 'F')
      digit = static_cast<unsigned>(c - 'A' + 10);
    else
      return false;
    if (v > (~0ULL - digit) / base) overflow = true;
    v = v * base + digit;
  }
  value = v;
  return true;
}

}  // namespace

std::uint64_t parse_u64(const json& value, const std::string& path) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    if (v < 0) throw ConfigError(fmt::format("{}: must not be negative (got {})", path, v));
    return static_cast<std::uint64_t>(v);
  }
  if (value.is_string()) {
    const auto text = value.get<std::string>();
    std::uint64_t v = 0;
    bool overflow = false;
    if (!parse_unsigned_text(text, v, overflow))
      throw ConfigError(
          fmt::format("{}: '{}' is not an unsigned integer (use decimal without leading zeros, or "
                      "0x-prefixed hex)",
                      path, text));
    if (overflow) throw ConfigError(fmt::format("{}: '{}' is larger than 2^64 - 1", path, text));
    return v;
  }
  throw ConfigError(fmt::format("{}: expected an unsigned integer or hex string, got {}", path,
                                type_name(value)));
}

std::uint64_t parse_size(const json& value, const std::string& path) {
  if (!value.is_string()) return parse_u64(value, path);
  const auto text = value.get<std::string>();
  if (text.rfind("0x", 0) == 0) return parse_u64(value, path);  // hex bytes, no unit
  std::size_t pos = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
  std::string number = text.substr(0, pos);
  std::string unit = text.substr(pos);
  unit.erase(0, unit.find_first_not_of(' '));
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  if (unit == "KiB") scale = 1ULL << 10;
  if (unit == "MiB") scale = 1ULL << 20;
  if (unit == "GiB") scale = 1ULL << 30;
  std::uint64_t count = 0;
  bool overflow = false;
  if (scale == 0 || !parse_unsigned_text(number, count, overflow))
    throw ConfigError(fmt::format(
        "{}: '{}' is not a size (allowed: bytes as an integer, or 'N B|KiB|MiB|GiB' with N in "
        "decimal without leading zeros or 0x-prefixed hex)",
        path, text));
  if (overflow || count > ~0ULL / scale)
    throw ConfigError(fmt::format("{}: '{}' is larger than 2^64 - 1 bytes", path, text));
  return count * scale;
}

ConfigNode::ConfigNode(const json& value, std::string path, json* resolved)
    : value_(&value), path_(std::move(path)), resolved_(resolved) {
  if (!value_->is_object())
    throw ConfigError(fmt::format("{}: expected an object, got {}",
                                  path_.empty() ? "<root>" : path_, type_name(*value_)));
  if (resolved_ != nullptr && !resolved_->is_object()) *resolved_ = json::object();
}

std::string ConfigNode::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool ConfigNode::has(const std::string& key) const { return value_->contains(key); }

const json* ConfigNode::lookup(const std::string& key, const char* expected_type) const {
  auto it = value_->find(key);
  if (it == value_->end()) return nullptr;
  const auto actual = type_name(*it);
  const std::string expected = expected_type;
  const bool ok = expected == actual || (expected == "number" && actual == "integer") ||
                  (expected == "integer" && actual == "string") || (expected == "any");
  if (!ok)
    throw ConfigError(fmt::format("{}: expected {}, got {}", key_path(key), expected, actual));
  return &*it;
}

void ConfigNode::record(const std::string& key, const json& value) {
  used_.insert(key);
  if (resolved_ != nullptr) (*resolved_)[key] = value;
}

std::string ConfigNode::get_string(const std::string& key, const std::string& fallback) {
  const json* v = lookup(key, "string");
  std::string out = v ? v->get<std::string>() : fallback;
  record(key, out);
  return out;
}

std::string ConfigNode::require_string(const std::string& key) {
  if (!has(key)) throw ConfigError(fmt::format("{}: required string is missing", key_path(key)));
  return get_string(key, "");
}

std::string ConfigNode::get_enum(const std::string& key, const std::string& fallback,
                                 const std::vector<std::string>& allowed) {
  auto out = get_string(key, fallback);
  for (const auto& a : allowed)
    if (a == out) return out;
  throw ConfigError(
      fmt::format("{}: '{}' is not allowed (allowed: {})", key_path(key), out, join(allowed)));
}

bool ConfigNode::get_bool(const std::string& key, bool fallback) {
  const json* v = lookup(key, "boolean");
  bool out = v ? v->get<bool>() : fallback;
  record(key, out);
  return out;
}

std::uint64_t ConfigNode::get_u64(const std::string& key, std::uint64_t fallback, std::uint64_t min,
                                  std::uint64_t max) {
  const json* v = lookup(key, "integer");
  std::uint64_t out = v ? parse_u64(*v, key_path(key)) : fallback;
  if (out < min || out > max)
    throw ConfigError(
        fmt::format("{}: {} is out of range (allowed: {} .. {})", key_path(key), out, min, max));
  record(key, out);
  return out;
}

std::uint64_t ConfigNode::require_u64(const std::string& key, std::uint64_t min,
                                      std::uint64_t max) {
  if (!has(key)) throw ConfigError(fmt::format("{}: required integer is missing", key_path(key)));
  return get_u64(key, 0, min, max);
}

double ConfigNode::get_double(const std::string& key, double fallback, double min, double max) {
  const json* v = lookup(key, "number");
  double out = v ? v->get<double>() : fallback;
  if (!(out >= min && out <= max))
    throw ConfigError(
        fmt::format("{}: {} is out of range (allowed: {} .. {})", key_path(key), out, min, max));
  record(key, out);
  return out;
}

std::uint64_t ConfigNode::get_address(const std::string& key, std::uint64_t fallback) {
  const json* v = lookup(key, "integer");
  std::uint64_t out = v ? parse_u64(*v, key_path(key)) : fallback;
  record(key, fmt::format("{:#x}", out));
  return out;
}

std::uint64_t ConfigNode::require_address(const std::string& key) {
  if (!has(key)) throw ConfigError(fmt::format("{}: required address is missing", key_path(key)));
  return get_address(key, 0);
}

std::uint64_t ConfigNode::get_size(const std::string& key, std::uint64_t fallback,
                                   std::uint64_t min, std::uint64_t max) {
  const json* v = lookup(key, "integer");
  std::uint64_t out = v ? parse_size(*v, key_path(key)) : fallback;
  if (out < min || out > max)
    throw ConfigError(fmt::format("{}: {} bytes is out of range (allowed: {} .. {} bytes)",
                                  key_path(key), out, min, max));
  record(key, out);
  return out;
}

ConfigNode ConfigNode::child(const std::string& key) {
  const json* v = lookup(key, "object");
  used_.insert(key);
  json* sub = nullptr;
  if (resolved_ != nullptr) {
    sub = &(*resolved_)[key];
    if (!sub->is_object()) *sub = json::object();
  }
  return ConfigNode(v ? *v : empty_object(), key_path(key), sub);
}

std::vector<ConfigNode> ConfigNode::child_array(const std::string& key) {
  const json* v = lookup(key, "array");
  used_.insert(key);
  std::vector<ConfigNode> out;
  if (v == nullptr) {
    if (resolved_ != nullptr) (*resolved_)[key] = json::array();
    return out;
  }
  json* sub = nullptr;
  if (resolved_ != nullptr) {
    // Size the resolved array up front: element pointers must stay valid.
    (*resolved_)[key] = json::array();
    sub = &(*resolved_)[key];
    for (std::size_t i = 0; i < v->size(); ++i) sub->push_back(json::object());
  }
  for (std::size_t i = 0; i < v->size(); ++i)
    out.emplace_back((*v)[i], fmt::format("{}[{}]", key_path(key), i), sub ? &(*sub)[i] : nullptr);
  return out;
}

std::vector<std::string> ConfigNode::object_keys(const std::string& key) {
  const json* v = lookup(key, "object");
  std::vector<std::string> keys;
  if (v == nullptr) return keys;
  for (auto it = v->begin(); it != v->end(); ++it) keys.push_back(it.key());
  return keys;
}

std::vector<std::string> ConfigNode::get_string_list(const std::string& key) {
  const json* v = lookup(key, "any");
  std::vector<std::string> out;
  if (v != nullptr && v->is_string()) {  // "a,b,c": what `--set key=a,b` gives
    const std::string text = v->get<std::string>();
    for (std::size_t begin = 0; begin <= text.size();) {
      const std::size_t comma = std::min(text.find(',', begin), text.size());
      std::string item = text.substr(begin, comma - begin);
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (item.empty())
        throw ConfigError(
            fmt::format("{}: empty name in the list '{}' (allowed: names separated by commas, or a "
                        "JSON array of strings)",
                        key_path(key), text));
      out.push_back(item);
      begin = comma + 1;
    }
  } else if (v != nullptr && v->is_array()) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string())
        throw ConfigError(fmt::format("{}[{}]: expected a string", key_path(key), i));
      out.push_back((*v)[i].get<std::string>());
    }
  } else if (v != nullptr) {
    throw ConfigError(
        fmt::format("{}: expected an array of strings or a comma-separated string, got {}",
                    key_path(key), type_name(*v)));
  }
  record(key, json(out));
  return out;
}

const json& ConfigNode::raw(const std::string& key) {
  const json* v = lookup(key, "any");
  if (v == nullptr) throw ConfigError(fmt::format("{}: required value is missing", key_path(key)));
  record(key, *v);
  return *v;
}

void ConfigNode::finish() const {
  std::vector<std::string> unknown;
  for (auto it = value_->begin(); it != value_->end(); ++it)
    if (used_.count(it.key()) == 0) unknown.push_back(it.key());
  if (unknown.empty()) return;
  std::vector<std::string> known(used_.begin(), used_.end());
  throw ConfigError(fmt::format("{}: unknown key '{}' (known keys here: {})",
                                key_path(unknown.front()), unknown.front(),
                                known.empty() ? "none" : join(known)));
}

namespace {

/// Parses JSON text (comments allowed) and rejects an object that names a key twice, which the
/// parser alone would resolve silently (last wins). `where` prefixes error messages.
json parse_strict(const std::string& text, const std::string& where) {
  std::vector<std::set<std::string>> keys;  // one set per open object
  std::vector<std::string> path;            // the key of each open object or array
  std::string last_key;
  auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        keys.emplace_back();
        path.push_back(last_key);
        last_key.clear();
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        keys.pop_back();
        path.pop_back();
        break;
      case json::parse_event_t::key: {
        last_key = parsed.get<std::string>();
        if (!keys.back().insert(last_key).second) {
          std::string at;
          for (const auto& p : path)
            if (!p.empty()) at += p + ".";
          throw ConfigError(fmt::format("{}: the key '{}{}' is given twice (each key once)", where,
                                        at, last_key));
        }
        break;
      }
      case json::parse_event_t::value: break;
    }
    return true;
  };
  return json::parse(text, callback, true, /*ignore_comments=*/true);
}

}  // namespace

Config Config::load_file(const std::string& file) {
  std::string text;
  try {
    text = read_input_file(file, "config file");
  } catch (const InputError& e) {
    throw ConfigError(e.what());
  }
  json document;
  try {
    document = parse_strict(text, file);
  } catch (const json::parse_error& e) {
    // e.byte is the offset of the error; convert it to line:column for the user.
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    const auto colon = what.rfind(": ");
    throw ConfigError(fmt::format("{}:{}:{}: malformed JSON: {}", file, line, column,
                                  colon == std::string::npos ? what : what.substr(colon + 2)));
  } catch (const json::exception& e) {  // e.g. a number beyond the range of a double (1e400)
    std::string what = e.what();
    const auto bracket = what.find("] ");
    throw ConfigError(fmt::format("{}: {}", file,
                                  bracket == std::string::npos ? what : what.substr(bracket + 2)));
  }
  return from_json(std::move(document), file);
}

Config Config::from_json(json document, std::string origin) {
  Config c;
  c.document_ = std::move(document);
  c.origin_ = std::move(origin);
  if (!c.document_.is_object())
    throw ConfigError(fmt::format("{}: the top level must be a JSON object", c.origin_));
  return c;
}

void Config::apply_override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(fmt::format("--set '{}': expected key.path=value", assignment));
  const std::string text = assignment.substr(eq + 1);
  if (!valid_utf8(assignment))
    throw ConfigError("--set: the assignment is not valid UTF-8 (keys and values are UTF-8 text)");
  json value;
  try {
    value = json::parse(text);
  } catch (const json::parse_error&) {
    value = text;                       // Not JSON: take it as a plain string.
  } catch (const json::exception& e) {  // valid JSON the parser cannot hold, e.g. 1e400
    throw ConfigError(
        fmt::format("--set '{}': '{}' is out of range for a number", assignment, text));
  }
  set(assignment.substr(0, eq), std::move(value), fmt::format("--set '{}'", assignment));
}

void Config::set(const std::string& path, json value, const std::string& where) {
  if (!valid_utf8(path) || (value.is_string() && !valid_utf8(value.get<std::string>())))
    throw ConfigError(fmt::format("{}: not valid UTF-8 (keys and values are UTF-8 text)",
                                  valid_utf8(where) ? where : "a value"));
  json* node = &document_;
  std::string walked;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (part.empty()) throw ConfigError(fmt::format("{}: empty path component", where));
    const bool last = dot == std::string::npos;
    if (node->is_array()) {
      std::size_t index = 0;
      try {
        std::size_t used = 0;
        if (part.size() > 1 && part[0] == '0') throw std::invalid_argument(part);
        index = std::stoul(part, &used, 10);
        if (used != part.size() || !std::isdigit(static_cast<unsigned char>(part[0])))
          throw std::invalid_argument(part);
      } catch (const std::exception&) {
        throw ConfigError(
            fmt::format("{}: '{}' is an array; '{}' is not an index", where, walked, part));
      }
      if (index >= node->size())
        throw ConfigError(fmt::format("{}: index {} is beyond the {} entries of '{}'", where, index,
                                      node->size(), walked));
      node = &(*node)[index];
    } else if (node->is_object()) {
      if (!last && !node->contains(part)) (*node)[part] = json::object();
      node = &(*node)[part];
    } else {
      throw ConfigError(fmt::format("{}: '{}' is not an object", where, walked));
    }
    walked += (walked.empty() ? "" : ".") + part;
    if (last) break;
    start = dot + 1;
  }
  *node = std::move(value);
}

ConfigNode Config::root() {
  resolved_ = json::object();
  return ConfigNode(document_, "", &resolved_);
}

}  // namespace vp
