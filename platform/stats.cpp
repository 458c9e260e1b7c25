#include "platform/stats.h"

#include <stdexcept>

namespace vp {

void StatsTree::add(const std::string& name, const std::string& unit,
                    const std::string& description, Reader reader) {
  if (name.empty() || name.front() == '.' || name.back() == '.')
    throw std::logic_error("stats: malformed name '" + name + "'");
  if (!entries_.emplace(name, Entry{unit, description, std::move(reader)}).second)
    throw std::logic_error("stats: '" + name + "' registered twice");
}

void StatsTree::add_counter(const std::string& name, const std::string& unit,
                            const std::string& description, const std::uint64_t& counter) {
  add(name, unit, description, [&counter] { return Value{counter}; });
}

bool StatsTree::contains(const std::string& name) const { return entries_.count(name) != 0; }

StatsTree::Value StatsTree::value(const std::string& name) const {
  return entries_.at(name).reader();
}

double StatsTree::as_double(const std::string& name) const {
  return std::visit([](auto v) { return static_cast<double>(v); }, value(name));
}

nlohmann::json StatsTree::to_json() const {
  nlohmann::json root = nlohmann::json::object();
  for (const auto& [name, entry] : entries_) {
    nlohmann::json* node = &root;
    std::size_t start = 0;
    for (auto dot = name.find('.'); dot != std::string::npos; dot = name.find('.', start)) {
      node = &(*node)[name.substr(start, dot - start)];
      start = dot + 1;
    }
    nlohmann::json leaf;
    std::visit([&leaf](auto v) { leaf["value"] = v; }, entry.reader());
    leaf["unit"] = entry.unit;
    leaf["description"] = entry.description;
    (*node)[name.substr(start)] = leaf;
  }
  return root;
}

}  // namespace vp
