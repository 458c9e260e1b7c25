#include "models/mem/constraint_table.h"

#include <algorithm>
#include <initializer_list>

namespace vp::hbm {

namespace {

/// Samsung HBM-PIM's command set (hbm_pim_engine.h): mode switches, register writes, MACs, GRF
/// reads, as the JEDEC rows of the column commands they are (a MAC is a column read, a register
/// write a column write) plus the unit's clock.
template <typename Add>
void add_hbm_pim_rows(const Timing& t, Add add) {
  using C = Command;
  using S = Scope;
  const std::int64_t b = t.burst();
  const std::int64_t rl = t.CL, wl = t.CWL;
  const std::int64_t rd_to_wr = rl + b - wl + t.tRTRS;
  const std::int64_t ccd_l = std::max<std::int64_t>(b, t.tCCD_L);
  const std::int64_t ccd_s = std::max<std::int64_t>(b, t.tCCD_S);
  const std::int64_t mac = t.units.mac_interval;

  // Mode switch (single bank <-> all-bank PIM): every bank precharged, a mode-row write.
  add(C::ModeSwitch,
      {C::Act, C::Pre, C::PreAll, C::Rd, C::Wr, C::Ref, C::GAct, C::ModeSwitch, C::RegWr, C::Mac,
       C::GrfRd},
      S::Channel, t.mode_switch(), "mode switch: tRP + tRCD + WL + BL/2 + tWR + tRP");
  add(C::Act, {C::ModeSwitch}, S::Channel, t.tRAS, "tRAS (the switch precharges every bank)");
  add(C::GAct, {C::ModeSwitch}, S::Channel, t.tRAS, "tRAS (the switch precharges every bank)");
  add(C::Pre, {C::ModeSwitch}, S::Channel, t.tRP, "tRP");
  add(C::PreAll, {C::ModeSwitch}, S::Channel, t.tRP, "tRP");
  add(C::Rd, {C::ModeSwitch}, S::Channel, t.tRTP, "tRTP");
  add(C::Wr, {C::ModeSwitch}, S::Channel, wl + b + t.tWR, "WL + BL/2 + tWR");
  add(C::Ref, {C::ModeSwitch}, S::Channel, t.tRFC, "tRFC");
  add(C::Mac, {C::ModeSwitch}, S::Channel, t.tRTP, "tRTP (a MAC is a column read)");
  add(C::RegWr, {C::ModeSwitch}, S::Channel, wl + b, "WL + BL/2 (the data is in)");
  add(C::GrfRd, {C::ModeSwitch}, S::Channel, rl + b, "RL + BL/2 (the data is out)");

  // Register writes (the input into GRF_A, the CRF program): column writes to every unit.
  add(C::RegWr, {C::RegWr}, S::Channel, ccd_l, "max(BL/2, tCCD_L) (every bank group)");
  add(C::RegWr, {C::Mac, C::GrfRd, C::Rd}, S::Channel, wl + b + t.tWTR_L, "WL + BL/2 + tWTR_L");
  add(C::Rd, {C::RegWr}, S::Channel, rd_to_wr, "RL + BL/2 - WL + tRTRS (bus turnaround)");
  add(C::Wr, {C::RegWr}, S::Channel, ccd_l, "max(BL/2, tCCD_L)");
  add(C::RegWr, {C::Wr}, S::Channel, ccd_l, "max(BL/2, tCCD_L)");

  // MACs: all-bank column reads at the unit's clock.
  add(C::GAct, {C::Mac}, S::SameRank, t.tRCD, "tRCD");
  add(C::Mac, {C::Mac}, S::Channel, mac, "unit clock: max(tCCD_L, BL/2, 1 / unit clock)");
  add(C::Mac, {C::RegWr, C::Wr}, S::Channel, rd_to_wr, "RL + BL/2 - WL + tRTRS (a column read)");
  add(C::Mac, {C::GrfRd, C::Rd}, S::Channel, rl + mac, "CL + unit clock (the sum is in GRF_B)");
  add(C::Mac, {C::Pre, C::PreAll}, S::Channel, t.tRTP, "tRTP");
  add(C::Rd, {C::Mac}, S::Channel, ccd_l, "max(BL/2, tCCD_L)");
  add(C::Wr, {C::Mac}, S::Channel, wl + b + t.tWTR_L, "WL + BL/2 + tWTR_L");
  add(C::GrfRd, {C::Mac}, S::Channel, ccd_l, "max(BL/2, tCCD_L)");

  // GRF_B reads: column reads of one unit, addressed through its even bank.
  for (C read : {C::Rd, C::GrfRd})
    for (C next : {C::Rd, C::GrfRd}) {
      if (read == C::Rd && next == C::Rd) continue;  // the DRAM rows
      add(read, {next}, S::SameBankGroup, ccd_l, "max(BL/2, tCCD_L)");
      add(read, {next}, S::SameRank, ccd_s, "max(BL/2, tCCD_S)");
      add(read, {next}, S::OtherRanks, b + t.tRTRS, "BL/2 + tRTRS (rank switch)");
    }
  add(C::GrfRd, {C::Wr, C::RegWr}, S::Channel, rd_to_wr, "RL + BL/2 - WL + tRTRS (bus turnaround)");
  add(C::Wr, {C::GrfRd}, S::SameBankGroup, wl + b + t.tWTR_L, "WL + BL/2 + tWTR_L");
  add(C::Wr, {C::GrfRd}, S::SameRank, wl + b + t.tWTR_S, "WL + BL/2 + tWTR_S");
  add(C::GrfRd, {C::Pre, C::PreAll}, S::SameRank, t.tRTP, "tRTP");
}

}  // namespace

std::vector<Constraint> build_constraints(const Timing& t, PimMode mode, const TimingFixes& fixes) {
  std::vector<Constraint> rows;
  auto add = [&rows](Command prev, std::initializer_list<Command> nexts, Scope scope,
                     std::int64_t cycles, const std::string& rule) {
    if (cycles <= 0) return;  // no constraint (e.g. WR -> RD in another rank)
    for (Command next : nexts)
      rows.push_back(
          Constraint{prev, next, scope, static_cast<std::uint32_t>(cycles), 0, 0, false, rule});
  };
  using C = Command;
  using S = Scope;
  const std::int64_t b = t.burst();
  const std::int64_t rl = t.CL, wl = t.CWL;
  const std::int64_t rd_to_wr = rl + b - wl + t.tRTRS;
  const std::int64_t wr_to_pre = wl + b + t.tWR;
  const std::int64_t rd_rd_l = std::max<std::int64_t>(b, t.tCCD_L);
  const std::int64_t rd_rd_s = std::max<std::int64_t>(b, t.tCCD_S);

  // --- DRAM (JEDEC HBM2) ------------------------------------------------------------------
  add(C::Act, {C::Act}, S::SameBank, t.tRC(), "tRC = tRAS + tRP");
  add(C::Act, {C::Act}, S::SameBankGroup, t.tRRD_L, "tRRD_L");
  add(C::Act, {C::Act}, S::SameRank, t.tRRD_S, "tRRD_S");
  add(C::Act, {C::Rd, C::Wr}, S::SameBank, t.tRCD, "tRCD");
  add(C::Act, {C::Pre}, S::SameBank, t.tRAS, "tRAS");
  add(C::Act, {C::PreAll}, S::SameRank, t.tRAS, "tRAS (any open bank)");
  add(C::Pre, {C::Act}, S::SameBank, t.tRP, "tRP");
  add(C::Pre, {C::Ref}, S::SameRank, t.tRP, "tRP before refresh");
  add(C::PreAll, {C::Act, C::Ref}, S::SameRank, t.tRP, "tRP");
  add(C::Rd, {C::Rd}, S::SameBankGroup, rd_rd_l, "max(BL/2, tCCD_L)");
  add(C::Rd, {C::Rd}, S::SameRank, rd_rd_s, "max(BL/2, tCCD_S)");
  add(C::Rd, {C::Rd}, S::OtherRanks, b + t.tRTRS, "BL/2 + tRTRS (rank switch)");
  add(C::Rd, {C::Wr}, S::Channel, rd_to_wr, "RL + BL/2 - WL + tRTRS (bus turnaround)");
  add(C::Rd, {C::Pre}, S::SameBank, t.tRTP, "tRTP");
  add(C::Rd, {C::PreAll}, S::SameRank, t.tRTP, "tRTP");
  add(C::Wr, {C::Rd}, S::SameBankGroup, wl + b + t.tWTR_L, "WL + BL/2 + tWTR_L");
  add(C::Wr, {C::Rd}, S::SameRank, wl + b + t.tWTR_S, "WL + BL/2 + tWTR_S");
  add(C::Wr, {C::Rd}, S::OtherRanks, wl + b + t.tRTRS - rl, "WL + BL/2 + tRTRS - RL");
  add(C::Wr, {C::Wr}, S::SameBankGroup, rd_rd_l, "max(BL/2, tCCD_L)");
  add(C::Wr, {C::Wr}, S::SameRank, rd_rd_s, "max(BL/2, tCCD_S)");
  add(C::Wr, {C::Wr}, S::OtherRanks, b + t.tRTRS, "BL/2 + tRTRS (rank switch)");
  add(C::Wr, {C::Pre}, S::SameBank, wr_to_pre, "WL + BL/2 + tWR");
  add(C::Wr, {C::PreAll}, S::SameRank, wr_to_pre, "WL + BL/2 + tWR");
  add(C::Ref, {C::Act, C::Ref, C::GAct}, S::SameRank, t.tRFC, "tRFC");
  if (mode == PimMode::Dram) return rows;

  // --- PIM (NeuPIMs / Newton command set; values as in the public simulator) ----------------
  const bool blocked = mode == PimMode::Blocked;
  const std::initializer_list<Command> comp_like = {C::Comp, C::CompsReadRes, C::ReadRes};
  const std::int64_t comp = t.comp_interval;

  add(C::Rd, comp_like, S::SameBankGroup, blocked ? rd_rd_l : 0,
      "max(BL/2, tCCD_L); 0 with a PIM row buffer");
  add(C::Rd, comp_like, S::SameRank, rd_rd_s, "max(BL/2, tCCD_S)");
  add(C::Rd, {C::ReadRes}, S::OtherRanks, b + t.tRTRS, "BL/2 + tRTRS (rank switch)");
  if (fixes.compsreadres_other_rank)
    add(C::Rd, {C::CompsReadRes}, S::OtherRanks, b + t.tRTRS,
        "BL/2 + tRTRS (its READRES; gap closed)");
  add(C::Rd, {C::Gwrite}, S::SameRank, rd_rd_l, "max(BL/2, tCCD_L)");
  add(C::Wr, comp_like, S::SameBankGroup, blocked ? wl + b + t.tWTR_L : 0,
      "WL + BL/2 + tWTR_L; 0 with a PIM row buffer");
  add(C::Wr, comp_like, S::SameRank, wl + b + t.tWTR_S, "WL + BL/2 + tWTR_S");
  add(C::Wr, {C::Gwrite}, S::SameBankGroup, wl + b + t.tWTR_L, "WL + BL/2 + tWTR_L");
  add(C::Wr, {C::Gwrite}, S::SameRank, wl + b + t.tWTR_S, "WL + BL/2 + tWTR_S");

  add(C::Act, {C::GAct}, S::SameBank, blocked ? t.tRC() : t.tRRD_L,
      blocked ? "tRC (one row buffer)" : "tRRD_L (second row buffer)");
  add(C::Act, {C::GAct}, S::SameBankGroup, t.tRRD_L, "tRRD_L");
  add(C::Act, {C::GAct}, S::SameRank, t.tRRD_S, "tRRD_S");
  add(C::Act, {C::Gwrite}, S::SameBank, t.tRCD, "tRCD (GWRITE reads the MEM row buffer)");
  if (fixes.pre_to_gact_trp || blocked)
    add(C::Pre, {C::GAct}, S::SameBank, t.tRP, "tRP (gap closed: bitlines precharged first)");

  add(C::GAct, {C::Act}, S::SameBankGroup, blocked ? t.tRC() : t.tRRD_L,
      blocked ? "tRC (one row buffer)" : "tRRD_L (second row buffer)");
  add(C::GAct, {C::Act, C::GAct}, S::SameRank, t.tFAW, "tFAW (a G_ACT opens four banks)");
  add(C::GAct, {C::GAct}, S::SameBankGroup, t.tRC(), "tRC");
  add(C::GAct, comp_like, S::SameRank, t.tRCD, "tRCD");
  add(C::GAct, {C::PimPre}, S::SameBankGroup, t.tRAS, "tRAS");
  if (blocked) add(C::GAct, {C::Pre, C::PreAll}, S::SameBankGroup, t.tRAS, "tRAS (one row buffer)");

  add(C::Comp, {C::Rd, C::Gwrite, C::Comp, C::ReadRes, C::CompsReadRes}, S::Channel, comp,
      "max(BL/2, tCCD_S)");
  add(C::Comp, {C::Wr}, S::Channel, rd_to_wr, "RL + BL/2 - WL + tRTRS");
  add(C::Comp, {C::PimPre}, S::Channel, t.tRTP, "tRTP");
  add(C::Comp, {C::Pre, C::PreAll}, S::Channel, blocked ? t.tRTP : 0,
      "tRTP; 0 with a PIM row buffer");
  rows.push_back(Constraint{C::Comp, C::ReadRes, S::Channel,
                            static_cast<std::uint32_t>(t.comp_pipeline * t.tCCD_S), 0, 0, true,
                            "COMP pipeline fill: comp_pipeline_comps x tCCD_S"});

  add(C::ReadRes, {C::Gwrite, C::Comp, C::ReadRes, C::CompsReadRes}, S::Channel, b, "BL/2");
  add(C::ReadRes, {C::Rd}, S::Channel, b + t.tRTRS, "BL/2 + tRTRS (results come from every rank)");
  add(C::ReadRes, {C::Wr}, S::Channel, rd_to_wr, "RL + BL/2 - WL + tRTRS");
  add(C::ReadRes, {C::GAct}, S::Channel, t.tRTP + t.tRP, "tRTP + tRP");
  add(C::ReadRes, {C::PimPre}, S::Channel, t.tRTP, "tRTP");
  add(C::ReadRes, {C::Pre, C::PreAll}, S::Channel, blocked ? t.tRTP : 0,
      "tRTP; 0 with a PIM row buffer");

  rows.push_back(Constraint{C::CompsReadRes, C::CompsReadRes, S::Channel,
                            static_cast<std::uint32_t>(comp), static_cast<std::uint32_t>(comp),
                            t.comp_pipeline, false,
                            "COMP interval x (max(n, comp_pipeline_comps) + 1)"});
  add(C::CompsReadRes, {C::Rd}, S::Channel, b + t.tRTRS, "BL/2 + tRTRS");
  add(C::CompsReadRes, {C::Wr}, S::Channel, rd_to_wr, "RL + BL/2 - WL + tRTRS");
  add(C::CompsReadRes, {C::Gwrite, C::Comp, C::ReadRes}, S::Channel, comp, "max(BL/2, tCCD_S)");
  add(C::CompsReadRes, {C::GAct}, S::Channel, t.tRTP + t.tRP, "tRTP + tRP");
  add(C::CompsReadRes, {C::PimPre}, S::Channel, t.tRTP, "tRTP");
  add(C::CompsReadRes, {C::Pre, C::PreAll}, S::Channel, blocked ? t.tRTP : 0,
      "tRTP; 0 with a PIM row buffer");

  add(C::Gwrite, {C::Rd, C::Wr, C::Pre}, S::SameBank, t.gwrite, "GWRITE occupancy");
  add(C::Gwrite, comp_like, S::Channel, t.gwrite, "GWRITE occupancy (global buffer)");
  add(C::Gwrite, {C::Gwrite}, S::SameRank, t.gwrite, "GWRITE occupancy");
  add(C::Gwrite, {C::Rd}, S::SameRank, rd_rd_l, "max(BL/2, tCCD_L)");
  add(C::Gwrite, {C::Wr}, S::SameRank, rd_to_wr, "RL + BL/2 - WL + tRTRS");

  add(C::PimPre, {C::GAct}, S::SameBank, t.tRP, "tRP");
  add(C::PimPre, {C::Ref}, S::SameBank, t.tRP, "tRP before refresh");
  if (t.units.engine == PimEngineKind::HbmPim) add_hbm_pim_rows(t, add);
  return rows;
}

}  // namespace vp::hbm
