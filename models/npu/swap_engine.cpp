#include "models/npu/swap_engine.h"

#include <algorithm>

namespace vp::npu {

SwapEngine::SwapEngine(const HostLink& link, DmaEngine& dma, bool functional)
    : link_(link), dma_(dma), functional_(functional) {}

void SwapEngine::cross_link(std::uint64_t bytes) {
  const sc_core::sc_time start = std::max(sc_core::sc_time_stamp(), link_free_);
  const sc_core::sc_time busy(static_cast<double>(bytes) / link_.gbps, sc_core::SC_NS);
  link_free_ = start + busy;
  stats_.link_busy_ns += busy.to_seconds() * 1e9;
  sc_core::wait(link_free_ + sc_core::sc_time(link_.latency_ns, sc_core::SC_NS) -
                sc_core::sc_time_stamp());
}

bool SwapEngine::run(const SwapJob& job) {
  const auto& org = dma_.memory().organization();
  const std::uint32_t banks = org.banks(), row_bytes = org.row_bytes();
  const std::uint64_t bytes = std::uint64_t{job.rows.size()} * job.depth * banks * row_bytes;
  std::vector<std::uint8_t> data;
  auto each_row = [&](auto&& move) {  // every bank row of the list, in order
    std::uint64_t at = 0;
    for (const std::uint32_t base : job.rows)
      for (std::uint32_t layer = 0; layer < job.depth; ++layer)
        for (std::uint32_t b = 0; b < banks; ++b, at += row_bytes)
          move(dma_.bank_row_address(job.channel, b, base + layer), at);
  };
  if (job.out) {
    if (functional_) data.resize(bytes);
    auto reads = std::make_shared<DmaEngine::Job>();
    each_row([&](std::uint64_t address, std::uint64_t at) {
      dma_.read(address, row_bytes, functional_ ? data.data() + at : nullptr, reads);
    });
    reads->wait();
    if (!reads->ok) return false;
    cross_link(bytes);
    if (functional_) store_[job.slot] = std::move(data);
    ++stats_.swaps_out;
    stats_.bytes_out += bytes;
    return true;
  }
  if (functional_) {
    auto it = store_.find(job.slot);
    if (it == store_.end() || it->second.size() != bytes) return false;
    data = std::move(it->second);
    store_.erase(it);
  }
  cross_link(bytes);
  auto writes = std::make_shared<DmaEngine::Job>();
  each_row([&](std::uint64_t address, std::uint64_t at) {
    dma_.write(address, row_bytes, functional_ ? data.data() + at : nullptr, writes);
  });
  writes->wait();
  ++stats_.swaps_in;
  stats_.bytes_in += bytes;
  return writes->ok;
}

}  // namespace vp::npu
