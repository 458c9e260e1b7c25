// Multi-device NPUs: COLLECTIVE (ring all-reduce, all-gather) and PEER_COPY over the
// interconnect: the ring formula, exact fp16 data, mirrored timing, bad descriptors and configs.
#include <cmath>

#include <catch2/catch.hpp>

#include "tests/unit/npu/npu_bench.h"

namespace {

constexpr std::uint64_t kStride = 0x100000;
constexpr std::uint64_t kData = 0x10000;  // the vector, at the same HBM address on every device
constexpr std::uint32_t kCollective = 9, kPeerCopy = 8, kWait = 2;

nlohmann::json multi_platform(std::uint32_t devices, const nlohmann::json& net,
                              const std::string& simulate = "exact", std::uint32_t group = 1,
                              bool functional = true) {
  nlohmann::json doc = test::npu_platform({{"functional", functional}});
  doc["devices"] = {{"count", devices}, {"interconnect", net}};
  if (simulate != "exact") doc["devices"].update({{"simulate", simulate}, {"mirror_group", group}});
  return doc;
}

struct MultiBench : test::NpuBench {
  using NpuBench::NpuBench;
  std::uint32_t built() { return context.devices.simulated; }
  vp::npu::NpuCore& npu_of(std::uint32_t i) {
    return dynamic_cast<vp::npu::NpuCore&>(*builder->find(context.devices.module_name("npu", i)));
  }
  /// Queue q of built device i: ring at RAM offset (2 i + q) x 4 KiB, registers at its window.
  void submit_to(std::uint32_t i, unsigned q, std::vector<std::uint32_t> words) {
    const std::uint64_t regs = test::kNpu + i * kStride + 0x100 + 0x20ULL * q;
    const std::uint64_t base = test::kRam + (2ULL * i + q) * 0x1000;
    if (tester.read32(regs + 0x04) == 0) {
      tester.write32(regs + 0x00, static_cast<std::uint32_t>(base));
      tester.write32(regs + 0x04, 64);
    }
    const std::uint32_t at = tester.read32(regs + 0x08);
    words.resize(16, 0);
    for (std::uint32_t w = 0; w < 16; ++w) tester.write32(base + at * 64ULL + 4ULL * w, words[w]);
    tester.write32(regs + 0x08, (at + 1) % 64);
  }
  std::uint32_t status_of(std::uint32_t i, unsigned q) {
    return tester.read32(test::kNpu + i * kStride + 0x110 + 0x20ULL * q);
  }
  std::uint32_t completed_of(std::uint32_t i, unsigned q) {
    return tester.read32(test::kNpu + i * kStride + 0x11C + 0x20ULL * q);
  }
  void put_on(std::uint32_t i, std::uint64_t address, const std::vector<Imath::half>& data) {
    REQUIRE(npu_of(i).dma().debug_write(address, data.size() * 2,
                                        reinterpret_cast<const std::uint8_t*>(data.data())));
  }
  std::vector<Imath::half> get_from(std::uint32_t i, std::uint64_t address, std::size_t count) {
    std::vector<Imath::half> data(count);
    REQUIRE(npu_of(i).dma().debug_read(address, count * 2,
                                       reinterpret_cast<std::uint8_t*>(data.data())));
    return data;
  }
  double stat_of(std::uint32_t i, const std::string& name) {
    return context.stats.as_double(context.devices.module_name("npu", i) + "." + name);
  }
};

std::vector<std::uint32_t> collective(std::uint32_t mode, std::uint32_t group,
                                      std::uint32_t elements) {
  return {kCollective, mode, group, elements, test::lo(kData), test::hi(kData)};
}

/// The ring formula: 2 (D - 1) steps of overhead + path latency + (S / D) / B, plus the D - 1
/// adds of S / D / 2 elements on 8 x 128 lanes (1 cycle each at 1 GHz).
double ring_formula(std::uint32_t d, std::uint64_t bytes, double gbps, double latency_ns,
                    double overhead_ns, std::uint32_t hops) {
  const std::uint64_t chunk = bytes / d;
  const std::uint64_t add_cycles = (chunk / 2 + 1023) / 1024;  // whole cycles
  const auto adds = static_cast<double>(add_cycles);
  return 2.0 * (d - 1) * (overhead_ns + hops * latency_ns) +
         2.0 * (d - 1) / d * static_cast<double>(bytes) / gbps + (d - 1) * adds;
}

/// On one platform of 8 devices: all-reduces over groups of 2, 4 and 8 of two sizes each, every
/// one timed against the ring formula (`hops`: links between neighbours of a group).
void check_ring_formula(const std::string& topology, const std::vector<std::uint32_t>& groups,
                        std::uint32_t hops, const std::string& simulate = "exact",
                        std::uint32_t mirror_group = 1) {
  const double gbps = 50, latency = 400, overhead = 150;
  MultiBench bench(multi_platform(
      8,
      {{"topology", topology}, {"gbps", gbps}, {"latency_ns", latency}, {"overhead_ns", overhead}},
      simulate, mirror_group, false));
  for (const std::uint32_t group : groups)
    for (const std::uint64_t bytes : {std::uint64_t{64} << 10, std::uint64_t{1} << 20}) {
      CAPTURE(topology, group, bytes, simulate);
      const double messages = bench.context.stats.as_double("net.messages");
      for (std::uint32_t i = 0; i < bench.built(); ++i)
        bench.submit_to(i, 0, collective(0, group, static_cast<std::uint32_t>(bytes / 2)));
      sc_core::sc_start();
      const double expected = ring_formula(group, bytes, gbps, latency, overhead, hops);
      for (std::uint32_t i = 0; i < bench.built(); ++i) {
        CHECK(bench.status_of(i, 0) == 0);
        CHECK_THAT(bench.stat_of(i, "collective.last_ring_ns"),
                   Catch::Matchers::WithinAbs(expected, 0.01));
      }
      // Every device sends 2 (G - 1) messages (mirrors' own are not simulated).
      CHECK(bench.context.stats.as_double("net.messages") - messages ==
            2.0 * bench.built() * (group - 1));
    }
}

}  // namespace

