// One test per timing constraint: issue A, ask the checker for the earliest legal B, compare with
// the value derived here from the parameters (JEDEC HBM2 names; PIM values as documented in
// docs/memory.md), in each mode the rule applies to.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "models/mem/timing_checker.h"
#include "platform/config.h"
#include "platform/error.h"

using namespace vp::hbm;
using C = Command;

namespace {

MemoryParams load(const std::string& name) {
  auto config = vp::Config::load_file(std::string(NPVP_SOURCE_DIR) + "/configs/memory/" + name);
  vp::ConfigNode root = config.root();
  auto params = MemoryParams::from_config(root);
  root.finish();
  return params;
}

const BankId kBank{Rank(0), BankGroup(0), Bank(0)};
const BankId kSameGroup{Rank(0), BankGroup(0), Bank(1)};
const BankId kOtherGroup{Rank(0), BankGroup(1), Bank(2)};
const BankId kOtherRank{Rank(1), BankGroup(2), Bank(3)};

struct Case {
  const char* what;
  C prev;
  C next;
  BankId next_bank;
  std::int64_t expected;  // cycles after prev; <= 0: only the C/A bus rule (1 cycle)
  std::uint32_t comps = 0;
};

void check_cases(PimMode mode, const std::vector<Case>& cases, const MemoryParams& p) {
  constexpr std::uint64_t kAt = 1000;
  for (const auto& c : cases) {
    TimingChecker checker(p.org, p.timing, mode, p.fixes);
    checker.issue({c.prev, kBank, c.comps}, kAt);
    const std::uint64_t want =
        kAt + static_cast<std::uint64_t>(std::max<std::int64_t>(c.expected, 1));
    INFO(to_string(mode) << ": " << c.what << " (" << to_string(c.prev) << " -> "
                         << to_string(c.next) << ")");
    CHECK(checker.earliest({c.next, c.next_bank, 0}) == want);
  }
}

}  // namespace

TEST_CASE("DRAM constraints hold in every mode", "[mem][timing]") {
  const auto p = load("neupims-hbm2.json");
  const auto& t = p.timing;
  const std::int64_t b = p.org.burst_length / 2, rl = t.CL, wl = t.CWL;
  const std::vector<Case> cases = {
      {"tRC", C::Act, C::Act, kBank, t.tRAS + t.tRP},
      {"tRRD_L", C::Act, C::Act, kSameGroup, t.tRRD_L},
      {"tRRD_S", C::Act, C::Act, kOtherGroup, t.tRRD_S},
      {"no ACT-ACT rule across ranks", C::Act, C::Act, kOtherRank, 0},
      {"tRCD read", C::Act, C::Rd, kBank, t.tRCD},
      {"tRCD write", C::Act, C::Wr, kBank, t.tRCD},
      {"tRAS", C::Act, C::Pre, kBank, t.tRAS},
      {"tRAS before PREA", C::Act, C::PreAll, kBank, t.tRAS},
      {"tRP", C::Pre, C::Act, kBank, t.tRP},
      {"tRP before REF", C::Pre, C::Ref, kBank, t.tRP},
      {"tRP after PREA", C::PreAll, C::Act, kOtherGroup, t.tRP},
      {"read to read, same group", C::Rd, C::Rd, kSameGroup, std::max<std::int64_t>(b, t.tCCD_L)},
      {"read to read, other group", C::Rd, C::Rd, kOtherGroup, std::max<std::int64_t>(b, t.tCCD_S)},
      {"read to read, other rank", C::Rd, C::Rd, kOtherRank, b + t.tRTRS},
      {"read to write turnaround", C::Rd, C::Wr, kOtherRank, rl + b - wl + t.tRTRS},
      {"tRTP", C::Rd, C::Pre, kBank, t.tRTP},
      {"write to read, same group (tWTR_L)", C::Wr, C::Rd, kSameGroup, wl + b + t.tWTR_L},
      {"write to read, other group (tWTR_S)", C::Wr, C::Rd, kOtherGroup, wl + b + t.tWTR_S},
      {"write to read, other rank", C::Wr, C::Rd, kOtherRank, wl + b + t.tRTRS - rl},
      {"write to write, same group", C::Wr, C::Wr, kSameGroup, std::max<std::int64_t>(b, t.tCCD_L)},
      {"write to write, other rank", C::Wr, C::Wr, kOtherRank, b + t.tRTRS},
      {"write recovery", C::Wr, C::Pre, kBank, wl + b + t.tWR},
      {"tRFC to ACT", C::Ref, C::Act, kOtherGroup, t.tRFC},
      {"tRFC to REF", C::Ref, C::Ref, kBank, t.tRFC},
      {"refresh is per rank", C::Ref, C::Act, kOtherRank, 0},
  };
  for (PimMode mode : {PimMode::Dram, PimMode::Blocked, PimMode::Dual}) check_cases(mode, cases, p);
}

