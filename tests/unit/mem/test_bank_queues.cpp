// BankQueues against a std::deque per bank: random staging, linking and erasing keep every
// bank's entries, in arrival order, and reuse freed pool slots.
#include <deque>
#include <random>
#include <catch2/catch.hpp>

#include "models/mem/bank_queues.h"

using vp::hbm::BankQueues;
using vp::hbm::MemBurst;

namespace {

MemBurst entry(std::uint64_t id) {
  MemBurst burst;
  burst.txn = static_cast<std::uint32_t>(id);
  burst.address = id * 64;
  return burst;
}

void check_same(const BankQueues& queues, const std::vector<std::deque<std::uint64_t>>& model) {
  for (std::uint32_t b = 0; b < model.size(); ++b) {
    INFO("bank " << b);
    REQUIRE(queues.size(b) == model[b].size());
    REQUIRE(queues.empty(b) == model[b].empty());
    const auto view = queues.view(b);
    REQUIRE(view.size() == model[b].size());
    for (std::size_t i = 0; i < model[b].size(); ++i) {
      CHECK(queues.at(b, i).txn == model[b][i]);
      CHECK(view[i].txn == model[b][i]);
    }
    if (!model[b].empty()) CHECK(view.front().txn == model[b].front());
  }
}

}  // namespace

TEST_CASE("bank queues keep each bank's entries in arrival order", "[mem][queues]") {
  constexpr std::uint32_t kBanks = 4;
  BankQueues queues(kBanks);
  std::vector<std::deque<std::uint64_t>> model(kBanks);
  std::mt19937_64 rng(7);
  std::uint64_t next_id = 1;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> staged;  // (bank, slot) not linked yet
  for (int step = 0; step < 4000; ++step) {
    const auto op = rng() % 10;
    if (op < 4) {  // a request arrives: staged now, linked later
      const auto bank = static_cast<std::uint32_t>(rng() % kBanks);
      staged.emplace_back(bank, queues.stage(entry(next_id)));
      model[bank].push_back(next_id++);
    } else if (op < 6 && !staged.empty()) {  // the channel runs: link what arrived, in order
      for (const auto& [bank, slot] : staged) queues.link(bank, slot);
      staged.clear();
      check_same(queues, model);
    } else if (staged.empty()) {  // serve an entry: mostly the oldest, sometimes one behind it
      const auto bank = static_cast<std::uint32_t>(rng() % kBanks);
      if (model[bank].empty()) continue;
      const std::size_t i = rng() % 4 == 0 ? rng() % model[bank].size() : 0;
      queues.erase(bank, i);
      model[bank].erase(model[bank].begin() + static_cast<std::ptrdiff_t>(i));
      check_same(queues, model);
    }
  }
}

TEST_CASE("bank queues grow past their first rows and reuse freed entries", "[mem][queues]") {
  BankQueues queues(2);
  // 40 entries in bank 1 outgrow the first per-bank row (8) several times.
  for (std::uint64_t id = 1; id <= 40; ++id) queues.link(1, queues.stage(entry(id)));
  queues.link(0, queues.stage(entry(100)));
  REQUIRE(queues.size(1) == 40);
  for (std::size_t i = 0; i < 40; ++i) CHECK(queues.at(1, i).txn == i + 1);
  CHECK(queues.at(0, 0).txn == 100);
  // The last freed slot is the next one used: the new entry lands where entry 40 was.
  const MemBurst* freed = &queues.at(1, 39);
  queues.erase(1, 39);
  const auto slot = queues.stage(entry(41));
  CHECK(&queues.staged(slot) == freed);
  CHECK(queues.staged(slot).txn == 41);
}
