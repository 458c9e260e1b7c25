// MEM/PIM arbitration policies (arbitration_policy.h) through mem.hbm_pim's socket: a stream of
// activation-heavy PIM tiles beside a stream of row-missing MEM reads in one channel, under each
// policy; the rules each policy documents (docs/memory.md) and the trade-off they make.
#include <catch2/catch.hpp>

#include "tests/unit/mem/mem_bench.h"

using nlohmann::json;
using test::MemBench;
using test::Request;
using vp::hbm::PimExtension;
using vp::hbm::PimOp;

namespace {

using test::ns;

/// A PIM command of channel 0.
PimExtension pim(PimOp op, std::uint32_t row = 0) { return test::pim(op, 0, row); }

constexpr std::uint32_t kTiles = 4, kCompsPerTile = 4, kReads = 256;

/// Per tile: GWRITE, PIM_HEADER, G_ACT of all banks, kCompsPerTile COMPS_READRES of 4 COMPs,
/// PIM_PRE of all banks (the tile's last); rows alternate, so every tile opens 32 rows.
std::vector<Request*> pim_tiles(MemBench& bench, std::uint32_t first_row = 7) {
  const auto& p = bench.params();
  std::vector<Request*> stream;
  for (std::uint32_t t = 0; t < kTiles; ++t) {
    stream.push_back(&bench.pim(pim(PimOp::Gwrite), p.org.row_bytes(), true));
    auto header = pim(PimOp::Header, first_row + t % 2);
    header.comps = 4 * kCompsPerTile;
    header.readres = kCompsPerTile;
    stream.push_back(&bench.pim(header));
    auto gact = pim(PimOp::GAct, first_row + t % 2);
    gact.all_banks = true;
    stream.push_back(&bench.pim(gact));
    for (std::uint32_t i = 0; i < kCompsPerTile; ++i) {
      auto c = pim(PimOp::CompsReadRes);
      c.comps = 4;
      stream.push_back(&bench.pim(c, std::size_t{2} * p.org.banks()));
    }
    auto pre = pim(PimOp::PimPre);
    pre.all_banks = true;
    pre.last_in_tile = true;
    stream.push_back(&bench.pim(pre));
  }
  return stream;
}

/// kReads reads of 64 bytes, each in another row: every one needs its own ACT.
std::vector<Request*> row_misses(MemBench& bench, const std::string& memory) {
  std::vector<Request*> stream;
  for (std::uint32_t i = 0; i < kReads; ++i)
    stream.push_back(
        &bench.make(tlm::TLM_READ_COMMAND, bench.address(0, i % 32, 300 + i / 32, 0, memory), 64));
  return stream;
}

/// When the last of `stream` was answered (ns).
double end_of(MemBench& bench, const std::string& memory, const std::vector<Request*>& stream) {
  double end = 0;
  for (auto* r : stream) {
    REQUIRE(r->payload.is_response_ok());
    end = std::max(end, ns(bench.cpu(memory).records[&r->payload].answered));
  }
  return end;
}

json dual(const std::string& policy, std::uint32_t budget = 0) {
  json j = {{"refresh", false}, {"functional", false}, {"arbitration", policy}};
  if (policy == "delay-budget") j["arbitration_budget_ck"] = budget;
  return j;
}

}  // namespace

TEST_CASE("each policy trades PIM latency for MEM bandwidth in its documented direction",
          "[mem][hbm][pim][arbitration]") {
  const std::map<std::string, json> memories = {{"pim_first", dual("pim-first")},
                                                {"budget_0", dual("delay-budget", 0)},
                                                {"budget_256", dual("delay-budget", 256)},
                                                {"mem_first", dual("mem-first")},
                                                {"slack", dual("slack")},
                                                {"pim_only", dual("pim-first")},
                                                {"mem_only", dual("pim-first")}};
  MemBench bench(memories);
  std::map<std::string, std::vector<Request*>> pims, reads;
  for (const auto& [name, config] : memories) {
    if (name != "mem_only") pims[name] = pim_tiles(bench);
    if (name != "pim_only") reads[name] = row_misses(bench, name);
    std::vector<Request*> stream = pims[name];
    stream.insert(stream.end(), reads[name].begin(), reads[name].end());
    bench.spawn(name, stream);
  }
  sc_core::sc_start();
  std::map<std::string, double> pim_end, mem_end;
  for (const auto& [name, config] : memories) {
    if (name != "mem_only") pim_end[name] = end_of(bench, name, pims[name]);
    if (name != "pim_only") mem_end[name] = end_of(bench, name, reads[name]);
    INFO(name << ": PIM done at " << pim_end[name] << " ns, MEM at " << mem_end[name] << " ns");
    CHECK(bench.stat(name + ".pim_errors") == 0);
  }
  // A budget of 0 is pim-first, through the policy interface instead of the inlined rule:
  // every request is answered at the same time.
  for (std::size_t i = 0; i < pims["pim_first"].size(); ++i)
    CHECK(bench.cpu("pim_first").records[&pims["pim_first"][i]->payload].answered ==
          bench.cpu("budget_0").records[&pims["budget_0"][i]->payload].answered);
  for (std::size_t i = 0; i < kReads; ++i)
    CHECK(bench.cpu("pim_first").records[&reads["pim_first"][i]->payload].answered ==
          bench.cpu("budget_0").records[&reads["budget_0"][i]->payload].answered);

  // Giving MEM more of the bus finishes MEM sooner and PIM later: pim-first, then a budget,
  // then MEM precedence.
  CHECK(mem_end["budget_256"] <= mem_end["pim_first"]);
  CHECK(mem_end["mem_first"] <= mem_end["budget_256"]);
  CHECK(pim_end["budget_256"] >= pim_end["pim_first"]);
  CHECK(pim_end["mem_first"] >= pim_end["budget_256"]);
  // pim-first: MEM takes only what does not delay the waiting PIM command (a MEM command may
  // still take a slot a later PIM command needed; here none does).
  CHECK(pim_end["pim_first"] == pim_end["pim_only"]);
  CHECK(mem_end["pim_first"] > mem_end["mem_only"]);
  // delay-budget: at most its budget per tile of added PIM delay (one cycle = 1 ns).
  CHECK(pim_end["budget_256"] <= pim_end["pim_first"] + kTiles * 256.0);
}

