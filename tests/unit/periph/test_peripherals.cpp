// Peripherals on a router: register access rules, UART output, simctl exit/time/markers, CLINT
// timer and software interrupt timing, and the interrupt controller.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "tests/support/fresh_folder.h"
#include "tests/support/platform_bench.h"

using nlohmann::json;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

constexpr std::uint64_t kUart = 0x1000, kSimctl = 0x2000, kIntc = 0x3000, kClint = 0x10000;

json peripherals(const std::string& uart_output) {
  json config = json::parse(R"({
    "modules": {
      "bus": {"type": "bus.router", "map": [
        {"target": "uart", "base": 4096}, {"target": "simctl", "base": 8192},
        {"target": "intc", "base": 12288}, {"target": "clint", "base": 65536}]},
      "uart": {"type": "periph.uart", "latency_ns": 0},
      "simctl": {"type": "periph.simctl", "latency_ns": 0},
      "intc": {"type": "periph.intc", "sources": 4, "latency_ns": 0},
      "clint": {"type": "periph.clint", "tick_ns": 10, "latency_ns": 0}
    },
    "interrupts": [
      {"from": "clint.mtip", "to": "intc.src0"},
      {"from": "clint.msip", "to": "intc.src2"}
    ]})");
  config["modules"]["uart"]["output"] = uart_output;
  return config;
}

/// Advances simulated time, then runs the processes due at the new time (sc_start(t) stops
/// before evaluating them).
void advance(double ns) {
  sc_core::sc_start(sc_time(ns, SC_NS));
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
}

struct EventLog : vp::TraceSink {
  std::vector<vp::TraceEvent> events;
  void on_event(const vp::TraceEvent& e) override { events.push_back(e); }
};

}  // namespace

