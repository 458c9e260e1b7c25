#include "models/mem/arbitration_policy.h"

#include <algorithm>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp::hbm {
namespace {

/// PIM priority: a MEM command may use an idle C/A slot only if it does not delay the PIM
/// command that waits.
class PimFirst : public ArbitrationPolicy {
 public:
  bool builtin() const override { return true; }
  bool may_pass(const MemCommandView&, const PimWait& wait,
                std::uint64_t delayed_to) const override {
    return delayed_to <= wait.cycle;
  }
};

/// The public NeuPIMs simulator's dual-mode rule: while the PIM head is not ready, MEM reads and
/// writes issue freely; an ACT needs more than tRCD of slack and a PRE more than tRP + tRCD, and
/// each uses up tRCD (ACT) or tRP (PRE) of it; below 10 cycles of slack nothing issues. The
/// slack is set at each PIM_HEADER (time to the next refresh minus the tile's estimated length)
/// and GWRITE (time to the next refresh minus tRP + tRCD + the GWRITE's occupancy), and is 0
/// once a GWRITE completes. A tile reserves its row index: MEM commands to that row in any bank
/// wait until the tile ends. A GWRITE blocks its bank for MEM commands until it completes.
class Slack : public ArbitrationPolicy {
 public:
  explicit Slack(const Timing& t) : tRCD_(t.tRCD), tRP_(t.tRP), gwrite_(t.gwrite) {}
  bool may_pass(const MemCommandView& mem, const PimWait&, std::uint64_t) const override {
    const std::int64_t slack = slack_at(mem.cycle);
    if (slack < 10) return false;
    if (mem.command == Command::Act) return slack > tRCD_;
    if (mem.command == Command::Pre) return slack > tRP_ + tRCD_;
    return true;
  }
  bool gates() const override { return true; }
  bool refuses(const MemCommandView& mem) const override {
    if (tile_ && mem.row == reserved_row_) return true;
    return mem.cycle < gwrite_until_ && mem.bank == gwrite_bank_;
  }
  bool observes() const override { return true; }
  void pim_event(const PimEvent& e) override {
    const std::int64_t to_refresh =
        e.next_refresh == ~0ULL
            ? (std::int64_t{1} << 40)
            : static_cast<std::int64_t>(e.next_refresh) - static_cast<std::int64_t>(e.cycle);
    switch (e.kind) {
      case PimEvent::Kind::TileStart:
        tile_ = true;
        reserved_row_ = e.row;
        slack_ = to_refresh - static_cast<std::int64_t>(e.busy_until - e.cycle);
        slack_ends_ = ~0ULL;
        break;
      case PimEvent::Kind::Gwrite:
        slack_ = to_refresh - static_cast<std::int64_t>(tRP_ + tRCD_ + gwrite_);
        gwrite_bank_ = e.bank;
        gwrite_until_ = e.busy_until;
        slack_ends_ = e.busy_until;
        break;
      case PimEvent::Kind::TileEnd: tile_ = false; break;
    }
  }
  void mem_passed(const MemCommandView& mem, std::uint64_t) override {
    if (mem.command == Command::Act) slack_ -= tRCD_;
    if (mem.command == Command::Pre) slack_ -= tRP_;
  }

 private:
  /// The slack left at `cycle`: none once the last GWRITE has completed (until the next tile).
  std::int64_t slack_at(std::uint64_t cycle) const { return cycle >= slack_ends_ ? 0 : slack_; }
  std::int64_t tRCD_, tRP_, gwrite_;
  std::int64_t slack_ = 0;
  bool tile_ = false;
  Row reserved_row_;
  BankId gwrite_bank_;
  std::uint64_t gwrite_until_ = 0;  ///< the GWRITE's bank is off limits until then
  std::uint64_t slack_ends_ = ~0ULL;
};

/// MEM precedence with a deadline for PIM: a MEM command wins ties and holds the PIM command
/// back (the PIM command issues first only if it does not delay the MEM command) until the PIM
/// command has waited `deadline` cycles past its first earliest cycle; from then on, PIM
/// priority. A MEM command may delay the PIM command up to its deadline.
class MemFirst : public ArbitrationPolicy {
 public:
  explicit MemFirst(std::uint32_t deadline) : deadline_(deadline) {}
  bool may_pass(const MemCommandView&, const PimWait& wait,
                std::uint64_t delayed_to) const override {
    return delayed_to <= std::max(wait.cycle, wait.since + deadline_);
  }
  bool mem_leads(const PimWait& wait) const override { return wait.cycle < wait.since + deadline_; }

