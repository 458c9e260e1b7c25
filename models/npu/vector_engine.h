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

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "models/npu/dma_engine.h"
#include "models/npu/vector_timing.h"
#include "platform/trace_events.h"

namespace vp::npu {

/// The vector units as a shared resource: VECTOR descriptors and the attention engine's softmax
/// and partial-sum additions book rows on them. A row goes to the unit that frees first.
class VectorUnitPool {
 public:
  explicit VectorUnitPool(std::uint32_t units) : free_at_(units, sc_core::SC_ZERO_TIME) {}
  /// Books `rows` rows of `row_time` each, none starting before `earliest`; returns when the last
  /// one ends. Adds the booked time to busy().
  sc_core::sc_time book(std::uint64_t rows, const sc_core::sc_time& row_time, const sc_core::sc_time& earliest) {
    sc_core::sc_time end = earliest;
    for (std::uint64_t r = 0; r < rows; ++r) {
      auto unit = std::min_element(free_at_.begin(), free_at_.end());
      *unit = std::max(*unit, earliest) + row_time;
      end = std::max(end, *unit);
      busy_ += row_time;
    }
    return end;
  }
  [[nodiscard]] const sc_core::sc_time& busy() const { return busy_; }
  [[nodiscard]] std::uint32_t units() const { return static_cast<std::uint32_t>(free_at_.size()); }

 private:
  std::vector<sc_core::sc_time> free_at_;
  sc_core::sc_time busy_;
};

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
    std::uint64_t cycles = 0;  ///< wall cycles of VECTOR descriptors
  };

  VectorEngine(std::string track, const VectorConfig& config, const sc_core::sc_time& period, DmaEngine& dma,
               VectorUnitPool& units, const TraceEvents& events, bool functional);

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
  VectorUnitPool& units_;
  const TraceEvents& events_;
  bool functional_;
  Stats stats_;
};

}  // namespace vp::npu
