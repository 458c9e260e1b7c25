// npu.core on a small platform (RAM + router + NPU), driven through its registers by a tester:
// GEMM descriptors take the systolic-array time of the documented model, array statistics add
// up, and bad sizes stop the queue.
#include <catch2/catch.hpp>

#include "tests/support/platform_bench.h"

using nlohmann::json;

namespace {

constexpr std::uint64_t kRam = 0x80000000, kNpu = 0x20000000;

json platform() {
  return json::parse(R"({"modules": {
    "bus": {"type": "bus.router", "map": [{"target": "ram", "base": "0x80000000"},
                                          {"target": "npu", "base": "0x20000000"}]},
    "ram": {"type": "mem.ram", "size": "1 MiB"},
    "npu": {"type": "npu.core", "bus": "bus", "descriptor_cycles": 10, "latency_ns": 0}}})");
}

void write_descriptor(test::Tester& t, std::uint32_t index, std::vector<std::uint32_t> words) {
  words.resize(16, 0);
  for (std::uint32_t w = 0; w < 16; ++w) t.write32(kRam + index * 64 + 4 * w, words[w]);
}

}  // namespace

TEST_CASE("GEMM descriptors take the systolic-array time", "[npu][gemm]") {
  test::PlatformBench bench(platform(), "bus");
  bench.elaborate();
  auto& t = bench.tester;
  write_descriptor(t, 0, {3, 256, 256, 1024});  // GEMM M=256 K=256 N=1024
  write_descriptor(t, 1, {3, 100, 300, 200});   // GEMM M=100 K=300 N=200
  t.write32(kNpu + 0x100, static_cast<std::uint32_t>(kRam));  // Q0_BASE
  t.write32(kNpu + 0x104, 8);                                 // Q0_SIZE
  t.write32(kNpu + 0x108, 2);                                 // Q0_HEAD: two descriptors
  sc_core::sc_start();
  CHECK(t.read32(kNpu + 0x10C) == 2);  // TAIL
  // From docs/npu.md: 128 + 256 + 256 + 254 = 894 on eight arrays, 128 + 2*128 + 100 + 254 = 738
  // on two; each descriptor adds 10 cycles of overhead (1 GHz, no bus latency).
  CHECK(bench.context.stats.as_double("npu.sa.gemms") == 2);
  CHECK(bench.context.stats.as_double("npu.sa.gemm_cycles") == 894 + 738);
  CHECK(bench.context.stats.as_double("npu.sa.busy_cycles") == 8 * 894 + 2 * 738);
  CHECK(sc_core::sc_time_stamp() == sc_core::sc_time(10 + 894 + 10 + 738, sc_core::SC_NS));
  const double macs = 256.0 * 256 * 1024 + 100.0 * 300 * 200;
  CHECK(bench.context.stats.as_double("npu.sa.utilization") ==
        Approx(macs / (8.0 * 128 * 128 * (10 + 894 + 10 + 738))));
}

TEST_CASE("a GEMM with a zero or huge dimension stops its queue", "[npu][gemm]") {
  test::PlatformBench bench(platform(), "bus");
  bench.elaborate();
  auto& t = bench.tester;
  write_descriptor(t, 0, {3, 0, 128, 128});
  t.write32(kNpu + 0x100, static_cast<std::uint32_t>(kRam));
  t.write32(kNpu + 0x104, 4);
  t.write32(kNpu + 0x108, 1);
  sc_core::sc_start();
  CHECK(t.read32(kNpu + 0x110) == 5);  // STATUS = BAD_SIZE
  CHECK(t.read32(kNpu + 0x114) == 0);  // ERROR_INDEX
  CHECK((t.read32(kNpu + 0x004) & 2U) != 0);
  write_descriptor(t, 0, {3, 1, 1U << 21, 128});  // K beyond 2^20
  t.write32(kNpu + 0x118, 1);                     // CONTROL: clear and retry
  sc_core::sc_start();
  CHECK(t.read32(kNpu + 0x110) == 5);
  CHECK(bench.context.stats.as_double("npu.sa.gemms") == 0);
}

TEST_CASE("VECTOR descriptors take the vector-unit time and bad ones stop the queue", "[npu][vector]") {
  test::PlatformBench bench(platform(), "bus");
  bench.elaborate();
  auto& t = bench.tester;
  write_descriptor(t, 0, {4, 4, 10, 4096});  // LAYERNORM, 10 rows of 4096: 2 row times of 229
  write_descriptor(t, 1, {4, 2, 256, 4096});  // GELU, 256 rows: 32 row times of 32
  write_descriptor(t, 2, {4, 9, 1, 1});      // unknown operation
  t.write32(kNpu + 0x100, static_cast<std::uint32_t>(kRam));
  t.write32(kNpu + 0x104, 8);
  t.write32(kNpu + 0x108, 3);
  sc_core::sc_start();
  CHECK(bench.context.stats.as_double("npu.vu.ops") == 2);
  CHECK(bench.context.stats.as_double("npu.vu.cycles") == 2 * 229 + 32 * 32);
  CHECK(t.read32(kNpu + 0x110) == 6);  // BAD_VECTOR_OP
  CHECK(t.read32(kNpu + 0x114) == 2);
  write_descriptor(t, 2, {4, 3, 0, 128});  // SOFTMAX with zero rows
  t.write32(kNpu + 0x118, 1);
  sc_core::sc_start();
  CHECK(t.read32(kNpu + 0x110) == 5);  // BAD_SIZE
}
