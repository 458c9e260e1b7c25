// The controller of one HBM2-PIM channel: queues, scheduling, page policy, refresh, the PIM
// command stream and bank state (MEM and PIM row buffers); MEM/PIM arbitration is a policy
// (arbitration_policy.h), which bus commands carry out a PIM op and what they compute is the
// channel's PIM engine (pim_engine.h). channel_controller.cpp decides and runs the MEM path;
// channel_controller_pim.cpp steps the PIM command stream.
//
// Contract:
// - Plain C++, driven by the memory module: add() work, then run_until(c) issues every command
//   that the policies choose for cycles < c, in time order, each at the earliest cycle the
//   TimingChecker allows, and appends the completions. It never needs a call per command.
// - Same-address order is kept: within a bank the chosen burst is never younger than another
//   queued burst to the same row, and bursts of one row are served oldest first.
// - PIM commands run strictly in order. In `dual` mode the arbitration policy
//   (arbitration_policy.h) decides when a MEM command may go before a waiting PIM command; the
//   default, pim-first, lets it only if it does not delay it (TimingChecker::bound_after). In
//   `blocked` mode the channel serves either MEM or PIM (switch to PIM when MEM has nothing
//   queued, back after the tile's last command when MEM work waits; the refuse-mem policy also
//   takes no MEM work while PIM commands are queued); `dram` mode refuses PIM commands.
// - G_ACT and PIM_PRE of "all banks" expand into per-bank-group / per-bank commands; G_ACT on a
//   bank whose PIM buffer (one buffer in blocked mode) holds another row closes it first.
// - A PIM engine with modes (pim_engine.h, switches_modes(); blocked mode) is switched into
//   its PIM mode before the first PIM command of a PIM phase and back when the phase ends,
//   before MEM commands and before a refresh.
// - Refresh: every tREFI per rank, staggered. It closes the rank's row buffers and issues REF;
//   meanwhile the rank takes no other commands. A PIM_HEADER whose estimated tile would run
//   into a due refresh pulls that refresh in; during a tile refresh is postponed (at most
//   8 x tREFI). Refresh can be disabled for experiments.
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "models/mem/address_mapping.h"
#include "models/mem/arbitration_policy.h"
#include "models/mem/bank_queues.h"
#include "models/mem/mem_request.h"
#include "models/mem/pim_engine.h"
#include "models/mem/scheduler_policy.h"
#include "models/mem/sparse_storage.h"
#include "models/mem/timing_checker.h"

namespace vp::hbm {

struct ControllerConfig {
  PimMode mode = PimMode::Dual;
  std::string scheduler = "fr-fcfs";
  std::string arbitration;  ///< "" = default_arbitration(mode)
  ArbitrationParams arbitration_params;
  bool closed_page = false;
  std::uint32_t queue_bursts = 64;  ///< MEM bursts queued per channel
  std::uint32_t pim_queue = 128;    ///< PIM commands queued per channel
  std::uint32_t row_hit_cap = 4;
  bool refresh = true;
  bool functional = false;
};

struct ChannelStats {
  std::array<std::uint64_t, kCommandCount> commands{};
  std::uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0;
  std::uint64_t bytes_read = 0, bytes_written = 0;
  std::uint64_t data_bus_cycles = 0;  ///< cycles the data bus carried MEM bursts
  std::uint64_t pim_tiles = 0;
  std::uint64_t pim_busy_cycles = 0;  ///< PIM_HEADER to the tile's last command
  std::uint64_t pim_errors = 0;
  std::uint64_t mode_switches = 0;     ///< blocked mode: MEM -> PIM switches
  std::uint64_t pim_phase_cycles = 0;  ///< blocked mode: cycles the channel was reserved for PIM
  std::uint64_t refreshes_pulled_in = 0;
  std::uint64_t refreshes_postponed = 0;
  std::uint64_t comps_in_compsreadres = 0;  ///< COMPs executed inside COMPS_READRES commands
  /// Per rank: cycles with at least one open MEM row / PIM row (closed by now()).
  std::vector<std::uint64_t> mem_active_cycles, pim_active_cycles;
};

/// One issued command, for observers (trace database, tests).
struct IssuedCommand {
  std::uint64_t cycle;
  Command command;
  BankId bank;
  Row row;
  Column column;
  std::uint64_t txn;  ///< the transaction served (its handle; HbmPimMemory's observers get its id),
                      ///< 0 for refresh and housekeeping
  std::uint32_t comps = 0;  ///< COMPS_READRES: the COMPs it runs
};

class ChannelController {
 public:
  ChannelController(Channel id, const MemoryParams& params, const ControllerConfig& config,
                    const AddressMapping& mapping, SparseStorage* storage);

