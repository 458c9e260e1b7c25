// Vocabulary of the HBM2-PIM memory model: strong index types, DRAM/PIM commands and scopes.
//
// Contract: Channel, Rank, BankGroup, Bank, Row and Column are distinct types, so an index of one
// level cannot be used for another by mistake. A BankId names one bank inside a channel.
#pragma once

#include <cstdint>
#include <functional>

namespace vp::hbm {

template <typename Tag>
struct Index {
  std::uint32_t value = 0;
  constexpr Index() = default;
  constexpr explicit Index(std::uint32_t v) : value(v) {}
  constexpr bool operator==(Index other) const { return value == other.value; }
  constexpr bool operator!=(Index other) const { return value != other.value; }
  constexpr bool operator<(Index other) const { return value < other.value; }
};

using Channel = Index<struct ChannelTag>;
using Rank = Index<struct RankTag>;
using BankGroup = Index<struct BankGroupTag>;
using Bank = Index<struct BankTag>;  ///< Bank within its bank group.
using Row = Index<struct RowTag>;
using Column = Index<struct ColumnTag>;

/// One bank of a channel.
struct BankId {
  Rank rank;
  BankGroup group;
  Bank bank;
  constexpr bool operator==(const BankId& o) const {
    return rank == o.rank && group == o.group && bank == o.bank;
  }
};

/// Commands on a channel's command/address bus. PIM_HEADER is not among them: it is a
/// controller-level announcement that issues nothing on the bus.
enum class Command : std::uint8_t {
  Act,           ///< activate a row into the MEM row buffer of one bank
  Pre,           ///< precharge the MEM row buffer of one bank
  PreAll,        ///< precharge every MEM row buffer of a rank
  Rd,            ///< read one burst from the MEM row buffer
  Wr,            ///< write one burst into the MEM row buffer
  Ref,           ///< all-bank refresh of a rank
  Gwrite,        ///< copy a row (through the MEM row buffer) into the channel's global buffer
  GAct,          ///< activate the same row of the 4 banks of a bank group into their PIM buffers
  Comp,          ///< all-bank MAC step: 16 elements of each PIM row buffer x the global buffer
  ReadRes,       ///< read the per-bank accumulators (one burst)
  CompsReadRes,  ///< n x COMP then READRES as one command (NeuPIMs)
  PimPre,        ///< precharge the PIM row buffer of one bank
  // Samsung HBM-PIM (models/mem/hbm_pim_engine.h): column commands that drive the PIM units.
  ModeSwitch,  ///< switch all banks between single-bank and all-bank-PIM mode (mode-row write)
  RegWr,       ///< all-bank write into every unit's registers: GRF_A (the input) or the CRF
  Mac,    ///< all-bank-PIM column read that makes every unit run its next MAC (even or odd bank)
  GrfRd,  ///< read one unit's GRF_B result registers (addressed through its even bank)
  Count
};
constexpr unsigned kCommandCount = static_cast<unsigned>(Command::Count);

/// What a command occupies: one bank, the 4 banks of a bank group, a rank, or every bank.
enum class CommandReach : std::uint8_t { Bank, BankGroup, Rank, Channel };

[[nodiscard]] const char* to_string(Command command);
constexpr CommandReach reach_of(Command command) {
  switch (command) {
    case Command::GAct: return CommandReach::BankGroup;
    case Command::PreAll:
    case Command::Ref: return CommandReach::Rank;
    case Command::Comp:
    case Command::ReadRes:
    case Command::CompsReadRes:
    case Command::ModeSwitch:
    case Command::RegWr:
    case Command::Mac: return CommandReach::Channel;
    default: return CommandReach::Bank;
  }
}

/// Where a later command is, relative to the bank of an earlier one.
enum class Scope : std::uint8_t {
  SameBank,       ///< the same bank
  SameBankGroup,  ///< any bank of the same bank group (the same bank included)
  SameRank,       ///< any bank of the same rank (the same bank group included)
  OtherRanks,     ///< any bank of another rank
  Channel,        ///< any bank of the channel
};
[[nodiscard]] const char* to_string(Scope scope);

/// How row buffers and PIM coexist in a channel.
enum class PimMode : std::uint8_t {
  Dram,     ///< no PIM
  Blocked,  ///< one row buffer per bank: a channel is in MEM or in PIM use (naive NPU+PIM, Newton)
  Dual,     ///< MEM and PIM row buffers per bank, used concurrently (NeuPIMs)
};
[[nodiscard]] const char* to_string(PimMode mode);

}  // namespace vp::hbm
