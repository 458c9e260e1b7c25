#include "models/mem/address_mapping.h"

#include <array>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp::hbm {
namespace {

constexpr std::array<const char*, 7> kFieldNames = {"offset",     "column", "channel", "bank",
                                                    "bank_group", "rank",   "row"};

unsigned log2_exact(std::uint64_t v) {
  unsigned bits = 0;
  while ((1ULL << bits) < v) ++bits;
  return bits;
}

}  // namespace

std::vector<std::string> AddressMapping::default_fields() {
  return {"offset", "column", "channel", "bank", "bank_group", "rank", "row"};
}

AddressMapping AddressMapping::from_config(ConfigNode& config, const std::string& key,
                                           const Organization& org, bool hash_channel) {
  const std::array<unsigned, 7> needed = {
      log2_exact(org.burst_bytes()), log2_exact(org.bursts_per_row()),
      log2_exact(org.channels),      log2_exact(org.banks_per_group),
      log2_exact(org.bank_groups),   log2_exact(org.ranks),
      log2_exact(org.rows)};
  std::vector<std::string> items;
  const std::string where = config.key_path(key);
  if (config.has(key)) {
    const json& list = config.raw(key);
    if (!list.is_array())
      throw ConfigError(where + ": expected a list of \"field[:bits]\" strings");
    for (const auto& item : list) {
      if (!item.is_string())
        throw ConfigError(where + ": every entry must be a string \"field[:bits]\"");
      items.push_back(item.get<std::string>());
    }
  } else {
    items = default_fields();
  }
  AddressMapping m;
  std::array<unsigned, 7> used{};
  unsigned shift = 0;
  for (const auto& item : items) {
    const auto colon = item.find(':');
    const std::string name = item.substr(0, colon);
    unsigned index = 0;
    while (index < kFieldNames.size() && name != kFieldNames[index]) ++index;
    if (index == kFieldNames.size())
      throw ConfigError(
          fmt::format("{}: unknown field '{}' (fields: offset, column, channel, bank, "
                      "bank_group, rank, row)",
                      where, name));
    unsigned bits = needed[index] - std::min(needed[index], used[index]);
    if (colon != std::string::npos) {
      const std::string count = item.substr(colon + 1);
      if (count.empty() || count.size() > 2 ||
          count.find_first_not_of("0123456789") != std::string::npos)
        throw ConfigError(fmt::format("{}: '{}' is not field:bits (bits: a decimal count up to 64)",
                                      where, item));
      bits = static_cast<unsigned>(std::stoul(count));
    } else if (used[index] != 0) {
      // Without a bit count a field takes all its remaining bits, so naming it again would
      // silently add nothing.
      throw ConfigError(
          fmt::format("{}: field '{}' is named twice; split a field only with explicit counts "
                      "(\"{}:bits\")",
                      where, name, name));
    }
    if (bits == 0) continue;
    m.pieces_.push_back(Piece{static_cast<Field>(index), bits, shift, used[index]});
    used[index] += bits;
    shift += bits;
    m.description_.push_back(fmt::format("{}:{}", name, bits));
  }
  for (unsigned i = 0; i < kFieldNames.size(); ++i)
    if (used[i] != needed[i])
      throw ConfigError(fmt::format(
          "{}: field '{}' has {} bits but the organisation needs {}; the mapping must cover the "
          "capacity exactly",
          where, kFieldNames[i], used[i], needed[i]));
  m.capacity_ = 1ULL << shift;
  if (hash_channel) {
    unsigned channel_pieces = 0;
    for (const auto& p : m.pieces_)
      if (p.field == Field::Channel) {
        ++channel_pieces;
        m.channel_top_ = p.shift + p.bits;
      }
    if (channel_pieces > 1)
      throw ConfigError(
          fmt::format("{}: channel hashing needs the channel field in one piece", where));
    m.hash_channel_ = needed[2] > 0;
  }
  m.simple_ = m.pieces_.size() <= kFieldNames.size();
  std::array<unsigned, 7> pieces_per_field{};
  for (const auto& p : m.pieces_) {
    const auto f = static_cast<unsigned>(p.field);
    m.simple_ = m.simple_ && ++pieces_per_field[f] == 1;
    m.field_shift_[f] = p.shift;
    m.field_mask_[f] = (1ULL << p.bits) - 1;
  }
  m.channel_bits_ = static_cast<unsigned>(
      __builtin_popcountll(m.field_mask_[static_cast<unsigned>(Field::Channel)]));
  // Runs of consecutive columns in one row: the offset and column fields are the lowest bits,
  // in that order, in one piece each (the channel hash reads only bits above the channel field).
  const auto offset_bits = static_cast<unsigned>(__builtin_popcountll(m.field_mask_[0]));
  const auto column_bits = static_cast<unsigned>(__builtin_popcountll(m.field_mask_[1]));
  const bool columns_low = m.simple_ && m.field_shift_[0] == 0 &&
                           m.field_shift_[1] == offset_bits &&
                           (!m.hash_channel_ || m.channel_top_ >= offset_bits + column_bits);
  m.row_run_bits_ = columns_low ? offset_bits + column_bits : offset_bits;
  return m;
}

std::uint32_t AddressMapping::channel_hash(std::uint64_t address) const {
  if (!hash_channel_) return 0;
  const std::uint64_t mask = field_mask_[static_cast<unsigned>(Field::Channel)];
  std::uint64_t hash = 0;
  for (std::uint64_t upper = address >> channel_top_; upper != 0; upper >>= channel_bits_)
    hash ^= upper & mask;
  return static_cast<std::uint32_t>(hash);
}

DramAddress AddressMapping::decode(std::uint64_t address) const {
  if (simple_) {
    auto field = [&](unsigned f) {
      return static_cast<std::uint32_t>((address >> field_shift_[f]) & field_mask_[f]);
    };
    DramAddress a;
    a.offset = field(0);
    a.column = Column(field(1));
    a.channel = Channel(field(2) ^ channel_hash(address));
    a.bank = BankId{Rank(field(5)), BankGroup(field(4)), Bank(field(3))};
    a.row = Row(field(6));
    return a;
  }
  std::array<std::uint32_t, 7> value{};
  for (const auto& p : pieces_) {
    const auto piece = static_cast<std::uint32_t>((address >> p.shift) & ((1ULL << p.bits) - 1));
    value[static_cast<unsigned>(p.field)] |= piece << p.field_shift;
  }
  DramAddress a;
  a.offset = value[0];
  a.column = Column(value[1]);
  a.channel = Channel(value[2] ^ channel_hash(address));
  a.bank = BankId{Rank(value[5]), BankGroup(value[4]), Bank(value[3])};
  a.row = Row(value[6]);
  return a;
}

std::uint64_t AddressMapping::encode(const DramAddress& a) const {
  const std::array<std::uint32_t, 7> value = {
      a.offset,           a.column.value,    a.channel.value, a.bank.bank.value,
      a.bank.group.value, a.bank.rank.value, a.row.value};
  std::uint64_t address = 0;
  for (const auto& p : pieces_) {
    const std::uint64_t piece =
        (value[static_cast<unsigned>(p.field)] >> p.field_shift) & ((1ULL << p.bits) - 1);
    address |= piece << p.shift;
  }
  if (hash_channel_) {
    // The hash depends only on the bits above the channel field, which are final now.
    const auto& f = static_cast<unsigned>(Field::Channel);
    address ^= std::uint64_t{channel_hash(address)} << field_shift_[f];
  }
  return address;
}

}  // namespace vp::hbm
