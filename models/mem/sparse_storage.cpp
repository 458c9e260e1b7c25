#include "models/mem/sparse_storage.h"

#include <algorithm>
#include <cstring>

namespace vp {

void SparseStorage::read(std::uint64_t address, unsigned char* out, std::uint64_t length) const {
  while (length > 0) {
    const std::uint64_t page = address / kPageBytes;
    const std::uint64_t offset = address % kPageBytes;
    const std::uint64_t chunk = std::min(length, kPageBytes - offset);
    auto it = pages_.find(page);
    if (it == pages_.end())
      std::memset(out, 0, chunk);
    else
      std::memcpy(out, it->second->data() + offset, chunk);
    address += chunk;
    out += chunk;
    length -= chunk;
  }
}

void SparseStorage::write(std::uint64_t address, const unsigned char* in, std::uint64_t length) {
  while (length > 0) {
    const std::uint64_t page = address / kPageBytes;
    const std::uint64_t offset = address % kPageBytes;
    const std::uint64_t chunk = std::min(length, kPageBytes - offset);
    auto& slot = pages_[page];
    if (!slot) slot = std::make_unique<Page>(Page{});
    std::memcpy(slot->data() + offset, in, chunk);
    address += chunk;
    in += chunk;
    length -= chunk;
  }
}

}  // namespace vp
