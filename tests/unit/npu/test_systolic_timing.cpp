// GEMM cycle model: hand-computed cases from the formula in docs/npu.md (array cycles = rows +
// sum of max(m, rows) over all but the last item + m_last + rows + cols - 2), and how
// utilization behaves with the batch M.
#include <catch2/catch.hpp>

#include "models/npu/systolic_timing.h"

using vp::npu::gemm_timing;
using vp::npu::GemmShape;
using vp::npu::SystolicConfig;

TEST_CASE("GEMM cycles follow the documented tiling formula", "[npu][gemm]") {
  const SystolicConfig c;  // 8 arrays of 128 x 128, 1 MiB accumulators -> 2048 rows
  SECTION("one row, one tile: weight load + 1 row + fill/drain") {
    const auto t = gemm_timing({1, 128, 128}, c);
    CHECK(t.cycles == 128 + 1 + 254);
    CHECK(t.blocks == 1);
    CHECK(t.array_cycles[1] == 0);
  }
  SECTION("M above 128: two K tiles per array, eight N tiles over eight arrays") {
    const auto t = gemm_timing({256, 256, 1024}, c);
    CHECK(t.k_tiles == 2);
    CHECK(t.n_tiles == 8);
    CHECK(t.cycles == 128 + 256 + 256 + 254);  // load, item 1 (256 > 128), item 2, drain
  }
  SECTION("M below 128 and K, N not multiples of 128: the weight load bounds each item") {
    const auto t = gemm_timing({100, 300, 200}, c);
    CHECK(t.k_tiles == 3);
    CHECK(t.n_tiles == 2);
    CHECK(t.cycles == 128 + 2 * 128 + 100 + 254);
  }
  SECTION("M beyond the accumulator: row chunks of 2048 on different arrays") {
    const auto t = gemm_timing({3000, 128, 128}, c);
    CHECK(t.row_chunks == 2);
    CHECK(t.array_cycles[0] == 128 + 2048 + 254);
    CHECK(t.array_cycles[1] == 128 + 952 + 254);
    CHECK(t.cycles == t.array_cycles[0]);
  }
  SECTION("more blocks than arrays: the busiest array decides") {
    const auto t =
        gemm_timing({64, 128, std::uint64_t{9} * 128}, c);  // 9 N tiles: array 0 gets two
    CHECK(t.cycles == 128 + 128 + 64 + 254);
    CHECK(t.array_cycles[1] == 128 + 64 + 254);
  }
  SECTION("weights are read once per row chunk") {
    CHECK(gemm_timing({3000, 256, 512}, c).weight_bytes == 2ULL * 256 * 512 * 2);
  }
}

TEST_CASE("utilization grows with M until the weight load is hidden", "[npu][gemm]") {
  const SystolicConfig c;
  // K = 4096, N = 4096: 32 x 32 tiles, 4 N tiles per array, 128 items per array.
  double previous = 0;
  for (std::uint64_t m : {1, 16, 64, 128}) {
    const double u = gemm_timing({m, 4096, 4096}, c).utilization;
    CHECK(u > previous);
    // Below 128 rows an item costs 128 cycles for m rows of work: utilization ~ m / 128.
    CHECK(u == Approx(static_cast<double>(m) / 128).epsilon(0.05));
    previous = u;
  }
  // Above 128 rows the arrays stream continuously: utilization near 1.
  CHECK(gemm_timing({512, 4096, 4096}, c).utilization == Approx(1.0).epsilon(0.02));
  CHECK(gemm_timing({0, 4096, 4096}, c).cycles == 0);
}

TEST_CASE("the public simulator's GEMM timing follows its closed forms", "[npu][gemm]") {
  // GPT3-7B QKV on one device at batch 256: 256 tokens, K 4096, N 3072 -> 2 x 32 PRELOAD blocks,
  // 24 instructions of 128 / 8 = 16 cycles each.
  SystolicConfig c;
  CHECK(vp::npu::simulator_gemm_cycles({256, 4096, 3072}, c) == 0);  // the arrays model
  c.model = vp::npu::SystolicModel::Simulator;
  // NeuPIMs branch: PRELOAD 128 after its predecessor, GEMMs every 16, fill 128 + 128 - 2 + 16.
  CHECK(vp::npu::simulator_gemm_cycles({256, 4096, 3072}, c) == 64 * (128 + 16 * 23) + 270);
  // The formula as the simulator's documentation states it: 16 O K N + 112 per PRELOAD + 270.
  CHECK(vp::npu::simulator_gemm_cycles({256, 4096, 3072}, c) == 16 * 24 * 32 * 2 + 112 * 64 + 270);
  // A partial token block costs a whole one (its blocks ignore the valid rows).
  CHECK(vp::npu::simulator_gemm_cycles({1, 4096, 3072}, c) ==
        vp::npu::simulator_gemm_cycles({128, 4096, 3072}, c));
  c.model = vp::npu::SystolicModel::SimulatorNpuOnly;
  // NPU-only branch: each PRELOAD waits for its predecessor's latency 128 + 128 + 16 - 1.
  CHECK(vp::npu::simulator_gemm_cycles({256, 4096, 3072}, c) == 64 * (271 + 16 * 23) + 271);
}
