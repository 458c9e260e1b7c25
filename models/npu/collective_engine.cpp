#include "models/npu/collective_engine.h"

#include <algorithm>
#include <cstring>

#include <Imath/half.h>

namespace vp::npu {

CollectiveEngine::CollectiveEngine(std::uint32_t device, std::uint32_t devices,
                                   std::function<bool(std::uint32_t)> built, DmaEngine& dma,
                                   bool functional, const VectorConfig& vector,
                                   const sc_core::sc_time& period, Send send)
    : device_(device),
      devices_(devices),
      built_(std::move(built)),
      dma_(dma),
      functional_(functional),
      vector_(vector),
      period_(period),
      send_(std::move(send)) {}

void CollectiveEngine::receive(std::uint32_t src, std::uint64_t tag, const std::uint8_t* data,
                               std::uint64_t bytes) {
  auto& slot = mailbox_[{src, tag}];
  if (data != nullptr) slot.assign(data, data + bytes);
  arrived_.notify(sc_core::SC_ZERO_TIME);
}

bool CollectiveEngine::ring_phase(const CollectiveJob& job, std::vector<std::uint8_t>& data,
                                  std::uint32_t phase, std::uint32_t first_send, bool add) {
  const std::uint32_t g = job.group, base = device_ / g * g, rank = device_ - base;
  const std::uint32_t next = base + (rank + 1) % g, prev = base + (rank + g - 1) % g;
  for (std::uint32_t k = 0; k + 1 < g; ++k) {
    const std::uint32_t send_chunk = (first_send + g - k) % g;
    const std::uint32_t recv_chunk = (first_send + 2 * g - k - 1) % g;
    const std::uint64_t tag = sequence_ << 16 | std::uint64_t{phase} << 8 | k;
    const std::uint64_t s0 = chunk_begin(job, send_chunk), s1 = chunk_begin(job, send_chunk + 1);
    const std::uint64_t r0 = chunk_begin(job, recv_chunk), r1 = chunk_begin(job, recv_chunk + 1);
    net::PeerMessage message;
    message.kind = net::PeerMessage::Kind::Collective;
    message.src = device_;
    message.dst = next;
    message.tag = tag;
    const std::uint64_t bytes = (s1 - s0) * 2;
    if (!send_(message, 0, functional_ ? data.data() + s0 * 2 : nullptr, bytes)) return false;
    stats_.bytes_sent += bytes;
    std::vector<std::uint8_t> incoming;
    if (built_(prev)) {
      const auto key = std::make_pair(prev, tag);
      while (mailbox_.count(key) == 0) sc_core::wait(arrived_);
      incoming = std::move(mailbox_[key]);
      mailbox_.erase(key);
    } else if (functional_) {  // a mirror: it did what this device did, with the same data
      incoming.assign(data.begin() + static_cast<std::ptrdiff_t>(r0 * 2),
                      data.begin() + static_cast<std::ptrdiff_t>(r1 * 2));
    }
    if (functional_ && incoming.size() == (r1 - r0) * 2) {
      auto* mine = reinterpret_cast<Imath::half*>(data.data() + r0 * 2);
      const auto* theirs = reinterpret_cast<const Imath::half*>(incoming.data());
      for (std::uint64_t i = 0; i < r1 - r0; ++i)
        mine[i] = add ? Imath::half(static_cast<float>(mine[i]) + static_cast<float>(theirs[i]))
                      : theirs[i];
    }
    if (add) {  // the adds on the vector units, lanes across every unit
      const std::uint64_t lanes = std::uint64_t{vector_.units} * vector_.lanes;
      const std::uint64_t cycles = (r1 - r0 + lanes - 1) / lanes * vector_.add;
      sc_core::wait(period_ * static_cast<double>(cycles));
    }
  }
  return true;
}

bool CollectiveEngine::run(const CollectiveJob& job) {
  ++sequence_;
  if (job.gather_only)
    ++stats_.all_gathers;
  else
    ++stats_.all_reduces;
  if (job.group <= 1) return true;
  const std::uint64_t bytes = job.elements * 2;
  std::vector<std::uint8_t> data(functional_ ? bytes : 0);
  auto reads = dma_.read(job.address, bytes, functional_ ? data.data() : nullptr);
  reads->wait();
  if (!reads->ok) return false;
  const double start_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
  const std::uint32_t rank = device_ % job.group;
  bool ok = true;
  if (!job.gather_only) ok = ring_phase(job, data, 0, rank, true);
  if (ok) ok = ring_phase(job, data, 1, job.gather_only ? rank : rank + 1, false);
  const double ring_ns = sc_core::sc_time_stamp().to_seconds() * 1e9 - start_ns;
  stats_.ring_ns += ring_ns;
  stats_.last_ring_ns = ring_ns;
  if (!ok) return false;
  auto writes = dma_.write(job.address, bytes, functional_ ? data.data() : nullptr);
  writes->wait();
  return writes->ok;
}

bool CollectiveEngine::peer_copy(std::uint32_t peer, std::uint64_t src, std::uint64_t dst,
                                 std::uint64_t bytes, bool signal, std::uint32_t semaphore,
                                 std::uint32_t value) {
  std::vector<std::uint8_t> data(functional_ ? bytes : 0);
  auto reads = dma_.read(src, bytes, functional_ ? data.data() : nullptr);
  reads->wait();
  if (!reads->ok) return false;
  net::PeerMessage message;
  message.kind = net::PeerMessage::Kind::Write;
  message.src = device_;
  message.dst = peer;
  message.signal = signal;
  message.semaphore = semaphore;
  message.value = value;
  ++stats_.peer_copies;
  stats_.bytes_sent += bytes;
  return send_(message, dst, functional_ ? data.data() : nullptr, bytes);
}

}  // namespace vp::npu
