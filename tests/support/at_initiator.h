// A test initiator for AT targets: sends requests one after another (honouring END_REQ
// back-pressure) from an SC_THREAD, answers every BEGIN_RESP with TLM_COMPLETED, and records
// when each request was accepted and answered.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

namespace test {

class AtInitiator : public sc_core::sc_module {
 public:
  struct Record {
    sc_core::sc_time sent, accepted, answered;
    bool done = false;
  };
  tlm_utils::simple_initiator_socket<AtInitiator> socket{"socket"};
  std::map<const tlm::tlm_generic_payload*, Record> records;  ///< if keep_records
  bool keep_records = true;  ///< false: only count (benchmarks, where the map would be measured)
  unsigned outstanding = 0;
  bool held_back = false;  ///< some request saw END_REQ withheld

  explicit AtInitiator(const sc_core::sc_module_name& name) : sc_core::sc_module(name) {
    socket.register_nb_transport_bw(this, &AtInitiator::nb_transport_bw);
  }

  /// From a thread: sends one request and returns once the target accepted it (END_REQ).
  void send(tlm::tlm_generic_payload& p) {
    Record scratch;
    auto& r = keep_records ? records[&p] : scratch;
    r.sent = sc_core::sc_time_stamp();
    ++outstanding;
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    const auto status = socket->nb_transport_fw(p, phase, delay);
    if (status == tlm::TLM_COMPLETED) {
      r.accepted = r.answered = sc_core::sc_time_stamp();
      r.done = true;
      --outstanding;
      return;
    }
    if (status == tlm::TLM_UPDATED && phase == tlm::END_REQ) {
      r.accepted = sc_core::sc_time_stamp();
      return;
    }
    held_back = true;
    waiting_ = &p;
    sc_core::wait(end_req_);
  }
  /// From a thread: waits until every request is answered.
  void drain() {
    while (outstanding > 0) sc_core::wait(response_);
  }

  /// Runs `body` in a thread and simulates until it returns and the simulation is idle.
  static void run(std::function<void()> body) {
    sc_core::sc_spawn(std::move(body));
    sc_core::sc_start();
  }

 private:
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time&) {
    if (phase == tlm::END_REQ) {
      if (keep_records) records[&p].accepted = sc_core::sc_time_stamp();
      if (waiting_ == &p) {
        waiting_ = nullptr;
        end_req_.notify();
      }
      return tlm::TLM_ACCEPTED;
    }
    if (phase == tlm::BEGIN_RESP) {
      if (keep_records) {
        auto& r = records[&p];
        r.answered = sc_core::sc_time_stamp();
        r.done = true;
      }
      --outstanding;
      response_.notify();
      return tlm::TLM_COMPLETED;
    }
    return tlm::TLM_ACCEPTED;
  }
  tlm::tlm_generic_payload* waiting_ = nullptr;
  sc_core::sc_event end_req_, response_;
};

/// A payload with its own data buffer.
struct Request {
  tlm::tlm_generic_payload payload;
  std::vector<unsigned char> data;
  Request(tlm::tlm_command command, std::uint64_t address, std::size_t length) : data(length) {
    payload.set_command(command);
    payload.set_address(address);
    payload.set_data_ptr(data.data());
    payload.set_data_length(static_cast<unsigned>(length));
    payload.set_streaming_width(static_cast<unsigned>(length));
    payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  }
};

}  // namespace test
