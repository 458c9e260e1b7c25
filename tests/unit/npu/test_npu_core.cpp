// npu.core driven through its registers by a tester: descriptors run in order, bad ones stop
// their queue with the documented status, and the unit statistics add up.
#include <catch2/catch.hpp>

#include "tests/unit/npu/npu_bench.h"

using test::hi;
using test::lo;

TEST_CASE("a GEMM with a zero or huge dimension stops its queue", "[npu][gemm]") {
  test::NpuBench bench;
  bench.run(0, {{3, 0, 128, 128}});
  CHECK(bench.status(0) == 5);  // BAD_SIZE
  CHECK(bench.error_index(0) == 0);
  CHECK((bench.tester.read32(test::kNpu + 0x004) & 2U) != 0);
  bench.replace(0, 0, {3, 1, 1U << 21, 128});  // K beyond 2^20
  bench.resume(0);
  CHECK(bench.status(0) == 5);
  CHECK(bench.stat("npu.sa.gemms") == 0);
}

TEST_CASE("a GEMM operand outside the memory stops the queue with BAD_ADDRESS", "[npu][gemm]") {
  test::NpuBench bench;
  const std::uint64_t capacity = bench.npu().dma().memory().mapping().capacity();
  const std::uint64_t c = capacity - 100;  // C needs 128 x 128 x 2 bytes
  bench.run(0, {{3, 128, 128, 128, 0, 0, 0, 0, lo(c), hi(c)},
                {3, 128, 128, 128, 0, 0, lo(capacity), hi(capacity), 0, 0}});
  CHECK(bench.status(0) == 7);  // BAD_ADDRESS
  CHECK(bench.error_index(0) == 0);
  bench.replace(0, 0, {0});  // replace it by a NOP: the next one (W at the capacity) fails too
  bench.resume(0);
  CHECK(bench.status(0) == 7);
  CHECK(bench.error_index(0) == 1);
  CHECK(bench.stat("npu.sa.gemms") == 0);
  CHECK(bench.stat("npu.dma.transactions") == 0);
}

TEST_CASE("VECTOR descriptors compute for the vector-unit time and bad ones stop the queue",
          "[npu][vector]") {
  test::NpuBench bench;
  const std::uint64_t src = 0, dst = 1 << 24;
  bench.run(0, {{4, 4, 10, 4096, lo(src), hi(src), lo(dst),
                 hi(dst)},  // LAYERNORM 10 x 4096: 2 row times of 229
                {4, 2, 256, 4096, lo(src), hi(src), lo(dst),
                 hi(dst)},        // GELU, 256 rows: 32 row times of 32
                {4, 11, 1, 1}});  // unknown operation
  CHECK(bench.stat("npu.vu.ops") == 2);
  CHECK(bench.stat("npu.vu.busy_cycles") == 10 * 229 + 256 * 32);  // summed over the units
  // The rows are read from and written to HBM: the descriptors take longer than the compute.
  CHECK(bench.stat("npu.vu.cycles") > 2 * 229 + 32 * 32);
  CHECK(bench.stat("npu.dma.bytes_read") == (10 + 256) * 4096 * 2);
  CHECK(bench.stat("npu.dma.bytes_written") == (10 + 256) * 4096 * 2);
  CHECK(bench.status(0) == 6);  // BAD_VECTOR_OP
  CHECK(bench.error_index(0) == 2);
  bench.replace(0, 2, {4, 3, 0, 128});  // SOFTMAX with zero rows
  bench.resume(0);
  CHECK(bench.status(0) == 5);  // BAD_SIZE
}

TEST_CASE("an NPU whose memory is not an HBM-PIM memory is a config error", "[npu][config]") {
  nlohmann::json doc = test::npu_platform();
  doc["modules"]["npu"]["memory"] = "ram";
  CHECK_THROWS_WITH(test::NpuBench(doc), Catch::Contains("modules.npu.memory") &&
                                             Catch::Contains("not an HBM-PIM memory"));
}

TEST_CASE("rewriting BASE or SIZE re-initialises an idle queue and refuses a busy one",
          "[npu][queues]") {
  test::NpuBench bench;
  const std::uint64_t regs = test::kNpu + 0x100;  // queue 0
  bench.run(0, {{0}, {0}, {0}});                  // three NOPs: HEAD = TAIL = 3
  REQUIRE(bench.tester.read32(regs + 0x0C) == 3);
  // Re-pointing the idle ring starts it empty: stale descriptors of the old ring never run.
  bench.tester.write32(regs + 0x04, 64);
  CHECK(bench.tester.read32(regs + 0x08) == 0);  // HEAD
  CHECK(bench.tester.read32(regs + 0x0C) == 0);  // TAIL
  CHECK(bench.status(0) == 0);
  bench.run(0, {{0}});
  CHECK(bench.stat("npu.q0.descriptors") == 4);  // the three, then the one submitted since
  // A queue with a descriptor pending (a WAIT that no SIGNAL releases) keeps its ring.
  bench.run(0, {{2, 0, 1}, {0}});
  REQUIRE(bench.tester.read32(regs + 0x0C) == 1);
  bench.tester.write32(regs + 0x00, static_cast<std::uint32_t>(test::kRam + 0x8000));
  CHECK(bench.status(0) == 4);  // BAD_DOORBELL
  CHECK(bench.tester.read32(regs + 0x00) == static_cast<std::uint32_t>(test::kRam));
  CHECK(bench.tester.read32(regs + 0x08) == 3);  // HEAD unchanged
}

TEST_CASE("a deadlock report names stopped queues and the semaphores queues wait on",
          "[npu][queues]") {
  test::NpuBench bench;
  bench.submit(1, {{2, 3, 1}});      // WAIT semaphore 3 >= 1: nothing signals it
  bench.run(0, {{3, 0, 128, 128}});  // a GEMM with M = 0: BAD_SIZE
  const std::string report = bench.npu().idle_report();
  CHECK_THAT(report, Catch::Contains("queue 0 stopped with") && Catch::Contains("at descriptor 0"));
  CHECK_THAT(report, Catch::Contains("queue 1 waits at descriptor 0 for semaphore 3 (value 0)"));
}
