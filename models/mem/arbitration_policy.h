// How a channel shares its command bus between MEM commands and the PIM command stream, created
// by name (`arbitration`).
//
// Contract:
// - dual mode. The PIM queue runs strictly in order; while its head has a next command on the
//   bus that may issue at `wait.cycle`, the controller asks may_pass() about each MEM command
//   that could issue earlier (`mem.cycle < wait.cycle`). mem_leads() says whether, at this
//   decision, MEM has the precedence instead: then a MEM command wins a tie with the PIM command,
//   and the PIM command issues before a waiting MEM command only if it does not delay it.
// - gates() policies also refuse MEM commands while PIM work is queued or a tile runs, whether
//   or not a PIM command waits (refuses()): rows reserved by a tile, a GWRITE's bank.
// - observes() policies are told of every PIM_HEADER, GWRITE and tile end (pim_event()) and of
//   every MEM command issued while a PIM command waited (mem_passed(), with how many cycles it
//   delayed that command).
// - builtin() policies decide as the controller's own inlined rules do (pim-first in dual mode,
//   and both blocked-mode policies, whose only difference is admission): the controller asks
//   them nothing while it decides.
// - blocked mode: refuses_mem_while_pim_queued() makes the channel take no MEM work while PIM
//   commands are queued (its queue reports no free slot).
// - A policy only chooses among commands the TimingChecker allows at their cycle: no policy can
//   break a timing rule (the command-database checker replays every policy's runs).
// - Policies keep state per channel: make one per channel. make_arbitration() with an unknown
//   name, or a name for the other mode, throws ConfigError listing the known ones.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/mem/hbm_types.h"
#include "models/mem/timing_checker.h"

namespace vp::hbm {

/// The PIM command waiting for the bus.
struct PimWait {
  std::uint64_t cycle = 0;  ///< the earliest cycle it may issue
  std::uint64_t since = 0;  ///< its earliest cycle when it first waited (after the previous
                            ///< PIM command issued)
  const CommandTarget* target = nullptr;
};

/// A MEM command that could issue at `cycle`.
struct MemCommandView {
  Command command;
  BankId bank;
  Row row;
  std::uint64_t cycle;
};

/// What the PIM stream just did (pim_event()).
struct PimEvent {
  enum class Kind : std::uint8_t { TileStart, Gwrite, TileEnd } kind;
  std::uint64_t cycle;
  Row row;                     ///< TileStart: the tile's row
  BankId bank;                 ///< Gwrite: its bank
  std::uint64_t busy_until;    ///< Gwrite: when it completes; TileStart: the tile's estimated end
  std::uint64_t next_refresh;  ///< the next refresh due in the channel (~0: refresh off)
};

struct ArbitrationParams {
  std::uint32_t deadline_ck = 128;  ///< mem-first: how long MEM may hold a PIM command back
  std::uint32_t budget_ck = 64;     ///< delay-budget: delay MEM may add to one PIM tile
};

class ArbitrationPolicy {
 public:
  virtual ~ArbitrationPolicy() = default;
  /// Whether `mem` (mem.cycle < wait.cycle) may issue before the waiting PIM command.
  /// `delayed_to`: the PIM command's earliest cycle if `mem` issues (TimingChecker::bound_after).
  [[nodiscard]] virtual bool may_pass(const MemCommandView& mem, const PimWait& wait,
                                      std::uint64_t delayed_to) const = 0;
  [[nodiscard]] virtual bool builtin() const { return false; }
  [[nodiscard]] virtual bool mem_leads(const PimWait& /*wait*/) const { return false; }
  [[nodiscard]] virtual bool gates() const { return false; }
  [[nodiscard]] virtual bool refuses(const MemCommandView& /*mem*/) const { return false; }
  [[nodiscard]] virtual bool observes() const { return false; }
  virtual void pim_event(const PimEvent& /*event*/) {}
  virtual void mem_passed(const MemCommandView& /*mem*/, std::uint64_t /*delay*/) {}
  [[nodiscard]] virtual bool refuses_mem_while_pim_queued() const { return false; }
};

/// dual: "pim-first" (default), "slack", "mem-first", "delay-budget"; blocked: "switch"
/// (default), "refuse-mem". `where` names the config key in errors.
[[nodiscard]] std::unique_ptr<ArbitrationPolicy> make_arbitration(const std::string& name,
                                                                  PimMode mode,
                                                                  const ArbitrationParams& params,
                                                                  const Timing& timing,
                                                                  const std::string& where);
/// The policy a mode uses when none is named ("" for dram).
[[nodiscard]] std::string default_arbitration(PimMode mode);
[[nodiscard]] std::vector<std::string> arbitration_names(PimMode mode);

}  // namespace vp::hbm
