// The PIM command stream of a ChannelController (channel_controller.h): the next bus step of the
// head PIM request (its row walks, or its engine's commands), the switch out of an engine's PIM
// mode, and what issuing a PIM step does to the row buffers, the tile and the request. The
// decisions that weigh PIM against MEM and refresh stay in channel_controller.cpp.
#include "models/mem/channel_controller.h"

#include <algorithm>

#include <fmt/format.h>

namespace vp::hbm {

void ChannelController::mode_exit_candidate(Decision& best) {
  Decision d;
  d.kind = Kind::ModeExit;
  d.target = {Command::ModeSwitch, bank_id(0), 0};
  d.cycle = std::max(now_, checker_.earliest(d.target));
  consider(best, d);
}

bool ChannelController::pim_step(PimRequest& head, Decision& step, std::string& error) {
  const auto& o = params_.org;
  const PimCommand& c = head.cmd;
  auto flat = [&o](std::uint32_t rank, std::uint32_t group, std::uint32_t bank) {
    return o.flat_bank(BankId{Rank(rank), BankGroup(group), Bank(bank)});
  };
  auto close = [this](std::uint32_t b) {
    return CommandTarget{dual_ ? Command::PimPre : Command::Pre, bank_id(b), 0};
  };
  step.kind = Kind::Pim;
  if (engine_modes_ && !pim_mode_on_) {  // into the engine's PIM mode first
    step.target = {Command::ModeSwitch, bank_id(0), 0};
    return true;
  }
  // The engine's next bus command of this op, or none left (the op completes when reached).
  auto engine_step = [&] {
    if (head.step < engine_->steps(c))
      step.target = engine_->step(c, head.step);
    else
      step.no_bus = true;
    return true;
  };
  switch (c.op) {
    case PimOp::Header:
    case PimOp::Gwrite: return engine_step();
    case PimOp::GAct: {
      const std::uint32_t groups = c.all_banks ? o.ranks * o.bank_groups : 1;
      // Groups before walk_next held the row when it was set; none has closed a PIM row since
      // (a row changes only on a closed bank), so they still do.
      const bool resume = c.all_banks && head.walk_closes == pim_row_closes_;
      for (std::uint32_t g = resume ? head.walk_next : 0; g < groups; ++g) {
        // Ranks interleave (r0g0, r1g0, r0g1, ...) so their tFAW windows overlap.
        const std::uint32_t rank = c.all_banks ? g % o.ranks : c.rank;
        const std::uint32_t group = c.all_banks ? g / o.ranks : c.bank_group;
        bool all_on_row = true;
        for (std::uint32_t k = 0; k < o.banks_per_group; ++k) {
          const std::uint32_t b = flat(rank, group, k);
          if (!pim_open(b) || pim_row(b).value != c.row) all_on_row = false;
        }
        if (all_on_row) continue;
        head.walk_next = g;
        head.walk_closes = pim_row_closes_;
        for (std::uint32_t k = 0; k < o.banks_per_group; ++k) {
          const std::uint32_t b = flat(rank, group, k);
          if (pim_open(b)) {  // another row, or a partial group: close before G_ACT
            step.target = close(b);
            return true;
          }
        }
        step.target = {Command::GAct, BankId{Rank(rank), BankGroup(group), Bank(0)}, 0};
        step.row = Row(c.row);
        return true;
      }
      step.no_bus = true;  // every group holds the row: done
      return true;
    }
    case PimOp::Comp:
    case PimOp::CompsReadRes:
    case PimOp::ReadRes: {
      const bool all_open = (dual_ ? pim_open_count_ : mem_open_count_) == banks_;
      for (std::uint32_t b = 0; b < banks_ && !all_open; ++b)
        if (!pim_open(b)) {
          const BankId id = bank_id(b);
          error = fmt::format(
              "{} on channel {}: bank (rank {}, group {}, bank {}) has no open PIM "
              "row; send G_ACT first",
              to_string(c.op), id_.value, id.rank.value, id.group.value, id.bank.value);
          return false;
        }
      return engine_step();
    }
    case PimOp::PimPre: {
      const std::uint32_t first = c.all_banks ? 0 : flat(c.rank, c.bank_group, c.bank);
      const std::uint32_t last = c.all_banks ? banks_ : first + 1;
      // With a second row buffer, PIM rows only close while this is the head (nothing opens
      // one before it completes): the banks it found closed stay closed, resume after them.
      const bool resume = c.all_banks && dual_;
      for (std::uint32_t b = resume ? head.walk_next : first; b < last; ++b)
        if (pim_open(b)) {
          if (resume) head.walk_next = b;
          step.target = close(b);
          return true;
        }
      return engine_step();  // every row closed: the engine's steps, if any
    }
  }
  error = "unknown PIM command";
  return false;
}

void ChannelController::pim_event(PimEvent::Kind kind, std::uint64_t cycle, Row row, BankId bank,
                                  std::uint64_t busy_until) {
  arbitration_->pim_event(PimEvent{kind, cycle, row, bank, busy_until, earliest_refresh_});
}

void ChannelController::start_tile(const PimCommand& header, std::uint64_t cycle) {
  tile_active_ = true;
  update_blocked();
  tile_start_ = cycle;
  ++stats_.pim_tiles;
  report_pim_use(cycle);
  if (arbitration_observes_)
    pim_event(PimEvent::Kind::TileStart, cycle, Row(header.row), BankId{},
              cycle + engine_->estimate_tile(header));
}

void ChannelController::execute_pim(const Decision& d, std::vector<Completion>& done) {
  pim_step_valid_ = false;
  ++pim_progress_;
  PimRequest& head = pim_.front();
  const PimCommand& c = head.cmd;
  auto finish = [&](std::uint64_t cycle) {
    done.push_back({head.txn, cycle, 1, true, {}});
    if (c.last_in_tile && tile_active_) {
      tile_active_ = false;
      update_blocked();
      stats_.pim_busy_cycles += d.cycle - tile_start_;
      report_pim_use(d.cycle);
      if (arbitration_observes_) pim_event(PimEvent::Kind::TileEnd, d.cycle, Row{}, BankId{}, 0);
    }
    pim_.pop_front();
  };
  if (d.target.command == Command::Count) {  // refused
    std::string error;
    Decision ignored;
    pim_step(head, ignored, error);
    ++stats_.pim_errors;
    done.push_back({head.txn, d.cycle, 1, false, error});
    pim_.pop_front();
    return;
  }
  if (d.target.command == Command::ModeSwitch) {  // into the engine's PIM mode (pim_step())
    issue_pim(d, 0, checker_.flat_bank(d.target.bank));
    for (std::uint32_t k = 0; k < banks_; ++k) set_mem_open(k, false);  // it precharges them
    pim_mode_on_ = true;
    return;
  }
  if (c.op == PimOp::Header && head.step == 0) start_tile(c, d.cycle);
  if (d.no_bus) {  // an op whose steps are done (or that has none)
    if (head.step == 0 && c.op != PimOp::Header && c.op != PimOp::GAct && c.op != PimOp::PimPre)
      engine_->execute(c, 0, pim_rows_, head.data, head.length);
    finish(d.cycle);
    return;
  }
  const std::uint32_t b = checker_.flat_bank(d.target.bank);
  issue_pim(d, head.txn, b);
  switch (d.target.command) {  // the controller's row buffers
    case Command::PimPre: set_pim_open(b, false); return;
    case Command::Pre: set_mem_open(b, false); return;
    case Command::GAct:
      for (std::uint32_t k = 0; k < params_.org.banks_per_group; ++k) {
        set_pim_open(b + k, true);
        pim_row(b + k) = d.row;
        if (!dual_) {
          slots_[b + k].hits_since_act = 0;
          forget_choice(b + k);
        }
      }
      return;  // intermediate steps of G_ACT / PIM_PRE: the op completes on its no-bus step
    case Command::Gwrite:
      if (arbitration_observes_)
        pim_event(PimEvent::Kind::Gwrite, d.cycle, Row{}, d.target.bank,
                  d.cycle + params_.timing.gwrite);
      break;
    case Command::CompsReadRes: stats_.comps_in_compsreadres += c.comps; break;
    default: break;
  }
  engine_->execute(c, head.step, pim_rows_, head.data, head.length);
  if (++head.step < engine_->steps(c)) return;
  finish(d.cycle + engine_->latency(c));
}

}  // namespace vp::hbm
