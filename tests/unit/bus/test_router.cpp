// bus.router: decoding by the memory map, local addresses, error responses, debug transport,
// DMI translation, latency, and map validation.
#include <catch2/catch.hpp>

#include "models/bus/router.h"
#include "platform/error.h"
#include "tests/support/platform_bench.h"

using nlohmann::json;

namespace {

json two_rams(const std::string& second_base = "0x20000000") {
  return json::parse(R"({
    "modules": {
      "bus":  {"type": "bus.router", "latency_ns": 3, "map": [
                 {"target": "ram0", "base": "0x10000000"},
                 {"target": "ram1", "base": ")" +
                     second_base + R"(", "size": 4096}]},
      "ram0": {"type": "mem.ram", "size": 8192},
      "ram1": {"type": "mem.ram", "size": "64 KiB"}
    }})");
}

}  // namespace

TEST_CASE("router forwards to the region's target with a local address", "[bus]") {
  test::PlatformBench bench(two_rams(), "bus");
  bench.elaborate();
  REQUIRE(bench.tester.write32(0x10000010, 0x11111111) == tlm::TLM_OK_RESPONSE);
  REQUIRE(bench.tester.write32(0x20000010, 0x22222222) == tlm::TLM_OK_RESPONSE);
  CHECK(bench.tester.read32(0x10000010) == 0x11111111);
  CHECK(bench.tester.read32(0x20000010) == 0x22222222);
  // The last word of each region is reachable; the configured size clips ram1 to 4 KiB.
  CHECK(bench.tester.write32(0x10001FFC, 1) == tlm::TLM_OK_RESPONSE);
  CHECK(bench.tester.write32(0x20000FFC, 1) == tlm::TLM_OK_RESPONSE);
  CHECK(bench.tester.write32(0x20001000, 1) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST_CASE("router answers unmapped and region-crossing accesses with address errors", "[bus]") {
  test::PlatformBench bench(two_rams("0x10002000"), "bus");
  bench.elaborate();
  std::uint32_t value = 0;
  CHECK(bench.tester.access(tlm::TLM_READ_COMMAND, 0x0, value) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(bench.tester.access(tlm::TLM_READ_COMMAND, 0xFFFFFFF0, value) ==
        tlm::TLM_ADDRESS_ERROR_RESPONSE);
  // ram0 ends at 0x10002000 where ram1 starts: one access may not span both.
  CHECK(bench.tester.access(tlm::TLM_READ_COMMAND, 0x10001FFE, value) ==
        tlm::TLM_ADDRESS_ERROR_RESPONSE);
  const auto& router = dynamic_cast<vp::Router&>(*bench.builder->find("bus"));
  CHECK(router.regions().size() == 2);
  CHECK(bench.context.stats.as_double("bus.decode_errors") == 3);
}

TEST_CASE("router adds its latency to the annotated delay", "[bus]") {
  test::PlatformBench bench(two_rams(), "bus");
  bench.elaborate();
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  bench.tester.write32(0x10000000, 5, &delay);
  bench.tester.read32(0x10000000, &delay);
  CHECK(delay == sc_core::sc_time(6, sc_core::SC_NS));
}

TEST_CASE("router translates debug transport and DMI to global addresses", "[bus]") {
  test::PlatformBench bench(two_rams(), "bus");
  bench.elaborate();
  bench.tester.write32(0x20000020, 0xABCD0123);

  unsigned char bytes[4] = {};
  tlm::tlm_generic_payload payload;
  payload.set_command(tlm::TLM_READ_COMMAND);
  payload.set_address(0x20000020);
  payload.set_data_ptr(bytes);
  payload.set_data_length(4);
  payload.set_streaming_width(4);
  CHECK(bench.tester.socket->transport_dbg(payload) == 4);
  CHECK(bytes[0] == 0x23);
  CHECK(bytes[3] == 0xAB);
  payload.set_address(0x30000000);
  CHECK(bench.tester.socket->transport_dbg(payload) == 0);

  tlm::tlm_dmi dmi;
  payload.set_address(0x20000020);
  REQUIRE(bench.tester.socket->get_direct_mem_ptr(payload, dmi));
  CHECK(dmi.get_start_address() == 0x20000000);
  CHECK(dmi.get_end_address() == 0x20000FFF);  // clipped to the 4 KiB region
  CHECK(dmi.get_dmi_ptr()[0x20] == 0x23);
}

TEST_CASE("router rejects bad maps with the JSON path", "[bus]") {
  SECTION("overlap") {
    CHECK_THROWS_WITH(test::PlatformBench(two_rams("0x10001000"), "bus"),
                      Catch::Contains("modules.bus.map[1]: region 'ram1'") &&
                          Catch::Contains("overlaps modules.bus.map[0] 'ram0'"));
  }
  SECTION("unknown target") {
    auto config = two_rams();
    config["modules"]["bus"]["map"][1]["target"] = "ram7";
    CHECK_THROWS_WITH(test::PlatformBench(config, "bus"),
                      Catch::Contains("modules.bus.map[1].target: no module named 'ram7'"));
  }
  SECTION("beyond 32 bits") {
    CHECK_THROWS_WITH(test::PlatformBench(two_rams("0xFFFFF800"), "bus"),
                      Catch::Contains("exceeds the 32-bit address space"));
  }
  SECTION("missing base") {
    auto config = two_rams();
    config["modules"]["bus"]["map"][0].erase("base");
    CHECK_THROWS_WITH(test::PlatformBench(config, "bus"),
                      Catch::Contains("modules.bus.map[0].base: required address is missing"));
  }
}
