// The timing checker of one channel: earliest legal cycle for a command, and the state update
// when one is issued.
//
// Contract: earliest() never returns a cycle that breaks a row of the constraint table, the C/A
// bus rule (one command per cycle) or the tFAW window. issue() records a command and throws
// std::logic_error if it breaks any of them, so a controller cannot violate timing silently.
// Costs per issue are O(rows for that command), independent of the number of banks: each
// constraint is folded at issue time into the coarsest level the later command is checked at
// (bank, bank group, rank, channel); a fold that a coarser one of the same command covers (same
// later command, at least as many cycles) is dropped.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "models/mem/constraint_table.h"

namespace vp::hbm {

struct CommandTarget {
  Command command = Command::Act;
  BankId bank;              ///< For bank-group, rank or channel commands: any bank inside.
  std::uint32_t comps = 0;  ///< COMPS_READRES: number of COMPs.
};

class TimingChecker {
 public:
  TimingChecker(const Organization& org, const Timing& timing, PimMode mode,
                const TimingFixes& fixes);
  // It keeps pointers into its own tables (shared_folds_).
  TimingChecker(const TimingChecker&) = delete;
  TimingChecker& operator=(const TimingChecker&) = delete;

  [[nodiscard]] std::uint64_t earliest(const CommandTarget& target) const {
    return std::max(earliest_local(target), earliest_shared(target));
  }
  /// The part of earliest() kept per bank and bank group: it changes only when a command is
  /// issued to that bank group, so a scheduler may cache it.
  [[nodiscard]] std::uint64_t earliest_local(const CommandTarget& target) const {
    return earliest_local_at(target.command, flat_bank(target.bank), flat_group(target.bank));
  }
  /// earliest_local() of a bank-reach command (ACT, PRE, RD, WR, ...) to bank `flat`.
  [[nodiscard]] std::uint64_t earliest_in_bank(Command command, std::uint32_t flat) const {
    const unsigned n = index(command);
    return std::max(bank_[flat][n], group_[group_of_[flat]][n]);
  }
  /// The part shared by a rank or the channel (C/A bus, rank and channel rules, tFAW).
  [[nodiscard]] std::uint64_t earliest_shared(const CommandTarget& target) const {
    const unsigned n = index(target.command);
    const std::uint32_t rank = target.bank.rank.value;
    std::uint64_t t = std::max(bus_free_, channel_[n]);
    if (reach_of(target.command) != CommandReach::Channel) t = std::max(t, rank_[rank][n]);
    if (target.command == Command::Act) t = std::max(t, faw_earliest(rank, 1));
    if (target.command == Command::GAct && gact_faw_activations_ > 0)
      t = std::max(t, faw_earliest(rank, gact_faw_activations_));
    return t;
  }
  /// The bound that `prev`, if issued at `at`, alone would put on `next`: its rows of the table
  /// and the tFAW window as it would be with it (0 when none applies). The earliest cycle of
  /// `next` after `prev` is max(earliest(next), at + 1, bound_after(prev, at, next)). Used to
  /// keep a MEM command from delaying a waiting PIM command.
  [[nodiscard]] std::uint64_t bound_after(const CommandTarget& prev, std::uint64_t at,
                                          const CommandTarget& next) const {
    const PairBound& pair = pair_bounds_[index(prev.command)][index(next.command)];
    if (!pair.plain) [[unlikely]]
      return bound_after_walk(prev, at, next);
    const BankId& p = prev.bank;
    const BankId& n = next.bank;
    const unsigned relation = p.rank != n.rank ? 3 : p.group != n.group ? 2 : p.bank != n.bank;
    return pair.cycles[relation] != 0 ? at + pair.cycles[relation] : 0;
  }
  /// Inline: it runs once per command. What only some commands need (COMP-count rules, the
  /// activation window, the COMP state) is out of line, in issue_rare().
  void issue(const CommandTarget& target, std::uint64_t cycle) {
    issue_at(target, cycle, flat_bank(target.bank));
  }
  /// issue() with the flat index of target.bank (flat_bank()) known to the caller.
  void issue_at(const CommandTarget& target, std::uint64_t cycle, std::uint32_t bank) {
    const BankId& id = target.bank;
    const std::uint32_t group = flat_group(id);
    const std::uint64_t allowed = std::max(earliest_local_at(target.command, bank, group),
                                           earliest_shared(target));  // earliest()
    if (cycle < allowed) [[unlikely]]
      refuse(target, cycle, allowed);
    const FoldRange& range = by_prev_[index(target.command)];
    const bool rare = (kRareCommands >> index(target.command)) & 1U;
    if (rare) [[unlikely]]  // COMP-count rows, the tFAW window, the COMP state
      issue_rare(target, cycle, bank, group);
    // The local folds into this bank's and bank group's rows, then the shared ones, whose slots
    // are fixed per issuing rank.
    std::uint64_t* const rows[2] = {bank_[bank].data(), group_[group].data()};
    const Fold* const folds = folds_.data();
    for (const Fold *f = folds + range.local_begin, *end = folds + range.local_end; f != end; ++f)
      raise(rows[f->target][f->next], cycle + f->cycles);
    const SharedFold* const shared =
        shared_folds_.data() + std::size_t{id.rank.value} * shared_per_rank_ + range.shared_pos;
#pragma GCC unroll 8
    for (const SharedFold *f = shared, *end = shared + range.shared_count; f != end; ++f)
      raise(*f->slot, cycle + f->cycles);
    bus_free_ = cycle + 1;
  }

