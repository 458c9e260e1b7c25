// Fuzz target: the command-database checker (neupims-vp check-commands) on any file: it either
// replays the commands and counts violations, or rejects the file with InputError/ConfigError;
// a damaged SQLite file must never pass as a short one, crash or hang.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "models/mem/command_check.h"
#include "platform/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto report = vp::hbm::check_command_database(fuzz::write_input(data, size, ".db"), 4);
    if (report.messages.size() > 4 || report.messages.size() > report.violations) __builtin_trap();
  } catch (const vp::UserInputError&) {
  }
  return 0;
}
