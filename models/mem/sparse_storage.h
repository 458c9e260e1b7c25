// Sparse, page-granular backing store for a large memory.
//
// Contract: untouched memory reads as zero; a 4 KiB page is allocated on its first write, so a
// 32 GiB device costs only what is written. Accesses may cross pages.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace vp {

class SparseStorage {
 public:
  static constexpr std::uint64_t kPageBytes = 4096;

  void read(std::uint64_t address, unsigned char* out, std::uint64_t length) const;
  void write(std::uint64_t address, const unsigned char* in, std::uint64_t length);
  [[nodiscard]] std::uint64_t allocated_bytes() const { return pages_.size() * kPageBytes; }

 private:
  using Page = std::array<unsigned char, kPageBytes>;
  std::unordered_map<std::uint64_t, std::unique_ptr<Page>> pages_;
};

}  // namespace vp