TEST_CASE("a ring all-reduce takes 2(D-1)/D x S/B plus the latency terms: switch", "[npu][net]") {
  check_ring_formula("switch", {2, 4, 8}, 2);
}

TEST_CASE("a ring all-reduce takes 2(D-1)/D x S/B plus the latency terms: fully connected",
          "[npu][net]") {
  check_ring_formula("full", {2, 4, 8}, 1);
}

TEST_CASE("a ring all-reduce takes 2(D-1)/D x S/B plus the latency terms: the whole ring",
          "[npu][net]") {
  check_ring_formula("ring", {8}, 1);
}

TEST_CASE("mirrored devices time an all-reduce as the whole group does (the ring formula)",
          "[npu][net]") {
  check_ring_formula("switch", {4}, 2, "mirrored", 4);  // devices 0 and 4 built
}

TEST_CASE("mirrored devices on a fully connected fabric: groups of 2", "[npu][net]") {
  check_ring_formula("full", {2}, 1, "mirrored", 2);
}

TEST_CASE("all-reduce leaves every device the fp16 sum in ring order, all-gather every chunk",
          "[npu][net]") {
  const std::uint32_t devices = 3;  // chunks of unequal size: 1000 % 3 != 0
  MultiBench bench(multi_platform(devices, {{"preset", "nvlink"}, {"topology", "ring"}}));
  const std::uint32_t elements = 1000;
  std::vector<std::vector<Imath::half>> x;
  for (std::uint32_t i = 0; i < devices; ++i) {
    x.push_back(test::random_halves(elements, 17 + i));
    bench.put_on(i, kData, x.back());
    bench.submit_to(i, 0, collective(0, devices, elements));
  }
  sc_core::sc_start();
  for (std::uint32_t i = 0; i < devices; ++i) {
    REQUIRE(bench.status_of(i, 0) == 0);
    const auto got = bench.get_from(i, kData, elements);
    for (std::uint32_t e = 0; e < elements; ++e) {
      // Chunk c starts at rank c and passes c + 1, c + 2, ..., each adding its own value.
      std::uint32_t c = 0;
      while (std::uint64_t{elements} * (c + 1) / devices <= e) ++c;
      Imath::half acc = x[c][e];
      double exact = static_cast<float>(x[c][e]);
      for (std::uint32_t k = 1; k < devices; ++k) {
        const std::uint32_t r = (c + k) % devices;
        acc = Imath::half(static_cast<float>(x[r][e]) + static_cast<float>(acc));
        exact += static_cast<float>(x[r][e]);
      }
      REQUIRE(got[e].bits() == acc.bits());
      REQUIRE(std::abs(static_cast<double>(static_cast<float>(got[e])) - exact) < 4e-3);
    }
  }
  // All-gather: rank r brings its chunk; afterwards every device holds every chunk.
  std::vector<Imath::half> whole(elements);
  for (std::uint32_t i = 0; i < devices; ++i) {
    const auto mine = test::random_halves(elements, 99 + i);
    for (std::uint64_t e = std::uint64_t{elements} * i / devices;
         e < std::uint64_t{elements} * (i + 1) / devices; ++e)
      whole[e] = mine[e];
    bench.put_on(i, kData, mine);
    bench.submit_to(i, 0, collective(1, devices, elements));
  }
  sc_core::sc_start();
  for (std::uint32_t i = 0; i < devices; ++i) {
    const auto got = bench.get_from(i, kData, elements);
    for (std::uint32_t e = 0; e < elements; ++e) REQUIRE(got[e].bits() == whole[e].bits());
  }
}

