// mem.hbm_pim: the HBM2-PIM memory subsystem as an AT target.
//
// Contract:
// - One AT target socket ("in"), 4-phase base protocol. A read or write transaction of any
//   length is split into bursts by the address mapping (it may span channels) and completes when
//   its last burst does. Back-pressure: when a channel queue has no room, END_REQ is withheld
//   until it has. Responses are sent at the cycle their data is complete, one BEGIN_RESP at a
//   time (the initiator may answer TLM_COMPLETED or END_RESP). b_transport is served through
//   the same path; debug transport reads and writes the storage without timing.
// - A transaction carrying a PimExtension is a PIM command of its channel (pim_extension.h).
// - Errors answer, never crash: address beyond the capacity -> TLM_ADDRESS_ERROR_RESPONSE,
//   byte enables -> TLM_BYTE_ENABLE_ERROR_RESPONSE, malformed or refused PIM command ->
//   TLM_GENERIC_ERROR_RESPONSE.
// - No SystemC event per DRAM command: each channel wakes when a request arrives or at its next
//   undecided command, and then decides every command of the next `lookahead_ck` cycles
//   (`windows` per-channel). With `windows` aligned, all channels decide on one grid of
//   `lookahead_ck`-cycle windows, woken together by one event.
// - Observability (docs/tracing.md): with a trace sink, MEM/PIM activity spans per channel,
//   counters of outstanding transactions and PIM use, and per-command events inside the window
//   when asked for; with a command database, every command and transaction as a row.
// Config keys: memory (file or object, configs/memory/), mode (dram|blocked|dual), functional,
// scheduler (fr-fcfs|fcfs), page_policy (open|closed), queue_bursts, pim_queue, row_hit_cap,
// refresh, lookahead_ck, windows (per-channel|aligned), address_mapping,
// trace_activity_gap_ck (timeline: commands closer than this merge into one MEM or PIM activity
// span).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/mem/address_mapping.h"
#include "models/mem/channel_controller.h"
#include "models/mem/pim_memory_info.h"
#include "models/mem/sparse_storage.h"
#include "platform/registry.h"

namespace vp {
class CommandDatabase;
}

namespace vp::hbm {

class HbmPimMemory : public sc_core::sc_module, public Module, public PimMemoryInfo {
 public:
  tlm_utils::simple_target_socket<HbmPimMemory> socket;

  static void register_type(ModuleRegistry& registry);
  HbmPimMemory(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context);

  [[nodiscard]] std::uint64_t mapped_size(const std::string& port) const override;
  [[nodiscard]] const MemoryParams& params() const { return params_; }
  [[nodiscard]] const AddressMapping& mapping() const override { return *mapping_; }
  [[nodiscard]] const Organization& organization() const override { return params_.org; }
  [[nodiscard]] bool functional() const override { return config_.functional; }
  [[nodiscard]] std::string arbitration() const override { return config_.arbitration; }
  [[nodiscard]] std::uint32_t queue_bursts() const override { return config_.queue_bursts; }
  [[nodiscard]] std::uint32_t pim_queue() const override { return config_.pim_queue; }
  [[nodiscard]] const ChannelController& channel(std::uint32_t c) const { return *channels_.at(c); }
  [[nodiscard]] PimMode mode() const override { return config_.mode; }
  /// Observer of every command of every channel (trace database, tests).
  void on_command(const std::function<void(std::uint32_t channel, const IssuedCommand&)>& observer);

