// A named tree of statistics with units, dumped as JSON.
//
// Contract: modules register statistics once, at construction, under dotted names
// ("cpu.instructions_retired"). A statistic is read through a callback only when the tree is
// dumped, so counting costs the module nothing but its own counter. Registering the same name
// twice is a programming error and throws std::logic_error.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

namespace vp {

class StatsTree {
 public:
  using Value = std::variant<std::uint64_t, double>;
  using Reader = std::function<Value()>;

  void add(const std::string& name, const std::string& unit, const std::string& description,
           Reader reader);
  /// Convenience: a counter owned by the module.
  void add_counter(const std::string& name, const std::string& unit, const std::string& description,
                   const std::uint64_t& counter);

  [[nodiscard]] bool contains(const std::string& name) const;
  /// Current value of one statistic; throws std::out_of_range for an unknown name.
  [[nodiscard]] Value value(const std::string& name) const;
  [[nodiscard]] double as_double(const std::string& name) const;

  /// {"cpu": {"instructions_retired": {"value": 12, "unit": "insn", "description": "..."}}}
  [[nodiscard]] nlohmann::json to_json() const;

 private:
  struct Entry {
    std::string unit;
    std::string description;
    Reader reader;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace vp
