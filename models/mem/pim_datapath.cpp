#include "models/mem/pim_datapath.h"

#include <algorithm>

#include "models/mem/pim_fp16.h"

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
  for (std::uint32_t i = 0; i < n; ++i) global_buffer_[i] = load_fp16(data + 2 * std::size_t{i});
}

void PimDatapath::read_results(unsigned char* data, std::uint32_t length) {
  if (storage_ == nullptr) return;
  if (data != nullptr)
    for (std::uint32_t b = 0; b < accumulators_.size() && 2 * b + 1 < length; ++b)
      store_fp16(accumulators_[b], data + 2 * std::size_t{b});
  std::fill(accumulators_.begin(), accumulators_.end(), 0.0F);
}

float PimDatapath::row_element(std::uint32_t flat_bank, Row row, std::uint32_t element) const {
  return bank_row_element(*storage_, mapping_, org_, channel_, flat_bank, row, element);
}

}  // namespace vp::hbm