 private:
  /// One cache line: a completion touches one line of the table.
  struct alignas(64) Txn {
    tlm::tlm_generic_payload* payload = nullptr;  ///< null: the slot is free
    std::uint32_t remaining = 0;
    bool ok = true;
    std::uint64_t done_cycle = 0;
    std::uint64_t begin_cycle = 0;
    std::uint64_t id = 0;                 ///< in arrival order, from 1 (traces, database, ties)
    std::vector<std::uint32_t> channels;  ///< channels it occupies (only while tracing)
  };
  static_assert(sizeof(Txn) == 64, "a transaction's slot is one cache line");
  struct Response {
    std::uint64_t cycle;
    std::uint64_t id;   ///< Txn::id
    std::uint32_t txn;  ///< its handle
    bool operator<(const Response& o) const {
      return cycle != o.cycle ? cycle < o.cycle : id < o.id;
    }
  };
  /// Responses waiting to be sent, in (cycle, id) order. A new one nearly always goes last
  /// (its bursts were decided after those of the waiting ones), so inserting from the back
  /// costs a comparison or two; a binary heap paid ~2 log n hard-to-predict ones per response.
  class ResponseQueue {
   public:
    [[nodiscard]] bool empty() const { return head_ == items_.size(); }
    [[nodiscard]] const Response& top() const { return items_[head_]; }
    void pop() {
      if (++head_ == items_.size()) {
        items_.clear();
        head_ = 0;
      }
    }
    void push(const Response& response) {
      if (head_ >= kCompactAfter && 2 * head_ >= items_.size()) {  // drop the sent ones
        items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
      auto at = items_.end();
      const auto first = items_.begin() + static_cast<std::ptrdiff_t>(head_);
      while (at != first && response < *(at - 1)) --at;
      items_.insert(at, response);
    }

   private:
    static constexpr std::size_t kCompactAfter = 1024;
    std::vector<Response> items_;  ///< [head_, end): waiting, in order
    std::size_t head_ = 0;
  };

  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  void register_stats(StatsTree& stats);
  void trace_to_timeline(TraceEvents& events);
  void count_outstanding(std::uint32_t channel, int change);
  void emit_activity(std::uint32_t channel, bool pim);
  void flush_activity();
  void record_to_database();
  void record_transaction(const Txn& txn, std::uint64_t end_cycle);

  /// Checks a request (`pim`: its PimExtension, or null); false (with the response status set) if
  /// it must be refused.
  bool validate(tlm::tlm_generic_payload& trans, const PimExtension* pim);
  /// Admits the request if every channel it needs has room; false means back-pressure.
  bool try_admit(tlm::tlm_generic_payload& trans, std::uint64_t arrival, const PimExtension* pim);
  /// The queue entry of the bursts [a, run_end), one run in one row (try_admit()).
  [[nodiscard]] MemBurst run_entry(std::uint64_t a, std::uint64_t run_end) const;
  /// Whether channel c takes `bursts` more now; if not, it becomes the blocking channel.
  bool has_room(std::uint32_t c, std::uint32_t bursts);
  /// While tracing: the transaction of `handle` occupies channel c.
  void track_channel(std::uint64_t handle, std::uint32_t c);
  /// Completes an entry of the transaction of `handle` and puts it in its channel.
  void queue_entry(MemBurst& entry, std::uint64_t handle, const tlm::tlm_generic_payload& trans,
                   std::uint64_t arrival);
  /// Per-channel windows: runs every channel whose wake-up is due now, then schedules the
  /// calendar for the earliest pending one.
  void run_calendar();
  /// Runs channel c up to `now` + lookahead_ (`now`: the current cycle, cycle_at()).
  void wake_channel(std::uint32_t c, std::uint64_t now);
  /// Schedules channel c's wake-up: in the next delta cycle (`delta`) or at `cycle`. Each
  /// channel's wake-up behaves as an sc_event of its own would (an earlier request replaces a
  /// later one, a delta request replaces a timed one, a timed request leaves a delta one), but
  /// the 32 channels share one SystemC event and one method process.
  void schedule_wake(std::uint32_t c, bool delta, std::uint64_t cycle = 0);
  /// A request for channel c arrived: wake it (per-channel) or mark it for the window (aligned).
  void request_arrived(std::uint32_t c);
  /// Aligned windows: runs every channel with a command due in the current window, or with new
  /// requests, up to the window's end; then waits for the next window with work.
  void run_window();
  /// Admits the held-back request if `channel` was the one it waited for and now has room.
  void retry_pending(std::uint32_t channel, std::uint64_t now);
  void collect(std::vector<Completion>& done);
  void send_responses();
  [[nodiscard]] std::uint64_t cycle_at(const sc_core::sc_time& t) const;
  [[nodiscard]] sc_core::sc_time time_of(std::uint64_t cycle) const;

