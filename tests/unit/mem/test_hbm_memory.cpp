// mem.hbm_pim through its TLM socket: data, ordering, refresh, back-pressure, PIM GEMV results,
// bandwidth against arithmetic from the timing parameters, dual vs blocked row buffers, and
// bad input. Expected figures are derived here from the parameters, not taken from the model.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <random>

#include <Imath/half.h>
#include <fmt/format.h>

#include "tests/support/fresh_folder.h"
#include "tests/unit/mem/gemv_data.h"
#include "tests/unit/mem/mem_bench.h"

using nlohmann::json;
using test::MemBench;
using test::Request;
using vp::hbm::PimExtension;
using vp::hbm::PimOp;

namespace {

using test::ns;
using test::pim;

float from_half_bits(std::uint16_t bits) {
  Imath::half h;
  h.setBits(bits);
  return static_cast<float>(h);
}

}  // namespace

TEST_CASE("written data reads back, across bursts and channels", "[mem][hbm]") {
  MemBench bench;
  std::mt19937 rng(7);
  std::vector<Request*> writes, reads;
  for (int i = 0; i < 40; ++i) {
    const std::uint64_t address = static_cast<std::uint64_t>(i) * (1ULL << 22) + rng() % 4096;
    auto& w = bench.make(tlm::TLM_WRITE_COMMAND, address, 1 + rng() % 3000);
    for (auto& byte : w.data) byte = static_cast<unsigned char>(rng());
    writes.push_back(&w);
    reads.push_back(&bench.make(tlm::TLM_READ_COMMAND, address, w.data.size()));
  }
  auto& cpu = bench.cpu();
  test::AtInitiator::run([&] {
    for (auto* w : writes) cpu.send(w->payload);
    cpu.drain();
    for (auto* r : reads) cpu.send(r->payload);
    cpu.drain();
  });
  for (std::size_t i = 0; i < reads.size(); ++i) {
    INFO("request " << i);
    CHECK(writes[i]->payload.is_response_ok());
    CHECK(reads[i]->payload.is_response_ok());
    CHECK(reads[i]->data == writes[i]->data);
  }
  CHECK(bench.stat("hbm.bytes_written") == bench.stat("hbm.bytes_read"));
  double per_channel = 0, rd_per_channel = 0;  // the per-channel statistics add up exactly
  for (std::uint32_t c = 0; c < bench.params().org.channels; ++c) {
    per_channel += bench.stat(fmt::format("hbm.ch{:02}.bytes_read", c));
    rd_per_channel += bench.stat(fmt::format("hbm.ch{:02}.commands.RD", c));
  }
  CHECK(per_channel == bench.stat("hbm.bytes_read"));
  CHECK(rd_per_channel == bench.stat("hbm.commands.RD"));
  CHECK(rd_per_channel > 0);
  CHECK(bench.stat("hbm.storage_bytes") < 1e6);  // sparse: 32 GiB are not allocated
}

TEST_CASE("accesses to one address stay in program order under random traffic", "[mem][hbm]") {
  MemBench bench(json{{"queue_bursts", 16}});
  std::mt19937 rng(11);
  // A few addresses: same bank different rows, same row different columns, other channels.
  const std::vector<std::uint64_t> addresses = {
      bench.address(0, 0, 1, 0), bench.address(0, 0, 2, 0), bench.address(0, 0, 1, 3),
      bench.address(0, 5, 9, 1), bench.address(1, 0, 1, 0), bench.address(0, 0, 3, 7)};
  std::map<std::uint64_t, std::uint32_t> model;
  std::vector<std::pair<Request*, std::uint32_t>> checks;
  std::vector<Request*> order;
  for (int i = 0; i < 3000; ++i) {
    const std::uint64_t a = addresses[rng() % addresses.size()];
    if (rng() % 2) {
      auto& w = bench.make(tlm::TLM_WRITE_COMMAND, a, 4);
      const std::uint32_t value = static_cast<std::uint32_t>(i + 1);
      std::memcpy(w.data.data(), &value, 4);
      model[a] = value;
      order.push_back(&w);
    } else {
      auto& r = bench.make(tlm::TLM_READ_COMMAND, a, 4);
      checks.emplace_back(&r, model[a]);
      order.push_back(&r);
    }
  }
  auto& cpu = bench.cpu();
  bench.run(order);
  CHECK(cpu.held_back);  // the small queue filled up
  std::size_t wrong = 0;
  for (const auto& [request, expected] : checks) {
    std::uint32_t got;
    std::memcpy(&got, request->data.data(), 4);
    if (got != expected) ++wrong;
  }
  CHECK(wrong == 0);
  CHECK(checks.size() > 1000);
}