TEST_CASE("PEER_COPY moves bytes to the peer's HBM exactly, then releases its WAIT", "[npu][net]") {
  MultiBench bench(multi_platform(4, {{"preset", "pcie"}}));
  const auto data = test::random_halves(3000, 5);
  bench.put_on(1, kData, data);
  // Device 3 waits on semaphore 4, which the copy from device 1 (offset +2) raises.
  bench.submit_to(3, 0, {kWait, 4, 1});
  bench.submit_to(1, 0, {kPeerCopy, 2, 6000, test::lo(kData), 0, test::lo(0x40000), 0, 4, 1});
  sc_core::sc_start();
  CHECK(bench.status_of(1, 0) == 0);
  CHECK(bench.status_of(3, 0) == 0);
  CHECK(bench.completed_of(3, 0) == 1);
  const auto got = bench.get_from(3, 0x40000, data.size());
  for (std::size_t e = 0; e < data.size(); ++e) REQUIRE(got[e].bits() == data[e].bits());
  // The time: read here, 6000 B over two PCIe links (25 GB/s, 500 ns message, 2 x 1000 ns).
  CHECK(sc_core::sc_time_stamp().to_seconds() * 1e9 > 500 + 6000 / 25.0 + 2000);
}

TEST_CASE("bad PEER_COPY and COLLECTIVE descriptors stop the queue", "[npu][net]") {
  MultiBench bench(multi_platform(4, {{"preset", "nvlink"}}));
  bench.submit_to(0, 0, {kPeerCopy, 0, 64, 0, 0, 0, 0, 0xFFFFFFFF, 0});  // to itself
  sc_core::sc_start();
  CHECK(bench.status_of(0, 0) == static_cast<std::uint32_t>(vp::npu::QueueError::BadAddress));
  bench.tester.write32(test::kNpu + 0x118, 1);
  bench.submit_to(1, 0, {kPeerCopy, static_cast<std::uint32_t>(-2), 64, 0, 0, 0, 0, 0xFFFFFFFF, 0});
  bench.submit_to(2, 0, collective(0, 3, 64));  // 3 does not divide 4 devices
  bench.submit_to(3, 0, collective(2, 4, 64));  // no mode 2
  sc_core::sc_start();
  CHECK(bench.status_of(1, 0) == static_cast<std::uint32_t>(vp::npu::QueueError::BadAddress));
  CHECK(bench.status_of(2, 0) == static_cast<std::uint32_t>(vp::npu::QueueError::BadSize));
  CHECK(bench.status_of(3, 0) == static_cast<std::uint32_t>(vp::npu::QueueError::BadFlags));
}
