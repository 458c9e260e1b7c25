#include "models/npu/dma_engine.h"

#include <algorithm>

#include "models/npu/unit_trace.h"

namespace vp::npu {

DmaEngine::DmaEngine(const sc_core::sc_module_name& name, const DmaConfig& config)
    : sc_core::sc_module(name), config_(config) {
  socket.register_nb_transport_bw(this, &DmaEngine::nb_transport_bw);
  SC_HAS_PROCESS(DmaEngine);
  SC_THREAD(issue_thread);
}

void DmaEngine::attach(const hbm::PimMemoryInfo& memory) {
  memory_ = &memory;
  if (config_.outstanding_bytes_per_channel == 0)
    config_.outstanding_bytes_per_channel =
        memory.queue_bursts() * memory.organization().burst_bytes();
  if (config_.pim_outstanding_per_channel == 0)
    config_.pim_outstanding_per_channel = memory.pim_queue();

  const hbm::Organization& org = memory.organization();
  const std::size_t largest = std::max<std::size_t>(
      {config_.transaction_bytes, org.row_bytes(), std::size_t{2} * org.banks()});
  zeros_.assign(largest, 0);
  discard_.assign(largest, 0);
  channels_.assign(memory.organization().channels, ChannelQueues());
  for (auto& mask : ready_) mask.assign((channels_.size() + 63) / 64, 0);
  pim_commands.assign(memory.organization().channels, 0);
}

DmaEngine::JobPtr DmaEngine::read(std::uint64_t address, std::uint64_t bytes, std::uint8_t* data,
                                  JobPtr job) {
  return transfer(tlm::TLM_READ_COMMAND, address, bytes, data, std::move(job));
}

DmaEngine::JobPtr DmaEngine::write(std::uint64_t address, std::uint64_t bytes,
                                   const std::uint8_t* data, JobPtr job) {
  // The payload API takes a non-const pointer; a write never modifies the buffer.
  return transfer(tlm::TLM_WRITE_COMMAND, address, bytes, const_cast<std::uint8_t*>(data),
                  std::move(job));
}

DmaEngine::JobPtr DmaEngine::transfer(tlm::tlm_command command, std::uint64_t address,
                                      std::uint64_t bytes, std::uint8_t* data, JobPtr job) {
  if (!job) job = std::make_shared<Job>();
  const hbm::Organization& org = memory_->organization();
  const std::uint64_t size = config_.transaction_bytes;  // >= 32 (NpuCore's config)
  // The next transaction boundary by a shift when the size is a power of two, as it usually is
  // (a 64-bit division waits tens of cycles).
  const bool size_pow2 = (size & (size - 1)) == 0;
  const auto size_shift = static_cast<unsigned>(__builtin_ctzll(size));
  std::uint64_t at = address;
  const std::uint64_t end = address + bytes;
  while (at < end) {
    const std::uint64_t boundary =
        size_pow2 ? ((at >> size_shift) + 1) << size_shift : (at / size + 1) * size;
    const std::uint64_t piece_end = std::min(end, boundary);
    Piece piece;
    piece.job = job;
    piece.command = command;
    piece.address = at;
    piece.bytes = static_cast<std::uint32_t>(piece_end - at);
    piece.bursts =
        static_cast<std::uint32_t>(org.burst_index(piece_end - 1) - org.burst_index(at) + 1);
    piece.data = data != nullptr ? data + (at - address) : nullptr;
    const std::uint32_t channel =
        memory_->mapping().contains(at, 1) ? memory_->mapping().decode(at).channel.value : 0;
    enqueue(channel, std::move(piece));
    ++job->remaining;
    at = piece_end;
  }
  if (job->remaining == 0) {
    job->finished = sc_core::sc_time_stamp();
  } else {
    work_.notify(sc_core::SC_ZERO_TIME);
  }
  return job;
}

DmaEngine::JobPtr DmaEngine::pim(const hbm::PimExtension& command, std::uint8_t* data,
                                 std::uint32_t bytes, JobPtr job) {
  if (!job) job = std::make_shared<Job>();
  Piece piece;
  piece.job = job;
  piece.command = command.op == hbm::PimOp::Gwrite ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND;
  piece.bytes = bytes;
  piece.data = data;
  piece.is_pim = true;
  ++job->remaining;
  const std::uint32_t channel =
      std::min<std::uint32_t>(command.channel, static_cast<std::uint32_t>(channels_.size()) - 1);
  channels_[channel].pim_commands.push(hbm::PimExtension(command));
  enqueue(channel, std::move(piece));
  work_.notify(sc_core::SC_ZERO_TIME);
  return job;
}

bool DmaEngine::debug_read(std::uint64_t address, std::uint64_t bytes, std::uint8_t* data) {
  return debug(tlm::TLM_READ_COMMAND, address, bytes, data);
}

bool DmaEngine::debug_write(std::uint64_t address, std::uint64_t bytes, const std::uint8_t* data) {
  return debug(tlm::TLM_WRITE_COMMAND, address, bytes, const_cast<std::uint8_t*>(data));
}

bool DmaEngine::debug(tlm::tlm_command command, std::uint64_t address, std::uint64_t bytes,
                      std::uint8_t* data) {
  constexpr std::uint64_t kChunk = 1U << 20;
  for (std::uint64_t done = 0; done < bytes;) {
    const auto length = static_cast<unsigned>(std::min(kChunk, bytes - done));
    tlm::tlm_generic_payload p;
    p.set_command(command);
    p.set_address(address + done);
    p.set_data_ptr(data + done);
    p.set_data_length(length);
    p.set_streaming_width(length);
    if (socket->transport_dbg(p) != length) return false;
    done += length;
  }
  return true;
}

void DmaEngine::enqueue(std::uint32_t channel, Piece&& piece) {
  const bool pim = piece.is_pim;
  (pim ? channels_[channel].pim : channels_[channel].mem).push(std::move(piece));
  update_ready(channel, pim);
}

void DmaEngine::update_ready(std::uint32_t channel, bool pim) {
  const ChannelQueues& q = channels_[channel];
  const bool ready = pim ? !q.pim.empty() && q.pim_outstanding < config_.pim_outstanding_per_channel
                         : !q.mem.empty() && mem_piece_fits(q, q.mem.front());
  std::uint64_t& word = ready_[pim ? 1 : 0][channel / 64];
  const std::uint64_t bit = 1ULL << (channel % 64);
  word = ready ? word | bit : word & ~bit;
}

bool DmaEngine::mem_piece_fits(const ChannelQueues& q, const Piece& piece) const {
  if (q.mem_outstanding + piece.bytes > config_.outstanding_bytes_per_channel) return false;
  // Every burst a piece touches takes a slot of the channel queue, however few bytes it moves
  // (a 2-byte KV append takes one). A piece larger than the queue goes alone.
  return q.mem_outstanding_bursts == 0 ||
         q.mem_outstanding_bursts + piece.bursts <= memory_->queue_bursts();
}

DmaEngine::Piece DmaEngine::dequeue(std::uint32_t channel, bool pim) {
  PieceFifo& fifo = pim ? channels_[channel].pim : channels_[channel].mem;
  Piece piece = std::move(fifo.front());
  fifo.pop_front();
  return piece;
}

DmaEngine::Piece* DmaEngine::pick(std::uint32_t& channel, bool& from_pim) {
  // PIM commands first, then memory pieces; within a kind the channels whose front piece may
  // go, in round-robin order from round_robin_.
  const auto count = static_cast<std::uint32_t>(channels_.size());
  const std::uint32_t first_word = round_robin_ / 64,
                      words = static_cast<std::uint32_t>(ready_[0].size());
  for (int pass = 0; pass < 2; ++pass) {
    const bool want_pim = pass == 0;
    const auto& mask = ready_[want_pim ? 1 : 0];
    // Words from round_robin_'s to the last, then from the first back to round_robin_'s.
    for (std::uint32_t n = 0; n <= words; ++n) {
      // (first_word + n) % words without a division: first_word < words and n <= words.
      const std::uint32_t w = first_word + n < words ? first_word + n : first_word + n - words;
      std::uint64_t bits = mask[w];
      if (n == 0) bits &= ~0ULL << (round_robin_ % 64);  // c >= round_robin_
      if (n == words)
        bits &=
            (round_robin_ % 64) != 0 ? (1ULL << (round_robin_ % 64)) - 1 : 0;  // c < round_robin_
      if (bits != 0) {
        const std::uint32_t c = w * 64 + static_cast<std::uint32_t>(__builtin_ctzll(bits));
        channel = c;
        from_pim = want_pim;
        round_robin_ = c + 1 == count ? 0 : c + 1;
        return want_pim ? &channels_[c].pim.front() : &channels_[c].mem.front();
      }
    }
  }
  return nullptr;
}

void DmaEngine::issue_thread() {
  while (true) {
    std::uint32_t channel = 0;
    bool from_pim = false;
    Piece* piece = channels_.empty() ? nullptr : pick(channel, from_pim);
    if (piece == nullptr) {
      sc_core::wait(work_);
      continue;
    }
    Piece taken = dequeue(channel, from_pim);
    ChannelQueues& q = channels_[channel];
    hbm::PimExtension command;
    if (from_pim) {
      command = q.pim_commands.front();
      q.pim_commands.pop_front();
      ++q.pim_outstanding;
    } else {
      q.mem_outstanding += taken.bytes;
      q.mem_outstanding_bursts += taken.bursts;
    }
    update_ready(channel, from_pim);
    send(taken, channel, from_pim ? &command : nullptr);
  }
}

void DmaEngine::send(Piece& piece, std::uint32_t channel, const hbm::PimExtension* command) {
  if (free_slots_.empty()) {
    slots_.push_back(std::make_unique<Slot>());
    free_slots_.push_back(slots_.back().get());
  }
  Slot& slot = *free_slots_.back();
  free_slots_.pop_back();
  SlotPayload& p = slot.payload;
  p.job = std::move(piece.job);
  p.channel = channel;
  p.is_pim = piece.is_pim;
  p.bytes = piece.bytes;
  p.bursts = piece.bursts;
  p.set_command(piece.command);
  p.set_address(piece.address);
  std::uint8_t* data = piece.data;
  if (data == nullptr) {  // no buffer: reads are discarded, writes write zeros
    const bool write = piece.command == tlm::TLM_WRITE_COMMAND;
    if (piece.bytes <= zeros_.size()) {
      data = write ? zeros_.data() : discard_.data();
    } else {
      if (slot.scratch.size() < piece.bytes) slot.scratch.resize(piece.bytes);
      if (write) std::fill_n(slot.scratch.begin(), piece.bytes, 0);
      data = slot.scratch.data();
    }
  }
  p.set_data_ptr(data);
  p.set_data_length(piece.bytes);
  p.set_streaming_width(piece.bytes);
  p.set_byte_enable_ptr(nullptr);
  p.set_dmi_allowed(false);
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  if (piece.is_pim) {
    slot.extension = *command;
    p.set_extension(&slot.extension);
    ++pim_commands[channel];
  } else {  // no extension to clear: finish() clears a PIM slot's before the slot is reused
    (piece.command == tlm::TLM_READ_COMMAND ? bytes_read : bytes_written) += piece.bytes;
  }
  ++transactions;
  count_in_flight(+1);
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  awaiting_end_req_ = &p;
  const tlm::tlm_sync_enum status = socket->nb_transport_fw(p, phase, delay);
  if (status == tlm::TLM_COMPLETED) {
    awaiting_end_req_ = nullptr;
    finish(slot);
    return;
  }
  if (status == tlm::TLM_UPDATED && phase == tlm::END_REQ) {
    awaiting_end_req_ = nullptr;
    return;
  }
  if (status == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP) {
    awaiting_end_req_ = nullptr;
    finish(slot);
    return;
  }
  while (awaiting_end_req_ == &p) sc_core::wait(end_req_);
}

void DmaEngine::count_in_flight(int change) {
  in_flight_ = static_cast<std::uint32_t>(static_cast<int>(in_flight_) + change);
  if (events_ == nullptr || !events_->enabled()) return;
  in_flight_track_->set(*events_, to_ps(sc_core::sc_time_stamp()), in_flight_);
}

void DmaEngine::finish(Slot& slot) {
  count_in_flight(-1);
  SlotPayload& p = slot.payload;
  ChannelQueues& q = channels_[p.channel];
  if (p.is_pim) {
    --q.pim_outstanding;
  } else {
    q.mem_outstanding -= p.bytes;
    q.mem_outstanding_bursts -= p.bursts;
  }
  update_ready(p.channel, p.is_pim);
  if (!p.is_response_ok()) {
    p.job->ok = false;
    ++refused;
  }
  if (--p.job->remaining == 0) {
    p.job->finished = sc_core::sc_time_stamp();
    p.job->done.notify(sc_core::SC_ZERO_TIME);
  }
  p.job.reset();
  if (p.is_pim) p.clear_extension(&slot.extension);
  free_slots_.push_back(&slot);
  work_.notify(sc_core::SC_ZERO_TIME);
}

tlm::tlm_sync_enum DmaEngine::nb_transport_bw(tlm::tlm_generic_payload& payload,
                                              tlm::tlm_phase& phase, sc_core::sc_time& /*delay*/) {
  if (phase == tlm::END_REQ) {
    if (awaiting_end_req_ == &payload) {
      awaiting_end_req_ = nullptr;
      end_req_.notify(sc_core::SC_ZERO_TIME);
    }
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::BEGIN_RESP) {
    if (awaiting_end_req_ == &payload) {  // BEGIN_RESP implies END_REQ
      awaiting_end_req_ = nullptr;
      end_req_.notify(sc_core::SC_ZERO_TIME);
    }
    finish(*static_cast<SlotPayload&>(payload).slot);
    return tlm::TLM_COMPLETED;
  }
  return tlm::TLM_ACCEPTED;
}

std::uint64_t DmaEngine::bank_row_address(std::uint32_t channel, std::uint32_t bank,
                                          std::uint32_t row) const {
  hbm::DramAddress a;
  a.channel = hbm::Channel(channel);
  a.bank = memory().organization().bank_at(bank);
  a.row = hbm::Row(row);
  a.column = hbm::Column(0);
  return memory().mapping().encode(a);
}

}  // namespace vp::npu
