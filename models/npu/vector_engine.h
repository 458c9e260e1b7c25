// The vector units fed by the DMA: one VECTOR descriptor over rows in HBM.
//
// Contract: run() applies `op` to `rows` rows of `length` fp16 elements at `src` (and `src2`:
// ADD's second operand, LAYERNORM's gamma and beta or 0) and writes them to `dst`. Rows are
// processed in chunks of `units` rows (one row per unit): every chunk's source rows are
// requested at the start (the DMA keeps many in flight), a chunk computes for
// vector_row_cycles() once its rows have arrived and the previous chunk is done, and its result
// rows are written as soon as it is done. The op ends when the last write is answered.
// Functional mode computes the results in fp32 (fp16_math.h); timing mode moves no data.
// Row ops (ROPE, TOPK, GATHER, SCATTER_ADD) address every row on its own: ROPE's rows are
// `stride` bytes apart (in place on the QKV output), TOPK writes 2k values per row, GATHER reads
// source row index[r] (`stride` apart), SCATTER_ADD reads and rewrites destination row index[r]
// (`stride` apart) adding weight[r] x its source row. The same chunked schedule applies.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>

#include "models/npu/dma_engine.h"
#include "models/npu/unit_trace.h"
#include "models/npu/vector_timing.h"
#include "platform/trace_events.h"

namespace vp::npu {

/// The vector units as a shared resource: VECTOR descriptors and the attention engine's softmax
/// and partial-sum additions book rows on them. A row goes to the unit that frees first.
class VectorUnitPool {
 public:
  /// `events`/`track_prefix`: when tracing, each unit's booked rows become spans on
  /// "<track_prefix><unit>".
  explicit VectorUnitPool(std::uint32_t units, const TraceEvents* events = nullptr,
                          std::string track_prefix = {})
      : free_at_(units, sc_core::SC_ZERO_TIME),
        events_(events),
        track_prefix_(std::move(track_prefix)) {}
  /// Books `rows` rows of `row_time` each, none starting before `earliest`; returns when the last
  /// one ends. Adds the booked time to busy().
  sc_core::sc_time book(std::uint64_t rows, const sc_core::sc_time& row_time,
                        const sc_core::sc_time& earliest) {
    const bool tracing = events_ != nullptr && events_->enabled();
    if (tracing) span_start_.assign(free_at_.size(), sc_core::sc_time::from_value(~0ULL));
    sc_core::sc_time end = earliest;
    for (std::uint64_t r = 0; r < rows; ++r) {
      auto unit = std::min_element(free_at_.begin(), free_at_.end());
      const sc_core::sc_time start = std::max(*unit, earliest);
      if (tracing) {
        auto& first = span_start_[static_cast<std::size_t>(unit - free_at_.begin())];
        first = std::min(first, start);
      }
      *unit = start + row_time;
      end = std::max(end, *unit);
      busy_ += row_time;
    }
    if (tracing)  // each unit's rows of this booking are back to back: one span per unit
      for (std::size_t u = 0; u < free_at_.size(); ++u)
        if (span_start_[u] != sc_core::sc_time::from_value(~0ULL))
          emit_span(*events_, track_prefix_ + std::to_string(u), "rows", span_start_[u],
                    free_at_[u]);
    return end;
  }
  [[nodiscard]] const sc_core::sc_time& busy() const { return busy_; }
  [[nodiscard]] std::uint32_t units() const { return static_cast<std::uint32_t>(free_at_.size()); }

 private:
  std::vector<sc_core::sc_time> free_at_;
  sc_core::sc_time busy_;
  const TraceEvents* events_;
  std::string track_prefix_;
  std::vector<sc_core::sc_time> span_start_;
};

struct VectorJob {
  VectorOp op = VectorOp::Add;
  std::uint64_t rows = 0, length = 0;
  std::uint64_t src = 0, src2 = 0, dst = 0;
  float scalar = 1.0F;
  std::uint32_t param = 0;           ///< ROPE: head_dim; TOPK: k
  std::uint64_t stride = 0;          ///< row ops: bytes between the strided operand's rows
  std::vector<std::uint32_t> index;  ///< ROPE: positions; GATHER, SCATTER_ADD: rows
  std::vector<float> weight;         ///< SCATTER_ADD: per row
  [[nodiscard]] bool row_op() const {
    return op == VectorOp::Rope || op == VectorOp::TopK || op == VectorOp::Gather ||
           op == VectorOp::ScatterAdd;
  }
};

class VectorEngine {
 public:
  struct Stats {
    std::uint64_t ops = 0;
    std::uint64_t cycles = 0;  ///< wall cycles of VECTOR descriptors
  };

  VectorEngine(std::string track, const VectorConfig& config, const sc_core::sc_time& period,
               DmaEngine& dma, VectorUnitPool& units, const TraceEvents& events, bool functional);

  /// Bytes of src2 the op reads (0 if it has none).
  [[nodiscard]] static std::uint64_t src2_bytes(const VectorJob& job);
  /// From a thread: runs one op (already validated); false if a transfer was refused.
  bool run(const VectorJob& job);
  [[nodiscard]] const Stats& stats() const { return stats_; }
  [[nodiscard]] const VectorConfig& config() const { return config_; }

 private:
  bool run_rows(const VectorJob& job);
  /// The schedule both paths share: per chunk of `units` rows, wait for its loads, book its rows
  /// on the units, then write_rows(first row, rows, writes); ends once the writes are answered.
  bool compute_and_write(const VectorJob& job, const sc_core::sc_time& t0,
                         const std::vector<DmaEngine::JobPtr>& loads, bool ok,
                         const std::function<void(std::uint64_t, std::uint64_t,
                                                  const DmaEngine::JobPtr&)>& write_rows);
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