  json params_document_;  ///< the memory config as read (for the command database); before params_
  MemoryParams params_;
  ControllerConfig config_;
  std::unique_ptr<AddressMapping> mapping_;
  SparseStorage storage_;
  std::vector<std::unique_ptr<ChannelController>> channels_;
  /// Per-channel windows: the calendar of channel wake-ups (see schedule_wake()).
  sc_core::sc_event calendar_event_;
  std::vector<std::uint64_t> wake_at_;    ///< per channel: timed wake-up cycle, ~0 none
  std::vector<std::uint8_t> wake_delta_;  ///< per channel: a wake-up in the next delta cycle
  std::vector<std::uint32_t> waking_;     ///< the channels of the current calendar run
  std::uint64_t next_wake_ = ~0ULL;       ///< earliest timed wake-up, kept by run_calendar()
  std::uint64_t lookahead_ = 16;
  bool aligned_ = false;  ///< windows: aligned
  sc_core::sc_event window_event_;
  std::uint64_t window_end_ = 0;                      ///< end of the current aligned window (cycle)
  std::vector<std::uint64_t> next_decision_;          ///< per channel: run_until's answer, ~0 idle
  std::vector<std::uint8_t> arrived_;                 ///< per channel: requests since it last ran
  std::vector<std::uint8_t> in_window_;               ///< per channel: runs in this window
  std::vector<std::vector<Completion>> window_done_;  ///< per channel
  std::vector<std::uint32_t> window_channels_;
  sc_core::sc_time tck_;

  /// Transactions in flight, in slots reused newest-freed first, so the table stays as large
  /// as the most transactions ever in flight and the slots in use stay in the cache (a ring by
  /// id grew to the span between the oldest transaction in flight and the newest: 2 MB in a
  /// GPT3-7B layer). The controllers carry a transaction's handle, its slot + 1 (0: none).
  std::vector<Txn> txns_;
  std::vector<std::uint32_t> free_txns_;
  std::uint64_t next_txn_id_ = 1;
  /// Takes a slot for `txn` and gives it the next id; returns its handle.
  std::uint64_t add_txn(Txn txn);
  [[nodiscard]] Txn* find_txn(std::uint64_t handle);
  void erase_txn(std::uint64_t handle);
  tlm::tlm_generic_payload* pending_ = nullptr;  // request held back (END_REQ withheld)
  std::uint64_t pending_arrival_ = 0;
  std::uint32_t blocking_channel_ = 0;  // the channel the pending request waits for
  ResponseQueue responses_;
  sc_core::sc_event response_event_;
  bool awaiting_end_resp_ = false;
  std::vector<Completion> scratch_;
  std::vector<std::uint32_t> need_scratch_, touched_scratch_;
  std::vector<MemBurst> entry_scratch_;

  std::uint64_t transactions_ = 0, backpressure_events_ = 0, refused_ = 0;
  std::uint64_t windows_ = 0;  ///< aligned windows run

  std::vector<std::function<void(std::uint32_t, const IssuedCommand&)>> observers_;
  const TraceEvents* events_ = nullptr;
  std::vector<CounterTrack> outstanding_tracks_;
  std::vector<std::uint32_t> outstanding_;
  struct Activity {
    std::uint64_t start = 0, last = 0, commands = 0, bursts = 0;  ///< bursts: RD + WR
  };
  std::vector<Activity> activity_;  ///< per channel: MEM, PIM
  std::vector<std::string> activity_tracks_;
  std::uint64_t activity_gap_ = 32;
  std::shared_ptr<CommandDatabase> db_;
};

}  // namespace vp::hbm