TEST_CASE("PIM constraints, with what the second row buffer relaxes", "[mem][timing][pim]") {
  const auto p = load("neupims-hbm2.json");
  const auto& t = p.timing;
  const std::int64_t b = p.org.burst_length / 2, rl = t.CL, wl = t.CWL;
  const std::int64_t trc = t.tRAS + t.tRP;
  const std::int64_t comp = std::max<std::int64_t>(b, t.tCCD_S);
  for (PimMode mode : {PimMode::Blocked, PimMode::Dual}) {
    const bool dual = mode == PimMode::Dual;
    const std::vector<Case> cases = {
        // MEM commands before PIM commands
        {"read -> COMP (all banks, other groups included)", C::Rd, C::Comp, kBank, comp},
        {"read -> COMPS_READRES: its READRES from the other rank (gap closed)", C::Rd,
         C::CompsReadRes, kBank, b + t.tRTRS},
        {"read -> READRES", C::Rd, C::ReadRes, kBank, b + t.tRTRS},  // other rank's results
        {"read -> GWRITE", C::Rd, C::Gwrite, kOtherGroup, std::max<std::int64_t>(b, t.tCCD_L)},
        {"write -> COMP: tWTR_L with one buffer, the other groups' tWTR_S with two", C::Wr, C::Comp,
         kBank, dual ? wl + b + t.tWTR_S : wl + b + t.tWTR_L},
        {"write -> GWRITE, same group", C::Wr, C::Gwrite, kSameGroup, wl + b + t.tWTR_L},
        {"write -> GWRITE, other group", C::Wr, C::Gwrite, kOtherGroup, wl + b + t.tWTR_S},
        {"ACT -> G_ACT same bank: tRC with one buffer, tRRD_L with two, and the tFAW window",
         C::Act, C::GAct, kBank, std::max<std::int64_t>(dual ? t.tRRD_L : trc, t.tFAW)},
        {"ACT -> G_ACT other group: tFAW window (G_ACT = 4 activations)", C::Act, C::GAct,
         kOtherGroup, t.tFAW},
        {"ACT -> GWRITE (reads the MEM row)", C::Act, C::Gwrite, kBank, t.tRCD},
        {"PRE -> G_ACT: tRP (gap closed)", C::Pre, C::GAct, kBank, t.tRP},
        // G_ACT
        {"G_ACT -> ACT same group: tRC with one buffer, tFAW dominates with two", C::GAct, C::Act,
         kSameGroup, dual ? t.tFAW : trc},
        {"G_ACT -> ACT other group: tFAW", C::GAct, C::Act, kOtherGroup, t.tFAW},
        {"G_ACT -> ACT other rank: free", C::GAct, C::Act, kOtherRank, 0},
        {"G_ACT -> G_ACT same group: tRC", C::GAct, C::GAct, kSameGroup, trc},
        {"G_ACT -> G_ACT other group: tFAW", C::GAct, C::GAct, kOtherGroup, t.tFAW},
        {"G_ACT -> COMP: tRCD", C::GAct, C::Comp, kBank, t.tRCD},
        {"G_ACT -> COMPS_READRES: tRCD", C::GAct, C::CompsReadRes, kBank, t.tRCD},
        {"G_ACT -> PIM_PRE: tRAS", C::GAct, C::PimPre, kSameGroup, t.tRAS},
        // COMP / READRES
        {"COMP -> COMP", C::Comp, C::Comp, kBank, comp},
        {"COMP -> READ", C::Comp, C::Rd, kOtherRank, comp},
        {"COMP -> WRITE", C::Comp, C::Wr, kBank, rl + b - wl + t.tRTRS},
        {"first COMP -> READRES: pipeline fill", C::Comp, C::ReadRes, kBank,
         static_cast<std::int64_t>(t.comp_pipeline) * t.tCCD_S},
        {"COMP -> PIM_PRE: tRTP", C::Comp, C::PimPre, kBank, t.tRTP},
        {"COMP -> PRE: tRTP with one buffer, free with two", C::Comp, C::Pre, kBank,
         dual ? 0 : t.tRTP},
        {"READRES -> COMP", C::ReadRes, C::Comp, kBank, b},
        {"READRES -> READ", C::ReadRes, C::Rd, kBank, b + t.tRTRS},
        {"READRES -> WRITE", C::ReadRes, C::Wr, kBank, rl + b - wl + t.tRTRS},
        {"READRES -> G_ACT", C::ReadRes, C::GAct, kBank, t.tRTP + t.tRP},
        {"READRES -> PRE: free with two buffers", C::ReadRes, C::Pre, kBank, dual ? 0 : t.tRTP},
        // COMPS_READRES(n)
        {"COMPS_READRES(8) -> COMPS_READRES", C::CompsReadRes, C::CompsReadRes, kBank,
         comp * (8 + 1), 8},
        {"COMPS_READRES(2) -> COMPS_READRES: at least the pipeline", C::CompsReadRes,
         C::CompsReadRes, kBank, comp * (static_cast<std::int64_t>(t.comp_pipeline) + 1), 2},
        {"COMPS_READRES -> READ", C::CompsReadRes, C::Rd, kBank, b + t.tRTRS},
        {"COMPS_READRES -> WRITE", C::CompsReadRes, C::Wr, kBank, rl + b - wl + t.tRTRS},
        {"COMPS_READRES -> G_ACT", C::CompsReadRes, C::GAct, kBank, t.tRTP + t.tRP},
        {"COMPS_READRES -> PRE", C::CompsReadRes, C::Pre, kBank, dual ? 0 : t.tRTP},
        // GWRITE, PIM_PRE
        {"GWRITE -> READ same bank", C::Gwrite, C::Rd, kBank, t.gwrite},
        {"GWRITE -> READ other bank", C::Gwrite, C::Rd, kOtherGroup,
         std::max<std::int64_t>(b, t.tCCD_L)},
        {"GWRITE -> WRITE other bank", C::Gwrite, C::Wr, kOtherGroup, rl + b - wl + t.tRTRS},
        {"GWRITE -> COMP", C::Gwrite, C::Comp, kBank, t.gwrite},
        {"GWRITE -> GWRITE", C::Gwrite, C::Gwrite, kOtherGroup, t.gwrite},
        {"PIM_PRE -> G_ACT: tRP", C::PimPre, C::GAct, kBank, t.tRP},
        {"PIM_PRE -> REF: tRP", C::PimPre, C::Ref, kBank, t.tRP},
    };
    check_cases(mode, cases, p);
  }
}

