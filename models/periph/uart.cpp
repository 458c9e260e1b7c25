#include "models/periph/uart.h"

#include <fmt/format.h>

#include "platform/error.h"

namespace vp {

const RegisterTable& Uart::registers() {
  static const RegisterTable table{
      "periph.uart",
      "UART",
      "Transmit-only UART; bytes go to stdout or a file.",
      0x1000,
      {
          {"TXDATA", 0x0, 0, RegAccess::WriteOnly, "Write: transmit the low byte."},
          {"STATUS", 0x4, 1, RegAccess::ReadOnly, "Bit 0: transmitter ready (always 1)."},
      }};
  return table;
}

void Uart::register_type(ModuleRegistry& registry) {
  add_module_type<Uart>(registry, "periph.uart", registers().summary);
}

Uart::Uart(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context)
    : RegisterDevice(name, registers(), config) {
  const auto output = config.get_string("output", "stdout");
  if (output == "stdout") {
    sink_ = stdout;
  } else {
    sink_ = std::fopen(output.c_str(), "wb");
    if (sink_ == nullptr)
      throw ConfigError(
          fmt::format("{}: cannot open '{}' for writing (use \"stdout\" or a "
                      "writable file path)",
                      config.key_path("output"), output));
    owns_sink_ = true;
  }
  on_write("TXDATA", [this](std::uint32_t value) {
    std::fputc(static_cast<int>(value & 0xFF), sink_);
    if ((value & 0xFF) == '\n') std::fflush(sink_);
    ++bytes_;
  });
  context.stats.add_counter(std::string(basename()) + ".bytes_transmitted", "bytes",
                            "bytes written to TXDATA", bytes_);
}

Uart::~Uart() {
  if (owns_sink_)
    std::fclose(sink_);
  else
    std::fflush(sink_);
}

}  // namespace vp
