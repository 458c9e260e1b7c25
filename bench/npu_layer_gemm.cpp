// NPU speed benchmark: the four GEMMs of one GPT3-7B decoder layer (the device's tensor-parallel
// shard, TP = 4: QKV 4096 -> 3072, projection 1024 -> 4096, FFN 4096 -> 4096 and 4096 -> 4096) at
// batch 256, weights pre-tiled and streamed from mem.hbm_pim (timing only), descriptors read from
// host RAM. Reports the wall time of the simulation and, for reference, the simulated time.
// Ends with: BENCH npu_layer_gemm_wall_s <value> s
#include <chrono>
#include <cstdio>

#include <systemc>

#include "tests/support/platform_bench.h"

using nlohmann::json;

int sc_main(int /*argc*/, char* /*argv*/[]) {
  json document = json::parse(R"({"modules": {
    "bus": {"type": "bus.router", "map": [{"target": "ram", "base": "0x80000000"},
                                          {"target": "npu", "base": "0x20000000"}]},
    "ram": {"type": "mem.ram", "size": "1 MiB"},
    "npu": {"type": "npu.core", "bus": "bus", "memory": "hbm"},
    "hbm": {"type": "mem.hbm_pim", "functional": false, "mode": "dual"}}})");
  document["modules"]["hbm"]["memory"] =
      std::string(NPVP_SOURCE_DIR) + "/configs/memory/neupims-hbm2.json";
  test::PlatformBench bench(document, "bus");
  bench.elaborate();
  constexpr std::uint64_t kRam = 0x80000000, kNpu = 0x20000000;
  const std::uint32_t batch = 256;
  struct Gemm {
    std::uint32_t k, n;
  };
  const Gemm gemms[] = {{4096, 3072}, {1024, 4096}, {4096, 4096}, {4096, 4096}};
  std::uint64_t weights = 1ULL << 30;  // activations below 1 GiB, weights above
  std::uint32_t index = 0;
  for (const auto& g : gemms) {
    const std::uint64_t x = 0, c = 256ULL << 20;
    const std::uint32_t words[16] = {3,
                                     batch,
                                     g.k,
                                     g.n,
                                     static_cast<std::uint32_t>(x),
                                     0,
                                     static_cast<std::uint32_t>(weights),
                                     static_cast<std::uint32_t>(weights >> 32),
                                     static_cast<std::uint32_t>(c),
                                     0,
                                     1};
    for (std::uint32_t w = 0; w < 16; ++w)
      bench.tester.write32(kRam + std::uint64_t{index} * 64 + std::uint64_t{4} * w, words[w]);
    weights += std::uint64_t{g.k} * g.n * 2;
    ++index;
  }
  bench.tester.write32(kNpu + 0x100, static_cast<std::uint32_t>(kRam));
  bench.tester.write32(kNpu + 0x104, 8);
  const auto start = std::chrono::steady_clock::now();
  bench.tester.write32(kNpu + 0x108, index);
  sc_core::sc_start();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (bench.tester.read32(kNpu + 0x10C) != index || bench.tester.read32(kNpu + 0x110) != 0) {
    std::fprintf(stderr, "the GEMMs did not complete (queue status %u)\n",
                 bench.tester.read32(kNpu + 0x110));
    return 1;
  }
  std::printf("simulated %.1f us for %u GEMMs, %.0f MB of DMA, stall %.0f of %.0f cycles\n",
              sc_core::sc_time_stamp().to_seconds() * 1e6, index,
              bench.context.stats.as_double("npu.dma.bytes_read") / 1e6,
              bench.context.stats.as_double("npu.sa.stall_cycles"),
              bench.context.stats.as_double("npu.sa.gemm_cycles"));
  std::printf("BENCH npu_layer_gemm_wall_s %.3f s\n", wall);
  return 0;
}