  [[nodiscard]] const std::vector<Constraint>& table() const { return table_; }
  [[nodiscard]] std::uint32_t flat_bank(const BankId& id) const { return org_.flat_bank(id); }

 private:
  static constexpr unsigned kCommands = kCommandCount;
  /// One row of earliest cycles, by later command. Rows start on a cache line, so the DRAM
  /// commands (the first entries) of a row are one line.
  struct alignas(64) Times : std::array<std::uint64_t, kCommands> {};
  static constexpr unsigned index(Command command) { return static_cast<unsigned>(command); }

  /// earliest_local() with the target's flat bank and flat bank group already computed (issue()
  /// needs both anyway).
  [[nodiscard]] std::uint64_t earliest_local_at(Command command, std::uint32_t bank,
                                                std::uint32_t group) const {
    const CommandReach reach = reach_of(command);  // compared, not switched: no jump table
    if (reach == CommandReach::Bank)
      return std::max(bank_[bank][index(command)], group_[group][index(command)]);
    return reach == CommandReach::BankGroup ? group_[group][index(command)] : 0;
  }
  [[nodiscard]] std::uint32_t flat_group(const BankId& id) const {
    return id.rank.value * bank_groups_ + id.group.value;
  }
  [[nodiscard]] std::uint64_t faw_earliest(std::uint32_t rank, unsigned activations) const {
    // Adding k activations at t needs the (5-k)-th newest earlier one to be tFAW old.
    const unsigned i = 4 - activations;
    if (faw_count_[rank] <= i) return 0;
    return faw_[rank][i] + tfaw_;
  }
  [[nodiscard]] unsigned activations_of(Command command) const;
  /// Commands with rules or state beyond the folds: the activations (tFAW), the COMPs and the
  /// READRES commands (COMP-count rules, first COMP after a READRES).
  static constexpr std::uint32_t kRareCommands =
      1U << static_cast<unsigned>(Command::Act) | 1U << static_cast<unsigned>(Command::GAct) |
      1U << static_cast<unsigned>(Command::Comp) | 1U << static_cast<unsigned>(Command::ReadRes) |
      1U << static_cast<unsigned>(Command::CompsReadRes);
  [[noreturn, gnu::cold, gnu::noinline]] void refuse(const CommandTarget& target,
                                                     std::uint64_t cycle,
                                                     std::uint64_t allowed) const;
  /// issue() for a command of kRareCommands: its generic rules, the activation window and the
  /// COMP state. The generic rules of other commands: none (checked by the constructor).
  void issue_rare(const CommandTarget& target, std::uint64_t cycle, std::uint32_t bank,
                  std::uint32_t group);
  /// Whether a row folded at `where` for an earlier command at `prev` reaches `next`'s banks.
  [[nodiscard]] bool reaches(int where, bool other_ranks, const BankId& prev,
                             const BankId& next) const;
  static void raise(std::uint64_t& slot, std::uint64_t value) {
    slot = value > slot ? value : slot;  // unconditional store: no branch to mispredict
  }

