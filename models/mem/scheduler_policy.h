// Memory-request scheduling policies of a channel controller, created by name.
//
// Contract: a policy sees the queue of one bank (arrival order) and the bank's open row, and
// names the burst whose next command (column command, PRE or ACT) should compete for the bus.
// in_order() policies also restrict the channel to its oldest burst. Every policy keeps serving
// a row hit at the front of the queue while it has bursts left (the controller relies on this to
// skip re-asking the policy between the bursts of such an entry). The controller does not ask
// about a queue of one entry (there is only one to name). make_scheduler() with an unknown name
// throws ConfigError listing the known ones.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/mem/bank_queues.h"

namespace vp::hbm {

struct BankView {
  QueueView queue;
  bool open;
  Row open_row;
  std::uint32_t hits_since_activate;
};

class SchedulerPolicy {
 public:
  virtual ~SchedulerPolicy() = default;
  /// Index into view.queue of the burst to serve next (queue is not empty).
  [[nodiscard]] virtual std::size_t choose(const BankView& view) const = 0;
  [[nodiscard]] virtual bool in_order() const = 0;
};

/// "fr-fcfs" (first-ready, first-come-first-served with a row-hit cap) or "fcfs".
[[nodiscard]] std::unique_ptr<SchedulerPolicy> make_scheduler(const std::string& name,
                                                              std::uint32_t row_hit_cap,
                                                              const std::string& where);
[[nodiscard]] std::vector<std::string> scheduler_names();

}  // namespace vp::hbm
