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
    : tfaw_(timing.tFAW),
      gact_faw_activations_(fixes.gact_faw_activations),
      bank_groups_(org.bank_groups),
      bank_(org.banks(), Times{}),
      group_(std::size_t{org.ranks} * org.bank_groups, Times{}),
      rank_(org.ranks, Times{}),
      faw_(org.ranks, std::array<std::uint64_t, 4>{}),
      faw_count_(org.ranks, 0),
      org_(org),
      table_(build_constraints(timing, mode, fixes)) {
  if (org.ranks == 0 || org.ranks > kMaxRanks)  // the memory config allows 1..16
    throw std::logic_error(
        fmt::format("timing checker: {} ranks (1 to {} supported)", org.ranks, kMaxRanks));
  for (std::uint32_t b = 0; b < org.banks(); ++b) group_of_.push_back(b / org.banks_per_group);
  struct Folds {  // per issued command, while the table is compiled
    std::vector<Fold> local, shared;
    std::vector<Rule> generic;
  };
  std::array<Folds, kCommands> by_prev;
  for (const auto& row : table_) {
    // Fold into the coarsest of: the rule's scope, the earlier command's reach, the later
    // command's reach (it is checked at that level).
    const int where =
        std::max({level(row.scope), level(reach_of(row.prev)), level(reach_of(row.next))});
    const Rule rule{static_cast<std::uint8_t>(row.next),
                    static_cast<std::uint8_t>(where),
                    row.scope == Scope::OtherRanks && where < 3,
                    row.first_comp,
                    row.cycles,
                    row.per_comp,
                    row.min_comps};
    Folds& folds = by_prev[static_cast<unsigned>(row.prev)];
    if (rule.first_comp || rule.per_comp != 0) {
      folds.generic.push_back(rule);
    } else {
      auto fold = [&folds](std::uint8_t target, const Rule& r) {
        auto& list = target < kRankSlot ? folds.local : folds.shared;
        auto same = std::find_if(list.begin(), list.end(), [&](const Fold& f) {
          return f.target == target && f.next == r.next;
        });
        if (same == list.end())
          list.push_back(Fold{target, r.next, r.cycles});
        else
          same->cycles = std::max(same->cycles, r.cycles);
      };
      if (rule.other_ranks) {
        for (std::uint32_t k = 0; k + 1 < org.ranks; ++k)
          fold(static_cast<std::uint8_t>(kOtherRankSlot + k), rule);
      } else {
        fold(static_cast<std::uint8_t>(where), rule);  // kBankSlot .. kChannelSlot
      }
    }
    by_pair_[static_cast<unsigned>(row.prev)][static_cast<unsigned>(row.next)].push_back(rule);
  }
  // A fold is dropped when a coarser one of the same command raises the same later command at
  // least as far: every check of that command reads the coarser slot too (bank < bank group <
  // the issuing rank < channel; the other ranks' slots are covered by the channel only).
  for (Folds& folds : by_prev) {
    auto coarser = [](std::uint8_t covering, std::uint8_t covered) {
      if (covered >= kOtherRankSlot) return covering == kChannelSlot;
      return covering < kOtherRankSlot && covering > covered;
    };
    auto dominated = [&](const Fold& f) {
      for (const auto* list : {&folds.local, &folds.shared})
        for (const Fold& g : *list)
          if (g.next == f.next && g.cycles >= f.cycles && coarser(g.target, f.target)) return true;
      return false;
    };
    for (auto* list : {&folds.local, &folds.shared}) {
      std::vector<Fold> kept;
      for (const Fold& f : *list)
        if (!dominated(f)) kept.push_back(f);
      *list = std::move(kept);
    }
  }
  for (unsigned c = 0; c < kCommands; ++c) {
    FoldRange& range = by_prev_[c];
    range.local_begin = static_cast<std::uint16_t>(folds_.size());
    folds_.insert(folds_.end(), by_prev[c].local.begin(), by_prev[c].local.end());
    range.local_end = static_cast<std::uint16_t>(folds_.size());
    range.shared_pos = static_cast<std::uint16_t>(shared_per_rank_);
    range.shared_count = static_cast<std::uint16_t>(by_prev[c].shared.size());
    shared_per_rank_ += by_prev[c].shared.size();
    range.generic_begin = static_cast<std::uint16_t>(generic_.size());
    generic_.insert(generic_.end(), by_prev[c].generic.begin(), by_prev[c].generic.end());
    range.generic_end = static_cast<std::uint16_t>(generic_.size());
    for (unsigned n = 0; n < kCommands; ++n) {
      // The pair's rules by relation of the later command's bank to the earlier one's: the
      // same bank, another bank of the group, another group of the rank, another rank.
      PairBound& pair = pair_bounds_[c][n];
      const BankId same{Rank(0), BankGroup(0), Bank(0)};
      const std::array<BankId, 4> related = {same, BankId{Rank(0), BankGroup(0), Bank(1)},
                                             BankId{Rank(0), BankGroup(1), Bank(0)},
                                             BankId{Rank(1), BankGroup(0), Bank(0)}};
      pair.plain = activations_of(static_cast<Command>(c)) == 0 ||
                   activations_of(static_cast<Command>(n)) == 0;
      for (const Rule& rule : by_pair_[c][n]) {
        if (rule.first_comp || rule.per_comp != 0) pair.plain = false;
        for (unsigned k = 0; k < related.size(); ++k)
          if (reaches(rule.where, rule.other_ranks, same, related[k]))
            pair.cycles[k] = std::max(pair.cycles[k], rule.cycles);
      }
    }
    if (range.generic_end != range.generic_begin && ((kRareCommands >> c) & 1U) == 0)
      throw std::logic_error(
          fmt::format("timing checker: {} has COMP-count rules but is not a rare command",
                      to_string(static_cast<Command>(c))));
  }
  // The shared folds with their slots resolved for each issuing rank: its rank row, the
  // channel row and the other ranks' rows (kOtherRankSlot + k: the k-th rank but the issuer).
  shared_folds_.reserve(org.ranks * shared_per_rank_);
  for (std::uint32_t rank = 0; rank < org.ranks; ++rank) {
    Slots slots{};
    slots[kRankSlot] = rank_[rank].data();
    slots[kChannelSlot] = channel_.data();
    for (std::uint32_t r = 0, k = kOtherRankSlot; r < org.ranks; ++r)
      if (r != rank) slots[k++] = rank_[r].data();
    for (const Folds& folds : by_prev)  // in command order, as FoldRange::shared_pos counts
      for (const Fold& f : folds.shared)
        shared_folds_.push_back(SharedFold{slots[f.target] + f.next, f.cycles});
  }
}

