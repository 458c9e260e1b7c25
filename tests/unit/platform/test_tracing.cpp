// The Perfetto timeline of a real run: valid JSON, every event on a named track, NPU
// descriptors as spans, firmware markers in order; and the trace options' checks.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "platform/error.h"
#include "platform/run.h"
#include "tests/support/fresh_folder.h"

using nlohmann::json;

namespace {

vp::RunOptions npu_run(const std::string& out) {
  vp::RunOptions o;
  o.config_file = std::string(NPVP_SOURCE_DIR) + "/configs/platforms/default.json";
  o.firmware = "npu_queues.elf";
  o.out_dir = out;
  o.overrides = {"modules.uart.output=/dev/null", "trace.perfetto=timeline.json"};
  return o;
}

}  // namespace

TEST_CASE("a run writes a Perfetto timeline with named tracks, spans and markers", "[trace]") {
  const std::string out = test::fresh_folder("trace");
  std::ostringstream log;
  const auto result = vp::run_simulation(npu_run(out), log);
  REQUIRE(result.outcome == vp::RunResult::Outcome::Exited);
  REQUIRE(result.exit_code == 0);
  std::ifstream in(out + "/timeline.json");
  const json timeline = json::parse(in);  // throws if malformed
  std::map<int, std::string> names;
  for (const auto& e : timeline["traceEvents"])
    if (e["ph"] == "M") names[e["tid"].get<int>()] = e["args"]["name"];
  int npu_begins = 0, npu_ends = 0, errors = 0;
  std::vector<std::pair<std::string, std::uint64_t>> markers;
  double last_ts = -1;
  for (const auto& e : timeline["traceEvents"]) {
    if (e["ph"] == "M") continue;
    REQUIRE(names.count(e["tid"].get<int>()) == 1);  // every event has a known track
    const std::string track = names[e["tid"].get<int>()];
    if (track == "npu.q0" || track == "npu.q1") {
      if (e["ph"] == "B") ++npu_begins;
      if (e["ph"] == "E") ++npu_ends;
      if (e["ph"] == "i") ++errors;
    }
    if (track == "firmware") {
      markers.emplace_back(e["ph"], e["args"]["id"].get<std::uint64_t>());
      CHECK(e["ts"].get<double>() >= last_ts);
      last_ts = e["ts"].get<double>();
    }
  }
  CHECK(npu_ends == 14);              // 12 on queue 0, 2 on queue 1 (the stats' descriptor counts)
  CHECK(npu_begins == npu_ends + 2);  // the two refused descriptors began but did not end
  CHECK(errors == 3);
  const std::vector<std::pair<std::string, std::uint64_t>> expected = {
      {"B", 1}, {"E", 1}, {"B", 2}, {"E", 2}};
  CHECK(markers == expected);
}

TEST_CASE("trace options are checked before the simulation starts", "[trace]") {
  SECTION("inverted window") {
    auto o = npu_run(test::fresh_folder("trace-bad"));
    o.overrides.push_back("trace.start_ns=500");
    o.overrides.push_back("trace.stop_ns=100");
    std::ostringstream log;
    CHECK_THROWS_WITH(vp::run_simulation(o, log),
                      Catch::Contains("window [500 ns, 100 ns) is empty or inverted"));
  }
  SECTION("unknown unit") {
    auto o = npu_run(test::fresh_folder("trace-bad"));
    o.overrides.push_back("trace.units=[\"npu\",\"gpu\"]");
    std::ostringstream log;
    CHECK_THROWS_WITH(
        vp::run_simulation(o, log),
        Catch::Contains("trace.units: unknown unit 'gpu' (units: firmware, clint, cpu"));
  }
}
