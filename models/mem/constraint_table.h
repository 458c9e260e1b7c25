// The timing constraints of an HBM2(-PIM) channel, one row per rule.
//
// Contract: build_constraints() returns every minimum distance between two commands, in clock
// cycles, for the given mode: "after `prev` is issued at t, `next` may issue at a bank within
// `scope` of prev's bank no earlier than t + cycles". PIM commands are rows like any other.
// Rows of a COMPS_READRES prev grow with its COMP count n: cycles + per_comp x max(n, min_comps).
// Rows marked first_comp apply only to the first COMP after a READRES (the COMP pipeline fill).
// Two rules are not pairwise and live in the checker: one command per cycle on the C/A bus, and
// at most four activations per rank in any tFAW window (a G_ACT counts as
// fixes.gact_faw_activations). docs/memory.md lists the table with its sources.
#pragma once

#include <string>
#include <vector>

#include "models/mem/hbm_timing.h"
#include "models/mem/hbm_types.h"

namespace vp::hbm {

struct Constraint {
  Command prev;
  Command next;
  Scope scope;
  std::uint32_t cycles;
  std::uint32_t per_comp = 0;
  std::uint32_t min_comps = 0;
  bool first_comp = false;
  std::string rule;  ///< Where the value comes from, e.g. "tRC" or "RL + BL/2 - WL + tRTRS".
};

[[nodiscard]] std::vector<Constraint> build_constraints(const Timing& timing, PimMode mode,
                                                        const TimingFixes& fixes);

}  // namespace vp::hbm
