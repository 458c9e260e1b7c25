// Energy of one HBM-PIM channel (docs/memory.md, Energy): per-command energies of the commands a
// channel issued plus each rank's background standby power, active while a row buffer (the MEM
// one, and in dual mode the PIM one, with its own standby current) is open, precharged otherwise.
//
// Contract: pure functions of the channel's counters (ChannelStats) and the memory's energy model.
#pragma once

#include <cstdint>
#include <functional>

#include "models/mem/channel_controller.h"

namespace vp::hbm {

/// Energy of the PIM commands in `stats` (GWRITE, G_ACT, COMP, READRES; a COMPS_READRES is its
/// COMPs and a READRES), pJ.
[[nodiscard]] double pim_command_energy_pj(const ChannelStats& stats, const EnergyModel& e);

/// All command energy plus the background of `ranks` ranks up to `cycle`, pJ.
/// `active_cycles(rank, pim)`: the rank's cycles with an open MEM (pim false) or PIM row buffer;
/// PIM buffers count only with `dual`.
[[nodiscard]] double channel_energy_pj(
    const ChannelStats& stats, const EnergyModel& e, std::uint32_t ranks, bool dual,
    std::uint64_t cycle, const std::function<std::uint64_t(std::uint32_t, bool)>& active_cycles);

}  // namespace vp::hbm
