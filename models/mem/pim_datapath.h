// The functional data path of one channel's PIM units (NeuPIMs/Newton-style bank-level PIM):
// the channel's global buffer, one multiplier array and accumulator per bank.
//
// Contract: the controller decides when each command runs (its timing is not here); this class
// does what the command computes, on the data in the memory's storage. GWRITE fills the global
// buffer (fp16, widened to fp32); COMP multiplies `multipliers` elements of each bank's open
// PIM row at a column slice with the global buffer and adds the sum to that bank's accumulator;
// READRES writes the accumulators as fp16 (one per bank) and clears them. Without storage
// (timing-only memory) every call does nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "models/mem/address_mapping.h"
#include "models/mem/hbm_timing.h"
#include "models/mem/sparse_storage.h"

namespace vp::hbm {

class PimDatapath {
 public:
  PimDatapath(Channel channel, const MemoryParams& params, const AddressMapping& mapping,
              SparseStorage* storage);

  /// GWRITE: `length` bytes of fp16 values (at most a row's worth are kept).
  void load_global_buffer(const unsigned char* data, std::uint32_t length);
  /// COMP at `column` (a slice of `multipliers` elements), each bank on the row `row_of(bank)`.
  template <typename RowOf>
  void compute(std::uint32_t column, RowOf row_of) {
    if (storage_ == nullptr) return;
    for (std::uint32_t b = 0; b < accumulators_.size(); ++b) {
      float sum = 0.0F;
      for (std::uint32_t i = 0; i < multipliers_; ++i) {
        const std::uint32_t e = column * multipliers_ + i;
        sum += row_element(b, row_of(b), e) * global_buffer_[e];
      }
      accumulators_[b] += sum;
    }
  }
  /// READRES: the accumulators as fp16 into `data` (up to `length` bytes), then cleared.
  void read_results(unsigned char* data, std::uint32_t length);

 private:
  [[nodiscard]] float row_element(std::uint32_t flat_bank, Row row, std::uint32_t element) const;

  Channel channel_;
  Organization org_;
  const AddressMapping& mapping_;
  SparseStorage* storage_;
  std::uint32_t multipliers_;
  std::vector<float> global_buffer_;  ///< fp16 values widened
  std::vector<float> accumulators_;   ///< one per bank
};

}  // namespace vp::hbm
