// Error types of the platform.
//
// Contract: every user-facing failure (bad config, bad firmware image, bad CLI use, a simulation
// that cannot continue) is thrown as one of these with a message that names what was wrong, where,
// and what is allowed. main() turns them into one "error:" line and a documented exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace vp {

/// Something the user gave is invalid. Exit code 2.
class UserInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ~UserInputError() override;  // defined in error.cpp: one vtable and typeinfo
};

/// A configuration file, override or CLI argument is invalid.
class ConfigError : public UserInputError {
 public:
  using UserInputError::UserInputError;
  ~ConfigError() override;  // defined in error.cpp: one vtable and typeinfo
};

/// An input artefact other than the config (firmware image, trace file) is invalid.
class InputError : public UserInputError {
 public:
  using UserInputError::UserInputError;
  ~InputError() override;  // defined in error.cpp: one vtable and typeinfo
};

/// The simulation reached a state it cannot continue from (fault loop, deadlock, limit). Exit 3.
class SimulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ~SimulationError() override;  // defined in error.cpp: one vtable and typeinfo
};

}  // namespace vp
