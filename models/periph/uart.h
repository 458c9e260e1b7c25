// periph.uart: a transmit-only UART.
//
// Contract: each write of TXDATA emits its low byte at once to the configured sink ("output":
// "stdout", "/dev/null", or a file named relative to the run's --out folder, opened when the run
// opens its outputs); STATUS reports the transmitter always ready. Counts bytes in
// <name>.bytes_transmitted.
#pragma once

#include <cstdio>
#include <string>

#include "models/periph/register_device.h"
#include "platform/registry.h"

namespace vp {

class Uart : public RegisterDevice {
 public:
  static const RegisterTable& registers();
  static void register_type(ModuleRegistry& registry);

  Uart(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context);
  ~Uart() override;

 private:
  std::FILE* sink_ = nullptr;
  bool owns_sink_ = false;
  std::uint64_t bytes_ = 0;
};

}  // namespace vp
