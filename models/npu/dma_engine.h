// The NPU's DMA engine: the one AT initiator of the NPU into the HBM-PIM memory.
//
// Contract:
// - Jobs: read(), write() move a byte range between the memory and a caller buffer (which must
//   live until the job is done; nullptr = don't care, e.g. timing-only runs); pim() sends one
//   PIM command (hbm::PimExtension) of a channel. Each returns a Job whose `done` event fires
//   when its last transaction is answered; `finished` is that time and `ok` is false if any
//   transaction was refused.
// - A read/write is cut into transactions of at most `transaction_bytes`, aligned to that size,
//   each queued on the channel of its first byte (from the memory's address mapping). PIM
//   commands queue on their channel behind the earlier PIM commands of that channel and are
//   sent in order. Per channel at most `outstanding_bytes_per_channel` bytes of MEM transactions
//   and `pim_outstanding_per_channel` PIM commands are in flight (by default what the channel
//   queues hold), and MEM transactions never hold more bursts than the channel queue has slots
//   (a transaction of 2 bytes takes a whole burst slot; a larger one than the queue goes alone),
//   so one busy channel cannot stall the socket for the others (the memory withholds END_REQ
//   only when a channel queue is full).
// - Issue: channels round-robin, PIM before MEM, as soon as a channel has room. The NPU-memory
//   interconnect is ideal (no latency of its own): the time of a transfer is the memory's.
// - Several transfers may share one Job (pass it back in): it completes with the last of them.
// - Stats: bytes read/written, transactions, PIM commands per channel, refused transactions.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <boost/circular_buffer.hpp>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/mem/pim_extension.h"
#include "models/mem/pim_memory_info.h"
#include "platform/trace_events.h"

namespace vp::npu {

struct DmaConfig {
  std::uint32_t transaction_bytes = 1024;
  /// Limits of what is in flight per channel; 0 = what the channel queues (queue_bursts x burst
  /// bytes, pim_queue), so the memory never has to withhold END_REQ.
  std::uint32_t outstanding_bytes_per_channel = 0;
  std::uint32_t pim_outstanding_per_channel = 0;
};

class DmaEngine : public sc_core::sc_module {
 public:
  struct Job {
    std::uint32_t remaining = 0;
    bool ok = true;
    sc_core::sc_time finished;
    sc_core::sc_event done;
    [[nodiscard]] bool complete() const { return remaining == 0; }
    /// From a thread: returns once the job is complete.
    void wait() const {
      while (remaining != 0) sc_core::wait(done);
    }
  };
  using JobPtr = std::shared_ptr<Job>;

  tlm_utils::simple_initiator_socket<DmaEngine> socket{"socket"};

  DmaEngine(const sc_core::sc_module_name& name, const DmaConfig& config);

  /// Called once before simulation with the memory the socket is bound to.
  void attach(const hbm::PimMemoryInfo& memory);
  [[nodiscard]] const hbm::PimMemoryInfo& memory() const { return *memory_; }
  /// Bus address of the first byte of `row` in bank `bank` (READRES order) of `channel`: a bank
  /// row is contiguous there (KV rows, swaps).
  [[nodiscard]] std::uint64_t bank_row_address(std::uint32_t channel, std::uint32_t bank,
                                               std::uint32_t row) const;
  /// The configuration in effect (limits resolved by attach()).
  [[nodiscard]] const DmaConfig& config() const { return config_; }

  JobPtr read(std::uint64_t address, std::uint64_t bytes, std::uint8_t* data, JobPtr job = nullptr);
  JobPtr write(std::uint64_t address, std::uint64_t bytes, const std::uint8_t* data,
               JobPtr job = nullptr);
  /// One PIM command; `data`/`bytes`: GWRITE input (row bytes) or READRES results (2 B x banks).
  JobPtr pim(const hbm::PimExtension& command, std::uint8_t* data = nullptr,
             std::uint32_t bytes = 0, JobPtr job = nullptr);

  /// Untimed access through the socket's debug transport (functional math); false on a refusal.
  bool debug_read(std::uint64_t address, std::uint64_t bytes, std::uint8_t* data);
  bool debug_write(std::uint64_t address, std::uint64_t bytes, const std::uint8_t* data);

  std::uint64_t bytes_read = 0, bytes_written = 0, transactions = 0, refused = 0;
  std::vector<std::uint64_t> pim_commands;  ///< per channel
  /// Timeline: the number of transactions in flight as a counter on `track`.
  void trace_to(TraceEvents* events, const std::string& track) {
    events_ = events;
    in_flight_track_ = std::make_unique<CounterTrack>(track, "in_flight");
    if (events->enabled()) events->on_finish([this] { in_flight_track_->flush(*events_); });
  }

