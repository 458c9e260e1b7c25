// The devices section: copies of one device's modules, their bus windows, interrupt lines and
// the interconnect, and one clear error per malformed value.
#include <catch2/catch.hpp>

#include "platform/device_layout.h"

using vp::json;

namespace {

json platform() {
  return json::parse(R"({
    "modules": {
      "bus": {"type": "bus.router", "map": [{"target": "ram", "base": "0x80000000"},
                                            {"target": "npu", "base": "0x20000000"}]},
      "ram": {"type": "mem.ram"},
      "intc": {"type": "periph.intc"},
      "npu": {"type": "npu.core", "bus": "bus", "memory": "hbm", "nested": {"to": "hbm.in"}},
      "hbm": {"type": "mem.hbm_pim"},
      "job": {"type": "periph.job", "npu": "npu", "memory": "hbm"}},
    "interrupts": [{"from": "npu.irq", "to": "intc.src0"}]})");
}

vp::DeviceLayout expand(json& doc, const json& section) {
  json resolved;
  vp::ConfigNode node(section, "devices", &resolved);
  return vp::expand_devices(node, doc);
}

}  // namespace

TEST_CASE("one device leaves the platform as it is", "[devices]") {
  json doc = platform();
  const json before = doc;
  const auto layout = expand(doc, json::object());
  CHECK(layout.count == 1);
  CHECK(layout.simulated == 1);
  CHECK(layout.interconnect.empty());
  CHECK(doc == before);
}

TEST_CASE("three devices copy the device's modules, windows and lines, and add the interconnect",
          "[devices]") {
  json doc = platform();
  const auto layout = expand(doc, {{"count", 3}, {"interconnect", {{"preset", "pcie"}}}});
  const auto& m = doc["modules"];
  REQUIRE(m.contains("npu1"));
  REQUIRE(m.contains("npu2"));
  REQUIRE(m.contains("hbm2"));
  CHECK(m["npu2"]["memory"] == "hbm2");
  CHECK(m["npu2"]["nested"]["to"] == "hbm2.in");
  CHECK(m["npu2"]["type"] == "npu.core");  // a type is no module reference
  CHECK(m["npu2"]["bus"] == "bus");
  CHECK(m["job"]["npu"] == "npu");  // outside the device set: untouched
  const auto& map = m["bus"]["map"];
  REQUIRE(map.size() == 4);
  CHECK(map[2]["target"] == "npu1");
  CHECK(map[2]["base"] == "0x20100000");
  CHECK(map[3]["base"] == "0x20200000");
  const auto& lines = doc["interrupts"];
  REQUIRE(lines.size() == 3);
  CHECK(lines[2]["from"] == "npu2.irq");
  CHECK(lines[2]["to"] == "intc.src2");
  CHECK(m["net"]["type"] == "net.interconnect");
  CHECK(m["net"]["preset"] == "pcie");
  CHECK(layout.interconnect == "net");
  CHECK(layout.index_of("hbm2") == 2);
  CHECK(layout.index_of("job") == 0);
  CHECK(layout.global_id(2) == 2);
}

TEST_CASE("mirrored devices build one of each group", "[devices]") {
  json doc = platform();
  const auto layout = expand(doc, {{"count", 8}, {"simulate", "mirrored"}, {"mirror_group", 4}});
  CHECK(layout.simulated == 2);
  CHECK(doc["modules"].contains("npu1"));
  CHECK_FALSE(doc["modules"].contains("npu2"));
  CHECK(layout.global_id(1) == 4);
}

TEST_CASE("a malformed devices section is one clear error", "[devices]") {
  auto error = [](const json& section, json doc = platform()) {
    try {
      expand(doc, section);
    } catch (const vp::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error({{"count", 0}}), Catch::Contains("devices.count: 0 is out of range"));
  CHECK_THAT(error({{"count", 4}, {"mirror_group", 2}}),
             Catch::Contains("mirror_group 2 needs simulate 'mirrored'"));
  CHECK_THAT(error({{"count", 4}, {"simulate", "mirrored"}, {"mirror_group", 3}}),
             Catch::Contains("devices.mirror_group: 3 does not divide the 4 devices"));
  CHECK_THAT(error({{"count", 2}, {"modules", {"npu", "tpu"}}}),
             Catch::Contains("'tpu' is not a module of this platform"));
  json taken = platform();
  taken["modules"]["npu1"] = {{"type", "mem.ram"}};
  CHECK_THAT(error({{"count", 2}}, taken), Catch::Contains("modules.npu1: the name is taken"));
  json no_number = platform();
  no_number["interrupts"][0]["to"] = "intc.irq";
  CHECK_THAT(error({{"count", 2}}, no_number), Catch::Contains("ends in no number"));
  CHECK_THAT(error({{"count", 2}, {"interconnect", 5}}), Catch::Contains("must be an object"));
}
