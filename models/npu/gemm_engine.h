// The systolic arrays fed by the DMA: one GEMM with its weights and activations streamed from HBM.
//
// Contract: run() executes C[M x N] = X[M x K] . W[K x N] (row-major fp16 in HBM) with the
// items of gemm_plan() (systolic_timing.h), each gated by the arrival of its operands:
// - W is row-major K x N, or pre-tiled (Operands::w_tiled: each weight tile contiguous, which
//   spreads every tile over all channels; firmware stores weights that way).
// - Wave i = the i-th item of every array. Its data: the weight tiles of those items and the
//   activation slices (row chunk x K tile) that the previous wave did not already hold.
// - The DMA loads at most `prefetch_waves` waves ahead (2 = double buffering): wave i + 2 starts
//   loading once every array has taken wave i's weights into its PEs.
// - Per array: an item's weight load (rows cycles) starts when the previous item starts
//   streaming and the item's wave has arrived; its streaming (m cycles) starts when the previous
//   item's streaming is over and its weights are loaded. With operands always on time this is
//   exactly gemm_timing(); otherwise the arrays stall and the GEMM is bandwidth-bound.
// - Under a simulator model (SystolicConfig::model), the waves are loaded the same way but each
//   takes an equal share of simulator_gemm_cycles() on one pipeline, after its data arrived and
//   the previous wave's share ended.
// - A block's output (m x n_len fp16) is written as soon as its last K tile has drained; the
//   GEMM ends when the arrays are done and every output write is answered.
// - Functional mode: C is computed from X and W (debug reads) in fp32 and carried by the timed
//   writes; timing mode moves no data. The timing is the same in both.
// - The arrays are held for the whole GEMM (a mutex shared with NPU-mode attention).
// run() returns false if the memory refused a transfer (the caller reports the error).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "models/npu/dma_engine.h"
#include "models/npu/systolic_timing.h"
#include "platform/trace_events.h"

namespace vp::npu {

class GemmEngine {
 public:
  struct Operands {
    std::uint64_t x = 0, w = 0, c = 0;
    /// W stored as tiles: tile (kt, nt) is a contiguous rows x cols fp16 block (row-major,
    /// zero-padded) at w + (kt x n_tiles + nt) x rows x cols x 2, so the tiles one wave needs
    /// are adjacent. Otherwise W is row-major K x N.
    bool w_tiled = false;
  };
  /// Bytes W occupies in the given layout.
  [[nodiscard]] std::uint64_t weight_bytes(const GemmShape& shape, bool tiled) const;
  struct Stats {
    std::uint64_t gemms = 0;
    std::uint64_t weight_bytes = 0;    ///< weight bytes the DMA read for the GEMMs' waves
    std::uint64_t cycles = 0;          ///< wall cycles of GEMM descriptors
    std::uint64_t compute_cycles = 0;  ///< what they would take with operands always on chip
    std::vector<std::uint64_t> array_busy_cycles;
    double macs = 0.0;
    /// On-chip SRAM traffic of the arrays: weight tiles and activation chunks read (fp16) and
    /// partial sums written to the accumulators (fp32), per plan item.
    double sram_bytes = 0.0;
  };

  GemmEngine(std::string track_prefix, const SystolicConfig& config, std::uint32_t prefetch_waves,
             const sc_core::sc_time& period, DmaEngine& dma, sc_core::sc_mutex& arrays,
             const TraceEvents& events, bool functional);

  /// From a thread: runs one GEMM (shape already validated); false if a transfer was refused.
  bool run(const GemmShape& shape, const Operands& operands);
  [[nodiscard]] const Stats& stats() const { return stats_; }
  [[nodiscard]] const SystolicConfig& config() const { return config_; }

 private:
  bool stream(const GemmShape& shape, const Operands& operands);

  std::string track_prefix_;
  SystolicConfig config_;
  std::uint32_t prefetch_waves_;
  sc_core::sc_time period_;
  DmaEngine& dma_;
  sc_core::sc_mutex& arrays_;
  const TraceEvents& events_;
  bool functional_;
  Stats stats_;
};

}  // namespace vp::npu