TEST_CASE("tFAW: at most four activations per rank in any window", "[mem][timing]") {
  const auto p = load("neupims-hbm2.json");
  const auto& t = p.timing;
  TimingChecker checker(p.org, p.timing, PimMode::Dual, p.fixes);
  std::uint64_t at = 100;
  const BankId banks[] = {{Rank(0), BankGroup(0), Bank(0)},
                          {Rank(0), BankGroup(1), Bank(0)},
                          {Rank(0), BankGroup(2), Bank(0)},
                          {Rank(0), BankGroup(3), Bank(0)},
                          {Rank(0), BankGroup(0), Bank(1)}};
  for (int i = 0; i < 4; ++i) {
    if (i > 0) at = checker.earliest({C::Act, banks[i], 0});
    checker.issue({C::Act, banks[i], 0}, at);
  }
  CHECK(at == 100 + 3 * t.tRRD_S);
  // The fifth waits for the first to leave the window; the other rank is not affected.
  CHECK(checker.earliest({C::Act, banks[4], 0}) == 100 + t.tFAW);
  CHECK(checker.earliest({C::Act, kOtherRank, 0}) == at + 1);
}

TEST_CASE("the public simulator's timing gaps can be reopened for comparison", "[mem][timing]") {
  auto p = load("neupims-hbm2.json");
  const auto& t = p.timing;
  p.fixes = TimingFixes{false, 0, false};
  TimingChecker checker(p.org, p.timing, PimMode::Dual, p.fixes);
  checker.issue({C::Act, kBank, 0}, 1000);
  CHECK(checker.earliest({C::GAct, kOtherGroup, 0}) == 1000 + t.tRRD_S);  // G_ACT outside tFAW
  CHECK(checker.earliest({C::GAct, kBank, 0}) == 1000 + t.tRRD_L);        // the dual relaxation
  TimingChecker pre(p.org, p.timing, PimMode::Dual, p.fixes);
  pre.issue({C::Pre, kBank, 0}, 1000);
  CHECK(pre.earliest({C::GAct, kBank, 0}) == 1001);  // no tRP from PRE to G_ACT
  TimingChecker rd(p.org, p.timing, PimMode::Dual, p.fixes);
  rd.issue({C::Rd, kBank, 0}, 1000);
  CHECK(rd.earliest({C::CompsReadRes, kBank, 0}) == 1000 + std::max(t.burst(), t.tCCD_S));
}

