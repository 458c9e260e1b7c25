// Physical address <-> (channel, rank, bank group, bank, row, column, offset) of the HBM.
//
// Contract: the mapping is a list of bit fields from the least significant bit, e.g.
// ["offset:6", "column:4", "channel:5", "bank:2", "bank_group:2", "rank:1", "row:15"]; a field
// may appear several times (its pieces concatenate, low bits first). from_config() checks that
// each field has exactly the bits the organisation needs (offset = burst bytes, column = bursts
// per row, ...), so the mapping covers the capacity exactly once. decode() of an address beyond
// the capacity is the caller's error (check contains() first).
// Channel hashing (`hash_channel`): the channel is the channel field XOR the fold (in channel-
// field-wide pieces) of every address bit above it, so strided streams (a column slice of a
// row-major matrix with a power-of-two row pitch) spread over all channels instead of hitting
// the few that their stride selects. A permutation of the channels for each value of the upper
// bits, so every DRAM location still has exactly one address; requires a one-piece channel field.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/mem/hbm_timing.h"
#include "models/mem/hbm_types.h"
#include "platform/config.h"

namespace vp::hbm {

struct DramAddress {
  Channel channel;
  BankId bank;
  Row row;
  Column column;             ///< Burst index within the row.
  std::uint32_t offset = 0;  ///< Byte within the burst.
};

class AddressMapping {
 public:
  enum class Field : std::uint8_t { Offset, Column, Channel, Bank, BankGroup, Rank, Row, Count };

  /// The default: offset, column, channel, bank, bank group, rank, row (channels interleave at
  /// one row of a bank, 1 KiB with the NeuPIMs organisation).
  static std::vector<std::string> default_fields();
  /// Reads the list at `key` of `config` (default_fields() when absent).
  static AddressMapping from_config(ConfigNode& config, const std::string& key,
                                    const Organization& org, bool hash_channel = false);

  [[nodiscard]] std::uint64_t capacity() const { return capacity_; }
  [[nodiscard]] bool contains(std::uint64_t address, std::uint64_t length) const {
    return address < capacity_ && length <= capacity_ - address;
  }
  [[nodiscard]] DramAddress decode(std::uint64_t address) const;
  /// The end (exclusive) of the run of bytes from `address` on that lie in one row of one bank
  /// at consecutive columns: the next column-field boundary when the column bits sit right above
  /// the offset bits (and no hash reads them), else the end of the burst.
  [[nodiscard]] std::uint64_t row_run_end(std::uint64_t address) const {
    return ((address >> row_run_bits_) + 1) << row_run_bits_;
  }
  [[nodiscard]] std::uint64_t encode(const DramAddress& a) const;
  [[nodiscard]] const std::vector<std::string>& description() const { return description_; }

 private:
  struct Piece {
    Field field;
    unsigned bits;
    unsigned shift;        ///< position in the address
    unsigned field_shift;  ///< position within the field value
  };
  std::vector<Piece> pieces_;
  /// When every field is one contiguous piece: shift and mask per field (decode in 7 steps).
  bool simple_ = false;
  bool hash_channel_ = false;
  unsigned channel_top_ = 0;  ///< first address bit above the channel field
  /// XOR-fold of the address bits above the channel field (0 without hashing).
  [[nodiscard]] std::uint32_t channel_hash(std::uint64_t address) const;
  std::array<unsigned, 7> field_shift_{};
  std::array<std::uint64_t, 7> field_mask_{};
  std::uint64_t capacity_ = 0;
  unsigned row_run_bits_ = 0;
  unsigned channel_bits_ = 0;  ///< width of the channel field (the hash folds that many bits)
  std::vector<std::string> description_;
};

}  // namespace vp::hbm
