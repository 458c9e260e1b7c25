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
    // "/dev/null" discards; any other name is a file inside --out, opened once the run starts.
    const std::string key = config.key_path("output");
    auto open = [this, key](const std::string& path) {
      sink_ = std::fopen(path.c_str(), "wb");
      if (sink_ == nullptr)
        throw ConfigError(fmt::format("{}: cannot open '{}' for writing", key, path));
      owns_sink_ = true;
    };
    if (output == "/dev/null")
      open(output);
    else
      context.outputs.claim(key, output, open);
  }
  on_write("TXDATA", [this](std::uint32_t value) {
    if (sink_ == nullptr) return;  // only before the run opens its outputs (never in a run)
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
  else if (sink_ != nullptr)
    std::fflush(sink_);
}

}  // namespace vp
