// The vector units fed by the DMA: one VECTOR descriptor over rows in HBM.
//
// Contract: run() applies `op` to `rows` rows of `length` fp16 elements at `src` (and `src2`:
// ADD's second operand, LAYERNORM's gamma and beta or 0) and writes them to `dst`. Rows are
// processed in chunks of `units` rows (one row per unit): every chunk's source rows are
// requested at the start (the DMA keeps many in flight), a chunk computes for
// vector_row_cycles() once its rows have arrived and the previous chunk is done, and its result
// rows are written as soon as it is done. The op ends when the last write is answered.
// Functional mode computes the results in fp32 (fp16_math.h); timing mode moves no data.
#pragma once

#include <cstdint>
#include <string>

#include <systemc>

#include "models/npu/dma_engine.h"
#include "models/npu/vector_timing.h"
#include "platform/trace_events.h"

namespace vp::npu {

struct VectorJob {
  VectorOp op = VectorOp::Add;
  std::uint64_t rows = 0, length = 0;
  std::uint64_t src = 0, src2 = 0, dst = 0;
  float scalar = 1.0F;
};

class VectorEngine {
 public:
  struct Stats {
    std::uint64_t ops = 0;
    std::uint64_t cycles = 0;          ///< wall cycles of VECTOR descriptors
    std::uint64_t compute_cycles = 0;  ///< cycles the units computed (busy)
  };

  VectorEngine(std::string track, const VectorConfig& config, const sc_core::sc_time& period, DmaEngine& dma,
               const TraceEvents& events, bool functional);

  /// Bytes of src2 the op reads (0 if it has none).
  [[nodiscard]] static std::uint64_t src2_bytes(const VectorJob& job);
  /// From a thread: runs one op (already validated); false if a transfer was refused.
  bool run(const VectorJob& job);
  [[nodiscard]] const Stats& stats() const { return stats_; }
  [[nodiscard]] const VectorConfig& config() const { return config_; }

 private:
  std::string track_;
  VectorConfig config_;
  sc_core::sc_time period_;
  DmaEngine& dma_;
  const TraceEvents& events_;
  bool functional_;
  Stats stats_;
};

}  // namespace vp::npu
