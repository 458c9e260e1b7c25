// The generic-payload extension that carries a PIM command to the HBM-PIM memory.
//
// Contract: a transaction with a PimExtension is a PIM command for `channel`; its address is
// ignored. Data: GWRITE carries the row-sized input vector (fp16) in the payload's data
// (write command, length = row bytes); READRES and COMPS_READRES return one fp16 result per bank
// (read command, length = 2 x banks per channel) in bank order (rank, bank group, bank); the
// other commands carry no data (length 0). A command the channel cannot execute (a COMP with a
// closed PIM row, a field out of range, PIM in a channel without PIM) answers
// TLM_GENERIC_ERROR_RESPONSE and the memory's stats count it. PIM commands of a channel run in
// the order sent; they are not ordered against MEM requests: a PIM command sees the MEM writes
// that were answered before it was sent. docs/memory.md has the semantics.
#pragma once

#include <cstdint>

#include <tlm>

namespace vp::hbm {

enum class PimOp : std::uint8_t {
  Header,        ///< Starts a tile (a GEMV on one row): total COMPs and READRES of the tile.
  Gwrite,        ///< Input vector -> the channel's global buffer.
  GAct,          ///< Open `row` in the PIM row buffers of a bank group (or all, `all_banks`).
  Comp,          ///< One all-bank MAC step on column `column` (16-element slice).
  ReadRes,       ///< Read and clear the per-bank accumulators.
  CompsReadRes,  ///< `comps` COMPs on columns column..column+comps-1, then READRES.
  PimPre,        ///< Close the PIM row buffer of a bank (or all, `all_banks`).
};

[[nodiscard]] const char* to_string(PimOp op);

class PimExtension : public tlm::tlm_extension<PimExtension> {
 public:
  PimOp op = PimOp::Header;
  std::uint32_t channel = 0;
  std::uint32_t rank = 0;
  std::uint32_t bank_group = 0;
  std::uint32_t bank = 0;
  bool all_banks = false;
  std::uint32_t row = 0;
  std::uint32_t column = 0;   ///< COMP slice index: elements [16*column, 16*column + 16)
  std::uint32_t comps = 1;    ///< COMPS_READRES: number of COMPs; HEADER: COMPs in the tile
  std::uint32_t readres = 0;  ///< HEADER: READRES (or COMPS_READRES) in the tile
  bool last_in_tile = false;  ///< Ends the tile (refresh may happen after it).

  [[nodiscard]] tlm::tlm_extension_base* clone() const override { return new PimExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const PimExtension&>(other);
  }
};

}  // namespace vp::hbm
