// The Samsung HBM-PIM (Aquabolt-XL / FIMDRAM) engine: one PIM unit per two banks (an even and an
// odd bank of a bank group), each a 16-lane fp16 SIMD unit with GRF_A input and GRF_B
// accumulator registers, driven by column commands in all-bank-PIM mode.
//
// Contract (the steps of each dispatcher op, docs/memory.md "Samsung HBM-PIM"):
// - Modes (switches_modes()): the controller switches the channel into all-bank-PIM mode
//   (MODE_SWITCH: every bank precharged, a mode-row write) before the first PIM command of a
//   PIM phase, and back before MEM commands or a refresh; tiles back to back stay in the mode.
// - HEADER: the channel's first one programs the units' CRF: the GEMV kernel's 32 instructions
//   of 32 bits in REG_WR bursts (the MACs, JUMP and EXIT; the MAC semantics are the engine's,
//   the program is not interpreted); later ones issue nothing.
// - GWRITE: no bus command: the input stays in the controller until the GRF writes carry it
//   (HBM-PIM has no global buffer).
// - COMPS_READRES of n slices at column c: per batch of up to grf_a slices, REG_WR bursts that
//   broadcast the slices into every unit's GRF_A (burst_bytes / (2 x lanes) registers a burst),
//   then one MAC per slice on the even banks and one per slice on the odd banks (a MAC is the
//   unit's instruction, GRF_B[bank parity] += bank row slice x GRF_A, lane by lane in fp16),
//   all MACs mac_interval apart; after the last batch GRF_RDs return each unit's two GRF_B
//   registers (4 x lanes bytes: one 64-byte burst with 16 lanes). The controller adds each
//   register's lanes (fp32, then fp16): the per-bank results of NeuPIMs' READRES, in bank order.
//   COMP is one slice without the reads, READRES the reads alone.
// One row buffer per bank: the engine needs blocked mode.
// Completion: RL + BL/2 after the last GRF_RD; COMP when its last MAC issues.
#pragma once

#include <vector>

#include <Imath/half.h>

#include "models/mem/pim_engine.h"

namespace vp::hbm {

class HbmPimEngine final : public PimEngine {
 public:
  HbmPimEngine(Channel channel, const MemoryParams& params, const AddressMapping& mapping,
               SparseStorage* storage);

  [[nodiscard]] std::uint32_t steps(const PimCommand& c) const override;
  [[nodiscard]] CommandTarget step(const PimCommand& c, std::uint32_t k) const override;
  void execute(const PimCommand& c, std::uint32_t k, const RowOf& rows, unsigned char* data,
               std::uint32_t length) override;
  [[nodiscard]] std::uint64_t latency(const PimCommand& c) const override;
  [[nodiscard]] std::uint64_t estimate_tile(const PimCommand& header) const override;
  [[nodiscard]] std::vector<Command> own_commands() const override {
    return {Command::ModeSwitch, Command::RegWr, Command::Mac, Command::GrfRd};
  }
  [[nodiscard]] bool switches_modes() const override { return true; }

  /// What step k of an op is: which command and, for GRF writes and MACs, which slice.
  struct Step {
    Command command = Command::RegWr;
    bool crf = false;          ///< REG_WR: a burst of the CRF program
    std::uint32_t slice = 0;   ///< REG_WR: first slice; MAC: slice (from column); GRF_RD: burst
    std::uint32_t parity = 0;  ///< MAC: 0 = even banks, 1 = odd banks
    std::uint32_t unit = 0;    ///< GRF_RD
  };
  [[nodiscard]] Step describe(const PimCommand& c, std::uint32_t k) const;

 private:
  /// Slices of a COMPS_READRES / COMP (0 for READRES).
  [[nodiscard]] static std::uint32_t slices_of(const PimCommand& c);
  [[nodiscard]] static bool reads_out(const PimCommand& c) {
    return c.op == PimOp::ReadRes || c.op == PimOp::CompsReadRes;
  }
  /// Steps of the compute part (GRF writes and MACs) of n slices.
  [[nodiscard]] std::uint32_t compute_steps(std::uint32_t n) const;

  Channel channel_;
  Timing timing_;
  Organization org_;
  const AddressMapping& mapping_;
  SparseStorage* storage_;
  std::uint32_t lanes_, grf_a_, units_, regs_per_burst_;
  std::uint32_t crf_writes_;             ///< REG_WR bursts of the CRF program (32 x 32 bits)
  std::uint32_t reads_per_unit_;         ///< GRF_RD bursts of a unit's two GRF_B registers
  bool crf_loaded_ = false;              ///< set by the last of them
  std::vector<float> input_;             ///< the GWRITE'd vector (fp16 values)
  std::vector<Imath::half> grf_a_regs_;  ///< grf_a x lanes, broadcast to every unit
  std::vector<Imath::half> grf_b_;       ///< per unit: even and odd accumulator, lanes each
};

}  // namespace vp::hbm