  /// Room left in the MEM queue, in bursts (0 when an idle channel took a larger transaction).
  [[nodiscard]] std::size_t free_burst_slots() const {
    if (refuse_mem_while_pim_ && !pim_.empty()) return 0;
    return queued_bursts_ < queue_bursts_ ? queue_bursts_ - queued_bursts_ : 0;
  }
  [[nodiscard]] bool pim_slot_free() const { return pim_.size() < pim_queue_; }
  /// Takes a burst entry; it joins its bank queue when the channel next runs (run_until()),
  /// so the arrival touches only the inbox, not the bank state that the run reads anyway.
  void add(const MemBurst& burst);
  void add(const PimRequest& request);

  /// Returns the cycle of the next decision (>= until), or ~0 when nothing is left to decide
  /// but future refreshes.
  std::uint64_t run_until(std::uint64_t until, std::vector<Completion>& done);
  [[nodiscard]] bool has_work() const { return queued_bursts_ > 0 || !pim_.empty(); }
  /// The cycle the controller has decided up to.
  [[nodiscard]] std::uint64_t now() const { return now_; }

  [[nodiscard]] const ChannelStats& stats() const { return stats_; }
  /// Active-standby cycles per rank up to `cycle` (MEM and PIM row buffers).
  [[nodiscard]] std::uint64_t active_cycles(std::uint32_t rank, std::uint64_t cycle,
                                            bool pim) const;
  /// Energy in pJ up to `cycle`: commands plus background of every rank.
  [[nodiscard]] double energy_pj(std::uint64_t cycle) const;
  /// The part of energy_pj() spent by PIM commands.
  [[nodiscard]] double pim_energy_pj() const;
  [[nodiscard]] const TimingChecker& checker() const { return checker_; }
  [[nodiscard]] const PimEngine& engine() const { return *engine_; }
  std::function<void(const IssuedCommand&)> on_command;
  /// Called when the channel enters (true) or leaves (false) PIM use at `cycle`: a PIM tile
  /// (PIM_HEADER to its last command) in dual mode, the PIM phase in blocked mode.
  std::function<void(std::uint64_t cycle, bool pim)> on_pim_use;

 private:
  /// ModeExit: a PIM engine's switch back to its MEM mode (switches_modes()), before MEM
  /// commands and refresh.
  enum class Kind : std::uint8_t { None, Refresh, ModeExit, Pim, MemHit, MemOther };
  struct Decision {
    Kind kind = Kind::None;
    std::uint64_t cycle = ~0ULL;
    CommandTarget target;
    Row row;
    std::uint32_t bank_index = 0;  ///< MEM: bank; refresh: rank
    std::size_t queue_index = 0;   ///< MEM: position in the bank queue
    std::uint64_t seq = 0;         ///< MEM: age, for ties
    bool no_bus = false;           ///< PIM step with no bus command (HEADER, finished G_ACT)
  };

