// GEMM descriptors with their operands streamed from HBM: compute-bound shapes take the
// documented systolic time plus the exposed first load and output writes, weight-heavy shapes are
// bandwidth-bound exactly when bytes / bandwidth exceeds that time, and the functional result
// matches an independent host reference (both weight layouts).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

#include "models/npu/systolic_timing.h"
#include "tests/unit/npu/npu_bench.h"

using test::hi;
using test::lo;

namespace {

struct Measured {
  double cycles, compute_cycles, stall_cycles, bytes;
};

/// Runs one GEMM (W pre-tiled) and returns what it added to the statistics.
Measured run_gemm(test::NpuBench& bench, std::uint64_t m, std::uint64_t k, std::uint64_t n) {
  const std::uint64_t x = 0, w = 1ULL << 28, c = 2ULL << 28;
  const double before = bench.stat("npu.sa.gemm_cycles"),
               compute_before = bench.stat("npu.sa.compute_cycles");
  const double stall_before = bench.stat("npu.sa.stall_cycles");
  const double bytes_before =
      bench.stat("npu.dma.bytes_read") + bench.stat("npu.dma.bytes_written");
  bench.run(0, {{3, static_cast<std::uint32_t>(m), static_cast<std::uint32_t>(k),
                 static_cast<std::uint32_t>(n), lo(x), hi(x), lo(w), hi(w), lo(c), hi(c), 1}});
  REQUIRE(bench.status(0) == 0);
  return {bench.stat("npu.sa.gemm_cycles") - before,
          bench.stat("npu.sa.compute_cycles") - compute_before,
          bench.stat("npu.sa.stall_cycles") - stall_before,
          bench.stat("npu.dma.bytes_read") + bench.stat("npu.dma.bytes_written") - bytes_before};
}

/// Peak bandwidth in bytes per NPU cycle (1 GHz): channels x bus bytes x 2 (DDR) per tCK (1 ns
/// in the NeuPIMs parameters), and what refresh leaves of it: 1 - ranks x tRFC / tREFI
/// (2 x 260 / 3900, 87%).
double peak_bytes_per_cycle(test::NpuBench& bench) {
  const auto& org = bench.npu().dma().memory().organization();
  return org.channels * (org.bus_width_bits / 8.0) * 2.0;
}
constexpr double kRefreshShare = 1.0 - 2.0 * 260 / 3900;

}  // namespace

TEST_CASE(
    "a compute-bound GEMM takes the systolic time plus its exposed first load and last writes",
    "[npu][gemm]") {
  test::NpuBench bench(test::npu_platform({{"functional", false}}));
  // M = 1024, K = 2048, N = 1024: one block per array, 16 K tiles of 1024 rows each.
  const Measured r = run_gemm(bench, 1024, 2048, 1024);
  CHECK(r.compute_cycles == 128 + 15 * 1024 + 1024 + 254);
  const double peak = peak_bytes_per_cycle(bench);
  // Per wave: 8 weight tiles (256 KiB) + one activation slice (256 KiB) in 1024 cycles, 58% of
  // the refresh-limited bandwidth: the arrays never wait after the first wave. Exposed: the
  // first wave and the output (2 MiB, final only when the last K tile drains).
  const double first_wave = 512.0 * 1024, output = 1024.0 * 1024 * 2;
  CHECK(r.cycles >= r.compute_cycles + (first_wave + output) / peak);
  CHECK(r.cycles <= r.compute_cycles + (first_wave + output) / (0.75 * kRefreshShare * peak));
  CHECK(r.bytes == 1024.0 * 2048 * 2 + 2048.0 * 1024 * 2 + output);
}

TEST_CASE("a GEMM streaming its weights is bandwidth-bound exactly when the arithmetic says so",
          "[npu][gemm]") {
  test::NpuBench bench(test::npu_platform({{"functional", false}}));
  const double peak = peak_bytes_per_cycle(bench);
  const std::uint64_t k = 2048, n = 2048;
  for (std::uint64_t m : {8, 32, 128, 256, 512, 1024, 2048}) {
    const Measured r = run_gemm(bench, m, k, n);
    const double memory_cycles = r.bytes / (kRefreshShare * peak);
    std::printf("M=%4llu compute %8.0f memory %8.0f measured %8.0f stall %8.0f\n",
                static_cast<unsigned long long>(m), r.compute_cycles, memory_cycles, r.cycles,
                r.stall_cycles);
    INFO("M = " << m << ": compute " << r.compute_cycles << ", bytes/peak " << memory_cycles
                << ", measured " << r.cycles);
    CHECK(r.cycles >= std::max(r.compute_cycles, r.bytes / peak));
    const double output_cycles = static_cast<double>(m * n * 2) / (kRefreshShare * peak);
    if (memory_cycles > 1.25 * r.compute_cycles) {
      // Bandwidth-bound: the memory streams at >= 80% of what refresh leaves, the arrays wait.
      CHECK(r.cycles <= memory_cycles / 0.8);
      CHECK(r.stall_cycles >= 0.15 * r.cycles);
    } else if (r.compute_cycles > 1.25 * memory_cycles) {
      // Compute-bound: only the first wave (<= 512 KiB) and the output writes are exposed.
      CHECK(r.cycles <= r.compute_cycles + (output_cycles + 600) / 0.8);
    }
  }
}

