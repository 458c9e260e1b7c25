// The SWAP descriptor: a request's KV rows copied between HBM and host memory over the host
// link (serving preemption by swap, docs/runtime.md).
//
// Contract:
// - A job names a channel, a list of KV rows and a depth: each entry is `depth` consecutive DRAM
//   rows (a row group: one row per layer of the device), each opened in every bank. Out: every
//   bank row is read through the DMA (normal reads in that channel, competing with everything
//   else there) and crosses the link; in: it crosses the link, then is written to the (new)
//   rows of the list, in the same order.
// - The link (config `host_link`: gbps, latency_ns) carries one transfer at a time: a swap's
//   bytes take bytes / gbps after the link is free and the DMA side allows (out: after the reads
//   are answered; in: before the writes start), plus the latency once.
// - Functional mode keeps the bytes in a host-side store under the job's SLOT; a swap in takes
//   the slot's bytes (and frees them). A swap in of an unknown slot, or of another size, is
//   refused (run() returns false).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <systemc>

#include "models/npu/dma_engine.h"

namespace vp::npu {

struct HostLink {
  double gbps = 25;          ///< sustained bandwidth (PCIe 4.0 x16: 32 GB/s raw, ~25 in use)
  double latency_ns = 2000;  ///< per transfer
};

struct SwapJob {
  bool out = true;
  std::uint32_t channel = 0, depth = 1, slot = 0;
  std::vector<std::uint32_t> rows;
};

class SwapEngine {
 public:
  struct Stats {
    std::uint64_t swaps_out = 0, swaps_in = 0, bytes_out = 0, bytes_in = 0;
    double link_busy_ns = 0;
  };
  SwapEngine(const HostLink& link, DmaEngine& dma, bool functional);
  /// From a thread: runs one SWAP (already validated); false if the memory or the store refused.
  bool run(const SwapJob& job);
  [[nodiscard]] const Stats& stats() const { return stats_; }

 private:
  /// Waits for the link and occupies it for `bytes`; returns when they have crossed.
  void cross_link(std::uint64_t bytes);

  HostLink link_;
  DmaEngine& dma_;
  bool functional_;
  sc_core::sc_time link_free_ = sc_core::SC_ZERO_TIME;
  std::map<std::uint32_t, std::vector<std::uint8_t>> store_;
  Stats stats_;
};

}  // namespace vp::npu
