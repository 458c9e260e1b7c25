// A small NPU platform for tests: RAM (descriptor rings) + router + npu.core + mem.hbm_pim, a
// tester on the bus, and helpers to fill descriptors, run a queue and move fp16 data in HBM.
#pragma once

#include <random>
#include <vector>

#include <Imath/half.h>

#include "models/npu/npu_core.h"
#include "tests/support/platform_bench.h"

namespace test {

constexpr std::uint64_t kRam = 0x80000000, kNpu = 0x20000000;

inline nlohmann::json npu_platform(const nlohmann::json& hbm_overrides = nlohmann::json::object(),
                                   const nlohmann::json& npu_overrides = nlohmann::json::object()) {
  nlohmann::json doc = nlohmann::json::parse(R"({"modules": {
    "bus": {"type": "bus.router", "map": [{"target": "ram", "base": "0x80000000"},
                                          {"target": "npu", "base": "0x20000000"}]},
    "ram": {"type": "mem.ram", "size": "1 MiB"},
    "npu": {"type": "npu.core", "bus": "bus", "memory": "hbm", "descriptor_cycles": 10, "latency_ns": 0},
    "hbm": {"type": "mem.hbm_pim", "functional": true}}})");
  doc["modules"]["hbm"]["memory"] =
      std::string(NPVP_SOURCE_DIR) + "/configs/memory/neupims-hbm2.json";
  doc["modules"]["hbm"].update(hbm_overrides);
  doc["modules"]["npu"].update(npu_overrides);
  return doc;
}

struct NpuBench : PlatformBench {
  explicit NpuBench(const nlohmann::json& document = npu_platform())
      : PlatformBench(document, "bus") {
    elaborate();
  }
  vp::npu::NpuCore& npu() { return dynamic_cast<vp::npu::NpuCore&>(*builder->find("npu")); }

  /// Sets up queue `q`'s ring (64 entries at host RAM offset q x 4 KiB), once.
  std::uint64_t ring(unsigned q) {
    const std::uint64_t regs = kNpu + 0x100 + 0x20ULL * q;
    if (tester.read32(regs + 0x04) == 0) {
      tester.write32(regs + 0x00, static_cast<std::uint32_t>(kRam + q * 0x1000ULL));
      tester.write32(regs + 0x04, 64);
    }
    return kRam + q * 0x1000ULL;
  }
  /// Writes `descriptors` at queue q's TAIL, rings the doorbell (no simulation).
  void submit(unsigned q, const std::vector<std::vector<std::uint32_t>>& descriptors) {
    const std::uint64_t base = ring(q), regs = kNpu + 0x100 + 0x20ULL * q;
    std::uint32_t at = tester.read32(regs + 0x08);
    for (auto words : descriptors) {
      words.resize(16, 0);
      for (std::uint32_t w = 0; w < 16; ++w) tester.write32(base + at * 64ULL + 4ULL * w, words[w]);
      at = (at + 1) % 64;
    }
    tester.write32(regs + 0x08, at);
  }
  /// Submits `descriptors` to queue q and simulates until the platform is idle.
  void run(unsigned q, const std::vector<std::vector<std::uint32_t>>& descriptors) {
    submit(q, descriptors);
    sc_core::sc_start();
  }
  /// Rewrites the descriptor at ring index `index` of queue q.
  void replace(unsigned q, std::uint32_t index, std::vector<std::uint32_t> words) {
    words.resize(16, 0);
    for (std::uint32_t w = 0; w < 16; ++w)
      tester.write32(ring(q) + index * 64ULL + 4ULL * w, words[w]);
  }
  /// CONTROL bit 0: clear queue q's error and resume; simulates until idle.
  void resume(unsigned q) {
    tester.write32(kNpu + 0x118 + 0x20ULL * q, 1);
    sc_core::sc_start();
  }
  std::uint32_t status(unsigned q) { return tester.read32(kNpu + 0x110 + 0x20ULL * q); }
  std::uint32_t error_index(unsigned q) { return tester.read32(kNpu + 0x114 + 0x20ULL * q); }
  double stat(const std::string& name) { return context.stats.as_double(name); }

  void put(std::uint64_t address, const std::vector<Imath::half>& data) {
    REQUIRE(npu().dma().debug_write(address, data.size() * 2,
                                    reinterpret_cast<const std::uint8_t*>(data.data())));
  }
  std::vector<Imath::half> get(std::uint64_t address, std::size_t count) {
    std::vector<Imath::half> data(count);
    REQUIRE(
        npu().dma().debug_read(address, count * 2, reinterpret_cast<std::uint8_t*>(data.data())));
    return data;
  }
};

inline std::vector<Imath::half> random_halves(std::size_t count, std::uint32_t seed,
                                              float lo = -1.0F, float hi = 1.0F) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<Imath::half> v(count);
  for (auto& x : v) x = Imath::half(dist(rng));
  return v;
}

inline std::uint32_t lo(std::uint64_t a) { return static_cast<std::uint32_t>(a); }
inline std::uint32_t hi(std::uint64_t a) { return static_cast<std::uint32_t>(a >> 32); }

}  // namespace test