TEST_CASE("slack: a tile's row is off limits to MEM while the tile runs",
          "[mem][hbm][pim][arbitration]") {
  // Refresh on: the slack (the time to the next refresh minus the tile's estimate) is large
  // enough here for every ACT and PRE. (The GWRITE's bank is off limits too, but this
  // platform's timing already keeps MEM commands off it until the GWRITE completes.)
  const std::map<std::string, json> memories = {
      {"slack", {{"functional", false}, {"arbitration", "slack"}}},
      {"pim_first", {{"functional", false}, {"arbitration", "pim-first"}}}};
  MemBench bench(memories);
  std::map<std::string, std::vector<Request*>> pims;
  std::map<std::string, Request*> reserved;
  for (const auto& [name, config] : memories) {
    pims[name] = pim_tiles(bench, 9);
    // Row 9 of bank 5: the first tile's row.
    reserved[name] = &bench.make(tlm::TLM_READ_COMMAND, bench.address(0, 5, 9, 3, name), 64);
    std::vector<Request*> stream = {pims[name][0], pims[name][1], reserved[name]};
    stream.insert(stream.end(), pims[name].begin() + 2, pims[name].end());
    bench.spawn(name, stream);
  }
  sc_core::sc_start();
  auto answered = [&](const std::string& name, Request* r) {
    return ns(bench.cpu(name).records[&r->payload].answered);
  };
  // The first tile ends with its PIM_PRE (after GWRITE, HEADER, G_ACT and the COMPS_READRES).
  const std::size_t last_of_tile = 3 + kCompsPerTile;
  const double tile_end = answered("slack", pims["slack"][last_of_tile]);
  INFO("the tile ends at " << tile_end << " ns");
  CHECK(answered("slack", reserved["slack"]) >= tile_end);
  // Under pim-first the read is served meanwhile.
  CHECK(answered("pim_first", reserved["pim_first"]) <
        answered("pim_first", pims["pim_first"][last_of_tile]));
}

TEST_CASE("refuse-mem: blocked mode takes no MEM work while PIM commands are queued",
          "[mem][hbm][pim][arbitration]") {
  const std::map<std::string, json> memories = {
      {"switch", {{"functional", false}, {"refresh", false}, {"mode", "blocked"}}},
      {"refuse",
       {{"functional", false},
        {"refresh", false},
        {"mode", "blocked"},
        {"arbitration", "refuse-mem"}}}};
  MemBench bench(memories);
  std::map<std::string, std::vector<Request*>> pims, reads;
  for (const auto& [name, config] : memories) {
    pims[name] = pim_tiles(bench);
    reads[name] = row_misses(bench, name);
    std::vector<Request*> stream = pims[name];
    stream.insert(stream.end(), reads[name].begin(), reads[name].end());
    bench.spawn(name, stream);
  }
  sc_core::sc_start();
  auto accepted = [&](const std::string& name, Request* r) {
    return ns(bench.cpu(name).records[&r->payload].accepted);
  };
  const double pim_end = end_of(bench, "refuse", pims["refuse"]);
  // The first read waits at the socket until the PIM queue has drained: until its last command
  // (the last PIM_PRE) is done, less the scheduling window (lookahead_ck, 16 cycles of 1 ns:
  // the controller decides that far ahead and retries the socket when it has).
  const double last_pim_issue =
      ns(bench.cpu("refuse").records[&pims["refuse"].back()->payload].answered);
  INFO("PIM done at " << pim_end << " ns; first read accepted at "
                      << accepted("refuse", reads["refuse"][0]));
  CHECK(accepted("refuse", reads["refuse"][0]) >= last_pim_issue - 16);
  // The switch rule takes reads at once (the queue has room) and serves them after the tiles.
  CHECK(accepted("switch", reads["switch"][0]) < last_pim_issue);
  CHECK(end_of(bench, "refuse", reads["refuse"]) > pim_end);
}

TEST_CASE("arbitration policies are chosen by name, each for its mode",
          "[mem][hbm][arbitration][errors]") {
  SECTION("unknown") {
    CHECK_THROWS_WITH(
        MemBench(json{{"arbitration", "fair"}}),
        Catch::Contains("modules.hbm.arbitration: unknown arbitration 'fair' for dual "
                        "mode (known: delay-budget, mem-first, pim-first, slack)"));
  }
  SECTION("a blocked-mode policy in dual mode") {
    CHECK_THROWS_WITH(MemBench(json{{"arbitration", "refuse-mem"}}),
                      Catch::Contains("unknown arbitration 'refuse-mem' for dual mode"));
  }
  SECTION("dram mode") {
    CHECK_THROWS_WITH(
        MemBench(json{{"mode", "dram"}, {"arbitration", "slack"}}),
        Catch::Contains("modules.hbm.arbitration: dram mode has no MEM/PIM arbitration"));
  }
  SECTION("another policy's parameter") {
    CHECK_THROWS_WITH(
        MemBench(json{{"arbitration", "slack"}, {"arbitration_budget_ck", 64}}),
        Catch::Contains("modules.hbm.arbitration_budget_ck: only the delay-budget arbitration "
                        "reads it (arbitration is 'slack')"));
  }
}