  [[nodiscard]] std::uint64_t refresh_due(std::uint32_t rank) const;
  /// The first cycle the rank takes no commands but its refresh (~0: refresh off).
  [[nodiscard]] std::uint64_t blocked_from(std::uint32_t rank) const;
  [[nodiscard]] bool rank_blocked(std::uint32_t rank, std::uint64_t cycle) const;
  /// Recomputes each rank's blocked_from and earliest_refresh_ after a change of a refresh
  /// schedule, a pull-in or tile_active_.
  void update_blocked();
  /// run_until()'s loop; kArbitrated: under a policy other than pim-first (one instantiation
  /// per case, so the default's decisions carry no policy checks; so do the functions below).
  template <bool kArbitrated>
  std::uint64_t run(std::uint64_t until, std::vector<Completion>& done);
  template <bool kArbitrated>
  [[nodiscard]] Decision decide();
  /// decide()'s MEM candidates and refresh against the PIM candidate already in `best`.
  template <bool kArbitrated>
  void decide_mem(Decision& best);
  void consider(Decision& best, const Decision& candidate) const;
  /// Whether a candidate at `cycle` of (kind, seq) comes before `best` (earlier, or as early and
  /// lower in order_of()).
  static bool leads(std::uint64_t cycle, Kind kind, std::uint64_t seq, const Decision& best) {
    return cycle < best.cycle ||
           (cycle == best.cycle && order_of(kind, seq) < order_of(best.kind, best.seq));
  }
  void refresh_candidate(Decision& best, std::uint32_t rank);
  /// The head PIM request's next step (only while PIM work is queued and may run).
  void pim_candidate(Decision& best);
  /// The head's next step. An all-bank G_ACT resumes its walk over the bank groups where the
  /// last call left it (PimRequest::walk_next) while no PIM row buffer has closed since; an
  /// all-bank PIM_PRE (with a second row buffer) resumes its walk over the banks.
  bool pim_step(PimRequest& head, Decision& step, std::string& error);
  template <bool kArbitrated>
  void execute(const Decision& d, std::vector<Completion>& done);
  void execute_pim(const Decision& d, std::vector<Completion>& done);
  template <bool kArbitrated>
  void execute_mem(const Decision& d, std::vector<Completion>& done);
  /// `flat`: the flat index of d.target.bank.
  void issue(const Decision& d, std::uint64_t txn, std::uint32_t flat);
  /// issue() for the PIM stream (channel_controller_pim.cpp; issue() is inlined in the MEM path).
  void issue_pim(const Decision& d, std::uint64_t txn, std::uint32_t flat);
  /// Starts a PIM tile at `cycle` (the first step of its HEADER).
  void start_tile(const PimCommand& header, std::uint64_t cycle);
  [[nodiscard]] const BankId& bank_id(std::uint32_t flat) const { return bank_ids_[flat]; }
  [[nodiscard]] std::uint8_t& pim_open(std::uint32_t flat) {
    return dual_ ? slots_[flat].pim_open : slots_[flat].mem_open;
  }
  [[nodiscard]] Row& pim_row(std::uint32_t flat) {
    return dual_ ? slots_[flat].pim_row : slots_[flat].mem_row;
  }

  // Members are ordered for the cache: the state every decision reads comes first, so a
  // channel woken after the 31 others ran touches few lines; configuration comes last.
  std::uint64_t now_ = 0;
  std::uint64_t decision_generation_ = 0;
  std::size_t queued_bursts_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint32_t banks_;
  std::uint32_t ranks_;
  std::uint32_t queue_bursts_;  ///< config_.queue_bursts
  std::uint32_t pim_queue_;     ///< config_.pim_queue
  bool in_order_ = false;       ///< scheduler_->in_order(), asked once
  bool dual_;
  bool blocked_;                         ///< config_.mode == blocked
  bool closed_page_;                     ///< config_.closed_page
  bool refresh_on_;                      ///< config_.refresh
  bool pim_waiting_set_ = false;         ///< pim_step_ is this decision's waiting PIM command
  std::uint64_t pim_waiting_cycle_ = 0;  ///< its cycle, if pim_waiting_set_
  // Timing the MEM path needs per burst (from params_).
  std::uint32_t burst_cycles_, read_latency_, write_latency_, burst_bytes_;
  std::vector<BankId> bank_ids_;  ///< Organization::bank_at() of every bank, without divisions

  BankQueues queues_;                 // per bank, arrival order
  std::vector<std::uint32_t> inbox_;  // staged entries added since the last run, in arrival order
  /// Puts a staged entry of the inbox into its bank queue (in arrival order, before any decision).
  void enqueue(std::uint32_t slot);
  std::deque<PimRequest> pim_;

