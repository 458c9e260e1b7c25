// Register tables: the one declaration of a device's memory-mapped registers.
//
// Contract: each device type declares its registers once as a RegisterTable (name, offset, reset
// value, access, description). The model serves accesses from it (RegisterBank), and the
// firmware C header and docs/registers.md are generated from the same tables (tools/npvp-gen), so
// the firmware and the model cannot drift apart. All registers are 32 bits wide and 4-aligned.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vp {

enum class RegAccess { ReadOnly, ReadWrite, WriteOnly };

struct RegisterSpec {
  std::string name;  ///< Upper-case C identifier suffix, e.g. "TXDATA".
  std::uint32_t offset;
  std::uint32_t reset;
  RegAccess access;
  std::string description;
};

struct RegisterTable {
  std::string device_type;     ///< Registry type name, e.g. "periph.uart".
  std::string c_prefix;        ///< Prefix of the generated C names, e.g. "UART".
  std::string summary;         ///< One line for the docs.
  std::uint32_t window_bytes;  ///< Address space the device decodes.
  std::vector<RegisterSpec> registers;
};

[[nodiscard]] const char* to_string(RegAccess access);

/// All register tables of the built-in devices (for the generators and their tests).
[[nodiscard]] std::vector<const RegisterTable*> builtin_register_tables();

}  // namespace vp
