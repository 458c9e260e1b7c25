#include "models/mem/hbm_types.h"

namespace vp::hbm {

const char* to_string(Command command) {
  static constexpr const char* kNames[] = {
      "ACT",  "PRE",     "PREA",          "RD",      "WR",          "REF",    "GWRITE", "G_ACT",
      "COMP", "READRES", "COMPS_READRES", "PIM_PRE", "MODE_SWITCH", "REG_WR", "MAC",    "GRF_RD"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == kCommandCount);
  return kNames[static_cast<unsigned>(command)];
}

const char* to_string(Scope scope) {
  switch (scope) {
    case Scope::SameBank: return "same bank";
    case Scope::SameBankGroup: return "same bank group";
    case Scope::SameRank: return "same rank";
    case Scope::OtherRanks: return "other ranks";
    case Scope::Channel: return "channel";
  }
  return "?";
}

const char* to_string(PimMode mode) {
  switch (mode) {
    case PimMode::Dram: return "dram";
    case PimMode::Blocked: return "blocked";
    case PimMode::Dual: return "dual";
  }
  return "?";
}

}  // namespace vp::hbm
