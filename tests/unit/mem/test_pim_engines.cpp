// The PIM engines (pim_engine.h) through mem.hbm_pim's socket: a GEMV on each engine equals the
// host's dot products, and a stream of one-head COMPS_READRES runs at the period that the
// engine's command sequence and the timing parameters give in closed form (derived here).
#include <catch2/catch.hpp>

#include <Imath/half.h>

#include "tests/unit/mem/gemv_data.h"
#include "tests/unit/mem/mem_bench.h"

using nlohmann::json;
using test::MemBench;
using test::Request;
using vp::hbm::PimOp;

namespace {

using test::ns;
using test::pim;

struct Engine {
  const char* memory;
  const char* mode;
};
const Engine kNeuPimsDual{"neupims-hbm2.json", "dual"};
const Engine kNeuPimsBlocked{"neupims-hbm2.json", "blocked"};
const Engine kHbmPim{"samsung-hbm-pim.json", "blocked"};

json settings(const Engine& e, bool functional) {
  return {{"memory", std::string(NPVP_SOURCE_DIR) + "/configs/memory/" + e.memory},
          {"mode", e.mode},
          {"functional", functional},
          {"refresh", false}};
}

float from_half_bits(std::uint16_t bits) {
  Imath::half h;
  h.setBits(bits);
  return static_cast<float>(h);
}

}  // namespace

// One SystemC elaboration per process: each engine gets its own test cases.
void check_gemv(const Engine& engine) {
  {
    MemBench bench(settings(engine, true));
    const auto& p = bench.params();
    const std::uint32_t channel = 5, row = 77, banks = p.org.banks();
    const std::uint32_t elements = p.org.row_bytes() / 2;
    const auto data = test::gemv_data(bench, channel, row, 11);
    const auto& k = data.k;
    const auto& q = data.q;
    std::vector<Request*> stream;
    auto header = pim(PimOp::Header, channel);
    header.comps = elements / 16 + 8;
    header.readres = 2;
    stream.push_back(&bench.pim(header));
    stream.push_back(data.gwrite);
    auto gact = pim(PimOp::GAct, channel);
    gact.all_banks = true;
    gact.row = row;
    stream.push_back(&bench.pim(gact));
    auto whole = pim(PimOp::CompsReadRes, channel);  // the whole row: 32 slices of 16
    whole.comps = elements / 16;
    auto& whole_result = bench.pim(whole, std::size_t{2} * banks);
    stream.push_back(&whole_result);
    auto head = pim(PimOp::CompsReadRes, channel);  // one head: elements 128..255
    head.column = 8;
    head.comps = 8;
    auto& head_result = bench.pim(head, std::size_t{2} * banks);
    stream.push_back(&head_result);
    auto pre = pim(PimOp::PimPre, channel);
    pre.all_banks = true;
    pre.last_in_tile = true;
    stream.push_back(&bench.pim(pre));
    auto& cpu = bench.cpu();
    test::AtInitiator::run([&] {
      for (auto* r : data.writes) cpu.send(r->payload);
      cpu.drain();
      for (auto* r : stream) cpu.send(r->payload);
      cpu.drain();
    });
    INFO(engine.memory << " " << engine.mode);
    for (auto* r : stream) REQUIRE(r->payload.is_response_ok());
    // fp16 tolerance: NeuPIMs sums in fp32 and rounds once; HBM-PIM rounds every product and
    // every lane's running sum to fp16 (2 x terms-per-lane roundings of at most 2^-11 of the
    // lane's magnitude), then adds the 16 lanes. Both within 2^-11 |exact| + (2 n / 16 + 1)
    // 2^-11 sum |k q| for n terms.
    auto check = [&](const Request& result, std::uint32_t from, std::uint32_t to) {
      std::uint32_t far = 0;
      for (std::uint32_t b = 0; b < banks; ++b) {
        double exact = 0, magnitude = 0;
        for (std::uint32_t e = from; e < to; ++e) {
          exact += double(k[b][e]) * double(q[e]);
          magnitude += std::abs(double(k[b][e]) * double(q[e]));
        }
        std::uint16_t bits;
        std::memcpy(&bits, result.data.data() + std::size_t{2} * b, 2);
        const double got = from_half_bits(bits);
        const double bound = std::ldexp(std::abs(exact), -11) +
                             (2.0 * (to - from) / 16 + 1) * std::ldexp(magnitude, -11);
        INFO("bank " << b << ": " << got << " against " << exact);
        CHECK(std::abs(got - exact) <= bound);
        if (std::abs(got - exact) > 0.1 * magnitude) ++far;
      }
      CHECK(far == 0);
    };
    check(whole_result, 0, elements);
    check(head_result, 128, 256);
    CHECK(bench.stat("hbm.pim_tiles") == 1);
  }
}