 private:
  /// One transaction to send. Kept small (a decode queues thousands per channel, its KV
  /// appends): a PIM piece's command waits in its channel's `pim_commands`, beside it.
  struct Piece {
    JobPtr job;
    std::uint64_t address = 0;
    std::uint8_t* data = nullptr;
    std::uint32_t bytes = 0;
    std::uint32_t bursts = 0;  ///< MEM: bursts of the memory the piece spans (its queue slots)
    tlm::tlm_command command = tlm::TLM_READ_COMMAND;
    bool is_pim = false;
  };
  struct Slot;
  /// The payloads the engine sends know their slot, so a response finds it without a lookup:
  /// the backward path only carries the engine's own payloads (the base protocol answers with
  /// the object that was sent). What a response needs follows the payload directly, in the
  /// cache lines the response touches anyway.
  struct SlotPayload : tlm::tlm_generic_payload {
    Slot* slot = nullptr;
    JobPtr job;
    std::uint32_t channel = 0;
    std::uint32_t bytes = 0;
    std::uint32_t bursts = 0;  ///< MEM: the piece's bursts
    bool is_pim = false;
  };
  struct alignas(64) Slot {
    SlotPayload payload;
    hbm::PimExtension extension;
    std::vector<std::uint8_t> scratch;  ///< a piece without a buffer, larger than zeros_
    Slot() { payload.slot = this; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { payload.clear_extension(&extension); }  // the payload must not delete a member
  };
  /// A FIFO that grows by doubling and keeps its storage: once it has reached its largest
  /// size, queueing and taking allocate nothing (a deque allocates a block every few pieces).
  template <typename T>
  struct Fifo : boost::circular_buffer<T> {
    void push(T&& item) {
      if (this->full()) this->set_capacity(std::max<std::size_t>(16, 2 * this->capacity()));
      this->push_back(std::move(item));
    }
  };
  using PieceFifo = Fifo<Piece>;
  struct ChannelQueues {
    PieceFifo mem, pim;
    Fifo<hbm::PimExtension> pim_commands;  ///< the commands of the `pim` pieces, in order
    std::uint32_t mem_outstanding = 0, pim_outstanding = 0;  ///< bytes, commands
    std::uint32_t mem_outstanding_bursts = 0;                ///< queue slots of the MEM bytes
  };
  /// Per kind (0 MEM, 1 PIM), bit c: channel c's front piece may go now (it is queued and fits
  /// the channel's limits); pick() visits only those. update_ready() keeps it after every change
  /// of a queue or of what is in flight.
  std::array<std::vector<std::uint64_t>, 2> ready_;
  void update_ready(std::uint32_t channel, bool pim);
  void enqueue(std::uint32_t channel, Piece&& piece);
  /// Takes the front piece of a channel's queue (the twin of enqueue()).
  Piece dequeue(std::uint32_t channel, bool pim);
  /// Whether the front MEM piece may go now: bytes and queue slots in flight on its channel.
  [[nodiscard]] bool mem_piece_fits(const ChannelQueues& q, const Piece& piece) const;

  JobPtr transfer(tlm::tlm_command command, std::uint64_t address, std::uint64_t bytes,
                  std::uint8_t* data, JobPtr job);
  bool debug(tlm::tlm_command command, std::uint64_t address, std::uint64_t bytes,
             std::uint8_t* data);
  void issue_thread();
  /// The next piece allowed to go now (nullptr if none).
  Piece* pick(std::uint32_t& channel, bool& from_pim);
  /// `command`: a PIM piece's command.
  void send(Piece& piece, std::uint32_t channel, const hbm::PimExtension* command);
  void finish(Slot& slot);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& payload, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);

  DmaConfig config_;
  const hbm::PimMemoryInfo* memory_ = nullptr;
  std::vector<ChannelQueues> channels_;
  std::uint32_t round_robin_ = 0;
  /// The data of pieces without a buffer (the caller does not care, e.g. in timing runs,
  /// where the memory never touches data): writes send zeros_, reads land in discard_. Sized
  /// once by attach(), so no payload in flight ever points into a reallocated buffer.
  std::vector<std::uint8_t> zeros_, discard_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> free_slots_;
  sc_core::sc_event work_, end_req_;
  tlm::tlm_generic_payload* awaiting_end_req_ = nullptr;
  const TraceEvents* events_ = nullptr;
  std::unique_ptr<CounterTrack> in_flight_track_;
  std::uint32_t in_flight_ = 0;
  void count_in_flight(int change);
};

}  // namespace vp::npu