TEST_CASE("refresh happens every tREFI per rank on average", "[mem][hbm][refresh]") {
  MemBench bench;
  std::mt19937 rng(3);
  const auto& p = bench.params();
  std::vector<Request*> reads;
  reads.reserve(2000);
  for (int i = 0; i < 2000; ++i)
    reads.push_back(&bench.make(tlm::TLM_READ_COMMAND, (rng() % (1U << 30)) & ~63ULL, 64));
  auto& cpu = bench.cpu();
  sc_core::sc_time last;
  test::AtInitiator::run([&] {
    for (auto* r : reads) {
      cpu.send(r->payload);
      sc_core::wait(100, sc_core::SC_NS);
    }
    cpu.drain();
  });
  for (auto* r : reads) last = std::max(last, cpu.records[&r->payload].answered);
  const double cycles = ns(last) * 1000.0 / p.timing.tCK_ps;
  const double per_rank = cycles / p.timing.tREFI;
  const double refreshes = bench.stat("hbm.commands.REF");
  const double ranks = p.org.channels * p.org.ranks;
  INFO("simulated " << cycles << " cycles, " << refreshes << " refreshes");
  // Each rank's first refresh is staggered by up to one tREFI, and the run ends at an arbitrary
  // point of the last interval: between per_rank - 2 and per_rank + 1 refreshes per rank.
  CHECK(refreshes >= ranks * (per_rank - 2));
  CHECK(refreshes <= ranks * (per_rank + 1));
}

TEST_CASE("a full queue withholds END_REQ until there is room", "[mem][hbm]") {
  MemBench bench(json{{"queue_bursts", 4}});
  std::vector<Request*> reads;
  reads.reserve(32);
  for (int i = 0; i < 32; ++i)
    reads.push_back(&bench.make(tlm::TLM_READ_COMMAND, bench.address(0, i % 32, 5), 256));
  auto& cpu = bench.cpu();
  bench.run(reads);
  CHECK(cpu.held_back);
  CHECK(bench.stat("hbm.backpressure_events") > 0);
  bool some_waited = false;
  for (auto* r : reads) {
    const auto& rec = cpu.records[&r->payload];
    CHECK(rec.done);
    CHECK(r->payload.is_response_ok());
    some_waited = some_waited || rec.accepted > rec.sent;
  }
  CHECK(some_waited);
}

