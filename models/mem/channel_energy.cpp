#include "models/mem/channel_energy.h"

namespace vp::hbm {
namespace {

double count(const ChannelStats& s, Command c) {
  return static_cast<double>(s.commands[static_cast<unsigned>(c)]);
}

}  // namespace

double pim_command_energy_pj(const ChannelStats& s, const EnergyModel& e) {
  return count(s, Command::Gwrite) * e.gwrite + count(s, Command::GAct) * e.g_act +
         count(s, Command::Comp) * e.comp +
         (count(s, Command::ReadRes) + count(s, Command::CompsReadRes)) * e.readres +
         static_cast<double>(s.comps_in_compsreadres) * e.comp +
         count(s, Command::ModeSwitch) * e.mode_switch + count(s, Command::RegWr) * e.reg_write +
         count(s, Command::Mac) * e.mac + count(s, Command::GrfRd) * e.grf_read;
}

double channel_energy_pj(const ChannelStats& s, const EnergyModel& e, std::uint32_t ranks,
                         bool dual, std::uint64_t cycle,
                         const std::function<std::uint64_t(std::uint32_t, bool)>& active_cycles) {
  double pj = count(s, Command::Act) * e.act + count(s, Command::Rd) * e.read +
              count(s, Command::Wr) * e.write + count(s, Command::Ref) * e.refresh +
              pim_command_energy_pj(s, e);
  for (std::uint32_t r = 0; r < ranks; ++r) {
    const double active = static_cast<double>(active_cycles(r, false));
    pj += active * e.active_standby_per_cycle +
          (static_cast<double>(cycle) - active) * e.precharge_standby_per_cycle;
    if (dual) {  // the PIM row buffer has its own standby current
      const double pim_active = static_cast<double>(active_cycles(r, true));
      pj += pim_active * e.active_standby_per_cycle +
            (static_cast<double>(cycle) - pim_active) * e.precharge_standby_per_cycle;
    }
  }
  return pj;
}

}  // namespace vp::hbm