TEST_CASE("the C/A bus carries one command per cycle and violations are refused", "[mem][timing]") {
  const auto p = load("neupims-hbm2.json");
  TimingChecker checker(p.org, p.timing, PimMode::Dram, p.fixes);
  checker.issue({C::Act, kBank, 0}, 10);
  CHECK(checker.earliest({C::Act, kOtherRank, 0}) == 11);
  CHECK_THROWS_WITH(checker.issue({C::Rd, kBank, 0}, 11),
                    Catch::Contains("timing violation: RD at cycle 11, earliest legal is 24"));
}

TEST_CASE("a second parameter set loads through the same format", "[mem][timing]") {
  const auto p = load("hbm2-dramsys.json");
  CHECK(p.timing.CL == 17);
  CHECK(p.timing.tRAS + p.timing.tRP == 42);  // the memspec's RC
  // No gwrite_ck in that file: the default, the public simulator's (tCCD_S + tCCD_L) x 32 with
  // the file's tCCD_S 2 and tCCD_L 3 (the public NeuPIMs simulator's gwrite_delay).
  CHECK(p.timing.gwrite == 160);
  CHECK(p.org.channel_bytes() == 1ULL << 30);
}

TEST_CASE("inconsistent or missing timing parameters are rejected", "[mem][timing]") {
  const std::string file = std::string(NPVP_SOURCE_DIR) + "/configs/memory/neupims-hbm2.json";
  auto try_with = [&file](const std::string& override) {
    auto config = vp::Config::load_file(file);
    config.apply_override(override);
    vp::ConfigNode root = config.root();
    (void)MemoryParams::from_config(root);
  };
  CHECK_THROWS_WITH(try_with("timing_ck.tRAS=10"),
                    Catch::Contains("timing_ck.tRAS: tRAS (10) < tRCD (14)"));
  CHECK_THROWS_WITH(try_with("timing_ck.tRP=0"),
                    Catch::Contains("timing_ck.tRP: 0 is out of range (allowed: 1 .."));
  CHECK_THROWS_WITH(try_with("timing_ck.tREFI=100"), Catch::Contains("must exceed tRFC"));
  CHECK_THROWS_WITH(try_with("organization.rows=1000"),
                    Catch::Contains("organization.rows: must be a power of two"));
  auto config = vp::Config::load_file(file);
  auto doc = config.document();
  doc["timing_ck"].erase("tWR");
  auto missing = vp::Config::from_json(doc, "t");
  vp::ConfigNode root = missing.root();
  CHECK_THROWS_WITH(MemoryParams::from_config(root),
                    Catch::Contains("timing_ck.tWR: required integer is missing"));
}

TEST_CASE("per-command energies follow the DRAM power model", "[mem][energy]") {
  // The NeuPIMs simulator's published values for its HBM2 parameters (pJ).
  const auto e = load("neupims-hbm2.json").energy();
  CHECK(e.act == Approx(828));
  CHECK(e.read == Approx(804));
  CHECK(e.write == Approx(1068));
  CHECK(e.refresh == Approx(60840));
  CHECK(e.gwrite == Approx(12864));
  CHECK(e.g_act == Approx(3312));
  CHECK(e.comp == Approx(3216));
  CHECK(e.readres == Approx(804));
  CHECK(e.active_standby_per_cycle == Approx(66));
  CHECK(e.precharge_standby_per_cycle == Approx(48));
}