 private:
  std::uint64_t deadline_;
};

/// PIM priority with a bounded concession: MEM commands may delay the PIM commands of one tile
/// (from its PIM_HEADER to the next one; a GWRITE before a tile counts to the previous) by at
/// most `budget` cycles in total. 0 is pim-first; a large budget approaches earliest-first.
class DelayBudget : public ArbitrationPolicy {
 public:
  explicit DelayBudget(std::uint32_t budget) : budget_(budget), left_(budget) {}
  bool may_pass(const MemCommandView&, const PimWait& wait,
                std::uint64_t delayed_to) const override {
    return delayed_to <= wait.cycle + left_;
  }
  bool observes() const override { return true; }
  void pim_event(const PimEvent& e) override {
    if (e.kind == PimEvent::Kind::TileStart) left_ = budget_;
  }
  void mem_passed(const MemCommandView&, std::uint64_t delay) override {
    left_ -= std::min(left_, delay);
  }

 private:
  std::uint64_t budget_, left_;
};

/// Blocked mode as this platform's controller runs it: the channel switches to PIM when no MEM
/// work is queued and back after a tile when MEM work waits (the controller's rule).
class Switch : public ArbitrationPolicy {
 public:
  bool builtin() const override { return true; }
  bool may_pass(const MemCommandView&, const PimWait&, std::uint64_t) const override {
    return true;  // not asked in blocked mode
  }
};

/// Blocked mode as the public simulator's naive NPU+PIM runs it: its single queue takes no
/// memory command while PIM commands are queued.
class RefuseMem : public Switch {
 public:
  bool refuses_mem_while_pim_queued() const override { return true; }
};

struct Entry {
  PimMode mode;
  std::function<std::unique_ptr<ArbitrationPolicy>(const ArbitrationParams&, const Timing&)> make;
};

const std::map<std::string, Entry>& registry() {
  static const std::map<std::string, Entry> kPolicies = {
      {"pim-first",
       {PimMode::Dual, [](const auto&, const auto&) { return std::make_unique<PimFirst>(); }}},
      {"slack",
       {PimMode::Dual, [](const auto&, const Timing& t) { return std::make_unique<Slack>(t); }}},
      {"mem-first",
       {PimMode::Dual, [](const ArbitrationParams& p,
                          const auto&) { return std::make_unique<MemFirst>(p.deadline_ck); }}},
      {"delay-budget",
       {PimMode::Dual, [](const ArbitrationParams& p,
                          const auto&) { return std::make_unique<DelayBudget>(p.budget_ck); }}},
      {"switch",
       {PimMode::Blocked, [](const auto&, const auto&) { return std::make_unique<Switch>(); }}},
      {"refuse-mem",
       {PimMode::Blocked, [](const auto&, const auto&) { return std::make_unique<RefuseMem>(); }}},
  };
  return kPolicies;
}

}  // namespace

std::vector<std::string> arbitration_names(PimMode mode) {
  std::vector<std::string> names;
  for (const auto& [name, entry] : registry())
    if (entry.mode == mode) names.push_back(name);
  return names;
}

std::string default_arbitration(PimMode mode) {
  switch (mode) {
    case PimMode::Dual: return "pim-first";
    case PimMode::Blocked: return "switch";
    case PimMode::Dram: break;
  }
  return "";
}

std::unique_ptr<ArbitrationPolicy> make_arbitration(const std::string& name, PimMode mode,
                                                    const ArbitrationParams& params,
                                                    const Timing& timing,
                                                    const std::string& where) {
  auto it = registry().find(name);
  if (it == registry().end() || it->second.mode != mode) {
    std::string known;
    for (const auto& n : arbitration_names(mode)) known += (known.empty() ? "" : ", ") + n;
    if (known.empty())
      throw ConfigError(fmt::format("{}: '{}': {} mode has no MEM/PIM arbitration", where, name,
                                    to_string(mode)));
    throw ConfigError(fmt::format("{}: unknown arbitration '{}' for {} mode (known: {})", where,
                                  name, to_string(mode), known));
  }
  return it->second.make(params, timing);
}

}  // namespace vp::hbm
