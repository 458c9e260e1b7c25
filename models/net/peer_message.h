// What a message between devices carries besides its bytes: the TLM extension of every
// transaction on the interconnect.
//
// Contract: an NPU sends a write transaction whose data are the message's bytes (the pointer
// may be null in timing-only runs; the length still counts) with this extension. The
// interconnect times it over its links and hands it to the destination NPU's "peer" port, or,
// when the destination is a mirror that is not built (simulate "mirrored"), answers it without
// delivering (delivered stays false).
// - Write: the bytes go to the destination's HBM at the transaction's address; then, with
//   `signal`, semaphore `semaphore` of the destination grows by `value` (PEER_COPY).
// - Collective: one step of a collective; the destination files the bytes under (src, tag)
//   for its collective engine.
#pragma once

#include <cstdint>

#include <tlm>

namespace vp::net {

struct PeerMessage : tlm::tlm_extension<PeerMessage> {
  enum class Kind : std::uint8_t { Write, Collective };
  Kind kind = Kind::Write;
  std::uint32_t src = 0, dst = 0;  ///< system device numbers
  bool signal = false;
  std::uint32_t semaphore = 0, value = 0;
  std::uint64_t tag = 0;
  bool delivered = false;  ///< set by the interconnect

  [[nodiscard]] tlm::tlm_extension_base* clone() const override { return new PeerMessage(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const PeerMessage&>(other);
  }
};

}  // namespace vp::net