TEST_CASE("bound_after() is what issuing the earlier command does to the later one",
          "[mem][timing]") {
  // Its contract: the earliest cycle of `next` after `prev` at `at` is max(earliest(next),
  // at + 1, bound_after(prev, at, next)). On a fresh checker earliest(next) is 0, so issuing
  // prev on a second fresh checker must give max(at + 1, bound_after()) for every pair of
  // commands, every relation of the two banks, every mode, and COMP counts below and above the
  // pipeline depth (the COMP-count rows).
  const auto p = load("neupims-hbm2.json");
  constexpr std::uint64_t kAt = 1000;
  std::size_t bounded = 0;
  for (const PimMode mode : {PimMode::Dram, PimMode::Dual, PimMode::Blocked})
    for (unsigned a = 0; a < kCommandCount; ++a)
      for (unsigned n = 0; n < kCommandCount; ++n)
        for (const BankId& next_bank : {kBank, kSameGroup, kOtherGroup, kOtherRank})
          for (const std::uint32_t comps : {1U, 32U}) {
            const CommandTarget prev{static_cast<C>(a), kBank, comps};
            const CommandTarget next{static_cast<C>(n), next_bank, comps};
            const TimingChecker fresh(p.org, p.timing, mode, p.fixes);
            TimingChecker after(p.org, p.timing, mode, p.fixes);
            after.issue(prev, kAt);
            const std::uint64_t bound = fresh.bound_after(prev, kAt, next);
            INFO(to_string(mode) << ": " << to_string(prev.command) << " -> "
                                 << to_string(next.command) << ", bank (" << next_bank.rank.value
                                 << ", " << next_bank.group.value << ", " << next_bank.bank.value
                                 << "), " << comps << " COMPs");
            CHECK(after.earliest(next) == std::max(kAt + 1, bound));
            if (bound > kAt + 1) ++bounded;
          }
  CHECK(bounded > 500);  // most pairs have a rule: the check above is not vacuous
}

