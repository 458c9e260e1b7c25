#include "models/mem/pim_fp16.h"

#include <cstring>

#include <Imath/half.h>

namespace vp::hbm {

float load_fp16(const unsigned char* at) {
  std::uint16_t bits;
  std::memcpy(&bits, at, 2);
  Imath::half h;
  h.setBits(bits);
  return static_cast<float>(h);
}

void store_fp16(float value, unsigned char* at) {
  const std::uint16_t bits = Imath::half(value).bits();
  std::memcpy(at, &bits, 2);
}

float bank_row_element(const SparseStorage& storage, const AddressMapping& mapping,
                       const Organization& org, Channel channel, std::uint32_t flat_bank, Row row,
                       std::uint32_t element) {
  const auto burst_bytes = org.burst_bytes();
  DramAddress a;
  a.channel = channel;
  a.bank = org.bank_at(flat_bank);
  a.row = row;
  a.column = Column((element * 2) / burst_bytes);
  a.offset = (element * 2) % burst_bytes;
  unsigned char bytes[2];
  storage.read(mapping.encode(a), bytes, 2);
  return load_fp16(bytes);
}

}  // namespace vp::hbm
