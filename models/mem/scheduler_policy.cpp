#include "models/mem/scheduler_policy.h"

#include <functional>
#include <map>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp::hbm {
namespace {

/// Oldest row hit first; the oldest request otherwise, or once `cap` hits in a row have been
/// served while an older request waits for another row (no starvation).
class FrFcfs : public SchedulerPolicy {
 public:
  explicit FrFcfs(std::uint32_t cap) : cap_(cap) {}
  std::size_t choose(const BankView& v) const override {
    if (!v.open) return 0;
    if (v.queue.front().row == v.open_row) return 0;
    if (cap_ != 0 && v.hits_since_activate >= cap_) return 0;
    for (std::size_t i = 1; i < v.queue.size(); ++i)
      if (v.queue[i].row == v.open_row) return i;
    return 0;
  }
  bool in_order() const override { return false; }

 private:
  std::uint32_t cap_;
};

/// Strict arrival order across the channel.
class Fcfs : public SchedulerPolicy {
 public:
  std::size_t choose(const BankView&) const override { return 0; }
  bool in_order() const override { return true; }
};

using Factory = std::function<std::unique_ptr<SchedulerPolicy>(std::uint32_t)>;
const std::map<std::string, Factory>& registry() {
  static const std::map<std::string, Factory> kPolicies = {
      {"fr-fcfs", [](std::uint32_t cap) { return std::make_unique<FrFcfs>(cap); }},
      {"fcfs", [](std::uint32_t) { return std::make_unique<Fcfs>(); }},
  };
  return kPolicies;
}

}  // namespace

std::vector<std::string> scheduler_names() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : registry()) names.push_back(name);
  return names;
}

std::unique_ptr<SchedulerPolicy> make_scheduler(const std::string& name, std::uint32_t row_hit_cap,
                                                const std::string& where) {
  auto it = registry().find(name);
  if (it == registry().end()) {
    std::string known;
    for (const auto& n : scheduler_names()) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError(fmt::format("{}: unknown scheduler '{}' (known: {})", where, name, known));
  }
  return it->second(row_hit_cap);
}

}  // namespace vp::hbm