TEST_CASE("a PIM GEMV through the command stream equals host dot products", "[mem][hbm][pim]") {
  MemBench bench;
  const auto& p = bench.params();
  const std::uint32_t channel = 3, row = 100, banks = p.org.banks();
  const std::uint32_t elements = p.org.row_bytes() / 2;
  const auto data = test::gemv_data(bench, channel, row, 5);
  const auto& k = data.k;
  const auto& q = data.q;
  std::vector<Request*> stream;
  auto header = pim(PimOp::Header, channel);
  header.comps = elements / p.timing.pim_multipliers + 8;
  header.readres = 2;
  stream.push_back(&bench.pim(header));
  stream.push_back(data.gwrite);
  auto gact = pim(PimOp::GAct, channel);
  gact.all_banks = true;
  gact.row = row;
  stream.push_back(&bench.pim(gact));
  auto whole = pim(PimOp::CompsReadRes, channel);  // the whole row: 32 slices of 16
  whole.column = 0;
  whole.comps = elements / p.timing.pim_multipliers;
  auto& whole_result = bench.pim(whole, std::size_t{2} * banks);
  stream.push_back(&whole_result);
  auto head2 = pim(PimOp::CompsReadRes, channel);  // one head: elements 128..255
  head2.column = 128 / p.timing.pim_multipliers;
  head2.comps = 128 / p.timing.pim_multipliers;
  head2.last_in_tile = true;
  auto& head_result = bench.pim(head2, std::size_t{2} * banks);
  stream.push_back(&head_result);

  auto& cpu = bench.cpu();
  test::AtInitiator::run([&] {
    // MEM and PIM queues are not ordered against each other: the K rows must be written
    // (answered) before the tile that reads them, as the NPU's DMA and PIM dispatcher do.
    for (auto* r : data.writes) cpu.send(r->payload);
    cpu.drain();
    for (auto* r : stream) cpu.send(r->payload);
    cpu.drain();
  });
  for (auto* r : data.writes) REQUIRE(r->payload.is_response_ok());
  for (auto* r : stream) REQUIRE(r->payload.is_response_ok());
  // The PIM units multiply fp16 inputs exactly in fp32, sum in fp32 (n terms: at most
  // n x 2^-24 of the sum of magnitudes) and round the result to fp16 once (2^-11 relative), so
  // |got - exact| <= 2^-11 |exact| + (n + 1) 2^-24 sum|k q| (exact: in double). A unit that
  // dropped one 16-element COMP (the last slice) must fall outside that bound.
  auto dot = [&](std::uint32_t b, std::uint32_t from, std::uint32_t to, double& magnitude) {
    double sum = 0;
    magnitude = 0;
    for (std::uint32_t e = from; e < to; ++e) {
      sum += double(k[b][e]) * double(q[e]);
      magnitude += std::abs(double(k[b][e]) * double(q[e]));
    }
    return sum;
  };
  auto bound = [](double exact, double magnitude, std::uint32_t n) {
    return std::ldexp(std::abs(exact), -11) + (n + 1) * std::ldexp(magnitude, -24);
  };
  std::uint32_t caught = 0;
  const std::uint32_t slice = p.timing.pim_multipliers;
  for (std::uint32_t b = 0; b < banks; ++b) {
    double m_full = 0, m_head = 0, m_short = 0;
    const double full = dot(b, 0, elements, m_full), head = dot(b, 128, 256, m_head);
    const double short_full = dot(b, 0, elements - slice, m_short);
    std::uint16_t bits;
    std::memcpy(&bits, whole_result.data.data() + std::size_t{2} * b, 2);
    const double got_full = from_half_bits(bits);
    INFO("bank " << b);
    CHECK(std::abs(got_full - full) <= bound(full, m_full, elements));
    if (std::abs(got_full - short_full) > bound(short_full, m_short, elements - slice)) ++caught;
    std::memcpy(&bits, head_result.data.data() + std::size_t{2} * b, 2);
    CHECK(std::abs(from_half_bits(bits) - head) <= bound(head, m_head, 128));
  }
  CHECK(caught >= banks * 9 / 10);  // the bound tells a dropped slice in nearly every bank
  CHECK(bench.stat("hbm.commands.G_ACT") == p.org.ranks * p.org.bank_groups);
  CHECK(bench.stat("hbm.pim_tiles") == 1);
}

TEST_CASE("a sequential read stream on one channel reaches 90% of its peak",
          "[mem][hbm][bandwidth]") {
  MemBench bench(std::map<std::string, json>{{"norefresh", json{{"refresh", false}}},
                                             {"refresh", json{{"refresh", true}}}});
  const auto& p = bench.params();
  const double peak = static_cast<double>(p.org.burst_bytes()) /
                      (p.timing.burst() * p.timing.tCK_ps * 1e-3);  // bytes/ns
  // With refresh, each rank is unavailable tRFC out of every tREFI.
  const double refresh_share = static_cast<double>(p.org.ranks) * p.timing.tRFC / p.timing.tREFI;
  std::map<std::string, std::vector<Request*>> streams;
  for (const std::string name : {"norefresh", "refresh"}) {
    auto& reads = streams[name];
    for (std::uint32_t i = 0; i < 512; ++i)  // rows of channel 0 in address order
      reads.push_back(&bench.make(tlm::TLM_READ_COMMAND,
                                  bench.address(0, i % p.org.banks(), i / p.org.banks(), 0, name),
                                  p.org.row_bytes()));
    bench.spawn(name, reads);
  }
  sc_core::sc_start();
  for (const auto& [name, reads] : streams) {
    auto& cpu = bench.cpu(name);
    const sc_core::sc_time first = cpu.records[&reads.front()->payload].sent;
    sc_core::sc_time last;
    for (auto* r : reads) last = std::max(last, cpu.records[&r->payload].answered);
    const double achieved =
        static_cast<double>(reads.size()) * p.org.row_bytes() / ns(last - first);
    INFO(name << ": " << achieved << " bytes/ns of a " << peak << " bytes/ns peak");
    // From above: the data bus moves one burst per tBURST, so no stream beats the peak, and
    // the first burst cannot start before tRCD + CL after the first request.
    const double floor_ns =
        static_cast<double>(reads.size()) * p.org.row_bytes() / peak +
        static_cast<double>(p.timing.tRCD + p.timing.CL) * p.timing.tCK_ps * 1e-3;
    CHECK(ns(last - first) >= floor_ns);
    if (name == "norefresh")
      CHECK(achieved >= 0.9 * peak);
    else
      CHECK(achieved >= 0.9 * peak * (1.0 - refresh_share));
  }
}

