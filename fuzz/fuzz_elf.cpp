// Fuzz target: the firmware image validator (read_elf). Any file is either accepted as an
// RV32 executable whose segments fit the 32-bit address space, or rejected with InputError.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "platform/elf_image.h"
#include "platform/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const vp::ElfImage image = vp::read_elf(fuzz::write_input(data, size, ".elf"));
    for (const auto& segment : image.segments)
      if (segment.address + segment.memory_size > (1ULL << 32) ||
          segment.bytes.size() > segment.memory_size)
        __builtin_trap();  // accepted a segment the validator promises to refuse
  } catch (const vp::UserInputError&) {
  }
  return 0;
}
