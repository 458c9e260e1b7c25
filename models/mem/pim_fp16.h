// fp16 values as the PIM data paths see them: elements of a bank row in the memory's storage,
// and the fp16 payloads of PIM commands (the input vector in, one result per bank out).
//
// Contract: a bank row's element e is the 2 bytes at column (2e / burst) and offset
// (2e mod burst) of that row, at the address the mapping encodes (the layout the NPU writes
// through AddressMapping::encode()). Payload values are little-endian fp16, element i at byte 2i.
#pragma once

#include <cstdint>

#include "models/mem/address_mapping.h"
#include "models/mem/hbm_timing.h"
#include "models/mem/sparse_storage.h"

namespace vp::hbm {

/// The fp16 value at `at` (2 bytes), widened.
[[nodiscard]] float load_fp16(const unsigned char* at);
/// `value` rounded to fp16 into the 2 bytes at `at`.
void store_fp16(float value, unsigned char* at);

/// Element `element` of row `row` of bank `flat_bank` (READRES order) in `channel`.
[[nodiscard]] float bank_row_element(const SparseStorage& storage, const AddressMapping& mapping,
                                     const Organization& org, Channel channel,
                                     std::uint32_t flat_bank, Row row, std::uint32_t element);

}  // namespace vp::hbm
