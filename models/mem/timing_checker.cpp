#include "models/mem/timing_checker.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace vp::hbm {
namespace {

// Coarseness of a scope or reach: 0 bank, 1 bank group, 2 rank, 3 channel.
int level(Scope scope) {
  switch (scope) {
    case Scope::SameBank: return 0;
    case Scope::SameBankGroup: return 1;
    case Scope::SameRank:
    case Scope::OtherRanks: return 2;
    case Scope::Channel: return 3;
  }
  return 3;
}
int level(CommandReach reach) { return static_cast<int>(reach); }

}  // namespace

TimingChecker::TimingChecker(const Organization& org, const Timing& timing, PimMode mode,
                             const TimingFixes& fixes)
    : org_(org),
      timing_(timing),
      mode_(mode),
      fixes_(fixes),
      table_(build_constraints(timing, mode, fixes)),
      bank_(org.banks(), Times{}),
      group_(std::size_t{org.ranks} * org.bank_groups, Times{}),
      rank_(org.ranks, Times{}),
      faw_(org.ranks, std::array<std::uint64_t, 4>{}),
      faw_count_(org.ranks, 0) {
  for (const auto& row : table_) {
    // Fold into the coarsest of: the rule's scope, the earlier command's reach, the later
    // command's reach (it is checked at that level).
    const int where = std::max({level(row.scope), level(reach_of(row.prev)), level(reach_of(row.next))});
    const Rule rule{static_cast<std::uint8_t>(row.next), static_cast<std::uint8_t>(where),
                    row.scope == Scope::OtherRanks && where < 3, row.first_comp, row.cycles,
                    row.per_comp, row.min_comps};
    Folds& folds = by_prev_[static_cast<unsigned>(row.prev)];
    if (rule.first_comp || rule.per_comp != 0) {
      folds.generic.push_back(rule);
    } else {
      auto& list = rule.other_ranks ? folds.other_ranks
                   : where == 0     ? folds.bank
                   : where == 1     ? folds.group
                   : where == 2     ? folds.rank
                                    : folds.channel;
      // Rows of one level and one later command fold into their maximum.
      auto same = std::find_if(list.begin(), list.end(), [&rule](const Fold& f) { return f.next == rule.next; });
      if (same == list.end()) list.push_back(Fold{rule.next, rule.cycles});
      else same->cycles = std::max(same->cycles, rule.cycles);
    }
    by_pair_[static_cast<unsigned>(row.prev)][static_cast<unsigned>(row.next)].push_back(rule);
  }
}

unsigned TimingChecker::activations_of(Command command) const {
  if (command == Command::Act) return 1;
  if (command == Command::GAct) return fixes_.gact_faw_activations;
  return 0;
}

bool TimingChecker::reaches(int where, bool other_ranks, const BankId& prev, const BankId& next) const {
  if (where >= 3) return true;
  if (other_ranks) return prev.rank != next.rank;
  if (prev.rank != next.rank) return false;
  if (where == 2) return true;
  if (prev.group != next.group) return false;
  return where == 1 || prev.bank == next.bank;
}

std::uint64_t TimingChecker::bound_after(const CommandTarget& prev, std::uint64_t at,
                                         const CommandTarget& next) const {
  std::uint64_t t = 0;
  for (const Rule& rule : by_pair_[static_cast<unsigned>(prev.command)][static_cast<unsigned>(next.command)]) {
    if (rule.first_comp && (prev.command != Command::Comp || comp_since_readres_)) continue;
    if (!reaches(rule.where, rule.other_ranks, prev.bank, next.bank)) continue;
    std::uint64_t value = at + rule.cycles;
    if (rule.per_comp != 0) value += std::uint64_t{rule.per_comp} * std::max(prev.comps, rule.min_comps);
    t = std::max(t, value);
  }
  const unsigned added = activations_of(prev.command);
  const unsigned needed = activations_of(next.command);
  if (added > 0 && needed > 0 && prev.bank.rank == next.bank.rank) {
    // The window as it would be after `prev`, newest first.
    std::array<std::uint64_t, 8> window{};
    unsigned count = 0;
    for (unsigned i = 0; i < added && count < 4; ++i) window[count++] = at;
    for (unsigned i = 0; i < faw_count_[prev.bank.rank.value] && count < 4; ++i)
      window[count++] = faw_[prev.bank.rank.value][i];
    const unsigned index = 4 - needed;
    if (count > index) t = std::max<std::uint64_t>(t, window[index] + timing_.tFAW);
  }
  return t;
}

void TimingChecker::issue(const CommandTarget& target, std::uint64_t cycle) {
  const std::uint64_t allowed = earliest(target);
  if (cycle < allowed)
    throw std::logic_error(fmt::format("timing violation: {} at cycle {}, earliest legal is {}",
                                       to_string(target.command), cycle, allowed));
  const BankId& id = target.bank;
  const bool first_comp = target.command == Command::Comp && !comp_since_readres_;
  const std::uint32_t bank = flat_bank(id), group = flat_group(id), rank = id.rank.value;
  const Folds& folds = by_prev_[static_cast<unsigned>(target.command)];
  for (const Fold& f : folds.bank) raise(bank_[bank][f.next], cycle + f.cycles);
  for (const Fold& f : folds.group) raise(group_[group][f.next], cycle + f.cycles);
  for (const Fold& f : folds.rank) raise(rank_[rank][f.next], cycle + f.cycles);
  for (const Fold& f : folds.channel) raise(channel_[f.next], cycle + f.cycles);
  if (!folds.other_ranks.empty())
    for (std::uint32_t r = 0; r < org_.ranks; ++r)
      if (r != rank)
        for (const Fold& f : folds.other_ranks) raise(rank_[r][f.next], cycle + f.cycles);
  for (const Rule& rule : folds.generic) {
    if (rule.first_comp && !first_comp) continue;
    std::uint64_t value = cycle + rule.cycles;
    if (rule.per_comp != 0) value += std::uint64_t{rule.per_comp} * std::max(target.comps, rule.min_comps);
    if (rule.other_ranks) {
      for (std::uint32_t r = 0; r < org_.ranks; ++r)
        if (r != rank) raise(rank_[r][rule.next], value);
      continue;
    }
    switch (rule.where) {
      case 0: raise(bank_[bank][rule.next], value); break;
      case 1: raise(group_[group][rule.next], value); break;
      case 2: raise(rank_[rank][rule.next], value); break;
      default: raise(channel_[rule.next], value); break;
    }
  }
  bus_free_ = cycle + 1;
  auto record_activations = [this, &id, cycle](unsigned k) {
    auto& window = faw_[id.rank.value];
    for (unsigned i = 0; i < k; ++i) {
      std::copy_backward(window.begin(), window.end() - 1, window.end());
      window[0] = cycle;
    }
    faw_count_[id.rank.value] = std::min(4U, faw_count_[id.rank.value] + k);
  };
  if (target.command == Command::Act) record_activations(1);
  if (target.command == Command::GAct) record_activations(fixes_.gact_faw_activations);
  if (target.command == Command::Comp) comp_since_readres_ = true;
  if (target.command == Command::ReadRes || target.command == Command::CompsReadRes)
    comp_since_readres_ = false;
}

}  // namespace vp::hbm
