#include "models/mem/channel_controller.h"

#include <algorithm>

#include "models/mem/channel_energy.h"

namespace vp::hbm {
namespace {

constexpr std::uint64_t kNever = ~0ULL;

}  // namespace

ChannelController::ChannelController(Channel id, const MemoryParams& params,
                                     const ControllerConfig& config, const AddressMapping& mapping,
                                     SparseStorage* storage)
    : banks_(params.org.banks()),
      ranks_(params.org.ranks),
      queue_bursts_(config.queue_bursts),
      pim_queue_(config.pim_queue),
      dual_(config.mode == PimMode::Dual),
      blocked_(config.mode == PimMode::Blocked),
      closed_page_(config.closed_page),
      refresh_on_(config.refresh),
      burst_cycles_(params.timing.burst()),
      read_latency_(params.timing.read_latency()),
      write_latency_(params.timing.write_latency()),
      burst_bytes_(params.org.burst_bytes()),
      queues_(banks_),
      refresh_(params.org.ranks),
      slots_(banks_),
      bounds_(banks_),
      shared_(std::size_t{params.org.ranks} * kCommandCount + 1),
      mem_activity_(params.org.ranks),
      pim_activity_(params.org.ranks),
      active_((banks_ + 63) / 64, 0),
      checker_(params.org, params.timing, config.mode, params.fixes),
      id_(id),
      params_(params),
      config_(config),
      mapping_(mapping),
      storage_(config.functional ? storage : nullptr),
      scheduler_(make_scheduler(config.scheduler, config.row_hit_cap, "scheduler")),
      arbitration_(config.mode == PimMode::Dram
                       ? nullptr
                       : make_arbitration(
                             config.arbitration.empty() ? default_arbitration(config.mode)
                                                        : config.arbitration,
                             config.mode, config.arbitration_params, params.timing, "arbitration")),
      engine_(make_pim_engine(id, params, mapping, storage_)),
      pim_rows_([this](std::uint32_t bank) { return pim_row(bank); }) {
  engine_modes_ = engine_->switches_modes();
  in_order_ = scheduler_->in_order();
  pim_pass_of_bank_.assign(banks_, 0);
  if (arbitration_ != nullptr) {
    arbitration_pim_first_ = arbitration_->builtin();
    arbitration_gates_ = arbitration_->gates();
    arbitration_observes_ = arbitration_->observes();
    refuse_mem_while_pim_ = arbitration_->refuses_mem_while_pim_queued();
  }
  no_shared_key_ = params.org.ranks * kCommandCount;
  for (std::uint32_t b = 0; b < banks_; ++b) forget_choice(b);
  bank_ids_.reserve(banks_);
  for (std::uint32_t b = 0; b < banks_; ++b) {
    bank_ids_.push_back(params.org.bank_at(b));
    slots_[b].choice.bank = bank_ids_.back();  // fixed: choose() does not write it
  }
  // Staggered: one rank every tREFI / ranks.
  for (std::uint32_t r = 0; r < params.org.ranks; ++r)
    refresh_[r].due = std::uint64_t{params.timing.tREFI} * (r + 1) / params.org.ranks;
  stats_.mem_active_cycles.assign(params.org.ranks, 0);
  stats_.pim_active_cycles.assign(params.org.ranks, 0);
  update_blocked();
}

void ChannelController::add(const MemBurst& burst) {
  queued_bursts_ += burst.bursts;  // free_burst_slots() counts it at once
  inbox_.push_back(queues_.stage(burst));
}

void ChannelController::enqueue(std::uint32_t slot) {
  MemBurst& burst = queues_.staged(slot);
  const std::uint32_t b = burst.flat_bank;
  burst.seq = next_seq_++;
  forget_choice(b);
  queues_.link(b, slot);
  update_active(b);
  // The decision run_until() stopped at stays the next one unless the new burst's bank now
  // beats it: no other candidate changed, nor the checker, since it was made. Blocked mode
  // (an arrival can end a PIM phase), FCFS (the new burst is never the oldest unless alone) and
  // a decision for this very bank (its choice may change) decide again.
  if (!next_valid_) return;
  const bool keep =
      !blocked_ && !in_order_ && arbitration_pim_first_ && next_.kind != Kind::None &&
      !((next_.kind == Kind::MemHit || next_.kind == Kind::MemOther) && next_.bank_index == b);
  if (!keep) {
    next_valid_ = false;
    return;
  }
  Leader probe{next_.cycle, order_of(next_.kind, next_.seq), banks_};
  mem_candidate<false>(probe, b);  // keep is only for pim-first
  if (probe.bank != banks_) next_valid_ = false;
}

void ChannelController::update_active(std::uint32_t b) {
  const bool active = !queues_.empty(b) || (closed_page_ && slots_[b].mem_open != 0);
  const std::uint64_t bit = 1ULL << (b % 64);
  if (active)
    active_[b / 64] |= bit;
  else
    active_[b / 64] &= ~bit;
}

void ChannelController::note_open(std::vector<RankActivity>& activity,
                                  std::vector<std::uint64_t>& total, std::uint32_t bank,
                                  bool open) {
  const std::uint32_t rank = bank_ids_[bank].rank.value;
  auto& a = activity[rank];
  if (open && a.open++ == 0) a.since = now_;
  if (!open && --a.open == 0) total[rank] += now_ - a.since;
}

std::uint64_t ChannelController::active_cycles(std::uint32_t rank, std::uint64_t cycle,
                                               bool pim) const {
  const auto& a = (pim ? pim_activity_ : mem_activity_)[rank];
  const auto& total = pim ? stats_.pim_active_cycles : stats_.mem_active_cycles;
  return total[rank] + (a.open > 0 && cycle > a.since ? cycle - a.since : 0);
}

double ChannelController::pim_energy_pj() const {
  return pim_command_energy_pj(stats_, params_.energy());
}

double ChannelController::energy_pj(std::uint64_t cycle) const {
  return channel_energy_pj(
      stats_, params_.energy(), ranks_, dual_, cycle,
      [&](std::uint32_t rank, bool pim) { return active_cycles(rank, cycle, pim); });
}

void ChannelController::set_mem_open(std::uint32_t b, bool open) {
  if ((slots_[b].mem_open != 0) == open) return;
  forget_choice(b);
  if (!dual_) {  // one row buffer: PIM sees the MEM rows
    pim_step_valid_ = false;
    if (!open) ++pim_row_closes_;
  }
  note_open(mem_activity_, stats_.mem_active_cycles, b, open);
  slots_[b].mem_open = open ? 1 : 0;
  if (open)
    ++mem_open_count_;
  else
    --mem_open_count_;
  update_active(b);
}

void ChannelController::set_pim_open(std::uint32_t b, bool open) {
  if (!dual_) {
    set_mem_open(b, open);
    return;
  }
  if ((slots_[b].pim_open != 0) == open) return;
  pim_step_valid_ = false;
  if (!open) ++pim_row_closes_;
  note_open(pim_activity_, stats_.pim_active_cycles, b, open);
  slots_[b].pim_open = open ? 1 : 0;
  if (open)
    ++pim_open_count_;
  else
    --pim_open_count_;
}

void ChannelController::add(const PimRequest& request) {
  next_valid_ = false;
  pim_step_valid_ = false;
  pim_.push_back(request);
}

void ChannelController::report_pim_use(std::uint64_t cycle) {
  const bool pim = dual_ ? tile_active_ : pim_phase_;
  if (pim == pim_use_reported_) return;
  pim_use_reported_ = pim;
  if (on_pim_use) on_pim_use(cycle, pim);
}

std::uint64_t ChannelController::refresh_due(std::uint32_t rank) const {
  if (!refresh_on_) return kNever;
  return std::min(refresh_[rank].due, refresh_[rank].pulled_in_to);
}

std::uint64_t ChannelController::blocked_from(std::uint32_t rank) const {
  const std::uint64_t due = refresh_due(rank);
  if (due == kNever || !tile_active_) return due;
  // During a PIM tile the refresh waits, up to 8 x tREFI past its schedule.
  return std::max<std::uint64_t>(due, refresh_[rank].due + 8ULL * params_.timing.tREFI);
}

void ChannelController::update_blocked() {
  earliest_refresh_ = kNever;
  first_blocked_ = kNever;
  for (std::uint32_t r = 0; r < ranks_; ++r) {
    refresh_[r].blocked_from = blocked_from(r);
    earliest_refresh_ = std::min(earliest_refresh_, refresh_due(r));
    first_blocked_ = std::min(first_blocked_, refresh_[r].blocked_from);
  }
}

bool ChannelController::rank_blocked(std::uint32_t rank, std::uint64_t cycle) const {
  return cycle >= refresh_[rank].blocked_from;
}

void ChannelController::consider(Decision& best, const Decision& c) const {
  if (c.kind == Kind::None) return;
  if (leads(c.cycle, c.kind, c.seq, best)) best = c;
}

void ChannelController::refresh_candidate(Decision& best, std::uint32_t rank) {
  if (refresh_due(rank) == kNever) return;
  // Due, or during a PIM tile postponed (blocked_from(), kept current by update_blocked()).
  const std::uint64_t t = std::max(refresh_[rank].blocked_from, now_);
  const auto& o = params_.org;
  Decision d;
  d.kind = Kind::Refresh;
  d.bank_index = rank;
  const std::uint32_t first = rank * o.banks_per_rank();
  BankId any = bank_id(first);
  d.target = {Command::Ref, any, 0};
  // The per-rank counts of open rows (note_open()) say whether a bank must close first.
  if (mem_activity_[rank].open > 0)
    d.target = {Command::PreAll, any, 0};
  else if (dual_ && pim_activity_[rank].open > 0)
    for (std::uint32_t b = first; b < first + o.banks_per_rank(); ++b)
      if (slots_[b].pim_open) {
        d.target = {Command::PimPre, bank_id(b), 0};
        break;
      }
  if (pim_mode_on_) {  // out of the engine's PIM mode first
    d.kind = Kind::ModeExit;
    d.target = {Command::ModeSwitch, bank_id(0), 0};
  }
  d.cycle = std::max(t, checker_.earliest(d.target));
  consider(best, d);
}

// Inlined into decide(): it runs for every decision while PIM work is queued.
[[gnu::always_inline]] inline void ChannelController::pim_candidate(Decision& best) {
  PimRequest& head = pim_.front();
  if (!pim_step_valid_) {  // the head's next step changes only with the head or a row buffer
    pim_step_valid_ = true;
    std::string error;
    pim_step_ = Decision{};
    pim_step_ok_ = pim_step(head, pim_step_, error);
  }
  if (!pim_step_ok_) {
    Decision refused;
    refused.kind = Kind::Pim;
    refused.no_bus = true;
    refused.target.command = Command::Count;  // marks the refusal
    refused.cycle = std::max(now_, head.arrival);
    consider(best, refused);
    return;
  }
  // The cached step is read in place and copied only when it leads: a copy of the whole
  // Decision per decision cost more than the step itself.
  const Decision& step = pim_step_;
  const std::uint64_t cycle =
      std::max(std::max(now_, head.arrival), step.no_bus ? 0 : checker_.earliest(step.target));
  if (!tile_active_) {
    if (head.cmd.op == PimOp::Header && !head.refresh_checked) {
      // Pull in refreshes the tile would run into, so the tile is not interrupted.
      head.refresh_checked = true;
      const std::uint64_t end = cycle + engine_->estimate_tile(head.cmd);
      for (std::uint32_t r = 0; r < ranks_; ++r)
        if (refresh_due(r) != kNever && refresh_due(r) <= end && refresh_due(r) > cycle) {
          refresh_[r].pulled_in_to = cycle;
          ++stats_.refreshes_pulled_in;
        }
      update_blocked();
    }
    if (cycle >= first_blocked_) return;  // a rank waits for its refresh: refresh first
  }
  pim_waiting_set_ = !step.no_bus && dual_;  // MEM commands must not delay it (mem_candidate)
  pim_waiting_cycle_ = cycle;
  if (leads(cycle, step.kind, step.seq, best)) {
    best = step;  // consider(), with the cycle set after the copy
    best.cycle = cycle;
  }
}

void ChannelController::choose(std::uint32_t b) {
  BankChoice& ch = slots_[b].choice;
  ch.valid = true;
  ch.exists = true;
  if (queues_.empty(b)) {  // closed page: close the row
    ch.exists = closed_page_ && slots_[b].mem_open != 0;
    ch.kind = Kind::MemOther;
    ch.command = Command::Pre;
    ch.seq = kNever;
    ch.arrival = 0;
    ch.queue_index = 0;
    ch.row = Row{};
    ch.shared_key = shared_key(ch.bank, ch.command);
    return;
  }
  // A policy returns an index into the queue: with one entry there is nothing to ask.
  const std::size_t i =
      queues_.size(b) == 1
          ? 0
          : scheduler_->choose(BankView{queues_.view(b), slots_[b].mem_open != 0, slots_[b].mem_row,
                                        slots_[b].hits_since_act});
  const MemBurst& c = queues_.at(b, i);
  ch.queue_index = static_cast<std::uint32_t>(i);
  ch.seq = c.seq;
  ch.arrival = c.arrival;
  ch.row = c.row;
  if (slots_[b].mem_open != 0 && slots_[b].mem_row == c.row) {
    ch.kind = Kind::MemHit;
    ch.command = c.write ? Command::Wr : Command::Rd;
  } else {
    ch.kind = Kind::MemOther;
    ch.command = slots_[b].mem_open != 0 ? Command::Pre : Command::Act;
  }
  ch.shared_key = shared_key(ch.bank, ch.command);
}

// Inlined into decide(): it runs for every active bank of every decision.
template <bool kArbitrated>
[[gnu::always_inline]] inline void ChannelController::mem_candidate(Leader& best, std::uint32_t b) {
  Bound& bound = bounds_[b];
  // No branch for a stale shared entry: any value it held is a lower bound (Bound).
  const std::uint64_t lower = std::max(bound.cycle, shared_[bound.shared_key].cycle);
  if (lower > best.cycle || (lower == best.cycle && bound.order >= best.order)) return;
  if (!slots_[b].choice.valid) choose(b);
  const BankChoice& c = slots_[b].choice;
  if (!c.exists) return;
  const std::uint64_t order = order_of(c.kind, c.seq);
  const std::uint64_t local =
      std::max(std::max(now_, c.arrival), checker_.earliest_in_bank(c.command, b));
  // The shared part depends only on (rank, command): computed once per decision.
  const std::uint32_t key = c.shared_key;
  if (local > best.cycle) {  // cannot win: skip the shared part
    bound = Bound{local, order, key};
    return;
  }
  SharedEarliest& shared = shared_[key];
  if (shared.generation != decision_generation_) {
    shared.generation = decision_generation_;
    shared.cycle = checker_.earliest_shared(CommandTarget{c.command, c.bank, 0});
  }
  const std::uint64_t cycle = std::max(local, shared.cycle);
  bound = Bound{cycle, order, key};
  if (cycle > best.cycle || (cycle == best.cycle && order >= best.order)) return;
  if (rank_blocked(c.bank.rank.value, cycle)) return;  // the rank waits for its refresh
  if constexpr (kArbitrated) {
    const MemCommandView view{c.command, c.bank, c.row, cycle};
    if (arbitration_gates_ && arbitration_->refuses(view)) return;
    std::uint32_t pass = 0;
    if (pim_waiting_set_ && cycle < pim_waiting_cycle_) {
      const std::uint64_t delayed_to =
          checker_.bound_after(CommandTarget{c.command, c.bank, 0}, cycle, pim_step_.target);
      if (!arbitration_->may_pass(view, pim_wait(), delayed_to)) return;
      const std::uint64_t delay =
          delayed_to > pim_waiting_cycle_ ? delayed_to - pim_waiting_cycle_ : 0;
      pass = static_cast<std::uint32_t>(std::min<std::uint64_t>(delay, 0xFFFFFFFEU)) + 1;
    }
    pim_pass_of_bank_[b] = pass;
    best = Leader{cycle, order, b};
    return;
  }
  // PIM priority (pim-first): a MEM command may use an idle C/A slot only if it does not delay
  // the PIM command that is waiting. Its cycle already covers earliest() of the PIM command and
  // the bus slot after `cycle`, so only the MEM command's own rows can push it further.
  if (pim_waiting_set_ && cycle < pim_waiting_cycle_ &&
      checker_.bound_after(CommandTarget{c.command, c.bank, 0}, cycle, pim_step_.target) >
          pim_waiting_cycle_)
    return;
  best = Leader{cycle, order, b};
}

// Inlined into run_until(): it runs once per decision.
template <bool kArbitrated>
[[gnu::always_inline]] inline ChannelController::Decision ChannelController::decide() {
  if (blocked_) {
    if (!pim_phase_ && !pim_.empty() && queued_bursts_ == 0) {
      pim_phase_ = true;
      switch_start_ = std::max(now_, pim_.front().arrival);
      ++stats_.mode_switches;
    } else if (pim_phase_ && !tile_active_ && (pim_.empty() || queued_bursts_ > 0)) {
      pim_phase_ = false;
      stats_.pim_phase_cycles += now_ - std::min(now_, switch_start_);
    }
    report_pim_use(pim_phase_ ? switch_start_ : now_);
  }
  Decision best;
  pim_waiting_set_ = false;
  ++decision_generation_;
  if (!pim_.empty() && (dual_ || pim_phase_)) pim_candidate(best);
  decide_mem<kArbitrated>(best);
  return best;
}

// Inlined into decide(): the MEM candidates and refresh against the PIM candidate `best`.
template <bool kArbitrated>
[[gnu::always_inline]] inline void ChannelController::decide_mem(Decision& best) {
  // MEM precedence (ArbitrationPolicy::mem_leads): every MEM candidate competes, whatever the
  // PIM command's cycle; the PIM command goes first below only if it does not delay the winner.
  bool mem_leads = false;
  if constexpr (kArbitrated) mem_leads = pim_waiting_set_ && arbitration_->mem_leads(pim_wait());
  Leader mem = mem_leads ? Leader{kNever, kNever, banks_}
                         : Leader{best.cycle, order_of(best.kind, best.seq), banks_};
  if (!dual_ && pim_phase_) {
    // Blocked mode, PIM phase: no MEM commands.
  } else if (pim_mode_on_) {
    // The PIM phase is over: back to MEM mode before any MEM command.
    mode_exit_candidate(best);
    return;
  } else if (in_order_) {
    std::uint32_t oldest = banks_;
    std::uint64_t seq = kNever;
    for (std::uint32_t b = 0; b < banks_; ++b)
      if (!queues_.empty(b) && queues_.at(b, 0).seq < seq) {
        seq = queues_.at(b, 0).seq;
        oldest = b;
      }
    for (std::uint32_t b = 0; b < banks_; ++b)
      if (b == oldest || (queues_.empty(b) && closed_page_)) mem_candidate<kArbitrated>(mem, b);
  } else {
    for (std::size_t w = 0; w < active_.size(); ++w)
      for (std::uint64_t bits = active_[w]; bits != 0; bits &= bits - 1)
        mem_candidate<kArbitrated>(mem, static_cast<std::uint32_t>(w * 64 + __builtin_ctzll(bits)));
  }
  if constexpr (kArbitrated)
    if (mem_leads && mem.bank != banks_ && best.kind == Kind::Pim && best.cycle < mem.cycle &&
        checker_.bound_after(best.target, best.cycle,
                             CommandTarget{slots_[mem.bank].choice.command,
                                           slots_[mem.bank].choice.bank, 0}) <= mem.cycle)
      mem.bank = banks_;     // the PIM command does not delay the MEM winner: it goes first
  if (mem.bank != banks_) {  // a MEM command wins over the PIM candidate
    const BankChoice& c = slots_[mem.bank].choice;
    best.no_bus = false;  // every field is set: no reset of the whole Decision
    best.kind = c.kind;
    best.cycle = mem.cycle;
    best.target = {c.command, c.bank, 0};
    best.row = c.row;
    best.bank_index = mem.bank;
    best.queue_index = c.queue_index;
    best.seq = c.seq;
    if constexpr (kArbitrated) decided_pim_pass_ = pim_pass_of_bank_[mem.bank];
  }
  // Refresh wins ties, so it is only looked at when it is due by the best time so far.
  if (earliest_refresh_ <= best.cycle)
    for (std::uint32_t r = 0; r < ranks_; ++r)
      if (refresh_due(r) <= best.cycle) refresh_candidate(best, r);
}

std::uint64_t ChannelController::run_until(std::uint64_t until, std::vector<Completion>& done) {
  for (const std::uint32_t slot : inbox_) enqueue(slot);
  inbox_.clear();
  // One instantiation per case, so the default policy's decisions carry no policy checks.
  return arbitration_pim_first_ ? run<false>(until, done) : run<true>(until, done);
}

template <bool kArbitrated>
std::uint64_t ChannelController::run(std::uint64_t until, std::vector<Completion>& done) {
  while (true) {
    // Nothing changed since the decision the last call stopped at: it is still the next one.
    const Decision d = next_valid_ ? next_ : decide<kArbitrated>();
    next_valid_ = false;
    if (d.kind == Kind::None) return kNever;
    if (d.cycle >= until) {
      next_ = d;
      next_valid_ = true;
      return has_work() ? d.cycle : kNever;
    }
    now_ = d.cycle;
    execute<kArbitrated>(d, done);
  }
}

// Inlined into the execute functions: it runs once per command.
[[gnu::always_inline]] inline void ChannelController::issue(const Decision& d, std::uint64_t txn,
                                                            std::uint32_t flat) {
  checker_.issue_at(d.target, d.cycle, flat);
  ++stats_.commands[static_cast<unsigned>(d.target.command)];
  if (on_command) {
    Column column;
    Row row = d.row;
    if (d.kind == Kind::MemHit) {
      column = Column(queues_.at(d.bank_index, d.queue_index).column);
      row = queues_.at(d.bank_index, d.queue_index).row;
    }
    on_command(
        IssuedCommand{d.cycle, d.target.command, d.target.bank, row, column, txn, d.target.comps});
  }
}

void ChannelController::issue_pim(const Decision& d, std::uint64_t txn, std::uint32_t flat) {
  issue(d, txn, flat);
}

template <bool kArbitrated>
[[gnu::always_inline]] inline void ChannelController::execute(const Decision& d,
                                                              std::vector<Completion>& done) {
  switch (d.kind) {
    case Kind::Refresh: {
      issue(d, 0, checker_.flat_bank(d.target.bank));
      const std::uint32_t rank = d.bank_index;
      const std::uint32_t first = rank * params_.org.banks_per_rank();
      if (d.target.command == Command::PreAll)
        for (std::uint32_t b = first; b < first + params_.org.banks_per_rank(); ++b)
          set_mem_open(b, false);
      if (d.target.command == Command::PimPre)
        set_pim_open(checker_.flat_bank(d.target.bank), false);
      if (d.target.command == Command::Ref) {
        if (d.cycle > refresh_[rank].due + params_.timing.tREFI) ++stats_.refreshes_postponed;
        refresh_[rank].due += params_.timing.tREFI;
        refresh_[rank].pulled_in_to = kNever;
        update_blocked();
      }
      break;
    }
    case Kind::ModeExit:
      issue(d, 0, checker_.flat_bank(d.target.bank));
      for (std::uint32_t k = 0; k < banks_; ++k) set_mem_open(k, false);  // it precharges them
      pim_mode_on_ = false;
      pim_step_valid_ = false;
      break;
    case Kind::Pim: execute_pim(d, done); break;
    case Kind::MemHit:
    case Kind::MemOther: execute_mem<kArbitrated>(d, done); break;
    case Kind::None: break;
  }
}

// Inlined into run_until() (through execute()): it runs once per MEM command.
template <bool kArbitrated>
[[gnu::always_inline]] inline void ChannelController::execute_mem(const Decision& d,
                                                                  std::vector<Completion>& done) {
  const std::uint32_t b = d.bank_index;
  const Command command = d.target.command;
  if constexpr (kArbitrated)
    if (decided_pim_pass_ != 0 && arbitration_observes_)
      arbitration_->mem_passed(MemCommandView{command, d.target.bank, d.row, d.cycle},
                               decided_pim_pass_ - 1);
  if (command == Command::Rd || command == Command::Wr) {
    MemBurst& burst = queues_.at(b, d.queue_index);
    issue(d, burst.txn, b);
    --queued_bursts_;
    ++slots_[b].hits_since_act;
    stats_.data_bus_cycles += burst_cycles_;
    if (burst.outcome == MemBurst::Outcome::Hit) ++stats_.row_hits;
    if (burst.outcome == MemBurst::Outcome::Miss) ++stats_.row_misses;
    if (burst.outcome == MemBurst::Outcome::Conflict) ++stats_.row_conflicts;
    if (burst.write) {
      stats_.bytes_written += burst.length;
      if (storage_ != nullptr) storage_->write(burst.address, burst.data, burst.length);
    } else {
      stats_.bytes_read += burst.length;
      if (storage_ != nullptr) storage_->read(burst.address, burst.data, burst.length);
    }
    const std::uint64_t cycle = d.cycle + (burst.write ? write_latency_ : read_latency_);
    if (!done.empty() && done.back().txn == burst.txn && done.back().ok) {  // one entry per run
      done.back().cycle = std::max(done.back().cycle, cycle);
      ++done.back().count;
    } else {
      done.push_back({burst.txn, cycle, 1, true, {}});
    }
    if (--burst.bursts > 0) {  // the entry's next burst: the next column of the same row
      // Runs of several bursts exist only when the offset field is the address's lowest bits
      // (AddressMapping::row_run_end), so the burst started `offset` bytes before `address`.
      const std::uint64_t next = burst.address - burst.offset + burst_bytes_;
      burst.data += next - burst.address;
      burst.address = next;
      burst.length =
          static_cast<std::uint16_t>(std::min<std::uint64_t>(burst_bytes_, burst.end - next));
      ++burst.column;
      burst.offset = 0;
      burst.outcome = MemBurst::Outcome::Hit;
      // A row hit at the queue front stays the policy's choice while it has bursts left
      // (SchedulerPolicy contract); only an entry chosen from behind the front is re-asked.
      if (d.queue_index != 0) forget_choice(b);
      return;
    }
    forget_choice(b);
    queues_.erase(b, d.queue_index);
    update_active(b);
    return;
  }
  forget_choice(b);
  const bool from_queue = !queues_.empty(b) && d.seq != kNever;
  issue(d, from_queue ? queues_.at(b, d.queue_index).txn : 0, b);
  if (command == Command::Pre) {
    set_mem_open(b, false);
    if (from_queue) queues_.at(b, d.queue_index).outcome = MemBurst::Outcome::Conflict;
  } else if (command == Command::Act) {
    set_mem_open(b, true);
    slots_[b].mem_row = d.row;
    slots_[b].hits_since_act = 0;
    auto& outcome = queues_.at(b, d.queue_index).outcome;
    if (outcome == MemBurst::Outcome::Hit) outcome = MemBurst::Outcome::Miss;
  }
}

}  // namespace vp::hbm
