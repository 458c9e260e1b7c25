// The MEM request queues of one channel: per bank, its burst entries in arrival order.
//
// Contract:
// - Entries of all banks live in one pool whose freed slots are reused first (last freed, first
//   reused), so a channel's queued entries stay in a few cache lines that were touched recently.
//   (A std::deque per bank holds a 512-byte block per bank even when empty: 16 KB per channel.)
// - Positions are per bank, in arrival order: 0 is the oldest entry of the bank.
// - An entry is stored first (stage()) and queued later (link()); the controller stages it when
//   the request arrives and links it when the channel runs.
// - A reference to an entry stays valid until it is erased or the next stage().
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/mem/mem_request.h"

namespace vp::hbm {

/// One bank's queue, read-only, as a scheduling policy sees it.
class QueueView {
 public:
  QueueView(const MemBurst* pool, const std::uint32_t* order, std::size_t size)
      : pool_(pool), order_(order), size_(size) {}
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] const MemBurst& operator[](std::size_t i) const { return pool_[order_[i]]; }
  [[nodiscard]] const MemBurst& front() const { return pool_[order_[0]]; }

 private:
  const MemBurst* pool_;
  const std::uint32_t* order_;
  std::size_t size_;
};

class BankQueues {
 public:
  explicit BankQueues(std::uint32_t banks)
      : sizes_(banks, 0), order_(std::size_t{banks} * capacity_) {}

  [[nodiscard]] bool empty(std::uint32_t bank) const { return sizes_[bank] == 0; }
  [[nodiscard]] std::size_t size(std::uint32_t bank) const { return sizes_[bank]; }
  [[nodiscard]] MemBurst& at(std::uint32_t bank, std::size_t i) { return pool_[row(bank)[i]]; }
  [[nodiscard]] const MemBurst& at(std::uint32_t bank, std::size_t i) const {
    return pool_[row(bank)[i]];
  }
  [[nodiscard]] QueueView view(std::uint32_t bank) const {
    return QueueView(pool_.data(), row(bank), sizes_[bank]);
  }

  /// Stores an entry that is not queued yet (see link()); returns its slot.
  std::uint32_t stage(const MemBurst& burst) {
    if (free_.empty()) {
      pool_.push_back(burst);
      return static_cast<std::uint32_t>(pool_.size() - 1);
    }
    const std::uint32_t slot = free_.back();
    free_.pop_back();
    pool_[slot] = burst;
    return slot;
  }
  [[nodiscard]] MemBurst& staged(std::uint32_t slot) { return pool_[slot]; }
  /// Appends a staged entry to the bank's queue.
  void link(std::uint32_t bank, std::uint32_t slot) {
    if (sizes_[bank] == capacity_) grow();
    row(bank)[sizes_[bank]++] = slot;
  }
  /// Removes the entry at position i of the bank's queue (0: the oldest).
  void erase(std::uint32_t bank, std::size_t i) {
    std::uint32_t* order = row(bank);
    free_.push_back(order[i]);
    std::copy(order + i + 1, order + sizes_[bank], order + i);
    --sizes_[bank];
  }

 private:
  [[nodiscard]] std::uint32_t* row(std::uint32_t bank) {
    return order_.data() + std::size_t{bank} * capacity_;
  }
  [[nodiscard]] const std::uint32_t* row(std::uint32_t bank) const {
    return order_.data() + std::size_t{bank} * capacity_;
  }
  /// Doubles every bank's row of order_ (a bank queue outgrew it).
  void grow() {
    std::vector<std::uint32_t> grown(order_.size() * 2);
    for (std::size_t b = 0; b < sizes_.size(); ++b)
      std::copy_n(order_.data() + b * capacity_, sizes_[b], grown.data() + b * capacity_ * 2);
    order_ = std::move(grown);
    capacity_ *= 2;
  }

  std::vector<MemBurst> pool_;
  std::vector<std::uint32_t> free_;   ///< free pool slots, the last freed at the back
  std::size_t capacity_ = 8;          ///< entries per bank row of order_
  std::vector<std::uint32_t> sizes_;  ///< per bank: queued entries
  std::vector<std::uint32_t> order_;  ///< per bank, a row of capacity_: pool slots in arrival order
};

}  // namespace vp::hbm
