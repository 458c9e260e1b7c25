#include "models/mem/hbm_timing.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp::hbm {
namespace {

bool power_of_two(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

void require(bool ok, const ConfigNode& node, const std::string& key, const std::string& rule) {
  if (!ok) throw ConfigError(fmt::format("{}: {}", node.key_path(key), rule));
}

}  // namespace

MemoryParams MemoryParams::from_config(ConfigNode& config) {
  MemoryParams p;
  p.name = config.get_string("name", "unnamed memory");
  config.get_string("source", "");

  ConfigNode org = config.child("organization");
  auto u32 = [](ConfigNode& n, const char* key, std::uint64_t min, std::uint64_t max) {
    return static_cast<std::uint32_t>(n.require_u64(key, min, max));
  };
  p.org.channels = u32(org, "channels", 1, 1024);
  p.org.ranks = u32(org, "ranks", 1, 16);
  p.org.bank_groups = u32(org, "bank_groups", 1, 16);
  p.org.banks_per_group = u32(org, "banks_per_group", 1, 16);
  p.org.rows = u32(org, "rows", 1, 1U << 24);
  p.org.columns = u32(org, "columns", 1, 1U << 16);
  p.org.bus_width_bits = u32(org, "bus_width_bits", 8, 1024);
  p.org.burst_length = u32(org, "burst_length", 1, 64);
  for (const char* key : {"channels", "ranks", "bank_groups", "banks_per_group", "rows", "columns",
                          "bus_width_bits", "burst_length"})
    require(power_of_two(org.require_u64(key, 1, ~0ULL)), org, key, "must be a power of two");
  require(p.org.burst_length % 2 == 0, org, "burst_length", "must be even (double data rate)");
  require(p.org.row_bytes() % p.org.burst_bytes() == 0, org, "columns",
          "a row must hold a whole number of bursts");
  org.finish();

  ConfigNode t = config.child("timing_ck");
  auto& tm = p.timing;
  tm.tCK_ps = static_cast<std::uint32_t>(t.require_u64("tCK_ps", 1, 100000));
  const std::uint64_t kMax = 1000000;
  tm.CL = u32(t, "CL", 1, kMax);
  tm.CWL = u32(t, "CWL", 1, kMax);
  tm.tRCD = u32(t, "tRCD", 1, kMax);
  tm.tRP = u32(t, "tRP", 1, kMax);
  tm.tRAS = u32(t, "tRAS", 1, kMax);
  tm.tRRD_S = u32(t, "tRRD_S", 1, kMax);
  tm.tRRD_L = u32(t, "tRRD_L", 1, kMax);
  tm.tFAW = u32(t, "tFAW", 1, kMax);
  tm.tCCD_S = u32(t, "tCCD_S", 1, kMax);
  tm.tCCD_L = u32(t, "tCCD_L", 1, kMax);
  tm.tWTR_S = u32(t, "tWTR_S", 1, kMax);
  tm.tWTR_L = u32(t, "tWTR_L", 1, kMax);
  tm.tWR = u32(t, "tWR", 1, kMax);
  tm.tRTP = u32(t, "tRTP", 1, kMax);
  tm.tRTRS = u32(t, "tRTRS", 0, kMax);
  tm.tRFC = u32(t, "tRFC", 1, kMax);
  tm.tREFI = u32(t, "tREFI", 1, 100000000);
  tm.burst_cycles = p.org.burst_length / 2;
  require(tm.tRAS >= tm.tRCD, t, "tRAS",
          fmt::format("tRAS ({}) < tRCD ({}): a row must stay open "
                      "at least until it can be read",
                      tm.tRAS, tm.tRCD));
  require(tm.tRRD_L >= tm.tRRD_S, t, "tRRD_L",
          fmt::format("tRRD_L ({}) < tRRD_S ({}): same-group spacing cannot be shorter", tm.tRRD_L,
                      tm.tRRD_S));
  require(tm.tCCD_L >= tm.tCCD_S, t, "tCCD_L",
          fmt::format("tCCD_L ({}) < tCCD_S ({})", tm.tCCD_L, tm.tCCD_S));
  require(tm.tWTR_L >= tm.tWTR_S, t, "tWTR_L",
          fmt::format("tWTR_L ({}) < tWTR_S ({})", tm.tWTR_L, tm.tWTR_S));
  require(tm.tFAW >= tm.tRRD_S, t, "tFAW",
          fmt::format("tFAW ({}) < tRRD_S ({})", tm.tFAW, tm.tRRD_S));
  require(tm.tREFI > tm.tRFC, t, "tREFI",
          fmt::format("tREFI ({}) must exceed tRFC ({}), or the rank only refreshes", tm.tREFI,
                      tm.tRFC));
  t.finish();

  ConfigNode pim = config.child("pim");
  tm.pim_multipliers = u32(pim, "multipliers_per_bank", 1, 1024);
  tm.gwrite = static_cast<std::uint32_t>(
      pim.get_u64("gwrite_ck", std::uint64_t{tm.tCCD_S + tm.tCCD_L} * 32, 1, kMax));
  tm.comp_interval = static_cast<std::uint32_t>(
      pim.get_u64("comp_interval_ck", std::max(tm.burst_cycles, tm.tCCD_S), 1, kMax));
  tm.comp_pipeline = static_cast<std::uint32_t>(pim.get_u64("comp_pipeline_comps", 6, 1, 1024));
  require((p.org.row_bytes() / 2) % tm.pim_multipliers == 0, pim, "multipliers_per_bank",
          "must divide the fp16 elements of a row");
  auto& units = tm.units;
  units.engine = pim.get_enum("engine", "neupims", {"neupims", "hbm-pim"}) == "hbm-pim"
                     ? PimEngineKind::HbmPim
                     : PimEngineKind::NeuPims;
  if (units.engine == PimEngineKind::HbmPim) {
    ConfigNode u = pim.child("hbm_pim");
    units.lanes = u32(u, "lanes", 1, 1024);
    units.banks_per_unit = u32(u, "banks_per_unit", 2, 2);
    units.grf_a = u32(u, "grf_a_registers", 1, 64);
    units.grf_b = u32(u, "grf_b_registers", 2, 64);
    // One MAC per cycle of the unit's clock, and no faster than column commands may follow.
    const double unit_mhz = u.get_double("unit_clock_mhz", 300, 1, 100000);
    const auto unit_ck = static_cast<std::uint32_t>(std::ceil(1e6 / unit_mhz / tm.tCK_ps - 1e-9));
    units.mac_interval = std::max({unit_ck, tm.tCCD_L, tm.burst_cycles});
    require(units.lanes == tm.pim_multipliers, u, "lanes",
            fmt::format("must equal pim.multipliers_per_bank ({}): the dispatcher's COMP slice",
                        tm.pim_multipliers));
    require(p.org.banks() % units.banks_per_unit == 0 && p.org.banks_per_group % 2 == 0, u,
            "banks_per_unit", "a bank group must hold whole bank pairs");
    require(p.org.burst_bytes() % (2 * units.lanes) == 0, u, "lanes",
            fmt::format("a burst ({} bytes) must hold whole registers of lanes x 2 bytes",
                        p.org.burst_bytes()));
    u.finish();
  }
  pim.finish();

  ConfigNode power = config.child("power");
  auto& pw = p.power;
  pw.vdd = power.get_double("VDD_V", pw.vdd, 0.1, 5.0);
  pw.idd0 = power.get_double("IDD0_mA", pw.idd0, 0, 10000);
  pw.idd2n = power.get_double("IDD2N_mA", pw.idd2n, 0, 10000);
  pw.idd3n = power.get_double("IDD3N_mA", pw.idd3n, 0, 10000);
  pw.idd4r = power.get_double("IDD4R_mA", pw.idd4r, 0, 10000);
  pw.idd4w = power.get_double("IDD4W_mA", pw.idd4w, 0, 10000);
  pw.idd5ab = power.get_double("IDD5AB_mA", pw.idd5ab, 0, 10000);
  pw.comp_read_factor = power.get_double("comp_read_factor", pw.comp_read_factor, 0, 1000);
  require(pw.idd3n >= pw.idd2n, power, "IDD3N_mA",
          "active standby current below precharge standby");
  require(pw.idd4r >= pw.idd3n && pw.idd4w >= pw.idd3n && pw.idd5ab >= pw.idd3n, power, "IDD4R_mA",
          "read, write and refresh currents must exceed active standby (IDD3N)");
  power.finish();

  ConfigNode fixes = config.child("fixes");
  p.fixes.pre_to_gact_trp = fixes.get_bool("pre_to_gact_trp", true);
  p.fixes.gact_faw_activations =
      static_cast<std::uint32_t>(fixes.get_u64("gact_faw_activations", 4, 0, 4));
  p.fixes.compsreadres_other_rank = fixes.get_bool("compsreadres_other_rank", true);
  fixes.finish();
  return p;
}

const char* to_string(PimEngineKind kind) {
  return kind == PimEngineKind::HbmPim ? "hbm-pim" : "neupims";
}

EnergyModel MemoryParams::energy() const {
  // Micron DRAM power model terms (as in the NeuPIMs simulator): current x voltage x time.
  const auto& t = timing;
  const double ns = t.tCK_ps / 1000.0;
  EnergyModel e{};
  e.act = power.vdd * (power.idd0 * t.tRC() - (power.idd3n * t.tRAS + power.idd2n * t.tRP)) * ns;
  e.read = power.vdd * (power.idd4r - power.idd3n) * t.burst() * ns;
  e.write = power.vdd * (power.idd4w - power.idd3n) * t.burst() * ns;
  e.refresh = power.vdd * (power.idd5ab - power.idd3n) * t.tRFC * ns;
  e.gwrite = e.read * org.row_bytes() / org.burst_bytes();  // a row through the data path
  e.g_act = e.act * org.banks_per_group;
  e.comp = e.read * power.comp_read_factor;
  e.readres = e.read * (16.0 * org.banks()) / (8.0 * org.burst_bytes());  // 16-bit result per bank
  // HBM-PIM: a mode switch writes a mode row (ACT + WR); register writes and GRF reads are
  // bursts; a MAC reads lanes x 2 bytes in each unit's bank, counted like COMP
  // (comp_read_factor reads for a COMP's all banks x multipliers x 2 bytes).
  e.mode_switch = e.act + e.write;
  e.reg_write = e.write;
  e.grf_read = e.read;
  e.mac = e.comp * (double(org.banks()) / t.units.banks_per_unit * t.units.lanes) /
          (double(org.banks()) * t.pim_multipliers);
  e.active_standby_per_cycle = power.vdd * power.idd3n * ns;
  e.precharge_standby_per_cycle = power.vdd * power.idd2n * ns;
  return e;
}

}  // namespace vp::hbm