  /// Per rank: refresh state, in one record (a decision reads all of it).
  struct RankRefresh {
    std::uint64_t due = 0;               ///< scheduled
    std::uint64_t pulled_in_to = ~0ULL;  ///< ~0: not pulled in
    std::uint64_t blocked_from = ~0ULL;  ///< blocked_from(), kept by update_blocked()
  };
  std::vector<RankRefresh> refresh_;
  /// min over the ranks of refresh_due(), kept by update_blocked(): a decision looks at the
  /// refresh candidates only when this is due by its best time.
  std::uint64_t earliest_refresh_ = ~0ULL;
  /// min over the ranks of blocked_from, kept by update_blocked(): from this cycle on some rank
  /// takes nothing but its refresh.
  std::uint64_t first_blocked_ = ~0ULL;
  /// PIM row buffers (the row buffers, without a second one) closed so far: a G_ACT walk's
  /// groups that held the row still hold it while this is unchanged.
  std::uint64_t pim_row_closes_ = 0;
  bool tile_active_ = false;
  std::uint64_t tile_start_ = 0;
  bool pim_phase_ = false;  // blocked mode: channel in PIM use
  std::uint64_t switch_start_ = 0;

  /// pim_step() of the head PIM request, valid until the head or a row buffer changes (its
  /// cycle is not kept: each decision computes it).
  Decision pim_step_;
  bool pim_step_ok_ = false;
  bool pim_step_valid_ = false;
  /// The decision run_until() stopped at; still valid while nothing added since beats it
  /// (add() checks the new burst's bank; a PIM command always decides again).
  Decision next_;
  bool next_valid_ = false;
  /// Per bank: the burst the scheduler picked and the command it needs next. It depends only
  /// on the bank's queue, open row and row-hit count, so it stays valid until one of them
  /// changes; its timing is read from the checker on every decision.
  struct BankChoice {
    bool valid = false;
    bool exists = false;
    Kind kind = Kind::None;
    Command command = Command::Act;
    std::uint32_t queue_index = 0;
    std::uint64_t seq = 0;
    std::uint64_t arrival = 0;
    Row row;
    BankId bank;
    std::uint32_t shared_key = 0;  ///< (rank, command): its entry in shared_
  };
  /// Per bank, one cache line: the cached choice and the row buffer state it depends on (a
  /// decision that looks at a bank reads both; a command to a bank writes both).
  struct alignas(64) BankSlot {
    BankChoice choice;
    std::uint8_t mem_open = 0;  ///< 0/1 (not bool: pim_open() hands out a reference to either)
    std::uint8_t pim_open = 0;
    std::uint32_t hits_since_act = 0;
    Row mem_row;
    Row pim_row;
  };
  static_assert(sizeof(BankSlot) == 64, "a bank's slot is one cache line");
  std::vector<BankSlot> slots_;
  void choose(std::uint32_t b);
  /// The index in shared_ of a command's (rank, command).
  static std::uint32_t shared_key(const BankId& bank, Command command) {
    return bank.rank.value * kCommandCount + static_cast<unsigned>(command);
  }
  /// A candidate's rank among those of the same cycle (lower wins): its kind in enum order
  /// (Refresh, Pim, MemHit, MemOther), then its age (seq).
  static std::uint64_t order_of(Kind kind, std::uint64_t seq) {
    constexpr std::uint64_t kSeqMask = (1ULL << 56) - 1;  // seq ~0 (no burst) stays the largest
    return (std::uint64_t{static_cast<std::uint8_t>(kind)} << 56) | std::min(seq, kSeqMask);
  }
  /// The MEM candidate leading a decision so far (a Decision is built only for the winner).
  struct Leader {
    std::uint64_t cycle;
    std::uint64_t order;  ///< order_of(kind, seq)
    std::uint32_t bank;
  };
  /// Per bank, for policies other than pim-first: 0, or 1 + the cycles its last MEM candidate
  /// delays the waiting PIM command it goes before (set with the candidate).
  std::vector<std::uint32_t> pim_pass_of_bank_;
  /// Per bank: a lower bound of its candidate's (cycle, order), kept from the last time the
  /// bank was evaluated. A candidate's cycle only grows while its choice stays (timing state,
  /// now_ and arrival never decrease), so a bank whose bound already loses to the leader is
  /// skipped without reading its choice or its timing rows. The cycle part is the larger of
  /// `cycle` and the shared time last computed for the candidate's (rank, command), which only
  /// grows too: a bank that tied on the C/A bus or a rank rule and lost on age is skipped at
  /// the next decision once that shared time has moved past the leader.
  struct Bound {
    std::uint64_t cycle = 0;
    std::uint64_t order = 0;
    std::uint32_t shared_key = 0;  ///< index in shared_; no_shared_key_ when the choice changed
  };
  std::vector<Bound> bounds_;
  void forget_choice(std::uint32_t b) {
    slots_[b].choice.valid = false;
    bounds_[b] = Bound{0, 0, no_shared_key_};
  }
  /// The entry of shared_ after the (rank, command) ones: never computed, its cycle stays 0.
  std::uint32_t no_shared_key_ = 0;
  /// The bank's MEM candidate, if it beats `best`; kArbitrated: under a policy other than
  /// pim-first (the controller keeps one instantiation per case).
  template <bool kArbitrated>
  void mem_candidate(Leader& best, std::uint32_t bank);
  /// Per (rank, command): TimingChecker::earliest_shared within the decision `generation`
  /// (from an earlier generation still a lower bound of it), and no_shared_key_'s entry.
  struct SharedEarliest {
    std::uint64_t generation = 0;
    std::uint64_t cycle = 0;
  };
  std::vector<SharedEarliest> shared_;
  void set_mem_open(std::uint32_t b, bool open);
  void set_pim_open(std::uint32_t b, bool open);
  std::uint32_t mem_open_count_ = 0;
  struct RankActivity {
    std::uint32_t open = 0;
    std::uint64_t since = 0;
  };
  std::vector<RankActivity> mem_activity_, pim_activity_;
  void note_open(std::vector<RankActivity>& activity, std::vector<std::uint64_t>& total,
                 std::uint32_t bank, bool open);
  /// Banks with queued bursts, or open rows to close under the closed-page policy.
  std::vector<std::uint64_t> active_;
  void update_active(std::uint32_t b);
  std::uint32_t pim_open_count_ = 0;
  bool pim_use_reported_ = false;
  void report_pim_use(std::uint64_t cycle);
  ChannelStats stats_;
  TimingChecker checker_;

