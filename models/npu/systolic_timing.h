// Tiling and cycle model of a GEMM on the NPU's weight-stationary systolic arrays.
//
// Contract: gemm_plan() cuts C[M x N] = X[M x K] . W[K x N] into the work items each of
// `arrays` arrays of `rows` x `cols` PEs runs, in order; gemm_timing() gives the compute cycles
// of that plan when operands are always on chip (docs/npu.md derives it).
// - Weights are cut into rows x cols tiles (ceil(K/rows) along K, ceil(N/cols) along N); the
//   activations into row chunks of at most max_rows (what one block's fp32 partial sums may
//   take of the accumulator: acc_bytes / (cols x 4 B)).
// - An output block (one N tile x one row chunk) belongs to one array; blocks go to arrays
//   round-robin. An array keeps as many of its blocks' partial sums as its accumulator holds
//   (a group) and runs the group K tile by K tile: for each K tile, one item per block of the
//   group, so an activation slice (chunk, K tile) serves the whole group before the next.
// - Per item (one weight tile, m activation rows): weight load `rows` cycles, streaming m cycles.
//   The next item's weights load while this one streams, so an item occupies max(m, rows)
//   cycles except the first weight load and the last item's streaming; the pipeline fill/drain
//   rows + cols - 2 is paid once at the end:
//   array cycles = rows + (sum over all but the last item of max(m_i, rows)) + m_last
//                  + rows + cols - 2
// - The GEMM takes the slowest array's cycles; utilization = M N K / (arrays rows cols cycles).
// Memory traffic (weights streamed from HBM by the DMA) is the GEMM engine's (gemm_engine.h).
//
// SystolicModel::Simulator / SimulatorNpuOnly replace that cycle model by the public NeuPIMs
// simulator's, for comparing with it (docs/npu.md): the arrays act as one pipeline whose GEMM
// instruction covers a rows x cols x rows block in s = max(rows / arrays, 4) cycles, weights
// transposed, per (token block, K block) one PRELOAD then ceil(N / cols) - 1 GEMMs. Its NeuPIMs
// branch issues a PRELOAD `rows` cycles after the previous instruction, its NPU-only branch only
// when the previous one finished (its latency, rows + cols + s - 1): simulator_gemm_cycles().
#pragma once

#include <cstdint>
#include <vector>

namespace vp::npu {

enum class SystolicModel : std::uint8_t { Arrays, Simulator, SimulatorNpuOnly };

struct SystolicConfig {
  SystolicModel model = SystolicModel::Arrays;
  std::uint32_t arrays = 8;
  std::uint32_t rows = 128;                      ///< PE rows = weight-tile K extent
  std::uint32_t cols = 128;                      ///< PE columns = weight-tile N extent
  std::uint64_t accumulator_bytes = 1ULL << 20;  ///< per array, fp32 partial sums

  [[nodiscard]] std::uint64_t max_rows() const {
    return accumulator_bytes / (std::uint64_t{cols} * 4);
  }
  /// Simulator models: cycles of one GEMM instruction (a block of `rows` tokens).
  [[nodiscard]] std::uint64_t simulator_block() const {
    return std::max<std::uint64_t>(rows / arrays, 4);
  }
  /// Simulator models: latency of one instruction of `size` cycles (its NeuPIMs branch
  /// rows + cols - 2 + size, its NPU-only branch rows + cols + size - 1).
  [[nodiscard]] std::uint64_t simulator_latency(std::uint64_t size) const {
    return model == SystolicModel::SimulatorNpuOnly ? rows + cols + size - 1
                                                    : rows + cols - 2 + size;
  }
};

struct GemmShape {
  std::uint64_t m = 0, k = 0, n = 0;
};

/// One weight tile applied to one activation row chunk on one array.
struct GemmItem {
  std::uint64_t row0 = 0, rows = 0;  ///< activation rows [row0, row0 + rows) (the chunk)
  std::uint64_t k0 = 0, k_len = 0;   ///< K range of the weight tile
  std::uint64_t n0 = 0, n_len = 0;   ///< N range of the weight tile
  bool last_k = false;               ///< the block's last K tile: its output is final after it
};

struct GemmPlan {
  std::uint64_t k_tiles = 0, n_tiles = 0, row_chunks = 0, blocks = 0;
  std::vector<std::vector<GemmItem>> items;  ///< per array, in execution order
};

struct GemmTiming {
  std::uint64_t cycles = 0;
  std::uint64_t k_tiles = 0, n_tiles = 0, row_chunks = 0, blocks = 0;
  std::vector<std::uint64_t> array_cycles;  ///< busy cycles of each array
  double utilization = 0.0;                 ///< useful MACs / (arrays x rows x cols x cycles)
  std::uint64_t weight_bytes = 0;           ///< fp16 weights read (each tile once per row chunk)
};

[[nodiscard]] GemmPlan gemm_plan(const GemmShape& shape, const SystolicConfig& config);
[[nodiscard]] GemmTiming gemm_timing(const GemmShape& shape, const SystolicConfig& config);
/// The same for a plan already made by gemm_plan(shape, config).
[[nodiscard]] GemmTiming gemm_timing(const GemmPlan& plan, const GemmShape& shape,
                                     const SystolicConfig& config);
/// Compute cycles of a GEMM (M tokens, K, N outputs) under a simulator model (0 for Arrays):
/// B = ceil(M / rows) x ceil(K / rows) PRELOAD blocks, O = ceil(N / cols) instructions each;
/// Simulator: B (rows + s (O - 1)) + latency(s); SimulatorNpuOnly: B (latency(s) + s (O - 1))
/// + latency(s).
[[nodiscard]] std::uint64_t simulator_gemm_cycles(const GemmShape& shape,
                                                  const SystolicConfig& config);

}  // namespace vp::npu
