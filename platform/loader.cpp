#include "platform/loader.h"

#include <fmt/format.h>

namespace vp {

FirmwareLoader::FirmwareLoader(const sc_core::sc_module_name& name, ElfImage image,
                               RunControl& control)
    : sc_core::sc_module(name), socket("socket"), image_(std::move(image)), control_(control) {}

void FirmwareLoader::start_of_simulation() {
  for (std::size_t i = 0; i < image_.segments.size(); ++i) {
    auto& segment = image_.segments[i];
    tlm::tlm_generic_payload payload;
    payload.set_command(tlm::TLM_WRITE_COMMAND);
    payload.set_address(segment.address);
    payload.set_data_ptr(segment.bytes.data());
    payload.set_data_length(static_cast<unsigned int>(segment.bytes.size()));
    payload.set_streaming_width(static_cast<unsigned int>(segment.bytes.size()));
    const unsigned int written = socket->transport_dbg(payload);
    if (written != segment.bytes.size()) {
      control_.fail(fmt::format(
          "firmware '{}': segment {} [{:#x}, {:#x}) does not fit the memory map (only {} of {} "
          "bytes could be written); link it for the platform's RAM",
          image_.path, i, segment.address, segment.address + segment.memory_size, written,
          segment.bytes.size()));
      return;
    }
  }
}

}  // namespace vp