void check_period(const Engine& engine) {
  {
    MemBench bench(settings(engine, false));
    const auto& p = bench.params();
    const auto& t = p.timing;
    const std::uint32_t n = 8;  // slices of 16: one 128-element head
    std::vector<Request*> stream, gemvs;
    stream.push_back(&bench.pim(pim(PimOp::Header, 0)));
    stream.push_back(&bench.pim(pim(PimOp::Gwrite, 0), p.org.row_bytes()));
    auto gact = pim(PimOp::GAct, 0);
    gact.all_banks = true;
    stream.push_back(&bench.pim(gact));
    for (int i = 0; i < 16; ++i) {
      auto c = pim(PimOp::CompsReadRes, 0);
      c.comps = n;
      c.last_in_tile = i == 15;
      gemvs.push_back(&bench.pim(c, std::size_t{2} * p.org.banks()));
      stream.push_back(gemvs.back());
    }
    bench.run(stream);
    auto& cpu = bench.cpu();
    // Between the 2nd and the 15th (the last one also switches the mode back).
    const double period = (ns(cpu.records[&gemvs[14]->payload].answered) -
                           ns(cpu.records[&gemvs[1]->payload].answered)) /
                          13 / (t.tCK_ps * 1e-3);
    const std::int64_t b = t.burst(), rl = t.CL, wl = t.CWL;
    const std::int64_t ccd_l = std::max<std::int64_t>(b, t.tCCD_L);
    const std::int64_t ccd_s = std::max<std::int64_t>(b, t.tCCD_S);
    std::int64_t expected = 0;
    if (t.units.engine == vp::hbm::PimEngineKind::NeuPims) {
      // One command: COMPS_READRES -> COMPS_READRES = COMP interval x (max(n, pipeline) + 1).
      expected = std::int64_t{t.comp_interval} * (std::max(n, t.comp_pipeline) + 1);
    } else {
      // GRF_A: n / 2 writes (two 16-lane registers a 64-byte burst) tCCD_L apart; the first MAC
      // WL + BL/2 + tWTR_L after the last; 2n MACs a unit clock apart; the first GRF read
      // CL + a unit clock after the last MAC; one read per unit (two units a bank group: tCCD_L,
      // next group tCCD_S, next rank BL/2 + tRTRS); the next write RL + BL/2 - WL + tRTRS later.
      const std::int64_t mac = t.units.mac_interval, units = p.org.banks() / 2;
      std::int64_t reads = 0;
      for (std::int64_t u = 1; u < units; ++u) {
        const std::int64_t per_group = p.org.banks_per_group / 2, per_rank = units / p.org.ranks;
        reads += u % per_rank == 0 ? b + t.tRTRS : u % per_group == 0 ? ccd_s : ccd_l;
      }
      expected = (n / 2 - 1) * ccd_l + (wl + b + t.tWTR_L) + (2 * n - 1) * mac + (rl + mac) +
                 reads + (rl + b - wl + t.tRTRS);
      CHECK(expected == 144);  // with samsung-hbm-pim.json: 6 + 14 + 60 + 18 + 32 + 14
    }
    INFO(engine.memory << " " << engine.mode << ": " << period << " cycles per COMPS_READRES");
    CHECK(period == Approx(static_cast<double>(expected)).epsilon(1e-9));
  }
}

TEST_CASE("a GEMV on the NeuPIMs engine (dual) equals the host's dot products",
          "[mem][pim][engine]") {
  check_gemv(kNeuPimsDual);
}
TEST_CASE("a GEMV on the NeuPIMs engine (blocked) equals the host's dot products",
          "[mem][pim][engine]") {
  check_gemv(kNeuPimsBlocked);
}
TEST_CASE("a GEMV on the HBM-PIM engine equals the host's dot products", "[mem][pim][engine]") {
  check_gemv(kHbmPim);
}
TEST_CASE("one-head COMPS_READRES on the NeuPIMs engine (dual) run at the closed-form period",
          "[mem][pim][engine][bandwidth]") {
  check_period(kNeuPimsDual);
}
TEST_CASE("one-head COMPS_READRES on the NeuPIMs engine (blocked) run at the closed-form period",
          "[mem][pim][engine][bandwidth]") {
  check_period(kNeuPimsBlocked);
}
TEST_CASE("one-head COMPS_READRES on the HBM-PIM engine run at the closed-form period",
          "[mem][pim][engine][bandwidth]") {
  check_period(kHbmPim);
}

TEST_CASE("the HBM-PIM channel switches into PIM mode once per PIM phase, back before MEM work",
          "[mem][pim][engine]") {
  // Two tiles back to back stay in all-bank-PIM mode (one MODE_SWITCH in); when the PIM queue
  // is empty the phase ends and the channel switches back (one MODE_SWITCH out), and a later read
  // is served in single-bank mode.
  MemBench bench(settings(kHbmPim, false));
  const auto& p = bench.params();
  std::vector<Request*> stream;
  for (int tile = 0; tile < 2; ++tile) {
    stream.push_back(&bench.pim(pim(PimOp::Header, 0)));
    stream.push_back(&bench.pim(pim(PimOp::Gwrite, 0), p.org.row_bytes()));
    auto gact = pim(PimOp::GAct, 0);
    gact.all_banks = true;
    gact.row = 10 + tile;
    stream.push_back(&bench.pim(gact));
    auto c = pim(PimOp::CompsReadRes, 0);
    c.comps = 8;
    stream.push_back(&bench.pim(c, std::size_t{2} * p.org.banks()));
    auto pre = pim(PimOp::PimPre, 0);
    pre.all_banks = true;
    pre.last_in_tile = true;
    stream.push_back(&bench.pim(pre));
  }
  auto& read = bench.make(tlm::TLM_READ_COMMAND, bench.address(0, 3, 500, 0), p.org.burst_bytes());
  bench.run(stream);
  auto& cpu = bench.cpu();
  test::AtInitiator::run([&] {
    cpu.send(read.payload);
    cpu.drain();
  });
  REQUIRE(read.payload.is_response_ok());
  CHECK(bench.stat("hbm.pim_tiles") == 2);
  CHECK(bench.stat("hbm.commands.MODE_SWITCH") == 2);
  CHECK(bench.stat("hbm.commands.REG_WR") == 2 + 2 * 4);  // the CRF once, GRF_A per tile
  CHECK(bench.stat("hbm.commands.MAC") == 2 * 16);
  CHECK(bench.stat("hbm.commands.GRF_RD") == 2 * 16);
}