namespace {

/// W (row-major K x N) as 128 x 128 tiles, tile (kt, nt) at (kt x n_tiles + nt), zero-padded.
std::vector<Imath::half> tile_weights(const std::vector<Imath::half>& w, std::uint64_t k,
                                      std::uint64_t n) {
  const std::uint64_t kt = (k + 127) / 128, nt = (n + 127) / 128;
  std::vector<Imath::half> tiles(kt * nt * 128 * 128, Imath::half(0.0F));
  for (std::uint64_t r = 0; r < k; ++r)
    for (std::uint64_t c = 0; c < n; ++c)
      tiles[((r / 128) * nt + c / 128) * 128 * 128 + (r % 128) * 128 + c % 128] = w[r * n + c];
  return tiles;
}

}  // namespace

TEST_CASE("a functional GEMM matches a host reference within fp16 tolerance",
          "[npu][gemm][functional]") {
  test::NpuBench bench;
  for (const bool tiled : {false, true})
    for (auto [m, k, n] :
         {std::array<std::uint64_t, 3>{37, 300, 200}, {130, 128, 129}, {1, 1000, 3}}) {
      const std::uint64_t x = 0x1000, w = 0x400000, c = 0x900000 + 64;
      const auto xs = test::random_halves(m * k, 1 + static_cast<std::uint32_t>(m));
      const auto ws = test::random_halves(k * n, 2 + static_cast<std::uint32_t>(n));
      bench.put(x, xs);
      bench.put(w, tiled ? tile_weights(ws, k, n) : ws);
      bench.run(0, {{3, static_cast<std::uint32_t>(m), static_cast<std::uint32_t>(k),
                     static_cast<std::uint32_t>(n), lo(x), hi(x), lo(w), hi(w), lo(c), hi(c),
                     tiled ? 1U : 0U}});
      REQUIRE(bench.status(0) == 0);
      const auto cs = bench.get(c, m * n);
      std::size_t wrong = 0;
      for (std::uint64_t i = 0; i < m; ++i)
        for (std::uint64_t j = 0; j < n; ++j) {
          double ref = 0;
          for (std::uint64_t l = 0; l < k; ++l)
            ref += double(xs[i * k + l]) * double(ws[l * n + j]);
          const double got = double(cs[i * n + j]);
          if (std::abs(got - ref) > 2e-3 * std::abs(ref) + 1e-2) ++wrong;
        }
      INFO("M=" << m << " K=" << k << " N=" << n << (tiled ? " (W tiled)" : ""));
      CHECK(wrong == 0);
    }
}

TEST_CASE("the NPU's energy is the configured per-event energies times the events it counted",
          "[npu][gemm][energy]") {
  test::NpuBench bench(test::npu_platform({{"functional", false}}, {{"energy",
                                                                     {{"mac_pj", 2.0},
                                                                      {"sram_pj_per_byte", 2.5},
                                                                      {"vector_lane_pj", 3.7},
                                                                      {"static_w", 1.5}}}}));
  const Measured r = run_gemm(bench, 1024, 2048, 1024);
  // 1024 x 2048 x 1024 MACs. SRAM: 8 arrays x 16 K tiles, each item reads a 128 x 128 fp16 weight
  // tile and a 1024 x 128 fp16 activation chunk and writes 1024 x 128 fp32 partial sums, plus
  // every DMA byte (10 MiB).
  const double macs = 1024.0 * 2048 * 1024;
  const double items = 8.0 * 16;
  const double array_bytes = items * (2.0 * (128 * 128 + 1024 * 128) + 4.0 * 1024 * 128);
  CHECK(r.bytes == 10.0 * 1024 * 1024);
  CHECK(bench.stat("npu.energy.mac_pj") == Approx(macs * 2.0));
  CHECK(bench.stat("npu.energy.sram_pj") == Approx((array_bytes + r.bytes) * 2.5));
  CHECK(bench.stat("npu.energy.vector_pj") == 0.0);
  CHECK(bench.stat("npu.energy.static_pj") ==
        Approx(1.5 * sc_core::sc_time_stamp().to_seconds() * 1e12));
  CHECK(bench.stat("npu.energy.total_pj") ==
        Approx(bench.stat("npu.energy.mac_pj") + bench.stat("npu.energy.sram_pj") +
               bench.stat("npu.energy.static_pj")));
}

TEST_CASE("a negative NPU energy is refused with the key named", "[npu][energy][errors]") {
  CHECK_THROWS_WITH(test::NpuBench(test::npu_platform(nlohmann::json::object(),
                                                      {{"energy", {{"mac_pj", -1.0}}}})),
                    Catch::Contains("modules.npu.energy.mac_pj"));
}

TEST_CASE("under the simulator's timing a GEMM computes for its closed-form time", "[npu][gemm]") {
  test::NpuBench bench(
      test::npu_platform({{"functional", false}}, {{"systolic", {{"model", "neupims-sim"}}}}));
  const Measured r = run_gemm(bench, 256, 1024, 4096);
  // 2 token blocks x 8 K blocks, 32 instructions of 16 cycles each, fill 270.
  const double formula = 16.0 * (128 + 16 * 31) + 270;
  CHECK(r.compute_cycles == formula);
  CHECK(r.cycles >= formula);  // never faster than its compute
  CHECK(r.cycles <= formula + (1024.0 * 4096 * 2 + 256.0 * 1024 * 2 + 256.0 * 4096 * 2) /
                                  (0.75 * kRefreshShare * peak_bytes_per_cycle(bench)));
}

TEST_CASE("an unknown systolic model is refused with the choices", "[npu][errors]") {
  CHECK_THROWS_WITH(
      test::NpuBench(
          test::npu_platform(nlohmann::json::object(), {{"systolic", {{"model", "fast"}}}})),
      Catch::Contains(
          "modules.npu.systolic.model: 'fast' is not allowed (allowed: arrays, neupims-sim, neupims-sim-npu-only)"));
}
