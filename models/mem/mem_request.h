// Work items of a channel controller: memory bursts, PIM commands, and their completions.
#pragma once

#include <cstdint>
#include <string>

#include "models/mem/address_mapping.h"
#include "models/mem/pim_extension.h"

namespace vp::hbm {

/// A run of bursts (64 B each with the NeuPIMs organisation) of one read or write transaction
/// that lie in one row of one bank at consecutive columns: one queue entry, served one burst
/// (one RD/WR command) at a time. The fields describe the next burst to serve. One cache line:
/// a command reads its entry, and a channel queues up to `queue_bursts` of them.
struct alignas(64) MemBurst {
  enum class Outcome : std::uint8_t { Hit, Miss, Conflict };
  std::uint64_t address = 0;      ///< first byte of the payload inside the next burst
  unsigned char* data = nullptr;  ///< the payload's bytes for the next burst
  std::uint64_t end = 0;          ///< one past the entry's last payload byte
  std::uint64_t arrival = 0;      ///< cycle it became visible to the scheduler
  std::uint64_t seq = 0;          ///< arrival order within the channel
  std::uint32_t txn = 0;          ///< owning transaction (the memory module's handle for it)
  std::uint32_t flat_bank = 0;    ///< Organization::flat_bank() of its bank
  Row row;
  // The memory configuration bounds these to 16 bits: at most 2^15 bursts per row, bursts of
  // at most 8 KiB, 1024 channels (hbm_timing.cpp).
  std::uint16_t column = 0;   ///< the next burst's index within the row
  std::uint16_t offset = 0;   ///< where in the next burst the payload starts
  std::uint16_t length = 0;   ///< payload bytes inside the next burst
  std::uint16_t bursts = 1;   ///< bursts left in this entry (the next one included)
  std::uint16_t channel = 0;  ///< the channel it is queued on (the memory module's routing)
  bool write = false;
  Outcome outcome = Outcome::Hit;  ///< set when the scheduler has to open its row
};
static_assert(sizeof(MemBurst) == 64, "a queue entry is one cache line");

/// The fields of a PimExtension the controller reads, in 24 bytes instead of 48 (a channel
/// queues up to `pim_queue` commands, 128 by default). The memory module has checked the
/// ranges (rank, bank group and bank below 256, COMP counts within a row) before it converts.
struct PimCommand {
  PimOp op = PimOp::Header;
  bool all_banks = false;
  bool last_in_tile = false;
  std::uint8_t rank = 0;
  std::uint8_t bank_group = 0;
  std::uint8_t bank = 0;
  std::uint32_t row = 0;
  std::uint32_t column = 0;
  std::uint32_t comps = 1;
  std::uint32_t readres = 0;
  PimCommand() = default;
  explicit PimCommand(const PimExtension& e)
      : op(e.op),
        all_banks(e.all_banks),
        last_in_tile(e.last_in_tile),
        rank(static_cast<std::uint8_t>(e.rank)),
        bank_group(static_cast<std::uint8_t>(e.bank_group)),
        bank(static_cast<std::uint8_t>(e.bank)),
        row(e.row),
        column(e.column),
        comps(e.comps),
        readres(e.readres) {}
};

/// One PIM command (a transaction with a PimExtension).
struct PimRequest {
  std::uint64_t txn = 0;
  PimCommand cmd;
  unsigned char* data = nullptr;
  std::uint32_t length = 0;
  std::uint64_t arrival = 0;
  bool refresh_checked = false;  ///< HEADER: due refreshes already pulled in before its tile
  /// Where the controller's walk over the banks resumes (ChannelController::pim_step()): for a
  /// G_ACT of all banks, the groups before walk_next held the row when the controller had closed
  /// walk_closes PIM row buffers; for a PIM_PRE of all banks, the banks before walk_next are
  /// closed.
  std::uint32_t walk_next = 0;
  std::uint64_t walk_closes = 0;
  std::uint32_t step = 0;  ///< the PIM engine's bus commands of this op issued so far
};

struct Completion {
  std::uint64_t txn = 0;
  std::uint64_t cycle = 0;  ///< when the data (or the command's effect) is complete
  std::uint32_t count = 1;  ///< bursts (or commands) of the transaction this completes
  bool ok = true;
  std::string error;  ///< why the command was refused (ok == false)
};

}  // namespace vp::hbm