TEST_CASE("a row miss on every access runs at the tRC bound", "[mem][hbm][bandwidth]") {
  MemBench bench(json{{"refresh", false}});
  const auto& p = bench.params();
  std::vector<Request*> reads;
  for (std::uint32_t row = 0; row < 200; ++row)
    reads.push_back(
        &bench.make(tlm::TLM_READ_COMMAND, bench.address(0, 0, row), p.org.burst_bytes()));
  auto& cpu = bench.cpu();
  bench.run(reads);
  const double first = ns(cpu.records[&reads.front()->payload].answered);
  const double last = ns(cpu.records[&reads.back()->payload].answered);
  const double per_access = (last - first) / (reads.size() - 1);
  const double trc_ns = (p.timing.tRAS + p.timing.tRP) * p.timing.tCK_ps * 1e-3;
  CHECK(per_access == Approx(trc_ns).epsilon(0.05));
  CHECK(bench.stat("hbm.row_misses") + bench.stat("hbm.row_conflicts") == reads.size());
}

TEST_CASE("an all-bank COMP stream moves ~16x the channel's external bandwidth",
          "[mem][hbm][pim][bandwidth]") {
  MemBench bench(json{{"refresh", false}, {"functional", false}});
  const auto& p = bench.params();
  const std::uint32_t slices = p.org.row_bytes() / 2 / p.timing.pim_multipliers;
  std::vector<Request*> stream;
  auto header = pim(PimOp::Header, 0);
  stream.push_back(&bench.pim(header));
  auto gact = pim(PimOp::GAct, 0);
  gact.all_banks = true;
  stream.push_back(&bench.pim(gact));
  std::vector<Request*> gemvs;
  for (int i = 0; i < 64; ++i) {
    auto c = pim(PimOp::CompsReadRes, 0);
    c.comps = slices;
    c.last_in_tile = i == 63;
    gemvs.push_back(&bench.pim(c, std::size_t{2} * p.org.banks()));
    stream.push_back(gemvs.back());
  }
  auto& cpu = bench.cpu();
  bench.run(stream);
  const double first = ns(cpu.records[&gemvs.front()->payload].answered);
  const double last = ns(cpu.records[&gemvs.back()->payload].answered);
  const double bytes_per_comp = static_cast<double>(p.org.banks()) * p.timing.pim_multipliers * 2;
  const double internal = (gemvs.size() - 1) * slices * bytes_per_comp / (last - first);
  const double external =
      static_cast<double>(p.org.burst_bytes()) / (p.timing.burst() * p.timing.tCK_ps * 1e-3);
  const double ideal = bytes_per_comp / p.timing.comp_interval /
                       (p.org.burst_bytes() / static_cast<double>(p.timing.burst()));
  INFO("internal " << internal << " B/ns, external " << external << " B/ns, ideal ratio " << ideal);
  CHECK(internal / external >= 0.9 * ideal);
  CHECK(internal / external <= ideal);
}

