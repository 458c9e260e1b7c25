#include "models/mem/pim_datapath.h"

#include <algorithm>
#include <cstring>

#include <Imath/half.h>

namespace vp::hbm {

PimDatapath::PimDatapath(Channel channel, const MemoryParams& params, const AddressMapping& mapping,
                         SparseStorage* storage)
    : channel_(channel),
      org_(params.org),
      mapping_(mapping),
      storage_(storage),
      multipliers_(params.timing.pim_multipliers),
      global_buffer_(params.org.row_bytes() / 2, 0.0F),
      accumulators_(params.org.banks(), 0.0F) {}

void PimDatapath::load_global_buffer(const unsigned char* data, std::uint32_t length) {
  if (storage_ == nullptr || data == nullptr) return;
  const std::uint32_t n =
      std::min<std::uint32_t>(length / 2, static_cast<std::uint32_t>(global_buffer_.size()));
  for (std::uint32_t i = 0; i < n; ++i) {
    Imath::half h;
    std::uint16_t bits;
    std::memcpy(&bits, data + 2 * std::size_t{i}, 2);
    h.setBits(bits);
    global_buffer_[i] = static_cast<float>(h);
  }
}

void PimDatapath::read_results(unsigned char* data, std::uint32_t length) {
  if (storage_ == nullptr) return;
  if (data != nullptr)
    for (std::uint32_t b = 0; b < accumulators_.size() && 2 * b + 1 < length; ++b) {
      const std::uint16_t bits = Imath::half(accumulators_[b]).bits();
      std::memcpy(data + 2 * std::size_t{b}, &bits, 2);
    }
  std::fill(accumulators_.begin(), accumulators_.end(), 0.0F);
}

float PimDatapath::row_element(std::uint32_t flat_bank, Row row, std::uint32_t element) const {
  const auto burst_bytes = org_.burst_bytes();
  DramAddress a;
  a.channel = channel_;
  a.bank = org_.bank_at(flat_bank);
  a.row = row;
  a.column = Column((element * 2) / burst_bytes);
  a.offset = (element * 2) % burst_bytes;
  unsigned char bytes[2];
  storage_->read(mapping_.encode(a), bytes, 2);
  std::uint16_t bits;
  std::memcpy(&bits, bytes, 2);
  Imath::half h;
  h.setBits(bits);
  return static_cast<float>(h);
}

}  // namespace vp::hbm
