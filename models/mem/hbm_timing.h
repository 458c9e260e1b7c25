// Organisation and timing parameters of an HBM2(-PIM) channel, read from a memory config.
//
// Contract: from_config() reads every key, requires the timing values (no defaults: a memory
// config must say what it models), and rejects values that are zero or inconsistent with each
// other (e.g. tRAS < tRCD, tRC < tRAS + tRP) with the JSON path and the rule broken. All times
// are in clock cycles of tCK unless the key says otherwise.
#pragma once

#include <cstdint>
#include <string>

#include "models/mem/hbm_types.h"
#include "platform/config.h"

namespace vp::hbm {

struct Organization {
  std::uint32_t channels = 32;
  std::uint32_t ranks = 2;
  std::uint32_t bank_groups = 4;  ///< per rank
  std::uint32_t banks_per_group = 4;
  std::uint32_t rows = 32768;
  std::uint32_t columns = 64;  ///< device columns per row
  std::uint32_t bus_width_bits = 128;
  std::uint32_t burst_length = 4;

  [[nodiscard]] std::uint32_t banks_per_rank() const { return bank_groups * banks_per_group; }
  [[nodiscard]] std::uint32_t banks() const { return ranks * banks_per_rank(); }
  /// Bank index within a channel in READRES order (rank, bank group, bank), and back.
  [[nodiscard]] std::uint32_t flat_bank(const BankId& id) const {
    return (id.rank.value * bank_groups + id.group.value) * banks_per_group + id.bank.value;
  }
  [[nodiscard]] BankId bank_at(std::uint32_t flat) const {
    return BankId{Rank(flat / banks_per_rank()), BankGroup((flat / banks_per_group) % bank_groups),
                  Bank(flat % banks_per_group)};
  }
  [[nodiscard]] std::uint32_t burst_bytes() const { return bus_width_bits / 8 * burst_length; }
  /// The index of the burst an address falls in: a shift, since burst_bytes() is a power of two
  /// (MemoryParams::from_config requires it; the address mapping's offset field relies on it).
  [[nodiscard]] std::uint64_t burst_index(std::uint64_t address) const {
    return address >> __builtin_ctz(burst_bytes());
  }
  [[nodiscard]] std::uint32_t row_bytes() const { return columns * bus_width_bits / 8; }
  [[nodiscard]] std::uint32_t bursts_per_row() const { return row_bytes() / burst_bytes(); }
  [[nodiscard]] std::uint64_t channel_bytes() const {
    return std::uint64_t{row_bytes()} * rows * banks();
  }
};

/// The PIM organisation of a channel (memory config "pim.engine"; models/mem/pim_engine.h).
enum class PimEngineKind : std::uint8_t {
  NeuPims,  ///< one MAC array per bank, a global buffer per channel (COMP, READRES)
  HbmPim,   ///< Samsung HBM-PIM: one 16-lane unit per two banks, GRF registers (MAC, GRF_RD)
};
[[nodiscard]] const char* to_string(PimEngineKind kind);

/// What an HBM-PIM engine's units are (unused by the NeuPIMs engine).
struct PimUnits {
  PimEngineKind engine = PimEngineKind::NeuPims;
  std::uint32_t lanes = 16;          ///< fp16 SIMD lanes per unit
  std::uint32_t banks_per_unit = 2;  ///< banks sharing one unit (an even and an odd bank)
  std::uint32_t grf_a = 8;           ///< input registers (lanes fp16 each)
  std::uint32_t grf_b = 8;           ///< accumulator registers
  std::uint32_t mac_interval = 4;    ///< cycles between MAC column commands (the unit's clock)
};

struct Timing {
  std::uint32_t tCK_ps = 1000;
  std::uint32_t CL = 14, CWL = 4;
  std::uint32_t tRCD = 14, tRP = 14, tRAS = 34;
  std::uint32_t tRRD_S = 4, tRRD_L = 6, tFAW = 30;
  std::uint32_t tCCD_S = 1, tCCD_L = 2;
  std::uint32_t tWTR_S = 6, tWTR_L = 8, tWR = 16, tRTP = 5, tRTRS = 2;
  std::uint32_t tRFC = 260, tREFI = 3900;
  std::uint32_t burst_cycles = 2;  ///< BL / 2 (double data rate)
  // PIM
  std::uint32_t gwrite = 96;           ///< GWRITE occupancy; simulator: (tCCD_S + tCCD_L) x 32
  std::uint32_t comp_interval = 2;     ///< COMP -> COMP; max(burst, tCCD_S)
  std::uint32_t comp_pipeline = 6;     ///< COMPs before the first result can be read out
  std::uint32_t pim_multipliers = 16;  ///< fp16 multipliers per bank (elements per COMP)
  PimUnits units;                      ///< the PIM organisation (pim_engine.h)

  // Derived
  [[nodiscard]] std::uint32_t burst() const { return burst_cycles; }
  [[nodiscard]] std::uint32_t tRC() const { return tRAS + tRP; }
  [[nodiscard]] std::uint32_t read_latency() const { return CL + burst_cycles; }
  [[nodiscard]] std::uint32_t write_latency() const { return CWL + burst_cycles; }
  /// HBM-PIM mode switch: precharge all banks, then write a reserved mode row (ACT, WR, PRE).
  [[nodiscard]] std::uint32_t mode_switch() const {
    return tRP + tRCD + CWL + burst_cycles + tWR + tRP;
  }
};

/// Which of the public simulator's timing gaps are closed (all by default).
struct TimingFixes {
  bool pre_to_gact_trp = true;  ///< a MEM PRE delays a G_ACT of that bank by tRP
  /// Activations a G_ACT counts as in the tFAW window: 4 (it opens four banks) by default, 0 as
  /// in the public simulator (G_ACTs outside the window).
  std::uint32_t gact_faw_activations = 4;
  bool compsreadres_other_rank =
      true;  ///< READ -> COMPS_READRES across ranks needs the rank switch
};

/// Currents (mA) and voltage of the Micron-style DRAM power model, per device (one per rank).
struct Power {
  double vdd = 1.2;
  double idd0 = 65, idd2n = 40, idd3n = 55, idd4r = 390, idd4w = 500, idd5ab = 250;
  double comp_read_factor = 4.0;  ///< an all-bank COMP costs this many reads (Newton)
};

/// Energy per command and background power, in pJ, derived from Power and Timing.
struct EnergyModel {
  double act, read, write, refresh, gwrite, g_act, comp, readres;
  double mode_switch, reg_write, mac, grf_read;                  ///< HBM-PIM commands
  double active_standby_per_cycle, precharge_standby_per_cycle;  ///< per rank
};

struct MemoryParams {
  std::string name;
  Organization org;
  Timing timing;
  TimingFixes fixes;
  Power power;
  [[nodiscard]] EnergyModel energy() const;

  /// Reads {"name", "organization": {...}, "timing_ck": {...}, "pim": {...}, "fixes": {...}}.
  static MemoryParams from_config(ConfigNode& config);
};

}  // namespace vp::hbm
