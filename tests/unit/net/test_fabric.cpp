// The interconnect's link model: paths per topology, cut-through timing, occupancy, bad specs.
#include <catch2/catch.hpp>

#include "models/net/fabric.h"

using vp::net::Fabric;
using vp::net::FabricSpec;
using vp::net::Topology;

namespace {
FabricSpec spec(Topology t, std::uint32_t devices) {
  FabricSpec s;
  s.topology = t;
  s.devices = devices;
  s.link = {100.0, 50.0, 10.0};  // 100 GB/s, 50 ns per link, 10 ns per message
  return s;
}
}  // namespace

TEST_CASE("paths follow the topology: ring both ways, full direct, switch up and down", "[net]") {
  Fabric ring(spec(Topology::Ring, 6));
  CHECK(ring.path(0, 1).size() == 1);
  CHECK(ring.path(0, 5).size() == 1);  // the backward link
  CHECK(ring.path(0, 3).size() == 3);
  CHECK(ring.path(1, 4).size() == 3);
  Fabric full(spec(Topology::Full, 5));
  for (std::uint32_t a = 0; a < 5; ++a)
    for (std::uint32_t b = 0; b < 5; ++b)
      if (a != b) CHECK(full.path(a, b).size() == 1);
  Fabric sw(spec(Topology::Switch, 4));
  CHECK(sw.path(2, 3).size() == 2);
  FabricSpec chain = spec(Topology::Links, 3);
  chain.links = {{0, 1}, {1, 2}};
  Fabric line(chain);
  CHECK(line.path(0, 2).size() == 2);
  CHECK(line.path(2, 0).size() == 2);
}

TEST_CASE("a message holds its path for overhead + bytes / B and arrives hops x latency later",
          "[net]") {
  Fabric sw(spec(Topology::Switch, 4));
  auto t = sw.send(0, 1, 1000, 0.0);  // 10 + 1000 / 100 = 20 ns held, 2 x 50 ns flight
  CHECK(t.hops == 2);
  CHECK_THAT(t.arrival_ns, Catch::Matchers::WithinAbs(120.0, 1e-9));
  // 0 -> 2 shares the up link of device 0: it waits until that link is free at 20 ns.
  auto u = sw.send(0, 2, 1000, 5.0);
  CHECK_THAT(u.start_ns, Catch::Matchers::WithinAbs(20.0, 1e-9));
  CHECK_THAT(u.arrival_ns, Catch::Matchers::WithinAbs(140.0, 1e-9));
  // 3 -> 1 shares only the down link of 1 (free at 20 ns too).
  auto v = sw.send(3, 1, 500, 0.0);
  CHECK_THAT(v.start_ns, Catch::Matchers::WithinAbs(20.0, 1e-9));
  // Only the links of the path count: 3 -> 0 waits for 3's up link alone.
  auto w = sw.send(3, 0, 500, 0.0);
  CHECK_THAT(w.start_ns, Catch::Matchers::WithinAbs(35.0, 1e-9));  // 3's up link, held by v
  Fabric ring(spec(Topology::Ring, 4));
  auto a = ring.send(0, 1, 1000, 0.0);
  auto b = ring.send(1, 2, 1000, 0.0);
  CHECK(a.start_ns == 0.0);
  CHECK(b.start_ns == 0.0);
  CHECK_THAT(ring.links()[0].busy_ns, Catch::Matchers::WithinAbs(20.0, 1e-9));
  FabricSpec with_switch = spec(Topology::Switch, 2);
  with_switch.switch_latency_ns = 30;
  Fabric s2(with_switch);
  CHECK_THAT(s2.send(0, 1, 0, 0.0).arrival_ns,
             Catch::Matchers::WithinAbs(10.0 + 100.0 + 30.0, 1e-9));
}

TEST_CASE("a fabric that leaves a device unreachable, moves no data or names no device is refused",
          "[net]") {
  FabricSpec split = spec(Topology::Links, 4);
  split.links = {{0, 1}, {2, 3}};
  CHECK(Fabric::check(split).find("cannot reach device 2") != std::string::npos);
  FabricSpec zero = spec(Topology::Ring, 4);
  zero.link.gbps = 0;
  CHECK(Fabric::check(zero).find("gbps 0 moves no data") != std::string::npos);
  FabricSpec outside = spec(Topology::Links, 2);
  outside.links = {{0, 2}};
  CHECK(Fabric::check(outside).find("link [0, 2]") != std::string::npos);
  CHECK(Fabric::check(spec(Topology::Ring, 3)).empty());
  CHECK(Fabric::check(spec(Topology::Switch, 1)).empty());
}
