// Cycle model of a GEMM on the NPU's weight-stationary systolic arrays (compute only).
//
// Contract: gemm_timing() returns the cycles of C[M x N] = X[M x K] . W[K x N] on `arrays`
// arrays of `rows` x `cols` PEs, from the tiling below; docs/npu.md derives it.
// - Weights are cut into rows x cols tiles (ceil(K/rows) along K, ceil(N/cols) along N); the
//   activations into row chunks of at most max_rows (what the accumulator holds: acc_bytes /
//   (cols x 4 B fp32)).
// - An output block (one N tile x one row chunk) belongs to one array, which runs its K tiles
//   back to back accumulating in place; blocks go to arrays round-robin.
// - Per K tile ("item") with m activation rows: weight load `rows` cycles (one weight row per
//   cycle), streaming m cycles. Weights are double-buffered: the next item's weights load while
//   this one streams, so an item occupies max(m, rows) cycles except the first weight load and
//   the last item's streaming; the pipeline fill/drain rows + cols - 2 is paid once at the end.
//   array cycles = rows + sum over all but the last item of max(m_i, rows) + m_last + rows + cols - 2
// - The GEMM takes the slowest array's cycles; utilization = M N K / (arrays rows cols cycles).
// Memory traffic (weights streamed from HBM by the DMA) is not part of this model.
#pragma once

#include <cstdint>
#include <vector>

namespace vp::npu {

struct SystolicConfig {
  std::uint32_t arrays = 8;
  std::uint32_t rows = 128;  ///< PE rows = weight-tile K extent
  std::uint32_t cols = 128;  ///< PE columns = weight-tile N extent
  std::uint64_t accumulator_bytes = 1ULL << 20;  ///< per array, fp32 partial sums

  [[nodiscard]] std::uint64_t max_rows() const { return accumulator_bytes / (std::uint64_t{cols} * 4); }
};

struct GemmShape {
  std::uint64_t m = 0, k = 0, n = 0;
};

struct GemmTiming {
  std::uint64_t cycles = 0;
  std::uint64_t k_tiles = 0, n_tiles = 0, row_chunks = 0, blocks = 0;
  std::vector<std::uint64_t> array_cycles;  ///< busy cycles of each array
  double utilization = 0.0;                 ///< useful MACs / (arrays x rows x cols x cycles)
  std::uint64_t weight_bytes = 0;           ///< fp16 weights read (each tile once per row chunk)
};

[[nodiscard]] GemmTiming gemm_timing(const GemmShape& shape, const SystolicConfig& config);

}  // namespace vp::npu
