// The NeuPIMs (Newton-style) PIM engine: 16 fp16 multipliers and an accumulator per bank, one
// global buffer per channel.
//
// Contract: every op is one bus command, as the dispatcher names it: GWRITE fills the global
// buffer (completes gwrite cycles later), COMP adds each bank's 16-element dot product at a
// column slice to its accumulator, READRES returns the accumulators as fp16 and clears them
// (RL + BL/2), COMPS_READRES is n COMPs then READRES in one command (2 x max(n, 6) + RL + BL/2
// with the default timing). HEADER and PIM_PRE have no steps of their own. The data path is
// pim_datapath.h.
#pragma once

#include "models/mem/pim_datapath.h"
#include "models/mem/pim_engine.h"

namespace vp::hbm {

class NeuPimsEngine final : public PimEngine {
 public:
  NeuPimsEngine(Channel channel, const MemoryParams& params, const AddressMapping& mapping,
                SparseStorage* storage);

  [[nodiscard]] std::uint32_t steps(const PimCommand& c) const override;
  [[nodiscard]] CommandTarget step(const PimCommand& c, std::uint32_t k) const override;
  void execute(const PimCommand& c, std::uint32_t k, const RowOf& rows, unsigned char* data,
               std::uint32_t length) override;
  [[nodiscard]] std::uint64_t latency(const PimCommand& c) const override;
  [[nodiscard]] std::uint64_t estimate_tile(const PimCommand& header) const override;

 private:
  Timing timing_;
  Organization org_;
  bool functional_;
  PimDatapath datapath_;
};

}  // namespace vp::hbm
