#include "platform/loader.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace vp {

FirmwareLoader::FirmwareLoader(const sc_core::sc_module_name& name, ElfImage image,
                               RunControl& control)
    : sc_core::sc_module(name), socket("socket"), image_(std::move(image)), control_(control) {}

void FirmwareLoader::start_of_simulation() {
  static std::vector<unsigned char> zeros(std::size_t{64} << 10, 0);  // only read (a debug write)
  for (std::size_t i = 0; i < image_.segments.size(); ++i) {
    auto& segment = image_.segments[i];
    // The file's bytes, then zeros up to the segment's memory size, in pieces (a segment may
    // claim far more memory than the platform has: that is reported, not allocated).
    std::uint64_t done = 0;
    while (done < segment.memory_size) {
      const bool from_file = done < segment.bytes.size();
      const std::uint64_t left =
          from_file ? segment.bytes.size() - done : segment.memory_size - done;
      const auto length = static_cast<unsigned int>(
          std::min<std::uint64_t>(left, from_file ? 1ULL << 30 : zeros.size()));
      tlm::tlm_generic_payload payload;
      payload.set_command(tlm::TLM_WRITE_COMMAND);
      payload.set_address(segment.address + done);
      payload.set_data_ptr(from_file ? segment.bytes.data() + done : zeros.data());
      payload.set_data_length(length);
      payload.set_streaming_width(length);
      const unsigned int written = socket->transport_dbg(payload);
      done += written;
      if (written != length) {
        control_.fail(fmt::format(
            "firmware '{}': segment {} [{:#x}, {:#x}) does not fit the memory map (only {} of {} "
            "bytes could be written); link it for the platform's RAM",
            image_.path, i, segment.address, segment.address + segment.memory_size, done,
            segment.memory_size));
        return;
      }
    }
  }
}

}  // namespace vp