  /// A table row compiled for the checker: where its constraint is folded (0 bank, 1 bank
  /// group, 2 rank, 3 channel; `other_ranks`: every rank but the issuing one).
  struct Rule {
    std::uint8_t next;
    std::uint8_t where;
    bool other_ranks;
    bool first_comp;
    std::uint32_t cycles;
    std::uint32_t per_comp;
    std::uint32_t min_comps;
  };
  /// The rows an issued command folds, as one flat list (issue() runs one tight loop over it);
  /// rows of one target and one later command are merged into their maximum. Rows with a COMP
  /// count or a first-COMP condition stay generic.
  struct Fold {
    std::uint8_t target;  ///< kBankSlot, kGroupSlot, kRankSlot, kChannelSlot, kOtherRankSlot + k
    std::uint8_t next;
    std::uint32_t cycles;
  };
  static constexpr std::uint8_t kBankSlot = 0, kGroupSlot = 1, kRankSlot = 2, kChannelSlot = 3,
                                kOtherRankSlot = 4;  ///< + k: the k-th rank other than the issuer
  static constexpr unsigned kMaxRanks = 16;
  /// An issued command's folds: [local_begin, local_end) of folds_ (targets kBankSlot and
  /// kGroupSlot), shared_count shared folds (kRankSlot and up) from shared_pos in the issuing
  /// rank's block of shared_folds_, and [generic_begin, generic_end) of generic_. One array per
  /// kind for all commands keeps them in few cache lines.
  struct FoldRange {
    std::uint16_t local_begin = 0, local_end = 0;
    std::uint16_t shared_pos = 0, shared_count = 0;
    std::uint16_t generic_begin = 0, generic_end = 0;
  };
  using Slots = std::array<std::uint64_t*, kOtherRankSlot + kMaxRanks - 1>;
  /// A shared fold resolved for one issuing rank: the slot it raises.
  struct SharedFold {
    std::uint64_t* slot;
    std::uint64_t cycles;
  };

  // Members are ordered for the cache: what earliest() and issue() read comes first.
  std::uint64_t bus_free_ = 0;  // C/A bus: next free cycle
  bool comp_since_readres_ = false;
  std::uint32_t tfaw_;                  // Timing::tFAW
  std::uint32_t gact_faw_activations_;  // TimingFixes::gact_faw_activations
  std::uint32_t bank_groups_;           // org_.bank_groups (flat_group())
  Times channel_{};
  std::vector<std::uint32_t> group_of_;  // per bank: its flat bank group (no division per check)
  std::vector<Times> bank_;              // per bank: constraints on bank-reach commands
  std::vector<Times> group_;             // per bank group
  std::vector<Times> rank_;              // per rank
  std::vector<std::array<std::uint64_t, 4>> faw_;  // per rank: last 4 activations, newest first
  std::vector<unsigned> faw_count_;
  /// Per issuing rank, every command's shared folds with their slots resolved, in command
  /// order: shared_per_rank_ entries per rank.
  std::vector<SharedFold> shared_folds_;
  std::size_t shared_per_rank_ = 0;
  std::array<FoldRange, kCommands> by_prev_;
  std::vector<Fold> folds_;  ///< the local folds (bank and bank-group rows) of every command
  std::vector<Rule> generic_;
  Organization org_;

  std::vector<Constraint> table_;
  std::array<std::array<std::vector<Rule>, kCommands>, kCommands> by_pair_;
  /// Per (earlier, later command): bound_after()'s rows as one maximum per relation of the
  /// banks (same bank, same group, same rank, another rank; 0: none), when no row of the pair
  /// depends on a COMP count and the two do not both count in the tFAW window (`plain`);
  /// otherwise bound_after() walks by_pair_ (bound_after_walk()).
  struct PairBound {
    bool plain = true;
    std::array<std::uint32_t, 4> cycles{};
  };
  /// bound_after() from the pair's rows in by_pair_ and the tFAW window.
  [[nodiscard]] std::uint64_t bound_after_walk(const CommandTarget& prev, std::uint64_t at,
                                               const CommandTarget& next) const;
  std::array<std::array<PairBound, kCommands>, kCommands> pair_bounds_{};
};

}  // namespace vp::hbm