TEST_CASE("Samsung HBM-PIM constraints hold (one per row, blocked mode)", "[mem][timing]") {
  const auto p = load("samsung-hbm-pim.json");
  const auto& t = p.timing;
  REQUIRE(t.units.engine == PimEngineKind::HbmPim);
  const std::int64_t b = p.org.burst_length / 2, rl = t.CL, wl = t.CWL;
  // The unit clock: 300 MHz is 3.33 tCK of 1 GHz, so a MAC every 4 cycles (above tCCD_L = 2).
  const std::int64_t mac = 4;
  REQUIRE(t.units.mac_interval == mac);
  const std::int64_t mode = t.tRP + t.tRCD + wl + b + t.tWR + t.tRP;  // PREA, ACT, WR, PRE
  const std::int64_t ccd_l = std::max<std::int64_t>(b, t.tCCD_L);
  const std::int64_t ccd_s = std::max<std::int64_t>(b, t.tCCD_S);
  const std::int64_t rd_to_wr = rl + b - wl + t.tRTRS;
  const std::vector<Case> cases = {
      {"mode switch occupancy before a MAC", C::ModeSwitch, C::Mac, kOtherRank, mode},
      {"mode switch occupancy before ACT", C::ModeSwitch, C::Act, kOtherGroup, mode},
      {"mode switch occupancy before G_ACT", C::ModeSwitch, C::GAct, kBank, mode},
      {"mode switch occupancy before RD", C::ModeSwitch, C::Rd, kOtherRank, mode},
      {"mode switch occupancy before REF", C::ModeSwitch, C::Ref, kBank, mode},
      {"mode switch after mode switch", C::ModeSwitch, C::ModeSwitch, kBank, mode},
      {"tRAS before the switch precharges", C::Act, C::ModeSwitch, kBank, t.tRAS},
      {"tRAS of a G_ACT before the switch", C::GAct, C::ModeSwitch, kBank, t.tRAS},
      {"tRP before the switch", C::Pre, C::ModeSwitch, kBank, t.tRP},
      {"write recovery before the switch", C::Wr, C::ModeSwitch, kBank, wl + b + t.tWR},
      {"tRTP before the switch", C::Rd, C::ModeSwitch, kBank, t.tRTP},
      {"tRFC before the switch", C::Ref, C::ModeSwitch, kBank, t.tRFC},
      {"a MAC's tRTP before the switch", C::Mac, C::ModeSwitch, kBank, t.tRTP},
      {"GRF write data in before the switch", C::RegWr, C::ModeSwitch, kBank, wl + b},
      {"GRF read data out before the switch", C::GrfRd, C::ModeSwitch, kBank, rl + b},
      {"GRF write to GRF write (every group)", C::RegWr, C::RegWr, kOtherRank, ccd_l},
      {"GRF write to MAC (tWTR_L)", C::RegWr, C::Mac, kBank, wl + b + t.tWTR_L},
      {"GRF write to GRF read (tWTR_L)", C::RegWr, C::GrfRd, kOtherRank, wl + b + t.tWTR_L},
      {"read to GRF write turnaround", C::Rd, C::RegWr, kOtherRank, rd_to_wr},
      {"tRCD before the first MAC", C::GAct, C::Mac, kBank, t.tRCD},
      {"MAC to MAC: the unit clock", C::Mac, C::Mac, kBank, mac},
      {"MAC to GRF write turnaround", C::Mac, C::RegWr, kBank, rd_to_wr},
      {"MAC to GRF read: CL + a unit cycle", C::Mac, C::GrfRd, kOtherGroup, rl + mac},
      {"MAC to PRE (tRTP)", C::Mac, C::Pre, kOtherRank, t.tRTP},
      {"read to MAC", C::Rd, C::Mac, kOtherRank, ccd_l},
      {"write to MAC (tWTR_L)", C::Wr, C::Mac, kOtherRank, wl + b + t.tWTR_L},
      {"GRF read to GRF read, same group", C::GrfRd, C::GrfRd, kSameGroup, ccd_l},
      {"GRF read to GRF read, other group", C::GrfRd, C::GrfRd, kOtherGroup, ccd_s},
      {"GRF read to GRF read, other rank", C::GrfRd, C::GrfRd, kOtherRank, b + t.tRTRS},
      {"read to GRF read, same group", C::Rd, C::GrfRd, kSameGroup, ccd_l},
      {"GRF read to read, other rank", C::GrfRd, C::Rd, kOtherRank, b + t.tRTRS},
      {"GRF read to write turnaround", C::GrfRd, C::Wr, kOtherRank, rd_to_wr},
      {"GRF read to GRF write turnaround", C::GrfRd, C::RegWr, kBank, rd_to_wr},
      {"write to GRF read, same group", C::Wr, C::GrfRd, kSameGroup, wl + b + t.tWTR_L},
      {"write to GRF read, other group", C::Wr, C::GrfRd, kOtherGroup, wl + b + t.tWTR_S},
      {"GRF read to MAC", C::GrfRd, C::Mac, kOtherRank, ccd_l},
      {"GRF read to PRE (tRTP)", C::GrfRd, C::Pre, kOtherGroup, t.tRTP},
  };
  check_cases(PimMode::Blocked, cases, p);
  // The NeuPIMs engine's tables have none of these rows.
  const auto neupims = load("neupims-hbm2.json");
  for (const auto& row : build_constraints(neupims.timing, PimMode::Blocked, neupims.fixes))
    for (const C own : {C::ModeSwitch, C::RegWr, C::Mac, C::GrfRd})
      CHECK((row.prev != own && row.next != own));
}

TEST_CASE("bound_after() matches issuing for the HBM-PIM command set", "[mem][timing]") {
  const auto p = load("samsung-hbm-pim.json");
  constexpr std::uint64_t kAt = 1000;
  std::size_t bounded = 0;
  for (unsigned a = 0; a < kCommandCount; ++a)
    for (unsigned n = 0; n < kCommandCount; ++n)
      for (const BankId& next_bank : {kBank, kSameGroup, kOtherGroup, kOtherRank}) {
        const CommandTarget prev{static_cast<C>(a), kBank, 8};
        const CommandTarget next{static_cast<C>(n), next_bank, 8};
        const TimingChecker fresh(p.org, p.timing, PimMode::Blocked, p.fixes);
        TimingChecker after(p.org, p.timing, PimMode::Blocked, p.fixes);
        after.issue(prev, kAt);
        const std::uint64_t bound = fresh.bound_after(prev, kAt, next);
        INFO(to_string(prev.command) << " -> " << to_string(next.command));
        CHECK(after.earliest(next) == std::max(kAt + 1, bound));
        if (bound > kAt + 1) ++bounded;
      }
  CHECK(bounded > 300);
}