TEST_CASE(
    "dual row buffers overlap MEM reads with a COMP stream while blocked mode serializes them",
    "[mem][hbm][pim]") {
  const json base = {{"refresh", false}, {"functional", false}};
  auto with = [&base](const char* mode) {
    json j = base;
    j["mode"] = mode;
    return j;
  };
  MemBench bench(std::map<std::string, json>{{"dual", with("dual")},
                                             {"blocked", with("blocked")},
                                             {"pim_only", with("dual")},
                                             {"mem_only", with("dual")}});
  const auto& p = bench.params();
  const std::uint32_t slices = p.org.row_bytes() / 2 / p.timing.pim_multipliers;
  struct Run {
    std::vector<Request*> pim, reads;
  };
  std::map<std::string, Run> runs;
  for (const std::string name : {"dual", "blocked", "pim_only", "mem_only"}) {
    Run& run = runs[name];
    std::vector<Request*> stream;
    if (name != "mem_only") {
      auto header = pim(PimOp::Header, 0);
      header.comps = 16 * slices;
      run.pim.push_back(&bench.pim(header));
      auto gact = pim(PimOp::GAct, 0);
      gact.all_banks = true;
      gact.row = 7;
      run.pim.push_back(&bench.pim(gact));
      for (int i = 0; i < 16; ++i) {
        auto c = pim(PimOp::CompsReadRes, 0);
        c.comps = slices;
        c.last_in_tile = i == 15;
        run.pim.push_back(&bench.pim(c, std::size_t{2} * p.org.banks()));
      }
    }
    if (name != "pim_only")
      for (std::uint32_t i = 0; i < 48; ++i)
        run.reads.push_back(&bench.make(tlm::TLM_READ_COMMAND,
                                        bench.address(0, i % 32, 200 + i / 32, 0, name), 256));
    stream = run.pim;
    stream.insert(stream.end(), run.reads.begin(), run.reads.end());
    bench.spawn(name, stream);
  }
  sc_core::sc_start();
  auto span = [&](const std::string& name, const std::vector<Request*>& rs) {
    sc_core::sc_time begin = sc_core::sc_max_time(), end = sc_core::SC_ZERO_TIME;
    for (auto* r : rs) {
      REQUIRE(r->payload.is_response_ok());
      begin = std::min(begin, bench.cpu(name).records[&r->payload].answered);
      end = std::max(end, bench.cpu(name).records[&r->payload].answered);
    }
    return std::make_pair(ns(begin), ns(end));
  };
  const double pim_alone = span("pim_only", runs["pim_only"].pim).second;
  const double mem_alone = span("mem_only", runs["mem_only"].reads).second;
  const double dual =
      std::max(span("dual", runs["dual"].pim).second, span("dual", runs["dual"].reads).second);
  const double blocked = std::max(span("blocked", runs["blocked"].pim).second,
                                  span("blocked", runs["blocked"].reads).second);
  INFO("PIM alone " << pim_alone << " ns, MEM alone " << mem_alone << " ns, dual " << dual
                    << " ns, blocked " << blocked << " ns");
  // Blocked: the reads and the tile do not overlap, so it takes about the sum. (A read issued
  // just before the switch is answered up to one read latency after the tile's header.)
  const auto tile = span("blocked", runs["blocked"].pim);
  const double read_latency = p.timing.read_latency() * p.timing.tCK_ps * 1e-3;
  for (auto* r : runs["blocked"].reads) {
    const double t = ns(bench.cpu("blocked").records[&r->payload].answered);
    CHECK((t <= tile.first + read_latency || t >= tile.second));
  }
  CHECK(blocked >= 0.95 * (pim_alone + mem_alone));
  // Dual: the reads hide under the COMP stream, costing the tile little.
  CHECK(dual <= 1.1 * std::max(pim_alone, mem_alone));
  CHECK(span("dual", runs["dual"].reads).second < span("dual", runs["dual"].pim).second);
  CHECK(bench.stat("blocked.mode_switches") >= 1);
}

TEST_CASE("timing mode gives the same timing as functional mode", "[mem][hbm]") {
  MemBench bench(std::map<std::string, json>{{"functional", json{{"functional", true}}},
                                             {"timing", json{{"functional", false}}}});
  std::mt19937 rng(9);
  std::map<std::string, std::vector<Request*>> streams;
  for (int i = 0; i < 300; ++i) {
    const bool write = rng() % 3 == 0;
    const std::uint64_t a = (rng() % (1U << 26)) & ~3ULL;
    const std::size_t len = 4 + rng() % 2000;
    for (const std::string name : {"functional", "timing"})
      streams[name].push_back(
          &bench.make(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, a, len));
  }
  for (const std::string name : {"functional", "timing"}) {
    auto& cpu = bench.cpu(name);
    auto stream = streams[name];
    sc_core::sc_spawn([&cpu, stream] {
      for (auto* r : stream) {
        cpu.send(r->payload);
        sc_core::wait(7, sc_core::SC_NS);
      }
      cpu.drain();
    });
  }
  sc_core::sc_start();
  for (std::size_t i = 0; i < streams["timing"].size(); ++i) {
    const auto& f = bench.cpu("functional").records[&streams["functional"][i]->payload];
    const auto& t = bench.cpu("timing").records[&streams["timing"][i]->payload];
    REQUIRE(f.answered == t.answered);
  }
  CHECK(bench.stat("timing.storage_bytes") == 0);
}

