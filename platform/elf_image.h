// Reading an RV32 firmware image (ELF) with libelf.
//
// Contract: read_elf() accepts only 32-bit little-endian RISC-V executables and returns their
// loadable segments (physical address, file bytes, memory size; the rest is zero-filled) and
// entry point. Anything else throws InputError naming the file and what was wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vp {

struct ElfSegment {
  std::uint64_t address = 0;         ///< Physical (load) address.
  std::vector<unsigned char> bytes;  ///< File contents; the loader zero-fills up to memory_size.
  std::uint64_t memory_size = 0;
};

struct ElfImage {
  std::string path;
  std::uint64_t entry = 0;
  std::vector<ElfSegment> segments;
};

[[nodiscard]] ElfImage read_elf(const std::string& path);

}  // namespace vp