unsigned TimingChecker::activations_of(Command command) const {
  if (command == Command::Act) return 1;
  if (command == Command::GAct) return gact_faw_activations_;
  return 0;
}

bool TimingChecker::reaches(int where, bool other_ranks, const BankId& prev,
                            const BankId& next) const {
  if (where >= 3) return true;
  if (other_ranks) return prev.rank != next.rank;
  if (prev.rank != next.rank) return false;
  if (where == 2) return true;
  if (prev.group != next.group) return false;
  return where == 1 || prev.bank == next.bank;
}

std::uint64_t TimingChecker::bound_after_walk(const CommandTarget& prev, std::uint64_t at,
                                              const CommandTarget& next) const {
  std::uint64_t t = 0;
  for (const Rule& rule : by_pair_[index(prev.command)][index(next.command)]) {
    if (rule.first_comp && (prev.command != Command::Comp || comp_since_readres_)) continue;
    if (!reaches(rule.where, rule.other_ranks, prev.bank, next.bank)) continue;
    std::uint64_t value = at + rule.cycles;
    if (rule.per_comp != 0)
      value += std::uint64_t{rule.per_comp} * std::max(prev.comps, rule.min_comps);
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
    if (count > index) t = std::max<std::uint64_t>(t, window[index] + tfaw_);
  }
  return t;
}

void TimingChecker::refuse(const CommandTarget& target, std::uint64_t cycle,
                           std::uint64_t allowed) const {
  throw std::logic_error(fmt::format("timing violation: {} at cycle {}, earliest legal is {}",
                                     to_string(target.command), cycle, allowed));
}

void TimingChecker::issue_rare(const CommandTarget& target, std::uint64_t cycle, std::uint32_t bank,
                               std::uint32_t group) {
  const std::uint32_t rank = target.bank.rank.value;
  const Command command = target.command;
  const FoldRange& range = by_prev_[index(command)];
  const bool first_comp = command == Command::Comp && !comp_since_readres_;
  for (unsigned i = range.generic_begin; i < range.generic_end; ++i) {
    const Rule& rule = generic_[i];
    if (rule.first_comp && !first_comp) continue;
    std::uint64_t value = cycle + rule.cycles;
    if (rule.per_comp != 0)
      value += std::uint64_t{rule.per_comp} * std::max(target.comps, rule.min_comps);
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
  auto record_activations = [this, rank, cycle](unsigned k) {
    auto& window = faw_[rank];
    for (unsigned i = 0; i < k; ++i) {
      std::copy_backward(window.begin(), window.end() - 1, window.end());
      window[0] = cycle;
    }
    faw_count_[rank] = std::min(4U, faw_count_[rank] + k);
  };
  if (command == Command::Act) record_activations(1);
  if (command == Command::GAct) record_activations(gact_faw_activations_);
  if (command == Command::Comp) comp_since_readres_ = true;
  if (command == Command::ReadRes || command == Command::CompsReadRes) comp_since_readres_ = false;
}

}  // namespace vp::hbm