TEST_CASE("the scheduler and page policy are chosen by name", "[mem][hbm]") {
  MemBench bench(
      std::map<std::string, json>{{"frfcfs", json{{"scheduler", "fr-fcfs"}, {"refresh", false}}},
                                  {"fcfs", json{{"scheduler", "fcfs"}, {"refresh", false}}},
                                  {"closed", json{{"page_policy", "closed"}, {"refresh", false}}}});
  for (const std::string name : {"frfcfs", "fcfs", "closed"}) {
    std::vector<Request*> reads;  // two rows of one bank, alternating
    reads.reserve(64);
    for (int i = 0; i < 64; ++i)
      reads.push_back(
          &bench.make(tlm::TLM_READ_COMMAND, bench.address(0, 0, i % 2, i / 2 % 16, name), 64));
    bench.spawn(name, reads);
  }
  sc_core::sc_start();
  CHECK(bench.stat("frfcfs.commands.ACT") < bench.stat("fcfs.commands.ACT"));
  CHECK(bench.stat("fcfs.commands.ACT") == 64);  // strict order: every access switches rows
  CHECK(bench.stat("closed.commands.PRE") >= bench.stat("closed.commands.ACT") - 1);
}

TEST_CASE("bad requests are answered with errors, never a crash", "[mem][hbm][errors]") {
  MemBench bench(
      std::map<std::string, json>{{"hbm", json::object()}, {"dram", json{{"mode", "dram"}}}});
  const auto& p = bench.params();
  auto& beyond = bench.make(tlm::TLM_READ_COMMAND, bench.memory().mapping().capacity() - 32, 64);
  auto& enables = bench.make(tlm::TLM_READ_COMMAND, 0, 64);
  static unsigned char mask[4] = {0xFF, 0, 0xFF, 0};
  enables.payload.set_byte_enable_ptr(mask);
  enables.payload.set_byte_enable_length(4);
  auto& comp_closed = bench.pim(pim(PimOp::Comp, 2));
  auto bad_row = pim(PimOp::GAct, 2);
  bad_row.row = p.org.rows;
  auto& gact_bad = bench.pim(bad_row);
  auto& short_gwrite = bench.pim(pim(PimOp::Gwrite, 2), 100, true);
  auto& in_dram = bench.pim(pim(PimOp::Header, 0));
  auto& cpu = bench.cpu();
  test::AtInitiator::run([&] {
    for (auto* r : {&beyond, &enables, &comp_closed, &gact_bad, &short_gwrite})
      cpu.send(r->payload);
    bench.cpu("dram").send(in_dram.payload);
    cpu.drain();
  });
  CHECK(beyond.payload.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(enables.payload.get_response_status() == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  CHECK(comp_closed.payload.get_response_status() == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(gact_bad.payload.get_response_status() == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(short_gwrite.payload.get_response_status() == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(in_dram.payload.get_response_status() == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(bench.stat("hbm.pim_errors") == 1);
}

TEST_CASE("bad memory configurations are rejected with the JSON path", "[mem][hbm][errors]") {
  SECTION("unknown scheduler") {
    CHECK_THROWS_WITH(
        MemBench(json{{"scheduler", "random"}}),
        Catch::Contains(
            "modules.hbm.scheduler: unknown scheduler 'random' (known: fcfs, fr-fcfs)"));
  }
  SECTION("mode") {
    CHECK_THROWS_WITH(
        MemBench(json{{"mode", "triple"}}),
        Catch::Contains(
            "modules.hbm.mode: 'triple' is not allowed (allowed: dram, blocked, dual)"));
  }
  SECTION("mapping that does not cover the capacity") {
    CHECK_THROWS_WITH(
        MemBench(json{{"address_mapping", {"offset", "column", "channel", "bank", "rank", "row"}}}),
        Catch::Contains(
            "modules.hbm.address_mapping: field 'bank_group' has 0 bits but the organisation needs 2"));
  }
  SECTION("missing memory file") {
    CHECK_THROWS_WITH(MemBench(json{{"memory", "/nonexistent/memory.json"}}),
                      Catch::Contains("config file '/nonexistent/memory.json': no such file"));
  }
  SECTION("HBM-PIM units whose lanes are not the dispatcher's 16-element slice") {
    std::ifstream in(std::string(NPVP_SOURCE_DIR) + "/configs/memory/samsung-hbm-pim.json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string lanes = "\"lanes\": 16";
    REQUIRE(text.find(lanes) != std::string::npos);
    text.replace(text.find(lanes), lanes.size(), "\"lanes\": 8");
    const std::string path = test::fresh_folder("hbm-pim-lanes") + "/memory.json";
    std::ofstream(path) << text;
    CHECK_THROWS_WITH(
        MemBench(json{{"memory", path}, {"mode", "blocked"}}),
        Catch::Contains("pim.hbm_pim.lanes: must equal pim.multipliers_per_bank (16)"));
  }
}

TEST_CASE("energy adds command energies to background standby power", "[mem][hbm][energy]") {
  MemBench bench(std::map<std::string, json>{{"idle", json{{"refresh", false}, {"mode", "dram"}}},
                                             {"busy", json{{"refresh", false}, {"mode", "dram"}}}});
  const auto& p = bench.params();
  const auto e = p.energy();
  auto& read = bench.make(tlm::TLM_READ_COMMAND, bench.address(0, 0, 9, 0, "busy"), 64);
  auto& cpu = bench.cpu("busy");
  test::AtInitiator::run([&] {
    cpu.send(read.payload);
    cpu.drain();
    sc_core::wait(1000, sc_core::SC_NS);
  });
  const double cycles = sc_core::sc_time_stamp().to_seconds() * 1e12 / p.timing.tCK_ps;
  const double ranks = p.org.channels * p.org.ranks;
  // Idle: every rank in precharge standby the whole time.
  CHECK(bench.stat("idle.energy_pj") == Approx(ranks * cycles * e.precharge_standby_per_cycle));
  // One ACT + RD; the row stays open (open page) from the ACT to the end.
  const double act_cycle = 0;  // the read arrives at time 0 and its ACT issues at once
  const double open = cycles - act_cycle;
  CHECK(bench.stat("busy.energy_pj") ==
        Approx(ranks * cycles * e.precharge_standby_per_cycle + e.act + e.read +
               open * (e.active_standby_per_cycle - e.precharge_standby_per_cycle)));
}

TEST_CASE("every command appears on the timeline, MEM and PIM on separate tracks",
          "[mem][hbm][trace]") {
  struct Counter : vp::TraceSink {
    std::map<std::string, std::uint64_t> per_track;    // per-command events
    std::map<std::string, std::uint64_t> in_activity;  // commands inside MEM/PIM activity spans
    void on_event(const vp::TraceEvent& e) override {
      if (e.kind != vp::TraceEvent::Kind::Complete) return;
      if (e.detail)
        ++per_track[e.track];
      else
        in_activity[e.track] += e.args.at(0).second;
    }
  };
  auto counter = std::make_shared<Counter>();
  MemBench bench(std::map<std::string, json>{{"hbm", json{{"functional", false}}}}, counter);
  const auto& p = bench.params();
  std::vector<Request*> stream;
  for (std::uint32_t i = 0; i < 64; ++i)
    stream.push_back(&bench.make(tlm::TLM_READ_COMMAND, bench.address(1, i % 32, i / 32), 128));
  auto gact = pim(PimOp::GAct, 1);
  gact.all_banks = true;
  stream.push_back(&bench.pim(gact));
  auto c = pim(PimOp::CompsReadRes, 1);
  c.comps = 8;
  stream.push_back(&bench.pim(c, std::size_t{2} * p.org.banks()));
  bench.run(stream);
  bench.context.events.finish();
  std::uint64_t total = 0, pim_events = 0;
  for (const auto& [track, n] : counter->per_track) {
    total += n;
    if (track.find(".pim.") != std::string::npos) pim_events += n;
  }
  double commands = 0;
  for (unsigned k = 0; k <= static_cast<unsigned>(vp::hbm::Command::PimPre); ++k)  // NeuPIMs set
    commands += bench.stat(std::string("hbm.commands.") +
                           vp::hbm::to_string(static_cast<vp::hbm::Command>(k)));
  CHECK(total == commands);
  const double pim_commands = bench.stat("hbm.commands.G_ACT") +
                              bench.stat("hbm.commands.COMPS_READRES") +
                              bench.stat("hbm.commands.PIM_PRE");
  CHECK(pim_events == pim_commands);
  CHECK(counter->per_track.count("hbm.ch01.mem.commands") == 1);
  CHECK(counter->per_track.count("hbm.ch01.pim.commands") == 1);
  // The activity spans (what the timeline shows without per-command events) hold every command.
  CHECK(counter->in_activity["hbm.ch01.pim"] == pim_commands);
  std::uint64_t in_activity = 0;
  for (const auto& [track, n] : counter->in_activity) in_activity += n;
  CHECK(in_activity == commands);
}

TEST_CASE("aligned windows serve every request and the same bursts as per-channel windows",
          "[mem][hbm][windows]") {
  MemBench bench(
      std::map<std::string, json>{{"one", json{{"functional", false}, {"windows", "aligned"}}},
                                  {"per_channel", json{{"functional", false}}}});
  const auto& p = bench.params();
  const std::uint32_t slices = p.org.row_bytes() / 2 / p.timing.pim_multipliers;
  std::mt19937 rng(17);
  std::map<std::string, std::vector<Request*>> streams;
  for (int round = 0; round < 6; ++round) {
    for (const std::string name : {"one", "per_channel"}) {
      for (std::uint32_t ch = 0; ch < p.org.channels;
           ch += 3) {  // a PIM tile on every third channel
        PimExtension e = pim(PimOp::Header, ch);
        e.comps = 4 * slices;
        e.readres = 4;
        streams[name].push_back(&bench.pim(e));
        e.op = PimOp::GAct;
        e.all_banks = true;
        e.row = 200 + static_cast<std::uint32_t>(round);
        streams[name].push_back(&bench.pim(e));
        e.op = PimOp::CompsReadRes;
        e.comps = slices;
        for (int i = 0; i < 4; ++i)
          streams[name].push_back(&bench.pim(e, std::size_t{2} * p.org.banks()));
        e.op = PimOp::PimPre;
        e.last_in_tile = true;
        streams[name].push_back(&bench.pim(e));
      }
    }
    for (int i = 0; i < 150; ++i) {
      const bool write = rng() % 3 == 0;
      const std::uint64_t a = (rng() % (1ULL << 32)) & ~63ULL;
      const std::size_t len = 64 * (1 + rng() % 32);
      for (const std::string name : {"one", "per_channel"})
        streams[name].push_back(
            &bench.make(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, a, len));
    }
  }
  for (const std::string name : {"one", "per_channel"}) bench.spawn(name, streams[name]);
  sc_core::sc_start();
  for (std::size_t i = 0; i < streams["one"].size(); ++i) {
    const auto& one = bench.cpu("one").records[&streams["one"][i]->payload];
    INFO("request " << i);
    REQUIRE(one.done);
    REQUIRE(streams["one"][i]->payload.is_response_ok());
    REQUIRE(bench.cpu("per_channel").records[&streams["per_channel"][i]->payload].done);
  }
  // The same bursts in both schedulings; only when each command issues may differ.
  CHECK(bench.stat("one.commands.RD") == bench.stat("per_channel.commands.RD"));
  CHECK(bench.stat("one.commands.COMPS_READRES") ==
        bench.stat("per_channel.commands.COMPS_READRES"));
  CHECK(bench.stat("one.windows") > 0);
}

TEST_CASE("windows are per-channel or aligned", "[mem][hbm][errors][windows]") {
  CHECK_THROWS_WITH(
      MemBench(json{{"windows", "global"}}),
      Catch::Contains(
          "modules.hbm.windows: 'global' is not allowed (allowed: per-channel, aligned)"));
  CHECK_THROWS_WITH(MemBench(json{{"windows", "aligned"}, {"threads", 2}}),
                    Catch::Contains("modules.hbm.threads: unknown key 'threads'"));
}
