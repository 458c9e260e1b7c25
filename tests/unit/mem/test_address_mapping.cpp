// Address mapping: field layout, round trips for contiguous and split fields, coverage checks.
#include <catch2/catch.hpp>

#include <random>
#include <set>

#include "models/mem/address_mapping.h"
#include "platform/error.h"

using namespace vp::hbm;
using nlohmann::json;

namespace {

Organization neupims() { return Organization{}; }  // defaults are the NeuPIMs organisation

AddressMapping mapping(const json& fields) {
  json doc = json::object();
  if (!fields.is_null()) doc["address_mapping"] = fields;
  vp::ConfigNode node(doc, "memory", nullptr);
  return AddressMapping::from_config(node, "address_mapping", neupims());
}

}  // namespace

TEST_CASE("the default mapping interleaves channels at one row of a bank", "[mem][mapping]") {
  const auto m = mapping(nullptr);
  CHECK(m.capacity() == 32ULL << 30);
  const auto a = m.decode(0x12345678ULL);
  // offset 6 b | column 4 b | channel 5 b | bank 2 b | bank group 2 b | rank 1 b | row 15 b
  CHECK(a.offset == (0x12345678ULL & 0x3F));
  CHECK(a.column.value == ((0x12345678ULL >> 6) & 0xF));
  CHECK(a.channel.value == ((0x12345678ULL >> 10) & 0x1F));
  CHECK(a.bank.bank.value == ((0x12345678ULL >> 15) & 0x3));
  CHECK(a.bank.group.value == ((0x12345678ULL >> 17) & 0x3));
  CHECK(a.bank.rank.value == ((0x12345678ULL >> 19) & 0x1));
  CHECK(a.row.value == (0x12345678ULL >> 20));
  CHECK(m.decode(1023).channel.value == 0);
  CHECK(m.decode(1024).channel.value == 1);
}

TEST_CASE("decode and encode round-trip, also with split fields", "[mem][mapping]") {
  for (const json& fields : {json(nullptr), json{"offset:6", "column:2", "channel:5", "column:2",
                                                 "bank_group:2", "bank:2", "rank:1", "row:15"}}) {
    const auto m = mapping(fields);
    std::mt19937_64 rng(1);
    for (int i = 0; i < 10000; ++i) {
      const std::uint64_t address = rng() % m.capacity();
      REQUIRE(m.encode(m.decode(address)) == address);
    }
  }
  const auto split = mapping(json{"offset:6", "column:2", "channel:5", "column:2", "bank_group:2",
                                  "bank:2", "rank:1", "row:15"});
  CHECK(split.decode(256).channel.value == 1);  // channels interleave at 256 B
  CHECK(split.decode(1ULL << 13).column.value == 4);
}

TEST_CASE("a mapping must cover the organisation exactly", "[mem][mapping]") {
  CHECK_THROWS_WITH(mapping(json{"offset", "column", "channel", "bank", "bank_group", "rank"}),
                    Catch::Contains("field 'row' has 0 bits but the organisation needs 15"));
  CHECK_THROWS_WITH(
      mapping(json{"offset:7", "column", "channel", "bank", "bank_group", "rank", "row"}),
      Catch::Contains("field 'offset' has 7 bits but the organisation needs 6"));
  CHECK_THROWS_WITH(mapping(json{"offset", "colum"}), Catch::Contains("unknown field 'colum'"));
  CHECK_THROWS_WITH(mapping(json{"offset:x"}), Catch::Contains("'offset:x' is not field:bits"));
  CHECK_THROWS_WITH(mapping(json("offset")), Catch::Contains("expected a list"));
}

TEST_CASE("channel hashing is a bijection and spreads power-of-two strides over all channels",
          "[mem][mapping]") {
  json doc = json::object();
  vp::ConfigNode node(doc, "memory", nullptr);
  const auto hashed = AddressMapping::from_config(node, "address_mapping", neupims(), true);
  const auto plain = mapping(nullptr);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t address = rng() % hashed.capacity();
    const auto a = hashed.decode(address);
    CHECK(hashed.encode(a) == address);
    // Only the channel differs from the plain mapping, by the XOR of the upper bits' fold: the
    // 5-bit chunks above the channel field (bits 10-14 in the default mapping), one by one.
    const auto p = plain.decode(address);
    CHECK((a.row == p.row && a.bank == p.bank && a.column == p.column && a.offset == p.offset));
    std::uint32_t fold = 0;
    for (std::uint64_t upper = address >> 15; upper != 0; upper >>= 5) fold ^= upper & 0x1F;
    CHECK(a.channel.value == (p.channel.value ^ fold));
  }
  // A bank row (1 KiB) stays contiguous and in one channel.
  CHECK(hashed.decode(0x12345400).channel == hashed.decode(0x123457FF).channel);
  // 256 B every 8 KiB (a 128-column slice of a 4096-column fp16 matrix): 4 channels without
  // hashing, all 32 with it.
  std::set<std::uint32_t> plain_channels, hashed_channels;
  for (std::uint64_t r = 0; r < 256; ++r) {
    plain_channels.insert(plain.decode(r * 8192).channel.value);
    hashed_channels.insert(hashed.decode(r * 8192).channel.value);
  }
  CHECK(plain_channels.size() == 4);
  CHECK(hashed_channels.size() == 32);
}

TEST_CASE("a row run spans the bytes whose decode differs only in the column", "[mem][mapping]") {
  // Checked against decode itself: every burst inside [a, row_run_end(a)) lies in a's channel,
  // bank and row at the next column, and the byte at row_run_end(a) does not continue the run.
  auto check_runs = [](const AddressMapping& m, std::uint64_t expected_span) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 200; ++i) {
      const std::uint64_t a = rng() % m.capacity();
      const std::uint64_t end = m.row_run_end(a);
      REQUIRE(end > a);
      CHECK(end % expected_span == 0);
      CHECK(end - a <= expected_span);
      const auto first = m.decode(a);
      for (std::uint64_t b = (a / 64 + 1) * 64; b < end; b += 64) {
        const auto d = m.decode(b);
        CHECK(d.channel == first.channel);
        CHECK(d.bank == first.bank);
        CHECK(d.row == first.row);
        CHECK(d.column.value == first.column.value + (b / 64 - a / 64));
      }
    }
  };
  json doc = json::object();
  vp::ConfigNode node(doc, "memory", nullptr);
  check_runs(AddressMapping::from_config(node, "address_mapping", neupims(), true),
             1024);  // hashed
  check_runs(mapping(nullptr), 1024);
  // Channel bits right above the offset: every burst is a run of its own.
  check_runs(mapping(json::array({"offset:6", "channel:5", "column:4", "bank:2", "bank_group:2",
                                  "rank:1", "row:15"})),
             64);
}
