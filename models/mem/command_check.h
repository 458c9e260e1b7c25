// The command-database checker: replays every DRAM and PIM command recorded in a run's SQLite
// command database (platform/command_db.h) and reports each one that breaks the memory's rules.
//
// Contract:
// - Uses only the database: the memory parameters and controller settings stored in it rebuild
//   the constraint table (TimingChecker) of each channel; commands replay per channel in time
//   order. A command earlier than the table allows, or two on the C/A bus in one cycle, is a
//   timing violation.
// - Independently of the table, bank state is tracked from the commands themselves: ACT or
//   G_ACT into an open row buffer, RD/WR of a row that is not open, REF with a row open, a COMP
//   with a bank whose PIM row buffer is closed, and too few refreshes (fewer than
//   duration / tREFI - 8 per rank, the postponement limit). State checks need the whole run, so
//   they are skipped when the database holds a window that starts after time 0.
// - A file that is not a command database raises InputError naming it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vp::hbm {

struct CommandCheckReport {
  std::uint64_t commands = 0;
  std::uint64_t channels = 0;
  std::uint64_t violations = 0;
  bool state_checked = false;
  std::vector<std::string> messages;  ///< the first violations, one line each
};

CommandCheckReport check_command_database(const std::string& path, std::size_t max_messages = 20);

}  // namespace vp::hbm