TEST_CASE("register devices enforce width, alignment, holes and access rights", "[periph]") {
  test::PlatformBench bench(peripherals("stdout"), "bus");
  bench.elaborate();
  std::uint32_t value = 0;
  auto& t = bench.tester;
  CHECK(t.access(tlm::TLM_READ_COMMAND, kUart + 0x4, value, 2) == tlm::TLM_BURST_ERROR_RESPONSE);
  CHECK(t.access(tlm::TLM_READ_COMMAND, kUart + 0x6, value, 4) == tlm::TLM_BURST_ERROR_RESPONSE);
  CHECK(t.access(tlm::TLM_READ_COMMAND, kUart + 0x8, value) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(t.access(tlm::TLM_WRITE_COMMAND, kUart + 0x4, value) == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(t.access(tlm::TLM_READ_COMMAND, kUart + 0x0, value) == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(t.read32(kUart + 0x4) == 1);  // STATUS: ready
}

TEST_CASE("uart writes each TXDATA byte to its output", "[periph]") {
  const auto out = test::fresh_folder("uart");
  const auto path = out + "/uart.txt";
  {
    test::PlatformBench bench(peripherals("uart.txt"), "bus", out);
    bench.elaborate();
    for (char c : std::string("hi!\n"))
      bench.tester.write32(kUart, 0xFFFFFF00U | static_cast<unsigned char>(c));
    CHECK(bench.context.stats.as_double("uart.bytes_transmitted") == 4);
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == "hi!\n");
  std::filesystem::remove_all(out);
}

TEST_CASE("uart output stays inside the output folder", "[periph]") {
  CHECK_THROWS_WITH(test::PlatformBench(peripherals("/tmp/out.txt"), "bus"),
                    Catch::Contains("modules.uart.output: '/tmp/out.txt' is an absolute path"));
  CHECK_THROWS_WITH(test::PlatformBench(peripherals("logs/../../out.txt"), "bus"),
                    Catch::Contains("modules.uart.output: 'logs/../../out.txt' does not name a "
                                    "file inside --out"));
  CHECK_NOTHROW(test::PlatformBench(peripherals("/dev/null"), "bus"));
}

TEST_CASE("simctl ends the run with the exit code", "[periph]") {
  test::PlatformBench bench(peripherals("stdout"), "bus");
  bench.elaborate();
  CHECK(bench.context.control.state() == vp::RunControl::State::Running);
  bench.tester.write32(kSimctl + 0x0, 42);
  CHECK(bench.context.control.state() == vp::RunControl::State::Exited);
  CHECK(bench.context.control.exit_code() == 42);
}

TEST_CASE("simctl reads the simulated time at the accessor's local time", "[periph]") {
  test::PlatformBench bench(peripherals("stdout"), "bus");
  bench.elaborate();
  sc_core::sc_start(sc_time(1000, SC_NS));
  sc_time delay(234, SC_NS);
  CHECK(bench.tester.read32(kSimctl + 0x4, &delay) == 1234);
  CHECK(bench.tester.read32(kSimctl + 0x8) == 0);
}

TEST_CASE("simctl markers become trace events with id and argument", "[periph]") {
  test::PlatformBench bench(peripherals("stdout"), "bus");
  auto log = std::make_shared<EventLog>();
  bench.context.events.attach(log);
  bench.elaborate();
  bench.tester.write32(kSimctl + 0x0C, 7);    // MARKER_ARG
  bench.tester.write32(kSimctl + 0x10, 100);  // BEGIN
  sc_time delay(50, SC_NS);
  bench.tester.write32(kSimctl + 0x14, 100, &delay);  // END at 50 ns local time
  bench.tester.write32(kSimctl + 0x18, 5);            // INSTANT
  REQUIRE(log->events.size() == 3);
  CHECK(log->events[0].kind == vp::TraceEvent::Kind::Begin);
  CHECK(log->events[0].track == "firmware");
  CHECK(log->events[0].args ==
        std::vector<std::pair<std::string, std::uint64_t>>{{"id", 100}, {"arg", 7}});
  CHECK(log->events[1].kind == vp::TraceEvent::Kind::End);
  CHECK(log->events[1].time_ps == 50000);
  CHECK(log->events[2].kind == vp::TraceEvent::Kind::Instant);
  CHECK(bench.context.stats.as_double("simctl.markers") == 3);
}

TEST_CASE("clint mtime counts ticks and mtip rises exactly when mtime reaches mtimecmp",
          "[periph]") {
  test::PlatformBench bench(peripherals("stdout"), "bus");
  bench.elaborate();
  auto& t = bench.tester;
  sc_core::sc_start(sc_time(995, SC_NS));
  CHECK(t.read32(kClint + 0xBFF8) == 99);
  t.write32(kClint + 0x4000, 150);  // MTIMECMP_LO = 150 ticks = 1500 ns
  t.write32(kClint + 0x4004, 0);    // MTIMECMP_HI
  advance(1500 - 995 - 1);
  CHECK((t.read32(kIntc + 0x0) & 1U) == 0);  // PENDING bit 0 = mtip
  advance(1);
  CHECK((t.read32(kIntc + 0x0) & 1U) == 1);
  CHECK(bench.context.stats.as_double("clint.timer_interrupts") == 1);
  // Moving mtimecmp into the future lowers mtip at once.
  t.write32(kClint + 0x4000, 1000);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  CHECK((t.read32(kIntc + 0x0) & 1U) == 0);
  // Writing mtime moves the timebase.
  t.write32(kClint + 0xBFF8, 990);
  advance(99);
  CHECK((t.read32(kIntc + 0x0) & 1U) == 0);
  advance(1);
  CHECK((t.read32(kIntc + 0x0) & 1U) == 1);
  CHECK(t.read32(kClint + 0xBFF8) == 1000);
}

TEST_CASE("intc: pending follows the lines, enable masks, claim names the lowest source",
          "[periph]") {
  test::PlatformBench bench(peripherals("stdout"), "bus");
  bench.elaborate();
  auto& t = bench.tester;
  t.write32(kClint + 0x0, 1);  // MSIP -> intc.src2
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  CHECK(t.read32(kIntc + 0x0) == 0x4);
  CHECK(t.read32(kIntc + 0x8) == 0);  // CLAIM: nothing enabled
  t.write32(kIntc + 0x4, 0x4);
  CHECK(t.read32(kIntc + 0x8) == 3);  // source 2 -> 2 + 1
  t.write32(kClint + 0x4000, 0);      // mtimecmp = 0 -> mtip -> src0
  t.write32(kClint + 0x4004, 0);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  t.write32(kIntc + 0x4, 0x5);
  CHECK(t.read32(kIntc + 0x0) == 0x5);
  CHECK(t.read32(kIntc + 0x8) == 1);  // lowest wins
  t.write32(kClint + 0x0, 0);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  CHECK(t.read32(kIntc + 0x0) == 0x1);
}
