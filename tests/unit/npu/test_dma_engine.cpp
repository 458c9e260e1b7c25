// The NPU's DMA engine against the HBM-PIM memory: flow control per channel.
#include <catch2/catch.hpp>

#include "models/npu/unit_trace.h"
#include "tests/unit/npu/npu_bench.h"

namespace {

vp::hbm::DramAddress at(std::uint32_t channel, std::uint32_t flat_bank, std::uint32_t row,
                        const vp::hbm::Organization& org) {
  vp::hbm::DramAddress a;
  a.channel = vp::hbm::Channel(channel);
  a.bank = org.bank_at(flat_bank);
  a.row = vp::hbm::Row(row);
  return a;
}

}  // namespace

TEST_CASE("small writes flooding one channel never hold back another channel's transfer",
          "[npu][dma]") {
  // 2-byte writes (KV appends) are one queue slot each: in bytes they would let far more into
  // flight than the channel queue holds, the memory would withhold END_REQ, and the engine's
  // one socket would stall every other channel until the flooded one made room.
  test::NpuBench bench(test::npu_platform({{"functional", false}}));
  auto& dma = bench.npu().dma();
  const auto& org = dma.memory().organization();
  const auto& mapping = dma.memory().mapping();
  const std::uint64_t row_bytes = org.row_bytes();
  sc_core::sc_time alone, flooded, writes_done;
  sc_core::sc_spawn([&] {
    // A whole row read from an idle bank of channel 1, alone.
    const sc_core::sc_time t0 = vp::npu::now();
    auto first = dma.read(mapping.encode(at(1, 0, 7, org)), row_bytes, nullptr);
    first->wait();
    alone = first->finished - t0;
    // 2,000 two-byte writes to rows of every bank of channel 0; once they fill its queue, the
    // same read from another idle bank of channel 1.
    auto writes = std::make_shared<vp::npu::DmaEngine::Job>();
    for (std::uint32_t i = 0; i < 2000; ++i)
      dma.write(mapping.encode(at(0, i % org.banks(), 100 + i / org.banks(), org)) + 2ULL * (i % 7),
                2, nullptr, writes);
    sc_core::wait(200, sc_core::SC_NS);
    const sc_core::sc_time t1 = vp::npu::now();
    REQUIRE_FALSE(writes->complete());
    auto second = dma.read(mapping.encode(at(1, 5, 9, org)), row_bytes, nullptr);
    second->wait();
    flooded = second->finished - t1;
    writes->wait();
    writes_done = writes->finished;
    CHECK(writes->ok);
  });
  sc_core::sc_start();
  CHECK(bench.stat("hbm.backpressure_events") == 0);
  CHECK(flooded == alone);  // channels are independent: the flood costs the read nothing
  CHECK(writes_done > sc_core::sc_time(1, sc_core::SC_US));
  CHECK(bench.stat("npu.dma.bytes_written") == 2 * 2000);
}