  // Configuration and the functional data path.
  Channel id_;
  MemoryParams params_;
  ControllerConfig config_;
  const AddressMapping& mapping_;
  SparseStorage* storage_;
  std::unique_ptr<SchedulerPolicy> scheduler_;
  std::unique_ptr<ArbitrationPolicy> arbitration_;
  // What the policy asks of the controller, asked once.
  bool arbitration_pim_first_ = true;  ///< ArbitrationPolicy::builtin(): the inlined rule
  bool arbitration_gates_ = false;     ///< ArbitrationPolicy::gates()
  bool arbitration_observes_ = false;  ///< ArbitrationPolicy::observes()
  bool refuse_mem_while_pim_ = false;  ///< ArbitrationPolicy::refuses_mem_while_pim_queued()
  /// PIM commands issued so far, and the value it had when the waiting PIM command first
  /// waited (at wait_since_): PimWait::since.
  std::uint64_t pim_progress_ = 0, wait_progress_ = ~0ULL, wait_since_ = 0;
  /// pim_pass_of_bank_ of the MEM command the last decision chose (read when it executes).
  std::uint32_t decided_pim_pass_ = 0;
  /// The waiting PIM command for a policy; its `since` is the cycle it had at the first
  /// decision that asked after the previous PIM command issued.
  [[nodiscard]] PimWait pim_wait() {
    if (wait_progress_ != pim_progress_) {
      wait_progress_ = pim_progress_;
      wait_since_ = pim_waiting_cycle_;
    }
    return PimWait{pim_waiting_cycle_, wait_since_, &pim_step_.target};
  }
  /// Tells an observing policy what the PIM stream did.
  void pim_event(PimEvent::Kind kind, std::uint64_t cycle, Row row, BankId bank,
                 std::uint64_t busy_until);
  std::unique_ptr<PimEngine> engine_;
  bool engine_modes_ = false;  ///< engine_->switches_modes()
  bool pim_mode_on_ = false;   ///< the channel is in the engine's PIM mode
  /// The switch back to MEM mode as the decision `best` (it precedes MEM commands and refresh).
  void mode_exit_candidate(Decision& best);
  PimEngine::RowOf pim_rows_;  ///< the PIM row of a bank, for the engine's data path
};

}  // namespace vp::hbm
