// The NPU's collective engine: ring all-reduce and all-gather over the interconnect, and the
// PEER_COPY hand-off (docs/multi-device.md).
//
// Contract:
// - A group is G consecutive system devices starting at a multiple of G; the device's rank is
//   its number mod G; next = the following rank, prev = the one before (mod G).
// - all_reduce(): the fp16 vector of E elements at `address` (in place) becomes the sum of every
//   rank's vector. The engine reads it from HBM through the DMA, then runs the ring: E is cut
//   into G chunks ([c E / G, (c + 1) E / G)); reduce-scatter, G - 1 steps: send chunk
//   (rank - k) to next, receive chunk (rank - k - 1) from prev and add it (vector units: ceil(n /
//   (units x lanes)) x add cycles); all-gather, G - 1 steps: send chunk (rank + 1 - k), receive
//   chunk (rank - k) and keep it. Then it writes the vector back. all_gather(): only the second
//   phase, each rank owning chunk `rank` at the start (send rank - k, receive rank - k - 1).
//   The sums are fp16 adds in ring order, as the hardware would do them.
// - Each send returns when its bytes have arrived (the interconnect's timing); each step waits
//   for prev's message of the same collective and step (matched by a tag of the engine's
//   collective count and the step, so every rank must run the same collectives in the same
//   order). When prev is a mirror that is not built (simulate "mirrored"), it is taken to have
//   done what this device did: its message arrives when this device's own arrived, carrying this
//   device's data of that chunk (mirrors hold the same data; the sum is then G x the local
//   vector, so real tokens need "exact").
// - peer_copy(): `bytes` at `src` in this device's HBM go to `dst` in device `peer`'s HBM (read
//   through the DMA, one message, written by the receiver's DMA), then the receiver's semaphore
//   `semaphore` grows by `value` (if `signal`).
// - receive(): the NPU's "peer" port hands incoming collective messages here.
// Timing-only runs move no data (null buffers) but every byte is timed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include <systemc>

#include "models/net/peer_message.h"
#include "models/npu/dma_engine.h"
#include "models/npu/vector_timing.h"

namespace vp::npu {

struct CollectiveJob {
  bool gather_only = false;  ///< all-gather; else all-reduce (sum)
  std::uint32_t group = 1;
  std::uint64_t elements = 0, address = 0;
};

class CollectiveEngine {
 public:
  /// Sends one message (blocking until it arrived); returns false if the interconnect refused.
  using Send = std::function<bool(net::PeerMessage& message, std::uint64_t address,
                                  std::uint8_t* data, std::uint64_t bytes)>;
  struct Stats {
    std::uint64_t all_reduces = 0, all_gathers = 0, peer_copies = 0, bytes_sent = 0;
    double ring_ns = 0;       ///< time in the ring phases (the links and adds)
    double last_ring_ns = 0;  ///< the last collective's
  };

  /// `device`: this device's system number, of `devices`; `built(d)`: whether device d is built.
  CollectiveEngine(std::uint32_t device, std::uint32_t devices,
                   std::function<bool(std::uint32_t)> built, DmaEngine& dma, bool functional,
                   const VectorConfig& vector, const sc_core::sc_time& period, Send send);

  /// From a thread; false if a transfer was refused.
  bool run(const CollectiveJob& job);
  bool peer_copy(std::uint32_t peer, std::uint64_t src, std::uint64_t dst, std::uint64_t bytes,
                 bool signal, std::uint32_t semaphore, std::uint32_t value);
  void receive(std::uint32_t src, std::uint64_t tag, const std::uint8_t* data, std::uint64_t bytes);
  [[nodiscard]] const Stats& stats() const { return stats_; }
  [[nodiscard]] std::uint32_t device() const { return device_; }
  [[nodiscard]] std::uint32_t devices() const { return devices_; }

 private:
  /// One ring phase over `steps` steps; `first_send` is the chunk sent at step 0.
  bool ring_phase(const CollectiveJob& job, std::vector<std::uint8_t>& data, std::uint32_t phase,
                  std::uint32_t first_send, bool add);
  [[nodiscard]] std::uint64_t chunk_begin(const CollectiveJob& job, std::uint32_t c) const {
    return job.elements * c / job.group;
  }

  std::uint32_t device_, devices_;
  std::function<bool(std::uint32_t)> built_;
  DmaEngine& dma_;
  bool functional_;
  VectorConfig vector_;
  sc_core::sc_time period_;
  Send send_;
  std::uint64_t sequence_ = 0;
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::vector<std::uint8_t>> mailbox_;
  sc_core::sc_event arrived_;
  Stats stats_;
};

}  // namespace vp::npu
